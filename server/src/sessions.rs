//! Temporary credentials issued by `AssumeRole`, kept in the storage so that they survive a
//! restart (embedded database) and work through every replica (PostgreSQL).
//!
//! A session is stored as a [`SessionRow`]: the access key id, the role, the session name and
//! the issue and expiry times in clear (so that expired rows can be pruned and an operator can
//! see whose sessions exist), and everything else — the secret access key, the session token,
//! the session tags, the session policy's text — sealed with the server's key
//! ([`crate::crypto`], bound to the access key id, so a sealed session copied to another row
//! does not open). The storage never sees a secret access key or a token in clear.
//!
//! Each process keeps the sessions it issued or looked up in a small cache
//! ([`crate::authz::Authorizer::add_session`]); every use checks the session's expiry, so the
//! cache never serves a session past it. Expired rows are pruned when a session is issued and
//! when the server starts.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::authz::{Identity, KeyEntry, TemplateSlot};
use crate::error::ApiError;

/// One stored session; see the module docs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionRow {
    /// The temporary access key id (`ASIA…`).
    pub access_key_id: String,
    /// The role assumed (in clear).
    pub role_arn: String,
    /// The `RoleSessionName` (in clear).
    pub session_name: String,
    /// When it was issued (epoch seconds).
    pub issued: i64,
    /// When it expires (epoch seconds).
    pub expires: i64,
    /// The sealed [`Sealed`] JSON.
    pub sealed: Vec<u8>,
}

/// What is sealed of a session.
#[derive(Serialize, Deserialize)]
struct Sealed {
    secret: String,
    token: Option<String>,
    arn: String,
    account: String,
    user_id: String,
    principal_arn: String,
    access_key_id: String,
    tags: BTreeMap<String, String>,
    expires: i64,
    policy: Option<String>,
}

/// The "ARN" sealed sessions are bound to (AES-GCM associated data, with the access key id).
const SESSION_AAD: &str = "iam-policy-server:sts-session";

/// The session name of an assumed-role ARN (`arn:aws:sts::A:assumed-role/ROLE/SESSION`).
fn session_name(arn: &str) -> &str {
    arn.rsplit_once('/').map_or("", |(_, s)| s)
}

/// Seals `entry` (a session with its session policy's text) into a row.
///
/// # Errors
///
/// When sealing fails.
pub fn seal(
    app: &App,
    entry: &KeyEntry,
    policy: Option<&str>,
    issued: i64,
) -> Result<SessionRow, ApiError> {
    let id = &entry.identity;
    let expires = id.expires.unwrap_or(issued);
    let sealed = Sealed {
        secret: entry.secret.clone(),
        token: entry.token.clone(),
        arn: id.arn.clone(),
        account: id.account.clone(),
        user_id: id.user_id.clone(),
        principal_arn: id.principal_arn.clone(),
        access_key_id: id.access_key_id.clone(),
        tags: id.tags.clone(),
        expires,
        policy: policy.map(str::to_owned),
    };
    let plain = serde_json::to_vec(&sealed).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(SessionRow {
        access_key_id: id.access_key_id.clone(),
        role_arn: id.principal_arn.clone(),
        session_name: session_name(&id.arn).to_owned(),
        issued,
        expires,
        sealed: app.cipher.seal(SESSION_AAD, &id.access_key_id, &plain)?,
    })
}

/// Opens a stored row back into credentials.
///
/// # Errors
///
/// When the row does not open with the server's key (another key, or tampered with), or its
/// session policy no longer parses: the credentials are then refused.
pub fn open(app: &App, row: &SessionRow) -> Result<KeyEntry, ApiError> {
    let plain = app
        .cipher
        .open(SESSION_AAD, &row.access_key_id, &row.sealed)?;
    let s: Sealed =
        serde_json::from_slice(&plain).map_err(|e| ApiError::internal(e.to_string()))?;
    if s.access_key_id != row.access_key_id {
        return Err(ApiError::internal("a stored session names another key"));
    }
    let session_policy = match &s.policy {
        Some(text) => Some(
            app.authz
                .session_policy(text)
                .map_err(|e| ApiError::internal(format!("a stored session policy: {e}")))?,
        ),
        None => None,
    };
    Ok(KeyEntry {
        secret: s.secret,
        token: s.token,
        identity: Arc::new(Identity {
            arn: s.arn,
            account: s.account,
            kind: "AssumedRole",
            user_id: s.user_id,
            username: None,
            principal_arn: s.principal_arn,
            access_key_id: s.access_key_id,
            tags: s.tags,
            session_policy,
            // The sealed expiry, not the clear column: editing the row cannot extend it.
            expires: Some(s.expires.min(row.expires)),
            template: TemplateSlot::default(),
        }),
    })
}

/// Stores new temporary credentials (durably, before they are handed out) and caches them.
///
/// # Errors
///
/// When the storage fails (the credentials are then not issued).
pub fn issue(app: &App, entry: KeyEntry, policy: Option<&str>, now: i64) -> Result<(), ApiError> {
    let row = seal(app, &entry, policy, now)?;
    app.storage.put_session(&row, now)?;
    app.authz.add_session(row.access_key_id.clone(), entry, now)
}

/// The stored temporary credentials with access key `id` (issued by this process before a
/// restart, or by another replica), cached when still valid. An expired session is returned
/// (so that the caller is told its token expired) but not cached.
///
/// # Errors
///
/// When the storage fails or the stored session does not open.
pub fn lookup(app: &App, access_key_id: &str, now: i64) -> Result<Option<KeyEntry>, ApiError> {
    // Only temporary keys are stored; anything else is unknown without a database trip.
    if !access_key_id.starts_with("ASIA") {
        return Ok(None);
    }
    let Some(row) = app.storage.get_session(access_key_id)? else {
        return Ok(None);
    };
    let entry = open(app, &row)?;
    if entry.identity.expires.is_some_and(|x| x > now) {
        app.authz
            .add_session(access_key_id.to_owned(), entry.clone(), now)?;
    }
    Ok(Some(entry))
}

#[cfg(test)]
mod tests {
    use super::session_name;

    #[test]
    fn session_name_is_the_last_segment() {
        assert_eq!(
            session_name("arn:aws:sts::111122223333:assumed-role/app/demo"),
            "demo"
        );
        assert_eq!(session_name("no-slash"), "");
    }
}
