//! Sessions: a window onto one pooled connection and its transaction, with
//! savepoints, isolation, retry and two-phase commit.

mod backend;
mod control;
mod copy;
mod cursor;
mod database;
mod nested;
mod options;
mod retry;
mod rows;
mod run;
#[allow(clippy::module_inception)]
mod session;
mod state;
mod two_phase;
mod tx_options;

pub use backend::{Backend, Connection, PoolStatus, TruncateOptions};
pub use control::{controls_transaction, first_statement_controls_transaction};
pub use copy::{CopyFormat, CopySource};
pub(crate) use cursor::CursorId;
pub use database::Database;
pub use nested::Nested;
pub use options::{ConnectOptions, Scheme};
pub use retry::RetryPolicy;
pub(crate) use run::refuse_transaction_control;
pub use session::Session;
pub use state::{SessionState, TxStatus};
pub use two_phase::PreparedTransaction;
pub use tx_options::{IsolationLevel, LockMode, TxOptions};
