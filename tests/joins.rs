//! Joins: inner and left joins into tuples, filters and ordering on joined
//! columns, qualified SQL, and joined one-to-many loading, on both backends.
#![recursion_limit = "256"]

mod common;

use common::blog::{seed_blog, titles, Comment, Post};
use common::models::User;
use common::Kind;
use orm::prelude::*;
use orm::sql::{compile, SqlCache};
use orm_core::Backend;

fn pairs(rows: &[(User, Option<Post>)]) -> Vec<(&str, Option<&str>)> {
    rows.iter()
        .map(|(u, p)| (u.name.as_str(), p.as_ref().map(|p| p.title.as_str())))
        .collect()
}

both!(async fn inner_join_returns_each_matching_pair(db, kind) {
    seed_blog(&db).await?;
    let mut s = db.session();
    let rows: Vec<(User, Post)> = s
        .select::<User>()
        .join::<Post>(Post::user_id.eq(User::id))
        .order_by(Post::id)
        .all()
        .await?;
    let got: Vec<(&str, &str)> = rows.iter().map(|(u, p)| (u.name.as_str(), p.title.as_str())).collect();
    assert_eq!(got, [("ann", "a1"), ("ann", "a2"), ("cid", "c1")]);
    assert_eq!(rows[2].1, Post { id: 3, user_id: 3, title: "c1".into(), score: 5 });
    Ok(())
});

both!(async fn left_join_gives_none_for_users_without_posts(db, kind) {
    seed_blog(&db).await?;
    let mut s = db.session();
    let rows = s
        .select::<User>()
        .left_join::<Post>(Post::user_id.eq(User::id))
        .order_by(User::id)
        .order_by(Post::id)
        .all()
        .await?;
    assert_eq!(
        pairs(&rows),
        [("ann", Some("a1")), ("ann", Some("a2")), ("bob", None), ("cid", Some("c1")), ("dee", None)]
    );
    Ok(())
});

both!(async fn filters_and_order_read_joined_columns(db, kind) {
    seed_blog(&db).await?;
    let mut s = db.session();
    let rows = s
        .select::<User>()
        .left_join::<Post>(Post::user_id.eq(User::id))
        .filter(Post::score.ge(10).or(Post::id.is_null()))
        .filter(User::karma.gt(1))
        .order_by(Post::score.desc())
        .order_by(User::name)
        .all()
        .await?;
    // PostgreSQL sorts NULLs first in DESC order, SQLite last.
    let expected = match kind {
        Kind::Postgres => vec![("dee", None), ("ann", Some("a2")), ("ann", Some("a1"))],
        Kind::Sqlite => vec![("ann", Some("a2")), ("ann", Some("a1")), ("dee", None)],
    };
    assert_eq!(pairs(&rows), expected);
    let n = s
        .select::<User>()
        .join::<Post>(Post::user_id.eq(User::id))
        .filter(Post::title.like("a%"))
        .count()
        .await?;
    assert_eq!(n, 2);
    Ok(())
});

both!(async fn three_tables_join_into_a_triple(db, kind) {
    seed_blog(&db).await?;
    let mut s = db.session();
    let rows: Vec<(User, Post, Option<Comment>)> = s
        .select::<User>()
        .join::<Post>(<Post as BelongsTo<User>>::on())
        .left_join::<Comment>(Comment::post_id.eq(Post::id))
        .order_by(Post::id)
        .order_by(Comment::id)
        .all()
        .await?;
    let got: Vec<(&str, &str, Option<&str>)> = rows
        .iter()
        .map(|(u, p, c)| (u.name.as_str(), p.title.as_str(), c.as_ref().map(|c| c.body.as_str())))
        .collect();
    assert_eq!(
        got,
        [("ann", "a1", Some("x")), ("ann", "a1", Some("y")), ("ann", "a2", None), ("cid", "c1", Some("z"))]
    );
    Ok(())
});

both!(async fn joined_sql_qualifies_every_column(db, kind) {
    seed_blog(&db).await?;
    let mut s = db.session();
    let select = s
        .select::<User>()
        .left_join::<Post>(Post::user_id.eq(User::id))
        .filter(Post::score.gt(1))
        .order_by(User::name);
    let compiled = compile(select.tree(), db.backend().dialect(), &SqlCache::new());
    let p = if kind == Kind::Postgres { "$1" } else { "?" };
    assert_eq!(
        &*compiled.sql,
        format!(
            "SELECT \"users\".\"id\", \"users\".\"name\", \"users\".\"email\", \"users\".\"karma\", \
             \"posts\".\"id\", \"posts\".\"user_id\", \"posts\".\"title\", \"posts\".\"score\" \
             FROM \"users\" LEFT JOIN \"posts\" ON \"posts\".\"user_id\" = \"users\".\"id\" \
             WHERE \"posts\".\"score\" > {p} ORDER BY \"users\".\"name\""
        )
    );
    Ok(())
});

both!(async fn joined_one_to_many_loading_returns_each_parent_once(db, kind) {
    seed_blog(&db).await?;
    let mut s = db.session();
    let users = s
        .select::<User>()
        .left_join::<Post>(Post::user_id.eq(User::id))
        .order_by(User::id)
        .order_by(Post::id)
        .grouped()
        .await?;
    let got: Vec<(&str, Vec<&str>)> = users.iter().map(|(u, p)| (u.name.as_str(), titles(p))).collect();
    assert_eq!(
        got,
        [("ann", vec!["a1", "a2"]), ("bob", vec![]), ("cid", vec!["c1"]), ("dee", vec![])]
    );
    Ok(())
});
