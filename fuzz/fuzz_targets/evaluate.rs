//! The engine against the naive reference evaluator on random policy sets and requests.
//!
//! The input drives the scenario generator of `tests/it/support/scenario.rs` (small policies of
//! every kind, SCP/RCP levels, a request with context). Checks: no panic, `explain` agrees with
//! `evaluate`, the reference decides the same (`tests/it/support/differential.rs`). A crash
//! prints the case line (`Debug`): save it as `fuzz/regressions/evaluate/<name>.jsonl`.
#![no_main]
use std::fmt;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/support/differential.rs"]
mod differential;
#[path = "../../tests/it/support/reference.rs"]
mod reference;
#[path = "../../tests/it/support/scenario.rs"]
mod scenario;
#[path = "../../tests/it/support/through_store.rs"]
mod through_store;

/// libFuzzer's bytes as scenario choices.
struct Choices<'u, 'a>(&'u mut Unstructured<'a>);

impl scenario::Source for Choices<'_, '_> {
    fn pick(&mut self, n: usize) -> usize {
        self.0.choose_index(n.max(1)).unwrap_or(0)
    }
}

/// One generated case line; `Debug` prints it as is (the reproducer).
struct Scenario(String);

impl<'a> Arbitrary<'a> for Scenario {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self(scenario::case_line(&mut Choices(u))))
    }
}

impl fmt::Debug for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fuzz_target!(|input: Scenario| {
    differential::check_evaluate_case(&input.0, true);
});
