//! Client cards (客户资料卡) and the bank outlets agents serve: creating, reading, editing,
//! reassigning. Every write commits with its audit record (AUD-1).

use crate::app::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use domain::access::{Actor, Owner, Reach};
use domain::client::{outlet_agents, unique_ids, Client, ClientDraft, ClientPatch, Outlet, OutletDraft, OutletPatch};
use domain::ids::{BranchId, CompanyId, UserId};
use domain::org::Role;
use domain::ports::{AuditContext, ClientRepo, OrganisationRepo, OutletRepo, PageRequest, RepoError};
use domain::ValidationErrors;
use infra::Db;
use uuid::Uuid;

/// A new client card: the agent to assign (agents omit it) and its fields.
pub struct NewClient {
    pub agent_id: Option<Uuid>,
    pub fields: ClientDraft,
}

/// The card's phone flag (the COM-5 signal as the card has always stored it: the number is a
/// user's or an outlet's). Decided where the card is written; the callback rules own COM-5.
async fn phone_flag(db: &Db, company: CompanyId, phone: Option<&str>) -> AppResult<bool> {
    match phone {
        Some(p) => Ok(db.phone_belongs_to_staff_or_outlet(company, p).await?),
        None => Ok(false),
    }
}

fn external_id_taken(e: RepoError) -> AppError {
    match e {
        RepoError::Conflict(_) => AppError::field("/external_id", "is already used by another client"),
        other => other.into(),
    }
}

/// An active agent within the caller's reach, for assigning clients (supervisors: their teams).
async fn assignable_agent(db: &Db, actor: &Actor, reach: &Reach, id: Uuid, pointer: &str) -> AppResult<UserId> {
    match db.get_user(actor.company_id, UserId(id)).await? {
        Some(u)
            if u.role == Role::Agent
                && u.active
                && actor.can_see(
                    reach,
                    Owner {
                        company_id: u.company_id,
                        user_id: Some(u.id),
                        team_id: u.team_id,
                    },
                ) =>
        {
            Ok(u.id)
        }
        _ => Err(AppError::field(pointer, "no such active agent within your reach")),
    }
}

/// A client within `reach` (404 otherwise, exactly like a missing one).
async fn visible_client(db: &Db, actor: &Actor, reach: &Reach, id: Uuid) -> AppResult<Client> {
    let client = db
        .get_client(actor.company_id, id)
        .await?
        .ok_or(AppError::NotFound("client"))?;
    // Only a supervisor's reach depends on the owner's team.
    let team = match reach {
        Reach::Teams { .. } => db
            .get_user(client.company_id, client.agent_id)
            .await?
            .and_then(|u| u.team_id),
        _ => None,
    };
    let owner = Owner {
        company_id: client.company_id,
        user_id: Some(client.agent_id),
        team_id: team,
    };
    if !actor.can_see(reach, owner) {
        return Err(AppError::NotFound("client"));
    }
    Ok(client)
}

/// Creates a card: agents for themselves, supervisors and admins for an agent within reach.
pub async fn create_client(
    db: &Db,
    actor: &Actor,
    reach: &Reach,
    audit: &AuditContext,
    input: NewClient,
    now: DateTime<Utc>,
) -> AppResult<Client> {
    let agent_id = match (actor.role, input.agent_id) {
        (Role::Agent, None) => actor.user_id,
        (Role::Agent, Some(a)) if a == actor.user_id.0 => actor.user_id,
        (Role::Agent, Some(_)) => {
            return Err(AppError::field(
                "/agent_id",
                "agents create clients for themselves only",
            ))
        }
        (_, None) => return Err(AppError::field("/agent_id", "name the agent the client is assigned to")),
        (_, Some(a)) => assignable_agent(db, actor, reach, a, "/agent_id").await?,
    };
    let f = input.fields.parse()?;
    let phone_conflict = phone_flag(db, actor.company_id, f.phone.as_deref()).await?;
    let client = Client {
        company_id: actor.company_id,
        id: Uuid::now_v7(),
        agent_id,
        name: f.name,
        phone: f.phone,
        address: f.address,
        household_notes: f.household_notes,
        tags: f.tags,
        external_id: f.external_id,
        phone_conflict,
        created_at: now,
        updated_at: now,
    };
    db.insert_client(audit, &client).await.map_err(external_id_taken)?;
    Ok(client)
}

pub async fn list_clients(db: &Db, actor: &Actor, reach: &Reach, page: PageRequest) -> AppResult<Vec<Client>> {
    Ok(db.list_clients(actor.company_id, &reach.person_scope(), page).await?)
}

pub async fn get_client(db: &Db, actor: &Actor, reach: &Reach, id: Uuid) -> AppResult<Client> {
    visible_client(db, actor, reach, id).await
}

/// Edits a card (its owner, their supervisor, or an admin); reassignment is separate.
pub async fn update_client(
    db: &Db,
    actor: &Actor,
    reach: &Reach,
    audit: &AuditContext,
    id: Uuid,
    patch: ClientPatch,
    now: DateTime<Utc>,
) -> AppResult<Client> {
    let before = visible_client(db, actor, reach, id).await?;
    let phone_changed = patch.phone.is_some();
    let mut after = patch.apply(&before)?;
    if phone_changed {
        after.phone_conflict = phone_flag(db, before.company_id, after.phone.as_deref()).await?;
    }
    after.updated_at = now;
    db.update_client(audit, "update", &before, &after)
        .await
        .map_err(external_id_taken)?;
    Ok(after)
}

/// Moves a card to another agent within the caller's reach (audited); to the same agent it is
/// a no-op.
pub async fn reassign_client(
    db: &Db,
    actor: &Actor,
    reach: &Reach,
    audit: &AuditContext,
    id: Uuid,
    agent: Uuid,
    now: DateTime<Utc>,
) -> AppResult<Client> {
    let before = visible_client(db, actor, reach, id).await?;
    let agent_id = assignable_agent(db, actor, reach, agent, "/agent_id").await?;
    if agent_id == before.agent_id {
        return Ok(before);
    }
    let after = Client {
        agent_id,
        updated_at: now,
        ..before.clone()
    };
    db.update_client(audit, "reassign", &before, &after).await?;
    Ok(after)
}

/// A new outlet: its branch, its own fields and the agents assigned to it.
pub struct NewOutlet {
    pub branch_id: BranchId,
    pub fields: OutletDraft,
    pub agent_ids: Vec<Uuid>,
}

/// The active agents of the company among `ids` (one query).
async fn active_agents(db: &Db, company: CompanyId, ids: &[Uuid]) -> AppResult<Vec<UserId>> {
    Ok(db
        .users_with_role(company, Role::Agent, &unique_ids(ids))
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

async fn check_branch(db: &Db, company: CompanyId, branch: BranchId, errors: &mut ValidationErrors) -> AppResult<()> {
    if db.get_branch(company, branch).await?.is_none() {
        errors.push("/branch_id", "no such branch");
    }
    Ok(())
}

pub async fn create_outlet(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    input: NewOutlet,
    now: DateTime<Utc>,
) -> AppResult<Outlet> {
    let company = actor.company_id;
    let mut errors = ValidationErrors::default();
    let f = input.fields.check(&mut errors);
    check_branch(db, company, input.branch_id, &mut errors).await?;
    let found = active_agents(db, company, &input.agent_ids).await?;
    let agent_ids = outlet_agents(&mut errors, &input.agent_ids, &found);
    errors.into_result(())?;
    let outlet = Outlet {
        company_id: company,
        id: Uuid::now_v7(),
        branch_id: input.branch_id,
        name: f.name,
        address: f.address,
        phone: f.phone,
        agent_ids,
        created_at: now,
        updated_at: now,
    };
    db.insert_outlet(audit, &outlet).await?;
    Ok(outlet)
}

pub async fn list_outlets(db: &Db, actor: &Actor, page: PageRequest) -> AppResult<Vec<Outlet>> {
    Ok(db.list_outlets(actor.company_id, page).await?)
}

pub async fn get_outlet(db: &Db, actor: &Actor, id: Uuid) -> AppResult<Outlet> {
    db.get_outlet(actor.company_id, id)
        .await?
        .ok_or(AppError::NotFound("outlet"))
}

/// Changes an outlet or replaces the agents assigned to it.
pub async fn update_outlet(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    patch: OutletPatch,
    now: DateTime<Utc>,
) -> AppResult<Outlet> {
    let company = actor.company_id;
    let before = get_outlet(db, actor, id).await?;
    let mut errors = ValidationErrors::default();
    let mut after = patch.apply_fields(&before, &mut errors);
    if let Some(b) = patch.branch_id {
        check_branch(db, company, b, &mut errors).await?;
    }
    if let Some(ids) = &patch.agent_ids {
        let found = active_agents(db, company, ids).await?;
        after.agent_ids = outlet_agents(&mut errors, ids, &found);
    }
    errors.into_result(())?;
    after.updated_at = now;
    db.update_outlet(audit, &before, &after).await?;
    Ok(after)
}
