//! Autogenerate: compare the models' metadata with the inspected database,
//! and write the SQL that brings the database to the models, for review.
//!
//! ```no_run
//! # use orm_core::{Backend, Database, TableMeta};
//! # async fn f<B: Backend>(db: &Database<B>, models: &[&'static TableMeta]) -> orm_core::Result<()> {
//! let diff = orm_migrate::diff::diff(db, models, &["orm_migrations"]).await?;
//! for change in diff.changes() {
//!     println!("{change}");
//! }
//! print!("{}", diff.to_sql());
//! # Ok(()) }
//! ```
//!
//! What is compared: tables (created, dropped), columns (added, dropped,
//! type, nullability, default), the primary key, indexes, unique
//! constraints and foreign keys (with their actions). Check constraints are
//! created with a new table but not compared. Renames are never guessed: a
//! renamed column is a drop and an add, with a comment saying how to keep
//! the data instead.
//!
//! Types are compared as the dialect sees them
//! ([`Dialect::column_type_matches`]): by name on PostgreSQL, by affinity on
//! SQLite (a hand-written `BIGINT` is an `INTEGER` there). Defaults are
//! compared once normalised ([`normalize_default`](orm_core::inspect::normalize_default));
//! an expression default the database rewrites may show as changed: review.
//! A key column counts as NOT NULL whatever the database says.
//!
//! On PostgreSQL each change is an `ALTER TABLE` (a column made NOT NULL is
//! first given the model's default where it is NULL). SQLite alters little
//! in place: beyond adding a column that is NULL-able or has a default,
//! dropping a plain column and adding or dropping an index, a change
//! rebuilds the table (see [`rebuild`](self#sqlite-rebuilds)).
//!
//! # SQLite rebuilds
//!
//! A table is rebuilt in the migration's transaction, with foreign-key
//! checks deferred to the commit: a new table is created from the model,
//! the rows copied into it (columns it shares with the old table; a column
//! made NOT NULL takes the model's default where it was NULL), the old table
//! dropped, the new one renamed and its indexes created. Dropping the old
//! table would fire the `ON DELETE` actions of tables referencing it, so the
//! rows of every table that references it (directly or through others) are
//! first copied aside and removed, and put back after.

mod rebuild;
mod render;
mod table;

use std::fmt;

use orm_core::inspect::TableInfo;
use orm_core::{Backend, Database, Dialect, TableMeta};

use table::TableChanges;

/// One difference between the models and the database.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Change {
    /// A model with no table.
    CreateTable(String),
    /// A table with no model.
    DropTable(String),
    /// A column of the model missing from the table: `(table, column)`.
    AddColumn(String, String),
    /// A column of the table missing from the model: `(table, column)`.
    DropColumn(String, String),
    /// A column's type differs: `(table, column, database type, model type)`.
    AlterType(String, String, String, String),
    /// A column's nullability differs: `(table, column, nullable in the model)`.
    AlterNullable(String, String, bool),
    /// A column's default differs: `(table, column, the model's default)`.
    AlterDefault(String, String, Option<String>),
    /// The primary key differs: `(table, the model's key columns)`.
    AlterPrimaryKey(String, Vec<String>),
    /// An index to create: `(table, index)`.
    AddIndex(String, String),
    /// An index to drop: `(table, index)`.
    DropIndex(String, String),
    /// A unique constraint to add: `(table, columns)`.
    AddUnique(String, Vec<String>),
    /// A unique constraint to drop: `(table, columns)`.
    DropUnique(String, Vec<String>),
    /// A foreign key to add: `(table, columns, referenced table)`.
    AddForeignKey(String, Vec<String>, String),
    /// A foreign key to drop: `(table, columns, referenced table)`.
    DropForeignKey(String, Vec<String>, String),
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::CreateTable(t) => write!(f, "create table {t}"),
            Change::DropTable(t) => write!(f, "drop table {t}"),
            Change::AddColumn(t, c) => write!(f, "add column {t}.{c}"),
            Change::DropColumn(t, c) => write!(f, "drop column {t}.{c}"),
            Change::AlterType(t, c, from, to) => {
                write!(f, "change type of {t}.{c} from {from} to {to}")
            }
            Change::AlterNullable(t, c, true) => write!(f, "make {t}.{c} NULL-able"),
            Change::AlterNullable(t, c, false) => write!(f, "make {t}.{c} NOT NULL"),
            Change::AlterDefault(t, c, Some(d)) => write!(f, "set the default of {t}.{c} to {d}"),
            Change::AlterDefault(t, c, None) => write!(f, "drop the default of {t}.{c}"),
            Change::AlterPrimaryKey(t, cols) => {
                write!(f, "change the primary key of {t} to ({})", cols.join(", "))
            }
            Change::AddIndex(t, i) => write!(f, "create index {i} on {t}"),
            Change::DropIndex(t, i) => write!(f, "drop index {i} of {t}"),
            Change::AddUnique(t, cols) => write!(f, "add unique ({}) to {t}", cols.join(", ")),
            Change::DropUnique(t, cols) => write!(f, "drop unique ({}) of {t}", cols.join(", ")),
            Change::AddForeignKey(t, cols, target) => {
                write!(f, "add foreign key {t} ({}) -> {target}", cols.join(", "))
            }
            Change::DropForeignKey(t, cols, target) => {
                write!(f, "drop foreign key {t} ({}) -> {target}", cols.join(", "))
            }
        }
    }
}

/// A line of the generated migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Line {
    /// A comment, without its `-- `.
    Comment(String),
    /// A statement, without its `;`.
    Sql(String),
}

/// The differences found, and the SQL that removes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    changes: Vec<Change>,
    lines: Vec<Line>,
}

impl Diff {
    /// True when the database matches the models.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The differences, in the order their SQL runs.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// The statements, in order, without comments or `;`.
    pub fn statements(&self) -> Vec<&str> {
        self.lines
            .iter()
            .filter_map(|l| match l {
                Line::Sql(sql) => Some(sql.as_str()),
                Line::Comment(_) => None,
            })
            .collect()
    }

    /// The migration's up SQL: each change as a comment, then its
    /// statements, each ending with `;`.
    pub fn to_sql(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            match line {
                Line::Comment(c) => {
                    if !out.is_empty() && !out.ends_with("--\n") && out.ends_with(";\n") {
                        out.push('\n');
                    }
                    out.push_str("-- ");
                    out.push_str(c);
                    out.push('\n');
                }
                Line::Sql(sql) => {
                    out.push_str(sql);
                    out.push_str(";\n");
                }
            }
        }
        out
    }
}

/// Compares `models` with the database's tables (`database`, as inspected)
/// and plans the SQL, in `dialect`, that brings the database to the models.
pub fn compare(
    dialect: &dyn Dialect,
    models: &[&'static TableMeta],
    database: &[TableInfo],
) -> Diff {
    let kept: Vec<TableChanges<'_>> = models
        .iter()
        .filter_map(|m| {
            database
                .iter()
                .find(|t| t.name == m.name)
                .map(|t| TableChanges::new(dialect, m, t))
        })
        .collect();
    let created: Vec<&'static TableMeta> = models
        .iter()
        .filter(|m| !database.iter().any(|t| t.name == m.name))
        .copied()
        .collect();
    let dropped: Vec<&TableInfo> = database
        .iter()
        .filter(|t| !models.iter().any(|m| m.name == t.name))
        .collect();
    render::plan(dialect, &kept, &created, &dropped, database)
}

/// Inspects `db` and compares it with `models`; tables named in `ignore`
/// (the migrations table) are left out.
pub async fn diff<B: Backend>(
    db: &Database<B>,
    models: &[&'static TableMeta],
    ignore: &[&str],
) -> orm_core::Result<Diff> {
    let tables: Vec<TableInfo> = db
        .inspect_tables()
        .await?
        .into_iter()
        .filter(|t| !ignore.contains(&t.name.as_str()))
        .collect();
    Ok(compare(db.dialect(), models, &tables))
}
