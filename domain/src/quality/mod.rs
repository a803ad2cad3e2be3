//! Quality points (品质管理): the violation catalogue as versioned data, reports by post and
//! their life (confirmation, dismissal, appeals), half-year scores, the consequences of
//! reaching a threshold, the HR and committee reports, and credit files. Points are integer
//! halves (0.5 steps). Each rule (QLT-1 … QLT-7) is one function here, tested under its id.

mod catalogue;
mod consequences;
mod credit_file;
mod posts;
mod reports;
mod score;
mod steps;
mod violation;

pub use crate::period::HalfYear;
pub use catalogue::*;
pub use consequences::*;
pub use credit_file::*;
pub use posts::*;
pub use reports::*;
pub use score::*;
pub use steps::*;
pub use violation::*;
