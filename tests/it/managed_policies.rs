//! Lints every AWS managed policy (`fixtures/managed-policies/policies.jsonl.gz`; see the README
//! there for its source and how to refresh it). IAM stored each of them, so every `ERROR`
//! finding must be a genuine fault: each one is listed, under the reason it is genuine, in
//! `fixtures/managed-policies/expected-errors.txt`, and the test asserts the exact set.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Read as _;
use std::path::PathBuf;

use iam_policy::PolicyType;
use iam_policy::lint::{LintOptions, Severity, lint_text};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/managed-policies")
}

/// `(name, document text)` of every policy in the corpus, the document pretty-printed.
fn corpus() -> Vec<(String, String)> {
    let file = std::fs::File::open(dir().join("policies.jsonl.gz")).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .map(|line| {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let name = v["name"].as_str().unwrap().to_owned();
            let doc = serde_json::to_string_pretty(&v["document"]).unwrap();
            (name, doc)
        })
        .collect()
}

/// The listed errors (`POLICY CODE PATH`), each under a `# reason` line.
fn expected() -> BTreeSet<String> {
    let text = std::fs::read_to_string(dir().join("expected-errors.txt")).unwrap();
    let mut reason = false;
    let mut out = BTreeSet::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') {
            reason = line.len() > 2;
            continue;
        }
        if line.trim().is_empty() {
            continue;
        }
        assert!(reason, "expected-errors.txt:{}: no reason above", n + 1);
        assert!(
            out.insert(line.to_owned()),
            "expected-errors.txt:{}: listed twice",
            n + 1
        );
    }
    out
}

#[test]
fn managed_policies_have_only_genuine_errors() {
    let all = corpus();
    assert!(all.len() > 1500, "only {} managed policies", all.len());
    let mut actual = BTreeSet::new();
    let mut policies = BTreeSet::new();
    for (name, doc) in &all {
        let report = lint_text(
            doc,
            &LintOptions {
                policy_type: Some(PolicyType::Identity),
            },
        );
        assert!(report.internal_error().is_none(), "{name}: internal error");
        for f in report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
        {
            actual.insert(format!("{name} {} {}", f.code, f.path));
            policies.insert(name.clone());
        }
    }
    let expected = expected();
    let mut diff = String::new();
    for line in actual.difference(&expected) {
        writeln!(diff, "new error:      {line}").unwrap();
    }
    for line in expected.difference(&actual) {
        writeln!(diff, "no longer seen: {line}").unwrap();
    }
    assert!(
        diff.is_empty(),
        "{} policies with errors; the ERRORs differ from expected-errors.txt:\n{diff}",
        policies.len()
    );
}

/// The store compiles a document straight from its text (no `Policy` model in between):
/// for every managed policy, as an identity policy, a permissions boundary, a session policy
/// and (where it is one) a resource policy, the store's compiled set is exactly what
/// `PolicySet::compile` makes of the parsed policy, and a document that does not parse as
/// that type is refused with exactly the errors `parse_policy` reports.
#[test]
fn store_compiles_managed_policies_as_the_policy_model_does() {
    use iam_policy::{PolicyKind, PolicySet, PolicyStore, SessionPolicy, StoreError, parse_policy};
    const ROLE: &str = "arn:aws:iam::111122223333:role/app";
    const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";
    let plain = |text: &str, ty: PolicyType, kind: PolicyKind| {
        parse_policy(text, ty).map(|policy| {
            let mut set = PolicySet::new();
            set.add(kind, policy);
            format!("{:?}", set.compile())
        })
    };
    let refused = |result: Result<(), StoreError>| match result {
        Err(StoreError::InvalidPolicy { errors, .. }) => errors,
        other => panic!("expected InvalidPolicy, got {other:?}"),
    };
    let (mut compiled, mut errors) = (0, 0);
    for (name, text) in corpus() {
        let store = PolicyStore::new();
        let cases: [(PolicyType, PolicyKind); 4] = [
            (PolicyType::Identity, PolicyKind::Identity),
            (
                PolicyType::PermissionsBoundary,
                PolicyKind::PermissionsBoundary,
            ),
            (PolicyType::Session, PolicyKind::Session),
            (PolicyType::Resource, PolicyKind::Resource),
        ];
        for (ty, kind) in cases {
            // What the store holds (or the session policy compiled), as text.
            let result: Result<String, StoreError> = match ty {
                PolicyType::Identity => store
                    .set_principal_policies(ROLE, &[&text], None)
                    .map(|()| format!("{:?}", store.principal_policies(ROLE).unwrap())),
                PolicyType::PermissionsBoundary => store
                    .set_principal_policies(ROLE, &[], Some(&text))
                    .map(|()| format!("{:?}", store.principal_policies(ROLE).unwrap())),
                PolicyType::Session => {
                    SessionPolicy::new(&[&text]).map(|session| format!("{:?}", session.compiled()))
                }
                _ => store
                    .set_resource_policy(SECRET, &text)
                    .map(|()| format!("{:?}", store.resource_policy(SECRET).unwrap())),
            };
            match plain(&text, ty, kind) {
                Ok(expected) => {
                    let got = result.unwrap_or_else(|e| panic!("{name} as {ty:?}: {e}"));
                    assert_eq!(got, expected, "{name} as {ty:?}");
                    compiled += 1;
                }
                Err(expected) => {
                    assert_eq!(refused(result.map(drop)), expected, "{name} as {ty:?}");
                    errors += 1;
                }
            }
        }
    }
    assert!(
        compiled > 1_000 && errors > 1_000,
        "{compiled} compiled, {errors} refused"
    );
}
