//! The validated policy model: what a policy document means, with the span of every part.
//!
//! Owns [`Policy`], [`Statement`] and the element types. A `Policy` can only be built by
//! [`parse_policy`](crate::parse_policy) (lowering in `policy/lower.rs`) or by
//! [`PolicyBuilder`] (`policy/build.rs`, which writes the document and
//! parses it), so everything here has already been checked: evaluation trusts it without
//! checking again. The model is read-only outside the crate: fields are private, accessors
//! read them, and no struct can be written as a literal (D-17). Printing back to canonical
//! JSON is in `policy/print.rs`. Equality ignores spans.

use std::fmt;

use smallvec::SmallVec;

use crate::action::ActionPattern;
use crate::arn::{Arn, ArnPattern};
use crate::condition::Operator;
use crate::source::Span;
use crate::variables::Template;

pub use crate::value::{Decimal, Instant};
pub use build::{PolicyBuilder, StatementBuilder};

/// A value with the span it was read from. Equality and hashing ignore the span.
#[derive(Clone, Debug)]
pub struct Spanned<T> {
    /// The value.
    pub value: T,
    /// Where it was read from.
    pub span: Span,
}

impl<T> Spanned<T> {
    /// Pairs a value with its span.
    pub const fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

impl<T: PartialEq> PartialEq for Spanned<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<T: Eq> Eq for Spanned<T> {}

/// The kind of policy a document is validated as; each kind allows different elements
/// (`iam-semantics.md` §1). [`PolicyType::kind`] is the part a policy of this type plays
/// in a [`PolicySet`](crate::PolicySet).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PolicyType {
    /// An identity-based policy (user, group or role; inline or managed). No `Principal`.
    Identity,
    /// A resource-based policy (secret, bucket, key, queue, ...). Needs `Principal` or
    /// `NotPrincipal`.
    Resource,
    /// An IAM role trust policy: `Principal` required, no `NotPrincipal`, no `Resource`.
    Trust,
    /// A permissions boundary (identity-style).
    PermissionsBoundary,
    /// A session policy (identity-style).
    Session,
    /// A service control policy. No `Principal`.
    Scp,
    /// A resource control policy: `Principal` must be `"*"`.
    Rcp,
}

impl PolicyType {
    /// Every policy type.
    pub const ALL: &'static [Self] = &[
        Self::Identity,
        Self::Resource,
        Self::Trust,
        Self::PermissionsBoundary,
        Self::Session,
        Self::Scp,
        Self::Rcp,
    ];

    /// The CLI name: `identity`, `resource`, `trust`, `boundary`, `session`, `scp`, `rcp`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Resource => "resource",
            Self::Trust => "trust",
            Self::PermissionsBoundary => "boundary",
            Self::Session => "session",
            Self::Scp => "scp",
            Self::Rcp => "rcp",
        }
    }

    /// Looks up a CLI name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.name() == name)
    }
}

impl fmt::Display for PolicyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The policy language version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Version {
    /// `2012-10-17`: the current version; policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`: `${...}` is literal text.
    V2008_10_17,
}

impl Version {
    /// The version string.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::V2012_10_17 => "2012-10-17",
            Self::V2008_10_17 => "2008-10-17",
        }
    }
}

/// A validated policy document. Equality ignores spans.
///
/// Read-only: the only ways to get one are [`parse_policy`](crate::parse_policy),
/// [`parse_policy_with`](crate::parse_policy_with) and [`PolicyBuilder`],
/// which all run the same validation. A struct literal does not compile:
///
/// ```compile_fail
/// let policy = iam_policy::Policy { statements: Vec::new() };
/// ```
#[derive(Clone, Debug)]
pub struct Policy {
    /// The type the document was validated as.
    pub(crate) policy_type: PolicyType,
    /// `Version`, if present. Absent reads like `2008-10-17` for variables.
    pub(crate) version: Option<Spanned<Version>>,
    /// `Id`, if present.
    pub(crate) id: Option<Spanned<String>>,
    /// The statements in document order.
    pub(crate) statements: Vec<Statement>,
    /// Whether `Statement` was written as an array (`false`: a single object).
    pub(crate) statement_is_array: bool,
    /// The span of `Statement`'s value.
    pub(crate) statement_span: Span,
    /// The span of the whole document object.
    pub(crate) span: Span,
}

impl PartialEq for Policy {
    fn eq(&self, other: &Self) -> bool {
        self.policy_type == other.policy_type
            && self.version == other.version
            && self.id == other.id
            && self.statements == other.statements
            && self.statement_is_array == other.statement_is_array
    }
}
impl Eq for Policy {}

impl Policy {
    /// The type the document was validated as.
    #[must_use]
    pub const fn policy_type(&self) -> PolicyType {
        self.policy_type
    }

    /// `Version`, if present. Absent reads like `2008-10-17` for variables.
    #[must_use]
    pub const fn version(&self) -> Option<&Spanned<Version>> {
        self.version.as_ref()
    }

    /// `Id`, if present.
    #[must_use]
    pub const fn id(&self) -> Option<&Spanned<String>> {
        self.id.as_ref()
    }

    /// The statements in document order.
    #[must_use]
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }

    /// Whether `Statement` was written as an array (`false`: a single object).
    #[must_use]
    pub const fn statement_is_array(&self) -> bool {
        self.statement_is_array
    }

    /// The span of `Statement`'s value.
    #[must_use]
    pub const fn statement_span(&self) -> Span {
        self.statement_span
    }

    /// The span of the whole document object.
    #[must_use]
    pub const fn span(&self) -> Span {
        self.span
    }

    /// Every request context key a decision on this policy can read, ASCII-lower-cased (as
    /// the engine looks keys up): the key of every condition entry, and the key of every policy
    /// variable in `Resource`/`NotResource` patterns and in condition values (String and Arn
    /// operators), whether or not variables are enabled. A key may be listed more than once.
    ///
    /// A decision reads the request's context only through these keys (and the keys the
    /// engine derives from the caller itself), so a caller that builds requests with many
    /// keys may leave out every key that no policy of the decision lists: whether a key is
    /// absent or present only matters to a policy that names it (`Null`, `…IfExists`, the
    /// set qualifiers, a variable's default).
    ///
    /// ```
    /// use iam_policy::{PolicyType, parse_policy};
    ///
    /// let policy = parse_policy(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow",
    ///     "Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/${aws:username}/*",
    ///     "Condition":{"StringEquals":{"aws:ResourceTag/Team":"${aws:PrincipalTag/team}"},
    ///                  "Null":{"aws:SourceVpc":"true"}}}}"#, PolicyType::Identity)?;
    /// let mut keys: Vec<&str> = policy.context_keys().collect();
    /// keys.sort_unstable();
    /// assert_eq!(keys, ["aws:principaltag/team", "aws:resourcetag/team", "aws:sourcevpc",
    ///     "aws:username"]);
    /// # Ok::<(), iam_policy::ParseErrors>(())
    /// ```
    pub fn context_keys(&self) -> impl Iterator<Item = &str> + '_ {
        self.statements.iter().flat_map(|s| {
            let resources = s
                .resource
                .iter()
                .flat_map(|r| r.value.patterns.values())
                .flat_map(|p| p.variables().map(|(key, _)| key));
            let conditions = s.conditions.iter().flat_map(|c| {
                let values = c.values.values().flat_map(|v| {
                    let (template, pattern) = match &v.typed {
                        TypedValue::String(t) => (Some(t), None),
                        TypedValue::Arn(p) => (None, Some(p)),
                        _ => (None, None),
                    };
                    let from_template = template
                        .into_iter()
                        .flat_map(|t| t.variables().map(|(key, _)| key));
                    let from_pattern = pattern
                        .into_iter()
                        .flat_map(|p| p.variables().map(|(key, _)| key));
                    from_template.chain(from_pattern)
                });
                std::iter::once(c.key_lower.as_str()).chain(values)
            });
            resources.chain(conditions)
        })
    }

    /// Whether policy variables are substituted (only under `2012-10-17`).
    #[must_use]
    pub fn variables_enabled(&self) -> bool {
        matches!(
            self.version,
            Some(Spanned {
                value: Version::V2012_10_17,
                ..
            })
        )
    }
}

/// `Allow` or `Deny`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// `"Allow"`
    Allow,
    /// `"Deny"`
    Deny,
}

impl Effect {
    /// `"Allow"` or `"Deny"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "Allow",
            Self::Deny => "Deny",
        }
    }
}

/// One statement. Equality ignores spans (`condition_span` counts only as present or absent).
#[derive(Clone, Debug)]
pub struct Statement {
    /// `Sid`, if present.
    pub(crate) sid: Option<Spanned<String>>,
    /// `Effect`.
    pub(crate) effect: Spanned<Effect>,
    /// `Action` or `NotAction`.
    pub(crate) action: Spanned<ActionBlock>,
    /// `Resource` or `NotResource`; absent only in role trust policies.
    pub(crate) resource: Option<Spanned<ResourceBlock>>,
    /// `Principal` or `NotPrincipal`; present only in resource, trust and RCP policies.
    pub(crate) principal: Option<Spanned<PrincipalBlock>>,
    /// `Condition`; an empty list when absent.
    pub(crate) conditions: Vec<ConditionEntry>,
    /// The span of the `Condition` value, if present.
    pub(crate) condition_span: Option<Span>,
    /// The span of the statement object.
    pub(crate) span: Span,
}

impl Statement {
    /// `Sid`, if present.
    #[must_use]
    pub const fn sid(&self) -> Option<&Spanned<String>> {
        self.sid.as_ref()
    }

    /// `Effect`.
    #[must_use]
    pub const fn effect(&self) -> &Spanned<Effect> {
        &self.effect
    }

    /// `Action` or `NotAction`.
    #[must_use]
    pub const fn action(&self) -> &Spanned<ActionBlock> {
        &self.action
    }

    /// `Resource` or `NotResource`; absent only in role trust policies.
    #[must_use]
    pub const fn resource(&self) -> Option<&Spanned<ResourceBlock>> {
        self.resource.as_ref()
    }

    /// `Principal` or `NotPrincipal`; present only in resource, trust and RCP policies.
    #[must_use]
    pub const fn principal(&self) -> Option<&Spanned<PrincipalBlock>> {
        self.principal.as_ref()
    }

    /// `Condition`; empty when absent.
    #[must_use]
    pub fn conditions(&self) -> &[ConditionEntry] {
        &self.conditions
    }

    /// The span of the `Condition` value, if present.
    #[must_use]
    pub const fn condition_span(&self) -> Option<Span> {
        self.condition_span
    }

    /// The span of the statement object.
    #[must_use]
    pub const fn span(&self) -> Span {
        self.span
    }
}

impl PartialEq for Statement {
    fn eq(&self, other: &Self) -> bool {
        self.sid == other.sid
            && self.effect == other.effect
            && self.action == other.action
            && self.resource == other.resource
            && self.principal == other.principal
            && self.conditions == other.conditions
            && self.condition_span.is_some() == other.condition_span.is_some()
    }
}
impl Eq for Statement {}

/// A string or a list of strings, remembering which form was written (for printing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneOrMany<T> {
    /// The entries; one (the common case: one action, one resource, one value) is held in
    /// place, so a list of one allocates nothing of its own.
    pub(crate) items: SmallVec<[Spanned<T>; 1]>,
    /// Whether the JSON was an array (`false`: a single value).
    pub(crate) is_list: bool,
}

impl<T> OneOrMany<T> {
    /// The entries, each with its span.
    #[must_use]
    pub fn items(&self) -> &[Spanned<T>] {
        &self.items
    }

    /// Whether the JSON was an array (`false`: a single value).
    #[must_use]
    pub const fn is_list(&self) -> bool {
        self.is_list
    }

    /// The entries without their spans.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &T> + '_ {
        self.items.iter().map(|i| &i.value)
    }
}

/// `Action` (`negated == false`) or `NotAction` (`negated == true`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionBlock {
    /// Whether this is `NotAction`.
    pub(crate) negated: bool,
    /// The patterns.
    pub(crate) patterns: OneOrMany<ActionPattern>,
}

impl ActionBlock {
    /// Whether this is `NotAction`.
    #[must_use]
    pub const fn negated(&self) -> bool {
        self.negated
    }

    /// The patterns.
    #[must_use]
    pub const fn patterns(&self) -> &OneOrMany<ActionPattern> {
        &self.patterns
    }
}

/// `Resource` or `NotResource`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceBlock {
    /// Whether this is `NotResource`.
    pub(crate) negated: bool,
    /// The patterns.
    pub(crate) patterns: OneOrMany<ArnPattern>,
}

impl ResourceBlock {
    /// Whether this is `NotResource`.
    #[must_use]
    pub const fn negated(&self) -> bool {
        self.negated
    }

    /// The patterns.
    #[must_use]
    pub const fn patterns(&self) -> &OneOrMany<ArnPattern> {
        &self.patterns
    }
}

/// `Principal` or `NotPrincipal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalBlock {
    /// Whether this is `NotPrincipal`.
    pub(crate) negated: bool,
    /// What it names.
    pub(crate) principals: Principals,
}

impl PrincipalBlock {
    /// Whether this is `NotPrincipal`.
    #[must_use]
    pub const fn negated(&self) -> bool {
        self.negated
    }

    /// What it names.
    #[must_use]
    pub const fn principals(&self) -> &Principals {
        &self.principals
    }
}

/// The value of `Principal`/`NotPrincipal`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principals {
    /// `"*"`: everyone, including anonymous callers.
    Any,
    /// `{"AWS": ..., "Service": ..., ...}`: entries in document order.
    Map(Vec<PrincipalEntry>),
}

/// The principal types of a `Principal` map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PrincipalKind {
    /// `AWS`
    Aws,
    /// `Service`
    Service,
    /// `Federated`
    Federated,
    /// `CanonicalUser`
    CanonicalUser,
}

impl PrincipalKind {
    /// The key as written in policies.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Aws => "AWS",
            Self::Service => "Service",
            Self::Federated => "Federated",
            Self::CanonicalUser => "CanonicalUser",
        }
    }
}

/// One `"AWS": [...]` (or other kind) entry of a principal map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrincipalEntry {
    /// The key.
    pub(crate) kind: Spanned<PrincipalKind>,
    /// Its values.
    pub(crate) values: OneOrMany<PrincipalValue>,
}

impl PrincipalEntry {
    /// The key.
    #[must_use]
    pub const fn kind(&self) -> &Spanned<PrincipalKind> {
        &self.kind
    }

    /// Its values.
    #[must_use]
    pub const fn values(&self) -> &OneOrMany<PrincipalValue> {
        &self.values
    }
}

/// One principal value.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrincipalValue {
    /// `"*"` (only meaningful under `AWS`; `{"AWS": "*"}` equals `"*"`).
    Any,
    /// A 12-digit account id (equivalent to `arn:aws:iam::<id>:root`), as written.
    Account(String),
    /// An ARN under `AWS`: account root, user, role, assumed-role session, federated user.
    Arn(Arn),
    /// A service name (`lambda.amazonaws.com`), identity provider, or canonical user id.
    Name(String),
}

/// One key under one operator, with its values: `"StringEquals": {"aws:SourceVpc": [...]}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionEntry {
    /// The operator, with the span of its name.
    pub(crate) operator: Spanned<Operator>,
    /// The condition key as written, with its span.
    pub(crate) key: Spanned<String>,
    /// The key lower-cased (keys are case-insensitive).
    pub(crate) key_lower: String,
    /// The values (OR-ed for positive operators; none may match for negated ones).
    pub(crate) values: OneOrMany<ConditionValue>,
}

impl ConditionEntry {
    /// The operator, with the span of its name.
    #[must_use]
    pub const fn operator(&self) -> &Spanned<Operator> {
        &self.operator
    }

    /// The condition key as written, with its span.
    #[must_use]
    pub const fn key(&self) -> &Spanned<String> {
        &self.key
    }

    /// The key lower-cased (keys are case-insensitive).
    #[must_use]
    pub fn key_lower(&self) -> &str {
        &self.key_lower
    }

    /// The values (OR-ed for positive operators; none may match for negated ones).
    #[must_use]
    pub const fn values(&self) -> &OneOrMany<ConditionValue> {
        &self.values
    }
}

/// One condition value: what was written and what it means for its operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionValue {
    /// The JSON scalar as written.
    pub(crate) raw: RawScalar,
    /// The value parsed for the operator's family.
    pub(crate) typed: TypedValue,
}

impl ConditionValue {
    /// The JSON scalar as written.
    #[must_use]
    pub const fn raw(&self) -> &RawScalar {
        &self.raw
    }

    /// The value parsed for the operator's family.
    #[must_use]
    pub const fn typed(&self) -> &TypedValue {
        &self.typed
    }
}

/// A JSON scalar in a condition value list.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RawScalar {
    /// A JSON string.
    String(String),
    /// A JSON number, as written.
    Number(String),
    /// A JSON boolean.
    Bool(bool),
}

impl RawScalar {
    /// The value as text (`true`, `10`, or the string itself).
    #[must_use]
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Self::String(s) | Self::Number(s) => std::borrow::Cow::Borrowed(s),
            Self::Bool(true) => std::borrow::Cow::Borrowed("true"),
            Self::Bool(false) => std::borrow::Cow::Borrowed("false"),
        }
    }
}

/// A condition value parsed for its operator family.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TypedValue {
    /// String operators: literal text, `*`/`?` wildcards for the Like operators, variables
    /// under 2012-10-17.
    String(Template),
    /// Numeric operators.
    Numeric(Decimal),
    /// Date operators.
    Date(Instant),
    /// `Bool`.
    Bool(bool),
    /// `BinaryEquals`: the decoded bytes of the base64 value.
    Binary(Vec<u8>),
    /// `IpAddress`/`NotIpAddress`: a CIDR block (a bare address is /32 or /128).
    Ip(ipnet::IpNet),
    /// Arn operators: a six-component pattern.
    Arn(ArnPattern),
    /// `Null`: `true` means "the key is absent".
    Null(bool),
    /// A value that does not parse for a Numeric, Date, Bool, Null, Binary or IP operator
    /// (`"NumericLessThan": {"s3:max-keys": "ten"}`). IAM stores such a policy (Access Analyzer
    /// reports it as a `TYPE_MISMATCH_*` general warning), so the parser accepts it: the value
    /// is kept as written in [`ConditionValue::raw`], matches no request value, and a test
    /// that depends on it is unknown, which fails closed (an `Allow` does not apply, a `Deny`
    /// does). Lint reports it.
    Unparsed,
}

mod build;
pub(crate) mod error;
pub(crate) mod lower;
pub(crate) mod print;
