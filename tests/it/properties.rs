//! Property tests of the whole pipeline (policy text → `parse_policy` → `PolicySet` →
//! `evaluate`/`explain`), and differential tests against the naive reference evaluator in
//! `support/reference.rs`.
//!
//! Case counts come from `PROPTEST_CASES` (default 256). Failures are persisted in
//! `proptest-regressions/` (committed).

use std::fmt::Write as _;
use std::path::Path;

use crate::support::invariants;

/// Every line of every `fixtures/cases/*.jsonl`, with `file:line`.
fn fixture_cases() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let short = file.file_name().unwrap().to_string_lossy().into_owned();
        for (n, line) in std::fs::read_to_string(&file).unwrap().lines().enumerate() {
            if !line.trim().is_empty() {
                out.push((format!("{short}:{}", n + 1), line.to_owned()));
            }
        }
    }
    out
}

#[test]
fn reference_agrees_with_engine_on_every_fixture_case() {
    let cases = fixture_cases();
    assert!(cases.len() >= 600, "only {} cases", cases.len());
    let mut disagreements = String::new();
    let mut count = 0;
    let mut decided = 0;
    for (at, line) in &cases {
        let outcome = std::panic::catch_unwind(|| invariants::check_evaluate_case(line, false));
        if let Ok(decision) = &outcome {
            decided += usize::from(decision.is_some());
        }
        if let Err(payload) = outcome {
            count += 1;
            let name = serde_json::from_str::<serde_json::Value>(line).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_owned();
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_default();
            let message = message.split(": {").next().unwrap_or_default();
            writeln!(disagreements, "{at} {name}: {message}").unwrap();
        }
    }
    assert!(
        count == 0,
        "{count} of {} cases:\n{disagreements}",
        cases.len()
    );
    // Only the `"expect": "Error"` cases have no decision.
    let errors = cases
        .iter()
        .filter(|(_, l)| l.contains(r#""expect": "Error""#))
        .count();
    assert_eq!(decided + errors, cases.len());
    assert!(decided >= 600, "only {decided} decided");
}

// ---------------------------------------------------------------------------------------------
// Random scenarios: the engine against the reference
// ---------------------------------------------------------------------------------------------

mod random {
    use proptest::prelude::*;

    use crate::support::invariants;
    use crate::support::scenario::{Bytes, case_line};

    /// Bytes from a fixed linear congruential sequence (no randomness in a plain test).
    fn lcg_bytes(seed: u64, len: usize) -> Vec<u8> {
        let mut x = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (0..len)
            .map(|_| {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                (x >> 56) as u8
            })
            .collect()
    }

    #[test]
    fn scenarios_are_mostly_decidable() {
        // The generator writes valid policies; only requests it cannot build would be refused.
        let mut decided = 0;
        for seed in 0..500 {
            let line = case_line(&mut Bytes::new(&lcg_bytes(seed, 400)));
            decided += usize::from(invariants::check_evaluate_case(&line, true).is_some());
        }
        assert_eq!(decided, 500);
    }

    proptest! {
        #[test]
        fn reference_agrees_with_engine_on_random_scenarios(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let line = case_line(&mut Bytes::new(&bytes));
            invariants::check_evaluate_case(&line, true);
        }
    }
}
