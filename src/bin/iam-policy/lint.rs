//! `iam-policy lint`: check policy files and report findings.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use iam_policy::PolicyType;
use iam_policy::iac::{self, SourceKind};
use iam_policy::lint::{Finding, LintOptions, Severity, lint_text};

use crate::config::Config;
use crate::iac::IacArgs;
use crate::output::{self, FileFindings, Format, PolicyMeta};
use crate::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

const LINT_AFTER_HELP: &str = "\
Examples:
  iam-policy lint fixtures/policies/valid
  iam-policy lint --policy-type resource --format sarif secret-policy.json > lint.sarif
  cat policy.json | iam-policy lint -
  iam-policy lint --region eu-west-1 --parameter Env=prod infra/template.yaml
  terraform show -json plan.out > plan.json && iam-policy lint plan.json

Inputs: policy documents (JSON), CloudFormation templates (JSON or YAML, with the short-form
tags !Ref, !Sub, !GetAtt, ...) and Terraform plans (`terraform show -json`), told apart by
content (--input overrides): a plan has `format_version` and `terraform_version`; a template
has a top-level `AWSTemplateFormatVersion` or `Resources`; anything else is a policy. Every
policy in a template or plan is linted as its resource type says (a role's
AssumeRolePolicyDocument as a trust policy, a bucket policy as a resource policy, ...);
findings point into the template and name the policy (`AppRole.Policies[0].PolicyDocument`,
`module.app.aws_iam_policy.this.policy`). Intrinsic functions are resolved with parameter
defaults, --parameter values and --account-id/--region/--partition; a value that cannot be
resolved is replaced by a placeholder that never makes a finding.

Directories are searched recursively for *.json files, and for *.yaml, *.yml and *.template
files that are CloudFormation templates. `-` reads standard input.
Configuration: .iam-policy.toml, found upward from the working directory, or --config FILE:
severity overrides, suppressions (code + file glob + optional JSON path + reason), and
policy types by file glob (used when --policy-type is auto).

Exit codes:
  0  no finding at or above --fail-on
  1  findings at or above --fail-on
  2  usage error, unreadable file, a path with no policy files, or an internal error
     (the bundled AWS service catalog failed to load)";

/// Arguments of `iam-policy lint`.
#[derive(Debug, Args)]
#[command(about = "Check policy files for errors and risky grants", after_help = LINT_AFTER_HELP)]
pub struct LintArgs {
    /// Files, directories (searched for *.json) or `-` for standard input.
    #[arg(value_name = "PATH", default_value = ".")]
    paths: Vec<PathBuf>,
    /// The policy type to check the documents as; `auto` reads a document with
    /// `Principal`/`NotPrincipal` as a resource policy (a role trust policy when no statement
    /// has `Resource`/`NotResource`), any other as an identity policy.
    #[arg(long, value_enum, default_value_t = PolicyTypeArg::Auto)]
    policy_type: PolicyTypeArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// The least severe finding that makes the run fail (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Security)]
    fail_on: FailOn,
    /// Configuration file (default: .iam-policy.toml found upward from the working directory).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Ignore any configuration file.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// What the inputs are; `auto` tells by content.
    #[arg(long, value_enum, default_value_t = InputKind::Auto)]
    input: InputKind,
    #[command(flatten)]
    iac: IacArgs,
}

/// `--input`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputKind {
    /// A policy, a CloudFormation template or a Terraform plan, by content.
    Auto,
    /// Policy documents.
    Policy,
    /// CloudFormation templates (JSON or YAML).
    Cloudformation,
    /// Terraform plans or states as JSON (`terraform show -json`).
    TerraformPlan,
}

/// `--policy-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PolicyTypeArg {
    /// Detect per document.
    Auto,
    /// Identity-based policy.
    Identity,
    /// Resource-based policy.
    Resource,
    /// IAM role trust policy.
    Trust,
    /// Permissions boundary.
    Boundary,
    /// Session policy.
    Session,
    /// Service control policy.
    Scp,
    /// Resource control policy.
    Rcp,
}

impl PolicyTypeArg {
    pub(crate) fn policy_type(self) -> Option<PolicyType> {
        match self {
            Self::Auto => None,
            Self::Identity => Some(PolicyType::Identity),
            Self::Resource => Some(PolicyType::Resource),
            Self::Trust => Some(PolicyType::Trust),
            Self::Boundary => Some(PolicyType::PermissionsBoundary),
            Self::Session => Some(PolicyType::Session),
            Self::Scp => Some(PolicyType::Scp),
            Self::Rcp => Some(PolicyType::Rcp),
        }
    }
}

/// `--fail-on`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Only ERROR findings fail.
    Error,
    /// ERROR and SECURITY_WARNING findings fail.
    Security,
    /// ERROR, SECURITY_WARNING and WARNING findings fail.
    Warning,
    /// Every finding fails.
    Suggestion,
}

impl FailOn {
    fn threshold(self) -> Severity {
        match self {
            Self::Error => Severity::Error,
            Self::Security => Severity::SecurityWarning,
            Self::Warning => Severity::Warning,
            Self::Suggestion => Severity::Suggestion,
        }
    }
}

/// One input to lint.
enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    fn display(&self) -> String {
        match self {
            Self::Stdin => "<stdin>".to_owned(),
            Self::File(p) => display_path(p),
        }
    }
}

/// A path as shown to users and in SARIF: relative, with `/` separators, no leading `./`.
fn display_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./")
        .map_or_else(|| s.clone(), str::to_owned)
}

/// Runs `iam-policy lint`; returns the exit code.
pub fn run(args: &LintArgs) -> u8 {
    let config = match Config::load(args.config.as_deref(), args.no_config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let options = match args.iac.options(&config.iac) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let mut io_error = false;
    let mut inputs = Vec::new();
    for path in &args.paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        match collect(path) {
            Ok(files) if files.is_empty() => {
                eprintln!(
                    "error: {}: no policy files (*.json) or templates found",
                    display_path(path)
                );
                io_error = true;
            }
            Ok(files) => inputs.extend(files.into_iter().map(Input::File)),
            Err(e) => {
                eprintln!("error: {}: {e}", display_path(path));
                io_error = true;
            }
        }
    }

    let explicit_files: Vec<String> = args
        .paths
        .iter()
        .filter(|p| p.is_file())
        .map(|p| display_path(p))
        .collect();
    let mut policies = 0usize;
    let threshold = args.fail_on.threshold();
    let mut results = Vec::new();
    let mut suppressed = 0usize;
    for input in &inputs {
        let name = input.display();
        let bytes = match read_input(input) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {name}: {e}");
                io_error = true;
                continue;
            }
        };
        let text = match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let offset = e.utf8_error().valid_up_to();
                let bytes = e.into_bytes();
                let lossy = String::from_utf8_lossy(&bytes).into_owned();
                results.push(FileFindings::not_utf8(name, lossy, offset));
                continue;
            }
        };
        let kind = match args.input {
            InputKind::Auto => iac::detect(&name, &text),
            InputKind::Policy => None,
            InputKind::Cloudformation => Some(SourceKind::CloudFormation),
            InputKind::TerraformPlan => Some(SourceKind::TerraformPlan),
        };
        if kind.is_none() && is_yaml_name(&name) && args.input == InputKind::Auto {
            if matches!(input, Input::File(_)) && !explicit_files.contains(&name) {
                // Found by a directory walk: some other YAML file.
                continue;
            }
            eprintln!("error: {name}: not a CloudFormation template (no `Resources` section)");
            io_error = true;
            continue;
        }
        let mut file = FileFindings {
            file: name,
            text: String::new(),
            findings: Vec::new(),
            policies: Vec::new(),
            origins: Vec::new(),
        };
        let mut keep = |file: &mut FileFindings, mut f: Finding, origin: Option<usize>| {
            if let Some(sev) = config.severity_override(f.code) {
                f.severity = sev;
            }
            let locator = origin
                .and_then(|i| file.policies.get(i))
                .map(|p| p.locator.as_str());
            if config.is_suppressed(f.code, &file.file, &f.path, locator) {
                suppressed += 1;
                return;
            }
            file.findings.push(f);
            file.origins.push(origin);
        };
        if let Some(kind) = kind {
            let report = iac::lint_source(&text, kind, &options);
            let mut all: Vec<(Finding, Option<usize>)> = Vec::new();
            all.extend(report.errors.into_iter().map(|f| (f, None)));
            all.extend(report.notes.into_iter().map(|f| (f, None)));
            for (i, p) in report.policies.into_iter().enumerate() {
                file.policies.push(PolicyMeta {
                    locator: p.policy.locator,
                    resource: p.policy.resource,
                    resource_type: p.policy.resource_type,
                    policy_type: p.policy.policy_type,
                });
                all.extend(p.findings.into_iter().map(|f| (f, Some(i))));
            }
            all.sort_by_key(|(f, _)| (f.span.start, f.span.end));
            if all
                .iter()
                .any(|(f, _)| f.code == iam_policy::lint::CATALOG_UNAVAILABLE)
            {
                eprintln!(
                    "error: {}: internal error: the AWS service catalog failed to load",
                    file.file
                );
                io_error = true;
            }
            policies += file.policies.len();
            for (f, origin) in all {
                keep(&mut file, f, origin);
            }
        } else {
            let policy_type = args
                .policy_type
                .policy_type()
                .or_else(|| config.policy_type(&file.file));
            let report = lint_text(&text, &LintOptions { policy_type });
            if let Some(internal) = report.internal_error() {
                eprintln!("error: {}: internal error: {}", file.file, internal.message);
                io_error = true;
            }
            for f in report.findings {
                keep(&mut file, f, None);
            }
        }
        file.text = text;
        results.push(file);
    }

    let color = args.format == Format::Text && std::io::stdout().is_terminal();
    let files = results.len();
    if let Err(e) = output::write_findings(&results, args.format, color, suppressed) {
        eprintln!("error: cannot write output: {e}");
        return EXIT_USAGE;
    }
    let failing = results
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| f.severity <= threshold)
        .count();
    if args.format == Format::Text {
        let total: usize = results.iter().map(|r| r.findings.len()).sum();
        let embedded = if policies > 0 {
            format!(
                " ({policies} polic{} in templates and plans)",
                if policies == 1 { "y" } else { "ies" }
            )
        } else {
            String::new()
        };
        eprintln!(
            "{files} file{} checked{embedded}, {total} finding{}, {suppressed} suppressed",
            plural(files),
            plural(total)
        );
    }
    if io_error {
        EXIT_USAGE
    } else if failing > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn read_input(input: &Input) -> std::io::Result<Vec<u8>> {
    match input {
        Input::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf)?;
            Ok(buf)
        }
        Input::File(p) => std::fs::read(p),
    }
}

/// Whether a file name is a YAML (or `.template`) name.
fn is_yaml_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".yaml", ".yml", ".template"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// A file as itself; a directory as its `*.json`, `*.yaml`, `*.yml` and `*.template` files,
/// recursively, sorted (YAML files that are not templates are skipped when read).
fn collect(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                // Skip build output and VCS folders.
                let skip = p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n == "target" || n == "node_modules" || n.starts_with('.'));
                if !skip {
                    stack.push(p);
                }
            } else if p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "json" | "yaml" | "yml" | "template"))
            {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}
