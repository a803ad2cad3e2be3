//! Spot checks by the quality office: reproducible random samples of a team's submitted
//! diaries, and the findings recorded on them.

use super::Diary;
use crate::ids::{CompanyId, TeamId, UserId};
use crate::penalty::{falsified_penalties, PenaltyDraft};
use crate::policy::PolicyInForce;
use crate::ValidationErrors;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

/// A spot check's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SpotCheckResult {
    Genuine,
    /// The fact that becomes DIA-PEN-FALSIFIED (and DIA-PEN-FALSIFIED-SUP).
    Falsified,
}

impl SpotCheckResult {
    pub const ALL: [SpotCheckResult; 2] = [Self::Genuine, Self::Falsified];

    pub fn as_str(self) -> &'static str {
        match self {
            SpotCheckResult::Genuine => "genuine",
            SpotCheckResult::Falsified => "falsified",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpotCheckSample {
    pub company_id: CompanyId,
    pub id: Uuid,
    pub team_id: TeamId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub size: u32,
    /// Recorded so the draw can be reproduced.
    pub seed: i64,
    pub drawn_by: UserId,
    pub drawn_at: DateTime<Utc>,
    pub diary_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpotCheck {
    pub company_id: CompanyId,
    pub id: Uuid,
    pub sample_id: Uuid,
    pub diary_id: Uuid,
    pub result: SpotCheckResult,
    pub notes: String,
    pub checked_by: UserId,
    pub checked_at: DateTime<Utc>,
}

/// The longest period one sample may cover, in days between its first and last day.
pub const MAX_SAMPLE_SPAN_DAYS: i64 = 366;

/// Adds what is wrong with a sample's period to `errors`.
pub fn check_sample_period(from: NaiveDate, to: NaiveDate, errors: &mut ValidationErrors) {
    if to < from {
        errors.push("/to", "must not be before 'from'");
    } else if (to - from).num_days() > MAX_SAMPLE_SPAN_DAYS {
        errors.push("/to", "a period covers at most a year");
    }
}

/// The random part of a spot check: `size` items drawn from `candidates` with `seed`
/// (SplitMix64-driven Fisher–Yates), so the same seed and candidates give the same sample.
pub fn draw_sample<T: Clone + Ord>(candidates: &[T], size: usize, seed: u64) -> Vec<T> {
    let mut items: Vec<T> = candidates.to_vec();
    items.sort();
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for i in (1..items.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
    items.truncate(size);
    items.sort();
    items
}

/// A finding as the quality office records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub diary_id: Uuid,
    pub result: SpotCheckResult,
    pub notes: String,
    pub checked_by: UserId,
    pub checked_at: DateTime<Utc>,
}

/// A finding on a diary the sample did not draw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotInSample;

impl std::fmt::Display for NotInSample {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("this diary is not in the sample")
    }
}

/// DIA-5: a spot check of a sampled diary ends `genuine` or `falsified`. Only a diary the
/// sample drew can be checked (once per sample, which storage enforces). A falsified finding
/// is the fact behind DIA-PEN-FALSIFIED on the diary's agent and DIA-PEN-FALSIFIED-SUP on
/// their supervisor at the time (`supervisor`), priced by the policy version in force on the
/// diary's day; a genuine one implies nothing. Returns the check and the penalties to post
/// with it, in the same write.
pub fn record_finding(
    sample: &SpotCheckSample,
    finding: Finding,
    diary: &Diary,
    supervisor: Option<UserId>,
    policy: &PolicyInForce,
) -> Result<(SpotCheck, Vec<PenaltyDraft>), NotInSample> {
    if finding.diary_id != diary.id || !sample.diary_ids.contains(&diary.id) {
        return Err(NotInSample);
    }
    let penalties = match finding.result {
        SpotCheckResult::Falsified => falsified_penalties(diary.id, diary.date, diary.agent_id, supervisor, policy),
        SpotCheckResult::Genuine => Vec::new(),
    };
    let check = SpotCheck {
        company_id: sample.company_id,
        id: Uuid::now_v7(),
        sample_id: sample.id,
        diary_id: diary.id,
        result: finding.result,
        notes: finding.notes.trim().to_owned(),
        checked_by: finding.checked_by,
        checked_at: finding.checked_at,
    };
    Ok((check, penalties))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diary::{diary_of_day, DayStatus, DiaryOfDay};
    use proptest::prelude::*;

    fn diary() -> Diary {
        let day = NaiveDate::from_ymd_opt(2026, 11, 3).unwrap_or_default();
        let now = DateTime::<Utc>::default();
        match diary_of_day(CompanyId::new(), UserId::new(), day, day, DayStatus::Working, None, now) {
            Ok(DiaryOfDay::Draft(d) | DiaryOfDay::Existing(d)) => d,
            Err(e) => panic!("{e:?}"),
        }
    }

    fn sample(of: &[Uuid]) -> SpotCheckSample {
        let day = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default();
        SpotCheckSample {
            company_id: CompanyId::new(),
            id: Uuid::now_v7(),
            team_id: TeamId::new(),
            from: day,
            to: day,
            size: 1,
            seed: 7,
            drawn_by: UserId::new(),
            drawn_at: DateTime::default(),
            diary_ids: of.to_vec(),
        }
    }

    fn finding(diary: &Diary, result: SpotCheckResult) -> Finding {
        Finding {
            diary_id: diary.id,
            result,
            notes: "  no such visit ".into(),
            checked_by: UserId::new(),
            checked_at: DateTime::default(),
        }
    }

    #[test]
    fn dia_5_falsified_finding_fines_agent_and_supervisor_genuine_nothing() {
        let d = diary();
        let s = sample(&[d.id]);
        let sup = UserId::new();
        let policy = PolicyInForce::default();
        let rec = record_finding(&s, finding(&d, SpotCheckResult::Falsified), &d, Some(sup), &policy);
        let Ok((check, drafts)) = rec else {
            panic!("a sampled diary can be checked");
        };
        assert_eq!(
            (check.sample_id, check.diary_id, check.notes.as_str()),
            (s.id, d.id, "no such visit")
        );
        let fined: Vec<(&str, UserId)> = drafts.iter().map(|p| (p.rule_id.as_str(), p.person)).collect();
        assert_eq!(
            fined,
            vec![("DIA-PEN-FALSIFIED", d.agent_id), ("DIA-PEN-FALSIFIED-SUP", sup)]
        );
        let genuine = record_finding(&s, finding(&d, SpotCheckResult::Genuine), &d, Some(sup), &policy);
        assert_eq!(genuine.map(|(_, p)| p.len()), Ok(0));
        let elsewhere = sample(&[Uuid::now_v7()]);
        let refused = record_finding(
            &elsewhere,
            finding(&d, SpotCheckResult::Falsified),
            &d,
            Some(sup),
            &policy,
        );
        assert_eq!(refused.err(), Some(NotInSample));
    }

    #[test]
    fn dia_5_sample_is_reproducible_and_bounded() {
        let ids: Vec<u32> = (0..50).collect();
        let a = draw_sample(&ids, 5, 42);
        assert_eq!(a, draw_sample(&ids, 5, 42));
        assert_eq!(a.len(), 5);
        assert_ne!(a, draw_sample(&ids, 5, 43));
        assert_eq!(draw_sample(&ids[..3], 5, 1).len(), 3);
    }

    #[test]
    fn dia_5_sample_periods_cover_at_most_a_year() {
        let d = |m, day| NaiveDate::from_ymd_opt(2026, m, day).unwrap_or_default();
        let mut errors = ValidationErrors::default();
        check_sample_period(d(11, 2), d(11, 1), &mut errors);
        check_sample_period(d(1, 1), d(12, 31), &mut errors);
        assert_eq!(errors.0.len(), 1);
        check_sample_period(d(1, 1), d(1, 1) + chrono::Duration::days(367), &mut errors);
        assert_eq!(errors.0.len(), 2);
        for r in SpotCheckResult::ALL {
            assert_eq!(SpotCheckResult::parse(r.as_str()), Some(r));
        }
    }

    proptest! {
        #[test]
        fn dia_5_sample_is_a_subset_without_repeats(n in 0usize..100, size in 0usize..30, seed in any::<u64>()) {
            let ids: Vec<usize> = (0..n).collect();
            let s = draw_sample(&ids, size, seed);
            prop_assert_eq!(s.len(), size.min(n));
            let mut dedup = s.clone();
            dedup.dedup();
            prop_assert_eq!(dedup.len(), s.len());
            prop_assert!(s.iter().all(|x| *x < n));
        }
    }
}
