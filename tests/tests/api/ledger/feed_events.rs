//! Penalties posted by the close jobs and their waivers reach the change feed once each
//! (issue 12), whatever re-runs the jobs.

use super::*;

engine_test!(
    posted_penalties_and_waivers_are_in_the_change_feed_once,
    |c| {
        clock(c);
    },
    |app| {
        let w = known_week(&app).await;
        let (_, head) = crate::crm::read_feed(&app, &w.org.admin, 0, 1000).await;
        app.set_clock(&sh("2026-11-12 12:00:00")).await;
        close_week(&app, &app.base, &w.org.admin, &w.org.branch).await;
        // Closing again (as the runner or a second instance would) posts nothing twice.
        close_week(&app, &app.base, &w.org.admin, &w.org.branch).await;
        let penalties = all_penalties(&app, &w.org.admin).await;
        assert!(!penalties.is_empty());
        let (events, _) = crate::crm::read_feed(&app, &w.org.admin, head, 1000).await;
        let posted = crate::crm::of_type(&events, "penalty.posted");
        let mut feed_ids: Vec<String> = posted
            .iter()
            .filter_map(|e| e["resource_id"].as_str().map(str::to_owned))
            .collect();
        let mut ledger_ids: Vec<String> = penalties
            .iter()
            .filter_map(|e| e["id"].as_str().map(str::to_owned))
            .collect();
        feed_ids.sort();
        ledger_ids.sort();
        assert_eq!(feed_ids, ledger_ids);
        assert!(posted
            .iter()
            .all(|e| e["href"].as_str().is_some_and(|h| h.starts_with("/v1/penalties/"))));
        let late = penalties
            .iter()
            .find(|e| e["rule_id"] == "DIA-PEN-LATEFILL")
            .and_then(|e| e["id"].as_str())
            .unwrap_or_default()
            .to_owned();
        let waived = app
            .post(
                &format!("/v1/penalties/{late}/waive"),
                &w.org.admin,
                json!({"reason": "system outage"}),
            )
            .await;
        assert_eq!(waived.status, 201, "{}", waived.body);
        let (after, _) = crate::crm::read_feed(&app, &w.org.admin, head, 1000).await;
        let waivers = crate::crm::of_type(&after, "penalty.waived");
        assert_eq!(waivers.len(), 1);
        assert_eq!(waivers[0]["data"]["refers_to"], late.as_str());
        // Lead allocations, once each however often the job runs.
        for _ in 0..2 {
            let alloc = app
                .post(
                    "/v1/admin/jobs/allocate-leads",
                    &w.org.admin,
                    json!({"quarter": "2026Q4"}),
                )
                .await;
            assert_eq!(alloc.status, 200, "{}", alloc.body);
        }
        let (all, _) = crate::crm::read_feed(&app, &w.org.admin, head, 1000).await;
        let allocations = crate::crm::of_type(&all, "lead_movement.allocated");
        assert_eq!(allocations.len(), 2, "one per agent");
        assert!(allocations.iter().all(|a| a["data"]["quarter"] == "2026Q4"));
        // The agent's device gets the agent's own entries and allocation.
        let sync = app.get("/v1/sync", &w.agent).await;
        let mine: Vec<&Value> = penalties
            .iter()
            .filter(|e| e["person_id"] == w.org.agent_a.as_str())
            .collect();
        assert_eq!(
            sync.body["changes"]["penalties"]["created"].as_array().map(Vec::len),
            Some(mine.len() + 1),
            "{}",
            sync.body
        );
        assert_eq!(
            sync.body["changes"]["lead_movements"]["created"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
    }
);
