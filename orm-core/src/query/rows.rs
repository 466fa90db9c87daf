//! Trees of the single-row statements behind the session's row helpers.

use crate::sql::{Render, Sink};
use crate::table::Table;

fn render_key<'q, T: Table, S: Sink<'q>>(row: &'q T, sink: &mut S) {
    let meta = T::table();
    for (n, idx) in meta.primary_key.iter().enumerate() {
        sink.sql(if n == 0 { " WHERE " } else { " AND " });
        sink.ident(meta.columns[*idx].name);
        sink.sql(" = ");
        sink.bind(row.value(*idx));
    }
}

/// `UPDATE t SET <every non-key column> WHERE <key> = ..`
pub(crate) struct UpdateRowTree<'r, T>(pub(crate) &'r T);

impl<T: Table> Render for UpdateRowTree<'_, T> {
    fn render<'q, S: Sink<'q>>(&'q self, sink: &mut S) {
        let meta = T::table();
        sink.sql("UPDATE ");
        sink.ident(meta.name);
        for (n, idx) in meta.non_key_columns().enumerate() {
            sink.sql(if n == 0 { " SET " } else { ", " });
            sink.ident(meta.columns[idx].name);
            sink.sql(" = ");
            sink.bind(self.0.value(idx));
        }
        render_key(self.0, sink);
    }
}

/// `DELETE FROM t WHERE <key> = ..`
pub(crate) struct DeleteRowTree<'r, T>(pub(crate) &'r T);

impl<T: Table> Render for DeleteRowTree<'_, T> {
    fn render<'q, S: Sink<'q>>(&'q self, sink: &mut S) {
        let meta = T::table();
        sink.sql("DELETE FROM ");
        sink.ident(meta.name);
        render_key(self.0, sink);
    }
}
