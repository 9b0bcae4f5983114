//! The store's map keys: an entity's kind ([`Space`]) and text (inline up to [`INLINE`]
//! bytes, so that comparing a key reads the map entry only), with the hash computed once.
//!
//! Keys are hashed with [`arn_hash`]: a multiply-fold hash keyed by a seed drawn once per
//! process from the standard library's random state, so that a request can be hashed once
//! when it is prepared and looked up in any store, and so that whoever chooses resource names
//! cannot predict collisions. It is not a cryptographic hash.

use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

use crate::bytes::same_bytes;

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

/// What a key names: the store keeps every kind of entity in one map, the kind being part of
/// the key (and of its hash).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub(crate) enum Space {
    /// An IAM user or role (a role without its path): identity policies and boundary.
    Principal = 1,
    /// A resource ARN: its resource-based policy.
    Resource = 2,
    /// A role ARN (as given): its trust policy.
    Trust = 3,
    /// An account: its SCP levels.
    Scp = 4,
    /// An account: its RCP levels.
    Rcp = 5,
}

/// The hash of a key of `space` (the [`arn_hash`] of its text, mixed with the space).
#[must_use]
#[inline]
pub(crate) fn key_hash(space: Space, bytes: &[u8]) -> u64 {
    arn_hash(bytes) ^ (space as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
}

/// A key of the store's map: its space, its text (inline when short) and its hash, computed
/// once (the map's hasher passes it through).
#[derive(Clone, Debug)]
pub(crate) struct StoreKey {
    hash: u64,
    space: Space,
    key: Key,
}

impl StoreKey {
    pub(crate) fn new(space: Space, text: &str) -> Self {
        Self {
            hash: key_hash(space, text.as_bytes()),
            space,
            key: Key::new(text),
        }
    }

    pub(crate) const fn space(&self) -> Space {
        self.space
    }

    /// Its [`key_hash`].
    pub(crate) const fn hash(&self) -> u64 {
        self.hash
    }

    pub(crate) fn text(&self) -> String {
        self.key.to_text()
    }
}

impl PartialEq for StoreKey {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash
            && self.space == other.space
            && match &other.key {
                Key::Inline { len, bytes } => bytes
                    .get(..usize::from(*len))
                    .is_some_and(|b| self.key.is(b)),
                Key::Heap(text) => self.key.is(text.as_bytes()),
            }
    }
}

impl Eq for StoreKey {}

impl std::hash::Hash for StoreKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// A key looked up without building a [`StoreKey`]: borrowed text and its [`key_hash`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct Probe<'a> {
    pub(crate) hash: u64,
    pub(crate) space: Space,
    pub(crate) key: &'a [u8],
}

impl std::hash::Hash for Probe<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl papaya::Equivalent<StoreKey> for Probe<'_> {
    #[inline]
    fn equivalent(&self, key: &StoreKey) -> bool {
        key.hash == self.hash && key.space == self.space && key.key.is(self.key)
    }
}

/// A key looked up by its hash alone: the entry of `space` with that hash (one of them, should
/// two keys share it); whoever looks checks what it finds.
#[derive(Clone, Copy, Debug)]
pub(crate) struct HashProbe {
    pub(crate) hash: u64,
    pub(crate) space: Space,
}

impl std::hash::Hash for HashProbe {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

impl papaya::Equivalent<StoreKey> for HashProbe {
    #[inline]
    fn equivalent(&self, key: &StoreKey) -> bool {
        key.hash == self.hash && key.space == self.space
    }
}

/// The map's hasher: keys carry their hash already.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PassThrough;

/// See [`PassThrough`].
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Passed(u64);

impl std::hash::Hasher for Passed {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }

    /// Not used by the store's keys (they write one `u64`); hashes the bytes if ever called.
    fn write(&mut self, bytes: &[u8]) {
        self.0 = arn_hash(bytes) ^ self.0.rotate_left(29);
    }
}

impl std::hash::BuildHasher for PassThrough {
    type Hasher = Passed;

    #[inline]
    fn build_hasher(&self) -> Passed {
        Passed(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use papaya::Equivalent as _;

    #[test]
    fn table_hash_depends_on_every_byte() {
        let a = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/a-AbCdEf";
        let b = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/a-AbCdEg";
        assert_ne!(arn_hash(a.as_bytes()), arn_hash(b.as_bytes()));
        assert_eq!(arn_hash(a.as_bytes()), arn_hash(a.as_bytes()));
        assert_ne!(arn_hash(b""), arn_hash(b"\0"));
    }

    #[test]
    fn keys_compare_space_and_text_inline_or_not() {
        let long = format!("arn:aws:s3:::{}", "x".repeat(INLINE + 5));
        for text in ["arn:aws:iam::111122223333:role/app", long.as_str()] {
            let key = StoreKey::new(Space::Principal, text);
            assert_eq!(key, StoreKey::new(Space::Principal, text));
            assert_ne!(key, StoreKey::new(Space::Resource, text));
            assert_eq!(key.text(), text);
            fn probe(space: Space, t: &str) -> Probe<'_> {
                Probe {
                    hash: key_hash(space, t.as_bytes()),
                    space,
                    key: t.as_bytes(),
                }
            }
            assert!(probe(Space::Principal, text).equivalent(&key));
            assert!(!probe(Space::Trust, text).equivalent(&key));
            assert!(!probe(Space::Principal, &format!("{text}x")).equivalent(&key));
        }
        // Keys of one length that differ in one byte, at every position and length.
        let text: String = ('a'..='z').cycle().take(INLINE).collect();
        for n in 0..=INLINE {
            let key = StoreKey::new(Space::Resource, text.get(..n).unwrap());
            for at in 0..n {
                let mut other = text.as_bytes()[..n].to_vec();
                other[at] = b'-';
                let probe = Probe {
                    hash: key.hash(),
                    space: Space::Resource,
                    key: &other,
                };
                assert!(!probe.equivalent(&key), "{n} {at}");
            }
            let same = Probe {
                hash: key.hash(),
                space: Space::Resource,
                key: &text.as_bytes()[..n],
            };
            assert!(same.equivalent(&key), "{n}");
        }
        assert_ne!(
            key_hash(Space::Scp, b"111122223333"),
            key_hash(Space::Rcp, b"111122223333")
        );
    }
}
