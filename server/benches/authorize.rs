//! The server's authorization step in process (no sockets, no HTTP, no signatures), by parts:
//! GetSecretValue as the throughput benchmark's administrator calls it, on 10,000 stored
//! secrets (tagged; one in ten with a resource policy), on an in-memory database.
//!
//! `cargo bench -p iam-policy-server --bench authorize` (`-- --quick` for a short run;
//! `SECRETS=N`, `ROUNDS=N` change the workload) prints nanoseconds per call of each part,
//! the best of the rounds (each round reads every secret once):
//! - `lookup`: finding the secret by name (what the handler does with authorization on or off);
//! - `keys`: the list of the secret's condition keys the handler gives `Call::authorize`;
//! - `authorize`: `Call::authorize` (the replica check, building the request in the thread's
//!   buffer, deciding, naming the deciding statements, the audit record), by the loop's clock
//!   and by the server's own (`Call::authz_nanos`, what `GetStatistics` reports): with the
//!   decision cache (every round after the first finds each decision there) and without it
//!   (every call runs the engine);
//! - `GetSecretValue`: the whole handler with authorization on and off (lookup, decryption,
//!   the answer's JSON).
//!
//! `PROFILE=authorize` (or `authorize-uncached`, `get`, `get-off`) runs only that loop, `ROUNDS` times, for a
//! profiler: `SECRETS=1000 PROFILE=authorize ROUNDS=10 valgrind --tool=callgrind
//! --collect-atstart=no --toggle-collect='*profiled*' target/release/deps/authorize-…` counts
//! the instructions of that loop alone (divide by SECRETS × ROUNDS).

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Instant;

use iam_policy_server::app::App;
use iam_policy_server::authz::Identity;
use iam_policy_server::secrets::{dispatch, secret_keys};
use iam_policy_server::storage::Secret;
use serde_json::{Map, Value, json};

use common::Result;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn name(i: usize) -> String {
    format!("bench/app{}/secret-{i}", i % 100)
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// The throughput benchmark's secrets, created through the handlers.
fn populate(app: &App, admin: &Identity, secrets: usize) -> Result {
    let policy = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#;
    for i in 0..secrets {
        let mut call = common::call(app, admin, [127, 0, 0, 1], false);
        let input = obj(json!({
            "Name": name(i),
            "SecretString": format!("{{\"user\":\"u{i}\",\"password\":\"p-{i}-0123456789abcdef\"}}"),
            "Tags": [{"Key": "team", "Value": format!("team{}", i % 10)}],
        }));
        dispatch(&mut call, "CreateSecret", &input)?;
        if i % 10 == 0 {
            let input = obj(json!({"SecretId": name(i), "ResourcePolicy": policy}));
            dispatch(&mut call, "PutResourcePolicy", &input)?;
        }
    }
    Ok(())
}

/// Nanoseconds per item of the fastest of `rounds` runs of `f` over `items` items.
fn best(rounds: usize, items: usize, mut f: impl FnMut() -> Result) -> Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        f()?;
        best = best.min(t.elapsed().as_nanos() as f64 / items.max(1) as f64);
    }
    Ok(best)
}

/// The loop a profiler counts (`--toggle-collect='*profiled*'`): `rounds` runs of `run`.
#[inline(never)]
fn profiled(app: &App, rounds: usize, run: &dyn Fn(&App) -> Result) -> Result {
    for _ in 0..rounds {
        run(app)?;
    }
    Ok(())
}

fn main() -> Result {
    let quick = std::env::args().any(|a| a == "--quick");
    let secrets = env_num("SECRETS", if quick { 1000 } else { 10_000 });
    let rounds = env_num("ROUNDS", if quick { 3 } else { 10 });
    let profile = std::env::var("PROFILE").ok();
    let mut app = common::app()?;
    let admin = common::identity(&app, common::ADMIN)?;
    let t = Instant::now();
    populate(&app, &admin, secrets)?;
    let account = admin.account.clone();
    let mut stored: Vec<Secret> = Vec::new();
    for i in 0..secrets {
        stored.push(
            app.storage
                .get_by_name(&account, &name(i))?
                .ok_or("a secret was lost")?,
        );
    }
    let inputs: Vec<Map<String, Value>> = (0..secrets)
        .map(|i| obj(json!({"SecretId": name(i)})))
        .collect();
    if profile.is_none() {
        println!(
            "{secrets} secrets stored in {:.1} s; best of {rounds} rounds",
            t.elapsed().as_secs_f64()
        );
    }
    let action = "secretsmanager:GetSecretValue";
    let authorize = |app: &App| -> Result<u64> {
        let mut server_clock = 0;
        for s in &stored {
            let mut call = common::call(app, &admin, [127, 0, 0, 1], false);
            call.authorize(action, &s.arn, secret_keys(&s.arn, Some(s)))?;
            server_clock += call.authz_nanos;
            black_box(&call.decisions);
        }
        Ok(server_clock)
    };
    let get = |app: &App| -> Result {
        for input in &inputs {
            let mut call = common::call(app, &admin, [127, 0, 0, 1], false);
            black_box(dispatch(&mut call, "GetSecretValue", input)?);
        }
        Ok(())
    };
    if let Some(which) = profile.as_deref() {
        let run: &dyn Fn(&App) -> Result = match which {
            "authorize" => &|app| authorize(app).map(drop),
            "authorize-uncached" => {
                app.authz.set_decision_cache(0);
                &|app| authorize(app).map(drop)
            }
            "get" => &get,
            "get-off" => {
                app.authorization = false;
                &get
            }
            other => {
                return Err(format!(
                    "PROFILE={other}: authorize, authorize-uncached, get or get-off"
                )
                .into());
            }
        };
        // One round first, uncounted: the profile is of the steady state (with the cache:
        // every decision found there).
        run(&app)?;
        return profiled(&app, rounds, run);
    }
    let n = stored.len();
    let lookup = best(rounds, n, || {
        for i in 0..n {
            black_box(app.storage.get_by_name(&account, &name(i))?);
        }
        Ok(())
    })?;
    let names = best(rounds, n, || {
        for i in 0..n {
            black_box(name(i));
        }
        Ok(())
    })?;
    let keys = best(rounds, n, || {
        for s in &stored {
            black_box(secret_keys(&s.arn, Some(s)));
        }
        Ok(())
    })?;
    let mut server_clock = f64::INFINITY;
    let whole = best(rounds, n, || {
        let ns = authorize(&app)?;
        server_clock = server_clock.min(ns as f64 / n as f64);
        Ok(())
    })?;
    let get_on = best(rounds, n, || get(&app))?;
    // The same without the decision cache: every call runs the engine.
    app.authz.set_decision_cache(0);
    let mut uncached_clock = f64::INFINITY;
    let uncached = best(rounds, n, || {
        let ns = authorize(&app)?;
        uncached_clock = uncached_clock.min(ns as f64 / n as f64);
        Ok(())
    })?;
    let get_uncached = best(rounds, n, || get(&app))?;
    app.authorization = false;
    let get_off = best(rounds, n, || get(&app))?;
    println!("lookup (by name)     {:>8.0} ns", lookup - names);
    println!("keys                 {keys:>8.0} ns");
    println!(
        "authorize            {whole:>8.0} ns (server's clock {server_clock:.0} ns; decisions from the cache)"
    );
    println!("authorize, no cache  {uncached:>8.0} ns (server's clock {uncached_clock:.0} ns)");
    println!(
        "GetSecretValue on    {get_on:>8.0} ns (no cache {get_uncached:.0} ns)\nGetSecretValue off   {get_off:>8.0} ns (on - off {:.0} ns, without the cache {:.0} ns)",
        get_on - get_off,
        get_uncached - get_off
    );
    Ok(())
}
