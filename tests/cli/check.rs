//! `iam-policy check …` and `iam-policy diff`: exit codes, formats, git:REV:PATH.

use super::{code, run, run_in, scratch, stdout, stdout_json};

const OLD: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
const NEW: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"ReadAll","Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}]}"#;
const PUBLIC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringLike":{"aws:PrincipalOrgID":"o-*"}}}]}"#;
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole"}]}"#;

fn files(name: &str) -> std::path::PathBuf {
    let dir = scratch(name);
    for (f, t) in [
        ("old.json", OLD),
        ("new.json", NEW),
        ("public.json", PUBLIC),
        ("trust.json", TRUST),
    ] {
        std::fs::write(dir.join(f), t).unwrap();
    }
    dir
}

#[test]
fn no_new_access_exit_codes_and_text() {
    let dir = files("nna");
    let out = run_in(
        &dir,
        &[
            "check",
            "no-new-access",
            "--existing",
            "old.json",
            "--new",
            "new.json",
        ],
        None,
    );
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.starts_with("FAIL no-new-access"), "{text}");
    assert!(text.contains("new.json:1:"), "{text}");
    assert!(text.contains("(ReadAll)"), "{text}");
    let out = run_in(
        &dir,
        &[
            "check",
            "no-new-access",
            "--existing",
            "new.json",
            "--new",
            "old.json",
        ],
        None,
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).starts_with("PASS"));
}

#[test]
fn no_new_access_json_carries_a_witness() {
    let dir = files("nna-json");
    let out = run_in(
        &dir,
        &[
            "check",
            "no-new-access",
            "--existing",
            "old.json",
            "--new",
            "new.json",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code(&out), 1);
    let v = stdout_json(&out);
    assert_eq!(v["result"], "FAIL");
    assert_eq!(v["check"], "no-new-access");
    let w = &v["findings"][0]["witness"];
    let action = w["action"].as_str().unwrap().to_ascii_lowercase();
    assert!(
        action.starts_with("s3:get") && action != "s3:getobject",
        "{w}"
    );
    assert_eq!(v["findings"][0]["sid"], "ReadAll");
    assert_eq!(v["cannotProve"].as_array().unwrap().len(), 0);
}

#[test]
fn sarif_output_is_sarif() {
    let dir = files("nna-sarif");
    let out = run_in(
        &dir,
        &[
            "check",
            "no-new-access",
            "--existing",
            "old.json",
            "--new",
            "new.json",
            "--format",
            "sarif",
        ],
        None,
    );
    assert_eq!(code(&out), 1);
    let v = stdout_json(&out);
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["runs"][0]["results"][0]["ruleId"], "NO_NEW_ACCESS");
}

#[test]
fn access_not_granted_and_public_access() {
    let dir = files("ang");
    let out = run_in(
        &dir,
        &[
            "check",
            "access-not-granted",
            "--actions",
            "s3:GetBucketPolicy,iam:PassRole",
            "new.json",
        ],
        None,
    );
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let out = run_in(
        &dir,
        &[
            "check",
            "access-not-granted",
            "--actions",
            "s3:DeleteObject",
            "new.json",
        ],
        None,
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let out = run_in(
        &dir,
        &[
            "check",
            "access-not-granted",
            "--actions",
            "s3:GetObject",
            "--resources",
            "arn:aws:s3:::other/x",
            "new.json",
        ],
        None,
    );
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let out = run_in(
        &dir,
        &[
            "check",
            "no-public-access",
            "--resource-type",
            "AWS::S3::Bucket",
            "public.json",
        ],
        None,
    );
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("aws:PrincipalOrgID"),
        "{}",
        stdout(&out)
    );
    let out = run_in(
        &dir,
        &[
            "check",
            "no-public-access",
            "--resource-type",
            "AWS::Nope",
            "public.json",
        ],
        None,
    );
    assert_eq!(code(&out), 2);
}

#[test]
fn trust_policy_is_accepted_as_resource() {
    let dir = files("trust");
    for ty in ["trust", "resource", "auto"] {
        let out = run_in(
            &dir,
            &[
                "check",
                "no-new-access",
                "--policy-type",
                ty,
                "--existing",
                "trust.json",
                "--new",
                "trust.json",
            ],
            None,
        );
        assert_eq!(code(&out), 0, "{ty}: {}", stdout(&out));
    }
}

#[test]
fn errors_exit_2() {
    let dir = files("errors");
    std::fs::write(dir.join("bad.json"), "{\"Statement\": [").unwrap();
    let out = run_in(
        &dir,
        &[
            "check",
            "no-new-access",
            "--existing",
            "bad.json",
            "--new",
            "new.json",
        ],
        None,
    );
    assert_eq!(code(&out), 2);
    let out = run_in(
        &dir,
        &[
            "check",
            "no-new-access",
            "--existing",
            "missing.json",
            "--new",
            "new.json",
        ],
        None,
    );
    assert_eq!(code(&out), 2);
    let out = run_in(
        &dir,
        &[
            "check",
            "access-not-granted",
            "--actions",
            "not an action",
            "new.json",
        ],
        None,
    );
    assert_eq!(code(&out), 2);
}

#[test]
fn diff_and_git_revisions() {
    let dir = files("diff");
    let out = run_in(&dir, &["diff", "old.json", "new.json"], None);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.contains("Newly allowed by new.json"), "{text}");
    assert!(text.contains("s3:Get*"), "{text}");
    let out = run_in(&dir, &["diff", "old.json", "old.json"], None);
    assert_eq!(code(&out), 0);
    // git:REV:PATH reads the committed version.
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(args)
            .current_dir(&dir)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q"]);
    std::fs::write(dir.join("policy.json"), OLD).unwrap();
    git(&["add", "policy.json"]);
    git(&["commit", "-q", "-m", "old"]);
    std::fs::write(dir.join("policy.json"), NEW).unwrap();
    let out = run_in(
        &dir,
        &[
            "check",
            "no-new-access",
            "--existing",
            "git:HEAD:policy.json",
            "--new",
            "policy.json",
        ],
        None,
    );
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let out = run_in(
        &dir,
        &[
            "check",
            "no-new-access",
            "--existing",
            "git:HEAD:nope.json",
            "--new",
            "policy.json",
        ],
        None,
    );
    assert_eq!(code(&out), 2);
    let _ = run(&["--help"]);
}
