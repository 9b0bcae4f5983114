//! Authorization: the one place where the server meets the policy engine.
//!
//! [`Authorizer`] holds every policy in the library's live [`PolicyStore`]: the configured
//! principals' identity policies and boundaries, the roles' trust policies, each account's SCP
//! and RCP levels, and every secret's resource policy. A decision reads the store without a
//! lock and never waits for an update; a session's policy travels with its credentials and is
//! attached to the session's requests ([`SessionPolicy`]). The configuration (principals,
//! access keys, tags) is swapped whole on reload, so a request sees the old or the new one.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use arc_swap::{ArcSwap, Guard};
use iam_policy::{
    CompiledPolicySet, ContextKey, Decision, Evaluation, Gate, Policy, PolicyKind, PolicyStore,
    PolicyType, PreparedRequest, SessionPolicy, StatementRef, parse_policy,
};

use crate::config::Config;
use crate::error::ApiError;

/// A decision remembered for a caller's later calls with the same inputs (see
/// [`Authorizer::cached`]): what the call answers and writes in its audit record.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The decision.
    pub decision: Decision,
    /// The deciding statements, as the audit line's JSON objects separated by commas (`None`:
    /// none), shared by the outcomes of consecutive decisions with the same statements (most
    /// of a caller's calls are allowed by the same few) and by the audit records of the calls
    /// that find the outcome.
    pub statements: Option<Arc<str>>,
    /// `AccessDeniedException`'s message when denied (shared, so that a hit copies no text).
    pub denial: Option<Arc<str>>,
}

/// An entry's weight in the decision cache: its bytes (its statements counted in full even
/// when shared, so the budget bounds the memory from above), plus an estimate of the cache's
/// and the allocator's overhead per entry.
#[derive(Clone, Copy, Debug)]
struct OutcomeWeight;

impl quick_cache::Weighter<DecisionKey, Outcome> for OutcomeWeight {
    fn weight(&self, key: &DecisionKey, outcome: &Outcome) -> u64 {
        let bytes = key.bytes.len()
            + outcome.statements.as_ref().map_or(0, |s| s.len())
            + outcome.denial.as_ref().map_or(0, |d| d.len())
            + DECISION_CACHE_OVERHEAD;
        u64::try_from(bytes).unwrap_or(u64::MAX)
    }
}

/// The cache's and the allocator's bytes per decision cached beyond its key and text (the
/// key's and the message's allocations, the shared texts' `Arc` headers, the cache's slot with
/// the outcome in it), as [`OutcomeWeight`] counts them.
const DECISION_CACHE_OVERHEAD: usize = 128;

/// The decision cache's default budget in bytes (keys, statements, messages and overhead).
pub const DEFAULT_DECISION_CACHE_BYTES: u64 = 32 << 20;

/// The most decisions the cache is sized for ahead of time (one per 512 bytes of its budget,
/// up to this: a larger budget's cache grows past it as it fills).
const MAX_RESERVED_DECISIONS: usize = 1 << 18;

/// The outcome is kept in the cache's own entry (not behind an `Arc` of its own): a hit reads
/// one line fewer and writes no reference count of the entry's. Keys are hashed by the call
/// that writes them ([`DecisionKeyRef::new`]), the cache takes that hash as it is.
type DecisionCache = quick_cache::sync::Cache<
    DecisionKey,
    Outcome,
    OutcomeWeight,
    KeyHashed,
    quick_cache::sync::DefaultLifecycle<DecisionKey, Outcome>,
>;

/// A decision cache key (see [`Authorizer::cached`]): a call's inputs as bytes, with their
/// hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionKey {
    hash: u64,
    bytes: Box<[u8]>,
}

impl std::hash::Hash for DecisionKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// A decision cache key being looked up: the bytes a call wrote, hashed once.
#[derive(Clone, Copy, Debug)]
pub struct DecisionKeyRef<'k> {
    hash: u64,
    bytes: &'k [u8],
}

impl<'k> DecisionKeyRef<'k> {
    /// `bytes`, hashed with the process's seed ([`word_hash`]: inlined, a few instructions
    /// per eight bytes, no call out of line on a cache hit's path).
    #[inline]
    pub fn new(bytes: &'k [u8]) -> Self {
        Self {
            hash: finish_hash(word_hash(*DECISION_KEY_SEED, bytes, 0)),
            bytes,
        }
    }
}

impl std::hash::Hash for DecisionKeyRef<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl quick_cache::Equivalent<DecisionKey> for DecisionKeyRef<'_> {
    #[inline]
    fn equivalent(&self, key: &DecisionKey) -> bool {
        self.hash == key.hash && *self.bytes == *key.bytes
    }
}

/// The seed of the decision cache keys' hashes, random per process (so that nobody can pick
/// secret names whose calls' keys all fall in one place of the cache).
static DECISION_KEY_SEED: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
    use std::hash::BuildHasher;
    std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64)
});

/// The decision cache's hasher: the keys' own hash, as they give it ([`DecisionKey`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct KeyHashed;

impl std::hash::BuildHasher for KeyHashed {
    type Hasher = TakenHash;
    fn build_hasher(&self) -> TakenHash {
        TakenHash(0)
    }
}

/// See [`KeyHashed`].
#[derive(Clone, Copy, Debug)]
pub struct TakenHash(u64);

impl std::hash::Hasher for TakenHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Not used by the keys (they write one `u64`); hashes anything else all the same.
        self.0 = finish_hash(word_hash(self.0, bytes, 0));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

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
    /// What every call of this caller reuses (see [`Authorizer::caller`]).
    pub template: TemplateSlot,
}

/// Where an [`Identity`] keeps its [`CallerTemplate`], replaced when the keys the policies
/// read or the configuration change, and the identity's number (unique in the process, so
/// that a thread's [`KeptTemplate`] knows whose template it holds). A copy of an identity
/// starts with none and a number of its own.
pub struct TemplateSlot(ArcSwap<CallerTemplate>, u64);

/// The number of the next [`TemplateSlot`], [`CallerTemplate`] and [`Authorizer`].
static SLOTS: AtomicU64 = AtomicU64::new(0);
static TEMPLATES: AtomicU64 = AtomicU64::new(0);
static AUTHORIZERS: AtomicU64 = AtomicU64::new(0);

impl Default for TemplateSlot {
    fn default() -> Self {
        Self(
            ArcSwap::from_pointee(CallerTemplate::stale()),
            SLOTS.fetch_add(1, Ordering::Relaxed),
        )
    }
}

/// A worker thread's copy of the template it used last, with the numbers of the authorizer
/// that made it and of the identity it belongs to (see [`Authorizer::caller_kept`]): a
/// caller's next call on the same thread finds it without loading the identity's
/// [`TemplateSlot`].
#[derive(Debug, Default)]
pub struct KeptTemplate(Option<((u64, u64), Arc<CallerTemplate>)>);

impl Clone for TemplateSlot {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl std::fmt::Debug for TemplateSlot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TemplateSlot(..)")
    }
}

/// A condition key every call of a caller carries with the same value: a principal tag,
/// `aws:userid`, `aws:username` or `aws:PrincipalArn`.
#[derive(Debug)]
pub struct CallerKey {
    /// Its bit in [`GLOBAL_KEYS`], or `None` for a principal tag.
    pub global: Option<usize>,
    /// The name as the server sets it (`aws:PrincipalTag/team`).
    pub name: String,
    /// The same, made once for the request buffer.
    pub key: ContextKey,
    /// Its value.
    pub value: String,
    /// Whether a loaded policy reads it (as of the template's [`KeysRead`]).
    pub read: bool,
}

/// What every call of one caller reuses, made on its first call after the keys the policies
/// read or the configuration changed ([`Authorizer::caller`]): its condition keys (named,
/// valued and filtered once), the keys read it was filtered with, and the rendered statements
/// of its identity policies, boundary and account's SCPs (looked up once).
#[derive(Debug)]
pub struct CallerTemplate {
    /// Unique among the templates the process made (the decision cache's keys start with
    /// it, so a new template never meets an old one's decisions; a thread's kept deciding
    /// statements are told apart by it, whichever authorizer made them).
    id: u64,
    /// Whether its calls' decisions may be cached: no loaded policy reads `aws:CurrentTime`
    /// or `aws:EpochTime` (a cached decision would be keyed by the second) and the keys read
    /// are told apart (see [`Authorizer::cached`]).
    cacheable: bool,
    /// The [`Authorizer::keys_read`] generation and configuration generation it was made in
    /// (`u64::MAX`: never made).
    keys_generation: u64,
    principals_generation: u64,
    /// The keys the loaded policies read, of generation `keys_generation` or later.
    pub keys_read: Arc<KeysRead>,
    /// The caller's keys, in the order a call sets them.
    pub keys: Vec<CallerKey>,
    /// The bytes of their names and values.
    pub keys_bytes: usize,
    /// The rendered statements of the caller's identity policies and boundary.
    rows: Option<Arc<Rows>>,
    /// The caller's account and its rendered SCP and RCP statements.
    account: String,
    account_rows: Option<Arc<(Rows, Rows)>>,
}

impl CallerTemplate {
    /// A template no call uses (its generations are never current).
    fn stale() -> Self {
        Self {
            id: u64::MAX,
            cacheable: false,
            keys_generation: u64::MAX,
            principals_generation: u64::MAX,
            keys_read: Arc::default(),
            keys: Vec::new(),
            keys_bytes: 0,
            rows: None,
            account: String::new(),
            account_rows: None,
        }
    }

    /// The [`Authorizer::keys_read`] generation the template's keys were filtered in.
    pub const fn keys_generation(&self) -> u64 {
        self.keys_generation
    }

    /// Its unique number (see [`Authorizer::cached`]).
    pub const fn id(&self) -> u64 {
        self.id
    }

    /// Whether its calls' decisions may be cached (see [`Authorizer::cached`]).
    pub const fn cacheable(&self) -> bool {
        self.cacheable
    }
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

/// The audit line's JSON objects of the statements of one principal's identity policies and
/// boundary, or of one account's SCPs or RCPs, rendered when the configuration is loaded
/// (sorted by reference), so that naming a decision's statements is a lookup.
pub type Rows = Vec<(StatementRef, Box<str>)>;

/// The configuration with its access keys and its statements' audit names, swapped whole.
#[derive(Debug)]
struct Principals {
    config: Arc<Config>,
    keys: HashMap<String, KeyEntry>,
    /// By user or role ARN (as configured).
    principal_rows: HashMap<String, Arc<Rows>>,
    /// By account: SCP levels, then RCP levels.
    account_rows: HashMap<String, Arc<(Rows, Rows)>>,
}

impl Principals {
    /// The principals of `config`, whose policies `store` already holds.
    fn new(config: Config, store: &PolicyStore) -> Self {
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
                            template: TemplateSlot::default(),
                        }),
                    },
                );
            }
        }
        let mut principal_rows = HashMap::new();
        let principals = config
            .users
            .iter()
            .map(|u| (&u.arn, &u.policies, &u.boundary))
            .chain(
                config
                    .roles
                    .iter()
                    .map(|r| (&r.arn, &r.policies, &r.boundary)),
            );
        for (arn, policies, boundary) in principals {
            let Some(set) = store.principal_policies(arn) else {
                continue;
            };
            let mut rows = Rows::new();
            for (i, p) in policies.iter().enumerate() {
                render_policy(&set, PolicyKind::Identity, 0, i, &p.origin, &mut rows);
            }
            if let Some(b) = boundary {
                render_policy(
                    &set,
                    PolicyKind::PermissionsBoundary,
                    0,
                    0,
                    &b.origin,
                    &mut rows,
                );
            }
            rows.sort_by_key(|(r, _)| *r);
            principal_rows.insert(arn.clone(), Arc::new(rows));
        }
        let mut account_rows = HashMap::new();
        for (account, a) in &config.accounts {
            let (scps, rcps) = store.account_policies(account);
            let mut both = (Rows::new(), Rows::new());
            for (kind, set, levels, rows) in [
                (PolicyKind::Scp, scps, &a.scps, &mut both.0),
                (PolicyKind::Rcp, rcps, &a.rcps, &mut both.1),
            ] {
                let Some(set) = set else { continue };
                for (level, list) in levels.iter().enumerate() {
                    let Ok(level) = u16::try_from(level) else {
                        break;
                    };
                    for (i, p) in list.iter().enumerate() {
                        render_policy(&set, kind, level, i, &p.origin, rows);
                    }
                }
                rows.sort_by_key(|(r, _)| *r);
            }
            account_rows.insert(account.clone(), Arc::new(both));
        }
        Self {
            config: Arc::new(config),
            keys,
            principal_rows,
            account_rows,
        }
    }
}

/// Renders every statement of policy `index` (of `kind`, at `level`) in `set`.
fn render_policy(
    set: &CompiledPolicySet,
    kind: PolicyKind,
    level: u16,
    index: usize,
    label: &str,
    rows: &mut Rows,
) {
    let Ok(policy) = u32::try_from(index) else {
        return;
    };
    for statement in 0.. {
        let r = StatementRef {
            kind,
            level,
            policy,
            statement,
        };
        if set.statement(r).is_none() {
            break;
        }
        rows.push((r, render(&describe(set, r, label.to_owned())).into()));
    }
}

/// A deciding statement as the audit line's JSON object.
fn render(deciding: &Deciding) -> String {
    // A struct of strings always serializes.
    serde_json::to_string(deciding).unwrap_or_default()
}

/// The rendered statement `r` in `rows`.
fn row(rows: &Rows, r: StatementRef) -> Option<&str> {
    let i = rows.binary_search_by_key(&r, |(at, _)| *at).ok()?;
    rows.get(i).map(|(_, text)| &**text)
}

/// The global condition keys every call carries, in the order [`crate::call`] sets them; a
/// key's index is its bit in [`KeysRead::global`].
pub const GLOBAL_KEYS: [&str; 8] = [
    "aws:SourceIp",
    "aws:SecureTransport",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:RequestedRegion",
    "aws:userid",
    "aws:username",
    "aws:PrincipalArn",
];

/// The prefix of the principal tag keys.
pub const PRINCIPAL_TAG: &str = "aws:PrincipalTag/";

/// Beyond this many distinct keys read, [`KeysRead`] stops telling keys apart and every key
/// is set (a bound on what policies put by API can make the server keep).
const MAX_KEYS_READ: usize = 4096;

/// The condition keys that the policies the server has loaded can read
/// ([`Policy::context_keys`]: condition keys and policy variables), so that a call sets only
/// those: a key no policy of a decision reads cannot change it (absent or present, it is never
/// looked up). Grown, never shrunk, as policies arrive (configuration, resource policies,
/// session policies), and published before the policies themselves (see
/// [`Authorizer::keys_read`]).
#[derive(Clone, Debug, Default)]
pub struct KeysRead {
    /// Every key is read (too many to track).
    all: bool,
    /// Bit `i`: [`GLOBAL_KEYS`]`[i]` is read.
    global: u16,
    /// [`key_hash`] of every key read, sorted, each with the key (lower-cased) made once for
    /// the request buffer. Keys of one hash are told apart by their names.
    keys: Vec<(u64, ContextKey)>,
    /// Bit `n % 64` for every length `n` of a key read: a key of another length is not read,
    /// which most keys a call carries are told without hashing them.
    lengths: u64,
}

/// Whether and how a call sets a key ([`KeysRead::lookup`]).
#[derive(Clone, Copy, Debug)]
pub enum Lookup<'k> {
    /// No loaded policy reads it: leave it out.
    NotRead,
    /// A policy reads it: set it under this key.
    Read(&'k ContextKey),
    /// Every key is set (the policies read too many keys to track).
    Every,
}

impl KeysRead {
    /// Whether a policy reads [`GLOBAL_KEYS`]`[bit]`.
    #[inline]
    pub fn global(&self, bit: usize) -> bool {
        self.all || self.global & (1 << bit) != 0
    }

    /// Whether a policy reads the key `prefix` + `rest` (any case): a key up to its first `/`
    /// included (`aws:PrincipalTag/`) and the rest, or a whole key without `/` and `""`.
    #[inline]
    pub fn lookup(&self, prefix: &str, rest: &str) -> Lookup<'_> {
        if self.all {
            return Lookup::Every;
        }
        if self.lengths & length_bit(prefix.len() + rest.len()) == 0 {
            return Lookup::NotRead;
        }
        let hash = key_hash(prefix, rest);
        let from = self.keys.partition_point(|(h, _)| *h < hash);
        for (h, key) in self.keys.get(from..).unwrap_or_default() {
            if *h != hash {
                break;
            }
            let name = key.as_str().as_bytes();
            if name.len() == prefix.len() + rest.len() {
                let (a, b) = name.split_at(prefix.len());
                if a.eq_ignore_ascii_case(prefix.as_bytes())
                    && b.eq_ignore_ascii_case(rest.as_bytes())
                {
                    return Lookup::Read(key);
                }
            }
        }
        Lookup::NotRead
    }

    /// [`lookup`](Self::lookup) of a whole key (any case).
    pub fn lookup_key(&self, key: &str) -> Lookup<'_> {
        if !self.all && self.lengths & length_bit(key.len()) == 0 {
            return Lookup::NotRead;
        }
        let (prefix, rest) = split_key(key);
        self.lookup(prefix, rest)
    }

    /// Whether a policy reads the key `prefix` + `rest` (see [`lookup`](Self::lookup)).
    pub fn reads(&self, prefix: &str, rest: &str) -> bool {
        !matches!(self.lookup(prefix, rest), Lookup::NotRead)
    }

    /// Whether a policy reads `key` (any case).
    pub fn reads_key(&self, key: &str) -> bool {
        !matches!(self.lookup_key(key), Lookup::NotRead)
    }

    /// These keys and `keys` (lower-cased); `None` when nothing is new.
    fn with<'k>(&self, keys: impl Iterator<Item = &'k str>) -> Option<Self> {
        if self.all {
            return None;
        }
        let mut added: Vec<(u64, ContextKey)> = keys
            .filter(|k| !self.reads_key(k))
            .map(|k| (whole_key_hash(k), ContextKey::new(k)))
            .collect();
        if added.is_empty() {
            return None;
        }
        let mut next = self.clone();
        next.keys.append(&mut added);
        next.keys
            .sort_unstable_by(|(h, a), (g, b)| h.cmp(g).then_with(|| a.as_str().cmp(b.as_str())));
        next.keys.dedup_by(|(_, a), (_, b)| a == b);
        if next.keys.len() > MAX_KEYS_READ {
            next.all = true;
            next.keys = Vec::new();
        }
        next.lengths = next
            .keys
            .iter()
            .fold(0, |bits, (_, k)| bits | length_bit(k.as_str().len()));
        next.global = 0;
        for (bit, key) in GLOBAL_KEYS.iter().enumerate() {
            if next.reads_key(key) {
                next.global |= 1 << bit;
            }
        }
        Some(next)
    }
}

/// A key length's bit in [`KeysRead::lengths`].
const fn length_bit(len: usize) -> u64 {
    1 << (len % 64)
}

/// A key split after its first `/` (`aws:PrincipalTag/` and `team`), or whole and `""`.
fn split_key(key: &str) -> (&str, &str) {
    match key.find('/') {
        Some(at) => key.split_at(at + 1),
        None => (key, ""),
    }
}

/// A hash of the key `prefix` + `rest` that ignores ASCII case (condition keys are
/// case-insensitive), where `prefix` is the key up to its first `/` included (the prefix of a
/// tag key: `aws:PrincipalTag/`) or the whole key. Every byte is read with bit 5 set, which
/// lower-cases ASCII letters (and confuses a few other bytes: that only makes a key look read,
/// which changes nothing); eight bytes at a time.
#[inline]
fn key_hash(prefix: &str, rest: &str) -> u64 {
    const LOWER: u64 = 0x2020_2020_2020_2020;
    word_hash(
        word_hash(0, prefix.as_bytes(), LOWER),
        rest.as_bytes(),
        LOWER,
    )
}

/// Continues hash `h` with `bytes`, eight at a time, each word or-ed with `fold` first
/// ([`key_hash`] sets bit 5 of every byte; the decision cache keys take them as they are),
/// then their length. A multiply-rotate step per word: compact code, inlined where it is
/// used.
#[inline]
fn word_hash(mut h: u64, bytes: &[u8], fold: u64) -> u64 {
    let mut words = bytes.chunks_exact(8);
    for word in words.by_ref() {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        h = (h.rotate_left(5) ^ (u64::from_le_bytes(w) | fold)).wrapping_mul(WORD_HASH_K);
    }
    let tail = words.remainder();
    let mut w = [0u8; 8];
    if let Some(dst) = w.get_mut(..tail.len()) {
        dst.copy_from_slice(tail);
    }
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    h = (h.rotate_left(5) ^ (u64::from_le_bytes(w) | fold)).wrapping_mul(WORD_HASH_K);
    (h.rotate_left(5) ^ len).wrapping_mul(WORD_HASH_K)
}

/// [`word_hash`]'s multiplier.
const WORD_HASH_K: u64 = 0x517c_c1b7_2722_0a95;

/// Mixes the high bits of a [`word_hash`] into its low ones (a multiplication leaves the
/// low bits depending on the low bits of its input only; a hash table indexes by them).
#[inline]
const fn finish_hash(h: u64) -> u64 {
    (h ^ (h >> 32)).wrapping_mul(WORD_HASH_K) ^ (h >> 29)
}

/// The hash of a whole key as [`key_hash`] takes it: split after its first `/`.
fn whole_key_hash(key: &str) -> u64 {
    let (prefix, rest) = split_key(key);
    key_hash(prefix, rest)
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
    /// The keys the loaded policies read, and its generation (bumped on every change).
    keys_read: ArcSwap<KeysRead>,
    keys_generation: AtomicU64,
    /// Serializes changes of `keys_read`.
    keys_writer: Mutex<()>,
    /// Bumped after every change of `principals` (see [`Authorizer::caller`]).
    principals_generation: AtomicU64,
    /// Bumped after every change of the policies in `store` (see [`Authorizer::cached`]).
    policies_generation: AtomicU64,
    /// Unique in the process (see [`KeptTemplate`]).
    number: u64,
    /// Decisions remembered by their exact inputs (`None`: switched off).
    decisions: Option<DecisionCache>,
    /// Lookups in `decisions` that found a decision, and that did not.
    cache_hits: AtomicU64,
    cache_misses: AtomicU64,
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

/// Every policy of `config`: identity policies, boundaries, trust policies, SCPs, RCPs.
fn config_policies(config: &Config) -> impl Iterator<Item = &Policy> + '_ {
    let users = config
        .users
        .iter()
        .flat_map(|u| u.policies.iter().chain(&u.boundary));
    let roles = config.roles.iter().flat_map(|r| {
        r.policies
            .iter()
            .chain(&r.boundary)
            .chain(std::iter::once(&r.trust))
    });
    let accounts = config
        .accounts
        .values()
        .flat_map(|a| a.scps.iter().chain(&a.rcps).flatten());
    users.chain(roles).chain(accounts).map(|p| &p.policy)
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
        let keys_read = KeysRead::default()
            .with(config_policies(&config).flat_map(Policy::context_keys))
            .unwrap_or_default();
        load_config(&store, &config)?;
        let principals = Principals::new(config, &store);
        let authz = Self {
            store,
            principals: ArcSwap::from_pointee(principals),
            reloading: std::sync::Mutex::new(()),
            sessions: RwLock::new(HashMap::new()),
            keys_read: ArcSwap::from_pointee(keys_read),
            keys_generation: AtomicU64::new(0),
            keys_writer: Mutex::new(()),
            principals_generation: AtomicU64::new(0),
            policies_generation: AtomicU64::new(0),
            number: AUTHORIZERS.fetch_add(1, Ordering::Relaxed),
            decisions: None,
            cache_hits: AtomicU64::new(0),
            cache_misses: AtomicU64::new(0),
        }
        .with_decision_cache(DEFAULT_DECISION_CACHE_BYTES);
        for (arn, text) in resource_policies {
            authz.read_keys_of(&text, PolicyType::Resource);
            authz
                .store
                .set_resource_policy(&arn, &text)
                .map_err(|e| ApiError::internal(format!("stored policy of {arn}: {e}")))?;
        }
        Ok(authz)
    }

    /// Adds the keys `policies` read to [`KeysRead`] (and bumps its generation), before the
    /// caller stores them.
    fn read_keys<'p>(&self, policies: impl Iterator<Item = &'p Policy>) {
        // The guard serializes writers only; the value behind it is `()`.
        let _writer = self
            .keys_writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(next) = self
            .keys_read
            .load()
            .with(policies.flat_map(Policy::context_keys))
        {
            self.keys_read.store(Arc::new(next));
            // Published before the policies are stored: see `keys_read`.
            self.keys_generation.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Adds the keys policy `text` (of type `ty`) reads, if it parses (if it does not, the store
    /// refuses it: it parses policies with the same function).
    fn read_keys_of(&self, text: &str, ty: PolicyType) {
        if let Ok(policy) = parse_policy(text, ty) {
            self.read_keys(std::iter::once(&policy));
        }
    }

    /// The condition keys the loaded policies read, and the generation they belong to.
    ///
    /// A decision made on a request holding (at least) these keys is the decision on the
    /// request with every key if [`keys_generation`](Self::keys_generation) is still this
    /// generation after the decision: the keys of every policy are published, and the
    /// generation bumped, before the policy is stored, so a decision that read a policy whose
    /// keys were not in the set it was given sees a later generation.
    pub fn keys_read(&self) -> (u64, arc_swap::Guard<Arc<KeysRead>>) {
        let generation = self.keys_generation.load(Ordering::SeqCst);
        (generation, self.keys_read.load())
    }

    /// Makes every call set every condition key it knows, whether or not a policy reads it
    /// (what the tests compare the filtered decisions with).
    pub fn read_every_key(&self) {
        let _writer = self
            .keys_writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.keys_read.store(Arc::new(KeysRead {
            all: true,
            ..KeysRead::default()
        }));
        self.keys_generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The generation of [`keys_read`](Self::keys_read) now.
    pub fn keys_generation(&self) -> u64 {
        self.keys_generation.load(Ordering::SeqCst)
    }

    /// Compiles a role session's policy, its keys added to [`keys_read`](Self::keys_read)
    /// first.
    ///
    /// # Errors
    ///
    /// When the policy does not parse as a session policy.
    pub fn session_policy(&self, text: &str) -> Result<SessionPolicy, iam_policy::StoreError> {
        self.read_keys_of(text, PolicyType::Session);
        SessionPolicy::new(&[text])
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
        self.read_keys(config_policies(&config));
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
        self.principals
            .store(Arc::new(Principals::new(config, &self.store)));
        // After the store: a template made in the new generation holds the new rows.
        self.principals_generation.fetch_add(1, Ordering::SeqCst);
        self.policies_generation.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    /// Sets (or with `None` removes) the resource policy of secret `arn`.
    ///
    /// # Errors
    ///
    /// `MalformedPolicyDocumentException` when the policy does not parse.
    pub fn set_resource_policy(&self, arn: &str, text: Option<&str>) -> Result<(), ApiError> {
        let result = match text {
            Some(t) => {
                self.read_keys_of(t, PolicyType::Resource);
                self.store.set_resource_policy(arn, t).map_err(|e| {
                    ApiError::new("MalformedPolicyDocumentException", 400, e.to_string())
                })
            }
            None => {
                self.store.remove_resource_policy(arn);
                Ok(())
            }
        };
        // After the store (see `cached`); a refused policy changed nothing, but a bump costs
        // only the decisions cached so far.
        self.policies_generation.fetch_add(1, Ordering::SeqCst);
        result
    }

    /// The same authorizer with a decision cache of at most `bytes` (0: none).
    #[must_use]
    pub fn with_decision_cache(mut self, bytes: u64) -> Self {
        self.set_decision_cache(bytes);
        self
    }

    /// Replaces the decision cache with an empty one of at most `bytes` (0: none).
    pub fn set_decision_cache(&mut self, bytes: u64) {
        self.decisions = (bytes > 0).then(|| {
            let items = usize::try_from(bytes / 512).unwrap_or(usize::MAX).max(16);
            let cache = DecisionCache::with(
                items,
                bytes,
                OutcomeWeight,
                KeyHashed,
                quick_cache::sync::DefaultLifecycle::default(),
            );
            // Sized once for the decisions the budget holds: an insert never grows a shard's
            // table or slab (a rehash and a copy of the shard, paid by some call's first
            // read). The slab's memory is reserved, not touched, until entries fill it.
            cache.reserve(items.min(MAX_RESERVED_DECISIONS));
            cache
        });
    }

    /// The generation of the policies in the store: bumped after every change of any of them
    /// (a resource policy, a reload), read by a call before it decides (see
    /// [`cached`](Self::cached)).
    pub fn policies_generation(&self) -> u64 {
        self.policies_generation.load(Ordering::SeqCst)
    }

    /// Whether decisions are cached.
    pub const fn caches_decisions(&self) -> bool {
        self.decisions.is_some()
    }

    /// The decision remembered under `key`, if any.
    ///
    /// A call's key holds everything its decision reads besides the policies: its caller
    /// template's [`id`](CallerTemplate::id) (the caller: principal, session policy, its own
    /// keys; the keys read and configuration generations), then the
    /// [`policies_generation`](Self::policies_generation) read before deciding, the action,
    /// the resource, the global keys the call sets and every key the handler gave (read by a
    /// policy or not: those the request gets are a function of them and the template's keys
    /// read) with their values. The policies
    /// themselves are the generation's: a change is stored, then the generation bumped, so a
    /// call that starts after a change returned reads a later generation and never meets a
    /// decision made before it (a call running while the change is made may see the old or
    /// the new policies, as without the cache). A decision is remembered only when it was
    /// made with the template's filtered keys in its keys generation (the request with every
    /// key was far from every context limit, and no policy reads the time keys), so that the
    /// same key means the same decision.
    #[inline]
    pub fn cached(&self, key: DecisionKeyRef<'_>) -> Option<Outcome> {
        let found = self.decisions.as_ref()?.get(&key);
        let counter = if found.is_some() {
            &self.cache_hits
        } else {
            &self.cache_misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Remembers `outcome` under `key` (see [`cached`](Self::cached)).
    pub fn remember(&self, key: DecisionKeyRef<'_>, outcome: Outcome) {
        if let Some(cache) = &self.decisions {
            cache.insert(
                DecisionKey {
                    hash: key.hash,
                    bytes: key.bytes.into(),
                },
                outcome,
            );
        }
    }

    /// Decision cache lookups so far: hits and misses.
    pub fn decision_cache_counts(&self) -> (u64, u64) {
        (
            self.cache_hits.load(Ordering::Relaxed),
            self.cache_misses.load(Ordering::Relaxed),
        )
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

    /// The template of `caller`'s calls: the one it keeps if it was made with the keys the
    /// policies read now and the current configuration, else a new one (kept for its next
    /// calls). Its [`CallerTemplate::keys_generation`] is the generation the decision must
    /// still be in afterwards (see [`keys_read`](Self::keys_read)).
    pub fn caller(&self, caller: &Identity) -> Guard<Arc<CallerTemplate>> {
        // The generations are read before what they cover (both are bumped after a change is
        // published): a template is never newer than the generations it is marked with.
        let keys_generation = self.keys_generation.load(Ordering::SeqCst);
        let principals_generation = self.principals_generation.load(Ordering::SeqCst);
        let kept = caller.template.0.load();
        if kept.keys_generation == keys_generation
            && kept.principals_generation == principals_generation
        {
            return kept;
        }
        let made = Arc::new(self.make_template(caller, keys_generation, principals_generation));
        caller.template.0.store(Arc::clone(&made));
        Guard::from_inner(made)
    }

    /// [`caller`](Self::caller), through the thread's copy of the template it used last:
    /// that one when it is `caller`'s and was made with the keys the policies read now and
    /// the current configuration (the same test as the identity's own slot), else the
    /// identity's (made if need be), then kept. The identity's and the authorizer's numbers
    /// tell callers apart (an identity's address could be another's after it is dropped, and
    /// the generations are the authorizer's), and templates are
    /// shared through the identity's slot, so that the threads' calls share decision cache
    /// keys.
    #[inline]
    pub fn caller_kept<'k>(
        &self,
        caller: &Identity,
        kept: &'k mut KeptTemplate,
    ) -> &'k CallerTemplate {
        // Read before the template, as in `caller`.
        let keys_generation = self.keys_generation.load(Ordering::SeqCst);
        let principals_generation = self.principals_generation.load(Ordering::SeqCst);
        let serial = (self.number, caller.template.1);
        let fresh = kept.0.as_ref().is_some_and(|(s, t)| {
            *s == serial
                && t.keys_generation == keys_generation
                && t.principals_generation == principals_generation
        });
        if !fresh {
            kept.0 = None;
        }
        &kept
            .0
            .get_or_insert_with(|| (serial, self.caller_arc(caller)))
            .1
    }

    /// [`caller`](Self::caller) as an `Arc` (out of line: a thread's first call of a
    /// caller, or the first after a change).
    #[cold]
    #[inline(never)]
    fn caller_arc(&self, caller: &Identity) -> Arc<CallerTemplate> {
        Guard::into_inner(self.caller(caller))
    }

    fn make_template(
        &self,
        caller: &Identity,
        keys_generation: u64,
        principals_generation: u64,
    ) -> CallerTemplate {
        let keys_read = self.keys_read.load_full();
        let principals = self.principals.load();
        let mut keys = Vec::new();
        for (k, v) in &caller.tags {
            keys.push(CallerKey {
                global: None,
                name: format!("{PRINCIPAL_TAG}{k}"),
                key: ContextKey::new(&format!("{PRINCIPAL_TAG}{k}")),
                value: v.clone(),
                read: keys_read.reads(PRINCIPAL_TAG, k),
            });
        }
        let globals = [
            (5, Some(&caller.user_id)),
            (6, caller.username.as_ref()),
            (7, Some(&caller.principal_arn)),
        ];
        for (bit, value) in globals {
            let (Some(name), Some(value)) = (GLOBAL_KEYS.get(bit), value) else {
                continue;
            };
            keys.push(CallerKey {
                global: Some(bit),
                name: (*name).to_owned(),
                key: ContextKey::new(name),
                value: value.clone(),
                read: keys_read.global(bit),
            });
        }
        CallerTemplate {
            id: TEMPLATES.fetch_add(1, Ordering::Relaxed),
            // `global` is true for every key when the keys read are not told apart.
            cacheable: !keys_read.global(2) && !keys_read.global(3),
            keys_generation,
            principals_generation,
            keys_read,
            keys_bytes: keys.iter().map(|k| k.name.len() + k.value.len()).sum(),
            keys,
            rows: principals
                .principal_rows
                .get(&caller.principal_arn)
                .cloned(),
            account: caller.account.clone(),
            account_rows: principals.account_rows.get(&caller.account).cloned(),
        }
    }

    /// Decides a request prepared (with the caller's session policy, if any) in a
    /// [`RequestBuffer`](iam_policy::RequestBuffer).
    pub fn decide_prepared(&self, prepared: &PreparedRequest) -> Evaluation {
        self.store.evaluate_prepared(prepared)
    }

    /// Appends the statements behind `evaluation` to `out` as the audit line's JSON objects,
    /// separated by commas (after what `out` holds, without a comma before the first). Those of the caller's identity policies and boundary and of the
    /// accounts' SCPs and RCPs were rendered when the configuration was loaded; the others
    /// (resource, trust and session policies) are named now.
    pub fn write_deciding(
        &self,
        caller: &Identity,
        template: &CallerTemplate,
        request: &PreparedRequest,
        evaluation: &Evaluation,
        out: &mut String,
    ) {
        // The configuration is loaded only for a statement not rendered ahead of time.
        let mut principals = None;
        let mut first = true;
        for r in evaluation.reasons() {
            let account = match r.kind {
                PolicyKind::Scp => request.principal_account(),
                PolicyKind::Rcp => request.resource_account(),
                _ => None,
            };
            let accounts = match account {
                Some(a) if a == template.account => template.account_rows.as_deref(),
                Some(a) => principals
                    .get_or_insert_with(|| self.principals.load())
                    .account_rows
                    .get(a)
                    .map(|rows| &**rows),
                None => None,
            };
            let rendered = match r.kind {
                PolicyKind::Identity | PolicyKind::PermissionsBoundary => {
                    template.rows.as_deref().and_then(|rows| row(rows, r))
                }
                PolicyKind::Scp => accounts.and_then(|(scps, _)| row(scps, r)),
                PolicyKind::Rcp => accounts.and_then(|(_, rcps)| row(rcps, r)),
                PolicyKind::Resource | PolicyKind::Session => None,
            };
            let named;
            let text = match rendered {
                Some(text) => text,
                None => match self.deciding(
                    &principals
                        .get_or_insert_with(|| self.principals.load())
                        .config,
                    caller,
                    request,
                    r,
                ) {
                    Some(d) => {
                        named = render(&d);
                        &named
                    }
                    None => continue,
                },
            };
            if !first {
                out.push(',');
            }
            first = false;
            out.push_str(text);
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use iam_policy::Request;

    type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

    fn caller(principal_arn: &str) -> Identity {
        Identity {
            arn: principal_arn.to_owned(),
            account: String::new(),
            kind: "IAMUser",
            user_id: String::new(),
            username: None,
            principal_arn: principal_arn.to_owned(),
            access_key_id: String::new(),
            tags: BTreeMap::new(),
            session_policy: None,
            expires: None,
            template: TemplateSlot::default(),
        }
    }

    /// The statements rendered when the configuration is loaded are named exactly as the
    /// per-call path names them (the same policy labels, places, `Sid`s and effects), and
    /// every statement of every identity policy, boundary, SCP and RCP has its row.
    #[test]
    fn rows_rendered_at_load_name_statements_as_the_per_call_path() -> Result {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/config.toml");
        let authz = Authorizer::new(Config::load(&path)?, Vec::new())?;
        let principals = authz.principals.load();
        let config = authz.config();
        let mut checked = 0;
        for (arn, rows) in &principals.principal_rows {
            let request = Request::builder()
                .principal(arn)
                .action("secretsmanager:GetSecretValue")
                .resource("*")
                .build()?;
            let request = PreparedRequest::new(request);
            for (r, text) in rows.iter() {
                let named = authz
                    .deciding(&config, &caller(arn), &request, *r)
                    .ok_or("not named")?;
                assert_eq!(&**text, render(&named), "{arn} {r}");
                checked += 1;
            }
        }
        for (account, both) in &principals.account_rows {
            let (scps, rcps) = &**both;
            let inside = format!("arn:aws:iam::{account}:user/someone");
            let request = Request::builder()
                .principal(&inside)
                .action("secretsmanager:GetSecretValue")
                .resource(&format!(
                    "arn:aws:secretsmanager:us-east-1:{account}:secret:s-AbCdEf"
                ))
                .build()?;
            let request = PreparedRequest::new(request);
            for (r, text) in scps.iter().chain(rcps) {
                let named = authz
                    .deciding(&config, &caller(&inside), &request, *r)
                    .ok_or("not named")?;
                assert_eq!(&**text, render(&named), "{account} {r}");
                checked += 1;
            }
        }
        // The example: admin 3, dev-payments 2, partner 1, app 2, batch 1 identity
        // statements; 3 SCP statements (2 levels) and 2 RCP statements.
        assert_eq!(checked, 3 + 2 + 1 + 2 + 1 + 3 + 2);
        let admin = principals
            .principal_rows
            .get("arn:aws:iam::111122223333:user/admin")
            .ok_or("no admin rows")?;
        let (r, text) = admin.get(2).ok_or("no third row")?;
        assert_eq!(r.to_string(), "identity[0].Statement[2]");
        let row: serde_json::Value = serde_json::from_str(text)?;
        assert_eq!(
            row,
            serde_json::json!({"policy": "users[0].policies[0]", "statement": "identity[0].Statement[2]",
                "sid": "ServerAdmin", "effect": "Allow"})
        );
        Ok(())
    }

    /// Keys of one hash are told apart by their names: `@` and `` ` `` hash alike (the hash
    /// folds case by setting bit 5 of every byte), and only the key read is found.
    #[test]
    fn keys_read_tell_keys_of_one_hash_apart() {
        assert_eq!(key_hash("aws:a@", ""), key_hash("aws:a`", ""));
        let keys = KeysRead::default()
            .with(["aws:a@", "aws:PrincipalTag/Team"].into_iter())
            .unwrap_or_default();
        assert!(matches!(keys.lookup_key("AWS:A@"), Lookup::Read(k) if k.as_str() == "aws:a@"));
        assert!(matches!(keys.lookup_key("aws:a`"), Lookup::NotRead));
        assert!(matches!(
            keys.lookup("aws:principaltag/", "TEAM"),
            Lookup::Read(k) if k.as_str() == "aws:principaltag/team"
        ));
        assert!(matches!(
            keys.lookup("aws:PrincipalTag/", "team2"),
            Lookup::NotRead
        ));
        assert!(matches!(
            keys.lookup("aws:ResourceTag/", "team"),
            Lookup::NotRead
        ));
        assert!(keys.with(["aws:A@"].into_iter()).is_none(), "nothing new");
    }

    /// A caller's template is made once and reused, and made again when the policies read a
    /// new key or the configuration is reloaded (a session's identity outlives a reload).
    #[test]
    fn a_caller_template_follows_the_keys_read_and_the_configuration() -> Result {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/config.toml");
        let authz = Authorizer::new(Config::load(&path)?, Vec::new())?;
        let admin = authz
            .key("AKIAEXAMPLEADMIN0001")?
            .ok_or("no admin key")?
            .identity;
        let first = authz.caller(&admin);
        assert!(Arc::ptr_eq(&first, &authz.caller(&admin)), "reused");
        let read =
            |t: &CallerTemplate, name: &str| t.keys.iter().find(|k| k.name == name).map(|k| k.read);
        assert_eq!(read(&first, "aws:PrincipalTag/team"), Some(true));
        assert_eq!(read(&first, "aws:username"), Some(false));
        assert_eq!(read(&first, "aws:PrincipalArn"), Some(false));
        authz.set_resource_policy(
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:s-AbCdEf",
            Some(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":"*",
                "Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:username":"x"}}}}"#,
            ),
        )?;
        let second = authz.caller(&admin);
        assert!(!Arc::ptr_eq(&first, &second), "made again");
        assert_eq!(read(&second, "aws:username"), Some(true));
        assert!(second.keys_generation() > first.keys_generation());
        // A reload renames the admin's statements; the same identity names them anew.
        let sid = |t: &CallerTemplate| -> Option<String> {
            let rows = t.rows.as_deref()?;
            let (_, text) = rows.first()?;
            let row: serde_json::Value = serde_json::from_str(text).ok()?;
            row["sid"].as_str().map(str::to_owned)
        };
        assert_eq!(sid(&second).as_deref(), Some("SecretsAdmin"));
        let text = std::fs::read_to_string(&path)?.replace("\"SecretsAdmin\"", "\"Renamed\"");
        let base = path.parent().ok_or("no directory")?;
        authz.reload(Config::from_text(&text, base, "renamed.toml")?)?;
        let third = authz.caller(&admin);
        assert_eq!(sid(&third).as_deref(), Some("Renamed"));
        assert!(Arc::ptr_eq(&third, &authz.caller(&admin)), "reused");
        Ok(())
    }
}
