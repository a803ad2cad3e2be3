use super::*;
use uuid::Uuid;

/// 2026-11-03 (a Tuesday) 12:00 in Shanghai.
const NOON: &str = "2026-11-03T04:00:00Z";

fn clock(c: &mut api::config::Config) {
    c.test_clock = true;
}

struct Fixture {
    org: Org,
    agent: String,
    client: String,
    client2: String,
    outlet: String,
}

async fn fixture(app: &TestApp) -> Fixture {
    app.set_clock(NOON).await;
    let org = make_org(app).await;
    let agent = app.login("agent-a@test.local", PASSWORD).await;
    let c = app
        .post(
            "/v1/clients",
            &agent,
            json!({"name": "Wang Fang", "phone": "+86 139 1234 5678"}),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    let c2 = app.post("/v1/clients", &agent, json!({"name": "Li Lei"})).await;
    let o = app
        .post(
            "/v1/outlets",
            &org.admin,
            json!({"branch_id": org.branch, "name": "ICBC Lujiazui", "agent_ids": [org.agent_a]}),
        )
        .await;
    assert_eq!(o.status, 201, "{}", o.body);
    Fixture {
        client: c.id(),
        client2: c2.id(),
        outlet: o.id(),
        agent,
        org,
    }
}

fn visit(client: &str, at: &str) -> serde_json::Value {
    json!({"id": Uuid::now_v7(), "kind": "face_visit", "occurred_at": at, "client_id": client,
           "details": {"checklist": {"introduced_self": true}, "location": {"lat": 31.23, "lng": 121.47, "accuracy_m": 12.5}}})
}

fn call(client: &str, at: &str, secs: i64) -> serde_json::Value {
    json!({"id": Uuid::now_v7(), "kind": "phone_service", "occurred_at": at, "client_id": client,
           "details": {"duration_seconds": secs, "purpose": "client_greeting"}})
}

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

engine_test!(
    call_log_import_dedupes_by_device_call_id,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        let entries = json!({"entries": [
            {"device_call_id": "dev-1", "number": "+86 139-1234-5678", "started_at": "2026-11-03T02:00:00Z", "duration_seconds": 95},
            {"device_call_id": "dev-2", "number": "13800001111", "started_at": "2026-11-03T02:10:00Z", "duration_seconds": 20},
            {"device_call_id": "dev-3", "number": "??", "started_at": "2026-11-03T02:20:00Z", "duration_seconds": 20},
            {"device_call_id": "dev-4", "number": "13800001112", "started_at": "2026-11-03T02:20:00Z", "duration_seconds": 90000}
        ]});
        let r = app.post("/v1/activities:call-log", &f.agent, entries.clone()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let res = r.body["results"].as_array().cloned().unwrap_or_default();
        let statuses: Vec<&str> = res.iter().filter_map(|x| x["status"].as_str()).collect();
        assert_eq!(statuses, vec!["created", "created", "rejected", "rejected"]);
        assert_eq!(res[2]["problem"]["errors"][0]["pointer"], "/entries/2/number");
        assert_eq!(res[3]["problem"]["errors"][0]["pointer"], "/entries/3/duration_seconds");
        let again = app.post("/v1/activities:call-log", &f.agent, entries).await;
        assert_eq!(again.body["duplicates"], 2);
        assert_eq!(app.count("activities").await, 2);
        // The number matched the client; the other became prospect tracking.
        let first = app
            .get(
                &format!("/v1/activities/{}", res[0]["id"].as_str().unwrap_or_default()),
                &f.agent,
            )
            .await;
        assert_eq!(first.body["client_id"], f.client.as_str());
        assert_eq!(first.body["details"]["device_call_id"], "dev-1");
        let second = app
            .get(
                &format!("/v1/activities/{}", res[1]["id"].as_str().unwrap_or_default()),
                &f.agent,
            )
            .await;
        assert_eq!(second.body["details"]["prospect_phone"], "13800001111");
        assert_eq!(second.body["details"]["purpose"], "prospect_tracking");
        // A manual call with an imported device call id is the same call: not a second one.
        let manual = json!({"id": Uuid::now_v7(), "kind": "phone_service", "occurred_at": "2026-11-03T02:00:00Z", "client_id": f.client,
                        "details": {"duration_seconds": 95, "purpose": "client_greeting", "device_call_id": "dev-1"}});
        app.post("/v1/activities", &f.agent, manual)
            .await
            .assert_problem(409, "id_conflict");
        let today = app.get("/v1/agents/me/today", &f.agent).await;
        assert_eq!(today.body["phone_services"]["counted"], 1);
    }
);

engine_test!(
    act_5_voiding_own_activity_of_the_day,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        let v = visit(&f.client, "2026-11-03T03:00:00Z");
        let id = v["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(app.post("/v1/activities", &f.agent, v).await.status, 201);
        let path = format!("/v1/activities/{id}/void");
        app.post(&path, &f.agent, json!({})).await.assert_field_error("/reason");
        let agent_b = app.login("agent-b@test.local", PASSWORD).await;
        app.post(&path, &agent_b, json!({"reason": "mine now"}))
            .await
            .assert_problem(404, "not_found");
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        app.post(&path, &sup, json!({"reason": "no"}))
            .await
            .assert_problem(403, "forbidden");
        let r = app.post(&path, &f.agent, json!({"reason": "logged twice"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["voided"]["reason"], "logged twice");
        app.post(&path, &f.agent, json!({"reason": "again"}))
            .await
            .assert_problem(409, "already_voided");
        let today = app.get("/v1/agents/me/today", &f.agent).await;
        assert_eq!(today.body["face_visits"]["counted"], 0);
        assert_eq!(today.body["not_counted"][0]["reason"], "voided");
        assert_eq!(app.count("activities").await, 1, "voiding deletes nothing");
        assert_eq!(super::org::audit_count(&app, "activity", &id).await, 1);

        // Tomorrow the agent can no longer void yesterday's activity; the quality office can.
        let v2 = visit(&f.client, "2026-11-03T03:30:00Z");
        let id2 = v2["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(app.post("/v1/activities", &f.agent, v2).await.status, 201);
        app.set_clock("2026-11-04T04:00:00Z").await;
        app.post(
            &format!("/v1/activities/{id2}/void"),
            &f.agent,
            json!({"reason": "late"}),
        )
        .await
        .assert_problem(409, "not_current_business_day");
        app.create_user(
            &f.org.admin,
            json!({"email": "q@test.local", "name": "Q", "password": PASSWORD, "role": "quality_officer"}),
        )
        .await;
        let q = app.login("q@test.local", PASSWORD).await;
        let r = app
            .post(
                &format!("/v1/activities/{id2}/void"),
                &q,
                json!({"reason": "correction"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
);

engine_test!(
    listing_filters_paginates_and_binds_cursor,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        let mut items: Vec<serde_json::Value> = (0..5)
            .map(|i| visit(&f.client, &format!("2026-11-03T0{}:00:00Z", i)))
            .collect();
        items.extend((0..3).map(|i| call(&f.client2, &format!("2026-11-03T0{}:30:00Z", i), 60)));
        assert_eq!(
            app.post("/v1/activities:batch", &f.agent, json!({"items": items}))
                .await
                .body["created"],
            8
        );
        let mut seen = Vec::new();
        let mut path = "/v1/activities?kind=face_visit&limit=2".to_owned();
        loop {
            let page = app.get(&path, &f.agent).await;
            assert_eq!(page.status, 200, "{}", page.body);
            for it in page.body["items"].as_array().cloned().unwrap_or_default() {
                assert_eq!(it["kind"], "face_visit");
                seen.push(it["occurred_at"].as_str().unwrap_or_default().to_owned());
            }
            match page.body["next_cursor"].as_str() {
                Some(c) => path = format!("/v1/activities?kind=face_visit&limit=2&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 5);
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.reverse();
        assert_eq!(seen, sorted, "newest first");
        let page = app.get("/v1/activities?kind=face_visit&limit=2", &f.agent).await;
        let cursor = page.body["next_cursor"].as_str().unwrap_or_default().to_owned();
        app.get(
            &format!("/v1/activities?kind=phone_service&limit=2&cursor={cursor}"),
            &f.agent,
        )
        .await
        .assert_field_error("/query/cursor");
        let by_client = app
            .get(&format!("/v1/activities?client_id={}", f.client2), &f.agent)
            .await;
        assert_eq!(by_client.body["items"].as_array().map(Vec::len), Some(3));
        let days = app.get("/v1/activities?from=2026-11-04&to=2026-11-05", &f.agent).await;
        assert_eq!(days.body["items"].as_array().map(Vec::len), Some(0));
        app.get("/v1/activities?from=2026-11-05&to=2026-11-04", &f.agent)
            .await
            .assert_field_error("/query/from");
        app.get("/v1/activities?kind=lunch", &f.agent)
            .await
            .assert_field_error("/query");
        app.get("/v1/activities?limit=0", &f.agent)
            .await
            .assert_field_error("/query/limit");
        app.create_user(
            &f.org.admin,
            json!({"email": "cb@test.local", "name": "CB", "password": PASSWORD, "role": "callback_agent"}),
        )
        .await;
        let cb = app.login("cb@test.local", PASSWORD).await;
        app.get("/v1/activities", &cb).await.assert_problem(403, "forbidden");
        let id = items[0]["id"].as_str().unwrap_or_default();
        let one = app.get(&format!("/v1/activities/{id}"), &f.agent).await;
        let etag = one.header("etag").unwrap_or_default();
        let cached = app
            .send(
                app.client
                    .get(format!("{}/v1/activities/{id}", app.base))
                    .bearer_auth(&f.agent)
                    .header("if-none-match", etag),
            )
            .await;
        assert_eq!(cached.status, 304);
    }
);

engine_test!(
    time_1_business_day_follows_the_branch_zone,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        // 2026-11-03T17:30Z is 01:30 on the 4th in Shanghai.
        app.set_clock("2026-11-03T17:40:00Z").await;
        let late = visit(&f.client, "2026-11-03T17:30:00Z");
        let r = app.post("/v1/activities", &f.agent, late).await;
        assert_eq!(r.body["business_day"], "2026-11-04");
        app.patch(
            &format!("/v1/branches/{}", f.org.branch),
            &f.org.admin,
            json!({"time_zone": "Europe/London"}),
        )
        .await;
        let r = app
            .post("/v1/activities", &f.agent, visit(&f.client, "2026-11-03T17:31:00Z"))
            .await;
        assert_eq!(r.body["business_day"], "2026-11-03");
        let today = app.get("/v1/agents/me/today", &f.agent).await;
        assert_eq!(today.body["time_zone"], "Europe/London");
        assert_eq!(today.body["business_day"], "2026-11-03");
    }
);

engine_test!(
    time_2_rest_day_requires_nothing,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        app.set_clock("2026-11-08T04:00:00Z").await; // a Sunday
        let today = app.get("/v1/agents/me/today", &f.agent).await;
        assert_eq!(today.body["working_day"], false);
        assert_eq!(today.body["face_visits"]["required"], 0);
        assert_eq!(today.body["phone_services"]["remaining"], 0);
    }
);

engine_test!(test_clock_exists_only_when_enabled, |app| {
    app.call(Method::PUT, "/v1/test/clock", None, Some(json!({"now": NOON})))
        .await
        .assert_problem(404, "not_found");
});
