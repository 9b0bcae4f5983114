//! PostgreSQL storage, for several replicas of the server on one database
//! (`--database postgres://…`). Same behaviour as the embedded storage
//! ([`super::sqlite`]): the handlers see only [`Storage`].
//!
//! Schema (created and migrated by the server under an advisory lock, so replicas starting
//! together do not race; version in `iam_policy_schema`):
//!
//! - `secrets(arn, account, name, resource_policy, meta)`: the metadata as JSON (versions and
//!   their staging labels included, so a version and its labels change in one row), unique per
//!   account and name;
//! - `secret_values(arn, version_id, ciphertext)`: values sealed with AES-256-GCM by
//!   [`crate::crypto`] before they reach the database;
//! - `policy_epoch(epoch, config_digest)`: one row, the policy epoch, bumped in the same
//!   transaction as every change of a resource policy or of the configuration; its row lock
//!   orders the bumps, so epochs commit in order;
//! - `policy_log(epoch, arn)`: which entity each epoch changed (`''`: the configuration); only
//!   the last `--policy-log-keep` entries are kept (pruned by each bump);
//! - `sessions(access_key_id, role_arn, session_name, issued, expires, sealed)`: temporary
//!   credentials ([`crate::sessions`]; version 2, the clear columns version 3).
//!
//! Every change is one transaction; [`Storage::update`] locks the secret's row
//! (`SELECT … FOR UPDATE`), so concurrent writers through different replicas are serialized
//! and none loses another's version. How replicas keep their policies current is described in
//! [`crate::replica`].

use std::cell::{Cell, RefCell};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use postgres::NoTls;
use postgres::error::SqlState;
use postgres::types::Type;
use r2d2_postgres::PostgresConnectionManager;

use super::{NewValue, Secret, Storage, StorageError, Update};
use crate::app::App;
use crate::error::ApiError;
use crate::sessions::SessionRow;

/// The schema version this code writes.
const SCHEMA_VERSION: i32 = 3;

/// The advisory lock key serializing schema migrations (any constant; "iampolsv" in ASCII).
const MIGRATION_LOCK: i64 = 0x6961_6d70_6f6c_7376;

/// The channel on which committed policy changes are announced.
pub const CHANNEL: &str = "iam_policy_changes";

/// How many policy log entries are kept by default (`--policy-log-keep`).
pub const DEFAULT_LOG_KEEP: i64 = 1000;

/// Connections per replica.
const POOL_SIZE: u32 = 16;

/// How long a call waits for a connection (or the database to answer a connection attempt).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

/// PostgreSQL storage; see the module docs.
#[derive(Debug)]
pub struct PostgresStorage {
    pool: Pool,
    /// The connection parameters, for the notification listener.
    pub(crate) config: postgres::Config,
    /// The policy epoch this process's policy store reflects.
    pub(crate) applied: AtomicU64,
    /// One refresh at a time (the others wait: they must not decide before it is done).
    pub(crate) refresh_lock: Mutex<RefreshState>,
    /// How many policy log entries are kept (at least 1).
    log_keep: i64,
    /// Storage operations that took a pooled connection (a read is one round trip).
    checkouts: AtomicU64,
    /// Calls served again because the policies changed after they began.
    served_again: AtomicU64,
    /// This replica's configuration differs from the published one: calls are refused (but
    /// `ReloadConfiguration`, which publishes this replica's file) until it matches.
    pub(crate) config_differs: AtomicBool,
}

/// What the refresh remembers between calls.
#[derive(Debug, Default)]
pub(crate) struct RefreshState {
    /// The digest of the configuration this process runs.
    pub(crate) local_digest: Option<String>,
    /// When the configuration file was last re-read because its digest differed from the
    /// published one (re-read at most once a second while it differs, for a file corrected
    /// in place).
    pub(crate) last_reread: Option<std::time::Instant>,
    /// The published digest that the last re-read answered: a newly published digest is
    /// answered by a re-read at once, whatever the time.
    pub(crate) reread_for: Option<String>,
    /// Secrets whose policy a call changed and that are not settled yet.
    pub(crate) pending: Vec<String>,
}

thread_local! {
    /// Secrets whose resource policy this thread's call changed (see [`crate::replica`]).
    static TOUCHED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
    /// Where this thread's call stands with the policy epoch check (see [`crate::replica`],
    /// "The check, folded").
    static CHECK: Cell<CallCheck> = const { Cell::new(CallCheck::Idle) };
}

/// Where a call stands with the policy epoch check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CallCheck {
    /// Not serving a call (start-up, the listener thread): nothing to check.
    Idle,
    /// The call began when this process had applied epoch `base`; not yet proven current.
    Pending {
        /// The epoch applied when the call began.
        base: u64,
    },
    /// Proven current: the database's epoch was `base` in a statement that began after the
    /// call arrived, or the call began with a full refresh.
    Verified,
    /// The database's epoch had moved past `base`: the call may have been authenticated with
    /// policies no longer current. Nothing may be decided or written; it is served again.
    Stale,
}

/// The answer while a call is stale (it never reaches a client: the call is served again).
fn stale() -> ApiError {
    ApiError::new(
        "ServiceUnavailable",
        503,
        "The service is unavailable: the policies changed while the call was served. Retry.",
    )
}

/// Takes the secrets whose resource policy the current thread changed since the last call.
pub(crate) fn take_touched() -> Vec<String> {
    TOUCHED.with(|t| std::mem::take(&mut *t.borrow_mut()))
}

fn touched(arn: &str) {
    TOUCHED.with(|t| t.borrow_mut().push(arn.to_owned()));
}

/// A database failure: answered `ServiceUnavailable` (503) when the database cannot be
/// reached ([`is_unreachable`]); otherwise `InternalServiceError` (500).
pub(crate) fn db_err(e: &postgres::Error) -> ApiError {
    if is_unreachable(e) {
        unavailable(&e.to_string())
    } else {
        ApiError::from(StorageError(format!("postgres: {e}")))
    }
}

/// Whether `e` means the database cannot be reached rather than that a statement failed: no
/// SQL state (the connection is gone, or none could be had), a connection exception (class
/// `08`), or the server going away under the connection (`57P01` admin shutdown, `57P02` crash
/// shutdown, `57P03` cannot connect now, as a backend reports when its postmaster is killed or
/// the server stops). PostgreSQL documentation, Appendix A "PostgreSQL Error Codes".
fn is_unreachable(e: &postgres::Error) -> bool {
    match e.code() {
        None => true,
        Some(state) => {
            let code = state.code();
            code.starts_with("08")
                || *state == SqlState::ADMIN_SHUTDOWN
                || *state == SqlState::CRASH_SHUTDOWN
                || *state == SqlState::CANNOT_CONNECT_NOW
        }
    }
}

/// `ServiceUnavailable` (HTTP 503): the database cannot be reached, so this replica refuses.
pub(crate) fn unavailable(detail: &str) -> ApiError {
    eprintln!("iam-policy-server: database unavailable: {detail}");
    ApiError::new(
        "ServiceUnavailable",
        503,
        "The service is unavailable: this replica cannot reach its database. Retry later.",
    )
}

fn pool_err(e: &r2d2::Error) -> ApiError {
    unavailable(&e.to_string())
}

fn meta_json(secret: &Secret) -> Result<String, ApiError> {
    serde_json::to_string(secret).map_err(|e| ApiError::from(StorageError(e.to_string())))
}

fn parse_meta(text: &str) -> Result<Secret, ApiError> {
    serde_json::from_str(text).map_err(|e| ApiError::from(StorageError(e.to_string())))
}

/// Bumps the policy epoch for a change of `arn` (`''`: the configuration) inside `tx` and
/// announces it on commit; prunes the log to its last `keep` entries. Returns the new epoch.
fn bump(tx: &mut postgres::Transaction<'_>, arn: &str, keep: i64) -> Result<i64, postgres::Error> {
    let epoch: i64 = tx
        .query_one(
            "UPDATE policy_epoch SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch",
            &[],
        )?
        .get(0);
    tx.execute(
        "INSERT INTO policy_log (epoch, arn) VALUES ($1, $2)",
        &[&epoch, &arn],
    )?;
    // The epoch row lock orders the bumps, so this deletes the one entry that fell out of the
    // window (more only after the window shrank). A replica behind the window reloads every
    // policy instead of replaying the log (`crate::replica`).
    tx.execute(
        "DELETE FROM policy_log WHERE epoch <= $1",
        &[&epoch.saturating_sub(keep)],
    )?;
    // Delivered to the listeners when (and only if) the transaction commits.
    tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &epoch.to_string()])?;
    Ok(epoch)
}

/// Every resource policy at one epoch (see [`PostgresStorage::snapshot`]).
#[derive(Debug)]
pub(crate) struct Snapshot {
    /// The epoch the policies are at.
    pub(crate) epoch: i64,
    /// The published configuration digest then.
    pub(crate) config_digest: Option<String>,
    /// Every secret's resource policy (ARN, text).
    pub(crate) policies: Vec<(String, String)>,
}

impl PostgresStorage {
    /// Connects to `url` (`postgres://user:password@host:port/database`), creating or
    /// migrating the schema.
    ///
    /// # Errors
    ///
    /// When the URL is invalid, the database cannot be reached, or its schema is newer than
    /// this server knows.
    pub fn connect(url: &str) -> Result<Self, StorageError> {
        let err = |e: &dyn std::fmt::Display| StorageError(format!("postgres: {e}"));
        let mut config: postgres::Config = url.parse().map_err(|e| err(&e))?;
        config.connect_timeout(CONNECT_TIMEOUT);
        config.application_name("iam-policy-server");
        config.keepalives(true);
        config.keepalives_idle(Duration::from_secs(30));
        let manager = PostgresConnectionManager::new(config.clone(), NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(POOL_SIZE)
            .min_idle(Some(2))
            .connection_timeout(CONNECT_TIMEOUT)
            // A broken connection is dropped when returned (`has_broken`); testing each one
            // on check-out would cost a round trip per call.
            .test_on_check_out(false)
            .build(manager)
            .map_err(|e| err(&e))?;
        let storage = Self {
            pool,
            config,
            applied: AtomicU64::new(0),
            refresh_lock: Mutex::new(RefreshState::default()),
            log_keep: DEFAULT_LOG_KEEP,
            checkouts: AtomicU64::new(0),
            served_again: AtomicU64::new(0),
            config_differs: AtomicBool::new(false),
        };
        storage.migrate()?;
        // Read before the policies are loaded: changes committed in between are replayed
        // (idempotently) by the first refresh.
        let epoch = storage
            .epoch()
            .map_err(|e| StorageError(e.message.clone()))?;
        storage
            .applied
            .store(u64::try_from(epoch.0).unwrap_or(0), Ordering::SeqCst);
        Ok(storage)
    }

    /// Keeps the last `keep` policy log entries (at least 1) instead of [`DEFAULT_LOG_KEEP`].
    /// Every replica reading a change more than `keep` entries after the last one it applied
    /// reloads every resource policy instead of replaying the log.
    #[must_use]
    pub fn keep_policy_log(mut self, keep: u32) -> Self {
        self.log_keep = i64::from(keep.max(1));
        self
    }

    fn migrate(&self) -> Result<(), StorageError> {
        let err = |e: &dyn std::fmt::Display| StorageError(format!("postgres: {e}"));
        let mut conn = self.pool.get().map_err(|e| err(&e))?;
        let mut tx = conn.transaction().map_err(|e| err(&e))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(|e| err(&e))?;
        tx.batch_execute("CREATE TABLE IF NOT EXISTS iam_policy_schema (version integer NOT NULL)")
            .map_err(|e| err(&e))?;
        let version: i32 = tx
            .query_opt("SELECT version FROM iam_policy_schema", &[])
            .map_err(|e| err(&e))?
            .map_or(0, |r| r.get(0));
        if version > SCHEMA_VERSION {
            return Err(StorageError(format!(
                "the database has schema version {version}; this server knows up to {SCHEMA_VERSION}"
            )));
        }
        if version < 1 {
            tx.batch_execute(
                "CREATE TABLE secrets (
                     arn text PRIMARY KEY,
                     account text NOT NULL,
                     name text NOT NULL,
                     resource_policy text,
                     meta text NOT NULL,
                     CONSTRAINT secrets_account_name UNIQUE (account, name)
                 );
                 CREATE TABLE secret_values (
                     arn text NOT NULL REFERENCES secrets(arn) ON DELETE CASCADE,
                     version_id text NOT NULL,
                     ciphertext bytea NOT NULL,
                     PRIMARY KEY (arn, version_id)
                 );
                 CREATE TABLE policy_epoch (
                     id integer PRIMARY KEY CHECK (id = 1),
                     epoch bigint NOT NULL,
                     config_digest text
                 );
                 INSERT INTO policy_epoch (id, epoch) VALUES (1, 0);
                 CREATE TABLE policy_log (
                     epoch bigint PRIMARY KEY,
                     arn text NOT NULL
                 );
                 DELETE FROM iam_policy_schema;
                 INSERT INTO iam_policy_schema (version) VALUES (1);",
            )
            .map_err(|e| err(&e))?;
        }
        if version < 2 {
            // Version 2: temporary credentials shared by the replicas (sealed).
            tx.batch_execute(
                "CREATE TABLE sessions (
                     access_key_id text PRIMARY KEY,
                     expires bigint NOT NULL,
                     sealed bytea NOT NULL
                 );
                 UPDATE iam_policy_schema SET version = 2;",
            )
            .map_err(|e| err(&e))?;
        }
        if version < 3 {
            // Version 3: the session's role, name and issue time in clear (what an operator
            // needs to see whose sessions exist) and an index for pruning expired ones.
            tx.batch_execute(
                "ALTER TABLE sessions ADD COLUMN role_arn text NOT NULL DEFAULT '';
                 ALTER TABLE sessions ADD COLUMN session_name text NOT NULL DEFAULT '';
                 ALTER TABLE sessions ADD COLUMN issued bigint NOT NULL DEFAULT 0;
                 CREATE INDEX sessions_expires ON sessions (expires);
                 UPDATE iam_policy_schema SET version = 3;",
            )
            .map_err(|e| err(&e))?;
        }
        tx.commit().map_err(|e| err(&e))
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>, ApiError> {
        self.checkouts.fetch_add(1, Ordering::Relaxed);
        self.pool.get().map_err(|e| pool_err(&e))
    }

    /// The current policy epoch and published configuration digest (one round trip).
    ///
    /// # Errors
    ///
    /// `ServiceUnavailable` when the database cannot be reached.
    pub fn epoch(&self) -> Result<(i64, Option<String>), ApiError> {
        let mut conn = self.conn()?;
        let row = conn
            .query_typed_one(
                "SELECT epoch, config_digest FROM policy_epoch WHERE id = 1",
                &[],
            )
            .map_err(|e| db_err(&e))?;
        Ok((row.get(0), row.get(1)))
    }

    /// The changes after epoch `after` up to `upto`: (epoch, entity, the entity's resource
    /// policy now). The entity `''` is the configuration.
    pub(crate) fn changes(
        &self,
        after: i64,
        upto: i64,
    ) -> Result<Vec<(i64, String, Option<String>)>, ApiError> {
        let mut conn = self.conn()?;
        let rows = conn
            .query_typed(
                "SELECT l.epoch, l.arn, s.resource_policy FROM policy_log l
                 LEFT JOIN secrets s ON s.arn = l.arn
                 WHERE l.epoch > $1 AND l.epoch <= $2 ORDER BY l.epoch",
                &[(&after, Type::INT8), (&upto, Type::INT8)],
            )
            .map_err(|e| db_err(&e))?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect())
    }

    /// Every resource policy and the epoch they are at, read in one snapshot (a replica
    /// behind the pruned log reloads from it).
    ///
    /// # Errors
    ///
    /// `ServiceUnavailable` when the database cannot be reached.
    pub(crate) fn snapshot(&self) -> Result<Snapshot, ApiError> {
        let mut conn = self.conn()?;
        let mut tx = conn
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(|e| db_err(&e))?;
        let head = tx
            .query_typed_one(
                "SELECT epoch, config_digest FROM policy_epoch WHERE id = 1",
                &[],
            )
            .map_err(|e| db_err(&e))?;
        let rows = tx
            .query_typed(
                "SELECT arn, resource_policy FROM secrets WHERE resource_policy IS NOT NULL",
                &[],
            )
            .map_err(|e| db_err(&e))?;
        tx.commit().map_err(|e| db_err(&e))?;
        Ok(Snapshot {
            epoch: head.get(0),
            config_digest: head.get(1),
            policies: rows.iter().map(|r| (r.get(0), r.get(1))).collect(),
        })
    }

    /// The resource policy stored for `arn` now.
    pub(crate) fn policy_of(&self, arn: &str) -> Result<Option<String>, ApiError> {
        let mut conn = self.conn()?;
        let row = conn
            .query_typed_opt(
                "SELECT resource_policy FROM secrets WHERE arn = $1",
                &[(&arn, Type::TEXT)],
            )
            .map_err(|e| db_err(&e))?;
        Ok(row.and_then(|r| r.get(0)))
    }

    /// Publishes configuration `digest`: bumps the epoch with a configuration entry unless it
    /// is already the published one. Returns whether it was published.
    pub(crate) fn publish_config(&self, digest: &str) -> Result<bool, ApiError> {
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().map_err(|e| db_err(&e))?;
        let current: Option<String> = tx
            .query_one(
                "SELECT config_digest FROM policy_epoch WHERE id = 1 FOR UPDATE",
                &[],
            )
            .map_err(|e| db_err(&e))?
            .get(0);
        if current.as_deref() == Some(digest) {
            return Ok(false);
        }
        bump(&mut tx, "", self.log_keep).map_err(|e| db_err(&e))?;
        tx.execute(
            "UPDATE policy_epoch SET config_digest = $1 WHERE id = 1",
            &[&digest],
        )
        .map_err(|e| db_err(&e))?;
        tx.commit().map_err(|e| db_err(&e))?;
        Ok(true)
    }

    /// One secret's metadata by `filter` (over `secrets s`, parameters `$1`, `$2`). While the
    /// call's epoch check is pending, the same statement reads the epoch: the check costs no
    /// round trip of its own.
    fn read_one(&self, filter: &str, a: &str, b: Option<&str>) -> Result<Option<Secret>, ApiError> {
        let pending = match CHECK.get() {
            CallCheck::Pending { base } => Some(base),
            CallCheck::Stale => return Err(stale()),
            CallCheck::Idle | CallCheck::Verified => None,
        };
        let sql = if pending.is_some() {
            // One row always (the epoch row), with the secret's metadata or NULL.
            format!(
                "SELECT s.meta, e.epoch FROM policy_epoch e LEFT JOIN secrets s ON {filter} \
                 WHERE e.id = 1"
            )
        } else {
            format!("SELECT s.meta FROM secrets s WHERE {filter}")
        };
        let mut conn = self.conn()?;
        let row = match b {
            None => conn.query_typed_opt(&sql, &[(&a, Type::TEXT)]),
            Some(b) => conn.query_typed_opt(&sql, &[(&a, Type::TEXT), (&b, Type::TEXT)]),
        }
        .map_err(|e| db_err(&e))?;
        if let Some(base) = pending {
            let epoch: i64 = row
                .as_ref()
                .ok_or_else(|| ApiError::internal("the policy epoch row is missing"))?
                .get(1);
            check_epoch(epoch, base)?;
        }
        let meta: Option<&str> = row.as_ref().and_then(|r| r.get(0));
        meta.map(parse_meta).transpose()
    }

    /// Starts serving a call. `lazy`: the epoch check is left to the call's first read of a
    /// secret (or done before its first decision, write or answer: [`Self::verify_call`]);
    /// otherwise (or when a policy this process wrote is not settled yet, or this replica's
    /// configuration differs from the published one) the policies are refreshed now. A call
    /// is refused while the configuration differs, unless `reload` (the call is
    /// `ReloadConfiguration`, which publishes this replica's file: the remedy).
    pub(crate) fn begin_call(&self, app: &App, lazy: bool, reload: bool) -> Result<(), ApiError> {
        CHECK.set(CallCheck::Idle);
        if lazy {
            // Read under the refresh lock: the applied epoch and whether the configuration
            // differs come from the same refresh.
            let state = self
                .refresh_lock
                .lock()
                .map_err(|_| ApiError::internal("the refresh lock is poisoned"))?;
            if state.pending.is_empty() && !self.config_differs.load(Ordering::SeqCst) {
                CHECK.set(CallCheck::Pending {
                    base: self.applied.load(Ordering::SeqCst),
                });
                return Ok(());
            }
        }
        if !lazy {
            self.served_again.fetch_add(1, Ordering::Relaxed);
        }
        crate::replica::refresh(self, app)?;
        if !reload {
            crate::replica::require_published_config(self)?;
        }
        CHECK.set(CallCheck::Verified);
        Ok(())
    }

    /// Proves the call's policies current if no read did yet (one round trip).
    ///
    /// # Errors
    ///
    /// `ServiceUnavailable` when the database cannot be reached or the policies changed since
    /// the call began (the call is then served again).
    pub(crate) fn verify_call(&self) -> Result<(), ApiError> {
        match CHECK.get() {
            CallCheck::Pending { base } => {
                let (epoch, _) = self.epoch()?;
                check_epoch(epoch, base)
            }
            CallCheck::Stale => Err(stale()),
            CallCheck::Idle | CallCheck::Verified => Ok(()),
        }
    }
}

/// The database's epoch `epoch` read for a call that began at `base`: verified when nothing
/// changed since, else stale.
fn check_epoch(epoch: i64, base: u64) -> Result<(), ApiError> {
    if u64::try_from(epoch).is_ok_and(|e| e <= base) {
        CHECK.set(CallCheck::Verified);
        Ok(())
    } else {
        CHECK.set(CallCheck::Stale);
        Err(stale())
    }
}

/// Whether this thread's call went stale (it must be served again after a full refresh).
pub(crate) fn call_is_stale() -> bool {
    CHECK.get() == CallCheck::Stale
}

/// The call is over.
pub(crate) fn end_call() {
    CHECK.set(CallCheck::Idle);
}

fn write_values(
    tx: &mut postgres::Transaction<'_>,
    arn: &str,
    values: &[NewValue],
) -> Result<(), postgres::Error> {
    for v in values {
        tx.execute(
            "INSERT INTO secret_values (arn, version_id, ciphertext) VALUES ($1, $2, $3)
             ON CONFLICT (arn, version_id) DO UPDATE SET ciphertext = EXCLUDED.ciphertext",
            &[&arn, &v.version_id, &v.ciphertext],
        )?;
    }
    Ok(())
}

impl Storage for PostgresStorage {
    fn insert(&self, secret: &Secret, values: &[NewValue]) -> Result<(), ApiError> {
        // Nothing is written (or a value read) before the call's policies are proven current.
        self.verify_call()?;
        let meta = meta_json(secret)?;
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().map_err(|e| db_err(&e))?;
        let inserted = tx.execute(
            "INSERT INTO secrets (arn, account, name, resource_policy, meta)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &secret.arn,
                &secret.account,
                &secret.name,
                &secret.resource_policy,
                &meta,
            ],
        );
        if let Err(e) = inserted {
            // Another replica may have created the same name a moment ago: the unique
            // constraint decides, as the embedded storage's transaction does.
            if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
                return Err(ApiError::new(
                    "ResourceExistsException",
                    400,
                    format!(
                        "The operation failed because the secret {} already exists.",
                        secret.name
                    ),
                ));
            }
            return Err(db_err(&e));
        }
        write_values(&mut tx, &secret.arn, values).map_err(|e| db_err(&e))?;
        if secret.resource_policy.is_some() {
            bump(&mut tx, &secret.arn, self.log_keep).map_err(|e| db_err(&e))?;
            touched(&secret.arn);
        }
        tx.commit().map_err(|e| db_err(&e))
    }

    fn get(&self, arn: &str) -> Result<Option<Secret>, ApiError> {
        self.read_one("s.arn = $1", arn, None)
    }

    fn get_by_name(&self, account: &str, name: &str) -> Result<Option<Secret>, ApiError> {
        self.read_one("s.account = $1 AND s.name = $2", account, Some(name))
    }

    fn list(&self, account: &str) -> Result<Vec<Secret>, ApiError> {
        let mut conn = self.conn()?;
        let rows = conn
            .query_typed(
                "SELECT meta FROM secrets WHERE account = $1 ORDER BY name",
                &[(&account, Type::TEXT)],
            )
            .map_err(|e| db_err(&e))?;
        rows.iter().map(|r| parse_meta(r.get(0))).collect()
    }

    fn resource_policies(&self) -> Result<Vec<(String, String)>, ApiError> {
        let mut conn = self.conn()?;
        let rows = conn
            .query_typed(
                "SELECT arn, resource_policy FROM secrets WHERE resource_policy IS NOT NULL",
                &[],
            )
            .map_err(|e| db_err(&e))?;
        Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
    }

    fn update(&self, arn: &str, update: Update<'_>) -> Result<Secret, ApiError> {
        // Nothing is written (or a value read) before the call's policies are proven current.
        self.verify_call()?;
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().map_err(|e| db_err(&e))?;
        // The row lock serializes writers of this secret across replicas: each reads the
        // versions the previous one committed.
        let row = tx
            .query_typed_opt(
                "SELECT meta FROM secrets WHERE arn = $1 FOR UPDATE",
                &[(&arn, Type::TEXT)],
            )
            .map_err(|e| db_err(&e))?
            .ok_or_else(ApiError::not_found)?;
        let mut secret = parse_meta(row.get(0))?;
        let before = secret.resource_policy.clone();
        let change = update(&mut secret)?;
        let meta = meta_json(&secret)?;
        tx.execute(
            "UPDATE secrets SET meta = $2, resource_policy = $3 WHERE arn = $1",
            &[&arn, &meta, &secret.resource_policy],
        )
        .map_err(|e| db_err(&e))?;
        write_values(&mut tx, arn, &change.values).map_err(|e| db_err(&e))?;
        for id in &change.dropped {
            tx.execute(
                "DELETE FROM secret_values WHERE arn = $1 AND version_id = $2",
                &[&arn, id],
            )
            .map_err(|e| db_err(&e))?;
        }
        let policy_changed = before != secret.resource_policy;
        if policy_changed {
            bump(&mut tx, arn, self.log_keep).map_err(|e| db_err(&e))?;
        }
        tx.commit().map_err(|e| db_err(&e))?;
        if policy_changed {
            touched(arn);
        }
        Ok(secret)
    }

    fn value(&self, arn: &str, version_id: &str) -> Result<Option<Vec<u8>>, ApiError> {
        // Nothing is written (or a value read) before the call's policies are proven current.
        self.verify_call()?;
        let mut conn = self.conn()?;
        let row = conn
            .query_typed_opt(
                "SELECT ciphertext FROM secret_values WHERE arn = $1 AND version_id = $2",
                &[(&arn, Type::TEXT), (&version_id, Type::TEXT)],
            )
            .map_err(|e| db_err(&e))?;
        Ok(row.map(|r| r.get(0)))
    }

    fn remove(&self, arn: &str) -> Result<(), ApiError> {
        // Nothing is written (or a value read) before the call's policies are proven current.
        self.verify_call()?;
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().map_err(|e| db_err(&e))?;
        let removed = tx
            .query_opt(
                "DELETE FROM secrets WHERE arn = $1 RETURNING resource_policy",
                &[&arn],
            )
            .map_err(|e| db_err(&e))?;
        let had_policy = removed.is_some_and(|r| r.get::<_, Option<String>>(0).is_some());
        if had_policy {
            bump(&mut tx, arn, self.log_keep).map_err(|e| db_err(&e))?;
        }
        tx.commit().map_err(|e| db_err(&e))?;
        if had_policy {
            touched(arn);
        }
        Ok(())
    }

    fn count(&self) -> Result<u64, ApiError> {
        let mut conn = self.conn()?;
        let n: i64 = conn
            .query_typed_one("SELECT count(*) FROM secrets", &[])
            .map_err(|e| db_err(&e))?
            .get(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    fn statistics(&self) -> Vec<(&'static str, u64)> {
        vec![
            ("DatabaseOperations", self.checkouts.load(Ordering::Relaxed)),
            (
                "CallsServedAgain",
                self.served_again.load(Ordering::Relaxed),
            ),
        ]
    }

    fn refresh(&self, app: &App) -> Result<(), ApiError> {
        crate::replica::refresh(self, app)
    }

    fn begin_call(&self, app: &App, lazy: bool, reload: bool) -> Result<(), ApiError> {
        PostgresStorage::begin_call(self, app, lazy, reload)
    }

    fn verify_call(&self) -> Result<(), ApiError> {
        PostgresStorage::verify_call(self)
    }

    fn call_is_stale(&self) -> bool {
        call_is_stale()
    }

    fn settle(&self, app: &App) -> Result<(), ApiError> {
        end_call();
        crate::replica::settle(self, app)
    }

    fn configuration_loaded(&self, app: &App) -> Result<(), ApiError> {
        crate::replica::publish(self, app)
    }

    fn start_replication(&self, app: std::sync::Arc<App>) {
        crate::replica::listen(self.config.clone(), app);
    }

    fn put_session(&self, row: &SessionRow, now: i64) -> Result<(), ApiError> {
        // Nothing is written (or a value read) before the call's policies are proven current.
        self.verify_call()?;
        let mut conn = self.conn()?;
        let mut tx = conn.transaction().map_err(|e| db_err(&e))?;
        tx.execute("DELETE FROM sessions WHERE expires <= $1", &[&now])
            .map_err(|e| db_err(&e))?;
        tx.execute(
            "INSERT INTO sessions (access_key_id, role_arn, session_name, issued, expires, sealed)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &row.access_key_id,
                &row.role_arn,
                &row.session_name,
                &row.issued,
                &row.expires,
                &row.sealed,
            ],
        )
        .map_err(|e| db_err(&e))?;
        tx.commit().map_err(|e| db_err(&e))
    }

    fn get_session(&self, access_key_id: &str) -> Result<Option<SessionRow>, ApiError> {
        let mut conn = self.conn()?;
        let row = conn
            .query_typed_opt(
                "SELECT role_arn, session_name, issued, expires, sealed FROM sessions
                 WHERE access_key_id = $1",
                &[(&access_key_id, Type::TEXT)],
            )
            .map_err(|e| db_err(&e))?;
        Ok(row.map(|r| SessionRow {
            access_key_id: access_key_id.to_owned(),
            role_arn: r.get(0),
            session_name: r.get(1),
            issued: r.get(2),
            expires: r.get(3),
            sealed: r.get(4),
        }))
    }

    fn prune_sessions(&self, now: i64) -> Result<u64, ApiError> {
        let mut conn = self.conn()?;
        conn.execute("DELETE FROM sessions WHERE expires <= $1", &[&now])
            .map_err(|e| db_err(&e))
    }
}
