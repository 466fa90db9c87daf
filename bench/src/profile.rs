//! `orm-bench profile`: one contender, one workload, no interleaving, for a
//! profiler. Setup runs outside `measured`, so a profiler can count only
//! the operations:
//!
//! ```text
//! valgrind --tool=callgrind --toggle-collect='*::profile::measured' \
//!     bench/target/release/orm-bench profile pg orm pk_lookup 3
//! ```

use std::time::Instant;

use anyhow::{bail, Context as _, Result};
use tokio::runtime::Runtime;

use crate::contenders::{diesel_pg, orm as orm_contender, pg_raw, seaorm, sqlite, sqlx_pg};
use crate::data::Workload;
use crate::fixtures;
use crate::harness::{Contender, Fixture};

/// Runs `ops` operations of `workload` on `contender`: the part a profiler
/// counts.
#[inline(never)]
fn measured(
    runtime: &Runtime,
    contender: &mut dyn Contender,
    workload: Workload,
    ops: usize,
) -> Result<()> {
    runtime.block_on(async {
        for i in 0..ops {
            let n = contender.run(workload, 1_000_000 + i).await?;
            anyhow::ensure!(
                n == workload.expected(),
                "{} returned {n}",
                contender.name()
            );
        }
        Ok(())
    })
}

/// `profile <pg|sqlite> <contender> <workload substring> <ops> [url]`
pub fn main(runtime: &Runtime, mut args: impl Iterator<Item = String>) -> Result<()> {
    let backend = args.next().context("backend: pg or sqlite")?;
    let who = args
        .next()
        .context("contender: raw, rawmulti, orm, deadpool, sqlx, seaorm, diesel (pg); raw, orm, ormr, orm1, sqlx, seaorm (sqlite)")?;
    let what = args.next().context("workload name (a substring)")?;
    let ops: usize = args.next().context("number of operations")?.parse()?;
    let (workload, _) = crate::workloads()
        .into_iter()
        .find(|(w, _)| w.name().contains(&what))
        .with_context(|| format!("no workload named like {what}"))?;
    let max_insert = 10_000;
    let (mut fixture, mut contender): (Box<dyn Fixture>, Box<dyn Contender>) = match backend
        .as_str()
    {
        "pg" => {
            let url = args.next().unwrap_or_else(|| {
                std::env::var("ORM_BENCH_PG_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/orm_bench".to_string())
            });
            runtime.block_on(async {
                crate::ensure_database(&url).await?;
                let fixture = fixtures::PgFixture {
                    client: pg_raw::connect(&url).await?,
                    pinning: None,
                };
                fixture.create_schema().await?;
                let contender: Box<dyn Contender> = match who.as_str() {
                    "raw" => Box::new(
                        pg_raw::RawPg::connect(&url, max_insert, &[100, 10_000], false).await?,
                    ),
                    "rawmulti" => Box::new(
                        pg_raw::RawPg::connect(&url, max_insert, &[100, 10_000], true).await?,
                    ),
                    "orm" => Box::new(orm_contender::Orm::connect("orm", &url, max_insert).await?),
                    "deadpool" => Box::new(pg_raw::Deadpool::connect(&url, max_insert).await?),
                    "sqlx" => Box::new(sqlx_pg::SqlxPg::connect(&url, max_insert).await?),
                    "seaorm" => {
                        Box::new(seaorm::SeaOrm::connect("SeaORM", &url, max_insert).await?)
                    }
                    "diesel" => Box::new(diesel_pg::DieselPg::connect(&url, max_insert).await?),
                    other => bail!("no PostgreSQL contender {other}"),
                };
                Ok::<_, anyhow::Error>((Box::new(fixture) as Box<dyn Fixture>, contender))
            })?
        }
        "sqlite" => {
            let dir =
                std::env::temp_dir().join(format!("orm-bench-profile-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            let path = dir.join("bench.db");
            let url = format!("sqlite://{}", path.display());
            let fixture = fixtures::SqliteFixture::open(&path)?;
            let contender: Box<dyn Contender> = runtime.block_on(async {
                Ok::<_, anyhow::Error>(match who.as_str() {
                    "raw" => {
                        Box::new(sqlite::Rusqlite::open(&path, max_insert)?) as Box<dyn Contender>
                    }
                    "orm" => Box::new(orm_contender::Orm::connect("orm", &url, max_insert).await?),
                    // The rusqlite executor, and the sqlx one on a single
                    // connection (so that no second one is opened mid-run).
                    "ormr" => Box::new(
                        orm_contender::Orm::connect(
                            crate::report::ORM_RUSQLITE,
                            &format!("{url}?executor=rusqlite"),
                            max_insert,
                        )
                        .await?,
                    ),
                    "orm1" => Box::new(
                        orm_contender::Orm::connect(
                            "orm",
                            &format!("{url}?max_connections=1"),
                            max_insert,
                        )
                        .await?,
                    ),
                    "sqlx" => Box::new(sqlite::SqlxSqlite::connect(&url, max_insert).await?),
                    "seaorm" => Box::new(
                        seaorm::SeaOrm::connect("SeaORM", &format!("{url}?mode=rwc"), max_insert)
                            .await?,
                    ),
                    other => bail!("no SQLite contender {other}"),
                })
            })?;
            (Box::new(fixture), contender)
        }
        other => bail!("backend {other}: expected pg or sqlite"),
    };
    runtime.block_on(fixture.prepare(workload))?;
    // One warm-up operation: statements prepared, caches filled.
    measured_warmup(runtime, contender.as_mut(), workload)?;
    let start = Instant::now();
    measured(runtime, contender.as_mut(), workload, ops)?;
    eprintln!(
        "{} on {}: {ops} operations in {:.1?}",
        contender.name(),
        workload.name(),
        start.elapsed()
    );
    if workload.writes() {
        runtime.block_on(fixture.reset(workload))?;
    }
    Ok(())
}

#[inline(never)]
fn measured_warmup(
    runtime: &Runtime,
    contender: &mut dyn Contender,
    workload: Workload,
) -> Result<()> {
    runtime.block_on(async {
        contender.run(workload, 0).await?;
        Ok(())
    })
}
