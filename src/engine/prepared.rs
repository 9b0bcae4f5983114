//! The prepared request's data ([`Prepared`], held by
//! [`PreparedRequest`](crate::PreparedRequest)): every text a decision reads in one arena, the
//! context indexed by hash.

use std::net::IpAddr;

use super::condition::Value;
use crate::aws_rules::AwsRule;
use crate::bytes::{Range, at, bytes_hash, copy_bytes, same_bytes, text, text_hash, to_u32};
use crate::condition::ops::Scalar;
use crate::request::{
    CallerKey, CallerKind, Checked, ContextScalar, ContextValue, Derived, DerivedFrom, DerivedKey,
    Parts, Pool, Request, ResourceKind, RoleArn, for_each_derived,
};
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
    /// A multi-valued key: its values in [`Prepared::lists`] (the slot's text is the list's
    /// index and 1), or read from the request's context when the slot's text is empty.
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
    /// IPv6 (read from the text when needed), [`IP_UNREAD`] not known (the text is read as
    /// an address when a condition asks for one).
    pub(super) ip: u8,
    pub(super) kind: SlotKind,
}

/// [`Slot::ip`] of a string not read as an address when it was set (a
/// [`RequestBuffer`](crate::RequestBuffer)'s: most strings are never read as addresses, and
/// those that are are read once per decision at most).
pub(super) const IP_UNREAD: u8 = 1;

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

/// A request prepared for the engine: every text a decision reads copied into one arena, the
/// context indexed by key hash, IP addresses parsed. The arena and the context index live
/// inside the value itself (up to [`INLINE_TEXT`] bytes of text and [`INLINE_SLOTS`] context
/// keys; larger requests use the heap), so that a decision reads one contiguous block of
/// memory on the request side, and a sequence of prepared requests is read in order.
///
/// It is written in two steps, so that a reused one (a
/// [`RequestBuffer`](crate::RequestBuffer)'s) is written straight from the caller's strings:
/// [`begin`](Self::begin), then the context keys as they are given ([`set`](Self::set)), then
/// the checked parts of the request and the derived keys ([`finish`](Self::finish)). Its heap
/// buffers are kept from one request to the next, so that a reused one allocates nothing.
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
    /// The action as given; the caller's and the resource's account.
    raw_action: Range,
    pub(super) principal_account: Option<Range>,
    pub(super) resource_account: Option<Range>,
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
    /// Whether the keys derived from the caller and the accounts are read from the parts
    /// (a buffered request's: `finish` with `derive`) when a key is not among those set; they
    /// are made only when a condition reads one ([`Self::derived_slot`]).
    derive: bool,
    /// The caller's `aws:PrincipalType` text in the arena (with `derive`).
    principal_type: Range,
    /// The values of the multi-valued keys, key `i`'s at `lists[i]` (a single value is only
    /// its text in the arena); the others are spare, kept with their strings for the next
    /// request.
    lists: Vec<Vec<ContextScalar>>,
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
            raw_action: (0, 0),
            principal_account: None,
            resource_account: None,
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
            derive: false,
            principal_type: (0, 0),
            lists: Vec::new(),
        }
    }

    /// Prepares `req`, its context's lists copied.
    #[cfg(test)]
    pub(crate) fn new(req: &Request) -> Self {
        let mut prepared = Self::empty();
        prepared.fill(req, true);
        prepared
    }

    /// Prepares `req` (its context included) in place; the range of the caller's store key.
    /// With `whole`, the values of multi-valued keys are copied too; without, the general
    /// condition evaluator reads them from `req`'s context (see
    /// [`Input::prepared_from`](super::view::Input::prepared_from)).
    pub(crate) fn fill(&mut self, req: &Request, whole: bool) -> Option<Range> {
        let mut pool = Pool::default();
        self.begin();
        // The keys of a context are unique, and the derived ones are among them (a `Request`
        // is built with them): nothing to look up, nothing to derive.
        for (key, value) in req.context().iter() {
            let (key_range, hash) = self.key(key);
            let value = match value {
                ContextValue::Multi(list) if whole => NewValue::List(list.clone()),
                value => NewValue::Indexed(value),
            };
            self.set(None, key_range, hash, value, &mut pool);
        }
        let lower = ActionText::new(req.action_lower(), req.service());
        self.finish(
            &req.checked(),
            &lower,
            Some((req.resource_kind(), req.aws_rule())),
            false,
            None,
        )
    }

    /// Starts the next request: no text, no context (the buffers are kept).
    #[inline]
    pub(crate) fn begin(&mut self) {
        self.text_len = 0;
        self.on_heap = false;
        self.heap_text.clear();
        self.table = [0; INLINE_BUCKETS];
        self.slot_count = 0;
        self.spilled = false;
        self.spill_table.clear();
        self.spill_slots.clear();
        self.derive = false;
    }

    /// How many context keys are set.
    pub(crate) fn len(&self) -> usize {
        if self.spilled {
            self.spill_slots.len()
        } else {
            usize::from(self.slot_count)
        }
    }

    /// The keys set (lower-cased, in `arena`), in the order they were set.
    pub(crate) fn keys<'s>(&'s self, arena: &'s [u8]) -> impl Iterator<Item = &'s [u8]> + 's {
        (0..self.len()).filter_map(move |i| self.slot_at(i).map(|slot| at(arena, slot.key)))
    }

    /// The slot at `i` (in the order keys were set).
    fn slot_at(&self, i: usize) -> Option<&Slot> {
        if self.spilled {
            self.spill_slots.get(i)
        } else {
            self.slots.get(..usize::from(self.slot_count))?.get(i)
        }
    }

    /// The context entries, in the order their keys were set: the key (lower-cased) and its
    /// value (made whole; multi-valued keys only when their values are held).
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, ContextValue)> + '_ {
        let arena = self.arena();
        let whole = move |slot: &Slot| {
            Some(match self.slot_value(arena, slot)? {
                Value::Single(Scalar::String(s)) => ContextValue::string(s),
                Value::Single(Scalar::Number(s)) => ContextValue::number(s),
                Value::Single(Scalar::Bool(b)) => ContextValue::bool(b),
                Value::Multi(list) => ContextValue::Multi(list.to_vec()),
            })
        };
        let set = (0..self.len()).filter_map(move |i| {
            let slot = self.slot_at(i)?;
            Some((text(at(arena, slot.key))?, whole(slot)?))
        });
        // The derived keys the caller did not give.
        let mut derived = Vec::new();
        if self.derive {
            for_each_derived(
                self.derived_from(),
                |_| self.principal_type,
                |k, value| {
                    if self.slot_index(arena, k.hash, k.key.as_bytes()).is_none() {
                        derived.push((k.key, derived_slot(k, value)));
                    }
                },
            );
        }
        let derived = derived
            .into_iter()
            .filter_map(move |(key, slot)| Some((key, whole(&slot)?)));
        set.chain(derived)
    }

    /// Bytes of key and value text of the context, leaving out the key at `except` (the
    /// count of the context limit).
    pub(crate) fn context_bytes(&self, except: Option<usize>) -> usize {
        let arena = self.arena();
        (0..self.len())
            .filter(|&i| Some(i) != except)
            .filter_map(|i| {
                let slot = self.slot_at(i)?;
                let value = match self.slot_value(arena, slot)? {
                    Value::Single(scalar) => scalar_len(scalar),
                    Value::Multi(list) => list.iter().map(|s| s.as_text().len()).sum(),
                };
                Some((slot.key.1 - slot.key.0) as usize + value)
            })
            .sum()
    }

    /// Appends `bytes` to the arena; their range. Inlined: most texts appended have a length
    /// known where it is called (names, separators), copied without a library call.
    #[inline(always)]
    pub(crate) fn append(&mut self, bytes: &[u8]) -> (u32, u32) {
        let start = self.text_len as usize;
        let end = start + bytes.len();
        if !self.on_heap
            && let Some(dst) = self.text.get_mut(start..end)
        {
            copy_bytes(dst, bytes);
            self.text_len = to_u32(end);
            return (to_u32(start), to_u32(end));
        }
        self.append_heap(bytes)
    }

    /// [`append`](Self::append) past the inline arena: the arena moved to the heap (once per
    /// request), then `bytes` appended there. Out of line: rare (requests over
    /// [`INLINE_TEXT`] bytes), and each inlined `append` would otherwise carry its code.
    #[cold]
    #[inline(never)]
    fn append_heap(&mut self, bytes: &[u8]) -> (u32, u32) {
        let start = self.text_len as usize;
        let end = start + bytes.len();
        if !self.on_heap {
            self.heap_text.clear();
            self.heap_text
                .extend_from_slice(self.text.get(..start).unwrap_or_default());
            self.on_heap = true;
        }
        self.heap_text.extend_from_slice(bytes);
        self.text_len = to_u32(end);
        (to_u32(start), to_u32(end))
    }

    /// How many bytes the arena holds.
    pub(crate) const fn arena_len(&self) -> u32 {
        self.text_len
    }

    /// Takes back the end of the arena from `len` on (a text appended in vain).
    pub(crate) fn truncate(&mut self, len: u32) {
        if len < self.text_len {
            self.text_len = len;
            if self.on_heap {
                self.heap_text.truncate(len as usize);
            }
        }
    }

    /// Appends a context key lower-cased; its range and [`text_hash`].
    pub(crate) fn key(&mut self, key: &str) -> ((u32, u32), u64) {
        let range = self.append(key.as_bytes());
        let (start, end) = (range.0 as usize, range.1 as usize);
        let arena = if self.on_heap {
            self.heap_text.get_mut(start..end)
        } else {
            self.text.get_mut(start..end)
        };
        let hash = arena.map_or(0, |key| {
            key.make_ascii_lowercase();
            bytes_hash(key)
        });
        (range, hash)
    }

    /// The index of the key at `key` (a range of the arena, lower-cased) among the keys set
    /// earlier, if it is one of them.
    pub(crate) fn find(&self, hash: u64, key: (u32, u32)) -> Option<usize> {
        let arena = self.arena();
        self.slot_index(arena, hash, at(arena, key))
    }

    /// The index of `key` (lower-cased; `hash` is its [`text_hash`]) among the keys set, if
    /// it is one of them.
    #[inline]
    pub(crate) fn find_text(&self, hash: u64, key: &str) -> Option<usize> {
        self.slot_index(self.arena(), hash, key.as_bytes())
    }

    /// Sets the key at `key_range` (with `hash`; `found` its index if it was set before) to
    /// `value`, its texts copied into the arena (and into the value the general condition
    /// evaluator reads, in the memory of the value it replaces); what is displaced goes back
    /// to `pool`.
    pub(crate) fn set(
        &mut self,
        found: Option<usize>,
        key_range: (u32, u32),
        hash: u64,
        value: NewValue<'_>,
        pool: &mut Pool,
    ) {
        let (text, kind, ip) = match &value {
            NewValue::Text(s, false) => {
                let text = self.append(s.as_bytes());
                let slot = Slot {
                    hash,
                    key: key_range,
                    text,
                    ipv4: 0,
                    ip: IP_UNREAD,
                    kind: SlotKind::String,
                };
                self.put(found, slot, value, pool);
                return;
            }
            NewValue::Indexed(ContextValue::Single(ContextScalar::String(s))) => {
                (self.append(s.as_bytes()), SlotKind::String, parse_ip(s))
            }
            NewValue::Text(s, true) => (self.append(s.as_bytes()), SlotKind::Number, None),
            NewValue::Indexed(ContextValue::Single(ContextScalar::Number(s))) => {
                (self.append(s.as_bytes()), SlotKind::Number, None)
            }
            NewValue::Bool(b) | NewValue::Indexed(ContextValue::Single(ContextScalar::Bool(b))) => {
                ((0, 0), SlotKind::Bool(*b), None)
            }
            NewValue::List(_) | NewValue::Indexed(ContextValue::Multi(_)) => {
                ((0, 0), SlotKind::Multi, None)
            }
        };
        let (ip, ipv4) = match ip {
            Some(IpAddr::V4(v4)) => (4, u32::from(v4)),
            Some(IpAddr::V6(_)) => (6, 0),
            None => (0, 0),
        };
        let slot = Slot {
            hash,
            key: key_range,
            text,
            ipv4,
            ip,
            kind,
        };
        self.put(found, slot, value, pool);
    }

    /// The range of `part` of the caller, `at` bytes into its text (at `text`), or appended
    /// when it is not in the text.
    #[inline(always)]
    fn part(&mut self, text: Range, part: &str, at: u32) -> Range {
        if at == u32::MAX || part.is_empty() {
            self.append(part.as_bytes())
        } else {
            (text.0 + at, text.0 + at + to_u32(part.len()))
        }
    }

    /// Appends `pieces` one after another; the range of the whole.
    fn append_all(&mut self, pieces: &[&str]) -> Range {
        let start = self.text_len;
        for piece in pieces {
            self.append(piece.as_bytes());
        }
        (start, self.text_len)
    }

    /// Stores `slot` (and the list of a multi-valued `value`) at index `found`, or as a new
    /// key.
    #[inline]
    fn put(&mut self, found: Option<usize>, slot: Slot, value: NewValue<'_>, pool: &mut Pool) {
        let i = match found {
            Some(i) => {
                let old = if self.spilled {
                    self.spill_slots.get_mut(i)
                } else {
                    self.slots.get_mut(i)
                };
                // The key's text is the one set first (a repeated key is not appended again).
                if let Some(old) = old {
                    *old = Slot {
                        key: old.key,
                        ..slot
                    };
                }
                i
            }
            None => self.insert(slot),
        };
        if let NewValue::List(list) = value {
            // Key `i`'s list is `lists[i]` (the list there before goes back to the pool).
            if self.lists.len() <= i {
                self.lists.resize_with(i + 1, Vec::new);
            }
            if let Some(old) = self.lists.get_mut(i) {
                pool.recycle_value(ContextValue::Multi(std::mem::replace(old, list)));
            }
            let slot = if self.spilled {
                self.spill_slots.get_mut(i)
            } else {
                self.slots.get_mut(i)
            };
            if let Some(slot) = slot {
                slot.text = (to_u32(i), 1);
            }
        }
    }

    /// Sets the key `key` (lower-cased; `hash` is its [`text_hash`]; `found` its index if it
    /// was set before) to a single value: `text` of `kind` ([`SlotKind::String`] or
    /// [`SlotKind::Number`]), or a boolean (`text` empty). [`set`](Self::set) for the common
    /// case of a server's per-call keys, written straight into the slot: the key's text is
    /// appended only when it is new, nothing goes through the pool, and strings are left for
    /// a condition to read as addresses ([`IP_UNREAD`]). A multi-valued key replaced by a
    /// single value leaves its list as a spare (the slot no longer points at it).
    #[inline(always)]
    pub(super) fn set_single(
        &mut self,
        found: Option<usize>,
        key: &str,
        hash: u64,
        text: &str,
        kind: SlotKind,
    ) {
        let ip = if kind == SlotKind::String {
            IP_UNREAD
        } else {
            0
        };
        if let Some(i) = found {
            let text = self.append(text.as_bytes());
            let old = if self.spilled {
                self.spill_slots.get_mut(i)
            } else {
                self.slots.get_mut(i)
            };
            // The key's text is the one set first (a repeated key is not appended again).
            if let Some(old) = old {
                old.text = text;
                old.ipv4 = 0;
                old.ip = ip;
                old.kind = kind;
            }
        } else {
            let key_range = self.append(key.as_bytes());
            let text = self.append(text.as_bytes());
            self.insert(Slot {
                hash,
                key: key_range,
                text,
                ipv4: 0,
                ip,
                kind,
            });
        }
    }

    /// Adds `slot` to the index as the next key; its index. Inlined while the context fits
    /// inline (a slot written, a bucket probed); past that, [`Self::insert_spilled`].
    #[inline(always)]
    fn insert(&mut self, slot: Slot) -> usize {
        let count = usize::from(self.slot_count);
        if !self.spilled && count < INLINE_SLOTS {
            if let Some(inline) = self.slots.get_mut(count) {
                *inline = slot;
            }
            let mask = INLINE_BUCKETS - 1;
            let mut b = bucket(slot.hash, mask);
            while self.table.get(b).is_some_and(|&s| s != 0) {
                b = (b + 1) & mask;
            }
            if let Some(entry) = self.table.get_mut(b) {
                *entry = u8::try_from(count + 1).unwrap_or(0);
            }
            self.slot_count = u8::try_from(count + 1).unwrap_or(0);
            return count;
        }
        self.insert_spilled(slot)
    }

    /// [`insert`](Self::insert) past the inline slots (or once spilled).
    #[cold]
    #[inline(never)]
    fn insert_spilled(&mut self, slot: Slot) -> usize {
        let count = self.len();
        if !self.spilled {
            self.spill_slots.clear();
            self.spill_slots
                .extend_from_slice(self.slots.get(..count).unwrap_or_default());
            self.spilled = true;
            self.slot_count = 0;
        }
        self.spill_slots.push(slot);
        let len = self.spill_slots.len();
        if len * 2 > self.spill_table.len() {
            // Grow (to at least twice the keys) and rehash.
            let size = (len * 4).next_power_of_two();
            self.spill_table.clear();
            self.spill_table.resize(size, 0);
            for i in 0..len {
                let hash = self.spill_slots.get(i).map_or(0, |s| s.hash);
                self.spill_index(hash, i);
            }
        } else {
            self.spill_index(slot.hash, len - 1);
        }
        len - 1
    }

    /// Enters spilled slot `i` (with `hash`) in the spill table.
    fn spill_index(&mut self, hash: u64, i: usize) {
        let mask = self.spill_table.len().wrapping_sub(1);
        let mut b = bucket(hash, mask);
        while self.spill_table.get(b).is_some_and(|&s| s != 0) {
            b = (b + 1) & mask;
        }
        if let Some(entry) = self.spill_table.get_mut(b) {
            *entry = to_u32(i + 1);
        }
    }

    /// Writes the checked parts `c` (the context is set before) and, with `derive`, the
    /// derived keys not set. `kinds` are the resource's kind and the AWS rule when known (an
    /// owned request's); otherwise they are read from the action. `session_role` is the role
    /// ARN of a session caller when known (joined before, for an earlier session of the same
    /// role). Returns the range of the caller's store key (see [`CallerView::store_key`]).
    pub(crate) fn finish(
        &mut self,
        c: &Checked<'_>,
        lower: &ActionText<'_>,
        kinds: Option<(ResourceKind, Option<AwsRule>)>,
        derive: bool,
        session_role: Option<&str>,
    ) -> Option<Range> {
        let caller = &c.caller;
        let text_range = self.append(caller.text.as_bytes());
        // The name, account and partition of an ARN caller appear in its text.
        let [name_at, account_at, partition_at] = caller.offsets;
        let name_range = self.part(text_range, caller.name, name_at);
        let account_range = caller.account.map(|a| self.part(text_range, a, account_at));
        let partition_range = self.part(text_range, caller.partition, partition_at);
        let role_range = match (caller.role_arn, caller.role_arn_pieces()) {
            (RoleArn::Whole(arn), _) if arn == caller.text => Some(text_range),
            (RoleArn::Session, _) if let Some(arn) = session_role => {
                Some(self.append(arn.as_bytes()))
            }
            (_, Some(pieces)) => Some(self.append_all(&pieces)),
            (_, None) => None,
        };
        self.caller = (
            text_range,
            role_range.unwrap_or_default(),
            name_range,
            account_range.unwrap_or_default(),
            partition_range,
        );
        let resource = self.append(c.resource.as_bytes());
        self.raw_action = self.append(c.action.as_bytes());
        let action = self.append(lower.text.as_bytes());
        let colon = to_u32(c.colon);
        let service = (action.0, (action.0 + colon).min(action.1));
        let name = ((action.0 + colon + 1).min(action.1), action.1);
        let (resource_kind, aws_rule) = kinds.unwrap_or_else(|| c.kinds(lower.text));
        // The caller's account is the account of its ARN (see `Checked::new`).
        let principal_account = c.principal_account.and(account_range);
        let resource_account = c.resource_account.map(|account| {
            within(resource, c.resource, account)
                .or_else(|| principal_account.filter(|_| c.principal_account == Some(account)))
                .unwrap_or_else(|| self.append(account.as_bytes()))
        });
        let store_key = caller.store_key().map(|key| match key {
            CallerKey::Text => text_range,
            CallerKey::RoleArn => role_range.unwrap_or(text_range),
            CallerKey::Pieces(pieces) => self.append_all(&pieces),
        });
        // The derived keys are read from the parts when a condition asks for one (see
        // `derived_slot`); only the type's text is written now.
        self.derive = derive;
        if derive {
            self.principal_type = caller
                .kind
                .principal_type()
                .map_or((0, 0), |t| self.append(t.as_bytes()));
        }
        self.kind = caller.kind;
        self.has_role_arn = role_range.is_some();
        self.has_account = account_range.is_some();
        self.action = action;
        self.service = service;
        self.name = name;
        self.resource = resource;
        self.resource_kind = resource_kind;
        self.principal_account = principal_account;
        self.resource_account = resource_account;
        self.same_account = c.same_account();
        self.aws_rule = aws_rule;
        self.action_hash = lower.hash;
        self.service_hash = lower.service_hash;
        store_key
    }

    /// The text at `range` of the arena (empty if it is not text, which never happens).
    pub(crate) fn str_at(&self, range: Range) -> &str {
        text(self.bytes(range)).unwrap_or_default()
    }

    /// The request's parts as given (the caller's text, the action as given, the resource and
    /// the accounts), to check them again into an owned request.
    pub(crate) fn parts(&self) -> Parts<'_> {
        Parts {
            principal: Some(self.str_at(self.caller.0)),
            principal_account: self.principal_account.map(|r| self.str_at(r)),
            action: Some(self.str_at(self.raw_action)),
            resource: Some(self.str_at(self.resource)),
            resource_account: self.resource_account.map(|r| self.str_at(r)),
        }
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
    /// A key not set may be a derived one: see [`Self::derived`].
    pub(super) fn slot<'s>(&'s self, arena: &[u8], hash: u64, key: &[u8]) -> Option<&'s Slot> {
        match self.slot_index(arena, hash, key) {
            Some(i) if self.spilled => self.spill_slots.get(i),
            Some(i) => self.slots.get(i),
            None => None,
        }
    }

    /// The slot of derived key `key` (lower-cased; `hash` is its [`text_hash`]), made from the
    /// parts if the request derives it: read when `key` is not among the keys set (a key the
    /// caller gave wins). Made as it is asked for, from the one list of derived keys
    /// ([`for_each_derived`]): most decisions read none, and a request no longer writes seven
    /// slots it will not read.
    #[inline]
    pub(super) fn derived(&self, hash: u64, key: &[u8]) -> Option<Slot> {
        if self.derive {
            self.derived_slot(hash, key)
        } else {
            None
        }
    }

    /// [`derived`](Self::derived) of a request that derives its keys.
    #[inline(never)]
    fn derived_slot(&self, hash: u64, key: &[u8]) -> Option<Slot> {
        let mut found = None;
        for_each_derived(
            self.derived_from(),
            |_| self.principal_type,
            |k, value| {
                if found.is_none() && k.hash == hash && same_bytes(k.key.as_bytes(), key) {
                    found = Some(derived_slot(k, value));
                }
            },
        );
        found
    }

    /// What the derived keys are made from: the caller's and the accounts' ranges (as
    /// [`finish`](Self::finish) wrote them).
    fn derived_from(&self) -> DerivedFrom<Range> {
        DerivedFrom {
            kind: self.kind,
            text: self.caller.0,
            role_arn: self.has_role_arn.then_some(self.caller.1),
            name: self.caller.2,
            principal_account: self.principal_account,
            resource_account: self.resource_account,
        }
    }

    /// The value of `key` (lower-cased; `hash` is its [`text_hash`]) in `arena`, as the
    /// general condition evaluator reads it (`None` for a multi-valued key whose values are
    /// not held: the caller reads those from the request's context).
    #[inline]
    pub(super) fn value<'s>(&'s self, arena: &'s [u8], hash: u64, key: &[u8]) -> Option<Value<'s>> {
        match self.slot(arena, hash, key) {
            Some(slot) => self.slot_value(arena, slot),
            None => self.slot_value(arena, &self.derived(hash, key)?),
        }
    }

    /// The value of `slot`, borrowed from `arena` and the held lists.
    fn slot_value<'s>(&'s self, arena: &'s [u8], slot: &Slot) -> Option<Value<'s>> {
        Some(Value::Single(match slot.kind {
            SlotKind::String => Scalar::String(text(at(arena, slot.text))?),
            SlotKind::Number => Scalar::Number(text(at(arena, slot.text))?),
            SlotKind::Bool(b) => Scalar::Bool(b),
            SlotKind::Multi if slot.text.1 == 1 => {
                return self
                    .lists
                    .get(slot.text.0 as usize)
                    .map(|l| Value::Multi(l));
            }
            SlotKind::Multi => return None,
        }))
    }

    /// The index of the slot of `key` (lower-cased; `hash` is its [`text_hash`]) in `arena`.
    #[inline(always)]
    fn slot_index(&self, arena: &[u8], hash: u64, key: &[u8]) -> Option<usize> {
        if self.spilled {
            let table = &self.spill_table;
            let mask = table.len().wrapping_sub(1);
            let mut b = bucket(hash, mask);
            // INVARIANT: the table is at most half full, so an empty bucket ends every probe.
            for _ in 0..table.len() {
                let i = (*table.get(b)? as usize).checked_sub(1)?;
                let slot = self.spill_slots.get(i)?;
                if slot.hash == hash && same_bytes(at(arena, slot.key), key) {
                    return Some(i);
                }
                b = (b + 1) & mask;
            }
            return None;
        }
        let mask = INLINE_BUCKETS - 1;
        let mut b = bucket(hash, mask);
        for _ in 0..INLINE_BUCKETS {
            let i = usize::from(*self.table.get(b)?).checked_sub(1)?;
            let slot = self.slots.get(i)?;
            if slot.hash == hash && same_bytes(at(arena, slot.key), key) {
                return Some(i);
            }
            b = (b + 1) & mask;
        }
        None
    }
}

/// A context value given to [`Prepared::set`].
#[derive(Debug)]
pub(crate) enum NewValue<'v> {
    /// A single string (`false`) or number (`true`), borrowed.
    Text(&'v str, bool),
    /// A single boolean.
    Bool(bool),
    /// The values of a multi-valued key, owned (their texts from the pool).
    List(Vec<ContextScalar>),
    /// A value of the request being prepared: its texts copied, a list read from the request
    /// when needed.
    Indexed(&'v ContextValue),
}

impl NewValue<'_> {
    /// Bytes of value text (as the context limit counts them).
    #[inline]
    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Text(t, _) => t.len(),
            Self::Bool(b) => ContextScalar::Bool(*b).as_text().len(),
            Self::List(list) => list.iter().map(|s| s.as_text().len()).sum(),
            Self::Indexed(v) => match v {
                ContextValue::Single(s) => s.as_text().len(),
                ContextValue::Multi(list) => list.iter().map(|s| s.as_text().len()).sum(),
            },
        }
    }
}

/// The slot of derived key `key` holding `value` (a derived text is never an address: ARNs,
/// accounts, names, types).
const fn derived_slot(key: &DerivedKey, value: Derived<Range>) -> Slot {
    let (text, kind) = match value {
        Derived::Text(range) => (range, SlotKind::String),
        Derived::Bool(b) => ((0, 0), SlotKind::Bool(b)),
    };
    Slot {
        hash: key.hash,
        key: (0, 0),
        text,
        ipv4: 0,
        ip: 0,
        kind,
    }
}

/// Bytes of text of a single value (as the context limit counts them).
const fn scalar_len(scalar: Scalar<'_>) -> usize {
    match scalar {
        Scalar::String(s) | Scalar::Number(s) => s.len(),
        Scalar::Bool(true) => 4,
        Scalar::Bool(false) => 5,
    }
}

/// The range of `part` (a slice of `whole`, whose range is `outer`) by its address, if it is
/// a slice of `whole`.
fn within(outer: Range, whole: &str, part: &str) -> Option<Range> {
    let at = (part.as_ptr() as usize).checked_sub(whole.as_ptr() as usize)?;
    (at + part.len() <= whole.len())
        .then(|| (outer.0 + to_u32(at), outer.0 + to_u32(at + part.len())))
}

/// A request's action lower-cased, with the hashes a decision reads ([`text_hash`] of the
/// action and of its service).
#[derive(Clone, Copy, Debug)]
pub(crate) struct ActionText<'t> {
    pub(crate) text: &'t str,
    pub(crate) hash: u64,
    pub(crate) service_hash: u64,
}

impl<'t> ActionText<'t> {
    /// The action `text` (lower-cased) whose service is `service`.
    pub(crate) fn new(text: &'t str, service: &str) -> Self {
        Self {
            text,
            hash: text_hash(text),
            service_hash: text_hash(service),
        }
    }
}
