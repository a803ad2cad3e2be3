use super::*;
use std::collections::HashSet;
use uuid::Uuid;

fn clock(c: &mut api::config::Config) {
    c.test_clock = true;
}

fn visit(client: &str, at: &str) -> Value {
    json!({"id": Uuid::now_v7(), "kind": "face_visit", "occurred_at": at, "client_id": client,
           "details": {"checklist": {"introduced_self": true}, "location": {"lat": 31.23, "lng": 121.47, "accuracy_m": 12.5}}})
}

/// Positions must run 1, 2, 3… with no gap and no repeat from `first`.
fn assert_gap_free(events: &[Value], first: i64) {
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["position"].as_i64(), Some(first + i as i64), "event {i}: {e}");
        assert_eq!(e["api_version"], "v1");
    }
}

engine_test!(
    the_feed_read_while_two_writers_upload_yields_every_change_once_in_order,
    |c| {
        clock(c);
    },
    |app| {
        app.set_clock("2026-11-03T04:00:00Z").await;
        let org = make_org(&app).await;
        let reader = super::crm_token(&app, &org.admin, &["changes:read"]).await;
        let (_, start) = super::read_feed(&app, &reader, 0, 1000).await;
        let mut writers = Vec::new();
        let other = app.second_instance(|c| c.test_clock = true).await;
        let pinned = app
            .send(
                app.client
                    .put(format!("{other}/v1/test/clock"))
                    .json(&json!({"now": "2026-11-03T04:00:00Z"})),
            )
            .await;
        assert_eq!(pinned.status, 200, "{}", pinned.body);
        for (email, base) in [("agent-a@test.local", app.base.clone()), ("agent-b@test.local", other)] {
            let token = app.login(email, PASSWORD).await;
            let client = app.post("/v1/clients", &token, json!({"name": "Wang"})).await.id();
            writers.push((token, client, base));
        }
        let (_, start_writes) = super::read_feed(&app, &reader, start, 1000).await;
        let mut tasks = Vec::new();
        for (token, client_id, base) in writers {
            let http = app.client.clone();
            tasks.push(tokio::spawn(async move {
                let mut ids = Vec::new();
                for _ in 0..12 {
                    let items: Vec<Value> = (0..20).map(|_| visit(&client_id, "2026-11-03T03:00:00Z")).collect();
                    ids.extend(items.iter().filter_map(|i| i["id"].as_str().map(str::to_owned)));
                    let r = http
                        .post(format!("{base}/v1/activities:batch"))
                        .bearer_auth(&token)
                        .json(&json!({ "items": items }))
                        .send()
                        .await;
                    let body: Value = match r {
                        Ok(r) => r.json().await.unwrap_or_default(),
                        Err(e) => json!({"error": e.to_string()}),
                    };
                    assert_eq!(body["created"], 20, "{body}");
                }
                ids
            }));
        }
        // Page through the feed while they write, small pages, from where writing began.
        let mut seen: Vec<Value> = Vec::new();
        let mut cursor = start_writes;
        let mut rounds = 0;
        while tasks.iter().any(|t| !t.is_finished()) && rounds < 10_000 {
            rounds += 1;
            let r = app.get(&format!("/v1/changes?after={cursor}&limit=7"), &reader).await;
            assert_eq!(r.status, 200, "{}", r.body);
            seen.extend(r.body["events"].as_array().cloned().unwrap_or_default());
            cursor = r.body["next_cursor"].as_i64().unwrap_or(cursor);
        }
        let mut written: HashSet<String> = HashSet::new();
        for t in tasks {
            match t.await {
                Ok(ids) => written.extend(ids),
                Err(e) => panic!("a writer failed: {e}"),
            }
        }
        let (rest, _) = super::read_feed(&app, &reader, cursor, 7).await;
        seen.extend(rest);
        assert_gap_free(&seen, start_writes + 1);
        let created: Vec<String> = super::of_type(&seen, "activity.created")
            .iter()
            .filter_map(|e| e["resource_id"].as_str().map(str::to_owned))
            .collect();
        assert_eq!(created.len(), 480);
        assert_eq!(
            created.iter().cloned().collect::<HashSet<_>>(),
            written,
            "every activity exactly once"
        );
        // A second read from the same cursor sees the same events in the same order.
        let (again, _) = super::read_feed(&app, &reader, start_writes, 100).await;
        let ids = |v: &[Value]| v.iter().map(|e| e["id"].clone()).collect::<Vec<_>>();
        assert_eq!(ids(&again), ids(&seen));
    }
);

engine_test!(
    changes_to_clients_diaries_users_and_voided_activities_are_in_the_feed,
    |c| {
        clock(c);
    },
    |app| {
        app.set_clock("2026-11-03T04:00:00Z").await;
        let org = make_org(&app).await;
        let reader = super::crm_token(&app, &org.admin, &["changes:read"]).await;
        let (boot, head) = super::read_feed(&app, &reader, 0, 1000).await;
        assert_gap_free(&boot, 1);
        // The organisation made by the test: users are in the feed.
        assert!(super::of_type(&boot, "user.created").len() >= 5);
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        let client = app.post("/v1/clients", &agent, json!({"name": "Wang"})).await.id();
        app.patch(&format!("/v1/clients/{client}"), &agent, json!({"address": "1 Road"}))
            .await;
        let a = visit(&client, "2026-11-03T03:00:00Z");
        let aid = a["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(app.post("/v1/activities", &agent, a).await.status, 201);
        let void = app
            .post(
                &format!("/v1/activities/{aid}/void"),
                &agent,
                json!({"reason": "logged by mistake"}),
            )
            .await;
        assert_eq!(void.status, 200, "{}", void.body);
        let diary = format!("/v1/diaries/{}/2026-11-03", org.agent_a);
        assert_eq!(app.get(&diary, &agent).await.status, 200);
        let sub = app
            .call(Method::POST, &format!("{diary}/submit"), Some(&agent), None)
            .await;
        assert_eq!(sub.status, 200, "{}", sub.body);
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        let ok = app
            .call(Method::POST, &format!("{diary}/approve"), Some(&sup), None)
            .await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        let deact = app
            .call(
                Method::POST,
                &format!("/v1/users/{}/deactivate", org.agent_b),
                Some(&org.admin),
                None,
            )
            .await;
        assert_eq!(deact.status, 200, "{}", deact.body);

        let (events, next) = super::read_feed(&app, &reader, head, 1000).await;
        assert_gap_free(&events, head + 1);
        let types: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
        assert_eq!(
            types,
            vec![
                "client.created",
                "client.updated",
                "activity.created",
                "activity.voided",
                "diary.submitted",
                "diary.approved",
                "user.deactivated"
            ]
        );
        let voided = &events[3];
        assert_eq!(voided["tombstone"], true);
        assert_eq!(voided["resource"], "activity");
        assert_eq!(voided["resource_id"], aid.as_str());
        assert_eq!(voided["href"], format!("/v1/activities/{aid}"));
        assert_eq!(events[0]["tombstone"], false);
        assert_eq!(events[0]["data"]["name"], "Wang");
        assert_eq!(events[0]["agent_id"], org.agent_a.as_str());
        assert_eq!(events[5]["data"]["status"], "approved");
        // Filtered by type: only those, and the cursor still moves to the head.
        let only = app
            .get(
                &format!("/v1/changes?after={head}&types=activity.voided,client.created"),
                &reader,
            )
            .await;
        assert_eq!(only.status, 200, "{}", only.body);
        let t: Vec<&str> = only.body["events"]
            .as_array()
            .map(|e| e.iter().filter_map(|x| x["type"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(t, vec!["client.created", "activity.voided"]);
        assert_eq!(only.body["next_cursor"], next);
        assert_eq!(only.body["has_more"], false);
        app.get("/v1/changes?types=client.exploded", &reader)
            .await
            .assert_field_error("/query/types");
        app.get("/v1/changes?limit=0", &reader)
            .await
            .assert_field_error("/query/limit");
        app.get("/v1/changes?after=-1", &reader)
            .await
            .assert_field_error("/query/after");
        app.get(&format!("/v1/changes?after={}", next + 1), &reader)
            .await
            .assert_field_error("/query/after");
        // The admin reads it too; nobody else.
        assert_eq!(app.get("/v1/changes", &org.admin).await.status, 200);
        app.get("/v1/changes", &agent).await.assert_problem(403, "forbidden");
    }
);

engine_test!(
    a_cursor_older_than_the_retention_gets_410_and_says_how_to_resync,
    |c| {
        clock(c);
        c.change_retention_days = 30;
    },
    |app| {
        app.set_clock("2026-11-03T04:00:00Z").await;
        let org = make_org(&app).await;
        let reader = super::crm_token(&app, &org.admin, &["changes:read"]).await;
        let (_, old) = super::read_feed(&app, &reader, 0, 1000).await;
        app.set_clock("2026-11-20T04:00:00Z").await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        app.post("/v1/clients", &agent, json!({"name": "Recent"})).await;
        // 31 days after the first events: they go, the recent ones stay.
        app.set_clock("2026-12-04T05:00:00Z").await;
        let agent_token = app.login("agent-a@test.local", PASSWORD).await;
        app.call(Method::POST, "/v1/admin/jobs/prune-changes", Some(&agent_token), None)
            .await
            .assert_problem(403, "forbidden");
        let pruned = app
            .call(Method::POST, "/v1/admin/jobs/prune-changes", Some(&org.admin), None)
            .await;
        assert_eq!(pruned.status, 200, "{}", pruned.body);
        assert_eq!(pruned.body["deleted"], old);
        let gone = app.get("/v1/changes?after=0", &reader).await;
        gone.assert_problem(410, "cursor_expired");
        assert!(gone.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Resync") && d.contains("after=")));
        app.get(&format!("/v1/changes?after={}", old - 1), &reader)
            .await
            .assert_problem(410, "cursor_expired");
        let kept = app.get(&format!("/v1/changes?after={old}"), &reader).await;
        assert_eq!(kept.status, 200, "{}", kept.body);
        assert_eq!(kept.body["events"][0]["type"], "client.created");
        assert_eq!(kept.body["events"][0]["position"], old + 1);
        // A device's sync from before the retention is told the same.
        app.get("/v1/sync?after=0", &agent_token)
            .await
            .assert_problem(410, "cursor_expired");
    }
);
