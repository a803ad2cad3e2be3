//! CallbackRepo on both engines. A call and everything it raises commit together: the step,
//! the quality reports (written here into the quality feature's tables, with their first event)
//! and the agent's notification.

use super::{corrupt, insert_step, with_histories, EventRow, PolicyRow, EVENT_COLS, POLICY_COLS};
use crate::changes::{append_changes, NewChange};
use crate::db::{audit, on_pool, repo_err, Db};
use crate::sql::{bind_args, Arg, Sql};
use chrono::{DateTime, Utc};
use domain::changes::ChangeType;
use domain::commission::{InsurancePolicy, InsurancePolicyEvent, Notice, Notification, NotificationKind, RaisedReport};
use domain::ids::{CompanyId, UserId};
use domain::ports::{AuditContext, CallbackRepo, PolicyWithHistory, RepoError};
use domain::quality::Post;
use serde_json::json;
use uuid::Uuid;

/// The event of a step on a policy (its hold state may change with it).
fn step_change(policy: &InsurancePolicy, e: &InsurancePolicyEvent) -> NewChange {
    let data = json!({"policy_id": policy.id, "agent_id": policy.agent_id, "step": e.step, "actor_id": e.actor_id,
                      "at": e.at});
    NewChange::new(
        ChangeType::PolicyStepRecorded,
        policy.id,
        Some(policy.agent_id),
        &data,
        e.at,
    )
}

/// Why a raised report exists, on its first event.
const RAISED_REASON: &str = "raised by the callback";

/// How the quality feature's audit log shows a report (the shape of its `Violation`).
fn report_audit(company: CompanyId, r: &RaisedReport) -> String {
    json!({
        "company_id": company, "id": r.id, "agent_id": r.agent_id, "code": r.code.code(),
        "post": Post::CallbackCenter.as_str(), "reporter_id": r.reporter_id, "occurred_on": r.occurred_on,
        "evidence": r.code.evidence(), "attachments": [], "client_id": r.client_id,
        "policy_number": r.policy_number, "catalogue_version": r.catalogue_version, "created_at": r.at,
        "events": [{"kind": "reported", "half_points": null, "reason": RAISED_REASON, "actor_id": r.reporter_id, "at": r.at}],
    })
    .to_string()
}

impl CallbackRepo for Db {
    async fn append_insurance_policy_event(
        &self,
        ctx: &AuditContext,
        policy: &InsurancePolicy,
        seq: i64,
        e: &InsurancePolicyEvent,
    ) -> Result<bool, RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            if !insert_step!(tx, ctx, policy.id, seq, e) {
                tx.rollback().await.map_err(repo_err)?;
                return Ok(false);
            }
            append_changes!(tx, policy.company_id, &[step_change(policy, e)])?;
            tx.commit().await.map_err(repo_err)?;
            Ok(true)
        })
    }

    async fn record_callback(
        &self,
        ctx: &AuditContext,
        policy: &InsurancePolicy,
        seq: i64,
        e: &InsurancePolicyEvent,
        reports: &[RaisedReport],
        notice: Option<&Notice>,
    ) -> Result<bool, RepoError> {
        let company = policy.company_id;
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            if !insert_step!(tx, ctx, policy.id, seq, e) {
                tx.rollback().await.map_err(repo_err)?;
                return Ok(false);
            }
            for r in reports {
                sqlx::query(
                    "INSERT INTO violations (company_id, id, agent_id, code, post, reporter_id, occurred_on, evidence, \
                     attachments, client_id, policy_number, catalogue_version, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '[]', $9, $10, $11, $12)",
                )
                .bind(company.0)
                .bind(r.id)
                .bind(r.agent_id.0)
                .bind(r.code.code())
                .bind(Post::CallbackCenter.as_str())
                .bind(r.reporter_id.0)
                .bind(r.occurred_on)
                .bind(r.code.evidence())
                .bind(r.client_id)
                .bind(&r.policy_number)
                .bind(r.catalogue_version)
                .bind(r.at)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
                sqlx::query(
                    "INSERT INTO violation_events (company_id, id, violation_id, seq, kind, half_points, reason, actor_id, at) \
                     VALUES ($1, $2, $3, 0, 'reported', NULL, $4, $5, $6)",
                )
                .bind(company.0)
                .bind(Uuid::now_v7())
                .bind(r.id)
                .bind(RAISED_REASON)
                .bind(r.reporter_id.0)
                .bind(r.at)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
                audit!(
                    tx,
                    ctx,
                    "report",
                    "violation",
                    r.id,
                    None::<String>,
                    Some(report_audit(company, r))
                )?;
            }
            if let Some(n) = notice {
                sqlx::query(
                    "INSERT INTO notifications (company_id, id, user_id, kind, payload, source_key, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
                )
                .bind(company.0)
                .bind(Uuid::now_v7())
                .bind(n.user_id.0)
                .bind(n.kind.as_str())
                .bind(n.payload.to_string())
                .bind(&n.source_key)
                .bind(n.at)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
            }
            let mut changes = vec![step_change(policy, e)];
            for r in reports {
                let data: serde_json::Value = serde_json::from_str(&report_audit(company, r)).unwrap_or_default();
                changes.push(NewChange::new(ChangeType::ViolationReported, r.id, None, &data, r.at));
            }
            append_changes!(tx, company, &changes)?;
            tx.commit().await.map_err(repo_err)?;
            Ok(true)
        })
    }

    async fn staff_and_outlet_phones(&self, company: CompanyId, phones: &[String]) -> Result<Vec<String>, RepoError> {
        if phones.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let list = sql.list(phones.iter().map(|p| Arg::Text(p.clone())));
        sql.push(&format!(
            "SELECT phone FROM users WHERE company_id = {c} AND phone IN ({list}) \
             UNION SELECT phone FROM outlets WHERE company_id = {c} AND phone IN ({list})"
        ));
        on_pool!(self, |p| {
            bind_args!(sqlx::query_scalar::<_, String>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)
        })
    }

    async fn open_callbacks(&self, company: CompanyId) -> Result<Vec<PolicyWithHistory>, RepoError> {
        let (rows, events): (Vec<PolicyRow>, Vec<EventRow>) = on_pool!(self, |p| {
            // Every policy is a candidate; the state machine decides which are due.
            let rows = sqlx::query_as(&format!(
                "SELECT {POLICY_COLS} FROM insurance_policies WHERE company_id = $1 ORDER BY printed_on, id"
            ))
            .bind(company.0)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            let events = sqlx::query_as(&format!(
                "SELECT {EVENT_COLS} FROM policy_events WHERE company_id = $1 ORDER BY policy_id, seq"
            ))
            .bind(company.0)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok::<_, RepoError>((rows, events))
        })?;
        with_histories(rows, events)
    }

    async fn notifications(&self, company: CompanyId, user: UserId) -> Result<Vec<Notification>, RepoError> {
        let rows: Vec<(Uuid, String, String, DateTime<Utc>)> = on_pool!(self, |p| {
            sqlx::query_as(
                "SELECT id, kind, payload, created_at FROM notifications WHERE company_id = $1 AND user_id = $2 \
                 ORDER BY created_at DESC, id DESC LIMIT 200",
            )
            .bind(company.0)
            .bind(user.0)
            .fetch_all(p)
            .await
            .map_err(repo_err)
        })?;
        rows.into_iter()
            .map(|(id, kind, payload, created_at)| {
                Ok(Notification {
                    id,
                    kind: NotificationKind::parse(&kind).ok_or_else(|| corrupt("notification kind"))?,
                    payload: serde_json::from_str(&payload).map_err(|_| corrupt("notification payload"))?,
                    created_at,
                })
            })
            .collect()
    }
}
