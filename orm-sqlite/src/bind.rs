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

use orm_core::{Error, Result, ValueRef};
use sqlx::query::Query;
use sqlx::sqlite::{Sqlite, SqliteArguments};
use sqlx::{Arguments as _, AssertSqlSafe, SqlSafeStr as _, SqlStr};

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
/// The arguments are sized up front: a bulk insert binds tens of
/// thousands of values, and growing the list one value at a time would
/// copy it over and over.
pub(crate) fn bind_all(sql: SqlStr, binds: &[ValueRef<'_>]) -> Result<SqliteQuery> {
    check_bind_count(binds.len())?;
    let mut arguments = SqliteArguments::default();
    arguments.reserve(binds.len(), 0);
    for (i, value) in binds.iter().enumerate() {
        bind(&mut arguments, i + 1, *value)?;
    }
    Ok(sqlx::query_with(sql, arguments))
}

/// Binds one value, the `parameter`th (1-based), as [`stored`] says.
fn bind(arguments: &mut SqliteArguments, parameter: usize, value: ValueRef<'_>) -> Result<()> {
    let added = match stored(parameter, value)? {
        Stored::Null => arguments.add(None::<i64>),
        Stored::Integer(v) => arguments.add(v),
        Stored::Real(v) => arguments.add(v),
        Stored::Text(Cow::Borrowed(v)) => arguments.add(Arc::<str>::from(v)),
        Stored::Text(Cow::Owned(v)) => arguments.add(v),
        Stored::Blob(Cow::Borrowed(v)) => arguments.add(v.to_vec()),
        Stored::Blob(Cow::Owned(v)) => arguments.add(v),
    };
    added.map_err(|e| Error::InvalidBind {
        parameter,
        reason: e.to_string(),
    })
}
