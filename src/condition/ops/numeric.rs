//! The Numeric operators. A request value is a number, or a string holding one; anything else
//! makes the test unknown (D-05).

use super::Scalar;
use crate::condition::UnknownReason;
use crate::value::Decimal;

/// The number a Numeric operator reads from a request value.
pub(crate) fn read(scalar: Scalar<'_>) -> Result<Decimal, UnknownReason> {
    match scalar {
        Scalar::String(s) | Scalar::Number(s) => Decimal::parse(s),
        Scalar::Bool(_) => None,
    }
    .ok_or(UnknownReason::NotANumber)
}
