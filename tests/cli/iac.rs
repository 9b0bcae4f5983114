//! CloudFormation templates and Terraform plans in `lint`, `test` and `eval`; the pre-commit
//! hook and the GitHub Action definitions.

use std::path::Path;

use crate::{code, run, run_in, scratch, stderr, stdout, stdout_json};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `FILE:LINE:COLUMN CODE POLICY` of every finding of a `--format json` run.
fn summary(out: &serde_json::Value) -> Vec<String> {
    out.as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{} {} {}",
                f["file"].as_str().unwrap(),
                f["span"]["start"]["line"],
                f["span"]["start"]["column"],
                f["code"].as_str().unwrap(),
                f["policy"]["locator"].as_str().unwrap_or("-"),
            )
        })
        .collect()
}

#[test]
fn lint_fixtures_give_the_expected_findings_at_the_expected_places() {
    let expected: Vec<String> =
        std::fs::read_to_string(Path::new(ROOT).join("fixtures/iac/expected.txt"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(str::to_owned)
            .collect();
    let out = run(&["lint", "--no-config", "--format", "json", "fixtures/iac"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(summary(&stdout_json(&out)), expected);
}

#[test]
fn text_output_names_the_policy_and_shows_the_template_line() {
    let out = run(&[
        "lint",
        "--no-config",
        "fixtures/iac/cloudformation/app.yaml",
    ]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.contains("fixtures/iac/cloudformation/app.yaml:50:21: ERROR INVALID_ACTION `s3:GetObjekt` is not an action of `s3` [identity policy AppRole.Policies[0].PolicyDocument]"),
        "{text}"
    );
    assert!(
        text.contains("                  - s3:GetObjekt"),
        "snippet of the template line: {text}"
    );
    assert!(
        stderr(&out).contains("1 file checked (5 policies in templates and plans), 3 findings"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn json_output_has_the_policy_of_each_finding() {
    let out = run(&[
        "lint",
        "--no-config",
        "--format",
        "json",
        "fixtures/iac/cloudformation/app.yaml",
    ]);
    let v = stdout_json(&out);
    let f = &v[0];
    assert_eq!(f["code"], "INVALID_ACTION");
    assert_eq!(f["path"], "Statement[0].Action[1]");
    assert_eq!(f["policy"]["locator"], "AppRole.Policies[0].PolicyDocument");
    assert_eq!(f["policy"]["resource"], "AppRole");
    assert_eq!(f["policy"]["resource_type"], "AWS::IAM::Role");
    assert_eq!(f["policy"]["policy_type"], "identity");
    assert_eq!(
        f["span"]["end"]["column"], 33,
        "the span covers `s3:GetObjekt`"
    );
    let public = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "PUBLIC_ACCESS")
        .unwrap();
    assert_eq!(public["policy"]["policy_type"], "resource");
    // A plain policy file has no `policy` member.
    let out = run(&[
        "lint",
        "--no-config",
        "--format",
        "json",
        "fixtures/iac/terraform/plan.json",
        "fixtures/policies/valid",
    ]);
    for f in stdout_json(&out).as_array().unwrap() {
        let from_plan = f["file"] == "fixtures/iac/terraform/plan.json";
        assert_eq!(
            f.get("policy").is_some(),
            from_plan && f["code"] != "IAC_POLICY_SKIPPED",
            "{f}"
        );
    }
}

#[test]
fn sarif_has_an_absolute_base_and_relative_results() {
    let out = run(&[
        "lint",
        "--no-config",
        "--format",
        "sarif",
        "fixtures/iac/terraform/plan.json",
        "fixtures/iac/bad",
    ]);
    assert_eq!(code(&out), 1);
    let v = stdout_json(&out);
    let run0 = &v["runs"][0];
    let base = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    let cwd = std::path::Path::new(ROOT).canonicalize().unwrap();
    assert!(
        base.contains(cwd.file_name().unwrap().to_str().unwrap()),
        "{base}"
    );
    for rule in run0["tool"]["driver"]["rules"].as_array().unwrap() {
        assert_ne!(
            rule["id"], rule["name"],
            "SARIF1001: name must differ from id"
        );
    }
    let skipped = run0["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "IAC_POLICY_SKIPPED")
        .unwrap();
    assert_eq!(skipped["name"], "IacPolicySkipped");
    let results = run0["results"].as_array().unwrap();
    let inline = results
        .iter()
        .find(|r| r["ruleId"] == "INVALID_CONDITION_OPERATOR")
        .unwrap();
    let loc = &inline["locations"][0];
    assert_eq!(
        loc["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/iac/terraform/plan.json"
    );
    assert_eq!(
        loc["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "%SRCROOT%"
    );
    assert_eq!(loc["physicalLocation"]["region"]["startLine"], 65);
    assert_eq!(loc["physicalLocation"]["region"]["startColumn"], 252);
    assert_eq!(
        loc["logicalLocations"][0]["fullyQualifiedName"],
        "module.app.aws_iam_role.this.inline_policy[0].policy.Statement[0].Condition.StringEqualz"
    );
    assert_eq!(
        inline["properties"]["policy"]["resource_type"],
        "aws_iam_role"
    );
    let tag = results
        .iter()
        .find(|r| r["ruleId"] == "UNKNOWN_TAG")
        .unwrap();
    assert_eq!(
        tag["locations"][0]["physicalLocation"]["region"]["startLine"],
        10
    );
}

#[test]
fn a_broken_template_does_not_stop_the_run() {
    let out = run(&[
        "lint",
        "--no-config",
        "--format",
        "json",
        "fixtures/iac/bad/invalid-yaml.yaml",
        "fixtures/iac/cloudformation/key.json",
        "fixtures/iac/bad/policy-string.yaml",
    ]);
    assert_eq!(code(&out), 1, "errors are findings: exit 1");
    let s = summary(&stdout_json(&out));
    assert_eq!(
        s,
        [
            "fixtures/iac/bad/invalid-yaml.yaml:7:8 TEMPLATE_SYNTAX_ERROR -",
            "fixtures/iac/cloudformation/key.json:23:29 INVALID_CONDITION_OPERATOR Key.KeyPolicy",
            "fixtures/iac/cloudformation/key.json:43:113 PUBLIC_ACCESS QueuePolicy.PolicyDocument",
            "fixtures/iac/bad/policy-string.yaml:10:90 JSON_SYNTAX_ERROR QueuePolicy.PolicyDocument",
        ]
    );
}

#[test]
fn placeholders_make_no_finding_and_parameters_resolve() {
    let out = run(&[
        "lint",
        "--no-config",
        "--format",
        "json",
        "fixtures/iac/cloudformation/placeholders.yaml",
    ]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert_eq!(stdout_json(&out), serde_json::json!([]));
    let out = run(&[
        "lint",
        "--no-config",
        "--format",
        "json",
        "--parameter",
        "BucketArn=arn:aws:s3:::data",
        "--parameter",
        "PeerAccount=1234",
        "fixtures/iac/cloudformation/placeholders.yaml",
    ]);
    let s = summary(&stdout_json(&out));
    assert!(
        s.contains(&"fixtures/iac/cloudformation/placeholders.yaml:25:21 RESOURCE_MISMATCH Policy.PolicyDocument".to_owned()),
        "a bucket ARN for s3:GetObject: {s:?}"
    );
    assert!(
        s.contains(&"fixtures/iac/cloudformation/placeholders.yaml:39:23 INVALID_ARN_ACCOUNT Policy.PolicyDocument".to_owned()),
        "{s:?}"
    );
}

#[test]
fn account_region_and_partition_flags_and_config() {
    let dir = scratch("iac-config");
    std::fs::write(
        dir.join("t.yaml"),
        "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Action: s3:GetObject\n            Resource: !Sub 'arn:${AWS::Partition}:s3:${AWS::Region}::b/*'\n",
    )
    .unwrap();
    // S3 bucket ARNs have no region: with the default region the ARN is wrong.
    let out = run_in(
        &dir,
        &["lint", "--no-config", "--format", "json", "t.yaml"],
        None,
    );
    let codes: Vec<String> = stdout_json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        codes.contains(&"ARN_REGION_NOT_ALLOWED".to_owned()),
        "{codes:?}"
    );
    let out = run_in(
        &dir,
        &[
            "lint",
            "--no-config",
            "--partition",
            "aws-nope",
            "--format",
            "json",
            "t.yaml",
        ],
        None,
    );
    assert!(
        stdout(&out).contains("INVALID_PARTITION"),
        "{}",
        stdout(&out)
    );
    std::fs::write(
        dir.join(".iam-policy.toml"),
        "[iac]\npartition = \"aws-nope\"\n",
    )
    .unwrap();
    let out = run_in(&dir, &["lint", "--format", "json", "t.yaml"], None);
    assert!(
        stdout(&out).contains("INVALID_PARTITION"),
        "{}",
        stdout(&out)
    );
    std::fs::write(
        dir.join(".iam-policy.toml"),
        "[iac]\npartition = \"aws-nope\"\n[[suppress]]\ncode = \"INVALID_PARTITION\"\nfiles = \"t.yaml\"\npolicy = \"P.PolicyDocument\"\nreason = \"test\"\n",
    )
    .unwrap();
    let out = run_in(&dir, &["lint", "--format", "json", "t.yaml"], None);
    assert!(
        !stdout(&out).contains("INVALID_PARTITION"),
        "{}",
        stdout(&out)
    );
    let out = run_in(&dir, &["lint", "--account-id", "12", "t.yaml"], None);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("12 digits"), "{}", stderr(&out));
}

#[test]
fn directories_skip_other_yaml_and_explicit_non_templates_are_errors() {
    let dir = scratch("iac-walk");
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  web:\n    image: nginx\n",
    )
    .unwrap();
    std::fs::copy(
        Path::new(ROOT).join("fixtures/iac/cloudformation/key.json"),
        dir.join("key.json"),
    )
    .unwrap();
    let out = run_in(&dir, &["lint", "--no-config", "."], None);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("1 file checked (3 policies"),
        "{}",
        stderr(&out)
    );
    let out = run_in(&dir, &["lint", "--no-config", "compose.yaml"], None);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("not a CloudFormation template"),
        "{}",
        stderr(&out)
    );
    // --input forces the reading.
    let out = run_in(
        &dir,
        &[
            "lint",
            "--no-config",
            "--input",
            "cloudformation",
            "compose.yaml",
        ],
        None,
    );
    assert!(
        stdout(&out).contains("INVALID_TEMPLATE"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn test_cases_take_policies_from_templates_and_plans() {
    let out = run(&["test", "fixtures/iac/cases"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("9 passed, 0 failed"),
        "{}",
        stdout(&out)
    );
    let dir = scratch("iac-cases");
    let app = Path::new(ROOT).join("fixtures/iac/cloudformation");
    std::fs::write(
        dir.join("c.jsonl"),
        format!(
            "{{\"name\": \"unknown-locator\", \"policies\": {{\"identity\": [{{\"iac\": \"{0}/app.yaml#AppRole.Nope\"}}]}}, \"request\": {{\"principal\": \"arn:aws:iam::123456789012:user/a\", \"action\": \"s3:GetObject\", \"resource\": \"*\"}}, \"expect\": \"ImplicitDeny\"}}\n\
             {{\"name\": \"unresolved\", \"policies\": {{\"identity\": [{{\"iac\": \"{0}/placeholders.yaml#Policy\"}}]}}, \"request\": {{\"principal\": \"arn:aws:iam::123456789012:user/a\", \"action\": \"s3:GetObject\", \"resource\": \"*\"}}, \"expect\": \"ImplicitDeny\"}}\n",
            app.display()
        ),
    )
    .unwrap();
    let out = run_in(&dir, &["test", "c.jsonl"], None);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(
        text.contains("no policy `AppRole.Nope`")
            && text.contains("AppRole.Policies[1].PolicyDocument"),
        "{text}"
    );
    assert!(
        text.contains("cannot be resolved offline") && text.contains("--parameter BucketArn=VALUE"),
        "{text}"
    );
    assert!(text.contains("0 passed, 2 failed"), "{text}");
    // Parameters given to `test` resolve them.
    let out = run_in(
        &dir,
        &[
            "test",
            "c.jsonl",
            "--parameter",
            "BucketArn=arn:aws:s3:::b/*",
        ],
        None,
    );
    assert!(stdout(&out).contains("ImportValue"), "{}", stdout(&out));
}

#[test]
fn eval_reads_a_policy_of_a_template_and_points_into_it() {
    let out = run(&[
        "eval",
        "--identity",
        "fixtures/iac/cloudformation/app.yaml#AppRole.Policies[0].PolicyDocument",
        "--principal",
        "arn:aws:sts::123456789012:assumed-role/AppRole/s1",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::app-prod-data/x",
        "--exit-code",
    ]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains(
            "identity[0].Statement[0] Allow at fixtures/iac/cloudformation/app.yaml:47:17"
        ),
        "{}",
        stdout(&out)
    );
    // Another bucket name through --parameter: the statement no longer applies.
    let out = run(&[
        "eval",
        "--identity",
        "fixtures/iac/cloudformation/app.yaml#AppRole.Policies[0].PolicyDocument",
        "--parameter",
        "Env=dev",
        "--principal",
        "arn:aws:sts::123456789012:assumed-role/AppRole/s1",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::app-prod-data/x",
        "--exit-code",
    ]);
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    let out = run(&[
        "eval",
        "--identity",
        "fixtures/iac/cloudformation/app.yaml#AppRole",
        "--principal",
        "arn:aws:iam::123456789012:user/a",
        "--action",
        "s3:GetObject",
        "--resource",
        "*",
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("holds 3 policies; name one"),
        "{}",
        stderr(&out)
    );
}

/// Reads a scalar or flow-list field of the one hook in `.pre-commit-hooks.yaml`.
fn hook_field(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|l| {
            l.trim_start_matches("- ")
                .trim()
                .strip_prefix(&format!("{key}: "))
        })
        .unwrap_or_else(|| panic!("no `{key}` in .pre-commit-hooks.yaml"))
        .trim()
        .to_owned()
}

#[test]
fn pre_commit_hook_runs_on_the_fixtures() {
    let text = std::fs::read_to_string(Path::new(ROOT).join(".pre-commit-hooks.yaml")).unwrap();
    assert_eq!(hook_field(&text, "id"), "iam-policy-lint");
    assert_eq!(hook_field(&text, "language"), "rust");
    let entry = hook_field(&text, "entry");
    let args: Vec<String> = hook_field(&text, "args")
        .trim_matches(['[', ']'])
        .split(',')
        .map(|a| a.trim().to_owned())
        .collect();
    let files = regex::Regex::new(&hook_field(&text, "files")).unwrap();
    let exclude = regex::Regex::new(&hook_field(&text, "exclude")).unwrap();
    // pre-commit passes the staged files that match `files` and not `exclude`.
    let mut staged = Vec::new();
    for dir in [
        "fixtures/iac/cloudformation",
        "fixtures/iac/terraform",
        "fixtures/iac/bad",
        "fixtures/policies/valid",
    ] {
        for e in std::fs::read_dir(Path::new(ROOT).join(dir)).unwrap() {
            let name = format!("{dir}/{}", e.unwrap().file_name().to_string_lossy());
            if files.is_match(&name) && !exclude.is_match(&name) {
                staged.push(name);
            }
        }
    }
    staged.sort();
    for own in [
        ".pre-commit-hooks.yaml",
        "action.yml",
        ".pre-commit-config.yaml",
    ] {
        assert!(
            !files.is_match(own) || exclude.is_match(own),
            "{own} must not be linted"
        );
    }
    assert!(
        staged.iter().any(|f| f.ends_with("app.yaml"))
            && staged.iter().any(|f| f.ends_with("plan.json"))
    );
    let (program, rest) = entry.split_once(' ').unwrap();
    assert_eq!(program, "iam-policy");
    let mut argv: Vec<&str> = rest.split(' ').collect();
    argv.extend(args.iter().map(String::as_str));
    // pre-commit runs in the repository root, so the repository's .iam-policy.toml applies.
    let valid: Vec<&str> = staged
        .iter()
        .filter(|f| f.contains("policies/valid"))
        .map(String::as_str)
        .collect();
    let mut clean = argv.clone();
    clean.extend(valid);
    let out = run(&clean);
    assert_eq!(
        code(&out),
        0,
        "valid policies pass the hook: {}",
        stdout(&out)
    );
    argv.extend(staged.iter().map(String::as_str));
    let out = run(&argv);
    assert_eq!(code(&out), 1, "findings fail the hook");
    let text = stdout(&out);
    assert!(
        text.contains("fixtures/iac/cloudformation/app.yaml:50:21: ERROR INVALID_ACTION"),
        "{text}"
    );
    assert!(
        text.contains("fixtures/iac/bad/invalid-yaml.yaml:7:8: ERROR TEMPLATE_SYNTAX_ERROR"),
        "{text}"
    );
    assert!(text.contains("fixtures/iac/terraform/plan.json:17:140: SECURITY_WARNING PASS_ROLE_WITH_STAR_IN_RESOURCE"), "{text}");
}

#[test]
fn github_action_installs_lints_and_uploads_sarif() {
    let text = std::fs::read_to_string(Path::new(ROOT).join("action.yml")).unwrap();
    for needle in [
        "using: composite",
        "cargo install --locked --path \"$GITHUB_ACTION_PATH\" --bin iam-policy",
        "iam-policy lint --format sarif --fail-on \"$FAIL_ON\" $EXTRA $PATHS > \"$SARIF\"",
        "github/codeql-action/upload-sarif@v3",
    ] {
        assert!(text.contains(needle), "action.yml lacks {needle}");
    }
}
