//! Policies where they live: CloudFormation templates (JSON and YAML) and Terraform plans
//! (`terraform show -json`). Behind the `iac` cargo feature (on with `cli`).
//!
//! Owns detecting a template or plan ([`detect`]), finding the policy documents in it
//! ([`extract`], each an [`EmbeddedPolicy`] with its policy type, resource and locator) and
//! linting them with findings located in the template ([`lint_source`]). Pure text
//! processing: no I/O. The policies go through the crate's one policy parser and lint
//! ([`crate::lint::lint_text`]); only positions are translated.
//!
//! How positions map (see DESIGN.md, "IaC inputs"):
//!
//! * A policy written as a mapping (YAML or JSON) is resolved (intrinsic functions) and
//!   re-serialised to compact JSON while recording, for every value and key, its range in
//!   the JSON text and its span in the template. A finding maps to the innermost recorded
//!   value that contains it; inside a string whose source bytes equal its value, byte for byte.
//! * A policy written as a string (a Terraform plan's `policy`, a CloudFormation property given
//!   as a JSON string) is linted as that string's text; every byte of it maps to its bytes in
//!   the source literal (escapes decoded), so a JSON syntax error inside is located exactly.
//! * A value that could not be resolved is replaced by a placeholder of the shape its element
//!   needs (an ARN in `Resource`, the configured account's root in `Principal.AWS`, a number
//!   under a `Numeric*` operator, ...). Findings located at a placeholder are dropped, and so
//!   is `RESOURCE_MISMATCH` in a statement whose `Resource` holds one: a made-up value never
//!   produces a finding. `eval` and `test` refuse a policy that still holds a placeholder.

use crate::code::Code;
use std::collections::BTreeMap;

use crate::lint::{Finding, LintOptions, Severity, lint_text};
use crate::policy::PolicyType;
use crate::source::{LineIndex, Span};

mod cfn;
mod emit;
mod terraform;
mod tree;
mod yaml;

/// Bounds on a template or plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum input size in bytes (default 64 MiB: plans of large configurations are big).
    pub max_size: usize,
    /// Maximum nesting depth (default 128).
    pub max_depth: usize,
    /// Maximum number of YAML nodes (default 4 million).
    pub max_nodes: usize,
    /// Maximum expansion work for intrinsic functions, in resolved nodes (default 1 million).
    pub max_resolve: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_size: 64 << 20,
            max_depth: 128,
            max_nodes: 4_000_000,
            max_resolve: 1_000_000,
        }
    }
}

/// What kind of file a template or plan is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// An AWS CloudFormation template, JSON or YAML.
    CloudFormation,
    /// A Terraform plan or state as JSON (`terraform show -json`).
    TerraformPlan,
}

impl SourceKind {
    /// `cloudformation` or `terraform-plan`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::CloudFormation => "cloudformation",
            Self::TerraformPlan => "terraform-plan",
        }
    }
}

/// Detects a template or plan by content; the file name only keeps a `.json` file that is
/// not a JSON object from being read as YAML.
///
/// * A Terraform plan or state: a JSON object with top-level `format_version` and
///   `terraform_version` keys (`terraform show -json`).
/// * A CloudFormation template: a JSON object with a top-level `AWSTemplateFormatVersion` or
///   `Resources` key, or YAML with such a key at the start of a line (any file name).
/// * Anything else (a policy document, which has neither key): `None`.
///
/// ```
/// use iam_policy::iac::{detect, SourceKind};
/// assert_eq!(detect("t.yaml", "Resources:\n  R:\n    Type: AWS::SQS::Queue\n"),
///            Some(SourceKind::CloudFormation));
/// assert_eq!(detect("p.json", r#"{"Version": "2012-10-17", "Statement": []}"#), None);
/// ```
#[must_use]
pub fn detect(file_name: &str, text: &str) -> Option<SourceKind> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        let keys = top_level_keys(trimmed);
        let has = |k: &str| keys.contains(&k);
        if has("format_version") && has("terraform_version") {
            return Some(SourceKind::TerraformPlan);
        }
        if has("AWSTemplateFormatVersion") || has("Resources") {
            return Some(SourceKind::CloudFormation);
        }
        return None;
    }
    if file_name.to_ascii_lowercase().ends_with(".json") {
        return None;
    }
    let top_key = |k: &str| {
        text.lines().any(|l| {
            l.strip_prefix(k)
                .map(|r| r.trim_start_matches(['"', '\'']))
                .or_else(|| {
                    l.strip_prefix('"')
                        .or_else(|| l.strip_prefix('\''))
                        .and_then(|l| l.strip_prefix(k))
                        .map(|r| r.trim_start_matches(['"', '\'']))
                })
                .is_some_and(|r| r.trim_start().starts_with(':'))
        })
    };
    (top_key("AWSTemplateFormatVersion") || top_key("Resources"))
        .then_some(SourceKind::CloudFormation)
}

/// The keys of a JSON object's top level (raw, escapes not decoded), scanning bytes: no tree is
/// built, so detecting a large plan costs one pass.
fn top_level_keys(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut keys = Vec::new();
    let mut depth = 0usize;
    let mut i = 0usize;
    let mut expect_key = false;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => {
                let start = i + 1;
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    match c {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                if depth == 1 && expect_key {
                    if let Some(k) = text.get(start..i) {
                        keys.push(k);
                    }
                    expect_key = false;
                }
            }
            b'{' | b'[' => {
                depth += 1;
                expect_key = depth == 1 && b == b'{';
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => expect_key = true,
            _ => {}
        }
        i += 1;
    }
    keys
}

/// Values for resolving a template: pseudo parameters and parameter values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// `AWS::AccountId` (default `123456789012`).
    pub account_id: String,
    /// `AWS::Region` (default `us-east-1`).
    pub region: String,
    /// `AWS::Partition` (default `aws`).
    pub partition: String,
    /// `AWS::StackName` (default `stack`).
    pub stack_name: String,
    /// Template parameter values; they win over a parameter's `Default`.
    pub parameters: BTreeMap<String, String>,
    /// Input bounds.
    pub limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            account_id: "123456789012".to_owned(),
            region: "us-east-1".to_owned(),
            partition: "aws".to_owned(),
            stack_name: "stack".to_owned(),
            parameters: BTreeMap::new(),
            limits: Limits::default(),
        }
    }
}

impl Options {
    /// `AWS::URLSuffix` for the partition.
    #[must_use]
    pub fn url_suffix(&self) -> &'static str {
        match self.partition.as_str() {
            "aws-cn" => "amazonaws.com.cn",
            _ => "amazonaws.com",
        }
    }
}

/// A problem with a template or plan itself (not with a policy in it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IacError {
    code: Code,
    message: String,
    span: Span,
}

impl IacError {
    pub(crate) fn new(code: Code, message: String, span: Span) -> Self {
        Self {
            code,
            message,
            span,
        }
    }

    /// A stable code: see [`rules`].
    #[must_use]
    pub const fn code(&self) -> Code {
        self.code
    }

    /// What went wrong.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where, in the template.
    #[must_use]
    pub const fn span(&self) -> Span {
        self.span
    }
}

/// A value the resolver could not compute, replaced by a placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unresolved {
    /// Where the value is written in the template.
    pub span: Span,
    /// Why, such as "parameter `BucketName` has no value".
    pub reason: String,
}

/// How positions in a policy's text map to positions in the template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SpanMap {
    /// A re-serialised tree: recorded values, sorted by start.
    Tree(Vec<emit::Seg>),
    /// A string's text: the template offset of each byte of the text, and one for its end.
    Bytes(Vec<u32>),
    /// Every position maps to this span.
    Whole(Span),
}

/// One policy document found in a template or plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbeddedPolicy {
    /// Names the policy in its file: `MyRole.AssumeRolePolicyDocument`,
    /// `MyRole.Policies[0].PolicyDocument` (CloudFormation: logical id and property path) or
    /// `module.app.aws_iam_role.this.assume_role_policy` (Terraform: resource address and
    /// attribute).
    pub locator: String,
    /// The logical id or resource address.
    pub resource: String,
    /// `AWS::IAM::Role`, `aws_iam_role`, ...
    pub resource_type: String,
    /// The type the document is checked as.
    pub policy_type: PolicyType,
    /// The document as the policy parser reads it (resolved, as JSON).
    pub text: String,
    /// The document's value in the template.
    pub span: Span,
    /// Values replaced by placeholders.
    pub unresolved: Vec<Unresolved>,
    pub(crate) map: SpanMap,
    /// Ranges of `text` that hold placeholders, with the JSON path of each.
    pub(crate) uncertain: Vec<(Span, String)>,
}

impl EmbeddedPolicy {
    /// The template span of a span of [`EmbeddedPolicy::text`].
    #[must_use]
    pub fn map_span(&self, span: Span) -> Span {
        match &self.map {
            SpanMap::Whole(s) => *s,
            SpanMap::Bytes(offsets) => {
                let at = |i: u32| {
                    offsets
                        .get(i as usize)
                        .or_else(|| offsets.last())
                        .copied()
                        .unwrap_or(self.span.start)
                };
                // The end is where the byte after the span is written, so an escape at the
                // end (`\"`) is covered whole.
                let start = at(span.start);
                let end = if span.is_empty() {
                    start
                } else {
                    at(span.end).max(start)
                };
                Span::new(start, end)
            }
            SpanMap::Tree(segs) => emit::map(segs, span).unwrap_or(self.span),
        }
    }

    /// Whether a finding at `span` with JSON path `path` and `code` is about a placeholder.
    fn is_about_placeholder(&self, span: Span, path: &str, code: Code) -> bool {
        if self.uncertain.iter().any(|(u, _)| {
            u.start <= span.start && span.end <= u.end && !(span.is_empty() && u.is_empty())
        }) {
            return true;
        }
        if code == Code::ResourceMismatch {
            let stmt = path.split('.').next().unwrap_or_default();
            return self.uncertain.iter().any(|(_, p)| {
                p.strip_prefix(stmt).is_some_and(|rest| {
                    rest.starts_with(".Resource") || rest.starts_with(".NotResource")
                })
            });
        }
        false
    }
}

/// The policies of a template or plan, and its problems.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extraction {
    /// What the file is.
    pub kind: SourceKind,
    /// The policies, in template order.
    pub policies: Vec<EmbeddedPolicy>,
    /// Problems with the file: syntax, unknown tags, invalid intrinsic functions. A problem
    /// in one resource does not stop the others from being read.
    pub errors: Vec<IacError>,
    /// Notes: policies that could not be read (unknown until apply, ...), for users.
    pub notes: Vec<IacError>,
}

/// Finds the policy documents of a template or plan.
#[must_use]
pub fn extract(text: &str, kind: SourceKind, options: &Options) -> Extraction {
    let mut out = Extraction {
        kind,
        policies: Vec::new(),
        errors: Vec::new(),
        notes: Vec::new(),
    };
    let trimmed_json = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .starts_with('{');
    let root = if trimmed_json {
        let limits = crate::json::Limits {
            max_depth: options.limits.max_depth,
            max_size: options.limits.max_size,
        };
        match crate::json::parse(text, &limits) {
            Ok(node) => tree::from_json(&node),
            Err(e) => {
                out.errors.push(IacError::new(
                    Code::TemplateSyntaxError,
                    format!("invalid JSON: {}", e.kind()),
                    e.span(),
                ));
                return out;
            }
        }
    } else {
        match yaml::parse(text, &options.limits) {
            Ok(node) => node,
            Err(e) => {
                out.errors.push(e);
                return out;
            }
        }
    };
    match kind {
        SourceKind::CloudFormation => cfn::extract(&root, text, options, &mut out),
        SourceKind::TerraformPlan => terraform::extract(&root, text, &mut out),
    }
    out
}

/// The findings of one embedded policy, located in the template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyFindings {
    /// The policy (its text and maps).
    pub policy: EmbeddedPolicy,
    /// Findings, with spans, lines and columns in the template.
    pub findings: Vec<Finding>,
}

/// The result of [`lint_source`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceReport {
    /// What the file is.
    pub kind: SourceKind,
    /// One entry per policy, in template order.
    pub policies: Vec<PolicyFindings>,
    /// The file's own problems as `ERROR` findings (codes in [`rules`]), located in it.
    pub errors: Vec<Finding>,
    /// Notes (policies not known until apply, ...) as findings of severity `SUGGESTION` with
    /// code `IAC_POLICY_SKIPPED`.
    pub notes: Vec<Finding>,
}

/// Lints every policy of a template or plan; findings are located in `text`.
///
/// ```
/// use iam_policy::iac::{lint_source, Options, SourceKind};
/// let template = "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Alow\n            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n";
/// let report = lint_source(template, SourceKind::CloudFormation, &Options::default());
/// let f = &report.policies[0].findings[0];
/// assert_eq!((f.code.as_str(), f.start.line, f.start.column), ("INVALID_EFFECT", 8, 21));
/// assert_eq!(report.policies[0].policy.locator, "Role.AssumeRolePolicyDocument");
/// ```
#[must_use]
pub fn lint_source(text: &str, kind: SourceKind, options: &Options) -> SourceReport {
    let extraction = extract(text, kind, options);
    let index = LineIndex::new(text);
    let locate = |code: Code, severity: Severity, message: String, span: Span| Finding {
        code,
        severity,
        message,
        span,
        start: index.line_col(text, span.start),
        end: index.line_col(text, span.end),
        path: String::new(),
        help: None,
    };
    let errors = extraction
        .errors
        .into_iter()
        .map(|e| locate(e.code, Severity::Error, e.message, e.span))
        .collect();
    let notes = extraction
        .notes
        .into_iter()
        .map(|e| locate(e.code, Severity::Suggestion, e.message, e.span))
        .collect();
    let policies = extraction
        .policies
        .into_iter()
        .map(|policy| {
            let report = lint_text(
                &policy.text,
                &LintOptions {
                    policy_type: Some(policy.policy_type),
                },
            );
            let mut findings: Vec<Finding> = report
                .findings
                .into_iter()
                .filter(|f| !policy.is_about_placeholder(f.span, &f.path, f.code))
                .map(|mut f| {
                    let span = policy.map_span(f.span);
                    f.span = span;
                    f.start = index.line_col(text, span.start);
                    f.end = index.line_col(text, span.end);
                    f
                })
                .collect();
            findings.sort_by_key(|f| (f.span.start, f.span.end));
            PolicyFindings { policy, findings }
        })
        .collect();
    SourceReport {
        kind,
        policies,
        errors,
        notes,
    }
}

/// The codes of problems with templates and plans themselves, with their severities.
#[must_use]
pub fn rules() -> &'static [crate::lint::RuleInfo] {
    crate::code::IAC_RULES
}

/// The documentation of a template or plan problem code.
#[must_use]
pub fn rule(code: &str) -> Option<&'static crate::lint::RuleInfo> {
    crate::code::Code::from_name(code)
        .filter(|c| !c.is_lint())
        .map(crate::code::Code::rule)
}
