//! The decision algorithm: [`CompiledPolicySet::evaluate`] and [`CompiledPolicySet::explain`].
//!
//! Owns the combining logic of `iam-semantics.md` §9 and the project decisions; it never sees
//! JSON. Both entry points run the same generic function; `evaluate` instantiates it with a
//! recorder whose hooks are empty (they compile away, and nothing allocates), `explain` with
//! one that records every statement.
//!
//! # The decision, step by step
//!
//! 1. Every statement of every policy that can cover the action is tested: action, resource,
//!    principal, then conditions (three-valued, fail closed: an `Allow` needs every condition
//!    true, a `Deny` applies unless some condition is false; project decision 22).
//! 2. Any applicable `Deny`, in any policy (identity, resource, boundary, session, SCP, RCP):
//!    **ExplicitDeny**.
//! 3. SCPs (not for service principals and anonymous callers, which belong to no account):
//!    every level needs an applicable `Allow`, else **ImplicitDeny** at [`Gate::Scp`]. Then the
//!    same for RCPs ([`Gate::Rcp`]).
//! 4. The caller's route to an Allow (`I` = an identity policy allows, `B` = the boundary allows
//!    or there is none, `S` = the session policy allows or there is none; `Rd`, `Rr`, `Ra` =
//!    the resource policy has an applicable `Allow` naming the caller directly, by its role,
//!    or by its account, see [`PrincipalMatch`]):
//!
//! | caller | same account | other account |
//! | --- | --- | --- |
//! | user, role session, federated user | `Rd` or (`Rr` and `B` and `S`) or (`I` and `B` and `S`) | `I` and `B` and `S` and (`Rd` or `Rr` or `Ra`) |
//! | … with a role trust policy or KMS key policy (decision 21) | `Rd` or (`Rr` and `B` and `S`) or (`Ra` and `I` and `B` and `S`) | as above |
//! | root user | allowed (its boundary and session policy do not apply) | `Rd` or `Ra` |
//! | root user, trust or key policy | `Rd` or `Ra` | `Rd` or `Ra` |
//! | service principal, anonymous | `Rd` | `Rd` |
//!
//! A `"*"` principal is a direct grant (decision 13); a role ARN covers the role's sessions
//! but is limited by their boundary and session policy; an account only delegates (§9.5).
//! Resource-based policy grants are never limited by a session policy when they name the
//! session itself (decision 1).
//!
//! Not modelled: the §9.5 row "the IAM user who called GetFederationToken" (a federated
//! session's ARN does not say which user created it, so a grant to that user does not reach
//! the session); the management account's exemption from SCPs and RCPs (the case format
//! simply gives no SCPs or RCPs then); service-linked roles' exemption from SCPs.
//! Explicit denies apply to every caller from every policy given, including identity policies
//! given for a root user, a service principal or an anonymous caller.

//! # Evaluating over several parts
//!
//! The decision runs over one or more compiled sets ("parts") as if they were one: the
//! [`PolicyStore`](crate::store::PolicyStore) keeps a principal's identity policies and a
//! secret's resource policy compiled apart and decides over the two, without building a
//! combined set per request. Groups are visited in report order across parts (identity,
//! resource, boundary, …), so reasons come out in the same order as for one combined set.
//! Parts must not repeat a kind.
//!
//! # Request input
//!
//! The engine reads the request through [`Input`]: the action's lower-cased text, service and
//! name with their hashes (looked up in each group's action index), the resource, the caller
//! (its texts read only when a principal test needs them) and the context. A plain [`Request`]
//! is read as it is (context keys found by binary search over their text, an IP address
//! parsed when a condition needs it). A [`Prepared`] request holds every text in one arena
//! inside the value, the context in a small hash table of slots, IP addresses parsed; the
//! engine reads its cache lines first (so that the misses of a request no longer in cache are
//! fetched together) and then compares bytes. `&str` is made from those bytes only for the
//! general matchers (wildcards with `?`, templates, general ARN patterns, ignore-case).

use std::net::IpAddr;

use crate::aws_rules::AwsRule;
use crate::compile::{
    CompiledAction, CompiledCondition, CompiledPolicySet, CompiledResource, CompiledStatement,
    CondTest, Group, PrincipalTest, StrValue, TEST_ACTION, Target, same_bytes, starts_with,
    text_hash,
};
use crate::condition::Operator;
use crate::condition::eval::{Truth, UnknownReason, evaluate_entry};
use crate::decision::{
    ConditionTrace, Decision, Evaluation, Explanation, Gate, MAX_REASONS, PrincipalMatch,
    PrincipalOutcome, ResourceOutcome, StatementTrace,
};
use crate::policy::Effect;
use crate::policy_set::{PolicyKind, to_u32};
use crate::request::{
    Caller, CallerKind, Context, ContextScalar, ContextValue, Request, ResourceKind,
};
use crate::value::{parse_bool, parse_ip};
use crate::wildcard::lit_eq;

/// The most parts one decision runs over.
pub(crate) const MAX_PARTS: usize = 5;

/// How a prepared context entry holds its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SlotKind {
    /// A single string (its text in the arena).
    String,
    /// A single number (its decimal text in the arena).
    Number,
    /// A single boolean.
    Bool(bool),
    /// A multi-valued key (read from the request's context when needed).
    Multi,
}

/// One context entry of a prepared request (32 bytes); texts are ranges of the prepared
/// arena.
#[derive(Clone, Copy, Debug)]
struct Slot {
    /// [`text_hash`] of the lower-cased key.
    hash: u64,
    key: (u32, u32),
    text: (u32, u32),
    /// A single string value that is an IPv4 address, as an integer.
    ipv4: u32,
    /// Whether the value is a single string holding an address: 0 no, 4 IPv4 (`ipv4`), 6
    /// IPv6 (read from the text when needed).
    ip: u8,
    kind: SlotKind,
}

impl Slot {
    const EMPTY: Self = Self {
        hash: 0,
        key: (0, 0),
        text: (0, 0),
        ipv4: 0,
        ip: 0,
        kind: SlotKind::Multi,
    };
}

/// The bucket of `hash` in a table with `mask + 1` buckets.
#[expect(
    clippy::cast_possible_truncation,
    reason = "only the low bits select a bucket"
)]
#[inline(always)]
const fn bucket(hash: u64, mask: usize) -> usize {
    // INVARIANT: the mask keeps low bits only, which fit in `usize`.
    (hash as usize) & mask
}

/// A byte range of an arena: start and end.
type Range = (u32, u32);

/// A byte range of an arena (empty when out of range).
#[inline(always)]
fn at(arena: &[u8], (start, end): (u32, u32)) -> &[u8] {
    arena.get(start as usize..end as usize).unwrap_or_default()
}

/// Text the engine holds as bytes, as `&str` for the matchers that need one. The engine only
/// slices whole strings, so this never fails; if it did, the text would match nothing.
#[inline]
fn text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

/// Arena bytes kept inside a [`Prepared`] (longer requests spill to the heap).
const INLINE_TEXT: usize = 512;
/// Context entries kept inside a [`Prepared`] (more spill to the heap).
const INLINE_SLOTS: usize = 12;
/// Buckets of the inline context table (a power of two, at most half full).
const INLINE_BUCKETS: usize = 32;

/// A context index too large to keep inline.
#[derive(Clone, Debug)]
struct Spill {
    /// Bucket → slot index + 1 (0: empty). A power of two long, at most half full.
    table: Box<[u32]>,
    slots: Box<[Slot]>,
}

/// A request prepared for the engine: every text a decision reads copied into one arena, the
/// context indexed by key hash, IP addresses parsed. The arena and the context index live
/// inside the value itself (up to [`INLINE_TEXT`] bytes of text and [`INLINE_SLOTS`] context
/// keys; larger requests use the heap), so that a decision reads one contiguous block of
/// memory on the request side, and a sequence of prepared requests is read in order.
#[derive(Clone, Debug)]
pub(crate) struct Prepared {
    /// The caller: text, role ARN, name, account, partition.
    caller: (Range, Range, Range, Range, Range),
    has_role_arn: bool,
    has_account: bool,
    kind: CallerKind,
    /// Action (lower-cased), service, name; resource.
    action: (u32, u32),
    service: (u32, u32),
    name: (u32, u32),
    resource: (u32, u32),
    resource_kind: ResourceKind,
    same_account: bool,
    aws_rule: Option<AwsRule>,
    action_hash: u64,
    service_hash: u64,
    /// Bucket → inline slot index + 1 (0: empty), when the context fits inline.
    table: [u8; INLINE_BUCKETS],
    slots: [Slot; INLINE_SLOTS],
    /// The arena, when it fits inline: `text[..text_len]`.
    text_len: u32,
    text: [u8; INLINE_TEXT],
    /// The arena, when it does not fit inline.
    heap_text: Option<Box<[u8]>>,
    /// The context index, when it does not fit inline.
    spill: Option<Box<Spill>>,
    /// How many inline slots are used.
    slot_count: u8,
}

impl Prepared {
    /// Prepares `req`; `extra` is appended to the arena (its range is returned).
    pub(crate) fn new(req: &Request, extra: Option<&str>) -> (Self, Option<(u32, u32)>) {
        let context = req.context();
        let caller = req.principal();
        let mut arena = String::with_capacity(
            caller.as_str().len()
                + caller.role_arn().map_or(0, str::len)
                + req.action_lower().len()
                + req.resource().len()
                + context.iter().map(|(k, _)| k.len() + 24).sum::<usize>(),
        );
        // Texts pushed so far, to reuse a text that repeats (the role ARN is also
        // `aws:PrincipalArn`, the account also `aws:PrincipalAccount` and
        // `aws:ResourceAccount`).
        let mut pushed: Vec<(u32, u32)> = Vec::with_capacity(8 + context.len() * 2);
        let mut push = |text: &str, arena: &mut String| -> (u32, u32) {
            let bytes = text.as_bytes();
            let found = pushed.iter().copied().find(|&(start, end)| {
                (end - start) as usize == bytes.len()
                    && arena.as_bytes().get(start as usize..end as usize) == Some(bytes)
            });
            found.unwrap_or_else(|| {
                let start = to_u32(arena.len());
                arena.push_str(text);
                let range = (start, to_u32(arena.len()));
                pushed.push(range);
                range
            })
        };
        // A part of a text already pushed: its range inside that text's range.
        let within = |outer: (u32, u32), whole: &str, part: &str| -> Option<(u32, u32)> {
            let offset = part.as_ptr() as usize;
            let base = whole.as_ptr() as usize;
            let at = offset.checked_sub(base)?;
            (at + part.len() <= whole.len())
                .then(|| (outer.0 + to_u32(at), outer.0 + to_u32(at + part.len())))
        };
        let text_range = push(caller.as_str(), &mut arena);
        let role_range = push(caller.role_arn().unwrap_or_default(), &mut arena);
        // The name, account and partition of an ARN caller appear in its text.
        let mut part = |p: &str, arena: &mut String| match caller.as_str().find(p) {
            Some(at) if !p.is_empty() => (
                text_range.0 + to_u32(at),
                text_range.0 + to_u32(at + p.len()),
            ),
            _ => push(p, arena),
        };
        let caller_ranges = (
            text_range,
            role_range,
            part(caller.name(), &mut arena),
            part(caller.account().unwrap_or_default(), &mut arena),
            part(caller.partition(), &mut arena),
        );
        let action = push(req.action_lower(), &mut arena);
        let service = within(action, req.action_lower(), req.service())
            .unwrap_or_else(|| push(req.service(), &mut arena));
        let name = within(action, req.action_lower(), req.action().name())
            .unwrap_or_else(|| push(req.action().name(), &mut arena));
        let resource = push(req.resource(), &mut arena);
        let extra = extra.map(|key| push(key, &mut arena));
        let mut slots = Vec::with_capacity(context.len());
        for (key, value) in context.iter() {
            let key_range = push(key, &mut arena);
            let (text, kind, ip) = match value {
                ContextValue::Single(ContextScalar::String(s)) => {
                    (push(s, &mut arena), SlotKind::String, parse_ip(s))
                }
                ContextValue::Single(ContextScalar::Number(s)) => {
                    (push(s, &mut arena), SlotKind::Number, None)
                }
                ContextValue::Single(ContextScalar::Bool(b)) => ((0, 0), SlotKind::Bool(*b), None),
                ContextValue::Multi(_) => ((0, 0), SlotKind::Multi, None),
            };
            let (ip, ipv4) = match ip {
                Some(IpAddr::V4(v4)) => (4, u32::from(v4)),
                Some(IpAddr::V6(_)) => (6, 0),
                None => (0, 0),
            };
            slots.push(Slot {
                hash: text_hash(key),
                key: key_range,
                text,
                ipv4,
                ip,
                kind,
            });
        }
        let mut prepared = Self {
            caller: caller_ranges,
            has_role_arn: caller.role_arn().is_some(),
            has_account: caller.account().is_some(),
            kind: caller.kind(),
            action,
            service,
            name,
            resource,
            resource_kind: req.resource_kind(),
            same_account: req.is_same_account(),
            aws_rule: req.aws_rule(),
            action_hash: text_hash(req.action_lower()),
            service_hash: text_hash(req.service()),
            table: [0; INLINE_BUCKETS],
            slots: [Slot::EMPTY; INLINE_SLOTS],
            text_len: 0,
            text: [0; INLINE_TEXT],
            heap_text: None,
            spill: None,
            slot_count: 0,
        };
        if arena.len() <= INLINE_TEXT {
            prepared.text_len = to_u32(arena.len());
            for (slot, &b) in prepared.text.iter_mut().zip(arena.as_bytes()) {
                *slot = b;
            }
        } else {
            prepared.heap_text = Some(arena.into_bytes().into_boxed_slice());
        }
        if slots.len() <= INLINE_SLOTS {
            prepared.slot_count = u8::try_from(slots.len()).unwrap_or(0);
            let mask = INLINE_BUCKETS - 1;
            for (i, (slot, inline)) in slots.iter().zip(prepared.slots.iter_mut()).enumerate() {
                *inline = *slot;
                let mut b = bucket(slot.hash, mask);
                while prepared.table.get(b).is_some_and(|&s| s != 0) {
                    b = (b + 1) & mask;
                }
                if let Some(entry) = prepared.table.get_mut(b) {
                    *entry = u8::try_from(i + 1).unwrap_or(0);
                }
            }
        } else {
            let size = (slots.len() * 2).next_power_of_two();
            let mask = size - 1;
            let mut table = vec![0u32; size];
            for (i, slot) in slots.iter().enumerate() {
                let mut b = bucket(slot.hash, mask);
                while table.get(b).is_some_and(|&s| s != 0) {
                    b = (b + 1) & mask;
                }
                if let Some(entry) = table.get_mut(b) {
                    *entry = to_u32(i + 1);
                }
            }
            prepared.spill = Some(Box::new(Spill {
                table: table.into_boxed_slice(),
                slots: slots.into_boxed_slice(),
            }));
        }
        (prepared, extra)
    }

    /// The arena.
    #[inline(always)]
    fn arena(&self) -> &[u8] {
        match &self.heap_text {
            Some(text) => text,
            None => self.text.get(..self.text_len as usize).unwrap_or_default(),
        }
    }

    /// A text of the arena.
    #[inline(always)]
    pub(crate) fn bytes(&self, range: (u32, u32)) -> &[u8] {
        at(self.arena(), range)
    }

    /// Reads one byte of every cache line of the arena and one field of every context slot,
    /// so that a cold request's lines are fetched together rather than one after another as
    /// the decision reaches them (safe Rust has no prefetch instruction).
    #[inline(always)]
    fn touch(&self, arena: &[u8]) {
        let mut acc = 0u8;
        let mut at = 0;
        while let Some(&b) = arena.get(at) {
            acc ^= b;
            at += 64;
        }
        // Slots are 32 bytes: one of every two reaches every line.
        let used = usize::from(self.slot_count);
        let mut i = 0;
        while i < used {
            if let Some(slot) = self.slots.get(i) {
                acc ^= slot.ip;
            }
            i += 2;
        }
        std::hint::black_box(acc);
    }

    /// The engine's view; `req` must be the request this was prepared from.
    #[inline(always)]
    pub(crate) fn input<'r>(&'r self, req: &'r Request) -> Input<'r> {
        let arena = self.arena();
        self.touch(arena);
        Input {
            req,
            who: Who {
                kind: self.kind,
                src: WhoSrc::Prepared(self, arena),
            },
            action: at(arena, self.action),
            service: at(arena, self.service),
            name: at(arena, self.name),
            resource: at(arena, self.resource),
            resource_kind: self.resource_kind,
            same_account: self.same_account,
            aws_rule: self.aws_rule,
            action_hash: self.action_hash,
            service_hash: self.service_hash,
            ctx: Ctx::Prepared(self, arena),
        }
    }

    /// The slot of `key` (lower-cased; `hash` is its [`text_hash`]) in `arena`.
    #[inline(always)]
    fn slot<'s>(&'s self, arena: &[u8], hash: u64, key: &[u8]) -> Option<&'s Slot> {
        if let Some(spill) = &self.spill {
            let mask = spill.table.len().wrapping_sub(1);
            let mut b = bucket(hash, mask);
            // INVARIANT: the table is at most half full, so an empty bucket ends every probe.
            for _ in 0..spill.table.len() {
                let s = *spill.table.get(b)?;
                let slot = spill.slots.get((s as usize).checked_sub(1)?)?;
                if slot.hash == hash && same_bytes(at(arena, slot.key), key) {
                    return Some(slot);
                }
                b = (b + 1) & mask;
            }
            return None;
        }
        let mask = INLINE_BUCKETS - 1;
        let mut b = bucket(hash, mask);
        for _ in 0..INLINE_BUCKETS {
            let s = *self.table.get(b)?;
            let slot = self.slots.get(usize::from(s).checked_sub(1)?)?;
            if slot.hash == hash && same_bytes(at(arena, slot.key), key) {
                return Some(slot);
            }
            b = (b + 1) & mask;
        }
        None
    }
}

/// How the engine reads the request context.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ctx<'r> {
    /// The request's own context (binary search by key text).
    Plain(&'r Context),
    /// A prepared index and its arena.
    Prepared(&'r Prepared, &'r [u8]),
}

/// One scalar request value.
#[derive(Clone, Copy)]
enum Scalar<'r> {
    String(&'r [u8]),
    Number(&'r [u8]),
    Bool(bool),
}

impl<'r> Scalar<'r> {
    /// The value as text (`true`/`false` for booleans).
    #[inline(always)]
    const fn bytes(self) -> &'r [u8] {
        match self {
            Self::String(s) | Self::Number(s) => s,
            Self::Bool(true) => b"true",
            Self::Bool(false) => b"false",
        }
    }
}

/// A context value found for a key.
#[derive(Clone, Copy)]
enum Found<'r> {
    Plain(&'r ContextValue),
    Prepared(&'r Slot, &'r [u8]),
}

impl<'r> Found<'r> {
    /// The scalar of a single-valued key; `None` for a multi-valued key.
    #[inline(always)]
    fn single(self) -> Option<Scalar<'r>> {
        match self {
            Self::Plain(ContextValue::Single(ContextScalar::String(s))) => {
                Some(Scalar::String(s.as_bytes()))
            }
            Self::Plain(ContextValue::Single(ContextScalar::Number(s))) => {
                Some(Scalar::Number(s.as_bytes()))
            }
            Self::Plain(ContextValue::Single(ContextScalar::Bool(b))) => Some(Scalar::Bool(*b)),
            Self::Plain(ContextValue::Multi(_)) => None,
            Self::Prepared(slot, arena) => match slot.kind {
                SlotKind::String => Some(Scalar::String(at(arena, slot.text))),
                SlotKind::Number => Some(Scalar::Number(at(arena, slot.text))),
                SlotKind::Bool(b) => Some(Scalar::Bool(b)),
                SlotKind::Multi => None,
            },
        }
    }

    /// A single string value read as an IP address.
    #[inline(always)]
    fn ip(self) -> Option<IpAddr> {
        match self {
            Self::Plain(ContextValue::Single(ContextScalar::String(s))) => parse_ip(s),
            Self::Plain(_) => None,
            Self::Prepared(slot, arena) => match slot.ip {
                4 => Some(IpAddr::V4(slot.ipv4.into())),
                6 => text(at(arena, slot.text)).and_then(parse_ip),
                _ => None,
            },
        }
    }
}

impl<'r> Ctx<'r> {
    /// The value of `key` (lower-cased; `hash` is its [`text_hash`]).
    #[inline(always)]
    fn find(self, hash: u64, key: &str) -> Option<Found<'r>> {
        match self {
            Self::Plain(context) => context.get(key).map(Found::Plain),
            Self::Prepared(p, arena) => p
                .slot(arena, hash, key.as_bytes())
                .map(|s| Found::Prepared(s, arena)),
        }
    }

    /// The value of a policy variable: the text of a single-valued key.
    #[inline(always)]
    fn value(self, hash: u64, key: &str) -> Option<&'r [u8]> {
        self.find(hash, key)
            .and_then(Found::single)
            .map(Scalar::bytes)
    }

    /// The variable resolver of the general matchers (hashes the key it is given).
    fn resolver(self) -> impl Fn(&str) -> Option<&'r str> + Copy {
        move |key: &str| match self {
            Self::Plain(context) => context.get_text(key),
            Self::Prepared(..) => self.value(text_hash(key), key).and_then(text),
        }
    }
}

/// The caller, as the engine reads it: its kind, and its texts read when a test needs them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Who<'r> {
    kind: CallerKind,
    src: WhoSrc<'r>,
}

/// Where the caller's texts are.
#[derive(Clone, Copy, Debug)]
enum WhoSrc<'r> {
    Plain(&'r Caller),
    Prepared(&'r Prepared, &'r [u8]),
}

impl<'r> Who<'r> {
    /// The principal as given.
    #[inline(always)]
    fn text(&self) -> &'r [u8] {
        match self.src {
            WhoSrc::Plain(c) => c.as_str().as_bytes(),
            WhoSrc::Prepared(p, arena) => at(arena, p.caller.0),
        }
    }

    /// See [`Caller::role_arn`].
    #[inline(always)]
    fn role_arn(&self) -> Option<&'r [u8]> {
        match self.src {
            WhoSrc::Plain(c) => c.role_arn().map(str::as_bytes),
            WhoSrc::Prepared(p, arena) => p.has_role_arn.then(|| at(arena, p.caller.1)),
        }
    }

    /// See [`Caller::name`].
    #[inline(always)]
    fn name(&self) -> &'r [u8] {
        match self.src {
            WhoSrc::Plain(c) => c.name().as_bytes(),
            WhoSrc::Prepared(p, arena) => at(arena, p.caller.2),
        }
    }

    /// See [`Caller::account`].
    #[inline(always)]
    fn account(&self) -> Option<&'r [u8]> {
        match self.src {
            WhoSrc::Plain(c) => c.account().map(str::as_bytes),
            WhoSrc::Prepared(p, arena) => p.has_account.then(|| at(arena, p.caller.3)),
        }
    }

    /// See [`Caller::partition`].
    #[inline(always)]
    fn partition(&self) -> &'r [u8] {
        match self.src {
            WhoSrc::Plain(c) => c.partition().as_bytes(),
            WhoSrc::Prepared(p, arena) => at(arena, p.caller.4),
        }
    }
}

/// The request as the engine reads it (borrowed from a [`Request`] or a [`Prepared`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Input<'r> {
    /// The request (the general condition evaluator reads multi-valued keys from it).
    pub(crate) req: &'r Request,
    who: Who<'r>,
    /// The action, lower-cased; its service and name.
    action: &'r [u8],
    service: &'r [u8],
    name: &'r [u8],
    resource: &'r [u8],
    resource_kind: ResourceKind,
    same_account: bool,
    /// The rule AWS applies beyond the policy text, if any.
    aws_rule: Option<AwsRule>,
    /// [`text_hash`] of the action and of the service.
    action_hash: u64,
    service_hash: u64,
    ctx: Ctx<'r>,
}

impl<'r> Input<'r> {
    /// A plain request: hashes its action and service (no allocation).
    pub(crate) fn plain(req: &'r Request) -> Self {
        let caller = req.principal();
        Self {
            req,
            who: Who {
                kind: caller.kind(),
                src: WhoSrc::Plain(caller),
            },
            action: req.action_lower().as_bytes(),
            service: req.service().as_bytes(),
            name: req.action().name().as_bytes(),
            resource: req.resource().as_bytes(),
            resource_kind: req.resource_kind(),
            same_account: req.is_same_account(),
            aws_rule: req.aws_rule(),
            action_hash: text_hash(req.action_lower()),
            service_hash: text_hash(req.service()),
            ctx: Ctx::Plain(req.context()),
        }
    }

    /// The resource: an ARN or `*`.
    #[inline(always)]
    pub(crate) const fn resource(&self) -> &'r [u8] {
        self.resource
    }
}

/// Receives what happens to each statement. The evaluator calls the hooks in order
/// `begin`, `action`, `resource`, `principal`, `condition`*, `end` (with `FULL == false` it
/// stops calling them after the first failed test).
pub(crate) trait Recorder {
    /// Visit every statement and every test, not only those that can decide the request.
    const FULL: bool;
    fn begin(&mut self, st: &CompiledStatement);
    fn action(&mut self, matched: bool);
    fn resource(&mut self, outcome: ResourceOutcome);
    fn principal(&mut self, outcome: PrincipalOutcome);
    fn condition(&mut self, index: usize, operator: Operator, key: &str, truth: &Truth);
    fn end(&mut self, applies: bool);
}

/// The recorder of `evaluate`: records nothing.
pub(crate) struct NoRecord;

impl Recorder for NoRecord {
    const FULL: bool = false;
    #[inline(always)]
    fn begin(&mut self, _: &CompiledStatement) {}
    #[inline(always)]
    fn action(&mut self, _: bool) {}
    #[inline(always)]
    fn resource(&mut self, _: ResourceOutcome) {}
    #[inline(always)]
    fn principal(&mut self, _: PrincipalOutcome) {}
    #[inline(always)]
    fn condition(&mut self, _: usize, _: Operator, _: &str, _: &Truth) {}
    #[inline(always)]
    fn end(&mut self, _: bool) {}
}

/// The recorder of `explain`: one trace per statement.
#[derive(Default)]
pub(crate) struct Tracer {
    done: Vec<StatementTrace>,
    current: Option<StatementTrace>,
}

impl Tracer {
    /// The explanation of `evaluation` with the recorded traces.
    pub(crate) fn finish(self, evaluation: Evaluation) -> Explanation {
        Explanation {
            evaluation,
            statements: self.done,
        }
    }
}

impl Recorder for Tracer {
    const FULL: bool = true;
    fn begin(&mut self, st: &CompiledStatement) {
        self.current = Some(StatementTrace {
            statement: st.at,
            sid: st.sid.clone(),
            span: st.span,
            effect: st.effect,
            applies: false,
            action: false,
            resource: ResourceOutcome::NoElement,
            principal: PrincipalOutcome::NoElement,
            conditions: Vec::new(),
        });
    }
    fn action(&mut self, matched: bool) {
        if let Some(t) = &mut self.current {
            t.action = matched;
        }
    }
    fn resource(&mut self, outcome: ResourceOutcome) {
        if let Some(t) = &mut self.current {
            t.resource = outcome;
        }
    }
    fn principal(&mut self, outcome: PrincipalOutcome) {
        if let Some(t) = &mut self.current {
            t.principal = outcome;
        }
    }
    fn condition(&mut self, index: usize, operator: Operator, key: &str, truth: &Truth) {
        if let Some(t) = &mut self.current {
            t.conditions.push(ConditionTrace {
                index: to_u32(index),
                operator,
                key: key.to_owned(),
                truth: *truth,
            });
        }
    }
    fn end(&mut self, applies: bool) {
        if let Some(mut t) = self.current.take() {
            t.applies = applies;
            self.done.push(t);
        }
    }
}

/// Which allow a statement contributed, for choosing the reasons of an `Allow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    Identity,
    Boundary,
    Session,
    ResDirect,
    ResRole,
    ResAccount,
    Scp,
    Rcp,
}

impl Tag {
    const fn bit(self) -> u16 {
        1 << (self as u16)
    }

    const fn from_bits(bits: u8) -> Self {
        match bits {
            0 => Self::Identity,
            1 => Self::Boundary,
            2 => Self::Session,
            3 => Self::ResDirect,
            4 => Self::ResRole,
            5 => Self::ResAccount,
            6 => Self::Scp,
            _ => Self::Rcp,
        }
    }
}

const SCRATCH: usize = 32;

/// A statement that applied: its part, its id in that part, and its tag.
#[derive(Clone, Copy)]
struct Hit {
    part: u8,
    id: u32,
    tag: Tag,
}

/// Statements that applied; fixed size, no heap. Ids and the part and tag are kept apart so
/// that the arrays are small to clear.
struct Hits<const N: usize> {
    ids: [u32; N],
    /// The part (high bits) and the tag (low three bits).
    meta: [u8; N],
    len: usize,
    overflow: bool,
}

impl<const N: usize> Hits<N> {
    const fn new() -> Self {
        Self {
            ids: [0; N],
            meta: [0; N],
            len: 0,
            overflow: false,
        }
    }

    #[inline]
    fn push(&mut self, hit: Hit) {
        match (self.ids.get_mut(self.len), self.meta.get_mut(self.len)) {
            (Some(id), Some(meta)) => {
                *id = hit.id;
                *meta = (hit.part << 3) | hit.tag as u8;
                self.len += 1;
            }
            _ => self.overflow = true,
        }
    }

    fn iter(&self) -> impl Iterator<Item = Hit> + '_ {
        self.ids
            .iter()
            .zip(&self.meta)
            .take(self.len)
            .map(|(&id, &meta)| Hit {
                part: meta >> 3,
                id,
                tag: Tag::from_bits(meta & 7),
            })
    }
}

/// What the statements of the set say, summed up.
struct Tally {
    /// The applicable `Deny` statements (the tag is unused).
    denies: Hits<MAX_REASONS>,
    /// The applicable `Allow` statements, tagged with the part they play.
    allows: Hits<SCRATCH>,
    identity: bool,
    boundary: bool,
    session: bool,
    res_direct: bool,
    res_role: bool,
    res_account: bool,
    scp_missing: Option<u16>,
    rcp_missing: Option<u16>,
}

/// The statement's verdict.
enum Applied {
    No,
    Allow(Option<PrincipalMatch>),
    Deny,
}

/// What the parts hold, together.
#[derive(Clone, Copy)]
struct Shape {
    has_boundary: bool,
    has_session: bool,
}

impl CompiledPolicySet {
    /// Decides `request`. Total: never fails, never panics, never allocates.
    ///
    /// ```
    /// use iam_policy::{Decision, PolicySet, Request};
    /// let set = PolicySet::new().compile();
    /// let request = Request::builder()
    ///     .principal("arn:aws:iam::111122223333:user/alice")
    ///     .action("s3:GetObject")
    ///     .resource("arn:aws:s3:::bucket/key")
    ///     .build()?;
    /// let evaluation = set.evaluate(&request);
    /// assert_eq!(evaluation.decision(), Decision::ImplicitDeny);
    /// assert_eq!(evaluation.gate(), Some(iam_policy::Gate::Identity));
    /// # Ok::<(), iam_policy::RequestError>(())
    /// ```
    #[must_use]
    pub fn evaluate(&self, request: &Request) -> Evaluation {
        run(&[self], &Input::plain(request), &mut NoRecord)
    }

    /// Decides `request` and records how every statement fared. The decision and reasons are
    /// always those of [`evaluate`](Self::evaluate): both run the same code.
    #[must_use]
    pub fn explain(&self, request: &Request) -> Explanation {
        let mut tracer = Tracer::default();
        let evaluation = run(&[self], &Input::plain(request), &mut tracer);
        tracer.finish(evaluation)
    }
}

/// Decides over `parts` (at most [`MAX_PARTS`]; more are ignored), in report order.
#[inline]
pub(crate) fn run<R: Recorder>(
    parts: &[&CompiledPolicySet],
    input: &Input<'_>,
    rec: &mut R,
) -> Evaluation {
    let parts = parts.get(..parts.len().min(MAX_PARTS)).unwrap_or_default();
    let shape = Shape {
        has_boundary: parts.iter().any(|p| p.has_boundary),
        has_session: parts.iter().any(|p| p.has_session),
    };
    let mut t = Tally {
        denies: Hits::new(),
        allows: Hits::new(),
        identity: false,
        boundary: false,
        session: false,
        res_direct: false,
        res_role: false,
        res_account: false,
        scp_missing: None,
        rcp_missing: None,
    };
    tally(parts, shape, input, rec, &mut t);
    decide(parts, shape, input, &t)
}

/// The next group in report order over all parts, advancing `cursors`.
#[inline]
fn next_group<'p>(
    parts: &[&'p CompiledPolicySet],
    cursors: &mut [usize; MAX_PARTS],
) -> Option<(u8, &'p Group)> {
    let mut best: Option<(u8, &'p Group)> = None;
    let mut best_order = u32::MAX;
    for (p, (part, cursor)) in (0u8..).zip(parts.iter().zip(cursors.iter())) {
        if let Some(group) = part.groups.get(*cursor)
            && (best.is_none() || group.order < best_order)
        {
            best_order = group.order;
            best = Some((p, group));
        }
    }
    let (p, group) = best?;
    if let Some(cursor) = cursors.get_mut(usize::from(p)) {
        *cursor += 1;
    }
    Some((p, group))
}

#[inline(always)]
fn tally<R: Recorder>(
    parts: &[&CompiledPolicySet],
    shape: Shape,
    input: &Input<'_>,
    rec: &mut R,
    t: &mut Tally,
) {
    let boundary_caller = shape.has_boundary && input.who.kind.is_iam_identity();
    let mut cursors = [0; MAX_PARTS];
    while let Some((p, group)) = next_group(parts, &mut cursors) {
        let Some(part) = parts.get(usize::from(p)) else {
            break;
        };
        let mut group_allows = false;
        // SCPs govern principals of member accounts, so they take no part for service
        // principals and anonymous callers; a permissions boundary is attached to a user or a
        // role, so a boundary given for the root user takes no part. Their statements are still
        // traced, and never apply.
        let takes_part = match group.kind {
            PolicyKind::Scp => {
                !matches!(input.who.kind, CallerKind::Service | CallerKind::Anonymous)
            }
            PolicyKind::PermissionsBoundary => input.who.kind != CallerKind::Root,
            _ => true,
        };
        let mut visit = |id: u32, known_action: bool, t: &mut Tally| {
            let Some(st) = part.statements.get(id as usize) else {
                return;
            };
            match eval_statement(st, input, known_action, boundary_caller, takes_part, rec) {
                Applied::No => {}
                Applied::Deny => t.denies.push(Hit {
                    part: p,
                    id,
                    tag: Tag::Identity,
                }),
                Applied::Allow(matched) => {
                    let tag = match group.kind {
                        PolicyKind::Identity => Some(Tag::Identity),
                        PolicyKind::PermissionsBoundary => Some(Tag::Boundary),
                        PolicyKind::Session => Some(Tag::Session),
                        PolicyKind::Scp => Some(Tag::Scp),
                        PolicyKind::Rcp => Some(Tag::Rcp),
                        PolicyKind::Resource => match matched {
                            Some(PrincipalMatch::Direct) => Some(Tag::ResDirect),
                            Some(PrincipalMatch::Role) => Some(Tag::ResRole),
                            Some(PrincipalMatch::Account) => Some(Tag::ResAccount),
                            // A resource-policy statement without a principal names nobody.
                            None => None,
                        },
                    };
                    if let Some(tag) = tag {
                        group_allows = true;
                        match tag {
                            Tag::Identity => t.identity = true,
                            Tag::Boundary => t.boundary = true,
                            Tag::Session => t.session = true,
                            Tag::ResDirect => t.res_direct = true,
                            Tag::ResRole => t.res_role = true,
                            Tag::ResAccount => t.res_account = true,
                            Tag::Scp | Tag::Rcp => {}
                        }
                        t.allows.push(Hit { part: p, id, tag });
                    }
                }
            }
        };
        if R::FULL {
            for id in group.start..group.end {
                visit(id, false, t);
            }
        } else {
            let candidates = group.candidates(
                input.action_hash,
                input.action,
                input.service_hash,
                input.service,
            );
            for &entry in candidates {
                visit(entry >> 1, entry & TEST_ACTION == 0, t);
            }
        }
        if !group_allows {
            match group.kind {
                PolicyKind::Scp if t.scp_missing.is_none() => {
                    t.scp_missing = Some(group.level);
                }
                PolicyKind::Rcp if t.rcp_missing.is_none() => {
                    t.rcp_missing = Some(group.level);
                }
                _ => {}
            }
        }
    }
}

/// Adds the statement of `hit` to the reasons.
#[inline(always)]
fn push_reason(parts: &[&CompiledPolicySet], evaluation: &mut Evaluation, hit: Hit) {
    if let Some(st) = parts
        .get(usize::from(hit.part))
        .and_then(|part| part.statements.get(hit.id as usize))
    {
        evaluation.push_reason(st.at);
    }
}

#[inline(always)]
fn decide(parts: &[&CompiledPolicySet], shape: Shape, input: &Input<'_>, t: &Tally) -> Evaluation {
    // Rules AWS applies beyond the policy text (`aws_rules`): an action that needs no
    // permission is allowed even under an explicit deny; a refusal yields to an applicable
    // `Deny` (both refuse; the statement is the more specific reason).
    let rule = input.aws_rule;
    if let Some(AwsRule::NoPermissionRequired) = rule {
        return Evaluation::by_rule(AwsRule::NoPermissionRequired);
    }
    if t.denies.len > 0 {
        let mut evaluation = Evaluation::new(Decision::ExplicitDeny, None);
        for hit in t.denies.iter() {
            push_reason(parts, &mut evaluation, hit);
        }
        if t.denies.overflow {
            evaluation.set_truncated();
        }
        return evaluation;
    }
    if let Some(rule) = rule {
        return Evaluation::by_rule(rule);
    }
    let kind = input.who.kind;
    let belongs_to_account = !matches!(kind, CallerKind::Service | CallerKind::Anonymous);
    if belongs_to_account && let Some(level) = t.scp_missing {
        return Evaluation::new(Decision::ImplicitDeny, Some(Gate::Scp { level }));
    }
    if let Some(level) = t.rcp_missing {
        return Evaluation::new(Decision::ImplicitDeny, Some(Gate::Rcp { level }));
    }
    // An AWS-owned resource (account `aws`) has no resource-based policy and belongs to no
    // customer account: the caller's own policies decide, as in the same account.
    let same = input.same_account || input.resource_kind == ResourceKind::AwsOwned;
    let owner_policy = matches!(
        input.resource_kind,
        ResourceKind::RoleTrust | ResourceKind::KmsKey
    );
    let (rd, rr, ra) = (t.res_direct, t.res_role, t.res_account);
    let res_any = rd || rr || ra;
    let res_all = Tag::ResDirect.bit() | Tag::ResRole.bit() | Tag::ResAccount.bit();
    let chain_bits = Tag::Identity.bit() | Tag::Boundary.bit() | Tag::Session.bit();
    let route: Result<u16, Gate> = match kind {
        CallerKind::Service | CallerKind::Anonymous => {
            if rd {
                Ok(Tag::ResDirect.bit())
            } else {
                Err(Gate::ResourcePolicy)
            }
        }
        CallerKind::Root => {
            if same && !owner_policy {
                Ok(Tag::ResDirect.bit() | Tag::Identity.bit())
            } else if rd || ra {
                Ok(Tag::ResDirect.bit() | Tag::ResAccount.bit() | Tag::Identity.bit())
            } else {
                Err(Gate::ResourcePolicy)
            }
        }
        CallerKind::User
        | CallerKind::Role
        | CallerKind::AssumedRole
        | CallerKind::FederatedUser => {
            let i = t.identity;
            let b = !shape.has_boundary || t.boundary;
            let s = !shape.has_session || t.session;
            let chain = i && b && s;
            if !same {
                if chain && res_any {
                    Ok(chain_bits | res_all)
                } else {
                    Err(first_missing(i, b, s).unwrap_or(Gate::ResourcePolicy))
                }
            } else if rd {
                Ok(Tag::ResDirect.bit())
            } else if rr && b && s {
                Ok(Tag::ResRole.bit() | Tag::Boundary.bit() | Tag::Session.bit())
            } else if owner_policy {
                if ra && chain {
                    Ok(chain_bits | Tag::ResAccount.bit())
                } else if !res_any {
                    Err(Gate::ResourcePolicy)
                } else {
                    // A role grant lacks the boundary or session; an account grant also
                    // needs the identity policies.
                    Err(first_missing(true, b, s).unwrap_or(Gate::Identity))
                }
            } else if chain {
                Ok(chain_bits)
            } else if !i && !rr {
                Err(Gate::Identity)
            } else {
                Err(first_missing(true, b, s).unwrap_or(Gate::Identity))
            }
        }
    };
    match route {
        Err(gate) => Evaluation::new(Decision::ImplicitDeny, Some(gate)),
        Ok(mut mask) => {
            if belongs_to_account {
                mask |= Tag::Scp.bit();
            }
            mask |= Tag::Rcp.bit();
            let mut evaluation = Evaluation::new(Decision::Allow, None);
            for hit in t.allows.iter() {
                if mask & hit.tag.bit() != 0 {
                    push_reason(parts, &mut evaluation, hit);
                }
            }
            if t.allows.overflow {
                evaluation.set_truncated();
            }
            evaluation
        }
    }
}

/// The first of identity, boundary, session that does not allow.
const fn first_missing(i: bool, b: bool, s: bool) -> Option<Gate> {
    if !i {
        Some(Gate::Identity)
    } else if !b {
        Some(Gate::PermissionsBoundary)
    } else if !s {
        Some(Gate::Session)
    } else {
        None
    }
}

/// Tests one statement against the request. `known_action`: the action index already showed
/// that the statement names the request's action.
#[inline(always)]
fn eval_statement<R: Recorder>(
    st: &CompiledStatement,
    input: &Input<'_>,
    known_action: bool,
    boundary_caller: bool,
    takes_part: bool,
    rec: &mut R,
) -> Applied {
    rec.begin(st);
    let action = known_action || action_matches(st, input);
    rec.action(action);
    let mut ok = action && takes_part;
    if ok || R::FULL {
        let outcome = resource_outcome(st, input);
        rec.resource(outcome);
        ok &= outcome.passed();
    }
    let mut matched = None;
    if ok || R::FULL {
        let outcome = principal_outcome(st, &input.who, boundary_caller);
        rec.principal(outcome);
        if let PrincipalOutcome::Matched(m) = outcome {
            matched = Some(m);
        }
        ok &= outcome.passed();
    }
    if ok || R::FULL {
        for (index, condition) in st.conditions.iter().enumerate() {
            let truth = condition_truth(condition, input);
            rec.condition(index, condition.operator, condition.key(), &truth);
            let fails = match st.effect {
                Effect::Allow => !matches!(truth, Truth::True),
                Effect::Deny => matches!(truth, Truth::False),
            };
            if fails {
                ok = false;
                if !R::FULL {
                    break;
                }
            }
        }
    }
    rec.end(ok);
    if !ok {
        return Applied::No;
    }
    match st.effect {
        Effect::Allow => Applied::Allow(matched),
        Effect::Deny => Applied::Deny,
    }
}

#[inline(always)]
fn action_matches(st: &CompiledStatement, input: &Input<'_>) -> bool {
    let listed = st.actions.iter().any(|a| match a {
        CompiledAction::Any => true,
        // `ActionPattern::is_match` on the request's lower-cased service and name.
        CompiledAction::Pattern { service, name } => {
            same_bytes(service.as_bytes(), input.service) && name.matches(input.name)
        }
    });
    listed != st.action_negated
}

/// Whether `resource` (an ARN) starts with `head` followed by the fifth colon; what follows.
#[inline(always)]
fn after_head<'t>(resource: &'t [u8], head: &str) -> Option<&'t [u8]> {
    if !starts_with(resource, head.as_bytes()) {
        return None;
    }
    resource.get(head.len()..)?.strip_prefix(b":")
}

#[inline(always)]
fn resource_outcome(st: &CompiledStatement, input: &Input<'_>) -> ResourceOutcome {
    let Some((negated, patterns)) = &st.resource else {
        return ResourceOutcome::NoElement;
    };
    let resource = input.resource;
    let ctx = input.ctx;
    // Only `"Resource": "*"` covers actions without a resource type (`iam-semantics.md` §3;
    // project decision 14 for `NotResource`).
    let any_resource = resource == b"*";
    let mut unresolved = false;
    for (i, pattern) in patterns.iter().enumerate() {
        let hit = match pattern {
            CompiledResource::Any => true,
            _ if any_resource => false,
            CompiledResource::Never => false,
            CompiledResource::Exact(arn) => same_bytes(resource, arn.as_bytes()),
            CompiledResource::Prefix(prefix) => starts_with(resource, prefix.as_bytes()),
            CompiledResource::Head { head, rest } => {
                after_head(resource, head).is_some_and(|tail| rest.matches(tail))
            }
            CompiledResource::Pattern(p) => text(resource)
                .and_then(|r| p.is_match(r, ctx.resolver()))
                .unwrap_or_else(|| {
                    unresolved = true;
                    false
                }),
        };
        if hit {
            return ResourceOutcome::Matched {
                pattern: to_u32(i),
                negated: *negated,
            };
        }
    }
    ResourceOutcome::NotMatched {
        negated: *negated,
        unresolved,
    }
}

/// The truth of one condition entry.
#[inline(always)]
fn condition_truth(condition: &CompiledCondition, input: &Input<'_>) -> Truth {
    let ctx = input.ctx;
    let (if_exists, negated) = match &condition.test {
        CondTest::General(entry) => {
            let value = input.req.context().get(&entry.key_lower);
            return evaluate_entry(entry, value, ctx.resolver());
        }
        CondTest::Strings {
            negated, if_exists, ..
        }
        | CondTest::Ips {
            negated, if_exists, ..
        } => (*if_exists, *negated),
        CondTest::Bools { if_exists, .. } => (*if_exists, false),
    };
    let Some(found) = ctx.find(condition.key_hash, condition.key_lower()) else {
        // Absent key (decision 10): `…IfExists` true, negated true, positive false.
        return Truth::from_bool(if_exists || negated);
    };
    let Some(scalar) = found.single() else {
        // A list-valued key needs a set qualifier (decision 8).
        return Truth::False;
    };
    let any = match &condition.test {
        CondTest::General(_) => Truth::False,
        CondTest::Strings {
            ignore_case,
            values,
            ..
        } => {
            let request = scalar.bytes();
            let equal = |value: &[u8]| {
                if *ignore_case {
                    matches!((text(request), text(value)), (Some(r), Some(v)) if lit_eq(r, v, true))
                } else {
                    same_bytes(request, value)
                }
            };
            let mut any = false;
            for v in values {
                any = match v {
                    StrValue::Lit(lit) => equal(lit.as_bytes()),
                    StrValue::Var { hash, key, default } => ctx
                        .value(*hash, key)
                        .or(default.as_deref().map(str::as_bytes))
                        .is_some_and(equal),
                    StrValue::Template(template) => text(request).is_some_and(|request| {
                        template.is_match(request, *ignore_case, ctx.resolver()) == Some(true)
                    }),
                };
                if any {
                    break;
                }
            }
            Truth::from_bool(any)
        }
        CondTest::Bools { accept, .. } => {
            if *accept == 0 {
                Truth::False
            } else {
                let request = match scalar {
                    Scalar::Bool(b) => Some(b),
                    Scalar::String(s) => text(s).and_then(parse_bool),
                    Scalar::Number(_) => None,
                };
                match request {
                    Some(b) => Truth::from_bool(accept & if b { 1 } else { 2 } != 0),
                    None => Truth::Unknown(UnknownReason::NotABool),
                }
            }
        }
        CondTest::Ips { v4, v6, .. } => {
            if v4.is_empty() && v6.is_empty() {
                Truth::False
            } else {
                let address = found.ip();
                match address {
                    // An address never lies in a block of the other family.
                    Some(IpAddr::V4(a)) => {
                        let a = u32::from(a);
                        Truth::from_bool(v4.iter().any(|&(net, mask)| a & mask == net))
                    }
                    Some(IpAddr::V6(a)) => Truth::from_bool(v6.iter().any(|net| net.contains(&a))),
                    None => Truth::Unknown(UnknownReason::NotAnIpAddress),
                }
            }
        }
    };
    if negated { !any } else { any }
}

#[inline(always)]
fn principal_outcome(
    st: &CompiledStatement,
    caller: &Who<'_>,
    boundary_caller: bool,
) -> PrincipalOutcome {
    match &st.principal {
        PrincipalTest::None => PrincipalOutcome::NoElement,
        PrincipalTest::Targets {
            negated: false,
            targets,
        } => {
            let mut best = None;
            for t in targets {
                if let Some(m) = target_match(t, caller) {
                    best = Some(best.map_or(m, |b: PrincipalMatch| b.max(m)));
                }
            }
            best.map_or(PrincipalOutcome::NotMatched, PrincipalOutcome::Matched)
        }
        PrincipalTest::Targets {
            negated: true,
            targets,
        } => {
            if st.effect == Effect::Allow {
                PrincipalOutcome::AllowWithNotPrincipal
            } else if boundary_caller {
                PrincipalOutcome::BoundaryCaller
            } else if targets.iter().any(|t| lists_caller(t, caller)) {
                PrincipalOutcome::Exempt
            } else {
                PrincipalOutcome::NotListed
            }
        }
    }
}

/// Whether a role target (its path-less ARN `arn:P:iam::A:role/NAME`) is the caller's role
/// (or the caller, for a role).
#[inline(always)]
fn is_callers_role(arn: &str, caller: &Who<'_>) -> bool {
    match caller.kind {
        // A session's role ARN is always `arn:P:iam::A:role/NAME`.
        CallerKind::AssumedRole => caller
            .role_arn()
            .is_some_and(|own| same_bytes(own, arn.as_bytes())),
        // A role's own ARN may carry a path: compare partition, account and name.
        CallerKind::Role => {
            let mut parts = arn.splitn(6, ':');
            let partition = parts.nth(1).unwrap_or_default();
            let account = parts.nth(2).unwrap_or_default();
            let name = parts.next().and_then(|r| r.strip_prefix("role/"));
            name.is_some_and(|n| same_bytes(caller.name(), n.as_bytes()))
                && caller
                    .account()
                    .is_some_and(|a| same_bytes(a, account.as_bytes()))
                && same_bytes(caller.partition(), partition.as_bytes())
        }
        _ => false,
    }
}

/// How a `Principal` target names the caller, if it does (`iam-semantics.md` §4, §9.5).
#[inline(always)]
fn target_match(target: &Target, caller: &Who<'_>) -> Option<PrincipalMatch> {
    let kind = caller.kind;
    let yes = |cond: bool, m: PrincipalMatch| cond.then_some(m);
    match target {
        Target::Any => Some(PrincipalMatch::Direct),
        Target::AnyService => yes(kind == CallerKind::Service, PrincipalMatch::Direct),
        Target::Account(account) => match kind {
            CallerKind::Service | CallerKind::Anonymous => None,
            CallerKind::Root => yes(
                caller
                    .account()
                    .is_some_and(|a| same_bytes(a, account.as_bytes())),
                PrincipalMatch::Direct,
            ),
            _ => yes(
                caller
                    .account()
                    .is_some_and(|a| same_bytes(a, account.as_bytes())),
                PrincipalMatch::Account,
            ),
        },
        Target::User(arn) => yes(
            kind == CallerKind::User && same_bytes(caller.text(), arn.as_bytes()),
            PrincipalMatch::Direct,
        ),
        Target::Role { arn } => yes(is_callers_role(arn, caller), PrincipalMatch::Role),
        Target::Session(arn) => yes(
            kind == CallerKind::AssumedRole && same_bytes(caller.text(), arn.as_bytes()),
            PrincipalMatch::Direct,
        ),
        Target::FederatedUser(arn) => yes(
            kind == CallerKind::FederatedUser && same_bytes(caller.text(), arn.as_bytes()),
            PrincipalMatch::Direct,
        ),
        Target::Service(name) => yes(
            kind == CallerKind::Service && same_bytes(caller.name(), name.as_bytes()),
            PrincipalMatch::Direct,
        ),
        Target::Other => None,
    }
}

/// Whether a `NotPrincipal` entry exempts the caller (project decision 3): its own ARN, its
/// role's ARN for a session, or its account only for the root user.
fn lists_caller(target: &Target, caller: &Who<'_>) -> bool {
    let kind = caller.kind;
    match target {
        Target::Any => true,
        Target::AnyService => kind == CallerKind::Service,
        Target::Account(account) => {
            kind == CallerKind::Root
                && caller
                    .account()
                    .is_some_and(|a| same_bytes(a, account.as_bytes()))
        }
        Target::User(arn) => kind == CallerKind::User && same_bytes(caller.text(), arn.as_bytes()),
        Target::Role { arn } => is_callers_role(arn, caller),
        Target::Session(arn) => {
            kind == CallerKind::AssumedRole && same_bytes(caller.text(), arn.as_bytes())
        }
        Target::FederatedUser(arn) => {
            kind == CallerKind::FederatedUser && same_bytes(caller.text(), arn.as_bytes())
        }
        Target::Service(name) => {
            kind == CallerKind::Service && same_bytes(caller.name(), name.as_bytes())
        }
        Target::Other => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyType;
    use crate::policy::lower::parse_policy;
    use crate::policy_set::PolicySet;

    /// Condition blocks covering every compiled shape (and some general ones).
    const CONDITIONS: &[&str] = &[
        r#"{"StringEquals":{"k:s":["a","B",""]}}"#,
        r#"{"StringNotEquals":{"k:s":"a"}}"#,
        r#"{"StringEqualsIgnoreCase":{"k:s":["A","ß"]}}"#,
        r#"{"StringNotEqualsIgnoreCase":{"k:s":"b"}}"#,
        r#"{"StringLike":{"k:s":["a*","?"]}}"#,
        r#"{"StringNotLike":{"k:s":"*a*"}}"#,
        r#"{"StringEquals":{"k:s":"${k:v}"}}"#,
        r#"{"StringEquals":{"k:s":"${k:v, 'dflt'}"}}"#,
        r#"{"StringLike":{"k:s":"${k:v}"}}"#,
        r#"{"StringEqualsIgnoreCase":{"k:s":"${k:v}"}}"#,
        r#"{"StringNotEquals":{"k:s":"${k:v}"}}"#,
        r#"{"StringEquals":{"k:s":"x-${k:v}"}}"#,
        r#"{"StringEquals":{"k:s":"${*}"}}"#,
        r#"{"StringEqualsIfExists":{"k:s":"a"}}"#,
        r#"{"StringNotEqualsIfExists":{"k:s":"a"}}"#,
        r#"{"StringEquals":{"k:s":[]}}"#,
        r#"{"StringNotEquals":{"k:s":[]}}"#,
        r#"{"Bool":{"k:s":"true"}}"#,
        r#"{"Bool":{"k:s":["false"]}}"#,
        r#"{"BoolIfExists":{"k:s":"true"}}"#,
        r#"{"Bool":{"k:s":[]}}"#,
        r#"{"IpAddress":{"k:s":["10.0.0.0/8","2001:db8::/32"]}}"#,
        r#"{"NotIpAddress":{"k:s":"10.1.0.0/16"}}"#,
        r#"{"IpAddressIfExists":{"k:s":"192.0.2.7"}}"#,
        r#"{"IpAddress":{"k:s":[]}}"#,
        r#"{"NotIpAddress":{"k:s":[]}}"#,
        r#"{"NumericLessThan":{"k:s":"10"}}"#,
        r#"{"ForAnyValue:StringEquals":{"k:s":"a"}}"#,
        r#"{"ForAllValues:StringLike":{"k:s":"a*"}}"#,
        r#"{"Null":{"k:s":"true"}}"#,
        r#"{"ArnLike":{"k:s":"arn:aws:iam::*:role/${k:v}"}}"#,
    ];

    /// Values of `k:s` and `k:v` (`None`: absent).
    fn contexts() -> Vec<Context> {
        let scalars = [
            None,
            Some(ContextValue::string("a")),
            Some(ContextValue::string("A")),
            Some(ContextValue::string("B")),
            Some(ContextValue::string("")),
            Some(ContextValue::string("ab")),
            Some(ContextValue::string("SS")),
            Some(ContextValue::string("x-a")),
            Some(ContextValue::string("*")),
            Some(ContextValue::string("true")),
            Some(ContextValue::string("FALSE")),
            Some(ContextValue::string("10.1.2.3")),
            Some(ContextValue::string("10.2.0.1")),
            Some(ContextValue::string("2001:db8::5")),
            Some(ContextValue::string("192.0.2.7")),
            Some(ContextValue::string("not-an-ip")),
            Some(ContextValue::string("arn:aws:iam::1:role/a")),
            Some(ContextValue::bool(true)),
            Some(ContextValue::bool(false)),
            Some(ContextValue::number("7")),
            Some(ContextValue::number("12")),
            Some(ContextValue::strings(["a"])),
            Some(ContextValue::strings([])),
        ];
        let vars = [
            None,
            Some(ContextValue::string("a")),
            Some(ContextValue::string("b")),
            Some(ContextValue::strings(["a"])),
        ];
        let mut out = Vec::new();
        for s in &scalars {
            for v in &vars {
                let mut c = Context::new();
                if let Some(s) = s {
                    c.insert("K:S", s.clone());
                }
                if let Some(v) = v {
                    c.insert("k:v", v.clone());
                }
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn compiled_conditions_agree_with_the_general_evaluator() {
        let statements: Vec<String> = CONDITIONS
            .iter()
            .map(|c| format!(r#"{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{c}}}"#))
            .collect();
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            statements.join(",")
        );
        let policy = parse_policy(&text, PolicyType::Identity).unwrap();
        let mut set = PolicySet::new();
        set.add(PolicyKind::Identity, policy.clone());
        let compiled = set.compile();
        let mut fast = 0;
        let mut checked = 0;
        for context in contexts() {
            let req = Request::builder()
                .principal("arn:aws:iam::111122223333:user/alice")
                .action("s3:GetObject")
                .resource("*")
                .context(context.clone())
                .build()
                .unwrap();
            let (prepared, _) = Prepared::new(&req, None);
            for input in [Input::plain(&req), prepared.input(&req)] {
                for (st, source) in compiled.statements.iter().zip(&policy.statements) {
                    for (condition, entry) in st.conditions.iter().zip(&source.conditions) {
                        let want = evaluate_entry(
                            entry,
                            req.context().get(&entry.key_lower),
                            |key: &str| req.context().get_text(key),
                        );
                        let got = condition_truth(condition, &input);
                        assert_eq!(got, want, "{} on {:?}", entry.operator.value, req.context());
                        checked += 1;
                        fast += usize::from(!matches!(condition.test, CondTest::General(_)));
                    }
                }
            }
        }
        assert!(checked > 2000 && fast > checked / 2, "{fast} of {checked}");
    }

    #[test]
    fn prepared_context_finds_every_key_and_nothing_else() {
        let mut context = Context::new();
        for i in 0..40 {
            context.insert(&format!("Key:{i}"), ContextValue::number(&i.to_string()));
        }
        let req = Request::builder()
            .principal("arn:aws:iam::111122223333:user/alice")
            .action("s3:GetObject")
            .resource("*")
            .context(context)
            .build()
            .unwrap();
        let (prepared, _) = Prepared::new(&req, None);
        let ctx = prepared.input(&req).ctx;
        for i in 0..40 {
            let key = format!("key:{i}");
            assert_eq!(
                ctx.value(text_hash(&key), &key),
                Some(i.to_string().as_bytes()),
                "{key}"
            );
        }
        assert_eq!(ctx.value(text_hash("key:40"), "key:40"), None);
        assert_eq!(ctx.value(text_hash("Key:1"), "Key:1"), None);
        assert_eq!(
            ctx.value(text_hash("aws:username"), "aws:username"),
            Some(&b"alice"[..])
        );
    }
    #[test]
    fn classified_resources_and_actions_agree_with_the_pattern_types() {
        use crate::action::{Action, ActionPattern};
        use crate::arn::{ArnPattern, ArnPatternMode};
        let patterns = [
            "*",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/*",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:*-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:*db*",
            "arn:aws:secretsmanager:us-east-1:111122223333:*",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????",
            "arn:aws:secretsmanager:*:111122223333:secret:prod/*",
            "arn:aws:secretsmanager:us-east-1::secret:prod/*",
            "arn:aws:secretsmanager:us-east-1:111122223333:",
            "arn:aws:secretsmanager:*",
            "arn:aws:secretsmanager",
            "arn:aws:s3:::bucket/${aws:username}/*",
            "arn:aws:s3:::bucket/${*}",
            "arn:aws:s3:::bücket/ä*",
        ];
        let resources = [
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEfX",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/db-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/",
            "arn:aws:secretsmanager:us-east-1:111122223333:",
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/x",
            "arn:aws:secretsmanager:us-east-1::secret:prod/x",
            "arn:aws:secretsmanager:us-east-1:111122223334:secret:prod/x",
            "arn:aws:s3:::bucket/alice/a.txt",
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bücket/äx",
        ];
        for pattern in patterns {
            let text = format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":"{pattern}"}}}}"#
            );
            let mut set = PolicySet::new();
            set.add(
                PolicyKind::Identity,
                parse_policy(&text, PolicyType::Identity).unwrap(),
            );
            let compiled = set.compile();
            let st = &compiled.statements[0];
            let reference = ArnPattern::parse(pattern, ArnPatternMode::Resource, true).unwrap();
            for resource in resources {
                for user in ["alice", "bob"] {
                    let req = Request::builder()
                        .principal(&format!("arn:aws:iam::111122223333:user/{user}"))
                        .action("s3:GetObject")
                        .resource(resource)
                        .build()
                        .unwrap();
                    let resolve = |key: &str| req.context().get_text(key);
                    let want = match reference.is_match(resource, resolve) {
                        Some(true) => ResourceOutcome::Matched {
                            pattern: 0,
                            negated: false,
                        },
                        Some(false) => ResourceOutcome::NotMatched {
                            negated: false,
                            unresolved: false,
                        },
                        None => ResourceOutcome::NotMatched {
                            negated: false,
                            unresolved: true,
                        },
                    };
                    let (prepared, _) = Prepared::new(&req, None);
                    for input in [Input::plain(&req), prepared.input(&req)] {
                        assert_eq!(
                            resource_outcome(st, &input),
                            want,
                            "{pattern} on {resource}"
                        );
                    }
                }
            }
        }
        let action_patterns = [
            "s3:*",
            "s3:Get*",
            "s3:*Object",
            "s3:*Obj*",
            "s3:GetObject",
            "s3:Get?bject",
            "s3:G*t*",
            "kms:*",
            "*",
        ];
        let actions = [
            "s3:GetObject",
            "S3:getobjectacl",
            "s3:PutObject",
            "kms:Decrypt",
            "s3:Get",
        ];
        for pattern in action_patterns {
            let reference = ActionPattern::parse(pattern).unwrap();
            let text = format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"{pattern}","Resource":"*"}}}}"#
            );
            let mut set = PolicySet::new();
            set.add(
                PolicyKind::Identity,
                parse_policy(&text, PolicyType::Identity).unwrap(),
            );
            let compiled = set.compile();
            for action in actions {
                let req = Request::builder()
                    .principal("arn:aws:iam::111122223333:user/alice")
                    .action(action)
                    .resource("*")
                    .build()
                    .unwrap();
                let want = reference.is_match(&Action::parse(action).unwrap());
                assert_eq!(
                    action_matches(&compiled.statements[0], &Input::plain(&req)),
                    want,
                    "{pattern} on {action}"
                );
                assert_eq!(
                    compiled.evaluate(&req).decision() == Decision::Allow,
                    want,
                    "index: {pattern} on {action}"
                );
            }
        }
    }
}
