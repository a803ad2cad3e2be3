//! Organisation use cases: branches, teams, users (TIME-1..3 settings, placement, deactivation).

use crate::app::error::{AppError, AppResult};
use crate::auth::Hashing;
use domain::access::{Actor, Function, Owner};
use domain::errors::ErrorCode;
use domain::ids::{BranchId, CompanyId, TeamId, UserId};
use domain::org::{
    check_name, normalise_email, normalise_phone, Branch, BranchDraft, BranchSettings, Role, Team, User,
};
use domain::org_change::{placement, replacement, BranchPatch, NewUser, TeamPatch, UserPatch};
use domain::ports::{AuditContext, AuthRepo, OrganisationRepo, PageRequest, RepoError};
use domain::ValidationErrors;
use infra::Db;

// ---------------------------------------------------------------- branches

pub async fn create_branch(db: &Db, audit: &AuditContext, actor: &Actor, patch: BranchPatch) -> AppResult<Branch> {
    actor.require(Function::ManageOrganisation)?;
    let settings = BranchSettings::parse(patch.apply(BranchDraft::default()))?;
    let branch = Branch {
        company_id: actor.company_id,
        id: BranchId::new(),
        settings,
        created_at: audit.at,
        updated_at: audit.at,
    };
    db.insert_branch(audit, &branch).await?;
    Ok(branch)
}

async fn company_branch(db: &Db, company: CompanyId, id: BranchId) -> AppResult<Branch> {
    db.get_branch(company, id).await?.ok_or(AppError::NotFound("branch"))
}

pub async fn list_branches(db: &Db, actor: &Actor, page: PageRequest) -> AppResult<Vec<Branch>> {
    actor.require(Function::ReadBranches)?;
    Ok(db.list_branches(actor.company_id, page).await?)
}

pub async fn get_branch(db: &Db, actor: &Actor, id: BranchId) -> AppResult<Branch> {
    actor.require(Function::ReadBranches)?;
    company_branch(db, actor.company_id, id).await
}

pub async fn update_branch(
    db: &Db,
    audit: &AuditContext,
    actor: &Actor,
    id: BranchId,
    patch: BranchPatch,
) -> AppResult<Branch> {
    actor.require(Function::ManageOrganisation)?;
    let before = company_branch(db, actor.company_id, id).await?;
    let after = Branch {
        settings: BranchSettings::parse(patch.apply(before.settings.to_draft()))?,
        updated_at: audit.at,
        ..before.clone()
    };
    db.update_branch(audit, &before, &after).await?;
    Ok(after)
}

// ---------------------------------------------------------------- teams

/// The supervisor must be an active `supervisor` of this company (422 otherwise).
async fn check_supervisor(db: &Db, company: CompanyId, id: UserId, errors: &mut ValidationErrors) -> AppResult<()> {
    match db.get_user(company, id).await? {
        Some(u) if u.role == Role::Supervisor && u.active => {}
        Some(u) if u.role == Role::Supervisor => errors.push("/supervisor_id", "this supervisor is deactivated"),
        Some(_) => errors.push("/supervisor_id", "this user is not a supervisor"),
        None => errors.push("/supervisor_id", "no such user"),
    }
    Ok(())
}

async fn check_branch_exists(
    db: &Db,
    company: CompanyId,
    id: BranchId,
    errors: &mut ValidationErrors,
) -> AppResult<()> {
    if db.get_branch(company, id).await?.is_none() {
        errors.push("/branch_id", "no such branch");
    }
    Ok(())
}

pub async fn create_team(
    db: &Db,
    audit: &AuditContext,
    actor: &Actor,
    branch_id: BranchId,
    name: &str,
    supervisor_id: UserId,
) -> AppResult<Team> {
    actor.require(Function::ManageOrganisation)?;
    let company = actor.company_id;
    let mut errors = ValidationErrors::default();
    let name = check_name(&mut errors, "/name", name);
    check_branch_exists(db, company, branch_id, &mut errors).await?;
    check_supervisor(db, company, supervisor_id, &mut errors).await?;
    let team = errors.into_result(Team {
        company_id: company,
        id: TeamId::new(),
        branch_id,
        name,
        supervisor_id,
        created_at: audit.at,
        updated_at: audit.at,
    })?;
    db.insert_team(audit, &team).await?;
    Ok(team)
}

fn team_owner(t: &Team) -> Owner {
    Owner {
        company_id: t.company_id,
        user_id: None,
        team_id: Some(t.id),
    }
}

/// Admins and back-office staff see the company's teams, a supervisor those they lead, an
/// agent their own.
pub async fn list_teams(db: &Db, actor: &Actor, page: PageRequest) -> AppResult<Vec<Team>> {
    let reach = actor.require(Function::ReadTeams)?;
    Ok(db.list_teams(actor.company_id, &reach.team_scope(), page).await?)
}

pub async fn get_team(db: &Db, actor: &Actor, id: TeamId) -> AppResult<Team> {
    let reach = actor.require(Function::ReadTeams)?;
    db.get_team(actor.company_id, id)
        .await?
        .filter(|t| actor.can_see(&reach, team_owner(t)))
        .ok_or(AppError::NotFound("team"))
}

pub async fn update_team(
    db: &Db,
    audit: &AuditContext,
    actor: &Actor,
    id: TeamId,
    patch: TeamPatch,
) -> AppResult<Team> {
    actor.require(Function::ManageOrganisation)?;
    let company = actor.company_id;
    let before = db.get_team(company, id).await?.ok_or(AppError::NotFound("team"))?;
    let mut errors = ValidationErrors::default();
    let mut after = before.clone();
    if let Some(n) = &patch.name {
        after.name = check_name(&mut errors, "/name", n);
    }
    if let Some(b) = patch.branch_id {
        check_branch_exists(db, company, b, &mut errors).await?;
        after.branch_id = b;
    }
    if let Some(s) = patch.supervisor_id {
        check_supervisor(db, company, s, &mut errors).await?;
        after.supervisor_id = s;
    }
    after.updated_at = audit.at;
    let after = errors.into_result(after)?;
    db.update_team(audit, &before, &after).await?;
    Ok(after)
}

// ---------------------------------------------------------------- users

/// Checks that the named team and branch exist, then applies the placement rule.
async fn place_user(
    db: &Db,
    company: CompanyId,
    role: Role,
    branch_id: Option<BranchId>,
    team_id: Option<TeamId>,
    errors: &mut ValidationErrors,
) -> AppResult<(Option<BranchId>, Option<TeamId>)> {
    let team = match team_id {
        Some(t) => {
            let team = db.get_team(company, t).await?;
            if team.is_none() {
                errors.push("/team_id", "no such team");
            }
            team
        }
        None => None,
    };
    if let Some(b) = branch_id {
        check_branch_exists(db, company, b, errors).await?;
    }
    Ok(placement(role, branch_id, team_id, team.as_ref(), errors))
}

fn phone_field(errors: &mut ValidationErrors, phone: Option<&String>) -> Option<String> {
    let p = phone?;
    let n = normalise_phone(p);
    if n.is_none() {
        errors.push("/phone", "must be a phone number of 5 to 20 digits");
    }
    n
}

fn email_taken(e: RepoError) -> AppError {
    match e {
        RepoError::Conflict(_) => AppError::field("/email", "is already in use"),
        other => other.into(),
    }
}

async fn hash(password: String, hashing: &Hashing) -> AppResult<String> {
    Ok(hashing.hash(password).await?)
}

pub async fn create_user(
    db: &Db,
    audit: &AuditContext,
    actor: &Actor,
    new: NewUser,
    hashing: &Hashing,
) -> AppResult<User> {
    actor.require(Function::ManageOrganisation)?;
    let company = actor.company_id;
    let mut errors = ValidationErrors::default();
    let name = check_name(&mut errors, "/name", &new.name);
    let phone = phone_field(&mut errors, new.phone.as_ref());
    let (branch_id, team_id) = place_user(db, company, new.role, new.branch_id, new.team_id, &mut errors).await?;
    errors.into_result(())?;
    let user = User {
        company_id: company,
        id: UserId::new(),
        email: normalise_email(&new.email),
        name,
        phone,
        role: new.role,
        branch_id,
        team_id,
        active: true,
        password_hash: hash(new.password, hashing).await?,
        token_generation: 0,
        created_at: audit.at,
        updated_at: audit.at,
    };
    db.insert_user(Some(audit), &user).await.map_err(email_taken)?;
    Ok(user)
}

fn user_owner(u: &User) -> Owner {
    Owner {
        company_id: u.company_id,
        user_id: Some(u.id),
        team_id: u.team_id,
    }
}

/// Users within the caller's reach (company, led teams, or self).
pub async fn list_users(db: &Db, actor: &Actor, page: PageRequest) -> AppResult<Vec<User>> {
    let reach = actor.require(Function::ReadUsers)?;
    Ok(db.list_users(actor.company_id, &reach.person_scope(), page).await?)
}

pub async fn get_user(db: &Db, actor: &Actor, id: UserId) -> AppResult<User> {
    let reach = actor.require(Function::ReadUsers)?;
    db.get_user(actor.company_id, id)
        .await?
        .filter(|u| actor.can_see(&reach, user_owner(u)))
        .ok_or(AppError::NotFound("user"))
}

async fn company_user(db: &Db, company: CompanyId, id: UserId) -> AppResult<User> {
    db.get_user(company, id).await?.ok_or(AppError::NotFound("user"))
}

pub async fn update_user(
    db: &Db,
    audit: &AuditContext,
    actor: &Actor,
    id: UserId,
    patch: UserPatch,
    hashing: &Hashing,
) -> AppResult<User> {
    actor.require(Function::ManageOrganisation)?;
    let company = actor.company_id;
    let before = company_user(db, company, id).await?;
    let mut errors = ValidationErrors::default();
    let mut after = before.clone();
    if let Some(n) = &patch.name {
        after.name = check_name(&mut errors, "/name", n);
    }
    if let Some(e) = &patch.email {
        after.email = normalise_email(e);
    }
    if patch.phone.is_some() {
        after.phone = phone_field(&mut errors, patch.phone.as_ref());
    }
    if let Some(r) = patch.role {
        after.role = r;
    }
    if before.role == Role::Supervisor
        && after.role != Role::Supervisor
        && !db.teams_led_by(company, before.id).await?.is_empty()
    {
        errors.push(
            "/role",
            "this supervisor leads teams; give them another supervisor first",
        );
    }
    if patch.role.is_some() || patch.branch_id.is_some() || patch.team_id.is_some() {
        let (branch, team) = replacement(
            after.role,
            (before.branch_id, before.team_id),
            patch.branch_id,
            patch.team_id,
        );
        (after.branch_id, after.team_id) = place_user(db, company, after.role, branch, team, &mut errors).await?;
    }
    errors.into_result(())?;
    if let Some(p) = patch.password.clone() {
        after.password_hash = hash(p, hashing).await?;
        // Stored with the new hash in one transaction: access tokens issued before end.
        after.token_generation = before.token_generation + 1;
    }
    after.updated_at = audit.at;
    db.update_user(audit, &before, &after).await.map_err(email_taken)?;
    if patch.password.is_some() {
        // A new password ends every session that used the old one.
        db.revoke_user_tokens(company, after.id, after.updated_at).await?;
    }
    Ok(after)
}

/// Deactivated users can no longer sign in and their sessions end. Users are never deleted,
/// so their records and history stay attributable; nothing they were charged is reversed.
pub async fn deactivate_user(db: &Db, audit: &AuditContext, actor: &Actor, id: UserId) -> AppResult<User> {
    actor.require(Function::ManageOrganisation)?;
    let company = actor.company_id;
    let before = company_user(db, company, id).await?;
    if before.id == actor.user_id {
        return Err(AppError::rejected(
            ErrorCode::CannotDeactivateSelf,
            "you cannot deactivate your own account",
        ));
    }
    if !before.active {
        return Ok(before);
    }
    if !db.teams_led_by(company, before.id).await?.is_empty() {
        return Err(AppError::rejected(
            ErrorCode::SupervisorLeadsTeams,
            "this supervisor leads teams; give them another supervisor first",
        ));
    }
    let after = User {
        active: false,
        // Ends their access tokens in the same write (the reload check would, too, but this
        // keeps a later reactivation from reviving them).
        token_generation: before.token_generation + 1,
        updated_at: audit.at,
        ..before.clone()
    };
    db.update_user(audit, &before, &after).await?;
    db.revoke_user_tokens(company, after.id, after.updated_at).await?;
    Ok(after)
}
