//! OrganisationRepo on both engines.

use crate::changes::{append_changes, NewChange};
use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use domain::changes::ChangeType;
use domain::ids::{BranchId, CompanyId, TeamId, UserId};
use domain::org::{Branch, Company, Role, Team, User};
use domain::ports::{AuditContext, ListScope, OrganisationRepo, PageRequest, RepoError};
use uuid::Uuid;

pub(crate) mod rows;
mod tenants;

use rows::*;

/// Writes a user and their global login e-mail inside the caller's transaction (a taken
/// e-mail fails on `login_emails`' key as a `Conflict`).
macro_rules! insert_user_rows {
    ($tx:expr, $u:expr) => {
        async {
            let u: &domain::org::User = $u;
            sqlx::query("INSERT INTO login_emails (email, company_id, user_id) VALUES ($1, $2, $3)")
                .bind(&u.email)
                .bind(u.company_id.0)
                .bind(u.id.0)
                .execute(&mut *$tx)
                .await
                .map_err($crate::db::repo_err)?;
            sqlx::query(&format!(
                "INSERT INTO users ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                $crate::org::rows::USER_COLS
            ))
            .bind(u.company_id.0)
            .bind(u.id.0)
            .bind(&u.email)
            .bind(&u.name)
            .bind(&u.phone)
            .bind(u.role.as_str())
            .bind(u.branch_id.map(|b| b.0))
            .bind(u.team_id.map(|t| t.0))
            .bind(u.active)
            .bind(&u.password_hash)
            .bind(u.token_generation)
            .bind(u.created_at)
            .bind(u.updated_at)
            .execute(&mut *$tx)
            .await
            .map_err($crate::db::repo_err)?;
            Ok::<(), domain::ports::RepoError>(())
        }
        .await
    };
}
use insert_user_rows;

impl OrganisationRepo for Db {
    async fn insert_company(&self, c: &Company) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            sqlx::query("INSERT INTO companies (id, name, created_at) VALUES ($1, $2, $3)")
                .bind(c.id.0)
                .bind(&c.name)
                .bind(c.created_at)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
            // The company's change-feed counter (see `changes`).
            sqlx::query("INSERT INTO change_counters (company_id, last) VALUES ($1, 0)")
                .bind(c.id.0)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn count_users(&self) -> Result<i64, RepoError> {
        on_pool!(self, |p| {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
                .fetch_one(p)
                .await
                .map_err(repo_err)
        })
    }

    async fn insert_branch(&self, ctx: &AuditContext, b: &Branch) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            let s = &b.settings;
            sqlx::query(&format!(
                "INSERT INTO branches ({BRANCH_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
            ))
            .bind(b.company_id.0)
            .bind(b.id.0)
            .bind(&s.name)
            .bind(s.time_zone.name())
            .bind(s.working_weekdays.names().join(","))
            .bind(s.morning_meeting.start())
            .bind(s.morning_meeting.end())
            .bind(s.evening_meeting.start())
            .bind(s.evening_meeting.end())
            .bind(b.created_at)
            .bind(b.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            for e in &s.calendar_exceptions {
                sqlx::query(
                    "INSERT INTO branch_calendar_exceptions (company_id, branch_id, date, kind, name) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(b.company_id.0)
                .bind(b.id.0)
                .bind(e.date)
                .bind(e.kind.as_str())
                .bind(&e.name)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
            }
            audit!(tx, ctx, "create", "branch", b.id.0, None::<String>, audit_json(b))?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn update_branch(&self, ctx: &AuditContext, before: &Branch, b: &Branch) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            let s = &b.settings;
            sqlx::query(
                "UPDATE branches SET name = $3, time_zone = $4, working_weekdays = $5, morning_start = $6, \
                 morning_end = $7, evening_start = $8, evening_end = $9, updated_at = $10 \
                 WHERE company_id = $1 AND id = $2",
            )
            .bind(b.company_id.0)
            .bind(b.id.0)
            .bind(&s.name)
            .bind(s.time_zone.name())
            .bind(s.working_weekdays.names().join(","))
            .bind(s.morning_meeting.start())
            .bind(s.morning_meeting.end())
            .bind(s.evening_meeting.start())
            .bind(s.evening_meeting.end())
            .bind(b.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            if before.settings.calendar_exceptions != s.calendar_exceptions {
                sqlx::query("DELETE FROM branch_calendar_exceptions WHERE company_id = $1 AND branch_id = $2")
                    .bind(b.company_id.0)
                    .bind(b.id.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?;
                for e in &s.calendar_exceptions {
                    sqlx::query(
                        "INSERT INTO branch_calendar_exceptions (company_id, branch_id, date, kind, name) VALUES ($1, $2, $3, $4, $5)",
                    )
                    .bind(b.company_id.0)
                    .bind(b.id.0)
                    .bind(e.date)
                    .bind(e.kind.as_str())
                    .bind(&e.name)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?;
                }
            }
            audit!(tx, ctx, "update", "branch", b.id.0, audit_json(before), audit_json(b))?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn get_branch(&self, company: CompanyId, id: BranchId) -> Result<Option<Branch>, RepoError> {
        on_pool!(self, |p| {
            let row: Option<BranchRow> = sqlx::query_as(&format!(
                "SELECT {BRANCH_COLS} FROM branches WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(p)
            .await
            .map_err(repo_err)?;
            let Some(row) = row else { return Ok(None) };
            let ex: Vec<ExceptionRow> = sqlx::query_as(
                "SELECT branch_id, date, kind, name FROM branch_calendar_exceptions \
                 WHERE company_id = $1 AND branch_id = $2 ORDER BY date",
            )
            .bind(company.0)
            .bind(id.0)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            branch_from_rows(row, &ex).map(Some)
        })
    }

    async fn list_branches(&self, company: CompanyId, page: PageRequest) -> Result<Vec<Branch>, RepoError> {
        on_pool!(self, |p| {
            let rows: Vec<BranchRow> = sqlx::query_as(&format!(
                "SELECT {BRANCH_COLS} FROM branches WHERE company_id = $1 AND id > $2 ORDER BY id LIMIT $3"
            ))
            .bind(company.0)
            .bind(after_or_nil(&page))
            .bind(i64::from(page.limit))
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
                return Ok(vec![]);
            };
            // One query for the whole page's exceptions, bounded by the page's id range.
            let ex: Vec<ExceptionRow> = sqlx::query_as(
                "SELECT branch_id, date, kind, name FROM branch_calendar_exceptions \
                 WHERE company_id = $1 AND branch_id >= $2 AND branch_id <= $3 ORDER BY date",
            )
            .bind(company.0)
            .bind(first.id)
            .bind(last.id)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            rows.into_iter().map(|r| branch_from_rows(r, &ex)).collect()
        })
    }

    async fn insert_team(&self, ctx: &AuditContext, t: &Team) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            sqlx::query(&format!(
                "INSERT INTO teams ({TEAM_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
            ))
            .bind(t.company_id.0)
            .bind(t.id.0)
            .bind(t.branch_id.0)
            .bind(&t.name)
            .bind(t.supervisor_id.0)
            .bind(t.created_at)
            .bind(t.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            audit!(tx, ctx, "create", "team", t.id.0, None::<String>, audit_json(t))?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn update_team(&self, ctx: &AuditContext, before: &Team, t: &Team) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            sqlx::query(
                "UPDATE teams SET branch_id = $3, name = $4, supervisor_id = $5, updated_at = $6 \
                 WHERE company_id = $1 AND id = $2",
            )
            .bind(t.company_id.0)
            .bind(t.id.0)
            .bind(t.branch_id.0)
            .bind(&t.name)
            .bind(t.supervisor_id.0)
            .bind(t.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            audit!(tx, ctx, "update", "team", t.id.0, audit_json(before), audit_json(t))?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn get_team(&self, company: CompanyId, id: TeamId) -> Result<Option<Team>, RepoError> {
        on_pool!(self, |p| {
            sqlx::query_as::<_, TeamRow>(&format!(
                "SELECT {TEAM_COLS} FROM teams WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(p)
            .await
            .map(|r| r.map(Team::from))
            .map_err(repo_err)
        })
    }

    async fn list_teams(
        &self,
        company: CompanyId,
        scope: &ListScope,
        page: PageRequest,
    ) -> Result<Vec<Team>, RepoError> {
        let (filter, arg) = scope_filter(scope, Scoped::Teams);
        let sql = format!(
            "SELECT {TEAM_COLS} FROM teams WHERE company_id = $1 AND id > $2 AND {filter} ORDER BY id LIMIT $3"
        );
        on_pool!(self, |p| {
            let q = sqlx::query_as::<_, TeamRow>(&sql)
                .bind(company.0)
                .bind(after_or_nil(&page))
                .bind(i64::from(page.limit));
            match arg {
                Some(a) => q.bind(a),
                None => q,
            }
            .fetch_all(p)
            .await
            .map(|rows| rows.into_iter().map(Team::from).collect())
            .map_err(repo_err)
        })
    }

    async fn teams_led_by(&self, company: CompanyId, supervisor: UserId) -> Result<Vec<TeamId>, RepoError> {
        on_pool!(self, |p| {
            sqlx::query_scalar::<_, Uuid>(
                "SELECT id FROM teams WHERE company_id = $1 AND supervisor_id = $2 ORDER BY id",
            )
            .bind(company.0)
            .bind(supervisor.0)
            .fetch_all(p)
            .await
            .map(|ids| ids.into_iter().map(TeamId).collect())
            .map_err(repo_err)
        })
    }

    async fn users_with_role(&self, company: CompanyId, role: Role, ids: &[Uuid]) -> Result<Vec<User>, RepoError> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = crate::sql::Sql::new("");
        let c = sql.arg(crate::sql::Arg::Uuid(company.0));
        let r = sql.arg(crate::sql::Arg::Text(role.as_str().to_owned()));
        let list = sql.list(ids.iter().map(|i| crate::sql::Arg::Uuid(*i)));
        sql.push(&format!(
            "SELECT {USER_COLS} FROM users WHERE company_id = {c} AND role = {r} AND active = TRUE AND id IN ({list})"
        ));
        on_pool!(self, |p| {
            let rows = crate::sql::bind_args!(sqlx::query_as::<_, UserRow>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)?;
            rows.into_iter().map(User::try_from).collect()
        })
    }

    async fn insert_user(&self, ctx: Option<&AuditContext>, u: &User) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            insert_user_rows!(tx, u)?;
            if let Some(ctx) = ctx {
                audit!(tx, ctx, "create", "user", u.id.0, None::<String>, audit_json(u))?;
            }
            let change = NewChange::new(ChangeType::UserCreated, u.id.0, Some(u.id), u, u.created_at);
            append_changes!(tx, u.company_id, &[change])?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn update_user(&self, ctx: &AuditContext, before: &User, u: &User) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            if before.email != u.email {
                sqlx::query("UPDATE login_emails SET email = $1 WHERE email = $2")
                    .bind(&u.email)
                    .bind(&before.email)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?;
            }
            sqlx::query(
                "UPDATE users SET email = $3, name = $4, phone = $5, role = $6, branch_id = $7, team_id = $8, \
                 active = $9, password_hash = $10, updated_at = $11, \
                 token_generation = token_generation + $12 WHERE company_id = $1 AND id = $2",
            )
            .bind(u.company_id.0)
            .bind(u.id.0)
            .bind(&u.email)
            .bind(&u.name)
            .bind(&u.phone)
            .bind(u.role.as_str())
            .bind(u.branch_id.map(|b| b.0))
            .bind(u.team_id.map(|t| t.0))
            .bind(u.active)
            .bind(&u.password_hash)
            .bind(u.updated_at)
            // A relative bump, so concurrent bumps add up rather than overwrite each other.
            .bind(u.token_generation.saturating_sub(before.token_generation).max(0))
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            let action = if before.active && !u.active {
                "deactivate"
            } else {
                "update"
            };
            audit!(tx, ctx, action, "user", u.id.0, audit_json(before), audit_json(u))?;
            let t = if action == "deactivate" {
                ChangeType::UserDeactivated
            } else {
                ChangeType::UserUpdated
            };
            append_changes!(
                tx,
                u.company_id,
                &[NewChange::new(t, u.id.0, Some(u.id), u, u.updated_at)]
            )?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn get_user(&self, company: CompanyId, id: UserId) -> Result<Option<User>, RepoError> {
        on_pool!(self, |p| {
            let row: Option<UserRow> = sqlx::query_as(&format!(
                "SELECT {USER_COLS} FROM users WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(p)
            .await
            .map_err(repo_err)?;
            row.map(User::try_from).transpose()
        })
    }

    async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, RepoError> {
        on_pool!(self, |p| {
            let row: Option<UserRow> = sqlx::query_as(&format!(
                "SELECT {} FROM login_emails l JOIN users u ON u.company_id = l.company_id AND u.id = l.user_id \
                 WHERE l.email = $1",
                USER_COLS
                    .split(", ")
                    .map(|c| format!("u.{c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .bind(email)
            .fetch_optional(p)
            .await
            .map_err(repo_err)?;
            row.map(User::try_from).transpose()
        })
    }

    async fn list_users(
        &self,
        company: CompanyId,
        scope: &ListScope,
        page: PageRequest,
    ) -> Result<Vec<User>, RepoError> {
        let (filter, arg) = scope_filter(scope, Scoped::Users);
        let sql = format!(
            "SELECT {USER_COLS} FROM users WHERE company_id = $1 AND id > $2 AND {filter} ORDER BY id LIMIT $3"
        );
        on_pool!(self, |p| {
            let q = sqlx::query_as::<_, UserRow>(&sql)
                .bind(company.0)
                .bind(after_or_nil(&page))
                .bind(i64::from(page.limit));
            let rows = match arg {
                Some(a) => q.bind(a),
                None => q,
            }
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            rows.into_iter().map(User::try_from).collect()
        })
    }
}
