//! Voiding, listing, business days and the today view.

use super::*;

engine_test!(
    act_5_voiding_own_activity_of_the_day,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        let v = visit(&f.client, "2026-11-03T03:00:00Z");
        let id = v["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(app.post("/v1/activities", &f.agent, v).await.status, 201);
        let path = format!("/v1/activities/{id}/void");
        app.post(&path, &f.agent, json!({})).await.assert_field_error("/reason");
        let agent_b = app.login("agent-b@test.local", PASSWORD).await;
        app.post(&path, &agent_b, json!({"reason": "mine now"}))
            .await
            .assert_problem(404, "not_found");
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        app.post(&path, &sup, json!({"reason": "no"}))
            .await
            .assert_problem(403, "forbidden");
        let r = app.post(&path, &f.agent, json!({"reason": "logged twice"})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["voided"]["reason"], "logged twice");
        app.post(&path, &f.agent, json!({"reason": "again"}))
            .await
            .assert_problem(409, "already_voided");
        let today = app.get("/v1/agents/me/today", &f.agent).await;
        assert_eq!(today.body["face_visits"]["counted"], 0);
        assert_eq!(today.body["not_counted"][0]["reason"], "voided");
        assert_eq!(app.count("activities").await, 1, "voiding deletes nothing");
        // AUD-1: its creation and its voiding.
        assert_eq!(super::org::audit_count(&app, "activity", &id).await, 2);

        // Tomorrow the agent can no longer void yesterday's activity; the quality office can.
        let v2 = visit(&f.client, "2026-11-03T03:30:00Z");
        let id2 = v2["id"].as_str().unwrap_or_default().to_owned();
        assert_eq!(app.post("/v1/activities", &f.agent, v2).await.status, 201);
        app.set_clock("2026-11-04T04:00:00Z").await;
        app.post(
            &format!("/v1/activities/{id2}/void"),
            &f.agent,
            json!({"reason": "late"}),
        )
        .await
        .assert_problem(409, "not_current_business_day");
        app.create_user(
            &f.org.admin,
            json!({"email": "q@test.local", "name": "Q", "password": PASSWORD, "role": "quality_officer"}),
        )
        .await;
        let q = app.login("q@test.local", PASSWORD).await;
        let r = app
            .post(
                &format!("/v1/activities/{id2}/void"),
                &q,
                json!({"reason": "correction"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
);

engine_test!(
    listing_filters_paginates_and_binds_cursor,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        let mut items: Vec<serde_json::Value> = (0..5)
            .map(|i| visit(&f.client, &format!("2026-11-03T0{}:00:00Z", i)))
            .collect();
        items.extend((0..3).map(|i| call(&f.client2, &format!("2026-11-03T0{}:30:00Z", i), 60)));
        assert_eq!(
            app.post("/v1/activities:batch", &f.agent, json!({"items": items}))
                .await
                .body["created"],
            8
        );
        let mut seen = Vec::new();
        let mut path = "/v1/activities?kind=face_visit&limit=2".to_owned();
        loop {
            let page = app.get(&path, &f.agent).await;
            assert_eq!(page.status, 200, "{}", page.body);
            for it in page.body["items"].as_array().cloned().unwrap_or_default() {
                assert_eq!(it["kind"], "face_visit");
                seen.push(it["occurred_at"].as_str().unwrap_or_default().to_owned());
            }
            match page.body["next_cursor"].as_str() {
                Some(c) => path = format!("/v1/activities?kind=face_visit&limit=2&cursor={c}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), 5);
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.reverse();
        assert_eq!(seen, sorted, "newest first");
        let page = app.get("/v1/activities?kind=face_visit&limit=2", &f.agent).await;
        let cursor = page.body["next_cursor"].as_str().unwrap_or_default().to_owned();
        app.get(
            &format!("/v1/activities?kind=phone_service&limit=2&cursor={cursor}"),
            &f.agent,
        )
        .await
        .assert_field_error("/query/cursor");
        let by_client = app
            .get(&format!("/v1/activities?client_id={}", f.client2), &f.agent)
            .await;
        assert_eq!(by_client.body["items"].as_array().map(Vec::len), Some(3));
        let days = app.get("/v1/activities?from=2026-11-04&to=2026-11-05", &f.agent).await;
        assert_eq!(days.body["items"].as_array().map(Vec::len), Some(0));
        app.get("/v1/activities?from=2026-11-05&to=2026-11-04", &f.agent)
            .await
            .assert_field_error("/query/from");
        app.get("/v1/activities?kind=lunch", &f.agent)
            .await
            .assert_field_error("/query");
        app.get("/v1/activities?limit=0", &f.agent)
            .await
            .assert_field_error("/query/limit");
        app.create_user(
            &f.org.admin,
            json!({"email": "cb@test.local", "name": "CB", "password": PASSWORD, "role": "callback_agent"}),
        )
        .await;
        let cb = app.login("cb@test.local", PASSWORD).await;
        app.get("/v1/activities", &cb).await.assert_problem(403, "forbidden");
        let id = items[0]["id"].as_str().unwrap_or_default();
        let one = app.get(&format!("/v1/activities/{id}"), &f.agent).await;
        let etag = one.header("etag").unwrap_or_default();
        let cached = app
            .send(
                app.client
                    .get(format!("{}/v1/activities/{id}", app.base))
                    .bearer_auth(&f.agent)
                    .header("if-none-match", etag),
            )
            .await;
        assert_eq!(cached.status, 304);
    }
);

engine_test!(
    time_1_business_day_follows_the_branch_zone,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        // 2026-11-03T17:30Z is 01:30 on the 4th in Shanghai.
        app.set_clock("2026-11-03T17:40:00Z").await;
        let late = visit(&f.client, "2026-11-03T17:30:00Z");
        let r = app.post("/v1/activities", &f.agent, late).await;
        assert_eq!(r.body["business_day"], "2026-11-04");
        app.patch(
            &format!("/v1/branches/{}", f.org.branch),
            &f.org.admin,
            json!({"time_zone": "Europe/London"}),
        )
        .await;
        let r = app
            .post("/v1/activities", &f.agent, visit(&f.client, "2026-11-03T17:31:00Z"))
            .await;
        assert_eq!(r.body["business_day"], "2026-11-03");
        let today = app.get("/v1/agents/me/today", &f.agent).await;
        assert_eq!(today.body["time_zone"], "Europe/London");
        assert_eq!(today.body["business_day"], "2026-11-03");
    }
);

engine_test!(
    time_2_rest_day_requires_nothing,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        app.set_clock("2026-11-08T04:00:00Z").await; // a Sunday
        let today = app.get("/v1/agents/me/today", &f.agent).await;
        assert_eq!(today.body["working_day"], false);
        assert_eq!(today.body["face_visits"]["required"], 0);
        assert_eq!(today.body["phone_services"]["remaining"], 0);
    }
);

engine_test!(test_clock_exists_only_when_enabled, |app| {
    app.call(Method::PUT, "/v1/test/clock", None, Some(json!({"now": NOON})))
        .await
        .assert_problem(404, "not_found");
});

engine_test!(
    listing_days_outside_the_calendar_are_invalid_not_a_storage_error,
    |app| {
        let _org = make_org(&app).await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        // PostgreSQL stores no date before 4713 BC; such a filter once reached it and failed.
        for (q, pointer) in [
            ("from=-100000-01-01", "/query/from"),
            ("to=-4800-01-01", "/query/to"),
            ("from=0000-12-31", "/query/from"),
        ] {
            app.get(&format!("/v1/activities?{q}"), &agent)
                .await
                .assert_field_error(pointer);
        }
        let ok = app.get("/v1/activities?from=0001-01-01&to=9999-12-31", &agent).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
    }
);

engine_test!(
    a_supervisors_team_list_pages_in_order_exactly_once,
    |c| {
        clock(c);
    },
    |app| {
        // Issue 19: the team listing reads each member's newest rows and merges them; paging
        // must still see every team row once, newest first, and nothing of another team.
        let f = fixture(&app).await;
        app.create_user(
            &f.org.admin,
            json!({"email": "agent-a2@test.local", "name": "Agent A2", "password": PASSWORD,
                   "role": "agent", "team_id": f.org.team_a}),
        )
        .await;
        let a2 = app.login("agent-a2@test.local", PASSWORD).await;
        let b = app.login("agent-b@test.local", PASSWORD).await;
        let client_of = |r: Resp| {
            assert_eq!(r.status, 201, "{}", r.body);
            r.id()
        };
        let c2 = client_of(app.post("/v1/clients", &a2, json!({"name": "Zhao"})).await);
        let cb = client_of(app.post("/v1/clients", &b, json!({"name": "Qian"})).await);
        let mut team_ids = Vec::new();
        // Same instants across agents, so the order also rests on the id tie-break.
        for (token, client, hours) in [(&f.agent, &f.client, [1, 2, 3, 3]), (&a2, &c2, [0, 1, 3, 4])] {
            let items: Vec<Value> = hours
                .iter()
                .map(|h| visit(client, &format!("2026-11-03T0{h}:00:00Z")))
                .collect();
            team_ids.extend(items.iter().map(|i| i["id"].as_str().unwrap_or_default().to_owned()));
            let r = app.post("/v1/activities:batch", token, json!({"items": items})).await;
            assert_eq!(r.body["created"], 4, "{}", r.body);
        }
        let other = json!({"items": [visit(&cb, "2026-11-03T04:00:00Z"), visit(&cb, "2026-11-03T02:00:00Z")]});
        assert_eq!(app.post("/v1/activities:batch", &b, other).await.body["created"], 2);

        let sup = app.login("sup-a@test.local", PASSWORD).await;
        let mut seen: Vec<(String, String)> = Vec::new();
        let mut path = "/v1/activities?limit=3".to_owned();
        loop {
            let page = app.get(&path, &sup).await;
            assert_eq!(page.status, 200, "{}", page.body);
            for it in page.body["items"].as_array().cloned().unwrap_or_default() {
                seen.push((
                    it["occurred_at"].as_str().unwrap_or_default().to_owned(),
                    it["id"].as_str().unwrap_or_default().to_owned(),
                ));
            }
            match page.body["next_cursor"].as_str() {
                Some(c) => path = format!("/v1/activities?limit=3&cursor={c}"),
                None => break,
            }
        }
        let mut expected = seen.clone();
        expected.sort();
        expected.reverse();
        assert_eq!(seen, expected, "newest first, ties by id descending");
        let mut got: Vec<String> = seen.into_iter().map(|(_, id)| id).collect();
        got.sort();
        team_ids.sort();
        assert_eq!(got, team_ids, "exactly the team's rows, once each");
        // Narrowed to one member.
        let one = app
            .get(&format!("/v1/activities?agent_id={}&limit=50", f.org.agent_a), &sup)
            .await;
        assert_eq!(one.body["items"].as_array().map(Vec::len), Some(4), "{}", one.body);
    }
);
