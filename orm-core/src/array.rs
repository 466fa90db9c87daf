//! Arrays: `Vec<T>` columns and array parameters.
//!
//! A `Vec<T>` of an [`ArrayElement`] type is a column of SQL type
//! [`SqlType::Array`] (PostgreSQL's `T[]`). It binds as one parameter,
//! borrowed: [`ArrayRef`] reads the elements straight from the vector, so
//! binding copies nothing. An owned [`Array`] holds [`Value`]s, for query
//! trees: `Array::of(ids)` binds a whole list as one parameter, so
//! `id = ANY($1)` runs one statement whatever the list's length.
//!
//! Elements may be NULL where the Rust type allows it: `Vec<Option<T>>`.
//! `Vec<u8>` is bytes (`bytea`), not an array; an array of byte strings is
//! `Vec<Vec<u8>>`.
//!
//! SQLite has no array type: binding, decoding or creating an array column
//! there is [`Error::Unsupported`](crate::Error::Unsupported). Store a list
//! as JSON there (`#[column(json)]`).

use std::fmt;

use crate::error::Result;
use crate::row::Row;
use crate::types::{NotNull, SqlValue};
use crate::value::{SqlType, Value, ValueRef};

/// A type that can be an element of an array column: the scalar column
/// types, and `Option<T>` of them for arrays holding NULLs.
#[diagnostic::on_unimplemented(
    message = "`Vec<{Self}>` cannot be stored in a column",
    label = "unsupported array element type",
    note = "array elements are bool, i16, i32, i64, f32, f64, String, Vec<u8>, the chrono, uuid and \
            decimal types of orm's features, and Option<T> of those (for NULL elements)"
)]
pub trait ArrayElement: SqlValue {}

macro_rules! elements {
    ($($(#[$cfg:meta])* $t:ty),* $(,)?) => {
        $(
            $(#[$cfg])* impl ArrayElement for $t {}
            $(#[$cfg])* impl ArrayElement for Option<$t> {}
        )*
    };
}

elements!(
    bool,
    i16,
    i32,
    i64,
    f32,
    f64,
    String,
    Vec<u8>,
    #[cfg(feature = "chrono")]
    chrono::NaiveDate,
    #[cfg(feature = "chrono")]
    chrono::NaiveTime,
    #[cfg(feature = "chrono")]
    chrono::NaiveDateTime,
    #[cfg(feature = "chrono")]
    chrono::DateTime<chrono::Utc>,
    #[cfg(feature = "uuid")]
    uuid::Uuid,
    #[cfg(feature = "decimal")]
    rust_decimal::Decimal,
);

/// `T::SQL_TYPE` as a `&'static`, for [`SqlType::Array`].
trait StaticType {
    const REF: &'static SqlType;
}

impl<T: SqlValue> StaticType for T {
    const REF: &'static SqlType = &T::SQL_TYPE;
}

/// The elements of an array, read one by one as they are bound.
pub trait ArrayItems: Sync {
    /// The number of elements.
    fn len(&self) -> usize;
    /// True when there are no elements.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Element `idx` (which is below [`ArrayItems::len`]).
    fn get(&self, idx: usize) -> ValueRef<'_>;
}

impl<T: SqlValue> ArrayItems for Vec<T> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn get(&self, idx: usize) -> ValueRef<'_> {
        self[idx].to_value()
    }
}

impl ArrayItems for Vec<Value> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn get(&self, idx: usize) -> ValueRef<'_> {
        self[idx].as_ref()
    }
}

/// A borrowed array: its element type and its elements.
#[derive(Clone, Copy)]
pub struct ArrayRef<'a> {
    elem: &'static SqlType,
    items: &'a dyn ArrayItems,
}

impl<'a> ArrayRef<'a> {
    /// An array of elements of type `elem`.
    pub fn new(elem: &'static SqlType, items: &'a dyn ArrayItems) -> Self {
        ArrayRef { elem, items }
    }

    /// The elements' SQL type.
    pub fn elem_type(&self) -> SqlType {
        *self.elem
    }

    /// The array's SQL type.
    pub fn sql_type(&self) -> SqlType {
        SqlType::Array(self.elem)
    }

    /// The number of elements.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when the array is empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The elements, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = ValueRef<'a>> + 'a {
        let items = self.items;
        (0..items.len()).map(move |i| items.get(i))
    }

    /// Copies the array into an owned [`Array`].
    pub fn to_owned(&self) -> Array {
        Array {
            elem: self.elem,
            items: self.iter().map(|v| v.to_owned()).collect(),
        }
    }
}

impl fmt::Debug for ArrayRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for ArrayRef<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.elem == other.elem && self.len() == other.len() && self.iter().eq(other.iter())
    }
}

/// An owned array of values of one type, bound as one parameter.
///
/// ```
/// use orm_core::array::Array;
/// use orm_core::{SqlType, Value};
/// let ids = Array::of(vec![1i64, 2, 3]);
/// assert_eq!(ids.elem_type(), SqlType::I64);
/// assert_eq!(ids.items()[2], Value::I64(3));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Array {
    elem: &'static SqlType,
    items: Vec<Value>,
}

impl Array {
    /// An array of `items`, each of which is a value of `T`'s SQL type.
    pub fn of<T: SqlValue>(items: impl IntoIterator<Item = T>) -> Self {
        Array {
            elem: T::REF,
            items: items.into_iter().map(SqlValue::into_value).collect(),
        }
    }

    /// An array of `items`, each a value (or NULL) of `elem`, as read back
    /// from a database.
    pub(crate) fn from_values(elem: &'static SqlType, items: Vec<Value>) -> Self {
        Array { elem, items }
    }

    /// The elements' SQL type.
    pub fn elem_type(&self) -> SqlType {
        *self.elem
    }

    /// The elements.
    pub fn items(&self) -> &[Value] {
        &self.items
    }

    /// Borrows the array for binding.
    pub fn as_ref(&self) -> ArrayRef<'_> {
        ArrayRef::new(self.elem, &self.items)
    }
}

impl<T: ArrayElement> SqlValue for Vec<T> {
    const SQL_TYPE: SqlType = SqlType::Array(T::REF);
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Array(ArrayRef::new(T::REF, self))
    }
    fn into_value(self) -> Value {
        Value::Array(Array::of(self))
    }
    fn decode<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Self> {
        Self::decode_nullable(row, idx)?.ok_or_else(|| crate::types::null_error(row, idx, "Vec<T>"))
    }
}

impl<T: ArrayElement> NotNull for Vec<T> {
    fn decode_nullable<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Option<Self>> {
        match row.get_array(idx)? {
            None => Ok(None),
            Some(elements) => (0..elements.len())
                .map(|i| T::decode(&*elements, i))
                .collect::<Result<Vec<T>>>()
                .map(Some),
        }
    }
}

impl From<Array> for Value {
    fn from(array: Array) -> Value {
        Value::Array(array)
    }
}
