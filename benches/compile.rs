//! Parsing and compiling one secret's resource policy (the two-statement policy of the
//! secret-server workload), and storing it.
//!
//! `cargo bench --bench compile -- --quick`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops on broken setup"
)]

#[allow(
    unused_imports,
    reason = "the generator's own tests are not built into a bench"
)]
#[path = "workload.rs"]
mod workload;

use std::hint::black_box;

use criterion::Criterion;
use iam_policy::PolicyStore;
use iam_policy::{PolicyKind, PolicySet, PolicyType, parse_policy};

fn bench(c: &mut Criterion) {
    let text = workload::secret_policy("payments");
    let policy = parse_policy(&text, PolicyType::Resource).expect("the workload policy parses");
    let mut set = PolicySet::new();
    set.add(PolicyKind::Resource, policy);
    let mut group = c.benchmark_group("resource_policy");
    group.bench_function("parse", |b| {
        b.iter(|| parse_policy(black_box(&text), PolicyType::Resource));
    });
    group.bench_function("compile", |b| b.iter(|| black_box(&set).compile()));
    group.bench_function("parse_and_compile", |b| {
        b.iter(|| {
            let policy = parse_policy(black_box(&text), PolicyType::Resource).expect("parses");
            let mut set = PolicySet::new();
            set.add(PolicyKind::Resource, policy);
            set.compile()
        });
    });
    // Replacing one secret's policy in a store of 1,000 secrets with a text no other secret
    // uses: parse, compile and swap (each iteration alternates between two fresh texts).
    let w = workload::standard(1_000);
    let store = PolicyStore::new();
    for s in &w.secrets {
        store
            .set_resource_policy(&s.arn, &s.policy_json)
            .expect("accepted");
    }
    let arn = w.secrets.first().expect("a secret").arn.clone();
    let fresh = [
        workload::secret_policy("fresh-a"),
        workload::secret_policy("fresh-b"),
    ];
    group.bench_function("store_replace_new_text", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i += 1;
            let text = fresh.get(i % 2).expect("two texts");
            store.set_resource_policy(black_box(&arn), text)
        });
    });
    // Replacing it with a text other secrets already use: no parse, no compile.
    let shared = [
        workload::secret_policy("search"),
        workload::secret_policy("ledger"),
    ];
    group.bench_function("store_replace_shared_text", |b| {
        let mut i = 0usize;
        b.iter(|| {
            i += 1;
            let text = shared.get(i % 2).expect("two texts");
            store.set_resource_policy(black_box(&arn), text)
        });
    });
    group.finish();
}

/// `IAM_POLICY_PROFILE=<count>`: compiles the policy `count` times, for callgrind.
fn profile(count: &str) {
    let count: usize = count.parse().expect("IAM_POLICY_PROFILE=<count>");
    let text = workload::secret_policy("payments");
    let policy = parse_policy(&text, PolicyType::Resource).expect("the workload policy parses");
    let mut set = PolicySet::new();
    set.add(PolicyKind::Resource, policy);
    let mut statements = 0;
    for _ in 0..count {
        statements += profiled_compile(black_box(&set)).statement_count();
    }
    println!("{statements} statements compiled");
}

/// One compile, kept out of line so that callgrind reports its inclusive cost.
#[inline(never)]
fn profiled_compile(set: &PolicySet) -> iam_policy::CompiledPolicySet {
    set.compile()
}

fn main() {
    if let Ok(count) = std::env::var("IAM_POLICY_PROFILE") {
        profile(&count);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
