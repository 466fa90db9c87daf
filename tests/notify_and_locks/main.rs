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
/// opened with the URL parameters `$params`.
#[macro_export]
macro_rules! postgres {
    ($params:expr, async fn $name:ident($db:ident) $body:block) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let test = $crate::common::TestDb::open_with(
                $crate::common::Kind::Postgres,
                stringify!($name),
                $params,
            )
            .await;
            let $db = test.db.clone();
            let outcome =
                ::futures_util::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(async move {
                    let result: ::orm::Result<()> = async { $body }.await;
                    result
                }))
                .await;
            test.cleanup().await;
            match outcome {
                Ok(Ok(())) => {}
                Ok(Err(e)) => panic!("test failed with error: {e}\n{e:?}"),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    };
}

// After the macro, which they use.
mod advisory;
mod notify;
mod unsupported;
