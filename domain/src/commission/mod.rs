//! Section 7 of the rulebook: insurance policies (COM-1), the new-policy callback and the
//! commission hold it decides (COM-2..COM-6), receipts (COM-7), and the monthly settlement with
//! its statements (COM-8). The callback is a state machine whose transitions consume the state;
//! storage keeps the recorded steps and `replay` rebuilds the state from them.
//!
//! Where each rule lives: COM-1 `record_insurance_policy`; COM-2 `payment`; COM-3
//! `HoldState::attempt` and its sub-rules in `hold.rs`; COM-3.1 `call_window`; COM-4
//! `CallCategory::is_success`; COM-5 `check_client_number`; COM-6 `HoldState::exempt`; COM-7
//! `receipt_status`; COM-8 `settle_month`.

mod calls;
mod events;
mod hold;
mod raised;
mod record;
mod settlement;
mod standing;
mod statement;

pub use calls::*;
pub use events::*;
pub use hold::*;
pub use raised::*;
pub use record::*;
pub use settlement::*;
pub use standing::*;
pub use statement::*;
