//! What a diary holds (see `diary_of_day`): the day's activity summary, filled in by the
//! server, and the agent's plan for tomorrow.

use crate::activity::{Activity, ActivityKind};
use crate::ValidationErrors;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

/// A planned visit or call for tomorrow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedItem {
    /// One of the agent's clients, if the plan names one.
    pub client_id: Option<Uuid>,
    /// A free-text target (a prospect, a place).
    pub name: Option<String>,
    pub purpose: Option<String>,
    /// Planned local time, as the agent wrote it ("HH:MM").
    pub time: Option<String>,
}

/// Tomorrow's plan: planned visits and calls, and free text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TomorrowPlan {
    pub planned_visits: Vec<PlannedItem>,
    pub planned_calls: Vec<PlannedItem>,
    pub text: String,
}

impl TomorrowPlan {
    fn lists(&self) -> [(&'static str, &Vec<PlannedItem>); 2] {
        [
            ("planned_visits", &self.planned_visits),
            ("planned_calls", &self.planned_calls),
        ]
    }

    /// Every client the plan names, once each.
    pub fn client_ids(&self) -> Vec<Uuid> {
        let mut seen = HashSet::new();
        self.lists()
            .into_iter()
            .flat_map(|(_, items)| items.iter().filter_map(|i| i.client_id))
            .filter(|c| seen.insert(*c))
            .collect()
    }

    /// What is wrong with the plan, pointing into the request: times that are not HH:MM, and
    /// clients that are not among `own_clients` (the agent's).
    pub fn problems(&self, own_clients: &HashSet<Uuid>) -> ValidationErrors {
        let mut errors = ValidationErrors::default();
        let mut named = Vec::new();
        for (list, items) in self.lists() {
            for (i, it) in items.iter().enumerate() {
                if let Some(c) = it.client_id {
                    named.push((format!("/tomorrow_plan/{list}/{i}/client_id"), c));
                }
                if it.time.as_deref().is_some_and(|t| crate::org::parse_hm(t).is_none()) {
                    errors.push(format!("/tomorrow_plan/{list}/{i}/time"), "must be a time as HH:MM");
                }
            }
        }
        for (pointer, c) in named {
            if !own_clients.contains(&c) {
                errors.push(pointer, "no such client of yours");
            }
        }
        errors
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryItem {
    pub activity_id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub client_id: Option<Uuid>,
    pub outlet_id: Option<Uuid>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryGroup {
    pub count: usize,
    pub items: Vec<SummaryItem>,
}

/// The day's activities by kind, voided ones excluded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiarySummary {
    pub face_visits: SummaryGroup,
    pub phone_services: SummaryGroup,
    pub renewal_collections: SummaryGroup,
    pub outlet_services: SummaryGroup,
}

/// The summary of one agent-day's activities, in the order given.
pub fn summarise(acts: &[Activity]) -> DiarySummary {
    let group = |kind: ActivityKind| {
        let items: Vec<SummaryItem> = acts
            .iter()
            .filter(|a| a.kind == kind && a.voided_at.is_none())
            .map(|a| SummaryItem {
                activity_id: a.id,
                occurred_at: a.occurred_at,
                client_id: a.client_id,
                outlet_id: a.outlet_id,
            })
            .collect();
        SummaryGroup {
            count: items.len(),
            items,
        }
    };
    DiarySummary {
        face_visits: group(ActivityKind::FaceVisit),
        phone_services: group(ActivityKind::PhoneService),
        renewal_collections: group(ActivityKind::RenewalCollection),
        outlet_services: group(ActivityKind::OutletService),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{CompanyId, UserId};

    fn act(kind: ActivityKind, voided: bool) -> Activity {
        let at = DateTime::<Utc>::default();
        Activity {
            company_id: CompanyId::new(),
            id: Uuid::now_v7(),
            agent_id: UserId::new(),
            kind,
            occurred_at: at,
            received_at: at,
            business_day: at.date_naive(),
            client_id: None,
            outlet_id: None,
            duration_seconds: None,
            accompanied_by: None,
            device_call_id: None,
            details: serde_json::Value::Null,
            body_hash: String::new(),
            voided_at: voided.then_some(at),
            voided_by: None,
            void_reason: None,
        }
    }

    #[test]
    fn dia_1_summary_counts_the_days_activities_without_voided_ones() {
        let s = summarise(&[
            act(ActivityKind::FaceVisit, false),
            act(ActivityKind::FaceVisit, true),
            act(ActivityKind::PhoneService, false),
            act(ActivityKind::MeetingAttendance, false),
        ]);
        assert_eq!(s.face_visits.count, 1);
        assert_eq!(s.phone_services.items.len(), 1);
        assert_eq!((s.renewal_collections.count, s.outlet_services.count), (0, 0));
    }

    #[test]
    fn plan_problems_point_at_bad_times_and_foreign_clients() {
        let mine = Uuid::now_v7();
        let other = Uuid::now_v7();
        let item = |c: Uuid, t: &str| PlannedItem {
            client_id: Some(c),
            time: Some(t.into()),
            ..PlannedItem::default()
        };
        let plan = TomorrowPlan {
            planned_visits: vec![item(mine, "10:00"), item(mine, "10:00")],
            planned_calls: vec![item(other, "25:00")],
            text: String::new(),
        };
        assert_eq!(plan.client_ids(), vec![mine, other]);
        let problems = plan.problems(&HashSet::from([mine]));
        let pointers: Vec<&str> = problems.0.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            vec![
                "/tomorrow_plan/planned_calls/0/time",
                "/tomorrow_plan/planned_calls/0/client_id"
            ]
        );
    }

    #[test]
    fn stored_plans_keep_their_shape() {
        let json = serde_json::to_string(&TomorrowPlan::default()).unwrap_or_default();
        assert_eq!(json, r#"{"planned_visits":[],"planned_calls":[],"text":""}"#);
        let old: Result<TomorrowPlan, _> = serde_json::from_str(r#"{"planned_calls":[{"name":"x"}]}"#);
        assert_eq!(old.map(|p| p.planned_calls.len()).ok(), Some(1));
    }
}
