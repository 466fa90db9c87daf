//! `TRUNCATE`, which SQLite lacks, emulated with `DELETE`.
//!
//! * The table is emptied with `DELETE FROM "t"`.
//! * `restart_identity` also forgets its AUTOINCREMENT counter
//!   (`DELETE FROM sqlite_sequence WHERE name = ?`), so the next generated
//!   key is 1. `sqlite_sequence` exists only once some AUTOINCREMENT table
//!   has been created, so it is looked up first.
//! * `cascade` first empties every table that references this one by
//!   foreign key, recursively, children before parents, each table once.
//!   Should the references form a cycle, foreign-key checks are deferred
//!   while the tables are emptied (`PRAGMA defer_foreign_keys`), since no
//!   order then satisfies them statement by statement.
//! * Without `cascade`, emptying a table whose rows are referenced fails
//!   with [`Error::ForeignKeyViolation`](orm_core::Error::ForeignKeyViolation),
//!   as foreign keys are enforced.

use std::collections::HashMap;

use orm_core::{Connection, Dialect, Result, TruncateOptions, ValueRef};

use crate::SqliteDialect;

/// The tables whose foreign keys reference table `?`.
const REFERENCING: &str = "SELECT DISTINCT m.name FROM sqlite_master m \
     JOIN pragma_foreign_key_list(m.name) p \
     WHERE m.type = 'table' AND p.\"table\" = ? COLLATE NOCASE ORDER BY m.name";

/// Whether `sqlite_sequence` exists.
const HAS_SEQUENCE: &str =
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'";

/// Forgets one table's AUTOINCREMENT counter.
const RESET_SEQUENCE: &str = "DELETE FROM sqlite_sequence WHERE name = ? COLLATE NOCASE";

/// Empties `table` inside the connection's current transaction, through
/// the connection's own statements (either executor's).
pub(crate) async fn truncate<C: Connection>(
    conn: &mut C,
    table: &str,
    options: TruncateOptions,
) -> Result<()> {
    let (tables, cyclic) = if options.cascade {
        emptying_order(conn, table).await?
    } else {
        (vec![table.to_string()], false)
    };
    let reset = options.restart_identity && has_sequence(conn).await?;

    let deferred_before = if cyclic {
        let before: Vec<(i64,)> = conn.fetch_all("PRAGMA defer_foreign_keys", &[]).await?;
        conn.batch("PRAGMA defer_foreign_keys = ON").await?;
        Some(before.first().is_some_and(|(on,)| *on != 0))
    } else {
        None
    };

    let mut result = Ok(());
    for name in &tables {
        result = empty(conn, name, reset).await;
        if result.is_err() {
            break;
        }
    }

    if deferred_before == Some(false) {
        let restored = conn.batch("PRAGMA defer_foreign_keys = OFF").await;
        result = result.and(restored);
    }
    result
}

/// Deletes every row of `table`, and its counter when `reset`.
async fn empty<C: Connection>(conn: &mut C, table: &str, reset: bool) -> Result<()> {
    let mut sql = String::from("DELETE FROM ");
    SqliteDialect.write_ident(table, &mut sql);
    conn.execute(&sql, &[]).await?;
    if reset {
        conn.execute(RESET_SEQUENCE, &[ValueRef::Text(table)])
            .await?;
    }
    Ok(())
}

async fn has_sequence<C: Connection>(conn: &mut C) -> Result<bool> {
    let n: Vec<(i64,)> = conn.fetch_all(HAS_SEQUENCE, &[]).await?;
    Ok(n.first().is_some_and(|(n,)| *n > 0))
}

async fn referencing<C: Connection>(conn: &mut C, table: &str) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = conn
        .fetch_all(REFERENCING, &[ValueRef::Text(table)])
        .await?;
    Ok(rows.into_iter().map(|(name,)| name).collect())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    /// Its referencing tables are being visited.
    Open,
    /// Placed in the order.
    Done,
}

/// `table` and every table referencing it, directly or not, each once,
/// every table after all that reference it; and whether the references
/// form a cycle (other than a table referencing itself).
async fn emptying_order<C: Connection>(conn: &mut C, table: &str) -> Result<(Vec<String>, bool)> {
    // SQLite's table names are case-insensitive.
    let key = |name: &str| name.to_ascii_lowercase();
    let mut marks: HashMap<String, Mark> = HashMap::new();
    let mut order = Vec::new();
    let mut cyclic = false;

    marks.insert(key(table), Mark::Open);
    let mut children = referencing(conn, table).await?;
    children.reverse();
    let mut stack = vec![(table.to_string(), children)];

    while let Some((name, children)) = stack.last_mut() {
        let Some(child) = children.pop() else {
            marks.insert(key(name), Mark::Done);
            if let Some((name, _)) = stack.pop() {
                order.push(name);
            }
            continue;
        };
        match marks.get(&key(&child)) {
            Some(Mark::Done) => {}
            Some(Mark::Open) => cyclic |= key(&child) != key(name),
            None => {
                marks.insert(key(&child), Mark::Open);
                let mut grandchildren = referencing(conn, &child).await?;
                grandchildren.reverse();
                stack.push((child, grandchildren));
            }
        }
    }
    Ok((order, cyclic))
}
