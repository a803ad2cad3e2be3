//! Importing the device call log.

use super::*;

engine_test!(
    call_log_import_dedupes_by_device_call_id,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        let entries = json!({"entries": [
            {"device_call_id": "dev-1", "number": "+86 139-1234-5678", "started_at": "2026-11-03T02:00:00Z", "duration_seconds": 95},
            {"device_call_id": "dev-2", "number": "13800001111", "started_at": "2026-11-03T02:10:00Z", "duration_seconds": 20},
            {"device_call_id": "dev-3", "number": "??", "started_at": "2026-11-03T02:20:00Z", "duration_seconds": 20},
            {"device_call_id": "dev-4", "number": "13800001112", "started_at": "2026-11-03T02:20:00Z", "duration_seconds": 90000}
        ]});
        let r = app.post("/v1/activities:call-log", &f.agent, entries.clone()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let res = r.body["results"].as_array().cloned().unwrap_or_default();
        let statuses: Vec<&str> = res.iter().filter_map(|x| x["status"].as_str()).collect();
        assert_eq!(statuses, vec!["created", "created", "rejected", "rejected"]);
        assert_eq!(res[2]["problem"]["errors"][0]["pointer"], "/entries/2/number");
        assert_eq!(res[3]["problem"]["errors"][0]["pointer"], "/entries/3/duration_seconds");
        let again = app.post("/v1/activities:call-log", &f.agent, entries).await;
        assert_eq!(again.body["duplicates"], 2);
        assert_eq!(app.count("activities").await, 2);
        // The number matched the client; the other became prospect tracking.
        let first = app
            .get(
                &format!("/v1/activities/{}", res[0]["id"].as_str().unwrap_or_default()),
                &f.agent,
            )
            .await;
        assert_eq!(first.body["client_id"], f.client.as_str());
        assert_eq!(first.body["details"]["device_call_id"], "dev-1");
        let second = app
            .get(
                &format!("/v1/activities/{}", res[1]["id"].as_str().unwrap_or_default()),
                &f.agent,
            )
            .await;
        assert_eq!(second.body["details"]["prospect_phone"], "13800001111");
        assert_eq!(second.body["details"]["purpose"], "prospect_tracking");
        // A manual call with an imported device call id is the same call: not a second one.
        let manual = json!({"id": Uuid::now_v7(), "kind": "phone_service", "occurred_at": "2026-11-03T02:00:00Z", "client_id": f.client,
                        "details": {"duration_seconds": 95, "purpose": "client_greeting", "device_call_id": "dev-1"}});
        app.post("/v1/activities", &f.agent, manual)
            .await
            .assert_problem(409, "id_conflict");
        let today = app.get("/v1/agents/me/today", &f.agent).await;
        assert_eq!(today.body["phone_services"]["counted"], 1);
    }
);

engine_test!(
    act_3_call_log_results_match_their_entries,
    |c| {
        clock(c);
    },
    |app| {
        let f = fixture(&app).await;
        // Rejected entries sit before accepted ones, so a result that borrowed a neighbour's
        // id (or lost its own) shows.
        let entry = |dev: &str, number: &str, secs: i64| json!({"device_call_id": dev, "number": number, "started_at": "2026-11-03T02:00:00Z", "duration_seconds": secs});
        let upload = json!({"entries": [
            entry("bad-number", "??", 60),
            entry("good-1", "13800001111", 60),
            entry("too-long", "13800001112", 90000),
            {"device_call_id": "no-start", "number": "13800001113", "duration_seconds": 60},
            entry("good-2", "+86 139 1234 5678", 45),
            {"number": "13800001114", "started_at": "2026-11-03T02:00:00Z", "duration_seconds": 60}
        ]});
        let r = app.post("/v1/activities:call-log", &f.agent, upload).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let res = r.body["results"].as_array().cloned().unwrap_or_default();
        let statuses: Vec<&str> = res.iter().filter_map(|x| x["status"].as_str()).collect();
        assert_eq!(
            statuses,
            vec!["rejected", "created", "rejected", "rejected", "created", "rejected"]
        );
        for (i, x) in res.iter().enumerate() {
            assert_eq!(x["index"], i, "{x}");
        }
        // An entry without a readable device call id has no id of its own.
        assert_eq!(res[5]["id"], serde_json::Value::Null, "{}", res[5]);
        let ids: Vec<String> = res[..5]
            .iter()
            .map(|x| x["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert!(
            ids.iter().all(|i| !i.is_empty()),
            "every identifiable entry has an id: {ids:?}"
        );
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 5, "no two entries share an id: {ids:?}");
        // Each accepted entry's id is the activity stored for it.
        for i in [1, 4] {
            let got = app.get(&format!("/v1/activities/{}", ids[i]), &f.agent).await;
            assert_eq!(got.status, 200, "{}", got.body);
        }
        let stored = app.get(&format!("/v1/activities/{}", ids[1]), &f.agent).await;
        assert_eq!(stored.body["details"]["device_call_id"], "good-1");
        // Each rejected entry's id is the one its call gets once the entry is corrected.
        let fixed = json!({"entries": [
            entry("bad-number", "13800001115", 60),
            entry("too-long", "13800001112", 600),
            entry("no-start", "13800001113", 60)
        ]});
        let again = app.post("/v1/activities:call-log", &f.agent, fixed).await;
        assert_eq!(again.body["created"], 3, "{}", again.body);
        let again_ids: Vec<&str> = again.body["results"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["id"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(again_ids, vec![ids[0].as_str(), ids[2].as_str(), ids[3].as_str()]);
    }
);
