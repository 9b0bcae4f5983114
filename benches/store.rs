//! The live store on the secret-server workload (`benches/workload.rs`), N = 100,000 secrets
//! by default, every secret with a resource policy document of its own:
//!
//! - memory retained per secret (shared documents; distinct documents; distinct documents with
//!   a permissions boundary on every role and three SCP and two RCP levels per account);
//! - decide-only time per decision on one thread: over the standard 4,096 requests prepared
//!   ahead (read from memory, and touching at most 4,096 secrets), and as a server sees it
//!   (each request prepared just before it is decided, so it is in cache; 2N requests, so the
//!   secrets requested span all N at random);
//! - decisions per second on 1 and 2 threads, then the same while a writer thread replaces
//!   1,000 resource policies per second (each a new distinct document);
//! - update latency: replacing one secret's policy with a new document, and with a document
//!   another secret already uses;
//! - the whole per-call cost: build + prepare + decide, in a reused `RequestBuffer` (a
//!   server's path) and with a fresh `Request` and `PreparedRequest` per call.
//!
//! `cargo bench --bench store` (`-- --n 10000` for another size, `-- --seconds 1` for shorter
//! throughput runs, `-- --rounds 5` for the number of interleaved throughput windows the
//! seconds are split into). Wall-clock figures: run on a quiet machine, repeat, and say when
//! they were taken under load.
//!
//! `IAM_POLICY_PROFILE_STORE=<N>[:<rounds>[:hot|bench]]` builds the store of N distinct documents and
//! runs only decide-only passes (`profiled_store_decision`; with `hot`, over 16,384 requests
//! with secrets drawn over all N, each prepared just before it is decided, as `decide_hot`
//! does) and then 2,000 updates with new
//! documents (`profiled_update`), for deterministic counts under valgrind:
//! `valgrind --tool=callgrind --cache-sim=yes --toggle-collect='*profiled_store_decision*'`
//! (instructions and last-level cache misses per decision; `*profiled_update*` for updates;
//! each update is also timed, and its allocations counted). With `bench`, only updates, as the
//! whole bench reaches its update lines: its memory-phase stores built and dropped first, a
//! writer thread's updates, then each new-document update (`profiled_update`) followed by a
//! known-document one (`profiled_known_update`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::indexing_slicing,
    reason = "a benchmark program: a failure is a failed run"
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
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use iam_policy::{PolicyStore, PreparedRequest};

const SCP: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
 {"Effect":"Deny","Action":"secretsmanager:DeleteSecret","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"platform"}}}]}"#;
const RCP: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"},
 {"Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Resource":"*","Condition":{"BoolIfExists":{"aws:SecureTransport":"false"}}}]}"#;
const BOUNDARY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["secretsmanager:*","kms:Decrypt"],"Resource":"*"}]}"#;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Retained bytes per secret of the store `build` makes.
fn bytes_per_secret(n: usize, build: impl FnOnce() -> PolicyStore) -> (f64, usize) {
    let mut kept = None;
    let info = allocation_counter::measure(|| kept = Some(build()));
    let documents = kept.as_ref().map_or(0, PolicyStore::document_count);
    drop(kept);
    (info.bytes_current as f64 / n as f64, documents)
}

/// Adds boundaries to every role and SCP/RCP levels to both accounts.
fn with_org(store: &PolicyStore, w: &workload::Workload) {
    for role in &w.roles {
        store
            .set_principal_policies(&role.arn, &[role.policy_json.as_str()], Some(BOUNDARY))
            .unwrap();
    }
    for account in [workload::ACCOUNT, workload::CONSUMER_ACCOUNT] {
        store
            .set_service_control_policies(account, &[&[SCP], &[SCP], &[SCP]])
            .unwrap();
        store
            .set_resource_control_policies(account, &[&[RCP], &[RCP]])
            .unwrap();
    }
}

/// Updates made by [`throughput`]'s writers so far (each writes the next number's document).
static WRITES: AtomicU64 = AtomicU64::new(0);

/// Decisions per second on `threads` threads for `seconds`, with a writer replacing
/// `writes_per_second` resource policies if non-zero (paced); also the writes done.
fn throughput(
    store: &PolicyStore,
    prepared: &[PreparedRequest],
    w: &workload::Workload,
    threads: usize,
    seconds: f64,
    writes_per_second: u64,
) -> (f64, u64) {
    let stop = AtomicBool::new(false);
    let decided = AtomicU64::new(0);
    let writes = AtomicU64::new(0);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (stop, decided) = (&stop, &decided);
            scope.spawn(move || {
                let mut n = 0u64;
                let mut i = t * 997;
                while !stop.load(Ordering::Relaxed) {
                    for _ in 0..256 {
                        black_box(store.evaluate_prepared(&prepared[i % prepared.len()]));
                        i += 1;
                    }
                    n += 256;
                }
                decided.fetch_add(n, Ordering::Relaxed);
            });
        }
        if writes_per_second > 0 {
            let (stop, writes) = (&stop, &writes);
            scope.spawn(move || {
                let start = Instant::now();
                let mut k = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let due = (start.elapsed().as_secs_f64() * writes_per_second as f64) as u64;
                    while k < due {
                        // Numbered across runs, so that every update is a new document.
                        let u = WRITES.fetch_add(1, Ordering::Relaxed);
                        let s = &w.secrets[(u as usize * 7919) % w.secrets.len()];
                        let text = s.policy_json.replacen(
                            "\"DenyInsecureTransport\"",
                            &format!("\"Deny{u}\""),
                            1,
                        );
                        store.set_resource_policy(&s.arn, &text).unwrap();
                        k += 1;
                    }
                    // Sleep until the next update is due (one wake-up per update, not a
                    // poll: every wake-up takes a core from a reader on a small machine).
                    let next = Duration::from_secs_f64((k + 1) as f64 / writes_per_second as f64);
                    std::thread::sleep(next.saturating_sub(start.elapsed()));
                }
                writes.store(k, Ordering::Relaxed);
            });
        }
        std::thread::sleep(Duration::from_secs_f64(seconds));
        stop.store(true, Ordering::Relaxed);
    });
    (
        decided.load(Ordering::Relaxed) as f64 / seconds,
        writes.load(Ordering::Relaxed),
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 - 1.0) * p) as usize]
}

/// Requests decided per batch by `decide_hot`: prepared together just before (a few dozen
/// KB, in the core's own caches, as the request a server has just built).
const HOT_BATCH: usize = 16;

/// `count` of the workload's requests for `n` secrets (enough that the secrets requested
/// span all of them at random (the standard 4,096 requests touch at most 4,096 secrets, whose
/// documents could stay in cache from round to round)): the same generator and seed, so the
/// secrets (and the store built from them) are the standard workload's.
/// Secret `k` of a fixed spread over the workload, and a document of its own: its policy with
/// the first statement's `Sid` renamed `<sid><k>`, so every `k` gives a distinct text.
fn new_document<'w>(
    w: &'w workload::Workload,
    k: usize,
    sid: &str,
) -> (&'w workload::Secret, String) {
    let s = &w.secrets[(k * 7919) % w.secrets.len()];
    let text = s
        .policy_json
        .replacen("\"DenyInsecureTransport\"", &format!("\"{sid}{k}\""), 1);
    (s, text)
}

fn spread(w: &workload::Workload, n: usize, count: usize) -> Vec<workload::Request> {
    let many = workload::generate(n, count, workload::SEED);
    assert_eq!(
        (many.secrets.len(), many.secrets.last().map(|s| &s.arn)),
        (w.secrets.len(), w.secrets.last().map(|s| &s.arn)),
        "the same secrets as the standard workload"
    );
    many.requests
}

/// Refills `batch` with `chunk`'s requests, each built and prepared afresh (so that they are in
/// cache when decided, as the request a server has just built).
fn prepare_batch(batch: &mut Vec<PreparedRequest>, chunk: &[workload::Request]) {
    batch.clear();
    batch.extend(
        chunk
            .iter()
            .map(|r| PreparedRequest::new(iam_setup::request(r).unwrap())),
    );
}

/// Decide-only as a server sees it: each request prepared just before it is decided (batches
/// of [`HOT_BATCH`]; only the decisions are timed), the secrets drawn at random over all N.
/// Nanoseconds per decision, median of `rounds` rounds.
fn decide_hot(store: &PolicyStore, many: &[workload::Request], rounds: usize) -> f64 {
    let mut batch: Vec<PreparedRequest> = Vec::with_capacity(HOT_BATCH);
    let rounds: Vec<f64> = (0..rounds)
        .map(|_| {
            let mut spent = Duration::ZERO;
            for chunk in many.chunks(HOT_BATCH) {
                prepare_batch(&mut batch, chunk);
                let start = Instant::now();
                for p in &batch {
                    black_box(store.evaluate_prepared(black_box(p)));
                }
                spent += start.elapsed();
            }
            spent.as_nanos() as f64 / many.len() as f64
        })
        .collect();
    median(rounds)
}

/// One decision, kept out of line so that valgrind can count it alone.
#[inline(never)]
fn profiled_store_decision(store: &PolicyStore, p: &PreparedRequest) -> bool {
    store.evaluate_prepared(p).decision() == iam_policy::Decision::Allow
}

/// One update with a new document, kept out of line for valgrind.
#[inline(never)]
fn profiled_update(store: &PolicyStore, arn: &str, text: &str) {
    store.set_resource_policy(arn, text).unwrap();
}

/// One update with a document another secret holds, kept out of line for valgrind.
#[inline(never)]
fn profiled_known_update(store: &PolicyStore, arn: &str, text: &str) {
    store.set_resource_policy(arn, text).unwrap();
}

/// `IAM_POLICY_PROFILE_STORE=<N>[:<rounds>[:hot|bench]]` (module docs).
fn profile(spec: &str) {
    let mut parts = spec.split(':');
    let usage = "IAM_POLICY_PROFILE_STORE=<N>[:<rounds>[:hot|bench]]";
    let n: usize = parts.next().unwrap_or_default().parse().expect(usage);
    let rounds: usize = parts.next().unwrap_or("3").parse().expect(usage);
    let mode = parts.next();
    let hot = mode == Some("hot");
    let mut w = workload::standard(n);
    workload::make_distinct(&mut w);
    if mode == Some("bench") {
        profile_as_bench(n, &w);
        return;
    }
    let store = iam_setup::store(&w).unwrap();
    let mut allowed = 0usize;
    let mut decided = 0usize;
    if hot {
        // As `decide_hot`: requests prepared just before they are decided, secrets drawn over
        // all N.
        let many = spread(&w, n, 16_384);
        let mut batch = Vec::with_capacity(HOT_BATCH);
        // Each batch's decisions timed apart: the median batch is one the scheduler did not
        // interrupt, so it reads the decision's own time even on a loaded machine.
        let mut batches = Vec::with_capacity(rounds * many.len().div_ceil(HOT_BATCH));
        for _ in 0..rounds {
            for chunk in many.chunks(HOT_BATCH) {
                prepare_batch(&mut batch, chunk);
                let start = Instant::now();
                for p in &batch {
                    allowed += usize::from(profiled_store_decision(&store, black_box(p)));
                }
                batches.push(start.elapsed().as_nanos() as f64 / batch.len() as f64);
                decided += batch.len();
            }
        }
        println!(
            "decide-only N={n} hot: median batch {:.0} ns per decision (p25 {:.0}, p75 {:.0}; batches of {HOT_BATCH})",
            percentile(batches.clone(), 0.5),
            percentile(batches.clone(), 0.25),
            percentile(batches, 0.75),
        );
    } else {
        let prepared = iam_setup::prepared(&w).unwrap();
        for _ in 0..rounds {
            for p in &prepared {
                allowed += usize::from(profiled_store_decision(&store, black_box(p)));
            }
            decided += prepared.len();
        }
    }
    println!("{decided} decisions, {allowed} allowed");
    let texts: Vec<(String, String)> = (0..2_000usize)
        .map(|k| {
            let (s, text) = new_document(&w, k, "Profile");
            (s.arn.clone(), text)
        })
        .collect();
    let mut times = Vec::with_capacity(texts.len());
    let info = allocation_counter::measure(|| {
        for (arn, text) in &texts {
            let start = Instant::now();
            profiled_update(&store, arn, text);
            times.push(start.elapsed().as_nanos() as f64 / 1e3);
        }
    });
    println!(
        "{} updates, {:.1} allocations per update; median {:.2} µs p99 {:.2} µs",
        texts.len(),
        info.count_total as f64 / texts.len() as f64,
        median(times.clone()),
        percentile(times, 0.99)
    );
}

/// `bench` mode: the update lines as the whole bench reaches them (its three memory-phase
/// stores built and dropped first, then the store, then a writer thread's updates as in the
/// throughput runs), each new-document update followed by a known-document one, as `main`
/// does; `profiled_update` and `profiled_known_update` separate the two for valgrind.
fn profile_as_bench(n: usize, w: &workload::Workload) {
    let shared = workload::standard(n);
    drop(iam_setup::store(&shared).unwrap());
    drop(iam_setup::store(w).unwrap());
    let store = iam_setup::store(w).unwrap();
    with_org(&store, w);
    drop(store);
    let store = iam_setup::store(w).unwrap();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            for k in 0..4_000usize {
                let (s, text) = new_document(w, k, "Deny");
                store.set_resource_policy(&s.arn, &text).unwrap();
            }
        });
    });
    let mut fresh = 0;
    let mut known = 0;
    let mut times = Vec::with_capacity(2_000);
    for k in 0..2_000usize {
        let (s, text) = new_document(w, k, "Latency");
        let start = Instant::now();
        fresh += allocation_counter::measure(|| profiled_update(&store, &s.arn, &text)).count_total;
        times.push(start.elapsed().as_nanos() as f64 / 1e3);
        let other = &w.secrets[(k * 7919 + 1) % w.secrets.len()];
        known += allocation_counter::measure(|| profiled_known_update(&store, &other.arn, &text))
            .count_total;
    }
    println!(
        "2000 updates as the bench does them: {:.1} allocations per new-document update (median {:.2} µs p99 {:.2} µs), {:.1} per known-document update",
        fresh as f64 / 2000.0,
        median(times.clone()),
        percentile(times, 0.99),
        known as f64 / 2000.0
    );
}

fn main() {
    if let Ok(spec) = std::env::var("IAM_POLICY_PROFILE_STORE") {
        profile(&spec);
        return;
    }
    // `cargo bench` passes `--bench`; other flags are ours.
    let n = arg("--n", 100_000) as usize;
    let seconds = arg("--seconds", 3) as f64;
    println!("# store bench: N={n}, {seconds} s per throughput configuration");

    // Memory.
    let shared = workload::standard(n);
    let mut w = workload::standard(n);
    workload::make_distinct(&mut w);
    let (b, d) = bytes_per_secret(n, || iam_setup::store(&shared).unwrap());
    println!("memory N={n} shared documents: {b:.0} B per secret ({d} documents)");
    let (b, d) = bytes_per_secret(n, || iam_setup::store(&w).unwrap());
    println!("memory N={n} distinct documents: {b:.0} B per secret ({d} documents)");
    let (b, d) = bytes_per_secret(n, || {
        let store = iam_setup::store(&w).unwrap();
        with_org(&store, &w);
        store
    });
    println!(
        "memory N={n} distinct documents, boundaries, 3 SCP + 2 RCP levels: {b:.0} B per secret ({d} documents)"
    );

    let store = iam_setup::store(&w).unwrap();
    let prepared = iam_setup::prepared(&w).unwrap();
    iam_setup::verify(&store, &prepared, &w).unwrap();

    // Decide-only, one thread: median of rounds over all requests.
    let rounds: Vec<f64> = (0..15)
        .map(|_| {
            let start = Instant::now();
            for p in &prepared {
                black_box(store.evaluate_prepared(black_box(p)));
            }
            start.elapsed().as_nanos() as f64 / prepared.len() as f64
        })
        .collect();
    println!(
        "decide-only N={n} distinct documents: {:.0} ns per decision (median of 15 rounds; the standard 4,096 requests, prepared ahead and read from memory)",
        median(rounds)
    );
    // The same as a server sees it: requests just prepared, secrets over all N.
    let many = spread(&w, n, (2 * n).max(workload::REQUESTS));
    println!(
        "decide-only N={n} distinct documents, request just prepared, secrets at random over all N: {:.0} ns per decision (median of 5 rounds of {} requests)",
        decide_hot(&store, &many, 5),
        many.len()
    );
    drop(many);

    // Whole per-call cost: build and prepare the request in a reused buffer, decide.
    let mut per_call = iam_setup::PerCall::default();
    let rounds: Vec<f64> = (0..7)
        .map(|_| {
            let start = Instant::now();
            for r in &w.requests {
                let p = per_call.call(black_box(r)).unwrap();
                black_box(store.evaluate_prepared(p));
            }
            start.elapsed().as_nanos() as f64 / w.requests.len() as f64
        })
        .collect();
    println!(
        "per-call N={n} (build + prepare + decide, reused RequestBuffer): {:.0} ns (median of 7 rounds)",
        median(rounds)
    );
    // The same with an owned `Request` built and prepared afresh per call.
    let rounds: Vec<f64> = (0..5)
        .map(|_| {
            let start = Instant::now();
            for r in &w.requests {
                let request = iam_setup::request(r).unwrap();
                let p = PreparedRequest::new(request);
                black_box(store.evaluate_prepared(&p));
            }
            start.elapsed().as_nanos() as f64 / w.requests.len() as f64
        })
        .collect();
    println!(
        "per-call N={n} (Request::builder + PreparedRequest::new + decide): {:.0} ns (median of 5 rounds)",
        median(rounds)
    );

    // Throughput: the four configurations (1 and 2 threads, without and with the writer)
    // interleaved in short windows, so that a drift of the machine's speed during the run
    // falls on every configuration alike; each ratio is taken within one round.
    let windows = arg("--rounds", 5).max(1) as usize;
    let window = seconds / windows as f64;
    let mut rates: [Vec<[f64; 2]>; 2] = [Vec::new(), Vec::new()];
    let mut writes = [0u64; 2];
    for _ in 0..windows {
        for (slot, threads) in [1, 2].into_iter().enumerate() {
            let (rate, _) = throughput(&store, &prepared, &w, threads, window, 0);
            let (busy, done) = throughput(&store, &prepared, &w, threads, window, 1_000);
            rates[slot].push([rate, busy]);
            writes[slot] += done;
        }
    }
    let spread_of = |v: Vec<f64>| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (median(v), lo, hi)
    };
    for (slot, threads) in [1, 2].into_iter().enumerate() {
        let (rate, ..) = spread_of(rates[slot].iter().map(|r| r[0]).collect());
        let (busy, ..) = spread_of(rates[slot].iter().map(|r| r[1]).collect());
        let (cost, lo, hi) = spread_of(
            rates[slot]
                .iter()
                .map(|r| (r[1] / r[0] - 1.0) * 100.0)
                .collect(),
        );
        println!(
            "throughput N={n} threads={threads}: {:.2} M decisions/s; with a writer at 1,000 updates/s: {:.2} M decisions/s ({cost:+.1} %, rounds {lo:+.1} .. {hi:+.1} %, {} updates) (medians of {windows} interleaved rounds of {window:.2} s)",
            rate / 1e6,
            busy / 1e6,
            writes[slot]
        );
    }
    let (scale, lo, hi) = spread_of(
        rates[0]
            .iter()
            .zip(&rates[1])
            .map(|(one, two)| two[0] / one[0])
            .collect(),
    );
    println!(
        "scaling N={n}: 2 threads decide {scale:.2}x the decisions of 1 thread (rounds {lo:.2} .. {hi:.2}x; median of {windows} paired rounds)"
    );

    // Update latency: a new distinct document, and a document another secret uses.
    let mut fresh = Vec::new();
    let mut reused = Vec::new();
    for k in 0..2_000usize {
        let (s, text) = new_document(&w, k, "Latency");
        let start = Instant::now();
        store.set_resource_policy(&s.arn, &text).unwrap();
        fresh.push(start.elapsed().as_nanos() as f64 / 1e3);
        let other = &w.secrets[(k * 7919 + 1) % w.secrets.len()];
        let start = Instant::now();
        store.set_resource_policy(&other.arn, &text).unwrap();
        reused.push(start.elapsed().as_nanos() as f64 / 1e3);
    }
    println!(
        "update N={n}: new document median {:.2} µs p99 {:.2} µs; known document median {:.2} µs p99 {:.2} µs",
        median(fresh.clone()),
        percentile(fresh, 0.99),
        median(reused.clone()),
        percentile(reused, 0.99)
    );
}
