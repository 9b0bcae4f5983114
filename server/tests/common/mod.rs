//! The in-process server state the tests (and the in-process benchmark) build: the example
//! configuration, one storage, a fixed encryption key, audit lines dropped; and calls made
//! directly on it (no HTTP, no signature).

#![allow(dead_code, reason = "each test crate uses part of it")]

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::sync::Arc;

use iam_policy_server::app::{App, Stats};
use iam_policy_server::audit::Audit;
use iam_policy_server::authz::{Authorizer, Identity};
use iam_policy_server::call::{Call, Decisions};
use iam_policy_server::config::Config;
use iam_policy_server::crypto::Cipher;
use iam_policy_server::storage::Storage;
use iam_policy_server::storage::sqlite::SqliteStorage;

pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

/// The example configuration's access keys.
pub const ADMIN: &str = "AKIAEXAMPLEADMIN0001";
pub const PAYMENTS: &str = "AKIAEXAMPLEPAYMENTS1";
pub const PARTNER: &str = "AKIAEXAMPLEPARTNER01";

/// The key every test server seals secret values with (the same for a restart on one file).
pub const KEY: [u8; 32] = [7; 32];

/// The time of the calls made with [`call`] (epoch milliseconds, 2027-01-15).
pub const NOW_MS: i64 = 1_800_000_000_000;

/// The example configuration (`examples/config.toml`).
pub fn example_config() -> Result<Config> {
    Ok(Config::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/config.toml"),
    )?)
}

/// A server of the example configuration on `storage`, with the storage's resource policies
/// loaded (as `main` starts one).
pub fn app_on(storage: Box<dyn Storage>) -> Result<App> {
    let policies = storage.resource_policies()?;
    Ok(App {
        authz: Authorizer::new(example_config()?, policies)?,
        storage,
        cipher: Cipher::new(&KEY),
        config_path: None,
        audit: Audit::new(Box::new(std::io::sink())),
        authorization: true,
        stats: Stats::default(),
        record_context_keys: false,
        measure_cpu: false,
        signing_keys: iam_policy_server::sigv4::SigningKeys::default(),
    })
}

/// A server of the example configuration on an in-memory database.
pub fn app() -> Result<App> {
    app_on(Box::new(SqliteStorage::in_memory()?))
}

/// The caller of access key `key`: the server's own (whose calls share one
/// [`CallerTemplate`](iam_policy_server::authz::CallerTemplate), as over HTTP).
pub fn identity(app: &App, key: &str) -> Result<Arc<Identity>> {
    let entry = app.authz.key(key)?.ok_or("no such access key")?;
    Ok(entry.identity)
}

/// A call of `identity` from `ip` (over TLS when `secure`) at [`NOW_MS`] in `us-east-1`.
pub fn call<'a>(app: &'a App, identity: &'a Identity, ip: [u8; 4], secure: bool) -> Call<'a> {
    Call {
        app,
        identity,
        source_ip: IpAddr::V4(Ipv4Addr::from(ip)),
        secure,
        now_ms: NOW_MS,
        region: "us-east-1".into(),
        decisions: Decisions::new(),
        authz_nanos: 0,
        authz_cpu_nanos: 0,
    }
}

/// `line` with every `:secret:NAME-XXXXXX` written `:secret:NAME`.
pub fn without_suffixes(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(":secret:") {
        let (head, tail) = rest.split_at(at + ":secret:".len());
        out.push_str(head);
        let end = tail.find([' ', '"', ',']).unwrap_or(tail.len());
        let (arn, after) = tail.split_at(end);
        match arn.rsplit_once('-') {
            Some((name, suffix)) if suffix.len() == 6 => out.push_str(name),
            _ => out.push_str(arn),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}
