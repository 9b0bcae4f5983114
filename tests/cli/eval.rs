//! `iam-policy eval`.

use crate::{code, run, run_in, scratch, stderr, stdout, stdout_json};

const IDENTITY: &str = "fixtures/policies/valid/identity-secretsmanager-get-secret-value.json";
const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/app/db-AbCdEf";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/app/session-1";

#[test]
fn eval_allow_text_and_exit_codes() {
    let args = [
        "eval",
        "--identity",
        IDENTITY,
        "--principal",
        SESSION,
        "--action",
        "secretsmanager:GetSecretValue",
        "--resource",
        SECRET,
    ];
    let out = run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("decision: Allow\n"), "{text}");
    assert!(
        text.contains("identity[0].Statement[0] (ReadOneSecret) Allow at fixtures/policies/valid/identity-secretsmanager-get-secret-value.json:4:5"),
        "{text}"
    );
    let mut with_code = args.to_vec();
    with_code.push("--exit-code");
    assert_eq!(code(&run(&with_code)), 0);
}

#[test]
fn eval_implicit_and_explicit_deny_exit_codes() {
    let dir = scratch("evaldeny");
    std::fs::write(
        dir.join("deny.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "NoPlainText", "Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}"#,
    )
    .unwrap();
    let identity = format!("{}/{IDENTITY}", env!("CARGO_MANIFEST_DIR"));
    let base = [
        "eval",
        "--identity",
        identity.as_str(),
        "--principal",
        SESSION,
        "--action",
        "secretsmanager:GetSecretValue",
        "--exit-code",
    ];
    // Another secret: implicit deny, exit 3, and the gate is named.
    let mut other = base.to_vec();
    other.extend([
        "--resource",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/other-AbCdEf",
    ]);
    let out = run_in(&dir, &other, None);
    assert_eq!(code(&out), 3);
    assert!(stdout(&out).contains("because: no identity-based policy allows this request"));
    // A Deny in an SCP level when TLS is off: explicit deny, exit 4.
    let mut denied = base.to_vec();
    denied.extend([
        "--resource",
        SECRET,
        "--scp",
        "deny.json",
        "--context",
        "aws:SecureTransport=false",
        "--format",
        "json",
    ]);
    let out = run_in(&dir, &denied, None);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    let v = stdout_json(&out);
    assert_eq!(v["decision"], "ExplicitDeny");
    assert_eq!(v["reasons"][0]["statement"], "scps[0][0].Statement[0]");
    assert_eq!(v["reasons"][0]["sid"], "NoPlainText");
    assert_eq!(v["reasons"][0]["location"]["file"], "deny.json");
    // Without --exit-code a decision is exit 0.
    denied.retain(|a| *a != "--exit-code");
    assert_eq!(code(&run_in(&dir, &denied, None)), 0);
}

#[test]
fn eval_multi_valued_context_and_context_file() {
    let dir = scratch("evalctx");
    std::fs::write(
        dir.join("tags.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:TagResource", "Resource": "*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team"]}, "Null": {"aws:TagKeys": "false"}}}]}"#,
    )
    .unwrap();
    std::fs::write(dir.join("ctx.json"), r#"{"aws:TagKeys": ["env", "owner"]}"#).unwrap();
    let base = [
        "eval",
        "--identity",
        "tags.json",
        "--principal",
        "arn:aws:iam::111122223333:user/alice",
        "--action",
        "secretsmanager:TagResource",
        "--resource",
        SECRET,
        "--exit-code",
    ];
    let mut ok = base.to_vec();
    ok.extend([
        "--context",
        "aws:TagKeys=env",
        "--context",
        "aws:TagKeys=team",
    ]);
    assert_eq!(code(&run_in(&dir, &ok, None)), 0);
    let mut extra = base.to_vec();
    extra.extend(["--context-file", "ctx.json"]);
    assert_eq!(code(&run_in(&dir, &extra, None)), 3);
}

#[test]
fn eval_bad_inputs_are_usage_errors() {
    let dir = scratch("evalbad");
    std::fs::write(
        dir.join("bad.json"),
        r#"{"Statement": {"Effect": "Alow", "Action": "s3:*", "Resource": "*"}}"#,
    )
    .unwrap();
    let base = [
        "eval",
        "--principal",
        SESSION,
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::b/k",
    ];
    let mut bad = base.to_vec();
    bad.extend(["--identity", "bad.json"]);
    let out = run_in(&dir, &bad, None);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("bad.json:1:26: INVALID_EFFECT"),
        "{}",
        stderr(&out)
    );
    let mut missing = base.to_vec();
    missing.extend(["--identity", "nope.json"]);
    assert_eq!(code(&run_in(&dir, &missing, None)), 2);
    let mut badctx = base.to_vec();
    badctx.extend(["--context", "no-equals-sign"]);
    let out = run_in(&dir, &badctx, None);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("KEY=VALUE"));
    let out = run_in(
        &dir,
        &[
            "eval",
            "--principal",
            SESSION,
            "--action",
            "not an action",
            "--resource",
            "*",
        ],
        None,
    );
    assert_eq!(code(&out), 2);
}

/// What AWS decides beyond the policy text is shown as the reason, in text and JSON.
#[test]
fn eval_shows_aws_rules_as_the_reason() {
    let dir = scratch("evalrules");
    std::fs::write(
        dir.join("admin.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("deny-all.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Sid": "DenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"}]}"#,
    )
    .unwrap();
    let alice = "arn:aws:iam::111122223333:user/alice";
    // A change to an AWS managed policy: refused although iam:* is allowed.
    let refused = [
        "eval",
        "--identity",
        "admin.json",
        "--principal",
        alice,
        "--action",
        "iam:CreatePolicyVersion",
        "--resource",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "--exit-code",
    ];
    let out = run_in(&dir, &refused, None);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("decision: ImplicitDeny\n"), "{text}");
    assert!(
        text.contains("because: AWS-managed resource: cannot be modified\n"),
        "{text}"
    );
    assert!(
        text.contains("rule: AwsManagedResource (AWS decides this beyond the policy text; https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html"),
        "{text}"
    );
    let mut json = refused.to_vec();
    json.extend(["--format", "json"]);
    let v = stdout_json(&run_in(&dir, &json, None));
    assert_eq!(v["decision"], "ImplicitDeny");
    assert_eq!(v["gate"], "AWS-managed resource: cannot be modified");
    assert_eq!(v["rule"]["name"], "AwsManagedResource");
    assert_eq!(
        v["rule"]["message"],
        "AWS-managed resource: cannot be modified"
    );
    // Reading it is an ordinary permission: no rule.
    let read = [
        "eval",
        "--identity",
        "admin.json",
        "--principal",
        alice,
        "--action",
        "iam:GetPolicy",
        "--resource",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "--format",
        "json",
    ];
    let v = stdout_json(&run_in(&dir, &read, None));
    assert_eq!(v["decision"], "Allow");
    assert!(v["rule"].is_null(), "{v}");
    // sts:GetCallerIdentity under a Deny of everything: allowed, no permission required.
    let free = [
        "eval",
        "--identity",
        "deny-all.json",
        "--principal",
        alice,
        "--action",
        "sts:GetCallerIdentity",
        "--resource",
        "*",
        "--exit-code",
    ];
    let out = run_in(&dir, &free, None);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "decision: Allow\nbecause: no permission required\nrule: NoPermissionRequired"
        ),
        "{text}"
    );
    // The Deny statement still shows as applying in the trace.
    assert!(text.contains("(DenyAll) Deny applies"), "{text}");
}

/// `sts:TagSession` on a role reads `--resource-policy` as the role's trust policy.
#[test]
fn eval_reads_trust_policy_for_session_actions() {
    let dir = scratch("evaltagsession");
    std::fs::write(
        dir.join("trust.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]}"#,
    )
    .unwrap();
    let args = [
        "eval",
        "--resource-policy",
        "trust.json",
        "--principal",
        "arn:aws:iam::111122223333:user/alice",
        "--action",
        "sts:TagSession",
        "--resource",
        "arn:aws:iam::111122223333:role/deploy",
        "--exit-code",
    ];
    let out = run_in(&dir, &args, None);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).starts_with("decision: Allow\n"));
}
