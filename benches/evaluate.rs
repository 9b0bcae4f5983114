//! The secret-server workload on [`PolicyStore`]: ns per decision at N = 10, 1,000 and
//! 100,000 secrets, plus the store's memory per secret and the allocations per decision.
//!
//! `cargo bench --bench evaluate -- --quick` (criterion options after `--`). Before timing it
//! checks every decision against the workload and prints, for each N, the bytes the store
//! retains per secret and the heap allocations made by all decisions (both counted by a
//! counting allocator, not timed).
//!
//! Benchmarks, per N: `prepared` ([`PolicyStore::evaluate_prepared`], cycling through the
//! workload's 4,096 prepared requests), `prepared_cold` (each request once after 64 MiB of
//! other memory traffic, as the interleaved comparison in `benches/compare` sees it), `plain`
//! ([`PolicyStore::evaluate`] on the unprepared requests); and `request/build`,
//! `request/build_and_prepare` (the per-request cost outside the decision).
//!
//! Without criterion, for a busy machine:
//! - `IAM_POLICY_PROFILE=<N>[:<rounds>]` runs every prepared request of size N `rounds` times
//!   (default 10), for `valgrind --tool=callgrind --toggle-collect='*profiled_decision*'`
//!   instruction and cache-miss counts;
//! - `IAM_POLICY_PROFILE_CALL=<N>[:<rounds>[:owned]]` the same for the whole per-call path
//!   (build and prepare in a reused `RequestBuffer`, decide: `--toggle-collect='*profiled_call*'`;
//!   with `owned`, `Request::builder` + `PreparedRequest::new` + decide:
//!   `--toggle-collect='*profiled_owned_call*'`);
//! - `IAM_POLICY_ROUNDS=<N>[:<rounds>]` prints ns per decision, warm and cold, as the fastest
//!   and the median of `rounds` (default 31) passes over the requests.
#![allow(
    clippy::print_stdout,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark prints its findings and stops on broken setup"
)]

#[allow(
    unused_imports,
    reason = "the generator's own tests are not built into a bench"
)]
#[path = "workload.rs"]
mod workload;

#[path = "iam_setup.rs"]
mod iam_setup;

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion};
use iam_policy::{PolicyStore, PreparedRequest};

/// The store and prepared requests for `n` secrets, checked against the workload.
fn deploy(n: usize) -> (workload::Workload, PolicyStore, Vec<PreparedRequest>) {
    let w = workload::standard(n);
    let store = iam_setup::store(&w).expect("workload policies are accepted");
    let prepared = iam_setup::prepared(&w).expect("workload requests are accepted");
    iam_setup::verify(&store, &prepared, &w).expect("every expected decision");
    (w, store, prepared)
}

/// Bytes retained by a store holding the workload of `n` secrets, per secret, and the
/// number of distinct compiled documents.
fn bytes_per_secret(w: &workload::Workload) -> (f64, usize) {
    let mut kept = None;
    let info = allocation_counter::measure(|| {
        kept = Some(iam_setup::store(w).expect("workload policies are accepted"));
    });
    let documents = kept.as_ref().map_or(0, PolicyStore::document_count);
    drop(kept);
    (
        info.bytes_current as f64 / w.secrets.len() as f64,
        documents,
    )
}

/// Prints memory and allocation figures for every size.
fn report() {
    for n in workload::SIZES {
        let (w, store, prepared) = deploy(n);
        let (per_secret, documents) = bytes_per_secret(&w);
        let mut decisions = 0usize;
        let info = allocation_counter::measure(|| {
            for p in &prepared {
                black_box(store.evaluate_prepared(black_box(p)));
                black_box(store.evaluate(black_box(p.request())));
                decisions += 2;
            }
        });
        println!(
            "N={n}: {per_secret:.0} bytes retained per secret ({documents} compiled documents), \
             {} heap allocations in {decisions} decisions",
            info.count_total
        );
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("secret_server");
    for n in workload::SIZES {
        let (_w, store, prepared) = deploy(n);
        group.bench_with_input(BenchmarkId::new("prepared", n), &n, |b, _| {
            let mut requests = prepared.iter().cycle();
            b.iter(|| {
                let r = requests.next().expect("a non-empty workload");
                store.evaluate_prepared(black_box(r))
            });
        });
        // Every request once, after 64 MiB of other memory traffic: the caches hold none of
        // the request data and little of the store (what the interleaved comparison sees).
        group.bench_with_input(BenchmarkId::new("prepared_cold", n), &n, |b, _| {
            let mut noise = vec![1u64; 8 << 20];
            b.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                let mut done = 0u64;
                while done < iters {
                    for (i, x) in noise.iter_mut().enumerate() {
                        *x = x.wrapping_add(i as u64);
                    }
                    black_box(&noise);
                    let batch = usize::try_from(iters - done)
                        .unwrap_or(usize::MAX)
                        .min(prepared.len());
                    let start = std::time::Instant::now();
                    for p in prepared.iter().take(batch) {
                        black_box(store.evaluate_prepared(black_box(p)));
                    }
                    total += start.elapsed();
                    done += batch as u64;
                }
                total
            });
        });
        group.bench_with_input(BenchmarkId::new("plain", n), &n, |b, _| {
            let mut requests = prepared.iter().cycle();
            b.iter(|| {
                let r = requests.next().expect("a non-empty workload");
                store.evaluate(black_box(r.request()))
            });
        });
    }
    group.finish();
    // What a request costs before it is decided (outside the decision): building it from the
    // workload's strings, and preparing it.
    let w = workload::standard(10);
    let mut group = c.benchmark_group("request");
    group.bench_function("build", |b| {
        let mut requests = w.requests.iter().cycle();
        b.iter(|| iam_setup::request(requests.next().expect("a request")));
    });
    group.bench_function("build_and_prepare", |b| {
        let mut requests = w.requests.iter().cycle();
        b.iter(|| {
            iam_setup::request(requests.next().expect("a request")).map(PreparedRequest::new)
        });
    });
    group.bench_function("buffer_build_and_prepare", |b| {
        let mut requests = w.requests.iter().cycle();
        let mut per_call = iam_setup::PerCall::default();
        b.iter(|| per_call.call(requests.next().expect("a request")).is_ok());
    });
    group.finish();
}

/// `IAM_POLICY_PROFILE=<N>[:<rounds>]`: decisions only, for callgrind.
fn profile(spec: &str) {
    let (n, rounds) = spec.split_once(':').unwrap_or((spec, "10"));
    let n: usize = n.parse().expect("IAM_POLICY_PROFILE=<N>[:<rounds>]");
    let rounds: usize = rounds.parse().expect("IAM_POLICY_PROFILE=<N>[:<rounds>]");
    // No check here: callgrind's call counts then hold the profiled decisions only.
    let w = workload::standard(n);
    let store = iam_setup::store(&w).expect("workload policies are accepted");
    let prepared = iam_setup::prepared(&w).expect("workload requests are accepted");
    let mut allowed = 0usize;
    for _ in 0..rounds {
        for p in &prepared {
            let e = profiled_decision(&store, black_box(p));
            allowed += usize::from(e.decision() == iam_policy::Decision::Allow);
        }
    }
    println!("{} decisions, {allowed} allowed", rounds * prepared.len());
}

/// `IAM_POLICY_PROFILE_CALL=<N>[:<rounds>]`: the whole per-call path (build + prepare in a
/// reused buffer + decide) of every request, for callgrind
/// (`--toggle-collect='*profiled_call*'`).
fn profile_call(spec: &str) {
    let mut parts = spec.split(':');
    let usage = "IAM_POLICY_PROFILE_CALL=<N>[:<rounds>[:owned]]";
    let n: usize = parts.next().unwrap_or("1000").parse().expect(usage);
    let rounds: usize = parts.next().unwrap_or("10").parse().expect(usage);
    let owned = parts.next() == Some("owned");
    let w = workload::standard(n);
    let store = iam_setup::store(&w).expect("workload policies are accepted");
    let mut per_call = iam_setup::PerCall::default();
    let mut allowed = 0usize;
    for _ in 0..rounds {
        for r in &w.requests {
            allowed += usize::from(if owned {
                profiled_owned_call(&store, black_box(r))
            } else {
                profiled_call(&store, &mut per_call, black_box(r))
            });
        }
    }
    println!("{} calls, {allowed} allowed", rounds * w.requests.len());
}

/// One call with an owned request: `Request::builder`, `PreparedRequest::new`, decide.
#[inline(never)]
fn profiled_owned_call(store: &PolicyStore, r: &workload::Request) -> bool {
    iam_setup::request(r).is_ok_and(|request| {
        let p = PreparedRequest::new(request);
        store.evaluate_prepared(&p).decision() == iam_policy::Decision::Allow
    })
}

/// One call: build, prepare, decide; kept out of line for callgrind.
#[inline(never)]
fn profiled_call(
    store: &PolicyStore,
    per_call: &mut iam_setup::PerCall,
    r: &workload::Request,
) -> bool {
    per_call
        .call(r)
        .is_ok_and(|p| store.evaluate_prepared(p).decision() == iam_policy::Decision::Allow)
}

/// One decision, kept out of line so that callgrind reports its inclusive cost.
#[inline(never)]
fn profiled_decision(store: &PolicyStore, p: &PreparedRequest) -> iam_policy::Evaluation {
    store.evaluate_prepared(p)
}

/// `IAM_POLICY_ROUNDS=<N>[:<rounds>]`: ns per decision over rounds of every request once,
/// warm (as criterion) and cold (after 64 MiB of other memory traffic, as in the interleaved
/// comparison); the fastest round (least disturbed by other processes) and the median.
fn rounds(spec: &str) {
    let (n, rounds) = spec.split_once(':').unwrap_or((spec, "31"));
    let n: usize = n.parse().expect("IAM_POLICY_ROUNDS=<N>[:<rounds>]");
    let rounds: usize = rounds.parse().expect("IAM_POLICY_ROUNDS=<N>[:<rounds>]");
    let (_w, store, prepared) = deploy(n);
    let mut noise = vec![1u64; 8 << 20];
    let mut measure = |cold: bool| {
        let mut per: Vec<f64> = (0..rounds)
            .map(|_| {
                if cold {
                    for (i, x) in noise.iter_mut().enumerate() {
                        *x = x.wrapping_add(i as u64);
                    }
                    black_box(&noise);
                }
                let start = std::time::Instant::now();
                for p in &prepared {
                    black_box(store.evaluate_prepared(black_box(p)));
                }
                start.elapsed().as_nanos() as f64 / prepared.len() as f64
            })
            .collect();
        per.sort_by(f64::total_cmp);
        (
            per.first().copied().unwrap_or(f64::NAN),
            per.get(per.len() / 2).copied().unwrap_or(f64::NAN),
        )
    };
    let (warm_min, warm_median) = measure(false);
    let (cold_min, cold_median) = measure(true);
    println!(
        "N={n} ns per decision: warm {warm_min:.0} (median {warm_median:.0}), \
         cold {cold_min:.0} (median {cold_median:.0})"
    );
}

fn main() {
    if let Ok(spec) = std::env::var("IAM_POLICY_PROFILE") {
        profile(&spec);
        return;
    }
    if let Ok(spec) = std::env::var("IAM_POLICY_PROFILE_CALL") {
        profile_call(&spec);
        return;
    }
    if let Ok(spec) = std::env::var("IAM_POLICY_ROUNDS") {
        rounds(&spec);
        return;
    }
    report();
    let mut c = Criterion::default().configure_from_args();
    bench(&mut c);
    c.final_summary();
}
