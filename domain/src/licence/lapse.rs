//! LIC-3: the year's end — a lapse from 1 January for an agent short of the year's hours, and
//! the reminders that come before it.

use super::{format_hours, CeAccount, LicencePolicy};
use crate::ids::{CompanyId, UserId};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

/// A lapse the rule asks for: the year that fell short and the day the licence lapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LapseDue {
    /// The CE year that fell short.
    pub year: i32,
    /// 1 January of the next year, in the branch's zone.
    pub lapsed_on: NaiveDate,
    pub done_tenths: i64,
    pub due_tenths: i64,
}

/// A lapse as recorded (once per agent and CE year) and, later, its reinstatement by HR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lapse {
    pub company_id: CompanyId,
    pub agent_id: UserId,
    pub year: i32,
    pub lapsed_on: NaiveDate,
    pub done_tenths: i64,
    pub due_tenths: i64,
    pub created_at: DateTime<Utc>,
    /// The business day HR reinstated the licence (the agent is licensed again from then).
    pub reinstated_on: Option<NaiveDate>,
    pub reinstated_at: Option<DateTime<Utc>>,
    pub reinstated_by: Option<UserId>,
}

impl Lapse {
    pub fn from_due(company: CompanyId, agent: UserId, due: &LapseDue, at: DateTime<Utc>) -> Lapse {
        Lapse {
            company_id: company,
            agent_id: agent,
            year: due.year,
            lapsed_on: due.lapsed_on,
            done_tenths: due.done_tenths,
            due_tenths: due.due_tenths,
            created_at: at,
            reinstated_on: None,
            reinstated_at: None,
            reinstated_by: None,
        }
    }

    /// In force on `day`: lapsed by then and not reinstated by then.
    pub fn open_on(&self, day: NaiveDate) -> bool {
        self.lapsed_on <= day && self.reinstated_on.is_none_or(|r| r > day)
    }

    /// Why the licence lapsed, as the refusal and the profile say it.
    pub fn reason(&self) -> String {
        format!(
            "lapsed on {}: {} of {} continuing-education hours completed in {}",
            self.lapsed_on,
            format_hours(self.done_tenths),
            format_hours(self.due_tenths),
            self.year
        )
    }
}

/// What the CE rule asks for on a day.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CeConsequences {
    pub lapse: Option<LapseDue>,
    /// The reminder slot due (`2026-10`, or `2026-12-w2` in December): one reminder per slot.
    pub reminder: Option<String>,
}

/// LIC-3: an agent who owed the previous year's hours and did not complete them by 31 December
/// (the branch's zone) has a lapsed licence from 1 January; and from `ce_reminder_from`
/// (default 1 October) an agent below pace (see LIC-2) is reminded once per month, and once per
/// week in December (days 1–7, 8–14, 15–21, 22–28, 29–31). `today` is the branch's business day;
/// `previous` and `current` are the accounts of the year before and of today's year.
pub fn ce_consequences(
    today: NaiveDate,
    previous: &CeAccount,
    current: &CeAccount,
    policy: &LicencePolicy,
) -> CeConsequences {
    let lapse = (previous.owed && previous.year < today.year() && previous.confirmed_tenths < previous.due_tenths)
        .then(|| NaiveDate::from_ymd_opt(previous.year + 1, 1, 1))
        .flatten()
        .map(|lapsed_on| LapseDue {
            year: previous.year,
            lapsed_on,
            done_tenths: previous.confirmed_tenths,
            due_tenths: previous.due_tenths,
        });
    let reminding = current.year == today.year()
        && current.below_pace
        && policy.reminder_from(today.year()).is_some_and(|from| today >= from);
    let reminder = reminding.then(|| {
        if today.month() == 12 {
            format!("{}-12-w{}", today.year(), today.day0() / 7 + 1)
        } else {
            format!("{}-{:02}", today.year(), today.month())
        }
    });
    CeConsequences { lapse, reminder }
}

/// The way back from a lapse: HR reinstates once the lapsed year's confirmed hours reach what
/// was due. The error names what is still missing.
pub fn check_reinstatement(due_tenths: i64, confirmed_now_tenths: i64, year: i32) -> Result<(), String> {
    if confirmed_now_tenths < due_tenths {
        return Err(format!(
            "{} of {} continuing-education hours of {year} are confirmed: record the missing {} first",
            format_hours(confirmed_now_tenths),
            format_hours(due_tenths),
            format_hours(due_tenths - confirmed_now_tenths)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::licence::{ce_account, test_licence, CeHours};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn on(today: NaiveDate, prev_tenths: i64, cur_tenths: i64) -> CeConsequences {
        let l = test_licence(d(2020, 3, 1), d(2025, 6, 1));
        let hours = |t| CeHours {
            confirmed_tenths: t,
            pending_tenths: 0,
        };
        let prev = ce_account(Some(&l), today.year() - 1, hours(prev_tenths), 36, today);
        let cur = ce_account(Some(&l), today.year(), hours(cur_tenths), 36, today);
        ce_consequences(today, &prev, &cur, &LicencePolicy::default())
    }

    #[test]
    fn lic_3_short_of_the_hours_lapses_on_1_january_and_36_hours_do_not() {
        let short = on(d(2027, 1, 1), 300, 0);
        assert_eq!(
            short.lapse,
            Some(LapseDue {
                year: 2026,
                lapsed_on: d(2027, 1, 1),
                done_tenths: 300,
                due_tenths: 360
            })
        );
        assert_eq!(on(d(2027, 1, 1), 360, 0).lapse, None);
        // Still on 31 December: the year is not over.
        assert_eq!(on(d(2026, 12, 31), 360, 300).lapse, None);
        // A year not owed never lapses.
        let fresh = test_licence(d(2026, 3, 1), d(2026, 3, 1));
        let prev = ce_account(Some(&fresh), 2026, CeHours::default(), 36, d(2027, 1, 1));
        let cur = ce_account(Some(&fresh), 2027, CeHours::default(), 36, d(2027, 1, 1));
        assert_eq!(
            ce_consequences(d(2027, 1, 1), &prev, &cur, &LicencePolicy::default()).lapse,
            None
        );
    }

    #[test]
    fn lic_3_reminders_from_1_october_monthly_then_weekly_in_december() {
        assert_eq!(on(d(2026, 10, 1), 360, 100).reminder.as_deref(), Some("2026-10"));
        assert_eq!(on(d(2026, 10, 31), 360, 100).reminder.as_deref(), Some("2026-10"));
        assert_eq!(on(d(2026, 10, 1), 360, 300).reminder, None, "30 hours are above pace");
        assert_eq!(on(d(2026, 9, 30), 360, 0).reminder, None, "before ce_reminder_from");
        assert_eq!(on(d(2026, 11, 15), 360, 100).reminder.as_deref(), Some("2026-11"));
        assert_eq!(on(d(2026, 12, 1), 360, 100).reminder.as_deref(), Some("2026-12-w1"));
        assert_eq!(on(d(2026, 12, 8), 360, 100).reminder.as_deref(), Some("2026-12-w2"));
        assert_eq!(on(d(2026, 12, 31), 360, 100).reminder.as_deref(), Some("2026-12-w5"));
        let later = LicencePolicy {
            ce_reminder_from_month: 11,
            ..LicencePolicy::default()
        };
        let l = test_licence(d(2020, 3, 1), d(2025, 6, 1));
        let cur = ce_account(Some(&l), 2026, CeHours::default(), 36, d(2026, 10, 5));
        assert_eq!(ce_consequences(d(2026, 10, 5), &cur, &cur, &later).reminder, None);
    }

    #[test]
    fn lic_3_reinstatement_needs_the_missing_hours() {
        assert!(check_reinstatement(360, 300, 2026).is_err_and(|e| e.contains("missing 6.0")));
        assert!(check_reinstatement(360, 360, 2026).is_ok());
        let lapse = Lapse::from_due(
            CompanyId(uuid::Uuid::nil()),
            UserId(uuid::Uuid::nil()),
            &LapseDue {
                year: 2026,
                lapsed_on: d(2027, 1, 1),
                done_tenths: 300,
                due_tenths: 360,
            },
            Utc::now(),
        );
        assert!(!lapse.open_on(d(2026, 12, 31)) && lapse.open_on(d(2027, 1, 1)));
        let back = Lapse {
            reinstated_on: Some(d(2027, 1, 5)),
            ..lapse
        };
        assert!(back.open_on(d(2027, 1, 4)) && !back.open_on(d(2027, 1, 5)));
        assert_eq!(
            back.reason(),
            "lapsed on 2027-01-01: 30.0 of 36.0 continuing-education hours completed in 2026"
        );
    }
}
