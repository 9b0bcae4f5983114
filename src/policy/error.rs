//! Errors of parsing and validating a policy document.
//!
//! Every error has a stable code (the AWS IAM Access Analyzer issue code where one exists), a
//! message, a byte span, the 1-based line and column of the span's start, and a JSON path such
//! as `Statement[0].Condition.StringEquals["aws:SourceIp"]`.

use std::fmt;

use crate::source::{LineCol, Span};

/// What is wrong. The message follows the project's style: lower case, no final period, user
/// input in backticks.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The text is not JSON, or has a duplicate key, or exceeds a size or depth limit.
    #[error("{0}")]
    JsonSyntax(String),
    /// Any other validation error; `code` is stable.
    #[error("{message}")]
    Invalid {
        /// Stable issue code, e.g. `MISSING_EFFECT`.
        code: &'static str,
        /// Message.
        message: String,
    },
}

impl ParseErrorKind {
    /// The stable issue code, such as `JSON_SYNTAX_ERROR` or `INVALID_EFFECT`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::JsonSyntax(_) => "JSON_SYNTAX_ERROR",
            Self::Invalid { code, .. } => code,
        }
    }
}

/// One located error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// What is wrong.
    pub kind: ParseErrorKind,
    /// The offending bytes.
    pub span: Span,
    /// Line and column of `span.start`.
    pub line_col: LineCol,
    /// A second location (the first of two duplicate keys).
    pub related: Option<Span>,
    /// JSON path of the offending element; `""` for the whole document.
    pub path: String,
    /// A hint, such as "did you mean `StringEquals`?".
    pub help: Option<String>,
}

impl ParseError {
    /// The stable issue code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} {}", self.line_col, self.code(), self.kind)
    }
}

impl std::error::Error for ParseError {}

/// All errors found in one document; never empty, in document order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseErrors {
    errors: Vec<ParseError>,
}

impl ParseErrors {
    /// Wraps a list; `None` if it is empty.
    #[must_use]
    pub fn new(errors: Vec<ParseError>) -> Option<Self> {
        (!errors.is_empty()).then_some(Self { errors })
    }

    /// The errors in document order.
    pub fn iter(&self) -> std::slice::Iter<'_, ParseError> {
        self.errors.iter()
    }

    /// How many errors.
    #[must_use]
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Always false: a `ParseErrors` holds at least one error.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The first error.
    #[must_use]
    pub fn first(&self) -> Option<&ParseError> {
        self.errors.first()
    }
}

impl<'a> IntoIterator for &'a ParseErrors {
    type Item = &'a ParseError;
    type IntoIter = std::slice::Iter<'a, ParseError>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl fmt::Display for ParseErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(first) = self.errors.first() {
            write!(f, "{first}")?;
        }
        if self.errors.len() > 1 {
            write!(f, " (and {} more)", self.errors.len() - 1)?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseErrors {}
