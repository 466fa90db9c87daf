//! The builder methods every select shares: filter, order, limit, offset.

/// Gives a select builder over source set `$s` its filter, order_by, limit,
/// offset and tree methods. The builder has fields `session` and `tree`.
macro_rules! select_methods {
    ($s:ty) => {
        /// Keeps the rows matching `condition`, which may read any table of
        /// the query; several filters are ANDed.
        pub fn filter(mut self, condition: impl Into<$crate::expr::Expr<$s, bool>>) -> Self {
            self.tree.filter =
                $crate::query::and_filter(self.tree.filter.take(), condition.into().into_node());
            self
        }

        /// Sorts by `order` (a column for ascending, or `expr.desc()`);
        /// later calls add further keys.
        pub fn order_by<I>(mut self, order: impl $crate::expr::IntoOrder<$s, I>) -> Self {
            self.tree.order.push(order.into_order());
            self
        }

        /// Returns at most `n` rows (`limit(0)` returns none).
        pub fn limit(mut self, n: u64) -> Self {
            self.tree.limit = Some(i64::try_from(n).unwrap_or(i64::MAX));
            self
        }

        /// Skips the first `n` rows.
        pub fn offset(mut self, n: u64) -> Self {
            self.tree.offset = Some(i64::try_from(n).unwrap_or(i64::MAX));
            self
        }

        /// The tree built so far.
        pub fn tree(&self) -> &$crate::query::SelectTree {
            &self.tree
        }
    };
}

pub(crate) use select_methods;
