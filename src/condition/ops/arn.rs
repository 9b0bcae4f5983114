//! The Arn operators: `ArnEquals`, `ArnLike` and their negations. A request value is read as
//! text (as for the String operators) and must be an ARN, six colon-separated components;
//! anything else makes the test unknown (D-05: the IAM policy simulator refuses such a value,
//! so `ArnNotLike` does not hold for it). A policy value is an ARN pattern matched segment by
//! segment; an unresolvable variable matches nothing (D-04).

use super::{Scalar, string};
use crate::arn::{ArnPattern, colon_offsets};
use crate::condition::UnknownReason;

/// The ARN text an Arn operator reads from a request value.
#[inline]
pub(crate) fn read(scalar: Scalar<'_>) -> Result<&str, UnknownReason> {
    let text = string::read(scalar);
    if colon_offsets(text).is_some() {
        Ok(text)
    } else {
        Err(UnknownReason::NotAnArn)
    }
}

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
