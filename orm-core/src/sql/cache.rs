//! The per-database cache of compiled SQL, keyed by query shape.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::writer::KeyWriter;
use super::{Binds, Dialect, FastHash, Render, SqlWriter};

/// How many shapes a cache holds before it starts over.
const CAPACITY: usize = 4096;

/// The largest shape-key buffer (in words) a thread keeps: a huge one (a
/// multi-row insert's) is freed rather than held for good.
const KEPT_KEY_WORDS: usize = 4096;

thread_local! {
    /// The shape-key buffer of the statements this thread compiles.
    static KEY_BUFFER: Cell<Vec<usize>> = const { Cell::new(Vec::new()) };
}

/// Gives `buffer` back to the thread for its next statement.
fn keep_buffer(buffer: Vec<usize>) {
    if buffer.capacity() <= KEPT_KEY_WORDS {
        KEY_BUFFER.with(|cell| cell.set(buffer));
    }
}

/// SQL text for each query shape seen, so a shape is written only once.
#[derive(Default)]
pub struct SqlCache {
    map: Mutex<HashMap<Box<[usize]>, Arc<str>, FastHash>>,
}

impl std::fmt::Debug for SqlCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlCache")
            .field("len", &self.len())
            .finish()
    }
}

impl SqlCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The number of shapes cached.
    pub fn len(&self) -> usize {
        self.map.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// True when no shape is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A query compiled for one dialect: SQL text and the values to bind.
#[derive(Debug, Clone)]
pub struct Compiled<'q> {
    /// The SQL text, shared with the cache.
    pub sql: Arc<str>,
    /// The values, in placeholder order, borrowed from the query.
    pub binds: Binds<'q>,
}

/// Compiles `query` for `dialect`, reusing the cached SQL of its shape.
pub fn compile<'q, Q: Render + ?Sized>(
    query: &'q Q,
    dialect: &dyn Dialect,
    cache: &SqlCache,
) -> Compiled<'q> {
    let (tokens, binds) = query.size_hint();
    // The key is only looked up (and copied on a miss): its buffer is the
    // thread's, reused from one statement to the next rather than allocated
    // and freed for each.
    let mut buffer = KEY_BUFFER.with(Cell::take);
    buffer.reserve(tokens);
    let mut key = KeyWriter::reusing(dialect, buffer, binds);
    query.render(&mut key);
    // A poisoned lock only means another thread panicked mid-insert; the map
    // itself is still a valid map of complete entries.
    let hit = match cache.map.lock() {
        Ok(map) => map.get(key.key.as_slice()).cloned(),
        Err(poisoned) => poisoned.into_inner().get(key.key.as_slice()).cloned(),
    };
    if let Some(sql) = hit {
        keep_buffer(key.key);
        return Compiled {
            sql,
            binds: key.binds,
        };
    }
    let mut writer = SqlWriter::new(dialect);
    writer.binds.reserve(binds);
    query.render(&mut writer);
    let sql: Arc<str> = writer.sql.into();
    let mut map = match cache.map.lock() {
        Ok(map) => map,
        Err(poisoned) => poisoned.into_inner(),
    };
    if map.len() >= CAPACITY {
        map.clear();
    }
    map.insert(key.key.as_slice().into(), sql.clone());
    drop(map);
    keep_buffer(key.key);
    Compiled {
        sql,
        binds: writer.binds,
    }
}
