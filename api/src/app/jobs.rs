//! Day and month close, lead allocation, and the background runner (section 5, LEDGER-2).
//! "Aggregate in SQL, decide in the domain, write in bulk": each run reads a branch's whole
//! range with a few grouped queries, evaluates with the pure rules, and appends entries whose
//! source keys make every write idempotent, so two instances (or a crashed and restarted one)
//! converge on the same ledger.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use domain::diary::{day_close_time, day_status, submission_deadlines, DayStatus};
use domain::ids::{BranchId, CompanyId, UserId};
use domain::org::Branch;
use domain::penalty::{
    adjustment, entry_from_draft, evaluate_agent_day, quarter_bounds, quarterly_allocation, AgentDayFacts, EntryKind,
    LeadAllocation, PenaltyDraft, PenaltyEntry, DIA_PEN_FALSIFIED, DIA_PEN_FALSIFIED_SUP,
};
use domain::policy::{PolicyInForce, PolicyVersion};
use domain::ports::{DayCount, LedgerRepo, OrganisationRepo, PolicyRepo, RepoError};
use domain::time::{business_day, BranchCalendar};
use infra::Db;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use uuid::Uuid;

/// How far back closed days are re-evaluated for late facts (LEDGER-2): the upload window
/// plus the close lag.
pub const REEVALUATION_DAYS: i64 = 14;

#[derive(Debug, Default, Clone, Serialize, utoipa::ToSchema)]
pub struct CloseReport {
    pub days_evaluated: usize,
    pub penalties_posted: u64,
    pub adjustments_posted: u64,
}

pub fn branch_tz(b: &Branch) -> Tz {
    b.settings.time_zone.tz()
}

pub fn close_time(b: &Branch, day: NaiveDate) -> Option<DateTime<Utc>> {
    day_close_time(day, &b.settings.calendar(), branch_tz(b), b.settings.evening_meeting)
}

/// POL-1 for every day of a range, resolved once per day from the company's versions.
pub fn policies_by_day(
    versions: &[PolicyVersion],
    branch: BranchId,
    from: NaiveDate,
    to: NaiveDate,
) -> HashMap<NaiveDate, PolicyInForce> {
    let mut out = HashMap::new();
    let mut d = from;
    while d <= to {
        out.insert(d, PolicyInForce::from_versions(versions, Some(branch), d));
        d += Duration::days(1);
    }
    out
}

/// Per (agent, day) counts where each day is counted with its own policy's call threshold.
pub async fn counts_by_day(
    db: &Db,
    company: CompanyId,
    branch: BranchId,
    from: NaiveDate,
    to: NaiveDate,
    policies: &HashMap<NaiveDate, PolicyInForce>,
    agent: Option<UserId>,
) -> Result<HashMap<(UserId, NaiveDate), DayCount>, RepoError> {
    let thresholds: BTreeSet<u32> = policies
        .values()
        .map(|p| p.document.activity.min_call_seconds)
        .collect();
    let mut out = HashMap::new();
    // Normally one threshold, hence one grouped query.
    for t in thresholds {
        for c in db.day_counts(company, branch, from, to, i64::from(t), agent).await? {
            if policies.get(&c.day).map(|p| p.document.activity.min_call_seconds) == Some(t) {
                out.insert((c.agent, c.day), c);
            }
        }
    }
    Ok(out)
}

/// Rules that day evaluation owns; other rules' entries are never "no longer due" here.
fn evaluated_here(key: &str) -> bool {
    !(key.starts_with(DIA_PEN_FALSIFIED) || key.starts_with(DIA_PEN_FALSIFIED_SUP) || key.starts_with("QUO-"))
}

/// Evaluates every agent-day of `branch` in [from, to] at `now` and appends what is due:
/// new penalties for new keys, adjustments (posted today) where the facts changed.
pub async fn evaluate_range(
    db: &Db,
    branch: &Branch,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
) -> Result<CloseReport, RepoError> {
    let company = branch.company_id;
    let tz = branch_tz(branch);
    let calendar: BranchCalendar = branch.settings.calendar();
    let today = business_day(now, tz);
    let versions = db.company_policies(company).await?;
    let policies = policies_by_day(&versions, branch.id, from, to);
    let counts = counts_by_day(db, company, branch.id, from, to, &policies, None).await?;
    let agents = db.branch_agents(company, branch.id).await?;
    let diaries: HashMap<(UserId, NaiveDate), _> = db
        .branch_diaries(company, branch.id, from, to, None)
        .await?
        .into_iter()
        .map(|(a, d, f)| ((a, d), f))
        .collect();
    let leave = leave_by_agent(db.branch_leave(company, branch.id, from, to).await?);
    let on_leave = |a: UserId, d: NaiveDate| {
        leave
            .get(&a)
            .is_some_and(|spans| spans.iter().any(|(f, t)| *f <= d && d <= *t))
    };
    let posted = db.posted_sums(company, branch.id, from, to).await?;

    let mut entries = Vec::new();
    let mut due_keys = HashSet::new();
    let mut report = CloseReport::default();
    let mut day = from;
    while day <= to {
        let policy = policies.get(&day).cloned().unwrap_or_default();
        let Some(deadlines) = submission_deadlines(
            day,
            &calendar,
            tz,
            branch.settings.morning_meeting,
            &policy.document.diary,
        ) else {
            day += Duration::days(1);
            continue;
        };
        for a in &agents {
            if business_day(a.since, tz) > day {
                continue;
            }
            let c = counts.get(&(a.agent, day));
            let facts = AgentDayFacts {
                agent: a.agent,
                supervisor: a.supervisor,
                day,
                status: day_status(day, &calendar, on_leave(a.agent, day)),
                counted_face_visits: c.map(|c| c.face_visits).unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32,
                counted_calls: c.map(|c| c.calls).unwrap_or(0).clamp(0, i64::from(u32::MAX)) as u32,
                diary: diaries.get(&(a.agent, day)).cloned(),
                deadlines,
            };
            for d in evaluate_agent_day(&facts, &policy, now) {
                due_keys.insert(d.key.clone());
                match posted.get(&d.key) {
                    None => entries.push(entry_from_draft(company, Some(branch.id), &d, &policy, day, now)),
                    Some(sum) => {
                        if let Some((fen, leads)) = adjustment((sum.fen, sum.leads), (d.amount_fen, d.leads)) {
                            let mut e = entry_from_draft(company, Some(branch.id), &d, &policy, today, now);
                            e.kind = EntryKind::Adjustment;
                            e.amount_fen = fen;
                            e.leads = leads;
                            e.source_key = format!("{}#adj{}", d.key, sum.entries);
                            e.refers_to = Some(sum.first_id);
                            e.explanation = format!("correction after late facts, now due: {}", d.explanation);
                            entries.push(e);
                        }
                    }
                }
            }
        }
        report.days_evaluated += 1;
        day += Duration::days(1);
    }
    // Posted but no longer due (a late fact cured it): reverse in the open period.
    for (key, sum) in &posted {
        if due_keys.contains(key) || !evaluated_here(key) || (sum.fen, sum.leads) == (0, 0) {
            continue;
        }
        let Some(orig) = db.entries_for_base(company, key).await?.into_iter().next() else {
            continue;
        };
        entries.push(PenaltyEntry {
            id: Uuid::now_v7(),
            kind: EntryKind::Adjustment,
            posted_day: today,
            amount_fen: -sum.fen,
            leads: -sum.leads,
            source_key: format!("{key}#adj{}", sum.entries),
            refers_to: Some(sum.first_id),
            explanation: format!("correction after late facts, no longer due: {}", orig.explanation),
            created_at: now,
            ..orig
        });
    }
    report.adjustments_posted = db
        .insert_entries(
            &entries
                .iter()
                .filter(|e| e.kind == EntryKind::Adjustment)
                .cloned()
                .collect::<Vec<_>>(),
        )
        .await?;
    report.penalties_posted = db
        .insert_entries(
            &entries
                .iter()
                .filter(|e| e.kind == EntryKind::Penalty)
                .cloned()
                .collect::<Vec<_>>(),
        )
        .await?;
    let mut days = Vec::new();
    let mut d = from;
    while d <= to {
        days.push(d);
        d += Duration::days(1);
    }
    db.mark_days_closed(company, branch.id, &days, now).await?;
    Ok(report)
}

/// The background pass for one branch: close every closable day not yet closed, and
/// re-evaluate the recent closed days for late facts.
pub async fn close_due_days(
    db: &Db,
    branch: &Branch,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<CloseReport, RepoError> {
    let tz = branch_tz(branch);
    let today = business_day(now, tz);
    let start = business_day(created, tz);
    // The latest closable day: walk back from today until its close time has passed.
    let mut last = today;
    while last >= start && close_time(branch, last).is_none_or(|t| t > now) {
        last -= Duration::days(1);
    }
    if last < start {
        return Ok(CloseReport::default());
    }
    let closed: HashSet<NaiveDate> = db
        .closed_days(branch.company_id, branch.id, start, last)
        .await?
        .into_iter()
        .collect();
    let first_open = {
        let mut d = start;
        while d <= last && closed.contains(&d) {
            d += Duration::days(1);
        }
        d
    };
    let from = first_open.min(last - Duration::days(REEVALUATION_DAYS)).max(start);
    evaluate_range(db, branch, from, last, now).await
}

/// One pass over every branch (the background runner calls this periodically).
pub async fn run_once(db: &Db, now: DateTime<Utc>) -> Result<CloseReport, RepoError> {
    let mut total = CloseReport::default();
    for (company, branch_id, created) in db.all_branches().await? {
        let Some(branch) = db.get_branch(company, branch_id).await? else {
            continue;
        };
        let r = close_due_days(db, &branch, created, now).await?;
        crate::app::settlement::settle_if_due(db, &branch, now).await?;
        total.days_evaluated += r.days_evaluated;
        total.penalties_posted += r.penalties_posted;
        total.adjustments_posted += r.adjustments_posted;
    }
    Ok(total)
}

/// Approved leave spans per agent.
fn leave_by_agent(rows: Vec<(UserId, NaiveDate, NaiveDate)>) -> HashMap<UserId, Vec<(NaiveDate, NaiveDate)>> {
    let mut out: HashMap<UserId, Vec<(NaiveDate, NaiveDate)>> = HashMap::new();
    for (a, f, t) in rows {
        out.entry(a).or_default().push((f, t));
    }
    out
}

/// "2026-11" → (first, last day).
pub fn month_bounds(month: &str) -> Option<(NaiveDate, NaiveDate)> {
    if month.len() != 7 {
        return None;
    }
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Requirement {
    pub counted: i64,
    pub required: i64,
    pub met: bool,
    pub short_by: i64,
}

impl Requirement {
    pub fn new(counted: i64, required: i64) -> Self {
        Requirement {
            counted,
            required,
            met: counted >= required,
            short_by: (required - counted).max(0),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutletWeek {
    /// ISO week, e.g. "2026-W45".
    pub week: String,
    pub outlet_id: Uuid,
    pub visits: i64,
    pub required: i64,
    pub met: bool,
}

/// QUO-FACE-M, QUO-CALL-M, QUO-RENEW, QUO-OUTLET, QUO-MEET for one agent-month.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthlyCompliance {
    pub face_visits: Requirement,
    pub phone_services: Requirement,
    /// Renewal collections dated before the policy's `renewal_deadline_day`.
    pub renewals: Requirement,
    pub outlet_weeks: Vec<OutletWeek>,
    /// Working days, and meetings attended (QUO-MEET is recorded, not required).
    pub working_days: i64,
    pub morning_meetings: i64,
    pub evening_meetings: i64,
    pub policy_version: i64,
}

/// The monthly requirements of every agent of a branch (SQL aggregates, domain decisions).
pub async fn monthly_compliance(
    db: &Db,
    branch: &Branch,
    from: NaiveDate,
    to: NaiveDate,
    agent: Option<UserId>,
) -> Result<Vec<(UserId, MonthlyCompliance)>, RepoError> {
    let company = branch.company_id;
    let tz = branch_tz(branch);
    let calendar = branch.settings.calendar();
    let versions = db.company_policies(company).await?;
    let policies = policies_by_day(&versions, branch.id, from, to);
    // The month is judged under the version in force on its last day.
    let policy = PolicyInForce::from_versions(&versions, Some(branch.id), to);
    let counts = counts_by_day(db, company, branch.id, from, to, &policies, agent).await?;
    let leave = leave_by_agent(db.branch_leave(company, branch.id, from, to).await?);
    // Keyed by (agent, outlet) so each agent reads only their own rows.
    let mut visits: HashMap<(UserId, Uuid), Vec<NaiveDate>> = HashMap::new();
    for (a, o, d) in db.outlet_visits(company, branch.id, from, to).await? {
        visits.entry((a, o)).or_default().push(d);
    }
    let mut assignments: HashMap<UserId, Vec<Uuid>> = HashMap::new();
    for (a, o) in db.outlet_assignments(company, branch.id).await? {
        assignments.entry(a).or_default().push(o);
    }
    let agents: Vec<_> = db
        .branch_agents(company, branch.id)
        .await?
        .into_iter()
        .filter(|a| agent.is_none_or(|x| x == a.agent))
        .collect();
    let m = &policy.document.monthly;
    // QUO-RENEW: dated before the deadline day (a day past the month's end means the whole month).
    let renew_before = (from + Duration::days(i64::from(m.renewal_deadline_day) - 1)).min(to + Duration::days(1));
    let mut out = Vec::new();
    for a in &agents {
        let (mut face, mut calls, mut renewals, mut morning, mut evening, mut working) = (0, 0, 0, 0, 0, 0);
        let mut d = from;
        while d <= to {
            let on_leave = leave
                .get(&a.agent)
                .is_some_and(|spans| spans.iter().any(|(f, t)| *f <= d && d <= *t));
            if day_status(d, &calendar, on_leave) == DayStatus::Working && business_day(a.since, tz) <= d {
                working += 1;
            }
            if let Some(c) = counts.get(&(a.agent, d)) {
                face += c.face_visits;
                calls += c.calls;
                morning += c.morning_meetings;
                evening += c.evening_meetings;
                if d < renew_before {
                    renewals += c.renewals;
                }
            }
            d += Duration::days(1);
        }
        let mut outlet_weeks = Vec::new();
        for outlet in assignments.get(&a.agent).into_iter().flatten() {
            // ISO weeks whose Monday falls in the month.
            let mut d = from;
            while d <= to {
                if d.weekday() == chrono::Weekday::Mon {
                    let end = d + Duration::days(6);
                    let n = visits
                        .get(&(a.agent, *outlet))
                        .map_or(0, |days| days.iter().filter(|v| **v >= d && **v <= end).count())
                        as i64;
                    let iso = d.iso_week();
                    outlet_weeks.push(OutletWeek {
                        week: format!("{}-W{:02}", iso.year(), iso.week()),
                        outlet_id: *outlet,
                        visits: n,
                        required: i64::from(m.outlet_visits_per_week),
                        met: n >= i64::from(m.outlet_visits_per_week),
                    });
                }
                d += Duration::days(1);
            }
        }
        out.push((
            a.agent,
            MonthlyCompliance {
                face_visits: Requirement::new(face, i64::from(m.face_visits_per_month)),
                phone_services: Requirement::new(calls, i64::from(m.calls_per_month)),
                renewals: Requirement::new(renewals, i64::from(m.renewals_per_month)),
                outlet_weeks,
                working_days: working,
                morning_meetings: morning,
                evening_meetings: evening,
                policy_version: policy.version,
            },
        ));
    }
    Ok(out)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MonthReport {
    pub month: String,
    /// False when the month had already been closed (nothing changed).
    pub closed_now: bool,
    pub days: CloseReport,
    pub agents: usize,
    pub monthly_penalties_posted: u64,
}

/// Closes a month: every day evaluated, monthly compliance recorded, and monthly penalties
/// where a policy attaches money to a shortfall (QUO-3). Idempotent.
pub async fn close_month(db: &Db, branch: &Branch, month: &str, now: DateTime<Utc>) -> Result<MonthReport, RepoError> {
    let (from, to) = month_bounds(month).ok_or_else(|| RepoError::Storage("bad month".into()))?;
    let days = evaluate_range(db, branch, from, to, now).await?;
    let results = monthly_compliance(db, branch, from, to, None).await?;
    let versions = db.company_policies(branch.company_id).await?;
    let policy = PolicyInForce::from_versions(&versions, Some(branch.id), to);
    let per_unit = policy.document.penalties.monthly_shortfall_fen_per_unit;
    let mut entries = Vec::new();
    if per_unit > 0 {
        for (agent, r) in &results {
            for (rule, label, req) in [
                ("QUO-FACE-M", "face visits", &r.face_visits),
                ("QUO-CALL-M", "phone services", &r.phone_services),
                ("QUO-RENEW", "renewal collections", &r.renewals),
            ] {
                if req.short_by > 0 {
                    let d = PenaltyDraft {
                        key: format!("{rule}:{agent}:{month}"),
                        rule_id: rule,
                        person: *agent,
                        role: domain::penalty::PersonRole::Agent,
                        day: from,
                        amount_fen: per_unit * req.short_by,
                        leads: 0,
                        policy_version: policy.version,
                        facts: serde_json::json!({"month": month, "counted": req.counted, "required": req.required}),
                        explanation: format!(
                            "{} of {} {label} in {month} under policy v{}: {} fen",
                            req.counted,
                            req.required,
                            policy.version,
                            per_unit * req.short_by
                        ),
                    };
                    entries.push(entry_from_draft(
                        branch.company_id,
                        Some(branch.id),
                        &d,
                        &policy,
                        to,
                        now,
                    ));
                }
            }
        }
    }
    let monthly_penalties_posted = db.insert_entries(&entries).await?;
    let rows: Vec<(UserId, serde_json::Value)> = results
        .iter()
        .map(|(a, r)| (*a, serde_json::to_value(r).unwrap_or(serde_json::Value::Null)))
        .collect();
    let closed_now = db.close_month(branch.company_id, branch.id, month, &rows, now).await?;
    Ok(MonthReport {
        month: month.to_owned(),
        closed_now,
        days,
        agents: results.len(),
        monthly_penalties_posted,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AllocationReport {
    pub quarter: String,
    pub agents: usize,
    pub allocated_now: u64,
    pub suspended: usize,
}

/// LEAD-1/LEAD-2: the quarter's allocation for every active agent of the company, from the
/// previous quarter's deductions (by posting period) and carried deficit. Idempotent.
pub async fn allocate_leads(
    db: &Db,
    company: CompanyId,
    quarter: &str,
    now: DateTime<Utc>,
) -> Result<AllocationReport, RepoError> {
    let (first, _) = quarter_bounds(quarter).ok_or_else(|| RepoError::Storage("bad quarter".into()))?;
    let prev = domain::penalty::previous_quarter(quarter).unwrap_or_default();
    let (pfrom, pto) = quarter_bounds(&prev).unwrap_or((first, first));
    let versions = db.company_policies(company).await?;
    let base = i64::from(
        PolicyInForce::from_versions(&versions, None, first)
            .document
            .leads
            .quarterly_allocation,
    );
    let deductions: HashMap<UserId, i64> = db.lead_deductions(company, pfrom, pto).await?.into_iter().collect();
    let suspended: HashSet<UserId> = db.falsified_agents(company, pfrom, pto).await?.into_iter().collect();
    let deficits: HashMap<UserId, i64> = db
        .allocations(company, &prev)
        .await?
        .into_iter()
        .map(|a| (a.agent_id, a.deficit_after))
        .collect();
    let agents = db.company_agents(company).await?;
    let rows: Vec<LeadAllocation> = agents
        .iter()
        .map(|a| {
            let ded = deductions.get(a).copied().unwrap_or(0);
            let def = deficits.get(a).copied().unwrap_or(0);
            let s = suspended.contains(a);
            let r = quarterly_allocation(base, ded, def, s);
            LeadAllocation {
                company_id: company,
                id: Uuid::now_v7(),
                agent_id: *a,
                quarter: quarter.to_owned(),
                granted: r.granted,
                deficit_after: r.deficit_after,
                suspended: r.suspended,
                facts: serde_json::json!({
                    "base": base, "deductions_previous_quarter": ded, "deficit_carried_in": def,
                    "suspended_by": if s { Some("DIA-PEN-FALSIFIED") } else { None }
                }),
                created_at: now,
            }
        })
        .collect();
    let allocated_now = db.insert_allocations(&rows).await?;
    Ok(AllocationReport {
        quarter: quarter.to_owned(),
        agents: rows.len(),
        allocated_now,
        suspended: rows.iter().filter(|r| r.suspended).count(),
    })
}
