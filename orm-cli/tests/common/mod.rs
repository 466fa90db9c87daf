//! A database and a migrations directory of the test's own, on PostgreSQL
//! (a schema, found through `search_path`) or SQLite (a file).
//!
//! PostgreSQL comes from `ORM_TEST_PG_URL`, else the local server on
//! 127.0.0.1:5432 (database `test`, user `postgres`); with neither, the
//! PostgreSQL tests fail and say so.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use orm::Database;

/// Which backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// PostgreSQL, in a schema of the test's own.
    Postgres,
    /// SQLite, in a file of the test's own.
    Sqlite,
}

static NEXT: AtomicUsize = AtomicUsize::new(0);

fn base_url() -> String {
    std::env::var("ORM_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A test's database URL and migrations directory.
pub struct Env {
    /// The backend.
    pub kind: Kind,
    /// The database URL.
    pub url: String,
    /// A fresh, empty directory; migrations go in `dir/migrations`.
    pub dir: PathBuf,
    schema: Option<String>,
}

impl Env {
    /// A fresh database and directory for test `name`.
    pub async fn new(kind: Kind, name: &str) -> Env {
        let unique = format!(
            "cli_{name}_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let dir = std::env::temp_dir().join(format!("orm-{unique}"));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let (url, schema) = match kind {
            Kind::Postgres => {
                let base = base_url();
                let admin = Database::connect(&base).await.unwrap_or_else(|e| {
                    panic!("PostgreSQL tests need a server: set ORM_TEST_PG_URL or start the local one ({base}): {e}")
                });
                let mut s = admin.session();
                s.batch(&format!("CREATE SCHEMA \"{unique}\""))
                    .await
                    .expect("create schema");
                s.commit().await.expect("commit");
                admin.close().await;
                let sep = if base.contains('?') { '&' } else { '?' };
                (
                    format!("{base}{sep}options=-csearch_path%3D{unique}"),
                    Some(unique),
                )
            }
            Kind::Sqlite => (format!("sqlite://{}", dir.join("app.db").display()), None),
        };
        Env {
            kind,
            url,
            dir,
            schema,
        }
    }

    /// The migrations directory.
    pub fn migrations(&self) -> PathBuf {
        self.dir.join("migrations")
    }

    /// Writes a migration file.
    pub fn write(&self, file: &str, contents: &str) {
        std::fs::create_dir_all(self.migrations()).expect("migrations dir");
        std::fs::write(self.migrations().join(file), contents).expect("write migration");
    }

    /// Runs the `orm` binary in the directory with DATABASE_URL set.
    pub fn orm(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_orm"))
            .args(args)
            .current_dir(&self.dir)
            .env("DATABASE_URL", &self.url)
            .env_remove("ORM_MIGRATIONS_DIR")
            .output()
            .expect("run orm")
    }

    /// Opens the test database.
    pub async fn db(&self) -> Database {
        Database::connect(&self.url)
            .await
            .expect("open the test database")
    }

    /// Removes the schema and the directory.
    pub async fn cleanup(self) {
        if let Some(schema) = &self.schema {
            if let Ok(admin) = Database::connect(&base_url()).await {
                let mut s = admin.session();
                let _ = s
                    .batch(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
                    .await;
                let _ = s.commit().await;
                admin.close().await;
            }
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Standard output and error of a run, as text.
pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The exit code of a run.
pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}
