//! Running a month's settlement by hand and reading the statements it wrote (COM-8).

use crate::app::context;
use crate::app::error::{AppError, AppResult};
use crate::app::settlement::{settle, Settled};
use domain::access::{Actor, Function, Owner};
use domain::commission::{cutoff_of, Statement};
use domain::errors::ErrorCode;
use domain::ids::{BranchId, UserId};
use domain::period::Month;
use domain::ports::{AuditContext, OrganisationRepo, SettlementRepo};
use infra::Db;
use uuid::Uuid;

/// Settle a branch's month once its cut-off (local midnight starting the cut-off day of the
/// policy version then in force) has passed.
pub async fn settle_month(
    db: &Db,
    actor: &Actor,
    branch: BranchId,
    month: Month,
    audit: &AuditContext,
) -> AppResult<Settled> {
    let now = audit.at;
    let started = std::time::Instant::now();
    let r = async {
        actor.require(Function::ManagePolicies)?;
        let ctx = context::load(db, actor.company_id, branch)
            .await?
            .ok_or_else(|| AppError::field("/branch_id", "no such branch"))?;
        let cut = ctx.start_of(cutoff_of(&ctx, month));
        if now < cut {
            return Err(AppError::rejected(
                ErrorCode::CutoffNotPassed,
                format!("the settlement cut-off is {}", cut.to_rfc3339()),
            ));
        }
        Ok(settle(db, &ctx, month, now).await?)
    }
    .await;
    if let Ok(x) = &r {
        let report = serde_json::json!({"month": month.to_string(), "settled_now": x.settled_now,
            "policies": x.policies, "entries_posted": x.entries_posted, "statements": x.statements});
        crate::app::audit::job_run(db, audit, "settle", "branch", branch.0, &report).await;
    }
    crate::metrics::job_done("settle", started, &r, |x| {
        vec![("entries", x.entries_posted), ("statements", x.statements)]
    });
    r
}

/// A person's statements (all months, or one), if the person is within the caller's reach.
pub async fn statements_of(db: &Db, actor: &Actor, person: Uuid, month: Option<Month>) -> AppResult<Vec<Statement>> {
    let reach = actor.require(Function::ReadLedgers)?;
    let person = db
        .get_user(actor.company_id, UserId(person))
        .await?
        .filter(|u| {
            actor.can_see(
                &reach,
                Owner {
                    company_id: u.company_id,
                    user_id: Some(u.id),
                    team_id: u.team_id,
                },
            )
        })
        .ok_or(AppError::NotFound("person"))?;
    Ok(db.statements_of(person.company_id, person.id, month).await?)
}

/// One statement, if its person is within the caller's reach.
pub async fn get_statement(db: &Db, actor: &Actor, id: Uuid) -> AppResult<Statement> {
    let reach = actor.require(Function::ReadLedgers)?;
    let s = db
        .get_statement(actor.company_id, id)
        .await?
        .ok_or(AppError::NotFound("statement"))?;
    let person = db.get_user(s.company_id, s.person_id).await?;
    let owner = Owner {
        company_id: s.company_id,
        user_id: Some(s.person_id),
        team_id: person.and_then(|p| p.team_id),
    };
    if !actor.can_see(&reach, owner) {
        return Err(AppError::NotFound("statement"));
    }
    Ok(s)
}
