//! Property tests of the whole pipeline (policy text → `parse_policy` → `PolicySet` →
//! `evaluate`/`explain`), and differential tests against the naive reference evaluator in
//! `support/reference.rs`.
//!
//! Case counts come from `PROPTEST_CASES` (default 256). Failures are persisted in
//! `proptest-regressions/` (committed).

use std::fmt::Write as _;
use std::path::Path;

use crate::support::differential;

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
        let outcome = std::panic::catch_unwind(|| differential::check_evaluate_case(line, false));
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

    use crate::support::differential;
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
            decided += usize::from(differential::check_evaluate_case(&line, true).is_some());
        }
        assert_eq!(decided, 500);
    }

    proptest! {
        #[test]
        fn reference_agrees_with_engine_on_random_scenarios(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let line = case_line(&mut Bytes::new(&bytes));
            differential::check_evaluate_case(&line, true);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Known differences (reported): the reference follows the AWS documentation, the engine does
// not yet. Each case file's `expect` is the documented outcome. This test is a tripwire: when
// the engine changes, it fails, and the matching `reference::Quirks` field must go.
// ---------------------------------------------------------------------------------------------

#[test]
fn known_engine_differences_are_still_present() {
    use iam_policy::case::{Case, CaseOutcome, run_case};

    use crate::support::reference::{self, Quirks};

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/evaluate");
    for (file, engine_today) in [
        ("scp-deny-for-service-principal.jsonl", "ExplicitDeny"),
        ("boundary-deny-for-root-user.jsonl", "ExplicitDeny"),
        ("resource-account-key-defaulted.jsonl", "ImplicitDeny"),
    ] {
        let line = std::fs::read_to_string(dir.join(file)).unwrap();
        let case = Case::parse(&line).unwrap();
        let result = run_case(&case);
        let (policies, request) = reference::read_case(&line).unwrap();
        let documented = reference::decide(&policies, &request);
        assert_eq!(
            format!("{documented:?}"),
            case.expected.to_string(),
            "{file}: the reference gives the documented outcome"
        );
        assert_eq!(
            result.actual.to_string(),
            engine_today,
            "{file}: the engine changed; drop the matching `Quirks` field if it now agrees"
        );
        assert!(!matches!(result.actual, CaseOutcome::Error(_)));
        assert_eq!(
            format!(
                "{:?}",
                reference::decide_with(&policies, &request, Quirks::ENGINE)
            ),
            engine_today,
            "{file}: `Quirks::ENGINE` imitates the engine"
        );
    }
}
