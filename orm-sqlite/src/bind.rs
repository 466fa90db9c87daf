//! Binding [`ValueRef`]s to a sqlx query.
//!
//! Each value is bound as [`stored`] maps it to SQLite's storage (the
//! rusqlite executor binds through the same mapping). Text and bytes are
//! bound by reference: the query borrows them from the
//! caller for as long as it lives. Every statement is built with
//! [`sqlx::query`], which prepares it once per connection and keeps it in
//! the connection's statement cache.

use std::borrow::Cow;

use orm_core::{Result, ValueRef};
use sqlx::query::Query;
use sqlx::sqlite::{Sqlite, SqliteArguments};

use crate::storage::{check_bind_count, stored, Stored};

/// A statement with its arguments, ready to run.
pub(crate) type SqliteQuery<'q> = Query<'q, Sqlite, SqliteArguments<'q>>;

/// Builds the statement `sql` with `binds` bound in order;
/// [`Error::TooManyBinds`] past SQLite's limit, before anything is sent.
pub(crate) fn bind_all<'q>(sql: &'q str, binds: &[ValueRef<'q>]) -> Result<SqliteQuery<'q>> {
    check_bind_count(binds.len())?;
    binds
        .iter()
        .enumerate()
        .try_fold(sqlx::query(sql), |query, (i, value)| {
            bind(query, i + 1, *value)
        })
}

/// Binds one value, the `parameter`th (1-based), as [`stored`] says.
fn bind<'q>(
    query: SqliteQuery<'q>,
    parameter: usize,
    value: ValueRef<'q>,
) -> Result<SqliteQuery<'q>> {
    Ok(match stored(parameter, value)? {
        Stored::Null => query.bind(None::<i64>),
        Stored::Integer(v) => query.bind(v),
        Stored::Real(v) => query.bind(v),
        Stored::Text(Cow::Borrowed(v)) => query.bind(v),
        Stored::Text(Cow::Owned(v)) => query.bind(v),
        Stored::Blob(Cow::Borrowed(v)) => query.bind(v),
        Stored::Blob(Cow::Owned(v)) => query.bind(v),
    })
}
