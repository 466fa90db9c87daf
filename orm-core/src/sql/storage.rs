//! How a dialect stores what has no column type of its own: schemaless
//! documents and blob files. A dialect names its way with
//! [`Dialect::document_storage`](super::Dialect::document_storage) and
//! [`Dialect::blob_storage`](super::Dialect::blob_storage); the document and
//! blob modules write the SQL of each way.

/// How a database stores a document table (an `id` and a JSON object `data`).
///
/// ```
/// use orm_core::sql::DocumentStorage;
///
/// let storage = DocumentStorage::Jsonb;
/// assert_ne!(storage, DocumentStorage::JsonText);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DocumentStorage {
    /// `data JSONB` with a GIN index (`jsonb_path_ops`); rows are matched by
    /// containment, `data @> $1::jsonb`, which the index serves. PostgreSQL.
    Jsonb,
    /// `data TEXT` holding the document's JSON text; rows are matched through
    /// `json_each(data)`, which compares keys and values exactly whatever
    /// characters a key holds. SQLite.
    JsonText,
}

/// How a database stores blob files (binary data read and written in chunks).
///
/// ```
/// use orm_core::sql::BlobStorage;
///
/// let storage = BlobStorage::ChunkTable;
/// assert_ne!(storage, BlobStorage::LargeObjects);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BlobStorage {
    /// Large objects: `lo_create`, `lo_put`, `lo_get` and `lo_unlink`, which
    /// run inside the transaction; a file's id is its OID. PostgreSQL.
    LargeObjects,
    /// A table of files (`orm_blobs`) and a table of their chunks
    /// (`orm_blob_chunks`, keyed by file and sequence number), created on
    /// first use. SQLite.
    ChunkTable,
}
