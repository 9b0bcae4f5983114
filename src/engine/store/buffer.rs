//! [`RequestBuffer`]: the per-call path of a server. One request after another is built,
//! checked and prepared in the same memory, from the caller's borrowed strings; once the
//! buffer's texts are long enough, nothing is allocated.

use super::table::{Space, key_hash};
use super::{PreparedRequest, SessionPolicy};
use crate::action::{ActionError, check_request_action};
use crate::bytes::{same_bytes, same_head, text_hash};
use crate::engine::prepared::{ActionText, NewValue, Prepared, SlotKind};
use crate::request::{
    ArnParts, CallerView, Checked, ContextKey, ContextLimit, ContextScalar, ContextValue,
    KnownCaller, MAX_CONTEXT_BYTES, MAX_CONTEXT_KEYS, MAX_CONTEXT_VALUES, Parts, Pool, Request,
    RequestError, after_last_slash,
};

/// A context key as a setter is given it: a name in any case, or made ahead of time.
#[derive(Clone, Copy)]
enum Key<'k> {
    Name(&'k str),
    Made(&'k ContextKey),
}

impl Key<'_> {
    /// Bytes of the name.
    fn len(self) -> usize {
        match self {
            Self::Name(name) => name.len(),
            Self::Made(key) => key.as_str().len(),
        }
    }

    /// The name, lower-cased (for an error).
    fn lower(self) -> String {
        match self {
            Self::Name(name) => name.to_ascii_lowercase(),
            Self::Made(key) => key.as_str().to_owned(),
        }
    }
}

/// Where a key being set went: the arena's length before it, its range and hash, and its
/// index if it was set before.
#[derive(Clone, Copy)]
struct KeyAt {
    mark: u32,
    range: (u32, u32),
    hash: u64,
    found: Option<usize>,
}

/// A context value built into the buffer, with how many list values were left out (counted,
/// not copied) past the limit.
struct Made<'v>(NewValue<'v>, usize);

impl<'v> From<NewValue<'v>> for Made<'v> {
    fn from(value: NewValue<'v>) -> Self {
        Self(value, 0)
    }
}

impl From<(Vec<ContextScalar>, usize)> for Made<'_> {
    fn from((list, more): (Vec<ContextScalar>, usize)) -> Self {
        Self(NewValue::List(list), more)
    }
}

/// A reusable request: each call builds, checks and prepares the next request in the memory
/// of the previous one, borrowing the caller's strings (the whole per-call path of a server:
/// build, prepare, decide, with no allocation once the buffer has seen requests as long as
/// the current one). Keep one per worker thread.
///
/// The request it prepares is the one [`RequestBuilder`](crate::RequestBuilder) would build
/// from the same parts (same checks, same errors, same derived keys) followed by
/// [`PreparedRequest::new`]; it is handed out only when it was built without error, so a
/// request that failed a check can never be decided.
///
/// ```
/// use iam_policy::{Decision, PolicyStore, RequestBuffer};
///
/// let store = PolicyStore::new();
/// store.set_principal_policies("arn:aws:iam::111122223333:role/app", &[r#"{
///     "Version":"2012-10-17","Statement":{"Effect":"Allow",
///     "Action":"secretsmanager:GetSecretValue","Resource":"*",
///     "Condition":{"Bool":{"aws:SecureTransport":"true"}}}}"#], None)?;
/// let mut buffer = RequestBuffer::new();
/// for session in ["s1", "s2"] {
///     let principal = format!("arn:aws:sts::111122223333:assumed-role/app/{session}");
///     let request = buffer
///         .request()
///         .principal(&principal)
///         .action("secretsmanager:GetSecretValue")
///         .resource("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf")
///         .context_bool("aws:SecureTransport", true)
///         .context_string("aws:SourceIp", "10.1.2.3")
///         .prepare()?;
///     assert_eq!(store.evaluate_prepared(request).decision(), Decision::Allow);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct RequestBuffer {
    prepared: PreparedRequest,
    pool: Pool,
    actions: Actions,
    callers: Callers,
    resources: Resources,
}

/// The callers a buffer prepared requests for lately, to prepare the next request of one of
/// them, or of another session of the same role, without parsing the caller, joining its role
/// ARN or hashing its store keys again (a server sees the same roles over and over; sessions
/// come and go). [`KNOWN_CALLERS`] entries in sets of [`CALLER_WAYS`], each caller in the set
/// its text up to its last `/` hashes to (a session's text without its session name): a caller
/// that misses is parsed and enters its set first, the set's oldest entry dropped when all are
/// used.
#[derive(Clone, Debug, Default)]
struct Callers {
    /// Empty until the first caller is remembered, then [`KNOWN_CALLERS`] long.
    entries: Vec<(KnownCaller, KnownKeys)>,
}

/// How many callers a [`RequestBuffer`] remembers (in sets of [`CALLER_WAYS`]).
const KNOWN_CALLERS: usize = 256;
/// Entries per set of [`Callers`]. Four: with two, a server's few dozen roles often put three
/// in one set, which then parse again on every other call (the workload's 48 roles missed on
/// one call in twenty-two, 4.6 %); with four a set overflows only past some 100 roles.
const CALLER_WAYS: usize = 4;
/// The longest caller remembered (real ones are far shorter; longer ones are parsed on every
/// call): bounds the memory a buffer keeps.
const KNOWN_CALLER_LEN: usize = 256;

/// What a prepared request of a caller [`Callers`] knows gave, which every request of that
/// caller (or of another session of its role) repeats.
#[derive(Clone, Debug, Default)]
pub(super) struct KnownKeys {
    /// A session's role ARN, as [`Prepared::finish`](crate::engine::prepared::Prepared::finish)
    /// joins it (empty for other callers: not read).
    pub(super) session_role: String,
    /// The hash of the caller's store key, if it has one (the key is its role ARN, its own
    /// ARN or its role ARN without path: the same for all of them).
    pub(super) principal: Option<u64>,
    /// The hash of the caller's account as an SCP key and as an RCP key (a resource in the
    /// caller's account has that RCP key).
    pub(super) scp: u64,
    pub(super) rcp: u64,
}

impl Callers {
    /// The first of the [`CALLER_WAYS`] entries caller `text` may be kept in: where its text
    /// up to its last `/` hashes to (a cheap hash of its length and last sixteen bytes, which differ
    /// from role to role: a collision only costs a parse). `end` is [`after_last_slash`] of
    /// `text`.
    #[inline]
    fn entry(text: &str, end: usize) -> usize {
        let bytes = text.as_bytes();
        let word = |at: usize| {
            let mut w = [0u8; 8];
            if let Some(b) = bytes.get(at..at + 8) {
                w.copy_from_slice(b);
            }
            u64::from_le_bytes(w)
        };
        let mixed = (word(end.saturating_sub(8)) ^ word(end.saturating_sub(16)).rotate_left(29))
            .wrapping_add(end as u64)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
        ((mixed >> 32) as usize % (KNOWN_CALLERS / CALLER_WAYS)) * CALLER_WAYS
    }

    /// The caller parsed from `text`, from memory when it is known (`known` is then set to
    /// its entry).
    #[inline]
    fn parse<'a>(
        &self,
        text: &'a str,
        known: &mut Option<usize>,
    ) -> Result<CallerView<'a>, RequestError> {
        if !self.entries.is_empty() && text.len() <= KNOWN_CALLER_LEN {
            let end = after_last_slash(text);
            let i = Self::entry(text, end);
            for i in i..i + CALLER_WAYS {
                if let Some(view) = self.entries.get(i).and_then(|(k, _)| k.view(text, end)) {
                    *known = Some(i);
                    return Ok(view);
                }
            }
        }
        CallerView::parse(text)
    }

    /// The keys kept for the caller in entry `i`.
    fn keys(&self, i: usize) -> Option<&KnownKeys> {
        self.entries.get(i).map(|(_, keys)| keys)
    }

    /// Remembers the caller of `prepared`, just prepared from `caller`. Out of line: only
    /// for a caller that was not known.
    #[inline(never)]
    fn remember(&mut self, caller: &CallerView<'_>, prepared: &PreparedRequest) {
        if caller.text.len() > KNOWN_CALLER_LEN {
            return;
        }
        if self.entries.is_empty() {
            self.entries.resize_with(KNOWN_CALLERS, Default::default);
        }
        // The first free entry of the set; when all are used, the set moves down one entry
        // (the oldest, last, is dropped and its memory reused) and the newcomer is first.
        let first = Self::entry(caller.text, after_last_slash(caller.text));
        let Some(set) = self.entries.get_mut(first..first + CALLER_WAYS) else {
            return;
        };
        let i = match set.iter().position(|(k, _)| !k.is_known()) {
            Some(free) => first + free,
            None => {
                set.rotate_right(1);
                first
            }
        };
        let Some((known, keys)) = self.entries.get_mut(i) else {
            return;
        };
        known.remember(caller);
        let p = &prepared.prepared;
        keys.session_role.clear();
        if p.has_role_arn && caller.kind == crate::CallerKind::AssumedRole {
            keys.session_role.push_str(p.str_at(p.caller.1));
        }
        keys.principal = prepared.principal_key.map(|(hash, _)| hash);
        keys.scp = prepared.scp_hash;
        keys.rcp = prepared
            .prepared
            .principal_account
            .map_or(0, |r| key_hash(Space::Rcp, p.bytes(r)));
    }
}

/// How many resource ARN heads a [`RequestBuffer`] remembers.
const KNOWN_RESOURCES: usize = 4;
/// The longest resource ARN head remembered (up to its fifth colon; real ones are far
/// shorter).
const KNOWN_RESOURCE_LEN: usize = 128;

/// The heads of the resource ARNs a buffer split lately: each text up to and including its
/// fifth colon, with where the colons are (a server's resources share a few heads, such as
/// `arn:aws:secretsmanager:REGION:ACCOUNT:`). A resource that starts with a remembered head
/// splits at the same five colons (they are all in the head), so it is not scanned again: its
/// answer is [`ArnParts::parse`]'s.
#[derive(Clone, Debug, Default)]
struct Resources {
    heads: [(String, Option<ArnParts>); KNOWN_RESOURCES],
    /// The entry replaced next.
    next: usize,
}

impl Resources {
    /// [`ArnParts::parse`] of `text`, from memory when its head is known.
    #[inline]
    fn split(&mut self, text: &str) -> Option<ArnParts> {
        for (head, parts) in &self.heads {
            if let Some(parts) = parts
                && text
                    .as_bytes()
                    .get(..head.len())
                    .is_some_and(|start| same_head(start, head.as_bytes()))
            {
                return Some(*parts);
            }
        }
        self.split_new(text)
    }

    /// [`split`](Self::split) of a text whose head is not known: parsed, and its head
    /// remembered.
    #[inline(never)]
    fn split_new(&mut self, text: &str) -> Option<ArnParts> {
        let parts = ArnParts::parse(text)?;
        if let Some(head) = text.get(..parts.prefix_len())
            && head.len() <= KNOWN_RESOURCE_LEN
            && let Some(entry) = self.heads.get_mut(self.next)
        {
            entry.0.clear();
            entry.0.push_str(head);
            entry.1 = Some(parts);
            self.next = (self.next + 1) % KNOWN_RESOURCES;
        }
        Some(parts)
    }
}

/// The most actions a [`RequestBuffer`] remembers as checked.
const SEEN_ACTIONS: usize = 8;
/// The longest action remembered (real actions are far shorter; a longer one is checked on
/// every call, in one entry of its own).
const SEEN_ACTION_LEN: usize = 128;

/// Actions a buffer checked lately (a server asks for the same few actions over and over): an
/// action seen again is not checked, lower-cased and hashed again. Its answers are those of
/// [`check_request_action`] (same text, same answer).
#[derive(Clone, Debug, Default)]
struct Actions {
    seen: Vec<SeenAction>,
    /// The entry replaced next once all are used.
    next: usize,
    /// The last action longer than [`SEEN_ACTION_LEN`] (entry [`SEEN_ACTIONS`]).
    long: SeenAction,
}

/// A cheap fingerprint of an action as given, to tell the actions a buffer saw apart before
/// their texts are compared: its length and its first and last eight bytes (actions differ
/// there; equal fingerprints only cost a comparison).
#[inline(always)]
fn fingerprint(text: &[u8]) -> u64 {
    let word = |bytes: Option<&[u8; 8]>| bytes.map_or(0, |b| u64::from_le_bytes(*b));
    let (first, last) = if text.len() >= 8 {
        (word(text.first_chunk()), word(text.last_chunk()))
    } else {
        let mut short = [0u8; 8];
        for (slot, &b) in short.iter_mut().zip(text) {
            *slot = b;
        }
        (u64::from_le_bytes(short), 0)
    };
    (first ^ last.rotate_left(29)).wrapping_add(text.len() as u64)
}

/// An action checked before: its text as given (and [`fingerprint`] of it), the offset of its
/// colon, the text lower-cased and its hashes.
#[derive(Clone, Debug, Default)]
struct SeenAction {
    raw_hash: u64,
    raw: String,
    colon: usize,
    lower: String,
    hash: u64,
    service_hash: u64,
}

impl Actions {
    /// Checks `action` (or finds it checked before): the index of its entry and its colon.
    #[inline]
    fn check(&mut self, action: &str) -> Result<(usize, usize), ActionError> {
        let raw_hash = fingerprint(action.as_bytes());
        if let Some(i) = self
            .seen
            .iter()
            .position(|s| s.raw_hash == raw_hash && same_bytes(s.raw.as_bytes(), action.as_bytes()))
            && let Some(seen) = self.seen.get(i)
        {
            return Ok((i, seen.colon));
        }
        self.check_new(action, raw_hash)
    }

    /// [`check`](Self::check) of an action not seen lately (`raw_hash`: its [`fingerprint`]):
    /// checked and remembered. Out of line: rare once a server has seen its actions, and its
    /// code (the check, the copies) would otherwise sit in the middle of the per-call path.
    #[cold]
    #[inline(never)]
    fn check_new(&mut self, action: &str, raw_hash: u64) -> Result<(usize, usize), ActionError> {
        let colon = check_request_action(action)?;
        let i = if action.len() > SEEN_ACTION_LEN {
            SEEN_ACTIONS
        } else if self.seen.len() < SEEN_ACTIONS {
            self.seen.push(SeenAction::default());
            self.seen.len() - 1
        } else {
            let i = self.next;
            self.next = (i + 1) % SEEN_ACTIONS;
            i
        };
        let entry = if i == SEEN_ACTIONS {
            Some(&mut self.long)
        } else {
            self.seen.get_mut(i)
        };
        if let Some(seen) = entry {
            // The long entry is never found again (its hash is not looked up).
            seen.raw_hash = raw_hash;
            seen.raw.clear();
            seen.raw.push_str(action);
            seen.colon = colon;
            seen.lower.clear();
            seen.lower.push_str(action);
            seen.lower.make_ascii_lowercase();
            seen.hash = text_hash(&seen.lower);
            seen.service_hash = text_hash(seen.lower.get(..colon).unwrap_or_default());
        }
        Ok((i, colon))
    }

    /// The lower-cased text of entry `i`.
    fn text(&self, i: usize) -> ActionText<'_> {
        let entry = if i == SEEN_ACTIONS {
            Some(&self.long)
        } else {
            self.seen.get(i)
        };
        entry.map_or(
            ActionText {
                text: "",
                hash: 0,
                service_hash: 0,
            },
            |seen| ActionText {
                text: &seen.lower,
                hash: seen.hash,
                service_hash: seen.service_hash,
            },
        )
    }
}

impl Default for RequestBuffer {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestBuffer {
    /// An empty buffer.
    #[must_use]
    pub fn new() -> Self {
        let mut prepared = PreparedRequest::empty(Request::empty());
        prepared.buffered = true;
        Self {
            prepared,
            pool: Pool::default(),
            actions: Actions::default(),
            callers: Callers::default(),
            resources: Resources::default(),
        }
    }

    /// Starts the next request (the previous one's memory is reused). Inlined: a few
    /// stores, and the request it returns then lives in the caller's registers.
    #[inline]
    pub fn request<'a>(&mut self) -> BufferedRequest<'_, 'a> {
        let prepared = &mut self.prepared;
        prepared.session = None;
        prepared.whole.take();
        prepared.prepared.begin();
        BufferedRequest {
            buffer: self,
            parts: Parts::default(),
            bytes: 0,
            overflow: None,
        }
    }
}

/// The request being built in a [`RequestBuffer`]: the same parts as
/// [`RequestBuilder`](crate::RequestBuilder), borrowed (the principal, action, resource and
/// accounts until [`prepare`](Self::prepare); context texts are copied into the buffer as they
/// are given).
#[derive(Debug)]
#[must_use = "a request is used through `prepare`"]
pub struct BufferedRequest<'b, 'a> {
    buffer: &'b mut RequestBuffer,
    parts: Parts<'a>,
    /// Bytes of context text given so far (an upper bound: replaced keys still count).
    bytes: usize,
    /// The first context limit exceeded; later context values are ignored.
    overflow: Option<Box<RequestError>>,
}

impl<'b, 'a> BufferedRequest<'b, 'a> {
    /// The caller: an IAM or STS ARN, a service name, or `anonymous`/`*`.
    pub const fn principal(mut self, principal: &'a str) -> Self {
        self.parts.principal = Some(principal);
        self
    }

    /// The caller's account, if it must be given explicitly (it must then equal the ARN's).
    pub const fn principal_account(mut self, account: &'a str) -> Self {
        self.parts.principal_account = Some(account);
        self
    }

    /// The action, `service:ActionName` (any case).
    pub const fn action(mut self, action: &'a str) -> Self {
        self.parts.action = Some(action);
        self
    }

    /// The resource ARN, or `*`.
    pub const fn resource(mut self, resource: &'a str) -> Self {
        self.parts.resource = Some(resource);
        self
    }

    /// The resource's account (needed for S3 ARNs of another account).
    pub const fn resource_account(mut self, account: &'a str) -> Self {
        self.parts.resource_account = Some(account);
        self
    }

    /// The session policy of the caller's session (see
    /// [`PreparedRequest::with_session_policy`]).
    pub fn session_policy(self, session: &SessionPolicy) -> Self {
        self.buffer.prepared.session = Some(session.clone());
        self
    }

    /// Sets a context key (any case) to a string.
    #[inline(always)]
    pub fn context_string(mut self, key: &str, value: &str) -> Self {
        self.set(Key::Name(key), |_| NewValue::Text(value, false));
        self
    }

    /// Sets a context key to a number, given as its decimal text.
    #[inline(always)]
    pub fn context_number(mut self, key: &str, text: &str) -> Self {
        self.set(Key::Name(key), |_| NewValue::Text(text, true));
        self
    }

    /// Sets a context key to a boolean.
    #[inline(always)]
    pub fn context_bool(mut self, key: &str, value: bool) -> Self {
        self.set(Key::Name(key), |_| NewValue::Bool(value));
        self
    }

    /// Sets a multi-valued context key holding strings.
    #[inline(always)]
    pub fn context_strings<'v>(
        mut self,
        key: &str,
        values: impl IntoIterator<Item = &'v str>,
    ) -> Self {
        self.set(Key::Name(key), |pool| strings(pool, values));
        self
    }

    /// Sets a context key to a copy of `value`.
    #[inline(always)]
    pub fn context_value(mut self, key: &str, value: &ContextValue) -> Self {
        self.set(Key::Name(key), |pool| match value {
            ContextValue::Single(ContextScalar::String(s)) => Made(NewValue::Text(s, false), 0),
            ContextValue::Single(ContextScalar::Number(s)) => Made(NewValue::Text(s, true), 0),
            ContextValue::Single(ContextScalar::Bool(b)) => Made(NewValue::Bool(*b), 0),
            ContextValue::Multi(values) => {
                let mut list = pool.list();
                list.extend(values.iter().take(MAX_CONTEXT_VALUES + 1).map(|v| match v {
                    ContextScalar::String(s) => ContextScalar::String(pool.string(s)),
                    ContextScalar::Number(s) => ContextScalar::Number(pool.string(s)),
                    ContextScalar::Bool(b) => ContextScalar::Bool(*b),
                }));
                let more = values.len().saturating_sub(MAX_CONTEXT_VALUES + 1);
                Made(NewValue::List(list), more)
            }
        });
        self
    }

    /// [`context_string`](Self::context_string) for a key made ahead of time (neither
    /// lower-cased nor hashed per call).
    #[inline(always)]
    pub fn key_string(mut self, key: &ContextKey, value: &str) -> Self {
        self.set_single(key, value, SlotKind::String);
        self
    }

    /// [`context_number`](Self::context_number) for a key made ahead of time.
    #[inline(always)]
    pub fn key_number(mut self, key: &ContextKey, text: &str) -> Self {
        self.set_single(key, text, SlotKind::Number);
        self
    }

    /// [`context_bool`](Self::context_bool) for a key made ahead of time.
    #[inline(always)]
    pub fn key_bool(mut self, key: &ContextKey, value: bool) -> Self {
        self.set_single(key, "", SlotKind::Bool(value));
        self
    }

    /// [`context_strings`](Self::context_strings) for a key made ahead of time.
    #[inline(always)]
    pub fn key_strings<'v>(
        mut self,
        key: &ContextKey,
        values: impl IntoIterator<Item = &'v str>,
    ) -> Self {
        self.set(Key::Made(key), |pool| strings(pool, values));
        self
    }

    /// Sets `key` to the value `make` builds (with how many values were left out of a list
    /// past the limit), unless a context limit is exceeded (module docs of
    /// [`request`](crate::request), "Limits"): past one, nothing more is copied and
    /// [`prepare`](Self::prepare) fails. Inlined into the setters, which are inlined into the
    /// caller. No call out of line is given the request's address (the functions it calls
    /// take the buffer and the byte count, and give back the new count or the error): the
    /// request being built then lives in registers, not moved in memory from setter to
    /// setter.
    #[inline(always)]
    fn set<'v, V: Into<Made<'v>>>(&mut self, key: Key<'_>, make: impl FnOnce(&mut Pool) -> V) {
        if self.overflow.is_some() {
            return;
        }
        let result = key_at(self.buffer, key).and_then(|at| {
            let made = make(&mut self.buffer.pool).into();
            value_at(self.buffer, key, at, made, self.bytes)
        });
        match result {
            Ok(bytes) => self.bytes = bytes,
            Err(error) => self.overflow = Some(error),
        }
    }

    /// [`set`](Self::set) for a single value under a key made ahead of time (the common case:
    /// a server's keys are known when it starts): the key is looked up before it is appended,
    /// appended only if it is new, and the value written straight into its slot
    /// ([`Prepared::set_single`](crate::engine::prepared::Prepared::set_single): `text` of
    /// `kind`, empty for a boolean). Same
    /// limits, same errors. Inlined into the setters: a server sets a handful of keys per
    /// call, and a call per key cost more than the key.
    #[inline(always)]
    fn set_single(&mut self, key: &ContextKey, text: &str, kind: SlotKind) {
        if self.overflow.is_some() {
            return;
        }
        let value_len = match kind {
            SlotKind::Bool(b) => ContextScalar::Bool(b).as_text().len(),
            _ => text.len(),
        };
        let p = &self.buffer.prepared.prepared;
        let name = key.as_str();
        let found = p.find_text(key.hash(), name);
        if found.is_none() && p.len() >= MAX_CONTEXT_KEYS {
            self.overflow = Some(Box::new(too_many_keys()));
            return;
        }
        match count_bytes(p, self.bytes, found, name.len(), value_len) {
            Ok(bytes) => self.bytes = bytes,
            Err(error) => {
                self.overflow = Some(error);
                return;
            }
        }
        self.buffer
            .prepared
            .prepared
            .set_single(found, name, key.hash(), text, kind);
    }

    /// Checks and prepares the request: the checks of
    /// [`RequestBuilder::build`](crate::RequestBuilder::build), then the preparation of
    /// [`PreparedRequest::new`], in the buffer's memory.
    ///
    /// # Errors
    ///
    /// The [`RequestError`] `build` would return for the same parts. The buffer is then
    /// unusable until the next [`RequestBuffer::request`].
    #[inline(always)]
    pub fn prepare(self) -> Result<&'b PreparedRequest, RequestError> {
        if let Some(error) = self.overflow {
            return Err(*error);
        }
        // The parts one by one, each in registers: neither the request's address nor that of
        // its parts is ever taken (see `set`), and the compiler keeps them out of memory.
        let Parts {
            principal,
            principal_account,
            action,
            resource,
            resource_account,
        } = self.parts;
        Self::finish(
            self.buffer,
            principal,
            principal_account,
            action,
            resource,
            resource_account,
        )
    }

    /// [`prepare`](Self::prepare) past the context limits: the parts (principal and its
    /// account, action, resource and its account).
    fn finish(
        buffer: &'b mut RequestBuffer,
        principal: Option<&str>,
        principal_account: Option<&str>,
        action: Option<&str>,
        resource: Option<&str>,
        resource_account: Option<&str>,
    ) -> Result<&'b PreparedRequest, RequestError> {
        let parts = Parts {
            principal,
            principal_account,
            action,
            resource,
            resource_account,
        };
        let RequestBuffer {
            prepared,
            actions,
            callers,
            resources,
            ..
        } = buffer;
        let mut seen = None;
        let mut known = None;
        let checked = Checked::check(
            &parts,
            |text| callers.parse(text, &mut known),
            |action| {
                let (i, colon) = actions.check(action)?;
                seen = Some(i);
                Ok(colon)
            },
            |resource| resources.split(resource),
        )?;
        // A request that passed its checks had its action checked: `seen` is set.
        let lower = actions.text(seen.unwrap_or(usize::MAX));
        if let Some(keys) = known.and_then(|i| callers.keys(i)) {
            prepared.finish(&checked, &lower, Some(keys));
        } else {
            prepared.finish(&checked, &lower, None);
            // Remembered only once the whole request passed: the keys kept are its own.
            callers.remember(&checked.caller, prepared);
        }
        Ok(prepared)
    }
}

/// The error of a request given one key more than [`MAX_CONTEXT_KEYS`]: `found` is
/// `MAX_CONTEXT_KEYS + 1`, as the builder reports it (`RequestError::ContextTooLarge`).
fn too_many_keys() -> RequestError {
    RequestError::ContextTooLarge {
        limit: ContextLimit::Keys,
        key: None,
        found: MAX_CONTEXT_KEYS + 1,
        max: MAX_CONTEXT_KEYS,
    }
}

/// Counts `key_len + value_bytes` more bytes of context text on top of `bytes` (`found`: the
/// index of the key if it was set before, whose old value no longer counts): the new count,
/// or the error past the limit. Inlined: an addition and a comparison, but past the upper
/// bound ([`recount`]).
#[inline(always)]
fn count_bytes(
    p: &Prepared,
    bytes: usize,
    found: Option<usize>,
    key_len: usize,
    value_bytes: usize,
) -> Result<usize, Box<RequestError>> {
    let bytes = bytes.saturating_add(key_len + value_bytes);
    if bytes > MAX_CONTEXT_BYTES {
        return recount(p, found, key_len, value_bytes);
    }
    Ok(bytes)
}

/// [`count_bytes`] past the upper bound: the count is recounted exactly (rare: only near the
/// limit).
#[cold]
#[inline(never)]
fn recount(
    p: &Prepared,
    found: Option<usize>,
    key_len: usize,
    value_bytes: usize,
) -> Result<usize, Box<RequestError>> {
    let bytes = p.context_bytes(found) + key_len + value_bytes;
    if bytes > MAX_CONTEXT_BYTES {
        return Err(Box::new(RequestError::ContextTooLarge {
            limit: ContextLimit::Bytes,
            key: None,
            found: bytes,
            max: MAX_CONTEXT_BYTES,
        }));
    }
    Ok(bytes)
}

/// The first half of [`BufferedRequest::set`]: the key appended, found if it was set before,
/// and the key limit checked.
fn key_at(buffer: &mut RequestBuffer, key: Key<'_>) -> Result<KeyAt, Box<RequestError>> {
    let p = &mut buffer.prepared.prepared;
    let mark = p.arena_len();
    // The key is appended lower-cased (and taken back if it was set before).
    let (range, hash) = match key {
        Key::Name(name) => p.key(name),
        Key::Made(made) => (p.append(made.as_str().as_bytes()), made.hash()),
    };
    let found = p.find(hash, range);
    if found.is_some() {
        p.truncate(mark);
    }
    if found.is_none() && p.len() >= MAX_CONTEXT_KEYS {
        let error = too_many_keys();
        p.truncate(mark);
        return Err(Box::new(error));
    }
    Ok(KeyAt {
        mark,
        range,
        hash,
        found,
    })
}

/// The second half of [`BufferedRequest::set`]: the value and byte limits checked (`bytes`:
/// the count so far), the value stored; the new count.
fn value_at(
    buffer: &mut RequestBuffer,
    key: Key<'_>,
    at: KeyAt,
    made: Made<'_>,
    bytes: usize,
) -> Result<usize, Box<RequestError>> {
    let Made(value, left_out) = made;
    let RequestBuffer { prepared, pool, .. } = buffer;
    let p = &mut prepared.prepared;
    let KeyAt {
        mark,
        range,
        hash,
        found,
    } = at;
    let checked = match &value {
        NewValue::List(list) if list.len() + left_out > MAX_CONTEXT_VALUES => {
            Err(Box::new(RequestError::ContextTooLarge {
                limit: ContextLimit::Values,
                key: Some(key.lower()),
                found: list.len() + left_out,
                max: MAX_CONTEXT_VALUES,
            }))
        }
        _ => count_bytes(p, bytes, found, key.len(), value.len()),
    };
    match checked {
        Ok(bytes) => {
            p.set(found, range, hash, value, pool);
            Ok(bytes)
        }
        Err(error) => {
            if let NewValue::List(list) = value {
                pool.recycle_value(ContextValue::Multi(list));
            }
            p.truncate(mark);
            Err(error)
        }
    }
}

/// A list of strings for a multi-valued key, its texts from `pool`, with how many values were
/// left out past the limit (at most one more than the limit is copied; the rest are only
/// counted).
fn strings<'v>(
    pool: &mut Pool,
    values: impl IntoIterator<Item = &'v str>,
) -> (Vec<ContextScalar>, usize) {
    let mut list = pool.list();
    let mut values = values.into_iter();
    list.extend(
        values
            .by_ref()
            .take(MAX_CONTEXT_VALUES + 1)
            .map(|v| ContextScalar::String(pool.string(v))),
    );
    let more = values.count();
    (list, more)
}

#[cfg(test)]
mod tests {
    use super::super::{Keys, ROLE_KEY_MAX};
    use super::*;
    use crate::bytes::text_hash;
    use crate::engine::view::Input;

    /// What the engine reads of a prepared request: the caller, the action, the resource,
    /// the store keys and every context key of `keys` (found as a slot, and whole).
    fn seen(p: &PreparedRequest, keys: &[String]) -> String {
        let input: Input<'_> = p.input();
        let who = &input.who;
        let context: Vec<String> = keys
            .iter()
            .map(|key| {
                let hash = text_hash(key);
                let found = input.ctx.find(hash, key);
                format!(
                    "{key}: {:?} {:?} {:?}",
                    found.and_then(|f| f.single()).map(|s| s.bytes().to_vec()),
                    found.and_then(|f| f.ip()),
                    input.ctx.entry(hash, key),
                )
            })
            .collect();
        format!(
            "{:?}",
            (
                (
                    who.kind,
                    who.text(),
                    who.role_arn(),
                    who.name(),
                    who.account(),
                    who.partition(),
                ),
                (input.action, input.service, input.name, input.resource),
                (
                    input.resource_kind,
                    input.same_account,
                    input.aws_rule,
                    input.action_hash,
                    input.service_hash,
                ),
                p.keys(&input),
                (
                    p.resource(),
                    p.action_lower(),
                    p.principal_account(),
                    p.resource_account(),
                ),
                context,
            )
        )
    }

    /// The buffer's prepared request reads, to the engine, exactly as `PreparedRequest::new`
    /// of the built request (every caller kind, resource kind and account rule; derived keys
    /// given and not), and its store keys are the plain path's.
    #[test]
    fn buffered_arena_reads_as_the_prepared_built_request() {
        // One after another: sessions of one role (read from the buffer's memory of the
        // last caller), then callers that only look like them.
        let principals = [
            "arn:aws:sts::111122223333:assumed-role/app/s1",
            "arn:aws:sts::111122223333:assumed-role/app/s2",
            "arn:aws:sts::111122223333:assumed-role/app/s2/x",
            "arn:aws:sts::111122223333:assumed-role/app/",
            "arn:aws:sts::111122223333:assumed-role/app/s:3",
            "arn:aws:sts::111122223333:assumed-role/apps/s1",
            "arn:aws:sts::111122223333:assumed-role/app/s1",
            "arn:aws:sts::111122223334:assumed-role/app/s1",
            "arn:aws:iam::111122223333:user/dev/alice",
            "arn:aws:iam::111122223333:user/dev/alice2",
            // A user name that reads as an address: its derived `aws:username` does too.
            "arn:aws:iam::111122223333:user/10.1.2.3",
            "arn:aws:iam::111122223333:user/dev/alice",
            "arn:aws:iam::111122223333:role/team/ops/app",
            "arn:aws:iam::111122223333:role/plain",
            "arn:aws:iam::111122223333:root",
            "arn:aws:sts::444455556666:federated-user/bob",
            "arn:aws-cn:sts::444455556666:assumed-role/r/s",
            "lambda.amazonaws.com",
            "anonymous",
            "*",
        ];
        let resources = [
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf",
            "*",
            "arn:aws:s3:::bucket/key",
            "arn:aws:iam::111122223333:role/path/target",
            "arn:aws:kms:us-east-1:444455556666:key/k-1",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
        ];
        // The first fails after its caller was read: the caller is not remembered then.
        let actions = [
            "secretsmanager",
            "secretsmanager:GetSecretValue",
            "STS:AssumeRole",
            "sts:GetCallerIdentity",
            "sts:GetSessionToken",
        ];
        let contexts: [&[(&str, ContextValue)]; 3] = [
            &[],
            &[
                ("aws:SourceIp", ContextValue::string("10.1.2.3")),
                ("AWS:SecureTransport", ContextValue::bool(true)),
                ("aws:TagKeys", ContextValue::strings(["a", "B"])),
                ("test:n", ContextValue::number("12")),
            ],
            &[
                ("aws:PrincipalArn", ContextValue::string("given")),
                ("aws:ResourceAccount", ContextValue::string("999999999999")),
                ("aws:sourceip", ContextValue::string("2001:db8::1")),
            ],
        ];
        let mut buffer = RequestBuffer::new();
        let mut compared = 0;
        for principal in principals {
            for resource in resources {
                for action in actions {
                    for (c, context) in contexts.iter().enumerate() {
                        for resource_account in [None, Some("444455556666")] {
                            let mut builder = Request::builder()
                                .principal(principal)
                                .action(action)
                                .resource(resource);
                            let mut b = buffer
                                .request()
                                .principal(principal)
                                .action(action)
                                .resource(resource);
                            if let Some(account) = resource_account {
                                builder = builder.resource_account(account);
                                b = b.resource_account(account);
                            }
                            if c == 1 {
                                builder = builder.principal_account("111122223333");
                                b = b.principal_account("111122223333");
                            }
                            for (k, v) in context.iter() {
                                builder = builder.context_value(k, v.clone());
                                b = b.context_value(k, v);
                            }
                            let built = builder.build();
                            let got = b.prepare();
                            let (Ok(built), Ok(got)) = (built.clone(), got) else {
                                assert_eq!(
                                    built.err(),
                                    buffer_err(
                                        &mut buffer,
                                        principal,
                                        action,
                                        resource,
                                        resource_account,
                                        c == 1,
                                        context
                                    )
                                );
                                continue;
                            };
                            let keys: Vec<String> =
                                built.context().iter().map(|(k, _)| k.to_owned()).collect();
                            let mut buf = [0u8; ROLE_KEY_MAX];
                            let plain = format!("{:?}", Keys::of(&built, &mut buf));
                            let fresh = PreparedRequest::new(built);
                            assert_eq!(
                                seen(got, &keys),
                                seen(&fresh, &keys),
                                "{principal} {action} {resource}"
                            );
                            let input = fresh.input();
                            assert_eq!(format!("{:?}", fresh.keys(&input)), plain);
                            compared += 1;
                        }
                    }
                }
            }
        }
        assert!(compared > 300, "{compared}");
    }

    /// Resources whose texts start with a head the buffer remembers (or almost do) read as
    /// the built request's, and fail as it does: the same kind (role, key, AWS-owned), the
    /// same account, the same errors.
    #[test]
    fn remembered_resource_heads_read_as_the_parse() {
        let resources = [
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:other-XyZ123",
            "arn:aws:secretsmanager:us-east-1:111122223333:",
            "arn:aws:secretsmanager:us-east-1:111122223333",
            "arn:aws:secretsmanager:us-east-1:111122223334:secret:db-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:11112222333x:secret:db-AbCdEf",
            "arn:aws:iam::111122223333:role/path/target",
            "arn:aws:iam::111122223333:user/u",
            "arn:aws:iam::111122223333:role/",
            "arn:aws:kms:us-east-1:444455556666:key/k-1",
            "arn:aws:kms:us-east-1:444455556666:alias/a",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
            "arn:aws:iam::aws:policy/x",
            "arn:aws:s3:::bucket/key",
            "arn:aws:s3:::bucket/other:with:colons",
            "arn:aws:s3::",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf",
        ];
        let principal = "arn:aws:sts::111122223333:assumed-role/app/s1";
        let mut buffer = RequestBuffer::new();
        let mut compared = 0;
        for round in 0..3 {
            for resource in resources {
                for action in ["secretsmanager:GetSecretValue", "sts:AssumeRole"] {
                    let built = Request::builder()
                        .principal(principal)
                        .action(action)
                        .resource(resource)
                        .build();
                    let got = buffer
                        .request()
                        .principal(principal)
                        .action(action)
                        .resource(resource)
                        .prepare();
                    match (built, got) {
                        (Ok(built), Ok(got)) => {
                            let fresh = PreparedRequest::new(built);
                            assert_eq!(seen(got, &[]), seen(&fresh, &[]), "{round} {resource}");
                            compared += 1;
                        }
                        (built, got) => {
                            assert_eq!(built.err(), got.err(), "{round} {resource} {action}")
                        }
                    }
                }
            }
        }
        assert!(compared > 60, "{compared}");
    }

    /// A server's few dozen roles all stay remembered: once each role's session was prepared,
    /// a new session of every role reads from memory (the workload's 48 roles, 16 teams of
    /// three, put three roles in one set of two; sets of four hold them), and reads as the
    /// parse does.
    #[test]
    fn a_few_dozen_roles_all_stay_remembered() {
        let teams = [
            "payments", "search", "identity", "billing", "ledger", "fraud", "catalog", "orders",
            "shipping", "support", "growth", "ads", "infra", "data", "mobile", "web",
        ];
        let roles: Vec<String> = teams
            .iter()
            .flat_map(|team| ["app", "batch", "consumer"].map(|kind| format!("{team}-{kind}")))
            .collect();
        let session =
            |role: &str, s: &str| format!("arn:aws:sts::111122223333:assumed-role/{role}/{s}");
        let resource = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";
        let mut buffer = RequestBuffer::new();
        for role in &roles {
            let principal = session(role, "first-0123456789ab");
            let prepared = buffer
                .request()
                .principal(&principal)
                .action("secretsmanager:GetSecretValue")
                .resource(resource)
                .prepare();
            assert!(prepared.is_ok(), "{principal}");
        }
        for role in &roles {
            let principal = session(role, "second-ba9876543210");
            let mut known = None;
            let view = buffer.callers.parse(&principal, &mut known);
            assert!(known.is_some(), "{principal} was parsed again");
            let parsed = CallerView::parse(&principal);
            assert_eq!(format!("{view:?}"), format!("{parsed:?}"), "{principal}");
        }
    }

    /// The buffer's error for the same parts (the request is built again to read it).
    fn buffer_err(
        buffer: &mut RequestBuffer,
        principal: &str,
        action: &str,
        resource: &str,
        resource_account: Option<&str>,
        principal_account: bool,
        context: &[(&str, ContextValue)],
    ) -> Option<RequestError> {
        let mut b = buffer
            .request()
            .principal(principal)
            .action(action)
            .resource(resource);
        if let Some(account) = resource_account {
            b = b.resource_account(account);
        }
        if principal_account {
            b = b.principal_account("111122223333");
        }
        for (k, v) in context {
            b = b.context_value(k, v);
        }
        b.prepare().err()
    }
}
