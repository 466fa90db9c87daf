//! A throwaway PostgreSQL cluster with `max_prepared_transactions` above 0,
//! for the two-phase commit tests (the shared server has it at 0, and its
//! configuration is not ours to change). Started once, from the installed
//! binaries, on a port of its own, and left running for the next run.

use std::process::Command;
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

// Finding the binaries and running them as `postgres` is the harness's own
// code (tests/common/pg.rs), shared with its throwaway cluster.
use crate::common::pg::{bin_dir, is_root, run_pg};

/// The cluster's port.
const PORT: u16 = 54347;

static URL: OnceCell<String> = OnceCell::const_new();

/// The URL of the two-phase cluster, starting it if need be.
pub async fn two_phase_url() -> String {
    URL.get_or_init(|| async {
        if !reachable().await {
            tokio::task::spawn_blocking(start)
                .await
                .expect("starting the two-phase cluster panicked")
                .unwrap_or_else(|e| panic!("cannot start the two-phase test cluster: {e}"));
        }
        format!("postgres://postgres@127.0.0.1:{PORT}/postgres")
    })
    .await
    .clone()
}

async fn reachable() -> bool {
    tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect(("127.0.0.1", PORT)),
    )
    .await
    .is_ok_and(|r| r.is_ok())
}

fn start() -> Result<(), String> {
    let bin = bin_dir().ok_or("no PostgreSQL binaries under /usr/lib/postgresql")?;
    let dir = std::env::temp_dir().join(format!("orm-test-pg-two-phase-{PORT}"));
    let lock = dir.with_extension("lock");
    // Test processes may race to start it: one does, the others wait.
    let started = Instant::now();
    while std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&lock)
        .is_err()
    {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = std::fs::remove_file(&lock);
        }
        std::thread::sleep(Duration::from_millis(200));
        if std::net::TcpStream::connect(("127.0.0.1", PORT)).is_ok() {
            return Ok(());
        }
    }
    let result = (|| {
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        if is_root() {
            let ok = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .map_err(|e| e.to_string())?
                .success();
            if !ok {
                return Err(format!("chown of {} failed", dir.display()));
            }
        }
        let data = dir.join("data").display().to_string();
        if !dir.join("data/PG_VERSION").exists() {
            run_pg(
                &bin.join("initdb"),
                &["-D", &data, "-U", "postgres", "--auth=trust", "--no-sync"],
            )?;
        }
        let options = format!(
            "-p {PORT} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c max_prepared_transactions=20 -c max_connections=50 -c shared_buffers=16MB",
            dir.display()
        );
        let log = dir.join("log").display().to_string();
        run_pg(
            &bin.join("pg_ctl"),
            &["-D", &data, "-o", &options, "-l", &log, "-w", "start"],
        )
    })();
    let _ = std::fs::remove_file(&lock);
    result
}
