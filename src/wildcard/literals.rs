//! Many literal texts found in one pass over a text: an Aho-Corasick automaton of the
//! `aho-corasick` crate, walked here byte by byte (with the crate's prefilter to skip text
//! that holds no literal) so that an occurrence costs a few instructions rather than a call
//! of the crate's overlapping iterator.
//!
//! [`Literals::each_distinct`] reports each literal that occurs once, and costs
//! O(n + literals reported) for a text of n bytes however many times the literals occur and
//! however they nest: at a position where several literals end, each is a suffix of the
//! longest, and a literal once reported had all its own suffix literals reported with it
//! (they occurred at the same place), so a position whose longest literal was reported is
//! passed over in O(1). What lets that be checked without trusting the order in which the
//! automaton lists a state's literals: each literal knows how many literals are suffixes of
//! it (itself included) and the longest of them shorter than itself, so when the first
//! literal a state lists has as many suffix literals as the state lists in all, it is the
//! longest, and the chain of shorter ones names the rest. Otherwise (not expected) every
//! literal of the state is read.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::nfa::{contiguous, noncontiguous};
use aho_corasick::{Anchored, Span};

/// Up to this many literals, the automaton is a DFA (one table look-up per byte); past it a
/// contiguous NFA, whose memory stays near the literals' size (the crate's own choice)...
const DFA_UP_TO: usize = 100;

/// ... unless the DFA's table would stay under this many bytes: at most one state per byte
/// of the literals, each a row of 4-byte entries, one per class of bytes (the distinct bytes
/// of the literals and one for the rest, rounded up to a power of two). A DFA costs a few
/// instructions per byte of text, the NFA several times that (text that keeps the walk away
/// from the start state, such as digits against numeric keys, pays it at every byte).
const DFA_TABLE_BYTES: usize = 1 << 20;

/// Whether the DFA of `literals` fits [`DFA_TABLE_BYTES`] (an upper bound of its table).
fn dfa_fits(literals: &[&[u8]]) -> bool {
    let mut bytes = [false; 256];
    let mut total = 1usize;
    for literal in literals {
        total = total.saturating_add(literal.len());
        for &b in *literal {
            if let Some(seen) = bytes.get_mut(usize::from(b)) {
                *seen = true;
            }
        }
    }
    let classes = (bytes.iter().filter(|&&b| b).count() + 1).next_power_of_two();
    total.saturating_mul(classes).saturating_mul(4) <= DFA_TABLE_BYTES
}

/// No shorter literal.
const NONE: u32 = u32::MAX;

#[derive(Clone, Debug)]
enum Machine {
    Dfa(DFA),
    Contiguous(contiguous::NFA),
    Noncontiguous(noncontiguous::NFA),
}

/// Distinct literal texts, numbered in the order given (module docs).
#[derive(Clone, Debug)]
pub(crate) struct Literals {
    machine: Machine,
    /// Per literal: how many literals are suffixes of it (itself included).
    family: Box<[u32]>,
    /// Per literal: the longest literal that is a proper suffix of it, or [`NONE`].
    shorter: Box<[u32]>,
    /// The longest literal's length in bytes.
    longest: usize,
    /// The bytes some literal ends with (one bit per byte value).
    last_bytes: [u64; 4],
}

/// Calls `f(end, state)` at every byte position where the automaton enters a match state,
/// `end` the byte offset just past the position; stops when `f` returns true (and says so).
#[inline(always)]
fn walk<A: Automaton>(
    aut: &A,
    text: &[u8],
    mut f: impl FnMut(usize, aho_corasick::automaton::StateID) -> bool,
) -> bool {
    let Ok(mut sid) = aut.start_state(Anchored::No) else {
        return false;
    };
    let pre = aut.prefilter();
    let mut at = 0;
    while let Some(&byte) = text.get(at) {
        sid = aut.next_state(Anchored::No, sid, byte);
        if aut.is_special(sid) {
            if aut.is_dead(sid) {
                return false;
            } else if aut.is_match(sid) {
                if f(at + 1, sid) {
                    return true;
                }
            } else if let Some(pre) = pre {
                // A start state with a prefilter active: skip to the next candidate.
                match pre.find_in(text, Span::from(at..text.len())).into_option() {
                    None => return false,
                    Some(next) if next > at => {
                        at = next;
                        continue;
                    }
                    Some(_) => {}
                }
            }
        }
        at += 1;
    }
    false
}

impl Literals {
    /// The automaton of `literals` (distinct, non-empty texts); `None` when the crate cannot
    /// build one, or a literal repeats or is empty.
    pub(crate) fn new(literals: &[&[u8]]) -> Option<Self> {
        if literals.iter().any(|l| l.is_empty()) {
            return None;
        }
        let machine = if literals.len() <= DFA_UP_TO || dfa_fits(literals) {
            Machine::Dfa(DFA::new(literals).ok()?)
        } else {
            match contiguous::NFA::new(literals) {
                Ok(nfa) => Machine::Contiguous(nfa),
                Err(_) => Machine::Noncontiguous(noncontiguous::NFA::new(literals).ok()?),
            }
        };
        let mut family = Vec::with_capacity(literals.len());
        let mut shorter = Vec::with_capacity(literals.len());
        for (id, literal) in literals.iter().enumerate() {
            // The state after the whole literal lists every literal that is a suffix of it.
            let (count, next) = match &machine {
                Machine::Dfa(a) => Self::suffixes(a, literal, id, literals)?,
                Machine::Contiguous(a) => Self::suffixes(a, literal, id, literals)?,
                Machine::Noncontiguous(a) => Self::suffixes(a, literal, id, literals)?,
            };
            family.push(count);
            shorter.push(next);
        }
        Some(Self {
            machine,
            family: family.into_boxed_slice(),
            shorter: shorter.into_boxed_slice(),
            longest: literals.iter().map(|l| l.len()).max().unwrap_or_default(),
            last_bytes: literals
                .iter()
                .filter_map(|l| l.last())
                .fold([0; 4], |mut bits, &b| {
                    if let Some(w) = bits.get_mut(usize::from(b / 64)) {
                        *w |= 1 << (b % 64);
                    }
                    bits
                }),
        })
    }

    /// How many literals are suffixes of literal `id` (itself included) and the longest
    /// shorter one; `None` when the literal does not end in a state that lists itself (a
    /// repeated literal).
    fn suffixes<A: Automaton>(
        aut: &A,
        literal: &[u8],
        id: usize,
        literals: &[&[u8]],
    ) -> Option<(u32, u32)> {
        let mut sid = aut.start_state(Anchored::No).ok()?;
        for &b in literal {
            sid = aut.next_state(Anchored::No, sid, b);
        }
        if !aut.is_match(sid) {
            return None;
        }
        let count = aut.match_len(sid);
        let mut itself = false;
        let mut best: Option<(usize, u32)> = None;
        for i in 0..count {
            let other = aut.match_pattern(sid, i).as_usize();
            if other == id {
                itself = true;
                continue;
            }
            let len = literals.get(other)?.len();
            if len >= literal.len() {
                // Another literal as long that ends here: the same text twice.
                return None;
            }
            if best.is_none_or(|(l, _)| len > l) {
                best = Some((len, u32::try_from(other).ok()?));
            }
        }
        if !itself {
            return None;
        }
        Some((u32::try_from(count).ok()?, best.map_or(NONE, |(_, o)| o)))
    }

    /// How many literals there are.
    pub(crate) fn len(&self) -> usize {
        self.family.len()
    }

    /// Calls `f(end, id)` for every occurrence of every literal (`end`: the byte offset just
    /// past it), by increasing `end`; stops when `f` returns true (and says so). Checks the
    /// walk in tests.
    #[cfg(test)]
    pub(crate) fn each(&self, text: &[u8], mut f: impl FnMut(usize, usize) -> bool) -> bool {
        fn run<A: Automaton>(
            aut: &A,
            text: &[u8],
            f: &mut impl FnMut(usize, usize) -> bool,
        ) -> bool {
            walk(aut, text, |end, sid| {
                (0..aut.match_len(sid)).any(|i| f(end, aut.match_pattern(sid, i).as_usize()))
            })
        }
        match &self.machine {
            Machine::Dfa(a) => run(a, text, &mut f),
            Machine::Contiguous(a) => run(a, text, &mut f),
            Machine::Noncontiguous(a) => run(a, text, &mut f),
        }
    }

    /// The longest literal that is a proper suffix of literal `id`, if any.
    pub(crate) fn shorter(&self, id: usize) -> Option<usize> {
        match self.shorter.get(id) {
            Some(&next) if next != NONE => Some(next as usize),
            _ => None,
        }
    }

    /// Calls `f(end, id)` at every position where literals end (`end`: the byte offset just
    /// past it), by increasing `end`, with the longest literal ending there: the others ending
    /// there are its chain of [`shorter`](Self::shorter) literals. Stops when `f` returns true
    /// (and says so). O(n + positions). (Should the automaton list a state's literals so that
    /// the longest cannot be told, `f` is called for each literal listed: each chain then
    /// names literals ending there, and together they name them all.)
    pub(crate) fn each_longest(
        &self,
        text: &[u8],
        mut f: impl FnMut(usize, usize) -> bool,
    ) -> bool {
        fn run<A: Automaton>(
            aut: &A,
            family: &[u32],
            text: &[u8],
            f: &mut impl FnMut(usize, usize) -> bool,
        ) -> bool {
            // The last match state whose first literal was the longest, and that literal: text
            // dense in one literal enters the same state again and again, and its literal is
            // then known without reading the automaton's match lists.
            let mut last: Option<(StateID, usize)> = None;
            walk(aut, text, |end, sid| {
                if let Some((state, first)) = last
                    && state == sid
                {
                    return f(end, first);
                }
                let len = aut.match_len(sid);
                let first = aut.match_pattern(sid, 0).as_usize();
                if family.get(first).is_some_and(|&n| n as usize == len) {
                    last = Some((sid, first));
                    f(end, first)
                } else {
                    (0..len).any(|i| f(end, aut.match_pattern(sid, i).as_usize()))
                }
            })
        }
        match &self.machine {
            Machine::Dfa(a) => run(a, &self.family, text, &mut f),
            Machine::Contiguous(a) => run(a, &self.family, text, &mut f),
            Machine::Noncontiguous(a) => run(a, &self.family, text, &mut f),
        }
    }

    /// The longest literal's length in bytes.
    pub(crate) fn longest(&self) -> usize {
        self.longest
    }

    /// Whether a literal may end at byte offset `end` of `text`: false when the byte before
    /// ends no literal (one look-up).
    #[inline]
    pub(crate) fn may_end_at(&self, text: &[u8], end: usize) -> bool {
        end.checked_sub(1)
            .and_then(|at| text.get(at))
            .and_then(|&b| {
                self.last_bytes
                    .get(usize::from(b / 64))
                    .map(|w| (w, b % 64))
            })
            .is_some_and(|(w, bit)| w & (1 << bit) != 0)
    }

    /// Calls `f(id)` as [`each_longest`](Self::each_longest) would at byte offset `end` of
    /// `text` (nothing when no literal ends there), reading only the [`longest`](Self::longest)
    /// bytes before it: the automaton's state at a position depends on no more of the text.
    /// A byte that ends no literal is told in one look-up. Whether `f` returned true.
    pub(crate) fn ending_at(
        &self,
        text: &[u8],
        end: usize,
        mut f: impl FnMut(usize) -> bool,
    ) -> bool {
        fn run<A: Automaton>(
            aut: &A,
            family: &[u32],
            window: &[u8],
            f: &mut impl FnMut(usize) -> bool,
        ) -> bool {
            let Ok(mut sid) = aut.start_state(Anchored::No) else {
                return false;
            };
            for &byte in window {
                sid = aut.next_state(Anchored::No, sid, byte);
            }
            if !aut.is_match(sid) {
                return false;
            }
            let len = aut.match_len(sid);
            let first = aut.match_pattern(sid, 0).as_usize();
            if family.get(first).is_some_and(|&n| n as usize == len) {
                f(first)
            } else {
                (0..len).any(|i| f(aut.match_pattern(sid, i).as_usize()))
            }
        }
        if !self.may_end_at(text, end) {
            return false;
        }
        let Some(window) = text.get(end.saturating_sub(self.longest)..end) else {
            return false;
        };
        match &self.machine {
            Machine::Dfa(a) => run(a, &self.family, window, &mut f),
            Machine::Contiguous(a) => run(a, &self.family, window, &mut f),
            Machine::Noncontiguous(a) => run(a, &self.family, window, &mut f),
        }
    }

    /// Calls `f(id)` once for each literal that occurs in `text`, until `f` returns true (and
    /// says so) or every literal has been reported. `seen` is scratch space (one bit per
    /// literal), cleared here. O(n + literals reported) (module docs).
    pub(crate) fn each_distinct(
        &self,
        text: &[u8],
        seen: &mut Vec<u64>,
        mut f: impl FnMut(usize) -> bool,
    ) -> bool {
        seen.clear();
        seen.resize(self.len() / 64 + 1, 0);
        let mut left = self.len();
        // Marks `id` seen; false when it already was.
        let mark = |seen: &mut Vec<u64>, id: usize| -> bool {
            match seen.get_mut(id / 64) {
                Some(w) if *w & (1 << (id % 64)) != 0 => false,
                Some(w) => {
                    *w |= 1 << (id % 64);
                    true
                }
                None => false,
            }
        };
        // Returns Some(answer) to stop the walk.
        let mut visit =
            |list_len: usize, first: usize, nth: &dyn Fn(usize) -> usize| -> Option<bool> {
                let family = self.family.get(first).copied().unwrap_or(0) as usize;
                if family == list_len {
                    // `first` is the longest: it and its chain of shorter literals are the list;
                    // the chain stops at the first literal already seen (its own were seen).
                    let mut id = first;
                    loop {
                        if !mark(seen, id) {
                            break;
                        }
                        if f(id) {
                            return Some(true);
                        }
                        left -= 1;
                        match self.shorter.get(id) {
                            Some(&next) if next != NONE => id = next as usize,
                            _ => break,
                        }
                    }
                } else {
                    for i in 0..list_len {
                        let id = nth(i);
                        if mark(seen, id) {
                            if f(id) {
                                return Some(true);
                            }
                            left -= 1;
                        }
                    }
                }
                // Every literal reported: the rest of the text can add nothing.
                (left == 0).then_some(false)
            };
        fn run<A: Automaton>(
            aut: &A,
            text: &[u8],
            visit: &mut impl FnMut(usize, usize, &dyn Fn(usize) -> usize) -> Option<bool>,
        ) -> bool {
            let mut answer = false;
            // The last match state visited: every literal it lists has been reported since
            // (visiting it marks them all, or stops the walk), so entering it again reports
            // nothing. Text dense in a literal already reported costs the walk alone.
            let mut done: Option<StateID> = None;
            walk(aut, text, |_, sid| {
                if done == Some(sid) {
                    return false;
                }
                let nth = |i: usize| aut.match_pattern(sid, i).as_usize();
                match visit(aut.match_len(sid), nth(0), &nth) {
                    Some(a) => {
                        answer = a;
                        true
                    }
                    None => {
                        done = Some(sid);
                        false
                    }
                }
            });
            answer
        }
        match &self.machine {
            Machine::Dfa(a) => run(a, text, &mut visit),
            Machine::Contiguous(a) => run(a, text, &mut visit),
            Machine::Noncontiguous(a) => run(a, text, &mut visit),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::Literals;

    /// Every literal occurring in `text`, the slow way.
    fn occurring(literals: &[&[u8]], text: &[u8]) -> Vec<usize> {
        let mut out: Vec<usize> = literals
            .iter()
            .enumerate()
            .filter(|(_, l)| text.windows(l.len()).any(|w| w == **l))
            .map(|(i, _)| i)
            .collect();
        out.sort_unstable();
        out
    }

    fn check(literals: &[&[u8]], text: &[u8]) {
        let set = Literals::new(literals).unwrap();
        let mut got = Vec::new();
        let mut seen = Vec::new();
        assert!(!set.each_distinct(text, &mut seen, |id| {
            got.push(id);
            false
        }));
        let mut sorted = got.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), got.len(), "reported twice: {got:?}");
        assert_eq!(sorted, occurring(literals, text), "{literals:?} / {text:?}");
        // Every occurrence.
        let mut all = Vec::new();
        set.each(text, |end, id| {
            all.push((end - literals[id].len(), id));
            false
        });
        all.sort_unstable();
        let mut want = Vec::new();
        for (id, l) in literals.iter().enumerate() {
            for start in 0..=text.len().saturating_sub(l.len()) {
                if text.get(start..start + l.len()) == Some(*l) {
                    want.push((start, id));
                }
            }
        }
        want.sort_unstable();
        assert_eq!(all, want, "{literals:?} / {text:?}");
        // The longest literal at each end, from the whole walk and from the bytes before it.
        let mut longest = Vec::new();
        set.each_longest(text, |end, id| {
            longest.push((end, id));
            false
        });
        let mut alone = Vec::new();
        for end in 0..=text.len() {
            set.ending_at(text, end, |id| {
                alone.push((end, id));
                false
            });
        }
        assert_eq!(longest, alone, "{literals:?} / {text:?}");
        for &(end, id) in &longest {
            let mut chain = vec![id];
            while let Some(next) = set.shorter(*chain.last().unwrap()) {
                chain.push(next);
            }
            let mut ending: Vec<usize> = all
                .iter()
                .filter(|&&(start, i)| start + literals[i].len() == end)
                .map(|&(_, i)| i)
                .collect();
            ending.sort_unstable();
            chain.sort_unstable();
            assert_eq!(chain, ending, "{literals:?} / {text:?} at {end}");
        }
    }

    #[test]
    fn repeated_match_states_report_their_literals_each_time() {
        // Text dense in one literal enters the same match state again and again (its literal
        // then read from the walk's last state), other states in between.
        let literals: [&[u8]; 4] = [b"ab", b"b", b"abcd", b"cd"];
        for text in [
            "ab".repeat(50),
            "abcd".repeat(30),
            format!("{}abcd{}", "ab".repeat(20), "cdab".repeat(20)),
            "abbabxab".repeat(10),
        ] {
            check(&literals, text.as_bytes());
        }
    }

    #[test]
    fn nested_literals_are_reported_once() {
        let nested: Vec<Vec<u8>> = (1..=150).map(|k| vec![b'a'; k]).collect();
        let mut refs: Vec<&[u8]> = nested.iter().map(Vec::as_slice).collect();
        refs.push(b"b");
        check(&refs, &[b'a'; 1_000]);
        check(&refs, b"aaab");
        check(&refs[..5], &[b'a'; 40]);
        check(&[b"ab", b"abcd", b"cd", b"b"], b"ababababcd");
    }

    #[test]
    fn a_true_answer_stops_the_walk() {
        let set = Literals::new(&[b"ab", b"cd"]).unwrap();
        let mut calls = 0;
        assert!(set.each_distinct(b"abcdab", &mut Vec::new(), |id| {
            calls += 1;
            id == 0
        }));
        assert_eq!(calls, 1);
    }

    #[test]
    fn repeated_or_empty_literals_are_refused() {
        assert!(Literals::new(&[b"ab", b"ab"]).is_none());
        assert!(Literals::new(&[b"ab", b""]).is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// Distinct literals reported once each, exactly those occurring; every occurrence
        /// reported; many literals (past the DFA) too.
        #[test]
        fn literals_agree_with_a_plain_search(
            literals in prop::collection::hash_set(
                prop::collection::vec(prop::sample::select(vec![b'a', b'b', b'c']), 1..6),
                1..140,
            ),
            text in prop::collection::vec(prop::sample::select(vec![b'a', b'b', b'c', b'x']), 0..200),
        ) {
            let literals: Vec<Vec<u8>> = literals.into_iter().collect();
            let refs: Vec<&[u8]> = literals.iter().map(Vec::as_slice).collect();
            check(&refs, &text);
        }
    }
}
