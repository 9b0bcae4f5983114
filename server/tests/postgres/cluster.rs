//! A throw-away PostgreSQL server for the replica tests: `initdb` in a temporary directory,
//! `postgres` on a free loopback port (127.0.0.1 only, no Unix socket, `fsync=off`: the tests
//! kill the database process, never the machine), run as `nobody` when the tests run as root
//! (PostgreSQL refuses to run as root).
//!
//! The binaries are found through `IAM_POLICY_PG_BIN`, then `PATH`, then
//! `/usr/lib/postgresql/*/bin` (Debian's packages, which `.ci/run` installs). Without them the
//! tests are skipped with a message, unless `IAM_POLICY_REQUIRE_POSTGRES` is set (as in CI),
//! where they fail.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A running (or killed) PostgreSQL server.
pub struct Cluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    user: Option<(u32, u32)>,
    pub port: u16,
    child: Option<Child>,
}

/// The directory holding `initdb` and `postgres`.
fn find_bin() -> Option<PathBuf> {
    let has = |d: &Path| d.join("initdb").is_file() && d.join("postgres").is_file();
    if let Some(d) = std::env::var_os("IAM_POLICY_PG_BIN").map(PathBuf::from) {
        return has(&d).then_some(d);
    }
    for d in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
        if has(&d) {
            // Debian links /usr/local/bin/postgres to the real binary; follow it so that
            // postgres finds its share directory.
            let real = std::fs::canonicalize(d.join("postgres")).ok()?;
            return real.parent().map(Path::to_path_buf);
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|d| has(d))
        .collect();
    versions.sort();
    versions.pop()
}

/// `nobody`'s uid and gid when running as root.
fn unprivileged() -> Result<Option<(u32, u32)>> {
    let id = |args: &[&str]| -> Result<u32> {
        let out = Command::new("id").args(args).output()?;
        Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
    };
    if id(&["-u"])? != 0 {
        return Ok(None);
    }
    Ok(Some((id(&["-u", "nobody"])?, id(&["-g", "nobody"])?)))
}

/// A process's state letter and parent (`/proc/<pid>/stat`); `None` when it does not exist.
fn proc_state(pid: u32) -> Option<(char, u32)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid …`; the command name may hold spaces and parentheses.
    let rest = stat.get(stat.rfind(')')? + 1..)?;
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

/// The processes whose parent is `pid` (empty where `/proc` cannot be read).
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&c| proc_state(c).is_some_and(|(_, parent)| parent == pid))
        .collect()
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Cluster {
    /// Creates and starts a cluster; `None` (after a message) when PostgreSQL is not installed.
    pub fn start() -> Result<Option<Self>> {
        let Some(bin) = find_bin() else {
            if std::env::var_os("IAM_POLICY_REQUIRE_POSTGRES").is_some() {
                return Err(
                    "PostgreSQL is not installed, and IAM_POLICY_REQUIRE_POSTGRES is set".into(),
                );
            }
            eprintln!(
                "SKIPPED: PostgreSQL is not installed (no initdb/postgres on PATH or in \
                 /usr/lib/postgresql/*/bin); `apt-get install postgresql` to run the replica tests"
            );
            return Ok(None);
        };
        let dir = tempfile::tempdir()?;
        let user = unprivileged()?;
        if let Some((uid, gid)) = user {
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))?;
        }
        let mut initdb = Command::new(bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(dir.path().join("data"))
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        if let Some((uid, gid)) = user {
            initdb.uid(uid).gid(gid);
        }
        let out = initdb.output()?;
        if !out.status.success() {
            return Err(format!("initdb failed: {}", String::from_utf8_lossy(&out.stderr)).into());
        }
        let mut cluster = Self {
            dir,
            bin,
            user,
            port: free_port()?,
            child: None,
        };
        cluster.restart()?;
        Ok(Some(cluster))
    }

    /// The connection URL.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server (again, on the same data directory and port) and waits until it
    /// accepts connections (30 s at most).
    pub fn restart(&mut self) -> Result {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join("postgres.log"))?;
        let mut cmd = Command::new(self.bin.join("postgres"));
        cmd.arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-p", &self.port.to_string()])
            .args(["-c", "listen_addresses=127.0.0.1"])
            .args(["-c", "unix_socket_directories="])
            .args(["-c", "fsync=off"])
            .args(["-c", "max_connections=120"])
            .current_dir(self.dir.path())
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        if let Some((uid, gid)) = self.user {
            cmd.uid(uid).gid(gid);
        }
        self.child = Some(cmd.spawn()?);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match postgres::Client::connect(&self.url(), postgres::NoTls) {
                Ok(_) => return Ok(()),
                Err(e) if Instant::now() > deadline => {
                    let log = std::fs::read_to_string(self.dir.path().join("postgres.log"))
                        .unwrap_or_default();
                    return Err(format!("postgres did not start: {e}\n{log}").into());
                }
                Err(_) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Kills the server and its backends at once (SIGKILL: a crash, no shutdown work) and
    /// waits until they are gone. PostgreSQL starts every child (backends, auxiliary processes)
    /// in a session of its own (`setsid`), so a signal to the postmaster's process group
    /// misses them, and an orphaned backend still answers the queries that reach its
    /// connection until it notices the postmaster died (long enough, on a loaded machine, for a
    /// replica to be served by a "killed" database). So the postmaster is stopped first (it
    /// starts no more children), then it and each of its children are killed.
    pub fn kill(&mut self) -> Result {
        if let Some(mut child) = self.child.take() {
            let pid = child.id();
            let signal = |name: &str, pid: u32| {
                Command::new("kill")
                    .args([name, "--", &pid.to_string()])
                    .stderr(Stdio::null())
                    .status()
            };
            signal("-STOP", pid)?;
            let deadline = Instant::now() + Duration::from_secs(10);
            while proc_state(pid).is_some_and(|(state, _)| state != 'T' && state != 'Z')
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            let children = children_of(pid);
            Command::new("kill")
                .args(["-KILL", "--", &format!("-{pid}")])
                .status()?;
            for &c in &children {
                signal("-KILL", c)?;
            }
            child.wait()?;
            // Gone: no such process, or a zombie (its connections are closed).
            let deadline = Instant::now() + Duration::from_secs(10);
            while children
                .iter()
                .any(|&c| proc_state(c).is_some_and(|(state, _)| state != 'Z'))
                && Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        Ok(())
    }

    /// A client connection (for checks the API cannot make: what is stored).
    pub fn client(&self) -> Result<postgres::Client> {
        Ok(postgres::Client::connect(&self.url(), postgres::NoTls)?)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.kill();
    }
}
