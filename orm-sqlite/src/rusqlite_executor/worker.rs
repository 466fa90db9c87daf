//! [`Worker`]: one SQLite connection on a thread of its own. A statement is
//! one job sent to the thread and one reply back, carrying everything the
//! statement produced (its rows already decoded): one channel hop per
//! statement, never one per row.
//!
//! Jobs run in the order they were sent. A job whose caller stopped waiting
//! (a dropped future) still runs to its end, and the jobs sent after it
//! wait behind it: as with sqlx's worker, a dropped write may or may not
//! have happened.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::Duration;

use orm_core::{Error, Result};
use rusqlite::OpenFlags;
use tokio::sync::oneshot;

/// A job for the connection's thread.
type Job = Box<dyn FnOnce(&mut rusqlite::Connection) + Send>;

/// How a connection is opened.
#[derive(Debug, Clone)]
pub(crate) struct OpenOptions {
    /// The database file, or `:memory:`.
    pub(crate) path: String,
    pub(crate) flags: OpenFlags,
    pub(crate) busy_timeout: Duration,
    /// Put the database in WAL mode.
    pub(crate) wal: bool,
}

/// A connection running on its own thread; the thread ends, closing the
/// connection, when the worker is dropped (after the jobs already sent).
#[derive(Debug)]
pub(crate) struct Worker {
    jobs: mpsc::Sender<Job>,
    /// Set once the thread has ended, or a rollback on release failed: the
    /// connection is not to be handed out again.
    broken: Arc<AtomicBool>,
}

impl Worker {
    /// Opens a connection on a new thread, as `options` say: foreign keys
    /// on, the busy timeout set, WAL mode for a file.
    pub(crate) async fn open(options: &OpenOptions) -> Result<Worker> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let broken = Arc::new(AtomicBool::new(false));
        let (opened, reply) = oneshot::channel();
        let options = options.clone();
        let ended = broken.clone();
        thread::Builder::new()
            .name("orm-sqlite".into())
            .spawn(move || {
                let mut conn = match connect(&options) {
                    Ok(conn) => conn,
                    Err(e) => {
                        ended.store(true, Ordering::Release);
                        let _ = opened.send(Err(e));
                        return;
                    }
                };
                let _ = opened.send(Ok(()));
                while let Ok(job) = inbox.recv() {
                    job(&mut conn);
                    if ended.load(Ordering::Acquire) {
                        // A failed rollback on release: close rather than
                        // run anyone's statements inside that transaction.
                        break;
                    }
                }
                ended.store(true, Ordering::Release);
            })
            .map_err(|e| Error::ConnectionLost {
                source: Box::new(e),
            })?;
        match reply.await {
            Ok(Ok(())) => Ok(Worker { jobs, broken }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(lost()),
        }
    }

    /// Sends `job` to the connection's thread; what it returns comes back
    /// through the receiver (a receiver that errs: the thread is gone).
    pub(crate) fn submit<R: Send + 'static>(
        &self,
        job: impl FnOnce(&mut rusqlite::Connection) -> R + Send + 'static,
    ) -> Result<oneshot::Receiver<R>> {
        let (done, reply) = oneshot::channel();
        self.jobs
            .send(Box::new(move |conn| {
                let _ = done.send(job(conn));
            }))
            .map_err(|_| lost())?;
        Ok(reply)
    }

    /// Sends `job` without waiting for it; it runs before any job sent
    /// after it. False when the thread is gone.
    pub(crate) fn send(
        &self,
        job: impl FnOnce(&mut rusqlite::Connection) + Send + 'static,
    ) -> bool {
        self.jobs.send(Box::new(job)).is_ok()
    }

    /// True once the thread has ended or is ending.
    pub(crate) fn is_broken(&self) -> bool {
        self.broken.load(Ordering::Acquire)
    }

    /// The flag a job sets to make the thread end after it.
    pub(crate) fn breaker(&self) -> Arc<AtomicBool> {
        self.broken.clone()
    }
}

fn connect(options: &OpenOptions) -> Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open_with_flags(&options.path, options.flags)
        .map_err(super::error::from_rusqlite)?;
    conn.busy_timeout(options.busy_timeout)
        .map_err(super::error::from_rusqlite)?;
    conn.set_prepared_statement_cache_capacity(crate::STATEMENT_CACHE_CAPACITY);
    let mut setup = String::from("PRAGMA foreign_keys = ON;");
    if options.wal {
        setup.push_str("PRAGMA journal_mode = WAL;");
    }
    conn.execute_batch(&setup)
        .map_err(super::error::from_rusqlite)?;
    Ok(conn)
}

/// The error of a connection whose thread is gone.
pub(crate) fn lost() -> Error {
    Error::ConnectionLost {
        source: "the SQLite connection's thread has ended".into(),
    }
}
