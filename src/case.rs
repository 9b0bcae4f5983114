//! Decision cases: one JSON object per line, as in `fixtures/cases/*.jsonl`.
//!
//! Owns reading a case ([`Case::parse`], from text: no I/O) and running it ([`run_case`]).
//!
//! # Format
//!
//! ```json
//! {"name": "kebab-case-id",
//!  "policies": {"identity": [POLICY, ...], "resource": POLICY | null,
//!               "permissions_boundary": POLICY | null, "session": POLICY | null,
//!               "scps": [POLICY, ...] | [[POLICY, ...], ...], "rcps": same as scps},
//!  "request": {"principal": "arn:...", "principal_account": "111122223333",
//!              "action": "service:Action", "resource": "arn:..." | "*",
//!              "resource_account": "111122223333", "context": {"key": VALUE, ...}},
//!  "expect": "Allow" | "ExplicitDeny" | "ImplicitDeny" | "Error",
//!  "why": "one line", "source": "https://docs.aws.amazon.com/...", "tags": ["label", ...]}
//! ```
//!
//! * `POLICY` is a policy document as a JSON object (re-serialized, then parsed with
//!   [`parse_policy`]) or as a JSON string holding the document's text (parsed as is, so a case
//!   can hold text that is not valid JSON). Missing policy keys mean "none".
//! * The resource policy is parsed as a role trust policy ([`PolicyType::Trust`]) when the
//!   request's resource is an IAM role ARN and its action is one AWS evaluates against the
//!   role's trust policy (`sts:AssumeRole*`, `sts:TagSession`, `sts:SetSourceIdentity`,
//!   `sts:SetContext`; [`is_trust_action`](crate::aws_rules::is_trust_action)), else as a
//!   resource policy.
//! * `scps`/`rcps`: a flat list is one level (any policy there may allow); a list of lists is
//!   the hierarchy, root first (every level must allow).
//! * Context values are strings, numbers, booleans, or lists of them (multi-valued keys).
//! * `principal_account`, `resource_account`, `context`, `why`, `source` and `tags` are
//!   optional. Any other field is an error.
//! * `tags` is a list of non-empty strings: labels for grouping and filtering (`iam-policy test
//!   --tag T` runs only the cases carrying `T`); they never change the decision.
//! * A policy that does not parse, or a request that cannot be built, gives the outcome
//!   [`CaseOutcome::Error`], never a decision; such a case passes only with `"expect":
//!   "Error"`.

use std::fmt;

use serde_json::{Map, Value};

use crate::engine::{Decision, Evaluation, PolicySet};
use crate::policy::PolicyType;
use crate::policy::lower::parse_policy;
use crate::request::{Context, ContextScalar, ContextValue, Request, ResourceKind};

/// Why a case line cannot be read. Problems with the policies or the request inside a valid
/// case are not `CaseError`s: they make the case's outcome [`CaseOutcome::Error`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaseError {
    /// The line is not JSON.
    #[error("case is not valid JSON: {0}")]
    Json(String),
    /// A field that the format does not have.
    #[error("unknown field `{field}` in {within} (expected one of {expected})")]
    UnknownField {
        /// The field.
        field: String,
        /// Where: `case`, `policies`, `request`.
        within: &'static str,
        /// The fields allowed there.
        expected: &'static str,
    },
    /// A required field is missing.
    #[error("missing field `{field}` in {within}")]
    MissingField {
        /// The field.
        field: &'static str,
        /// Where: `case`, `request`.
        within: &'static str,
    },
    /// A field has the wrong type or value.
    #[error("field `{field}` {problem}")]
    InvalidField {
        /// The field, as a path such as `request.context.aws:SourceIp`.
        field: String,
        /// What is wrong.
        problem: String,
    },
}

/// What a case expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Expected {
    /// `"Allow"`
    Allow,
    /// `"ExplicitDeny"`
    ExplicitDeny,
    /// `"ImplicitDeny"`
    ImplicitDeny,
    /// `"Error"`: a policy must fail to parse, or the request must be invalid.
    Error,
}

impl Expected {
    /// The case format's spelling.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "Allow",
            Self::ExplicitDeny => "ExplicitDeny",
            Self::ImplicitDeny => "ImplicitDeny",
            Self::Error => "Error",
        }
    }
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What running a case gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CaseOutcome {
    /// The request was allowed.
    Allow,
    /// A `Deny` statement applied.
    ExplicitDeny,
    /// Nothing denied, but an allow was missing.
    ImplicitDeny,
    /// A policy did not parse or the request was invalid: the messages.
    Error(Vec<String>),
}

impl CaseOutcome {
    /// The case format's spelling of the outcome's kind.
    #[must_use]
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Allow => "Allow",
            Self::ExplicitDeny => "ExplicitDeny",
            Self::ImplicitDeny => "ImplicitDeny",
            Self::Error(_) => "Error",
        }
    }

    /// Whether this outcome is what `expected` asks for.
    #[must_use]
    pub const fn satisfies(&self, expected: Expected) -> bool {
        matches!(
            (self, expected),
            (Self::Allow, Expected::Allow)
                | (Self::ExplicitDeny, Expected::ExplicitDeny)
                | (Self::ImplicitDeny, Expected::ImplicitDeny)
                | (Self::Error(_), Expected::Error)
        )
    }
}

impl From<Decision> for CaseOutcome {
    fn from(d: Decision) -> Self {
        match d {
            Decision::Allow => Self::Allow,
            Decision::ExplicitDeny => Self::ExplicitDeny,
            Decision::ImplicitDeny => Self::ImplicitDeny,
        }
    }
}

impl fmt::Display for CaseOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One decision case, read by [`Case::parse`].
#[derive(Clone, Debug)]
pub struct Case {
    /// The case's kebab-case name.
    pub name: String,
    /// Why the expected outcome is right.
    pub why: Option<String>,
    /// The documentation page that pins it down.
    pub source: Option<String>,
    /// The expected outcome.
    pub expected: Expected,
    /// Labels for grouping and filtering, in the order written (empty when the case has none).
    pub tags: Vec<String>,
    setup: Result<(PolicySet, Request), Vec<String>>,
}

/// The result of [`run_case`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseResult {
    /// The case's name.
    pub name: String,
    /// What the case expects.
    pub expected: Expected,
    /// What the engine gave.
    pub actual: CaseOutcome,
    /// Whether they agree.
    pub passed: bool,
    /// Why: the deciding statements (`identity[0].Statement[1] (Sid)`), the unmet requirement
    /// of an implicit deny, or the error messages.
    pub reasons: Vec<String>,
}

const CASE_FIELDS: &str = "`name`, `policies`, `request`, `expect`, `why`, `source`, `tags`";
const POLICY_FIELDS: &str =
    "`identity`, `resource`, `permissions_boundary`, `session`, `scps`, `rcps`";
const REQUEST_FIELDS: &str =
    "`principal`, `principal_account`, `action`, `resource`, `resource_account`, `context`";

impl Case {
    /// Reads one case from one line (or any text holding one JSON object).
    ///
    /// ```
    /// use iam_policy::case::{Case, Expected, run_case};
    /// let case = Case::parse(r#"{"name": "no-policies", "policies": {},
    ///     "request": {"principal": "arn:aws:iam::111122223333:user/alice",
    ///                 "action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"},
    ///     "expect": "ImplicitDeny"}"#)?;
    /// assert_eq!(case.expected, Expected::ImplicitDeny);
    /// assert!(run_case(&case).passed);
    /// # Ok::<(), iam_policy::case::CaseError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A [`CaseError`] when the text is not JSON, a field is unknown or missing, or a field
    /// has the wrong type.
    pub fn parse(text: &str) -> Result<Self, CaseError> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| CaseError::Json(e.to_string()))?;
        let Value::Object(obj) = value else {
            return Err(invalid("(case)", "must be a JSON object"));
        };
        check_fields(
            &obj,
            &[
                "name", "policies", "request", "expect", "why", "source", "tags",
            ],
            "case",
            CASE_FIELDS,
        )?;
        let name = required_string(&obj, "name", "case")?;
        let expected = match required_string(&obj, "expect", "case")?.as_str() {
            "Allow" => Expected::Allow,
            "ExplicitDeny" => Expected::ExplicitDeny,
            "ImplicitDeny" => Expected::ImplicitDeny,
            "Error" => Expected::Error,
            other => {
                return Err(invalid(
                    "expect",
                    &format!(
                        "must be `Allow`, `ExplicitDeny`, `ImplicitDeny` or `Error`, not `{other}`"
                    ),
                ));
            }
        };
        let why = optional_string(&obj, "why")?;
        let source = optional_string(&obj, "source")?;
        let tags = read_tags(&obj)?;
        let policies = match obj.get("policies") {
            Some(Value::Object(p)) => p,
            Some(_) => return Err(invalid("policies", "must be an object")),
            None => {
                return Err(CaseError::MissingField {
                    field: "policies",
                    within: "case",
                });
            }
        };
        check_fields(
            policies,
            &[
                "identity",
                "resource",
                "permissions_boundary",
                "session",
                "scps",
                "rcps",
            ],
            "policies",
            POLICY_FIELDS,
        )?;
        let request = match obj.get("request") {
            Some(Value::Object(r)) => read_request(r)?,
            Some(_) => return Err(invalid("request", "must be an object")),
            None => {
                return Err(CaseError::MissingField {
                    field: "request",
                    within: "case",
                });
            }
        };
        let trust = matches!(&request, Ok(r) if r.resource_kind() == ResourceKind::RoleTrust);
        let policy_set = read_policies(policies, trust)?;
        let setup = match (policy_set, request) {
            (Ok(set), Ok(request)) => Ok((set, request)),
            (set, request) => {
                let mut errors = set.err().unwrap_or_default();
                if let Err(e) = request {
                    errors.push(format!("request: {e}"));
                }
                Err(errors)
            }
        };
        Ok(Self {
            name,
            why,
            source,
            expected,
            tags,
            setup,
        })
    }

    /// Whether the case carries `tag` (compared exactly).
    #[must_use]
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }

    /// The policies, when they all parsed.
    #[must_use]
    pub fn policies(&self) -> Option<&PolicySet> {
        self.setup.as_ref().ok().map(|(set, _)| set)
    }

    /// The request, when it was valid and the policies parsed.
    #[must_use]
    pub fn request(&self) -> Option<&Request> {
        self.setup.as_ref().ok().map(|(_, r)| r)
    }

    /// The policy and request errors (empty when the case can be decided).
    #[must_use]
    pub fn errors(&self) -> &[String] {
        match &self.setup {
            Ok(_) => &[],
            Err(errors) => errors,
        }
    }
}

/// Reads one case; see [`Case::parse`].
///
/// # Errors
///
/// See [`Case::parse`].
pub fn parse_case(text: &str) -> Result<Case, CaseError> {
    Case::parse(text)
}

/// Compiles the case's policies, decides its request and compares with the expectation.
#[must_use]
pub fn run_case(case: &Case) -> CaseResult {
    let (actual, reasons) = match &case.setup {
        Err(errors) => (CaseOutcome::Error(errors.clone()), errors.clone()),
        Ok((set, request)) => {
            let compiled = set.compile();
            let evaluation = compiled.evaluate(request);
            (
                CaseOutcome::from(evaluation.decision()),
                describe(&compiled, &evaluation),
            )
        }
    };
    CaseResult {
        name: case.name.clone(),
        expected: case.expected,
        passed: actual.satisfies(case.expected),
        actual,
        reasons,
    }
}

/// One line per reason: `identity[0].Statement[1] (Sid)`, or the gate's text, or the text of
/// the AWS rule that decided (`no permission required`).
fn describe(compiled: &crate::CompiledPolicySet, evaluation: &Evaluation) -> Vec<String> {
    let mut out: Vec<String> = evaluation
        .reasons()
        .map(|r| match compiled.statement(r).and_then(|i| i.sid) {
            Some(sid) => format!("{r} ({sid})"),
            None => r.to_string(),
        })
        .collect();
    if evaluation.is_truncated() {
        out.push("(more statements applied)".to_owned());
    }
    if let Some(gate) = evaluation.gate() {
        out.push(gate.to_string());
    } else if let Some(rule) = evaluation.rule() {
        out.push(rule.to_string());
    }
    out
}

fn invalid(field: &str, problem: &str) -> CaseError {
    CaseError::InvalidField {
        field: field.to_owned(),
        problem: problem.to_owned(),
    }
}

fn check_fields(
    obj: &Map<String, Value>,
    allowed: &[&str],
    within: &'static str,
    expected: &'static str,
) -> Result<(), CaseError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(field) => Err(CaseError::UnknownField {
            field: field.clone(),
            within,
            expected,
        }),
        None => Ok(()),
    }
}

fn required_string(
    obj: &Map<String, Value>,
    field: &'static str,
    within: &'static str,
) -> Result<String, CaseError> {
    match obj.get(field) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(invalid(field, "must be a string")),
        None => Err(CaseError::MissingField { field, within }),
    }
}

fn optional_string(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, CaseError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(field, "must be a string")),
    }
}

/// Reads the optional `tags`: a list of non-empty strings.
fn read_tags(obj: &Map<String, Value>) -> Result<Vec<String>, CaseError> {
    match obj.get("tags") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, item)| match item {
                Value::String(s) if !s.is_empty() => Ok(s.clone()),
                _ => Err(invalid(&format!("tags[{i}]"), "must be a non-empty string")),
            })
            .collect(),
        Some(_) => Err(invalid("tags", "must be a list of strings")),
    }
}

/// Reads the request; a structurally valid request that cannot be built is `Ok(Err(_))`.
fn read_request(
    obj: &Map<String, Value>,
) -> Result<Result<Request, crate::request::RequestError>, CaseError> {
    check_fields(
        obj,
        &[
            "principal",
            "principal_account",
            "action",
            "resource",
            "resource_account",
            "context",
        ],
        "request",
        REQUEST_FIELDS,
    )?;
    let field = |name: &'static str| -> Result<Option<String>, CaseError> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(invalid(&format!("request.{name}"), "must be a string")),
        }
    };
    let mut builder = Request::builder();
    for name in ["principal", "action", "resource"] {
        if field(name)?.is_none() {
            return Err(CaseError::MissingField {
                field: name,
                within: "request",
            });
        }
    }
    if let Some(p) = field("principal")? {
        builder = builder.principal(&p);
    }
    if let Some(a) = field("action")? {
        builder = builder.action(&a);
    }
    if let Some(r) = field("resource")? {
        builder = builder.resource(&r);
    }
    if let Some(a) = field("principal_account")? {
        builder = builder.principal_account(&a);
    }
    if let Some(a) = field("resource_account")? {
        builder = builder.resource_account(&a);
    }
    match obj.get("context") {
        None | Some(Value::Null) => {}
        Some(Value::Object(ctx)) => builder = builder.context(read_context(ctx)?),
        Some(_) => return Err(invalid("request.context", "must be an object")),
    }
    Ok(builder.build())
}

fn read_context(obj: &Map<String, Value>) -> Result<Context, CaseError> {
    let mut context = Context::new();
    for (key, value) in obj {
        let bad = || {
            invalid(
                &format!("request.context.{key}"),
                "must be a string, number, boolean or list of them",
            )
        };
        let value = match value {
            Value::Array(items) => ContextValue::Multi(
                items
                    .iter()
                    .map(|v| scalar(v).ok_or_else(bad))
                    .collect::<Result<_, _>>()?,
            ),
            other => ContextValue::Single(scalar(other).ok_or_else(bad)?),
        };
        context.insert(key, value);
    }
    Ok(context)
}

fn scalar(value: &Value) -> Option<ContextScalar> {
    match value {
        Value::String(s) => Some(ContextScalar::String(s.clone())),
        Value::Number(n) => Some(ContextScalar::Number(n.to_string())),
        Value::Bool(b) => Some(ContextScalar::Bool(*b)),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// Reads the policies; policies that do not parse are `Ok(Err(messages))`.
fn read_policies(
    obj: &Map<String, Value>,
    trust: bool,
) -> Result<Result<PolicySet, Vec<String>>, CaseError> {
    let mut set = PolicySet::new();
    let mut errors = Vec::new();
    let resource_type = if trust {
        PolicyType::Trust
    } else {
        PolicyType::Resource
    };
    let single_kinds = [
        ("identity", PolicyType::Identity),
        ("resource", resource_type),
        ("permissions_boundary", PolicyType::PermissionsBoundary),
        ("session", PolicyType::Session),
    ];
    for (field, policy_type) in single_kinds {
        let docs: Vec<&Value> = match obj.get(field) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items.iter().collect(),
            Some(v @ (Value::Object(_) | Value::String(_))) => vec![v],
            Some(_) => {
                return Err(invalid(
                    &format!("policies.{field}"),
                    "must be a policy, a list of policies, or null",
                ));
            }
        };
        for (i, doc) in docs.into_iter().enumerate() {
            let slot = format!("{field}[{i}]");
            add_policy(&mut set, &mut errors, policy_type, &slot, doc)?;
        }
    }
    for (field, policy_type) in [("scps", PolicyType::Scp), ("rcps", PolicyType::Rcp)] {
        let kind = policy_type.kind();
        let items = match obj.get(field) {
            None | Some(Value::Null) => continue,
            Some(Value::Array(items)) => items,
            Some(_) => {
                return Err(invalid(
                    &format!("policies.{field}"),
                    "must be a list of policies or a list of lists of policies",
                ));
            }
        };
        let nested = items.iter().filter(|v| v.is_array()).count();
        if nested == 0 {
            if !items.is_empty() {
                set.push_level(kind);
            }
            for (i, doc) in items.iter().enumerate() {
                let slot = format!("{field}[{i}]");
                add_policy(&mut set, &mut errors, policy_type, &slot, doc)?;
            }
        } else if nested == items.len() {
            for (level, item) in items.iter().enumerate() {
                set.push_level(kind);
                let docs = item.as_array().map_or(&[][..], Vec::as_slice);
                for (i, doc) in docs.iter().enumerate() {
                    let slot = format!("{field}[{level}][{i}]");
                    add_policy(&mut set, &mut errors, policy_type, &slot, doc)?;
                }
            }
        } else {
            return Err(invalid(
                &format!("policies.{field}"),
                "mixes policies and lists of policies",
            ));
        }
    }
    Ok(if errors.is_empty() {
        Ok(set)
    } else {
        Err(errors)
    })
}

fn add_policy(
    set: &mut PolicySet,
    errors: &mut Vec<String>,
    policy_type: PolicyType,
    slot: &str,
    doc: &Value,
) -> Result<(), CaseError> {
    let text = match doc {
        Value::String(s) => s.clone(),
        Value::Object(_) => serde_json::to_string(doc)
            .map_err(|e| invalid(&format!("policies.{slot}"), &e.to_string()))?,
        _ => {
            return Err(invalid(
                &format!("policies.{slot}"),
                "must be a policy object or the policy's text",
            ));
        }
    };
    match parse_policy(&text, policy_type) {
        Ok(policy) => {
            set.add(policy_type.kind(), policy);
        }
        Err(parse_errors) => {
            errors.extend(parse_errors.iter().map(|e| format!("`{slot}`: {e}")));
        }
    }
    Ok(())
}

/// Reads a request context from the text of a JSON object, with the case format's rules:
/// each value a string, number, boolean, or a list of them (a multi-valued key).
///
/// ```
/// use iam_policy::case::parse_context;
/// let ctx = parse_context(r#"{"aws:SourceIp": "10.0.0.1", "aws:TagKeys": ["a", "b"]}"#)?;
/// assert_eq!(ctx.get_text("aws:sourceip"), Some("10.0.0.1"));
/// # Ok::<(), iam_policy::case::CaseError>(())
/// ```
///
/// # Errors
///
/// A [`CaseError`] when the text is not a JSON object or a value has another type.
pub fn parse_context(text: &str) -> Result<Context, CaseError> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(obj)) => read_context(&obj),
        Ok(_) => Err(invalid("context", "must be a JSON object")),
        Err(e) => Err(CaseError::Json(e.to_string())),
    }
}
