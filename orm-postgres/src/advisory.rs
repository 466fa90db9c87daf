//! Advisory locks on a [`PgConnection`]: `pg_advisory_lock` and friends,
//! with the count of session-level locks the connection may hold, so that
//! one holding any never goes back to the pool (see `release.rs`).

use orm_core::session::{AdvisoryKey, AdvisoryScope};
use orm_core::{Result, ValueRef};

use crate::PgConnection;

/// The SQL calling advisory-lock function `function` on `key`, and its binds.
/// Functions returning `void` are called in `FROM`, so that every call
/// returns one boolean row.
///
/// ```text
/// SELECT true FROM pg_advisory_lock($1::int8)
/// SELECT pg_try_advisory_xact_lock($1::int4, $2::int4)
/// ```
fn call(function: &str, returns_bool: bool, key: AdvisoryKey) -> (String, Vec<ValueRef<'static>>) {
    let (args, binds) = match key {
        AdvisoryKey::Int(k) => ("$1::int8", vec![ValueRef::I64(k)]),
        AdvisoryKey::Pair(a, b) => (
            "$1::int4, $2::int4",
            vec![ValueRef::I32(a), ValueRef::I32(b)],
        ),
    };
    let sql = if returns_bool {
        format!("SELECT {function}({args})")
    } else {
        format!("SELECT true FROM {function}({args})")
    };
    (sql, binds)
}

/// The lock function for `scope`, waiting or not.
fn lock_function(scope: AdvisoryScope, wait: bool) -> &'static str {
    match (scope, wait) {
        (AdvisoryScope::Session, true) => "pg_advisory_lock",
        (AdvisoryScope::Session, false) => "pg_try_advisory_lock",
        (AdvisoryScope::Transaction, true) => "pg_advisory_xact_lock",
        (AdvisoryScope::Transaction, false) => "pg_try_advisory_xact_lock",
    }
}

impl PgConnection {
    /// Takes `key` for `scope`; with `wait`, as long as it takes (and the
    /// answer is always true), else only if it is free.
    pub(crate) async fn take_advisory(
        &mut self,
        key: AdvisoryKey,
        scope: AdvisoryScope,
        wait: bool,
    ) -> Result<bool> {
        let counted = scope == AdvisoryScope::Session;
        if counted {
            // Counted before it is sent: if this future is dropped while the
            // statement runs, the lock may yet be taken, and the connection
            // must not go back to the pool.
            self.advisory_locks = self.advisory_locks.saturating_add(1);
        }
        let (sql, binds) = call(lock_function(scope, wait), !wait, key);
        // A session lock taken here is counted above, not left to the
        // clean-up a raw lock call asks for (see `changes_session_settings`).
        let settings_changed = self.settings_changed;
        let result = self.run_extra::<(bool,)>(&sql, &binds).await;
        self.settings_changed = settings_changed;
        let taken = result.map(|rows| rows.first().is_some_and(|row| row.0));
        if counted && !matches!(taken, Ok(true)) {
            self.advisory_locks = self.advisory_locks.saturating_sub(1);
        }
        taken
    }

    /// Releases one hold of the session-level lock `key`; false when this
    /// connection did not hold it.
    pub(crate) async fn release_advisory(&mut self, key: AdvisoryKey) -> Result<bool> {
        let (sql, binds) = call("pg_advisory_unlock", true, key);
        let rows = self.run_extra::<(bool,)>(&sql, &binds).await?;
        let released = rows.first().is_some_and(|row| row.0);
        if released {
            self.advisory_locks = self.advisory_locks.saturating_sub(1);
        }
        Ok(released)
    }

    /// True when the connection may hold a session-level advisory lock.
    pub(crate) fn may_hold_advisory_locks(&self) -> bool {
        self.advisory_locks > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bound_with_their_types() {
        let (sql, binds) = call("pg_advisory_lock", false, AdvisoryKey::Int(-7));
        assert_eq!(sql, "SELECT true FROM pg_advisory_lock($1::int8)");
        assert_eq!(binds, [ValueRef::I64(-7)]);
        let (sql, binds) = call("pg_try_advisory_xact_lock", true, AdvisoryKey::Pair(3, 4));
        assert_eq!(sql, "SELECT pg_try_advisory_xact_lock($1::int4, $2::int4)");
        assert_eq!(binds, [ValueRef::I32(3), ValueRef::I32(4)]);
    }

    #[test]
    fn each_scope_and_wait_has_its_function() {
        assert_eq!(
            lock_function(AdvisoryScope::Session, true),
            "pg_advisory_lock"
        );
        assert_eq!(
            lock_function(AdvisoryScope::Session, false),
            "pg_try_advisory_lock"
        );
        assert_eq!(
            lock_function(AdvisoryScope::Transaction, true),
            "pg_advisory_xact_lock"
        );
        assert_eq!(
            lock_function(AdvisoryScope::Transaction, false),
            "pg_try_advisory_xact_lock"
        );
    }
}
