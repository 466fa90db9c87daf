//! [`Migrator`]: a validated set of migrations and the runner that applies
//! and reverts them, each in a transaction of its own.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use orm_core::{Backend, Database, Error, Session, SessionState};

use crate::error::{MigrateError, Result};
use crate::migration::{Migration, Step};
use crate::record::{self, Record, DEFAULT_TABLE};
use crate::source;
use crate::status::{MigrationStatus, Progress, Report, State};

type ProgressFn = Arc<dyn Fn(&Progress<'_>) + Send + Sync>;

/// How long a runner waits for another's lock by default (SQLite; on
/// PostgreSQL the advisory lock is waited for as long as it takes).
pub const DEFAULT_LOCK_WAIT: Duration = Duration::from_secs(300);

/// Versioned migrations and the runner that applies them.
///
/// ```no_run
/// # use orm_core::{Backend, Database, Result, Session};
/// # use orm_migrate::Migrator;
/// async fn backfill<B: Backend>(s: &mut Session<B>) -> Result<()> {
///     s.raw("UPDATE users SET karma = 1").execute().await?;
///     Ok(())
/// }
///
/// # async fn f<B: Backend>(db: &Database<B>) -> Result<(), Box<dyn std::error::Error>> {
/// let migrator = Migrator::from_dir("migrations")?
///     .with(orm_migrate::Migration::rust(3, "backfill", backfill::<B>));
/// let report = migrator.up(db).await?;
/// println!("applied {:?}", report.applied);
/// # Ok(()) }
/// ```
///
/// Versions run 1, 2, 3, ... with no gap; each migration runs in its own
/// transaction, together with the row that records it, so a failing
/// migration leaves both the schema and the record as they were. Before
/// anything runs, the set is checked (duplicates, gaps, unknown target) and
/// so is the record (changed checksums, applied migrations that are gone):
/// any problem is an error and nothing is applied. Runners on the same
/// database take turns: each migration's transaction first takes the
/// migrations lock, then re-reads the record, so a migration another runner
/// applied meanwhile is skipped, never applied twice.
pub struct Migrator<B: Backend> {
    pub(crate) migrations: Vec<Migration<B>>,
    pub(crate) table: String,
    pub(crate) lock_wait: Duration,
    progress: Option<ProgressFn>,
}

impl<B: Backend> Default for Migrator<B> {
    fn default() -> Self {
        Migrator {
            migrations: Vec::new(),
            table: DEFAULT_TABLE.to_string(),
            lock_wait: DEFAULT_LOCK_WAIT,
            progress: None,
        }
    }
}

impl<B: Backend> std::fmt::Debug for Migrator<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migrator")
            .field("migrations", &self.migrations)
            .field("table", &self.table)
            .finish()
    }
}

impl<B: Backend> Migrator<B> {
    /// No migrations yet; the record in `orm_migrations`.
    pub fn new() -> Self {
        Self::default()
    }

    /// The `.sql` migrations of directory `dir` (see [`crate::source`]).
    pub fn from_dir(dir: impl AsRef<Path>) -> Result<Self> {
        Self::new().with_dir(dir)
    }

    /// Adds the `.sql` migrations of directory `dir`.
    pub fn with_dir(mut self, dir: impl AsRef<Path>) -> Result<Self> {
        self.migrations.extend(source::read_dir(dir.as_ref())?);
        Ok(self)
    }

    /// Adds one migration.
    pub fn with(mut self, migration: Migration<B>) -> Self {
        self.migrations.push(migration);
        self
    }

    /// Adds a `.sql` migration from its file name and contents, as
    /// `include_str!` gives them.
    pub fn with_file(self, file: &str, contents: &str) -> Result<Self> {
        Ok(self.with(source::parse_file(file, contents)?))
    }

    /// Records applied migrations in `table` rather than `orm_migrations`.
    pub fn table(mut self, table: &str) -> Self {
        self.table = table.to_string();
        self
    }

    /// How long to wait for another runner's lock on SQLite before failing
    /// ([`DEFAULT_LOCK_WAIT`] unless set).
    pub fn lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// Calls `report` as each migration starts and ends.
    pub fn on_progress(mut self, report: impl Fn(&Progress<'_>) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(report));
        self
    }

    /// The migrations, by version.
    pub fn migrations(&self) -> Vec<&Migration<B>> {
        let mut all: Vec<&Migration<B>> = self.migrations.iter().collect();
        all.sort_by_key(|m| m.version);
        all
    }

    /// The name of the migrations table.
    pub fn table_name(&self) -> &str {
        &self.table
    }

    /// The highest version (0 with no migrations).
    pub fn last_version(&self) -> i64 {
        self.migrations.iter().map(|m| m.version).max().unwrap_or(0)
    }

    /// Checks the set: versions 1, 2, 3, ... each once.
    pub fn validate(&self) -> Result<()> {
        let all = self.migrations();
        for pair in all.windows(2) {
            if pair[0].version == pair[1].version {
                return Err(MigrateError::DuplicateVersion {
                    version: pair[0].version,
                    first: pair[0].origin.clone(),
                    second: pair[1].origin.clone(),
                });
            }
        }
        for (expected, m) in (1..).zip(&all) {
            if m.version != expected {
                return Err(MigrateError::Gap {
                    missing: expected,
                    after: (expected > 1).then_some(expected - 1),
                });
            }
        }
        Ok(())
    }

    pub(crate) fn find(&self, version: i64) -> Option<&Migration<B>> {
        self.migrations.iter().find(|m| m.version == version)
    }

    /// Checks the record against the migrations.
    pub(crate) fn verify(&self, records: &[Record]) -> Result<()> {
        for r in records {
            let Some(m) = self.find(r.version) else {
                return Err(MigrateError::AppliedMissing {
                    version: r.version,
                    name: r.name.clone(),
                });
            };
            if m.checksum != r.checksum {
                return Err(MigrateError::ChecksumMismatch {
                    version: m.version,
                    name: m.name.clone(),
                    recorded: r.checksum.clone(),
                    current: m.checksum.clone(),
                });
            }
        }
        if let Some(last) = records.last() {
            if let Some(m) = self.migrations().into_iter().find(|m| {
                m.version < last.version && !records.iter().any(|r| r.version == m.version)
            }) {
                return Err(MigrateError::OutOfOrder {
                    version: m.version,
                    name: m.name.clone(),
                    applied: last.version,
                });
            }
        }
        Ok(())
    }

    pub(crate) fn check_target(&self, version: i64, allow_zero: bool) -> Result<()> {
        let last = self.last_version();
        if (version == 0 && allow_zero) || (1..=last).contains(&version) {
            Ok(())
        } else {
            Err(MigrateError::UnknownVersion { version, last })
        }
    }

    pub(crate) async fn records(&self, db: &Database<B>) -> Result<Vec<Record>> {
        let table = self.table.as_str();
        db.transaction(async |s| record::read(s, table).await).await
    }

    pub(crate) fn report(&self, event: Progress<'_>) {
        if let Some(progress) = &self.progress {
            progress(&event);
        }
    }

    /// Every migration and where it stands, then any recorded migration
    /// that is gone. Changes nothing.
    pub async fn status(&self, db: &Database<B>) -> Result<Vec<MigrationStatus>> {
        self.validate()?;
        let records = self.records(db).await?;
        let mut out: Vec<MigrationStatus> = self
            .migrations()
            .into_iter()
            .map(|m| {
                let record = records.iter().find(|r| r.version == m.version);
                MigrationStatus {
                    version: m.version,
                    name: m.name.clone(),
                    state: match record {
                        None => State::Pending,
                        Some(r) if r.checksum == m.checksum => State::Applied,
                        Some(_) => State::Changed,
                    },
                    applied_at: record.map(|r| r.applied_at.clone()),
                    kind: Some(m.kind()),
                    reversible: m.is_reversible(),
                }
            })
            .collect();
        for r in records.iter().filter(|r| self.find(r.version).is_none()) {
            out.push(MigrationStatus {
                version: r.version,
                name: r.name.clone(),
                state: State::Missing,
                applied_at: Some(r.applied_at.clone()),
                kind: None,
                reversible: false,
            });
        }
        Ok(out)
    }

    /// Applies every pending migration, in order.
    pub async fn up(&self, db: &Database<B>) -> Result<Report> {
        self.up_until(db, None).await
    }

    /// Applies the pending migrations up to and including `version`.
    pub async fn up_to(&self, db: &Database<B>, version: i64) -> Result<Report> {
        self.up_until(db, Some(version)).await
    }

    async fn up_until(&self, db: &Database<B>, target: Option<i64>) -> Result<Report> {
        self.validate()?;
        let target = target.unwrap_or_else(|| self.last_version());
        if target != 0 || self.last_version() != 0 {
            self.check_target(target, false)?;
        }
        record::ensure(db, &self.table, self.lock_wait).await?;
        let records = self.records(db).await?;
        self.verify(&records)?;
        let mut report = Report::default();
        for m in self.migrations() {
            if m.version > target || records.iter().any(|r| r.version == m.version) {
                continue;
            }
            if self.apply(db, m).await? {
                report.applied.push(m.version);
            } else {
                report.skipped.push(m.version);
            }
        }
        Ok(report)
    }

    /// Runs `m` up and records it, in one transaction that holds the lock.
    /// False when another runner applied it first.
    async fn apply(&self, db: &Database<B>, m: &Migration<B>) -> Result<bool> {
        let mut s = record::begin_locked(db, &self.table, self.lock_wait, true).await?;
        let records = match record::read(&mut s, &self.table).await {
            Ok(records) => records,
            Err(e) => return rolled_back(s, Err(e)).await,
        };
        if let Err(e) = self.verify(&records) {
            return rolled_back(s, Err(e)).await;
        }
        if records.iter().any(|r| r.version == m.version) {
            self.report(Progress::Skipped {
                version: m.version,
                name: &m.name,
            });
            return rolled_back(s, Ok(false)).await;
        }
        self.report(Progress::Applying {
            version: m.version,
            name: &m.name,
        });
        let started = Instant::now();
        let mut result = run(&m.up, &mut s).await;
        if result.is_ok() {
            result = record::insert(&mut s, &self.table, m).await;
        }
        commit_or_fail(s, m, result).await?;
        self.report(Progress::Applied {
            version: m.version,
            name: &m.name,
            elapsed: started.elapsed(),
        });
        Ok(true)
    }
}

/// Rolls `s` back and returns `result`.
/// Ends a migration's transaction: commits when its steps succeeded, rolls
/// back whole otherwise and names the migration in the error. Shared by
/// applying and reverting, so both leave the record exactly as it was on
/// failure.
pub(crate) async fn commit_or_fail<B: Backend>(
    mut s: Session<B>,
    m: &Migration<B>,
    mut result: orm_core::Result<()>,
) -> Result<()> {
    if result.is_ok() {
        result = s.commit().await;
    }
    if let Err(source) = result {
        let _ = s.rollback().await;
        return Err(MigrateError::Failed {
            version: m.version,
            name: m.name.clone(),
            source: Box::new(source),
        });
    }
    Ok(())
}

pub(crate) async fn rolled_back<B: Backend, T>(mut s: Session<B>, result: Result<T>) -> Result<T> {
    let rollback = s.rollback().await;
    let value = result?;
    rollback?;
    Ok(value)
}

/// Runs one step in the session; the transaction must still be open after.
pub(crate) async fn run<B: Backend>(step: &Step<B>, s: &mut Session<B>) -> orm_core::Result<()> {
    match step {
        Step::Sql(sql) => s.batch(sql).await?,
        Step::Rust(f) => f.run(s).await?,
    }
    match s.state() {
        SessionState::Active => Ok(()),
        state => Err(Error::InvalidState {
            state,
            operation: "finish a migration",
            hint: "a migration runs in its session's transaction: it must not commit, roll back \
                   or close it, nor leave a failed statement behind",
        }),
    }
}
