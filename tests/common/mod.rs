//! The test harness: each test body runs on PostgreSQL and on SQLite.
//!
//! PostgreSQL comes from `ORM_TEST_PG_URL` when set, else the local server on
//! 127.0.0.1:5432, else a throwaway cluster started here from the installed
//! PostgreSQL binaries. Each PostgreSQL test gets a schema of its own (found
//! through `search_path`), dropped when the test ends, so tests run in
//! parallel and leave nothing behind. Each SQLite test gets a database file
//! of its own in the temp directory. A PostgreSQL test never passes by
//! skipping: with no PostgreSQL to be had it fails and says how to get one.

#![allow(dead_code)]

pub mod blog;
pub mod capture;
pub mod memory;
pub mod models;
pub mod pg;

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::FutureExt;
use orm::Database;

/// Which backend a test body runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// PostgreSQL, in a schema of the test's own.
    Postgres,
    /// SQLite, in a file of the test's own.
    Sqlite,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A name unique to this process and call, safe as an identifier.
pub fn unique_name(test: &str) -> String {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let clean: String = test
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(30)
        .collect();
    format!("t_{clean}_{}_{n}", std::process::id())
}

/// A test database and what must be cleaned up after it.
pub struct TestDb {
    /// The database under test.
    pub db: Database,
    /// The URL it was opened with.
    pub url: String,
    /// The backend.
    pub kind: Kind,
    cleanup: Cleanup,
}

enum Cleanup {
    Schema { base_url: String, schema: String },
    File(PathBuf),
}

impl TestDb {
    /// Opens a fresh, isolated database of `kind` for test `name`.
    pub async fn open(kind: Kind, name: &str) -> TestDb {
        Self::open_with(kind, name, "").await
    }

    /// Like [`TestDb::open`], with extra URL query parameters (`pool_size=1`).
    pub async fn open_with(kind: Kind, name: &str, params: &str) -> TestDb {
        let unique = unique_name(name);
        let (url, cleanup) = match kind {
            Kind::Postgres => {
                let base_url = pg::base_url().await;
                pg::admin(&base_url, &format!("CREATE SCHEMA \"{unique}\"")).await;
                let sep = if base_url.contains('?') { '&' } else { '?' };
                let url = format!("{base_url}{sep}options=-csearch_path%3D{unique}");
                (
                    url,
                    Cleanup::Schema {
                        base_url,
                        schema: unique,
                    },
                )
            }
            Kind::Sqlite => {
                let path = std::env::temp_dir().join(format!("orm-{unique}.db"));
                (format!("sqlite://{}", path.display()), Cleanup::File(path))
            }
        };
        let url = if params.is_empty() {
            url
        } else if url.contains('?') {
            format!("{url}&{params}")
        } else {
            format!("{url}?{params}")
        };
        let db = Database::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot open the {kind:?} test database {url}: {e}"));
        TestDb {
            db,
            url,
            kind,
            cleanup,
        }
    }

    /// Closes the database and removes everything the test created.
    pub async fn cleanup(self) {
        self.db.close().await;
        match self.cleanup {
            Cleanup::Schema { base_url, schema } => {
                pg::admin(
                    &base_url,
                    &format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"),
                )
                .await;
            }
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
        }
    }
}

/// Runs `body` against a fresh database of `kind`, cleaning up even when the
/// body fails or panics.
pub async fn run<F, Fut>(kind: Kind, name: &str, body: F)
where
    F: FnOnce(Database, Kind) -> Fut,
    Fut: Future<Output = orm::Result<()>>,
{
    run_with(kind, name, "", body).await
}

/// URL query parameters `a` then `b`, either of which may be empty.
pub fn joined_params(a: &str, b: &str) -> String {
    match (a.is_empty(), b.is_empty()) {
        (_, true) => a.to_string(),
        (true, false) => b.to_string(),
        (false, false) => format!("{a}&{b}"),
    }
}

/// Like [`run`], on a database opened with extra URL query parameters
/// (`pool_size=1`).
pub async fn run_with<F, Fut>(kind: Kind, name: &str, params: &str, body: F)
where
    F: FnOnce(Database, Kind) -> Fut,
    Fut: Future<Output = orm::Result<()>>,
{
    let test = TestDb::open_with(kind, name, params).await;
    let outcome = AssertUnwindSafe(body(test.db.clone(), kind))
        .catch_unwind()
        .await;
    test.cleanup().await;
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) => panic!("{kind:?}: test failed with error: {e}\n{e:?}"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Declares a test whose body runs once on PostgreSQL and once on SQLite
/// (and, with the `rusqlite` feature, once more on SQLite through the
/// rusqlite executor, where `kind` is `Kind::Sqlite` too):
///
/// ```ignore
/// both!(async fn adds_a_row(db, kind) { ...; Ok(()) });
/// ```
/// expands to `mod adds_a_row { fn postgres(); fn sqlite(); fn rusqlite(); }`. With URL
/// query parameters: `both!(params = "pool_size=1", async fn ...)`.
#[macro_export]
macro_rules! both {
    (params = $params:literal, $(#[$meta:meta])* async fn $name:ident($db:ident, $kind:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[allow(unused_variables)]
            async fn body($db: ::orm::Database, $kind: $crate::common::Kind) -> ::orm::Result<()> $body

            $(#[$meta])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::common::run_with($crate::common::Kind::Postgres, stringify!($name), $params, body).await
            }

            $(#[$meta])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::common::run_with($crate::common::Kind::Sqlite, stringify!($name), $params, body).await
            }

            $(#[$meta])*
            #[cfg(feature = "rusqlite")]
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn rusqlite() {
                $crate::common::run_with(
                    $crate::common::Kind::Sqlite,
                    stringify!($name),
                    &$crate::common::joined_params("executor=rusqlite", $params),
                    body,
                )
                .await
            }
        }
    };
    ($(#[$meta:meta])* async fn $name:ident($db:ident, $kind:ident) $body:block) => {
        $crate::both!(params = "", $(#[$meta])* async fn $name($db, $kind) $body);
    };
}
