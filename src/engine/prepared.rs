//! The prepared request's data ([`Prepared`], held by
//! [`PreparedRequest`](crate::PreparedRequest)): every text a decision reads in one arena, the
//! context indexed by hash.

use std::net::IpAddr;

use crate::aws_rules::AwsRule;
use crate::bytes::{Range, at, same_bytes, text_hash, to_u32};
use crate::request::{CallerKind, ContextScalar, ContextValue, Request, ResourceKind};
use crate::value::parse_ip;

/// How a prepared context entry holds its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum SlotKind {
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
pub(super) struct Slot {
    /// [`text_hash`] of the lower-cased key.
    hash: u64,
    key: (u32, u32),
    pub(super) text: (u32, u32),
    /// A single string value that is an IPv4 address, as an integer.
    pub(super) ipv4: u32,
    /// Whether the value is a single string holding an address: 0 no, 4 IPv4 (`ipv4`), 6
    /// IPv6 (read from the text when needed).
    pub(super) ip: u8,
    pub(super) kind: SlotKind,
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
    pub(super) caller: (Range, Range, Range, Range, Range),
    pub(super) has_role_arn: bool,
    pub(super) has_account: bool,
    pub(super) kind: CallerKind,
    /// Action (lower-cased), service, name; resource.
    pub(super) action: (u32, u32),
    pub(super) service: (u32, u32),
    pub(super) name: (u32, u32),
    pub(super) resource: (u32, u32),
    pub(super) resource_kind: ResourceKind,
    pub(super) same_account: bool,
    pub(super) aws_rule: Option<AwsRule>,
    pub(super) action_hash: u64,
    pub(super) service_hash: u64,
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
    pub(super) fn arena(&self) -> &[u8] {
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
    pub(super) fn touch(&self, arena: &[u8]) {
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

    /// The slot of `key` (lower-cased; `hash` is its [`text_hash`]) in `arena`.
    #[inline(always)]
    pub(super) fn slot<'s>(&'s self, arena: &[u8], hash: u64, key: &[u8]) -> Option<&'s Slot> {
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
