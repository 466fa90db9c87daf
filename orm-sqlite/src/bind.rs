//! Binding [`ValueRef`]s to a sqlx query.
//!
//! Text and bytes are bound by reference: the query borrows them from the
//! caller for as long as it lives. Every statement is built with
//! [`sqlx::query`], which prepares it once per connection and keeps it in
//! the connection's statement cache.

use orm_core::{Error, Result, ValueRef};
use sqlx::query::Query;
use sqlx::sqlite::{Sqlite, SqliteArguments};

use crate::MAX_BINDS;

/// A statement with its arguments, ready to run.
pub(crate) type SqliteQuery<'q> = Query<'q, Sqlite, SqliteArguments<'q>>;

/// Builds the statement `sql` with `binds` bound in order;
/// [`Error::TooManyBinds`] past SQLite's limit, before anything is sent.
pub(crate) fn bind_all<'q>(sql: &'q str, binds: &[ValueRef<'q>]) -> Result<SqliteQuery<'q>> {
    if binds.len() > MAX_BINDS {
        return Err(Error::TooManyBinds {
            count: binds.len(),
            max: MAX_BINDS,
        });
    }
    binds
        .iter()
        .enumerate()
        .try_fold(sqlx::query(sql), |query, (i, value)| {
            bind(query, i + 1, *value)
        })
}

/// Binds one value, the `parameter`th (1-based).
fn bind<'q>(
    query: SqliteQuery<'q>,
    parameter: usize,
    value: ValueRef<'q>,
) -> Result<SqliteQuery<'q>> {
    Ok(match value {
        // SQLite's NULL carries no type.
        ValueRef::Null(_) => query.bind(None::<i64>),
        ValueRef::Bool(v) => query.bind(v),
        ValueRef::I16(v) => query.bind(v),
        ValueRef::I32(v) => query.bind(v),
        ValueRef::I64(v) => query.bind(v),
        ValueRef::F32(v) => query.bind(v),
        ValueRef::F64(v) => query.bind(v),
        ValueRef::Text(v) => query.bind(v),
        ValueRef::Bytes(v) => query.bind(v),
        #[cfg(feature = "chrono")]
        ValueRef::Date(v) => query.bind(v),
        #[cfg(feature = "chrono")]
        ValueRef::DateTime(v) => query.bind(v),
        #[cfg(feature = "chrono")]
        ValueRef::Timestamptz(v) => query.bind(v),
        #[cfg(feature = "uuid")]
        ValueRef::Uuid(v) => query.bind(v),
        #[cfg(feature = "json")]
        ValueRef::Json(v) => query.bind(v.to_string()),
        #[cfg(feature = "decimal")]
        ValueRef::Decimal(v) => query.bind(v.to_string()),
        #[cfg(feature = "chrono")]
        ValueRef::Time(v) => query.bind(v),
        ValueRef::Label(v) => query.bind(v.label),
        #[cfg(feature = "json")]
        ValueRef::JsonOf(v) => query.bind(v.to_json().map_err(|e| Error::InvalidBind {
            parameter,
            reason: format!("the value cannot be serialized to JSON: {e}"),
        })?),
        ValueRef::Array(_) => {
            return Err(Error::Unsupported {
                backend: "sqlite",
                what: format!(
                    "binding an array (parameter {parameter}): SQLite has no array type; \
                     store the list as JSON with `#[column(json)]`"
                ),
            })
        }
        // A variant of a feature this crate was built without, or one added
        // to the core after this backend was written.
        other => {
            let ty = other.sql_type().name();
            let what = match feature_of(other) {
                Some(feature) => {
                    format!("binding a `{ty}` value (enable orm-sqlite's `{feature}` feature)")
                }
                None => format!("binding a `{ty}` value"),
            };
            return Err(Error::Unsupported {
                backend: "sqlite",
                what,
            });
        }
    })
}

/// The orm-sqlite feature a value's type needs.
fn feature_of(value: ValueRef<'_>) -> Option<&'static str> {
    use orm_core::SqlType;
    match value.sql_type() {
        SqlType::Date | SqlType::DateTime | SqlType::Timestamptz | SqlType::Time => Some("chrono"),
        SqlType::Uuid => Some("uuid"),
        SqlType::Json => Some("json"),
        SqlType::Decimal => Some("decimal"),
        _ => None,
    }
}
