//! JSON columns of any serde type: [`Json<T>`] and `#[column(json)]`.
//!
//! A field written `#[column(json)] pub settings: Settings` (or
//! `pub settings: Json<Settings>`) holds any `Serialize + DeserializeOwned`
//! type in a JSON column (`jsonb` on PostgreSQL, `TEXT` on SQLite). Binding
//! borrows the value and serializes it as the statement is sent; decoding
//! reads the JSON document and deserializes it, and a document that does not
//! fit the type is [`Error::Decode`] naming the column and serde's reason.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::row::Row;
use crate::types::{null_error, NotNull, SqlValue};
use crate::value::{SqlType, Value, ValueRef};

/// A value stored as a JSON document.
///
/// As a field type, `Json<T>` is the same column as `#[column(json)]` on a
/// field of type `T`; as a filter value, it compares whole documents:
/// `Event::meta.eq(Json(meta))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Json<T>(pub T);

/// A value serialized to JSON text as it is bound; implemented for every
/// `Serialize` type.
pub trait ToJson: Send + Sync {
    /// The value as JSON text.
    fn to_json(&self) -> std::result::Result<String, serde_json::Error>;
}

impl<T: Serialize + Send + Sync + ?Sized> ToJson for T {
    fn to_json(&self) -> std::result::Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

/// A borrowed value of a serde type, bound as JSON.
#[derive(Clone, Copy)]
pub struct JsonRef<'a>(pub &'a dyn ToJson);

impl JsonRef<'_> {
    /// Serializes the value; the error says why it cannot be.
    pub fn to_json(&self) -> std::result::Result<String, serde_json::Error> {
        self.0.to_json()
    }

    /// Copies the value into an owned [`JsonOwned`] (its JSON text).
    pub fn to_owned(&self) -> JsonOwned {
        match self.to_json() {
            Ok(text) => JsonOwned(Arc::new(Serialized::Text(text))),
            Err(e) => JsonOwned(Arc::new(Serialized::Failed(e.to_string()))),
        }
    }
}

impl fmt::Debug for JsonRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_json() {
            Ok(text) => write!(f, "Json({text})"),
            Err(e) => write!(f, "Json(<cannot be serialized: {e}>)"),
        }
    }
}

/// Two values are equal when they serialize to the same JSON text.
impl PartialEq for JsonRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self.to_json(), other.to_json()) {
            (Ok(a), Ok(b)) => a == b,
            _ => false,
        }
    }
}

/// An owned value of a serde type, bound as JSON: in query trees.
#[derive(Clone)]
pub struct JsonOwned(Arc<dyn ToJson>);

impl JsonOwned {
    /// Borrows the value for binding.
    pub fn as_ref(&self) -> JsonRef<'_> {
        JsonRef(&*self.0)
    }
}

impl fmt::Debug for JsonOwned {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.as_ref().fmt(f)
    }
}

impl PartialEq for JsonOwned {
    fn eq(&self, other: &Self) -> bool {
        self.as_ref() == other.as_ref()
    }
}

/// A value already serialized, or the reason it could not be (reported when
/// it is bound).
enum Serialized {
    Text(String),
    Failed(String),
}

impl ToJson for Serialized {
    fn to_json(&self) -> std::result::Result<String, serde_json::Error> {
        match self {
            Serialized::Text(text) => Ok(text.clone()),
            Serialized::Failed(why) => Err(serde::ser::Error::custom(why)),
        }
    }
}

/// The value bound for a `#[column(json)]` field.
pub fn field_value<T: Serialize + Send + Sync>(value: &T) -> ValueRef<'_> {
    ValueRef::JsonOf(JsonRef(value))
}

/// The value bound for a `#[column(json)]` field of type `Option<T>`:
/// `None` is SQL NULL.
pub fn optional_field_value<T: Serialize + Send + Sync>(value: &Option<T>) -> ValueRef<'_> {
    match value {
        Some(v) => ValueRef::JsonOf(JsonRef(v)),
        None => ValueRef::Null(SqlType::Json),
    }
}

/// Decodes column `idx` as a `T` from its JSON document, `None` for NULL.
pub fn decode_optional_field<T: DeserializeOwned, R: Row + ?Sized>(
    row: &R,
    idx: usize,
) -> Result<Option<T>> {
    let Some(document) = row.get_json(idx)? else {
        return Ok(None);
    };
    serde_json::from_value(document)
        .map(Some)
        .map_err(|e| Error::Decode {
            column: row.column_name(idx).to_string(),
            expected: std::any::type_name::<T>(),
            found: format!("a JSON document that does not fit: {e}"),
        })
}

/// Decodes column `idx` as a `T` from its JSON document; NULL is an error.
pub fn decode_field<T: DeserializeOwned, R: Row + ?Sized>(row: &R, idx: usize) -> Result<T> {
    decode_optional_field(row, idx)?.ok_or_else(|| null_error(row, idx, std::any::type_name::<T>()))
}

impl<T> SqlValue for Json<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    const SQL_TYPE: SqlType = SqlType::Json;
    fn to_value(&self) -> ValueRef<'_> {
        field_value(&self.0)
    }
    fn into_value(self) -> Value {
        Value::JsonOf(JsonOwned(Arc::new(self.0)))
    }
    fn decode<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Self> {
        decode_field(row, idx).map(Json)
    }
}

impl<T> NotNull for Json<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
{
    fn decode_nullable<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Option<Self>> {
        Ok(decode_optional_field(row, idx)?.map(Json))
    }
}
