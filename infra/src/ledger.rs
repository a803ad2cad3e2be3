//! PolicyRepo and LedgerRepo on both engines. Evaluation aggregates in SQL (one grouped query
//! per branch and range) and writes in bulk (multi-row, idempotent on source keys).

use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use crate::sql::{bind_args, person_scope, Arg, Sql};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{BranchId, CompanyId, TeamId, UserId};
use domain::penalty::{DiaryFacts, EntryKind, LeadAllocation, PenaltyEntry, PersonRole};
use domain::policy::{PolicyDocument, PolicyVersion};
use domain::ports::{
    AuditContext, BranchAgent, DayCount, LedgerRepo, ListScope, PageRequest, PolicyRepo, PostedSum, RepoError,
};
use std::collections::HashMap;
use uuid::Uuid;

fn corrupt(what: &str) -> RepoError {
    RepoError::Storage(format!("stored {what} is invalid"))
}

#[derive(sqlx::FromRow)]
struct PolicyRow {
    company_id: Uuid,
    id: Uuid,
    branch_id: Option<Uuid>,
    version: i64,
    effective_from: NaiveDate,
    document: String,
    created_by: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<PolicyRow> for PolicyVersion {
    type Error = RepoError;
    fn try_from(r: PolicyRow) -> Result<Self, RepoError> {
        Ok(PolicyVersion {
            company_id: CompanyId(r.company_id),
            id: r.id,
            branch_id: r.branch_id.map(BranchId),
            version: r.version,
            effective_from: r.effective_from,
            document: serde_json::from_str::<PolicyDocument>(&r.document).map_err(|_| corrupt("policy document"))?,
            created_by: UserId(r.created_by),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const POLICY_COLS: &str =
    "company_id, id, branch_id, version, effective_from, document, created_by, created_at, updated_at";

fn scope_key(p: &PolicyVersion) -> String {
    p.branch_id
        .map(|b| b.to_string())
        .unwrap_or_else(|| "company".to_owned())
}

impl PolicyRepo for Db {
    async fn insert_policy(&self, ctx: &AuditContext, p: &PolicyVersion) -> Result<(), RepoError> {
        let doc = serde_json::to_string(&p.document).map_err(|e| RepoError::Storage(e.to_string()))?;
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(repo_err)?;
            sqlx::query(
                "INSERT INTO policy_versions (company_id, id, branch_id, scope_key, version, effective_from, document, \
                 created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(p.company_id.0)
            .bind(p.id)
            .bind(p.branch_id.map(|b| b.0))
            .bind(scope_key(p))
            .bind(p.version)
            .bind(p.effective_from)
            .bind(&doc)
            .bind(p.created_by.0)
            .bind(p.created_at)
            .bind(p.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            audit!(tx, ctx, "create", "policy_version", p.id, None::<String>, audit_json(p))?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn update_policy(
        &self,
        ctx: &AuditContext,
        before: &PolicyVersion,
        p: &PolicyVersion,
    ) -> Result<(), RepoError> {
        let doc = serde_json::to_string(&p.document).map_err(|e| RepoError::Storage(e.to_string()))?;
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(repo_err)?;
            sqlx::query(
                "UPDATE policy_versions SET effective_from = $3, document = $4, updated_at = $5 WHERE company_id = $1 AND id = $2",
            )
            .bind(p.company_id.0)
            .bind(p.id)
            .bind(p.effective_from)
            .bind(&doc)
            .bind(p.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            audit!(
                tx,
                ctx,
                "update",
                "policy_version",
                p.id,
                audit_json(before),
                audit_json(p)
            )?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn get_policy(&self, company: CompanyId, id: Uuid) -> Result<Option<PolicyVersion>, RepoError> {
        on_pool!(self, |pool| {
            let row: Option<PolicyRow> = sqlx::query_as(&format!(
                "SELECT {POLICY_COLS} FROM policy_versions WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id)
            .fetch_optional(pool)
            .await
            .map_err(repo_err)?;
            row.map(PolicyVersion::try_from).transpose()
        })
    }

    async fn company_policies(&self, company: CompanyId) -> Result<Vec<PolicyVersion>, RepoError> {
        on_pool!(self, |pool| {
            let rows: Vec<PolicyRow> = sqlx::query_as(&format!(
                "SELECT {POLICY_COLS} FROM policy_versions WHERE company_id = $1 ORDER BY scope_key, version"
            ))
            .bind(company.0)
            .fetch_all(pool)
            .await
            .map_err(repo_err)?;
            rows.into_iter().map(PolicyVersion::try_from).collect()
        })
    }
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    company_id: Uuid,
    id: Uuid,
    person_id: Uuid,
    person_role: String,
    branch_id: Option<Uuid>,
    rule_id: String,
    kind: String,
    business_day: NaiveDate,
    posted_day: NaiveDate,
    amount_fen: i64,
    leads: i64,
    policy_id: Option<Uuid>,
    policy_version: i64,
    facts: String,
    explanation: String,
    source_key: String,
    base_key: String,
    refers_to: Option<Uuid>,
    reason: Option<String>,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl TryFrom<EntryRow> for PenaltyEntry {
    type Error = RepoError;
    fn try_from(r: EntryRow) -> Result<Self, RepoError> {
        Ok(PenaltyEntry {
            company_id: CompanyId(r.company_id),
            id: r.id,
            person_id: UserId(r.person_id),
            role: match r.person_role.as_str() {
                "agent" => PersonRole::Agent,
                "supervisor" => PersonRole::Supervisor,
                _ => return Err(corrupt("person role")),
            },
            branch_id: r.branch_id.map(BranchId),
            rule_id: r.rule_id,
            kind: EntryKind::parse(&r.kind).ok_or_else(|| corrupt("entry kind"))?,
            business_day: r.business_day,
            posted_day: r.posted_day,
            amount_fen: r.amount_fen,
            leads: r.leads,
            policy_id: r.policy_id,
            policy_version: r.policy_version,
            facts: serde_json::from_str(&r.facts).unwrap_or(serde_json::Value::Null),
            explanation: r.explanation,
            source_key: r.source_key,
            base_key: r.base_key,
            refers_to: r.refers_to,
            reason: r.reason,
            created_by: r.created_by.map(UserId),
            created_at: r.created_at,
        })
    }
}

const ENTRY_COLS: &str = "company_id, id, person_id, person_role, branch_id, rule_id, kind, business_day, posted_day, \
                          amount_fen, leads, policy_id, policy_version, facts, explanation, source_key, base_key, \
                          refers_to, reason, created_by, created_at";

fn entry_args(e: &PenaltyEntry) -> [Arg; 21] {
    [
        Arg::Uuid(e.company_id.0),
        Arg::Uuid(e.id),
        Arg::Uuid(e.person_id.0),
        Arg::Text(e.role.as_str().to_owned()),
        Arg::OptUuid(e.branch_id.map(|b| b.0)),
        Arg::Text(e.rule_id.clone()),
        Arg::Text(e.kind.as_str().to_owned()),
        Arg::Date(e.business_day),
        Arg::Date(e.posted_day),
        Arg::Int(e.amount_fen),
        Arg::Int(e.leads),
        Arg::OptUuid(e.policy_id),
        Arg::Int(e.policy_version),
        Arg::Text(e.facts.to_string()),
        Arg::Text(e.explanation.clone()),
        Arg::Text(e.source_key.clone()),
        Arg::Text(e.base_key.clone()),
        Arg::OptUuid(e.refers_to),
        Arg::OptText(e.reason.clone()),
        Arg::OptUuid(e.created_by.map(|u| u.0)),
        Arg::Ts(e.created_at),
    ]
}

/// 500 rows × 21 parameters stays under both engines' parameter limits.
pub(crate) const ENTRY_ROWS_PER_STATEMENT: usize = 500;

/// The one insert of ledger entries (at most [`ENTRY_ROWS_PER_STATEMENT`] rows), idempotent on
/// source keys; shared by the bulk writer and writers that post entries in their own
/// transaction (a spot-check finding).
pub(crate) fn entries_insert(chunk: &[PenaltyEntry]) -> Sql {
    let mut sql = Sql::new("");
    let rows: Vec<String> = chunk.iter().map(|e| format!("({})", sql.list(entry_args(e)))).collect();
    sql.push(&format!(
        "INSERT INTO penalty_entries ({ENTRY_COLS}) VALUES {} ON CONFLICT DO NOTHING",
        rows.join(", ")
    ));
    sql
}

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

impl From<AllocRow> for LeadAllocation {
    fn from(r: AllocRow) -> Self {
        LeadAllocation {
            company_id: CompanyId(r.company_id),
            id: r.id,
            agent_id: UserId(r.agent_id),
            quarter: r.quarter,
            granted: r.amount,
            deficit_after: r.deficit_after,
            suspended: r.suspended,
            facts: serde_json::from_str(&r.facts).unwrap_or(serde_json::Value::Null),
            created_at: r.created_at,
        }
    }
}

const ALLOC_COLS: &str = "company_id, id, agent_id, quarter, amount, deficit_after, suspended, facts, created_at";

impl LedgerRepo for Db {
    async fn branch_agents(&self, company: CompanyId, branch: BranchId) -> Result<Vec<BranchAgent>, RepoError> {
        on_pool!(self, |p| {
            type R = (Uuid, DateTime<Utc>, Option<Uuid>, Option<Uuid>);
            let rows: Vec<R> = sqlx::query_as(
                "SELECT u.id, u.created_at, u.team_id, t.supervisor_id FROM users u \
                 LEFT JOIN teams t ON t.company_id = u.company_id AND t.id = u.team_id \
                 WHERE u.company_id = $1 AND u.branch_id = $2 AND u.role = 'agent' AND u.active = TRUE ORDER BY u.id",
            )
            .bind(company.0)
            .bind(branch.0)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows
                .into_iter()
                .map(|(a, since, t, s)| BranchAgent {
                    agent: UserId(a),
                    since,
                    team: t.map(TeamId),
                    supervisor: s.map(UserId),
                })
                .collect())
        })
    }

    async fn day_counts(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
        min_call_seconds: i64,
        agent: Option<UserId>,
    ) -> Result<Vec<DayCount>, RepoError> {
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let b = sql.arg(Arg::Uuid(branch.0));
        let f = sql.arg(Arg::Date(from));
        let t = sql.arg(Arg::Date(to));
        let m = sql.arg(Arg::Int(min_call_seconds));
        let agent_filter = match agent {
            Some(a) => format!("AND a.agent_id = {}", sql.arg(Arg::Uuid(a.0))),
            None => String::new(),
        };
        // One grouped pass over the range; voided activities never count (ACT-5).
        sql.push(&format!(
            "SELECT a.agent_id, a.business_day, \
               CAST(SUM(CASE WHEN a.kind = 'face_visit' AND a.client_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS face, \
               CAST(SUM(CASE WHEN a.kind = 'phone_service' AND a.duration_seconds >= {m} THEN 1 ELSE 0 END) AS BIGINT) AS calls, \
               CAST(SUM(CASE WHEN a.kind = 'renewal_collection' AND a.client_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS renewals, \
               CAST(SUM(CASE WHEN a.kind = 'meeting_attendance' AND a.details LIKE '%\"morning\"%' THEN 1 ELSE 0 END) AS BIGINT) AS morning, \
               CAST(SUM(CASE WHEN a.kind = 'meeting_attendance' AND a.details LIKE '%\"evening\"%' THEN 1 ELSE 0 END) AS BIGINT) AS evening \
             FROM activities a JOIN users u ON u.company_id = a.company_id AND u.id = a.agent_id \
             WHERE a.company_id = {c} AND u.branch_id = {b} AND a.business_day >= {f} AND a.business_day <= {t} \
               AND a.voided_at IS NULL {agent_filter} \
             GROUP BY a.agent_id, a.business_day"
        ));
        on_pool!(self, |p| {
            let rows = bind_args!(
                sqlx::query_as::<_, (Uuid, NaiveDate, i64, i64, i64, i64, i64)>(&sql.text),
                &sql.args
            )
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows
                .into_iter()
                .map(|(a, d, face, calls, renewals, morning, evening)| DayCount {
                    agent: UserId(a),
                    day: d,
                    face_visits: face,
                    calls,
                    renewals,
                    morning_meetings: morning,
                    evening_meetings: evening,
                })
                .collect())
        })
    }

    async fn branch_diaries(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
        agent: Option<UserId>,
    ) -> Result<Vec<(UserId, NaiveDate, DiaryFacts)>, RepoError> {
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let b = sql.arg(Arg::Uuid(branch.0));
        let f = sql.arg(Arg::Date(from));
        let t = sql.arg(Arg::Date(to));
        let agent_filter = match agent {
            Some(a) => format!("AND d.agent_id = {}", sql.arg(Arg::Uuid(a.0))),
            None => String::new(),
        };
        sql.push(&format!(
            "SELECT d.agent_id, d.date, d.id, d.first_submitted_at, d.review_deadline, d.reviewed_at \
             FROM diaries d JOIN users u ON u.company_id = d.company_id AND u.id = d.agent_id \
             WHERE d.company_id = {c} AND u.branch_id = {b} AND d.date >= {f} AND d.date <= {t} {agent_filter}"
        ));
        on_pool!(self, |p| {
            type R = (
                Uuid,
                NaiveDate,
                Uuid,
                Option<DateTime<Utc>>,
                Option<DateTime<Utc>>,
                Option<DateTime<Utc>>,
            );
            let rows: Vec<R> = bind_args!(sqlx::query_as::<_, R>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)?;
            Ok(rows
                .into_iter()
                .map(|(a, d, id, first, deadline, reviewed)| {
                    (
                        UserId(a),
                        d,
                        DiaryFacts {
                            id,
                            first_submitted_at: first,
                            review_deadline: deadline,
                            reviewed_at: reviewed,
                        },
                    )
                })
                .collect())
        })
    }

    async fn branch_leave(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, NaiveDate, NaiveDate)>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<(Uuid, NaiveDate, NaiveDate)> = sqlx::query_as(
                "SELECT l.agent_id, l.from_date, l.to_date FROM leave_requests l \
                 JOIN users u ON u.company_id = l.company_id AND u.id = l.agent_id \
                 WHERE l.company_id = $1 AND u.branch_id = $2 AND l.status = 'approved' AND l.from_date <= $4 AND l.to_date >= $3",
            )
            .bind(company.0)
            .bind(branch.0)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows.into_iter().map(|(a, f, t)| (UserId(a), f, t)).collect())
        })
    }

    async fn posted_sums(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HashMap<String, PostedSum>, RepoError> {
        on_pool!(self, |p| {
            // Summed in Rust: PostgreSQL has no MIN(uuid), and the first entry is the one whose
            // source key is the base key itself.
            let rows: Vec<(String, String, Uuid, i64, i64)> = sqlx::query_as(
                "SELECT base_key, source_key, id, amount_fen, leads FROM penalty_entries \
                 WHERE company_id = $1 AND branch_id = $2 AND business_day >= $3 AND business_day <= $4 AND kind <> 'waiver'",
            )
            .bind(company.0)
            .bind(branch.0)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            let mut out: HashMap<String, PostedSum> = HashMap::new();
            for (base, source, id, fen, leads) in rows {
                let e = out.entry(base.clone()).or_insert(PostedSum {
                    fen: 0,
                    leads: 0,
                    entries: 0,
                    first_id: id,
                });
                e.fen += fen;
                e.leads += leads;
                e.entries += 1;
                if source == base {
                    e.first_id = id;
                }
            }
            Ok(out)
        })
    }

    async fn insert_entries(&self, entries: &[PenaltyEntry]) -> Result<u64, RepoError> {
        let mut total = 0;
        for chunk in entries.chunks(ENTRY_ROWS_PER_STATEMENT) {
            let sql = entries_insert(chunk);
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

    async fn insert_waiver(&self, ctx: &AuditContext, w: &PenaltyEntry) -> Result<bool, RepoError> {
        let mut sql = Sql::new("");
        let ph = sql.list(entry_args(w));
        sql.push(&format!(
            "INSERT INTO penalty_entries ({ENTRY_COLS}) VALUES ({ph}) ON CONFLICT DO NOTHING"
        ));
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            let n = bind_args!(sqlx::query(&sql.text), &sql.args)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?
                .rows_affected();
            if n == 0 {
                tx.rollback().await.map_err(repo_err)?;
                return Ok(false);
            }
            audit!(tx, ctx, "waive", "penalty_entry", w.id, None::<String>, audit_json(w))?;
            tx.commit().await.map_err(repo_err)?;
            Ok(true)
        })
    }

    async fn mark_days_closed(
        &self,
        company: CompanyId,
        branch: BranchId,
        days: &[NaiveDate],
        at: DateTime<Utc>,
    ) -> Result<(), RepoError> {
        for chunk in days.chunks(500) {
            let mut sql = Sql::new("");
            let rows: Vec<String> = chunk
                .iter()
                .map(|d| {
                    format!(
                        "({})",
                        sql.list([Arg::Uuid(company.0), Arg::Uuid(branch.0), Arg::Date(*d), Arg::Ts(at)])
                    )
                })
                .collect();
            sql.push(&format!(
                "INSERT INTO closed_days (company_id, branch_id, date, closed_at) VALUES {} ON CONFLICT DO NOTHING",
                rows.join(", ")
            ));
            on_pool!(self, |p| {
                bind_args!(sqlx::query(&sql.text), &sql.args)
                    .execute(p)
                    .await
                    .map(|_| ())
                    .map_err(repo_err)
            })?;
        }
        Ok(())
    }

    async fn closed_days(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<NaiveDate>, RepoError> {
        on_pool!(self, |p| {
            sqlx::query_scalar::<_, NaiveDate>(
                "SELECT date FROM closed_days WHERE company_id = $1 AND branch_id = $2 AND date >= $3 AND date <= $4 ORDER BY date",
            )
            .bind(company.0)
            .bind(branch.0)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await
            .map_err(repo_err)
        })
    }

    async fn close_month(
        &self,
        company: CompanyId,
        branch: BranchId,
        month: &str,
        results: &[(UserId, serde_json::Value)],
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            // The month's row is written first: a second closer finds it and changes nothing.
            let fresh = sqlx::query(
                "INSERT INTO closed_months (company_id, branch_id, month, closed_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(company.0)
            .bind(branch.0)
            .bind(month)
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?
            .rows_affected()
                == 1;
            if !fresh {
                tx.rollback().await.map_err(repo_err)?;
                return Ok(false);
            }
            for chunk in results.chunks(1000) {
                let mut sql = Sql::new("");
                let rows: Vec<String> = chunk
                    .iter()
                    .map(|(a, r)| {
                        format!(
                            "({})",
                            sql.list([
                                Arg::Uuid(company.0),
                                Arg::Text(month.to_owned()),
                                Arg::Uuid(a.0),
                                Arg::Uuid(branch.0),
                                Arg::Text(r.to_string()),
                            ])
                        )
                    })
                    .collect();
                sql.push(&format!(
                    "INSERT INTO month_compliance (company_id, month, agent_id, branch_id, results) VALUES {} ON CONFLICT DO NOTHING",
                    rows.join(", ")
                ));
                bind_args!(sqlx::query(&sql.text), &sql.args)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?;
            }
            tx.commit().await.map_err(repo_err)?;
            Ok(true)
        })
    }

    async fn month_closed(&self, company: CompanyId, branch: BranchId, month: &str) -> Result<bool, RepoError> {
        on_pool!(self, |p| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM closed_months WHERE company_id = $1 AND branch_id = $2 AND month = $3",
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

    async fn outlet_visits(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, Uuid, NaiveDate)>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<(Uuid, Uuid, NaiveDate)> = sqlx::query_as(
                "SELECT a.agent_id, a.outlet_id, a.business_day FROM activities a \
                 JOIN users u ON u.company_id = a.company_id AND u.id = a.agent_id \
                 WHERE a.company_id = $1 AND u.branch_id = $2 AND a.kind = 'outlet_service' AND a.voided_at IS NULL \
                 AND a.outlet_id IS NOT NULL AND a.business_day >= $3 AND a.business_day <= $4",
            )
            .bind(company.0)
            .bind(branch.0)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows.into_iter().map(|(a, o, d)| (UserId(a), o, d)).collect())
        })
    }

    async fn outlet_assignments(&self, company: CompanyId, branch: BranchId) -> Result<Vec<(UserId, Uuid)>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<(Uuid, Uuid)> = sqlx::query_as(
                "SELECT oa.agent_id, oa.outlet_id FROM outlet_agents oa \
                 JOIN users u ON u.company_id = oa.company_id AND u.id = oa.agent_id \
                 WHERE oa.company_id = $1 AND u.branch_id = $2",
            )
            .bind(company.0)
            .bind(branch.0)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows.into_iter().map(|(a, o)| (UserId(a), o)).collect())
        })
    }

    async fn list_entries(
        &self,
        company: CompanyId,
        scope: &ListScope,
        person: Option<UserId>,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
        page: PageRequest,
    ) -> Result<Vec<PenaltyEntry>, RepoError> {
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let mut wh = vec![
            format!("company_id = {c}"),
            person_scope(&mut sql, scope, "person_id", &c),
        ];
        wh.push(format!(
            "id > {}",
            sql.arg(Arg::Uuid(page.after.unwrap_or(Uuid::nil())))
        ));
        if let Some(p) = person {
            wh.push(format!("person_id = {}", sql.arg(Arg::Uuid(p.0))));
        }
        if let Some(f) = from {
            wh.push(format!("business_day >= {}", sql.arg(Arg::Date(f))));
        }
        if let Some(t) = to {
            wh.push(format!("business_day <= {}", sql.arg(Arg::Date(t))));
        }
        let lim = sql.arg(Arg::Int(i64::from(page.limit)));
        sql.push(&format!(
            "SELECT {ENTRY_COLS} FROM penalty_entries WHERE {} ORDER BY id LIMIT {lim}",
            wh.join(" AND ")
        ));
        on_pool!(self, |p| {
            let rows = bind_args!(sqlx::query_as::<_, EntryRow>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)?;
            rows.into_iter().map(PenaltyEntry::try_from).collect()
        })
    }

    async fn get_entry(&self, company: CompanyId, id: Uuid) -> Result<Option<PenaltyEntry>, RepoError> {
        on_pool!(self, |p| {
            let row: Option<EntryRow> = sqlx::query_as(&format!(
                "SELECT {ENTRY_COLS} FROM penalty_entries WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id)
            .fetch_optional(p)
            .await
            .map_err(repo_err)?;
            row.map(PenaltyEntry::try_from).transpose()
        })
    }

    async fn entries_for_base(&self, company: CompanyId, base_key: &str) -> Result<Vec<PenaltyEntry>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<EntryRow> = sqlx::query_as(&format!(
                "SELECT {ENTRY_COLS} FROM penalty_entries WHERE company_id = $1 AND base_key = $2 ORDER BY created_at, id"
            ))
            .bind(company.0)
            .bind(base_key)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            rows.into_iter().map(PenaltyEntry::try_from).collect()
        })
    }

    async fn entries_posted(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<PenaltyEntry>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<EntryRow> = sqlx::query_as(&format!(
                "SELECT {ENTRY_COLS} FROM penalty_entries WHERE company_id = $1 AND branch_id = $2 AND posted_day >= $3 \
                 AND posted_day <= $4 ORDER BY posted_day, id"
            ))
            .bind(company.0)
            .bind(branch.0)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            rows.into_iter().map(PenaltyEntry::try_from).collect()
        })
    }

    async fn person_sums(
        &self,
        company: CompanyId,
        people: &[UserId],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, i64, i64)>, RepoError> {
        if people.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let f = sql.arg(Arg::Date(from));
        let t = sql.arg(Arg::Date(to));
        let list = sql.list(people.iter().map(|u| Arg::Uuid(u.0)));
        sql.push(&format!(
            "SELECT person_id, CAST(SUM(amount_fen) AS BIGINT), CAST(SUM(leads) AS BIGINT) FROM penalty_entries WHERE company_id = {c} \
             AND posted_day >= {f} AND posted_day <= {t} AND person_id IN ({list}) GROUP BY person_id"
        ));
        on_pool!(self, |p| {
            let rows = bind_args!(sqlx::query_as::<_, (Uuid, i64, i64)>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)?;
            Ok(rows.into_iter().map(|(u, f, l)| (UserId(u), f, l)).collect())
        })
    }

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
                "SELECT DISTINCT e.person_id FROM penalty_entries e WHERE e.company_id = $1 AND e.rule_id = 'DIA-PEN-FALSIFIED' \
                 AND e.kind = 'penalty' AND e.posted_day >= $2 AND e.posted_day <= $3 \
                 AND NOT EXISTS (SELECT 1 FROM penalty_entries w WHERE w.company_id = e.company_id AND w.kind = 'waiver' AND w.refers_to = e.id)",
            )
            .bind(company.0)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows.into_iter().map(UserId).collect())
        })
    }

    async fn allocations(&self, company: CompanyId, quarter: &str) -> Result<Vec<LeadAllocation>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<AllocRow> = sqlx::query_as(&format!(
                "SELECT {ALLOC_COLS} FROM lead_movements WHERE company_id = $1 AND quarter = $2"
            ))
            .bind(company.0)
            .bind(quarter)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows.into_iter().map(LeadAllocation::from).collect())
        })
    }

    async fn insert_allocations(&self, rows: &[LeadAllocation]) -> Result<u64, RepoError> {
        let mut total = 0;
        for chunk in rows.chunks(500) {
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
                            Arg::Text(r.quarter.clone()),
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
                 facts, source_key, created_at) VALUES {} ON CONFLICT DO NOTHING",
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
            Ok(rows.into_iter().map(LeadAllocation::from).collect())
        })
    }

    async fn all_branches(&self) -> Result<Vec<(CompanyId, BranchId, DateTime<Utc>)>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<(Uuid, Uuid, DateTime<Utc>)> =
                sqlx::query_as("SELECT company_id, id, created_at FROM branches ORDER BY company_id, id")
                    .fetch_all(p)
                    .await
                    .map_err(repo_err)?;
            Ok(rows
                .into_iter()
                .map(|(c, b, t)| (CompanyId(c), BranchId(b), t))
                .collect())
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
