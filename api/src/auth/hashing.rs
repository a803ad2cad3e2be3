//! Password hashing bounded by a semaphore: at most `concurrency` argon2 computations (about
//! `argon2_memory_kib` each) run at once, so a login flood cannot exhaust memory. A caller that
//! cannot get a permit within the configured wait is told to retry (503 with `Retry-After`).
//!
//! The hashes run on exactly `concurrency` dedicated threads, not on tokio's elastic blocking
//! pool: glibc gives each allocating thread its own arena and keeps a freed 19 MiB block in
//! it, so hashes spread over dozens of blocking threads left the process at 1 GB after a
//! login flood (found by the fault suite). So the threads are fixed, and each computes into
//! one reusable block buffer of its own (`hash_password_into_with_memory`) instead of the
//! fresh 19 MiB allocation `PasswordHasher` makes per hash: the hashing memory is exactly
//! `concurrency` buffers, for the life of the process.

use crate::app::error::AppError;
use crate::config::Config;
use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm as A2, Argon2, Block, Params, Version};
use domain::errors::ErrorCode;
use std::cell::RefCell;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
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

type Job = Box<dyn FnOnce() + Send>;

thread_local! {
    /// This hashing thread's argon2 working memory, reused by every hash it computes.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Argon2 of `password` with `salt` into `out`, in this thread's reusable buffer.
fn compute(a: &Argon2<'_>, password: &[u8], salt: &[u8], out: &mut [u8]) -> Result<(), argon2::Error> {
    let count = a.params().block_count();
    BLOCKS.with(|cell| {
        let mut blocks = cell.borrow_mut();
        if blocks.len() != count {
            *blocks = vec![Block::default(); count];
        }
        a.hash_password_into_with_memory(password, salt, out, blocks.as_mut_slice())
    })
}

/// A new PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) for `password`.
fn hash_phc(a: &Argon2<'_>, password: &[u8]) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_buf).map_err(|e| e.to_string())?;
    let len = a.params().output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(len, |out| {
        compute(a, password, salt_bytes, out).map_err(argon2::password_hash::Error::from)
    })
    .map_err(|e| e.to_string())?;
    let phc = PasswordHash {
        algorithm: A2::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(a.params()).map_err(|e| e.to_string())?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`, computed with the parameters stored in
/// it (as `PasswordVerifier` does) and compared in constant time (`Output`'s equality).
fn verify_phc(password: &[u8], stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(algorithm) = A2::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let a = Argon2::new(algorithm, version, params);
    Output::init_with(expected.len(), |out| {
        compute(&a, password, salt_bytes, out).map_err(argon2::password_hash::Error::from)
    })
    .is_ok_and(|computed| computed == expected)
}

pub struct Hashing {
    permits: Arc<Semaphore>,
    wait: Duration,
    memory_kib: u32,
    /// Jobs for the hashing threads; they exit when this is dropped.
    jobs: Mutex<Sender<Job>>,
}

/// One hashing thread: runs jobs until the sender is gone. The receiver is shared, so a job
/// goes to whichever thread is free.
fn hashing_thread(jobs: Arc<Mutex<Receiver<Job>>>) {
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

impl Hashing {
    pub fn new(config: &Config) -> Self {
        let n = match config.hash_concurrency {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n,
        };
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..n {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("fieldbook-hash-{i}"))
                .spawn(move || hashing_thread(rx));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password-hashing thread");
            }
        }
        Self {
            permits: Arc::new(Semaphore::new(n)),
            wait: Duration::from_millis(config.hash_wait_ms),
            memory_kib: config.argon2_memory_kib,
            jobs: Mutex::new(tx),
        }
    }

    /// Runs `f` on a hashing thread holding a permit; the permit moves into the job, so it is
    /// held until the computation ends even if the request is cancelled meanwhile.
    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(Argon2<'static>) -> T + Send + 'static,
    ) -> Result<T, HashingError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| HashingError::Busy)?
            .map_err(|_| HashingError::Failed("the hashing semaphore is closed".into()))?;
        let kib = self.memory_kib;
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _permit = permit;
            let _ = done.send(f(argon2(kib)));
        });
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job)
            .map_err(|_| HashingError::Failed("the hashing threads are gone".into()))?;
        result
            .await
            .map_err(|_| HashingError::Failed("the hashing job was lost".into()))
    }

    /// A new argon2id hash of `password`.
    pub async fn hash(&self, password: String) -> Result<String, HashingError> {
        self.run(move |a| hash_phc(&a, password.as_bytes()))
            .await?
            .map_err(|e| HashingError::Failed(format!("hashing a password failed: {e}")))
    }

    /// Checks `password` against `hash`. A missing user costs one dummy hash instead, inside
    /// the same bound, so the answer takes as long as for a real account (no user enumeration
    /// by timing) and a flood of unknown e-mails is bounded like any other.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, HashingError> {
        self.run(move |a| match hash {
            Some(stored) => verify_phc(password.as_bytes(), &stored),
            None => {
                let _ = hash_phc(&a, b"not-a-real-password");
                false
            }
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    #[test]
    fn reused_buffer_hashes_interoperate_with_the_argon2_crate() {
        let a = argon2(1024);
        // Ours verify with the crate's verifier...
        let ours = hash_phc(&a, b"correct-horse").unwrap_or_default();
        let parsed = PasswordHash::new(&ours);
        assert!(
            parsed.is_ok_and(|p| a.verify_password(b"correct-horse", &p).is_ok()),
            "{ours}"
        );
        // ...and the crate's (e.g. stored by earlier releases) verify with ours.
        let salt = SaltString::generate(&mut OsRng);
        let theirs = a
            .hash_password(b"correct-horse", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(verify_phc(b"correct-horse", &theirs));
        assert!(!verify_phc(b"wrong-horse", &theirs));
        assert!(!verify_phc(b"correct-horse", "not a hash"));
        // The buffer is reused across different memory costs on one thread.
        let bigger = argon2(2048);
        let h = hash_phc(&bigger, b"x-password").unwrap_or_default();
        assert!(verify_phc(b"x-password", &h) && verify_phc(b"correct-horse", &ours));
    }
}
