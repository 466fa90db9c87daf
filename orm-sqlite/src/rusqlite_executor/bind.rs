//! Binding [`ValueRef`]s on the rusqlite executor: each value is converted
//! as [`stored`] maps it to SQLite's storage, the mapping the sqlx executor
//! binds through too. A statement run on the caller's thread binds the
//! caller's values where they are ([`Params::Refs`]); one sent to the
//! connection's thread takes them along, owned ([`owned`]).

use orm_core::{Result, ValueRef};
use rusqlite::types::{ToSqlOutput, Value};
use rusqlite::ToSql;

use super::error::from_rusqlite;
use crate::storage::{check_bind_count, stored, Stored};

/// The values of one statement.
#[derive(Clone, Copy)]
pub(crate) enum Params<'a> {
    /// The caller's, converted as they are bound.
    Refs(&'a [ValueRef<'a>]),
    /// Converted and owned beforehand ([`owned`]).
    Owned(&'a [Value]),
}

impl Params<'_> {
    /// Binds every value to `statement`: an [`Error::InvalidBind`] when
    /// their number is not the statement's number of parameters.
    ///
    /// [`Error::InvalidBind`]: orm_core::Error::InvalidBind
    pub(crate) fn bind_to(self, statement: &mut rusqlite::Statement<'_>) -> Result<()> {
        let given = match self {
            Params::Refs(binds) => binds.len(),
            Params::Owned(values) => values.len(),
        };
        let expected = statement.parameter_count();
        if given != expected {
            return Err(from_rusqlite(rusqlite::Error::InvalidParameterCount(
                given, expected,
            )));
        }
        match self {
            Params::Refs(binds) => {
                for (i, v) in binds.iter().enumerate() {
                    let value = stored(i + 1, *v)?;
                    statement
                        .raw_bind_parameter(i + 1, Borrowed(&value))
                        .map_err(from_rusqlite)?;
                }
            }
            Params::Owned(values) => {
                for (i, v) in values.iter().enumerate() {
                    statement
                        .raw_bind_parameter(i + 1, v)
                        .map_err(from_rusqlite)?;
                }
            }
        }
        Ok(())
    }
}

/// A [`Stored`] value bound without a copy of its text or bytes.
struct Borrowed<'s, 'a>(&'s Stored<'a>);

impl ToSql for Borrowed<'_, '_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        use rusqlite::types::ValueRef as Sql;
        Ok(ToSqlOutput::Borrowed(match self.0 {
            Stored::Null => Sql::Null,
            Stored::Integer(v) => Sql::Integer(*v),
            Stored::Real(v) => Sql::Real(*v),
            Stored::Text(v) => Sql::Text(v.as_bytes()),
            Stored::Blob(v) => Sql::Blob(v),
        }))
    }
}

/// `binds` converted in order; [`Error::TooManyBinds`] past SQLite's limit,
/// before anything is sent.
///
/// [`Error::TooManyBinds`]: orm_core::Error::TooManyBinds
pub(crate) fn owned(binds: &[ValueRef<'_>]) -> Result<Vec<Value>> {
    check_bind_count(binds.len())?;
    binds
        .iter()
        .enumerate()
        .map(|(i, v)| value(i + 1, *v))
        .collect()
}

/// The `parameter`th (1-based) value.
fn value(parameter: usize, value: ValueRef<'_>) -> Result<Value> {
    Ok(match stored(parameter, value)? {
        Stored::Null => Value::Null,
        Stored::Integer(v) => Value::Integer(v),
        Stored::Real(v) => Value::Real(v),
        Stored::Text(v) => Value::Text(v.into_owned()),
        Stored::Blob(v) => Value::Blob(v.into_owned()),
    })
}
