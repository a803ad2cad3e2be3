//! Insurance policy records and where they stand: create (COM-1), read, list, and record the
//! receipt's return (COM-7). Every view is computed in the policy's branch context: its
//! agent's branch zone and the policy versions in force (TIME-1, POL-1).

use crate::app::context;
use crate::app::error::{AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use domain::access::{Actor, Function, Owner};
use domain::commission::{
    record_insurance_policy, standing, ClientAssignment, InsurancePolicy, InsurancePolicyDraft, InsurancePolicyEvent,
    InsurancePolicyView, PolicyParties,
};
use domain::context::BranchContext;
use domain::errors::ErrorCode;
use domain::ids::{BranchId, CompanyId, UserId};
use domain::org::{Role, User};
use domain::ports::{
    AuditContext, ClientRepo, InsurancePolicyRepo, ListScope, OrganisationRepo, PageRequest, RepoError, SettlementRepo,
};
use infra::Db;
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// A policy the caller may act on, with its history and its branch context.
pub(crate) struct Loaded {
    pub policy: InsurancePolicy,
    pub events: Vec<InsurancePolicyEvent>,
    pub ctx: BranchContext,
}

/// A policy's view: its standing (deductions as posted where they are) and its history.
pub(crate) async fn view(
    db: &Db,
    policy: InsurancePolicy,
    history: Vec<InsurancePolicyEvent>,
    ctx: &BranchContext,
    now: DateTime<Utc>,
) -> AppResult<InsurancePolicyView> {
    let posted = db.deductions_posted(policy.company_id, &[policy.id]).await?;
    Ok(InsurancePolicyView {
        standing: standing(&policy, &history, &posted, ctx, now),
        policy,
        history,
    })
}

fn no_branch() -> AppError {
    AppError::rejected(ErrorCode::NoBranch, "the policy's agent belongs to no branch")
}

/// The branch context of a policy's agent (agents always belong to a team, hence a branch).
async fn agent_context(db: &Db, agent: Option<&User>) -> AppResult<BranchContext> {
    match agent {
        Some(a) => context::of_user(db, a).await?.ok_or_else(no_branch),
        None => Err(no_branch()),
    }
}

/// Loads a policy within the caller's reach for `function` (its agent, their supervisor, the
/// back office); anything else is "not found", exactly like a missing one.
pub(crate) async fn load_visible(db: &Db, actor: &Actor, function: Function, id: Uuid) -> AppResult<Loaded> {
    let reach = actor.require(function)?;
    let policy = db
        .get_insurance_policy(actor.company_id, id)
        .await?
        .ok_or(AppError::NotFound("policy"))?;
    let agent = db.get_user(policy.company_id, policy.agent_id).await?;
    let owner = Owner {
        company_id: policy.company_id,
        user_id: Some(policy.agent_id),
        team_id: agent.as_ref().and_then(|a| a.team_id),
    };
    if !actor.can_see(&reach, owner) {
        return Err(AppError::NotFound("policy"));
    }
    let events = db.insurance_policy_events(policy.company_id, policy.id).await?;
    let ctx = agent_context(db, agent.as_ref()).await?;
    Ok(Loaded { policy, events, ctx })
}

/// The view after a change, re-read so the history includes it.
pub(crate) async fn view_after(
    db: &Db,
    policy: InsurancePolicy,
    ctx: &BranchContext,
    now: DateTime<Utc>,
) -> AppResult<InsurancePolicyView> {
    let events = db.insurance_policy_events(policy.company_id, policy.id).await?;
    view(db, policy, events, ctx, now).await
}

/// The branch contexts of many policies' agents: the agents in one query, then each of their
/// branches once.
pub(crate) struct AgentContexts {
    agent_branch: HashMap<UserId, BranchId>,
    branches: HashMap<BranchId, BranchContext>,
}

impl AgentContexts {
    pub async fn load(db: &Db, company: CompanyId, policies: &[InsurancePolicy]) -> AppResult<AgentContexts> {
        let all = PageRequest {
            after: None,
            limit: u32::MAX,
        };
        let wanted: HashSet<UserId> = policies.iter().map(|p| p.agent_id).collect();
        let agent_branch: HashMap<UserId, BranchId> = db
            .list_users(company, &ListScope::Company, all)
            .await?
            .into_iter()
            .filter(|u| wanted.contains(&u.id))
            .filter_map(|u| Some((u.id, u.branch_id?)))
            .collect();
        let needed: HashSet<BranchId> = agent_branch.values().copied().collect();
        let mut branches = HashMap::new();
        for b in db.list_branches(company, all).await? {
            if needed.contains(&b.id) {
                branches.insert(b.id, context::of_branch(db, b).await?);
            }
        }
        Ok(AgentContexts { agent_branch, branches })
    }

    pub fn of(&self, p: &InsurancePolicy) -> AppResult<&BranchContext> {
        self.agent_branch
            .get(&p.agent_id)
            .and_then(|b| self.branches.get(b))
            .ok_or_else(no_branch)
    }
}

/// Record a policy (COM-1) for an agent and one of their clients.
pub async fn create_insurance_policy(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    draft: InsurancePolicyDraft,
    now: DateTime<Utc>,
) -> AppResult<InsurancePolicyView> {
    actor.require(Function::ManageInsurancePolicies)?;
    let company = actor.company_id;
    let agent = db
        .get_user(company, draft.agent_id)
        .await?
        .filter(|u| u.role == Role::Agent);
    let client = match db.get_client(company, draft.client_id).await? {
        Some(c) if c.agent_id == draft.agent_id => ClientAssignment::Assigned,
        Some(_) => ClientAssignment::OtherAgent,
        None => ClientAssignment::Missing,
    };
    let parties = PolicyParties {
        agent_found: agent.is_some(),
        client,
    };
    let policy = record_insurance_policy(company, Uuid::now_v7(), draft, parties, now)?;
    // LIC-1: an unlicensed or lapsed agent cannot be the selling agent (checked once the
    // record itself is valid, so an unknown agent stays a field error).
    if let Some(a) = &agent {
        crate::app::licences::require_licensed(db, a, now).await?;
    }
    db.insert_insurance_policy(audit, &policy).await.map_err(|e| match e {
        RepoError::Conflict(_) => AppError::field("/number", "is already used by another policy"),
        other => other.into(),
    })?;
    let ctx = agent_context(db, agent.as_ref()).await?;
    view(db, policy, vec![], &ctx, now).await
}

/// A policy with its standing and history.
pub async fn get_insurance_policy(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<InsurancePolicyView> {
    let l = load_visible(db, actor, Function::ReadInsurancePolicies, id).await?;
    view(db, l.policy, l.events, &l.ctx, now).await
}

/// A page of the policies within the caller's reach, each with its standing and history.
pub async fn list_insurance_policies(
    db: &Db,
    actor: &Actor,
    page: PageRequest,
    now: DateTime<Utc>,
) -> AppResult<Vec<InsurancePolicyView>> {
    let reach = actor.require(Function::ReadInsurancePolicies)?;
    let company = actor.company_id;
    let rows = db.list_insurance_policies(company, &reach.person_scope(), page).await?;
    let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
    let mut events = db.events_of_insurance_policies(company, &ids).await?;
    let posted = db.deductions_posted(company, &ids).await?;
    let contexts = AgentContexts::load(db, company, &rows).await?;
    rows.into_iter()
        .map(|policy| {
            let history = events.remove(&policy.id).unwrap_or_default();
            let standing = standing(&policy, &history, &posted, contexts.of(&policy)?, now);
            Ok(InsurancePolicyView {
                policy,
                standing,
                history,
            })
        })
        .collect()
}

/// Record the date the policy receipt came back (COM-7): once, between printing and today
/// (the branch's business day).
pub async fn record_receipt(
    db: &Db,
    actor: &Actor,
    audit: &AuditContext,
    id: Uuid,
    returned_on: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<InsurancePolicyView> {
    let l = load_visible(db, actor, Function::ManageInsurancePolicies, id).await?;
    if l.policy.receipt_returned_on.is_some() {
        return Err(AppError::rejected(
            ErrorCode::ReceiptAlreadyRecorded,
            "the receipt's return is already recorded",
        ));
    }
    if returned_on < l.policy.printed_on || returned_on > l.ctx.business_day(now) {
        return Err(AppError::field(
            "/returned_on",
            "must be between the printed date and today",
        ));
    }
    db.set_receipt(audit, &l.policy, returned_on).await?;
    let policy = InsurancePolicy {
        receipt_returned_on: Some(returned_on),
        ..l.policy
    };
    view(db, policy, l.events, &l.ctx, now).await
}
