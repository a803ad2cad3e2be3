//! CloseRepo: what the day and month close read (membership, counts, diaries, leave, outlets)
//! and the closed periods they record.

use super::{corrupt, IDS_PER_STATEMENT};
use crate::db::{on_pool, repo_err, Db};
use crate::sql::{bind_args, Arg, Sql};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{BranchId, CompanyId, TeamId, UserId};
use domain::membership::{MemberHistory, MemberState};
use domain::org::Role;
use domain::penalty::DiaryFacts;
use domain::period::Month;
use domain::ports::{CloseRepo, DayCount, RepoError};
use domain::quota::DayTally;
use std::collections::HashMap;
use uuid::Uuid;

/// `$a, $b, …` for a chunk of agent ids.
fn agent_list(sql: &mut Sql, agents: &[UserId]) -> String {
    sql.list(agents.iter().map(|a| Arg::Uuid(a.0)))
}

/// Users who are in the branch now, or whose audited changes mention it (moved out since).
const MEMBERS: &str = "SELECT u.id FROM users u WHERE u.company_id = $1 AND (u.branch_id = $2 OR u.id IN \
                       (SELECT l.entity_id FROM audit_log l WHERE l.company_id = $1 AND l.entity = 'user' \
                       AND (l.before LIKE $3 OR l.after LIKE $3)))";

fn member_state(json: Option<&str>) -> Result<MemberState, RepoError> {
    json.and_then(|j| serde_json::from_str(j).ok())
        .ok_or_else(|| corrupt("audited user"))
}

impl CloseRepo for Db {
    async fn branch_member_histories(
        &self,
        company: CompanyId,
        branch: BranchId,
    ) -> Result<Vec<MemberHistory>, RepoError> {
        // Audit records hold the user as serialised JSON (compact), ids as plain strings.
        let mentions = format!("%\"branch_id\":\"{branch}\"%");
        type UserRow = (Uuid, String, Option<Uuid>, Option<Uuid>, bool, DateTime<Utc>);
        type ChangeRow = (Uuid, DateTime<Utc>, Option<String>, Option<String>);
        let (users, changes): (Vec<UserRow>, Vec<ChangeRow>) = on_pool!(self, |p| {
            let users = sqlx::query_as(&format!(
                "SELECT id, role, branch_id, team_id, active, created_at FROM users \
                 WHERE company_id = $1 AND id IN ({MEMBERS}) ORDER BY id"
            ))
            .bind(company.0)
            .bind(branch.0)
            .bind(&mentions)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            let changes = sqlx::query_as(&format!(
                "SELECT a.entity_id, a.at, a.before, a.after FROM audit_log a WHERE a.company_id = $1 \
                 AND a.entity = 'user' AND a.action IN ('update', 'deactivate') AND a.entity_id IN ({MEMBERS}) \
                 ORDER BY a.at, a.id"
            ))
            .bind(company.0)
            .bind(branch.0)
            .bind(&mentions)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            (users, changes)
        });
        let mut by_user: HashMap<Uuid, Vec<ChangeRow>> = HashMap::new();
        for change in changes {
            by_user.entry(change.0).or_default().push(change);
        }
        let mut out = Vec::with_capacity(users.len());
        for (id, role, branch_id, team_id, active, created_at) in users {
            let current = MemberState {
                role: Role::parse(&role).ok_or_else(|| corrupt("user role"))?,
                branch_id: branch_id.map(BranchId),
                team_id: team_id.map(TeamId),
                active,
            };
            let history = by_user.remove(&id).unwrap_or_default();
            // Before its first audited change a user was as that change found them.
            let initial = match history.first() {
                Some((_, _, before, _)) => member_state(before.as_deref())?,
                None => current,
            };
            let changes = history
                .iter()
                .map(|(_, at, _, after)| Ok((*at, member_state(after.as_deref())?)))
                .collect::<Result<Vec<_>, RepoError>>()?;
            out.push(MemberHistory {
                user: UserId(id),
                created_at,
                initial,
                changes,
            });
        }
        Ok(out)
    }

    async fn team_supervisors(&self, company: CompanyId) -> Result<HashMap<TeamId, UserId>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<(Uuid, Uuid)> = sqlx::query_as("SELECT id, supervisor_id FROM teams WHERE company_id = $1")
                .bind(company.0)
                .fetch_all(p)
                .await
                .map_err(repo_err)?;
            Ok(rows.into_iter().map(|(t, s)| (TeamId(t), UserId(s))).collect())
        })
    }

    async fn day_counts(
        &self,
        company: CompanyId,
        agents: &[UserId],
        from: NaiveDate,
        to: NaiveDate,
        min_call_seconds: i64,
    ) -> Result<Vec<DayCount>, RepoError> {
        let mut out = Vec::new();
        for chunk in agents.chunks(IDS_PER_STATEMENT) {
            let mut sql = Sql::new("");
            let c = sql.arg(Arg::Uuid(company.0));
            let f = sql.arg(Arg::Date(from));
            let t = sql.arg(Arg::Date(to));
            let m = sql.arg(Arg::Int(min_call_seconds));
            let list = agent_list(&mut sql, chunk);
            // One grouped pass; the same decisions as `domain::quota::tally_day` (a property test
            // holds them equal): voided never counts, a call without a duration never counts (ACT-3).
            sql.push(&format!(
                "SELECT a.agent_id, a.business_day, \
                   CAST(SUM(CASE WHEN a.kind = 'face_visit' AND a.client_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS face, \
                   CAST(SUM(CASE WHEN a.kind = 'phone_service' AND a.duration_seconds >= {m} THEN 1 ELSE 0 END) AS BIGINT) AS calls, \
                   CAST(SUM(CASE WHEN a.kind = 'renewal_collection' AND a.client_id IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS renewals, \
                   CAST(SUM(CASE WHEN a.kind = 'meeting_attendance' AND a.details LIKE '%\"meeting\":\"morning\"%' THEN 1 ELSE 0 END) AS BIGINT) AS morning, \
                   CAST(SUM(CASE WHEN a.kind = 'meeting_attendance' AND a.details LIKE '%\"meeting\":\"evening\"%' THEN 1 ELSE 0 END) AS BIGINT) AS evening \
                 FROM activities a \
                 WHERE a.company_id = {c} AND a.agent_id IN ({list}) AND a.business_day >= {f} AND a.business_day <= {t} \
                   AND a.voided_at IS NULL \
                 GROUP BY a.agent_id, a.business_day"
            ));
            let rows = on_pool!(self, |p| {
                bind_args!(
                    sqlx::query_as::<_, (Uuid, NaiveDate, i64, i64, i64, i64, i64)>(&sql.text),
                    &sql.args
                )
                .fetch_all(p)
                .await
                .map_err(repo_err)
            })?;
            out.extend(
                rows.into_iter()
                    .map(|(a, d, face, calls, renewals, morning, evening)| DayCount {
                        agent: UserId(a),
                        day: d,
                        tally: DayTally {
                            face_visits: face,
                            calls,
                            renewals,
                            morning_meetings: morning,
                            evening_meetings: evening,
                        },
                    }),
            );
        }
        Ok(out)
    }

    async fn agent_diaries(
        &self,
        company: CompanyId,
        agents: &[UserId],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, NaiveDate, DiaryFacts)>, RepoError> {
        type R = (
            Uuid,
            NaiveDate,
            Uuid,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
            Option<DateTime<Utc>>,
        );
        let mut out = Vec::new();
        for chunk in agents.chunks(IDS_PER_STATEMENT) {
            let mut sql = Sql::new("");
            let c = sql.arg(Arg::Uuid(company.0));
            let f = sql.arg(Arg::Date(from));
            let t = sql.arg(Arg::Date(to));
            let list = agent_list(&mut sql, chunk);
            sql.push(&format!(
                "SELECT d.agent_id, d.date, d.id, d.first_submitted_at, d.review_deadline, d.reviewed_at FROM diaries d \
                 WHERE d.company_id = {c} AND d.agent_id IN ({list}) AND d.date >= {f} AND d.date <= {t}"
            ));
            let rows: Vec<R> = on_pool!(self, |p| {
                bind_args!(sqlx::query_as::<_, R>(&sql.text), &sql.args)
                    .fetch_all(p)
                    .await
                    .map_err(repo_err)
            })?;
            out.extend(rows.into_iter().map(|(a, d, id, first, deadline, reviewed)| {
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
            }));
        }
        Ok(out)
    }

    async fn agent_leave(
        &self,
        company: CompanyId,
        agents: &[UserId],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, NaiveDate, NaiveDate)>, RepoError> {
        let mut out = Vec::new();
        for chunk in agents.chunks(IDS_PER_STATEMENT) {
            let mut sql = Sql::new("");
            let c = sql.arg(Arg::Uuid(company.0));
            let f = sql.arg(Arg::Date(from));
            let t = sql.arg(Arg::Date(to));
            let list = agent_list(&mut sql, chunk);
            sql.push(&format!(
                "SELECT l.agent_id, l.from_date, l.to_date FROM leave_requests l WHERE l.company_id = {c} \
                 AND l.agent_id IN ({list}) AND l.status = 'approved' AND l.from_date <= {t} AND l.to_date >= {f}"
            ));
            let rows = on_pool!(self, |p| {
                bind_args!(sqlx::query_as::<_, (Uuid, NaiveDate, NaiveDate)>(&sql.text), &sql.args)
                    .fetch_all(p)
                    .await
                    .map_err(repo_err)
            })?;
            out.extend(rows.into_iter().map(|(a, f, t)| (UserId(a), f, t)));
        }
        Ok(out)
    }

    async fn outlet_visits(
        &self,
        company: CompanyId,
        agents: &[UserId],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(UserId, Uuid, NaiveDate)>, RepoError> {
        let mut out = Vec::new();
        for chunk in agents.chunks(IDS_PER_STATEMENT) {
            let mut sql = Sql::new("");
            let c = sql.arg(Arg::Uuid(company.0));
            let f = sql.arg(Arg::Date(from));
            let t = sql.arg(Arg::Date(to));
            let list = agent_list(&mut sql, chunk);
            sql.push(&format!(
                "SELECT a.agent_id, a.outlet_id, a.business_day FROM activities a WHERE a.company_id = {c} \
                 AND a.agent_id IN ({list}) AND a.kind = 'outlet_service' AND a.voided_at IS NULL \
                 AND a.outlet_id IS NOT NULL AND a.business_day >= {f} AND a.business_day <= {t}"
            ));
            let rows = on_pool!(self, |p| {
                bind_args!(sqlx::query_as::<_, (Uuid, Uuid, NaiveDate)>(&sql.text), &sql.args)
                    .fetch_all(p)
                    .await
                    .map_err(repo_err)
            })?;
            out.extend(rows.into_iter().map(|(a, o, d)| (UserId(a), o, d)));
        }
        Ok(out)
    }

    async fn outlet_assignments(
        &self,
        company: CompanyId,
        agents: &[UserId],
    ) -> Result<Vec<(UserId, Uuid)>, RepoError> {
        let mut out = Vec::new();
        for chunk in agents.chunks(IDS_PER_STATEMENT) {
            let mut sql = Sql::new("");
            let c = sql.arg(Arg::Uuid(company.0));
            let list = agent_list(&mut sql, chunk);
            sql.push(&format!(
                "SELECT oa.agent_id, oa.outlet_id FROM outlet_agents oa WHERE oa.company_id = {c} AND oa.agent_id IN ({list})"
            ));
            let rows = on_pool!(self, |p| {
                bind_args!(sqlx::query_as::<_, (Uuid, Uuid)>(&sql.text), &sql.args)
                    .fetch_all(p)
                    .await
                    .map_err(repo_err)
            })?;
            out.extend(rows.into_iter().map(|(a, o)| (UserId(a), o)));
        }
        Ok(out)
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
        month: Month,
        results: &[(UserId, serde_json::Value)],
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        let month = month.to_string();
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            // The month's row is written first: a second closer finds it and changes nothing.
            let fresh = sqlx::query(
                "INSERT INTO closed_months (company_id, branch_id, month, closed_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(company.0)
            .bind(branch.0)
            .bind(&month)
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
                                Arg::Text(month.clone()),
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

    async fn all_branches(&self) -> Result<Vec<(CompanyId, BranchId)>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<(Uuid, Uuid)> = sqlx::query_as("SELECT company_id, id FROM branches ORDER BY company_id, id")
                .fetch_all(p)
                .await
                .map_err(repo_err)?;
            Ok(rows.into_iter().map(|(c, b)| (CompanyId(c), BranchId(b))).collect())
        })
    }
}
