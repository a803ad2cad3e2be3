//! Bulk upserts by a CRM's own ids (agents, clients, policies, receipts). Each batch is judged
//! record by record (a bad record is refused with its problem, the rest go on), references are
//! resolved set-wise, and the batch is written in one transaction by `infra` (see
//! `domain::ports::UpsertRepo`). Results come back in input order.

mod agents;
mod clients;
mod policies;

pub use agents::upsert_agents;
pub use clients::upsert_clients;
pub use policies::{upsert_insurance_policies, upsert_receipts};

use crate::app::error::AppError;
use domain::upsert::{repeats, Refusal, Written};
use domain::ValidationErrors;
use uuid::Uuid;

/// One record of a batch: its external id when readable, and the decoded draft (or why it
/// is not one; pointers relative to the record).
pub struct Record<D> {
    pub external_id: Option<String>,
    pub draft: Result<D, ValidationErrors>,
}

/// What happened to one record.
#[derive(Debug)]
pub enum RecordOutcome {
    Created(Uuid),
    Updated(Uuid),
    Unchanged(Uuid),
    Rejected(AppError),
}

#[derive(Debug)]
pub struct RecordResult {
    pub external_id: Option<String>,
    pub outcome: RecordOutcome,
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Invalid(e) => AppError::Invalid(e),
            Refusal::Rejected(code, detail) => AppError::Rejected(code, detail),
        }
    }
}

/// A batch on its way through: each slot decided early (refused) or waiting for the write.
struct Slots {
    external_ids: Vec<Option<String>>,
    decided: Vec<Option<RecordOutcome>>,
}

impl Slots {
    fn new(external_ids: Vec<Option<String>>) -> Slots {
        let decided = external_ids.iter().map(|_| None).collect();
        Slots { external_ids, decided }
    }

    fn refuse(&mut self, i: usize, why: impl Into<Refusal>) {
        if self.decided[i].is_none() {
            self.decided[i] = Some(RecordOutcome::Rejected(AppError::from(why.into())));
        }
    }

    fn open(&self, i: usize) -> bool {
        self.decided[i].is_none()
    }

    /// Refuses every later copy of a key (`keys[i]` is the key record `i` names, if any).
    fn refuse_repeats(&mut self, keys: &[Option<String>], pointer: &str) {
        for (i, first) in repeats(keys).into_iter().enumerate() {
            if let Some(f) = first {
                self.refuse(
                    i,
                    ValidationErrors::single(pointer, format!("repeats record {f} of this batch")),
                );
            }
        }
    }

    /// Fills the written slots (`written[k]` belongs to record `indexes[k]`) and returns the
    /// results in input order.
    fn finish(mut self, indexes: &[usize], written: Vec<Written>) -> Result<Vec<RecordResult>, AppError> {
        if written.len() != indexes.len() {
            return Err(AppError::Internal(
                "an upsert returned fewer results than records".into(),
            ));
        }
        for (i, w) in indexes.iter().zip(written) {
            self.decided[*i] = Some(match w {
                Written::Created(id) => RecordOutcome::Created(id),
                Written::Updated(id) => RecordOutcome::Updated(id),
                Written::Unchanged(id) => RecordOutcome::Unchanged(id),
                Written::Refused(r) => RecordOutcome::Rejected(r.into()),
            });
        }
        self.external_ids
            .into_iter()
            .zip(self.decided)
            .map(|(external_id, d)| {
                let outcome = d.ok_or_else(|| AppError::Internal("an upsert record was left undecided".into()))?;
                Ok(RecordResult { external_id, outcome })
            })
            .collect()
    }
}

/// The distinct non-empty keys, sorted.
fn distinct(keys: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = keys.into_iter().collect();
    v.sort();
    v.dedup();
    v
}
