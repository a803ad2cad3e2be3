//! Client leads: the quarterly allocation (LEAD-1, LEAD-2), by hand or by the background runner
//! when a quarter starts, and an agent's balance and movements.

use crate::app::context;
use crate::app::error::{AppError, AppResult};
use crate::app::policy_versions::{policy_for, scope_today};
use crate::app::reach::visible_agent;
use chrono::{DateTime, Utc};
use domain::access::{Actor, Function};
use domain::errors::ErrorCode;
use domain::ids::{CompanyId, UserId};
use domain::leads::{allocation_entry, quarterly_allocation, AllocationFacts, LeadAllocation};
use domain::penalty::PenaltyEntry;
use domain::period::Quarter;
use domain::ports::{AuditContext, LeadRepo, LedgerRepo, RepoError};
use infra::Db;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
pub struct AllocationReport {
    pub quarter: Quarter,
    pub agents: usize,
    pub allocated_now: u64,
    pub suspended: usize,
}

/// The quarter's allocation for every active agent of the company, from the previous quarter's
/// deductions (by posting period) and carried deficit. Idempotent per agent and quarter.
pub async fn allocate_leads(
    db: &Db,
    company: CompanyId,
    quarter: Quarter,
    now: DateTime<Utc>,
) -> Result<AllocationReport, RepoError> {
    let base = i64::from(
        policy_for(db, company, None, quarter.first_day())
            .await?
            .document
            .leads
            .quarterly_allocation,
    );
    let prev = quarter.previous();
    let (deductions, falsified, deficits) = match prev {
        Some(p) => {
            let (from, to) = p.bounds();
            let deductions: HashMap<UserId, i64> = db.lead_deductions(company, from, to).await?.into_iter().collect();
            let falsified: HashSet<UserId> = db.falsified_agents(company, from, to).await?.into_iter().collect();
            let deficits: HashMap<UserId, i64> = db
                .allocations(company, p)
                .await?
                .into_iter()
                .map(|a| (a.agent_id, a.deficit_after))
                .collect();
            (deductions, falsified, deficits)
        }
        None => Default::default(),
    };
    let rows: Vec<LeadAllocation> = db
        .company_agents(company)
        .await?
        .into_iter()
        .map(|a| {
            let facts = AllocationFacts {
                base,
                deductions: deductions.get(&a).copied().unwrap_or(0),
                deficit_before: deficits.get(&a).copied().unwrap_or(0),
                falsified: falsified.contains(&a),
            };
            allocation_entry(company, a, quarter, facts, now)
        })
        .collect();
    let allocated_now = db.insert_allocations(&rows).await?;
    Ok(AllocationReport {
        quarter,
        agents: rows.len(),
        allocated_now,
        suspended: rows.iter().filter(|r| r.suspended).count(),
    })
}

/// The admin's allocation: refused before the quarter has started (in the company's zones,
/// TIME-1).
pub async fn allocate_quarter(
    db: &Db,
    actor: &Actor,
    quarter: Quarter,
    audit: &AuditContext,
) -> AppResult<AllocationReport> {
    let now = audit.at;
    let started = std::time::Instant::now();
    let r = async {
        actor.require(Function::ManagePolicies)?;
        let today = scope_today(db, actor.company_id, None, now).await?;
        if today < quarter.first_day() {
            return Err(AppError::rejected(
                ErrorCode::QuarterNotStarted,
                format!("{quarter} starts on {}", quarter.first_day()),
            ));
        }
        Ok(allocate_leads(db, actor.company_id, quarter, now).await?)
    }
    .await;
    if let Ok(x) = &r {
        let report = serde_json::json!({"quarter": quarter.to_string(), "agents": x.agents,
            "allocated_now": x.allocated_now, "suspended": x.suspended});
        crate::app::audit::job_run(db, audit, "allocate_leads", "company", actor.company_id.0, &report).await;
    }
    crate::metrics::job_done("allocate_leads", started, &r, |x| {
        vec![("allocations", x.allocated_now)]
    });
    r
}

/// LEAD-1 in the background: once a quarter has started (TIME-1) and nothing of it is allocated
/// yet, allocate it. Allocations are written in one transaction, so "any row" means "done".
pub async fn allocate_started_quarter(
    db: &Db,
    company: CompanyId,
    now: DateTime<Utc>,
) -> Result<Option<AllocationReport>, RepoError> {
    let quarter = Quarter::of(scope_today(db, company, None, now).await?);
    if !db.allocations(company, quarter).await?.is_empty() {
        return Ok(None);
    }
    allocate_leads(db, company, quarter, now).await.map(Some)
}

/// An agent's lead balance in the current quarter.
#[derive(Debug, Clone)]
pub struct AgentLeads {
    pub agent: UserId,
    pub quarter: Quarter,
    pub allocated: Option<i64>,
    pub accrued_deductions: i64,
    pub deficit_carried: i64,
    pub next_allocation_suspended: bool,
    pub projected_next_allocation: i64,
    pub allocations: Vec<LeadAllocation>,
    pub movements: Vec<PenaltyEntry>,
}

/// An agent's allocations, this quarter's deductions and what the next allocation would be.
pub async fn agent_leads(db: &Db, actor: &Actor, agent: UserId, now: DateTime<Utc>) -> AppResult<AgentLeads> {
    let reach = actor.require(Function::ReadLedgers)?;
    let agent = visible_agent(db, actor, &reach, agent).await?;
    let company = agent.company_id;
    let today = match context::of_user(db, &agent).await? {
        Some(ctx) => ctx.business_day(now),
        None => scope_today(db, company, None, now).await?,
    };
    let quarter = Quarter::of(today);
    let (from, to) = quarter.bounds();
    let allocations = db.agent_allocations(company, agent.id).await?;
    let current = allocations.iter().find(|a| a.quarter == quarter);
    let accrued: i64 = db
        .lead_deductions(company, from, to)
        .await?
        .into_iter()
        .filter(|(u, _)| *u == agent.id)
        .map(|(_, l)| l)
        .sum();
    let suspended = db.falsified_agents(company, from, to).await?.contains(&agent.id);
    let deficit = current.map(|a| a.deficit_after).unwrap_or(0);
    let base = i64::from(
        policy_for(db, company, None, to)
            .await?
            .document
            .leads
            .quarterly_allocation,
    );
    let projected = quarterly_allocation(AllocationFacts {
        base,
        deductions: accrued,
        deficit_before: deficit,
        falsified: suspended,
    });
    Ok(AgentLeads {
        agent: agent.id,
        quarter,
        allocated: current.map(|a| a.granted),
        accrued_deductions: accrued,
        deficit_carried: deficit,
        next_allocation_suspended: suspended,
        projected_next_allocation: projected.granted,
        movements: db.lead_movements_of(company, agent.id, from, to).await?,
        allocations,
    })
}
