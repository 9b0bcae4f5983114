//! Analysis: two policies (split at the first NUL byte); every witness confirmed by the engine,
//! no new access against itself, no panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/support/invariants.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    if data.len() > 8 * 1024 {
        return;
    }
    invariants::check_analysis(data);
});
