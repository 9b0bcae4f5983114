//! `BinaryEquals`. A request value is a string holding standard base64, compared with the
//! policy value by its decoded bytes; anything else makes the test unknown (D-05).

use super::Scalar;
use crate::condition::{Truth, UnknownReason};
use crate::value::base64_equals;

/// The base64 text `BinaryEquals` reads from a request value.
pub(crate) fn read(scalar: Scalar<'_>) -> Result<&str, UnknownReason> {
    match scalar {
        Scalar::String(s) => Ok(s),
        Scalar::Number(_) | Scalar::Bool(_) => Err(UnknownReason::NotBase64),
    }
}

/// Whether the request's base64 text decodes to the policy value's bytes.
#[must_use]
pub(crate) fn matches(request: &str, policy: &[u8]) -> Truth {
    match base64_equals(request, policy) {
        Some(equal) => Truth::from_bool(equal),
        None => Truth::Unknown(UnknownReason::NotBase64),
    }
}
