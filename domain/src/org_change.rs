//! Changes to the organisation as the domain sees them: patches that merge into what is
//! stored, and where a user of a role may sit.

use crate::ids::{BranchId, TeamId};
use crate::org::{BranchDraft, CalendarException, Role, Team};
use crate::ValidationErrors;

/// Branch settings to change; `None` keeps the current value (or the default on create).
#[derive(Debug, Clone, Default)]
pub struct BranchPatch {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub working_weekdays: Option<Vec<String>>,
    /// Replaces the whole list.
    pub calendar_exceptions: Option<Vec<CalendarException>>,
    pub morning_meeting: Option<(String, String)>,
    pub evening_meeting: Option<(String, String)>,
}

impl BranchPatch {
    pub fn apply(self, mut d: BranchDraft) -> BranchDraft {
        if let Some(n) = self.name {
            d.name = n;
        }
        if let Some(t) = self.time_zone {
            d.time_zone = t;
        }
        if let Some(w) = self.working_weekdays {
            d.working_weekdays = w;
        }
        if let Some(e) = self.calendar_exceptions {
            d.calendar_exceptions = e;
        }
        if let Some(m) = self.morning_meeting {
            d.morning_meeting = m;
        }
        if let Some(e) = self.evening_meeting {
            d.evening_meeting = e;
        }
        d
    }
}

/// A team to create or the fields of one to change.
#[derive(Debug, Clone, Default)]
pub struct TeamPatch {
    pub branch_id: Option<BranchId>,
    pub name: Option<String>,
    pub supervisor_id: Option<crate::ids::UserId>,
}

/// A user to create (the password still in clear: the use case hashes it).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub password: String,
    pub role: Role,
    pub phone: Option<String>,
    pub branch_id: Option<BranchId>,
    pub team_id: Option<TeamId>,
}

/// The fields of a user to change; `None` keeps the value.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub email: Option<String>,
    pub name: Option<String>,
    pub password: Option<String>,
    pub role: Option<Role>,
    pub phone: Option<String>,
    pub branch_id: Option<BranchId>,
    pub team_id: Option<TeamId>,
}

/// Where a user of `role` sits: agents in a team (their branch follows from the team),
/// supervisors in a branch, other roles optionally in a branch and never in a team.
/// `team` is the requested team as found (`None` when absent or not requested).
pub fn placement(
    role: Role,
    branch_id: Option<BranchId>,
    team_id: Option<TeamId>,
    team: Option<&Team>,
    errors: &mut ValidationErrors,
) -> (Option<BranchId>, Option<TeamId>) {
    match role {
        Role::Agent => match (team, team_id) {
            (_, None) => errors.push("/team_id", "an agent must belong to a team"),
            (Some(t), Some(_)) => {
                if branch_id.is_some_and(|b| b != t.branch_id) {
                    errors.push("/branch_id", "differs from the team's branch");
                }
                return (Some(t.branch_id), Some(t.id));
            }
            (None, Some(_)) => {}
        },
        Role::Supervisor if branch_id.is_none() => errors.push("/branch_id", "a supervisor must belong to a branch"),
        _ if team_id.is_some() => errors.push("/team_id", "only agents belong to a team"),
        _ => {}
    }
    (branch_id, None)
}

/// On a change of role or placement, the requested (branch, team) before checking: fields not
/// sent keep their value unless the new role forbids them (a team only makes sense for an
/// agent, and an agent's branch follows from the team).
pub fn replacement(
    new_role: Role,
    before: (Option<BranchId>, Option<TeamId>),
    patch_branch: Option<BranchId>,
    patch_team: Option<TeamId>,
) -> (Option<BranchId>, Option<TeamId>) {
    let team = patch_team.or(if new_role == Role::Agent { before.1 } else { None });
    let branch = patch_branch.or(if patch_team.is_some() { None } else { before.0 });
    let branch = if new_role == Role::Agent && patch_branch.is_none() {
        None
    } else {
        branch
    };
    (branch, team)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn team() -> Team {
        Team {
            company_id: crate::ids::CompanyId(uuid::Uuid::nil()),
            id: TeamId(uuid::Uuid::from_u128(7)),
            branch_id: BranchId(uuid::Uuid::from_u128(3)),
            name: "T".into(),
            supervisor_id: crate::ids::UserId(uuid::Uuid::from_u128(9)),
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn agents_sit_in_a_team_and_take_its_branch() {
        let t = team();
        let mut e = ValidationErrors::default();
        assert_eq!(
            placement(Role::Agent, None, Some(t.id), Some(&t), &mut e),
            (Some(t.branch_id), Some(t.id))
        );
        assert!(e.is_empty());
        placement(Role::Agent, None, None, None, &mut e);
        assert_eq!(e.0[0].pointer, "/team_id");
    }

    #[test]
    fn supervisors_need_a_branch_and_no_one_else_a_team() {
        let t = team();
        let mut e = ValidationErrors::default();
        placement(Role::Supervisor, None, None, None, &mut e);
        placement(Role::Hr, None, Some(t.id), Some(&t), &mut e);
        let pointers: Vec<_> = e.0.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(pointers, ["/branch_id", "/team_id"]);
    }

    #[test]
    fn a_supervisor_made_agent_keeps_no_branch_of_their_own() {
        let b = Some(BranchId(uuid::Uuid::from_u128(3)));
        let t = Some(TeamId(uuid::Uuid::from_u128(7)));
        assert_eq!(replacement(Role::Agent, (b, None), None, t), (None, t));
        assert_eq!(replacement(Role::Hr, (b, t), None, None), (b, None));
    }
}
