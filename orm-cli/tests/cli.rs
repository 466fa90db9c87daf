//! The `orm` command line on both backends: the commands, what they print,
//! and the exit codes scripts rely on, for good input and for each kind of
//! bad input.

mod common;

use std::panic::AssertUnwindSafe;

use common::{code, text, Env, Kind};
use futures_util::FutureExt;
use orm::migrate::Migration;
use orm::prelude::*;
use orm_cli::{exit, Cli, Console};

async fn run<F>(kind: Kind, name: &str, body: F)
where
    F: AsyncFnOnce(&Env),
{
    let env = Env::new(kind, name).await;
    let outcome = AssertUnwindSafe(body(&env)).catch_unwind().await;
    env.cleanup().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

macro_rules! both {
    (async fn $name:ident($env:ident) $body:block) => {
        mod $name {
            use super::*;

            async fn body($env: &Env) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                run(Kind::Postgres, stringify!($name), body).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run(Kind::Sqlite, stringify!($name), body).await
            }
        }
    };
}

const USERS: &str = "-- migrate:up\nCREATE TABLE users (id BIGINT PRIMARY KEY, name TEXT NOT NULL);\n\n-- migrate:down\nDROP TABLE users;\n";
const KARMA: &str = "-- migrate:up\nALTER TABLE users ADD COLUMN karma INTEGER NOT NULL DEFAULT 0;\n-- migrate:down\nALTER TABLE users DROP COLUMN karma;\n";

both!(async fn new_up_status_down_round_trip(env) {
    let out = env.orm(&["migrate", "new", "create users"]);
    assert_eq!(code(&out), 0, "{out:?}");
    assert_eq!(text(&out).0, "created migrations/0001_create_users.sql\n");
    env.write("0001_create_users.sql", USERS);
    env.write("0002_add_karma.sql", KARMA);

    let out = env.orm(&["migrate", "status", "--check"]);
    assert_eq!(code(&out), exit::CHECK_FAILED as i32, "{out:?}");
    let (stdout, _) = text(&out);
    assert!(stdout.contains("      1  create_users                     pending  sql   -\n"), "{stdout}");

    let out = env.orm(&["migrate", "up", "--to", "1"]);
    assert_eq!(code(&out), 0, "{out:?}");
    let (stdout, stderr) = text(&out);
    assert_eq!(stdout, "applied 1 migration\n");
    assert!(stderr.contains("applying 0001 create_users ...\napplied 0001 create_users in "), "{stderr}");

    let out = env.orm(&["migrate", "up"]);
    assert_eq!((code(&out), text(&out).0.as_str()), (0, "applied 1 migration\n"));
    let out = env.orm(&["migrate", "up", "--quiet"]);
    assert_eq!((code(&out), text(&out)), (0, (String::new(), String::new())));

    let out = env.orm(&["migrate", "status", "--check"]);
    assert_eq!(code(&out), 0, "{out:?}");
    let stdout = text(&out).0;
    assert!(stdout.starts_with("version  name                             state    kind  applied at\n"), "{stdout}");
    assert!(stdout.contains("      2  add_karma                        applied  sql   20"), "{stdout}");

    let out = env.orm(&["migrate", "down"]);
    assert_eq!((code(&out), text(&out).0.as_str()), (0, "reverted 1 migration\n"));
    let out = env.orm(&["migrate", "down", "--all"]);
    assert_eq!((code(&out), text(&out).0.as_str()), (0, "reverted 1 migration\n"));
    let out = env.orm(&["migrate", "down"]);
    assert_eq!((code(&out), text(&out).0.as_str()), (0, "nothing reverted: the database is up to date\n"));
    assert!(!env.db().await.has_table("users").await.expect("inspect"));
});

both!(async fn bad_input_exits_3_and_applies_nothing(env) {
    env.write("0001_create_users.sql", USERS);
    env.write("0003_add_karma.sql", KARMA);
    let out = env.orm(&["migrate", "up"]);
    assert_eq!(code(&out), exit::BAD_INPUT as i32);
    assert_eq!(text(&out).1, "error: no migration 2: versions jump from 1 to 3\n");

    std::fs::remove_file(env.migrations().join("0003_add_karma.sql")).expect("remove");
    env.write("add_karma.sql", KARMA);
    let out = env.orm(&["migrate", "up"]);
    assert_eq!(code(&out), exit::BAD_INPUT as i32);
    assert!(text(&out).1.contains("migration file `add_karma.sql` has no version"), "{out:?}");

    std::fs::remove_file(env.migrations().join("add_karma.sql")).expect("remove");
    env.write("0002_add_karma.sql", "ALTER TABLE users ADD COLUMN karma INTEGER;\n");
    let out = env.orm(&["migrate", "up"]);
    assert_eq!(code(&out), exit::BAD_INPUT as i32);
    assert_eq!(text(&out).1, "error: malformed migration `0002_add_karma.sql` at line 1: SQL before the first section: start the file with `-- migrate:up`\n");
    assert!(!env.db().await.has_table("users").await.expect("inspect"), "nothing applied");

    env.write("0002_add_karma.sql", "-- migrate:up\nALTER TABLE users ADD COLUMN karma INTEGER;\n");
    assert_eq!(code(&env.orm(&["migrate", "up"])), 0);
    let out = env.orm(&["migrate", "down", "--to", "0"]);
    assert_eq!(code(&out), exit::BAD_INPUT as i32);
    assert_eq!(text(&out).1.lines().last(), Some("error: migration 2 (add_karma) cannot be reverted: it has no down migration"));
    let out = env.orm(&["migrate", "up", "--to", "9"]);
    assert_eq!(code(&out), exit::BAD_INPUT as i32);

    env.write("0001_create_users.sql", &USERS.replace("NOT NULL", "NULL"));
    for command in ["up", "down", "status"] {
        let out = env.orm(&["migrate", command]);
        assert_eq!(code(&out), exit::BAD_INPUT as i32, "{command}: {out:?}");
        assert!(text(&out).1.contains("migration 1 (create_users) has changed since it was applied"), "{out:?}");
    }
});

both!(async fn a_failing_migration_exits_1_and_is_rolled_back(env) {
    env.write("0001_create_users.sql", USERS);
    env.write("0002_broken.sql", "-- migrate:up\nCREATE TABLE half (id INTEGER);\nSELECT * FROM missing_table;\n");
    let out = env.orm(&["migrate", "up"]);
    assert_eq!(code(&out), exit::MIGRATION_FAILED as i32, "{out:?}");
    let stderr = text(&out).1;
    assert!(stderr.contains("error: migration 2 (broken) failed and was rolled back: "), "{stderr}");
    let db = env.db().await;
    assert!(db.has_table("users").await.expect("inspect"));
    assert!(!db.has_table("half").await.expect("inspect"));
    let out = env.orm(&["migrate", "status"]);
    assert!(text(&out).0.contains("      2  broken                           pending"), "{out:?}");
});

both!(async fn database_trouble_exits_4(env) {
    env.write("0001_create_users.sql", USERS);
    let bare = |url: Option<&str>| {
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_orm"));
        c.args(["migrate", "up"]).current_dir(&env.dir).env_remove("DATABASE_URL");
        if let Some(url) = url {
            c.env("DATABASE_URL", url);
        }
        c.output().expect("run orm")
    };
    let out = bare(None);
    assert_eq!(code(&out), exit::DATABASE as i32);
    assert!(text(&out).1.starts_with("error: DATABASE_URL is not set"), "{out:?}");
    let no_database = match env.kind {
        Kind::Postgres => "postgres://postgres:secret@127.0.0.1:5432",
        Kind::Sqlite => "sqlite://",
    };
    let out = bare(Some(no_database));
    assert_eq!(code(&out), exit::DATABASE as i32);
    let stderr = text(&out).1;
    assert!(stderr.contains("no database"), "{stderr}");
    assert!(!stderr.contains("secret"), "{stderr}");
    let out = env.orm(&["migrate", "sideways"]);
    assert_eq!(code(&out), exit::USAGE as i32);
});

mod models {
    use orm::prelude::*;

    #[derive(Table)]
    #[table(name = "users")]
    pub(crate) struct User {
        #[column(primary_key)]
        pub(crate) id: i64,
        pub(crate) name: String,
        #[column(default = 0, index)]
        pub(crate) karma: i32,
    }
}

async fn seed(s: &mut Session) -> orm::Result<()> {
    s.raw("INSERT INTO users (id, name) VALUES ($1, $2)")
        .bind(1i64)
        .bind("ann")
        .execute()
        .await?;
    Ok(())
}

both!(async fn an_application_cli_diffs_its_models_and_runs_rust_migrations(env) {
    env.write("0001_create_users.sql", USERS);
    let cli = Cli::new()
        .models(&[models::User::table()])
        .migration(Migration::rust(2, "seed", seed));
    let dir = env.migrations().display().to_string();
    let args = |extra: &[&str]| {
        let mut a = vec!["orm", "migrate"];
        a.extend_from_slice(extra);
        a.extend_from_slice(&["--dir", &dir, "--database-url", &env.url]);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let (console, _, err) = Console::captured();
    assert_eq!(cli.run_with(args(&["diff"]), &console).await, exit::BAD_INPUT);
    assert!(err.text().contains("error: migration 1 is not applied: apply the pending migrations first"), "{}", err.text());

    let (console, out, _) = Console::captured();
    assert_eq!(cli.run_with(args(&["up"]), &console).await, exit::OK);
    assert_eq!(out.text(), "applied 2 migrations\n");

    let (console, out, _) = Console::captured();
    assert_eq!(cli.run_with(args(&["diff", "--check"]), &console).await, exit::CHECK_FAILED);
    assert_eq!(out.text(), "2 difference(s)\n");
    assert!(!env.migrations().join("0003_add_karma.sql").exists());

    let (console, out, err) = Console::captured();
    assert_eq!(cli.run_with(args(&["diff", "add karma"]), &console).await, exit::OK);
    let path = env.migrations().join("0003_add_karma.sql");
    assert_eq!(out.text(), format!("created {} (2 change(s))\n", path.display()));
    assert!(err.text().contains("  add column users.karma\n  create index users_karma_idx on users\n"), "{}", err.text());
    let written = std::fs::read_to_string(&path).expect("written");
    let expected = format!(
        "-- Written by `orm migrate diff` against {}: review it before applying.\n\
         -- Renames are not guessed: a renamed column or table shows as a drop and an add.\n\
         -- migrate:up\n\
         -- add column users.karma\n\
         ALTER TABLE \"users\" ADD COLUMN \"karma\" INTEGER NOT NULL DEFAULT 0;\n\n\
         -- create index users_karma_idx on users\n\
         CREATE INDEX \"users_karma_idx\" ON \"users\" (\"karma\");\n\n\
         -- migrate:down\n\
         -- Write what undoes the above here; with no statement, it cannot be reverted.\n",
        if env.kind == Kind::Postgres { "postgresql" } else { "sqlite" }
    );
    assert_eq!(written, expected);

    let (console, out, _) = Console::captured();
    assert_eq!(cli.run_with(args(&["up"]), &console).await, exit::OK);
    assert_eq!(out.text(), "applied 1 migration\n");
    let (console, out, _) = Console::captured();
    assert_eq!(cli.run_with(args(&["diff", "--check"]), &console).await, exit::OK);
    assert_eq!(out.text(), "no differences: the database matches the models\n");
    let mut s = env.db().await.session();
    let rows: Vec<(i64, String, i32)> = s.raw("SELECT id, name, karma FROM users").fetch_all().await.expect("query");
    assert_eq!(rows, [(1, "ann".to_string(), 0)]);
});

async fn slow(s: &mut Session) -> orm::Result<()> {
    tokio::time::sleep(std::time::Duration::from_millis(2300)).await;
    s.raw("SELECT 1").execute().await?;
    Ok(())
}

both!(async fn a_long_migration_reports_that_it_is_still_running(env) {
    let cli = Cli::new().migration(Migration::rust(1, "slow", slow));
    let dir = env.migrations().display().to_string();
    let (console, _, err) = Console::captured();
    let args = ["orm", "migrate", "up", "--progress-every", "1", "--dir", &dir, "--database-url", &env.url];
    assert_eq!(cli.run_with(args, &console).await, exit::OK);
    let stderr = err.text();
    // What is reported, not when: the elapsed times depend on the machine.
    assert!(stderr.lines().any(|l| l == "applying 0001 slow ..."), "{stderr}");
    assert!(stderr.contains("\n  still applying 0001 slow ("), "{stderr}");
    assert!(stderr.contains("\napplied 0001 slow in "), "{stderr}");
});
