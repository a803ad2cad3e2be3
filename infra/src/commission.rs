//! CommissionRepo on both engines.

use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use crate::sql::{bind_args, person_scope, Arg, Sql};
use chrono::{DateTime, NaiveDate, Utc};
use domain::commission::{CommissionEntry, InsurancePolicy, PolicyEvent};
use domain::ids::{BranchId, CompanyId, UserId};
use domain::ports::{AuditContext, CommissionRepo, ListScope, PageRequest, RepoError, Statement};
use std::collections::HashMap;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct PolicyRow {
    company_id: Uuid,
    id: Uuid,
    number: String,
    agent_id: Uuid,
    client_id: Uuid,
    product: String,
    premium_fen: i64,
    commission_fen: i64,
    printed_on: NaiveDate,
    effective_on: NaiveDate,
    receipt_returned_on: Option<NaiveDate>,
    created_at: DateTime<Utc>,
}

impl From<PolicyRow> for InsurancePolicy {
    fn from(r: PolicyRow) -> Self {
        InsurancePolicy {
            company_id: CompanyId(r.company_id),
            id: r.id,
            number: r.number,
            agent_id: UserId(r.agent_id),
            client_id: r.client_id,
            product: r.product,
            premium_fen: r.premium_fen,
            commission_fen: r.commission_fen,
            printed_on: r.printed_on,
            effective_on: r.effective_on,
            receipt_returned_on: r.receipt_returned_on,
            created_at: r.created_at,
        }
    }
}

const POLICY_COLS: &str =
    "company_id, id, number, agent_id, client_id, product, premium_fen, commission_fen, printed_on, \
                           effective_on, receipt_returned_on, created_at";

#[derive(sqlx::FromRow)]
struct EventRow {
    policy_id: Uuid,
    kind: String,
    payload: String,
    actor_id: Uuid,
    at: DateTime<Utc>,
}

fn group(events: Vec<EventRow>) -> HashMap<Uuid, Vec<PolicyEvent>> {
    let mut out: HashMap<Uuid, Vec<PolicyEvent>> = HashMap::new();
    for e in events {
        out.entry(e.policy_id).or_default().push(PolicyEvent {
            kind: e.kind,
            payload: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
            actor_id: UserId(e.actor_id),
            at: e.at,
        });
    }
    out
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    company_id: Uuid,
    id: Uuid,
    person_id: Uuid,
    policy_id: Uuid,
    month: String,
    kind: String,
    amount_fen: i64,
    rule_id: String,
    explanation: String,
    source_key: String,
    created_at: DateTime<Utc>,
}

const ENTRY_COLS: &str =
    "company_id, id, person_id, policy_id, month, kind, amount_fen, rule_id, explanation, source_key, created_at";

#[derive(sqlx::FromRow)]
struct StatementRow {
    company_id: Uuid,
    id: Uuid,
    person_id: Uuid,
    branch_id: Uuid,
    month: String,
    lines: String,
    net_fen: i64,
    closed_at: DateTime<Utc>,
}

impl From<StatementRow> for Statement {
    fn from(r: StatementRow) -> Self {
        Statement {
            company_id: CompanyId(r.company_id),
            id: r.id,
            person_id: UserId(r.person_id),
            branch_id: BranchId(r.branch_id),
            month: r.month,
            lines: serde_json::from_str(&r.lines).unwrap_or(serde_json::Value::Null),
            net_fen: r.net_fen,
            closed_at: r.closed_at,
        }
    }
}

const STATEMENT_COLS: &str = "company_id, id, person_id, branch_id, month, lines, net_fen, closed_at";

impl CommissionRepo for Db {
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
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn append_policy_event(
        &self,
        ctx: &AuditContext,
        policy: Uuid,
        seq: i64,
        e: &PolicyEvent,
    ) -> Result<bool, RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            let n = sqlx::query(
                "INSERT INTO policy_events (company_id, id, policy_id, seq, kind, payload, actor_id, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            )
            .bind(ctx.company_id.0)
            .bind(Uuid::now_v7())
            .bind(policy)
            .bind(seq)
            .bind(&e.kind)
            .bind(e.payload.to_string())
            .bind(e.actor_id.0)
            .bind(e.at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?
            .rows_affected();
            if n == 0 {
                tx.rollback().await.map_err(repo_err)?;
                return Ok(false);
            }
            audit!(
                tx,
                ctx,
                e.kind.as_str(),
                "insurance_policy",
                policy,
                None::<String>,
                audit_json(e)
            )?;
            tx.commit().await.map_err(repo_err)?;
            Ok(true)
        })
    }

    async fn policy_events(&self, company: CompanyId, policy: Uuid) -> Result<Vec<PolicyEvent>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<EventRow> = sqlx::query_as(
                "SELECT policy_id, kind, payload, actor_id, at FROM policy_events WHERE company_id = $1 AND policy_id = $2 ORDER BY seq",
            )
            .bind(company.0)
            .bind(policy)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(group(rows).remove(&policy).unwrap_or_default())
        })
    }

    async fn events_of_policies(
        &self,
        company: CompanyId,
        policies: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<PolicyEvent>>, RepoError> {
        if policies.is_empty() {
            return Ok(HashMap::new());
        }
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let list = sql.list(policies.iter().map(|p| Arg::Uuid(*p)));
        sql.push(&format!(
            "SELECT policy_id, kind, payload, actor_id, at FROM policy_events WHERE company_id = {c} AND policy_id IN ({list}) \
             ORDER BY policy_id, seq"
        ));
        on_pool!(self, |p| {
            let rows = bind_args!(sqlx::query_as::<_, EventRow>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)?;
            Ok(group(rows))
        })
    }

    async fn branch_policies(
        &self,
        company: CompanyId,
        branch: BranchId,
        printed_before: NaiveDate,
    ) -> Result<Vec<(InsurancePolicy, Vec<PolicyEvent>)>, RepoError> {
        let cols: String = POLICY_COLS
            .split(", ")
            .map(|c| format!("ip.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        on_pool!(self, |p| {
            let rows: Vec<PolicyRow> = sqlx::query_as(&format!(
                "SELECT {cols} FROM insurance_policies ip JOIN users u ON u.company_id = ip.company_id AND u.id = ip.agent_id \
                 WHERE ip.company_id = $1 AND u.branch_id = $2 AND ip.printed_on < $3 ORDER BY ip.id"
            ))
            .bind(company.0)
            .bind(branch.0)
            .bind(printed_before)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            let events: Vec<EventRow> = sqlx::query_as(
                "SELECT e.policy_id, e.kind, e.payload, e.actor_id, e.at FROM policy_events e \
                 JOIN insurance_policies ip ON ip.company_id = e.company_id AND ip.id = e.policy_id \
                 JOIN users u ON u.company_id = ip.company_id AND u.id = ip.agent_id \
                 WHERE e.company_id = $1 AND u.branch_id = $2 AND ip.printed_on < $3 ORDER BY e.policy_id, e.seq",
            )
            .bind(company.0)
            .bind(branch.0)
            .bind(printed_before)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            let mut by = group(events);
            Ok(rows
                .into_iter()
                .map(|r| {
                    let id = r.id;
                    (InsurancePolicy::from(r), by.remove(&id).unwrap_or_default())
                })
                .collect())
        })
    }

    async fn open_callbacks(&self, company: CompanyId) -> Result<Vec<(InsurancePolicy, Vec<PolicyEvent>)>, RepoError> {
        on_pool!(self, |p| {
            // Policies with no terminal event are candidates; the state machine decides.
            let rows: Vec<PolicyRow> = sqlx::query_as(&format!(
                "SELECT {POLICY_COLS} FROM insurance_policies WHERE company_id = $1 ORDER BY printed_on, id"
            ))
            .bind(company.0)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            let events: Vec<EventRow> = sqlx::query_as(
                "SELECT policy_id, kind, payload, actor_id, at FROM policy_events WHERE company_id = $1 ORDER BY policy_id, seq",
            )
            .bind(company.0)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            let mut by = group(events);
            Ok(rows
                .into_iter()
                .map(|r| {
                    let id = r.id;
                    (InsurancePolicy::from(r), by.remove(&id).unwrap_or_default())
                })
                .collect())
        })
    }

    async fn commission_entries_for_branch(
        &self,
        company: CompanyId,
        branch: BranchId,
    ) -> Result<Vec<CommissionEntry>, RepoError> {
        let cols: String = ENTRY_COLS
            .split(", ")
            .map(|c| format!("e.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        on_pool!(self, |p| {
            let rows: Vec<EntryRow> = sqlx::query_as(&format!(
                "SELECT {cols} FROM commission_entries e JOIN users u ON u.company_id = e.company_id AND u.id = e.person_id \
                 WHERE e.company_id = $1 AND u.branch_id = $2"
            ))
            .bind(company.0)
            .bind(branch.0)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows
                .into_iter()
                .map(|r| CommissionEntry {
                    company_id: CompanyId(r.company_id),
                    id: r.id,
                    person_id: UserId(r.person_id),
                    policy_id: r.policy_id,
                    month: r.month,
                    kind: r.kind,
                    amount_fen: r.amount_fen,
                    rule_id: r.rule_id,
                    explanation: r.explanation,
                    source_key: r.source_key,
                    created_at: r.created_at,
                })
                .collect())
        })
    }

    async fn insert_commission_entries(&self, rows: &[CommissionEntry]) -> Result<u64, RepoError> {
        let mut total = 0;
        for chunk in rows.chunks(1000) {
            let mut sql = Sql::new("");
            let values: Vec<String> = chunk
                .iter()
                .map(|r| {
                    format!(
                        "({})",
                        sql.list([
                            Arg::Uuid(r.company_id.0),
                            Arg::Uuid(r.id),
                            Arg::Uuid(r.person_id.0),
                            Arg::Uuid(r.policy_id),
                            Arg::Text(r.month.clone()),
                            Arg::Text(r.kind.clone()),
                            Arg::Int(r.amount_fen),
                            Arg::Text(r.rule_id.clone()),
                            Arg::Text(r.explanation.clone()),
                            Arg::Text(r.source_key.clone()),
                            Arg::Ts(r.created_at),
                        ])
                    )
                })
                .collect();
            sql.push(&format!(
                "INSERT INTO commission_entries ({ENTRY_COLS}) VALUES {} ON CONFLICT DO NOTHING",
                values.join(", ")
            ));
            total += on_pool!(self, |p| {
                bind_args!(sqlx::query(&sql.text), &sql.args)
                    .execute(p)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(repo_err)
            })?;
        }
        Ok(total)
    }

    async fn insert_statements(&self, rows: &[Statement]) -> Result<u64, RepoError> {
        let mut total = 0;
        for chunk in rows.chunks(1000) {
            let mut sql = Sql::new("");
            let values: Vec<String> = chunk
                .iter()
                .map(|r| {
                    format!(
                        "({})",
                        sql.list([
                            Arg::Uuid(r.company_id.0),
                            Arg::Uuid(r.id),
                            Arg::Uuid(r.person_id.0),
                            Arg::Uuid(r.branch_id.0),
                            Arg::Text(r.month.clone()),
                            Arg::Text(r.lines.to_string()),
                            Arg::Int(r.net_fen),
                            Arg::Ts(r.closed_at),
                        ])
                    )
                })
                .collect();
            sql.push(&format!(
                "INSERT INTO statements ({STATEMENT_COLS}) VALUES {} ON CONFLICT DO NOTHING",
                values.join(", ")
            ));
            total += on_pool!(self, |p| {
                bind_args!(sqlx::query(&sql.text), &sql.args)
                    .execute(p)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(repo_err)
            })?;
        }
        Ok(total)
    }

    async fn mark_settled(
        &self,
        company: CompanyId,
        branch: BranchId,
        month: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        on_pool!(self, |p| {
            sqlx::query("INSERT INTO settled_months (company_id, branch_id, month, closed_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING")
                .bind(company.0)
                .bind(branch.0)
                .bind(month)
                .bind(at)
                .execute(p)
                .await
                .map(|r| r.rows_affected() == 1)
                .map_err(repo_err)
        })
    }

    async fn is_settled(&self, company: CompanyId, branch: BranchId, month: &str) -> Result<bool, RepoError> {
        on_pool!(self, |p| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM settled_months WHERE company_id = $1 AND branch_id = $2 AND month = $3",
            )
            .bind(company.0)
            .bind(branch.0)
            .bind(month)
            .fetch_one(p)
            .await
            .map(|n| n > 0)
            .map_err(repo_err)
        })
    }

    async fn statements_of(
        &self,
        company: CompanyId,
        person: UserId,
        month: Option<&str>,
    ) -> Result<Vec<Statement>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<StatementRow> = sqlx::query_as(&format!(
                "SELECT {STATEMENT_COLS} FROM statements WHERE company_id = $1 AND person_id = $2 AND ($3 = '' OR month = $3) ORDER BY month"
            ))
            .bind(company.0)
            .bind(person.0)
            .bind(month.unwrap_or(""))
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows.into_iter().map(Statement::from).collect())
        })
    }

    async fn get_statement(&self, company: CompanyId, id: Uuid) -> Result<Option<Statement>, RepoError> {
        on_pool!(self, |p| {
            sqlx::query_as::<_, StatementRow>(&format!(
                "SELECT {STATEMENT_COLS} FROM statements WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id)
            .fetch_optional(p)
            .await
            .map(|r| r.map(Statement::from))
            .map_err(repo_err)
        })
    }

    async fn notify(
        &self,
        company: CompanyId,
        user: UserId,
        kind: &str,
        payload: &serde_json::Value,
        source_key: &str,
        at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO notifications (company_id, id, user_id, kind, payload, source_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(company.0)
            .bind(Uuid::now_v7())
            .bind(user.0)
            .bind(kind)
            .bind(payload.to_string())
            .bind(source_key)
            .bind(at)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(repo_err)
        })
    }

    async fn notifications(
        &self,
        company: CompanyId,
        user: UserId,
    ) -> Result<Vec<(Uuid, String, serde_json::Value, DateTime<Utc>)>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<(Uuid, String, String, DateTime<Utc>)> = sqlx::query_as(
                "SELECT id, kind, payload, created_at FROM notifications WHERE company_id = $1 AND user_id = $2 ORDER BY created_at DESC, id DESC LIMIT 200",
            )
            .bind(company.0)
            .bind(user.0)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows
                .into_iter()
                .map(|(i, k, pl, t)| (i, k, serde_json::from_str(&pl).unwrap_or(serde_json::Value::Null), t))
                .collect())
        })
    }
}
