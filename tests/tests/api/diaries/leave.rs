//! Leave and the working calendar (TIME-2).

use super::*;

engine_test!(
    time_2_calendar_exceptions_and_leave_decide_which_days_need_a_diary,
    |c| {
        clock(c);
    },
    |app| {
        let org = make_org(&app).await;
        app.patch(
            &format!("/v1/branches/{}", org.branch),
            &org.admin,
            json!({"calendar_exceptions": [
                {"date": "2026-11-10", "kind": "holiday", "name": "Company day"},
                {"date": "2026-11-15", "kind": "working_day", "name": "Make-up day"}
            ]}),
        )
        .await;
        app.set_clock("2026-11-20T04:00:00Z").await;
        let agent = app.login("agent-a@test.local", PASSWORD).await;
        let a = org.agent_a.as_str();
        let sunday = app.get(&format!("/v1/diaries/{a}/2026-11-08"), &agent).await;
        sunday.assert_problem(404, "no_diary_required");
        app.get(&format!("/v1/diaries/{a}/2026-11-10"), &agent)
            .await
            .assert_problem(404, "no_diary_required");
        assert_eq!(
            app.get(&format!("/v1/diaries/{a}/2026-11-15"), &agent).await.status,
            200,
            "make-up Sunday"
        );
        // The holiday moves Monday's late-fill window to Wednesday's morning meeting.
        let mon = app.get(&format!("/v1/diaries/{a}/2026-11-09"), &agent).await;
        assert_eq!(mon.body["submission"]["next_working_day"], "2026-11-11");
        // Leave: requested by the agent, approved by their supervisor.
        let leave = app
            .post(
                "/v1/leave-requests",
                &agent,
                json!({"from": "2026-11-12", "to": "2026-11-13", "reason": "family"}),
            )
            .await;
        assert_eq!(leave.status, 201, "{}", leave.body);
        assert_eq!(
            app.get(&format!("/v1/diaries/{a}/2026-11-12"), &agent).await.status,
            200,
            "not approved yet"
        );
        let lp = format!("/v1/leave-requests/{}/approve", leave.id());
        app.call(Method::POST, &lp, Some(&agent), None)
            .await
            .assert_problem(403, "forbidden");
        let sup_b = app.login("sup-b@test.local", PASSWORD).await;
        app.call(Method::POST, &lp, Some(&sup_b), None)
            .await
            .assert_problem(404, "not_found");
        let sup_a = app.login("sup-a@test.local", PASSWORD).await;
        let ok = app.call(Method::POST, &lp, Some(&sup_a), None).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        assert_eq!(ok.body["status"], "approved");
        app.call(Method::POST, &lp, Some(&sup_a), None)
            .await
            .assert_problem(409, "already_decided");
        // The draft read before approval stays readable; an untouched leave day needs no diary.
        app.get(&format!("/v1/diaries/{a}/2026-11-13"), &agent)
            .await
            .assert_problem(404, "no_diary_required");
        let cal = app.get(&format!("/v1/agents/{a}/calendar?month=2026-11"), &sup_a).await;
        assert_eq!(cal.status, 200, "{}", cal.body);
        let status_of = |day: usize| {
            cal.body["days"][day - 1]["status"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(status_of(7), "working"); // Saturday
        assert_eq!(status_of(8), "rest");
        assert_eq!(status_of(10), "holiday");
        assert_eq!(status_of(13), "leave");
        assert_eq!(status_of(15), "working");
        assert_eq!(cal.body["days"].as_array().map(Vec::len), Some(30));
        assert_eq!(cal.body["time_zone"], "Asia/Shanghai");
        app.get(&format!("/v1/agents/{a}/calendar?month=2026-13"), &sup_a)
            .await
            .assert_field_error("/query/month");
        app.get(&format!("/v1/agents/{a}/calendar?month=2026-11"), &sup_b)
            .await
            .assert_problem(404, "not_found");
        app.post(
            "/v1/leave-requests",
            &agent,
            json!({"from": "2026-11-13", "to": "2026-11-12", "reason": "x"}),
        )
        .await
        .assert_field_error("/to");
        app.post(
            "/v1/leave-requests",
            &agent,
            json!({"from": "2026-11-13", "to": "2026-11-14", "reason": ""}),
        )
        .await
        .assert_field_error("/reason");
        app.post(
            "/v1/leave-requests",
            &sup_a,
            json!({"from": "2026-11-13", "to": "2026-11-14", "reason": "x"}),
        )
        .await
        .assert_problem(403, "forbidden");
        let rejected = app
            .post(
                "/v1/leave-requests",
                &agent,
                json!({"from": "2026-11-16", "to": "2026-11-16", "reason": "x"}),
            )
            .await;
        let r = app
            .post(
                &format!("/v1/leave-requests/{}/reject", rejected.id()),
                &sup_a,
                json!({"comment": "busy week"}),
            )
            .await;
        assert_eq!(r.body["status"], "rejected");
        assert_eq!(
            app.get(&format!("/v1/diaries/{a}/2026-11-16"), &agent).await.status,
            200
        );
        let mine = app.get("/v1/leave-requests", &agent).await;
        assert_eq!(mine.body["items"].as_array().map(Vec::len), Some(2));
    }
);
