//! Policy steps (hold states), the reports a callback raises, their decisions and monthly
//! statements reach the change feed (issue 12).

use super::*;

engine_test!(
    policy_steps_raised_reports_and_statements_are_in_the_change_feed,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app).await;
        let (_, head) = crate::crm::read_feed(&app, &w.org.admin, 0, 1000).await;
        let p = policy(&app, &w, "F1", "2026-10-05", Some("2026-10-06")).await;
        let forged = policy(&app, &w, "F2", "2026-10-05", Some("2026-10-06")).await;
        assert_eq!(call(&app, &w, &p, "2026-10-15 10:00", ok()).await.status, 200);
        let f = call(
            &app,
            &w,
            &forged,
            "2026-10-15 10:00",
            json!({"category": "success", "forged_signature": true}),
        )
        .await;
        assert_eq!(f.body["hold"]["state"], "quality_hold", "{}", f.body);
        let pending = app.get("/v1/quality/violations?status=pending", &w.qo).await;
        let report = pending.body["items"][0]["id"].as_str().unwrap_or_default().to_owned();
        let confirmed = app
            .post(
                &format!("/v1/quality/violations/{report}/dismiss"),
                &w.qo,
                json!({"reason": "the client confirmed the signature"}),
            )
            .await;
        assert_eq!(confirmed.status, 200, "{}", confirmed.body);
        app.set_clock(&sh("2026-10-21 09:00")).await;
        assert_eq!(settle(&app, &w, "2026-10").await.status, 200);

        let (events, _) = crate::crm::read_feed(&app, &w.org.admin, head, 1000).await;
        let count = |t: &str| crate::crm::of_type(&events, t).len();
        assert_eq!(count("policy.created"), 2);
        assert_eq!(count("policy.step_recorded"), 2);
        let steps = crate::crm::of_type(&events, "policy.step_recorded");
        assert_eq!(steps[0]["resource_id"], p.as_str());
        assert_eq!(steps[0]["agent_id"], w.org.agent_a.as_str());
        let raised = crate::crm::of_type(&events, "violation.reported");
        assert_eq!(raised.len(), 1);
        assert_eq!(raised[0]["resource_id"], report.as_str());
        assert_eq!(raised[0]["data"]["code"], "Q-SIGNATURE");
        // Reports name no person, so no agent's device learns of one before it is confirmed.
        assert!(raised[0]["agent_id"].is_null());
        let decided = crate::crm::of_type(&events, "violation.updated");
        assert_eq!(decided.len(), 1);
        assert_eq!(decided[0]["data"]["event"]["kind"], "dismissed");
        let statements = crate::crm::of_type(&events, "statement.closed");
        assert!(!statements.is_empty());
        let mine = statements
            .iter()
            .find(|s| s["agent_id"] == w.org.agent_a.as_str())
            .map(|s| s["resource_id"].clone())
            .unwrap_or_default();
        assert!(mine.is_string(), "agent a has a statement: {statements:?}");
        // The agent's device gets its statement and policy changes, never the report.
        let sync = app.get("/v1/sync", &w.agent).await;
        assert_eq!(sync.status, 200, "{}", sync.body);
        assert!(sync.body["changes"]["statements"]["created"]
            .as_array()
            .is_some_and(|s| s.contains(&mine)));
        assert!(sync.body["changes"]["policies"]["created"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x == p.as_str())));
        assert!(!sync.body.to_string().contains(&report));
        // A second settlement posts nothing new, so nothing new in the feed.
        let (_, before) = crate::crm::read_feed(&app, &w.org.admin, 0, 1000).await;
        assert_eq!(settle(&app, &w, "2026-10").await.status, 200);
        let (_, after) = crate::crm::read_feed(&app, &w.org.admin, 0, 1000).await;
        assert_eq!(before, after);
    }
);
