//! [`Worker`]: one SQLite connection on a thread of its own. A statement is
//! one job sent to the thread and one reply back, carrying everything the
//! statement produced (its rows already decoded): one channel hop per
//! statement, never one per row.
//!
//! Jobs run in the order they were sent. A job whose caller stopped waiting
//! (a dropped future) still runs to its end, and the jobs sent after it
//! wait behind it: as with sqlx's worker, a dropped write may or may not
//! have happened.
//!
//! A job may instead run on the caller's thread ([`Worker::run_here`]) when
//! no job is queued or running, so that it neither overtakes nor races one,
//! and only as long as it does not have to wait for a lock: there the busy
//! timeout is off, and a job that finds the database locked is handed to the
//! connection's thread, which waits the busy timeout for it.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, MutexGuard};
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
    /// The connection, locked by whoever runs a job on it.
    conn: Arc<Mutex<rusqlite::Connection>>,
    /// Jobs sent and not finished yet.
    queued: Arc<AtomicUsize>,
}

impl Worker {
    /// Opens a connection on a new thread, as `options` say: foreign keys
    /// on, the busy timeout set, WAL mode for a file.
    pub(crate) async fn open(options: &OpenOptions) -> Result<Worker> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let broken = Arc::new(AtomicBool::new(false));
        let queued = Arc::new(AtomicUsize::new(0));
        let (opened, reply) = oneshot::channel();
        let busy_timeout = options.busy_timeout;
        let options = options.clone();
        let ended = broken.clone();
        let done = queued.clone();
        thread::Builder::new()
            .name("orm-sqlite".into())
            .spawn(move || {
                let conn = match connect(&options) {
                    Ok(conn) => Arc::new(Mutex::new(conn)),
                    Err(e) => {
                        ended.store(true, Ordering::Release);
                        let _ = opened.send(Err(e));
                        return;
                    }
                };
                let _ = opened.send(Ok(conn.clone()));
                while let Ok(job) = inbox.recv() {
                    // Poisoned: a job panicked mid-way; end the thread.
                    let Ok(mut locked) = conn.lock() else {
                        break;
                    };
                    // The busy timeout is on only while this thread runs a
                    // job: a statement on the caller's thread must not wait.
                    if locked.busy_timeout(busy_timeout).is_err() {
                        break;
                    }
                    job(&mut locked);
                    let off = locked.busy_timeout(Duration::ZERO).is_ok();
                    drop(locked);
                    done.fetch_sub(1, Ordering::AcqRel);
                    if !off || ended.load(Ordering::Acquire) {
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
            Ok(Ok(conn)) => Ok(Worker {
                jobs,
                broken,
                conn,
                queued,
            }),
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
        self.queued.fetch_add(1, Ordering::AcqRel);
        let sent = self.jobs.send(Box::new(move |conn| {
            let _ = done.send(job(conn));
        }));
        if sent.is_err() {
            self.queued.fetch_sub(1, Ordering::AcqRel);
            return Err(lost());
        }
        Ok(reply)
    }

    /// The connection, for work on the caller's thread, when no job is
    /// queued or running (and the thread is alive).
    pub(crate) fn try_inline(&self) -> Option<MutexGuard<'_, rusqlite::Connection>> {
        if self.queued.load(Ordering::Acquire) != 0 || self.is_broken() {
            return None;
        }
        self.conn.try_lock().ok()
    }

    /// Runs `job` on the caller's thread, where the busy timeout is off
    /// (the connection's thread turns it on only for its own jobs). `None`
    /// when it must go to the connection's thread instead: a job is queued
    /// or running, or `job` found the database locked (SQLite then did
    /// nothing of the statement, which may run again).
    pub(crate) fn run_here<R>(
        &self,
        job: impl FnOnce(&mut rusqlite::Connection) -> Result<R>,
    ) -> Option<Result<R>> {
        let mut conn = self.try_inline()?;
        match job(&mut conn) {
            Err(Error::Busy { .. }) => None,
            other => Some(other),
        }
    }

    /// Sends `job` without waiting for it; it runs before any job sent
    /// after it. False when the thread is gone.
    pub(crate) fn send(
        &self,
        job: impl FnOnce(&mut rusqlite::Connection) + Send + 'static,
    ) -> bool {
        self.queued.fetch_add(1, Ordering::AcqRel);
        let sent = self.jobs.send(Box::new(job)).is_ok();
        if !sent {
            self.queued.fetch_sub(1, Ordering::AcqRel);
        }
        sent
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
    // Off from here on, but while the connection's thread runs a job.
    conn.busy_timeout(Duration::ZERO)
        .map_err(super::error::from_rusqlite)?;
    Ok(conn)
}

/// The error of a connection whose thread is gone.
pub(crate) fn lost() -> Error {
    Error::ConnectionLost {
        source: "the SQLite connection's thread has ended".into(),
    }
}
