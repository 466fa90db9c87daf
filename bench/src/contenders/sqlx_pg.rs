//! sqlx 0.9 on PostgreSQL, as its documentation shows it: a `PgPool` with
//! its default options as the executor of each query, `query_as` into
//! `FromRow` structs, `QueryBuilder` for multi-row inserts and `UNNEST`
//! arrays for the bulk insert.

use anyhow::Result;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{FromRow, Postgres, QueryBuilder};

use crate::data::{self, group_by_parent, NewUser, Workload};
use crate::harness::{Contender, Op};

// What the caller gets; the benchmark reads only the keys.
#[allow(dead_code)]
#[derive(Debug, FromRow)]
pub struct User {
    pub id: i32,
    pub name: String,
    pub hair_color: Option<String>,
}

// What the caller gets; the benchmark reads only the keys.
#[allow(dead_code)]
#[derive(Debug, FromRow)]
pub struct Post {
    pub id: i32,
    pub user_id: i32,
    pub title: String,
    pub body: Option<String>,
}

// What the caller gets; the benchmark reads only the keys.
#[allow(dead_code)]
#[derive(Debug, FromRow)]
pub struct Comment {
    pub id: i32,
    pub post_id: i32,
    pub text: String,
}

type MediumRow = (
    i32,
    String,
    Option<String>,
    Option<i32>,
    Option<i32>,
    Option<String>,
    Option<String>,
);

pub const MEDIUM_SQL: &str = "SELECT u.id, u.name, u.hair_color, p.id, p.user_id, p.title, p.body \
     FROM users u LEFT JOIN posts p ON p.user_id = u.id WHERE u.hair_color = $1";

pub fn medium_pair(row: MediumRow) -> (User, Option<Post>) {
    let (id, name, hair_color, pid, user_id, title, body) = row;
    let post = match (pid, user_id, title) {
        (Some(id), Some(user_id), Some(title)) => Some(Post {
            id,
            user_id,
            title,
            body,
        }),
        _ => None,
    };
    (
        User {
            id,
            name,
            hair_color,
        },
        post,
    )
}

pub struct SqlxPg {
    pool: PgPool,
    new_users: Vec<NewUser>,
}

impl SqlxPg {
    pub async fn connect(url: &str, max_insert: usize) -> Result<Self> {
        let pool = PgPoolOptions::new().connect(url).await?;
        Ok(SqlxPg {
            pool,
            new_users: data::users(max_insert),
        })
    }

    async fn run_op(&mut self, workload: Workload, iteration: usize) -> Result<usize> {
        let pool = &self.pool;
        Ok(match workload {
            Workload::TrivialQuery { .. } => {
                let users: Vec<User> = sqlx::query_as("SELECT id, name, hair_color FROM users")
                    .fetch_all(pool)
                    .await?;
                std::hint::black_box(&users);
                users.len()
            }
            Workload::PkLookup { lookups, users } => {
                for i in 0..lookups {
                    let id = (i % users) as i32 + 1;
                    let user: User =
                        sqlx::query_as("SELECT id, name, hair_color FROM users WHERE id = $1")
                            .bind(id)
                            .fetch_one(pool)
                            .await?;
                    std::hint::black_box(&user);
                }
                lookups
            }
            Workload::MediumComplex { .. } => {
                let rows: Vec<MediumRow> = sqlx::query_as(MEDIUM_SQL)
                    .bind("black")
                    .fetch_all(pool)
                    .await?;
                let rows: Vec<(User, Option<Post>)> = rows.into_iter().map(medium_pair).collect();
                std::hint::black_box(&rows);
                rows.len()
            }
            Workload::InsertOneStatement { n } => {
                let mut builder: QueryBuilder<Postgres> =
                    QueryBuilder::new("INSERT INTO users (name, hair_color) ");
                builder.push_values(&self.new_users[..n], |mut row, u| {
                    row.push_bind(&u.name).push_bind(&u.hair_color);
                });
                builder.build().execute(pool).await?.rows_affected() as usize
            }
            Workload::InsertBulk { n } => {
                let rows = &self.new_users[..n];
                let names: Vec<&str> = rows.iter().map(|u| u.name.as_str()).collect();
                let colors: Vec<Option<&str>> =
                    rows.iter().map(|u| u.hair_color.as_deref()).collect();
                sqlx::query(
                    "INSERT INTO users (name, hair_color) \
                     SELECT * FROM UNNEST($1::text[], $2::text[])",
                )
                .bind(names)
                .bind(colors)
                .execute(pool)
                .await?
                .rows_affected() as usize
            }
            Workload::UpdateBulk { rows, .. } => {
                sqlx::query("UPDATE users SET hair_color = $1 WHERE id <= $2")
                    .bind(data::update_color(iteration))
                    .bind(rows as i32)
                    .execute(pool)
                    .await?
                    .rows_affected() as usize
            }
            Workload::UpdateByKeyInTransaction { rows, .. } => {
                let color = data::update_color(iteration);
                let mut tx = pool.begin().await?;
                let mut changed = 0;
                for id in 1..=rows as i32 {
                    changed += sqlx::query("UPDATE users SET hair_color = $1 WHERE id = $2")
                        .bind(color)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
                tx.commit().await?;
                changed as usize
            }
            Workload::Transaction => {
                let mut tx = pool.begin().await?;
                let id: i32 = sqlx::query_scalar(
                    "INSERT INTO users (name, hair_color) VALUES ($1, $2) RETURNING id",
                )
                .bind(format!("txn {iteration}"))
                .bind(None::<String>)
                .fetch_one(&mut *tx)
                .await?;
                tx.commit().await?;
                std::hint::black_box(id);
                1
            }
            Workload::LoadingAssociations { .. } => {
                let users: Vec<User> = sqlx::query_as("SELECT id, name, hair_color FROM users")
                    .fetch_all(pool)
                    .await?;
                let user_ids: Vec<i32> = users.iter().map(|u| u.id).collect();
                let posts: Vec<Post> = sqlx::query_as(
                    "SELECT id, user_id, title, body FROM posts WHERE user_id = ANY($1)",
                )
                .bind(&user_ids)
                .fetch_all(pool)
                .await?;
                let post_ids: Vec<i32> = posts.iter().map(|p| p.id).collect();
                let comments: Vec<Comment> = sqlx::query_as(
                    "SELECT id, post_id, text FROM comments WHERE post_id = ANY($1)",
                )
                .bind(&post_ids)
                .fetch_all(pool)
                .await?;
                let n = comments.len();
                let posts = group_by_parent(posts, comments, |p| p.id, |c| c.post_id);
                let tree = group_by_parent(users, posts, |u| u.id, |(p, _)| p.user_id);
                std::hint::black_box(&tree);
                n
            }
        })
    }
}

impl Contender for SqlxPg {
    fn name(&self) -> &'static str {
        "sqlx (PgPool)"
    }

    fn run<'a>(&'a mut self, workload: Workload, iteration: usize) -> Op<'a> {
        Box::pin(self.run_op(workload, iteration))
    }
}
