//! Sessions: a window onto one pooled connection and its transaction.

mod backend;
mod database;
mod options;
mod rows;
#[allow(clippy::module_inception)]
mod session;
mod state;

pub use backend::{Backend, Connection, PoolStatus, TruncateOptions};
pub use database::Database;
pub use options::{ConnectOptions, Scheme};
pub use session::Session;
pub use state::{SessionState, TxStatus};
