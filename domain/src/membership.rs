//! Who belonged to a branch on which day. Evaluating a day must cover every agent who was a
//! member that day, including those deactivated or moved since (LEDGER-1/2: a closed day is
//! never rewritten because someone left), and nobody for days before they joined.

use crate::ids::{BranchId, TeamId, UserId};
use crate::org::Role;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

/// A user's organisational state as far as membership goes (the users row, or one side of an
/// audited change to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct MemberState {
    pub role: Role,
    pub branch_id: Option<BranchId>,
    pub team_id: Option<TeamId>,
    pub active: bool,
}

/// A user's history: the state they were created in and every later change, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberHistory {
    pub user: UserId,
    pub created_at: DateTime<Utc>,
    pub initial: MemberState,
    pub changes: Vec<(DateTime<Utc>, MemberState)>,
}

/// An uninterrupted stretch of days an agent spent in one branch and team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stint {
    pub agent: UserId,
    pub team: Option<TeamId>,
    /// The first business day of the stint.
    pub from: NaiveDate,
    /// The first business day no longer in it (`None`: still a member).
    pub until: Option<NaiveDate>,
}

impl Stint {
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.from <= day && self.until.is_none_or(|u| day < u)
    }
}

/// The stints of an active agent in `branch` from a user's history; `business_day` turns an
/// instant into the branch's business day (TIME-1). A change takes effect on the day it is made:
/// that day belongs to the new state, every earlier one to the old.
pub fn stints(h: &MemberHistory, branch: BranchId, business_day: impl Fn(DateTime<Utc>) -> NaiveDate) -> Vec<Stint> {
    let member = |s: &MemberState| s.active && s.role == Role::Agent && s.branch_id == Some(branch);
    let mut out: Vec<Stint> = Vec::new();
    let mut states = vec![(h.created_at, h.initial)];
    states.extend(h.changes.iter().copied());
    for (i, (at, state)) in states.iter().enumerate() {
        if !member(state) {
            continue;
        }
        let from = business_day(*at);
        let until = states.get(i + 1).map(|(next, _)| business_day(*next));
        if until.is_some_and(|u| u <= from) {
            continue;
        }
        match out.last_mut() {
            // A change that keeps the agent in the same team (a rename, a new phone) continues the stint.
            Some(last) if last.until == Some(from) && last.team == state.team_id => last.until = until,
            _ => out.push(Stint {
                agent: h.user,
                team: state.team_id,
                from,
                until,
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0)
            .single()
            .unwrap_or_default()
    }

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, day).unwrap_or_default()
    }

    fn state(branch: BranchId, team: Option<TeamId>, active: bool) -> MemberState {
        MemberState {
            role: Role::Agent,
            branch_id: Some(branch),
            team_id: team,
            active,
        }
    }

    #[test]
    fn ledger_2_a_deactivated_agent_still_belongs_to_the_days_before() {
        let b = BranchId::new();
        let t = Some(TeamId::new());
        let h = MemberHistory {
            user: UserId::new(),
            created_at: at(1, 4),
            initial: state(b, t, true),
            changes: vec![(at(4, 2), state(b, t, false))],
        };
        let s = stints(&h, b, |t| t.date_naive());
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].from, s[0].until), (d(1), Some(d(4))));
        assert!(s[0].covers(d(3)) && !s[0].covers(d(4)) && !s[0].covers(d(10)));
    }

    #[test]
    fn ledger_2_a_moved_agent_belongs_to_each_branch_for_its_own_days() {
        let (old, new) = (BranchId::new(), BranchId::new());
        let t = Some(TeamId::new());
        let h = MemberHistory {
            user: UserId::new(),
            created_at: at(1, 4),
            initial: state(old, t, true),
            changes: vec![(at(2, 5), state(old, t, true)), (at(5, 9), state(new, None, true))],
        };
        let in_old = stints(&h, old, |t| t.date_naive());
        assert_eq!(in_old.len(), 1, "an unrelated change continues the stint");
        assert_eq!((in_old[0].from, in_old[0].until), (d(1), Some(d(5))));
        let in_new = stints(&h, new, |t| t.date_naive());
        assert_eq!((in_new[0].from, in_new[0].until), (d(5), None));
        assert!(stints(&h, BranchId::new(), |t| t.date_naive()).is_empty());
    }
}
