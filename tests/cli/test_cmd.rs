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
