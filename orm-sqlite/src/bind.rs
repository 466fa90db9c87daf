//! Binding [`ValueRef`]s to a sqlx query.
//!
//! Each value is bound as [`stored`] maps it to SQLite's storage (the
//! rusqlite executor binds through the same mapping). sqlx 0.9 owns what
//! it binds: text is copied once, into the `Arc<str>` sqlx keeps (binding a
//! `&str` would copy it twice, into a `String` and then an `Arc`). Every
//! statement is built with [`sqlx::query`], which prepares it once per
//! connection and keeps it in the connection's statement cache.

use std::borrow::Cow;
use std::sync::Arc;

use orm_core::{Result, ValueRef};
use sqlx::query::Query;
use sqlx::sqlite::{Sqlite, SqliteArguments};
use sqlx::{AssertSqlSafe, SqlSafeStr as _, SqlStr};

use crate::storage::{check_bind_count, stored, Stored};

/// A statement with its arguments, ready to run.
pub(crate) type SqliteQuery = Query<'static, Sqlite, SqliteArguments>;

/// The text to send: `carried` (the statement with a pending `BEGIN` in
/// front, see `SqliteConn::carrying_begin`) when there is one, else `sql`,
/// copied once into the `Arc<str>` sqlx 0.9 keeps of every statement.
pub(crate) fn statement_text(carried: Option<String>, sql: &str) -> SqlStr {
    match carried {
        Some(text) => AssertSqlSafe(text).into_sql_str(),
        None => AssertSqlSafe(sql).into_sql_str(),
    }
}

/// Builds the statement `sql` with `binds` bound in order;
/// [`Error::TooManyBinds`] past SQLite's limit, before anything is sent.
pub(crate) fn bind_all(sql: SqlStr, binds: &[ValueRef<'_>]) -> Result<SqliteQuery> {
    check_bind_count(binds.len())?;
    binds
        .iter()
        .enumerate()
        .try_fold(sqlx::query(sql), |query, (i, value)| {
            bind(query, i + 1, *value)
        })
}

/// Binds one value, the `parameter`th (1-based), as [`stored`] says.
fn bind(query: SqliteQuery, parameter: usize, value: ValueRef<'_>) -> Result<SqliteQuery> {
    Ok(match stored(parameter, value)? {
        Stored::Null => query.bind(None::<i64>),
        Stored::Integer(v) => query.bind(v),
        Stored::Real(v) => query.bind(v),
        Stored::Text(Cow::Borrowed(v)) => query.bind(Arc::<str>::from(v)),
        Stored::Text(Cow::Owned(v)) => query.bind(v),
        Stored::Blob(Cow::Borrowed(v)) => query.bind(v.to_vec()),
        Stored::Blob(Cow::Owned(v)) => query.bind(v),
    })
}
