//! Aggregates and shapes: count / sum / avg / min / max, group_by, having,
//! distinct, chosen columns, subqueries, on both backends.
#![recursion_limit = "256"]

mod common;

use common::blog::{seed_blog, Post};
use common::models::{names, seed_users, User};
use orm::prelude::*;

both!(async fn aggregates_over_all_rows(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    // karma: ann 3, bob 1, cid 7, dee 5
    let row = s
        .select::<User>()
        .columns((count_all(), sum(User::karma), avg(User::karma), min(User::karma), max(User::name)))
        .one()
        .await?;
    assert_eq!(row, (4, Some(16), Some(4.0), Some(1), Some("dee".to_string())));
    let emails = s.select::<User>().columns((count(User::email), count_distinct(User::karma))).one().await?;
    assert_eq!(emails, (2, 4));
    Ok(())
});

both!(async fn aggregates_over_no_rows_are_none(db, kind) {
    seed_users(&db).await?;
    let mut s = db.session();
    let row = s
        .select::<User>()
        .filter(User::karma.gt(100))
        .columns((count_all(), sum(User::karma), avg(User::karma), min(User::email), max(User::id)))
        .one()
        .await?;
    assert_eq!(row, (0, None, None, None, None));
    Ok(())
});

both!(async fn group_by_having_and_order_by_an_aggregate(db, kind) {
    seed_blog(&db).await?;
    let mut s = db.session();
    // posts: ann a1 (10), a2 (20); cid c1 (5)
    let rows: Vec<(String, i64, Option<i64>)> = s
        .select::<User>()
        .join::<Post>(Post::user_id.eq(User::id))
        .columns((User::name, count_all(), sum(Post::score)))
        .group_by(User::name)
        .order_by(count_all().desc())
        .all()
        .await?;
    assert_eq!(rows, [("ann".to_string(), 2, Some(30)), ("cid".to_string(), 1, Some(5))]);
    let rows = s
        .select::<Post>()
        .columns((Post::user_id, max(Post::score)))
        .group_by(Post::user_id)
        .having(count_all().gt(1))
        .all()
        .await?;
    assert_eq!(rows, [(1, Some(20))]);
    let groups = s.select::<Post>().columns((Post::user_id,)).group_by(Post::user_id).count().await?;
    assert_eq!(groups, 2);
    Ok(())
});

both!(async fn distinct_and_chosen_columns(db, kind) {
    seed_blog(&db).await?;
    let mut s = db.session();
    let owners: Vec<(i64,)> = s
        .select::<Post>()
        .columns((Post::user_id,))
        .distinct()
        .order_by(Post::user_id)
        .all()
        .await?;
    assert_eq!(owners, [(1,), (3,)]);
    assert_eq!(s.select::<Post>().columns((Post::user_id,)).distinct().count().await?, 2);
    let pairs: Vec<(String, Option<String>)> = s
        .select::<User>()
        .columns((User::name, User::email))
        .order_by(User::id)
        .limit(2)
        .all()
        .await?;
    assert_eq!(pairs, [("ann".to_string(), Some("ann@example.com".to_string())), ("bob".to_string(), None)]);
    let bumped: Vec<(i32,)> = s
        .select::<User>()
        .columns((User::karma + 10,))
        .order_by(User::id)
        .all()
        .await?;
    assert_eq!(bumped, [(13,), (11,), (17,), (15,)]);
    Ok(())
});

both!(async fn in_select_and_exists_subqueries(db, kind) {
    seed_blog(&db).await?;
    let mut s = db.session();
    let authors = s
        .select::<User>()
        .filter(User::id.in_select(SubSelect::<Post>::new().filter(Post::score.ge(10)).column(Post::user_id)))
        .order_by(User::id)
        .all()
        .await?;
    assert_eq!(names(&authors), ["ann"]);
    let silent = s
        .select::<User>()
        .filter(User::id.not_in_select(SubSelect::<Post>::new().column(Post::user_id)))
        .order_by(User::id)
        .all()
        .await?;
    assert_eq!(names(&silent), ["bob", "dee"]);
    let with_posts = s
        .select::<User>()
        .filter(exists(SubSelect::<Post>::new().correlate::<User>().filter(Post::user_id.eq(User::id))))
        .order_by(User::id)
        .all()
        .await?;
    assert_eq!(names(&with_posts), ["ann", "cid"]);
    let without = s
        .select::<User>()
        .filter(exists(SubSelect::<Post>::new().correlate::<User>().filter(Post::user_id.eq(User::id))).not())
        .count()
        .await?;
    assert_eq!(without, 2);
    Ok(())
});
