//! diesel-async on one `AsyncPgConnection`, as diesel's own benchmarks use
//! it: the query DSL, `belonging_to` + `grouped_by` for associations.

use anyhow::Result;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::data::{self, NewUser, Workload};
use crate::harness::{Contender, Op};

mod schema {
    diesel::table! {
        users (id) {
            id -> Int4,
            name -> Text,
            hair_color -> Nullable<Text>,
        }
    }

    diesel::table! {
        posts (id) {
            id -> Int4,
            user_id -> Int4,
            title -> Text,
            body -> Nullable<Text>,
        }
    }

    diesel::table! {
        comments (id) {
            id -> Int4,
            post_id -> Int4,
            text -> Text,
        }
    }

    diesel::joinable!(posts -> users (user_id));
    diesel::joinable!(comments -> posts (post_id));
    diesel::allow_tables_to_appear_in_same_query!(users, posts, comments);
}

use schema::{comments, posts, users};

#[derive(Debug, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i32,
    pub name: String,
    pub hair_color: Option<String>,
}

#[derive(Debug, Queryable, Selectable, Identifiable, Associations)]
#[diesel(belongs_to(User))]
#[diesel(table_name = posts)]
pub struct Post {
    pub id: i32,
    pub user_id: i32,
    pub title: String,
    pub body: Option<String>,
}

#[derive(Debug, Queryable, Selectable, Identifiable, Associations)]
#[diesel(belongs_to(Post))]
#[diesel(table_name = comments)]
pub struct Comment {
    pub id: i32,
    pub post_id: i32,
    pub text: String,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct Insert<'a> {
    name: &'a str,
    hair_color: Option<&'a str>,
}

pub struct DieselPg {
    conn: AsyncPgConnection,
    new_users: Vec<NewUser>,
}

impl DieselPg {
    pub async fn connect(url: &str, max_insert: usize) -> Result<Self> {
        Ok(DieselPg {
            conn: AsyncPgConnection::establish(url).await?,
            new_users: data::users(max_insert),
        })
    }

    async fn run_op(&mut self, workload: Workload, iteration: usize) -> Result<usize> {
        let conn = &mut self.conn;
        Ok(match workload {
            Workload::TrivialQuery { .. } => {
                let all: Vec<User> = users::table.select(User::as_select()).load(conn).await?;
                std::hint::black_box(&all);
                all.len()
            }
            Workload::PkLookup { lookups, users: n } => {
                for i in 0..lookups {
                    let id = (i % n) as i32 + 1;
                    let user: User = users::table
                        .find(id)
                        .select(User::as_select())
                        .first(conn)
                        .await?;
                    std::hint::black_box(&user);
                }
                lookups
            }
            Workload::MediumComplex { .. } => {
                let rows: Vec<(User, Option<Post>)> = users::table
                    .left_join(posts::table)
                    .filter(users::hair_color.eq("black"))
                    .select((User::as_select(), Option::<Post>::as_select()))
                    .load(conn)
                    .await?;
                std::hint::black_box(&rows);
                rows.len()
            }
            Workload::InsertOneStatement { n } | Workload::InsertBulk { n } => {
                let rows: Vec<Insert<'_>> = self.new_users[..n]
                    .iter()
                    .map(|u| Insert {
                        name: &u.name,
                        hair_color: u.hair_color.as_deref(),
                    })
                    .collect();
                diesel::insert_into(users::table)
                    .values(&rows)
                    .execute(conn)
                    .await?
            }
            Workload::UpdateBulk { rows, .. } => {
                diesel::update(users::table.filter(users::id.le(rows as i32)))
                    .set(users::hair_color.eq(data::update_color(iteration)))
                    .execute(conn)
                    .await?
            }
            Workload::UpdateByKeyInTransaction { rows, .. } => {
                let color = data::update_color(iteration);
                conn.transaction::<_, diesel::result::Error, _>(async move |conn| {
                    let mut changed = 0;
                    for id in 1..=rows as i32 {
                        changed += diesel::update(users::table.find(id))
                            .set(users::hair_color.eq(color))
                            .execute(conn)
                            .await?;
                    }
                    Ok(changed)
                })
                .await?
            }
            Workload::Transaction => {
                let name = format!("txn {iteration}");
                let id = conn
                    .transaction::<_, diesel::result::Error, _>(async |conn| {
                        diesel::insert_into(users::table)
                            .values(Insert {
                                name: &name,
                                hair_color: None,
                            })
                            .returning(users::id)
                            .get_result::<i32>(conn)
                            .await
                    })
                    .await?;
                std::hint::black_box(id);
                1
            }
            Workload::LoadingAssociations { .. } => {
                let all: Vec<User> = users::table.select(User::as_select()).load(conn).await?;
                let posts: Vec<Post> = Post::belonging_to(&all)
                    .select(Post::as_select())
                    .load(conn)
                    .await?;
                let comments: Vec<Comment> = Comment::belonging_to(&posts)
                    .select(Comment::as_select())
                    .load(conn)
                    .await?;
                let n = comments.len();
                let comments = comments.grouped_by(&posts);
                let posts = posts.into_iter().zip(comments).grouped_by(&all);
                let tree: Vec<_> = all.into_iter().zip(posts).collect();
                std::hint::black_box(&tree);
                n
            }
        })
    }
}

impl Contender for DieselPg {
    fn name(&self) -> &'static str {
        "diesel-async"
    }

    fn run<'a>(&'a mut self, workload: Workload, iteration: usize) -> Op<'a> {
        Box::pin(self.run_op(workload, iteration))
    }
}
