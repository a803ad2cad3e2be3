//! Section 5: activity and diary penalties, evaluated from an agent-day's facts under the
//! policy version in force (PEN-1, PEN-2), and the client-lead allocation (LEAD-1, LEAD-2).

use crate::diary::{
    classify_review, classify_submission, DayStatus, ReviewTimeliness, SubmissionDeadlines, Timeliness,
};
use crate::ids::UserId;
use crate::policy::PolicyInForce;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;

pub const ACT_PEN_MISS: &str = "ACT-PEN-MISS";
pub const DIA_PEN_MISSING: &str = "DIA-PEN-MISSING";
pub const DIA_PEN_LATEFILL: &str = "DIA-PEN-LATEFILL";
pub const DIA_PEN_UNREVIEWED: &str = "DIA-PEN-UNREVIEWED";
pub const DIA_PEN_FALSIFIED: &str = "DIA-PEN-FALSIFIED";
pub const DIA_PEN_FALSIFIED_SUP: &str = "DIA-PEN-FALSIFIED-SUP";

/// Whom a penalty falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonRole {
    Agent,
    Supervisor,
}

impl PersonRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonRole::Agent => "agent",
            PersonRole::Supervisor => "supervisor",
        }
    }
}

/// A penalty the rules imply (PEN-1): rule, person, period, amounts and the facts behind it.
/// `key` identifies it, so evaluating the same facts again yields the same key (PEN-2).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PenaltyDraft {
    pub key: String,
    pub rule_id: &'static str,
    pub person: UserId,
    pub role: PersonRole,
    pub day: NaiveDate,
    /// Commission reduction in fen (≥ 0).
    pub amount_fen: i64,
    /// Client leads deducted (≥ 0).
    pub leads: i64,
    pub policy_version: i64,
    pub facts: serde_json::Value,
    pub explanation: String,
}

/// A diary's facts as far as penalties need them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiaryFacts {
    pub id: uuid::Uuid,
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub review_deadline: Option<DateTime<Utc>>,
    pub reviewed_at: Option<DateTime<Utc>>,
}

/// One agent's facts for one business day, aggregated from storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentDayFacts {
    pub agent: UserId,
    /// The agent's supervisor (DIA-PEN-UNREVIEWED falls on them).
    pub supervisor: Option<UserId>,
    pub day: NaiveDate,
    pub status: DayStatus,
    /// QUO-FACE-D / QUO-CALL-D counts (voided and short calls already excluded).
    pub counted_face_visits: u32,
    pub counted_calls: u32,
    pub diary: Option<DiaryFacts>,
    pub deadlines: SubmissionDeadlines,
}

fn yuan(fen: i64) -> String {
    if fen % 100 == 0 {
        format!("{} yuan", fen / 100)
    } else {
        format!("{}.{:02} yuan", fen / 100, fen % 100)
    }
}

/// Section 5 for one agent-day, evaluated at `now` (after the day's deadlines have passed,
/// so that "not submitted" means missing). Days without duty (rest, holiday, leave) yield
/// nothing (TIME-2); QUO-2: each day stands alone.
pub fn evaluate_agent_day(f: &AgentDayFacts, policy: &PolicyInForce, now: DateTime<Utc>) -> Vec<PenaltyDraft> {
    let mut out = Vec::new();
    if f.status != DayStatus::Working {
        return out;
    }
    let doc = &policy.document;
    let v = policy.version;
    let lead_per = i64::from(doc.penalties.missing_activity_leads);
    for (kind, label, counted, required) in [
        (
            "face",
            "face visits",
            f.counted_face_visits,
            doc.activity.face_visits_per_day,
        ),
        ("call", "phone services", f.counted_calls, doc.activity.calls_per_day),
    ] {
        let short = i64::from(required.saturating_sub(counted));
        if short > 0 && lead_per > 0 {
            let leads = short * lead_per;
            out.push(PenaltyDraft {
                key: format!("{ACT_PEN_MISS}:{kind}:{}:{}", f.agent, f.day),
                rule_id: ACT_PEN_MISS,
                person: f.agent,
                role: PersonRole::Agent,
                day: f.day,
                amount_fen: 0,
                leads,
                policy_version: v,
                facts: json!({"activity": kind, "counted": counted, "required": required, "short_by": short}),
                explanation: format!(
                    "{counted} of {required} {label} on {} under policy v{v}: {leads} client lead{}",
                    f.day,
                    if leads == 1 { "" } else { "s" }
                ),
            });
        }
    }
    let first = f.diary.as_ref().and_then(|d| d.first_submitted_at);
    let (class, decided_by) = classify_submission(first, now, &f.deadlines);
    let submitted = first.map(|t| t.to_rfc3339()).unwrap_or_else(|| "never".to_owned());
    match class {
        Timeliness::Missing => {
            let fen = doc.penalties.diary_missing_fen;
            let leads = i64::from(doc.penalties.diary_missing_leads);
            out.push(PenaltyDraft {
                key: format!("{DIA_PEN_MISSING}:{}:{}", f.agent, f.day),
                rule_id: DIA_PEN_MISSING,
                person: f.agent,
                role: PersonRole::Agent,
                day: f.day,
                amount_fen: fen,
                leads,
                policy_version: v,
                facts: json!({"first_submitted_at": first, "missing_after": decided_by}),
                explanation: format!(
                    "diary of {} not submitted by the end of the morning meeting ({}) under policy v{v} (submitted: {submitted}): {} and {leads} client leads",
                    f.day,
                    decided_by.to_rfc3339(),
                    yuan(fen)
                ),
            });
        }
        Timeliness::LateFilled => {
            let fen = doc.penalties.diary_late_fill_fen;
            out.push(PenaltyDraft {
                key: format!("{DIA_PEN_LATEFILL}:{}:{}", f.agent, f.day),
                rule_id: DIA_PEN_LATEFILL,
                person: f.agent,
                role: PersonRole::Agent,
                day: f.day,
                amount_fen: fen,
                leads: 0,
                policy_version: v,
                facts: json!({"first_submitted_at": first, "on_time_by": f.deadlines.on_time_by}),
                explanation: format!(
                    "diary of {} first submitted at {submitted}, after the deadline {}, under policy v{v}: {}",
                    f.day,
                    f.deadlines.on_time_by.to_rfc3339(),
                    yuan(fen)
                ),
            });
        }
        Timeliness::OnTime | Timeliness::Pending => {}
    }
    if let (Some(d), Some(sup)) = (&f.diary, f.supervisor) {
        if let Some(deadline) = d.review_deadline {
            let review = classify_review(d.reviewed_at, now, deadline);
            if matches!(review, ReviewTimeliness::Late | ReviewTimeliness::Overdue) {
                let fen = doc.penalties.diary_unreviewed_fen;
                out.push(PenaltyDraft {
                    key: format!("{DIA_PEN_UNREVIEWED}:{}", d.id),
                    rule_id: DIA_PEN_UNREVIEWED,
                    person: sup,
                    role: PersonRole::Supervisor,
                    day: f.day,
                    amount_fen: fen,
                    leads: 0,
                    policy_version: v,
                    facts: json!({"diary_id": d.id, "agent_id": f.agent, "review_deadline": deadline, "reviewed_at": d.reviewed_at}),
                    explanation: format!(
                        "diary of {} by agent {} not reviewed by {} under policy v{v}: {}",
                        f.day,
                        f.agent,
                        deadline.to_rfc3339(),
                        yuan(fen)
                    ),
                });
            }
        }
    }
    out
}

/// DIA-5: a falsified spot-check finding yields DIA-PEN-FALSIFIED on the agent and
/// DIA-PEN-FALSIFIED-SUP on their supervisor at the time.
pub fn falsified_penalties(
    diary: uuid::Uuid,
    day: NaiveDate,
    agent: UserId,
    supervisor: Option<UserId>,
    policy: &PolicyInForce,
) -> Vec<PenaltyDraft> {
    let p = &policy.document.penalties;
    let v = policy.version;
    let mut out = vec![PenaltyDraft {
        key: format!("{DIA_PEN_FALSIFIED}:{diary}"),
        rule_id: DIA_PEN_FALSIFIED,
        person: agent,
        role: PersonRole::Agent,
        day,
        amount_fen: p.diary_falsified_fen,
        leads: 0,
        policy_version: v,
        facts: json!({"diary_id": diary, "finding": "falsified", "next_allocation": "suspended"}),
        explanation: format!(
            "spot check found the diary of {day} falsified, under policy v{v}: {} and the next quarterly lead allocation suspended",
            yuan(p.diary_falsified_fen)
        ),
    }];
    if let Some(sup) = supervisor {
        out.push(PenaltyDraft {
            key: format!("{DIA_PEN_FALSIFIED_SUP}:{diary}"),
            rule_id: DIA_PEN_FALSIFIED_SUP,
            person: sup,
            role: PersonRole::Supervisor,
            day,
            amount_fen: p.diary_falsified_supervisor_fen,
            leads: 0,
            policy_version: v,
            facts: json!({"diary_id": diary, "agent_id": agent, "finding": "falsified"}),
            explanation: format!(
                "spot check found a diary of {day} by agent {agent} of your team falsified, under policy v{v}: {}",
                yuan(p.diary_falsified_supervisor_fen)
            ),
        });
    }
    out
}

/// LEAD-1 / LEAD-2: one quarter's allocation from the previous quarter's deductions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Allocation {
    /// Leads granted this quarter.
    pub granted: i64,
    /// Deficit carried to the next quarter.
    pub deficit_after: i64,
    pub suspended: bool,
}

pub fn quarterly_allocation(base: i64, deductions: i64, deficit_before: i64, suspended: bool) -> Allocation {
    let owed = deductions.max(0) + deficit_before.max(0);
    if suspended {
        // LEAD-2: nothing granted; the deductions still carry over.
        return Allocation {
            granted: 0,
            deficit_after: owed,
            suspended: true,
        };
    }
    Allocation {
        granted: (base - owed).max(0),
        deficit_after: (owed - base).max(0),
        suspended: false,
    }
}

/// LEDGER-2: the correction that brings what was posted for a key to what is now due.
/// `None` when nothing changes.
pub fn adjustment(posted: (i64, i64), due: (i64, i64)) -> Option<(i64, i64)> {
    let delta = (due.0 - posted.0, due.1 - posted.1);
    (delta != (0, 0)).then_some(delta)
}

/// A ledger entry for a drafted penalty (PEN-1: rule, policy version, day, facts, person).
pub fn entry_from_draft(
    company: crate::ids::CompanyId,
    branch: Option<crate::ids::BranchId>,
    d: &PenaltyDraft,
    policy: &crate::policy::PolicyInForce,
    posted_day: chrono::NaiveDate,
    now: chrono::DateTime<chrono::Utc>,
) -> PenaltyEntry {
    PenaltyEntry {
        company_id: company,
        id: uuid::Uuid::now_v7(),
        person_id: d.person,
        role: d.role,
        branch_id: branch,
        rule_id: d.rule_id.to_owned(),
        kind: EntryKind::Penalty,
        business_day: d.day,
        posted_day,
        amount_fen: d.amount_fen,
        leads: d.leads,
        policy_id: policy.id,
        policy_version: policy.version,
        facts: d.facts.clone(),
        explanation: d.explanation.clone(),
        source_key: d.key.clone(),
        base_key: d.key.clone(),
        refers_to: None,
        reason: None,
        created_by: None,
        created_at: now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PenaltyPolicy, PolicyDocument};
    use chrono::{Duration, TimeZone};
    use proptest::prelude::*;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 3, 0, 0, 0).single().unwrap_or_default() + Duration::hours(h)
    }

    fn facts() -> AgentDayFacts {
        AgentDayFacts {
            agent: UserId::new(),
            supervisor: Some(UserId::new()),
            day: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap_or_default(),
            status: DayStatus::Working,
            counted_face_visits: 3,
            counted_calls: 5,
            diary: Some(DiaryFacts {
                id: uuid::Uuid::now_v7(),
                first_submitted_at: Some(at(14)),
                review_deadline: Some(at(34)),
                reviewed_at: Some(at(20)),
            }),
            deadlines: SubmissionDeadlines {
                on_time_by: at(16),
                next_working_day: NaiveDate::from_ymd_opt(2026, 11, 4).unwrap_or_default(),
                morning_meeting_starts: at(24),
                morning_meeting_ends: at(25),
            },
        }
    }

    fn v4() -> PolicyInForce {
        PolicyInForce {
            id: None,
            version: 4,
            document: PolicyDocument::default(),
        }
    }

    fn rules(d: &[PenaltyDraft]) -> Vec<&str> {
        d.iter().map(|p| p.rule_id).collect()
    }

    #[test]
    fn a_compliant_day_has_no_penalties() {
        assert!(evaluate_agent_day(&facts(), &v4(), at(100)).is_empty());
    }

    #[test]
    fn act_pen_miss_one_lead_per_missing_visit_or_call() {
        let mut f = facts();
        f.counted_face_visits = 2;
        f.counted_calls = 1;
        let d = evaluate_agent_day(&f, &v4(), at(100));
        assert_eq!(rules(&d), vec![ACT_PEN_MISS, ACT_PEN_MISS]);
        assert_eq!((d[0].leads, d[0].amount_fen), (1, 0));
        assert_eq!(d[1].leads, 4);
        assert_eq!(
            d[0].explanation,
            format!("2 of 3 face visits on 2026-11-03 under policy v4: 1 client lead")
        );
        assert_eq!(d[0].person, f.agent);
    }

    #[test]
    fn dia_pen_missing_and_late_fill() {
        let mut f = facts();
        if let Some(d) = f.diary.as_mut() {
            d.first_submitted_at = Some(at(17));
        }
        let d = evaluate_agent_day(&f, &v4(), at(100));
        assert_eq!(rules(&d), vec![DIA_PEN_LATEFILL]);
        assert_eq!((d[0].amount_fen, d[0].leads), (2000, 0));
        if let Some(d) = f.diary.as_mut() {
            d.first_submitted_at = Some(at(26));
        }
        let d = evaluate_agent_day(&f, &v4(), at(100));
        assert_eq!(rules(&d), vec![DIA_PEN_MISSING]);
        assert_eq!((d[0].amount_fen, d[0].leads), (500, 5));
        f.diary = None;
        let d = evaluate_agent_day(&f, &v4(), at(100));
        assert_eq!(rules(&d), vec![DIA_PEN_MISSING]);
    }

    #[test]
    fn dia_pen_unreviewed_falls_on_the_supervisor_once_per_diary() {
        let mut f = facts();
        if let Some(d) = f.diary.as_mut() {
            d.reviewed_at = Some(at(35));
        }
        let d = evaluate_agent_day(&f, &v4(), at(100));
        assert_eq!(rules(&d), vec![DIA_PEN_UNREVIEWED]);
        assert_eq!(Some(d[0].person), f.supervisor);
        assert_eq!(d[0].role, PersonRole::Supervisor);
        assert_eq!(d[0].amount_fen, 1000);
        assert!(d[0]
            .key
            .contains(&f.diary.as_ref().map(|x| x.id.to_string()).unwrap_or_default()));
        if let Some(x) = f.diary.as_mut() {
            x.reviewed_at = None;
        }
        assert_eq!(rules(&evaluate_agent_day(&f, &v4(), at(100))), vec![DIA_PEN_UNREVIEWED]);
        // Before the deadline an unreviewed diary is not yet a penalty.
        assert!(evaluate_agent_day(&f, &v4(), at(33)).is_empty());
    }

    #[test]
    fn time_2_rest_and_leave_days_carry_no_penalties() {
        let mut f = facts();
        f.counted_face_visits = 0;
        f.diary = None;
        for s in [DayStatus::Rest, DayStatus::Holiday, DayStatus::Leave] {
            f.status = s;
            assert!(evaluate_agent_day(&f, &v4(), at(100)).is_empty(), "{s:?}");
        }
    }

    #[test]
    fn pol_1_amounts_come_from_the_policy_version() {
        let mut f = facts();
        f.diary = None;
        let p = PolicyInForce {
            id: None,
            version: 7,
            document: PolicyDocument {
                penalties: PenaltyPolicy {
                    diary_missing_fen: 1234,
                    diary_missing_leads: 2,
                    ..PenaltyPolicy::default()
                },
                ..PolicyDocument::default()
            },
        };
        let d = evaluate_agent_day(&f, &p, at(100));
        assert_eq!((d[0].amount_fen, d[0].leads, d[0].policy_version), (1234, 2, 7));
        assert!(d[0].explanation.contains("12.34 yuan"));
    }

    #[test]
    fn dia_pen_falsified_and_sup() {
        let agent = UserId::new();
        let sup = UserId::new();
        let diary = uuid::Uuid::now_v7();
        let day = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap_or_default();
        let d = falsified_penalties(diary, day, agent, Some(sup), &v4());
        assert_eq!(rules(&d), vec![DIA_PEN_FALSIFIED, DIA_PEN_FALSIFIED_SUP]);
        assert_eq!((d[0].person, d[0].amount_fen), (agent, 10_000));
        assert_eq!((d[1].person, d[1].amount_fen), (sup, 20_000));
    }

    #[test]
    fn lead_1_deductions_reduce_next_allocation_and_deficit_carries() {
        assert_eq!(
            quarterly_allocation(60, 10, 0, false),
            Allocation {
                granted: 50,
                deficit_after: 0,
                suspended: false
            }
        );
        assert_eq!(
            quarterly_allocation(60, 70, 0, false),
            Allocation {
                granted: 0,
                deficit_after: 10,
                suspended: false
            }
        );
        assert_eq!(
            quarterly_allocation(60, 5, 10, false),
            Allocation {
                granted: 45,
                deficit_after: 0,
                suspended: false
            }
        );
    }

    #[test]
    fn lead_2_falsified_suspends_allocation_but_deductions_carry() {
        assert_eq!(
            quarterly_allocation(60, 12, 3, true),
            Allocation {
                granted: 0,
                deficit_after: 15,
                suspended: true
            }
        );
    }

    #[test]
    fn ledger_2_adjustment_is_the_difference() {
        assert_eq!(adjustment((0, 2), (0, 1)), Some((0, -1)));
        assert_eq!(adjustment((500, 5), (500, 5)), None);
        assert_eq!(adjustment((500, 5), (0, 0)), Some((-500, -5)));
    }

    proptest! {
        #[test]
        fn pen_2_evaluation_is_deterministic(face in 0u32..6, calls in 0u32..8, sub in proptest::option::of(0i64..40)) {
            let mut f = facts();
            f.counted_face_visits = face;
            f.counted_calls = calls;
            if let Some(d) = f.diary.as_mut() { d.first_submitted_at = sub.map(at); }
            let a = evaluate_agent_day(&f, &v4(), at(100));
            let b = evaluate_agent_day(&f, &v4(), at(100));
            prop_assert_eq!(&a, &b);
            let mut keys: Vec<&String> = a.iter().map(|p| &p.key).collect();
            keys.sort();
            keys.dedup();
            prop_assert_eq!(keys.len(), a.len());
            let leads: i64 = a.iter().filter(|p| p.rule_id == ACT_PEN_MISS).map(|p| p.leads).sum();
            prop_assert_eq!(leads, i64::from(3u32.saturating_sub(face) + 5u32.saturating_sub(calls)));
        }

        #[test]
        fn pen_2_evaluation_ignores_the_order_facts_arrived_in(
            durations in proptest::collection::vec(0i64..120, 0..12),
            visits in proptest::collection::vec(any::<bool>(), 0..6),
            seed in any::<u64>(),
        ) {
            use crate::activity::{daily_counts, Activity, ActivityKind};
            use crate::policy::ActivityPolicy;
            let f0 = facts();
            let mk = |kind: ActivityKind, client: bool, secs: i64| Activity {
                company_id: crate::ids::CompanyId::new(), id: uuid::Uuid::now_v7(), agent_id: f0.agent, kind,
                occurred_at: at(3), received_at: at(3), business_day: f0.day,
                client_id: client.then(uuid::Uuid::now_v7), outlet_id: None, duration_seconds: Some(secs),
                accompanied_by: None, device_call_id: None, details: serde_json::Value::Null, body_hash: String::new(),
                voided_at: None, voided_by: None, void_reason: None,
            };
            let mut acts: Vec<Activity> = durations.iter().map(|d| mk(ActivityKind::PhoneService, true, *d)).collect();
            acts.extend(visits.iter().map(|c| mk(ActivityKind::FaceVisit, *c, 0)));
            let mut shuffled = acts.clone();
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            let eval = |list: &[Activity]| {
                let (face, call) = daily_counts(list, &ActivityPolicy::default(), true);
                let f = AgentDayFacts { counted_face_visits: face.counted, counted_calls: call.counted, ..f0.clone() };
                evaluate_agent_day(&f, &v4(), at(100))
            };
            prop_assert_eq!(eval(&acts), eval(&shuffled));
        }

        #[test]
        fn lead_1_granted_plus_deficit_accounts_for_everything(base in 0i64..200, ded in 0i64..300, def in 0i64..300) {
            let a = quarterly_allocation(base, ded, def, false);
            prop_assert!(a.granted >= 0 && a.deficit_after >= 0);
            prop_assert_eq!(a.granted - a.deficit_after, base - ded - def);
        }
    }
}

/// LEDGER-1: what kind of ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// Derived by evaluation (PEN-2).
    Penalty,
    /// LEDGER-2: a correction posted in the open period for a late fact about a closed one.
    Adjustment,
    /// PEN-3: an authorised waiver, cancelling what it refers to.
    Waiver,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Penalty => "penalty",
            EntryKind::Adjustment => "adjustment",
            EntryKind::Waiver => "waiver",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Penalty, Self::Adjustment, Self::Waiver]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// LEDGER-1: one append-only entry of the penalty ledger (commission reductions in fen and
/// client-lead deductions). Corrections and waivers are further entries referring to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PenaltyEntry {
    pub company_id: crate::ids::CompanyId,
    pub id: uuid::Uuid,
    pub person_id: UserId,
    pub role: PersonRole,
    pub branch_id: Option<crate::ids::BranchId>,
    pub rule_id: String,
    pub kind: EntryKind,
    /// The business day (or first day of the period) the entry is about.
    pub business_day: NaiveDate,
    /// The open period it was posted in (LEDGER-2): the day itself for penalties.
    pub posted_day: NaiveDate,
    pub amount_fen: i64,
    pub leads: i64,
    pub policy_id: Option<uuid::Uuid>,
    pub policy_version: i64,
    pub facts: serde_json::Value,
    pub explanation: String,
    /// Unique per company: re-evaluation and a second instance cannot post it twice.
    pub source_key: String,
    /// The penalty this entry is (or corrects): entries are summed per base key.
    pub base_key: String,
    pub refers_to: Option<uuid::Uuid>,
    pub reason: Option<String>,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

/// LEAD-1: a quarterly allocation as recorded in the lead ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeadAllocation {
    pub company_id: crate::ids::CompanyId,
    pub id: uuid::Uuid,
    pub agent_id: UserId,
    /// "2026Q4".
    pub quarter: String,
    pub granted: i64,
    pub deficit_after: i64,
    pub suspended: bool,
    pub facts: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// "2026Q4" → (first day, last day).
pub fn quarter_bounds(q: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (y, n) = q.split_once('Q')?;
    let year: i32 = y.parse().ok()?;
    let n: u32 = n.parse().ok()?;
    if !(1..=4).contains(&n) || y.len() != 4 {
        return None;
    }
    let first = NaiveDate::from_ymd_opt(year, (n - 1) * 3 + 1, 1)?;
    let next = if n == 4 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, n * 3 + 1, 1)?
    };
    Some((first, next.pred_opt()?))
}

/// The quarter before `q`.
pub fn previous_quarter(q: &str) -> Option<String> {
    let (first, _) = quarter_bounds(q)?;
    let prev = first.pred_opt()?;
    Some(quarter_of(prev))
}

pub fn quarter_of(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}Q{}", d.year(), (d.month() - 1) / 3 + 1)
}

#[cfg(test)]
mod quarter_tests {
    use super::*;

    #[test]
    fn lead_1_quarters() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default();
        assert_eq!(quarter_bounds("2026Q4"), Some((d(2026, 10, 1), d(2026, 12, 31))));
        assert_eq!(quarter_bounds("2026Q1"), Some((d(2026, 1, 1), d(2026, 3, 31))));
        assert_eq!(quarter_bounds("2026Q5"), None);
        assert_eq!(previous_quarter("2026Q1").as_deref(), Some("2025Q4"));
        assert_eq!(quarter_of(d(2026, 11, 3)), "2026Q4");
    }
}
