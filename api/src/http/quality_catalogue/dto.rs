//! Wire types of the catalogue.

use chrono::NaiveDate;
use domain::quality::{CatalogueEntry, CatalogueVersion};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueDto {
    /// 0 is the seeded rulebook catalogue.
    pub version: i64,
    pub effective_from: NaiveDate,
    /// Codes with titles (zh, en), point rule (`fixed`, `range` or `tiered`, in half points)
    /// and the posts allowed to report them.
    #[schema(value_type = Vec<Object>)]
    pub entries: Value,
}

impl CatalogueDto {
    pub fn from_domain(c: &CatalogueVersion) -> Self {
        CatalogueDto {
            version: c.version,
            effective_from: c.effective_from,
            entries: serde_json::to_value(&c.entries).unwrap_or(Value::Null),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewCatalogue {
    /// Must not be in the past: a change never rewrites past scores.
    pub effective_from: NaiveDate,
    #[schema(value_type = Vec<Object>)]
    pub entries: Value,
}

impl NewCatalogue {
    /// The entries as catalogue entries (field problems point into `/entries`).
    pub fn into_domain(self) -> Result<(NaiveDate, Vec<CatalogueEntry>), domain::ValidationErrors> {
        let entries = crate::http::extract::decode_value(self.entries, "/entries")?;
        Ok((self.effective_from, entries))
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// The version in force on this date (default: today).
    pub date: Option<NaiveDate>,
}
