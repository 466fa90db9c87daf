//! Where the command line writes: results to standard output, progress and
//! errors to standard error (or to buffers, when embedded or tested).

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Sink = Arc<Mutex<Box<dyn Write + Send>>>;

/// The two output streams.
#[derive(Clone)]
pub struct Console {
    out: Sink,
    err: Sink,
    quiet: bool,
}

/// A buffer a [`Console`] writes into, for tests and embedding.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn sink(w: impl Write + Send + 'static) -> Sink {
    Arc::new(Mutex::new(Box::new(w)))
}

impl Console {
    /// Standard output and standard error.
    pub fn std() -> Self {
        Console {
            out: sink(std::io::stdout()),
            err: sink(std::io::stderr()),
            quiet: false,
        }
    }

    /// Two buffers, returned as (console, stdout, stderr).
    pub fn captured() -> (Self, Captured, Captured) {
        let (out, err) = (Captured::default(), Captured::default());
        let console = Console {
            out: sink(out.clone()),
            err: sink(err.clone()),
            quiet: false,
        };
        (console, out, err)
    }

    /// Prints nothing but errors from now on.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    fn write(sink: &Sink, line: &str) {
        if let Ok(mut w) = sink.lock() {
            // Nothing useful to do when the terminal is gone.
            let _ = writeln!(w, "{line}");
            let _ = w.flush();
        }
    }

    /// A result line, on standard output.
    pub fn say(&self, line: &str) {
        if !self.quiet {
            Self::write(&self.out, line);
        }
    }

    /// A progress line, on standard error.
    pub fn progress(&self, line: &str) {
        if !self.quiet {
            Self::write(&self.err, line);
        }
    }

    /// An error, on standard error, even when quiet.
    pub fn error(&self, line: &str) {
        Self::write(&self.err, line);
    }
}

/// Seconds with one decimal, for progress lines.
pub fn seconds(d: Duration) -> String {
    format!("{:.1}s", d.as_secs_f64())
}

/// The migration running now, for the "still running" lines.
#[derive(Clone, Default)]
pub struct Running(Arc<Mutex<Option<(String, Instant)>>>);

impl Running {
    /// Records that `what` started.
    pub fn start(&self, what: String) {
        if let Ok(mut r) = self.0.lock() {
            *r = Some((what, Instant::now()));
        }
    }

    /// Records that it ended.
    pub fn stop(&self) {
        if let Ok(mut r) = self.0.lock() {
            *r = None;
        }
    }

    /// What runs now and for how long.
    pub fn current(&self) -> Option<(String, Duration)> {
        self.0
            .lock()
            .ok()
            .and_then(|r| r.as_ref().map(|(w, t)| (w.clone(), t.elapsed())))
    }
}
