//! Templates of a value list resolved once per decision: values whose head (the text before
//! their first wildcard, or all of it) is literal text and policy variables, with at least one
//! variable (`${aws:PrincipalTag/t1, 'v1'}`, `prefix-${aws:PrincipalTag/t2}`,
//! `${aws:PrincipalTag/t3}*`, `${aws:PrincipalTag/t4}-x?y*`, …), that no group of
//! [`super::lead::Leads`] holds. Each names variables of its own, so nothing about them is
//! shared when the policy is compiled, and the plain pass resolves every one of them for every
//! request value: n request values against m such values cost O(n × m) variable look-ups and
//! comparisons.
//!
//! Here, once per decision (the first time a request value needs them), every distinct
//! variable of the list is resolved once and each template's resolved text is hashed from the
//! hashes of its pieces (its literal text, hashed when the policy was compiled, and its
//! variables' values or defaults), without building the text: a polynomial hash modulo the
//! prime 2^61 − 1, whose hash of `A‖B` is `hash(A) × base^|B| + hash(B)`. The hashes go into
//! an open-addressing table; a request value is hashed once and looks its hash up. A value
//! with a wildcard after its head (`${t}*`) is entered by its head's hash: a request text can
//! match it only if it starts with the resolved head, so the text's prefixes whose length some
//! resolved head has (a set of lengths, marked in a bit set: d distinct lengths need heads of
//! d(d+1)/2 symbols in all, so there are at most √(2 × their total) of them) look their hash
//! up, one running hash over the text. The cost is O(m + the variables' value lengths) per
//! decision and O(length, up to the longest resolved value) per request value, plus one
//! comparison per value whose resolved head the text starts with.
//!
//! The variables are resolved by name. A list of many distinct variables is resolved from the
//! request's side when the request has fewer keys than the list has variables ([`Names`]:
//! every other name has no value): each key's name is looked up in the list's table of names,
//! built when the policy was compiled, so the cost is one look-up per request key, not one
//! resolution per variable of the list.
//!
//! A hash that matches is only a candidate: the template (head and tail) is then matched as
//! the plain pass matches it (`string::matches`), so the answer is exactly the plain pass's. The base is drawn
//! at random once per process (std's `RandomState`), so a policy cannot be written to make
//! its values' hashes collide.
//!
//! Without regard to case (`…IgnoreCase`), text is hashed character by character on each
//! character's lower-case mapping (`wildcard::char_eq` compares characters so), one symbol
//! per character whose mapping is one character and a marked run for the others (`İ`), so
//! that two texts hash alike when they are equal without regard to case.
//!
//! The table and the per-variable values live in a thread-local scratch reused by every
//! decision of the thread: the steady state allocates nothing.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use super::At;
use crate::condition::ops::string;
use crate::policy::{ConditionEntry, TypedValue};
use crate::variables::{Part, Template};

/// The Mersenne prime 2^61 − 1, the hash's modulus.
const P: u64 = (1 << 61) - 1;

/// Marks a character whose lower-case mapping is several characters (above every
/// character's symbol, which is its code + 1).
const MARK: u64 = 0x20_0000;

/// `a × b mod P` (`a`, `b` < P).
#[expect(
    clippy::cast_possible_truncation,
    reason = "both halves are below 2^61: a product of two numbers below 2^61 is below 2^122"
)]
const fn mul(a: u64, b: u64) -> u64 {
    let r = (a as u128) * (b as u128);
    let s = ((r as u64) & P) + ((r >> 61) as u64);
    if s >= P { s - P } else { s }
}

/// `a + b mod P` (`a`, `b` < P).
const fn add(a: u64, b: u64) -> u64 {
    let s = a + b;
    if s >= P { s - P } else { s }
}

/// The process's hash base, drawn once (std's `RandomState` keys, below P, above 2^32).
fn base() -> u64 {
    static BASE: OnceLock<u64> = OnceLock::new();
    *BASE.get_or_init(|| {
        use std::hash::BuildHasher;
        let drawn = std::collections::hash_map::RandomState::new().hash_one(0x5eed_u64);
        (drawn % (P - (1 << 32))) + (1 << 32)
    })
}

/// Calls `each` with the symbols of `text`: its bytes + 1, or without regard to case (`fold`)
/// one symbol per character (its lower-case mapping's code + 1, or `MARK` + the mapping's
/// length and then its characters' codes + 1 for a mapping of several characters). Stops when
/// `each` returns false.
#[inline]
fn symbols(text: &str, fold: bool, mut each: impl FnMut(u64) -> bool) {
    if !fold {
        for &b in text.as_bytes() {
            if !each(u64::from(b) + 1) {
                return;
            }
        }
        return;
    }
    for c in text.chars() {
        let go = if c.is_ascii() {
            each(u64::from(c.to_ascii_lowercase()) + 1)
        } else {
            let lower = c.to_lowercase();
            if lower.len() == 1 {
                lower.clone().all(|l| each(u64::from(l) + 1))
            } else {
                let len = u64::try_from(lower.len()).unwrap_or(u64::MAX);
                each(MARK + len) && lower.clone().all(|l| each(u64::from(l) + 1))
            }
        };
        if !go {
            return;
        }
    }
}

/// A text's hash, its multiplier (`base^symbols`) and its number of symbols.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Hashed {
    hash: u64,
    pow: u64,
    len: usize,
}

impl Hashed {
    fn of(text: &str, fold: bool, base: u64) -> Self {
        let mut out = Self {
            hash: 0,
            pow: 1,
            len: 0,
        };
        symbols(text, fold, |s| {
            out.hash = add(mul(out.hash, base), s);
            out.pow = mul(out.pow, base);
            out.len += 1;
            true
        });
        out
    }

    /// The hash of `self` followed by `next` (what a resolved template's hash is).
    #[cfg(test)]
    fn then(self, next: Self) -> Self {
        Self {
            hash: add(mul(self.hash, next.pow), next.hash),
            pow: mul(self.pow, next.pow),
            len: self.len.saturating_add(next.len),
        }
    }
}

/// A piece of a template: literal text or a variable.
#[derive(Clone, Debug)]
enum Chunk {
    Lit(Hashed),
    /// The variable's slot among the list's distinct keys, and its default.
    Var {
        slot: u32,
        default: Option<Hashed>,
    },
}

/// The names of the request keys that can have a value: a resolver answers `None` for every
/// other name. Lets a list of many distinct variables be resolved from the request's keys.
pub(crate) trait Names {
    /// How many names [`each`](Self::each) gives, at most.
    fn count(&self) -> usize;
    /// Calls `f` with each name (ASCII-lower-cased); a name may come twice.
    fn each(&self, f: &mut dyn FnMut(&str));
}

/// A template of a [`Resolved`] list.
#[derive(Clone, Copy, Debug)]
struct Held {
    /// Its position in the entry.
    at: At,
    /// Its head's chunks (a range of `Resolved::chunks`).
    start: u32,
    end: u32,
    /// A wildcard follows the head: a text must start with the resolved head (else equal it).
    prefix: bool,
}

/// The templates of a list resolved once per decision (module docs).
#[derive(Clone, Debug)]
pub(super) struct Resolved {
    /// The distinct variable keys (ASCII-lower-cased), by slot.
    keys: Box<[Box<str>]>,
    /// The slot of each key.
    slots: HashMap<Box<str>, u32>,
    templates: Box<[Held]>,
    chunks: Box<[Chunk]>,
    /// The templates that name each slot's variable: `users[user_at[s]..user_at[s + 1]]`.
    user_at: Box<[u32]>,
    users: Box<[u32]>,
    /// The templates resolved with every variable absent (to its default), entered when the
    /// policy is compiled: a decision enters anew only the templates whose variables have a
    /// value (module docs).
    fixed: Lookup,
    fold: bool,
    /// The base the literal text was hashed with.
    base: u64,
}

/// A decision enters anew at most this many templates (those naming a variable that has a
/// value) beside the fixed table; past it, every template is entered anew and the fixed table
/// is not read. Bounds the entries of the fixed table a look-up passes over as out of date.
/// (Lower in unit tests, so that random lists take both ways.)
const ANEW_MAX: usize = if cfg!(test) { 8 } else { 64 };

/// A template's head (the parts before its first wildcard) and whether a wildcard follows.
fn head<'p, 't>(parts: &'p [Part<'t>]) -> (&'p [Part<'t>], bool) {
    let end = parts
        .iter()
        .position(|part| matches!(part, Part::Star | Part::One))
        .unwrap_or(parts.len());
    (parts.get(..end).unwrap_or_default(), end < parts.len())
}

/// Whether a template's head holds a variable: what [`Resolved`] holds.
pub(super) fn holds(template: &Template) -> bool {
    let parts = template.parts();
    head(&parts)
        .0
        .iter()
        .any(|part| matches!(part, Part::Var { .. }))
}

impl Resolved {
    /// The templates (position in the entry, template), each literal text and variables only
    /// ([`holds`]); `fold`: compared without regard to case. `None` for none.
    pub(super) fn new(templates: &[(At, &Template)], fold: bool) -> Option<Self> {
        if templates.is_empty() {
            return None;
        }
        let base = base();
        let mut keys: Vec<Box<str>> = Vec::new();
        let mut slots: HashMap<&str, u32> = HashMap::new();
        let mut chunks = Vec::new();
        let mut list = Vec::with_capacity(templates.len());
        for &(at, template) in templates {
            let start = u32::try_from(chunks.len()).ok()?;
            let parts = template.parts();
            let (head, prefix) = head(&parts);
            for &part in head {
                chunks.push(match part {
                    Part::Lit(text) => Chunk::Lit(Hashed::of(text, fold, base)),
                    Part::Var { key, default, .. } => {
                        let slot = match slots.get(key) {
                            Some(&slot) => slot,
                            None => {
                                let slot = u32::try_from(keys.len()).ok()?;
                                slots.insert(key, slot);
                                keys.push(key.into());
                                slot
                            }
                        };
                        Chunk::Var {
                            slot,
                            default: default.map(|d| Hashed::of(d, fold, base)),
                        }
                    }
                    // Not in a head.
                    Part::Star | Part::One => return None,
                });
            }
            let end = u32::try_from(chunks.len()).ok()?;
            list.push(Held {
                at,
                start,
                end,
                prefix,
            });
        }
        let slots = slots
            .into_iter()
            .map(|(key, slot)| (key.into(), slot))
            .collect();
        // Each slot's templates, once each.
        let mut named: Vec<(u32, u32)> = Vec::new();
        for (i, held) in list.iter().enumerate() {
            let i = u32::try_from(i).ok()?;
            let chunks = chunks
                .get(held.start as usize..held.end as usize)
                .unwrap_or_default();
            named.extend(chunks.iter().filter_map(|chunk| match chunk {
                Chunk::Var { slot, .. } => Some((*slot, i)),
                Chunk::Lit(_) => None,
            }));
        }
        named.sort_unstable();
        named.dedup();
        let mut user_at = vec![0_u32; keys.len() + 1];
        for &(slot, _) in &named {
            if let Some(count) = user_at.get_mut(slot as usize + 1) {
                *count += 1;
            }
        }
        for s in 1..user_at.len() {
            let before = user_at.get(s - 1).copied().unwrap_or_default();
            if let Some(at) = user_at.get_mut(s) {
                *at += before;
            }
        }
        let mut resolved = Self {
            keys: keys.into_boxed_slice(),
            slots,
            templates: list.into_boxed_slice(),
            chunks: chunks.into_boxed_slice(),
            user_at: user_at.into_boxed_slice(),
            users: named.into_iter().map(|(_, t)| t).collect(),
            fixed: Lookup::default(),
            fold,
            base,
        };
        let mut fixed = Lookup::default();
        fixed.reset(resolved.templates.len());
        for (i, held) in resolved.templates.iter().enumerate() {
            // No variable has a value (no stamp is 0 … but build numbers start at 1).
            if let Some((hash, len)) = resolved.hash(held, &[], &[], 0) {
                fixed.insert(hash, len, u32::try_from(i).ok()?, held.prefix);
            }
        }
        resolved.fixed = fixed;
        Some(resolved)
    }

    /// The hash and length of `held`'s head resolved with the slots stamped `id` (`values`),
    /// every other variable to its default; `None` when a variable has neither.
    fn hash(
        &self,
        held: &Held,
        stamps: &[u64],
        values: &[Hashed],
        id: u64,
    ) -> Option<(u64, usize)> {
        let chunks = self
            .chunks
            .get(held.start as usize..held.end as usize)
            .unwrap_or_default();
        let (mut hash, mut len) = (0, 0_usize);
        for chunk in chunks {
            let next = match chunk {
                Chunk::Lit(lit) => *lit,
                Chunk::Var { slot, default } => {
                    let slot = *slot as usize;
                    let value = (id != 0 && stamps.get(slot) == Some(&id))
                        .then(|| values.get(slot).copied())
                        .flatten();
                    value.or(*default)?
                }
            };
            hash = add(mul(hash, next.pow), next.hash);
            len = len.saturating_add(next.len);
        }
        Some((hash, len))
    }

    /// How many templates there are.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.templates.len()
    }

    /// Fills `table` (build number `id`, never 0) for the request `resolve` reads, whose keys
    /// are among `names` when given.
    fn build<'a>(
        &self,
        table: &mut Table,
        id: u64,
        resolve: impl Fn(&str) -> Option<&'a str>,
        names: Option<&dyn Names>,
    ) {
        let (fold, base) = (self.fold, self.base);
        let count = self.keys.len();
        if table.stamps.len() < count {
            table.stamps.resize(count, 0);
            table.values.resize(count, Hashed::default());
        }
        if table.anew.len() < self.templates.len() {
            table.anew.resize(self.templates.len(), 0);
        }
        table.present.clear();
        // A slot holds a value of this build when its stamp is `id` (no clearing).
        let Table {
            stamps,
            values,
            present,
            ..
        } = &mut *table;
        let mut set = |slot: u32, value: &str| {
            let at = slot as usize;
            if let (Some(stamp), Some(hashed)) = (stamps.get_mut(at), values.get_mut(at)) {
                if *stamp != id {
                    present.push(slot);
                }
                *stamp = id;
                *hashed = Hashed::of(value, fold, base);
            }
        };
        match names.filter(|names| names.count() < count) {
            // Fewer request keys than variables: each key's name looked up among the list's.
            Some(names) => names.each(&mut |name| {
                if let Some(&slot) = self.slots.get(name)
                    && let Some(value) = resolve(name)
                {
                    set(slot, value);
                }
            }),
            None => {
                for (slot, key) in self.keys.iter().enumerate() {
                    if let (Ok(slot), Some(value)) = (u32::try_from(slot), resolve(key)) {
                        set(slot, value);
                    }
                }
            }
        }
        let users = |slot: u32| {
            let from = self.user_at.get(slot as usize).copied().unwrap_or_default();
            let to = self
                .user_at
                .get(slot as usize + 1)
                .copied()
                .unwrap_or_default();
            self.users
                .get(from as usize..to as usize)
                .unwrap_or_default()
        };
        let anew: usize = table.present.iter().map(|&slot| users(slot).len()).sum();
        table.all = anew > ANEW_MAX;
        let Table {
            stamps,
            values,
            present,
            anew: marks,
            lookup,
            all,
            ..
        } = &mut *table;
        let enter = |i: u32, lookup: &mut Lookup| {
            let held = self.templates.get(i as usize);
            // No value and no default: the template matches nothing.
            if let Some((hash, len)) = held.and_then(|held| self.hash(held, stamps, values, id)) {
                lookup.insert(hash, len, i, held.is_some_and(|h| h.prefix));
            }
        };
        if *all {
            lookup.reset(self.templates.len());
            for i in 0..self.templates.len() {
                if let Ok(i) = u32::try_from(i) {
                    enter(i, lookup);
                }
            }
        } else {
            lookup.reset(anew);
            for &slot in present.iter() {
                for &i in users(slot) {
                    if let Some(mark) = marks.get_mut(i as usize)
                        && *mark != id
                    {
                        *mark = id;
                        enter(i, lookup);
                    }
                }
            }
        }
    }

    /// Whether one of the templates matches `text` (the answer of trying each), with the
    /// table of this decision: built on first use (`scope`).
    pub(super) fn any<'a>(
        &self,
        scope: Scope<'_>,
        entry: &ConditionEntry,
        text: &str,
        resolve: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> bool {
        let one_by_one = || {
            self.templates
                .iter()
                .any(|held| matches(entry, held.at, text, self.fold, resolve))
        };
        let Some((cell, generation)) = scope.table else {
            return one_by_one();
        };
        let Ok(mut table) = cell.try_borrow_mut() else {
            return one_by_one();
        };
        let owner = std::ptr::from_ref(self) as usize;
        if !(table.built == generation && table.owner == owner) {
            self.build(&mut table, generation, resolve, scope.names);
            table.built = generation;
            table.owner = owner;
        }
        let table = &*table;
        // The fixed table, unless every template was entered anew; its entries for templates
        // entered anew are out of date.
        let fixed = (!table.all).then_some(&self.fixed);
        let try_at = |i: u32, prefix: bool| {
            self.templates.get(i as usize).is_some_and(|held| {
                held.prefix == prefix && matches(entry, held.at, text, self.fold, resolve)
            })
        };
        let found = |hash: u64, prefix: bool| {
            fixed.is_some_and(|fixed| {
                fixed.any(hash, |i| {
                    table.anew.get(i as usize) != Some(&generation) && try_at(i, prefix)
                })
            }) || table.lookup.any(hash, |i| try_at(i, prefix))
        };
        let has_length = |len: usize| {
            fixed.is_some_and(|fixed| fixed.has_length(len)) || table.lookup.has_length(len)
        };
        let (max_exact, max_prefix) = fixed.map_or((0, 0), |f| (f.max_exact, f.max_prefix));
        let max_exact = max_exact.max(table.lookup.max_exact);
        let max_prefix = max_prefix.max(table.lookup.max_prefix);
        // The empty head (hash 0), then one running hash over the text's symbols: each prefix
        // of a head's length looked up, and the whole text if no value is shorter.
        if has_length(0) && found(0, true) {
            return true;
        }
        let limit = max_exact.max(max_prefix);
        let (mut hash, mut len, mut hit, mut whole) = (0, 0_usize, false, true);
        symbols(text, self.fold, |s| {
            hash = add(mul(hash, self.base), s);
            len += 1;
            if len > limit {
                whole = false;
                return false;
            }
            hit = len <= max_prefix && has_length(len) && found(hash, true);
            !hit
        });
        hit || (whole && len <= max_exact && found(hash, false))
    }
}

/// Resolved templates by hash: an open-addressing table of chains of equal hashes, and the
/// lengths of the heads entered.
#[derive(Clone, Debug, Default)]
struct Lookup {
    /// 1 + the index of a chain's first entry, 0 for a free slot.
    slots: Vec<u32>,
    entries: Vec<Entry>,
    /// The most symbols a template without wildcard has, and a head.
    max_exact: usize,
    max_prefix: usize,
    /// Bit `l`: some head has `l` symbols.
    lengths: Vec<u64>,
}

impl Lookup {
    /// Empties the table, with room for `count` entries.
    fn reset(&mut self, count: usize) {
        let size = (count * 2).next_power_of_two().max(16);
        self.slots.clear();
        self.slots.resize(size, 0);
        self.entries.clear();
        self.lengths.clear();
        self.max_exact = 0;
        self.max_prefix = 0;
    }

    /// Enters template `template`, whose text (or head, `prefix`) has `hash` and `len`
    /// symbols.
    fn insert(&mut self, hash: u64, len: usize, template: u32, prefix: bool) {
        if prefix {
            self.max_prefix = self.max_prefix.max(len);
            let word = len / 64;
            if self.lengths.len() <= word {
                self.lengths.resize(word + 1, 0);
            }
            if let Some(bits) = self.lengths.get_mut(word) {
                *bits |= 1 << (len % 64);
            }
        } else {
            self.max_exact = self.max_exact.max(len);
        }
        let Ok(id) = u32::try_from(self.entries.len() + 1) else {
            return;
        };
        let mask = self.slots.len().saturating_sub(1);
        // Linear probing to the slot of this hash's chain (or a free one).
        let mut at = slot_of(hash, mask);
        while let Some(slot) = self.slots.get_mut(at) {
            let head = *slot;
            let same = head != 0
                && self
                    .entries
                    .get(head as usize - 1)
                    .is_some_and(|e| e.hash == hash);
            if head == 0 || same {
                *slot = id;
                self.entries.push(Entry {
                    hash,
                    template,
                    next: head,
                });
                return;
            }
            at = (at + 1) & mask;
        }
    }

    /// Whether some head has `len` symbols.
    fn has_length(&self, len: usize) -> bool {
        self.lengths
            .get(len / 64)
            .is_some_and(|bits| bits >> (len % 64) & 1 == 1)
    }

    /// Whether `test` holds for a template entered under `hash`.
    fn any(&self, hash: u64, mut test: impl FnMut(u32) -> bool) -> bool {
        let mask = self.slots.len().saturating_sub(1);
        let mut at = slot_of(hash, mask);
        loop {
            let head = match self.slots.get(at) {
                Some(&head) if head != 0 => head,
                _ => return false,
            };
            let mut next = head;
            let mut chain = false;
            while let Some(e) = next
                .checked_sub(1)
                .and_then(|i| self.entries.get(i as usize))
            {
                if e.hash != hash {
                    break;
                }
                chain = true;
                if test(e.template) {
                    return true;
                }
                next = e.next;
            }
            if chain {
                return false;
            }
            at = (at + 1) & mask;
        }
    }
}

/// Where a hash starts probing: its bits mixed (texts that differ in their last character
/// have hashes that differ by little) and masked to the table's size.
const fn slot_of(hash: u64, mask: usize) -> usize {
    ((hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as usize) & mask
}

/// Whether the entry's value `at` (a String template) matches `text`: the plain pass.
fn matches<'a>(
    entry: &ConditionEntry,
    at: At,
    text: &str,
    fold: bool,
    resolve: impl Fn(&str) -> Option<&'a str> + Copy,
) -> bool {
    match entry.values.items.get(at as usize).map(|i| &i.value.typed) {
        Some(TypedValue::String(template)) => string::matches(text, template, fold, resolve),
        _ => false,
    }
}

/// One resolved template in the table: its hash, its index, the next of the same hash.
#[derive(Clone, Copy, Debug)]
struct Entry {
    hash: u64,
    template: u32,
    /// 1 + the index of the next entry of the chain, 0 for none.
    next: u32,
}

/// The per-decision table of a [`Resolved`] (thread-local scratch).
#[derive(Debug, Default)]
pub(super) struct Table {
    /// The last decision's number (scopes count up from 1).
    generation: u64,
    /// The decision it was built for (0: none) and the `Resolved` (address) it was built from.
    built: u64,
    owner: usize,
    /// Each variable slot's value, hashed, when its stamp is the number of the decision the
    /// table was built for (else the variable has no value).
    values: Vec<Hashed>,
    stamps: Vec<u64>,
    /// The slots with a value.
    present: Vec<u32>,
    /// Per template: the number of the decision that entered it anew.
    anew: Vec<u64>,
    /// The templates entered anew (all of them when `all`).
    lookup: Lookup,
    all: bool,
}

thread_local! {
    /// The table of the decision under way on this thread.
    static TABLE: RefCell<Table> = RefCell::new(Table::default());
}

/// The scratch of one decision (one condition entry against one request value, however many
/// scalars it holds): the thread's table and the generation that marks it as this decision's,
/// and the names of the request's keys when the caller knows them.
#[derive(Clone, Copy, Default)]
pub(crate) struct Scope<'s> {
    table: Option<(&'s RefCell<Table>, u64)>,
    names: Option<&'s dyn Names>,
}

impl std::fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scope")
            .field("table", &self.table)
            .field("names", &self.names.map(Names::count))
            .finish()
    }
}

/// Runs `f` with a fresh scope: a table built within it is built for this decision only.
pub(super) fn scope<R>(names: Option<&dyn Names>, f: impl FnOnce(Scope<'_>) -> R) -> R {
    TABLE.with(|cell| {
        let generation = match cell.try_borrow_mut() {
            Ok(mut table) => {
                table.generation = table.generation.wrapping_add(1);
                Some(table.generation)
            }
            Err(_) => None,
        };
        f(Scope {
            table: generation.map(|g| (cell, g)),
            names,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_compose() {
        let base = base();
        for fold in [false, true] {
            for (a, b) in [("", ""), ("ab", "c"), ("İx", "Kk"), ("\u{212A}", "")] {
                let whole = Hashed::of(&format!("{a}{b}"), fold, base);
                let parts = Hashed::of(a, fold, base).then(Hashed::of(b, fold, base));
                assert_eq!(whole, parts, "{a:?} {b:?} {fold}");
            }
        }
        let h = |t: &str| Hashed::of(t, true, base).hash;
        // Equal without regard to case: equal hashes.
        assert_eq!(h("ABC"), h("abc"));
        assert_eq!(h("\u{212A}"), h("k"));
        assert_eq!(h("É"), h("é"));
        // `İ` maps to two characters; a text of those two characters is not equal to it.
        assert_ne!(h("İ"), h("i\u{307}"));
        let c = |t: &str| Hashed::of(t, false, base).hash;
        assert_ne!(c("ABC"), c("abc"));
        assert_ne!(c(""), c("\0"));
    }
}
