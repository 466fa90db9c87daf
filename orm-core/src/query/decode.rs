//! Decoding joined rows: several models side by side in one row.
//!
//! A joined row holds the columns of each table in turn. [`Shifted`] is a
//! [`Row`] that reads another row from a column offset, so a model's own
//! `FromRow` (which reads from column 0) decodes its slice of the row.

use crate::error::Result;
use crate::row::{FromRow, Row};
use crate::table::Table;
use crate::value::SqlType;

/// A view of `row` whose column 0 is the row's column `offset`.
///
/// ```
/// # use orm_core::{query::Shifted, Row, Table, FromRow, Result};
/// # fn f<R: Row, User: Table>(row: &R) -> Result<User> {
/// // a joined row "users.*, posts.*": decode the user from column 0 and
/// // the post from just after the user's columns
/// let offset = User::table().columns.len();
/// let shifted = Shifted::new(row, offset);
/// # User::from_row(&shifted) }
/// ```
pub struct Shifted<'r, R: ?Sized> {
    row: &'r R,
    offset: usize,
}

impl<'r, R: Row + ?Sized> Shifted<'r, R> {
    /// Reads `row` from column `offset` on.
    pub fn new(row: &'r R, offset: usize) -> Self {
        Shifted { row, offset }
    }
}

macro_rules! shifted_getters {
    ($($(#[$m:meta])* $name:ident -> $t:ty;)*) => {$(
        $(#[$m])*
        fn $name(&self, idx: usize) -> Result<Option<$t>> {
            self.row.$name(idx + self.offset)
        }
    )*};
}

impl<R: Row + ?Sized> Row for Shifted<'_, R> {
    fn len(&self) -> usize {
        self.row.len().saturating_sub(self.offset)
    }
    fn column_name(&self, idx: usize) -> &str {
        self.row.column_name(idx + self.offset)
    }
    fn column_type(&self, idx: usize) -> Option<SqlType> {
        self.row.column_type(idx + self.offset)
    }
    fn database_type(&self, idx: usize) -> Option<&str> {
        self.row.database_type(idx + self.offset)
    }
    fn get_array(&self, idx: usize) -> Result<Option<Box<dyn Row + '_>>> {
        self.row.get_array(idx + self.offset)
    }
    fn get_str(&self, idx: usize) -> Result<Option<&str>> {
        self.row.get_str(idx + self.offset)
    }
    fn get_bytes(&self, idx: usize) -> Result<Option<&[u8]>> {
        self.row.get_bytes(idx + self.offset)
    }
    shifted_getters! {
        get_bool -> bool;
        get_i16 -> i16;
        get_i32 -> i32;
        get_i64 -> i64;
        get_f32 -> f32;
        get_f64 -> f64;
        #[cfg(feature = "chrono")] get_date -> chrono::NaiveDate;
        #[cfg(feature = "chrono")] get_time -> chrono::NaiveTime;
        #[cfg(feature = "chrono")] get_datetime -> chrono::NaiveDateTime;
        #[cfg(feature = "chrono")] get_timestamptz -> chrono::DateTime<chrono::Utc>;
        #[cfg(feature = "uuid")] get_uuid -> uuid::Uuid;
        #[cfg(feature = "json")] get_json -> serde_json::Value;
        #[cfg(feature = "decimal")] get_decimal -> rust_decimal::Decimal;
    }
}

/// One table's part of a joined row: a model (inner join) or an optional
/// model (left join: `None` when the joined table's key is NULL).
pub trait Part: Sized + Send + 'static {
    /// How many columns the part spans.
    fn width() -> usize;
    /// Decodes the part from column `offset` of `row`.
    fn decode_at<R: Row + ?Sized>(row: &R, offset: usize) -> Result<Self>;
}

impl<T: Table> Part for T {
    fn width() -> usize {
        T::table().columns.len()
    }
    fn decode_at<R: Row + ?Sized>(row: &R, offset: usize) -> Result<Self> {
        T::from_row(&Shifted::new(row, offset))
    }
}

impl<T: Table> Part for Option<T> {
    fn width() -> usize {
        T::table().columns.len()
    }
    fn decode_at<R: Row + ?Sized>(row: &R, offset: usize) -> Result<Self> {
        let meta = T::table();
        for idx in meta.primary_key {
            if !is_null(row, offset + idx, meta.columns[*idx].sql_type)? {
                return T::from_row(&Shifted::new(row, offset)).map(Some);
            }
        }
        Ok(None)
    }
}

fn is_null<R: Row + ?Sized>(row: &R, idx: usize, ty: SqlType) -> Result<bool> {
    Ok(match ty {
        SqlType::Bool => row.get_bool(idx)?.is_none(),
        SqlType::I16 => row.get_i16(idx)?.is_none(),
        SqlType::I32 => row.get_i32(idx)?.is_none(),
        SqlType::I64 => row.get_i64(idx)?.is_none(),
        SqlType::F32 => row.get_f32(idx)?.is_none(),
        SqlType::F64 => row.get_f64(idx)?.is_none(),
        SqlType::Text => row.get_str(idx)?.is_none(),
        SqlType::Bytes => row.get_bytes(idx)?.is_none(),
        #[cfg(feature = "chrono")]
        SqlType::Date => row.get_date(idx)?.is_none(),
        #[cfg(feature = "chrono")]
        SqlType::DateTime => row.get_datetime(idx)?.is_none(),
        #[cfg(feature = "chrono")]
        SqlType::Timestamptz => row.get_timestamptz(idx)?.is_none(),
        #[cfg(feature = "uuid")]
        SqlType::Uuid => row.get_uuid(idx)?.is_none(),
        #[cfg(feature = "json")]
        SqlType::Json => row.get_json(idx)?.is_none(),
        #[cfg(feature = "decimal")]
        SqlType::Decimal => row.get_decimal(idx)?.is_none(),
        #[cfg(feature = "chrono")]
        SqlType::Time => row.get_time(idx)?.is_none(),
        SqlType::Enum(_) => row.get_str(idx)?.is_none(),
        // A key of a type this build cannot decode cannot be in a model either.
        #[allow(unreachable_patterns)]
        _ => false,
    })
}

/// A row of several tables side by side: a tuple of [`Part`]s, such as
/// `(User, Option<Post>)`.
pub trait JoinRow: Sized + Send + 'static {
    /// Decodes the tuple, each part from just after the previous one.
    fn decode_row<R: Row + ?Sized>(row: &R) -> Result<Self>;
}

macro_rules! join_row {
    ($($t:ident),+) => {
        impl<$($t: Part),+> JoinRow for ($($t,)+) {
            #[allow(unused_assignments)]
            fn decode_row<R: Row + ?Sized>(row: &R) -> Result<Self> {
                let mut offset = 0;
                Ok(($({
                    let part = $t::decode_at(row, offset)?;
                    offset += $t::width();
                    part
                },)+))
            }
        }
    };
}
join_row!(A, B);
join_row!(A, B, C);
join_row!(A, B, C, D);

/// Adapts a [`JoinRow`] to [`FromRow`], for the session's fetch.
pub(crate) struct Decoded<R>(pub(crate) R);

impl<R: JoinRow> FromRow for Decoded<R> {
    fn from_row<Rw: Row + ?Sized>(row: &Rw) -> Result<Self> {
        R::decode_row(row).map(Decoded)
    }
}
