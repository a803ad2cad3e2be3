use super::*;
use uuid::Uuid;

fn clock(c: &mut api::config::Config) {
    c.test_clock = true;
}

fn visit(client: &str) -> Value {
    json!({"id": Uuid::now_v7(), "kind": "face_visit", "occurred_at": "2026-11-03T03:00:00Z", "client_id": client,
           "details": {"checklist": {"introduced_self": true}, "location": {"lat": 31.23, "lng": 121.47, "accuracy_m": 12.5}}})
}

fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

/// Syncs from `after` until nothing more waits; returns the last response and its cursor.
async fn sync(app: &TestApp, token: &str, after: &str) -> (Value, String) {
    let r = app
        .get(&format!("/v1/sync?after={}", after.replace(';', "%3B")), token)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["has_more"], false);
    let next = r.body["next_cursor"].as_str().unwrap_or_default().to_owned();
    (r.body, next)
}

engine_test!(
    an_agents_sync_after_uploading_returns_none_of_that_batch_and_everything_else,
    |c| {
        clock(c);
    },
    |app| {
        app.set_clock("2026-11-03T04:00:00Z").await;
        let org = make_org(&app).await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        let client = app.post("/v1/clients", &agent, json!({"name": "Wang"})).await.id();
        let (first, c0) = sync(&app, &agent, "0").await;
        assert_eq!(ids(&first["changes"]["clients"]["created"]), vec![client.clone()]);
        assert_eq!(ids(&first["changes"]["users"]["created"]), vec![org.agent_a.clone()]);
        // Someone else changes the agent's data while the device is offline…
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        let gift = app
            .post(
                "/v1/clients",
                &sup,
                json!({"name": "From the supervisor", "agent_id": org.agent_a}),
            )
            .await
            .id();
        // …then the device uploads its queue with its cursor.
        let items: Vec<Value> = (0..5).map(|_| visit(&client)).collect();
        let uploaded: Vec<String> = items
            .iter()
            .filter_map(|i| i["id"].as_str().map(str::to_owned))
            .collect();
        let up = app
            .send(
                app.client
                    .post(format!("{}/v1/activities:batch", app.base))
                    .bearer_auth(&agent)
                    .header("sync-cursor", c0.clone())
                    .json(&json!({ "items": items })),
            )
            .await;
        assert_eq!(up.status, 200, "{}", up.body);
        assert_eq!(up.body["created"], 5);
        let after_upload = up.body["sync_cursor"].as_str().unwrap_or_default().to_owned();
        assert!(after_upload.contains(';'), "remembers the upload: {after_upload}");
        let (next, c1) = sync(&app, &agent, &after_upload).await;
        assert!(ids(&next["changes"]["activities"]["created"]).is_empty(), "{next}");
        assert_eq!(
            ids(&next["changes"]["clients"]["created"]),
            vec![gift.clone()],
            "nothing skipped"
        );
        // Caught up: the cursor folds the upload in, and nothing comes back later.
        assert!(!c1.contains(';'), "{c1}");
        let (quiet, _) = sync(&app, &agent, &c1).await;
        assert_eq!(quiet["changes"]["activities"]["created"], json!([]));
        // From before the upload, the uploads do come back (another device of the agent).
        let (other, _) = sync(&app, &agent, &c0).await;
        let mut got = ids(&other["changes"]["activities"]["created"]);
        got.sort();
        let mut want = uploaded.clone();
        want.sort();
        assert_eq!(got, want);
        // A replayed upload writes nothing and keeps the cursor it was given.
        let replay = app
            .send(
                app.client
                    .post(format!("{}/v1/activities:batch", app.base))
                    .bearer_auth(&agent)
                    .header("sync-cursor", c1.clone())
                    .json(&json!({ "items": uploaded.iter().map(|_| Value::Null).collect::<Vec<_>>() })),
            )
            .await;
        assert_eq!(replay.body["sync_cursor"], c1.as_str(), "{}", replay.body);
        // Without a cursor header the answer is just after the upload.
        let plain = app
            .post("/v1/activities:batch", &agent, json!({"items": [visit(&client)]}))
            .await;
        let cur = plain.body["sync_cursor"].as_str().unwrap_or_default().to_owned();
        let (none, _) = sync(&app, &agent, &cur).await;
        assert_eq!(none["changes"]["activities"]["created"], json!([]));
        // A cursor the API did not issue.
        app.get("/v1/sync?after=banana", &agent)
            .await
            .assert_field_error("/query/after");
        let bad = app
            .send(
                app.client
                    .post(format!("{}/v1/activities:batch", app.base))
                    .bearer_auth(&agent)
                    .header("sync-cursor", "nope")
                    .json(&json!({"items": [visit(&client)]})),
            )
            .await;
        bad.assert_field_error("/headers/Sync-Cursor");
    }
);

engine_test!(
    a_reassigned_client_is_deleted_for_its_old_agent_and_created_for_the_new_one,
    |c| {
        clock(c);
    },
    |app| {
        app.set_clock("2026-11-03T04:00:00Z").await;
        let org = make_org(&app).await;
        let a2 = app
            .create_user(
                &org.admin,
                json!({"email": "agent-a2@test.local", "name": "A2", "password": PASSWORD, "role": "agent", "team_id": org.team_a}),
            )
            .await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        let other = app.login("agent-a2@test.local", PASSWORD).await;
        let agent_b = app.login("agent-b@test.local", PASSWORD).await;
        let sup_a = app.login("sup-a@test.local", PASSWORD).await;
        let sup_b = app.login("sup-b@test.local", PASSWORD).await;
        let client = app.post("/v1/clients", &agent, json!({"name": "Wang"})).await.id();
        let visit_ = visit(&client);
        assert_eq!(app.post("/v1/activities", &agent, visit_).await.status, 201);
        let (_, ca) = sync(&app, &agent, "0").await;
        let (_, c2) = sync(&app, &other, "0").await;
        let (_, cb) = sync(&app, &agent_b, "0").await;
        let (before, cs) = sync(&app, &sup_a, "0").await;
        assert_eq!(ids(&before["changes"]["clients"]["created"]), vec![client.clone()]);
        let (sb, csb) = sync(&app, &sup_b, "0").await;
        assert!(
            ids(&sb["changes"]["clients"]["created"]).is_empty(),
            "another team's: {sb}"
        );
        let r = app
            .post(
                &format!("/v1/clients/{client}/reassign"),
                &sup_a,
                json!({"agent_id": a2}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let (old, _) = sync(&app, &agent, &ca).await;
        assert_eq!(ids(&old["changes"]["clients"]["deleted"]), vec![client.clone()]);
        assert!(ids(&old["changes"]["clients"]["updated"]).is_empty());
        let (new, _) = sync(&app, &other, &c2).await;
        assert_eq!(ids(&new["changes"]["clients"]["created"]), vec![client.clone()]);
        let (team, _) = sync(&app, &sup_a, &cs).await;
        assert_eq!(ids(&team["changes"]["clients"]["updated"]), vec![client.clone()]);
        let (elsewhere, _) = sync(&app, &agent_b, &cb).await;
        assert_eq!(
            elsewhere["changes"]["clients"],
            json!({"created": [], "updated": [], "deleted": []})
        );
        let (nothing, _) = sync(&app, &sup_b, &csb).await;
        assert_eq!(nothing["changes"]["clients"]["updated"], json!([]));
        // Who may sync: agents, supervisors, admins (the company); not the callback center.
        let cb_user = app
            .create_user(
                &org.admin,
                json!({"email": "cc@test.local", "name": "CC", "password": PASSWORD, "role": "callback_agent"}),
            )
            .await;
        assert!(!cb_user.is_empty());
        let cc = app.login("cc@test.local", PASSWORD).await;
        app.get("/v1/sync", &cc).await.assert_problem(403, "forbidden");
        assert_eq!(app.get("/v1/sync", &org.admin).await.status, 200);
        app.call(Method::GET, "/v1/sync", None, None)
            .await
            .assert_problem(401, "unauthorized");
    }
);
