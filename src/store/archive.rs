//! Whole tables as plain values, for a deployment's archive (backup, move between engines):
//! the catalog read in dependency order, rows streamed out of one snapshot, rows loaded back
//! in batches with their ids.
use crate::error::{AppError, AppResult};
use futures_util::TryStreamExt;
use serde_json::Value;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, BTreeSet};

/// Tables an archive leaves out: the schema's own bookkeeping (the target has its own, from
/// the same migrations) and sign-in sessions (a restored deployment starts signed out).
const LEFT_OUT: &[&str] = &["schema_migrations", "sessions"];

/// Rows of a table that refers to itself are loaded parents first.
const ROW_ORDER: &[(&str, &str)] = &[("orgs", "depth, id")];

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    Integer,
    Text,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ColumnType,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
}

/// The archived tables, each after the tables its foreign keys point to.
pub async fn tables(conn: &mut AnyConnection, engine: super::Engine) -> AppResult<Vec<Table>> {
    let [tables_sql, columns_sql, refs_sql] = engine.catalog_sql();
    let names: Vec<(String,)> = sqlx::query_as(tables_sql).fetch_all(&mut *conn).await?;
    let mut found = BTreeMap::new();
    let mut needs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name,) in names {
        if LEFT_OUT.contains(&name.as_str()) {
            continue;
        }
        let columns: Vec<(String, String)> = sqlx::query_as(columns_sql)
            .bind(&name)
            .fetch_all(&mut *conn)
            .await?;
        let columns = columns
            .into_iter()
            .map(|(name, declared)| Column {
                name,
                kind: if declared.to_ascii_uppercase().contains("INT") {
                    ColumnType::Integer
                } else {
                    ColumnType::Text
                },
            })
            .collect();
        let refs: Vec<(String,)> = sqlx::query_as(refs_sql)
            .bind(&name)
            .fetch_all(&mut *conn)
            .await?;
        needs.insert(
            name.clone(),
            refs.into_iter()
                .map(|(r,)| r)
                .filter(|r| *r != name)
                .collect(),
        );
        found.insert(name.clone(), Table { name, columns });
    }
    let mut ordered = Vec::with_capacity(found.len());
    while !found.is_empty() {
        let ready: Vec<String> = found
            .keys()
            .filter(|t| needs[*t].iter().all(|r| !found.contains_key(r)))
            .cloned()
            .collect();
        if ready.is_empty() {
            return Err(AppError::Setup(format!(
                "foreign keys go round in a circle among {:?}",
                found.keys().collect::<Vec<_>>()
            )));
        }
        for t in ready {
            ordered.extend(found.remove(&t));
        }
    }
    Ok(ordered)
}

/// The query that reads a table's rows in the order they load back in.
pub fn select_sql(table: &Table) -> String {
    let columns: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    let order = ROW_ORDER
        .iter()
        .find(|(t, _)| *t == table.name)
        .map(|(_, o)| *o)
        .or_else(|| columns.contains(&"id").then_some("id"))
        .unwrap_or("1");
    format!(
        "SELECT {} FROM {} ORDER BY {order}",
        columns.join(", "),
        table.name
    )
}

/// The rows `sql` (from `select_sql`) reads, as values in column order, as they arrive.
pub fn rows<'a>(
    conn: &'a mut AnyConnection,
    table: &'a Table,
    sql: &'a str,
) -> impl futures_util::Stream<Item = AppResult<Vec<Value>>> + Send + 'a {
    sqlx::query(sql)
        .fetch(conn)
        .map_err(AppError::from)
        .and_then(move |row| async move {
            let mut values = Vec::with_capacity(table.columns.len());
            for (i, c) in table.columns.iter().enumerate() {
                values.push(
                    match c.kind {
                        ColumnType::Integer => row.try_get::<Option<i64>, _>(i)?.map(Value::from),
                        ColumnType::Text => row.try_get::<Option<String>, _>(i)?.map(Value::from),
                    }
                    .unwrap_or(Value::Null),
                );
            }
            Ok(values)
        })
}

/// Whether the deployment holds anything of a county yet (a restore goes only into one that
/// does not).
pub async fn is_empty(conn: &mut AnyConnection) -> AppResult<bool> {
    for table in ["users", "orgs", "members"] {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut *conn)
            .await?;
        if n > 0 {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Empties the tables (what the migrations seeded), the dependent ones first.
pub async fn clear(conn: &mut AnyConnection, tables: &[Table]) -> AppResult<()> {
    for t in tables.iter().rev() {
        sqlx::query(&format!("DELETE FROM {}", t.name))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Parameters a batch binds: SQLite looks up `$N` parameters by name, so a statement with
/// thousands of them costs more to prepare than its rows cost to insert.
const MAX_PARAMS: usize = 900;

/// Inserts rows of `table` as archived, in batches.
pub async fn insert_rows(
    conn: &mut AnyConnection,
    table: &Table,
    rows: &[Vec<Value>],
) -> AppResult<()> {
    let width = table.columns.len();
    let per_batch = (MAX_PARAMS / width.max(1)).max(1);
    let columns: Vec<&str> = table.columns.iter().map(|c| c.name.as_str()).collect();
    for batch in rows.chunks(per_batch) {
        let tuples: Vec<String> = (0..batch.len())
            .map(|r| {
                let params: Vec<String> =
                    (1..=width).map(|c| format!("${}", r * width + c)).collect();
                format!("({})", params.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES {}",
            table.name,
            columns.join(", "),
            tuples.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for row in batch {
            if row.len() != width {
                return Err(AppError::BadRequest(format!(
                    "a row of {} has {} values for {width} columns",
                    table.name,
                    row.len()
                )));
            }
            for (value, column) in row.iter().zip(&table.columns) {
                query = match (column.kind, value) {
                    (ColumnType::Integer, Value::Number(n)) => query.bind(n.as_i64()),
                    (ColumnType::Integer, Value::Null) => query.bind(None::<i64>),
                    (ColumnType::Text, Value::String(s)) => query.bind(s.clone()),
                    (ColumnType::Text, Value::Null) => query.bind(None::<String>),
                    _ => {
                        return Err(AppError::BadRequest(format!(
                            "{}.{} holds a value of the wrong type",
                            table.name, column.name
                        )));
                    }
                };
            }
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// After loading: the engine's id counters past the loaded ids.
pub async fn reset_ids(
    conn: &mut AnyConnection,
    engine: super::Engine,
    tables: &[Table],
) -> AppResult<()> {
    for t in tables {
        if !t.columns.iter().any(|c| c.name == "id") {
            continue;
        }
        if let Some(sql) = engine.reset_ids_sql(&t.name) {
            sqlx::query(&sql).execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// The engine's own check of its files: `Ok(None)` when sound (or not its business),
/// `Ok(Some(report))` when damaged.
pub async fn integrity(db: &super::Db, quick: bool) -> AppResult<Option<String>> {
    let Some(sql) = db.engine.integrity_sql(quick) else {
        return Ok(None);
    };
    // A file damaged badly enough fails the check itself (SQLITE_CORRUPT) instead of listing
    // what it found: that is a report too.
    let lines: Vec<(String,)> = match sqlx::query_as(sql).fetch_all(db.pool()).await {
        Ok(lines) => lines,
        Err(sqlx::Error::Database(e)) => return Ok(Some(e.message().to_string())),
        Err(e) => return Err(e.into()),
    };
    let report: Vec<String> = lines.into_iter().map(|(l,)| l).collect();
    Ok((report != ["ok"]).then(|| report.join("; ")))
}

/// How many rows a table holds now.
pub async fn count(conn: &mut AnyConnection, table: &str) -> AppResult<i64> {
    let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(conn)
        .await?;
    Ok(n)
}
