//! The monthly and weekly requirements of one agent-month, and what a policy may attach to a
//! shortfall (QUO-3).

use super::{DayTally, Requirement};
use crate::diary::DayStatus;
use crate::ids::UserId;
use crate::penalty::{PenaltyDraft, PersonRole};
use crate::period::Month;
use crate::policy::{MonthlyPolicy, PolicyInForce};
use crate::rules::RuleId;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Serialize;
use serde_json::json;

/// One day of the month on which the agent belonged to the branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgentDay {
    pub day: NaiveDate,
    pub status: DayStatus,
    pub tally: DayTally,
}

/// An assigned outlet and the days the agent served it within the month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutletVisits {
    pub outlet_id: uuid::Uuid,
    pub days: Vec<NaiveDate>,
}

/// QUO-OUTLET for one outlet and one ISO week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutletWeek {
    /// ISO week, e.g. "2026-W45".
    pub week: String,
    pub outlet_id: uuid::Uuid,
    pub visits: i64,
    pub required: i64,
    pub met: bool,
}

/// QUO-MEET's record: working days and the meetings attended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingRecord {
    pub working_days: i64,
    pub morning_meetings: i64,
    pub evening_meetings: i64,
}

/// The monthly requirements of one agent-month (stored as JSON when the month closes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// QUO-FACE-M: counted face visits over the calendar month.
pub fn face_visits_month(days: &[AgentDay], policy: &MonthlyPolicy) -> Requirement {
    let counted = days.iter().map(|d| d.tally.face_visits).sum();
    Requirement::new(counted, i64::from(policy.face_visits_per_month))
}

/// QUO-CALL-M: counted phone services over the calendar month.
pub fn calls_month(days: &[AgentDay], policy: &MonthlyPolicy) -> Requirement {
    let counted = days.iter().map(|d| d.tally.calls).sum();
    Requirement::new(counted, i64::from(policy.calls_per_month))
}

/// QUO-RENEW: renewal collections dated before the month's `renewal_deadline_day` (a deadline
/// past the month's end means the whole month).
pub fn renewals_month(month: Month, days: &[AgentDay], policy: &MonthlyPolicy) -> Requirement {
    let (from, to) = month.bounds();
    let before = (from + Duration::days(i64::from(policy.renewal_deadline_day) - 1)).min(to + Duration::days(1));
    let counted = days.iter().filter(|d| d.day < before).map(|d| d.tally.renewals).sum();
    Requirement::new(counted, i64::from(policy.renewals_per_month))
}

/// QUO-OUTLET: at least `outlet_visits_per_week` services at each assigned outlet in every ISO
/// week whose Monday falls in the month.
pub fn outlet_weeks(month: Month, outlet: &OutletVisits, policy: &MonthlyPolicy) -> Vec<OutletWeek> {
    let (from, to) = month.bounds();
    let required = i64::from(policy.outlet_visits_per_week);
    let mut out = Vec::new();
    let mut monday = from;
    while monday.weekday() != Weekday::Mon {
        monday += Duration::days(1);
    }
    while monday <= to {
        let end = monday + Duration::days(6);
        let visits = outlet.days.iter().filter(|v| **v >= monday && **v <= end).count() as i64;
        let iso = monday.iso_week();
        out.push(OutletWeek {
            week: format!("{}-W{:02}", iso.year(), iso.week()),
            outlet_id: outlet.outlet_id,
            visits,
            required,
            met: visits >= required,
        });
        monday += Duration::days(7);
    }
    out
}

/// QUO-MEET: attendance at the daily meetings is recorded on each working day (not required).
pub fn meetings_month(days: &[AgentDay]) -> MeetingRecord {
    MeetingRecord {
        working_days: days.iter().filter(|d| d.status == DayStatus::Working).count() as i64,
        morning_meetings: days.iter().map(|d| d.tally.morning_meetings).sum(),
        evening_meetings: days.iter().map(|d| d.tally.evening_meetings).sum(),
    }
}

/// The monthly requirements of one agent-month under the version judging the month.
pub fn month_compliance(
    month: Month,
    days: &[AgentDay],
    outlets: &[OutletVisits],
    policy: &PolicyInForce,
) -> MonthlyCompliance {
    let m = &policy.document.monthly;
    let meet = meetings_month(days);
    MonthlyCompliance {
        face_visits: face_visits_month(days, m),
        phone_services: calls_month(days, m),
        renewals: renewals_month(month, days, m),
        outlet_weeks: outlets.iter().flat_map(|o| outlet_weeks(month, o, m)).collect(),
        working_days: meet.working_days,
        morning_meetings: meet.morning_meetings,
        evening_meetings: meet.evening_meetings,
        policy_version: policy.version,
    }
}

/// QUO-3: monthly requirements are compliance results (met / short by N); by default they carry
/// no money, and a policy may attach an amount per missing unit to the face-visit, call and
/// renewal shortfalls.
pub fn monthly_shortfall_penalties(
    agent: UserId,
    month: Month,
    c: &MonthlyCompliance,
    policy: &PolicyInForce,
) -> Vec<PenaltyDraft> {
    let per_unit = policy.document.penalties.monthly_shortfall_fen_per_unit;
    if per_unit <= 0 {
        return Vec::new();
    }
    let v = policy.version;
    [
        (RuleId::QuoFaceM, "face visits", &c.face_visits),
        (RuleId::QuoCallM, "phone services", &c.phone_services),
        (RuleId::QuoRenew, "renewal collections", &c.renewals),
    ]
    .into_iter()
    .filter(|(_, _, req)| req.short_by > 0)
    .map(|(rule, label, req)| PenaltyDraft {
        key: format!("{rule}:{agent}:{month}"),
        rule_id: rule,
        person: agent,
        role: PersonRole::Agent,
        day: month.first_day(),
        amount_fen: per_unit * req.short_by,
        leads: 0,
        policy_version: v,
        facts: json!({"month": month.to_string(), "counted": req.counted, "required": req.required}),
        explanation: format!(
            "{} of {} {label} in {month} under policy v{v}: {} fen",
            req.counted,
            req.required,
            per_unit * req.short_by
        ),
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{PenaltyPolicy, PolicyDocument};

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default()
    }

    fn nov() -> Month {
        Month::parse("2026-11").unwrap_or_else(|| panic!("month"))
    }

    fn day(n: u32, tally: DayTally) -> AgentDay {
        AgentDay {
            day: d(11, n),
            status: DayStatus::Working,
            tally,
        }
    }

    fn tally(face: i64, calls: i64, renewals: i64) -> DayTally {
        DayTally {
            face_visits: face,
            calls,
            renewals,
            ..DayTally::default()
        }
    }

    #[test]
    fn quo_face_m_sixty_visits_a_month() {
        let days = [day(2, tally(30, 0, 0)), day(3, tally(20, 0, 0))];
        assert_eq!(
            face_visits_month(&days, &MonthlyPolicy::default()),
            Requirement::new(50, 60)
        );
    }

    #[test]
    fn quo_call_m_a_hundred_calls_a_month() {
        let days = [day(2, tally(0, 100, 0))];
        assert!(calls_month(&days, &MonthlyPolicy::default()).met);
    }

    #[test]
    fn quo_renew_counts_only_before_the_deadline_day() {
        let days = [day(9, tally(0, 0, 15)), day(10, tally(0, 0, 9))];
        let r = renewals_month(nov(), &days, &MonthlyPolicy::default());
        assert_eq!((r.counted, r.short_by), (15, 5));
        let late = MonthlyPolicy {
            renewal_deadline_day: 31,
            ..MonthlyPolicy::default()
        };
        assert_eq!(renewals_month(nov(), &days, &late).counted, 24);
    }

    #[test]
    fn quo_outlet_every_iso_week_starting_in_the_month() {
        let o = OutletVisits {
            outlet_id: uuid::Uuid::nil(),
            days: vec![d(11, 3), d(11, 4), d(11, 30)],
        };
        let w = outlet_weeks(nov(), &o, &MonthlyPolicy::default());
        // Mondays of November 2026: 2, 9, 16, 23, 30.
        assert_eq!(w.len(), 5);
        assert_eq!((w[0].week.as_str(), w[0].visits, w[0].met), ("2026-W45", 2, true));
        assert!(!w[1].met);
        assert!(w[4].met);
    }

    #[test]
    fn quo_meet_is_recorded_not_required() {
        let mut days = vec![day(
            2,
            DayTally {
                morning_meetings: 1,
                evening_meetings: 1,
                ..DayTally::default()
            },
        )];
        days.push(AgentDay {
            day: d(11, 8),
            status: DayStatus::Rest,
            tally: DayTally::default(),
        });
        assert_eq!(
            meetings_month(&days),
            MeetingRecord {
                working_days: 1,
                morning_meetings: 1,
                evening_meetings: 1
            }
        );
    }

    #[test]
    fn quo_3_shortfalls_carry_money_only_when_the_policy_attaches_it() {
        let days = [day(2, tally(14, 24, 0))];
        let mut p = PolicyInForce::default();
        let c = month_compliance(nov(), &days, &[], &p);
        assert_eq!((c.face_visits.met, c.face_visits.short_by), (false, 46));
        let agent = UserId(uuid::Uuid::nil());
        assert!(monthly_shortfall_penalties(agent, nov(), &c, &p).is_empty());
        p.version = 3;
        p.document = PolicyDocument {
            penalties: PenaltyPolicy {
                monthly_shortfall_fen_per_unit: 10,
                ..PenaltyPolicy::default()
            },
            ..PolicyDocument::default()
        };
        let drafts = monthly_shortfall_penalties(agent, nov(), &c, &p);
        let rules: Vec<RuleId> = drafts.iter().map(|x| x.rule_id).collect();
        assert_eq!(rules, vec![RuleId::QuoFaceM, RuleId::QuoCallM, RuleId::QuoRenew]);
        assert_eq!(drafts[0].amount_fen, 460);
        assert_eq!(drafts[0].key, format!("QUO-FACE-M:{agent}:2026-11"));
        assert_eq!(drafts[0].day, d(11, 1));
    }
}
