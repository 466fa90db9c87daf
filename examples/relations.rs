//! Relations, joins, eager loading and aggregates on a tiny blog.
//!
//!     cargo run --example relations
//!     DATABASE_URL=postgres://postgres@127.0.0.1/test cargo run --example relations

use orm::prelude::*;

/// An author.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rel_users")]
pub struct User {
    /// Generated on insert.
    #[column(primary_key, auto)]
    pub id: i64,
    /// The author's name.
    pub name: String,
}

/// A post, belonging to a user.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rel_posts")]
pub struct Post {
    /// Generated on insert.
    #[column(primary_key, auto)]
    pub id: i64,
    /// The author (`rel_users.id`).
    #[column(index)]
    pub user_id: i64,
    /// The title.
    pub title: String,
    /// Votes.
    pub score: i32,
}

/// A comment, belonging to a post.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "rel_comments")]
pub struct Comment {
    /// Generated on insert.
    #[column(primary_key, auto)]
    pub id: i64,
    /// The post (`rel_posts.id`).
    #[column(index)]
    pub post_id: i64,
    /// The text.
    pub body: String,
}

impl BelongsTo<User> for Post {
    type Key = i64;
    fn foreign_key() -> Column<Post, i64> {
        Post::user_id
    }
}

impl BelongsTo<Post> for Comment {
    type Key = i64;
    fn foreign_key() -> Column<Comment, i64> {
        Comment::post_id
    }
}

/// A post with its comments, as eager loading returns it.
type PostWithComments = (Post, Vec<Comment>);

#[tokio::main(flavor = "current_thread")]
async fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".to_string());
    let db = Database::connect(&url).await?;
    let tables = [User::table(), Post::table(), Comment::table()];
    db.drop_tables_if_exists(&tables).await?;
    db.create_tables(&tables).await?;

    let mut s = db.session();
    for name in ["ann", "bob"] {
        s.add(&mut User {
            id: 0,
            name: name.into(),
        })
        .await?;
    }
    for (title, score) in [("hello", 3), ("again", 5)] {
        s.add(&mut Post {
            id: 0,
            user_id: 1,
            title: title.into(),
            score,
        })
        .await?;
    }
    s.add(&mut Comment {
        id: 0,
        post_id: 1,
        body: "nice".into(),
    })
    .await?;

    // A left join: bob has no posts, so his row carries None.
    let rows: Vec<(User, Option<Post>)> = s
        .select::<User>()
        .left_join::<Post>(Post::user_id.eq(User::id))
        .order_by(User::id)
        .order_by(Post::id)
        .all()
        .await?;
    for (user, post) in &rows {
        println!("{} wrote {:?}", user.name, post.as_ref().map(|p| &p.title));
    }

    // Eager loading, two levels: three queries, whatever the number of rows.
    let before = s.statements_sent();
    let users: Vec<(User, Vec<PostWithComments>)> = s
        .select::<User>()
        .order_by(User::id)
        .load(many::<Post>().with(many::<Comment>()))
        .all()
        .await?;
    println!(
        "loaded {} users in {} queries",
        users.len(),
        s.statements_sent() - before
    );
    assert_eq!(users[0].1[0].1[0].body, "nice");
    assert!(users[1].1.is_empty());

    // Aggregates, grouped, ordered by an aggregate.
    let totals: Vec<(String, i64, Option<i64>)> = s
        .select::<User>()
        .join::<Post>(Post::user_id.eq(User::id))
        .columns((User::name, count_all(), sum(Post::score)))
        .group_by(User::name)
        .order_by(count_all().desc())
        .all()
        .await?;
    println!("posts and votes per author: {totals:?}");
    assert_eq!(totals, [("ann".to_string(), 2, Some(8))]);

    s.commit().await?;
    db.drop_tables_if_exists(&tables).await?;
    db.close().await;
    Ok(())
}
