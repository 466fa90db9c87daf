//! orm, as its users get it: `orm::Database` chosen by URL, one session per
//! unit of work. The same code runs on PostgreSQL and on SQLite.
//!
//! A unit of work of one statement runs in an autocommit session
//! (`db.autocommit()`), with no BEGIN or COMMIT, as a peer runs one
//! statement on a bare connection; the others (pk_lookup, update_pk_txn, transaction,
//! loading_associations) in a transactional session (`db.session()`).

use anyhow::Result;
use orm::Table;

use crate::data::{self, group_by_parent, Workload};
use crate::harness::{Contender, Op};

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "users")]
pub struct User {
    #[column(primary_key, auto)]
    pub id: i32,
    pub name: String,
    pub hair_color: Option<String>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "posts")]
pub struct Post {
    #[column(primary_key, auto)]
    pub id: i32,
    pub user_id: i32,
    pub title: String,
    pub body: Option<String>,
}

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "comments")]
pub struct Comment {
    #[column(primary_key, auto)]
    pub id: i32,
    pub post_id: i32,
    pub text: String,
}

pub struct Orm {
    name: &'static str,
    db: orm::Database,
    /// Rows to insert, built once (generated keys unset).
    new_users: Vec<User>,
}

impl Orm {
    pub async fn connect(name: &'static str, url: &str, max_insert: usize) -> Result<Self> {
        let db = orm::Database::connect(url).await?;
        let new_users = data::users(max_insert)
            .into_iter()
            .map(|u| User {
                id: 0,
                name: u.name,
                hair_color: u.hair_color,
            })
            .collect();
        Ok(Orm {
            name,
            db,
            new_users,
        })
    }

    async fn run_op(&mut self, workload: Workload, iteration: usize) -> Result<usize> {
        let mut s = if workload.is_one_statement() {
            self.db.autocommit()
        } else {
            self.db.session()
        };
        let n = match workload {
            Workload::TrivialQuery { .. } => {
                let users: Vec<User> = s.select::<User>().all().await?;
                std::hint::black_box(&users);
                users.len()
            }
            Workload::PkLookup { lookups, users } => {
                for i in 0..lookups {
                    let id = (i % users) as i32 + 1;
                    let user = s.get::<User>(id).await?;
                    anyhow::ensure!(user.is_some(), "user {id} not found");
                    std::hint::black_box(&user);
                }
                lookups
            }
            Workload::MediumComplex { .. } => {
                let rows: Vec<(User, Option<Post>)> = s
                    .select::<User>()
                    .left_join::<Post>(Post::user_id.eq(User::id))
                    .filter(User::hair_color.eq("black"))
                    .all()
                    .await?;
                std::hint::black_box(&rows);
                rows.len()
            }
            Workload::InsertOneStatement { n } | Workload::InsertBulk { n } => {
                let inserted = s
                    .insert::<User>()
                    .values(&self.new_users[..n])
                    .execute()
                    .await?;
                inserted as usize
            }
            Workload::UpdateBulk { rows, .. } => {
                let changed = s
                    .update::<User>()
                    .set(User::hair_color, data::update_color(iteration))
                    .filter(User::id.le(rows as i32))
                    .execute()
                    .await?;
                changed as usize
            }
            Workload::UpdateByKeyInTransaction { rows, .. } => {
                let color = data::update_color(iteration);
                let mut changed = 0;
                for id in 1..=rows as i32 {
                    changed += s
                        .update::<User>()
                        .set(User::hair_color, color)
                        .filter(User::id.eq(id))
                        .execute()
                        .await?;
                }
                changed as usize
            }
            Workload::Transaction => {
                let mut user = User {
                    id: 0,
                    name: format!("txn {iteration}"),
                    hair_color: None,
                };
                s.add(&mut user).await?;
                std::hint::black_box(user.id);
                1
            }
            Workload::LoadingAssociations { .. } => {
                let users: Vec<User> = s.select::<User>().all().await?;
                let user_ids: Vec<i32> = users.iter().map(|u| u.id).collect();
                let posts: Vec<Post> = s
                    .select::<Post>()
                    .filter(Post::user_id.in_list(user_ids))
                    .all()
                    .await?;
                let post_ids: Vec<i32> = posts.iter().map(|p| p.id).collect();
                let comments: Vec<Comment> = s
                    .select::<Comment>()
                    .filter(Comment::post_id.in_list(post_ids))
                    .all()
                    .await?;
                let n = comments.len();
                let posts = group_by_parent(posts, comments, |p| p.id, |c| c.post_id);
                let tree = group_by_parent(users, posts, |u| u.id, |(p, _)| p.user_id);
                std::hint::black_box(&tree);
                n
            }
        };
        s.commit().await?;
        Ok(n)
    }
}

impl Contender for Orm {
    fn name(&self) -> &'static str {
        self.name
    }

    fn run<'a>(&'a mut self, workload: Workload, iteration: usize) -> Op<'a> {
        Box::pin(self.run_op(workload, iteration))
    }
}
