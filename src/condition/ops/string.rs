//! The String operators: `StringEquals`, `StringNotEquals`, the `IgnoreCase` forms and
//! `StringLike`/`StringNotLike`. A request value is read as text (a number as its decimal text,
//! a boolean as `true`/`false`); a policy value is a template (wildcards for `Like`, policy
//! variables); an unresolvable variable matches nothing (D-04).

use super::Scalar;
use crate::condition::BaseOperator;
use crate::variables::Template;
use crate::wildcard::lit_eq;

/// The text a String or Arn operator reads from a request value.
#[inline]
#[must_use]
pub(crate) const fn read(scalar: Scalar<'_>) -> &str {
    match scalar {
        Scalar::String(s) | Scalar::Number(s) => s,
        Scalar::Bool(true) => "true",
        Scalar::Bool(false) => "false",
    }
}

/// Whether the operator compares without regard to case.
#[inline]
#[must_use]
pub(crate) const fn ignores_case(base: BaseOperator) -> bool {
    matches!(
        base,
        BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringNotEqualsIgnoreCase
    )
}

/// Whether a request value equals a literal policy value ignoring case (character by character
/// on their lower-case mappings). The request value comes already read as text (`None`: not
/// UTF-8, equal to nothing): a caller comparing one request value with many policy values reads
/// it once, so that the cost is not the request's length times the number of values. (Without
/// `IgnoreCase`, equality is of bytes: `crate::bytes::same_bytes`.)
#[inline]
#[must_use]
pub(crate) fn equals_ignoring_case(request: Option<&str>, value: &[u8]) -> bool {
    matches!(
        (request, std::str::from_utf8(value)),
        (Some(r), Ok(v)) if lit_eq(r, v, true)
    )
}

/// Whether a request text matches a policy template (variables filled in by `resolve`).
#[inline]
#[must_use]
pub(crate) fn matches<'a>(
    request: &str,
    template: &Template,
    ignore_case: bool,
    resolve: impl Fn(&str) -> Option<&'a str> + Copy,
) -> bool {
    template.is_match(request, ignore_case, resolve) == Some(true)
}
