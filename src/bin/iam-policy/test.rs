//! `iam-policy test`: run decision case files (JSON Lines).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use iam_policy::case::{Case, run_case};
use serde_json::json;

use crate::iac::{IacArgs, expand_case};
use crate::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

const TEST_AFTER_HELP: &str = "\
Each line of a case file is one case:
  {\"name\": \"alice-reads-prod-db\",
   \"policies\": {\"identity\": [{...}], \"resource\": null, \"permissions_boundary\": null,
                \"session\": null, \"scps\": [], \"rcps\": []},
   \"request\": {\"principal\": \"arn:aws:iam::111122223333:user/alice\",
               \"action\": \"secretsmanager:GetSecretValue\",
               \"resource\": \"arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf\",
               \"context\": {\"aws:SourceIp\": \"10.1.2.3\"}},
   \"expect\": \"Allow\"}
`expect` is Allow, ExplicitDeny, ImplicitDeny, or Error (a policy must fail to parse).
Optional: \"why\", \"source\", and \"tags\": [\"label\", ...] (labels for --tag).
A policy may be taken from a CloudFormation template or Terraform plan:
  {\"iac\": \"../infra/app.yaml#AppRole.Policies[0].PolicyDocument\"}
(FILE#LOCATOR, FILE relative to the case file; the locator is what `lint` prints, or a
resource's logical id or address alone when it holds one policy). Template values are
resolved with --parameter, --account-id, --region and --partition.
Blank lines and lines starting with // are skipped. Directories are searched for *.jsonl.

--tag T runs only the cases whose \"tags\" hold T (exact match); repeat it to run the cases
carrying any of the given tags. Lines that are not valid cases are still reported as failures.

Examples:
  iam-policy test fixtures/cases
  iam-policy test --format json tests/secret-access.jsonl
  iam-policy test --tag aws-owned --tag no-permission fixtures/cases

Exit codes:
  0  every case passed
  1  a case failed, or a line is not a valid case
  2  a file cannot be read, or --tag was given and no case carries any of the tags";

/// Arguments of `iam-policy test`.
#[derive(Debug, Args)]
#[command(about = "Run policy unit tests from case files", after_help = TEST_AFTER_HELP)]
pub struct TestArgs {
    /// Case files (JSON Lines) or directories holding *.jsonl files.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    format: TestFormat,
    /// Run only the cases carrying this tag (repeatable: any of the tags).
    #[arg(long = "tag", value_name = "TAG")]
    tags: Vec<String>,
    #[command(flatten)]
    iac: IacArgs,
}

/// `--format` of `test`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// Failing cases, then `N passed, M failed`.
    Text,
    /// One JSON object per case and line: name, expected, actual, passed, reasons, tags.
    Json,
}

/// One case's outcome as reported.
struct Reported {
    file: String,
    line: usize,
    name: String,
    expected: String,
    actual: String,
    passed: bool,
    reasons: Vec<String>,
    tags: Vec<String>,
}

fn case_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !std::fs::metadata(path)?.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out = Vec::new();
    let mut stack = vec![path.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let p = entry?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "jsonl") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Runs `iam-policy test`; returns the exit code.
pub fn run(args: &TestArgs) -> u8 {
    let options = match args.iac.options(&crate::config::IacConfig::default()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_USAGE;
        }
    };
    let mut io_error = false;
    let mut reported = Vec::new();
    let mut skipped = 0usize;
    for path in &args.files {
        let files = match case_files(path) {
            Ok(f) if f.is_empty() => {
                eprintln!("error: {}: no case files (*.jsonl) found", path.display());
                io_error = true;
                continue;
            }
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: {}: {e}", path.display());
                io_error = true;
                continue;
            }
        };
        for file in files {
            let shown = file.display().to_string();
            let bytes = match std::fs::read(&file) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("error: {shown}: {e}");
                    io_error = true;
                    continue;
                }
            };
            let text = String::from_utf8_lossy(&bytes);
            let base = file.parent().unwrap_or_else(|| Path::new("."));
            for (i, line) in text.lines().enumerate() {
                let trimmed = line.trim();
                if trimmed.is_empty() || trimmed.starts_with("//") {
                    continue;
                }
                match expand_case(trimmed, base, &options) {
                    Ok(expanded) => match run_line(&shown, i + 1, &expanded, &args.tags) {
                        Some(r) => reported.push(r),
                        None => skipped += 1,
                    },
                    Err(e) => reported.push(Reported {
                        file: shown.clone(),
                        line: i + 1,
                        name: format!("{shown}:{}", i + 1),
                        expected: "a valid case".to_owned(),
                        actual: "Error".to_owned(),
                        passed: false,
                        reasons: vec![format!("line {}: {e}", i + 1)],
                        tags: Vec::new(),
                    }),
                }
            }
        }
    }

    let selected_none = !args.tags.is_empty() && reported.is_empty();
    if !args.tags.is_empty() {
        eprintln!(
            "{skipped} case{} skipped (no tag among {})",
            if skipped == 1 { "" } else { "s" },
            args.tags.join(", ")
        );
    }
    let passed = reported.iter().filter(|r| r.passed).count();
    let failed = reported.len() - passed;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        TestFormat::Text => write_text(&mut out, &reported, passed, failed),
        TestFormat::Json => write_json(&mut out, &reported),
    };
    if let Err(e) = written.and_then(|()| out.flush()) {
        eprintln!("error: cannot write output: {e}");
        return EXIT_USAGE;
    }
    if args.format == TestFormat::Json {
        eprintln!("{passed} passed, {failed} failed");
    }
    if selected_none {
        eprintln!("error: no case carries any of the tags given with --tag");
    }
    if io_error || selected_none {
        EXIT_USAGE
    } else if failed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

/// Runs one line; `None` when `tags` is non-empty and the case carries none of them. A line
/// that is not a valid case is always reported (it may have carried a tag).
fn run_line(file: &str, line: usize, text: &str, tags: &[String]) -> Option<Reported> {
    Some(match Case::parse(text) {
        Ok(case) => {
            if !tags.is_empty() && !tags.iter().any(|t| case.has_tag(t)) {
                return None;
            }
            let r = run_case(&case);
            Reported {
                tags: case.tags,
                file: file.to_owned(),
                line,
                name: r.name,
                expected: r.expected.to_string(),
                actual: r.actual.as_str().to_owned(),
                passed: r.passed,
                reasons: r.reasons,
            }
        }
        Err(e) => Reported {
            file: file.to_owned(),
            line,
            name: format!("{file}:{line}"),
            expected: "a valid case".to_owned(),
            actual: "Error".to_owned(),
            passed: false,
            reasons: vec![format!("line {line}: {e}")],
            tags: Vec::new(),
        },
    })
}

fn write_text(
    out: &mut impl Write,
    reported: &[Reported],
    passed: usize,
    failed: usize,
) -> std::io::Result<()> {
    for r in reported.iter().filter(|r| !r.passed) {
        writeln!(
            out,
            "FAIL {} ({}:{}): expected {}, got {}",
            r.name, r.file, r.line, r.expected, r.actual
        )?;
        for reason in &r.reasons {
            writeln!(out, "    {reason}")?;
        }
    }
    writeln!(out, "{passed} passed, {failed} failed")
}

fn write_json(out: &mut impl Write, reported: &[Reported]) -> std::io::Result<()> {
    for r in reported {
        let v = json!({
            "name": r.name,
            "file": r.file,
            "line": r.line,
            "expected": r.expected,
            "actual": r.actual,
            "passed": r.passed,
            "reasons": r.reasons,
            "tags": r.tags,
        });
        writeln!(out, "{v}")?;
    }
    Ok(())
}
