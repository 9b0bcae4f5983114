//! Replicas on one PostgreSQL database (`--database postgres://…`), against a real PostgreSQL
//! server the tests start themselves (see `postgres/cluster.rs`), driven by the AWS CLI, boto3
//! and the signed test client of the server's own client tests.

#[path = "clients/support.rs"]
#[allow(
    dead_code,
    reason = "shared with the client tests; not every helper is used here"
)]
mod support;

#[path = "postgres/cluster.rs"]
mod cluster;

use std::time::{Duration, Instant};

use cluster::Cluster;
use serde_json::{Value, json};
use support::{Creds, Result, Server, admin, partner, raw_call, session_creds};

/// Starts a PostgreSQL server, or `None` when the tests must be skipped.
fn database() -> Result<Option<Cluster>> {
    Cluster::start()
}

/// Starts `n` replicas of the server on `db`, each with its own data directory (audit log,
/// TLS certificate) and a copy of the example configuration.
fn replicas(db: &Cluster, n: usize) -> Result<Vec<Server>> {
    replicas_with(db, n, &[])
}

/// [`replicas`] with extra command-line arguments.
fn replicas_with(db: &Cluster, n: usize, extra: &[&str]) -> Result<Vec<Server>> {
    let url = db.url();
    let mut args = vec!["--database", url.as_str()];
    args.extend_from_slice(extra);
    (0..n)
        .map(|_| {
            let data = tempfile::tempdir()?;
            let config = data.path().join("config.toml");
            std::fs::copy(support::example_config(), &config)?;
            Server::start_with(data, config, &args)
        })
        .collect()
}

/// One signed JSON 1.1 call through `server`; (status, body).
fn call(server: &Server, creds: &Creds, op: &str, body: &Value) -> Result<(u16, Value)> {
    let (status, text) = raw_call(
        &server.http_addr,
        creds,
        &format!("secretsmanager.{op}"),
        body.to_string().as_bytes(),
        None,
    )?;
    Ok((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

fn ok(server: &Server, creds: &Creds, op: &str, body: &Value) -> Result<Value> {
    let (status, answer) = call(server, creds, op, body)?;
    if status != 200 {
        return Err(format!("{op} answered {status}: {answer}").into());
    }
    Ok(answer)
}

fn allow_partner(arn: &str, effect: &str) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "Partner",
            "Effect": effect,
            "Principal": {"AWS": "arn:aws:iam::444455556666:user/partner"},
            "Action": "secretsmanager:GetSecretValue",
            "Resource": arn,
        }]
    })
    .to_string()
}

/// The AWS CLI writes through one replica and reads through another, boto3 through a third;
/// versions, labels, rotation, tags and deletion behave as with one process; values are
/// stored encrypted.
#[test]
fn cli_and_boto3_write_through_one_replica_read_through_another() -> Result {
    let Some(db) = database()? else { return Ok(()) };
    let r = replicas(&db, 3)?;
    let created = r[0]
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "create-secret",
                "--name",
                "prod/app/config",
                "--secret-string",
                "first-value-7f3a",
                "--tags",
                "Key=team,Value=payments",
            ],
        )?
        .json()?;
    let arn = created["ARN"].as_str().ok_or("no ARN")?.to_owned();
    let got = r[1]
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "get-secret-value",
                "--secret-id",
                "prod/app/config",
            ],
        )?
        .json()?;
    assert_eq!(got["SecretString"], "first-value-7f3a");
    assert_eq!(got["ARN"], json!(arn));

    // A second version through replica 1; replica 2 sees AWSCURRENT move (boto3).
    let put = r[1]
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "put-secret-value",
                "--secret-id",
                &arn,
                "--secret-string",
                "second-value-9c1d",
            ],
        )?
        .json()?;
    let b = r[2].boto3(
        "get_secret.py",
        &admin(),
        &[("SECRET_ID", "prod/app/config")],
    )?;
    assert_eq!(b["SecretString"], "second-value-9c1d");
    let described = r[0]
        .aws(
            &admin(),
            &["secretsmanager", "describe-secret", "--secret-id", &arn],
        )?
        .json()?;
    let stages = &described["VersionIdsToStages"];
    assert_eq!(
        stages[put["VersionId"].as_str().ok_or("no version")?],
        json!(["AWSCURRENT"])
    );
    assert_eq!(
        stages[got["VersionId"].as_str().ok_or("no version")?],
        json!(["AWSPREVIOUS"])
    );

    // A pending version through replica 2, rotated through replica 0: the labels move
    // together, and replica 1 reads the promoted value.
    r[2].aws(
        &admin(),
        &[
            "secretsmanager",
            "put-secret-value",
            "--secret-id",
            &arn,
            "--secret-string",
            "pending-value-44e0",
            "--version-stages",
            "AWSPENDING",
        ],
    )?
    .check()?;
    r[0].aws(
        &admin(),
        &[
            "secretsmanager",
            "rotate-secret",
            "--secret-id",
            &arn,
            "--rotation-lambda-arn",
            "arn:aws:lambda:us-east-1:111122223333:function:rotate",
        ],
    )?
    .check()?;
    let after = r[1]
        .aws(
            &admin(),
            &["secretsmanager", "get-secret-value", "--secret-id", &arn],
        )?
        .json()?;
    assert_eq!(after["SecretString"], "pending-value-44e0");
    let versions = r[2]
        .aws(
            &admin(),
            &[
                "secretsmanager",
                "list-secret-version-ids",
                "--secret-id",
                &arn,
            ],
        )?
        .json()?;
    let labels: Vec<Value> = versions["Versions"]
        .as_array()
        .ok_or("no versions")?
        .iter()
        .map(|v| v["VersionStages"].clone())
        .collect();
    assert_eq!(
        labels
            .iter()
            .filter(|l| l.to_string().contains("AWSCURRENT"))
            .count(),
        1
    );
    assert!(!labels.iter().any(|l| l.to_string().contains("AWSPENDING")));

    // The same name through another replica is refused as AWS refuses it.
    let again = r[2].aws(
        &admin(),
        &[
            "secretsmanager",
            "create-secret",
            "--name",
            "prod/app/config",
            "--secret-string",
            "x",
        ],
    )?;
    assert_eq!(
        again.error_code().as_deref(),
        Some("ResourceExistsException")
    );

    // Deleted through one replica, gone for the others; restored through a third.
    r[0].aws(
        &admin(),
        &["secretsmanager", "delete-secret", "--secret-id", &arn],
    )?
    .check()?;
    let deleted = r[1].aws(
        &admin(),
        &["secretsmanager", "get-secret-value", "--secret-id", &arn],
    )?;
    assert_eq!(
        deleted.error_code().as_deref(),
        Some("InvalidRequestException")
    );
    r[2].aws(
        &admin(),
        &["secretsmanager", "restore-secret", "--secret-id", &arn],
    )?
    .check()?;

    // What PostgreSQL holds: ciphertext only, never a value.
    let mut client = db.client()?;
    let rows = client.query("SELECT ciphertext FROM secret_values", &[])?;
    assert_eq!(rows.len(), 3);
    for row in rows {
        let sealed: Vec<u8> = row.get(0);
        let text = String::from_utf8_lossy(&sealed);
        for plain in ["first-value", "second-value", "pending-value"] {
            assert!(!text.contains(plain), "a value is stored in clear");
        }
    }
    let meta: String = client.query_one("SELECT meta FROM secrets", &[])?.get(0);
    assert!(!meta.contains("-value-"));
    Ok(())
}

/// A resource policy changed through replica A governs the very next read through replica B,
/// both ways, every time (no waiting, no retry), and the CLI sees the denial.
#[test]
fn policy_change_through_one_replica_governs_the_next_read_through_another() -> Result {
    let Some(db) = database()? else { return Ok(()) };
    let r = replicas(&db, 2)?;
    let (a, b) = (&r[0], &r[1]);
    let created = ok(
        a,
        &admin(),
        "CreateSecret",
        &json!({"Name": "shared/partner", "SecretString": "shared-value"}),
    )?;
    let arn = created["ARN"].as_str().ok_or("no ARN")?.to_owned();
    let read = json!({"SecretId": arn});
    // No resource policy: the partner (another account) is denied everywhere.
    assert_eq!(call(b, &partner(), "GetSecretValue", &read)?.0, 400);
    for round in 0..15 {
        let (writer, reader) = if round % 2 == 0 { (a, b) } else { (b, a) };
        ok(
            writer,
            &admin(),
            "PutResourcePolicy",
            &json!({"SecretId": arn, "ResourcePolicy": allow_partner(&arn, "Allow")}),
        )?;
        let (status, body) = call(reader, &partner(), "GetSecretValue", &read)?;
        assert_eq!(
            (status, &body["SecretString"]),
            (200, &json!("shared-value")),
            "round {round}: {body}"
        );
        let change = if round % 3 == 0 {
            ok(
                writer,
                &admin(),
                "DeleteResourcePolicy",
                &json!({"SecretId": arn}),
            )?
        } else {
            ok(
                writer,
                &admin(),
                "PutResourcePolicy",
                &json!({"SecretId": arn, "ResourcePolicy": allow_partner(&arn, "Deny")}),
            )?
        };
        assert_eq!(change["ARN"], json!(arn));
        let (status, body) = call(reader, &partner(), "GetSecretValue", &read)?;
        assert_eq!(status, 400, "round {round}: {body}");
        assert_eq!(
            body["__type"], "AccessDeniedException",
            "round {round}: {body}"
        );
    }
    // The AWS CLI through B, after a change through A.
    ok(
        a,
        &admin(),
        "PutResourcePolicy",
        &json!({"SecretId": arn, "ResourcePolicy": allow_partner(&arn, "Deny")}),
    )?;
    let denied = b.aws(
        &partner(),
        &["secretsmanager", "get-secret-value", "--secret-id", &arn],
    )?;
    assert_eq!(
        denied.error_code().as_deref(),
        Some("AccessDeniedException")
    );
    assert!(
        denied
            .error_message()
            .unwrap_or_default()
            .contains("with an explicit deny in a resource-based policy"),
        "{}",
        denied.stderr
    );
    // GetResourcePolicy through B shows what A wrote.
    let shown = b
        .aws(
            &admin(),
            &["secretsmanager", "get-resource-policy", "--secret-id", &arn],
        )?
        .json()?;
    assert!(
        shown["ResourcePolicy"]
            .as_str()
            .unwrap_or_default()
            .contains("Deny")
    );
    Ok(())
}

/// The policy log keeps only its last entries (`--policy-log-keep`); a replica that lagged
/// behind the pruned log (here: stopped with SIGSTOP while another made more changes than the
/// log keeps) reloads every policy before it decides again, and never decides with a stale one.
#[test]
fn policy_log_is_pruned_and_a_replica_behind_it_reloads_every_policy() -> Result {
    let Some(db) = database()? else { return Ok(()) };
    let r = replicas_with(&db, 2, &["--policy-log-keep", "3"])?;
    let (a, b) = (&r[0], &r[1]);
    let mut arns = Vec::new();
    for name in ["shared/revoked", "shared/granted", "shared/filler"] {
        let created = ok(
            a,
            &admin(),
            "CreateSecret",
            &json!({"Name": name, "SecretString": format!("{name}-value")}),
        )?;
        arns.push(created["ARN"].as_str().ok_or("no ARN")?.to_owned());
    }
    let (revoked, granted, filler) = (&arns[0], &arns[1], &arns[2]);
    let put = |arn: &str, effect: &str| {
        ok(
            a,
            &admin(),
            "PutResourcePolicy",
            &json!({"SecretId": arn, "ResourcePolicy": allow_partner(arn, effect)}),
        )
    };
    let read = |arn: &str| call(b, &partner(), "GetSecretValue", &json!({"SecretId": arn}));
    put(revoked, "Allow")?;
    assert_eq!(read(revoked)?.0, 200);
    assert_eq!(read(granted)?.0, 400);
    let mut client = db.client()?;
    let epoch_seen_by_b: i64 = client
        .query_one("SELECT epoch FROM policy_epoch", &[])?
        .get(0);

    b.signal("STOP")?;
    let changes = (|| -> Result {
        ok(
            a,
            &admin(),
            "DeleteResourcePolicy",
            &json!({"SecretId": revoked}),
        )?;
        put(granted, "Allow")?;
        for effect in ["Allow", "Deny", "Allow", "Deny"] {
            put(filler, effect)?;
        }
        Ok(())
    })();
    let logged = client.query_one(
        "SELECT count(*), min(epoch), max(epoch) FROM policy_log",
        &[],
    );
    b.signal("CONT")?;
    changes?;
    let logged = logged?;
    let (count, oldest, newest): (i64, i64, i64) = (logged.get(0), logged.get(1), logged.get(2));
    assert_eq!(count, 3, "the log keeps its last 3 entries");
    assert_eq!(newest, epoch_seen_by_b + 6);
    assert!(oldest > epoch_seen_by_b + 1, "B's next change was pruned");

    // B decides with the current policies: the revoked grant is gone, the new one is there.
    let (status, body) = read(revoked)?;
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("AccessDeniedException")),
        "{body}"
    );
    let (status, body) = read(granted)?;
    assert_eq!(
        (status, &body["SecretString"]),
        (200, &json!("shared/granted-value"))
    );
    let (status, body) = read(filler)?;
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("AccessDeniedException")),
        "{body}"
    );
    // And keeps following the (pruned) log afterwards.
    put(filler, "Allow")?;
    assert_eq!(read(filler)?.0, 200);
    let count: i64 = client
        .query_one("SELECT count(*) FROM policy_log", &[])?
        .get(0);
    assert_eq!(count, 3);
    Ok(())
}

/// A counter of `IamPolicyServer.GetStatistics` through `server`.
fn statistic(server: &Server, name: &str) -> Result<u64> {
    let (status, text) = raw_call(
        &server.http_addr,
        &admin(),
        "IamPolicyServer.GetStatistics",
        b"{}",
        None,
    )?;
    if status != 200 {
        return Err(format!("GetStatistics answered {status}: {text}").into());
    }
    let stats: Value = serde_json::from_str(&text)?;
    stats
        .get(name)
        .and_then(Value::as_u64)
        .ok_or_else(|| format!("no {name} in {text}").into())
}

/// Raises the policy epoch and logs `arn` at the new epoch (`''`: a configuration
/// publication) in `tx`, as a replica's policy change does, but without `pg_notify` (as if the
/// notification were lost).
fn bump_epoch_unnotified(tx: &mut postgres::Transaction<'_>, arn: &str) -> Result {
    let epoch: i64 = tx
        .query_one(
            "UPDATE policy_epoch SET epoch = epoch + 1 WHERE id = 1 RETURNING epoch",
            &[],
        )?
        .get(0);
    tx.execute(
        "INSERT INTO policy_log (epoch, arn) VALUES ($1, $2)",
        &[&epoch, &arn],
    )?;
    Ok(())
}

/// Waits (30 s at most) until the replica's change listener (`replica::listen`, the only
/// client on `db` that runs an empty query: its liveness check after each wait for
/// notifications) has passed its first wait: its start-up refresh, which applies what was
/// committed while no one listened, is then over. A silent change committed after this is
/// applied by a call of its own (no notification will make the listener refresh again).
fn wait_for_listener(db: &Cluster) -> Result {
    let mut client = db.client()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listening: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity
                 WHERE pid <> pg_backend_pid() AND datname = current_database()
                   AND backend_type = 'client backend' AND query = ''",
                &[],
            )?
            .get(0);
        if listening > 0 {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("the replica's change listener did not start in 30 s".into());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A change committed without a notification (as if it were lost): the next call through a
/// replica finds the epoch ahead in its own read of the secret, and is served again after a
/// full refresh, decided with the change.
#[test]
fn a_change_without_notification_governs_the_next_call_which_is_served_again() -> Result {
    let Some(db) = database()? else { return Ok(()) };
    let r = replicas(&db, 1)?;
    // Otherwise a listener that connects late (a loaded machine) applies the silent change in
    // its start-up refresh, before the call: decided right, but not served again.
    wait_for_listener(&db)?;
    let created = ok(
        &r[0],
        &admin(),
        "CreateSecret",
        &json!({"Name": "silent", "SecretString": "silent-value"}),
    )?;
    let arn = created["ARN"].as_str().ok_or("no ARN")?.to_owned();
    let read = json!({"SecretId": arn});
    assert_eq!(call(&r[0], &partner(), "GetSecretValue", &read)?.0, 400);
    let again = statistic(&r[0], "CallsServedAgain")?;
    // A resource policy granting the partner, committed with its epoch and log entry but
    // without pg_notify.
    let mut client = db.client()?;
    let mut tx = client.transaction()?;
    bump_epoch_unnotified(&mut tx, &arn)?;
    tx.execute(
        "UPDATE secrets SET resource_policy = $2 WHERE arn = $1",
        &[&arn, &allow_partner(&arn, "Allow")],
    )?;
    tx.commit()?;
    let (status, body) = call(&r[0], &partner(), "GetSecretValue", &read)?;
    assert_eq!(
        (status, &body["SecretString"]),
        (200, &json!("silent-value")),
        "{body}"
    );
    assert_eq!(statistic(&r[0], "CallsServedAgain")?, again + 1);
    // The same with a call that decides before it reads a secret (its check is then a round
    // trip of its own before the decision): served again too; the grant removed silently is
    // not used afterwards.
    let mut tx = client.transaction()?;
    bump_epoch_unnotified(&mut tx, &arn)?;
    tx.execute(
        "UPDATE secrets SET resource_policy = NULL WHERE arn = $1",
        &[&arn],
    )?;
    tx.commit()?;
    let (status, body) = call(
        &r[0],
        &partner(),
        "BatchGetSecretValue",
        &json!({"SecretIdList": [arn]}),
    )?;
    // (The partner may not call BatchGetSecretValue at all.)
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("AccessDeniedException")),
        "{body}"
    );
    assert_eq!(statistic(&r[0], "CallsServedAgain")?, again + 2);
    let (status, body) = call(&r[0], &partner(), "GetSecretValue", &read)?;
    assert_eq!(
        (status, body["__type"].as_str()),
        (400, Some("AccessDeniedException")),
        "{body}"
    );
    Ok(())
}

/// What a GetSecretValue costs in database operations on a replica (counted by the server:
/// `IamPolicyServer.GetStatistics`, `DatabaseOperations`): the secret's metadata, which
/// carries the policy epoch check, and its value.
#[test]
fn get_secret_value_costs_two_database_operations() -> Result {
    let Some(db) = database()? else { return Ok(()) };
    let r = replicas(&db, 1)?;
    ok(
        &r[0],
        &admin(),
        "CreateSecret",
        &json!({"Name": "counted", "SecretString": "v"}),
    )?;
    let read = json!({"SecretId": "counted"});
    // Once first: the day's LastAccessedDate is written by the first read.
    ok(&r[0], &admin(), "GetSecretValue", &read)?;
    let operations = |s: &Server| statistic(s, "DatabaseOperations");
    const CALLS: u64 = 50;
    let before = operations(&r[0])?;
    for _ in 0..CALLS {
        ok(&r[0], &admin(), "GetSecretValue", &read)?;
    }
    let after = operations(&r[0])?;
    // The statistics call itself costs a few (its check and the secret count).
    let per_call = (after - before) as f64 / CALLS as f64;
    eprintln!("GetSecretValue: {per_call:.2} database operations per call");
    assert!(
        per_call < 2.2,
        "{per_call} database operations per GetSecretValue"
    );
    Ok(())
}

/// A configuration reload through one replica reaches the others: a replica whose file
/// differs from the published one refuses calls (fails closed) until its file matches.
#[test]
fn configuration_reload_reaches_every_replica() -> Result {
    let Some(db) = database()? else { return Ok(()) };
    let r = replicas(&db, 2)?;
    let (a, b) = (&r[0], &r[1]);
    ok(
        a,
        &admin(),
        "CreateSecret",
        &json!({"Name": "team/x", "SecretString": "v"}),
    )?;
    let read = json!({"SecretId": "team/x"});
    // The payments developer reads only secrets tagged team=payments: denied.
    assert_eq!(
        call(b, &support::payments_dev(), "GetSecretValue", &read)?.0,
        400
    );
    // Both files now let the developer read everything; the reload happens through A only.
    for s in [a, b] {
        let before = std::fs::read_to_string(&s.config)?;
        let text = before.replace(
            r#""Resource": "*",
   "Condition": {"StringEquals": {"secretsmanager:ResourceTag/team": "${aws:PrincipalTag/team}"}}},"#,
            r#""Resource": "*"},"#,
        );
        assert_ne!(
            text, before,
            "the example configuration changed: update this test"
        );
        std::fs::write(&s.config, text)?;
    }
    let (status, body) = raw_call(
        &a.http_addr,
        &admin(),
        "IamPolicyServer.ReloadConfiguration",
        b"{}",
        None,
    )?;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(b, &support::payments_dev(), "GetSecretValue", &read)?;
    assert_eq!(status, 200, "{body}");
    // B's file changes alone, A reloads: B's file differs from the published one, so B refuses
    // every call until its file matches again.
    let original = std::fs::read_to_string(support::example_config())?;
    std::fs::write(&b.config, &original)?;
    std::fs::write(&a.config, original.replace("dev-payments", "dev-payments2"))?;
    let (status, body) = raw_call(
        &a.http_addr,
        &admin(),
        "IamPolicyServer.ReloadConfiguration",
        b"{}",
        None,
    )?;
    assert_eq!(status, 200, "{body}");
    let (status, body) = call(b, &admin(), "GetSecretValue", &read)?;
    assert_eq!(
        (status, &body["__type"]),
        (503, &json!("ServiceUnavailable")),
        "{body}"
    );
    std::fs::copy(&a.config, &b.config)?;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = call(b, &admin(), "GetSecretValue", &read)?;
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "B did not adopt its corrected file: {body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// A configuration entry in the policy log whose digest is this replica's own (its own
/// publication, applied after its file was edited) does not make it re-read the edited file
/// and refuse its next call: only a published digest that differs from its own does.
#[test]
fn a_publication_of_this_replicas_own_configuration_does_not_reread_its_file() -> Result {
    let Some(db) = database()? else { return Ok(()) };
    let r = replicas(&db, 1)?;
    let a = &r[0];
    ok(
        a,
        &admin(),
        "CreateSecret",
        &json!({"Name": "own", "SecretString": "v"}),
    )?;
    // The file is edited (not reloaded), then the configuration this replica runs is
    // published again, as its own publication is when its listener applies it late.
    let original = std::fs::read_to_string(&a.config)?;
    std::fs::write(&a.config, original.replace("dev-payments", "dev-payments2"))?;
    let mut client = db.client()?;
    let mut tx = client.transaction()?;
    bump_epoch_unnotified(&mut tx, "")?;
    tx.commit()?;
    let (status, body) = call(a, &admin(), "GetSecretValue", &json!({"SecretId": "own"}))?;
    assert_eq!(status, 200, "{body}");
    Ok(())
}

/// A replica whose file differs from the published configuration refuses calls, but serves
/// `ReloadConfiguration`: reloading there publishes its file, which the other replica then
/// refuses calls for until its own file matches.
#[test]
fn reload_through_a_replica_whose_file_differs_publishes_it() -> Result {
    let Some(db) = database()? else { return Ok(()) };
    let r = replicas(&db, 2)?;
    let (a, b) = (&r[0], &r[1]);
    ok(
        a,
        &admin(),
        "CreateSecret",
        &json!({"Name": "either", "SecretString": "v"}),
    )?;
    let read = json!({"SecretId": "either"});
    let original = std::fs::read_to_string(&a.config)?;
    std::fs::write(&a.config, original.replace("dev-payments", "dev-payments2"))?;
    std::fs::write(&b.config, original.replace("dev-payments", "dev-payments3"))?;
    let reload = |s: &Server| {
        raw_call(
            &s.http_addr,
            &admin(),
            "IamPolicyServer.ReloadConfiguration",
            b"{}",
            None,
        )
    };
    let (status, body) = reload(b)?;
    assert_eq!(status, 200, "{body}");
    // A re-reads its file on B's publication: it differs, so A refuses calls ...
    let (status, body) = call(a, &admin(), "GetSecretValue", &read)?;
    assert_eq!(
        (status, &body["__type"]),
        (503, &json!("ServiceUnavailable")),
        "{body}"
    );
    // ... but not the reload, which publishes A's file: then B refuses, A serves.
    let (status, body) = reload(a)?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(call(a, &admin(), "GetSecretValue", &read)?.0, 200);
    let (status, body) = call(b, &admin(), "GetSecretValue", &read)?;
    assert_eq!(
        (status, &body["__type"]),
        (503, &json!("ServiceUnavailable")),
        "{body}"
    );
    Ok(())
}

/// Concurrent PutSecretValue through three replicas: every acknowledged version is there,
/// exactly one is AWSCURRENT and one AWSPREVIOUS.
#[test]
fn concurrent_put_secret_value_through_replicas_loses_no_version() -> Result {
    let Some(db) = database()? else { return Ok(()) };
    let r = replicas(&db, 3)?;
    let created = ok(
        &r[0],
        &admin(),
        "CreateSecret",
        &json!({"Name": "busy", "SecretString": "v0"}),
    )?;
    let arn = created["ARN"].as_str().ok_or("no ARN")?.to_owned();
    let addrs: Vec<String> = r.iter().map(|s| s.http_addr.clone()).collect();
    let mut threads = Vec::new();
    for t in 0..6usize {
        let addr = addrs[t % addrs.len()].clone();
        let arn = arn.clone();
        threads.push(std::thread::spawn(move || -> std::result::Result<Vec<String>, String> {
            let mut acked = Vec::new();
            for i in 0..15 {
                let token = format!("{t:08}-0000-4000-8000-{i:012}");
                let body = json!({"SecretId": arn, "SecretString": format!("value-{t}-{i}"), "ClientRequestToken": token});
                let (status, text) = raw_call(
                    &addr,
                    &admin(),
                    "secretsmanager.PutSecretValue",
                    body.to_string().as_bytes(),
                    None,
                )
                .map_err(|e| e.to_string())?;
                if status != 200 {
                    return Err(format!("{status}: {text}"));
                }
                acked.push(token);
            }
            Ok(acked)
        }));
    }
    let mut acked = Vec::new();
    for t in threads {
        acked.extend(t.join().map_err(|_| "a writer panicked")??);
    }
    assert_eq!(acked.len(), 90);
    let listed = ok(
        &r[1],
        &admin(),
        "ListSecretVersionIds",
        &json!({"SecretId": arn, "IncludeDeprecated": true, "MaxResults": 100}),
    )?;
    let versions = listed["Versions"].as_array().ok_or("no versions")?;
    assert_eq!(versions.len(), 91, "{listed}");
    for token in &acked {
        assert!(
            versions.iter().any(|v| v["VersionId"] == json!(token)),
            "{token} lost"
        );
    }
    let with = |label: &str| {
        versions
            .iter()
            .filter(|v| v["VersionStages"].to_string().contains(label))
            .count()
    };
    assert_eq!((with("AWSCURRENT"), with("AWSPREVIOUS")), (1, 1));
    // Every value is readable through every replica.
    for (i, token) in acked.iter().enumerate().step_by(13) {
        let got = ok(
            &r[i % 3],
            &admin(),
            "GetSecretValue",
            &json!({"SecretId": arn, "VersionId": token}),
        )?;
        assert!(
            got["SecretString"]
                .as_str()
                .unwrap_or_default()
                .starts_with("value-")
        );
    }
    Ok(())
}

/// The database is killed mid-load: replicas refuse (ServiceUnavailable, never a decision
/// with policies they cannot prove current), recover by themselves when it returns, and
/// every acknowledged write is there.
#[test]
fn database_killed_mid_load_replicas_refuse_then_recover_nothing_acknowledged_lost() -> Result {
    let Some(mut db) = database()? else {
        return Ok(());
    };
    let r = replicas(&db, 2)?;
    let created = ok(
        &r[0],
        &admin(),
        "CreateSecret",
        &json!({"Name": "probe", "SecretString": "v0"}),
    )?;
    let arn = created["ARN"].as_str().ok_or("no ARN")?.to_owned();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    // Each writer creates secrets and adds versions to its own secret (fewer than the 100
    // versions AWS keeps, so every acknowledged version must still be there).
    for t in 0..4usize {
        let addr = r[t % 2].http_addr.clone();
        let stop = std::sync::Arc::clone(&stop);
        writers.push(std::thread::spawn(move || {
            let (mut created, mut versions, mut refused) = (Vec::new(), Vec::new(), 0u32);
            let mut send = |op: &str, body: Value| -> bool {
                match raw_call(&addr, &admin(), &format!("secretsmanager.{op}"), body.to_string().as_bytes(), None) {
                    Ok((200, _)) => true,
                    Ok((status, text)) => {
                        assert!(status >= 500, "unexpected {status}: {text}");
                        refused += 1;
                        std::thread::sleep(Duration::from_millis(20));
                        false
                    }
                    Err(_) => {
                        refused += 1;
                        false
                    }
                }
            };
            let own = format!("load/{t}");
            while !send("CreateSecret", json!({"Name": own, "SecretString": "start"})) {
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    return (created, versions, refused);
                }
            }
            for i in 0..400usize {
                if stop.load(std::sync::atomic::Ordering::SeqCst) {
                    break;
                }
                let name = format!("load/{t}/{i}");
                if send("CreateSecret", json!({"Name": name, "SecretString": format!("c{t}-{i}")})) {
                    created.push(name);
                }
                if versions.len() < 90 {
                    let token = format!("{t:08}-1111-4000-8000-{i:012}");
                    if send("PutSecretValue", json!({"SecretId": own, "SecretString": format!("w{t}-{i}"), "ClientRequestToken": token})) {
                        versions.push(token);
                    }
                }
            }
            (created, versions, refused)
        }));
    }
    std::thread::sleep(Duration::from_millis(1500));
    // Every database process is gone when `kill` returns (its backends included: an orphaned
    // backend could still answer a pooled connection), so no wait is needed for what follows.
    db.kill()?;
    // Down: both replicas refuse authorization-dependent calls with AWS's 503 shape.
    for s in &r {
        let (status, body) = call(s, &admin(), "GetSecretValue", &json!({"SecretId": arn}))?;
        assert_eq!(status, 503, "{body}");
        assert_eq!(body["__type"], "ServiceUnavailable", "{body}");
        let (status, _) = call(s, &partner(), "GetSecretValue", &json!({"SecretId": arn}))?;
        assert_eq!(
            status, 503,
            "a denial is not decided either while the database is down"
        );
    }
    std::thread::sleep(Duration::from_millis(500));
    db.restart()?;
    // Up again: both replicas answer by themselves (bounded wait).
    for s in &r {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (status, body) = call(s, &admin(), "GetSecretValue", &json!({"SecretId": arn}))?;
            if status == 200 {
                break;
            }
            assert!(Instant::now() < deadline, "no recovery: {status} {body}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    std::thread::sleep(Duration::from_millis(1000));
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (mut created, mut versions, mut refused) = (Vec::new(), Vec::new(), 0);
    for w in writers {
        let (c, v, f) = w.join().map_err(|_| "a writer panicked")?;
        created.extend(c);
        versions.extend(v);
        refused += f;
    }
    assert!(
        refused > 0,
        "the outage refused nothing: the test did not test"
    );
    assert!(!created.is_empty() && !versions.is_empty());
    // Every acknowledged secret and version is there, with its value, through either replica.
    let mut client = db.client()?;
    let names: std::collections::HashSet<String> = client
        .query("SELECT name FROM secrets", &[])?
        .iter()
        .map(|row| row.get(0))
        .collect();
    for name in &created {
        assert!(names.contains(name), "acknowledged secret {name} lost");
    }
    for (i, token) in versions.iter().enumerate() {
        let t = token
            .get(..8)
            .and_then(|x| x.parse::<usize>().ok())
            .ok_or("bad token")?;
        let got = ok(
            &r[i % 2],
            &admin(),
            "GetSecretValue",
            &json!({"SecretId": format!("load/{t}"), "VersionId": token}),
        )?;
        assert!(
            got["SecretString"]
                .as_str()
                .unwrap_or_default()
                .starts_with('w')
        );
    }
    eprintln!(
        "acknowledged {} secrets and {} versions; {refused} calls refused during the outage",
        created.len(),
        versions.len()
    );
    Ok(())
}

/// Temporary credentials issued by `AssumeRole` through one replica work through another,
/// with their session policy; nothing of them is stored in clear.
#[test]
fn assume_role_through_one_replica_credentials_work_through_another() -> Result {
    let Some(db) = database()? else { return Ok(()) };
    let r = replicas(&db, 2)?;
    for name in ["prod/app/one", "prod/app/two"] {
        ok(
            &r[0],
            &admin(),
            "CreateSecret",
            &json!({"Name": name, "SecretString": format!("{name}-value")}),
        )?;
    }
    // The app role may read prod/app/*; the session policy narrows it to prod/app/one.
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/app/one-*"}]})
    .to_string();
    let answer = r[0]
        .aws(
            &admin(),
            &[
                "sts",
                "assume-role",
                "--role-arn",
                "arn:aws:iam::111122223333:role/app",
                "--role-session-name",
                "replicas",
                "--policy",
                &policy,
            ],
        )?
        .json()?;
    let session = session_creds(&answer)?;
    let got = r[1]
        .aws(
            &session,
            &[
                "secretsmanager",
                "get-secret-value",
                "--secret-id",
                "prod/app/one",
            ],
        )?
        .json()?;
    assert_eq!(got["SecretString"], "prod/app/one-value");
    let denied = r[1].aws(
        &session,
        &[
            "secretsmanager",
            "get-secret-value",
            "--secret-id",
            "prod/app/two",
        ],
    )?;
    assert_eq!(
        denied.error_code().as_deref(),
        Some("AccessDeniedException")
    );
    let who = r[1]
        .aws(&session, &["sts", "get-caller-identity"])?
        .json()?;
    assert_eq!(
        who["Arn"],
        "arn:aws:sts::111122223333:assumed-role/app/replicas"
    );
    // A wrong session token is refused through the other replica too.
    let mut forged = session.clone();
    forged.token = Some("forged".to_owned());
    let refused = r[1].aws(
        &forged,
        &[
            "secretsmanager",
            "get-secret-value",
            "--secret-id",
            "prod/app/one",
        ],
    )?;
    assert_eq!(
        refused.error_code().as_deref(),
        Some("UnrecognizedClientException")
    );
    // Stored sealed: neither the secret key nor the token appears in the database; the role
    // and the session name are in clear.
    let mut client = db.client()?;
    let row = client.query_one(
        "SELECT sealed, role_arn, session_name, expires - issued FROM sessions
         WHERE access_key_id = $1",
        &[&session.id],
    )?;
    let sealed: Vec<u8> = row.get(0);
    let text = String::from_utf8_lossy(&sealed);
    assert!(!text.contains(&session.secret));
    assert!(!text.contains(session.token.as_deref().unwrap_or("-")));
    assert!(
        !text.contains("prod/app/one"),
        "the session policy is sealed"
    );
    assert_eq!(
        row.get::<_, String>(1),
        "arn:aws:iam::111122223333:role/app"
    );
    assert_eq!(row.get::<_, String>(2), "replicas");
    assert_eq!(row.get::<_, i64>(3), 3600);
    // A session that expired (its row says so) is refused through the replica that did not
    // issue it, with AWS's error, and pruned by the next issue.
    let short = session_creds(
        &r[0]
            .aws(
                &admin(),
                &[
                    "sts",
                    "assume-role",
                    "--role-arn",
                    "arn:aws:iam::111122223333:role/app",
                    "--role-session-name",
                    "short",
                ],
            )?
            .json()?,
    )?;
    client.execute(
        "UPDATE sessions SET expires = extract(epoch FROM now())::bigint - 1
         WHERE access_key_id = $1",
        &[&short.id],
    )?;
    let (status, answer) = call(
        &r[1],
        &short,
        "GetSecretValue",
        &json!({"SecretId": "prod/app/one"}),
    )?;
    assert_eq!(
        (status, answer["__type"].as_str()),
        (400, Some("ExpiredTokenException")),
        "{answer}"
    );
    r[1].aws(
        &admin(),
        &[
            "sts",
            "assume-role",
            "--role-arn",
            "arn:aws:iam::111122223333:role/app",
            "--role-session-name",
            "next",
        ],
    )?
    .check()?;
    let left: i64 = client
        .query_one(
            "SELECT count(*) FROM sessions WHERE access_key_id = $1",
            &[&short.id],
        )?
        .get(0);
    assert_eq!(left, 0, "the expired session was not pruned");
    Ok(())
}

/// The schema is created by the first replica and left alone by the next, an older one is
/// migrated, and a database with a newer schema is refused at start.
#[test]
fn schema_is_created_once_and_a_newer_one_is_refused() -> Result {
    let Some(db) = database()? else { return Ok(()) };
    let r = replicas(&db, 2)?;
    drop(r);
    let mut client = db.client()?;
    let version: i32 = client
        .query_one("SELECT version FROM iam_policy_schema", &[])?
        .get(0);
    assert_eq!(version, 3);
    // A version-1 database (before shared sessions) is migrated by the next start.
    client.batch_execute("DROP TABLE sessions; UPDATE iam_policy_schema SET version = 1")?;
    drop(replicas(&db, 1)?);
    let version: i32 = client
        .query_one("SELECT version FROM iam_policy_schema", &[])?
        .get(0);
    assert_eq!(version, 3);
    client.query(
        "SELECT access_key_id, role_arn, session_name, issued, expires, sealed FROM sessions",
        &[],
    )?;
    client.execute("UPDATE iam_policy_schema SET version = 99", &[])?;
    let data = tempfile::tempdir()?;
    let config = data.path().join("config.toml");
    std::fs::copy(support::example_config(), &config)?;
    let refused = Server::start_with(data, config, &["--database", &db.url()]);
    assert!(refused.is_err(), "a server started on a newer schema");
    Ok(())
}
