//! The migrate commands.

use std::time::Duration;

use orm::migrate::{diff, source, Migration, Migrator, Progress, Report, State};
use orm::{Database, TableMeta};

use crate::args::{Common, Migrate};
use crate::console::{seconds, Console, Running};
use crate::exit::{Failure, BAD_INPUT, CHECK_FAILED, DATABASE, OK, USAGE};

/// What the application adds to the migrations directory.
#[derive(Default)]
pub(crate) struct App {
    pub migrations: Vec<Migration>,
    pub models: Vec<&'static TableMeta>,
}

/// Runs one `orm migrate` command; the exit code on success.
pub(crate) async fn run(command: &Migrate, app: &App, console: &Console) -> Result<u8, Failure> {
    match command {
        Migrate::New { name, common } => new(name, common, app, console),
        Migrate::Up { to, common } => {
            let (db, migrator) = open(common, app, console).await?;
            let report = with_ticker(common, console, async |running| {
                let m = migrator.on_progress(progress(console.clone(), running));
                match to {
                    Some(v) => m.up_to(&db, *v).await,
                    None => m.up(&db).await,
                }
            })
            .await;
            db.close().await;
            summary(console, &report?, "applied");
            Ok(OK)
        }
        Migrate::Down { to, all, common } => {
            let (db, migrator) = open(common, app, console).await?;
            let report = with_ticker(common, console, async |running| {
                let m = migrator.on_progress(progress(console.clone(), running));
                match (to, all) {
                    (_, true) => m.down_to(&db, 0).await,
                    (Some(v), false) => m.down_to(&db, *v).await,
                    (None, false) => m.down(&db).await,
                }
            })
            .await;
            db.close().await;
            summary(console, &report?, "reverted");
            Ok(OK)
        }
        Migrate::Status { check, common } => {
            let (db, migrator) = open(common, app, console).await?;
            let status = migrator.status(&db).await;
            db.close().await;
            let status = status?;
            console.say(&format!(
                "{:>7}  {:<32} {:<8} {:<5} applied at",
                "version", "name", "state", "kind"
            ));
            for m in &status {
                console.say(&format!(
                    "{:>7}  {:<32} {:<8} {:<5} {}",
                    m.version,
                    m.name,
                    m.state.label(),
                    m.kind.unwrap_or("-"),
                    m.applied_at.as_deref().unwrap_or("-")
                ));
            }
            let pending = status.iter().filter(|m| m.state == State::Pending).count();
            if let Some(bad) = status.iter().find(|m| m.state.is_problem()) {
                return Err(problem(bad));
            }
            console.progress(&format!("{pending} pending"));
            Ok(if *check && pending > 0 {
                CHECK_FAILED
            } else {
                OK
            })
        }
        Migrate::Diff {
            name,
            check,
            common,
        } => diff_command(name, *check, common, app, console).await,
    }
}

/// The error for a migration that is changed or missing.
fn problem(bad: &orm::migrate::MigrationStatus) -> Failure {
    Failure::new(
        BAD_INPUT,
        match bad.state {
            State::Changed => format!(
                "migration {} ({}) has changed since it was applied: restore it, and put the \
                 change in a new migration",
                bad.version, bad.name
            ),
            _ => format!(
                "migration {} ({}) is applied in the database but is not among the migrations",
                bad.version, bad.name
            ),
        },
    )
}

/// Connects and reads the migrations.
async fn open(
    common: &Common,
    app: &App,
    console: &Console,
) -> Result<(Database, Migrator), Failure> {
    let migrator = migrator(common, app)?;
    migrator.validate()?;
    let db = connect(common).await?;
    console.progress(&format!("{} at {}", db.backend_name(), redacted(common)));
    Ok((db, migrator))
}

fn redacted(common: &Common) -> String {
    common
        .database_url
        .as_deref()
        .map(orm::error::redact_url)
        .unwrap_or_default()
}

/// The directory's migrations and the application's.
fn migrator(common: &Common, app: &App) -> Result<Migrator, Failure> {
    let base = if common.dir.is_dir() || app.migrations.is_empty() {
        Migrator::from_dir(&common.dir).map_err(|e| match e {
            orm::migrate::MigrateError::Io { .. } if !common.dir.exists() => Failure::new(
                BAD_INPUT,
                format!(
                    "no migrations directory `{}`: create the first migration with \
                     `orm migrate new <name>`, or point --dir (ORM_MIGRATIONS_DIR) at it",
                    common.dir.display()
                ),
            ),
            other => other.into(),
        })?
    } else {
        Migrator::new()
    };
    let mut migrator = base.table(&common.table);
    for m in &app.migrations {
        migrator = migrator.with(m.clone());
    }
    Ok(migrator)
}

/// Opens the database `DATABASE_URL` names.
async fn connect(common: &Common) -> Result<Database, Failure> {
    let Some(url) = common.database_url.as_deref().filter(|u| !u.is_empty()) else {
        return Err(Failure::new(
            DATABASE,
            "DATABASE_URL is not set: export DATABASE_URL=postgres://user@host/db (or \
             sqlite://app.db), or pass --database-url",
        ));
    };
    Database::connect(url).await.map_err(Failure::from)
}

/// Reports each migration as it runs.
fn progress(console: Console, running: Running) -> impl Fn(&Progress<'_>) + Send + Sync + 'static {
    move |p| match *p {
        Progress::Applying { version, name } => {
            console.progress(&format!("applying {version:04} {name} ..."));
            running.start(format!("applying {version:04} {name}"));
        }
        Progress::Applied {
            version,
            name,
            elapsed,
        } => {
            running.stop();
            console.progress(&format!(
                "applied {version:04} {name} in {}",
                seconds(elapsed)
            ));
        }
        Progress::Reverting { version, name } => {
            console.progress(&format!("reverting {version:04} {name} ..."));
            running.start(format!("reverting {version:04} {name}"));
        }
        Progress::Reverted {
            version,
            name,
            elapsed,
        } => {
            running.stop();
            console.progress(&format!(
                "reverted {version:04} {name} in {}",
                seconds(elapsed)
            ));
        }
        Progress::Skipped { version, name } => {
            console.progress(&format!(
                "skipped {version:04} {name}: another runner got there first"
            ));
        }
        _ => {}
    }
}

/// Runs `work`, printing a "still ..." line every `--progress-every`
/// seconds while a migration runs.
async fn with_ticker<T>(
    common: &Common,
    console: &Console,
    work: impl AsyncFnOnce(Running) -> T,
) -> T {
    let running = Running::default();
    let every = Duration::from_secs(common.progress_every.max(1));
    let ticker = {
        let (running, console) = (running.clone(), console.clone());
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(every);
            interval.tick().await;
            loop {
                interval.tick().await;
                if let Some((what, elapsed)) = running.current() {
                    console.progress(&format!("  still {what} ({})", seconds(elapsed)));
                }
            }
        })
    };
    let result = work(running).await;
    ticker.abort();
    result
}

fn summary(console: &Console, report: &Report, verb: &str) {
    let done = if verb == "applied" {
        &report.applied
    } else {
        &report.reverted
    };
    match done.len() {
        0 => console.say(&format!("nothing {verb}: the database is up to date")),
        1 => console.say(&format!("{verb} 1 migration")),
        n => console.say(&format!("{verb} {n} migrations")),
    }
}

/// `orm migrate new <name>`.
fn new(name: &str, common: &Common, app: &App, console: &Console) -> Result<u8, Failure> {
    let existing = if common.dir.is_dir() {
        Migrator::from_dir(&common.dir)?
    } else {
        Migrator::new()
    };
    let last = app
        .migrations
        .iter()
        .map(Migration::version)
        .chain(std::iter::once(existing.last_version()))
        .max()
        .unwrap_or(0);
    let path = source::write_file(
        &common.dir,
        last + 1,
        name,
        "Write the migration's SQL under `-- migrate:up`, and what undoes it under\n\
         `-- migrate:down` (leave that empty if it cannot be undone).",
        "",
        "",
    )?;
    console.say(&format!("created {}", path.display()));
    Ok(OK)
}

/// `orm migrate diff [<name>]`.
async fn diff_command(
    name: &str,
    check: bool,
    common: &Common,
    app: &App,
    console: &Console,
) -> Result<u8, Failure> {
    if app.models.is_empty() {
        return Err(Failure::new(
            USAGE,
            "this `orm` knows no models, so it cannot compare them with the database: build \
             your own command line with orm_cli::Cli::new().models(&[User::table(), ...]) \
             (see the migrations chapter of the guide)",
        ));
    }
    let (db, migrator) = open(common, app, console).await?;
    let result = async {
        let status = migrator.status(&db).await?;
        if let Some(bad) = status.iter().find(|m| m.state.is_problem()) {
            return Err(problem(bad));
        }
        if let Some(first) = status.iter().find(|m| m.state == State::Pending) {
            return Err(Failure::new(
                BAD_INPUT,
                format!(
                    "migration {} is not applied: apply the pending migrations first \
                     (orm migrate up), so the database shows what they do",
                    first.version
                ),
            ));
        }
        diff::diff(&db, &app.models, &[&common.table])
            .await
            .map_err(|e| Failure::new(DATABASE, e.to_string()))
    }
    .await;
    let backend = db.backend_name();
    db.close().await;
    let d = result?;
    if d.is_empty() {
        console.say("no differences: the database matches the models");
        return Ok(OK);
    }
    for change in d.changes() {
        console.progress(&format!("  {change}"));
    }
    if check {
        console.say(&format!("{} difference(s)", d.changes().len()));
        return Ok(CHECK_FAILED);
    }
    let path = source::write_file(
        &common.dir,
        migrator.last_version() + 1,
        name,
        &format!(
            "Written by `orm migrate diff` against {backend}: review it before applying.\n\
             Renames are not guessed: a renamed column or table shows as a drop and an add."
        ),
        &d.to_sql(),
        "-- Write what undoes the above here; with no statement, it cannot be reverted.",
    )?;
    console.say(&format!(
        "created {} ({} change(s))",
        path.display(),
        d.changes().len()
    ));
    Ok(OK)
}
