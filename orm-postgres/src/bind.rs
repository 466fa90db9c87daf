//! Binding: [`PgBind`] carries an orm [`ValueRef`] to tokio-postgres.
//!
//! Every value is checked against the type PostgreSQL inferred for its
//! parameter before anything is sent. A value binds to a parameter of its own
//! type, or of a wider type when the conversion loses nothing:
//!
//! | value | parameter types it binds to |
//! |---|---|
//! | NULL of any type | any |
//! | `Bool` | `bool` |
//! | `I16` | `int2`, `int4`, `int8` |
//! | `I32` | `int4`, `int8` |
//! | `I64` | `int8` |
//! | `F32` | `float4`, `float8` |
//! | `F64` | `float8` |
//! | `Text` | `text`, `varchar`, `bpchar`, `name`, `unknown`, `citext` |
//! | `Bytes` | `bytea` |
//! | `Date` / `DateTime` / `Timestamptz` | `date` / `timestamp` / `timestamptz` |
//! | `Uuid` | `uuid` |
//! | `Json` | `json`, `jsonb` |
//! | `Decimal` | `numeric` |
//! | `Time` | `time` |
//! | `Array` | an array type whose elements each value fits, by the rules above |
//! | `Label` (a `#[derive(SqlEnum)]` variant) | an enum type, and the text types |
//! | `JsonOf` (a serde value) | `json`, `jsonb` |
//!
//! Any other pairing (an `I64` for an `int4` parameter, say) is an
//! [`Error::InvalidBind`] naming the parameter and both types; nothing is
//! sent. So is text with a NUL byte (PostgreSQL cannot store one), and a
//! bind count that does not match the statement; more values than the
//! protocol can carry (65,535) is [`Error::TooManyBinds`]. The count and
//! the NUL bytes are checked before the statement is even prepared. A value
//! variant this backend was built without (a feature of orm-core enabled
//! but not of orm-postgres) is [`Error::Unsupported`].

use std::fmt;

use bytes::{BufMut, BytesMut};
use orm_core::array::ArrayRef;
use orm_core::{Dialect, Error, Result, ValueRef};
use tokio_postgres::types::{IsNull, Kind, ToSql, Type};

use crate::PgDialect;

/// An orm value as a tokio-postgres parameter.
///
/// Its `accepts` takes every type; the real check depends on the value and
/// happens in `to_sql` (and, with the parameter's position, in the
/// connection before a statement is sent).
#[derive(Debug, Clone, Copy)]
pub struct PgBind<'a>(pub ValueRef<'a>);

/// Whether a value fits a parameter type.
enum Fit {
    Yes,
    No,
    /// A `ValueRef` variant this build does not know.
    Unknown,
}

fn fit(value: &ValueRef<'_>, ty: &Type) -> Fit {
    let yes = |b: bool| if b { Fit::Yes } else { Fit::No };
    match value {
        ValueRef::Null(_) => Fit::Yes,
        ValueRef::Bool(_) => yes(*ty == Type::BOOL),
        ValueRef::I16(_) => yes(matches!(*ty, Type::INT2 | Type::INT4 | Type::INT8)),
        ValueRef::I32(_) => yes(matches!(*ty, Type::INT4 | Type::INT8)),
        ValueRef::I64(_) => yes(*ty == Type::INT8),
        ValueRef::F32(_) => yes(matches!(*ty, Type::FLOAT4 | Type::FLOAT8)),
        ValueRef::F64(_) => yes(*ty == Type::FLOAT8),
        ValueRef::Text(_) => yes(<&str as ToSql>::accepts(ty)),
        ValueRef::Bytes(_) => yes(<&[u8] as ToSql>::accepts(ty)),
        #[cfg(feature = "chrono")]
        ValueRef::Date(_) => yes(<chrono::NaiveDate as ToSql>::accepts(ty)),
        #[cfg(feature = "chrono")]
        ValueRef::DateTime(_) => yes(<chrono::NaiveDateTime as ToSql>::accepts(ty)),
        #[cfg(feature = "chrono")]
        ValueRef::Timestamptz(_) => yes(*ty == Type::TIMESTAMPTZ),
        #[cfg(feature = "uuid")]
        ValueRef::Uuid(_) => yes(<uuid::Uuid as ToSql>::accepts(ty)),
        #[cfg(feature = "json")]
        ValueRef::Json(_) => yes(<serde_json::Value as ToSql>::accepts(ty)),
        #[cfg(feature = "decimal")]
        ValueRef::Decimal(_) => yes(<rust_decimal::Decimal as ToSql>::accepts(ty)),
        #[cfg(feature = "chrono")]
        ValueRef::Time(_) => yes(<chrono::NaiveTime as ToSql>::accepts(ty)),
        ValueRef::Array(array) => match ty.kind() {
            Kind::Array(member) => array.iter().fold(Fit::Yes, |acc, v| match acc {
                Fit::Yes => fit(&v, member),
                other => other,
            }),
            _ => Fit::No,
        },
        ValueRef::Label(_) => {
            yes(matches!(ty.kind(), Kind::Enum(_)) || <&str as ToSql>::accepts(ty))
        }
        #[cfg(feature = "json")]
        ValueRef::JsonOf(_) => yes(matches!(*ty, Type::JSON | Type::JSONB)),
        _ => Fit::Unknown,
    }
}

/// Checks what can be checked of `binds` before anything is sent: their
/// number, text free of NUL bytes, and serde values that serialize.
pub(crate) fn precheck<'v>(binds: impl ExactSizeIterator<Item = ValueRef<'v>>) -> Result<()> {
    let max = PgDialect.max_binds();
    if binds.len() > max {
        return Err(Error::TooManyBinds {
            count: binds.len(),
            max,
        });
    }
    for (i, value) in binds.enumerate() {
        #[cfg(feature = "json")]
        if let ValueRef::JsonOf(json) = value {
            // Serialized again as it is sent: checking here gives the error
            // its parameter, and sends nothing.
            if let Err(e) = json.to_json() {
                return Err(Error::InvalidBind {
                    parameter: i + 1,
                    reason: format!("the value cannot be serialized to JSON: {e}"),
                });
            }
        }
        let nul = match value {
            ValueRef::Text(text) => text.find('\0'),
            ValueRef::Array(array) => array.iter().find_map(|v| match v {
                ValueRef::Text(text) => text.find('\0'),
                _ => None,
            }),
            _ => None,
        };
        if let Some(at) = nul {
            return Err(Error::InvalidBind {
                parameter: i + 1,
                reason: format!(
                    "the text holds a NUL character (at byte {at}), which PostgreSQL cannot store: \
                     bind it as bytes, or remove it"
                ),
            });
        }
    }
    Ok(())
}

/// Checks `binds` against the parameter types of a prepared statement.
pub(crate) fn check<'v>(
    params: &[Type],
    binds: impl ExactSizeIterator<Item = ValueRef<'v>>,
) -> Result<()> {
    if params.len() != binds.len() {
        return Err(Error::InvalidBind {
            parameter: 0,
            reason: format!(
                "the statement has {} parameter(s) but {} value(s) were bound",
                params.len(),
                binds.len()
            ),
        });
    }
    for (i, (ty, value)) in params.iter().zip(binds).enumerate() {
        match fit(&value, ty) {
            Fit::Yes => {}
            Fit::No => {
                return Err(Error::InvalidBind {
                    parameter: i + 1,
                    reason: format!(
                        "the parameter has type {} but the value bound to it is {}",
                        ty.name(),
                        value.sql_type().name()
                    ),
                })
            }
            Fit::Unknown => return Err(unsupported(&value)),
        }
    }
    Ok(())
}

fn unsupported(value: &ValueRef<'_>) -> Error {
    Error::Unsupported {
        backend: "postgresql",
        what: format!(
            "binding a {} value (enable orm-postgres's feature for this type)",
            value.sql_type().name()
        ),
    }
}

/// A value that does not fit its parameter's type, as the source of a
/// tokio-postgres serialization error.
#[derive(Debug, Clone)]
pub(crate) struct BindMismatch {
    value: &'static str,
    param: String,
}

impl fmt::Display for BindMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a value of type {} cannot be bound to a parameter of type {}",
            self.value, self.param
        )
    }
}

impl std::error::Error for BindMismatch {}

type EncodeResult = std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>>;

impl ToSql for PgBind<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> EncodeResult {
        match fit(&self.0, ty) {
            Fit::Yes => encode(self.0, ty, out),
            Fit::No => Err(Box::new(BindMismatch {
                value: self.0.sql_type().name(),
                param: ty.name().to_string(),
            })),
            Fit::Unknown => Err(Box::new(unsupported(&self.0))),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn to_sql_checked(&self, ty: &Type, out: &mut BytesMut) -> EncodeResult {
        // `accepts` takes every type, so the usual check would be a no-op;
        // `to_sql` checks the value itself.
        self.to_sql(ty, out)
    }
}

/// A value that [`check`] found to fit its parameter: encoded without
/// asking again, once per value of every statement.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checked<'a>(pub(crate) ValueRef<'a>);

impl ToSql for Checked<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> EncodeResult {
        encode(self.0, ty, out)
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    fn to_sql_checked(&self, ty: &Type, out: &mut BytesMut) -> EncodeResult {
        encode(self.0, ty, out)
    }
}

/// `value` in PostgreSQL's binary form for a parameter of type `ty`, which
/// it fits ([`fit`]).
fn encode(value: ValueRef<'_>, ty: &Type, out: &mut BytesMut) -> EncodeResult {
    match value {
        ValueRef::Null(_) => Ok(IsNull::Yes),
        ValueRef::Bool(v) => v.to_sql(ty, out),
        ValueRef::I16(v) => match *ty {
            Type::INT2 => v.to_sql(ty, out),
            Type::INT4 => i32::from(v).to_sql(ty, out),
            _ => i64::from(v).to_sql(ty, out),
        },
        ValueRef::I32(v) if *ty == Type::INT4 => v.to_sql(ty, out),
        ValueRef::I32(v) => i64::from(v).to_sql(ty, out),
        ValueRef::I64(v) => v.to_sql(ty, out),
        ValueRef::F32(v) if *ty == Type::FLOAT4 => v.to_sql(ty, out),
        ValueRef::F32(v) => f64::from(v).to_sql(ty, out),
        ValueRef::F64(v) => v.to_sql(ty, out),
        ValueRef::Text(v) => v.to_sql(ty, out),
        ValueRef::Bytes(v) => v.to_sql(ty, out),
        #[cfg(feature = "chrono")]
        ValueRef::Date(v) => v.to_sql(ty, out),
        #[cfg(feature = "chrono")]
        ValueRef::DateTime(v) => v.to_sql(ty, out),
        #[cfg(feature = "chrono")]
        ValueRef::Timestamptz(v) => v.to_sql(ty, out),
        #[cfg(feature = "uuid")]
        ValueRef::Uuid(v) => v.to_sql(ty, out),
        #[cfg(feature = "json")]
        ValueRef::Json(v) => v.to_sql(ty, out),
        #[cfg(feature = "decimal")]
        ValueRef::Decimal(v) => v.to_sql(ty, out),
        #[cfg(feature = "chrono")]
        ValueRef::Time(v) => v.to_sql(ty, out),
        ValueRef::Array(array) => encode_array(array, ty, out),
        // An enum's binary form is its label, as text's is the text.
        ValueRef::Label(v) => {
            out.put_slice(v.label.as_bytes());
            Ok(IsNull::No)
        }
        #[cfg(feature = "json")]
        ValueRef::JsonOf(v) => {
            let text = v.to_json()?;
            if *ty == Type::JSONB {
                // jsonb's binary format: a version byte, then the text.
                out.put_u8(1);
            }
            out.put_slice(text.as_bytes());
            Ok(IsNull::No)
        }
        _ => Err(Box::new(unsupported(&value))),
    }
}

/// A one-dimensional array in PostgreSQL's binary format: the header, then
/// each element as its length (-1 for NULL) and its own binary form.
fn encode_array(array: ArrayRef<'_>, ty: &Type, out: &mut BytesMut) -> EncodeResult {
    let Kind::Array(member) = ty.kind() else {
        return Err(Box::new(BindMismatch {
            value: "array",
            param: ty.name().to_string(),
        }));
    };
    let len = i32::try_from(array.len())?;
    out.put_i32(1); // dimensions
    out.put_i32(i32::from(array.iter().any(|v| v.is_null())));
    out.put_u32(member.oid());
    out.put_i32(len);
    out.put_i32(1); // lower bound
    for value in array.iter() {
        let at = out.len();
        out.put_i32(0);
        match PgBind(value).to_sql(member, out)? {
            IsNull::Yes => {
                out.truncate(at);
                out.put_i32(-1);
            }
            IsNull::No => {
                let written = i32::try_from(out.len() - at - 4)?;
                out[at..at + 4].copy_from_slice(&written.to_be_bytes());
            }
        }
    }
    Ok(IsNull::No)
}

#[cfg(test)]
mod tests {
    use super::*;
    use orm_core::SqlType;

    fn encode(value: ValueRef<'_>, ty: &Type) -> std::result::Result<Vec<u8>, String> {
        let mut out = BytesMut::new();
        match PgBind(value).to_sql_checked(ty, &mut out) {
            Ok(IsNull::Yes) => Ok(b"NULL".to_vec()),
            Ok(IsNull::No) => Ok(out.to_vec()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn integers_widen_without_loss() {
        assert_eq!(encode(ValueRef::I16(-2), &Type::INT2), Ok(vec![0xff, 0xfe]));
        assert_eq!(
            encode(ValueRef::I16(-2), &Type::INT8),
            Ok(vec![0xff; 7].into_iter().chain([0xfe]).collect())
        );
        assert_eq!(
            encode(ValueRef::I32(1), &Type::INT8),
            Ok(vec![0, 0, 0, 0, 0, 0, 0, 1])
        );
        assert_eq!(
            encode(ValueRef::F32(1.5), &Type::FLOAT8),
            Ok(1.5f64.to_be_bytes().to_vec())
        );
    }

    #[test]
    fn narrowing_is_a_mismatch_naming_both_types() {
        assert_eq!(
            encode(ValueRef::I64(1), &Type::INT4),
            Err("a value of type i64 cannot be bound to a parameter of type int4".to_string())
        );
        assert!(encode(ValueRef::Text("x"), &Type::INT4).is_err());
        assert!(encode(ValueRef::Bool(true), &Type::TEXT).is_err());
    }

    #[test]
    fn null_binds_to_any_type() {
        for ty in [Type::INT4, Type::TEXT, Type::BYTEA, Type::JSONB, Type::UUID] {
            assert_eq!(
                encode(ValueRef::Null(SqlType::Bool), &ty),
                Ok(b"NULL".to_vec())
            );
        }
    }

    #[test]
    fn check_names_the_parameter_and_both_types() {
        let err = check(
            &[Type::INT8, Type::INT4],
            [ValueRef::I32(1), ValueRef::I64(2)].into_iter(),
        )
        .unwrap_err();
        match err {
            Error::InvalidBind { parameter, reason } => {
                assert_eq!(parameter, 2);
                assert_eq!(
                    reason,
                    "the parameter has type int4 but the value bound to it is i64"
                );
            }
            other => panic!("unexpected {other:?}"),
        }
        let err = check(&[Type::INT8], [].into_iter()).unwrap_err();
        assert!(matches!(err, Error::InvalidBind { parameter: 0, .. }));
        check(
            &[Type::TEXT, Type::VARCHAR, Type::BYTEA],
            [
                ValueRef::Text("a"),
                ValueRef::Null(SqlType::I64),
                ValueRef::Bytes(b"b"),
            ]
            .into_iter(),
        )
        .unwrap();
    }

    #[test]
    fn precheck_counts_binds_and_refuses_nul_in_text() {
        let many = vec![ValueRef::I64(1); 65_536];
        assert!(matches!(
            precheck(many.iter().copied()),
            Err(Error::TooManyBinds {
                count: 65_536,
                max: 65_535
            })
        ));
        precheck(many[..65_535].iter().copied()).unwrap();
        let err = precheck([ValueRef::I64(1), ValueRef::Text("a\0b")].into_iter()).unwrap_err();
        assert!(
            matches!(err, Error::InvalidBind { parameter: 2, .. }),
            "{err:?}"
        );
        precheck([ValueRef::Bytes(b"a\0b")].into_iter()).unwrap();
    }
}
