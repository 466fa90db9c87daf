//! [`PgRow`]: a tokio-postgres row read through orm's [`Row`] getters.
//!
//! Rows decode straight from the bytes the server sent; nothing is copied
//! into an intermediate map. Each getter checks the column's PostgreSQL type
//! first, so a mismatch is an [`Error::Decode`] naming the column, the Rust
//! type asked for and the column's type:
//!
//! | getter | column types |
//! |---|---|
//! | `get_bool` | `bool` |
//! | `get_i16` | `int2` |
//! | `get_i32` | `int2`, `int4` |
//! | `get_i64` | `int2`, `int4`, `int8` |
//! | `get_f32` | `float4` |
//! | `get_f64` | `float4`, `float8` |
//! | `get_str` | `text`, `varchar`, `bpchar`, `name`, `citext`, `unknown` |
//! | `get_bytes` | `bytea` |
//! | `get_date` / `get_datetime` / `get_timestamptz` (chrono) | `date` / `timestamp` / `timestamptz` |
//! | `get_uuid` (uuid) | `uuid` |
//! | `get_json` (json) | `json`, `jsonb` |
//! | `get_decimal` (decimal) | `numeric` |
//! | `get_time` (chrono) | `time` |
//! | `get_array` | any one-dimensional array type; its elements read with the getters above |
//!
//! `get_str` also reads enum types (their labels).
//! Integer and float getters widen: an `int4` identity key reads through
//! `get_i64`. They never narrow.

use orm_core::{Error, Result, Row, SqlType};
use tokio_postgres::types::{FromSql, Kind, Type};

use crate::array::PgArray;

/// A column's bytes as the server sent them (binary format), `None` for
/// NULL: the common types are decoded from these directly, with one type
/// check and one bounds check per column.
struct RawValue<'a>(Option<&'a [u8]>);

impl<'a> FromSql<'a> for RawValue<'a> {
    fn from_sql(
        _: &Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawValue(Some(raw)))
    }

    fn from_sql_null(
        _: &Type,
    ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(RawValue(None))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// `N` big-endian bytes, or why not.
fn fixed<const N: usize>(raw: &[u8]) -> std::result::Result<[u8; N], String> {
    raw.try_into()
        .map_err(|_| format!("{} bytes where {N} were expected", raw.len()))
}

/// One row of a result, as tokio-postgres received it.
#[derive(Debug)]
pub struct PgRow(tokio_postgres::Row);

impl PgRow {
    /// Wraps a tokio-postgres row.
    pub fn new(row: tokio_postgres::Row) -> Self {
        PgRow(row)
    }

    /// The tokio-postgres row.
    pub fn get_ref(&self) -> &tokio_postgres::Row {
        &self.0
    }

    /// Unwraps the tokio-postgres row.
    pub fn into_inner(self) -> tokio_postgres::Row {
        self.0
    }

    #[inline(always)]
    fn column_type(&self, idx: usize, expected: &'static str) -> Result<&Type> {
        match self.0.columns().get(idx) {
            Some(column) => Ok(column.type_()),
            None => Err(Error::Decode {
                column: format!("#{idx}"),
                expected,
                found: format!("no such column: the row has {} column(s)", self.0.len()),
            }),
        }
    }

    fn mismatch(&self, idx: usize, expected: &'static str, ty: &Type) -> Error {
        Error::Decode {
            column: self.column_name(idx).to_string(),
            expected,
            found: ty.name().to_string(),
        }
    }

    /// Decodes column `idx` as `T` once its type is known to be accepted.
    fn read<'a, T: FromSql<'a>>(&'a self, idx: usize, expected: &'static str) -> Result<Option<T>> {
        let ty = self.column_type(idx, expected)?;
        if !T::accepts(ty) {
            return Err(self.mismatch(idx, expected, ty));
        }
        self.0
            .try_get::<_, Option<T>>(idx)
            .map_err(|e| Error::Decode {
                column: self.column_name(idx).to_string(),
                expected,
                found: match std::error::Error::source(&e) {
                    Some(cause) => format!("an invalid {} value ({cause})", ty.name()),
                    None => format!("an invalid {} value ({e})", ty.name()),
                },
            })
    }

    /// Column `idx`'s type and raw bytes.
    // Inlined into each getter: it runs for every cell of every row.
    #[inline(always)]
    fn raw(&self, idx: usize, expected: &'static str) -> Result<(&Type, Option<&[u8]>)> {
        let ty = self.column_type(idx, expected)?;
        match self.0.try_get::<_, RawValue<'_>>(idx) {
            Ok(RawValue(raw)) => Ok((ty, raw)),
            Err(e) => Err(self.invalid(idx, expected, ty, e)),
        }
    }

    fn invalid(
        &self,
        idx: usize,
        expected: &'static str,
        ty: &Type,
        why: impl std::fmt::Display,
    ) -> Error {
        Error::Decode {
            column: self.column_name(idx).to_string(),
            expected,
            found: format!("an invalid {} value ({why})", ty.name()),
        }
    }

    /// Decodes a fixed-width binary value of column `idx` with `decode`.
    fn fixed<const N: usize, T>(
        &self,
        idx: usize,
        expected: &'static str,
        ty: &Type,
        raw: Option<&[u8]>,
        decode: impl FnOnce([u8; N]) -> T,
    ) -> Result<Option<T>> {
        match raw {
            None => Ok(None),
            Some(raw) => match fixed::<N>(raw) {
                Ok(bytes) => Ok(Some(decode(bytes))),
                Err(why) => Err(self.invalid(idx, expected, ty, why)),
            },
        }
    }
}

/// The dialect-neutral type of a PostgreSQL type, when orm has a Rust
/// carrier for it.
pub(crate) fn sql_type(ty: &Type) -> Option<SqlType> {
    match ty.kind() {
        Kind::Array(member) => scalar_type(member)?.as_element().map(SqlType::Array),
        _ => scalar_type(ty),
    }
}

fn scalar_type(ty: &Type) -> Option<SqlType> {
    // An enum's label reads as text.
    if matches!(ty.kind(), Kind::Enum(_)) {
        return Some(SqlType::Text);
    }
    Some(match *ty {
        Type::BOOL => SqlType::Bool,
        Type::INT2 => SqlType::I16,
        Type::INT4 => SqlType::I32,
        Type::INT8 => SqlType::I64,
        Type::FLOAT4 => SqlType::F32,
        Type::FLOAT8 => SqlType::F64,
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => SqlType::Text,
        Type::BYTEA => SqlType::Bytes,
        Type::DATE => SqlType::Date,
        Type::TIME => SqlType::Time,
        Type::TIMESTAMP => SqlType::DateTime,
        Type::TIMESTAMPTZ => SqlType::Timestamptz,
        Type::UUID => SqlType::Uuid,
        Type::JSON | Type::JSONB => SqlType::Json,
        Type::NUMERIC => SqlType::Decimal,
        _ if ty.name() == "citext" => SqlType::Text,
        _ => return None,
    })
}

impl From<tokio_postgres::Row> for PgRow {
    fn from(row: tokio_postgres::Row) -> Self {
        PgRow(row)
    }
}

impl Row for PgRow {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn column_name(&self, idx: usize) -> &str {
        self.0
            .columns()
            .get(idx)
            .map_or("<no such column>", |c| c.name())
    }

    fn column_type(&self, idx: usize) -> Option<SqlType> {
        self.0.columns().get(idx).and_then(|c| sql_type(c.type_()))
    }

    fn database_type(&self, idx: usize) -> Option<&str> {
        self.0.columns().get(idx).map(|c| c.type_().name())
    }

    fn get_bool(&self, idx: usize) -> Result<Option<bool>> {
        self.read(idx, "bool")
    }

    fn get_i16(&self, idx: usize) -> Result<Option<i16>> {
        self.read(idx, "i16")
    }

    fn get_i32(&self, idx: usize) -> Result<Option<i32>> {
        const EXPECTED: &str = "i32";
        let (ty, raw) = self.raw(idx, EXPECTED)?;
        match *ty {
            Type::INT4 => self.fixed(idx, EXPECTED, ty, raw, i32::from_be_bytes),
            Type::INT2 => self.fixed(idx, EXPECTED, ty, raw, |b| i32::from(i16::from_be_bytes(b))),
            _ => Err(self.mismatch(idx, EXPECTED, ty)),
        }
    }

    fn get_i64(&self, idx: usize) -> Result<Option<i64>> {
        const EXPECTED: &str = "i64";
        let (ty, raw) = self.raw(idx, EXPECTED)?;
        match *ty {
            Type::INT8 => self.fixed(idx, EXPECTED, ty, raw, i64::from_be_bytes),
            Type::INT4 => self.fixed(idx, EXPECTED, ty, raw, |b| i64::from(i32::from_be_bytes(b))),
            Type::INT2 => self.fixed(idx, EXPECTED, ty, raw, |b| i64::from(i16::from_be_bytes(b))),
            _ => Err(self.mismatch(idx, EXPECTED, ty)),
        }
    }

    fn get_f32(&self, idx: usize) -> Result<Option<f32>> {
        self.read(idx, "f32")
    }

    fn get_f64(&self, idx: usize) -> Result<Option<f64>> {
        const EXPECTED: &str = "f64";
        match *self.column_type(idx, EXPECTED)? {
            Type::FLOAT4 => Ok(self.read::<f32>(idx, EXPECTED)?.map(f64::from)),
            _ => self.read(idx, EXPECTED),
        }
    }

    fn get_str(&self, idx: usize) -> Result<Option<&str>> {
        const EXPECTED: &str = "String";
        let (ty, raw) = self.raw(idx, EXPECTED)?;
        match *ty {
            // Text in the binary format is the text itself.
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => match raw {
                None => Ok(None),
                Some(raw) => match std::str::from_utf8(raw) {
                    Ok(text) => Ok(Some(text)),
                    Err(e) => Err(self.invalid(idx, EXPECTED, ty, e)),
                },
            },
            _ if matches!(ty.kind(), Kind::Enum(_)) => match raw {
                None => Ok(None),
                Some(raw) => match std::str::from_utf8(raw) {
                    Ok(text) => Ok(Some(text)),
                    Err(e) => Err(self.invalid(idx, EXPECTED, ty, e)),
                },
            },
            // citext and the other types text decodes from.
            _ => self.read(idx, EXPECTED),
        }
    }

    fn get_bytes(&self, idx: usize) -> Result<Option<&[u8]>> {
        self.read(idx, "Vec<u8>")
    }

    #[cfg(feature = "chrono")]
    fn get_date(&self, idx: usize) -> Result<Option<chrono::NaiveDate>> {
        self.read(idx, "chrono::NaiveDate")
    }

    #[cfg(feature = "chrono")]
    fn get_time(&self, idx: usize) -> Result<Option<chrono::NaiveTime>> {
        self.read(idx, "chrono::NaiveTime")
    }

    #[cfg(feature = "chrono")]
    fn get_datetime(&self, idx: usize) -> Result<Option<chrono::NaiveDateTime>> {
        self.read(idx, "chrono::NaiveDateTime")
    }

    #[cfg(feature = "chrono")]
    fn get_timestamptz(&self, idx: usize) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        self.read(idx, "chrono::DateTime<Utc>")
    }

    #[cfg(feature = "uuid")]
    fn get_uuid(&self, idx: usize) -> Result<Option<uuid::Uuid>> {
        self.read(idx, "uuid::Uuid")
    }

    #[cfg(feature = "json")]
    fn get_json(&self, idx: usize) -> Result<Option<serde_json::Value>> {
        self.read(idx, "serde_json::Value")
    }

    #[cfg(feature = "decimal")]
    fn get_decimal(&self, idx: usize) -> Result<Option<rust_decimal::Decimal>> {
        self.read(idx, "rust_decimal::Decimal")
    }

    fn get_array(&self, idx: usize) -> Result<Option<Box<dyn Row + '_>>> {
        const EXPECTED: &str = "Vec<T>";
        let (ty, raw) = self.raw(idx, EXPECTED)?;
        let Kind::Array(member) = ty.kind() else {
            return Err(self.mismatch(idx, EXPECTED, ty));
        };
        match raw {
            None => Ok(None),
            Some(raw) => match PgArray::parse(self.column_name(idx), member, raw) {
                Ok(array) => Ok(Some(Box::new(array))),
                Err(why) => Err(self.invalid(idx, EXPECTED, ty, why)),
            },
        }
    }
}
