//! Policy values indexed when a policy is compiled, so that testing a request value against a
//! long value list costs a binary search instead of a pass over the list. This bounds the
//! set operators (`ForAllValues:`, `ForAnyValue:`) and multi-valued keys: n request values
//! against m policy values cost O(n log m) rather than O(n × m).
//!
//! | operators | index | per request value |
//! | --- | --- | --- |
//! | `StringEquals`, `StringNotEquals` | sorted literal texts | binary search |
//! | `…IgnoreCase` (ASCII policy values) | sorted ASCII-lower-cased texts | binary search (a non-ASCII request value: the plain pass) |
//! | `StringLike`, `StringNotLike` | sorted wildcard-free texts, plus the patterns with wildcards | binary search, then the patterns with wildcards |
//! | `Numeric…`, `Date…` equality | sorted values | binary search |
//! | `Numeric…`, `Date…` order | the largest (`<`, `<=`) or smallest (`>`, `>=`) value | one comparison |
//!
//! An entry with a policy variable in any value, and the other families (Arn, IP, Binary,
//! Bool, `Null`), are not indexed: their values are tested one by one (policy variables need
//! the request to be known; Arn and IP patterns are bounded by the policy size). The index
//! gives exactly the answer of the plain pass (`any_value_matches` in `engine/condition.rs`),
//! which tests check on random entries.

use crate::condition::ops::{self, Scalar, date, numeric, string};
use crate::condition::{BaseOperator, OperatorFamily, Truth};
use crate::policy::{ConditionEntry, TypedValue};
use crate::value::{Decimal, Instant};
use crate::variables::Template;

/// Fewer policy values than this are tested one by one (an index does not pay off).
pub(crate) const INDEX_FROM: usize = 8;

/// An entry's policy values, indexed; see the module docs.
#[derive(Clone, Debug)]
pub(crate) enum ValueIndex {
    /// Case-sensitive string equality: the literal texts, sorted.
    Exact(Box<[Box<str>]>),
    /// Case-insensitive equality over ASCII policy values: their ASCII-lower-cased texts,
    /// sorted.
    Folded(Box<[Box<str>]>),
    /// `StringLike`: the wildcard-free texts, sorted; the patterns with wildcards by the
    /// literal text before their first wildcard (sorted), so that only the patterns whose
    /// prefix starts the request text are tried; the longest such prefix.
    Like {
        exact: Box<[Box<str>]>,
        wild: Box<[(Box<str>, Template)]>,
        longest: usize,
    },
    /// Numeric equality: the values, sorted.
    Numbers(Box<[Decimal]>),
    /// Date equality: the values, sorted.
    Dates(Box<[Instant]>),
    /// A Numeric order operator: the one value that decides.
    NumberBound(Decimal),
    /// A Date order operator: the one value that decides.
    DateBound(Instant),
}

/// Whether an order operator keeps the largest policy value (`<`, `<=`): a request value is
/// below some policy value exactly when it is below the largest.
const fn keeps_largest(base: BaseOperator) -> Option<bool> {
    use BaseOperator as B;
    match base {
        B::NumericLessThan | B::NumericLessThanEquals | B::DateLessThan | B::DateLessThanEquals => {
            Some(true)
        }
        B::NumericGreaterThan
        | B::NumericGreaterThanEquals
        | B::DateGreaterThan
        | B::DateGreaterThanEquals => Some(false),
        _ => None,
    }
}

/// The literal text before the first wildcard of a Like pattern without variables (empty
/// when the pattern holds a `$`, whose meaning the template owns).
fn like_prefix(pattern: &str) -> &str {
    if pattern.contains('$') {
        return "";
    }
    let end = pattern.find(['*', '?']).unwrap_or(pattern.len());
    pattern.get(..end).unwrap_or_default()
}

fn sorted<T: Ord>(mut values: Vec<T>) -> Box<[T]> {
    values.sort_unstable();
    values.dedup();
    values.into_boxed_slice()
}

/// The bound an order operator compares with: the largest or smallest value.
fn bound<T: Ord + Copy>(values: &[T], largest: bool) -> Option<T> {
    if largest {
        values.iter().max().copied()
    } else {
        values.iter().min().copied()
    }
}

impl ValueIndex {
    /// The index of an entry's values, when one applies (module docs): `None` for short lists,
    /// for entries with a policy variable, and for families that are not indexed.
    pub(crate) fn build(entry: &ConditionEntry) -> Option<Self> {
        let items = &entry.values.items;
        if items.len() < INDEX_FROM {
            return None;
        }
        let base = entry.operator.value.base;
        let values = items.iter().map(|item| &item.value.typed);
        match base.family() {
            OperatorFamily::String => {
                let mut texts = Vec::with_capacity(items.len());
                let mut wild = Vec::new();
                let like = matches!(base, BaseOperator::StringLike | BaseOperator::StringNotLike);
                for value in values {
                    let TypedValue::String(template) = value else {
                        return None;
                    };
                    if template.variables().next().is_some() {
                        return None;
                    }
                    match template.literal_text() {
                        Some(text) => texts.push(Box::<str>::from(text)),
                        None if like => wild.push(template.clone()),
                        None => return None,
                    }
                }
                if like {
                    let mut wild: Vec<(Box<str>, Template)> = wild
                        .into_iter()
                        .map(|t| (Box::<str>::from(like_prefix(t.as_str())), t))
                        .collect();
                    wild.sort_by(|a, b| a.0.cmp(&b.0));
                    let longest = wild.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
                    Some(Self::Like {
                        exact: sorted(texts),
                        wild: wild.into_boxed_slice(),
                        longest,
                    })
                } else if string::ignores_case(base) {
                    if !texts.iter().all(|t| t.is_ascii()) {
                        return None;
                    }
                    let folded = texts
                        .iter()
                        .map(|t| Box::<str>::from(t.to_ascii_lowercase()))
                        .collect();
                    Some(Self::Folded(sorted(folded)))
                } else {
                    Some(Self::Exact(sorted(texts)))
                }
            }
            OperatorFamily::Numeric => {
                let numbers = values
                    .map(|v| match v {
                        TypedValue::Numeric(n) => Some(*n),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?;
                match keeps_largest(base) {
                    Some(largest) => bound(&numbers, largest).map(Self::NumberBound),
                    None => Some(Self::Numbers(sorted(numbers))),
                }
            }
            OperatorFamily::Date => {
                let dates = values
                    .map(|v| match v {
                        TypedValue::Date(d) => Some(*d),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?;
                match keeps_largest(base) {
                    Some(largest) => bound(&dates, largest).map(Self::DateBound),
                    None => Some(Self::Dates(sorted(dates))),
                }
            }
            _ => None,
        }
    }

    /// Whether any policy value matches `scalar` under the positive form of `base` (the
    /// entry's operator): the answer of the plain pass over the values, or `None` when the
    /// index cannot tell (a non-ASCII request value for an `…IgnoreCase` index: the caller
    /// makes the plain pass).
    pub(crate) fn any_match(&self, base: BaseOperator, scalar: Scalar<'_>) -> Option<Truth> {
        let search =
            |list: &[Box<str>], text: &str| list.binary_search_by(|v| (**v).cmp(text)).is_ok();
        Some(match self {
            Self::Exact(list) => Truth::from_bool(search(list, string::read(scalar))),
            Self::Folded(list) => {
                let text = string::read(scalar);
                if !text.is_ascii() {
                    return None;
                }
                // ASCII only: compare lower-cased bytes without building a string.
                let found = list
                    .binary_search_by(|v| {
                        v.bytes().cmp(text.bytes().map(|b| b.to_ascii_lowercase()))
                    })
                    .is_ok();
                Truth::from_bool(found)
            }
            Self::Like {
                exact,
                wild,
                longest,
            } => {
                let text = string::read(scalar);
                if search(exact, text) {
                    return Some(Truth::True);
                }
                // Every prefix of the text (up to the longest pattern prefix) names the
                // patterns that can match: those whose literal prefix it is.
                let mut found = false;
                for (end, _) in text
                    .char_indices()
                    .map(|(i, _)| (i, ()))
                    .chain(std::iter::once((text.len(), ())))
                    .take_while(|&(end, _)| end <= *longest)
                {
                    let prefix = text.get(..end).unwrap_or_default();
                    let from = wild.partition_point(|(p, _)| &**p < prefix);
                    let to = wild.partition_point(|(p, _)| &**p <= prefix);
                    if wild
                        .get(from..to)
                        .unwrap_or_default()
                        .iter()
                        .any(|(_, t)| string::matches(text, t, false, |_| None))
                    {
                        found = true;
                        break;
                    }
                }
                Truth::from_bool(found)
            }
            Self::Numbers(list) => match numeric::read(scalar) {
                Ok(n) => Truth::from_bool(list.binary_search(&n).is_ok()),
                Err(reason) => Truth::Unknown(reason),
            },
            Self::Dates(list) => match date::read(scalar) {
                Ok(d) => Truth::from_bool(list.binary_search(&d).is_ok()),
                Err(reason) => Truth::Unknown(reason),
            },
            Self::NumberBound(policy) => match numeric::read(scalar) {
                Ok(n) => Truth::from_bool(ops::ordered(base, &n, policy)),
                Err(reason) => Truth::Unknown(reason),
            },
            Self::DateBound(policy) => match date::read(scalar) {
                Ok(d) => Truth::from_bool(ops::ordered(base, &d, policy)),
                Err(reason) => Truth::Unknown(reason),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::engine::condition::{evaluate_entry, evaluate_indexed};
    use crate::policy::PolicyType;
    use crate::policy::lower::parse_policy;
    use crate::request::{ContextScalar, ContextValue};

    const STRING_OPS: &[&str] = &[
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
    ];
    const NUMERIC_OPS: &[&str] = &[
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
    ];
    const DATE_OPS: &[&str] = &[
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateGreaterThanEquals",
    ];
    const STRINGS: &[&str] = &[
        "a",
        "A",
        "ab",
        "aB",
        "key",
        "KEY",
        "\u{212A}ey",
        "é",
        "É",
        "a*",
        "*b",
        "?b",
        "",
        "x",
        "1",
        "true",
    ];
    const NUMBERS: &[&str] = &["1", "1.0", "2", "-3", "10", "0", "0.5", "1e1", "x"];
    const DATES: &[&str] = &[
        "2020-01-01T00:00:00Z",
        "2021-06-01T12:00:00Z",
        "2020-01-01T01:00:00+01:00",
        "1577836800",
        "2030-01-01T00:00:00Z",
        "never",
    ];

    /// The condition entry of a policy with one condition.
    fn entry(operator: &str, values: &[&str]) -> Option<ConditionEntry> {
        let values: Vec<String> = values
            .iter()
            .map(|v| serde_json::Value::String((*v).to_owned()).to_string())
            .collect();
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":"*",
                "Condition":{{"{operator}":{{"k":[{}]}}}}}}}}"#,
            values.join(",")
        );
        let policy = parse_policy(&text, PolicyType::Identity).ok()?;
        policy.statements.first()?.conditions.first().cloned()
    }

    proptest! {
        /// The index answers as the plain pass does, for every qualifier, single and
        /// multi-valued keys, values that do not parse, and non-ASCII text.
        #[test]
        fn index_agrees_with_the_plain_pass(
            family in 0..3usize,
            op in 0..6usize,
            qualifier in 0..3usize,
            if_exists in any::<bool>(),
            values in prop::collection::vec(0..16usize, 8..24),
            request in prop::collection::vec(0..16usize, 0..6),
            single in any::<bool>(),
        ) {
            let (ops, pool) = match family {
                0 => (STRING_OPS, STRINGS),
                1 => (NUMERIC_OPS, NUMBERS),
                _ => (DATE_OPS, DATES),
            };
            let mut operator = ops[op % ops.len()].to_owned();
            if if_exists {
                operator.push_str("IfExists");
            }
            let operator = match qualifier {
                0 => operator,
                1 => format!("ForAllValues:{operator}"),
                _ => format!("ForAnyValue:{operator}"),
            };
            let texts: Vec<&str> = values.iter().map(|&i| pool[i % pool.len()]).collect();
            let Some(entry) = entry(&operator, &texts) else {
                return Ok(());
            };
            let Some(index) = ValueIndex::build(&entry) else {
                // Literal values of the case-sensitive String operators are always indexed;
                // others not when a value is not of the family's type, or for a non-ASCII
                // `…IgnoreCase` value.
                prop_assert!(family != 0 || op % 6 >= 2, "{operator} {texts:?} not indexed");
                return Ok(());
            };
            let scalar = |i: usize| ContextScalar::String(pool[i % pool.len()].to_owned());
            let value = if single && !request.is_empty() {
                ContextValue::Single(scalar(request[0]))
            } else {
                ContextValue::Multi(request.iter().map(|&i| scalar(i)).collect())
            };
            let plain = evaluate_entry(&entry, Some(&value), |_| None);
            let indexed = evaluate_indexed(&entry, Some(&index), Some(&value), |_| None);
            prop_assert_eq!(indexed, plain, "{} {:?} on {:?}", operator, texts, value);
        }
    }

    #[test]
    fn short_lists_and_variables_are_not_indexed() {
        let e = entry("StringEquals", &["a", "b"]).unwrap();
        assert!(ValueIndex::build(&e).is_none());
        let many: Vec<String> = (0..10).map(|i| format!("v{i}-${{aws:username}}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let e = entry("StringEquals", &refs).unwrap();
        assert!(ValueIndex::build(&e).is_none());
        let e = entry("NumericLessThan", &["1", "5", "3", "2", "9", "4", "0", "7"]).unwrap();
        assert!(matches!(
            ValueIndex::build(&e),
            Some(ValueIndex::NumberBound(_))
        ));
    }
}
