//! Authorization: the one place where the server meets the policy engine.
//!
//! [`Authorizer`] holds the configuration's principals (identity policies, boundaries, access
//! keys), the roles' trust policies and every secret's resource policy in an
//! [`iam_policy::PolicyStore`], and decides each call. Requests whose caller has no session
//! policy, and whose accounts have no SCPs or RCPs, are decided by the store directly (two hash
//! look-ups, no allocation); the others are decided over a policy set holding every policy type
//! that applies (identity, resource, boundary, session, SCP and RCP levels).
//!
//! Switching to the library's live store is confined to this module.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use iam_policy::{
    CompiledPolicySet, Decision, Evaluation, Gate, Policy, PolicyKind, PolicySet, PolicyStore,
    PolicyType, Request, StatementRef, parse_policy,
};

use crate::config::{Config, LoadedPolicy};
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
    /// The session policy of a role session.
    pub session_policy: Option<Arc<LoadedPolicy>>,
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

/// A statement behind a decision, for the audit line and messages.
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

/// A decision with its statements.
#[derive(Clone, Debug)]
pub struct Decided {
    /// The evaluation.
    pub evaluation: Evaluation,
    /// The statements behind it.
    pub statements: Vec<Deciding>,
}

impl Decided {
    /// Whether the call is allowed.
    pub fn allowed(&self) -> bool {
        self.evaluation.decision() == Decision::Allow
    }
}

/// What the store holds besides the compiled policies: the parsed documents for the full
/// path and the access keys.
#[derive(Debug)]
struct State {
    config: Arc<Config>,
    store: PolicyStore,
    /// Resource policies by ARN (secrets and role trust policies), parsed.
    resources: HashMap<String, Arc<(String, Policy)>>,
    /// Long-term access keys from the configuration.
    keys: HashMap<String, KeyEntry>,
}

/// Decides calls; see the module docs.
#[derive(Debug)]
pub struct Authorizer {
    // TEMPORARY: a lock around the store until the library's live store (#12) lands; readers
    // hold the read lock only while deciding, writers swap whole states.
    state: RwLock<State>,
    /// Temporary credentials issued by AssumeRole.
    sessions: RwLock<HashMap<String, KeyEntry>>,
}

fn store_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("policy store: {e}"))
}

impl State {
    fn build(
        config: Arc<Config>,
        resources: HashMap<String, Arc<(String, Policy)>>,
    ) -> Result<Self, ApiError> {
        let mut store = PolicyStore::new();
        let mut keys = HashMap::new();
        for u in &config.users {
            let texts: Vec<&str> = u.policies.iter().map(|p| p.text.as_str()).collect();
            store
                .set_principal_policies(
                    &u.arn,
                    &texts,
                    u.boundary.as_ref().map(|b| b.text.as_str()),
                )
                .map_err(store_error)?;
            let identity = Arc::new(Identity {
                arn: u.arn.clone(),
                account: u.account.clone(),
                kind: "IAMUser",
                user_id: u.id.clone(),
                username: Some(u.name.clone()),
                principal_arn: u.arn.clone(),
                access_key_id: String::new(),
                tags: u.tags.clone(),
                session_policy: None,
                expires: None,
            });
            for k in &u.access_keys {
                let mut id = (*identity).clone();
                id.access_key_id = k.id.clone();
                keys.insert(
                    k.id.clone(),
                    KeyEntry {
                        secret: k.secret.clone(),
                        token: None,
                        identity: Arc::new(id),
                    },
                );
            }
        }
        let mut resources = resources;
        for r in &config.roles {
            let texts: Vec<&str> = r.policies.iter().map(|p| p.text.as_str()).collect();
            store
                .set_principal_policies(
                    &r.arn,
                    &texts,
                    r.boundary.as_ref().map(|b| b.text.as_str()),
                )
                .map_err(store_error)?;
            resources.insert(
                r.arn.clone(),
                Arc::new((r.trust.text.clone(), r.trust.policy.clone())),
            );
        }
        for (arn, doc) in &resources {
            store
                .set_resource_policy(arn, &doc.0)
                .map_err(store_error)?;
        }
        Ok(Self {
            config,
            store,
            resources,
            keys,
        })
    }
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
            let kind = match evaluation.gate() {
                Some(Gate::PermissionsBoundary) => PolicyKind::PermissionsBoundary,
                Some(Gate::Session) => PolicyKind::Session,
                Some(Gate::Scp { .. }) => PolicyKind::Scp,
                Some(Gate::Rcp { .. }) => PolicyKind::Rcp,
                Some(Gate::ResourcePolicy) => PolicyKind::Resource,
                Some(Gate::Identity) | None => PolicyKind::Identity,
            };
            format!(
                "{head} because no {} allows the {action} action",
                kind_phrase(kind)
            )
        }
    }
}

/// Names the policies of the full path by kind, level and index.
type Labels = HashMap<(PolicyKind, u16, u32), String>;

impl Authorizer {
    /// An authorizer for `config` with the stored secrets' resource policies.
    ///
    /// # Errors
    ///
    /// When a stored resource policy no longer parses (it was checked when it was put).
    pub fn new(config: Config, resource_policies: Vec<(String, String)>) -> Result<Self, ApiError> {
        let mut resources = HashMap::new();
        for (arn, text) in resource_policies {
            let policy = parse_policy(&text, PolicyType::Resource)
                .map_err(|e| ApiError::internal(format!("stored policy of {arn}: {e}")))?;
            resources.insert(arn, Arc::new((text, policy)));
        }
        Ok(Self {
            state: RwLock::new(State::build(Arc::new(config), resources)?),
            sessions: RwLock::new(HashMap::new()),
        })
    }

    fn read(&self) -> Result<std::sync::RwLockReadGuard<'_, State>, ApiError> {
        self.state
            .read()
            .map_err(|_| ApiError::internal("the policy store lock is poisoned"))
    }

    fn write(&self) -> Result<std::sync::RwLockWriteGuard<'_, State>, ApiError> {
        self.state
            .write()
            .map_err(|_| ApiError::internal("the policy store lock is poisoned"))
    }

    /// The current configuration.
    ///
    /// # Errors
    ///
    /// When the lock is poisoned.
    pub fn config(&self) -> Result<Arc<Config>, ApiError> {
        Ok(Arc::clone(&self.read()?.config))
    }

    /// Replaces the configuration (identity policies, boundaries, keys, roles, SCPs, RCPs);
    /// the resource policies of secrets stay. The next request sees the new policies.
    ///
    /// # Errors
    ///
    /// When the new state cannot be built; the old one then stays.
    pub fn reload(&self, config: Config) -> Result<(), ApiError> {
        let secrets: HashMap<String, Arc<(String, Policy)>> = {
            let state = self.read()?;
            let roles: std::collections::HashSet<&str> =
                state.config.roles.iter().map(|r| r.arn.as_str()).collect();
            state
                .resources
                .iter()
                .filter(|(arn, _)| !roles.contains(arn.as_str()))
                .map(|(a, d)| (a.clone(), Arc::clone(d)))
                .collect()
        };
        let new = State::build(Arc::new(config), secrets)?;
        *self.write()? = new;
        Ok(())
    }

    /// Sets (or with `None` removes) the resource policy of secret `arn`.
    ///
    /// # Errors
    ///
    /// When the policy does not parse.
    pub fn set_resource_policy(&self, arn: &str, text: Option<&str>) -> Result<(), ApiError> {
        let parsed = match text {
            Some(t) => Some(parse_policy(t, PolicyType::Resource).map_err(|e| {
                ApiError::new("MalformedPolicyDocumentException", 400, e.to_string())
            })?),
            None => None,
        };
        let mut state = self.write()?;
        match (text, parsed) {
            (Some(t), Some(p)) => {
                state
                    .store
                    .set_resource_policy(arn, t)
                    .map_err(store_error)?;
                state
                    .resources
                    .insert(arn.to_owned(), Arc::new((t.to_owned(), p)));
            }
            _ => {
                state.store.remove_resource_policy(arn);
                state.resources.remove(arn);
            }
        }
        Ok(())
    }

    /// The credential for access key `id`: long-term keys first, then live sessions.
    ///
    /// # Errors
    ///
    /// When a lock is poisoned.
    pub fn key(&self, id: &str) -> Result<Option<KeyEntry>, ApiError> {
        if let Some(k) = self.read()?.keys.get(id) {
            return Ok(Some(k.clone()));
        }
        let sessions = self
            .sessions
            .read()
            .map_err(|_| ApiError::internal("the session lock is poisoned"))?;
        Ok(sessions.get(id).cloned())
    }

    /// Records temporary credentials; drops expired ones.
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
        sessions.insert(access_key_id, entry);
        Ok(())
    }

    /// Decides `request` for `caller`.
    ///
    /// # Errors
    ///
    /// When the lock is poisoned (the call is then refused).
    pub fn decide(&self, caller: &Identity, request: &Request) -> Result<Decided, ApiError> {
        let state = self.read()?;
        let caller_org = state.config.accounts.get(&caller.account);
        let resource_org = request
            .resource_account()
            .and_then(|a| state.config.accounts.get(a));
        let needs_full = caller.session_policy.is_some()
            || caller_org.is_some_and(|a| !a.scps.is_empty())
            || resource_org.is_some_and(|a| !a.rcps.is_empty());
        if !needs_full {
            let evaluation = state.store.evaluate(request);
            let statements = evaluation
                .reasons()
                .filter_map(|r| {
                    let (set, label) = match r.kind {
                        PolicyKind::Resource => (
                            state.store.resource_policy(request.resource())?,
                            resource_label(request.resource()),
                        ),
                        _ => (
                            state.store.principal_policies(&caller.principal_arn)?,
                            identity_label(&state.config, &caller.principal_arn, r),
                        ),
                    };
                    Some(deciding(set, r, label))
                })
                .collect();
            return Ok(Decided {
                evaluation,
                statements,
            });
        }
        // The full path: every policy type.
        let mut set = PolicySet::new();
        let mut labels = Labels::new();
        let mut add = |set: &mut PolicySet, kind: PolicyKind, policy: &Policy, label: String| {
            let id = set.add(kind, policy.clone());
            labels.insert((id.kind, id.level, id.index), label);
        };
        let (policies, boundary) = principal_docs(&state.config, &caller.principal_arn);
        for p in policies {
            add(&mut set, PolicyKind::Identity, &p.policy, p.origin.clone());
        }
        if let Some(doc) = state.resources.get(request.resource()) {
            add(
                &mut set,
                PolicyKind::Resource,
                &doc.1,
                resource_label(request.resource()),
            );
        }
        if let Some(b) = boundary {
            add(
                &mut set,
                PolicyKind::PermissionsBoundary,
                &b.policy,
                b.origin.clone(),
            );
        }
        if let Some(s) = &caller.session_policy {
            add(
                &mut set,
                PolicyKind::Session,
                &s.policy,
                "session policy".to_owned(),
            );
        }
        for (kind, levels) in [
            (PolicyKind::Scp, caller_org.map(|a| &a.scps)),
            (PolicyKind::Rcp, resource_org.map(|a| &a.rcps)),
        ] {
            for level in levels.into_iter().flatten() {
                set.push_level(kind);
                for p in level {
                    add(&mut set, kind, &p.policy, p.origin.clone());
                }
            }
        }
        let compiled = set.compile();
        let evaluation = compiled.evaluate(request);
        let statements = evaluation
            .reasons()
            .map(|r| {
                let label = labels
                    .get(&(r.kind, r.level, r.policy))
                    .cloned()
                    .unwrap_or_default();
                deciding(&compiled, r, label)
            })
            .collect();
        Ok(Decided {
            evaluation,
            statements,
        })
    }
}

/// The identity policies and boundary of a user or role (by ARN; roles with or without path).
fn principal_docs<'c>(
    config: &'c Config,
    arn: &str,
) -> (&'c [LoadedPolicy], Option<&'c LoadedPolicy>) {
    if let Some(u) = config.users.iter().find(|u| u.arn == arn) {
        return (&u.policies, u.boundary.as_ref());
    }
    if let Some(r) = config.role(arn) {
        return (&r.policies, r.boundary.as_ref());
    }
    (&[], None)
}

fn identity_label(config: &Config, arn: &str, r: StatementRef) -> String {
    let (policies, boundary) = principal_docs(config, arn);
    let found = match r.kind {
        PolicyKind::PermissionsBoundary => boundary,
        _ => usize::try_from(r.policy).ok().and_then(|i| policies.get(i)),
    };
    found.map_or_else(|| r.to_string(), |p| p.origin.clone())
}

fn deciding(set: &CompiledPolicySet, r: StatementRef, policy: String) -> Deciding {
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

/// How the audit names the resource-based policy of `arn`.
fn resource_label(arn: &str) -> String {
    if arn.starts_with("arn:aws:iam::") && arn.contains(":role/") {
        format!("trust policy of {arn}")
    } else {
        format!("resource policy of {arn}")
    }
}
