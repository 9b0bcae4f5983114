//! `iam_policy::iac`: policies of CloudFormation templates and Terraform plans.

use iam_policy::PolicyType;
use iam_policy::iac::{Options, SourceKind, detect, extract, lint_source};
use proptest::prelude::*;

const APP: &str = include_str!("../../fixtures/iac/cloudformation/app.yaml");
const KEY: &str = include_str!("../../fixtures/iac/cloudformation/key.json");
const PLAN: &str = include_str!("../../fixtures/iac/terraform/plan.json");

fn policy_text(source: &str, locator: &str, options: &Options) -> String {
    let x = extract(source, SourceKind::CloudFormation, options);
    x.policies
        .into_iter()
        .find(|p| p.locator == locator)
        .unwrap_or_else(|| panic!("no {locator}"))
        .text
}

#[test]
fn detects_templates_plans_and_policies() {
    assert_eq!(detect("app.yaml", APP), Some(SourceKind::CloudFormation));
    assert_eq!(detect("key.json", KEY), Some(SourceKind::CloudFormation));
    assert_eq!(detect("plan.json", PLAN), Some(SourceKind::TerraformPlan));
    assert_eq!(
        detect(
            "p.json",
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#
        ),
        None
    );
    assert_eq!(detect("compose.yaml", "services:\n  web: {}\n"), None);
    assert_eq!(
        detect("t.template", "Resources: {}\n"),
        Some(SourceKind::CloudFormation)
    );
}

#[test]
fn every_policy_gets_the_type_of_its_resource() {
    let x = extract(APP, SourceKind::CloudFormation, &Options::default());
    assert!(x.errors.is_empty(), "{:?}", x.errors);
    let got: Vec<(&str, &str, PolicyType)> = x
        .policies
        .iter()
        .map(|p| (p.locator.as_str(), p.resource_type.as_str(), p.policy_type))
        .collect();
    assert_eq!(
        got,
        [
            (
                "AppRole.AssumeRolePolicyDocument",
                "AWS::IAM::Role",
                PolicyType::Trust
            ),
            (
                "AppRole.Policies[0].PolicyDocument",
                "AWS::IAM::Role",
                PolicyType::Identity
            ),
            (
                "AppRole.Policies[1].PolicyDocument",
                "AWS::IAM::Role",
                PolicyType::Identity
            ),
            (
                "BucketPolicy.PolicyDocument",
                "AWS::S3::BucketPolicy",
                PolicyType::Resource
            ),
            (
                "SecretPolicy.ResourcePolicy",
                "AWS::SecretsManager::ResourcePolicy",
                PolicyType::Resource
            ),
        ]
    );
    let types: Vec<PolicyType> = extract(KEY, SourceKind::CloudFormation, &Options::default())
        .policies
        .iter()
        .map(|p| p.policy_type)
        .collect();
    assert_eq!(
        types,
        [
            PolicyType::Resource,
            PolicyType::Trust,
            PolicyType::Resource
        ]
    );
}

#[test]
fn intrinsics_resolve_with_defaults_and_options() {
    let o = Options::default();
    let text = policy_text(APP, "AppRole.Policies[0].PolicyDocument", &o);
    for want in [
        r#""Resource":"arn:aws:s3:::app-prod-data/*""#,
        r#""Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db-AbCdEf""#,
        r#""Resource":"arn:aws:s3:::logs-use1/*""#,
        r#""Resource":"arn:aws:s3:::partner-exports/*""#,
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    let trust = policy_text(APP, "AppRole.AssumeRolePolicyDocument", &o);
    assert!(
        trust.contains(r#""AWS":"arn:aws:iam::444455556666:root""#),
        "{trust}"
    );
    let secret = policy_text(APP, "SecretPolicy.ResourcePolicy", &o);
    assert!(
        secret.contains(r#""AWS":"arn:aws:iam::123456789012:role/AppRole""#),
        "{secret}"
    );
    // Env=dev: the !If IsProd statement is dropped (AWS::NoValue), names follow the parameter.
    let mut dev = Options::default();
    dev.parameters.insert("Env".to_owned(), "dev".to_owned());
    let text = policy_text(APP, "AppRole.Policies[0].PolicyDocument", &dev);
    assert!(!text.contains("logs-use1"), "{text}");
    assert!(text.contains("arn:aws:s3:::app-dev-data/*"), "{text}");
    // Pseudo parameters come from the options.
    let cn = Options {
        account_id: "999988887777".to_owned(),
        region: "cn-north-1".to_owned(),
        partition: "aws-cn".to_owned(),
        ..Options::default()
    };
    let key = policy_text(KEY, "Key.KeyPolicy", &cn);
    assert!(
        key.contains(r#""AWS":"arn:aws-cn:iam::999988887777:root""#),
        "{key}"
    );
    assert!(key.contains(r#""s3.cn-north-1.amazonaws.com""#), "{key}");
}

#[test]
fn json_template_findings_point_inside_the_template() {
    let report = lint_source(KEY, SourceKind::CloudFormation, &Options::default());
    let f = &report.policies[0].findings[0];
    assert_eq!(f.code, "INVALID_CONDITION_OPERATOR");
    assert_eq!(f.span.slice(KEY), Some("\"StringEqualz\""));
    let public = &report.policies[2].findings[0];
    assert_eq!(public.code, "PUBLIC_ACCESS");
    assert_eq!(
        public.span.slice(KEY),
        Some("\\\"*\\\""),
        "the escaped string in the JSON string"
    );
}

#[test]
fn plan_policies_are_named_by_address_and_located_in_the_plan() {
    let x = extract(PLAN, SourceKind::TerraformPlan, &Options::default());
    let locators: Vec<&str> = x.policies.iter().map(|p| p.locator.as_str()).collect();
    assert_eq!(
        locators,
        [
            "aws_iam_policy.deploy.policy",
            "aws_s3_bucket_policy.public.policy",
            "module.app.aws_iam_role.this.assume_role_policy",
            "module.app.aws_iam_role.this.inline_policy[0].policy",
            r#"module.app.aws_sqs_queue_policy.q["orders"].policy"#,
        ]
    );
    assert_eq!(
        x.notes.len(),
        1,
        "the KMS key policy is known only after apply"
    );
    assert!(x.notes[0].message().contains("aws_kms_key.main.policy"));
    let report = lint_source(PLAN, SourceKind::TerraformPlan, &Options::default());
    let f = &report.policies[3].findings[0];
    assert_eq!(f.code, "INVALID_CONDITION_OPERATOR");
    assert_eq!(f.span.slice(PLAN), Some("\\\"StringEqualz\\\""));
}

#[test]
fn bad_templates_give_located_errors() {
    let o = Options::default();
    let cases: &[(&str, &str, &str)] = &[
        ("Resources: [1, 2\n", "TEMPLATE_SYNTAX_ERROR", ""),
        (
            "Resources:\n  A: &a {Type: X}\n  B: *a\n",
            "UNSUPPORTED_YAML",
            "*a",
        ),
        ("Description: no resources\n", "INVALID_TEMPLATE", ""),
        (
            "Resources:\n  R:\n    Properties: {}\n",
            "INVALID_TEMPLATE",
            "R",
        ),
        (
            "Resources:\n  P:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Effect: !Foo x\n",
            "UNKNOWN_TAG",
            "!Foo",
        ),
        (
            "Resources:\n  P:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Resource: !Ref Nope\n",
            "INVALID_INTRINSIC",
            "!Ref Nope",
        ),
        (
            "Resources:\n  P:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument:\n        Statement:\n          - Resource: !Select [5, [a]]\n",
            "INVALID_INTRINSIC",
            "!Select [5, [a]]",
        ),
    ];
    for (text, code, at) in cases {
        let r = lint_source(text, SourceKind::CloudFormation, &o);
        let e = r
            .errors
            .iter()
            .find(|e| e.code == *code)
            .unwrap_or_else(|| panic!("{code} in {text}: {:?}", r.errors));
        if !at.is_empty() {
            assert_eq!(e.span.slice(text), Some(*at), "{text}");
        }
        assert!(e.start.line >= 1);
    }
    // Deep nesting and a huge input are bounded.
    let deep = format!("Resources: {}{}\n", "[".repeat(5000), "]".repeat(5000));
    assert_eq!(
        lint_source(&deep, SourceKind::CloudFormation, &o).errors[0].code,
        "TEMPLATE_SYNTAX_ERROR"
    );
    let small = Options {
        limits: iam_policy::iac::Limits {
            max_size: 100,
            ..Default::default()
        },
        ..Options::default()
    };
    assert_eq!(
        lint_source(APP, SourceKind::CloudFormation, &small).errors[0].code,
        "TEMPLATE_SYNTAX_ERROR"
    );
}

#[test]
fn a_policy_string_of_invalid_json_is_located() {
    let text = "Resources:\n  P:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyDocument: '{\"Statement\": [}'\n";
    let r = lint_source(text, SourceKind::CloudFormation, &Options::default());
    let f = &r.policies[0].findings[0];
    assert_eq!(f.code, "JSON_SYNTAX_ERROR");
    assert_eq!(f.span.slice(text), Some("}"));
    assert_eq!((f.start.line, f.start.column), (5, 39));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any text, read as a template or plan, gives findings or errors and never panics; every
    /// location lies inside the text.
    #[test]
    fn never_panics(text in "(Resources:|  |!Ref |!Sub |!If |\\[|\\]|\\{|\\}|- |: |\n|Type: AWS::IAM::Policy|PolicyDocument|Statement|\"|'|a|\\$\\{x\\}|&a |\\*a|#)*") {
        for kind in [SourceKind::CloudFormation, SourceKind::TerraformPlan] {
            let r = lint_source(&text, kind, &Options::default());
            let len = u32::try_from(text.len()).unwrap();
            for f in r.errors.iter().chain(r.policies.iter().flat_map(|p| &p.findings)) {
                prop_assert!(f.span.start <= f.span.end && f.span.end <= len, "{f:?}");
            }
        }
    }
}

#[test]
fn detection_reads_top_level_keys_only() {
    // A JSON template whose first resource is a policy, without AWSTemplateFormatVersion.
    let t = r#"{"Resources": {"P": {"Type": "AWS::IAM::Policy", "Properties": {"PolicyDocument": {"Statement": []}}}}}"#;
    assert_eq!(detect("t.json", t), Some(SourceKind::CloudFormation));
    // A policy whose strings mention the keys is a policy.
    let p = r#"{"Statement": [{"Sid": "Resources", "Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/Resources": "x"}}}]}"#;
    assert_eq!(detect("p.json", p), None);
    assert_eq!(detect("p.json", r#"{"a": {"Resources": 1}}"#), None);
    assert_eq!(
        detect("p.json", "Resources: {}\n"),
        None,
        "a .json name is not read as YAML"
    );
    assert_eq!(
        detect("t.yml", "\"Resources\":\n  A: {}\n"),
        Some(SourceKind::CloudFormation)
    );
}

#[test]
fn lambda_permissions_are_one_statement_resource_policies() {
    let t = include_str!("../../fixtures/iac/cloudformation/lambda.yaml");
    let x = extract(t, SourceKind::CloudFormation, &Options::default());
    let texts: Vec<(&str, &str)> = x
        .policies
        .iter()
        .map(|p| (p.locator.as_str(), p.text.as_str()))
        .collect();
    assert_eq!(
        texts,
        [
            (
                "FromS3.Permission",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:thumbnails","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::uploads"},"StringEquals":{"AWS:SourceAccount":"123456789012"}}}]}"#
            ),
            (
                "Anyone.Permission",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:thumbnails"}]}"#
            ),
            (
                "Partner.Permission",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"lambda:InvokeFuncton","Resource":"arn:aws:lambda:us-east-1:123456789012:function:thumbnails"}]}"#
            ),
        ]
    );
    assert!(
        x.policies
            .iter()
            .all(|p| p.policy_type == PolicyType::Resource)
    );
}
