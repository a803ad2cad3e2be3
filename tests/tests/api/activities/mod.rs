use super::*;
use uuid::Uuid;

/// 2026-11-03 (a Tuesday) 12:00 in Shanghai.
const NOON: &str = "2026-11-03T04:00:00Z";

fn clock(c: &mut api::config::Config) {
    c.test_clock = true;
}

struct Fixture {
    org: Org,
    agent: String,
    client: String,
    client2: String,
    outlet: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    app.set_clock(NOON).await;
    let org = make_org(app).await;
    let agent = app.login("agent-a@test.local", PASSWORD).await;
    let c = app
        .post(
            "/v1/clients",
            &agent,
            json!({"name": "Wang Fang", "phone": "+86 139 1234 5678"}),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    let c2 = app.post("/v1/clients", &agent, json!({"name": "Li Lei"})).await;
    let o = app
        .post(
            "/v1/outlets",
            &org.admin,
            json!({"branch_id": org.branch, "name": "ICBC Lujiazui", "agent_ids": [org.agent_a]}),
        )
        .await;
    assert_eq!(o.status, 201, "{}", o.body);
    Fixture {
        client: c.id(),
        client2: c2.id(),
        outlet: o.id(),
        agent,
        org,
    }
}

fn visit(client: &str, at: &str) -> serde_json::Value {
    json!({"id": Uuid::now_v7(), "kind": "face_visit", "occurred_at": at, "client_id": client,
           "details": {"checklist": {"introduced_self": true}, "location": {"lat": 31.23, "lng": 121.47, "accuracy_m": 12.5}}})
}

fn call(client: &str, at: &str, secs: i64) -> serde_json::Value {
    json!({"id": Uuid::now_v7(), "kind": "phone_service", "occurred_at": at, "client_id": client,
           "details": {"duration_seconds": secs, "purpose": "client_greeting"}})
}

mod call_log;
mod ingest;
mod reads;
