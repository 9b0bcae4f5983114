//! The test harness: the real AWS CLI and boto3 in a cached virtual environment, a server
//! process on free loopback ports with its own data directory, and a small signed HTTP client
//! for what the real clients cannot send (bad input, load).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use iam_policy_server::sigv4::{Credentials, SignedRequest, sign};

pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The client versions the tests run (pinned: a client release that changes the wire protocol
/// should be a deliberate upgrade).
const CLIENTS: &[&str] = &["awscli==1.46.3", "boto3==1.44.18"];

pub const REGION: &str = "us-east-1";
pub const ACCOUNT: &str = "111122223333";

/// The workspace's `target/` directory.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"))
}

/// The virtual environment with the AWS CLI and boto3, created once (cached under `target/`,
/// or where `IAM_POLICY_CLIENTS_VENV` says).
pub fn venv() -> Result<PathBuf> {
    static VENV: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    VENV.get_or_init(|| {
        let dir = std::env::var_os("IAM_POLICY_CLIENTS_VENV")
            .map(PathBuf::from)
            .unwrap_or_else(|| target_dir().join("aws-clients-venv"));
        let stamp = dir.join("installed.txt");
        let want = CLIENTS.join(" ");
        if std::fs::read_to_string(&stamp).ok().as_deref() == Some(want.as_str()) {
            return Ok(dir);
        }
        let run = |cmd: &mut Command| -> std::result::Result<(), String> {
            let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
            if out.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "{cmd:?} failed: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                ))
            }
        };
        run(Command::new("python3").arg("-m").arg("venv").arg(&dir))?;
        run(Command::new(dir.join("bin/pip"))
            .args(["install", "--quiet", "--disable-pip-version-check"])
            .args(CLIENTS))?;
        std::fs::write(&stamp, want).map_err(|e| e.to_string())?;
        Ok(dir)
    })
    .clone()
    .map_err(Into::into)
}

/// An access key pair.
#[derive(Clone, Debug)]
pub struct Creds {
    pub id: String,
    pub secret: String,
    pub token: Option<String>,
}

impl Creds {
    pub fn new(id: &str, secret: &str) -> Self {
        Self {
            id: id.to_owned(),
            secret: secret.to_owned(),
            token: None,
        }
    }
}

pub fn admin() -> Creds {
    Creds::new("AKIAEXAMPLEADMIN0001", "admin-secret-key-for-demo-only")
}
pub fn payments_dev() -> Creds {
    Creds::new("AKIAEXAMPLEPAYMENTS1", "payments-secret-key-for-demo-only")
}
pub fn partner() -> Creds {
    Creds::new("AKIAEXAMPLEPARTNER01", "partner-secret-key-for-demo-only")
}

/// The bundled example configuration (the tests run against what the README shows).
pub fn example_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/config.toml")
}

/// A running server; killed when dropped.
pub struct Server {
    child: Option<Child>,
    data: Option<tempfile::TempDir>,
    pub config: PathBuf,
    pub http: String,
    pub https: String,
    pub http_addr: String,
}

static PORT_LOCK: Mutex<()> = Mutex::new(());

impl Server {
    /// Starts a server on the example configuration with a fresh data directory.
    pub fn start() -> Result<Self> {
        let data = tempfile::tempdir()?;
        let config = data.path().join("config.toml");
        std::fs::copy(example_config(), &config)?;
        Self::start_in(data, config)
    }

    /// Starts a server with `data` and `config`.
    pub fn start_in(data: tempfile::TempDir, config: PathBuf) -> Result<Self> {
        Self::start_with(data, config, &[])
    }

    /// Starts a server with `data`, `config` and extra command-line arguments (such as
    /// `--database postgres://…` for the replica tests).
    pub fn start_with(data: tempfile::TempDir, config: PathBuf, extra: &[&str]) -> Result<Self> {
        let _guard = PORT_LOCK.lock();
        let key = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo.key");
        let mut child = Command::new(env!("CARGO_BIN_EXE_iam-policy-server"))
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(data.path().join("db"))
            .arg("--key-file")
            .arg(&key)
            .args(["--listen", "127.0.0.1:0", "--https-listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let (mut http, mut https) = (String::new(), String::new());
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let Some(line) = lines.next() else { break };
            let line = line?;
            if let Some(rest) = line.strip_prefix("iam-policy-server: listening on ") {
                let url = rest
                    .split_whitespace()
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                if url.starts_with("https://") {
                    https = url;
                } else {
                    http = url;
                }
            }
            if line.ends_with("ready") {
                break;
            }
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        if http.is_empty() || https.is_empty() {
            let _ = child.kill();
            return Err("the server did not start".into());
        }
        let http_addr = http.trim_start_matches("http://").to_owned();
        Ok(Self {
            child: Some(child),
            data: Some(data),
            config,
            http,
            https,
            http_addr,
        })
    }

    /// Kills the server (SIGKILL: no shutdown work) and returns its data directory.
    pub fn kill(mut self) -> Result<(tempfile::TempDir, PathBuf)> {
        if let Some(mut c) = self.child.take() {
            c.kill()?;
            c.wait()?;
        }
        let data = self.data.take().ok_or("no data directory")?;
        Ok((data, self.config.clone()))
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        self.data
            .as_ref()
            .map_or(Path::new("/nonexistent"), |d| d.path())
    }

    /// Sends SIGHUP (reload the configuration).
    pub fn hangup(&self) -> Result {
        self.signal("HUP")
    }

    /// Sends signal `name` (`HUP`, `STOP`, `CONT`) to this server's process only.
    pub fn signal(&self, name: &str) -> Result {
        let pid = self.child.as_ref().ok_or("not running")?.id();
        let status = Command::new("kill")
            .args([&format!("-{name}"), &pid.to_string()])
            .status()?;
        if !status.success() {
            return Err(format!("kill -{name} failed").into());
        }
        Ok(())
    }

    /// The audit lines so far.
    pub fn audit(&self) -> Result<Vec<serde_json::Value>> {
        let text = std::fs::read_to_string(self.dir().join("db/audit.log"))?;
        Ok(text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect())
    }

    pub fn cert(&self) -> PathBuf {
        self.dir().join("db/tls-cert.pem")
    }

    /// Runs the AWS CLI against the plain HTTP endpoint.
    pub fn aws(&self, creds: &Creds, args: &[&str]) -> Result<Cli> {
        self.aws_at(&self.http, creds, args, &[])
    }

    /// Runs the AWS CLI against `endpoint` with extra global arguments.
    pub fn aws_at(
        &self,
        endpoint: &str,
        creds: &Creds,
        args: &[&str],
        extra: &[&str],
    ) -> Result<Cli> {
        let venv = venv()?;
        let mut cmd = Command::new(venv.join("bin/aws"));
        cmd.arg("--endpoint-url")
            .arg(endpoint)
            .args(extra)
            .args(args);
        client_env(&mut cmd, creds);
        let out = run_bounded(cmd)?;
        Ok(Cli::from(out))
    }

    /// Runs a boto3 script (`tests/clients/py/NAME.py`) with `ENDPOINT`, `CA_BUNDLE` and the
    /// credentials in its environment; returns its standard output parsed as JSON.
    pub fn boto3(
        &self,
        script: &str,
        creds: &Creds,
        env: &[(&str, &str)],
    ) -> Result<serde_json::Value> {
        let venv = venv()?;
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/clients/py")
            .join(script);
        let mut cmd = Command::new(venv.join("bin/python"));
        client_env(&mut cmd, creds);
        cmd.arg(path)
            .env("ENDPOINT", &self.http)
            .env("HTTPS_ENDPOINT", &self.https)
            .env("CA_BUNDLE", self.cert());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = run_bounded(cmd)?;
        if !out.status.success() {
            return Err(format!(
                "{script} failed:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
        Ok(serde_json::from_slice(&out.stdout)?)
    }

    /// Sends one signed JSON 1.1 request with the test client; returns (status, body).
    pub fn call(
        &self,
        creds: &Creds,
        target: &str,
        body: &[u8],
    ) -> Result<(u16, serde_json::Value)> {
        let (status, text) = raw_call(&self.http_addr, creds, target, body, None)?;
        Ok((
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        ))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn client_env(cmd: &mut Command, creds: &Creds) {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir())
        .env("AWS_ACCESS_KEY_ID", &creds.id)
        .env("AWS_SECRET_ACCESS_KEY", &creds.secret)
        .env("AWS_DEFAULT_REGION", REGION)
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_MAX_ATTEMPTS", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_PAGER", "");
    if let Some(t) = &creds.token {
        cmd.env("AWS_SESSION_TOKEN", t);
    }
}

/// Runs a client command with a time limit (60 s).
fn run_bounded(mut cmd: Command) -> Result<Output> {
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let mut stderr = child.stderr.take().ok_or("no stderr")?;
    let out_thread = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stdout.read_to_end(&mut b);
        b
    });
    let err_thread = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = stderr.read_to_end(&mut b);
        b
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(format!("{cmd:?} took more than 60 s").into());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(Output {
        status,
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
    })
}

/// The outcome of an AWS CLI run.
#[derive(Debug)]
pub struct Cli {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Cli {
    fn from(o: Output) -> Self {
        Self {
            ok: o.status.success(),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Cli {
    /// The JSON output of a successful run.
    pub fn json(&self) -> Result<serde_json::Value> {
        if !self.ok {
            return Err(format!("the CLI failed: {}", self.stderr).into());
        }
        Ok(serde_json::from_str(&self.stdout)?)
    }

    /// Succeeds when the run did (for commands without output).
    pub fn check(&self) -> Result {
        if self.ok {
            Ok(())
        } else {
            Err(format!("the CLI failed: {}", self.stderr).into())
        }
    }

    /// The error code of a failed run (`An error occurred (CODE) when calling …`).
    pub fn error_code(&self) -> Option<String> {
        let rest = self.stderr.split("An error occurred (").nth(1)?;
        Some(rest.split(')').next()?.to_owned())
    }

    /// The error message of a failed run.
    pub fn error_message(&self) -> Option<String> {
        Some(self.stderr.split("operation: ").nth(1)?.trim().to_owned())
    }
}

/// Temporary credentials from an `assume-role` answer.
pub fn session_creds(answer: &serde_json::Value) -> Result<Creds> {
    let c = &answer["Credentials"];
    Ok(Creds {
        id: c["AccessKeyId"].as_str().ok_or("no key")?.to_owned(),
        secret: c["SecretAccessKey"].as_str().ok_or("no secret")?.to_owned(),
        token: Some(c["SessionToken"].as_str().ok_or("no token")?.to_owned()),
    })
}

/// One signed request over a fresh connection (`x-amz-date` at `at`, now when `None`);
/// returns the status and body.
pub fn raw_call(
    addr: &str,
    creds: &Creds,
    target: &str,
    body: &[u8],
    at: Option<i64>,
) -> Result<(u16, String)> {
    let headers = vec![
        ("host".to_owned(), addr.to_owned()),
        (
            "content-type".to_owned(),
            "application/x-amz-json-1.1".to_owned(),
        ),
        ("x-amz-target".to_owned(), target.to_owned()),
    ];
    let now = at.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
            .unwrap_or(0)
    });
    let req = SignedRequest {
        method: "POST",
        path: "/",
        query: "",
        headers: &headers,
        body,
    };
    let c = Credentials {
        access_key_id: creds.id.clone(),
        secret_access_key: creds.secret.clone(),
        session_token: creds.token.clone(),
    };
    let mut all = headers.clone();
    all.extend(sign(&req, &c, REGION, "secretsmanager", now));
    send(addr, &all, body)
}

/// Sends a POST with `headers` and `body`; returns (status, body).
pub fn send(addr: &str, headers: &[(String, String)], body: &[u8]) -> Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = String::from("POST / HTTP/1.1\r\n");
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    stream.write_all(head.as_bytes())?;
    // A body the server refuses part-way may close the connection: the answer still counts.
    let _ = stream.write_all(body);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no HTTP status in {text:?}"))?;
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    Ok((status, body))
}
