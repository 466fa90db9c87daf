//! Reverting: `down` and `down_to`, latest migration first, each in a
//! transaction of its own that holds the migrations lock.

use std::time::Instant;

use orm_core::{Backend, Database};

use crate::error::{MigrateError, Result};
use crate::migration::Migration;
use crate::record::{self, Record};
use crate::runner::{commit_or_fail, rolled_back, run, Migrator};
use crate::status::{Progress, Report};

impl<B: Backend> Migrator<B> {
    /// Reverts the last applied migration (nothing when none is applied).
    pub async fn down(&self, db: &Database<B>) -> Result<Report> {
        self.validate()?;
        let records = self.records(db).await?;
        match records.last() {
            Some(last) => self.down_until(db, last.version - 1, records).await,
            None => Ok(Report::default()),
        }
    }

    /// Reverts every applied migration above `version`, latest first;
    /// `down_to(db, 0)` reverts them all.
    pub async fn down_to(&self, db: &Database<B>, version: i64) -> Result<Report> {
        self.validate()?;
        self.check_target(version, true)?;
        let records = self.records(db).await?;
        self.down_until(db, version, records).await
    }

    async fn down_until(
        &self,
        db: &Database<B>,
        target: i64,
        records: Vec<Record>,
    ) -> Result<Report> {
        self.verify(&records)?;
        let mut plan: Vec<&Migration<B>> = records
            .iter()
            .rev()
            .filter(|r| r.version > target)
            .filter_map(|r| self.find(r.version))
            .collect();
        plan.dedup_by_key(|m| m.version);
        if let Some(m) = plan.iter().find(|m| m.down.is_none()) {
            return Err(MigrateError::NoDown {
                version: m.version,
                name: m.name.clone(),
            });
        }
        let mut report = Report::default();
        for m in plan {
            if self.revert(db, m).await? {
                report.reverted.push(m.version);
            } else {
                report.skipped.push(m.version);
            }
        }
        Ok(report)
    }

    /// Runs `m` down and removes its record, in one transaction that holds
    /// the lock. False when another runner reverted it first.
    async fn revert(&self, db: &Database<B>, m: &Migration<B>) -> Result<bool> {
        let Some(down) = &m.down else {
            return Err(MigrateError::NoDown {
                version: m.version,
                name: m.name.clone(),
            });
        };
        let mut s = record::begin_locked(db, &self.table, self.lock_wait, true).await?;
        let records = match record::read(&mut s, &self.table).await {
            Ok(records) => records,
            Err(e) => return rolled_back(s, Err(e)).await,
        };
        if let Err(e) = self.verify(&records) {
            return rolled_back(s, Err(e)).await;
        }
        if records.last().map(|r| r.version) != Some(m.version) {
            self.report(Progress::Skipped {
                version: m.version,
                name: &m.name,
            });
            return rolled_back(s, Ok(false)).await;
        }
        self.report(Progress::Reverting {
            version: m.version,
            name: &m.name,
        });
        let started = Instant::now();
        let mut result = run(down, &mut s).await;
        if result.is_ok() {
            result = record::delete(&mut s, &self.table, m.version).await;
        }
        commit_or_fail(s, m, result).await?;
        self.report(Progress::Reverted {
            version: m.version,
            name: &m.name,
            elapsed: started.elapsed(),
        });
        Ok(true)
    }
}
