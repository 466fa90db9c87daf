//! Token sinks: the SQL text writer and the shape-key writer.

use crate::sql::{Binds, Dialect};
use crate::table::TableMeta;
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

    /// Every column of `table`, in order, separated by `, `, each written
    /// `"table"."column"` when `qualified`. A key writer records the table
    /// alone: its columns are fixed, and the list is long.
    fn all_columns(&mut self, table: &'static TableMeta, qualified: bool) {
        for (i, col) in table.columns.iter().enumerate() {
            if i > 0 {
                self.sql(", ");
            }
            if qualified {
                self.ident(table.name);
                self.sql(".");
            }
            self.ident(col.name);
        }
    }
}

/// Writes SQL text and collects binds.
pub struct SqlWriter<'d, 'q> {
    dialect: &'d dyn Dialect,
    /// The SQL text written so far.
    pub sql: String,
    /// The values bound so far, in placeholder order.
    pub binds: Binds<'q>,
}

impl<'d, 'q> SqlWriter<'d, 'q> {
    /// An empty writer for `dialect`.
    pub fn new(dialect: &'d dyn Dialect) -> Self {
        SqlWriter {
            dialect,
            sql: String::with_capacity(128),
            binds: Binds::new(),
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

/// Records the token stream as words. A fragment or identifier is its
/// address (nonzero) packed with its length and kind into one word when they
/// fit (addresses below 2^48, lengths below 2^15), else the word 1 followed
/// by the address and the tagged length; a bind is a 0; all the columns of a
/// table ([`Sink::all_columns`]) are the word 2, the table's address and
/// whether they are qualified. No packed word is 0, 1 or 2, so the words
/// read back one way only.
pub(crate) struct KeyWriter<'d, 'q> {
    dialect: &'d dyn Dialect,
    pub(crate) key: Vec<usize>,
    pub(crate) binds: Binds<'q>,
}

impl<'d, 'q> KeyWriter<'d, 'q> {
    /// A writer recording into `key` (emptied first), with room for `binds`
    /// binds.
    pub(crate) fn reusing(dialect: &'d dyn Dialect, mut key: Vec<usize>, binds: usize) -> Self {
        key.clear();
        KeyWriter {
            dialect,
            key,
            binds: Binds::with_capacity(binds),
        }
    }

    #[inline]
    fn token(&mut self, text: &'static str, kind: usize) {
        let address = text.as_ptr() as usize;
        let tagged = (text.len() << 1) | kind;
        let (a, t) = (address as u64, tagged as u64);
        if a < 1 << 48 && t < 1 << 16 {
            // On a 32-bit target the packed word rarely fits: the long form.
            if let Ok(word) = usize::try_from((a << 16) | t) {
                self.key.push(word);
                return;
            }
        }
        self.key.extend([1, address, tagged]);
    }
}

impl<'q> Sink<'q> for KeyWriter<'_, 'q> {
    fn dialect(&self) -> &dyn Dialect {
        self.dialect
    }
    fn sql(&mut self, fragment: &'static str) {
        self.token(fragment, 0);
    }
    fn ident(&mut self, name: &'static str) {
        self.token(name, 1);
    }
    fn bind(&mut self, value: ValueRef<'q>) {
        self.key.push(0);
        self.binds.push(value);
    }
    fn all_columns(&mut self, table: &'static TableMeta, qualified: bool) {
        self.key.extend([
            2,
            std::ptr::from_ref(table) as usize,
            usize::from(qualified),
        ]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Plain;
    impl Dialect for Plain {
        fn name(&self) -> &'static str {
            "plain"
        }
        fn write_placeholder(&self, _: usize, out: &mut String) {
            out.push('?');
        }
        fn max_binds(&self) -> usize {
            10
        }
        fn column_type(&self, _: crate::value::SqlType) -> &'static str {
            "ANY"
        }
        fn generated_key(&self, _: crate::value::SqlType) -> &'static str {
            "INTEGER"
        }
    }

    fn key(tokens: &[(&'static str, bool)]) -> Vec<usize> {
        let mut w = KeyWriter::reusing(&Plain, Vec::new(), 0);
        for (text, ident) in tokens {
            if *ident {
                w.ident(text);
            } else {
                w.sql(text);
            }
        }
        w.bind(ValueRef::I64(1));
        w.key
    }

    #[test]
    fn tokens_pack_into_one_word_each_and_differ_by_kind_and_length() {
        let text: &'static str = "users";
        let short = &text[..4];
        let a = key(&[(text, false)]);
        assert_eq!(a.len(), 2, "one word for the fragment, one for the bind");
        assert_ne!(a, key(&[(text, true)]), "a fragment is not an identifier");
        assert_ne!(a, key(&[(short, false)]), "a prefix is another token");
        assert_eq!(a[1], 0);
    }

    #[test]
    fn all_columns_are_one_table_in_the_key_and_every_column_in_the_sql() {
        use crate::table::{ColumnMeta, TableMeta};
        use crate::value::SqlType;
        static COLUMNS: [ColumnMeta; 2] = [
            ColumnMeta::new("id", SqlType::I64),
            ColumnMeta::new("name", SqlType::Text),
        ];
        static USERS: TableMeta = TableMeta::new("users", "User", &COLUMNS, &[0], Some(0));
        static PEOPLE: TableMeta = TableMeta::new("people", "Person", &COLUMNS, &[0], Some(0));
        let columns = |table: &'static TableMeta, qualified: bool| {
            let mut key = KeyWriter::reusing(&Plain, Vec::new(), 0);
            key.all_columns(table, qualified);
            let mut sql = SqlWriter::new(&Plain);
            sql.all_columns(table, qualified);
            (key.key, sql.sql)
        };
        let (key, sql) = columns(&USERS, false);
        assert_eq!(key, [2, std::ptr::from_ref(&USERS) as usize, 0]);
        assert_eq!(sql, "\"id\", \"name\"");
        let (qualified_key, qualified_sql) = columns(&USERS, true);
        assert_ne!(qualified_key, key);
        assert_eq!(qualified_sql, "\"users\".\"id\", \"users\".\"name\"");
        assert_ne!(columns(&PEOPLE, false).0, key, "another table, another key");
    }

    #[test]
    fn a_long_fragment_takes_three_words() {
        let long: &'static str = Box::leak("x".repeat(40_000).into_boxed_str());
        let k = key(&[(long, false), ("users", true)]);
        assert_eq!(k[..3], [1, long.as_ptr() as usize, 80_000]);
        assert_eq!(k.len(), 5);
    }
}
