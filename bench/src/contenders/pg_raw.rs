//! The PostgreSQL floor: tokio-postgres on one connection, every statement
//! prepared once up front, rows decoded as they arrive, binary COPY for the
//! bulk insert. Also the deadpool-postgres contender, which runs the same
//! statements on a client checked out of a pool per operation.

use std::collections::HashMap;
use std::pin::pin;

use anyhow::Result;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use futures_util::TryStreamExt;
use tokio_postgres::binary_copy::BinaryCopyInWriter;
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::{Client, GenericClient, NoTls, Row, Statement};

use crate::data::{self, group_by_parent, NewUser, PostRow, UserRow, Workload};
use crate::harness::{Contender, Op};

const ALL_USERS: &str = "SELECT id, name, hair_color FROM users";
const USER_BY_ID: &str = "SELECT id, name, hair_color FROM users WHERE id = $1";
const MEDIUM: &str = "SELECT u.id, u.name, u.hair_color, p.id, p.user_id, p.title, p.body \
     FROM users u LEFT JOIN posts p ON p.user_id = u.id WHERE u.hair_color = $1";
const INSERT_RETURNING: &str = "INSERT INTO users (name, hair_color) VALUES ($1, $2) RETURNING id";
const UPDATE_BULK: &str = "UPDATE users SET hair_color = $1 WHERE id <= $2";
const UPDATE_BY_ID: &str = "UPDATE users SET hair_color = $1 WHERE id = $2";
const POSTS_OF: &str = "SELECT id, user_id, title, body FROM posts WHERE user_id = ANY($1)";
const COMMENTS_OF: &str = "SELECT id, post_id, text FROM comments WHERE post_id = ANY($1)";
/// Two binds a row, below PostgreSQL's 65 535 binds a statement.
pub const MAX_ROWS_PER_INSERT: usize = 32_767;
const COPY_USERS: &str = "COPY users (name, hair_color) FROM STDIN (FORMAT binary)";

/// `INSERT INTO users (name, hair_color) VALUES ($1, $2), ($3, $4), ...`
pub fn multi_row_insert(rows: usize) -> String {
    let mut sql = String::from("INSERT INTO users (name, hair_color) VALUES ");
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("(${}, ${})", 2 * r + 1, 2 * r + 2));
    }
    sql
}

fn user(row: &Row) -> UserRow {
    UserRow {
        id: row.get(0),
        name: row.get(1),
        hair_color: row.get(2),
    }
}

fn medium(row: &Row) -> (UserRow, Option<PostRow>) {
    let post = row.get::<_, Option<i32>>(3).map(|id| PostRow {
        id,
        user_id: row.get(4),
        title: row.get(5),
        body: row.get(6),
    });
    (user(row), post)
}

// Built for the caller, as a real loader would; nothing here reads it.
#[allow(dead_code)]
struct CommentRow {
    id: i32,
    post_id: i32,
    text: String,
}

/// Runs `statement` and decodes each row as it arrives.
async fn fetch<C: GenericClient, T>(
    client: &C,
    statement: &Statement,
    params: &[&(dyn ToSql + Sync)],
    decode: impl Fn(&Row) -> T,
) -> Result<Vec<T>> {
    let rows = client.query_raw(statement, params.iter().copied()).await?;
    let mut rows = pin!(rows);
    let mut out = Vec::new();
    while let Some(row) = rows.try_next().await? {
        out.push(decode(&row));
    }
    Ok(out)
}

fn binds(users: &[NewUser]) -> Vec<&(dyn ToSql + Sync)> {
    let mut params: Vec<&(dyn ToSql + Sync)> = Vec::with_capacity(users.len() * 2);
    for u in users {
        params.push(&u.name);
        params.push(&u.hair_color);
    }
    params
}

async fn copy_in(client: &Client, users: &[NewUser]) -> Result<u64> {
    let sink = client.copy_in(COPY_USERS).await?;
    let writer = BinaryCopyInWriter::new(sink, &[Type::TEXT, Type::TEXT]);
    let mut writer = pin!(writer);
    for u in users {
        writer.as_mut().write(&[&u.name, &u.hair_color]).await?;
    }
    Ok(writer.finish().await?)
}

/// The statements of every workload, prepared on one connection.
struct Prepared {
    all_users: Statement,
    user_by_id: Statement,
    medium: Statement,
    insert_returning: Statement,
    update_bulk: Statement,
    update_by_id: Statement,
    posts_of: Statement,
    comments_of: Statement,
    multi_row: HashMap<usize, Statement>,
}

impl Prepared {
    async fn new(client: &Client, insert_sizes: &[usize]) -> Result<Self> {
        let mut multi_row = HashMap::new();
        for &n in insert_sizes {
            multi_row.insert(n, client.prepare(&multi_row_insert(n)).await?);
        }
        Ok(Prepared {
            all_users: client.prepare(ALL_USERS).await?,
            user_by_id: client.prepare(USER_BY_ID).await?,
            medium: client.prepare(MEDIUM).await?,
            insert_returning: client.prepare(INSERT_RETURNING).await?,
            update_bulk: client.prepare(UPDATE_BULK).await?,
            update_by_id: client.prepare(UPDATE_BY_ID).await?,
            posts_of: client.prepare(POSTS_OF).await?,
            comments_of: client.prepare(COMMENTS_OF).await?,
            multi_row,
        })
    }
}

/// Opens one tokio-postgres connection; its socket task runs on the
/// current runtime.
pub async fn connect(url: &str) -> Result<Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            eprintln!("tokio-postgres connection ended: {e}");
        }
    });
    Ok(client)
}

pub struct RawPg {
    /// Set for the reference line of the bulk insert: multi-row INSERT
    /// statements instead of COPY, and no other workload.
    multi_row_bulk: bool,
    client: Client,
    prepared: Prepared,
    new_users: Vec<NewUser>,
}

impl RawPg {
    pub async fn connect(
        url: &str,
        max_insert: usize,
        insert_sizes: &[usize],
        multi_row_bulk: bool,
    ) -> Result<Self> {
        let client = connect(url).await?;
        let prepared = Prepared::new(&client, insert_sizes).await?;
        Ok(RawPg {
            multi_row_bulk,
            client,
            prepared,
            new_users: data::users(max_insert),
        })
    }

    async fn run_op(&mut self, workload: Workload, iteration: usize) -> Result<usize> {
        let p = &self.prepared;
        let client = &mut self.client;
        Ok(match workload {
            Workload::TrivialQuery { .. } => {
                let users = fetch(&*client, &p.all_users, &[], user).await?;
                std::hint::black_box(&users);
                users.len()
            }
            Workload::PkLookup { lookups, users } => {
                for i in 0..lookups {
                    let id = (i % users) as i32 + 1;
                    let row = client.query_one(&p.user_by_id, &[&id]).await?;
                    std::hint::black_box(user(&row));
                }
                lookups
            }
            Workload::MediumComplex { .. } => {
                let rows = fetch(&*client, &p.medium, &[&"black"], medium).await?;
                std::hint::black_box(&rows);
                rows.len()
            }
            Workload::InsertOneStatement { n } => {
                let rows = &self.new_users[..n];
                client.execute(&p.multi_row[&n], &binds(rows)).await? as usize
            }
            Workload::InsertBulk { n } if self.multi_row_bulk => {
                // As many rows per statement as the 65 535 binds allow.
                let mut inserted = 0;
                for rows in self.new_users[..n].chunks(MAX_ROWS_PER_INSERT) {
                    let statement = &p.multi_row[&rows.len()];
                    inserted += client.execute(statement, &binds(rows)).await?;
                }
                inserted as usize
            }
            Workload::InsertBulk { n } => copy_in(&*client, &self.new_users[..n]).await? as usize,
            Workload::UpdateBulk { rows, .. } => {
                let color = data::update_color(iteration);
                client
                    .execute(&p.update_bulk, &[&color, &(rows as i32)])
                    .await? as usize
            }
            Workload::UpdateByKeyInTransaction { rows, .. } => {
                let color = data::update_color(iteration);
                let tx = client.transaction().await?;
                let mut changed = 0;
                for id in 1..=rows as i32 {
                    changed += tx.execute(&p.update_by_id, &[&color, &id]).await?;
                }
                tx.commit().await?;
                changed as usize
            }
            Workload::Transaction => {
                let name = format!("txn {iteration}");
                let tx = client.transaction().await?;
                let row = tx
                    .query_one(&p.insert_returning, &[&name, &None::<String>])
                    .await?;
                tx.commit().await?;
                std::hint::black_box(row.get::<_, i32>(0));
                1
            }
            Workload::LoadingAssociations { .. } => {
                let users = fetch(&*client, &p.all_users, &[], user).await?;
                load_children(&*client, &p.posts_of, &p.comments_of, users).await?
            }
        })
    }
}

/// Posts of `users`, then comments of those posts, grouped.
async fn load_children<C: GenericClient>(
    client: &C,
    posts_of: &Statement,
    comments_of: &Statement,
    users: Vec<UserRow>,
) -> Result<usize> {
    let user_ids: Vec<i32> = users.iter().map(|u| u.id).collect();
    let posts = fetch(client, posts_of, &[&user_ids], |row| PostRow {
        id: row.get(0),
        user_id: row.get(1),
        title: row.get(2),
        body: row.get(3),
    })
    .await?;
    let post_ids: Vec<i32> = posts.iter().map(|p| p.id).collect();
    let comments = fetch(client, comments_of, &[&post_ids], |row| CommentRow {
        id: row.get(0),
        post_id: row.get(1),
        text: row.get(2),
    })
    .await?;
    let n = comments.len();
    let posts = group_by_parent(posts, comments, |p| p.id, |c| c.post_id);
    let tree = group_by_parent(users, posts, |u| u.id, |(p, _)| p.user_id);
    std::hint::black_box(&tree);
    Ok(n)
}

impl Contender for RawPg {
    fn name(&self) -> &'static str {
        if self.multi_row_bulk {
            "tokio-postgres, multi-row INSERT"
        } else {
            "tokio-postgres (raw)"
        }
    }

    fn supports(&self, workload: &Workload) -> bool {
        !self.multi_row_bulk || matches!(workload, Workload::InsertBulk { .. })
    }

    fn run<'a>(&'a mut self, workload: Workload, iteration: usize) -> Op<'a> {
        Box::pin(self.run_op(workload, iteration))
    }
}

/// deadpool-postgres: a client per operation from the pool (fast recycling,
/// its default), statements through its per-connection cache.
pub struct Deadpool {
    pool: Pool,
    new_users: Vec<NewUser>,
}

impl Deadpool {
    pub async fn connect(url: &str, max_insert: usize) -> Result<Self> {
        let config: tokio_postgres::Config = url.parse()?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager).max_size(10).build()?;
        drop(pool.get().await?);
        Ok(Deadpool {
            pool,
            new_users: data::users(max_insert),
        })
    }

    async fn run_op(&mut self, workload: Workload, iteration: usize) -> Result<usize> {
        let mut client = self.pool.get().await?;
        Ok(match workload {
            Workload::TrivialQuery { .. } => {
                let statement = client.prepare_cached(ALL_USERS).await?;
                let users = fetch(&**client, &statement, &[], user).await?;
                std::hint::black_box(&users);
                users.len()
            }
            Workload::PkLookup { lookups, users } => {
                let statement = client.prepare_cached(USER_BY_ID).await?;
                for i in 0..lookups {
                    let id = (i % users) as i32 + 1;
                    let row = client.query_one(&statement, &[&id]).await?;
                    std::hint::black_box(user(&row));
                }
                lookups
            }
            Workload::MediumComplex { .. } => {
                let statement = client.prepare_cached(MEDIUM).await?;
                let rows = fetch(&**client, &statement, &[&"black"], medium).await?;
                std::hint::black_box(&rows);
                rows.len()
            }
            Workload::InsertOneStatement { n } => {
                let statement = client.prepare_cached(&multi_row_insert(n)).await?;
                let rows = &self.new_users[..n];
                client.execute(&statement, &binds(rows)).await? as usize
            }
            Workload::InsertBulk { n } => copy_in(&client, &self.new_users[..n]).await? as usize,
            Workload::UpdateBulk { rows, .. } => {
                let statement = client.prepare_cached(UPDATE_BULK).await?;
                let color = data::update_color(iteration);
                client
                    .execute(&statement, &[&color, &(rows as i32)])
                    .await? as usize
            }
            Workload::UpdateByKeyInTransaction { rows, .. } => {
                let color = data::update_color(iteration);
                let tx = client.transaction().await?;
                let statement = tx.prepare_cached(UPDATE_BY_ID).await?;
                let mut changed = 0;
                for id in 1..=rows as i32 {
                    changed += tx.execute(&statement, &[&color, &id]).await?;
                }
                tx.commit().await?;
                changed as usize
            }
            Workload::Transaction => {
                let name = format!("txn {iteration}");
                let tx = client.transaction().await?;
                let statement = tx.prepare_cached(INSERT_RETURNING).await?;
                let row = tx.query_one(&statement, &[&name, &None::<String>]).await?;
                tx.commit().await?;
                std::hint::black_box(row.get::<_, i32>(0));
                1
            }
            Workload::LoadingAssociations { .. } => {
                let all = client.prepare_cached(ALL_USERS).await?;
                let posts_of = client.prepare_cached(POSTS_OF).await?;
                let comments_of = client.prepare_cached(COMMENTS_OF).await?;
                let users = fetch(&**client, &all, &[], user).await?;
                load_children(&**client, &posts_of, &comments_of, users).await?
            }
        })
    }
}

impl Contender for Deadpool {
    fn name(&self) -> &'static str {
        "deadpool-postgres"
    }

    fn run<'a>(&'a mut self, workload: Workload, iteration: usize) -> Op<'a> {
        Box::pin(self.run_op(workload, iteration))
    }
}
