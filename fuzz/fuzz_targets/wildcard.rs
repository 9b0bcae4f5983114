//! The wildcard matcher against a regex oracle.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/support/invariants.rs"]
mod invariants;

#[derive(Debug, arbitrary::Arbitrary)]
struct Input {
    pattern: String,
    text: String,
}

fuzz_target!(|input: Input| {
    if input.pattern.len() > 256 || input.text.len() > 4096 {
        return;
    }
    invariants::check_wildcard(&input.pattern, &input.text);
});
