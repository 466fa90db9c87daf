//! Values bound to statements: the SQL types orm knows and their Rust carriers.

use crate::array::{Array, ArrayRef};
use crate::enums::{EnumLabel, EnumMeta};
#[cfg(feature = "json")]
use crate::json::{JsonOwned, JsonRef};

/// The SQL type of a column, independent of any dialect.
///
/// Each dialect maps it to its own type name when it writes DDL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SqlType {
    /// `BOOLEAN` (an integer 0/1 on SQLite)
    Bool,
    /// 16-bit integer
    I16,
    /// 32-bit integer
    I32,
    /// 64-bit integer
    I64,
    /// 32-bit float
    F32,
    /// 64-bit float
    F64,
    /// Text
    Text,
    /// Bytes
    Bytes,
    /// A date without time zone
    Date,
    /// A timestamp without time zone
    DateTime,
    /// A timestamp with time zone, in UTC
    Timestamptz,
    /// A UUID
    Uuid,
    /// A JSON document
    Json,
    /// An exact decimal number
    Decimal,
    /// A time of day without time zone
    Time,
    /// A one-dimensional array of the element type (PostgreSQL only)
    Array(&'static SqlType),
    /// A Rust enum without fields, stored as text or as a PostgreSQL enum
    /// type (`#[derive(SqlEnum)]`)
    Enum(&'static EnumMeta),
}

impl SqlType {
    /// This scalar type as a `&'static`, for [`SqlType::Array`]'s element;
    /// `None` for the types that cannot be array elements (arrays, enums,
    /// JSON).
    pub fn as_element(self) -> Option<&'static SqlType> {
        // Each arm is a constant, promoted to a `'static`.
        Some(match self {
            SqlType::Bool => &SqlType::Bool,
            SqlType::I16 => &SqlType::I16,
            SqlType::I32 => &SqlType::I32,
            SqlType::I64 => &SqlType::I64,
            SqlType::F32 => &SqlType::F32,
            SqlType::F64 => &SqlType::F64,
            SqlType::Text => &SqlType::Text,
            SqlType::Bytes => &SqlType::Bytes,
            SqlType::Date => &SqlType::Date,
            SqlType::Time => &SqlType::Time,
            SqlType::DateTime => &SqlType::DateTime,
            SqlType::Timestamptz => &SqlType::Timestamptz,
            SqlType::Uuid => &SqlType::Uuid,
            SqlType::Decimal => &SqlType::Decimal,
            _ => return None,
        })
    }

    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            SqlType::Bool => "bool",
            SqlType::I16 => "i16",
            SqlType::I32 => "i32",
            SqlType::I64 => "i64",
            SqlType::F32 => "f32",
            SqlType::F64 => "f64",
            SqlType::Text => "text",
            SqlType::Bytes => "bytes",
            SqlType::Date => "date",
            SqlType::DateTime => "datetime",
            SqlType::Timestamptz => "timestamptz",
            SqlType::Uuid => "uuid",
            SqlType::Json => "json",
            SqlType::Decimal => "decimal",
            SqlType::Time => "time",
            SqlType::Array(_) => "array",
            SqlType::Enum(meta) => meta.rust_name,
        }
    }
}

/// An owned value, as held in a query tree (filters, `SET` clauses).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// NULL of the given type
    Null(SqlType),
    /// bool
    Bool(bool),
    /// i16
    I16(i16),
    /// i32
    I32(i32),
    /// i64
    I64(i64),
    /// f32
    F32(f32),
    /// f64
    F64(f64),
    /// text
    Text(String),
    /// bytes
    Bytes(Vec<u8>),
    /// date
    #[cfg(feature = "chrono")]
    Date(chrono::NaiveDate),
    /// timestamp without time zone
    #[cfg(feature = "chrono")]
    DateTime(chrono::NaiveDateTime),
    /// timestamp with time zone
    #[cfg(feature = "chrono")]
    Timestamptz(chrono::DateTime<chrono::Utc>),
    /// uuid
    #[cfg(feature = "uuid")]
    Uuid(uuid::Uuid),
    /// json
    #[cfg(feature = "json")]
    Json(serde_json::Value),
    /// decimal
    #[cfg(feature = "decimal")]
    Decimal(rust_decimal::Decimal),
    /// time of day
    #[cfg(feature = "chrono")]
    Time(chrono::NaiveTime),
    /// an array: one parameter holding a list of values of one type
    Array(Array),
    /// a variant of a `#[derive(SqlEnum)]` enum
    Label(EnumLabel),
    /// a value of any `serde::Serialize` type, stored as JSON (`Json<T>`)
    #[cfg(feature = "json")]
    JsonOf(JsonOwned),
}

/// A borrowed value, as bound to a statement.
///
/// Binding borrows from the query tree or from the rows being written, so
/// inserting rows copies no strings or byte buffers.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ValueRef<'a> {
    /// NULL of the given type
    Null(SqlType),
    /// bool
    Bool(bool),
    /// i16
    I16(i16),
    /// i32
    I32(i32),
    /// i64
    I64(i64),
    /// f32
    F32(f32),
    /// f64
    F64(f64),
    /// text
    Text(&'a str),
    /// bytes
    Bytes(&'a [u8]),
    /// date
    #[cfg(feature = "chrono")]
    Date(chrono::NaiveDate),
    /// timestamp without time zone
    #[cfg(feature = "chrono")]
    DateTime(chrono::NaiveDateTime),
    /// timestamp with time zone
    #[cfg(feature = "chrono")]
    Timestamptz(chrono::DateTime<chrono::Utc>),
    /// uuid
    #[cfg(feature = "uuid")]
    Uuid(uuid::Uuid),
    /// json
    #[cfg(feature = "json")]
    Json(&'a serde_json::Value),
    /// decimal
    #[cfg(feature = "decimal")]
    Decimal(rust_decimal::Decimal),
    /// time of day
    #[cfg(feature = "chrono")]
    Time(chrono::NaiveTime),
    /// an array, borrowed from a `Vec<T>` or an owned [`Array`]
    Array(ArrayRef<'a>),
    /// a variant of a `#[derive(SqlEnum)]` enum
    Label(EnumLabel),
    /// a value of any `serde::Serialize` type, serialized when it is bound
    #[cfg(feature = "json")]
    JsonOf(JsonRef<'a>),
}

impl Value {
    /// Borrows this value for binding.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null(t) => ValueRef::Null(*t),
            Value::Bool(v) => ValueRef::Bool(*v),
            Value::I16(v) => ValueRef::I16(*v),
            Value::I32(v) => ValueRef::I32(*v),
            Value::I64(v) => ValueRef::I64(*v),
            Value::F32(v) => ValueRef::F32(*v),
            Value::F64(v) => ValueRef::F64(*v),
            Value::Text(v) => ValueRef::Text(v),
            Value::Bytes(v) => ValueRef::Bytes(v),
            #[cfg(feature = "chrono")]
            Value::Date(v) => ValueRef::Date(*v),
            #[cfg(feature = "chrono")]
            Value::DateTime(v) => ValueRef::DateTime(*v),
            #[cfg(feature = "chrono")]
            Value::Timestamptz(v) => ValueRef::Timestamptz(*v),
            #[cfg(feature = "uuid")]
            Value::Uuid(v) => ValueRef::Uuid(*v),
            #[cfg(feature = "json")]
            Value::Json(v) => ValueRef::Json(v),
            #[cfg(feature = "decimal")]
            Value::Decimal(v) => ValueRef::Decimal(*v),
            #[cfg(feature = "chrono")]
            Value::Time(v) => ValueRef::Time(*v),
            Value::Array(v) => ValueRef::Array(v.as_ref()),
            Value::Label(v) => ValueRef::Label(*v),
            #[cfg(feature = "json")]
            Value::JsonOf(v) => ValueRef::JsonOf(v.as_ref()),
        }
    }

    /// True for NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null(_))
    }
}

impl ValueRef<'_> {
    /// Copies this value into an owned [`Value`].
    pub fn to_owned(&self) -> Value {
        match *self {
            ValueRef::Null(t) => Value::Null(t),
            ValueRef::Bool(v) => Value::Bool(v),
            ValueRef::I16(v) => Value::I16(v),
            ValueRef::I32(v) => Value::I32(v),
            ValueRef::I64(v) => Value::I64(v),
            ValueRef::F32(v) => Value::F32(v),
            ValueRef::F64(v) => Value::F64(v),
            ValueRef::Text(v) => Value::Text(v.to_owned()),
            ValueRef::Bytes(v) => Value::Bytes(v.to_owned()),
            #[cfg(feature = "chrono")]
            ValueRef::Date(v) => Value::Date(v),
            #[cfg(feature = "chrono")]
            ValueRef::DateTime(v) => Value::DateTime(v),
            #[cfg(feature = "chrono")]
            ValueRef::Timestamptz(v) => Value::Timestamptz(v),
            #[cfg(feature = "uuid")]
            ValueRef::Uuid(v) => Value::Uuid(v),
            #[cfg(feature = "json")]
            ValueRef::Json(v) => Value::Json(v.clone()),
            #[cfg(feature = "decimal")]
            ValueRef::Decimal(v) => Value::Decimal(v),
            #[cfg(feature = "chrono")]
            ValueRef::Time(v) => Value::Time(v),
            ValueRef::Array(v) => Value::Array(v.to_owned()),
            ValueRef::Label(v) => Value::Label(v),
            #[cfg(feature = "json")]
            ValueRef::JsonOf(v) => Value::JsonOf(v.to_owned()),
        }
    }

    /// True for NULL.
    pub fn is_null(&self) -> bool {
        matches!(self, ValueRef::Null(_))
    }

    /// The type of this value.
    pub fn sql_type(&self) -> SqlType {
        match self {
            ValueRef::Null(t) => *t,
            ValueRef::Bool(_) => SqlType::Bool,
            ValueRef::I16(_) => SqlType::I16,
            ValueRef::I32(_) => SqlType::I32,
            ValueRef::I64(_) => SqlType::I64,
            ValueRef::F32(_) => SqlType::F32,
            ValueRef::F64(_) => SqlType::F64,
            ValueRef::Text(_) => SqlType::Text,
            ValueRef::Bytes(_) => SqlType::Bytes,
            #[cfg(feature = "chrono")]
            ValueRef::Date(_) => SqlType::Date,
            #[cfg(feature = "chrono")]
            ValueRef::DateTime(_) => SqlType::DateTime,
            #[cfg(feature = "chrono")]
            ValueRef::Timestamptz(_) => SqlType::Timestamptz,
            #[cfg(feature = "uuid")]
            ValueRef::Uuid(_) => SqlType::Uuid,
            #[cfg(feature = "json")]
            ValueRef::Json(_) => SqlType::Json,
            #[cfg(feature = "decimal")]
            ValueRef::Decimal(_) => SqlType::Decimal,
            #[cfg(feature = "chrono")]
            ValueRef::Time(_) => SqlType::Time,
            ValueRef::Array(v) => v.sql_type(),
            ValueRef::Label(v) => SqlType::Enum(v.meta),
            #[cfg(feature = "json")]
            ValueRef::JsonOf(_) => SqlType::Json,
        }
    }
}
