//! The decision cache (`Authorizer::cached`) answers a call exactly as the engine would: the
//! same calls against a server with the cache and one without give the same answers,
//! decisions, deciding statements and denial messages, while tags, resource policies, the
//! configuration, the caller's address and the time change between them; and the cache is
//! used (repeated calls hit it) except when a policy reads the time. A third server without
//! the cache serves each call on a thread of its own, so that nothing a worker thread keeps
//! from call to call (its caller template, the names of its last deciding statements) is
//! there: its answers are the same too.

mod common;

use std::sync::Arc;

use iam_policy_server::app::App;
use iam_policy_server::authz::Identity;
use iam_policy_server::config::Config;
use serde_json::{Map, Value, json};

use common::{ADMIN, NOW_MS, PAYMENTS, Result};

/// One step: who calls (access key, or an identity kept from before a reload: `held`), from
/// where, when (seconds after [`NOW_MS`]), and what.
struct Step {
    key: &'static str,
    held: bool,
    ip: [u8; 4],
    after_secs: i64,
    op: &'static str,
    input: Value,
}

fn step(key: &'static str, op: &'static str, input: Value) -> Step {
    Step {
        key,
        held: false,
        ip: [127, 0, 0, 1],
        after_secs: 0,
        op,
        input,
    }
}

/// The outcome of `s` on `app` (the answer's code and message, or "ok"; then each decision
/// with its deciding statements), secret ARN suffixes left out.
fn run(app: &App, identity: &Identity, s: &Step) -> Vec<String> {
    let mut call = common::call(app, identity, s.ip, false);
    call.now_ms = NOW_MS + s.after_secs * 1000;
    let input: Map<String, Value> = s.input.as_object().cloned().unwrap_or_default();
    let outcome = match iam_policy_server::secrets::dispatch(&mut call, s.op, &input) {
        Ok(_) => "ok".to_owned(),
        Err(e) => format!("{} {}", e.code, e.message),
    };
    let mut out = vec![outcome];
    for d in &call.decisions {
        out.push(format!("{} {} [{}]", d.action, d.decision, d.statements()));
    }
    out.iter().map(|l| common::without_suffixes(l)).collect()
}

/// [`run`] on a new thread (which keeps nothing from an earlier call).
fn run_fresh(app: &App, identity: &Identity, s: &Step) -> Result<Vec<String>> {
    std::thread::scope(|t| t.spawn(|| run(app, identity, s)).join())
        .map_err(|_| "the call's thread panicked".into())
}

/// The example configuration with the administrator's `secretsmanager:*` narrowed to
/// `DescribeSecret`.
fn narrowed() -> Result<Config> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/config.toml");
    let text = std::fs::read_to_string(&path)?.replace(
        r#""Action": "secretsmanager:*", "Resource": "*"}"#,
        r#""Action": "secretsmanager:DescribeSecret", "Resource": "*"}"#,
    );
    let base = path.parent().ok_or("no directory")?;
    Ok(Config::from_text(&text, base, "narrowed.toml")?)
}

/// The text of `aws:CurrentTime` `secs` seconds after [`NOW_MS`].
fn time_after(secs: i64) -> Result<String> {
    let t = jiff::Timestamp::from_second(NOW_MS / 1000 + secs)?;
    Ok(t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
}

#[test]
fn cached_decisions_are_the_engines() -> Result {
    let cached = common::app()?;
    let mut plain = common::app()?;
    plain.authz.set_decision_cache(0);
    let mut fresh = common::app()?;
    fresh.authz.set_decision_cache(0);
    assert!(cached.authz.caches_decisions() && !plain.authz.caches_decisions());
    let get = |key, id: &str| step(key, "GetSecretValue", json!({"SecretId": id}));
    let admin = |op, input| step(ADMIN, op, input);
    let policy = |id: &str, p: Value| {
        admin(
            "PutResourcePolicy",
            json!({"SecretId": id, "ResourcePolicy": p.to_string()}),
        )
    };
    let payments_arn = "arn:aws:iam::111122223333:user/dev-payments";
    let mut steps = vec![
        admin(
            "CreateSecret",
            json!({"Name": "s0", "SecretString": "v", "Tags": [{"Key": "team", "Value": "payments"}]}),
        ),
        admin(
            "CreateSecret",
            json!({"Name": "s1", "SecretString": "v", "Tags": [{"Key": "team", "Value": "platform"}]}),
        ),
    ];
    // ABAC on the resource tag: allowed, denied, each twice (the second from the cache).
    for _ in 0..2 {
        steps.push(get(PAYMENTS, "s0"));
        steps.push(get(PAYMENTS, "s1"));
    }
    // The tag changes: the decisions follow.
    steps.push(admin(
        "TagResource",
        json!({"SecretId": "s1", "Tags": [{"Key": "team", "Value": "payments"}]}),
    ));
    steps.push(admin(
        "UntagResource",
        json!({"SecretId": "s0", "TagKeys": ["team"]}),
    ));
    for _ in 0..2 {
        steps.push(get(PAYMENTS, "s0"));
        steps.push(get(PAYMENTS, "s1"));
    }
    // A resource policy arrives, then goes.
    steps.push(policy(
        "s1",
        json!({"Version": "2012-10-17", "Statement": {"Sid": "NoPayments", "Effect": "Deny",
            "Principal": {"AWS": payments_arn}, "Action": "secretsmanager:*", "Resource": "*"}}),
    ));
    steps.push(get(PAYMENTS, "s1"));
    steps.push(get(PAYMENTS, "s1"));
    steps.push(admin("DeleteResourcePolicy", json!({"SecretId": "s1"})));
    steps.push(get(PAYMENTS, "s1"));
    // A policy that reads the caller's address: each address decided by its own.
    steps.push(policy(
        "s1",
        json!({"Version": "2012-10-17", "Statement": {"Sid": "OnlyTen", "Effect": "Deny",
            "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}}),
    ));
    for ip in [[10, 0, 0, 1], [127, 0, 0, 1], [10, 0, 0, 1], [127, 0, 0, 1]] {
        steps.push(Step {
            ip,
            ..get(ADMIN, "s1")
        });
    }
    let mut outcomes = Vec::new();
    for s in &steps {
        let a = run(&cached, &*common::identity(&cached, s.key)?, s);
        let b = run(&plain, &*common::identity(&plain, s.key)?, s);
        assert_eq!(a, b, "{} {} {}", s.key, s.op, s.input);
        let c = run_fresh(&fresh, &*common::identity(&fresh, s.key)?, s)?;
        assert_eq!(a, c, "{} {} {}", s.key, s.op, s.input);
        outcomes.push(a);
    }
    let (hits, misses) = cached.authz.decision_cache_counts();
    assert!(hits >= 6, "{hits} hits, {misses} misses");
    assert_eq!(plain.authz.decision_cache_counts(), (0, 0));
    let decided = |i: usize| outcomes.get(i).and_then(|o| o.get(1)).cloned();
    let allowed = |i: usize| decided(i).is_some_and(|d| d.contains(" Allow "));
    // Steps 2..6: s0 allowed, s1 denied; after the tags moved (8..12), the other way round.
    assert!(allowed(2) && allowed(4) && !allowed(3) && !allowed(5));
    assert!(!allowed(8) && !allowed(10) && allowed(9) && allowed(11));
    // Explicitly denied twice by the resource policy, then allowed without it.
    assert!(
        decided(13).is_some_and(|d| d.contains("ExplicitDeny")),
        "{outcomes:?}"
    );
    assert!(decided(14).is_some_and(|d| d.contains("ExplicitDeny")));
    assert!(allowed(16));
    // By address: 10/8 allowed, loopback denied.
    assert!(allowed(18) && !allowed(19) && allowed(20) && !allowed(21));

    // The configuration changes: the administrator's new policies decide, for a new
    // identity and for one kept from before (as a session's identity is).
    let held_cached = common::identity(&cached, ADMIN)?;
    let held_plain = common::identity(&plain, ADMIN)?;
    let held_fresh = common::identity(&fresh, ADMIN)?;
    let read = get(ADMIN, "s0");
    assert_eq!(
        run(&cached, &held_cached, &read)
            .first()
            .map(String::as_str),
        Some("ok")
    );
    assert_eq!(
        run(&cached, &held_cached, &read)
            .first()
            .map(String::as_str),
        Some("ok")
    );
    // The statements of the held identity's reads are named by its template (kept by this
    // thread): a reload that renames them names them anew.
    let renamed = || -> Result<Config> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/config.toml");
        let text = std::fs::read_to_string(&path)?.replace("\"SecretsAdmin\"", "\"Renamed\"");
        let base = path.parent().ok_or("no directory")?;
        Ok(Config::from_text(&text, base, "renamed.toml")?)
    };
    for app in [&cached, &plain, &fresh] {
        app.authz.reload(renamed()?)?;
    }
    for held in [true, false] {
        let s = Step {
            held,
            ..get(ADMIN, "s0")
        };
        let (a, b, c) = if s.held {
            (
                run(&cached, &held_cached, &s),
                run(&plain, &held_plain, &s),
                run_fresh(&fresh, &held_fresh, &s)?,
            )
        } else {
            (
                run(&cached, &*common::identity(&cached, ADMIN)?, &s),
                run(&plain, &*common::identity(&plain, ADMIN)?, &s),
                run_fresh(&fresh, &*common::identity(&fresh, ADMIN)?, &s)?,
            )
        };
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert!(
            a.get(1)
                .is_some_and(|d| d.contains("\"Renamed\"") && !d.contains("SecretsAdmin")),
            "{a:?}"
        );
    }
    cached.authz.reload(narrowed()?)?;
    plain.authz.reload(narrowed()?)?;
    fresh.authz.reload(narrowed()?)?;
    for held in [true, false] {
        let s = Step {
            held,
            ..get(ADMIN, "s0")
        };
        let (a, b, c) = if s.held {
            (
                run(&cached, &held_cached, &s),
                run(&plain, &held_plain, &s),
                run_fresh(&fresh, &held_fresh, &s)?,
            )
        } else {
            (
                run(&cached, &*common::identity(&cached, ADMIN)?, &s),
                run(&plain, &*common::identity(&plain, ADMIN)?, &s),
                run_fresh(&fresh, &*common::identity(&fresh, ADMIN)?, &s)?,
            )
        };
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert!(
            a.first().is_some_and(|o| o.starts_with("AccessDenied")),
            "{a:?}"
        );
    }
    Ok(())
}

/// Once a policy reads `aws:CurrentTime`, no decision is taken from the cache: the same call
/// a few seconds later is decided again (and here answered differently).
#[test]
fn decisions_that_read_the_time_are_not_cached() -> Result {
    let app = common::app()?;
    let get = |after_secs| Step {
        after_secs,
        ..step(ADMIN, "GetSecretValue", json!({"SecretId": "s"}))
    };
    let create = step(
        ADMIN,
        "CreateSecret",
        json!({"Name": "s", "SecretString": "v"}),
    );
    let admin: Arc<Identity> = common::identity(&app, ADMIN)?;
    assert_eq!(
        run(&app, &admin, &create).first().map(String::as_str),
        Some("ok")
    );
    // Cached while no policy reads the time.
    run(&app, &admin, &get(0));
    let (hits, _) = app.authz.decision_cache_counts();
    run(&app, &admin, &get(0));
    assert_eq!(app.authz.decision_cache_counts().0, hits + 1);
    let policy = json!({"Version": "2012-10-17", "Statement": {"Sid": "Expired", "Effect": "Deny",
        "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
        "Condition": {"DateGreaterThan": {"aws:CurrentTime": time_after(1)?}}}});
    let put = step(
        ADMIN,
        "PutResourcePolicy",
        json!({"SecretId": "s", "ResourcePolicy": policy.to_string()}),
    );
    assert_eq!(
        run(&app, &admin, &put).first().map(String::as_str),
        Some("ok")
    );
    let (hits, misses) = app.authz.decision_cache_counts();
    assert_eq!(
        run(&app, &admin, &get(0)).first().map(String::as_str),
        Some("ok")
    );
    assert_eq!(
        run(&app, &admin, &get(0)).first().map(String::as_str),
        Some("ok")
    );
    let late = run(&app, &admin, &get(2));
    assert!(
        late.first()
            .is_some_and(|o| o.contains("explicit deny in a resource-based policy")),
        "{late:?}"
    );
    assert_eq!(
        app.authz.decision_cache_counts(),
        (hits, misses),
        "not looked up"
    );
    Ok(())
}
