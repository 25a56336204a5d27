//! `crates/repo/src/schema.rs` describes the migrated database exactly: the same tables
//! (all of `public` but `__diesel_schema_migrations` and `job_*`), the same columns in the
//! same order with the same diesel types and nullability, the same primary keys, a
//! `joinable!` for exactly the single-column foreign keys, and every table in
//! `allow_tables_to_appear_in_same_query!`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use omnicrm_testkit::TestDb;
use tokio_postgres::Client;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    /// The SQL name (`#[sql_name = ".."]` if given, else the Rust name).
    name: String,
    /// The diesel SQL type as written, without spaces and `diesel::sql_types::` paths.
    ty: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Table {
    name: String,
    /// SQL names of the primary-key columns, in key order.
    pk: Vec<String>,
    columns: Vec<Column>,
}

#[derive(Debug, Default)]
struct Schema {
    tables: Vec<Table>,
    /// `(child, parent, column)` of every `joinable!`.
    joinables: BTreeSet<(String, String, String)>,
    /// Tables listed in `allow_tables_to_appear_in_same_query!`.
    same_query: BTreeSet<String>,
}

fn clean_type(ty: &str) -> String {
    ty.trim()
        .trim_end_matches(',')
        .replace("diesel::sql_types::", "")
        .replace("sql_types::", "")
        .replace(' ', "")
}

/// Parses the output of `diesel print-schema` (the subset it generates).
fn parse_schema_rs(src: &str) -> Schema {
    let mut schema = Schema::default();
    let mut lines = src.lines().map(str::trim).peekable();
    while let Some(line) = lines.next() {
        if let Some(rest) = line.strip_prefix("diesel::joinable!(") {
            // diesel::joinable!(child -> parent (column));
            let rest = rest.trim_end_matches(';').trim_end_matches(')');
            let (child, rest) = rest
                .split_once("->")
                .unwrap_or_else(|| panic!("bad joinable!: {line}"));
            let (parent, column) = rest
                .trim()
                .split_once('(')
                .unwrap_or_else(|| panic!("bad joinable!: {line}"));
            schema.joinables.insert((
                child.trim().to_owned(),
                parent.trim().to_owned(),
                column.trim().to_owned(),
            ));
            continue;
        }
        if line.starts_with("diesel::allow_tables_to_appear_in_same_query!(") {
            for entry in lines.by_ref() {
                if entry.starts_with(')') {
                    break;
                }
                schema.same_query.extend(
                    entry
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                );
            }
            continue;
        }
        if line != "diesel::table! {" {
            continue;
        }
        // Header: `name (pk, ..) {`, possibly after attributes, doc comments or `use` lines.
        let header = loop {
            let l = lines.next().expect("unterminated diesel::table!");
            if !(l.is_empty()
                || l.starts_with("#[")
                || l.starts_with("//")
                || l.starts_with("use "))
            {
                break l;
            }
        };
        let (name, rest) = header
            .split_once('(')
            .unwrap_or_else(|| panic!("table header without a primary key: {header}"));
        let (pk, _) = rest
            .split_once(')')
            .unwrap_or_else(|| panic!("bad table header: {header}"));
        let rust_pk: Vec<String> = pk
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let mut columns = Vec::new();
        let mut rust_to_sql = BTreeMap::new();
        let mut sql_name: Option<String> = None;
        for l in lines.by_ref() {
            if l == "}" {
                break;
            }
            if let Some(n) = l
                .strip_prefix("#[sql_name = \"")
                .and_then(|r| r.strip_suffix("\"]"))
            {
                sql_name = Some(n.to_owned());
                continue;
            }
            if l.is_empty() || l.starts_with("#[") || l.starts_with("//") {
                continue;
            }
            let (rust, ty) = l
                .split_once("->")
                .unwrap_or_else(|| panic!("bad column line in {name}: {l}"));
            let rust = rust.trim().to_owned();
            let sql = sql_name.take().unwrap_or_else(|| rust.clone());
            rust_to_sql.insert(rust, sql.clone());
            columns.push(Column {
                name: sql,
                ty: clean_type(ty),
            });
        }
        let pk = rust_pk
            .iter()
            .map(|c| {
                rust_to_sql
                    .get(c)
                    .cloned()
                    .unwrap_or_else(|| format!("<unknown column {c}>"))
            })
            .collect();
        schema.tables.push(Table {
            name: name.trim().to_owned(),
            pk,
            columns,
        });
    }
    schema
}

/// The diesel type `diesel print-schema` writes for a column.
fn diesel_type(udt: &str, nullable: bool) -> String {
    let base = |u: &str| -> String {
        match u {
            "uuid" => "Uuid",
            "text" => "Text",
            "varchar" => "Varchar",
            "bpchar" => "Bpchar",
            "int2" => "Int2",
            "int4" => "Int4",
            "int8" => "Int8",
            "bool" => "Bool",
            "timestamptz" => "Timestamptz",
            "timestamp" => "Timestamp",
            "date" => "Date",
            "time" => "Time",
            "interval" => "Interval",
            "jsonb" => "Jsonb",
            "json" => "Json",
            "float4" => "Float4",
            "float8" => "Float8",
            "numeric" => "Numeric",
            "bytea" => "Bytea",
            "inet" => "Inet",
            "cidr" => "Cidr",
            "oid" => "Oid",
            "money" => "Money",
            "tsvector" => "Tsvector",
            other => return format!("<unmapped type {other}>"),
        }
        .to_owned()
    };
    let ty = match udt.strip_prefix('_') {
        Some(element) => format!("Array<Nullable<{}>>", base(element)),
        None => base(udt),
    };
    if nullable {
        format!("Nullable<{ty}>")
    } else {
        ty
    }
}

async fn database_schema(c: &Client) -> Schema {
    let mut tables: BTreeMap<String, Table> = BTreeMap::new();
    for row in c
        .query(
            "SELECT col.table_name::text, col.column_name::text, col.udt_name::text, col.is_nullable = 'YES'
             FROM information_schema.columns col
             JOIN information_schema.tables t USING (table_schema, table_name)
             WHERE col.table_schema = 'public' AND t.table_type = 'BASE TABLE'
               AND col.table_name <> '__diesel_schema_migrations' AND col.table_name NOT LIKE 'job\\_%'
             ORDER BY col.table_name, col.ordinal_position",
            &[],
        )
        .await
        .unwrap()
    {
        let table: String = row.get(0);
        let entry = tables.entry(table.clone()).or_insert_with(|| Table { name: table, pk: Vec::new(), columns: Vec::new() });
        entry.columns.push(Column { name: row.get(1), ty: diesel_type(row.get(2), row.get(3)) });
    }
    for row in c
        .query(
            "SELECT c.relname::text, array_agg(a.attname::text ORDER BY k.ord)
             FROM pg_index i
             JOIN pg_class c ON c.oid = i.indrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
             WHERE i.indisprimary AND n.nspname = 'public'
             GROUP BY c.relname",
            &[],
        )
        .await
        .unwrap()
    {
        let table: String = row.get(0);
        if let Some(t) = tables.get_mut(&table) {
            t.pk = row.get(1);
        }
    }
    // joinable! is generated for single-column foreign keys onto a single-column primary key.
    let joinables = c
        .query(
            "SELECT src.relname::text, dst.relname::text, a.attname::text
             FROM pg_constraint con
             JOIN pg_class src ON src.oid = con.conrelid
             JOIN pg_class dst ON dst.oid = con.confrelid
             JOIN pg_namespace n ON n.oid = src.relnamespace
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
             JOIN pg_index pk ON pk.indrelid = con.confrelid AND pk.indisprimary
             WHERE con.contype = 'f' AND n.nspname = 'public'
               AND cardinality(con.conkey) = 1 AND pk.indnatts = 1
               AND src.relname NOT LIKE 'job\\_%' AND dst.relname NOT LIKE 'job\\_%'",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let same_query = tables.keys().cloned().collect();
    Schema {
        tables: tables.into_values().collect(),
        joinables,
        same_query,
    }
}

/// Every difference between schema.rs (`rs`) and the database (`db`), one line each.
fn diff(rs: &Schema, db: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let rs_tables: BTreeMap<&str, &Table> =
        rs.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    let db_tables: BTreeMap<&str, &Table> =
        db.tables.iter().map(|t| (t.name.as_str(), t)).collect();
    if rs_tables.len() != rs.tables.len() {
        out.push("schema.rs declares a table twice".to_owned());
    }
    for name in db_tables.keys().filter(|n| !rs_tables.contains_key(*n)) {
        out.push(format!(
            "table {name}: in the database, missing from schema.rs"
        ));
    }
    for name in rs_tables.keys().filter(|n| !db_tables.contains_key(*n)) {
        out.push(format!("table {name}: in schema.rs, not in the database"));
    }
    for (name, rs_t) in &rs_tables {
        let Some(db_t) = db_tables.get(name) else {
            continue;
        };
        let rs_cols: BTreeMap<&str, &str> = rs_t
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.ty.as_str()))
            .collect();
        let db_cols: BTreeMap<&str, &str> = db_t
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.ty.as_str()))
            .collect();
        for c in db_t
            .columns
            .iter()
            .filter(|c| !rs_cols.contains_key(c.name.as_str()))
        {
            out.push(format!(
                "{name}.{}: in the database ({}), missing from schema.rs",
                c.name, c.ty
            ));
        }
        for c in rs_t
            .columns
            .iter()
            .filter(|c| !db_cols.contains_key(c.name.as_str()))
        {
            out.push(format!(
                "{name}.{}: in schema.rs ({}), not in the database",
                c.name, c.ty
            ));
        }
        for c in &rs_t.columns {
            if let Some(db_ty) = db_cols.get(c.name.as_str())
                && *db_ty != c.ty
            {
                out.push(format!(
                    "{name}.{}: schema.rs says {}, the database has {db_ty}",
                    c.name, c.ty
                ));
            }
        }
        let rs_order: Vec<&str> = rs_t
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| db_cols.contains_key(n))
            .collect();
        let db_order: Vec<&str> = db_t
            .columns
            .iter()
            .map(|c| c.name.as_str())
            .filter(|n| rs_cols.contains_key(n))
            .collect();
        if rs_order != db_order {
            out.push(format!(
                "{name}: column order differs: schema.rs {rs_order:?}, database {db_order:?}"
            ));
        }
        if rs_t.pk != db_t.pk {
            out.push(format!(
                "{name}: primary key differs: schema.rs {:?}, database {:?}",
                rs_t.pk, db_t.pk
            ));
        }
    }
    for (child, parent, col) in db.joinables.difference(&rs.joinables) {
        out.push(format!("joinable!({child} -> {parent} ({col})): a foreign key in the database, missing from schema.rs"));
    }
    for (child, parent, col) in rs.joinables.difference(&db.joinables) {
        out.push(format!("joinable!({child} -> {parent} ({col})): in schema.rs, no such single-column foreign key"));
    }
    for t in db.same_query.difference(&rs.same_query) {
        out.push(format!(
            "allow_tables_to_appear_in_same_query!: {t} is missing"
        ));
    }
    for t in rs.same_query.difference(&db.same_query) {
        out.push(format!(
            "allow_tables_to_appear_in_same_query!: {t} is not a table of the database"
        ));
    }
    out
}

#[tokio::test]
async fn schema_rs_matches_the_migrated_database() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/schema.rs");
    let src = std::fs::read_to_string(path).unwrap();
    let rs = parse_schema_rs(&src);
    assert!(
        rs.tables.len() > 10,
        "parsed only {} tables from {path}",
        rs.tables.len()
    );

    let db = TestDb::new().await.unwrap();
    let client = db.owner().await.unwrap();
    let database = database_schema(&client).await;
    assert!(
        database.tables.iter().any(|t| t.name == "contacts"),
        "the database has no contacts table"
    );

    let differences = diff(&rs, &database);
    assert!(
        differences.is_empty(),
        "{path} does not match the migrated database ({} difference(s)):\n  {}",
        differences.len(),
        differences.join("\n  ")
    );
}

/// The comparison itself: a parsed snippet with a renamed column, a wrong type, a wrong
/// nullability, a wrong key and a missing table is reported table and column by name.
#[test]
fn the_comparison_names_every_difference() {
    let rs = parse_schema_rs(
        r#"// @generated automatically by Diesel CLI.

diesel::table! {
    interactions (user_id, id) {
        user_id -> Uuid,
        id -> Uuid,
        #[sql_name = "type"]
        type_ -> Text,
        embedding -> Array<Nullable<Float4>>,
        score -> Nullable<Float4>,
    }
}

diesel::table! {
    gone (id) {
        id -> Uuid,
    }
}

diesel::joinable!(interactions -> tenants (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    gone,
    interactions,
);
"#,
    );
    assert_eq!(rs.tables.len(), 2);
    let interactions = &rs.tables[0];
    assert_eq!(interactions.pk, ["user_id", "id"]);
    assert_eq!(
        interactions.columns[2],
        Column {
            name: "type".into(),
            ty: "Text".into()
        }
    );
    assert_eq!(interactions.columns[3].ty, "Array<Nullable<Float4>>");
    assert!(
        rs.joinables
            .contains(&("interactions".into(), "tenants".into(), "user_id".into()))
    );
    assert_eq!(rs.same_query.len(), 2);

    // Matching database: no difference at all.
    let same = Schema {
        tables: vec![
            Table {
                name: "interactions".into(),
                pk: vec!["user_id".into(), "id".into()],
                columns: vec![
                    Column {
                        name: "user_id".into(),
                        ty: diesel_type("uuid", false),
                    },
                    Column {
                        name: "id".into(),
                        ty: diesel_type("uuid", false),
                    },
                    Column {
                        name: "type".into(),
                        ty: diesel_type("text", false),
                    },
                    Column {
                        name: "embedding".into(),
                        ty: diesel_type("_float4", false),
                    },
                    Column {
                        name: "score".into(),
                        ty: diesel_type("float4", true),
                    },
                ],
            },
            Table {
                name: "gone".into(),
                pk: vec!["id".into()],
                columns: vec![Column {
                    name: "id".into(),
                    ty: "Uuid".into(),
                }],
            },
        ],
        joinables: rs.joinables.clone(),
        same_query: rs.same_query.clone(),
    };
    assert_eq!(diff(&rs, &same), Vec::<String>::new());

    let other = Schema {
        tables: vec![
            Table {
                name: "interactions".into(),
                pk: vec!["user_id".into()],
                columns: vec![
                    Column {
                        name: "user_id".into(),
                        ty: diesel_type("uuid", false),
                    },
                    Column {
                        name: "id".into(),
                        ty: diesel_type("uuid", false),
                    },
                    Column {
                        name: "kind".into(),
                        ty: diesel_type("text", false),
                    },
                    Column {
                        name: "embedding".into(),
                        ty: diesel_type("_float8", false),
                    },
                    Column {
                        name: "score".into(),
                        ty: diesel_type("float4", false),
                    },
                ],
            },
            Table {
                name: "extra".into(),
                pk: vec!["id".into()],
                columns: vec![],
            },
        ],
        joinables: BTreeSet::new(),
        same_query: ["interactions".to_owned(), "extra".to_owned()].into(),
    };
    let report = diff(&rs, &other).join("\n");
    for expected in [
        "table extra: in the database, missing from schema.rs",
        "table gone: in schema.rs, not in the database",
        "interactions.kind: in the database (Text), missing from schema.rs",
        "interactions.type: in schema.rs (Text), not in the database",
        "interactions.embedding: schema.rs says Array<Nullable<Float4>>, the database has Array<Nullable<Float8>>",
        "interactions.score: schema.rs says Nullable<Float4>, the database has Float4",
        "interactions: primary key differs",
        "joinable!(interactions -> tenants (user_id)): in schema.rs",
        "allow_tables_to_appear_in_same_query!: extra is missing",
    ] {
        assert!(
            report.contains(expected),
            "the report lacks {expected:?}:\n{report}"
        );
    }
}
