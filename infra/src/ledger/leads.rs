//! LeadRepo (LEAD-1, LEAD-2) on both engines.

use super::corrupt;
use crate::changes::{append_changes, by_company, NewChange};
use crate::db::{on_pool, repo_err, Db};
use crate::sql::{bind_args, Arg, Sql};
use chrono::{DateTime, NaiveDate, Utc};
use domain::changes::ChangeType;
use domain::ids::{CompanyId, UserId};
use domain::leads::LeadAllocation;
use domain::period::Quarter;
use domain::ports::{LeadRepo, RepoError};
use domain::rules::RuleId;
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct AllocRow {
    company_id: Uuid,
    id: Uuid,
    agent_id: Uuid,
    quarter: String,
    amount: i64,
    deficit_after: i64,
    suspended: bool,
    facts: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<AllocRow> for LeadAllocation {
    type Error = RepoError;
    fn try_from(r: AllocRow) -> Result<Self, RepoError> {
        Ok(LeadAllocation {
            company_id: CompanyId(r.company_id),
            id: r.id,
            agent_id: UserId(r.agent_id),
            quarter: Quarter::parse(&r.quarter).ok_or_else(|| corrupt("allocation quarter"))?,
            granted: r.amount,
            deficit_after: r.deficit_after,
            suspended: r.suspended,
            facts: serde_json::from_str(&r.facts).map_err(|_| corrupt("allocation facts"))?,
            created_at: r.created_at,
        })
    }
}

const ALLOC_COLS: &str = "company_id, id, agent_id, quarter, amount, deficit_after, suspended, facts, created_at";

impl LeadRepo for Db {
    async fn lead_deductions(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, i64)>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<(Uuid, i64)> = sqlx::query_as(
                "SELECT person_id, CAST(SUM(leads) AS BIGINT) FROM penalty_entries WHERE company_id = $1 AND person_role = 'agent' \
                 AND posted_day >= $2 AND posted_day <= $3 GROUP BY person_id",
            )
            .bind(company.0)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows.into_iter().map(|(u, l)| (UserId(u), l)).collect())
        })
    }

    async fn falsified_agents(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<UserId>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<Uuid> = sqlx::query_scalar(
                "SELECT DISTINCT e.person_id FROM penalty_entries e WHERE e.company_id = $1 AND e.rule_id = $2 \
                 AND e.kind = 'penalty' AND e.posted_day >= $3 AND e.posted_day <= $4 \
                 AND NOT EXISTS (SELECT 1 FROM penalty_entries w WHERE w.company_id = e.company_id AND w.kind = 'waiver' AND w.refers_to = e.id)",
            )
            .bind(company.0)
            .bind(RuleId::DiaPenFalsified.as_str())
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows.into_iter().map(UserId).collect())
        })
    }

    async fn allocations(&self, company: CompanyId, quarter: Quarter) -> Result<Vec<LeadAllocation>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<AllocRow> = sqlx::query_as(&format!(
                "SELECT {ALLOC_COLS} FROM lead_movements WHERE company_id = $1 AND quarter = $2"
            ))
            .bind(company.0)
            .bind(quarter.to_string())
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            rows.into_iter().map(LeadAllocation::try_from).collect()
        })
    }

    async fn insert_allocations(&self, rows: &[LeadAllocation]) -> Result<u64, RepoError> {
        let statements: Vec<Sql> = rows
            .chunks(500)
            .map(|chunk| {
                let mut sql = Sql::new("");
                let values: Vec<String> = chunk
                    .iter()
                    .map(|r| {
                        format!(
                            "({})",
                            sql.list([
                                Arg::Uuid(r.company_id.0),
                                Arg::Uuid(r.id),
                                Arg::Uuid(r.agent_id.0),
                                Arg::Text(r.quarter.to_string()),
                                Arg::Text("allocation".to_owned()),
                                Arg::Int(r.granted),
                                Arg::Int(r.deficit_after),
                                Arg::Bool(r.suspended),
                                Arg::Text(r.facts.to_string()),
                                Arg::Text(format!("alloc:{}:{}", r.agent_id, r.quarter)),
                                Arg::Ts(r.created_at),
                            ])
                        )
                    })
                    .collect();
                sql.push(&format!(
                    "INSERT INTO lead_movements (company_id, id, agent_id, quarter, kind, amount, deficit_after, suspended, \
                     facts, source_key, created_at) VALUES {} ON CONFLICT DO NOTHING RETURNING id",
                    values.join(", ")
                ));
                sql
            })
            .collect();
        // One transaction: the background runner treats "any allocation of the quarter exists"
        // as "the quarter is allocated", so a crash must not leave half of it.
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            let mut new: std::collections::HashSet<Uuid> = std::collections::HashSet::new();
            for sql in &statements {
                new.extend(
                    bind_args!(sqlx::query_scalar::<_, Uuid>(&sql.text), &sql.args)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(repo_err)?,
                );
            }
            let changes: Vec<(CompanyId, NewChange)> = rows
                .iter()
                .filter(|r| new.contains(&r.id))
                .map(|r| {
                    let data = serde_json::json!({"id": r.id, "agent_id": r.agent_id, "quarter": r.quarter.to_string(),
                                                  "kind": "allocation", "amount": r.granted,
                                                  "deficit_after": r.deficit_after, "suspended": r.suspended});
                    let change =
                        NewChange::new(ChangeType::LeadsAllocated, r.id, Some(r.agent_id), &data, r.created_at);
                    (r.company_id, change)
                })
                .collect();
            for (company, changes) in by_company(changes) {
                append_changes!(tx, company, &changes)?;
            }
            tx.commit().await.map_err(repo_err)?;
            Ok(new.len() as u64)
        })
    }

    async fn agent_allocations(&self, company: CompanyId, agent: UserId) -> Result<Vec<LeadAllocation>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<AllocRow> = sqlx::query_as(&format!(
                "SELECT {ALLOC_COLS} FROM lead_movements WHERE company_id = $1 AND agent_id = $2 ORDER BY quarter"
            ))
            .bind(company.0)
            .bind(agent.0)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            rows.into_iter().map(LeadAllocation::try_from).collect()
        })
    }

    async fn company_agents(&self, company: CompanyId) -> Result<Vec<UserId>, RepoError> {
        on_pool!(self, |p| {
            sqlx::query_scalar::<_, Uuid>(
                "SELECT id FROM users WHERE company_id = $1 AND role = 'agent' AND active = TRUE ORDER BY id",
            )
            .bind(company.0)
            .fetch_all(p)
            .await
            .map(|v| v.into_iter().map(UserId).collect())
            .map_err(repo_err)
        })
    }
}
