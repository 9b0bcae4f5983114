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
//! When a text turns out to hold many occurrences (more than two per 64 characters) and the
//! list's distinct pieces hold at most 64 characters in all, the Aho-Corasick pass stops and
//! the bit sets are built bit-parallel instead: one pass over the text marks, per character of
//! the pieces, where it occurs; a piece's bit set is the AND of its characters' sets, the
//! `j`-th shifted by `j`. That costs `n + piece characters × n / 64` however dense the text.
//!
//! Cost for a text of n characters: the Aho-Corasick pass, O(n + occurrences) (or the
//! bit-parallel pass above); per group, the
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

/// Lists whose distinct pieces hold at most this many characters in all can also find them
/// bit-parallel from the text's characters, which costs `n + characters × n / 64` whatever
/// the number of occurrences: used once a text turns out to hold many.
const BIT_PARALLEL_CHARS: usize = 64;

/// Occurrences read by the automaton before its density so far may turn a text over to the
/// bit-parallel pass.
const EARLY_SWITCH: usize = 256;

/// [`CharTable::slot`] of a character in no piece: past every number (at most
/// [`BIT_PARALLEL_CHARS`]), so its bits go to a word that is never read.
const NO_SLOT: u8 = u8::MAX;

/// The distinct characters of the pieces (at most [`BIT_PARALLEL_CHARS`]), numbered, and each
/// piece as the numbers of its characters.
#[derive(Clone, Debug)]
struct CharTable {
    /// Number + 1 of each ASCII character (0: in no piece).
    ascii: [u8; 128],
    /// Number of each ASCII character, [`NO_SLOT`] for one in no piece.
    slot: [u8; 128],
    /// The other characters with their numbers, sorted.
    other: Box<[(char, u8)]>,
    count: usize,
    pieces: Box<[Box<[u8]>]>,
}

impl CharTable {
    fn new(pieces: &[&str]) -> Option<Self> {
        if pieces.iter().map(|p| p.chars().count()).sum::<usize>() > BIT_PARALLEL_CHARS {
            return None;
        }
        let mut table = Self {
            ascii: [0; 128],
            slot: [NO_SLOT; 128],
            other: Box::default(),
            count: 0,
            pieces: Box::default(),
        };
        let mut other: Vec<(char, u8)> = Vec::new();
        let mut coded = Vec::new();
        for piece in pieces {
            let mut codes = Vec::new();
            for c in piece.chars() {
                let code = match table.code(c, &other) {
                    Some(code) => code,
                    None => {
                        let code = u8::try_from(table.count).ok()?;
                        table.count += 1;
                        match usize::try_from(u32::from(c))
                            .ok()
                            .and_then(|i| table.ascii.get_mut(i))
                        {
                            Some(slot) => *slot = code.checked_add(1)?,
                            None => other.push((c, code)),
                        }
                        code
                    }
                };
                codes.push(code);
            }
            coded.push(codes.into_boxed_slice());
        }
        other.sort_unstable();
        for (slot, &number) in table.slot.iter_mut().zip(&table.ascii) {
            if let Some(code) = number.checked_sub(1) {
                *slot = code;
            }
        }
        table.other = other.into_boxed_slice();
        table.pieces = coded.into_boxed_slice();
        Some(table)
    }

    /// The number of `c` (`other` sorted or not: searched whole while building).
    #[inline]
    fn code(&self, c: char, other: &[(char, u8)]) -> Option<u8> {
        match usize::try_from(u32::from(c))
            .ok()
            .and_then(|i| self.ascii.get(i))
        {
            Some(&slot) => slot.checked_sub(1),
            None => other.iter().find(|(o, _)| *o == c).map(|&(_, code)| code),
        }
    }

    /// The number of `c` once built.
    #[inline]
    fn lookup(&self, c: char) -> Option<u8> {
        match usize::try_from(u32::from(c))
            .ok()
            .and_then(|i| self.ascii.get(i))
        {
            Some(&slot) => slot.checked_sub(1),
            None => self
                .other
                .binary_search_by_key(&c, |&(o, _)| o)
                .ok()
                .and_then(|at| self.other.get(at))
                .map(|&(_, code)| code),
        }
    }
}

/// Bits `64 w + offset ..= 64 w + offset + 63` of row `row` of `bits` (rows of `words` words),
/// as one word; zero past the end.
#[inline]
fn shifted_in(bits: &[u64], words: usize, row: usize, w: usize, offset: usize) -> u64 {
    let word = |w: usize| {
        if w >= words {
            return 0;
        }
        bits.get(row.saturating_mul(words).saturating_add(w))
            .copied()
            .unwrap_or_default()
    };
    let at = w.saturating_add(offset / 64);
    let shift = offset % 64;
    let low = word(at) >> shift;
    if shift == 0 {
        low
    } else {
        low | (word(at.saturating_add(1)) << (64 - shift))
    }
}

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
    /// The pieces' characters, when few enough to find the pieces bit-parallel.
    table: Option<CharTable>,
    /// The distinct pieces, by id.
    pieces: Box<[Box<str>]>,
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
    /// Bit-parallel path: a row per character of the [`CharTable`].
    chars: Vec<u64>,
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
        shifted_in(self.bits, self.words, row, w, offset)
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
            table: CharTable::new(&pieces),
            pieces: pieces.iter().map(|&p| Box::<str>::from(p)).collect(),
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

    /// Replaces the rows of `scratch` by the pieces' occurrences found bit-parallel: a row of
    /// positions per character of the [`CharTable`], then each piece's row as the AND of its
    /// characters' rows, the `j`-th shifted by `j`. False when the list has no table or the
    /// rows would pass the scratch budget.
    fn fill_bit_parallel(
        &self,
        text: &str,
        ascii: bool,
        words: usize,
        scratch: &mut Scratch,
    ) -> bool {
        let Some(table) = &self.table else {
            return false;
        };
        let rows = table.count.saturating_add(table.pieces.len());
        if rows.saturating_mul(words) > MAX_SCRATCH_WORDS {
            return false;
        }
        scratch.bits.clear();
        scratch.spans.clear();
        scratch.rows.fill(usize::MAX);
        let chars = &mut scratch.chars;
        chars.clear();
        chars.resize(table.count.saturating_mul(words), 0);
        if ascii {
            // 64 bytes at a time, each byte's bit set in its character's word without a
            // branch (a byte in no piece sets a bit of a word never read), then the words of
            // the piece characters stored.
            let mut acc = [0u64; 256];
            for (w, chunk) in text.as_bytes().chunks(64).enumerate() {
                for (j, &b) in chunk.iter().enumerate() {
                    let slot = table
                        .slot
                        .get(usize::from(b & 0x7f))
                        .copied()
                        .unwrap_or(u8::MAX);
                    if let Some(word) = acc.get_mut(usize::from(slot)) {
                        *word |= 1 << j;
                    }
                }
                for (code, word) in acc.iter_mut().take(table.count).enumerate() {
                    if let Some(out) = chars.get_mut(code * words + w) {
                        *out = *word;
                    }
                    *word = 0;
                }
            }
        } else {
            for (i, c) in text.chars().enumerate() {
                if let Some(code) = table.lookup(c) {
                    let at = usize::from(code) * words + i / 64;
                    if let Some(word) = chars.get_mut(at) {
                        *word |= 1 << (i % 64);
                    }
                }
            }
        }
        for (piece, codes) in table.pieces.iter().enumerate() {
            let row = scratch.spans.len();
            scratch.bits.resize((row + 1) * words, 0);
            let mut span = (usize::MAX, 0, 0);
            for w in 0..words {
                let mut x = u64::MAX;
                for (j, &code) in codes.iter().enumerate() {
                    x &= shifted_in(&scratch.chars, words, usize::from(code), w, j);
                    if x == 0 {
                        break;
                    }
                }
                if x != 0 {
                    span = (span.0.min(w), w, span.2 + x.count_ones() as usize);
                    if let Some(word) = scratch.bits.get_mut(row * words + w) {
                        *word = x;
                    }
                }
            }
            if span.2 == 0 {
                scratch.bits.truncate(row * words);
            } else if let Some(slot) = scratch.rows.get_mut(piece) {
                *slot = row;
                scratch.spans.push(span);
            }
        }
        true
    }

    /// Whether some pattern could match `text` at all, from the presence of literal pieces
    /// alone: false when there are no patterns tried one by one and every pair group lacks
    /// one of its two pieces (then no pattern of the set can match). Asked only of a few
    /// groups, each piece searched once with the standard library's substring search.
    fn could_match(&self, text: &str) -> bool {
        const FEW: usize = 8;
        if !self.singles.is_empty() || self.pairs.len() > FEW {
            return true;
        }
        let mut known: [(usize, bool); 2 * FEW] = [(usize::MAX, false); 2 * FEW];
        let mut occurs = |piece: usize| {
            if let Some(&(_, found)) = known.iter().find(|(p, _)| *p == piece) {
                return found;
            }
            let found = self.pieces.get(piece).is_none_or(|p| text.contains(&**p));
            if let Some(slot) = known.iter_mut().find(|(p, _)| *p == usize::MAX) {
                *slot = (piece, found);
            }
            found
        };
        self.pairs
            .iter()
            .any(|group| occurs(group.first) && occurs(group.second))
    }

    fn any_with(&self, text: &str, scratch: &mut Scratch) -> bool {
        if !self.could_match(text) {
            return false;
        }
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
            // Past two occurrences per word of text, finding the pieces bit-parallel costs
            // less (when the list allows it).
            let limit = match self.table {
                Some(_) => words.saturating_mul(2),
                None => usize::MAX,
            };
            for (seen, m) in found.enumerate() {
                // Also once the text read so far holds more than two occurrences per word
                // (past a few hundred): text dense from its start does not pay the
                // automaton for a whole quota of occurrences first.
                if seen >= limit
                    || (seen >= EARLY_SWITCH
                        && seen.saturating_mul(32) > m.end()
                        && limit != usize::MAX)
                {
                    if !self.fill_bit_parallel(text, ascii, words, scratch) {
                        return self.any_one_by_one(text);
                    }
                    break;
                }
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
            ..
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
    fn a_group_lacking_a_piece_is_ruled_out_before_any_pass() {
        // No pattern without a pair of pieces: the presence of `ab` and `cd` decides first.
        let patterns: Vec<String> = (1..40)
            .map(|i| format!("*ab{}cd*", "?".repeat(i)))
            .collect();
        let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
        let set = WildcardSet::new(refs.iter().copied()).unwrap();
        for text in [
            format!("ab{}", "z".repeat(5_000)),
            "ab".repeat(2_000),
            format!("{}ab", "cd".repeat(100)),
            format!("ab{}cd", "z".repeat(40)),
            format!("ab{}cd", "é".repeat(39)),
            format!("{}ab{}cd", "ab".repeat(300), "z".repeat(7)),
        ] {
            assert_eq!(set.any(&text), one_by_one(&refs, &text), "{text:?}");
        }
        assert!(!set.could_match("abzzz"));
        assert!(set.could_match("abzcd"));
        assert!(set.any(&format!("ab{}cd", "é".repeat(39))));
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

    #[test]
    fn text_dense_from_its_start_turns_to_the_bit_parallel_pass() {
        // Past 256 occurrences at more than two per word, the automaton stops; the answer is
        // the one-pattern matcher's wherever the match sits, across 64-byte chunks.
        let patterns: Vec<String> = (1..30)
            .map(|i| format!("*ab{}cd*", "?".repeat(i)))
            .collect();
        let refs: Vec<&str> = patterns.iter().map(String::as_str).collect();
        let set = WildcardSet::new(refs.iter().copied()).unwrap();
        let dense = "ab".repeat(400);
        for tail in [
            String::new(),
            format!("{}cd", "z".repeat(31)),
            format!("{}cd", "z".repeat(40)),
            format!("{}cd", "é".repeat(5)),
            format!(
                "{}ab{}cd{}",
                "z".repeat(1_000),
                "q".repeat(12),
                "z".repeat(63)
            ),
            "cd".repeat(400),
        ] {
            for head in ["", "z", "zzzzzzz", "é"] {
                let text = format!("{head}{dense}{tail}");
                assert_eq!(set.any(&text), one_by_one(&refs, &text), "{text:?}");
            }
        }
        assert!(set.any(&format!("{dense}{}cd", "z".repeat(27))));
        assert!(!set.any(&format!("{dense}{}cd", "z".repeat(40))));
        // Every length around a chunk's end, the match at the very end.
        for len in 60..140 {
            let text = format!("{}ab?cd", "ab".repeat(len));
            let text = text.replace('?', "z");
            assert!(set.any(&text), "{len}");
            assert!(!set.any(text.strip_suffix('d').unwrap()), "{len}");
        }
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
