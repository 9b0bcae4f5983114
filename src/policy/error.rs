//! Errors of parsing and validating a policy document.
//!
//! Every error has a stable code (the AWS IAM Access Analyzer issue code where one exists), a
//! message, a byte span, the 1-based line and column of the span's start, and a JSON path such
//! as `Statement[0].Condition.StringEquals["aws:SourceIp"]`.
//!
//! # Paths
//!
//! A path names the offending element from the document root: `.Key` when the key is made of
//! ASCII letters, digits and `_` only, `["key"]` otherwise (JSON-escaped), `[n]` for an index
//! in an array. `Statement` written as a single object gets no index. The whole document is
//! the empty path, which the fixture files write as `""`. An error about a key (an unknown
//! element, a duplicate, a combination) names that member.
//!
//! # Codes
//!
//! Codes marked AA are the issue codes of the IAM Access Analyzer policy check reference
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>);
//! the others are ours, for refusals that reference has no code for. They are the
//! [`Code`]s of [`ParseError::CODES`].
//!
//! | Code | Source | Meaning |
//! | --- | --- | --- |
//! | `JSON_SYNTAX_ERROR` | AA | not JSON, a duplicate key, or beyond a size/depth limit |
//! | `DATA_TYPE_MISMATCH` | AA | a JSON value of the wrong type (`"Effect": 1`, a non-object document, `null` in a condition) |
//! | `INVALID_POLICY_ELEMENT` | AA | an unknown top-level or statement element (names are case-sensitive) |
//! | `INVALID_VERSION` | AA | `Version` other than `2012-10-17`/`2008-10-17`; an RCP not on `2012-10-17` |
//! | `MISSING_VERSION` | AA | an RCP without `Version` (RCPs must say `2012-10-17`) |
//! | `MISSING_STATEMENT` | AA | no `Statement` |
//! | `MISSING_EFFECT` | AA | a statement without `Effect` |
//! | `INVALID_EFFECT` | AA | `Effect` other than `Allow`/`Deny` (case-sensitive) |
//! | `MISSING_ACTION` | AA | neither `Action` nor `NotAction` |
//! | `MISSING_RESOURCE` | AA | neither `Resource` nor `NotResource` (all types but trust) |
//! | `MISSING_PRINCIPAL` | AA | no `Principal`/`NotPrincipal` where the type requires one (resource, trust, RCP) |
//! | `UNSUPPORTED_ELEMENT_COMBINATION` | AA | `Action`+`NotAction`, `Resource`+`NotResource` or `Principal`+`NotPrincipal` in one statement |
//! | `UNSUPPORTED_PRINCIPAL` | AA | `Principal`/`NotPrincipal` where the type forbids it; `NotPrincipal` in trust/RCP; an RCP `Principal` other than `"*"` |
//! | `SCP_SYNTAX_ERROR_PRINCIPAL` | AA | `Principal`/`NotPrincipal` in an SCP |
//! | `ALLOW_WITH_NOT_PRINCIPAL` | AA | `NotPrincipal` in an `Allow` statement (not supported) |
//! | `UNSUPPORTED_RESOURCE` | ours | `Resource`/`NotResource` in a role trust policy (IAM: "has prohibited field Resource") |
//! | `UNIQUE_SIDS_REQUIRED` | AA | two statements with the same `Sid` (all types but resource policies) |
//! | `INVALID_PRINCIPAL_KEY` | AA | a principal type other than `AWS`, `Service`, `Federated`, `CanonicalUser` |
//! | `INVALID_PRINCIPAL_FORMAT` | AA | a principal value that is not `"*"`, an account id, or an IAM/STS principal ARN |
//! | `INVALID_SERVICE_PRINCIPAL_FORMAT` | AA | a `Service` value that is not a service domain name |
//! | `UNSUPPORTED_WILDCARD_IN_PRINCIPAL` | AA | `*` or `?` inside a principal value (only `"*"` alone is allowed) |
//! | `INVALID_ACTION_FORMAT` | ours | an action that is neither `*` nor `service:action` |
//! | `INVALID_ARN_PREFIX` | AA | a resource or ARN-operator value not starting with `arn:` |
//! | `MISSING_ARN_FIELD` | AA | an ARN with fewer than six components |
//! | `INVALID_ARN` | ours | any other malformed ARN pattern (a wildcard in the service segment of a `Resource`, ...) |
//! | `INVALID_CONDITION_OPERATOR` | AA | an unknown condition operator (help suggests the closest) |
//! | `NULL_WITH_IF_EXISTS` | AA | `NullIfExists` |
//! | `DUPLICATE_KEYS_WITH_DIFFERENT_CASE` | AA | two condition keys under one operator differing only in case |
//! | `INVALID_VARIABLE_FOR_OPERATOR` | AA | a `${...}` in a value of an operator other than String/Arn (version 2012-10-17) |
//! | `VARIABLE_UNSUPPORTED_IN_ELEMENT` | AA | a `${...}` in `Action`/`NotAction`, a principal, a condition key, or before the resource part of a `Resource` ARN (version 2012-10-17) |
//! | `EMPTY_VARIABLE` | AA | `${}` |
//! | `MISSING_BRACE_IN_VARIABLE` | AA | `${` without a closing `}` |
//! | `MISSING_QUOTE_IN_VARIABLE` | AA | a variable default value not in single quotes |
//! | `UNSUPPORTED_SPACE_IN_VARIABLE` | AA | a space inside a variable name (`${aws:user name}`); spaces around the name are trimmed |
//! | `UNSUPPORTED_SYMBOL_IN_VARIABLE` | AA | any other malformed `${...}` |

use std::fmt;

use crate::code::Code;
use crate::json::JsonErrorKind;
use crate::source::{LineCol, Span};

/// What is wrong. The message follows the project's style: lower case, no final period, user
/// input in backticks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The text is not JSON, or has a duplicate key, or exceeds a size or depth limit; the
    /// JSON reader's own error kind.
    #[error("{0}")]
    JsonSyntax(JsonErrorKind),
    /// Any other validation error.
    #[error("{message}")]
    Invalid {
        /// Stable issue code, one of [`ParseError::CODES`], e.g. [`Code::MissingEffect`].
        code: Code,
        /// Message.
        message: String,
    },
}

impl ParseErrorKind {
    /// The stable issue code, such as `JSON_SYNTAX_ERROR` or `INVALID_EFFECT`.
    #[must_use]
    pub const fn code(&self) -> Code {
        match self {
            Self::JsonSyntax(_) => Code::JsonSyntaxError,
            Self::Invalid { code, .. } => *code,
        }
    }
}

/// One located error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    kind: ParseErrorKind,
    span: Span,
    line_col: LineCol,
    related: Option<Span>,
    path: String,
    help: Option<String>,
}

impl ParseError {
    /// Every code a parse error can have, in the order of the module documentation's table.
    pub const CODES: &'static [Code] = &[
        Code::JsonSyntaxError,
        Code::DataTypeMismatch,
        Code::InvalidPolicyElement,
        Code::InvalidVersion,
        Code::MissingVersion,
        Code::MissingStatement,
        Code::MissingEffect,
        Code::InvalidEffect,
        Code::MissingAction,
        Code::MissingResource,
        Code::MissingPrincipal,
        Code::UnsupportedElementCombination,
        Code::UnsupportedPrincipal,
        Code::ScpSyntaxErrorPrincipal,
        Code::AllowWithNotPrincipal,
        Code::UnsupportedResource,
        Code::UniqueSidsRequired,
        Code::InvalidPrincipalKey,
        Code::InvalidPrincipalFormat,
        Code::InvalidServicePrincipalFormat,
        Code::UnsupportedWildcardInPrincipal,
        Code::InvalidActionFormat,
        Code::InvalidArnPrefix,
        Code::MissingArnField,
        Code::InvalidArn,
        Code::InvalidConditionOperator,
        Code::NullWithIfExists,
        Code::DuplicateKeysWithDifferentCase,
        Code::InvalidVariableForOperator,
        Code::VariableUnsupportedInElement,
        Code::EmptyVariable,
        Code::MissingBraceInVariable,
        Code::MissingQuoteInVariable,
        Code::UnsupportedSpaceInVariable,
        Code::UnsupportedSymbolInVariable,
    ];

    /// An error of `kind` at `span` (which starts at `line_col`), about the element at JSON
    /// `path`.
    pub(crate) fn new(kind: ParseErrorKind, span: Span, line_col: LineCol, path: String) -> Self {
        Self {
            kind,
            span,
            line_col,
            related: None,
            path,
            help: None,
        }
    }

    /// With a second location.
    #[must_use]
    pub(crate) fn with_related(mut self, related: Option<Span>) -> Self {
        self.related = related;
        self
    }

    /// With a hint.
    #[must_use]
    pub(crate) fn with_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    /// The stable issue code.
    #[must_use]
    pub const fn code(&self) -> Code {
        self.kind.code()
    }

    /// What is wrong.
    #[must_use]
    pub const fn kind(&self) -> &ParseErrorKind {
        &self.kind
    }

    /// The offending bytes.
    #[must_use]
    pub const fn span(&self) -> Span {
        self.span
    }

    /// Line and column of the start of [`span`](Self::span).
    #[must_use]
    pub const fn line_col(&self) -> LineCol {
        self.line_col
    }

    /// A second location (the first of two duplicate keys).
    #[must_use]
    pub const fn related(&self) -> Option<Span> {
        self.related
    }

    /// JSON path of the offending element, such as `Statement[0].Effect`; `""` for the whole
    /// document.
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A hint, such as "did you mean `StringEquals`?".
    #[must_use]
    pub fn help(&self) -> Option<&str> {
        self.help.as_deref()
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {}", self.line_col, self.code(), self.kind)?;
        if !self.path.is_empty() {
            write!(f, " (at {})", self.path)?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

/// All errors found in one document, in document order; never empty (it holds its first error
/// apart from the rest, so it cannot be built empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseErrors {
    first: Box<ParseError>,
    rest: Vec<ParseError>,
}

/// The iterator over a [`ParseErrors`], in document order.
pub type ParseErrorsIter<'a> =
    std::iter::Chain<std::iter::Once<&'a ParseError>, std::slice::Iter<'a, ParseError>>;

impl ParseErrors {
    /// Wraps a list; `None` if it is empty.
    #[must_use]
    pub fn new(errors: Vec<ParseError>) -> Option<Self> {
        let mut errors = errors.into_iter();
        let first = errors.next()?;
        Some(Self::one(first).with_rest(errors))
    }

    /// One error.
    #[must_use]
    pub fn one(first: ParseError) -> Self {
        Self {
            first: Box::new(first),
            rest: Vec::new(),
        }
    }

    pub(crate) fn with_rest(mut self, rest: impl IntoIterator<Item = ParseError>) -> Self {
        self.rest.extend(rest);
        self
    }

    /// The errors in document order.
    pub fn iter(&self) -> ParseErrorsIter<'_> {
        std::iter::once(&*self.first).chain(self.rest.iter())
    }

    /// How many errors (at least one).
    #[must_use]
    pub fn len(&self) -> usize {
        1 + self.rest.len()
    }

    /// Always false: a `ParseErrors` holds at least one error.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// Consumes the list, returning the errors in document order.
    #[must_use]
    pub fn into_vec(self) -> Vec<ParseError> {
        let mut all = Vec::with_capacity(self.len());
        all.push(*self.first);
        all.extend(self.rest);
        all
    }

    /// The first error.
    #[must_use]
    pub fn first(&self) -> &ParseError {
        &self.first
    }
}

impl<'a> IntoIterator for &'a ParseErrors {
    type Item = &'a ParseError;
    type IntoIter = ParseErrorsIter<'a>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl fmt::Display for ParseErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.first)?;
        if !self.rest.is_empty() {
            write!(f, " (and {} more)", self.rest.len())?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseErrors {}
