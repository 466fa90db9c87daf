//! Rebuilding a table, for dialects that cannot alter columns or
//! constraints in place (SQLite): create the model's table under another
//! name, copy the rows, drop the old table, rename the new one, recreate the
//! indexes. The rows of tables referencing the old one are copied aside
//! and put back, so that dropping it fires none of their `ON DELETE`
//! actions.

use orm_core::inspect::TableInfo;
use orm_core::sql::ddl;
use orm_core::Dialect;

use super::render::{q, Out};
use super::table::{default_text, TableChanges};
use super::Change;

/// The prefix of the new table's name while it is built.
const NEW: &str = "_orm_new_";
/// The prefix of the tables holding referencing rows aside.
const KEEP: &str = "_orm_keep_";

/// Lists `t`'s changes and writes the statements that rebuild it.
pub(crate) fn table(
    dialect: &dyn Dialect,
    t: &TableChanges<'_>,
    database: &[TableInfo],
    out: &mut Out,
) {
    let name = t.meta.name;
    let owned = |cols: &[&str]| cols.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    for col in &t.added {
        out.change(Change::AddColumn(name.into(), col.name.into()));
    }
    for col in &t.dropped {
        out.change(Change::DropColumn(name.into(), col.name.clone()));
    }
    for a in &t.altered {
        let column = a.model.name.to_string();
        if a.ty {
            let ty = dialect.column_type(a.model.sql_type).to_string();
            out.change(Change::AlterType(
                name.into(),
                column.clone(),
                a.db.data_type.clone(),
                ty,
            ));
        }
        if a.default {
            out.change(Change::AlterDefault(
                name.into(),
                column.clone(),
                default_text(dialect, a.model),
            ));
        }
        if a.nullable {
            out.change(Change::AlterNullable(name.into(), column, a.model.nullable));
        }
    }
    if t.primary_key {
        out.change(Change::AlterPrimaryKey(
            name.into(),
            owned(&t.meta.primary_key_columns()),
        ));
    }
    for u in &t.uniques_dropped {
        out.change(Change::DropUnique(name.into(), u.columns.clone()));
    }
    for (_, cols) in &t.uniques_added {
        out.change(Change::AddUnique(name.into(), owned(cols)));
    }
    for f in &t.fks_dropped {
        out.change(Change::DropForeignKey(
            name.into(),
            f.columns.clone(),
            f.target_table.clone(),
        ));
    }
    for f in &t.fks_added {
        out.change(Change::AddForeignKey(
            name.into(),
            owned(f.columns),
            f.target_table().name.into(),
        ));
    }
    for i in &t.indexes_dropped {
        out.change(Change::DropIndex(name.into(), i.name.clone()));
    }
    for (index, _) in &t.indexes_added {
        out.change(Change::AddIndex(name.into(), index.clone()));
    }

    out.comment(format!(
        "rebuild {name}: SQLite cannot change its columns or constraints in place, so its rows \
         move to a new table built from the model"
    ));
    if let Some(defer) = dialect.defer_foreign_keys() {
        out.sql(defer);
    }
    let referencing = referencing(name, database);
    if !referencing.is_empty() {
        out.comment(format!(
            "rows of the tables referencing {name} are set aside, so that dropping it fires \
             none of their ON DELETE actions"
        ));
    }
    for r in &referencing {
        out.sql(format!(
            "CREATE TEMP TABLE {} AS SELECT * FROM {}",
            q(dialect, &format!("{KEEP}{r}")),
            q(dialect, r)
        ));
    }
    for r in &referencing {
        out.sql(format!("DELETE FROM {}", q(dialect, r)));
    }

    let temp = format!("{NEW}{name}");
    let mut statements = ddl::create_table(dialect, t.meta, false).into_iter();
    if let Some(create) = statements.next() {
        let prefix = format!("CREATE TABLE {} (", q(dialect, name));
        let renamed = match create.strip_prefix(&prefix) {
            Some(rest) => format!("CREATE TABLE {} ({rest}", q(dialect, &temp)),
            None => create,
        };
        out.sql(renamed);
    }
    let shared: Vec<&orm_core::ColumnMeta> = t
        .meta
        .columns
        .iter()
        .filter(|c| t.db.column(c.name).is_some())
        .collect();
    let targets: Vec<String> = shared.iter().map(|c| q(dialect, c.name)).collect();
    let sources: Vec<String> = shared
        .iter()
        .map(|c| {
            let column = q(dialect, c.name);
            let was_nullable = t.db.column(c.name).is_some_and(|d| d.nullable);
            match default_text(dialect, c) {
                Some(d) if was_nullable && !c.nullable => format!("COALESCE({column}, {d})"),
                _ => column,
            }
        })
        .collect();
    out.sql(format!(
        "INSERT INTO {} ({}) SELECT {} FROM {}",
        q(dialect, &temp),
        targets.join(", "),
        sources.join(", "),
        q(dialect, name)
    ));
    out.sql(ddl::drop_table_named(dialect, name, false));
    out.sql(format!(
        "ALTER TABLE {} RENAME TO {}",
        q(dialect, &temp),
        q(dialect, name)
    ));
    for index in statements {
        out.sql(index);
    }
    for r in referencing.iter().rev() {
        let keep = q(dialect, &format!("{KEEP}{r}"));
        out.sql(format!(
            "INSERT INTO {} SELECT * FROM {keep}",
            q(dialect, r)
        ));
        out.sql(format!("DROP TABLE {keep}"));
    }
}

/// The tables that reference `name`, directly or through each other,
/// referencing tables before the tables they reference.
fn referencing(name: &str, database: &[TableInfo]) -> Vec<String> {
    let mut levels: Vec<String> = Vec::new();
    let mut frontier = vec![name.to_string()];
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for parent in &frontier {
            for t in database {
                let refers = t
                    .foreign_keys
                    .iter()
                    .any(|f| f.target_table == *parent && t.name != *parent);
                if refers && t.name != name && !levels.contains(&t.name) && !next.contains(&t.name)
                {
                    next.push(t.name.clone());
                }
            }
        }
        levels.extend(next.iter().cloned());
        frontier = next;
    }
    levels.reverse();
    levels
}
