//! The catalog queries that inspect a SQLite database: `sqlite_master` and
//! the `pragma_table_info`, `pragma_index_list`, `pragma_index_info` and
//! `pragma_foreign_key_list` table-valued functions, on the main database.
//!
//! SQLite keeps declared types as written (upper-cased here), and no names
//! for unique constraints or foreign keys: those come back with a NULL name,
//! grouped by the index or foreign-key id. A column is `auto` when it is the
//! table's single-column `INTEGER` primary key and the table was declared
//! with `AUTOINCREMENT`.

use orm_core::inspect::Catalog;

pub(crate) static CATALOG: Catalog = Catalog {
    table_names: "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    has_table: "SELECT count(*) FROM sqlite_master WHERE type = 'table' \
         AND name = $1 COLLATE NOCASE",
    columns: "SELECT p.name, upper(p.type), p.\"notnull\", p.dflt_value, p.pk, \
         p.pk = 1 AND upper(p.type) = 'INTEGER' \
           AND (SELECT count(*) FROM pragma_table_info($1) WHERE pk > 0) = 1 \
           AND EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' \
             AND name = $1 COLLATE NOCASE AND sql LIKE '%AUTOINCREMENT%') \
         FROM pragma_table_info($1) p ORDER BY p.cid",
    primary_key_name: None,
    indexes: "SELECT l.name, l.\"unique\", i.name FROM pragma_index_list($1) l \
         JOIN pragma_index_info(l.name) i WHERE l.origin = 'c' ORDER BY l.name, i.seqno",
    uniques: "SELECT l.name, NULL, i.name FROM pragma_index_list($1) l \
         JOIN pragma_index_info(l.name) i WHERE l.origin = 'u' ORDER BY l.name, i.seqno",
    foreign_keys: "SELECT CAST(f.id AS TEXT), NULL, f.\"from\", f.\"table\", \
         COALESCE(f.\"to\", (SELECT p.name FROM pragma_table_info(f.\"table\") p \
           WHERE p.pk = f.seq + 1)), \
         f.on_update, f.on_delete \
         FROM pragma_foreign_key_list($1) f ORDER BY f.id, f.seq",
};
