//! Stored sentence vectors (ADR 0031): per tenant, as little-endian `f32` bytes with the
//! model and dimension that made them, one row per chunk of an item's text; the queue of
//! items whose text changed (`embedding_pending`, filled by triggers in the writing
//! transaction) and the tenant's vector version (`embedding_state`). Everything but
//! [`EmbeddingsRepository::pending_users`] runs inside [`crate::Db::tenant`].

use diesel::QueryableByName;
use diesel::sql_types::{Array, Bytea, Int4, Int8, Text, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use omnicrm_problem::AppError;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::RepoErrorExt;
use crate::sql::SqlBuilder;

const SOURCES: &str = include_str!("sql/embedding_sources.sql");

/// An item waiting to be (re-)embedded.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct PendingRow {
    /// `contact`, `note`, `interaction`, `task`, `goal` or `document`.
    #[diesel(sql_type = Text)]
    pub owner_type: String,
    /// The item.
    #[diesel(sql_type = SqlUuid)]
    pub owner_id: Uuid,
    /// When its text last changed (the entry is removed only if still this).
    #[diesel(sql_type = Timestamptz)]
    pub queued_at: OffsetDateTime,
}

/// An item's text as it is embedded.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct SourceRow {
    /// Its kind.
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// Its id.
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    /// Name, subject or title (a note's first line).
    #[diesel(sql_type = Text)]
    pub title: String,
    /// The text that is embedded (title and body, at most 100,000 characters).
    #[diesel(sql_type = Text)]
    pub body: String,
    /// When it was created.
    #[diesel(sql_type = Timestamptz)]
    pub created_at: OffsetDateTime,
}

/// A stored chunk's key and cache key.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct ChunkKeyRow {
    /// The item's kind.
    #[diesel(sql_type = Text)]
    pub owner_type: String,
    /// The item.
    #[diesel(sql_type = SqlUuid)]
    pub owner_id: Uuid,
    /// Position of the chunk in the item.
    #[diesel(sql_type = Int4)]
    pub chunk_index: i32,
    /// sha256 of the chunk's text, hex.
    #[diesel(sql_type = Text)]
    pub content_hash: String,
}

/// A vector found by its text's hash (the embedding cache).
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct HashVectorRow {
    /// sha256 of the text, hex.
    #[diesel(sql_type = Text)]
    pub content_hash: String,
    /// Little-endian `f32`s.
    #[diesel(sql_type = Bytea)]
    pub vector: Vec<u8>,
}

/// One stored vector as semantic search reads it.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct VectorRow {
    /// The item's kind.
    #[diesel(sql_type = Text)]
    pub owner_type: String,
    /// The item.
    #[diesel(sql_type = SqlUuid)]
    pub owner_id: Uuid,
    /// Where the chunk starts in the item's text (characters).
    #[diesel(sql_type = Int4)]
    pub chunk_start: i32,
    /// Little-endian `f32`s.
    #[diesel(sql_type = Bytea)]
    pub vector: Vec<u8>,
}

/// A chunk to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChunk {
    /// The item's kind.
    pub owner_type: String,
    /// The item.
    pub owner_id: Uuid,
    /// Position of the chunk in the item.
    pub chunk_index: i32,
    /// Where it starts in the item's text (characters).
    pub chunk_start: i32,
    /// sha256 of its text, hex.
    pub content_hash: String,
    /// Little-endian `f32`s.
    pub vector: Vec<u8>,
}

/// How many chunks an embedded item now has (older chunks beyond it are removed).
#[derive(Debug, Clone, PartialEq)]
pub struct ItemChunks {
    /// The item's kind.
    pub owner_type: String,
    /// The item.
    pub owner_id: Uuid,
    /// Its chunk count.
    pub chunks: i32,
}

/// How many vectors a tenant has per kind and model.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct CountRow {
    /// The items' kind.
    #[diesel(sql_type = Text)]
    pub owner_type: String,
    /// The model.
    #[diesel(sql_type = Text)]
    pub model: String,
    /// Distinct items.
    #[diesel(sql_type = Int8)]
    pub items: i64,
    /// Vectors (chunks).
    #[diesel(sql_type = Int8)]
    pub vectors: i64,
}

/// One kind of a tenant's items and their embedding state (`status`).
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct KindStatusRow {
    /// The kind.
    #[diesel(sql_type = Text)]
    pub owner_type: String,
    /// Items of the kind.
    #[diesel(sql_type = Int8)]
    pub items: i64,
    /// Items with vectors of the model.
    #[diesel(sql_type = Int8)]
    pub embedded: i64,
    /// Items waiting.
    #[diesel(sql_type = Int8)]
    pub pending: i64,
    /// Vectors of the model.
    #[diesel(sql_type = Int8)]
    pub chunks: i64,
}

/// Vectors of other models, and the last vector of the model (`status`).
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct StaleRow {
    /// Vectors of other models or dimensions.
    #[diesel(sql_type = Int8)]
    pub stale_chunks: i64,
    /// When a vector of the model was last stored.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub last_embedded_at: Option<time::OffsetDateTime>,
}

#[derive(QueryableByName)]
struct UserRow {
    #[diesel(sql_type = SqlUuid)]
    user_id: Uuid,
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = Int8)]
    version: i64,
}

/// Reads and writes vectors, the pending queue and the version.
#[derive(Debug, Clone, Copy, Default)]
pub struct EmbeddingsRepository;

impl EmbeddingsRepository {
    /// Up to `limit` tenants with items waiting (outside any tenant transaction; through
    /// the definer function `embedding_pending_users`).
    pub async fn pending_users(
        conn: &mut AsyncPgConnection,
        limit: i32,
    ) -> Result<Vec<Uuid>, AppError> {
        let rows: Vec<UserRow> =
            diesel::sql_query("SELECT user_id FROM embedding_pending_users($1)")
                .bind::<Int4, _>(limit)
                .load(conn)
                .await
                .map_db_error()?;
        Ok(rows.into_iter().map(|r| r.user_id).collect())
    }

    /// Up to `limit` tenants after `after` (in user id order) whose vectors are stale for
    /// `model` and `dimensions`: any vector of another model or dimension, or an item with
    /// text to embed, no vector of this one and no waiting mark (outside any tenant transaction; through the definer
    /// function `embedding_stale_users`, which answers user ids only). Tenants being erased
    /// are left out.
    pub async fn stale_users(
        conn: &mut AsyncPgConnection,
        model: &str,
        dimensions: i32,
        after: Option<Uuid>,
        limit: i32,
    ) -> Result<Vec<Uuid>, AppError> {
        let rows: Vec<UserRow> =
            diesel::sql_query("SELECT user_id FROM embedding_stale_users($1, $2, $3, $4)")
                .bind::<Text, _>(model)
                .bind::<Int4, _>(dimensions)
                .bind::<diesel::sql_types::Nullable<SqlUuid>, _>(after)
                .bind::<Int4, _>(limit)
                .load(conn)
                .await
                .map_db_error()?;
        Ok(rows.into_iter().map(|r| r.user_id).collect())
    }

    /// The oldest `limit` waiting items of `user`.
    pub async fn pending(
        conn: &mut AsyncPgConnection,
        user: Uuid,
        limit: i64,
    ) -> Result<Vec<PendingRow>, AppError> {
        diesel::sql_query(
            "SELECT owner_type, owner_id, queued_at FROM embedding_pending \
             WHERE user_id = $1 ORDER BY queued_at, owner_type, owner_id LIMIT $2",
        )
        .bind::<SqlUuid, _>(user)
        .bind::<Int8, _>(limit)
        .load(conn)
        .await
        .map_db_error()
    }

    /// Marks every item of `user` as waiting (the backfill; a model change).
    pub async fn mark_all_pending(
        conn: &mut AsyncPgConnection,
        user: Uuid,
    ) -> Result<usize, AppError> {
        diesel::sql_query(
            "INSERT INTO embedding_pending (user_id, owner_type, owner_id) \
             SELECT $1, 'contact', id FROM contacts WHERE user_id = $1 \
             UNION ALL SELECT $1, 'note', id FROM notes WHERE user_id = $1 \
             UNION ALL SELECT $1, 'interaction', id FROM interactions WHERE user_id = $1 \
             UNION ALL SELECT $1, 'task', id FROM tasks WHERE user_id = $1 \
             UNION ALL SELECT $1, 'goal', id FROM goals WHERE user_id = $1 \
             UNION ALL SELECT $1, 'document', id FROM documents WHERE user_id = $1 \
             ON CONFLICT (user_id, owner_type, owner_id) DO NOTHING",
        )
        .bind::<SqlUuid, _>(user)
        .execute(conn)
        .await
        .map_db_error()
    }

    /// The texts, titles and creation times of the given items (`kinds[i]`, `ids[i]`);
    /// items that no longer exist are absent. On a shared connection, so it can be
    /// pipelined with other reads (ADR 0050).
    pub async fn sources(
        mut conn: &AsyncPgConnection,
        user: Uuid,
        kinds: Vec<String>,
        ids: Vec<Uuid>,
    ) -> Result<Vec<SourceRow>, AppError> {
        // Prepared once per connection (every semantic search reads its page's sources;
        // planning the six-way union took longer than running it).
        let mut b = SqlBuilder::new();
        b.bind::<SqlUuid, _>(user);
        b.bind::<Array<Text>, _>(kinds);
        b.bind::<Array<SqlUuid>, _>(ids);
        b.push(SOURCES);
        b.build().load(&mut conn).await.map_db_error()
    }

    /// The stored chunks of `model` and `dimensions` of the given items (a chunk of the
    /// same model name but another length is not one: it is embedded again).
    pub async fn chunk_keys(
        conn: &mut AsyncPgConnection,
        user: Uuid,
        model: &str,
        dimensions: i32,
        kinds: Vec<String>,
        ids: Vec<Uuid>,
    ) -> Result<Vec<ChunkKeyRow>, AppError> {
        diesel::sql_query(
            "SELECT e.owner_type, e.owner_id, e.chunk_index, e.content_hash \
             FROM unnest($3::text[], $4::uuid[]) AS w (kind, id) \
             JOIN embeddings AS e ON e.user_id = $1 AND e.owner_type = w.kind \
                                 AND e.owner_id = w.id AND e.model = $2 \
                                 AND e.dimensions = $5 \
             WHERE e.content_hash IS NOT NULL",
        )
        .bind::<SqlUuid, _>(user)
        .bind::<Text, _>(model)
        .bind::<Array<Text>, _>(kinds)
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Int4, _>(dimensions)
        .load(conn)
        .await
        .map_db_error()
    }

    /// Stored vectors of `model` of `dimensions` for any of these text hashes (one each).
    pub async fn vectors_by_hash(
        conn: &mut AsyncPgConnection,
        user: Uuid,
        model: &str,
        dimensions: i32,
        hashes: Vec<String>,
    ) -> Result<Vec<HashVectorRow>, AppError> {
        diesel::sql_query(
            "SELECT DISTINCT ON (content_hash) content_hash, vector FROM embeddings \
             WHERE user_id = $1 AND content_hash = ANY($4) AND model = $2 AND dimensions = $3",
        )
        .bind::<SqlUuid, _>(user)
        .bind::<Text, _>(model)
        .bind::<Int4, _>(dimensions)
        .bind::<Array<Text>, _>(hashes)
        .load(conn)
        .await
        .map_db_error()
    }

    /// Stores `chunks` of `model` (replacing the same chunk positions), removes chunks
    /// beyond each item's new count and vectors of other models or dimensions of these
    /// items, removes the
    /// pending entries still at the time they were read, and bumps the tenant's version when
    /// a vector changed (returned).
    pub async fn store(
        conn: &mut AsyncPgConnection,
        user: Uuid,
        model: &str,
        dimensions: i32,
        chunks: Vec<NewChunk>,
        items: Vec<ItemChunks>,
        done: Vec<PendingRow>,
    ) -> Result<bool, AppError> {
        let mut changed = 0;
        if !chunks.is_empty() {
            let n = chunks.len();
            let (mut ids, mut types, mut owners, mut indexes, mut starts, mut hashes, mut vectors) = (
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
                Vec::with_capacity(n),
            );
            for c in chunks {
                ids.push(Uuid::now_v7());
                types.push(c.owner_type);
                owners.push(c.owner_id);
                indexes.push(c.chunk_index);
                starts.push(c.chunk_start);
                hashes.push(c.content_hash);
                vectors.push(c.vector);
            }
            changed += diesel::sql_query(
                "INSERT INTO embeddings (user_id, id, owner_type, owner_id, model, dimensions, \
                                         content_hash, chunk_index, chunk_start, vector) \
                 SELECT $1, t.id, t.owner_type, t.owner_id, $2, $3, t.hash, t.idx, t.start, t.vector \
                 FROM unnest($4::uuid[], $5::text[], $6::uuid[], $7::int[], $8::int[], $9::text[], \
                             $10::bytea[]) AS t (id, owner_type, owner_id, idx, start, hash, vector) \
                 ON CONFLICT (user_id, owner_type, owner_id, model, chunk_index) DO UPDATE \
                 SET dimensions = EXCLUDED.dimensions, content_hash = EXCLUDED.content_hash, \
                     chunk_start = EXCLUDED.chunk_start, vector = EXCLUDED.vector",
            )
            .bind::<SqlUuid, _>(user)
            .bind::<Text, _>(model)
            .bind::<Int4, _>(dimensions)
            .bind::<Array<SqlUuid>, _>(ids)
            .bind::<Array<Text>, _>(types)
            .bind::<Array<SqlUuid>, _>(owners)
            .bind::<Array<Int4>, _>(indexes)
            .bind::<Array<Int4>, _>(starts)
            .bind::<Array<Text>, _>(hashes)
            .bind::<Array<Bytea>, _>(vectors)
            .execute(conn)
            .await
            .map_db_error()?;
        }
        if !items.is_empty() {
            let (types, owners, counts): (Vec<String>, Vec<Uuid>, Vec<i32>) = items
                .into_iter()
                .map(|i| (i.owner_type, i.owner_id, i.chunks))
                .fold(
                    (Vec::new(), Vec::new(), Vec::new()),
                    |mut acc, (t, o, c)| {
                        acc.0.push(t);
                        acc.1.push(o);
                        acc.2.push(c);
                        acc
                    },
                );
            changed += diesel::sql_query(
                "DELETE FROM embeddings AS e \
                 USING unnest($3::text[], $4::uuid[], $5::int[]) AS t (owner_type, owner_id, n) \
                 WHERE e.user_id = $1 AND e.owner_type = t.owner_type AND e.owner_id = t.owner_id \
                   AND (e.model <> $2 OR e.dimensions <> $6 OR e.chunk_index >= t.n)",
            )
            .bind::<SqlUuid, _>(user)
            .bind::<Text, _>(model)
            .bind::<Array<Text>, _>(types)
            .bind::<Array<SqlUuid>, _>(owners)
            .bind::<Array<Int4>, _>(counts)
            .bind::<Int4, _>(dimensions)
            .execute(conn)
            .await
            .map_db_error()?;
        }
        if !done.is_empty() {
            let (types, owners, times): (Vec<String>, Vec<Uuid>, Vec<OffsetDateTime>) = done
                .into_iter()
                .fold((Vec::new(), Vec::new(), Vec::new()), |mut acc, p| {
                    acc.0.push(p.owner_type);
                    acc.1.push(p.owner_id);
                    acc.2.push(p.queued_at);
                    acc
                });
            diesel::sql_query(
                "DELETE FROM embedding_pending AS p \
                 USING unnest($2::text[], $3::uuid[], $4::timestamptz[]) AS t (owner_type, owner_id, at) \
                 WHERE p.user_id = $1 AND p.owner_type = t.owner_type AND p.owner_id = t.owner_id \
                   AND p.queued_at = t.at",
            )
            .bind::<SqlUuid, _>(user)
            .bind::<Array<Text>, _>(types)
            .bind::<Array<SqlUuid>, _>(owners)
            .bind::<Array<Timestamptz>, _>(times)
            .execute(conn)
            .await
            .map_db_error()?;
        }
        if changed == 0 {
            return Ok(false);
        }
        diesel::sql_query(
            "INSERT INTO embedding_state (user_id, version) VALUES ($1, 1) \
             ON CONFLICT (user_id) DO UPDATE SET version = embedding_state.version + 1",
        )
        .bind::<SqlUuid, _>(user)
        .execute(conn)
        .await
        .map_db_error()?;
        Ok(true)
    }

    /// The tenant's vector version (0 before any vector was stored). On a shared
    /// connection (pipelined with other reads, ADR 0050).
    pub async fn version(mut conn: &AsyncPgConnection, user: Uuid) -> Result<i64, AppError> {
        let mut b = SqlBuilder::new();
        b.bind::<SqlUuid, _>(user);
        b.push("SELECT version FROM embedding_state WHERE user_id = $1");
        let rows: Vec<VersionRow> = b.build().load(&mut conn).await.map_db_error()?;
        Ok(rows.into_iter().next().map_or(0, |r| r.version))
    }

    /// Every vector of `model` and `dimensions` of the tenant (on a shared connection).
    pub async fn vectors(
        mut conn: &AsyncPgConnection,
        user: Uuid,
        model: &str,
        dimensions: i32,
    ) -> Result<Vec<VectorRow>, AppError> {
        diesel::sql_query(
            "SELECT owner_type, owner_id, chunk_start, vector FROM embeddings \
             WHERE user_id = $1 AND model = $2 AND dimensions = $3",
        )
        .bind::<SqlUuid, _>(user)
        .bind::<Text, _>(model)
        .bind::<Int4, _>(dimensions)
        .load(&mut conn)
        .await
        .map_db_error()
    }

    /// Items and vectors per kind and model, and how many items wait.
    pub async fn counts(
        conn: &mut AsyncPgConnection,
        user: Uuid,
    ) -> Result<(Vec<CountRow>, i64), AppError> {
        let rows: Vec<CountRow> = diesel::sql_query(
            "SELECT owner_type, model, count(DISTINCT owner_id) AS items, count(*) AS vectors \
             FROM embeddings WHERE user_id = $1 GROUP BY owner_type, model \
             ORDER BY owner_type, model",
        )
        .bind::<SqlUuid, _>(user)
        .load(conn)
        .await
        .map_db_error()?;
        let pending: Vec<VersionRow> = diesel::sql_query(
            "SELECT count(*) AS version FROM embedding_pending WHERE user_id = $1",
        )
        .bind::<SqlUuid, _>(user)
        .load(conn)
        .await
        .map_db_error()?;
        Ok((rows, pending.into_iter().next().map_or(0, |r| r.version)))
    }

    /// Per kind: the tenant's items, those with vectors of `model` (and their chunks), and
    /// those waiting; then the vectors of other models and when one of `model` was last
    /// stored.
    pub async fn status(
        conn: &mut AsyncPgConnection,
        user: Uuid,
        model: &str,
        dimensions: i32,
    ) -> Result<(Vec<KindStatusRow>, StaleRow), AppError> {
        let kinds: Vec<KindStatusRow> = diesel::sql_query(
            "WITH items AS ( \
               SELECT 'contact'::text AS owner_type, count(*) AS n FROM contacts WHERE user_id = $1 \
               UNION ALL SELECT 'note', count(*) FROM notes WHERE user_id = $1 \
               UNION ALL SELECT 'interaction', count(*) FROM interactions WHERE user_id = $1 \
               UNION ALL SELECT 'task', count(*) FROM tasks WHERE user_id = $1 \
               UNION ALL SELECT 'goal', count(*) FROM goals WHERE user_id = $1 \
               UNION ALL SELECT 'document', count(*) FROM documents WHERE user_id = $1), \
             pending AS (SELECT owner_type, count(*) AS n FROM embedding_pending \
               WHERE user_id = $1 GROUP BY owner_type), \
             embedded AS (SELECT owner_type, count(DISTINCT owner_id) AS n, count(*) AS chunks \
               FROM embeddings WHERE user_id = $1 AND model = $2 AND dimensions = $3 \
               GROUP BY owner_type) \
             SELECT i.owner_type, i.n AS items, coalesce(e.n, 0) AS embedded, \
                    coalesce(p.n, 0) AS pending, coalesce(e.chunks, 0) AS chunks \
             FROM items AS i LEFT JOIN pending AS p USING (owner_type) \
             LEFT JOIN embedded AS e USING (owner_type)",
        )
        .bind::<SqlUuid, _>(user)
        .bind::<Text, _>(model)
        .bind::<Int4, _>(dimensions)
        .load(conn)
        .await
        .map_db_error()?;
        let stale: Vec<StaleRow> = diesel::sql_query(
            "SELECT count(*) FILTER (WHERE NOT (model = $2 AND dimensions = $3)) AS stale_chunks, \
                    max(created_at) FILTER (WHERE model = $2 AND dimensions = $3) AS last_embedded_at \
             FROM embeddings WHERE user_id = $1",
        )
        .bind::<SqlUuid, _>(user)
        .bind::<Text, _>(model)
        .bind::<Int4, _>(dimensions)
        .load(conn)
        .await
        .map_db_error()?;
        Ok((
            kinds,
            stale.into_iter().next().unwrap_or(StaleRow {
                stale_chunks: 0,
                last_embedded_at: None,
            }),
        ))
    }
}
