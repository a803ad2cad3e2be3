//! ClientRepo and OutletRepo on both engines.

use crate::changes::{append_changes, NewChange};
use crate::db::{audit, audit_json, on_pool, repo_err, Db};
use crate::sql::{bind_args, person_scope, Arg, Sql};
use chrono::{DateTime, Utc};
use domain::changes::ChangeType;
use domain::client::{Client, Outlet};
use domain::ids::{BranchId, CompanyId, UserId};
use domain::ports::{AuditContext, ClientRepo, ListScope, OutletRepo, PageRequest, RepoError};
use uuid::Uuid;

#[derive(sqlx::FromRow)]
pub(crate) struct ClientRow {
    company_id: Uuid,
    id: Uuid,
    agent_id: Uuid,
    name: String,
    phone: Option<String>,
    address: Option<String>,
    household_notes: Option<String>,
    tags: String,
    external_id: Option<String>,
    phone_conflict: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<ClientRow> for Client {
    type Error = RepoError;
    fn try_from(r: ClientRow) -> Result<Client, RepoError> {
        // Unreadable tags are a corrupt row, never silently an empty list.
        let tags = serde_json::from_str(&r.tags)
            .map_err(|e| RepoError::Storage(format!("client {}: tags are not a JSON list: {e}", r.id)))?;
        Ok(Client {
            company_id: CompanyId(r.company_id),
            id: r.id,
            agent_id: UserId(r.agent_id),
            name: r.name,
            phone: r.phone,
            address: r.address,
            household_notes: r.household_notes,
            tags,
            external_id: r.external_id,
            phone_conflict: r.phone_conflict,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(crate) const CLIENT_COLS: &str =
    "company_id, id, agent_id, name, phone, address, household_notes, tags, external_id, \
                           phone_conflict, created_at, updated_at";

pub(crate) fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned())
}

/// The event of a change to a card: a move to another agent is a reassignment (a tombstone
/// for the previous agent's devices).
pub(crate) fn client_change(before: &Client, c: &Client) -> NewChange {
    if before.agent_id != c.agent_id {
        NewChange::new(ChangeType::ClientReassigned, c.id, Some(c.agent_id), c, c.updated_at)
            .moved_from(before.agent_id)
    } else {
        NewChange::new(ChangeType::ClientUpdated, c.id, Some(c.agent_id), c, c.updated_at)
    }
}

impl ClientRepo for Db {
    async fn insert_client(&self, ctx: &AuditContext, c: &Client) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            sqlx::query(&format!(
                "INSERT INTO clients ({CLIENT_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
            ))
            .bind(c.company_id.0)
            .bind(c.id)
            .bind(c.agent_id.0)
            .bind(&c.name)
            .bind(&c.phone)
            .bind(&c.address)
            .bind(&c.household_notes)
            .bind(tags_json(&c.tags))
            .bind(&c.external_id)
            .bind(c.phone_conflict)
            .bind(c.created_at)
            .bind(c.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            audit!(tx, ctx, "create", "client", c.id, None::<String>, audit_json(c))?;
            let change = NewChange::new(ChangeType::ClientCreated, c.id, Some(c.agent_id), c, c.created_at);
            append_changes!(tx, c.company_id, &[change])?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn update_client(
        &self,
        ctx: &AuditContext,
        action: &str,
        before: &Client,
        c: &Client,
    ) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            sqlx::query(
                "UPDATE clients SET agent_id = $3, name = $4, phone = $5, address = $6, household_notes = $7, tags = $8, \
                 external_id = $9, phone_conflict = $10, updated_at = $11 WHERE company_id = $1 AND id = $2",
            )
            .bind(c.company_id.0)
            .bind(c.id)
            .bind(c.agent_id.0)
            .bind(&c.name)
            .bind(&c.phone)
            .bind(&c.address)
            .bind(&c.household_notes)
            .bind(tags_json(&c.tags))
            .bind(&c.external_id)
            .bind(c.phone_conflict)
            .bind(c.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            audit!(tx, ctx, action, "client", c.id, audit_json(before), audit_json(c))?;
            append_changes!(tx, c.company_id, &[client_change(before, c)])?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn get_client(&self, company: CompanyId, id: Uuid) -> Result<Option<Client>, RepoError> {
        on_pool!(self, |p| {
            sqlx::query_as::<_, ClientRow>(&format!(
                "SELECT {CLIENT_COLS} FROM clients WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id)
            .fetch_optional(p)
            .await
            .map_err(repo_err)?
            .map(Client::try_from)
            .transpose()
        })
    }

    async fn list_clients(
        &self,
        company: CompanyId,
        scope: &ListScope,
        page: PageRequest,
    ) -> Result<Vec<Client>, RepoError> {
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let after = sql.arg(Arg::Uuid(page.after.unwrap_or(Uuid::nil())));
        let filter = person_scope(&mut sql, scope, "agent_id", &c);
        let limit = sql.arg(Arg::Int(i64::from(page.limit)));
        sql.push(&format!(
            "SELECT {CLIENT_COLS} FROM clients WHERE company_id = {c} AND id > {after} AND {filter} ORDER BY id LIMIT {limit}"
        ));
        on_pool!(self, |p| {
            bind_args!(sqlx::query_as::<_, ClientRow>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)?
                .into_iter()
                .map(Client::try_from)
                .collect()
        })
    }

    async fn clients_of_agent(&self, company: CompanyId, agent: UserId, ids: &[Uuid]) -> Result<Vec<Uuid>, RepoError> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let a = sql.arg(Arg::Uuid(agent.0));
        let list = sql.list(ids.iter().map(|i| Arg::Uuid(*i)));
        sql.push(&format!(
            "SELECT id FROM clients WHERE company_id = {c} AND agent_id = {a} AND id IN ({list})"
        ));
        on_pool!(self, |p| {
            bind_args!(sqlx::query_scalar::<_, Uuid>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)
        })
    }

    async fn clients_by_phone(
        &self,
        company: CompanyId,
        agent: UserId,
        phones: &[String],
    ) -> Result<Vec<(String, Uuid)>, RepoError> {
        if phones.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let a = sql.arg(Arg::Uuid(agent.0));
        let list = sql.list(phones.iter().map(|x| Arg::Text(x.clone())));
        sql.push(&format!(
            "SELECT phone, id FROM clients WHERE company_id = {c} AND agent_id = {a} AND phone IN ({list}) ORDER BY id"
        ));
        on_pool!(self, |p| {
            bind_args!(sqlx::query_as::<_, (String, Uuid)>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)
        })
    }

    async fn phone_belongs_to_staff_or_outlet(&self, company: CompanyId, phone: &str) -> Result<bool, RepoError> {
        on_pool!(self, |p| {
            sqlx::query_scalar::<_, i64>(
                "SELECT (SELECT COUNT(*) FROM users WHERE company_id = $1 AND phone = $2) + \
                        (SELECT COUNT(*) FROM outlets WHERE company_id = $1 AND phone = $2)",
            )
            .bind(company.0)
            .bind(phone)
            .fetch_one(p)
            .await
            .map(|n| n > 0)
            .map_err(repo_err)
        })
    }
}

#[derive(sqlx::FromRow)]
struct OutletRow {
    company_id: Uuid,
    id: Uuid,
    branch_id: Uuid,
    name: String,
    address: Option<String>,
    phone: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

const OUTLET_COLS: &str = "company_id, id, branch_id, name, address, phone, created_at, updated_at";

fn outlet(r: OutletRow, assignments: &[(Uuid, Uuid)]) -> Outlet {
    Outlet {
        company_id: CompanyId(r.company_id),
        id: r.id,
        branch_id: BranchId(r.branch_id),
        name: r.name,
        address: r.address,
        phone: r.phone,
        agent_ids: assignments
            .iter()
            .filter(|(o, _)| *o == r.id)
            .map(|(_, a)| UserId(*a))
            .collect(),
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

impl OutletRepo for Db {
    async fn insert_outlet(&self, ctx: &AuditContext, o: &Outlet) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            sqlx::query(&format!(
                "INSERT INTO outlets ({OUTLET_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            ))
            .bind(o.company_id.0)
            .bind(o.id)
            .bind(o.branch_id.0)
            .bind(&o.name)
            .bind(&o.address)
            .bind(&o.phone)
            .bind(o.created_at)
            .bind(o.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            for a in &o.agent_ids {
                sqlx::query("INSERT INTO outlet_agents (company_id, outlet_id, agent_id) VALUES ($1, $2, $3)")
                    .bind(o.company_id.0)
                    .bind(o.id)
                    .bind(a.0)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?;
            }
            audit!(tx, ctx, "create", "outlet", o.id, None::<String>, audit_json(o))?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn update_outlet(&self, ctx: &AuditContext, before: &Outlet, o: &Outlet) -> Result<(), RepoError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await.map_err(repo_err)?;
            sqlx::query(
                "UPDATE outlets SET branch_id = $3, name = $4, address = $5, phone = $6, updated_at = $7 \
                 WHERE company_id = $1 AND id = $2",
            )
            .bind(o.company_id.0)
            .bind(o.id)
            .bind(o.branch_id.0)
            .bind(&o.name)
            .bind(&o.address)
            .bind(&o.phone)
            .bind(o.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(repo_err)?;
            if before.agent_ids != o.agent_ids {
                sqlx::query("DELETE FROM outlet_agents WHERE company_id = $1 AND outlet_id = $2")
                    .bind(o.company_id.0)
                    .bind(o.id)
                    .execute(&mut *tx)
                    .await
                    .map_err(repo_err)?;
                for a in &o.agent_ids {
                    sqlx::query("INSERT INTO outlet_agents (company_id, outlet_id, agent_id) VALUES ($1, $2, $3)")
                        .bind(o.company_id.0)
                        .bind(o.id)
                        .bind(a.0)
                        .execute(&mut *tx)
                        .await
                        .map_err(repo_err)?;
                }
            }
            audit!(tx, ctx, "update", "outlet", o.id, audit_json(before), audit_json(o))?;
            tx.commit().await.map_err(repo_err)
        })
    }

    async fn get_outlet(&self, company: CompanyId, id: Uuid) -> Result<Option<Outlet>, RepoError> {
        on_pool!(self, |p| {
            let row = sqlx::query_as::<_, OutletRow>(&format!(
                "SELECT {OUTLET_COLS} FROM outlets WHERE company_id = $1 AND id = $2"
            ))
            .bind(company.0)
            .bind(id)
            .fetch_optional(p)
            .await
            .map_err(repo_err)?;
            let Some(row) = row else { return Ok(None) };
            let assignments: Vec<(Uuid, Uuid)> = sqlx::query_as(
                "SELECT outlet_id, agent_id FROM outlet_agents WHERE company_id = $1 AND outlet_id = $2 ORDER BY agent_id",
            )
            .bind(company.0)
            .bind(id)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(Some(outlet(row, &assignments)))
        })
    }

    async fn list_outlets(&self, company: CompanyId, page: PageRequest) -> Result<Vec<Outlet>, RepoError> {
        on_pool!(self, |p| {
            let rows = sqlx::query_as::<_, OutletRow>(&format!(
                "SELECT {OUTLET_COLS} FROM outlets WHERE company_id = $1 AND id > $2 ORDER BY id LIMIT $3"
            ))
            .bind(company.0)
            .bind(page.after.unwrap_or(Uuid::nil()))
            .bind(i64::from(page.limit))
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            let (Some(first), Some(last)) = (rows.first(), rows.last()) else {
                return Ok(vec![]);
            };
            let assignments: Vec<(Uuid, Uuid)> = sqlx::query_as(
                "SELECT outlet_id, agent_id FROM outlet_agents WHERE company_id = $1 AND outlet_id >= $2 AND outlet_id <= $3 \
                 ORDER BY agent_id",
            )
            .bind(company.0)
            .bind(first.id)
            .bind(last.id)
            .fetch_all(p)
            .await
            .map_err(repo_err)?;
            Ok(rows.into_iter().map(|r| outlet(r, &assignments)).collect())
        })
    }

    async fn outlets_of_agent(&self, company: CompanyId, agent: UserId, ids: &[Uuid]) -> Result<Vec<Uuid>, RepoError> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut sql = Sql::new("");
        let c = sql.arg(Arg::Uuid(company.0));
        let a = sql.arg(Arg::Uuid(agent.0));
        let list = sql.list(ids.iter().map(|i| Arg::Uuid(*i)));
        sql.push(&format!(
            "SELECT outlet_id FROM outlet_agents WHERE company_id = {c} AND agent_id = {a} AND outlet_id IN ({list})"
        ));
        on_pool!(self, |p| {
            bind_args!(sqlx::query_scalar::<_, Uuid>(&sql.text), &sql.args)
                .fetch_all(p)
                .await
                .map_err(repo_err)
        })
    }
}
