use super::*;

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

engine_test!(
    com_5_staff_numbers_are_number_problems_and_raise_q_contact,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app).await;
        app.patch(
            &format!("/v1/users/{}", w.org.agent_a),
            &w.org.admin,
            json!({"phone": "13800138000"}),
        )
        .await;
        let fake = app
            .post("/v1/clients", &w.agent, json!({"name": "Fake", "phone": "13800138000"}))
            .await;
        assert_eq!(fake.body["phone_conflict"], true);
        let r = app
            .post(
                "/v1/policies",
                &w.org.admin,
                json!({"number": "P9", "agent_id": w.org.agent_a, "client_id": fake.id(), "product": "Term",
              "premium_fen": 1000, "commission_fen": 100, "printed_on": "2026-10-05", "effective_on": "2026-10-05"}),
            )
            .await;
        let id = r.id();
        let c = call(&app, &w, &id, "2026-10-15 10:00", ok()).await;
        assert_eq!(c.status, 200, "{}", c.body);
        assert_eq!(
            c.body["hold"]["state"], "first_round",
            "a success on the agent's own number does not count"
        );
        assert_eq!(c.body["history"][0]["payload"]["category"], "number_problem");
        let reports = app.get("/v1/quality/violations?status=pending", &w.qo).await;
        assert!(reports.body["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|v| v["code"] == "Q-CONTACT")));
        // COM-6: an early callback and an exemption.
        let early = policy(&app, &w, "P10", "2026-10-05", Some("2026-10-06")).await;
        call(&app, &w, &early, "2026-10-07 10:00", ok())
            .await
            .assert_problem(409, "callback_not_due");
        let e = app
            .post(
                &format!("/v1/policies/{early}/early-callback"),
                &w.cb,
                json!({"reason": "client emigrating"}),
            )
            .await;
        assert_eq!(e.status, 200, "{}", e.body);
        assert_eq!(
            call(&app, &w, &early, "2026-10-07 10:05", ok()).await.body["hold"]["state"],
            "passed"
        );
        let ex = policy(&app, &w, "P11", "2026-10-05", Some("2026-10-06")).await;
        let r = app
            .post(
                &format!("/v1/policies/{ex}/callback-exemption"),
                &w.cb,
                json!({"signed_confirmation": "doc-77", "reason": "special callback requested"}),
            )
            .await;
        assert_eq!(r.body["hold"]["state"], "passed", "{}", r.body);
        app.post(
            &format!("/v1/policies/{ex}/callback-exemption"),
            &w.cb,
            json!({"signed_confirmation": "doc-77", "reason": "again"}),
        )
        .await
        .assert_problem(409, "already_decided");
        // Policy validation and visibility.
        app.post(
            "/v1/policies",
            &w.org.admin,
            json!({"number": "P10", "agent_id": w.org.agent_a, "client_id": w.client, "product": "Term",
              "premium_fen": 1000, "commission_fen": 100, "printed_on": "2026-10-05", "effective_on": "2026-10-05"}),
        )
        .await
        .assert_field_error("/number");
        app.post(
            "/v1/policies",
            &w.org.admin,
            json!({"number": "P12", "agent_id": w.org.agent_b, "client_id": w.client, "product": "Term",
              "premium_fen": 1000, "commission_fen": -1, "printed_on": "2026-10-05", "effective_on": "2026-10-05"}),
        )
        .await
        .assert_field_error("/commission_fen");
        app.post(
            "/v1/policies",
            &w.agent,
            json!({"number": "P13", "agent_id": w.org.agent_a, "client_id": w.client, "product": "Term",
                   "premium_fen": 1000, "commission_fen": 100, "printed_on": "2026-10-05", "effective_on": "2026-10-05"}),
        )
        .await
        .assert_problem(403, "forbidden");
        let agent_b = app.login("agent-b@test.local", PASSWORD).await;
        app.get(&format!("/v1/policies/{ex}"), &agent_b)
            .await
            .assert_problem(404, "not_found");
        let sup_a = app.login("sup-a@test.local", PASSWORD).await;
        assert_eq!(app.get(&format!("/v1/policies/{ex}"), &sup_a).await.status, 200);
        assert_eq!(
            app.get("/v1/policies", &w.agent).await.body["items"]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
    }
);

engine_test!(
    com_3_3_the_second_round_runs_when_the_agent_does_not_answer,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app).await;
        let p = policy(&app, &w, "P20", "2026-10-05", Some("2026-10-06")).await;
        for at in ["2026-10-15 10:00", "2026-10-15 16:00", "2026-10-16 10:00"] {
            call(&app, &w, &p, at, fail()).await;
        }
        assert_eq!(state_of(&app, &w, &p).await, "awaiting_contact");
        // Ten days after the round ended the callback center may call again without an answer.
        call(&app, &w, &p, "2026-10-25 10:00", ok())
            .await
            .assert_problem(409, "callback_not_due");
        let r = call(&app, &w, &p, "2026-10-26 10:00", ok()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["hold"]["state"], "passed");
    }
);
