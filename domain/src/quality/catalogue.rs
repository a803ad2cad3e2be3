//! The violation catalogue as versioned data: codes, their point rules and the posts that may
//! report them. Points are integer halves (0.5 steps).

use super::Post;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// How a code's points are fixed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PointRule {
    /// The same points for every item.
    Fixed { half_points: i64 },
    /// The quality office picks within [min, max] when confirming.
    Range { min_half_points: i64, max_half_points: i64 },
    /// By the agent's count of this code in the half-year: items up to `up_to` score
    /// `half_points`, later ones `beyond_half_points` (Q-DOCS-OVERDUE).
    Tiered {
        up_to: u32,
        half_points: i64,
        beyond_half_points: i64,
    },
}

impl PointRule {
    /// Every rule scores something: no zero or negative points, and a range is not inverted.
    fn is_sound(&self) -> bool {
        match self {
            PointRule::Fixed { half_points } => *half_points > 0,
            PointRule::Range {
                min_half_points,
                max_half_points,
            } => *min_half_points > 0 && min_half_points <= max_half_points,
            PointRule::Tiered {
                half_points,
                beyond_half_points,
                ..
            } => *half_points > 0 && *beyond_half_points > 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogueEntry {
    pub code: String,
    pub title_zh: String,
    pub title_en: String,
    pub rule: PointRule,
    /// The posts allowed to report it.
    pub posts: Vec<Post>,
}

/// A stored catalogue version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogueVersion {
    pub version: i64,
    pub effective_from: NaiveDate,
    pub entries: Vec<CatalogueEntry>,
}

impl CatalogueVersion {
    pub fn entry(&self, code: &str) -> Option<&CatalogueEntry> {
        self.entries.iter().find(|e| e.code == code)
    }
}

/// Why points could not be fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PointsError {
    /// A range code needs the points picked.
    Missing,
    /// Outside the code's range.
    OutOfRange { min: i64, max: i64 },
    /// Picked for a code whose points are not picked.
    NotPickable,
}

/// QLT-1: the points of one item under its code's rule: fixed, picked within the range by the
/// quality office, or tiered by `prior_items` (how many items of this code the agent already
/// has scored in the same half-year).
pub fn points_for(rule: &PointRule, picked: Option<i64>, prior_items: u32) -> Result<i64, PointsError> {
    match (rule, picked) {
        (PointRule::Fixed { half_points }, None) => Ok(*half_points),
        (
            PointRule::Tiered {
                up_to,
                half_points,
                beyond_half_points,
            },
            None,
        ) => Ok(if prior_items < *up_to {
            *half_points
        } else {
            *beyond_half_points
        }),
        (PointRule::Fixed { .. } | PointRule::Tiered { .. }, Some(_)) => Err(PointsError::NotPickable),
        (PointRule::Range { .. }, None) => Err(PointsError::Missing),
        (
            PointRule::Range {
                min_half_points,
                max_half_points,
            },
            Some(p),
        ) => {
            if (*min_half_points..=*max_half_points).contains(&p) {
                Ok(p)
            } else {
                Err(PointsError::OutOfRange {
                    min: *min_half_points,
                    max: *max_half_points,
                })
            }
        }
    }
}

/// The date the seeded catalogue (version 0) applies from: before any data.
pub fn seeded_effective_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN)
}

/// The catalogue version in force on `day`: the latest stored version effective by then, else
/// the seeded rulebook table (version 0). Used for reports made by people and by callbacks.
pub fn catalogue_in_force(versions: &[CatalogueVersion], day: NaiveDate) -> CatalogueVersion {
    versions
        .iter()
        .filter(|v| v.effective_from <= day)
        .max_by_key(|v| v.version)
        .cloned()
        .unwrap_or_else(|| CatalogueVersion {
            version: 0,
            effective_from: seeded_effective_from(),
            entries: default_catalogue(),
        })
}

/// The catalogue a report was scored under (its stored version, or the seeded one).
pub fn catalogue_version(versions: &[CatalogueVersion], version: i64) -> CatalogueVersion {
    versions
        .iter()
        .find(|v| v.version == version)
        .cloned()
        .unwrap_or_else(|| catalogue_in_force(&[], seeded_effective_from()))
}

/// A new catalogue version after `versions`: entries with unique codes, sound point rules and at
/// least one post each, effective no earlier than `today` (a change never rewrites past scores).
pub fn draft_catalogue(
    versions: &[CatalogueVersion],
    effective_from: NaiveDate,
    entries: Vec<CatalogueEntry>,
    today: NaiveDate,
) -> Result<CatalogueVersion, crate::ValidationErrors> {
    let mut errors = crate::ValidationErrors::default();
    let mut seen = std::collections::HashSet::new();
    for (i, e) in entries.iter().enumerate() {
        if e.code.trim().is_empty() || !seen.insert(e.code.clone()) {
            errors.push(format!("/entries/{i}/code"), "must be present and unique");
        }
        if !e.rule.is_sound() {
            errors.push(format!("/entries/{i}/rule"), "points must be positive (and min ≤ max)");
        }
        if e.posts.is_empty() {
            errors.push(format!("/entries/{i}/posts"), "at least one post may report it");
        }
    }
    if effective_from < today {
        errors.push("/effective_from", format!("must not be before today ({today})"));
    }
    let version = versions.iter().map(|v| v.version).max().unwrap_or(0) + 1;
    errors.into_result(CatalogueVersion {
        version,
        effective_from,
        entries,
    })
}

fn entry(code: &str, zh: &str, en: &str, rule: PointRule, posts: &[Post]) -> CatalogueEntry {
    CatalogueEntry {
        code: code.to_owned(),
        title_zh: zh.to_owned(),
        title_en: en.to_owned(),
        rule,
        posts: posts.to_vec(),
    }
}

/// The seeded catalogue (the rulebook's table), as version 0.
pub fn default_catalogue() -> Vec<CatalogueEntry> {
    use Post::*;
    let range = |a: i64, b: i64| PointRule::Range {
        min_half_points: a * 2,
        max_half_points: b * 2,
    };
    let fixed = |h: i64| PointRule::Fixed { half_points: h };
    let all = Post::ALL;
    vec![
        entry(
            "Q-CONTACT",
            "客户资料错误，公司无法联系客户",
            "Wrong client data: the company cannot reach the client",
            range(1, 3),
            &[CallbackCenter, PolicyService, Claims, Complaints, Whistleblower],
        ),
        entry(
            "Q-DISCLOSE",
            "未如实全面说明条款、责任免除、费用或服务承诺",
            "Terms, exclusions, fees or service promises not truthfully and fully explained",
            range(5, 10),
            &all,
        ),
        entry(
            "Q-SIGNATURE",
            "代签名",
            "Signature not by the client",
            range(5, 10),
            &all,
        ),
        entry(
            "Q-COOLOFF",
            "强迫或诱导购买，隐瞒或阻碍犹豫期",
            "Forcing or inducing purchase; hiding or obstructing the cooling-off period",
            range(5, 10),
            &all,
        ),
        entry(
            "Q-DELIVERY",
            "未在3个工作日内送达保单",
            "Policy documents not delivered within 3 working days",
            range(3, 8),
            &[PolicyService, CallbackCenter, Complaints, Whistleblower],
        ),
        entry(
            "Q-RECEIPT",
            "保单回执未交回",
            "Policy receipt not returned",
            fixed(2),
            &[PolicyService, Underwriting],
        ),
        entry(
            "Q-NOTICE",
            "公司通知函件未及时送达或反馈不实",
            "Company notices not delivered or fed back in time, or feedback untrue",
            fixed(2),
            &[PolicyService, Claims, Hr],
        ),
        entry(
            "Q-NOTICE-HARM",
            "通知函件未送达造成投诉或损失",
            "As Q-NOTICE, causing a complaint or loss",
            fixed(20),
            &[PolicyService, Claims, Complaints],
        ),
        entry(
            "Q-DOCS-OVERDUE",
            "有价单证未按时交回",
            "Valuable documents not returned on time",
            PointRule::Tiered {
                up_to: 10,
                half_points: 2,
                beyond_half_points: 4,
            },
            &[PolicyService, Underwriting, Hr],
        ),
        entry(
            "Q-CLAIM-COOP",
            "不配合理赔调查，隐瞒线索",
            "Not cooperating with a claim investigation, hiding clues",
            fixed(1),
            &[Claims],
        ),
        entry(
            "Q-INVEST-RISK",
            "隐瞒投资风险、保费分配或账户费用",
            "Hiding investment risk, premium allocation or account fees",
            fixed(20),
            &all,
        ),
        entry(
            "Q-EXTRA-BENEFIT",
            "承诺合同以外利益",
            "Promising benefits outside the contract",
            fixed(40),
            &all,
        ),
        entry(
            "Q-EXTRA-FEE",
            "收取保费以外费用",
            "Charging fees beyond the premium",
            fixed(40),
            &all,
        ),
        entry(
            "Q-UNAUTH-CHANGE",
            "擅自变更条款、保障或费率",
            "Changing terms, cover or rates without authority",
            fixed(40),
            &all,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(code: &str) -> PointRule {
        default_catalogue()
            .into_iter()
            .find(|e| e.code == code)
            .map(|e| e.rule)
            .unwrap_or(PointRule::Fixed { half_points: -1 })
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    fn version(v: i64, from: NaiveDate) -> CatalogueVersion {
        CatalogueVersion {
            version: v,
            effective_from: from,
            entries: vec![],
        }
    }

    #[test]
    fn qlt_1_range_codes_need_points_within_range() {
        let r = rule("Q-CONTACT");
        assert_eq!(points_for(&r, Some(2), 0), Ok(2));
        assert_eq!(points_for(&r, Some(6), 0), Ok(6));
        assert_eq!(
            points_for(&r, Some(7), 0),
            Err(PointsError::OutOfRange { min: 2, max: 6 })
        );
        assert_eq!(
            points_for(&r, Some(1), 0),
            Err(PointsError::OutOfRange { min: 2, max: 6 })
        );
        assert_eq!(points_for(&r, None, 0), Err(PointsError::Missing));
    }

    #[test]
    fn qlt_1_fixed_codes_are_not_picked() {
        assert_eq!(points_for(&rule("Q-EXTRA-FEE"), None, 0), Ok(40));
        assert_eq!(points_for(&rule("Q-CLAIM-COOP"), None, 0), Ok(1));
        assert_eq!(
            points_for(&rule("Q-RECEIPT"), Some(2), 0),
            Err(PointsError::NotPickable)
        );
    }

    #[test]
    fn qlt_1_q_docs_overdue_is_tiered_by_count_in_half_year() {
        let r = rule("Q-DOCS-OVERDUE");
        for prior in 0..10 {
            assert_eq!(points_for(&r, None, prior), Ok(2), "item {}", prior + 1);
        }
        assert_eq!(points_for(&r, None, 10), Ok(4), "the 11th item");
    }

    #[test]
    fn the_catalogue_in_force_is_the_latest_version_effective_by_the_day() {
        let versions = [version(1, d(2026, 12, 1)), version(2, d(2027, 3, 1))];
        assert_eq!(catalogue_in_force(&versions, d(2026, 11, 30)).version, 0);
        assert_eq!(catalogue_in_force(&versions, d(2026, 11, 30)).entries.len(), 14);
        assert_eq!(catalogue_in_force(&versions, d(2026, 12, 1)).version, 1);
        assert_eq!(catalogue_in_force(&versions, d(2027, 3, 1)).version, 2);
        assert_eq!(catalogue_in_force(&[], d(2026, 1, 1)).effective_from, d(2000, 1, 1));
        assert_eq!(catalogue_version(&versions, 2).effective_from, d(2027, 3, 1));
        assert_eq!(catalogue_version(&versions, 0).entries.len(), 14);
    }

    #[test]
    fn a_draft_catalogue_is_numbered_after_the_last_and_never_dated_in_the_past() {
        let e = |code: &str, rule: PointRule, posts: Vec<Post>| CatalogueEntry {
            code: code.into(),
            title_zh: "x".into(),
            title_en: "x".into(),
            rule,
            posts,
        };
        let ok = draft_catalogue(
            &[version(1, d(2026, 1, 1))],
            d(2026, 12, 1),
            vec![e("Q-A", PointRule::Fixed { half_points: 2 }, vec![Post::Hr])],
            d(2026, 11, 10),
        );
        assert_eq!(ok.map(|v| v.version).ok(), Some(2));
        let bad = draft_catalogue(
            &[],
            d(2026, 11, 1),
            vec![
                e("Q-A", PointRule::Fixed { half_points: 0 }, vec![]),
                e(
                    "Q-A",
                    PointRule::Range {
                        min_half_points: 4,
                        max_half_points: 2,
                    },
                    vec![Post::Hr],
                ),
            ],
            d(2026, 11, 10),
        );
        let pointers: Vec<String> = bad
            .err()
            .map(|e| e.0.into_iter().map(|f| f.pointer).collect())
            .unwrap_or_default();
        assert_eq!(
            pointers,
            [
                "/entries/0/rule",
                "/entries/0/posts",
                "/entries/1/code",
                "/entries/1/rule",
                "/effective_from"
            ]
        );
    }
}
