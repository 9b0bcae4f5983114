//! Lint rules against their fixtures, the rule registry, the generated rule documentation and
//! the exposure analysis.
//!
//! `fixtures/lint/<CODE>/` holds documents that must report `CODE` (`fire-*.json`) and documents
//! that must not (`pass-*.json`). The word after `fire-`/`pass-` names the policy type when it
//! is one (`fire-resource-star.json`); otherwise the type is detected. Each document has a
//! snapshot of all its findings in `NAME.expected`, one per line: `SEVERITY CODE PATH LINE:COL`
//! (the empty path written `""`). Run with `BLESS=1` to rewrite the snapshots and
//! `docs/lint-rules.md` from the current output, then review the diff.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use iam_policy::exposure::{Grantee, exposure};
use iam_policy::lint::{LintOptions, LintReport, Severity, lint_text, rule, rules};
use iam_policy::{PolicyType, parse_policy};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bless() -> bool {
    std::env::var_os("BLESS").is_some()
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// The policy type named after `fire-`/`pass-` (or at the start of a policies fixture name).
fn type_of(path: &Path) -> Option<PolicyType> {
    let name = path.file_stem().unwrap().to_str().unwrap();
    let rest = name
        .strip_prefix("fire-")
        .or_else(|| name.strip_prefix("pass-"))
        .unwrap_or(name);
    PolicyType::from_name(rest.split('-').next().unwrap())
}

fn lint_file(path: &Path) -> (String, LintReport) {
    let text = fs::read_to_string(path).unwrap();
    let report = lint_text(
        &text,
        &LintOptions {
            policy_type: type_of(path),
        },
    );
    (text, report)
}

fn snapshot(report: &LintReport) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let path = if f.path.is_empty() { "\"\"" } else { &f.path };
        writeln!(out, "{} {} {} {}", f.severity, f.code, path, f.start).unwrap();
    }
    out
}

struct Fixture {
    code: String,
    path: PathBuf,
    fire: bool,
}

fn fixtures() -> Vec<Fixture> {
    let mut out = Vec::new();
    for dir in sorted_entries(&root().join("fixtures/lint")) {
        let code = dir.file_name().unwrap().to_str().unwrap().to_owned();
        for path in sorted_entries(&dir) {
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let name = path.file_name().unwrap().to_str().unwrap();
            let fire = if name.starts_with("fire-") {
                true
            } else {
                assert!(
                    name.starts_with("pass-"),
                    "{}: must start with fire- or pass-",
                    path.display()
                );
                false
            };
            out.push(Fixture {
                code: code.clone(),
                path,
                fire,
            });
        }
    }
    out
}

#[test]
fn fixtures_fire_and_pass() {
    let mut failures = Vec::new();
    let all = fixtures();
    assert!(all.len() >= 200, "only {} lint fixtures", all.len());
    for fx in &all {
        assert!(
            rule(&fx.code).is_some(),
            "fixtures/lint/{}: not a rule",
            fx.code
        );
        let (_, report) = lint_file(&fx.path);
        let hits = report
            .findings
            .iter()
            .filter(|f| f.code.as_str() == fx.code)
            .count();
        if fx.fire && hits == 0 {
            failures.push(format!(
                "{}: does not report {}",
                fx.path.display(),
                fx.code
            ));
        }
        if !fx.fire && hits > 0 {
            failures.push(format!("{}: reports {}", fx.path.display(), fx.code));
        }
        let actual = snapshot(&report);
        let expected_path = fx.path.with_extension("expected");
        if bless() {
            fs::write(&expected_path, &actual).unwrap();
        } else {
            let expected = fs::read_to_string(&expected_path).unwrap_or_default();
            if expected != actual {
                failures.push(format!(
                    "{}:\n--- expected\n{expected}--- actual\n{actual}",
                    fx.path.display()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_has_fixtures_that_fire_and_pass() {
    let all = fixtures();
    let mut missing = Vec::new();
    for r in rules() {
        let fire = all.iter().any(|f| f.code == r.code.as_str() && f.fire);
        let pass = all.iter().any(|f| f.code == r.code.as_str() && !f.fire);
        // An internal error cannot be caused by a document; it is tested in `lint::tests`.
        // `INVALID_ARN` is reserved for ARN parse errors no document produces today.
        if r.code == "CATALOG_UNAVAILABLE" || r.code == "INVALID_ARN" {
            assert!(pass, "{} needs a pass fixture", r.code);
            continue;
        }
        if !fire || !pass {
            missing.push(format!("{} (fire: {fire}, pass: {pass})", r.code));
        }
    }
    assert!(missing.is_empty(), "rules without fixtures: {missing:#?}");
}

#[test]
fn registry_is_sorted_and_covers_parse_errors() {
    let codes: Vec<&str> = rules().iter().map(|r| r.code.as_str()).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(
        codes, sorted,
        "rules() must be sorted by code, without duplicates"
    );
    for c in iam_policy::ParseError::CODES {
        assert!(
            rule(c.as_str()).is_some(),
            "parse error code {c} is not documented"
        );
    }
    // The registry's strings are exactly the codes: lint's and the template/plan problems'.
    let mut registered: std::collections::BTreeSet<&str> =
        rules().iter().map(|r| r.code.as_str()).collect();
    #[cfg(feature = "iac")]
    registered.extend(iam_policy::iac::rules().iter().map(|r| r.code.as_str()));
    #[cfg(not(feature = "iac"))]
    registered.extend(
        iam_policy::Code::ALL
            .iter()
            .filter(|c| !c.is_lint())
            .map(|c| c.as_str()),
    );
    let all: std::collections::BTreeSet<&str> =
        iam_policy::Code::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(registered, all);
    assert_eq!(all.len(), iam_policy::Code::ALL.len());
    for &c in iam_policy::Code::ALL {
        assert_eq!(c.as_str().parse::<iam_policy::Code>(), Ok(c));
        assert_eq!(c.rule().code, c);
    }
    for r in rules() {
        assert!(
            !r.summary.ends_with('.'),
            "{}: summary ends with a period",
            r.code
        );
        assert!(r.help_uri.starts_with("https://"), "{}: help_uri", r.code);
    }
    assert_eq!(
        rule("PUBLIC_ACCESS").unwrap().severity,
        Severity::SecurityWarning
    );
    assert_eq!(
        rule("REDUNDANT_ACTION").unwrap().severity,
        Severity::Suggestion
    );
    assert!(rule("NOT_A_RULE").is_none());
}

#[test]
fn findings_use_registered_codes_and_severities() {
    let mut files: Vec<PathBuf> = fixtures().into_iter().map(|f| f.path).collect();
    for kind in ["valid", "invalid"] {
        files.extend(
            sorted_entries(&root().join("fixtures/policies").join(kind))
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "json")),
        );
    }
    for path in files {
        let (_, report) = lint_file(&path);
        for f in &report.findings {
            let r = rule(f.code.as_str())
                .unwrap_or_else(|| panic!("{}: unregistered {}", path.display(), f.code));
            // `MISSING_VERSION` is a parse error (so an `ERROR`) in resource control policies.
            let parse_error = f.code == "MISSING_VERSION" && report.policy_type == PolicyType::Rcp;
            // Spaces around a variable name are trimmed by the engine: a warning, where a space
            // inside the name is a parse error.
            let trimmed_space =
                f.code == "UNSUPPORTED_SPACE_IN_VARIABLE" && f.severity == Severity::Warning;
            assert!(
                f.severity == r.severity || parse_error || trimmed_space,
                "{}: {} reported as {} but registered as {}",
                path.display(),
                f.code,
                f.severity,
                r.severity
            );
            assert!(f.start <= f.end, "{}: {} span", path.display(), f.code);
        }
    }
}

/// Findings at `WARNING` or above that valid policies are expected to have: each is what its
/// rule is defined to report, on a policy that is valid but not clean.
const VALID_POLICY_FINDINGS: &[(&str, &str)] = &[
    // A made-up condition key (`example:BinaryKey`) names no AWS service.
    ("identity-binary-and-arn-conditions.json", "INVALID_SERVICE"),
    // `Allow s3:*` on `*` without a condition (a Deny narrows it, which the rule ignores).
    (
        "identity-deny-notresource.json",
        "SENSITIVE_ACTION_WITH_STAR_IN_RESOURCE",
    ),
    // No `Version`: Access Analyzer's general warning.
    ("identity-no-version.json", "MISSING_VERSION"),
    // Variables under 2008-10-17 are literal: Access Analyzer's error.
    (
        "identity-version-2008-literal-variable.json",
        "VARIABLE_UNSUPPORTED_IN_VERSION",
    ),
    // A public-read bucket policy is public by design.
    ("resource-s3-public-read.json", "PUBLIC_ACCESS"),
    // The Secrets Manager guide's `${ aws:PrincipalTag/AccessProject }`: the engine trims the
    // spaces, lint warns (semantic decision 7).
    (
        "identity-secretsmanager-abac-spaced-variable.json",
        "UNSUPPORTED_SPACE_IN_VARIABLE",
    ),
];

#[test]
fn valid_policies_have_no_warnings_beyond_the_expected_ones() {
    let dir = root().join("fixtures/policies/valid");
    let mut seen = Vec::new();
    let mut unexpected = Vec::new();
    for path in sorted_entries(&dir) {
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let (_, report) = lint_file(&path);
        for f in report
            .findings
            .iter()
            .filter(|f| f.severity <= Severity::Warning)
        {
            if VALID_POLICY_FINDINGS.contains(&(name.as_str(), f.code.as_str())) {
                seen.push((name.clone(), f.code.as_str()));
            } else {
                unexpected.push(format!(
                    "{name}: {} {} {} ({})",
                    f.severity, f.code, f.path, f.message
                ));
            }
        }
    }
    assert!(unexpected.is_empty(), "{}", unexpected.join("\n"));
    for (file, c) in VALID_POLICY_FINDINGS {
        assert!(
            seen.iter().any(|(f, s)| f == file && s == c),
            "{file} no longer reports {c}: remove it from the list"
        );
    }
}

/// How rules decide, where the one-line summary is not enough: the exact definitions of the
/// rules Access Analyzer does not have, and the readings chosen for some of its rules.
const DETAILS: &[(&str, &str)] = &[
    (
        "RESOURCE_MISMATCH",
        "Reported once per statement, on `Action`, when the statement's `Action` names (without \
         wildcards) an action of a known service that has resource types, its `Resource` list has \
         no `\"*\"`, and for at least one such action none of the listed ARNs matches any of that \
         action's resource-type ARN formats. `${...}` in a format matches anything; `*` and `?` \
         in the policy ARN are IAM wildcards (within one ARN component, except that a pattern \
         with fewer than six components ending in `*` covers everything below it).",
    ),
    (
        "ALLOW_WITH_NOT_ACTION",
        "Identity and resource policies only: an `Allow` statement with `NotAction`. Reported on \
         `NotAction`.",
    ),
    (
        "ALLOW_WITH_NOT_RESOURCE",
        "Identity and resource policies only: an `Allow` statement with `NotResource`. Reported \
         on `NotResource`.",
    ),
    (
        "SENSITIVE_ACTION_WITH_STAR_IN_RESOURCE",
        "Identity policies only: an `Allow` statement without `Condition` whose `Resource` holds \
         `\"*\"` and whose `Action` (wildcards expanded) covers `secretsmanager:GetSecretValue`, \
         `secretsmanager:BatchGetSecretValue`, `ssm:GetParameter`, `ssm:GetParameters`, \
         `ssm:GetParametersByPath`, `kms:Decrypt` or `s3:GetObject`. Reported on `Resource`.",
    ),
    (
        "PUBLIC_ACCESS",
        "Resource policies only: an `Allow` statement for which the offline analysis \
         (`iam_policy::analysis`, the question of `iam-policy check no-public-access`) finds a \
         request from an anonymous caller, or from an account the policy does not name, that \
         the policy allows. As in S3's meaning of public, only fixed values (no wildcard, no \
         policy variable, not `…IfExists`) of a key that narrows the caller make a grant to \
         `\"*\"` non-public: `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, \
         `aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:PrincipalServiceName`, \
         `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceOrgID`, `aws:SourceOrgPaths`, \
         `aws:SourceOwner`, `aws:SourceVpc`, `aws:SourceVpce`, `aws:SourceIp`, \
         `aws:VpcSourceIp`, `aws:userid`, `aws:username`, `kms:CallerAccount`; `Deny` \
         statements and `NotPrincipal` count. The message carries the witness request, which \
         the engine confirms. Where the analysis cannot be exact, an `Allow` to `\"*\"` with \
         no condition on one of those keys is reported without a witness. Reported on \
         `Principal`. `iam_policy::exposure::exposure` says to whom a resource policy grants \
         access.",
    ),
    (
        "MISSING_SOURCE_CONDITION_FOR_SERVICE_PRINCIPAL",
        "Resource policies only: an `Allow` statement whose `Principal` has a `Service` entry \
         and whose `Condition` has no key (under any operator) among `aws:SourceArn`, \
         `aws:SourceAccount`, `aws:SourceOrgID`, `aws:SourceOrgPaths` and `aws:SourceOwner`. \
         Reported on the `Service` key. Role trust policies are not checked: many services \
         send no source keys when they assume a role.",
    ),
    (
        "IFEXISTS_ON_ALWAYS_PRESENT_KEY",
        "An `…IfExists` operator on `aws:CurrentTime`, `aws:EpochTime`, `aws:RequestedRegion`, \
         `aws:SecureTransport`, `aws:UserAgent` or `aws:ViaAWSService`. Reported on the key.",
    ),
    (
        "FORALLVALUES_ALLOW_WITHOUT_NULL_CHECK",
        "An `Allow` statement with `ForAllValues:<operator>` (not `Null`) on a multivalued key \
         (`aws:TagKeys`, `aws:CalledVia`, `aws:PrincipalServiceNamesList`, and the keys the \
         catalog types `ArrayOf…`) and no `\"Null\": {key: \"false\"}` in the same statement. \
         Reported on the key.",
    ),
    (
        "CATALOG_UNAVAILABLE",
        "Not caused by a document: reported (once, for the whole document) when the bundled \
         service catalog cannot be decoded. The checks that need the catalog are skipped and \
         `LintReport::internal_error` returns this finding; the CLI should exit with status 2.",
    ),
    (
        "UNSUPPORTED_SPACE_IN_VARIABLE",
        "A space inside a variable name is a parse error. Spaces around the name \
         (`${ aws:PrincipalTag/team }`, as in the Secrets Manager guide) are trimmed by the \
         engine, so lint reports them as a `WARNING` with the same code.",
    ),
    (
        "MISSING_VERSION",
        "A `WARNING` for every policy type but resource control policies, where the parser \
         refuses a missing `Version` (an `ERROR`).",
    ),
    (
        "MISSING_ARN_FIELD",
        "Also reported by lint for a `Resource` or `NotResource` entry with fewer than six \
         components that does not end in `*`: the parser accepts it, and it matches nothing.",
    ),
    (
        "INVALID_ARN_RESOURCE",
        "The resource part is compared with the formats of every catalog resource type whose \
         ARNs have the same service component, plus `iam::…:root`, `sts::…:assumed-role/…` and \
         `sts::…:federated-user/…`. A service without formats in the catalog is not checked.",
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        "The `PASS_ROLE_*` and `CREATE_SLR_*` rules apply to `Allow` statements of identity \
         policies, permissions boundaries and session policies. \"Every role\" is a `Resource` \
         entry that is `\"*\"` or an IAM ARN whose resource part covers `role/*` \
         (`role/aws-service-role/*` for `iam:CreateServiceLinkedRole`); a positive condition \
         on `iam:PassedToService` (`iam:AWSServiceName`) silences the star-resource variants. \
         A `NotResource` variant applies unless `NotResource` excludes every role.",
    ),
    (
        "PRIVATE_IP_ADDRESS",
        "Private ranges are those of RFC 1918 (`10.0.0.0/8`, `172.16.0.0/12`, \
         `192.168.0.0/16`) and RFC 4193 (`fc00::/7`); a value counts as private when its whole \
         range lies inside one.",
    ),
    (
        "REDUNDANT_ACTION",
        "An entry is redundant when every action it grants today (its expansion in the \
         catalog) is granted by the other entries of the list: `iam:GetCredentialReport` next \
         to `iam:Get*`, or `iam:*CredentialReport` next to `iam:Get*` and `iam:Generate*`, but \
         not `iam:*CredentialReport` next to `iam:Get*` alone. Entries are considered from the \
         last to the first and a redundant entry covers nothing, so removing every reported \
         entry keeps the permissions (of two equal entries the later one is reported).",
    ),
    (
        "INVALID_DATE_VALUE",
        "A JSON number, or a string that reads as epoch seconds (`1767225600`, `+1.7e9`). A \
         four-digit string is `TYPE_MISMATCH_DATE` instead: it is a W3C year and epoch seconds \
         alike, so it matches no request value (D-07).",
    ),
    (
        "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
        "Characters are counted without the JSON whitespace between tokens for identity \
         policies, permissions boundaries, trust and session policies; with it for service and \
         resource control policies (Organizations counts what the API receives) and resource \
         policies (the 20,480-character limit of the Secrets Manager API).",
    ),
];

/// A document for the rule documentation: long ones are cut.
fn shown(text: &str) -> String {
    let lines: Vec<&str> = text.trim_end().lines().collect();
    if lines.len() <= 40 {
        return lines.join("\n");
    }
    let mut out = lines[..16].join("\n");
    write!(out, "\n…  ({} more lines)", lines.len() - 16).unwrap();
    out
}

/// `docs/lint-rules.md`, generated from the registry and the first fixtures of each rule.
fn rule_docs() -> String {
    let all = fixtures();
    let aa = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html";
    let mut out = String::new();
    out.push_str("# Lint rules\n\n");
    out.push_str(
        "Generated by `tests/it/lint.rs` from the rule registry (`src/lint/registry.rs`) and the \
         fixtures in `fixtures/lint/`; run `BLESS=1 cargo test --test it lint::` after changing \
         either. Every rule has an issue code and a finding type (`ERROR`, `SECURITY_WARNING`, \
         `WARNING`, `SUGGESTION`). Codes from the IAM Access Analyzer policy check reference keep \
         its name and finding type (see [Access Analyzer parity](#access-analyzer-parity) for \
         the exceptions). When a document does not parse, only its parse errors are reported. A \
         statement with an `ERROR` finding gets no findings below `ERROR`.\n\n",
    );
    out.push_str("Findings are located by a JSON path such as `Statement[0].Condition.StringEquals[\"aws:SourceIp\"]`: `.Key` for keys made of `A-Z`, `a-z`, `0-9` and `_`, `[\"key\"]` otherwise, and no index when `Statement` is a single object.\n\n");
    out.push_str("| Code | Type | Source | What it catches |\n| --- | --- | --- | --- |\n");
    for r in rules() {
        let source = if r.help_uri == aa {
            "Access Analyzer"
        } else {
            "iam-policy"
        };
        writeln!(
            out,
            "| [`{}`](#{}) | {} | {} | {} |",
            r.code,
            r.code.as_str().to_ascii_lowercase(),
            r.severity,
            source,
            r.summary.replace('|', "\\|")
        )
        .unwrap();
    }
    out.push('\n');
    out.push_str(&crate::access_analyzer::table(|code| {
        all.iter()
            .find(|f| f.code == code && f.fire)
            .map(|f| f.path.strip_prefix(root()).unwrap().display().to_string())
    }));
    for r in rules() {
        writeln!(out, "\n## {}\n", r.code).unwrap();
        writeln!(
            out,
            "**{}**: {}. See <{}>.\n",
            r.severity, r.summary, r.help_uri
        )
        .unwrap();
        if let Some((_, details)) = DETAILS.iter().find(|(c, _)| *c == r.code) {
            writeln!(out, "{details}\n").unwrap();
        }
        for (fire, title) in [(true, "Reported for"), (false, "Not reported for")] {
            let Some(fx) = all
                .iter()
                .find(|f| f.code == r.code.as_str() && f.fire == fire)
            else {
                continue;
            };
            let text = fs::read_to_string(&fx.path).unwrap();
            let ty =
                type_of(&fx.path).map_or_else(|| "detected".to_owned(), |t| t.name().to_owned());
            let file = fx.path.strip_prefix(root()).unwrap().display().to_string();
            writeln!(out, "{title} (`{file}`, policy type {ty}):\n").unwrap();
            writeln!(out, "```json\n{}\n```\n", shown(&text)).unwrap();
        }
    }
    out
}

#[test]
fn rule_docs_are_current() {
    for (c, _) in DETAILS {
        assert!(rule(c).is_some(), "DETAILS names unknown rule {c}");
    }
    let path = root().join("docs/lint-rules.md");
    let generated = rule_docs();
    if bless() {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, generated).unwrap();
    } else {
        let committed = fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "docs/lint-rules.md is out of date: run `BLESS=1 cargo test --test it lint::`"
        );
    }
}

/// Every Access Analyzer check is ours under the same code and finding type, with a fixture
/// that fires, or its difference is written down; no difference is written for a check that
/// matches.
#[test]
fn access_analyzer_parity() {
    use crate::access_analyzer::{CHECKS, DIFFERENCES};
    let all = fixtures();
    let mut problems = Vec::new();
    for (code, _) in DIFFERENCES {
        if !CHECKS.iter().any(|(c, _)| c == code) {
            problems.push(format!(
                "DIFFERENCES names {code}, not an Access Analyzer check"
            ));
        }
    }
    for &(code, severity) in CHECKS {
        let same = rule(code).is_some_and(|r| r.severity == severity);
        let fires = all.iter().any(|f| f.code == code && f.fire);
        let explained = DIFFERENCES.iter().any(|(c, _)| *c == code);
        match (same && fires, explained) {
            (true, true) => problems.push(format!("{code} matches: remove it from DIFFERENCES")),
            (false, false) => problems.push(format!(
                "{code} ({severity}): registered {:?}, fixture that fires: {fires}; fix it or explain it in DIFFERENCES",
                rule(code).map(|r| r.severity)
            )),
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Organizations accepts the full IAM policy language in SCPs (September 2025): `Condition`,
/// `NotAction` and resource ARNs in `Allow`, `NotResource`, wildcards inside action names. The
/// parser accepts them and lint reports no `SCP_SYNTAX_ERROR_*` (see the parity notes).
#[test]
fn scp_full_iam_language_is_accepted() {
    let text = r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "AllowCondition", "Effect": "Allow", "Action": "s3:*", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}},
        {"Sid": "AllowNotAction", "Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Sid": "AllowResource", "Effect": "Allow", "Action": "s3:GetObject",
         "Resource": "arn:aws:s3:::amzn-s3-demo-bucket/*"},
        {"Sid": "DenyNotResource", "Effect": "Deny", "Action": "s3:*",
         "NotResource": "arn:aws:s3:::amzn-s3-demo-bucket/*"},
        {"Sid": "DenyWildcardInside", "Effect": "Deny", "Action": "ec2:*Snapshot*", "Resource": "*"}]}"#;
    assert!(parse_policy(text, PolicyType::Scp).is_ok());
    let report = lint_text(
        text,
        &LintOptions {
            policy_type: Some(PolicyType::Scp),
        },
    );
    let errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error || f.code.as_str().starts_with("SCP_"))
        .map(|f| (f.code, f.path.clone()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

/// A role's or user's unique id in `Principal` is stored by IAM: it parses, lint warns, and
/// it names no principal the engine can match.
#[test]
fn principal_unique_ids_parse_and_warn() {
    let text = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
        "Principal": {"AWS": ["AROAJQABLZS4A3QDU576Q", "AIDAJQABLZS4A3QDU576Q"]},
        "Action": "sts:AssumeRole"}}"#;
    assert!(parse_policy(text, PolicyType::Trust).is_ok());
    // Not an id: lower case, or another prefix.
    for bad in ["AROAjqablzs4a3qdu576q", "ASIAJQABLZS4A3QDU576Q", "AROA"] {
        let t = text.replace("AROAJQABLZS4A3QDU576Q", bad);
        assert!(parse_policy(&t, PolicyType::Trust).is_err(), "{bad}");
    }
    let report = lint_text(
        text,
        &LintOptions {
            policy_type: Some(PolicyType::Trust),
        },
    );
    let codes: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes, ["INVALID_ROLE_REFERENCE", "INVALID_USER_REFERENCE"]);

    // A secret policy granting a user's id grants nothing; the same grant to the user's ARN
    // allows.
    let alice = "arn:aws:iam::111122223333:user/alice";
    let secret = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";
    let decide = |principal: &str| {
        let text = format!(
            r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow",
            "Principal": {{"AWS": "{principal}"}}, "Action": "secretsmanager:GetSecretValue",
            "Resource": "*"}}}}"#
        );
        let mut set = iam_policy::PolicySet::new();
        set.add(
            iam_policy::PolicyKind::Resource,
            parse_policy(&text, PolicyType::Resource).unwrap(),
        );
        let request = iam_policy::Request::builder()
            .principal(alice)
            .action("secretsmanager:GetSecretValue")
            .resource(secret)
            .build()
            .unwrap();
        set.compile().evaluate(&request).decision()
    };
    assert_eq!(decide(alice), iam_policy::Decision::Allow);
    assert_eq!(
        decide("AIDAJQABLZS4A3QDU576Q"),
        iam_policy::Decision::ImplicitDeny
    );
}

#[test]
fn finding_carries_location_and_help() {
    let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\n    \"Effect\": \"Allow\",\n    \"Action\": \"s3:GetObjekt\",\n    \"Resource\": \"*\"\n  }\n}\n";
    let report = lint_text(text, &LintOptions::default());
    assert_eq!(report.policy_type, PolicyType::Identity);
    let f = &report.findings[0];
    assert_eq!(f.code, "INVALID_ACTION");
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.path, "Statement.Action");
    assert_eq!((f.start.line, f.start.column), (5, 15));
    assert_eq!(f.span.slice(text), Some("\"s3:GetObjekt\""));
    assert_eq!(f.help.as_deref(), Some("did you mean `s3:GetObject`?"));
    assert!(report.internal_error().is_none());
}

#[test]
fn json_syntax_error_reports_only_parse_errors() {
    let report = lint_text("{\"Statement\": [", &LintOptions::default());
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].code, "JSON_SYNTAX_ERROR");
}

#[test]
fn errors_silence_other_checks_of_their_statement_only() {
    let text = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObjekt", "NotResource": "arn:aws:s3:::b"},
        {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b"}]}"#;
    let report = lint_text(text, &LintOptions::default());
    let codes: Vec<(&str, &str)> = report
        .findings
        .iter()
        .map(|f| (f.code.as_str(), f.path.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            ("INVALID_ACTION", "Statement[0].Action"),
            ("ALLOW_WITH_NOT_RESOURCE", "Statement[1].NotResource"),
        ]
    );
}

fn policy(text: &str) -> iam_policy::Policy {
    parse_policy(text, PolicyType::Resource).unwrap()
}

#[test]
fn exposure_public_and_pinned() {
    let public = policy(
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*",
        "Action": "secretsmanager:GetSecretValue", "Resource": "*"}}"#,
    );
    let e = exposure(&public, Some("111122223333"));
    assert!(e.is_public());
    assert!(e.is_external());
    assert_eq!(e.grants[0].grantee, Grantee::Everyone);

    let org = policy(
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": "secretsmanager:GetSecretValue", "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5", "aws:SourceVpce": "vpce-1"}}}}"#,
    );
    let e = exposure(&org, None);
    assert!(!e.is_public());
    assert_eq!(e.organizations(), ["o-a1b2c3d4e5"]);
    assert_eq!(
        e.grants[0].narrowed_by,
        ["aws:principalorgid", "aws:sourcevpce"]
    );

    // `IfExists` and negated operators do not pin: anonymous callers lack the key.
    let loose = policy(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "444455556666"}}},
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*",
         "Condition": {"StringLike": {"aws:PrincipalOrgID": "o-*"}}}]}"#,
    );
    let e = exposure(&loose, None);
    assert_eq!(e.grants.len(), 3);
    assert!(e.grants.iter().all(|g| g.grantee == Grantee::Everyone));
}

#[test]
fn exposure_named_principals_and_owner() {
    let named = policy(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": ["111122223333", "arn:aws:iam::444455556666:role/r"],
         "Service": "lambda.amazonaws.com"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}"#,
    );
    let e = exposure(&named, Some("111122223333"));
    assert!(!e.is_public());
    assert_eq!(e.accounts(), ["444455556666"]);
    assert_eq!(e.services(), ["lambda.amazonaws.com"]);
    let own = policy(
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "s3:*", "Resource": "*"}}"#,
    );
    assert!(!exposure(&own, Some("111122223333")).is_external());
    assert!(exposure(&own, None).is_external());
}

#[test]
fn exposure_deny_statements_narrow_public_grants() {
    let org_deny = policy(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}]}"#,
    );
    let e = exposure(&org_deny, None);
    assert!(!e.is_public());
    assert_eq!(e.organizations(), ["o-a1b2c3d4e5"]);
    assert_eq!(e.grants[0].denied_by, Some(1));

    let all_denied = policy(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}"#,
    );
    assert!(!exposure(&all_denied, None).is_external());

    let not_principal = policy(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::444455556666:role/reader"},
         "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}"#,
    );
    let e = exposure(&not_principal, Some("111122223333"));
    assert!(!e.is_public());
    assert_eq!(e.accounts(), ["444455556666"]);

    // A Deny that does not cover every allowed action leaves the grant public.
    let partial = policy(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"}]}"#,
    );
    assert!(exposure(&partial, None).is_public());

    // A Deny with a condition on another key narrows nothing.
    let transport = policy(
        r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
        {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
         "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}"#,
    );
    assert!(exposure(&transport, None).is_public());
}

/// The texts of the lint fixtures and valid policies, for mutation.
fn seed_texts() -> Vec<String> {
    let mut texts: Vec<String> = fixtures()
        .iter()
        .map(|f| fs::read_to_string(&f.path).unwrap())
        .filter(|t| t.len() < 4096)
        .collect();
    for path in sorted_entries(&root().join("fixtures/policies/valid")) {
        texts.push(fs::read_to_string(&path).unwrap());
    }
    texts
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Mutated policies never panic, every finding lies inside the text, and every code is
    /// registered.
    #[test]
    fn mutated_policies_lint_without_panicking(
        seed in 0usize..10_000,
        at in 0usize..10_000,
        cut in 0usize..8,
        insert in "[ -~]{0,12}",
        ty in proptest::option::of(proptest::sample::select(PolicyType::ALL.to_vec())),
    ) {
        let texts = seed_texts();
        let text = &texts[seed % texts.len()];
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + cut).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let mutated = format!(
            "{}{insert}{}",
            text.get(..at).unwrap(),
            text.get(end..).unwrap()
        );
        let report = lint_text(&mutated, &LintOptions { policy_type: ty });
        for f in &report.findings {
            proptest::prop_assert!(rule(f.code.as_str()).is_some(), "unregistered {}", f.code);
            proptest::prop_assert!(f.span.end as usize <= mutated.len());
            proptest::prop_assert!(f.span.start <= f.span.end);
        }
    }
}

/// `NULL_WITH_QUALIFIER`'s message says what the engine decides: the qualified forms run over
/// the key's values, so `ForAllValues:Null` with `false` and `ForAnyValue:Null` with `true` do
/// not depend on the request, and the other two decide as plain `Null`.
#[test]
fn null_with_qualifier_message_matches_the_engine() {
    let decide = |operator: &str, value: &str, tags: Option<&[&str]>| {
        let text = format!(
            r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow",
            "Action": "secretsmanager:TagResource", "Resource": "*",
            "Condition": {{"{operator}": {{"aws:TagKeys": "{value}"}}}}}}}}"#
        );
        let report = lint_text(
            &text,
            &LintOptions {
                policy_type: Some(PolicyType::Identity),
            },
        );
        let message = report
            .findings
            .iter()
            .find(|f| f.code == "NULL_WITH_QUALIFIER")
            .map(|f| f.message.clone());
        let mut set = iam_policy::PolicySet::new();
        set.add(
            iam_policy::PolicyKind::Identity,
            parse_policy(&text, PolicyType::Identity).unwrap(),
        );
        let mut request = iam_policy::Request::builder()
            .principal("arn:aws:iam::111122223333:user/alice")
            .action("secretsmanager:TagResource")
            .resource("arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf");
        if let Some(tags) = tags {
            request = request.context_value(
                "aws:TagKeys",
                iam_policy::ContextValue::strings(tags.iter().copied()),
            );
        }
        let allowed = set.compile().evaluate(&request.build().unwrap()).decision()
            == iam_policy::Decision::Allow;
        (message, allowed)
    };
    let with: &[&str] = &["team"];
    for (operator, constant, always) in [
        ("ForAllValues:Null", "false", true),
        ("ForAnyValue:Null", "true", false),
    ] {
        let (message, allowed_with) = decide(operator, constant, Some(with));
        let (_, allowed_without) = decide(operator, constant, None);
        assert_eq!(
            (allowed_with, allowed_without),
            (always, always),
            "{operator}"
        );
        let message = message.expect("the rule fires");
        assert!(
            message.contains(&format!("with `{constant}` it is always {always}")),
            "{message}"
        );
        // The other value decides as plain `Null`.
        let other = if constant == "false" { "true" } else { "false" };
        let (_, q_with) = decide(operator, other, Some(with));
        let (_, q_without) = decide(operator, other, None);
        let (_, p_with) = decide("Null", other, Some(with));
        let (_, p_without) = decide("Null", other, None);
        assert_eq!(
            (q_with, q_without),
            (p_with, p_without),
            "{operator} {other}"
        );
    }
}
