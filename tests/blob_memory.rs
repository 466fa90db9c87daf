//! Memory stays bounded: a 256 MiB blob is saved from a reader and read
//! back chunk by chunk with the process's peak resident memory under 64 MiB,
//! on both backends; the throughput is printed, never asserted.
//!
//! Ignored by default (it moves half a gigabyte per backend). Run it alone,
//! one backend at a time, so that each peak is its own (Linux only: it
//! resets and reads the peak through /proc/self):
//!
//! ```sh
//! cargo test --release --all-features --test blob_memory -- --ignored --nocapture --test-threads=1
//! ```
#![recursion_limit = "256"]

mod common;

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use common::memory::{peak_rss, reset_peak_rss};
use orm::prelude::*;
use tokio::io::{AsyncRead, ReadBuf};

const SIZE: u64 = 256 * 1024 * 1024;
const PEAK_LIMIT: u64 = 64 * 1024 * 1024;
const MIB: f64 = 1024.0 * 1024.0;

/// The byte at `pos` of a pseudo-random stream (splitmix64 of its word).
fn byte_at(pos: u64) -> u8 {
    let mut z = (pos / 8).wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> (8 * (pos % 8))) as u8
}

/// `SIZE` bytes of the stream, generated as they are read: nothing is held.
struct Generated {
    pos: u64,
}

impl AsyncRead for Generated {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let n = (buf.remaining() as u64).min(SIZE - self.pos) as usize;
        let start = self.pos;
        let bytes = buf.initialize_unfilled_to(n);
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = byte_at(start + i as u64);
        }
        buf.advance(n);
        self.pos += n as u64;
        Poll::Ready(Ok(()))
    }
}

both!(#[ignore] async fn a_256_mib_blob_round_trips_in_under_64_mib_of_memory(db, kind) {
    let mut s = db.session();
    s.start().await?;
    reset_peak_rss();
    let baseline = peak_rss().unwrap_or(0);

    let file = s.create_blob().await?;
    let started = Instant::now();
    let written = file.save_from(&mut s, Generated { pos: 0 }).await?;
    let write_secs = started.elapsed().as_secs_f64();
    assert_eq!(written, SIZE);

    let started = Instant::now();
    let mut chunks = file.chunks(&mut s);
    let mut pos = 0u64;
    while let Some(chunk) = chunks.try_next().await? {
        assert!(chunk.len() <= orm::blobs::CHUNK_SIZE);
        if let Some(i) = chunk.iter().enumerate().position(|(i, b)| *b != byte_at(pos + i as u64)) {
            panic!("byte {} differs from what was saved", pos + i as u64);
        }
        pos += chunk.len() as u64;
    }
    drop(chunks);
    let read_secs = started.elapsed().as_secs_f64();
    assert_eq!(pos, SIZE);
    s.rollback().await?;

    let peak = peak_rss().unwrap_or(0);
    let mib = SIZE as f64 / MIB;
    println!(
        "{kind:?}: saved 256 MiB in {write_secs:.2} s ({:.0} MiB/s), read it back in {read_secs:.2} s \
         ({:.0} MiB/s); peak resident memory {:.1} MiB (baseline {:.1} MiB)",
        mib / write_secs,
        mib / read_secs,
        peak as f64 / MIB,
        baseline as f64 / MIB,
    );
    assert!(peak < PEAK_LIMIT, "peak resident memory {peak} bytes is over 64 MiB");
    Ok(())
});
