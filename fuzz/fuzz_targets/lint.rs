//! Lint: no panic, every finding located inside the input.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/support/invariants.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    if data.len() > 64 * 1024 {
        return;
    }
    invariants::check_lint(data);
});
