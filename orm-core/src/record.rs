//! [`Record`]: a row of a raw query whose columns are known only when it
//! runs, read by column name or index.

use std::fmt;
use std::sync::Arc;

use crate::array::Array;
use crate::error::{Error, Result};
use crate::row::{column_index, column_not_found, FromRow, Row};
use crate::types::{NotNull, SqlValue};
use crate::value::{SqlType, Value};

/// A row of a raw query, with its column names: the row type to fetch when
/// no struct describes the result.
///
/// ```no_run
/// # use orm_core::*;
/// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
/// let row: Record = s.raw("SELECT id, name, email FROM users WHERE id = $1").bind(1).fetch_one().await?;
/// assert_eq!(row.columns(), ["id", "name", "email"]);
/// let id: i64 = row.get("id")?;                  // by name
/// let name: String = row.get(1)?;                // or by index
/// let email: Option<String> = row.get_opt("email")?; // NULL is None
/// # Ok(()) }
/// ```
///
/// Each column is read as the type the database reports for it (see
/// [`Row::column_type`]) and kept as a [`Value`]; [`get`](Record::get)
/// then converts it to the type asked for. Integers convert to any integer
/// type they fit, floats and integers to `f64`, an integer 0 or 1 to `bool`
/// (SQLite has no boolean), and text to dates, times, UUIDs, JSON and
/// decimals where those are stored as text (SQLite). Anything else is an
/// [`Error::Decode`] naming the column.
#[derive(Clone, PartialEq)]
pub struct Record {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

/// A column of a [`Record`]: its name (`&str`) or its index (`usize`).
pub trait ColumnIndex {
    /// The column's index in `record`, or [`Error::ColumnNotFound`].
    fn index_in(&self, record: &Record) -> Result<usize>;
}

impl ColumnIndex for usize {
    fn index_in(&self, record: &Record) -> Result<usize> {
        if *self < record.len() {
            Ok(*self)
        } else {
            Err(column_not_found(record, format!("#{self}")))
        }
    }
}

impl ColumnIndex for &str {
    fn index_in(&self, record: &Record) -> Result<usize> {
        column_index(record, self)
    }
}

impl Record {
    /// A record of `values` under the column names `columns`.
    ///
    /// [`Error::InvalidQuery`] when the two differ in length.
    pub fn new(columns: Vec<String>, values: Vec<Value>) -> Result<Self> {
        if columns.len() != values.len() {
            return Err(Error::InvalidQuery {
                table: "record",
                reason: format!("{} column names for {} values", columns.len(), values.len()),
            });
        }
        Ok(Record {
            columns: columns.into(),
            values,
        })
    }

    /// The column names, in the order of the result.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The values, in column order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The value of `column` (a name or an index) as it was read.
    pub fn value(&self, column: impl ColumnIndex) -> Result<&Value> {
        let idx = column.index_in(self)?;
        Ok(&self.values[idx])
    }

    /// The value of `column` (a name or an index) converted to `T`; write
    /// `Option<T>` (or use [`get_opt`](Record::get_opt)) for a column that
    /// may be NULL.
    ///
    /// [`Error::ColumnNotFound`] for a column the record does not have,
    /// [`Error::Decode`] naming the column when the value is not a `T`.
    pub fn get<T: SqlValue>(&self, column: impl ColumnIndex) -> Result<T> {
        let idx = column.index_in(self)?;
        T::decode(self, idx)
    }

    /// The value of `column` converted to `T`, `None` for NULL.
    pub fn get_opt<T: NotNull>(&self, column: impl ColumnIndex) -> Result<Option<T>> {
        self.get::<Option<T>>(column)
    }

    /// Decodes the record into `T` (a struct deriving `FromRow`, a model or a
    /// tuple), as a row of the query would have been.
    pub fn decode<T: FromRow>(&self) -> Result<T> {
        T::from_row(self)
    }

    fn mismatch(&self, idx: usize, expected: &'static str) -> Error {
        let found = match &self.values[idx] {
            Value::Null(_) => "NULL".to_string(),
            Value::Text(t) => format!("text {t:?}"),
            other => format!("a {} value", other.as_ref().sql_type().name()),
        };
        Error::Decode {
            column: self.columns[idx].clone(),
            expected,
            found,
        }
    }

    /// The value at `idx`, `None` for NULL.
    fn at(&self, idx: usize) -> Result<Option<&Value>> {
        match self.values.get(idx) {
            None => Err(column_not_found(self, format!("#{idx}"))),
            Some(Value::Null(_)) => Ok(None),
            Some(v) => Ok(Some(v)),
        }
    }

    fn integer<T: TryFrom<i64>>(&self, idx: usize, expected: &'static str) -> Result<Option<T>> {
        let wide = match self.at(idx)? {
            None => return Ok(None),
            Some(Value::I16(v)) => i64::from(*v),
            Some(Value::I32(v)) => i64::from(*v),
            Some(Value::I64(v)) => *v,
            Some(_) => return Err(self.mismatch(idx, expected)),
        };
        T::try_from(wide).map(Some).map_err(|_| Error::Decode {
            column: self.columns[idx].clone(),
            expected,
            found: format!("{wide}, out of range"),
        })
    }

    /// Text parsed as `T` (dates and the like stored as text on SQLite).
    #[allow(dead_code)]
    fn parsed<T, E: fmt::Display>(
        &self,
        idx: usize,
        expected: &'static str,
        text: &str,
        parse: impl FnOnce(&str) -> std::result::Result<T, E>,
    ) -> Result<Option<T>> {
        parse(text).map(Some).map_err(|e| Error::Decode {
            column: self.columns[idx].clone(),
            expected,
            found: format!("text {text:?} that is not one ({e})"),
        })
    }
}

impl fmt::Debug for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.columns.iter().zip(&self.values) {
            map.entry(name, value);
        }
        map.finish()
    }
}

impl Row for Record {
    fn len(&self) -> usize {
        self.values.len()
    }

    fn column_name(&self, idx: usize) -> &str {
        self.columns.get(idx).map_or("<no such column>", |c| c)
    }

    fn column_type(&self, idx: usize) -> Option<SqlType> {
        self.values.get(idx).map(|v| v.as_ref().sql_type())
    }

    fn get_bool(&self, idx: usize) -> Result<Option<bool>> {
        match self.at(idx)? {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::I16(_) | Value::I32(_) | Value::I64(_)) => {
                match self.integer::<i64>(idx, "bool")? {
                    Some(0) => Ok(Some(false)),
                    Some(1) => Ok(Some(true)),
                    _ => Err(self.mismatch(idx, "bool")),
                }
            }
            Some(_) => Err(self.mismatch(idx, "bool")),
        }
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

    fn get_f32(&self, idx: usize) -> Result<Option<f32>> {
        match self.at(idx)? {
            None => Ok(None),
            Some(Value::F32(v)) => Ok(Some(*v)),
            Some(_) => Err(self.mismatch(idx, "f32")),
        }
    }

    #[allow(clippy::cast_precision_loss)] // as SQLite itself converts
    fn get_f64(&self, idx: usize) -> Result<Option<f64>> {
        match self.at(idx)? {
            None => Ok(None),
            Some(Value::F64(v)) => Ok(Some(*v)),
            Some(Value::F32(v)) => Ok(Some(f64::from(*v))),
            Some(Value::I16(v)) => Ok(Some(f64::from(*v))),
            Some(Value::I32(v)) => Ok(Some(f64::from(*v))),
            Some(Value::I64(v)) => Ok(Some(*v as f64)),
            Some(_) => Err(self.mismatch(idx, "f64")),
        }
    }

    fn get_str(&self, idx: usize) -> Result<Option<&str>> {
        match self.at(idx)? {
            None => Ok(None),
            Some(Value::Text(t)) => Ok(Some(t)),
            Some(_) => Err(self.mismatch(idx, "String")),
        }
    }

    fn get_bytes(&self, idx: usize) -> Result<Option<&[u8]>> {
        match self.at(idx)? {
            None => Ok(None),
            Some(Value::Bytes(b)) => Ok(Some(b)),
            Some(_) => Err(self.mismatch(idx, "Vec<u8>")),
        }
    }

    #[cfg(feature = "chrono")]
    fn get_date(&self, idx: usize) -> Result<Option<chrono::NaiveDate>> {
        const EXPECTED: &str = "chrono::NaiveDate";
        match self.at(idx)? {
            None => Ok(None),
            Some(Value::Date(d)) => Ok(Some(*d)),
            Some(Value::Text(t)) => self.parsed(idx, EXPECTED, t, str::parse),
            Some(_) => Err(self.mismatch(idx, EXPECTED)),
        }
    }

    #[cfg(feature = "chrono")]
    fn get_time(&self, idx: usize) -> Result<Option<chrono::NaiveTime>> {
        const EXPECTED: &str = "chrono::NaiveTime";
        match self.at(idx)? {
            None => Ok(None),
            Some(Value::Time(t)) => Ok(Some(*t)),
            Some(Value::Text(t)) => self.parsed(idx, EXPECTED, t, str::parse),
            Some(_) => Err(self.mismatch(idx, EXPECTED)),
        }
    }

    #[cfg(feature = "chrono")]
    fn get_datetime(&self, idx: usize) -> Result<Option<chrono::NaiveDateTime>> {
        const EXPECTED: &str = "chrono::NaiveDateTime";
        match self.at(idx)? {
            None => Ok(None),
            Some(Value::DateTime(d)) => Ok(Some(*d)),
            Some(Value::Text(t)) => self.parsed(idx, EXPECTED, t, |t| {
                chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S%.f")
                    .or_else(|_| t.parse())
            }),
            Some(_) => Err(self.mismatch(idx, EXPECTED)),
        }
    }

    #[cfg(feature = "chrono")]
    fn get_timestamptz(&self, idx: usize) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
        const EXPECTED: &str = "chrono::DateTime<Utc>";
        match self.at(idx)? {
            None => Ok(None),
            Some(Value::Timestamptz(d)) => Ok(Some(*d)),
            Some(Value::Text(t)) => self.parsed(idx, EXPECTED, t, str::parse),
            Some(_) => Err(self.mismatch(idx, EXPECTED)),
        }
    }

    #[cfg(feature = "uuid")]
    fn get_uuid(&self, idx: usize) -> Result<Option<uuid::Uuid>> {
        const EXPECTED: &str = "uuid::Uuid";
        match self.at(idx)? {
            None => Ok(None),
            Some(Value::Uuid(u)) => Ok(Some(*u)),
            Some(Value::Bytes(b)) => uuid::Uuid::from_slice(b)
                .map(Some)
                .map_err(|_| self.mismatch(idx, EXPECTED)),
            Some(Value::Text(t)) => self.parsed(idx, EXPECTED, t, uuid::Uuid::parse_str),
            Some(_) => Err(self.mismatch(idx, EXPECTED)),
        }
    }

    #[cfg(feature = "json")]
    fn get_json(&self, idx: usize) -> Result<Option<serde_json::Value>> {
        const EXPECTED: &str = "serde_json::Value";
        match self.at(idx)? {
            None => Ok(None),
            Some(Value::Json(j)) => Ok(Some(j.clone())),
            Some(Value::Text(t)) => self.parsed(idx, EXPECTED, t, |t| serde_json::from_str(t)),
            Some(_) => Err(self.mismatch(idx, EXPECTED)),
        }
    }

    #[cfg(feature = "decimal")]
    fn get_decimal(&self, idx: usize) -> Result<Option<rust_decimal::Decimal>> {
        const EXPECTED: &str = "rust_decimal::Decimal";
        match self.at(idx)? {
            None => Ok(None),
            Some(Value::Decimal(d)) => Ok(Some(*d)),
            Some(Value::I64(v)) => Ok(Some(rust_decimal::Decimal::from(*v))),
            Some(Value::Text(t)) => self.parsed(idx, EXPECTED, t, str::parse),
            Some(_) => Err(self.mismatch(idx, EXPECTED)),
        }
    }

    fn get_array(&self, idx: usize) -> Result<Option<Box<dyn Row + '_>>> {
        self.array_row(idx)
    }
}

impl Record {
    /// The elements of array column `idx` as a row of their own, each named
    /// `column[n]` (1-based, as SQL counts) for errors.
    fn array_row(&self, idx: usize) -> Result<Option<Box<dyn Row + '_>>> {
        match self.at(idx)? {
            None => Ok(None),
            Some(Value::Array(array)) => {
                let name = self.column_name(idx);
                let columns = (1..=array.items().len())
                    .map(|n| format!("{name}[{n}]"))
                    .collect();
                Ok(Some(Box::new(Record {
                    columns,
                    values: array.items().to_vec(),
                })))
            }
            Some(_) => Err(self.mismatch(idx, "Vec<T>")),
        }
    }
}

impl FromRow for Record {
    fn from_row<R: Row + ?Sized>(row: &R) -> Result<Self> {
        let columns: Arc<[String]> = (0..row.len())
            .map(|i| row.column_name(i).to_string())
            .collect();
        let values = (0..row.len())
            .map(|i| read_value(row, i))
            .collect::<Result<Vec<_>>>()?;
        Ok(Record { columns, values })
    }
}

/// Column `idx` of `row` as a [`Value`] of the type the row reports.
fn read_value<R: Row + ?Sized>(row: &R, idx: usize) -> Result<Value> {
    let Some(ty) = row.column_type(idx) else {
        let found = match row.database_type(idx) {
            Some(name) => format!("{name}, a type orm has no Rust carrier for"),
            None => "a type orm has no Rust carrier for".to_string(),
        };
        return Err(Error::Decode {
            column: row.column_name(idx).to_string(),
            expected: "a column type orm knows (for a Record)",
            found: found + ": cast it in SQL, e.g. `x::text`",
        });
    };
    read_as(row, idx, ty)
}

/// Reads column `idx` of `row` as a value of `ty`.
fn read_as<R: Row + ?Sized>(row: &R, idx: usize, ty: SqlType) -> Result<Value> {
    fn or_null<T>(v: Option<T>, ty: SqlType, wrap: impl FnOnce(T) -> Value) -> Value {
        v.map_or(Value::Null(ty), wrap)
    }
    Ok(match ty {
        SqlType::Bool => or_null(row.get_bool(idx)?, ty, Value::Bool),
        SqlType::I16 => or_null(row.get_i16(idx)?, ty, Value::I16),
        SqlType::I32 => or_null(row.get_i32(idx)?, ty, Value::I32),
        SqlType::I64 => or_null(row.get_i64(idx)?, ty, Value::I64),
        SqlType::F32 => or_null(row.get_f32(idx)?, ty, Value::F32),
        SqlType::F64 => or_null(row.get_f64(idx)?, ty, Value::F64),
        SqlType::Text => or_null(row.get_str(idx)?, ty, |s| Value::Text(s.to_owned())),
        SqlType::Bytes => or_null(row.get_bytes(idx)?, ty, |b| Value::Bytes(b.to_vec())),
        #[cfg(feature = "chrono")]
        SqlType::Date => or_null(row.get_date(idx)?, ty, Value::Date),
        #[cfg(feature = "chrono")]
        SqlType::Time => or_null(row.get_time(idx)?, ty, Value::Time),
        #[cfg(feature = "chrono")]
        SqlType::DateTime => or_null(row.get_datetime(idx)?, ty, Value::DateTime),
        #[cfg(feature = "chrono")]
        SqlType::Timestamptz => or_null(row.get_timestamptz(idx)?, ty, Value::Timestamptz),
        #[cfg(feature = "uuid")]
        SqlType::Uuid => or_null(row.get_uuid(idx)?, ty, Value::Uuid),
        #[cfg(feature = "json")]
        SqlType::Json => or_null(row.get_json(idx)?, ty, Value::Json),
        #[cfg(feature = "decimal")]
        SqlType::Decimal => or_null(row.get_decimal(idx)?, ty, Value::Decimal),
        SqlType::Array(elem) => match row.get_array(idx)? {
            None => Value::Null(ty),
            Some(items) => {
                let values = (0..items.len())
                    .map(|i| read_as(&*items, i, *elem))
                    .collect::<Result<Vec<_>>>()?;
                Value::Array(Array::from_values(elem, values))
            }
        },
        #[allow(unreachable_patterns)] // types whose feature is off
        _ => {
            return Err(Error::Decode {
                column: row.column_name(idx).to_string(),
                expected: "a column type orm knows (for a Record)",
                found: format!(
                    "{}, whose cargo feature (chrono, uuid, json or decimal) is off",
                    ty.name()
                ),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record::new(
            vec!["id".into(), "name".into(), "email".into(), "big".into()],
            vec![
                Value::I64(7),
                Value::Text("ann".into()),
                Value::Null(SqlType::Text),
                Value::I64(i64::from(i32::MAX) + 1),
            ],
        )
        .unwrap()
    }

    #[test]
    fn columns_are_read_by_name_or_index_and_converted() {
        let r = record();
        assert_eq!(r.columns(), ["id", "name", "email", "big"]);
        assert_eq!(r.get::<i64>("id").unwrap(), 7);
        assert_eq!(r.get::<i16>(0).unwrap(), 7);
        assert_eq!(r.get::<f64>("id").unwrap(), 7.0);
        assert_eq!(r.get::<String>(1).unwrap(), "ann");
        assert_eq!(r.get_opt::<String>("email").unwrap(), None);
        assert_eq!(
            r.get::<Option<String>>("name").unwrap().as_deref(),
            Some("ann")
        );
    }

    #[test]
    fn a_wrong_type_names_the_column_and_what_it_holds() {
        let r = record();
        match r.get::<i64>("name").unwrap_err() {
            Error::Decode {
                column,
                expected,
                found,
            } => {
                assert_eq!((column.as_str(), expected), ("name", "i64"));
                assert_eq!(found, "text \"ann\"");
            }
            other => panic!("{other:?}"),
        }
        match r.get::<i32>("big").unwrap_err() {
            Error::Decode { column, found, .. } => {
                assert_eq!(column, "big");
                assert_eq!(found, "2147483648, out of range");
            }
            other => panic!("{other:?}"),
        }
        match r.get::<String>("email").unwrap_err() {
            Error::Decode { column, found, .. } => {
                assert_eq!((column.as_str(), found.as_str()), ("email", "NULL"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unknown_column_lists_the_columns_there_are() {
        let r = record();
        let err = r.get::<i64>("nope").unwrap_err();
        assert_eq!(
            err.to_string(),
            "no column `nope` in the row: its columns are id, name, email, big"
        );
        let err = r.get::<i64>(9).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no column #9 in the row: its columns are id, name, email, big"
        );
    }
}
