//! CPU pinning with taskset: the benchmark and the PostgreSQL server on one
//! CPU, so a round trip costs no wake-up across CPUs (on a small VM that
//! wake-up can cost more than the round trip itself). The server's original
//! affinity is restored when the run ends, even on an error or Ctrl-C.

use std::collections::HashMap;
use std::process::Command;

use anyhow::{bail, Context as _, Result};
use tokio_postgres::Client;

/// The affinity mask of `pid`, as `taskset -p` prints it (hex).
fn mask_of(pid: u32) -> Result<String> {
    let out = Command::new("taskset")
        .arg("-p")
        .arg(pid.to_string())
        .output()?;
    if !out.status.success() {
        bail!(
            "taskset -p {pid}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.rsplit(':')
        .next()
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .with_context(|| format!("unexpected taskset output: {text}"))
}

/// Sets the affinity of every thread of `pid` to the hex `mask`.
fn set_mask(pid: u32, mask: &str) -> Result<()> {
    let out = Command::new("taskset")
        .args(["-a", "-p", mask, &pid.to_string()])
        .output()?;
    if !out.status.success() {
        bail!(
            "taskset -a -p {mask} {pid}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// The hex mask of one CPU.
pub fn cpu_mask(cpu: usize) -> String {
    format!("{:x}", 1u128 << cpu)
}

/// Pins this process (every thread, and threads started later inherit it).
pub fn pin_self(cpu: usize) -> Result<()> {
    set_mask(std::process::id(), &cpu_mask(cpu))
}

/// The parent pid of `pid`, from /proc.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// The children of `pid`, from /proc.
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&p| parent_of(p) == Some(pid))
        .collect()
}

/// The PostgreSQL server pinned to one CPU; restores it when dropped.
pub struct Pinning {
    mask: String,
    postmaster: u32,
    /// The affinity of every server process before it was pinned.
    original: HashMap<u32, String>,
}

impl Pinning {
    /// Pins the postmaster (so new backends start pinned) and the backends
    /// of `client`'s database. Fails when the server is not a process on
    /// this machine that we may change.
    pub async fn pin_server(client: &Client, cpu: usize) -> Result<Self> {
        let backend: i32 = client
            .query_one("SELECT pg_backend_pid()", &[])
            .await?
            .get(0);
        let backend = u32::try_from(backend)?;
        let postmaster = parent_of(backend).with_context(|| {
            format!("backend {backend} is not a process on this machine: is the server remote?")
        })?;
        let comm = std::fs::read_to_string(format!("/proc/{postmaster}/comm")).unwrap_or_default();
        if !comm.trim().starts_with("postgres") {
            bail!(
                "the parent of backend {backend} is `{}`, not the postmaster",
                comm.trim()
            );
        }
        let mut pinning = Pinning {
            mask: cpu_mask(cpu),
            postmaster,
            original: HashMap::new(),
        };
        pinning.pin(postmaster)?;
        pinning.pin_backends(client).await?;
        Ok(pinning)
    }

    fn pin(&mut self, pid: u32) -> Result<()> {
        if let std::collections::hash_map::Entry::Vacant(slot) = self.original.entry(pid) {
            let mask = mask_of(pid)?;
            slot.insert(mask);
        }
        set_mask(pid, &self.mask)
    }

    /// Pins every backend connected to `client`'s database (the contenders'
    /// connections, including ones their pools opened since the last call).
    pub async fn pin_backends(&mut self, client: &Client) -> Result<()> {
        let rows = client
            .query(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()",
                &[],
            )
            .await?;
        for row in rows {
            let pid = u32::try_from(row.get::<_, i32>(0))?;
            if parent_of(pid) == Some(self.postmaster) {
                // A backend may have exited since the query: skip it.
                let _ = self.pin(pid);
            }
        }
        Ok(())
    }

    /// What was done, for the report.
    pub fn describe(&self) -> String {
        format!(
            "the benchmark, the postmaster (pid {}) and its backends for the benchmark's database were pinned to CPU mask 0x{} with taskset; the server's affinity was restored afterwards",
            self.postmaster, self.mask
        )
    }

    /// Restores the postmaster and every server process: those pinned here
    /// to their own original mask, any other child (a backend forked while
    /// the postmaster was pinned) to the postmaster's.
    pub fn restore(&mut self) {
        let Some(server_mask) = self.original.get(&self.postmaster).cloned() else {
            return;
        };
        let mut pids = children_of(self.postmaster);
        pids.push(self.postmaster);
        for pid in pids {
            let mask = self.original.get(&pid).unwrap_or(&server_mask);
            if mask_of(pid).ok().as_deref() == Some(self.mask.as_str())
                || self.original.contains_key(&pid)
            {
                if let Err(e) = set_mask(pid, mask) {
                    eprintln!("warning: could not restore the affinity of pid {pid}: {e}");
                }
            }
        }
        self.original.clear();
    }
}

impl Drop for Pinning {
    fn drop(&mut self) {
        self.restore();
    }
}
