//! Replays every saved fuzz input (`fuzz/regressions/<target>/`) through the same invariants the
//! fuzz targets check (`support/invariants.rs`), on stable, in every test run.
//!
//! Byte-input targets (`json`, `parse_policy`, `lint`) store the raw input. Structured targets
//! store a readable reproducer instead of libFuzzer's bytes, so that no `arbitrary` decoding is
//! needed here: `wildcard` stores `{"pattern": ..., "text": ...}`, `evaluate` stores the
//! generated decision case as one line of the `fixtures/cases` format, `pattern_set` the
//! generated case as JSON (`SetCase::to_json`).

use std::path::{Path, PathBuf};

use crate::support::{differential, invariants, pattern_sets};

/// The saved inputs of one target, sorted by name (dot-files such as `.gitkeep` skipped).
fn saved(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.is_file())
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    files.sort();
    files
}

/// Runs `check` on every saved input of `target`, naming the file of the first failure.
/// Returns how many inputs were replayed.
fn replay(target: &str, check: impl Fn(&[u8])) -> usize {
    let files = saved(target);
    for path in &files {
        let data = std::fs::read(path).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&data)));
        if let Err(payload) = outcome {
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!("{}: {message}", path.display());
        }
    }
    files.len()
}

#[test]
fn fuzz_replay_json() {
    assert!(replay("json", invariants::check_json) >= 1);
}

#[test]
fn fuzz_replay_parse_policy() {
    assert!(replay("parse_policy", invariants::check_parse_policy) >= 1);
}

#[test]
fn fuzz_replay_lint() {
    assert!(replay("lint", invariants::check_lint) >= 1);
}

#[test]
fn fuzz_replay_analysis() {
    assert!(replay("analysis", invariants::check_analysis) >= 1);
}

#[test]
fn fuzz_replay_wildcard() {
    let n = replay("wildcard", |data| {
        let input: serde_json::Value = serde_json::from_slice(data).unwrap();
        let pattern = input["pattern"].as_str().unwrap();
        let text = input["text"].as_str().unwrap();
        invariants::check_wildcard(pattern, text);
    });
    assert!(n >= 1);
}

#[test]
fn fuzz_replay_evaluate() {
    let n = replay("evaluate", |data| {
        let line = std::str::from_utf8(data).unwrap().trim();
        assert!(differential::check_evaluate_case(line, true).is_some());
    });
    assert!(n >= 1);
}

#[test]
fn fuzz_replay_pattern_set() {
    assert!(replay("pattern_set", pattern_sets::check_json) >= 1);
}
