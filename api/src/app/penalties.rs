//! The penalty ledger as people read it (PEN-1: every entry explains itself), and waivers
//! (PEN-3).

use crate::app::context;
use crate::app::error::{AppError, AppResult};
use crate::app::policy_versions::scope_today;
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Actor, Function, Owner};
use domain::errors::ErrorCode;
use domain::ids::UserId;
use domain::penalty::{waive, PenaltyEntry, WaiveRefusal};
use domain::ports::{AuditContext, LedgerRepo, OrganisationRepo, PageRequest};
use infra::Db;
use uuid::Uuid;

/// Filters of the ledger listing.
#[derive(Debug, Clone, Copy, Default)]
pub struct PenaltyFilter {
    pub person: Option<UserId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// An entry with every entry about the same penalty (itself, corrections, waivers).
#[derive(Debug, Clone)]
pub struct PenaltyDetail {
    pub entry: PenaltyEntry,
    pub related: Vec<PenaltyEntry>,
    pub net_amount_fen: i64,
    pub net_leads: i64,
}

/// A page of the ledger within the caller's reach.
pub async fn list_penalties(
    db: &Db,
    actor: &Actor,
    filter: PenaltyFilter,
    page: PageRequest,
) -> AppResult<Vec<PenaltyEntry>> {
    let reach = actor.require(Function::ReadLedgers)?;
    Ok(db
        .list_entries(
            actor.company_id,
            &reach.person_scope(),
            filter.person,
            filter.from,
            filter.to,
            page,
        )
        .await?)
}

/// The entry `id` if the caller may perform `function` and the entry is within reach.
async fn load_entry(db: &Db, actor: &Actor, function: Function, id: Uuid) -> AppResult<PenaltyEntry> {
    let reach = actor.require(function)?;
    let e = db
        .get_entry(actor.company_id, id)
        .await?
        .ok_or(AppError::NotFound("penalty"))?;
    let person = db.get_user(e.company_id, e.person_id).await?;
    let owner = Owner {
        company_id: e.company_id,
        user_id: Some(e.person_id),
        team_id: person.and_then(|p| p.team_id),
    };
    if !actor.can_see(&reach, owner) {
        return Err(AppError::NotFound("penalty"));
    }
    Ok(e)
}

async fn detail(db: &Db, entry: PenaltyEntry) -> AppResult<PenaltyDetail> {
    let related = db.entries_for_base(entry.company_id, &entry.base_key).await?;
    Ok(PenaltyDetail {
        net_amount_fen: related.iter().map(|r| r.amount_fen).sum(),
        net_leads: related.iter().map(|r| r.leads).sum(),
        related,
        entry,
    })
}

/// One entry with its explanation and every related entry.
pub async fn get_penalty(db: &Db, actor: &Actor, id: Uuid) -> AppResult<PenaltyDetail> {
    let e = load_entry(db, actor, Function::ReadLedgers, id).await?;
    detail(db, e).await
}

/// Waives an entry (PEN-3): a new entry cancelling it, posted on today's business day in the
/// entry's branch (TIME-1); the original stays.
pub async fn waive_penalty(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> AppResult<PenaltyDetail> {
    let e = load_entry(db, actor, Function::WaivePenalties, id).await?;
    let branch = match e.branch_id {
        Some(b) => context::load(db, e.company_id, b).await?,
        None => None,
    };
    let today = match branch {
        Some(ctx) => ctx.business_day(now),
        None => scope_today(db, e.company_id, None, now).await?,
    };
    let waiver = waive(&e, actor.role, actor.user_id, reason, today, now).map_err(|r| match r {
        WaiveRefusal::NotAuthorised => AppError::Forbidden("your role does not include this function".into()),
        WaiveRefusal::NotWaivable => AppError::rejected(ErrorCode::NotWaivable, "a waiver cannot itself be waived"),
        WaiveRefusal::ReasonRequired => AppError::field("/reason", "must not be blank"),
    })?;
    if !db.insert_waiver(audit, &waiver).await? {
        return Err(AppError::rejected(
            ErrorCode::AlreadyWaived,
            "this entry has already been waived",
        ));
    }
    detail(db, waiver).await
}
