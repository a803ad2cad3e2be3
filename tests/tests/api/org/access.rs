use super::*;

engine_test!(role_lacking_a_function_gets_403, |app| {
    let org = make_org(&app).await;
    for (email, _) in [("agent-a@test.local", "agent"), ("sup-a@test.local", "supervisor")] {
        let t = app.login(email, PASSWORD).await;
        app.post("/v1/branches", &t, json!({"name": "Mine"}))
            .await
            .assert_problem(403, "forbidden");
        app.post(
            "/v1/teams",
            &t,
            json!({"branch_id": org.branch, "name": "T", "supervisor_id": org.sup_a}),
        )
        .await
        .assert_problem(403, "forbidden");
        app.post(
            "/v1/users",
            &t,
            json!({"email": "x@test.local", "name": "X", "password": PASSWORD, "role": "admin"}),
        )
        .await
        .assert_problem(403, "forbidden");
        app.patch(&format!("/v1/users/{}", org.agent_a), &t, json!({"role": "admin"}))
            .await
            .assert_problem(403, "forbidden");
        app.call(
            Method::POST,
            &format!("/v1/users/{}/deactivate", org.agent_b),
            Some(&t),
            None,
        )
        .await
        .assert_problem(403, "forbidden");
    }
    for role in ["quality_officer", "callback_agent", "hr"] {
        app.create_user(
            &org.admin,
            json!({"email": format!("{role}@test.local"), "name": role, "password": PASSWORD, "role": role}),
        )
        .await;
        let t = app.login(&format!("{role}@test.local"), PASSWORD).await;
        app.post("/v1/branches", &t, json!({"name": "Mine"}))
            .await
            .assert_problem(403, "forbidden");
        // Back-office staff read the company's people.
        assert_eq!(app.get(&format!("/v1/users/{}", org.agent_b), &t).await.status, 200);
    }
    // The agent's role is unchanged after the refused attempts.
    let agent = app.get(&format!("/v1/users/{}", org.agent_a), &org.admin).await;
    assert_eq!(agent.body["role"], "agent");
});

engine_test!(agents_see_themselves_supervisors_their_team, |app| {
    let org = make_org(&app).await;
    let agent = app.login("agent-a@test.local", PASSWORD).await;
    let list = app.get("/v1/users", &agent).await;
    let ids: Vec<&str> = list.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|u| u["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec![org.agent_a.as_str()]);
    // A colleague is a 404, exactly like a missing user.
    let colleague = app.get(&format!("/v1/users/{}", org.sup_a), &agent).await;
    colleague.assert_problem(404, "not_found");
    let missing = app.get(&format!("/v1/users/{}", uuid::Uuid::new_v4()), &agent).await;
    assert_eq!(missing.body["detail"], colleague.body["detail"]);
    assert_eq!(app.get(&format!("/v1/teams/{}", org.team_a), &agent).await.status, 200);
    app.get(&format!("/v1/teams/{}", org.team_b), &agent)
        .await
        .assert_problem(404, "not_found");

    let sup = app.login("sup-a@test.local", PASSWORD).await;
    let list = app.get("/v1/users", &sup).await;
    let mut ids: Vec<String> = list.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|u| u["id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    ids.sort();
    let mut expected = vec![org.agent_a.clone(), org.sup_a.clone()];
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(app.get(&format!("/v1/users/{}", org.agent_a), &sup).await.status, 200);
    // Another team's agent and team: 404.
    app.get(&format!("/v1/users/{}", org.agent_b), &sup)
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("/v1/teams/{}", org.team_b), &sup)
        .await
        .assert_problem(404, "not_found");
    let teams = app.get("/v1/teams", &sup).await;
    assert_eq!(teams.body["items"].as_array().map(Vec::len), Some(1));
});

engine_test!(nobody_sees_another_company, |app| {
    let org = make_org(&app).await;
    let cfg = test_config();
    let demo = match api::seed::seed_demo(&app.db, &cfg, PASSWORD).await {
        Ok(users) => users,
        Err(e) => panic!("seed-demo failed: {e}"),
    };
    assert!(demo.len() >= 17, "demo company has {} users", demo.len());
    let other_admin = app.login("admin@demo.fieldbook.local", PASSWORD).await;
    for path in [
        format!("/v1/users/{}", org.agent_a),
        format!("/v1/teams/{}", org.team_a),
        format!("/v1/branches/{}", org.branch),
    ] {
        app.get(&path, &other_admin).await.assert_problem(404, "not_found");
    }
    app.patch(
        &format!("/v1/users/{}", org.agent_a),
        &other_admin,
        json!({"name": "Stolen"}),
    )
    .await
    .assert_problem(404, "not_found");
    app.call(
        Method::POST,
        &format!("/v1/users/{}/deactivate", org.agent_a),
        Some(&other_admin),
        None,
    )
    .await
    .assert_problem(404, "not_found");
    // A team in our company cannot be led by the other company's supervisor.
    let sup1 = app.login("supervisor1@demo.fieldbook.local", PASSWORD).await;
    let their_sup = app.get("/v1/me", &sup1).await.id();
    app.post(
        "/v1/teams",
        &org.admin,
        json!({"branch_id": org.branch, "name": "T", "supervisor_id": their_sup}),
    )
    .await
    .assert_field_error("/supervisor_id");
    let theirs = app.get("/v1/users?limit=200", &other_admin).await;
    let emails: Vec<&str> = theirs.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|u| u["email"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        emails.iter().all(|e| e.ends_with("@demo.fieldbook.local")),
        "{emails:?}"
    );
    assert_eq!(
        app.get(&format!("/v1/users/{}", org.agent_a), &org.admin).await.body["name"],
        "Agent a"
    );
});

engine_test!(pagination_uses_cursors_and_caps_limit, |app| {
    let org = make_org(&app).await;
    let mut seen = Vec::new();
    let mut path = "/v1/users?limit=2".to_owned();
    loop {
        let page = app.get(&path, &org.admin).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let items = page.body["items"].as_array().cloned().unwrap_or_default();
        assert!(items.len() <= 2);
        seen.extend(items.iter().filter_map(|u| u["id"].as_str().map(str::to_owned)));
        match page.body["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/users?limit=2&cursor={c}"),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(seen.len(), 5);
    assert_eq!(unique.len(), 5);
    // Above the declared maximum is refused, as the contract says, never silently lowered.
    app.get("/v1/users?limit=100000", &org.admin)
        .await
        .assert_field_error("/query/limit");
    let max = app.get("/v1/users?limit=200", &org.admin).await;
    assert_eq!(max.status, 200);
    assert_eq!(max.body["items"].as_array().map(Vec::len), Some(5));
    app.get("/v1/users?limit=0", &org.admin)
        .await
        .assert_field_error("/query/limit");
    app.get("/v1/users?limit=abc", &org.admin)
        .await
        .assert_field_error("/query");
    app.get("/v1/users?cursor=%%%", &org.admin)
        .await
        .assert_problem(422, "validation_failed");
    app.get("/v1/users?cursor=bm9wZQ", &org.admin)
        .await
        .assert_field_error("/query/cursor");
    app.get("/v1/users?colour=red", &org.admin)
        .await
        .assert_field_error("/query");
});

engine_test!(deactivation_rules, |app| {
    let org = make_org(&app).await;
    let me = app.get("/v1/me", &org.admin).await.id();
    app.call(
        Method::POST,
        &format!("/v1/users/{me}/deactivate"),
        Some(&org.admin),
        None,
    )
    .await
    .assert_problem(409, "cannot_deactivate_self");
    app.call(
        Method::POST,
        &format!("/v1/users/{}/deactivate", org.sup_a),
        Some(&org.admin),
        None,
    )
    .await
    .assert_problem(409, "supervisor_leads_teams");
    let r = app
        .call(
            Method::POST,
            &format!("/v1/users/{}/deactivate", org.agent_b),
            Some(&org.admin),
            None,
        )
        .await;
    assert_eq!(r.status, 200);
    let again = app
        .call(
            Method::POST,
            &format!("/v1/users/{}/deactivate", org.agent_b),
            Some(&org.admin),
            None,
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(
        audit_count(&app, "user", &org.agent_b).await,
        2,
        "create + deactivate, the repeat is a no-op"
    );
    app.call(
        Method::POST,
        &format!("/v1/users/{}/deactivate", uuid::Uuid::new_v4()),
        Some(&org.admin),
        None,
    )
    .await
    .assert_problem(404, "not_found");
    // A deactivated supervisor cannot be given a team.
    let sup = app.create_user(&org.admin, json!({"email": "sup-c@test.local", "name": "C", "password": PASSWORD, "role": "supervisor", "branch_id": org.branch})).await;
    assert_eq!(
        app.call(
            Method::POST,
            &format!("/v1/users/{sup}/deactivate"),
            Some(&org.admin),
            None
        )
        .await
        .status,
        200
    );
    app.post(
        "/v1/teams",
        &org.admin,
        json!({"branch_id": org.branch, "name": "T", "supervisor_id": sup}),
    )
    .await
    .assert_field_error("/supervisor_id");
});

engine_test!(user_update_changes_password_and_placement, |app| {
    let org = make_org(&app).await;
    let path = format!("/v1/users/{}", org.agent_a);
    let r = app.patch(&path, &org.admin, json!({"team_id": org.team_b})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["team_id"], org.team_b.as_str());
    let sup_b = app.login("sup-b@test.local", PASSWORD).await;
    assert_eq!(
        app.get(&path, &sup_b).await.status,
        200,
        "the new supervisor sees the moved agent"
    );
    let r = app
        .patch(&path, &org.admin, json!({"password": "a-brand-new-password"}))
        .await;
    assert_eq!(r.status, 200);
    app.login_full("agent-a@test.local", PASSWORD)
        .await
        .assert_problem(401, "unauthorized");
    app.login("agent-a@test.local", "a-brand-new-password").await;
    app.patch(
        &format!("/v1/users/{}", org.sup_a),
        &org.admin,
        json!({"role": "agent", "team_id": org.team_b}),
    )
    .await
    .assert_field_error("/role");
    app.patch(&path, &org.admin, json!({"email": "sup-b@test.local"}))
        .await
        .assert_field_error("/email");
});
