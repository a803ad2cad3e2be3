//! Client cards by external id.

use super::{audit_rows, insert_rows, key_order, select_by_keys, update_rows, AuditRow};
use crate::changes::{append_changes, NewChange};
use crate::clients::{client_change, tags_json, ClientRow, CLIENT_COLS};
use crate::db::{audit_json, on_pool, repo_err, Db};
use crate::sql::{bind_args, Arg};
use domain::changes::ChangeType;
use domain::client::Client;
use domain::ids::CompanyId;
use domain::ports::{AuditContext, RepoError};
use domain::upsert::{Decision, Written};
use std::collections::{HashMap, HashSet};

fn row_args(c: &Client) -> Vec<Arg> {
    vec![
        Arg::Uuid(c.company_id.0),
        Arg::Uuid(c.id),
        Arg::Uuid(c.agent_id.0),
        Arg::Text(c.name.clone()),
        Arg::OptText(c.phone.clone()),
        Arg::OptText(c.address.clone()),
        Arg::OptText(c.household_notes.clone()),
        Arg::Text(tags_json(&c.tags)),
        Arg::OptText(c.external_id.clone()),
        Arg::Bool(c.phone_conflict),
        Arg::Ts(c.created_at),
        Arg::Ts(c.updated_at),
    ]
}

pub(super) async fn by_external_id(
    db: &Db,
    company: CompanyId,
    keys: &[String],
) -> Result<HashMap<String, Client>, RepoError> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = crate::sql::Sql::new("");
    let c = sql.arg(Arg::Uuid(company.0));
    let list = sql.list(keys.iter().map(|k| Arg::Text(k.clone())));
    sql.push(&format!(
        "SELECT {CLIENT_COLS} FROM clients WHERE company_id = {c} AND external_id IN ({list})"
    ));
    let rows: Vec<ClientRow> = on_pool!(db, |p| {
        bind_args!(sqlx::query_as::<_, ClientRow>(&sql.text), &sql.args)
            .fetch_all(p)
            .await
            .map_err(repo_err)
    })?;
    rows.into_iter()
        .map(|r| {
            let c = Client::try_from(r)?;
            Ok((c.external_id.clone().unwrap_or_default(), c))
        })
        .collect()
}

pub(super) async fn upsert(
    db: &Db,
    ctx: &AuditContext,
    rows: &[Client],
    decide: &dyn Fn(&Client, &Client) -> Decision<Client>,
) -> Result<Vec<Written>, RepoError> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let keys: Vec<String> = rows.iter().map(|c| c.external_id.clone().unwrap_or_default()).collect();
    let order = key_order(&keys);
    let insert = insert_rows(
        "clients",
        CLIENT_COLS,
        order.iter().map(|i| row_args(&rows[*i])),
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
        let rest: Vec<String> = order
            .iter()
            .map(|i| keys[*i].clone())
            .filter(|k| !created.contains(k))
            .collect();
        let mut existing: HashMap<String, Client> = HashMap::new();
        if !rest.is_empty() {
            let sql = select_by_keys(db, CLIENT_COLS, "clients", "external_id", ctx.company_id.0, &rest);
            let found: Vec<ClientRow> = bind_args!(sqlx::query_as::<_, ClientRow>(&sql.text), &sql.args)
                .fetch_all(&mut *tx)
                .await
                .map_err(repo_err)?;
            for r in found {
                let c = Client::try_from(r)?;
                existing.insert(c.external_id.clone().unwrap_or_default(), c);
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        let mut updates: Vec<(Client, Client)> = Vec::new();
        let mut audits = Vec::new();
        let mut changes = Vec::new();
        for (c, key) in rows.iter().zip(&keys) {
            if created.contains(key) {
                out.push(Written::Created(c.id));
                audits.push(AuditRow {
                    action: "create",
                    entity: "client",
                    id: c.id,
                    before: None,
                    after: audit_json(c),
                });
                changes.push(NewChange::new(
                    ChangeType::ClientCreated,
                    c.id,
                    Some(c.agent_id),
                    c,
                    c.created_at,
                ));
                continue;
            }
            let before = existing
                .get(key)
                .ok_or_else(|| RepoError::Storage(format!("client {key} neither inserted nor found")))?;
            match decide(before, c) {
                Decision::Unchanged => out.push(Written::Unchanged(before.id)),
                Decision::Refuse(r) => out.push(Written::Refused(r)),
                Decision::Update(after) => {
                    out.push(Written::Updated(after.id));
                    let action = if before.agent_id != after.agent_id {
                        "reassign"
                    } else {
                        "update"
                    };
                    audits.push(AuditRow {
                        action,
                        entity: "client",
                        id: after.id,
                        before: audit_json(before),
                        after: audit_json(&after),
                    });
                    changes.push(client_change(before, &after));
                    updates.push((before.clone(), after));
                }
            }
        }
        if !updates.is_empty() {
            let sql = update_rows(
                "clients",
                &[
                    "agent_id",
                    "name",
                    "phone",
                    "address",
                    "household_notes",
                    "tags",
                    "phone_conflict",
                    "updated_at",
                ],
                updates.iter().map(|(_, a)| {
                    vec![
                        Arg::Uuid(a.company_id.0),
                        Arg::Uuid(a.id),
                        Arg::Uuid(a.agent_id.0),
                        Arg::Text(a.name.clone()),
                        Arg::OptText(a.phone.clone()),
                        Arg::OptText(a.address.clone()),
                        Arg::OptText(a.household_notes.clone()),
                        Arg::Text(tags_json(&a.tags)),
                        Arg::Bool(a.phone_conflict),
                        Arg::Ts(a.updated_at),
                    ]
                }),
            );
            bind_args!(sqlx::query(&sql.text), &sql.args)
                .execute(&mut *tx)
                .await
                .map_err(repo_err)?;
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
