//! Binding [`ValueRef`]s on the rusqlite executor: each value is converted
//! as [`stored`] maps it to SQLite's storage, the mapping the sqlx executor
//! binds through too, then owned, since the statement runs on the
//! connection's thread.

use orm_core::{Result, ValueRef};
use rusqlite::types::Value;

use crate::storage::{check_bind_count, stored, Stored};

/// `binds` converted in order; [`Error::TooManyBinds`] past SQLite's limit,
/// before anything is sent.
pub(crate) fn owned(binds: &[ValueRef<'_>]) -> Result<Vec<Value>> {
    check_bind_count(binds.len())?;
    binds
        .iter()
        .enumerate()
        .map(|(i, v)| value(i + 1, *v))
        .collect()
}

/// The `parameter`th (1-based) value.
fn value(parameter: usize, value: ValueRef<'_>) -> Result<Value> {
    Ok(match stored(parameter, value)? {
        Stored::Null => Value::Null,
        Stored::Integer(v) => Value::Integer(v),
        Stored::Real(v) => Value::Real(v),
        Stored::Text(v) => Value::Text(v.into_owned()),
        Stored::Blob(v) => Value::Blob(v.into_owned()),
    })
}
