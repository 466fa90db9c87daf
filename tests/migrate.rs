//! The migration runner on both backends: SQL and Rust migrations, the
//! record, up / down / status, checksums, failures rolled back whole, bad
//! input refused before anything runs, and two runners at once.
#![recursion_limit = "256"]

mod common;

use std::time::Duration;

use orm::migrate::{MigrateError, Migration, Migrator, State};
use orm::prelude::*;

const CREATE_USERS: &str = "\
-- The first model.
-- migrate:up
CREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT NOT NULL);

-- migrate:down
DROP TABLE users;
";

const ADD_KARMA: &str = "\
-- migrate:up
ALTER TABLE users ADD COLUMN karma INTEGER NOT NULL DEFAULT 0;
CREATE INDEX users_karma_idx ON users (karma);
-- migrate:down
DROP INDEX users_karma_idx;
ALTER TABLE users DROP COLUMN karma;
";

#[derive(Table, Debug, Clone, PartialEq)]
#[table(name = "users")]
struct User {
    #[column(primary_key)]
    id: i64,
    name: String,
    karma: i32,
}

/// A Rust migration with the whole session at hand: merge, bulk update,
/// raw SQL, truncate.
async fn seed_and_adjust(s: &mut Session) -> orm::Result<()> {
    for (id, name) in [(1, "ann"), (2, "bob"), (3, "cid")] {
        s.merge(&User {
            id,
            name: name.into(),
            karma: 0,
        })
        .await?;
    }
    s.update::<User>()
        .set(User::karma, User::karma + 10)
        .filter(User::id.le(2))
        .execute()
        .await?;
    s.raw("CREATE TABLE scratch (n INTEGER)").execute().await?;
    s.raw("INSERT INTO scratch (n) VALUES ($1), ($2)")
        .bind(1)
        .bind(2)
        .execute()
        .await?;
    s.truncate::<Scratch>().await?;
    Ok(())
}

async fn unseed(s: &mut Session) -> orm::Result<()> {
    s.raw("DROP TABLE scratch").execute().await?;
    s.delete::<User>().filter(User::id.le(3)).execute().await?;
    Ok(())
}

#[derive(Table, Debug)]
#[table(name = "scratch")]
struct Scratch {
    #[column(primary_key)]
    n: i32,
}

fn migrator() -> Migrator {
    Migrator::new()
        .with_file("0001_create_users.sql", CREATE_USERS)
        .and_then(|m| m.with_file("0002_add_karma.sql", ADD_KARMA))
        .expect("valid files")
        .with(Migration::rust(3, "seed_and_adjust", seed_and_adjust).down(unseed))
}

fn states(status: &[orm::migrate::MigrationStatus]) -> Vec<(i64, State)> {
    status.iter().map(|m| (m.version, m.state)).collect()
}

both!(async fn up_applies_sql_and_rust_migrations_in_order_and_records_them(db, kind) {
    let m = migrator();
    assert_eq!(states(&m.status(&db).await?), [(1, State::Pending), (2, State::Pending), (3, State::Pending)]);
    let report = m.up(&db).await?;
    assert_eq!(report.applied, [1, 2, 3]);
    let mut s = db.session();
    let users = s.select::<User>().order_by(User::id).all().await?;
    assert_eq!(users.iter().map(|u| (u.id, u.karma)).collect::<Vec<_>>(), [(1, 10), (2, 10), (3, 0)]);
    let scratch: (i64,) = s.raw("SELECT count(*) FROM scratch").fetch_one().await?;
    assert_eq!(scratch, (0,));
    let records: Vec<(i64, String, String)> = s
        .raw("SELECT version, name, checksum FROM orm_migrations ORDER BY version")
        .fetch_all()
        .await?;
    s.rollback().await?;
    let names: Vec<(i64, &str)> = records.iter().map(|r| (r.0, r.1.as_str())).collect();
    assert_eq!(names, [(1, "create_users"), (2, "add_karma"), (3, "seed_and_adjust")]);
    let all = m.migrations();
    assert!(records.iter().zip(&all).all(|(r, m)| r.2 == m.checksum() && r.2.len() == 64));
    let status = m.status(&db).await?;
    assert_eq!(states(&status), [(1, State::Applied), (2, State::Applied), (3, State::Applied)]);
    assert!(status.iter().all(|s| s.applied_at.as_deref().is_some_and(|t| t.starts_with("20"))));
    assert_eq!(m.up(&db).await?.applied, Vec::<i64>::new());
    Ok(())
});

both!(async fn up_to_down_and_down_to_move_between_versions(db, kind) {
    let m = migrator();
    assert_eq!(m.up_to(&db, 2).await?.applied, [1, 2]);
    assert_eq!(states(&m.status(&db).await?), [(1, State::Applied), (2, State::Applied), (3, State::Pending)]);
    assert_eq!(m.up(&db).await?.applied, [3]);
    assert_eq!(m.down(&db).await?.reverted, [3]);
    assert_eq!(db.session().select::<User>().count().await?, 0);
    assert!(!db.has_table("scratch").await?);
    assert_eq!(m.down_to(&db, 0).await?.reverted, [2, 1]);
    assert!(!db.has_table("users").await?);
    assert_eq!(m.down(&db).await?.reverted, Vec::<i64>::new());
    assert_eq!(m.up(&db).await?.applied, [1, 2, 3]);
    Ok(())
});

both!(async fn a_changed_applied_migration_is_an_error_naming_it(db, kind) {
    migrator().up_to(&db, 2).await?;
    let edited = ADD_KARMA.replace("DEFAULT 0", "DEFAULT 1");
    let m = Migrator::new()
        .with_file("0001_create_users.sql", CREATE_USERS)
        .and_then(|m| m.with_file("0002_add_karma.sql", &edited))
        .expect("valid files")
        .with(Migration::rust(3, "seed_and_adjust", seed_and_adjust).down(unseed));
    let err = m.up(&db).await.unwrap_err();
    assert!(matches!(&err, MigrateError::ChecksumMismatch { version: 2, name, .. } if name == "add_karma"), "{err}");
    assert!(err.to_string().starts_with("migration 2 (add_karma) has changed since it was applied"), "{err}");
    assert!(err.is_bad_input());
    assert!(!db.has_table("scratch").await?, "nothing applied");
    assert!(matches!(m.down(&db).await.unwrap_err(), MigrateError::ChecksumMismatch { version: 2, .. }));
    assert_eq!(states(&m.status(&db).await?), [(1, State::Applied), (2, State::Changed), (3, State::Pending)]);
    // The down section may change: it is not what was applied.
    let down_edited = ADD_KARMA.replace("DROP INDEX users_karma_idx;", "DROP INDEX IF EXISTS users_karma_idx;");
    let m = Migrator::new()
        .with_file("0001_create_users.sql", CREATE_USERS)
        .and_then(|m| m.with_file("0002_add_karma.sql", &down_edited))
        .expect("valid files");
    assert_eq!(m.down(&db).await?.reverted, [2]);
    Ok(())
});

both!(async fn a_recorded_migration_that_is_gone_is_an_error(db, kind) {
    migrator().up(&db).await?;
    let fewer = Migrator::new().with_file("0001_create_users.sql", CREATE_USERS).expect("valid");
    let err = fewer.up(&db).await.unwrap_err();
    assert!(matches!(&err, MigrateError::AppliedMissing { version: 2, name } if name == "add_karma"), "{err}");
    let status = fewer.status(&db).await?;
    assert_eq!(states(&status), [(1, State::Applied), (2, State::Missing), (3, State::Missing)]);
    Ok(())
});

both!(async fn a_failing_migration_rolls_back_whole_and_leaves_the_record(db, kind) {
    let broken = "-- migrate:up\nCREATE TABLE half (id INTEGER);\nINSERT INTO no_such_table VALUES (1);\n";
    let m = Migrator::new()
        .with_file("0001_create_users.sql", CREATE_USERS)
        .and_then(|m| m.with_file("0002_broken.sql", broken))
        .expect("valid files");
    let err = m.up(&db).await.unwrap_err();
    assert!(matches!(&err, MigrateError::Failed { version: 2, name, source } if name == "broken" && matches!(**source, Error::Database { .. })), "{err:?}");
    assert!(!err.is_bad_input());
    assert!(!db.has_table("half").await?, "the first statement was rolled back too");
    assert!(db.has_table("users").await?, "migration 1 committed on its own");
    assert_eq!(states(&m.status(&db).await?), [(1, State::Applied), (2, State::Pending)]);

    // A Rust migration that commits its own transaction fails likewise.
    async fn commits(s: &mut Session) -> orm::Result<()> {
        s.raw("CREATE TABLE escaped (id INTEGER)").execute().await?;
        s.commit().await
    }
    let m = Migrator::new()
        .with_file("0001_create_users.sql", CREATE_USERS)
        .expect("valid")
        .with(Migration::rust(2, "commits", commits));
    let err = m.up(&db).await.unwrap_err();
    assert!(matches!(&err, MigrateError::Failed { version: 2, source, .. } if matches!(**source, Error::InvalidState { .. })), "{err:?}");
    assert_eq!(states(&m.status(&db).await?), [(1, State::Applied), (2, State::Pending)]);

    // A failing down migration leaves its migration applied, schema and record.
    let bad_down = "-- migrate:up\nCREATE TABLE kept (id INTEGER);\n-- migrate:down\nDROP TABLE kept;\nDROP TABLE no_such_table;\n";
    let m = Migrator::new()
        .with_file("0001_create_users.sql", CREATE_USERS)
        .and_then(|m| m.with_file("0002_kept.sql", bad_down))
        .expect("valid files");
    m.up(&db).await?;
    let err = m.down(&db).await.unwrap_err();
    assert!(matches!(&err, MigrateError::Failed { version: 2, .. }), "{err:?}");
    assert!(db.has_table("kept").await?);
    assert_eq!(states(&m.status(&db).await?), [(1, State::Applied), (2, State::Applied)]);
    Ok(())
});

both!(async fn bad_input_is_a_typed_error_naming_it_and_nothing_is_applied(db, kind) {
    let err = Migrator::new().with_file("create_users.sql", CREATE_USERS).unwrap_err();
    assert!(matches!(&err, MigrateError::MissingVersion { file } if file == "create_users.sql"), "{err}");

    let err = Migrator::new().with_file("0001_users.sql", "CREATE TABLE users (id INTEGER);").unwrap_err();
    assert_eq!(err.to_string(), "malformed migration `0001_users.sql` at line 1: SQL before the first section: start the file with `-- migrate:up`");
    let err = Migrator::new().with_file("0001_users.sql", "-- migrate:up\nSELECT 1;\n-- migrate:sideways\n").unwrap_err();
    assert!(matches!(&err, MigrateError::Malformed { line: Some(3), .. }), "{err}");

    let gap = Migrator::new()
        .with_file("0001_create_users.sql", CREATE_USERS)
        .and_then(|m| m.with_file("0003_add_karma.sql", ADD_KARMA))
        .expect("valid files");
    let err = gap.up(&db).await.unwrap_err();
    assert_eq!(err.to_string(), "no migration 2: versions jump from 1 to 3");
    assert!(matches!(err, MigrateError::Gap { missing: 2, after: Some(1) }));

    let twice = migrator().with_file("0002_again.sql", ADD_KARMA).expect("valid");
    let err = twice.up(&db).await.unwrap_err();
    assert!(matches!(&err, MigrateError::DuplicateVersion { version: 2, .. }), "{err}");

    let err = migrator().up_to(&db, 7).await.unwrap_err();
    assert_eq!(err.to_string(), "there is no migration 7 (the migrations go from 1 to 3)");
    assert!(!db.has_table("users").await?, "nothing applied");

    // A down migration that does not exist: refused before anything is reverted.
    let one_way = Migrator::new()
        .with_file("0001_create_users.sql", CREATE_USERS)
        .and_then(|m| m.with_file("0002_add_karma.sql", "-- migrate:up\nALTER TABLE users ADD COLUMN karma INTEGER;\n-- migrate:down\n-- nothing\n"))
        .expect("valid files")
        .with(Migration::rust(3, "seed_and_adjust", seed_and_adjust).down(unseed));
    one_way.up(&db).await?;
    let err = one_way.down_to(&db, 0).await.unwrap_err();
    assert!(matches!(&err, MigrateError::NoDown { version: 2, name } if name == "add_karma"), "{err}");
    assert_eq!(states(&one_way.status(&db).await?), [(1, State::Applied), (2, State::Applied), (3, State::Applied)]);
    assert_eq!(one_way.down(&db).await?.reverted, [3]);

    // A URL with no database.
    let no_database = match kind {
        common::Kind::Postgres => "postgres://postgres@127.0.0.1:5432",
        common::Kind::Sqlite => "sqlite://",
    };
    let err = Database::connect(no_database).await.unwrap_err();
    assert!(matches!(&err, Error::InvalidUrl { reason, .. } if reason.starts_with("no database")), "{err}");
    Ok(())
});

/// A migration that holds its transaction (and so the lock) for a while.
async fn slow(s: &mut Session) -> orm::Result<()> {
    s.raw("CREATE TABLE runs (runner TEXT)").execute().await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    s.raw("INSERT INTO runs (runner) VALUES ($1)")
        .bind("slow")
        .execute()
        .await?;
    Ok(())
}

async fn count_run(s: &mut Session) -> orm::Result<()> {
    s.raw("INSERT INTO runs (runner) VALUES ($1)")
        .bind("count")
        .execute()
        .await?;
    Ok(())
}

both!(async fn two_runners_at_once_apply_each_migration_once(db, kind) {
    let a = Migrator::new()
        .with(Migration::rust(1, "slow", slow))
        .with(Migration::rust(2, "count", count_run));
    let b = Migrator::new()
        .with(Migration::rust(1, "slow", slow))
        .with(Migration::rust(2, "count", count_run));
    let other = db.clone();
    let (ra, rb) = tokio::join!(a.up(&db), b.up(&other));
    let (ra, rb) = (ra?, rb?);
    let mut applied: Vec<i64> = ra.applied.iter().chain(&rb.applied).copied().collect();
    applied.sort();
    assert_eq!(applied, [1, 2], "each applied once: {ra:?} {rb:?}");
    // Whether the second runner saw the migrations pending before it waited
    // (and reports them skipped) or only after (and reports nothing) depends
    // on scheduling: with SQLite's immediate transactions it waits earlier.
    // Either way it applied nothing twice.
    let mut skipped: Vec<i64> = ra.skipped.iter().chain(&rb.skipped).copied().collect();
    skipped.sort();
    assert!(skipped.iter().all(|v| [1, 2].contains(v)), "{ra:?} {rb:?}");
    let mut s = db.session();
    let runs: Vec<(String,)> = s.raw("SELECT runner FROM runs ORDER BY runner").fetch_all().await?;
    assert_eq!(runs, [("count".to_string(),), ("slow".to_string(),)]);
    Ok(())
});

both!(async fn progress_is_reported_as_each_migration_runs(db, kind) {
    let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = events.clone();
    let m = migrator().on_progress(move |p| {
        let line = match p {
            orm::migrate::Progress::Applying { version, .. } => format!("applying {version}"),
            orm::migrate::Progress::Applied { version, .. } => format!("applied {version}"),
            other => format!("{other:?}"),
        };
        seen.lock().expect("not poisoned").push(line);
    });
    m.up_to(&db, 2).await?;
    assert_eq!(*events.lock().expect("not poisoned"), ["applying 1", "applied 1", "applying 2", "applied 2"]);
    Ok(())
});
