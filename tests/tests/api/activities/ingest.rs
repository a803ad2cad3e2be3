//! Logging activities one by one and in batches: idempotency, validation, per-item results.

use super::*;

engine_test!(
    quo_face_d_quo_call_d_offline_batch_replayed_three_times,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        let mut items: Vec<serde_json::Value> = (0..3)
            .map(|i| visit(&f.client, &format!("2026-11-03T0{}:00:00Z", i + 1)))
            .collect();
        for i in 0..4 {
            items.push(call(&f.client, &format!("2026-11-03T02:{i}0:00Z"), 120));
        }
        items.push(call(&f.client2, "2026-11-03T03:00:00Z", 12));
        let batch = json!({ "items": items });
        let first = app.post("/v1/activities:batch", &f.agent, batch.clone()).await;
        assert_eq!(first.status, 200, "{}", first.body);
        assert_eq!(first.body["created"], 8);
        // Two more uploads of the same batch, concurrently.
        let (a, b) = tokio::join!(
            app.post("/v1/activities:batch", &f.agent, batch.clone()),
            app.post("/v1/activities:batch", &f.agent, batch.clone())
        );
        for r in [&a, &b] {
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(r.body["created"], 0);
            assert_eq!(r.body["duplicates"], 8);
            assert!(r.body["results"]
                .as_array()
                .is_some_and(|x| x.iter().all(|i| i["status"] == "duplicate")));
        }
        assert_eq!(app.count("activities").await, 8);
        let today = app.get("/v1/agents/me/today", &f.agent).await;
        assert_eq!(today.status, 200, "{}", today.body);
        assert_eq!(today.body["business_day"], "2026-11-03");
        assert_eq!(today.body["working_day"], true);
        assert_eq!(
            today.body["face_visits"],
            json!({"counted": 3, "required": 3, "remaining": 0})
        );
        assert_eq!(
            today.body["phone_services"],
            json!({"counted": 4, "required": 5, "remaining": 1})
        );
        let nc = today.body["not_counted"].as_array().cloned().unwrap_or_default();
        assert_eq!(nc.len(), 1);
        assert_eq!(nc[0]["reason"], "call_too_short");
        assert_eq!(nc[0]["activity_id"], items[7]["id"]);
        assert!(nc[0]["detail"].as_str().unwrap_or_default().contains("12 s"));

        // Who may read them: the agent's own supervisor yes; another agent, another team's
        // supervisor and another company no (404, like a missing id).
        let id = items[0]["id"].as_str().unwrap_or_default().to_owned();
        let path = format!("/v1/activities/{id}");
        let sup_a = app.login("sup-a@test.local", PASSWORD).await;
        let got = app.get(&path, &sup_a).await;
        assert_eq!(got.status, 200, "{}", got.body);
        assert_eq!(got.body["business_day"], "2026-11-03");
        assert_eq!(
            app.get(&format!("/v1/agents/{}/today", f.org.agent_a), &sup_a)
                .await
                .status,
            200
        );
        let agent_b = app.login("agent-b@test.local", PASSWORD).await;
        let sup_b = app.login("sup-b@test.local", PASSWORD).await;
        api::seed::seed_demo(&app.db, &test_config(), PASSWORD).await.ok();
        let other_co = app.login("admin@demo.fieldbook.local", PASSWORD).await;
        for t in [&agent_b, &sup_b, &other_co] {
            app.get(&path, t).await.assert_problem(404, "not_found");
            let list = app.get("/v1/activities", t).await;
            assert_eq!(list.body["items"].as_array().map(Vec::len), Some(0), "{}", list.body);
        }
        app.get(&format!("/v1/agents/{}/today", f.org.agent_a), &sup_b)
            .await
            .assert_problem(404, "not_found");
        let sup_list = app.get("/v1/activities?limit=200", &sup_a).await;
        assert_eq!(sup_list.body["items"].as_array().map(Vec::len), Some(8));
    }
);

engine_test!(
    single_upload_is_idempotent_by_id_and_key,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        let item = visit(&f.client, "2026-11-03T03:00:00Z");
        let first = app.post("/v1/activities", &f.agent, item.clone()).await;
        assert_eq!(first.status, 201, "{}", first.body);
        assert_eq!(
            first.header("location"),
            Some(format!("/v1/activities/{}", item["id"].as_str().unwrap_or_default()))
        );
        assert_eq!(first.body["received_at"], "2026-11-03T04:00:00Z");
        assert_eq!(first.body["agent_id"], f.org.agent_a.as_str());
        let again = app.post("/v1/activities", &f.agent, item.clone()).await;
        assert_eq!(again.status, 200);
        assert_eq!(again.body["id"], item["id"]);
        let mut changed = item.clone();
        changed["occurred_at"] = json!("2026-11-03T03:30:00Z");
        app.post("/v1/activities", &f.agent, changed)
            .await
            .assert_problem(409, "id_conflict");
        assert_eq!(app.count("activities").await, 1);

        let keyed = call(&f.client, "2026-11-03T03:10:00Z", 60);
        let send = |body: serde_json::Value, key: &str| {
            app.client
                .post(format!("{}/v1/activities", app.base))
                .bearer_auth(&f.agent)
                .header("idempotency-key", key)
                .json(&body)
        };
        let k1 = app.send(send(keyed.clone(), "key-1")).await;
        assert_eq!(k1.status, 201, "{}", k1.body);
        let k2 = app.send(send(keyed.clone(), "key-1")).await;
        assert_eq!(k2.status, 201, "the stored response is replayed");
        assert_eq!(k2.header("idempotent-replayed").as_deref(), Some("true"));
        assert_eq!(k2.body, k1.body);
        let other = call(&f.client, "2026-11-03T03:20:00Z", 60);
        app.send(send(other, "key-1"))
            .await
            .assert_problem(422, "idempotency_key_reused");
        app.send(send(keyed.clone(), "bad key with spaces"))
            .await
            .assert_problem(400, "invalid_idempotency_key");
        assert_eq!(app.count("activities").await, 2);
        assert_eq!(app.count("idempotency_keys").await, 1);
    }
);

engine_test!(
    validation_rules_name_the_field_and_write_nothing,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        let other_agent = app.login("agent-b@test.local", PASSWORD).await;
        let foreign_client = app
            .post("/v1/clients", &other_agent, json!({"name": "Not yours"}))
            .await
            .id();
        let base = visit(&f.client, "2026-11-03T03:00:00Z");
        let with = |ptr: &[&str], v: serde_json::Value| {
            let mut b = base.clone();
            b["id"] = json!(Uuid::new_v4());
            let mut cur = &mut b;
            for (i, k) in ptr.iter().enumerate() {
                if i + 1 == ptr.len() {
                    cur[*k] = v.clone();
                } else {
                    cur = &mut cur[*k];
                }
            }
            b
        };
        let cases: Vec<(serde_json::Value, &str)> = vec![
            (
                with(&["details", "location", "lat"], json!(91.0)),
                "/details/location/lat",
            ),
            (
                with(&["details", "location", "lng"], json!(-180.5)),
                "/details/location/lng",
            ),
            (
                with(&["details", "location", "accuracy_m"], json!(-1)),
                "/details/location/accuracy_m",
            ),
            (with(&["occurred_at"], json!("2026-11-03T04:05:01Z")), "/occurred_at"),
            (with(&["occurred_at"], json!("2026-10-27T03:59:59Z")), "/occurred_at"),
            (with(&["occurred_at"], json!("yesterday")), "/occurred_at"),
            (with(&["client_id"], json!(foreign_client)), "/client_id"),
            (with(&["client_id"], json!(Uuid::new_v4())), "/client_id"),
            (with(&["client_id"], json!(null)), "/client_id"),
            (with(&["outlet_id"], json!(f.outlet)), "/outlet_id"),
            (
                with(&["details", "accompanied_by"], json!(f.org.agent_b)),
                "/details/accompanied_by",
            ),
            (
                with(&["details", "accompanied_by"], json!(Uuid::new_v4())),
                "/details/accompanied_by",
            ),
            (with(&["details", "mood"], json!("great")), "/details/mood"),
            (with(&["kind"], json!("lunch")), "/kind"),
            (with(&["id"], json!("not-a-uuid")), "/id"),
            (with(&["status"], json!("approved")), "/status"),
            (
                call(&f.client, "2026-11-03T03:00:00Z", 86401),
                "/details/duration_seconds",
            ),
            (call(&f.client, "2026-11-03T03:00:00Z", -1), "/details/duration_seconds"),
            (
                json!({"id": Uuid::now_v7(), "kind": "phone_service", "occurred_at": "2026-11-03T03:00:00Z", "details": {"duration_seconds": 40, "purpose": "prospect_tracking"}}),
                "/client_id",
            ),
            (
                json!({"id": Uuid::now_v7(), "kind": "phone_service", "occurred_at": "2026-11-03T03:00:00Z", "details": {"duration_seconds": 40, "purpose": "prospect_tracking", "prospect_phone": "abc"}}),
                "/details/prospect_phone",
            ),
            (
                json!({"id": Uuid::now_v7(), "kind": "phone_service", "occurred_at": "2026-11-03T03:00:00Z", "client_id": f.client, "details": {"duration_seconds": 40}}),
                "/details/purpose",
            ),
            (
                json!({"id": Uuid::now_v7(), "kind": "outlet_service", "occurred_at": "2026-11-03T03:00:00Z"}),
                "/outlet_id",
            ),
            (
                json!({"id": Uuid::now_v7(), "kind": "outlet_service", "occurred_at": "2026-11-03T03:00:00Z", "outlet_id": Uuid::new_v4()}),
                "/outlet_id",
            ),
            (
                json!({"id": Uuid::now_v7(), "kind": "renewal_collection", "occurred_at": "2026-11-03T03:00:00Z", "client_id": f.client, "details": {"outcome": "maybe"}}),
                "/details/outcome",
            ),
            (
                json!({"id": Uuid::now_v7(), "kind": "meeting_attendance", "occurred_at": "2026-11-03T01:00:00Z", "details": {"meeting": "morning", "date": "2026-11-02"}}),
                "/details/date",
            ),
        ];
        for (body, pointer) in cases {
            let r = app.post("/v1/activities", &f.agent, body.clone()).await;
            assert_eq!(r.status, 422, "{pointer}: {}", r.body);
            r.assert_field_error(pointer);
        }
        assert_eq!(app.count("activities").await, 0, "a rejected activity was written");
        // The valid forms of the kinds above are accepted.
        for ok in [
            json!({"id": Uuid::now_v7(), "kind": "outlet_service", "occurred_at": "2026-11-03T03:00:00Z", "outlet_id": f.outlet}),
            json!({"id": Uuid::now_v7(), "kind": "renewal_collection", "occurred_at": "2026-11-03T03:00:00Z", "client_id": f.client, "details": {"outcome": "promised", "policy_number": "P-1"}}),
            json!({"id": Uuid::now_v7(), "kind": "meeting_attendance", "occurred_at": "2026-11-03T01:00:00Z", "details": {"meeting": "morning", "date": "2026-11-03"}}),
            json!({"id": Uuid::now_v7(), "kind": "phone_service", "occurred_at": "2026-11-03T03:00:00Z", "details": {"duration_seconds": 40, "purpose": "prospect_tracking", "prospect_phone": "138 0000 1111"}}),
            with(&["details", "accompanied_by"], json!(f.org.sup_a)),
            with(&["occurred_at"], json!("2026-11-03T04:05:00Z")),
        ] {
            let r = app.post("/v1/activities", &f.agent, ok.clone()).await;
            assert_eq!(r.status, 201, "{ok}: {}", r.body);
        }
    }
);

engine_test!(
    batch_judges_each_item_alone_and_caps_size,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        let good = visit(&f.client, "2026-11-03T03:00:00Z");
        let mut bad = visit(&f.client, "2026-11-03T03:00:00Z");
        bad["details"]["location"]["lat"] = json!(123);
        let dup_in_batch = good.clone();
        let mut conflicting = good.clone();
        conflicting["occurred_at"] = json!("2026-11-03T02:00:00Z");
        let r = app
            .post(
                "/v1/activities:batch",
                &f.agent,
                json!({"items": [good, bad, "nonsense", dup_in_batch, conflicting]}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let res = r.body["results"].as_array().cloned().unwrap_or_default();
        let statuses: Vec<&str> = res.iter().filter_map(|x| x["status"].as_str()).collect();
        assert_eq!(
            statuses,
            vec!["created", "rejected", "rejected", "duplicate", "rejected"]
        );
        assert_eq!(
            res[1]["problem"]["errors"][0]["pointer"],
            "/items/1/details/location/lat"
        );
        assert_eq!(res[1]["problem"]["status"], 422);
        assert!(res[1]["problem"]["request_id"].as_str().is_some_and(|s| !s.is_empty()));
        assert_eq!(res[2]["problem"]["code"], "validation_failed");
        assert_eq!(res[4]["problem"]["code"], "id_conflict");
        assert_eq!(
            (
                r.body["created"].as_i64(),
                r.body["duplicates"].as_i64(),
                r.body["rejected"].as_i64()
            ),
            (Some(1), Some(1), Some(3))
        );
        assert_eq!(app.count("activities").await, 1);

        let too_many: Vec<serde_json::Value> = (0..501).map(|_| visit(&f.client, "2026-11-03T03:00:00Z")).collect();
        app.post("/v1/activities:batch", &f.agent, json!({"items": too_many}))
            .await
            .assert_field_error("/items");
        let five_hundred: Vec<serde_json::Value> =
            (0..500).map(|i| call(&f.client, "2026-11-03T03:00:00Z", i)).collect();
        let big = app
            .post("/v1/activities:batch", &f.agent, json!({"items": five_hundred}))
            .await;
        assert_eq!(big.status, 200, "{}", big.body);
        assert_eq!(big.body["created"], 500);
        let huge = "x".repeat(3 * 1024 * 1024);
        app.post("/v1/activities:batch", &f.agent, json!({"items": [huge]}))
            .await
            .assert_problem(413, "payload_too_large");
        app.post("/v1/activities:batch", &f.agent, json!([1]))
            .await
            .assert_problem(422, "validation_failed");
        assert_eq!(app.count("activities").await, 501);
        // Only agents log activities.
        app.post("/v1/activities:batch", &f.org.admin, json!({"items": []}))
            .await
            .assert_problem(403, "forbidden");
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        app.post("/v1/activities", &sup, visit(&f.client, "2026-11-03T03:00:00Z"))
            .await
            .assert_problem(403, "forbidden");
    }
);
