//! `iam-policy lint`: check policy files and report findings.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use iam_policy::PolicyType;
use iam_policy::lint::{LintOptions, Severity, lint_text};

use crate::config::Config;
use crate::output::{self, FileFindings, Format};
use crate::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

const LINT_AFTER_HELP: &str = "\
Examples:
  iam-policy lint fixtures/policies/valid
  iam-policy lint --policy-type resource --format sarif secret-policy.json > lint.sarif
  cat policy.json | iam-policy lint -

Directories are searched recursively for *.json files. `-` reads standard input.
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
                    "error: {}: no policy files (*.json) found",
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
        let policy_type = args
            .policy_type
            .policy_type()
            .or_else(|| config.policy_type(&name));
        let report = lint_text(&text, &LintOptions { policy_type });
        if let Some(internal) = report.internal_error() {
            eprintln!("error: {name}: internal error: {}", internal.message);
            io_error = true;
        }
        let mut findings = Vec::new();
        for mut f in report.findings {
            if let Some(sev) = config.severity_override(f.code) {
                f.severity = sev;
            }
            if config.is_suppressed(f.code, &name, &f.path) {
                suppressed += 1;
                continue;
            }
            findings.push(f);
        }
        results.push(FileFindings {
            file: name,
            text,
            findings,
        });
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
        eprintln!(
            "{files} file{} checked, {total} finding{}, {suppressed} suppressed",
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

/// A file as itself; a directory as its `*.json` files, recursively, sorted.
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
            } else if p.extension().is_some_and(|e| e == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}
