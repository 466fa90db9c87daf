//! Leasing connections from a [`deadpool`] pool, as every backend does:
//! one rule for the idle connection handed out at once and the wait under
//! the acquire timeout, and one mapping of the pool's errors to orm's.
//! For backend crates; applications lease through
//! [`Backend::acquire`](crate::Backend::acquire).

use std::fmt::Display;
use std::time::Duration;

use deadpool::managed::{Manager, Object, Pool, PoolError};
use futures_util::FutureExt as _;

use crate::error::{Error, Result};
use crate::session::PoolStatus;

/// A connection from `pool`. One that is idle is handed out on the first
/// poll, with no timer armed; otherwise (waiting for one, or opening one)
/// the lease runs under `timeout`, past which it is
/// [`Error::PoolTimeout`]. The manager's own errors become orm's through
/// `backend` (see [`pool_error`] for the others).
///
/// ```
/// use std::time::Duration;
/// use deadpool::managed::{Manager, Metrics, Pool, RecycleResult};
///
/// #[derive(Debug)]
/// struct Numbers;
/// impl Manager for Numbers {
///     type Type = u32;
///     type Error = orm_core::Error;
///     async fn create(&self) -> orm_core::Result<u32> { Ok(7) }
///     async fn recycle(&self, _: &mut u32, _: &Metrics) -> RecycleResult<orm_core::Error> { Ok(()) }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> orm_core::Result<()> {
/// let pool = Pool::builder(Numbers).max_size(1).build().unwrap();
/// let first = orm_core::pool::lease(&pool, Duration::from_millis(20), |e| e).await?;
/// assert_eq!(*first, 7);
/// // The only connection is taken: the second lease times out.
/// let err = orm_core::pool::lease(&pool, Duration::from_millis(20), |e| e).await.unwrap_err();
/// assert!(matches!(err, orm_core::Error::PoolTimeout { .. }));
/// # Ok(()) }
/// ```
pub async fn lease<M: Manager>(
    pool: &Pool<M>,
    timeout: Duration,
    backend: impl FnOnce(M::Error) -> Error,
) -> Result<Object<M>>
where
    M::Error: Display,
{
    // Only when one is idle: an attempt that had started opening a
    // connection would be dropped half way (a connection thread left to
    // open a database file another one is setting up). Should another
    // task take it first, the attempt is dropped (deadpool undoes it) and
    // made again under the timeout.
    if pool.status().available > 0 {
        if let Some(ready) = pool.get().now_or_never() {
            return ready.map_err(|e| pool_error(e, timeout, backend));
        }
    }
    // Boxed: the wait holds the connect future, and every statement's
    // future that leases would otherwise carry its size.
    match Box::pin(tokio::time::timeout(timeout, pool.get())).await {
        Ok(leased) => leased.map_err(|e| pool_error(e, timeout, backend)),
        Err(_) => Err(Error::PoolTimeout { timeout }),
    }
}

/// A pool's error as orm's: its timeout [`Error::PoolTimeout`], the
/// manager's own errors through `backend`, and a closed pool (or a hook
/// that failed) [`Error::ConnectionLost`].
pub fn pool_error<E: Display>(
    error: PoolError<E>,
    timeout: Duration,
    backend: impl FnOnce(E) -> Error,
) -> Error {
    match error {
        PoolError::Timeout(_) => Error::PoolTimeout { timeout },
        PoolError::Backend(e) => backend(e),
        PoolError::Closed => Error::ConnectionLost {
            source: "the connection pool is closed".into(),
        },
        other => Error::ConnectionLost {
            source: other.to_string().into(),
        },
    }
}

/// How full `pool` is.
pub fn status<M: Manager>(pool: &Pool<M>) -> PoolStatus {
    let status = pool.status();
    PoolStatus {
        max_size: status.max_size,
        size: status.size,
        idle: status.available,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use deadpool::managed::{Manager, Metrics, Pool, RecycleResult};

    use super::{lease, status};
    use crate::{Error, PoolStatus};

    /// Hands out numbers; the second one it is asked for fails.
    #[derive(Debug, Default)]
    struct Numbers(std::sync::atomic::AtomicU32);

    impl Manager for Numbers {
        type Type = u32;
        type Error = String;

        async fn create(&self) -> Result<u32, String> {
            match self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
                1 => Err("the server said no".to_string()),
                n => Ok(n),
            }
        }

        async fn recycle(&self, _: &mut u32, _: &Metrics) -> RecycleResult<String> {
            Ok(())
        }
    }

    fn refused(message: String) -> Error {
        Error::InvalidQuery {
            table: "pool",
            reason: message,
        }
    }

    #[tokio::test]
    async fn a_lease_maps_the_managers_error_the_timeout_and_a_closed_pool() {
        let pool = Pool::builder(Numbers::default())
            .max_size(2)
            .build()
            .unwrap();
        let timeout = Duration::from_millis(20);
        let first = lease(&pool, timeout, refused).await.unwrap();
        assert_eq!(*first, 0);
        let err = lease(&pool, timeout, refused).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidQuery { reason, .. } if reason == "the server said no"),
            "{err:?}"
        );
        let second = lease(&pool, timeout, refused).await.unwrap();
        assert_eq!(*second, 2);
        let err = lease(&pool, timeout, refused).await.unwrap_err();
        assert!(
            matches!(err, Error::PoolTimeout { timeout: t } if t == timeout),
            "{err:?}"
        );
        assert_eq!(
            status(&pool),
            PoolStatus {
                max_size: 2,
                size: 2,
                idle: 0
            }
        );
        drop(first);
        // The idle one is handed out again, at once.
        let again = lease(&pool, timeout, refused).await.unwrap();
        assert_eq!(*again, 0);
        pool.close();
        let err = lease(&pool, timeout, refused).await.unwrap_err();
        assert!(matches!(err, Error::ConnectionLost { .. }), "{err:?}");
    }
}
