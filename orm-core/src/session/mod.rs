//! Sessions: a window onto one pooled connection and its transaction.

mod backend;
mod control;
mod database;
mod options;
mod retry;
mod rows;
#[allow(clippy::module_inception)]
mod session;
mod state;
mod tx_options;

pub use backend::{Backend, Connection, PoolStatus, TruncateOptions};
pub use control::{controls_transaction, first_statement_controls_transaction};
pub use database::Database;
pub use options::{ConnectOptions, Scheme};
pub use retry::RetryPolicy;
pub use session::Session;
pub use state::{SessionState, TxStatus};
pub use tx_options::{IsolationLevel, LockMode, TxOptions};
