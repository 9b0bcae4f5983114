//! `iam-policy test`.

use crate::{code, run, run_in, scratch, stderr, stdout};

const PASSING: &str = r#"{"name": "alice-reads", "policies": {"identity": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????"}]}]}, "request": {"principal": "arn:aws:iam::111122223333:user/alice", "action": "secretsmanager:GetSecretValue", "resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"}, "expect": "Allow"}"#;
const FAILING: &str = r#"{"name": "bob-reads", "policies": {"identity": []}, "request": {"principal": "arn:aws:iam::111122223333:user/bob", "action": "secretsmanager:GetSecretValue", "resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf"}, "expect": "Allow"}"#;
const BAD_POLICY: &str = r#"{"name": "bad-policy", "policies": {"identity": [{"Statement": [{"Effect": "Alow", "Action": "s3:*", "Resource": "*"}]}]}, "request": {"principal": "arn:aws:iam::111122223333:user/bob", "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}, "expect": "Error"}"#;

#[test]
fn test_bundled_cases_all_pass() {
    let out = run(&["test", "fixtures/cases"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let last = stdout(&out).lines().last().unwrap().to_owned();
    let (passed, failed) = last.split_once(" passed, ").unwrap();
    assert!(passed.parse::<usize>().unwrap() >= 250, "{last}");
    assert_eq!(failed, "0 failed");
}

#[test]
fn test_reports_failures_and_summary() {
    let dir = scratch("testcmd");
    std::fs::write(
        dir.join("cases.jsonl"),
        format!("{PASSING}\n\n// a comment\n{FAILING}\n{BAD_POLICY}\n{{not json\n"),
    )
    .unwrap();
    let out = run_in(&dir, &["test", "cases.jsonl"], None);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.contains("FAIL bob-reads (cases.jsonl:4): expected Allow, got ImplicitDeny"),
        "{text}"
    );
    assert!(text.contains("no identity-based policy allows"), "{text}");
    assert!(
        text.contains("cases.jsonl:6"),
        "malformed line is named: {text}"
    );
    assert!(!text.contains("FAIL alice-reads"), "{text}");
    assert!(!text.contains("FAIL bad-policy"), "{text}");
    assert_eq!(text.lines().last(), Some("2 passed, 2 failed"));
}

#[test]
fn test_json_format_one_object_per_case() {
    let dir = scratch("testjson");
    std::fs::write(dir.join("cases.jsonl"), format!("{PASSING}\n{FAILING}\n")).unwrap();
    let out = run_in(&dir, &["test", "--format", "json", "cases.jsonl"], None);
    assert_eq!(code(&out), 1);
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["name"], "alice-reads");
    assert_eq!(lines[0]["expected"], "Allow");
    assert_eq!(lines[0]["actual"], "Allow");
    assert_eq!(lines[0]["passed"], true);
    assert!(
        lines[0]["reasons"].as_array().unwrap()[0]
            .as_str()
            .unwrap()
            .contains("identity[0].Statement[0]")
    );
    assert_eq!(lines[1]["actual"], "ImplicitDeny");
    assert_eq!(lines[1]["passed"], false);
    assert!(stderr(&out).contains("1 passed, 1 failed"));
}

#[test]
fn test_missing_file_is_exit_2_and_others_still_run() {
    let dir = scratch("testmissing");
    std::fs::write(dir.join("cases.jsonl"), format!("{PASSING}\n")).unwrap();
    let out = run_in(&dir, &["test", "missing.jsonl", "cases.jsonl"], None);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("missing.jsonl"), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().last(), Some("1 passed, 0 failed"));
}

/// `PASSING` and `FAILING` with `tags` added before `expect`.
fn tagged(case: &str, tags: &str) -> String {
    case.replacen(r#""expect""#, &format!(r#""tags": {tags}, "expect""#), 1)
}

#[test]
fn test_tag_runs_only_cases_carrying_it() {
    let dir = scratch("testtag");
    std::fs::write(
        dir.join("cases.jsonl"),
        format!(
            "{}\n{}\n{PASSING}\n",
            tagged(PASSING, r#"["smoke", "secrets"]"#),
            tagged(FAILING, r#"["slow"]"#)
        ),
    )
    .unwrap();
    // Only the tagged passing case runs: the failing one carries another tag.
    let out = run_in(&dir, &["test", "--tag", "smoke", "cases.jsonl"], None);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(stdout(&out).lines().last(), Some("1 passed, 0 failed"));
    assert!(
        stderr(&out).contains("2 cases skipped (no tag among smoke)"),
        "{}",
        stderr(&out)
    );
    // Repeated: any of the tags.
    let out = run_in(
        &dir,
        &["test", "--tag", "smoke", "--tag", "slow", "cases.jsonl"],
        None,
    );
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out).lines().last(), Some("1 passed, 1 failed"));
    // Without --tag every case runs, tagged or not.
    let out = run_in(&dir, &["test", "cases.jsonl"], None);
    assert_eq!(stdout(&out).lines().last(), Some("2 passed, 1 failed"));
    // Tags compare exactly.
    let out = run_in(&dir, &["test", "--tag", "Smoke", "cases.jsonl"], None);
    assert_eq!(code(&out), 2, "no case carries the tag: {}", stdout(&out));
    assert!(stderr(&out).contains("no case carries any of the tags"));
}

#[test]
fn test_tag_still_reports_malformed_lines() {
    let dir = scratch("testtagbad");
    std::fs::write(
        dir.join("cases.jsonl"),
        format!("{}\n{{not json\n", tagged(PASSING, r#"["smoke"]"#)),
    )
    .unwrap();
    let out = run_in(&dir, &["test", "--tag", "smoke", "cases.jsonl"], None);
    assert_eq!(code(&out), 1);
    assert_eq!(stdout(&out).lines().last(), Some("1 passed, 1 failed"));
}

#[test]
fn test_tags_must_be_a_list_of_strings_and_unknown_fields_stay_errors() {
    let dir = scratch("testtagtype");
    let bad = [
        tagged(PASSING, r#""smoke""#),
        tagged(PASSING, r#"[1]"#),
        tagged(PASSING, r#"[""]"#),
        PASSING.replacen(r#""expect""#, r#""labels": ["x"], "expect""#, 1),
    ];
    std::fs::write(dir.join("cases.jsonl"), bad.join("\n")).unwrap();
    let out = run_in(&dir, &["test", "cases.jsonl"], None);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.contains("field `tags` must be a list of strings"),
        "{text}"
    );
    assert!(
        text.contains("field `tags[0]` must be a non-empty string"),
        "{text}"
    );
    assert!(text.contains("unknown field `labels` in case"), "{text}");
    assert_eq!(text.lines().last(), Some("0 passed, 4 failed"));
}

#[test]
fn test_json_format_carries_tags() {
    let dir = scratch("testtagjson");
    std::fs::write(
        dir.join("cases.jsonl"),
        format!("{}\n{PASSING}\n", tagged(PASSING, r#"["smoke"]"#)),
    )
    .unwrap();
    let out = run_in(&dir, &["test", "--format", "json", "cases.jsonl"], None);
    assert_eq!(code(&out), 0);
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["tags"], serde_json::json!(["smoke"]));
    assert_eq!(lines[1]["tags"], serde_json::json!([]));
}
