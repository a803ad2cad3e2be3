//! Policy versions and the version in force driving the rules.

use super::*;

engine_test!(
    pol_1_policy_versions,
    |c| {
        clock(c);
    },
    |app| {
        app.set_clock(&sh("2026-11-10 12:00:00")).await;
        let org = make_org(&app).await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        app.post("/v1/policy-versions", &agent, json!({"effective_from": "2026-12-01"}))
            .await
            .assert_problem(403, "forbidden");
        app.post(
            "/v1/policy-versions",
            &org.admin,
            json!({"effective_from": "2026-12-01", "document": {"activity": {"min_call_seconds": 99999}}}),
        )
        .await
        .assert_field_error("/document/activity/min_call_seconds");
        app.post(
            "/v1/policy-versions",
            &org.admin,
            json!({"effective_from": "2026-12-01", "document": {"activity": {"min_calls": 1}}}),
        )
        .await
        .assert_field_error("/document/activity/min_calls");
        app.post(
            "/v1/policy-versions",
            &org.admin,
            json!({"effective_from": "2026-11-09"}),
        )
        .await
        .assert_field_error("/effective_from");
        app.post(
            "/v1/policy-versions",
            &org.admin,
            json!({"effective_from": "2026-12-01", "branch_id": Uuid::new_v4()}),
        )
        .await
        .assert_field_error("/branch_id");
        let v1 = app
            .post(
                "/v1/policy-versions",
                &org.admin,
                json!({"effective_from": "2026-11-10", "document": {"activity": {"min_call_seconds": 45}}}),
            )
            .await;
        assert_eq!(v1.status, 201, "{}", v1.body);
        assert_eq!(v1.body["in_effect"], true);
        let v2 = app
            .post(
                "/v1/policy-versions",
                &org.admin,
                json!({"effective_from": "2026-12-01", "document": {"activity": {"min_call_seconds": 60}}}),
            )
            .await;
        assert_eq!(v2.body["version"], 2);
        assert_eq!(v2.body["in_effect"], false);
        let branch_v = app
        .post("/v1/policy-versions", &org.admin, json!({"branch_id": org.branch, "effective_from": "2026-11-20", "document": {"activity": {"calls_per_day": 8}}}))
        .await;
        assert_eq!(branch_v.body["version"], 1, "numbered per scope");
        app.patch(
            &format!("/v1/policy-versions/{}", v1.id()),
            &org.admin,
            json!({"effective_from": "2026-11-30"}),
        )
        .await
        .assert_problem(409, "policy_in_effect");
        let moved = app
            .patch(
                &format!("/v1/policy-versions/{}", v2.id()),
                &org.admin,
                json!({"document": {"activity": {"min_call_seconds": 50}}}),
            )
            .await;
        assert_eq!(moved.status, 200, "{}", moved.body);
        let app_ref = &app;
        let in_force = |date: &str| {
            let path = format!("/v1/policy-versions:in-force?branch_id={}&date={date}", org.branch);
            let agent = agent.clone();
            async move { app_ref.get(&path, &agent).await }
        };
        let before = in_force("2026-11-01").await;
        assert_eq!(
            (
                before.body["version"].as_i64(),
                before.body["document"]["activity"]["min_call_seconds"].as_i64()
            ),
            (Some(0), Some(30))
        );
        let nov15 = in_force("2026-11-15").await;
        assert_eq!(nov15.body["document"]["activity"]["min_call_seconds"], 45);
        let nov25 = in_force("2026-11-25").await;
        assert_eq!(
            nov25.body["document"]["activity"]["calls_per_day"], 8,
            "the branch's version overrides"
        );
        assert_eq!(
            nov25.body["document"]["activity"]["min_call_seconds"], 30,
            "a branch version is a whole document"
        );
        let list = app.get("/v1/policy-versions", &agent).await;
        assert_eq!(list.body["items"].as_array().map(Vec::len), Some(3));
        // The version in force drives the rules: a 40 s call no longer counts under v1.
        let client = app.post("/v1/clients", &agent, json!({"name": "Wang"})).await.id();
        app.post("/v1/activities", &agent, call(&client, &sh("2026-11-10 10:00:00"), 40))
            .await;
        let today = app.get("/v1/agents/me/today", &agent).await;
        assert_eq!(today.body["min_call_seconds"], 45);
        assert_eq!(today.body["phone_services"]["counted"], 0);
    }
);

engine_test!(
    pol_1_a_mid_month_policy_applies_from_its_date_and_closed_days_stay,
    |c| {
        clock(c);
    },
    |app| {
        app.set_clock(&sh("2026-11-01 12:00:00")).await;
        let org = make_org(&app).await;
        let v1 = app
            .post(
                "/v1/policy-versions",
                &org.admin,
                json!({"effective_from": "2026-11-01", "document": {"penalties": {"diary_missing_fen": 600}}}),
            )
            .await;
        assert_eq!(v1.status, 201, "{}", v1.body);
        // Nobody files a diary all week. On Thursday the 5th Monday is closed under v1, and a new
        // version (9 yuan) is made effective from Friday the 6th.
        app.set_clock(&sh("2026-11-05 12:00:00")).await;
        let r = app
            .post(
                "/v1/admin/jobs/close-day",
                &org.admin,
                json!({"branch_id": org.branch, "date": "2026-11-02"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let v2 = app
            .post(
                "/v1/policy-versions",
                &org.admin,
                json!({"effective_from": "2026-11-06", "document": {"penalties": {"diary_missing_fen": 900}}}),
            )
            .await;
        assert_eq!(v2.status, 201, "{}", v2.body);
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        let week = close_week(&app, &app.base, &org.admin, &org.branch).await;
        assert_eq!(week[0]["adjustments_posted"], 0, "the closed Monday does not change");
        let items = all_penalties(&app, &org.admin).await;
        let missing: Vec<(String, i64, i64)> = {
            let mut v: Vec<_> = items
                .iter()
                .filter(|e| e["rule_id"] == "DIA-PEN-MISSING" && e["person_id"] == org.agent_a.as_str())
                .map(|e| {
                    (
                        e["business_day"].as_str().unwrap_or_default().to_owned(),
                        e["amount_fen"].as_i64().unwrap_or(0),
                        e["policy_version"].as_i64().unwrap_or(0),
                    )
                })
                .collect();
            v.sort();
            v
        };
        assert_eq!(
            missing,
            vec![
                ("2026-11-02".to_owned(), 600, 1),
                ("2026-11-03".to_owned(), 600, 1),
                ("2026-11-04".to_owned(), 600, 1),
                ("2026-11-05".to_owned(), 600, 1),
                ("2026-11-06".to_owned(), 900, 2),
                ("2026-11-07".to_owned(), 900, 2),
            ]
        );
        assert!(items.iter().all(|e| e["kind"] == "penalty"), "no adjustments anywhere");
    }
);
