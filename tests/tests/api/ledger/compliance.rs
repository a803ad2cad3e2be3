//! The compliance view, month close and the supervisor dashboard.

use super::*;

engine_test!(
    quo_compliance_month_view_and_dashboard,
    |c| {
        clock(c);
    },
    |app| {
        let w = known_week(&app).await;
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        let c = app
            .get(
                &format!("/v1/agents/{}/compliance?month=2026-11", w.org.agent_a),
                &w.agent,
            )
            .await;
        assert_eq!(c.status, 200, "{}", c.body);
        let day = |n: usize| c.body["days"][n - 1].clone();
        assert_eq!(
            day(2)["face_visits"],
            json!({"counted": 3, "required": 3, "met": true, "short_by": 0})
        );
        assert_eq!(day(3)["face_visits"]["short_by"], 1);
        assert_eq!(day(3)["diary"], "late_filled");
        assert_eq!(
            day(4)["phone_services"],
            json!({"counted": 4, "required": 5, "met": false, "short_by": 1})
        );
        assert_eq!(day(4)["diary"], "missing");
        assert_eq!(day(5)["status"], "leave");
        assert_eq!(day(5)["face_visits"]["required"], 0);
        assert_eq!(day(8)["status"], "rest");
        assert_eq!(
            c.body["monthly"]["face_visits"],
            json!({"counted": 14, "required": 60, "met": false, "short_by": 46})
        );
        assert_eq!(c.body["monthly"]["phone_services"]["counted"], 24);
        app.get(&format!("/v1/agents/{}/compliance?month=nov", w.org.agent_a), &w.agent)
            .await
            .assert_field_error("/query/month");
        let cb = app
            .create_user(
                &w.org.admin,
                json!({"email": "cb@test.local", "name": "CB", "password": PASSWORD, "role": "callback_agent"}),
            )
            .await;
        assert!(!cb.is_empty());
        let cbt = app.login("cb@test.local", PASSWORD).await;
        app.get(&format!("/v1/agents/{}/compliance?month=2026-11", w.org.agent_a), &cbt)
            .await
            .assert_problem(403, "forbidden");
        // Close the month: compliance recorded; closing again changes nothing.
        app.set_clock(&sh("2026-12-04 12:00:00")).await;
        let m = app
            .post(
                "/v1/admin/jobs/close-month",
                &w.org.admin,
                json!({"branch_id": w.org.branch, "month": "2026-11"}),
            )
            .await;
        assert_eq!(m.status, 200, "{}", m.body);
        assert_eq!(m.body["closed_now"], true);
        assert_eq!(m.body["monthly_penalties_posted"], 0, "QUO-3: no money by default");
        let m2 = app
            .post(
                "/v1/admin/jobs/close-month",
                &w.org.admin,
                json!({"branch_id": w.org.branch, "month": "2026-11"}),
            )
            .await;
        assert_eq!(m2.body["closed_now"], false);
        assert_eq!(m2.body["days"]["penalties_posted"], 0);
        // The supervisor's dashboard.
        let sup = app.login("sup-a@test.local", PASSWORD).await;
        let d = app
            .get(&format!("/v1/teams/{}/dashboard?date=2026-11-06", w.org.team_a), &sup)
            .await;
        assert_eq!(d.status, 200, "{}", d.body);
        assert_eq!(d.body["agents"][0]["face_visits"]["counted"], 3);
        assert_eq!(d.body["agents"][0]["diary_status"], "submitted");
        assert_eq!(d.body["awaiting_review"][0]["date"], "2026-11-06");
        assert!(d.body["month_to_date_fen"].as_i64().unwrap_or(0) > 0);
        let sup_b = app.login("sup-b@test.local", PASSWORD).await;
        app.get(&format!("/v1/teams/{}/dashboard", w.org.team_a), &sup_b)
            .await
            .assert_problem(404, "not_found");
    }
);
