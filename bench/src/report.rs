//! The report: `bench/RESULTS.md` and the terminal summary.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Result;

use crate::data::Workload;
use crate::harness::{Timings, WorkloadResult};
use crate::memory::Measurement;
use crate::{Options, Suite};

/// The contender name of orm on its rusqlite executor.
pub const ORM_RUSQLITE: &str = "orm (rusqlite executor)";

/// Everything after this line of an existing RESULTS.md is written by hand
/// (the tuning notes) and kept when the benchmark rewrites the file.
pub const KEEP_MARKER: &str =
    "<!-- Everything below this line is written by hand and kept when the benchmark rewrites this file. -->";

/// The crates whose versions the report lists, as Cargo.lock names them.
const CRATES: &[&str] = &[
    "tokio-postgres",
    "deadpool-postgres",
    "sqlx",
    "sea-orm",
    "diesel",
    "diesel-async",
    "rusqlite",
    "libsqlite3-sys",
    "tokio",
];

pub struct RunInfo {
    pub date: String,
    pub machine: String,
    pub rustc: String,
    pub postgres: Option<String>,
    pub sqlite: String,
    pub versions: Vec<(String, String)>,
    pub quick: bool,
    pub elapsed: Duration,
}

impl RunInfo {
    pub fn gather(options: &Options) -> Self {
        RunInfo {
            date: utc_date_time(),
            machine: machine(),
            rustc: command_line("rustc", &["--version"]),
            postgres: None,
            sqlite: rusqlite::version().to_string(),
            versions: versions(),
            quick: options.quick,
            elapsed: Duration::ZERO,
        }
    }
}

fn command_line(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gb = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0.0, |kb| kb as f64 / 1024.0 / 1024.0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{model}, {cpus} CPUs, {mem_gb:.0} GB RAM, Linux {}",
        kernel.trim()
    )
}

/// Versions of the contenders' crates, from the benchmark's Cargo.lock.
fn versions() -> Vec<(String, String)> {
    let lock = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock"))
        .unwrap_or_default();
    let mut found: Vec<(String, String)> = Vec::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_string());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            if CRATES.contains(&n.as_str()) {
                found.push((n, v.trim_matches('"').to_string()));
            }
        }
    }
    found.sort();
    found
}

/// `2025-01-31 12:34 UTC`.
fn utc_date_time() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// `HH:MM:SS` (UTC), for progress lines.
pub fn clock() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        % 86_400;
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian
/// calendar (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// A duration in nanoseconds, in a readable unit.
pub fn human(ns: u64) -> String {
    let us = ns as f64 / 1000.0;
    if us < 100.0 {
        format!("{us:.1} µs")
    } else if us < 1000.0 {
        format!("{us:.0} µs")
    } else if us < 100_000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{:.0} ms", us / 1000.0)
    }
}

fn ratio(ns: u64, floor: Option<u64>) -> Option<f64> {
    floor.filter(|f| *f > 0).map(|f| ns as f64 / f as f64)
}

/// The spread of a contender's round medians: (max - min) / median.
fn spread(t: &Timings) -> f64 {
    let (Some(min), Some(max)) = (t.round_medians.iter().min(), t.round_medians.iter().max())
    else {
        return 0.0;
    };
    let median = t.median().max(1);
    (max - min) as f64 / median as f64
}

/// Prints one workload's medians as soon as it is done.
pub fn print_progress(result: &WorkloadResult) {
    let floor = result.timings.first().map(Timings::median);
    for t in &result.timings {
        let r = ratio(t.median(), floor).map_or(String::new(), |r| format!("{r:.2}x"));
        eprintln!("    {:<34} {:>10} {:>7}", t.contender, human(t.median()), r);
    }
}

/// A target: what it says, what was measured, and whether it is met.
pub struct Target {
    pub what: String,
    pub measured: String,
    pub met: Option<bool>,
}

fn find(suite: &Suite, pred: impl Fn(&Workload) -> bool) -> Option<&WorkloadResult> {
    suite.results.iter().find(|r| pred(&r.workload))
}

fn targets(suites: &[Suite], memory: &[Measurement]) -> Vec<Target> {
    let mut out = Vec::new();
    let ratio_target = |out: &mut Vec<Target>,
                        suite: &Suite,
                        label: &str,
                        pred: &dyn Fn(&Workload) -> bool,
                        reference: &str,
                        limit: f64| {
        let Some(r) = find(suite, pred) else {
            return;
        };
        let (Some(orm), Some(base)) = (r.median_of("orm"), r.median_of(reference)) else {
            return;
        };
        let x = orm as f64 / base as f64;
        out.push(Target {
            what: format!("{} {label}: orm ≤ {limit:.2}× {reference}", suite.backend),
            measured: format!(
                "{x:.2}× ({} vs {}){}",
                human(orm),
                human(base),
                rounds(r, "orm", reference)
            ),
            met: Some(x <= limit),
        });
    };
    for suite in suites {
        if suite.backend == "PostgreSQL" {
            let raw = suite.floor;
            ratio_target(
                &mut out,
                suite,
                "pk_lookup",
                &|w| matches!(w, Workload::PkLookup { .. }),
                raw,
                1.05,
            );
            ratio_target(
                &mut out,
                suite,
                "trivial_query N=10 000",
                &|w| *w == Workload::TrivialQuery { n: 10_000 },
                raw,
                1.10,
            );
            ratio_target(
                &mut out,
                suite,
                "transaction",
                &|w| *w == Workload::Transaction,
                raw,
                1.10,
            );
            ratio_target(
                &mut out,
                suite,
                "update_pk_txn",
                &|w| matches!(w, Workload::UpdateByKeyInTransaction { .. }),
                raw,
                1.05,
            );
            ratio_target(
                &mut out,
                suite,
                "loading_associations",
                &|w| matches!(w, Workload::LoadingAssociations { .. }),
                raw,
                1.10,
            );
            ratio_target(
                &mut out,
                suite,
                "insert 10 000 rows",
                &|w| matches!(w, Workload::InsertBulk { .. }),
                "tokio-postgres, multi-row INSERT",
                1.0,
            );
            ahead_of(
                &mut out,
                suite,
                &["sqlx (PgPool)", "SeaORM", "diesel-async"],
            );
        } else {
            for executor in ["orm", ORM_RUSQLITE] {
                for r in &suite.results {
                    let (Some(orm), Some(sqlx)) = (
                        r.median_of(executor),
                        r.median_of("sqlx (one SqliteConnection)"),
                    ) else {
                        continue;
                    };
                    let x = orm as f64 / sqlx as f64;
                    out.push(Target {
                        what: format!("SQLite {}: {executor} ≤ 1.10× sqlx", r.workload.name()),
                        measured: format!(
                            "{x:.2}×{}",
                            rounds(r, executor, "sqlx (one SqliteConnection)")
                        ),
                        met: Some(x <= 1.10),
                    });
                }
            }
            for executor in ["orm", ORM_RUSQLITE] {
                for r in &suite.results {
                    let (Some(orm), Some(floor)) =
                        (r.median_of(executor), r.median_of(suite.floor))
                    else {
                        continue;
                    };
                    let x = orm as f64 / floor as f64;
                    out.push(Target {
                        what: format!(
                            "SQLite {}: {executor} ≤ 1.5× rusqlite (goal)",
                            r.workload.name()
                        ),
                        measured: format!("{x:.2}×{}", rounds(r, executor, suite.floor)),
                        met: Some(x <= 1.5),
                    });
                }
            }
        }
    }
    for m in memory.iter().filter(|m| m.mode == "stream") {
        let mb = m.peak_kb as f64 / 1024.0;
        out.push(Target {
            what: format!(
                "{}: streaming {} rows peaks at ≤ 64 MB resident",
                m.backend,
                crate::data::thousands(m.rows)
            ),
            measured: format!("{mb:.1} MB peak RSS (whole process)"),
            met: Some(mb <= 64.0),
        });
    }
    out
}

/// `; rounds 1.02–1.07×`: the quartiles of the round-by-round ratio of
/// `contender` to `base` (empty when there is no round to compare).
fn rounds(r: &WorkloadResult, contender: &str, base: &str) -> String {
    r.round_ratio_quartiles(contender, base)
        .map_or(String::new(), |(low, high)| {
            format!("; rounds {low:.2}–{high:.2}×")
        })
}

/// Whether orm is ahead of each peer on every workload, by the medians over
/// every counted operation. A comparison that orm wins by the medians but
/// where the rounds disagree (the upper quartile of the round-by-round
/// ratio reaches 1.0) is named as a tie with the noise.
fn ahead_of(out: &mut Vec<Target>, suite: &Suite, peers: &[&str]) {
    let mut behind = Vec::new();
    let mut ties = Vec::new();
    let mut compared = 0;
    for r in &suite.results {
        let Some(orm) = r.median_of("orm") else {
            continue;
        };
        for peer in peers {
            if let Some(p) = r.median_of(peer) {
                compared += 1;
                let x = orm as f64 / p as f64;
                let what = format!(
                    "{} (orm {x:.2}× {peer}{})",
                    r.workload.name(),
                    rounds(r, "orm", peer)
                );
                if orm >= p {
                    behind.push(what);
                } else if r
                    .round_ratio_quartiles("orm", peer)
                    .is_some_and(|(_, high)| high >= 1.0)
                {
                    ties.push(what);
                }
            }
        }
    }
    let ties = if ties.is_empty() {
        String::new()
    } else {
        format!(
            "; {} of them within the rounds' noise: {}",
            ties.len(),
            ties.join("; ")
        )
    };
    if compared == 0 {
        return;
    }
    out.push(Target {
        what: format!(
            "{}: orm ahead of {} on every workload",
            suite.backend,
            peers.join(", ")
        ),
        measured: if behind.is_empty() {
            format!("ahead in all {compared} comparisons{ties}")
        } else {
            format!(
                "behind in {} of {compared}: {}{ties}",
                behind.len(),
                behind.join("; ")
            )
        },
        met: Some(behind.is_empty()),
    });
}

fn mark(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "met",
        Some(false) => "**not met**",
        None => "not measured",
    }
}

/// The Markdown report.
pub fn render(info: &RunInfo, suites: &[Suite], memory: &[Measurement]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# orm benchmark results\n");
    let _ = writeln!(
        s,
        "Written by `cargo run --release --manifest-path bench/Cargo.toml{}` on {}; the run took {:.0?}. \
         See [docs/src/performance.md](../docs/src/performance.md) for the method and how to read this.\n",
        if info.quick { " -- --quick" } else { "" },
        info.date,
        info.elapsed
    );
    let _ = writeln!(s, "* Machine: {}", info.machine);
    let _ = writeln!(s, "* Toolchain: {}", info.rustc);
    if let Some(pg) = &info.postgres {
        let _ = writeln!(s, "* PostgreSQL {pg} on the same machine (127.0.0.1)");
    }
    let _ = writeln!(s, "* SQLite {} (bundled, one library for every SQLite contender), a database file on local disk, WAL", info.sqlite);
    let versions: Vec<String> = info
        .versions
        .iter()
        .map(|(n, v)| format!("{n} {v}"))
        .collect();
    let _ = writeln!(s, "* Crates: {}", versions.join(", "));
    let _ = writeln!(
        s,
        "* rusqlite is 0.32, not the newest (0.41): newer ones link a newer libsqlite3-sys than sqlx, and one binary can link only one. \
         orm's SQLite backend, the sqlx contender and SeaORM are all on sqlx 0.9.\n"
    );
    let _ = writeln!(
        s,
        "Each cell is the median time of one operation over every counted operation, and its ratio to the floor \
         (the raw driver). Contenders run in interleaved rounds (one warm-up round, then counted rounds; the starting \
         contender rotates each round). \"spread\" below each table is the largest (max − min) / median of a \
         contender's per-round medians on that workload: how much the rounds disagreed.\n"
    );
    for suite in suites {
        render_suite(&mut s, suite);
    }
    if !memory.is_empty() {
        let _ = writeln!(
            s,
            "## Memory: {} rows through orm\n",
            crate::data::thousands(memory[0].rows)
        );
        let _ = writeln!(
            s,
            "Each line is a child process of its own; VmHWM from /proc/self/status is its peak resident set. \
             \"Baseline\" is the peak once connected and warmed up (runtime, pool, one query), before the rows are read.\n"
        );
        let _ = writeln!(
            s,
            "| backend | how | rows | peak RSS | baseline | peak − baseline |"
        );
        let _ = writeln!(s, "|---|---|---:|---:|---:|---:|");
        for m in memory {
            let how = if m.mode == "stream" {
                "`select().stream()`"
            } else {
                "`select().all()` into a Vec"
            };
            let _ = writeln!(
                s,
                "| {} | {how} | {} | {:.1} MB | {:.1} MB | {:.1} MB |",
                m.backend,
                crate::data::thousands(m.rows),
                m.peak_kb as f64 / 1024.0,
                m.baseline_kb as f64 / 1024.0,
                m.peak_kb.saturating_sub(m.baseline_kb) as f64 / 1024.0
            );
        }
        let _ = writeln!(s);
    }
    let targets = targets(suites, memory);
    if !targets.is_empty() {
        let _ = writeln!(s, "## Targets of the issue, as this run measured them\n");
        let _ = writeln!(
            s,
            "A target is met when the ratio of the medians over every counted operation is within it. \
             \"rounds\" is the middle half (the quartiles) of the same ratio taken round by round, where both \
             contenders ran under the same conditions: a target inside that range is a tie with the noise.\n"
        );
        let _ = writeln!(s, "| target | measured | |");
        let _ = writeln!(s, "|---|---|---|");
        for t in &targets {
            let _ = writeln!(s, "| {} | {} | {} |", t.what, t.measured, mark(t.met));
        }
        let met = targets.iter().filter(|t| t.met == Some(true)).count();
        let _ = writeln!(s, "\n{met} of {} targets met in this run.\n", targets.len());
    }
    s
}

fn render_suite(s: &mut String, suite: &Suite) {
    let _ = writeln!(s, "## {}\n", suite.backend);
    let _ = writeln!(s, "Pinning: {}.\n", suite.pinning);
    let _ = write!(s, "| workload |");
    for c in &suite.contenders {
        let _ = write!(s, " {c} |");
    }
    let _ = writeln!(s);
    let _ = write!(s, "|---|");
    for _ in &suite.contenders {
        let _ = write!(s, "---:|");
    }
    let _ = writeln!(s);
    for r in &suite.results {
        let floor = r.median_of(suite.floor);
        let _ = write!(s, "| {} |", r.workload.name());
        for c in &suite.contenders {
            match r.timings.iter().find(|t| t.contender == *c) {
                Some(t) => {
                    let cell = match ratio(t.median(), floor) {
                        Some(x) => format!("{} ({x:.2}×)", human(t.median())),
                        None => human(t.median()),
                    };
                    let cell = if *c == "orm" {
                        format!("**{cell}**")
                    } else {
                        cell
                    };
                    let _ = write!(s, " {cell} |");
                }
                None => {
                    let _ = write!(s, " – |");
                }
            }
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "| workload | operations counted per contender | spread |"
    );
    let _ = writeln!(s, "|---|---:|---:|");
    for r in &suite.results {
        let n = r.timings.first().map_or(0, |t| t.samples.len());
        let worst = r.timings.iter().map(spread).fold(0.0, f64::max);
        let _ = writeln!(s, "| {} | {n} | {:.0}% |", r.workload.name(), worst * 100.0);
    }
    let _ = writeln!(s);
}

/// The summary printed at the end of a run.
pub fn render_terminal(suites: &[Suite], memory: &[Measurement]) -> String {
    let mut s = String::new();
    for suite in suites {
        let _ = writeln!(s, "\n{} (ratios to {})", suite.backend, suite.floor);
        for r in &suite.results {
            let floor = r.median_of(suite.floor);
            let _ = writeln!(s, "  {}", r.workload.name());
            for t in &r.timings {
                let x = ratio(t.median(), floor).map_or(String::new(), |x| format!("{x:.2}x"));
                let _ = writeln!(
                    s,
                    "    {:<34} {:>10} {:>7}",
                    t.contender,
                    human(t.median()),
                    x
                );
            }
        }
    }
    for m in memory {
        let _ = writeln!(
            s,
            "memory {} {}: {} rows, peak {:.1} MB (baseline {:.1} MB)",
            m.backend,
            m.mode,
            m.rows,
            m.peak_kb as f64 / 1024.0,
            m.baseline_kb as f64 / 1024.0
        );
    }
    for t in targets(suites, memory) {
        let _ = writeln!(s, "target: {} -> {} [{}]", t.what, t.measured, mark(t.met));
    }
    s
}

/// Writes the report, keeping the hand-written part of an existing file.
pub fn write(path: &Path, generated: &str) -> Result<()> {
    let kept = std::fs::read_to_string(path)
        .ok()
        .and_then(|old| old.find(KEEP_MARKER).map(|i| old[i..].to_string()))
        .unwrap_or_else(|| format!("{KEEP_MARKER}\n"));
    std::fs::write(path, format!("{generated}{kept}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    fn result(workload: Workload, orm: Vec<u64>, peer: Vec<u64>) -> WorkloadResult {
        let timings = |contender, round_medians: Vec<u64>| crate::harness::Timings {
            contender,
            samples: round_medians.clone(),
            round_medians,
        };
        WorkloadResult {
            workload,
            iterations: 1,
            timings: vec![timings("orm", orm), timings("peer", peer)],
        }
    }

    #[test]
    fn ahead_of_names_a_win_the_rounds_disagree_on_as_a_tie() {
        let suite = Suite {
            backend: "PostgreSQL",
            floor: "raw",
            contenders: vec!["orm", "peer"],
            results: vec![
                // Ahead in every round.
                result(
                    Workload::Transaction,
                    vec![90, 90, 90, 90, 90],
                    vec![100; 5],
                ),
                // Ahead by the median, behind in two rounds of five.
                result(
                    Workload::TrivialQuery { n: 1 },
                    vec![95, 96, 97, 104, 105],
                    vec![100; 5],
                ),
            ],
            pinning: String::new(),
        };
        let mut out = Vec::new();
        ahead_of(&mut out, &suite, &["peer"]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].met, Some(true));
        assert_eq!(
            out[0].measured,
            "ahead in all 2 comparisons; 1 of them within the rounds' noise: \
             trivial_query N=1 (orm 0.97× peer; rounds 0.96–1.04×)"
        );
    }

    #[test]
    fn human_units() {
        assert_eq!(human(12_345), "12.3 µs");
        assert_eq!(human(123_456), "123 µs");
        assert_eq!(human(12_345_678), "12.35 ms");
    }
}
