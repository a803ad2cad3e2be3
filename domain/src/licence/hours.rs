//! LIC-2: the year's continuing-education account.

use super::Licence;
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

/// An agent's CE hours in one calendar year, as storage sums them (tenths).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CeHours {
    pub confirmed_tenths: i64,
    pub pending_tenths: i64,
}

/// Where an agent stands on a year's hours on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CeAccount {
    pub year: i32,
    /// Whether the year is owed at all (see `ce_account`).
    pub owed: bool,
    pub due_tenths: i64,
    pub confirmed_tenths: i64,
    pub pending_tenths: i64,
    /// The hours due by now at an even pace: due × the share of the year already gone.
    pub pace_tenths: i64,
    /// Hours still to do for the year.
    pub missing_tenths: i64,
    pub below_pace: bool,
    pub complete: bool,
}

fn days_in_year(year: i32) -> i64 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
        366
    } else {
        365
    }
}

/// LIC-2: every licensed agent completes `hours_per_year` (policy `ce_hours_per_year`) hours of
/// continuing education per calendar year, counted from confirmed courses only. A year is owed
/// when the qualification certificate was issued before it began (the exam year is itself the
/// training) and Fieldbook held the licence record by the year's end (years before the record
/// are not judged). On `today` (the branch's business day) the pace is the due hours times the
/// share of the year's days already past (27 of 36 hours on 1 October of 2026, rounded down to
/// the tenth); an owed agent whose confirmed hours are below it is below pace.
pub fn ce_account(
    licence: Option<&Licence>,
    year: i32,
    hours: CeHours,
    hours_per_year: u32,
    today: NaiveDate,
) -> CeAccount {
    let owed = licence.is_some_and(|l| l.issued_on.year() < year && l.recorded_on.year() <= year);
    let due = if owed { i64::from(hours_per_year) * 10 } else { 0 };
    let pace = if today.year() < year {
        0
    } else if today.year() > year {
        due
    } else {
        due * i64::from(today.ordinal0()) / days_in_year(year)
    };
    let done = hours.confirmed_tenths;
    CeAccount {
        year,
        owed,
        due_tenths: due,
        confirmed_tenths: done,
        pending_tenths: hours.pending_tenths,
        pace_tenths: pace,
        missing_tenths: (due - done).max(0),
        below_pace: owed && done < pace,
        complete: done >= due,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::licence::test_licence as licence;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn confirmed(tenths: i64) -> CeHours {
        CeHours {
            confirmed_tenths: tenths,
            pending_tenths: 0,
        }
    }

    #[test]
    fn lic_2_pace_on_1_october_is_27_hours_and_only_confirmed_hours_count() {
        let l = licence(d(2020, 3, 1), d(2026, 6, 1));
        let on_oct_1 = d(2026, 10, 1);
        let ten = ce_account(Some(&l), 2026, confirmed(100), 36, on_oct_1);
        assert_eq!(ten.pace_tenths, 269, "26.9 hours: 273 of 365 days are past");
        assert!(ten.owed && ten.below_pace && !ten.complete);
        assert_eq!(ten.missing_tenths, 260);
        let thirty = ce_account(Some(&l), 2026, confirmed(300), 36, on_oct_1);
        assert!(!thirty.below_pace);
        let pending = ce_account(
            Some(&l),
            2026,
            CeHours {
                confirmed_tenths: 100,
                pending_tenths: 300,
            },
            36,
            on_oct_1,
        );
        assert!(pending.below_pace, "pending hours do not count");
        let done = ce_account(Some(&l), 2026, confirmed(360), 36, d(2026, 12, 31));
        assert!(done.complete && !done.below_pace && done.missing_tenths == 0);
        // A past year's pace is the whole year's hours; a future year's is nothing.
        assert_eq!(
            ce_account(Some(&l), 2026, confirmed(0), 36, d(2027, 1, 1)).pace_tenths,
            360
        );
        assert_eq!(ce_account(Some(&l), 2027, confirmed(0), 36, on_oct_1).pace_tenths, 0);
        // The policy's hours.
        assert_eq!(
            ce_account(Some(&l), 2026, confirmed(0), 20, d(2027, 1, 1)).due_tenths,
            200
        );
    }

    #[test]
    fn lic_2_the_exam_year_and_years_before_the_record_are_not_owed() {
        let no_licence = ce_account(None, 2026, confirmed(0), 36, d(2026, 12, 31));
        assert!(!no_licence.owed && !no_licence.below_pace && no_licence.complete);
        let qualified_this_year = licence(d(2026, 2, 1), d(2026, 2, 1));
        assert!(!ce_account(Some(&qualified_this_year), 2026, confirmed(0), 36, d(2026, 12, 31)).owed);
        assert!(ce_account(Some(&qualified_this_year), 2027, confirmed(0), 36, d(2027, 12, 31)).owed);
        let recorded_2026 = licence(d(2020, 3, 1), d(2026, 6, 1));
        assert!(!ce_account(Some(&recorded_2026), 2025, confirmed(0), 36, d(2026, 6, 1)).owed);
    }
}
