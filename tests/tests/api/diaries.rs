use super::*;

mod leave;
mod spot_checks;

fn clock(c: &mut api::config::Config) {
    c.test_clock = true;
}

/// Reads (creating) and submits `agent`'s diary of `date` at server time `at`.
async fn submit_at(app: &TestApp, token: &str, agent: &str, date: &str, at: &str) -> serde_json::Value {
    app.set_clock(at).await;
    let path = format!("/v1/diaries/{agent}/{date}");
    let r = app.get(&path, token).await;
    assert_eq!(r.status, 200, "{date}: {}", r.body);
    let s = app
        .call(Method::POST, &format!("{path}/submit"), Some(token), None)
        .await;
    assert_eq!(s.status, 200, "{date}: {}", s.body);
    s.body
}

engine_test!(
    dia_3_submission_boundaries_in_a_non_utc_branch,
    |c| {
        clock(c);
    },
    |app| {
        let org = make_org(&app).await; // Asia/Shanghai, UTC+8, meetings 08:30–09:30 and 17:30–18:30
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        let a = org.agent_a.as_str();
        // (diary day, server time of first submission, expected class, flagged late)
        let cases = [
            ("2026-11-02", "2026-11-02T15:59:58Z", "on_time", false), // 23:59:58, 1 s before the deadline
            ("2026-11-03", "2026-11-03T16:00:00Z", "late_filled", false), // 00:00:00, 1 s after it
            ("2026-11-04", "2026-11-05T00:29:59Z", "late_filled", false), // 08:29:59, 1 s before the meeting
            ("2026-11-05", "2026-11-06T00:30:01Z", "late_filled", false), // 08:30:01, 1 s into it
            ("2026-11-06", "2026-11-07T01:29:59Z", "late_filled", false), // 09:29:59, 1 s before its end
            ("2026-11-07", "2026-11-09T01:30:01Z", "missing", true),  // Saturday's diary: Monday 09:30:01
        ];
        for (date, at, class, late) in cases {
            let d = submit_at(&app, &agent, a, date, at).await;
            assert_eq!(
                d["submission"]["timeliness"], class,
                "{date} at {at}: {}",
                d["submission"]
            );
            assert_eq!(d["submission"]["late"], late, "{date}");
            assert_eq!(d["status"], "submitted");
        }
        // The deadlines shown are the ones that decided.
        app.set_clock("2026-11-20T04:00:00Z").await;
        let sat = app.get(&format!("/v1/diaries/{a}/2026-11-07"), &agent).await;
        assert_eq!(sat.body["submission"]["next_working_day"], "2026-11-09");
        assert_eq!(sat.body["submission"]["morning_meeting_ends"], "2026-11-09T01:30:00Z");
        assert_eq!(sat.body["submission"]["decided_by"], "2026-11-09T01:30:00Z");
        let mon = app.get(&format!("/v1/diaries/{a}/2026-11-02"), &agent).await;
        assert_eq!(mon.body["submission"]["on_time_by"], "2026-11-02T15:59:59Z");
        // Never submitted and past the next morning meeting: missing.
        let never = app.get(&format!("/v1/diaries/{a}/2026-11-10"), &agent).await;
        assert_eq!(never.body["submission"]["timeliness"], "missing");
        assert_eq!(never.body["status"], "draft");
    }
);

engine_test!(
    dia_4_review_one_second_late_counts_as_late,
    |c| {
        clock(c);
    },
    |app| {
        let org = make_org(&app).await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        let a = org.agent_a.as_str();
        // Submitted Monday 22:00 local: review due at Tuesday's evening meeting end, 18:30 local.
        let d1 = submit_at(&app, &agent, a, "2026-11-02", "2026-11-02T14:00:00Z").await;
        assert_eq!(d1["review"]["deadline"], "2026-11-03T10:30:00Z");
        assert_eq!(d1["review"]["timeliness"], "pending");
        let d2 = submit_at(&app, &agent, a, "2026-11-03", "2026-11-03T14:00:00Z").await;
        assert_eq!(d2["review"]["deadline"], "2026-11-04T10:30:00Z");
        app.set_clock("2026-11-03T10:30:01Z").await;
        let late = app
            .call(
                Method::POST,
                &format!("/v1/diaries/{a}/2026-11-02/approve"),
                Some(&sup),
                None,
            )
            .await;
        assert_eq!(late.status, 200, "{}", late.body);
        assert_eq!(late.body["review"]["timeliness"], "late");
        assert_eq!(late.body["status"], "approved");
        app.set_clock("2026-11-04T10:29:59Z").await;
        let ok = app
            .post(
                &format!("/v1/diaries/{a}/2026-11-03/approve"),
                &sup,
                json!({"comment": "good plan"}),
            )
            .await;
        assert_eq!(ok.body["review"]["timeliness"], "on_time");
        // Not reviewed by the deadline: overdue.
        submit_at(&app, &agent, a, "2026-11-04", "2026-11-04T14:00:00Z").await;
        app.set_clock("2026-11-05T10:30:01Z").await;
        let overdue = app.get(&format!("/v1/diaries/{a}/2026-11-04"), &sup).await;
        assert_eq!(overdue.body["review"]["timeliness"], "overdue");
    }
);

engine_test!(
    dia_2_who_may_do_what,
    |c| {
        clock(c);
    },
    |app| {
        let org = make_org(&app).await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        let a = org.agent_a.as_str();
        app.set_clock("2026-11-03T12:00:00Z").await;
        let path = format!("/v1/diaries/{a}/2026-11-03");
        let draft = app.get(&path, &agent).await;
        assert_eq!(draft.body["status"], "draft");
        let etag = draft.header("etag").unwrap_or_default();
        let edit = |tag: Option<&str>, notes: &str| {
            let mut r = app.client.put(format!("{}{path}", app.base)).bearer_auth(&agent).json(&json!({
            "notes": notes, "tomorrow_plan": {"planned_visits": [{"name": "Mr Zhao", "time": "10:00"}], "text": "calls"}
        }));
            if let Some(t) = tag {
                r = r.header("if-match", t.to_owned());
            }
            r
        };
        app.send(edit(None, "x")).await.assert_problem(428, "if_match_required");
        // Two devices read the same draft; the second write is refused, not silently lost.
        let first = app.send(edit(Some(&etag), "from the phone")).await;
        assert_eq!(first.status, 200, "{}", first.body);
        app.send(edit(Some(&etag), "from the tablet"))
            .await
            .assert_problem(412, "stale_version");
        let now = app.get(&path, &agent).await;
        assert_eq!(now.body["notes"], "from the phone");
        assert_eq!(now.body["tomorrow_plan"]["planned_visits"][0]["name"], "Mr Zhao");
        // Bad plans and writable status are refused.
        let tag = now.header("etag").unwrap_or_default();
        let bad = app.send(app.client.put(format!("{}{path}", app.base)).bearer_auth(&agent).header("if-match", tag.clone())
        .json(&json!({"notes": "", "tomorrow_plan": {"planned_calls": [{"client_id": uuid::Uuid::new_v4(), "time": "25:00"}]}}))).await;
        bad.assert_field_error("/tomorrow_plan/planned_calls/0/client_id");
        bad.assert_field_error("/tomorrow_plan/planned_calls/0/time");
        let status_write = app
            .send(
                app.client
                    .put(format!("{}{path}", app.base))
                    .bearer_auth(&agent)
                    .header("if-match", tag.clone())
                    .json(&json!({"notes": "", "tomorrow_plan": {}, "status": "approved"})),
            )
            .await;
        status_write.assert_field_error("/status");
        // Only the owner writes; only a reviewer reviews.
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        let sup_b = app.login("sup-b@test.local", PASSWORD).await;
        let agent_b = app.login("agent-b@test.local", PASSWORD).await;
        app.call(Method::POST, &format!("{path}/submit"), Some(&sup), None)
            .await
            .assert_problem(403, "forbidden");
        app.get(&path, &agent_b).await.assert_problem(404, "not_found");
        app.get(&path, &sup_b).await.assert_problem(404, "not_found");
        app.call(Method::POST, &format!("{path}/approve"), Some(&agent), None)
            .await
            .assert_problem(403, "forbidden");
        app.call(Method::POST, &format!("{path}/approve"), Some(&sup), None)
            .await
            .assert_problem(409, "invalid_transition");
        let submitted = app
            .call(Method::POST, &format!("{path}/submit"), Some(&agent), None)
            .await;
        assert_eq!(submitted.status, 200, "{}", submitted.body);
        app.send(edit(submitted.header("etag").as_deref(), "after submit"))
            .await
            .assert_problem(409, "diary_not_editable");
        app.call(Method::POST, &format!("{path}/submit"), Some(&agent), None)
            .await
            .assert_problem(409, "invalid_transition");
        app.call(Method::POST, &format!("{path}/approve"), Some(&agent), None)
            .await
            .assert_problem(403, "forbidden");
        app.call(Method::POST, &format!("{path}/approve"), Some(&sup_b), None)
            .await
            .assert_problem(404, "not_found");
        app.call(Method::POST, &format!("{path}/return"), Some(&sup), None)
            .await
            .assert_field_error("/comment");
        app.post(&format!("{path}/return"), &sup, json!({"comment": "  "}))
            .await
            .assert_field_error("/comment");
        let returned = app
            .post(
                &format!("{path}/return"),
                &sup,
                json!({"comment": "add the afternoon calls"}),
            )
            .await;
        assert_eq!(returned.status, 200, "{}", returned.body);
        assert_eq!(returned.body["status"], "returned");
        // Corrected and resubmitted; then approved by an admin.
        let fixed = app
            .send(edit(returned.header("etag").as_deref(), "with the afternoon calls"))
            .await;
        assert_eq!(fixed.status, 200, "{}", fixed.body);
        let again = app
            .call(Method::POST, &format!("{path}/submit"), Some(&agent), None)
            .await;
        assert_eq!(again.body["status"], "submitted");
        // The first submission still decides timeliness.
        assert_eq!(
            again.body["submission"]["first_submitted_at"],
            submitted.body["submission"]["first_submitted_at"]
        );
        let approved = app
            .call(Method::POST, &format!("{path}/approve"), Some(&org.admin), None)
            .await;
        assert_eq!(approved.body["status"], "approved");
        let actions: Vec<&str> = approved.body["history"]
            .as_array()
            .map(|h| h.iter().filter_map(|e| e["action"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(actions, vec!["submit", "return", "submit", "approve"]);
        assert_eq!(approved.body["history"][1]["comment"], "add the afternoon calls");
        assert_eq!(approved.body["history"][1]["actor_id"], org.sup_a.as_str());
        assert_eq!(approved.body["history"][0]["at"], "2026-11-03T12:00:00Z");
        // A future day has no diary yet.
        app.get(&format!("/v1/diaries/{a}/2026-11-04"), &agent)
            .await
            .assert_field_error("/path/date");
        app.get(&format!("/v1/diaries/{a}/not-a-date"), &agent)
            .await
            .assert_problem(400, "invalid_path_parameter");
    }
);

engine_test!(
    dia_1_summary_prefilled_and_frozen_at_submission,
    |c| {
        clock(c);
    },
    |app| {
        let org = make_org(&app).await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        app.set_clock("2026-11-03T12:00:00Z").await;
        let client = app.post("/v1/clients", &agent, json!({"name": "Wang"})).await.id();
        let visit =
            |t: &str| json!({"id": uuid::Uuid::now_v7(), "kind": "face_visit", "occurred_at": t, "client_id": client});
        let call = json!({"id": uuid::Uuid::now_v7(), "kind": "phone_service", "occurred_at": "2026-11-03T03:00:00Z", "client_id": client, "details": {"duration_seconds": 60, "purpose": "client_greeting"}});
        app.post(
            "/v1/activities:batch",
            &agent,
            json!({"items": [visit("2026-11-03T02:00:00Z"), visit("2026-11-03T03:00:00Z"), call]}),
        )
        .await;
        let path = format!("/v1/diaries/{}/2026-11-03", org.agent_a);
        let d = app.get(&path, &agent).await;
        assert_eq!(d.body["summary"]["face_visits"]["count"], 2);
        assert_eq!(d.body["summary"]["phone_services"]["count"], 1);
        assert_eq!(d.body["summary"]["renewal_collections"]["count"], 0);
        app.call(Method::POST, &format!("{path}/submit"), Some(&agent), None)
            .await;
        app.post("/v1/activities", &agent, visit("2026-11-03T04:00:00Z")).await;
        let after = app.get(&path, &agent).await;
        assert_eq!(after.body["summary"]["face_visits"]["count"], 2, "frozen at submission");
    }
);

engine_test!(
    supervisor_queue_and_bulk_approval,
    |c| {
        clock(c);
    },
    |app| {
        let org = make_org(&app).await;
        let extra = app.create_user(&org.admin, json!({"email": "agent-a2@test.local", "name": "Agent a2", "password": PASSWORD, "role": "agent", "team_id": org.team_a})).await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        let agent2 = app.login("agent-a2@test.local", PASSWORD).await;
        let third = app.create_user(&org.admin, json!({"email": "agent-a3@test.local", "name": "Agent a3", "password": PASSWORD, "role": "agent", "team_id": org.team_a})).await;
        submit_at(&app, &agent2, &extra, "2026-11-03", "2026-11-03T10:00:00Z").await;
        submit_at(&app, &agent, &org.agent_a, "2026-11-03", "2026-11-03T15:00:00Z").await;
        app.set_clock("2026-11-04T02:00:00Z").await;
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        let q = app
            .get(&format!("/v1/teams/{}/diaries?date=2026-11-03", org.team_a), &sup)
            .await;
        assert_eq!(q.status, 200, "{}", q.body);
        let items = q.body["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 3);
        assert_eq!(items[0]["status"], "submitted");
        assert_eq!(items[1]["status"], "submitted");
        assert_eq!(items[2]["agent_id"], third.as_str());
        assert_eq!(items[2]["status"], "not_started");
        assert_eq!(
            items[2]["submission"], "missing",
            "10:00 local: past the morning meeting"
        );
        let only = app
            .get(
                &format!("/v1/teams/{}/diaries?date=2026-11-03&status=submitted", org.team_a),
                &sup,
            )
            .await;
        assert_eq!(only.body["items"].as_array().map(Vec::len), Some(2));
        app.get(&format!("/v1/teams/{}/diaries?date=2026-11-03", org.team_b), &sup)
            .await
            .assert_problem(404, "not_found");
        app.get(&format!("/v1/teams/{}/diaries?date=2026-11-03", org.team_a), &agent)
            .await
            .assert_problem(403, "forbidden");
        app.get(&format!("/v1/teams/{}/diaries", org.team_a), &sup)
            .await
            .assert_field_error("/query");
        let bulk = app
            .post(
                &format!("/v1/teams/{}/diaries:approve", org.team_a),
                &sup,
                json!({"diaries": [
                    {"agent_id": org.agent_a, "date": "2026-11-03"},
                    {"agent_id": extra, "date": "2026-11-03"},
                    {"agent_id": third, "date": "2026-11-03"},
                    {"agent_id": org.agent_b, "date": "2026-11-03"}
                ]}),
            )
            .await;
        assert_eq!(bulk.status, 200, "{}", bulk.body);
        let st: Vec<&str> = bulk.body["results"]
            .as_array()
            .map(|r| r.iter().filter_map(|x| x["status"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(st, vec!["approved", "approved", "rejected", "rejected"]);
        assert_eq!(bulk.body["results"][2]["problem"]["code"], "invalid_transition");
        assert_eq!(bulk.body["results"][3]["problem"]["status"], 404);
    }
);
