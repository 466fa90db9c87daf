//! Finding a PostgreSQL for the tests, starting a throwaway cluster if need be.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

const LOCAL_URL: &str = "postgres://postgres@127.0.0.1:5432/test";
const THROWAWAY_PORT: u16 = 54329;

static BASE_URL: OnceCell<String> = OnceCell::const_new();

const HOW_TO: &str = "PostgreSQL tests need a server. Set ORM_TEST_PG_URL=postgres://user@host:port/db, \
    or start the local one (`pg_ctlcluster --skip-systemctl-redirect 15 main start`), \
    or install PostgreSQL (`apt-get install postgresql`) so the tests can start a throwaway cluster.";

/// The URL of the PostgreSQL the tests use, found once per process.
pub async fn base_url() -> String {
    BASE_URL
        .get_or_init(|| async {
            if let Ok(url) = std::env::var("ORM_TEST_PG_URL") {
                if !url.is_empty() {
                    return url;
                }
            }
            if reachable(5432).await {
                return LOCAL_URL.to_string();
            }
            let port = THROWAWAY_PORT;
            if !reachable(port).await {
                tokio::task::spawn_blocking(move || start_throwaway(port))
                    .await
                    .unwrap_or_else(|e| panic!("starting a throwaway cluster panicked: {e}"))
                    .unwrap_or_else(|e| {
                        panic!("{HOW_TO}\nStarting a throwaway cluster failed: {e}")
                    });
            }
            format!("postgres://postgres@127.0.0.1:{port}/postgres")
        })
        .await
        .clone()
}

async fn reachable(port: u16) -> bool {
    tokio::time::timeout(
        Duration::from_secs(2),
        tokio::net::TcpStream::connect(("127.0.0.1", port)),
    )
    .await
    .is_ok_and(|r| r.is_ok())
}

/// Runs one administrative statement on the test server.
pub async fn admin(base_url: &str, sql: &str) {
    let (client, connection) = tokio_postgres::connect(base_url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("{HOW_TO}\nCannot connect to {base_url}: {e}"));
    let task = tokio::spawn(connection);
    client
        .batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("`{sql}` failed on {base_url}: {e}"));
    drop(client);
    let _ = task.await;
}

/// Runs one query returning one i64 on the test server.
pub async fn admin_i64(base_url: &str, sql: &str) -> i64 {
    let (client, connection) = tokio_postgres::connect(base_url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("{HOW_TO}\nCannot connect to {base_url}: {e}"));
    let task = tokio::spawn(connection);
    let row = client
        .query_one(sql, &[])
        .await
        .unwrap_or_else(|e| panic!("`{sql}` failed on {base_url}: {e}"));
    let v: i64 = row.get(0);
    drop(client);
    let _ = task.await;
    v
}

/// The newest installed PostgreSQL's binary directory.
pub fn bin_dir() -> Option<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return Some(dir);
        }
    }
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| d.join("initdb").exists())
        .collect();
    dirs.sort();
    dirs.pop()
}

/// True when the tests run as root.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Runs a PostgreSQL binary, as the `postgres` user when we are root
/// (initdb refuses to run as root).
pub fn run_pg(bin: &Path, args: &[&str]) -> Result<(), String> {
    let mut cmd = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    let out = cmd
        .args(args)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} {} failed: {}{}",
            bin.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn start_throwaway(port: u16) -> Result<(), String> {
    let bin = bin_dir().ok_or("no PostgreSQL binaries (initdb) found")?;
    let dir = std::env::temp_dir().join(format!("orm-test-pg-{port}"));
    let data = dir.join("data");
    let lock = dir.with_extension("lock");
    // Several test processes may start at once: one starts the cluster.
    let started = Instant::now();
    loop {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock)
        {
            Ok(_) => break,
            Err(_) if started.elapsed() < Duration::from_secs(120) => {
                std::thread::sleep(Duration::from_millis(200));
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Ok(());
                }
            }
            Err(_) => {
                let _ = std::fs::remove_file(&lock);
            }
        }
    }
    let result = (|| {
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        if is_root() {
            let status = Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(&dir)
                .status()
                .map_err(|e| e.to_string())?;
            if !status.success() {
                return Err(format!("chown of {} failed", dir.display()));
            }
        }
        let data_s = data.display().to_string();
        if !data.join("PG_VERSION").exists() {
            run_pg(
                &bin.join("initdb"),
                &[
                    "-D",
                    &data_s,
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--no-sync",
                    "-E",
                    "UTF8",
                ],
            )?;
        }
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            dir.display()
        );
        let log = dir.join("log").display().to_string();
        run_pg(
            &bin.join("pg_ctl"),
            &["-D", &data_s, "-o", &opts, "-l", &log, "-w", "start"],
        )
    })();
    let _ = std::fs::remove_file(&lock);
    result
}
