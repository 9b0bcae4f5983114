//! The request side: who asks to do what to which resource, in which context.
//!
//! Owns [`Request`], its builder, the caller ([`Caller`]) and the request [`Context`]
//! (condition keys, compared without regard to case, each absent, single-valued or
//! multi-valued). A request is prepared once, when it is built: the principal string is parsed
//! into its kind, the action is lower-cased, the resource ARN is split, the accounts are filled
//! in, and the context keys that AWS always derives from the caller are added. Evaluation then
//! reads it without allocating or re-parsing anything.
//!
//! # Derived context keys
//!
//! [`RequestBuilder::build`] adds these keys when the caller did not supply them (a value
//! supplied in the context always wins). Sources: the global condition keys page,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>,
//! and the principal key values table of
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>.
//!
//! | key | IAM user | IAM role | role session | federated user | root user | service | anonymous |
//! | --- | --- | --- | --- | --- | --- | --- | --- |
//! | `aws:PrincipalArn` | user ARN | role ARN | role ARN¹ | federated-user ARN | root ARN | – | – |
//! | `aws:PrincipalAccount` | account | account | account | account | account | – | – |
//! | `aws:PrincipalType` | `User` | `AssumedRole`² | `AssumedRole` | `FederatedUser` | `Account` | – | `Anonymous` |
//! | `aws:username` | user name (no path) | – | – | – | – | – | – |
//! | `aws:PrincipalIsAWSService` | `false` | `false` | `false` | `false` | `false` | `true` | – |
//! | `aws:PrincipalServiceName` | – | – | – | – | – | service name | – |
//! | `aws:ResourceAccount` | resource account³ | ← | ← | ← | ← | ← | ← |
//!
//! 1. For a session `arn:aws:sts::A:assumed-role/ROLE/SESSION` the derived role ARN is
//!    `arn:aws:iam::A:role/ROLE`: the session ARN does not carry the role's path, so a role
//!    created under a path gets a wrong `aws:PrincipalArn` unless the caller supplies it.
//! 2. A role is never the caller of a real request (its sessions are); a request whose principal
//!    is a role ARN is treated like a session of that role.
//! 3. The account the request is evaluated in: given explicitly, read from the resource ARN,
//!    or, for `*` and for ARNs without an account (S3), the principal's account (see
//!    "Accounts" below). Absent only when no account is known (service and anonymous callers
//!    on such resources).
//!
//! `aws:userid` is never derived: it holds unique ids (`AIDA...`, `AROA...:session`) that the
//! principal ARN does not reveal.
//!
//! `aws:CurrentTime` and `aws:EpochTime` are never filled in: the library reads no clock, so
//! the caller gives them. AWS always has them, so a test of one the request does not give is
//! unknown and fails closed (D-23).
//!
//! # Limits
//!
//! The context is what a caller sends, so [`RequestBuilder::build`] bounds it before anything
//! else: at most [`MAX_CONTEXT_KEYS`] keys, at most [`MAX_CONTEXT_VALUES`] values in one
//! multi-valued key, and at most [`MAX_CONTEXT_BYTES`] bytes of key and value text in all.
//! Past a limit the request is refused with [`RequestError::ContextTooLarge`] (never decided).
//! AWS's own requests stay far below (at most 50 tags per resource, so 50 `aws:TagKeys`
//! values). At these limits a decision stays well under a millisecond even against long policy
//! value lists, which are indexed when a policy is compiled (`tests/it/adversarial.rs`
//! measures the worst cases).
//!
//! # Accounts
//!
//! The principal account defaults to the account in the principal ARN. The resource account
//! defaults to the account in the resource ARN; when the resource is `*` (an action without a
//! resource type) or its ARN has no account (S3 buckets and objects), it defaults to the
//! principal's account: the request is then evaluated as a same-account request. Give
//! `resource_account` explicitly for a cross-account S3 request.

use std::fmt;

use crate::action::{Action, ActionError};
use crate::aws_rules::{self, AwsRule, RuleInput, is_aws_owned_account, is_trust_action};

/// One scalar context value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ContextScalar {
    /// A string.
    String(String),
    /// A number, as its decimal text.
    Number(String),
    /// A boolean.
    Bool(bool),
}

impl ContextScalar {
    /// The value as text: the string, the number as written, or `true`/`false`.
    #[must_use]
    pub fn as_text(&self) -> &str {
        match self {
            Self::String(s) | Self::Number(s) => s,
            Self::Bool(true) => "true",
            Self::Bool(false) => "false",
        }
    }
}

/// A context key's value: one scalar, or a set of them (a multi-valued key such as
/// `aws:TagKeys`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ContextValue {
    /// A single-valued key.
    Single(ContextScalar),
    /// A multi-valued key; may be empty.
    Multi(Vec<ContextScalar>),
}

impl ContextValue {
    /// A single string value.
    #[must_use]
    pub fn string(value: &str) -> Self {
        Self::Single(ContextScalar::String(value.to_owned()))
    }

    /// A single boolean value.
    #[must_use]
    pub const fn bool(value: bool) -> Self {
        Self::Single(ContextScalar::Bool(value))
    }

    /// A single number, as its decimal text.
    #[must_use]
    pub fn number(text: &str) -> Self {
        Self::Single(ContextScalar::Number(text.to_owned()))
    }

    /// A multi-valued key holding strings.
    #[must_use]
    pub fn strings<'s>(values: impl IntoIterator<Item = &'s str>) -> Self {
        Self::Multi(
            values
                .into_iter()
                .map(|v| ContextScalar::String(v.to_owned()))
                .collect(),
        )
    }

    /// The text of a single-valued key (what a policy variable `${key}` is replaced with).
    /// `None` for a multi-valued key: such keys cannot be policy variables.
    #[must_use]
    pub fn as_single_text(&self) -> Option<&str> {
        match self {
            Self::Single(s) => Some(s.as_text()),
            Self::Multi(_) => None,
        }
    }
}

/// Condition keys and their values. Condition keys are case-insensitive: keys are stored
/// lower-cased, and both setting and looking up take a key in any case.
///
/// ```
/// use iam_policy::{Context, ContextValue};
/// let mut context = Context::new();
/// context.insert("aws:SourceIp", ContextValue::string("10.0.0.1"));
/// assert_eq!(context.get_text("aws:SourceIp"), Some("10.0.0.1"));
/// assert_eq!(context.get_text("AWS:sourceip"), Some("10.0.0.1"));
/// assert!(context.contains("aws:sourceIP"));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// Sorted by key, keys unique and lower-cased.
    entries: Vec<(String, ContextValue)>,
}

impl Context {
    /// An empty context.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `key` (any case) to `value`, replacing an earlier value.
    pub fn insert(&mut self, key: &str, value: ContextValue) {
        let key = key.to_ascii_lowercase();
        match self.entries.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            Ok(i) => {
                if let Some(slot) = self.entries.get_mut(i) {
                    slot.1 = value;
                }
            }
            Err(i) => self.entries.insert(i, (key, value)),
        }
    }

    /// Sets `key` (any case) to `value` unless the key is already present.
    pub fn insert_if_absent(&mut self, key: &str, value: ContextValue) {
        let key = key.to_ascii_lowercase();
        if let Err(i) = self.entries.binary_search_by(|(k, _)| k.as_str().cmp(&key)) {
            self.entries.insert(i, (key, value));
        }
    }

    /// The value of `key` (any case), if present.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&ContextValue> {
        self.entries
            .binary_search_by(|(k, _)| k.bytes().cmp(key.bytes().map(|b| b.to_ascii_lowercase())))
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v)
    }

    /// The text of the single-valued key `key` (any case): what a policy variable resolves
    /// to. `None` when the key is absent or multi-valued.
    #[must_use]
    pub fn get_text(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(ContextValue::as_single_text)
    }

    /// Whether `key` (any case) is present.
    #[must_use]
    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// [`get`](Self::get) for a key already lower-cased (the engine's keys are): one string
    /// comparison per probe.
    #[inline]
    pub(crate) fn get_lower(&self, key_lower: &str) -> Option<&ContextValue> {
        self.entries
            .binary_search_by(|(k, _)| k.as_str().cmp(key_lower))
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v)
    }

    /// [`get_text`](Self::get_text) for a key already lower-cased.
    #[inline]
    pub(crate) fn get_text_lower(&self, key_lower: &str) -> Option<&str> {
        self.get_lower(key_lower)
            .and_then(ContextValue::as_single_text)
    }

    /// How many keys.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no keys.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries, sorted by lower-cased key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ContextValue)> + '_ {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Sets `key` (any case) to the value `value` makes, its texts taken from `pool`; with
    /// `replace` false, an existing key keeps its value. What is displaced goes back to the
    /// pool: nothing is allocated once the pool holds enough buffers.
    pub(crate) fn insert_pooled(
        &mut self,
        key: &str,
        replace: bool,
        pool: &mut Pool,
        value: impl FnOnce(&mut Pool) -> ContextValue,
    ) {
        // The key lower-cased on the stack when short (context keys are), so that the search
        // compares bytes.
        let mut buf = [0u8; 64];
        let lower = match buf.get_mut(..key.len()) {
            Some(dst) => {
                dst.copy_from_slice(key.as_bytes());
                dst.make_ascii_lowercase();
                Some(&*dst)
            }
            None => None,
        };
        let found = match lower {
            Some(lower) => self
                .entries
                .binary_search_by(|(k, _)| k.as_bytes().cmp(lower)),
            None => self.entries.binary_search_by(|(k, _)| {
                k.bytes().cmp(key.bytes().map(|b| b.to_ascii_lowercase()))
            }),
        };
        match found {
            Ok(i) if replace => {
                let value = value(pool);
                if let Some(slot) = self.entries.get_mut(i) {
                    pool.recycle_value(std::mem::replace(&mut slot.1, value));
                }
            }
            Ok(_) => {}
            Err(i) => {
                let mut k = pool.string(key);
                k.make_ascii_lowercase();
                let value = value(pool);
                self.entries.insert(i, (k, value));
            }
        }
    }
}

/// A context key name made once, lower-cased and hashed ahead of time, for a server that
/// sets the same keys on every call (see
/// [`BufferedRequest::key_string`](crate::BufferedRequest::key_string)): the per-call path
/// then neither lower-cases nor hashes the name. Setting a key through its `ContextKey` is
/// the same as setting it by name.
///
/// ```
/// use iam_policy::{ContextKey, RequestBuffer};
///
/// // Made once, when the server starts.
/// let source_ip = ContextKey::new("aws:SourceIp");
/// assert_eq!(source_ip.as_str(), "aws:sourceip");
///
/// let mut buffer = RequestBuffer::new();
/// let request = buffer
///     .request()
///     .principal("arn:aws:sts::111122223333:assumed-role/app/s1")
///     .action("secretsmanager:GetSecretValue")
///     .resource("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf")
///     .key_string(&source_ip, "10.1.2.3")
///     .prepare()?;
/// assert_eq!(request.request().context().get_text("aws:SourceIp"), Some("10.1.2.3"));
/// # Ok::<(), iam_policy::RequestError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ContextKey {
    /// The name, lower-cased.
    lower: String,
    /// [`text_hash`](crate::bytes::text_hash) of `lower`.
    hash: u64,
}

impl ContextKey {
    /// The key named `name` (any case).
    #[must_use]
    pub fn new(name: &str) -> Self {
        let lower = name.to_ascii_lowercase();
        let hash = crate::bytes::text_hash(&lower);
        Self { lower, hash }
    }

    /// The name, lower-cased.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.lower
    }

    /// The hash of the lower-cased name.
    pub(crate) const fn hash(&self) -> u64 {
        self.hash
    }
}

/// Spare text buffers of a reused request (see [`Context::insert_pooled`]). Bounded: past
/// [`POOL_STRINGS`] strings and [`POOL_LISTS`] lists, returned buffers are freed.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pool {
    strings: Vec<String>,
    lists: Vec<Vec<ContextScalar>>,
}

/// The most spare strings a [`Pool`] keeps.
const POOL_STRINGS: usize = 1024;
/// The most spare value lists a [`Pool`] keeps.
const POOL_LISTS: usize = 64;

impl Pool {
    /// A string holding `text`, in a spare buffer if there is one.
    pub(crate) fn string(&mut self, text: &str) -> String {
        match self.strings.pop() {
            Some(mut s) => {
                s.clear();
                s.push_str(text);
                s
            }
            None => text.to_owned(),
        }
    }

    /// An empty list, a spare one if there is one.
    pub(crate) fn list(&mut self) -> Vec<ContextScalar> {
        self.lists.pop().unwrap_or_default()
    }

    fn recycle_string(&mut self, s: String) {
        // A string without memory (its text moved out) is not worth keeping.
        if s.capacity() > 0 && self.strings.len() < POOL_STRINGS {
            self.strings.push(s);
        }
    }

    fn recycle_scalar(&mut self, scalar: ContextScalar) {
        match scalar {
            ContextScalar::String(s) | ContextScalar::Number(s) => self.recycle_string(s),
            ContextScalar::Bool(_) => {}
        }
    }

    pub(crate) fn recycle_value(&mut self, value: ContextValue) {
        match value {
            ContextValue::Single(scalar) => self.recycle_scalar(scalar),
            ContextValue::Multi(mut list) => {
                for scalar in list.drain(..) {
                    self.recycle_scalar(scalar);
                }
                if self.lists.len() < POOL_LISTS {
                    self.lists.push(list);
                }
            }
        }
    }
}

/// An optional text that keeps its buffer while unset, so that a reused request allocates
/// nothing (reads like an `Option<String>`).
#[derive(Clone, Default, PartialEq, Eq)]
struct OptText {
    text: String,
    set: bool,
}

impl OptText {
    fn get(&self) -> Option<&str> {
        self.set.then_some(self.text.as_str())
    }

    fn set(&mut self, text: &str) {
        self.text.clear();
        self.text.push_str(text);
        self.set = true;
    }

    fn assign(&mut self, text: Option<&str>) {
        match text {
            Some(t) => self.set(t),
            None => self.unset(),
        }
    }

    fn unset(&mut self) {
        self.text.clear();
        self.set = false;
    }
}

impl fmt::Debug for OptText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

/// The most keys a request context may hold (module docs, "Limits").
pub const MAX_CONTEXT_KEYS: usize = 256;
/// The most values one multi-valued context key may hold.
pub const MAX_CONTEXT_VALUES: usize = 256;
/// The most bytes of key and value text a request context may hold, in all.
pub const MAX_CONTEXT_BYTES: usize = 256 * 1024;

/// Which context limit a request exceeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContextLimit {
    /// More than [`MAX_CONTEXT_KEYS`] keys.
    Keys,
    /// More than [`MAX_CONTEXT_VALUES`] values in one key.
    Values,
    /// More than [`MAX_CONTEXT_BYTES`] bytes of text.
    Bytes,
}

impl fmt::Display for ContextLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Keys => "keys",
            Self::Values => "values in one key",
            Self::Bytes => "bytes of text",
        })
    }
}

/// Checks the context against the limits (module docs, "Limits").
fn check_context(context: &Context) -> Result<(), RequestError> {
    let too_large = |limit, key: Option<&str>, found, max| RequestError::ContextTooLarge {
        limit,
        key: key.map(str::to_owned),
        found,
        max,
    };
    if context.len() > MAX_CONTEXT_KEYS {
        // The first key past the limit, not `context.len()`: the request buffer refuses a
        // request at that key and never counts the rest (`RequestError::ContextTooLarge`).
        return Err(too_large(
            ContextLimit::Keys,
            None,
            MAX_CONTEXT_KEYS + 1,
            MAX_CONTEXT_KEYS,
        ));
    }
    let mut bytes = 0usize;
    for (key, value) in context.iter() {
        bytes += key.len();
        match value {
            ContextValue::Single(scalar) => bytes += scalar.as_text().len(),
            ContextValue::Multi(values) => {
                if values.len() > MAX_CONTEXT_VALUES {
                    return Err(too_large(
                        ContextLimit::Values,
                        Some(key),
                        values.len(),
                        MAX_CONTEXT_VALUES,
                    ));
                }
                bytes += values.iter().map(|v| v.as_text().len()).sum::<usize>();
            }
        }
        if bytes > MAX_CONTEXT_BYTES {
            return Err(too_large(
                ContextLimit::Bytes,
                None,
                bytes,
                MAX_CONTEXT_BYTES,
            ));
        }
    }
    Ok(())
}

/// Why a request cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// No principal was given.
    #[error("the request has no principal")]
    MissingPrincipal,
    /// No action was given.
    #[error("the request has no action")]
    MissingAction,
    /// No resource was given.
    #[error("the request has no resource")]
    MissingResource,
    /// The principal is not a known kind of caller.
    #[error("principal `{principal}` is not valid: {reason}")]
    InvalidPrincipal {
        /// The principal as given.
        principal: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// The action is not `service:Action`.
    #[error(transparent)]
    InvalidAction(#[from] ActionError),
    /// The resource is neither `*` nor an ARN with six components.
    #[error(
        "resource `{0}` is neither `*` nor an ARN (`arn:partition:service:region:account:resource`)"
    )]
    InvalidResource(String),
    /// An account id is not twelve digits.
    #[error("account id `{0}` is not twelve digits")]
    InvalidAccount(String),
    /// The principal account given differs from the account in the principal ARN, or was
    /// given for a caller that has no account.
    #[error("principal account `{given}` does not match the principal `{principal}`")]
    PrincipalAccountMismatch {
        /// The account given.
        given: String,
        /// The principal.
        principal: String,
    },
    /// The context exceeds a limit (module docs, "Limits").
    #[error("the request context has too many {limit}{}: {found}, at most {max}", key.as_ref().map(|k| format!(" (`{k}`)")).unwrap_or_default())]
    ContextTooLarge {
        /// Which limit.
        limit: ContextLimit,
        /// The key, for the values limit.
        key: Option<String>,
        /// How many were counted when the limit was passed, the same whichever path built
        /// the request ([`RequestBuilder::build`] or a [`RequestBuffer`](crate::RequestBuffer)):
        ///
        /// - [`ContextLimit::Keys`]: always `max + 1`. The request is refused at its first key
        ///   past the limit; how many more keys it would have held is not counted (the
        ///   buffer keeps no more keys than the limit, so it cannot count them).
        /// - [`ContextLimit::Values`]: the number of values of `key`, exactly.
        /// - [`ContextLimit::Bytes`]: at least `max + 1`: the bytes of key and value text
        ///   counted up to the key that passed the limit. The builder counts the keys in
        ///   lower-cased key order, the buffer in the order they are set, so the two can
        ///   differ when the keys were not set in key order.
        found: usize,
        /// The limit.
        max: usize,
    },
    /// The resource account given differs from the account in the resource ARN.
    #[error("resource account `{given}` does not match the account in resource `{resource}`")]
    ResourceAccountMismatch {
        /// The account given.
        given: String,
        /// The resource.
        resource: String,
    },
}

/// The kind of caller, read from the principal string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CallerKind {
    /// An IAM user, `arn:aws:iam::A:user/path/name`.
    User,
    /// An IAM role itself, `arn:aws:iam::A:role/path/name` (rare: real callers are sessions).
    Role,
    /// An assumed-role session, `arn:aws:sts::A:assumed-role/ROLE/SESSION`.
    AssumedRole,
    /// A federated user session (GetFederationToken), `arn:aws:sts::A:federated-user/NAME`.
    FederatedUser,
    /// The account's root user, `arn:aws:iam::A:root`.
    Root,
    /// An AWS service principal such as `lambda.amazonaws.com` (no account).
    Service,
    /// An unauthenticated caller: `anonymous` or `*`.
    Anonymous,
}

impl CallerKind {
    /// Whether the caller is an IAM principal of an account that signs its requests with its
    /// partition's credentials (every kind but a service principal and an anonymous caller).
    pub(crate) const fn is_signed(self) -> bool {
        !matches!(self, Self::Service | Self::Anonymous)
    }

    /// The value of `aws:PrincipalType` for this kind, if AWS documents one.
    #[must_use]
    pub const fn principal_type(self) -> Option<&'static str> {
        match self {
            Self::User => Some("User"),
            Self::Role | Self::AssumedRole => Some("AssumedRole"),
            Self::FederatedUser => Some("FederatedUser"),
            Self::Root => Some("Account"),
            Self::Anonymous => Some("Anonymous"),
            Self::Service => None,
        }
    }

    /// Whether the caller is an IAM identity that can carry identity policies, a permissions
    /// boundary and a session policy (user, role, role session, federated user).
    #[must_use]
    pub const fn is_iam_identity(self) -> bool {
        matches!(
            self,
            Self::User | Self::Role | Self::AssumedRole | Self::FederatedUser
        )
    }
}

/// The caller of a request, parsed from its principal string.
///
/// ARNs are compared case-sensitively (D-03).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    kind: CallerKind,
    /// The principal as given (`anonymous` for both anonymous spellings).
    text: String,
    /// The partition of an ARN principal (`aws` otherwise).
    partition: String,
    /// The account of an ARN principal.
    account: OptText,
    /// User name, role name, the role of a session, or the federated user's name.
    name: String,
    /// The session name of an assumed-role session.
    session: String,
    /// For a session or a role: `arn:PARTITION:iam::A:role/NAME` (no path). For a role the
    /// role's own ARN.
    role_arn: OptText,
    /// Where `name`, the account and `partition` are in `text` ([`NOT_IN_TEXT`] when not).
    offsets: [u32; 3],
}

/// An offset of [`Caller::offsets`] for a part that is not in the caller's text.
const NOT_IN_TEXT: u32 = u32::MAX;

impl Caller {
    /// Parses a principal string.
    ///
    /// Accepted forms: `arn:P:iam::A:user/[path/]name`, `arn:P:iam::A:role/[path/]name`,
    /// `arn:P:sts::A:assumed-role/ROLE/SESSION`, `arn:P:sts::A:federated-user/NAME`,
    /// `arn:P:iam::A:root`, a service principal such as `lambda.amazonaws.com`, and `anonymous`
    /// or `*` for an unauthenticated caller.
    ///
    /// ```
    /// use iam_policy::{Caller, CallerKind};
    /// let p = Caller::parse("arn:aws:sts::111122223333:assumed-role/app/s1")?;
    /// assert_eq!(p.kind(), CallerKind::AssumedRole);
    /// assert_eq!(p.role_arn(), Some("arn:aws:iam::111122223333:role/app"));
    /// # Ok::<(), iam_policy::RequestError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`RequestError::InvalidPrincipal`] or [`RequestError::InvalidAccount`].
    pub fn parse(text: &str) -> Result<Self, RequestError> {
        let mut caller = Self::empty();
        caller.set(text)?;
        Ok(caller)
    }

    /// A caller with no text, to be [`set`](Self::set) before use.
    fn empty() -> Self {
        Self {
            kind: CallerKind::Anonymous,
            text: String::new(),
            partition: String::new(),
            account: OptText::default(),
            name: String::new(),
            session: String::new(),
            role_arn: OptText::default(),
            offsets: [NOT_IN_TEXT; 3],
        }
    }

    /// [`parse`](Self::parse) into this caller, reusing its buffers (a reused request
    /// allocates nothing). On error the caller is left as it was: the request that holds it
    /// is not used.
    fn set(&mut self, text: &str) -> Result<(), RequestError> {
        let view = CallerView::parse(text)?;
        self.assign(&view);
        Ok(())
    }

    /// Copies `view` into this caller's buffers.
    fn assign(&mut self, view: &CallerView<'_>) {
        self.kind = view.kind;
        self.text.clear();
        self.text.push_str(view.text);
        self.partition.clear();
        self.partition.push_str(view.partition);
        self.account.assign(view.account);
        self.name.clear();
        self.name.push_str(view.name);
        self.session.clear();
        self.session.push_str(view.session);
        self.role_arn.unset();
        if let Some(pieces) = view.role_arn_pieces() {
            for piece in pieces {
                self.role_arn.text.push_str(piece);
            }
            self.role_arn.set = true;
        }
        self.offsets = view.offsets;
    }

    /// The caller's parts, borrowed.
    pub(crate) fn view(&self) -> CallerView<'_> {
        CallerView {
            kind: self.kind,
            text: &self.text,
            partition: &self.partition,
            account: self.account.get(),
            name: &self.name,
            session: &self.session,
            role_arn: self.role_arn.get().map_or(RoleArn::None, RoleArn::Whole),
            offsets: self.offsets,
        }
    }

    /// The kind of caller.
    #[must_use]
    pub const fn kind(&self) -> CallerKind {
        self.kind
    }

    /// The principal as given: an ARN, a service name, or `anonymous`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The principal's ARN, for ARN principals.
    #[must_use]
    pub fn arn(&self) -> Option<&str> {
        self.account.set.then_some(self.text.as_str())
    }

    /// The partition of an ARN principal (`aws` for services and anonymous callers).
    #[must_use]
    pub fn partition(&self) -> &str {
        &self.partition
    }

    /// The account in the principal's ARN.
    #[must_use]
    pub fn account(&self) -> Option<&str> {
        self.account.get()
    }

    /// The user name (users), role name (roles and sessions), federated user name, or
    /// service name; empty for the root user and anonymous callers.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The session name of an assumed-role session; empty otherwise.
    #[must_use]
    pub fn session_name(&self) -> &str {
        &self.session
    }

    /// The role ARN of a role (its own ARN) or of a session (`arn:P:iam::A:role/NAME`,
    /// without the path that the session ARN does not carry).
    #[must_use]
    pub fn role_arn(&self) -> Option<&str> {
        self.role_arn.get()
    }

    /// The value of `aws:PrincipalArn` for this caller.
    #[must_use]
    pub fn principal_arn(&self) -> Option<&str> {
        principal_arn_of(self.kind, self.text.as_str(), self.role_arn.get())
    }
}

/// How the role ARN of a caller is known (see [`Caller::role_arn`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum RoleArn<'a> {
    /// The caller has none (not a role or a session).
    None,
    /// As one text: a role's own ARN, or the one an owned [`Caller`] keeps.
    Whole(&'a str),
    /// A session's role, `arn:PARTITION:iam::ACCOUNT:role/NAME`, made of the caller's parts.
    Session,
}

/// The parts of a caller, borrowed from the principal text ([`CallerView::parse`], the one
/// principal parser) or from a [`Caller`] ([`Caller::view`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallerView<'a> {
    pub(crate) kind: CallerKind,
    /// The principal as given (`anonymous` for both anonymous spellings).
    pub(crate) text: &'a str,
    pub(crate) partition: &'a str,
    pub(crate) account: Option<&'a str>,
    /// See [`Caller::name`].
    pub(crate) name: &'a str,
    pub(crate) session: &'a str,
    pub(crate) role_arn: RoleArn<'a>,
    /// Where the name, the account and the partition are in `text` ([`NOT_IN_TEXT`] when
    /// not).
    pub(crate) offsets: [u32; 3],
}

impl<'a> CallerView<'a> {
    /// Parses a principal string (see [`Caller::parse`] for the accepted forms).
    pub(crate) fn parse(text: &'a str) -> Result<Self, RequestError> {
        let invalid = |reason| RequestError::InvalidPrincipal {
            principal: text.to_owned(),
            reason,
        };
        let mut view = Self {
            kind: CallerKind::Anonymous,
            text,
            partition: "aws",
            account: None,
            name: "",
            session: "",
            role_arn: RoleArn::None,
            offsets: [NOT_IN_TEXT; 3],
        };
        // Where a part (a slice of `text`) is in `text`.
        let offset = |part: &str| {
            u32::try_from((part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize))
                .unwrap_or(NOT_IN_TEXT)
        };
        if text == "*" || text == "anonymous" {
            view.text = "anonymous";
            return Ok(view);
        }
        if !text.starts_with("arn:") {
            let is_service = text.contains('.')
                && !text.contains(':')
                && !text.starts_with('.')
                && !text.ends_with('.')
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'));
            if is_service {
                view.kind = CallerKind::Service;
                view.name = text;
                view.offsets[0] = 0;
                return Ok(view);
            }
            return Err(invalid(
                "expected an IAM or STS ARN, a service name or `anonymous`",
            ));
        }
        let arn = ArnParts::parse(text).ok_or_else(|| invalid("an ARN has six components"))?;
        let account = arn.account(text);
        if account.is_empty() {
            return Err(invalid("the ARN has no account"));
        }
        check_account(account)?;
        let partition = arn.partition(text);
        let rest = arn.resource(text);
        view.partition = partition;
        view.account = Some(account);
        view.offsets[1] = offset(account);
        view.offsets[2] = offset(partition);
        match arn.service(text) {
            "iam" => {
                if rest == "root" {
                    view.kind = CallerKind::Root;
                } else if let Some(path_name) = rest.strip_prefix("user/") {
                    view.kind = CallerKind::User;
                    let name = last_segment(path_name)
                        .ok_or_else(|| invalid("the user ARN has no user name"))?;
                    view.name = name;
                    view.offsets[0] = offset(name);
                } else if let Some(path_name) = rest.strip_prefix("role/") {
                    view.kind = CallerKind::Role;
                    let name = last_segment(path_name)
                        .ok_or_else(|| invalid("the role ARN has no role name"))?;
                    view.name = name;
                    view.offsets[0] = offset(name);
                    view.role_arn = RoleArn::Whole(text);
                } else {
                    return Err(invalid(
                        "an IAM principal is `user/...`, `role/...` or `root`",
                    ));
                }
            }
            "sts" => {
                if let Some(role_session) = rest.strip_prefix("assumed-role/") {
                    let (role, session) = split_at_slash(role_session)
                        .filter(|(r, s)| !r.is_empty() && !s.is_empty() && !has_slash(s))
                        .ok_or_else(|| invalid("a session ARN is `assumed-role/ROLE/SESSION`"))?;
                    view.kind = CallerKind::AssumedRole;
                    view.name = role;
                    view.offsets[0] = offset(role);
                    view.session = session;
                    view.role_arn = RoleArn::Session;
                } else if let Some(name) = rest.strip_prefix("federated-user/") {
                    if name.is_empty() || has_slash(name) {
                        return Err(invalid("a federated user ARN is `federated-user/NAME`"));
                    }
                    view.kind = CallerKind::FederatedUser;
                    view.name = name;
                    view.offsets[0] = offset(name);
                } else {
                    return Err(invalid(
                        "an STS principal is `assumed-role/ROLE/SESSION` or `federated-user/NAME`",
                    ));
                }
            }
            _ => return Err(invalid("a principal ARN belongs to `iam` or `sts`")),
        }
        Ok(view)
    }

    /// The role ARN (see [`Caller::role_arn`]) as texts to join, if the caller has one.
    pub(crate) fn role_arn_pieces(&self) -> Option<[&'a str; 6]> {
        match self.role_arn {
            RoleArn::None => None,
            RoleArn::Whole(arn) => Some([arn, "", "", "", "", ""]),
            RoleArn::Session => Some([
                "arn:",
                self.partition,
                ":iam::",
                self.account.unwrap_or_default(),
                ":role/",
                self.name,
            ]),
        }
    }

    /// The key under which the caller's identity policies are stored (a user's ARN, a role's
    /// or a session's role's ARN without path; `None` for other callers), as texts to join.
    pub(crate) fn store_key(&self) -> Option<CallerKey<'a>> {
        match self.kind {
            CallerKind::User => Some(CallerKey::Text),
            // A session's role ARN never has a path.
            CallerKind::AssumedRole => Some(CallerKey::RoleArn),
            CallerKind::Role => {
                let arn = match self.role_arn {
                    RoleArn::Whole(arn) => arn,
                    RoleArn::None | RoleArn::Session => self.text,
                };
                let has_path = arn
                    .split_once(":role/")
                    .is_some_and(|(_, path_name)| has_slash(path_name));
                if !has_path {
                    return Some(CallerKey::RoleArn);
                }
                Some(CallerKey::Pieces([
                    "arn:",
                    self.partition,
                    ":iam::",
                    self.account?,
                    ":role/",
                    self.name,
                ]))
            }
            CallerKind::FederatedUser
            | CallerKind::Root
            | CallerKind::Service
            | CallerKind::Anonymous => None,
        }
    }
}

/// A caller parsed before by [`CallerView::parse`], to read the same caller again, or another
/// session of the same role, without parsing it again: a server sees the same few callers
/// over and over, and the sessions of one role differ only in their session names. What
/// [`view`](Self::view) returns is what [`CallerView::parse`] returns for the same text (its
/// doc says why); when it cannot tell, it returns `None` and the caller parses.
#[derive(Clone, Debug, Default)]
pub(crate) struct KnownCaller {
    /// The text parsed: the whole principal, or for a session its text up to and including
    /// the `/` before the session name. Empty: nothing known.
    text: String,
    /// Whether `text` is a session's text without its session name.
    session: bool,
    kind: Option<CallerKind>,
    /// Where the partition, the account and the name are in `text`: offset and length.
    partition: (usize, usize),
    account: Option<(usize, usize)>,
    name: (usize, usize),
    offsets: [u32; 3],
}

impl KnownCaller {
    /// Remembers `view`, the caller [`CallerView::parse`] read from its text. Only ARN
    /// callers whose parts are all in their text are kept (the others are cheap to parse).
    pub(crate) fn remember(&mut self, view: &CallerView<'_>) {
        self.text.clear();
        self.kind = None;
        let [name_at, account_at, partition_at] = view.offsets;
        let arn_caller = matches!(
            view.kind,
            CallerKind::User
                | CallerKind::Role
                | CallerKind::AssumedRole
                | CallerKind::FederatedUser
                | CallerKind::Root
        );
        let Some(account) = view.account else {
            return;
        };
        if !arn_caller || partition_at == NOT_IN_TEXT || account_at == NOT_IN_TEXT {
            return;
        }
        let session = view.kind == CallerKind::AssumedRole;
        let kept = if session {
            // The session name is the end of the text (`assumed-role/ROLE/SESSION`).
            view.text.len() - view.session.len()
        } else {
            view.text.len()
        };
        let Some(kept_text) = view.text.get(..kept) else {
            return;
        };
        let name = if name_at == NOT_IN_TEXT {
            (0, 0)
        } else {
            (name_at as usize, view.name.len())
        };
        self.text.push_str(kept_text);
        self.session = session;
        self.kind = Some(view.kind);
        self.partition = (partition_at as usize, view.partition.len());
        self.account = Some((account_at as usize, account.len()));
        self.name = name;
        self.offsets = view.offsets;
    }

    /// Whether a caller is remembered.
    pub(crate) const fn is_known(&self) -> bool {
        self.kind.is_some()
    }

    /// What [`CallerView::parse`] returns for `text`, if `text` is the caller remembered, or
    /// (for a session) the remembered text followed by a session name. `None` otherwise.
    /// `end` is [`after_last_slash`] of `text`.
    ///
    /// Why it is the parse's answer: the remembered text passed the parse, and its ARN's five
    /// colons, its account, its service, its kind and its name are all within it. For the
    /// same text, the parse gives the same answer. For a session, the remembered text ends
    /// with `assumed-role/ROLE/` (`ROLE` non-empty, without `/`): the parse of that text
    /// followed by `SESSION` splits at the same colons, reads the same account, service and
    /// role, and accepts exactly when `SESSION` is not empty and holds no `/`, checked here.
    #[inline]
    pub(crate) fn view<'a>(&self, text: &'a str, end: usize) -> Option<CallerView<'a>> {
        let kind = self.kind?;
        let kept = self.text.len();
        // A session: its name (after `kept`) is not empty and holds no `/` (`kept` is after
        // the last one). Another caller: the whole text.
        let shape = if self.session {
            end == kept && text.len() > kept
        } else {
            text.len() == kept
        };
        if !shape || !same_prefix(text.as_bytes(), self.text.as_bytes()) {
            return None;
        }
        // `kept` ends at an ASCII byte of `text` (equal to the remembered one): a boundary.
        let session = text.get(kept..)?;
        let part = |(at, len): (usize, usize)| text.get(at..at + len);
        Some(CallerView {
            kind,
            text,
            partition: part(self.partition)?,
            account: Some(part(self.account?)?),
            name: part(self.name)?,
            session: if self.session { session } else { "" },
            role_arn: match kind {
                CallerKind::Role => RoleArn::Whole(text),
                CallerKind::AssumedRole => RoleArn::Session,
                _ => RoleArn::None,
            },
            offsets: self.offsets,
        })
    }
}

/// The length of `text` up to and including its last `/` (its whole length without one).
#[inline]
pub(crate) fn after_last_slash(text: &str) -> usize {
    crate::bytes::last_byte(text.as_bytes(), b'/').map_or(text.len(), |at| at + 1)
}

/// Whether `text` starts with `prefix`.
#[inline]
fn same_prefix(text: &[u8], prefix: &[u8]) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| crate::bytes::same_head(head, prefix))
}

/// Where the store key of a caller is (see [`CallerView::store_key`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum CallerKey<'a> {
    /// The principal text.
    Text,
    /// The role ARN.
    RoleArn,
    /// These texts joined.
    Pieces([&'a str; 6]),
}

impl fmt::Display for Caller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Byte offsets of the five colons of an ARN (`arn:p:s:r:a:rest`), found by the one ARN
/// splitter ([`crate::arn::colon_offsets`]), for text the caller owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct ArnParts {
    colons: [usize; 5],
}

impl ArnParts {
    /// Splits `text` at its first five colons; `None` unless it starts with `arn:` and has them.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        if !text.starts_with("arn:") {
            return None;
        }
        crate::arn::colon_offsets(text).map(|colons| Self { colons })
    }

    /// The offset of the second colon: where the partition ends.
    pub(crate) const fn partition_end(&self) -> usize {
        let [_, second, ..] = self.colons;
        second
    }

    /// The length of the text up to and including the fifth colon: every text that starts
    /// with the same bytes splits at the same colons (the prefix holds all five), so it has
    /// these parts.
    pub(crate) const fn prefix_len(&self) -> usize {
        let [.., fifth] = self.colons;
        fifth + 1
    }

    /// Field `n` (0: `arn`, 5: the resource part). Inlined: `n` is a constant where it is
    /// called, and the field is then two loads and a slice.
    #[inline(always)]
    fn field<'t>(&self, text: &'t str, n: usize) -> &'t str {
        let start = match n {
            0 => Some(0),
            _ => self.colons.get(n - 1).map(|c| c + 1),
        };
        let end = self.colons.get(n).copied().unwrap_or(text.len());
        start.and_then(|s| text.get(s..end)).unwrap_or("")
    }

    /// The partition (`aws`).
    #[inline]
    pub(crate) fn partition<'t>(&self, text: &'t str) -> &'t str {
        self.field(text, 1)
    }

    /// The service (`s3`).
    #[inline]
    pub(crate) fn service<'t>(&self, text: &'t str) -> &'t str {
        self.field(text, 2)
    }

    /// The account (may be empty).
    #[inline]
    pub(crate) fn account<'t>(&self, text: &'t str) -> &'t str {
        self.field(text, 4)
    }

    /// Everything after the fifth colon.
    #[inline]
    pub(crate) fn resource<'t>(&self, text: &'t str) -> &'t str {
        self.field(text, 5)
    }
}

/// The text before and after the first `/` (a byte search: callers split ASCII ARN paths on
/// every call).
fn split_at_slash(text: &str) -> Option<(&str, &str)> {
    let at = text.bytes().position(|b| b == b'/')?;
    Some((text.get(..at)?, text.get(at + 1..)?))
}

/// Whether `text` holds a `/`.
fn has_slash(text: &str) -> bool {
    text.bytes().any(|b| b == b'/')
}

/// The last `/`-separated segment, if non-empty.
fn last_segment(path_name: &str) -> Option<&str> {
    path_name.rsplit('/').next().filter(|s| !s.is_empty())
}

/// Checks that `account` is an account ID (twelve digits). Inlined: every request checks one
/// or two; the error is made out of line.
#[inline]
pub(crate) fn check_account(account: &str) -> Result<(), RequestError> {
    if is_account_id(account.as_bytes()) {
        Ok(())
    } else {
        Err(invalid_account(account))
    }
}

/// The error of [`check_account`].
#[cold]
#[inline(never)]
fn invalid_account(account: &str) -> RequestError {
    RequestError::InvalidAccount(account.to_owned())
}

/// Whether `bytes` are twelve ASCII digits (every request checks one or two accounts: read
/// eight and four bytes at a time).
#[inline]
fn is_account_id(bytes: &[u8]) -> bool {
    /// Whether every byte of `word` is an ASCII digit: `word ^ '0'` makes a digit 0..=9, and a
    /// byte below 0x80 plus 0x76 reaches 0x80 exactly when it is 10 or more (no carry out of
    /// a byte below 0x80; a byte of 0x80 or more fails on its own high bit).
    const fn digits(word: u64) -> bool {
        let x = word ^ 0x3030_3030_3030_3030;
        (x | x.wrapping_add(0x7676_7676_7676_7676)) & 0x8080_8080_8080_8080 == 0
    }
    let Ok(bytes) = <&[u8; 12]>::try_from(bytes) else {
        return false;
    };
    let [a, b, c, d, e, f, g, h, i, j, k, l] = *bytes;
    // The last four bytes padded with the digit `0`.
    digits(u64::from_le_bytes([a, b, c, d, e, f, g, h]))
        && digits(u64::from_le_bytes([i, j, k, l, b'0', b'0', b'0', b'0']))
}

/// What kind of resource the request targets; decides the trust-policy and key-policy rule
/// (D-10).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceKind {
    /// `*`: an action without a resource type.
    Any,
    /// Any other ARN.
    Arn,
    /// An IAM role ARN with an action AWS evaluates against the role's trust policy
    /// (`sts:AssumeRole*`, `sts:TagSession`, `sts:SetSourceIdentity`, `sts:SetContext`; see
    /// [`is_trust_action`]): the resource policy is the
    /// role's trust policy.
    RoleTrust,
    /// A KMS key (`arn:P:kms:R:A:key/...`): the resource policy is the key policy.
    KmsKey,
    /// A resource that AWS owns: its ARN's account field is `aws`
    /// (`arn:aws:iam::aws:policy/ReadOnlyAccess`). It belongs to no customer account, so
    /// `aws:ResourceAccount` is absent; the caller's own policies decide (there is no
    /// resource-based policy to consult), with SCPs and any RCPs given applying as usual. See
    /// [`AwsRule`](crate::AwsRule).
    AwsOwned,
}

/// A request to authorize, prepared for evaluation.
///
/// Build one with [`Request::builder`].
///
/// ```
/// use iam_policy::{ContextValue, Request};
/// let request = Request::builder()
///     .principal("arn:aws:iam::111122223333:user/alice")
///     .action("secretsmanager:GetSecretValue")
///     .resource("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf")
///     .context_value("aws:PrincipalTag/team", ContextValue::string("payments"))
///     .build()?;
/// assert_eq!(request.principal_account(), Some("111122223333"));
/// assert_eq!(request.context().get_text("aws:username"), Some("alice"));
/// # Ok::<(), iam_policy::RequestError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Request {
    principal: Caller,
    principal_account: OptText,
    action: Action,
    resource: String,
    resource_kind: ResourceKind,
    resource_account: OptText,
    context: Context,
    aws_rule: Option<AwsRule>,
}

impl Request {
    /// A builder for a request.
    #[must_use]
    pub fn builder() -> RequestBuilder {
        RequestBuilder::default()
    }

    /// The caller.
    #[must_use]
    pub const fn principal(&self) -> &Caller {
        &self.principal
    }

    /// The caller's account (from the principal ARN unless given); `None` for service
    /// principals and anonymous callers.
    #[must_use]
    pub fn principal_account(&self) -> Option<&str> {
        self.principal_account.get()
    }

    /// The action.
    #[must_use]
    pub const fn action(&self) -> &Action {
        &self.action
    }

    /// The action lower-cased, such as `secretsmanager:getsecretvalue`.
    #[must_use]
    pub fn action_lower(&self) -> &str {
        self.action.as_lower()
    }

    /// The action's service prefix, lower-cased.
    #[must_use]
    pub fn service(&self) -> &str {
        self.action.service()
    }

    /// The resource: an ARN, or `*` for actions without a resource type.
    #[must_use]
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// What kind of resource this is.
    #[must_use]
    pub const fn resource_kind(&self) -> ResourceKind {
        self.resource_kind
    }

    /// The resource's account (given, from the ARN, or the principal's account; see the
    /// module docs).
    #[must_use]
    pub fn resource_account(&self) -> Option<&str> {
        self.resource_account.get()
    }

    /// Whether principal and resource are in the same account.
    #[must_use]
    pub fn is_same_account(&self) -> bool {
        matches!(
            (self.principal_account.get(), self.resource_account.get()),
            (Some(p), Some(r)) if p == r
        )
    }

    /// The context, including the derived keys (see the module docs).
    #[must_use]
    pub const fn context(&self) -> &Context {
        &self.context
    }

    /// The rule AWS applies to this request beyond the policy text, if any (see
    /// [`AwsRule`](crate::AwsRule)); read once when the request is built.
    #[must_use]
    pub const fn aws_rule(&self) -> Option<AwsRule> {
        self.aws_rule
    }
}

/// Builds a [`Request`]; see [`Request::builder`].
#[derive(Clone, Debug, Default)]
pub struct RequestBuilder {
    principal: Option<String>,
    principal_account: Option<String>,
    action: Option<String>,
    resource: Option<String>,
    resource_account: Option<String>,
    context: Context,
}

impl RequestBuilder {
    /// The caller: an IAM or STS ARN, a service name, or `anonymous`/`*`.
    #[must_use]
    pub fn principal(mut self, principal: &str) -> Self {
        self.principal = Some(principal.to_owned());
        self
    }

    /// The caller's account, if it must be given explicitly (it must then equal the ARN's).
    #[must_use]
    pub fn principal_account(mut self, account: &str) -> Self {
        self.principal_account = Some(account.to_owned());
        self
    }

    /// The action, `service:ActionName` (any case).
    #[must_use]
    pub fn action(mut self, action: &str) -> Self {
        self.action = Some(action.to_owned());
        self
    }

    /// The resource ARN, or `*`.
    #[must_use]
    pub fn resource(mut self, resource: &str) -> Self {
        self.resource = Some(resource.to_owned());
        self
    }

    /// The resource's account (needed for S3 ARNs of another account).
    #[must_use]
    pub fn resource_account(mut self, account: &str) -> Self {
        self.resource_account = Some(account.to_owned());
        self
    }

    /// Sets one context key (any case).
    #[must_use]
    pub fn context_value(mut self, key: &str, value: ContextValue) -> Self {
        self.context.insert(key, value);
        self
    }

    /// Replaces the whole context.
    #[must_use]
    pub fn context(mut self, context: Context) -> Self {
        self.context = context;
        self
    }

    /// Checks and prepares the request.
    ///
    /// # Errors
    ///
    /// A [`RequestError`] when a part is missing or malformed, or the accounts disagree with the
    /// ARNs.
    pub fn build(self) -> Result<Request, RequestError> {
        let mut request = Request::empty();
        request.context = self.context;
        request.fill(
            &Parts {
                principal: self.principal.as_deref(),
                principal_account: self.principal_account.as_deref(),
                action: self.action.as_deref(),
                resource: self.resource.as_deref(),
                resource_account: self.resource_account.as_deref(),
            },
            &mut Pool::default(),
        )?;
        Ok(request)
    }
}

/// The parts of a request other than its context, borrowed from the caller (see
/// [`Request::fill`]).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Parts<'a> {
    pub(crate) principal: Option<&'a str>,
    pub(crate) principal_account: Option<&'a str>,
    pub(crate) action: Option<&'a str>,
    pub(crate) resource: Option<&'a str>,
    pub(crate) resource_account: Option<&'a str>,
}

impl Request {
    /// A request with no parts, to be [`fill`](Self::fill)ed before use.
    pub(crate) fn empty() -> Self {
        Self {
            principal: Caller::empty(),
            principal_account: OptText::default(),
            action: Action::empty(),
            resource: String::new(),
            resource_kind: ResourceKind::Any,
            resource_account: OptText::default(),
            context: Context::new(),
            aws_rule: None,
        }
    }

    /// The context, to be set before [`fill`](Self::fill).
    pub(crate) const fn context_mut(&mut self) -> &mut Context {
        &mut self.context
    }

    /// Checks and prepares the request from `parts` and the context already in place (the
    /// work of [`RequestBuilder::build`]), reusing this request's buffers and texts from
    /// `pool`: once they are long enough nothing is allocated. On error the request is left
    /// partly filled and must not be decided (callers drop it or keep it unreachable).
    pub(crate) fn fill(&mut self, parts: &Parts<'_>, pool: &mut Pool) -> Result<(), RequestError> {
        check_context(&self.context)?;
        self.fill_core(parts)?;
        let context = &mut self.context;
        let caller = &self.principal;
        let from = DerivedFrom {
            kind: caller.kind(),
            text: caller.as_str(),
            role_arn: caller.role_arn(),
            name: caller.name(),
            principal_account: self.principal_account.get(),
            resource_account: self.resource_account.get(),
        };
        for_each_derived(
            from,
            |value| value,
            |key, value| {
                context.insert_pooled(key.key, false, pool, |pool| match value {
                    Derived::Text(text) => {
                        ContextValue::Single(ContextScalar::String(pool.string(text)))
                    }
                    Derived::Bool(b) => ContextValue::bool(b),
                });
            },
        );
        Ok(())
    }

    /// The checks and parts of [`fill`](Self::fill) without the context: the context is
    /// neither checked nor given its derived keys (the caller does both; see
    /// [`for_each_derived`]).
    pub(crate) fn fill_core(&mut self, parts: &Parts<'_>) -> Result<(), RequestError> {
        let checked = Checked::new(parts)?;
        self.principal.assign(&checked.caller);
        self.principal_account.assign(checked.principal_account);
        self.action.assign(checked.action, checked.colon);
        let (resource_kind, aws_rule) = checked.kinds(self.action.as_lower());
        self.aws_rule = aws_rule;
        self.resource.clear();
        self.resource.push_str(checked.resource);
        self.resource_kind = resource_kind;
        self.resource_account.assign(checked.resource_account);
        Ok(())
    }

    /// The request's parts, borrowed (as [`Checked::new`] makes them).
    pub(crate) fn checked(&self) -> Checked<'_> {
        Checked {
            caller: self.principal.view(),
            action: self.action.as_str(),
            colon: self.action.colon(),
            resource: &self.resource,
            arn: None,
            kind: self.resource_kind,
            role_resource: false,
            cross_partition: false,
            principal_account: self.principal_account.get(),
            resource_account: self.resource_account.get(),
        }
    }
}

/// The parts of a request once checked, borrowed from the caller's strings: what
/// [`RequestBuilder::build`] checks, in one place ([`Checked::new`]), for the owned
/// [`Request`] and for the prepared request a [`RequestBuffer`](crate::RequestBuffer) writes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Checked<'a> {
    pub(crate) caller: CallerView<'a>,
    /// The action as given, and the offset of its colon.
    pub(crate) action: &'a str,
    pub(crate) colon: usize,
    pub(crate) resource: &'a str,
    /// The service, account and resource part of the resource ARN.
    arn: Option<(&'a str, &'a str, &'a str)>,
    /// The resource's kind, but for [`ResourceKind::RoleTrust`] (which depends on the action:
    /// [`Checked::kinds`]).
    kind: ResourceKind,
    /// Whether the resource is an IAM role (a trust action makes it `RoleTrust`).
    role_resource: bool,
    /// Whether the caller and the resource ARN are in different partitions
    /// ([`aws_rules::crosses_partition`]).
    cross_partition: bool,
    /// The caller's account (given, or from its ARN).
    pub(crate) principal_account: Option<&'a str>,
    /// The resource's account (given, from its ARN, or the caller's; module docs).
    pub(crate) resource_account: Option<&'a str>,
}

impl<'a> Checked<'a> {
    /// Checks `parts` (the checks of [`RequestBuilder::build`] but for the context, in the
    /// same order, with the same errors).
    pub(crate) fn new(parts: &Parts<'a>) -> Result<Self, RequestError> {
        Self::check(
            parts,
            CallerView::parse,
            crate::action::check_request_action,
            ArnParts::parse,
        )
    }

    /// [`new`](Self::new), the caller read by `parse_caller` (which answers as
    /// [`CallerView::parse`] does, from a memory of callers parsed before or not), the
    /// action checked by `check_action` (which answers as
    /// [`check_request_action`](crate::action::check_request_action) does, likewise) and the
    /// resource ARN split by `split_resource` (which answers as [`ArnParts::parse`] does,
    /// likewise).
    /// Inlined into its two callers: out of line, the checked parts (some 250 bytes) are
    /// returned through memory and copied again (the compiler's own choice flips with
    /// unrelated code: 37 instructions more per buffered call when it did).
    #[inline(always)]
    pub(crate) fn check(
        parts: &Parts<'a>,
        parse_caller: impl FnOnce(&'a str) -> Result<CallerView<'a>, RequestError>,
        check_action: impl FnOnce(&'a str) -> Result<usize, ActionError>,
        split_resource: impl FnOnce(&'a str) -> Option<ArnParts>,
    ) -> Result<Self, RequestError> {
        // `let else`, not `ok_or`: the error is made only when it is returned (an error made
        // and dropped on every call costs a drop of the whole enum).
        let Some(principal_text) = parts.principal else {
            return Err(RequestError::MissingPrincipal);
        };
        let caller = parse_caller(principal_text)?;
        let principal_account = match (parts.principal_account, caller.account) {
            (None, arn) => arn,
            (Some(given), Some(arn)) if given == arn => Some(given),
            (Some(given), _) => {
                return Err(RequestError::PrincipalAccountMismatch {
                    given: given.to_owned(),
                    principal: principal_text.to_owned(),
                });
            }
        };

        let Some(action) = parts.action else {
            return Err(RequestError::MissingAction);
        };
        let colon = check_action(action)?;

        let Some(resource) = parts.resource else {
            return Err(RequestError::MissingResource);
        };
        let mut arn = None;
        let mut role_resource = false;
        let mut cross_partition = false;
        let (kind, arn_account) = if resource == "*" {
            (ResourceKind::Any, None)
        } else {
            let Some(parts) = split_resource(resource) else {
                return Err(RequestError::InvalidResource(resource.to_owned()));
            };
            let rest = parts.resource(resource);
            let service = parts.service(resource);
            let account = parts.account(resource);
            arn = Some((service, account, rest));
            cross_partition = aws_rules::crosses_partition(
                caller.kind.is_signed(),
                caller.text,
                resource,
                parts.partition_end(),
            );
            let kind = match service {
                _ if is_aws_owned_account(account) => ResourceKind::AwsOwned,
                "iam" if rest.starts_with("role/") => {
                    role_resource = true;
                    ResourceKind::Arn
                }
                "kms" if rest.starts_with("key/") => ResourceKind::KmsKey,
                _ => ResourceKind::Arn,
            };
            // An AWS-owned resource is in no customer account: no resource account.
            let owned = kind == ResourceKind::AwsOwned;
            (kind, (!account.is_empty() && !owned).then_some(account))
        };
        if let Some(account) = arn_account {
            check_account(account)?;
        }
        let mismatch = |given: &str| RequestError::ResourceAccountMismatch {
            given: given.to_owned(),
            resource: resource.to_owned(),
        };
        let explicit_resource_account = match (parts.resource_account, arn_account) {
            (Some(given), None) if kind == ResourceKind::AwsOwned => {
                return Err(mismatch(given));
            }
            (None, arn) => arn,
            (Some(given), Some(arn)) if given != arn => return Err(mismatch(given)),
            (Some(given), _) => {
                check_account(given)?;
                Some(given)
            }
        };
        // The caller's account needs no check of its own: it is the account of the caller's
        // ARN (checked when the ARN was parsed) or a given one equal to it.
        let resource_account = if kind == ResourceKind::AwsOwned {
            None
        } else {
            explicit_resource_account.or(principal_account)
        };
        Ok(Self {
            caller,
            action,
            colon,
            resource,
            arn,
            kind,
            role_resource,
            cross_partition,
            principal_account,
            resource_account,
        })
    }

    /// Whether the caller's and the resource's accounts are both known and the same (compared
    /// inline: two twelve-digit texts).
    #[inline]
    pub(crate) fn same_account(&self) -> bool {
        match (self.principal_account, self.resource_account) {
            (Some(p), Some(r)) => crate::bytes::same_bytes(p.as_bytes(), r.as_bytes()),
            _ => false,
        }
    }

    /// The resource's kind and the rule AWS applies beyond the policy text, given the action
    /// lower-cased (`action_lower`, the action of these parts).
    pub(crate) fn kinds(&self, action_lower: &str) -> (ResourceKind, Option<AwsRule>) {
        let (service, name) = action_lower
            .split_at_checked(self.colon)
            .unwrap_or_default();
        // Most actions are read by no rule (nor are trust actions) unless the resource is
        // AWS-owned or of another partition: nothing to classify (`service_has_rules`).
        if !aws_rules::service_has_rules(service)
            && self.kind != ResourceKind::AwsOwned
            && !self.cross_partition
        {
            return (self.kind, None);
        }
        let kind = if self.role_resource && is_trust_action(action_lower) {
            ResourceKind::RoleTrust
        } else {
            self.kind
        };
        let name = name.get(1..).unwrap_or_default();
        let caller = self.caller.kind;
        let rule = aws_rules::classify(RuleInput {
            signed: caller.is_signed(),
            long_term: matches!(caller, CallerKind::User | CallerKind::Root),
            root: caller == CallerKind::Root,
            federated: caller == CallerKind::FederatedUser,
            service,
            action: name,
            arn: self.arn,
            cross_partition: self.cross_partition,
        });
        (kind, rule)
    }
}

/// A context key the crate derives (module docs table): its name lower-cased and its
/// [`text_hash`](crate::bytes::text_hash) (computed when the crate is compiled).
#[derive(Debug)]
pub(crate) struct DerivedKey {
    pub(crate) key: &'static str,
    pub(crate) hash: u64,
}

impl DerivedKey {
    const fn new(key: &'static str) -> Self {
        Self {
            key,
            hash: crate::bytes::const_text_hash(key),
        }
    }
}

/// Read by the engine too (service-linked roles and the guardrails, `engine::combine`).
pub(crate) const PRINCIPAL_ARN: DerivedKey = DerivedKey::new("aws:principalarn");
const PRINCIPAL_ACCOUNT: DerivedKey = DerivedKey::new("aws:principalaccount");
const PRINCIPAL_TYPE: DerivedKey = DerivedKey::new("aws:principaltype");
const USERNAME: DerivedKey = DerivedKey::new("aws:username");
const PRINCIPAL_IS_AWS_SERVICE: DerivedKey = DerivedKey::new("aws:principalisawsservice");
const PRINCIPAL_SERVICE_NAME: DerivedKey = DerivedKey::new("aws:principalservicename");
const RESOURCE_ACCOUNT: DerivedKey = DerivedKey::new("aws:resourceaccount");

/// How many keys [`for_each_derived`] may give.
#[cfg(test)]
pub(crate) const DERIVED_COUNT: usize = 7;

/// Every derived key: the one list the name lists below are made from.
const ALL_DERIVED: [&DerivedKey; 7] = [
    &PRINCIPAL_ARN,
    &PRINCIPAL_ACCOUNT,
    &PRINCIPAL_TYPE,
    &USERNAME,
    &PRINCIPAL_IS_AWS_SERVICE,
    &PRINCIPAL_SERVICE_NAME,
    &RESOURCE_ACCOUNT,
];

/// The names of the first `N` derived keys, in [`ALL_DERIVED`]'s order.
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated only in the constants below: an index past the list fails the build"
)]
const fn derived_names<const N: usize>() -> [&'static str; N] {
    let mut names = [""; N];
    let mut i = 0;
    while i < N {
        names[i] = ALL_DERIVED[i].key;
        i += 1;
    }
    names
}

/// The keys AWS derives from the caller (every derived key but `aws:ResourceAccount`, the
/// last), lower case: the analysis reads them as the caller, not as free keys.
pub(crate) const CALLER_KEYS: [&str; 6] = derived_names();

/// The names of every derived key, lower case (what a prepared request may answer for
/// without the caller setting it).
pub(crate) const DERIVED_KEYS: [&str; 7] = derived_names();

/// The value of a derived key: a text (as the caller of [`for_each_derived`] holds texts) or
/// a boolean.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Derived<T> {
    Text(T),
    Bool(bool),
}

/// The texts of a request that derived keys take their values from, as the caller of
/// [`for_each_derived`] holds them (`&str`, or ranges of a prepared arena).
#[derive(Clone, Copy, Debug)]
pub(crate) struct DerivedFrom<T> {
    pub(crate) kind: CallerKind,
    /// The principal as given.
    pub(crate) text: T,
    /// See [`Caller::role_arn`].
    pub(crate) role_arn: Option<T>,
    /// See [`Caller::name`].
    pub(crate) name: T,
    pub(crate) principal_account: Option<T>,
    pub(crate) resource_account: Option<T>,
}

/// The value of `aws:PrincipalArn` for a caller of `kind` (see [`Caller::principal_arn`]).
pub(crate) fn principal_arn_of<T>(kind: CallerKind, text: T, role_arn: Option<T>) -> Option<T> {
    match kind {
        CallerKind::AssumedRole => role_arn,
        CallerKind::Service | CallerKind::Anonymous => None,
        _ => Some(text),
    }
}

/// Calls `f` with every key AWS derives from the caller and the accounts (module docs table)
/// and its value; the key is added only where the caller did not supply it. The one list of
/// derived keys: [`Request::fill`] and the prepared request both read it. `principal_type`
/// makes the text of an `aws:PrincipalType` value. Inlined: every prepared request calls it,
/// and its callers' closures are small.
#[inline]
pub(crate) fn for_each_derived<T: Copy>(
    from: DerivedFrom<T>,
    principal_type: impl FnOnce(&'static str) -> T,
    mut f: impl FnMut(&'static DerivedKey, Derived<T>),
) {
    if let Some(arn) = principal_arn_of(from.kind, from.text, from.role_arn) {
        f(&PRINCIPAL_ARN, Derived::Text(arn));
    }
    if let Some(account) = from.principal_account {
        f(&PRINCIPAL_ACCOUNT, Derived::Text(account));
    }
    if let Some(value) = from.kind.principal_type() {
        f(&PRINCIPAL_TYPE, Derived::Text(principal_type(value)));
    }
    match from.kind {
        CallerKind::User => {
            f(&USERNAME, Derived::Text(from.name));
            f(&PRINCIPAL_IS_AWS_SERVICE, Derived::Bool(false));
        }
        CallerKind::Anonymous => {}
        CallerKind::Service => {
            f(&PRINCIPAL_IS_AWS_SERVICE, Derived::Bool(true));
            f(&PRINCIPAL_SERVICE_NAME, Derived::Text(from.name));
        }
        _ => f(&PRINCIPAL_IS_AWS_SERVICE, Derived::Bool(false)),
    }
    // The key holds the account the request is evaluated in, defaulted or not: a request
    // treated as same-account must also read as same-account to its conditions.
    if let Some(account) = from.resource_account {
        f(&RESOURCE_ACCOUNT, Derived::Text(account));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A remembered caller reads the same caller, and other sessions of its role, as the
    /// parse does; anything else is left to the parse.
    #[test]
    fn a_known_caller_reads_as_the_parse() {
        let session = "arn:aws:sts::111122223333:assumed-role/app/s1";
        let cases = [
            (
                session,
                "arn:aws:sts::111122223333:assumed-role/app/other-session",
                true,
            ),
            (
                session,
                "arn:aws:sts::111122223333:assumed-role/app/s:1@x",
                true,
            ),
            (session, session, true),
            (
                session,
                "arn:aws:sts::111122223333:assumed-role/app/",
                false,
            ),
            (
                session,
                "arn:aws:sts::111122223333:assumed-role/app/s1/x",
                false,
            ),
            (
                session,
                "arn:aws:sts::111122223333:assumed-role/apps/s1",
                false,
            ),
            (session, "arn:aws:sts::111122223333:assumed-role/ap", false),
            (session, "arn:aws:iam::111122223333:role/app", false),
            (
                "arn:aws:iam::111122223333:role/p/app",
                "arn:aws:iam::111122223333:role/p/app",
                true,
            ),
            (
                "arn:aws:iam::111122223333:role/app",
                "arn:aws:iam::111122223333:role/app2",
                false,
            ),
            (
                "arn:aws:iam::111122223333:user/a",
                "arn:aws:iam::111122223333:user/a",
                true,
            ),
            (
                "arn:aws:iam::111122223333:user/a",
                "arn:aws:iam::111122223333:user/a/",
                false,
            ),
            (
                "arn:aws:iam::111122223333:root",
                "arn:aws:iam::111122223333:root",
                true,
            ),
            (
                "arn:aws:sts::111122223333:federated-user/b",
                "arn:aws:sts::111122223333:federated-user/b",
                true,
            ),
            (
                "arn:aws:sts::111122223333:federated-user/b",
                "arn:aws:sts::111122223333:federated-user/bc",
                false,
            ),
            ("lambda.amazonaws.com", "lambda.amazonaws.com", false),
            ("*", "*", false),
        ];
        for (first, next, hit) in cases {
            let mut known = KnownCaller::default();
            let end = after_last_slash(next);
            assert!(known.view(next, end).is_none(), "nothing known yet");
            known.remember(&CallerView::parse(first).unwrap());
            let view = known.view(next, end);
            assert_eq!(view.is_some(), hit, "{first} then {next}");
            if let Some(view) = view {
                let parsed = CallerView::parse(next).unwrap();
                assert_eq!(format!("{view:?}"), format!("{parsed:?}"), "{next}");
                assert_eq!(view.role_arn_pieces(), parsed.role_arn_pieces());
            }
        }
    }

    /// The word-at-a-time account check agrees with a byte-by-byte one on every byte in every
    /// position, and on every length.
    #[test]
    fn account_ids_are_twelve_digits() {
        let plain = |b: &[u8]| b.len() == 12 && b.iter().all(u8::is_ascii_digit);
        for at in 0..12 {
            for byte in 0..=255u8 {
                let mut id = *b"111122223333";
                id[at] = byte;
                assert_eq!(is_account_id(&id), plain(&id), "{id:?}");
            }
        }
        for len in 0..20 {
            let id = "9".repeat(len);
            assert_eq!(is_account_id(id.as_bytes()), len == 12);
            assert_eq!(check_account(&id).is_ok(), len == 12);
        }
    }

    #[test]
    fn derived_keys_are_lower_case_and_hashed() {
        assert_eq!(ALL_DERIVED.len(), DERIVED_COUNT);
        for key in ALL_DERIVED {
            assert_eq!(key.key, key.key.to_ascii_lowercase());
            assert_eq!(key.hash, crate::bytes::text_hash(key.key));
        }
    }
}
