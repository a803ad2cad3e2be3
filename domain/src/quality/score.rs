//! Half-year scores, and the dates and windows they are counted over.

use super::{CatalogueVersion, HalfYear, Post, Violation, ViolationEvent, ViolationEventKind};
use crate::context::BranchContext;
use crate::ids::UserId;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// QLT-4: an agent's score per calendar half-year (H1 Jan–Jun, H2 Jul–Dec): the sum of the
/// points that count now on their confirmed reports dated in it. A half-year whose confirmed
/// reports were all overturned still appears, at 0.
pub fn half_year_scores(violations: &[Violation]) -> BTreeMap<HalfYear, i64> {
    let mut out = BTreeMap::new();
    for v in violations {
        let s = v.state();
        if s.status == super::ViolationStatus::Confirmed {
            *out.entry(v.half_year()).or_default() += s.effective_half_points;
        }
    }
    out
}

/// The score of one half-year (0 when nothing is confirmed in it).
pub fn score_in(violations: &[Violation], half: HalfYear) -> i64 {
    half_year_scores(violations).get(&half).copied().unwrap_or(0)
}

/// How many items of `code` the agent already has scored in `half`, besides `except` (the
/// count a tiered code's points depend on).
pub fn prior_items(violations: &[Violation], code: &str, half: HalfYear, except: uuid::Uuid) -> u32 {
    let n = violations
        .iter()
        .filter(|o| o.id != except && o.code == code && o.half_year() == half && o.state().effective_half_points > 0)
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// "7.5" for 15 halves.
pub fn format_points(half_points: i64) -> String {
    if half_points % 2 == 0 {
        format!("{}", half_points / 2)
    } else {
        format!("{}.5", half_points / 2)
    }
}

/// What a system-raised report (a callback's finding) says besides where and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaisedReport {
    pub agent_id: UserId,
    pub code: String,
    pub post: Post,
    pub reporter_id: UserId,
    pub evidence: String,
    pub reason: Option<String>,
    pub client_id: Option<uuid::Uuid>,
    pub policy_number: Option<String>,
}

/// A pending report raised at instant `at` in the agent's branch: dated on the branch's business
/// day (TIME-1: 00:30 on 1 July in Shanghai is 1 July, so H2, though it is still 30 June in
/// UTC) and scored under the catalogue version in force on that day.
pub fn raised_report(
    ctx: &BranchContext,
    catalogues: &[CatalogueVersion],
    at: DateTime<Utc>,
    r: RaisedReport,
) -> Violation {
    let day = ctx.business_day(at);
    Violation {
        company_id: ctx.company_id(),
        id: uuid::Uuid::now_v7(),
        agent_id: r.agent_id,
        code: r.code,
        post: r.post,
        reporter_id: r.reporter_id,
        occurred_on: day,
        evidence: r.evidence,
        attachments: vec![],
        client_id: r.client_id,
        policy_number: r.policy_number,
        catalogue_version: super::catalogue_in_force(catalogues, day).version,
        created_at: at,
        events: vec![ViolationEvent {
            kind: ViolationEventKind::Reported,
            half_points: None,
            reason: r.reason,
            actor_id: r.reporter_id,
            at,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{BranchId, CompanyId};
    use crate::org::{Branch, BranchDraft, BranchSettings};
    use crate::quality::{ViolationEventKind::*, ViolationStatus};
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn shanghai() -> BranchContext {
        let settings = BranchSettings::parse(BranchDraft {
            name: "Pudong".into(),
            time_zone: "Asia/Shanghai".into(),
            ..BranchDraft::default()
        });
        let now = Utc::now();
        BranchContext::new(
            Branch {
                company_id: CompanyId(uuid::Uuid::nil()),
                id: BranchId(uuid::Uuid::from_u128(1)),
                settings: settings.unwrap_or_else(|e| panic!("{e}")),
                created_at: now,
                updated_at: now,
            },
            vec![],
        )
    }

    fn raised(at: DateTime<Utc>, catalogues: &[CatalogueVersion]) -> Violation {
        let agent = UserId::new();
        raised_report(
            &shanghai(),
            catalogues,
            at,
            RaisedReport {
                agent_id: agent,
                code: "Q-SIGNATURE".into(),
                post: Post::CallbackCenter,
                reporter_id: UserId::new(),
                evidence: "the callback found a signature not made by the client".into(),
                reason: Some("raised by the callback".into()),
                client_id: None,
                policy_number: Some("P1".into()),
            },
        )
    }

    fn violation(on: NaiveDate, events: &[(crate::quality::ViolationEventKind, Option<i64>)]) -> Violation {
        let mut v = raised(at("2026-01-01T00:00:00Z"), &[]);
        v.occurred_on = on;
        v.events = events
            .iter()
            .map(|(k, p)| ViolationEvent {
                kind: *k,
                half_points: *p,
                reason: None,
                actor_id: v.reporter_id,
                at: v.created_at,
            })
            .collect();
        v
    }

    #[test]
    fn time_1_a_report_raised_at_23_30_on_30_june_in_shanghai_counts_in_h1() {
        let v = raised(at("2026-06-30T15:30:00Z"), &[]);
        assert_eq!(v.occurred_on, d(2026, 6, 30));
        assert_eq!(v.half_year().to_string(), "2026H1");
    }

    #[test]
    fn time_1_a_report_raised_at_00_30_on_1_july_in_shanghai_counts_in_h2() {
        // 16:30Z is still 30 June in UTC; the branch's day is 1 July.
        let v = raised(at("2026-06-30T16:30:00Z"), &[]);
        assert_eq!(v.occurred_on, d(2026, 7, 1));
        assert_eq!(v.half_year().to_string(), "2026H2");
    }

    #[test]
    fn a_raised_report_is_scored_under_the_catalogue_in_force_on_its_day() {
        let v1 = CatalogueVersion {
            version: 1,
            effective_from: d(2026, 7, 1),
            entries: vec![],
        };
        assert_eq!(
            raised(at("2026-06-30T15:30:00Z"), std::slice::from_ref(&v1)).catalogue_version,
            0
        );
        assert_eq!(raised(at("2026-06-30T16:30:00Z"), &[v1]).catalogue_version, 1);
        let v = raised(at("2026-06-30T16:30:00Z"), &[]);
        assert_eq!(v.state().status, ViolationStatus::Pending);
    }

    #[test]
    fn qlt_4_scores_sum_confirmed_points_per_calendar_half_year() {
        let vs = [
            violation(d(2026, 6, 30), &[(Reported, None), (Confirmed, Some(2))]),
            violation(d(2026, 7, 1), &[(Reported, None), (Confirmed, Some(6))]),
            violation(d(2026, 12, 31), &[(Reported, None), (Confirmed, Some(3))]),
            violation(d(2026, 8, 1), &[(Reported, None)]),
            violation(d(2026, 8, 1), &[(Reported, None), (Dismissed, None)]),
            violation(
                d(2027, 2, 1),
                &[
                    (Reported, None),
                    (Confirmed, Some(6)),
                    (Appealed, None),
                    (Overturned, Some(0)),
                ],
            ),
        ];
        let scores: Vec<(String, i64)> = half_year_scores(&vs)
            .into_iter()
            .map(|(h, p)| (h.to_string(), p))
            .collect();
        assert_eq!(
            scores,
            [
                ("2026H1".to_owned(), 2),
                ("2026H2".to_owned(), 9),
                ("2027H1".to_owned(), 0)
            ]
        );
        let h2 = HalfYear::of(d(2026, 7, 1));
        assert_eq!(score_in(&vs, h2), 9);
        assert_eq!(prior_items(&vs, "Q-SIGNATURE", h2, vs[1].id), 1);
    }

    #[test]
    fn points_format_in_halves() {
        assert_eq!(format_points(30), "15");
        assert_eq!(format_points(1), "0.5");
        assert_eq!(format_points(15), "7.5");
    }
}
