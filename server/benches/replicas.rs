//! Replicas on one PostgreSQL database, over loopback: GetSecretValue throughput and p50/p99
//! latency through 1, 2 and 3 replicas (clients spread over them), as a ratio to the embedded
//! database in a single process; and the delay between a resource-policy change acknowledged
//! by one replica and its effect on a read through another (p50/p99).
//!
//! `cargo bench -p iam-policy-server --bench replicas` (`-- --quick` for a short run;
//! `SECRETS=N`, `SECONDS=N`, `CLIENTS=N`, `FLIPS=N` change the workload). PostgreSQL is
//! started by the benchmark (as the replica tests do); without it the benchmark says so and
//! stops. Every process shares the same cores: on a 2-core machine the absolute numbers and
//! the scaling are the machine's, not the design's.

#[path = "../tests/postgres/cluster.rs"]
#[allow(dead_code, reason = "shared with the replica tests")]
mod cluster;

#[path = "common/client.rs"]
#[allow(dead_code, reason = "shared by the benchmarks; each uses part of it")]
mod client;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use client::{Conn, Result, Server, admin, env_num, request, started};
use iam_policy_server::sigv4::Credentials;

fn partner() -> Credentials {
    Credentials {
        access_key_id: "AKIAEXAMPLEPARTNER01".into(),
        secret_access_key: "partner-secret-key-for-demo-only".into(),
        session_token: None,
    }
}

fn start(data: &Path, database: Option<&str>) -> Result<Server> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iam-policy-server"));
    cmd.arg("--config")
        .arg(manifest.join("examples/config.toml"))
        .arg("--data-dir")
        .arg(data)
        .arg("--key-file")
        .arg(manifest.join("examples/demo.key"))
        .args(["--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(url) = database {
        cmd.args(["--database", url]);
    }
    started(cmd.spawn()?)
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
                    })
                    .to_string();
                    let status = conn
                        .call(&addr, &admin(), "CreateSecret", &body)
                        .map_err(|e| e.to_string())?;
                    if status != 200 {
                        return Err(format!("CreateSecret answered {status}"));
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
}

impl Run {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    f64::from(sorted.get(i).copied().unwrap_or(0)) / 1000.0
}

/// `clients` keep-alive clients, client `c` on `addrs[c % len]`, reading random-ish secrets.
fn measure(addrs: &[String], secrets: usize, clients: usize, seconds: f64) -> Result<Run> {
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|c| {
            let addr = addrs
                .get(c % addrs.len().max(1))
                .cloned()
                .unwrap_or_default();
            let reqs: Vec<Vec<u8>> = (c..secrets)
                .step_by(clients)
                .take(1000)
                .map(|i| {
                    request(
                        &addr,
                        &admin(),
                        "secretsmanager.GetSecretValue",
                        &format!(r#"{{"SecretId":"bench/app{}/secret-{i}"}}"#, i % 100),
                    )
                })
                .collect();
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
    let seconds = started.elapsed().as_secs_f64();
    lat.sort_unstable();
    Ok(Run {
        requests: lat.len(),
        seconds,
        p50_us: percentile(&lat, 0.50),
        p99_us: percentile(&lat, 0.99),
    })
}

fn report(label: &str, r: &Run, baseline: Option<&Run>) {
    let ratio = baseline.map_or(String::new(), |b| {
        format!(
            "  = {:.2}x the embedded single process",
            r.rate() / b.rate()
        )
    });
    println!(
        "{label:>28}: {:>7.0} req/s  p50 {:>7.1} µs  p99 {:>8.1} µs{ratio}",
        r.rate(),
        r.p50_us,
        r.p99_us,
    );
}

/// Flips a secret's resource policy (allow / deny the partner) through replica A and reads
/// through replica B right after each acknowledgment: the delay from A's answer to B's first
/// answer reflecting the change, and how many reads that took.
fn policy_delay(a: &str, b: &str, flips: usize) -> Result<()> {
    let mut ca = Conn::open(a)?;
    let mut cb = Conn::open(b)?;
    let status = ca.call(
        a,
        &admin(),
        "CreateSecret",
        r#"{"Name":"bench/policy","SecretString":"v"}"#,
    )?;
    if status != 200 {
        return Err("CreateSecret failed".into());
    }
    let policy = |effect: &str| {
        serde_json::json!({
            "SecretId": "arn:aws:secretsmanager:us-east-1:111122223333:secret:bench/policy",
            "ResourcePolicy": serde_json::json!({"Version": "2012-10-17", "Statement": [{
                "Effect": effect,
                "Principal": {"AWS": "arn:aws:iam::444455556666:user/partner"},
                "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}).to_string(),
        })
        .to_string()
    };
    // The partner addresses the secret by its full ARN; look it up once.
    let mut conn = Conn::open(a)?;
    let (_, body) = conn.send(&request(
        a,
        &admin(),
        "secretsmanager.DescribeSecret",
        r#"{"SecretId":"bench/policy"}"#,
    ))?;
    let arn = serde_json::from_slice::<serde_json::Value>(&body)?
        .get("ARN")
        .and_then(serde_json::Value::as_str)
        .ok_or("no ARN")?
        .to_owned();
    let read = format!(r#"{{"SecretId":"{arn}"}}"#);
    let (mut delays, mut extra_reads) = (Vec::new(), 0usize);
    for i in 0..flips {
        let allow = i % 2 == 0;
        let body = policy(if allow { "Allow" } else { "Deny" }).replace(
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:bench/policy",
            &arn,
        );
        if ca.call(a, &admin(), "PutResourcePolicy", &body)? != 200 {
            return Err("PutResourcePolicy failed".into());
        }
        let acked = Instant::now();
        let want = if allow { 200 } else { 400 };
        let mut reads = 0;
        loop {
            reads += 1;
            let status = cb.call(b, &partner(), "GetSecretValue", &read)?;
            if status == want {
                break;
            }
            if acked.elapsed() > Duration::from_secs(10) {
                return Err("the change never reached replica B".into());
            }
        }
        delays.push(u32::try_from(acked.elapsed().as_nanos()).unwrap_or(u32::MAX));
        extra_reads += reads - 1;
    }
    delays.sort_unstable();
    println!(
        "policy change through A -> effect through B: p50 {:.1} µs  p99 {:.1} µs  max {:.1} µs over {flips} changes; reads through B that still saw the old policy: {extra_reads}",
        percentile(&delays, 0.50),
        percentile(&delays, 0.99),
        percentile(&delays, 1.0),
    );
    Ok(())
}

fn main() -> Result {
    let quick = std::env::args().any(|a| a == "--quick");
    let secrets = env_num("SECRETS", if quick { 300 } else { 2000 });
    let seconds = env_num("SECONDS", if quick { 2 } else { 8 }) as f64;
    let clients = env_num("CLIENTS", 3);
    let flips = env_num("FLIPS", if quick { 50 } else { 500 });
    let Some(db) = cluster::Cluster::start()? else {
        println!("replicas benchmark: PostgreSQL is not installed; nothing measured");
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    println!(
        "GetSecretValue, {secrets} secrets, {clients} keep-alive clients, {seconds} s per run; \
         loopback; clients, replicas and PostgreSQL share this machine's {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );

    let embedded = {
        let server = start(&dir.path().join("embedded"), None)?;
        populate(&server.addr, secrets)?;
        measure(
            std::slice::from_ref(&server.addr),
            secrets,
            clients,
            seconds,
        )?
    };
    report("embedded, 1 process", &embedded, None);

    let url = db.url();
    let servers: Vec<Server> = (0..3)
        .map(|i| start(&dir.path().join(format!("replica{i}")), Some(&url)))
        .collect::<Result<_>>()?;
    let addrs: Vec<String> = servers.iter().map(|s| s.addr.clone()).collect();
    let [first, second, _] = addrs.as_slice() else {
        return Err("three replicas expected".into());
    };
    populate(first, secrets)?;
    for n in 1..=3 {
        let run = measure(
            addrs.get(..n).unwrap_or_default(),
            secrets,
            clients.max(n),
            seconds,
        )?;
        report(&format!("postgres, {n} replica(s)"), &run, Some(&embedded));
    }
    policy_delay(first, second, flips)?;
    Ok(())
}
