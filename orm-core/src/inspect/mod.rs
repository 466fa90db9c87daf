//! Schema inspection: what tables a database holds, and for a table its
//! columns, primary key, indexes, unique constraints and foreign keys
//! (SQLAlchemy's `has_table`, `table_names` and `reflecttable`).
//!
//! ```no_run
//! # use orm_core::*;
//! # async fn f<B: Backend>(db: &Database<B>) -> Result<()> {
//! if db.has_table("users").await? {
//!     let users = db.inspect_table("users").await?.expect("it exists");
//!     for column in &users.columns {
//!         println!("{} {} {}", column.name, column.data_type, if column.nullable { "NULL" } else { "NOT NULL" });
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! On PostgreSQL inspection looks in the current schema (`current_schema()`,
//! the first schema of the `search_path` that exists), through
//! `pg_catalog`; on SQLite, in the main database, through `sqlite_master`
//! and the `pragma_table_info`, `pragma_index_list` and
//! `pragma_foreign_key_list` functions. Each dialect supplies its queries as
//! a [`Catalog`].
//!
//! Types are reported in the spelling orm's DDL uses (`BIGINT`, `TEXT`,
//! `TIMESTAMPTZ`), so a table created from a model reads back as
//! [`TableInfo::from_meta`] describes it. Defaults are reported as the
//! database prints them (`'new'::text` on PostgreSQL, `'new'` on SQLite);
//! [`normalize_default`] makes them comparable. SQLite keeps no names for
//! unique constraints and foreign keys: there, their `name` is `None`.

mod catalog;
mod expected;
mod run;

pub use catalog::Catalog;
pub use expected::normalize_default;

use crate::constraint::ReferentialAction;

/// What a database holds for one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    /// The table's name.
    pub name: String,
    /// Its columns, in table order.
    pub columns: Vec<ColumnInfo>,
    /// The primary key's columns, in key order (empty without one).
    pub primary_key: Vec<String>,
    /// The primary key constraint's name, where the database keeps one
    /// (PostgreSQL).
    pub primary_key_name: Option<String>,
    /// Indexes created by `CREATE INDEX` (not those backing the primary key
    /// or a unique constraint), by name.
    pub indexes: Vec<IndexInfo>,
    /// `UNIQUE` constraints, ordered by their columns.
    pub uniques: Vec<UniqueInfo>,
    /// Foreign keys, ordered by their columns.
    pub foreign_keys: Vec<ForeignKeyInfo>,
}

impl TableInfo {
    /// The column named `name`, if any.
    pub fn column(&self, name: &str) -> Option<&ColumnInfo> {
        self.columns.iter().find(|c| c.name == name)
    }
}

/// One column of an inspected table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    /// The column's name.
    pub name: String,
    /// Its type, upper case, as orm's DDL spells it (`INTEGER`,
    /// `DOUBLE PRECISION`, `TIMESTAMPTZ`).
    pub data_type: String,
    /// True when the column accepts NULL.
    pub nullable: bool,
    /// The default expression, as the database prints it.
    pub default: Option<String>,
    /// True when the column is part of the primary key.
    pub primary_key: bool,
    /// True when the database generates its values (an identity or serial
    /// column on PostgreSQL, an `AUTOINCREMENT` key on SQLite).
    pub auto: bool,
}

/// An index of an inspected table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexInfo {
    /// The index's name.
    pub name: String,
    /// Its columns, in index order.
    pub columns: Vec<String>,
    /// True for a `CREATE UNIQUE INDEX`.
    pub unique: bool,
}

/// A `UNIQUE` constraint of an inspected table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueInfo {
    /// The constraint's name (`None` on SQLite, which does not keep it).
    pub name: Option<String>,
    /// Its columns, in order.
    pub columns: Vec<String>,
}

/// A foreign key of an inspected table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKeyInfo {
    /// The constraint's name (`None` on SQLite, which does not keep it).
    pub name: Option<String>,
    /// The referencing columns, in order.
    pub columns: Vec<String>,
    /// The referenced table.
    pub target_table: String,
    /// The referenced columns, in order.
    pub target_columns: Vec<String>,
    /// `ON DELETE`.
    pub on_delete: ReferentialAction,
    /// `ON UPDATE`.
    pub on_update: ReferentialAction,
}
