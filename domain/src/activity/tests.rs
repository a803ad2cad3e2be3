use super::*;
use crate::ids::BranchId;
use crate::org::{Role, User};
use proptest::prelude::*;
use std::collections::HashMap;

fn at(h: u32) -> DateTime<Utc> {
    DateTime::from_timestamp(1_794_000_000 + i64::from(h) * 3600, 0).unwrap_or_default()
}

fn activity(kind: ActivityKind) -> Activity {
    Activity {
        company_id: CompanyId::new(),
        id: Uuid::now_v7(),
        agent_id: UserId::new(),
        kind,
        occurred_at: at(0),
        received_at: at(0),
        business_day: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap_or_default(),
        client_id: Some(Uuid::now_v7()),
        outlet_id: None,
        duration_seconds: Some(60),
        accompanied_by: None,
        device_call_id: None,
        details: serde_json::Value::Null,
        body_hash: String::new(),
        voided_at: None,
        voided_by: None,
        void_reason: None,
    }
}

fn ctx(now: DateTime<Utc>) -> IngestContext {
    IngestContext {
        company: CompanyId::new(),
        agent: UserId::new(),
        branch: BranchId::new(),
        tz: chrono_tz::Asia::Shanghai,
        policy: ActivityPolicy::default(),
        now,
    }
}

fn visit(client: Option<Uuid>, occurred_at: DateTime<Utc>) -> ActivityDraft {
    ActivityDraft {
        id: Uuid::now_v7(),
        occurred_at,
        client_id: client,
        outlet_id: None,
        details: ActivityDetails::FaceVisit(FaceVisit {
            checklist: FaceVisitChecklist::default(),
            location: None,
            accompanied_by: None,
            notes: None,
        }),
    }
}

fn call_draft(client: Option<Uuid>, prospect: Option<&str>, secs: i64, occurred_at: DateTime<Utc>) -> ActivityDraft {
    ActivityDraft {
        id: Uuid::now_v7(),
        occurred_at,
        client_id: client,
        outlet_id: None,
        details: ActivityDetails::PhoneService(PhoneService {
            started_at: None,
            duration_seconds: secs,
            purpose: CallPurpose::ClientGreeting,
            prospect_phone: prospect.map(str::to_owned),
            device_call_id: None,
            notes: None,
        }),
    }
}

fn pointers(e: &crate::ValidationErrors) -> Vec<&str> {
    e.0.iter().map(|f| f.pointer.as_str()).collect()
}

#[test]
fn act_1_each_kind_names_its_client_or_outlet() {
    use Need::*;
    let expect = [
        (ActivityKind::FaceVisit, Required, Forbidden),
        (ActivityKind::PhoneService, Either, Forbidden),
        (ActivityKind::RenewalCollection, Required, Forbidden),
        (ActivityKind::OutletService, Forbidden, Required),
        (ActivityKind::MeetingAttendance, Forbidden, Forbidden),
    ];
    for (kind, client, outlet) in expect {
        assert_eq!(kind_references(kind), KindReferences { client, outlet }, "{kind:?}");
        assert_eq!(ActivityKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(ActivityKind::parse("lunch"), None);
    let now = at(10);
    let outlet_without_outlet = ActivityDraft {
        details: ActivityDetails::OutletService(OutletService::default()),
        ..visit(Some(Uuid::now_v7()), now)
    };
    let e = accept(outlet_without_outlet, &ctx(now)).err().unwrap_or_default();
    assert_eq!(pointers(&e), vec!["/client_id", "/outlet_id"]);
}

#[test]
fn act_2_face_visit_counts_when_it_names_a_client_whatever_the_checklist() {
    let p = ActivityPolicy::default();
    let mut v = activity(ActivityKind::FaceVisit);
    v.details = serde_json::json!({"checklist": {}});
    assert_eq!(face_visit_counts(v.client_id), Ok(()));
    assert_eq!(counts_toward_quota(&v, &p), Some(Ok(())));
    v.client_id = None;
    assert_eq!(counts_toward_quota(&v, &p), Some(Err(NotCounted::NoClient)));
    assert!(NotCounted::NoClient.explain(&v, &p).contains("ACT-2"));
}

#[test]
fn act_3_call_below_min_call_seconds_does_not_count() {
    let p = ActivityPolicy::default();
    let mut call = activity(ActivityKind::PhoneService);
    call.duration_seconds = Some(29);
    assert_eq!(counts_toward_quota(&call, &p), Some(Err(NotCounted::CallTooShort)));
    assert_eq!(
        NotCounted::CallTooShort.explain(&call, &p),
        "the call lasted 29 s; calls count from 30 s (ACT-3)"
    );
    call.duration_seconds = Some(30);
    assert_eq!(counts_toward_quota(&call, &p), Some(Ok(())));
    let strict = ActivityPolicy {
        min_call_seconds: 45,
        ..p
    };
    assert_eq!(counts_toward_quota(&call, &strict), Some(Err(NotCounted::CallTooShort)));
}

#[test]
fn act_3_call_without_a_duration_never_counts() {
    let free = ActivityPolicy {
        min_call_seconds: 0,
        ..ActivityPolicy::default()
    };
    assert_eq!(call_counts(None, &free), Err(NotCounted::CallTooShort));
    assert_eq!(call_counts(Some(0), &free), Ok(()));
}

#[test]
fn act_4_only_an_active_supervisor_of_the_agents_branch_accompanies() {
    let branch = BranchId::new();
    let now = at(0);
    let sup = User {
        company_id: CompanyId::new(),
        id: UserId::new(),
        email: "s@x".into(),
        name: "S".into(),
        phone: None,
        role: Role::Supervisor,
        branch_id: Some(branch),
        team_id: None,
        active: true,
        password_hash: String::new(),
        token_generation: 0,
        created_at: now,
        updated_at: now,
    };
    assert!(may_accompany(&sup, branch));
    assert!(!may_accompany(&sup, BranchId::new()));
    assert!(!may_accompany(
        &User {
            active: false,
            ..sup.clone()
        },
        branch
    ));
    assert!(!may_accompany(
        &User {
            role: Role::Agent,
            ..sup.clone()
        },
        branch
    ));
    assert!(!may_accompany(
        &User {
            branch_id: None,
            ..sup.clone()
        },
        branch
    ));
    // The reference check then refuses anyone storage did not vouch for.
    let mut a = activity(ActivityKind::FaceVisit);
    a.accompanied_by = Some(sup.id);
    let known = KnownReferences {
        clients: a.client_id.into_iter().collect(),
        ..KnownReferences::default()
    };
    let e = check_references(&a, &known).err().unwrap_or_default();
    assert_eq!(pointers(&e), vec!["/details/accompanied_by"]);
    let vouched = KnownReferences {
        supervisors: [sup.id].into_iter().collect(),
        ..known
    };
    assert_eq!(check_references(&a, &vouched), Ok(()));
}

#[test]
fn act_5_voided_activities_are_not_counted() {
    let p = ActivityPolicy::default();
    let mut v = activity(ActivityKind::FaceVisit);
    v.voided_at = Some(at(1));
    v.void_reason = Some("twice".into());
    assert_eq!(counts_toward_quota(&v, &p), Some(Err(NotCounted::Voided)));
    assert_eq!(NotCounted::Voided.explain(&v, &p), "voided: twice (ACT-5)");
    assert_eq!(counts_toward_quota(&activity(ActivityKind::OutletService), &p), None);
}

#[test]
fn act_5_void_only_own_same_day_once() {
    let a = activity(ActivityKind::FaceVisit);
    let today = a.business_day;
    let me = Voider::Agent { id: a.agent_id, today };
    let done = void(&a, me, " logged twice ", at(2));
    assert_eq!(
        done.as_ref().map(|v| v.void_reason.clone()),
        Ok(Some("logged twice".into()))
    );
    assert_eq!(done.as_ref().map(|v| v.voided_by), Ok(Some(a.agent_id)));
    let other = Voider::Agent {
        id: UserId::new(),
        today,
    };
    assert_eq!(void(&a, other, "x", at(2)), Err(VoidRefusal::NotOwner));
    let tomorrow = Voider::Agent {
        id: a.agent_id,
        today: today.succ_opt().unwrap_or(today),
    };
    assert_eq!(void(&a, tomorrow, "x", at(2)), Err(VoidRefusal::NotToday));
    let voided = done.unwrap_or_else(|_| a.clone());
    assert_eq!(void(&voided, me, "x", at(3)), Err(VoidRefusal::AlreadyVoided));
    assert_eq!(void(&a, me, "   ", at(2)), Err(VoidRefusal::BlankReason));
}

#[test]
fn act_5_correction_voids_any_day_once_with_a_reason() {
    let a = activity(ActivityKind::PhoneService);
    let q = Voider::Corrector(UserId::new());
    let done = void(&a, q, "correction", at(500));
    assert_eq!(done.as_ref().map(|v| v.voided_by), Ok(Some(q.id())));
    assert_eq!(void(&a, q, "", at(500)), Err(VoidRefusal::BlankReason));
    let voided = done.unwrap_or_else(|_| a.clone());
    assert_eq!(void(&voided, q, "again", at(501)), Err(VoidRefusal::AlreadyVoided));
}

#[test]
fn quo_face_d_and_quo_call_d_count_and_remaining() {
    let p = ActivityPolicy::default();
    let mut acts: Vec<Activity> = (0..3).map(|_| activity(ActivityKind::FaceVisit)).collect();
    acts.extend((0..5).map(|_| activity(ActivityKind::PhoneService)));
    acts[7].duration_seconds = Some(10);
    let (face, call) = daily_counts(&acts, &p, true);
    assert_eq!(face, DailyCount::new(3, 3));
    assert!(face.met());
    assert_eq!((call.counted, call.required, call.remaining), (4, 5, 1));
    let (face, call) = daily_counts(&acts, &p, false);
    assert_eq!((face.required, call.required, call.remaining), (0, 0, 0));
}

#[test]
fn time_4_occurred_at_window() {
    let p = ActivityPolicy::default();
    let now = at(200);
    assert_eq!(check_occurred_at(now + Duration::seconds(300), now, &p), Ok(()));
    assert_eq!(
        check_occurred_at(now + Duration::seconds(301), now, &p),
        Err(OccurredAtProblem::InFuture)
    );
    assert_eq!(check_occurred_at(now - Duration::days(7), now, &p), Ok(()));
    assert_eq!(
        check_occurred_at(now - Duration::days(7) - Duration::seconds(1), now, &p),
        Err(OccurredAtProblem::TooOld)
    );
}

#[test]
fn time_4_receive_time_is_kept_beside_the_devices_occurred_at() {
    let now = at(200);
    let earlier = now - Duration::hours(5);
    let a = accept(visit(Some(Uuid::now_v7()), earlier), &ctx(now));
    assert_eq!(a.as_ref().map(|a| (a.occurred_at, a.received_at)), Ok((earlier, now)));
    let e = accept(visit(Some(Uuid::now_v7()), now + Duration::hours(1)), &ctx(now))
        .err()
        .unwrap_or_default();
    assert_eq!(pointers(&e), vec!["/occurred_at"]);
}

#[test]
fn accept_reports_every_problem_relative_to_the_item_and_normalises() {
    let now = at(200);
    let c = ctx(now);
    let bad = call_draft(Some(Uuid::now_v7()), Some("138 0000"), 86_401, now + Duration::hours(2));
    let e = accept(bad, &c).err().unwrap_or_default();
    assert_eq!(
        pointers(&e),
        vec![
            "/occurred_at",
            "/details/duration_seconds",
            "/details/prospect_phone",
            "/details/started_at"
        ]
    );
    let ok = accept(call_draft(None, Some("138 0000 1111"), 40, now), &c);
    let details = ok.as_ref().map(|a| a.details.clone()).unwrap_or_default();
    assert_eq!(details["prospect_phone"], "13800001111");
    assert_eq!(details["started_at"], serde_json::json!(now));
    assert_eq!(ok.as_ref().map(|a| a.duration_seconds), Ok(Some(40)));
    // The digest's text depends on the content only.
    let a = ok.unwrap_or_else(|_| activity(ActivityKind::PhoneService));
    assert_eq!(canonical_body(&a), canonical_body(&a.clone()));
    let other = Activity {
        occurred_at: a.occurred_at - Duration::seconds(1),
        ..a.clone()
    };
    assert_ne!(canonical_body(&a), canonical_body(&other));
    let stored = ActivityDetails::from_stored(ActivityKind::PhoneService, &a.details);
    assert_eq!(stored.map(|d| d.kind()), Some(ActivityKind::PhoneService));
    assert_eq!(ActivityDetails::from_stored(ActivityKind::FaceVisit, &a.details), None);
}

#[test]
fn call_log_entries_get_their_own_stable_id_and_entry_pointers() {
    let c = ctx(at(200));
    let client = Uuid::now_v7();
    let clients: HashMap<String, Uuid> = [("+8613912345678".to_owned(), client)].into_iter().collect();
    let entry = |id: &str, number: &str, secs: i64| CallLogEntry {
        device_call_id: id.into(),
        number: number.into(),
        started_at: at(199),
        duration_seconds: secs,
    };
    let d = draft_from_entry(entry("dev-1", "+86 139-1234-5678", 95), c.company, c.agent, &clients);
    assert_eq!(d.as_ref().map(|d| d.client_id), Ok(Some(client)));
    assert_eq!(
        d.as_ref().map(|d| d.id),
        Ok(call_activity_id(c.company, c.agent, "dev-1"))
    );
    let prospect = draft_from_entry(entry("dev-2", "13800001111", 20), c.company, c.agent, &clients);
    assert_eq!(prospect.as_ref().map(|d| d.client_id), Ok(None));
    let bad = draft_from_entry(entry("dev-3", "??", 20), c.company, c.agent, &clients);
    assert_eq!(bad.err().map(|e| e.0[0].pointer.clone()), Some("/number".to_owned()));
    let long = draft_from_entry(entry("dev-4", "13800001112", 90_000), c.company, c.agent, &clients);
    let e = long
        .map(|d| accept(d, &c))
        .ok()
        .and_then(Result::err)
        .unwrap_or_default();
    assert_eq!(pointers(&entry_errors(e)), vec!["/duration_seconds"]);
    assert_ne!(
        call_activity_id(c.company, c.agent, "dev-1"),
        call_activity_id(c.company, UserId::new(), "dev-1")
    );
}

proptest! {
    #[test]
    fn quo_2_counts_never_exceed_activities_and_remaining_is_consistent(
        durations in proptest::collection::vec(0i64..120, 0..20),
        voided in proptest::collection::vec(any::<bool>(), 20),
        min in 0u32..90, req in 0u32..10,
    ) {
        let p = ActivityPolicy { min_call_seconds: min, calls_per_day: req, ..ActivityPolicy::default() };
        let acts: Vec<Activity> = durations.iter().zip(voided.iter()).map(|(d, v)| {
            let mut a = activity(ActivityKind::PhoneService);
            a.duration_seconds = Some(*d);
            if *v { a.voided_at = Some(at(3)); }
            a
        }).collect();
        let (_, call) = daily_counts(&acts, &p, true);
        let expected = durations.iter().zip(voided.iter()).filter(|(d, v)| !**v && **d >= i64::from(min)).count() as u32;
        prop_assert_eq!(call.counted, expected);
        prop_assert_eq!(call.remaining, req.saturating_sub(expected));
        prop_assert_eq!(call.met(), expected >= req);
    }
}
