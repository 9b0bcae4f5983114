//! A live policy store for a server that authorizes every call: [`PolicyStore`],
//! [`PreparedRequest`] and [`SessionPolicy`].
//!
//! A secret server keeps the policies of its principals, secrets and accounts, and decides
//! every `GetSecretValue` against the caller's and the secret's policies only, on all its
//! worker threads at once, while policies change. The store holds every policy type,
//! compiled, found by key:
//!
//! * **Principals** ([`set_principal_policies`](PolicyStore::set_principal_policies)): an IAM
//!   role or user ARN → its identity policies and optional permissions boundary, compiled
//!   together. A role is keyed without its path (`arn:aws:iam::A:role/NAME`), so every session
//!   of the role (`arn:aws:sts::A:assumed-role/NAME/SESSION`, which does not carry the path)
//!   finds it; a user is keyed by its ARN as given.
//! * **Resources** ([`set_resource_policy`](PolicyStore::set_resource_policy)): a resource ARN
//!   (exact, case-sensitive) → its resource-based policy.
//! * **Roles' trust policies** ([`set_trust_policy`](PolicyStore::set_trust_policy)): a role
//!   ARN (exact, as requests name it) → its trust policy, consulted for the requests on
//!   that role that AWS reads against its trust policy (`sts:AssumeRole*`, `sts:TagSession`,
//!   `sts:SetSourceIdentity`, `sts:SetContext`; [`is_trust_action`](crate::aws_rules::is_trust_action)) only.
//! * **Accounts** ([`set_service_control_policies`](PolicyStore::set_service_control_policies),
//!   [`set_resource_control_policies`](PolicyStore::set_resource_control_policies)): an account
//!   ID → its SCP levels and its RCP levels, each a list of levels from the organization root
//!   down to the account (as in the case format). The SCPs of the caller's account and the
//!   RCPs of the resource's account take part in a decision.
//! * **Session policies** ([`SessionPolicy`]): compiled once when a session is created
//!   (`AssumeRole` with `Policy`), and carried by the session's prepared requests
//!   ([`PreparedRequest::with_session_policy`]).
//! * **Identical documents are shared.** A document (a resource policy's text, a principal's
//!   texts together, an account's levels) is compiled once for the keys that use the same
//!   texts, which hold references to that one compiled copy; only the key that first set a
//!   small document (at most two statements and two conditions: a typical resource policy)
//!   keeps its own copy inside its map entry (see *Look-ups*), and a second key with the same
//!   texts compiles the shared copy. The store recognizes a document by a 128-bit keyed digest
//!   of its texts (SipHash-1-3 with 128-bit output, keyed with a random per-store key, one pass
//!   over the texts; the texts themselves are not retained), so that distinct documents cost
//!   only their compiled form. A compiled document that nothing uses any more is dropped.
//!
//! A decision equals [`CompiledPolicySet::evaluate`] over one set holding the caller's
//! identity policies and boundary, the resource's policy (or the role's trust policy), the
//! session policy, the SCP levels of the caller's account and the RCP levels of the resource's
//! account: the store runs the engine's one combining routine over those parts (same rules,
//! same reasons, same order); nothing is combined or allocated per request.
//!
//! # Concurrency
//!
//! `PolicyStore` is `Send + Sync`; share it (`Arc<PolicyStore>`, or a `static`) between all
//! worker threads. Every method takes `&self`.
//!
//! * **A decision never blocks and never allocates.** The entries live in a concurrent hash
//!   map ([`papaya`]) whose reads are lock-free and never wait for a writer; a decision reads
//!   at most four entries (principal, resource or trust policy, the two accounts).
//! * **An update replaces one entry.** Setting a principal's, a resource's, a role's or an
//!   account's policies compiles that document (unless an identical one is already held) and
//!   swaps that one entry; nothing else is copied. Updates are serialized among themselves by a
//!   mutex that decisions never take.
//! * **Old or new, never a mix.** An entry's documents are replaced at once: a decision that
//!   overlaps an update sees the entity's old policies or its new ones, never part of each
//!   (a boundary and identity policies change together). Different entities are independent:
//!   a decision overlapping two updates may see one of them only.
//! * **Visible on return.** A decision that starts after an update returned sees it.
//!   Replaced documents are freed once no decision that could read them is still running.
//!
//! ```
//! use std::sync::Arc;
//! use iam_policy::{PolicyStore, PreparedRequest};
//! use iam_policy::{Decision, Request};
//!
//! let store = Arc::new(PolicyStore::new());
//! let role = "arn:aws:iam::111122223333:role/app";
//! let secret = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";
//! store.set_principal_policies(role, &[r#"{"Version":"2012-10-17","Statement":{
//!     "Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#], None)?;
//! let request = PreparedRequest::new(
//!     Request::builder()
//!         .principal("arn:aws:sts::111122223333:assumed-role/app/s1")
//!         .action("secretsmanager:GetSecretValue")
//!         .resource(secret)
//!         .build()?,
//! );
//! let worker = {
//!     let store = Arc::clone(&store);
//!     let request = request.clone();
//!     std::thread::spawn(move || store.evaluate_prepared(&request).decision())
//! };
//! // Meanwhile a `PutResourcePolicy` arrives.
//! store.set_resource_policy(secret, r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny",
//!     "Principal":"*","Action":"secretsmanager:*","Resource":"*"}}"#)?;
//! // The worker saw the old policy or the new one; decisions from now on see the new one.
//! assert!(matches!(worker.join().unwrap(), Decision::Allow | Decision::ExplicitDeny));
//! assert_eq!(store.evaluate_prepared(&request).decision(), Decision::ExplicitDeny);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Prepared requests
//!
//! [`PreparedRequest::new`] does once the per-request work that does not depend on the
//! policies: it copies every text a decision reads (caller, action, resource, context keys and
//! values; a text that repeats is kept once) into one arena, indexes the context keys by hash,
//! reads context strings that are IP addresses, and hashes the action, its service and the
//! store keys of the caller, the resource and the accounts. Up to 512 bytes of text and 12
//! context keys live inside the `PreparedRequest` value itself (larger requests use the heap),
//! so that deciding reads one contiguous block on the request side; the engine reads its cache
//! lines up front, so that the misses of a request that is no longer in cache overlap.
//! Preparing costs three allocations (its time and that of building the [`Request`]: `request/*`
//! in `benches/evaluate.rs`, figures in the README); a prepared request can be decided any
//! number of times.
//!
//! [`PolicyStore::evaluate`] on a plain [`Request`] gives the same answers without preparing
//! (and without a session policy): it hashes the keys and the action per call, finds context
//! keys by binary search over their text and parses an IP address each time a condition needs
//! it (several times slower than a prepared request: see the README's performance figures).
//!
//! # Policy variables
//!
//! A condition value that is exactly one variable (`"${aws:PrincipalTag/team}"`) costs one
//! more context look-up (a hash-table probe and a key comparison)
//! and one string comparison: no text is built. Other templates (variables inside text, in
//! `Resource` patterns, with wildcards) are matched piece by piece against the request text,
//! each variable looked up in the context when it is reached (for a prepared request, the
//! variable's key is hashed then, 8 bytes at a time); nothing is allocated
//! either way.
//!
//! # Look-ups
//!
//! Keys are hashed with a keyed multiply-fold hash, seeded once per process from the standard
//! library's random state: fast on ARN-sized keys, and not predictable by whoever chooses
//! secret names; it is not a cryptographic hash. A prepared request carries the hashes of its
//! keys, so deciding it hashes nothing. A map entry holds the key (one cache line: its hash,
//! a shared head and up to 46 bytes of tail inline, compared after its hash) and, for a small document that no other key used when it was set,
//! the compiled document itself (its statements and conditions in fixed-size arrays inside
//! the entry, its group shared with every such document of its kind and size): a look-up reads the map's slot and then one allocation, whose
//! lines it reads ahead together, instead of following a pointer from the entry to the
//! document. Other entries hold the shared document's list references, which the look-up
//! reads ahead in the same way.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

use siphasher::sip128::{Hasher128 as _, SipHasher13};
use std::io::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use table::{HashProbe, PassThrough, Probe, Space, StoreKey, key_hash};

use smallvec::SmallVec;

use super::combine::run;
use super::compile::{CompiledCondition, CompiledStatement, Group, Label, Shared};
use super::decision::{Evaluation, Explanation};
use super::ids::{PolicyKind, StatementRef};
use super::prepared::{ActionText, Prepared};
use super::record::{NoRecord, Recorder, Tracer};
use super::view::Input;
use super::{
    CompiledPolicySet, Flags, INLINE_CONDITIONS, INLINE_STATEMENTS, Labels, Lists, ListsBuilder,
    Part,
};
use crate::bytes::to_u16;
use crate::policy::PolicyType;
use crate::policy::error::ParseErrors;
use crate::request::{Caller, CallerKey, CallerKind, Checked, Request, ResourceKind};

mod buffer;
mod table;

pub use buffer::{BufferedRequest, RequestBuffer};
pub(crate) use table::arn_hash;

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
    /// The trust policy's key is not an IAM role ARN.
    #[error("`{0}` is not an IAM role ARN")]
    InvalidRole(String),
    /// The account is not a 12-digit AWS account ID.
    #[error("`{0}` is not a 12-digit AWS account ID")]
    InvalidAccount(String),
    /// A policy document does not parse.
    #[error("{what} does not parse: {errors}")]
    InvalidPolicy {
        /// Which document: `identity policy 0`, `permissions boundary`, `resource policy`,
        /// `trust policy`, `session policy 0`, `SCP 1 of level 0`, `RCP 0 of level 2`.
        what: String,
        /// The parse errors.
        errors: ParseErrors,
    },
}

/// The 128-bit keyed digest that identifies a document's texts (module docs).
type Digest = (u64, u64);

/// A map entry: the entity's key, its compiled document and the digest it is registered
/// under. The map is a set of these (the key inside the entry, not beside it in a key-value
/// pair, whose value would start on a line of its own), aligned to a cache line, so that the
/// key (64 bytes: one line) and the lines of an inline document a decision reads are four
/// whole lines (`Inline`).
#[derive(Debug)]
#[repr(C, align(64))]
struct Held {
    key: StoreKey,
    doc: Doc,
    digest: Digest,
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Held {}

impl std::hash::Hash for Held {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.key.hash());
    }
}

impl papaya::Equivalent<Held> for Probe<'_> {
    #[inline]
    fn equivalent(&self, held: &Held) -> bool {
        self.names(&held.key)
    }
}

impl papaya::Equivalent<Held> for HashProbe {
    #[inline]
    fn equivalent(&self, held: &Held) -> bool {
        self.names(&held.key)
    }
}

/// Where an entry's compiled document lives.
#[derive(Debug)]
enum Doc {
    /// Inside the entry itself (a small document no other entry used when it was set: a
    /// typical resource policy), so that a decision finds the document in the lines it
    /// already read to compare the key, with no pointer to follow.
    Inline(Inline),
    /// Shared with other entries (or too large to hold inline): the set is a copy of the
    /// registered one that shares its lists (a few reference counts), kept in the entry so that
    /// a decision reaches the lists straight from the entry; the registered `Arc` beside it is
    /// what the accessors hand out.
    Shared {
        set: CompiledPolicySet,
        shared: Arc<CompiledPolicySet>,
    },
}

/// A small compiled document held inside its map entry ([`Doc::Inline`]). What a decision
/// reads comes first (the statements and the conditions: 192 bytes, which end the entry's
/// fourth line, after the key's 64 bytes), and what it does not read after it. The
/// statements and conditions are fixed-size arrays whose unused slots hold fillers; nothing
/// else is stored: its kind is its statements' (a filler's too), the statements are those
/// before the first filler ([`FILLER`]) and the conditions those of the statements (in
/// statement order from the first, so the last statement's range ends them); its one group is
/// not held but shared ([`Group::small`]: the same group, checked when the document is made);
/// its flags are those of its kind ([`one_group_flags`]). [`Doc`]'s variant is told by a
/// niche in these first lines, which a decision reads anyway.
#[derive(Debug)]
#[repr(C)]
struct Inline {
    statements: [CompiledStatement; INLINE_STATEMENTS],
    conditions: [CompiledCondition; INLINE_CONDITIONS],
    /// The statements' labels.
    labels: SmallVec<[Label; INLINE_STATEMENTS]>,
    /// The set the accessors hand out, made when first asked for.
    shared: OnceLock<Arc<CompiledPolicySet>>,
}

/// The flags of a set whose one group is of `kind` (a kind without levels has a group exactly
/// when the set holds a policy of that kind: `PolicySet::levels`).
fn one_group_flags(kind: PolicyKind) -> Flags {
    Flags {
        has_resource: kind == PolicyKind::Resource,
        has_boundary: kind == PolicyKind::PermissionsBoundary,
        has_session: kind == PolicyKind::Session,
        scp_levels: u16::from(kind == PolicyKind::Scp),
        rcp_levels: u16::from(kind == PolicyKind::Rcp),
    }
}

/// The `policy` number of an inline document's unused statement slots (no set holds that
/// many policies).
const FILLER: u32 = u32::MAX;

impl Inline {
    /// `lists` held inline, or given back when they do not fit.
    #[expect(
        clippy::result_large_err,
        reason = "both sides are large by design (the inline document is larger); boxing the \
                  lists given back would allocate on every update of a larger document"
    )]
    fn new(lists: Lists) -> Result<Self, Lists> {
        if lists.statements.len() > INLINE_STATEMENTS
            || lists.conditions.len() > INLINE_CONDITIONS
            || lists.groups.len() != 1
        {
            return Err(lists);
        }
        let Some(group) = lists.groups.first() else {
            return Err(lists);
        };
        let kind = group.kind;
        // The group is the shared one of its kind and statement count, and the flags are
        // those of its kind (always; checked, not assumed), so neither is stored; nor are the
        // kind and the counts, read from the statements (`counts`; checked here).
        let conditions_end = lists.statements.last().map_or(0, |s| s.conditions.1);
        if !group.is_small()
            || group.end as usize != lists.statements.len()
            || lists.flags != one_group_flags(kind)
            || conditions_end as usize != lists.conditions.len()
            || lists
                .statements
                .iter()
                .any(|s| s.at.kind != kind || s.at.policy == FILLER)
        {
            return Err(lists);
        }
        let filler = || {
            let mut filler = CompiledStatement::unused();
            filler.at = StatementRef {
                kind,
                level: 0,
                policy: FILLER,
                statement: FILLER,
            };
            filler
        };
        let mut statements = lists.statements.into_iter();
        let mut conditions = lists.conditions.into_iter();
        Ok(Self {
            statements: std::array::from_fn(|_| statements.next().unwrap_or_else(filler)),
            conditions: std::array::from_fn(|_| {
                conditions.next().unwrap_or_else(CompiledCondition::unused)
            }),
            labels: lists.labels,
            shared: OnceLock::new(),
        })
    }

    /// Its kind, and how many of its statement and condition slots are the document's.
    #[inline(always)]
    fn counts(&self) -> (PolicyKind, usize, usize) {
        let kind = self
            .statements
            .first()
            .map_or(PolicyKind::Resource, |s| s.at.kind);
        let statements = self
            .statements
            .iter()
            .take_while(|s| s.at.policy != FILLER)
            .count();
        let conditions = statements
            .checked_sub(1)
            .and_then(|last| self.statements.get(last))
            .map_or(0, |s| s.conditions.1 as usize);
        (kind, statements, conditions)
    }

    #[inline(always)]
    fn part(&self) -> Part<'_> {
        let (kind, statement_count, condition_count) = self.counts();
        Part {
            statements: self.statements.get(..statement_count).unwrap_or_default(),
            labels: Labels::Inline(&self.labels),
            conditions: self.conditions.get(..condition_count).unwrap_or_default(),
            groups: Group::small(kind, statement_count).map_or(&[], std::slice::from_ref),
            has_boundary: kind == PolicyKind::PermissionsBoundary,
            has_session: kind == PolicyKind::Session,
        }
    }

    /// A copy of its lists (the interned texts are shared, not copied).
    fn lists(&self) -> Lists {
        let part = self.part();
        Lists {
            statements: part.statements.iter().cloned().collect(),
            labels: self.labels.clone(),
            conditions: part.conditions.iter().cloned().collect(),
            groups: part.groups.iter().cloned().collect(),
            flags: one_group_flags(self.counts().0),
        }
    }

    /// The document as a shared set (copied once, then kept).
    fn shared(&self) -> Arc<CompiledPolicySet> {
        let set = self
            .shared
            .get_or_init(|| Arc::new(CompiledPolicySet::from_lists(self.lists())));
        Arc::clone(set)
    }
}

impl Doc {
    /// A document shared through the registry.
    fn shared(set: Arc<CompiledPolicySet>) -> Self {
        Self::Shared {
            set: (*set).clone(),
            shared: set,
        }
    }

    /// What a decision reads of it.
    #[inline(always)]
    fn part(&self) -> Part<'_> {
        match self {
            Self::Inline(inline) => inline.part(),
            Self::Shared { set, .. } => set.part(),
        }
    }

    /// The compiled set the accessors hand out.
    fn set(&self) -> Arc<CompiledPolicySet> {
        match self {
            Self::Inline(inline) => inline.shared(),
            Self::Shared { shared, .. } => Arc::clone(shared),
        }
    }
}

/// A registered document: the shared copy new entries with the same texts take (none while
/// only the entry that first set it holds it, inline), the number of entries using it, and
/// the map hash of the entry that first set it (so that the second entry to take the texts
/// copies that entry's inline document instead of parsing the texts again).
type Registered = (Option<Arc<CompiledPolicySet>>, usize, u64);

/// The writers' side: the documents held, by digest ([`Registered`]).
#[derive(Debug, Default)]
struct Registry {
    documents: HashMap<Digest, Registered, BuildHasherDefault<DigestHash>>,
    /// Entries per [`Space`] (indexed by its number).
    counts: [usize; 6],
}

impl Registry {
    /// An entry stopped using the document of `digest`; drops the registry's reference when
    /// nothing uses it any more (readers still holding the map's reference keep it alive).
    fn release(&mut self, digest: Digest) {
        if let Some((_, users, _)) = self.documents.get_mut(&digest) {
            *users = users.saturating_sub(1);
            if *users == 0 {
                self.documents.remove(&digest);
            }
        }
    }

    fn count(&mut self, space: Space) -> Option<&mut usize> {
        self.counts.get_mut(space as usize)
    }
}

/// Feeds the texts of a document to the keyed 128-bit hash; each text is tagged and
/// length-prefixed, so that no choice of texts (valid or not) can spell another list of texts.
struct Digester(SipHasher13);

impl Digester {
    fn new(key: (u64, u64), space: Space) -> Self {
        let mut d = Self(SipHasher13::new_with_keys(key.0, key.1));
        d.tag(space as u8);
        d
    }

    fn tag(&mut self, tag: u8) {
        self.0.write_u8(tag);
    }

    fn text(&mut self, tag: u8, text: &str) {
        self.0.write_u8(tag);
        self.0.write_usize(text.len());
        self.0.write(text.as_bytes());
    }

    fn finish(&self) -> Digest {
        let hash = self.0.finish128();
        (hash.h1, hash.h2)
    }
}

/// A random 128-bit key for a store's digests (from the standard library's per-process random
/// hash keys).
fn digest_key() -> (u64, u64) {
    let word = |salt: u64| RandomState::new().hash_one(salt);
    (word(0), word(1))
}

/// The registry's hasher: a digest is already a keyed random hash, so its words are used as
/// they are instead of hashing them again (any other input is folded in, word by word).
#[derive(Default)]
struct DigestHash(u64);

impl Hasher for DigestHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = self.0.rotate_left(29) ^ word;
    }
}

/// Text tags of the digest.
const IDENTITY_TEXT: u8 = 1;
const BOUNDARY_TEXT: u8 = 2;
const LEVEL: u8 = 3;
const LEVEL_TEXT: u8 = 4;
const RESOURCE_TEXT: u8 = 5;

/// Policies of principals, resources, roles and accounts, compiled and found by key, shared
/// by every worker thread; see the module docs.
///
/// ```
/// use iam_policy::{PolicyStore, PreparedRequest, SessionPolicy};
/// use iam_policy::{ContextValue, Decision, Request};
///
/// let store = PolicyStore::new();
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
/// // The account's SCPs: one level (the root's), one policy.
/// store.set_service_control_policies(
///     "111122223333",
///     &[&[r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*",
///            "Resource":"*"}}"#]],
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
/// // A session created with a session policy that allows nothing of Secrets Manager.
/// let session = SessionPolicy::new(&[r#"{"Version":"2012-10-17","Statement":{
///     "Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#])?;
/// let prepared = prepared.with_session_policy(session);
/// assert_eq!(store.evaluate_prepared(&prepared).decision(), Decision::ImplicitDeny);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PolicyStore {
    map: papaya::HashSet<Held, PassThrough>,
    /// How many accounts have SCP or RCP levels: decisions skip those look-ups while none do.
    accounts: AtomicUsize,
    writer: Mutex<Registry>,
    /// The key of the document digests.
    digest_key: (u64, u64),
}

impl std::fmt::Debug for PolicyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PolicyStore")
            .field("principals", &self.principal_count())
            .field("resources", &self.resource_count())
            .field("documents", &self.document_count())
            .finish_non_exhaustive()
    }
}

impl Default for PolicyStore {
    fn default() -> Self {
        Self::new()
    }
}

/// The compiled set with nothing in it (a missing part).
static EMPTY: CompiledPolicySet = CompiledPolicySet {
    statements: Shared::EMPTY,
    labels: Shared::EMPTY,
    conditions: Shared::EMPTY,
    groups: Shared::EMPTY,
    has_resource: false,
    has_boundary: false,
    has_session: false,
    scp_levels: 0,
    rcp_levels: 0,
};

/// The longest role ARN rebuilt without its path on the stack.
const ROLE_KEY_MAX: usize = 512;

/// Compiles `json` as a policy of `ty` into the open group of `lists`, naming it `what` in
/// the error.
fn add(
    lists: &mut ListsBuilder,
    json: &str,
    ty: PolicyType,
    what: impl FnOnce() -> String,
) -> Result<(), StoreError> {
    lists
        .add(json, ty)
        .map_err(|errors| StoreError::InvalidPolicy {
            what: what(),
            errors,
        })
}

/// Compiles levels of SCPs or RCPs, root first.
fn compile_levels(kind: PolicyKind, levels: &[&[&str]]) -> Result<Lists, StoreError> {
    let (ty, name) = match kind {
        PolicyKind::Scp => (PolicyType::Scp, "SCP"),
        _ => (PolicyType::Rcp, "RCP"),
    };
    let mut lists = ListsBuilder::new();
    for (l, level) in levels.iter().enumerate() {
        lists.group(kind, to_u16(l));
        for (i, json) in level.iter().enumerate() {
            add(&mut lists, json, ty, || format!("{name} {i} of level {l}"))?;
        }
    }
    Ok(lists.finish())
}

impl PolicyStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self {
            map: papaya::HashSet::builder().hasher(PassThrough).build(),
            accounts: AtomicUsize::new(0),
            writer: Mutex::new(Registry::default()),
            digest_key: digest_key(),
        }
    }

    /// Sets the identity-based policies (JSON texts) and optional permissions boundary of an
    /// IAM role or user, replacing what it had (both at once). A role ARN may carry a path;
    /// its sessions find it either way.
    ///
    /// # Errors
    ///
    /// [`StoreError::UnsupportedPrincipal`] unless `principal_arn` is an IAM role or user ARN;
    /// [`StoreError::InvalidPolicy`] when a document does not parse.
    pub fn set_principal_policies(
        &self,
        principal_arn: &str,
        identity: &[&str],
        permissions_boundary: Option<&str>,
    ) -> Result<(), StoreError> {
        let key = principal_key(principal_arn)?;
        let mut digest = Digester::new(self.digest_key, Space::Principal);
        for json in identity {
            digest.text(IDENTITY_TEXT, json);
        }
        if let Some(boundary) = permissions_boundary {
            digest.text(BOUNDARY_TEXT, boundary);
        }
        self.put(Space::Principal, &key, digest.finish(), || {
            let mut lists = ListsBuilder::new();
            if !identity.is_empty() {
                lists.group(PolicyKind::Identity, 0);
            }
            for (i, json) in identity.iter().enumerate() {
                add(&mut lists, json, PolicyType::Identity, || {
                    format!("identity policy {i}")
                })?;
            }
            if let Some(json) = permissions_boundary {
                lists.group(PolicyKind::PermissionsBoundary, 0);
                add(&mut lists, json, PolicyType::PermissionsBoundary, || {
                    "permissions boundary".to_owned()
                })?;
            }
            Ok(lists.finish())
        })
    }

    /// Removes a principal's policies; whether it had any.
    pub fn remove_principal(&self, principal_arn: &str) -> bool {
        principal_key(principal_arn).is_ok_and(|key| self.remove(Space::Principal, &key))
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
        &self,
        resource_arn: &str,
        policy_json: &str,
    ) -> Result<(), StoreError> {
        if crate::request::ArnParts::parse(resource_arn).is_none() {
            return Err(StoreError::InvalidResource(resource_arn.to_owned()));
        }
        let mut digest = Digester::new(self.digest_key, Space::Resource);
        digest.text(RESOURCE_TEXT, policy_json);
        self.put(Space::Resource, resource_arn, digest.finish(), || {
            let mut lists = ListsBuilder::new();
            lists.group(PolicyKind::Resource, 0);
            add(&mut lists, policy_json, PolicyType::Resource, || {
                "resource policy".to_owned()
            })?;
            Ok(lists.finish())
        })
    }

    /// Removes a resource's policy; whether it had one.
    pub fn remove_resource_policy(&self, resource_arn: &str) -> bool {
        self.remove(Space::Resource, resource_arn)
    }

    /// Sets the trust policy of an IAM role, replacing what it had. It is the resource policy
    /// of the trust-policy requests (`sts:AssumeRole*`, `sts:TagSession`,
    /// `sts:SetSourceIdentity`, `sts:SetContext`) whose resource is `role_arn` exactly (with the
    /// role's path, as `AssumeRole`'s `RoleArn` names it); other requests on the role do not
    /// read it.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidRole`] unless `role_arn` is an IAM role ARN;
    /// [`StoreError::InvalidPolicy`] when the document does not parse as a trust policy.
    pub fn set_trust_policy(&self, role_arn: &str, policy_json: &str) -> Result<(), StoreError> {
        if !Caller::parse(role_arn).is_ok_and(|c| c.kind() == CallerKind::Role) {
            return Err(StoreError::InvalidRole(role_arn.to_owned()));
        }
        let mut digest = Digester::new(self.digest_key, Space::Trust);
        digest.text(RESOURCE_TEXT, policy_json);
        self.put(Space::Trust, role_arn, digest.finish(), || {
            let mut lists = ListsBuilder::new();
            lists.group(PolicyKind::Resource, 0);
            add(&mut lists, policy_json, PolicyType::Trust, || {
                "trust policy".to_owned()
            })?;
            Ok(lists.finish())
        })
    }

    /// Removes a role's trust policy; whether it had one.
    pub fn remove_trust_policy(&self, role_arn: &str) -> bool {
        self.remove(Space::Trust, role_arn)
    }

    /// Sets the SCPs that govern the principals of `account`: `levels[0]` holds the SCPs
    /// attached to the organization root, each next level those of the next organizational
    /// unit down, the last those attached to the account itself. Every level must allow an
    /// action (any policy of the level suffices) and a Deny at any level denies. No levels
    /// (`&[]`) removes the account's SCPs.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidAccount`] unless `account` is a 12-digit account ID;
    /// [`StoreError::InvalidPolicy`] when a document does not parse as an SCP.
    pub fn set_service_control_policies(
        &self,
        account: &str,
        levels: &[&[&str]],
    ) -> Result<(), StoreError> {
        self.set_levels(Space::Scp, PolicyKind::Scp, account, levels)
    }

    /// Sets the RCPs that govern the resources of `account`, in levels as for
    /// [`set_service_control_policies`](Self::set_service_control_policies). No levels
    /// (`&[]`) removes the account's RCPs.
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidAccount`] unless `account` is a 12-digit account ID;
    /// [`StoreError::InvalidPolicy`] when a document does not parse as an RCP.
    pub fn set_resource_control_policies(
        &self,
        account: &str,
        levels: &[&[&str]],
    ) -> Result<(), StoreError> {
        self.set_levels(Space::Rcp, PolicyKind::Rcp, account, levels)
    }

    fn set_levels(
        &self,
        space: Space,
        kind: PolicyKind,
        account: &str,
        levels: &[&[&str]],
    ) -> Result<(), StoreError> {
        if crate::request::check_account(account).is_err() {
            return Err(StoreError::InvalidAccount(account.to_owned()));
        }
        if levels.is_empty() {
            self.remove(space, account);
            return Ok(());
        }
        let mut digest = Digester::new(self.digest_key, space);
        for level in levels {
            digest.tag(LEVEL);
            for json in *level {
                digest.text(LEVEL_TEXT, json);
            }
        }
        self.put(space, account, digest.finish(), || {
            compile_levels(kind, levels)
        })
    }

    /// How many principals have policies.
    #[must_use]
    pub fn principal_count(&self) -> usize {
        self.count(Space::Principal)
    }

    /// How many resources have a policy.
    #[must_use]
    pub fn resource_count(&self) -> usize {
        self.count(Space::Resource)
    }

    /// How many roles have a trust policy.
    #[must_use]
    pub fn trust_policy_count(&self) -> usize {
        self.count(Space::Trust)
    }

    /// How many accounts have SCP levels and how many have RCP levels.
    #[must_use]
    pub fn account_counts(&self) -> (usize, usize) {
        (self.count(Space::Scp), self.count(Space::Rcp))
    }

    /// How many distinct compiled documents the store holds.
    #[must_use]
    pub fn document_count(&self) -> usize {
        self.lock().documents.len()
    }

    /// The principals with policies (role ARNs without their path), in no particular order.
    pub fn principals(&self) -> impl Iterator<Item = String> + '_ {
        self.keys(Space::Principal).into_iter()
    }

    /// The resources with a policy, in no particular order.
    pub fn resources(&self) -> impl Iterator<Item = String> + '_ {
        self.keys(Space::Resource).into_iter()
    }

    /// A principal's compiled policies (identity, then boundary), for
    /// [`CompiledPolicySet::statement`].
    #[must_use]
    pub fn principal_policies(&self, principal_arn: &str) -> Option<Arc<CompiledPolicySet>> {
        let key = principal_key(principal_arn).ok()?;
        self.get(Space::Principal, &key)
    }

    /// A resource's compiled policy, for [`CompiledPolicySet::statement`].
    #[must_use]
    pub fn resource_policy(&self, resource_arn: &str) -> Option<Arc<CompiledPolicySet>> {
        self.get(Space::Resource, resource_arn)
    }

    /// A role's compiled trust policy.
    #[must_use]
    pub fn trust_policy(&self, role_arn: &str) -> Option<Arc<CompiledPolicySet>> {
        self.get(Space::Trust, role_arn)
    }

    /// An account's compiled SCP levels and RCP levels.
    #[must_use]
    pub fn account_policies(
        &self,
        account: &str,
    ) -> (
        Option<Arc<CompiledPolicySet>>,
        Option<Arc<CompiledPolicySet>>,
    ) {
        (self.get(Space::Scp, account), self.get(Space::Rcp, account))
    }

    /// Decides `request` against the caller's identity policies and boundary, the resource's
    /// policy (or the role's trust policy), and the SCPs and RCPs of the accounts involved.
    /// Total: never fails, never panics, never allocates, never waits for an update.
    #[must_use]
    pub fn evaluate(&self, request: &Request) -> Evaluation {
        let mut buf = [0u8; ROLE_KEY_MAX];
        let keys = Keys::of(request, &mut buf);
        self.run(&keys, None, &Input::plain(request), &mut NoRecord)
    }

    /// [`evaluate`](Self::evaluate) for a prepared request (the fast path), with its session
    /// policy if it carries one.
    #[must_use]
    pub fn evaluate_prepared(&self, request: &PreparedRequest) -> Evaluation {
        let input = request.input();
        let session = request.session.as_ref().map(|s| &*s.0);
        self.run(&request.keys(&input), session, &input, &mut NoRecord)
    }

    /// Decides `request` and records how every statement of the policies involved fared; the
    /// decision and reasons are those of [`evaluate`](Self::evaluate).
    #[must_use]
    pub fn explain(&self, request: &Request) -> Explanation {
        let mut buf = [0u8; ROLE_KEY_MAX];
        let keys = Keys::of(request, &mut buf);
        let mut tracer = Tracer::default();
        let evaluation = self.run(&keys, None, &Input::plain(request), &mut tracer);
        tracer.finish(evaluation)
    }

    /// [`explain`](Self::explain) for a prepared request, with its session policy.
    #[must_use]
    pub fn explain_prepared(&self, request: &PreparedRequest) -> Explanation {
        let input = request.input();
        let session = request.session.as_ref().map(|s| &*s.0);
        let mut tracer = Tracer::default();
        let evaluation = self.run(&request.keys(&input), session, &input, &mut tracer);
        tracer.finish(evaluation)
    }

    #[inline]
    fn run<R: Recorder>(
        &self,
        keys: &Keys<'_>,
        session: Option<&CompiledPolicySet>,
        input: &Input<'_>,
        rec: &mut R,
    ) -> Evaluation {
        let guard = self.map.guard();
        // Each document found is read ahead (`Part::touch`): with many
        // documents, the one a decision needs is rarely in cache.
        let get = |probe: Probe<'_>| -> Part<'_> {
            let part = self
                .map
                .get(&probe, &guard)
                .map_or(Part::EMPTY, |h| h.doc.part());
            part.touch();
            part
        };
        let identity = keys.principal.map_or(Part::EMPTY, |(hash, key)| {
            get(Probe {
                hash,
                space: Space::Principal,
                key,
            })
        });
        let (space, hash, key) = keys.resource;
        let resource = get(Probe { hash, space, key });
        let (mut scp, mut rcp) = (Part::EMPTY, Part::EMPTY);
        if self.accounts.load(Ordering::Acquire) > 0 {
            if let Some((hash, key)) = keys.scp {
                scp = get(Probe {
                    hash,
                    space: Space::Scp,
                    key,
                });
            }
            if let Some((hash, key)) = keys.rcp {
                rcp = get(Probe {
                    hash,
                    space: Space::Rcp,
                    key,
                });
            }
        }
        run(
            &[
                identity,
                resource,
                session.map_or(Part::EMPTY, CompiledPolicySet::part),
                scp,
                rcp,
            ],
            input,
            rec,
        )
    }

    fn lock(&self) -> MutexGuard<'_, Registry> {
        // A writer that panicked left the registry consistent: every change to it is made
        // together with the map change it accounts for, after everything that can fail.
        self.writer.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count(&self, space: Space) -> usize {
        self.lock().counts.get(space as usize).copied().unwrap_or(0)
    }

    fn get(&self, space: Space, key: &str) -> Option<Arc<CompiledPolicySet>> {
        let guard = self.map.guard();
        self.map
            .get(
                &Probe {
                    hash: key_hash(space, key.as_bytes()),
                    space,
                    key: key.as_bytes(),
                },
                &guard,
            )
            .map(|h| h.doc.set())
    }

    fn keys(&self, space: Space) -> Vec<String> {
        let guard = self.map.guard();
        self.map
            .iter(&guard)
            .filter(|h| h.key.space() == space)
            .map(|h| h.key.text())
            .collect()
    }

    /// A copy of the document of `digest` as the entry of `space` with map hash `hash` holds
    /// it inline, if that entry still does (the same texts, so the same compiled document,
    /// with no parsing). `None` sends the caller to parse the texts.
    fn inline_copy(&self, space: Space, hash: u64, digest: Digest) -> Option<Lists> {
        let guard = self.map.guard();
        match self.map.get(&HashProbe { hash, space }, &guard) {
            Some(Held {
                doc: Doc::Inline(inline),
                digest: held,
                ..
            }) if *held == digest => Some(inline.lists()),
            _ => None,
        }
    }

    /// Sets the entry `key` of `space` to the document of `digest`: the registered one, or
    /// the one `compile` builds (outside the writers' lock).
    fn put(
        &self,
        space: Space,
        key: &str,
        digest: Digest,
        compile: impl FnOnce() -> Result<Lists, StoreError>,
    ) -> Result<(), StoreError> {
        let mut compile = Some(compile);
        let mut build = || match compile.take() {
            Some(compile) => compile(),
            // INVARIANT: not reached: `build` runs at most once (below, one branch).
            None => Ok(ListsBuilder::new().finish()),
        };
        let store_key = StoreKey::new(space, key);
        // A shared copy already registered is taken as it is; a document that one entry
        // holds inline is copied from that entry; otherwise the document is compiled outside
        // the writers' lock.
        let (registered, holder) = match self.lock().documents.get(&digest) {
            Some((set, _, holder)) => (set.is_some(), Some(*holder)),
            None => (false, None),
        };
        let mut lists = if registered {
            None
        } else if let Some(copy) = holder.and_then(|hash| self.inline_copy(space, hash, digest)) {
            Some(copy)
        } else {
            Some(build()?)
        };
        let mut registry = self.lock();
        let doc = match registry.documents.get_mut(&digest) {
            Some((Some(set), users, _)) => {
                *users += 1;
                Doc::shared(Arc::clone(set))
            }
            Some((slot, users, _)) => {
                // Held inline by the entries that set it so far: from now on the entries
                // that take it share one copy.
                let lists = match lists.take() {
                    Some(lists) => lists,
                    None => build()?,
                };
                let set = Arc::new(CompiledPolicySet::from_lists(lists));
                *slot = Some(Arc::clone(&set));
                *users += 1;
                Doc::shared(set)
            }
            None => {
                // New (or registered and released again while compiling: compiled now).
                let lists = match lists.take() {
                    Some(lists) => lists,
                    None => build()?,
                };
                match Inline::new(lists) {
                    Ok(inline) => {
                        registry
                            .documents
                            .insert(digest, (None, 1, store_key.hash()));
                        Doc::Inline(inline)
                    }
                    Err(lists) => {
                        let set = Arc::new(CompiledPolicySet::from_lists(lists));
                        registry
                            .documents
                            .insert(digest, (Some(Arc::clone(&set)), 1, store_key.hash()));
                        Doc::shared(set)
                    }
                }
            }
        };
        let is_account = matches!(space, Space::Scp | Space::Rcp);
        let guard = self.map.guard();
        if is_account {
            // Counted before the entry is in place, so that a decision that can see the
            // entry also sees a non-zero count.
            self.accounts.fetch_add(1, Ordering::AcqRel);
        }
        // Writers are serialized (the registry's lock is held): the entry read here is the one
        // the insert replaces.
        let old = self
            .map
            .get(
                &Probe {
                    hash: store_key.hash(),
                    space,
                    key: key.as_bytes(),
                },
                &guard,
            )
            .map(|old| old.digest);
        self.map.insert(
            Held {
                key: store_key,
                doc,
                digest,
            },
            &guard,
        );
        match old {
            Some(old) => {
                registry.release(old);
                if is_account {
                    self.accounts.fetch_sub(1, Ordering::AcqRel);
                }
            }
            None => {
                if let Some(n) = registry.count(space) {
                    *n += 1;
                }
            }
        }
        Ok(())
    }

    /// Removes the entry `key` of `space`; whether it was there.
    fn remove(&self, space: Space, key: &str) -> bool {
        let mut registry = self.lock();
        let guard = self.map.guard();
        let probe = Probe {
            hash: key_hash(space, key.as_bytes()),
            space,
            key: key.as_bytes(),
        };
        // Writers are serialized (the registry's lock is held): the entry read here is the one
        // the removal takes out.
        let Some(old) = self.map.get(&probe, &guard).map(|old| old.digest) else {
            return false;
        };
        self.map.remove(&probe, &guard);
        registry.release(old);
        if let Some(n) = registry.count(space) {
            *n = n.saturating_sub(1);
        }
        if matches!(space, Space::Scp | Space::Rcp) {
            self.accounts.fetch_sub(1, Ordering::AcqRel);
        }
        true
    }
}

/// A session policy (the `Policy` and `PolicyArns` documents of `AssumeRole`,
/// `AssumeRoleWithWebIdentity`, `GetFederationToken`), compiled once for the session and
/// carried by its requests ([`PreparedRequest::with_session_policy`]). Cheap to clone (a
/// reference count).
#[derive(Clone, Debug)]
pub struct SessionPolicy(Arc<CompiledPolicySet>);

impl SessionPolicy {
    /// Compiles the session's policies (JSON texts; together they allow what any of them
    /// allows).
    ///
    /// # Errors
    ///
    /// [`StoreError::InvalidPolicy`] when a document does not parse as a session policy.
    pub fn new(policies: &[&str]) -> Result<Self, StoreError> {
        let mut lists = ListsBuilder::new();
        if !policies.is_empty() {
            lists.group(PolicyKind::Session, 0);
        }
        for (i, json) in policies.iter().enumerate() {
            add(&mut lists, json, PolicyType::Session, || {
                format!("session policy {i}")
            })?;
        }
        Ok(Self(Arc::new(CompiledPolicySet::from_lists(
            lists.finish(),
        ))))
    }

    /// The compiled policies.
    #[must_use]
    pub fn compiled(&self) -> &CompiledPolicySet {
        &self.0
    }
}

/// Where the store looks a request's policies up: the principal's key (none for callers that
/// cannot have stored policies), the resource (its space: a trust policy for the trust-policy
/// actions on a role), the caller's account (SCPs) and the resource's account
/// (RCPs), each with its [`key_hash`].
#[derive(Clone, Copy, Debug)]
struct Keys<'a> {
    principal: Option<(u64, &'a [u8])>,
    resource: (Space, u64, &'a [u8]),
    scp: Option<(u64, &'a [u8])>,
    rcp: Option<(u64, &'a [u8])>,
}

/// The space in which a request's resource policy is kept.
fn resource_space(request: &Request) -> Space {
    if request.resource_kind() == ResourceKind::RoleTrust {
        Space::Trust
    } else {
        Space::Resource
    }
}

impl<'a> Keys<'a> {
    /// The keys of a plain request (`buf` holds a rebuilt role key).
    fn of(request: &'a Request, buf: &'a mut [u8; ROLE_KEY_MAX]) -> Self {
        let space = resource_space(request);
        let resource = request.resource().as_bytes();
        let account = |space, text: Option<&'a str>| {
            text.map(|t| (key_hash(space, t.as_bytes()), t.as_bytes()))
        };
        Self {
            principal: caller_key(request.principal(), buf)
                .map(|k| (key_hash(Space::Principal, k.as_bytes()), k.as_bytes())),
            resource: (space, key_hash(space, resource), resource),
            scp: account(Space::Scp, request.principal_account()),
            rcp: account(Space::Rcp, request.resource_account()),
        }
    }
}

/// The key under which the caller's identity policies are stored: a user's ARN, a role's (or
/// a session's role's) ARN without path; `None` for other callers. A role ARN with a path is
/// rebuilt without it in `buf`.
fn caller_key<'a>(caller: &'a Caller, buf: &'a mut [u8; ROLE_KEY_MAX]) -> Option<&'a str> {
    match caller.view().store_key()? {
        CallerKey::Text => Some(caller.as_str()),
        CallerKey::RoleArn => caller.role_arn(),
        CallerKey::Pieces(pieces) => {
            let mut out = buf.as_mut_slice();
            for piece in pieces {
                out.write_all(piece.as_bytes()).ok()?;
            }
            let len = ROLE_KEY_MAX - out.len();
            std::str::from_utf8(buf.get(..len)?).ok()
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

/// A [`Request`] prepared for repeated, faster decisions, with the session policy of its
/// session if it has one; see the module docs.
///
/// ```
/// use iam_policy::PreparedRequest;
/// use iam_policy::{ContextValue, Request};
///
/// let request = Request::builder()
///     .principal("arn:aws:sts::111122223333:assumed-role/app/s1")
///     .action("secretsmanager:GetSecretValue")
///     .resource("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf")
///     .context_value("aws:SourceIp", ContextValue::string("10.1.2.3"))
///     .build()?;
/// let prepared = PreparedRequest::new(request);
/// assert_eq!(prepared.request().service(), "secretsmanager");
/// # Ok::<(), iam_policy::RequestError>(())
/// ```
#[derive(Clone)]
pub struct PreparedRequest {
    /// The request; for one prepared in a [`RequestBuffer`], its parts without the context
    /// (the context is only in `prepared`; [`Self::request`] puts the two together when
    /// asked).
    pub(super) request: Box<Request>,
    /// The whole request of one prepared in a [`RequestBuffer`], made when first asked for.
    pub(super) whole: OnceLock<Box<Request>>,
    /// Whether `request` lacks its context (prepared in a [`RequestBuffer`]).
    pub(super) buffered: bool,
    /// Every text a decision reads, in one arena, and the context index.
    pub(super) prepared: Prepared,
    /// The store key of the caller's identity policies (a range of the arena), with its hash.
    principal_key: Option<(u64, (u32, u32))>,
    /// Where the resource's policy is kept, and the hash of the resource in that space.
    resource_space: Space,
    resource_hash: u64,
    /// The hashes of the caller's account (SCPs) and the resource's account (RCPs).
    scp_hash: u64,
    rcp_hash: u64,
    /// The session policy of the caller's session.
    pub(super) session: Option<SessionPolicy>,
}

impl PreparedRequest {
    /// Prepares `request`.
    #[must_use]
    pub fn new(request: Request) -> Self {
        let mut prepared = Self::empty(request);
        let key_range = prepared.prepared.fill(&prepared.request, false);
        prepared.keys_of(key_range, None);
        prepared
    }

    /// A prepared request holding `request`, not yet prepared.
    pub(super) fn empty(request: Request) -> Self {
        Self {
            request: Box::new(request),
            whole: OnceLock::new(),
            buffered: false,
            prepared: Prepared::empty(),
            principal_key: None,
            resource_space: Space::Resource,
            resource_hash: 0,
            scp_hash: 0,
            rcp_hash: 0,
            session: None,
        }
    }

    /// Finishes a request whose context is already in `prepared` from its checked parts
    /// (the [`RequestBuffer`] path: written straight into the arena, no allocation once the
    /// buffers are long enough). `known` is what the buffer kept of an earlier request of the
    /// same caller (or another session of its role): see [`KnownKeys`](buffer::KnownKeys).
    fn finish(
        &mut self,
        checked: &Checked<'_>,
        lower: &ActionText<'_>,
        known: Option<&buffer::KnownKeys>,
    ) {
        let role = known.map(|k| k.session_role.as_str());
        let key_range = self.prepared.finish(checked, lower, None, true, role);
        // A resource in the caller's own account: its RCP key is the caller's account's.
        let same_account = checked.same_account();
        self.keys_of(
            key_range,
            known.map(|k| (k.principal, k.scp, same_account.then_some(k.rcp))),
        );
    }

    /// Sets where the store looks the request up (`key_range`: the caller's store key in the
    /// arena; `known`: the hashes of that key, of the caller's account and of the resource's
    /// account, when known).
    fn keys_of(
        &mut self,
        key_range: Option<(u32, u32)>,
        known: Option<(Option<u64>, u64, Option<u64>)>,
    ) {
        let p = &self.prepared;
        self.principal_key = key_range.map(|range| match known {
            Some((Some(hash), _, _)) => (hash, range),
            _ => (key_hash(Space::Principal, p.bytes(range)), range),
        });
        self.resource_space = if p.resource_kind == ResourceKind::RoleTrust {
            Space::Trust
        } else {
            Space::Resource
        };
        let account =
            |space, range: Option<(u32, u32)>| range.map_or(0, |r| key_hash(space, p.bytes(r)));
        self.resource_hash = key_hash(self.resource_space, p.bytes(p.resource));
        self.scp_hash = match known {
            Some((_, hash, _)) => hash,
            None => account(Space::Scp, p.principal_account),
        };
        self.rcp_hash = match known {
            Some((_, _, Some(hash))) => hash,
            _ => account(Space::Rcp, p.resource_account),
        };
    }

    /// The request decided with the session policy of the caller's session: what the
    /// session's policies do not allow is not allowed (unless a resource policy names the
    /// session itself).
    #[must_use]
    pub fn with_session_policy(mut self, session: SessionPolicy) -> Self {
        self.session = Some(session);
        self
    }

    /// Sets or clears the session policy.
    pub fn set_session_policy(&mut self, session: Option<SessionPolicy>) {
        self.session = session;
    }

    /// The session policy, if any.
    #[must_use]
    pub const fn session_policy(&self) -> Option<&SessionPolicy> {
        self.session.as_ref()
    }

    /// The request. For one prepared in a [`RequestBuffer`] it is made (and kept) when first
    /// asked for: the accessors below read the same parts without making it.
    #[must_use]
    pub fn request(&self) -> &Request {
        if self.buffered {
            self.whole.get_or_init(|| {
                let mut whole = Box::new(Request::empty());
                // The parts were checked when the request was prepared: the same texts pass
                // the same checks again.
                #[expect(
                    clippy::expect_used,
                    reason = "the parts passed these checks when the request was prepared"
                )]
                whole
                    .fill_core(&self.prepared.parts())
                    .expect("a prepared request's parts pass the checks again");
                let context = whole.context_mut();
                for (key, value) in self.prepared.entries() {
                    context.insert(key, value);
                }
                whole
            })
        } else {
            &self.request
        }
    }

    /// The request back.
    #[must_use]
    pub fn into_request(self) -> Request {
        if self.buffered {
            return self.request().clone();
        }
        *self.request
    }

    /// The resource: an ARN, or `*` (see [`Request::resource`]).
    #[must_use]
    pub fn resource(&self) -> &str {
        self.prepared.str_at(self.prepared.resource)
    }

    /// The action lower-cased (see [`Request::action_lower`]).
    #[must_use]
    pub fn action_lower(&self) -> &str {
        self.prepared.str_at(self.prepared.action)
    }

    /// The caller (see [`Request::principal`]).
    #[must_use]
    pub fn principal(&self) -> &Caller {
        self.request().principal()
    }

    /// The caller's account (see [`Request::principal_account`]).
    #[must_use]
    pub fn principal_account(&self) -> Option<&str> {
        self.prepared
            .principal_account
            .map(|r| self.prepared.str_at(r))
    }

    /// The resource's account (see [`Request::resource_account`]).
    #[must_use]
    pub fn resource_account(&self) -> Option<&str> {
        self.prepared
            .resource_account
            .map(|r| self.prepared.str_at(r))
    }

    /// Where the store looks it up.
    #[inline(always)]
    fn keys<'s>(&'s self, input: &Input<'s>) -> Keys<'s> {
        let p = &self.prepared;
        let account = |hash, range: Option<(u32, u32)>| range.map(|r| (hash, p.bytes(r)));
        Keys {
            principal: self
                .principal_key
                .map(|(hash, range)| (hash, p.bytes(range))),
            resource: (self.resource_space, self.resource_hash, input.resource()),
            scp: account(self.scp_hash, p.principal_account),
            rcp: account(self.rcp_hash, p.resource_account),
        }
    }

    /// How the engine reads it.
    #[inline(always)]
    pub(crate) fn input(&self) -> Input<'_> {
        // A request prepared from an owned `Request` reads whole values from its context.
        Input::prepared_from(
            &self.prepared,
            (!self.buffered).then(|| self.request.context()),
        )
    }

    /// The compiled session policy, for the plain sets' prepared path.
    pub(super) fn session_part(&self) -> &CompiledPolicySet {
        self.session.as_ref().map_or(&EMPTY, |s| &s.0)
    }
}

impl std::fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedRequest")
            .field("request", self.request())
            .field("session_policy", &self.session.is_some())
            .finish_non_exhaustive()
    }
}

impl From<Request> for PreparedRequest {
    fn from(request: Request) -> Self {
        Self::new(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, offset_of, size_of};

    /// A typical resource policy (two statements, a condition each) and smaller ones are held
    /// inline, and the kind and counts read back from the statements are the document's.
    #[test]
    fn small_documents_are_held_inline_with_their_counts() {
        let store = PolicyStore::new();
        let two = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow",
            "Principal":{"AWS":"arn:aws:iam::111122223333:role/app"},
            "Action":"secretsmanager:GetSecretValue","Resource":"*",
            "Condition":{"StringEquals":{"secretsmanager:VersionStage":"AWSCURRENT"}}},
            {"Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*",
            "Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
        let one = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*",
            "Action":"secretsmanager:*","Resource":"*"}}"#;
        let secret =
            |i: usize| format!("arn:aws:secretsmanager:us-east-1:111122223333:secret:s{i}");
        store.set_resource_policy(&secret(0), two).unwrap();
        store.set_resource_policy(&secret(1), one).unwrap();
        let guard = store.map.guard();
        for (i, statements, conditions) in [(0, 2, 2), (1, 1, 0)] {
            let key = secret(i);
            let probe = Probe {
                hash: key_hash(Space::Resource, key.as_bytes()),
                space: Space::Resource,
                key: key.as_bytes(),
            };
            let held = store.map.get(&probe, &guard).unwrap();
            let Doc::Inline(inline) = &held.doc else {
                panic!("{i} is not inline");
            };
            assert_eq!(
                inline.counts(),
                (PolicyKind::Resource, statements, conditions),
                "{i}"
            );
            let part = held.doc.part();
            assert_eq!(part.statements.len(), statements);
            assert_eq!(part.conditions.len(), conditions);
            assert_eq!(part.groups.len(), 1);
        }
    }

    /// A decision reads an entry's key, then an inline document's kind and counts,
    /// statements and conditions, in that order, from whole cache lines: the entry starts on
    /// a line, and the key and what a decision reads of two statements and two conditions end
    /// within four lines (the key is the first).
    #[test]
    fn an_inline_document_is_read_from_four_lines() {
        assert_eq!(align_of::<Held>(), 64);
        assert_eq!(size_of::<StoreKey>(), 64);
        assert_eq!(offset_of!(Held, key), 0);
        assert_eq!(offset_of!(Held, doc), size_of::<StoreKey>());
        assert_eq!(offset_of!(Inline, statements), 0);
        assert!(offset_of!(Inline, statements) < offset_of!(Inline, conditions));
        assert!(offset_of!(Inline, conditions) < offset_of!(Inline, labels));
        assert!(
            offset_of!(Held, doc) + offset_of!(Inline, labels) <= 4 * 64,
            "{}",
            offset_of!(Inline, labels)
        );
        assert!(offset_of!(Inline, shared) >= offset_of!(Inline, labels));
        // The variant of `Doc` is told by a niche of `Inline` (no tag word before it).
        assert_eq!(size_of::<Doc>(), size_of::<Inline>());
    }
}
