//! Wire types of credit files.

use crate::app::violations::ViolationView;
use crate::http::violations::ViolationDto;
use chrono::{DateTime, NaiveDate, Utc};
use domain::quality::{format_points, Commendation, Consequence};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsequenceDto {
    pub id: Uuid,
    pub half_year: String,
    pub threshold_half_points: i64,
    pub person_id: Uuid,
    pub person_role: String,
    pub kind: String,
    #[schema(value_type = Object)]
    pub details: Value,
    /// Set on a reversal record: the consequence it reverses.
    pub reverses: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl From<&Consequence> for ConsequenceDto {
    fn from(c: &Consequence) -> Self {
        ConsequenceDto {
            id: c.id,
            half_year: c.half_year.to_string(),
            threshold_half_points: c.threshold,
            person_id: c.person_id.0,
            person_role: c.person_role.as_str().to_owned(),
            kind: c.kind.as_str().to_owned(),
            details: c.details.clone(),
            reverses: c.reverses,
            created_at: c.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HalfYearScore {
    pub half_year: String,
    pub half_points: i64,
    pub points: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommendationDto {
    pub id: Uuid,
    pub text: String,
    pub given_on: NaiveDate,
}

impl From<&Commendation> for CommendationDto {
    fn from(c: &Commendation) -> Self {
        CommendationDto {
            id: c.id,
            text: c.text.clone(),
            given_on: c.given_on,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreditFile {
    pub agent_id: Uuid,
    /// Confirmed violations with their outcomes and appeals.
    pub violations: Vec<ViolationDto>,
    pub scores: Vec<HalfYearScore>,
    pub consequences: Vec<ConsequenceDto>,
    pub commendations: Vec<CommendationDto>,
}

impl CreditFile {
    /// The file as `viewer` sees it (reports carry the appeal window of the agent's branch).
    pub fn from_domain(f: domain::quality::CreditFile, appeal_days: u32, viewer: &domain::access::Actor) -> Self {
        CreditFile {
            agent_id: f.agent_id.0,
            scores: f
                .scores
                .iter()
                .map(|(h, p)| HalfYearScore {
                    half_year: h.to_string(),
                    half_points: *p,
                    points: format_points(*p),
                })
                .collect(),
            consequences: f.consequences.iter().map(ConsequenceDto::from).collect(),
            commendations: f.commendations.iter().map(CommendationDto::from).collect(),
            violations: f
                .violations
                .into_iter()
                .map(|v| ViolationDto::from_view(&ViolationView::new(v, appeal_days, viewer)))
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewCommendation {
    #[validate(length(min = 1, max = 2000, message = "must be 1 to 2000 characters"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub text: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct IdPath {
    /// The id.
    pub id: Uuid,
}
