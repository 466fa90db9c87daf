//! Ordering a set of tables by their foreign keys.

use crate::table::TableMeta;

/// Tables in creation order, and the foreign keys left out to break cycles.
pub(crate) struct Ordered<'t> {
    /// Each table after every table of the set it references.
    pub tables: Vec<&'t TableMeta>,
    /// `(table, index into its foreign_keys)` of the keys that close a cycle:
    /// they reference a table created later.
    pub deferred: Vec<(&'t TableMeta, usize)>,
}

/// Orders `tables` so that each comes after the tables of the set it
/// references; otherwise the given order is kept. A table referencing
/// itself, or a table outside the set, needs nothing. When the references
/// form a cycle, the first table of the cycle (in the given order) goes
/// first, and its keys to tables not placed yet are listed as deferred when
/// `defer_cycles` is set. A table given twice is taken once.
pub(crate) fn creation_order<'t>(tables: &[&'t TableMeta], defer_cycles: bool) -> Ordered<'t> {
    let mut remaining: Vec<&'t TableMeta> = Vec::with_capacity(tables.len());
    for table in tables {
        if !remaining.iter().any(|t| t.name == table.name) {
            remaining.push(table);
        }
    }
    let mut ordered = Ordered {
        tables: Vec::with_capacity(remaining.len()),
        deferred: Vec::new(),
    };
    while !remaining.is_empty() {
        let waits_for = |table: &TableMeta, remaining: &[&TableMeta]| {
            table.foreign_keys.iter().any(|fk| {
                let target = fk.target_table().name;
                target != table.name && remaining.iter().any(|t| t.name == target)
            })
        };
        let ready = remaining.iter().position(|t| !waits_for(t, &remaining));
        let table = remaining.remove(ready.unwrap_or(0));
        if ready.is_none() && defer_cycles {
            for (i, fk) in table.foreign_keys.iter().enumerate() {
                let target = fk.target_table().name;
                if target != table.name && remaining.iter().any(|t| t.name == target) {
                    ordered.deferred.push((table, i));
                }
            }
        }
        ordered.tables.push(table);
    }
    ordered
}
