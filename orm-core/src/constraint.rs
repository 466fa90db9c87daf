//! Table constraints and indexes in a model's metadata: foreign keys, unique
//! constraints over several columns, named indexes and check constraints.
//!
//! `#[derive(Table)]` fills them in from `#[table(...)]` and `#[column(...)]`;
//! the DDL writer ([`crate::sql::ddl`]) declares them, and migrations compare
//! them with what a database holds.

use std::fmt;

use crate::table::TableMeta;

/// What a foreign key does to referencing rows when the referenced row is
/// deleted or its key updated (`ON DELETE` / `ON UPDATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ReferentialAction {
    /// `NO ACTION` (the default): the statement fails if referencing rows
    /// remain when the constraint is checked.
    #[default]
    NoAction,
    /// `RESTRICT`: the statement fails at once if referencing rows exist.
    Restrict,
    /// `CASCADE`: referencing rows are deleted, or their keys updated, too.
    Cascade,
    /// `SET NULL`: referencing columns are set to NULL.
    SetNull,
    /// `SET DEFAULT`: referencing columns are set to their defaults.
    SetDefault,
}

impl ReferentialAction {
    /// The SQL keywords: `NO ACTION`, `RESTRICT`, `CASCADE`, `SET NULL`,
    /// `SET DEFAULT`.
    pub fn sql(self) -> &'static str {
        match self {
            ReferentialAction::NoAction => "NO ACTION",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
        }
    }

    /// Reads an action as SQL spells it, in any case and spacing
    /// (`"cascade"`, `"SET NULL"`, `"no action"`).
    ///
    /// ```
    /// use orm_core::ReferentialAction;
    /// assert_eq!(ReferentialAction::parse("set  null"), Some(ReferentialAction::SetNull));
    /// assert_eq!(ReferentialAction::parse("drop"), None);
    /// ```
    pub fn parse(text: &str) -> Option<Self> {
        let words: Vec<String> = text.split_whitespace().map(str::to_lowercase).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["no", "action"] => Some(ReferentialAction::NoAction),
            ["restrict"] => Some(ReferentialAction::Restrict),
            ["cascade"] => Some(ReferentialAction::Cascade),
            ["set", "null"] => Some(ReferentialAction::SetNull),
            ["set", "default"] => Some(ReferentialAction::SetDefault),
            _ => None,
        }
    }
}

impl fmt::Display for ReferentialAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.sql())
    }
}

/// A foreign key: `columns` of this table reference `target`'s key.
///
/// `target` is a function rather than a reference so that models can refer
/// to each other (and to themselves) in any order; call
/// [`ForeignKeyMeta::target_table`] for the metadata.
#[derive(Debug, Clone, Copy)]
pub struct ForeignKeyMeta {
    /// The constraint's name (`<table>_<column>_fkey` unless given).
    pub name: &'static str,
    /// The referencing columns of this table (database names), in order.
    pub columns: &'static [&'static str],
    /// The referenced table's metadata (`<User as Table>::table`).
    pub target: fn() -> &'static TableMeta,
    /// The referenced columns; empty means the target's primary key.
    pub target_columns: &'static [&'static str],
    /// `ON DELETE`.
    pub on_delete: ReferentialAction,
    /// `ON UPDATE`.
    pub on_update: ReferentialAction,
}

impl ForeignKeyMeta {
    /// The referenced table.
    pub fn target_table(&self) -> &'static TableMeta {
        (self.target)()
    }

    /// The referenced columns: `target_columns`, or the target's primary key
    /// when none are named.
    pub fn referenced_columns(&self) -> Vec<&'static str> {
        if self.target_columns.is_empty() {
            let target = self.target_table();
            target
                .primary_key
                .iter()
                .map(|idx| target.columns[*idx].name)
                .collect()
        } else {
            self.target_columns.to_vec()
        }
    }
}

// By value, not by function address: the same model's `table` function may
// have several addresses across codegen units.
impl PartialEq for ForeignKeyMeta {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.columns == other.columns
            && self.target_table().name == other.target_table().name
            && self.referenced_columns() == other.referenced_columns()
            && self.on_delete == other.on_delete
            && self.on_update == other.on_update
    }
}

/// A `UNIQUE` constraint over one or more columns, from
/// `#[table(unique(a, b))]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniqueMeta {
    /// The constraint's name (`<table>_<a>_<b>_key` unless given).
    pub name: &'static str,
    /// The columns (database names), in order.
    pub columns: &'static [&'static str],
}

/// An index over one or more columns, from `#[table(index(a, b))]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexMeta {
    /// The index's name (`<table>_<a>_<b>_idx` unless given).
    pub name: &'static str,
    /// The columns (database names), in order.
    pub columns: &'static [&'static str],
}

/// A `CHECK` constraint, from `#[table(check(...))]` or
/// `#[column(check = "...")]`.
///
/// The expression is the model author's own SQL, written into the DDL as it
/// is: never build it from input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckMeta {
    /// The constraint's name.
    pub name: &'static str,
    /// The SQL boolean expression.
    pub sql: &'static str,
}
