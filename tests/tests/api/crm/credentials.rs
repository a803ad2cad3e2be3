use super::*;

engine_test!(
    an_admin_creates_an_integration_client_whose_secret_gets_a_token,
    |app| {
        let org = make_org(&app).await;
        let r = app
            .post(
                "/v1/integration-clients",
                &org.admin,
                json!({"name": "Salesforce", "scopes": ["clients:write", "changes:read"]}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.header("cache-control").as_deref(), Some("no-store"));
        let id = r.body["client_id"].as_str().unwrap_or_default().to_owned();
        let secret = r.body["client_secret"].as_str().unwrap_or_default().to_owned();
        assert!(secret.starts_with("fbs_") && secret.len() > 40, "{secret}");
        assert_eq!(r.body["client"]["scopes"], json!(["clients:write", "changes:read"]));
        // Never shown again, stored only as a digest.
        let read = app.get(&format!("/v1/integration-clients/{id}"), &org.admin).await;
        assert_eq!(read.status, 200, "{}", read.body);
        assert!(!read.body.to_string().contains(&secret));
        let list = app.get("/v1/integration-clients", &org.admin).await;
        assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            super::count_where(
                &app,
                "SELECT COUNT(*) FROM integration_clients WHERE secret_hash = $1",
                &secret
            )
            .await,
            0
        );
        assert_eq!(super::super::org::audit_count(&app, "integration_client", &id).await, 1);

        // The grant: form-encoded, JSON, and HTTP Basic.
        let form = super::token_form(
            &app,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
            ],
        )
        .await;
        assert_eq!(form.status, 200, "{}", form.body);
        assert_eq!(form.body["token_type"], "Bearer");
        assert_eq!(form.body["scope"], "clients:write changes:read");
        assert!(form.body["expires_in"].as_i64().is_some_and(|s| s > 0 && s <= 900));
        assert_eq!(form.header("cache-control").as_deref(), Some("no-store"));
        let json = app
            .call(
                Method::POST,
                "/v1/oauth/token",
                None,
                Some(
                    json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret,
                        "scope": "changes:read"}),
                ),
            )
            .await;
        assert_eq!(json.status, 200, "{}", json.body);
        assert_eq!(json.body["scope"], "changes:read");
        let basic = app
            .send(
                app.client
                    .post(format!("{}/v1/oauth/token", app.base))
                    .basic_auth(&id, Some(&secret))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("grant_type=client_credentials"),
            )
            .await;
        assert_eq!(basic.status, 200, "{}", basic.body);

        // RFC 6749 §5.2 errors inside problem+json.
        let wrong = super::token_form(
            &app,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", "fbs_guess"),
            ],
        )
        .await;
        wrong.assert_problem(401, "invalid_client");
        assert_eq!(wrong.body["error"], "invalid_client");
        let unknown = super::token_form(
            &app,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &uuid::Uuid::now_v7().to_string()),
                ("client_secret", &secret),
            ],
        )
        .await;
        unknown.assert_problem(401, "invalid_client");
        let bad_basic = app
            .send(
                app.client
                    .post(format!("{}/v1/oauth/token", app.base))
                    .basic_auth(&id, Some("nope"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body("grant_type=client_credentials"),
            )
            .await;
        bad_basic.assert_problem(401, "invalid_client");
        assert!(bad_basic
            .header("www-authenticate")
            .is_some_and(|h| h.starts_with("Basic")));
        let scope = super::token_form(
            &app,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("scope", "policies:write"),
            ],
        )
        .await;
        scope.assert_problem(400, "invalid_scope");
        assert_eq!(scope.body["error"], "invalid_scope");
        let grant = super::token_form(
            &app,
            &[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
            ],
        )
        .await;
        grant.assert_problem(400, "unsupported_grant_type");
        let missing = super::token_form(&app, &[("client_id", &id), ("client_secret", &secret)]).await;
        missing.assert_problem(400, "invalid_request");
        let twice = app
            .send(
                app.client
                    .post(format!("{}/v1/oauth/token", app.base))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(format!(
                    "grant_type=client_credentials&grant_type=client_credentials&client_id={id}&client_secret={secret}"
                )),
            )
            .await;
        twice.assert_problem(400, "invalid_request");
        let both = app
            .send(
                app.client
                    .post(format!("{}/v1/oauth/token", app.base))
                    .basic_auth(&id, Some(&secret))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(format!(
                        "grant_type=client_credentials&client_id={id}&client_secret={secret}"
                    )),
            )
            .await;
        both.assert_problem(400, "invalid_request");

        // Only admins manage integrations; scopes must be known.
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        app.post(
            "/v1/integration-clients",
            &sup,
            json!({"name": "X", "scopes": ["changes:read"]}),
        )
        .await
        .assert_problem(403, "forbidden");
        app.get("/v1/integration-clients", &sup)
            .await
            .assert_problem(403, "forbidden");
        app.post(
            "/v1/integration-clients",
            &org.admin,
            json!({"name": "X", "scopes": ["root"]}),
        )
        .await
        .assert_field_error("/scopes/0");
        app.post(
            "/v1/integration-clients",
            &org.admin,
            json!({"name": " ", "scopes": []}),
        )
        .await
        .assert_field_error("/name");
        app.get(&format!("/v1/integration-clients/{}", uuid::Uuid::now_v7()), &org.admin)
            .await
            .assert_problem(404, "not_found");
    }
);

engine_test!(
    rotated_out_and_revoked_secrets_get_401,
    |c| {
        c.integration_secret_overlap_secs = 0;
    },
    |app| {
        let org = make_org(&app).await;
        let (id, old) = super::integration(&app, &org.admin, &["changes:read"]).await;
        let before = super::token(&app, &id, &old).await;
        let r = app
            .call(
                Method::POST,
                &format!("/v1/integration-clients/{id}/rotate"),
                Some(&org.admin),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let new = r.body["client_secret"].as_str().unwrap_or_default().to_owned();
        assert_ne!(new, old);
        let rotated_out = super::token_form(
            &app,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &old),
            ],
        )
        .await;
        rotated_out.assert_problem(401, "invalid_client");
        let fresh = super::token(&app, &id, &new).await;
        // Tokens already issued live out their short life; revocation ends them at once.
        assert_eq!(app.get("/v1/changes", &before).await.status, 200);
        let revoked = app
            .call(
                Method::POST,
                &format!("/v1/integration-clients/{id}/revoke"),
                Some(&org.admin),
                None,
            )
            .await;
        assert_eq!(revoked.status, 200, "{}", revoked.body);
        assert!(revoked.body["revoked_at"].is_string());
        super::token_form(
            &app,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &new),
            ],
        )
        .await
        .assert_problem(401, "invalid_client");
        app.get("/v1/changes", &fresh).await.assert_problem(401, "unauthorized");
        app.call(
            Method::POST,
            &format!("/v1/integration-clients/{id}/rotate"),
            Some(&org.admin),
            None,
        )
        .await
        .assert_problem(409, "integration_client_revoked");
        assert_eq!(super::super::org::audit_count(&app, "integration_client", &id).await, 3);
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        app.call(
            Method::POST,
            &format!("/v1/integration-clients/{id}/revoke"),
            Some(&agent),
            None,
        )
        .await
        .assert_problem(403, "forbidden");
    }
);

engine_test!(a_rotated_secret_works_until_its_overlap_ends, |app| {
    let org = make_org(&app).await;
    let (id, old) = super::integration(&app, &org.admin, &["changes:read"]).await;
    let r = app
        .call(
            Method::POST,
            &format!("/v1/integration-clients/{id}/rotate"),
            Some(&org.admin),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["client"]["previous_secret_expires_at"].is_string());
    super::token(&app, &id, &old).await;
    let new = r.body["client_secret"].as_str().unwrap_or_default().to_owned();
    super::token(&app, &id, &new).await;
    // A second rotation ends the first secret at once.
    let again = app
        .call(
            Method::POST,
            &format!("/v1/integration-clients/{id}/rotate"),
            Some(&org.admin),
            Some(json!({})),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.body);
    super::token_form(
        &app,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &old),
        ],
    )
    .await
    .assert_problem(401, "invalid_client");
});

engine_test!(integration_tokens_reach_only_what_their_scopes_open, |app| {
    let org = make_org(&app).await;
    let (id, secret) = super::integration(&app, &org.admin, &["clients:write", "agents:write"]).await;
    let crm = super::token(&app, &id, &secret).await;
    let policy = json!({"records": [{"external_id": "p", "number": "N1", "agent_external_id": "a",
        "client_external_id": "c", "product": "Life", "premium_fen": 1, "commission_fen": 1,
        "printed_on": "2026-10-01", "effective_on": "2026-10-01"}]});
    app.post("/v1/policies:upsert", &crm, policy.clone())
        .await
        .assert_problem(403, "forbidden");
    app.get("/v1/changes", &crm).await.assert_problem(403, "forbidden");
    // Never a person's function, whatever the scopes.
    let all = super::crm_token(
        &app,
        &org.admin,
        &[
            "agents:write",
            "clients:write",
            "policies:write",
            "receipts:write",
            "changes:read",
            "webhooks:manage",
        ],
    )
    .await;
    for t in [&crm, &all] {
        app.get("/v1/me", t).await.assert_problem(403, "forbidden");
        app.get("/v1/users", t).await.assert_problem(403, "forbidden");
        app.post("/v1/clients", t, json!({"name": "X", "agent_id": org.agent_a}))
            .await
            .assert_problem(403, "forbidden");
        app.call(
            Method::POST,
            &format!("/v1/diaries/{}/2026-11-03/approve", org.agent_a),
            Some(t),
            None,
        )
        .await
        .assert_problem(403, "forbidden");
        app.post(
            &format!("/v1/teams/{}/diaries:approve", org.team_a),
            t,
            json!({"date": "2026-11-03"}),
        )
        .await
        .assert_problem(403, "forbidden");
        app.post(
            "/v1/integration-clients",
            t,
            json!({"name": "X", "scopes": ["changes:read"]}),
        )
        .await
        .assert_problem(403, "forbidden");
        app.get("/v1/sync", t).await.assert_problem(403, "forbidden");
        app.post("/v1/auth/logout", t, json!({}))
            .await
            .assert_problem(403, "forbidden");
    }
    // What its scopes open works, and is audited with the client's id, not a person's.
    let agents = app
        .post(
            "/v1/agents:upsert",
            &crm,
            json!({"records": [{"external_id": "a-1", "name": "Li", "email": "li@crm.test", "team_id": org.team_a}]}),
        )
        .await;
    assert_eq!(agents.status, 200, "{}", agents.body);
    assert_eq!(agents.body["results"][0]["status"], "created");
    let audited = super::count_where(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE entity = 'user' AND actor_id IS NULL AND integration_client_id = \
         (SELECT id FROM integration_clients WHERE name = $1 ORDER BY created_at LIMIT 1)",
        "Our CRM",
    )
    .await;
    assert_eq!(audited, 1);
    assert_eq!(app.get("/v1/changes", &all).await.status, 200);
    // The admin may do the same by hand.
    let by_admin = app.post("/v1/policies:upsert", &org.admin, policy).await;
    assert_eq!(by_admin.status, 200, "{}", by_admin.body);
    // People other than admins may not.
    let sup = app.login("sup-a@test.local", PASSWORD).await;
    app.post("/v1/clients:upsert", &sup, json!({"records": []}))
        .await
        .assert_problem(403, "forbidden");
    app.get("/v1/changes", &sup).await.assert_problem(403, "forbidden");
});
