//! The yearly licence report per team and branch (JSON and CSV), and the licence parameters of
//! the policy versions (POL-1).

use super::*;

fn row<'a>(rows: &'a [Value], team: Option<&str>) -> &'a Value {
    rows.iter()
        .find(|r| match team {
            Some(t) => r["team_id"] == t,
            None => r["team_id"].is_null(),
        })
        .unwrap_or(&Value::Null)
}

engine_test!(
    lic_reports_count_statuses_and_ce_completion_per_team_and_branch,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app, "2026-06-01 10:00").await;
        license_agent(&app, &w.hr, &w.org.agent_a).await;
        hr_course(&app, &w, &w.org.agent_a, "2026-05-10", 400).await;
        // A team name a spreadsheet would run as a formula.
        let r = app
            .patch(
                &format!("/v1/teams/{}", w.org.team_b),
                &w.org.admin,
                json!({"name": "=HYPERLINK(\"http://x\")"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);

        app.set_clock(&sh("2026-11-01 10:00")).await;
        let r = app.get("/v1/licences/report?year=2026", &w.hr).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["year"], 2026);
        let rows = r.body["rows"].as_array().cloned().unwrap_or_default();
        assert_eq!(rows.len(), 3, "two teams and the branch: {rows:?}");
        let a = row(&rows, Some(&w.org.team_a));
        assert_eq!(
            (
                a["agents"].clone(),
                a["licensed"].clone(),
                a["ce_owed"].clone(),
                a["ce_completed"].clone()
            ),
            (json!(1), json!(1), json!(1), json!(1)),
            "{a}"
        );
        assert_eq!(a["ce_confirmed_tenths"], 360, "hours beyond the due count once: {a}");
        assert_eq!(a["counted_on"], "2026-11-01");
        let b = row(&rows, Some(&w.org.team_b));
        assert_eq!(
            (b["unlicensed"].clone(), b["ce_owed"].clone()),
            (json!(1), json!(0)),
            "{b}"
        );
        let total = row(&rows, None);
        assert_eq!(
            (
                total["agents"].clone(),
                total["licensed"].clone(),
                total["unlicensed"].clone(),
                total["lapsed"].clone()
            ),
            (json!(2), json!(1), json!(1), json!(0)),
            "{total}"
        );
        assert_eq!(total["ce_completion_percent"], 100);
        assert_eq!(total["branch_name"], "Pudong");

        let csv = app
            .send(
                app.client
                    .get(format!("{}/v1/licences/report?year=2026", app.base))
                    .bearer_auth(&w.hr)
                    .header("accept", "text/csv"),
            )
            .await;
        assert_eq!(csv.status, 200);
        assert!(csv.header("content-type").is_some_and(|c| c.starts_with("text/csv")));
        let text = csv.body.as_str().unwrap_or_default().to_owned();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        assert!(
            lines[0].starts_with("year,branch_id,branch_name,team_id,team_name"),
            "{text}"
        );
        assert!(
            text.contains("\"'=HYPERLINK(\"\"http://x\"\")\""),
            "formula neutralised: {text}"
        );
        assert!(text.contains(",36.0,36.0"), "{text}");

        // The year must parse and not lie ahead; only HR and admins read the report.
        app.get("/v1/licences/report?year=2027", &w.hr)
            .await
            .assert_field_error("/query/year");
        app.get("/v1/licences/report?year=1999", &w.hr)
            .await
            .assert_field_error("/query/year");
        assert_eq!(app.get("/v1/licences/report?year=2026", &w.org.admin).await.status, 200);
        for token in [&w.agent_a, &w.sup_a, &w.qo] {
            app.get("/v1/licences/report?year=2026", token)
                .await
                .assert_problem(403, "forbidden");
        }
    }
);

engine_test!(
    lic_2_ce_hours_per_year_and_reminder_start_are_policy_parameters,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app, "2026-06-01 10:00").await;
        license_agent(&app, &w.hr, &w.org.agent_a).await;
        hr_course(&app, &w, &w.org.agent_a, "2026-05-10", 50).await;
        let bad = app
            .post(
                "/v1/policy-versions",
                &w.org.admin,
                json!({"effective_from": "2026-06-02",
                       "document": {"licence": {"ce_hours_per_year": 500, "ce_reminder_from_month": 2, "ce_reminder_from_day": 30}}}),
            )
            .await;
        bad.assert_field_error("/document/licence/ce_hours_per_year");
        bad.assert_field_error("/document/licence/ce_reminder_from_day");
        let v = app
            .post(
                "/v1/policy-versions",
                &w.org.admin,
                json!({"effective_from": "2026-06-02",
                       "document": {"licence": {"ce_hours_per_year": 12, "ce_reminder_from_month": 11}}}),
            )
            .await;
        assert_eq!(v.status, 201, "{}", v.body);
        assert_eq!(v.body["document"]["licence"]["ce_reminder_from_day"], 1);

        app.set_clock(&sh("2026-10-01 09:00")).await;
        let p = app.get(&licence_path(&w.org.agent_a), &w.hr).await;
        assert_eq!(p.body["ce"]["due_tenths"], 120, "{}", p.body);
        assert_eq!(p.body["ce"]["pace_tenths"], 89, "{}", p.body);
        assert_eq!(p.body["ce"]["below_pace"], true);
        // Below pace, but this policy's reminders start on 1 November.
        assert_eq!(run_job(&app, &w).await["reminders_sent"], 0);
        app.set_clock(&sh("2026-11-02 09:00")).await;
        assert_eq!(run_job(&app, &w).await["reminders_sent"], 2);
    }
);
