//! QUO-FACE-D / QUO-CALL-D (and the monthly tallies): the day close counts in SQL for speed
//! (`day_counts`); on random activity sets, on both engines, it must equal the domain's
//! `quota::tally_day`.

use super::*;
use chrono::{Duration, NaiveDate};
use domain::activity::{Activity, ActivityKind};
use domain::ids::{CompanyId, UserId};
use domain::policy::ActivityPolicy;
use domain::ports::{ActivityRepo, CloseRepo, OrganisationRepo};
use domain::quota::{tally_day, DayTally};
use proptest::prelude::*;
use proptest::test_runner::{Config as RunnerConfig, TestCaseError, TestRunner};
use std::cell::Cell;
use std::collections::BTreeMap;

/// One generated activity: (agent 0/1, day 0..3, kind, names a client, duration, voided, morning).
type Fact = (usize, i64, usize, bool, Option<i64>, bool, bool);

fn facts() -> impl Strategy<Value = (u32, Vec<Fact>)> {
    let fact = (
        0usize..2,
        0i64..3,
        0usize..5,
        any::<bool>(),
        proptest::option::of(0i64..90),
        proptest::bool::weighted(0.2),
        any::<bool>(),
    );
    (
        prop_oneof![Just(0u32), Just(30u32), Just(45u32)],
        proptest::collection::vec(fact, 0..40),
    )
}

fn activity(company: CompanyId, agent: UserId, day: NaiveDate, f: &Fact) -> Activity {
    let (_, _, kind, client, secs, voided, morning) = *f;
    let kind = ActivityKind::ALL[kind];
    let at = day.and_hms_opt(3, 0, 0).unwrap_or_default().and_utc();
    let details = match kind {
        ActivityKind::MeetingAttendance => {
            json!({"meeting": if morning { "morning" } else { "evening" }, "date": day})
        }
        _ => serde_json::Value::Null,
    };
    Activity {
        company_id: company,
        id: uuid::Uuid::now_v7(),
        agent_id: agent,
        kind,
        occurred_at: at,
        received_at: at,
        business_day: day,
        client_id: client.then(uuid::Uuid::now_v7),
        outlet_id: None,
        duration_seconds: if kind == ActivityKind::PhoneService { secs } else { None },
        accompanied_by: None,
        device_call_id: None,
        details,
        body_hash: String::new(),
        voided_at: voided.then_some(at),
        voided_by: None,
        void_reason: None,
    }
}

/// Writes the facts in a fresh window of days and compares the SQL tallies with the domain's.
async fn check(
    app: &TestApp,
    company: CompanyId,
    agents: [UserId; 2],
    window: i64,
    (min_call_seconds, facts): (u32, Vec<Fact>),
) -> Result<(), String> {
    let from = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default() + Duration::days(window * 7);
    let to = from + Duration::days(2);
    let acts: Vec<Activity> = facts
        .iter()
        .map(|f| activity(company, agents[f.0], from + Duration::days(f.1), f))
        .collect();
    let audit = domain::ports::AuditContext {
        company_id: company,
        actor_id: None,
        request_id: "property-test".into(),
        at: chrono::Utc::now(),
        integration_client_id: None,
    };
    app.db
        .insert_activities(&audit, &acts, None)
        .await
        .map_err(|e| e.to_string())?;
    let sql: BTreeMap<(UserId, NaiveDate), DayTally> = app
        .db
        .day_counts(company, &agents, from, to, i64::from(min_call_seconds))
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|c| c.tally != DayTally::default())
        .map(|c| ((c.agent, c.day), c.tally))
        .collect();
    let policy = ActivityPolicy {
        min_call_seconds,
        ..ActivityPolicy::default()
    };
    let mut by_day: BTreeMap<(UserId, NaiveDate), Vec<Activity>> = BTreeMap::new();
    for a in acts {
        by_day.entry((a.agent_id, a.business_day)).or_default().push(a);
    }
    let domain: BTreeMap<(UserId, NaiveDate), DayTally> = by_day
        .into_iter()
        .map(|(k, acts)| (k, tally_day(&acts, &policy)))
        .filter(|(_, t)| *t != DayTally::default())
        .collect();
    if sql == domain {
        Ok(())
    } else {
        Err(format!("sql {sql:?}\n!= domain {domain:?}"))
    }
}

engine_test!(quo_face_d_quo_call_d_sql_day_counts_equal_the_domain_tally, |app| {
    make_org(&app).await;
    let user = |email: &'static str| {
        let db = app.db.clone();
        async move { db.find_user_by_email(email).await.ok().flatten() }
    };
    let (Some(a), Some(b)) = (user("agent-a@test.local").await, user("agent-b@test.local").await) else {
        panic!("the org's agents")
    };
    let handle = tokio::runtime::Handle::current();
    let window = Cell::new(0i64);
    let mut runner = TestRunner::new(RunnerConfig {
        cases: 16,
        ..RunnerConfig::default()
    });
    let result = tokio::task::block_in_place(|| {
        runner.run(&facts(), |case| {
            // Every run (shrinking included) writes into days no other run uses.
            window.set(window.get() + 1);
            handle
                .block_on(check(&app, a.company_id, [a.id, b.id], window.get(), case))
                .map_err(TestCaseError::fail)
        })
    });
    assert!(result.is_ok(), "{result:?}");
});
