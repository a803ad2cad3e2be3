//! LicenceRepo (LIC-1, LIC-3) on both engines: licence records, lapses and the notices the
//! year-end job sends; CE courses are in `courses`. Lapses and notices are written with `ON CONFLICT DO
//! NOTHING` on their unique keys, so the job posts each exactly once however often it runs.

mod courses;

use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use crate::sql::{bind_args, person_scope, Arg, Sql};
use chrono::{DateTime, NaiveDate, Utc};
use domain::commission::Notice;
use domain::ids::{BranchId, CompanyId, TeamId, UserId};
use domain::licence::{Lapse, Licence};
use domain::ports::{AgentLicenceFacts, AuditContext, LicenceRepo, ListScope, RepoError};
use std::collections::HashSet;
use uuid::Uuid;

pub(crate) fn corrupt(what: &str) -> RepoError {
    RepoError::Storage(format!("stored {what} is invalid"))
}

/// Agents per `IN (…)` list, well under either engine's parameter limit.
pub(crate) const CHUNK: usize = 500;

#[derive(sqlx::FromRow)]
struct LicenceRow {
    company_id: Uuid,
    agent_id: Uuid,
    qualification_certificate: String,
    issued_on: NaiveDate,
    agency_contract_on: Option<NaiveDate>,
    practice_certificate: Option<String>,
    recorded_on: NaiveDate,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<LicenceRow> for Licence {
    fn from(r: LicenceRow) -> Self {
        Licence {
            company_id: CompanyId(r.company_id),
            agent_id: UserId(r.agent_id),
            qualification_certificate: r.qualification_certificate,
            issued_on: r.issued_on,
            agency_contract_on: r.agency_contract_on,
            practice_certificate: r.practice_certificate,
            recorded_on: r.recorded_on,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const LICENCE_COLS: &str = "company_id, agent_id, qualification_certificate, issued_on, agency_contract_on, \
                            practice_certificate, recorded_on, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct LapseRow {
    company_id: Uuid,
    agent_id: Uuid,
    ce_year: i32,
    lapsed_on: NaiveDate,
    done_tenths: i64,
    due_tenths: i64,
    created_at: DateTime<Utc>,
    reinstated_on: Option<NaiveDate>,
    reinstated_at: Option<DateTime<Utc>>,
    reinstated_by: Option<Uuid>,
}

impl From<LapseRow> for Lapse {
    fn from(r: LapseRow) -> Self {
        Lapse {
            company_id: CompanyId(r.company_id),
            agent_id: UserId(r.agent_id),
            year: r.ce_year,
            lapsed_on: r.lapsed_on,
            done_tenths: r.done_tenths,
            due_tenths: r.due_tenths,
            created_at: r.created_at,
            reinstated_on: r.reinstated_on,
            reinstated_at: r.reinstated_at,
            reinstated_by: r.reinstated_by.map(UserId),
        }
    }
}

const LAPSE_COLS: &str = "company_id, agent_id, ce_year, lapsed_on, done_tenths, due_tenths, created_at, \
                          reinstated_on, reinstated_at, reinstated_by";

#[derive(sqlx::FromRow)]
struct FactsRow {
    agent_id: Uuid,
    name: String,
    team_id: Option<Uuid>,
    team_name: Option<String>,
    branch_id: Option<Uuid>,
    supervisor_id: Option<Uuid>,
    qualification_certificate: Option<String>,
    issued_on: Option<NaiveDate>,
    agency_contract_on: Option<NaiveDate>,
    practice_certificate: Option<String>,
    recorded_on: Option<NaiveDate>,
    created_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
}

impl FactsRow {
    fn into_facts(self, company: CompanyId) -> AgentLicenceFacts {
        let licence = match (
            self.qualification_certificate,
            self.issued_on,
            self.recorded_on,
            self.created_at,
            self.updated_at,
        ) {
            (Some(q), Some(issued_on), Some(recorded_on), Some(created_at), Some(updated_at)) => Some(Licence {
                company_id: company,
                agent_id: UserId(self.agent_id),
                qualification_certificate: q,
                issued_on,
                agency_contract_on: self.agency_contract_on,
                practice_certificate: self.practice_certificate,
                recorded_on,
                created_at,
                updated_at,
            }),
            _ => None,
        };
        AgentLicenceFacts {
            agent_id: UserId(self.agent_id),
            name: self.name,
            team_id: self.team_id.map(TeamId),
            team_name: self.team_name,
            branch_id: self.branch_id.map(BranchId),
            supervisor_id: self.supervisor_id.map(UserId),
            licence,
        }
    }
}

/// Inserts the notices inside `$tx`, each once per source key, auditing the new ones;
/// evaluates to how many were new.
macro_rules! insert_notices {
    ($tx:expr, $ctx:expr, $notices:expr) => {{
        let mut new = 0u64;
        for n in $notices {
            let id = Uuid::now_v7();
            let added = sqlx::query(
                "INSERT INTO notifications (company_id, id, user_id, kind, payload, source_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            )
            .bind($ctx.company_id.0)
            .bind(id)
            .bind(n.user_id.0)
            .bind(n.kind.as_str())
            .bind(n.payload.to_string())
            .bind(&n.source_key)
            .bind(n.at)
            .execute(&mut *$tx)
            .await
            .map_err(repo_err)?
            .rows_affected();
            if added == 1 {
                new += 1;
                let after = serde_json::json!({"user_id": n.user_id, "kind": n.kind.as_str(), "payload": n.payload,
                                               "source_key": n.source_key});
                audit!($tx, $ctx, "notify", "notification", id, None::<String>, Some(after.to_string()))?;
            }
        }
        new
    }};
}

impl LicenceRepo for Db {
    async fn get_licence(&self, company: CompanyId, agent: UserId) -> Result<Option<Licence>, RepoError> {
        on_pool!(self, |pool| {
            let row: Option<LicenceRow> = sqlx::query_as(&format!(
                "SELECT {LICENCE_COLS} FROM agent_licences WHERE company_id = $1 AND agent_id = $2"
            ))
            .bind(company.0)
            .bind(agent.0)
            .fetch_optional(pool)
            .await
            .map_err(repo_err)?;
            Ok(row.map(Licence::from))
        })
    }

    async fn put_licence(&self, ctx: &AuditContext, before: Option<&Licence>, l: &Licence) -> Result<(), RepoError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(repo_err)?;
            sqlx::query(&format!(
                "INSERT INTO agent_licences ({LICENCE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (company_id, agent_id) DO UPDATE SET qualification_certificate = $3, issued_on = $4, \
                 agency_contract_on = $5, practice_certificate = $6, updated_at = $9"
            ))
            .bind(l.company_id.0)
            .bind(l.agent_id.0)
            .bind(&l.qualification_certificate)
            .bind(l.issued_on)
            .bind(l.agency_contract_on)
            .bind(&l.practice_certificate)
            .bind(l.recorded_on)
            .bind(l.created_at)
            .bind(l.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            let action = if before.is_some() { "update" } else { "create" };
            audit!(
                tx,
                ctx,
                action,
                "agent_licence",
                l.agent_id.0,
                before.and_then(audit_json),
                audit_json(l)
            )?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn lapses_of(&self, company: CompanyId, agents: &[UserId]) -> Result<Vec<Lapse>, RepoError> {
        let mut out = Vec::new();
        for chunk in agents.chunks(CHUNK) {
            let mut sql = Sql::new("");
            let c = sql.arg(Arg::Uuid(company.0));
            let list = sql.list(chunk.iter().map(|a| Arg::Uuid(a.0)));
            sql.push(&format!(
                "SELECT {LAPSE_COLS} FROM licence_lapses WHERE company_id = {c} AND agent_id IN ({list}) \
                 ORDER BY agent_id, ce_year"
            ));
            let rows: Vec<LapseRow> = on_pool!(self, |p| {
                bind_args!(sqlx::query_as(&sql.text), &sql.args)
                    .fetch_all(p)
                    .await
                    .map_err(repo_err)
            })?;
            out.extend(rows.into_iter().map(Lapse::from));
        }
        Ok(out)
    }

    async fn record_lapses(&self, ctx: &AuditContext, lapses: &[(Lapse, Vec<Notice>)]) -> Result<u64, RepoError> {
        if lapses.is_empty() {
            return Ok(0);
        }
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(repo_err)?;
            let mut new = 0;
            for (l, notices) in lapses {
                let n = sqlx::query(&format!(
                    "INSERT INTO licence_lapses ({LAPSE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, NULL) \
                     ON CONFLICT DO NOTHING"
                ))
                .bind(l.company_id.0)
                .bind(l.agent_id.0)
                .bind(l.year)
                .bind(l.lapsed_on)
                .bind(l.done_tenths)
                .bind(l.due_tenths)
                .bind(l.created_at)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?
                .rows_affected();
                if n == 1 {
                    new += 1;
                    audit!(
                        tx,
                        ctx,
                        "lapse",
                        "agent_licence",
                        l.agent_id.0,
                        None::<String>,
                        audit_json(l)
                    )?;
                    insert_notices!(tx, ctx, notices);
                }
            }
            tx.commit().await.map_err(repo_err)?;
            Ok(new)
        })
    }

    async fn reinstate_lapse(&self, ctx: &AuditContext, l: &Lapse) -> Result<bool, RepoError> {
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(repo_err)?;
            sqlx::query(&format!(
                "INSERT INTO licence_lapses ({LAPSE_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, NULL) \
                 ON CONFLICT DO NOTHING"
            ))
            .bind(l.company_id.0)
            .bind(l.agent_id.0)
            .bind(l.year)
            .bind(l.lapsed_on)
            .bind(l.done_tenths)
            .bind(l.due_tenths)
            .bind(l.created_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            let n = sqlx::query(
                "UPDATE licence_lapses SET reinstated_on = $4, reinstated_at = $5, reinstated_by = $6 \
                 WHERE company_id = $1 AND agent_id = $2 AND ce_year = $3 AND reinstated_at IS NULL",
            )
            .bind(l.company_id.0)
            .bind(l.agent_id.0)
            .bind(l.year)
            .bind(l.reinstated_on)
            .bind(l.reinstated_at)
            .bind(l.reinstated_by.map(|u| u.0))
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?
            .rows_affected();
            if n == 0 {
                return Ok(false);
            }
            audit!(
                tx,
                ctx,
                "reinstate",
                "agent_licence",
                l.agent_id.0,
                None::<String>,
                audit_json(l)
            )?;
            tx.commit().await.map_err(repo_err)?;
            Ok(true)
        })
    }

    async fn notice_keys_with_prefix(&self, company: CompanyId, prefix: &str) -> Result<HashSet<String>, RepoError> {
        // An exact prefix match: a string range would follow the database's collation, which
        // need not order punctuation bytewise on PostgreSQL.
        let len = i32::try_from(prefix.chars().count()).map_err(|e| RepoError::Storage(e.to_string()))?;
        let rows: Vec<(String,)> = on_pool!(self, |pool| {
            sqlx::query_as(
                "SELECT source_key FROM notifications WHERE company_id = $1 AND substr(source_key, 1, $3) = $2",
            )
            .bind(company.0)
            .bind(prefix)
            .bind(len)
            .fetch_all(pool)
            .await
            .map_err(repo_err)
        })?;
        Ok(rows.into_iter().map(|(k,)| k).collect())
    }

    async fn send_notices(&self, ctx: &AuditContext, notices: &[Notice]) -> Result<u64, RepoError> {
        if notices.is_empty() {
            return Ok(0);
        }
        on_pool!(self, |pool| {
            let mut tx = pool.begin().await.map_err(repo_err)?;
            let new = insert_notices!(tx, ctx, notices);
            tx.commit().await.map_err(repo_err)?;
            Ok(new)
        })
    }

    async fn licence_facts(
        &self,
        company: CompanyId,
        branch: Option<BranchId>,
        scope: &ListScope,
    ) -> Result<Vec<AgentLicenceFacts>, RepoError> {
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let in_branch = match branch {
            Some(b) => format!("u.branch_id = {}", sql.arg(Arg::Uuid(b.0))),
            None => "1 = 1".to_owned(),
        };
        let within = person_scope(&mut sql, scope, "u.id", &c);
        sql.push(&format!(
            "SELECT u.id AS agent_id, u.name, u.team_id, t.name AS team_name, u.branch_id, t.supervisor_id, \
               l.qualification_certificate, l.issued_on, l.agency_contract_on, l.practice_certificate, \
               l.recorded_on, l.created_at, l.updated_at \
             FROM users u \
             LEFT JOIN teams t ON t.company_id = u.company_id AND t.id = u.team_id \
             LEFT JOIN agent_licences l ON l.company_id = u.company_id AND l.agent_id = u.id \
             WHERE u.company_id = {c} AND u.role = 'agent' AND u.active = TRUE AND {in_branch} AND {within} \
             ORDER BY u.id"
        ));
        let rows: Vec<FactsRow> = on_pool!(self, |p| {
            bind_args!(sqlx::query_as(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)
        })?;
        Ok(rows.into_iter().map(|r| r.into_facts(company)).collect())
    }
}
