//! Runs every case of `fixtures/cases/*.jsonl` and lists each failing case.

use std::fmt::Write as _;
use std::path::Path;

use iam_policy::case::{Case, CaseOutcome, run_case};

#[test]
fn corpus_all_cases_pass() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures/cases exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());

    let mut total = 0;
    let mut failures = String::new();
    let mut failed = 0;
    let mut names = std::collections::HashMap::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable case file");
        let short = file.file_name().unwrap_or_default().to_string_lossy();
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            total += 1;
            let at = format!("{short}:{}", n + 1);
            let case = match Case::parse(line) {
                Ok(case) => case,
                Err(e) => {
                    failed += 1;
                    writeln!(failures, "{at}: unreadable case: {e}").unwrap();
                    continue;
                }
            };
            if let Some(first) = names.insert(case.name.clone(), at.clone()) {
                writeln!(failures, "{at}: note: name `{}` also at {first}", case.name).unwrap();
            }
            let result = run_case(&case);
            // `explain` must agree with `evaluate` (they share one code path).
            if let (Some(set), Some(request)) = (case.policies(), case.request()) {
                let compiled = set.compile();
                let explained = compiled.explain(request);
                assert_eq!(
                    explained.evaluation(),
                    &compiled.evaluate(request),
                    "{at}: explain and evaluate disagree"
                );
            }
            if !result.passed {
                failed += 1;
                let detail = match &result.actual {
                    CaseOutcome::Error(_) => "errors",
                    _ => "reasons",
                };
                writeln!(
                    failures,
                    "{at}: {}: expected {}, got {}; {detail}: {}",
                    result.name,
                    result.expected,
                    result.actual,
                    result.reasons.join(" | ")
                )
                .unwrap();
            }
        }
    }
    assert!(failed == 0, "{failed} of {total} cases failed:\n{failures}");
}

// ---------------------------------------------------------------------------------------------
// The case format itself

use iam_policy::case::{CaseError, Expected};
use iam_policy::{ContextScalar, ContextValue, PolicyKind};

const REQUEST: &str = r#""request": {"principal": "arn:aws:iam::111122223333:user/alice",
    "action": "s3:GetObject", "resource": "arn:aws:s3:::bucket/key"}"#;

fn case(policies: &str, expect: &str) -> Result<Case, CaseError> {
    Case::parse(&format!(
        r#"{{"name": "t", "policies": {policies}, {REQUEST}, "expect": "{expect}"}}"#
    ))
}

#[test]
fn case_tags_are_read_and_checked() {
    let c = Case::parse(&format!(
        r#"{{"name": "t", "policies": {{}}, {REQUEST}, "expect": "ImplicitDeny", "tags": ["a", "b c"]}}"#
    ))
    .unwrap();
    assert_eq!(c.tags, ["a", "b c"]);
    assert!(c.has_tag("b c") && !c.has_tag("A") && !c.has_tag("b"));
    let c = Case::parse(&format!(
        r#"{{"name": "t", "policies": {{}}, {REQUEST}, "expect": "ImplicitDeny", "tags": null}}"#
    ))
    .unwrap();
    assert!(c.tags.is_empty());
    for (tags, field) in [
        (r#""a""#, "tags"),
        ("[1]", "tags[0]"),
        (r#"["a", ""]"#, "tags[1]"),
    ] {
        let e = Case::parse(&format!(
            r#"{{"name": "t", "policies": {{}}, {REQUEST}, "expect": "Allow", "tags": {tags}}}"#
        ))
        .unwrap_err();
        assert!(
            matches!(e, CaseError::InvalidField { field: ref f, .. } if f == field),
            "{tags}: {e}"
        );
    }
}

#[test]
fn case_unknown_fields_are_rejected() {
    let e = Case::parse(&format!(
        r#"{{"name": "t", "policies": {{}}, {REQUEST}, "expect": "Allow", "note": "x"}}"#
    ))
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown field `note` in case (expected one of `name`, `policies`, `request`, `expect`, `why`, `source`, `tags`)"
    );
    let e = case(r#"{"identities": []}"#, "Allow").unwrap_err();
    assert!(
        matches!(e, CaseError::UnknownField { ref field, within: "policies", .. } if field == "identities")
    );
    let e = Case::parse(
        r#"{"name": "t", "policies": {}, "expect": "Allow",
            "request": {"principal": "anonymous", "action": "s3:GetObject", "resource": "*", "region": "x"}}"#,
    )
    .unwrap_err();
    assert!(matches!(
        e,
        CaseError::UnknownField {
            within: "request",
            ..
        }
    ));
}

#[test]
fn case_structural_errors() {
    assert!(matches!(Case::parse("{"), Err(CaseError::Json(_))));
    assert!(matches!(
        Case::parse(&format!(r#"{{"name": "t", "policies": {{}}, {REQUEST}}}"#)),
        Err(CaseError::MissingField {
            field: "expect",
            within: "case"
        })
    ));
    assert_eq!(
        case("{}", "Maybe").unwrap_err().to_string(),
        "field `expect` must be `Allow`, `ExplicitDeny`, `ImplicitDeny` or `Error`, not `Maybe`"
    );
    assert!(matches!(
        case(
            r#"{"scps": [{"Statement": []}, [{"Statement": []}]]}"#,
            "Allow"
        ),
        Err(CaseError::InvalidField { .. })
    ));
    assert!(matches!(
        case(r#"{"identity": 5}"#, "Allow"),
        Err(CaseError::InvalidField { .. })
    ));
}

#[test]
fn case_policy_that_does_not_parse_is_an_error_outcome() {
    let c = case(r#"{"identity": ["{not json"]}"#, "Allow").unwrap();
    assert!(c.policies().is_none());
    assert!(
        c.errors()[0].starts_with("`identity[0]`: "),
        "{:?}",
        c.errors()
    );
    let result = run_case(&c);
    assert!(!result.passed);
    assert!(matches!(result.actual, CaseOutcome::Error(_)));
    assert_eq!(result.reasons, c.errors());
    // `"expect": "Error"` passes on it.
    let c = case(r#"{"identity": ["{not json"]}"#, "Error").unwrap();
    assert_eq!(c.expected, Expected::Error);
    assert!(run_case(&c).passed);
}

#[test]
fn case_invalid_request_is_an_error_outcome() {
    let c = Case::parse(
        r#"{"name": "t", "policies": {}, "expect": "Error",
            "request": {"principal": "bob", "action": "s3:GetObject", "resource": "*"}}"#,
    )
    .unwrap();
    let result = run_case(&c);
    assert!(result.passed);
    assert_eq!(result.reasons.len(), 1);
    assert!(
        result.reasons[0].starts_with("request: principal `bob` is not valid"),
        "{:?}",
        result.reasons
    );
}

#[test]
fn case_decides_and_reports_the_gate() {
    let c = case("{}", "ImplicitDeny").unwrap();
    let result = run_case(&c);
    assert!(result.passed);
    assert_eq!(result.actual, CaseOutcome::ImplicitDeny);
    assert_eq!(
        result.reasons,
        vec!["no identity-based policy allows this request"]
    );
    let set = c.policies().unwrap();
    assert_eq!(set.levels(PolicyKind::Scp), 0);
}

#[test]
fn case_context_values() {
    let c = Case::parse(
        r#"{"name": "t", "policies": {}, "expect": "ImplicitDeny",
            "request": {"principal": "arn:aws:iam::111122223333:user/alice",
                        "action": "s3:GetObject", "resource": "*",
                        "context": {"aws:SecureTransport": true, "s3:max-keys": 10,
                                    "aws:TagKeys": ["a", "b"], "AWS:SourceIp": "10.0.0.1"}}}"#,
    )
    .unwrap();
    let ctx = c.request().unwrap().context();
    assert_eq!(
        ctx.get("aws:securetransport"),
        Some(&ContextValue::Single(ContextScalar::Bool(true)))
    );
    assert_eq!(ctx.get("s3:max-keys"), Some(&ContextValue::number("10")));
    assert_eq!(
        ctx.get("aws:tagkeys"),
        Some(&ContextValue::strings(["a", "b"]))
    );
    assert_eq!(ctx.get_text("aws:sourceip"), Some("10.0.0.1"));
    let e = Case::parse(
        r#"{"name": "t", "policies": {}, "expect": "Allow",
            "request": {"principal": "anonymous", "action": "s3:GetObject", "resource": "*",
                        "context": {"k": {"nested": 1}}}}"#,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "field `request.context.k` must be a string, number, boolean or list of them"
    );
}
