//! An agent's working calendar: the branch's working days less approved leave, and the leave
//! requests that remove days from it.

use crate::ids::{CompanyId, UserId};
use crate::period::Month;
use crate::time::{BranchCalendar, ExceptionKind};
use crate::ValidationErrors;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;

/// Status of one calendar day for an agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DayStatus {
    Working,
    Rest,
    Holiday,
    /// Approved leave on a working day: no daily duty.
    Leave,
}

impl DayStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DayStatus::Working => "working",
            DayStatus::Rest => "rest",
            DayStatus::Holiday => "holiday",
            DayStatus::Leave => "leave",
        }
    }

    /// A diary (and every daily quota, QUO-DIARY) is due only on working days.
    pub fn has_daily_duty(self) -> bool {
        self == DayStatus::Working
    }
}

/// TIME-2: a day's status for an agent: the branch calendar's working weekdays and dated
/// exceptions (holidays, make-up working days) decide working, rest or holiday; approved
/// leave turns a working day into leave, which carries no daily duty.
pub fn day_status(day: NaiveDate, calendar: &BranchCalendar, on_leave: bool) -> DayStatus {
    if !calendar.is_working_day(day) {
        return match calendar.exceptions.get(&day) {
            Some(ExceptionKind::Holiday) => DayStatus::Holiday,
            _ => DayStatus::Rest,
        };
    }
    if on_leave {
        DayStatus::Leave
    } else {
        DayStatus::Working
    }
}

/// Every day of `month` with its status, given the agent's leave (only approved leave counts).
pub fn month_days(month: Month, calendar: &BranchCalendar, leave: &[LeaveRequest]) -> Vec<(NaiveDate, DayStatus)> {
    let (first, last) = month.bounds();
    let mut days = Vec::new();
    let mut d = first;
    while d <= last {
        let on_leave = leave.iter().any(|l| l.covers(d));
        days.push((d, day_status(d, calendar, on_leave)));
        d += Duration::days(1);
    }
    days
}

/// A leave request's state: requested, then approved or rejected once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaveStatus {
    Requested,
    Approved,
    Rejected,
}

impl LeaveStatus {
    pub const ALL: [LeaveStatus; 3] = [Self::Requested, Self::Approved, Self::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            LeaveStatus::Requested => "requested",
            LeaveStatus::Approved => "approved",
            LeaveStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeaveRequest {
    pub company_id: CompanyId,
    pub id: uuid::Uuid,
    pub agent_id: UserId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reason: String,
    pub status: LeaveStatus,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_comment: Option<String>,
}

/// The longest leave one request may cover, in days.
pub const MAX_LEAVE_DAYS: i64 = 60;

/// An agent's request for leave, as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaveAsked {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reason: String,
}

/// How a leave request is decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveDecision {
    Approve,
    Reject,
}

/// A decision on a request that was already decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlreadyDecided;

fn trimmed(s: Option<String>) -> Option<String> {
    s.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty())
}

impl LeaveRequest {
    /// A new request by `agent`: a span of at most [`MAX_LEAVE_DAYS`] days, `to` not before `from`.
    pub fn request(
        company: CompanyId,
        agent: UserId,
        asked: LeaveAsked,
        now: DateTime<Utc>,
    ) -> Result<LeaveRequest, ValidationErrors> {
        if asked.to < asked.from {
            return Err(ValidationErrors::single("/to", "must not be before 'from'"));
        }
        if (asked.to - asked.from).num_days() >= MAX_LEAVE_DAYS {
            return Err(ValidationErrors::single(
                "/to",
                format!("a request covers at most {MAX_LEAVE_DAYS} days"),
            ));
        }
        Ok(LeaveRequest {
            company_id: company,
            id: uuid::Uuid::now_v7(),
            agent_id: agent,
            from: asked.from,
            to: asked.to,
            reason: asked.reason.trim().to_owned(),
            status: LeaveStatus::Requested,
            requested_at: now,
            decided_by: None,
            decided_at: None,
            decision_comment: None,
        })
    }

    /// The request decided by `by`, once: a decided request cannot be decided again.
    pub fn decide(
        &self,
        decision: LeaveDecision,
        by: UserId,
        comment: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<LeaveRequest, AlreadyDecided> {
        if self.status != LeaveStatus::Requested {
            return Err(AlreadyDecided);
        }
        Ok(LeaveRequest {
            status: match decision {
                LeaveDecision::Approve => LeaveStatus::Approved,
                LeaveDecision::Reject => LeaveStatus::Rejected,
            },
            decided_by: Some(by),
            decided_at: Some(now),
            decision_comment: trimmed(comment),
            ..self.clone()
        })
    }

    /// Whether this is approved leave covering `day`.
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.status == LeaveStatus::Approved && self.from <= day && day <= self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn asked(from: NaiveDate, to: NaiveDate) -> LeaveAsked {
        LeaveAsked {
            from,
            to,
            reason: " family ".into(),
        }
    }

    #[test]
    fn time_2_day_status_and_duty() {
        let mut cal = BranchCalendar::default();
        cal.exceptions.insert(d(2026, 10, 1), ExceptionKind::Holiday);
        assert_eq!(day_status(d(2026, 10, 1), &cal, false), DayStatus::Holiday);
        assert_eq!(day_status(d(2026, 11, 8), &cal, false), DayStatus::Rest);
        assert_eq!(day_status(d(2026, 11, 8), &cal, true), DayStatus::Rest);
        assert_eq!(day_status(d(2026, 11, 9), &cal, true), DayStatus::Leave);
        assert_eq!(day_status(d(2026, 11, 9), &cal, false), DayStatus::Working);
        assert!(DayStatus::Working.has_daily_duty());
        assert!(!DayStatus::Leave.has_daily_duty());
    }

    #[test]
    fn time_2_month_days_count_only_approved_leave() {
        let mut cal = BranchCalendar::default();
        cal.exceptions.insert(d(2026, 11, 10), ExceptionKind::Holiday);
        let now = DateTime::<Utc>::default();
        let agent = UserId::new();
        let Ok(requested) =
            LeaveRequest::request(CompanyId::new(), agent, asked(d(2026, 11, 12), d(2026, 11, 13)), now)
        else {
            panic!("a valid request");
        };
        let approved = requested.decide(LeaveDecision::Approve, UserId::new(), None, now);
        let leave = [requested.clone(), approved.clone().unwrap_or(requested.clone())];
        let days = month_days(Month::new(2026, 11).unwrap_or(Month::of(d(2026, 11, 1))), &cal, &leave);
        assert_eq!(days.len(), 30);
        let status = |day: usize| days[day - 1].1;
        assert_eq!(
            (status(7), status(8), status(10), status(12), status(13), status(14)),
            (
                DayStatus::Working,
                DayStatus::Rest,
                DayStatus::Holiday,
                DayStatus::Leave,
                DayStatus::Leave,
                DayStatus::Working
            )
        );
        assert!(!requested.covers(d(2026, 11, 12)));
    }

    #[test]
    fn leave_requests_are_bounded_and_decided_once() {
        let now = DateTime::<Utc>::default();
        let req = |from, to| LeaveRequest::request(CompanyId::new(), UserId::new(), asked(from, to), now);
        let backwards = req(d(2026, 11, 13), d(2026, 11, 12)).err();
        assert_eq!(backwards.map(|e| e.0[0].pointer.clone()).as_deref(), Some("/to"));
        assert!(req(d(2026, 11, 1), d(2026, 12, 31)).is_err(), "60 days apart");
        let Ok(ok) = req(d(2026, 11, 1), d(2026, 12, 30)) else {
            panic!("59 days apart is allowed");
        };
        assert_eq!((ok.reason.as_str(), ok.status), ("family", LeaveStatus::Requested));
        let by = UserId::new();
        let Ok(rejected) = ok.decide(LeaveDecision::Reject, by, Some("  busy ".into()), now) else {
            panic!("a requested leave can be decided");
        };
        assert_eq!(rejected.status, LeaveStatus::Rejected);
        assert_eq!(rejected.decision_comment.as_deref(), Some("busy"));
        assert_eq!(
            rejected.decide(LeaveDecision::Approve, by, None, now),
            Err(AlreadyDecided)
        );
        for s in LeaveStatus::ALL {
            assert_eq!(LeaveStatus::parse(s.as_str()), Some(s));
        }
    }
}
