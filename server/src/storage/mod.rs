//! Where secrets live: the [`Storage`] trait and its embedded SQLite implementation.
//!
//! The handlers see only this trait, so another backend (PostgreSQL for replicas) is one more
//! implementation. Values reach the storage already encrypted ([`crate::crypto`]); the storage
//! never sees a plaintext secret. Every method that changes something is one transaction that
//! is durable when the method returns: an acknowledged write survives a crash.

use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::sessions::SessionRow;

pub mod postgres;
pub mod sqlite;

/// A staging label.
pub const AWSCURRENT: &str = "AWSCURRENT";
/// A staging label.
pub const AWSPREVIOUS: &str = "AWSPREVIOUS";
/// A staging label.
pub const AWSPENDING: &str = "AWSPENDING";

/// A tag of a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    /// The key.
    #[serde(rename = "Key")]
    pub key: String,
    /// The value.
    #[serde(rename = "Value")]
    pub value: String,
}

/// The rotation configuration recorded by `RotateSecret`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Rotation {
    /// Whether rotation is enabled.
    pub enabled: bool,
    /// The rotation function's ARN (never called).
    pub lambda_arn: Option<String>,
    /// The `RotationRules` object as given.
    pub rules: Option<serde_json::Value>,
}

/// One version of a secret (its value is stored apart, encrypted).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Version {
    /// The version id (a UUID, or the client's request token).
    pub id: String,
    /// The staging labels attached to it.
    pub stages: Vec<String>,
    /// When it was created (epoch seconds).
    pub created: f64,
    /// The SHA-256 of the plaintext, so that a retried request with the same token is
    /// recognized (and one with another value refused) without decrypting.
    pub digest: String,
}

/// A secret's metadata: everything but the values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Secret {
    /// `arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX`.
    pub arn: String,
    /// The account that owns it.
    pub account: String,
    /// The name.
    pub name: String,
    /// The description.
    pub description: Option<String>,
    /// The KMS key id given (recorded; the server encrypts with its own key).
    pub kms_key_id: Option<String>,
    /// Tags, in the order given.
    pub tags: Vec<Tag>,
    /// The resource-based policy (JSON text).
    pub resource_policy: Option<String>,
    /// The rotation configuration.
    pub rotation: Option<Rotation>,
    /// When it was created (epoch seconds).
    pub created: f64,
    /// When it was last changed.
    pub last_changed: f64,
    /// When it was last read (a day's granularity, as AWS keeps it).
    pub last_accessed: Option<f64>,
    /// When it was last rotated.
    pub last_rotated: Option<f64>,
    /// When it was scheduled for deletion (`DeletedDate`).
    pub deleted: Option<f64>,
    /// When it will be deleted for good.
    pub deletion_date: Option<f64>,
    /// Its versions, oldest first.
    pub versions: Vec<Version>,
}

impl Secret {
    /// The version carrying `stage`.
    pub fn version_with_stage(&self, stage: &str) -> Option<&Version> {
        self.versions
            .iter()
            .find(|v| v.stages.iter().any(|s| s == stage))
    }

    /// The version with id `id`.
    pub fn version(&self, id: &str) -> Option<&Version> {
        self.versions.iter().find(|v| v.id == id)
    }

    /// The value of tag `key`.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.value.as_str())
    }
}

/// An encrypted value to store with a version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewValue {
    /// The version id.
    pub version_id: String,
    /// The ciphertext (nonce and sealed value).
    pub ciphertext: Vec<u8>,
}

/// What a change of a secret does besides rewriting its metadata.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Change {
    /// Values of new versions.
    pub values: Vec<NewValue>,
    /// Versions whose values are dropped (versions AWS no longer keeps).
    pub dropped: Vec<String>,
}

/// A failure of the storage itself (not of the request): answered as `InternalServiceError`.
#[derive(Debug, thiserror::Error)]
#[error("storage: {0}")]
pub struct StorageError(pub String);

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        // The details go to the server's log; the client learns only that it failed.
        eprintln!("iam-policy-server: {e}");
        ApiError::internal("An error occurred on the server side.")
    }
}

/// A closure that changes a secret inside a transaction; an `Err` rolls it back.
pub type Update<'a> = &'a mut dyn FnMut(&mut Secret) -> Result<Change, ApiError>;

/// Secrets, versions, values, tags and policies, durably.
///
/// Implementations must be safe to call from many threads; each changing method is one
/// transaction, durable when it returns.
pub trait Storage: Send + Sync + std::fmt::Debug {
    /// Stores a new secret with its first versions' values. Fails with
    /// `ResourceExistsException` when the account already has a secret of that name.
    ///
    /// # Errors
    ///
    /// `ResourceExistsException`, or a storage failure.
    fn insert(&self, secret: &Secret, values: &[NewValue]) -> Result<(), ApiError>;

    /// The secret with ARN `arn`.
    ///
    /// # Errors
    ///
    /// A storage failure.
    fn get(&self, arn: &str) -> Result<Option<Secret>, ApiError>;

    /// The secret of `account` named `name`.
    ///
    /// # Errors
    ///
    /// A storage failure.
    fn get_by_name(&self, account: &str, name: &str) -> Result<Option<Secret>, ApiError>;

    /// The secrets of `account`, by name.
    ///
    /// # Errors
    ///
    /// A storage failure.
    fn list(&self, account: &str) -> Result<Vec<Secret>, ApiError>;

    /// Every secret's ARN and resource policy (for loading the policy store at start).
    ///
    /// # Errors
    ///
    /// A storage failure.
    fn resource_policies(&self) -> Result<Vec<(String, String)>, ApiError>;

    /// Changes the secret `arn` in one transaction: reads it, applies `update`, writes the
    /// result and the change's values. Returns the secret as written.
    ///
    /// # Errors
    ///
    /// `ResourceNotFoundException`, the error `update` returned, or a storage failure.
    fn update(&self, arn: &str, update: Update<'_>) -> Result<Secret, ApiError>;

    /// The ciphertext of one version's value.
    ///
    /// # Errors
    ///
    /// A storage failure.
    fn value(&self, arn: &str, version_id: &str) -> Result<Option<Vec<u8>>, ApiError>;

    /// Deletes a secret, its versions and values for good.
    ///
    /// # Errors
    ///
    /// A storage failure.
    fn remove(&self, arn: &str) -> Result<(), ApiError>;

    /// How many secrets are stored (all accounts).
    ///
    /// # Errors
    ///
    /// A storage failure.
    fn count(&self) -> Result<u64, ApiError>;

    /// Replicas: counters for `IamPolicyServer.GetStatistics` (`DatabaseOperations`: storage
    /// operations that went to the database server, each read one round trip;
    /// `CallsServedAgain`: calls that found the policies changed after they began).
    fn statistics(&self) -> Vec<(&'static str, u64)> {
        Vec::new()
    }

    /// Replicas: brings `app`'s policies up to date with changes other processes committed;
    /// called before every call is authenticated and decided. The embedded storage has no
    /// other writer: nothing to do.
    ///
    /// # Errors
    ///
    /// When currency cannot be proven (the database is unreachable): the call is refused.
    fn refresh(&self, _app: &crate::app::App) -> Result<(), ApiError> {
        Ok(())
    }

    /// Starts serving a call: with `lazy`, the policies may be proven current later, by the
    /// call's first read of a secret or by [`Self::verify_call`] (replicas, see
    /// [`crate::replica`]); otherwise as [`Self::refresh`], now. `reload`: the call is
    /// `ReloadConfiguration`, served even by a replica whose configuration differs from the
    /// published one (it publishes this replica's).
    ///
    /// # Errors
    ///
    /// As [`Self::refresh`]; and `ServiceUnavailable` while this replica's configuration
    /// differs from the published one (unless `reload`).
    fn begin_call(
        &self,
        app: &crate::app::App,
        _lazy: bool,
        _reload: bool,
    ) -> Result<(), ApiError> {
        self.refresh(app)
    }

    /// Proves the current call's policies current (if no read did yet) before it decides,
    /// writes or answers.
    ///
    /// # Errors
    ///
    /// When currency cannot be proven, or the policies changed since the call began (then
    /// [`Self::call_is_stale`]).
    fn verify_call(&self) -> Result<(), ApiError> {
        Ok(())
    }

    /// Whether the current call found the policies changed since it began: it must be served
    /// again, after [`Self::begin_call`] without `lazy`. Nothing was decided or written.
    fn call_is_stale(&self) -> bool {
        false
    }

    /// Replicas: called after every call, to settle the policies the call changed.
    ///
    /// # Errors
    ///
    /// When the database is unreachable.
    fn settle(&self, _app: &crate::app::App) -> Result<(), ApiError> {
        Ok(())
    }

    /// Replicas: the configuration was loaded (at start) or reloaded; other replicas are told.
    ///
    /// # Errors
    ///
    /// When the database is unreachable.
    fn configuration_loaded(&self, _app: &crate::app::App) -> Result<(), ApiError> {
        Ok(())
    }

    /// Replicas: starts background work (the change listener) once the server is assembled.
    fn start_replication(&self, _app: std::sync::Arc<crate::app::App>) {}

    /// Stores temporary credentials issued by `AssumeRole` (sealed: [`crate::sessions`]),
    /// durably before they are handed out, and prunes sessions expired at `now`.
    ///
    /// # Errors
    ///
    /// A storage failure (the credentials are then not issued).
    fn put_session(&self, row: &SessionRow, now: i64) -> Result<(), ApiError>;

    /// The stored session with access key `access_key_id`, expired or not.
    ///
    /// # Errors
    ///
    /// A storage failure.
    fn get_session(&self, access_key_id: &str) -> Result<Option<SessionRow>, ApiError>;

    /// Deletes the sessions expired at `now`; returns how many.
    ///
    /// # Errors
    ///
    /// A storage failure.
    fn prune_sessions(&self, now: i64) -> Result<u64, ApiError>;
}
