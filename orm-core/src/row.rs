//! Reading rows: the [`Row`] a backend hands out and [`FromRow`] that decodes it.
//!
//! A backend's row type implements [`Row`] with one typed getter per SQL
//! type; a model's generated `FromRow` calls those getters field by field, so
//! rows decode straight into struct fields with no map or `Vec<Value>` in
//! between.

use crate::error::{Error, Result};
use crate::types::SqlValue;
use crate::value::SqlType;

/// A row as a backend returns it, read by column index.
///
/// Each getter returns `Ok(None)` for NULL, and [`Error::Decode`] naming the
/// column when the stored value is not of the type asked for. Getters for
/// feature-gated types default to [`Error::Unsupported`], so a backend built
/// without that feature says so instead of failing to compile.
pub trait Row {
    /// The number of columns.
    fn len(&self) -> usize;
    /// True when the row has no columns.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The name of column `idx`.
    fn column_name(&self, idx: usize) -> &str;
    /// The dialect-neutral type of column `idx` in this row, when orm knows
    /// it: what a [`Record`](crate::Record) decodes the column as. `None`
    /// for a type orm has no carrier for (the default).
    fn column_type(&self, idx: usize) -> Option<SqlType> {
        let _ = idx;
        None
    }
    /// The database's own name for the type of column `idx` (`inet`,
    /// `INTEGER`), when the backend knows it: for error messages.
    fn database_type(&self, idx: usize) -> Option<&str> {
        let _ = idx;
        None
    }
    /// A `bool` column.
    fn get_bool(&self, idx: usize) -> Result<Option<bool>>;
    /// A 16-bit integer column.
    fn get_i16(&self, idx: usize) -> Result<Option<i16>>;
    /// A 32-bit integer column.
    fn get_i32(&self, idx: usize) -> Result<Option<i32>>;
    /// A 64-bit integer column.
    fn get_i64(&self, idx: usize) -> Result<Option<i64>>;
    /// A 32-bit float column.
    fn get_f32(&self, idx: usize) -> Result<Option<f32>>;
    /// A 64-bit float column.
    fn get_f64(&self, idx: usize) -> Result<Option<f64>>;
    /// A text column, borrowed from the row.
    fn get_str(&self, idx: usize) -> Result<Option<&str>>;
    /// A bytes column, borrowed from the row.
    fn get_bytes(&self, idx: usize) -> Result<Option<&[u8]>>;
    /// A date column.
    #[cfg(feature = "chrono")]
    fn get_date(&self, idx: usize) -> Result<Option<chrono::NaiveDate>> {
        Err(unsupported(self, idx, "chrono::NaiveDate"))
    }
    /// A time-of-day column.
    #[cfg(feature = "chrono")]
    fn get_time(&self, idx: usize) -> Result<Option<chrono::NaiveTime>> {
        Err(unsupported(self, idx, "chrono::NaiveTime"))
    }
    /// A timestamp-without-time-zone column.
    #[cfg(feature = "chrono")]
    fn get_datetime(&self, idx: usize) -> Result<Option<chrono::NaiveDateTime>> {
        Err(unsupported(self, idx, "chrono::NaiveDateTime"))
    }
    /// A timestamp-with-time-zone column.
    #[cfg(feature = "chrono")]
    fn get_timestamptz(&self, idx: usize) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        Err(unsupported(self, idx, "chrono::DateTime<Utc>"))
    }
    /// A UUID column.
    #[cfg(feature = "uuid")]
    fn get_uuid(&self, idx: usize) -> Result<Option<uuid::Uuid>> {
        Err(unsupported(self, idx, "uuid::Uuid"))
    }
    /// A JSON column.
    #[cfg(feature = "json")]
    fn get_json(&self, idx: usize) -> Result<Option<serde_json::Value>> {
        Err(unsupported(self, idx, "serde_json::Value"))
    }
    /// A decimal column.
    #[cfg(feature = "decimal")]
    fn get_decimal(&self, idx: usize) -> Result<Option<rust_decimal::Decimal>> {
        Err(unsupported(self, idx, "rust_decimal::Decimal"))
    }
    /// An array column, as a row whose columns are the array's elements
    /// (all named like the array column), read with the same getters; `Ok(None)`
    /// for NULL. The default is [`Error::Unsupported`]: a backend without
    /// arrays (SQLite).
    fn get_array(&self, idx: usize) -> Result<Option<Box<dyn Row + '_>>> {
        Err(Error::Unsupported {
            backend: "this backend",
            what: format!(
                "reading array column `{}`: this database has no array type",
                self.column_name(idx)
            ),
        })
    }
}

/// The index of the column named `name` (the first, should several share
/// it), or [`Error::ColumnNotFound`] listing the row's columns.
pub fn column_index<R: Row + ?Sized>(row: &R, name: &str) -> Result<usize> {
    (0..row.len())
        .find(|&i| row.column_name(i) == name)
        .ok_or_else(|| column_not_found(row, format!("`{name}`")))
}

/// [`Error::ColumnNotFound`] for `column` (`` `name` `` or `#index`).
pub(crate) fn column_not_found<R: Row + ?Sized>(row: &R, column: String) -> Error {
    let columns: Vec<&str> = (0..row.len()).map(|i| row.column_name(i)).collect();
    Error::ColumnNotFound {
        column,
        columns: if columns.is_empty() {
            "none".to_string()
        } else {
            columns.join(", ")
        },
    }
}

#[allow(dead_code)]
fn unsupported<R: Row + ?Sized>(row: &R, idx: usize, ty: &'static str) -> Error {
    Error::Decode {
        column: row.column_name(idx).to_string(),
        expected: ty,
        found: "a backend built without this type's feature".to_string(),
    }
}

/// Builds a value from a row; `#[derive(Table)]` implements it for models,
/// and tuples of up to 12 column types implement it for scalar queries and
/// raw SQL.
pub trait FromRow: Sized {
    /// Decodes `row`, reading columns from index 0.
    fn from_row<R: Row + ?Sized>(row: &R) -> Result<Self>;
}

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: SqlValue),+> FromRow for ($($t,)+) {
            fn from_row<R: Row + ?Sized>(row: &R) -> Result<Self> {
                Ok(($($t::decode(row, $i)?,)+))
            }
        }
    };
}
tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
