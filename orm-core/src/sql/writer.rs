//! Token sinks: the SQL text writer and the shape-key writer.

use crate::sql::Dialect;
use crate::value::ValueRef;

/// Receives the tokens of a rendered query.
///
/// Identifiers and fragments are `&'static str` so that the shape key can
/// record them by address: the same address and length always mean the same
/// text.
pub trait Sink<'q> {
    /// The dialect rendering this query.
    fn dialect(&self) -> &dyn Dialect;
    /// A fixed SQL fragment (keyword, punctuation).
    fn sql(&mut self, fragment: &'static str);
    /// An identifier, quoted by the dialect.
    fn ident(&mut self, name: &'static str);
    /// A bound value; the dialect writes its placeholder.
    fn bind(&mut self, value: ValueRef<'q>);
}

/// Writes SQL text and collects binds.
pub struct SqlWriter<'d, 'q> {
    dialect: &'d dyn Dialect,
    /// The SQL text written so far.
    pub sql: String,
    /// The values bound so far, in placeholder order.
    pub binds: Vec<ValueRef<'q>>,
}

impl<'d, 'q> SqlWriter<'d, 'q> {
    /// An empty writer for `dialect`.
    pub fn new(dialect: &'d dyn Dialect) -> Self {
        SqlWriter {
            dialect,
            sql: String::with_capacity(128),
            binds: Vec::new(),
        }
    }
}

impl<'q> Sink<'q> for SqlWriter<'_, 'q> {
    fn dialect(&self) -> &dyn Dialect {
        self.dialect
    }
    fn sql(&mut self, fragment: &'static str) {
        self.sql.push_str(fragment);
    }
    fn ident(&mut self, name: &'static str) {
        self.dialect.write_ident(name, &mut self.sql);
    }
    fn bind(&mut self, value: ValueRef<'q>) {
        self.binds.push(value);
        self.dialect
            .write_placeholder(self.binds.len(), &mut self.sql);
    }
}

/// Records the token stream as words: a fragment or identifier is its address
/// and its length tagged with its kind; a bind is a 0 in address position
/// (no `&'static str` lives at address 0).
pub(crate) struct KeyWriter<'d, 'q> {
    dialect: &'d dyn Dialect,
    pub(crate) key: Vec<usize>,
    pub(crate) binds: Vec<ValueRef<'q>>,
}

impl<'d, 'q> KeyWriter<'d, 'q> {
    pub(crate) fn new(dialect: &'d dyn Dialect) -> Self {
        KeyWriter {
            dialect,
            key: Vec::with_capacity(64),
            binds: Vec::new(),
        }
    }
}

impl<'q> Sink<'q> for KeyWriter<'_, 'q> {
    fn dialect(&self) -> &dyn Dialect {
        self.dialect
    }
    fn sql(&mut self, fragment: &'static str) {
        self.key.push(fragment.as_ptr() as usize);
        self.key.push(fragment.len() << 1);
    }
    fn ident(&mut self, name: &'static str) {
        self.key.push(name.as_ptr() as usize);
        self.key.push((name.len() << 1) | 1);
    }
    fn bind(&mut self, value: ValueRef<'q>) {
        self.key.push(0);
        self.binds.push(value);
    }
}
