//! [`SqliteRow`]: a row of sqlx's SQLite driver, as the [`Cells`] the
//! decoder both executors share reads ([`crate::cell`]), and the rules of
//! that decoder that speak of SQLite's types.

use sqlx::sqlite::SqliteValueRef;
use sqlx::{Column as _, Decode, Row as _, TypeInfo as _, ValueRef as _};

use orm_core::{Error, Result, SqlType};

use crate::cell::{Cell, Cells};

/// A row returned by sqlx's SQLite driver, read through
/// [`CellRow`](crate::cell::CellRow).
pub(crate) struct SqliteRow(sqlx::sqlite::SqliteRow);

impl SqliteRow {
    /// Wraps a row sqlx returned.
    pub(crate) fn new(row: sqlx::sqlite::SqliteRow) -> Self {
        SqliteRow(row)
    }
}

/// The bytes of a TEXT or BLOB value.
fn bytes(value: SqliteValueRef<'_>) -> Option<&[u8]> {
    <&[u8] as Decode<'_, sqlx::Sqlite>>::decode(value).ok()
}

impl Cells for SqliteRow {
    fn width(&self) -> usize {
        self.0.len()
    }

    fn name(&self, idx: usize) -> &str {
        self.0
            .columns()
            .get(idx)
            .map_or("<no such column>", |c| c.name())
    }

    /// The declared type as sqlx names it (`NULL` for an expression: none).
    fn declared(&self, idx: usize) -> Option<String> {
        let name = self.0.columns().get(idx)?.type_info().name();
        (name != "NULL").then(|| name.to_string())
    }

    /// The value in its storage class. Text is handed over as bytes, so that
    /// TEXT that is not UTF-8 is the decoder's error, as on rusqlite.
    #[inline]
    fn cell(&self, idx: usize) -> Option<Cell<'_>> {
        let value = self.0.try_get_raw(idx).ok()?;
        if value.is_null() {
            return Some(Cell::Null);
        }
        Some(match value.type_info().name() {
            "INTEGER" => Cell::Integer(<i64 as Decode<'_, sqlx::Sqlite>>::decode(value).ok()?),
            "REAL" => Cell::Real(<f64 as Decode<'_, sqlx::Sqlite>>::decode(value).ok()?),
            "TEXT" => Cell::Text(bytes(value)?),
            _ => Cell::Blob(bytes(value)?),
        })
    }
}

/// The name a column's declared type goes by, as sqlx names it (and the
/// rusqlite executor after it): `BOOLEAN`, `DATE`, `TIME` and `DATETIME`
/// for those words, else by SQLite's affinity rules `INTEGER`, `TEXT`,
/// `BLOB` or `REAL`; `None` for any other declared type.
pub(crate) fn declared_name(declared: &str) -> Option<&'static str> {
    let d = declared.to_ascii_lowercase();
    Some(match d.as_str() {
        "boolean" | "bool" => "BOOLEAN",
        "date" => "DATE",
        "time" => "TIME",
        "datetime" | "timestamp" => "DATETIME",
        _ if d.contains("int") => "INTEGER",
        _ if d.contains("char") || d.contains("clob") || d.contains("text") => "TEXT",
        _ if d.contains("blob") => "BLOB",
        _ if d.contains("real") || d.contains("floa") || d.contains("doub") => "REAL",
        _ => return None,
    })
}

/// The dialect-neutral type of a column type as [`declared_name`] names
/// it (`NULL` for an expression with none).
pub(crate) fn declared_type(name: &str) -> Option<SqlType> {
    Some(match name {
        "BOOLEAN" => SqlType::Bool,
        "INTEGER" => SqlType::I64,
        "REAL" => SqlType::F64,
        "TEXT" => SqlType::Text,
        "BLOB" => SqlType::Bytes,
        "DATE" => SqlType::Date,
        "DATETIME" => SqlType::DateTime,
        "NUMERIC" => SqlType::Decimal,
        _ => return None,
    })
}

/// The type of a value read without a type asked for (a `Record`'s), on
/// either executor: its storage class's (an INTEGER in a column declared
/// `BOOLEAN` is a `Bool`); for NULL, the `declared` type's, else `Text`.
pub(crate) fn value_type(declared: Option<SqlType>, storage: Option<Storage>) -> SqlType {
    match storage {
        None => declared.unwrap_or(SqlType::Text),
        Some(Storage::Integer) if declared == Some(SqlType::Bool) => SqlType::Bool,
        Some(Storage::Integer) => SqlType::I64,
        Some(Storage::Real) => SqlType::F64,
        Some(Storage::Text) => SqlType::Text,
        Some(Storage::Blob) => SqlType::Bytes,
    }
}

/// SQLite's storage classes of non-NULL values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Storage {
    Integer,
    Real,
    Text,
    Blob,
}

impl Storage {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Storage::Integer => "INTEGER",
            Storage::Real => "REAL",
            Storage::Text => "TEXT",
            Storage::Blob => "BLOB",
        }
    }
}

/// An INTEGER read as a bool, on either executor: 0 or 1 (SQLite has no
/// boolean storage class); anything else is a Decode error naming `column`.
pub(crate) fn bool_of(column: &str, v: i64) -> Result<bool> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        v => Err(Error::Decode {
            column: column.to_string(),
            expected: "bool",
            found: format!("INTEGER {v}, neither 0 nor 1"),
        }),
    }
}

/// A REAL read as an `f32`, on either executor: a finite value beyond
/// `f32`'s range is a Decode error naming `column`, not an infinity.
pub(crate) fn f32_of(column: &str, v: f64) -> Result<f32> {
    if v.is_finite() && v.abs() > f64::from(f32::MAX) {
        return Err(Error::Decode {
            column: column.to_string(),
            expected: "f32",
            found: format!("REAL {v:e}, out of range"),
        });
    }
    #[allow(clippy::cast_possible_truncation)] // in range, checked above
    Ok(v as f32)
}

/// Reading array column `column` on either executor.
pub(crate) fn no_array(column: &str) -> Error {
    Error::Unsupported {
        backend: "sqlite",
        what: format!(
            "reading array column `{column}`: SQLite has no array type; store the list as JSON \
             with `#[column(json)]`"
        ),
    }
}
