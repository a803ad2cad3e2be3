//! The penalty ledger (LEDGER-1/2) on both engines, with the policy versions, the close jobs'
//! facts and the lead ledger beside it. Evaluation aggregates in SQL (one grouped query per
//! range) and writes in bulk (multi-row, idempotent on source keys).

mod close;
mod leads;
mod policy_versions;

use crate::changes::{append_changes, by_company, NewChange};
use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use crate::sql::{bind_args, person_scope, Arg, Sql};
use chrono::{DateTime, NaiveDate, Utc};
use domain::changes::ChangeType;
use domain::ids::{BranchId, CompanyId, UserId};
use domain::penalty::{EntryKind, PenaltyEntry, PersonRole, PostedSum};
use domain::ports::{AuditContext, LedgerRepo, ListScope, PageRequest, RepoError};
use domain::rules::RuleId;
use std::collections::HashMap;
use uuid::Uuid;

/// A stored value that does not parse: a storage error, never a silent default.
pub(crate) fn corrupt(what: &str) -> RepoError {
    RepoError::Storage(format!("stored {what} is invalid"))
}

/// Lists of ids bound as parameters stay well under both engines' limits.
pub(crate) const IDS_PER_STATEMENT: usize = 1000;

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
            role: PersonRole::parse(&r.person_role).ok_or_else(|| corrupt("person role"))?,
            branch_id: r.branch_id.map(BranchId),
            rule_id: RuleId::parse(&r.rule_id).ok_or_else(|| corrupt("rule id"))?,
            kind: EntryKind::parse(&r.kind).ok_or_else(|| corrupt("entry kind"))?,
            business_day: r.business_day,
            posted_day: r.posted_day,
            amount_fen: r.amount_fen,
            leads: r.leads,
            policy_id: r.policy_id,
            policy_version: r.policy_version,
            facts: serde_json::from_str(&r.facts).map_err(|_| corrupt("entry facts"))?,
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
        Arg::Text(e.rule_id.as_str().to_owned()),
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
        "INSERT INTO penalty_entries ({ENTRY_COLS}) VALUES {} ON CONFLICT DO NOTHING RETURNING id",
        rows.join(", ")
    ));
    sql
}

/// The change events of the entries just inserted (`new`: their ids), per company.
pub(crate) fn posted(entries: &[PenaltyEntry], new: &[Uuid]) -> Vec<(CompanyId, NewChange)> {
    let new: std::collections::HashSet<&Uuid> = new.iter().collect();
    entries
        .iter()
        .filter(|e| new.contains(&e.id))
        .map(|e| {
            let change = NewChange::new(ChangeType::PenaltyPosted, e.id, Some(e.person_id), e, e.created_at);
            (e.company_id, change)
        })
        .collect()
}

impl LedgerRepo for Db {
    async fn posted_sums(
        &self,
        company: CompanyId,
        branch: BranchId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HashMap<String, PostedSum>, RepoError> {
        let rows = on_pool!(self, |p| {
            sqlx::query_as::<_, EntryRow>(&format!(
                "SELECT {ENTRY_COLS} FROM penalty_entries \
                 WHERE company_id = $1 AND branch_id = $2 AND business_day >= $3 AND business_day <= $4 AND kind <> 'waiver' \
                 ORDER BY created_at, id"
            ))
            .bind(company.0)
            .bind(branch.0)
            .bind(from)
            .bind(to)
            .fetch_all(p)
            .await
            .map_err(repo_err)
        })?;
        // Summed in Rust: the original (whose source key is the base key) is kept whole, since
        // a reversal copies it (LEDGER-1).
        let mut out: HashMap<String, PostedSum> = HashMap::new();
        for row in rows {
            let e = PenaltyEntry::try_from(row)?;
            let original = e.source_key == e.base_key;
            match out.get_mut(&e.base_key) {
                Some(sum) => {
                    sum.fen += e.amount_fen;
                    sum.leads += e.leads;
                    sum.entries += 1;
                    if original {
                        sum.first = e;
                    }
                }
                None => {
                    out.insert(
                        e.base_key.clone(),
                        PostedSum {
                            fen: e.amount_fen,
                            leads: e.leads,
                            entries: 1,
                            first: e,
                        },
                    );
                }
            }
        }
        Ok(out)
    }

    async fn insert_entries(&self, entries: &[PenaltyEntry]) -> Result<u64, RepoError> {
        let mut total = 0;
        for chunk in entries.chunks(ENTRY_ROWS_PER_STATEMENT) {
            let sql = entries_insert(chunk);
            total += on_pool!(self, |p| {
                let mut tx = p.begin().await.map_err(repo_err)?;
                let new: Vec<Uuid> = bind_args!(sqlx::query_scalar::<_, Uuid>(&sql.text), &sql.args)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(repo_err)?;
                for (company, changes) in by_company(posted(chunk, &new)) {
                    append_changes!(tx, company, &changes)?;
                }
                tx.commit().await.map_err(repo_err)?;
                Ok::<u64, RepoError>(new.len() as u64)
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
            let change = NewChange::new(ChangeType::PenaltyWaived, w.id, Some(w.person_id), w, w.created_at);
            append_changes!(tx, w.company_id, &[change])?;
            tx.commit().await.map_err(repo_err)?;
            Ok(true)
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

    async fn lead_movements_of(
        &self,
        company: CompanyId,
        person: UserId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<PenaltyEntry>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<EntryRow> = sqlx::query_as(&format!(
                "SELECT {ENTRY_COLS} FROM penalty_entries WHERE company_id = $1 AND person_id = $2 AND leads <> 0 \
                 AND posted_day >= $3 AND posted_day <= $4 ORDER BY id"
            ))
            .bind(company.0)
            .bind(person.0)
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
}
