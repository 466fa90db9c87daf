//! Sessions: a window onto one pooled connection and its transaction, with
//! savepoints, isolation, retry and two-phase commit; PostgreSQL's
//! LISTEN/NOTIFY and advisory locks.

mod advisory;
mod autocommit;
mod backend;
mod control;
mod copy;
mod cursor;
mod database;
mod listen;
pub mod log;
mod nested;
mod options;
mod retry;
mod rows;
mod run;
#[allow(clippy::module_inception)]
mod session;
mod settings;
mod state;
mod two_phase;
mod tx_options;

pub use advisory::{AdvisoryKey, AdvisoryLock, AdvisoryScope};
pub(crate) use autocommit::needs_transaction;
pub use backend::{Backend, Connection, PoolStatus, TruncateOptions};
pub use control::{
    controls_transaction, first_statement_controls_transaction, is_lone_query, is_plain_statement,
};
pub use copy::{CopyFormat, CopySource};
pub(crate) use cursor::CursorId;
pub use database::Database;
pub use listen::{ListenEvent, Listener, ListenerControl, Notification};
pub use log::StatementLog;
pub use nested::Nested;
pub use options::{ConnectOptions, Scheme};
pub use retry::RetryPolicy;
pub(crate) use run::refuse_transaction_control;
pub use session::Session;
pub use settings::SettingScope;
pub use state::{SessionState, TxStatus};
pub use two_phase::PreparedTransaction;
pub use tx_options::{IsolationLevel, LockMode, TxOptions};
