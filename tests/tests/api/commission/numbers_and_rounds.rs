use super::*;

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
