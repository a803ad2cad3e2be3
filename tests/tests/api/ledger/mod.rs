//! Policy versions, the close jobs, the penalty and lead ledgers, compliance and the dashboard,
//! from outside. Shared scenario helpers (a known week in Shanghai) live here.

use super::*;
use uuid::Uuid;

mod close;
mod compliance;
mod counts_property;
mod defects;
mod feed_events;
mod leads;
mod policy_versions;
mod runner;

fn clock(c: &mut api::config::Config) {
    c.test_clock = true;
}

/// Shanghai local "YYYY-MM-DD HH:MM:SS" → RFC 3339 UTC.
fn sh(local: &str) -> String {
    let t = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S").unwrap_or_default();
    (t - chrono::Duration::hours(8)).and_utc().to_rfc3339()
}

fn visit(client: &str, at: &str) -> serde_json::Value {
    json!({"id": Uuid::now_v7(), "kind": "face_visit", "occurred_at": at, "client_id": client})
}

fn call(client: &str, at: &str, secs: i64) -> serde_json::Value {
    json!({"id": Uuid::now_v7(), "kind": "phone_service", "occurred_at": at, "client_id": client,
           "details": {"duration_seconds": secs, "purpose": "client_greeting"}})
}

struct Week {
    org: Org,
    agent: String,
    client: String,
    hr: String,
}

/// Logs `visits` face visits and `calls` calls (plus `short` short calls) on `date` at noon.
async fn log_day(app: &TestApp, w: &Week, date: &str, visits: usize, calls: usize, short: usize) {
    app.set_clock(&sh(&format!("{date} 20:00:00"))).await;
    let mut items = Vec::new();
    for i in 0..visits {
        items.push(visit(&w.client, &sh(&format!("{date} 1{i}:00:00"))));
    }
    for i in 0..calls {
        items.push(call(&w.client, &sh(&format!("{date} 1{i}:30:00")), 90));
    }
    for i in 0..short {
        items.push(call(&w.client, &sh(&format!("{date} 1{i}:45:00")), 10));
    }
    let r = app
        .post("/v1/activities:batch", &w.agent, json!({"items": items}))
        .await;
    assert_eq!(r.body["rejected"], 0, "{}", r.body);
}

async fn submit_diary(app: &TestApp, w: &Week, date: &str, at_local: &str) {
    app.set_clock(&sh(at_local)).await;
    let path = format!("/v1/diaries/{}/{date}", w.org.agent_a);
    assert_eq!(app.get(&path, &w.agent).await.status, 200);
    let r = app
        .call(Method::POST, &format!("{path}/submit"), Some(&w.agent), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

async fn approve_diary(app: &TestApp, w: &Week, date: &str, at_local: &str) {
    app.set_clock(&sh(at_local)).await;
    let sup = app.login("sup-a@test.local", PASSWORD).await;
    let r = app
        .call(
            Method::POST,
            &format!("/v1/diaries/{}/{date}/approve", w.org.agent_a),
            Some(&sup),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// A known week (Mon 2 – Sat 7 November 2026, Shanghai) under policy v1 (DIA-PEN-MISSING at 6 yuan).
async fn known_week(app: &TestApp) -> Week {
    app.set_clock(&sh("2026-11-01 12:00:00")).await;
    let org = make_org(app).await;
    let p = app
        .post(
            "/v1/policy-versions",
            &org.admin,
            json!({"effective_from": "2026-11-01", "document": {"penalties": {"diary_missing_fen": 600}}}),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.body);
    assert_eq!(p.body["version"], 1);
    let agent = app.login("agent-a@test.local", PASSWORD).await;
    let client = app.post("/v1/clients", &agent, json!({"name": "Wang"})).await.id();
    app.create_user(
        &org.admin,
        json!({"email": "hr@test.local", "name": "HR", "password": PASSWORD, "role": "hr"}),
    )
    .await;
    let hr = app.login("hr@test.local", PASSWORD).await;
    // Agent b is on approved leave all week: nothing may fall on them.
    let agent_b = app.login("agent-b@test.local", PASSWORD).await;
    let leave_b = app
        .post(
            "/v1/leave-requests",
            &agent_b,
            json!({"from": "2026-11-02", "to": "2026-11-07", "reason": "annual"}),
        )
        .await;
    let sup_b = app.login("sup-b@test.local", PASSWORD).await;
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/v1/leave-requests/{}/approve", leave_b.id()),
            Some(&sup_b),
            None
        )
        .await
        .status,
        200
    );
    let leave_a = app
        .post(
            "/v1/leave-requests",
            &agent,
            json!({"from": "2026-11-05", "to": "2026-11-05", "reason": "doctor"}),
        )
        .await;
    let sup_a = app.login("sup-a@test.local", PASSWORD).await;
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/v1/leave-requests/{}/approve", leave_a.id()),
            Some(&sup_a),
            None
        )
        .await
        .status,
        200
    );
    let w = Week { org, agent, client, hr };
    // Mon: compliant, diary on time, reviewed on time.
    log_day(app, &w, "2026-11-02", 3, 5, 0).await;
    submit_diary(app, &w, "2026-11-02", "2026-11-02 21:00:00").await;
    approve_diary(app, &w, "2026-11-02", "2026-11-03 09:00:00").await;
    // Tue: one visit short; diary filled after midnight (late fill); reviewed on time.
    log_day(app, &w, "2026-11-03", 2, 5, 0).await;
    submit_diary(app, &w, "2026-11-03", "2026-11-04 00:30:00").await;
    approve_diary(app, &w, "2026-11-03", "2026-11-04 17:00:00").await;
    // Wed: one call short (a short call does not count); no diary at all.
    log_day(app, &w, "2026-11-04", 3, 4, 1).await;
    // Thu: leave. Fri: compliant, diary on time, never reviewed. Sat: compliant, reviewed.
    log_day(app, &w, "2026-11-06", 3, 5, 0).await;
    submit_diary(app, &w, "2026-11-06", "2026-11-06 22:00:00").await;
    log_day(app, &w, "2026-11-07", 3, 5, 0).await;
    submit_diary(app, &w, "2026-11-07", "2026-11-07 22:00:00").await;
    approve_diary(app, &w, "2026-11-07", "2026-11-09 12:00:00").await;
    w
}

async fn close_week(app: &TestApp, base: &str, admin: &str, branch: &str) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for d in [
        "2026-11-02",
        "2026-11-03",
        "2026-11-04",
        "2026-11-05",
        "2026-11-06",
        "2026-11-07",
    ] {
        let r = app
            .send(
                app.client
                    .post(format!("{base}/v1/admin/jobs/close-day"))
                    .bearer_auth(admin)
                    .json(&json!({"branch_id": branch, "date": d})),
            )
            .await;
        assert_eq!(r.status, 200, "{d}: {}", r.body);
        out.push(r.body);
    }
    out
}

async fn all_penalties(app: &TestApp, token: &str) -> Vec<serde_json::Value> {
    let r = app.get("/v1/penalties?limit=200", token).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

fn summary(items: &[serde_json::Value]) -> Vec<(String, String, String, i64, i64)> {
    let mut v: Vec<_> = items
        .iter()
        .map(|e| {
            (
                e["rule_id"].as_str().unwrap_or_default().to_owned(),
                e["business_day"].as_str().unwrap_or_default().to_owned(),
                e["person_id"].as_str().unwrap_or_default().to_owned(),
                e["amount_fen"].as_i64().unwrap_or(-1),
                e["leads"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    v.sort();
    v
}
