//! Wire types of spot-check samples and findings.

use crate::app::spot_checks::{NewFinding as Finding, SampleRequest};
use chrono::{DateTime, NaiveDate, Utc};
use domain::diary::{SpotCheck, SpotCheckResult, SpotCheckSample};
use domain::ids::TeamId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct DrawSample {
    pub team_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[validate(range(min = 1, max = 100, message = "must be 1 to 100"))]
    #[schema(minimum = 1, maximum = 100)]
    pub size: u32,
    /// Reproduce an earlier draw with its seed; omitted, a random seed is chosen and recorded.
    pub seed: Option<i64>,
}

impl DrawSample {
    pub fn into_domain(self) -> SampleRequest {
        SampleRequest {
            team: TeamId(self.team_id),
            from: self.from,
            to: self.to,
            size: self.size,
            seed: self.seed,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpotCheckResultDto {
    Genuine,
    Falsified,
}

impl SpotCheckResultDto {
    fn into_domain(self) -> SpotCheckResult {
        match self {
            Self::Genuine => SpotCheckResult::Genuine,
            Self::Falsified => SpotCheckResult::Falsified,
        }
    }

    fn from_domain(r: SpotCheckResult) -> Self {
        match r {
            SpotCheckResult::Genuine => Self::Genuine,
            SpotCheckResult::Falsified => Self::Falsified,
        }
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SpotCheckDto {
    pub id: Uuid,
    pub diary_id: Uuid,
    pub result: SpotCheckResultDto,
    pub notes: String,
    pub checked_by: Uuid,
    pub checked_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SampleDto {
    pub id: Uuid,
    pub team_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub size: u32,
    pub seed: i64,
    pub drawn_by: Uuid,
    pub drawn_at: DateTime<Utc>,
    /// The sampled diaries (fewer than `size` when the period has fewer submitted diaries).
    pub diary_ids: Vec<Uuid>,
    pub checks: Vec<SpotCheckDto>,
}

impl SampleDto {
    pub fn from_domain(s: &SpotCheckSample, checks: &[SpotCheck]) -> Self {
        Self {
            id: s.id,
            team_id: s.team_id.0,
            from: s.from,
            to: s.to,
            size: s.size,
            seed: s.seed,
            drawn_by: s.drawn_by.0,
            drawn_at: s.drawn_at,
            diary_ids: s.diary_ids.clone(),
            checks: checks
                .iter()
                .map(|c| SpotCheckDto {
                    id: c.id,
                    diary_id: c.diary_id,
                    result: SpotCheckResultDto::from_domain(c.result),
                    notes: c.notes.clone(),
                    checked_by: c.checked_by.0,
                    checked_at: c.checked_at,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SamplePath {
    /// The sample's id.
    pub id: Uuid,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewFinding {
    pub diary_id: Uuid,
    pub result: SpotCheckResultDto,
    #[validate(length(max = 4000, message = "is too long"))]
    #[schema(max_length = 4000)]
    pub notes: String,
}

impl NewFinding {
    pub fn into_domain(self) -> Finding {
        Finding {
            diary_id: self.diary_id,
            result: self.result.into_domain(),
            notes: self.notes,
        }
    }
}
