//! [`RetryPolicy`]: how often, and after how long, a transaction that failed
//! with a serialization failure or a deadlock is run again.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How [`Database::transaction_with`](crate::Database::transaction_with)
/// retries a transaction that failed with
/// [`Error::SerializationFailure`](crate::Error::SerializationFailure) or
/// [`Error::Deadlock`](crate::Error::Deadlock) — whether a statement, or the
/// `COMMIT` itself, failed so. No other error is retried.
///
/// Before attempt `n + 1` it waits a random time between half and all of
/// `base_delay * 2^(n-1)`, capped at `max_delay`: exponential back-off with
/// jitter, so that transactions that collided do not collide again in step.
///
/// ```
/// use orm_core::RetryPolicy;
/// use std::time::Duration;
///
/// let p = RetryPolicy::new(5).base_delay(Duration::from_millis(10)).max_delay(Duration::from_millis(50));
/// assert_eq!(p.max_attempts, 5);
/// for attempt in 1..=10 {
///     let d = p.delay(attempt);
///     let ceiling = Duration::from_millis(10 * 2u64.pow(attempt - 1)).min(Duration::from_millis(50));
///     assert!(d >= ceiling / 2 && d <= ceiling, "{attempt}: {d:?}");
/// }
/// assert_eq!(RetryPolicy::never().max_attempts, 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// The most times the transaction runs, the first included (at least 1).
    pub max_attempts: u32,
    /// The back-off ceiling before the second attempt; it doubles for each
    /// attempt after.
    pub base_delay: Duration,
    /// The longest wait between two attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 10 attempts, back-off from 2 ms up to 200 ms.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(2),
            max_delay: Duration::from_millis(200),
        }
    }
}

impl RetryPolicy {
    /// At most `max_attempts` runs (at least one), with the default back-off.
    pub fn new(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            ..Self::default()
        }
    }

    /// One run, no retry.
    pub fn never() -> Self {
        Self::new(1)
    }

    /// Sets the back-off ceiling before the second attempt.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Sets the longest wait between two attempts.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// How long to wait after failed attempt `attempt` (1-based) before the
    /// next: a random time in `[ceiling / 2, ceiling]`, where the ceiling is
    /// `base_delay * 2^(attempt-1)` capped at `max_delay`.
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(30);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << doublings)
            .min(self.max_delay);
        let half = ceiling / 2;
        half + (ceiling - half).mul_f64(random_fraction())
    }
}

/// A random number in `[0, 1)`, from the standard library's randomly keyed
/// hasher: good enough to spread retries, and no dependency.
fn random_fraction() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let bits = RandomState::new().hash_one(n) >> 11;
    bits as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_stay_within_their_bounds_and_spread() {
        let p = RetryPolicy::default();
        let delays: Vec<Duration> = (0..200).map(|_| p.delay(3)).collect();
        assert!(delays
            .iter()
            .all(|d| *d >= Duration::from_millis(4) && *d <= Duration::from_millis(8)));
        let distinct: std::collections::HashSet<_> = delays.iter().collect();
        assert!(distinct.len() > 100, "{}", distinct.len());
        assert!(p.delay(1000) <= p.max_delay);
    }

    #[test]
    fn at_least_one_attempt() {
        assert_eq!(RetryPolicy::new(0).max_attempts, 1);
    }
}
