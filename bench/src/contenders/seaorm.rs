//! SeaORM 2, as its documentation shows it: entities with relations, a
//! `DatabaseConnection` (an sqlx pool) as the executor, `find_also_related`
//! for the join and the loader (`load_many`) for associations. The same code
//! runs on PostgreSQL and SQLite.

use anyhow::Result;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectOptions, Database, DatabaseConnection, EntityTrait, LoaderTrait,
    QueryFilter, TransactionTrait,
};

use crate::data::{self, NewUser, Workload};
use crate::harness::{Contender, Op};

pub mod user {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub name: String,
        pub hair_color: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(has_many = "super::post::Entity")]
        Post,
    }

    impl Related<super::post::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Post.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod post {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "posts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub user_id: i32,
        pub title: String,
        pub body: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::user::Entity",
            from = "Column::UserId",
            to = "super::user::Column::Id"
        )]
        User,
        #[sea_orm(has_many = "super::comment::Entity")]
        Comment,
    }

    impl Related<super::user::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl Related<super::comment::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Comment.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod comment {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "comments")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub post_id: i32,
        pub text: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::post::Entity",
            from = "Column::PostId",
            to = "super::post::Column::Id"
        )]
        Post,
    }

    impl Related<super::post::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Post.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

fn active(u: &NewUser) -> user::ActiveModel {
    user::ActiveModel {
        id: NotSet,
        name: Set(u.name.clone()),
        hair_color: Set(u.hair_color.clone()),
    }
}

pub struct SeaOrm {
    name: &'static str,
    db: DatabaseConnection,
    new_users: Vec<NewUser>,
}

impl SeaOrm {
    pub async fn connect(name: &'static str, url: &str, max_insert: usize) -> Result<Self> {
        let mut options = ConnectOptions::new(url);
        options.sqlx_logging(false);
        let db = Database::connect(options).await?;
        Ok(SeaOrm {
            name,
            db,
            new_users: data::users(max_insert),
        })
    }

    async fn run_op(&mut self, workload: Workload, iteration: usize) -> Result<usize> {
        let db = &self.db;
        Ok(match workload {
            Workload::TrivialQuery { .. } => {
                let users = user::Entity::find().all(db).await?;
                std::hint::black_box(&users);
                users.len()
            }
            Workload::PkLookup { lookups, users } => {
                for i in 0..lookups {
                    let id = (i % users) as i32 + 1;
                    let user = user::Entity::find_by_id(id).one(db).await?;
                    anyhow::ensure!(user.is_some(), "user {id} not found");
                    std::hint::black_box(&user);
                }
                lookups
            }
            Workload::MediumComplex { .. } => {
                let rows = user::Entity::find()
                    .find_also_related(post::Entity)
                    .filter(user::Column::HairColor.eq("black"))
                    .all(db)
                    .await?;
                std::hint::black_box(&rows);
                rows.len()
            }
            Workload::InsertOneStatement { n } | Workload::InsertBulk { n } => {
                let models = self.new_users[..n].iter().map(active);
                user::Entity::insert_many(models)
                    .exec_without_returning(db)
                    .await? as usize
            }
            Workload::UpdateBulk { rows, .. } => {
                user::Entity::update_many()
                    .col_expr(
                        user::Column::HairColor,
                        Expr::value(data::update_color(iteration)),
                    )
                    .filter(user::Column::Id.lte(rows as i32))
                    .exec(db)
                    .await?
                    .rows_affected as usize
            }
            Workload::UpdateByKeyInTransaction { rows, .. } => {
                let color = data::update_color(iteration);
                let txn = db.begin().await?;
                let mut changed = 0;
                for id in 1..=rows as i32 {
                    changed += user::Entity::update_many()
                        .col_expr(user::Column::HairColor, Expr::value(color))
                        .filter(user::Column::Id.eq(id))
                        .exec(&txn)
                        .await?
                        .rows_affected;
                }
                txn.commit().await?;
                changed as usize
            }
            Workload::Transaction => {
                let txn = db.begin().await?;
                let model = user::ActiveModel {
                    id: NotSet,
                    name: Set(format!("txn {iteration}")),
                    hair_color: Set(None),
                };
                let done = user::Entity::insert(model).exec(&txn).await?;
                txn.commit().await?;
                std::hint::black_box(done.last_insert_id);
                1
            }
            Workload::LoadingAssociations { .. } => {
                let users = user::Entity::find().all(db).await?;
                let posts = users.load_many(post::Entity, db).await?;
                // The loader takes a flat slice: keep each user's post count
                // to regroup, and move the posts rather than clone them.
                let per_user: Vec<usize> = posts.iter().map(Vec::len).collect();
                let flat: Vec<post::Model> = posts.into_iter().flatten().collect();
                let comments = flat.load_many(comment::Entity, db).await?;
                let n = comments.iter().map(Vec::len).sum();
                std::hint::black_box((&users, &per_user, &flat, &comments));
                n
            }
        })
    }
}

impl Contender for SeaOrm {
    fn name(&self) -> &'static str {
        self.name
    }

    fn run<'a>(&'a mut self, workload: Workload, iteration: usize) -> Op<'a> {
        Box::pin(self.run_op(workload, iteration))
    }
}
