//! What becomes of a [`PgConnection`] when it is dropped: back to the pool
//! as it is, rolled back first, or closed.

use std::time::Duration;

use crate::pool::Object;
use crate::settings::SESSION_CLEANUP;
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
        } else if self.outside_transaction() && !self.in_flight && !self.settings_changed {
            // Back to the pool as it is (a BEGIN never sent included): no
            // round trip.
            drop(object);
        } else {
            let roll_back = !self.outside_transaction() || self.in_flight;
            let reset = self.settings_changed;
            match tokio::runtime::Handle::try_current() {
                Ok(runtime) => {
                    // If the runtime shuts down before the task finishes, the
                    // guard is dropped with the task and closes the connection.
                    let guard = CloseUnlessReleased(Some(object));
                    drop(runtime.spawn(clean_then_release(guard, roll_back, reset)));
                }
                // No runtime to roll back on: closing the socket makes the
                // server roll back.
                Err(_) => close(object),
            }
        }
    }
}

/// Takes `object` out of the pool for good and closes it.
pub(crate) fn close(object: Object) {
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

/// Rolls back (`roll_back`) and undoes what outlived the transaction
/// (`reset`, [`SESSION_CLEANUP`]: settings back to the values the connection
/// started with, its startup `search_path` included; channels unlistened;
/// advisory locks released), then returns the connection to the pool; it is
/// closed instead if either fails.
async fn clean_then_release(mut guard: CloseUnlessReleased, roll_back: bool, reset: bool) {
    let Some(object) = guard.0.as_ref() else {
        return;
    };
    let run = |sql: &'static str| async move {
        tokio::time::timeout(ROLLBACK_TIMEOUT, object.client.batch_execute(sql))
            .await
            .is_ok_and(|r| r.is_ok())
    };
    if roll_back && !run("ROLLBACK").await {
        return;
    }
    if reset && !run(SESSION_CLEANUP).await {
        return;
    }
    // Back to the pool, outside any transaction, with its own settings.
    drop(guard.0.take());
}
