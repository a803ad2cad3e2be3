//! Tenants: companies made by the platform operator (API and `api tenant` command), each seeing
//! only itself; the platform API answers only to the operator's configured token.

use super::*;

const PLATFORM_TOKEN: &str = "platform-token-for-tests-0123456789abcdef";

fn platform(c: &mut api::config::Config) {
    c.platform_token = Some(PLATFORM_TOKEN.into());
}

async fn create_tenant(app: &TestApp, name: &str, email: &str) -> Resp {
    app.post(
        "/v1/platform/tenants",
        PLATFORM_TOKEN,
        json!({"name": name, "admin_email": email, "admin_password": PASSWORD}),
    )
    .await
}

/// A company with a branch, a team, its supervisor and an agent who logged a client, all
/// through the API as that company's admin.
struct Company {
    admin: String,
    branch: String,
    team: String,
    agent: String,
    agent_token: String,
    client: String,
}

async fn company(app: &TestApp, name: &str, domain: &str) -> Company {
    let r = create_tenant(app, name, &format!("admin@{domain}")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let admin = app.login(&format!("admin@{domain}"), PASSWORD).await;
    let b = app
        .post(
            "/v1/branches",
            &admin,
            json!({"name": format!("{name} HQ"), "time_zone": "Asia/Shanghai"}),
        )
        .await;
    assert_eq!(b.status, 201, "{}", b.body);
    let sup = app
        .create_user(
            &admin,
            json!({"email": format!("sup@{domain}"), "name": "Sup", "password": PASSWORD,
                   "role": "supervisor", "branch_id": b.id()}),
        )
        .await;
    let t = app
        .post(
            "/v1/teams",
            &admin,
            json!({"branch_id": b.id(), "name": "Team", "supervisor_id": sup}),
        )
        .await;
    assert_eq!(t.status, 201, "{}", t.body);
    let agent = app
        .create_user(
            &admin,
            json!({"email": format!("agent@{domain}"), "name": "Agent", "password": PASSWORD,
                   "role": "agent", "team_id": t.id()}),
        )
        .await;
    let agent_token = app.login(&format!("agent@{domain}"), PASSWORD).await;
    let c = app
        .post("/v1/clients", &agent_token, json!({"name": format!("{name} client")}))
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    Company {
        admin,
        branch: b.id(),
        team: t.id(),
        agent,
        agent_token,
        client: c.id(),
    }
}

fn ids(r: &Resp) -> Vec<String> {
    r.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|i| i["id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

engine_test!(platform_api_does_not_exist_without_a_platform_token, |app| {
    let admin = app.admin().await;
    for token in [PLATFORM_TOKEN, admin.as_str()] {
        app.get("/v1/platform/tenants", token)
            .await
            .assert_problem(404, "not_found");
        create_tenant(&app, "Nope", "nope@x.example")
            .await
            .assert_problem(404, "not_found");
    }
    assert_eq!(app.count("companies").await, 1);
});

engine_test!(
    two_tenants_from_the_platform_api_see_only_themselves,
    |c| { platform(c) },
    |app| {
        let a = company(&app, "Acme Life", "acme.example").await;
        let b = company(&app, "Bright Insurance", "bright.example").await;

        // Each admin lists only their own company's organisation and clients.
        for (me, other) in [(&a, &b), (&b, &a)] {
            for (list, mine, theirs) in [
                ("/v1/branches", &me.branch, &other.branch),
                ("/v1/teams", &me.team, &other.team),
                ("/v1/users?limit=200", &me.agent, &other.agent),
                ("/v1/clients?limit=200", &me.client, &other.client),
            ] {
                let seen = ids(&app.get(list, &me.admin).await);
                assert!(seen.contains(mine), "{list}: {seen:?}");
                assert!(!seen.contains(theirs), "{list} leaks the other company: {seen:?}");
            }
            // The other company's objects are absent, read or write.
            for path in [
                format!("/v1/branches/{}", other.branch),
                format!("/v1/teams/{}", other.team),
                format!("/v1/users/{}", other.agent),
                format!("/v1/clients/{}", other.client),
                format!("/v1/agents/{}/today", other.agent),
            ] {
                app.get(&path, &me.admin).await.assert_problem(404, "not_found");
            }
            app.patch(
                &format!("/v1/users/{}", other.agent),
                &me.admin,
                json!({"name": "Stolen"}),
            )
            .await
            .assert_problem(404, "not_found");
            // An agent cannot log a visit for the other company's client.
            let visit = json!({"id": uuid::Uuid::now_v7(), "kind": "face_visit",
                               "occurred_at": chrono::Utc::now(), "client_id": other.client});
            let r = app.post("/v1/activities", &me.agent_token, visit).await;
            assert_eq!(r.status, 422, "{}", r.body);
        }
        // Same user names and e-mail local parts in both companies, different accounts.
        assert_ne!(
            app.get("/v1/me", &a.agent_token).await.id(),
            app.get("/v1/me", &b.agent_token).await.id()
        );

        // The operator sees every company with its active users; the bootstrap one too.
        let list = app.get("/v1/platform/tenants", PLATFORM_TOKEN).await;
        assert_eq!(list.status, 200, "{}", list.body);
        let items = list.body["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 3, "{}", list.body);
        let acme = items
            .iter()
            .find(|t| t["name"] == "Acme Life")
            .cloned()
            .unwrap_or_default();
        assert_eq!(acme["active_users"], 3, "admin, supervisor, agent: {acme}");
        let page = app.get("/v1/platform/tenants?limit=2", PLATFORM_TOKEN).await;
        let next = page.body["next_cursor"].as_str().unwrap_or_default().to_owned();
        let rest = app
            .get(&format!("/v1/platform/tenants?limit=2&cursor={next}"), PLATFORM_TOKEN)
            .await;
        assert_eq!(ids(&page).len() + ids(&rest).len(), 3);
        assert!(rest.body.get("next_cursor").is_none(), "{}", rest.body);
    }
);

engine_test!(
    the_platform_api_refuses_every_company_token,
    |c| { platform(c) },
    |app| {
        let org = make_org(&app).await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        for token in [org.admin.as_str(), agent.as_str()] {
            app.get("/v1/platform/tenants", token)
                .await
                .assert_problem(403, "forbidden");
            let body = json!({"name": "Mine", "admin_email": "mine@x.example", "admin_password": PASSWORD});
            app.post("/v1/platform/tenants", token, body)
                .await
                .assert_problem(403, "forbidden");
            // Refused before the body is read, so even a malformed body gets 403.
            let raw = app
                .send(
                    app.client
                        .post(format!("{}/v1/platform/tenants", app.base))
                        .bearer_auth(token)
                        .header("content-type", "application/json")
                        .body("{"),
                )
                .await;
            raw.assert_problem(403, "forbidden");
        }
        let none = app.call(Method::GET, "/v1/platform/tenants", None, None).await;
        none.assert_problem(401, "unauthorized");
        assert_eq!(none.header("www-authenticate").as_deref(), Some("Bearer"));
        for wrong in [&PLATFORM_TOKEN[1..], "x", JWT_SECRET] {
            app.get("/v1/platform/tenants", wrong)
                .await
                .assert_problem(401, "unauthorized");
        }
        // The platform token is no user's token either.
        app.get("/v1/me", PLATFORM_TOKEN)
            .await
            .assert_problem(401, "unauthorized");
        app.get("/v1/users", PLATFORM_TOKEN)
            .await
            .assert_problem(401, "unauthorized");
    }
);

engine_test!(
    tenant_creation_is_validated_and_a_generated_password_is_shown_once,
    |c| { platform(c) },
    |app| {
        let bad = app
            .post(
                "/v1/platform/tenants",
                PLATFORM_TOKEN,
                json!({"name": "X", "admin_email": "not-an-email", "admin_password": "short"}),
            )
            .await;
        for p in ["/admin_email", "/admin_password"] {
            bad.assert_field_error(p);
        }
        create_tenant(&app, " ", "blank@x.example")
            .await
            .assert_field_error("/name");
        app.post(
            "/v1/platform/tenants",
            PLATFORM_TOKEN,
            json!({"name": "X", "admin_email": "x@x.example", "plan": "gold"}),
        )
        .await
        .assert_field_error("/plan");
        // The bootstrap admin's e-mail is taken platform-wide.
        create_tenant(&app, "Clash", ADMIN_EMAIL)
            .await
            .assert_field_error("/admin_email");
        assert_eq!(app.count("companies").await, 1, "nothing written on refusal");

        let r = app
            .post(
                "/v1/platform/tenants",
                PLATFORM_TOKEN,
                json!({"name": "  Cathay Agency ", "admin_email": "Boss@Cathay.Example", "admin_name": "Zhou Min"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.header("location").as_deref(), Some("/v1/platform/tenants"));
        assert_eq!(r.body["tenant"]["name"], "Cathay Agency");
        assert_eq!(r.body["admin"]["email"], "boss@cathay.example");
        assert_eq!(r.body["admin"]["name"], "Zhou Min");
        let password = r.body["generated_password"].as_str().unwrap_or_default().to_owned();
        assert!(password.len() >= 20, "{}", r.body);
        let admin = app.login("boss@cathay.example", &password).await;
        let me = app.get("/v1/me", &admin).await;
        assert_eq!(me.body["role"], "admin");
        // AUD-1: the company and its admin are in the new company's own trail, with the
        // request's id and no actor (the operator is nobody's user).
        let trail = app.get("/v1/audit", &admin).await;
        let entries = trail.body["items"].as_array().cloned().unwrap_or_default();
        let kinds: Vec<&str> = entries.iter().filter_map(|e| e["entity"].as_str()).collect();
        assert_eq!(kinds, ["company", "user"], "{}", trail.body);
        assert!(entries.iter().all(|e| e.get("actor_id").is_none()), "{}", trail.body);
        assert_eq!(entries[0]["request_id"], r.header("x-request-id").unwrap_or_default());
        assert_eq!(
            count_where(&app, "audit_log", "entity = 'company' AND action = 'create'").await,
            2,
            "the bootstrap company and this one"
        );
        // With a password given, none is echoed back.
        let given = create_tenant(&app, "Delta", "delta@delta.example").await;
        assert_eq!(given.status, 201, "{}", given.body);
        assert!(given.body.get("generated_password").is_none(), "{}", given.body);
    }
);

engine_test!(tenant_command_creates_and_lists_companies, |app| {
    let cfg = test_config();
    let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let out = match api::cli::tenant(
        &app.db,
        &cfg,
        &args(&[
            "create",
            "--name",
            "Eastern Mutual",
            "--admin-email",
            "root@eastern.example",
        ]),
        None,
    )
    .await
    {
        Ok(o) => o,
        Err(e) => panic!("tenant create failed: {e}"),
    };
    let password = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("password: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_default()
        .to_owned();
    assert!(password.len() >= 20, "{out}");
    let eastern = app.login("root@eastern.example", &password).await;

    // FIELDBOOK_TENANT_ADMIN_PASSWORD given: used, and never printed.
    let out = api::cli::tenant(
        &app.db,
        &cfg,
        &args(&[
            "create",
            "--name",
            "Western",
            "--admin-email",
            "root@western.example",
            "--admin-name",
            "Wu",
        ]),
        Some(PASSWORD.to_owned()),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(!out.contains(PASSWORD), "{out}");
    let western = app.login("root@western.example", PASSWORD).await;
    assert_eq!(app.get("/v1/me", &western).await.body["name"], "Wu");

    // Refusals name the flag and write nothing.
    let taken = api::cli::tenant(
        &app.db,
        &cfg,
        &args(&["create", "--name", "Again", "--admin-email", "root@western.example"]),
        None,
    )
    .await;
    assert!(
        taken
            .as_ref()
            .is_err_and(|e| e.to_string().contains("--admin-email: is already in use")),
        "{taken:?}"
    );
    for bad in [
        &["create", "--name", "X"][..],
        &["create", "--nam", "X", "--admin-email", "a@b.example"],
        &["drop"],
    ] {
        assert!(
            api::cli::tenant(&app.db, &cfg, &args(bad), None).await.is_err(),
            "{bad:?}"
        );
    }

    let list = api::cli::tenant(&app.db, &cfg, &args(&["list"]), None)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(list.lines().count(), 4, "header, bootstrap, two tenants:\n{list}");
    assert!(list.contains("Eastern Mutual") && list.contains("Western"), "{list}");

    // The two command-made companies are as separate as any.
    let b = app
        .post(
            "/v1/branches",
            &eastern,
            json!({"name": "E", "time_zone": "Asia/Shanghai"}),
        )
        .await;
    app.get(&format!("/v1/branches/{}", b.id()), &western)
        .await
        .assert_problem(404, "not_found");
    assert!(ids(&app.get("/v1/branches", &western).await).is_empty());
});

async fn count_where(app: &TestApp, table: &str, cond: &str) -> i64 {
    app.count(&format!("{table} WHERE {cond}")).await
}
