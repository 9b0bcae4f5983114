//! End-to-end tests of the `iam-policy` binary: exit codes, output formats, bad input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed test"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

mod check;
mod eval;
mod iac;
mod lint;
mod test_cmd;

/// Runs the binary with `args` in `dir`, feeding `stdin`.
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_iam-policy"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("CLICOLOR_FORCE")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn iam-policy");
    if let Some(input) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// Runs the binary in the repository root.
pub fn run(args: &[&str]) -> Output {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args, None)
}

/// The exit code.
pub fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Standard output parsed as JSON.
pub fn stdout_json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(out)))
}

/// A fresh, empty scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("iam-policy-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn help_lists_subcommands_and_exit_codes() {
    let out = run(&["--help"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    for word in ["lint", "test", "eval", "Exit codes", "ExplicitDeny"] {
        assert!(text.contains(word), "help lacks {word}: {text}");
    }
}

#[test]
fn unknown_subcommand_is_usage_error() {
    let out = run(&["frobnicate"]);
    assert_eq!(code(&out), 2);
}

#[test]
fn every_subcommand_help_has_an_example_and_exit_codes() {
    for sub in ["lint", "test", "eval"] {
        let out = run(&[sub, "--help"]);
        assert_eq!(code(&out), 0);
        let text = stdout(&out);
        assert!(text.contains("Example"), "{sub}: {text}");
        assert!(text.contains("Exit codes"), "{sub}: {text}");
    }
}

#[test]
fn version_names_the_catalog_date() {
    let out = run(&["--version"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(
        text.starts_with("iam-policy 0.1.0 (AWS service catalog 20"),
        "{text}"
    );
}
