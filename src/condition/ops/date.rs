//! The Date operators. A request string is a W3C ISO 8601 date or epoch seconds, a request
//! number is epoch seconds; anything else makes the test unknown (D-05).

use super::Scalar;
use crate::condition::UnknownReason;
use crate::value::Instant;

/// The instant a Date operator reads from a request value.
pub(crate) fn read(scalar: Scalar<'_>) -> Result<Instant, UnknownReason> {
    match scalar {
        Scalar::String(s) => Instant::parse(s),
        Scalar::Number(s) => Instant::parse_epoch(s),
        Scalar::Bool(_) => None,
    }
    .ok_or(UnknownReason::NotADate)
}
