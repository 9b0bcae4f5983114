//! Byte utilities of the engine and the store: hashing, comparisons, arena ranges, saturating counts.
//!
//! A leaf module: it depends on nothing else in the crate.

/// A fast, deterministic 64-bit hash of `text` (multiply-rotate over 8-byte words).
///
/// Used for the small per-group action tables and for condition keys, never for tables that
/// callers fill with chosen keys at scale (the store's ARN maps use a keyed hasher). Equal
/// hashes are always confirmed by comparing the strings.
#[must_use]
pub(crate) fn text_hash(text: &str) -> u64 {
    bytes_hash(text.as_bytes())
}

/// [`text_hash`] of bytes.
#[must_use]
pub(crate) fn bytes_hash(bytes: &[u8]) -> u64 {
    let mut h = (bytes.len() as u64).wrapping_mul(HASH_K);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([0; 8]));
        h = (h.rotate_left(5) ^ word).wrapping_mul(HASH_K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        for (slot, &b) in buf.iter_mut().zip(rest) {
            *slot = b;
        }
        h = (h.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(HASH_K);
    }
    h ^ (h >> 29)
}

const HASH_K: u64 = 0x517c_c1b7_2722_0a95;

/// [`text_hash`] at compile time, for keys the crate knows (the same hash: a test holds them
/// equal).
#[must_use]
pub(crate) const fn const_text_hash(text: &str) -> u64 {
    let mut rest = text.as_bytes();
    let mut h = (rest.len() as u64).wrapping_mul(HASH_K);
    while !rest.is_empty() {
        let mut word = 0u64;
        let mut i = 0;
        while i < 8 {
            if let [b, tail @ ..] = rest {
                word |= (*b as u64) << (8 * i);
                rest = tail;
            }
            i += 1;
        }
        h = (h.rotate_left(5) ^ word).wrapping_mul(HASH_K);
    }
    h ^ (h >> 29)
}

/// The eight bytes of `s` at `at` as a word (0 when out of range).
#[inline(always)]
fn load8(s: &[u8], at: usize) -> u64 {
    s.get(at..at + 8)
        .and_then(|c| <[u8; 8]>::try_from(c).ok())
        .map_or(0, u64::from_ne_bytes)
}

/// The four bytes of `s` at `at` as a word (0 when out of range).
#[inline(always)]
fn load4(s: &[u8], at: usize) -> u32 {
    s.get(at..at + 4)
        .and_then(|c| <[u8; 4]>::try_from(c).ok())
        .map_or(0, u32::from_ne_bytes)
}

/// Whether two byte strings of equal length are equal, compared word by word inline (the
/// keys and ARNs compared per request are short; a library call costs more than the loop).
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n > 32 {
        return a == b;
    }
    if n >= 8 {
        for (p, q) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
            let p = <[u8; 8]>::try_from(p).map_or(0, u64::from_ne_bytes);
            let q = <[u8; 8]>::try_from(q).map_or(0, u64::from_ne_bytes);
            if p != q {
                return false;
            }
        }
        // The last eight bytes, overlapping the loop's last word.
        load8(a, n - 8) == load8(b, n - 8)
    } else if n >= 4 {
        load4(a, 0) == load4(b, 0) && load4(a, n - 4) == load4(b, n - 4)
    } else {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
}

/// Whether `a` and `b` both hold at least `n` bytes and agree on the first `n`. Up to sixteen
/// bytes of texts at least sixteen bytes long (ARN heads: `arn:PARTITION:`) are compared as
/// one masked word (of 8 bytes when `n` is at most 8), inline; other lengths go to
/// [`same_bytes`].
#[inline(always)]
pub(crate) fn same_prefix(a: &[u8], b: &[u8], n: usize) -> bool {
    if (1..=16).contains(&n) && a.len() >= 16 && b.len() >= 16 {
        // The low `n` bytes (little-endian: the first `n` of the text); the shift is 0 to 56
        // (one 8-byte word: `arn:aws:`), or 0 to 120.
        if n <= 8 {
            let mask = u64::MAX >> (64 - 8 * n);
            let word = |s: &[u8]| s.first_chunk::<8>().map_or(0, |c| u64::from_le_bytes(*c));
            return (word(a) ^ word(b)) & mask == 0;
        }
        let mask = u128::MAX >> (128 - 8 * n);
        return (load16_le(a) ^ load16_le(b)) & mask == 0;
    }
    match (a.get(..n), b.get(..n)) {
        (Some(a), Some(b)) => same_bytes(a, b),
        _ => false,
    }
}

/// The first sixteen bytes of `s` as a little-endian word (0 when shorter).
#[inline(always)]
fn load16_le(s: &[u8]) -> u128 {
    s.first_chunk::<16>().map_or(0, |c| u128::from_le_bytes(*c))
}

/// [`same_bytes`] for texts usually 16 to 64 bytes long (the heads of the callers and
/// resource ARNs a [`RequestBuffer`](crate::RequestBuffer) remembers): 16-byte words, the
/// last one overlapping the one before; shorter and longer texts go to [`same_bytes`].
#[inline]
pub(crate) fn same_head(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if !(16..=64).contains(&n) {
        return same_bytes(a, b);
    }
    let mut at = 0;
    while at + 16 < n {
        if load16(a, at) != load16(b, at) {
            return false;
        }
        at += 16;
    }
    // The last sixteen bytes, overlapping the loop's last word.
    load16(a, n - 16) == load16(b, n - 16)
}

/// The sixteen bytes of `s` at `at` as a word (0 when out of range).
#[inline(always)]
fn load16(s: &[u8], at: usize) -> u128 {
    s.get(at..at + 16)
        .and_then(|c| <[u8; 16]>::try_from(c).ok())
        .map_or(0, u128::from_ne_bytes)
}

/// Copies `src` into `dst` (of the same length; otherwise nothing is copied). Texts up to 128
/// bytes are copied inline as two blocks of a power of two bytes, one at each end (they
/// overlap in the middle): the keys, values and ARNs a request holds are short, and a library
/// call or a loop of words costs more than the copy.
#[inline(always)]
pub(crate) fn copy_bytes(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n != dst.len() {
        return;
    }
    // Split at 16 first: the values a request sets are mostly shorter (two tests to reach
    // their block size, not five), its keys, actions and ARNs longer.
    if n >= 16 {
        if n <= 32 {
            copy_ends::<16>(dst, src, n);
        } else if n <= 64 {
            copy_ends::<32>(dst, src, n);
        } else if n <= 128 {
            copy_ends::<64>(dst, src, n);
        } else {
            dst.copy_from_slice(src);
        }
    } else if n >= 8 {
        copy_ends::<8>(dst, src, n);
    } else if n >= 4 {
        copy_ends::<4>(dst, src, n);
    } else {
        for (d, s) in dst.iter_mut().zip(src) {
            *d = *s;
        }
    }
}

/// Copies the first and the last `N` bytes of `src` (`n` long, `N <= n <= 2 * N`) into `dst`.
#[inline(always)]
fn copy_ends<const N: usize>(dst: &mut [u8], src: &[u8], n: usize) {
    copy_word::<N>(dst, src, 0);
    copy_word::<N>(dst, src, n - N);
}

/// Copies the `N` bytes of `src` at `at` into `dst` at `at` (nothing when out of range).
#[inline(always)]
fn copy_word<const N: usize>(dst: &mut [u8], src: &[u8], at: usize) {
    if let (Some(d), Some(s)) = (
        dst.get_mut(at..).and_then(<[u8]>::first_chunk_mut::<N>),
        src.get(at..).and_then(<[u8]>::first_chunk::<N>),
    ) {
        *d = *s;
    }
}

/// `0x80` in every byte of `word` equal to `byte`, zero in the others (a word-at-a-time byte
/// search). Exact: the sum below never carries from one byte into the next.
#[inline(always)]
pub(crate) const fn byte_mask(word: u64, byte: u8) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // Zero where the byte is `byte`.
    let x = word ^ (byte as u64).wrapping_mul(0x0101_0101_0101_0101);
    // The high bit of each byte set where that byte of `x` is not zero.
    let nonzero = ((x & LOW7) + LOW7) | x;
    !nonzero & 0x8080_8080_8080_8080
}

/// The offset of the last `byte` in `bytes`, read eight bytes at a time from the end.
#[inline]
pub(crate) fn last_byte(bytes: &[u8], byte: u8) -> Option<usize> {
    let mut words = bytes.rchunks_exact(8);
    let mut end = bytes.len();
    for chunk in &mut words {
        end -= 8;
        let mask = byte_mask(
            <[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes),
            byte,
        );
        if mask != 0 {
            return Some(end + 7 - (mask.leading_zeros() / 8) as usize);
        }
    }
    words.remainder().iter().rposition(|&b| b == byte)
}

/// `text.starts_with(prefix)`.
#[inline]
pub(crate) fn starts_with(text: &[u8], prefix: &[u8]) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| same_bytes(head, prefix))
}

/// A count as `u32`, saturating (policy sets are far smaller).
pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A count as `u16`, saturating.
pub(crate) fn to_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

pub(crate) type Range = (u32, u32);

/// A byte range of an arena (empty when out of range).
#[inline(always)]
pub(crate) fn at(arena: &[u8], (start, end): (u32, u32)) -> &[u8] {
    arena.get(start as usize..end as usize).unwrap_or_default()
}

/// Text the engine holds as bytes, as `&str` for the matchers that need one. The engine only
/// slices whole strings, so this never fails; if it did, the text would match nothing.
#[inline]
pub(crate) fn text(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {

    #[test]
    fn same_prefix_masks_the_word_and_falls_back() {
        let a = b"arn:aws:iam::111122223333:root";
        let b = b"arn:aws:s3:::bucket/key";
        for n in 0..=8 {
            assert!(same_prefix(a, b, n), "{n}");
        }
        for n in 9..=20 {
            assert!(!same_prefix(a, b, n), "{n}");
        }
        let c = b"arn:aws:iam::111122223333:user/x";
        assert!(same_prefix(a, c, 16));
        assert!(same_prefix(a, c, 26));
        assert!(!same_prefix(a, c, 27));
        // Short texts and prefixes past an end.
        assert!(same_prefix(b"arn:aws:", b"arn:aws:s3", 8));
        assert!(!same_prefix(b"arn:aws", b"arn:aws:s3", 8));
        assert!(!same_prefix(a, b"arn", 4));
        assert!(same_prefix(b"", b"", 0));
    }
    use super::*;

    /// The word-at-a-time search finds the last byte a byte loop finds, in every length,
    /// next to bytes that differ from it by one bit.
    #[test]
    fn last_byte_is_the_byte_loop() {
        let alphabet = [b'/', b'.', b'o', 0xaf, b':', b';', 0];
        let mut seed = 7u64;
        for len in 0..40 {
            for _ in 0..50 {
                let text: Vec<u8> = (0..len)
                    .map(|_| {
                        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                        alphabet[(seed >> 33) as usize % alphabet.len()]
                    })
                    .collect();
                for byte in [b'/', b':', 0] {
                    let naive = text.iter().rposition(|&b| b == byte);
                    assert_eq!(last_byte(&text, byte), naive, "{text:?} {byte}");
                }
            }
        }
    }

    #[test]
    fn copy_bytes_copies_every_length() {
        let src: Vec<u8> = (0..200u8).collect();
        for n in 0..=src.len() {
            let mut dst = vec![0xffu8; n];
            copy_bytes(&mut dst, &src[..n]);
            assert_eq!(dst, &src[..n], "{n}");
        }
        let mut short = [0u8; 3];
        copy_bytes(&mut short, &src[..4]);
        assert_eq!(short, [0; 3]);
    }

    #[test]
    fn same_bytes_sees_a_difference_at_every_position_of_every_length() {
        let a: Vec<u8> = (0..150u8).collect();
        for n in 0..=a.len() {
            assert!(same_bytes(&a[..n], &a[..n]), "{n}");
            assert!(
                !same_bytes(&a[..n], &a[..n.saturating_sub(1)]) || n == 0,
                "{n}"
            );
            for at in 0..n {
                let mut b = a[..n].to_vec();
                b[at] ^= 0x20;
                assert!(!same_bytes(&a[..n], &b), "{n} {at}");
            }
        }
    }

    #[test]
    fn the_compile_time_hash_is_the_hash() {
        for text in [
            "",
            "a",
            "aws:principalarn",
            "aws:principalisawsservice",
            "12345678",
            "123456789",
        ] {
            assert_eq!(const_text_hash(text), text_hash(text), "{text}");
        }
    }
}
