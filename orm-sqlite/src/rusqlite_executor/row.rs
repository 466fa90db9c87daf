//! Rows of the rusqlite executor, as [`Cells`] for the decoder both
//! executors share ([`crate::cell`]): rusqlite's own row, decoded on the
//! connection's thread, and an [`OwnedRow`] of a stream, decoded by the
//! caller.

use std::sync::Arc;

use rusqlite::types::{Value, ValueRef};

use crate::cell::{Cell, Cells};

impl Cells for rusqlite::Row<'_> {
    fn width(&self) -> usize {
        self.as_ref().column_count()
    }

    fn name(&self, idx: usize) -> &str {
        self.as_ref().column_name(idx).unwrap_or("<no such column>")
    }

    fn declared(&self, idx: usize) -> Option<String> {
        let columns = self.as_ref().columns();
        columns.get(idx)?.decl_type().map(str::to_string)
    }

    #[inline]
    fn cell(&self, idx: usize) -> Option<Cell<'_>> {
        self.get_ref(idx).ok().map(Cell::from)
    }
}

/// The names and declared types of a statement's columns, shared by its rows.
#[derive(Debug)]
pub(crate) struct Columns {
    pub(crate) names: Vec<String>,
    pub(crate) declared: Vec<Option<String>>,
}

impl Columns {
    pub(crate) fn of(statement: &rusqlite::Statement<'_>) -> Self {
        let columns = statement.columns();
        Columns {
            names: columns.iter().map(|c| c.name().to_string()).collect(),
            declared: columns
                .iter()
                .map(|c| c.decl_type().map(str::to_string))
                .collect(),
        }
    }
}

/// A row copied off the connection's thread.
#[derive(Debug)]
pub(crate) struct OwnedRow {
    pub(crate) columns: Arc<Columns>,
    pub(crate) values: Vec<Value>,
}

impl Cells for OwnedRow {
    fn width(&self) -> usize {
        self.values.len()
    }

    fn name(&self, idx: usize) -> &str {
        self.columns
            .names
            .get(idx)
            .map_or("<no such column>", String::as_str)
    }

    fn declared(&self, idx: usize) -> Option<String> {
        self.columns.declared.get(idx).cloned().flatten()
    }

    #[inline]
    fn cell(&self, idx: usize) -> Option<Cell<'_>> {
        self.values.get(idx).map(|v| Cell::from(ValueRef::from(v)))
    }
}

impl<'a> From<ValueRef<'a>> for Cell<'a> {
    fn from(value: ValueRef<'a>) -> Self {
        match value {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(v) => Cell::Integer(v),
            ValueRef::Real(v) => Cell::Real(v),
            ValueRef::Text(v) => Cell::Text(v),
            ValueRef::Blob(v) => Cell::Blob(v),
        }
    }
}
