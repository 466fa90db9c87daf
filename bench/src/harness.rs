//! Interleaved rounds: every contender runs every workload, round after
//! round, in a rotating order; each operation is timed on its own.

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};

use crate::data::Workload;

/// A boxed future borrowing the contender.
pub type Op<'a> = Pin<Box<dyn Future<Output = Result<usize>> + 'a>>;

/// A library under test.
pub trait Contender {
    /// Its name in reports.
    fn name(&self) -> &'static str;

    /// Whether it runs `workload` at all.
    fn supports(&self, _workload: &Workload) -> bool {
        true
    }

    /// Runs one operation of `workload`; `iteration` counts operations so
    /// writes can vary. Returns the rows read or written.
    fn run<'a>(&'a mut self, workload: Workload, iteration: usize) -> Op<'a>;
}

/// Puts the tables in the state a workload starts from.
pub trait Fixture {
    /// Loads the data `workload` reads (untimed).
    fn prepare<'a>(
        &'a mut self,
        workload: Workload,
    ) -> Pin<Box<dyn Future<Output = Result<()>> + 'a>>;

    /// Restores the state after a batch of writes (untimed).
    fn reset<'a>(
        &'a mut self,
        workload: Workload,
    ) -> Pin<Box<dyn Future<Output = Result<()>> + 'a>>;

    /// Called before each contender's batch, e.g. to re-pin new server
    /// processes to the benchmark's CPU (untimed).
    fn before_batch<'a>(&'a mut self) -> Pin<Box<dyn Future<Output = Result<()>> + 'a>> {
        Box::pin(async { Ok(()) })
    }
}

/// How many rounds and operations.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub warmup_rounds: usize,
    pub rounds: usize,
}

/// The timings of one contender on one workload.
#[derive(Debug, Clone)]
pub struct Timings {
    pub contender: &'static str,
    /// Every counted operation, in nanoseconds.
    pub samples: Vec<u64>,
    /// The median of each counted round.
    pub round_medians: Vec<u64>,
}

impl Timings {
    pub fn median(&self) -> u64 {
        median(&self.samples)
    }
}

/// The outcome of one workload.
#[derive(Debug, Clone)]
pub struct WorkloadResult {
    pub workload: Workload,
    pub iterations: usize,
    pub timings: Vec<Timings>,
}

impl WorkloadResult {
    pub fn median_of(&self, contender: &str) -> Option<u64> {
        self.timings_of(contender).map(Timings::median)
    }

    pub fn timings_of(&self, contender: &str) -> Option<&Timings> {
        self.timings.iter().find(|t| t.contender == contender)
    }

    /// The quartiles (25th and 75th percentile) of `contender`'s ratio to
    /// `base` round by round: both ran in every round, so a round's ratio
    /// compares them under the same conditions, and the range says how far
    /// the rounds agreed on the overall ratio.
    pub fn round_ratio_quartiles(&self, contender: &str, base: &str) -> Option<(f64, f64)> {
        let (a, b) = (self.timings_of(contender)?, self.timings_of(base)?);
        let mut ratios: Vec<f64> = a
            .round_medians
            .iter()
            .zip(&b.round_medians)
            .filter(|(_, b)| **b > 0)
            .map(|(a, b)| *a as f64 / *b as f64)
            .collect();
        if ratios.is_empty() {
            return None;
        }
        ratios.sort_by(f64::total_cmp);
        let at = |q: usize| ratios[(ratios.len() - 1) * q / 4];
        Some((at(1), at(3)))
    }
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &[u64]) -> u64 {
    if values.is_empty() {
        return 0;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let mid = v.len() / 2;
    if v.len().is_multiple_of(2) {
        (v[mid - 1] + v[mid]) / 2
    } else {
        v[mid]
    }
}

/// Runs `workload` on every contender that supports it: warm-up rounds,
/// then counted rounds, each contender running `iterations` timed
/// operations per round, the starting contender rotating each round.
pub async fn run_workload(
    workload: Workload,
    iterations: usize,
    plan: Plan,
    fixture: &mut dyn Fixture,
    contenders: &mut [Box<dyn Contender>],
) -> Result<WorkloadResult> {
    fixture
        .prepare(workload)
        .await
        .with_context(|| format!("preparing {}", workload.name()))?;
    let active: Vec<usize> = (0..contenders.len())
        .filter(|&i| contenders[i].supports(&workload))
        .collect();
    let mut timings: Vec<Timings> = active
        .iter()
        .map(|&i| Timings {
            contender: contenders[i].name(),
            samples: Vec::new(),
            round_medians: Vec::new(),
        })
        .collect();
    let expected = workload.expected();
    let mut iteration = 0;
    for round in 0..plan.warmup_rounds + plan.rounds {
        let counted = round >= plan.warmup_rounds;
        for k in 0..active.len() {
            let slot = (k + round) % active.len();
            let contender = &mut contenders[active[slot]];
            fixture.before_batch().await?;
            let mut batch = Vec::with_capacity(iterations);
            for _ in 0..iterations {
                let start = Instant::now();
                let got = contender.run(workload, iteration).await.with_context(|| {
                    format!("{} failed on {}", contender.name(), workload.name())
                })?;
                let elapsed = start.elapsed();
                iteration += 1;
                if got != expected {
                    bail!(
                        "{} returned {got} on {} where {expected} was expected",
                        contender.name(),
                        workload.name()
                    );
                }
                batch.push(nanos(elapsed));
            }
            if workload.writes() {
                fixture.reset(workload).await?;
            }
            if counted {
                timings[slot].round_medians.push(median(&batch));
                timings[slot].samples.extend(batch);
            }
        }
    }
    Ok(WorkloadResult {
        workload,
        iterations,
        timings,
    })
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        assert_eq!(median(&[]), 0);
        assert_eq!(median(&[3, 1, 2]), 2);
        assert_eq!(median(&[4, 1, 2, 3]), 2);
    }

    fn timings(contender: &'static str, round_medians: Vec<u64>) -> Timings {
        Timings {
            contender,
            samples: round_medians.clone(),
            round_medians,
        }
    }

    #[test]
    fn round_ratios_pair_rounds_and_give_their_quartiles() {
        let result = WorkloadResult {
            workload: Workload::Transaction,
            iterations: 1,
            timings: vec![
                timings("raw", vec![100, 100, 200, 100, 100]),
                timings("orm", vec![100, 110, 180, 120, 105]),
            ],
        };
        // Ratios round by round: 1.00, 1.10, 0.90, 1.20, 1.05; sorted
        // 0.90 1.00 1.05 1.10 1.20: quartiles at positions 1 and 3.
        let (low, high) = result.round_ratio_quartiles("orm", "raw").unwrap();
        assert!(
            (low - 1.00).abs() < 1e-9 && (high - 1.10).abs() < 1e-9,
            "{low} {high}"
        );
        assert!(result.round_ratio_quartiles("orm", "nobody").is_none());
    }
}
