//! The Rust types a column can hold, and how each binds and decodes.

use crate::error::{Error, Result};
use crate::row::Row;
use crate::value::{SqlType, Value, ValueRef};

/// A Rust type that can be stored in a column.
///
/// Implemented for `bool`, `i16`, `i32`, `i64`, `f32`, `f64`, `String`,
/// `Vec<u8>` and `Option<T>` of those; with features, for chrono's
/// `NaiveDate`, `NaiveTime`, `NaiveDateTime` and `DateTime<Utc>`,
/// `uuid::Uuid`, `serde_json::Value` and `Json<T>` of any serde type, and
/// `rust_decimal::Decimal`. `Vec<T>` of those is an array column
/// (PostgreSQL), and `#[derive(SqlEnum)]` makes a fieldless enum a column
/// type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be stored in a column",
    label = "unsupported column type",
    note = "column types are bool, i16, i32, i64, f32, f64, String, Vec<u8> and Option<T> of those; \
            with orm's features: chrono::NaiveDate, NaiveTime, NaiveDateTime, DateTime<Utc> (chrono), \
            uuid::Uuid (uuid), serde_json::Value and Json<T> (json), rust_decimal::Decimal (decimal); \
            Vec<T> of those (arrays); a fieldless enum with #[derive(SqlEnum)]; \
            any serde type with #[column(json)]"
)]
pub trait SqlValue: Sized + Send + Sync + 'static {
    /// The column's SQL type.
    const SQL_TYPE: SqlType;
    /// True for `Option<T>`: the column accepts NULL.
    const NULLABLE: bool = false;
    /// Borrows the value for binding.
    fn to_value(&self) -> ValueRef<'_>;
    /// Converts the value into an owned [`Value`] for a query tree.
    fn into_value(self) -> Value;
    /// Decodes column `idx` of `row`.
    fn decode<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Self>;
    /// True when the value means "not assigned yet" for a database-generated
    /// key (zero for integers).
    fn is_unset(&self) -> bool {
        false
    }
}

/// A column type that is not `Option`: it can be wrapped in `Option<T>` to
/// make the column NULL-able.
#[diagnostic::on_unimplemented(
    message = "`Option<{Self}>` cannot be stored in a column",
    label = "unsupported column type",
    note = "column types are bool, i16, i32, i64, f32, f64, String, Vec<u8> and Option<T> of those (not nested options); \
            with orm's features: chrono::NaiveDate, chrono::NaiveDateTime, chrono::DateTime<Utc> (chrono), \
            uuid::Uuid (uuid), serde_json::Value (json), rust_decimal::Decimal (decimal)"
)]
pub trait NotNull: SqlValue {
    /// Decodes column `idx`, returning `None` for NULL.
    fn decode_nullable<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Option<Self>>;
}

/// The error for a NULL found in a column whose Rust type is not an `Option`.
pub fn null_error<R: Row + ?Sized>(row: &R, idx: usize, expected: &'static str) -> Error {
    Error::Decode {
        column: row.column_name(idx).to_string(),
        expected,
        found: "NULL".to_string(),
    }
}

macro_rules! copy_value {
    ($t:ty, $variant:ident, $getter:ident, $unset:expr) => {
        impl SqlValue for $t {
            const SQL_TYPE: SqlType = SqlType::$variant;
            fn to_value(&self) -> ValueRef<'_> {
                ValueRef::$variant(*self)
            }
            fn into_value(self) -> Value {
                Value::$variant(self)
            }
            fn decode<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Self> {
                row.$getter(idx)?
                    .ok_or_else(|| null_error(row, idx, stringify!($t)))
            }
            #[allow(clippy::redundant_closure_call)]
            fn is_unset(&self) -> bool {
                ($unset)(self)
            }
        }
        impl NotNull for $t {
            fn decode_nullable<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Option<Self>> {
                row.$getter(idx)
            }
        }
    };
}

copy_value!(bool, Bool, get_bool, |_: &bool| false);
copy_value!(i16, I16, get_i16, |v: &i16| *v == 0);
copy_value!(i32, I32, get_i32, |v: &i32| *v == 0);
copy_value!(i64, I64, get_i64, |v: &i64| *v == 0);
copy_value!(f32, F32, get_f32, |_: &f32| false);
copy_value!(f64, F64, get_f64, |_: &f64| false);
#[cfg(feature = "chrono")]
copy_value!(
    chrono::NaiveDate,
    Date,
    get_date,
    |_: &chrono::NaiveDate| false
);
#[cfg(feature = "chrono")]
copy_value!(
    chrono::NaiveTime,
    Time,
    get_time,
    |_: &chrono::NaiveTime| false
);
#[cfg(feature = "chrono")]
copy_value!(
    chrono::NaiveDateTime,
    DateTime,
    get_datetime,
    |_: &chrono::NaiveDateTime| false
);
#[cfg(feature = "chrono")]
copy_value!(
    chrono::DateTime<chrono::Utc>,
    Timestamptz,
    get_timestamptz,
    |_: &chrono::DateTime<chrono::Utc>| false
);
#[cfg(feature = "uuid")]
copy_value!(uuid::Uuid, Uuid, get_uuid, |v: &uuid::Uuid| v.is_nil());
#[cfg(feature = "decimal")]
copy_value!(
    rust_decimal::Decimal,
    Decimal,
    get_decimal,
    |_: &rust_decimal::Decimal| false
);

impl SqlValue for String {
    const SQL_TYPE: SqlType = SqlType::Text;
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
    fn into_value(self) -> Value {
        Value::Text(self)
    }
    fn decode<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Self> {
        Self::decode_nullable(row, idx)?.ok_or_else(|| null_error(row, idx, "String"))
    }
}
impl NotNull for String {
    fn decode_nullable<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Option<Self>> {
        Ok(row.get_str(idx)?.map(str::to_owned))
    }
}

impl SqlValue for Vec<u8> {
    const SQL_TYPE: SqlType = SqlType::Bytes;
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Bytes(self)
    }
    fn into_value(self) -> Value {
        Value::Bytes(self)
    }
    fn decode<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Self> {
        Self::decode_nullable(row, idx)?.ok_or_else(|| null_error(row, idx, "Vec<u8>"))
    }
}
impl NotNull for Vec<u8> {
    fn decode_nullable<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Option<Self>> {
        Ok(row.get_bytes(idx)?.map(<[u8]>::to_vec))
    }
}

#[cfg(feature = "json")]
impl SqlValue for serde_json::Value {
    const SQL_TYPE: SqlType = SqlType::Json;
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Json(self)
    }
    fn into_value(self) -> Value {
        Value::Json(self)
    }
    fn decode<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Self> {
        // A JSON `null` stored in a NOT NULL column decodes as Value::Null.
        Ok(row.get_json(idx)?.unwrap_or(serde_json::Value::Null))
    }
}
#[cfg(feature = "json")]
impl NotNull for serde_json::Value {
    fn decode_nullable<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Option<Self>> {
        row.get_json(idx)
    }
}

impl<T: NotNull> SqlValue for Option<T> {
    const SQL_TYPE: SqlType = T::SQL_TYPE;
    const NULLABLE: bool = true;
    fn to_value(&self) -> ValueRef<'_> {
        match self {
            Some(v) => v.to_value(),
            None => ValueRef::Null(T::SQL_TYPE),
        }
    }
    fn into_value(self) -> Value {
        match self {
            Some(v) => v.into_value(),
            None => Value::Null(T::SQL_TYPE),
        }
    }
    fn decode<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Self> {
        T::decode_nullable(row, idx)
    }
    fn is_unset(&self) -> bool {
        self.as_ref().is_none_or(SqlValue::is_unset)
    }
}

/// Column types that `LIKE` applies to.
pub trait Text: SqlValue {}
impl Text for String {}
impl Text for Option<String> {}

/// Column types that arithmetic (`+ - * /`) applies to.
pub trait Numeric: SqlValue {}
impl Numeric for i16 {}
impl Numeric for i32 {}
impl Numeric for i64 {}
impl Numeric for f32 {}
impl Numeric for f64 {}
impl<T: Numeric + NotNull> Numeric for Option<T> {}
#[cfg(feature = "decimal")]
impl Numeric for rust_decimal::Decimal {}

impl<T: SqlValue> From<T> for Value {
    fn from(v: T) -> Value {
        v.into_value()
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_owned())
    }
}

impl From<&[u8]> for Value {
    fn from(v: &[u8]) -> Value {
        Value::Bytes(v.to_vec())
    }
}
