//! The catalog queries that inspect a PostgreSQL schema: `pg_catalog`,
//! restricted to the current schema (`current_schema()`, the first schema of
//! the `search_path` that exists).
//!
//! Types are printed by `format_type` and upper-cased, with the two
//! timestamp types and `time` shortened to the names orm's DDL writes
//! (`TIMESTAMP`, `TIMESTAMPTZ`, `TIME`). Identity and serial columns are reported as `auto`, a
//! serial's `nextval(..)` default left out.

use orm_core::inspect::Catalog;

/// Joins a relation to its namespace and keeps the current schema's table `$1`.
macro_rules! in_schema {
    ($rel:literal) => {
        concat!(
            " JOIN pg_catalog.pg_namespace n ON n.oid = ",
            $rel,
            ".relnamespace WHERE n.nspname = current_schema() AND ",
            $rel,
            ".relname = $1"
        )
    };
}

/// `ON DELETE` / `ON UPDATE` codes of `pg_constraint` as SQL words.
macro_rules! action {
    ($column:literal) => {
        concat!(
            "CASE ",
            $column,
            " WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' \
             WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END"
        )
    };
}

pub(crate) static CATALOG: Catalog = Catalog {
    table_names: "SELECT c.relname::text FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1",
    has_table: concat!(
        "SELECT count(*)::int8 FROM pg_catalog.pg_class t",
        in_schema!("t"),
        " AND t.relkind IN ('r', 'p')"
    ),
    columns: concat!(
        "SELECT a.attname::text, \
         CASE format_type(a.atttypid, a.atttypmod) \
           WHEN 'timestamp without time zone' THEN 'TIMESTAMP' \
           WHEN 'timestamp with time zone' THEN 'TIMESTAMPTZ' \
           WHEN 'time without time zone' THEN 'TIME' \
           ELSE upper(format_type(a.atttypid, a.atttypmod)) END, \
         a.attnotnull, \
         CASE WHEN pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%' THEN NULL \
           ELSE pg_get_expr(d.adbin, d.adrelid) END, \
         COALESCE(array_position(k.conkey, a.attnum), 0)::int8, \
         a.attidentity <> '' OR COALESCE(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false) \
         FROM pg_catalog.pg_attribute a \
         JOIN pg_catalog.pg_class t ON t.oid = a.attrelid \
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         LEFT JOIN pg_catalog.pg_constraint k ON k.conrelid = t.oid AND k.contype = 'p'",
        in_schema!("t"),
        " AND t.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
    ),
    primary_key_name: Some(concat!(
        "SELECT k.conname::text FROM pg_catalog.pg_constraint k \
         JOIN pg_catalog.pg_class t ON t.oid = k.conrelid",
        in_schema!("t"),
        " AND k.contype = 'p'"
    )),
    indexes: concat!(
        "SELECT i.relname::text, x.indisunique, a.attname::text \
         FROM pg_catalog.pg_index x \
         JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid \
         JOIN pg_catalog.pg_class t ON t.oid = x.indrelid \
         CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, pos) \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum",
        in_schema!("t"),
        " AND NOT x.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint c \
           WHERE c.conrelid = t.oid AND c.conindid = x.indexrelid AND c.contype IN ('p', 'u', 'x')) \
         ORDER BY i.relname, k.pos"
    ),
    uniques: concat!(
        "SELECT c.conname::text, c.conname::text, a.attname::text \
         FROM pg_catalog.pg_constraint c \
         JOIN pg_catalog.pg_class t ON t.oid = c.conrelid \
         CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, pos) \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum",
        in_schema!("t"),
        " AND c.contype = 'u' ORDER BY c.conname, k.pos"
    ),
    foreign_keys: concat!(
        "SELECT c.conname::text, c.conname::text, a.attname::text, r.relname::text, \
         ra.attname::text, ",
        action!("c.confupdtype"),
        ", ",
        action!("c.confdeltype"),
        " FROM pg_catalog.pg_constraint c \
         JOIN pg_catalog.pg_class t ON t.oid = c.conrelid \
         JOIN pg_catalog.pg_class r ON r.oid = c.confrelid \
         CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(attnum, refnum, pos) \
         JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
         JOIN pg_catalog.pg_attribute ra ON ra.attrelid = r.oid AND ra.attnum = k.refnum",
        in_schema!("t"),
        " AND c.contype = 'f' ORDER BY c.conname, k.pos"
    ),
};

/// Takes a transaction-scoped advisory lock keyed by the current schema and
/// the text `$1` (hashed to 64 bits), so that runs in different schemas of
/// one database do not wait for each other.
pub(crate) const TRANSACTION_LOCK: &str =
    "SELECT pg_advisory_xact_lock(hashtextextended(coalesce(current_schema(), '') || '.' || $1, 0))";
