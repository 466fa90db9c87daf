//! A cursor reads 1 200 000 rows of about 130 bytes each (some 150 MiB if
//! held at once) with the process's peak resident memory less than 32 MiB
//! above where it started, and never more than one batch of rows in hand
//! (PostgreSQL; SQLite has no cursors). Nothing about time is asserted.
//!
//! The only test of its binary, so that the peak is its own (Linux: it
//! resets and reads the peak through /proc/self).
#![recursion_limit = "256"]

mod common;

use common::memory::{peak_rss, reset_peak_rss};
use common::Kind;

const ROWS: i64 = 1_200_000;
const BATCH: u64 = 1_000;
const PEAK_ABOVE_START: u64 = 32 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_reads_over_a_million_rows_in_bounded_memory() {
    common::run(Kind::Postgres, "cursor_memory", |db, _| async move {
        let mut s = db.session();
        let cursor = s
            .raw("SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, $1::int8) g")
            .bind(ROWS)
            .cursor::<(i64, String)>()
            .await?;
        reset_peak_rss();
        let start = peak_rss().expect("this test reads /proc/self/status (Linux)");
        let (mut seen, mut sum, mut bytes) = (0i64, 0i64, 0usize);
        loop {
            let batch = cursor.fetch(&mut s, BATCH).await?;
            if batch.is_empty() {
                break;
            }
            assert!(batch.len() as u64 <= BATCH, "a fetch returned {} rows", batch.len());
            for (g, text) in &batch {
                assert_eq!(*g, seen + 1, "rows come in order");
                seen = *g;
                sum += g;
                bytes += text.len();
            }
        }
        let peak = peak_rss().unwrap_or(u64::MAX);
        cursor.close(&mut s).await?;
        s.commit().await?;
        assert_eq!(seen, ROWS);
        assert_eq!(sum, ROWS * (ROWS + 1) / 2);
        assert_eq!(bytes, 128 * ROWS as usize);
        println!(
            "read {ROWS} rows ({:.0} MiB of text) with peak resident memory {:.1} MiB, {:.1} MiB above the start",
            bytes as f64 / 1048576.0,
            peak as f64 / 1048576.0,
            peak.saturating_sub(start) as f64 / 1048576.0,
        );
        assert!(
            peak.saturating_sub(start) < PEAK_ABOVE_START,
            "peak resident memory rose {} bytes, over 32 MiB",
            peak - start
        );
        Ok(())
    })
    .await;
}
