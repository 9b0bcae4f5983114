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

/// How many texts of a request a context value may share (see [`Writer::known`]).
const KNOWN: usize = 4;

/// Appends texts to a prepared request's arena: inline while they fit, then in the heap
/// buffer (kept between refills, so a reused request allocates nothing once it is long
/// enough).
struct Writer<'p> {
    inline: &'p mut [u8; INLINE_TEXT],
    heap: &'p mut Vec<u8>,
    len: usize,
    on_heap: bool,
    /// Texts that context values often repeat, shared rather than copied again: the caller,
    /// its role ARN (`aws:PrincipalArn`), its account (`aws:PrincipalAccount`,
    /// `aws:ResourceAccount`), the resource.
    known: [(u32, u32); KNOWN],
    known_len: usize,
}

impl Writer<'_> {
    fn bytes(&self) -> &[u8] {
        if self.on_heap {
            self.heap
        } else {
            self.inline.get(..self.len).unwrap_or_default()
        }
    }

    /// Remembers `range` as a text that later texts may share.
    fn know(&mut self, range: (u32, u32)) -> (u32, u32) {
        if let Some(slot) = self.known.get_mut(self.known_len) {
            *slot = range;
            self.known_len += 1;
        }
        range
    }

    /// The range of `text` in the arena: a known text equal to it, or appended.
    fn push(&mut self, text: &str) -> (u32, u32) {
        let bytes = text.as_bytes();
        let arena = self.bytes();
        let known = self.known.get(..self.known_len).unwrap_or_default();
        if let Some(&found) = known
            .iter()
            .find(|&&range| same_bytes(at(arena, range), bytes))
        {
            return found;
        }
        self.append(bytes)
    }

    fn append(&mut self, bytes: &[u8]) -> (u32, u32) {
        let start = self.len;
        let end = start + bytes.len();
        if !self.on_heap {
            if let Some(dst) = self.inline.get_mut(start..end) {
                dst.copy_from_slice(bytes);
                self.len = end;
                return (to_u32(start), to_u32(end));
            }
            self.heap.clear();
            self.heap
                .extend_from_slice(self.inline.get(..start).unwrap_or_default());
            self.on_heap = true;
        }
        self.heap.extend_from_slice(bytes);
        self.len = end;
        (to_u32(start), to_u32(end))
    }
}

/// A request prepared for the engine: every text a decision reads copied into one arena, the
/// context indexed by key hash, IP addresses parsed. The arena and the context index live
/// inside the value itself (up to [`INLINE_TEXT`] bytes of text and [`INLINE_SLOTS`] context
/// keys; larger requests use the heap), so that a decision reads one contiguous block of
/// memory on the request side, and a sequence of prepared requests is read in order. A
/// prepared request can be [`fill`](Self::fill)ed again for another request: its heap
/// buffers are kept, so that a reused one allocates nothing.
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
    /// Whether the arena is `heap_text` (it did not fit inline).
    on_heap: bool,
    heap_text: Vec<u8>,
    /// Whether the context index is `spill_table`/`spill_slots` (it did not fit inline).
    spilled: bool,
    /// Bucket → slot index + 1 (0: empty). A power of two long, at most half full.
    spill_table: Vec<u32>,
    spill_slots: Vec<Slot>,
    /// How many inline slots are used.
    slot_count: u8,
}

impl Prepared {
    /// A prepared request with nothing in it, to be [`fill`](Self::fill)ed.
    pub(crate) fn empty() -> Self {
        Self {
            caller: ((0, 0), (0, 0), (0, 0), (0, 0), (0, 0)),
            has_role_arn: false,
            has_account: false,
            kind: CallerKind::Anonymous,
            action: (0, 0),
            service: (0, 0),
            name: (0, 0),
            resource: (0, 0),
            resource_kind: ResourceKind::Any,
            same_account: false,
            aws_rule: None,
            action_hash: 0,
            service_hash: 0,
            table: [0; INLINE_BUCKETS],
            slots: [Slot::EMPTY; INLINE_SLOTS],
            text_len: 0,
            text: [0; INLINE_TEXT],
            on_heap: false,
            heap_text: Vec::new(),
            spilled: false,
            spill_table: Vec::new(),
            spill_slots: Vec::new(),
            slot_count: 0,
        }
    }

    /// Prepares `req`; `extra` is appended to the arena (its range is returned).
    #[cfg(test)]
    pub(crate) fn new(req: &Request, extra: Option<&str>) -> (Self, Option<(u32, u32)>) {
        let mut prepared = Self::empty();
        let extra = prepared.fill(req, extra);
        (prepared, extra)
    }

    /// Prepares `req` in place; `extra` is appended to the arena (its range is returned).
    pub(crate) fn fill(&mut self, req: &Request, extra: Option<&str>) -> Option<(u32, u32)> {
        let context = req.context();
        let caller = req.principal();
        let mut w = Writer {
            inline: &mut self.text,
            heap: &mut self.heap_text,
            len: 0,
            on_heap: false,
            known: [(0, 0); KNOWN],
            known_len: 0,
        };
        // A part of a text already pushed: its range inside that text's range.
        let within = |outer: (u32, u32), whole: &str, part: &str| -> Option<(u32, u32)> {
            let offset = part.as_ptr() as usize;
            let base = whole.as_ptr() as usize;
            let at = offset.checked_sub(base)?;
            (at + part.len() <= whole.len())
                .then(|| (outer.0 + to_u32(at), outer.0 + to_u32(at + part.len())))
        };
        let text_range = w.append(caller.as_str().as_bytes());
        w.know(text_range);
        let role_range = w.push(caller.role_arn().unwrap_or_default());
        w.know(role_range);
        // The name, account and partition of an ARN caller appear in its text.
        let [name_at, account_at, partition_at] = caller.offsets();
        let part = |p: &str, at: Option<usize>, w: &mut Writer<'_>| match at {
            Some(at) if !p.is_empty() => (
                text_range.0 + to_u32(at),
                text_range.0 + to_u32(at + p.len()),
            ),
            _ => w.append(p.as_bytes()),
        };
        self.caller = (
            text_range,
            role_range,
            part(caller.name(), name_at, &mut w),
            part(caller.account().unwrap_or_default(), account_at, &mut w),
            part(caller.partition(), partition_at, &mut w),
        );
        w.know(self.caller.3);
        let action = w.append(req.action_lower().as_bytes());
        let service = within(action, req.action_lower(), req.service())
            .unwrap_or_else(|| w.append(req.service().as_bytes()));
        let name = within(action, req.action_lower(), req.action().name())
            .unwrap_or_else(|| w.append(req.action().name().as_bytes()));
        let resource = w.append(req.resource().as_bytes());
        w.know(resource);
        let extra = extra.map(|key| w.push(key));
        let spill = context.len() > INLINE_SLOTS;
        self.spill_slots.clear();
        self.table = [0; INLINE_BUCKETS];
        for (i, (key, value)) in context.iter().enumerate() {
            let key_range = w.append(key.as_bytes());
            let (text, kind, ip) = match value {
                ContextValue::Single(ContextScalar::String(s)) => {
                    (w.push(s), SlotKind::String, parse_ip(s))
                }
                ContextValue::Single(ContextScalar::Number(s)) => {
                    (w.push(s), SlotKind::Number, None)
                }
                ContextValue::Single(ContextScalar::Bool(b)) => ((0, 0), SlotKind::Bool(*b), None),
                ContextValue::Multi(_) => ((0, 0), SlotKind::Multi, None),
            };
            let (ip, ipv4) = match ip {
                Some(IpAddr::V4(v4)) => (4, u32::from(v4)),
                Some(IpAddr::V6(_)) => (6, 0),
                None => (0, 0),
            };
            let slot = Slot {
                hash: text_hash(key),
                key: key_range,
                text,
                ipv4,
                ip,
                kind,
            };
            if spill {
                self.spill_slots.push(slot);
            } else if let Some(inline) = self.slots.get_mut(i) {
                *inline = slot;
                let mask = INLINE_BUCKETS - 1;
                let mut b = bucket(slot.hash, mask);
                while self.table.get(b).is_some_and(|&s| s != 0) {
                    b = (b + 1) & mask;
                }
                if let Some(entry) = self.table.get_mut(b) {
                    *entry = u8::try_from(i + 1).unwrap_or(0);
                }
            }
        }
        self.on_heap = w.on_heap;
        self.text_len = to_u32(w.len);
        if !self.on_heap {
            self.heap_text.clear();
        }
        self.spilled = spill;
        self.spill_table.clear();
        if spill {
            self.slot_count = 0;
            let size = (self.spill_slots.len() * 2).next_power_of_two();
            let mask = size - 1;
            self.spill_table.resize(size, 0);
            for (i, slot) in self.spill_slots.iter().enumerate() {
                let mut b = bucket(slot.hash, mask);
                while self.spill_table.get(b).is_some_and(|&s| s != 0) {
                    b = (b + 1) & mask;
                }
                if let Some(entry) = self.spill_table.get_mut(b) {
                    *entry = to_u32(i + 1);
                }
            }
        } else {
            self.slot_count = u8::try_from(context.len()).unwrap_or(0);
        }
        self.kind = caller.kind();
        self.has_role_arn = caller.role_arn().is_some();
        self.has_account = caller.account().is_some();
        self.action = action;
        self.service = service;
        self.name = name;
        self.resource = resource;
        self.resource_kind = req.resource_kind();
        self.same_account = req.is_same_account();
        self.aws_rule = req.aws_rule();
        self.action_hash = text_hash(req.action_lower());
        self.service_hash = text_hash(req.service());
        extra
    }

    /// The arena.
    #[inline(always)]
    pub(super) fn arena(&self) -> &[u8] {
        if self.on_heap {
            &self.heap_text
        } else {
            self.text.get(..self.text_len as usize).unwrap_or_default()
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
        if self.spilled {
            let table = &self.spill_table;
            let mask = table.len().wrapping_sub(1);
            let mut b = bucket(hash, mask);
            // INVARIANT: the table is at most half full, so an empty bucket ends every probe.
            for _ in 0..table.len() {
                let s = *table.get(b)?;
                let slot = self.spill_slots.get((s as usize).checked_sub(1)?)?;
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
