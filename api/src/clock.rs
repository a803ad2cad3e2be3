//! Time as a port: every deadline reads `Clock::now`. In test-clock mode the time can be
//! pinned from outside; otherwise it is the system clock.

use chrono::{DateTime, Timelike, Utc};
use std::sync::{Arc, RwLock};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    pinned: Arc<RwLock<Option<DateTime<Utc>>>>,
}

impl Clock {
    /// Truncated to microseconds: both engines store that precision, so a value read back
    /// equals the value written (and ETags stay stable).
    pub fn now(&self) -> DateTime<Utc> {
        let t = self.pinned.read().ok().and_then(|p| *p).unwrap_or_else(Utc::now);
        t.with_nanosecond(t.nanosecond() / 1000 * 1000).unwrap_or(t)
    }

    pub fn pin(&self, at: Option<DateTime<Utc>>) {
        if let Ok(mut p) = self.pinned.write() {
            *p = at;
        }
    }
}
