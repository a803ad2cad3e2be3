//! The penalties of one agent-day (section 5's table), one function per rule.

use super::{yuan, AgentDayFacts, PenaltyDraft, PersonRole};
use crate::diary::{classify_review, classify_submission, ReviewTimeliness, Timeliness};
use crate::policy::PolicyInForce;
use crate::quota::{calls_day, face_visits_day};
use crate::rules::RuleId;
use chrono::{DateTime, Utc};
use serde_json::json;

/// ACT-PEN-MISS: each counted face visit or phone service missing below QUO-FACE-D / QUO-CALL-D
/// on a working day costs the agent `missing_activity_leads` client leads (no money).
pub fn act_pen_miss(f: &AgentDayFacts, policy: &PolicyInForce) -> Vec<PenaltyDraft> {
    let doc = &policy.document;
    let v = policy.version;
    let lead_per = i64::from(doc.penalties.missing_activity_leads);
    let face = face_visits_day(f.status, i64::from(f.counted_face_visits), &doc.activity);
    let call = calls_day(f.status, i64::from(f.counted_calls), &doc.activity);
    let mut out = Vec::new();
    for (kind, label, req) in [("face", "face visits", face), ("call", "phone services", call)] {
        if req.short_by == 0 || lead_per == 0 {
            continue;
        }
        let (counted, required, short) = (req.counted, req.required, req.short_by);
        let leads = short * lead_per;
        out.push(PenaltyDraft {
            key: format!("{}:{kind}:{}:{}", RuleId::ActPenMiss, f.agent, f.day),
            rule_id: RuleId::ActPenMiss,
            person: f.agent,
            role: PersonRole::Agent,
            day: f.day,
            amount_fen: 0,
            leads,
            policy_version: v,
            facts: json!({"activity": kind, "counted": counted, "required": required, "short_by": short}),
            explanation: format!(
                "{counted} of {required} {label} on {} under policy v{v}: {leads} client lead{}",
                f.day,
                if leads == 1 { "" } else { "s" }
            ),
        });
    }
    out
}

/// DIA-PEN-MISSING: the diary was not submitted by the end of the next working day's morning
/// meeting (DIA-3): money and client leads on the agent.
pub fn dia_pen_missing(f: &AgentDayFacts, policy: &PolicyInForce, now: DateTime<Utc>) -> Option<PenaltyDraft> {
    let first = f.diary.as_ref().and_then(|d| d.first_submitted_at);
    let (class, decided_by) = classify_submission(first, now, &f.deadlines);
    if class != Timeliness::Missing {
        return None;
    }
    let p = &policy.document.penalties;
    let v = policy.version;
    let leads = i64::from(p.diary_missing_leads);
    let submitted = first.map(|t| t.to_rfc3339()).unwrap_or_else(|| "never".to_owned());
    Some(PenaltyDraft {
        key: format!("{}:{}:{}", RuleId::DiaPenMissing, f.agent, f.day),
        rule_id: RuleId::DiaPenMissing,
        person: f.agent,
        role: PersonRole::Agent,
        day: f.day,
        amount_fen: p.diary_missing_fen,
        leads,
        policy_version: v,
        facts: json!({"first_submitted_at": first, "missing_after": decided_by}),
        explanation: format!(
            "diary of {} not submitted by the end of the morning meeting ({}) under policy v{v} (submitted: {submitted}): {} and {leads} client leads",
            f.day,
            decided_by.to_rfc3339(),
            yuan(p.diary_missing_fen)
        ),
    })
}

/// DIA-PEN-LATEFILL: the diary was first submitted after its deadline but before the end of
/// the next working day's morning meeting (DIA-3): money on the agent.
pub fn dia_pen_latefill(f: &AgentDayFacts, policy: &PolicyInForce, now: DateTime<Utc>) -> Option<PenaltyDraft> {
    let first = f.diary.as_ref().and_then(|d| d.first_submitted_at);
    if classify_submission(first, now, &f.deadlines).0 != Timeliness::LateFilled {
        return None;
    }
    let fen = policy.document.penalties.diary_late_fill_fen;
    let v = policy.version;
    let submitted = first.map(|t| t.to_rfc3339()).unwrap_or_else(|| "never".to_owned());
    Some(PenaltyDraft {
        key: format!("{}:{}:{}", RuleId::DiaPenLatefill, f.agent, f.day),
        rule_id: RuleId::DiaPenLatefill,
        person: f.agent,
        role: PersonRole::Agent,
        day: f.day,
        amount_fen: fen,
        leads: 0,
        policy_version: v,
        facts: json!({"first_submitted_at": first, "on_time_by": f.deadlines.on_time_by}),
        explanation: format!(
            "diary of {} first submitted at {submitted}, after the deadline {}, under policy v{v}: {}",
            f.day,
            f.deadlines.on_time_by.to_rfc3339(),
            yuan(fen)
        ),
    })
}

/// DIA-PEN-UNREVIEWED: a submitted diary neither approved nor returned by its review deadline
/// (DIA-4): money on the supervisor, once per diary.
pub fn dia_pen_unreviewed(f: &AgentDayFacts, policy: &PolicyInForce, now: DateTime<Utc>) -> Option<PenaltyDraft> {
    let (d, sup) = (f.diary.as_ref()?, f.supervisor?);
    let deadline = d.review_deadline?;
    if !matches!(
        classify_review(d.reviewed_at, now, deadline),
        ReviewTimeliness::Late | ReviewTimeliness::Overdue
    ) {
        return None;
    }
    let fen = policy.document.penalties.diary_unreviewed_fen;
    let v = policy.version;
    Some(PenaltyDraft {
        key: format!("{}:{}", RuleId::DiaPenUnreviewed, d.id),
        rule_id: RuleId::DiaPenUnreviewed,
        person: sup,
        role: PersonRole::Supervisor,
        day: f.day,
        amount_fen: fen,
        leads: 0,
        policy_version: v,
        facts: json!({"diary_id": d.id, "agent_id": f.agent, "review_deadline": deadline, "reviewed_at": d.reviewed_at}),
        explanation: format!(
            "diary of {} by agent {} not reviewed by {} under policy v{v}: {}",
            f.day,
            f.agent,
            deadline.to_rfc3339(),
            yuan(fen)
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{evaluate_agent_day, DiaryFacts};
    use super::*;
    use crate::diary::{DayStatus, SubmissionDeadlines};
    use crate::ids::UserId;
    use crate::policy::{PenaltyPolicy, PolicyDocument};
    use chrono::{Duration, NaiveDate, TimeZone};
    use proptest::prelude::*;

    fn at(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 3, 0, 0, 0).single().unwrap_or_default() + Duration::hours(h)
    }

    fn facts() -> AgentDayFacts {
        AgentDayFacts {
            agent: UserId::new(),
            supervisor: Some(UserId::new()),
            day: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap_or_default(),
            status: DayStatus::Working,
            counted_face_visits: 3,
            counted_calls: 5,
            diary: Some(DiaryFacts {
                id: uuid::Uuid::now_v7(),
                first_submitted_at: Some(at(14)),
                review_deadline: Some(at(34)),
                reviewed_at: Some(at(20)),
            }),
            deadlines: SubmissionDeadlines {
                on_time_by: at(16),
                next_working_day: NaiveDate::from_ymd_opt(2026, 11, 4).unwrap_or_default(),
                morning_meeting_starts: at(24),
                morning_meeting_ends: at(25),
            },
        }
    }

    fn v4() -> PolicyInForce {
        PolicyInForce {
            id: None,
            version: 4,
            document: PolicyDocument::default(),
        }
    }

    fn rules(d: &[PenaltyDraft]) -> Vec<RuleId> {
        d.iter().map(|p| p.rule_id).collect()
    }

    fn submitted_at(f: &mut AgentDayFacts, t: Option<DateTime<Utc>>) {
        if let Some(d) = f.diary.as_mut() {
            d.first_submitted_at = t;
        }
    }

    #[test]
    fn a_compliant_day_has_no_penalties() {
        assert!(evaluate_agent_day(&facts(), &v4(), at(100)).is_empty());
    }

    #[test]
    fn act_pen_miss_one_lead_per_missing_visit_or_call() {
        let mut f = facts();
        f.counted_face_visits = 2;
        f.counted_calls = 1;
        let d = act_pen_miss(&f, &v4());
        assert_eq!(rules(&d), vec![RuleId::ActPenMiss, RuleId::ActPenMiss]);
        assert_eq!((d[0].leads, d[0].amount_fen), (1, 0));
        assert_eq!(d[1].leads, 4);
        assert_eq!(
            d[0].explanation,
            "2 of 3 face visits on 2026-11-03 under policy v4: 1 client lead"
        );
        assert_eq!(d[0].person, f.agent);
        assert_eq!(d[0].key, format!("ACT-PEN-MISS:face:{}:2026-11-03", f.agent));
    }

    #[test]
    fn dia_pen_latefill_after_the_deadline_before_the_morning_meeting_ends() {
        let mut f = facts();
        submitted_at(&mut f, Some(at(17)));
        let d = evaluate_agent_day(&f, &v4(), at(100));
        assert_eq!(rules(&d), vec![RuleId::DiaPenLatefill]);
        assert_eq!((d[0].amount_fen, d[0].leads), (2000, 0));
        assert!(dia_pen_latefill(&f, &v4(), at(100)).is_some());
        submitted_at(&mut f, Some(at(26)));
        assert!(dia_pen_latefill(&f, &v4(), at(100)).is_none());
    }

    #[test]
    fn dia_pen_missing_not_submitted_by_the_end_of_the_morning_meeting() {
        let mut f = facts();
        submitted_at(&mut f, Some(at(26)));
        let d = evaluate_agent_day(&f, &v4(), at(100));
        assert_eq!(rules(&d), vec![RuleId::DiaPenMissing]);
        assert_eq!((d[0].amount_fen, d[0].leads), (500, 5));
        f.diary = None;
        assert_eq!(
            rules(&evaluate_agent_day(&f, &v4(), at(100))),
            vec![RuleId::DiaPenMissing]
        );
        // While the late-fill window is open nothing is missing yet.
        assert!(dia_pen_missing(&f, &v4(), at(20)).is_none());
    }

    #[test]
    fn dia_pen_unreviewed_falls_on_the_supervisor_once_per_diary() {
        let mut f = facts();
        if let Some(d) = f.diary.as_mut() {
            d.reviewed_at = Some(at(35));
        }
        let d = evaluate_agent_day(&f, &v4(), at(100));
        assert_eq!(rules(&d), vec![RuleId::DiaPenUnreviewed]);
        assert_eq!(Some(d[0].person), f.supervisor);
        assert_eq!(d[0].role, PersonRole::Supervisor);
        assert_eq!(d[0].amount_fen, 1000);
        assert!(d[0]
            .key
            .contains(&f.diary.as_ref().map(|x| x.id.to_string()).unwrap_or_default()));
        if let Some(x) = f.diary.as_mut() {
            x.reviewed_at = None;
        }
        assert_eq!(
            rules(&evaluate_agent_day(&f, &v4(), at(100))),
            vec![RuleId::DiaPenUnreviewed]
        );
        // Before the deadline an unreviewed diary is not yet a penalty.
        assert!(dia_pen_unreviewed(&f, &v4(), at(33)).is_none());
    }

    #[test]
    fn time_2_rest_and_leave_days_carry_no_penalties() {
        let mut f = facts();
        f.counted_face_visits = 0;
        f.diary = None;
        for s in [DayStatus::Rest, DayStatus::Holiday, DayStatus::Leave] {
            f.status = s;
            assert!(evaluate_agent_day(&f, &v4(), at(100)).is_empty(), "{s:?}");
        }
    }

    #[test]
    fn pol_1_amounts_come_from_the_policy_version() {
        let mut f = facts();
        f.diary = None;
        let p = PolicyInForce {
            id: None,
            version: 7,
            document: PolicyDocument {
                penalties: PenaltyPolicy {
                    diary_missing_fen: 1234,
                    diary_missing_leads: 2,
                    ..PenaltyPolicy::default()
                },
                ..PolicyDocument::default()
            },
        };
        let d = evaluate_agent_day(&f, &p, at(100));
        assert_eq!((d[0].amount_fen, d[0].leads, d[0].policy_version), (1234, 2, 7));
        assert!(d[0].explanation.contains("12.34 yuan"));
    }

    proptest! {
        #[test]
        fn pen_2_evaluation_is_deterministic(face in 0u32..6, calls in 0u32..8, sub in proptest::option::of(0i64..40)) {
            let mut f = facts();
            f.counted_face_visits = face;
            f.counted_calls = calls;
            submitted_at(&mut f, sub.map(at));
            let a = evaluate_agent_day(&f, &v4(), at(100));
            let b = evaluate_agent_day(&f, &v4(), at(100));
            prop_assert_eq!(&a, &b);
            let mut keys: Vec<&String> = a.iter().map(|p| &p.key).collect();
            keys.sort();
            keys.dedup();
            prop_assert_eq!(keys.len(), a.len());
            let leads: i64 = a.iter().filter(|p| p.rule_id == RuleId::ActPenMiss).map(|p| p.leads).sum();
            prop_assert_eq!(leads, i64::from(3u32.saturating_sub(face) + 5u32.saturating_sub(calls)));
        }

        #[test]
        fn pen_2_evaluation_ignores_the_order_facts_arrived_in(
            durations in proptest::collection::vec(0i64..120, 0..12),
            visits in proptest::collection::vec(any::<bool>(), 0..6),
            seed in any::<u64>(),
        ) {
            use crate::activity::{Activity, ActivityKind};
            use crate::policy::ActivityPolicy;
            use crate::quota::tally_day;
            let f0 = facts();
            let mk = |kind: ActivityKind, client: bool, secs: i64| Activity {
                company_id: crate::ids::CompanyId::new(), id: uuid::Uuid::now_v7(), agent_id: f0.agent, kind,
                occurred_at: at(3), received_at: at(3), business_day: f0.day,
                client_id: client.then(uuid::Uuid::now_v7), outlet_id: None, duration_seconds: Some(secs),
                accompanied_by: None, device_call_id: None, details: serde_json::Value::Null, body_hash: String::new(),
                voided_at: None, voided_by: None, void_reason: None,
            };
            let mut acts: Vec<Activity> = durations.iter().map(|d| mk(ActivityKind::PhoneService, true, *d)).collect();
            acts.extend(visits.iter().map(|c| mk(ActivityKind::FaceVisit, *c, 0)));
            let mut shuffled = acts.clone();
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            let eval = |list: &[Activity]| {
                let t = tally_day(list, &ActivityPolicy::default());
                let f = AgentDayFacts {
                    counted_face_visits: t.face_visits as u32,
                    counted_calls: t.calls as u32,
                    ..f0.clone()
                };
                evaluate_agent_day(&f, &v4(), at(100))
            };
            prop_assert_eq!(eval(&acts), eval(&shuffled));
        }
    }
}
