//! What becomes of a [`PgConnection`] when it is dropped: back to the pool
//! as it is, rolled back first, or closed.

use std::time::Duration;

use orm_core::TxStatus;

use crate::pool::Object;
use crate::PgConnection;

/// How long a dropped connection's `ROLLBACK` may take before the connection
/// is closed instead.
const ROLLBACK_TIMEOUT: Duration = Duration::from_secs(30);

impl Drop for PgConnection {
    fn drop(&mut self) {
        let Some(object) = self.object.take() else {
            return;
        };
        if self.discarded || object.client.is_closed() || self.may_hold_advisory_locks() {
            // Closing also ends the session's advisory locks.
            close(object);
        } else if self.status() == TxStatus::Idle && !self.in_flight {
            // Back to the pool as it is: no round trip.
            drop(object);
        } else {
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    // If the runtime shuts down before the task finishes, the
                    // guard is dropped with the task and closes the connection.
                    let guard = CloseUnlessReleased(Some(object));
                    drop(runtime.spawn(roll_back_then_release(guard)));
                }
                // No runtime to roll back on: closing the socket makes the
                // server roll back.
                Err(_) => close(object),
            }
        }
    }
}

/// Takes `object` out of the pool for good and closes it.
fn close(object: Object) {
    drop(deadpool::managed::Object::take(object));
}

/// Holds a connection being rolled back; closes it when dropped still holding it.
struct CloseUnlessReleased(Option<Object>);

impl Drop for CloseUnlessReleased {
    fn drop(&mut self) {
        if let Some(object) = self.0.take() {
            close(object);
        }
    }
}

async fn roll_back_then_release(mut guard: CloseUnlessReleased) {
    let Some(object) = guard.0.as_ref() else {
        return;
    };
    let rolled_back =
        tokio::time::timeout(ROLLBACK_TIMEOUT, object.client.batch_execute("ROLLBACK"))
            .await
            .is_ok_and(|r| r.is_ok());
    if rolled_back {
        // Back to the pool, outside any transaction.
        drop(guard.0.take());
    }
}
