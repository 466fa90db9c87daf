//! How one model differs from its table in the database.

use orm_core::inspect::{
    normalize_default, ColumnInfo, ForeignKeyInfo, IndexInfo, TableInfo, UniqueInfo,
};
use orm_core::{ColumnMeta, Dialect, ForeignKeyMeta, TableMeta};

/// A column present on both sides whose definition differs.
pub(crate) struct Altered<'d> {
    /// The model's column.
    pub model: &'static ColumnMeta,
    /// The database's column.
    pub db: &'d ColumnInfo,
    /// The type differs.
    pub ty: bool,
    /// Nullability differs.
    pub nullable: bool,
    /// The default differs.
    pub default: bool,
}

/// Everything that differs between a model and its table.
pub(crate) struct TableChanges<'d> {
    pub meta: &'static TableMeta,
    pub db: &'d TableInfo,
    pub added: Vec<&'static ColumnMeta>,
    pub dropped: Vec<&'d ColumnInfo>,
    pub altered: Vec<Altered<'d>>,
    pub primary_key: bool,
    pub uniques_added: Vec<(String, Vec<&'static str>)>,
    pub uniques_dropped: Vec<&'d UniqueInfo>,
    pub indexes_added: Vec<(String, Vec<&'static str>)>,
    pub indexes_dropped: Vec<&'d IndexInfo>,
    pub fks_added: Vec<&'static ForeignKeyMeta>,
    pub fks_dropped: Vec<&'d ForeignKeyInfo>,
}

/// The model's default as the dialect writes it.
pub(crate) fn default_text(dialect: &dyn Dialect, col: &ColumnMeta) -> Option<String> {
    col.default.as_ref().map(|d| {
        let mut text = String::new();
        dialect.write_default(d, &mut text);
        text
    })
}

fn same_fk(model: &ForeignKeyMeta, db: &ForeignKeyInfo) -> bool {
    model
        .columns
        .iter()
        .copied()
        .eq(db.columns.iter().map(String::as_str))
        && model.target_table().name == db.target_table
        && model
            .referenced_columns()
            .into_iter()
            .eq(db.target_columns.iter().map(String::as_str))
        && model.on_delete == db.on_delete
        && model.on_update == db.on_update
}

fn same_columns(model: &[&str], db: &[String]) -> bool {
    model.iter().copied().eq(db.iter().map(String::as_str))
}

impl<'d> TableChanges<'d> {
    /// Compares model `meta` with table `db`.
    pub fn new(dialect: &dyn Dialect, meta: &'static TableMeta, db: &'d TableInfo) -> Self {
        let added = meta
            .columns
            .iter()
            .filter(|c| db.column(c.name).is_none())
            .collect();
        let dropped = db
            .columns
            .iter()
            .filter(|c| meta.column(&c.name).is_none())
            .collect();
        let altered = meta
            .columns
            .iter()
            .filter_map(|model| {
                let db = db.column(model.name)?;
                let ty = !dialect.column_type_matches(&db.data_type, model.sql_type);
                // A key column is NOT NULL whatever it says (SQLite lets
                // non-integer keys be NULL unless declared NOT NULL).
                let nullable = db.nullable != model.nullable && !model.primary_key;
                let default = !model.generated
                    && default_text(dialect, model).map(|d| normalize_default(&d))
                        != db.default.as_deref().map(normalize_default);
                (ty || nullable || default).then_some(Altered {
                    model,
                    db,
                    ty,
                    nullable,
                    default,
                })
            })
            .collect();
        let model_uniques = meta.unique_constraints();
        let model_indexes = meta.all_indexes();
        TableChanges {
            meta,
            db,
            added,
            dropped,
            altered,
            primary_key: !same_columns(&meta.primary_key_columns(), &db.primary_key),
            uniques_dropped: db
                .uniques
                .iter()
                .filter(|u| {
                    !model_uniques
                        .iter()
                        .any(|(_, cols)| same_columns(cols, &u.columns))
                })
                .collect(),
            uniques_added: model_uniques
                .iter()
                .filter(|(_, cols)| !db.uniques.iter().any(|u| same_columns(cols, &u.columns)))
                .cloned()
                .collect(),
            indexes_dropped: db
                .indexes
                .iter()
                .filter(|i| {
                    !model_indexes.iter().any(|(name, cols)| {
                        *name == i.name && !i.unique && same_columns(cols, &i.columns)
                    })
                })
                .collect(),
            indexes_added: model_indexes
                .iter()
                .filter(|(name, cols)| {
                    !db.indexes
                        .iter()
                        .any(|i| *name == i.name && !i.unique && same_columns(cols, &i.columns))
                })
                .cloned()
                .collect(),
            fks_dropped: db
                .foreign_keys
                .iter()
                .filter(|f| !meta.foreign_keys.iter().any(|m| same_fk(m, f)))
                .collect(),
            fks_added: meta
                .foreign_keys
                .iter()
                .filter(|m| !db.foreign_keys.iter().any(|f| same_fk(m, f)))
                .collect(),
        }
    }

    /// True when the model and the table agree.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.dropped.is_empty()
            && self.altered.is_empty()
            && !self.primary_key
            && self.uniques_added.is_empty()
            && self.uniques_dropped.is_empty()
            && self.indexes_added.is_empty()
            && self.indexes_dropped.is_empty()
            && self.fks_added.is_empty()
            && self.fks_dropped.is_empty()
    }

    /// True when a dialect that cannot alter constraints or columns (SQLite)
    /// must rebuild the table: anything beyond adding a NULL-able or
    /// defaulted plain column, dropping a plain column, and index changes.
    pub fn needs_rebuild(&self) -> bool {
        let in_constraint = |c: &str| {
            self.db.primary_key.iter().any(|k| k == c)
                || self
                    .db
                    .uniques
                    .iter()
                    .any(|u| u.columns.iter().any(|x| x == c))
                || self
                    .db
                    .foreign_keys
                    .iter()
                    .any(|f| f.columns.iter().any(|x| x == c))
        };
        !self.altered.is_empty()
            || self.primary_key
            || !self.uniques_added.is_empty()
            || !self.uniques_dropped.is_empty()
            || !self.fks_added.is_empty()
            || !self.fks_dropped.is_empty()
            || self
                .added
                .iter()
                .any(|c| (!c.nullable && c.default.is_none()) || c.primary_key || c.generated)
            || self.dropped.iter().any(|c| in_constraint(&c.name))
    }
}
