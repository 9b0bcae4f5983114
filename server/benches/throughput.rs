//! GetSecretValue over loopback: throughput, p50 and p99 latency with 10,000 secrets, with
//! authorization on and switched off (`--benchmark-disable-authorization`, a flag that exists
//! only for this measurement), the server's own count of the time spent authorizing, and the
//! memory per stored secret.
//!
//! Authorization's share is given two ways: by the server's clock around each decision
//! (means, and medians from the server's histograms: a decision preempted now and then on a
//! busy machine moves the mean, not the median) against the request time the clients see;
//! and from outside, the server's CPU per request with authorization on and off, pair by
//! pair (that gap is the difference of two numbers that each move by several percent from
//! run to run on a shared machine, so its spread is printed with it). The machine's load
//! average is printed with each run. `benches/authorize.rs` measures the same step in
//! process, by parts, and under callgrind.
//!
//! `cargo bench -p iam-policy-server --bench throughput` (`-- --quick` for a short run;
//! `SECRETS=N`, `DURATION=N` (seconds), `CLIENTS=N`, `PAIRS=N` (on/off pairs, 3; 0 for
//! none) change the workload; `BENCH_DATA=DIR` keeps the populated database for the next run,
//! `SERVER_PREFIX="valgrind --tool=callgrind"` runs each server under a profiler and
//! `DECISION_CACHE_MIB=N` sets the servers' decision cache, 0 for none).
//!
//! Each run starts a new server, so its decision cache starts empty: the run's first read of
//! each secret is decided by the engine, the later ones come from the cache (each run prints
//! the count of both). The share of authorization is printed run by run with its median and
//! spread.
//!
//! Then the on and off servers run side by side and one client interleaves its requests
//! between them (`interleaved on/off:`): batch by batch (`INTERLEAVE_BATCH`, 100 requests:
//! each switch costs the side that resumes its cold caches, and the authorization path,
//! which only the on server runs, is evicted by the other's batch; with batches of 10 the gap
//! measured under load was about twice that with 100, which is closer to a server of its
//! own; one batch is still 10–20 ms, far shorter than the machine's phases),
//! the same secrets in the same order, the side that goes first alternating, each server's
//! CPU (every thread, from the scheduler's exact count in `/proc/PID/task/*/schedstat`) read
//! around its half of each batch. A phase of the shared machine then lands on both sides
//! alike; both servers are pinned to one CPU (`INTERLEAVE_PIN=CPUS` for `taskset -c`, the
//! last CPU by default, empty for none), so that the scheduler cannot place them differently
//! (`INTERLEAVE_SIDES=off,off` runs two servers alike: the check that the method shows no
//! difference where there is none). It prints the paired difference per request of the
//! latency and of the server's CPU (median and mean, each with a 95 % bootstrap interval) as
//! a share of the on side's median request time (the mean's tail is other processes'
//! preemptions), for all reads and split into the run's first reads of each secret (the
//! engine decides) and the repeated ones (the decision cache answers). The intervals are
//! within one run (its batches resampled): two servers alike have differed by up to 5 µs per
//! request for a whole run on a loaded machine, a per-process effect no run's interval shows,
//! so compare several runs with each other and with `INTERLEAVE_SIDES=off,off`.
//! `INTERLEAVED=N` runs it N times (3; 0 for none), for `DURATION` seconds each.
//!
//! `INSTRUCTIONS=1` measures the same requests by the server's instruction count, which
//! repeats from run to run where times do not: each server (on, then off) runs under
//! `valgrind --tool=callgrind`, one client reads every secret once (the first reads: the
//! engine decides) and then once more (the repeated reads: the decision cache answers), and
//! `callgrind_control` zeroes the counts before and dumps them after each pass, so that only
//! the requests are counted (not the start, not the signing, which the client does first).
//! It prints the server's instructions per request (every thread, user space: the kernel's
//! loopback and the clients are not counted, so authorization's share of them is larger than
//! its share of the request time) on and off, the difference, and the instructions inside
//! `Call::authorize` (the server's clock encloses the same span). `CALLGRIND_DIR=DIR` keeps
//! the dumps for `callgrind_annotate --inclusive=yes`; `SECRETS` defaults to 1,000 there.

#[path = "common/client.rs"]
#[allow(dead_code, reason = "shared by the benchmarks; each uses part of it")]
mod client;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use client::{Conn, Result, Server, admin, env_num, started};
use iam_policy_server::app::Histogram;

fn start(data: &Path, authorization: bool, cpu: bool) -> Result<Server> {
    // `SERVER_PREFIX="valgrind --tool=callgrind"` runs each server under a profiler.
    start_with(
        data,
        authorization,
        cpu,
        &std::env::var("SERVER_PREFIX").unwrap_or_default(),
    )
}

fn start_with(data: &Path, authorization: bool, cpu: bool, prefix: &str) -> Result<Server> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let server = env!("CARGO_BIN_EXE_iam-policy-server");
    let mut words = prefix.split_whitespace();
    let mut cmd = match words.next() {
        Some(tool) => {
            let mut c = Command::new(tool);
            c.args(words).arg(server);
            c
        }
        None => Command::new(server),
    };
    cmd.arg("--config")
        .arg(manifest.join("examples/config.toml"))
        .arg("--data-dir")
        .arg(data)
        .arg("--key-file")
        .arg(manifest.join("examples/demo.key"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if !authorization {
        cmd.arg("--benchmark-disable-authorization");
    }
    // `DECISION_CACHE_MIB=0` measures the server without its decision cache.
    if let Ok(mib) = std::env::var("DECISION_CACHE_MIB") {
        cmd.args(["--decision-cache-mib", &mib]);
    }
    if cpu {
        cmd.arg("--benchmark-cpu-time");
    }
    started(cmd.spawn()?)
}

/// A signed request of the example configuration's administrator.
fn request(addr: &str, target: &str, body: &str) -> Vec<u8> {
    client::request(addr, &admin(), target, body)
}

/// What process `pid` has used so far (every thread), from `/proc/PID/stat`: user and system
/// CPU time in ns (in clock ticks of 10 ms: Linux's `USER_HZ` is 100 on every architecture it
/// reports to user space with; a 10 s run uses thousands of ticks, so the resolution is a
/// fraction of a percent) and minor page faults.
#[derive(Clone, Copy)]
struct Usage {
    user_ns: u64,
    system_ns: u64,
    minor_faults: u64,
}

fn usage(pid: u32) -> Option<Usage> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) is in parentheses and may hold spaces: count after it.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let mut fields = rest.split_whitespace();
    // Field 10 (minflt) is the 8th after the name; fields 14 and 15 (utime, stime) the 12th
    // and 13th.
    let minor_faults: u64 = fields.nth(7)?.parse().ok()?;
    let utime: u64 = fields.nth(3)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Usage {
        user_ns: utime * 10_000_000,
        system_ns: stime * 10_000_000,
        minor_faults,
    })
}

/// The CPU time (user + system, every thread) process `pid` has used, in ns.
fn cpu_nanos(pid: u32) -> Option<u64> {
    usage(pid).map(|u| u.user_ns + u.system_ns)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn populate(addr: &str, secrets: usize) -> Result {
    let clients = 4;
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let addr = addr.to_owned();
            std::thread::spawn(move || -> std::result::Result<(), String> {
                let mut conn = Conn::open(&addr).map_err(|e| e.to_string())?;
                for i in (c..secrets).step_by(clients) {
                    let body = serde_json::json!({
                        "Name": format!("bench/app{}/secret-{i}", i % 100),
                        "SecretString": format!("{{\"user\":\"u{i}\",\"password\":\"p-{i}-0123456789abcdef\"}}"),
                        "Tags": [{"Key": "team", "Value": format!("team{}", i % 10)}],
                    })
                    .to_string();
                    let (status, out) = conn
                        .send(&request(&addr, "secretsmanager.CreateSecret", &body))
                        .map_err(|e| e.to_string())?;
                    if status != 200 {
                        return Err(String::from_utf8_lossy(&out).into_owned());
                    }
                    if i % 10 == 0 {
                        // One secret in ten has a resource policy (one shared text).
                        let policy = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#;
                        let body = serde_json::json!({"SecretId": format!("bench/app{}/secret-{i}", i % 100), "ResourcePolicy": policy}).to_string();
                        let (status, out) = conn
                            .send(&request(&addr, "secretsmanager.PutResourcePolicy", &body))
                            .map_err(|e| e.to_string())?;
                        if status != 200 {
                            return Err(String::from_utf8_lossy(&out).into_owned());
                        }
                    }
                }
                Ok(())
            })
        })
        .collect();
    for t in threads {
        t.join().map_err(|_| "populate thread panicked")??;
    }
    Ok(())
}

struct Run {
    requests: usize,
    seconds: f64,
    p50_us: f64,
    p99_us: f64,
    mean_us: f64,
    authz_ns_per_request: f64,
    authz_cpu_ns_per_request: f64,
    handle_ns_per_request: f64,
    /// The server process's CPU time (every thread: HTTP, handling, storage, audit) per
    /// request served.
    server_cpu_us_per_request: f64,
    /// The benchmark's own CPU time (its client threads) per request.
    client_cpu_us_per_request: f64,
    /// The server's CPU per request split into user and system (kernel) time, and its minor
    /// page faults per request: callgrind sees user space only, so an on/off gap in system
    /// time or faults is work it cannot show.
    server_user_us_per_request: f64,
    server_system_us_per_request: f64,
    server_faults_per_request: f64,
    /// Medians of the server's histograms: authorization per request that decided, and the
    /// whole handling (a thread preempted now and then moves the means above, not these).
    authz_p50_ns: f64,
    handle_p50_ns: f64,
    /// The machine's load average over the last minute at the end of the run.
    load: f64,
    /// Decision cache lookups that found the decision, and that did not (the engine decided).
    cache_hits: f64,
    cache_misses: f64,
}

/// The median of the counts a histogram gained between two `GetStatistics` answers (the
/// middle of its bucket; `Histogram::lower` gives the bounds).
fn histogram_median(before: &serde_json::Value, after: &serde_json::Value, key: &str) -> f64 {
    let counts = |v: &serde_json::Value| -> Vec<u64> {
        v.get(key)
            .and_then(serde_json::Value::as_array)
            .map(|a| a.iter().map(|c| c.as_u64().unwrap_or(0)).collect())
            .unwrap_or_default()
    };
    let (b, a) = (counts(before), counts(after));
    let delta: Vec<u64> = a
        .iter()
        .enumerate()
        .map(|(i, n)| n.saturating_sub(b.get(i).copied().unwrap_or(0)))
        .collect();
    let total: u64 = delta.iter().sum();
    let mut seen = 0;
    for (i, n) in delta.iter().enumerate() {
        seen += n;
        if seen * 2 >= total && total > 0 {
            return (Histogram::lower(i) + Histogram::lower(i + 1)) as f64 / 2.0;
        }
    }
    0.0
}

/// The load average over the last minute (`/proc/loadavg`), 0 when unknown.
fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

fn stats(addr: &str) -> Result<serde_json::Value> {
    let mut conn = Conn::open(addr)?;
    let (_, body) = conn.send(&request(addr, "IamPolicyServer.GetStatistics", "{}"))?;
    Ok(serde_json::from_slice(&body)?)
}

fn measure(server: &Server, secrets: usize, clients: usize, seconds: f64) -> Result<Run> {
    let addr = server.addr.as_str();
    let pid = server.child.id();
    // Requests are signed up front (SigV4 allows replay within 15 minutes), so the clients
    // spend their time sending and receiving only.
    let per_client: Vec<Vec<Vec<u8>>> = (0..clients)
        .map(|c| {
            (c..secrets)
                .step_by(clients)
                .map(|i| get_secret_value(addr, i))
                .collect()
        })
        .collect();
    let before = stats(addr)?;
    let cpu_before = (cpu_nanos(pid), cpu_nanos(std::process::id()));
    let usage_before = usage(pid);
    let started = Instant::now();
    let threads: Vec<_> = per_client
        .into_iter()
        .map(|reqs| {
            let addr = addr.to_owned();
            std::thread::spawn(move || -> std::result::Result<Vec<u32>, String> {
                let mut conn = Conn::open(&addr).map_err(|e| e.to_string())?;
                let mut lat = Vec::new();
                let end = Instant::now() + Duration::from_secs_f64(seconds);
                let mut i = 0usize;
                while Instant::now() < end {
                    let req = reqs.get(i % reqs.len()).ok_or("no requests")?;
                    let t = Instant::now();
                    let (status, body) = conn.send(req).map_err(|e| e.to_string())?;
                    lat.push(u32::try_from(t.elapsed().as_nanos()).unwrap_or(u32::MAX));
                    if status != 200 {
                        return Err(String::from_utf8_lossy(&body).into_owned());
                    }
                    i += 1;
                }
                Ok(lat)
            })
        })
        .collect();
    let mut lat = Vec::new();
    for t in threads {
        lat.extend(t.join().map_err(|_| "client panicked")??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu_after = (cpu_nanos(pid), cpu_nanos(std::process::id()));
    let usage_after = usage(pid);
    let after = stats(addr)?;
    lat.sort_unstable();
    let pct = |p: f64| {
        let i = ((lat.len() as f64 - 1.0) * p).round() as usize;
        f64::from(lat.get(i).copied().unwrap_or(0)) / 1000.0
    };
    let num = |v: &serde_json::Value, k: &str| {
        v.get(k).and_then(serde_json::Value::as_f64).unwrap_or(0.0)
    };
    let delta = |k: &str| num(&after, k) - num(&before, k);
    // The statistics call itself is one request.
    let served = (delta("Requests") - 1.0).max(1.0);
    Ok(Run {
        requests: lat.len(),
        seconds: elapsed,
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        mean_us: lat.iter().map(|&x| f64::from(x)).sum::<f64>() / lat.len().max(1) as f64 / 1000.0,
        authz_ns_per_request: delta("AuthorizationNanos") / served,
        authz_cpu_ns_per_request: delta("AuthorizationCpuNanos") / served,
        handle_ns_per_request: delta("HandleNanos") / served,
        server_cpu_us_per_request: cpu_per_request(cpu_before.0, cpu_after.0, served),
        client_cpu_us_per_request: cpu_per_request(cpu_before.1, cpu_after.1, served),
        server_user_us_per_request: cpu_per_request(
            usage_before.map(|u| u.user_ns),
            usage_after.map(|u| u.user_ns),
            served,
        ),
        server_system_us_per_request: cpu_per_request(
            usage_before.map(|u| u.system_ns),
            usage_after.map(|u| u.system_ns),
            served,
        ),
        server_faults_per_request: match (usage_before, usage_after) {
            (Some(b), Some(a)) => a.minor_faults.saturating_sub(b.minor_faults) as f64 / served,
            _ => 0.0,
        },
        authz_p50_ns: histogram_median(&before, &after, "AuthorizationHistogram"),
        handle_p50_ns: histogram_median(&before, &after, "HandleHistogram"),
        load: load_average(),
        cache_hits: delta("DecisionCacheHits"),
        cache_misses: delta("DecisionCacheMisses"),
    })
}

/// The CPU time each thread of process `pid` has run so far, in ns (`/proc/PID/task/TID/
/// schedstat`, the scheduler's exact count, where `/proc/PID/stat` counts 10 ms ticks), by
/// thread id: a thread that ends between two readings loses only what it ran in between, and
/// one that starts counts from zero.
fn thread_cpu_ns(pid: u32) -> std::collections::HashMap<u32, u64> {
    let mut out = std::collections::HashMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for task in tasks.flatten() {
        let Some(tid) = task.file_name().to_str().and_then(|t| t.parse().ok()) else {
            continue;
        };
        if let Some(ns) = std::fs::read_to_string(task.path().join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
        {
            out.insert(tid, ns);
        }
    }
    out
}

/// The CPU ns process `pid` ran between two [`thread_cpu_ns`] readings.
fn cpu_between(
    before: &std::collections::HashMap<u32, u64>,
    after: &std::collections::HashMap<u32, u64>,
) -> u64 {
    after
        .iter()
        .map(|(tid, a)| a.saturating_sub(before.get(tid).copied().unwrap_or(0)))
        .sum()
}

/// A small deterministic generator for the bootstrap's resampling (splitmix64).
struct Mix(u64);

impl Mix {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        (z % n.max(1) as u64) as usize
    }
}

/// The median of `v` (reordered).
fn median_of(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mid = v.len() / 2;
    *v.select_nth_unstable_by(mid, f64::total_cmp).1
}

/// `stat` of `v`, and the 2.5th and 97.5th percentiles of `stat` over 1,000 bootstrap
/// resamples of `v` (the samples drawn with replacement).
fn bootstrap(v: &[f64], stat: fn(&mut [f64]) -> f64) -> (f64, f64, f64) {
    let mut own = v.to_vec();
    let point = stat(&mut own);
    let mut mix = Mix(0x5EED);
    let mut resample = vec![0.0; v.len()];
    let mut stats: Vec<f64> = (0..1000)
        .map(|_| {
            for slot in resample.iter_mut() {
                *slot = v.get(mix.below(v.len())).copied().unwrap_or(0.0);
            }
            stat(&mut resample)
        })
        .collect();
    stats.sort_by(f64::total_cmp);
    let at = |p: f64| {
        stats
            .get(((stats.len() - 1) as f64 * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    (point, at(0.025), at(0.975))
}

fn mean_of(v: &mut [f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// One batch of an interleaved run: the same secrets read from the server with authorization
/// on and from the one with it off, one after the other.
struct Batch {
    /// Whether it was the run's first read of its secrets (the on server's engine decided;
    /// later reads find the decision cache's answer).
    first: bool,
    /// Per-request latency (ns), on and off, request by request (same secret at each index).
    on: Vec<u32>,
    off: Vec<u32>,
    /// Each server's CPU (every thread) during its half of the batch, ns.
    on_cpu: u64,
    off_cpu: u64,
}

/// The on and off servers run side by side (each on its own copy of the populated data);
/// one client alternates between them batch by batch (`INTERLEAVE_BATCH` requests, 100 by
/// default: the same secrets in the same order, the side that goes first alternating from
/// batch to batch), for `seconds`. With one request in flight at a time, each server's CPU
/// between two readings around its half of a batch is that half's alone. A phase of the
/// machine (another process's build, frequency) lands on both sides alike, which the
/// sequential on/off pairs cannot promise.
fn interleaved(data: &Path, secrets: usize, seconds: f64, batch: usize) -> Result<Vec<Batch>> {
    let copy = tempfile::tempdir()?;
    for entry in std::fs::read_dir(data)? {
        let entry = entry?;
        // The audit log is the server's output, not its data.
        if entry.file_type()?.is_file() && entry.file_name() != "audit.log" {
            std::fs::copy(entry.path(), copy.path().join(entry.file_name()))?;
        }
    }
    // `INTERLEAVE_SIDES=on,on` (or `off,off`) checks the method itself: two servers alike
    // must show no difference.
    let sides = std::env::var("INTERLEAVE_SIDES").unwrap_or_else(|_| "on,off".into());
    let mut modes = sides.split(',').map(|m| m.trim() != "off");
    // Both servers run on the same CPU (`INTERLEAVE_PIN`, the last one by default; empty for
    // none), the client wherever the scheduler puts it: left free, the scheduler places the
    // two servers' threads differently and keeps them there for seconds (two servers alike
    // then differ by 10 % in CPU per request, either way, on a busy 2-core machine).
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let pin = std::env::var("INTERLEAVE_PIN").unwrap_or_else(|_| {
        if cpus > 1 {
            (cpus - 1).to_string()
        } else {
            String::new()
        }
    });
    let prefix = std::env::var("SERVER_PREFIX").unwrap_or_default();
    let prefix = if pin.is_empty() {
        prefix
    } else {
        format!("taskset -c {pin} {prefix}")
    };
    let on = start_with(data, modes.next().unwrap_or(true), false, &prefix)?;
    let off = start_with(copy.path(), modes.next().unwrap_or(false), false, &prefix)?;
    let sign =
        |addr: &str| -> Vec<Vec<u8>> { (0..secrets).map(|i| get_secret_value(addr, i)).collect() };
    let mut sides = [
        (on.child.id(), Conn::open(&on.addr)?, sign(&on.addr)),
        (off.child.id(), Conn::open(&off.addr)?, sign(&off.addr)),
    ];
    let batch = batch.max(1);
    let mut batches = Vec::new();
    let end = Instant::now() + Duration::from_secs_f64(seconds);
    let mut next = 0usize;
    while Instant::now() < end {
        let first = next < secrets;
        let mut halves: [(Vec<u32>, u64); 2] = [(Vec::new(), 0), (Vec::new(), 0)];
        let order = if batches.len() % 2 == 0 {
            [0, 1]
        } else {
            [1, 0]
        };
        for side in order {
            let (pid, conn, reqs) = sides.get_mut(side).ok_or("no side")?;
            let mut lat = Vec::with_capacity(batch);
            let before = thread_cpu_ns(*pid);
            for k in 0..batch {
                let req = reqs.get((next + k) % secrets).ok_or("no requests")?;
                let t = Instant::now();
                let (status, body) = conn.send(req)?;
                lat.push(u32::try_from(t.elapsed().as_nanos()).unwrap_or(u32::MAX));
                if status != 200 {
                    return Err(String::from_utf8_lossy(&body).into_owned().into());
                }
            }
            let after = thread_cpu_ns(*pid);
            if let Some(half) = halves.get_mut(side) {
                *half = (lat, cpu_between(&before, &after));
            }
        }
        let [(on_lat, on_cpu), (off_lat, off_cpu)] = halves;
        batches.push(Batch {
            first,
            on: on_lat,
            off: off_lat,
            on_cpu,
            off_cpu,
        });
        next += batch;
    }
    drop(sides);
    drop(on);
    drop(off);
    Ok(batches)
}

/// The `interleaved on/off:` line of a set of batches (`label`: which of them).
fn report_interleaved(label: &str, batches: &[&Batch]) -> String {
    let per_request: Vec<(f64, f64)> = batches
        .iter()
        .flat_map(|b| b.on.iter().zip(&b.off))
        .map(|(&on, &off)| (f64::from(on) / 1000.0, f64::from(off) / 1000.0))
        .collect();
    let mut on_lat: Vec<f64> = per_request.iter().map(|p| p.0).collect();
    let mut off_lat: Vec<f64> = per_request.iter().map(|p| p.1).collect();
    let on_mean = mean_of(&mut on_lat);
    let off_mean = mean_of(&mut off_lat);
    let on_median = median_of(&mut on_lat);
    let off_median = median_of(&mut off_lat);
    let lat_diff: Vec<f64> = per_request.iter().map(|(on, off)| on - off).collect();
    let cpu = |ns: u64, b: &Batch| ns as f64 / 1000.0 / b.on.len().max(1) as f64;
    let cpu_diff: Vec<f64> = batches
        .iter()
        .map(|b| cpu(b.on_cpu, b) - cpu(b.off_cpu, b))
        .collect();
    let on_cpu = mean_of(&mut batches.iter().map(|b| cpu(b.on_cpu, b)).collect::<Vec<_>>());
    let off_cpu = mean_of(
        &mut batches
            .iter()
            .map(|b| cpu(b.off_cpu, b))
            .collect::<Vec<_>>(),
    );
    let share = |us: f64, of: f64| us / of.max(f64::MIN_POSITIVE) * 100.0;
    let shown = |(point, lo, hi): (f64, f64, f64), of: f64| {
        format!(
            "{point:+.2} µs [{lo:+.2}, {hi:+.2}] = {:.2} % [{:.2}, {:.2}]",
            share(point, of),
            share(lo, of),
            share(hi, of)
        )
    };
    format!(
        "interleaved on/off ({label}): {} batches of {}, {} requests per side; request time on/off mean {on_mean:.1}/{off_mean:.1} µs, median {on_median:.1}/{off_median:.1} µs; paired difference per request (95 % bootstrap interval, % of the on side's median request time): latency median {}, mean {}; server CPU per request on/off {on_cpu:.2}/{off_cpu:.2} µs, difference per batch median {}, mean {}",
        batches.len(),
        batches.first().map_or(0, |b| b.on.len()),
        per_request.len(),
        shown(bootstrap(&lat_diff, median_of), on_median),
        shown(bootstrap(&lat_diff, mean_of), on_median),
        shown(bootstrap(&cpu_diff, median_of), on_median),
        shown(bootstrap(&cpu_diff, mean_of), on_median),
    )
}

/// CPU microseconds per request between two readings (0 when /proc cannot be read).
fn cpu_per_request(before: Option<u64>, after: Option<u64>, served: f64) -> f64 {
    match (before, after) {
        (Some(b), Some(a)) => a.saturating_sub(b) as f64 / 1000.0 / served,
        _ => 0.0,
    }
}

/// Reads every secret once, over one connection; returns how many were read.
fn measure_all_once(addr: &str, secrets: usize) -> Result<usize> {
    let mut conn = Conn::open(addr)?;
    for i in 0..secrets {
        let req = request(
            addr,
            "secretsmanager.GetSecretValue",
            &format!(r#"{{"SecretId":"bench/app{}/secret-{i}"}}"#, i % 100),
        );
        let (status, body) = conn.send(&req)?;
        if status != 200 {
            return Err(String::from_utf8_lossy(&body).into_owned().into());
        }
    }
    Ok(secrets)
}

/// The signed GetSecretValue request for secret `i` of the bench's secrets.
fn get_secret_value(addr: &str, i: usize) -> Vec<u8> {
    request(
        addr,
        "secretsmanager.GetSecretValue",
        &format!(r#"{{"SecretId":"bench/app{}/secret-{i}"}}"#, i % 100),
    )
}

fn report(label: &str, r: &Run) {
    println!(
        "{label:>22}: {:>8.0} req/s  p50 {:>7.1} µs  p99 {:>7.1} µs  mean {:>7.1} µs  CPU per request: server {:>6.1} µs, clients {:>5.1} µs  ({} requests in {:.1} s; server: {:.0} ns handling (median {:.0}), {:.0} ns authorizing (median {:.0}, CPU {:.0}) per request; decision cache {:.0} hits, {:.0} misses; load {:.1})",
        r.requests as f64 / r.seconds,
        r.p50_us,
        r.p99_us,
        r.mean_us,
        r.server_cpu_us_per_request,
        r.client_cpu_us_per_request,
        r.requests,
        r.seconds,
        r.handle_ns_per_request,
        r.handle_p50_ns,
        r.authz_ns_per_request,
        r.authz_p50_ns,
        r.authz_cpu_ns_per_request,
        r.cache_hits,
        r.cache_misses,
        r.load
    );
}

/// The server's instructions per request of one pass, from callgrind's dump.
#[derive(Clone, Copy, Debug, Default)]
struct Counted {
    /// Every instruction of the server process (all threads, user space).
    total: f64,
    /// Those inside `Call::authorize` (inclusive).
    authorize: f64,
}

/// Runs `what` with the server's callgrind counts zeroed before and dumped after; returns
/// the dump's path.
fn counted(pid: u32, dir: &Path, what: impl FnOnce() -> Result) -> Result<std::path::PathBuf> {
    let control = |command: &str| -> Result {
        let out = Command::new("callgrind_control")
            .args([command, &pid.to_string()])
            .output()?;
        if !out.status.success() {
            return Err(format!(
                "callgrind_control {command}: {}",
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(())
    };
    control("--zero")?;
    what()?;
    control("--dump")?;
    // Dumps are numbered `callgrind.PID.N`: the last one is this pass's.
    let prefix = format!("callgrind.{pid}.");
    let mut dumps: Vec<(u32, std::path::PathBuf)> = std::fs::read_dir(dir)?
        .filter_map(|e| {
            let path = e.ok()?.path();
            let n = path
                .file_name()?
                .to_str()?
                .strip_prefix(&prefix)?
                .parse()
                .ok()?;
            Some((n, path))
        })
        .collect();
    dumps.sort();
    Ok(dumps.pop().ok_or("callgrind wrote no dump")?.1)
}

/// The instructions of a dump (its `totals:` line) and those inside `Call::authorize`
/// (from `callgrind_annotate --inclusive=yes`), divided by `requests`.
fn instructions(dump: &Path, requests: usize) -> Result<Counted> {
    let text = std::fs::read_to_string(dump)?;
    let total: f64 = text
        .lines()
        .find_map(|l| l.strip_prefix("totals:"))
        .or_else(|| text.lines().find_map(|l| l.strip_prefix("summary:")))
        .and_then(|t| t.split_whitespace().next()?.parse().ok())
        .ok_or("no totals in the callgrind dump")?;
    let annotated = Command::new("callgrind_annotate")
        .args(["--inclusive=yes", "--threshold=100", "--auto=no"])
        .arg(dump)
        .output()?;
    let listing = String::from_utf8_lossy(&annotated.stdout);
    // `  1,234,567 (12.34%)  file:function [object]`: the first line naming the method.
    let authorize = listing
        .lines()
        .find(|l| l.contains("Call::authorize") && !l.contains("{{closure}}"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.replace(',', "").parse::<f64>().ok())
        .unwrap_or(0.0);
    let n = requests.max(1) as f64;
    Ok(Counted {
        total: total / n,
        authorize: authorize / n,
    })
}

/// `INSTRUCTIONS=1`: instructions per request on and off (see the module docs).
fn instruction_counts(data: &Path, secrets: usize) -> Result {
    let kept = std::env::var_os("CALLGRIND_DIR").map(std::path::PathBuf::from);
    let temp = tempfile::tempdir()?;
    let dir = kept.clone().unwrap_or_else(|| temp.path().to_owned());
    std::fs::create_dir_all(&dir)?;
    // `CALLGRIND_ARGS` adds options (`--cache-sim=yes`: the first event stays `Ir`).
    let prefix = format!(
        "valgrind --tool=callgrind --callgrind-out-file={}/callgrind.%p {}",
        dir.display(),
        std::env::var("CALLGRIND_ARGS").unwrap_or_default()
    );
    let mut table = Vec::new();
    for authorization in [true, false] {
        let server = start_with(data, authorization, false, &prefix)?;
        let pid = server.child.id();
        let addr = server.addr.clone();
        let reqs: Vec<Vec<u8>> = (0..secrets)
            .map(|i| {
                request(
                    &addr,
                    "secretsmanager.GetSecretValue",
                    &format!(r#"{{"SecretId":"bench/app{}/secret-{i}"}}"#, i % 100),
                )
            })
            .collect();
        let mut conn = Conn::open(&addr)?;
        // One request first, so that the connection and the threads are set up.
        conn.send(reqs.first().ok_or("no secrets")?)?;
        let mut pass = || -> Result {
            for req in &reqs {
                let (status, body) = conn.send(req)?;
                if status != 200 {
                    return Err(String::from_utf8_lossy(&body).into_owned().into());
                }
            }
            Ok(())
        };
        let first = counted(pid, &dir, &mut pass)?;
        let repeated = counted(pid, &dir, &mut pass)?;
        let label = if authorization { "on" } else { "off" };
        let first_n = instructions(&first, secrets)?;
        let repeated_n = instructions(&repeated, secrets)?;
        println!(
            "instructions per request, authorization {label}: first reads {:.0} (Call::authorize {:.0}), repeated reads {:.0} (Call::authorize {:.0})",
            first_n.total, first_n.authorize, repeated_n.total, repeated_n.authorize
        );
        if kept.is_some() {
            println!(
                "  dumps: {} (first), {} (repeated)",
                first.display(),
                repeated.display()
            );
        }
        table.push((first_n, repeated_n));
        drop(conn);
        drop(server);
    }
    if let [(on_first, on_rep), (off_first, off_rep)] = table.as_slice() {
        for (label, on, off) in [
            ("first reads", on_first, off_first),
            ("repeated reads", on_rep, off_rep),
        ] {
            let gap = on.total - off.total;
            println!(
                "instructions, {label}: on/off {:.0}/{:.0} per request: authorization adds {gap:.0} = {:.2} % of the server's instructions with it on; inside Call::authorize {:.0} = {:.2} % (outside it: {:.0})",
                on.total,
                off.total,
                gap / on.total.max(1.0) * 100.0,
                on.authorize,
                on.authorize / on.total.max(1.0) * 100.0,
                gap - on.authorize + off.authorize,
            );
        }
    }
    Ok(())
}

fn main() -> Result {
    let quick = std::env::args().any(|a| a == "--quick");
    // `cargo bench` passes `--bench`; a plain `cargo test --benches` passes nothing: run quick.
    let by_instructions = std::env::var_os("INSTRUCTIONS").is_some_and(|v| v != "0");
    let secrets = env_num(
        "SECRETS",
        if quick || by_instructions {
            1000
        } else {
            10_000
        },
    );
    let seconds = env_num("DURATION", if quick { 2 } else { 10 }) as f64;
    let clients = env_num("CLIENTS", 2);
    let pairs = env_num("PAIRS", 3);
    let dir = tempfile::tempdir()?;
    // `BENCH_DATA=DIR` keeps the populated database there for the next run (profiling).
    let data = std::env::var_os("BENCH_DATA").map_or_else(|| dir.path().join("data"), Into::into);

    let server = start(&data, true, false)?;
    let rss_empty = rss_kib(server.child.id());
    if data.join("populated").exists() {
        println!("reusing the secrets in {}", data.display());
    } else {
        let t = Instant::now();
        populate(&server.addr, secrets)?;
        println!(
            "populated {secrets} secrets in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        std::fs::write(data.join("populated"), secrets.to_string())?;
    }
    // The first read of a secret on a day records `LastAccessedDate` (a durable write, as AWS
    // keeps that date); read every secret once so that the measured runs see the steady state
    // rather than whichever run happens to come first.
    let t = Instant::now();
    let warm = measure_all_once(&server.addr, secrets)?;
    println!(
        "read every secret once ({warm} reads, the day's LastAccessedDate writes) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    drop(server);
    if by_instructions {
        return instruction_counts(&data, secrets);
    }

    if pairs > 0 {
        sequential(&data, secrets, clients, seconds, pairs, rss_empty)?;
    }
    // The same comparison with the two servers side by side (see `interleaved`).
    let batch = env_num("INTERLEAVE_BATCH", 100);
    for run in 0..env_num("INTERLEAVED", 3) {
        let batches = interleaved(&data, secrets, seconds, batch)?;
        let all: Vec<&Batch> = batches.iter().collect();
        let first: Vec<&Batch> = batches.iter().filter(|b| b.first).collect();
        let repeated: Vec<&Batch> = batches.iter().filter(|b| !b.first).collect();
        println!(
            "{}",
            report_interleaved(&format!("run {}, all reads", run + 1), &all)
        );
        for (label, part) in [("first reads", &first), ("repeated reads", &repeated)] {
            if !part.is_empty() {
                println!("  {}", report_interleaved(label, part));
            }
        }
    }
    Ok(())
}

/// The sequential runs: `pairs` on/off pairs one after the other, then a run with the
/// deciding thread's CPU time counted, and their summary lines.
fn sequential(
    data: &Path,
    secrets: usize,
    clients: usize,
    seconds: f64,
    pairs: usize,
    rss_empty: u64,
) -> Result {
    // Authorization on and off, alternating: the pairs show the machine's noise.
    let mut runs = Vec::new();
    for pair in 0..pairs {
        for authorization in [true, false] {
            let server = start(data, authorization, false)?;
            let label = format!(
                "authorization {}{}",
                if authorization { "on" } else { "off" },
                if pair == 0 {
                    String::new()
                } else {
                    format!(" ({})", pair + 1)
                }
            );
            println!("{label:>22}: server pid {}", server.child.id());
            let r = measure(&server, secrets, clients, seconds)?;
            report(&label, &r);
            if authorization && runs.is_empty() {
                let rss = rss_kib(server.child.id());
                let db = std::fs::metadata(data.join("secrets.db"))
                    .map(|m| m.len())
                    .unwrap_or(0)
                    + std::fs::metadata(data.join("secrets.db-wal"))
                        .map(|m| m.len())
                        .unwrap_or(0);
                println!(
                    "memory: server RSS {rss} KiB with {secrets} secrets read (empty server: {rss_empty} KiB) = {:.0} bytes per secret; database {:.0} bytes per secret",
                    (rss.saturating_sub(rss_empty) * 1024) as f64 / secrets as f64,
                    db as f64 / secrets as f64
                );
            }
            runs.push((authorization, r));
        }
    }
    // One more run with the deciding thread's CPU time counted (two system calls per
    // decision, which the runs above do not pay): the cost without the time a thread spends
    // preempted while deciding.
    let server = start(data, true, true)?;
    let cpu_run = measure(&server, secrets, clients, seconds)?;
    report("authorization on, CPU", &cpu_run);
    drop(server);
    let mean = |on: bool, f: &dyn Fn(&Run) -> f64| {
        let picked: Vec<f64> = runs
            .iter()
            .filter(|(a, _)| *a == on)
            .map(|(_, r)| f(r))
            .collect();
        picked.iter().sum::<f64>() / picked.len().max(1) as f64
    };
    let on_mean = mean(true, &|r| r.mean_us);
    let off_mean = mean(false, &|r| r.mean_us);
    let authz = mean(true, &|r| r.authz_ns_per_request);
    let on_cpu = mean(true, &|r| r.server_cpu_us_per_request);
    let off_cpu = mean(false, &|r| r.server_cpu_us_per_request);
    // The server's own clock around each decision (request building, context keys,
    // deciding) against the whole request as the client sees it: means (a decision preempted
    // now and then counts in full), and medians (it does not).
    println!(
        "authorization: {authz:.0} ns per request (wall clock) = {:.2} % of the mean request time ({on_mean:.1} µs, client side); median {:.0} ns = {:.2} % of the median request time ({:.1} µs); CPU {:.0} ns (its own run, clock calls included); mean on/off {on_mean:.1}/{off_mean:.1} µs; p50 on/off {:.1}/{:.1} µs",
        authz / (on_mean * 1000.0) * 100.0,
        mean(true, &|r| r.authz_p50_ns),
        mean(true, &|r| r.authz_p50_ns) / (mean(true, &|r| r.p50_us) * 1000.0) * 100.0,
        mean(true, &|r| r.p50_us),
        cpu_run.authz_cpu_ns_per_request,
        mean(true, &|r| r.p50_us),
        mean(false, &|r| r.p50_us),
    );
    // Run by run (each against its own mean request time): the spread says how far one run
    // can be trusted, the median is what a run typically shows.
    let mut shares: Vec<(f64, f64)> = runs
        .iter()
        .filter(|(a, _)| *a)
        .map(|(_, r)| {
            (
                r.authz_ns_per_request / (r.mean_us * 1000.0).max(f64::MIN_POSITIVE) * 100.0,
                r.authz_p50_ns / (r.p50_us * 1000.0).max(f64::MIN_POSITIVE) * 100.0,
            )
        })
        .collect();
    let listed = shares
        .iter()
        .map(|(m, _)| format!("{m:.2}"))
        .collect::<Vec<_>>()
        .join(", ");
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let by_mean = median(shares.iter().map(|(m, _)| *m).collect());
    let by_median = median(shares.iter().map(|(_, m)| *m).collect());
    shares.sort_by(|a, b| a.0.total_cmp(&b.0));
    let spread = shares.last().map_or(0.0, |l| l.0) - shares.first().map_or(0.0, |f| f.0);
    println!(
        "authorization share per run (% of the mean request time): {listed}; median {by_mean:.2} % (spread {spread:.2} points); by medians (authorization's median / the request's median): median {by_median:.2} %"
    );
    // The same cost seen from outside, as a user comparing the two modes sees it: the server
    // process's CPU per request with and without authorization (everything else the two
    // modes do is the same work), and the mean request time. With the clients and the server
    // saturating the cores, extra server CPU per request lengthens every request by as much.
    // Each pair's gap is shown: the server's CPU per request moves by several percent from
    // run to run on a shared machine (other processes' load, frequency, caches), as much as
    // authorization's whole cost, so one pair's gap says little and the spread says how much.
    let gaps: Vec<f64> = runs
        .chunks(2)
        .filter_map(|pair| match pair {
            [(true, on), (false, off)] => {
                Some(on.server_cpu_us_per_request - off.server_cpu_us_per_request)
            }
            _ => None,
        })
        .collect();
    let mut sorted = gaps.clone();
    sorted.sort_by(f64::total_cmp);
    let median_gap = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    println!(
        "on/off: server CPU per request {on_cpu:.1}/{off_cpu:.1} µs: authorization adds {:.1} µs = {:.2} % of the mean request time ({on_mean:.1} µs); per pair {} µs (median {median_gap:.1}); mean request time adds {:.1} µs = {:.2} %; throughput {:.0}/{:.0} req/s",
        on_cpu - off_cpu,
        (on_cpu - off_cpu) / on_mean.max(f64::MIN_POSITIVE) * 100.0,
        gaps.iter()
            .map(|g| format!("{g:+.1}"))
            .collect::<Vec<_>>()
            .join(", "),
        on_mean - off_mean,
        (on_mean - off_mean) / on_mean.max(f64::MIN_POSITIVE) * 100.0,
        mean(true, &|r| r.requests as f64 / r.seconds),
        mean(false, &|r| r.requests as f64 / r.seconds),
    );
    // The same gap split: user time (what callgrind counts) and system time (the kernel's
    // work for the process: sockets, the audit log's writes, page faults), and the minor
    // page faults per request (a decision cache filling its memory shows here).
    let pair_gaps = |f: &dyn Fn(&Run) -> f64| {
        runs.chunks(2)
            .filter_map(|pair| match pair {
                [(true, on), (false, off)] => Some(format!("{:+.1}", f(on) - f(off))),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "on/off split: server user CPU per request {:.1}/{:.1} µs (pairs {}), system {:.1}/{:.1} µs (pairs {}); minor page faults per request {:.3}/{:.3}",
        mean(true, &|r| r.server_user_us_per_request),
        mean(false, &|r| r.server_user_us_per_request),
        pair_gaps(&|r| r.server_user_us_per_request),
        mean(true, &|r| r.server_system_us_per_request),
        mean(false, &|r| r.server_system_us_per_request),
        pair_gaps(&|r| r.server_system_us_per_request),
        mean(true, &|r| r.server_faults_per_request),
        mean(false, &|r| r.server_faults_per_request),
    );
    Ok(())
}
