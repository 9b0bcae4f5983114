//! Many wildcard patterns against one text at once: "does any pattern of this list match?"
//!
//! A [`WildcardSet`] decides the same question as trying each pattern with the one matcher of
//! this module ([`super::glob_text`], case-sensitive), with the same semantics (`*` any run of
//! characters, `?` exactly one character, every other character literal, characters counted
//! as Unicode scalar values) and the same segment algorithm: a pattern is cut at every `*`
//! into segments of literal pieces and `?`; the first segment is anchored at the start of the
//! text, the last at its end, and every middle segment is placed at its leftmost occurrence in
//! what is left. What differs is how an occurrence is found.
//!
//! The work shared by the patterns is done once per text: one Aho-Corasick pass finds every
//! occurrence of every distinct literal piece of the list and records it in one bit set per
//! piece, over character positions. A segment then occurs at character position `q` exactly
//! when each of its pieces occurs at `q` plus the piece's character offset in the segment
//! (`?` only moves the offset), so the leftmost occurrence from a position on is the first
//! set bit of the AND of the pieces' bit sets, each shifted by its offset: 64 positions per
//! machine word, and only over the words where every piece occurs at all (the first and last
//! word holding a piece bound the search). A pattern whose pieces do not all occur costs a
//! few comparisons; `?` runs cost nothing, however long.
//!
//! Patterns that share their literals and differ in their gaps (`*ab?cd*`, `*ab??cd*`, …) are
//! not even tried one by one: the patterns whose first segment of two or more pieces starts
//! with the same two pieces form a group, listed by the distance between those pieces. A text
//! can match such a pattern only where the first piece occurs and the second occurs that
//! distance after it; so when the pieces are rare, the pairs of occurrences at a distance of
//! the group (read from the bit sets, one window of distances per occurrence of the rarer
//! piece) name the only patterns worth trying, and when they are common each pattern is tried
//! over the bit sets, whichever costs fewer words.
//!
//! Cost for a text of n characters: the Aho-Corasick pass, O(n + occurrences); per group, the
//! smaller of `occurrences of the rarer piece × (distance range / 64 + 2)` and `patterns × words
//! where both pieces occur`; per pattern tried, at most `pieces × n / 64` word operations.
//! Without the set, each pattern would scan the text on its own: `patterns × n` steps for a
//! list whose patterns share their literals, which no literal key tells apart.
//!
//! Memory: the bit sets of the pieces that occur (`n / 64` words each) live in a per-thread
//! scratch buffer reused by every call (no allocation once it has grown). A text whose bit sets
//! would exceed [`MAX_SCRATCH_WORDS`] is decided by the one-pattern matcher instead (same
//! answer, the old cost).

use std::cell::RefCell;
use std::collections::HashMap;

use aho_corasick::AhoCorasick;

use super::glob_text;

/// The most 64-bit words of bit sets one text may use (8 MiB): past it, the patterns are
/// tried one at a time.
pub(crate) const MAX_SCRATCH_WORDS: usize = 1 << 20;

/// A star-free run of a pattern: literal pieces at character offsets, `?` between them.
#[derive(Clone, Debug)]
struct Segment {
    /// Length in characters (literal characters and `?`).
    len: usize,
    /// `(offset in characters, piece id)` of each literal piece, in order.
    pieces: Box<[(usize, usize)]>,
}

/// One pattern of the set, cut at its stars.
#[derive(Clone, Debug)]
struct SetPattern {
    /// Whether the pattern holds a `*`. Without one, `segments` is the single segment that
    /// must cover the whole text.
    star: bool,
    /// The first segment (before the first `*`, possibly empty), then the non-empty middle
    /// segments, then the last segment (after the last `*`, possibly empty).
    segments: Box<[Segment]>,
}

/// The patterns whose first segment of two or more pieces starts with the same two pieces:
/// a text matches one of them only if it holds the first piece and the second at that
/// pattern's distance (in characters) after it. Where those pieces are rare, the pairs of
/// occurrences at a listed distance name the only patterns worth trying; where they are
/// common, each pattern is tried.
#[derive(Clone, Debug)]
struct PairGroup {
    first: usize,
    second: usize,
    /// The smallest and largest distance of the group.
    min: usize,
    max: usize,
    /// The patterns (indices into `WildcardSet::patterns`) by distance.
    by_distance: HashMap<usize, Box<[u32]>>,
    /// Every pattern of the group.
    all: Box<[u32]>,
}

impl PairGroup {
    /// Whether `test` holds for a pattern of the group that the text could match (each
    /// such pattern is given to `test`; `test` may see others too).
    fn any(&self, occ: &Occurrences<'_>, test: &mut impl FnMut(u32) -> bool) -> bool {
        let (Some((first_row, first)), Some((second_row, second))) =
            (occ.row(self.first), occ.row(self.second))
        else {
            // A piece is missing: no pattern of the group can match.
            return false;
        };
        // Pairs: from each occurrence of the rarer piece, the window of distances of the
        // other; against one pass per pattern over the words where the pieces occur.
        let window_words = (self.max - self.min) / 64 + 2;
        let pairs_cost = first.2.min(second.2).saturating_mul(window_words);
        // Words where both pieces can sit at a listed distance (what a pattern's search
        // narrows to, at most).
        let from = first.0.max((second.0 * 64).saturating_sub(self.max) / 64);
        let to = first.1.min(second.1.saturating_sub(self.min / 64));
        let scan_cost = self
            .all
            .len()
            .saturating_mul(to.saturating_sub(from) + 1)
            .saturating_mul(2);
        if pairs_cost > scan_cost {
            return self.all.iter().any(|&i| test(i));
        }
        let mut found = |a: usize, b: usize| -> bool {
            b.checked_sub(a)
                .and_then(|d| self.by_distance.get(&d))
                .is_some_and(|list| list.iter().any(|&i| test(i)))
        };
        // From the rarer piece's occurrences, the window of the other piece's positions at a
        // listed distance: after it for the first piece, before it for the second.
        let forward = first.2 <= second.2;
        let (rare_row, rare, other_row, other) = if forward {
            (first_row, first, second_row, second)
        } else {
            (second_row, second, first_row, first)
        };
        let window = |x: usize| -> Option<(usize, usize)> {
            if forward {
                Some((x.saturating_add(self.min), x.saturating_add(self.max)))
            } else {
                Some((x.saturating_sub(self.max), x.checked_sub(self.min)?))
            }
        };
        // Only the occurrences whose window can reach the other piece at all.
        let other_lo = other.0.saturating_mul(64);
        let other_hi = other.1.saturating_mul(64).saturating_add(63);
        let (lo, hi) = if forward {
            let Some(hi) = other_hi.checked_sub(self.min) else {
                return false;
            };
            (other_lo.saturating_sub(self.max), hi)
        } else {
            (
                other_lo.saturating_add(self.min),
                other_hi.saturating_add(self.max),
            )
        };
        let lo = lo.max(rare.0.saturating_mul(64));
        let hi = hi.min(rare.1.saturating_mul(64).saturating_add(63));
        if lo > hi {
            return false;
        }
        for w in lo / 64..=hi / 64 {
            let x = occ.masked(rare_row, w, lo, hi);
            if x == 0 {
                continue;
            }
            // The 64 positions of a word at once: skip them all when the union of their
            // windows holds no occurrence of the other piece.
            let low = w * 64 + x.trailing_zeros() as usize;
            let high = w * 64 + 63 - x.leading_zeros() as usize;
            let union = match (window(low), window(high)) {
                (Some((l, _)), Some((_, h))) => (l, h),
                (None, Some((_, h))) => (0, h),
                _ => continue,
            };
            if !occ.each_in(other_row, union.0, union.1, |_| true) {
                continue;
            }
            let hit = occ.each_in(rare_row, low, high, |p| {
                window(p).is_some_and(|(l, h)| {
                    occ.each_in(other_row, l, h, |q| {
                        if forward { found(p, q) } else { found(q, p) }
                    })
                })
            });
            if hit {
                return true;
            }
        }
        false
    }
}

/// A list of wildcard patterns compiled to be matched together (module docs).
#[derive(Clone, Debug)]
pub(crate) struct WildcardSet {
    /// Finds the distinct literal pieces of every pattern.
    automaton: Option<AhoCorasick>,
    /// Length of each piece in characters, by piece id (the automaton's pattern id).
    piece_chars: Box<[usize]>,
    patterns: Box<[SetPattern]>,
    /// The patterns without a segment of two pieces, tried one by one.
    singles: Box<[u32]>,
    /// The other patterns, by their first two pieces.
    pairs: Box<[PairGroup]>,
    /// The pattern texts, for texts decided one pattern at a time.
    texts: Box<[Box<str>]>,
}

/// The per-text bit sets: for each piece that occurs, a row of `words` words (bit `q` set when
/// the piece starts at character `q`) and the first and last word holding a bit.
#[derive(Debug, Default)]
struct Scratch {
    bits: Vec<u64>,
    /// Row of each piece (`usize::MAX`: the piece does not occur).
    rows: Vec<usize>,
    /// `(first word, last word, occurrences)` of each row.
    spans: Vec<(usize, usize, usize)>,
    /// The patterns of pair groups already tried on this text (one bit each).
    tried: Vec<u64>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// The bit sets of one text (module docs).
struct Occurrences<'s> {
    bits: &'s [u64],
    rows: &'s [usize],
    spans: &'s [(usize, usize, usize)],
    /// Words per row.
    words: usize,
    /// The text's length in characters.
    chars: usize,
}

impl Occurrences<'_> {
    /// Word `w` of `row`, zero past the end.
    #[inline]
    fn word(&self, row: usize, w: usize) -> u64 {
        if w >= self.words {
            return 0;
        }
        self.bits
            .get(row.saturating_mul(self.words).saturating_add(w))
            .copied()
            .unwrap_or_default()
    }

    /// Bits `64 w + offset ..= 64 w + offset + 63` of `row`, as one word (bit `b` tells
    /// whether the piece starts at character `64 w + b + offset`).
    #[inline]
    fn shifted(&self, row: usize, w: usize, offset: usize) -> u64 {
        let at = w.saturating_add(offset / 64);
        let shift = offset % 64;
        let low = self.word(row, at) >> shift;
        if shift == 0 {
            low
        } else {
            low | (self.word(row, at.saturating_add(1)) << (64 - shift))
        }
    }

    /// Whether the piece of `row` starts at character `q`.
    #[inline]
    fn has(&self, row: usize, q: usize) -> bool {
        (self.word(row, q / 64) >> (q % 64)) & 1 == 1
    }

    /// The row and span of a piece (first word, last word, occurrences), `None` when it does
    /// not occur.
    #[inline]
    fn row(&self, piece: usize) -> Option<(usize, (usize, usize, usize))> {
        let row = *self.rows.get(piece)?;
        let span = *self.spans.get(row)?;
        Some((row, span))
    }

    /// Word `w` of `row`, only the bits of characters `lo..=hi`.
    #[inline]
    fn masked(&self, row: usize, w: usize, lo: usize, hi: usize) -> u64 {
        let mut x = self.word(row, w);
        if w == lo / 64 {
            x &= u64::MAX << (lo % 64);
        }
        if w == hi / 64 && hi % 64 != 63 {
            x &= (1u64 << (hi % 64 + 1)) - 1;
        }
        x
    }

    /// Calls `f` with each character in `lo..=hi` where the piece of `row` starts, in order,
    /// until it returns true; whether it did.
    fn each_in(&self, row: usize, lo: usize, hi: usize, mut f: impl FnMut(usize) -> bool) -> bool {
        if lo > hi {
            return false;
        }
        let last = (hi / 64).min(self.words.saturating_sub(1));
        for w in lo / 64..=last {
            let mut x = self.masked(row, w, lo, hi);
            while x != 0 {
                let b = x.trailing_zeros() as usize;
                x &= x - 1;
                if f(w * 64 + b) {
                    return true;
                }
            }
        }
        false
    }

    /// Whether `segment` occurs at character `q` (and fits in the text).
    fn at(&self, segment: &Segment, q: usize) -> bool {
        q.checked_add(segment.len)
            .is_some_and(|end| end <= self.chars)
            && segment.pieces.iter().all(|&(offset, piece)| {
                self.row(piece)
                    .is_some_and(|(row, _)| self.has(row, q.saturating_add(offset)))
            })
    }

    /// The leftmost character `q` in `from..=last` where `segment` occurs.
    fn find(&self, segment: &Segment, from: usize, last: usize) -> Option<usize> {
        // Narrow the range to where every piece occurs at all.
        let (mut lo, mut hi) = (from, last);
        for &(offset, piece) in &*segment.pieces {
            let (_, (first, final_word, _)) = self.row(piece)?;
            lo = lo.max((first * 64).saturating_sub(offset));
            let end = final_word.saturating_mul(64).saturating_add(63);
            hi = hi.min(end.checked_sub(offset)?);
        }
        if lo > hi {
            return None;
        }
        if segment.pieces.is_empty() {
            return Some(lo);
        }
        for w in lo / 64..=hi / 64 {
            let mut x = u64::MAX;
            if w == lo / 64 {
                x &= u64::MAX << (lo % 64);
            }
            if w == hi / 64 && hi % 64 != 63 {
                x &= (1u64 << (hi % 64 + 1)) - 1;
            }
            for &(offset, piece) in &*segment.pieces {
                if x == 0 {
                    break;
                }
                let (row, _) = self.row(piece)?;
                x &= self.shifted(row, w, offset);
            }
            if x != 0 {
                return Some(w * 64 + x.trailing_zeros() as usize);
            }
        }
        None
    }

    /// Whether `pattern` matches the text: the segment algorithm of [`super::glob_text`].
    fn matches(&self, pattern: &SetPattern) -> bool {
        let n = self.chars;
        let Some((first, rest)) = pattern.segments.split_first() else {
            return false;
        };
        if !pattern.star {
            return first.len == n && self.at(first, 0);
        }
        let Some((last, middle)) = rest.split_last() else {
            // A pattern with a star has a last segment; fail closed if not.
            return false;
        };
        if !self.at(first, 0) {
            return false;
        }
        let mut cursor = first.len;
        let Some(end) = n.checked_sub(last.len).filter(|&end| end >= cursor) else {
            return false;
        };
        if !self.at(last, end) {
            return false;
        }
        for segment in middle {
            let Some(latest) = end.checked_sub(segment.len).filter(|&l| l >= cursor) else {
                return false;
            };
            match self.find(segment, cursor, latest) {
                Some(q) => cursor = q + segment.len,
                None => return false,
            }
        }
        true
    }
}

/// Cuts a pattern into its segments, adding its literal pieces to `pieces` (distinct texts,
/// by id).
fn compile<'p>(
    pattern: &'p str,
    pieces: &mut Vec<&'p str>,
    ids: &mut HashMap<&'p str, usize>,
) -> SetPattern {
    let mut segments = Vec::new();
    let parts: Vec<&str> = pattern.split('*').collect();
    let star = parts.len() > 1;
    let count = parts.len();
    for (i, part) in parts.into_iter().enumerate() {
        let edge = i == 0 || i + 1 == count;
        if part.is_empty() && !edge {
            continue;
        }
        let mut len = 0usize;
        let mut found = Vec::new();
        for (j, lit) in part.split('?').enumerate() {
            if j > 0 {
                len += 1;
            }
            if !lit.is_empty() {
                let id = *ids.entry(lit).or_insert_with(|| {
                    pieces.push(lit);
                    pieces.len() - 1
                });
                found.push((len, id));
                len += lit.chars().count();
            }
        }
        segments.push(Segment {
            len,
            pieces: found.into_boxed_slice(),
        });
    }
    SetPattern {
        star,
        segments: segments.into_boxed_slice(),
    }
}

impl WildcardSet {
    /// Compiles `patterns` (pattern text: `*` and `?` are wildcards, every other character is
    /// literal). `None` when no automaton can be built for their pieces (then try them one
    /// by one).
    pub(crate) fn new<'p>(patterns: impl IntoIterator<Item = &'p str>) -> Option<Self> {
        let mut pieces: Vec<&str> = Vec::new();
        let mut ids = HashMap::new();
        let mut compiled = Vec::new();
        let mut texts = Vec::new();
        for pattern in patterns {
            compiled.push(compile(pattern, &mut pieces, &mut ids));
            texts.push(Box::<str>::from(pattern));
        }
        let mut singles = Vec::new();
        // (min, max, patterns by distance, all patterns) by the first two pieces.
        type Building = (usize, usize, HashMap<usize, Vec<u32>>, Vec<u32>);
        let mut groups: HashMap<(usize, usize), Building> = HashMap::new();
        let mut order = Vec::new();
        for (i, pattern) in compiled.iter().enumerate() {
            let i = u32::try_from(i).ok()?;
            let pair = pattern.segments.iter().find_map(|s| match &*s.pieces {
                [(o1, p1), (o2, p2), ..] => Some((*p1, *p2, o2.checked_sub(*o1)?)),
                _ => None,
            });
            let Some((first, second, distance)) = pair else {
                singles.push(i);
                continue;
            };
            let group = groups.entry((first, second)).or_insert_with(|| {
                order.push((first, second));
                (distance, distance, HashMap::new(), Vec::new())
            });
            group.0 = group.0.min(distance);
            group.1 = group.1.max(distance);
            group.2.entry(distance).or_default().push(i);
            group.3.push(i);
        }
        let pairs: Box<[PairGroup]> = order
            .into_iter()
            .filter_map(|(first, second)| {
                let (min, max, by_distance, all) = groups.remove(&(first, second))?;
                Some(PairGroup {
                    first,
                    second,
                    min,
                    max,
                    by_distance: by_distance
                        .into_iter()
                        .map(|(d, list)| (d, list.into_boxed_slice()))
                        .collect(),
                    all: all.into_boxed_slice(),
                })
            })
            .collect();
        let automaton = if pieces.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(pieces.iter().map(|p| p.as_bytes())).ok()?)
        };
        Some(Self {
            automaton,
            piece_chars: pieces.iter().map(|p| p.chars().count()).collect(),
            patterns: compiled.into_boxed_slice(),
            singles: singles.into_boxed_slice(),
            pairs,
            texts: texts.into_boxed_slice(),
        })
    }

    /// How many patterns the set holds.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.patterns.len()
    }

    /// Whether `text` matches some pattern of the set (case-sensitive): the answer of trying
    /// each pattern with the one-pattern matcher.
    pub(crate) fn any(&self, text: &str) -> bool {
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.any_with(text, &mut scratch),
            // Not expected (nothing calls back in): a scratch of its own.
            Err(_) => self.any_with(text, &mut Scratch::default()),
        })
    }

    /// The patterns tried one at a time (the reference answer, and the path for texts too
    /// large for the scratch budget).
    pub(crate) fn any_one_by_one(&self, text: &str) -> bool {
        self.texts.iter().any(|p| glob_text(p, text, false))
    }

    fn any_with(&self, text: &str, scratch: &mut Scratch) -> bool {
        let chars = if text.is_ascii() {
            text.len()
        } else {
            text.chars().count()
        };
        let words = chars / 64 + 1;
        scratch.bits.clear();
        scratch.spans.clear();
        scratch.rows.clear();
        scratch.rows.resize(self.piece_chars.len(), usize::MAX);
        if let Some(automaton) = &self.automaton {
            let Ok(found) = automaton.try_find_overlapping_iter(text) else {
                return self.any_one_by_one(text);
            };
            // Character position of byte `byte_at`, advanced monotonically.
            let (mut byte_at, mut char_at) = (0usize, 0usize);
            let ascii = chars == text.len();
            for m in found {
                let end = m.end();
                let end_char = if ascii {
                    end
                } else {
                    if end < byte_at {
                        (byte_at, char_at) = (0, 0);
                    }
                    let between = text.as_bytes().get(byte_at..end).unwrap_or_default();
                    char_at += between.iter().filter(|&&b| b & 0xC0 != 0x80).count();
                    byte_at = end;
                    char_at
                };
                let piece = m.pattern().as_usize();
                let Some(start) = self
                    .piece_chars
                    .get(piece)
                    .and_then(|&len| end_char.checked_sub(len))
                else {
                    return self.any_one_by_one(text);
                };
                let Some(row_slot) = scratch.rows.get_mut(piece) else {
                    return self.any_one_by_one(text);
                };
                if *row_slot == usize::MAX {
                    let used = scratch.spans.len().saturating_add(1).saturating_mul(words);
                    if used > MAX_SCRATCH_WORDS {
                        return self.any_one_by_one(text);
                    }
                    *row_slot = scratch.spans.len();
                    scratch.spans.push((usize::MAX, 0, 0));
                    scratch.bits.resize(used, 0);
                }
                let row = *row_slot;
                let w = start / 64;
                if let Some(word) = scratch.bits.get_mut(row * words + w) {
                    *word |= 1 << (start % 64);
                }
                if let Some(span) = scratch.spans.get_mut(row) {
                    span.0 = span.0.min(w);
                    span.1 = span.1.max(w);
                    span.2 += 1;
                }
            }
        }
        let Scratch {
            bits,
            rows,
            spans,
            tried,
        } = scratch;
        let occurrences = Occurrences {
            bits,
            rows,
            spans,
            words,
            chars,
        };
        let pattern = |i: u32| self.patterns.get(i as usize);
        if self
            .singles
            .iter()
            .any(|&i| pattern(i).is_some_and(|p| occurrences.matches(p)))
        {
            return true;
        }
        tried.clear();
        tried.resize(self.patterns.len() / 64 + 1, 0);
        self.pairs.iter().any(|group| {
            let mut test = |i: u32| {
                let (word, bit) = (i as usize / 64, 1u64 << (i % 64));
                match tried.get_mut(word) {
                    Some(w) if *w & bit != 0 => return false,
                    Some(w) => *w |= bit,
                    None => {}
                }
                pattern(i).is_some_and(|p| occurrences.matches(p))
            };
            group.any(&occurrences, &mut test)
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{WildcardSet, glob_text};

    fn one_by_one(patterns: &[&str], text: &str) -> bool {
        patterns.iter().any(|p| glob_text(p, text, false))
    }

    fn check(patterns: &[&str], text: &str) {
        let set = WildcardSet::new(patterns.iter().copied()).unwrap();
        assert_eq!(
            set.any(text),
            one_by_one(patterns, text),
            "{patterns:?} / {text:?}"
        );
    }

    #[test]
    fn each_pattern_alone_agrees_with_the_one_pattern_matcher() {
        let patterns = [
            "", "*", "**", "?", "??", "a", "a*", "*a", "*a*", "a?c", "a*b?d*e", "*ab*ab", "ab*ba",
            "*a?b*", "é*ü", "?*", "*?", "a*a*a*b", "*aa*aa*", "*ab?cd*", "ab??cd", "*?é?*", "a**b",
            "*b*a*", "???*", "*???", "?a?", "*😀?*",
        ];
        let texts = [
            "",
            "a",
            "ab",
            "abc",
            "aabab",
            "aba_ba",
            "xxa-bzz",
            "éxyü",
            "aXXbcdYYe",
            "aaaaab",
            "AB",
            "ÉXYÜ",
            "aaaa",
            "abXcd",
            "abXYcd",
            "zzabzcdzz",
            "é",
            "xéy",
            "a😀bc",
            "ba",
        ];
        for p in patterns {
            for t in texts {
                check(&[p], t);
            }
        }
    }

    #[test]
    fn shared_literals_differ_by_their_gaps() {
        let patterns: Vec<String> = (0..40)
            .map(|i| format!("*ab{}cd*", "?".repeat(i)))
            .collect();
        let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
        let set = WildcardSet::new(refs.iter().copied()).unwrap();
        assert!(set.any(&format!("ab{}cd", "z".repeat(39))));
        assert!(set.any(&format!("xxab{}cdyy", "é".repeat(17))));
        assert!(!set.any(&format!("ab{}cd", "z".repeat(40))));
        assert!(!set.any(&format!("cd{}ab", "z".repeat(3))));
        assert!(!set.any(&format!("ab{}", "z".repeat(10_000))));
        // Many occurrences, none at a listed distance.
        let dense = format!("{}{}{}", "cd".repeat(500), "ab".repeat(500), "zz");
        assert!(!set.any(&dense));
        assert_eq!(set.any(&dense), one_by_one(&refs, &dense));
        // Texts past one word, with the match near the end.
        let far = format!("{}ab{}cd", "q".repeat(300), "?".repeat(35));
        assert!(set.any(&far));
        assert_eq!(set.len(), 40);
        // The second piece rarer (searched backward), its first occurrence too early for any
        // listed distance, the first piece's only fit at position 0.
        let gaps = WildcardSet::new(["*a???b*", "*a?????b*"]).unwrap();
        assert!(gaps.any("abaab"));
        assert!(!gaps.any("abaaxb"));
        // The first piece rarer (searched forward).
        assert!(gaps.any("xaxxxb"));
        assert!(!gaps.any("xaxxbx"));
    }

    #[test]
    fn the_scratch_budget_falls_back_to_one_pattern_at_a_time() {
        // 300 distinct pieces that all occur in a text of 260,000 characters: 300 rows of
        // 4,063 words, past the budget.
        let patterns: Vec<String> = (0..300).map(|i| format!("*<{i}>?q*")).collect();
        let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
        let set = WildcardSet::new(refs.iter().copied()).unwrap();
        let mut text = "z".repeat(260_000);
        for i in 0..300 {
            text.push_str(&format!("<{i}>"));
        }
        assert!(300 * (text.len() / 64 + 1) > super::MAX_SCRATCH_WORDS);
        assert!(!set.any(&text));
        assert!(!set.any_one_by_one(&text));
        text.push_str("<7>zq");
        assert!(set.any(&text));
        // Within the budget, the bit sets decide.
        assert!(set.any("<299>.q"));
        assert!(!set.any("<299>q"));
    }

    /// A character drawn from a small alphabet with wildcards, multi-byte characters and a
    /// four-byte one, so that literals collide often.
    fn pattern_char() -> impl Strategy<Value = char> {
        prop::sample::select(vec!['a', 'b', 'c', 'é', '😀', '*', '?', '*', '?'])
    }

    fn text_char() -> impl Strategy<Value = char> {
        prop::sample::select(vec!['a', 'b', 'c', 'é', '😀', 'x'])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// The set answers as trying each pattern with the one-pattern matcher does.
        #[test]
        fn set_agrees_with_the_one_pattern_matcher(
            patterns in prop::collection::vec(
                prop::collection::vec(pattern_char(), 0..12).prop_map(String::from_iter),
                1..10,
            ),
            texts in prop::collection::vec(
                prop::collection::vec(text_char(), 0..150).prop_map(String::from_iter),
                1..4,
            ),
        ) {
            let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
            let set = WildcardSet::new(refs.iter().copied()).unwrap();
            for text in &texts {
                prop_assert_eq!(set.any(text), one_by_one(&refs, text), "{:?} / {:?}", refs, text);
                // Each pattern alone, too (the set's answer for one pattern is that pattern's).
                for p in &refs {
                    let single = WildcardSet::new([*p]).unwrap();
                    prop_assert_eq!(single.any(text), glob_text(p, text, false), "{:?} / {:?}", p, text);
                }
            }
        }
    }
}
