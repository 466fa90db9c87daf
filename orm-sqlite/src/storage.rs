//! How a bound [`ValueRef`] is stored in SQLite: the one mapping both
//! executors bind through, so one database file reads the same through
//! either.
//!
//! SQLite has four storage classes (and NULL). Booleans and integers are
//! INTEGER, floats REAL; dates and times are TEXT in ISO 8601 (RFC 3339 for
//! a timestamp with time zone), a UUID a BLOB of 16 bytes, JSON documents,
//! serde values of `#[column(json)]` fields and decimals TEXT, and an enum
//! its label. Arrays have no storage: binding one is
//! [`Error::Unsupported`].

use std::borrow::Cow;

use orm_core::{Error, Result, SqlType, ValueRef};

/// A value as SQLite stores it; text and bytes borrowed from the bound
/// value where it holds them as they are stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stored<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(Cow<'a, str>),
    Blob(Cow<'a, [u8]>),
}

/// [`Error::TooManyBinds`] when `count` values are past SQLite's limit of
/// parameters per statement: checked before anything is sent, on either
/// executor.
pub(crate) fn check_bind_count(count: usize) -> Result<()> {
    if count > crate::MAX_BINDS {
        return Err(Error::TooManyBinds {
            count,
            max: crate::MAX_BINDS,
        });
    }
    Ok(())
}

/// `value`, bound as the `parameter`th (1-based) parameter, as SQLite
/// stores it: [`Error::InvalidBind`] for a serde value that cannot be
/// serialized, [`Error::Unsupported`] for an array or a type of a feature
/// this crate was built without.
pub(crate) fn stored(parameter: usize, value: ValueRef<'_>) -> Result<Stored<'_>> {
    Ok(match value {
        // SQLite's NULL carries no type.
        ValueRef::Null(_) => Stored::Null,
        ValueRef::Bool(v) => Stored::Integer(i64::from(v)),
        ValueRef::I16(v) => Stored::Integer(i64::from(v)),
        ValueRef::I32(v) => Stored::Integer(i64::from(v)),
        ValueRef::I64(v) => Stored::Integer(v),
        ValueRef::F32(v) => Stored::Real(f64::from(v)),
        ValueRef::F64(v) => Stored::Real(v),
        ValueRef::Text(v) => Stored::Text(Cow::Borrowed(v)),
        ValueRef::Bytes(v) => Stored::Blob(Cow::Borrowed(v)),
        #[cfg(feature = "chrono")]
        ValueRef::Date(v) => Stored::Text(v.format("%F").to_string().into()),
        #[cfg(feature = "chrono")]
        ValueRef::DateTime(v) => Stored::Text(v.format("%F %T%.f").to_string().into()),
        #[cfg(feature = "chrono")]
        ValueRef::Timestamptz(v) => Stored::Text(
            v.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
                .into(),
        ),
        #[cfg(feature = "chrono")]
        ValueRef::Time(v) => Stored::Text(v.format("%T%.f").to_string().into()),
        #[cfg(feature = "uuid")]
        ValueRef::Uuid(v) => Stored::Blob(v.as_bytes().to_vec().into()),
        #[cfg(feature = "json")]
        ValueRef::Json(v) => Stored::Text(v.to_string().into()),
        #[cfg(feature = "json")]
        ValueRef::JsonOf(v) => Stored::Text(
            v.to_json()
                .map_err(|e| Error::InvalidBind {
                    parameter,
                    reason: format!("the value cannot be serialized to JSON: {e}"),
                })?
                .into(),
        ),
        #[cfg(feature = "decimal")]
        ValueRef::Decimal(v) => Stored::Text(v.to_string().into()),
        ValueRef::Label(v) => Stored::Text(Cow::Borrowed(v.label)),
        ValueRef::Array(_) => {
            return Err(Error::Unsupported {
                backend: "sqlite",
                what: format!(
                    "binding an array (parameter {parameter}): SQLite has no array type; \
                     store the list as JSON with `#[column(json)]`"
                ),
            })
        }
        // A variant of a feature this crate was built without, or one added
        // to the core after this backend was written.
        other => {
            let ty = other.sql_type().name();
            let what = match feature_of(other.sql_type()) {
                Some(feature) => {
                    format!("binding a `{ty}` value (enable orm-sqlite's `{feature}` feature)")
                }
                None => format!("binding a `{ty}` value"),
            };
            return Err(Error::Unsupported {
                backend: "sqlite",
                what,
            });
        }
    })
}

/// The orm-sqlite feature a type needs.
fn feature_of(ty: SqlType) -> Option<&'static str> {
    match ty {
        SqlType::Date | SqlType::DateTime | SqlType::Timestamptz | SqlType::Time => Some("chrono"),
        SqlType::Uuid => Some("uuid"),
        SqlType::Json => Some("json"),
        SqlType::Decimal => Some("decimal"),
        _ => None,
    }
}

#[cfg(all(test, feature = "chrono"))]
mod tests {
    use chrono::{DateTime, NaiveDate, NaiveTime};

    use super::*;

    fn text(value: ValueRef<'_>) -> String {
        match stored(1, value).unwrap() {
            Stored::Text(t) => t.into_owned(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn dates_and_times_are_iso_text() {
        let t = DateTime::from_timestamp(1_714_566_600, 500_000_000).unwrap();
        assert_eq!(
            text(ValueRef::Timestamptz(t)),
            "2024-05-01T12:30:00.500+00:00"
        );
        assert_eq!(
            text(ValueRef::DateTime(t.naive_utc())),
            "2024-05-01 12:30:00.500"
        );
        let d = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        assert_eq!(text(ValueRef::Date(d)), "2024-05-01");
        let time = NaiveTime::from_hms_milli_opt(23, 59, 59, 250).unwrap();
        assert_eq!(text(ValueRef::Time(time)), "23:59:59.250");
    }
}
