//! What a document holds ([`IntoData`]), and what a table in debug mode
//! checks before it writes one ([`Allowed`]).

use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};

/// Values that become a document's data: a map of string keys to JSON values.
///
/// Implemented for `serde_json::Map<String, Value>`, for a
/// `serde_json::Value` that is an object (anything else is given back, and
/// the table reports [`Error::InvalidDocument`]), and for arrays and vectors
/// of `(key, value)` pairs.
///
/// ```
/// use orm_core::documents::IntoData;
/// use serde_json::json;
///
/// let from_json = json!({"name": "ann", "age": 31}).into_data().unwrap();
/// let from_pairs = [("name", json!("ann")), ("age", json!(31))].into_data().unwrap();
/// assert_eq!(from_json, from_pairs);
/// assert!(json!(["not", "an", "object"]).into_data().is_err());
/// ```
pub trait IntoData {
    /// The map, or the value itself when it is not a JSON object.
    fn into_data(self) -> std::result::Result<Map<String, Json>, Json>;
}

impl IntoData for Map<String, Json> {
    fn into_data(self) -> std::result::Result<Map<String, Json>, Json> {
        Ok(self)
    }
}

impl IntoData for Json {
    fn into_data(self) -> std::result::Result<Map<String, Json>, Json> {
        match self {
            Json::Object(map) => Ok(map),
            other => Err(other),
        }
    }
}

impl<K: Into<String>, V: Into<Json>, const N: usize> IntoData for [(K, V); N] {
    fn into_data(self) -> std::result::Result<Map<String, Json>, Json> {
        Ok(self
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect())
    }
}

impl<K: Into<String>, V: Into<Json>> IntoData for Vec<(K, V)> {
    fn into_data(self) -> std::result::Result<Map<String, Json>, Json> {
        Ok(self
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect())
    }
}

/// Converts `data` for table `table`, reporting a non-object.
pub(crate) fn to_map(table: &str, data: impl IntoData) -> Result<Map<String, Json>> {
    data.into_data().map_err(|other| Error::InvalidDocument {
        table: table.to_string(),
        key: None,
        reason: format!("a document is a JSON object, not {}", kind(&other)),
    })
}

/// What a document table in debug mode accepts. Before each insert or save
/// it checks every key and value, and refuses a document that breaks the
/// rule with [`Error::InvalidDocument`] naming the key, before anything is
/// sent (so the session stays usable).
///
/// Keys are strings by construction. Neither rule lets a NUL character
/// (U+0000) into a key or string: PostgreSQL's `jsonb` cannot store one.
///
/// ```
/// use orm_core::documents::Allowed;
///
/// // htables' debug rule: every value is a string.
/// let strict = Allowed::Strings;
/// assert_ne!(strict, Allowed::Json);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Allowed {
    /// Every value is a JSON string (htables' rule for its debug mode).
    Strings,
    /// Any JSON value both backends store: strings, numbers, booleans,
    /// null, arrays and objects.
    Json,
}

/// Checks `data` against `allowed` for table `table`.
pub(crate) fn check(table: &str, allowed: Allowed, data: &Map<String, Json>) -> Result<()> {
    for (key, value) in data {
        let refuse = |reason: String| Error::InvalidDocument {
            table: table.to_string(),
            key: Some(key.clone()),
            reason,
        };
        if key.contains('\0') {
            return Err(refuse(
                "the key holds a NUL character (U+0000), which PostgreSQL cannot store".into(),
            ));
        }
        if allowed == Allowed::Strings && !value.is_string() {
            return Err(refuse(format!(
                "the value is {}, and this table allows only strings",
                kind(value)
            )));
        }
        if holds_nul(value) {
            return Err(refuse(
                "the value holds a NUL character (U+0000), which PostgreSQL cannot store".into(),
            ));
        }
    }
    Ok(())
}

fn holds_nul(value: &Json) -> bool {
    match value {
        Json::String(s) => s.contains('\0'),
        Json::Array(items) => items.iter().any(holds_nul),
        Json::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        Json::Null | Json::Bool(_) | Json::Number(_) => false,
    }
}

/// A JSON value's kind, for messages.
fn kind(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn map(value: Json) -> Map<String, Json> {
        to_map("t", value).expect("an object")
    }

    #[test]
    fn strings_mode_refuses_other_values_and_names_the_key() {
        let err = check("people", Allowed::Strings, &map(json!({"a": "x", "b": 2})))
            .expect_err("a number is not a string");
        match err {
            Error::InvalidDocument { table, key, reason } => {
                assert_eq!(table, "people");
                assert_eq!(key.as_deref(), Some("b"));
                assert_eq!(
                    reason,
                    "the value is a number, and this table allows only strings"
                );
            }
            other => panic!("{other:?}"),
        }
        check(
            "people",
            Allowed::Strings,
            &map(json!({"": "", "é\"\\": "ü"})),
        )
        .expect("strings pass");
    }

    #[test]
    fn json_mode_takes_any_value_but_no_nul() {
        check(
            "t",
            Allowed::Json,
            &map(json!({"a": [1, {"b": null}], "c": true})),
        )
        .expect("any JSON passes");
        let nested = check("t", Allowed::Json, &map(json!({"a": [{"b": "x\u{0}"}]})));
        assert!(
            matches!(&nested, Err(Error::InvalidDocument { key: Some(k), .. }) if k == "a"),
            "{nested:?}"
        );
        let in_key = check("t", Allowed::Strings, &map(json!({"a\u{0}": "x"})));
        assert!(
            matches!(in_key, Err(Error::InvalidDocument { .. })),
            "{in_key:?}"
        );
    }

    #[test]
    fn a_document_must_be_an_object() {
        let err = to_map("t", json!([1, 2])).expect_err("an array is no document");
        assert_eq!(
            err.to_string(),
            "invalid document for `t`: a document is a JSON object, not an array"
        );
        assert_eq!(
            to_map("t", [("k", "v")]).expect("pairs"),
            map(json!({"k": "v"}))
        );
    }
}
