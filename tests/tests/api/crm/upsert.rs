use super::*;

fn agents(team: &str, n: usize, tweak: impl Fn(usize) -> &'static str) -> Value {
    let records: Vec<Value> = (0..n)
        .map(|i| {
            json!({"external_id": format!("agent-{i:04}"), "name": format!("Agent {i} {}", tweak(i)),
                   "email": format!("agent{i}@crm.test"), "team_id": team})
        })
        .collect();
    json!({ "records": records })
}

fn clients(n: usize, agents: usize, tweak: impl Fn(usize) -> &'static str) -> Value {
    let records: Vec<Value> = (0..n)
        .map(|i| {
            json!({"external_id": format!("client-{i:04}"), "agent_external_id": format!("agent-{:04}", i % agents),
                   "name": format!("Client {i}"), "address": format!("{i} Road{}", tweak(i)), "tags": ["crm"]})
        })
        .collect();
    json!({ "records": records })
}

fn policies(n: usize, agents: usize, tweak: impl Fn(usize) -> &'static str) -> Value {
    let records: Vec<Value> = (0..n)
        .map(|i| {
            json!({"external_id": format!("policy-{i:04}"), "number": format!("P-{i:05}"),
                   "agent_external_id": format!("agent-{:04}", i % agents), "client_external_id": format!("client-{i:04}"),
                   "product": format!("Term life{}", tweak(i)), "premium_fen": 1_000_000, "commission_fen": 100_000,
                   "printed_on": "2026-10-05", "effective_on": "2026-10-06"})
        })
        .collect();
    json!({ "records": records })
}

fn statuses(r: &Resp) -> std::collections::BTreeMap<String, usize> {
    let mut m = std::collections::BTreeMap::new();
    for x in r.body["results"].as_array().cloned().unwrap_or_default() {
        *m.entry(x["status"].as_str().unwrap_or("?").to_owned()).or_default() += 1;
    }
    m
}

fn only(status: &str, n: usize) -> std::collections::BTreeMap<String, usize> {
    std::collections::BTreeMap::from([(status.to_owned(), n)])
}

engine_test!(
    a_thousand_agents_clients_and_policies_are_created_then_unchanged_then_ten_updated,
    |app| {
        let org = make_org(&app).await;
        let crm = super::crm_token(&app, &org.admin, &["agents:write", "clients:write", "policies:write"]).await;
        let plain = |_| "";
        let ten = |i: usize| if i % 100 == 7 { " (changed)" } else { "" };

        let r = app
            .post("/v1/agents:upsert", &crm, agents(&org.team_a, 1000, plain))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(statuses(&r), only("created", 1000));
        assert_eq!(r.body["created"], 1000);
        assert_eq!(r.body["results"][999]["index"], 999);
        assert_eq!(r.body["results"][999]["external_id"], "agent-0999");
        let c = app.post("/v1/clients:upsert", &crm, clients(1000, 1000, plain)).await;
        assert_eq!(statuses(&c), only("created", 1000), "{}", c.body);
        let p = app.post("/v1/policies:upsert", &crm, policies(1000, 1000, plain)).await;
        assert_eq!(statuses(&p), only("created", 1000), "{}", p.body);

        // The same batches again: nothing changes, nothing is written.
        let audits = app.count("audit_log").await;
        let events = app.count("change_events").await;
        let r2 = app
            .post("/v1/agents:upsert", &crm, agents(&org.team_a, 1000, plain))
            .await;
        assert_eq!(statuses(&r2), only("unchanged", 1000));
        assert_eq!(r2.body["results"][3]["id"], r.body["results"][3]["id"]);
        let c2 = app.post("/v1/clients:upsert", &crm, clients(1000, 1000, plain)).await;
        assert_eq!(statuses(&c2), only("unchanged", 1000));
        let p2 = app.post("/v1/policies:upsert", &crm, policies(1000, 1000, plain)).await;
        assert_eq!(statuses(&p2), only("unchanged", 1000));
        assert_eq!(app.count("audit_log").await, audits);
        assert_eq!(app.count("change_events").await, events);

        // One field changed in ten rows of each: exactly ten updated, each where it was changed.
        for (path, body) in [
            ("/v1/agents:upsert", agents(&org.team_a, 1000, ten)),
            ("/v1/clients:upsert", clients(1000, 1000, ten)),
            ("/v1/policies:upsert", policies(1000, 1000, ten)),
        ] {
            let u = app.post(path, &crm, body).await;
            let mut want = only("unchanged", 990);
            want.insert("updated".into(), 10);
            assert_eq!(statuses(&u), want, "{path}");
            assert_eq!(u.body["results"][107]["status"], "updated", "{path}");
            assert_eq!(u.body["results"][108]["status"], "unchanged", "{path}");
        }
        assert_eq!(app.count("audit_log").await, audits + 30);
        assert_eq!(app.count("change_events").await, events + 30);
        assert_eq!(
            super::count_where(&app, "SELECT COUNT(*) FROM users WHERE external_id LIKE $1", "agent-%").await,
            1000
        );
        // What was upserted reads back through the ordinary endpoints.
        let id = c.body["results"][5]["id"].as_str().unwrap_or_default().to_owned();
        let card = app.get(&format!("/v1/clients/{id}"), &org.admin).await;
        assert_eq!(card.body["external_id"], "client-0005");
        assert_eq!(card.body["agent_id"], r.body["results"][5]["id"]);
        let pid = p.body["results"][5]["id"].as_str().unwrap_or_default().to_owned();
        let pol = app.get(&format!("/v1/policies/{pid}"), &org.admin).await;
        assert_eq!(pol.status, 200, "{}", pol.body);
    }
);

engine_test!(a_bad_record_is_rejected_alone_with_a_problem_naming_its_field, |app| {
    let org = make_org(&app).await;
    let crm = super::crm_token(
        &app,
        &org.admin,
        &["agents:write", "clients:write", "policies:write", "receipts:write"],
    )
    .await;
    let a = app
        .post(
            "/v1/agents:upsert",
            &crm,
            json!({"records": [
                {"external_id": "a-1", "name": "Li", "email": "li@crm.test", "team_id": org.team_a},
                {"external_id": "a-2", "name": "Wu", "email": "agent-a@test.local", "team_id": org.team_a},
                {"external_id": "a-3", "name": "Xu", "email": "xu@crm.test", "team_id": uuid::Uuid::now_v7()},
                {"external_id": "a-1", "name": "Li again", "email": "li2@crm.test", "team_id": org.team_a},
                {"external_id": "a-4", "name": "Ma", "email": "ma@crm.test", "team_id": org.team_b, "role": "admin"},
                {"external_id": "a-5", "name": "Off", "email": "off@crm.test", "team_id": org.team_b},
            ]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let st: Vec<&str> = a.body["results"]
        .as_array()
        .map(|x| x.iter().filter_map(|r| r["status"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        st,
        vec!["created", "rejected", "rejected", "rejected", "rejected", "created"],
        "{}",
        a.body
    );
    let pointer = |r: &Resp, i: usize| r.body["results"][i]["problem"]["errors"][0]["pointer"].clone();
    assert_eq!(pointer(&a, 1), "/records/1/email");
    assert_eq!(pointer(&a, 2), "/records/2/team_id");
    assert_eq!(pointer(&a, 3), "/records/3/external_id");
    assert!(
        pointer(&a, 4).as_str().is_some_and(|p| p.starts_with("/records/4")),
        "{}",
        a.body
    );
    assert!(a.body["results"][4]["problem"]["detail"]
        .as_str()
        .is_some_and(|d| d.contains("role")));
    assert_eq!(a.body["results"][1]["problem"]["code"], "validation_failed");
    assert_eq!(a.body["results"][1]["problem"]["status"], 422);
    // CRM agents have no password: they cannot sign in until an admin gives them one.
    app.login_full("li@crm.test", "")
        .await
        .assert_problem(422, "validation_failed");
    app.login_full("li@crm.test", "anything-at-all")
        .await
        .assert_problem(401, "unauthorized");

    // A client whose agent is unknown is refused; nothing else in the batch is lost.
    let c = app
        .post(
            "/v1/clients:upsert",
            &crm,
            json!({"records": [
                {"external_id": "c-1", "agent_external_id": "a-1", "name": "Wang", "phone": "+86 139 0000 1111"},
                {"external_id": "c-2", "agent_external_id": "nobody", "name": "Zhao"},
                {"external_id": "c-3", "agent_external_id": "a-5", "name": ""},
                {"external_id": "c-4", "agent_external_id": "a-5", "name": "Sun"},
                {"agent_external_id": "a-5", "name": "No id"},
            ]}),
        )
        .await;
    let st: Vec<&str> = c.body["results"]
        .as_array()
        .map(|x| x.iter().filter_map(|r| r["status"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        st,
        vec!["created", "rejected", "rejected", "created", "rejected"],
        "{}",
        c.body
    );
    assert_eq!(pointer(&c, 1), "/records/1/agent_external_id");
    assert_eq!(c.body["results"][1]["external_id"], "c-2");
    assert_eq!(pointer(&c, 2), "/records/2/name");
    assert_eq!(pointer(&c, 4), "/records/4/external_id");
    assert_eq!(
        super::count_where(&app, "SELECT COUNT(*) FROM clients WHERE external_id LIKE $1", "c-%").await,
        2
    );
    // A deactivated agent takes no new clients; deactivation comes from the CRM too.
    let off = app
        .post(
            "/v1/agents:upsert",
            &crm,
            json!({"records": [{"external_id": "a-5", "name": "Off", "email": "off@crm.test", "team_id": org.team_b, "active": false}]}),
        )
        .await;
    assert_eq!(off.body["results"][0]["status"], "updated", "{}", off.body);
    let user = app
        .get(
            &format!(
                "/v1/users/{}",
                off.body["results"][0]["id"].as_str().unwrap_or_default()
            ),
            &org.admin,
        )
        .await;
    assert_eq!(user.body["active"], false);
    let moved = app
        .post(
            "/v1/clients:upsert",
            &crm,
            json!({"records": [{"external_id": "c-1", "agent_external_id": "a-5", "name": "Wang"}]}),
        )
        .await;
    assert_eq!(pointer(&moved, 0), "/records/0/agent_external_id");

    // Policies: terms are fixed once recorded, references are checked (COM-1), numbers unique.
    let pol = |ext: &str, number: &str, client: &str, premium: i64| {
        json!({"external_id": ext, "number": number, "agent_external_id": "a-1", "client_external_id": client,
               "product": "Life", "premium_fen": premium, "commission_fen": 10, "printed_on": "2026-10-05",
               "effective_on": "2026-10-05"})
    };
    let p = app
        .post(
            "/v1/policies:upsert",
            &crm,
            json!({"records": [pol("p-1", "N-1", "c-1", 100), pol("p-2", "N-2", "c-4", 100), pol("p-3", "N-1", "c-1", 100)]}),
        )
        .await;
    let st: Vec<&str> = p.body["results"]
        .as_array()
        .map(|x| x.iter().filter_map(|r| r["status"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(st, vec!["created", "rejected", "rejected"], "{}", p.body);
    assert_eq!(pointer(&p, 1), "/records/1/client_external_id");
    assert_eq!(pointer(&p, 2), "/records/2/number");
    let repriced = app
        .post(
            "/v1/policies:upsert",
            &crm,
            json!({"records": [pol("p-1", "N-1", "c-1", 999)]}),
        )
        .await;
    assert_eq!(pointer(&repriced, 0), "/records/0/premium_fen");
    let taken = app
        .post(
            "/v1/policies:upsert",
            &crm,
            json!({"records": [pol("p-9", "N-1", "c-1", 100)]}),
        )
        .await;
    assert_eq!(pointer(&taken, 0), "/records/0/number");

    // Receipts: once per policy; the same again is unchanged, another refused.
    let rec = |ext: &str, policy: &str, day: &str| json!({"external_id": ext, "policy_external_id": policy, "returned_on": day});
    let r = app
        .post(
            "/v1/receipts:upsert",
            &crm,
            json!({"records": [rec("r-1", "p-1", "2026-10-09"), rec("r-2", "p-404", "2026-10-09"), rec("r-3", "p-1", "2026-10-10")]}),
        )
        .await;
    let st: Vec<&str> = r.body["results"]
        .as_array()
        .map(|x| x.iter().filter_map(|r| r["status"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(st, vec!["created", "rejected", "rejected"], "{}", r.body);
    assert_eq!(r.body["results"][0]["id"], p.body["results"][0]["id"]);
    assert_eq!(pointer(&r, 1), "/records/1/policy_external_id");
    assert_eq!(pointer(&r, 2), "/records/2/policy_external_id");
    let again = app
        .post(
            "/v1/receipts:upsert",
            &crm,
            json!({"records": [rec("r-1", "p-1", "2026-10-09")]}),
        )
        .await;
    assert_eq!(again.body["results"][0]["status"], "unchanged", "{}", again.body);
    let other = app
        .post(
            "/v1/receipts:upsert",
            &crm,
            json!({"records": [rec("r-7", "p-1", "2026-10-11")]}),
        )
        .await;
    assert_eq!(
        other.body["results"][0]["problem"]["code"], "receipt_already_recorded",
        "{}",
        other.body
    );
    assert_eq!(other.body["results"][0]["problem"]["status"], 409);
    let future = app
        .post(
            "/v1/policies:upsert",
            &crm,
            json!({"records": [pol("p-4", "N-4", "c-1", 100)]}),
        )
        .await;
    assert_eq!(future.body["results"][0]["status"], "created");
    let late = app
        .post(
            "/v1/receipts:upsert",
            &crm,
            json!({"records": [rec("r-4", "p-4", "2099-01-01")]}),
        )
        .await;
    assert_eq!(pointer(&late, 0), "/records/0/returned_on");
    let policy = app
        .get(
            &format!(
                "/v1/policies/{}",
                p.body["results"][0]["id"].as_str().unwrap_or_default()
            ),
            &org.admin,
        )
        .await;
    assert_eq!(policy.body["receipt_returned_on"], "2026-10-09", "{}", policy.body);

    // Whole-request limits.
    let many: Vec<Value> = (0..1001).map(|i| json!({"external_id": format!("x{i}")})).collect();
    app.post("/v1/clients:upsert", &crm, json!({"records": many}))
        .await
        .assert_field_error("/records");
    app.post("/v1/clients:upsert", &crm, json!({"records": []}))
        .await
        .assert_field_error("/records");
    app.post("/v1/clients:upsert", &crm, json!({"items": []}))
        .await
        .assert_problem(422, "validation_failed");
    let huge = "x".repeat(6 * 1024 * 1024);
    app.post("/v1/clients:upsert", &crm, json!({"records": [{"name": huge}]}))
        .await
        .assert_problem(413, "payload_too_large");
});

engine_test!(upsert_routes_with_a_colon_route_and_refuse_other_methods, |app| {
    let org = make_org(&app).await;
    for path in [
        "/v1/agents:upsert",
        "/v1/clients:upsert",
        "/v1/policies:upsert",
        "/v1/receipts:upsert",
    ] {
        let r = app.get(path, &org.admin).await;
        r.assert_problem(405, "method_not_allowed");
        assert_eq!(r.header("allow").as_deref(), Some("POST"), "{path}");
        app.call(Method::POST, path, None, Some(json!({"records": []})))
            .await
            .assert_problem(401, "unauthorized");
    }
    // `clients:upsert` is not taken for a client id.
    let r = app
        .post(
            "/v1/clients:upsert",
            &org.admin,
            json!({"records": [{"external_id": "c", "agent_external_id": "nobody", "name": "X"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["rejected"], 1);
});

engine_test!(
    two_instances_upserting_the_same_keys_never_duplicate_or_deadlock,
    |app| {
        let org = make_org(&app).await;
        let crm = super::crm_token(&app, &org.admin, &["agents:write", "clients:write"]).await;
        let a = app
            .post("/v1/agents:upsert", &crm, agents(&org.team_a, 20, |_| ""))
            .await;
        assert_eq!(a.body["created"], 20, "{}", a.body);
        let other = app.second_instance(|_| {}).await;
        let bases = [app.base.clone(), other.clone(), app.base.clone(), other];
        let mut tasks = Vec::new();
        for (k, base) in bases.into_iter().enumerate() {
            let client = app.client.clone();
            let crm = crm.clone();
            // Overlapping key sets, sent in different orders.
            let mut body = clients(300, 20, |_| "");
            if k % 2 == 1 {
                if let Some(list) = body["records"].as_array_mut() {
                    list.reverse();
                }
            }
            tasks.push(tokio::spawn(async move {
                let r = client
                    .post(format!("{base}/v1/clients:upsert"))
                    .bearer_auth(&crm)
                    .json(&body)
                    .send()
                    .await;
                match r {
                    Ok(r) => (r.status().as_u16(), r.json::<Value>().await.unwrap_or_default()),
                    Err(e) => (0, json!({"error": e.to_string()})),
                }
            }));
        }
        let mut created = 0;
        for t in tasks {
            let (status, body) = t.await.unwrap_or((0, Value::Null));
            assert_eq!(status, 200, "{body}");
            created += body["created"].as_u64().unwrap_or(0);
            assert_eq!(body["rejected"], 0, "{body}");
        }
        assert_eq!(created, 300, "each key created exactly once");
        assert_eq!(
            super::count_where(
                &app,
                "SELECT COUNT(*) FROM clients WHERE external_id LIKE $1",
                "client-%"
            )
            .await,
            300
        );
        assert_eq!(
            super::count_where(
                &app,
                "SELECT COUNT(*) FROM change_events WHERE type = $1",
                "client.created"
            )
            .await,
            300
        );
    }
);
