//! Runs every case of `fixtures/cases/*.jsonl` and lists each failing case.

use std::fmt::Write as _;
use std::path::Path;

use iam_policy::case::{Case, CaseOutcome, run_case};

#[test]
fn corpus_all_cases_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/cases exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());

    let mut total = 0;
    let mut failures = String::new();
    let mut failed = 0;
    let mut names = std::collections::HashMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable case file");
        let short = file.file_name().unwrap_or_default().to_string_lossy();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            total += 1;
            let at = format!("{short}:{}", n + 1);
            let case = match Case::parse(line) {
                Ok(case) => case,
                Err(e) => {
                    failed += 1;
                    writeln!(failures, "{at}: unreadable case: {e}").unwrap();
                    continue;
                }
            };
            if let Some(first) = names.insert(case.name.clone(), at.clone()) {
                writeln!(failures, "{at}: note: name `{}` also at {first}", case.name).unwrap();
            }
            let result = run_case(&case);
            // `explain` must agree with `evaluate` (they share one code path).
            if let (Some(set), Some(request)) = (case.policies(), case.request()) {
                let compiled = set.compile();
                let explained = compiled.explain(request);
                assert_eq!(
                    explained.evaluation(),
                    &compiled.evaluate(request),
                    "{at}: explain and evaluate disagree"
                );
            }
            if !result.passed {
                failed += 1;
                let detail = match &result.actual {
                    CaseOutcome::Error(_) => "errors",
                    _ => "reasons",
                };
                writeln!(
                    failures,
                    "{at}: {}: expected {}, got {}; {detail}: {}",
                    result.name,
                    result.expected,
                    result.actual,
                    result.reasons.join(" | ")
                )
                .unwrap();
            }
        }
    }
    assert!(failed == 0, "{failed} of {total} cases failed:\n{failures}");
}
