//! The benchmarks' HTTP client: SigV4-signed JSON 1.1 requests written on keep-alive loopback
//! connections, and the server process they start (shared by `throughput` and `replicas`
//! through `#[path]`).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use iam_policy_server::sigv4::{Credentials, SignedRequest, sign};

/// The benchmarks' error type.
pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The region of the example configuration.
pub const REGION: &str = "us-east-1";

/// The example configuration's administrator.
pub fn admin() -> Credentials {
    Credentials {
        access_key_id: "AKIAEXAMPLEADMIN0001".into(),
        secret_access_key: "admin-secret-key-for-demo-only".into(),
        session_token: None,
    }
}

/// `name` from the environment as a number, else `default`.
pub fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A server process started by a benchmark (killed when dropped).
pub struct Server {
    /// The process.
    pub child: Child,
    /// Its plain HTTP address.
    pub addr: String,
}

impl Drop for Server {
    /// Asks the server to stop (`SIGTERM`, so that a profiler wrapping it writes its data),
    /// then kills it if it has not stopped within 30 s.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for `child` to print its address and `ready`; keeps draining its standard output.
pub fn started(mut child: Child) -> Result<Server> {
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
pub fn request(addr: &str, creds: &Credentials, target: &str, body: &str) -> Vec<u8> {
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
    let added = sign(&req, creds, REGION, "secretsmanager", now);
    let mut out = String::from("POST / HTTP/1.1\r\n");
    for (n, v) in headers.iter().chain(added.iter()) {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    out.into_bytes()
}

/// A keep-alive connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Conn {
    /// Connects to `addr` (no Nagle delay, 30 s read timeout).
    pub fn open(addr: &str) -> Result<Self> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            reader: BufReader::new(s.try_clone()?),
            writer: s,
        })
    }

    /// Sends a prepared request; returns the status and body.
    pub fn send(&mut self, req: &[u8]) -> Result<(u16, Vec<u8>)> {
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

    /// Signs and sends `secretsmanager.OP`; returns the status (an error for a 5xx answer).
    pub fn call(&mut self, addr: &str, creds: &Credentials, op: &str, body: &str) -> Result<u16> {
        let (status, out) =
            self.send(&request(addr, creds, &format!("secretsmanager.{op}"), body))?;
        if status >= 500 {
            return Err(format!("{op}: {status} {}", String::from_utf8_lossy(&out)).into());
        }
        Ok(status)
    }
}
