//! LIC-1: the licence status, derived from the record and the lapses, never typed in.

use super::{Lapse, LapseDue, Licence};
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    Unlicensed,
    Licensed,
    Lapsed,
}

impl LicenceStatus {
    pub const ALL: [LicenceStatus; 3] = [
        LicenceStatus::Unlicensed,
        LicenceStatus::Licensed,
        LicenceStatus::Lapsed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LicenceStatus::Unlicensed => "unlicensed",
            LicenceStatus::Licensed => "licensed",
            LicenceStatus::Lapsed => "lapsed",
        }
    }

    /// May the agent be the selling agent of a policy (COM-1)?
    pub fn may_sell(self) -> bool {
        self == LicenceStatus::Licensed
    }
}

/// The status on a day, why, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LicenceStanding {
    pub status: LicenceStatus,
    pub reason: String,
    /// Licensed since the certificate's issue date, lapsed since 1 January; none when
    /// unlicensed.
    pub since: Option<NaiveDate>,
}

/// LIC-1: an agent is *unlicensed* without a qualification certificate (or before its issue
/// date): they may log activities and write diaries, but may not be the selling agent of a
/// policy. With one they are *licensed*, unless a lapse (LIC-3) is in force on `day`: a recorded
/// one not yet reinstated, or one the rule asks for (`due`) that is not recorded yet, so the
/// status never waits for the background job. A lapsed agent is treated as unlicensed.
pub fn licence_standing(
    licence: Option<&Licence>,
    lapses: &[Lapse],
    due: Option<&LapseDue>,
    day: NaiveDate,
) -> LicenceStanding {
    let Some(l) = licence else {
        return LicenceStanding {
            status: LicenceStatus::Unlicensed,
            reason: "no qualification certificate is recorded".into(),
            since: None,
        };
    };
    if l.issued_on > day {
        return LicenceStanding {
            status: LicenceStatus::Unlicensed,
            reason: format!(
                "the qualification certificate {} takes effect on {}",
                l.qualification_certificate, l.issued_on
            ),
            since: None,
        };
    }
    let recorded = lapses.iter().filter(|x| x.open_on(day)).min_by_key(|x| x.lapsed_on);
    let pending = due
        .filter(|d| d.lapsed_on <= day && !lapses.iter().any(|x| x.year == d.year))
        .map(|d| Lapse::from_due(l.company_id, l.agent_id, d, l.updated_at));
    if let Some(x) = recorded.cloned().or(pending) {
        return LicenceStanding {
            status: LicenceStatus::Lapsed,
            reason: x.reason(),
            since: Some(x.lapsed_on),
        };
    }
    LicenceStanding {
        status: LicenceStatus::Licensed,
        reason: format!(
            "qualification certificate {} issued on {}",
            l.qualification_certificate, l.issued_on
        ),
        since: Some(l.issued_on),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::licence::test_licence;
    use chrono::Utc;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn due() -> LapseDue {
        LapseDue {
            year: 2026,
            lapsed_on: d(2027, 1, 1),
            done_tenths: 300,
            due_tenths: 360,
        }
    }

    #[test]
    fn lic_1_no_certificate_is_unlicensed_and_a_certificate_licenses_from_its_issue_date() {
        let none = licence_standing(None, &[], None, d(2026, 10, 1));
        assert_eq!(none.status, LicenceStatus::Unlicensed);
        assert!(!none.status.may_sell());
        let l = test_licence(d(2026, 10, 5), d(2026, 10, 1));
        assert_eq!(
            licence_standing(Some(&l), &[], None, d(2026, 10, 4)).status,
            LicenceStatus::Unlicensed
        );
        let on = licence_standing(Some(&l), &[], None, d(2026, 10, 5));
        assert_eq!((on.status, on.since), (LicenceStatus::Licensed, Some(d(2026, 10, 5))));
        assert!(on.status.may_sell());
    }

    #[test]
    fn lic_1_a_lapse_in_force_makes_the_agent_lapsed_until_reinstated() {
        let l = test_licence(d(2020, 3, 1), d(2026, 6, 1));
        // The rule's lapse counts before the job has recorded it…
        let derived = licence_standing(Some(&l), &[], Some(&due()), d(2027, 1, 1));
        assert_eq!(
            (derived.status, derived.since),
            (LicenceStatus::Lapsed, Some(d(2027, 1, 1)))
        );
        assert!(derived.reason.contains("lapsed on 2027-01-01: 30.0 of 36.0"));
        // …and once recorded and reinstated, it no longer does.
        let recorded = Lapse::from_due(l.company_id, l.agent_id, &due(), Utc::now());
        let open = licence_standing(Some(&l), std::slice::from_ref(&recorded), Some(&due()), d(2027, 1, 2));
        assert_eq!(open.status, LicenceStatus::Lapsed);
        let back = Lapse {
            reinstated_on: Some(d(2027, 1, 3)),
            ..recorded
        };
        let after = licence_standing(Some(&l), &[back], Some(&due()), d(2027, 1, 3));
        assert_eq!(after.status, LicenceStatus::Licensed);
    }
}
