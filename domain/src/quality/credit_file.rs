//! An agent's credit file (信用档案) and the commendations recorded in it.

use super::{Consequence, HalfYear, Violation};
use crate::ids::{CompanyId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commendation {
    pub company_id: CompanyId,
    pub id: uuid::Uuid,
    pub agent_id: UserId,
    pub text: String,
    pub given_by: UserId,
    /// The business day in the agent's branch zone it was given on.
    pub given_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

/// What a credit file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditFile {
    pub agent_id: UserId,
    /// Confirmed reports, with their outcomes and appeals, in occurrence order.
    pub violations: Vec<Violation>,
    /// Per half-year, in order.
    pub scores: Vec<(HalfYear, i64)>,
    pub consequences: Vec<Consequence>,
    pub commendations: Vec<Commendation>,
}

/// QLT-7: an agent's credit file: their confirmed violations with outcomes and appeals (pending
/// and dismissed reports are not part of it), the half-year scores they make, the consequences
/// recorded and reversed, and the commendations received.
pub fn credit_file(
    agent_id: UserId,
    violations: Vec<Violation>,
    consequences: Vec<Consequence>,
    commendations: Vec<Commendation>,
) -> CreditFile {
    let violations: Vec<Violation> = violations.into_iter().filter(Violation::is_confirmed).collect();
    let scores = super::half_year_scores(&violations).into_iter().collect();
    CreditFile {
        agent_id,
        violations,
        scores,
        consequences,
        commendations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::{Post, ViolationEvent, ViolationEventKind};

    fn report(agent: UserId, on: NaiveDate, confirmed: Option<i64>) -> Violation {
        let ev = |kind, half_points| ViolationEvent {
            kind,
            half_points,
            reason: None,
            actor_id: agent,
            at: Utc::now(),
        };
        let mut events = vec![ev(ViolationEventKind::Reported, None)];
        events.extend(confirmed.map(|p| ev(ViolationEventKind::Confirmed, Some(p))));
        Violation {
            company_id: CompanyId(uuid::Uuid::nil()),
            id: uuid::Uuid::now_v7(),
            agent_id: agent,
            code: "Q-CONTACT".into(),
            post: Post::Hr,
            reporter_id: agent,
            occurred_on: on,
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
    fn qlt_7_the_credit_file_holds_confirmed_violations_scores_and_commendations() {
        let agent = UserId::new();
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap_or(NaiveDate::MIN);
        let praise = Commendation {
            company_id: CompanyId(uuid::Uuid::nil()),
            id: uuid::Uuid::now_v7(),
            agent_id: agent,
            text: "client thank-you letter".into(),
            given_by: UserId::new(),
            given_on: d(11, 10),
            created_at: Utc::now(),
        };
        let file = credit_file(
            agent,
            vec![
                report(agent, d(6, 30), Some(2)),
                report(agent, d(11, 2), None),
                report(agent, d(11, 3), Some(31)),
            ],
            vec![],
            vec![praise.clone()],
        );
        assert_eq!(file.violations.len(), 2, "the pending report is not in the file");
        let scores: Vec<(String, i64)> = file.scores.iter().map(|(h, p)| (h.to_string(), *p)).collect();
        assert_eq!(scores, [("2026H1".to_owned(), 2), ("2026H2".to_owned(), 31)]);
        assert_eq!(file.commendations, [praise]);
    }
}
