//! One decoder for SQLite rows, whichever executor read them.
//!
//! SQLite stores each value in one of four storage classes whatever its
//! column's declared type. A row hands out its values as SQLite stores them
//! ([`Cells`], one [`Cell`] per column): sqlx's rows, rusqlite's rows, and
//! rows copied off the rusqlite executor's thread. [`CellRow`] reads any of
//! them through orm's [`Row`] getters: a getter accepts only the storage
//! classes that hold its type exactly, and otherwise names the class found
//! (and the column's declared type when that differs).

use std::fmt;

use orm_core::{Error, Result, Row, SqlType};

use crate::row::{bool_of, declared_name, declared_type, f32_of, value_type, Storage};

/// A value as SQLite stores it, borrowed from its row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell<'a> {
    /// NULL.
    Null,
    /// An INTEGER.
    Integer(i64),
    /// A REAL.
    Real(f64),
    /// TEXT, as its bytes (checked for UTF-8 when read as text).
    Text(&'a [u8]),
    /// A BLOB.
    Blob(&'a [u8]),
}

/// A row's cells as SQLite hands them out.
pub(crate) trait Cells {
    /// How many columns.
    fn width(&self) -> usize;
    /// The name of column `idx`.
    fn name(&self, idx: usize) -> &str;
    /// The declared type of column `idx`, if it is a table's column.
    fn declared(&self, idx: usize) -> Option<String>;
    /// Column `idx`; `None` when there is no such column.
    fn cell(&self, idx: usize) -> Option<Cell<'_>>;
}

/// Reads [`Cells`] through orm's [`Row`].
pub(crate) struct CellRow<'c, C: ?Sized>(pub(crate) &'c C);

impl<C: Cells + ?Sized> fmt::Debug for CellRow<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let columns: Vec<&str> = (0..self.0.width()).map(|i| self.0.name(i)).collect();
        f.debug_struct("Row").field("columns", &columns).finish()
    }
}

/// The storage class of a value; `None` for NULL.
pub(crate) fn storage_class(value: Cell<'_>) -> Option<Storage> {
    match value {
        Cell::Null => None,
        Cell::Integer(_) => Some(Storage::Integer),
        Cell::Real(_) => Some(Storage::Real),
        Cell::Text(_) => Some(Storage::Text),
        Cell::Blob(_) => Some(Storage::Blob),
    }
}

/// The name of a storage class, `NULL` included.
fn class(value: Cell<'_>) -> &'static str {
    storage_class(value).map_or("NULL", Storage::name)
}

impl<C: Cells + ?Sized> CellRow<'_, C> {
    /// Column `idx`; `None` for NULL.
    // Inlined into each getter: it runs for every cell of every row.
    #[inline(always)]
    fn raw(&self, idx: usize, expected: &'static str) -> Result<Option<Cell<'_>>> {
        match self.0.cell(idx) {
            None => Err(Error::Decode {
                column: format!("#{idx}"),
                expected,
                found: format!("no such column: the row has {} columns", self.0.width()),
            }),
            Some(Cell::Null) => Ok(None),
            Some(value) => Ok(Some(value)),
        }
    }

    fn mismatch(&self, idx: usize, expected: &'static str, value: Cell<'_>) -> Error {
        // The declared type as the sqlx executor names it, so that both
        // report a mismatch in the same words.
        let class = class(value);
        let declared = self.0.declared(idx);
        let found = match declared.as_deref().and_then(declared_name) {
            Some(d) if d != class => format!("{class} (in a column declared {d})"),
            _ => class.to_string(),
        };
        Error::Decode {
            column: self.0.name(idx).to_string(),
            expected,
            found,
        }
    }

    fn invalid(
        &self,
        idx: usize,
        expected: &'static str,
        class: &str,
        why: impl fmt::Display,
    ) -> Error {
        Error::Decode {
            column: self.0.name(idx).to_string(),
            expected,
            found: format!("{class} that is not a valid {expected}: {why}"),
        }
    }

    /// An INTEGER converted to `T`, reporting values out of its range.
    fn integer<T: TryFrom<i64>>(&self, idx: usize, expected: &'static str) -> Result<Option<T>> {
        match self.raw(idx, expected)? {
            None => Ok(None),
            Some(Cell::Integer(v)) => T::try_from(v).map(Some).map_err(|_| Error::Decode {
                column: self.0.name(idx).to_string(),
                expected,
                found: format!("INTEGER {v}, out of range"),
            }),
            Some(other) => Err(self.mismatch(idx, expected, other)),
        }
    }

    /// A REAL, or an INTEGER converted to a float.
    fn float(&self, idx: usize, expected: &'static str) -> Result<Option<f64>> {
        match self.raw(idx, expected)? {
            None => Ok(None),
            Some(Cell::Real(v)) => Ok(Some(v)),
            Some(Cell::Integer(v)) => Ok(Some(v as f64)),
            Some(other) => Err(self.mismatch(idx, expected, other)),
        }
    }

    /// A timestamp from TEXT, a Unix time or a Julian day.
    #[cfg(feature = "chrono")]
    fn timestamp(
        &self,
        idx: usize,
        expected: &'static str,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        let (class, parsed) = match self.raw(idx, expected)? {
            None => return Ok(None),
            Some(Cell::Text(_)) => {
                let text = self.text(idx, expected)?.unwrap_or_default();
                ("TEXT", crate::time::parse_timestamp(text))
            }
            Some(Cell::Integer(v)) => ("INTEGER", crate::time::from_unix(v)),
            Some(Cell::Real(v)) => ("REAL", crate::time::from_julian_day(v)),
            Some(other) => return Err(self.mismatch(idx, expected, other)),
        };
        parsed
            .map(Some)
            .map_err(|e| self.invalid(idx, expected, class, e))
    }

    /// A pragma's value as text: an INTEGER's digits, or TEXT.
    pub(crate) fn setting(&self, idx: usize) -> Result<String> {
        const EXPECTED: &str = "a setting's value";
        match self.raw(idx, EXPECTED)? {
            Some(Cell::Integer(v)) => Ok(v.to_string()),
            Some(Cell::Text(_)) => Ok(self.text(idx, EXPECTED)?.unwrap_or_default().into()),
            None => Err(self.mismatch(idx, EXPECTED, Cell::Null)),
            Some(other) => Err(self.mismatch(idx, EXPECTED, other)),
        }
    }

    /// TEXT `text` of column `idx` parsed by `parse`; a failure names the
    /// column and what `parse` said.
    #[cfg(any(
        feature = "chrono",
        feature = "uuid",
        feature = "json",
        feature = "decimal"
    ))]
    fn parse_text<T, E: fmt::Display>(
        &self,
        idx: usize,
        expected: &'static str,
        parse: impl FnOnce(&str) -> std::result::Result<T, E>,
    ) -> Result<Option<T>> {
        let text = self.text(idx, expected)?.unwrap_or_default();
        parse(text)
            .map(Some)
            .map_err(|e| self.invalid(idx, expected, "TEXT", e))
    }

    /// TEXT as UTF-8.
    #[inline(always)]
    fn text(&self, idx: usize, expected: &'static str) -> Result<Option<&str>> {
        match self.raw(idx, expected)? {
            None => Ok(None),
            Some(Cell::Text(bytes)) => std::str::from_utf8(bytes)
                .map(Some)
                .map_err(|e| self.invalid(idx, expected, "TEXT", e)),
            Some(other) => Err(self.mismatch(idx, expected, other)),
        }
    }
}

impl<C: Cells + ?Sized> Row for CellRow<'_, C> {
    fn len(&self) -> usize {
        self.0.width()
    }

    fn column_name(&self, idx: usize) -> &str {
        self.0.name(idx)
    }

    /// The type of the value's storage class (an INTEGER in a column
    /// declared `BOOLEAN` is a `Bool`); for NULL, the declared type's.
    fn column_type(&self, idx: usize) -> Option<SqlType> {
        let value = self.0.cell(idx)?;
        let declared = self.0.declared(idx);
        let declared = declared
            .as_deref()
            .and_then(declared_name)
            .and_then(declared_type);
        Some(value_type(declared, storage_class(value)))
    }

    /// An INTEGER 0 or 1 (SQLite has no boolean storage class).
    fn get_bool(&self, idx: usize) -> Result<Option<bool>> {
        self.integer::<i64>(idx, "bool")?
            .map(|v| bool_of(self.0.name(idx), v))
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
        self.float(idx, "f32")?
            .map(|v| f32_of(self.0.name(idx), v))
            .transpose()
    }

    /// A REAL (or an INTEGER).
    fn get_f64(&self, idx: usize) -> Result<Option<f64>> {
        self.float(idx, "f64")
    }

    fn get_str(&self, idx: usize) -> Result<Option<&str>> {
        self.text(idx, "String")
    }

    fn get_bytes(&self, idx: usize) -> Result<Option<&[u8]>> {
        match self.raw(idx, "Vec<u8>")? {
            None => Ok(None),
            Some(Cell::Blob(bytes)) => Ok(Some(bytes)),
            Some(other) => Err(self.mismatch(idx, "Vec<u8>", other)),
        }
    }

    /// TEXT `YYYY-MM-DD`.
    #[cfg(feature = "chrono")]
    fn get_date(&self, idx: usize) -> Result<Option<chrono::NaiveDate>> {
        const EXPECTED: &str = "chrono::NaiveDate";
        match self.raw(idx, EXPECTED)? {
            None => Ok(None),
            Some(Cell::Text(_)) => self.parse_text(idx, EXPECTED, crate::time::parse_date),
            Some(other) => Err(self.mismatch(idx, EXPECTED, other)),
        }
    }

    /// TEXT `HH:MM:SS[.fraction]`.
    #[cfg(feature = "chrono")]
    fn get_time(&self, idx: usize) -> Result<Option<chrono::NaiveTime>> {
        const EXPECTED: &str = "chrono::NaiveTime";
        match self.raw(idx, EXPECTED)? {
            None => Ok(None),
            Some(Cell::Text(_)) => self.parse_text(idx, EXPECTED, crate::time::parse_time),
            Some(other) => Err(self.mismatch(idx, EXPECTED, other)),
        }
    }

    /// SQLite has no array type: [`Error::Unsupported`] naming the column.
    fn get_array(&self, idx: usize) -> Result<Option<Box<dyn Row + '_>>> {
        Err(crate::row::no_array(self.0.name(idx)))
    }

    /// TEXT as stored, or a Unix time (INTEGER) or Julian day (REAL).
    #[cfg(feature = "chrono")]
    fn get_datetime(&self, idx: usize) -> Result<Option<chrono::NaiveDateTime>> {
        Ok(self
            .timestamp(idx, "chrono::NaiveDateTime")?
            .map(|t| t.naive_utc()))
    }

    /// TEXT in RFC 3339 (or the forms [`Row::get_datetime`] takes), in UTC.
    #[cfg(feature = "chrono")]
    fn get_timestamptz(&self, idx: usize) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        self.timestamp(idx, "chrono::DateTime<Utc>")
    }

    /// A 16-byte BLOB, or TEXT in any of the UUID's text forms.
    #[cfg(feature = "uuid")]
    fn get_uuid(&self, idx: usize) -> Result<Option<uuid::Uuid>> {
        const EXPECTED: &str = "uuid::Uuid";
        match self.raw(idx, EXPECTED)? {
            None => Ok(None),
            Some(Cell::Blob(bytes)) => uuid::Uuid::from_slice(bytes)
                .map(Some)
                .map_err(|e| self.invalid(idx, EXPECTED, "BLOB", e)),
            Some(Cell::Text(_)) => self.parse_text(idx, EXPECTED, uuid::Uuid::parse_str),
            Some(other) => Err(self.mismatch(idx, EXPECTED, other)),
        }
    }

    /// TEXT holding a JSON document; an INTEGER or REAL is a JSON number.
    #[cfg(feature = "json")]
    fn get_json(&self, idx: usize) -> Result<Option<serde_json::Value>> {
        const EXPECTED: &str = "serde_json::Value";
        match self.raw(idx, EXPECTED)? {
            None => Ok(None),
            Some(Cell::Text(_)) => {
                self.parse_text(idx, EXPECTED, |text| serde_json::from_str(text))
            }
            Some(Cell::Integer(v)) => Ok(Some(serde_json::Value::from(v))),
            Some(Cell::Real(v)) => Ok(Some(serde_json::Value::from(v))),
            Some(other) => Err(self.mismatch(idx, EXPECTED, other)),
        }
    }

    /// TEXT holding the exact number; an INTEGER or a REAL is converted.
    #[cfg(feature = "decimal")]
    fn get_decimal(&self, idx: usize) -> Result<Option<rust_decimal::Decimal>> {
        use std::str::FromStr;

        use rust_decimal::Decimal;

        const EXPECTED: &str = "rust_decimal::Decimal";
        match self.raw(idx, EXPECTED)? {
            None => Ok(None),
            Some(Cell::Text(_)) => self.parse_text(idx, EXPECTED, |text| {
                Decimal::from_str(text).or_else(|_| Decimal::from_scientific(text))
            }),
            Some(Cell::Integer(v)) => Ok(Some(Decimal::from(v))),
            Some(Cell::Real(v)) => Decimal::try_from(v)
                .map(Some)
                .map_err(|e| self.invalid(idx, EXPECTED, "REAL", e)),
            Some(other) => Err(self.mismatch(idx, EXPECTED, other)),
        }
    }
}
