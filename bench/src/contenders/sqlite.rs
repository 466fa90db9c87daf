//! The SQLite contenders other than orm and SeaORM: rusqlite (the floor, on
//! the caller's thread) and sqlx 0.9 on a single `SqliteConnection`.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Result;
use rusqlite::{params, params_from_iter, Connection};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteJournalMode};
use sqlx::{ConnectOptions as _, Connection as _, QueryBuilder};

use crate::contenders::sqlx_pg::{medium_pair, Comment, Post, User, MEDIUM_SQL};
use crate::data::{self, group_by_parent, NewUser, PostRow, UserRow, Workload};
use crate::harness::{Contender, Op};

const ALL_USERS: &str = "SELECT id, name, hair_color FROM users";
const USER_BY_ID: &str = "SELECT id, name, hair_color FROM users WHERE id = ?1";
const INSERT_ONE: &str = "INSERT INTO users (name, hair_color) VALUES (?1, ?2)";
const INSERT_RETURNING: &str = "INSERT INTO users (name, hair_color) VALUES (?1, ?2) RETURNING id";
const UPDATE_BULK: &str = "UPDATE users SET hair_color = ?1 WHERE id <= ?2";
const UPDATE_BY_ID: &str = "UPDATE users SET hair_color = ?1 WHERE id = ?2";

/// `?, ?, ...` for an `IN` list of `n` items.
fn placeholders(n: usize) -> String {
    let mut s = String::with_capacity(n * 3);
    for i in 0..n {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('?');
    }
    s
}

/// Opens a rusqlite connection with the settings orm's SQLite backend uses:
/// WAL, foreign keys on, a 5 s busy timeout (synchronous stays at SQLite's
/// default, FULL, as with sqlx).
pub fn open_rusqlite(path: &std::path::Path) -> Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(100);
    Ok(conn)
}

fn user(row: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: row.get(0)?,
        name: row.get(1)?,
        hair_color: row.get(2)?,
    })
}

// Built for the caller, as a real loader would; nothing here reads it.
#[allow(dead_code)]
struct CommentRow {
    id: i32,
    post_id: i32,
    text: String,
}

pub struct Rusqlite {
    conn: Connection,
    new_users: Vec<NewUser>,
}

impl Rusqlite {
    pub fn open(path: &std::path::Path, max_insert: usize) -> Result<Self> {
        Ok(Rusqlite {
            conn: open_rusqlite(path)?,
            new_users: data::users(max_insert),
        })
    }

    fn run_op(&mut self, workload: Workload, iteration: usize) -> Result<usize> {
        let conn = &mut self.conn;
        Ok(match workload {
            Workload::TrivialQuery { .. } => {
                let mut stmt = conn.prepare_cached(ALL_USERS)?;
                let users: Vec<UserRow> = stmt.query_map([], user)?.collect::<Result<_, _>>()?;
                std::hint::black_box(&users);
                users.len()
            }
            Workload::PkLookup { lookups, users } => {
                let mut stmt = conn.prepare_cached(USER_BY_ID)?;
                for i in 0..lookups {
                    let id = (i % users) as i32 + 1;
                    let row = stmt.query_row([id], user)?;
                    std::hint::black_box(&row);
                }
                lookups
            }
            Workload::MediumComplex { .. } => {
                let mut stmt = conn.prepare_cached(MEDIUM_SQL)?;
                let rows: Vec<(UserRow, Option<PostRow>)> = stmt
                    .query_map(["black"], |row| {
                        let post = match row.get::<_, Option<i32>>(3)? {
                            Some(id) => Some(PostRow {
                                id,
                                user_id: row.get(4)?,
                                title: row.get(5)?,
                                body: row.get(6)?,
                            }),
                            None => None,
                        };
                        Ok((user(row)?, post))
                    })?
                    .collect::<Result<_, _>>()?;
                std::hint::black_box(&rows);
                rows.len()
            }
            Workload::InsertOneStatement { n } => {
                let sql = format!(
                    "INSERT INTO users (name, hair_color) VALUES {}",
                    vec!["(?, ?)"; n].join(", ")
                );
                let mut stmt = conn.prepare_cached(&sql)?;
                let rows = &self.new_users[..n];
                let values = rows
                    .iter()
                    .flat_map(|u| [&u.name as &dyn rusqlite::ToSql, &u.hair_color]);
                stmt.execute(params_from_iter(values))?
            }
            Workload::InsertBulk { n } => {
                let tx = conn.transaction()?;
                {
                    let mut stmt = tx.prepare_cached(INSERT_ONE)?;
                    for u in &self.new_users[..n] {
                        stmt.execute(params![u.name, u.hair_color])?;
                    }
                }
                tx.commit()?;
                n
            }
            Workload::UpdateBulk { rows, .. } => conn
                .prepare_cached(UPDATE_BULK)?
                .execute(params![data::update_color(iteration), rows as i32])?,
            Workload::UpdateByKeyInTransaction { rows, .. } => {
                let color = data::update_color(iteration);
                let tx = conn.transaction()?;
                let mut changed = 0;
                {
                    let mut stmt = tx.prepare_cached(UPDATE_BY_ID)?;
                    for id in 1..=rows as i32 {
                        changed += stmt.execute(params![color, id])?;
                    }
                }
                tx.commit()?;
                changed
            }
            Workload::Transaction => {
                let tx = conn.transaction()?;
                let id: i32 = tx
                    .prepare_cached(INSERT_RETURNING)?
                    .query_row(params![format!("txn {iteration}"), None::<String>], |r| {
                        r.get(0)
                    })?;
                tx.commit()?;
                std::hint::black_box(id);
                1
            }
            Workload::LoadingAssociations { .. } => {
                let users: Vec<UserRow> = conn
                    .prepare_cached(ALL_USERS)?
                    .query_map([], user)?
                    .collect::<Result<_, _>>()?;
                let user_ids: Vec<i32> = users.iter().map(|u| u.id).collect();
                let sql = format!(
                    "SELECT id, user_id, title, body FROM posts WHERE user_id IN ({})",
                    placeholders(user_ids.len())
                );
                let posts: Vec<PostRow> = conn
                    .prepare_cached(&sql)?
                    .query_map(params_from_iter(&user_ids), |row| {
                        Ok(PostRow {
                            id: row.get(0)?,
                            user_id: row.get(1)?,
                            title: row.get(2)?,
                            body: row.get(3)?,
                        })
                    })?
                    .collect::<Result<_, _>>()?;
                let post_ids: Vec<i32> = posts.iter().map(|p| p.id).collect();
                let sql = format!(
                    "SELECT id, post_id, text FROM comments WHERE post_id IN ({})",
                    placeholders(post_ids.len())
                );
                let comments: Vec<CommentRow> = conn
                    .prepare_cached(&sql)?
                    .query_map(params_from_iter(&post_ids), |row| {
                        Ok(CommentRow {
                            id: row.get(0)?,
                            post_id: row.get(1)?,
                            text: row.get(2)?,
                        })
                    })?
                    .collect::<Result<_, _>>()?;
                let n = comments.len();
                let posts = group_by_parent(posts, comments, |p| p.id, |c| c.post_id);
                let tree = group_by_parent(users, posts, |u| u.id, |(p, _)| p.user_id);
                std::hint::black_box(&tree);
                n
            }
        })
    }
}

impl Contender for Rusqlite {
    fn name(&self) -> &'static str {
        "rusqlite (raw)"
    }

    fn run<'a>(&'a mut self, workload: Workload, iteration: usize) -> Op<'a> {
        Box::pin(async move { self.run_op(workload, iteration) })
    }
}

/// sqlx on one `SqliteConnection` (not a pool): the configuration the
/// issue's SQLite target is stated against.
pub struct SqlxSqlite {
    conn: SqliteConnection,
    new_users: Vec<NewUser>,
}

impl SqlxSqlite {
    pub async fn connect(url: &str, max_insert: usize) -> Result<Self> {
        let conn = SqliteConnectOptions::from_str(url)?
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5))
            .connect()
            .await?;
        Ok(SqlxSqlite {
            conn,
            new_users: data::users(max_insert),
        })
    }

    async fn run_op(&mut self, workload: Workload, iteration: usize) -> Result<usize> {
        let conn = &mut self.conn;
        Ok(match workload {
            Workload::TrivialQuery { .. } => {
                let users: Vec<User> = sqlx::query_as(ALL_USERS).fetch_all(&mut *conn).await?;
                std::hint::black_box(&users);
                users.len()
            }
            Workload::PkLookup { lookups, users } => {
                for i in 0..lookups {
                    let id = (i % users) as i32 + 1;
                    let user: User = sqlx::query_as(USER_BY_ID)
                        .bind(id)
                        .fetch_one(&mut *conn)
                        .await?;
                    std::hint::black_box(&user);
                }
                lookups
            }
            Workload::MediumComplex { .. } => {
                let rows: Vec<_> = sqlx::query_as(MEDIUM_SQL)
                    .bind("black")
                    .fetch_all(&mut *conn)
                    .await?;
                let rows: Vec<(User, Option<Post>)> = rows.into_iter().map(medium_pair).collect();
                std::hint::black_box(&rows);
                rows.len()
            }
            Workload::InsertOneStatement { n } | Workload::InsertBulk { n } => {
                let mut builder: QueryBuilder<sqlx::Sqlite> =
                    QueryBuilder::new("INSERT INTO users (name, hair_color) ");
                builder.push_values(&self.new_users[..n], |mut row, u| {
                    row.push_bind(&u.name).push_bind(&u.hair_color);
                });
                builder.build().execute(&mut *conn).await?.rows_affected() as usize
            }
            Workload::UpdateBulk { rows, .. } => sqlx::query(UPDATE_BULK)
                .bind(data::update_color(iteration))
                .bind(rows as i32)
                .execute(&mut *conn)
                .await?
                .rows_affected() as usize,
            Workload::UpdateByKeyInTransaction { rows, .. } => {
                let color = data::update_color(iteration);
                let mut tx = conn.begin().await?;
                let mut changed = 0;
                for id in 1..=rows as i32 {
                    changed += sqlx::query(UPDATE_BY_ID)
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
                let mut tx = conn.begin().await?;
                let id: i32 = sqlx::query_scalar(INSERT_RETURNING)
                    .bind(format!("txn {iteration}"))
                    .bind(None::<String>)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                std::hint::black_box(id);
                1
            }
            Workload::LoadingAssociations { .. } => {
                let users: Vec<User> = sqlx::query_as(ALL_USERS).fetch_all(&mut *conn).await?;
                let mut q: QueryBuilder<sqlx::Sqlite> = QueryBuilder::new(
                    "SELECT id, user_id, title, body FROM posts WHERE user_id IN (",
                );
                let mut list = q.separated(", ");
                for u in &users {
                    list.push_bind(u.id);
                }
                q.push(")");
                let posts: Vec<Post> = q.build_query_as().fetch_all(&mut *conn).await?;
                let mut q: QueryBuilder<sqlx::Sqlite> =
                    QueryBuilder::new("SELECT id, post_id, text FROM comments WHERE post_id IN (");
                let mut list = q.separated(", ");
                for p in &posts {
                    list.push_bind(p.id);
                }
                q.push(")");
                let comments: Vec<Comment> = q.build_query_as().fetch_all(&mut *conn).await?;
                let n = comments.len();
                let posts = group_by_parent(posts, comments, |p| p.id, |c| c.post_id);
                let tree = group_by_parent(users, posts, |u| u.id, |(p, _)| p.user_id);
                std::hint::black_box(&tree);
                n
            }
        })
    }
}

impl Contender for SqlxSqlite {
    fn name(&self) -> &'static str {
        "sqlx (one SqliteConnection)"
    }

    fn run<'a>(&'a mut self, workload: Workload, iteration: usize) -> Op<'a> {
        Box::pin(self.run_op(workload, iteration))
    }
}
