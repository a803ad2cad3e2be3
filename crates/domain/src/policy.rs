//! Policy parameters (POL-1). Every number the rulebook gives is a default here, never a
//! constant in a rule; versioned, branch- or company-scoped policies replace these defaults
//! once policy versions exist.

use serde::{Deserialize, Serialize};

/// Activity and daily-quota parameters (ACT-3, QUO-FACE-D, QUO-CALL-D, TIME-4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPolicy {
    /// QUO-FACE-D: counted face visits required per working day.
    pub face_visits_per_day: u32,
    /// QUO-CALL-D: counted phone services required per working day.
    pub calls_per_day: u32,
    /// ACT-3: a call counts only if it lasted at least this long.
    pub min_call_seconds: u32,
    /// How far back an activity's `occurred_at` may lie (offline upload window).
    pub max_backdate_days: u32,
    /// How far ahead of the server clock `occurred_at` may lie (device clock skew).
    pub max_future_seconds: u32,
}

impl Default for ActivityPolicy {
    fn default() -> Self {
        Self {
            face_visits_per_day: 3,
            calls_per_day: 5,
            min_call_seconds: 30,
            max_backdate_days: 7,
            max_future_seconds: 300,
        }
    }
}

/// Work-diary parameters (DIA-3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiaryPolicy {
    /// DIA-3: the local time on day D by which D's diary is on time.
    pub diary_deadline: chrono::NaiveTime,
}

impl Default for DiaryPolicy {
    fn default() -> Self {
        Self {
            diary_deadline: chrono::NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(chrono::NaiveTime::MIN),
        }
    }
}
