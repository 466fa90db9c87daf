//! The [`Dialect`] trait: what differs between SQL databases.

use std::borrow::Cow;

use super::storage::{BlobStorage, DocumentStorage};
use crate::inspect::Catalog;
use crate::session::TxOptions;
use crate::table::DefaultValue;
use crate::value::SqlType;

/// How one database spells SQL. Every method but the few that must differ
/// has a default; a dialect overrides quoting, placeholders and types.
pub trait Dialect: Send + Sync + 'static {
    /// The dialect's name, for messages (`"postgresql"`, `"sqlite"`).
    fn name(&self) -> &'static str;

    /// Writes the placeholder of the `n`th bind (1-based).
    fn write_placeholder(&self, n: usize, out: &mut String);

    /// The most bind parameters one statement may carry.
    fn max_binds(&self) -> usize;

    /// Writes `ident` quoted, doubling any embedded quote character.
    fn write_ident(&self, ident: &str, out: &mut String) {
        out.reserve(ident.len() + 2);
        out.push('"');
        for ch in ident.chars() {
            if ch == '"' {
                out.push('"');
            }
            out.push(ch);
        }
        out.push('"');
    }

    /// The text written for `OFFSET` without `LIMIT`: SQLite requires a
    /// LIMIT before OFFSET, and takes `LIMIT -1` as "no limit".
    fn limit_for_offset_only(&self) -> Option<&'static str> {
        None
    }

    /// The column type in DDL.
    fn column_type(&self, ty: SqlType) -> &'static str;

    /// Writes the column type in DDL: [`Dialect::column_type`] by default.
    /// PostgreSQL overrides it for arrays (`BIGINT[]`) and enum types (the
    /// type's quoted name).
    fn write_column_type(&self, ty: SqlType, out: &mut String) {
        out.push_str(self.column_type(ty));
    }

    /// True when the database has array columns ([`SqlType::Array`]);
    /// creating an array column elsewhere is
    /// [`Error::Unsupported`](crate::Error::Unsupported).
    fn arrays(&self) -> bool {
        false
    }

    /// True when the database has enum types of its own (PostgreSQL's
    /// `CREATE TYPE .. AS ENUM`) for `#[derive(SqlEnum)]` enums with a
    /// `pg_type`; elsewhere their labels are stored as text.
    fn enum_types(&self) -> bool {
        false
    }

    /// The whole column definition (after its name) of a database-generated
    /// integer key of type `ty`.
    fn generated_key(&self, ty: SqlType) -> &'static str;

    /// True when a column declared with type `declared` (as inspection
    /// reports it) holds values of `ty` the way [`Dialect::column_type`]'s
    /// type would: by default, the same name in any case. SQLite compares
    /// type affinities instead, as it stores values by affinity.
    fn column_type_matches(&self, declared: &str, ty: SqlType) -> bool {
        declared.eq_ignore_ascii_case(self.column_type(ty))
    }

    /// True when [`Dialect::generated_key`] already declares the primary key,
    /// so the table must not declare it again.
    fn generated_key_declares_primary_key(&self) -> bool {
        false
    }

    /// True when the dialect can add and drop constraints and alter columns
    /// with `ALTER TABLE` (PostgreSQL). SQLite cannot: changing a
    /// constraint or a column there means rebuilding the table.
    fn alter_constraints(&self) -> bool {
        true
    }

    /// The statement that defers foreign-key checks to the end of the
    /// current transaction, for dialects that have one and cannot alter
    /// constraints (SQLite's `PRAGMA defer_foreign_keys = ON`).
    fn defer_foreign_keys(&self) -> Option<&'static str> {
        None
    }

    /// The queries that inspect a schema in this dialect; `None` when it
    /// cannot be inspected.
    fn catalog(&self) -> Option<&'static Catalog> {
        None
    }

    /// A statement taking an exclusive lock, named by its text parameter
    /// `$1`, that the database releases when the transaction ends
    /// (PostgreSQL's `pg_advisory_xact_lock`). `None` where there is no such
    /// lock; migrations then rely on the dialect's write lock.
    fn transaction_lock(&self) -> Option<&'static str> {
        None
    }

    /// The `BEGIN` statement that opens a transaction with `options`, as
    /// the backend sends it (and as statement logging shows it).
    fn begin_sql(&self, options: &TxOptions) -> Cow<'static, str> {
        let _ = options;
        Cow::Borrowed("BEGIN")
    }

    /// Writes a DDL default literal.
    fn write_default(&self, value: &DefaultValue, out: &mut String) {
        match value {
            DefaultValue::Int(v) => out.push_str(&v.to_string()),
            DefaultValue::Float(v) => out.push_str(&format!("{v:?}")),
            DefaultValue::Bool(true) => out.push_str("TRUE"),
            DefaultValue::Bool(false) => out.push_str("FALSE"),
            DefaultValue::Text(s) => {
                out.push('\'');
                out.push_str(&s.replace('\'', "''"));
                out.push('\'');
            }
        }
    }

    /// How this database stores schemaless document tables; `None` (the
    /// default) when it cannot, which document operations report as
    /// [`Error::Unsupported`](crate::Error::Unsupported).
    fn document_storage(&self) -> Option<DocumentStorage> {
        None
    }

    /// How this database stores blob files; `None` (the default) when it
    /// cannot, which blob operations report as
    /// [`Error::Unsupported`](crate::Error::Unsupported).
    fn blob_storage(&self) -> Option<BlobStorage> {
        None
    }

    /// True when the database has server-side cursors (`DECLARE`, `FETCH`,
    /// `MOVE`, `CLOSE`); cursor operations report
    /// [`Error::Unsupported`](crate::Error::Unsupported) otherwise.
    fn server_cursors(&self) -> bool {
        false
    }

    /// For a database with `COPY`, the number of values (rows x columns)
    /// from which a multi-row insert without `RETURNING` is faster through
    /// binary `COPY` than through `INSERT`; `None` (the default) when the
    /// database has no `COPY`.
    fn copy_threshold(&self) -> Option<usize> {
        None
    }
}
