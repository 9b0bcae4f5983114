//! A call sets only the condition keys that some loaded policy reads
//! (`iam_policy::Policy::context_keys`); its decisions, deciding statements and denial
//! messages are those of a call that sets every key, including right after a policy that reads
//! a new key arrives.

mod common;

use iam_policy_server::app::App;
use iam_policy_server::authz::GLOBAL_KEYS;
use serde_json::{Map, Value, json};

use common::{ADMIN, PARTNER, PAYMENTS, Result};

/// The example server; with `every_key`, one whose calls set every condition key they know.
fn app(every_key: bool) -> Result<App> {
    let app = common::app()?;
    if every_key {
        app.authz.read_every_key();
    }
    Ok(app)
}

/// Runs `op` as the owner of access key `key` from `ip`; the outcome (the answer's code and
/// message, or "ok" and the secret's ARN if it names one) and the decisions (action, decision,
/// deciding statements), with the random suffixes of secret ARNs left out.
fn run(app: &App, key: &str, ip: [u8; 4], op: &str, input: &Value) -> Result<Vec<String>> {
    let identity = common::identity(app, key)?;
    let mut call = common::call(app, &identity, ip, ip[0] == 10);
    let input: Map<String, Value> = input.as_object().cloned().unwrap_or_default();
    let outcome = match iam_policy_server::secrets::dispatch(&mut call, op, &input) {
        Ok(out) => format!(
            "ok {}",
            out.get("ARN").and_then(Value::as_str).unwrap_or("")
        ),
        Err(e) => format!("{} {}", e.code, e.message),
    };
    let mut out = vec![outcome];
    for d in &call.decisions {
        out.push(format!("{} {} [{}]", d.action, d.decision, d.statements()));
    }
    Ok(out
        .iter()
        .map(|line| common::without_suffixes(line))
        .collect())
}

/// Resource policies that read keys no configured policy reads (and one that reads none).
fn policies() -> Vec<Value> {
    let arn = "arn:aws:iam::444455556666:user/partner";
    vec![
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
            {"Sid": "OnlyFromTen", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*",
             "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}, "StringNotEquals": {"aws:username": "admin"}}}]}),
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "ByName", "Effect": "Allow", "Principal": {"AWS": arn}, "Action": "secretsmanager:GetSecretValue",
             "Resource": "*", "Condition": {"StringLike": {"aws:userid": "AIDA*"}, "Bool": {"aws:SecureTransport": "true"}}},
            {"Sid": "NoStage", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
             "Condition": {"Null": {"secretsmanager:VersionStage": "false"}}}]}),
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Own", "Effect": "Allow", "Principal": {"AWS": arn}, "Action": "secretsmanager:GetSecretValue",
             "Resource": "*", "Condition": {"StringEqualsIfExists": {"aws:ResourceTag/owner": "${aws:username}"},
             "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}, "NumericGreaterThan": {"aws:EpochTime": "1"}}}]}),
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": arn}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}),
    ]
}

/// The same calls against a server that sets only the keys its policies read and one that
/// sets every key give the same answers and decisions, step by step.
#[test]
fn filtered_keys_decide_as_every_key() -> Result {
    let filtered = app(false)?;
    let every = app(true)?;
    let mut steps: Vec<(&str, [u8; 4], &str, Value)> = Vec::new();
    for (i, team) in ["payments", "platform"].iter().enumerate() {
        steps.push((
            ADMIN,
            [10, 0, 0, 1],
            "CreateSecret",
            json!({"Name": format!("s{i}"), "SecretString": "v",
                "Tags": [{"Key": "team", "Value": team}, {"Key": "owner", "Value": "partner"}]}),
        ));
    }
    let reads = |secret: &str| -> Vec<(&str, [u8; 4], &str, Value)> {
        let mut out = Vec::new();
        for key in [ADMIN, PAYMENTS, PARTNER] {
            for ip in [[10, 0, 0, 1], [127, 0, 0, 1]] {
                let id = if key == PARTNER {
                    // The partner names secrets of the other account by ARN prefix.
                    format!("arn:aws:secretsmanager:us-east-1:111122223333:secret:{secret}")
                } else {
                    secret.to_owned()
                };
                out.push((key, ip, "GetSecretValue", json!({"SecretId": id})));
                out.push((
                    key,
                    ip,
                    "GetSecretValue",
                    json!({"SecretId": id, "VersionStage": "AWSCURRENT"}),
                ));
                out.push((key, ip, "DescribeSecret", json!({"SecretId": id})));
            }
        }
        out
    };
    steps.extend(reads("s0"));
    steps.extend(reads("s1"));
    for (i, policy) in policies().iter().enumerate() {
        let secret = format!("s{}", i % 2);
        steps.push((
            ADMIN,
            [10, 0, 0, 1],
            "PutResourcePolicy",
            json!({"SecretId": secret, "ResourcePolicy": policy.to_string()}),
        ));
        steps.extend(reads(&secret));
    }
    let mut compared = 0;
    let mut denied = 0;
    for (key, ip, op, input) in &steps {
        let a = run(&filtered, key, *ip, op, input)?;
        let b = run(&every, key, *ip, op, input)?;
        assert_eq!(a, b, "{key} from {ip:?}: {op} {input}");
        compared += 1;
        denied += usize::from(a.first().is_some_and(|o| o.starts_with("AccessDenied")));
    }
    // The policies decide: some calls are denied, most are not.
    assert!(
        denied > 10 && denied < compared / 2,
        "{denied} of {compared} denied"
    );
    Ok(())
}

/// The example configuration reads few keys (a principal tag, a resource tag, the principal's
/// account); a resource policy put later adds its own, visible to the next call.
#[test]
fn keys_read_grow_with_the_policies() -> Result {
    let app = app(false)?;
    let (generation, keys) = app.authz.keys_read();
    for (bit, key) in GLOBAL_KEYS.iter().enumerate() {
        assert!(!keys.global(bit), "{key} is read");
    }
    assert!(keys.reads("secretsmanager:ResourceTag/", "team"));
    assert!(keys.reads("SecretsManager:resourcetag/", "TEAM"));
    assert!(keys.reads("aws:PrincipalTag/", "team"));
    assert!(!keys.reads("aws:ResourceTag/", "team"));
    assert!(!keys.reads("secretsmanager:SecretId", ""));
    assert!(!keys.reads_key("secretsmanager:SecretId"));
    assert!(keys.reads_key("AWS:principaltag/Team"));
    drop(keys);
    run(
        &app,
        ADMIN,
        [10, 0, 0, 1],
        "CreateSecret",
        &json!({"Name": "s", "SecretString": "v"}),
    )?;
    let policy = &policies()[0];
    let out = run(
        &app,
        ADMIN,
        [10, 0, 0, 1],
        "PutResourcePolicy",
        &json!({"SecretId": "s", "ResourcePolicy": policy.to_string()}),
    )?;
    assert!(out.first().is_some_and(|o| o.starts_with("ok")), "{out:?}");
    let (after, keys) = app.authz.keys_read();
    assert!(after > generation);
    assert!(keys.global(0), "aws:SourceIp");
    assert!(keys.global(6), "aws:username");
    assert!(!keys.global(1), "aws:SecureTransport");
    drop(keys);
    // The deny reads the two keys just added: the partner is denied from outside 10/8 only.
    let arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:s";
    let outside = run(
        &app,
        PARTNER,
        [127, 0, 0, 1],
        "GetSecretValue",
        &json!({"SecretId": arn}),
    )?;
    assert!(
        outside
            .first()
            .is_some_and(|o| o.starts_with("AccessDeniedException")
                && o.ends_with("with an explicit deny in a resource-based policy")),
        "{outside:?}"
    );
    let inside = run(
        &app,
        PARTNER,
        [10, 1, 2, 3],
        "GetSecretValue",
        &json!({"SecretId": arn}),
    )?;
    assert!(
        inside.first().is_some_and(|o| o.starts_with("ok")),
        "{inside:?}"
    );
    Ok(())
}
