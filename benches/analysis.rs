//! Time per custom policy check (`iam_policy::analysis::no_new_access`).
//!
//! Criterion measures policies of 1, 10 and 50 statements compared with a copy in which one
//! statement grants a little more (FAIL, with witness search) and with themselves (PASS, the
//! full search), then the bench times every ordered pair of same-type valid policies among
//! `fixtures/policies/valid` once each and prints the median, 90th percentile and maximum.
//! Aim: median under 10 ms, none over 1 s.
//!
//! Run with `cargo bench --bench analysis -- --sample-size 10`. The machine this runs on may be
//! shared: wall-clock figures under load are noisy.

#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "bench code: a broken fixture set should stop the run loudly"
)]

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::Criterion;
use iam_policy::analysis::no_new_access;
use iam_policy::{Policy, PolicyType, parse_policy};

const SERVICES: &[&str] = &[
    "s3", "ec2", "sqs", "sns", "dynamodb", "kms", "lambda", "logs",
];
const VERBS: &[&str] = &[
    "Get", "List", "Describe", "Put", "Create", "Delete", "Update", "Tag",
];

/// A policy of `n` statements mixing exact and wildcard actions, resource patterns and
/// conditions on shared keys; `widen` makes one statement's action a wildcard.
fn policy(n: usize, widen: bool) -> Policy {
    let mut stmts = Vec::new();
    for i in 0..n {
        let svc = SERVICES[i % SERVICES.len()];
        let verb = VERBS[(i / SERVICES.len()) % VERBS.len()];
        let action = if widen && i == n / 2 {
            format!("{svc}:{verb}*")
        } else {
            format!("{svc}:{verb}Item{i}")
        };
        let resource = format!("arn:aws:{svc}:us-east-1:111122223333:res-{i}/*");
        let condition = match i % 4 {
            0 => r#","Condition":{"StringEquals":{"aws:SourceVpc":["vpc-1","vpc-2"]}}"#.to_owned(),
            1 => format!(
                r#","Condition":{{"NumericLessThan":{{"s3:max-keys":"{}"}}}}"#,
                10 + i
            ),
            2 => r#","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#.to_owned(),
            _ => String::new(),
        };
        stmts.push(format!(
            r#"{{"Sid":"S{i}","Effect":"Allow","Action":"{action}","Resource":"{resource}"{condition}}}"#
        ));
    }
    stmts.push(r#"{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}"#.to_owned());
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        stmts.join(",")
    );
    parse_policy(&text, PolicyType::Identity).expect("generated policy parses")
}

fn fixtures() -> Vec<(String, PolicyType, Policy)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/policies/valid");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&path).expect("read");
        let ty = match name.split('-').next() {
            Some("identity") => PolicyType::Identity,
            Some("resource") => PolicyType::Resource,
            Some("trust") => PolicyType::Trust,
            Some("boundary") => PolicyType::PermissionsBoundary,
            Some("scp") => PolicyType::Scp,
            Some("rcp") => PolicyType::Rcp,
            Some("session") => PolicyType::Session,
            _ => iam_policy::lint::detect_policy_type(&text),
        };
        if let Ok(p) = parse_policy(&text, ty) {
            out.push((name, ty, p));
        }
    }
    out
}

fn pairs_report() {
    let policies = fixtures();
    let mut times: Vec<(Duration, String)> = Vec::new();
    let mut cannot = 0usize;
    for (a, ta, pa) in &policies {
        for (b, tb, pb) in &policies {
            if ta != tb {
                continue;
            }
            let start = Instant::now();
            let report = black_box(no_new_access(pa, pb, *tb));
            times.push((start.elapsed(), format!("{a} -> {b}")));
            cannot += usize::from(report.is_cannot_prove());
        }
    }
    times.sort();
    let at = |percent: usize| times[(times.len() - 1) * percent / 100].0;
    let (max, name) = times.last().cloned().expect("pairs");
    println!(
        "analysis/fixture_pairs: {} pairs ({cannot} cannot prove); median {:?}, p90 {:?}, max \
         {:?} ({name})",
        times.len(),
        at(50),
        at(90),
        max
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("analysis");
    for n in [1usize, 10, 50] {
        let base = policy(n, false);
        let wider = policy(n, true);
        group.bench_function(format!("no_new_access/{n}_statements/pass"), |b| {
            b.iter(|| black_box(no_new_access(&wider, &base, PolicyType::Identity)));
        });
        group.bench_function(format!("no_new_access/{n}_statements/fail"), |b| {
            b.iter(|| black_box(no_new_access(&base, &wider, PolicyType::Identity)));
        });
    }
    group.finish();
    c.final_summary();
    pairs_report();
}
