//! The day close counts activities in SQL (one grouped query) while the today view counts
//! them with the domain's rules; both must always agree (ACT-2, ACT-3, voided never count).

use super::*;
use chrono::{Duration, NaiveDate, Utc};
use domain::activity::{
    daily_counts, Activity, ActivityDetails, ActivityKind, CallPurpose, FaceVisit, FaceVisitChecklist,
    MeetingAttendance, MeetingKind, OutletService, PhoneService, RenewalCollection, RenewalOutcome,
};
use domain::ids::{BranchId, CompanyId, UserId};
use domain::policy::ActivityPolicy;
use domain::ports::{ActivityRepo, LedgerRepo};
use infra::Db;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::cell::Cell;

/// One generated fact: its kind, whether it names a client, a call's duration, voided or not.
type Fact = (ActivityKind, bool, Option<i64>, bool);

fn fact() -> impl Strategy<Value = Fact> {
    (
        proptest::sample::select(ActivityKind::ALL.to_vec()),
        any::<bool>(),
        proptest::option::weighted(0.9, 0i64..120),
        proptest::bool::weighted(0.2),
    )
}

fn details(kind: ActivityKind, duration: Option<i64>, day: NaiveDate) -> serde_json::Value {
    match kind {
        ActivityKind::FaceVisit => ActivityDetails::FaceVisit(FaceVisit {
            checklist: FaceVisitChecklist::default(),
            location: None,
            accompanied_by: None,
            notes: None,
        }),
        ActivityKind::PhoneService => ActivityDetails::PhoneService(PhoneService {
            started_at: None,
            duration_seconds: duration.unwrap_or(0),
            purpose: CallPurpose::ClientGreeting,
            prospect_phone: None,
            device_call_id: None,
            notes: None,
        }),
        ActivityKind::RenewalCollection => ActivityDetails::RenewalCollection(RenewalCollection {
            policy_number: None,
            outcome: RenewalOutcome::Promised,
            notes: None,
        }),
        ActivityKind::OutletService => ActivityDetails::OutletService(OutletService::default()),
        ActivityKind::MeetingAttendance => ActivityDetails::MeetingAttendance(MeetingAttendance {
            meeting: MeetingKind::Morning,
            date: day,
        }),
    }
    .to_json()
}

fn activity(company: CompanyId, agent: UserId, day: NaiveDate, (kind, client, duration, voided): Fact) -> Activity {
    let now = Utc::now();
    Activity {
        company_id: company,
        id: uuid::Uuid::now_v7(),
        agent_id: agent,
        kind,
        occurred_at: now,
        received_at: now,
        business_day: day,
        client_id: client.then(uuid::Uuid::now_v7),
        outlet_id: None,
        duration_seconds: if kind == ActivityKind::PhoneService {
            duration
        } else {
            None
        },
        accompanied_by: None,
        device_call_id: None,
        details: details(kind, duration, day),
        body_hash: "generated".into(),
        voided_at: voided.then_some(now),
        voided_by: voided.then_some(agent),
        void_reason: voided.then(|| "generated".to_owned()),
    }
}

async fn company_of(db: &Db, branch: uuid::Uuid) -> CompanyId {
    let q = "SELECT company_id FROM branches WHERE id = $1";
    let id = match db {
        Db::Sqlite(p) => sqlx::query_scalar(q).bind(branch).fetch_one(p).await,
        Db::Postgres(p) => sqlx::query_scalar(q).bind(branch).fetch_one(p).await,
    };
    CompanyId(id.unwrap_or_else(|e| panic!("the test branch has no company: {e}")))
}

/// One case: the facts of one agent-day stored, counted by SQL, and by the domain.
async fn counts_agree(
    db: &Db,
    ids: (CompanyId, BranchId, UserId),
    day: NaiveDate,
    facts: &[Fact],
    min: u32,
) -> Result<(), String> {
    let (company, branch, agent) = ids;
    let acts: Vec<Activity> = facts.iter().map(|f| activity(company, agent, day, *f)).collect();
    db.insert_activities(&acts, None).await.map_err(|e| e.to_string())?;
    let sql = db
        .day_counts(company, branch, day, day, i64::from(min), Some(agent))
        .await
        .map_err(|e| e.to_string())?;
    let (sql_face, sql_calls) = sql.first().map_or((0, 0), |c| (c.face_visits, c.calls));
    let policy = ActivityPolicy {
        min_call_seconds: min,
        ..ActivityPolicy::default()
    };
    let (face, calls) = daily_counts(&acts, &policy, true);
    if (sql_face, sql_calls) == (i64::from(face.counted), i64::from(calls.counted)) {
        Ok(())
    } else {
        Err(format!(
            "SQL counted {sql_face} visits and {sql_calls} calls, the domain {} and {} (min {min}): {facts:?}",
            face.counted, calls.counted
        ))
    }
}

engine_test!(act_3_daily_counts_in_sql_agree_with_the_domain, |app| {
    let org = make_org(&app).await;
    let branch = uuid::Uuid::parse_str(&org.branch).unwrap_or_default();
    let agent = UserId(uuid::Uuid::parse_str(&org.agent_a).unwrap_or_default());
    let ids = (company_of(&app.db, branch).await, BranchId(branch), agent);
    // Every case (shrinking included) gets a day of its own, so cases never see each other.
    let next_day = Cell::new(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap_or_default());
    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    let handle = tokio::runtime::Handle::current();
    let result = tokio::task::block_in_place(|| {
        runner.run(&(proptest::collection::vec(fact(), 0..30), 0u32..90), |(facts, min)| {
            let day = next_day.get();
            next_day.set(day + Duration::days(1));
            handle
                .block_on(counts_agree(&app.db, ids, day, &facts, min))
                .map_err(TestCaseError::fail)
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
});
