//! [`PgArray`]: an array column's elements, read through orm's [`Row`]
//! getters as if each element were a column.
//!
//! The array's binary form is split into its elements' bytes once; each
//! getter then decodes one element with tokio-postgres's decoder for the
//! element type, after checking that the type fits, as [`PgRow`](crate::PgRow)
//! does for columns. Only one-dimensional arrays decode (into `Vec<T>`);
//! a multi-dimensional one is [`Error::Decode`].

use orm_core::{Error, Result, Row};
use tokio_postgres::types::{FromSql, Kind, Type};

/// The elements of one array value.
pub(crate) struct PgArray<'a> {
    /// The array column's name, for messages about any element.
    column: &'a str,
    /// The element type.
    member: &'a Type,
    /// Each element's bytes, `None` for NULL.
    elements: Vec<Option<&'a [u8]>>,
}

/// Reads the four big-endian bytes at `*at` as an `i32`, moving past them.
fn read_i32(raw: &[u8], at: &mut usize) -> std::result::Result<i32, String> {
    let bytes = raw
        .get(*at..*at + 4)
        .ok_or_else(|| format!("the array ends early, at byte {}", *at))?;
    *at += 4;
    Ok(i32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

impl<'a> PgArray<'a> {
    /// Splits `raw`, an array of `member` elements in the binary format,
    /// into its elements.
    pub(crate) fn parse(
        column: &'a str,
        member: &'a Type,
        raw: &'a [u8],
    ) -> std::result::Result<Self, String> {
        let mut at = 0;
        let dimensions = read_i32(raw, &mut at)?;
        let _has_nulls = read_i32(raw, &mut at)?;
        let _oid = read_i32(raw, &mut at)?;
        let count = match dimensions {
            0 => 0,
            1 => {
                let len = read_i32(raw, &mut at)?;
                let _lower_bound = read_i32(raw, &mut at)?;
                usize::try_from(len).map_err(|_| format!("an array of length {len}"))?
            }
            n => {
                return Err(format!(
                    "a {n}-dimensional array, where Vec<T> holds one dimension"
                ))
            }
        };
        let mut elements = Vec::with_capacity(count.min(raw.len() / 4));
        for _ in 0..count {
            let len = read_i32(raw, &mut at)?;
            if len < 0 {
                elements.push(None);
                continue;
            }
            let end = at + len as usize;
            let bytes = raw
                .get(at..end)
                .ok_or_else(|| format!("the array ends early, at byte {at}"))?;
            elements.push(Some(bytes));
            at = end;
        }
        Ok(PgArray {
            column,
            member,
            elements,
        })
    }

    /// Element `idx` decoded as `T`, `None` for NULL.
    fn element<T: FromSql<'a>>(&self, idx: usize, expected: &'static str) -> Result<Option<T>> {
        let Some(raw) = self.elements.get(idx) else {
            return Err(self.error(
                expected,
                format!("no element {idx}: the array has {}", self.elements.len()),
            ));
        };
        if !T::accepts(self.member) {
            return Err(self.error(expected, format!("an array of {}", self.member.name())));
        }
        <Option<T> as FromSql<'a>>::from_sql_nullable(self.member, *raw).map_err(|e| {
            self.error(
                expected,
                format!("an invalid {} element ({e})", self.member.name()),
            )
        })
    }

    fn error(&self, expected: &'static str, found: String) -> Error {
        Error::Decode {
            column: self.column.to_string(),
            expected,
            found,
        }
    }
}

impl Row for PgArray<'_> {
    fn len(&self) -> usize {
        self.elements.len()
    }

    fn column_name(&self, _idx: usize) -> &str {
        self.column
    }

    fn get_bool(&self, idx: usize) -> Result<Option<bool>> {
        self.element(idx, "bool")
    }

    fn get_i16(&self, idx: usize) -> Result<Option<i16>> {
        self.element(idx, "i16")
    }

    fn get_i32(&self, idx: usize) -> Result<Option<i32>> {
        self.element(idx, "i32")
    }

    fn get_i64(&self, idx: usize) -> Result<Option<i64>> {
        self.element(idx, "i64")
    }

    fn get_f32(&self, idx: usize) -> Result<Option<f32>> {
        self.element(idx, "f32")
    }

    fn get_f64(&self, idx: usize) -> Result<Option<f64>> {
        self.element(idx, "f64")
    }

    fn get_str(&self, idx: usize) -> Result<Option<&str>> {
        if matches!(self.member.kind(), Kind::Enum(_)) {
            // An enum's binary form is its label.
            return match self.elements.get(idx).copied().flatten() {
                None => Ok(None),
                Some(raw) => std::str::from_utf8(raw)
                    .map(Some)
                    .map_err(|e| self.error("String", format!("an invalid label ({e})"))),
            };
        }
        self.element(idx, "String")
    }

    fn get_bytes(&self, idx: usize) -> Result<Option<&[u8]>> {
        self.element(idx, "Vec<u8>")
    }

    #[cfg(feature = "chrono")]
    fn get_date(&self, idx: usize) -> Result<Option<chrono::NaiveDate>> {
        self.element(idx, "chrono::NaiveDate")
    }

    #[cfg(feature = "chrono")]
    fn get_time(&self, idx: usize) -> Result<Option<chrono::NaiveTime>> {
        self.element(idx, "chrono::NaiveTime")
    }

    #[cfg(feature = "chrono")]
    fn get_datetime(&self, idx: usize) -> Result<Option<chrono::NaiveDateTime>> {
        self.element(idx, "chrono::NaiveDateTime")
    }

    #[cfg(feature = "chrono")]
    fn get_timestamptz(&self, idx: usize) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        self.element(idx, "chrono::DateTime<Utc>")
    }

    #[cfg(feature = "uuid")]
    fn get_uuid(&self, idx: usize) -> Result<Option<uuid::Uuid>> {
        self.element(idx, "uuid::Uuid")
    }

    #[cfg(feature = "json")]
    fn get_json(&self, idx: usize) -> Result<Option<serde_json::Value>> {
        self.element(idx, "serde_json::Value")
    }

    #[cfg(feature = "decimal")]
    fn get_decimal(&self, idx: usize) -> Result<Option<rust_decimal::Decimal>> {
        self.element(idx, "rust_decimal::Decimal")
    }

    fn get_array(&self, _idx: usize) -> Result<Option<Box<dyn Row + '_>>> {
        Err(self.error(
            "Vec<T>",
            "an array element: arrays of arrays are not supported".to_string(),
        ))
    }
}
