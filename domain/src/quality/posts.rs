//! Who reports: the posts, the roles that staff them, and who sees the reporter.

use super::CatalogueEntry;
use crate::org::Role;
use serde::{Deserialize, Serialize};

/// The posts that report violations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Post {
    CallbackCenter,
    Claims,
    PolicyService,
    Underwriting,
    Hr,
    Complaints,
    Whistleblower,
}

impl Post {
    pub const ALL: [Post; 7] = [
        Post::CallbackCenter,
        Post::Claims,
        Post::PolicyService,
        Post::Underwriting,
        Post::Hr,
        Post::Complaints,
        Post::Whistleblower,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Post::CallbackCenter => "callback_center",
            Post::Claims => "claims",
            Post::PolicyService => "policy_service",
            Post::Underwriting => "underwriting",
            Post::Hr => "hr",
            Post::Complaints => "complaints",
            Post::Whistleblower => "whistleblower",
        }
    }

    pub fn parse(s: &str) -> Option<Post> {
        Post::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Which posts a role staffs. The quality office records reports for the posts without their
/// own accounts (claims, policy service, underwriting, complaints); any agent may blow the
/// whistle on another.
pub fn posts_of_role(role: Role) -> Vec<Post> {
    match role {
        Role::CallbackAgent => vec![Post::CallbackCenter],
        Role::Hr => vec![Post::Hr],
        Role::QualityOfficer => vec![
            Post::Claims,
            Post::PolicyService,
            Post::Underwriting,
            Post::Complaints,
            Post::CallbackCenter,
            Post::Hr,
        ],
        Role::Agent => vec![Post::Whistleblower],
        Role::Supervisor | Role::Admin => vec![],
    }
}

/// Why a report may not be made for a post (HTTP 403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostRefusal {
    #[error("your role does not report for the {} post", .0.as_str())]
    NotStaffed(Post),
    #[error("the {} post may not report {}", .0.as_str(), .1)]
    NotForCode(Post, String),
}

/// QLT-2: a report is made for a post the reporter's role staffs, and only for a code that post
/// may report. With `entry` absent only the staffing is checked (it is known before the code is).
pub fn reporting_post(role: Role, post: Post, entry: Option<&CatalogueEntry>) -> Result<(), PostRefusal> {
    if !posts_of_role(role).contains(&post) {
        return Err(PostRefusal::NotStaffed(post));
    }
    match entry {
        Some(e) if !e.posts.contains(&post) => Err(PostRefusal::NotForCode(post, e.code.clone())),
        _ => Ok(()),
    }
}

/// Only the quality office ever sees who reported (the whistleblower's protection).
pub fn sees_reporter(role: Role) -> bool {
    role == Role::QualityOfficer
}

/// Agents and supervisors see only confirmed reports; the back office sees all.
pub fn sees_unconfirmed(role: Role) -> bool {
    matches!(role, Role::QualityOfficer | Role::Admin | Role::Hr)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::default_catalogue;

    #[test]
    fn qlt_2_reports_are_made_for_staffed_posts_and_allowed_codes() {
        let catalogue = default_catalogue();
        let claim_coop = catalogue.iter().find(|e| e.code == "Q-CLAIM-COOP");
        assert_eq!(posts_of_role(Role::Agent), vec![Post::Whistleblower]);
        assert_eq!(posts_of_role(Role::CallbackAgent), vec![Post::CallbackCenter]);
        assert!(posts_of_role(Role::Supervisor).is_empty());
        assert_eq!(reporting_post(Role::QualityOfficer, Post::Claims, claim_coop), Ok(()));
        assert_eq!(
            reporting_post(Role::CallbackAgent, Post::Claims, None),
            Err(PostRefusal::NotStaffed(Post::Claims))
        );
        assert_eq!(
            reporting_post(Role::CallbackAgent, Post::CallbackCenter, claim_coop),
            Err(PostRefusal::NotForCode(Post::CallbackCenter, "Q-CLAIM-COOP".into()))
        );
        assert_eq!(
            reporting_post(Role::Supervisor, Post::Complaints, None).map_err(|e| e.to_string()),
            Err("your role does not report for the complaints post".to_owned())
        );
        assert!(sees_reporter(Role::QualityOfficer) && !sees_reporter(Role::Hr));
    }
}
