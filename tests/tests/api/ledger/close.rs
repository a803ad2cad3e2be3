//! Day close: the penalties a known week implies, waivers, late facts.

use super::*;

engine_test!(
    pen_1_pen_2_a_known_week_yields_exactly_the_implied_penalties,
    |c| {
        clock(c);
    },
    |app| {
        let w = known_week(&app).await;
        let (a, s) = (w.org.agent_a.clone(), w.org.sup_a.clone());
        // Before its deadlines have passed a day cannot be closed.
        app.set_clock(&sh("2026-11-08 12:00:00")).await;
        app.post(
            "/v1/admin/jobs/close-day",
            &w.org.admin,
            json!({"branch_id": w.org.branch, "date": "2026-11-07"}),
        )
        .await
        .assert_problem(409, "not_closable_yet");
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        close_week(&app, &app.base, &w.org.admin, &w.org.branch).await;
        let got = summary(&all_penalties(&app, &w.org.admin).await);
        let expected = vec![
            ("ACT-PEN-MISS".to_owned(), "2026-11-03".to_owned(), a.clone(), 0, 1),
            ("ACT-PEN-MISS".to_owned(), "2026-11-04".to_owned(), a.clone(), 0, 1),
            (
                "DIA-PEN-LATEFILL".to_owned(),
                "2026-11-03".to_owned(),
                a.clone(),
                2000,
                0,
            ),
            ("DIA-PEN-MISSING".to_owned(), "2026-11-04".to_owned(), a.clone(), 600, 5),
            (
                "DIA-PEN-UNREVIEWED".to_owned(),
                "2026-11-06".to_owned(),
                s.clone(),
                1000,
                0,
            ),
        ];
        let mut expected = expected;
        expected.sort();
        assert_eq!(got, expected);
        // Closing again, and from two instances at once, changes nothing (PEN-2).
        let second = app.second_instance(clock).await;
        app.send(
            app.client
                .put(format!("{second}/v1/test/clock"))
                .json(&json!({"now": sh("2026-11-12 12:00:00")})),
        )
        .await;
        let (r1, r2) = tokio::join!(
            close_week(&app, &app.base, &w.org.admin, &w.org.branch),
            close_week(&app, &second, &w.org.admin, &w.org.branch)
        );
        assert!(
            r1.iter()
                .chain(r2.iter())
                .all(|r| r["penalties_posted"] == 0 && r["adjustments_posted"] == 0),
            "{r1:?} {r2:?}"
        );
        assert_eq!(summary(&all_penalties(&app, &w.org.admin).await), expected);
        // The explanation a person can read, with the facts and the policy version (PEN-1).
        let items = all_penalties(&app, &w.org.admin).await;
        let miss = items
            .iter()
            .find(|e| e["rule_id"] == "ACT-PEN-MISS" && e["business_day"] == "2026-11-03")
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            miss["explanation"],
            "2 of 3 face visits on 2026-11-03 under policy v1: 1 client lead"
        );
        assert_eq!(miss["facts"]["counted"], 2);
        assert_eq!(miss["policy_version"], 1);
        let call_miss = items
            .iter()
            .find(|e| e["rule_id"] == "ACT-PEN-MISS" && e["business_day"] == "2026-11-04")
            .cloned()
            .unwrap_or_default();
        assert_eq!(call_miss["facts"]["activity"], "call");
        assert_eq!(call_miss["facts"]["counted"], 4);
        let detail = app
            .get(
                &format!("/v1/penalties/{}", miss["id"].as_str().unwrap_or_default()),
                &w.agent,
            )
            .await;
        assert_eq!(detail.status, 200, "{}", detail.body);
        assert_eq!(detail.body["net_leads"], 1);
        // Who sees what: the agent their own, the supervisor theirs and the team's, others nothing.
        assert_eq!(all_penalties(&app, &w.agent).await.len(), 4);
        let sup_a = app.login("sup-a@test.local", PASSWORD).await;
        assert_eq!(all_penalties(&app, &sup_a).await.len(), 5);
        let agent_b = app.login("agent-b@test.local", PASSWORD).await;
        assert_eq!(all_penalties(&app, &agent_b).await.len(), 0);
        app.get(
            &format!("/v1/penalties/{}", miss["id"].as_str().unwrap_or_default()),
            &agent_b,
        )
        .await
        .assert_problem(404, "not_found");
        let by_person = app.get(&format!("/v1/penalties?person={s}"), &w.org.admin).await;
        assert_eq!(by_person.body["items"].as_array().map(Vec::len), Some(1));
        let by_range = app
            .get("/v1/penalties?from=2026-11-04&to=2026-11-04", &w.org.admin)
            .await;
        assert_eq!(by_range.body["items"].as_array().map(Vec::len), Some(2));
    }
);

engine_test!(
    pen_3_waiver_is_a_new_entry_by_an_authorised_role,
    |c| {
        clock(c);
    },
    |app| {
        let w = known_week(&app).await;
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        close_week(&app, &app.base, &w.org.admin, &w.org.branch).await;
        let items = all_penalties(&app, &w.org.admin).await;
        let late = items
            .iter()
            .find(|e| e["rule_id"] == "DIA-PEN-LATEFILL")
            .cloned()
            .unwrap_or_default();
        let id = late["id"].as_str().unwrap_or_default().to_owned();
        app.post(
            &format!("/v1/penalties/{id}/waive"),
            &w.agent,
            json!({"reason": "mine"}),
        )
        .await
        .assert_problem(403, "forbidden");
        app.post(&format!("/v1/penalties/{id}/waive"), &w.hr, json!({"reason": ""}))
            .await
            .assert_field_error("/reason");
        let r = app
            .post(
                &format!("/v1/penalties/{id}/waive"),
                &w.hr,
                json!({"reason": "network outage that night"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["kind"], "waiver");
        assert_eq!(r.body["amount_fen"], -2000);
        assert_eq!(r.body["refers_to"], id.as_str());
        assert_eq!(r.body["net_amount_fen"], 0);
        app.post(&format!("/v1/penalties/{id}/waive"), &w.hr, json!({"reason": "again"}))
            .await
            .assert_problem(409, "already_waived");
        let original = app.get(&format!("/v1/penalties/{id}"), &w.org.admin).await;
        assert_eq!(original.body["amount_fen"], 2000, "the original is never edited");
        assert_eq!(original.body["related"].as_array().map(Vec::len), Some(2));
        // Re-evaluating after a waiver does not post the penalty again.
        close_week(&app, &app.base, &w.org.admin, &w.org.branch).await;
        assert_eq!(all_penalties(&app, &w.org.admin).await.len(), 6);
    }
);

engine_test!(
    ledger_2_a_late_fact_posts_an_adjustment_in_the_open_period,
    |c| {
        clock(c);
    },
    |app| {
        let w = known_week(&app).await;
        // Tuesday closes on Thursday evening; on Friday the agent uploads a visit of Tuesday.
        app.set_clock(&sh("2026-11-06 12:00:00")).await;
        let r = app
            .post(
                "/v1/admin/jobs/close-day",
                &w.org.admin,
                json!({"branch_id": w.org.branch, "date": "2026-11-03"}),
            )
            .await;
        assert_eq!(r.body["penalties_posted"], 2, "{}", r.body);
        let late = app
            .post("/v1/activities", &w.agent, visit(&w.client, &sh("2026-11-03 16:00:00")))
            .await;
        assert_eq!(late.status, 201, "{}", late.body);
        let again = app
            .post(
                "/v1/admin/jobs/close-day",
                &w.org.admin,
                json!({"branch_id": w.org.branch, "date": "2026-11-03"}),
            )
            .await;
        assert_eq!(again.body["adjustments_posted"], 1, "{}", again.body);
        let items = all_penalties(&app, &w.org.admin).await;
        let adj = items
            .iter()
            .find(|e| e["kind"] == "adjustment")
            .cloned()
            .unwrap_or_default();
        assert_eq!(adj["rule_id"], "ACT-PEN-MISS");
        assert_eq!(adj["leads"], -1);
        assert_eq!(adj["business_day"], "2026-11-03");
        assert_eq!(adj["posted_day"], "2026-11-06", "posted in the open period");
        let orig = items
            .iter()
            .find(|e| e["rule_id"] == "ACT-PEN-MISS" && e["kind"] == "penalty")
            .cloned()
            .unwrap_or_default();
        assert_eq!(adj["refers_to"], orig["id"]);
        assert_eq!(orig["leads"], 1, "the original is never edited");
        let third = app
            .post(
                "/v1/admin/jobs/close-day",
                &w.org.admin,
                json!({"branch_id": w.org.branch, "date": "2026-11-03"}),
            )
            .await;
        assert_eq!(third.body["adjustments_posted"], 0);
    }
);
