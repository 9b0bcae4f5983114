//! Our JSON reader against serde_json: accept/reject agreement and equal values.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/it/support/invariants.rs"]
mod invariants;

fuzz_target!(|data: &[u8]| {
    invariants::check_json(data);
});
