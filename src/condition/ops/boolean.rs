//! `Bool`. A request value is a boolean, or text that is true when it is `true` in any case
//! and false otherwise (D-16): `Bool: "false"` holds for `asdf`, as the IAM policy simulator
//! answers (Java's `Boolean.parseBoolean`). A request value never makes the test unknown.

use super::Scalar;
use crate::condition::UnknownReason;

/// The boolean `Bool` reads from a request value: the text `true` in any case is true, every
/// other text (`false`, `asdf`, `1`, the empty string) false. Never an error; the `Result`
/// keeps the shape of the other families' readers.
#[inline]
pub(crate) fn read(scalar: Scalar<'_>) -> Result<bool, UnknownReason> {
    Ok(match scalar {
        Scalar::Bool(b) => b,
        Scalar::String(s) | Scalar::Number(s) => s.eq_ignore_ascii_case("true"),
    })
}

/// The set of booleans that policy values accept, as bits (bit 0 `true`, bit 1 `false`).
#[inline]
#[must_use]
pub(crate) const fn bit(value: bool) -> u8 {
    if value { 1 } else { 2 }
}
