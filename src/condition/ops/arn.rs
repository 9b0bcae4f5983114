//! The Arn operators: `ArnEquals`, `ArnLike` and their negations. A request value is read as
//! text (as for the String operators); a policy value is an ARN pattern matched segment by
//! segment; an unresolvable variable matches nothing (D-04).

use crate::arn::ArnPattern;

/// Whether a request text matches a policy ARN pattern.
#[inline]
#[must_use]
pub(crate) fn matches<'a>(
    request: &str,
    pattern: &ArnPattern,
    resolve: impl Fn(&str) -> Option<&'a str> + Copy,
) -> bool {
    pattern.is_match(request, resolve) == Some(true)
}
