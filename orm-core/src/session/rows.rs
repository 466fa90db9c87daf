//! Row helpers: find, write or remove one model row by its primary key.

use super::{Backend, Session};
use crate::error::{Error, Result};
use crate::query::{DeleteRowTree, InsertTree, KeyLookup, Returning, UpdateRowTree};
use crate::table::{PrimaryKey, Table};

impl<B: Backend> Session<B> {
    /// The row of `T` whose primary key is `key`, or `None` when there is
    /// none: `SELECT <every column> FROM t WHERE "id" = $1` (one condition
    /// per key column). A read like any `select`; on PostgreSQL at READ
    /// COMMITTED it runs ahead of the transaction's `BEGIN`.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend, User: PrimaryKey<Key = i64>>(s: &mut Session<B>) -> Result<()> {
    /// let user: Option<User> = s.get::<User>(42).await?;
    /// # Ok(()) }
    /// ```
    pub async fn get<T: PrimaryKey>(&mut self, key: T::Key) -> Result<Option<T>> {
        let rows: Vec<T> = self.run_fetch(&KeyLookup::<T>(&key), false).await?;
        Ok(rows.into_iter().next())
    }

    /// Saves `row`: inserts it when it is new (its generated key is unset),
    /// filling in the key; updates it by key otherwise. For a table without a
    /// generated key, inserts the row or, if its key exists, updates it.
    pub async fn add<T: Table>(&mut self, row: &mut T) -> Result<()> {
        match T::table().generated {
            Some(_) if !row.has_key() => self.insert_now(row).await,
            Some(_) => self.update_now(row).await,
            None => self.merge(row).await,
        }
    }

    /// Inserts `row` now; a generated key comes back into `row`.
    pub async fn insert_now<T: Table>(&mut self, row: &mut T) -> Result<()> {
        let returns_key = T::table().generated.is_some() && !row.has_key();
        let rows = std::slice::from_ref(&*row);
        if returns_key {
            let tree = InsertTree::new(rows, Returning::GeneratedKey)?;
            let keys: Vec<(i64,)> = self.run_fetch(&tree, true).await?;
            let key = keys.first().map(|k| k.0).ok_or_else(|| Error::NotFound {
                table: T::table().name.to_string(),
            })?;
            row.set_generated_key(key)
        } else {
            let tree = InsertTree::new(rows, Returning::Nothing)?;
            self.run_execute(&tree).await.map(drop)
        }
    }

    /// Updates every non-key column of the row with `row`'s key;
    /// [`Error::NotFound`] when no row has that key.
    pub async fn update_now<T: Table>(&mut self, row: &T) -> Result<()> {
        require_key(row)?;
        if T::table().non_key_columns().next().is_none() {
            return Err(Error::InvalidQuery {
                table: T::table().name,
                reason: "every column is part of the primary key: there is nothing to update"
                    .into(),
            });
        }
        let n = self.run_execute(&UpdateRowTree(row)).await?;
        found::<T>(n)
    }

    /// Deletes the row with `row`'s key; [`Error::NotFound`] when there is none.
    pub async fn delete_now<T: Table>(&mut self, row: &T) -> Result<()> {
        require_key(row)?;
        let n = self.run_execute(&DeleteRowTree(row)).await?;
        found::<T>(n)
    }

    /// Deletes `row` by its key (the same as [`Session::delete_now`]).
    pub async fn remove<T: Table>(&mut self, row: &T) -> Result<()> {
        self.delete_now(row).await
    }

    /// Inserts `row`, or updates the row with its key if there is one
    /// (`INSERT .. ON CONFLICT (key) DO UPDATE`).
    pub async fn merge<T: Table>(&mut self, row: &T) -> Result<()> {
        require_key(row)?;
        let mut tree = InsertTree::new(std::slice::from_ref(row), Returning::Nothing)?;
        tree.merge = true;
        self.run_execute(&tree).await.map(drop)
    }
}

fn require_key<T: Table>(row: &T) -> Result<()> {
    if row.has_key() {
        Ok(())
    } else {
        Err(Error::MissingPrimaryKey {
            table: T::table().name,
        })
    }
}

fn found<T: Table>(n: u64) -> Result<()> {
    if n == 0 {
        Err(Error::NotFound {
            table: T::table().name.to_string(),
        })
    } else {
        Ok(())
    }
}
