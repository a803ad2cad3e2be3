//! The licence report's figures: statuses and CE completion counted per team and branch.

use super::{CeAccount, LicenceStatus};
use serde::Serialize;

/// Counts for one team or branch in one year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LicenceTally {
    pub agents: u32,
    pub licensed: u32,
    pub unlicensed: u32,
    pub lapsed: u32,
    /// Agents who owed the year's CE hours (LIC-2), and those of them who completed them.
    pub ce_owed: u32,
    pub ce_completed: u32,
    pub ce_confirmed_tenths: i64,
    pub ce_due_tenths: i64,
}

impl LicenceTally {
    /// Counts one agent: their status on the report's day and their account of its year.
    pub fn add(&mut self, status: LicenceStatus, account: &CeAccount) {
        self.agents += 1;
        match status {
            LicenceStatus::Licensed => self.licensed += 1,
            LicenceStatus::Unlicensed => self.unlicensed += 1,
            LicenceStatus::Lapsed => self.lapsed += 1,
        }
        if account.owed {
            self.ce_owed += 1;
            self.ce_completed += u32::from(account.complete);
            // Hours beyond the year's due do not make up for someone else's shortfall.
            self.ce_confirmed_tenths += account.confirmed_tenths.min(account.due_tenths);
            self.ce_due_tenths += account.due_tenths;
        }
    }

    /// Completed share of the owed agents in whole percent (100 when nobody owed the year).
    pub fn completion_percent(&self) -> u32 {
        (self.ce_completed * 100).checked_div(self.ce_owed).unwrap_or(100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::licence::{ce_account, test_licence, CeHours};
    use chrono::NaiveDate;

    #[test]
    fn a_tally_counts_statuses_and_completion_of_the_owed_only() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        let l = test_licence(d(2020, 1, 1), d(2026, 1, 5));
        let hours = |t| CeHours {
            confirmed_tenths: t,
            pending_tenths: 0,
        };
        let mut t = LicenceTally::default();
        t.add(
            LicenceStatus::Licensed,
            &ce_account(Some(&l), 2026, hours(400), 36, d(2026, 12, 31)),
        );
        t.add(
            LicenceStatus::Licensed,
            &ce_account(Some(&l), 2026, hours(100), 36, d(2026, 12, 31)),
        );
        t.add(
            LicenceStatus::Unlicensed,
            &ce_account(None, 2026, hours(0), 36, d(2026, 12, 31)),
        );
        assert_eq!((t.agents, t.licensed, t.unlicensed, t.lapsed), (3, 2, 1, 0));
        assert_eq!(
            (t.ce_owed, t.ce_completed, t.ce_confirmed_tenths, t.ce_due_tenths),
            (2, 1, 460, 720)
        );
        assert_eq!(t.completion_percent(), 50);
        assert_eq!(LicenceTally::default().completion_percent(), 100);
    }
}
