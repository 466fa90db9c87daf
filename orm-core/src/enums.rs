//! Rust enums as column types: what `#[derive(SqlEnum)]` implements.
//!
//! A fieldless enum is stored as the text of its variant's label (the
//! variant's name, or as renamed), or, with `pg_type = "mood"`, as a
//! PostgreSQL enum type that `create_tables` creates before the tables that
//! use it. Text-stored labels get a `CHECK (column IN (..labels))`, so the
//! database refuses a label the enum does not have; a PostgreSQL enum type
//! refuses them by itself.

use crate::error::{Error, Result};
use crate::row::Row;

/// The static description of an enum column type.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct EnumMeta {
    /// The Rust enum's name, for messages.
    pub rust_name: &'static str,
    /// The PostgreSQL enum type (`pg_type = "mood"`), if any; without one,
    /// and on SQLite, labels are stored as text.
    pub pg_type: Option<&'static str>,
    /// The labels, in variant order (a PostgreSQL enum sorts in this order).
    pub labels: &'static [&'static str],
}

/// One variant of an enum column type, as bound to a statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EnumLabel {
    /// The label stored.
    pub label: &'static str,
    /// The enum it belongs to.
    pub meta: &'static EnumMeta,
}

/// A fieldless Rust enum stored in a column; implemented by
/// `#[derive(SqlEnum)]`, which also implements `SqlValue` through it.
pub trait SqlEnum: Sized + Copy + Send + Sync + 'static {
    /// The enum's labels and storage.
    const META: &'static EnumMeta;
    /// The label of this variant.
    fn label(&self) -> &'static str;
    /// The variant with label `label`, if any.
    fn from_label(label: &str) -> Option<Self>;
}

/// The value bound for `value`.
pub fn to_label<E: SqlEnum>(value: &E) -> EnumLabel {
    EnumLabel {
        label: value.label(),
        meta: E::META,
    }
}

/// Decodes column `idx` as an `E`, `None` for NULL; a label `E` does not
/// have is [`Error::Decode`] naming the column and the label.
pub fn decode_label<E: SqlEnum, R: Row + ?Sized>(row: &R, idx: usize) -> Result<Option<E>> {
    let Some(label) = row.get_str(idx)? else {
        return Ok(None);
    };
    match E::from_label(label) {
        Some(value) => Ok(Some(value)),
        None => Err(Error::Decode {
            column: row.column_name(idx).to_string(),
            expected: E::META.rust_name,
            found: format!(
                "the label {label:?}, which is none of {}",
                E::META.labels.join(", ")
            ),
        }),
    }
}
