//! InsurancePolicyRepo on both engines.

use super::{group, EventRow, PolicyRow, EVENT_COLS, POLICY_COLS};
use crate::changes::{append_changes, NewChange};
use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use crate::sql::{bind_args, person_scope, Arg, Sql};
use chrono::NaiveDate;
use domain::changes::ChangeType;
use domain::commission::{InsurancePolicy, InsurancePolicyEvent};
use domain::ids::CompanyId;
use domain::ports::{AuditContext, InsurancePolicyRepo, ListScope, PageRequest, RepoError};
use std::collections::HashMap;
use uuid::Uuid;

impl InsurancePolicyRepo for Db {
    async fn insert_insurance_policy(&self, ctx: &AuditContext, p: &InsurancePolicy) -> Result<(), RepoError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(repo_err)?;
            sqlx::query(&format!(
                "INSERT INTO insurance_policies ({POLICY_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ))
            .bind(p.company_id.0)
            .bind(p.id)
            .bind(&p.number)
            .bind(p.agent_id.0)
            .bind(p.client_id)
            .bind(&p.product)
            .bind(p.premium_fen)
            .bind(p.commission_fen)
            .bind(p.printed_on)
            .bind(p.effective_on)
            .bind(p.receipt_returned_on)
            .bind(p.created_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            audit!(
                tx,
                ctx,
                "create",
                "insurance_policy",
                p.id,
                None::<String>,
                audit_json(p)
            )?;
            let change = NewChange::new(ChangeType::PolicyCreated, p.id, Some(p.agent_id), p, p.created_at);
            append_changes!(tx, p.company_id, &[change])?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn get_insurance_policy(&self, company: CompanyId, id: Uuid) -> Result<Option<InsurancePolicy>, RepoError> {
        on_pool!(self, |p| {
            sqlx::query_as::<_, PolicyRow>(&format!(
                "SELECT {POLICY_COLS} FROM insurance_policies WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id)
            .fetch_optional(p)
            .await
            .map(|r| r.map(InsurancePolicy::from))
            .map_err(repo_err)
        })
    }

    async fn list_insurance_policies(
        &self,
        company: CompanyId,
        scope: &ListScope,
        page: PageRequest,
    ) -> Result<Vec<InsurancePolicy>, RepoError> {
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let after = sql.arg(Arg::Uuid(page.after.unwrap_or(Uuid::nil())));
        let filter = person_scope(&mut sql, scope, "agent_id", &c);
        let lim = sql.arg(Arg::Int(i64::from(page.limit)));
        sql.push(&format!(
            "SELECT {POLICY_COLS} FROM insurance_policies WHERE company_id = {c} AND id > {after} AND {filter} ORDER BY id LIMIT {lim}"
        ));
        on_pool!(self, |p| {
            bind_args!(sqlx::query_as::<_, PolicyRow>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map(|rows| rows.into_iter().map(InsurancePolicy::from).collect())
                .map_err(repo_err)
        })
    }

    async fn set_receipt(
        &self,
        ctx: &AuditContext,
        before: &InsurancePolicy,
        returned_on: NaiveDate,
    ) -> Result<(), RepoError> {
        let after = InsurancePolicy {
            receipt_returned_on: Some(returned_on),
            ..before.clone()
        };
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            sqlx::query("UPDATE insurance_policies SET receipt_returned_on = $3 WHERE company_id = $1 AND id = $2")
                .bind(before.company_id.0)
                .bind(before.id)
                .bind(returned_on)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
            audit!(
                tx,
                ctx,
                "receipt",
                "insurance_policy",
                before.id,
                audit_json(before),
                audit_json(&after)
            )?;
            let change = NewChange::new(
                ChangeType::PolicyReceiptRecorded,
                after.id,
                Some(after.agent_id),
                &after,
                ctx.at,
            );
            append_changes!(tx, after.company_id, &[change])?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn insurance_policy_events(
        &self,
        company: CompanyId,
        policy: Uuid,
    ) -> Result<Vec<InsurancePolicyEvent>, RepoError> {
        let rows: Vec<EventRow> = on_pool!(self, |p| {
            sqlx::query_as(&format!(
                "SELECT {EVENT_COLS} FROM policy_events WHERE company_id = $1 AND policy_id = $2 ORDER BY seq"
            ))
            .bind(company.0)
            .bind(policy)
            .fetch_all(p)
            .await
            .map_err(repo_err)
        })?;
        Ok(group(rows)?.remove(&policy).unwrap_or_default())
    }

    async fn events_of_insurance_policies(
        &self,
        company: CompanyId,
        policies: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<InsurancePolicyEvent>>, RepoError> {
        if policies.is_empty() {
            return Ok(HashMap::new());
        }
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let list = sql.list(policies.iter().map(|p| Arg::Uuid(*p)));
        sql.push(&format!(
            "SELECT {EVENT_COLS} FROM policy_events WHERE company_id = {c} AND policy_id IN ({list}) \
             ORDER BY policy_id, seq"
        ));
        let rows = on_pool!(self, |p| {
            bind_args!(sqlx::query_as::<_, EventRow>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)
        })?;
        group(rows)
    }
}
