//! Posts and comments, related to the shared `User` model, for the relation,
//! join and aggregate tests.

use orm::prelude::*;

use super::models::{seed_users, User};

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "posts")]
pub struct Post {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(index)]
    pub user_id: i64,
    pub title: String,
    pub score: i32,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "comments")]
pub struct Comment {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(index)]
    pub post_id: i64,
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

/// Seeds users ann(1), bob(2), cid(3), dee(4) and, committed:
/// posts 1 "a1" (ann, 10), 2 "a2" (ann, 20), 3 "c1" (cid, 5);
/// comments 1 "x" and 2 "y" on post 1, 3 "z" on post 3.
/// bob and dee have no posts; post 2 has no comments.
pub async fn seed_blog(db: &Database) -> orm::Result<()> {
    seed_users(db).await?;
    db.create_tables(&[Post::table(), Comment::table()]).await?;
    let mut s = db.session();
    for (user_id, title, score) in [(1, "a1", 10), (1, "a2", 20), (3, "c1", 5)] {
        let mut p = Post {
            id: 0,
            user_id,
            title: title.into(),
            score,
        };
        s.add(&mut p).await?;
    }
    for (post_id, body) in [(1, "x"), (1, "y"), (3, "z")] {
        let mut c = Comment {
            id: 0,
            post_id,
            body: body.into(),
        };
        s.add(&mut c).await?;
    }
    s.commit().await
}

/// The titles of `posts`, in order.
pub fn titles(posts: &[Post]) -> Vec<&str> {
    posts.iter().map(|p| p.title.as_str()).collect()
}
