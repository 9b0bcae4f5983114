//! Every invalid fixture reports exactly its expected errors; every valid fixture parses.
//!
//! `fixtures/policies/invalid/NAME.json` goes with `NAME.expected`: an optional first line
//! `# type: <policy type>` (default `identity`), then one line per error,
//! `CODE PATH LINE:COL`, with the empty path written `""`. Run with `BLESS=1` to rewrite the
//! expected files from the current output (then review the diff by eye).

use std::fs;
use std::path::{Path, PathBuf};

use iam_policy::{ParseError, PolicyType, parse_policy};

fn fixture_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/policies")
        .join(kind)
}

fn json_files(kind: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(fixture_dir(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

/// The policy type named by a valid fixture's file-name prefix (`identity-...`).
fn type_from_file_name(path: &Path) -> PolicyType {
    let name = path.file_name().unwrap().to_str().unwrap();
    let prefix = name.split('-').next().unwrap();
    PolicyType::from_name(prefix)
        .unwrap_or_else(|| panic!("{name}: file name must start with a policy type"))
}

fn render(text: &str, ty: PolicyType) -> Vec<String> {
    match parse_policy(text, ty) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .iter()
            .map(|e| {
                let path = if e.path().is_empty() {
                    "\"\""
                } else {
                    e.path()
                };
                format!("{} {} {}", e.code(), path, e.line_col())
            })
            .collect(),
    }
}

#[test]
fn invalid_fixtures_report_expected_errors() {
    let bless = std::env::var_os("BLESS").is_some();
    let files = json_files("invalid");
    assert!(files.len() >= 45, "only {} invalid fixtures", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let text = fs::read_to_string(path).unwrap();
        let expected_path = path.with_extension("expected");
        let expected_text = fs::read_to_string(&expected_path).unwrap_or_default();
        let mut lines = expected_text.lines().peekable();
        let mut header = None;
        let mut ty = PolicyType::Identity;
        if let Some(first) = lines.peek()
            && let Some(name) = first.strip_prefix("# type:")
        {
            ty = PolicyType::from_name(name.trim())
                .unwrap_or_else(|| panic!("{}: unknown type {name}", expected_path.display()));
            header = Some((*first).to_owned());
            lines.next();
        }
        let expected: Vec<String> = lines
            .filter(|l| !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
        let actual = render(&text, ty);
        assert!(
            !actual.is_empty() || bless,
            "{}: parsed without errors",
            path.display()
        );
        if bless {
            let mut out = String::new();
            if let Some(h) = &header {
                out.push_str(h);
                out.push('\n');
            }
            for line in &actual {
                out.push_str(line);
                out.push('\n');
            }
            fs::write(&expected_path, out).unwrap();
        } else if actual != expected {
            failures.push(format!(
                "{}:\n  expected: {expected:#?}\n  actual:   {actual:#?}",
                path.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn invalid_fixtures_use_documented_codes() {
    for path in json_files("invalid") {
        let expected = fs::read_to_string(path.with_extension("expected")).unwrap();
        for line in expected.lines().filter(|l| !l.starts_with('#')) {
            let c = line.split(' ').next().unwrap();
            assert!(
                ParseError::CODES.iter().any(|k| k.as_str() == c),
                "{}: unknown code {c}",
                path.display()
            );
        }
    }
}

#[test]
fn valid_fixtures_parse_for_their_type() {
    let files = json_files("valid");
    assert!(files.len() >= 45, "only {} valid fixtures", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let text = fs::read_to_string(path).unwrap();
        let ty = type_from_file_name(path);
        if let Err(errors) = parse_policy(&text, ty) {
            let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
            failures.push(format!("{}: {list:#?}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn valid_fixture_types_cover_every_policy_type() {
    let files = json_files("valid");
    for ty in PolicyType::ALL {
        assert!(
            files.iter().any(|p| type_from_file_name(p) == *ty),
            "no valid fixture of type {ty}"
        );
    }
}

#[test]
fn parse_error_details_unknown_operator() {
    let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualz":{"aws:username":"bob"}}}}"#;
    let errors = parse_policy(text, PolicyType::Identity).unwrap_err();
    assert_eq!(errors.len(), 1);
    let e = errors.first();
    assert_eq!(e.code(), "INVALID_CONDITION_OPERATOR");
    assert_eq!(
        e.kind().to_string(),
        "unknown condition operator `StringEqualz`"
    );
    assert_eq!(e.help(), Some("did you mean `StringEquals`?"));
    assert_eq!(e.path(), "Statement.Condition.StringEqualz");
    assert_eq!(e.span().slice(text), Some("\"StringEqualz\""));
}

#[test]
fn parse_error_details_duplicate_key_has_related_span() {
    let text = "{\"Statement\":{\"Effect\":\"Allow\",\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\"}}";
    let errors = parse_policy(text, PolicyType::Identity).unwrap_err();
    let e = errors.first();
    assert_eq!(e.code(), "JSON_SYNTAX_ERROR");
    assert_eq!(e.path(), "Statement.Effect");
    let related = e.related().expect("related span of the first key");
    assert_eq!(related.slice(text), Some("\"Effect\""));
    assert!(related.start < e.span().start);
}

#[test]
fn parse_error_details_variable_span_points_inside_string() {
    let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:username":"a-${}-b"}}}}"#;
    let errors = parse_policy(text, PolicyType::Identity).unwrap_err();
    let e = errors.first();
    assert_eq!(e.code(), "EMPTY_VARIABLE");
    assert_eq!(e.span().slice(text), Some("${}"));
    assert_eq!(
        e.path(),
        "Statement.Condition.StringEquals[\"aws:username\"]"
    );
}

#[test]
fn parse_error_details_missing_effect_help_and_message() {
    let text = r#"{"Statement":[{"Action":"*","Resource":"*"}]}"#;
    let errors = parse_policy(text, PolicyType::Identity).unwrap_err();
    let e = errors.first();
    assert_eq!(e.code(), "MISSING_EFFECT");
    assert_eq!(
        e.kind().to_string(),
        "the statement has no `Effect` element"
    );
    assert_eq!(e.path(), "Statement[0]");
    assert_eq!((e.line_col().line, e.line_col().column), (1, 15));
}

#[test]
fn parse_errors_display_counts_the_rest() {
    let text = r#"{"Statement":[{"Effect":"allow"},{"Effect":"deny"}]}"#;
    let errors = parse_policy(text, PolicyType::Identity).unwrap_err();
    // Per statement: missing Action, missing Resource, invalid Effect.
    assert_eq!(errors.len(), 6);
    let shown = errors.to_string();
    assert!(shown.ends_with("(and 5 more)"), "{shown}");
}

#[test]
fn same_document_differs_by_type() {
    let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}}"#;
    assert!(parse_policy(text, PolicyType::Resource).is_ok());
    assert!(parse_policy(text, PolicyType::Rcp).is_ok());
    let codes = |ty| -> Vec<&'static str> {
        parse_policy(text, ty)
            .unwrap_err()
            .iter()
            .map(|e| e.code().as_str())
            .collect()
    };
    assert_eq!(codes(PolicyType::Identity), ["UNSUPPORTED_PRINCIPAL"]);
    assert_eq!(codes(PolicyType::Session), ["UNSUPPORTED_PRINCIPAL"]);
    assert_eq!(codes(PolicyType::Scp), ["SCP_SYNTAX_ERROR_PRINCIPAL"]);
    assert_eq!(codes(PolicyType::Trust), ["UNSUPPORTED_RESOURCE"]);
}

#[test]
fn parse_error_details_action_with_comma_or_whitespace() {
    // IAM's grammar: each action is one `service:action` string. A comma-joined string or an
    // action holding whitespace is an error located at that string (never trimmed or split,
    // and never dropped, which could lose a Deny).
    let text = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["s3:PutObject","s3:GetObject,s3:DeleteObject"],"Resource":"*"},{"Effect":"Allow","NotAction":" iam:*","Resource":"*"}]}"#;
    let errors = parse_policy(text, PolicyType::Identity).unwrap_err();
    let found: Vec<_> = errors
        .iter()
        .map(|e| {
            (
                e.code().to_string(),
                e.path().to_owned(),
                e.span().slice(text),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "INVALID_ACTION_FORMAT".to_owned(),
                "Statement[0].Action[1]".to_owned(),
                Some("\"s3:GetObject,s3:DeleteObject\"")
            ),
            (
                "INVALID_ACTION_FORMAT".to_owned(),
                "Statement[1].NotAction".to_owned(),
                Some("\" iam:*\"")
            ),
        ]
    );
    assert!(errors.first().kind().to_string().contains("`,`"));
}
