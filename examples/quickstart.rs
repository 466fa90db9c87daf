//! The quickstart: a model, a table, a session, the four kinds of query.
//!
//! Runs on an embedded SQLite database by default:
//!
//!     cargo run --example quickstart
//!
//! and on PostgreSQL when `DATABASE_URL` names one:
//!
//!     DATABASE_URL=postgres://postgres@127.0.0.1/test cargo run --example quickstart

use orm::prelude::*;

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "quickstart_users")]
pub struct User {
    #[column(primary_key, auto)]
    pub id: i64,
    #[column(unique)]
    pub name: String,
    pub email: Option<String>,
    #[column(default = 0, index)]
    pub karma: i32,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> orm::Result<()> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite::memory:".to_string());
    let db = Database::connect(&url).await?;
    println!("connected to {} ({})", db.backend_name(), redact(&url));

    db.drop_tables_if_exists(&[User::table()]).await?;
    db.create_tables(&[User::table()]).await?;
    println!("created table {}", User::table().name);

    // A session opens its transaction on its first statement.
    let mut s = db.session();
    let mut ann = User {
        id: 0,
        name: "ann".into(),
        email: None,
        karma: 3,
    };
    s.add(&mut ann).await?;
    println!("added {ann:?}");

    let more = [
        User {
            id: 0,
            name: "bob".into(),
            email: Some("bob@example.com".into()),
            karma: 1,
        },
        User {
            id: 0,
            name: "cid".into(),
            email: None,
            karma: 7,
        },
    ];
    let n = s.insert::<User>().values(&more).execute().await?;
    println!("inserted {n} more users in one statement");
    s.commit().await?;
    println!("committed; the session is {}", s.state());

    let top: Vec<User> = s
        .select::<User>()
        .filter(User::karma.gt(1).and(User::email.is_null()))
        .order_by(User::name.desc())
        .limit(10)
        .all()
        .await?;
    println!(
        "karma > 1 and no email, by name descending: {:?}",
        top.iter().map(|u| &u.name).collect::<Vec<_>>()
    );

    let n = s
        .update::<User>()
        .set(User::karma, User::karma + 1)
        .filter(User::id.lt(100))
        .execute()
        .await?;
    println!("gave {n} users one more karma");

    let n = s
        .delete::<User>()
        .filter(User::name.like("b%"))
        .execute()
        .await?;
    println!("deleted {n} user whose name starts with b");

    let count = s.select::<User>().count().await?;
    println!("{count} users left");
    s.rollback().await?;
    println!(
        "rolled back: {} users after all",
        s.select::<User>().count().await?
    );

    // db.transaction commits on Ok and rolls back on Err or panic.
    let id = db
        .transaction(async |s| {
            let mut dee = User {
                id: 0,
                name: "dee".into(),
                email: None,
                karma: 0,
            };
            s.add(&mut dee).await?;
            Ok::<_, Error>(dee.id)
        })
        .await?;
    println!("dee committed in a transaction with id {id}");

    db.drop_tables(&[User::table()]).await?;
    println!("dropped table {}", User::table().name);
    Ok(())
}

fn redact(url: &str) -> String {
    orm::error::redact_url(url)
}
