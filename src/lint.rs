//! Lint: findings about a policy document, from parse errors to Access Analyzer-style checks.
//!
//! Owns [`Finding`], [`Severity`], [`LintOptions`] and [`lint_text`]. Reads the same spanned
//! JSON tree and validated model as evaluation; never does I/O. Every rule has a stable issue
//! code, listed with its severity in [`rules`] and documented in `docs/lint-rules.md`. Codes
//! that Access Analyzer defines keep its name and finding type
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>).
//!
//! How a run goes:
//!
//! 1. The document is parsed for its policy type. If parsing fails, its errors (every one
//!    `ERROR`) are the only findings.
//! 2. Otherwise the rules run on the validated [`Policy`]: document rules
//!    (`lint/document.rs`), actions (`lint/actions.rs`), resources (`lint/resources.rs`),
//!    conditions (`lint/conditions.rs`) and security rules (`lint/security.rs`, which uses
//!    [`crate::exposure`]). Catalog look-ups use the bundled AWS service catalog.
//! 3. A statement that has an `ERROR` finding keeps only its `ERROR` findings: the other checks
//!    do not run on a statement that is already wrong.
//! 4. Findings are sorted by position.
//!
//! If the bundled catalog cannot be loaded (a broken build), the report holds one
//! `CATALOG_UNAVAILABLE` finding (an `ERROR` for the whole document, see
//! [`LintReport::internal_error`]) and the checks that need the catalog are skipped; the CLI
//! is to exit with status 2 for it. `lint_text` never panics.

use crate::catalog::{Catalog, CatalogError};
use crate::json::{self, JsonValue};
use crate::policy::lower::{ParseOptions, parse_policy_with};
use crate::policy::{Policy, PolicyType};
use crate::source::{LineCol, LineIndex, Span};

pub(crate) mod actions;
mod conditions;
mod ctx;
mod document;
pub(crate) mod resources;
mod security;
mod vars;

pub use crate::code::{Code, RuleInfo, Severity};

/// The code of the internal error reported when the service catalog cannot be loaded.
pub const CATALOG_UNAVAILABLE: Code = Code::CatalogUnavailable;

/// One finding, located in the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Stable issue code, such as `INVALID_EFFECT` or `PUBLIC_ACCESS`.
    pub code: Code,
    /// How serious it is.
    pub severity: Severity,
    /// One-line message.
    pub message: String,
    /// The offending bytes.
    pub span: Span,
    /// Line and column of the span's start.
    pub start: LineCol,
    /// Line and column of the span's end.
    pub end: LineCol,
    /// JSON path, such as `Statement[0].Action`; `""` for the whole document.
    pub path: String,
    /// A hint, such as "did you mean `StringEquals`?".
    pub help: Option<String>,
}

/// Options for [`lint_text`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LintOptions {
    /// The policy type; `None` detects it (a document with `Principal` or `NotPrincipal` in any
    /// statement is a resource policy, any other an identity policy).
    pub policy_type: Option<PolicyType>,
}

/// The result of linting one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LintReport {
    /// The type the document was checked as.
    pub policy_type: PolicyType,
    /// Findings in document order.
    pub findings: Vec<Finding>,
}

/// Lints one policy document.
///
/// ```
/// use iam_policy::lint::{lint_text, LintOptions, Severity};
/// let report = lint_text(r#"{"Statement": {"Effect": "Alow", "Action": "s3:*", "Resource": "*"}}"#,
///                        &LintOptions::default());
/// assert_eq!(report.findings[0].code.as_str(), "INVALID_EFFECT");
/// assert_eq!(report.findings[0].severity, Severity::Error);
/// ```
#[must_use]
pub fn lint_text(text: &str, options: &LintOptions) -> LintReport {
    lint_with_catalog(text, options, Catalog::get())
}

/// [`lint_text`] with the catalog (or the error loading it) given, so the failure path can be
/// tested.
pub(crate) fn lint_with_catalog(
    text: &str,
    options: &LintOptions,
    catalog: Result<&Catalog, CatalogError>,
) -> LintReport {
    let policy_type = options
        .policy_type
        .unwrap_or_else(|| detect_policy_type(text));
    let index = LineIndex::new(text);
    let mut findings = Vec::new();
    let catalog = match catalog {
        Ok(c) => Some(c),
        Err(e) => {
            findings.push(Finding {
                code: CATALOG_UNAVAILABLE,
                severity: Severity::Error,
                message: format!("internal error: {e}; checks that need the catalog did not run"),
                span: Span::empty(),
                start: index.line_col(text, 0),
                end: index.line_col(text, 0),
                path: String::new(),
                help: None,
            });
            None
        }
    };
    match parse_policy_with(text, policy_type, &ParseOptions::default()) {
        Err(errors) => {
            for e in &errors {
                findings.push(Finding {
                    code: e.code(),
                    severity: Severity::Error,
                    message: e.kind().to_string(),
                    span: e.span(),
                    start: e.line_col(),
                    end: index.line_col(text, e.span().end),
                    path: e.path().to_owned(),
                    help: e.help().map(str::to_owned),
                });
            }
        }
        Ok(policy) => findings.extend(run_rules(text, &index, &policy, policy_type, catalog)),
    }
    findings.sort_by_key(|f| (f.span.start, f.span.end));
    LintReport {
        policy_type,
        findings,
    }
}

/// Runs every rule on a validated policy; drops the non-`ERROR` findings of statements that
/// have an `ERROR` finding.
fn run_rules(
    text: &str,
    index: &LineIndex,
    policy: &Policy,
    policy_type: PolicyType,
    catalog: Option<&Catalog>,
) -> Vec<Finding> {
    let mut ctx = ctx::Ctx::new(text, index, policy, policy_type, catalog);
    document::check(&mut ctx);
    actions::check(&mut ctx);
    resources::check(&mut ctx);
    conditions::check(&mut ctx);
    security::check(&mut ctx);
    let mut errored = vec![false; policy.statements.len()];
    for t in &ctx.out {
        if t.finding.severity == Severity::Error
            && let Some(slot) = t.statement.and_then(|i| errored.get_mut(i))
        {
            *slot = true;
        }
    }
    ctx.out
        .into_iter()
        .filter(|t| {
            t.finding.severity == Severity::Error
                || t.statement
                    .is_none_or(|i| !errored.get(i).copied().unwrap_or(false))
        })
        .map(|t| t.finding)
        .collect()
}

impl LintReport {
    /// The internal error of the run, if there was one: the `CATALOG_UNAVAILABLE` finding when
    /// the bundled service catalog could not be loaded. Callers should treat it as a failure of
    /// the tool, not of the policy (the CLI is to exit with status 2).
    #[must_use]
    pub fn internal_error(&self) -> Option<&Finding> {
        self.findings.iter().find(|f| f.code == CATALOG_UNAVAILABLE)
    }
}

/// Detects the policy type of a document: a document whose statements name a `Principal`
/// or `NotPrincipal` is a resource policy, or a role trust policy when no statement has a
/// `Resource` or `NotResource` (trust policies have none); any other document (also one that
/// is not valid JSON) is an identity policy.
#[must_use]
pub fn detect_policy_type(text: &str) -> PolicyType {
    let Ok(root) = json::parse(text, &json::Limits::default()) else {
        return PolicyType::Identity;
    };
    let JsonValue::Object(members) = &root.value else {
        return PolicyType::Identity;
    };
    let statements: Vec<&json::Node> = members
        .iter()
        .filter(|m| m.key == "Statement")
        .flat_map(|m| match &m.value.value {
            JsonValue::Array(items) => items.iter().collect(),
            JsonValue::Object(_) => vec![&m.value],
            _ => Vec::new(),
        })
        .collect();
    let has = |stmt: &json::Node, keys: &[&str]| match &stmt.value {
        JsonValue::Object(m) => m.iter().any(|m| keys.contains(&m.key.as_str())),
        _ => false,
    };
    let principal = statements
        .iter()
        .any(|s| has(s, &["Principal", "NotPrincipal"]));
    let resource = statements
        .iter()
        .any(|s| has(s, &["Resource", "NotResource"]));
    match (principal, resource) {
        (true, false) => PolicyType::Trust,
        (true, true) => PolicyType::Resource,
        (false, _) => PolicyType::Identity,
    }
}

/// Every documented rule, sorted by code.
#[must_use]
pub fn rules() -> &'static [RuleInfo] {
    RULES
}

/// The documentation of the lint or parse rule named `code`, if it is one (template and plan
/// codes are documented by `iac::rule`).
#[must_use]
pub fn rule(code: &str) -> Option<&'static RuleInfo> {
    Code::from_name(code)
        .filter(|c| c.is_lint())
        .map(Code::rule)
}

const RULES: &[RuleInfo] = crate::code::LINT_RULES;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_failure_is_an_internal_error_and_skips_catalog_checks() {
        let text = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::b/*"},
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}"#;
        let report = lint_with_catalog(text, &LintOptions::default(), Err(CatalogError::BadMagic));
        let internal = report.internal_error().unwrap();
        assert_eq!(internal.code, CATALOG_UNAVAILABLE);
        assert_eq!(internal.severity, Severity::Error);
        assert_eq!(internal.path, "");
        assert!(internal.message.contains("IAMCAT"), "{}", internal.message);
        let codes: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
        // No catalog: the unknown action goes unnoticed; checks without the catalog still run.
        assert_eq!(
            codes,
            [
                "CATALOG_UNAVAILABLE",
                "SENSITIVE_ACTION_WITH_STAR_IN_RESOURCE"
            ]
        );
        assert_eq!(CATALOG_UNAVAILABLE.rule().severity, Severity::Error);
    }

    #[test]
    fn catalog_failure_is_reported_with_parse_errors() {
        let report = lint_with_catalog("{", &LintOptions::default(), Err(CatalogError::BadMagic));
        let codes: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["CATALOG_UNAVAILABLE", "JSON_SYNTAX_ERROR"]);
    }

    #[test]
    fn detects_policy_type() {
        assert_eq!(
            detect_policy_type(
                r#"{"Statement": [{"Effect": "Allow", "Principal": "*", "Resource": "*"}]}"#
            ),
            PolicyType::Resource
        );
        assert_eq!(
            detect_policy_type(r#"{"Statement": {"Effect": "Allow"}}"#),
            PolicyType::Identity
        );
        assert_eq!(detect_policy_type("not json"), PolicyType::Identity);
    }
}
