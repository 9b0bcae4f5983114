//! Integration tests driven by the real AWS CLI and boto3 (installed with pip into a cached
//! virtual environment), against the server started on free loopback ports with the bundled
//! example configuration.

mod support;

use serde_json::json;
use support::{
    ACCOUNT, Creds, Result, Server, admin, partner, payments_dev, raw_call, session_creds,
};

const DB: &str = "prod/db/credentials";

fn assume(server: &Server, creds: &Creds, role: &str, extra: &[&str]) -> Result<Creds> {
    let arn = format!("arn:aws:iam::{ACCOUNT}:role/{role}");
    let mut args = vec![
        "sts",
        "assume-role",
        "--role-arn",
        &arn,
        "--role-session-name",
        "s1",
    ];
    args.extend_from_slice(extra);
    session_creds(&server.aws(creds, &args)?.json()?)
}

fn create(server: &Server, name: &str, value: &str, tags: &[&str]) -> Result<serde_json::Value> {
    let mut args = vec![
        "secretsmanager",
        "create-secret",
        "--name",
        name,
        "--secret-string",
        value,
    ];
    if !tags.is_empty() {
        args.push("--tags");
        args.extend_from_slice(tags);
    }
    server.aws(&admin(), &args)?.json()
}

/// The everyday flow: the admin creates `prod/db/credentials`; the app role reads it; another
/// role is denied with AWS's message; the audit names the deciding statement.
#[test]
fn everyday_flow_app_role_reads_other_role_is_denied() -> Result {
    let server = Server::start()?;
    let created = create(&server, DB, r#"{"user":"app","password":"hunter2"}"#, &[])?;
    let arn = created["ARN"].as_str().ok_or("no ARN")?.to_owned();
    let suffix = arn.rsplit('-').next().unwrap_or_default();
    assert!(arn.starts_with(&format!(
        "arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{DB}-"
    )));
    assert_eq!(suffix.len(), 6, "{arn}");

    let app = assume(&server, &admin(), "app", &[])?;
    let got = server
        .aws(
            &app,
            &["secretsmanager", "get-secret-value", "--secret-id", DB],
        )?
        .json()?;
    assert_eq!(
        got["SecretString"],
        r#"{"user":"app","password":"hunter2"}"#
    );
    assert_eq!(got["VersionStages"], json!(["AWSCURRENT"]));
    assert_eq!(got["ARN"], json!(arn));

    // boto3 reads it too.
    let env = [("SECRET_ID", DB)];
    let b = server.boto3("get_secret.py", &app, &env)?;
    assert_eq!(b["SecretString"], r#"{"user":"app","password":"hunter2"}"#);

    let batch = assume(&server, &admin(), "batch", &[])?;
    let denied = server.aws(
        &batch,
        &["secretsmanager", "get-secret-value", "--secret-id", DB],
    )?;
    assert!(!denied.ok);
    assert_eq!(
        denied.error_code().as_deref(),
        Some("AccessDeniedException")
    );
    assert_eq!(
        denied.error_message().as_deref(),
        Some(
            format!(
                "User: arn:aws:sts::{ACCOUNT}:assumed-role/batch/s1 is not authorized to perform: \
                 secretsmanager:GetSecretValue on resource: {arn} because no identity-based policy \
                 allows the secretsmanager:GetSecretValue action"
            )
            .as_str()
        )
    );

    // The audit: who read it and why they were allowed; the denial with its error.
    let audit = server.audit()?;
    let read = audit
        .iter()
        .find(|e| {
            e["eventName"] == "GetSecretValue"
                && e["userIdentity"]["arn"] == format!("arn:aws:sts::{ACCOUNT}:assumed-role/app/s1")
        })
        .ok_or("no audit line for the app's read")?;
    assert_eq!(read["userIdentity"]["type"], "AssumedRole");
    assert_eq!(read["userIdentity"]["accountId"], ACCOUNT);
    assert_eq!(read["sourceIPAddress"], "127.0.0.1");
    let stmt = &read["authorization"][0]["statements"][0];
    assert_eq!(stmt["sid"], "ReadDbCredentials");
    assert_eq!(stmt["statement"], "identity[0].Statement[0]");
    let denial = audit
        .iter()
        .find(|e| e["errorCode"] == "AccessDeniedException")
        .ok_or("no audit line for the denial")?;
    assert_eq!(denial["authorization"][0]["decision"], "ImplicitDeny");
    // No audit line carries a secret value.
    assert!(!audit.iter().any(|e| e.to_string().contains("hunter2")));
    Ok(())
}

/// Cross-account access exists only while the secret's resource policy grants it; policy
/// changes by API govern the very next request.
#[test]
fn cross_account_access_through_a_resource_policy() -> Result {
    let server = Server::start()?;
    let arn = create(&server, "shared/api-key", "k-123", &[])?["ARN"]
        .as_str()
        .ok_or("no ARN")?
        .to_owned();
    let env = [("SECRET_ID", arn.as_str())];
    let before = server.boto3("get_secret.py", &partner(), &env)?;
    assert_eq!(before["Error"]["Code"], "AccessDeniedException");
    let message = before["Error"]["Message"].as_str().unwrap_or_default();
    assert!(
        message.ends_with(
            "because no resource-based policy allows the secretsmanager:GetSecretValue action"
        ),
        "{message}"
    );
    let policy = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "PartnerReads", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::444455556666:user/partner"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    .to_string();
    server
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "put-resource-policy",
                "--secret-id",
                &arn,
                "--resource-policy",
                &policy,
                "--block-public-policy",
            ],
        )?
        .json()?;
    let after = server.boto3("get_secret.py", &partner(), &env)?;
    assert_eq!(after["SecretString"], "k-123");
    let audit = server.audit()?;
    let line = audit
        .iter()
        .rev()
        .find(|e| e["eventName"] == "GetSecretValue" && e["errorCode"].is_null())
        .ok_or("no audit line")?;
    let sids: Vec<&str> = line["authorization"][0]["statements"]
        .as_array()
        .map(|a| a.iter().filter_map(|s| s["sid"].as_str()).collect())
        .unwrap_or_default();
    assert!(sids.contains(&"PartnerReads"), "{line}");

    server
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "delete-resource-policy",
                "--secret-id",
                &arn,
            ],
        )?
        .json()?;
    let again = server.boto3("get_secret.py", &partner(), &env)?;
    assert_eq!(again["Error"]["Code"], "AccessDeniedException");
    Ok(())
}

/// ABAC: `secretsmanager:ResourceTag/team` = `${aws:PrincipalTag/team}`.
#[test]
fn abac_team_tags() -> Result {
    let server = Server::start()?;
    create(
        &server,
        "payments/stripe",
        "sk-1",
        &["Key=team,Value=payments"],
    )?;
    create(&server, "platform/ci", "ci-1", &["Key=team,Value=platform"])?;
    let dev = payments_dev();
    let own = server.aws(
        &dev,
        &[
            "secretsmanager",
            "get-secret-value",
            "--secret-id",
            "payments/stripe",
        ],
    )?;
    assert_eq!(own.json()?["SecretString"], "sk-1");
    let other = server.aws(
        &dev,
        &[
            "secretsmanager",
            "get-secret-value",
            "--secret-id",
            "platform/ci",
        ],
    )?;
    assert_eq!(other.error_code().as_deref(), Some("AccessDeniedException"));
    // Retagging the secret moves it into the team's reach at the next request.
    server
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "tag-resource",
                "--secret-id",
                "platform/ci",
                "--tags",
                "Key=team,Value=payments",
            ],
        )?
        .check()?;
    let now = server.aws(
        &dev,
        &[
            "secretsmanager",
            "get-secret-value",
            "--secret-id",
            "platform/ci",
        ],
    )?;
    assert_eq!(now.json()?["SecretString"], "ci-1");
    Ok(())
}

/// An explicit deny on `aws:SecureTransport` = false: refused over HTTP, allowed over HTTPS.
#[test]
fn secure_transport_deny_over_http_allow_over_https() -> Result {
    let server = Server::start()?;
    let arn = create(&server, "prod/tls-only", "t-1", &[])?["ARN"]
        .as_str()
        .ok_or("no ARN")?
        .to_owned();
    let policy = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "DenyInsecure", "Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*",
        "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]})
    .to_string();
    server
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "put-resource-policy",
                "--secret-id",
                &arn,
                "--resource-policy",
                &policy,
            ],
        )?
        .json()?;
    let http = server.aws(
        &admin(),
        &[
            "secretsmanager",
            "get-secret-value",
            "--secret-id",
            "prod/tls-only",
        ],
    )?;
    assert_eq!(http.error_code().as_deref(), Some("AccessDeniedException"));
    assert!(
        http.error_message()
            .unwrap_or_default()
            .ends_with("with an explicit deny in a resource-based policy"),
        "{}",
        http.stderr
    );
    let cert = server.cert();
    let cert = cert.to_str().ok_or("path")?;
    let https = server.aws_at(
        &server.https,
        &admin(),
        &[
            "secretsmanager",
            "get-secret-value",
            "--secret-id",
            "prod/tls-only",
        ],
        &["--ca-bundle", cert],
    )?;
    assert_eq!(https.json()?["SecretString"], "t-1");
    // boto3 over HTTPS with the generated certificate as its CA bundle.
    let b = server.boto3(
        "get_secret.py",
        &admin(),
        &[("SECRET_ID", "prod/tls-only"), ("USE_HTTPS", "1")],
    )?;
    assert_eq!(b["SecretString"], "t-1");
    Ok(())
}

/// `BlockPublicPolicy` refuses a policy open to everyone; an invalid policy is refused with
/// AWS's error; ValidateResourcePolicy reports our findings.
#[test]
fn block_public_policy_and_validation() -> Result {
    let server = Server::start()?;
    create(&server, "prod/public", "p-1", &[])?;
    let public = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    .to_string();
    let refused = server.aws(
        &admin(),
        &[
            "secretsmanager",
            "put-resource-policy",
            "--secret-id",
            "prod/public",
            "--resource-policy",
            &public,
            "--block-public-policy",
        ],
    )?;
    assert_eq!(
        refused.error_code().as_deref(),
        Some("PublicPolicyException")
    );
    let got = server
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "get-resource-policy",
                "--secret-id",
                "prod/public",
            ],
        )?
        .json()?;
    assert!(got.get("ResourcePolicy").is_none(), "{got}");
    let invalid = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Alow","Principal":"*","Action":"secretsmanager:*","Resource":"*"}]}"#;
    let bad = server.aws(
        &admin(),
        &[
            "secretsmanager",
            "put-resource-policy",
            "--secret-id",
            "prod/public",
            "--resource-policy",
            invalid,
        ],
    )?;
    assert_eq!(
        bad.error_code().as_deref(),
        Some("MalformedPolicyDocumentException")
    );
    let report = server
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "validate-resource-policy",
                "--resource-policy",
                &public,
            ],
        )?
        .json()?;
    assert_eq!(report["PolicyValidationPassed"], false);
    let checks: Vec<&str> = report["ValidationErrors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["CheckName"].as_str()).collect())
        .unwrap_or_default();
    assert!(checks.contains(&"BROAD_ACCESS"), "{report}");
    let report = server
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "validate-resource-policy",
                "--resource-policy",
                invalid,
            ],
        )?
        .json()?;
    assert_eq!(report["PolicyValidationPassed"], false);
    assert!(report.to_string().contains("INVALID_EFFECT"), "{report}");
    Ok(())
}

/// Rotation moves the staging labels as AWS does; labels can be moved by hand.
#[test]
fn rotation_moves_staging_labels() -> Result {
    let server = Server::start()?;
    let a = admin();
    let v1 = create(&server, "prod/rotating", "one", &[])?["VersionId"]
        .as_str()
        .ok_or("v1")?
        .to_owned();
    let pending = server
        .aws(
            &a,
            &[
                "secretsmanager",
                "put-secret-value",
                "--secret-id",
                "prod/rotating",
                "--secret-string",
                "two",
                "--version-stages",
                "AWSPENDING",
            ],
        )?
        .json()?;
    let v2 = pending["VersionId"].as_str().ok_or("v2")?.to_owned();
    assert_eq!(pending["VersionStages"], json!(["AWSPENDING"]));
    let rotated = server
        .aws(
            &a,
            &[
                "secretsmanager",
                "rotate-secret",
                "--secret-id",
                "prod/rotating",
                "--rotation-lambda-arn",
                "arn:aws:lambda:us-east-1:111122223333:function:rotate",
                "--rotation-rules",
                "AutomaticallyAfterDays=30",
            ],
        )?
        .json()?;
    assert_eq!(rotated["VersionId"], json!(v2));
    let described = server
        .aws(
            &a,
            &[
                "secretsmanager",
                "describe-secret",
                "--secret-id",
                "prod/rotating",
            ],
        )?
        .json()?;
    assert_eq!(described["RotationEnabled"], true);
    assert_eq!(described["RotationRules"]["AutomaticallyAfterDays"], 30);
    assert_eq!(described["VersionIdsToStages"][&v2], json!(["AWSCURRENT"]));
    assert_eq!(described["VersionIdsToStages"][&v1], json!(["AWSPREVIOUS"]));
    let current = server
        .aws(
            &a,
            &[
                "secretsmanager",
                "get-secret-value",
                "--secret-id",
                "prod/rotating",
            ],
        )?
        .json()?;
    assert_eq!(current["SecretString"], "two");
    let previous = server
        .aws(
            &a,
            &[
                "secretsmanager",
                "get-secret-value",
                "--secret-id",
                "prod/rotating",
                "--version-stage",
                "AWSPREVIOUS",
            ],
        )?
        .json()?;
    assert_eq!(previous["SecretString"], "one");
    // Moving AWSCURRENT back by hand needs RemoveFromVersionId.
    let refused = server.aws(
        &a,
        &[
            "secretsmanager",
            "update-secret-version-stage",
            "--secret-id",
            "prod/rotating",
            "--version-stage",
            "AWSCURRENT",
            "--move-to-version-id",
            &v1,
        ],
    )?;
    assert_eq!(
        refused.error_code().as_deref(),
        Some("InvalidParameterException")
    );
    server
        .aws(
            &a,
            &[
                "secretsmanager",
                "update-secret-version-stage",
                "--secret-id",
                "prod/rotating",
                "--version-stage",
                "AWSCURRENT",
                "--move-to-version-id",
                &v1,
                "--remove-from-version-id",
                &v2,
            ],
        )?
        .json()?;
    let versions = server
        .aws(
            &a,
            &[
                "secretsmanager",
                "list-secret-version-ids",
                "--secret-id",
                "prod/rotating",
            ],
        )?
        .json()?;
    let stages = |id: &str| {
        versions["Versions"]
            .as_array()
            .and_then(|vs| vs.iter().find(|v| v["VersionId"] == id))
            .map(|v| v["VersionStages"].clone())
    };
    assert_eq!(stages(&v1), Some(json!(["AWSCURRENT"])));
    assert_eq!(stages(&v2), Some(json!(["AWSPREVIOUS"])));
    // Rotating again with no AWSPENDING version copies the current value into a new version
    // that becomes AWSCURRENT (this path once deadlocked on the embedded database).
    let again = server
        .aws(
            &a,
            &[
                "secretsmanager",
                "rotate-secret",
                "--secret-id",
                "prod/rotating",
            ],
        )?
        .json()?;
    let v3 = again["VersionId"].as_str().ok_or("v3")?.to_owned();
    assert!(v3 != v1 && v3 != v2);
    let described = server
        .aws(
            &a,
            &[
                "secretsmanager",
                "describe-secret",
                "--secret-id",
                "prod/rotating",
            ],
        )?
        .json()?;
    assert_eq!(described["VersionIdsToStages"][&v3], json!(["AWSCURRENT"]));
    assert_eq!(described["VersionIdsToStages"][&v1], json!(["AWSPREVIOUS"]));
    let copied = server
        .aws(
            &a,
            &[
                "secretsmanager",
                "get-secret-value",
                "--secret-id",
                "prod/rotating",
            ],
        )?
        .json()?;
    assert_eq!(copied["SecretString"], "one");
    Ok(())
}

/// AssumeRole with a session policy that narrows the role's access (boto3).
#[test]
fn assume_role_with_a_narrowing_session_policy() -> Result {
    let server = Server::start()?;
    create(&server, DB, "db-pass", &[])?;
    create(&server, "prod/app/config", "cfg", &[])?;
    let out = server.boto3("session_policy.py", &admin(), &[])?;
    assert_eq!(
        out["caller"],
        format!("arn:aws:sts::{ACCOUNT}:assumed-role/app/narrow")
    );
    assert_eq!(out["config"], "cfg");
    assert_eq!(out["db"]["Code"], "AccessDeniedException");
    let message = out["db"]["Message"].as_str().unwrap_or_default();
    assert!(
        message
            .ends_with("because no session policy allows the secretsmanager:GetSecretValue action"),
        "{message}"
    );
    // Without the session policy the same role reads both.
    let app = assume(&server, &admin(), "app", &[])?;
    assert!(
        server
            .aws(
                &app,
                &["secretsmanager", "get-secret-value", "--secret-id", DB]
            )?
            .ok
    );
    // A role the trust policy does not let the caller assume.
    let partner_try = server.aws(
        &partner(),
        &[
            "sts",
            "assume-role",
            "--role-arn",
            &format!("arn:aws:iam::{ACCOUNT}:role/app"),
            "--role-session-name",
            "partner-try",
        ],
    )?;
    assert_eq!(partner_try.error_code().as_deref(), Some("AccessDenied"));
    Ok(())
}

/// Deleting with a recovery window, restoring, and listing.
#[test]
fn delete_restore_and_list() -> Result {
    let server = Server::start()?;
    let a = admin();
    create(&server, "tmp/one", "1", &[])?;
    create(&server, "tmp/two", "2", &["Key=env,Value=test"])?;
    let deleted = server
        .aws(
            &a,
            &[
                "secretsmanager",
                "delete-secret",
                "--secret-id",
                "tmp/one",
                "--recovery-window-in-days",
                "7",
            ],
        )?
        .json()?;
    assert!(deleted["DeletionDate"].is_number());
    let read = server.aws(
        &a,
        &[
            "secretsmanager",
            "get-secret-value",
            "--secret-id",
            "tmp/one",
        ],
    )?;
    assert_eq!(
        read.error_code().as_deref(),
        Some("InvalidRequestException")
    );
    let listed = server
        .aws(&a, &["secretsmanager", "list-secrets"])?
        .json()?;
    let names: Vec<&str> = listed["SecretList"]
        .as_array()
        .map(|l| l.iter().filter_map(|s| s["Name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, vec!["tmp/two"]);
    let filtered = server
        .aws(
            &a,
            &[
                "secretsmanager",
                "list-secrets",
                "--filters",
                "Key=tag-key,Values=env",
            ],
        )?
        .json()?;
    assert_eq!(filtered["SecretList"].as_array().map(Vec::len), Some(1));
    server
        .aws(
            &a,
            &["secretsmanager", "restore-secret", "--secret-id", "tmp/one"],
        )?
        .json()?;
    assert!(
        server
            .aws(
                &a,
                &[
                    "secretsmanager",
                    "get-secret-value",
                    "--secret-id",
                    "tmp/one"
                ]
            )?
            .ok
    );
    let forced = server.aws(
        &a,
        &[
            "secretsmanager",
            "delete-secret",
            "--secret-id",
            "tmp/two",
            "--force-delete-without-recovery",
        ],
    )?;
    assert!(forced.ok, "{}", forced.stderr);
    let gone = server.aws(
        &a,
        &[
            "secretsmanager",
            "describe-secret",
            "--secret-id",
            "tmp/two",
        ],
    )?;
    assert_eq!(
        gone.error_code().as_deref(),
        Some("ResourceNotFoundException")
    );
    // The app role may not list secrets at all.
    let app = assume(&server, &a, "app", &[])?;
    let list = server.aws(&app, &["secretsmanager", "list-secrets"])?;
    assert_eq!(list.error_code().as_deref(), Some("AccessDeniedException"));
    Ok(())
}

/// Identity policies change on SIGHUP: a permission removed from the configuration is gone
/// at the next request.
#[test]
fn identity_policies_reload_on_sighup() -> Result {
    let server = Server::start()?;
    create(&server, "payments/key", "pk", &["Key=team,Value=payments"])?;
    let dev = payments_dev();
    assert!(
        server
            .aws(
                &dev,
                &[
                    "secretsmanager",
                    "get-secret-value",
                    "--secret-id",
                    "payments/key"
                ]
            )?
            .ok
    );
    let text = std::fs::read_to_string(&server.config)?;
    let narrowed = text.replace(
        "\"secretsmanager:GetSecretValue\", \"secretsmanager:DescribeSecret\"",
        "\"secretsmanager:DescribeSecret\"",
    );
    assert_ne!(text, narrowed);
    std::fs::write(&server.config, narrowed)?;
    server.hangup()?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let r = server.aws(
            &dev,
            &[
                "secretsmanager",
                "get-secret-value",
                "--secret-id",
                "payments/key",
            ],
        )?;
        if r.error_code().as_deref() == Some("AccessDeniedException") {
            break;
        }
        if std::time::Instant::now() > deadline {
            return Err("the reload did not take effect".into());
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // An invalid configuration is refused; the last good one stays.
    std::fs::write(&server.config, "this is not toml = = =")?;
    let (status, body) = server.call(&admin(), "IamPolicyServer.ReloadConfiguration", b"{}")?;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["__type"], "InvalidRequestException");
    assert!(
        server
            .aws(
                &dev,
                &[
                    "secretsmanager",
                    "describe-secret",
                    "--secret-id",
                    "payments/key"
                ]
            )?
            .ok
    );
    // The admin call reloads too, and only for principals allowed to.
    let (status, body) = server.call(&dev, "IamPolicyServer.ReloadConfiguration", b"{}")?;
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("AccessDeniedException"))
    );
    Ok(())
}

/// Bad input is answered with AWS's errors and changes nothing.
#[test]
fn bad_input_is_refused_and_changes_nothing() -> Result {
    let server = Server::start()?;
    create(&server, "keep/me", "v", &[])?;
    let a = admin();
    let count = |s: &Server| -> Result<usize> {
        Ok(s.aws(&admin(), &["secretsmanager", "list-secrets"])?
            .json()?["SecretList"]
            .as_array()
            .map_or(0, Vec::len))
    };
    let (status, body) = server.call(&a, "secretsmanager.CreateSecret", b"{not json")?;
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("SerializationException"))
    );
    let (status, body) = server.call(&a, "secretsmanager.DropAllSecrets", b"{}")?;
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("UnknownOperationException"))
    );
    let big = format!(
        r#"{{"Name":"big","SecretString":"{}"}}"#,
        "x".repeat(2 * 1024 * 1024)
    );
    let (status, _) = server.call(&a, "secretsmanager.CreateSecret", big.as_bytes())?;
    assert_eq!(status, 413);
    let too_long = format!(
        r#"{{"Name":"big","SecretString":"{}"}}"#,
        "x".repeat(70_000)
    );
    let (status, body) = server.call(&a, "secretsmanager.CreateSecret", too_long.as_bytes())?;
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("ValidationException"))
    );
    // A wrong secret key (the real CLI signs it) and an unknown key.
    let wrong = Creds::new("AKIAEXAMPLEADMIN0001", "not-the-secret");
    let r = server.aws(
        &wrong,
        &[
            "secretsmanager",
            "create-secret",
            "--name",
            "evil",
            "--secret-string",
            "x",
        ],
    )?;
    assert_eq!(r.error_code().as_deref(), Some("InvalidSignatureException"));
    let unknown = Creds::new("AKIAUNKNOWN000000000", "x");
    let r = server.aws(
        &unknown,
        &[
            "secretsmanager",
            "create-secret",
            "--name",
            "evil",
            "--secret-string",
            "x",
        ],
    )?;
    assert_eq!(
        r.error_code().as_deref(),
        Some("UnrecognizedClientException")
    );
    // A request signed 20 minutes ago.
    let old = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let old = i64::try_from(old)? - 20 * 60;
    let (status, text) = raw_call(
        &server.http_addr,
        &a,
        "secretsmanager.CreateSecret",
        br#"{"Name":"late","SecretString":"x"}"#,
        Some(old),
    )?;
    assert_eq!(status, 400);
    assert!(
        text.contains("InvalidSignatureException") && text.contains("Signature expired"),
        "{text}"
    );
    // A valid signature over a different body than the one sent.
    let (status, text) = server
        .call(
            &a,
            "secretsmanager.CreateSecret",
            br#"{"Name":"ok","SecretString":"x"}"#,
        )
        .map(|(s, b)| (s, b.to_string()))?;
    assert_eq!(status, 200, "{text}");
    assert_eq!(count(&server)?, 2);
    let r = server.aws(
        &a,
        &["secretsmanager", "get-secret-value", "--secret-id", "evil"],
    )?;
    assert_eq!(r.error_code().as_deref(), Some("ResourceNotFoundException"));
    Ok(())
}

/// Secrets Manager operations the server does not implement (replication to other regions,
/// `CancelRotateSecret`) are answered as AWS answers an operation its endpoint does not have,
/// `UnknownOperationException` (HTTP 400), after the signature is verified; nothing changes.
/// `CreateSecret` with `AddReplicaRegions` is refused with `InvalidRequestException`.
#[test]
fn unsupported_operations_are_refused_and_change_nothing() -> Result {
    let server = Server::start()?;
    let a = admin();
    create(&server, "keep/me", "v", &[])?;
    let refused: [&[&str]; 4] = [
        &[
            "replicate-secret-to-regions",
            "--secret-id",
            "keep/me",
            "--add-replica-regions",
            "Region=eu-west-1",
        ],
        &[
            "remove-regions-from-replication",
            "--secret-id",
            "keep/me",
            "--remove-replica-regions",
            "eu-west-1",
        ],
        &["stop-replication-to-replica", "--secret-id", "keep/me"],
        &["cancel-rotate-secret", "--secret-id", "keep/me"],
    ];
    for args in refused {
        let mut full = vec!["secretsmanager"];
        full.extend_from_slice(args);
        let r = server.aws(&a, &full)?;
        assert_eq!(
            r.error_code().as_deref(),
            Some("UnknownOperationException"),
            "{args:?}: {}",
            r.stderr
        );
    }
    // The signature is verified first: a bad one gets the signature error, not the operation's.
    let wrong = Creds::new("AKIAEXAMPLEADMIN0001", "not-the-secret");
    let (status, body) = server.call(
        &wrong,
        "secretsmanager.ReplicateSecretToRegions",
        br#"{"SecretId":"keep/me","AddReplicaRegions":[{"Region":"eu-west-1"}]}"#,
    )?;
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("InvalidSignatureException"))
    );
    let r = server.aws(
        &a,
        &[
            "secretsmanager",
            "create-secret",
            "--name",
            "replicated",
            "--secret-string",
            "x",
            "--add-replica-regions",
            "Region=eu-west-1",
        ],
    )?;
    assert_eq!(r.error_code().as_deref(), Some("InvalidRequestException"));
    // Nothing changed: the secret has no replicas, the refused one does not exist.
    let described = server
        .aws(
            &a,
            &[
                "secretsmanager",
                "describe-secret",
                "--secret-id",
                "keep/me",
            ],
        )?
        .json()?;
    assert!(described.get("ReplicationStatus").is_none(), "{described}");
    let missing = server.aws(
        &a,
        &[
            "secretsmanager",
            "describe-secret",
            "--secret-id",
            "replicated",
        ],
    )?;
    assert_eq!(
        missing.error_code().as_deref(),
        Some("ResourceNotFoundException")
    );
    // The audit line records the refusal.
    let audit = server.audit()?;
    assert!(
        audit.iter().any(|l| l["eventName"] == "CancelRotateSecret"
            && l["errorCode"] == "UnknownOperationException")
    );
    Ok(())
}

/// A restart loses nothing: secrets, versions, tags, resource policies and temporary
/// credentials come back, and the resource and session policies govern again.
#[test]
fn restart_loses_nothing() -> Result {
    let server = Server::start()?;
    let arn = create(
        &server,
        "durable/one",
        "first",
        &["Key=team,Value=payments"],
    )?["ARN"]
        .as_str()
        .ok_or("no ARN")?
        .to_owned();
    server
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "put-secret-value",
                "--secret-id",
                "durable/one",
                "--secret-string",
                "second",
            ],
        )?
        .json()?;
    let policy = json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:user/partner"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    .to_string();
    server
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "put-resource-policy",
                "--secret-id",
                "durable/one",
                "--resource-policy",
                &policy,
            ],
        )?
        .json()?;
    // Temporary credentials, with a session policy narrowing the app role to prod/app/*.
    create(&server, DB, "db-value", &[])?;
    create(&server, "prod/app/cfg", "cfg-value", &[])?;
    let narrow = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:prod/app/*")}]})
    .to_string();
    let session = assume(&server, &admin(), "app", &["--policy", &narrow])?;
    let (data, config) = server.kill()?;
    let server = Server::start_in(data, config)?;
    let got = server
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "get-secret-value",
                "--secret-id",
                "durable/one",
            ],
        )?
        .json()?;
    assert_eq!(got["SecretString"], "second");
    // The session survived the restart, session policy included.
    let cfg = server
        .aws(
            &session,
            &[
                "secretsmanager",
                "get-secret-value",
                "--secret-id",
                "prod/app/cfg",
            ],
        )?
        .json()?;
    assert_eq!(cfg["SecretString"], "cfg-value");
    let narrowed = server.aws(
        &session,
        &["secretsmanager", "get-secret-value", "--secret-id", DB],
    )?;
    assert_eq!(
        narrowed.error_code().as_deref(),
        Some("AccessDeniedException")
    );
    assert!(
        narrowed
            .error_message()
            .unwrap_or_default()
            .contains("no session policy allows"),
        "{:?}",
        narrowed.error_message()
    );
    let prev = server
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "get-secret-value",
                "--secret-id",
                "durable/one",
                "--version-stage",
                "AWSPREVIOUS",
            ],
        )?
        .json()?;
    assert_eq!(prev["SecretString"], "first");
    let env = [("SECRET_ID", arn.as_str())];
    assert_eq!(
        server.boto3("get_secret.py", &partner(), &env)?["SecretString"],
        "second"
    );
    // The value is encrypted in the database file.
    let db = std::fs::read(server.dir().join("db/secrets.db"))?;
    let wal = std::fs::read(server.dir().join("db/secrets.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(!bytes.windows(6).any(|w| w == b"second"));
        // Nor are the temporary credentials' secret key and token.
        let token = session.token.clone().unwrap_or_else(|| "-".to_owned());
        for clear in [&session.secret, &token] {
            assert!(!bytes.windows(clear.len()).any(|w| w == clear.as_bytes()));
        }
    }
    Ok(())
}

/// Kill the server (SIGKILL) in the middle of a write load; after a restart every
/// acknowledged write is there.
#[test]
fn crash_mid_load_keeps_every_acknowledged_write() -> Result {
    let server = Server::start()?;
    let addr = server.http_addr.clone();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                for i in 0..10_000 {
                    let name = format!("crash/{w}/{i}");
                    let body =
                        json!({"Name": name, "SecretString": format!("value-{w}-{i}")}).to_string();
                    match raw_call(
                        &addr,
                        &admin(),
                        "secretsmanager.CreateSecret",
                        body.as_bytes(),
                        None,
                    ) {
                        Ok((200, _)) => acked.push((name, format!("value-{w}-{i}"))),
                        _ => break,
                    }
                }
                acked
            })
        })
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let (data, config) = server.kill()?;
    let mut acked = Vec::new();
    for w in writers {
        acked.extend(w.join().map_err(|_| "writer panicked")?);
    }
    assert!(
        acked.len() > 10,
        "too few writes before the kill: {}",
        acked.len()
    );
    let server = Server::start_in(data, config)?;
    for (name, value) in &acked {
        let (status, body) = server.call(
            &admin(),
            "secretsmanager.GetSecretValue",
            json!({"SecretId": name}).to_string().as_bytes(),
        )?;
        assert_eq!(status, 200, "{name}: {body}");
        assert_eq!(body["SecretString"], json!(value));
    }
    // The real CLI reads one of them back too.
    let (name, value) = acked.last().ok_or("none")?;
    let got = server
        .aws(
            &admin(),
            &["secretsmanager", "get-secret-value", "--secret-id", name],
        )?
        .json()?;
    assert_eq!(&got["SecretString"], value);
    Ok(())
}

/// SigV4 in the query string: a presigned URL that boto3 makes is honoured; a parameter added
/// to it breaks the signature.
#[test]
fn presigned_url_is_verified() -> Result {
    let server = Server::start()?;
    let out = server.boto3("presign.py", &admin(), &[])?;
    assert_eq!(out["signed_in_query"], true);
    assert_eq!(out["valid"]["status"], 200, "{out}");
    let body = out["valid"]["body"].as_str().unwrap_or_default();
    assert!(
        body.contains("<Arn>arn:aws:iam::111122223333:user/admin</Arn>"),
        "{body}"
    );
    assert_eq!(out["tampered"]["status"], 403, "{out}");
    let tampered = out["tampered"]["body"].as_str().unwrap_or_default();
    assert!(
        tampered.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{tampered}"
    );
    Ok(())
}

/// SCPs of the caller's account and RCPs of the secret's account take part: a resource policy
/// that grants the partner does not get past an SCP deny or an RCP deny.
#[test]
fn organization_policies_scp_and_rcp() -> Result {
    let server = Server::start()?;
    let grant = json!({"Version": "2012-10-17", "Statement": [{
        "Sid": "PartnerReads", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::444455556666:user/partner"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]})
    .to_string();
    for name in ["shared/ok", "restricted/one", "locked/two"] {
        create(&server, name, "v", &[])?;
        server
            .aws(
                &admin(),
                &[
                    "secretsmanager",
                    "put-resource-policy",
                    "--secret-id",
                    name,
                    "--resource-policy",
                    &grant,
                ],
            )?
            .json()?;
    }
    let read = |name: &str| -> Result<serde_json::Value> {
        let arn = server
            .aws(
                &admin(),
                &["secretsmanager", "describe-secret", "--secret-id", name],
            )?
            .json()?["ARN"]
            .as_str()
            .ok_or("no ARN")?
            .to_owned();
        server.boto3("get_secret.py", &partner(), &[("SECRET_ID", arn.as_str())])
    };
    assert_eq!(read("shared/ok")?["SecretString"], "v");
    let scp = read("restricted/one")?;
    assert_eq!(scp["Error"]["Code"], "AccessDeniedException");
    let m = scp["Error"]["Message"].as_str().unwrap_or_default();
    assert!(
        m.ends_with("with an explicit deny in a service control policy"),
        "{m}"
    );
    let rcp = read("locked/two")?;
    let m = rcp["Error"]["Message"].as_str().unwrap_or_default();
    assert!(
        m.ends_with("with an explicit deny in a resource control policy"),
        "{m}"
    );
    // The audit names the deciding organization policies.
    let audit = server.audit()?;
    let text = serde_json::to_string(&audit)?;
    assert!(text.contains("NoRestrictedSecrets") && text.contains("LockedStaysHome"));
    // Inside the account the RCP does not apply.
    assert!(
        server
            .aws(
                &admin(),
                &[
                    "secretsmanager",
                    "get-secret-value",
                    "--secret-id",
                    "locked/two"
                ]
            )?
            .ok
    );
    Ok(())
}
