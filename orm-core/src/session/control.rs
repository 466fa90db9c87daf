//! Finding transaction-control statements in SQL text.
//!
//! A connection goes back to its pool as it is only when it is known to be
//! outside any transaction. orm's own `BEGIN`, `COMMIT` and `ROLLBACK` are
//! tracked as they complete; SQL that a program sends through an escape hatch
//! ([`Connection::batch`](super::Connection::batch) and friends) may control
//! the transaction itself. Backends scan such SQL with [`controls_transaction`]
//! and mark the connection [`TxStatus::Unknown`](super::TxStatus::Unknown)
//! when it does, so that it is rolled back before anyone else leases it.
//!
//! The scan is lexical and errs on the safe side: text it cannot follow to
//! the end (an unterminated quote or comment) counts as controlling the
//! transaction. Quotes (`'..'`, `E'..'`, `".."`, `` `..` ``, `[..]`), dollar
//! quotes, line and block comments are skipped; a statement ends at a `;`
//! outside parentheses, and inside `CREATE` statements also outside
//! `BEGIN .. END` and `CASE .. END` blocks (SQLite triggers, SQL-standard
//! function bodies), whose inner statements are not transaction control.

/// The first words of statements that open, end or nest transactions.
const CONTROL_WORDS: [&[u8]; 9] = [
    b"BEGIN",
    b"START",
    b"COMMIT",
    b"END",
    b"ROLLBACK",
    b"ABORT",
    b"SAVEPOINT",
    b"RELEASE",
    b"PREPARE",
];

/// True when any statement of `sql` is transaction control (`BEGIN`,
/// `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`, `ABORT`, `SAVEPOINT`,
/// `RELEASE`, `PREPARE TRANSACTION`, `COMMIT PREPARED` ...), or when the text
/// cannot be scanned to its end.
///
/// ```
/// use orm_core::session::controls_transaction;
/// assert!(controls_transaction("begin; insert into t values (1)"));
/// assert!(controls_transaction("INSERT INTO t VALUES (1); COMMIT"));
/// assert!(!controls_transaction("SELECT 'BEGIN', \"commit\" FROM t -- ROLLBACK"));
/// assert!(!controls_transaction("PREPARE q AS SELECT 1"));
/// ```
pub fn controls_transaction(sql: &str) -> bool {
    // Without a `;` the text is one statement (a trigger or function body
    // needs one inside): its first word decides, and the rest of a long
    // statement (a bulk INSERT) is not scanned.
    let one_statement = !sql.as_bytes().contains(&b';');
    if one_statement && starts_plain(sql.as_bytes()) {
        return false;
    }
    scan(sql.as_bytes(), one_statement)
}

/// True when `sql` is one statement (no `;`) that starts with `SELECT`,
/// `INSERT`, `UPDATE`, `DELETE` or `WITH`, written in capitals as orm
/// writes them: then it neither controls the transaction nor changes a
/// setting, and backends skip their scans of it. Costs a search for `;`
/// and one comparison; `false` only means "scan it".
///
/// ```
/// use orm_core::session::is_plain_statement;
/// assert!(is_plain_statement(r#"UPDATE "users" SET "name" = $1 WHERE "id" = $2"#));
/// assert!(!is_plain_statement("SELECT 1; COMMIT"));
/// assert!(!is_plain_statement("PRAGMA cache_size = 10"));
/// assert!(!is_plain_statement("SELECTED"), "a whole word, not a prefix");
/// ```
pub fn is_plain_statement(sql: &str) -> bool {
    !sql.as_bytes().contains(&b';') && starts_plain(sql.as_bytes())
}

/// Whether `sql` starts with one of the words of [`is_plain_statement`].
fn starts_plain(sql: &[u8]) -> bool {
    const PLAIN: [&[u8]; 5] = [b"SELECT", b"INSERT", b"UPDATE", b"DELETE", b"WITH"];
    PLAIN
        .iter()
        .any(|word| sql.starts_with(word) && sql.get(word.len()).is_none_or(|c| !is_word_byte(*c)))
}

/// Whether `sql` is one `SELECT` or `VALUES` statement (comments and a
/// trailing `;` aside): a query that changes nothing, so that running it to
/// look at its first row is harmless (SQLite types an expression column
/// only from a value). Quotes and comments are skipped as by
/// [`controls_transaction`]; text it cannot follow is not a lone query.
///
/// ```
/// use orm_core::session::is_lone_query;
/// assert!(is_lone_query("-- names\nselect ';' AS semi FROM t;"));
/// assert!(!is_lone_query("SELECT 1; DELETE FROM t"));
/// assert!(!is_lone_query("DELETE FROM t RETURNING id + 1"));
/// ```
pub fn is_lone_query(sql: &str) -> bool {
    let bytes = sql.as_bytes();
    let mut lexer = Lexer { sql: bytes, at: 0 };
    if !lexer.skip_blank(true) {
        return false;
    }
    let Some(first) = lexer.word() else {
        return false;
    };
    if !(first.eq_ignore_ascii_case(b"SELECT") || first.eq_ignore_ascii_case(b"VALUES")) {
        return false;
    }
    match lexer.skip_statement(false) {
        Skip::End => true,
        Skip::Broken => false,
        // Only blanks (and `;`) may follow.
        Skip::Next => lexer.skip_blank(true) && lexer.at >= bytes.len(),
    }
}

/// Like [`controls_transaction`], looking at the first statement only: for
/// protocols that run one statement at a time (PostgreSQL's extended query
/// protocol refuses more). Costs a few byte comparisons.
///
/// ```
/// use orm_core::session::first_statement_controls_transaction;
/// assert!(first_statement_controls_transaction("  /* hi */ Rollback"));
/// assert!(!first_statement_controls_transaction("SELECT 1; COMMIT"));
/// ```
pub fn first_statement_controls_transaction(sql: &str) -> bool {
    scan(sql.as_bytes(), true)
}

fn scan(sql: &[u8], first_only: bool) -> bool {
    let mut lexer = Lexer { sql, at: 0 };
    loop {
        // The start of a statement: its first two words decide.
        if !lexer.skip_blank(true) {
            return true; // an unterminated comment
        }
        if lexer.at >= sql.len() {
            return false;
        }
        let Some(first) = lexer.word() else {
            return true; // not a word: cannot tell
        };
        if is_control(first, &mut lexer) {
            return true;
        }
        if first_only {
            return false;
        }
        let compound = first.eq_ignore_ascii_case(b"CREATE");
        match lexer.skip_statement(compound) {
            Skip::Next => {}
            Skip::End => return false,
            Skip::Broken => return true,
        }
    }
}

/// Whether a statement starting with `first` is transaction control.
fn is_control(first: &[u8], lexer: &mut Lexer<'_>) -> bool {
    let first_is = |w: &[u8]| first.eq_ignore_ascii_case(w);
    if first_is(b"PREPARE") {
        // PREPARE TRANSACTION 'gid', not PREPARE name AS ...
        return lexer
            .peek_word()
            .is_some_and(|w| w.eq_ignore_ascii_case(b"TRANSACTION"));
    }
    CONTROL_WORDS.iter().any(|w| first_is(w))
}

enum Skip {
    /// Another statement follows.
    Next,
    /// The text ended cleanly.
    End,
    /// The text ended inside a quote, comment or block.
    Broken,
}

struct Lexer<'a> {
    sql: &'a [u8],
    at: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self, offset: usize) -> Option<u8> {
        self.sql.get(self.at + offset).copied()
    }

    /// Skips whitespace, `;` and comments; false when a comment is unterminated.
    fn skip_blank(&mut self, semicolons: bool) -> bool {
        loop {
            match self.peek(0) {
                Some(c) if c.is_ascii_whitespace() || (semicolons && c == b';') => self.at += 1,
                Some(b'-') if self.peek(1) == Some(b'-') => {
                    while self.peek(0).is_some_and(|c| c != b'\n') {
                        self.at += 1;
                    }
                }
                Some(b'/') if self.peek(1) == Some(b'*') => {
                    if !self.skip_block_comment() {
                        return false;
                    }
                }
                _ => return true,
            }
        }
    }

    /// Skips a (possibly nested) block comment starting here.
    fn skip_block_comment(&mut self) -> bool {
        let mut depth = 0usize;
        while let Some(c) = self.peek(0) {
            if c == b'/' && self.peek(1) == Some(b'*') {
                depth += 1;
                self.at += 2;
            } else if c == b'*' && self.peek(1) == Some(b'/') {
                depth -= 1;
                self.at += 2;
                if depth == 0 {
                    return true;
                }
            } else {
                self.at += 1;
            }
        }
        false
    }

    /// The word starting here, consumed.
    fn word(&mut self) -> Option<&'a [u8]> {
        let start = self.at;
        while self.peek(0).is_some_and(is_word_byte) {
            self.at += 1;
        }
        (self.at > start).then(|| &self.sql[start..self.at])
    }

    /// The next word, not consumed.
    fn peek_word(&mut self) -> Option<&'a [u8]> {
        let at = self.at;
        let word = if self.skip_blank(false) {
            let start = self.at;
            while self.peek(0).is_some_and(is_word_byte) {
                self.at += 1;
            }
            (self.at > start).then(|| &self.sql[start..self.at])
        } else {
            None
        };
        self.at = at;
        word
    }

    /// Skips to just past the `;` that ends the current statement.
    fn skip_statement(&mut self, compound: bool) -> Skip {
        let mut parens = 0usize;
        let mut blocks = 0usize;
        while let Some(c) = self.peek(0) {
            match c {
                b';' if parens == 0 && blocks == 0 => {
                    self.at += 1;
                    return Skip::Next;
                }
                b'(' => parens += 1,
                b')' => parens = parens.saturating_sub(1),
                b'\'' => {
                    let backslashes = self.at > 0
                        && matches!(self.sql[self.at - 1], b'E' | b'e')
                        && (self.at < 2 || !is_word_byte(self.sql[self.at - 2]));
                    if !self.skip_quoted(b'\'', backslashes) {
                        return Skip::Broken;
                    }
                    continue;
                }
                b'"' | b'`' => {
                    if !self.skip_quoted(c, false) {
                        return Skip::Broken;
                    }
                    continue;
                }
                b'[' => {
                    if !self.skip_quoted(b']', false) {
                        return Skip::Broken;
                    }
                    continue;
                }
                b'$' => {
                    if !self.skip_dollar_quoted() {
                        return Skip::Broken;
                    }
                    continue;
                }
                b'-' | b'/' => {
                    if !self.skip_blank(false) {
                        return Skip::Broken;
                    }
                    if self.peek(0) == Some(c) {
                        self.at += 1;
                    }
                    continue;
                }
                c if is_word_byte(c) => {
                    let start = self.at;
                    while self.peek(0).is_some_and(is_word_byte) {
                        self.at += 1;
                    }
                    if compound {
                        let word = &self.sql[start..self.at];
                        if word.eq_ignore_ascii_case(b"BEGIN") || word.eq_ignore_ascii_case(b"CASE")
                        {
                            blocks += 1;
                        } else if word.eq_ignore_ascii_case(b"END") {
                            blocks = blocks.saturating_sub(1);
                        }
                    }
                    continue;
                }
                _ => {}
            }
            self.at += 1;
        }
        if blocks == 0 {
            Skip::End
        } else {
            Skip::Broken
        }
    }

    /// Skips a quoted run opened here and closed by `close` (doubled, it
    /// stands for itself); with `backslashes`, `\x` escapes anything.
    fn skip_quoted(&mut self, close: u8, backslashes: bool) -> bool {
        self.at += 1;
        while let Some(c) = self.peek(0) {
            self.at += 1;
            if backslashes && c == b'\\' {
                self.at += 1;
            } else if c == close {
                if self.peek(0) == Some(close) {
                    self.at += 1;
                } else {
                    return true;
                }
            }
        }
        false
    }

    /// Skips `$tag$ .. $tag$` when one opens here; a `$1` parameter or a
    /// lone `$` is skipped as one byte.
    fn skip_dollar_quoted(&mut self) -> bool {
        let rest = &self.sql[self.at + 1..];
        let tag_len = rest
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c >= 0x80)
            .count();
        let opens =
            rest.get(tag_len) == Some(&b'$') && !rest.first().is_some_and(u8::is_ascii_digit);
        if !opens {
            self.at += 1;
            return true;
        }
        let delimiter = &self.sql[self.at..self.at + tag_len + 2];
        let body_start = self.at + delimiter.len();
        match find(&self.sql[body_start..], delimiter) {
            Some(end) => {
                self.at = body_start + end + delimiter.len();
                true
            }
            None => false,
        }
    }
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_query_is_one_select_or_values_and_nothing_else() {
        assert!(super::is_lone_query("SELECT 1"));
        assert!(super::is_lone_query("  select x FROM t;  "));
        assert!(super::is_lone_query("VALUES (1, 'a;b')"));
        assert!(super::is_lone_query("/* why */ SELECT 1 -- done"));
        assert!(!super::is_lone_query(
            "WITH d AS (DELETE FROM t RETURNING id) SELECT 1"
        ));
        assert!(!super::is_lone_query("SELECT 1; DELETE FROM t"));
        assert!(!super::is_lone_query("PRAGMA journal_mode = WAL"));
        assert!(!super::is_lone_query("SELECT 'unterminated"));
        assert!(!super::is_lone_query("selection"));
        assert!(!super::is_lone_query(""));
    }

    #[test]
    fn every_control_statement_is_found() {
        for sql in [
            "BEGIN",
            "begin transaction isolation level serializable",
            "BEGIN IMMEDIATE",
            "START TRANSACTION READ ONLY",
            "COMMIT",
            "commit and chain",
            "END",
            "ROLLBACK",
            "ROLLBACK TO SAVEPOINT a",
            "ABORT",
            "SAVEPOINT \"x y\"",
            "RELEASE SAVEPOINT a",
            "PREPARE TRANSACTION 'g'",
            "COMMIT PREPARED 'g'",
            "ROLLBACK PREPARED 'g'",
        ] {
            assert!(controls_transaction(sql), "{sql}");
            assert!(first_statement_controls_transaction(sql), "{sql}");
        }
    }

    #[test]
    fn control_after_other_statements_is_found() {
        assert!(controls_transaction("CREATE TABLE t (a int); BEGIN"));
        assert!(controls_transaction("SELECT ';'; COMMIT;"));
        assert!(controls_transaction("SELECT $$;$$; /* c */ END"));
        assert!(controls_transaction("SELECT E'\\';'; ROLLBACK"));
        assert!(controls_transaction("SELECT \"a;b\" FROM t;\nBEGIN"));
        assert!(controls_transaction("SELECT 1 -- ;\n; savepoint s"));
    }

    #[test]
    fn quoted_and_commented_words_are_not_control() {
        for sql in [
            "SELECT 'BEGIN; COMMIT'",
            "SELECT 1 /* ; COMMIT */",
            "SELECT 1 -- ; COMMIT",
            "SELECT $tag$ ; COMMIT $tag$",
            "SELECT $1, $2 FROM t",
            "UPDATE t SET a = CASE WHEN b THEN 1 ELSE 2 END",
            "PREPARE q AS SELECT 1",
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            "",
            " ; ;",
            "DO $$ BEGIN PERFORM 1; END $$",
        ] {
            assert!(!controls_transaction(sql), "{sql}");
        }
    }

    #[test]
    fn trigger_and_function_bodies_are_one_statement() {
        let trigger = "CREATE TRIGGER t AFTER INSERT ON a BEGIN \
                       UPDATE b SET n = CASE WHEN n > 0 THEN n + 1 ELSE 1 END; \
                       DELETE FROM c; END; SELECT 1";
        assert!(!controls_transaction(trigger));
        assert!(controls_transaction(&format!("{trigger}; COMMIT")));
        let function = "CREATE FUNCTION f() RETURNS int LANGUAGE sql \
                        BEGIN ATOMIC SELECT 1; END";
        assert!(!controls_transaction(function));
    }

    #[test]
    fn text_that_cannot_be_followed_counts_as_control() {
        // (A quote may hide a `;` and a COMMIT after it.)
        for sql in [
            "SELECT 'unterminated; COMMIT",
            "SELECT 1; /* unterminated",
            "SELECT $x$ unterminated; COMMIT",
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN DELETE FROM c;",
        ] {
            assert!(controls_transaction(sql), "{sql}");
        }
        // One statement (no `;` anywhere) is judged by its first word.
        assert!(!controls_transaction("SELECT 'unterminated"));
    }

    #[test]
    fn the_first_statement_alone_decides_for_single_statement_protocols() {
        assert!(!first_statement_controls_transaction("SELECT 1; BEGIN"));
        assert!(first_statement_controls_transaction("-- note\nBEGIN"));
        assert!(!first_statement_controls_transaction(
            "INSERT INTO t VALUES (1)"
        ));
    }
}
