//! `Null`. The policy values are `true` ("the key is absent") and `false` ("the key is
//! present"); any one holding is enough. An absent key, the empty string (D-08) and an empty
//! list count as null. Set qualifiers on `Null` are ignored.

use super::{Present, is_empty_set};
use crate::condition::Truth;

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
