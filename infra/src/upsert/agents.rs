//! Agents (users) by external id. New agents get their login e-mail like any user; a changed
//! e-mail moves it; deactivation revokes their refresh tokens in the same transaction.

use super::{audit_rows, insert_rows, key_order, select_by_keys, update_rows, AuditRow};
use crate::changes::{append_changes, NewChange};
use crate::db::{audit_json, on_pool, repo_err, Db};
use crate::org::rows::{UserRow, USER_COLS};
use crate::sql::{bind_args, Arg, Sql};
use domain::changes::ChangeType;
use domain::ids::{CompanyId, UserId};
use domain::org::User;
use domain::ports::{AuditContext, RepoError};
use domain::upsert::{Decision, Written};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
struct Row {
    #[sqlx(flatten)]
    user: UserRow,
    external_id: Option<String>,
}

fn cols() -> String {
    format!("{USER_COLS}, external_id")
}

fn row_args(u: &User, key: &str) -> Vec<Arg> {
    vec![
        Arg::Uuid(u.company_id.0),
        Arg::Uuid(u.id.0),
        Arg::Text(u.email.clone()),
        Arg::Text(u.name.clone()),
        Arg::OptText(u.phone.clone()),
        Arg::Text(u.role.as_str().to_owned()),
        Arg::OptUuid(u.branch_id.map(|b| b.0)),
        Arg::OptUuid(u.team_id.map(|t| t.0)),
        Arg::Bool(u.active),
        Arg::Text(u.password_hash.clone()),
        Arg::Int(u.token_generation),
        Arg::Ts(u.created_at),
        Arg::Ts(u.updated_at),
        Arg::Text(key.to_owned()),
    ]
}

pub(super) async fn by_external_id(
    db: &Db,
    company: CompanyId,
    keys: &[String],
) -> Result<HashMap<String, User>, RepoError> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new("");
    let c = sql.arg(Arg::Uuid(company.0));
    let list = sql.list(keys.iter().map(|k| Arg::Text(k.clone())));
    sql.push(&format!(
        "SELECT {} FROM users WHERE company_id = {c} AND external_id IN ({list})",
        cols()
    ));
    let rows: Vec<Row> = on_pool!(db, |p| {
        bind_args!(sqlx::query_as::<_, Row>(&sql.text), &sql.args)
            .fetch_all(p)
            .await
            .map_err(repo_err)
    })?;
    rows.into_iter()
        .map(|r| Ok((r.external_id.unwrap_or_default(), User::try_from(r.user)?)))
        .collect()
}

pub(super) async fn email_owners(db: &Db, emails: &[String]) -> Result<HashMap<String, UserId>, RepoError> {
    if emails.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = Sql::new("");
    let list = sql.list(emails.iter().map(|e| Arg::Text(e.clone())));
    sql.push(&format!(
        "SELECT email, user_id FROM login_emails WHERE email IN ({list})"
    ));
    let rows: Vec<(String, Uuid)> = on_pool!(db, |p| {
        bind_args!(sqlx::query_as::<_, (String, Uuid)>(&sql.text), &sql.args)
            .fetch_all(p)
            .await
            .map_err(repo_err)
    })?;
    Ok(rows.into_iter().map(|(e, u)| (e, UserId(u))).collect())
}

pub(super) async fn upsert(
    db: &Db,
    ctx: &AuditContext,
    keys: &[String],
    rows: &[User],
    decide: &dyn Fn(&User, &User) -> Decision<User>,
) -> Result<Vec<Written>, RepoError> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let order = key_order(keys);
    let insert = insert_rows(
        "users",
        &cols(),
        order.iter().map(|i| row_args(&rows[*i], &keys[*i])),
        "ON CONFLICT (company_id, external_id) WHERE external_id IS NOT NULL DO NOTHING RETURNING external_id",
    );
    on_pool!(db, |p| {
        let mut tx = p.begin().await.map_err(repo_err)?;
        let created: HashSet<String> = bind_args!(sqlx::query_scalar::<_, String>(&insert.text), &insert.args)
            .fetch_all(&mut *tx)
            .await
            .map_err(repo_err)?
            .into_iter()
            .collect();
        if !created.is_empty() {
            // Their sign-in e-mails (checked free beforehand; a race is a conflict for the batch).
            let sql = insert_rows(
                "login_emails",
                "email, company_id, user_id",
                rows.iter()
                    .zip(keys)
                    .filter(|(_, k)| created.contains(*k))
                    .map(|(u, _)| vec![Arg::Text(u.email.clone()), Arg::Uuid(u.company_id.0), Arg::Uuid(u.id.0)]),
                "",
            );
            bind_args!(sqlx::query(&sql.text), &sql.args)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
        }
        let rest: Vec<String> = order
            .iter()
            .map(|i| keys[*i].clone())
            .filter(|k| !created.contains(k))
            .collect();
        let mut existing: HashMap<String, User> = HashMap::new();
        if !rest.is_empty() {
            let sql = select_by_keys(db, &cols(), "users", "external_id", ctx.company_id.0, &rest);
            let found: Vec<Row> = bind_args!(sqlx::query_as::<_, Row>(&sql.text), &sql.args)
                .fetch_all(&mut *tx)
                .await
                .map_err(repo_err)?;
            for r in found {
                existing.insert(r.external_id.unwrap_or_default(), User::try_from(r.user)?);
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        let mut updates: Vec<(User, User)> = Vec::new();
        let mut audits = Vec::new();
        let mut changes = Vec::new();
        for (u, key) in rows.iter().zip(keys) {
            if created.contains(key) {
                out.push(Written::Created(u.id.0));
                audits.push(AuditRow {
                    action: "create",
                    entity: "user",
                    id: u.id.0,
                    before: None,
                    after: audit_json(u),
                });
                changes.push(NewChange::new(
                    ChangeType::UserCreated,
                    u.id.0,
                    Some(u.id),
                    u,
                    u.created_at,
                ));
                continue;
            }
            let before = existing
                .get(key)
                .ok_or_else(|| RepoError::Storage(format!("user {key} neither inserted nor found")))?;
            match decide(before, u) {
                Decision::Unchanged => out.push(Written::Unchanged(before.id.0)),
                Decision::Refuse(r) => out.push(Written::Refused(r)),
                Decision::Update(after) => {
                    out.push(Written::Updated(after.id.0));
                    let deactivated = before.active && !after.active;
                    audits.push(AuditRow {
                        action: if deactivated { "deactivate" } else { "update" },
                        entity: "user",
                        id: after.id.0,
                        before: audit_json(before),
                        after: audit_json(&after),
                    });
                    let t = if deactivated {
                        ChangeType::UserDeactivated
                    } else {
                        ChangeType::UserUpdated
                    };
                    changes.push(NewChange::new(t, after.id.0, Some(after.id), &after, after.updated_at));
                    updates.push((before.clone(), after));
                }
            }
        }
        if !updates.is_empty() {
            let sql = update_rows(
                "users",
                &[
                    "email",
                    "name",
                    "phone",
                    "branch_id",
                    "team_id",
                    "active",
                    "token_generation",
                    "updated_at",
                ],
                updates.iter().map(|(_, a)| {
                    vec![
                        Arg::Uuid(a.company_id.0),
                        Arg::Uuid(a.id.0),
                        Arg::Text(a.email.clone()),
                        Arg::Text(a.name.clone()),
                        Arg::OptText(a.phone.clone()),
                        Arg::OptUuid(a.branch_id.map(|b| b.0)),
                        Arg::OptUuid(a.team_id.map(|t| t.0)),
                        Arg::Bool(a.active),
                        Arg::Int(a.token_generation),
                        Arg::Ts(a.updated_at),
                    ]
                }),
            );
            bind_args!(sqlx::query(&sql.text), &sql.args)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
            let moved: Vec<(String, String)> = updates
                .iter()
                .filter(|(b, a)| b.email != a.email)
                .map(|(b, a)| (b.email.clone(), a.email.clone()))
                .collect();
            if !moved.is_empty() {
                let mut sql = Sql::new("");
                let values: Vec<String> = moved
                    .iter()
                    .map(|(old, new)| format!("({})", sql.list([Arg::Text(old.clone()), Arg::Text(new.clone())])))
                    .collect();
                sql.push(&format!(
                    "UPDATE login_emails SET email = v.column2 FROM (VALUES {}) AS v WHERE login_emails.email = v.column1",
                    values.join(", ")
                ));
                bind_args!(sqlx::query(&sql.text), &sql.args)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?;
            }
            let ended: Vec<Uuid> = updates
                .iter()
                .filter(|(b, a)| b.active && !a.active)
                .map(|(_, a)| a.id.0)
                .collect();
            if !ended.is_empty() {
                let mut sql = Sql::new("");
                let c = sql.arg(Arg::Uuid(ctx.company_id.0));
                let at = sql.arg(Arg::Ts(ctx.at));
                let list = sql.list(ended.iter().map(|u| Arg::Uuid(*u)));
                sql.push(&format!(
                    "UPDATE refresh_tokens SET revoked_at = {at} WHERE company_id = {c} AND user_id IN ({list}) \
                     AND revoked_at IS NULL"
                ));
                bind_args!(sqlx::query(&sql.text), &sql.args)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?;
            }
        }
        if !audits.is_empty() {
            let sql = audit_rows(ctx, &audits);
            bind_args!(sqlx::query(&sql.text), &sql.args)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
        }
        append_changes!(tx, ctx.company_id, &changes)?;
        tx.commit().await.map_err(repo_err)?;
        Ok(out)
    })
}
