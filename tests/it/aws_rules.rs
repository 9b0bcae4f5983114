//! What AWS decides beyond the policy text (`iam_policy::aws_rules`), through the public API:
//! the request's classification, the evaluation's rule and gate, `explain`, prepared requests
//! and the store. The fixture cases (`fixtures/cases/{trust-session-actions,aws-owned,
//! aws-reserved,no-permission,partitions}.jsonl`) pin the decisions; these tests pin how they are reported.

use iam_policy::{
    AwsRule, Decision, Gate, PolicyKind, PolicySet, PolicyStore, PolicyType, PreparedRequest,
    Request, RequestError, ResourceKind, parse_policy,
};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/app/s1";
const MANAGED: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const SLR: &str =
    "arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX";
const ADMIN: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
const DENY_ALL: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "DenyAll", "Effect": "Deny", "Action": "*", "Resource": "*"}]}"#;

fn request(principal: &str, action: &str, resource: &str) -> Request {
    Request::builder()
        .principal(principal)
        .action(action)
        .resource(resource)
        .build()
        .unwrap()
}

fn identity_set(docs: &[&str]) -> iam_policy::CompiledPolicySet {
    let mut set = PolicySet::new();
    for doc in docs {
        set.add(
            PolicyKind::Identity,
            parse_policy(doc, PolicyType::Identity).unwrap(),
        );
    }
    set.compile()
}

#[test]
fn requests_are_classified_when_built() {
    let r = request(ALICE, "iam:GetPolicy", MANAGED);
    assert_eq!(r.resource_kind(), ResourceKind::AwsOwned);
    assert_eq!(r.resource_account(), None);
    assert!(!r.context().contains("aws:resourceaccount"));
    assert_eq!(r.aws_rule(), None);
    assert_eq!(
        request(ALICE, "IAM:CreatePolicyVersion", MANAGED).aws_rule(),
        Some(AwsRule::AwsManagedResource)
    );
    for action in [
        "sts:TagSession",
        "sts:SetSourceIdentity",
        "sts:SetContext",
        "sts:AssumeRole",
    ] {
        let r = request(ALICE, action, "arn:aws:iam::111122223333:role/deploy");
        assert_eq!(r.resource_kind(), ResourceKind::RoleTrust, "{action}");
    }
    let r = request(ALICE, "sts:AssumeRoot", "arn:aws:iam::111122223333:root");
    assert_eq!(r.resource_kind(), ResourceKind::Arn);
    assert_eq!(
        request(SESSION, "sts:GetCallerIdentity", "*").aws_rule(),
        Some(AwsRule::NoPermissionRequired)
    );
    assert_eq!(
        request(ALICE, "iam:DeleteRole", SLR).aws_rule(),
        Some(AwsRule::ReservedRole)
    );
    assert_eq!(
        request(
            ALICE,
            "kms:UpdateAlias",
            "arn:aws:kms:us-east-1:111122223333:alias/aws/ebs"
        )
        .aws_rule(),
        Some(AwsRule::ReservedAlias)
    );
    // The account field `aws` is for resources only; a resource account given for one is
    // refused, and a principal account must still be twelve digits.
    let given = Request::builder()
        .principal(ALICE)
        .action("iam:GetPolicy")
        .resource(MANAGED)
        .resource_account("111122223333")
        .build();
    assert!(
        matches!(given, Err(RequestError::ResourceAccountMismatch { .. })),
        "{given:?}"
    );
    let bad_principal = Request::builder()
        .principal("arn:aws:iam::aws:user/alice")
        .action("iam:GetPolicy")
        .resource(MANAGED)
        .build();
    assert!(bad_principal.is_err());
}

#[test]
fn a_refusal_is_an_implicit_deny_at_the_aws_gate() {
    let set = identity_set(&[ADMIN]);
    let r = request(ALICE, "iam:DeletePolicy", MANAGED);
    let e = set.evaluate(&r);
    assert_eq!(e.decision(), Decision::ImplicitDeny);
    assert_eq!(e.gate(), Some(Gate::Aws(AwsRule::AwsManagedResource)));
    assert_eq!(e.rule(), Some(AwsRule::AwsManagedResource));
    assert_eq!(e.reasons().len(), 0);
    assert_eq!(
        e.gate().unwrap().to_string(),
        "AWS-managed resource: cannot be modified"
    );
    let x = set.explain(&r);
    assert_eq!(x.evaluation(), &e);
    assert!(
        x.to_string()
            .starts_with("ImplicitDeny: AWS-managed resource: cannot be modified")
    );
    // The Allow statement still shows as applying in the trace.
    assert!(x.statements()[0].applies);
    // With a Deny statement too, the decision is the explicit deny and no rule is named.
    let set = identity_set(&[ADMIN, DENY_ALL]);
    let e = set.evaluate(&r);
    assert_eq!(e.decision(), Decision::ExplicitDeny);
    assert_eq!(e.rule(), None);
    assert_eq!(e.reasons().len(), 1);
}

#[test]
fn no_permission_required_is_an_allow_without_reasons() {
    let set = identity_set(&[DENY_ALL]);
    let r = request(ALICE, "sts:GetCallerIdentity", "*");
    let e = set.evaluate(&r);
    assert_eq!(e.decision(), Decision::Allow);
    assert_eq!(e.rule(), Some(AwsRule::NoPermissionRequired));
    assert_eq!(e.gate(), None);
    assert_eq!(e.reasons().len(), 0);
    let x = set.explain(&r);
    assert_eq!(
        x.to_string().lines().next(),
        Some("Allow: no permission required")
    );
    assert_eq!(AwsRule::NoPermissionRequired.name(), "NoPermissionRequired");
    assert!(
        AwsRule::NoPermissionRequired
            .source()
            .starts_with("https://docs.aws.amazon.com/STS/")
    );
    // An ordinary decision names no rule.
    let e = identity_set(&[ADMIN]).evaluate(&request(ALICE, "iam:GetPolicy", MANAGED));
    assert_eq!((e.decision(), e.rule()), (Decision::Allow, None));
}

#[test]
fn prepared_requests_and_the_store_apply_the_same_rules() {
    let store = PolicyStore::new();
    store
        .set_principal_policies("arn:aws:iam::111122223333:role/app", &[ADMIN], None)
        .unwrap();
    let cases = [
        ("iam:GetPolicy", MANAGED, Decision::Allow, None),
        (
            "iam:CreatePolicyVersion",
            MANAGED,
            Decision::ImplicitDeny,
            Some(AwsRule::AwsManagedResource),
        ),
        (
            "iam:PutRolePolicy",
            SLR,
            Decision::ImplicitDeny,
            Some(AwsRule::ReservedRole),
        ),
        (
            "sts:GetSessionToken",
            "*",
            Decision::ImplicitDeny,
            Some(AwsRule::LongTermCredentialsRequired),
        ),
        (
            "sts:GetCallerIdentity",
            "*",
            Decision::Allow,
            Some(AwsRule::NoPermissionRequired),
        ),
        // Another partition: for a service no other rule reads (the builder's shortcut must
        // not skip it), and before a rule that would allow.
        (
            "s3:GetObject",
            "arn:aws-cn:s3:::bucket/key",
            Decision::ImplicitDeny,
            Some(AwsRule::CrossPartition),
        ),
        (
            "secretsmanager:GetSecretValue",
            "arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:db-AbCdEf",
            Decision::ImplicitDeny,
            Some(AwsRule::CrossPartition),
        ),
        (
            "sts:GetCallerIdentity",
            "arn:aws-cn:iam::111122223333:role/app",
            Decision::ImplicitDeny,
            Some(AwsRule::CrossPartition),
        ),
    ];
    let set = identity_set(&[ADMIN]);
    for (action, resource, decision, rule) in cases {
        let r = request(SESSION, action, resource);
        let prepared = PreparedRequest::new(r.clone());
        for e in [
            set.evaluate(&r),
            set.evaluate_prepared(&prepared),
            store.evaluate(&r),
            store.evaluate_prepared(&prepared),
        ] {
            assert_eq!(
                (e.decision(), e.rule()),
                (decision, rule),
                "{action} {resource}"
            );
        }
    }
}

#[test]
fn session_actions_read_the_trust_policy_in_the_store() {
    let store = PolicyStore::new();
    let role = "arn:aws:iam::111122223333:role/deploy";
    store
        .set_trust_policy(
            role,
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]}"#,
        )
        .unwrap();
    assert_eq!(
        store
            .evaluate(&request(ALICE, "sts:TagSession", role))
            .decision(),
        Decision::Allow
    );
    assert_eq!(
        store
            .evaluate(&request(ALICE, "sts:SetSourceIdentity", role))
            .decision(),
        Decision::ImplicitDeny
    );
}
