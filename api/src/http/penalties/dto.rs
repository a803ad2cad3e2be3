//! Wire types of the penalty and lead ledgers and of the close and allocation jobs.

use crate::app::close_day::CloseReport as DayReport;
use crate::app::close_month::MonthReport as DomainMonthReport;
use crate::app::leads::{AgentLeads, AllocationReport as DomainAllocationReport};
use crate::app::penalties::{PenaltyDetail as Detail, PenaltyFilter};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{BranchId, UserId};
use domain::leads::LeadAllocation;
use domain::penalty::PenaltyEntry;
use domain::period::{Month, Quarter};
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Deserialize, IntoParams)]
pub struct IdPath {
    /// The id.
    pub id: Uuid,
}

// ---------------------------------------------------------------- jobs

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CloseDay {
    pub branch_id: Uuid,
    pub date: NaiveDate,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CloseMonth {
    pub branch_id: Uuid,
    /// YYYY-MM.
    #[schema(example = "2026-11")]
    pub month: String,
}

impl CloseMonth {
    pub fn into_domain(&self) -> Result<(BranchId, Month), ValidationErrors> {
        let month = Month::parse(&self.month).ok_or_else(|| ValidationErrors::single("/month", Month::FORMAT_HINT))?;
        Ok((BranchId(self.branch_id), month))
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct AllocateLeads {
    /// e.g. "2026Q4".
    #[schema(example = "2026Q4")]
    pub quarter: String,
}

impl AllocateLeads {
    pub fn into_domain(&self) -> Result<Quarter, ValidationErrors> {
        Quarter::parse(&self.quarter).ok_or_else(|| ValidationErrors::single("/quarter", Quarter::FORMAT_HINT))
    }
}

#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct CloseReport {
    pub days_evaluated: usize,
    pub penalties_posted: u64,
    pub adjustments_posted: u64,
}

impl CloseReport {
    pub fn from_domain(r: &DayReport) -> Self {
        CloseReport {
            days_evaluated: r.days_evaluated,
            penalties_posted: r.penalties_posted,
            adjustments_posted: r.adjustments_posted,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthReport {
    pub month: String,
    /// False when the month had already been closed (nothing changed).
    pub closed_now: bool,
    pub days: CloseReport,
    pub agents: usize,
    pub monthly_penalties_posted: u64,
}

impl MonthReport {
    pub fn from_domain(r: &DomainMonthReport) -> Self {
        MonthReport {
            month: r.month.to_string(),
            closed_now: r.closed_now,
            days: CloseReport::from_domain(&r.days),
            agents: r.agents,
            monthly_penalties_posted: r.monthly_penalties_posted,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllocationReport {
    pub quarter: String,
    pub agents: usize,
    pub allocated_now: u64,
    pub suspended: usize,
}

impl AllocationReport {
    pub fn from_domain(r: &DomainAllocationReport) -> Self {
        AllocationReport {
            quarter: r.quarter.to_string(),
            agents: r.agents,
            allocated_now: r.allocated_now,
            suspended: r.suspended,
        }
    }
}

// ---------------------------------------------------------------- penalties

#[derive(Debug, Serialize, ToSchema)]
pub struct PenaltyDto {
    pub id: Uuid,
    pub person_id: Uuid,
    /// agent or supervisor.
    pub role: String,
    /// The rulebook id (e.g. DIA-PEN-MISSING).
    pub rule_id: String,
    /// penalty, adjustment (LEDGER-2) or waiver (PEN-3).
    pub kind: String,
    /// The day (or first day of the period) it is about.
    pub business_day: NaiveDate,
    /// The open period it was posted in.
    pub posted_day: NaiveDate,
    /// Commission reduction in fen (negative for corrections and waivers).
    pub amount_fen: i64,
    /// Client leads deducted (negative for corrections and waivers).
    pub leads: i64,
    pub policy_version: i64,
    pub policy_id: Option<Uuid>,
    /// The facts that triggered it (PEN-1).
    #[schema(value_type = Object)]
    pub facts: Value,
    /// A sentence a person can read.
    pub explanation: String,
    /// The entry this one corrects or waives.
    pub refers_to: Option<Uuid>,
    pub reason: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<&PenaltyEntry> for PenaltyDto {
    fn from(e: &PenaltyEntry) -> Self {
        PenaltyDto {
            id: e.id,
            person_id: e.person_id.0,
            role: e.role.as_str().to_owned(),
            rule_id: e.rule_id.as_str().to_owned(),
            kind: e.kind.as_str().to_owned(),
            business_day: e.business_day,
            posted_day: e.posted_day,
            amount_fen: e.amount_fen,
            leads: e.leads,
            policy_version: e.policy_version,
            policy_id: e.policy_id,
            facts: e.facts.clone(),
            explanation: e.explanation.clone(),
            refers_to: e.refers_to,
            reason: e.reason.clone(),
            created_by: e.created_by.map(|u| u.0),
            created_at: e.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PenaltyPage {
    pub items: Vec<PenaltyDto>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PenaltyDetail {
    #[serde(flatten)]
    pub entry: PenaltyDto,
    /// Every entry about the same penalty (itself, corrections, waivers), oldest first.
    pub related: Vec<PenaltyDto>,
    /// The net effect of all of them.
    pub net_amount_fen: i64,
    pub net_leads: i64,
}

impl PenaltyDetail {
    pub fn from_domain(d: &Detail) -> Self {
        PenaltyDetail {
            entry: PenaltyDto::from(&d.entry),
            related: d.related.iter().map(PenaltyDto::from).collect(),
            net_amount_fen: d.net_amount_fen,
            net_leads: d.net_leads,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PenaltyQuery {
    /// Only entries on this person.
    pub person: Option<Uuid>,
    /// First business day (inclusive).
    pub from: Option<NaiveDate>,
    /// Last business day (inclusive).
    pub to: Option<NaiveDate>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl PenaltyQuery {
    pub fn filter(&self) -> PenaltyFilter {
        PenaltyFilter {
            person: self.person.map(UserId),
            from: self.from,
            to: self.to,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct WaiveRequest {
    #[validate(length(min = 1, max = 1000, message = "must be 1 to 1000 characters"))]
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: String,
}

// ---------------------------------------------------------------- leads

#[derive(Debug, Serialize, ToSchema)]
pub struct AllocationDto {
    pub quarter: String,
    pub granted: i64,
    pub deficit_after: i64,
    pub suspended: bool,
    #[schema(value_type = Object)]
    pub facts: Value,
    pub created_at: DateTime<Utc>,
}

impl From<&LeadAllocation> for AllocationDto {
    fn from(a: &LeadAllocation) -> Self {
        AllocationDto {
            quarter: a.quarter.to_string(),
            granted: a.granted,
            deficit_after: a.deficit_after,
            suspended: a.suspended,
            facts: a.facts.clone(),
            created_at: a.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LeadsResponse {
    pub agent_id: Uuid,
    /// The current quarter.
    pub quarter: String,
    /// Leads granted for the current quarter (absent until allocated).
    pub allocated: Option<i64>,
    /// Deductions posted this quarter; they reduce the next allocation (LEAD-1).
    pub accrued_deductions: i64,
    /// Deficit carried into the next allocation.
    pub deficit_carried: i64,
    /// Whether a falsified diary this quarter suspends the next allocation (LEAD-2).
    pub next_allocation_suspended: bool,
    pub projected_next_allocation: i64,
    pub allocations: Vec<AllocationDto>,
    /// This quarter's entries that moved leads.
    pub movements: Vec<PenaltyDto>,
}

impl LeadsResponse {
    pub fn from_domain(l: &AgentLeads) -> Self {
        LeadsResponse {
            agent_id: l.agent.0,
            quarter: l.quarter.to_string(),
            allocated: l.allocated,
            accrued_deductions: l.accrued_deductions,
            deficit_carried: l.deficit_carried,
            next_allocation_suspended: l.next_allocation_suspended,
            projected_next_allocation: l.projected_next_allocation,
            allocations: l.allocations.iter().map(AllocationDto::from).collect(),
            movements: l.movements.iter().map(PenaltyDto::from).collect(),
        }
    }
}
