//! Quality points (QLT-1..QLT-7): the violation catalogue as data, points rules, half-year
//! scores and the consequences of crossing a threshold. Points are integer halves (0.5 steps).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// QLT-2: the posts that may report violations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Post {
    CallbackCenter,
    Claims,
    PolicyService,
    Underwriting,
    Hr,
    Complaints,
    Whistleblower,
}

impl Post {
    pub const ALL: [Post; 7] = [
        Post::CallbackCenter,
        Post::Claims,
        Post::PolicyService,
        Post::Underwriting,
        Post::Hr,
        Post::Complaints,
        Post::Whistleblower,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Post::CallbackCenter => "callback_center",
            Post::Claims => "claims",
            Post::PolicyService => "policy_service",
            Post::Underwriting => "underwriting",
            Post::Hr => "hr",
            Post::Complaints => "complaints",
            Post::Whistleblower => "whistleblower",
        }
    }

    pub fn parse(s: &str) -> Option<Post> {
        Post::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Which posts a role staffs (QLT-2). The quality office records reports for the posts
/// without their own accounts (claims, policy service, underwriting, complaints); any agent
/// may blow the whistle on another.
pub fn posts_of_role(role: crate::org::Role) -> Vec<Post> {
    use crate::org::Role;
    match role {
        Role::CallbackAgent => vec![Post::CallbackCenter],
        Role::Hr => vec![Post::Hr],
        Role::QualityOfficer => vec![
            Post::Claims,
            Post::PolicyService,
            Post::Underwriting,
            Post::Complaints,
            Post::CallbackCenter,
            Post::Hr,
        ],
        Role::Agent => vec![Post::Whistleblower],
        Role::Supervisor | Role::Admin => vec![],
    }
}

/// QLT-1: how a code's points are fixed.
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

/// Why points could not be fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PointsError {
    /// A range code needs the points picked.
    Missing,
    /// Outside the code's range, or picked for a code whose points are not picked.
    OutOfRange {
        min: i64,
        max: i64,
    },
    NotPickable,
}

/// QLT-1: the points of one item. `prior_items` is how many items of this code the agent
/// already has confirmed in the same half-year (for tiered codes).
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

fn entry(code: &str, zh: &str, en: &str, rule: PointRule, posts: &[Post]) -> CatalogueEntry {
    CatalogueEntry {
        code: code.to_owned(),
        title_zh: zh.to_owned(),
        title_en: en.to_owned(),
        rule,
        posts: posts.to_vec(),
    }
}

/// QLT-1: the seeded catalogue (the rulebook's table), as version 0.
pub fn default_catalogue() -> Vec<CatalogueEntry> {
    use Post::*;
    let range = |a: i64, b: i64| PointRule::Range {
        min_half_points: a * 2,
        max_half_points: b * 2,
    };
    let fixed = |h: i64| PointRule::Fixed { half_points: h };
    let all = [
        CallbackCenter,
        Claims,
        PolicyService,
        Underwriting,
        Hr,
        Complaints,
        Whistleblower,
    ];
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

/// QLT-4: the calendar half-year of a date, "2026H2".
pub fn half_year_of(d: NaiveDate) -> String {
    format!("{}H{}", d.year(), if d.month() <= 6 { 1 } else { 2 })
}

pub fn half_year_bounds(h: &str) -> Option<(NaiveDate, NaiveDate)> {
    let (y, n) = h.split_once('H')?;
    let y: i32 = y.parse().ok()?;
    match n {
        "1" => Some((NaiveDate::from_ymd_opt(y, 1, 1)?, NaiveDate::from_ymd_opt(y, 6, 30)?)),
        "2" => Some((NaiveDate::from_ymd_opt(y, 7, 1)?, NaiveDate::from_ymd_opt(y, 12, 31)?)),
        _ => None,
    }
}

/// QLT-5: who receives what when a threshold is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsequenceKind {
    /// On the agent: 解除代理合同 recommended.
    ContractTerminationRecommendation,
    /// On the supervisor: 通报批评.
    CriticismNotice,
    /// On the supervisor: promotion delayed by `periods` assessment periods.
    PromotionDelay,
    /// On the supervisor: `percent` of that month's management allowance withheld.
    AllowanceWithheld,
}

impl ConsequenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConsequenceKind::ContractTerminationRecommendation => "contract_termination_recommendation",
            ConsequenceKind::CriticismNotice => "criticism_notice",
            ConsequenceKind::PromotionDelay => "promotion_delay",
            ConsequenceKind::AllowanceWithheld => "allowance_withheld",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::ContractTerminationRecommendation,
            Self::CriticismNotice,
            Self::PromotionDelay,
            Self::AllowanceWithheld,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    pub fn on_supervisor(self) -> bool {
        self != ConsequenceKind::ContractTerminationRecommendation
    }
}

/// QLT-5 as policy data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    pub half_points: i64,
    pub consequences: Vec<ConsequenceKind>,
    #[serde(default = "default_percent")]
    pub allowance_withheld_percent: u32,
    #[serde(default = "default_periods")]
    pub promotion_delay_periods: u32,
}

fn default_percent() -> u32 {
    15
}

fn default_periods() -> u32 {
    1
}

/// Quality parameters of a policy version (QLT-3, QLT-5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QualityPolicy {
    /// QLT-3: days after confirmation within which the agent may appeal.
    pub appeal_days: u32,
    pub thresholds: Vec<Threshold>,
}

impl Default for QualityPolicy {
    fn default() -> Self {
        Self {
            appeal_days: 7,
            thresholds: vec![Threshold {
                half_points: 30,
                consequences: vec![
                    ConsequenceKind::ContractTerminationRecommendation,
                    ConsequenceKind::CriticismNotice,
                    ConsequenceKind::PromotionDelay,
                    ConsequenceKind::AllowanceWithheld,
                ],
                allowance_withheld_percent: 15,
                promotion_delay_periods: 1,
            }],
        }
    }
}

/// A consequence currently in force (not reversed) for an agent's half-year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveConsequence {
    pub id: uuid::Uuid,
    pub threshold: i64,
    pub kind: ConsequenceKind,
}

/// What to record so that consequences match the score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsequenceAction {
    Impose { threshold: i64, kind: ConsequenceKind },
    Reverse { id: uuid::Uuid },
}

/// QLT-5: reaching a threshold imposes its consequences exactly once; falling back under it
/// (an overturned appeal) reverses them. Already-active consequences are left alone.
pub fn reconcile_consequences(
    score: i64,
    policy: &QualityPolicy,
    active: &[ActiveConsequence],
) -> Vec<ConsequenceAction> {
    let mut out = Vec::new();
    for t in &policy.thresholds {
        let reached = score >= t.half_points;
        for kind in &t.consequences {
            let current: Vec<&ActiveConsequence> = active
                .iter()
                .filter(|a| a.threshold == t.half_points && a.kind == *kind)
                .collect();
            if reached && current.is_empty() {
                out.push(ConsequenceAction::Impose {
                    threshold: t.half_points,
                    kind: *kind,
                });
            } else if !reached {
                out.extend(current.into_iter().map(|a| ConsequenceAction::Reverse { id: a.id }));
            }
        }
    }
    out
}

/// QLT-3: the state of a report, derived from its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViolationStatus {
    Pending,
    Confirmed,
    Dismissed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppealStatus {
    None,
    Pending,
    Upheld,
    Reduced,
    Overturned,
}

/// One step in a report's life (QLT-3: every step is a new record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViolationEvent {
    pub kind: String,
    pub half_points: Option<i64>,
    pub reason: Option<String>,
    pub actor_id: crate::ids::UserId,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The derived state: status, appeal status, confirmed time, and the points that count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ViolationState {
    pub status: ViolationStatus,
    pub appeal: AppealStatus,
    pub confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    pub confirmed_half_points: Option<i64>,
    /// What counts toward the score now (0 unless confirmed; reduced or 0 after an appeal).
    pub effective_half_points: i64,
}

pub fn derive_state(events: &[ViolationEvent]) -> ViolationState {
    let mut s = ViolationState {
        status: ViolationStatus::Pending,
        appeal: AppealStatus::None,
        confirmed_at: None,
        confirmed_half_points: None,
        effective_half_points: 0,
    };
    for e in events {
        match e.kind.as_str() {
            "confirmed" => {
                s.status = ViolationStatus::Confirmed;
                s.confirmed_at = Some(e.at);
                s.confirmed_half_points = e.half_points;
                s.effective_half_points = e.half_points.unwrap_or(0);
            }
            "dismissed" => s.status = ViolationStatus::Dismissed,
            "appealed" => s.appeal = AppealStatus::Pending,
            "upheld" => s.appeal = AppealStatus::Upheld,
            "reduced" => {
                s.appeal = AppealStatus::Reduced;
                s.effective_half_points = e.half_points.unwrap_or(s.effective_half_points);
            }
            "overturned" => {
                s.appeal = AppealStatus::Overturned;
                s.effective_half_points = 0;
            }
            _ => {}
        }
    }
    s
}

/// "7.5" for 15 halves.
pub fn format_points(half_points: i64) -> String {
    if half_points % 2 == 0 {
        format!("{}", half_points / 2)
    } else {
        format!("{}.5", half_points / 2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rule(code: &str) -> PointRule {
        default_catalogue()
            .into_iter()
            .find(|e| e.code == code)
            .map(|e| e.rule)
            .unwrap_or(PointRule::Fixed { half_points: -1 })
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
    fn qlt_4_half_years() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd).unwrap_or_default();
        assert_eq!(half_year_of(d(2026, 6, 30)), "2026H1");
        assert_eq!(half_year_of(d(2026, 7, 1)), "2026H2");
        assert_eq!(half_year_bounds("2026H2"), Some((d(2026, 7, 1), d(2026, 12, 31))));
        assert_eq!(half_year_bounds("2026H3"), None);
    }

    #[test]
    fn qlt_5_reaching_15_points_imposes_once_and_falling_back_reverses() {
        let p = QualityPolicy::default();
        assert!(reconcile_consequences(29, &p, &[]).is_empty());
        let imposed = reconcile_consequences(30, &p, &[]);
        assert_eq!(imposed.len(), 4);
        let active: Vec<ActiveConsequence> = p.thresholds[0]
            .consequences
            .iter()
            .map(|k| ActiveConsequence {
                id: uuid::Uuid::now_v7(),
                threshold: 30,
                kind: *k,
            })
            .collect();
        assert!(reconcile_consequences(50, &p, &active).is_empty(), "not repeated");
        let reversed = reconcile_consequences(20, &p, &active);
        assert_eq!(reversed.len(), 4);
        assert!(reversed.iter().all(|a| matches!(a, ConsequenceAction::Reverse { .. })));
    }

    #[test]
    fn qlt_3_state_follows_events() {
        let at = chrono::DateTime::<chrono::Utc>::default();
        let ev = |k: &str, p: Option<i64>| ViolationEvent {
            kind: k.into(),
            half_points: p,
            reason: None,
            actor_id: crate::ids::UserId::new(),
            at,
        };
        let s = derive_state(&[ev("reported", None)]);
        assert_eq!((s.status, s.effective_half_points), (ViolationStatus::Pending, 0));
        let s = derive_state(&[ev("reported", None), ev("confirmed", Some(6))]);
        assert_eq!((s.status, s.effective_half_points), (ViolationStatus::Confirmed, 6));
        let s = derive_state(&[
            ev("reported", None),
            ev("confirmed", Some(6)),
            ev("appealed", None),
            ev("reduced", Some(2)),
        ]);
        assert_eq!(
            (s.appeal, s.effective_half_points, s.confirmed_half_points),
            (AppealStatus::Reduced, 2, Some(6))
        );
        let s = derive_state(&[
            ev("reported", None),
            ev("confirmed", Some(6)),
            ev("appealed", None),
            ev("overturned", None),
        ]);
        assert_eq!((s.appeal, s.effective_half_points), (AppealStatus::Overturned, 0));
        assert_eq!(
            derive_state(&[ev("reported", None), ev("dismissed", None)]).status,
            ViolationStatus::Dismissed
        );
    }

    #[test]
    fn qlt_2_posts_by_role() {
        use crate::org::Role;
        assert_eq!(posts_of_role(Role::Agent), vec![Post::Whistleblower]);
        assert_eq!(posts_of_role(Role::CallbackAgent), vec![Post::CallbackCenter]);
        assert!(posts_of_role(Role::Supervisor).is_empty());
        assert!(posts_of_role(Role::QualityOfficer).contains(&Post::Claims));
    }

    #[test]
    fn points_format_in_halves() {
        assert_eq!(format_points(30), "15");
        assert_eq!(format_points(1), "0.5");
        assert_eq!(format_points(15), "7.5");
    }

    proptest! {
        #[test]
        fn qlt_5_reconcile_is_idempotent(score in 0i64..80) {
            let p = QualityPolicy::default();
            let first = reconcile_consequences(score, &p, &[]);
            let active: Vec<ActiveConsequence> = first.iter().filter_map(|a| match a {
                ConsequenceAction::Impose { threshold, kind } => Some(ActiveConsequence { id: uuid::Uuid::now_v7(), threshold: *threshold, kind: *kind }),
                ConsequenceAction::Reverse { .. } => None,
            }).collect();
            prop_assert!(reconcile_consequences(score, &p, &active).is_empty());
        }
    }
}

/// A violation report (QLT-2) with its derived state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub company_id: crate::ids::CompanyId,
    pub id: uuid::Uuid,
    pub agent_id: crate::ids::UserId,
    pub code: String,
    pub post: Post,
    pub reporter_id: crate::ids::UserId,
    pub occurred_on: NaiveDate,
    pub evidence: String,
    pub attachments: Vec<String>,
    pub client_id: Option<uuid::Uuid>,
    pub policy_number: Option<String>,
    pub catalogue_version: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub events: Vec<ViolationEvent>,
}

/// A recorded consequence (or the reversal of one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consequence {
    pub company_id: crate::ids::CompanyId,
    pub id: uuid::Uuid,
    pub agent_id: crate::ids::UserId,
    pub half_year: String,
    pub threshold: i64,
    pub person_id: crate::ids::UserId,
    /// "agent" or "supervisor".
    pub person_role: String,
    pub kind: ConsequenceKind,
    pub details: serde_json::Value,
    /// Set on a reversal: the consequence it reverses.
    pub reverses: Option<uuid::Uuid>,
    pub source_key: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Commendation {
    pub company_id: crate::ids::CompanyId,
    pub id: uuid::Uuid,
    pub agent_id: crate::ids::UserId,
    pub text: String,
    pub given_by: crate::ids::UserId,
    pub given_on: NaiveDate,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// A stored catalogue version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogueVersion {
    pub version: i64,
    pub effective_from: NaiveDate,
    pub entries: Vec<CatalogueEntry>,
}
