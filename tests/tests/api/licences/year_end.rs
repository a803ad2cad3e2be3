//! LIC-3: the lapse on 1 January (Asia/Shanghai) and its reinstatement, and the reminders
//! from 1 October, each written exactly once.

use super::*;

engine_test!(
    lic_3_thirty_hours_lapse_on_1_january_and_hr_reinstates_after_six_more,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app, "2026-06-01 10:00").await;
        license_agent(&app, &w.hr, &w.org.agent_a).await;
        license_agent(&app, &w.hr, &w.org.agent_b).await;
        hr_course(&app, &w, &w.org.agent_a, "2026-05-10", 300).await;
        hr_course(&app, &w, &w.org.agent_b, "2026-05-11", 360).await;
        let client_a = client_of(&app, &w.agent_a, "Zhao").await;
        let client_b = client_of(&app, &w.agent_b, "Qian").await;

        // 31 December 23:59 in Shanghai (15:59Z): still licensed, the year is not over.
        app.set_clock(&sh("2026-12-31 23:59")).await;
        assert_eq!(sell(&app, &w, &w.org.agent_a, &client_a, "P-1").await.status, 201);
        assert_eq!(run_job(&app, &w).await["lapses_recorded"], 0);
        let p = app.get(&licence_path(&w.org.agent_a), &w.hr).await;
        assert_eq!(p.body["ce"]["missing_tenths"], 60, "{}", p.body);

        // 1 January 00:00 local (still 31 December in UTC): lapsed at once, even before the job.
        app.set_clock(&sh("2027-01-01 00:00")).await;
        let r = sell(&app, &w, &w.org.agent_a, &client_a, "P-2").await;
        r.assert_problem(422, "agent_not_licensed");
        let detail = r.body["detail"].as_str().unwrap_or_default();
        for part in ["lapsed on 2027-01-01", "30.0 of 36.0", "2026"] {
            assert!(detail.contains(part), "{part} in {detail}");
        }
        assert_eq!(sell(&app, &w, &w.org.agent_b, &client_b, "P-3").await.status, 201);

        // The job records the lapse once and tells the agent and their supervisor.
        let first = run_job(&app, &w).await;
        assert_eq!(first["lapses_recorded"], 1, "{first}");
        assert_eq!(run_job(&app, &w).await["lapses_recorded"], 0);
        let lapsed = notices(&app, &w.agent_a, "licence_lapsed").await;
        assert_eq!(lapsed.len(), 1, "{lapsed:?}");
        assert_eq!(lapsed[0]["payload"]["lapsed_on"], "2027-01-01");
        assert_eq!(notices(&app, &w.sup_a, "licence_lapsed").await.len(), 1);
        assert!(notices(&app, &w.agent_b, "licence_lapsed").await.is_empty());
        let p = app.get(&licence_path(&w.org.agent_a), &w.agent_a).await;
        assert_eq!(p.body["status"], "lapsed", "{}", p.body);
        assert_eq!(p.body["status_since"], "2027-01-01");
        assert_eq!(p.body["lapses"][0]["year"], 2026);
        assert_eq!(p.body["previous_year_ce"]["missing_tenths"], 60);
        let b = app.get(&licence_path(&w.org.agent_b), &w.hr).await;
        assert_eq!(
            (b.body["status"].clone(), b.body["lapses"].clone()),
            (json!("licensed"), json!([]))
        );

        // The yearly report counts the lapse.
        let report = app.get("/v1/licences/report?year=2027", &w.hr).await;
        let total = report.body["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["team_id"].is_null()).cloned())
            .unwrap_or_default();
        assert_eq!(
            (total["licensed"].clone(), total["lapsed"].clone()),
            (json!(1), json!(1)),
            "{total}"
        );

        // Reinstatement needs the missing hours confirmed; only HR and admins reinstate.
        let reinstate = format!("{}/reinstate", licence_path(&w.org.agent_a));
        app.call(Method::POST, &reinstate, Some(&w.hr), None)
            .await
            .assert_problem(409, "ce_hours_missing");
        app.set_clock(&sh("2027-01-03 10:00")).await;
        let six = app
            .post(
                &courses_path(&w.org.agent_a),
                &w.agent_a,
                json!({"taken_on": "2026-12-20", "hours_tenths": 60, "provider": "Insurance Institute",
                       "evidence_ref": "att-9"}),
            )
            .await;
        assert_eq!(six.status, 201, "{}", six.body);
        let r = app.call(Method::POST, &reinstate, Some(&w.hr), None).await;
        r.assert_problem(409, "ce_hours_missing");
        assert!(r.body["detail"].as_str().unwrap_or_default().contains("30.0 of 36.0"));
        let confirm = format!("{}/{}/confirm", courses_path(&w.org.agent_a), six.id());
        assert_eq!(app.call(Method::POST, &confirm, Some(&w.hr), None).await.status, 200);
        for token in [&w.agent_a, &w.sup_a] {
            app.call(Method::POST, &reinstate, Some(token), None)
                .await
                .assert_problem(403, "forbidden");
        }
        let back = app.call(Method::POST, &reinstate, Some(&w.hr), None).await;
        assert_eq!(back.status, 200, "{}", back.body);
        assert_eq!(back.body["status"], "licensed");
        assert_eq!(back.body["lapses"][0]["reinstated_on"], "2027-01-03");
        assert_eq!(sell(&app, &w, &w.org.agent_a, &client_a, "P-2").await.status, 201);
        app.call(Method::POST, &reinstate, Some(&w.hr), None)
            .await
            .assert_problem(409, "not_lapsed");
        // The lapse happened exactly once: later runs never lapse the year again.
        assert_eq!(run_job(&app, &w).await["lapses_recorded"], 0);
        assert_eq!(
            app.get(&licence_path(&w.org.agent_a), &w.hr).await.body["status"],
            "licensed"
        );
        // Agent b, who did all 36 hours, was never touched.
        app.call(
            Method::POST,
            &format!("{}/reinstate", licence_path(&w.org.agent_b)),
            Some(&w.hr),
            None,
        )
        .await
        .assert_problem(409, "not_lapsed");
    }
);

engine_test!(
    lic_3_reminders_from_1_october_below_pace_once_a_month_then_weekly,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app, "2026-06-01 10:00").await;
        license_agent(&app, &w.hr, &w.org.agent_a).await;
        license_agent(&app, &w.hr, &w.org.agent_b).await;
        hr_course(&app, &w, &w.org.agent_a, "2026-05-10", 100).await;
        hr_course(&app, &w, &w.org.agent_b, "2026-05-11", 300).await;

        app.set_clock(&sh("2026-09-30 12:00")).await;
        assert_eq!(run_job(&app, &w).await["reminders_sent"], 0);

        // 1 October: pace is 26.9 of 36 hours; 10 hours are below it, 30 are not.
        app.set_clock(&sh("2026-10-01 09:00")).await;
        assert_eq!(
            run_job(&app, &w).await["reminders_sent"],
            2,
            "agent a and their supervisor"
        );
        let mine = notices(&app, &w.agent_a, "ce_reminder").await;
        assert_eq!(mine.len(), 1, "{mine:?}");
        assert_eq!(mine[0]["payload"]["confirmed_tenths"], 100);
        assert_eq!(mine[0]["payload"]["pace_tenths"], 269);
        assert_eq!(mine[0]["payload"]["missing_tenths"], 260);
        let sup = notices(&app, &w.sup_a, "ce_reminder").await;
        assert_eq!(sup.len(), 1);
        assert_eq!(sup[0]["payload"]["agent_id"], w.org.agent_a.as_str());
        assert!(notices(&app, &w.agent_b, "ce_reminder").await.is_empty());
        assert!(notices(&app, &w.sup_b, "ce_reminder").await.is_empty());

        // HR's view lists the agents below pace with the hours missing.
        let below = app.get("/v1/licences/below-pace", &w.hr).await;
        assert_eq!(below.status, 200, "{}", below.body);
        let items = below.body["items"].as_array().cloned().unwrap_or_default();
        assert_eq!(items.len(), 1, "{items:?}");
        assert_eq!(items[0]["agent_id"], w.org.agent_a.as_str());
        assert_eq!(items[0]["ce"]["missing_tenths"], 260);
        for token in [&w.agent_a, &w.sup_a, &w.qo] {
            app.get("/v1/licences/below-pace", token)
                .await
                .assert_problem(403, "forbidden");
        }

        // Not repeated within the month, again in November, weekly in December. Agent b's
        // 30 hours fall below pace on 3 November (30.1 hours due by then): they are reminded
        // from then on too.
        app.set_clock(&sh("2026-10-31 20:00")).await;
        assert_eq!(run_job(&app, &w).await["reminders_sent"], 0);
        assert_eq!(notices(&app, &w.agent_a, "ce_reminder").await.len(), 1);
        for (at, sent, total) in [
            ("2026-11-02 09:00", 2, 2),
            ("2026-11-30 09:00", 2, 2),
            ("2026-12-01 09:00", 4, 3),
            ("2026-12-07 09:00", 0, 3),
            ("2026-12-08 09:00", 4, 4),
        ] {
            app.set_clock(&sh(at)).await;
            let jr = run_job(&app, &w).await;
            assert_eq!(jr["reminders_sent"], sent, "{at}");
            assert_eq!(notices(&app, &w.agent_a, "ce_reminder").await.len(), total, "{at}");
        }
        let b = notices(&app, &w.agent_b, "ce_reminder").await;
        let slots: Vec<&str> = b.iter().filter_map(|n| n["payload"]["slot"].as_str()).collect();
        assert_eq!(slots, vec!["2026-12-w2", "2026-12-w1", "2026-11"]);
        // Only admins run jobs, for a branch that exists.
        app.post("/v1/admin/jobs/licences", &w.hr, json!({"branch_id": w.org.branch}))
            .await
            .assert_problem(403, "forbidden");
        app.post(
            "/v1/admin/jobs/licences",
            &w.org.admin,
            json!({"branch_id": w.org.team_a}),
        )
        .await
        .assert_field_error("/branch_id");
    }
);

engine_test!(
    lic_3_the_background_runner_sends_the_reminder_once,
    |c| {
        clock(c);
        c.jobs_interval_secs = 1;
    },
    |app| {
        let w = world(&app, "2026-09-28 10:00").await;
        license_agent(&app, &w.hr, &w.org.agent_a).await;
        hr_course(&app, &w, &w.org.agent_a, "2026-05-10", 100).await;
        app.set_clock(&sh("2026-10-01 09:00")).await;
        let mut got = Vec::new();
        for _ in 0..50 {
            got = notices(&app, &w.agent_a, "ce_reminder").await;
            if !got.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert_eq!(got.len(), 1, "{got:?}");
        // Further passes within the month add nothing.
        tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
        assert_eq!(notices(&app, &w.agent_a, "ce_reminder").await.len(), 1);
        assert_eq!(notices(&app, &w.sup_a, "ce_reminder").await.len(), 1);
    }
);
