//! Work diaries (DIA-1..DIA-5), the agent's calendar and leave (TIME-2) and spot checks: which
//! day has a diary, its state machine, the deadlines that classify its submission and its
//! review (all in the branch's local time), and what a spot-check finding implies.
//!
//! One rule, one function: DIA-1 [`diary_of_day`], DIA-2 [`DiaryStatus::apply`], DIA-3
//! [`classify_submission`], DIA-4 [`review_deadline`], DIA-5 [`record_finding`], TIME-2
//! [`day_status`].

mod calendar;
mod content;
mod deadlines;
mod queue;
mod spot_check;
mod state;

pub use calendar::*;
pub use content::*;
pub use deadlines::*;
pub use queue::*;
pub use spot_check::*;
pub use state::*;

use crate::ids::{CompanyId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// A diary as stored. Its activity summary is computed from the activities while it is
/// editable and frozen into `summary` when it is submitted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diary {
    pub company_id: CompanyId,
    pub id: uuid::Uuid,
    pub agent_id: UserId,
    pub date: NaiveDate,
    pub status: DiaryStatus,
    /// Incremented on every write; the ETag, so two devices cannot overwrite each other.
    pub version: i64,
    pub notes: String,
    pub plan: TomorrowPlan,
    pub summary: Option<DiarySummary>,
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub review_deadline: Option<DateTime<Utc>>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One entry of a diary's history (every transition, stamped with server time and actor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiaryEvent {
    pub at: DateTime<Utc>,
    pub actor_id: UserId,
    pub action: DiaryAction,
    pub from_status: Option<DiaryStatus>,
    pub to_status: DiaryStatus,
    pub comment: Option<String>,
}

/// Why no diary can be opened for a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoDiary {
    /// The day is after the branch's current business day.
    Future { today: NaiveDate },
    /// The day carries no daily duty for this agent (rest, holiday or leave).
    NotDue(DayStatus),
}

/// The diary of an agent-day: the one already stored, or a fresh draft to store.
#[derive(Debug, Clone, PartialEq)]
pub enum DiaryOfDay {
    Existing(Diary),
    Draft(Diary),
}

/// DIA-1: one diary per agent per working day. A day after `today` (the branch's business
/// day) has none yet. Otherwise the stored diary of the day is the diary, whatever the day's
/// status has become since (a draft opened before leave was approved stays readable); without
/// one, a draft (empty notes and plan; its summary is the day's activities) opens only on a
/// day with daily duty (TIME-2: working, not on leave). Storage keeps one per agent and day,
/// so concurrent first reads converge on the same diary.
pub fn diary_of_day(
    company: CompanyId,
    agent: UserId,
    day: NaiveDate,
    today: NaiveDate,
    status: DayStatus,
    existing: Option<Diary>,
    now: DateTime<Utc>,
) -> Result<DiaryOfDay, NoDiary> {
    if day > today {
        return Err(NoDiary::Future { today });
    }
    if let Some(d) = existing {
        return Ok(DiaryOfDay::Existing(d));
    }
    if !status.has_daily_duty() {
        return Err(NoDiary::NotDue(status));
    }
    Ok(DiaryOfDay::Draft(Diary {
        company_id: company,
        id: uuid::Uuid::now_v7(),
        agent_id: agent,
        date: day,
        status: DiaryStatus::Draft,
        version: 1,
        notes: String::new(),
        plan: TomorrowPlan::default(),
        summary: None,
        first_submitted_at: None,
        submitted_at: None,
        review_deadline: None,
        reviewed_at: None,
        reviewed_by: None,
        created_at: now,
        updated_at: now,
    }))
}

/// A diary as shown: the stored diary, its summary (live while editable, frozen once
/// submitted), how its submission and review are classified now, and its history.
#[derive(Debug, Clone, PartialEq)]
pub struct DiaryView {
    pub diary: Diary,
    pub summary: DiarySummary,
    pub submission: SubmissionView,
    pub review: Option<ReviewView>,
    pub history: Vec<DiaryEvent>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap_or_default()
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 10, 4, 0, 0).single().unwrap_or_default()
    }

    fn open(day: NaiveDate, status: DayStatus, existing: Option<Diary>) -> Result<DiaryOfDay, NoDiary> {
        diary_of_day(CompanyId::new(), UserId::new(), day, d(10), status, existing, now())
    }

    #[test]
    fn dia_1_one_diary_per_agent_per_working_day() {
        // A working day opens a draft, empty but for its day.
        let Ok(DiaryOfDay::Draft(draft)) = open(d(9), DayStatus::Working, None) else {
            panic!("a working day opens a draft");
        };
        assert_eq!((draft.date, draft.status, draft.version), (d(9), DiaryStatus::Draft, 1));
        assert_eq!((draft.notes.as_str(), &draft.plan), ("", &TomorrowPlan::default()));
        assert_eq!(draft.summary, None);
        // The stored diary is the diary: no second one for the same day.
        let existing = open(d(9), DayStatus::Working, Some(draft.clone()));
        assert_eq!(existing, Ok(DiaryOfDay::Existing(draft.clone())));
        // Days without duty have none, unless one was opened before (leave approved later).
        for s in [DayStatus::Rest, DayStatus::Holiday, DayStatus::Leave] {
            assert_eq!(open(d(9), s, None), Err(NoDiary::NotDue(s)));
        }
        assert_eq!(
            open(d(9), DayStatus::Leave, Some(draft.clone())),
            Ok(DiaryOfDay::Existing(draft.clone()))
        );
        // Today has one; tomorrow has none yet, even if something was stored.
        assert!(matches!(
            open(d(10), DayStatus::Working, None),
            Ok(DiaryOfDay::Draft(_))
        ));
        assert_eq!(
            open(d(11), DayStatus::Working, Some(draft)),
            Err(NoDiary::Future { today: d(10) })
        );
    }
}
