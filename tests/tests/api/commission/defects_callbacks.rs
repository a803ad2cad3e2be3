//! Defects of the callback center fixed in the restructure (issue 10), each named after its rule.

use super::*;

fn forged() -> serde_json::Value {
    json!({"category": "success", "forged_signature": true})
}

/// The pending reports with `code`.
async fn reports(app: &TestApp, w: &World, code: &str) -> Vec<serde_json::Value> {
    let r = app.get("/v1/quality/violations?status=pending", &w.qo).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .map(|i| i.iter().filter(|v| v["code"] == code).cloned().collect())
        .unwrap_or_default()
}

engine_test!(
    com_3_a_callback_and_everything_it_raises_are_one_transaction,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app).await;
        let quality = policy(&app, &w, "T1-forged", "2026-10-05", Some("2026-10-06")).await;
        let round = policy(&app, &w, "T2-round", "2026-10-05", Some("2026-10-06")).await;
        // The Q-SIGNATURE report cannot be written: the call is not recorded either.
        break_inserts(&app, "violations").await;
        let r = call(&app, &w, &quality, "2026-10-15 10:00", forged()).await;
        assert_eq!(r.status, 500, "{}", r.body);
        mend_inserts(&app, "violations").await;
        let p = app.get(&format!("/v1/policies/{quality}"), &w.org.admin).await;
        assert_eq!(p.body["hold"]["state"], "first_round", "{}", p.body);
        assert_eq!(p.body["history"].as_array().map(Vec::len), Some(0));
        assert_eq!(app.count("violations").await, 0);
        // The agent's notification cannot be written: the call ending the round is not recorded.
        for at in ["2026-10-15 10:00", "2026-10-15 16:00"] {
            assert_eq!(call(&app, &w, &round, at, fail()).await.status, 200);
        }
        break_inserts(&app, "notifications").await;
        let r = call(&app, &w, &round, "2026-10-16 10:00", fail()).await;
        assert_eq!(r.status, 500, "{}", r.body);
        mend_inserts(&app, "notifications").await;
        assert_eq!(state_of(&app, &w, &round).await, "first_round");
        assert_eq!(app.count("notifications").await, 0);
        // With storage mended, the same calls commit with everything they raise.
        let r = call(&app, &w, &round, "2026-10-16 10:00", fail()).await;
        assert_eq!(r.body["hold"]["state"], "awaiting_contact", "{}", r.body);
        assert_eq!(app.count("notifications").await, 1);
        let r = call(&app, &w, &quality, "2026-10-16 10:00", forged()).await;
        assert_eq!(r.body["hold"]["state"], "quality_hold", "{}", r.body);
        assert_eq!(reports(&app, &w, "Q-SIGNATURE").await.len(), 1);
    }
);

engine_test!(
    com_5_is_decided_at_call_time_from_the_numbers_as_they_are_now,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app).await;
        let p1 = policy(&app, &w, "N1", "2026-10-05", Some("2026-10-06")).await;
        // Agent b takes the client's number after the card was written (its flag is false).
        let b = format!("/v1/users/{}", w.org.agent_b);
        let r = app.patch(&b, &w.org.admin, json!({"phone": "13911112222"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let c = call(&app, &w, &p1, "2026-10-15 10:00", ok()).await;
        assert_eq!(c.status, 200, "{}", c.body);
        assert_eq!(c.body["hold"]["state"], "first_round", "{}", c.body);
        assert_eq!(c.body["history"][0]["payload"]["category"], "number_problem");
        assert_eq!(c.body["history"][0]["payload"]["reason"], "agent_or_outlet_phone");
        assert_eq!(reports(&app, &w, "Q-CONTACT").await.len(), 1);
        // A card flagged when it was written is judged by today's numbers: agent b gave it up.
        app.patch(&b, &w.org.admin, json!({"phone": "13800138000"})).await;
        let flagged = app
            .post("/v1/clients", &w.agent, json!({"name": "Qian", "phone": "13800138000"}))
            .await;
        assert_eq!(flagged.body["phone_conflict"], true, "{}", flagged.body);
        let r = app.patch(&b, &w.org.admin, json!({"phone": "13700000001"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let p2 = app
            .post(
                "/v1/policies",
                &w.org.admin,
                json!({"number": "N2", "agent_id": w.org.agent_a, "client_id": flagged.id(), "product": "Term",
                       "premium_fen": 1000, "commission_fen": 100, "printed_on": "2026-10-05", "effective_on": "2026-10-05"}),
            )
            .await
            .id();
        let c = call(&app, &w, &p2, "2026-10-15 10:00", ok()).await;
        assert_eq!(c.body["hold"]["state"], "passed", "{}", c.body);
        assert_eq!(reports(&app, &w, "Q-CONTACT").await.len(), 1, "no new Q-CONTACT");
    }
);

engine_test!(
    com_3_6_callback_reports_cite_the_catalogue_version_in_force,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app).await;
        let entry = |code: &str| {
            json!({"code": code, "title_zh": code, "title_en": code, "rule": {"type": "fixed", "half_points": 10},
                   "posts": ["callback_center"]})
        };
        let v1 = app
            .post(
                "/v1/quality/catalogue",
                &w.qo,
                json!({"effective_from": "2026-10-10", "entries": [entry("Q-SIGNATURE"), entry("Q-DISCLOSE")]}),
            )
            .await;
        assert_eq!(v1.status, 201, "{}", v1.body);
        assert_eq!(v1.body["version"], 1);
        let p = policy(&app, &w, "C1", "2026-10-05", Some("2026-10-06")).await;
        let both = json!({"category": "success", "forged_signature": true, "misleading": true});
        let r = call(&app, &w, &p, "2026-10-15 10:00", both).await;
        assert_eq!(r.body["hold"]["state"], "quality_hold", "{}", r.body);
        for code in ["Q-SIGNATURE", "Q-DISCLOSE"] {
            let found = reports(&app, &w, code).await;
            assert_eq!(found.len(), 1, "{code}");
            assert_eq!(found[0]["catalogue_version"], 1, "{code}: {}", found[0]);
        }
    }
);

/// Los Angeles local (PDT, UTC-7 in October) "YYYY-MM-DD HH:MM" → RFC 3339 UTC.
fn la(local: &str) -> String {
    let t = chrono::NaiveDateTime::parse_from_str(&format!("{local}:00"), "%Y-%m-%d %H:%M:%S").unwrap_or_default();
    (t + chrono::Duration::hours(7)).and_utc().to_rfc3339()
}

engine_test!(
    time_1_callback_reports_are_dated_by_the_branch_business_day,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app).await;
        let r = app
            .patch(
                &format!("/v1/branches/{}", w.org.branch),
                &w.org.admin,
                json!({"time_zone": "America/Los_Angeles"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let p = policy(&app, &w, "Z1", "2026-10-05", Some("2026-10-06")).await;
        // 19:30 on 15 October in Los Angeles is already the 16th in UTC.
        app.set_clock(&la("2026-10-15 19:30")).await;
        let r = app.post(&format!("/v1/policies/{p}/callbacks"), &w.cb, forged()).await;
        assert_eq!(r.body["hold"]["state"], "quality_hold", "{}", r.body);
        let found = reports(&app, &w, "Q-SIGNATURE").await;
        assert_eq!(found.len(), 1);
        assert_eq!(found[0]["occurred_on"], "2026-10-15", "{}", found[0]);
    }
);
