use super::*;

engine_test!(
    com_3_com_7_every_path_and_the_monthly_statement,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app).await;
        let p1 = policy(&app, &w, "P1-first-round", "2026-10-05", Some("2026-10-06")).await;
        let p2 = policy(&app, &w, "P2-second-round", "2026-10-05", Some("2026-10-06")).await;
        let p3 = policy(&app, &w, "P3-manual", "2026-10-05", Some("2026-10-06")).await;
        let p4 = policy(&app, &w, "P4-number-changed", "2026-10-05", Some("2026-10-06")).await;
        let p5 = policy(&app, &w, "P5-manual-failed", "2026-10-05", Some("2026-10-06")).await;
        let p6 = policy(&app, &w, "P6-receipt-late", "2026-06-01", Some("2026-10-06")).await;
        let p7 = policy(&app, &w, "P7-receipt-missing", "2026-10-05", None).await;
        let p8 = policy(&app, &w, "P8-forged", "2026-10-05", Some("2026-10-06")).await;
        // The first round opens ten days after printing.
        call(&app, &w, &p1, "2026-10-14 10:00", ok())
            .await
            .assert_problem(409, "callback_not_due");
        app.set_clock(&sh("2026-10-15 10:00")).await;
        let queue = app.get("/v1/callbacks/queue", &w.cb).await;
        assert_eq!(queue.status, 200, "{}", queue.body);
        assert_eq!(queue.body["items"].as_array().map(Vec::len), Some(8));
        app.get("/v1/callbacks/queue", &w.agent)
            .await
            .assert_problem(403, "forbidden");
        // First-round successes.
        for p in [&p1, &p6, &p7] {
            assert_eq!(call(&app, &w, p, "2026-10-15 10:00", ok()).await.status, 200);
        }
        let forged = call(
            &app,
            &w,
            &p8,
            "2026-10-15 10:00",
            json!({"category": "success", "forged_signature": true}),
        )
        .await;
        assert_eq!(forged.body["hold"]["state"], "quality_hold");
        // First round fails for the others: three unsuccessful calls at least six hours apart.
        for p in [&p2, &p3, &p4, &p5] {
            assert_eq!(call(&app, &w, p, "2026-10-15 10:00", fail()).await.status, 200);
        }
        call(&app, &w, &p2, "2026-10-15 12:00", fail())
            .await
            .assert_problem(409, "retry_too_soon");
        call(&app, &w, &p2, "2026-10-15 21:05", fail())
            .await
            .assert_problem(409, "outside_calling_hours");
        call(&app, &w, &p2, "2026-10-15 08:59", fail())
            .await
            .assert_problem(409, "outside_calling_hours");
        for p in [&p2, &p3, &p4, &p5] {
            assert_eq!(call(&app, &w, p, "2026-10-15 16:00", fail()).await.status, 200);
            assert_eq!(
                call(&app, &w, p, "2026-10-16 10:00", fail()).await.body["hold"]["state"],
                "awaiting_contact"
            );
        }
        call(&app, &w, &p2, "2026-10-16 17:00", ok())
            .await
            .assert_problem(409, "callback_not_due");
        // The agent is notified and confirms (or corrects) the contact details.
        let notes = app.get("/v1/agents/me/notifications", &w.agent).await;
        let kinds: Vec<&str> = notes.body["items"]
            .as_array()
            .map(|i| i.iter().filter_map(|n| n["kind"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(kinds.iter().filter(|k| **k == "callback_first_round_failed").count(), 4);
        app.set_clock(&sh("2026-10-16 11:00")).await;
        let agent_b = app.login("agent-b@test.local", PASSWORD).await;
        app.call(
            Method::POST,
            &format!("/v1/policies/{p2}/contact"),
            Some(&agent_b),
            None,
        )
        .await
        .assert_problem(404, "not_found");
        for p in [&p2, &p3, &p4] {
            let r = app
                .call(Method::POST, &format!("/v1/policies/{p}/contact"), Some(&w.agent), None)
                .await;
            assert_eq!(r.body["hold"]["state"], "second_round", "{}", r.body);
        }
        let updated = app
            .post(
                &format!("/v1/policies/{p5}/contact"),
                &w.agent,
                json!({"phone": "139 3333 4444"}),
            )
            .await;
        assert_eq!(updated.body["hold"]["state"], "second_round");
        app.call(
            Method::POST,
            &format!("/v1/policies/{p1}/contact"),
            Some(&w.agent),
            None,
        )
        .await
        .assert_problem(409, "not_awaiting_contact");
        // Second round: P2 succeeds, the rest fail into the manual callback (commission held).
        assert_eq!(
            call(&app, &w, &p2, "2026-10-16 12:00", ok()).await.body["hold"]["state"],
            "passed"
        );
        for p in [&p3, &p4, &p5] {
            call(&app, &w, p, "2026-10-16 12:00", fail()).await;
            call(&app, &w, p, "2026-10-16 18:00", fail()).await;
            assert_eq!(
                call(&app, &w, p, "2026-10-17 10:00", fail()).await.body["hold"]["state"],
                "manual_callback"
            );
        }
        assert_eq!(
            app.get(&format!("/v1/policies/{p3}"), &w.agent).await.body["hold"]["payment"],
            "held"
        );
        assert_eq!(
            call(&app, &w, &p3, "2026-10-17 11:00", ok()).await.body["hold"]["state"],
            "passed"
        );
        let changed = call(
            &app,
            &w,
            &p4,
            "2026-10-17 11:00",
            json!({"category": "success", "number_changed": true}),
        )
        .await;
        assert_eq!(changed.body["hold"]["state"], "passed_number_changed");
        let failed = call(
            &app,
            &w,
            &p5,
            "2026-10-17 11:00",
            json!({"category": "number_problem", "reason": "vacant_number"}),
        )
        .await;
        assert_eq!(failed.body["hold"]["state"], "withheld");
        // COM-3.6 raised a Q-SIGNATURE report on the agent.
        let reports = app.get("/v1/quality/violations?status=pending", &w.qo).await;
        assert!(reports.body["items"].as_array().is_some_and(|i| i
            .iter()
            .any(|v| v["code"] == "Q-SIGNATURE" && v["agent_id"] == w.org.agent_a.as_str())));
        let history = app.get(&format!("/v1/policies/{p3}"), &w.agent).await;
        assert_eq!(
            history.body["history"].as_array().map(Vec::len),
            Some(8),
            "6 failed calls, the contact, the manual call... {}",
            history.body["history"]
        );
        // October's settlement: cut-off 20 October 00:00 local.
        app.set_clock(&sh("2026-10-19 23:00")).await;
        app.post(
            "/v1/admin/jobs/settle",
            &w.org.admin,
            json!({"branch_id": w.org.branch, "month": "2026-10"}),
        )
        .await
        .assert_problem(409, "cutoff_not_passed");
        app.set_clock(&sh("2026-10-21 09:00")).await;
        let s = app
            .post(
                "/v1/admin/jobs/settle",
                &w.org.admin,
                json!({"branch_id": w.org.branch, "month": "2026-10"}),
            )
            .await;
        assert_eq!(s.status, 200, "{}", s.body);
        assert_eq!(s.body["statements"], 1);
        let st = app
            .get(
                &format!("/v1/agents/{}/statements?month=2026-10", w.org.agent_a),
                &w.agent,
            )
            .await;
        let stmt = st.body["items"][0].clone();
        assert_eq!(stmt["net_fen"], 5 * A - 4000 - 2000, "{}", stmt);
        let lines = stmt["lines"].as_array().cloned().unwrap_or_default();
        let sum = |t: &str| {
            lines
                .iter()
                .filter(|l| l["type"] == t)
                .map(|l| l["amount_fen"].as_i64().unwrap_or(0))
                .sum::<i64>()
        };
        assert_eq!(sum("earned"), 8 * A);
        assert_eq!(sum("held"), -2 * A, "P7 (receipt) and P8 (quality)");
        assert_eq!(sum("withheld"), -A, "P5");
        let deducted: Vec<(String, i64)> = lines
            .iter()
            .filter(|l| l["type"] == "deducted")
            .map(|l| {
                (
                    l["rule_id"].as_str().unwrap_or_default().to_owned(),
                    l["amount_fen"].as_i64().unwrap_or(0),
                )
            })
            .collect();
        assert!(
            deducted.contains(&("COM-3.5".to_owned(), -4000)) && deducted.contains(&("COM-7".to_owned(), -2000)),
            "{deducted:?}"
        );
        assert!(lines
            .iter()
            .all(|l| l["explanation"].as_str().is_some_and(|e| !e.is_empty())));
        // Settling again, and from a second instance at once, changes nothing.
        let second = app.second_instance(clock).await;
        app.send(
            app.client
                .put(format!("{second}/v1/test/clock"))
                .json(&json!({"now": sh("2026-10-21 09:00")})),
        )
        .await;
        let (r1, r2) = tokio::join!(
            app.post(
                "/v1/admin/jobs/settle",
                &w.org.admin,
                json!({"branch_id": w.org.branch, "month": "2026-10"})
            ),
            app.send(
                app.client
                    .post(format!("{second}/v1/admin/jobs/settle"))
                    .bearer_auth(&w.org.admin)
                    .json(&json!({"branch_id": w.org.branch, "month": "2026-10"}))
            )
        );
        assert_eq!(
            (r1.body["statements"].as_i64(), r1.body["entries_posted"].as_i64()),
            (Some(0), Some(0)),
            "{}",
            r1.body
        );
        assert_eq!(
            (r2.body["statements"].as_i64(), r2.body["entries_posted"].as_i64()),
            (Some(0), Some(0)),
            "{}",
            r2.body
        );
        assert_eq!(
            app.get(
                &format!("/v1/agents/{}/statements?month=2026-10", w.org.agent_a),
                &w.agent
            )
            .await
            .body["items"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
        // Later facts: P7's receipt comes back, the quality office releases P8; November releases both.
        app.set_clock(&sh("2026-10-25 10:00")).await;
        let rr = app
            .post(
                &format!("/v1/policies/{p7}/receipt"),
                &w.org.admin,
                json!({"returned_on": "2026-10-25"}),
            )
            .await;
        assert_eq!(rr.status, 200, "{}", rr.body);
        app.post(
            &format!("/v1/policies/{p7}/receipt"),
            &w.org.admin,
            json!({"returned_on": "2026-10-25"}),
        )
        .await
        .assert_problem(409, "receipt_already_recorded");
        app.post(
            &format!("/v1/policies/{p8}/quality-resolution"),
            &w.cb,
            json!({"release": true, "reason": "x"}),
        )
        .await
        .assert_problem(403, "forbidden");
        let res = app
            .post(
                &format!("/v1/policies/{p8}/quality-resolution"),
                &w.qo,
                json!({"release": true, "reason": "client confirmed the signature in person"}),
            )
            .await;
        assert_eq!(res.body["hold"]["state"], "passed", "{}", res.body);
        app.set_clock(&sh("2026-11-21 09:00")).await;
        let nov = app
            .post(
                "/v1/admin/jobs/settle",
                &w.org.admin,
                json!({"branch_id": w.org.branch, "month": "2026-11"}),
            )
            .await;
        assert_eq!(nov.status, 200, "{}", nov.body);
        let st = app
            .get(
                &format!("/v1/agents/{}/statements?month=2026-11", w.org.agent_a),
                &w.agent,
            )
            .await;
        let stmt = st.body["items"][0].clone();
        assert_eq!(stmt["net_fen"], 2 * A, "{}", stmt);
        assert!(stmt["lines"]
            .as_array()
            .is_some_and(|l| l.iter().all(|x| x["type"] == "released")));
        // The statement as CSV for payroll; other agents cannot read it.
        let id = stmt["id"].as_str().unwrap_or_default().to_owned();
        let csv = app
            .send(
                app.client
                    .get(format!("{}/v1/statements/{id}", app.base))
                    .bearer_auth(&w.agent)
                    .header("accept", "text/csv"),
            )
            .await;
        assert!(csv.header("content-type").unwrap_or_default().starts_with("text/csv"));
        let text = csv.body.as_str().unwrap_or_default().to_owned();
        assert!(text.starts_with("statement_id,person_id,month,kind,type,rule_id,amount_fen,explanation\r\n"));
        assert!(text.contains(&format!(",net,,,{},net payable", 2 * A)), "{text}");
        app.get(&format!("/v1/statements/{id}"), &agent_b)
            .await
            .assert_problem(404, "not_found");
        assert_eq!(state_of(&app, &w, &p6).await, "passed");
    }
);
