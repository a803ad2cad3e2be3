//! SettlementRepo on both engines: the commission ledger, statements and settled months.

use super::{corrupt, policy_cols, with_histories, EventRow, PolicyRow};
use crate::changes::{append_changes, by_company, NewChange};
use crate::db::{on_pool, repo_err, Db};
use crate::sql::{bind_args, Arg, Sql};
use chrono::{DateTime, NaiveDate, Utc};
use domain::changes::ChangeType;
use domain::commission::{CommissionEntry, CommissionEntryKind, Statement, StatementLine};
use domain::ids::{BranchId, CompanyId, UserId};
use domain::period::Month;
use domain::ports::{PolicyWithHistory, RepoError, SettlementRepo};
use domain::rules::RuleId;
use uuid::Uuid;

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

impl TryFrom<EntryRow> for CommissionEntry {
    type Error = RepoError;

    fn try_from(r: EntryRow) -> Result<Self, RepoError> {
        Ok(CommissionEntry {
            company_id: CompanyId(r.company_id),
            id: r.id,
            person_id: UserId(r.person_id),
            policy_id: r.policy_id,
            month: Month::parse(&r.month).ok_or_else(|| corrupt("commission entry month"))?,
            kind: CommissionEntryKind::parse(&r.kind).ok_or_else(|| corrupt("commission entry kind"))?,
            amount_fen: r.amount_fen,
            rule_id: RuleId::parse(&r.rule_id).ok_or_else(|| corrupt("commission entry rule"))?,
            explanation: r.explanation,
            source_key: r.source_key,
            created_at: r.created_at,
        })
    }
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

impl TryFrom<StatementRow> for Statement {
    type Error = RepoError;

    fn try_from(r: StatementRow) -> Result<Self, RepoError> {
        let lines: Vec<StatementLine> = serde_json::from_str(&r.lines).map_err(|_| corrupt("statement lines"))?;
        Ok(Statement {
            company_id: CompanyId(r.company_id),
            id: r.id,
            person_id: UserId(r.person_id),
            branch_id: BranchId(r.branch_id),
            month: Month::parse(&r.month).ok_or_else(|| corrupt("statement month"))?,
            lines,
            net_fen: r.net_fen,
            closed_at: r.closed_at,
        })
    }
}

const STATEMENT_COLS: &str = "company_id, id, person_id, branch_id, month, lines, net_fen, closed_at";

impl SettlementRepo for Db {
    async fn branch_insurance_policies(
        &self,
        company: CompanyId,
        branch: BranchId,
        printed_before: NaiveDate,
    ) -> Result<Vec<PolicyWithHistory>, RepoError> {
        let cols = policy_cols("ip");
        let (rows, events): (Vec<PolicyRow>, Vec<EventRow>) = on_pool!(self, |p| {
            let rows = sqlx::query_as(&format!(
                "SELECT {cols} FROM insurance_policies ip JOIN users u ON u.company_id = ip.company_id AND u.id = ip.agent_id \
                 WHERE ip.company_id = $1 AND u.branch_id = $2 AND ip.printed_on < $3 ORDER BY ip.id"
            ))
            .bind(company.0)
            .bind(branch.0)
            .bind(printed_before)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            let events = sqlx::query_as(
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
            Ok::<_, RepoError>((rows, events))
        })?;
        with_histories(rows, events)
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
        let rows: Vec<EntryRow> = on_pool!(self, |p| {
            sqlx::query_as(&format!(
                "SELECT {cols} FROM commission_entries e JOIN users u ON u.company_id = e.company_id AND u.id = e.person_id \
                 WHERE e.company_id = $1 AND u.branch_id = $2"
            ))
            .bind(company.0)
            .bind(branch.0)
            .fetch_all(p)
            .await
            .map_err(repo_err)
        })?;
        rows.into_iter().map(CommissionEntry::try_from).collect()
    }

    async fn deductions_posted(
        &self,
        company: CompanyId,
        policies: &[Uuid],
    ) -> Result<Vec<CommissionEntry>, RepoError> {
        if policies.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let kind = sql.arg(Arg::Text(CommissionEntryKind::Deducted.as_str().to_owned()));
        let list = sql.list(policies.iter().map(|p| Arg::Uuid(*p)));
        sql.push(&format!(
            "SELECT {ENTRY_COLS} FROM commission_entries WHERE company_id = {c} AND kind = {kind} AND policy_id IN ({list})"
        ));
        let rows = on_pool!(self, |p| {
            bind_args!(sqlx::query_as::<_, EntryRow>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)
        })?;
        rows.into_iter().map(CommissionEntry::try_from).collect()
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
                            Arg::Text(r.month.to_string()),
                            Arg::Text(r.kind.as_str().to_owned()),
                            Arg::Int(r.amount_fen),
                            Arg::Text(r.rule_id.as_str().to_owned()),
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
            let mut values: Vec<String> = Vec::new();
            for r in chunk {
                let lines =
                    serde_json::to_string(&r.lines).map_err(|e| RepoError::Storage(format!("statement lines: {e}")))?;
                values.push(format!(
                    "({})",
                    sql.list([
                        Arg::Uuid(r.company_id.0),
                        Arg::Uuid(r.id),
                        Arg::Uuid(r.person_id.0),
                        Arg::Uuid(r.branch_id.0),
                        Arg::Text(r.month.to_string()),
                        Arg::Text(lines),
                        Arg::Int(r.net_fen),
                        Arg::Ts(r.closed_at),
                    ])
                ));
            }
            sql.push(&format!(
                "INSERT INTO statements ({STATEMENT_COLS}) VALUES {} ON CONFLICT DO NOTHING RETURNING id",
                values.join(", ")
            ));
            total += on_pool!(self, |p| {
                let mut tx = p.begin().await.map_err(repo_err)?;
                let new: std::collections::HashSet<Uuid> =
                    bind_args!(sqlx::query_scalar::<_, Uuid>(&sql.text), &sql.args)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(repo_err)?
                        .into_iter()
                        .collect();
                let changes: Vec<(CompanyId, NewChange)> = chunk
                    .iter()
                    .filter(|s| new.contains(&s.id))
                    .map(|s| {
                        let data = serde_json::json!({"id": s.id, "person_id": s.person_id, "branch_id": s.branch_id,
                                                      "month": s.month.to_string(), "net_fen": s.net_fen,
                                                      "closed_at": s.closed_at});
                        let c =
                            NewChange::new(ChangeType::StatementClosed, s.id, Some(s.person_id), &data, s.closed_at);
                        (s.company_id, c)
                    })
                    .collect();
                for (company, changes) in by_company(changes) {
                    append_changes!(tx, company, &changes)?;
                }
                tx.commit().await.map_err(repo_err)?;
                Ok::<u64, RepoError>(new.len() as u64)
            })?;
        }
        Ok(total)
    }

    async fn mark_settled(
        &self,
        company: CompanyId,
        branch: BranchId,
        month: Month,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        on_pool!(self, |p| {
            sqlx::query(
                "INSERT INTO settled_months (company_id, branch_id, month, closed_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(company.0)
            .bind(branch.0)
            .bind(month.to_string())
            .bind(at)
            .execute(p)
            .await
            .map(|r| r.rows_affected() == 1)
            .map_err(repo_err)
        })
    }

    async fn is_settled(&self, company: CompanyId, branch: BranchId, month: Month) -> Result<bool, RepoError> {
        on_pool!(self, |p| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM settled_months WHERE company_id = $1 AND branch_id = $2 AND month = $3",
            )
            .bind(company.0)
            .bind(branch.0)
            .bind(month.to_string())
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
        month: Option<Month>,
    ) -> Result<Vec<Statement>, RepoError> {
        let rows: Vec<StatementRow> = on_pool!(self, |p| {
            sqlx::query_as(&format!(
                "SELECT {STATEMENT_COLS} FROM statements WHERE company_id = $1 AND person_id = $2 \
                 AND ($3 = '' OR month = $3) ORDER BY month"
            ))
            .bind(company.0)
            .bind(person.0)
            .bind(month.map(|m| m.to_string()).unwrap_or_default())
            .fetch_all(p)
            .await
            .map_err(repo_err)
        })?;
        rows.into_iter().map(Statement::try_from).collect()
    }

    async fn get_statement(&self, company: CompanyId, id: Uuid) -> Result<Option<Statement>, RepoError> {
        let row: Option<StatementRow> = on_pool!(self, |p| {
            sqlx::query_as(&format!(
                "SELECT {STATEMENT_COLS} FROM statements WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id)
            .fetch_optional(p)
            .await
            .map_err(repo_err)
        })?;
        row.map(Statement::try_from).transpose()
    }
}
