//! Parse + validate throughput over the valid policy fixtures, next to `serde_json` reading the
//! same bytes into a `serde_json::Value` (the floor: `parse_policy` within 2× of serde_json).
//!
//! Run with `cargo bench --bench parse -- --sample-size 20`. Benchmarks in group `parse`:
//!
//! - `serde_json_value`: `serde_json::from_str::<Value>` on every fixture (the reference);
//! - `json_reader`: this crate's spanned JSON reader alone (`iam_policy::unstable::json::parse`);
//! - `parse_policy`: the JSON reader plus lowering and validation (`iam_policy::parse_policy`).
//!
//! After criterion's report, the bench prints the ratio `parse_policy / serde_json_value`
//! measured in alternating rounds (the median of per-round ratios), which holds up better than
//! two separate criterion estimates on a loaded machine.
//!
//! For instruction counts (stable under load), set `IAM_PARSE_LOOP=<mode>:<n>` with mode
//! `serde`, `json` or `policy`: the binary then runs that workload `n` times over all fixtures
//! and exits without criterion, for example
//! `IAM_PARSE_LOOP=policy:200 valgrind --tool=callgrind <bench binary>`; the per-pass count is
//! `(Ir(n) - Ir(0)) / n`.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "bench code: a broken fixture set should stop the run loudly"
)]

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use criterion::{Criterion, Throughput};
use iam_policy::unstable::json::Limits;
use iam_policy::{PolicyType, parse_policy};

/// One fixture: its text and the policy type its file name starts with.
struct Fixture {
    text: String,
    policy_type: PolicyType,
}

/// Every `fixtures/policies/valid/*.json`, sorted by name.
fn fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/policies/valid");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("UTF-8 file name");
            let prefix = name.split('-').next().unwrap_or_default();
            let policy_type = PolicyType::from_name(prefix)
                .unwrap_or_else(|| panic!("{name}: no policy type prefix"));
            let text = std::fs::read_to_string(&path).expect("fixture text");
            // The bench measures the success path: every fixture must parse.
            if let Err(e) = parse_policy(&text, policy_type) {
                panic!("{name}: {e}");
            }
            Fixture { text, policy_type }
        })
        .collect()
}

/// serde_json over every fixture.
fn pass_serde(fixtures: &[Fixture]) {
    for f in fixtures {
        let v: serde_json::Value = serde_json::from_str(black_box(&f.text)).expect("valid JSON");
        black_box(v);
    }
}

/// The spanned JSON reader over every fixture.
fn pass_json(fixtures: &[Fixture]) {
    let limits = Limits::default();
    for f in fixtures {
        let node =
            iam_policy::unstable::json::parse(black_box(&f.text), &limits).expect("valid JSON");
        black_box(node);
    }
}

/// `parse_policy` over every fixture.
fn pass_policy(fixtures: &[Fixture]) {
    for f in fixtures {
        let policy = parse_policy(black_box(&f.text), f.policy_type).expect("valid policy");
        black_box(policy);
    }
}

/// Criterion benchmarks of the three passes.
fn bench(c: &mut Criterion, fixtures: &[Fixture]) {
    let bytes: usize = fixtures.iter().map(|f| f.text.len()).sum();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function("serde_json_value", |b| b.iter(|| pass_serde(fixtures)));
    group.bench_function("json_reader", |b| b.iter(|| pass_json(fixtures)));
    group.bench_function("parse_policy", |b| b.iter(|| pass_policy(fixtures)));
    group.finish();
}

/// Median over alternating rounds of (time of `parse_policy` pass) / (time of serde pass).
fn paired_ratio(fixtures: &[Fixture], rounds: usize) -> f64 {
    let time = |pass: fn(&[Fixture])| {
        let start = Instant::now();
        for _ in 0..8 {
            pass(fixtures);
        }
        start.elapsed().as_secs_f64()
    };
    let mut ratios: Vec<f64> = (0..rounds)
        .map(|_| {
            let serde = time(pass_serde);
            let policy = time(pass_policy);
            policy / serde
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    ratios[ratios.len() / 2]
}

fn main() {
    let fixtures = fixtures();
    if let Ok(spec) = std::env::var("IAM_PARSE_LOOP") {
        let (mode, n) = spec.split_once(':').expect("IAM_PARSE_LOOP=<mode>:<n>");
        let n: usize = n.parse().expect("a pass count");
        let pass: fn(&[Fixture]) = match mode {
            "serde" => pass_serde,
            "json" => pass_json,
            "policy" => pass_policy,
            other => panic!("unknown mode `{other}` (serde, json, policy)"),
        };
        for _ in 0..n {
            pass(&fixtures);
        }
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c, &fixtures);
    c.final_summary();
    let args: Vec<String> = std::env::args().collect();
    // `cargo test --benches` runs the binary with `--test`: no timing then.
    if !args.iter().any(|a| a == "--test" || a == "--list") {
        let ratio = paired_ratio(&fixtures, 201);
        println!(
            "parse_policy / serde_json_value (median of 201 alternating rounds, {} fixtures): {ratio:.2}x",
            fixtures.len()
        );
    }
}
