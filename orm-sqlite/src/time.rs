//! Dates and times as both executors read them: stored as `crate::storage`
//! says (TEXT: `2024-05-01`, `12:30:00.5`,
//! `2024-05-01 12:30:00.5`, RFC 3339 for a timestamp with time zone) and
//! read from TEXT, a Unix time (INTEGER) or a Julian day (REAL), as
//! SQLite's date functions take them.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%F").map_err(|e| e.to_string())
}

/// A time of day in the TEXT forms SQLite's time functions write or read
/// (`HH:MM[:SS[.fff]]`, with an ignored `Z` or offset).
pub(crate) fn parse_time(text: &str) -> Result<NaiveTime, String> {
    for format in ["%T%.f", "%R", "%T%.fZ", "%RZ", "%T%.f%:z", "%R%:z"] {
        if let Ok(t) = NaiveTime::parse_from_str(text, format) {
            return Ok(t);
        }
    }
    Err(format!("`{text}` is not a time of day SQLite writes"))
}

/// A timestamp in any of the TEXT forms SQLite's date functions write or
/// read, in UTC when the text carries an offset.
pub(crate) fn parse_timestamp(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in [
        "%F %T%.f%:z",
        "%F %T%.f%#z",
        "%FT%T%.f%#z",
        "%F %R%#z",
        "%FT%R%#z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    for format in [
        "%F %T%.f",
        "%FT%T%.f",
        "%F %R",
        "%FT%R",
        "%F %T%.fZ",
        "%FT%T%.fZ",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Ok(t.and_utc());
        }
    }
    Err(format!("`{text}` is not a date and time SQLite writes"))
}

/// A Unix time in seconds.
pub(crate) fn from_unix(seconds: i64) -> Result<DateTime<Utc>, String> {
    DateTime::from_timestamp(seconds, 0).ok_or_else(|| format!("{seconds} is out of range"))
}

/// A Julian day number, as `julianday()` returns it.
pub(crate) fn from_julian_day(day: f64) -> Result<DateTime<Utc>, String> {
    /// The Unix epoch as a Julian day.
    const UNIX_EPOCH: f64 = 2_440_587.5;
    let seconds = (day - UNIX_EPOCH) * 86_400.0;
    if !seconds.is_finite() || seconds.abs() > 1e15 {
        return Err(format!("{day} is out of range"));
    }
    #[allow(clippy::cast_possible_truncation)] // in range, checked above
    let whole = seconds.floor() as i64;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // in [0, 1e9)
    let nanos = ((seconds - seconds.floor()) * 1e9)
        .round()
        .min(999_999_999.0) as u32;
    DateTime::from_timestamp(whole, nanos).ok_or_else(|| format!("{day} is out of range"))
}

#[cfg(test)]
mod tests {
    use chrono::Timelike as _;

    use super::*;

    #[test]
    fn stored_forms_read_back() {
        let t = DateTime::from_timestamp(1_714_566_600, 500_000_000).unwrap();
        assert_eq!(parse_timestamp("2024-05-01T12:30:00.500+00:00"), Ok(t));
        assert_eq!(parse_timestamp("2024-05-01 12:30:00.500"), Ok(t));
        assert_eq!(parse_timestamp("2024-05-01 14:30:00.5+02:00"), Ok(t));
        let d = NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
        assert_eq!(parse_date("2024-05-01"), Ok(d));
        assert!(parse_date("May 1st").is_err());
        let time = NaiveTime::from_hms_milli_opt(12, 30, 0, 500).unwrap();
        assert_eq!(parse_time("12:30:00.500"), Ok(time));
        assert_eq!(parse_time("12:30"), Ok(time.with_nanosecond(0).unwrap()));
        assert!(parse_time("noon").is_err());
    }

    #[test]
    fn numbers_are_unix_times_or_julian_days() {
        assert_eq!(
            from_unix(0).unwrap().to_rfc3339(),
            "1970-01-01T00:00:00+00:00"
        );
        assert_eq!(
            from_julian_day(2_440_588.0).unwrap().to_rfc3339(),
            "1970-01-01T12:00:00+00:00"
        );
        assert!(from_julian_day(f64::NAN).is_err());
    }
}
