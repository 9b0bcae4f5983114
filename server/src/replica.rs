//! Replicas on one PostgreSQL database: how a policy change committed through one replica
//! governs the next call on every other (see DESIGN.md, "Replicas").
//!
//! - **The epoch.** Every change of a resource policy, and every reload of the configuration,
//!   bumps the policy epoch in the same transaction as the change and logs which entity it
//!   changed ([`crate::storage::postgres`]).
//! - **The check, folded.** A call begins by noting the epoch this process has applied
//!   (`base`); it is authenticated with the policies of that epoch. Before it decides, writes,
//!   reads a value or answers, the database's epoch is read — in the same statement as the
//!   call's first read of a secret when there is one (no round trip of its own), else on its
//!   own ([`crate::storage::postgres`]). Not past `base`: every change committed before the call
//!   arrived was applied when it began; the bound is zero and it does not depend on
//!   notifications arriving. Past `base`: the call is stale — nothing can be decided or written
//!   any more — and is served again from the start after [`refresh`] applied the changes.
//! - **Refresh.** [`refresh`] reads the epoch; when it is ahead of the epoch this process
//!   applied, the logged changes are read and applied to the live policy store.
//! - **Pruning.** Each bump keeps only the last `--policy-log-keep` log entries. A process
//!   that finds fewer entries than epochs since the one it applied (it lagged further behind)
//!   replaces every resource policy with the database's, read with the epoch in one snapshot,
//!   and re-reads its configuration, before it decides: it never decides with a policy the
//!   pruned log no longer describes.
//! - **Notifications.** A listener thread (`LISTEN iam_policy_changes`) applies changes as
//!   they commit, so that calls seldom find work to do; it reconnects by itself.
//! - **Failing closed.** When the epoch cannot be read, the call is refused with
//!   `ServiceUnavailable` (503) before it is decided: a replica never decides with policies it
//!   cannot prove current. The pool replaces broken connections, so the replica serves again as
//!   soon as the database answers.
//! - **The configuration** (identity policies, boundaries, keys, SCPs/RCPs) lives in each
//!   replica's file. A reload (SIGHUP or `ReloadConfiguration`) or a start publishes the
//!   file's digest with an epoch bump; every other replica then re-reads its own file before
//!   its next call (at once for a newly published digest; while its file still differs, at
//!   most once a second), and refuses calls while its file differs from the published one —
//!   all but `ReloadConfiguration`, which publishes its own file and is the remedy. A replica
//!   whose configuration is the published one does not re-read its file on a publication.
//! - **Temporary credentials** issued by `AssumeRole` are stored (sealed with the server's
//!   key, like secret values) so that every replica accepts them ([`crate::sessions`]).
//! - **A replica's own writes.** A handler sets the policy it wrote in its own store after the
//!   commit; [`settle`] then re-applies the database's current text of each policy the call
//!   changed, so that two replicas writing the same secret's policy at once both end with the
//!   later one.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;

use crate::app::App;
use crate::config::Config;
use crate::error::ApiError;
use crate::storage::postgres::{CHANNEL, PostgresStorage, RefreshState, Snapshot, take_touched};

/// The digest of a loaded configuration (every field, policies' texts included): replicas
/// compare it to know that they run the same configuration.
pub fn config_digest(config: &Config) -> String {
    crate::sigv4::sha256_hex(format!("{config:?}").as_bytes())
}

/// The configuration in force.
fn current_config(app: &App) -> Result<Arc<Config>, ApiError> {
    Ok(app.authz.config())
}

/// While this replica's configuration differs from the published one and nothing new was
/// published, its file is re-read at most this often (for a file corrected in place).
const REREAD_EVERY: Duration = Duration::from_secs(1);

/// Brings `app`'s policies up to date with the database before a call is decided; see the
/// module docs. Notes whether this replica's configuration differs from the published one
/// ([`require_published_config`] refuses calls then): a digest newly published is answered
/// by re-reading the file at once; while the file still differs, it is re-read at most every
/// [`REREAD_EVERY`].
///
/// # Errors
///
/// `ServiceUnavailable` when the database cannot be reached; the call must then be refused.
pub(crate) fn refresh(storage: &PostgresStorage, app: &App) -> Result<(), ApiError> {
    let mut state = storage
        .refresh_lock
        .lock()
        .map_err(|_| ApiError::internal("the refresh lock is poisoned"))?;
    // Read under the lock: a refresh never applies what it read before another (a
    // publication, say) changed this process's state.
    let (epoch, published) = storage.epoch()?;
    let epoch = u64::try_from(epoch).unwrap_or(0);
    let applied = storage.applied.load(Ordering::SeqCst);
    let mut reread_now = false;
    let mut epoch = epoch;
    let mut published = published;
    if epoch > applied {
        let changes = storage.changes(
            i64::try_from(applied).unwrap_or(i64::MAX),
            i64::try_from(epoch).unwrap_or(i64::MAX),
        )?;
        // One log entry per epoch. Fewer: the log was pruned past what this process applied
        // (it lagged by more than the log keeps), so replaying it would miss changes: reload
        // every policy instead.
        if u64::try_from(changes.len()).ok() == epoch.checked_sub(applied) {
            let mut seen = std::collections::HashSet::new();
            for (_, arn, policy) in changes.iter().rev() {
                // A configuration entry (`arn` empty) needs nothing here: the published
                // digest, read with the epoch, is compared below. (Re-reading the file on the
                // entry itself would let a replica's own publication, applied late, read a
                // file edited since and refuse its own next call.)
                if !arn.is_empty() && seen.insert(arn.as_str()) {
                    // The entity's policy now (a later change of it may already be there).
                    app.authz.set_resource_policy(arn, policy.as_deref())?;
                }
            }
        } else {
            let snapshot = reload_all(storage, app)?;
            epoch = u64::try_from(snapshot.epoch).unwrap_or(0);
            published = snapshot.config_digest;
            reread_now = true;
        }
    }
    settle_pending(storage, app, &mut state)?;
    let differs = match published {
        None => false,
        Some(published) => {
            if state.local_digest.is_none() {
                state.local_digest = Some(config_digest(&*current_config(app)?));
            }
            if state.local_digest.as_deref() != Some(published.as_str()) {
                let due = reread_now
                    || state.reread_for.as_deref() != Some(published.as_str())
                    || state
                        .last_reread
                        .is_none_or(|t| t.elapsed() >= REREAD_EVERY);
                if due {
                    reread_config(app, &mut state, &published)?;
                }
            }
            state.local_digest.as_deref() != Some(published.as_str())
        }
    };
    // Both under the lock (a lazy call reads them under it too).
    storage.applied.fetch_max(epoch, Ordering::SeqCst);
    if !storage.config_differs.swap(differs, Ordering::SeqCst) && differs {
        eprintln!(
            "iam-policy-server: this replica's configuration differs from the one published by \
             another replica: calls are refused until its file matches (or it is reloaded here)"
        );
    }
    Ok(())
}

/// Refuses a call while this replica's configuration differs from the published one (as the
/// last [`refresh`] found): it would decide with other identity policies than its peers.
///
/// # Errors
///
/// `ServiceUnavailable` while the configuration differs.
pub(crate) fn require_published_config(storage: &PostgresStorage) -> Result<(), ApiError> {
    if storage.config_differs.load(Ordering::SeqCst) {
        return Err(ApiError::new(
            "ServiceUnavailable",
            503,
            "The service is unavailable: this replica's configuration differs from the one \
             published by another replica. Retry later.",
        ));
    }
    Ok(())
}

/// Replaces every resource policy of `app` with the database's, read in one snapshot: for a
/// replica that lagged behind the pruned policy log. Returns the snapshot (its epoch is what
/// the process then reflects).
fn reload_all(storage: &PostgresStorage, app: &App) -> Result<Snapshot, ApiError> {
    let snapshot = storage.snapshot()?;
    eprintln!(
        "iam-policy-server: behind the policy log; reloading every resource policy at epoch {}",
        snapshot.epoch
    );
    let current: std::collections::HashSet<&str> =
        snapshot.policies.iter().map(|(a, _)| a.as_str()).collect();
    for arn in app.authz.resource_arns() {
        if !current.contains(arn.as_str()) {
            app.authz.set_resource_policy(&arn, None)?;
        }
    }
    for (arn, text) in &snapshot.policies {
        app.authz.set_resource_policy(arn, Some(text))?;
    }
    Ok(snapshot)
}

/// Re-reads this replica's configuration file (not published: another replica published
/// `published`).
fn reread_config(app: &App, state: &mut RefreshState, published: &str) -> Result<(), ApiError> {
    state.last_reread = Some(Instant::now());
    state.reread_for = Some(published.to_owned());
    let Some(path) = &app.config_path else {
        return Ok(());
    };
    match Config::load(path) {
        Ok(config) => {
            let digest = config_digest(&config);
            app.authz.reload(config)?;
            state.local_digest = Some(digest);
        }
        Err(e) => eprintln!("iam-policy-server: configuration NOT reloaded: {e}"),
    }
    Ok(())
}

/// After a call: re-applies the database's current text of each resource policy the call
/// changed (see the module docs).
///
/// # Errors
///
/// When the database cannot be reached.
pub(crate) fn settle(storage: &PostgresStorage, app: &App) -> Result<(), ApiError> {
    let touched = take_touched();
    if touched.is_empty() {
        return Ok(());
    }
    let mut state = storage
        .refresh_lock
        .lock()
        .map_err(|_| ApiError::internal("the refresh lock is poisoned"))?;
    state.pending.extend(touched);
    settle_pending(storage, app, &mut state)
}

/// Applies the current text of the pending policies; those that fail stay pending (the next
/// refresh retries them before deciding).
fn settle_pending(
    storage: &PostgresStorage,
    app: &App,
    state: &mut RefreshState,
) -> Result<(), ApiError> {
    while let Some(arn) = state.pending.last() {
        let policy = storage.policy_of(arn)?;
        app.authz.set_resource_policy(arn, policy.as_deref())?;
        state.pending.pop();
    }
    Ok(())
}

/// Publishes this replica's configuration (at start and after a reload).
///
/// # Errors
///
/// When the database cannot be reached.
pub(crate) fn publish(storage: &PostgresStorage, app: &App) -> Result<(), ApiError> {
    let digest = config_digest(&*current_config(app)?);
    let mut state = storage
        .refresh_lock
        .lock()
        .map_err(|_| ApiError::internal("the refresh lock is poisoned"))?;
    storage.publish_config(&digest)?;
    state.local_digest = Some(digest);
    storage.config_differs.store(false, Ordering::SeqCst);
    Ok(())
}

/// Starts the notification listener: a thread holding one connection with
/// `LISTEN iam_policy_changes` that refreshes `app` when a change commits, and reconnects
/// (every second at most) when the connection is lost.
pub(crate) fn listen(config: postgres::Config, app: Arc<App>) {
    let spawned = std::thread::Builder::new()
        .name("iam-policy-listen".to_owned())
        .spawn(move || {
            loop {
                if let Err(e) = listen_once(&config, &app) {
                    eprintln!("iam-policy-server: change listener: {e}; reconnecting");
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        });
    if let Err(e) = spawned {
        // Calls still check the epoch before deciding: only the head start is lost.
        eprintln!("iam-policy-server: change listener not started: {e}");
    }
}

fn listen_once(config: &postgres::Config, app: &App) -> Result<(), String> {
    let mut client = config.connect(postgres::NoTls).map_err(|e| e.to_string())?;
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .map_err(|e| e.to_string())?;
    // Changes committed while no one listened.
    app.storage.refresh(app).map_err(|e| e.message)?;
    loop {
        // Waits up to a second for one notification, then takes any others queued.
        let first = client
            .notifications()
            .timeout_iter(Duration::from_secs(1))
            .next()
            .map_err(|e| e.to_string())?;
        if first.is_some() {
            client
                .notifications()
                .iter()
                .count()
                .map_err(|e| e.to_string())?;
            if let Err(e) = app.storage.refresh(app) {
                eprintln!("iam-policy-server: change listener: {}", e.message);
            }
        }
        if client.is_closed() {
            return Err("the connection was closed".to_owned());
        }
        // Detects a dead connection (waiting for notifications alone may not).
        client.simple_query("").map_err(|e| e.to_string())?;
    }
}
