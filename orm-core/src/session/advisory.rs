//! Advisory locks (PostgreSQL): application-defined locks on a key, held
//! by a database session until released ([`AdvisoryLock`]) or by a
//! transaction until it ends ([`Session::advisory_xact_lock`]).

use super::log::{logged_as, StatementLog};
use super::{Backend, Connection, Database, Session};
use crate::error::{Error, Result};

/// The key of an advisory lock.
///
/// PostgreSQL keeps two separate key spaces: one 64-bit integer
/// ([`AdvisoryKey::Int`]) and a pair of 32-bit integers
/// ([`AdvisoryKey::Pair`]). `Int(1)` and `Pair(0, 1)` are different locks.
///
/// ```
/// use orm_core::session::AdvisoryKey;
///
/// assert_eq!(AdvisoryKey::from(42i64), AdvisoryKey::Int(42));
/// assert_eq!(AdvisoryKey::from((7, 9)), AdvisoryKey::Pair(7, 9));
/// // A name is hashed with 64-bit FNV-1a, the same on every platform and version.
/// assert_eq!(AdvisoryKey::from("a"), AdvisoryKey::Int(0xaf63dc4c8601ec8c_u64 as i64));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdvisoryKey {
    /// One 64-bit key (`pg_advisory_lock(bigint)`).
    Int(i64),
    /// Two 32-bit keys (`pg_advisory_lock(int, int)`), say a table's id and a row's.
    Pair(i32, i32),
}

impl AdvisoryKey {
    /// The key for `name`: its 64-bit FNV-1a hash (offset basis
    /// `0xcbf29ce484222325`, prime `0x100000001b3`, over the UTF-8 bytes),
    /// read as an `i64`. The hash is fixed: the same name gives the same key
    /// on every platform, in every version of orm, and in any other program
    /// that computes FNV-1a 64 over the same bytes. Different names may, very
    /// rarely, share a key; use [`AdvisoryKey::Int`] where that matters.
    pub fn from_name(name: &str) -> Self {
        AdvisoryKey::Int(fnv1a_64(name.as_bytes()) as i64)
    }
}

/// 64-bit FNV-1a.
fn fnv1a_64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    })
}

impl std::fmt::Display for AdvisoryKey {
    /// The key as the lock functions take it: `42`, or `1, 42` for a pair.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AdvisoryKey::Int(key) => write!(f, "{key}"),
            AdvisoryKey::Pair(high, low) => write!(f, "{high}, {low}"),
        }
    }
}

impl From<i64> for AdvisoryKey {
    fn from(key: i64) -> Self {
        AdvisoryKey::Int(key)
    }
}

impl From<(i32, i32)> for AdvisoryKey {
    fn from((high, low): (i32, i32)) -> Self {
        AdvisoryKey::Pair(high, low)
    }
}

impl From<&str> for AdvisoryKey {
    /// [`AdvisoryKey::from_name`].
    fn from(name: &str) -> Self {
        AdvisoryKey::from_name(name)
    }
}

/// How long an advisory lock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdvisoryScope {
    /// Until unlocked, or until the database session (the connection) ends.
    Session,
    /// Until the transaction commits or rolls back; it cannot be unlocked
    /// earlier.
    Transaction,
}

/// A session-level advisory lock, held on a connection of its own that is
/// out of the pool while the lock is held.
///
/// [`release`](Self::release) unlocks it and returns the connection to the
/// pool. Dropped without `release` (an early `?`, a panic), the connection is
/// closed rather than returned: the server releases every lock of a session
/// that ends, so the lock never outlives the guard in the pool.
///
/// Locks are not re-entrant across guards: each guard is a database session
/// of its own, so a second `advisory_lock` on a held key waits for the first
/// guard, even in the same task.
#[must_use = "the lock is released when the guard is released or dropped"]
pub struct AdvisoryLock<B: Backend> {
    conn: Option<B::Conn>,
    key: AdvisoryKey,
    log: StatementLog,
}

impl<B: Backend> std::fmt::Debug for AdvisoryLock<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdvisoryLock")
            .field("key", &self.key)
            .field("held", &self.conn.is_some())
            .finish()
    }
}

impl<B: Backend> AdvisoryLock<B> {
    /// The key locked.
    pub fn key(&self) -> AdvisoryKey {
        self.key
    }

    /// Unlocks and returns the connection to the pool.
    ///
    /// If the unlock cannot be confirmed (the connection was lost, or the
    /// server says the lock was no longer held), the connection is closed,
    /// which ends the database session and with it the lock, and the error,
    /// if any, is returned.
    pub async fn release(mut self) -> Result<()> {
        let Some(mut conn) = self.conn.take() else {
            return Ok(());
        };
        let key = self.key;
        let describe = || format!("SELECT pg_advisory_unlock({key})");
        match logged_as(self.log, describe, &[], || conn.advisory_unlock(key)).await {
            Ok(true) => Ok(()),
            Ok(false) => {
                conn.discard();
                Ok(())
            }
            Err(e) => {
                conn.discard();
                Err(e)
            }
        }
    }
}

impl<B: Backend> Drop for AdvisoryLock<B> {
    fn drop(&mut self) {
        if let Some(conn) = &mut self.conn {
            // Closing the connection ends the database session, which
            // releases the lock; the pool never sees it.
            conn.discard();
        }
    }
}

impl<B: Backend> Database<B> {
    /// Takes the session-level advisory lock `key`, waiting as long as
    /// another session holds it, on a connection leased for the lock.
    /// PostgreSQL only: elsewhere [`Error::Unsupported`].
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(db: &Database<B>) -> Result<()> {
    /// let lock = db.advisory_lock("nightly-report").await?;
    /// // ... only one process at a time runs this ...
    /// lock.release().await?;
    /// # Ok(()) }
    /// ```
    pub async fn advisory_lock(&self, key: impl Into<AdvisoryKey>) -> Result<AdvisoryLock<B>> {
        let key = key.into();
        let log = self.statement_log();
        let mut conn = self.backend().acquire().await?;
        let describe = || format!("SELECT pg_advisory_lock({key})");
        logged_as(log, describe, &[], || {
            conn.advisory_lock(key, AdvisoryScope::Session)
        })
        .await?;
        Ok(AdvisoryLock {
            conn: Some(conn),
            key,
            log,
        })
    }

    /// Takes the session-level advisory lock `key` if it is free: `None`
    /// when another session holds it. Never waits for the lock.
    pub async fn try_advisory_lock(
        &self,
        key: impl Into<AdvisoryKey>,
    ) -> Result<Option<AdvisoryLock<B>>> {
        let key = key.into();
        let log = self.statement_log();
        let mut conn = self.backend().acquire().await?;
        let describe = || format!("SELECT pg_try_advisory_lock({key})");
        let taken = logged_as(log, describe, &[], || {
            conn.try_advisory_lock(key, AdvisoryScope::Session)
        })
        .await?;
        if taken {
            Ok(Some(AdvisoryLock {
                conn: Some(conn),
                key,
                log,
            }))
        } else {
            Ok(None)
        }
    }
}

impl<B: Backend> Session<B> {
    /// Takes the transaction-level advisory lock `key` in the session's
    /// transaction (opening one if none is open), waiting as long as another
    /// transaction or session holds it. It is released when the transaction
    /// commits or rolls back, and not before. PostgreSQL only: elsewhere
    /// [`Error::Unsupported`], and the transaction goes on.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// s.advisory_xact_lock((1, 42)).await?;
    /// // ... work on account 42 ...
    /// s.commit().await?; // releases the lock
    /// # Ok(()) }
    /// ```
    pub async fn advisory_xact_lock(&mut self, key: impl Into<AdvisoryKey>) -> Result<()> {
        let key = key.into();
        let log = self.db.statement_log();
        let conn = self.active("take an advisory lock", false).await?;
        let describe = || format!("SELECT pg_advisory_xact_lock({key})");
        let result = logged_as(log, describe, &[], || {
            conn.advisory_lock(key, AdvisoryScope::Transaction)
        })
        .await;
        self.track_backend_feature(result)
    }

    /// Takes the transaction-level advisory lock `key` if it is free, and
    /// says whether it did. Never waits for the lock.
    pub async fn try_advisory_xact_lock(&mut self, key: impl Into<AdvisoryKey>) -> Result<bool> {
        let key = key.into();
        let log = self.db.statement_log();
        let conn = self.active("take an advisory lock", false).await?;
        let describe = || format!("SELECT pg_try_advisory_xact_lock({key})");
        let result = logged_as(log, describe, &[], || {
            conn.try_advisory_lock(key, AdvisoryScope::Transaction)
        })
        .await;
        self.track_backend_feature(result)
    }

    /// Records the outcome of a call to a feature only some backends have:
    /// [`Error::Unsupported`] sent nothing, so the transaction goes on.
    pub(super) fn track_backend_feature<T>(&mut self, result: Result<T>) -> Result<T> {
        match result {
            Err(e @ Error::Unsupported { .. }) => {
                self.write_in_flight = false;
                Err(e)
            }
            result => {
                self.statements += 1;
                self.track(result)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_hash_to_the_published_fnv1a_64_values() {
        // Test vectors of the FNV reference (isthe.com/chongo/tech/comp/fnv).
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn a_name_is_always_the_same_key() {
        assert_eq!(
            AdvisoryKey::from_name("foobar"),
            AdvisoryKey::Int(0x8594_4171_f739_67e8_u64 as i64)
        );
        assert_eq!(
            AdvisoryKey::from_name("foobar"),
            AdvisoryKey::Int(-8_821_353_812_377_114_648)
        );
        assert_eq!(
            AdvisoryKey::from("foobar"),
            AdvisoryKey::from_name("foobar")
        );
        assert_ne!(
            AdvisoryKey::from_name("foobar"),
            AdvisoryKey::from_name("foobaz")
        );
    }

    #[test]
    fn integers_are_keys_as_they_are() {
        assert_eq!(AdvisoryKey::from(-5i64), AdvisoryKey::Int(-5));
        assert_eq!(AdvisoryKey::from((1, -2)), AdvisoryKey::Pair(1, -2));
    }
}
