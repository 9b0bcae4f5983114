//! Every condition key the server sets for an action is one the service authorization
//! reference (the bundled catalog) lists for that action, or one of the global keys the server
//! documents; and each action carries the keys it should.

mod common;

use std::collections::BTreeSet;

use iam_policy::unstable::catalog::Catalog;
use iam_policy_server::app::App;
use serde_json::{Map, Value, json};

use common::Result;

/// The global keys the server sets on every call (README, "Secret server").
const GLOBAL: &[&str] = &[
    "aws:SourceIp",
    "aws:SecureTransport",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:RequestedRegion",
    "aws:PrincipalTag/team",
    "aws:userid",
    "aws:username",
    "aws:PrincipalArn",
];

/// The example server, keeping the names of each decision's condition keys.
fn app() -> Result<App> {
    let mut app = common::app()?;
    app.record_context_keys = true;
    Ok(app)
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

#[test]
fn every_key_set_is_listed_for_its_action() -> Result {
    let app = app()?;
    let identity = common::identity(&app, common::ADMIN)?;
    let mut call = common::call(&app, &identity, [127, 0, 0, 1], true);
    let id = "arn-of-s";
    let steps: Vec<(&str, Value)> = vec![
        (
            "CreateSecret",
            json!({"Name": "s", "Description": "d", "KmsKeyId": "alias/k",
            "SecretString": "v", "Tags": [{"Key": "team", "Value": "payments"}]}),
        ),
        (
            "GetSecretValue",
            json!({"SecretId": "s", "VersionStage": "AWSCURRENT"}),
        ),
        (
            "PutSecretValue",
            json!({"SecretId": "s", "SecretString": "v2", "VersionStages": ["AWSPENDING"]}),
        ),
        (
            "UpdateSecret",
            json!({"SecretId": "s", "Description": "d2", "KmsKeyId": "alias/k2"}),
        ),
        ("DescribeSecret", json!({"SecretId": "s"})),
        ("ListSecrets", json!({})),
        ("ListSecretVersionIds", json!({"SecretId": "s"})),
        (
            "UpdateSecretVersionStage",
            json!({"SecretId": "s", "VersionStage": "custom"}),
        ),
        (
            "TagResource",
            json!({"SecretId": "s", "Tags": [{"Key": "env", "Value": "prod"}]}),
        ),
        (
            "UntagResource",
            json!({"SecretId": "s", "TagKeys": ["env"]}),
        ),
        (
            "PutResourcePolicy",
            json!({"SecretId": "s", "BlockPublicPolicy": true,
            "ResourcePolicy": "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}}"}),
        ),
        ("GetResourcePolicy", json!({"SecretId": "s"})),
        (
            "ValidateResourcePolicy",
            json!({"SecretId": "s",
            "ResourcePolicy": "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:root\"},\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}}"}),
        ),
        ("DeleteResourcePolicy", json!({"SecretId": "s"})),
        (
            "RotateSecret",
            json!({"SecretId": "s", "RotationLambdaARN": "arn:aws:lambda:us-east-1:111122223333:function:r",
            "RotationRules": {"AutomaticallyAfterDays": 7}}),
        ),
        ("BatchGetSecretValue", json!({"SecretIdList": ["s"]})),
        ("GetRandomPassword", json!({})),
        (
            "DeleteSecret",
            json!({"SecretId": "s", "RecoveryWindowInDays": 7}),
        ),
        ("RestoreSecret", json!({"SecretId": "s"})),
        (
            "DeleteSecret",
            json!({"SecretId": "s", "ForceDeleteWithoutRecovery": true}),
        ),
    ];
    let _ = id;
    // Later steps need the version id of the first.
    let mut version = String::new();
    for (op, input) in steps {
        let mut input = obj(input);
        if op == "GetSecretValue" && !version.is_empty() {
            input.insert("VersionId".into(), json!(version));
        }
        let out = iam_policy_server::secrets::dispatch(&mut call, op, &input)
            .map_err(|e| format!("{op}: {e}"))?;
        if op == "CreateSecret" {
            version = out["VersionId"].as_str().unwrap_or_default().to_owned();
        }
    }
    let catalog = Catalog::get()?;
    let service = catalog
        .service("secretsmanager")
        .ok_or("no secretsmanager")?;
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for d in &call.decisions {
        let name = d
            .action
            .strip_prefix("secretsmanager:")
            .ok_or("not secretsmanager")?;
        let action = service
            .action(name)
            .ok_or_else(|| format!("{name} not in the catalog"))?;
        for key in &d.context_keys {
            seen.insert((name.to_owned(), key.clone()));
            if GLOBAL.contains(&key.as_str()) {
                assert!(
                    catalog.global_condition_keys().any(|k| k.matches(key)),
                    "{key} is not a global key"
                );
                continue;
            }
            assert!(
                action.supports_condition_key(service, key),
                "{name}: the server sets {key}, which the service authorization reference does not list for it"
            );
        }
    }
    // Each action carries the keys it should.
    for (action, key) in [
        ("CreateSecret", "secretsmanager:Name"),
        ("CreateSecret", "secretsmanager:Description"),
        ("CreateSecret", "secretsmanager:KmsKeyId"),
        ("CreateSecret", "aws:RequestTag/team"),
        ("CreateSecret", "aws:TagKeys"),
        ("GetSecretValue", "secretsmanager:SecretId"),
        ("GetSecretValue", "secretsmanager:VersionId"),
        ("GetSecretValue", "secretsmanager:VersionStage"),
        ("GetSecretValue", "secretsmanager:ResourceTag/team"),
        ("GetSecretValue", "aws:ResourceTag/team"),
        ("UpdateSecret", "secretsmanager:Description"),
        ("UpdateSecret", "secretsmanager:KmsKeyId"),
        ("UpdateSecretVersionStage", "secretsmanager:VersionStage"),
        ("TagResource", "aws:RequestTag/env"),
        ("TagResource", "aws:TagKeys"),
        ("UntagResource", "aws:TagKeys"),
        ("PutResourcePolicy", "secretsmanager:BlockPublicPolicy"),
        ("RotateSecret", "secretsmanager:RotationLambdaARN"),
        ("RotateSecret", "secretsmanager:ModifyRotationRules"),
        ("DeleteSecret", "secretsmanager:RecoveryWindowInDays"),
        ("DeleteSecret", "secretsmanager:ForceDeleteWithoutRecovery"),
        ("GetSecretValue", "aws:SecureTransport"),
        ("GetSecretValue", "aws:PrincipalTag/team"),
    ] {
        assert!(
            seen.contains(&(action.to_owned(), key.to_owned())),
            "{action} does not carry {key}"
        );
    }
    Ok(())
}

/// The keys of `sts:AssumeRole` and `sts:TagSession` are those the catalog lists for them.
#[test]
fn assume_role_keys_are_listed_for_sts() -> Result {
    let app = app()?;
    let identity = common::identity(&app, common::ADMIN)?;
    let mut call = common::call(&app, &identity, [127, 0, 0, 1], false);
    let params: Vec<(String, String)> = [
        ("RoleArn", "arn:aws:iam::111122223333:role/app"),
        ("RoleSessionName", "s1"),
        ("ExternalId", "x-1"),
        ("SourceIdentity", "alice"),
        ("Tags.member.1.Key", "project"),
        ("Tags.member.1.Value", "p1"),
        ("TransitiveTagKeys.member.1", "project"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    iam_policy_server::sts::dispatch(&mut call, "AssumeRole", &params)?;
    let catalog = Catalog::get()?;
    let sts = catalog.service("sts").ok_or("no sts")?;
    let mut actions = BTreeSet::new();
    for d in &call.decisions {
        let name = d.action.strip_prefix("sts:").ok_or("not sts")?;
        actions.insert(name.to_owned());
        let action = sts.action(name).ok_or("not in the catalog")?;
        for key in &d.context_keys {
            if GLOBAL.contains(&key.as_str()) {
                continue;
            }
            assert!(action.supports_condition_key(sts, key), "{name}: {key}");
        }
    }
    assert_eq!(
        actions,
        BTreeSet::from(["AssumeRole".to_owned(), "TagSession".to_owned()])
    );
    Ok(())
}
