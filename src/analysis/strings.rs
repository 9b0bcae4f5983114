//! Representative strings for the classes that a set of wildcard patterns distinguishes.
//!
//! Two strings are in the same class when every pattern matches both or neither. The classes
//! are the reachable states of the product automaton of the patterns (one subset of pattern
//! positions per pattern), explored breadth-first over an alphabet made of the characters the
//! patterns write plus one character they do not: every other character behaves like that one.
//! Each reachable state yields its shortest string. This module only *proposes* strings: which
//! patterns a string matches is always decided by the engine's own matchers
//! ([`crate::Wildcard`], [`crate::ArnPattern`], the condition operators).

use std::collections::{HashMap, VecDeque};

/// One token of a pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    /// A literal character.
    Lit(char),
    /// `?`: one character.
    One,
    /// `*`: any run of characters.
    Star,
    /// `?` inside an ARN component: one character other than `:`.
    OneInSegment,
    /// `*` inside an ARN component: any run of characters without `:`.
    StarInSegment,
}

/// A pattern: `*`/`?` wildcards (or none, for literal values), optionally compared without
/// regard to ASCII case.
#[derive(Clone, Debug)]
pub(crate) struct Pattern {
    toks: Vec<Tok>,
    ignore_case: bool,
}

impl Pattern {
    /// A pattern where `*` and `?` are wildcards.
    pub(crate) fn glob(text: &str, ignore_case: bool) -> Self {
        let toks = text
            .chars()
            .map(|c| match c {
                '*' => Tok::Star,
                '?' => Tok::One,
                c => Tok::Lit(c),
            })
            .collect();
        Self { toks, ignore_case }
    }

    /// An ARN pattern as the condition operators read it: split at its first five colons,
    /// a wildcard in one of the first five components stays inside it, one in the resource
    /// part may match anything. `None` for a pattern with fewer than five colons.
    pub(crate) fn arn(text: &str) -> Option<Self> {
        let mut toks = Vec::new();
        let mut colons = 0;
        for c in text.chars() {
            let inside = colons < 5;
            toks.push(match c {
                ':' if inside => {
                    colons += 1;
                    Tok::Lit(':')
                }
                '*' if inside => Tok::StarInSegment,
                '?' if inside => Tok::OneInSegment,
                '*' => Tok::Star,
                '?' => Tok::One,
                c => Tok::Lit(c),
            });
        }
        (colons == 5).then_some(Self {
            toks,
            ignore_case: false,
        })
    }

    /// A literal value (`*` and `?` are plain characters).
    pub(crate) fn literal(text: &str, ignore_case: bool) -> Self {
        Self {
            toks: text.chars().map(Tok::Lit).collect(),
            ignore_case,
        }
    }

    fn chars(&self) -> impl Iterator<Item = char> + '_ {
        self.toks.iter().filter_map(|t| match t {
            Tok::Lit(c) => Some(*c),
            _ => None,
        })
    }
}

/// The result of an exploration.
#[derive(Clone, Debug, Default)]
pub(crate) struct Representatives {
    /// One string per reachable state (and a non-empty one for the start state when there is).
    pub(crate) strings: Vec<String>,
    /// Whether the state bound stopped the exploration: then some class may be missing.
    pub(crate) incomplete: bool,
}

/// How strings may look.
#[derive(Clone, Copy)]
pub(crate) struct Alphabet<'a> {
    /// Characters a string may hold (besides pattern characters, which must pass it too).
    pub(crate) allowed: &'a dyn Fn(char) -> bool,
    /// Characters to try, in order, as the "any other character".
    pub(crate) fresh: &'a str,
    /// Only strings of these lengths are kept (`None`: any length).
    pub(crate) lengths: Option<&'a [usize]>,
}

/// Most product states explored for one set of patterns.
pub(crate) const MAX_STATES: usize = 4096;

/// Representative strings of every class of `patterns` (see the module docs).
pub(crate) fn representatives(patterns: &[Pattern], alphabet: Alphabet<'_>) -> Representatives {
    let mut letters: Vec<char> = Vec::new();
    let push = |c: char, letters: &mut Vec<char>| {
        if (alphabet.allowed)(c) && !letters.contains(&c) {
            letters.push(c);
        }
    };
    for p in patterns {
        for c in p.chars() {
            push(c, &mut letters);
            if p.ignore_case {
                push(c.to_ascii_lowercase(), &mut letters);
                push(c.to_ascii_uppercase(), &mut letters);
            }
        }
    }
    if let Some(fresh) = alphabet
        .fresh
        .chars()
        .find(|c| (alphabet.allowed)(*c) && !letters.iter().any(|l| l.eq_ignore_ascii_case(c)))
    {
        letters.push(fresh);
    }
    letters.sort_unstable();

    // Global position numbering: pattern i owns positions offset[i]..=offset[i]+len.
    let mut offsets = Vec::with_capacity(patterns.len());
    let mut total = 0usize;
    for p in patterns {
        offsets.push(total);
        total += p.toks.len() + 1;
    }
    let words = total.div_ceil(64).max(1);
    let closure = |state: &mut Vec<u64>| {
        for (p, &off) in patterns.iter().zip(&offsets) {
            for (i, t) in p.toks.iter().enumerate() {
                if matches!(t, Tok::Star | Tok::StarInSegment) && get(state, off + i) {
                    set(state, off + i + 1);
                }
            }
        }
    };
    let mut start = vec![0u64; words];
    for &off in &offsets {
        set(&mut start, off);
    }
    closure(&mut start);

    let max_len = alphabet.lengths.and_then(|l| l.iter().copied().max());
    let keep = |len: usize| alphabet.lengths.is_none_or(|l| l.contains(&len));
    let mut out = Representatives::default();
    // Key: the state, and the length when lengths are bounded.
    let mut seen: HashMap<(Vec<u64>, usize), ()> = HashMap::new();
    let mut start_again = false;
    let mut queue = VecDeque::new();
    seen.insert((start.clone(), 0), ());
    queue.push_back((start.clone(), String::new()));
    if keep(0) {
        out.strings.push(String::new());
    }
    while let Some((state, text)) = queue.pop_front() {
        let len = text.chars().count();
        if max_len.is_some_and(|m| len >= m) {
            continue;
        }
        for &c in &letters {
            let mut next = vec![0u64; words];
            for (p, &off) in patterns.iter().zip(&offsets) {
                for (i, t) in p.toks.iter().enumerate() {
                    if !get(&state, off + i) {
                        continue;
                    }
                    match t {
                        Tok::Star => set(&mut next, off + i),
                        Tok::One => set(&mut next, off + i + 1),
                        Tok::StarInSegment if c != ':' => set(&mut next, off + i),
                        Tok::OneInSegment if c != ':' => set(&mut next, off + i + 1),
                        Tok::StarInSegment | Tok::OneInSegment => {}
                        Tok::Lit(l) => {
                            let same = if p.ignore_case {
                                l.eq_ignore_ascii_case(&c)
                            } else {
                                *l == c
                            };
                            if same {
                                set(&mut next, off + i + 1);
                            }
                        }
                    }
                }
            }
            closure(&mut next);
            let mut s = text.clone();
            s.push(c);
            let key_len = if max_len.is_some() { len + 1 } else { 0 };
            if seen.contains_key(&(next.clone(), key_len)) {
                if !start_again && next == start && keep(len + 1) {
                    start_again = true;
                    out.strings.push(s);
                }
                continue;
            }
            if seen.len() >= MAX_STATES {
                out.incomplete = true;
                return out;
            }
            seen.insert((next.clone(), key_len), ());
            if keep(len + 1) {
                out.strings.push(s.clone());
            }
            queue.push_back((next, s));
        }
    }
    out
}

fn get(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

fn set(bits: &mut [u64], i: usize) {
    if let Some(w) = bits.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Wildcard;

    fn any(_: char) -> bool {
        true
    }

    #[test]
    fn every_class_of_overlapping_patterns_is_hit() {
        let texts = ["a*", "*b", "ab", "a?c*"];
        let patterns: Vec<Pattern> = texts.iter().map(|t| Pattern::glob(t, false)).collect();
        let reps = representatives(
            &patterns,
            Alphabet {
                allowed: &any,
                fresh: "xyz",
                lengths: None,
            },
        );
        assert!(!reps.incomplete);
        let classes: std::collections::BTreeSet<Vec<bool>> = reps
            .strings
            .iter()
            .map(|s| texts.iter().map(|t| Wildcard::new(t).is_match(s)).collect())
            .collect();
        // a* & *b & ab; a* & *b (a..b); a* only; *b only; a?c* & a*; a?c* & a* & *b; none.
        for want in [
            [true, true, true, false],
            [true, true, false, false],
            [true, false, false, false],
            [false, true, false, false],
            [true, false, false, true],
            [true, true, false, true],
            [false, false, false, false],
        ] {
            assert!(
                classes.contains(want.as_slice()),
                "missing {want:?}: {classes:?}"
            );
        }
    }

    #[test]
    fn bounded_lengths_keep_only_those_lengths() {
        let patterns = [Pattern::glob("1111*", false)];
        let digits = |c: char| c.is_ascii_digit();
        let reps = representatives(
            &patterns,
            Alphabet {
                allowed: &digits,
                fresh: "0123456789",
                lengths: Some(&[0, 12]),
            },
        );
        assert!(reps.strings.iter().all(|s| s.is_empty() || s.len() == 12));
        assert!(reps.strings.iter().any(|s| s.starts_with("1111")));
        assert!(
            reps.strings
                .iter()
                .any(|s| s.len() == 12 && !s.starts_with("1111"))
        );
    }
}
