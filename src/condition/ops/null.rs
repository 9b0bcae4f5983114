//! `Null`. The policy values are `true` ("the key is absent") and `false` ("the key is
//! present"); any one holding is enough. An absent key, the empty string (D-08) and an empty
//! list count as null.
//!
//! Under a set qualifier (`ForAllValues:Null`, `ForAnyValue:Null`) the qualifier runs over the
//! request's values, none of which is null, so each value satisfies `false` and fails `true`;
//! without values (an absent key, the empty string, an empty list; empty strings in a list are
//! not values) `ForAllValues:` is true and `ForAnyValue:` false, as for every other operator.
//! The IAM policy simulator answers so: `ForAllValues:Null: false` holds for the empty string
//! and `ForAnyValue:Null: true` does not.

use super::{Present, Scalar, is_empty_set};
use crate::condition::{SetQualifier, Truth};

/// Whether the request's value for the key (`None`: absent) counts as null.
#[must_use]
pub(crate) fn is_null(value: Option<Present<'_>>) -> bool {
    value.is_none_or(is_empty_set)
}

/// Whether one policy value (`wants_null`) holds.
#[inline]
#[must_use]
pub(crate) fn matches(wants_null: bool, is_null: bool) -> Truth {
    Truth::from_bool(wants_null == is_null)
}

/// Whether any of a present value's elements is a value for the set qualifiers: anything but
/// the empty string.
#[must_use]
pub(crate) fn has_values<'a>(mut elements: impl Iterator<Item = Scalar<'a>>) -> bool {
    elements.any(|element| element != Scalar::String(""))
}

/// Whether one policy value (`wants_null`) holds under `qualifier`, given whether the request
/// holds any value ([`has_values`]; `false` for an absent key).
#[inline]
#[must_use]
pub(crate) const fn qualified_matches(
    qualifier: SetQualifier,
    wants_null: bool,
    has_values: bool,
) -> Truth {
    Truth::from_bool(match qualifier {
        SetQualifier::ForAllValues => !has_values || !wants_null,
        SetQualifier::ForAnyValue => has_values && !wants_null,
    })
}
