//! LIC-1 and LIC-2: the licence record and its refusal of unlicensed sellers, CE courses and
//! HR's decisions, and who may do what.

use super::*;

engine_test!(
    lic_1_an_agent_without_a_certificate_cannot_sell_until_hr_records_it,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app, "2026-10-01 10:00").await;
        let client = client_of(&app, &w.agent_a, "Zhao").await;
        let r = sell(&app, &w, &w.org.agent_a, &client, "P-1").await;
        r.assert_problem(422, "agent_not_licensed");
        let detail = r.body["detail"].as_str().unwrap_or_default();
        for part in ["unlicensed", "2026-10-01", "no qualification certificate"] {
            assert!(detail.contains(part), "{part} in {detail}");
        }
        assert_eq!(app.count("insurance_policies").await, 0);
        let me = app.get(&licence_path(&w.org.agent_a), &w.agent_a).await;
        assert_eq!(me.status, 200, "{}", me.body);
        assert_eq!(me.body["status"], "unlicensed");
        assert_eq!(me.body["qualification_certificate"], Value::Null);

        let r = put_licence(
            &app,
            &w.hr,
            &w.org.agent_a,
            json!({"qualification_certificate": "QC-2020-0001", "issued_on": "2020-05-01",
                   "agency_contract_on": "2020-06-01", "practice_certificate": "PC-77"}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.body["status"], "licensed");
        assert_eq!(r.body["status_since"], "2020-05-01");
        assert_eq!(r.body["recorded_on"], "2026-10-01");
        assert_eq!(r.body["practice_certificate"], "PC-77");
        assert_eq!(r.body["ce"]["due_tenths"], 360, "{}", r.body);
        assert_eq!(sell(&app, &w, &w.org.agent_a, &client, "P-1").await.status, 201);

        // A certificate takes effect on its issue date, which may not lie ahead.
        put_licence(
            &app,
            &w.hr,
            &w.org.agent_b,
            json!({"qualification_certificate": "QC-X", "issued_on": "2026-10-02"}),
        )
        .await
        .assert_field_error("/issued_on");
        let bad = put_licence(
            &app,
            &w.hr,
            &w.org.agent_b,
            json!({"qualification_certificate": " ", "issued_on": "2020-01-01", "practice_certificate": "PC-1"}),
        )
        .await;
        bad.assert_field_error("/qualification_certificate");
        bad.assert_field_error("/practice_certificate");
        put_licence(
            &app,
            &w.hr,
            &w.org.agent_b,
            json!({"qualification_certificate": "QC-X", "issued_on": "2020-01-01", "agency_contract_on": "2019-12-31"}),
        )
        .await
        .assert_field_error("/agency_contract_on");
        put_licence(
            &app,
            &w.hr,
            &w.org.agent_b,
            json!({"qualification_certificate": "QC-X", "issued_on": "2020-01-01", "status": "licensed"}),
        )
        .await
        .assert_problem(422, "validation_failed");
        assert_eq!(
            app.get(&licence_path(&w.org.agent_b), &w.hr).await.body["status"],
            "unlicensed",
            "a rejected write changed state"
        );

        // Who may keep licences (HR and admins) and who may read them (404 out of reach).
        let body = json!({"qualification_certificate": "QC-Y", "issued_on": "2020-01-01"});
        for token in [&w.agent_a, &w.sup_a, &w.qo] {
            put_licence(&app, token, &w.org.agent_b, body.clone())
                .await
                .assert_problem(403, "forbidden");
        }
        assert_eq!(put_licence(&app, &w.org.admin, &w.org.agent_b, body).await.status, 200);
        put_licence(
            &app,
            &w.hr,
            &w.org.sup_a,
            json!({"qualification_certificate": "QC-Z", "issued_on": "2020-01-01"}),
        )
        .await
        .assert_problem(404, "not_found");
        app.get(&licence_path(&w.org.agent_a), &w.agent_b)
            .await
            .assert_problem(404, "not_found");
        app.get(&licence_path(&w.org.agent_a), &w.sup_b)
            .await
            .assert_problem(404, "not_found");
        app.get(&licence_path(&w.org.agent_a), &w.qo)
            .await
            .assert_problem(403, "forbidden");
        let seen = app.get(&licence_path(&w.org.agent_a), &w.sup_a).await;
        assert_eq!(seen.body["status"], "licensed", "{}", seen.body);
        let etag = seen.header("etag").unwrap_or_default();
        let again = app
            .send(
                app.client
                    .get(format!("{}{}", app.base, licence_path(&w.org.agent_a)))
                    .bearer_auth(&w.sup_a)
                    .header("if-none-match", etag),
            )
            .await;
        assert_eq!(again.status, 304);
    }
);

engine_test!(
    lic_2_agents_record_their_courses_pending_until_hr_confirms,
    |c| {
        clock(c);
    },
    |app| {
        let w = world(&app, "2026-05-20 10:00").await;
        license_agent(&app, &w.hr, &w.org.agent_a).await;
        let path = courses_path(&w.org.agent_a);
        let course = json!({"taken_on": "2026-05-10", "hours_tenths": 60, "provider": "Insurance Institute"});
        app.post(&path, &w.agent_a, course.clone())
            .await
            .assert_field_error("/evidence_ref");
        let mut bad = course.clone();
        bad["taken_on"] = json!("2026-05-21");
        bad["hours_tenths"] = json!(0);
        bad["evidence_ref"] = json!("att-1");
        let r = app.post(&path, &w.agent_a, bad).await;
        r.assert_field_error("/hours_tenths");
        let mut future = course.clone();
        future["taken_on"] = json!("2026-05-21");
        future["evidence_ref"] = json!("att-1");
        app.post(&path, &w.agent_a, future)
            .await
            .assert_field_error("/taken_on");
        let mut own = course.clone();
        own["evidence_ref"] = json!("att-1");
        own["id"] = json!("0190f5c2-7a1b-7c3d-8e4f-000000000001");
        let pending = app.post(&path, &w.agent_a, own.clone()).await;
        assert_eq!(pending.status, 201, "{}", pending.body);
        assert_eq!(pending.body["status"], "pending");
        assert_eq!(pending.body["recorded_by"], w.org.agent_a.as_str());
        // The offline app sending it again gets the stored course; another course with that id
        // is a conflict.
        let again = app.post(&path, &w.agent_a, own.clone()).await;
        assert_eq!((again.status.as_u16(), again.body.clone()), (201, pending.body.clone()));
        own["hours_tenths"] = json!(70);
        app.post(&path, &w.agent_a, own)
            .await
            .assert_problem(409, "id_conflict");
        let mut ancient = course.clone();
        ancient["taken_on"] = json!("1999-12-31");
        ancient["evidence_ref"] = json!("att-0");
        app.post(&path, &w.agent_a, ancient)
            .await
            .assert_field_error("/taken_on");
        let mut second = course.clone();
        second["evidence_ref"] = json!("att-2");
        let second = app.post(&path, &w.agent_a, second).await.id();

        // Only confirmed hours count.
        let list = app.get(&path, &w.agent_a).await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert_eq!(list.body["items"].as_array().map(Vec::len), Some(2));
        assert_eq!(list.body["account"]["confirmed_tenths"], 0);
        assert_eq!(list.body["account"]["pending_tenths"], 120);

        // Who may record and decide.
        let mut evidenced = course.clone();
        evidenced["evidence_ref"] = json!("att-3");
        app.post(&courses_path(&w.org.agent_b), &w.agent_a, evidenced.clone())
            .await
            .assert_problem(404, "not_found");
        for token in [&w.sup_a, &w.qo] {
            app.post(&path, token, evidenced.clone())
                .await
                .assert_problem(403, "forbidden");
        }
        let confirm = format!("{path}/{}/confirm", pending.id());
        for token in [&w.agent_a, &w.sup_a] {
            app.call(Method::POST, &confirm, Some(token), None)
                .await
                .assert_problem(403, "forbidden");
        }
        let other = format!("{}/{}/confirm", courses_path(&w.org.agent_b), pending.id());
        app.call(Method::POST, &other, Some(&w.hr), None)
            .await
            .assert_problem(404, "not_found");
        let c = app.call(Method::POST, &confirm, Some(&w.hr), None).await;
        assert_eq!(c.status, 200, "{}", c.body);
        assert_eq!(c.body["status"], "confirmed");
        app.call(Method::POST, &confirm, Some(&w.hr), None)
            .await
            .assert_problem(409, "already_decided");
        let reject = format!("{path}/{second}/reject");
        app.post(&reject, &w.hr, json!({"reason": ""}))
            .await
            .assert_field_error("/reason");
        let r = app
            .post(&reject, &w.hr, json!({"reason": "certificate unreadable"}))
            .await;
        assert_eq!(r.body["status"], "rejected", "{}", r.body);
        assert_eq!(r.body["decision_note"], "certificate unreadable");

        // HR's own records are confirmed at once, with or without evidence.
        hr_course(&app, &w, &w.org.agent_a, "2026-05-15", 95).await;
        let list = app.get(&path, &w.sup_a).await;
        assert_eq!(list.body["account"]["confirmed_tenths"], 155, "{}", list.body);
        assert_eq!(list.body["account"]["pending_tenths"], 0);
        assert_eq!(list.body["account"]["missing_tenths"], 205);
        app.get(&path, &w.sup_b).await.assert_problem(404, "not_found");
        app.get(&format!("{path}?year=1999"), &w.hr)
            .await
            .assert_field_error("/query/year");
        let last_year = app.get(&format!("{path}?year=2025"), &w.hr).await;
        assert_eq!(last_year.body["items"], json!([]), "{}", last_year.body);
        assert_eq!(last_year.body["account"]["year"], 2025);

        // The team view: the supervisor sees their agents' hours, an agent only themselves.
        let team = format!("/v1/teams/{}/licences", w.org.team_a);
        let view = app.get(&team, &w.sup_a).await;
        assert_eq!(view.status, 200, "{}", view.body);
        assert_eq!(view.body["items"][0]["agent_id"], w.org.agent_a.as_str());
        assert_eq!(view.body["items"][0]["ce"]["confirmed_tenths"], 155);
        assert_eq!(view.body["items"][0]["status"], "licensed");
        assert_eq!(
            app.get(&team, &w.agent_a).await.body["items"].as_array().map(Vec::len),
            Some(1)
        );
        app.get(&team, &w.sup_b).await.assert_problem(404, "not_found");
        app.get(&team, &w.agent_b).await.assert_problem(404, "not_found");
        app.get(&team, &w.qo).await.assert_problem(403, "forbidden");
    }
);
