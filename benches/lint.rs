//! Lint throughput in files per second on one core, over `fixtures/policies/valid` and, when it
//! exists, `fixtures/lint` (floor: 10,000 files/s).
//!
//! Run with `cargo bench --bench lint -- --sample-size 20`. The bundled service catalog is
//! loaded once, cold, before anything else, and its load time is reported; criterion then
//! measures `iam_policy::lint::lint_text` over every file (benchmark `lint/all_fixtures`,
//! throughput in elements = files). After criterion's report the bench prints the steady
//! figure (files/s, median of alternating rounds) and the figure for one run that pays the
//! catalog load once, as a CLI run over these files would.
//!
//! Each file is linted as the policy type its name gives (`identity-x.json` in the policy
//! fixtures, `fire-resource-x.json` in the lint fixtures), as `iam-policy lint --type` would;
//! files that name none are auto-detected, as the lint fixture tests do.
//! `IAM_LINT_LOOP=<n>` runs `n` passes without criterion (for `valgrind --tool=callgrind`).

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "bench code: a broken fixture set should stop the run loudly"
)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use iam_policy::PolicyType;
use iam_policy::catalog::Catalog;
use iam_policy::lint::{LintOptions, lint_text};

/// One file to lint.
struct File {
    text: String,
    options: LintOptions,
}

/// Every `*.json` below `dir` (recursively), sorted.
fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// The files of the valid policy fixtures and of `fixtures/lint`.
fn files() -> Vec<File> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut paths = Vec::new();
    json_files(&root.join("policies/valid"), &mut paths);
    json_files(&root.join("lint"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("UTF-8 file name");
            // `identity-x.json` in the policy fixtures; `fire-resource-x.json` or
            // `pass-scp.json` in the lint fixtures (the word after `fire-`/`pass-`).
            let mut words = name.trim_end_matches(".json").split('-');
            let first = words.next().unwrap_or_default();
            let word = if matches!(first, "fire" | "pass") {
                words.next().unwrap_or_default()
            } else {
                first
            };
            let policy_type = PolicyType::from_name(word);
            let text = std::fs::read_to_string(&path).expect("fixture text");
            File {
                text,
                options: LintOptions { policy_type },
            }
        })
        .collect()
}

/// Lints every file once; returns the number of findings (so nothing is optimised away).
fn pass(files: &[File]) -> usize {
    files
        .iter()
        .map(|f| lint_text(black_box(&f.text), &f.options).findings.len())
        .sum()
}

/// Median files/s over `rounds` timed passes.
fn steady_files_per_second(files: &[File], rounds: usize) -> f64 {
    let mut rates: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..4 {
                black_box(pass(files));
            }
            (4 * files.len()) as f64 / start.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

fn main() {
    // The catalog first, cold: the one-time cost every process pays.
    let start = Instant::now();
    let catalog = Catalog::get().expect("bundled catalog");
    let catalog_load = start.elapsed();
    black_box(catalog.services().len());

    let files = files();
    assert!(!files.is_empty(), "no fixtures found");
    if let Ok(n) = std::env::var("IAM_LINT_LOOP") {
        let n: usize = n.parse().expect("a pass count");
        for _ in 0..n {
            black_box(pass(&files));
        }
        return;
    }

    let mut c = Criterion::default().configure_from_args();
    {
        let mut group = c.benchmark_group("lint");
        group.throughput(Throughput::Elements(files.len() as u64));
        group.bench_function("all_fixtures", |b| b.iter(|| pass(&files)));
        group.finish();
    }
    c.final_summary();

    let args: Vec<String> = std::env::args().collect();
    // `cargo test --benches` runs the binary with `--test`: no timing then.
    if args.iter().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let steady = steady_files_per_second(&files, 101);
    let one_pass = Duration::from_secs_f64(files.len() as f64 / steady);
    let cold = files.len() as f64 / (catalog_load + one_pass).as_secs_f64();
    println!(
        "lint: {} files; steady {steady:.0} files/s on one core (floor 10000); \
         catalog load {:.1} ms; one pass including the catalog load {cold:.0} files/s",
        files.len(),
        catalog_load.as_secs_f64() * 1e3,
    );
    // How many files one run must lint for the rate, catalog load included, to reach the floor.
    let per_file_budget = 1.0 / 10_000.0 - 1.0 / steady;
    if per_file_budget > 0.0 {
        println!(
            "lint: a run of {:.0} or more files reaches 10000 files/s with the catalog load included",
            (catalog_load.as_secs_f64() / per_file_budget).ceil()
        );
    } else {
        println!("lint: below 10000 files/s even without the catalog load");
    }
}
