//! The kind-specific part of an activity, typed. It is stored as JSON beside the activity's
//! columns; the JSON is this module's serialisation (keys sorted by `serde_json`), so the
//! same details always give the same text and the same body digest.

use super::ActivityKind;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the face visit covered (the rulebook's checklist for a visit). Recorded and reported;
/// it does not decide counting (`face_visit_counts`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaceVisitChecklist {
    pub collected_client_basics: bool,
    pub confirmed_service_items: bool,
    pub introduced_self: bool,
    pub introduced_company: bool,
    pub completed_policy: bool,
}

/// Where a face visit took place, as the device measured it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub lat: f64,
    pub lng: f64,
    /// Horizontal accuracy in metres.
    pub accuracy_m: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaceVisit {
    #[serde(default)]
    pub checklist: FaceVisitChecklist,
    pub location: Option<Location>,
    /// The supervisor who came along (see `may_accompany`).
    pub accompanied_by: Option<Uuid>,
    pub notes: Option<String>,
}

/// The purpose of a phone service (the rulebook's three contents of a call).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallPurpose {
    RenewalFollowUp,
    ClientGreeting,
    ProspectTracking,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhoneService {
    /// When the call started; `occurred_at` when the device did not say.
    pub started_at: Option<DateTime<Utc>>,
    pub duration_seconds: i64,
    pub purpose: CallPurpose,
    /// A prospect's (normalised) number when the call named no client.
    pub prospect_phone: Option<String>,
    /// The device's call-log id: unique per agent, so a call is never stored twice.
    pub device_call_id: Option<String>,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RenewalOutcome {
    Collected,
    Promised,
    Declined,
    Unreachable,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenewalCollection {
    pub policy_number: Option<String>,
    pub outcome: RenewalOutcome,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutletService {
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    Morning,
    Evening,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingAttendance {
    pub meeting: MeetingKind,
    /// The business day of the meeting.
    pub date: NaiveDate,
}

/// The kind-specific part of an activity; which variant follows from the activity's kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ActivityDetails {
    FaceVisit(FaceVisit),
    PhoneService(PhoneService),
    RenewalCollection(RenewalCollection),
    OutletService(OutletService),
    MeetingAttendance(MeetingAttendance),
}

impl ActivityDetails {
    pub fn kind(&self) -> ActivityKind {
        match self {
            ActivityDetails::FaceVisit(_) => ActivityKind::FaceVisit,
            ActivityDetails::PhoneService(_) => ActivityKind::PhoneService,
            ActivityDetails::RenewalCollection(_) => ActivityKind::RenewalCollection,
            ActivityDetails::OutletService(_) => ActivityKind::OutletService,
            ActivityDetails::MeetingAttendance(_) => ActivityKind::MeetingAttendance,
        }
    }

    /// The stored JSON form.
    pub fn to_json(&self) -> serde_json::Value {
        // Plain structs of strings, numbers and dates always serialise.
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Reads stored details back as the variant of `kind`; `None` when they do not fit it
    /// (a corrupt row, which storage reports as such).
    pub fn from_stored(kind: ActivityKind, value: &serde_json::Value) -> Option<ActivityDetails> {
        fn read<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Option<T> {
            T::deserialize(v).ok()
        }
        Some(match kind {
            ActivityKind::FaceVisit => ActivityDetails::FaceVisit(read(value)?),
            ActivityKind::PhoneService => ActivityDetails::PhoneService(read(value)?),
            ActivityKind::RenewalCollection => ActivityDetails::RenewalCollection(read(value)?),
            ActivityKind::OutletService => ActivityDetails::OutletService(read(value)?),
            ActivityKind::MeetingAttendance => ActivityDetails::MeetingAttendance(read(value)?),
        })
    }
}
