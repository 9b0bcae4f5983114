//! "Did you mean" hints: the candidate closest to a misspelt name, ignoring ASCII case. The one
//! suggester: the parser's operator hints, the catalog's and lint's all call it. A leaf module.
//!
//! Hints are asked for only when something is unknown, but a policy full of typos should not
//! cost thousands of edit distances against the whole catalog: candidates whose length alone
//! rules them out are skipped, and the distance is computed on bytes without allocating per
//! candidate.

/// The candidate closest to `input` (ignoring ASCII case), if it is close enough: at most a
/// quarter of the input's length in edits, at least 1 and at most 3. Ties go to the first.
pub(crate) fn closest<'c>(
    input: &str,
    candidates: impl IntoIterator<Item = &'c str>,
) -> Option<&'c str> {
    closest_within(input, candidates, (input.len() / 4).clamp(1, 3))
}

/// The candidate closest to `input` (ignoring ASCII case) within `limit` edits. Ties go to the
/// first.
pub(crate) fn closest_within<'c>(
    input: &str,
    candidates: impl IntoIterator<Item = &'c str>,
    limit: usize,
) -> Option<&'c str> {
    let mut best: Option<(usize, &'c str)> = None;
    let mut prev = Vec::with_capacity(64);
    let mut cur = Vec::with_capacity(64);
    for candidate in candidates {
        let bound = best.map_or(limit, |(d, _)| d.saturating_sub(1));
        if input.len().abs_diff(candidate.len()) > bound {
            continue;
        }
        let d = distance(input.as_bytes(), candidate.as_bytes(), &mut prev, &mut cur);
        if d <= bound {
            best = Some((d, candidate));
            if d == 0 {
                break;
            }
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance over bytes, ignoring ASCII case, reusing two row buffers.
fn distance(a: &[u8], b: &[u8], prev: &mut Vec<usize>, cur: &mut Vec<usize>) -> usize {
    prev.clear();
    prev.extend(0..=b.len());
    cur.clear();
    cur.resize(b.len() + 1, 0);
    for (i, ca) in a.iter().enumerate() {
        if let Some(first) = cur.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(!ca.eq_ignore_ascii_case(cb));
            let del = prev.get(j + 1).map_or(usize::MAX, |v| v.saturating_add(1));
            let ins = cur.get(j).map_or(usize::MAX, |v| v.saturating_add(1));
            let sub = prev.get(j).map_or(usize::MAX, |v| v.saturating_add(cost));
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = del.min(ins).min(sub);
            }
        }
        std::mem::swap(prev, cur);
    }
    prev.get(b.len()).copied().unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_close_names() {
        let names = ["GetSecretValue", "PutSecretValue", "DescribeSecret"];
        assert_eq!(closest("getsecretvalues", names), Some("GetSecretValue"));
        assert_eq!(closest("DescribeSecrets", names), Some("DescribeSecret"));
        assert_eq!(closest("ListThings", names), None);
        assert_eq!(closest("s4", ["s3", "sqs", "sns"]), Some("s3"));
        assert_eq!(closest("x", std::iter::empty()), None);
        assert_eq!(
            closest_within("StringEqulas", ["StringEquals"], 2),
            Some("StringEquals")
        );
        assert_eq!(closest_within("StrEquals", ["StringEquals"], 2), None);
        // Ties go to the first candidate.
        assert_eq!(closest_within("ab", ["ac", "ad"], 1), Some("ac"));
    }

    #[test]
    fn distance_ignores_ascii_case() {
        let (mut p, mut c) = (Vec::new(), Vec::new());
        assert_eq!(distance(b"kitten", b"sitting", &mut p, &mut c), 3);
        assert_eq!(distance(b"ABC", b"abc", &mut p, &mut c), 0);
        assert_eq!(distance(b"", b"abc", &mut p, &mut c), 3);
    }
}
