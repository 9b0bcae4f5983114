//! The `iam-policy` command: lint, test and eval.
//!
//! A thin layer over the library: argument parsing, file I/O, rendering and exit codes.

mod check;
mod config;
mod eval;
mod iac;
mod lint;
mod output;
mod test;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code: success (no finding at or above the threshold; all cases passed).
pub const EXIT_OK: u8 = 0;
/// Exit code: findings at or above `--fail-on`, or failing cases.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage error, unreadable input, or internal error.
pub const EXIT_USAGE: u8 = 2;

const AFTER_HELP: &str = "\
Exit codes:
  0  success: no finding at or above --fail-on (lint), every case passed (test)
  1  findings at or above --fail-on (lint), a failing case (test)
  2  usage error, unreadable input or internal error
  eval --exit-code: 0 Allow, 3 ImplicitDeny, 4 ExplicitDeny
  check: 0 PASS, 1 FAIL, 2 error; diff: 0 same access, 1 different, 2 error";

#[derive(Debug, Parser)]
#[command(
    name = "iam-policy",
    version = env!("CARGO_PKG_VERSION"),
    about = "Parse, lint, test and evaluate AWS IAM policies, exactly as AWS IAM decides",
    after_help = AFTER_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Lint(lint::LintArgs),
    Test(test::TestArgs),
    Eval(Box<eval::EvalArgs>),
    Check(check::CheckArgs),
    Diff(check::DiffArgs),
}

/// The version, with the date of the bundled AWS service catalog.
fn version_text() -> String {
    match iam_policy::unstable::catalog::Catalog::get() {
        Ok(c) => format!(
            "{} (AWS service catalog {}, {})",
            env!("CARGO_PKG_VERSION"),
            c.data_date(),
            c.data_version()
        ),
        Err(e) => format!(
            "{} (AWS service catalog unavailable: {e})",
            env!("CARGO_PKG_VERSION")
        ),
    }
}

fn main() -> ExitCode {
    // `--version` names the catalog's date; only then is the catalog loaded.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() == 2 && args.get(1).is_some_and(|a| a == "--version" || a == "-V") {
        println!("iam-policy {}", version_text());
        return ExitCode::from(EXIT_OK);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Command::Lint(args) => lint::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Eval(args) => eval::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Diff(args) => check::run_diff(&args),
    };
    ExitCode::from(code)
}
