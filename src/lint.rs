//! Lint: findings about a policy document, from parse errors to Access Analyzer-style checks.
//!
//! Owns [`Finding`], [`Severity`], [`LintOptions`] and [`lint_text`]. Reads the same spanned
//! JSON tree and validated model as evaluation; never does I/O. Rules live in `lint/rules`;
//! every rule has a stable issue code.

use std::fmt;

use crate::json::{self, JsonValue};
use crate::policy::PolicyType;
use crate::policy::lower::{ParseOptions, parse_policy_with};
use crate::source::{LineCol, LineIndex, Span};

/// How serious a finding is, in Access Analyzer's finding types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// The policy is invalid: AWS would refuse it, or it cannot mean what it says.
    Error,
    /// The policy grants more than is likely intended.
    SecurityWarning,
    /// Probably a mistake.
    Warning,
    /// A clearer or tighter way to say the same thing.
    Suggestion,
}

impl Severity {
    /// Every severity, most serious first.
    pub const ALL: &'static [Self] = &[
        Self::Error,
        Self::SecurityWarning,
        Self::Warning,
        Self::Suggestion,
    ];

    /// `ERROR`, `SECURITY_WARNING`, `WARNING` or `SUGGESTION`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Error => "ERROR",
            Self::SecurityWarning => "SECURITY_WARNING",
            Self::Warning => "WARNING",
            Self::Suggestion => "SUGGESTION",
        }
    }

    /// Parses `ERROR`, `SECURITY_WARNING`, `WARNING`, `SUGGESTION` (also lower case, and
    /// `security` for `SECURITY_WARNING`).
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_uppercase().as_str() {
            "ERROR" => Some(Self::Error),
            "SECURITY_WARNING" | "SECURITY" => Some(Self::SecurityWarning),
            "WARNING" => Some(Self::Warning),
            "SUGGESTION" => Some(Self::Suggestion),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One finding, located in the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Stable issue code, such as `INVALID_EFFECT` or `PUBLIC_ACCESS`.
    pub code: &'static str,
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
/// assert_eq!(report.findings[0].code, "INVALID_EFFECT");
/// assert_eq!(report.findings[0].severity, Severity::Error);
/// ```
#[must_use]
pub fn lint_text(text: &str, options: &LintOptions) -> LintReport {
    let policy_type = options
        .policy_type
        .unwrap_or_else(|| detect_policy_type(text));
    let index = LineIndex::new(text);
    let mut findings = Vec::new();
    match parse_policy_with(text, policy_type, &ParseOptions::default()) {
        Err(errors) => {
            for e in &errors {
                findings.push(Finding {
                    code: e.code(),
                    severity: Severity::Error,
                    message: e.kind.to_string(),
                    span: e.span,
                    start: e.line_col,
                    end: index.line_col(text, e.span.end),
                    path: e.path.clone(),
                    help: e.help.clone(),
                });
            }
        }
        Ok(_policy) => {}
    }
    findings.sort_by_key(|f| (f.span.start, f.span.end));
    LintReport {
        policy_type,
        findings,
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

/// Documentation of one lint rule (issue code).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    /// The stable issue code.
    pub code: &'static str,
    /// The default severity.
    pub severity: Severity,
    /// One line: what it catches.
    pub summary: &'static str,
    /// Where it is documented.
    pub help_uri: &'static str,
}

/// Every documented rule, sorted by code.
#[must_use]
pub fn rules() -> &'static [RuleInfo] {
    RULES
}

/// The documentation of `code`, if it is a known rule.
#[must_use]
pub fn rule(code: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.code == code)
}

const RULES: &[RuleInfo] = &[];
