//! `iam-policy lint`.

use crate::{code, run, run_in, scratch, stderr, stdout, stdout_json};

const GOOD: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ReadOneSecret",
      "Effect": "Allow",
      "Action": "secretsmanager:GetSecretValue",
      "Resource": "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????"
    }
  ]
}
"#;

const BAD_EFFECT: &str = r#"{
  "Version": "2012-10-17",
  "Statement": {
    "Effect": "Alow",
    "Action": "s3:GetObject",
    "Resource": "*"
  }
}
"#;

#[test]
fn lint_clean_file_exits_zero() {
    let dir = scratch("clean");
    std::fs::write(dir.join("good.json"), GOOD).unwrap();
    let out = run_in(&dir, &["lint", "good.json"], None);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("1 file checked, 0 findings"));
}

#[test]
fn lint_text_format_has_location_and_caret() {
    let dir = scratch("text");
    std::fs::write(dir.join("bad.json"), BAD_EFFECT).unwrap();
    let out = run_in(&dir, &["lint", "bad.json"], None);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("bad.json:4:15: ERROR INVALID_EFFECT "),
        "{first}"
    );
    assert!(text.contains("\"Effect\": \"Alow\","), "{text}");
    assert!(text.contains('^'), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour when not a terminal");
}

#[test]
fn lint_json_format_shape() {
    let dir = scratch("json");
    std::fs::write(dir.join("bad.json"), BAD_EFFECT).unwrap();
    let out = run_in(&dir, &["lint", "--format", "json", "bad.json"], None);
    assert_eq!(code(&out), 1);
    let v = stdout_json(&out);
    let f = &v.as_array().unwrap()[0];
    assert_eq!(f["file"], "bad.json");
    assert_eq!(f["code"], "INVALID_EFFECT");
    assert_eq!(f["severity"], "ERROR");
    assert_eq!(f["path"], "Statement.Effect");
    assert_eq!(f["span"]["start"]["line"], 4);
    assert_eq!(f["span"]["start"]["column"], 15);
    assert_eq!(f["span"]["start"]["offset"], 60);
    assert_eq!(f["span"]["end"]["line"], 4);
    assert_eq!(f["span"]["end"]["column"], 21);
    assert!(f["message"].as_str().unwrap().contains("Alow"));
}

#[test]
fn lint_sarif_format_shape() {
    let dir = scratch("sarif");
    std::fs::write(dir.join("bad.json"), BAD_EFFECT).unwrap();
    std::fs::write(dir.join("good.json"), GOOD).unwrap();
    let out = run_in(&dir, &["lint", "--format", "sarif", "."], None);
    assert_eq!(code(&out), 1);
    let v = stdout_json(&out);
    assert_eq!(v["version"], "2.1.0");
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "iam-policy");
    assert!(
        run["tool"]["driver"]["properties"]["awsServiceCatalog"]["date"]
            .as_str()
            .unwrap()
            .starts_with("20")
    );
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules[0]["id"], "INVALID_EFFECT");
    assert!(
        rules[0]["helpUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert!(rules[0]["help"]["text"].as_str().is_some());
    assert!(
        rules[0]["properties"]["security-severity"]
            .as_str()
            .is_some()
    );
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    let r = &results[0];
    assert_eq!(r["ruleId"], "INVALID_EFFECT");
    assert_eq!(r["level"], "error");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "bad.json");
    assert_eq!(loc["region"]["startLine"], 4);
    assert_eq!(loc["region"]["startColumn"], 15);
    assert_eq!(loc["region"]["endLine"], 4);
    assert_eq!(loc["region"]["endColumn"], 21);
    let fp = r["partialFingerprints"]["iamPolicyFinding/v1"]
        .as_str()
        .unwrap();
    assert_eq!(fp.len(), 16);
    // Stable: the same input gives the same fingerprint.
    let again = stdout_json(&run_in(&dir, &["lint", "--format", "sarif", "."], None));
    assert_eq!(
        again["runs"][0]["results"][0]["partialFingerprints"]["iamPolicyFinding/v1"],
        fp
    );
}

#[test]
fn lint_reads_stdin() {
    let dir = scratch("stdin");
    let out = run_in(
        &dir,
        &["lint", "--format", "json", "-"],
        Some(BAD_EFFECT.as_bytes()),
    );
    assert_eq!(code(&out), 1);
    assert_eq!(stdout_json(&out)[0]["file"], "<stdin>");
}

#[test]
fn lint_bad_inputs_do_not_stop_the_run() {
    let dir = scratch("badinputs");
    std::fs::write(dir.join("bad.json"), BAD_EFFECT).unwrap();
    std::fs::write(dir.join("empty.json"), "").unwrap();
    std::fs::write(dir.join("latin1.json"), b"{\"Id\": \"caf\xe9\"}").unwrap();
    std::fs::create_dir_all(dir.join("nothing-here")).unwrap();
    let out = run_in(
        &dir,
        &[
            "lint",
            "--format",
            "json",
            "missing.json",
            "nothing-here",
            "bad.json",
            "empty.json",
            "latin1.json",
        ],
        None,
    );
    // Missing file and empty directory are input errors: exit 2, others still reported.
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("missing.json"), "{err}");
    assert!(err.contains("nothing-here: no policy files"), "{err}");
    let v = stdout_json(&out);
    let files: Vec<(&str, &str)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["file"].as_str().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert!(files.contains(&("bad.json", "INVALID_EFFECT")), "{files:?}");
    assert!(
        files.contains(&("empty.json", "JSON_SYNTAX_ERROR")),
        "{files:?}"
    );
    let latin1 = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == "latin1.json")
        .unwrap();
    assert_eq!(latin1["code"], "JSON_SYNTAX_ERROR");
    assert_eq!(latin1["span"]["start"]["offset"], 11);
}

#[test]
fn lint_fail_on_threshold() {
    let dir = scratch("failon");
    std::fs::write(dir.join("bad.json"), BAD_EFFECT).unwrap();
    // An ERROR fails at every threshold.
    for level in ["error", "security", "warning", "suggestion"] {
        let out = run_in(&dir, &["lint", "--fail-on", level, "bad.json"], None);
        assert_eq!(code(&out), 1, "--fail-on {level}");
    }
    let out = run_in(&dir, &["lint", "--fail-on", "nonsense", "bad.json"], None);
    assert_eq!(code(&out), 2);
}

#[test]
fn lint_unknown_policy_type_is_usage_error() {
    let out = run(&["lint", "--policy-type", "bogus", "fixtures"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn lint_config_overrides_and_suppresses() {
    let dir = scratch("config");
    std::fs::write(dir.join("bad.json"), BAD_EFFECT).unwrap();
    std::fs::write(
        dir.join(".iam-policy.toml"),
        r#"
[[suppress]]
code = "INVALID_EFFECT"
files = "bad.json"
path = "Statement.Effect"
reason = "test fixture"
"#,
    )
    .unwrap();
    let out = run_in(&dir, &["lint", "bad.json"], None);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stderr(&out).contains("1 suppressed"), "{}", stderr(&out));

    std::fs::write(
        dir.join(".iam-policy.toml"),
        "[severity]\nINVALID_EFFECT = \"SUGGESTION\"\n",
    )
    .unwrap();
    let out = run_in(&dir, &["lint", "--format", "json", "bad.json"], None);
    assert_eq!(code(&out), 0);
    assert_eq!(stdout_json(&out)[0]["severity"], "SUGGESTION");

    // A code that is not a lint or parse code is a configuration error, not a silent no-op.
    for text in [
        "[severity]\nINVALID_EFECT = \"SUGGESTION\"\n",
        "[[suppress]]\ncode = \"PUBLIC_ACCES\"\nfiles = \"*\"\nreason = \"r\"\n",
    ] {
        std::fs::write(dir.join(".iam-policy.toml"), text).unwrap();
        let out = run_in(&dir, &["lint", "bad.json"], None);
        assert_eq!(code(&out), 2, "{text}");
        assert!(stderr(&out).contains("unknown code"), "{}", stderr(&out));
    }

    std::fs::write(dir.join(".iam-policy.toml"), "[[suppress]]\ncode = 1\n").unwrap();
    let out = run_in(&dir, &["lint", "bad.json"], None);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains(".iam-policy.toml"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn lint_config_sets_policy_types_by_glob() {
    let dir = scratch("configtypes");
    // Auto reads a permissions boundary as an identity policy, where `s3:*` on `*` without a
    // condition is a security warning; as a boundary it grants nothing and is fine.
    let boundary = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;
    std::fs::write(dir.join("boundary-s3.json"), boundary).unwrap();
    let out = run_in(
        &dir,
        &["lint", "--format", "json", "boundary-s3.json"],
        None,
    );
    assert_eq!(code(&out), 1);
    let auto: Vec<String> = stdout_json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(auto, ["SENSITIVE_ACTION_WITH_STAR_IN_RESOURCE"]);
    std::fs::write(
        dir.join(".iam-policy.toml"),
        "[[policy_type]]\nfiles = \"boundary-*.json\"\ntype = \"boundary\"\n",
    )
    .unwrap();
    let out = run_in(
        &dir,
        &["lint", "--format", "json", "boundary-s3.json"],
        None,
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(stdout_json(&out), serde_json::json!([]));
    // --policy-type wins over the configuration.
    let out = run_in(
        &dir,
        &["lint", "--policy-type", "identity", "boundary-s3.json"],
        None,
    );
    assert_eq!(code(&out), 1);
    std::fs::write(
        dir.join(".iam-policy.toml"),
        "[[policy_type]]\nfiles = \"*.json\"\ntype = \"bucket\"\n",
    )
    .unwrap();
    let out = run_in(&dir, &["lint", "boundary-s3.json"], None);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("unknown type `bucket`"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn lint_bundled_valid_policies_are_clean_with_the_repository_config() {
    let out = run(&["lint", "fixtures/policies/valid"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(
        stderr(&out).contains("63 files checked"),
        "{}",
        stderr(&out)
    );
}
