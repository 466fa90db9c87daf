//! [`ValueRef`]s as rusqlite values, owned, since a statement runs on the
//! connection's thread. Each is stored as the sqlx executor stores it, so a
//! database file reads the same through either executor.

use orm_core::{Error, Result, ValueRef};
use rusqlite::types::Value;

use crate::MAX_BINDS;

/// `binds` converted in order; [`Error::TooManyBinds`] past SQLite's limit,
/// before anything is sent.
pub(crate) fn owned(binds: &[ValueRef<'_>]) -> Result<Vec<Value>> {
    if binds.len() > MAX_BINDS {
        return Err(Error::TooManyBinds {
            count: binds.len(),
            max: MAX_BINDS,
        });
    }
    binds.iter().map(|v| value(*v)).collect()
}

fn value(value: ValueRef<'_>) -> Result<Value> {
    Ok(match value {
        ValueRef::Null(_) => Value::Null,
        ValueRef::Bool(v) => Value::Integer(i64::from(v)),
        ValueRef::I16(v) => Value::Integer(i64::from(v)),
        ValueRef::I32(v) => Value::Integer(i64::from(v)),
        ValueRef::I64(v) => Value::Integer(v),
        ValueRef::F32(v) => Value::Real(f64::from(v)),
        ValueRef::F64(v) => Value::Real(v),
        ValueRef::Text(v) => Value::Text(v.to_string()),
        ValueRef::Bytes(v) => Value::Blob(v.to_vec()),
        #[cfg(feature = "chrono")]
        ValueRef::Date(v) => Value::Text(super::time::date_text(&v)),
        #[cfg(feature = "chrono")]
        ValueRef::DateTime(v) => Value::Text(super::time::datetime_text(&v)),
        #[cfg(feature = "chrono")]
        ValueRef::Timestamptz(v) => Value::Text(super::time::timestamptz_text(&v)),
        #[cfg(feature = "uuid")]
        ValueRef::Uuid(v) => Value::Blob(v.as_bytes().to_vec()),
        #[cfg(feature = "json")]
        ValueRef::Json(v) => Value::Text(v.to_string()),
        #[cfg(feature = "decimal")]
        ValueRef::Decimal(v) => Value::Text(v.to_string()),
        other => {
            return Err(Error::Unsupported {
                backend: "sqlite",
                what: format!(
                    "binding a `{}` value (enable orm-sqlite's feature for its type)",
                    other.sql_type().name()
                ),
            })
        }
    })
}
