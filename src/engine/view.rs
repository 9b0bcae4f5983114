//! The request view: [`Input`], how the engine reads a plain [`Request`] or a prepared one.

use std::net::IpAddr;

use super::condition::Value;
use super::index::Names;
use super::prepared::{IP_UNREAD, Prepared, Slot, SlotKind};
use crate::aws_rules::AwsRule;
use crate::bytes::{at, text, text_hash};
use crate::condition::ops;
use crate::request::{
    Caller, CallerKind, Context, ContextScalar, ContextValue, DERIVED_KEYS, Request, ResourceKind,
};
use crate::value::parse_ip;

/// How the engine reads the request context.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Ctx<'r> {
    /// The request's own context (binary search by key text).
    Plain(&'r Context),
    /// A prepared index and its arena; the whole values in the prepared request, or in the
    /// context it was prepared from (given).
    Prepared(&'r Prepared, &'r [u8], Option<&'r Context>),
}

/// One scalar request value.
#[derive(Clone, Copy)]
pub(super) enum Scalar<'r> {
    String(&'r [u8]),
    Number(&'r [u8]),
    Bool(bool),
}

impl<'r> Scalar<'r> {
    /// The value as the operators read it (`None` only for text that is not UTF-8, which the
    /// engine never holds).
    #[inline(always)]
    pub(super) fn read(self) -> Option<ops::Scalar<'r>> {
        Some(match self {
            Self::String(s) => ops::Scalar::String(text(s)?),
            Self::Number(s) => ops::Scalar::Number(text(s)?),
            Self::Bool(b) => ops::Scalar::Bool(b),
        })
    }

    /// The value as text (`true`/`false` for booleans).
    #[inline(always)]
    pub(super) const fn bytes(self) -> &'r [u8] {
        match self {
            Self::String(s) | Self::Number(s) => s,
            Self::Bool(true) => b"true",
            Self::Bool(false) => b"false",
        }
    }
}

/// A context value found for a key.
#[derive(Clone, Copy)]
pub(super) enum Found<'r> {
    Plain(&'r ContextValue),
    Prepared(&'r Slot, &'r [u8]),
    /// A key a prepared request derives (made when it is read).
    Derived(Scalar<'r>),
}

impl<'r> Found<'r> {
    /// The scalar of a single-valued key; `None` for a multi-valued key.
    #[inline(always)]
    pub(super) fn single(self) -> Option<Scalar<'r>> {
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
            Self::Derived(scalar) => Some(scalar),
        }
    }

    /// A single string value read as an IP address.
    #[inline(always)]
    pub(super) fn ip(self) -> Option<IpAddr> {
        match self {
            Self::Plain(ContextValue::Single(ContextScalar::String(s))) => parse_ip(s),
            Self::Plain(_) => None,
            Self::Prepared(slot, arena) => match slot.ip {
                4 => Some(IpAddr::V4(slot.ipv4.into())),
                6 | IP_UNREAD => text(at(arena, slot.text)).and_then(parse_ip),
                _ => None,
            },
            // Read as the plain path reads the same text (a user name may look like one).
            Self::Derived(Scalar::String(s)) => text(s).and_then(parse_ip),
            Self::Derived(_) => None,
        }
    }
}

/// The derived key `key` of prepared request `p` (see [`Prepared::derived`]), if it derives it.
#[inline(never)]
fn derived<'r>(p: &'r Prepared, arena: &'r [u8], hash: u64, key: &str) -> Option<Found<'r>> {
    let slot = p.derived(hash, key.as_bytes())?;
    Some(Found::Derived(match slot.kind {
        SlotKind::Bool(b) => Scalar::Bool(b),
        _ => Scalar::String(at(arena, slot.text)),
    }))
}

impl<'r> Ctx<'r> {
    /// The value of `key` (lower-cased; `hash` is its [`text_hash`]).
    #[inline(always)]
    pub(super) fn find(self, hash: u64, key: &str) -> Option<Found<'r>> {
        match self {
            Self::Plain(context) => context.get_lower(key).map(Found::Plain),
            Self::Prepared(p, arena, _) => match p.slot(arena, hash, key.as_bytes()) {
                Some(slot) => Some(Found::Prepared(slot, arena)),
                None => derived(p, arena, hash, key),
            },
        }
    }

    /// The whole value of `key` (lower-cased; `hash` is its [`text_hash`]), as the general
    /// condition evaluator reads it.
    #[inline]
    pub(super) fn entry(self, hash: u64, key: &str) -> Option<Value<'r>> {
        match self {
            Self::Plain(context) | Self::Prepared(_, _, Some(context)) => {
                context.get_lower(key).map(Value::from)
            }
            Self::Prepared(p, arena, None) => p.value(arena, hash, key.as_bytes()),
        }
    }

    /// The value of a policy variable: the text of a single-valued key.
    #[inline(always)]
    pub(super) fn value(self, hash: u64, key: &str) -> Option<&'r [u8]> {
        self.find(hash, key)
            .and_then(Found::single)
            .map(Scalar::bytes)
    }

    /// The variable resolver of the general matchers (hashes the key it is given).
    pub(super) fn resolver(self) -> impl Fn(&str) -> Option<&'r str> + Copy {
        move |key: &str| match self {
            Self::Plain(context) => context.get_text_lower(key),
            Self::Prepared(..) => self.value(text_hash(key), key).and_then(text),
        }
    }
}

/// The names of the keys a request answers for: the context's keys, and for a prepared
/// request also the keys it derives (the resolver reads the same).
impl Names for Ctx<'_> {
    fn count(&self) -> usize {
        match self {
            Self::Plain(context) => context.len(),
            Self::Prepared(p, ..) => p.len() + DERIVED_KEYS.len(),
        }
    }

    fn each(&self, f: &mut dyn FnMut(&str)) {
        match self {
            Self::Plain(context) => context.iter().for_each(|(key, _)| f(key)),
            Self::Prepared(p, arena, _) => {
                p.keys(arena).filter_map(text).for_each(&mut *f);
                DERIVED_KEYS.into_iter().for_each(f);
            }
        }
    }
}

/// The caller, as the engine reads it: its kind, and its texts read when a test needs them.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Who<'r> {
    pub(super) kind: CallerKind,
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
    pub(super) fn text(&self) -> &'r [u8] {
        match self.src {
            WhoSrc::Plain(c) => c.as_str().as_bytes(),
            WhoSrc::Prepared(p, arena) => at(arena, p.caller.0),
        }
    }

    /// See [`Caller::role_arn`].
    #[inline(always)]
    pub(super) fn role_arn(&self) -> Option<&'r [u8]> {
        match self.src {
            WhoSrc::Plain(c) => c.role_arn().map(str::as_bytes),
            WhoSrc::Prepared(p, arena) => p.has_role_arn.then(|| at(arena, p.caller.1)),
        }
    }

    /// See [`Caller::name`].
    #[inline(always)]
    pub(super) fn name(&self) -> &'r [u8] {
        match self.src {
            WhoSrc::Plain(c) => c.name().as_bytes(),
            WhoSrc::Prepared(p, arena) => at(arena, p.caller.2),
        }
    }

    /// See [`Caller::account`].
    #[inline(always)]
    pub(super) fn account(&self) -> Option<&'r [u8]> {
        match self.src {
            WhoSrc::Plain(c) => c.account().map(str::as_bytes),
            WhoSrc::Prepared(p, arena) => p.has_account.then(|| at(arena, p.caller.3)),
        }
    }

    /// See [`Caller::partition`].
    #[inline(always)]
    pub(super) fn partition(&self) -> &'r [u8] {
        match self.src {
            WhoSrc::Plain(c) => c.partition().as_bytes(),
            WhoSrc::Prepared(p, arena) => at(arena, p.caller.4),
        }
    }
}

/// The request as the engine reads it (borrowed from a [`Request`] or a [`Prepared`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Input<'r> {
    pub(super) who: Who<'r>,
    /// The action, lower-cased; its service and name.
    pub(super) action: &'r [u8],
    pub(super) service: &'r [u8],
    pub(super) name: &'r [u8],
    pub(super) resource: &'r [u8],
    pub(super) resource_kind: ResourceKind,
    pub(super) same_account: bool,
    /// The rule AWS applies beyond the policy text, if any.
    pub(super) aws_rule: Option<AwsRule>,
    /// [`text_hash`] of the action and of the service.
    pub(super) action_hash: u64,
    pub(super) service_hash: u64,
    pub(super) ctx: Ctx<'r>,
}

impl<'r> Input<'r> {
    /// A plain request: hashes its action and service (no allocation).
    pub(crate) fn plain(req: &'r Request) -> Self {
        let caller = req.principal();
        Self {
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

    /// The view of a prepared request that holds its whole context values.
    #[cfg(test)]
    pub(crate) fn prepared(p: &'r Prepared) -> Self {
        Self::prepared_from(p, None)
    }

    /// The view of a prepared request; `context`, if given, is the context it was prepared
    /// from (prepared without the whole values: [`Prepared::fill`]).
    #[inline(always)]
    pub(crate) fn prepared_from(p: &'r Prepared, context: Option<&'r Context>) -> Self {
        let arena = p.arena();
        p.touch(arena);
        Self {
            who: Who {
                kind: p.kind,
                src: WhoSrc::Prepared(p, arena),
            },
            action: at(arena, p.action),
            service: at(arena, p.service),
            name: at(arena, p.name),
            resource: at(arena, p.resource),
            resource_kind: p.resource_kind,
            same_account: p.same_account,
            aws_rule: p.aws_rule,
            action_hash: p.action_hash,
            service_hash: p.service_hash,
            ctx: Ctx::Prepared(p, arena, context),
        }
    }

    /// The resource: an ARN or `*`.
    #[inline(always)]
    pub(crate) const fn resource(&self) -> &'r [u8] {
        self.resource
    }
}
