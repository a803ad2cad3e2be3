//! The HR post's tallies, the committee's quarterly review with its sign-offs, and the annual
//! summary: all built from the same per-agent tally.

use super::Violation;
use crate::ids::{BranchId, TeamId, UserId};
use crate::org::User;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::HashMap;

/// HR (who announces the monthly tally), the quality office (the committee's secretary) and
/// admins read the reports.
pub fn reads_reports(role: crate::org::Role) -> bool {
    use crate::org::Role;
    matches!(role, Role::Hr | Role::QualityOfficer | Role::Admin)
}

/// One agent's confirmed reports in a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyRow {
    pub team_id: Option<TeamId>,
    pub team_name: Option<String>,
    pub branch_id: Option<BranchId>,
    pub agent_id: UserId,
    pub agent_name: String,
    pub confirmed_violations: usize,
    pub half_points: i64,
}

/// QLT-6: the tally behind the monthly, quarterly and annual reports: per agent (with team and
/// branch), the confirmed reports dated in the period and the points that count now, ordered
/// by team name and agent name. `violations` are those dated in the period.
pub fn tally(violations: &[Violation], users: &[User], teams: &HashMap<TeamId, String>) -> Vec<TallyRow> {
    let users: HashMap<UserId, &User> = users.iter().map(|u| (u.id, u)).collect();
    let mut per: HashMap<UserId, (usize, i64)> = HashMap::new();
    for v in violations {
        let s = v.state();
        if s.status == super::ViolationStatus::Confirmed {
            let e = per.entry(v.agent_id).or_default();
            e.0 += 1;
            e.1 += s.effective_half_points;
        }
    }
    let mut rows: Vec<TallyRow> = per
        .into_iter()
        .map(|(a, (n, p))| {
            let u = users.get(&a);
            let team = u.and_then(|u| u.team_id);
            TallyRow {
                team_id: team,
                team_name: team.and_then(|t| teams.get(&t).cloned()),
                branch_id: u.and_then(|u| u.branch_id),
                agent_id: a,
                agent_name: u.map(|u| u.name.clone()).unwrap_or_default(),
                confirmed_violations: n,
                half_points: p,
            }
        })
        .collect();
    rows.sort_by(|a, b| (&a.team_name, &a.agent_name).cmp(&(&b.team_name, &b.agent_name)));
    rows
}

/// A department's (branch's) figures for a period; also what a sign-off records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DepartmentFigures {
    pub confirmed_violations: usize,
    pub half_points: i64,
    pub agents_with_violations: usize,
}

/// The tally summed per branch, in branch order (agents without a branch are left out).
pub fn departments(rows: &[TallyRow]) -> Vec<(BranchId, DepartmentFigures)> {
    let mut per: HashMap<BranchId, DepartmentFigures> = HashMap::new();
    for r in rows {
        if let Some(b) = r.branch_id {
            let e = per.entry(b).or_default();
            e.confirmed_violations += r.confirmed_violations;
            e.half_points += r.half_points;
            e.agents_with_violations += 1;
        }
    }
    let mut out: Vec<_> = per.into_iter().collect();
    out.sort_by_key(|d| d.0);
    out
}

/// The committee's recorded sign-off of one department's quarter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignOff {
    pub branch_id: BranchId,
    pub signed_by: UserId,
    pub note: String,
    pub signed_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::CompanyId;
    use crate::org::Role;
    use crate::quality::{Post, ViolationEvent, ViolationEventKind};
    use chrono::NaiveDate;

    fn user(name: &str, team: Option<TeamId>, branch: Option<BranchId>) -> User {
        User {
            company_id: CompanyId(uuid::Uuid::nil()),
            id: UserId::new(),
            email: format!("{name}@x"),
            name: name.into(),
            phone: None,
            role: Role::Agent,
            branch_id: branch,
            team_id: team,
            active: true,
            password_hash: String::new(),
            token_generation: 0,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn confirmed(agent: UserId, half_points: Option<i64>) -> Violation {
        let ev = |kind, half_points| ViolationEvent {
            kind,
            half_points,
            reason: None,
            actor_id: agent,
            at: Utc::now(),
        };
        let mut events = vec![ev(ViolationEventKind::Reported, None)];
        if half_points.is_some() {
            events.push(ev(ViolationEventKind::Confirmed, half_points));
        }
        Violation {
            company_id: CompanyId(uuid::Uuid::nil()),
            id: uuid::Uuid::now_v7(),
            agent_id: agent,
            code: "Q-CONTACT".into(),
            post: Post::Hr,
            reporter_id: agent,
            occurred_on: NaiveDate::from_ymd_opt(2026, 11, 5).unwrap_or(NaiveDate::MIN),
            evidence: String::new(),
            attachments: vec![],
            client_id: None,
            policy_number: None,
            catalogue_version: 0,
            created_at: Utc::now(),
            events,
        }
    }

    #[test]
    fn qlt_6_the_tally_counts_confirmed_reports_per_agent_ordered_by_team_and_name() {
        let (ta, tb) = (TeamId::new(), TeamId::new());
        let branch = BranchId::new();
        let teams = HashMap::from([(ta, "Team a".to_owned()), (tb, "Team b".to_owned())]);
        let zed = user("Zed", Some(ta), Some(branch));
        let amy = user("Amy", Some(tb), Some(branch));
        let bob = user("Bob", Some(ta), Some(branch));
        let vs = [
            confirmed(amy.id, Some(4)),
            confirmed(zed.id, Some(2)),
            confirmed(zed.id, Some(3)),
            confirmed(bob.id, None),
        ];
        let rows = tally(&vs, &[zed.clone(), amy.clone(), bob], &teams);
        let got: Vec<(&str, &str, usize, i64)> = rows
            .iter()
            .map(|r| {
                (
                    r.team_name.as_deref().unwrap_or(""),
                    r.agent_name.as_str(),
                    r.confirmed_violations,
                    r.half_points,
                )
            })
            .collect();
        assert_eq!(got, [("Team a", "Zed", 2, 5), ("Team b", "Amy", 1, 4)]);
        assert_eq!(
            departments(&rows),
            [(
                branch,
                DepartmentFigures {
                    confirmed_violations: 3,
                    half_points: 9,
                    agents_with_violations: 2
                }
            )]
        );
    }
}
