//! Wire types of the policy versions (POL-1), named after their resource so they never collide
//! with the insurance policies' (COM-1).

use crate::app::policy_versions::{NewPolicyVersion as NewVersion, PolicyVersionChange, PolicyVersionView};
use crate::http::extract::decode_value;
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::BranchId;
use domain::policy::{PolicyDocument, PolicyInForce};
use domain::ValidationErrors;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PolicyVersionDto {
    pub id: Uuid,
    /// Absent for a company-wide version; a branch version overrides the company's.
    pub branch_id: Option<Uuid>,
    /// Sequential within its scope.
    pub version: i64,
    pub effective_from: NaiveDate,
    /// Every parameter (see the rulebook): `activity`, `monthly`, `diary`, `penalties`, `leads`,
    /// `quality`, `commission`, `licence`.
    #[schema(value_type = Object)]
    pub document: Value,
    /// A version in effect can no longer be edited; create a new one.
    pub in_effect: bool,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PolicyVersionDto {
    pub fn from_domain(v: &PolicyVersionView) -> Self {
        let p = &v.version;
        PolicyVersionDto {
            id: p.id,
            branch_id: p.branch_id.map(|b| b.0),
            version: p.version,
            effective_from: p.effective_from,
            document: serde_json::to_value(&p.document).unwrap_or_default(),
            in_effect: v.in_effect,
            created_by: p.created_by.0,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

/// A document as sent: omitted (or null) means the rulebook defaults; every section is checked.
fn parse_document(v: Value, pointer: &str) -> Result<PolicyDocument, ValidationErrors> {
    let v = if v.is_null() {
        Value::Object(Default::default())
    } else {
        v
    };
    let doc: PolicyDocument = decode_value(v, pointer)?;
    doc.validate(pointer)?;
    Ok(doc)
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewPolicyVersion {
    /// Omit for a company-wide version.
    pub branch_id: Option<Uuid>,
    /// Must not be in the past: a new version never rewrites closed history.
    pub effective_from: NaiveDate,
    /// Parameters; omitted sections and fields take the rulebook defaults.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub document: Value,
}

impl NewPolicyVersion {
    pub fn into_domain(self) -> Result<NewVersion, ValidationErrors> {
        Ok(NewVersion {
            branch: self.branch_id.map(BranchId),
            effective_from: self.effective_from,
            document: parse_document(self.document, "/document")?,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdatePolicyVersion {
    pub effective_from: Option<NaiveDate>,
    #[schema(value_type = Option<Object>)]
    pub document: Option<Value>,
}

impl UpdatePolicyVersion {
    pub fn into_domain(self) -> Result<PolicyVersionChange, ValidationErrors> {
        Ok(PolicyVersionChange {
            effective_from: self.effective_from,
            document: self.document.map(|d| parse_document(d, "/document")).transpose()?,
        })
    }
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PolicyVersionList {
    pub items: Vec<PolicyVersionDto>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PolicyVersionInForceDto {
    /// Absent when no version exists and the rulebook defaults apply (version 0).
    pub id: Option<Uuid>,
    pub version: i64,
    pub date: NaiveDate,
    #[schema(value_type = Object)]
    pub document: Value,
}

impl PolicyVersionInForceDto {
    pub fn from_domain(p: &PolicyInForce, date: NaiveDate) -> Self {
        PolicyVersionInForceDto {
            id: p.id,
            version: p.version,
            date,
            document: serde_json::to_value(&p.document).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PolicyVersionQuery {
    /// Only this branch's versions (omit for all, company-wide included).
    pub branch_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct IdPath {
    /// The id.
    pub id: Uuid,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct InForceQuery {
    pub branch_id: Uuid,
    pub date: NaiveDate,
}
