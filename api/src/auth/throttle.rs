//! Login throttling: failed attempts per account and per client address over a sliding window,
//! counted in the database so the limit holds across every instance behind a load balancer.
//!
//! An attempt reserves its slot *before* the password is checked, and the slot counts as a
//! failure unless the attempt succeeds (or is abandoned unevaluated). So N concurrent guesses,
//! on one instance or several, cannot all slip past a check made before any of them failed:
//! at most `max` of them are evaluated, the rest get 429.

use domain::ports::{AttemptLimit, AttemptOutcome, LimitsRepo, RepoError};
use infra::Db;

/// A reserved attempt slot. Dropping it unresolved (an error before the password was
/// checked, or a cancelled request) gives the slot back in the background.
#[must_use = "an attempt is resolved with `failed` or `succeeded`"]
pub struct Attempt {
    db: Db,
    slot: uuid::Uuid,
    resolved: bool,
}

/// Reserves one attempt against every limit; `Ok(Err(seconds))` when a limit is reached.
pub async fn reserve(
    db: &Db,
    limits: &[AttemptLimit<'_>],
    window_secs: u64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Result<Attempt, u64>, RepoError> {
    Ok(db
        .reserve_login_attempt(limits, window_secs, now)
        .await?
        .map(|slot| Attempt {
            db: db.clone(),
            slot,
            resolved: false,
        }))
}

impl Attempt {
    /// The password was wrong: the slot stays as a failure until the window passes.
    pub fn failed(mut self) {
        self.resolved = true;
    }

    /// The login succeeded: `clear`'s failures are forgotten and the slot is given back.
    pub async fn succeeded(mut self, clear: &str) -> Result<(), RepoError> {
        self.resolved = true;
        self.db
            .resolve_login_attempt(self.slot, AttemptOutcome::Succeeded { clear })
            .await
    }
}

impl Drop for Attempt {
    fn drop(&mut self) {
        if self.resolved {
            return;
        }
        // Giving the slot back is best effort: if it fails (the database is away, which is
        // likely why the attempt was abandoned) the slot expires with the window.
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let db = self.db.clone();
            let slot = self.slot;
            handle.spawn(async move {
                if let Err(e) = db.resolve_login_attempt(slot, AttemptOutcome::Abandoned).await {
                    tracing::warn!(error = %e, "could not give back an abandoned login slot");
                }
            });
        }
    }
}
