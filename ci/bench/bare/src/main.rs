//! The bare baseline of `cargo xtask bench`: the routes the benchmark drives, each a plain
//! axum handler that issues the statements (or driver calls) the generated service issues,
//! and nothing else: no validation, no middleware, no metrics, no tracing, no transaction
//! around a write. What a generated service costs on top of this is what the benchmark's
//! ratios measure.
//!
//! Settings from the environment: `BARE_DATABASE_URL` (`sqlite://`, `postgres://` or
//! `mongodb://`), `BARE_PORT`, `BARE_POOL` (default 8). The schema is the generated
//! service's (`orders`): the benchmark starts the service first, which migrates it, and
//! seeds it through the service's API.

use std::str::FromStr;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{Binary, Bson, Document, doc};
use mongodb::options::ReturnDocument;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{PgPool, SqlitePool};
use uuid::Uuid;

/// The columns of `orders`, in the generated entity's order.
macro_rules! columns {
    () => {
        "id, name, description, status, amount_cents, version, created_at, updated_at"
    };
}

const GET: &str = concat!("SELECT ", columns!(), " FROM orders WHERE id = $1");
const COUNT_ALL: &str = "SELECT COUNT(*) FROM orders";
const COUNT_BY_STATUS: &str = "SELECT COUNT(*) FROM orders WHERE status = $1";
const PAGE_ALL: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM orders ORDER BY id LIMIT $1 OFFSET $2"
);
const PAGE_BY_STATUS: &str = concat!(
    "SELECT ",
    columns!(),
    " FROM orders WHERE status = $3 ORDER BY id LIMIT $1 OFFSET $2"
);
const INSERT: &str = concat!(
    "INSERT INTO orders (",
    columns!(),
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
);
const UPDATE: &str = concat!(
    "UPDATE orders SET name = $1, description = $2, status = $3, amount_cents = $4, ",
    "version = $5, updated_at = $6 WHERE id = $7 AND version = $8 RETURNING ",
    columns!()
);

#[derive(Serialize)]
struct Order {
    id: Uuid,
    name: String,
    description: Option<String>,
    status: String,
    amount_cents: i64,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// What `#[derive(sqlx::FromRow)]` writes, by hand: sqlx's proc macros would compile
/// every driver a second time, for the compiler, which took a third of this build.
impl<'r, R> sqlx::FromRow<'r, R> for Order
where
    R: sqlx::Row,
    &'r str: sqlx::ColumnIndex<R>,
    Uuid: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn from_row(row: &'r R) -> Result<Self, sqlx::Error> {
        Ok(Self {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            description: row.try_get("description")?,
            status: row.try_get("status")?,
            amount_cents: row.try_get("amount_cents")?,
            version: row.try_get("version")?,
            created_at: row.try_get("created_at")?,
            updated_at: row.try_get("updated_at")?,
        })
    }
}

#[derive(Serialize)]
struct Page {
    items: Vec<Order>,
    page: u64,
    page_size: u64,
    total: u64,
}

#[derive(Deserialize)]
struct ListParams {
    status: Option<String>,
    page: Option<u64>,
    page_size: Option<u64>,
}

#[derive(Deserialize)]
struct Create {
    name: String,
    description: Option<String>,
    amount_cents: i64,
}

#[derive(Deserialize)]
struct Update {
    name: String,
    description: Option<String>,
    status: String,
    amount_cents: i64,
}

enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    Mongo(mongodb::Collection<Document>),
}

type Shared = State<Arc<Db>>;

/// A status and a plain-text reason: the baseline has no problem+json.
struct Failure(StatusCode, String);

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        (self.0, self.1).into_response()
    }
}

fn fail(error: impl std::fmt::Display) -> Failure {
    Failure(StatusCode::INTERNAL_SERVER_ERROR, error.to_string())
}

/// The same body for both SQL pools (sqlx infers the database from the pool), another
/// for MongoDB.
macro_rules! per_backend {
    ($db:expr, $pool:ident => $sql:expr, $orders:ident => $mongo:expr) => {
        match $db {
            Db::Sqlite($pool) => $sql,
            Db::Postgres($pool) => $sql,
            Db::Mongo($orders) => $mongo,
        }
    };
}

async fn get_one(State(db): Shared, Path(id): Path<Uuid>) -> Result<Response, Failure> {
    let found = per_backend!(&*db,
        pool => sqlx::query_as::<_, Order>(GET).bind(id).fetch_optional(pool).await.map_err(fail)?,
        orders => {
            let found = orders.find_one(doc! { "_id": uuid(id) }).await.map_err(fail)?;
            found.as_ref().map(from_document).transpose()?
        }
    );
    let order = found.ok_or_else(|| Failure(StatusCode::NOT_FOUND, "no such order".into()))?;
    Ok(with_etag(StatusCode::OK, order))
}

async fn list(State(db): Shared, Query(params): Query<ListParams>) -> Result<Response, Failure> {
    let page = params.page.unwrap_or(1).max(1);
    let page_size = params.page_size.unwrap_or(20);
    let (limit, offset) = (page_size as i64, ((page - 1) * page_size) as i64);
    let status = params.status;
    let (total, items): (i64, Vec<Order>) = per_backend!(&*db,
        pool => match &status {
            Some(status) => (
                sqlx::query_scalar(COUNT_BY_STATUS).bind(status).fetch_one(pool).await.map_err(fail)?,
                sqlx::query_as(PAGE_BY_STATUS).bind(limit).bind(offset).bind(status)
                    .fetch_all(pool).await.map_err(fail)?,
            ),
            None => (
                sqlx::query_scalar(COUNT_ALL).fetch_one(pool).await.map_err(fail)?,
                sqlx::query_as(PAGE_ALL).bind(limit).bind(offset)
                    .fetch_all(pool).await.map_err(fail)?,
            ),
        },
        orders => {
            let filter = status.map(|status| doc! { "status": status }).unwrap_or_default();
            let total = orders.count_documents(filter.clone()).await.map_err(fail)?;
            let found = orders.find(filter).sort(doc! { "_id": 1 }).skip(offset as u64).limit(limit);
            let documents: Vec<Document> =
                found.await.map_err(fail)?.try_collect().await.map_err(fail)?;
            let items = documents.iter().map(from_document).collect::<Result<_, _>>()?;
            (total as i64, items)
        }
    );
    let total = total as u64;
    Ok(Json(Page {
        items,
        page,
        page_size,
        total,
    })
    .into_response())
}

async fn create(State(db): Shared, Json(input): Json<Create>) -> Result<Response, Failure> {
    let now = Utc::now();
    let order = Order {
        id: Uuid::now_v7(),
        name: input.name,
        description: input.description,
        status: "draft".to_owned(),
        amount_cents: input.amount_cents,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    per_backend!(&*db,
        pool => {
            sqlx::query(INSERT)
                .bind(order.id).bind(&order.name).bind(&order.description).bind(&order.status)
                .bind(order.amount_cents).bind(order.version)
                .bind(order.created_at).bind(order.updated_at)
                .execute(pool).await.map_err(fail)?;
        },
        orders => {
            orders.insert_one(to_document(&order)).await.map_err(fail)?;
        }
    );
    Ok(with_etag(StatusCode::CREATED, order))
}

async fn update(
    State(db): Shared,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Json(input): Json<Update>,
) -> Result<Response, Failure> {
    let expected = if_match(&headers)
        .ok_or_else(|| Failure(StatusCode::PRECONDITION_REQUIRED, "If-Match".into()))?;
    let now = Utc::now();
    let updated = per_backend!(&*db,
        pool => sqlx::query_as::<_, Order>(UPDATE)
            .bind(&input.name).bind(&input.description).bind(&input.status)
            .bind(input.amount_cents).bind(expected + 1).bind(now)
            .bind(id).bind(expected)
            .fetch_optional(pool).await.map_err(fail)?,
        orders => {
            let filter = doc! { "_id": uuid(id), "version": expected };
            let set = doc! { "$set": {
                "name": &input.name,
                "description": &input.description,
                "status": &input.status,
                "amount_cents": input.amount_cents,
                "version": expected + 1,
                "updated_at": timestamp(now),
            } };
            let update = orders.find_one_and_update(filter, set);
            let found = update.return_document(ReturnDocument::After).await.map_err(fail)?;
            found.as_ref().map(from_document).transpose()?
        }
    );
    let order = updated
        .ok_or_else(|| Failure(StatusCode::PRECONDITION_FAILED, "missing or changed".into()))?;
    Ok(with_etag(StatusCode::OK, order))
}

/// `"3"`, `W/"3"` or `3`.
fn if_match(headers: &HeaderMap) -> Option<i64> {
    let value = headers.get(header::IF_MATCH)?.to_str().ok()?;
    let value = value.strip_prefix("W/").unwrap_or(value);
    value.trim_matches('"').parse().ok()
}

fn with_etag(status: StatusCode, order: Order) -> Response {
    let etag = HeaderValue::from_str(&format!("\"{}\"", order.version));
    let mut response = (status, Json(order)).into_response();
    if let Ok(etag) = etag {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

fn uuid(id: Uuid) -> Bson {
    Bson::Binary(Binary {
        subtype: BinarySubtype::Uuid,
        bytes: id.as_bytes().to_vec(),
    })
}

fn timestamp(at: DateTime<Utc>) -> Bson {
    Bson::DateTime(mongodb::bson::DateTime::from_millis(at.timestamp_millis()))
}

fn to_document(order: &Order) -> Document {
    doc! {
        "_id": uuid(order.id),
        "name": &order.name,
        "description": &order.description,
        "status": &order.status,
        "amount_cents": order.amount_cents,
        "version": order.version,
        "created_at": timestamp(order.created_at),
        "updated_at": timestamp(order.updated_at),
    }
}

fn from_document(document: &Document) -> Result<Order, Failure> {
    let id = match document.get("_id") {
        Some(Bson::Binary(binary)) => Uuid::from_slice(&binary.bytes).map_err(fail)?,
        _ => return Err(fail("_id is not a UUID")),
    };
    let date = |key| {
        let at = document.get_datetime(key).map_err(fail)?;
        DateTime::from_timestamp_millis(at.timestamp_millis()).ok_or_else(|| fail(key))
    };
    Ok(Order {
        id,
        name: document.get_str("name").map_err(fail)?.to_owned(),
        description: document.get_str("description").ok().map(str::to_owned),
        status: document.get_str("status").map_err(fail)?.to_owned(),
        amount_cents: document.get_i64("amount_cents").map_err(fail)?,
        version: document.get_i64("version").map_err(fail)?,
        created_at: date("created_at")?,
        updated_at: date("updated_at")?,
    })
}

async fn connect(url: &str, pool: u32) -> Result<Db, String> {
    let error = |error: &dyn std::fmt::Display| format!("cannot connect to {url}: {error}");
    if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url).map_err(|e| error(&e))?;
        let options = options.journal_mode(SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new().max_connections(pool);
        Ok(Db::Sqlite(
            pool.connect_with(options).await.map_err(|e| error(&e))?,
        ))
    } else if url.starts_with("postgres") {
        let pool = PgPoolOptions::new().max_connections(pool);
        Ok(Db::Postgres(
            pool.connect(url).await.map_err(|e| error(&e))?,
        ))
    } else if url.starts_with("mongodb") {
        let client = mongodb::Client::with_uri_str(url)
            .await
            .map_err(|e| error(&e))?;
        let database = client
            .default_database()
            .ok_or_else(|| error(&"the URL names no database"))?;
        Ok(Db::Mongo(database.collection("orders")))
    } else {
        Err(error(&"expected sqlite:, postgres: or mongodb:"))
    }
}

fn setting(name: &str) -> Result<String, String> {
    std::env::var(name).map_err(|_| format!("{name} is not set"))
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let url = setting("BARE_DATABASE_URL")?;
    let port: u16 = setting("BARE_PORT")?
        .parse()
        .map_err(|e| format!("BARE_PORT: {e}"))?;
    let pool = std::env::var("BARE_POOL").unwrap_or_else(|_| "8".to_owned());
    let pool: u32 = pool.parse().map_err(|e| format!("BARE_POOL: {e}"))?;
    let db = Arc::new(connect(&url, pool).await?);
    let app = Router::new()
        .route("/api/v1/orders", get(list).post(create))
        .route("/api/v1/orders/{id}", get(get_one).put(update))
        .with_state(db);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .map_err(|e| format!("cannot listen on port {port}: {e}"))?;
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}
