//! What a key rotation seals again: every stored secret and the lookup hash beside it.
use crate::crypto::Keys;
use crate::error::AppResult;
use sqlx::Row;

/// A column holding a sealed value (after `prefix`, where only values so marked are sealed),
/// and the column holding its lookup hash of `kind`, if any.
pub struct Sealed {
    pub column: &'static str,
    pub prefix: &'static str,
    pub hash: Option<(&'static str, &'static str)>,
}

const fn sealed(column: &'static str) -> Sealed {
    Sealed {
        column,
        prefix: "",
        hash: None,
    }
}

const fn hashed(column: &'static str, hash: &'static str, kind: &'static str) -> Sealed {
    Sealed {
        column,
        prefix: "",
        hash: Some((hash, kind)),
    }
}

/// Every table with sealed columns (each has an `id`).
pub const TABLES: &[(&str, &[Sealed])] = &[
    (
        "members",
        &[
            hashed("id_number_enc", "id_number_hash", "id_number"),
            hashed("phone_enc", "phone_hash", "phone"),
        ],
    ),
    (
        "users",
        &[
            hashed("phone_enc", "phone_hash", "phone"),
            sealed("totp_secret"),
            sealed("totp_pending"),
            Sealed {
                column: "password_hash",
                prefix: crate::crypto::FIRST_CODE,
                hash: None,
            },
        ],
    ),
    (
        "development_people",
        &[
            hashed("id_number_enc", "id_number_hash", "id_number"),
            sealed("phone_enc"),
        ],
    ),
    ("flows", &[sealed("phone_enc")]),
    ("dues_assessments", &[sealed("base_enc")]),
    ("recovery_codes", &[sealed("code_enc")]),
];

/// What one batch did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    /// The last id looked at; `None` when the table has no rows after the one asked.
    pub last_id: Option<i64>,
    pub resealed: u64,
    /// Values no key of the ring opens (a key missing from the key file).
    pub unreadable: u64,
}

/// Seals again, under the writing key and algorithms, the values of up to `limit` rows of
/// `table` after id `after`, recomputing their lookup hashes; one transaction. A row the
/// server changed meanwhile is left for the next pass.
pub async fn reseal(
    db: &super::Db,
    keys: &Keys,
    (table, columns): &(&str, &[Sealed]),
    after: i64,
    limit: i64,
) -> AppResult<Batch> {
    let mut selected = vec!["id".to_string()];
    for c in columns.iter() {
        selected.push(c.column.to_string());
        selected.extend(c.hash.map(|(h, _)| h.to_string()));
    }
    let mut tx = db.begin().await?;
    let rows = sqlx::query(&format!(
        "SELECT {} FROM {table} WHERE id > $1 ORDER BY id LIMIT $2",
        selected.join(", ")
    ))
    .bind(after)
    .bind(limit)
    .fetch_all(tx.conn())
    .await?;
    let mut batch = Batch::default();
    for row in &rows {
        let id: i64 = row.try_get(0)?;
        batch.last_id = Some(id);
        let mut sets: Vec<(String, String)> = Vec::new();
        let mut olds: Vec<(&str, String)> = Vec::new();
        for c in columns.iter() {
            let Some(stored) = row.try_get::<Option<String>, _>(c.column)? else {
                continue;
            };
            let Some(body) = stored.strip_prefix(c.prefix) else {
                continue;
            };
            let Some((plain, current)) = keys.open(body) else {
                batch.unreadable += 1;
                continue;
            };
            if !current {
                sets.push((
                    c.column.into(),
                    format!("{}{}", c.prefix, keys.encrypt(&plain)),
                ));
                olds.push((c.column, stored.clone()));
            }
            if let Some((hash_column, kind)) = c.hash {
                let hash = keys.lookup_hash(kind, &plain);
                if row.try_get::<Option<String>, _>(hash_column)?.as_deref() != Some(&hash) {
                    sets.push((hash_column.into(), hash));
                }
            }
        }
        if sets.is_empty() {
            continue;
        }
        let assignments: Vec<String> = (0..sets.len())
            .map(|i| format!("{} = ${}", sets[i].0, i + 1))
            .collect();
        let unchanged: Vec<String> = (0..olds.len())
            .map(|i| format!("{} = ${}", olds[i].0, sets.len() + 2 + i))
            .collect();
        let sql = format!(
            "UPDATE {table} SET {} WHERE id = ${}{}",
            assignments.join(", "),
            sets.len() + 1,
            unchanged
                .iter()
                .map(|u| format!(" AND {u}"))
                .collect::<String>()
        );
        let mut update = sqlx::query(&sql);
        for (_, value) in &sets {
            update = update.bind(value);
        }
        update = update.bind(id);
        for (_, old) in &olds {
            update = update.bind(old);
        }
        if update.execute(tx.conn()).await?.rows_affected() == 1 {
            batch.resealed += 1;
        }
    }
    tx.commit().await?;
    Ok(batch)
}
