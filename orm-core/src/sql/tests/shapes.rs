//! Exact SQL of aggregates, groups, distinct rows and subqueries.

use super::{sql_of, User, COLS};
use crate::expr::{avg, count_all, count_distinct, exists, min, sum, Expr, SubSelect};
use crate::query::{Projection, SelectTree};
use crate::table::Table;
use crate::value::Value;

#[test]
fn grouped_aggregates_render_group_by_having_and_aggregate_order() {
    let mut tree = SelectTree::new(User::table());
    tree.columns = Some(vec![User::email.node(), count_all().into_node()]);
    tree.group_by = vec![User::email.node()];
    let having: Expr<User, bool> = count_all().gt(1_i64);
    tree.having = Some(having.into_node());
    let order = count_all().desc::<User, _>();
    let (node, desc) = order.parts();
    tree.order = vec![(node.clone(), desc)];
    assert_eq!(
        sql_of(&tree),
        (
            "SELECT \"email\", COUNT(*) FROM \"users\" GROUP BY \"email\" HAVING COUNT(*) > $1 \
             ORDER BY COUNT(*) DESC"
                .to_string(),
            vec![Value::I64(1)]
        )
    );
}

#[test]
fn sums_and_averages_are_cast_so_both_backends_decode_one_type() {
    let mut tree = SelectTree::new(User::table());
    tree.columns = Some(vec![
        sum(User::karma).into_node(),
        avg(User::karma).into_node(),
        min(User::name).into_node(),
        count_distinct(User::karma).into_node(),
    ]);
    assert_eq!(
        sql_of(&tree).0,
        "SELECT CAST(SUM(\"karma\") AS BIGINT), CAST(AVG(\"karma\") AS DOUBLE PRECISION), \
         MIN(\"name\"), COUNT(DISTINCT \"karma\") FROM \"users\""
    );
}

#[test]
fn counting_distinct_rows_wraps_the_select() {
    let mut tree = SelectTree::new(User::table());
    tree.columns = Some(vec![User::email.node()]);
    tree.distinct = true;
    tree.projection = Projection::Count;
    assert_eq!(
        sql_of(&tree).0,
        "SELECT COUNT(*) FROM (SELECT DISTINCT \"email\" FROM \"users\") AS \"counted\""
    );
}

#[test]
fn subqueries_qualify_their_columns() {
    let sub = SubSelect::<User>::new()
        .filter(User::karma.gt(3))
        .column(User::id);
    let f: Expr<User, bool> = User::id.in_select(sub);
    let mut tree = SelectTree::new(User::table());
    tree.filter = Some(f.into_node());
    assert_eq!(
        sql_of(&tree),
        (
            format!(
                "{COLS} WHERE \"id\" IN (SELECT \"users\".\"id\" FROM \"users\" \
                 WHERE \"users\".\"karma\" > $1)"
            ),
            vec![Value::I32(3)]
        )
    );
    let f: Expr<User, bool> = exists(SubSelect::<User>::new().filter(User::karma.lt(0))).not();
    tree.filter = Some(f.into_node());
    assert_eq!(
        sql_of(&tree).0,
        format!(
            "{COLS} WHERE NOT (EXISTS (SELECT 1 FROM \"users\" WHERE \"users\".\"karma\" < $1))"
        )
    );
}
