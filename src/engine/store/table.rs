//! The store's map keys: an entity's kind ([`Space`]) and text, with the hash computed once.
//! A key's text is a shared head (interned: the `arn:aws:secretsmanager:REGION:ACCOUNT:secret:`
//! that many keys start with, read from a line every look-up keeps in cache) and a tail of up
//! to [`TAIL`] bytes held inside the key, so that a key takes one cache line and comparing it
//! reads that line of the map entry and the shared head only ([`StoreKey::new`]).
//!
//! Keys are hashed with [`arn_hash`]: a multiply-fold hash keyed by a seed drawn once per
//! process from the standard library's random state, so that a request can be hashed once
//! when it is prepared and looked up in any store, and so that whoever chooses resource names
//! cannot predict collisions. It is not a cryptographic hash.

use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

use crate::engine::compile::Text;

use crate::bytes::same_bytes;

/// The longest tail kept inside a key: what makes [`StoreKey`] 64 bytes (one line; the head
/// is a one-word [`Text`]), so that a store entry's key and the lines a decision reads of its
/// document are five whole lines (`engine/store.rs`).
pub(crate) const TAIL: usize = 46;

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
    let n = rest.len();
    if n > 0 {
        // The last bytes as two words read from both ends (they overlap below 16 bytes;
        // together they hold every byte, and the length is in `acc`): two loads, no padding
        // copied byte by byte.
        let (a, b) = if n >= 8 {
            (
                word(rest.first_chunk::<8>().map_or(&[], |w| w.as_slice())),
                word(rest.last_chunk::<8>().map_or(&[], |w| w.as_slice())),
            )
        } else if n >= 4 {
            (
                word(rest.first_chunk::<4>().map_or(&[], |w| w.as_slice())),
                word(rest.last_chunk::<4>().map_or(&[], |w| w.as_slice())),
            )
        } else {
            (word(rest), 0)
        };
        acc = fold(acc ^ a, b ^ k1 ^ 0x9e37_79b9_7f4a_7c15);
    }
    fold(acc, k1.rotate_left(32))
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

/// A key of the store's map: its space, its text (a shared head and an inline tail) and its
/// hash, computed once (the map's hasher passes it through). Laid out by hand (`repr(C)`, 64
/// bytes: one line): the hash, the head, the space, the tail's length and the tail.
#[derive(Clone, Debug)]
#[repr(C)]
pub(crate) struct StoreKey {
    hash: u64,
    /// The text's first bytes: empty (a short text), an interned head shared by the keys that
    /// start with it, or the whole text (a long one without a fitting head).
    head: Text,
    space: Space,
    /// How many bytes of `tail` follow the head.
    len: u8,
    tail: [u8; TAIL],
}

/// Where `text`'s head ends: at the first `:` or `/` after which the rest fits [`TAIL`] (0
/// when the whole text fits; the text's length when no such boundary exists). The earliest
/// such boundary, so that keys that share a structure (`…:secret:prod/…`) share their head.
fn head_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    if bytes.len() <= TAIL {
        return 0;
    }
    let from = bytes.len() - TAIL;
    // A boundary at `i + 1` for a separator at `i`, and `i + 1 >= from`.
    bytes
        .iter()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|&(_, &b)| b == b':' || b == b'/')
        .map_or(bytes.len(), |(i, _)| i + 1)
}

impl StoreKey {
    pub(crate) fn new(space: Space, text: &str) -> Self {
        let split = head_len(text);
        let (head, rest) = text.split_at_checked(split).unwrap_or((text, ""));
        let (head, rest) = if rest.len() <= TAIL {
            (head, rest)
        } else {
            (text, "")
        };
        let mut tail = [0u8; TAIL];
        for (slot, &b) in tail.iter_mut().zip(rest.as_bytes()) {
            *slot = b;
        }
        Self {
            hash: key_hash(space, text.as_bytes()),
            // A head is shared when it is a proper part of the text; a whole text is the key's
            // own.
            head: if rest.is_empty() && !head.is_empty() {
                Text::from(head)
            } else {
                crate::engine::compile::intern(head)
            },
            space,
            // INVARIANT: `rest.len() <= TAIL < 256`.
            len: u8::try_from(rest.len()).unwrap_or(0),
            tail,
        }
    }

    pub(crate) const fn space(&self) -> Space {
        self.space
    }

    /// Its [`key_hash`].
    pub(crate) const fn hash(&self) -> u64 {
        self.hash
    }

    /// The tail's bytes.
    #[inline(always)]
    fn tail(&self) -> &[u8] {
        self.tail.get(..usize::from(self.len)).unwrap_or_default()
    }

    /// Whether its text is `text`.
    #[inline(always)]
    pub(crate) fn is(&self, text: &[u8]) -> bool {
        let head = self.head.as_bytes();
        let tail = self.tail();
        text.len() == head.len() + tail.len()
            && text
                .split_at_checked(head.len())
                .is_some_and(|(h, t)| same_bytes(h, head) && same_bytes(t, tail))
    }

    pub(crate) fn text(&self) -> String {
        let mut text = String::with_capacity(self.head.len() + usize::from(self.len));
        text.push_str(&self.head);
        text.push_str(&String::from_utf8_lossy(self.tail()));
        text
    }
}

impl PartialEq for StoreKey {
    fn eq(&self, other: &Self) -> bool {
        let bytes = |k: &Self| {
            k.head
                .as_bytes()
                .iter()
                .chain(k.tail())
                .copied()
                .collect::<Vec<u8>>()
        };
        self.hash == other.hash
            && self.space == other.space
            && self.head.len() + self.tail().len() == other.head.len() + other.tail().len()
            && (Text::ptr_eq(&self.head, &other.head) && self.tail() == other.tail()
                || bytes(self) == bytes(other))
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

impl Probe<'_> {
    /// Whether it names `key`.
    #[inline(always)]
    pub(crate) fn names(&self, key: &StoreKey) -> bool {
        key.hash == self.hash && key.space == self.space && key.is(self.key)
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

impl HashProbe {
    /// Whether `key` is of its space and hash.
    pub(crate) fn names(&self, key: &StoreKey) -> bool {
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
        let long = format!("arn:aws:s3:::{}", "x".repeat(TAIL + 5));
        let secret = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/payments/\
                      scheduler-12345/db-credentials-AbCdEf";
        for text in ["arn:aws:iam::111122223333:role/app", long.as_str(), secret] {
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
            assert!(probe(Space::Principal, text).names(&key));
            assert!(!probe(Space::Trust, text).names(&key));
            assert!(!probe(Space::Principal, &format!("{text}x")).names(&key));
        }
        // A secret's head is shared and its tail inline; a long text without a boundary is
        // its own head.
        let key = StoreKey::new(Space::Resource, secret);
        assert_eq!(
            &*key.head,
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/"
        );
        assert!(Text::ptr_eq(
            &key.head,
            &StoreKey::new(Space::Trust, secret).head
        ));
        assert_eq!(&*StoreKey::new(Space::Resource, &long).head, long.as_str());
        // Keys of one length that differ in one byte, at every position and length, with and
        // without a head (separators every seven bytes).
        let text: String = ('a'..='z')
            .cycle()
            .enumerate()
            .map(|(i, c)| if i % 7 == 6 { '/' } else { c })
            .take(3 * TAIL)
            .collect();
        for n in 0..=text.len() {
            let key = StoreKey::new(Space::Resource, text.get(..n).unwrap());
            assert_eq!(key.text(), text.get(..n).unwrap());
            for at in 0..n {
                let mut other = text.as_bytes()[..n].to_vec();
                other[at] = b'-';
                let probe = Probe {
                    hash: key.hash(),
                    space: Space::Resource,
                    key: &other,
                };
                assert!(!probe.names(&key), "{n} {at}");
            }
            let same = Probe {
                hash: key.hash(),
                space: Space::Resource,
                key: &text.as_bytes()[..n],
            };
            assert!(same.names(&key), "{n}");
            let shorter = Probe {
                hash: key.hash(),
                space: Space::Resource,
                key: &text.as_bytes()[..n.saturating_sub(1)],
            };
            assert_eq!(shorter.names(&key), n == 0, "{n}");
        }
        assert_ne!(
            key_hash(Space::Scp, b"111122223333"),
            key_hash(Space::Rcp, b"111122223333")
        );
    }
}
