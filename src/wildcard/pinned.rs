//! A wildcard pattern decided at the occurrences of one of its literals.
//!
//! Cut a pattern at the stars around the star-free segment `S` that holds a literal `K`
//! (`S = A K R`, `A` and `R` literal text and `?`): `B*S*Q`, where `B` (the pattern before,
//! stars and all) is absent when `S` is the first segment (anchored at the start of the text)
//! and `Q` (the pattern after) absent when `S` is the last (anchored at the end). The pattern
//! matches a text exactly when `S` occurs at some `[s, t)` with `B*` matching the text before
//! `s` and `*Q` the text from `t` on. Neither side depends on where `S` lies but through `s`
//! and `t`, and each is monotone: `B*` matches before `s` exactly when `s` is at or past the
//! earliest end of `B` ([`super::text_front`]: its segments placed leftmost, as the segment
//! algorithm of [`super::glob_text`] places them), and `*Q` from `t` exactly when `t` is at
//! or before the latest start of `Q` ([`super::text_back`], the mirror). Those two bounds, the
//! pattern's [`Window`] in a text, are found once per text; every occurrence of `S` then puts
//! `K` at one of `K`'s occurrences, so an owner that already finds every occurrence of `K`
//! (an Aho-Corasick walk over the text) decides the pattern by checking `A` before and `R`
//! after each of them and comparing the ends with the window, O(|A| + |R|) per occurrence,
//! instead of a search of its own over the whole text.
//!
//! With one floating segment (`F*S*L`) the window is where `F` ends and `L` starts; with more
//! (`*K?x*y*`), the leftmost occurrence of `S` that fits decides, since `*Q` matching from an
//! earlier `t` leaves it more text (the greedy argument of the segment algorithm). The window
//! depends only on the texts of `B` and `Q` ([`Pinned::frame`]), so an owner can share it
//! between patterns that have the same.
//!
//! [`Pinned::window`] finds the window once per text; [`Pinned::at`] checks one occurrence.
//! Same semantics as the one-pattern matcher (case-sensitive; `?` one character), which a
//! property test checks.

use std::ops::Range;

use super::{text_back, text_front, text_seg_back, text_seg_front};

/// A pattern pinned to one of its literals (module docs).
#[derive(Clone, Debug)]
pub(crate) struct Pinned {
    /// `B`, when the pinned segment is not the first (`None`: it is anchored at the start).
    first: Option<Box<str>>,
    /// `Q`, when the pinned segment is not the last (`None`: it is anchored at the end).
    last: Option<Box<str>>,
    /// `A`: the segment's text before the literal.
    before: Box<str>,
    /// `R`: the segment's text after the literal.
    after: Box<str>,
    /// The literal's length in bytes.
    literal: usize,
    /// `A` and `R` for ASCII text, where a `?` is one byte.
    ascii_before: Fixed,
    ascii_after: Fixed,
    /// The distinct bytes of the literal text of `B`'s segments after its first and of `Q`'s
    /// before its last (the floating ones, which [`Pinned::window`] searches the text for),
    /// sorted: a text lacking one of them has no window.
    needs: Box<[u8]>,
}

/// Which bytes a text holds, each found on demand and remembered for the text: a `memchr`
/// search per byte asked about, and past [`Present::SEARCHES`] of them one pass that notes
/// every byte (so a text costs at most a few passes, however many bytes are asked about).
#[derive(Clone, Debug, Default)]
pub(crate) struct Present {
    /// Bytes whose presence is known (one bit each).
    known: [u64; 4],
    /// Bytes known to be in the text.
    held: [u64; 4],
    /// Searches so far in this text.
    searches: u32,
}

impl Present {
    /// Searches of one byte each before a whole pass.
    const SEARCHES: u32 = 8;

    /// Forgets the previous text.
    pub(crate) fn clear(&mut self) {
        *self = Self::default();
    }

    /// Whether `text` (the same text since the last [`clear`](Self::clear)) holds `byte`.
    pub(crate) fn has(&mut self, text: &[u8], byte: u8) -> bool {
        let (word, bit) = (usize::from(byte / 64), 1u64 << (byte % 64));
        let known = self.known.get(word).is_some_and(|w| w & bit != 0);
        if !known {
            if self.searches >= Self::SEARCHES {
                for &b in text {
                    if let Some(w) = self.held.get_mut(usize::from(b / 64)) {
                        *w |= 1 << (b % 64);
                    }
                }
                self.known = [u64::MAX; 4];
            } else {
                self.searches += 1;
                if memchr::memchr(byte, text).is_some()
                    && let Some(w) = self.held.get_mut(word)
                {
                    *w |= bit;
                }
                if let Some(w) = self.known.get_mut(word) {
                    *w |= bit;
                }
            }
        }
        self.held.get(word).is_some_and(|w| w & bit != 0)
    }
}

/// Star-free pattern text read as bytes of ASCII text: its length (a `?` is one byte) and its
/// literal pieces with their offsets.
#[derive(Clone, Debug, Default)]
struct Fixed {
    len: usize,
    pieces: Box<[(usize, Box<[u8]>)]>,
}

impl Fixed {
    fn new(seg: &str) -> Self {
        let mut len = 0;
        let mut pieces = Vec::new();
        for (i, lit) in seg.split('?').enumerate() {
            if i > 0 {
                len += 1;
            }
            if !lit.is_empty() {
                pieces.push((len, Box::from(lit.as_bytes())));
                // A non-ASCII character in the segment: still its bytes (no ASCII text holds
                // them, so the check fails as the matcher would).
                len += lit.len();
            }
        }
        Self {
            len,
            pieces: pieces.into_boxed_slice(),
        }
    }

    /// Whether the segment matches ASCII `text` at byte `at`.
    #[inline]
    fn at(&self, text: &[u8], at: usize) -> bool {
        at.checked_add(self.len)
            .is_some_and(|end| end <= text.len())
            && self.pieces.iter().all(|(offset, lit)| {
                let from = at + offset;
                text.get(from) == lit.first() && text.get(from..from + lit.len()) == Some(lit)
            })
    }
}

/// Where the pinned segment may lie in one text: it must start at or after `start` (the
/// earliest end of `B`) and end at or before `end` (the latest start of `Q`), in bytes; for an
/// anchored side, exactly at the text's start or end.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Window {
    start: usize,
    end: usize,
}

impl Window {
    /// The window from byte `start` to byte `end`.
    pub(super) fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// Where the segment may start (the earliest end of `B`).
    pub(crate) fn start(self) -> usize {
        self.start
    }

    /// Where the segment may end (the latest start of `Q`).
    pub(crate) fn end(self) -> usize {
        self.end
    }
}

impl Pinned {
    /// The pattern `pattern` pinned to its literal at bytes `literal`, a run of literal text
    /// (no `*`, `?`); `None` when the range is not such a run.
    pub(crate) fn new(pattern: &str, literal: Range<usize>) -> Option<Self> {
        let key = pattern.get(literal.clone())?;
        if key.is_empty() || key.contains(['*', '?']) {
            return None;
        }
        let head = pattern.get(..literal.start)?;
        let tail = pattern.get(literal.end..)?;
        // The segment holding the literal: from the star before it to the star after it.
        let (first, before) = match head.rfind('*') {
            Some(star) => (Some(head.get(..star)?), head.get(star + 1..)?),
            None => (None, head),
        };
        let (after, last) = match tail.find('*') {
            Some(star) => (tail.get(..star)?, Some(tail.get(star + 1..)?)),
            None => (tail, None),
        };
        // Runs of stars are one star.
        let first = first.map(|f| f.trim_end_matches('*'));
        let last = last.map(|l| l.trim_start_matches('*'));
        let floating_front = first.into_iter().flat_map(|f| f.split('*').skip(1));
        let floating_back = last.into_iter().flat_map(|l| l.rsplit('*').skip(1));
        let mut needs: Vec<u8> = floating_front
            .chain(floating_back)
            .flat_map(str::bytes)
            .filter(|&b| b != b'?')
            .collect();
        needs.sort_unstable();
        needs.dedup();
        Some(Self {
            first: first.map(Box::from),
            last: last.map(Box::from),
            before: before.into(),
            after: after.into(),
            literal: key.len(),
            ascii_before: Fixed::new(before),
            ascii_after: Fixed::new(after),
            needs: needs.into_boxed_slice(),
        })
    }

    /// The distinct bytes of the literal text of the floating segments of `B` and `Q`, sorted
    /// (every text the pattern matches holds them all).
    pub(crate) fn needs(&self) -> &[u8] {
        &self.needs
    }

    /// False when `text` lacks a byte of the literal text of a floating segment of `B` or
    /// `Q`: then the pattern has no window in it (a necessary condition, decided in a few
    /// look-ups once `present` knows the bytes; true says nothing).
    pub(crate) fn possible(&self, text: &str, present: &mut Present) -> bool {
        self.needs.iter().all(|&b| present.has(text.as_bytes(), b))
    }

    /// `B` and `Q` (module docs): patterns with the same have the same window in every text.
    pub(crate) fn frame(&self) -> (Option<&str>, Option<&str>) {
        (self.first.as_deref(), self.last.as_deref())
    }

    /// For a pattern whose pinned segment starts with its literal and floats at the start
    /// (`*K R…`): `R` and `L` (`None`: anchored at the end). Its check at an occurrence reads
    /// only what follows the occurrence's end, so two such patterns with equal `R` and `L`
    /// answer alike at every position where both their literals end.
    pub(crate) fn end_only(&self) -> Option<(&str, Option<&str>)> {
        (self.before.is_empty() && self.first.as_deref() == Some(""))
            .then_some((&*self.after, self.last.as_deref()))
    }

    /// A byte that ASCII text must hold at a fixed distance after an occurrence's end for the
    /// pattern to match there: `(distance, byte)`, from the first literal piece of `R`. Lets an
    /// owner pass over most occurrences with one comparison.
    pub(crate) fn quick(&self) -> Option<(usize, u8)> {
        let (offset, lit) = self.ascii_after.pieces.first()?;
        Some((*offset, *lit.first()?))
    }

    /// Where the pinned segment may lie in `text`: `None` when no prefix of the text matches
    /// `B*`, no suffix `*Q`, or they overlap (then the pattern matches nowhere). Costs a
    /// search of the text for each segment of `B` and `Q` after the anchored ones.
    pub(crate) fn window(&self, text: &str) -> Option<Window> {
        let start = match &self.first {
            Some(first) => text.len() - text_front(first, text, false)?.len(),
            None => 0,
        };
        let end = match &self.last {
            Some(last) => text_back(last, text, false)?.len(),
            None => text.len(),
        };
        (start <= end).then_some(Window { start, end })
    }

    /// Whether the pattern matches `text` with its literal at the occurrence ending at byte
    /// `end`, given the text's [`window`](Self::window); `ascii` says whether the text is
    /// ASCII (then a `?` is one byte and the check reads bytes at fixed offsets).
    #[inline]
    pub(crate) fn at(&self, text: &str, ascii: bool, end: usize, window: Window) -> bool {
        let Some(start) = end.checked_sub(self.literal) else {
            return false;
        };
        let (from, to) = if ascii {
            let bytes = text.as_bytes();
            let Some(from) = start.checked_sub(self.ascii_before.len) else {
                return false;
            };
            if !self.ascii_after.at(bytes, end) || !self.ascii_before.at(bytes, from) {
                return false;
            }
            (from, end + self.ascii_after.len)
        } else {
            let (Some(head), Some(tail)) = (text.get(..start), text.get(end..)) else {
                return false;
            };
            let Some(head) = text_seg_back(&self.before, head, false) else {
                return false;
            };
            let Some(tail) = text_seg_front(&self.after, tail, false) else {
                return false;
            };
            (head.len(), text.len() - tail.len())
        };
        let starts = if self.first.is_some() {
            from >= window.start
        } else {
            from == 0
        };
        let ends = if self.last.is_some() {
            to <= window.end
        } else {
            to == text.len()
        };
        starts && ends
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Pinned, Present};
    use crate::wildcard::glob_text;

    /// The pinned answer: the bytes the floating segments need, the window, then every
    /// occurrence of the literal.
    fn pinned(p: &Pinned, key: &str, text: &str) -> bool {
        if !p.possible(text, &mut Present::default()) {
            return false;
        }
        let Some(window) = p.window(text) else {
            return false;
        };
        // Every occurrence, overlapping ones included.
        (0..=text.len())
            .filter(|&at| text.get(at..).is_some_and(|t| t.starts_with(key)))
            .any(|at| p.at(text, text.is_ascii(), at + key.len(), window))
    }

    #[test]
    fn shapes() {
        let cases = [
            ("*5?x*", 1..2, "1235x5yx", true),
            ("*5?x*", 1..2, "12x5x5", false),
            ("a*5?x", 2..3, "aa5yx", true),
            ("a*5?x", 2..3, "a5yxz", false),
            ("5?x*b", 0..1, "5yxb", true),
            ("5?x*b", 0..1, "5yx", false),
            ("?5?", 1..2, "é5é", true),
            ("?5?", 1..2, "é5éé", false),
            ("ab*?c*?d", 4..5, "abxcyd", true),
            ("ab*?c*?d", 4..5, "abcd", false),
            ("ab**c**d", 4..5, "abcd", true),
            // Floating segments after the key: the leftmost fitting occurrence decides.
            ("*5?x*y*", 1..2, "5ax5bxy", true),
            ("*5?x*y*", 1..2, "y5ax", false),
            ("*5?x*y*", 1..2, "5axy5bx", true),
            ("*5?x*y*?", 1..2, "5axy", false),
            ("*5?x*y*z", 1..2, "5axyz", true),
            ("*5?x*y*z", 1..2, "5axzy", false),
            ("5?x*y*", 0..1, "5axy", true),
            ("5?x*y*", 0..1, "a5axy", false),
            // Floating segments before the key, and on both sides.
            ("*a?b*5?x*", 5..6, "5axab5cx", false),
            ("*a?b*5?x*", 5..6, "5cxaéb5cx", true),
            ("q*a*5*b*r", 4..5, "qa5br", true),
            ("q*a*5*b*r", 4..5, "qb5ar", false),
            ("q*a*5*b*r", 4..5, "qa5r", false),
            ("*é?*5é*?é*", 6..8, "éé5éé", false),
            ("*é?*5é*?é*", 6..8, "éé5éxé", true),
            ("*é?*5é*?é*", 6..8, "é5éé5é5éxé", true),
        ];
        for (pattern, key, text, want) in cases {
            let p = Pinned::new(pattern, key.clone()).unwrap();
            let lit = pattern.get(key).unwrap();
            assert_eq!(pinned(&p, lit, text), want, "{pattern} {text}");
            assert_eq!(glob_text(pattern, text, false), want, "{pattern} {text}");
        }
        assert!(Pinned::new("*5?x*", 0..2).is_none());
    }

    #[test]
    fn a_text_lacking_a_floating_byte_has_no_window() {
        // `*1?x*` before the key `y1`: a text without `x` (or `1`) cannot place it.
        let p = Pinned::new("*1?x*y1*", 5..7).unwrap();
        assert!(!p.possible("1ay1y1", &mut Present::default()));
        assert!(!p.possible("xay", &mut Present::default()));
        assert!(p.possible("1?xy1", &mut Present::default()));
        // `?` and the anchored ends (`a`, `b`) need no byte; the floating `?é` needs `é`.
        let p = Pinned::new("a*?é*5*?*b", 6..7).unwrap();
        assert!(!p.possible("a5b", &mut Present::default()));
        assert!(p.possible("aé5b", &mut Present::default()));
        assert!(p.possible("éé", &mut Present::default()));
        // Past a few searches, one pass notes every byte; the answers stay the same.
        let mut present = Present::default();
        let text = b"abcdefgh-xyz";
        for b in 0..=255u8 {
            assert_eq!(present.has(text, b), text.contains(&b), "{b}");
        }
        for b in (0..=255u8).rev() {
            assert_eq!(present.has(text, b), text.contains(&b), "{b}");
        }
        assert!(Pinned::new("*5?x*", 2..2).is_none());
    }

    fn pattern_char() -> impl Strategy<Value = char> {
        prop::sample::select(vec!['a', 'b', 'é', '*', '?', '*', '?'])
    }

    fn text_char() -> impl Strategy<Value = char> {
        prop::sample::select(vec!['a', 'b', 'é', 'x'])
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Pinned to any run of literal text, a pattern answers as the one-pattern matcher
        /// does, however many floating segments it has on either side of the pinned one.
        #[test]
        fn pinned_agrees_with_the_one_pattern_matcher(
            pattern in prop::collection::vec(pattern_char(), 1..14).prop_map(String::from_iter),
            pick in any::<prop::sample::Index>(),
            texts in prop::collection::vec(
                prop::collection::vec(text_char(), 0..24).prop_map(String::from_iter),
                1..6,
            ),
        ) {
            // Every maximal run of literal text; pin one.
            let mut runs = Vec::new();
            let mut start = None;
            for (i, c) in pattern.char_indices().chain([(pattern.len(), '*')]) {
                match (c == '*' || c == '?', start) {
                    (true, Some(s)) => {
                        runs.push(s..i);
                        start = None;
                    }
                    (false, None) => start = Some(i),
                    _ => {}
                }
            }
            if runs.is_empty() {
                return Ok(());
            }
            let run = runs[pick.index(runs.len())].clone();
            let Some(p) = Pinned::new(&pattern, run.clone()) else {
                return Ok(());
            };
            let key = pattern.get(run).unwrap();
            for text in &texts {
                prop_assert_eq!(
                    pinned(&p, key, text),
                    glob_text(&pattern, text, false),
                    "{:?} / {:?}", pattern, text
                );
            }
        }
    }
}
