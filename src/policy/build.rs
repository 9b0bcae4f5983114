//! Building a [`Policy`] from parts: [`PolicyBuilder`] and [`StatementBuilder`].
//!
//! Owns no rule of its own. A builder writes the policy document as JSON text and hands it to
//! [`parse_policy_with`], so a built policy passes exactly the validation a parsed one does
//! (required `Resource`, allowed principals per policy type, operator names, typed condition
//! values, ...) and a builder can never produce a statement the parser would refuse (D-17).
//! Spans in the built policy and in its errors point into [`PolicyBuilder::to_json`].

use std::fmt::Write as _;

use super::lower::{ParseOptions, parse_policy_with};
use super::{Effect, Policy, PolicyType, PrincipalKind, RawScalar, Version};
use crate::policy::error::ParseErrors;

/// Builds a [`Policy`] of one [`PolicyType`] from statements, validating it like
/// [`parse_policy`](crate::parse_policy) does.
///
/// ```
/// use iam_policy::{Effect, PolicyBuilder, PolicyType, StatementBuilder};
/// let policy = PolicyBuilder::new(PolicyType::Identity)
///     .statement(
///         StatementBuilder::new(Effect::Allow)
///             .action(["secretsmanager:GetSecretValue"])
///             .resource(["arn:aws:secretsmanager:us-east-1:111122223333:secret:db-*"]),
///     )
///     .build()?;
/// assert_eq!(policy.statements().len(), 1);
///
/// // A statement without `Resource` is refused where the policy type needs one.
/// let errors = PolicyBuilder::new(PolicyType::Identity)
///     .statement(StatementBuilder::new(Effect::Allow).action(["s3:GetObject"]))
///     .build()
///     .unwrap_err();
/// assert_eq!(errors.first().code(), "MISSING_RESOURCE");
/// # Ok::<(), iam_policy::ParseErrors>(())
/// ```
#[derive(Clone, Debug)]
pub struct PolicyBuilder {
    policy_type: PolicyType,
    version: Option<Version>,
    id: Option<String>,
    statements: Vec<StatementBuilder>,
}

impl PolicyBuilder {
    /// An empty policy of `policy_type` with `"Version": "2012-10-17"` and no `Id`.
    #[must_use]
    pub const fn new(policy_type: PolicyType) -> Self {
        Self {
            policy_type,
            version: Some(Version::V2012_10_17),
            id: None,
            statements: Vec::new(),
        }
    }

    /// Sets `Version` (`None`: the element is left out, which reads like `2008-10-17`).
    #[must_use]
    pub const fn version(mut self, version: Option<Version>) -> Self {
        self.version = version;
        self
    }

    /// Sets `Id`.
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Appends a statement.
    #[must_use]
    pub fn statement(mut self, statement: StatementBuilder) -> Self {
        self.statements.push(statement);
        self
    }

    /// Appends statements.
    #[must_use]
    pub fn statements(mut self, statements: impl IntoIterator<Item = StatementBuilder>) -> Self {
        self.statements.extend(statements);
        self
    }

    /// The policy document the builder validates: the text that spans point into.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
        if let Some(v) = self.version {
            out.push_str("\"Version\": ");
            push_str(&mut out, v.as_str());
            out.push_str(", ");
        }
        if let Some(id) = &self.id {
            out.push_str("\"Id\": ");
            push_str(&mut out, id);
            out.push_str(", ");
        }
        out.push_str("\"Statement\": [");
        for (i, st) in self.statements.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            st.write_json(&mut out);
        }
        out.push_str("]}");
        out
    }

    /// Validates the policy with default [`ParseOptions`].
    ///
    /// # Errors
    ///
    /// Every problem [`parse_policy`](crate::parse_policy) finds in [`to_json`](Self::to_json).
    pub fn build(&self) -> Result<Policy, ParseErrors> {
        self.build_with(&ParseOptions::default())
    }

    /// Validates the policy with explicit options.
    ///
    /// # Errors
    ///
    /// Every problem [`parse_policy_with`] finds in [`to_json`](Self::to_json).
    pub fn build_with(&self, options: &ParseOptions) -> Result<Policy, ParseErrors> {
        parse_policy_with(&self.to_json(), self.policy_type, options)
    }
}

/// One statement of a [`PolicyBuilder`]. Nothing is checked until
/// [`PolicyBuilder::build`], which knows the policy type: elements are written as given
/// (setting both `Action` and `NotAction` writes both, which the parser refuses).
#[derive(Clone, Debug)]
pub struct StatementBuilder {
    sid: Option<String>,
    effect: Effect,
    action: Option<Vec<String>>,
    not_action: Option<Vec<String>>,
    resource: Option<Vec<String>>,
    not_resource: Option<Vec<String>>,
    principal: Option<PrincipalSpec>,
    not_principal: Option<PrincipalSpec>,
    conditions: Vec<(String, String, Vec<RawScalar>)>,
}

/// A `Principal` value being built.
#[derive(Clone, Debug)]
enum PrincipalSpec {
    Any,
    Map(Vec<(PrincipalKind, Vec<String>)>),
}

impl PrincipalSpec {
    fn add(slot: &mut Option<Self>, kind: PrincipalKind, values: Vec<String>) {
        match slot {
            Some(Self::Map(entries)) => match entries.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, existing)) => existing.extend(values),
                None => entries.push((kind, values)),
            },
            // `"*"` already names everyone; a map added after it replaces it.
            Some(Self::Any) | None => *slot = Some(Self::Map(vec![(kind, values)])),
        }
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Self::Any => out.push_str("\"*\""),
            Self::Map(entries) => {
                out.push('{');
                for (i, (kind, values)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    push_str(out, kind.as_str());
                    out.push_str(": ");
                    push_strs(out, values);
                }
                out.push('}');
            }
        }
    }
}

impl StatementBuilder {
    /// A statement with this `Effect` and nothing else.
    #[must_use]
    pub const fn new(effect: Effect) -> Self {
        Self {
            sid: None,
            effect,
            action: None,
            not_action: None,
            resource: None,
            not_resource: None,
            principal: None,
            not_principal: None,
            conditions: Vec::new(),
        }
    }

    /// Sets `Sid`.
    #[must_use]
    pub fn sid(mut self, sid: impl Into<String>) -> Self {
        self.sid = Some(sid.into());
        self
    }

    /// Adds `Action` patterns (`service:Action`, with `*`/`?` wildcards).
    #[must_use]
    pub fn action<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        extend(&mut self.action, patterns);
        self
    }

    /// Adds `NotAction` patterns.
    #[must_use]
    pub fn not_action<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        extend(&mut self.not_action, patterns);
        self
    }

    /// Adds `Resource` patterns (ARNs with wildcards, or `"*"`).
    #[must_use]
    pub fn resource<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        extend(&mut self.resource, patterns);
        self
    }

    /// Adds `NotResource` patterns.
    #[must_use]
    pub fn not_resource<S: Into<String>>(mut self, patterns: impl IntoIterator<Item = S>) -> Self {
        extend(&mut self.not_resource, patterns);
        self
    }

    /// Sets `"Principal": "*"`.
    #[must_use]
    pub fn principal_any(mut self) -> Self {
        self.principal = Some(PrincipalSpec::Any);
        self
    }

    /// Adds values under one key of the `Principal` map (`{"AWS": [...]}`).
    #[must_use]
    pub fn principal<S: Into<String>>(
        mut self,
        kind: PrincipalKind,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        let values = values.into_iter().map(Into::into).collect();
        PrincipalSpec::add(&mut self.principal, kind, values);
        self
    }

    /// Sets `"NotPrincipal": "*"`.
    #[must_use]
    pub fn not_principal_any(mut self) -> Self {
        self.not_principal = Some(PrincipalSpec::Any);
        self
    }

    /// Adds values under one key of the `NotPrincipal` map.
    #[must_use]
    pub fn not_principal<S: Into<String>>(
        mut self,
        kind: PrincipalKind,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        let values = values.into_iter().map(Into::into).collect();
        PrincipalSpec::add(&mut self.not_principal, kind, values);
        self
    }

    /// Adds a condition: `operator` (as written in policies, e.g. `StringEquals`,
    /// `ForAnyValue:StringLikeIfExists`), the key and its values. Entries under the same
    /// operator share one block of `Condition`, in the order they were added.
    #[must_use]
    pub fn condition<V: Into<RawScalar>>(
        mut self,
        operator: impl Into<String>,
        key: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        self.conditions.push((
            operator.into(),
            key.into(),
            values.into_iter().map(Into::into).collect(),
        ));
        self
    }

    fn write_json(&self, out: &mut String) {
        out.push('{');
        if let Some(sid) = &self.sid {
            out.push_str("\"Sid\": ");
            push_str(out, sid);
            out.push_str(", ");
        }
        out.push_str("\"Effect\": ");
        push_str(out, self.effect.as_str());
        let lists = [
            ("Action", &self.action),
            ("NotAction", &self.not_action),
            ("Resource", &self.resource),
            ("NotResource", &self.not_resource),
        ];
        for (name, list) in lists {
            if let Some(list) = list {
                let _ = write!(out, ", \"{name}\": ");
                push_strs(out, list);
            }
        }
        for (name, spec) in [
            ("Principal", &self.principal),
            ("NotPrincipal", &self.not_principal),
        ] {
            if let Some(spec) = spec {
                let _ = write!(out, ", \"{name}\": ");
                spec.write_json(out);
            }
        }
        if !self.conditions.is_empty() {
            out.push_str(", \"Condition\": {");
            let mut operators: Vec<&str> = Vec::new();
            for (op, _, _) in &self.conditions {
                if !operators.contains(&op.as_str()) {
                    operators.push(op);
                }
            }
            for (i, op) in operators.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_str(out, op);
                out.push_str(": {");
                let entries = self.conditions.iter().filter(|(o, _, _)| o == op);
                for (j, (_, key, values)) in entries.enumerate() {
                    if j > 0 {
                        out.push_str(", ");
                    }
                    push_str(out, key);
                    out.push_str(": [");
                    for (k, value) in values.iter().enumerate() {
                        if k > 0 {
                            out.push_str(", ");
                        }
                        push_scalar(out, value);
                    }
                    out.push(']');
                }
                out.push('}');
            }
            out.push('}');
        }
        out.push('}');
    }
}

impl From<&str> for RawScalar {
    fn from(s: &str) -> Self {
        Self::String(s.to_owned())
    }
}

impl From<String> for RawScalar {
    fn from(s: String) -> Self {
        Self::String(s)
    }
}

impl From<bool> for RawScalar {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

fn extend<S: Into<String>>(slot: &mut Option<Vec<String>>, items: impl IntoIterator<Item = S>) {
    slot.get_or_insert_with(Vec::new)
        .extend(items.into_iter().map(Into::into));
}

/// Writes `s` as a JSON string.
fn push_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::Value::from(s).to_string());
}

fn push_strs(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        push_str(out, s);
    }
    out.push(']');
}

/// Writes a condition value. A `Number` whose text is not a JSON number is written as `null`,
/// which the parser refuses with a located type error (the text is never spliced into the
/// document, so it cannot add elements).
fn push_scalar(out: &mut String, value: &RawScalar) {
    match value {
        RawScalar::String(s) => push_str(out, s),
        RawScalar::Number(n) if is_json_number(n) => out.push_str(n),
        RawScalar::Number(_) => out.push_str("null"),
        RawScalar::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
    }
}

/// Whether `s` is exactly one JSON number: the reader's own grammar (one owner).
fn is_json_number(s: &str) -> bool {
    crate::json::is_number(s)
}

#[cfg(test)]
mod tests {
    use super::is_json_number;

    #[test]
    fn json_numbers() {
        for ok in ["0", "-0", "10", "1.5", "-2.25e+10", "3E7"] {
            assert!(is_json_number(ok), "{ok}");
        }
        for bad in [
            "",
            "-",
            "01",
            "1.",
            ".5",
            "1e",
            "1,\"x\":2",
            "1]",
            "NaN",
            " 1",
        ] {
            assert!(!is_json_number(bad), "{bad}");
        }
    }
}
