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
//!
//! Templates and plans (`iam_policy::iac::lint_source`): benchmark `lint/templates` over the
//! CloudFormation templates and Terraform plans of `fixtures/iac` plus a generated YAML
//! template of 60 roles (a trust policy and an inline policy each, with `!Sub`, `!GetAtt` and
//! `!Ref`), throughput in files; the steady files/s and policies/s follow criterion's report.

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
use iam_policy::iac::{Options, SourceKind, detect, lint_source};
use iam_policy::lint::{LintOptions, lint_text};
use iam_policy::unstable::catalog::Catalog;

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

/// A template or plan to lint.
struct Template {
    text: String,
    kind: SourceKind,
}

/// A YAML template of `roles` roles, each with a trust policy and an inline policy that use
/// intrinsic functions.
fn generated_template(roles: usize) -> String {
    let mut t = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Env:\n    Type: String\n    Default: prod\nResources:\n",
    );
    for i in 0..roles {
        t.push_str(&format!(
            "  Bucket{i}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub 'data-${{Env}}-{i}'\n\
             \x20 Role{i}:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n\
             \x20       Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n\
             \x20           Principal: {{Service: lambda.amazonaws.com}}\n            Action: sts:AssumeRole\n\
             \x20     Policies:\n        - PolicyName: data\n          PolicyDocument:\n\
             \x20           Version: '2012-10-17'\n            Statement:\n              - Effect: Allow\n\
             \x20               Action: [s3:GetObject, s3:PutObject]\n                Resource: !Sub '${{Bucket{i}.Arn}}/*'\n\
             \x20             - Effect: Allow\n                Action: s3:ListBucket\n                Resource: !GetAtt Bucket{i}.Arn\n\
             \x20               Condition:\n                  StringEquals: {{aws:ResourceAccount: !Ref AWS::AccountId}}\n"
        ));
    }
    t
}

/// The templates and plans of `fixtures/iac`, and a generated template.
fn templates() -> Vec<Template> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/iac");
    let mut paths = Vec::new();
    for dir in ["cloudformation", "terraform"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("fixtures/iac") {
            paths.push(entry.expect("directory entry").path());
        }
    }
    paths.sort();
    let mut out: Vec<Template> = paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("template text");
            let kind = detect(&p.to_string_lossy(), &text).expect("a template or plan");
            Template { text, kind }
        })
        .collect();
    out.push(Template {
        text: generated_template(60),
        kind: SourceKind::CloudFormation,
    });
    out
}

/// Lints every template once; returns (policies, findings).
fn template_pass(templates: &[Template], options: &Options) -> (usize, usize) {
    templates.iter().fold((0, 0), |(p, f), t| {
        let r = lint_source(black_box(&t.text), t.kind, options);
        (
            p + r.policies.len(),
            f + r.policies.iter().map(|p| p.findings.len()).sum::<usize>(),
        )
    })
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
    let templates = templates();
    let iac_options = Options::default();
    {
        let mut group = c.benchmark_group("lint");
        group.throughput(Throughput::Elements(templates.len() as u64));
        group.bench_function("templates", |b| {
            b.iter(|| template_pass(&templates, &iac_options))
        });
        group.finish();
    }
    c.final_summary();

    let args: Vec<String> = std::env::args().collect();
    // `cargo test --benches` runs the binary with `--test`: no timing then.
    if args.iter().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let (policies, _) = template_pass(&templates, &iac_options);
    let mut rates: Vec<f64> = (0..31)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..4 {
                black_box(template_pass(&templates, &iac_options));
            }
            4.0 / start.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    let passes = rates[rates.len() / 2];
    println!(
        "lint templates: {} files ({} bytes), {policies} policies; steady {:.0} files/s, {:.0} policies/s on one core",
        templates.len(),
        templates.iter().map(|t| t.text.len()).sum::<usize>(),
        passes * templates.len() as f64,
        passes * policies as f64,
    );
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
