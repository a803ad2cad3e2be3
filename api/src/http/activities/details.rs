//! Wire types of an activity's kind and kind-specific details, and their domain forms.

use chrono::{DateTime, NaiveDate, Utc};
use domain::activity as d;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKindDto {
    FaceVisit,
    PhoneService,
    RenewalCollection,
    OutletService,
    MeetingAttendance,
}

impl ActivityKindDto {
    pub const ALL: [ActivityKindDto; 5] = [
        ActivityKindDto::FaceVisit,
        ActivityKindDto::PhoneService,
        ActivityKindDto::RenewalCollection,
        ActivityKindDto::OutletService,
        ActivityKindDto::MeetingAttendance,
    ];

    /// For the contract's discriminated union: the wire name, the schema `details` decodes
    /// as (see `decode_details`), and whether `details` must be sent (its type has required
    /// fields; the others default to `{}`).
    pub fn details_schema(self) -> (&'static str, &'static str, bool) {
        match self {
            ActivityKindDto::FaceVisit => ("face_visit", "FaceVisitDetails", false),
            ActivityKindDto::PhoneService => ("phone_service", "PhoneServiceDetails", true),
            ActivityKindDto::RenewalCollection => ("renewal_collection", "RenewalCollectionDetails", true),
            ActivityKindDto::OutletService => ("outlet_service", "OutletServiceDetails", false),
            ActivityKindDto::MeetingAttendance => ("meeting_attendance", "MeetingAttendanceDetails", true),
        }
    }
}

impl From<ActivityKindDto> for d::ActivityKind {
    fn from(k: ActivityKindDto) -> Self {
        match k {
            ActivityKindDto::FaceVisit => d::ActivityKind::FaceVisit,
            ActivityKindDto::PhoneService => d::ActivityKind::PhoneService,
            ActivityKindDto::RenewalCollection => d::ActivityKind::RenewalCollection,
            ActivityKindDto::OutletService => d::ActivityKind::OutletService,
            ActivityKindDto::MeetingAttendance => d::ActivityKind::MeetingAttendance,
        }
    }
}

impl From<d::ActivityKind> for ActivityKindDto {
    fn from(k: d::ActivityKind) -> Self {
        match k {
            d::ActivityKind::FaceVisit => ActivityKindDto::FaceVisit,
            d::ActivityKind::PhoneService => ActivityKindDto::PhoneService,
            d::ActivityKind::RenewalCollection => ActivityKindDto::RenewalCollection,
            d::ActivityKind::OutletService => ActivityKindDto::OutletService,
            d::ActivityKind::MeetingAttendance => ActivityKindDto::MeetingAttendance,
        }
    }
}

/// ACT-2: what the face visit covered. Recorded and reported; it does not decide counting.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct FaceVisitChecklist {
    /// Collected the client's basics (phone, address, household).
    pub collected_client_basics: bool,
    pub confirmed_service_items: bool,
    pub introduced_self: bool,
    pub introduced_company: bool,
    /// Policy completion (保单完善).
    pub completed_policy: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    #[schema(minimum = -90, maximum = 90, example = 31.2304)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180, example = 121.4737)]
    pub lng: f64,
    /// Horizontal accuracy in metres.
    #[schema(minimum = 0, maximum = 100000)]
    pub accuracy_m: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FaceVisitDetails {
    #[serde(default)]
    pub checklist: FaceVisitChecklist,
    pub location: Option<Location>,
    /// ACT-4: the supervisor who accompanied the visit (a supervisor of the agent's branch).
    pub accompanied_by: Option<Uuid>,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

/// ACT-3: the purpose of a phone service.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallPurpose {
    RenewalFollowUp,
    ClientGreeting,
    ProspectTracking,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneServiceDetails {
    /// When the call started; defaults to `occurred_at`.
    pub started_at: Option<DateTime<Utc>>,
    /// ACT-3: calls shorter than the policy's `min_call_seconds` (default 30) do not count.
    #[schema(minimum = 0, maximum = 86400)]
    pub duration_seconds: i64,
    pub purpose: CallPurpose,
    /// A prospect's number when the call was not to a client (then omit `client_id`).
    pub prospect_phone: Option<String>,
    /// The device's call-log id; unique per agent, so an imported call is never counted twice.
    #[schema(max_length = 128)]
    pub device_call_id: Option<String>,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RenewalOutcome {
    Collected,
    Promised,
    Declined,
    Unreachable,
    Other,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewalCollectionDetails {
    #[schema(max_length = 64)]
    pub policy_number: Option<String>,
    pub outcome: RenewalOutcome,
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutletServiceDetails {
    #[schema(max_length = 2000)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    Morning,
    Evening,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeetingAttendanceDetails {
    pub meeting: MeetingKind,
    /// The business day of the meeting.
    pub date: NaiveDate,
}

/// The kind-specific part of an activity (which one follows from `kind`).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ActivityDetails {
    FaceVisit(FaceVisitDetails),
    PhoneService(PhoneServiceDetails),
    RenewalCollection(RenewalCollectionDetails),
    OutletService(OutletServiceDetails),
    MeetingAttendance(MeetingAttendanceDetails),
}

impl From<FaceVisitDetails> for d::FaceVisit {
    fn from(v: FaceVisitDetails) -> Self {
        let c = v.checklist;
        d::FaceVisit {
            checklist: d::FaceVisitChecklist {
                collected_client_basics: c.collected_client_basics,
                confirmed_service_items: c.confirmed_service_items,
                introduced_self: c.introduced_self,
                introduced_company: c.introduced_company,
                completed_policy: c.completed_policy,
            },
            location: v.location.map(|l| d::Location {
                lat: l.lat,
                lng: l.lng,
                accuracy_m: l.accuracy_m,
            }),
            accompanied_by: v.accompanied_by,
            notes: v.notes,
        }
    }
}

impl From<PhoneServiceDetails> for d::PhoneService {
    fn from(v: PhoneServiceDetails) -> Self {
        d::PhoneService {
            started_at: v.started_at,
            duration_seconds: v.duration_seconds,
            purpose: match v.purpose {
                CallPurpose::RenewalFollowUp => d::CallPurpose::RenewalFollowUp,
                CallPurpose::ClientGreeting => d::CallPurpose::ClientGreeting,
                CallPurpose::ProspectTracking => d::CallPurpose::ProspectTracking,
            },
            prospect_phone: v.prospect_phone,
            device_call_id: v.device_call_id,
            notes: v.notes,
        }
    }
}

impl From<RenewalCollectionDetails> for d::RenewalCollection {
    fn from(v: RenewalCollectionDetails) -> Self {
        d::RenewalCollection {
            policy_number: v.policy_number,
            outcome: match v.outcome {
                RenewalOutcome::Collected => d::RenewalOutcome::Collected,
                RenewalOutcome::Promised => d::RenewalOutcome::Promised,
                RenewalOutcome::Declined => d::RenewalOutcome::Declined,
                RenewalOutcome::Unreachable => d::RenewalOutcome::Unreachable,
                RenewalOutcome::Other => d::RenewalOutcome::Other,
            },
            notes: v.notes,
        }
    }
}

impl From<MeetingAttendanceDetails> for d::MeetingAttendance {
    fn from(v: MeetingAttendanceDetails) -> Self {
        d::MeetingAttendance {
            meeting: match v.meeting {
                MeetingKind::Morning => d::MeetingKind::Morning,
                MeetingKind::Evening => d::MeetingKind::Evening,
            },
            date: v.date,
        }
    }
}

/// Decodes `details` as the wire form of `kind`, with pointers under `/details`.
pub fn decode_details(
    kind: ActivityKindDto,
    details: serde_json::Value,
) -> Result<d::ActivityDetails, domain::ValidationErrors> {
    use crate::http::extract::decode_value;
    // An absent `details` is an empty object: kinds whose fields are all optional need none.
    let v = if details.is_null() {
        serde_json::Value::Object(Default::default())
    } else {
        details
    };
    let p = "/details";
    Ok(match kind {
        ActivityKindDto::FaceVisit => d::ActivityDetails::FaceVisit(decode_value::<FaceVisitDetails>(v, p)?.into()),
        ActivityKindDto::PhoneService => {
            d::ActivityDetails::PhoneService(decode_value::<PhoneServiceDetails>(v, p)?.into())
        }
        ActivityKindDto::RenewalCollection => {
            d::ActivityDetails::RenewalCollection(decode_value::<RenewalCollectionDetails>(v, p)?.into())
        }
        ActivityKindDto::OutletService => d::ActivityDetails::OutletService(d::OutletService {
            notes: decode_value::<OutletServiceDetails>(v, p)?.notes,
        }),
        ActivityKindDto::MeetingAttendance => {
            d::ActivityDetails::MeetingAttendance(decode_value::<MeetingAttendanceDetails>(v, p)?.into())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contract's union is keyed by the same names serde reads and writes.
    #[test]
    fn details_schema_names_match_the_wire() {
        for kind in ActivityKindDto::ALL {
            let (wire, _, _) = kind.details_schema();
            assert_eq!(serde_json::to_value(kind).ok(), Some(serde_json::json!(wire)));
        }
    }

    /// `details` is required exactly for the kinds whose type cannot decode `{}`.
    #[test]
    fn details_required_when_empty_object_does_not_decode() {
        for kind in ActivityKindDto::ALL {
            let (_, _, required) = kind.details_schema();
            let empty = decode_details(kind, serde_json::json!({}));
            assert_eq!(empty.is_err(), required, "{kind:?}");
        }
    }
}
