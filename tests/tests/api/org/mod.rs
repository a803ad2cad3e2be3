use super::*;

engine_test!(bootstrap_admin_builds_an_organisation_and_the_agent_logs_in, |app| {
    let org = make_org(&app).await;
    let agent = app.login("agent-a@test.local", PASSWORD).await;
    let me = app.get("/v1/me", &agent).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["role"], "agent");
    assert_eq!(me.body["team_id"], org.team_a.as_str());
    // An agent's branch follows from their team.
    assert_eq!(me.body["branch_id"], org.branch.as_str());
    let team = app.get(&format!("/v1/teams/{}", org.team_a), &org.admin).await;
    assert_eq!(team.body["supervisor_id"], org.sup_a.as_str());
});

engine_test!(time_1_branch_zone_must_be_iana, |app| {
    let admin = app.admin().await;
    let r = app
        .post(
            "/v1/branches",
            &admin,
            json!({"name": "Olympus", "time_zone": "Mars/Olympus"}),
        )
        .await;
    r.assert_field_error("/time_zone");
    assert!(r.body["errors"][0]["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("Mars/Olympus"));
    let list = app.get("/v1/branches", &admin).await;
    assert_eq!(
        list.body["items"].as_array().map(Vec::len),
        Some(0),
        "a rejected write changed state"
    );
});

engine_test!(time_1_to_3_branch_defaults_and_full_settings, |app| {
    let admin = app.admin().await;
    let r = app.post("/v1/branches", &admin, json!({"name": "Default"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["time_zone"], "Asia/Shanghai");
    assert_eq!(
        r.body["working_weekdays"],
        json!(["mon", "tue", "wed", "thu", "fri", "sat"])
    );
    assert_eq!(r.body["morning_meeting"], json!({"start": "08:30", "end": "09:30"}));
    assert_eq!(r.body["evening_meeting"], json!({"start": "17:30", "end": "18:30"}));
    assert_eq!(r.header("location"), Some(format!("/v1/branches/{}", r.id())));
    let full = app
        .post(
            "/v1/branches",
            &admin,
            json!({
                "name": "Berlin", "time_zone": "Europe/Berlin", "working_weekdays": ["mon", "tue", "wed", "thu", "fri"],
                "calendar_exceptions": [
                    {"date": "2026-12-25", "kind": "holiday", "name": "Christmas"},
                    {"date": "2026-12-27", "kind": "working_day"}
                ],
                "morning_meeting": {"start": "08:00", "end": "09:00"},
                "evening_meeting": {"start": "17:00", "end": "17:45"}
            }),
        )
        .await;
    assert_eq!(full.status, 201, "{}", full.body);
    let got = app.get(&format!("/v1/branches/{}", full.id()), &admin).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, full.body);
    assert_eq!(
        got.body["calendar_exceptions"][1],
        json!({"date": "2026-12-27", "kind": "working_day", "name": null})
    );
});

engine_test!(time_3_meeting_windows_are_validated, |app| {
    let admin = app.admin().await;
    app.post(
        "/v1/branches",
        &admin,
        json!({"name": "X", "morning_meeting": {"start": "08:30", "end": "18:00"}}),
    )
    .await
    .assert_field_error("/evening_meeting");
    app.post(
        "/v1/branches",
        &admin,
        json!({"name": "X", "morning_meeting": {"start": "09:30", "end": "08:30"}}),
    )
    .await
    .assert_field_error("/morning_meeting/end");
    app.post(
        "/v1/branches",
        &admin,
        json!({"name": "X", "evening_meeting": {"start": "7pm", "end": "20:00"}}),
    )
    .await
    .assert_field_error("/evening_meeting/start");
    app.post(
        "/v1/branches",
        &admin,
        json!({"name": "X", "working_weekdays": ["mon", "someday"]}),
    )
    .await
    .assert_field_error("/working_weekdays/1");
    app.post(
        "/v1/branches",
        &admin,
        json!({"name": "X", "calendar_exceptions": [{"date": "2026-13-01", "kind": "holiday"}]}),
    )
    .await
    .assert_field_error("/calendar_exceptions/0/date");
    app.post(
        "/v1/branches",
        &admin,
        json!({"name": "X", "calendar_exceptions": [{"date": "2026-10-01", "kind": "party"}]}),
    )
    .await
    .assert_field_error("/calendar_exceptions/0/kind");
    app.post("/v1/branches", &admin, json!({"name": "  "}))
        .await
        .assert_field_error("/name");
    app.post("/v1/branches", &admin, json!({"time_zone": "UTC"}))
        .await
        .assert_field_error("/name");
});

engine_test!(branch_update_merges_and_is_audited, |app| {
    let org = make_org(&app).await;
    let path = format!("/v1/branches/{}", org.branch);
    let r = app
        .patch(
            &path,
            &org.admin,
            json!({"time_zone": "Europe/Berlin", "evening_meeting": {"start": "18:00", "end": "19:00"}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["time_zone"], "Europe/Berlin");
    assert_eq!(r.body["name"], "Pudong");
    assert_eq!(r.body["morning_meeting"], json!({"start": "08:30", "end": "09:30"}));
    // A change that would overlap the untouched morning window is refused and changes nothing.
    app.patch(
        &path,
        &org.admin,
        json!({"evening_meeting": {"start": "09:00", "end": "10:00"}}),
    )
    .await
    .assert_field_error("/evening_meeting");
    app.patch(&path, &org.admin, json!({"status": "closed"}))
        .await
        .assert_field_error("/status");
    let now = app.get(&path, &org.admin).await;
    assert_eq!(now.body["evening_meeting"], json!({"start": "18:00", "end": "19:00"}));
    let audits = audit_count(&app, "branch", &org.branch).await;
    assert_eq!(audits, 2, "create + one update");
    // Only admins change branches; everyone in the company reads them.
    let agent = app.login("agent-a@test.local", PASSWORD).await;
    app.patch(&path, &agent, json!({"name": "Mine"}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(app.get(&path, &agent).await.status, 200);
});

pub async fn audit_count(app: &TestApp, entity: &str, id: &str) -> i64 {
    let id = uuid::Uuid::parse_str(id).unwrap_or_default();
    let q = "SELECT COUNT(*) FROM audit_log WHERE entity = $1 AND entity_id = $2";
    match &app.db {
        infra::Db::Sqlite(p) => sqlx::query_scalar(q)
            .bind(entity)
            .bind(id)
            .fetch_one(p)
            .await
            .unwrap_or(-1),
        infra::Db::Postgres(p) => sqlx::query_scalar(q)
            .bind(entity)
            .bind(id)
            .fetch_one(p)
            .await
            .unwrap_or(-1),
    }
}

engine_test!(etag_and_if_none_match, |app| {
    let org = make_org(&app).await;
    let path = format!("/v1/users/{}", org.agent_a);
    let r = app.get(&path, &org.admin).await;
    let etag = r.header("etag").unwrap_or_default();
    assert!(etag.starts_with('"'));
    let again = app
        .send(
            app.client
                .get(format!("{}{path}", app.base))
                .bearer_auth(&org.admin)
                .header("if-none-match", &etag),
        )
        .await;
    assert_eq!(again.status, 304);
    app.patch(&path, &org.admin, json!({"name": "Renamed"})).await;
    let changed = app
        .send(
            app.client
                .get(format!("{}{path}", app.base))
                .bearer_auth(&org.admin)
                .header("if-none-match", &etag),
        )
        .await;
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(etag));
});

engine_test!(team_needs_a_real_supervisor_and_branch, |app| {
    let org = make_org(&app).await;
    app.post(
        "/v1/teams",
        &org.admin,
        json!({"branch_id": org.branch, "name": "T", "supervisor_id": org.agent_a}),
    )
    .await
    .assert_field_error("/supervisor_id");
    app.post(
        "/v1/teams",
        &org.admin,
        json!({"branch_id": uuid::Uuid::new_v4(), "name": "T", "supervisor_id": org.sup_a}),
    )
    .await
    .assert_field_error("/branch_id");
    app.post(
        "/v1/teams",
        &org.admin,
        json!({"branch_id": org.branch, "name": "T", "supervisor_id": "not-a-uuid"}),
    )
    .await
    .assert_field_error("/supervisor_id");
    app.patch(
        &format!("/v1/teams/{}", org.team_a),
        &org.admin,
        json!({"supervisor_id": org.agent_b}),
    )
    .await
    .assert_field_error("/supervisor_id");
    let moved = app
        .patch(
            &format!("/v1/teams/{}", org.team_a),
            &org.admin,
            json!({"supervisor_id": org.sup_b, "name": "Renamed"}),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    assert_eq!(moved.body["supervisor_id"], org.sup_b.as_str());
});

engine_test!(user_creation_is_validated, |app| {
    let org = make_org(&app).await;
    let base =
        json!({"email": "new@test.local", "name": "New", "password": PASSWORD, "role": "agent", "team_id": org.team_a});
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    app.post("/v1/users", &org.admin, with("email", json!("not-an-email")))
        .await
        .assert_field_error("/email");
    app.post("/v1/users", &org.admin, with("password", json!("short")))
        .await
        .assert_field_error("/password");
    app.post("/v1/users", &org.admin, with("role", json!("root")))
        .await
        .assert_field_error("/role");
    app.post("/v1/users", &org.admin, with("team_id", json!(null)))
        .await
        .assert_field_error("/team_id");
    app.post("/v1/users", &org.admin, with("team_id", json!(uuid::Uuid::new_v4())))
        .await
        .assert_field_error("/team_id");
    app.post("/v1/users", &org.admin, with("phone", json!("call me")))
        .await
        .assert_field_error("/phone");
    app.post("/v1/users", &org.admin, with("email", json!("AGENT-A@test.local")))
        .await
        .assert_field_error("/email");
    let mut sup = with("role", json!("supervisor"));
    sup.as_object_mut().map(|o| o.remove("team_id"));
    app.post("/v1/users", &org.admin, sup.clone())
        .await
        .assert_field_error("/branch_id");
    sup["team_id"] = json!(org.team_a);
    sup["branch_id"] = json!(org.branch);
    app.post("/v1/users", &org.admin, sup)
        .await
        .assert_field_error("/team_id");
    app.post("/v1/users", &org.admin, with("active", json!(false)))
        .await
        .assert_field_error("/active");
    // None of the rejected writes created anyone.
    let users = app.get("/v1/users?limit=200", &org.admin).await;
    assert_eq!(users.body["items"].as_array().map(Vec::len), Some(5));
    let ok = app
        .post("/v1/users", &org.admin, with("phone", json!("+86 138-0013-8000")))
        .await;
    assert_eq!(ok.status, 201, "{}", ok.body);
    assert_eq!(ok.body["phone"], "+8613800138000");
    assert_eq!(audit_count(&app, "user", &ok.id()).await, 1);
});

mod access;
