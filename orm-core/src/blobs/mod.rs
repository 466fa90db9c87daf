//! Blob files: binary data stored in the database, written from any
//! [`AsyncRead`](tokio::io::AsyncRead) and read back as a stream of chunks,
//! with memory bounded by one chunk ([`CHUNK_SIZE`]) whatever the file's size.
//!
//! PostgreSQL keeps a file as a large object (its id is the object's OID;
//! `lo_create`, `lo_put`, `lo_get` and `lo_unlink` run inside the
//! transaction). SQLite keeps it as rows of 256 KiB in `orm_blob_chunks`,
//! keyed by file and sequence number, with one row per file in `orm_blobs`;
//! both tables are created on first use. Either way a file is
//! transactional: created and rolled back, it is gone; deleted and rolled
//! back, it is there.
//!
//! ```no_run
//! # use orm_core::*;
//! # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
//! use futures_util::TryStreamExt;
//!
//! let file = s.create_blob().await?;                       // a new id
//! let written = file.save_from(s, &b"hello, blob"[..]).await?;
//! assert_eq!(written, 11);
//! s.commit().await?;
//!
//! let file = s.open_blob(file.id()).await?;                // Error::NotFound if missing
//! let bytes: Vec<u8> = file.chunks(s).try_concat().await?;
//! assert_eq!(bytes, b"hello, blob");
//! s.delete_blob(file.id()).await?;
//! s.commit().await?;
//! # Ok(()) }
//! ```

mod read;
mod sql;
mod write;

use sql::BlobSql;

use crate::error::{Error, Result};
use crate::session::{Backend, Session};
use crate::sql::BlobStorage;
use crate::value::ValueRef;

/// The most bytes one chunk holds: what `save_from` writes per statement
/// and what [`BlobFile::chunks`] yields at most per item (256 KiB).
pub const CHUNK_SIZE: usize = 256 * 1024;

/// A blob file stored in the database (htables' `DbFile`): a handle holding
/// its id. Every operation takes the session it runs in.
///
/// ```no_run
/// # use orm_core::*;
/// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
/// // Any tokio AsyncRead: a file, a socket, a request body.
/// # let upload: &[u8] = b"";
/// let file = s.create_blob().await?;
/// file.save_from(s, upload).await?;
/// println!("stored {} bytes as blob {}", file.size(s).await?, file.id());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BlobFile {
    id: i64,
}

impl BlobFile {
    /// The file's id, to open it again with [`Session::open_blob`].
    pub fn id(&self) -> i64 {
        self.id
    }
}

/// The blob statements of `session`'s dialect.
fn statements<B: Backend>(session: &Session<B>) -> Result<(BlobStorage, BlobSql)> {
    if session.is_autocommit() {
        // A file is written in several statements, and PostgreSQL's large
        // objects live only inside a transaction.
        return Err(crate::session::needs_transaction("use a blob file"));
    }
    let dialect = session.database().backend().dialect();
    let storage = dialect.blob_storage().ok_or_else(|| Error::Unsupported {
        backend: dialect.name(),
        what: "blob files".to_string(),
    })?;
    Ok((storage, BlobSql::of(storage)))
}

/// The error for a file that does not exist.
fn not_found(id: i64) -> Error {
    Error::NotFound {
        table: format!("blob {id}"),
    }
}

impl<B: Backend> Session<B> {
    /// Creates an empty blob file with a new id, in this session's
    /// transaction.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>) -> Result<()> {
    /// let file = s.create_blob().await?;
    /// s.rollback().await?;                                   // and it is gone
    /// assert!(matches!(s.open_blob(file.id()).await, Err(Error::NotFound { .. })));
    /// # Ok(()) }
    /// ```
    pub async fn create_blob(&mut self) -> Result<BlobFile> {
        let (_, sql) = statements(self)?;
        if let Some(ensure) = sql.ensure {
            self.batch(ensure).await?;
        }
        let ids: Vec<(i64,)> = self.fetch_sql(sql.create, &[], true).await?;
        let id = ids
            .first()
            .map(|row| row.0)
            .ok_or_else(|| Error::Database {
                code: String::new(),
                message: "creating a blob file returned no id".to_string(),
                source: None,
            })?;
        Ok(BlobFile { id })
    }

    /// The blob file with id `id`; [`Error::NotFound`] (table `blob <id>`)
    /// when there is none.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>, id: i64) -> Result<()> {
    /// match s.open_blob(id).await {
    ///     Ok(file) => println!("blob {} holds {} bytes", file.id(), file.size(s).await?),
    ///     Err(Error::NotFound { table }) => println!("{table} does not exist"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn open_blob(&mut self, id: i64) -> Result<BlobFile> {
        let (storage, sql) = statements(self)?;
        if !fits(storage, id) {
            return Err(not_found(id));
        }
        if let Some(ensure) = sql.ensure {
            self.batch(ensure).await?;
        }
        let rows: Vec<(i64,)> = self
            .fetch_sql(sql.exists, &[ValueRef::I64(id)], false)
            .await?;
        match rows.first() {
            Some(_) => Ok(BlobFile { id }),
            None => Err(not_found(id)),
        }
    }

    /// Deletes the blob file with id `id`; [`Error::NotFound`] when there is
    /// none.
    ///
    /// ```no_run
    /// # use orm_core::*;
    /// # async fn f<B: Backend>(s: &mut Session<B>, id: i64) -> Result<()> {
    /// s.delete_blob(id).await?;
    /// s.rollback().await?;                  // deleted and rolled back: it is there
    /// s.open_blob(id).await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete_blob(&mut self, id: i64) -> Result<()> {
        let (storage, sql) = statements(self)?;
        if !fits(storage, id) {
            return Err(not_found(id));
        }
        if let Some(ensure) = sql.ensure {
            self.batch(ensure).await?;
        }
        let mut write = write::Unfinished::new(self);
        let deleted = match storage {
            BlobStorage::LargeObjects => {
                let rows: Vec<(i32,)> = write
                    .session()
                    .fetch_sql(sql.delete, &[ValueRef::I64(id)], true)
                    .await?;
                !rows.is_empty()
            }
            _ => {
                let n = write
                    .session()
                    .execute_sql(sql.delete, &[ValueRef::I64(id)])
                    .await?;
                if let (true, Some(chunks)) = (n > 0, sql.delete_chunks) {
                    write
                        .session()
                        .execute_sql(chunks, &[ValueRef::I64(id)])
                        .await?;
                }
                n > 0
            }
        };
        write.finish();
        if deleted {
            Ok(())
        } else {
            Err(not_found(id))
        }
    }
}

/// Whether `id` can name a file at all: a large object's OID is an unsigned
/// 32-bit number, so asking the server about another would be an error there.
fn fits(storage: BlobStorage, id: i64) -> bool {
    match storage {
        BlobStorage::LargeObjects => u32::try_from(id).is_ok(),
        _ => true,
    }
}
