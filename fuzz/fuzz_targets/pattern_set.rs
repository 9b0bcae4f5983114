//! Lists of many patterns matched together (the engine's value index and its wildcard sets)
//! against each pattern alone and the naive reference evaluator.
//!
//! The input drives the generator of `tests/it/support/pattern_sets.rs`: lists of ARN-shaped
//! or free-text patterns sharing prefixes, suffixes and inner literals (`*`, `?`, policy
//! variables with defaults, `${*}`-style fixed variables), under every String and ARN
//! operator and qualifier or as a `Resource` / `NotResource` list, and request texts made from
//! the patterns. A crash prints the case as JSON (`Debug`): save it as
//! `fuzz/regressions/pattern_set/<name>.json`.
#![no_main]
use std::fmt;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/support/differential.rs"]
mod differential;
#[path = "../../tests/it/support/pattern_sets.rs"]
mod pattern_sets;
#[path = "../../tests/it/support/reference.rs"]
mod reference;
#[path = "../../tests/it/support/scenario.rs"]
mod scenario;
#[path = "../../tests/it/support/through_store.rs"]
mod through_store;

/// libFuzzer's bytes as generator choices.
struct Choices<'u, 'a>(&'u mut Unstructured<'a>);

impl scenario::Source for Choices<'_, '_> {
    fn pick(&mut self, n: usize) -> usize {
        self.0.choose_index(n.max(1)).unwrap_or(0)
    }
}

/// One generated case; `Debug` prints it as the saved reproducer (JSON).
struct Case(pattern_sets::SetCase);

impl<'a> Arbitrary<'a> for Case {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self(pattern_sets::generate(&mut Choices(u))))
    }
}

impl fmt::Debug for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_json())
    }
}

fuzz_target!(|input: Case| {
    pattern_sets::check(&input.0);
});
