//! Trees of the single-row statements behind the session's row helpers.

use crate::sql::{Render, Sink};
use crate::table::{PrimaryKey, Table};
use crate::value::ValueRef;

/// ` WHERE <key column> = .. AND ..`, part `n` of the key bound as `part(n)`.
fn render_key<'q, T: Table, S: Sink<'q>>(sink: &mut S, part: impl Fn(usize) -> ValueRef<'q>) {
    let meta = T::table();
    for (n, idx) in meta.primary_key.iter().enumerate() {
        sink.sql(if n == 0 { " WHERE " } else { " AND " });
        sink.ident(meta.columns[*idx].name);
        sink.sql(" = ");
        sink.bind(part(n));
    }
}

/// `SELECT <every column> FROM t WHERE <key> = ..`, for a key given by value.
pub(crate) struct KeyLookup<'k, T: PrimaryKey>(pub(crate) &'k T::Key);

impl<T: PrimaryKey> Render for KeyLookup<'_, T> {
    fn render<'q, S: Sink<'q>>(&'q self, sink: &mut S) {
        let meta = T::table();
        sink.sql("SELECT ");
        sink.all_columns(meta, false);
        sink.sql(" FROM ");
        sink.ident(meta.name);
        render_key::<T, S>(sink, |n| T::key_value(self.0, n));
    }

    fn size_hint(&self) -> (usize, usize) {
        let parts = T::table().primary_key.len();
        (8 + 4 * parts, parts)
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
        render_key::<T, S>(sink, |n| self.0.value(T::table().primary_key[n]));
    }
}

/// `DELETE FROM t WHERE <key> = ..`
pub(crate) struct DeleteRowTree<'r, T>(pub(crate) &'r T);

impl<T: Table> Render for DeleteRowTree<'_, T> {
    fn render<'q, S: Sink<'q>>(&'q self, sink: &mut S) {
        let meta = T::table();
        sink.sql("DELETE FROM ");
        sink.ident(meta.name);
        render_key::<T, S>(sink, |n| self.0.value(T::table().primary_key[n]));
    }
}
