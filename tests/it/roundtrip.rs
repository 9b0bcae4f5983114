//! Printing a parsed policy and parsing the output gives the same policy.

use std::fs;
use std::path::{Path, PathBuf};

use iam_policy::{PolicyType, parse_policy};

fn valid_fixtures() -> Vec<(PathBuf, PolicyType)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/policies/valid");
    let mut out: Vec<(PathBuf, PolicyType)> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_owned();
            let ty = PolicyType::from_name(name.split('-').next().unwrap()).unwrap();
            (p, ty)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn roundtrip_valid_fixtures_compact_and_pretty() {
    let fixtures = valid_fixtures();
    assert!(fixtures.len() >= 45);
    for (path, ty) in fixtures {
        let text = fs::read_to_string(&path).unwrap();
        let policy = parse_policy(&text, ty).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let compact = policy.to_json();
        let again = parse_policy(&compact, ty)
            .unwrap_or_else(|e| panic!("{}: reparse of {compact}: {e}", path.display()));
        assert_eq!(again, policy, "{}: compact round trip", path.display());
        assert_eq!(
            again.to_json(),
            compact,
            "{}: printing is stable",
            path.display()
        );
        let pretty = policy.to_json_pretty();
        let again = parse_policy(&pretty, ty)
            .unwrap_or_else(|e| panic!("{}: reparse of {pretty}: {e}", path.display()));
        assert_eq!(again, policy, "{}: pretty round trip", path.display());
        // The printed text is ordinary JSON, equal as a value to the input.
        let a: serde_json::Value = serde_json::from_str(&text).unwrap();
        let b: serde_json::Value = serde_json::from_str(&compact).unwrap();
        assert_eq!(
            a,
            b,
            "{}: printed JSON differs from the input",
            path.display()
        );
    }
}

#[test]
fn print_uses_canonical_order_and_keeps_forms() {
    let text = r#"{"Statement":[{"Condition":{"NumericLessThan":{"s3:max-keys":10.50}},"Resource":["*"],"Action":"s3:ListBucket","Effect":"Allow","Sid":"A"}],"Id":"x","Version":"2012-10-17"}"#;
    let policy = parse_policy(text, PolicyType::Identity).unwrap();
    assert_eq!(
        policy.to_json(),
        r#"{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:ListBucket","Resource":["*"],"Condition":{"NumericLessThan":{"s3:max-keys":10.50}}}]}"#
    );
}

#[test]
fn print_pretty_layout() {
    let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Principal":{"AWS":["111122223333"]},"Action":[],"Resource":"*","Condition":{}}}"#;
    let policy = parse_policy(text, PolicyType::Resource).unwrap();
    assert_eq!(
        policy.to_json_pretty(),
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\n    \"Effect\": \"Deny\",\n    \
         \"Principal\": {\n      \"AWS\": [\n        \"111122223333\"\n      ]\n    },\n    \
         \"Action\": [],\n    \"Resource\": \"*\",\n    \"Condition\": {}\n  }\n}"
    );
}

#[test]
fn print_escapes_strings() {
    let text = "{\"Statement\":{\"Sid\":\"\",\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"k\":\"a\\\"b\\\\c\\n\\u0001\\u00e9\"}}}}";
    let policy = parse_policy(text, PolicyType::Identity).unwrap();
    let printed = policy.to_json();
    assert!(printed.contains(r#""k":"a\"b\\c\n\u0001é""#), "{printed}");
    assert_eq!(
        parse_policy(&printed, PolicyType::Identity).unwrap(),
        policy
    );
}

mod generated {
    use super::*;
    use proptest::prelude::*;

    fn action() -> impl Strategy<Value = String> + Clone {
        prop_oneof![
            Just("*".to_owned()),
            "(s3|iam|secretsmanager|kms):[A-Z][a-zA-Z]{0,8}\\*?",
        ]
    }

    fn resource() -> impl Strategy<Value = String> + Clone {
        prop_oneof![
            Just("*".to_owned()),
            "arn:aws:(s3|secretsmanager|sqs):(us-east-1)?:(111122223333)?:[a-z/*?]{1,12}",
        ]
    }

    fn one_or_many(s: impl Strategy<Value = String> + Clone) -> impl Strategy<Value = String> {
        prop_oneof![
            s.clone().prop_map(|v| serde_json::to_string(&v).unwrap()),
            proptest::collection::vec(s, 0..4).prop_map(|v| serde_json::to_string(&v).unwrap()),
        ]
    }

    fn condition() -> impl Strategy<Value = String> {
        let string_block = (
            prop_oneof![
                Just("StringEquals"),
                Just("StringLike"),
                Just("ForAnyValue:StringNotEqualsIfExists")
            ],
            "[a-z]{1,5}:[A-Za-z/]{1,8}",
            // Printable ASCII without quotes, backslashes or `$` (a `${` may open a malformed
            // variable, which is a parse error, not a round-trip case).
            one_or_many("[ -~&&[^\"\\\\$]]{0,10}".prop_map(String::from)),
        )
            .prop_map(|(op, k, v)| format!("\"{op}\":{{\"{k}\":{v}}}"));
        let numeric_block = (
            prop_oneof![Just("NumericLessThan"), Just("NumericEquals")],
            prop_oneof![
                (-1000i64..1000).prop_map(|n| n.to_string()),
                "[0-9]{1,3}\\.[0-9]{1,3}".prop_map(|s| format!("\"{s}\"")),
            ],
        )
            .prop_map(|(op, v)| format!("\"{op}\":{{\"s3:max-keys\":{v}}}"));
        let bool_block = prop_oneof![Just("true"), Just("\"false\""), Just("\"TRUE\"")]
            .prop_map(|v| format!("\"Bool\":{{\"aws:SecureTransport\":{v}}}"));
        let ip_block = prop_oneof![
            Just("\"10.0.0.0/8\""),
            Just("[\"192.0.2.1\",\"2001:db8::/32\"]")
        ]
        .prop_map(|v| format!("\"IpAddress\":{{\"aws:SourceIp\":{v}}}"));
        proptest::collection::vec(
            prop_oneof![string_block, numeric_block, bool_block, ip_block],
            0..3,
        )
        .prop_map(|blocks| {
            // Drop blocks whose operator repeats (duplicate keys are a syntax error).
            let mut seen = Vec::new();
            let kept: Vec<String> = blocks
                .into_iter()
                .filter(|b| {
                    let op = b.split(':').next().unwrap().to_owned();
                    if seen.contains(&op) {
                        false
                    } else {
                        seen.push(op);
                        true
                    }
                })
                .collect();
            format!("{{{}}}", kept.join(","))
        })
    }

    fn statement() -> impl Strategy<Value = String> {
        (
            proptest::option::of("[A-Za-z0-9]{1,8}"),
            prop_oneof![Just("Allow"), Just("Deny")],
            any::<bool>(),
            one_or_many(action()),
            any::<bool>(),
            one_or_many(resource()),
            proptest::option::of(condition()),
        )
            .prop_map(
                |(sid, effect, not_action, actions, not_resource, resources, cond)| {
                    let mut members = Vec::new();
                    if let Some(sid) = sid {
                        members.push(format!("\"Sid\":\"{sid}\""));
                    }
                    members.push(format!("\"Effect\":\"{effect}\""));
                    let a = if not_action { "NotAction" } else { "Action" };
                    members.push(format!("\"{a}\":{actions}"));
                    let r = if not_resource {
                        "NotResource"
                    } else {
                        "Resource"
                    };
                    members.push(format!("\"{r}\":{resources}"));
                    if let Some(c) = cond {
                        members.push(format!("\"Condition\":{c}"));
                    }
                    format!("{{{}}}", members.join(","))
                },
            )
    }

    fn policy() -> impl Strategy<Value = String> {
        (
            prop_oneof![
                Just(None),
                Just(Some("2012-10-17")),
                Just(Some("2008-10-17"))
            ],
            proptest::collection::vec(statement(), 1..4),
            any::<bool>(),
        )
            .prop_map(|(version, statements, single)| {
                // Sids must be unique in identity policies: number them.
                let statements: Vec<String> = statements
                    .into_iter()
                    .enumerate()
                    .map(|(i, s)| s.replacen("\"Sid\":\"", &format!("\"Sid\":\"S{i}"), 1))
                    .collect();
                let body = if single && statements.len() == 1 {
                    statements.into_iter().next().unwrap()
                } else {
                    format!("[{}]", statements.join(","))
                };
                match version {
                    Some(v) => format!("{{\"Statement\":{body},\"Version\":\"{v}\"}}"),
                    None => format!("{{\"Statement\":{body}}}"),
                }
            })
    }

    proptest! {
        #[test]
        fn roundtrip_generated_policies(text in policy()) {
            let policy = parse_policy(&text, PolicyType::Identity)
                .map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            let printed = policy.to_json();
            let again = parse_policy(&printed, PolicyType::Identity)
                .map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
            prop_assert_eq!(&again, &policy);
            prop_assert_eq!(again.to_json(), printed);
            let pretty = policy.to_json_pretty();
            let again = parse_policy(&pretty, PolicyType::Identity)
                .map_err(|e| TestCaseError::fail(format!("{pretty}: {e}")))?;
            prop_assert_eq!(again, policy);
        }
    }
}
