//! Offline analysis: `no_new_access`, `access_not_granted`, `no_public_access`, `diff`.
//! Every FAIL witness is re-decided here by the engine; PASS answers are checked against a
//! targeted sampler of requests.

use iam_policy::analysis::{
    Report, Verdict, access_not_granted, diff, no_new_access, no_public_access, parse_action_list,
    parse_reference, parse_resource_list,
};
use iam_policy::{Decision, Policy, PolicyKind, PolicySet, PolicyType, parse_policy};

pub(crate) fn policy(text: &str, t: PolicyType) -> Policy {
    parse_policy(text, t).unwrap_or_else(|e| panic!("{e:?}\n{text}"))
}

/// Whether `p` alone allows the request (some `Allow` applies, no `Deny` does), by the
/// engine's trace.
pub(crate) fn allows(p: &Policy, req: &iam_policy::Request) -> bool {
    let mut set = PolicySet::new();
    set.add(PolicyKind::Resource, p.clone());
    let ex = set.compile().explain(req);
    let applies = |e| ex.statements().iter().any(|t| t.applies && t.effect == e);
    applies(iam_policy::Effect::Allow) && !applies(iam_policy::Effect::Deny)
}

pub(crate) fn check_witnesses(report: &Report, new: &Policy, existing: Option<&Policy>) {
    for f in &report.findings {
        let req = f.witness.to_request().expect("witness builds");
        assert!(allows(new, &req), "new must allow {}", f.witness);
        if let Some(e) = existing {
            assert!(!allows(e, &req), "existing must not allow {}", f.witness);
        }
    }
}

fn id(body: &str) -> Policy {
    policy(
        &format!(r#"{{"Version": "2012-10-17", "Statement": [{body}]}}"#),
        PolicyType::Identity,
    )
}

fn res(body: &str) -> Policy {
    policy(
        &format!(r#"{{"Version": "2012-10-17", "Statement": [{body}]}}"#),
        PolicyType::Resource,
    )
}

fn nna(old: &Policy, new: &Policy) -> Report {
    let r = no_new_access(old, new, PolicyType::Identity);
    check_witnesses(&r, new, Some(old));
    r
}

/// A variable AWS never leaves empty (`aws:username`: 1 to 64 characters) cannot make
/// `b/${aws:username}/*` match `b//x`: the `?` of the new pattern gives nothing new (found by
/// the random property below; it was "cannot prove"). With `*` after the variable instead of
/// `/*`, the user `q` is new access, and the witness says so.
#[test]
fn variables_that_are_never_empty() {
    let old = id(
        r#"{"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::b/${aws:username}/*"}"#,
    );
    let new = id(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/?x"}"#);
    let r = nna(&old, &new);
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    assert!(r.cannot_prove.is_empty(), "{r:?}");

    let old = id(
        r#"{"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::b/${aws:username}*"}"#,
    );
    let r = nna(&old, &new);
    assert_eq!(r.verdict, Verdict::Fail, "{r:?}");
    assert!(r.cannot_prove.is_empty(), "{r:?}");
    assert_eq!(r.findings.len(), 1, "{r:?}");
    check_witnesses(&r, &new, Some(&old));

    // A tag value may be empty: `${aws:PrincipalTag/team}` keeps the plain `*` reading, and
    // the answer stays sound (never PASS when new access exists).
    let old = id(
        r#"{"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}"#,
    );
    let r = nna(&old, &new);
    check_witnesses(&r, &new, Some(&old));
    assert_ne!(
        r.verdict,
        Verdict::Pass,
        "an empty tag value makes b//x new access: {r:?}"
    );
}

#[test]
fn narrower_actions_and_resources_pass_wider_fail() {
    let old = id(r#"{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}"#);
    let new = id(
        r#"{"Effect":"Allow","Action":["s3:GetObject","s3:GetObjectAcl"],"Resource":"arn:aws:s3:::b/r/*"}"#,
    );
    assert_eq!(nna(&old, &new).verdict, Verdict::Pass);
    let r = nna(&new, &old);
    assert_eq!(r.verdict, Verdict::Fail);
    assert_eq!(r.findings.len(), 1);
    assert!(r.cannot_prove.is_empty(), "{:?}", r.cannot_prove);
}

#[test]
fn overlapping_wildcards() {
    let old = id(r#"{"Effect":"Allow","Action":["s3:Get*","s3:*Object"],"Resource":"*"}"#);
    let new = id(r#"{"Effect":"Allow","Action":"s3:Get*Object","Resource":"*"}"#);
    assert_eq!(nna(&old, &new).verdict, Verdict::Pass);
    let new2 = id(r#"{"Effect":"Allow","Action":"s3:*Obj*","Resource":"*"}"#);
    let r = nna(&old, &new2);
    assert_eq!(r.verdict, Verdict::Fail);
    let a = &r.findings[0].witness.action.to_ascii_lowercase();
    assert!(!a.starts_with("s3:get") && !a.ends_with("object"), "{a}");
}

#[test]
fn not_action_and_not_resource() {
    let old = id(r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#);
    let new = id(r#"{"Effect":"Allow","Action":["s3:*","ec2:Describe*"],"Resource":"*"}"#);
    assert_eq!(nna(&old, &new).verdict, Verdict::Pass);
    let new2 = id(r#"{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}"#);
    assert_eq!(nna(&old, &new2).verdict, Verdict::Fail);
    let old = id(r#"{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}"#);
    let new =
        id(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::public/*"}"#);
    assert_eq!(nna(&old, &new).verdict, Verdict::Pass);
    let new = id(r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::secret*"}"#);
    let r = nna(&old, &new);
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.findings[0]
            .witness
            .resource
            .starts_with("arn:aws:s3:::secret/")
    );
}

#[test]
fn deny_statements_count_on_both_sides() {
    let old = id(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"},
                    {"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}"#);
    let new = id(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"},
                    {"Effect":"Deny","Action":["s3:Delete*","s3:Put*"],"Resource":"*"}"#);
    assert_eq!(nna(&old, &new).verdict, Verdict::Pass);
    let r = nna(&new, &old);
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.findings[0]
            .witness
            .action
            .to_ascii_lowercase()
            .starts_with("s3:put")
    );
}

#[test]
fn conditions_on_shared_keys() {
    let old = id(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*",
        "Condition":{"StringEquals":{"aws:SourceVpc":["vpc-1","vpc-2"]}}}"#);
    let new = id(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*",
        "Condition":{"StringEquals":{"aws:SourceVpc":"vpc-1"}}}"#);
    assert_eq!(nna(&old, &new).verdict, Verdict::Pass);
    let new = id(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*",
        "Condition":{"StringLike":{"aws:SourceVpc":"vpc-*"}}}"#);
    assert_eq!(nna(&old, &new).verdict, Verdict::Fail);
    // IfExists: an absent key satisfies it.
    let new = id(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*",
        "Condition":{"StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}}}"#);
    let r = nna(&old, &new);
    assert_eq!(r.verdict, Verdict::Fail);
    assert!(
        r.findings[0].witness.context.is_empty(),
        "{}",
        r.findings[0].witness
    );
}

#[test]
fn numeric_date_ip_bool_null() {
    let old = id(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*",
        "Condition":{"NumericLessThan":{"s3:max-keys":"10"},
                     "DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},
                     "IpAddress":{"aws:SourceIp":"10.0.0.0/8"},
                     "Bool":{"aws:SecureTransport":"true"}}}"#);
    let same_but_tighter = id(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*",
        "Condition":{"NumericLessThanEquals":{"s3:max-keys":"9"},
                     "DateLessThan":{"aws:CurrentTime":"2029-01-01T00:00:00Z"},
                     "IpAddress":{"aws:SourceIp":"10.1.0.0/16"},
                     "Bool":{"aws:SecureTransport":"true"}}}"#);
    let r = nna(&old, &same_but_tighter);
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    let r = nna(&same_but_tighter, &old);
    assert_eq!(r.verdict, Verdict::Fail);
    let with_null = id(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*",
        "Condition":{"Null":{"aws:SourceIp":"true"}}}"#);
    assert_eq!(nna(&old, &with_null).verdict, Verdict::Fail);
}

#[test]
fn set_qualifiers_and_multi_valued_keys() {
    let old = id(
        r#"{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
        "Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}}"#,
    );
    let new = id(
        r#"{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
        "Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}}"#,
    );
    assert_eq!(nna(&old, &new).verdict, Verdict::Pass);
    let r = nna(&new, &old);
    assert_eq!(r.verdict, Verdict::Fail);
    let any = id(
        r#"{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*",
        "Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["env"]}}}"#,
    );
    assert_eq!(nna(&old, &any).verdict, Verdict::Fail);
}

#[test]
fn principals_in_resource_policies() {
    let old = res(
        r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
    );
    let new = res(
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
    );
    let r = no_new_access(&old, &new, PolicyType::Resource);
    check_witnesses(&r, &new, Some(&old));
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    let new2 = res(
        r#"{"Effect":"Allow","Principal":{"AWS":"444455556666"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
    );
    let r = no_new_access(&old, &new2, PolicyType::Resource);
    check_witnesses(&r, &new2, Some(&old));
    assert_eq!(r.verdict, Verdict::Fail);
}

#[test]
fn wildcard_principals_in_the_reference() {
    let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow",
        "Principal":{"AWS":"arn:aws:iam::*:role/deployer"},"Action":"sts:AssumeRole"}}"#;
    let existing = parse_reference(text, PolicyType::Trust).expect("reference parses");
    let new = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow",
        "Principal":{"AWS":"arn:aws:iam::111122223333:role/deployer"},"Action":"sts:AssumeRole"}}"#,
        PolicyType::Trust,
    );
    let r = no_new_access(&existing, &new, PolicyType::Trust);
    check_witnesses(&r, &new, Some(&existing));
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    let wider = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow",
        "Principal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"Action":"sts:AssumeRole"}}"#,
        PolicyType::Trust,
    );
    assert_eq!(
        no_new_access(&existing, &wider, PolicyType::Trust).verdict,
        Verdict::Fail
    );
    let fed = parse_reference(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow",
        "Principal":{"Federated":"*"},"Action":"sts:AssumeRoleWithWebIdentity"}}"#,
        PolicyType::Trust,
    );
    assert!(fed.is_ok());
}

#[test]
fn access_not_granted_finds_the_listed_action() {
    let p = id(r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}"#);
    let acts = parse_action_list(&["s3:DeleteBucket"]).unwrap();
    // DeleteBucket on a bucket ARN: `b/*` does not cover `arn:aws:s3:::b`, but it covers
    // `arn:aws:s3:::b/x` (the analysis asks about any resource).
    let r = access_not_granted(&p, &acts, &[], PolicyType::Identity);
    check_witnesses(&r, &p, None);
    assert_eq!(r.verdict, Verdict::Fail);
    let only = parse_resource_list(&["arn:aws:s3:::other"]).unwrap();
    let r = access_not_granted(&p, &acts, &only, PolicyType::Identity);
    assert_eq!(r.verdict, Verdict::Pass, "{r:?}");
    let acts = parse_action_list(&["iam:PassRole", "kms:Decrypt"]).unwrap();
    assert_eq!(
        access_not_granted(&p, &acts, &[], PolicyType::Identity).verdict,
        Verdict::Pass
    );
}

#[test]
fn public_access_follows_the_meaning_of_public() {
    let check = |cond: &str| {
        let p = res(&format!(
            r#"{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"{cond}}}"#
        ));
        let r = no_public_access(&p, "AWS::S3::Bucket").expect("known type");
        check_witnesses(&r, &p, None);
        r.verdict
    };
    assert_eq!(check(""), Verdict::Fail);
    assert_eq!(
        check(r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#),
        Verdict::Pass
    );
    assert_eq!(
        check(r#","Condition":{"StringLike":{"aws:PrincipalOrgID":"o-*"}}"#),
        Verdict::Fail
    );
    assert_eq!(
        check(r#","Condition":{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1a2b"}}"#),
        Verdict::Fail
    );
    assert_eq!(
        check(r#","Condition":{"StringEquals":{"aws:SourceVpce":"vpce-1a2b"}}"#),
        Verdict::Pass
    );
    assert_eq!(
        check(r#","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}"#),
        Verdict::Pass
    );
    assert_eq!(
        check(r#","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#),
        Verdict::Pass
    );
    // The S3 user guide's access point delegation: a bucket policy allowing `{"AWS": "*"}`
    // every action through the access points of the bucket owner's account is not public.
    assert_eq!(
        check(r#","Condition":{"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}}"#),
        Verdict::Pass
    );
    assert_eq!(
        check(
            r#","Condition":{"StringEquals":{"s3:DataAccessPointArn":"arn:aws:s3:us-west-2:111122223333:accesspoint/ap"}}"#
        ),
        Verdict::Pass
    );
    assert_eq!(
        check(r#","Condition":{"StringLike":{"s3:DataAccessPointAccount":"1111*"}}"#),
        Verdict::Fail
    );
    let named = res(
        r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}"#,
    );
    assert_eq!(
        no_public_access(&named, "AWS::S3::Bucket").unwrap().verdict,
        Verdict::Pass
    );
    assert!(no_public_access(&named, "AWS::Nope::Thing").is_none());
}

#[test]
fn diff_reports_both_directions() {
    let old = id(
        r#"{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
                    {"Sid":"Tags","Effect":"Allow","Action":"ec2:CreateTags","Resource":"*"}"#,
    );
    let new = id(
        r#"{"Sid":"ReadAll","Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}"#,
    );
    let d = diff(&old, &new, PolicyType::Identity);
    assert_eq!(d.added.len(), 1);
    assert_eq!(d.added[0].sid.as_deref(), Some("ReadAll"));
    assert!(
        d.added[0].actions[0].contains("actions:"),
        "{:?}",
        d.added[0].actions
    );
    assert_eq!(d.removed.len(), 1);
    assert_eq!(d.removed[0].sid.as_deref(), Some("Tags"));
    let same = diff(&old, &old, PolicyType::Identity);
    assert!(same.is_equivalent(), "{same:?}");
    let _ = Decision::Allow;
}

/// The bundled valid policies, with their detected types.
pub(crate) fn fixture_policies() -> Vec<(String, PolicyType, Policy)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/policies/valid");
    let mut out = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
    entries.sort_by_key(std::fs::DirEntry::path);
    for e in entries {
        let path = e.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let ty = match name.split('-').next() {
            Some("identity") => PolicyType::Identity,
            Some("resource") => PolicyType::Resource,
            Some("trust") => PolicyType::Trust,
            Some("boundary") => PolicyType::PermissionsBoundary,
            Some("scp") => PolicyType::Scp,
            Some("rcp") => PolicyType::Rcp,
            Some("session") => PolicyType::Session,
            _ => iam_policy::lint::detect_policy_type(&text),
        };
        if let Ok(p) = parse_policy(&text, ty) {
            out.push((name, ty, p));
        }
    }
    out
}

/// Every ordered pair of same-type bundled policies: every witness is confirmed by the engine,
/// and the answers that cannot be proven are counted (and listed when the count changes).
#[test]
fn all_fixture_pairs_have_confirmed_witnesses() {
    let policies = fixture_policies();
    let mut pairs = 0;
    let mut cannot = Vec::new();
    for (a, ta, pa) in &policies {
        for (b, tb, pb) in &policies {
            if ta != tb {
                continue;
            }
            pairs += 1;
            let r = no_new_access(pa, pb, *tb);
            check_witnesses(&r, pb, Some(pa));
            if a == b {
                assert!(r.findings.is_empty(), "{a} against itself: {r:?}");
            }
            if r.is_cannot_prove() {
                cannot.push(format!("{a} -> {b}: {:?}", r.cannot_prove));
            }
        }
    }
    assert!(pairs > 100, "{pairs}");
    eprintln!("{pairs} pairs, {} cannot prove", cannot.len());
    for c in &cannot {
        eprintln!("  {c}");
    }
    assert!(
        cannot.is_empty(),
        "answers that cannot be proven: {cannot:#?}"
    );
}

fn fixture_type(name: &str) -> PolicyType {
    PolicyType::from_name(name).unwrap_or_else(|| panic!("policy type {name}"))
}

/// fixtures/analysis/*.json: each case's expected PASS/FAIL; witnesses confirmed; answers
/// that cannot be proven counted (the goal is none).
#[test]
fn analysis_fixtures() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/analysis");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let (mut total, mut cannot) = (0, 0);
    for path in files {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let check = doc["check"].as_str().unwrap();
        for case in doc["cases"].as_array().unwrap() {
            total += 1;
            let name = format!("{file}: {}", case["name"].as_str().unwrap());
            let ty_name = case
                .get("policyType")
                .or_else(|| doc.get("policyType"))
                .and_then(|v| v.as_str())
                .unwrap_or("resource");
            let ty = fixture_type(ty_name);
            let report = match check {
                "no-new-access" => {
                    let existing = parse_reference(&doc["existing"].to_string(), ty)
                        .unwrap_or_else(|e| panic!("{name}: {e:?}"));
                    let new = policy(&case["new"].to_string(), ty);
                    let r = no_new_access(&existing, &new, ty);
                    check_witnesses(&r, &new, Some(&existing));
                    r
                }
                "access-not-granted" => {
                    let p = policy(&case["policy"].to_string(), ty);
                    let list = |k: &str| -> Vec<String> {
                        case.get(k)
                            .and_then(|v| v.as_array())
                            .map(|a| a.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
                            .unwrap_or_default()
                    };
                    let acts = list("actions");
                    let res = list("resources");
                    let acts =
                        parse_action_list(&acts.iter().map(String::as_str).collect::<Vec<_>>())
                            .unwrap();
                    let res =
                        parse_resource_list(&res.iter().map(String::as_str).collect::<Vec<_>>())
                            .unwrap();
                    let r = access_not_granted(&p, &acts, &res, ty);
                    check_witnesses(&r, &p, None);
                    for f in &r.findings {
                        let req = f.witness.to_request().unwrap();
                        assert!(
                            acts.iter().any(|a| a.is_match(req.action())),
                            "{name}: {}",
                            f.witness
                        );
                    }
                    r
                }
                "no-public-access" => {
                    let p = policy(&case["policy"].to_string(), PolicyType::Resource);
                    let r = no_public_access(&p, doc["resourceType"].as_str().unwrap()).unwrap();
                    check_witnesses(&r, &p, None);
                    r
                }
                other => panic!("unknown check {other}"),
            };
            if report.is_cannot_prove() {
                cannot += 1;
            }
            assert_eq!(
                report.verdict.as_str(),
                case["expect"].as_str().unwrap(),
                "{name}: {report:?}"
            );
        }
    }
    assert!(total >= 30, "{total} cases");
    eprintln!("{total} fixture cases, {cannot} cannot prove");
    assert_eq!(cannot, 0, "answers that cannot be proven on the fixtures");
}

mod properties {
    use super::{allows, check_witnesses, policy};
    use iam_policy::analysis::{Verdict, no_new_access};
    use iam_policy::{ContextValue, PolicyType, Request};
    use proptest::prelude::*;

    const ACTIONS: &[&str] = &[
        "s3:GetObject",
        "s3:Get*",
        "s3:*Object",
        "s3:PutObject",
        "s3:*",
        "s3:Get?bject",
        "ec2:Describe*",
        "*",
    ];
    const RESOURCES: &[&str] = &[
        "*",
        "arn:aws:s3:::b/*",
        "arn:aws:s3:::b/a*",
        "arn:aws:s3:::b/?x",
        "arn:aws:s3:::c/*",
        "arn:aws:s3:::*",
        "arn:aws:s3:::b/${aws:username}/*",
        "arn:aws:s3:::b/${aws:username}*",
    ];
    const CONDITIONS: &[&str] = &[
        r#""StringEquals":{"aws:SourceVpc":"vpc-1"}"#,
        r#""StringEquals":{"aws:SourceVpc":["vpc-1","vpc-2"]}"#,
        r#""StringLike":{"aws:SourceVpc":"vpc-*"}"#,
        r#""StringNotEquals":{"aws:SourceVpc":"vpc-2"}"#,
        r#""StringEqualsIfExists":{"aws:SourceVpc":"vpc-1"}"#,
        r#""Null":{"aws:SourceVpc":"true"}"#,
        r#""NumericLessThan":{"s3:max-keys":"10"}"#,
        r#""NumericGreaterThanEquals":{"s3:max-keys":"5"}"#,
        r#""ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}"#,
        r#""ForAnyValue:StringEquals":{"aws:TagKeys":"a"}"#,
        r#""StringEquals":{"aws:SourceVpc":"${aws:PrincipalTag/vpc}"}"#,
    ];

    fn list(items: &[usize], from: &[&str]) -> String {
        let v: Vec<String> = items
            .iter()
            .map(|i| format!("{:?}", from[i % from.len()]))
            .collect();
        format!("[{}]", v.join(","))
    }

    prop_compose! {
        fn statement()(deny in prop::bool::weighted(0.25), not_action in prop::bool::weighted(0.2),
                       not_resource in prop::bool::weighted(0.2),
                       actions in prop::collection::vec(0usize..8, 1..3),
                       resources in prop::collection::vec(0usize..8, 1..3),
                       conditions in prop::collection::vec(0usize..11, 0..2)) -> String {
            let mut cond: Vec<&str> = conditions.iter().map(|c| CONDITIONS[*c]).collect();
            cond.dedup();
            // One operator per key and operator: keep the first of each operator name.
            let mut seen = Vec::new();
            cond.retain(|c| { let op = c.split(':').next().unwrap_or(""); let fresh = !seen.contains(&op); seen.push(op); fresh });
            format!(
                r#"{{"Effect":"{}","{}":{},"{}":{}{}}}"#,
                if deny { "Deny" } else { "Allow" },
                if not_action { "NotAction" } else { "Action" }, list(&actions, ACTIONS),
                if not_resource { "NotResource" } else { "Resource" }, list(&resources, RESOURCES),
                if cond.is_empty() { String::new() } else { format!(r#","Condition":{{{}}}"#, cond.join(",")) },
            )
        }
    }

    fn doc(stmts: &[String]) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            stmts.join(",")
        )
    }

    /// The targeted sampler: the patterns' own strings and their neighbours, constants ±1,
    /// absent keys, empty and multi-value sets.
    fn samples() -> Vec<Request> {
        let actions = [
            "s3:GetObject",
            "s3:GetObjectAcl",
            "s3:PutObject",
            "s3:ListBucket",
            "s3:Getxbject",
            "s3:Object",
            "ec2:DescribeInstances",
            "iam:PassRole",
        ];
        let resources = [
            "*",
            "arn:aws:s3:::b/a1",
            "arn:aws:s3:::b/",
            "arn:aws:s3:::b/zx",
            "arn:aws:s3:::b/a",
            "arn:aws:s3:::c/a",
            "arn:aws:s3:::b",
            "arn:aws:s3:::bx/y",
            "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
            "arn:aws:s3:::b/alice/x",
            "arn:aws:s3:::b/alicex",
            "arn:aws:s3:::b/bob/x",
        ];
        let vpcs: [Option<&str>; 5] = [None, Some("vpc-1"), Some("vpc-2"), Some("vpc-3"), Some("")];
        let keys: [Option<&str>; 6] =
            [None, Some("4"), Some("5"), Some("9"), Some("10"), Some("x")];
        let tags: [Option<&[&str]>; 5] = [
            None,
            Some(&[]),
            Some(&["a"]),
            Some(&["a", "b"]),
            Some(&["a", "c"]),
        ];
        let mut out = Vec::new();
        for a in actions {
            for r in resources {
                for v in vpcs {
                    for k in keys {
                        for t in tags {
                            let mut b = Request::builder()
                                .principal("arn:aws:iam::111122223333:user/alice")
                                .action(a)
                                .resource(r);
                            if let Some(v) = v {
                                b = b.context_value("aws:SourceVpc", ContextValue::string(v));
                                // The caller's tag for `${aws:PrincipalTag/vpc}`: equal
                                // to the first value, not to the others.
                                b = b.context_value(
                                    "aws:PrincipalTag/vpc",
                                    ContextValue::string("vpc-1"),
                                );
                            }
                            if let Some(k) = k {
                                b = b.context_value("s3:max-keys", ContextValue::string(k));
                            }
                            if let Some(t) = t {
                                b = b.context_value(
                                    "aws:TagKeys",
                                    ContextValue::strings(t.iter().copied()),
                                );
                            }
                            out.push(b.build().unwrap());
                        }
                    }
                }
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

        /// (a) every witness is confirmed by the engine; (b) a PASS has no counterexample among
        /// the sampled requests.
        #[test]
        fn witnesses_hold_and_passes_survive_the_sampler(
            old in prop::collection::vec(statement(), 1..4),
            new in prop::collection::vec(statement(), 1..4),
        ) {
            let old = policy(&doc(&old), PolicyType::Identity);
            let new = policy(&doc(&new), PolicyType::Identity);
            let r = no_new_access(&old, &new, PolicyType::Identity);
            check_witnesses(&r, &new, Some(&old));
            prop_assert!(r.cannot_prove.is_empty(), "{:?}", r.cannot_prove);
            if r.verdict == Verdict::Pass {
                for req in samples() {
                    prop_assert!(
                        !allows(&new, &req) || allows(&old, &req),
                        "PASS but {req:?} is new access"
                    );
                }
            } else {
                prop_assert!(!r.findings.is_empty());
            }
        }

        /// Dropping grants and adding denies never adds access: always a proven PASS.
        #[test]
        fn narrowing_a_policy_is_a_proven_pass(
            old in prop::collection::vec(statement(), 1..4),
            keep in prop::collection::vec(any::<bool>(), 4),
            extra in prop::collection::vec(statement(), 0..2),
        ) {
            let mut new: Vec<String> = old
                .iter()
                .zip(keep.iter().chain(std::iter::repeat(&true)))
                .filter(|(s, k)| **k || s.contains("\"Deny\""))
                .map(|(s, _)| s.clone())
                .collect();
            new.extend(extra.iter().map(|s| s.replacen("\"Allow\"", "\"Deny\"", 1)));
            if new.is_empty() {
                return Ok(());
            }
            let old = policy(&doc(&old), PolicyType::Identity);
            let new = policy(&doc(&new), PolicyType::Identity);
            let r = no_new_access(&old, &new, PolicyType::Identity);
            prop_assert_eq!(r.verdict, Verdict::Pass, "{:?}", r);
        }
    }
}

/// `exposure` and lint's `PUBLIC_ACCESS` follow the analysis, witness included (#15: S3's
/// meaning of public; the old answer was "not public" for both of these).
#[test]
fn exposure_and_lint_answer_by_the_analysis() {
    use iam_policy::exposure::{Grantee, exposure};
    use iam_policy::lint::{LintOptions, lint_text};
    for cond in [
        r#"{"StringLike":{"aws:PrincipalOrgID":"o-*"}}"#,
        r#"{"StringEqualsIfExists":{"aws:SourceVpce":"vpce-1a2b3c4d"}}"#,
    ] {
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{cond}}}]}}"#
        );
        let p = policy(&text, PolicyType::Resource);
        let e = exposure(&p, Some("111122223333"));
        assert!(e.is_public(), "{cond}: {e:?}");
        assert_eq!(e.public.len(), 1);
        assert!(allows(&p, &e.public[0].witness.to_request().unwrap()));
        let report = lint_text(
            &text,
            &LintOptions {
                policy_type: Some(PolicyType::Resource),
            },
        );
        let f = report
            .findings
            .iter()
            .find(|f| f.code == "PUBLIC_ACCESS")
            .expect("PUBLIC_ACCESS");
        assert!(f.message.contains("for example"), "{}", f.message);
    }
    let fixed = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}]}"#,
        PolicyType::Resource,
    );
    let e = exposure(&fixed, None);
    assert!(!e.is_public());
    assert_eq!(
        e.grants[0].grantee,
        Grantee::Organization("o-a1b2c3d4e5".into())
    );
}
