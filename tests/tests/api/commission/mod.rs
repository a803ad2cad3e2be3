//! Insurance policies, callbacks, receipts, settlement and statements (COM-*): the shared
//! world and helpers, and the scenarios by theme.

use super::*;

mod defects_callbacks;
mod defects_settlement;
mod feed_events;
mod flow;
mod numbers_and_rounds;

fn clock(c: &mut api::config::Config) {
    c.test_clock = true;
}

/// Shanghai local "YYYY-MM-DD HH:MM" → RFC 3339 UTC.
fn sh(local: &str) -> String {
    let t = chrono::NaiveDateTime::parse_from_str(&format!("{local}:00"), "%Y-%m-%d %H:%M:%S").unwrap_or_default();
    (t - chrono::Duration::hours(8)).and_utc().to_rfc3339()
}

const A: i64 = 100_000;

struct World {
    org: Org,
    agent: String,
    cb: String,
    qo: String,
    client: String,
}

async fn world(app: &TestApp) -> World {
    app.set_clock(&sh("2026-10-01 10:00")).await;
    let org = make_org(app).await;
    for (email, role) in [
        ("cb@test.local", "callback_agent"),
        ("qo@test.local", "quality_officer"),
    ] {
        app.create_user(
            &org.admin,
            json!({"email": email, "name": role, "password": PASSWORD, "role": role}),
        )
        .await;
    }
    // Policies need licensed selling agents (LIC-1).
    license_agent(app, &org.admin, &org.agent_a).await;
    license_agent(app, &org.admin, &org.agent_b).await;
    let agent = app.login("agent-a@test.local", PASSWORD).await;
    let client = app
        .post("/v1/clients", &agent, json!({"name": "Zhao", "phone": "13911112222"}))
        .await
        .id();
    World {
        cb: app.login("cb@test.local", PASSWORD).await,
        qo: app.login("qo@test.local", PASSWORD).await,
        agent,
        client,
        org,
    }
}

async fn policy(app: &TestApp, w: &World, number: &str, effective: &str, receipt: Option<&str>) -> String {
    let r = app
        .post(
            "/v1/policies",
            &w.org.admin,
            json!({"number": number, "agent_id": w.org.agent_a, "client_id": w.client, "product": "Term life", "premium_fen": 1_000_000,
                   "commission_fen": A, "printed_on": "2026-10-05", "effective_on": effective, "receipt_returned_on": receipt}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

async fn call(app: &TestApp, w: &World, id: &str, at: &str, body: serde_json::Value) -> Resp {
    app.set_clock(&sh(at)).await;
    app.post(&format!("/v1/policies/{id}/callbacks"), &w.cb, body).await
}

fn fail() -> serde_json::Value {
    json!({"category": "temporarily_unsuccessful", "reason": "no_answer"})
}

fn ok() -> serde_json::Value {
    json!({"category": "success"})
}

async fn state_of(app: &TestApp, w: &World, id: &str) -> String {
    app.get(&format!("/v1/policies/{id}"), &w.org.admin).await.body["hold"]["state"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Fails both rounds (three calls each, six hours apart) around the agent's contact
/// confirmation: the policy then awaits its manual callback, due from 17 October 10:00.
async fn to_manual(app: &TestApp, w: &World, p: &str) {
    for at in ["2026-10-15 10:00", "2026-10-15 16:00", "2026-10-16 10:00"] {
        let r = call(app, w, p, at, fail()).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    app.set_clock(&sh("2026-10-16 11:00")).await;
    let r = app
        .call(Method::POST, &format!("/v1/policies/{p}/contact"), Some(&w.agent), None)
        .await;
    assert_eq!(r.body["hold"]["state"], "second_round", "{}", r.body);
    for at in ["2026-10-16 12:00", "2026-10-16 18:00", "2026-10-17 10:00"] {
        let r = call(app, w, p, at, fail()).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    assert_eq!(state_of(app, w, p).await, "manual_callback");
}

/// Runs the settlement of `month` for the world's branch.
async fn settle(app: &TestApp, w: &World, month: &str) -> Resp {
    app.post(
        "/v1/admin/jobs/settle",
        &w.org.admin,
        json!({"branch_id": w.org.branch, "month": month}),
    )
    .await
}

/// The lines of agent a's statement for `month` (empty when there is none yet).
async fn statement_lines(app: &TestApp, w: &World, month: &str) -> Vec<serde_json::Value> {
    let r = app
        .get(
            &format!("/v1/agents/{}/statements?month={month}", w.org.agent_a),
            &w.org.admin,
        )
        .await;
    r.body["items"][0]["lines"].as_array().cloned().unwrap_or_default()
}

/// Runs one statement directly against the test database (fault injection only).
async fn exec(app: &TestApp, sql: &str) {
    let r = match &app.db {
        infra::Db::Sqlite(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
        infra::Db::Postgres(p) => sqlx::query(sql).execute(p).await.map(|_| ()),
    };
    assert!(r.is_ok(), "{sql}: {r:?}");
}

/// Makes every insert into `table` fail, as a storage fault below the API would.
async fn break_inserts(app: &TestApp, table: &str) {
    match app.engine {
        Engine::Sqlite => {
            exec(
                app,
                &format!(
                    "CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'injected'); END"
                ),
            )
            .await
        }
        Engine::Postgres => {
            exec(
                app,
                "CREATE OR REPLACE FUNCTION fail_insert() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'injected'; END $$",
            )
            .await;
            exec(
                app,
                &format!(
                    "CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION fail_insert()"
                ),
            )
            .await;
        }
    }
}

/// Undoes `break_inserts`.
async fn mend_inserts(app: &TestApp, table: &str) {
    match app.engine {
        Engine::Sqlite => exec(app, &format!("DROP TRIGGER fail_{table}")).await,
        Engine::Postgres => exec(app, &format!("DROP TRIGGER fail_{table} ON {table}")).await,
    }
}
