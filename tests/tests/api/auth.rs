use super::*;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};

fn forge(claims: serde_json::Value, secret: &str, kid: Option<&str>) -> String {
    let mut h = Header::new(Algorithm::HS256);
    h.kid = kid.map(str::to_owned);
    encode(&h, &claims, &EncodingKey::from_secret(secret.as_bytes())).unwrap_or_default()
}

fn claims_for(me: &serde_json::Value, company: &str, tweak: impl FnOnce(&mut serde_json::Value)) -> serde_json::Value {
    let now = chrono::Utc::now().timestamp();
    let mut c = json!({
        "sub": me["id"], "cid": company, "role": me["role"], "iss": "fieldbook", "aud": "fieldbook-api",
        "iat": now, "nbf": now - 5, "exp": now + 600, "jti": uuid::Uuid::new_v4(),
    });
    tweak(&mut c);
    c
}

async fn company_of(app: &TestApp, user_id: &str) -> String {
    let id = uuid::Uuid::parse_str(user_id).unwrap_or_default();
    let cid: Option<uuid::Uuid> = match &app.db {
        infra::Db::Sqlite(p) => sqlx::query_scalar("SELECT company_id FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(p)
            .await
            .ok()
            .flatten(),
        infra::Db::Postgres(p) => sqlx::query_scalar("SELECT company_id FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(p)
            .await
            .ok()
            .flatten(),
    };
    cid.map(|c| c.to_string()).unwrap_or_default()
}

engine_test!(login_returns_tokens_and_me_answers, |app| {
    let r = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 900);
    assert!(r.body["refresh_token"].as_str().is_some_and(|t| t.len() > 30));
    let token = r.body["access_token"].as_str().unwrap_or_default();
    let me = app.get("/v1/me", token).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["email"], ADMIN_EMAIL);
    assert_eq!(me.body["role"], "admin");
    assert!(me.body.get("password_hash").is_none());
    // E-mail comparison ignores case and surrounding spaces.
    assert_eq!(app.login_full(" ADMIN@test.local ", ADMIN_PASSWORD).await.status, 200);
});

engine_test!(login_rejects_wrong_password_and_unknown_email_alike, |app| {
    let wrong = app.login_full(ADMIN_EMAIL, "not-the-password").await;
    wrong.assert_problem(401, "unauthorized");
    assert_eq!(wrong.header("www-authenticate").as_deref(), Some("Bearer"));
    let unknown = app.login_full("nobody@test.local", "whatever-password").await;
    unknown.assert_problem(401, "unauthorized");
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);
    app.call(
        Method::POST,
        "/v1/auth/login",
        None,
        Some(json!({"email": ADMIN_EMAIL})),
    )
    .await
    .assert_field_error("/password");
});

engine_test!(
    login_is_throttled_per_account,
    |c| {
        c.login_max_failures_per_account = 3;
    },
    |app| {
        for _ in 0..3 {
            app.login_full(ADMIN_EMAIL, "wrong-password")
                .await
                .assert_problem(401, "unauthorized");
        }
        let r = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        r.assert_problem(429, "too_many_attempts");
        let retry: u64 = r.header("retry-after").and_then(|v| v.parse().ok()).unwrap_or(0);
        assert!(retry > 0 && retry <= 900, "Retry-After {retry}");
        // Another account from the same address is not blocked by this account's failures.
        assert_eq!(app.login_full("nobody@test.local", "x-password").await.status, 401);
    }
);

engine_test!(
    login_is_throttled_per_address,
    |c| {
        c.login_max_failures_per_address = 4;
    },
    |app| {
        for i in 0..4 {
            app.login_full(&format!("nobody{i}@test.local"), "wrong-password")
                .await
                .assert_problem(401, "unauthorized");
        }
        app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD)
            .await
            .assert_problem(429, "too_many_attempts");
    }
);

engine_test!(refresh_rotates_and_reuse_revokes_the_family, |app| {
    let first = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r1 = first.body["refresh_token"].clone();
    let second = app
        .call(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": r1})),
        )
        .await;
    assert_eq!(second.status, 200, "{}", second.body);
    let r2 = second.body["refresh_token"].clone();
    assert_ne!(r1, r2);
    let access2 = second.body["access_token"].as_str().unwrap_or_default().to_owned();
    assert_eq!(app.get("/v1/me", &access2).await.status, 200);
    // Replaying the rotated token fails ...
    app.call(
        Method::POST,
        "/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": r1})),
    )
    .await
    .assert_problem(401, "unauthorized");
    // ... and kills the token that replaced it.
    app.call(
        Method::POST,
        "/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": r2})),
    )
    .await
    .assert_problem(401, "unauthorized");
    // Another login (another family) is unaffected.
    let other = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let r3 = other.body["refresh_token"].clone();
    assert_eq!(
        app.call(
            Method::POST,
            "/v1/auth/refresh",
            None,
            Some(json!({"refresh_token": r3}))
        )
        .await
        .status,
        200
    );
    app.call(
        Method::POST,
        "/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": "made-up"})),
    )
    .await
    .assert_problem(401, "unauthorized");
});

engine_test!(
    refresh_reuse_within_grace_window_is_a_lost_response,
    |c| {
        c.refresh_reuse_grace_secs = 60;
    },
    |app| {
        let first = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        let r1 = first.body["refresh_token"].clone();
        let second = app
            .call(
                Method::POST,
                "/v1/auth/refresh",
                None,
                Some(json!({"refresh_token": r1})),
            )
            .await;
        assert_eq!(second.status, 200);
        let again = app
            .call(
                Method::POST,
                "/v1/auth/refresh",
                None,
                Some(json!({"refresh_token": r1})),
            )
            .await;
        assert_eq!(again.status, 200, "{}", again.body);
        let r2 = second.body["refresh_token"].clone();
        assert_eq!(
            app.call(
                Method::POST,
                "/v1/auth/refresh",
                None,
                Some(json!({"refresh_token": r2}))
            )
            .await
            .status,
            200
        );
    }
);

engine_test!(logout_revokes_the_refresh_family, |app| {
    let r = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let access = r.body["access_token"].as_str().unwrap_or_default().to_owned();
    let refresh = r.body["refresh_token"].clone();
    let out = app
        .call(
            Method::POST,
            "/v1/auth/logout",
            Some(&access),
            Some(json!({"refresh_token": refresh})),
        )
        .await;
    assert_eq!(out.status, 204);
    app.call(
        Method::POST,
        "/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": refresh})),
    )
    .await
    .assert_problem(401, "unauthorized");
    // Without a token in the body: every session of the caller ends. (The first logout ended
    // the old access token too, so this one uses the new login's.)
    let r = app.login_full(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let access = r.body["access_token"].as_str().unwrap_or_default().to_owned();
    let refresh = r.body["refresh_token"].clone();
    assert_eq!(
        app.call(Method::POST, "/v1/auth/logout", Some(&access), Some(json!({})))
            .await
            .status,
        204
    );
    app.call(
        Method::POST,
        "/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": refresh})),
    )
    .await
    .assert_problem(401, "unauthorized");
    app.call(Method::POST, "/v1/auth/logout", None, Some(json!({})))
        .await
        .assert_problem(401, "unauthorized");
});

engine_test!(forged_expired_and_malformed_tokens_are_401, |app| {
    let token = app.admin().await;
    let me = app.get("/v1/me", &token).await.body;
    let cid = company_of(&app, me["id"].as_str().unwrap_or_default()).await;
    // Sanity: a token forged with the right key and claims is accepted, so the rejections
    // below are caused by the one thing each changes.
    let good = forge(claims_for(&me, &cid, |_| {}), JWT_SECRET, Some("env"));
    assert_eq!(app.get("/v1/me", &good).await.status, 200);

    let cases: Vec<(&str, String)> = vec![
        ("alg none", {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
            let h = b64.encode(br#"{"alg":"none","typ":"JWT","kid":"env"}"#);
            let p = b64.encode(claims_for(&me, &cid, |_| {}).to_string());
            format!("{h}.{p}.")
        }),
        (
            "other key",
            forge(
                claims_for(&me, &cid, |_| {}),
                "some-other-secret-entirely-000000",
                Some("env"),
            ),
        ),
        (
            "unknown kid",
            forge(claims_for(&me, &cid, |_| {}), JWT_SECRET, Some("k2")),
        ),
        ("no kid", forge(claims_for(&me, &cid, |_| {}), JWT_SECRET, None)),
        (
            "expired",
            forge(
                claims_for(&me, &cid, |c| c["exp"] = json!(chrono::Utc::now().timestamp() - 10)),
                JWT_SECRET,
                Some("env"),
            ),
        ),
        (
            "string exp",
            forge(
                claims_for(&me, &cid, |c| c["exp"] = json!("99999999999")),
                JWT_SECRET,
                Some("env"),
            ),
        ),
        (
            "no exp",
            forge(
                claims_for(&me, &cid, |c| {
                    c.as_object_mut().map(|o| o.remove("exp"));
                }),
                JWT_SECRET,
                Some("env"),
            ),
        ),
        (
            "not yet valid",
            forge(
                claims_for(&me, &cid, |c| c["nbf"] = json!(chrono::Utc::now().timestamp() + 300)),
                JWT_SECRET,
                Some("env"),
            ),
        ),
        (
            "wrong audience",
            forge(
                claims_for(&me, &cid, |c| c["aud"] = json!("someone-else")),
                JWT_SECRET,
                Some("env"),
            ),
        ),
        (
            "wrong issuer",
            forge(
                claims_for(&me, &cid, |c| c["iss"] = json!("evil")),
                JWT_SECRET,
                Some("env"),
            ),
        ),
        (
            "other company",
            forge(
                claims_for(&me, &uuid::Uuid::new_v4().to_string(), |_| {}),
                JWT_SECRET,
                Some("env"),
            ),
        ),
        ("garbage", "not.a.jwt".to_owned()),
    ];
    for (what, t) in cases {
        let r = app.get("/v1/me", &t).await;
        assert_eq!(r.status, 401, "{what} was accepted: {}", r.body);
        r.assert_problem(401, "unauthorized");
    }
    let hs512 = {
        let h = Header {
            kid: Some("env".into()),
            ..Header::new(Algorithm::HS512)
        };
        encode(
            &h,
            &claims_for(&me, &cid, |_| {}),
            &EncodingKey::from_secret(JWT_SECRET.as_bytes()),
        )
        .unwrap_or_default()
    };
    app.get("/v1/me", &hs512).await.assert_problem(401, "unauthorized");
    let no_header = app.call(Method::GET, "/v1/me", None, None).await;
    no_header.assert_problem(401, "unauthorized");
    assert_eq!(no_header.header("www-authenticate").as_deref(), Some("Bearer"));
    let basic = app
        .send(
            app.client
                .get(format!("{}/v1/me", app.base))
                .header("authorization", "Basic YTpi"),
        )
        .await;
    basic.assert_problem(401, "unauthorized");
});

engine_test!(
    expired_access_token_is_401,
    |c| {
        c.access_token_ttl_secs = 1;
    },
    |app| {
        let token = app.admin().await;
        assert_eq!(app.get("/v1/me", &token).await.status, 200);
        tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
        app.get("/v1/me", &token).await.assert_problem(401, "unauthorized");
    }
);

engine_test!(deactivated_user_is_locked_out_at_once, |app| {
    let org = make_org(&app).await;
    let agent = app.login_full("agent-a@test.local", PASSWORD).await;
    let access = agent.body["access_token"].as_str().unwrap_or_default().to_owned();
    let r = app
        .call(
            Method::POST,
            &format!("/v1/users/{}/deactivate", org.agent_a),
            Some(&org.admin),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["active"], false);
    app.get("/v1/me", &access).await.assert_problem(401, "unauthorized");
    app.login_full("agent-a@test.local", PASSWORD)
        .await
        .assert_problem(401, "unauthorized");
    app.call(
        Method::POST,
        "/v1/auth/refresh",
        None,
        Some(json!({"refresh_token": agent.body["refresh_token"]})),
    )
    .await
    .assert_problem(401, "unauthorized");
    // Never deleted: still readable by the admin.
    let read = app.get(&format!("/v1/users/{}", org.agent_a), &org.admin).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body["active"], false);
});
