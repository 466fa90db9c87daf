//! [`SqliteRow`]: a row from SQLite, read through orm's [`Row`] getters.
//!
//! SQLite stores each value in one of four storage classes whatever its
//! column's declared type. A getter accepts only the classes that hold its
//! type exactly and reports any other as [`Error::Decode`], naming the
//! storage class found (and the column's declared type when that differs).

use std::fmt;

use orm_core::{Error, Result, Row, SqlType};
use sqlx::sqlite::SqliteValueRef;
use sqlx::{Column as _, Decode, Row as _, TypeInfo as _, ValueRef as _};

/// A row returned by SQLite.
///
/// It implements orm's [`Row`], so `FromRow` decodes it straight into a
/// model's fields; text and blobs are borrowed from the row. The backend
/// hands it to `FromRow::from_row`; it is not built by hand.
pub struct SqliteRow(sqlx::sqlite::SqliteRow);

impl SqliteRow {
    /// Wraps a row sqlx returned.
    pub(crate) fn new(row: sqlx::sqlite::SqliteRow) -> Self {
        SqliteRow(row)
    }
}

impl fmt::Debug for SqliteRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let columns: Vec<&str> = (0..self.len()).map(|i| self.column_name(i)).collect();
        f.debug_struct("SqliteRow")
            .field("columns", &columns)
            .finish()
    }
}

/// The name a column's declared type goes by, as sqlx names it (and the
/// rusqlite executor after it): `BOOLEAN`, `DATE`, `TIME` and `DATETIME`
/// for those words, else by SQLite's affinity rules `INTEGER`, `TEXT`,
/// `BLOB` or `REAL`; `None` for any other declared type.
#[cfg_attr(not(feature = "rusqlite"), allow(dead_code))]
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

impl SqliteRow {
    /// Column `idx` and its storage class; `None` for NULL.
    fn raw(
        &self,
        idx: usize,
        expected: &'static str,
    ) -> Result<Option<(SqliteValueRef<'_>, Storage)>> {
        let value = self.0.try_get_raw(idx).map_err(|_| Error::Decode {
            column: format!("#{idx}"),
            expected,
            found: format!("no such column: the row has {} columns", self.len()),
        })?;
        if value.is_null() {
            return Ok(None);
        }
        let storage = match value.type_info().name() {
            "INTEGER" => Storage::Integer,
            "REAL" => Storage::Real,
            "TEXT" => Storage::Text,
            "BLOB" => Storage::Blob,
            other => {
                return Err(Error::Decode {
                    column: self.column_name(idx).to_string(),
                    expected,
                    found: other.to_string(),
                })
            }
        };
        Ok(Some((value, storage)))
    }

    /// The storage class, with the declared type when that says otherwise.
    fn describe(&self, idx: usize, storage: Storage) -> String {
        let declared = self.0.columns().get(idx).map(|c| c.type_info().name());
        match declared {
            Some(d) if d != "NULL" && !d.eq_ignore_ascii_case(storage.name()) => {
                format!("{} (in a column declared {d})", storage.name())
            }
            _ => storage.name().to_string(),
        }
    }

    fn mismatch(&self, idx: usize, expected: &'static str, storage: Storage) -> Error {
        Error::Decode {
            column: self.column_name(idx).to_string(),
            expected,
            found: self.describe(idx, storage),
        }
    }

    fn invalid(
        &self,
        idx: usize,
        expected: &'static str,
        storage: Storage,
        why: impl fmt::Display,
    ) -> Error {
        Error::Decode {
            column: self.column_name(idx).to_string(),
            expected,
            found: format!("{} that is not a valid {expected}: {why}", storage.name()),
        }
    }

    /// Decodes column `idx` with sqlx's decoder for `T`, when its storage
    /// class is one of `accepted`.
    fn decode<'r, T: Decode<'r, sqlx::Sqlite>>(
        &'r self,
        idx: usize,
        expected: &'static str,
        accepted: &[Storage],
    ) -> Result<Option<T>> {
        match self.raw(idx, expected)? {
            None => Ok(None),
            Some((value, storage)) if accepted.contains(&storage) => T::decode(value)
                .map(Some)
                .map_err(|e| self.invalid(idx, expected, storage, e)),
            Some((_, storage)) => Err(self.mismatch(idx, expected, storage)),
        }
    }

    /// An INTEGER converted to `T`, reporting values out of its range.
    fn integer<T: TryFrom<i64>>(&self, idx: usize, expected: &'static str) -> Result<Option<T>> {
        let Some(v) = self.decode::<i64>(idx, expected, &[Storage::Integer])? else {
            return Ok(None);
        };
        T::try_from(v).map(Some).map_err(|_| Error::Decode {
            column: self.column_name(idx).to_string(),
            expected,
            found: format!("INTEGER {v}, out of range"),
        })
    }
}

impl Row for SqliteRow {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn column_name(&self, idx: usize) -> &str {
        self.0
            .columns()
            .get(idx)
            .map_or("<no such column>", |c| c.name())
    }

    /// The type of the value's storage class (an INTEGER in a column
    /// declared `BOOLEAN` is a `Bool`); for NULL, the declared type's.
    fn column_type(&self, idx: usize) -> Option<SqlType> {
        let declared = self
            .0
            .columns()
            .get(idx)
            .and_then(|c| declared_type(c.type_info().name()));
        let storage = self.raw(idx, "a value").ok()?.map(|(_, storage)| storage);
        Some(value_type(declared, storage))
    }

    /// An INTEGER 0 or 1 (SQLite has no boolean storage class).
    fn get_bool(&self, idx: usize) -> Result<Option<bool>> {
        self.decode::<i64>(idx, "bool", &[Storage::Integer])?
            .map(|v| bool_of(self.column_name(idx), v))
            .transpose()
    }

    fn get_i16(&self, idx: usize) -> Result<Option<i16>> {
        self.integer(idx, "i16")
    }

    fn get_i32(&self, idx: usize) -> Result<Option<i32>> {
        self.integer(idx, "i32")
    }

    fn get_i64(&self, idx: usize) -> Result<Option<i64>> {
        self.integer(idx, "i64")
    }

    /// A REAL (or an INTEGER), reporting values beyond `f32`'s range.
    fn get_f32(&self, idx: usize) -> Result<Option<f32>> {
        self.get_float(idx, "f32")?
            .map(|v| f32_of(self.column_name(idx), v))
            .transpose()
    }

    /// A REAL (or an INTEGER).
    fn get_f64(&self, idx: usize) -> Result<Option<f64>> {
        self.get_float(idx, "f64")
    }

    fn get_str(&self, idx: usize) -> Result<Option<&str>> {
        self.decode::<&str>(idx, "String", &[Storage::Text])
    }

    fn get_bytes(&self, idx: usize) -> Result<Option<&[u8]>> {
        self.decode::<&[u8]>(idx, "Vec<u8>", &[Storage::Blob])
    }

    /// TEXT `YYYY-MM-DD`.
    #[cfg(feature = "chrono")]
    fn get_date(&self, idx: usize) -> Result<Option<chrono::NaiveDate>> {
        self.decode(idx, "chrono::NaiveDate", &[Storage::Text])
    }

    /// TEXT `HH:MM:SS[.fraction]`.
    #[cfg(feature = "chrono")]
    fn get_time(&self, idx: usize) -> Result<Option<chrono::NaiveTime>> {
        self.decode(idx, "chrono::NaiveTime", &[Storage::Text])
    }

    /// SQLite has no array type: [`Error::Unsupported`] naming the column.
    fn get_array(&self, idx: usize) -> Result<Option<Box<dyn Row + '_>>> {
        Err(no_array(self.column_name(idx)))
    }

    /// TEXT as sqlx writes it, or a Unix time (INTEGER) or Julian day (REAL).
    #[cfg(feature = "chrono")]
    fn get_datetime(&self, idx: usize) -> Result<Option<chrono::NaiveDateTime>> {
        self.decode(idx, "chrono::NaiveDateTime", &TIMESTAMP_STORAGE)
    }

    /// TEXT in RFC 3339 (or the forms [`Row::get_datetime`] takes), in UTC.
    #[cfg(feature = "chrono")]
    fn get_timestamptz(&self, idx: usize) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        self.decode(idx, "chrono::DateTime<Utc>", &TIMESTAMP_STORAGE)
    }

    /// A 16-byte BLOB, or TEXT in any of the UUID's text forms.
    #[cfg(feature = "uuid")]
    fn get_uuid(&self, idx: usize) -> Result<Option<uuid::Uuid>> {
        const EXPECTED: &str = "uuid::Uuid";
        match self.raw(idx, EXPECTED)? {
            None => Ok(None),
            Some((value, storage @ Storage::Blob)) => {
                let bytes = <&[u8] as Decode<'_, sqlx::Sqlite>>::decode(value)
                    .map_err(|e| self.invalid(idx, EXPECTED, storage, e))?;
                uuid::Uuid::from_slice(bytes)
                    .map(Some)
                    .map_err(|e| self.invalid(idx, EXPECTED, storage, e))
            }
            Some((_, Storage::Text)) => {
                let text = self.get_str(idx)?.unwrap_or_default();
                uuid::Uuid::parse_str(text)
                    .map(Some)
                    .map_err(|e| self.invalid(idx, EXPECTED, Storage::Text, e))
            }
            Some((_, storage)) => Err(self.mismatch(idx, EXPECTED, storage)),
        }
    }

    /// TEXT holding a JSON document; an INTEGER or REAL is a JSON number.
    #[cfg(feature = "json")]
    fn get_json(&self, idx: usize) -> Result<Option<serde_json::Value>> {
        const EXPECTED: &str = "serde_json::Value";
        match self.raw(idx, EXPECTED)? {
            None => Ok(None),
            Some((_, Storage::Text)) => {
                let text = self.get_str(idx)?.unwrap_or_default();
                serde_json::from_str(text)
                    .map(Some)
                    .map_err(|e| self.invalid(idx, EXPECTED, Storage::Text, e))
            }
            Some((_, Storage::Integer)) => Ok(self.get_i64(idx)?.map(serde_json::Value::from)),
            Some((_, Storage::Real)) => Ok(self.get_f64(idx)?.map(serde_json::Value::from)),
            Some((_, storage)) => Err(self.mismatch(idx, EXPECTED, storage)),
        }
    }

    /// TEXT holding the exact number; an INTEGER, or a REAL (as SQLite's
    /// arithmetic returns), is converted.
    #[cfg(feature = "decimal")]
    fn get_decimal(&self, idx: usize) -> Result<Option<rust_decimal::Decimal>> {
        use std::str::FromStr;

        use rust_decimal::Decimal;

        const EXPECTED: &str = "rust_decimal::Decimal";
        match self.raw(idx, EXPECTED)? {
            None => Ok(None),
            Some((_, Storage::Text)) => {
                let text = self.get_str(idx)?.unwrap_or_default();
                Decimal::from_str(text)
                    .or_else(|_| Decimal::from_scientific(text))
                    .map(Some)
                    .map_err(|e| self.invalid(idx, EXPECTED, Storage::Text, e))
            }
            Some((_, Storage::Integer)) => Ok(self.get_i64(idx)?.map(Decimal::from)),
            Some((_, Storage::Real)) => {
                let v = self.get_f64(idx)?.unwrap_or_default();
                Decimal::try_from(v)
                    .map(Some)
                    .map_err(|e| self.invalid(idx, EXPECTED, Storage::Real, e))
            }
            Some((_, storage)) => Err(self.mismatch(idx, EXPECTED, storage)),
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

/// The storage classes a timestamp may be read from.
#[cfg(feature = "chrono")]
const TIMESTAMP_STORAGE: [Storage; 3] = [Storage::Text, Storage::Integer, Storage::Real];

impl SqliteRow {
    /// A REAL, or an INTEGER converted to a float.
    fn get_float(&self, idx: usize, expected: &'static str) -> Result<Option<f64>> {
        match self.raw(idx, expected)? {
            None => Ok(None),
            Some((value, Storage::Real)) => <f64 as Decode<'_, sqlx::Sqlite>>::decode(value)
                .map(Some)
                .map_err(|e| self.invalid(idx, expected, Storage::Real, e)),
            Some((value, Storage::Integer)) => <i64 as Decode<'_, sqlx::Sqlite>>::decode(value)
                .map(|v| Some(v as f64))
                .map_err(|e| self.invalid(idx, expected, Storage::Integer, e)),
            Some((_, storage)) => Err(self.mismatch(idx, expected, storage)),
        }
    }
}
