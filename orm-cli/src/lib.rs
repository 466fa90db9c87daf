//! The `orm` command line: `orm migrate new | up | down | status | diff`.
//!
//! ```text
//! $ export DATABASE_URL=postgres://app@localhost/app
//! $ orm migrate new create_users        # migrations/0001_create_users.sql, to be written
//! $ orm migrate up                      # apply what is pending, each in its own transaction
//! $ orm migrate status                  # what is applied, what is pending
//! $ orm migrate down                    # revert the last one (--to <version>, --all)
//! $ orm migrate diff add_karma          # write the migration that brings the database to the models
//! ```
//!
//! The `orm` binary knows the `.sql` files of the migrations directory
//! (`--dir`, `ORM_MIGRATIONS_DIR`, default `migrations`). Rust migrations and
//! models live in the application, so an application that has them builds
//! its own `orm` from this crate, in a `src/bin/orm.rs` of a few lines:
//!
//! ```no_run
//! # mod app { use orm::prelude::*;
//! # #[derive(Table)] pub struct User { #[column(primary_key)] pub id: i64 }
//! # pub async fn backfill(_: &mut orm::Session) -> orm::Result<()> { Ok(()) } }
//! use orm::prelude::*;
//! use orm::migrate::Migration;
//!
//! fn main() -> std::process::ExitCode {
//!     orm_cli::Cli::new()
//!         .models(&[app::User::table()])
//!         .migration(Migration::rust(3, "backfill", app::backfill))
//!         .run()
//! }
//! ```
//!
//! # Exit codes
//!
//! | code | meaning |
//! |---|---|
//! | 0 | done, or nothing to do |
//! | 1 | a migration failed; it was rolled back and is not recorded |
//! | 2 | wrong usage (bad arguments; `diff` in a binary without models) |
//! | 3 | bad migrations or request: a malformed file, a missing version, a gap, a duplicate, a changed or missing applied migration, no down migration, an unknown version, pending migrations before `diff`; nothing was applied |
//! | 4 | the database could not be used: no `DATABASE_URL`, a URL with no database, a connection or database error |
//! | 5 | `status --check` found pending migrations, or `diff --check` differences |
//!
//! Results go to standard output; progress (each migration as it starts
//! and ends, and a "still running" line every 10 seconds of a long one) and
//! errors to standard error. `--quiet` keeps only errors.

#![warn(missing_docs, rust_2018_idioms)]
#![forbid(unsafe_code)]

mod args;
mod commands;
mod console;
pub mod exit;

use std::process::ExitCode;

use clap::Parser;
use orm::migrate::Migration;
use orm::TableMeta;

pub use console::{Captured, Console};

use crate::args::{Command, Top};
use crate::commands::App;

/// The command line, with what the application adds to it: Rust (or
/// embedded SQL) migrations, and models for `migrate diff`.
#[derive(Default)]
pub struct Cli {
    app: App,
}

impl Cli {
    /// The command line of the stock `orm` binary: the migrations
    /// directory's `.sql` files, no models.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a migration to those of the migrations directory.
    pub fn migration(mut self, migration: Migration) -> Self {
        self.app.migrations.push(migration);
        self
    }

    /// Adds migrations to those of the migrations directory.
    pub fn migrations(mut self, migrations: impl IntoIterator<Item = Migration>) -> Self {
        self.app.migrations.extend(migrations);
        self
    }

    /// The models `migrate diff` compares with the database.
    pub fn models(mut self, models: &[&'static TableMeta]) -> Self {
        self.app.models.extend_from_slice(models);
        self
    }

    /// Parses the process's arguments, runs the command on a runtime of its
    /// own, and returns the exit code.
    pub fn run(self) -> ExitCode {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => {
                eprintln!("error: cannot start the async runtime: {e}");
                return ExitCode::from(exit::DATABASE);
            }
        };
        let code = runtime.block_on(self.run_with(std::env::args_os(), &Console::std()));
        ExitCode::from(code)
    }

    /// Runs the command `args` names (the first being the program's name),
    /// writing to `console`; returns the exit code.
    pub async fn run_with<I, T>(&self, args: I, console: &Console) -> u8
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let command = match Command::try_parse_from(args) {
            Ok(command) => command,
            Err(e) => {
                let code = if e.use_stderr() {
                    exit::USAGE
                } else {
                    exit::OK
                };
                let text = e.render().to_string();
                if e.use_stderr() {
                    console.error(text.trim_end());
                } else {
                    console.say(text.trim_end());
                }
                return code;
            }
        };
        let Top::Migrate(migrate) = command.command;
        let console = console.clone().quiet(migrate.common().quiet);
        match commands::run(&migrate, &self.app, &console).await {
            Ok(code) => code,
            Err(failure) => {
                console.error(&format!("error: {failure}"));
                failure.code
            }
        }
    }
}
