//! `iam-policy-server`: serves the Secrets Manager API (and STS `AssumeRole` /
//! `GetCallerIdentity`) on loopback or any address given, authorizing every call with
//! iam-policy.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use iam_policy_server::app::{App, Stats};
use iam_policy_server::audit::Audit;
use iam_policy_server::authz::Authorizer;
use iam_policy_server::config::Config;
use iam_policy_server::crypto::Cipher;
use iam_policy_server::storage::Storage;
use iam_policy_server::storage::postgres::PostgresStorage;
use iam_policy_server::storage::sqlite::SqliteStorage;

/// A Secrets Manager-compatible secret server authorizing every call with iam-policy.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The configuration file (principals, policies, keys; see the README).
    #[arg(long)]
    config: PathBuf,
    /// The data directory (database, generated TLS certificate, audit log).
    #[arg(long)]
    data_dir: PathBuf,
    /// Plain HTTP address (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:4566")]
    listen: SocketAddr,
    /// HTTPS address; off when not given.
    #[arg(long)]
    https_listen: Option<SocketAddr>,
    /// TLS certificate (PEM); without it a self-signed one is generated into the data dir.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// File with the 32-byte encryption key (64 hex digits or base64); else
    /// `IAM_POLICY_SERVER_KEY`.
    #[arg(long)]
    key_file: Option<PathBuf>,
    /// The database: the embedded one in the data directory by default, or PostgreSQL shared
    /// by several replicas (`postgres://USER:PASSWORD@HOST:PORT/DATABASE`; see the README,
    /// "Running replicas").
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// Replicas: how many policy changes the database's log keeps (a replica further behind
    /// reloads every resource policy instead of replaying the log).
    #[arg(long, value_name = "N", default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    policy_log_keep: u32,
    /// Audit log file (default: DATA_DIR/audit.log); `-` for standard output.
    #[arg(long)]
    audit_log: Option<PathBuf>,
    /// The decision cache's budget in MiB (0: no cache): a caller's call whose inputs
    /// (caller, policies, action, resource, every condition key set) are those of an earlier
    /// call gets that call's decision without running the engine.
    #[arg(long, value_name = "MIB", default_value_t = 32)]
    decision_cache_mib: u64,
    /// Benchmark only: answer every call without authorizing it, to measure what
    /// authorization costs. Never use it otherwise.
    #[arg(long, hide = true)]
    benchmark_disable_authorization: bool,
    /// Benchmark only: also count the deciding thread's CPU time around each authorization
    /// (two system calls per decision, so it is off unless asked for).
    #[arg(long, hide = true)]
    benchmark_cpu_time: bool,
}

fn fail(message: String) -> ! {
    eprintln!("iam-policy-server: {message}");
    std::process::exit(2);
}

fn main() {
    let args = Args::parse();
    let config = Config::load(&args.config).unwrap_or_else(|e| fail(e.to_string()));
    std::fs::create_dir_all(&args.data_dir)
        .unwrap_or_else(|e| fail(format!("{}: {e}", args.data_dir.display())));
    let cipher =
        Cipher::from_file_or_env(args.key_file.as_deref()).unwrap_or_else(|e| fail(e.to_string()));
    let storage: Box<dyn Storage> = match &args.database {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Box::new(
                PostgresStorage::connect(url)
                    .unwrap_or_else(|e| fail(e.to_string()))
                    .keep_policy_log(args.policy_log_keep),
            )
        }
        Some(other) => fail(format!(
            "--database {other:?}: expected a postgres://… URL (the embedded database is the default)"
        )),
        None => Box::new(
            SqliteStorage::open(&args.data_dir.join("secrets.db"))
                .unwrap_or_else(|e| fail(e.to_string())),
        ),
    };
    // Temporary credentials that expired while the server was down.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    storage
        .prune_sessions(now)
        .unwrap_or_else(|e| fail(e.message));
    let policies = storage
        .resource_policies()
        .unwrap_or_else(|e| fail(e.to_string()));
    let authz = Authorizer::new(config, policies)
        .unwrap_or_else(|e| fail(e.to_string()))
        .with_decision_cache(args.decision_cache_mib.saturating_mul(1 << 20));
    let audit_out: Box<dyn std::io::Write + Send> = match &args.audit_log {
        Some(p) if p.as_os_str() == "-" => Box::new(std::io::stdout()),
        other => {
            let path = other
                .clone()
                .unwrap_or_else(|| args.data_dir.join("audit.log"));
            Box::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)
                    .unwrap_or_else(|e| fail(format!("{}: {e}", path.display()))),
            )
        }
    };
    let app = Arc::new(App {
        authz,
        storage,
        cipher,
        config_path: Some(args.config.clone()),
        audit: Audit::new(audit_out),
        authorization: !args.benchmark_disable_authorization,
        stats: Stats::default(),
        record_context_keys: false,
        measure_cpu: args.benchmark_cpu_time,
        signing_keys: iam_policy_server::sigv4::SigningKeys::default(),
    });
    // Replicas: publish this configuration and listen for changes made through the others.
    app.storage
        .configuration_loaded(&app)
        .unwrap_or_else(|e| fail(e.message));
    app.storage.start_replication(Arc::clone(&app));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail(e.to_string()));
    runtime.block_on(run(app, args));
}

async fn run(app: Arc<App>, args: Args) {
    let http = tokio::net::TcpListener::bind(args.listen)
        .await
        .unwrap_or_else(|e| fail(format!("{}: {e}", args.listen)));
    let http_addr = http.local_addr().unwrap_or_else(|e| fail(e.to_string()));
    println!("iam-policy-server: listening on http://{http_addr}");
    tokio::spawn(iam_policy_server::http::serve_http(Arc::clone(&app), http));
    if let Some(addr) = args.https_listen {
        let cert_path = args.data_dir.join("tls-cert.pem");
        let acceptor = iam_policy_server::http::tls_acceptor(
            args.tls_cert.as_deref().zip(args.tls_key.as_deref()),
            &cert_path,
        )
        .unwrap_or_else(|e| fail(format!("TLS: {e}")));
        let https = tokio::net::TcpListener::bind(addr)
            .await
            .unwrap_or_else(|e| fail(format!("{addr}: {e}")));
        let https_addr = https.local_addr().unwrap_or_else(|e| fail(e.to_string()));
        println!(
            "iam-policy-server: listening on https://{https_addr} (certificate {})",
            cert_path.display()
        );
        tokio::spawn(iam_policy_server::http::serve_https(
            Arc::clone(&app),
            https,
            acceptor,
        ));
    }
    if args.benchmark_disable_authorization {
        eprintln!("iam-policy-server: WARNING: authorization is switched off (benchmark mode)");
    }
    println!("iam-policy-server: ready");
    wait_for_signals(app).await;
}

#[cfg(unix)]
async fn wait_for_signals(app: Arc<App>) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut hup), Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::hangup()),
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        fail("cannot install signal handlers".to_owned());
    };
    loop {
        tokio::select! {
            _ = hup.recv() => {
                let app = Arc::clone(&app);
                let result = tokio::task::spawn_blocking(move || app.reload()).await;
                match result {
                    Ok(Ok(())) => eprintln!("iam-policy-server: configuration reloaded"),
                    Ok(Err(e)) => eprintln!("iam-policy-server: configuration NOT reloaded: {e}"),
                    Err(e) => eprintln!("iam-policy-server: configuration NOT reloaded: {e}"),
                }
            }
            _ = term.recv() => break,
            _ = int.recv() => break,
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signals(_app: Arc<App>) {
    let _ = tokio::signal::ctrl_c().await;
}
