//! Login throttling: failed attempts per account and per client address over a sliding window.
//!
//! An attempt reserves its slot under the lock *before* the password is checked, and the slot
//! counts as a failure unless the attempt succeeds (or is abandoned unevaluated). So N
//! concurrent guesses cannot all slip past a check made before any of them failed: at most
//! `max` of them are evaluated, the rest get 429.
//!
//! The state is in memory, so this holds per process: behind a load balancer each instance
//! enforces its own limit. Holding it across instances needs the counters in the database
//! (a follow-up of issue 14).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

pub struct Throttle {
    window: Duration,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

/// A reserved attempt slot in each throttled key. Dropping it unresolved (an error before the
/// password was checked, or a cancelled request) gives the slots back.
#[must_use = "an attempt is resolved with `failed` or `succeeded`"]
pub struct Attempt<'a> {
    throttle: &'a Throttle,
    slots: Vec<(String, Instant)>,
    keep: bool,
}

impl Throttle {
    pub fn new(window_secs: u64) -> Self {
        Self {
            window: Duration::from_secs(window_secs),
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn table(&self) -> MutexGuard<'_, HashMap<String, Vec<Instant>>> {
        // A panic while holding the lock leaves the table consistent (plain pushes/removes).
        self.failures.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reserves one attempt in every `(key, max)`, atomically: either all keys are under their
    /// `max` (failures plus attempts in flight) and each gets a slot, or nothing is reserved
    /// and the answer is the seconds until the most constrained key may try again.
    pub fn reserve(&self, limits: &[(&str, u32)]) -> Result<Attempt<'_>, u64> {
        let now = Instant::now();
        let mut map = self.table();
        let mut wait: Option<Duration> = None;
        for (key, max) in limits {
            let Some(entries) = map.get_mut(*key) else {
                continue;
            };
            entries.retain(|t| now.duration_since(*t) < self.window);
            if entries.len() >= *max as usize {
                let oldest = entries.first().copied().unwrap_or(now);
                let w = self.window.saturating_sub(now.duration_since(oldest));
                wait = Some(wait.map_or(w, |x| x.max(w)));
            }
        }
        if let Some(w) = wait {
            return Err(w.as_secs().max(1));
        }
        // Bound memory: forget idle keys once the table grows large.
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, v| v.last().is_some_and(|t| t.elapsed() < window));
        }
        let slots = limits
            .iter()
            .map(|(key, _)| {
                map.entry((*key).to_owned()).or_default().push(now);
                ((*key).to_owned(), now)
            })
            .collect();
        Ok(Attempt {
            throttle: self,
            slots,
            keep: false,
        })
    }

    /// Forgets every failure of `key` (a successful login clears its account's count).
    pub fn clear(&self, key: &str) {
        self.table().remove(key);
    }
}

impl Attempt<'_> {
    /// The password was wrong: the reserved slots stay as failures.
    pub fn failed(mut self) {
        self.keep = true;
    }

    /// The login succeeded: `clear_key`'s failures are forgotten; the other slots are given
    /// back.
    pub fn succeeded(self, clear_key: &str) {
        self.throttle.clear(clear_key);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        let mut map = self.throttle.table();
        for (key, at) in &self.slots {
            if let Some(entries) = map.get_mut(key) {
                if let Some(i) = entries.iter().position(|t| t == at) {
                    entries.remove(i);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_count_before_the_outcome_is_known() {
        let t = Throttle::new(60);
        let held: Vec<_> = (0..3).filter_map(|_| t.reserve(&[("a", 3), ("ip", 10)]).ok()).collect();
        assert_eq!(held.len(), 3);
        assert!(
            t.reserve(&[("a", 3), ("ip", 10)]).is_err(),
            "a fourth in flight is refused"
        );
        // Another account from the same address is still allowed.
        assert!(t.reserve(&[("b", 3), ("ip", 10)]).is_ok());
        drop(held);
        assert!(
            t.reserve(&[("a", 3), ("ip", 10)]).is_ok(),
            "unresolved slots are given back"
        );
    }

    #[test]
    fn failures_stay_and_success_clears_the_account() {
        let t = Throttle::new(60);
        for _ in 0..2 {
            t.reserve(&[("a", 3)]).map(Attempt::failed).ok();
        }
        let ok = t.reserve(&[("a", 3)]);
        assert!(ok.is_ok());
        ok.map(|a| a.succeeded("a")).ok();
        for _ in 0..3 {
            assert!(t.reserve(&[("a", 3)]).map(Attempt::failed).is_ok());
        }
        let wait = t.reserve(&[("a", 3)]).err();
        assert!(wait.is_some_and(|w| (1..=60).contains(&w)), "{wait:?}");
    }
}
