//! Device call-log entries become phone services: a stable id per device call (so a
//! re-import is a duplicate, never a second call), the client the number belongs to, and
//! problems pointed at the entry's own fields.

use super::details::{ActivityDetails, CallPurpose, PhoneService};
use super::ingest::ActivityDraft;
use crate::ids::{CompanyId, UserId};
use crate::org::normalise_phone;
use crate::ValidationErrors;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use uuid::Uuid;

/// One entry of the device's call log, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallLogEntry {
    pub device_call_id: String,
    /// The other party's number as the device wrote it.
    pub number: String,
    pub started_at: DateTime<Utc>,
    pub duration_seconds: i64,
}

/// The activity id of a device call: the same call of the same agent always gets the same id.
pub fn call_activity_id(company: CompanyId, agent: UserId, device_call_id: &str) -> Uuid {
    Uuid::new_v5(
        &Uuid::NAMESPACE_OID,
        format!("{company}:{agent}:{device_call_id}").as_bytes(),
    )
}

/// The entry's number, normalised for matching against clients' phones.
pub fn entry_phone(e: &CallLogEntry) -> Option<String> {
    normalise_phone(&e.number)
}

/// The phone service an entry stands for: to the agent's client when the number is one of
/// theirs (`clients`: normalised phone → client), otherwise prospect tracking.
pub fn draft_from_entry(
    e: CallLogEntry,
    company: CompanyId,
    agent: UserId,
    clients: &HashMap<String, Uuid>,
) -> Result<ActivityDraft, ValidationErrors> {
    let number = entry_phone(&e)
        .ok_or_else(|| ValidationErrors::single("/number", "must be a phone number of 5 to 20 digits"))?;
    let client = clients.get(&number).copied();
    Ok(ActivityDraft {
        id: call_activity_id(company, agent, &e.device_call_id),
        occurred_at: e.started_at,
        client_id: client,
        outlet_id: None,
        details: ActivityDetails::PhoneService(PhoneService {
            started_at: Some(e.started_at),
            duration_seconds: e.duration_seconds,
            purpose: if client.is_some() {
                CallPurpose::ClientGreeting
            } else {
                CallPurpose::ProspectTracking
            },
            prospect_phone: if client.is_some() { None } else { Some(number) },
            device_call_id: Some(e.device_call_id),
            notes: None,
        }),
    })
}

/// Re-points an activity's problems at the entry fields they came from.
pub fn entry_errors(errors: ValidationErrors) -> ValidationErrors {
    ValidationErrors(
        errors
            .0
            .into_iter()
            .map(|mut f| {
                f.pointer = f
                    .pointer
                    .replace("/details/duration_seconds", "/duration_seconds")
                    .replace("/details/started_at", "/started_at")
                    .replace("/occurred_at", "/started_at")
                    .replace("/details/device_call_id", "/device_call_id");
                f
            })
            .collect(),
    )
}
