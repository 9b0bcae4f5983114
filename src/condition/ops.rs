//! The meaning of the condition operators: one file per family, and here the rules that hold
//! for every family. Both the general evaluator (`engine/condition.rs`, on a parsed entry) and
//! the compiled fast paths (`engine/statement.rs`) call these functions, so a change to an
//! operator touches one file.
//!
//! Rules for every family (the ids are those of `DESIGN.md`):
//!
//! * **Absent key** ([`absent`], D-15): positive operators false, negated true, a plain
//!   `…IfExists` true, `ForAllValues:` true, `ForAnyValue:` false, with or without `IfExists`
//!   (`Null` is its own family: [`null`]). Except the request-time keys `aws:CurrentTime` and
//!   `aws:EpochTime` ([`time_not_given`], D-23): AWS always has them, so a test of one the
//!   request does not give is unknown, whatever the operator.
//! * **A list-valued key without a set qualifier** ([`list_without_qualifier`], D-06): false,
//!   positive and negated alike, with or without `IfExists`.
//! * **Negated operators** ([`settle`]): an operator with `Not` in its name is true when no
//!   policy value matches; an empty policy value list gives false (positive), true (negated).
//! * **Set qualifiers** ([`qualified`], §8.6–8.8, D-08): `ForAllValues:` needs every request
//!   value to satisfy the operator, `ForAnyValue:` one; an empty request set (an empty list or
//!   a single empty string) makes `ForAllValues:` true and `ForAnyValue:` false, and so does an
//!   empty policy value list, except that `ForAllValues:` then needs an empty request set.
//!   Element results combine with Kleene logic.
//! * **Request values that do not parse** for the family give [`Truth::Unknown`] (D-05).
//! * **Long value lists are indexed** when a policy is compiled (`engine/index.rs`), so that n request
//!   values against m policy values cost O(n log m), not O(n × m).

pub(crate) mod arn;
pub(crate) mod binary;
pub(crate) mod boolean;
pub(crate) mod date;
pub(crate) mod ip;
pub(crate) mod null;
pub(crate) mod numeric;
pub(crate) mod string;

use super::{BaseOperator, Operator, SetQualifier, Truth, UnknownReason};

/// A request value as the operators read it (borrowed from a plain or a prepared request).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scalar<'a> {
    /// A string.
    String(&'a str),
    /// A number, as its decimal text.
    Number(&'a str),
    /// A boolean.
    Bool(bool),
}

/// The shape of a present request value, for the rules that look at the whole value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Present<'a> {
    /// A single value.
    Single(Scalar<'a>),
    /// A list of this many values.
    List(usize),
}

/// `aws:CurrentTime` and `aws:EpochTime`, lower case: the time of the request, which AWS
/// "always" includes in the request context
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-currenttime>)
/// and which only the caller can give (the library reads no clock).
const TIME_KEYS: [&str; 2] = ["aws:currenttime", "aws:epochtime"];

/// The truth of any test (`Null` included) of the lower-case key `key_lower` when the
/// request has no value for it, if that key is one of the request-time keys: AWS always has
/// a value, which the request did not tell, so the test is unknown and fails closed (D-23).
/// `None` for every other key (then [`absent`], or `Null`'s own rule, decides).
#[inline]
#[must_use]
pub(crate) fn time_not_given(key_lower: &str) -> Option<Truth> {
    TIME_KEYS
        .contains(&key_lower)
        .then_some(Truth::Unknown(UnknownReason::TimeNotGiven))
}

/// The truth of a condition whose key is absent from the request (not for `Null`).
#[inline]
#[must_use]
pub(crate) const fn absent(operator: Operator) -> Truth {
    // The qualifier decides first: `IfExists` under a set qualifier tests each request value
    // (there are none), so `ForAnyValue:…IfExists` stays false on an absent key.
    match operator.qualifier {
        Some(SetQualifier::ForAllValues) => Truth::True,
        Some(SetQualifier::ForAnyValue) => Truth::False,
        None if operator.if_exists => Truth::True,
        None => Truth::from_bool(operator.base.is_negated()),
    }
}

/// The truth of an operator without set qualifier on a list-valued key.
#[inline]
#[must_use]
pub(crate) const fn list_without_qualifier() -> Truth {
    Truth::False
}

/// The operator's truth from whether any policy value matched under its positive form.
#[inline]
#[must_use]
pub(crate) fn settle(base: BaseOperator, any: Truth) -> Truth {
    if base.is_negated() { !any } else { any }
}

/// Whether a present value is the empty set for the set qualifiers: an empty list or a single
/// empty string (§8.6).
#[must_use]
pub(crate) const fn is_empty_set(value: Present<'_>) -> bool {
    match value {
        Present::List(len) => len == 0,
        Present::Single(Scalar::String(s)) => s.is_empty(),
        Present::Single(Scalar::Number(_) | Scalar::Bool(_)) => false,
    }
}

/// A set-qualified operator on a present value whose elements are `scalars` (one for a single
/// value): `test` gives the operator's truth for one element; `no_policy_values` says whether
/// the policy value list is empty.
pub(crate) fn qualified<T>(
    qualifier: SetQualifier,
    value: Present<'_>,
    scalars: &[T],
    no_policy_values: bool,
    mut test: impl FnMut(&T) -> Truth,
) -> Truth {
    let empty = is_empty_set(value);
    if empty || no_policy_values {
        return Truth::from_bool(qualifier == SetQualifier::ForAllValues && empty);
    }
    match qualifier {
        SetQualifier::ForAllValues => scalars.iter().fold(Truth::True, |acc, scalar| {
            if acc.is_false() {
                acc
            } else {
                acc.and(test(scalar))
            }
        }),
        SetQualifier::ForAnyValue => scalars.iter().fold(Truth::False, |acc, scalar| {
            if acc.is_true() {
                acc
            } else {
                acc.or(test(scalar))
            }
        }),
    }
}

/// `request <op> policy` for the ordered families (Numeric and Date); the `…NotEquals`
/// operators test equality here and are negated by [`settle`].
#[must_use]
pub(crate) fn ordered<T: Ord>(base: BaseOperator, request: &T, policy: &T) -> bool {
    use BaseOperator as B;
    match base {
        B::NumericLessThan | B::DateLessThan => request < policy,
        B::NumericLessThanEquals | B::DateLessThanEquals => request <= policy,
        B::NumericGreaterThan | B::DateGreaterThan => request > policy,
        B::NumericGreaterThanEquals | B::DateGreaterThanEquals => request >= policy,
        _ => request == policy,
    }
}
