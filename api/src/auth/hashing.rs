//! Password hashing bounded by a semaphore: at most `concurrency` argon2 computations (about
//! `argon2_memory_kib` each) run at once, so a login flood cannot exhaust memory. A caller that
//! cannot get a permit within the configured wait is told to retry (503 with `Retry-After`).

use crate::app::error::AppError;
use crate::config::Config;
use argon2::password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm as A2, Argon2, Params, Version};
use domain::errors::ErrorCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Seconds a refused caller is told to wait: permits free up within one hash's time.
const BUSY_RETRY_AFTER_SECS: u64 = 1;

pub(super) fn argon2(memory_kib: u32) -> Argon2<'static> {
    let params = Params::new(memory_kib, 2, 1, None).unwrap_or_default();
    Argon2::new(A2::Argon2id, Version::V0x13, params)
}

#[derive(Debug)]
pub enum HashingError {
    /// No permit within the wait.
    Busy,
    Failed(String),
}

impl From<HashingError> for AppError {
    fn from(e: HashingError) -> Self {
        match e {
            HashingError::Busy => AppError::RetryLater(
                ErrorCode::HashingBusy,
                "the server is busy checking passwords; retry shortly".into(),
                BUSY_RETRY_AFTER_SECS,
            ),
            HashingError::Failed(msg) => AppError::Internal(msg),
        }
    }
}

pub struct Hashing {
    permits: Arc<Semaphore>,
    wait: Duration,
    memory_kib: u32,
}

impl Hashing {
    pub fn new(config: &Config) -> Self {
        let n = match config.hash_concurrency {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        Self {
            permits: Arc::new(Semaphore::new(n)),
            wait: Duration::from_millis(config.hash_wait_ms),
            memory_kib: config.argon2_memory_kib,
        }
    }

    /// Runs `f` on the blocking pool holding a permit; the permit moves into the blocking task,
    /// so it is held until the computation ends even if the request is cancelled meanwhile.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T, HashingError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| HashingError::Busy)?
            .map_err(|_| HashingError::Failed("the hashing semaphore is closed".into()))?;
        let kib = self.memory_kib;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f(argon2(kib))
        })
        .await
        .map_err(|e| HashingError::Failed(format!("the hashing task failed: {e}")))
    }

    /// A new argon2id hash of `password`.
    pub async fn hash(&self, password: String) -> Result<String, HashingError> {
        self.run(move |a| {
            let salt = SaltString::generate(&mut OsRng);
            a.hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
        })
        .await?
        .map_err(|e| HashingError::Failed(format!("hashing a password failed: {e}")))
    }

    /// Checks `password` against `hash`. A missing user costs one dummy hash instead, inside
    /// the same bound, so the answer takes as long as for a real account (no user enumeration
    /// by timing) and a flood of unknown e-mails is bounded like any other.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, HashingError> {
        self.run(move |a| match hash {
            Some(stored) => PasswordHash::new(&stored)
                .map(|parsed| a.verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false),
            None => {
                let salt = SaltString::generate(&mut OsRng);
                let _ = a.hash_password(b"not-a-real-password", &salt);
                false
            }
        })
        .await
    }
}
