//! TIME-1 for quality: every business date is a date in the branch's zone (Asia/Shanghai here,
//! UTC+8), so the hours after local midnight belong to the new day, month and half-year even
//! though it is still the previous day in UTC.

use super::*;

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
    cb: String,
    qo: String,
    hr: String,
}

/// An org whose callback center calls around the clock (so a finding can be made at any hour).
async fn world(app: &TestApp) -> World {
    app.set_clock(&sh("2026-06-01 10:00")).await;
    let org = make_org(app).await;
    for (email, role) in [
        ("cb@test.local", "callback_agent"),
        ("qo@test.local", "quality_officer"),
        ("hr@test.local", "hr"),
    ] {
        app.create_user(
            &org.admin,
            json!({"email": email, "name": role, "password": PASSWORD, "role": role}),
        )
        .await;
    }
    let p = app
        .post(
            "/v1/policy-versions",
            &org.admin,
            json!({"effective_from": "2026-06-01", "document": {"commission": {"calling_hours_start": 0, "calling_hours_end": 24}}}),
        )
        .await;
    assert_eq!(p.status, 201, "{}", p.body);
    // Policies need licensed selling agents (LIC-1).
    license_agent(app, &org.admin, &org.agent_a).await;
    World {
        cb: app.login("cb@test.local", PASSWORD).await,
        qo: app.login("qo@test.local", PASSWORD).await,
        hr: app.login("hr@test.local", PASSWORD).await,
        org,
    }
}

/// A callback at `local` finds a forged signature; the Q-SIGNATURE report it raises.
async fn forged_signature_found_at(app: &TestApp, w: &World, local: &str) -> serde_json::Value {
    app.set_clock(&sh("2026-06-20 10:00")).await;
    let agent = app.login("agent-a@test.local", PASSWORD).await;
    let client = app
        .post("/v1/clients", &agent, json!({"name": "Zhao", "phone": "13911112222"}))
        .await
        .id();
    let policy = app
        .post(
            "/v1/policies",
            &w.org.admin,
            json!({"number": "P-TIME-1", "agent_id": w.org.agent_a, "client_id": client, "product": "Term life",
                   "premium_fen": 1_000_000, "commission_fen": 100_000, "printed_on": "2026-06-10",
                   "effective_on": "2026-06-10", "receipt_returned_on": "2026-06-11"}),
        )
        .await;
    assert_eq!(policy.status, 201, "{}", policy.body);
    app.set_clock(&sh(local)).await;
    let call = app
        .post(
            &format!("/v1/policies/{}/callbacks", policy.id()),
            &w.cb,
            json!({"category": "success", "forged_signature": true}),
        )
        .await;
    assert_eq!(call.status, 200, "{}", call.body);
    let reports = app.get("/v1/quality/violations?status=pending", &w.qo).await;
    reports.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|v| v["code"] == "Q-SIGNATURE").cloned())
        .unwrap_or_default()
}

async fn scores_after_confirming(app: &TestApp, w: &World, report: &serde_json::Value) -> serde_json::Value {
    let id = report["id"].as_str().unwrap_or_default();
    let c = app
        .post(
            &format!("/v1/quality/violations/{id}/confirm"),
            &w.qo,
            json!({"half_points": 10}),
        )
        .await;
    assert_eq!(c.status, 200, "{}", c.body);
    app.get(&format!("/v1/agents/{}/credit-file", w.org.agent_a), &w.qo)
        .await
        .body["scores"]
        .clone()
}

engine_test!(
    time_1_late_june_violation_in_shanghai_counts_in_h1,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app).await;
        // 23:30 on 30 June in Shanghai is 15:30Z, the same date in UTC.
        let report = forged_signature_found_at(&app, &w, "2026-06-30 23:30").await;
        assert_eq!(report["occurred_on"], "2026-06-30", "{report}");
        assert_eq!(report["half_year"], "2026H1", "{report}");
        assert_eq!(
            scores_after_confirming(&app, &w, &report).await,
            json!([{"half_year": "2026H1", "half_points": 10, "points": "5"}])
        );
    }
);

engine_test!(
    time_1_early_july_violation_in_shanghai_counts_in_h2,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app).await;
        // 00:30 on 1 July in Shanghai is 16:30Z on 30 June: still June in UTC, July in the branch.
        let report = forged_signature_found_at(&app, &w, "2026-07-01 00:30").await;
        assert_eq!(report["occurred_on"], "2026-07-01", "{report}");
        assert_eq!(report["half_year"], "2026H2", "{report}");
        assert_eq!(
            scores_after_confirming(&app, &w, &report).await,
            json!([{"half_year": "2026H2", "half_points": 10, "points": "5"}])
        );
    }
);

engine_test!(
    time_1_allowance_month_commendation_day_and_catalogue_day_are_the_branch_days,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app).await;
        let a = w.org.agent_a.clone();
        // 00:30 on 1 July in Shanghai (16:30Z on 30 June).
        app.set_clock(&sh("2026-07-01 00:30")).await;
        // The catalogue: today is 1 July, so 30 June is in the past and 1 July is in force now.
        app.post(
            "/v1/quality/catalogue",
            &w.qo,
            json!({"effective_from": "2026-06-30", "entries": []}),
        )
        .await
        .assert_field_error("/effective_from");
        let v1 = app
            .post(
                "/v1/quality/catalogue",
                &w.qo,
                json!({"effective_from": "2026-07-01", "entries": [
                    {"code": "Q-SIGNATURE", "title_zh": "代签名", "title_en": "Signature not by the client",
                     "rule": {"type": "range", "min_half_points": 10, "max_half_points": 20}, "posts": ["hr"]},
                    {"code": "Q-DISCLOSE", "title_zh": "未如实说明", "title_en": "Not explained",
                     "rule": {"type": "range", "min_half_points": 10, "max_half_points": 20}, "posts": ["hr"]}
                ]}),
            )
            .await;
        assert_eq!(v1.status, 201, "{}", v1.body);
        assert_eq!(app.get("/v1/quality/catalogue", &w.hr).await.body["version"], 1);
        // Reaching 15 points now withholds July's allowance, not June's.
        for (code, points) in [("Q-SIGNATURE", 20), ("Q-DISCLOSE", 10)] {
            let r = app
                .post(
                    "/v1/quality/violations",
                    &w.hr,
                    json!({"agent_id": a, "code": code, "post": "hr", "occurred_on": "2026-07-01", "evidence": "file"}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            assert_eq!(r.body["catalogue_version"], 1);
            let c = app
                .post(
                    &format!("/v1/quality/violations/{}/confirm", r.id()),
                    &w.qo,
                    json!({"half_points": points}),
                )
                .await;
            assert_eq!(c.status, 200, "{}", c.body);
        }
        let file = app.get(&format!("/v1/agents/{a}/credit-file"), &w.qo).await;
        let allowance = file.body["consequences"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["kind"] == "allowance_withheld").cloned())
            .unwrap_or_default();
        assert_eq!(allowance["details"]["month"], "2026-07", "{}", file.body);
        assert_eq!(allowance["half_year"], "2026H2");
        // A commendation given now is dated 1 July.
        let praise = app
            .post(
                &format!("/v1/agents/{a}/commendations"),
                &w.hr,
                json!({"text": "client thank-you letter"}),
            )
            .await;
        assert_eq!(praise.status, 201, "{}", praise.body);
        assert_eq!(praise.body["given_on"], "2026-07-01");
        // Tomorrow in the branch is still the future.
        app.post(
            "/v1/quality/violations",
            &w.hr,
            json!({"agent_id": a, "code": "Q-SIGNATURE", "post": "hr", "occurred_on": "2026-07-02", "evidence": "file"}),
        )
        .await
        .assert_field_error("/occurred_on");
    }
);
