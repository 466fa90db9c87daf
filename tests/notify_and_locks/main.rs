//! PostgreSQL's LISTEN/NOTIFY and advisory locks, on a real server; on
//! SQLite, each of them is a clear `Error::Unsupported`.
//!
//! Channels and lock keys are database-wide, not per schema, so every test
//! uses names of its own (`unique_name`).

#![recursion_limit = "256"]

#[path = "../common/mod.rs"]
#[macro_use]
mod common;

/// Declares a test whose body runs on PostgreSQL, on a fresh database
/// opened with the URL parameters `$params`:
///
/// ```ignore
/// postgres!("pool_size=1", async fn name(db) { ...; Ok(()) });
/// ```
/// expands to `mod name { fn postgres(); }`.
#[macro_export]
macro_rules! postgres {
    ($params:expr, async fn $name:ident($db:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($db: ::orm::Database, _: $crate::common::Kind) -> ::orm::Result<()> $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::common::run_with(
                    $crate::common::Kind::Postgres,
                    stringify!($name),
                    $params,
                    body,
                )
                .await
            }
        }
    };
}

// After the macro, which they use.
mod advisory;
mod notify;
mod unsupported;
