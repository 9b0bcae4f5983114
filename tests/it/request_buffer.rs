//! The per-call path: [`RequestBuffer`] builds and prepares each request in reused memory.
//! It must prepare exactly what `Request::builder()` + `PreparedRequest::new` do (same request,
//! same errors, same decisions), and, once warm, build + prepare + decide without allocating.

use crate::workload::generator;

use iam_policy::{
    ContextKey, ContextLimit, ContextScalar, ContextValue, PolicyStore, PreparedRequest, Request,
    RequestBuffer, RequestError, SessionPolicy,
};

/// One request's parts, as a server receives them.
#[derive(Clone, Debug, Default)]
struct Parts<'a> {
    principal: Option<&'a str>,
    principal_account: Option<&'a str>,
    action: Option<&'a str>,
    resource: Option<&'a str>,
    resource_account: Option<&'a str>,
    context: Vec<(&'a str, ContextValue)>,
}

fn owned(p: &Parts<'_>) -> Result<Request, RequestError> {
    let mut b = Request::builder();
    if let Some(v) = p.principal {
        b = b.principal(v);
    }
    if let Some(v) = p.principal_account {
        b = b.principal_account(v);
    }
    if let Some(v) = p.action {
        b = b.action(v);
    }
    if let Some(v) = p.resource {
        b = b.resource(v);
    }
    if let Some(v) = p.resource_account {
        b = b.resource_account(v);
    }
    for (k, v) in &p.context {
        b = b.context_value(k, v.clone());
    }
    b.build()
}

/// How a test gives the context values to a buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Setters {
    /// `context_value`.
    Value,
    /// The setter of each value's type (`context_string`, `context_number`, `context_bool`,
    /// `context_strings`), as a server calls them.
    Typed,
    /// The same through keys made ahead of time (`key_string`, ...).
    Keyed,
}

/// Builds `p` in `buffer`, its context values given through `setters`.
fn buffered<'b>(
    buffer: &'b mut RequestBuffer,
    p: &Parts<'_>,
    setters: Setters,
) -> Result<&'b PreparedRequest, RequestError> {
    let typed = setters != Setters::Value;
    let mut b = buffer.request();
    if let Some(v) = p.principal {
        b = b.principal(v);
    }
    if let Some(v) = p.principal_account {
        b = b.principal_account(v);
    }
    if let Some(v) = p.action {
        b = b.action(v);
    }
    if let Some(v) = p.resource {
        b = b.resource(v);
    }
    if let Some(v) = p.resource_account {
        b = b.resource_account(v);
    }
    for (k, v) in &p.context {
        if setters == Setters::Keyed {
            let key = ContextKey::new(k);
            b = match v {
                ContextValue::Single(ContextScalar::String(s)) => b.key_string(&key, s),
                ContextValue::Single(ContextScalar::Number(n)) => b.key_number(&key, n),
                ContextValue::Single(ContextScalar::Bool(v)) => b.key_bool(&key, *v),
                ContextValue::Multi(list)
                    if list.iter().all(|s| matches!(s, ContextScalar::String(_))) =>
                {
                    b.key_strings(&key, list.iter().map(ContextScalar::as_text))
                }
                ContextValue::Multi(_) => b.context_value(k, v),
            };
            continue;
        }
        b = match v {
            _ if !typed => b.context_value(k, v),
            ContextValue::Single(ContextScalar::String(s)) => b.context_string(k, s),
            ContextValue::Single(ContextScalar::Number(n)) => b.context_number(k, n),
            ContextValue::Single(ContextScalar::Bool(v)) => b.context_bool(k, *v),
            ContextValue::Multi(list)
                if list.iter().all(|s| matches!(s, ContextScalar::String(_))) =>
            {
                b.context_strings(k, list.iter().map(ContextScalar::as_text))
            }
            ContextValue::Multi(_) => b.context_value(k, v),
        };
    }
    b.prepare()
}

const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/app/s1";
const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";
const GET: &str = "secretsmanager:GetSecretValue";

fn base<'a>(principal: &'a str, action: &'a str, resource: &'a str) -> Parts<'a> {
    Parts {
        principal: Some(principal),
        action: Some(action),
        resource: Some(resource),
        ..Parts::default()
    }
}

/// Requests of every caller kind, resource kind, account rule and context shape, valid and
/// not; each is built both ways.
fn cases() -> Vec<Parts<'static>> {
    let principals = [
        SESSION,
        "arn:aws:iam::111122223333:user/dev/alice",
        "arn:aws:iam::111122223333:role/team/ops/app",
        "arn:aws:iam::111122223333:root",
        "arn:aws:sts::444455556666:federated-user/bob",
        "arn:aws-cn:sts::444455556666:assumed-role/r/s",
        "lambda.amazonaws.com",
        "anonymous",
        "*",
        "arn:aws:iam::11112222333:user/short-account",
        "arn:aws:ec2::111122223333:instance/i-1",
        "arn:aws:sts::111122223333:assumed-role/only-role",
        "not a principal",
    ];
    let resources = [
        SECRET,
        "*",
        "arn:aws:s3:::bucket/key",
        "arn:aws-cn:s3:::bucket/key",
        "arn:aws:iam::111122223333:role/path/target",
        "arn:aws:kms:us-east-1:111122223333:key/k-1",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:secretsmanager:us-east-1:12:secret:x",
        "not-an-arn",
    ];
    let actions = [
        GET,
        "STS:AssumeRole",
        "sts:GetCallerIdentity",
        "iam:CreateAccessKey",
        "s3:Get*",
        "no-colon",
        // Longer than the buffer remembers as checked.
        Box::leak(format!("secretsmanager:Get{}", "Secret".repeat(30)).into_boxed_str()),
    ];
    let mut out = Vec::new();
    for &p in &principals {
        for &r in &resources {
            for &a in &actions {
                out.push(base(p, a, r));
            }
        }
    }
    let mut with_accounts = base(SESSION, GET, "arn:aws:s3:::bucket/key");
    with_accounts.principal_account = Some("111122223333");
    with_accounts.resource_account = Some("444455556666");
    out.push(with_accounts.clone());
    with_accounts.principal_account = Some("999999999999");
    out.push(with_accounts.clone());
    with_accounts.principal_account = None;
    with_accounts.resource_account = Some("12");
    out.push(with_accounts.clone());
    let mut mismatch = base(SESSION, GET, SECRET);
    mismatch.resource_account = Some("444455556666");
    out.push(mismatch);
    let mut owned_account = base(SESSION, GET, "arn:aws:iam::aws:policy/ReadOnlyAccess");
    owned_account.resource_account = Some("111122223333");
    out.push(owned_account);
    for missing in 0..3 {
        let mut p = base(SESSION, GET, SECRET);
        match missing {
            0 => p.principal = None,
            1 => p.action = None,
            _ => p.resource = None,
        }
        out.push(p);
    }
    // Contexts: overriding derived keys, keys in any case, repeated keys, every value type,
    // more keys than fit inline, long texts that leave the inline arena.
    let mut ctx = base(SESSION, GET, SECRET);
    ctx.context = vec![
        ("aws:SourceIp", ContextValue::string("10.1.2.3")),
        ("AWS:SecureTransport", ContextValue::bool(true)),
        ("aws:PrincipalArn", ContextValue::string("given")),
        ("aws:sourceip", ContextValue::string("2001:db8::1")),
        ("aws:MultiFactorAuthAge", ContextValue::number("300")),
        ("aws:TagKeys", ContextValue::strings(["a", "B", "c"])),
        ("aws:ResourceAccount", ContextValue::string("444455556666")),
    ];
    out.push(ctx.clone());
    // Every caller kind with a context the test policies read (numbers, booleans, lists
    // with numbers, a key given twice with different types).
    for &p in &principals {
        let mut c = base(p, GET, SECRET);
        c.context = vec![
            ("aws:MultiFactorAuthAge", ContextValue::number("3600")),
            ("aws:SourceIp", ContextValue::string("192.0.2.7")),
            ("test:Flag", ContextValue::string("yes")),
            ("TEST:flag", ContextValue::bool(false)),
            (
                "test:Mixed",
                ContextValue::Multi(vec![
                    ContextScalar::Number("1".into()),
                    ContextScalar::String("a".into()),
                ]),
            ),
            ("aws:PrincipalType", ContextValue::string("Given")),
        ];
        out.push(c.clone());
        c.context.truncate(3);
        out.push(c);
    }
    for i in 0..20 {
        let key: &'static str = Box::leak(format!("test:Key{i}").into_boxed_str());
        ctx.context
            .push((key, ContextValue::string(&"v".repeat(i * 40))));
    }
    out.push(ctx);
    out
}

fn same(
    want: &Result<Request, RequestError>,
    got: &Result<&PreparedRequest, RequestError>,
) -> bool {
    match (want, got) {
        (Ok(w), Ok(g)) => format!("{w:?}") == format!("{:?}", g.request()),
        (Err(w), Err(g)) => w == g,
        _ => false,
    }
}

#[test]
fn buffered_requests_equal_built_ones_in_any_order() {
    let cases = cases();
    assert!(cases.len() > 600);
    let store = PolicyStore::new();
    store
        .set_principal_policies(
            "arn:aws:iam::111122223333:role/app",
            &[r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*",
                "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
                {"Effect":"Deny","Action":"*","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"c"}}}]}"#],
            None,
        )
        .unwrap();
    // Resource policies whose conditions read derived keys, numbers, booleans, lists and
    // policy variables through both the fast tests and the general evaluator.
    let derived = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{
            "StringEquals":{"aws:PrincipalType":"User"},"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/*"}}},
        {"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{
            "ForAnyValue:StringEquals":{"aws:PrincipalAccount":["444455556666"]},
            "Bool":{"aws:PrincipalIsAWSService":"false"}}},
        {"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{
            "ForAllValues:StringEquals":{"aws:PrincipalServiceName":["lambda.amazonaws.com"]},
            "Null":{"aws:PrincipalServiceName":"false"}}},
        {"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{
            "Null":{"aws:username":"false"},"NumericGreaterThan":{"aws:MultiFactorAuthAge":"100"}}},
        {"Effect":"Deny","Principal":"*","Action":"*","Resource":"*","Condition":{
            "ForAnyValue:StringEquals":{"test:Mixed":"a"},"Bool":{"test:flag":"true"}}},
        {"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{
            "StringEquals":{"aws:ResourceAccount":"${aws:PrincipalAccount}"},
            "IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}"#;
    for resource in [
        SECRET,
        "arn:aws:s3:::bucket/key",
        "arn:aws:kms:us-east-1:111122223333:key/k-1",
    ] {
        store.set_resource_policy(resource, derived).unwrap();
    }
    let mut buffer = RequestBuffer::new();
    let mut ok = 0;
    let mut allowed = 0;
    let mut denied = 0;
    // Forwards, then backwards, then forwards, then backwards: each request reuses memory a
    // different request left; values are given through `context_value`, then through the
    // typed setters, then through keys made ahead of time.
    let passes = cases
        .iter()
        .map(|p| (p, Setters::Value))
        .chain(cases.iter().rev().map(|p| (p, Setters::Typed)))
        .chain(cases.iter().map(|p| (p, Setters::Typed)))
        .chain(cases.iter().rev().map(|p| (p, Setters::Keyed)));
    for (p, typed) in passes {
        let want = owned(p);
        let got = buffered(&mut buffer, p, typed);
        assert!(same(&want, &got), "{p:?}\nbuilt {want:?}\nbuffered {got:?}");
        if let (Ok(w), Ok(g)) = (&want, &got) {
            ok += 1;
            let fresh = PreparedRequest::new(w.clone());
            assert_eq!(
                store.evaluate_prepared(g),
                store.evaluate_prepared(&fresh),
                "{p:?}"
            );
            assert_eq!(store.evaluate_prepared(g), store.evaluate(w), "{p:?}");
            let decision = store.evaluate(w).decision();
            allowed += usize::from(decision == iam_policy::Decision::Allow);
            denied += usize::from(decision == iam_policy::Decision::ExplicitDeny);
        }
    }
    assert!(ok > 100, "{ok}");
    assert!(
        allowed > 10 && denied > 10,
        "{allowed} allowed, {denied} denied"
    );
}

#[test]
fn buffered_context_limits_fail_closed() {
    let mut buffer = RequestBuffer::new();
    let keys: Vec<String> = (0..300).map(|i| format!("test:k{i}")).collect();
    let mut b = buffer
        .request()
        .principal(SESSION)
        .action(GET)
        .resource(SECRET);
    for k in &keys {
        b = b.context_string(k, "v");
    }
    assert!(matches!(
        b.prepare(),
        Err(RequestError::ContextTooLarge {
            limit: ContextLimit::Keys,
            ..
        })
    ));
    let values: Vec<&str> = (0..300).map(|_| "v").collect();
    let r = buffer
        .request()
        .principal(SESSION)
        .action(GET)
        .resource(SECRET)
        .context_strings("aws:TagKeys", values.iter().copied())
        .prepare();
    assert!(matches!(
        r,
        Err(RequestError::ContextTooLarge {
            limit: ContextLimit::Values,
            found: 300,
            ..
        })
    ));
    // The same through a key made ahead of time: the error names the key lower-cased, as the
    // builder's does.
    let tag_keys = ContextKey::new("aws:TagKeys");
    let r = buffer
        .request()
        .principal(SESSION)
        .action(GET)
        .resource(SECRET)
        .key_strings(&tag_keys, values.iter().copied())
        .prepare();
    let want = Request::builder()
        .principal(SESSION)
        .action(GET)
        .resource(SECRET)
        .context_value("aws:TagKeys", ContextValue::strings(values.iter().copied()))
        .build();
    assert_eq!(r.err(), want.err());
    let big = "x".repeat(200 * 1024);
    let r = buffer
        .request()
        .principal(SESSION)
        .action(GET)
        .resource(SECRET)
        .context_string("test:a", &big)
        .context_string("test:b", &big)
        .prepare();
    assert!(matches!(
        r,
        Err(RequestError::ContextTooLarge {
            limit: ContextLimit::Bytes,
            ..
        })
    ));
    // Replacing one key many times stays under the byte limit, as with the builder.
    let mut b = buffer
        .request()
        .principal(SESSION)
        .action(GET)
        .resource(SECRET);
    for _ in 0..4 {
        b = b.context_string("test:a", &big);
    }
    let r = b.prepare().unwrap();
    assert_eq!(r.request().context().get_text("test:a"), Some(big.as_str()));
    // After an error the buffer builds the next request normally (nothing of the failed
    // one remains).
    let r = buffer
        .request()
        .principal(SESSION)
        .action(GET)
        .resource(SECRET)
        .prepare()
        .unwrap();
    assert_eq!(r.request().context().get("test:a"), None);
}

/// The limits through keys made ahead of time (the setters that write a single value straight
/// into its slot) fail as the builder does (the byte limit with the builder's very error);
/// later keys are ignored and the next request starts clean.
#[test]
fn buffered_made_key_limits_fail_as_the_builder() {
    let mut buffer = RequestBuffer::new();
    let built = |pairs: &[(&str, &str)]| {
        let mut b = Request::builder()
            .principal(SESSION)
            .action(GET)
            .resource(SECRET);
        for (k, v) in pairs {
            b = b.context_value(k, ContextValue::string(v));
        }
        b.build().err()
    };
    // Bytes: two values of 200 KiB, then a small key that must not be set.
    let big = "x".repeat(200 * 1024);
    let (a, b, c) = (
        ContextKey::new("test:A"),
        ContextKey::new("test:b"),
        ContextKey::new("test:c"),
    );
    let r = buffer
        .request()
        .principal(SESSION)
        .action(GET)
        .resource(SECRET)
        .key_string(&a, &big)
        .key_string(&b, &big)
        .key_bool(&c, true)
        .prepare()
        .err();
    assert!(
        matches!(
            r,
            Some(RequestError::ContextTooLarge {
                limit: ContextLimit::Bytes,
                ..
            })
        ),
        "{r:?}"
    );
    assert_eq!(r, built(&[("test:A", &big), ("test:b", &big)]));
    // Replacing one made key many times stays under the limit (its old value no longer
    // counts), as with the builder.
    let mut req = buffer
        .request()
        .principal(SESSION)
        .action(GET)
        .resource(SECRET);
    for _ in 0..4 {
        req = req.key_string(&a, &big);
    }
    let got = req.prepare().unwrap();
    assert_eq!(
        got.request().context().get_text("test:a"),
        Some(big.as_str())
    );
    // Keys: one made key more than the limit.
    let keys: Vec<ContextKey> = (0..300)
        .map(|i| ContextKey::new(&format!("test:k{i}")))
        .collect();
    let mut req = buffer
        .request()
        .principal(SESSION)
        .action(GET)
        .resource(SECRET);
    for k in &keys {
        req = req.key_string(k, "v");
    }
    // Both stop counting at the first key past the limit (the buffer keeps no more): the
    // very error of the builder, `found` the limit plus one.
    let r = req.prepare().err();
    assert!(
        matches!(
            r,
            Some(RequestError::ContextTooLarge {
                limit: ContextLimit::Keys,
                key: None,
                found: 257,
                max: 256,
            })
        ),
        "{r:?}"
    );
    let names: Vec<String> = (0..300).map(|i| format!("test:k{i}")).collect();
    let pairs: Vec<(&str, &str)> = names.iter().map(|k| (k.as_str(), "v")).collect();
    assert_eq!(r, built(&pairs));
    // The next request has none of the failed one's keys.
    let got = buffer
        .request()
        .principal(SESSION)
        .action(GET)
        .resource(SECRET)
        .key_string(&c, "v")
        .prepare()
        .unwrap();
    let context = got.request().context();
    assert_eq!(context.get_text("test:c"), Some("v"));
    assert_eq!(context.get("test:k0"), None);
    assert_eq!(context.get("test:a"), None);
}

#[test]
fn buffered_session_policy_applies_to_that_request_only() {
    let store = PolicyStore::new();
    store
        .set_principal_policies(
            "arn:aws:iam::111122223333:role/app",
            &[r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#],
            None,
        )
        .unwrap();
    let session = SessionPolicy::new(&[
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
    ])
    .unwrap();
    let mut buffer = RequestBuffer::new();
    let r = buffer
        .request()
        .principal(SESSION)
        .action(GET)
        .resource(SECRET)
        .session_policy(&session)
        .prepare()
        .unwrap();
    assert_eq!(
        store.evaluate_prepared(r).decision(),
        iam_policy::Decision::ImplicitDeny
    );
    let r = buffer
        .request()
        .principal(SESSION)
        .action(GET)
        .resource(SECRET)
        .prepare()
        .unwrap();
    assert_eq!(
        store.evaluate_prepared(r).decision(),
        iam_policy::Decision::Allow
    );
}

/// The workload's requests through the buffer, as a server makes them: the context keys by
/// name, or through `keys` made ahead of time.
fn per_call<'b>(
    buffer: &'b mut RequestBuffer,
    keys: Option<&[ContextKey]>,
    r: &generator::Request,
) -> Result<&'b PreparedRequest, RequestError> {
    let mut b = buffer
        .request()
        .principal(&r.session_arn)
        .action(r.action)
        .resource(&r.resource_arn);
    for (key, value) in &r.context {
        let made = keys.and_then(|keys| keys.iter().find(|k| k.as_str().eq_ignore_ascii_case(key)));
        if let Some(made) = made {
            b = match value {
                generator::ContextValue::String(s) => b.key_string(made, s),
                generator::ContextValue::Bool(v) => b.key_bool(made, *v),
                generator::ContextValue::List(items) => {
                    b.key_strings(made, items.iter().map(String::as_str))
                }
            };
            continue;
        }
        b = match value {
            generator::ContextValue::String(s) => b.context_string(key, s),
            generator::ContextValue::Bool(v) => b.context_bool(key, *v),
            generator::ContextValue::List(items) => {
                b.context_strings(key, items.iter().map(String::as_str))
            }
        };
    }
    b.prepare()
}

#[test]
fn build_prepare_and_decide_do_not_allocate_once_warm() {
    let w = generator::generate(200, 1024, 11);
    let store = PolicyStore::new();
    for role in &w.roles {
        store
            .set_principal_policies(&role.arn, &[role.policy_json.as_str()], None)
            .unwrap();
    }
    for secret in &w.secrets {
        store
            .set_resource_policy(&secret.arn, &secret.policy_json)
            .unwrap();
    }
    let want: Vec<generator::Decision> = w.requests.iter().map(|r| r.expected).collect();
    let to_generator = |d: iam_policy::Decision| match d {
        iam_policy::Decision::Allow => generator::Decision::Allow,
        iam_policy::Decision::ExplicitDeny => generator::Decision::ExplicitDeny,
        iam_policy::Decision::ImplicitDeny => generator::Decision::ImplicitDeny,
    };
    // The keys a server makes when it starts.
    let made: Vec<ContextKey> = w
        .requests
        .iter()
        .flat_map(|r| r.context.iter().map(|(k, _)| ContextKey::new(k)))
        .collect();
    for keys in [None, Some(made.as_slice())] {
        let mut buffer = RequestBuffer::new();
        // Warm up: the buffer's texts grow to the longest request's.
        for _ in 0..2 {
            for r in &w.requests {
                let p = per_call(&mut buffer, keys, r).unwrap();
                let _ = store.evaluate_prepared(p);
            }
        }
        let mut got = Vec::with_capacity(w.requests.len());
        let info = allocation_counter::measure(|| {
            for r in &w.requests {
                let p = per_call(&mut buffer, keys, r).unwrap();
                got.push(to_generator(store.evaluate_prepared(p).decision()));
            }
        });
        assert_eq!(
            info.count_total,
            0,
            "build + prepare + decide allocated {} times in {} calls (keys made: {})",
            info.count_total,
            w.requests.len(),
            keys.is_some()
        );
        assert_eq!(got, want);
    }
}

#[test]
fn parse_ip_fast_refusal_agrees_with_the_standard_parser() {
    let mut cases: Vec<String> = [
        "10.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "2001:db8::1",
        "::ffff:1.2.3.4",
        "2001:0db8:0000:0000:0000:ff00:0042:8329",
        "111122223333",
        "1.2.3",
        "1.2.3.4.5",
        "abc",
        "",
        ".",
        ":",
        "1.2.3.4 ",
        "fe80::1%eth0",
        "[::1]",
        "0x1.2.3.4",
        "AWSCURRENT",
        "deadbeef",
        "0.0.0.0",
        "01.2.3.4",
        "1.2.3.04",
        "000.0.0.0",
        "1.2.3.256",
        "1.2.3.255",
        "1..2.3",
        "1.2.3.4.",
        ".1.2.3",
        "1.2.3.a",
        "1234.1.1.1",
        "9.99.199.249",
        "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    cases.push("1:".repeat(30));
    cases.push(format!("{}1", "0".repeat(44)));
    // Every dotted text of four octets from these, and every short text of these bytes.
    let octets = [
        "", "0", "00", "1", "01", "9", "10", "99", "100", "199", "255", "256", "999", "1000",
    ];
    for a in octets {
        for b in octets {
            for c in ["0", "01", "255", "256"] {
                for d in octets {
                    cases.push(format!("{a}.{b}.{c}.{d}"));
                }
            }
        }
    }
    let bytes = ["0", "1", "9", ".", ":", "a", "/"];
    let mut short = vec![String::new()];
    for _ in 0..6 {
        short = short
            .iter()
            .flat_map(|s| bytes.iter().map(move |b| format!("{s}{b}")))
            .collect();
        cases.extend(short.iter().cloned());
    }
    for case in &cases {
        assert_eq!(
            iam_policy::unstable::value::parse_ip(case),
            case.parse::<std::net::IpAddr>().ok(),
            "{case}"
        );
    }
}
