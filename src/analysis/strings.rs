//! Representative strings for the classes that a set of wildcard patterns distinguishes.
//!
//! Two strings are in the same class when every pattern matches both or neither. The classes
//! are the reachable states of the product automaton of the patterns (one subset of pattern
//! positions per pattern), explored breadth-first over an alphabet made of the characters the
//! patterns write plus one character they do not: every other character behaves like that one.
//! Each reachable state yields its shortest string. This module only *proposes* strings: which
//! patterns a string matches is always decided by the engine's own matchers
//! ([`crate::Wildcard`], [`crate::ArnPattern`], the condition operators).

use std::collections::{HashSet, VecDeque};

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
    // Position masks, so that one step of every pattern at once is a few word operations:
    // the positions that stay on a letter (stars), and per letter those that advance. A
    // pattern's end position holds no token, so nothing advances past it into the next one.
    let mut star_any = vec![0u64; words];
    let mut star_seg = vec![0u64; words];
    let mut one_any = vec![0u64; words];
    let mut one_seg = vec![0u64; words];
    let mut lit: Vec<Vec<u64>> = vec![vec![0u64; words]; letters.len()];
    for (p, &off) in patterns.iter().zip(&offsets) {
        for (i, t) in p.toks.iter().enumerate() {
            match t {
                Tok::Star => set(&mut star_any, off + i),
                Tok::StarInSegment => set(&mut star_seg, off + i),
                Tok::One => set(&mut one_any, off + i),
                Tok::OneInSegment => set(&mut one_seg, off + i),
                Tok::Lit(l) => {
                    for (k, c) in letters.iter().enumerate() {
                        let same = if p.ignore_case {
                            l.eq_ignore_ascii_case(c)
                        } else {
                            l == c
                        };
                        if same && let Some(mask) = lit.get_mut(k) {
                            set(mask, off + i);
                        }
                    }
                }
            }
        }
    }
    let stars: Vec<u64> = star_any.iter().zip(&star_seg).map(|(a, b)| a | b).collect();
    // Epsilon closure: a star position also stands at the position after it.
    let closure = |state: &mut Vec<u64>| {
        loop {
            let add = shifted(state, &stars);
            if add.iter().zip(state.iter()).all(|(a, s)| a & !s == 0) {
                return;
            }
            for (s, a) in state.iter_mut().zip(&add) {
                *s |= a;
            }
        }
    };
    let mut start = vec![0u64; words];
    for &off in &offsets {
        set(&mut start, off);
    }
    closure(&mut start);

    // Per letter: the positions that advance on it and those that stay.
    let steps: Vec<(Vec<u64>, Vec<u64>)> = letters
        .iter()
        .zip(&lit)
        .map(|(&c, lit_c)| {
            let colon = c == ':';
            let at = |m: &[u64], w: usize| m.get(w).copied().unwrap_or(0);
            let advance = (0..words)
                .map(|w| at(lit_c, w) | at(&one_any, w) | if colon { 0 } else { at(&one_seg, w) })
                .collect();
            let stay = (0..words)
                .map(|w| at(&star_any, w) | if colon { 0 } else { at(&star_seg, w) })
                .collect();
            (advance, stay)
        })
        .collect();

    let max_len = alphabet.lengths.and_then(|l| l.iter().copied().max());
    let keep = |len: usize| alphabet.lengths.is_none_or(|l| l.contains(&len));
    let mut out = Representatives::default();
    // Key: the state, then one more word with the length when lengths are bounded.
    let with_len = |mut state: Vec<u64>, len: usize| {
        state.push(if max_len.is_some() { len as u64 } else { 0 });
        state
    };
    let mut seen: HashSet<Vec<u64>> = HashSet::new();
    let mut start_again = false;
    let mut queue = VecDeque::new();
    seen.insert(with_len(start.clone(), 0));
    queue.push_back((start.clone(), String::new(), 0usize));
    if keep(0) {
        out.strings.push(String::new());
    }
    while let Some((state, text, len)) = queue.pop_front() {
        if max_len.is_some_and(|m| len >= m) {
            continue;
        }
        for (&c, (advance, stay)) in letters.iter().zip(&steps) {
            let mut next = shifted(&state, advance);
            for ((slot, s), m) in next.iter_mut().zip(&state).zip(stay) {
                *slot |= s & m;
            }
            closure(&mut next);
            let key = with_len(next, len + 1);
            if seen.contains(&key) {
                if !start_again && key.get(..words) == Some(start.as_slice()) && keep(len + 1) {
                    start_again = true;
                    let mut s = text.clone();
                    s.push(c);
                    out.strings.push(s);
                }
                continue;
            }
            if seen.len() >= MAX_STATES {
                out.incomplete = true;
                return out;
            }
            let mut s = text.clone();
            s.push(c);
            if keep(len + 1) {
                out.strings.push(s.clone());
            }
            let mut next = key.clone();
            next.truncate(words);
            seen.insert(key);
            queue.push_back((next, s, len + 1));
        }
    }
    out
}

/// `(state & mask) << 1` over the whole bit set (position `i` moves to `i + 1`).
fn shifted(state: &[u64], mask: &[u64]) -> Vec<u64> {
    let mut out = Vec::with_capacity(state.len());
    let mut carry = 0u64;
    for (s, m) in state.iter().zip(mask) {
        let v = s & m;
        out.push((v << 1) | carry);
        carry = v >> 63;
    }
    out
}

fn set(bits: &mut [u64], i: usize) {
    if let Some(w) = bits.get_mut(i / 64) {
        *w |= 1 << (i % 64);
    }
}

/// One token of a template whose variables stay symbols.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sym {
    Lit(char),
    One,
    Star,
    /// The value of the `k`-th variable key.
    Var(usize),
}

/// A template's text (the resource part of an ARN pattern, `*` and `?` wildcards) with each
/// named variable a symbol; `None` for a variable with a default value (its value then
/// depends on the pattern, not only on the request) or a malformed one.
fn symbols(text: &str, keys: &mut Vec<String>) -> Option<Vec<Sym>> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(tail) = rest.strip_prefix("${").map(|_| rest) {
            let len = crate::variables::variable_len(tail, 0).ok()?;
            let var = tail.get(..len)?;
            let inner = var.get(2..len.saturating_sub(1))?.trim();
            match inner {
                "*" => out.push(Sym::Lit('*')),
                "?" => out.push(Sym::Lit('?')),
                "$" => out.push(Sym::Lit('$')),
                _ if inner.contains(',') => return None,
                _ => {
                    let key = inner.to_ascii_lowercase();
                    let k = match keys.iter().position(|x| *x == key) {
                        Some(k) => k,
                        None => {
                            keys.push(key);
                            keys.len() - 1
                        }
                    };
                    out.push(Sym::Var(k));
                }
            }
            rest = tail.get(len..)?;
            continue;
        }
        let c = rest.chars().next()?;
        out.push(match c {
            '*' => Sym::Star,
            '?' => Sym::One,
            c => Sym::Lit(c),
        });
        rest = rest.get(c.len_utf8()..)?;
    }
    Some(out)
}

/// Whether, for every value of the policy variables, every string that template `a` matches
/// is matched by one of `bs` (texts with `*`, `?` and `${key}`, as the resource part of an
/// ARN pattern reads them). `false` when it cannot tell.
///
/// Each variable is read as one symbol of its own, which `*` may cover and `?` may not. If
/// the inclusion holds over strings with those symbols, it holds for every value: a string
/// matched by `a` with value `v` is the image of a symbolic string that `a` matches (the
/// value's place holds the symbol), which one of `bs` matches, and replacing the symbol by
/// `v` keeps that match (a literal symbol becomes `v`, a `*` covers any text, and `?` never
/// covered a symbol). A key without a value makes a template match nothing, which keeps the
/// inclusion too.
pub(crate) fn included_for_all_values(a: &str, bs: &[&str]) -> bool {
    let mut keys = Vec::new();
    let Some(first) = symbols(a, &mut keys) else {
        return false;
    };
    let mut all = vec![first];
    for b in bs {
        match symbols(b, &mut keys) {
            Some(t) => all.push(t),
            None => return false,
        }
    }
    // The alphabet: every literal, one other character, and one symbol per key.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Letter {
        Char(char),
        Other,
        Var(usize),
    }
    let mut letters: Vec<Letter> = Vec::new();
    for t in &all {
        for s in t {
            if let Sym::Lit(c) = s
                && !letters.contains(&Letter::Char(*c))
            {
                letters.push(Letter::Char(*c));
            }
        }
    }
    letters.push(Letter::Other);
    letters.extend((0..keys.len()).map(Letter::Var));
    let step = |toks: &[Sym], state: &[bool], l: Letter| -> Vec<bool> {
        let mut next = vec![false; toks.len() + 1];
        for (i, t) in toks.iter().enumerate() {
            if !state.get(i).copied().unwrap_or(false) {
                continue;
            }
            let advance = match (t, l) {
                (Sym::Star, _) => {
                    if let Some(x) = next.get_mut(i) {
                        *x = true;
                    }
                    false
                }
                (Sym::One, Letter::Char(_) | Letter::Other) => true,
                (Sym::Lit(c), Letter::Char(d)) => *c == d,
                (Sym::Var(k), Letter::Var(j)) => *k == j,
                _ => false,
            };
            if advance && let Some(x) = next.get_mut(i + 1) {
                *x = true;
            }
        }
        close(toks, &mut next);
        next
    };
    let start: Vec<Vec<bool>> = all
        .iter()
        .map(|t| {
            let mut st = vec![false; t.len() + 1];
            if let Some(x) = st.first_mut() {
                *x = true;
            }
            close(t, &mut st);
            st
        })
        .collect();
    let accepts = |t: &[Sym], st: &[bool]| st.get(t.len()).copied().unwrap_or(false);
    let mut seen: HashSet<Vec<Vec<bool>>> = HashSet::new();
    let mut queue = VecDeque::new();
    seen.insert(start.clone());
    queue.push_back(start);
    while let Some(state) = queue.pop_front() {
        let (Some(ta), Some(sa)) = (all.first(), state.first()) else {
            return false;
        };
        if accepts(ta, sa) && !all.iter().zip(&state).skip(1).any(|(t, st)| accepts(t, st)) {
            return false;
        }
        // Once `a` can no longer match, nothing further matters.
        if !sa.iter().any(|x| *x) {
            continue;
        }
        for &l in &letters {
            let next: Vec<Vec<bool>> = all
                .iter()
                .zip(&state)
                .map(|(t, st)| step(t, st, l))
                .collect();
            if seen.len() >= MAX_STATES {
                return false;
            }
            if seen.insert(next.clone()) {
                queue.push_back(next);
            }
        }
    }
    true
}

/// Epsilon closure of a symbolic template: a `*` also stands at the position after it.
fn close(toks: &[Sym], state: &mut [bool]) {
    for (i, t) in toks.iter().enumerate() {
        if *t == Sym::Star
            && state.get(i).copied().unwrap_or(false)
            && let Some(x) = state.get_mut(i + 1)
        {
            *x = true;
        }
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
    fn inclusion_for_every_value_of_the_variables() {
        let yes = |a: &str, b: &[&str]| included_for_all_values(a, b);
        assert!(yes(
            "home/${aws:username}/reports/*",
            &["home/${aws:username}/*"]
        ));
        assert!(yes("home/${aws:username}/*", &["home/*"]));
        assert!(yes("home/${aws:username}", &["home/${aws:username}"]));
        // A different key, a `?` that would have to cover a whole value, a literal value.
        assert!(!yes("home/${aws:username}/*", &["home/${aws:userid}/*"]));
        assert!(!yes("home/${aws:username}/*", &["home/?/*"]));
        assert!(!yes("home/${aws:username}/*", &["home/alice/*"]));
        assert!(!yes("home/*", &["home/${aws:username}/*"]));
        // Defaults are not read symbolically.
        assert!(!yes("t/${aws:PrincipalTag/team, 'x'}/*", &["t/*/*"]));
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
