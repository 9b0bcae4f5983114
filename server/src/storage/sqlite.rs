//! The embedded storage: one SQLite database file (WAL journal, `synchronous=FULL`, so a
//! committed transaction survives a crash or power loss).
//!
//! Schema: `secrets(arn, account, name, meta)` with the metadata as JSON, unique per account
//! and name; `secret_values(arn, version_id, ciphertext)`; `sessions(access_key_id, role_arn,
//! session_name, issued, expires, sealed)`: temporary credentials ([`crate::sessions`], schema
//! version 2).

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

use super::{NewValue, Secret, Storage, StorageError, Update};
use crate::error::ApiError;
use crate::sessions::SessionRow;

/// The schema version this code writes.
const SCHEMA_VERSION: i64 = 2;

/// SQLite storage; see the module docs.
#[derive(Debug)]
pub struct SqliteStorage {
    conn: Mutex<Connection>,
}

fn db_err(e: impl std::fmt::Display) -> ApiError {
    ApiError::from(StorageError(e.to_string()))
}

impl SqliteStorage {
    /// Opens (creating and migrating as needed) the database at `path`.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened or has a newer schema.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        let conn = Connection::open(path).map_err(|e| StorageError(e.to_string()))?;
        Self::init(conn)
    }

    /// An in-memory database (tests).
    ///
    /// # Errors
    ///
    /// When SQLite fails.
    pub fn in_memory() -> Result<Self, StorageError> {
        let conn = Connection::open_in_memory().map_err(|e| StorageError(e.to_string()))?;
        Self::init(conn)
    }

    fn init(conn: Connection) -> Result<Self, StorageError> {
        let err = |e: rusqlite::Error| StorageError(e.to_string());
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(err)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(err)?;
        if version > SCHEMA_VERSION {
            return Err(StorageError(format!(
                "the database has schema version {version}; this server knows up to {SCHEMA_VERSION}"
            )));
        }
        if version < 1 {
            conn.execute_batch(
                "BEGIN;
                 CREATE TABLE IF NOT EXISTS secrets (
                     arn TEXT PRIMARY KEY,
                     account TEXT NOT NULL,
                     name TEXT NOT NULL,
                     has_policy INTEGER NOT NULL DEFAULT 0,
                     meta TEXT NOT NULL,
                     UNIQUE (account, name)
                 );
                 CREATE TABLE IF NOT EXISTS secret_values (
                     arn TEXT NOT NULL REFERENCES secrets(arn) ON DELETE CASCADE,
                     version_id TEXT NOT NULL,
                     ciphertext BLOB NOT NULL,
                     PRIMARY KEY (arn, version_id)
                 );
                 PRAGMA user_version = 1;
                 COMMIT;",
            )
            .map_err(err)?;
        }
        if version < 2 {
            // Version 2: temporary credentials survive a restart (sealed).
            conn.execute_batch(
                "BEGIN;
                 CREATE TABLE IF NOT EXISTS sessions (
                     access_key_id TEXT PRIMARY KEY,
                     role_arn TEXT NOT NULL,
                     session_name TEXT NOT NULL,
                     issued INTEGER NOT NULL,
                     expires INTEGER NOT NULL,
                     sealed BLOB NOT NULL
                 );
                 CREATE INDEX IF NOT EXISTS sessions_expires ON sessions (expires);
                 PRAGMA user_version = 2;
                 COMMIT;",
            )
            .map_err(err)?;
        }
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>, ApiError> {
        self.conn
            .lock()
            .map_err(|_| db_err("the database lock is poisoned"))
    }
}

fn meta_json(secret: &Secret) -> Result<String, ApiError> {
    serde_json::to_string(secret).map_err(db_err)
}

fn parse_meta(text: &str) -> Result<Secret, ApiError> {
    serde_json::from_str(text).map_err(db_err)
}

fn read(conn: &Connection, arn: &str) -> Result<Option<Secret>, ApiError> {
    let text: Option<String> = conn
        .prepare_cached("SELECT meta FROM secrets WHERE arn = ?1")
        .and_then(|mut s| s.query_row(params![arn], |r| r.get(0)).optional())
        .map_err(db_err)?;
    text.map(|t| parse_meta(&t)).transpose()
}

fn write_values(conn: &Connection, arn: &str, values: &[NewValue]) -> Result<(), ApiError> {
    let mut stmt = conn
        .prepare_cached(
            "INSERT OR REPLACE INTO secret_values (arn, version_id, ciphertext) VALUES (?1, ?2, ?3)",
        )
        .map_err(db_err)?;
    for v in values {
        stmt.execute(params![arn, v.version_id, v.ciphertext])
            .map_err(db_err)?;
    }
    Ok(())
}

impl Storage for SqliteStorage {
    fn insert(&self, secret: &Secret, values: &[NewValue]) -> Result<(), ApiError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(db_err)?;
        let exists: bool = tx
            .prepare_cached("SELECT 1 FROM secrets WHERE account = ?1 AND name = ?2")
            .and_then(|mut s| s.exists(params![secret.account, secret.name]))
            .map_err(db_err)?;
        if exists {
            return Err(ApiError::new(
                "ResourceExistsException",
                400,
                format!(
                    "The operation failed because the secret {} already exists.",
                    secret.name
                ),
            ));
        }
        let meta = meta_json(secret)?;
        tx.prepare_cached(
            "INSERT INTO secrets (arn, account, name, has_policy, meta) VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .and_then(|mut s| {
            s.execute(params![
                secret.arn,
                secret.account,
                secret.name,
                secret.resource_policy.is_some(),
                meta
            ])
        })
        .map_err(db_err)?;
        write_values(&tx, &secret.arn, values)?;
        tx.commit().map_err(db_err)
    }

    fn get(&self, arn: &str) -> Result<Option<Secret>, ApiError> {
        read(&*self.conn()?, arn)
    }

    fn get_by_name(&self, account: &str, name: &str) -> Result<Option<Secret>, ApiError> {
        let conn = self.conn()?;
        let text: Option<String> = conn
            .prepare_cached("SELECT meta FROM secrets WHERE account = ?1 AND name = ?2")
            .and_then(|mut s| s.query_row(params![account, name], |r| r.get(0)).optional())
            .map_err(db_err)?;
        text.map(|t| parse_meta(&t)).transpose()
    }

    fn list(&self, account: &str) -> Result<Vec<Secret>, ApiError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached("SELECT meta FROM secrets WHERE account = ?1 ORDER BY name")
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![account], |r| r.get::<_, String>(0))
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(parse_meta(&row.map_err(db_err)?)?);
        }
        Ok(out)
    }

    fn resource_policies(&self) -> Result<Vec<(String, String)>, ApiError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached("SELECT meta FROM secrets WHERE has_policy = 1")
            .map_err(db_err)?;
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            let secret = parse_meta(&row.map_err(db_err)?)?;
            if let Some(policy) = secret.resource_policy {
                out.push((secret.arn, policy));
            }
        }
        Ok(out)
    }

    fn update(&self, arn: &str, update: Update<'_>) -> Result<Secret, ApiError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(db_err)?;
        let mut secret = read(&tx, arn)?.ok_or_else(ApiError::not_found)?;
        let change = update(&mut secret)?;
        let meta = meta_json(&secret)?;
        tx.prepare_cached("UPDATE secrets SET meta = ?2, has_policy = ?3 WHERE arn = ?1")
            .and_then(|mut s| s.execute(params![arn, meta, secret.resource_policy.is_some()]))
            .map_err(db_err)?;
        write_values(&tx, arn, &change.values)?;
        {
            let mut stmt = tx
                .prepare_cached("DELETE FROM secret_values WHERE arn = ?1 AND version_id = ?2")
                .map_err(db_err)?;
            for id in &change.dropped {
                stmt.execute(params![arn, id]).map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)?;
        Ok(secret)
    }

    fn value(&self, arn: &str, version_id: &str) -> Result<Option<Vec<u8>>, ApiError> {
        let conn = self.conn()?;
        conn.prepare_cached(
            "SELECT ciphertext FROM secret_values WHERE arn = ?1 AND version_id = ?2",
        )
        .and_then(|mut s| {
            s.query_row(params![arn, version_id], |r| r.get(0))
                .optional()
        })
        .map_err(db_err)
    }

    fn remove(&self, arn: &str) -> Result<(), ApiError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(db_err)?;
        tx.execute("DELETE FROM secret_values WHERE arn = ?1", params![arn])
            .map_err(db_err)?;
        tx.execute("DELETE FROM secrets WHERE arn = ?1", params![arn])
            .map_err(db_err)?;
        tx.commit().map_err(db_err)
    }

    fn count(&self) -> Result<u64, ApiError> {
        let conn = self.conn()?;
        conn.query_row("SELECT COUNT(*) FROM secrets", [], |r| r.get::<_, i64>(0))
            .map(|n| u64::try_from(n).unwrap_or(0))
            .map_err(db_err)
    }

    fn put_session(&self, row: &SessionRow, now: i64) -> Result<(), ApiError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(db_err)?;
        tx.prepare_cached("DELETE FROM sessions WHERE expires <= ?1")
            .and_then(|mut s| s.execute(params![now]))
            .map_err(db_err)?;
        tx.prepare_cached(
            "INSERT INTO sessions (access_key_id, role_arn, session_name, issued, expires, sealed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .and_then(|mut s| {
            s.execute(params![
                row.access_key_id,
                row.role_arn,
                row.session_name,
                row.issued,
                row.expires,
                row.sealed
            ])
        })
        .map_err(db_err)?;
        tx.commit().map_err(db_err)
    }

    fn get_session(&self, access_key_id: &str) -> Result<Option<SessionRow>, ApiError> {
        let conn = self.conn()?;
        conn.prepare_cached(
            "SELECT role_arn, session_name, issued, expires, sealed FROM sessions
             WHERE access_key_id = ?1",
        )
        .and_then(|mut s| {
            s.query_row(params![access_key_id], |r| {
                Ok(SessionRow {
                    access_key_id: access_key_id.to_owned(),
                    role_arn: r.get(0)?,
                    session_name: r.get(1)?,
                    issued: r.get(2)?,
                    expires: r.get(3)?,
                    sealed: r.get(4)?,
                })
            })
            .optional()
        })
        .map_err(db_err)
    }

    fn prune_sessions(&self, now: i64) -> Result<u64, ApiError> {
        let conn = self.conn()?;
        let n = conn
            .prepare_cached("DELETE FROM sessions WHERE expires <= ?1")
            .and_then(|mut s| s.execute(params![now]))
            .map_err(db_err)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }
}
