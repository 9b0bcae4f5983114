//! GetSecretValue over loopback: throughput, p50 and p99 latency with 10,000 secrets, with
//! authorization on and switched off (`--benchmark-disable-authorization`, a flag that exists
//! only for this measurement), the server's own count of the time spent authorizing, and the
//! memory per stored secret.
//!
//! `cargo bench -p iam-policy-server --bench throughput` (`-- --quick` for a short run;
//! `SECRETS=N`, `DURATION=N` (seconds), `CLIENTS=N` change the workload).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use iam_policy_server::sigv4::{Credentials, SignedRequest, sign};

type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const REGION: &str = "us-east-1";

fn creds() -> Credentials {
    Credentials {
        access_key_id: "AKIAEXAMPLEADMIN0001".into(),
        secret_access_key: "admin-secret-key-for-demo-only".into(),
        session_token: None,
    }
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(data: &Path, authorization: bool, cpu: bool) -> Result<Server> {
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
    if !authorization {
        cmd.arg("--benchmark-disable-authorization");
    }
    if cpu {
        cmd.arg("--benchmark-cpu-time");
    }
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut addr = String::new();
    for line in lines.by_ref() {
        let line = line?;
        if let Some(rest) = line.strip_prefix("iam-policy-server: listening on http://") {
            addr = rest.trim().to_owned();
        }
        if line.ends_with("ready") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    if addr.is_empty() {
        return Err("the server did not start".into());
    }
    Ok(Server { child, addr })
}

/// A signed JSON 1.1 request, ready to write on a keep-alive connection.
fn request(addr: &str, target: &str, body: &str) -> Vec<u8> {
    let headers = vec![
        ("host".to_owned(), addr.to_owned()),
        (
            "content-type".to_owned(),
            "application/x-amz-json-1.1".to_owned(),
        ),
        ("x-amz-target".to_owned(), target.to_owned()),
    ];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
        .unwrap_or(0);
    let req = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body: body.as_bytes(),
    };
    let added = sign(&req, &creds(), REGION, "secretsmanager", now);
    let mut out = String::from("POST / HTTP/1.1\r\n");
    for (n, v) in headers.iter().chain(added.iter()) {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    out.into_bytes()
}

/// A keep-alive connection.
struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    fn open(addr: &str) -> Result<Self> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            reader: BufReader::new(s.try_clone()?),
            writer: s,
        })
    }

    /// Sends a prepared request; returns the status and body.
    fn send(&mut self, req: &[u8]) -> Result<(u16, Vec<u8>)> {
        self.writer.write_all(req)?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or("no status")?;
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line)?;
            let l = line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((n, v)) = l.split_once(':')
                && n.eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse()?;
            }
        }
        let mut body = vec![0u8; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, body))
    }
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
}

fn stats(addr: &str) -> Result<serde_json::Value> {
    let mut conn = Conn::open(addr)?;
    let (_, body) = conn.send(&request(addr, "IamPolicyServer.GetStatistics", "{}"))?;
    Ok(serde_json::from_slice(&body)?)
}

fn measure(addr: &str, secrets: usize, clients: usize, seconds: f64) -> Result<Run> {
    // Requests are signed up front (SigV4 allows replay within 15 minutes), so the clients
    // spend their time sending and receiving only.
    let per_client: Vec<Vec<Vec<u8>>> = (0..clients)
        .map(|c| {
            (c..secrets)
                .step_by(clients)
                .map(|i| {
                    request(
                        addr,
                        "secretsmanager.GetSecretValue",
                        &format!(r#"{{"SecretId":"bench/app{}/secret-{i}"}}"#, i % 100),
                    )
                })
                .collect()
        })
        .collect();
    let before = stats(addr)?;
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
    })
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

fn report(label: &str, r: &Run) {
    println!(
        "{label:>22}: {:>8.0} req/s  p50 {:>7.1} µs  p99 {:>7.1} µs  mean {:>7.1} µs  ({} requests in {:.1} s; server: {:.0} ns handling, {:.0} ns authorizing ({:.0} ns CPU) per request)",
        r.requests as f64 / r.seconds,
        r.p50_us,
        r.p99_us,
        r.mean_us,
        r.requests,
        r.seconds,
        r.handle_ns_per_request,
        r.authz_ns_per_request,
        r.authz_cpu_ns_per_request
    );
}

fn main() -> Result {
    let quick = std::env::args().any(|a| a == "--quick");
    // `cargo bench` passes `--bench`; a plain `cargo test --benches` passes nothing: run quick.
    let secrets = env_num("SECRETS", if quick { 1000 } else { 10_000 });
    let seconds = env_num("DURATION", if quick { 2 } else { 10 }) as f64;
    let clients = env_num("CLIENTS", 2);
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");

    let server = start(&data, true, false)?;
    let rss_empty = rss_kib(server.child.id());
    let t = Instant::now();
    populate(&server.addr, secrets)?;
    println!(
        "populated {secrets} secrets in {:.1} s",
        t.elapsed().as_secs_f64()
    );
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

    // Authorization on and off, alternating, twice each: the pairs show the machine's noise.
    let mut runs = Vec::new();
    for (label, authorization) in [
        ("authorization on", true),
        ("authorization off", false),
        ("authorization on (2)", true),
        ("authorization off (2)", false),
    ] {
        let server = start(&data, authorization, false)?;
        let r = measure(&server.addr, secrets, clients, seconds)?;
        report(label, &r);
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
        runs.push(r);
    }
    // One more run with the deciding thread's CPU time counted (two system calls per
    // decision, which the runs above do not pay): the cost without the time a thread spends
    // preempted while deciding.
    let server = start(&data, true, true)?;
    let cpu_run = measure(&server.addr, secrets, clients, seconds)?;
    report("authorization on, CPU", &cpu_run);
    drop(server);
    if let [on, off, on2, off2] = runs.as_slice() {
        let on_mean = (on.mean_us + on2.mean_us) / 2.0;
        let off_mean = (off.mean_us + off2.mean_us) / 2.0;
        let authz = (on.authz_ns_per_request + on2.authz_ns_per_request) / 2.0;
        // The server's own clock around each decision (request building, context keys,
        // deciding) against the whole request as the client sees it.
        println!(
            "authorization: {authz:.0} ns per request (wall clock) = {:.2} % of the mean request time ({on_mean:.1} µs, client side); CPU {:.0} ns (its own run, clock calls included); mean on/off {on_mean:.1}/{off_mean:.1} µs; p50 on/off {:.1}/{:.1} µs",
            authz / (on_mean * 1000.0) * 100.0,
            cpu_run.authz_cpu_ns_per_request,
            (on.p50_us + on2.p50_us) / 2.0,
            (off.p50_us + off2.p50_us) / 2.0
        );
    }
    Ok(())
}
