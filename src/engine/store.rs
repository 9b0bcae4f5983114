//! A policy store for a server that authorizes every call: [`PolicyStore`] and
//! [`PreparedRequest`].
//!
//! A secret server keeps the identity policies of each principal and the resource policy of
//! each secret, and decides every `GetSecretValue` against the caller's and the secret's
//! policies only. The store holds them compiled, found by ARN:
//!
//! * **Principals** ([`set_principal_policies`](PolicyStore::set_principal_policies)): an IAM
//!   role or user ARN → its identity policies and optional permissions boundary, compiled
//!   together. A role is keyed without its path (`arn:aws:iam::A:role/NAME`), so every session
//!   of the role (`arn:aws:sts::A:assumed-role/NAME/SESSION`, which does not carry the path)
//!   finds it; a user is keyed by its ARN as given.
//! * **Resources** ([`set_resource_policy`](PolicyStore::set_resource_policy)): a resource ARN
//!   (exact, case-sensitive) → its resource-based policy.
//! * **Identical documents are shared.** A document (a resource policy's text, or a
//!   principal's policy texts together) is compiled once; every principal or resource that
//!   uses the same text holds a reference to that one compiled copy. Secrets of one team that
//!   share a policy text cost their ARN and a pointer each. Replacing one secret's policy
//!   compiles only that document (or finds it already compiled); a compiled document that
//!   nothing uses any more is dropped.
//!
//! [`evaluate`](PolicyStore::evaluate) finds the caller's identity policies (for a role
//! session: its role's) and the resource's policy with one hash look-up each, and decides over
//! the two compiled parts as if they were one policy set (same rules, same reasons, same
//! order as [`CompiledPolicySet::evaluate`] over the combined set); nothing is combined or
//! allocated per request. Callers with no stored identity policies have none (a root user, a
//! federated user, a service, an anonymous caller); a resource with no stored policy has none.
//! Session policies, SCPs and RCPs are not kept by the store (compile a [`PolicySet`] for
//! those).
//!
//! # Prepared requests
//!
//! [`PreparedRequest::new`] does once the per-request work that does not depend on the
//! policies: it copies every text a decision reads (caller, action, resource, context keys and
//! values; a text that repeats is kept once) into one arena, indexes the context keys by hash,
//! reads context strings that are IP addresses, and hashes the action, its service and the
//! store keys of the caller and the resource. Up to 512 bytes of text and 12 context keys live
//! inside the `PreparedRequest` value itself (larger requests use the heap), so that deciding
//! reads one contiguous block on the request side; the engine reads its cache lines up front,
//! so that the misses of a request that is no longer in cache overlap. Preparing costs about
//! 1 µs and three allocations, building the [`Request`] about 1.8 µs (`request/*` in
//! `benches/evaluate.rs`); a prepared request can be decided any number of times.
//!
//! [`PolicyStore::evaluate`] on a plain [`Request`] gives the same answers without preparing:
//! it hashes the keys and the action per call, finds context keys by binary search over their
//! text and parses an IP address each time a condition needs it (about 1 µs per decision on the
//! secret-server workload, against 150–250 ns prepared).
//!
//! # Policy variables
//!
//! A condition value that is exactly one variable (`"${aws:PrincipalTag/team}"`) costs one
//! more context look-up (a hash-table probe and a key comparison, some 40–80 instructions)
//! and one string comparison: no text is built. Other templates (variables inside text, in
//! `Resource` patterns, with wildcards) are matched piece by piece against the request text,
//! each variable looked up in the context when it is reached (for a prepared request, the
//! variable's key is hashed then: a few instructions per 8 bytes); nothing is allocated
//! either way.
//!
//! # Look-ups
//!
//! The ARN tables use open addressing in Robin Hood order with the keys inside the slots: a
//! look-up reads one or two adjacent slots, and the tables stay small (at most four-fifths
//! full), which matters once they outgrow the caches. The hash is a keyed multiply-fold hash,
//! seeded once per process from the standard library's random state: fast on ARN-sized keys,
//! and not predictable by whoever chooses secret names; it is not a cryptographic hash. A
//! prepared request carries the hashes of its caller's key and of its resource, so deciding it
//! hashes nothing. Memory: a table slot is 120 bytes (keys up to 102 bytes inline), about
//! 150–250 bytes per stored ARN with the table's spare room, plus one compiled copy per
//! distinct document.

use std::collections::HashMap;
use std::sync::Arc;

use table::{Table, arn_hash};

use super::CompiledPolicySet;
use super::combine::run;
use super::decision::{Evaluation, Explanation};
use super::ids::PolicyKind;
use super::keys::{Keys, ROLE_KEY_MAX};
use super::policy_set::PolicySet;
use super::prepared::PreparedRequest;
use super::record::{NoRecord, Recorder, Tracer};
use super::view::Input;
use crate::policy::PolicyType;
use crate::policy::error::ParseErrors;
use crate::policy::lower::parse_policy;
use crate::request::{Caller, CallerKind, Request};

pub(super) mod table;

/// Why the store refused a change. The store is unchanged after an error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The principal is not an IAM user or role ARN.
    #[error("principal `{0}` is not an IAM user or role ARN")]
    UnsupportedPrincipal(String),
    /// The resource is not an ARN.
    #[error("resource `{0}` is not an ARN")]
    InvalidResource(String),
    /// A policy document does not parse.
    #[error("{what} does not parse: {errors}")]
    InvalidPolicy {
        /// Which document: `identity policy 0`, `permissions boundary`, `resource policy`.
        what: String,
        /// The parse errors.
        errors: ParseErrors,
    },
}

/// A compiled document shared by every principal or resource that uses the same text.
#[derive(Debug)]
struct Shared {
    /// The text the document was compiled from (with the parts' separators), for sharing.
    text: Box<str>,
    /// The compiled policies.
    set: CompiledPolicySet,
}

/// Mark the parts of a principal's document key; each part is also length-prefixed.
const PART: char = '\u{1}';
const BOUNDARY: char = '\u{2}';
/// Starts the key of a resource policy, so that it never equals a principal's key.
const RESOURCE: char = '\u{3}';

/// Policies of principals and resources, compiled and found by ARN; see the module docs.
///
/// ```
/// use iam_policy::{PolicyStore, PreparedRequest};
/// use iam_policy::{ContextValue, Decision, Request};
///
/// let mut store = PolicyStore::new();
/// store.set_principal_policies(
///     "arn:aws:iam::111122223333:role/app",
///     &[r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow",
///          "Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#],
///     None,
/// )?;
/// let secret = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";
/// store.set_resource_policy(
///     secret,
///     r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*",
///         "Action":"secretsmanager:*","Resource":"*",
///         "Condition":{"Bool":{"aws:SecureTransport":"false"}}}}"#,
/// )?;
/// let request = Request::builder()
///     .principal("arn:aws:sts::111122223333:assumed-role/app/s1")
///     .action("secretsmanager:GetSecretValue")
///     .resource(secret)
///     .context_value("aws:SecureTransport", ContextValue::bool(true))
///     .build()?;
/// assert_eq!(store.evaluate(&request).decision(), Decision::Allow);
/// let prepared = PreparedRequest::new(request);
/// assert_eq!(store.evaluate_prepared(&prepared).decision(), Decision::Allow);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct PolicyStore {
    principals: Table<Arc<Shared>>,
    resources: Table<Arc<Shared>>,
    /// Compiled documents by the hash of their text.
    documents: HashMap<u64, Vec<Arc<Shared>>>,
}

impl Default for PolicyStore {
    fn default() -> Self {
        Self::new()
    }
}

/// The compiled set with nothing in it (a missing part).
static EMPTY: CompiledPolicySet = CompiledPolicySet {
    statements: Vec::new(),
    groups: Vec::new(),
    has_resource: false,
    has_boundary: false,
    has_session: false,
    scp_levels: 0,
    rcp_levels: 0,
};

impl PolicyStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self {
            principals: Table::default(),
            resources: Table::default(),
            documents: HashMap::new(),
        }
    }

    /// Sets the identity-based policies (JSON texts) and optional permissions boundary of an
    /// IAM role or user, replacing what it had. A role ARN may carry a path; its sessions find
    /// it either way.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnsupportedPrincipal`] unless `principal_arn` is an IAM role or user ARN;
    /// [`StoreError::InvalidPolicy`] when a document does not parse.
    pub fn set_principal_policies(
        &mut self,
        principal_arn: &str,
        identity: &[&str],
        permissions_boundary: Option<&str>,
    ) -> Result<(), StoreError> {
        let key = principal_key(principal_arn)?;
        // Each part is length-prefixed, so that no choice of texts (valid or not) can spell
        // the key of another list of documents.
        let mut text = String::new();
        for json in identity {
            text.push(PART);
            text.push_str(&json.len().to_string());
            text.push(PART);
            text.push_str(json);
        }
        if let Some(boundary) = permissions_boundary {
            text.push(BOUNDARY);
            text.push_str(&boundary.len().to_string());
            text.push(BOUNDARY);
            text.push_str(boundary);
        }
        let shared = self.document(&text, || {
            let mut set = PolicySet::new();
            for (i, json) in identity.iter().enumerate() {
                let policy = parse_policy(json, PolicyType::Identity).map_err(|errors| {
                    StoreError::InvalidPolicy {
                        what: format!("identity policy {i}"),
                        errors,
                    }
                })?;
                set.add(PolicyKind::Identity, policy);
            }
            if let Some(json) = permissions_boundary {
                let policy =
                    parse_policy(json, PolicyType::PermissionsBoundary).map_err(|errors| {
                        StoreError::InvalidPolicy {
                            what: "permissions boundary".to_owned(),
                            errors,
                        }
                    })?;
                set.add(PolicyKind::PermissionsBoundary, policy);
            }
            Ok(set.compile())
        })?;
        let old = self.principals.insert(&key, shared);
        self.release(old);
        Ok(())
    }

    /// Removes a principal's policies; whether it had any.
    pub fn remove_principal(&mut self, principal_arn: &str) -> bool {
        let Ok(key) = principal_key(principal_arn) else {
            return false;
        };
        let old = self.principals.remove(&key);
        let had = old.is_some();
        self.release(old);
        had
    }

    /// Sets the resource-based policy (JSON text) of a resource, replacing what it had. Only
    /// this document is compiled, and only if no other resource uses the same text.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidResource`] unless `resource_arn` starts with `arn:` and has six
    /// components; [`StoreError::InvalidPolicy`] when the document does not parse as a
    /// resource-based policy.
    pub fn set_resource_policy(
        &mut self,
        resource_arn: &str,
        policy_json: &str,
    ) -> Result<(), StoreError> {
        if crate::request::ArnParts::parse(resource_arn).is_none() {
            return Err(StoreError::InvalidResource(resource_arn.to_owned()));
        }
        let key = format!("{RESOURCE}{policy_json}");
        let shared = self.document(&key, || {
            let policy = parse_policy(policy_json, PolicyType::Resource).map_err(|errors| {
                StoreError::InvalidPolicy {
                    what: "resource policy".to_owned(),
                    errors,
                }
            })?;
            let mut set = PolicySet::new();
            set.add(PolicyKind::Resource, policy);
            Ok(set.compile())
        })?;
        let old = self.resources.insert(resource_arn, shared);
        self.release(old);
        Ok(())
    }

    /// Removes a resource's policy; whether it had one.
    pub fn remove_resource_policy(&mut self, resource_arn: &str) -> bool {
        let old = self.resources.remove(resource_arn);
        let had = old.is_some();
        self.release(old);
        had
    }

    /// How many principals have policies.
    #[must_use]
    pub fn principal_count(&self) -> usize {
        self.principals.len()
    }

    /// How many resources have a policy.
    #[must_use]
    pub fn resource_count(&self) -> usize {
        self.resources.len()
    }

    /// How many distinct compiled documents the store holds.
    #[must_use]
    pub fn document_count(&self) -> usize {
        self.documents.values().map(Vec::len).sum()
    }

    /// The principals with policies (role ARNs without their path), in no particular order.
    pub fn principals(&self) -> impl Iterator<Item = String> + '_ {
        self.principals.iter().map(|(key, _)| key)
    }

    /// The resources with a policy, in no particular order.
    pub fn resources(&self) -> impl Iterator<Item = String> + '_ {
        self.resources.iter().map(|(key, _)| key)
    }

    /// A principal's compiled policies (identity, then boundary), for
    /// [`CompiledPolicySet::statement`].
    #[must_use]
    pub fn principal_policies(&self, principal_arn: &str) -> Option<&CompiledPolicySet> {
        let key = principal_key(principal_arn).ok()?;
        self.principals
            .get(arn_hash(key.as_bytes()), key.as_bytes())
            .map(|s| &s.set)
    }

    /// A resource's compiled policy, for [`CompiledPolicySet::statement`].
    #[must_use]
    pub fn resource_policy(&self, resource_arn: &str) -> Option<&CompiledPolicySet> {
        self.resources
            .get(arn_hash(resource_arn.as_bytes()), resource_arn.as_bytes())
            .map(|s| &s.set)
    }

    /// Decides `request` against the caller's identity policies and the resource's policy.
    /// Total: never fails, never panics, never allocates.
    #[must_use]
    pub fn evaluate(&self, request: &Request) -> Evaluation {
        let mut buf = [0u8; ROLE_KEY_MAX];
        let keys = Keys::of(request, &mut buf);
        self.run(&keys, &Input::plain(request), &mut NoRecord)
    }

    /// [`evaluate`](Self::evaluate) for a prepared request (the fast path).
    #[must_use]
    pub fn evaluate_prepared(&self, request: &PreparedRequest) -> Evaluation {
        let input = Input::of_prepared(request);
        self.run(&request.keys(input.resource()), &input, &mut NoRecord)
    }

    /// Decides `request` and records how every statement of the caller's and the resource's
    /// policies fared; the decision and reasons are those of [`evaluate`](Self::evaluate).
    #[must_use]
    pub fn explain(&self, request: &Request) -> Explanation {
        let mut buf = [0u8; ROLE_KEY_MAX];
        let keys = Keys::of(request, &mut buf);
        let mut tracer = Tracer::default();
        let evaluation = self.run(&keys, &Input::plain(request), &mut tracer);
        tracer.finish(evaluation)
    }

    #[inline]
    fn run<R: Recorder>(&self, keys: &Keys<'_>, input: &Input<'_>, rec: &mut R) -> Evaluation {
        // Start both table look-ups' memory accesses before either compares keys.
        let touched = keys
            .principal
            .map_or(0, |(hash, _)| self.principals.touch(hash))
            ^ self.resources.touch(keys.resource.0);
        std::hint::black_box(touched);
        let identity = keys
            .principal
            .and_then(|(hash, key)| self.principals.get(hash, key))
            .map_or(&EMPTY, |s| &s.set);
        let (hash, key) = keys.resource;
        let resource = self.resources.get(hash, key).map_or(&EMPTY, |s| &s.set);
        run(&[identity, resource], input, rec)
    }

    /// The compiled document for `text`: shared if already compiled, else from `compile`.
    fn document(
        &mut self,
        text: &str,
        compile: impl FnOnce() -> Result<CompiledPolicySet, StoreError>,
    ) -> Result<Arc<Shared>, StoreError> {
        let hash = arn_hash(text.as_bytes());
        if let Some(found) = self
            .documents
            .get(&hash)
            .and_then(|list| list.iter().find(|s| &*s.text == text))
        {
            return Ok(Arc::clone(found));
        }
        let shared = Arc::new(Shared {
            text: text.into(),
            set: compile()?,
        });
        self.documents
            .entry(hash)
            .or_default()
            .push(Arc::clone(&shared));
        Ok(shared)
    }

    /// Drops a replaced or removed document reference; the document itself when nothing else
    /// uses it.
    fn release(&mut self, old: Option<Arc<Shared>>) {
        let Some(old) = old else {
            return;
        };
        // The list's reference and `old` are the last two.
        if Arc::strong_count(&old) > 2 {
            return;
        }
        let hash = arn_hash(old.text.as_bytes());
        if let Some(list) = self.documents.get_mut(&hash) {
            list.retain(|s| !Arc::ptr_eq(s, &old));
            if list.is_empty() {
                self.documents.remove(&hash);
            }
        }
    }
}
/// The key of a principal: a role ARN without its path, or a user ARN as given.
fn principal_key(arn: &str) -> Result<String, StoreError> {
    let unsupported = || StoreError::UnsupportedPrincipal(arn.to_owned());
    let caller = Caller::parse(arn).map_err(|_| unsupported())?;
    match caller.kind() {
        CallerKind::User => Ok(arn.to_owned()),
        CallerKind::Role => Ok(format!(
            "arn:{}:iam::{}:role/{}",
            caller.partition(),
            caller.account().ok_or_else(unsupported)?,
            caller.name()
        )),
        _ => Err(unsupported()),
    }
}
