//! Lists of many patterns decided together (the engine's value index, its wildcard sets, ARN
//! groups and template groups) against each pattern alone and the naive reference evaluator,
//! on lists made by the generator of `support/pattern_sets.rs` (also the `pattern_set` fuzz
//! target's). `PROPTEST_CASES` raises the case count.

use proptest::prelude::*;

use crate::support::pattern_sets::{SetCase, check, generate};
use crate::support::scenario::{Bytes, lcg_bytes};

/// The generator makes what the check needs: lists long enough to be indexed, policies that
/// parse, requests that build, and conditions that hold as often as not (texts are made from
/// the patterns), so that a wrong answer in either direction would show.
#[test]
fn pattern_set_generator_makes_indexed_lists_that_match_often() {
    let (mut long, mut decided, mut allowed, mut conditions) = (0, 0, 0, 0);
    let n: usize = 300;
    for seed in 0..n {
        let case = generate(&mut Bytes::new(&lcg_bytes(seed as u64, 800)));
        long += usize::from(case.patterns.len() >= 8);
        let line = crate::support::pattern_sets::case_line(&case);
        let Some(decision) = crate::support::differential::check_evaluate_case(&line, false) else {
            continue;
        };
        decided += 1;
        if case.element == "Condition" {
            conditions += 1;
            allowed += usize::from(decision == iam_policy::Decision::Allow);
        }
    }
    assert!(long * 2 > n, "{long} of {n} lists of 8 or more");
    assert!(decided * 10 > n * 9, "{decided} of {n} decided");
    assert!(
        allowed * 5 > conditions && allowed * 5 < conditions * 4,
        "{allowed} of {conditions} conditions allow"
    );
}

/// The fault of session 7 (two gating bytes, a match through the first overwritten by the
/// second's search), as the generator's case: `StringNotLike` must not hold for a text that a
/// pattern matches through the first gate.
#[test]
fn pattern_set_two_gates_do_not_overwrite_a_match() {
    let patterns: Vec<String> = (0..10)
        .map(|i| format!("*{i}?x*"))
        .chain((0..10).map(|i| format!("*{i}?y*")))
        .collect();
    let case = SetCase {
        element: "Condition".to_owned(),
        operator: "StringNotLike".to_owned(),
        patterns,
        texts: vec!["a3_x".to_owned()],
        single: true,
        tags: Vec::new(),
        deny: false,
    };
    check(&case);
    assert_eq!(SetCase::from_json(&case.to_json()), Some(case));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    /// A list of patterns decides as its patterns one at a time, and the engine (compiled and
    /// through a store) as the reference.
    #[test]
    fn pattern_sets_agree_with_one_pattern_at_a_time(
        bytes in proptest::collection::vec(any::<u8>(), 0..800),
    ) {
        check(&generate(&mut Bytes::new(&bytes)));
    }
}
