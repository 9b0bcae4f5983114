//! What every rule works with: the text, the validated policy, the catalog, and the list of
//! findings with the statement each belongs to.

use crate::catalog::Catalog;
use crate::policy::{OneOrMany, Policy, PolicyType};
use crate::source::{LineIndex, Span};

use crate::code::Code;

use super::Finding;

/// A finding and the statement it is about (`None` for the whole document).
#[derive(Debug)]
pub(crate) struct Tagged {
    pub statement: Option<usize>,
    pub finding: Finding,
}

/// The state shared by the rules of one run.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    pub text: &'a str,
    pub policy: &'a Policy,
    pub policy_type: PolicyType,
    /// `None` when the catalog failed to load: catalog checks are skipped.
    pub catalog: Option<&'a Catalog>,
    index: &'a LineIndex,
    pub out: Vec<Tagged>,
}

impl<'a> Ctx<'a> {
    pub fn new(
        text: &'a str,
        index: &'a LineIndex,
        policy: &'a Policy,
        policy_type: PolicyType,
        catalog: Option<&'a Catalog>,
    ) -> Self {
        Self {
            text,
            policy,
            policy_type,
            catalog,
            index,
            out: Vec::new(),
        }
    }

    /// The path of statement `i`: `Statement[i]`, or `Statement` when it is a single object.
    pub fn stmt_path(&self, i: usize) -> Path {
        let p = Path::root().key("Statement");
        if self.policy.statement_is_array {
            p.index(i)
        } else {
            p
        }
    }

    /// Records a finding with the registry's severity for `code` (every code has one).
    pub fn emit(
        &mut self,
        statement: Option<usize>,
        code: Code,
        span: Span,
        path: Path,
        message: String,
    ) -> &mut Finding {
        let finding = Finding {
            code,
            severity: code.severity(),
            message,
            span,
            start: self.index.line_col(self.text, span.start),
            end: self.index.line_col(self.text, span.end),
            path: path.0,
            help: None,
        };
        self.out.push(Tagged { statement, finding });
        let last = self.out.len() - 1;
        // INVARIANT: the vector is non-empty, we just pushed onto it.
        #[expect(clippy::indexing_slicing, reason = "index of the element just pushed")]
        &mut self.out[last].finding
    }
}

/// A JSON path being built: `.Key` for `[A-Za-z0-9_]+` keys, `["key"]` otherwise, `[n]` for
/// array indexes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Path(String);

impl Path {
    /// The document itself (the empty path).
    pub fn root() -> Self {
        Self(String::new())
    }

    /// Appends an object key.
    #[must_use]
    pub fn key(mut self, key: &str) -> Self {
        let simple = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if simple {
            if !self.0.is_empty() {
                self.0.push('.');
            }
            self.0.push_str(key);
        } else {
            self.0.push('[');
            self.0
                .push_str(&serde_json::to_string(key).unwrap_or_else(|_| format!("\"{key}\"")));
            self.0.push(']');
        }
        self
    }

    /// Appends an array index.
    #[must_use]
    pub fn index(mut self, i: usize) -> Self {
        self.0.push('[');
        self.0.push_str(&i.to_string());
        self.0.push(']');
        self
    }

    /// Appends entry `i` of a string-or-list value: an index only when it was written as a
    /// list.
    #[must_use]
    pub fn item<T>(self, list: &OneOrMany<T>, i: usize) -> Self {
        if list.is_list { self.index(i) } else { self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_paths() {
        let p = Path::root()
            .key("Statement")
            .index(0)
            .key("Condition")
            .key("StringEquals")
            .key("aws:SourceIp");
        assert_eq!(p.0, "Statement[0].Condition.StringEquals[\"aws:SourceIp\"]");
        assert_eq!(
            Path::root().key("ForAllValues:StringLike").0,
            "[\"ForAllValues:StringLike\"]"
        );
        assert_eq!(Path::root().key("a\"b").0, "[\"a\\\"b\"]");
    }
}
