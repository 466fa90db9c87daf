//! Migrations embedded in an application and run at start-up: two SQL
//! files compiled into the program and a Rust migration, applied in order,
//! then the database compared with the models.
//!
//! Runs on a fresh SQLite file by default:
//!
//!     cargo run --example migrations
//!
//! and on PostgreSQL when `DATABASE_URL` names one (it leaves the database
//! as it found it):
//!
//!     DATABASE_URL=postgres://postgres@127.0.0.1/test cargo run --example migrations

use orm::migrate::{diff, Migration, Migrator, Progress};
use orm::prelude::*;

/// A member, as the model stands after the third migration.
#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "members")]
pub struct Member {
    /// The key, chosen by the application.
    #[column(primary_key)]
    pub id: i64,
    /// Unique across members.
    #[column(unique)]
    pub name: String,
    /// Filled in by the third migration for members who had none.
    pub email: Option<String>,
    /// Added by the second migration.
    #[column(default = 0, index)]
    pub karma: i32,
}

/// Migration 3: gives members without an email one, and existing members a
/// welcome bonus. It runs in the migration's transaction, with the whole
/// session at hand; it uses SQL rather than the `Member` model, which will
/// keep changing after this migration is written.
async fn fill_emails(s: &mut Session) -> orm::Result<()> {
    let filled = s
        .raw("UPDATE members SET email = name || $1 WHERE email IS NULL")
        .bind("@members.example")
        .execute()
        .await?;
    s.raw("UPDATE members SET karma = karma + $1")
        .bind(10)
        .execute()
        .await?;
    println!("  (fill_emails gave {filled} member(s) an email)");
    Ok(())
}

/// Undoes migration 3 as far as it can: the bonus.
async fn remove_bonus(s: &mut Session) -> orm::Result<()> {
    s.raw("UPDATE members SET karma = karma - $1")
        .bind(10)
        .execute()
        .await?;
    Ok(())
}

fn migrator() -> orm::migrate::Result<Migrator> {
    Ok(Migrator::new()
        .with_file(
            "0001_create_members.sql",
            include_str!("migrations/0001_create_members.sql"),
        )?
        .with_file(
            "0002_add_karma.sql",
            include_str!("migrations/0002_add_karma.sql"),
        )?
        .with(Migration::rust(3, "fill_emails", fill_emails).down(remove_bonus))
        .on_progress(|p| match p {
            Progress::Applied {
                version,
                name,
                elapsed,
            } => {
                println!("  applied {version} {name} in {elapsed:?}")
            }
            Progress::Reverted { version, name, .. } => println!("  reverted {version} {name}"),
            _ => {}
        }))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (url, file) = match std::env::var("DATABASE_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let path = std::env::temp_dir()
                .join(format!("orm-migrations-example-{}.db", std::process::id()));
            (format!("sqlite://{}", path.display()), Some(path))
        }
    };
    let db = Database::connect(&url).await?;
    let migrator = migrator()?;

    // Version 1 alone, and a member who has no email yet.
    println!("up to 1:");
    migrator.up_to(&db, 1).await?;
    let mut s = db.session();
    s.raw("INSERT INTO members (id, name) VALUES ($1, $2), ($3, $4)")
        .bind(1i64)
        .bind("ann")
        .bind(2i64)
        .bind("bob")
        .execute()
        .await?;
    s.commit().await?;

    // What an application does at start-up: apply whatever is pending.
    println!("up:");
    let report = migrator.up(&db).await?;
    assert_eq!(report.applied, [2, 3]);
    for m in migrator.status(&db).await? {
        println!("  {} {:<16} {}", m.version, m.name, m.state.label());
    }

    // The database now matches the models: autogenerate has nothing to write.
    let d = diff::diff(&db, &[Member::table()], &[migrator.table_name()]).await?;
    assert!(d.is_empty(), "{}", d.to_sql());
    println!("the database matches the models");

    let members = s.select::<Member>().order_by(Member::id).all().await?;
    for m in &members {
        println!("  {} {} {:?} karma {}", m.id, m.name, m.email, m.karma);
    }
    assert_eq!(members[1].email.as_deref(), Some("bob@members.example"));
    s.rollback().await?;

    // Leave the database as we found it.
    println!("down to 0:");
    migrator.down_to(&db, 0).await?;
    let mut s = db.session();
    s.batch(&format!("DROP TABLE {}", migrator.table_name()))
        .await?;
    s.commit().await?;
    db.close().await;
    if let Some(path) = file {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    Ok(())
}
