//! AUD-1 through `GET /v1/audit`: activity uploads, diary reviews and job runs are each in the
//! trail with who, when, the request id and before/after; admins only, filtered, paged, CSV.

use super::*;
use uuid::Uuid;

fn clock(c: &mut api::config::Config) {
    c.test_clock = true;
}

/// Sends `req` with this request id.
async fn with_id(app: &TestApp, req: reqwest::RequestBuilder, rid: &str) -> Resp {
    app.send(req.header("x-request-id", rid)).await
}

fn items(r: &Resp) -> Vec<Value> {
    r.body["items"].as_array().cloned().unwrap_or_default()
}

engine_test!(
    aud_1_activity_uploads_and_a_diary_approval_are_in_the_trail,
    |c| { clock(c) },
    |app| {
        app.set_clock("2026-11-03T04:00:00Z").await;
        let org = make_org(&app).await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        let client = app.post("/v1/clients", &agent, json!({"name": "Wang Fang"})).await.id();
        let visit = |id: Uuid| json!({"id": id, "kind": "face_visit", "occurred_at": "2026-11-03T03:00:00Z", "client_id": client});

        // One single upload and one batch of two (one of them a repeat of the single).
        let single = Uuid::now_v7();
        let r = with_id(
            &app,
            app.client
                .post(format!("{}/v1/activities", app.base))
                .bearer_auth(&agent)
                .json(&visit(single)),
            "req-single-1",
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
        let batched = Uuid::now_v7();
        let r = with_id(
            &app,
            app.client
                .post(format!("{}/v1/activities:batch", app.base))
                .bearer_auth(&agent)
                .json(&json!({"items": [visit(single), visit(batched)]})),
            "req-batch-1",
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["results"][0]["status"], "duplicate", "{}", r.body);

        // The diary of the day: written, submitted, approved by the supervisor.
        let path = format!("/v1/diaries/{}/2026-11-03", org.agent_a);
        let draft = app.get(&path, &agent).await;
        let etag = draft.header("etag").unwrap_or_default();
        let put = app
            .client
            .put(format!("{}{path}", app.base))
            .bearer_auth(&agent)
            .header("if-match", etag)
            .json(&json!({"notes": "three visits", "tomorrow_plan": {"text": "calls"}}));
        assert_eq!(app.send(put).await.status, 200);
        let sub = app
            .call(Method::POST, &format!("{path}/submit"), Some(&agent), None)
            .await;
        assert_eq!(sub.status, 200, "{}", sub.body);
        let diary_id = sub.id();
        let approve = with_id(
            &app,
            app.client
                .post(format!("{}{path}/approve", app.base))
                .bearer_auth(&sup)
                .json(&json!({"comment": "good"})),
            "req-approve-1",
        )
        .await;
        assert_eq!(approve.status, 200, "{}", approve.body);

        // The activities: created once each, by the agent, under their request ids.
        let acts = app.get("/v1/audit?entity=activity", &org.admin).await;
        assert_eq!(acts.status, 200, "{}", acts.body);
        let acts = items(&acts);
        assert_eq!(acts.len(), 2, "a duplicate changes nothing: {acts:?}");
        for (a, id, rid) in [(&acts[0], single, "req-single-1"), (&acts[1], batched, "req-batch-1")] {
            assert_eq!(a["entity_id"], id.to_string());
            assert_eq!(a["action"], "create");
            assert_eq!(a["actor_id"], org.agent_a);
            assert_eq!(a["request_id"], rid);
            assert_eq!(a["at"], "2026-11-03T04:00:00Z");
            assert!(a.get("before").is_none(), "{a}");
            assert_eq!(a["after"]["client_id"], client, "{a}");
        }

        // The approval: by the supervisor, with the diary before and after.
        let trail = app
            .get(&format!("/v1/audit?entity=diary&id={diary_id}"), &org.admin)
            .await;
        let approval = items(&trail)
            .into_iter()
            .find(|e| e["request_id"] == "req-approve-1")
            .unwrap_or_else(|| panic!("no approval in {}", trail.body));
        assert_eq!(approval["actor_id"], org.sup_a);
        assert_eq!(approval["before"]["status"], "submitted", "{approval}");
        assert_eq!(approval["after"]["status"], "approved", "{approval}");
        assert_eq!(approval["entity_id"], diary_id);

        // Filters: by actor, and by time.
        let by_sup = items(&app.get(&format!("/v1/audit?actor={}", org.sup_a), &org.admin).await);
        assert!(
            !by_sup.is_empty() && by_sup.iter().all(|e| e["actor_id"] == org.sup_a),
            "{by_sup:?}"
        );
        // (The pinned clock stamps this scenario's records; bootstrap ran on the real clock.)
        let window = app
            .get(
                "/v1/audit?entity=activity&from=2026-11-03T04:00:00Z&to=2026-11-03T04:00:01Z",
                &org.admin,
            )
            .await;
        assert_eq!(items(&window).len(), 2, "{}", window.body);
        let after = app
            .get(
                "/v1/audit?from=2026-11-03T04:00:01Z&to=2026-11-04T00:00:00Z",
                &org.admin,
            )
            .await;
        assert_eq!(after.status, 200, "{}", after.body);
        assert!(items(&after).is_empty(), "{}", after.body);
    }
);

engine_test!(aud_1_the_trail_pages_by_cursor_and_exports_csv, |app| {
    let org = make_org(&app).await;
    // make_org wrote a branch, two teams and four users: 7 records of this company.
    let mut seen = Vec::new();
    let mut path = "/v1/audit?limit=3".to_owned();
    loop {
        let r = app.get(&path, &org.admin).await;
        assert_eq!(r.status, 200, "{}", r.body);
        seen.extend(
            items(&r)
                .into_iter()
                .map(|e| e["id"].as_str().unwrap_or_default().to_owned()),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => {
                assert!(r.header("link").is_some_and(|l| l.contains("rel=\"next\"")));
                path = format!("/v1/audit?limit=3&cursor={c}");
            }
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no record twice");
    assert!(seen.len() >= 7, "{seen:?}");
    assert_eq!(seen, unique, "oldest first, in id order");

    let csv = app
        .send(
            app.client
                .get(format!("{}/v1/audit?entity=user&limit=2", app.base))
                .bearer_auth(&org.admin)
                .header("accept", "text/csv"),
        )
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type").as_deref(), Some("text/csv; charset=utf-8"));
    let text = csv.body.as_str().unwrap_or_default().to_owned();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "id,at,actor_id,request_id,action,entity,entity_id,before,after"
    );
    assert_eq!(lines.len(), 3, "{text}");
    assert!(lines[1].contains(",create,user,"), "{text}");
    // The next page is linked with the same filters.
    let link = csv.header("link").unwrap_or_default();
    assert!(link.starts_with("</v1/audit?entity=user&limit=2&cursor="), "{link}");
});

engine_test!(aud_1_only_admins_read_the_trail_and_only_their_companys, |app| {
    let org = make_org(&app).await;
    let cfg = test_config();
    if let Err(e) = api::seed::seed_demo(&app.db, &cfg, PASSWORD).await {
        panic!("seed-demo failed: {e}");
    }
    for email in [
        "agent-a@test.local",
        "sup-a@test.local",
        "hr@demo.fieldbook.local",
        "quality@demo.fieldbook.local",
    ] {
        let token = app.login(email, PASSWORD).await;
        app.get("/v1/audit", &token).await.assert_problem(403, "forbidden");
        // Refused before the query is looked at.
        app.get("/v1/audit?entity=NOPE", &token)
            .await
            .assert_problem(403, "forbidden");
    }
    app.call(Method::GET, "/v1/audit", None, None)
        .await
        .assert_problem(401, "unauthorized");
    // The demo company's admin sees the demo company's trail, none of ours.
    let demo = app.login("admin@demo.fieldbook.local", PASSWORD).await;
    let theirs = items(&app.get("/v1/audit?limit=200", &demo).await);
    assert!(!theirs.is_empty());
    for mine in [&org.branch, &org.team_a, &org.agent_a] {
        assert!(!theirs.iter().any(|e| e["entity_id"] == **mine), "{mine} leaked");
        let r = app.get(&format!("/v1/audit?id={mine}"), &demo).await;
        assert!(items(&r).is_empty(), "{}", r.body);
    }
    // Validation.
    app.get("/v1/audit?entity=Diary", &org.admin)
        .await
        .assert_field_error("/query/entity");
    app.get(
        "/v1/audit?from=2026-11-03T00:00:00Z&to=2026-11-02T00:00:00Z",
        &org.admin,
    )
    .await
    .assert_field_error("/query/to");
    app.get("/v1/audit?cursor=zzz", &org.admin)
        .await
        .assert_field_error("/query/cursor");
    app.get("/v1/audit?id=not-a-uuid", &org.admin)
        .await
        .assert_problem(422, "validation_failed");
    app.get("/v1/audit?since=2026", &org.admin)
        .await
        .assert_problem(422, "validation_failed");
});

engine_test!(
    aud_1_a_triggered_job_run_and_a_new_company_are_recorded,
    |c| { clock(c) },
    |app| {
        app.set_clock("2026-11-03T04:00:00Z").await;
        let org = make_org(&app).await;
        let r = with_id(
            &app,
            app.client
                .post(format!("{}/v1/admin/jobs/allocate-leads", app.base))
                .bearer_auth(&org.admin)
                .json(&json!({"quarter": "2026Q4"})),
            "req-allocate-1",
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let runs = items(&app.get("/v1/audit?entity=company", &org.admin).await);
        let run = runs
            .iter()
            .find(|e| e["action"] == "allocate_leads")
            .unwrap_or_else(|| panic!("{runs:?}"));
        assert_eq!(run["actor_id"], app.get("/v1/me", &org.admin).await.id());
        assert_eq!(run["request_id"], "req-allocate-1");
        assert_eq!(run["after"]["allocated_now"], 2, "{run}");
        // The bootstrap company's own creation, by the system.
        let created = runs
            .iter()
            .find(|e| e["action"] == "create")
            .unwrap_or_else(|| panic!("{runs:?}"));
        assert_eq!(created["request_id"], "bootstrap");
        assert!(created.get("actor_id").is_none(), "{created}");
        assert!(created["after"]["name"].is_string(), "{created}");
        // A refused run changes nothing and records nothing.
        let refused = app
            .post(
                "/v1/admin/jobs/allocate-leads",
                &org.admin,
                json!({"quarter": "2027Q1"}),
            )
            .await;
        refused.assert_problem(409, "quarter_not_started");
        let again = items(&app.get("/v1/audit?entity=company", &org.admin).await);
        assert_eq!(again.len(), runs.len());
    }
);
