//! `*`/`?` patterns compared with text and with each other, for lint checks.
//!
//! The engine's matchers answer "does this request match"; lint needs more: whether two
//! patterns can match a common string (a policy ARN against a catalog ARN format) and whether
//! one pattern covers everything another matches (redundant entries). Every function here
//! works on bytes, without allocation beyond a visited set bounded by the product of the two
//! lengths, and never backtracks exponentially.

/// One position of a pattern: a literal byte, `?` or `*`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sym {
    Lit(u8),
    One,
    Many,
}

fn sym(byte: u8) -> Sym {
    match byte {
        b'*' => Sym::Many,
        b'?' => Sym::One,
        other => Sym::Lit(other),
    }
}

fn lit_eq(a: u8, b: u8, ignore_case: bool) -> bool {
    if ignore_case {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

/// Whether `text` matches `pattern` (`*` any run, `?` one byte), optionally ignoring ASCII case.
/// One backtrack point: linear in practice, quadratic at worst.
pub(crate) fn matches(pattern: &[u8], text: &[u8], ignore_case: bool) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&c) = text.get(t) {
        match pattern.get(p).copied().map(sym) {
            Some(Sym::Many) => {
                star = Some((p, t));
                p += 1;
            }
            Some(Sym::One) => {
                p += 1;
                t += 1;
            }
            Some(Sym::Lit(pc)) if lit_eq(pc, c, ignore_case) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pattern
        .get(p..)
        .is_some_and(|rest| rest.iter().all(|&b| b == b'*'))
}

/// Upper bound on the pair table (`len(a) + 1) * (len(b) + 1)`; longer inputs are answered
/// conservatively by the callers' `fallback`.
const MAX_PAIRS: usize = 1 << 16;

/// Runs the product automaton of two patterns. `step(x, y)` says whether symbol `x` of the
/// first pattern and symbol `y` of the second can consume the same input together, and how
/// each side moves: `Some((advance_a, advance_b))`.
fn product(
    a: &[u8],
    b: &[u8],
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
        let sa = a.get(i).copied().map(sym);
        let sb = b.get(j).copied().map(sym);
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
pub(crate) fn intersects(a: &[u8], b: &[u8], ignore_case: bool) -> bool {
    if !quick_compatible(a, b, ignore_case) {
        return false;
    }
    product(a, b, true, true, true, |x, y| match (x, y) {
        (Sym::Lit(p), Sym::Lit(q)) => lit_eq(p, q, ignore_case).then_some((true, true)),
        // A `*` consuming one byte stays where it is.
        _ => Some((x != Sym::Many, y != Sym::Many)),
    })
}

/// Whether every string `inner` matches also matches `outer` (a sufficient test: `inner`'s
/// `*` must be met by a `*` of `outer`, its `?` by `?` or `*`). Inputs too long for the table
/// count as not covered.
pub(crate) fn covers(outer: &[u8], inner: &[u8], ignore_case: bool) -> bool {
    product(outer, inner, false, true, false, |x, y| match (x, y) {
        (Sym::Many, _) => Some((false, true)),
        (Sym::One, Sym::Lit(_) | Sym::One) => Some((true, true)),
        (Sym::Lit(p), Sym::Lit(q)) => lit_eq(p, q, ignore_case).then_some((true, true)),
        _ => None,
    })
}

/// A cheap necessary condition for [`intersects`]: the literal text before the first wildcard
/// of each pattern agrees, and so does the literal text after the last one.
fn quick_compatible(a: &[u8], b: &[u8], ignore_case: bool) -> bool {
    let is_wild = |c: &u8| *c == b'*' || *c == b'?';
    let head = |s: &[u8]| s.iter().position(is_wild).unwrap_or(s.len());
    let (ha, hb) = (head(a), head(b));
    let n = ha.min(hb);
    let heads_ok = match (a.get(..n), b.get(..n)) {
        (Some(x), Some(y)) => x.iter().zip(y).all(|(&p, &q)| lit_eq(p, q, ignore_case)),
        _ => true,
    };
    if !heads_ok {
        return false;
    }
    // Fully literal on both sides: equal lengths are needed too.
    if ha == a.len() && hb == b.len() {
        return a.len() == b.len();
    }
    let tail = |s: &[u8]| s.iter().rposition(is_wild).map_or(0, |p| s.len() - p - 1);
    let m = tail(a).min(tail(b));
    match (a.get(a.len() - m..), b.get(b.len() - m..)) {
        (Some(x), Some(y)) => x.iter().zip(y).all(|(&p, &q)| lit_eq(p, q, ignore_case)),
        _ => true,
    }
}

/// Whether the pattern holds `*` or `?`.
pub(crate) fn has_wildcard(s: &str) -> bool {
    s.bytes().any(|b| b == b'*' || b == b'?')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn i(a: &str, b: &str) -> bool {
        intersects(a.as_bytes(), b.as_bytes(), false)
    }
    fn c(outer: &str, inner: &str) -> bool {
        covers(outer.as_bytes(), inner.as_bytes(), false)
    }

    #[test]
    fn matching() {
        assert!(matches(b"iam:get*", b"iam:getrole", false));
        assert!(matches(b"IAM:Get*", b"iam:getrole", true));
        assert!(!matches(b"iam:get?", b"iam:getrole", false));
        assert!(matches(b"*a*b", b"xxaxxb", false));
        assert!(!matches(b"*a*b", b"xxaxxbc", false));
        assert!(matches(b"", b"", false));
        assert!(!matches(b"", b"x", false));
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
    fn long_inputs_fall_back() {
        let long = "a".repeat(400);
        assert!(intersects(long.as_bytes(), long.as_bytes(), false));
        assert!(!covers(
            format!("{long}*").as_bytes(),
            long.as_bytes(),
            false
        ));
    }
}
