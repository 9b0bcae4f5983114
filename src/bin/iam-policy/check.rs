//! `iam-policy check …` and `iam-policy diff`: the offline custom policy checks of
//! `iam_policy::analysis` — PASS proven, FAIL with a witness request.

use std::path::Path;

use clap::{Args, Subcommand, ValueEnum};
use iam_policy::analysis::{self, Diff, Report};
use iam_policy::{LineIndex, Policy, PolicyType, Span};
use serde_json::{Value, json};

use crate::lint::PolicyTypeArg;
use crate::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

const CHECK_AFTER_HELP: &str = "\
Examples:
  iam-policy check no-new-access --existing git:origin/main:policy.json --new policy.json
  iam-policy check access-not-granted --actions iam:PassRole,s3:DeleteBucket policy.json
  iam-policy check no-public-access --resource-type AWS::S3::Bucket bucket-policy.json

A PASS is a proof over every request (caller, action, resource, condition keys). A FAIL names
the statements that grant the access, each with a request the engine confirms; when the
analysis cannot prove PASS it says FAIL and names the construct. `OLD`/`--existing` may be
`git:REV:PATH` (read with `git show REV:PATH`).

Exit codes:
  0  PASS
  1  FAIL
  2  usage error, unreadable or invalid policy";

/// `--format` of `check` and `diff`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Human-readable text.
    Text,
    /// One JSON object.
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

/// Arguments shared by the checks.
#[derive(Debug, Args)]
pub struct Common {
    /// The policy type; a role trust policy is accepted as `trust` and as `resource`.
    #[arg(long, value_enum, default_value_t = PolicyTypeArg::Auto)]
    policy_type: PolicyTypeArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    format: CheckFormat,
}

/// `iam-policy check`.
#[derive(Debug, Args)]
#[command(about = "Custom policy checks, offline and proven: no new access, access not granted, no public access", after_help = CHECK_AFTER_HELP)]
pub struct CheckArgs {
    #[command(subcommand)]
    check: Check,
}

#[derive(Debug, Subcommand)]
enum Check {
    /// PASS when NEW allows nothing that EXISTING does not.
    NoNewAccess {
        /// The reference policy (a file, or git:REV:PATH).
        #[arg(long, value_name = "OLD")]
        existing: String,
        /// The changed policy.
        #[arg(long, value_name = "NEW")]
        new: String,
        #[command(flatten)]
        common: Common,
    },
    /// PASS when POLICY allows none of the actions (on none of the resources, if given).
    AccessNotGranted {
        /// Actions, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        actions: Vec<String>,
        /// Resource ARNs, comma-separated.
        #[arg(long, value_delimiter = ',')]
        resources: Vec<String>,
        /// The policy (a file, or git:REV:PATH).
        policy: String,
        #[command(flatten)]
        common: Common,
    },
    /// PASS when POLICY grants nothing to anonymous callers or accounts it does not name.
    NoPublicAccess {
        /// The resource type, as in AWS's check (AWS::S3::Bucket, AWS::SecretsManager::Secret, ...).
        #[arg(long)]
        resource_type: String,
        /// The policy.
        policy: String,
        #[command(flatten)]
        common: Common,
    },
}

/// `iam-policy diff`.
#[derive(Debug, Args)]
#[command(
    about = "What a policy change allows that was not allowed before, and what it stops allowing"
)]
pub struct DiffArgs {
    /// The old policy (a file, or git:REV:PATH).
    old: String,
    /// The new policy.
    new: String,
    #[command(flatten)]
    common: Common,
}

/// A loaded policy and where it came from.
struct Loaded {
    name: String,
    text: String,
    policy: Policy,
    ty: PolicyType,
}

fn read(source: &str) -> Result<(String, String), String> {
    if let Some(rest) = source.strip_prefix("git:") {
        let Some((rev, path)) = rest.rsplit_once(':') else {
            return Err(format!("error: `{source}`: expected git:REV:PATH"));
        };
        let out = std::process::Command::new("git")
            .arg("show")
            .arg(format!("{rev}:{path}"))
            .output()
            .map_err(|e| format!("error: {source}: cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "error: {source}: git show failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let text = String::from_utf8(out.stdout)
            .map_err(|_| format!("error: {source}: not valid UTF-8"))?;
        return Ok((source.to_owned(), text));
    }
    let bytes = std::fs::read(Path::new(source)).map_err(|e| format!("error: {source}: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "error: {source}: not valid UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok((source.to_owned(), text))
}

/// Loads a policy; `reference`: accept wildcard principals (AWS's reference policies).
fn load(source: &str, arg: PolicyTypeArg, reference: bool) -> Result<Loaded, String> {
    let (name, text) = read(source)?;
    let ty = arg
        .policy_type()
        .unwrap_or_else(|| iam_policy::lint::detect_policy_type(&text));
    let parse = |t: PolicyType| {
        if reference {
            analysis::parse_reference(&text, t)
        } else {
            iam_policy::parse_policy(&text, t)
        }
    };
    let result = match parse(ty) {
        // A role trust policy is a resource policy to AWS's API: accept it as one.
        Err(_) if ty == PolicyType::Resource => {
            parse(PolicyType::Trust).map(|p| (p, PolicyType::Trust))
        }
        other => other.map(|p| (p, ty)),
    };
    match result {
        Ok((policy, ty)) => Ok(Loaded {
            name,
            text,
            policy,
            ty,
        }),
        Err(errors) => {
            let lines: Vec<String> = errors
                .iter()
                .map(|e| {
                    format!(
                        "error: {name}:{}:{}: {} {} (read as {} policy)",
                        e.line_col().line,
                        e.line_col().column,
                        e.code(),
                        e.kind(),
                        ty
                    )
                })
                .collect();
            Err(lines.join("\n"))
        }
    }
}

/// Runs `iam-policy check`.
pub fn run(args: &CheckArgs) -> u8 {
    let result = match &args.check {
        Check::NoNewAccess {
            existing,
            new,
            common,
        } => load(new, common.policy_type, false).and_then(|new| {
            let arg = if common.policy_type == PolicyTypeArg::Auto {
                // The reference is read as the same type as the new policy.
                type_arg(new.ty)
            } else {
                common.policy_type
            };
            let old = load(existing, arg, true)?;
            let report = analysis::no_new_access(&old.policy, &new.policy, new.ty);
            Ok((
                "no-new-access",
                claim(
                    &report,
                    format!("{} grants no access that {} does not", new.name, old.name),
                    format!("{} grants access that {} does not", new.name, old.name),
                ),
                report,
                new,
                common.format,
            ))
        }),
        Check::AccessNotGranted {
            actions,
            resources,
            policy,
            common,
        } => (|| {
            let acts: Vec<&str> = actions
                .iter()
                .map(String::as_str)
                .filter(|s| !s.is_empty())
                .collect();
            let res: Vec<&str> = resources
                .iter()
                .map(String::as_str)
                .filter(|s| !s.is_empty())
                .collect();
            let acts =
                analysis::parse_action_list(&acts).map_err(|e| format!("error: --actions {e}"))?;
            let res = analysis::parse_resource_list(&res)
                .map_err(|e| format!("error: --resources {e}"))?;
            let loaded = load(policy, common.policy_type, false)?;
            let report = analysis::access_not_granted(&loaded.policy, &acts, &res, loaded.ty);
            Ok((
                "access-not-granted",
                claim(
                    &report,
                    format!("{} grants none of {}", loaded.name, actions.join(", ")),
                    format!("{} grants some of {}", loaded.name, actions.join(", ")),
                ),
                report,
                loaded,
                common.format,
            ))
        })(),
        Check::NoPublicAccess {
            resource_type,
            policy,
            common,
        } => (|| {
            let loaded = load(policy, common.policy_type, false)?;
            let report =
                analysis::no_public_access(&loaded.policy, resource_type).ok_or_else(|| {
                    format!(
                        "error: unsupported --resource-type `{resource_type}`; supported: {}",
                        analysis::PUBLIC_ACCESS_RESOURCE_TYPES.join(", ")
                    )
                })?;
            Ok((
                "no-public-access",
                claim(
                    &report,
                    format!("{} grants no public access", loaded.name),
                    format!("{} grants public access", loaded.name),
                ),
                report,
                loaded,
                common.format,
            ))
        })(),
    };
    match result {
        Err(e) => {
            eprintln!("{e}");
            EXIT_USAGE
        }
        Ok((check, claim, report, loaded, format)) => {
            let out = match format {
                CheckFormat::Text => text_report(check, &claim, &report, &loaded),
                CheckFormat::Json => pretty(&json_report(check, &claim, &report, &loaded)),
                CheckFormat::Sarif => pretty(&sarif_report(check, &report, &loaded)),
            };
            println!("{out}");
            if report.is_pass() {
                EXIT_OK
            } else {
                EXIT_FINDINGS
            }
        }
    }
}

/// The claim as proven (PASS), refuted (a witness) or unproven.
fn claim(report: &Report, pass: String, fail: String) -> String {
    if report.is_pass() {
        pass
    } else if report.is_cannot_prove() {
        format!("cannot prove that {pass}")
    } else {
        fail
    }
}

fn type_arg(t: PolicyType) -> PolicyTypeArg {
    match t {
        PolicyType::Identity => PolicyTypeArg::Identity,
        PolicyType::Resource => PolicyTypeArg::Resource,
        PolicyType::Trust => PolicyTypeArg::Trust,
        PolicyType::PermissionsBoundary => PolicyTypeArg::Boundary,
        PolicyType::Session => PolicyTypeArg::Session,
        PolicyType::Scp => PolicyTypeArg::Scp,
        PolicyType::Rcp => PolicyTypeArg::Rcp,
        // `PolicyType` is `#[non_exhaustive]`: a type this CLI does not name yet is detected.
        _ => PolicyTypeArg::Auto,
    }
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

fn position(loaded: &Loaded, span: Span) -> (u32, u32) {
    let lc = LineIndex::new(&loaded.text).line_col(&loaded.text, span.start);
    (lc.line, lc.column)
}

fn text_report(check: &str, claim: &str, report: &Report, loaded: &Loaded) -> String {
    let mut out = format!("{} {check}: {claim}", report.verdict);
    if report.is_pass() {
        out.push_str(" (proven)");
    }
    for f in &report.findings {
        let (line, col) = position(loaded, f.span);
        out.push_str(&format!(
            "\n{}:{line}:{col}: Statement[{}]",
            loaded.name, f.statement
        ));
        if let Some(sid) = &f.sid {
            out.push_str(&format!(" ({sid})"));
        }
        out.push_str(" allows it, for example:");
        out.push_str(&format!("\n    {}", f.witness));
    }
    for g in &report.cannot_prove {
        out.push_str(&format!("\ncannot prove: {g}"));
    }
    out
}

fn json_report(check: &str, claim: &str, report: &Report, loaded: &Loaded) -> Value {
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let (line, column) = position(loaded, f.span);
            json!({
                "statement": f.statement,
                "sid": f.sid,
                "file": loaded.name,
                "line": line,
                "column": column,
                "span": {"start": f.span.start, "end": f.span.end},
                "witness": f.witness.to_json(),
            })
        })
        .collect();
    json!({
        "check": check,
        "result": report.verdict.as_str(),
        "claim": claim,
        "policyType": loaded.ty.name(),
        "findings": findings,
        "cannotProve": report.cannot_prove,
    })
}

fn rule_id(check: &str) -> String {
    check.to_ascii_uppercase().replace('-', "_")
}

fn sarif_report(check: &str, report: &Report, loaded: &Loaded) -> Value {
    let rule = rule_id(check);
    let mut results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let (line, column) = position(loaded, f.span);
            json!({
                "ruleId": rule,
                "level": "error",
                "message": {"text": format!("Statement[{}] allows {}", f.statement, f.witness)},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": loaded.name},
                    "region": {"startLine": line, "startColumn": column,
                               "byteOffset": f.span.start, "byteLength": f.span.end.saturating_sub(f.span.start)}
                }}],
                "properties": {"witness": f.witness.to_json()},
            })
        })
        .collect();
    if report.findings.is_empty() {
        for g in &report.cannot_prove {
            results.push(json!({
                "ruleId": rule,
                "level": "error",
                "message": {"text": format!("cannot prove: {g}")},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": loaded.name}}}],
            }));
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "iam-policy",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-custom-policy-checks.html",
                "rules": [{
                    "id": rule,
                    "name": rule,
                    "shortDescription": {"text": format!("custom policy check {check}")},
                    "helpUri": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-custom-policy-checks.html",
                }],
            }},
            "results": results,
        }],
    })
}

/// Runs `iam-policy diff`; exit 0 when both policies allow the same requests, 1 otherwise.
pub fn run_diff(args: &DiffArgs) -> u8 {
    let loaded = load(&args.new, args.common.policy_type, false).and_then(|new| {
        let arg = if args.common.policy_type == PolicyTypeArg::Auto {
            type_arg(new.ty)
        } else {
            args.common.policy_type
        };
        let old = load(&args.old, arg, false)?;
        Ok((old, new))
    });
    let (old, new) = match loaded {
        Ok(x) => x,
        Err(e) => {
            eprintln!("{e}");
            return EXIT_USAGE;
        }
    };
    let d = analysis::diff(&old.policy, &new.policy, new.ty);
    let out = match args.common.format {
        CheckFormat::Text => diff_text(&d, &old, &new),
        CheckFormat::Json => pretty(&diff_json(&d, &old, &new)),
        CheckFormat::Sarif => pretty(&diff_sarif(&d, &new)),
    };
    println!("{out}");
    if d.is_equivalent() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}

fn diff_text(d: &Diff, old: &Loaded, new: &Loaded) -> String {
    let mut out = String::new();
    if d.is_equivalent() {
        out.push_str(&format!(
            "{} and {} allow exactly the same requests (proven)",
            old.name, new.name
        ));
        return out;
    }
    if !d.added.is_empty() {
        out.push_str(&format!("Newly allowed by {}:", new.name));
        for c in &d.added {
            let (line, _) = position(new, c.span);
            out.push_str(&format!("\n  + line {line}: {c}"));
        }
    }
    if !d.removed.is_empty() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("No longer allowed (was allowed by {}):", old.name));
        for c in &d.removed {
            let (line, _) = position(old, c.span);
            out.push_str(&format!("\n  - line {line}: {c}"));
        }
    }
    for g in &d.cannot_prove {
        out.push_str(&format!("\ncannot prove: {g}"));
    }
    out
}

fn change_json(c: &analysis::Change, loaded: &Loaded) -> Value {
    let (line, column) = position(loaded, c.span);
    json!({
        "statement": c.statement,
        "sid": c.sid,
        "file": loaded.name,
        "line": line,
        "column": column,
        "actions": c.actions,
        "resources": c.resources,
        "principals": c.principals,
        "conditions": c.conditions,
        "witness": c.witness.to_json(),
    })
}

fn diff_json(d: &Diff, old: &Loaded, new: &Loaded) -> Value {
    json!({
        "equivalent": d.is_equivalent(),
        "added": d.added.iter().map(|c| change_json(c, new)).collect::<Vec<_>>(),
        "removed": d.removed.iter().map(|c| change_json(c, old)).collect::<Vec<_>>(),
        "cannotProve": d.cannot_prove,
    })
}

fn diff_sarif(d: &Diff, new: &Loaded) -> Value {
    let results: Vec<Value> = d
        .added
        .iter()
        .map(|c| {
            let (line, column) = position(new, c.span);
            json!({
                "ruleId": "NEW_ACCESS",
                "level": "warning",
                "message": {"text": format!("Statement[{}] newly allows {}", c.statement, c.witness)},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": new.name},
                    "region": {"startLine": line, "startColumn": column}
                }}],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "iam-policy", "version": env!("CARGO_PKG_VERSION"),
                "rules": [{"id": "NEW_ACCESS", "shortDescription": {"text": "a change allows new access"}}]}},
            "results": results,
        }],
    })
}
