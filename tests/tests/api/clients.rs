use super::*;

engine_test!(agents_create_their_own_clients_with_normalised_phones, |app| {
    let org = make_org(&app).await;
    let agent = app.login("agent-a@test.local", PASSWORD).await;
    let r = app
        .post("/v1/clients", &agent, json!({"name": "Wang Fang", "phone": "+86 139-1234-5678", "tags": ["vip", " vip "], "external_id": "crm-1"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["phone"], "+8613912345678");
    assert_eq!(r.body["agent_id"], org.agent_a.as_str());
    assert_eq!(r.body["tags"], json!(["vip"]));
    assert_eq!(r.body["phone_conflict"], false);
    app.post("/v1/clients", &agent, json!({"name": "X", "agent_id": org.agent_b}))
        .await
        .assert_field_error("/agent_id");
    app.post("/v1/clients", &agent, json!({"name": "X", "phone": "nope"}))
        .await
        .assert_field_error("/phone");
    app.post("/v1/clients", &agent, json!({"name": "X", "external_id": "crm-1"}))
        .await
        .assert_field_error("/external_id");
    app.post("/v1/clients", &agent, json!({"name": ""}))
        .await
        .assert_field_error("/name");
    assert_eq!(app.count("clients").await, 1);
    // Only the owner, their supervisor or an admin reaches it.
    let path = format!("/v1/clients/{}", r.id());
    let agent_b = app.login("agent-b@test.local", PASSWORD).await;
    app.get(&path, &agent_b).await.assert_problem(404, "not_found");
    app.patch(&path, &agent_b, json!({"name": "Mine"}))
        .await
        .assert_problem(404, "not_found");
    let sup_b = app.login("sup-b@test.local", PASSWORD).await;
    app.get(&path, &sup_b).await.assert_problem(404, "not_found");
    let sup_a = app.login("sup-a@test.local", PASSWORD).await;
    assert_eq!(app.get(&path, &sup_a).await.status, 200);
    let upd = app
        .patch(
            &path,
            &agent,
            json!({"address": "1 Century Ave", "household_notes": "two children"}),
        )
        .await;
    assert_eq!(upd.status, 200, "{}", upd.body);
    assert_eq!(upd.body["address"], "1 Century Ave");
    app.patch(&path, &agent, json!({"agent_id": org.agent_b}))
        .await
        .assert_field_error("/agent_id");
    let list = app.get("/v1/clients", &agent_b).await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(0));
});

engine_test!(com_5_client_phone_equal_to_staff_or_outlet_is_flagged, |app| {
    let org = make_org(&app).await;
    app.patch(
        &format!("/v1/users/{}", org.agent_a),
        &org.admin,
        json!({"phone": "138 0013 8000"}),
    )
    .await;
    app.post(
        "/v1/outlets",
        &org.admin,
        json!({"branch_id": org.branch, "name": "Bank", "phone": "021-5555-1234"}),
    )
    .await;
    let agent = app.login("agent-a@test.local", PASSWORD).await;
    let own = app
        .post("/v1/clients", &agent, json!({"name": "Fake", "phone": "13800138000"}))
        .await;
    assert_eq!(own.status, 201);
    assert_eq!(own.body["phone_conflict"], true, "accepted but flagged");
    let outlet = app
        .post("/v1/clients", &agent, json!({"name": "Fake 2", "phone": "02155551234"}))
        .await;
    assert_eq!(outlet.body["phone_conflict"], true);
    let fine = app
        .post("/v1/clients", &agent, json!({"name": "Real", "phone": "13900000000"}))
        .await;
    assert_eq!(fine.body["phone_conflict"], false);
    let fixed = app
        .patch(
            &format!("/v1/clients/{}", own.id()),
            &agent,
            json!({"phone": "13911112222"}),
        )
        .await;
    assert_eq!(fixed.body["phone_conflict"], false);
});

engine_test!(reassignment_is_a_supervisor_action_and_audited, |app| {
    let org = make_org(&app).await;
    let agent = app.login("agent-a@test.local", PASSWORD).await;
    let c = app.post("/v1/clients", &agent, json!({"name": "Wang"})).await.id();
    let path = format!("/v1/clients/{c}/reassign");
    let extra = app.create_user(&org.admin, json!({"email": "agent-a2@test.local", "name": "A2", "password": PASSWORD, "role": "agent", "team_id": org.team_a})).await;
    app.post(&path, &agent, json!({"agent_id": extra}))
        .await
        .assert_problem(403, "forbidden");
    let sup_a = app.login("sup-a@test.local", PASSWORD).await;
    // Not to another team's agent.
    app.post(&path, &sup_a, json!({"agent_id": org.agent_b}))
        .await
        .assert_field_error("/agent_id");
    let r = app.post(&path, &sup_a, json!({"agent_id": extra})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["agent_id"], extra.as_str());
    app.get(&format!("/v1/clients/{c}"), &agent)
        .await
        .assert_problem(404, "not_found");
    assert_eq!(super::org::audit_count(&app, "client", &c).await, 2);
    let sup_b = app.login("sup-b@test.local", PASSWORD).await;
    app.post(&path, &sup_b, json!({"agent_id": org.agent_b}))
        .await
        .assert_problem(404, "not_found");
    // A supervisor creates a card for an agent of their team, not of another.
    let made = app
        .post("/v1/clients", &sup_a, json!({"name": "For A", "agent_id": org.agent_a}))
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    app.post("/v1/clients", &sup_a, json!({"name": "For B", "agent_id": org.agent_b}))
        .await
        .assert_field_error("/agent_id");
    app.post("/v1/clients", &sup_a, json!({"name": "Nobody"}))
        .await
        .assert_field_error("/agent_id");
});

engine_test!(outlets_are_admin_managed_and_assign_agents, |app| {
    let org = make_org(&app).await;
    let agent = app.login("agent-a@test.local", PASSWORD).await;
    app.post("/v1/outlets", &agent, json!({"branch_id": org.branch, "name": "Mine"}))
        .await
        .assert_problem(403, "forbidden");
    app.post(
        "/v1/outlets",
        &org.admin,
        json!({"branch_id": org.branch, "name": "Bank", "agent_ids": [org.sup_a]}),
    )
    .await
    .assert_field_error("/agent_ids/0");
    app.post(
        "/v1/outlets",
        &org.admin,
        json!({"branch_id": uuid::Uuid::new_v4(), "name": "Bank"}),
    )
    .await
    .assert_field_error("/branch_id");
    let o = app
        .post(
            "/v1/outlets",
            &org.admin,
            json!({"branch_id": org.branch, "name": "Bank", "agent_ids": [org.agent_a]}),
        )
        .await;
    assert_eq!(o.status, 201, "{}", o.body);
    assert_eq!(o.body["agent_ids"], json!([org.agent_a]));
    let path = format!("/v1/outlets/{}", o.id());
    let upd = app
        .patch(&path, &org.admin, json!({"agent_ids": [org.agent_a, org.agent_b]}))
        .await;
    assert_eq!(upd.body["agent_ids"].as_array().map(Vec::len), Some(2));
    let read = app.get(&path, &agent).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["agent_ids"].as_array().map(Vec::len), Some(2));
    let list = app.get("/v1/outlets", &agent).await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
    app.patch(&path, &agent, json!({"name": "x"}))
        .await
        .assert_problem(403, "forbidden");
    assert_eq!(super::org::audit_count(&app, "outlet", &o.id()).await, 2);
});
