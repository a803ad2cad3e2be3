//! The one branch context every use case works in (TIME-1..3, POL-1): the branch, its zone,
//! its working calendar, its meeting windows and every policy version that can apply to it.
//! Ingest, diaries, callbacks and every job build it the same way (`api::app::context`), so
//! "which day is it there" and "which policy is in force" have one answer.

use crate::ids::{BranchId, CompanyId};
use crate::org::Branch;
use crate::policy::{PolicyInForce, PolicyVersion};
use crate::time::{business_day, local_instant, BranchCalendar, MeetingWindow};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use std::collections::HashMap;

/// The zone for people without a branch (back-office staff): the rulebook's default.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Asia::Shanghai;

#[derive(Debug, Clone)]
pub struct BranchContext {
    pub branch: Branch,
    pub tz: Tz,
    pub calendar: BranchCalendar,
    pub morning: MeetingWindow,
    pub evening: MeetingWindow,
    /// The company's versions (company- and branch-scoped); POL-1 picks among them per day.
    pub versions: Vec<PolicyVersion>,
}

impl BranchContext {
    pub fn new(branch: Branch, versions: Vec<PolicyVersion>) -> Self {
        let tz = branch.settings.time_zone.tz();
        Self {
            tz,
            calendar: branch.settings.calendar(),
            morning: branch.settings.morning_meeting,
            evening: branch.settings.evening_meeting,
            branch,
            versions,
        }
    }

    pub fn company_id(&self) -> CompanyId {
        self.branch.company_id
    }

    pub fn branch_id(&self) -> BranchId {
        self.branch.id
    }

    /// The business day of an instant in the branch's zone (TIME-1, see `time::business_day`).
    pub fn business_day(&self, at: DateTime<Utc>) -> NaiveDate {
        business_day(at, self.tz)
    }

    /// A local wall-clock time on a business day, as an instant.
    pub fn instant(&self, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
        local_instant(day, time, self.tz)
    }

    /// Local midnight starting `day`.
    pub fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        self.instant(day, NaiveTime::MIN)
    }

    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        self.calendar.is_working_day(day)
    }

    /// The version in force on `day` (POL-1, see `policy::version_in_force`).
    pub fn policy_on(&self, day: NaiveDate) -> PolicyInForce {
        PolicyInForce::from_versions(&self.versions, Some(self.branch.id), day)
    }

    /// POL-1 for every day of a range, resolved once per day.
    pub fn policies_by_day(&self, from: NaiveDate, to: NaiveDate) -> HashMap<NaiveDate, PolicyInForce> {
        let mut out = HashMap::new();
        let mut d = from;
        while d <= to {
            out.insert(d, self.policy_on(d));
            d += Duration::days(1);
        }
        out
    }

    /// When day D can be closed (section 5; see `diary::day_close_time`).
    pub fn close_time(&self, day: NaiveDate) -> Option<DateTime<Utc>> {
        crate::diary::day_close_time(day, &self.calendar, self.tz, self.evening)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::org::{BranchDraft, BranchSettings};
    use crate::policy::PolicyDocument;

    fn branch(zone: &str) -> Branch {
        let settings = BranchSettings::parse(BranchDraft {
            name: "B".into(),
            time_zone: zone.into(),
            ..BranchDraft::default()
        });
        let now = Utc::now();
        Branch {
            company_id: CompanyId(uuid::Uuid::nil()),
            id: BranchId(uuid::Uuid::from_u128(1)),
            settings: settings.unwrap_or_else(|e| panic!("{e}")),
            created_at: now,
            updated_at: now,
        }
    }

    fn version(branch_id: Option<BranchId>, from: NaiveDate, v: i64) -> PolicyVersion {
        let now = Utc::now();
        PolicyVersion {
            company_id: CompanyId(uuid::Uuid::nil()),
            id: uuid::Uuid::from_u128(100 + v as u128),
            branch_id,
            version: v,
            effective_from: from,
            document: PolicyDocument::default(),
            created_by: UserId(uuid::Uuid::nil()),
            created_at: now,
            updated_at: now,
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn time_1_business_day_is_the_branch_zone_date() {
        let ctx = BranchContext::new(branch("Asia/Shanghai"), vec![]);
        let at = DateTime::parse_from_rfc3339("2026-06-30T16:30:00Z").map(|t| t.with_timezone(&Utc));
        assert_eq!(at.map(|t| ctx.business_day(t)).ok(), Some(d(2026, 7, 1)));
    }

    #[test]
    fn pol_1_branch_version_wins_over_company_from_its_effective_date() {
        let b = branch("Asia/Shanghai");
        let ctx = BranchContext::new(
            b.clone(),
            vec![version(None, d(2026, 1, 1), 1), version(Some(b.id), d(2026, 3, 1), 2)],
        );
        assert_eq!(ctx.policy_on(d(2025, 12, 31)).version, 0);
        assert_eq!(ctx.policy_on(d(2026, 2, 28)).version, 1);
        assert_eq!(ctx.policy_on(d(2026, 3, 1)).version, 2);
        assert_eq!(ctx.policies_by_day(d(2026, 2, 27), d(2026, 3, 2)).len(), 4);
    }
}
