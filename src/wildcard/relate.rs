//! Relations between two wildcard patterns, for lint and exposure: whether some text matches
//! both ([`intersects`]) and whether one covers everything the other matches ([`covers`]).
//!
//! Same semantics as the matcher (`*` any run of characters, `?` exactly one character, case
//! compared per character as the matcher does). Each function runs the product of
//! the two patterns over a visited table bounded by the product of their lengths in
//! characters, without exponential backtracking.

use super::char_eq;

/// One position of a pattern: a literal character, `?` or `*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sym {
    Lit(char),
    One,
    Many,
}

fn syms(pattern: &str) -> Vec<Sym> {
    pattern
        .chars()
        .map(|c| match c {
            '*' => Sym::Many,
            '?' => Sym::One,
            other => Sym::Lit(other),
        })
        .collect()
}

/// Upper bound on the pair table `(len(a) + 1) * (len(b) + 1)` (in characters); longer inputs are answered
/// conservatively by the callers' `fallback`.
const MAX_PAIRS: usize = 1 << 16;

/// Runs the product automaton of two patterns. `step(x, y)` says whether symbol `x` of the
/// first pattern and symbol `y` of the second can consume the same input together, and how
/// each side moves: `Some((advance_a, advance_b))`.
fn product(
    a: &[Sym],
    b: &[Sym],
    fallback: bool,
    epsilon_a: bool,
    epsilon_b: bool,
    step: impl Fn(Sym, Sym) -> Option<(bool, bool)>,
) -> bool {
    let (la, lb) = (a.len(), b.len());
    let width = lb + 1;
    let Some(cells) = (la + 1).checked_mul(width) else {
        return fallback;
    };
    if cells > MAX_PAIRS {
        return fallback;
    }
    let mut seen = vec![false; cells];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        let Some(slot) = seen.get_mut(i * width + j) else {
            continue;
        };
        if *slot {
            continue;
        }
        *slot = true;
        if i == la && j == lb {
            return true;
        }
        let sa = a.get(i).copied();
        let sb = b.get(j).copied();
        // A `*` may match nothing.
        if epsilon_a && sa == Some(Sym::Many) {
            stack.push((i + 1, j));
        }
        if epsilon_b && sb == Some(Sym::Many) {
            stack.push((i, j + 1));
        }
        if let (Some(x), Some(y)) = (sa, sb)
            && let Some((adv_a, adv_b)) = step(x, y)
        {
            let ni = if adv_a { i + 1 } else { i };
            let nj = if adv_b { j + 1 } else { j };
            if (ni, nj) != (i, j) {
                stack.push((ni, nj));
            }
        }
    }
    false
}

/// Whether some string matches both patterns. Inputs too long for the table count as
/// intersecting (the lint callers then stay silent).
pub(crate) fn intersects(a: &str, b: &str, ignore_case: bool) -> bool {
    let (a, b) = (syms(a), syms(b));
    if !quick_compatible(&a, &b, ignore_case) {
        return false;
    }
    product(&a, &b, true, true, true, |x, y| match (x, y) {
        (Sym::Lit(p), Sym::Lit(q)) => char_eq(p, q, ignore_case).then_some((true, true)),
        // A `*` consuming one byte stays where it is.
        _ => Some((x != Sym::Many, y != Sym::Many)),
    })
}

/// Whether every string `inner` matches also matches `outer` (a sufficient test: `inner`'s
/// `*` must be met by a `*` of `outer`, its `?` by `?` or `*`). Inputs too long for the table
/// count as not covered.
pub(crate) fn covers(outer: &str, inner: &str, ignore_case: bool) -> bool {
    product(
        &syms(outer),
        &syms(inner),
        false,
        true,
        false,
        |x, y| match (x, y) {
            (Sym::Many, _) => Some((false, true)),
            (Sym::One, Sym::Lit(_) | Sym::One) => Some((true, true)),
            (Sym::Lit(p), Sym::Lit(q)) => char_eq(p, q, ignore_case).then_some((true, true)),
            _ => None,
        },
    )
}

/// Whether two literal positions agree.
fn same(a: Sym, b: Sym, ignore_case: bool) -> bool {
    match (a, b) {
        (Sym::Lit(p), Sym::Lit(q)) => char_eq(p, q, ignore_case),
        _ => true,
    }
}

/// A cheap necessary condition for [`intersects`]: the literal text before the first wildcard
/// of each pattern agrees, and so does the literal text after the last one.
fn quick_compatible(a: &[Sym], b: &[Sym], ignore_case: bool) -> bool {
    let is_wild = |s: &Sym| !matches!(s, Sym::Lit(_));
    let head = |s: &[Sym]| s.iter().position(is_wild).unwrap_or(s.len());
    let (ha, hb) = (head(a), head(b));
    let n = ha.min(hb);
    let heads_ok = match (a.get(..n), b.get(..n)) {
        (Some(x), Some(y)) => x.iter().zip(y).all(|(p, q)| same(*p, *q, ignore_case)),
        _ => true,
    };
    if !heads_ok {
        return false;
    }
    // Fully literal on both sides: equal lengths are needed too.
    if ha == a.len() && hb == b.len() {
        return a.len() == b.len();
    }
    let tail = |s: &[Sym]| s.iter().rposition(is_wild).map_or(0, |p| s.len() - p - 1);
    let m = tail(a).min(tail(b));
    match (a.get(a.len() - m..), b.get(b.len() - m..)) {
        (Some(x), Some(y)) => x.iter().zip(y).all(|(p, q)| same(*p, *q, ignore_case)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(a: &str, b: &str) -> bool {
        intersects(a, b, false)
    }
    fn c(outer: &str, inner: &str) -> bool {
        covers(outer, inner, false)
    }

    #[test]
    fn intersection() {
        assert!(i("secret:*", "secret:db-??????"));
        assert!(i("role/*", "role/app-*"));
        assert!(i("*/*", "bucket/key"));
        assert!(!i("*/*", "bucket"));
        assert!(i("a*", "*b"));
        assert!(!i("a*", "b*"));
        assert!(!i("*a", "*b"));
        assert!(i("a?c", "*c"));
        assert!(!i("a?c", "ac"));
        assert!(i("abc", "abc"));
        assert!(!i("abc", "abd"));
        assert!(i("*", ""));
        assert!(!i("?", ""));
        assert!(i("x*y*z", "x?z*"));
    }

    #[test]
    fn coverage() {
        assert!(c("iam:get*", "iam:getrole"));
        assert!(c("iam:*", "iam:get*"));
        assert!(c("*", "anything*?"));
        assert!(!c("iam:get*", "iam:*"));
        assert!(!c("iam:get?", "iam:get*"));
        assert!(c("iam:get?", "iam:getx"));
        assert!(c("iam:*credentialreport", "iam:getcredentialreport"));
        assert!(!c("iam:get*", "iam:*credentialreport"));
        assert!(c("jane*", "jane-admin"));
        assert!(c("abc", "abc"));
        assert!(!c("abc", "abcd"));
        assert!(c("a*", "a"));
    }

    #[test]
    fn question_mark_is_one_character() {
        // `?` stands for one character, whatever its UTF-8 length, as in the matcher.
        assert!(c("b/?", "b/é"));
        assert!(i("b/?", "b/é"));
        assert!(!c("b/?", "b/éé"));
        assert!(!i("b/??", "b/é"));
        assert!(c("b/*", "b/é?"));
        assert!(intersects("É*", "é", true));
        assert!(covers("É?", "éx", true));
        // The matcher agrees.
        assert!(super::super::Wildcard::new("b/?").is_match("b/é"));
    }

    #[test]
    fn long_inputs_fall_back() {
        let long = "a".repeat(400);
        assert!(intersects(&long, &long, false));
        assert!(!covers(&format!("{long}*"), &long, false));
    }
}
