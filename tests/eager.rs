//! Eager loading: one query per level, never one per parent, on both backends.
#![recursion_limit = "256"]
// The nested shapes are the point of these tests: spelled out, not aliased.
#![allow(clippy::type_complexity)]

mod common;

use common::blog::{seed_blog, titles, Comment, Post};
use common::models::User;
use orm::prelude::*;

both!(async fn users_with_their_posts_take_two_queries(db, kind) {
    seed_blog(&db).await?;
    let mut s = db.session();
    let before = s.statements_sent();
    let users: Vec<(User, Vec<Post>)> =
        s.select::<User>().order_by(User::id).load_many::<Post>().all().await?;
    assert_eq!(s.statements_sent() - before, 2);
    let got: Vec<(&str, Vec<&str>)> = users.iter().map(|(u, p)| (u.name.as_str(), titles(p))).collect();
    // Users without posts are kept, with no posts.
    assert_eq!(
        got,
        [("ann", vec!["a1", "a2"]), ("bob", vec![]), ("cid", vec!["c1"]), ("dee", vec![])]
    );
    Ok(())
});

both!(async fn nested_levels_all_load_with_one_query_each(db, kind) {
    seed_blog(&db).await?;
    let mut s = db.session();
    let before = s.statements_sent();
    let users: Vec<(User, Vec<(Post, Vec<Comment>)>)> = s
        .select::<User>()
        .order_by(User::id)
        .load(many::<Post>().with(many::<Comment>()))
        .all()
        .await?;
    assert_eq!(s.statements_sent() - before, 3);
    let got: Vec<(&str, Vec<(&str, Vec<&str>)>)> = users
        .iter()
        .map(|(u, posts)| {
            let posts = posts
                .iter()
                .map(|(p, cs)| (p.title.as_str(), cs.iter().map(|c| c.body.as_str()).collect()))
                .collect();
            (u.name.as_str(), posts)
        })
        .collect();
    assert_eq!(
        got,
        [
            ("ann", vec![("a1", vec!["x", "y"]), ("a2", vec![])]),
            ("bob", vec![]),
            ("cid", vec![("c1", vec!["z"])]),
            ("dee", vec![]),
        ]
    );
    Ok(())
});

both!(async fn posts_with_their_comments(db, kind) {
    seed_blog(&db).await?;
    let mut s = db.session();
    let posts = s.select::<Post>().order_by(Post::id).load_many::<Comment>().all().await?;
    let got: Vec<(&str, usize)> = posts.iter().map(|(p, c)| (p.title.as_str(), c.len())).collect();
    assert_eq!(got, [("a1", 2), ("a2", 0), ("c1", 1)]);
    Ok(())
});

both!(async fn limit_offset_and_filters_apply_to_parents(db, kind) {
    seed_blog(&db).await?;
    let mut s = db.session();
    let users = s
        .select::<User>()
        .filter(User::karma.ge(3))
        .order_by(User::id)
        .limit(2)
        .offset(1)
        .load_many::<Post>()
        .all()
        .await?;
    let got: Vec<(&str, Vec<&str>)> = users.iter().map(|(u, p)| (u.name.as_str(), titles(p))).collect();
    assert_eq!(got, [("cid", vec!["c1"]), ("dee", vec![])]);
    Ok(())
});

both!(async fn keys_are_batched_when_asked_and_no_parents_send_no_child_query(db, kind) {
    seed_blog(&db).await?;
    let mut s = db.session();
    let before = s.statements_sent();
    let users = s
        .select::<User>()
        .order_by(User::id)
        .load(many::<Post>().batch_size(3))
        .all()
        .await?;
    // 4 parent keys in batches of 3: the parents, then two child queries.
    assert_eq!(s.statements_sent() - before, 3);
    let counts: Vec<usize> = users.iter().map(|(_, p)| p.len()).collect();
    assert_eq!(counts, [2, 0, 1, 0]);

    let before = s.statements_sent();
    let none = s.select::<User>().filter(User::karma.gt(100)).load_many::<Post>().all().await?;
    assert!(none.is_empty());
    assert_eq!(s.statements_sent() - before, 1);
    Ok(())
});
