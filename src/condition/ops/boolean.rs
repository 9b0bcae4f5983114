//! `Bool`. A request value is a boolean, or the string `true`/`false` in any case (D-16);
//! anything else makes the test unknown (D-05).

use super::Scalar;
use crate::condition::UnknownReason;
use crate::value::parse_bool;

/// The boolean `Bool` reads from a request value.
#[inline]
pub(crate) fn read(scalar: Scalar<'_>) -> Result<bool, UnknownReason> {
    match scalar {
        Scalar::Bool(b) => Some(b),
        Scalar::String(s) => parse_bool(s),
        Scalar::Number(_) => None,
    }
    .ok_or(UnknownReason::NotABool)
}

/// The set of booleans that policy values accept, as bits (bit 0 `true`, bit 1 `false`).
#[inline]
#[must_use]
pub(crate) const fn bit(value: bool) -> u8 {
    if value { 1 } else { 2 }
}
