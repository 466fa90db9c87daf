//! orm's comparative benchmark: orm beside raw drivers and other Rust ORMs
//! on PostgreSQL and SQLite, in interleaved rounds, written to
//! `bench/RESULTS.md`. See `docs/src/performance.md`.
//!
//! ```text
//! cargo run --release --manifest-path bench/Cargo.toml -- [--quick] [options]
//! ```

mod contenders;
mod data;
mod fixtures;
mod harness;
mod memory;
mod pin;
mod profile;
mod report;

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context as _, Result};

use crate::contenders::{diesel_pg, orm as orm_contender, pg_raw, seaorm, sqlite, sqlx_pg};
use crate::data::Workload;
use crate::harness::{run_workload, Contender, Plan, WorkloadResult};
use crate::pin::Pinning;

const USAGE: &str = "\
usage: orm-bench [--quick] [options]

  --quick          fewer operations per round (still warm-up + 5 counted
                   rounds) and 100 000 rows for the memory test; prints the
                   report, writes RESULTS.md only with --out
  --out PATH       where to write the report (default bench/RESULTS.md for a
                   full run)
  --pg-url URL     PostgreSQL to use (default $ORM_BENCH_PG_URL, else
                   postgres://postgres@127.0.0.1:5432/orm_bench; the database
                   is created if missing)
  --sqlite-dir DIR where the SQLite database file goes (default a fresh
                   directory in /dev/shm, else the system temp dir)
  --only TEXT      run only the workloads whose name contains TEXT
  --no-pg | --no-sqlite | --no-memory   skip a part
  --no-pin         do not pin the benchmark and server to one CPU
  --cpu N          the CPU to pin to (default: the last one)
";

pub struct Options {
    pub quick: bool,
    pub out: Option<PathBuf>,
    pub pg_url: String,
    pub sqlite_dir: Option<PathBuf>,
    pub only: Option<String>,
    pub pg: bool,
    pub sqlite: bool,
    pub memory: bool,
    pub pin: bool,
    pub cpu: usize,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options> {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut o = Options {
        quick: false,
        out: None,
        pg_url: std::env::var("ORM_BENCH_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/orm_bench".to_string()),
        sqlite_dir: None,
        only: None,
        pg: true,
        sqlite: true,
        memory: true,
        pin: true,
        cpu: cpus - 1,
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--quick" => o.quick = true,
            "--out" => o.out = Some(value()?.into()),
            "--pg-url" => o.pg_url = value()?,
            "--sqlite-dir" => o.sqlite_dir = Some(value()?.into()),
            "--only" => o.only = Some(value()?),
            "--no-pg" => o.pg = false,
            "--no-sqlite" => o.sqlite = false,
            "--no-memory" => o.memory = false,
            "--no-pin" => o.pin = false,
            "--cpu" => o.cpu = value()?.parse()?,
            "-h" | "--help" => {
                print!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other}\n{USAGE}"),
        }
    }
    if !o.quick && o.out.is_none() {
        o.out = Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("RESULTS.md"));
    }
    Ok(o)
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1).peekable();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    if args.peek().map(String::as_str) == Some("memory-child") {
        let url = args.nth(1).context("memory-child URL")?;
        let mode = args.next().context("memory-child mode")?;
        return runtime.block_on(memory::child(&url, &mode));
    }
    if args.peek().map(String::as_str) == Some("profile") {
        args.next();
        return profile::main(&runtime, args);
    }
    let options = parse(args)?;
    runtime.block_on(async {
        tokio::select! {
            result = run(&options) => result,
            _ = tokio::signal::ctrl_c() => bail!("interrupted"),
        }
    })
}

/// The counted rounds, the warm-up, and the operations per round.
fn plan(quick: bool) -> Plan {
    Plan {
        warmup_rounds: 1,
        // Many short rounds rather than a few long ones: the machine's
        // drift (other processes, a noisy neighbour) then falls on every
        // contender alike, which a target 5% from the floor needs. 63
        // rounds take about four minutes here.
        rounds: if quick { 5 } else { 63 },
    }
}

/// The workloads with their operations per round in a run of 7 rounds
/// (see `selected` for how a full or quick run divides them).
pub fn workloads() -> Vec<(Workload, usize)> {
    vec![
        (Workload::TrivialQuery { n: 1 }, 200),
        (Workload::TrivialQuery { n: 100 }, 100),
        (Workload::TrivialQuery { n: 10_000 }, 8),
        (
            Workload::PkLookup {
                lookups: 1000,
                users: 1000,
            },
            2,
        ),
        (Workload::MediumComplex { n: 100 }, 100),
        (Workload::MediumComplex { n: 10_000 }, 8),
        (Workload::InsertOneStatement { n: 100 }, 30),
        (Workload::InsertBulk { n: 10_000 }, 3),
        (
            Workload::UpdateBulk {
                rows: 100,
                users: 1000,
            },
            30,
        ),
        (
            Workload::UpdateByKeyInTransaction {
                rows: 100,
                users: 1000,
            },
            6,
        ),
        (Workload::Transaction, 200),
        (
            Workload::LoadingAssociations {
                users: 100,
                posts: 10,
                comments: 10,
            },
            4,
        ),
    ]
}

fn selected(options: &Options) -> Vec<(Workload, usize)> {
    workloads()
        .into_iter()
        .filter(|(w, _)| {
            options
                .only
                .as_ref()
                .is_none_or(|o| w.name().contains(o.as_str()))
        })
        .map(|(w, iters)| {
            // The table gives operations per round for 7 rounds; a full run
            // has nine times as many rounds, each a third as long.
            let iters = if options.quick {
                iters.div_ceil(5)
            } else {
                iters.div_ceil(3)
            };
            (w, iters)
        })
        .collect()
}

pub struct Suite {
    pub backend: &'static str,
    pub floor: &'static str,
    pub contenders: Vec<&'static str>,
    pub results: Vec<WorkloadResult>,
    pub pinning: String,
}

async fn run(options: &Options) -> Result<()> {
    let started = Instant::now();
    let mut suites = Vec::new();
    let mut memory = Vec::new();
    let mut info = report::RunInfo::gather(options);
    if options.pin {
        pin::pin_self(options.cpu).context("pinning the benchmark with taskset")?;
    }
    if options.pg {
        let (suite, version, mem) = run_pg(options).await?;
        info.postgres = Some(version);
        suites.push(suite);
        memory.extend(mem);
    }
    if options.sqlite {
        let (suite, mem) = run_sqlite(options).await?;
        suites.push(suite);
        memory.extend(mem);
    }
    info.elapsed = started.elapsed();
    let text = report::render(&info, &suites, &memory);
    println!("{}", report::render_terminal(&suites, &memory));
    if let Some(out) = &options.out {
        report::write(out, &text)?;
        println!("wrote {}", out.display());
    }
    println!("total time {:.0?}", started.elapsed());
    Ok(())
}

fn log(what: &str) {
    eprintln!("[{}] {what}", report::clock());
}

async fn run_pg(options: &Options) -> Result<(Suite, String, Vec<memory::Measurement>)> {
    let url = &options.pg_url;
    ensure_database(url).await?;
    let admin = pg_raw::connect(url).await?;
    let version: String = admin.query_one("SHOW server_version", &[]).await?.get(0);
    let mut fixture = fixtures::PgFixture {
        client: admin,
        pinning: None,
    };
    fixture.create_schema().await?;
    let pinning = if options.pin {
        match Pinning::pin_server(&fixture.client, options.cpu).await {
            Ok(p) => {
                let text = p.describe();
                fixture.pinning = Some(p);
                text
            }
            Err(e) => format!("the server could not be pinned ({e}); only the benchmark was"),
        }
    } else {
        "nothing was pinned (--no-pin)".to_string()
    };
    log(&format!("PostgreSQL {version}: {pinning}"));

    let max_insert = 10_000;
    let sizes = [100, 10_000];
    let mut contenders: Vec<Box<dyn Contender>> = vec![
        Box::new(pg_raw::RawPg::connect(url, max_insert, &sizes, false).await?),
        Box::new(orm_contender::Orm::connect("orm", url, max_insert).await?),
        Box::new(pg_raw::Deadpool::connect(url, max_insert).await?),
        Box::new(sqlx_pg::SqlxPg::connect(url, max_insert).await?),
        Box::new(seaorm::SeaOrm::connect("SeaORM", url, max_insert).await?),
        Box::new(diesel_pg::DieselPg::connect(url, max_insert).await?),
        Box::new(pg_raw::RawPg::connect(url, max_insert, &sizes, true).await?),
    ];
    let names = contenders.iter().map(|c| c.name()).collect();
    let mut results = Vec::new();
    for (workload, iterations) in selected(options) {
        log(&format!("PostgreSQL: {}", workload.name()));
        let result = run_workload(
            workload,
            iterations,
            plan(options.quick),
            &mut fixture,
            &mut contenders,
        )
        .await?;
        report::print_progress(&result);
        results.push(result);
    }
    drop(contenders);

    let mut mem = Vec::new();
    if options.memory {
        let rows = if options.quick { 100_000 } else { 1_000_000 };
        log(&format!(
            "PostgreSQL: loading {rows} rows for the memory test"
        ));
        fixture
            .load(&fixtures::Rows {
                users: data::users(rows),
                posts: Vec::new(),
                comments: Vec::new(),
            })
            .await?;
        for mode in ["stream", "vec"] {
            mem.push(memory::measure("PostgreSQL", url, mode)?);
        }
        fixture.truncate().await?;
    }
    if let Some(mut p) = fixture.pinning.take() {
        p.restore();
    }
    Ok((
        Suite {
            backend: "PostgreSQL",
            floor: "tokio-postgres (raw)",
            contenders: names,
            results,
            pinning,
        },
        version,
        mem,
    ))
}

/// Creates the benchmark's database when it does not exist yet.
pub async fn ensure_database(url: &str) -> Result<()> {
    let config: tokio_postgres::Config = url.parse()?;
    let name = config
        .get_dbname()
        .context("the PostgreSQL URL names no database")?
        .to_string();
    let mut maintenance = config.clone();
    maintenance.dbname("postgres");
    let (client, connection) = maintenance.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    let exists = client
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .await?
        .is_some();
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    if !exists {
        client
            .batch_execute(&format!("CREATE DATABASE {quoted}"))
            .await?;
    }
    // Commits of the benchmark's own database do not wait for the WAL to
    // reach the disk: the workloads measure the libraries, not fsync.
    client
        .batch_execute(&format!(
            "ALTER DATABASE {quoted} SET synchronous_commit = off"
        ))
        .await?;
    Ok(())
}

async fn run_sqlite(options: &Options) -> Result<(Suite, Vec<memory::Measurement>)> {
    // On tmpfs when there is one, so commits do not wait for the disk
    // (the workloads measure the libraries, not fsync).
    let dir = match &options.sqlite_dir {
        Some(dir) => dir.clone(),
        None => {
            let shm = Path::new("/dev/shm");
            let base = if shm.is_dir() {
                shm.to_path_buf()
            } else {
                std::env::temp_dir()
            };
            base.join(format!("orm-bench-{}", std::process::id()))
        }
    };
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("bench.db");
    let url = format!("sqlite://{}", path.display());
    let mut fixture = fixtures::SqliteFixture::open(&path)?;
    let pinning = if options.pin {
        format!(
            "the benchmark (every thread, sqlx's SQLite worker threads included) was pinned to CPU mask 0x{} with taskset",
            pin::cpu_mask(options.cpu)
        )
    } else {
        "nothing was pinned (--no-pin)".to_string()
    };
    log(&format!(
        "SQLite {} at {}: {pinning}",
        rusqlite::version(),
        path.display()
    ));

    let max_insert = 10_000;
    let mut contenders: Vec<Box<dyn Contender>> = vec![
        Box::new(sqlite::Rusqlite::open(&path, max_insert)?),
        Box::new(orm_contender::Orm::connect("orm", &url, max_insert).await?),
        Box::new(
            orm_contender::Orm::connect(
                report::ORM_RUSQLITE,
                &format!("{url}?executor=rusqlite"),
                max_insert,
            )
            .await?,
        ),
        Box::new(sqlite::SqlxSqlite::connect(&url, max_insert).await?),
        Box::new(seaorm::SeaOrm::connect("SeaORM", &format!("{url}?mode=rwc"), max_insert).await?),
    ];
    let names = contenders.iter().map(|c| c.name()).collect();
    let mut results = Vec::new();
    for (workload, iterations) in selected(options) {
        log(&format!("SQLite: {}", workload.name()));
        let result = run_workload(
            workload,
            iterations,
            plan(options.quick),
            &mut fixture,
            &mut contenders,
        )
        .await?;
        report::print_progress(&result);
        results.push(result);
    }
    drop(contenders);

    let mut mem = Vec::new();
    if options.memory {
        let rows = if options.quick { 100_000 } else { 1_000_000 };
        log(&format!("SQLite: loading {rows} rows for the memory test"));
        fixture.load(&fixtures::Rows {
            users: data::users(rows),
            posts: Vec::new(),
            comments: Vec::new(),
        })?;
        let rusqlite_url = format!("{url}?executor=rusqlite");
        for mode in ["stream", "vec"] {
            mem.push(memory::measure("SQLite", &url, mode)?);
            mem.push(memory::measure(
                "SQLite (rusqlite executor)",
                &rusqlite_url,
                mode,
            )?);
        }
    }
    drop(fixture);
    if options.sqlite_dir.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok((
        Suite {
            backend: "SQLite",
            floor: "rusqlite (raw)",
            contenders: names,
            results,
            pinning,
        },
        mem,
    ))
}
