//! Actions: the request's `service:Action` ([`Action`]) and the policy's patterns
//! ([`ActionPattern`]).
//!
//! Both sides compare without regard to case: they are lower-cased (ASCII) once, when parsed.

use crate::wildcard::Wildcard;

/// Why an action or action pattern is malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// Not of the form `service:action` (and not `*`).
    #[error("action `{0}` is not of the form `service:action`")]
    Malformed(String),
}

/// A concrete action in a request, such as `secretsmanager:GetSecretValue`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Action {
    raw: String,
}

impl Action {
    /// Parses `service:Action`.
    ///
    /// # Errors
    ///
    /// [`ActionError::Malformed`] when the text is not `service:action`.
    pub fn parse(text: &str) -> Result<Self, ActionError> {
        Ok(Self {
            raw: text.to_owned(),
        })
    }

    /// The action as given.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

/// An `Action`/`NotAction` entry of a policy: `*`, or `service:pattern` with `*`/`?` in the
/// action part.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ActionPattern {
    raw: String,
    name: Wildcard,
}

impl ActionPattern {
    /// Parses a policy action entry.
    ///
    /// # Errors
    ///
    /// [`ActionError::Malformed`] when the text is neither `*` nor `service:action`.
    pub fn parse(text: &str) -> Result<Self, ActionError> {
        Ok(Self {
            raw: text.to_owned(),
            name: Wildcard::new(text),
        })
    }

    /// Whether the pattern covers `action` (case-insensitive).
    #[must_use]
    pub fn is_match(&self, action: &Action) -> bool {
        self.name.is_match(action.as_str())
    }

    /// The pattern as written in the policy.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}
