//! Peak memory of reading many rows through orm: streamed with
//! `select().stream()` versus collected with `select().all()`.
//!
//! Each measurement runs in a child process of its own (this binary, with
//! `memory-child`), so its peak resident set (VmHWM in /proc/self/status)
//! belongs to that one measurement. The child records VmHWM once connected
//! and warmed up (the baseline: runtime, pool, connection), reads the rows,
//! and records VmHWM again.

use std::process::Command;

use anyhow::{bail, Context as _, Result};
use futures_util::TryStreamExt;

use crate::contenders::orm::User;

/// What one child measured.
#[derive(Debug, Clone)]
pub struct Measurement {
    pub backend: &'static str,
    pub mode: &'static str,
    pub rows: usize,
    /// Peak RSS once connected, before the rows are read (kB).
    pub baseline_kb: u64,
    /// Peak RSS of the whole process (kB).
    pub peak_kb: u64,
}

fn status_kb(field: &str) -> Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {field} in /proc/self/status"))
}

/// The child: reads every user of `url` by `mode` and prints what it saw.
pub async fn child(url: &str, mode: &str) -> Result<()> {
    let db = orm::Database::connect(url).await?;
    let mut s = db.session();
    // Warm up: the connection, its buffers and the statement cache.
    let first: Vec<User> = s.select::<User>().limit(1).all().await?;
    std::hint::black_box(first);
    let baseline = status_kb("VmHWM:")?;
    let rows = match mode {
        "stream" => {
            let mut stream = s.select::<User>().stream();
            let mut n = 0usize;
            while let Some(user) = stream.try_next().await? {
                std::hint::black_box(&user);
                n += 1;
            }
            n
        }
        "vec" => {
            let users: Vec<User> = s.select::<User>().all().await?;
            std::hint::black_box(&users);
            users.len()
        }
        other => bail!("unknown memory mode {other}"),
    };
    let peak = status_kb("VmHWM:")?;
    s.commit().await?;
    println!("rows={rows} baseline_kb={baseline} peak_kb={peak}");
    Ok(())
}

/// Runs one child and parses its line.
pub fn measure(backend: &'static str, url: &str, mode: &'static str) -> Result<Measurement> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe)
        .args(["memory-child", url, mode])
        .output()?;
    if !out.status.success() {
        bail!(
            "memory child ({backend}, {mode}) failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| -> Result<u64> {
        text.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
            .with_context(|| format!("no {name} in the child's output: {text}"))
    };
    Ok(Measurement {
        backend,
        mode,
        rows: usize::try_from(field("rows")?)?,
        baseline_kb: field("baseline_kb")?,
        peak_kb: field("peak_kb")?,
    })
}
