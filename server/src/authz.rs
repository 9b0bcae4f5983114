//! Authorization: the one place where the server meets the policy engine.
//!
//! [`Authorizer`] holds every policy in the library's live [`PolicyStore`]: the configured
//! principals' identity policies and boundaries, the roles' trust policies, each account's SCP
//! and RCP levels, and every secret's resource policy. A decision reads the store without a
//! lock and never waits for an update; a session's policy travels with its credentials and is
//! attached to the session's requests ([`SessionPolicy`]). The configuration (principals,
//! access keys, tags) is swapped whole on reload, so a request sees the old or the new one.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, RwLock};

use arc_swap::ArcSwap;
use iam_policy::{
    CompiledPolicySet, Decision, Evaluation, Gate, PolicyKind, PolicyStore, PreparedRequest,
    SessionPolicy, StatementRef,
};

use crate::config::Config;
use crate::error::ApiError;

/// Who is calling: resolved from the access key of a verified signature.
#[derive(Clone, Debug)]
pub struct Identity {
    /// The caller's ARN (user ARN, or `arn:aws:sts::A:assumed-role/ROLE/SESSION`).
    pub arn: String,
    /// The caller's account.
    pub account: String,
    /// CloudTrail's `userIdentity.type`: `IAMUser` or `AssumedRole`.
    pub kind: &'static str,
    /// `aws:userid`: `AIDA…` for a user, `AROA…:SESSION` for a role session.
    pub user_id: String,
    /// `aws:username` (users only).
    pub username: Option<String>,
    /// `aws:PrincipalArn`: the user ARN, or the role ARN with its path.
    pub principal_arn: String,
    /// The access key used.
    pub access_key_id: String,
    /// `aws:PrincipalTag/…` (a role session: the role's tags overridden by session tags).
    pub tags: BTreeMap<String, String>,
    /// The session policy of a role session, compiled once when the session was created.
    pub session_policy: Option<SessionPolicy>,
    /// The session's expiry (epoch seconds).
    pub expires: Option<i64>,
}

/// A credential the server accepts.
#[derive(Clone, Debug)]
pub struct KeyEntry {
    /// The secret access key.
    pub secret: String,
    /// The session token that must accompany temporary credentials.
    pub token: Option<String>,
    /// Whose key it is.
    pub identity: Arc<Identity>,
}

/// A statement behind a decision, for the audit line.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Deciding {
    /// Which policy: `users[0].policies[1]`, `resource policy of ARN`, `session policy`, …
    pub policy: String,
    /// Where in the evaluated set: `identity[0].Statement[1]`.
    pub statement: String,
    /// Its `Sid`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: &'static str,
}

/// The configuration with its access keys, swapped whole.
#[derive(Debug)]
struct Principals {
    config: Arc<Config>,
    keys: HashMap<String, KeyEntry>,
}

impl Principals {
    fn new(config: Config) -> Self {
        let mut keys = HashMap::new();
        for u in &config.users {
            for k in &u.access_keys {
                keys.insert(
                    k.id.clone(),
                    KeyEntry {
                        secret: k.secret.clone(),
                        token: None,
                        identity: Arc::new(Identity {
                            arn: u.arn.clone(),
                            account: u.account.clone(),
                            kind: "IAMUser",
                            user_id: u.id.clone(),
                            username: Some(u.name.clone()),
                            principal_arn: u.arn.clone(),
                            access_key_id: k.id.clone(),
                            tags: u.tags.clone(),
                            session_policy: None,
                            expires: None,
                        }),
                    },
                );
            }
        }
        Self {
            config: Arc::new(config),
            keys,
        }
    }
}

/// Decides calls; see the module docs.
#[derive(Debug)]
pub struct Authorizer {
    store: PolicyStore,
    principals: ArcSwap<Principals>,
    /// Serializes reloads (decisions never take it).
    reloading: std::sync::Mutex<()>,
    /// A cache of temporary credentials issued by AssumeRole (the storage holds them all:
    /// [`crate::sessions`]); at most [`MAX_CACHED_SESSIONS`], expired ones dropped.
    sessions: RwLock<HashMap<String, KeyEntry>>,
}

/// The most temporary credentials a process caches (about 1 KiB each); beyond, the cache
/// starts over and sessions are read from the storage again on their next use.
pub const MAX_CACHED_SESSIONS: usize = 65_536;

fn store_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("policy store: {e}"))
}

/// Loads `config`'s principals, trust policies and organization policies into `store`.
fn load_config(store: &PolicyStore, config: &Config) -> Result<(), ApiError> {
    for u in &config.users {
        let texts: Vec<&str> = u.policies.iter().map(|p| p.text.as_str()).collect();
        store
            .set_principal_policies(&u.arn, &texts, u.boundary.as_ref().map(|b| b.text.as_str()))
            .map_err(store_error)?;
    }
    for r in &config.roles {
        let texts: Vec<&str> = r.policies.iter().map(|p| p.text.as_str()).collect();
        store
            .set_principal_policies(&r.arn, &texts, r.boundary.as_ref().map(|b| b.text.as_str()))
            .map_err(store_error)?;
        store
            .set_trust_policy(&r.arn, &r.trust.text)
            .map_err(store_error)?;
    }
    for (account, a) in &config.accounts {
        let levels = |list: &Vec<Vec<crate::config::LoadedPolicy>>| -> Vec<Vec<String>> {
            list.iter()
                .map(|l| l.iter().map(|p| p.text.clone()).collect())
                .collect()
        };
        for (scp, list) in [(true, levels(&a.scps)), (false, levels(&a.rcps))] {
            let refs: Vec<Vec<&str>> = list
                .iter()
                .map(|l| l.iter().map(String::as_str).collect())
                .collect();
            let slices: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
            if scp {
                store
                    .set_service_control_policies(account, &slices)
                    .map_err(store_error)?;
            } else {
                store
                    .set_resource_control_policies(account, &slices)
                    .map_err(store_error)?;
            }
        }
    }
    Ok(())
}

/// The phrase AWS uses for a policy kind in denial messages.
fn kind_phrase(kind: PolicyKind) -> &'static str {
    match kind {
        PolicyKind::Identity => "identity-based policy",
        PolicyKind::Resource => "resource-based policy",
        PolicyKind::PermissionsBoundary => "permissions boundary",
        PolicyKind::Session => "session policy",
        PolicyKind::Scp => "service control policy",
        PolicyKind::Rcp => "resource control policy",
    }
}

/// AWS's `AccessDeniedException` message for a denied call, from the evaluation's reasons
/// (explicit deny: the kind of the first denying policy) or gate (implicit deny: the kind of
/// policy that allowed nothing). See
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html>.
pub fn denial_message(
    caller: &str,
    action: &str,
    resource: &str,
    evaluation: &Evaluation,
) -> String {
    let head =
        format!("User: {caller} is not authorized to perform: {action} on resource: {resource}");
    match evaluation.decision() {
        Decision::ExplicitDeny => {
            let kind = evaluation
                .reasons()
                .next()
                .map_or(PolicyKind::Identity, |r| r.kind);
            format!("{head} with an explicit deny in a {}", kind_phrase(kind))
        }
        _ => {
            // AWS refuses some calls whatever the policies say (`iam_policy::aws_rules`).
            if let Some(Gate::Aws(rule)) = evaluation.gate() {
                return format!("{head}: {rule}");
            }
            let kind = match evaluation.gate() {
                Some(Gate::PermissionsBoundary) => PolicyKind::PermissionsBoundary,
                Some(Gate::Session) => PolicyKind::Session,
                Some(Gate::Scp { .. }) => PolicyKind::Scp,
                Some(Gate::Rcp { .. }) => PolicyKind::Rcp,
                Some(Gate::ResourcePolicy) => PolicyKind::Resource,
                Some(Gate::Identity | Gate::Aws(_)) | None => PolicyKind::Identity,
            };
            format!(
                "{head} because no {} allows the {action} action",
                kind_phrase(kind)
            )
        }
    }
}

impl Authorizer {
    /// An authorizer for `config` with the stored secrets' resource policies.
    ///
    /// # Errors
    ///
    /// When a stored resource policy no longer parses (it was checked when it was put).
    pub fn new(config: Config, resource_policies: Vec<(String, String)>) -> Result<Self, ApiError> {
        let store = PolicyStore::new();
        load_config(&store, &config)?;
        for (arn, text) in resource_policies {
            store
                .set_resource_policy(&arn, &text)
                .map_err(|e| ApiError::internal(format!("stored policy of {arn}: {e}")))?;
        }
        Ok(Self {
            store,
            principals: ArcSwap::from_pointee(Principals::new(config)),
            reloading: std::sync::Mutex::new(()),
            sessions: RwLock::new(HashMap::new()),
        })
    }

    /// The current configuration.
    pub fn config(&self) -> Arc<Config> {
        Arc::clone(&self.principals.load().config)
    }

    /// Replaces the configuration (identity policies, boundaries, keys, roles, SCPs, RCPs);
    /// the resource policies of secrets stay. The next request sees the new policies: each
    /// principal's (and account's) policies change at once.
    ///
    /// # Errors
    ///
    /// When a policy cannot be stored (they were all parsed when the file was loaded).
    pub fn reload(&self, config: Config) -> Result<(), ApiError> {
        let _serial = self
            .reloading
            .lock()
            .map_err(|_| ApiError::internal("the reload lock is poisoned"))?;
        let old = self.config();
        load_config(&self.store, &config)?;
        let users: HashSet<&str> = config.users.iter().map(|u| u.arn.as_str()).collect();
        let roles: HashSet<&str> = config.roles.iter().map(|r| r.arn.as_str()).collect();
        for u in old.users.iter().filter(|u| !users.contains(u.arn.as_str())) {
            self.store.remove_principal(&u.arn);
        }
        for r in old.roles.iter().filter(|r| !roles.contains(r.arn.as_str())) {
            self.store.remove_principal(&r.arn);
            self.store.remove_trust_policy(&r.arn);
        }
        for account in old.accounts.keys() {
            if !config.accounts.contains_key(account) {
                self.store
                    .set_service_control_policies(account, &[])
                    .map_err(store_error)?;
                self.store
                    .set_resource_control_policies(account, &[])
                    .map_err(store_error)?;
            }
        }
        self.principals.store(Arc::new(Principals::new(config)));
        Ok(())
    }

    /// Sets (or with `None` removes) the resource policy of secret `arn`.
    ///
    /// # Errors
    ///
    /// `MalformedPolicyDocumentException` when the policy does not parse.
    pub fn set_resource_policy(&self, arn: &str, text: Option<&str>) -> Result<(), ApiError> {
        match text {
            Some(t) => self
                .store
                .set_resource_policy(arn, t)
                .map_err(|e| ApiError::new("MalformedPolicyDocumentException", 400, e.to_string())),
            None => {
                self.store.remove_resource_policy(arn);
                Ok(())
            }
        }
    }

    /// The secrets with a resource policy in the store.
    pub fn resource_arns(&self) -> Vec<String> {
        self.store.resources().collect()
    }

    /// The credential for access key `id`: long-term keys first, then live sessions.
    ///
    /// # Errors
    ///
    /// When the session lock is poisoned.
    pub fn key(&self, id: &str) -> Result<Option<KeyEntry>, ApiError> {
        if let Some(k) = self.principals.load().keys.get(id) {
            return Ok(Some(k.clone()));
        }
        let sessions = self
            .sessions
            .read()
            .map_err(|_| ApiError::internal("the session lock is poisoned"))?;
        Ok(sessions.get(id).cloned())
    }

    /// Caches temporary credentials; drops expired ones (and everything when the cache is
    /// full: the storage still has them).
    ///
    /// # Errors
    ///
    /// When the lock is poisoned.
    pub fn add_session(
        &self,
        access_key_id: String,
        entry: KeyEntry,
        now: i64,
    ) -> Result<(), ApiError> {
        let mut sessions = self
            .sessions
            .write()
            .map_err(|_| ApiError::internal("the session lock is poisoned"))?;
        sessions.retain(|_, e| e.identity.expires.is_none_or(|x| x > now));
        if sessions.len() >= MAX_CACHED_SESSIONS {
            sessions.clear();
        }
        sessions.insert(access_key_id, entry);
        Ok(())
    }

    /// Decides a request prepared (with the caller's session policy, if any) in a
    /// [`RequestBuffer`](iam_policy::RequestBuffer).
    pub fn decide_prepared(&self, prepared: &PreparedRequest) -> Evaluation {
        self.store.evaluate_prepared(prepared)
    }

    /// The statements behind `evaluation`, named for the audit line.
    pub fn deciding_statements(
        &self,
        caller: &Identity,
        request: &PreparedRequest,
        evaluation: &Evaluation,
    ) -> Vec<Deciding> {
        let config = self.config();
        evaluation
            .reasons()
            .filter_map(|r| self.deciding(&config, caller, request, r))
            .collect()
    }

    /// Names a deciding statement: the policy it is in (as the configuration or the API
    /// named it), its place and `Sid`.
    fn deciding(
        &self,
        config: &Config,
        caller: &Identity,
        request: &PreparedRequest,
        r: StatementRef,
    ) -> Option<Deciding> {
        let index = usize::try_from(r.policy).ok()?;
        let level = usize::from(r.level);
        let trust = config.role(request.resource()).is_some()
            && request.action_lower().starts_with("sts:assumerole");
        let (set, label): (Arc<CompiledPolicySet>, String) = match r.kind {
            PolicyKind::Identity | PolicyKind::PermissionsBoundary => {
                let set = self.store.principal_policies(&caller.principal_arn)?;
                let (policies, boundary) = principal_docs(config, &caller.principal_arn);
                let doc = if r.kind == PolicyKind::PermissionsBoundary {
                    boundary
                } else {
                    policies.get(index)
                };
                (set, doc.map_or_else(|| r.to_string(), |d| d.origin.clone()))
            }
            PolicyKind::Resource if trust => (
                self.store.trust_policy(request.resource())?,
                format!("trust policy of {}", request.resource()),
            ),
            PolicyKind::Resource => (
                self.store.resource_policy(request.resource())?,
                format!("resource policy of {}", request.resource()),
            ),
            PolicyKind::Session => {
                let compiled = caller.session_policy.as_ref()?.compiled();
                return Some(describe(compiled, r, "session policy".to_owned()));
            }
            PolicyKind::Scp => {
                let account = request.principal_account()?;
                let label = config
                    .accounts
                    .get(account)
                    .and_then(|a| a.scps.get(level)?.get(index))
                    .map_or_else(|| r.to_string(), |p| p.origin.clone());
                (self.store.account_policies(account).0?, label)
            }
            PolicyKind::Rcp => {
                let account = request.resource_account()?;
                let label = config
                    .accounts
                    .get(account)
                    .and_then(|a| a.rcps.get(level)?.get(index))
                    .map_or_else(|| r.to_string(), |p| p.origin.clone());
                (self.store.account_policies(account).1?, label)
            }
        };
        Some(describe(&set, r, label))
    }
}

/// The identity policies and boundary of a user or role (by ARN; roles with or without path).
fn principal_docs<'c>(
    config: &'c Config,
    arn: &str,
) -> (
    &'c [crate::config::LoadedPolicy],
    Option<&'c crate::config::LoadedPolicy>,
) {
    if let Some(u) = config.users.iter().find(|u| u.arn == arn) {
        return (&u.policies, u.boundary.as_ref());
    }
    if let Some(r) = config.role(arn) {
        return (&r.policies, r.boundary.as_ref());
    }
    (&[], None)
}

fn describe(set: &CompiledPolicySet, r: StatementRef, policy: String) -> Deciding {
    let info = set.statement(r);
    Deciding {
        policy,
        statement: r.to_string(),
        sid: info.and_then(|i| i.sid.map(str::to_owned)),
        effect: match info.map(|i| i.effect) {
            Some(iam_policy::Effect::Deny) => "Deny",
            _ => "Allow",
        },
    }
}
