//! Random decision scenarios from a small vocabulary: policy sets of every kind (identity,
//! resource or trust, boundary, session, SCP and RCP levels) and a request, rendered as one
//! line of the decision-case format (`fixtures/cases/*.jsonl`).
//!
//! The vocabulary is small on purpose, so that random choices collide: actions, resources,
//! principals and condition keys written in policies are the ones requests use. Generation
//! draws from any [`Source`] of choices: proptest feeds a byte vector ([`Bytes`]), the
//! `evaluate` fuzz target feeds libFuzzer's input through `arbitrary::Unstructured`. The
//! generator only writes valid policies, except that it sometimes leaves out `Version`.

#![allow(
    dead_code,
    reason = "the fuzz target brings its own `Source`; `Bytes` serves the property tests"
)]

use serde_json::{Map, Value, json};

/// Where choices come from.
pub trait Source {
    /// A number in `0..n` (`n >= 1`).
    fn pick(&mut self, n: usize) -> usize;
}

/// Choices read from bytes, one byte per choice; `0` once the bytes run out.
#[derive(Debug)]
pub struct Bytes<'a> {
    data: &'a [u8],
}

impl<'a> Bytes<'a> {
    /// A source over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }
}

impl Source for Bytes<'_> {
    fn pick(&mut self, n: usize) -> usize {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                usize::from(*b) % n.max(1)
            }
            None => 0,
        }
    }
}

/// Bytes from a fixed linear congruential sequence: deterministic choices for [`Bytes`] in
/// plain tests (no randomness, the same cases on every run).
pub fn lcg_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (x >> 56) as u8
        })
        .collect()
}

const A: &str = "111122223333";
const B: &str = "444455556666";

/// Callers.
const PRINCIPALS: &[&str] = &[
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::444455556666:user/bob",
    "arn:aws:sts::111122223333:assumed-role/app/s1",
    "arn:aws:iam::111122223333:root",
    "arn:aws:sts::111122223333:federated-user/fiona",
    "lambda.amazonaws.com",
    "anonymous",
    "arn:aws:sts::444455556666:assumed-role/app/s1",
    "arn:aws:iam::444455556666:root",
    "arn:aws:iam::111122223333:user/bob",
];

/// Requested (action, resource).
const TARGETS: &[(&str, &str)] = &[
    ("s3:GetObject", "arn:aws:s3:::bucket/alice/f.txt"),
    ("s3:getobject", "arn:aws:s3:::bucket/alice/f.txt"),
    ("s3:PutObject", "arn:aws:s3:::bucket/x"),
    (
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf",
    ),
    (
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:444455556666:secret:db-AbCdEf",
    ),
    ("sts:AssumeRole", "arn:aws:iam::111122223333:role/app"),
    ("kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k1"),
    ("iam:ListUsers", "*"),
    // What AWS decides beyond the policy text (`aws_rules`).
    ("sts:TagSession", "arn:aws:iam::111122223333:role/app"),
    ("sts:GetCallerIdentity", "*"),
    ("iam:GetPolicy", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
    ("iam:DeletePolicy", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
    (
        "iam:DeleteRole",
        "arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX",
    ),
    (
        "kms:DeleteAlias",
        "arn:aws:kms:us-east-1:111122223333:alias/aws/s3",
    ),
];

const ACTIONS: &[&str] = &[
    "*",
    "s3:*",
    "s3:GetObject",
    "s3:Get*",
    "S3:GETOBJECT",
    "secretsmanager:*",
    "secretsmanager:Get?ecretValue",
    "sts:AssumeRole",
    "kms:*",
    "iam:List*",
    "ec2:*",
    "iam:*",
    "sts:TagSession",
];

const RESOURCES: &[&str] = &[
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::bucket/${aws:username}/*",
    "arn:aws:s3:::*",
    "arn:aws:secretsmanager:*:111122223333:secret:*",
    "arn:aws:secretsmanager:us-east-1:*:secret:db-*",
    "arn:aws:secretsmanager:*",
    "arn:aws:iam::111122223333:role/app",
    "arn:aws:kms:*",
    "arn:aws:kms:us-east-1:111122223333:key/*",
    "arn:aws:s3:::bucket/${aws:PrincipalTag/team}/*",
    "arn:aws:iam::*:policy/*",
    "arn:aws:iam::111122223333:role/*",
];

/// `Principal` values of resource and trust policies (not `"*"`, which is handled apart).
fn principal_value(i: usize) -> Value {
    match i {
        0 => json!({"AWS": "*"}),
        1 => json!({"AWS": A}),
        2 => json!({"AWS": format!("arn:aws:iam::{A}:root")}),
        3 => json!({"AWS": format!("arn:aws:iam::{A}:user/alice")}),
        4 => json!({"AWS": format!("arn:aws:iam::{A}:role/app")}),
        5 => json!({"AWS": format!("arn:aws:sts::{A}:assumed-role/app/s1")}),
        6 => json!({"AWS": B}),
        7 => json!({"AWS": format!("arn:aws:iam::{B}:user/bob")}),
        8 => json!({"Service": "lambda.amazonaws.com"}),
        9 => json!({"AWS": format!("arn:aws:sts::{A}:federated-user/fiona")}),
        _ => json!({"AWS": [format!("arn:aws:iam::{A}:user/alice"), B]}),
    }
}
const PRINCIPAL_VALUES: usize = 11;

/// Condition entries: (operator, key, value).
fn condition(i: usize) -> (&'static str, &'static str, Value) {
    match i {
        0 => ("StringEquals", "aws:username", json!("alice")),
        1 => ("StringEquals", "aws:PrincipalAccount", json!(A)),
        2 => ("StringNotEquals", "aws:PrincipalAccount", json!(A)),
        3 => ("StringLike", "aws:PrincipalTag/team", json!("dev*")),
        4 => (
            "StringEqualsIfExists",
            "aws:PrincipalTag/team",
            json!("dev1"),
        ),
        5 => (
            "StringEquals",
            "aws:PrincipalTag/team",
            json!("${aws:username}"),
        ),
        6 => ("Bool", "aws:SecureTransport", json!("true")),
        7 => ("Bool", "aws:SecureTransport", json!(false)),
        8 => ("BoolIfExists", "aws:MultiFactorAuthPresent", json!("true")),
        9 => ("NumericLessThan", "s3:max-keys", json!("10")),
        10 => ("NumericGreaterThanEquals", "s3:max-keys", json!(10)),
        11 => ("IpAddress", "aws:SourceIp", json!("10.0.0.0/8")),
        12 => (
            "NotIpAddress",
            "aws:SourceIp",
            json!(["10.0.0.0/8", "2001:db8::/32"]),
        ),
        13 => ("Null", "aws:SourceVpc", json!("true")),
        14 => ("Null", "aws:SourceVpc", json!("false")),
        15 => ("ForAnyValue:StringEquals", "aws:TagKeys", json!(["a", "b"])),
        16 => (
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            json!(["a", "b"]),
        ),
        17 => ("ForAllValues:StringLike", "aws:TagKeys", json!("a*")),
        18 => (
            "ArnLike",
            "aws:PrincipalArn",
            json!(format!("arn:aws:iam::{A}:*")),
        ),
        19 => (
            "ArnNotEquals",
            "aws:PrincipalArn",
            json!(format!("arn:aws:iam::{A}:user/alice")),
        ),
        20 => (
            "DateGreaterThan",
            "aws:CurrentTime",
            json!("2020-01-01T00:00:00Z"),
        ),
        21 => (
            "DateLessThan",
            "aws:CurrentTime",
            json!("2020-01-01T00:00:00Z"),
        ),
        22 => ("StringEquals", "aws:ResourceAccount", json!(A)),
        23 => (
            "StringNotEqualsIfExists",
            "aws:PrincipalOrgID",
            json!("o-1"),
        ),
        24 => ("StringEquals", "aws:SourceVpc", json!(["vpc-1", "vpc-2"])),
        25 => ("StringEquals", "aws:TagKeys", json!("a")),
        26 => (
            "StringNotLike",
            "aws:PrincipalTag/team",
            json!(["ops", "d?v*"]),
        ),
        27 => ("ForAnyValue:StringNotEquals", "aws:TagKeys", json!("a")),
        28 => ("NumericEquals", "s3:max-keys", json!(["5", "50"])),
        29 => ("Bool", "aws:PrincipalIsAWSService", json!("true")),
        30 => (
            "StringEquals",
            "aws:PrincipalType",
            json!(["User", "Account"]),
        ),
        31 => (
            "StringLike",
            "aws:PrincipalArn",
            json!("arn:aws:iam::*:role/app"),
        ),
        32 => (
            "StringEquals",
            "aws:PrincipalServiceName",
            json!("lambda.amazonaws.com"),
        ),
        33 => ("BoolIfExists", "aws:PrincipalIsAWSService", json!("false")),
        // Policy values that parse but no request value can be compared with (an impossible
        // date, a number out of range, a prefix longer than the address, not a Boolean): the
        // test is unknown, so the Allow never applies and the Deny does (fail closed).
        35 => (
            "DateGreaterThan",
            "aws:CurrentTime",
            json!("2023-02-29T00:00:00Z"),
        ),
        36 => (
            "NumericLessThanIfExists",
            "s3:max-keys",
            json!("1e99999999999999"),
        ),
        37 => ("NotIpAddress", "aws:SourceIp", json!("10.0.0.0/33")),
        38 => (
            "ForAnyValue:DateNotEquals",
            "aws:CurrentTime",
            json!(["2024-01-01T24:00:00Z", "2019-01-01T00:00:00Z"]),
        ),
        39 => ("Bool", "aws:SecureTransport", json!("yes")),
        _ => ("StringNotEquals", "aws:ResourceAccount", json!(B)),
    }
}
const CONDITIONS: usize = 40;

/// Request context keys and their possible values.
fn context_entry(key: usize, value: usize) -> (&'static str, Value) {
    let pick = |values: Vec<Value>| {
        values
            .get(value % values.len())
            .cloned()
            .unwrap_or(Value::Null)
    };
    match key {
        0 => (
            "aws:SecureTransport",
            pick(vec![
                json!(true),
                json!(false),
                json!("TRUE"),
                json!("maybe"),
            ]),
        ),
        1 => (
            "aws:MultiFactorAuthPresent",
            pick(vec![json!(true), json!(false)]),
        ),
        2 => (
            "aws:PrincipalTag/team",
            pick(vec![json!("dev1"), json!("ops"), json!("alice")]),
        ),
        3 => (
            "s3:max-keys",
            pick(vec![json!(5), json!("50"), json!("abc"), json!(10)]),
        ),
        4 => (
            "aws:SourceIp",
            pick(vec![
                json!("10.1.2.3"),
                json!("192.168.1.1"),
                json!("not-an-ip"),
                json!("2001:db8::1"),
            ]),
        ),
        5 => ("aws:SourceVpc", pick(vec![json!("vpc-1"), json!("")])),
        6 => (
            "aws:TagKeys",
            pick(vec![json!([]), json!(["a"]), json!(["a", "c"]), json!("a")]),
        ),
        7 => (
            "aws:CurrentTime",
            pick(vec![
                json!("2024-01-01T00:00:00Z"),
                json!("2019-01-01T00:00:00Z"),
                json!("not-a-date"),
                json!(1_700_000_000),
            ]),
        ),
        _ => ("aws:PrincipalOrgID", pick(vec![json!("o-1"), json!("o-2")])),
    }
}
const CONTEXT_KEYS: usize = 9;

/// What kind of document a statement is generated for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Identity, boundary, session, SCP: no principal.
    NoPrincipal,
    /// Resource-based: `Principal` or (Deny only) `NotPrincipal`.
    Resource,
    /// Role trust policy: `Principal`, no `Resource`.
    Trust,
    /// RCP: `"Principal": "*"`, `Version` required.
    Rcp,
}

/// Whether the case's request is an `sts:AssumeRole*` on a role (its resource policy is then a
/// role trust policy, which has no `Resource` element).
pub fn is_trust_request(case: &Value) -> bool {
    let field = |k: &str| {
        case["request"][k]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    is_trust_target(&field("resource"), &field("action"))
}

/// Whether AWS reads the resource policy as the role's trust policy (the STS actions whose
/// resource type is `role`, on a role).
fn is_trust_target(resource: &str, action: &str) -> bool {
    let action = action.to_ascii_lowercase();
    resource.contains(":role/")
        && (action.starts_with("sts:assumerole")
            || ["sts:tagsession", "sts:setsourceidentity", "sts:setcontext"]
                .contains(&action.as_str()))
}

fn one_or_list(src: &mut impl Source, vocab: &[&str]) -> Value {
    let n = 1 + src.pick(2);
    let items: Vec<Value> = (0..n)
        .map(|_| json!(vocab.get(src.pick(vocab.len())).copied().unwrap_or("*")))
        .collect();
    if n == 1 && src.pick(2) == 0 {
        items.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::Array(items)
    }
}

/// One random statement for a policy of `kind`; a `Sid`, if any, is `S<index>`.
pub fn statement(src: &mut impl Source, kind: Kind, index: usize) -> Value {
    let mut s = Map::new();
    if src.pick(4) == 0 {
        s.insert("Sid".into(), json!(format!("S{index}")));
    }
    let deny = src.pick(3) == 0;
    statement_with_effect(src, kind, index, deny, s)
}

/// One random statement with the given effect.
pub fn statement_with(src: &mut impl Source, kind: Kind, index: usize, deny: bool) -> Value {
    let mut s = Map::new();
    if src.pick(4) == 0 {
        s.insert("Sid".into(), json!(format!("S{index}")));
    }
    statement_with_effect(src, kind, index, deny, s)
}

fn statement_with_effect(
    src: &mut impl Source,
    kind: Kind,
    _index: usize,
    deny: bool,
    mut s: Map<String, Value>,
) -> Value {
    s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
    match kind {
        Kind::NoPrincipal => {}
        Kind::Rcp => {
            s.insert("Principal".into(), json!("*"));
        }
        Kind::Resource | Kind::Trust => {
            let not = kind == Kind::Resource && deny && src.pick(4) == 0;
            let value = match src.pick(PRINCIPAL_VALUES + 2) {
                0 => json!("*"),
                i => principal_value(i - 1),
            };
            s.insert(if not { "NotPrincipal" } else { "Principal" }.into(), value);
        }
    }
    let not_action = src.pick(5) == 0;
    s.insert(
        if not_action { "NotAction" } else { "Action" }.into(),
        one_or_list(src, ACTIONS),
    );
    if kind != Kind::Trust {
        let not_resource = src.pick(6) == 0;
        s.insert(
            if not_resource {
                "NotResource"
            } else {
                "Resource"
            }
            .into(),
            one_or_list(src, RESOURCES),
        );
    }
    let conditions = src.pick(4).saturating_sub(1);
    if conditions > 0 {
        let mut block: Map<String, Value> = Map::new();
        for _ in 0..conditions {
            let (op, key, value) = condition(src.pick(CONDITIONS));
            let entry = block.entry(op).or_insert_with(|| json!({}));
            if let Value::Object(keys) = entry {
                keys.entry(key).or_insert(value);
            }
        }
        s.insert("Condition".into(), Value::Object(block));
    }
    Value::Object(s)
}

fn policy(src: &mut impl Source, kind: Kind) -> Value {
    let mut p = Map::new();
    if kind == Kind::Rcp || src.pick(8) != 0 {
        p.insert("Version".into(), json!("2012-10-17"));
    }
    let n = 1 + src.pick(3);
    let statements: Vec<Value> = (0..n).map(|i| statement(src, kind, i)).collect();
    let value = if n == 1 && src.pick(3) == 0 {
        statements.into_iter().next().unwrap_or(Value::Null)
    } else {
        Value::Array(statements)
    };
    p.insert("Statement".into(), value);
    Value::Object(p)
}

/// SCPs or RCPs: none, one flat level, or two levels root first.
fn levels(src: &mut impl Source, kind: Kind) -> Value {
    match src.pick(4) {
        0 | 1 => json!([]),
        2 => Value::Array((0..1 + src.pick(2)).map(|_| policy(src, kind)).collect()),
        _ => Value::Array(
            (0..2)
                .map(|_| Value::Array((0..1 + src.pick(2)).map(|_| policy(src, kind)).collect()))
                .collect(),
        ),
    }
}

/// One random case line. `expect` is a placeholder (`ImplicitDeny`): the differential check
/// compares the engine with the reference, not with it.
pub fn case_line(src: &mut impl Source) -> String {
    let principal = PRINCIPALS
        .get(src.pick(PRINCIPALS.len()))
        .copied()
        .unwrap_or("anonymous");
    let (action, resource) = TARGETS
        .get(src.pick(TARGETS.len()))
        .copied()
        .unwrap_or(("s3:GetObject", "*"));
    let trust = is_trust_target(resource, action);

    let mut request = Map::new();
    request.insert("principal".into(), json!(principal));
    request.insert("action".into(), json!(action));
    request.insert("resource".into(), json!(resource));
    if resource.starts_with("arn:aws:s3:::") {
        // S3 ARNs have no account: say whose bucket it is, or leave it to the default.
        match src.pick(3) {
            0 => {
                request.insert("resource_account".into(), json!(A));
            }
            1 => {
                request.insert("resource_account".into(), json!(B));
            }
            _ => {}
        }
    }
    let mut context = Map::new();
    for _ in 0..src.pick(4) {
        let (key, value) = context_entry(src.pick(CONTEXT_KEYS), src.pick(4));
        context.insert(key.into(), value);
    }
    if !context.is_empty() {
        request.insert("context".into(), Value::Object(context));
    }

    let mut policies = Map::new();
    let identity: Vec<Value> = (0..src.pick(3))
        .map(|_| policy(src, Kind::NoPrincipal))
        .collect();
    policies.insert("identity".into(), Value::Array(identity));
    if src.pick(2) == 0 {
        let kind = if trust { Kind::Trust } else { Kind::Resource };
        policies.insert("resource".into(), policy(src, kind));
    }
    if src.pick(4) == 0 {
        policies.insert(
            "permissions_boundary".into(),
            policy(src, Kind::NoPrincipal),
        );
    }
    if src.pick(4) == 0 {
        policies.insert("session".into(), policy(src, Kind::NoPrincipal));
    }
    policies.insert("scps".into(), levels(src, Kind::NoPrincipal));
    policies.insert("rcps".into(), levels(src, Kind::Rcp));

    json!({
        "name": "generated",
        "policies": policies,
        "request": request,
        "expect": "ImplicitDeny",
    })
    .to_string()
}
