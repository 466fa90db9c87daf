//! The SQL of blob files, for each [`BlobStorage`].
//!
//! Every statement takes the file's id as `$1` (a `BIGINT`; PostgreSQL casts
//! it to the large object's `oid`).

use crate::sql::BlobStorage;

/// `lo_open` mode flags (`INV_WRITE`, `INV_READ` of `libpq/libpq-fs.h`).
const INV_WRITE: u32 = 0x0002_0000;
const INV_READ: u32 = 0x0004_0000;

/// The statements of one way of storing blobs.
#[derive(Debug)]
pub(crate) struct BlobSql {
    /// Run (as a batch) before a file is created, opened or deleted.
    pub(crate) ensure: Option<&'static str>,
    /// Creates a file; returns its id.
    pub(crate) create: &'static str,
    /// Returns the id of file `$1` when it exists.
    pub(crate) exists: &'static str,
    /// Deletes file `$1`; returns a row (PostgreSQL) or affects one (SQLite)
    /// when it existed.
    pub(crate) delete: &'static str,
    /// Deletes the chunks of file `$1` once the file is deleted.
    pub(crate) delete_chunks: Option<&'static str>,
    /// Empties file `$1`.
    pub(crate) truncate: String,
    /// Writes `$3` (bytes) as chunk `$2` (a byte offset on PostgreSQL, a
    /// sequence number on SQLite).
    pub(crate) write: &'static str,
    /// Reads the chunk after `$2`: the bytes at offset `$2`, at most `$3` of
    /// them (PostgreSQL), or the sequence number and bytes of the first
    /// chunk numbered above `$2` (SQLite).
    pub(crate) read: &'static str,
    /// The file's size in bytes.
    pub(crate) size: String,
}

impl BlobSql {
    pub(crate) fn of(storage: BlobStorage) -> BlobSql {
        match storage {
            BlobStorage::LargeObjects => BlobSql {
                ensure: None,
                create: "SELECT lo_create(0)::bigint",
                exists: "SELECT oid::bigint FROM pg_largeobject_metadata \
                         WHERE oid = $1::bigint::oid",
                delete: "SELECT lo_unlink(oid) FROM pg_largeobject_metadata \
                         WHERE oid = $1::bigint::oid",
                delete_chunks: None,
                truncate: format!("SELECT lo_truncate64(lo_open($1::bigint::oid, {INV_WRITE}), 0)"),
                write: "SELECT lo_put($1::bigint::oid, $2, $3)",
                read: "SELECT lo_get($1::bigint::oid, $2, $3)",
                // SEEK_END: the offset of the end is the size.
                size: format!("SELECT lo_lseek64(lo_open($1::bigint::oid, {INV_READ}), 0, 2)"),
            },
            // A table added to `BlobStorage` later falls to the portable way.
            _ => BlobSql {
                ensure: Some(
                    "CREATE TABLE IF NOT EXISTS \"orm_blobs\" \
                     (\"id\" INTEGER PRIMARY KEY AUTOINCREMENT);\n\
                     CREATE TABLE IF NOT EXISTS \"orm_blob_chunks\" (\
                     \"blob_id\" INTEGER NOT NULL REFERENCES \"orm_blobs\" (\"id\") ON DELETE CASCADE, \
                     \"seq\" INTEGER NOT NULL, \
                     \"data\" BLOB NOT NULL, \
                     PRIMARY KEY (\"blob_id\", \"seq\"))",
                ),
                create: "INSERT INTO \"orm_blobs\" DEFAULT VALUES RETURNING \"id\"",
                exists: "SELECT \"id\" FROM \"orm_blobs\" WHERE \"id\" = $1",
                delete: "DELETE FROM \"orm_blobs\" WHERE \"id\" = $1",
                delete_chunks: Some("DELETE FROM \"orm_blob_chunks\" WHERE \"blob_id\" = $1"),
                truncate: "DELETE FROM \"orm_blob_chunks\" WHERE \"blob_id\" = $1".to_string(),
                write: "INSERT INTO \"orm_blob_chunks\" (\"blob_id\", \"seq\", \"data\") \
                        VALUES ($1, $2, $3)",
                read: "SELECT \"seq\", \"data\" FROM \"orm_blob_chunks\" \
                       WHERE \"blob_id\" = $1 AND \"seq\" > $2 ORDER BY \"seq\" LIMIT 1",
                size: "SELECT COALESCE(SUM(length(\"data\")), 0) FROM \"orm_blob_chunks\" \
                       WHERE \"blob_id\" = $1"
                    .to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_object_modes_are_libpq_flags() {
        let sql = BlobSql::of(BlobStorage::LargeObjects);
        assert_eq!(
            sql.truncate,
            "SELECT lo_truncate64(lo_open($1::bigint::oid, 131072), 0)"
        );
        assert_eq!(
            sql.size,
            "SELECT lo_lseek64(lo_open($1::bigint::oid, 262144), 0, 2)"
        );
        assert_eq!(sql.ensure, None);
    }

    #[test]
    fn chunk_tables_are_created_on_first_use_and_read_in_order() {
        let sql = BlobSql::of(BlobStorage::ChunkTable);
        let ensure = sql.ensure.expect("SQLite creates its tables");
        assert!(ensure.starts_with("CREATE TABLE IF NOT EXISTS \"orm_blobs\""));
        assert!(ensure.contains("PRIMARY KEY (\"blob_id\", \"seq\")"));
        assert_eq!(
            sql.read,
            "SELECT \"seq\", \"data\" FROM \"orm_blob_chunks\" \
             WHERE \"blob_id\" = $1 AND \"seq\" > $2 ORDER BY \"seq\" LIMIT 1"
        );
    }
}
