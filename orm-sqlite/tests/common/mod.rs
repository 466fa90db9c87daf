//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use orm_core::{Backend, ConnectOptions, Connection, Result, TableMeta};
use orm_sqlite::{Sqlite, SqliteConn};

/// A database file under the temp directory, removed (with its WAL files)
/// when dropped.
pub struct TempDb {
    pub path: PathBuf,
}

impl TempDb {
    pub fn new() -> Self {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let name = format!(
            "orm-sqlite-test-{}-{}-{}.db",
            std::process::id(),
            nanos,
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        TempDb {
            path: std::env::temp_dir().join(name),
        }
    }

    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut p = self.path.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

pub async fn connect(url: &str) -> Result<Sqlite> {
    Sqlite::connect(&ConnectOptions::parse(url)?).await
}

pub async fn memory() -> Sqlite {
    connect("sqlite::memory:").await.unwrap()
}

/// BEGIN succeeds only outside a transaction.
pub async fn assert_not_in_transaction(conn: &mut SqliteConn) {
    conn.batch("BEGIN").await.unwrap();
    conn.batch("ROLLBACK").await.unwrap();
}

/// Table metadata naming `name` (truncate needs nothing else).
pub fn table(name: &'static str) -> &'static TableMeta {
    Box::leak(Box::new(TableMeta::new(name, name, &[], &[], None)))
}
