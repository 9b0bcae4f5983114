//! One call being served: who, from where, when; the context keys every call carries; and
//! the authorization step that records its decisions for the audit line.

use std::cell::RefCell;
use std::net::IpAddr;
use std::sync::Arc;

use std::sync::LazyLock;

use iam_policy::{
    BufferedRequest, ContextKey, Evaluation, PolicyKind, RequestBuffer, StatementRef,
};
use smallvec::SmallVec;

use crate::app::App;
use crate::authz::{
    CallerKey, CallerTemplate, DecisionKeyRef, GLOBAL_KEYS, Identity, KeptTemplate, KeysRead,
    Lookup, Outcome, denial_message,
};
use crate::error::ApiError;

thread_local! {
    /// Each worker thread builds and prepares its requests in one buffer that keeps its memory
    /// from call to call (no allocation per decision once warm), formats the time keys once a
    /// second and the peer's address once per address.
    static LOCAL: RefCell<Local> = RefCell::new(Local::default());
}

/// A worker thread's reusable memory for building requests.
#[derive(Debug, Default)]
struct Local {
    buffer: RequestBuffer,
    clock: Clock,
    /// The text of the last peer address seen.
    peer: Option<(IpAddr, String)>,
    /// Where key names made of a prefix and a tag key are joined.
    name: String,
    /// Where a call's decision cache key is written.
    key: Vec<u8>,
    /// Where the statements of a decision made by the engine are named.
    text: String,
    /// The deciding statements of the last decision this thread remembered.
    statements: Option<Arc<str>>,
    /// The caller template this thread used last.
    template: KeptTemplate,
    /// The deciding statements of the last decision the engine made on this thread whose
    /// statements are named by the caller's template alone (see [`LastDeciding`]).
    deciding: LastDeciding,
}

/// The named deciding statements of a decision, by what names them: the caller's template
/// (its identity policies, boundary, session policy and account's SCPs are fixed for a
/// template: a reload makes a new one), the decision's statements, and the resource's account
/// when one of them is in an RCP (whose rows are the account's). A decision with a statement
/// of a resource or trust policy (named by the resource) is never kept.
#[derive(Debug, Default)]
struct LastDeciding {
    /// The template's number (`None`: nothing kept).
    template: Option<u64>,
    reasons: SmallVec<[StatementRef; 4]>,
    /// The resource's account, when a statement is in an RCP (else `None`).
    account: Option<String>,
    /// Their names (see [`AuditDecision::statements`]).
    text: Option<Arc<str>>,
}

impl LastDeciding {
    /// Whether the names of `evaluation`'s statements are a function of the caller's
    /// template (and of the resource's account for an RCP's): `None` when a statement is a
    /// resource or trust policy's, else whether one is an RCP's.
    fn kind(evaluation: &Evaluation) -> Option<bool> {
        let mut rcp = false;
        for r in evaluation.reasons() {
            match r.kind {
                PolicyKind::Resource => return None,
                PolicyKind::Rcp => rcp = true,
                PolicyKind::Identity
                | PolicyKind::PermissionsBoundary
                | PolicyKind::Session
                | PolicyKind::Scp => {}
            }
        }
        Some(rcp)
    }

    /// The names kept for `template`'s `evaluation` with the resource's `account`, if these
    /// are the kept decision's inputs.
    fn found(
        &self,
        template: u64,
        evaluation: &Evaluation,
        account: Option<&str>,
    ) -> Option<Option<Arc<str>>> {
        (self.template == Some(template)
            && self.account.as_deref() == account
            && self.reasons.iter().copied().eq(evaluation.reasons()))
        .then(|| self.text.clone())
    }

    /// Keeps `text` as the names of `template`'s `evaluation` with the resource's
    /// `account`.
    fn keep(
        &mut self,
        template: u64,
        evaluation: &Evaluation,
        account: Option<&str>,
        text: Option<&Arc<str>>,
    ) {
        self.template = Some(template);
        self.reasons.clear();
        self.reasons.extend(evaluation.reasons());
        match (&mut self.account, account) {
            (Some(kept), Some(a)) => {
                kept.clear();
                kept.push_str(a);
            }
            (kept, a) => *kept = a.map(str::to_owned),
        }
        self.text = text.cloned();
    }
}

/// `aws:CurrentTime` and `aws:EpochTime` of the last second a thread decided in.
#[derive(Debug, Default)]
struct Clock {
    secs: Option<i64>,
    current_time: Option<String>,
    epoch: String,
}

impl Clock {
    /// The two texts for `secs` (epoch seconds); `aws:CurrentTime` is absent only for a time
    /// outside jiff's range, which a call's own clock never is.
    fn texts(&mut self, secs: i64) -> (Option<&str>, &str) {
        if self.secs != Some(secs) {
            self.secs = Some(secs);
            self.current_time = jiff::Timestamp::from_second(secs)
                .ok()
                .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
            self.epoch = secs.to_string();
        }
        (self.current_time.as_deref(), &self.epoch)
    }
}

/// The text of `ip`, formatted only when it differs from the last one.
fn peer_text(peer: &mut Option<(IpAddr, String)>, ip: IpAddr) -> &str {
    if peer.as_ref().is_none_or(|(seen, _)| *seen != ip) {
        *peer = Some((ip, ip.to_string()));
    }
    peer.as_ref().map_or("", |(_, text)| text.as_str())
}

/// The prefix of a tag key, up to and including its only `/` (as [`KeysRead::lookup`] takes
/// it).
#[derive(Clone, Copy, Debug)]
pub enum TagPrefix {
    /// `aws:ResourceTag/`.
    AwsResource,
    /// `secretsmanager:ResourceTag/`.
    SecretsManagerResource,
    /// `iam:ResourceTag/`.
    IamResource,
    /// `aws:RequestTag/`.
    AwsRequest,
}

impl TagPrefix {
    /// Every prefix.
    pub const ALL: [Self; 4] = [
        Self::AwsResource,
        Self::SecretsManagerResource,
        Self::IamResource,
        Self::AwsRequest,
    ];

    /// The prefix's text.
    pub const fn text(self) -> &'static str {
        match self {
            Self::AwsResource => "aws:ResourceTag/",
            Self::SecretsManagerResource => "secretsmanager:ResourceTag/",
            Self::IamResource => "iam:ResourceTag/",
            Self::AwsRequest => "aws:RequestTag/",
        }
    }
}

/// A condition key with a whole name that a handler gives (every one the server sets besides
/// [`GLOBAL_KEYS`] and tag keys), by number: a call tells whether a loaded policy reads it by
/// one bit of [`KeysRead`], sets it under a key made once, and writes it into a decision cache
/// key as one byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named {
    /// `secretsmanager:SecretId`.
    SecretId,
    /// `secretsmanager:Name`.
    Name,
    /// `secretsmanager:Description`.
    Description,
    /// `secretsmanager:KmsKeyId`.
    KmsKeyId,
    /// `secretsmanager:VersionId`.
    VersionId,
    /// `secretsmanager:VersionStage`.
    VersionStage,
    /// `secretsmanager:RecoveryWindowInDays`.
    RecoveryWindowInDays,
    /// `secretsmanager:ForceDeleteWithoutRecovery`.
    ForceDeleteWithoutRecovery,
    /// `secretsmanager:BlockPublicPolicy`.
    BlockPublicPolicy,
    /// `secretsmanager:ModifyRotationRules`.
    ModifyRotationRules,
    /// `secretsmanager:RotateImmediately`.
    RotateImmediately,
    /// `secretsmanager:RotationLambdaARN`.
    RotationLambdaArn,
    /// `aws:TagKeys`.
    TagKeys,
    /// `sts:RoleSessionName`.
    RoleSessionName,
    /// `sts:ExternalId`.
    ExternalId,
    /// `sts:SourceIdentity`.
    SourceIdentity,
    /// `sts:TransitiveTagKeys`.
    TransitiveTagKeys,
}

impl Named {
    /// Every named key, in the order of their numbers.
    pub const ALL: [Self; 17] = [
        Self::SecretId,
        Self::Name,
        Self::Description,
        Self::KmsKeyId,
        Self::VersionId,
        Self::VersionStage,
        Self::RecoveryWindowInDays,
        Self::ForceDeleteWithoutRecovery,
        Self::BlockPublicPolicy,
        Self::ModifyRotationRules,
        Self::RotateImmediately,
        Self::RotationLambdaArn,
        Self::TagKeys,
        Self::RoleSessionName,
        Self::ExternalId,
        Self::SourceIdentity,
        Self::TransitiveTagKeys,
    ];

    /// The key's name.
    pub const fn text(self) -> &'static str {
        match self {
            Self::SecretId => "secretsmanager:SecretId",
            Self::Name => "secretsmanager:Name",
            Self::Description => "secretsmanager:Description",
            Self::KmsKeyId => "secretsmanager:KmsKeyId",
            Self::VersionId => "secretsmanager:VersionId",
            Self::VersionStage => "secretsmanager:VersionStage",
            Self::RecoveryWindowInDays => "secretsmanager:RecoveryWindowInDays",
            Self::ForceDeleteWithoutRecovery => "secretsmanager:ForceDeleteWithoutRecovery",
            Self::BlockPublicPolicy => "secretsmanager:BlockPublicPolicy",
            Self::ModifyRotationRules => "secretsmanager:ModifyRotationRules",
            Self::RotateImmediately => "secretsmanager:RotateImmediately",
            Self::RotationLambdaArn => "secretsmanager:RotationLambdaARN",
            Self::TagKeys => "aws:TagKeys",
            Self::RoleSessionName => "sts:RoleSessionName",
            Self::ExternalId => "sts:ExternalId",
            Self::SourceIdentity => "sts:SourceIdentity",
            Self::TransitiveTagKeys => "sts:TransitiveTagKeys",
        }
    }

    /// Its bit in [`KeysRead`]'s mask of named keys read.
    pub const fn bit(self) -> u32 {
        1 << self as u32
    }
}

/// A condition key's name: one of [`Named`], or a prefix and a tag key (`aws:ResourceTag/` and
/// `team`), joined only when a request is built with every key.
#[derive(Clone, Copy, Debug)]
enum Name<'a> {
    Whole(Named),
    Tagged(TagPrefix, &'a str),
}

/// The keys of [`Named`], made once for the request buffer.
static NAMED_CONTEXT_KEYS: LazyLock<[ContextKey; Named::ALL.len()]> =
    LazyLock::new(|| Named::ALL.map(|n| ContextKey::new(n.text())));

/// The keys of [`GLOBAL_KEYS`], made once for the request buffer.
static GLOBAL_CONTEXT_KEYS: LazyLock<Vec<ContextKey>> =
    LazyLock::new(|| GLOBAL_KEYS.iter().map(|k| ContextKey::new(k)).collect());

/// A key a call sets: one of [`GLOBAL_KEYS`] that changes from call to call (by index), one
/// of the caller's ([`CallerKey`]: made once), or a named one.
#[derive(Clone, Copy, Debug)]
enum Which<'a> {
    Global(usize),
    Caller(&'a CallerKey),
    Named(Name<'a>),
}

/// How a key is given to the request buffer: made ahead of time, or by name.
#[derive(Clone, Copy, Debug)]
enum SetKey<'k> {
    Made(&'k ContextKey),
    Name(&'k str),
}

impl<'a> Which<'a> {
    /// The key's text (joined in `buffer` when it has a prefix).
    fn text<'s>(self, buffer: &'s mut String) -> &'s str
    where
        'a: 's,
    {
        match self {
            Self::Global(bit) => GLOBAL_KEYS.get(bit).copied().unwrap_or_default(),
            Self::Caller(key) => &key.name,
            Self::Named(Name::Whole(name)) => name.text(),
            Self::Named(Name::Tagged(prefix, key)) => {
                buffer.clear();
                buffer.push_str(prefix.text());
                buffer.push_str(key);
                buffer
            }
        }
    }

    /// How the key is set: with `filter`, a named key only if a loaded policy reads it
    /// (`None`: left out; the others are filtered before); without, always (a tag key joined
    /// in `buffer`, the others made ahead).
    #[inline(always)]
    fn to_set<'s>(self, filter: Option<&'s KeysRead>, buffer: &'s mut String) -> Option<SetKey<'s>>
    where
        'a: 's,
    {
        let found = match self {
            // Filtered by `Call::fold_keys` (the caller's keys when the template was made,
            // with the same keys read).
            Self::Global(bit) => return GLOBAL_CONTEXT_KEYS.get(bit).map(SetKey::Made),
            Self::Caller(key) => return Some(SetKey::Made(&key.key)),
            Self::Named(Name::Whole(name)) => {
                return if filter.is_none_or(|keys| keys.named(name)) {
                    NAMED_CONTEXT_KEYS.get(name as usize).map(SetKey::Made)
                } else {
                    None
                };
            }
            Self::Named(Name::Tagged(prefix, tag)) => match filter {
                Some(keys) => keys.lookup_tag(prefix, tag),
                None => Lookup::Every,
            },
        };
        match found {
            Lookup::NotRead => None,
            Lookup::Read(key) => Some(SetKey::Made(key)),
            Lookup::Every => Some(SetKey::Name(self.text(buffer))),
        }
    }

    /// The length of the key's text.
    fn len(self) -> usize {
        match self {
            Self::Global(bit) => GLOBAL_KEYS.get(bit).map_or(0, |k| k.len()),
            Self::Caller(key) => key.name.len(),
            Self::Named(Name::Whole(name)) => name.text().len(),
            Self::Named(Name::Tagged(prefix, tag)) => prefix.text().len() + tag.len(),
        }
    }
}

/// How large a request with every key of a call would be (keys, values of one key, bytes:
/// upper bounds).
#[derive(Debug, Default)]
struct Size {
    keys: usize,
    values: usize,
    bytes: usize,
}

impl Size {
    #[inline(always)]
    fn add(&mut self, which: Which<'_>, value: &KeyValue<'_>) {
        self.keys += 1;
        let (values, bytes) = match value {
            KeyValue::String(v) => (1, v.len()),
            KeyValue::Number(v) => (1, v.len()),
            // At most 20 digits and a sign.
            KeyValue::Integer(_) => (1, 20),
            KeyValue::Bool(_) => (1, 5),
            KeyValue::Strings(list) => (list.len(), list.iter().map(|v| v.len()).sum()),
        };
        self.values = self.values.max(values);
        self.bytes = self.bytes.saturating_add(which.len() + bytes);
    }

    /// Whether such a request is well inside every context limit (so that one with fewer
    /// keys fails no check the whole one passes, and the whole one fails none).
    fn far_below_limits(&self) -> bool {
        use iam_policy::unstable::request::{
            MAX_CONTEXT_BYTES, MAX_CONTEXT_KEYS, MAX_CONTEXT_VALUES,
        };
        self.keys <= MAX_CONTEXT_KEYS / 2
            && self.values <= MAX_CONTEXT_VALUES / 2
            && self.bytes <= MAX_CONTEXT_BYTES / 2
    }
}

/// A condition key's value, borrowed from the call's own data (no drop: a call's walk over
/// its keys leaves nothing to drop).
#[derive(Clone, Copy, Debug)]
enum KeyValue<'a> {
    String(&'a str),
    /// A number as text (`aws:EpochTime`).
    Number(&'a str),
    /// A number a handler gave (formatted only when a request is built with it).
    Integer(i64),
    Bool(bool),
    Strings(&'a [&'a str]),
}

/// A condition key's value as a handler gives it to [`Keys`]: a value, or a list the keys
/// hold.
#[derive(Clone, Debug)]
enum Given<'a> {
    Value(KeyValue<'a>),
    Strings(Vec<&'a str>),
}

impl Given<'_> {
    /// The value, borrowed.
    #[inline(always)]
    fn value(&self) -> KeyValue<'_> {
        match self {
            Self::Value(v) => *v,
            Self::Strings(list) => KeyValue::Strings(list),
        }
    }
}

/// The condition keys of one action beyond the global keys every call carries
/// ([`Call::authorize`] adds those), borrowed from the call's input and the secret: nothing
/// is formatted or copied until the request is built, and nothing at all when authorization
/// is switched off.
#[derive(Clone, Debug, Default)]
pub struct Keys<'a>(SmallVec<[(Name<'a>, Given<'a>); 4]>);

impl<'a> Keys<'a> {
    /// No keys.
    #[must_use]
    #[inline]
    pub fn new() -> Self {
        Self(SmallVec::new())
    }

    /// `name` = a string.
    #[must_use]
    #[inline]
    pub fn string(mut self, name: Named, value: &'a str) -> Self {
        self.0
            .push((Name::Whole(name), Given::Value(KeyValue::String(value))));
        self
    }

    /// `prefix` + `tag` (`aws:ResourceTag/` + `team`) = a string.
    #[must_use]
    #[inline]
    pub fn tagged(mut self, prefix: TagPrefix, tag: &'a str, value: &'a str) -> Self {
        self.0.push((
            Name::Tagged(prefix, tag),
            Given::Value(KeyValue::String(value)),
        ));
        self
    }

    /// `name` = a number.
    #[must_use]
    #[inline]
    pub fn number(mut self, name: Named, value: i64) -> Self {
        self.0
            .push((Name::Whole(name), Given::Value(KeyValue::Integer(value))));
        self
    }

    /// `name` = a boolean.
    #[must_use]
    #[inline]
    pub fn bool(mut self, name: Named, value: bool) -> Self {
        self.0
            .push((Name::Whole(name), Given::Value(KeyValue::Bool(value))));
        self
    }

    /// `name` = a list of strings.
    #[must_use]
    #[inline]
    pub fn strings(mut self, name: Named, values: impl IntoIterator<Item = &'a str>) -> Self {
        self.0.push((
            Name::Whole(name),
            Given::Strings(values.into_iter().collect()),
        ));
        self
    }

    /// These keys and then `more` (which may borrow from longer-lived data: the list itself
    /// is invariant, its entries are not).
    #[must_use]
    #[inline]
    pub fn and<'b: 'a>(mut self, more: Keys<'b>) -> Self {
        for (name, value) in more.0 {
            self.0.push((name, value));
        }
        self
    }
}

/// One step of [`Call::fold_keys`] per key a call carries (inlined: each fold is a direct
/// loop over the keys).
trait KeyFold<'k>: Sized {
    /// The fold with `which` = `value` added.
    fn key(self, which: Which<'k>, value: &KeyValue<'k>) -> Self;
}

/// A decision cache key being written ([`put_key`]) for a call on `resource`.
struct CacheKey<'o> {
    out: &'o mut Vec<u8>,
    resource: &'o str,
}

impl<'k> KeyFold<'k> for CacheKey<'_> {
    #[inline(always)]
    fn key(self, which: Which<'k>, value: &KeyValue<'k>) -> Self {
        put_key(self.out, which, value, self.resource);
        self
    }
}

/// A request being built in the thread's buffer with the keys `filter` lets through (see
/// [`Which::to_set`]; tag keys joined in `name` when set by name), recording their names in
/// `record` (tests only).
struct Building<'b, 'a, 's> {
    b: BufferedRequest<'b, 'a>,
    filter: Option<&'s KeysRead>,
    name: &'s mut String,
    record: Option<&'s mut Vec<String>>,
}

impl<'k> KeyFold<'k> for Building<'_, '_, '_> {
    #[inline(always)]
    fn key(mut self, which: Which<'k>, value: &KeyValue<'k>) -> Self {
        if let Some(names) = &mut self.record {
            record_key(names, which, self.name);
        }
        if let Some(key) = which.to_set(self.filter, self.name) {
            self.b = set_key(self.b, key, value);
        }
        self
    }
}

/// Sets `key` in a request being built: made ahead of time (every call), or by name (only a
/// request built with every key: its code is kept out of the usual path's way).
#[inline(always)]
fn set_key<'b, 'a>(
    b: BufferedRequest<'b, 'a>,
    key: SetKey<'_>,
    value: &KeyValue<'_>,
) -> BufferedRequest<'b, 'a> {
    match (key, value) {
        (SetKey::Made(k), KeyValue::String(v)) => b.key_string(k, v),
        (SetKey::Made(k), KeyValue::Number(v)) => b.key_number(k, v),
        (SetKey::Made(k), KeyValue::Integer(n)) => set_integer(b, k, *n),
        (SetKey::Made(k), KeyValue::Bool(v)) => b.key_bool(k, *v),
        (SetKey::Made(k), KeyValue::Strings(v)) => set_strings(b, k, v),
        (SetKey::Name(k), v) => set_named(b, k, v),
    }
}

/// [`set_key`] of a number a handler gave (out of line, the rare case).
#[inline(never)]
fn set_integer<'b, 'a>(
    b: BufferedRequest<'b, 'a>,
    k: &ContextKey,
    n: i64,
) -> BufferedRequest<'b, 'a> {
    b.key_number(k, &n.to_string())
}

/// [`set_key`] of a list (`aws:TagKeys`: out of line, the rare case).
#[inline(never)]
fn set_strings<'b, 'a>(
    b: BufferedRequest<'b, 'a>,
    k: &ContextKey,
    values: &[&str],
) -> BufferedRequest<'b, 'a> {
    b.key_strings(k, values.iter().copied())
}

/// [`set_key`] of a key by name.
#[cold]
#[inline(never)]
fn set_named<'b, 'a>(
    b: BufferedRequest<'b, 'a>,
    k: &str,
    value: &KeyValue<'_>,
) -> BufferedRequest<'b, 'a> {
    match value {
        KeyValue::String(v) => b.context_string(k, v),
        KeyValue::Number(v) => b.context_number(k, v),
        KeyValue::Integer(n) => b.context_number(k, &n.to_string()),
        KeyValue::Bool(v) => b.context_bool(k, *v),
        KeyValue::Strings(v) => b.context_strings(k, v.iter().copied()),
    }
}

/// Records the name of a key a request carries (tests only: out of line).
#[cold]
#[inline(never)]
fn record_key(names: &mut Vec<String>, which: Which<'_>, buffer: &mut String) {
    if names.len() < usize::from(u16::MAX) {
        names.push(which.text(buffer).to_owned());
    }
}

/// `text` shared: the last text shared if it is the same, else a new one (then the last).
fn shared(last: &mut Option<Arc<str>>, text: &str) -> Arc<str> {
    match last {
        Some(seen) if **seen == *text => Arc::clone(seen),
        _ => Arc::clone(last.insert(text.into())),
    }
}

/// Appends `text` to a decision cache key, its length first (so that no two lists of texts
/// write the same bytes): one byte below 255, else 255 and eight bytes.
#[inline]
fn put_text(out: &mut Vec<u8>, text: &str) {
    match u8::try_from(text.len()) {
        Ok(len) if len < u8::MAX => out.push(len),
        _ => {
            out.push(u8::MAX);
            out.extend_from_slice(&(text.len() as u64).to_le_bytes());
        }
    }
    out.extend_from_slice(text.as_bytes());
}

/// Appends a key the call carries and its value to a decision cache key: a global key by
/// index (the call gives only those a loaded policy reads), a named key by its name as the
/// handler gave it, whether or not a policy reads it (looking it up is left for the engine's
/// request, on a miss: the named keys are a function of the call's inputs, so that a repeated
/// call still finds its decision). The caller's own keys are not written: they are its
/// template's, whose number the cache key starts with.
///
/// A string value equal to the call's resource (`secretsmanager:SecretId`, …) is written as a
/// mark (the cache key holds the resource already).
#[inline(always)]
fn put_key(out: &mut Vec<u8>, which: Which<'_>, value: &KeyValue<'_>, resource: &str) {
    match which {
        Which::Caller(_) => return,
        Which::Global(bit) => {
            out.push(b'g');
            out.push(u8::try_from(bit).unwrap_or(u8::MAX));
        }
        Which::Named(Name::Whole(name)) => {
            out.push(b'w');
            out.push(name as u8);
        }
        Which::Named(Name::Tagged(prefix, tag)) => {
            out.push(b't');
            out.push(prefix as u8);
            put_text(out, tag);
        }
    }
    match value {
        KeyValue::String(v) if *v == resource => out.push(b'r'),
        KeyValue::String(v) => {
            out.push(b's');
            put_text(out, v);
        }
        KeyValue::Number(v) => {
            out.push(b'#');
            put_text(out, v);
        }
        KeyValue::Integer(n) => {
            out.push(b'i');
            out.extend_from_slice(&n.to_le_bytes());
        }
        KeyValue::Bool(v) => out.extend_from_slice(if *v { b"T" } else { b"F" }),
        KeyValue::Strings(list) => {
            out.push(b'l');
            out.extend_from_slice(&(list.len() as u64).to_le_bytes());
            for v in *list {
                put_text(out, v);
            }
        }
    }
}

/// The decisions of one call (most calls make one: kept inline).
pub type Decisions = SmallVec<[AuditDecision; 1]>;

/// One authorization decision of a call, for the audit line.
#[derive(Clone, Debug)]
pub struct AuditDecision {
    /// The action.
    pub action: &'static str,
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny` (or `NotRequired`, `Skipped`).
    pub decision: &'static str,
    /// The resource.
    resource: String,
    /// The statements behind the decision (`None`: none), shared with the decision cache's
    /// entry and with the thread's other decisions that have the same (see [`shared`]), so
    /// that a decision found in the cache copies no text.
    statements: Option<Arc<str>>,
    /// The condition keys the request carried (not in the audit line; for the tests that check
    /// them against the service authorization reference).
    pub context_keys: Vec<String>,
}

impl AuditDecision {
    /// A decision with no deciding statements.
    pub fn without_statements(
        action: &'static str,
        resource: &str,
        decision: &'static str,
    ) -> Self {
        Self {
            action,
            decision,
            resource: resource.to_owned(),
            statements: None,
            context_keys: Vec::new(),
        }
    }

    /// The resource.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The statements behind the decision, as the audit line's JSON objects separated by
    /// commas (see [`Authorizer::write_deciding`](crate::authz::Authorizer::write_deciding)).
    pub fn statements(&self) -> &str {
        self.statements.as_deref().unwrap_or_default()
    }

    /// Appends the decision to an audit line as the JSON object
    /// `{"action":…,"resource":…,"decision":…,"statements":[…]}`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"action\":");
        json_string(out, self.action);
        out.extend_from_slice(b",\"resource\":");
        json_string(out, self.resource());
        out.extend_from_slice(b",\"decision\":");
        json_string(out, self.decision);
        out.extend_from_slice(b",\"statements\":[");
        out.extend_from_slice(self.statements().as_bytes());
        out.extend_from_slice(b"]}");
    }
}

/// Appends `text` as a JSON string.
pub fn json_string(out: &mut Vec<u8>, text: &str) {
    // Writing into a vector cannot fail, and a string always serializes.
    let _ = serde_json::to_writer(out, text);
}

/// A call in progress.
#[derive(Debug)]
pub struct Call<'a> {
    /// The server.
    pub app: &'a App,
    /// The verified caller.
    pub identity: &'a Identity,
    /// The peer's address (`aws:SourceIp`).
    pub source_ip: IpAddr,
    /// Whether it came over TLS (`aws:SecureTransport`).
    pub secure: bool,
    /// The time the call arrived (epoch milliseconds).
    pub now_ms: i64,
    /// The region the request was signed for (`aws:RequestedRegion`).
    pub region: String,
    /// Decisions made so far.
    pub decisions: Decisions,
    /// Nanoseconds spent deciding (for the benchmark's share of authorization).
    pub authz_nanos: u64,
    /// The deciding thread's CPU nanoseconds in the same spans.
    pub authz_cpu_nanos: u64,
}

impl Call<'_> {
    /// The call's time in epoch seconds with fraction (AWS's JSON timestamps).
    pub fn now(&self) -> f64 {
        // Exact for any realistic time: epoch milliseconds stay below 2^53.
        #[expect(
            clippy::cast_precision_loss,
            reason = "epoch milliseconds are below 2^53"
        )]
        let ms = self.now_ms as f64;
        ms / 1000.0
    }

    /// Folds `acc` over the condition keys of a request with `keys` that `filter` lets through
    /// (every key without one): the global keys that change from call to call
    /// ([`GLOBAL_KEYS`] 0 to 4, by index: `time` holds `aws:CurrentTime` and `aws:EpochTime`,
    /// `ip` `aws:SourceIp`), then the caller's (its tags, `aws:userid`, `aws:username`,
    /// `aws:PrincipalArn`: `caller`, filtered when it was made) and `keys` (which `acc`
    /// filters: it looks them up). Returns the fold and the size of the request with every
    /// key.
    ///
    /// Inlined into each of its two uses (the decision cache key, the request) with the
    /// fold's own step ([`KeyFold`]): a direct loop over the keys, no call through a
    /// reference per key, and the request being built stays in registers.
    #[inline(always)]
    fn fold_keys<'k, A: KeyFold<'k>>(
        &'k self,
        ip: &'k str,
        time: (Option<&'k str>, &'k str),
        caller: &'k CallerTemplate,
        keys: &'k Keys<'_>,
        filter: Option<&KeysRead>,
        mut acc: A,
    ) -> (A, Size) {
        let mut all = Size::default();
        let globals = [
            Some(KeyValue::String(ip)),
            Some(KeyValue::Bool(self.secure)),
            time.0.map(KeyValue::String),
            Some(KeyValue::Number(time.1)),
            Some(KeyValue::String(&self.region)),
        ];
        for (bit, v) in globals.iter().enumerate() {
            let Some(v) = v else { continue };
            all.add(Which::Global(bit), v);
            if filter.is_none_or(|f| f.global(bit)) {
                acc = acc.key(Which::Global(bit), v);
            }
        }
        all.keys += caller.keys.len();
        all.values = all.values.max(1);
        all.bytes = all.bytes.saturating_add(caller.keys_bytes);
        for key in &caller.keys {
            if filter.is_none() || key.read {
                acc = acc.key(Which::Caller(key), &KeyValue::String(&key.value));
            }
        }
        for (k, given) in &keys.0 {
            let v = given.value();
            all.add(Which::Named(*k), &v);
            acc = acc.key(Which::Named(*k), &v);
        }
        (acc, all)
    }

    /// Decides `action` on `resource` with the global keys plus `keys`; records the decision
    /// and its deciding statements for the audit line.
    ///
    /// With authorization switched off (the benchmark's measurement of what it costs) the
    /// call does everything else it does with it on: the replica check, the keys' list, the
    /// audit record (marked `Skipped`); only building, deciding and naming the deciding
    /// statements are left out.
    ///
    /// # Errors
    ///
    /// `AccessDeniedException` with AWS's message when denied.
    pub fn authorize(
        &mut self,
        action: &'static str,
        resource: &str,
        keys: Keys<'_>,
    ) -> Result<(), ApiError> {
        // Replicas: nothing is decided before the call's policies are proven current.
        self.app.storage.verify_call()?;
        // The server's own count of authorization is taken with it off too (it then counts
        // the audit record alone): the clock's cost is the same on both sides of the
        // benchmark's on/off difference.
        let started = std::time::Instant::now();
        let started_cpu = self.app.measure_cpu.then(thread_cpu);
        let pushed = if self.app.authorization {
            let mut context_keys = Vec::new();
            // Everything is borrowed into the thread's request buffer, which keeps its memory
            // from call to call.
            let decided = LOCAL.with_borrow_mut(|local| {
                self.decide(local, action, resource, &keys, &mut context_keys)
            });
            decided.map(|(decision, statements, denial)| {
                self.decisions.push(AuditDecision {
                    action,
                    decision: decision.as_str(),
                    resource: resource.to_owned(),
                    statements,
                    context_keys,
                });
                denial
            })
        } else {
            self.decisions.push(AuditDecision::without_statements(
                action, resource, "Skipped",
            ));
            Ok(None)
        };
        // Building, deciding and naming the deciding statements, or finding them in the
        // decision cache, and the audit record (made with authorization off too, without
        // statements).
        let elapsed = started.elapsed();
        let elapsed_cpu = started_cpu.map_or(std::time::Duration::ZERO, |t| {
            thread_cpu().saturating_sub(t)
        });
        let denial = pushed?;
        self.authz_nanos = self
            .authz_nanos
            .saturating_add(u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
        self.authz_cpu_nanos = self
            .authz_cpu_nanos
            .saturating_add(u64::try_from(elapsed_cpu.as_nanos()).unwrap_or(u64::MAX));
        // Only a denial has a message.
        match denial {
            None => Ok(()),
            Some(message) => Err(ApiError::access_denied(message)),
        }
    }

    /// The decision on a call (not generic: one copy, whatever the handler): found in the
    /// decision cache when the same caller template, policies, action, resource and keys
    /// (with their values) were decided before (see `Authorizer::cached`), else made by the
    /// engine ([`decide_uncached`](Self::decide_uncached), out of line: a cache hit runs
    /// this function's few lines of code and the cache's lookup, nothing else).
    fn decide(
        &self,
        local: &mut Local,
        action: &'static str,
        resource: &str,
        keys: &Keys<'_>,
        context_keys: &mut Vec<String>,
    ) -> Result<Decided, ApiError> {
        let Local {
            buffer,
            clock,
            peer,
            name,
            key,
            text,
            statements,
            template,
            deciding,
        } = local;
        let authz = &self.app.authz;
        // What every call of this caller reuses: its keys, named, valued and filtered once
        // (the thread's copy when it used the same caller's last).
        let caller = authz.caller_kept(self.identity, template);
        let time = clock.texts(self.now_ms.div_euclid(1000));
        let ip = peer_text(peer, self.source_ip);
        let mut hashed = None;
        if !self.app.record_context_keys && caller.cacheable() && authz.caches_decisions() {
            key.clear();
            key.extend_from_slice(&caller.id().to_le_bytes());
            key.extend_from_slice(&authz.policies_generation().to_le_bytes());
            put_text(key, action);
            put_text(key, resource);
            let (_, all) = self.fold_keys(
                ip,
                time,
                caller,
                keys,
                Some(&caller.keys_read),
                CacheKey { out: key, resource },
            );
            // Near a context limit the request is made with every key, and keys the cache
            // key does not hold could change its answer: not cached.
            if all.far_below_limits() {
                let k = DecisionKeyRef::new(key);
                if let Some(outcome) = authz.cached(k) {
                    let denial = outcome.denial.as_deref().map(str::to_owned);
                    return Ok((outcome.decision, outcome.statements, denial));
                }
                hashed = Some(k);
            }
        }
        let scratch = Scratch {
            buffer,
            name,
            text,
            statements,
            deciding,
        };
        self.decide_uncached(
            scratch,
            Inputs {
                ip,
                time,
                caller,
                action,
                resource,
                keys,
            },
            hashed,
            context_keys,
        )
    }

    /// The decision the engine makes on a call (see [`decide`](Self::decide)), remembered
    /// under `remember` (the call's decision cache key) when it is the decision on the
    /// request with every key.
    #[inline(never)]
    fn decide_uncached(
        &self,
        scratch: Scratch<'_>,
        inputs: Inputs<'_, '_>,
        remember: Option<DecisionKeyRef<'_>>,
        context_keys: &mut Vec<String>,
    ) -> Result<Decided, ApiError> {
        let Scratch {
            buffer,
            name,
            text,
            statements,
            deciding,
        } = scratch;
        let Inputs {
            ip,
            time,
            caller,
            action,
            resource,
            keys,
        } = inputs;
        let id = self.identity;
        let authz = &self.app.authz;
        let mut record = self.app.record_context_keys;
        // Only the keys some loaded policy reads are set (the decision is the same: a key no
        // policy reads is never looked up), unless the keys of the template's generation were
        // not all there when the decision read the policies (then it is made again with every
        // key).
        let mut filter = Some(&*caller.keys_read);
        loop {
            let mut b = buffer
                .request()
                .principal(&id.arn)
                .action(action)
                .resource(resource);
            if let Some(session) = &id.session_policy {
                b = b.session_policy(session);
            }
            if record {
                // The names of every key (tests only): this request is built with all.
                filter = None;
            }
            let building = Building {
                b,
                filter,
                name,
                record: record.then_some(&mut *context_keys),
            };
            let (building, all) = self.fold_keys(ip, time, caller, keys, filter, building);
            let b = building.b;
            record = false;
            if filter.is_some() && !all.far_below_limits() {
                // The request with every key might exceed a context limit, and its
                // error is the answer: build that one.
                filter = None;
                continue;
            }
            let prepared = b.prepare().map_err(undecidable)?;
            let evaluation = authz.decide_prepared(prepared);
            if filter.is_some() && authz.keys_generation() != caller.keys_generation() {
                // A policy whose keys may be missing arrived meanwhile.
                filter = None;
                continue;
            }
            // Named as the thread's last decision of the template with the same statements
            // was, else now.
            let kind = LastDeciding::kind(&evaluation);
            let account = match kind {
                Some(true) => prepared.resource_account(),
                _ => None,
            };
            let named = match kind.and_then(|_| deciding.found(caller.id(), &evaluation, account)) {
                Some(named) => named,
                None => {
                    let naming = Naming {
                        text,
                        statements,
                        deciding,
                    };
                    self.name_afresh(naming, caller, prepared, &evaluation, (kind, account))
                }
            };
            let decision = evaluation.decision();
            let denial = (decision != iam_policy::Decision::Allow)
                .then(|| denied(&id.arn, action, resource, &evaluation));
            if let Some(key) = remember
                && filter.is_some()
            {
                authz.remember(
                    key,
                    Outcome {
                        decision,
                        statements: named.clone(),
                        denial: denial.as_deref().map(Into::into),
                    },
                );
            }
            return Ok((decision, named, denial));
        }
    }
}

/// The error of a request that cannot be prepared (out of line: the usual path never fails).
#[cold]
#[inline(never)]
fn undecidable(e: iam_policy::RequestError) -> ApiError {
    ApiError::access_denied(format!("the request cannot be decided: {e}"))
}

/// [`denial_message`], out of line (most calls are allowed).
#[cold]
#[inline(never)]
fn denied(caller: &str, action: &str, resource: &str, evaluation: &Evaluation) -> String {
    denial_message(caller, action, resource, evaluation)
}

/// Where the deciding statements of a decision are named afresh (see [`LastDeciding`]).
struct Naming<'l> {
    text: &'l mut String,
    statements: &'l mut Option<Arc<str>>,
    deciding: &'l mut LastDeciding,
}

impl Call<'_> {
    /// Names the statements of `evaluation` afresh (out of line: most engine decisions of a
    /// thread are named by its last one's), kept for the thread's next decision when they are
    /// named by the template (`kind`: [`LastDeciding::kind`], and the resource's account).
    #[inline(never)]
    fn name_afresh(
        &self,
        naming: Naming<'_>,
        caller: &CallerTemplate,
        prepared: &iam_policy::PreparedRequest,
        evaluation: &Evaluation,
        (kind, account): (Option<bool>, Option<&str>),
    ) -> Option<Arc<str>> {
        let Naming {
            text,
            statements,
            deciding,
        } = naming;
        text.clear();
        self.app
            .authz
            .write_deciding(self.identity, caller, prepared, evaluation, text);
        // Shared with the decision cache's entry and the thread's next decisions with the
        // same statements (no allocation for those).
        let named = (!text.is_empty()).then(|| shared(statements, text));
        if kind.is_some() {
            deciding.keep(caller.id(), evaluation, account, named.as_ref());
        }
        named
    }
}

/// A call's decision, the statements behind it and the denial's message (when denied).
type Decided = (iam_policy::Decision, Option<Arc<str>>, Option<String>);

/// The parts of the thread's [`Local`] the engine's path uses.
struct Scratch<'l> {
    buffer: &'l mut RequestBuffer,
    name: &'l mut String,
    text: &'l mut String,
    statements: &'l mut Option<Arc<str>>,
    deciding: &'l mut LastDeciding,
}

/// What a call's decision is made on, besides the call itself.
struct Inputs<'k, 'v> {
    ip: &'k str,
    time: (Option<&'k str>, &'k str),
    caller: &'k CallerTemplate,
    action: &'static str,
    resource: &'k str,
    keys: &'k Keys<'v>,
}

/// The calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu() -> std::time::Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    std::time::Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

#[cfg(test)]
mod tests {
    use super::{KeyValue, NAMED_CONTEXT_KEYS, Name, Named, TagPrefix, Which, put_key, put_text};

    /// The bytes a call's named key writes into a decision cache key.
    fn written(resource: &str, name: Name<'_>, value: &KeyValue<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        put_text(&mut out, resource);
        put_key(&mut out, Which::Named(name), value, resource);
        out
    }

    /// Different keys, values or resources never write the same cache key bytes: the mark
    /// for a value equal to the resource, and texts longer than a one-byte length, included.
    #[test]
    fn decision_cache_keys_tell_calls_apart() {
        let long = "x".repeat(300);
        let arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:a-AbCdEf";
        let id = Name::Whole(Named::SecretId);
        let cases = [
            written(arn, id, &KeyValue::String(arn)),
            written(arn, id, &KeyValue::String("r")),
            written(arn, id, &KeyValue::String("")),
            written(arn, id, &KeyValue::String(&long)),
            written(&long, id, &KeyValue::String(&long)),
            written(&long, id, &KeyValue::String(arn)),
            written(arn, Name::Whole(Named::Name), &KeyValue::String(arn)),
            written(
                arn,
                Name::Tagged(TagPrefix::AwsResource, "t"),
                &KeyValue::String("v"),
            ),
            written(
                arn,
                Name::Tagged(TagPrefix::SecretsManagerResource, "t"),
                &KeyValue::String("v"),
            ),
            written(arn, id, &KeyValue::Strings(&[arn])),
            written(arn, id, &KeyValue::Integer(7)),
            written(arn, id, &KeyValue::Number("7")),
            written(arn, id, &KeyValue::Bool(true)),
        ];
        for (i, a) in cases.iter().enumerate() {
            for b in cases.iter().skip(i + 1) {
                assert_ne!(a, b);
            }
        }
        // The resource is written once: its value is the mark.
        let marked = cases.first().map_or(0, Vec::len);
        assert_eq!(marked, 1 + arn.len() + 1 + 1 + 1);
    }

    /// The named keys' and tag prefixes' numbers are their places in `ALL` (the keys read
    /// index their bits and lists by them), and each named key is made with its own name.
    #[test]
    fn named_keys_and_tag_prefixes_are_numbered_by_their_place() {
        for (i, name) in Named::ALL.into_iter().enumerate() {
            assert_eq!(name as usize, i, "{}", name.text());
            let made = NAMED_CONTEXT_KEYS.get(i).map(|k| k.as_str().to_owned());
            assert_eq!(made, Some(name.text().to_ascii_lowercase()));
        }
        assert!(Named::ALL.len() <= 32, "a bit each in a u32");
        for (i, prefix) in TagPrefix::ALL.into_iter().enumerate() {
            assert_eq!(prefix as usize, i, "{}", prefix.text());
        }
    }

    /// A tag prefix ends with its only `/`, as `KeysRead::lookup` splits keys.
    #[test]
    fn tag_prefixes_end_with_their_only_slash() {
        for prefix in TagPrefix::ALL {
            let text = prefix.text();
            assert_eq!(text.find('/'), Some(text.len() - 1), "{text}");
        }
    }
}
