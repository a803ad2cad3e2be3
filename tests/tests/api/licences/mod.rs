//! Agent licences and continuing education (LIC-1..LIC-3): the shared world and helpers, and
//! the scenarios by theme. Branch zone Asia/Shanghai (UTC+8); the test clock walks the year.

use super::*;

mod records;
mod reports;
mod year_end;

fn clock(c: &mut api::config::Config) {
    c.test_clock = true;
}

/// Shanghai local "YYYY-MM-DD HH:MM" → RFC 3339 UTC.
fn sh(local: &str) -> String {
    let t = chrono::NaiveDateTime::parse_from_str(&format!("{local}:00"), "%Y-%m-%d %H:%M:%S").unwrap_or_default();
    (t - chrono::Duration::hours(8)).and_utc().to_rfc3339()
}

struct World {
    org: Org,
    hr: String,
    qo: String,
    agent_a: String,
    agent_b: String,
    sup_a: String,
    sup_b: String,
}

/// The org, an HR officer and a quality officer, everyone logged in, at `local` (Shanghai).
async fn world(app: &TestApp, local: &str) -> World {
    app.set_clock(&sh(local)).await;
    let org = make_org(app).await;
    for (email, role) in [("hr@test.local", "hr"), ("qo@test.local", "quality_officer")] {
        app.create_user(
            &org.admin,
            json!({"email": email, "name": role, "password": PASSWORD, "role": role}),
        )
        .await;
    }
    World {
        hr: app.login("hr@test.local", PASSWORD).await,
        qo: app.login("qo@test.local", PASSWORD).await,
        agent_a: app.login("agent-a@test.local", PASSWORD).await,
        agent_b: app.login("agent-b@test.local", PASSWORD).await,
        sup_a: app.login("sup-a@test.local", PASSWORD).await,
        sup_b: app.login("sup-b@test.local", PASSWORD).await,
        org,
    }
}

fn licence_path(agent: &str) -> String {
    format!("/v1/agents/{agent}/licence")
}

fn courses_path(agent: &str) -> String {
    format!("/v1/agents/{agent}/ce-courses")
}

async fn put_licence(app: &TestApp, token: &str, agent: &str, body: Value) -> Resp {
    app.call(Method::PUT, &licence_path(agent), Some(token), Some(body))
        .await
}

/// A course HR records (confirmed at once), `tenths` of an hour taken on `taken_on`.
async fn hr_course(app: &TestApp, w: &World, agent: &str, taken_on: &str, tenths: i64) -> Resp {
    let r = app
        .post(
            &courses_path(agent),
            &w.hr,
            json!({"taken_on": taken_on, "hours_tenths": tenths, "provider": "Insurance Institute", "certificate_ref": "CE-1"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "confirmed", "{}", r.body);
    r
}

/// A client of `agent` (their own token) for policies.
async fn client_of(app: &TestApp, agent_token: &str, name: &str) -> String {
    let r = app
        .post(
            "/v1/clients",
            agent_token,
            json!({"name": name, "phone": format!("139{:08}", name.bytes().fold(7u64, |a, b| a * 31 + u64::from(b)) % 100_000_000)}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

/// Records a policy (COM-1) naming `agent` as the selling agent.
async fn sell(app: &TestApp, w: &World, agent: &str, client: &str, number: &str) -> Resp {
    app.post(
        "/v1/policies",
        &w.org.admin,
        json!({"number": number, "agent_id": agent, "client_id": client, "product": "Term life",
               "premium_fen": 1_000_000, "commission_fen": 100_000, "printed_on": "2026-09-20",
               "effective_on": "2026-09-20"}),
    )
    .await
}

/// Runs the LIC-3 job for the world's branch now.
async fn run_job(app: &TestApp, w: &World) -> Value {
    let r = app
        .post(
            "/v1/admin/jobs/licences",
            &w.org.admin,
            json!({"branch_id": w.org.branch}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// The caller's notifications of `kind`.
async fn notices(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let r = app.get("/v1/agents/me/notifications", token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .map(|a| a.iter().filter(|n| n["kind"] == kind).cloned().collect())
        .unwrap_or_default()
}
