//! The store's ARN tables: open addressing with linear probing, keys kept inside the slots.
//!
//! A look-up at scale costs one or two cache misses: the probe lands on a slot that holds the
//! key's hash, the key's bytes (ARNs up to [`INLINE`] bytes; longer ones on the heap) and the
//! value, and goes on to the next slots (adjacent memory) if needed. Entries are kept in Robin
//! Hood order, so the table can be four-fifths full (a smaller table: fewer page-table and
//! cache misses at scale) with short probes, and a missing key is known after about as many
//! probes as a present one; removal shifts the following entries back (no tombstones).
//!
//! Keys are hashed with [`arn_hash`]: a multiply-fold hash keyed by a seed drawn once per
//! process from the standard library's random state, so that a request can be hashed once
//! when it is prepared and looked up in any store, and so that whoever chooses resource names
//! cannot predict collisions. It is not a cryptographic hash.

use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

use crate::engine::bytes::same_bytes;

/// The longest key kept inside its slot.
pub(crate) const INLINE: usize = 102;

/// The process-wide hash keys.
#[derive(Clone, Copy, Debug)]
struct Seed {
    k0: u64,
    k1: u64,
}

fn seed() -> Seed {
    static SEED: OnceLock<Seed> = OnceLock::new();
    *SEED.get_or_init(|| {
        let random = RandomState::new();
        Seed {
            k0: random.hash_one(0x243f_6a88_85a3_08d3_u64) | 1,
            k1: random.hash_one(0x1319_8a2e_0370_7344_u64) | 1,
        }
    })
}

/// Multiplies and folds the 128-bit product.
#[expect(
    clippy::cast_possible_truncation,
    reason = "keeping the low and high halves of the product is the point"
)]
#[inline]
const fn fold(a: u64, b: u64) -> u64 {
    // INVARIANT: the casts take the two halves of a 128-bit product on purpose.
    let product = (a as u128).wrapping_mul(b as u128);
    (product as u64) ^ ((product >> 64) as u64)
}

/// Reads up to eight bytes as a little-endian word (zero-padded).
#[inline]
fn word(bytes: &[u8]) -> u64 {
    match <[u8; 8]>::try_from(bytes) {
        Ok(full) => u64::from_le_bytes(full),
        Err(_) => {
            let mut buf = [0u8; 8];
            for (slot, &b) in buf.iter_mut().zip(bytes) {
                *slot = b;
            }
            u64::from_le_bytes(buf)
        }
    }
}

/// The keyed hash of a table key (module docs).
#[must_use]
pub(crate) fn arn_hash(bytes: &[u8]) -> u64 {
    let Seed { k0, k1 } = seed();
    let mut acc = k0 ^ (bytes.len() as u64);
    let mut chunks = bytes.chunks_exact(16);
    for chunk in &mut chunks {
        let (a, b) = chunk.split_at(8);
        acc = fold(acc ^ word(a), word(b) ^ k1);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let (a, b) = rest.split_at(rest.len().min(8));
        acc = fold(acc ^ word(a), word(b) ^ k1 ^ 0x9e37_79b9_7f4a_7c15);
    }
    fold(acc, k1.rotate_left(32))
}

/// A key: inline when short.
#[derive(Clone, Debug)]
enum Key {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl Key {
    fn new(text: &str) -> Self {
        match u8::try_from(text.len()) {
            Ok(len) if text.len() <= INLINE => {
                let mut bytes = [0u8; INLINE];
                for (slot, &b) in bytes.iter_mut().zip(text.as_bytes()) {
                    *slot = b;
                }
                Self::Inline { len, bytes }
            }
            _ => Self::Heap(text.into()),
        }
    }

    #[inline]
    fn is(&self, text: &[u8]) -> bool {
        match self {
            Self::Inline { len, bytes } => {
                usize::from(*len) == text.len()
                    && bytes.get(..text.len()).is_some_and(|b| same_bytes(b, text))
            }
            Self::Heap(key) => same_bytes(key.as_bytes(), text),
        }
    }

    fn to_text(&self) -> String {
        match self {
            Self::Inline { len, bytes } => bytes
                .get(..usize::from(*len))
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
            Self::Heap(key) => key.to_string(),
        }
    }
}

/// One occupied slot.
#[derive(Clone, Debug)]
struct Entry<V> {
    hash: u64,
    key: Key,
    value: V,
}

/// A map from ARN-like keys to `V` (module docs).
#[derive(Clone, Debug)]
pub(crate) struct Table<V> {
    slots: Vec<Option<Entry<V>>>,
    len: usize,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Self {
            slots: Vec::new(),
            len: 0,
        }
    }
}

/// The home slot of `hash` in a table of `capacity` (a power of two) slots.
#[expect(
    clippy::cast_possible_truncation,
    reason = "only the low bits select a slot"
)]
#[inline]
const fn home(hash: u64, capacity: usize) -> usize {
    // INVARIANT: `capacity` is a power of two no larger than `usize::MAX`, so the mask keeps
    // the low bits that fit.
    (hash as usize) & (capacity.wrapping_sub(1))
}

impl<V> Table<V> {
    /// How many keys.
    pub(crate) const fn len(&self) -> usize {
        self.len
    }

    /// Reads the home slot of `hash`, so that its cache line is on its way while other work
    /// proceeds (see `Prepared::touch`); returns a value to feed to `black_box`.
    #[inline(always)]
    pub(crate) fn touch(&self, hash: u64) -> u64 {
        let at = home(hash, self.slots.len());
        self.slots
            .get(at)
            .and_then(Option::as_ref)
            .map_or(0, |e| e.hash)
    }

    /// How far the entry with `hash` sits at `at` from its home slot.
    #[inline(always)]
    fn distance(hash: u64, at: usize, capacity: usize) -> usize {
        at.wrapping_sub(home(hash, capacity)) & capacity.wrapping_sub(1)
    }

    /// The slot index of `key`, whose [`arn_hash`] is `hash`, if present. Robin Hood order:
    /// along a probe, entries sit no farther from their home than the probe has come, so a
    /// probe stops at the first entry closer to its home than the probe is to its own.
    #[inline(always)]
    fn position(&self, hash: u64, key: &[u8]) -> Option<usize> {
        let capacity = self.slots.len();
        let mut at = home(hash, capacity);
        for probe in 0..capacity {
            let e = self.slots.get(at)?.as_ref()?;
            if e.hash == hash && e.key.is(key) {
                return Some(at);
            }
            if Self::distance(e.hash, at, capacity) < probe {
                return None;
            }
            at = (at + 1) & (capacity - 1);
        }
        None
    }

    /// The value of `key`, whose [`arn_hash`] is `hash`.
    #[inline]
    pub(crate) fn get(&self, hash: u64, key: &[u8]) -> Option<&V> {
        let at = self.position(hash, key)?;
        self.slots.get(at)?.as_ref().map(|e| &e.value)
    }

    /// Sets `key` to `value`; the previous value, if any.
    pub(crate) fn insert(&mut self, key: &str, value: V) -> Option<V> {
        let hash = arn_hash(key.as_bytes());
        if let Some(at) = self.position(hash, key.as_bytes()) {
            return self
                .slots
                .get_mut(at)
                .and_then(Option::as_mut)
                .map(|e| std::mem::replace(&mut e.value, value));
        }
        if (self.len + 1) * 5 > self.slots.len() * 4 {
            self.grow();
        }
        self.place(Entry {
            hash,
            key: Key::new(key),
            value,
        });
        self.len += 1;
        None
    }

    /// Puts an entry known to be absent in Robin Hood order: it takes the slot of the first
    /// entry closer to its home than it is to its own, which moves on in turn.
    fn place(&mut self, entry: Entry<V>) {
        let capacity = self.slots.len();
        let mut carried = entry;
        let mut at = home(carried.hash, capacity);
        let mut dist = 0;
        for _ in 0..capacity {
            let Some(slot) = self.slots.get_mut(at) else {
                return;
            };
            match slot {
                None => {
                    *slot = Some(carried);
                    return;
                }
                Some(resident) => {
                    let theirs = Self::distance(resident.hash, at, capacity);
                    if theirs < dist {
                        std::mem::swap(resident, &mut carried);
                        dist = theirs;
                    }
                }
            }
            at = (at + 1) & (capacity - 1);
            dist += 1;
        }
    }

    fn grow(&mut self) {
        let capacity = (self.slots.len() * 2).max(8);
        let old = std::mem::replace(&mut self.slots, Vec::with_capacity(capacity));
        self.slots.resize_with(capacity, || None);
        for entry in old.into_iter().flatten() {
            self.place(entry);
        }
    }

    /// Removes `key`; its value, if it was present.
    pub(crate) fn remove(&mut self, key: &str) -> Option<V> {
        let capacity = self.slots.len();
        let mut hole = self.position(arn_hash(key.as_bytes()), key.as_bytes())?;
        let removed = self.slots.get_mut(hole)?.take()?;
        self.len -= 1;
        // Shift back the following entries that are not at their home slot.
        loop {
            let next = (hole + 1) & (capacity - 1);
            let shift = matches!(
                self.slots.get(next),
                Some(Some(e)) if Self::distance(e.hash, next, capacity) > 0
            );
            if !shift {
                break;
            }
            let moved = self.slots.get_mut(next).and_then(Option::take);
            if let Some(slot) = self.slots.get_mut(hole) {
                *slot = moved;
            }
            hole = next;
        }
        Some(removed.value)
    }

    /// Every key and value, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (String, &V)> + '_ {
        self.slots
            .iter()
            .flatten()
            .map(|e| (e.key.to_text(), &e.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn table_agrees_with_a_hash_map_under_inserts_and_removals() {
        let mut table = Table::default();
        let mut model = HashMap::new();
        let long = "x".repeat(INLINE + 5);
        let key = |i: u64| {
            if i.is_multiple_of(7) {
                format!("{long}{i}")
            } else {
                format!("arn:aws:secretsmanager:us-east-1:111122223333:secret:k{i}")
            }
        };
        let mut state = 0x1234_5678_u64;
        for step in 0..20_000u64 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let k = key((state >> 33) % 500);
            if (state >> 20).is_multiple_of(3) {
                assert_eq!(table.remove(&k), model.remove(&k), "remove {k} at {step}");
            } else {
                assert_eq!(
                    table.insert(&k, step),
                    model.insert(k.clone(), step),
                    "insert {k} at {step}"
                );
            }
            assert_eq!(table.len(), model.len());
        }
        for i in 0..500 {
            let k = key(i);
            assert_eq!(
                table.get(arn_hash(k.as_bytes()), k.as_bytes()),
                model.get(&k),
                "{k}"
            );
        }
        let mut keys: Vec<String> = table.iter().map(|(k, _)| k).collect();
        keys.sort();
        let mut want: Vec<String> = model.keys().cloned().collect();
        want.sort();
        assert_eq!(keys, want);
        assert!(table.slots.len() * 4 >= 5 * table.len());
    }

    #[test]
    fn table_hash_depends_on_every_byte() {
        let a = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/a-AbCdEf";
        let b = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/a-AbCdEg";
        assert_ne!(arn_hash(a.as_bytes()), arn_hash(b.as_bytes()));
        assert_eq!(arn_hash(a.as_bytes()), arn_hash(a.as_bytes()));
        assert_ne!(arn_hash(b""), arn_hash(b"\0"));
    }
}
