//! What a statement returns, found without running it.

use crate::value::SqlType;

/// A column of a statement's result, as the database describes it once the
/// statement is prepared: see [`Raw::describe`](crate::Raw::describe).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultColumn {
    /// The column's name.
    pub name: String,
    /// Its dialect-neutral type, when orm has a Rust carrier for it (what a
    /// [`Record`](crate::Record) decodes it as).
    pub sql_type: Option<SqlType>,
    /// The database's own name for the type: `int8`, `text`, `timestamptz`
    /// on PostgreSQL; the declared type on SQLite (`INTEGER`, `TEXT`, ...,
    /// or `NULL` for an expression SQLite cannot type before running it).
    pub database_type: String,
}
