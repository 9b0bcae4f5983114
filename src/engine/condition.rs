//! The general condition evaluator: one condition entry (one operator, one key, its typed
//! policy values) against the request's value for that key.
//!
//! Owns [`evaluate_entry`], a pure function: no allocation, no I/O, no panic. It reads the
//! entry and dispatches; what each operator means, and the rules for absent keys, list-valued
//! keys, negation and set qualifiers, are owned by `condition/ops` (the compiled fast paths
//! of `statement.rs` call the same functions). The engine combines the entries of a statement
//! (an `Allow` needs every entry [`Truth::True`]; a `Deny` applies unless some entry is
//! [`Truth::False`]) and records the [`UnknownReason`]s in its trace.
//!
//! AWS references:
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>.

use std::net::IpAddr;

use super::index::{Names, Scope, ValueIndex};
use crate::condition::ops::{
    self, Present, Scalar, arn, binary, boolean, date, ip, null, numeric, string,
};
use crate::condition::{BaseOperator, OperatorFamily, Truth, UnknownReason};
use crate::policy::{ConditionEntry, TypedValue};
use crate::request::{ContextScalar, ContextValue};
use crate::value::{Decimal, Instant};

/// Evaluates one condition entry (one operator, one key, its values) against `value`, the
/// request's value for the key (`None` when the key is absent). `resolve` gives the value
/// of a policy variable by lower-cased key (`None` when it has none); pass a resolver that
/// always answers `None` when the policy's version does not enable variables.
///
/// The rules are documented in `src/condition/ops.rs` and its per-family files.
///
/// # Examples
///
/// ```
/// use iam_policy::Truth;
/// use iam_policy::unstable::evaluate_entry;
/// use iam_policy::policy::RawScalar;
/// use iam_policy::{ContextScalar, ContextValue, Effect, PolicyBuilder, PolicyType, StatementBuilder};
///
/// let policy = PolicyBuilder::new(PolicyType::Identity)
///     .statement(
///         StatementBuilder::new(Effect::Allow)
///             .action(["s3:ListBucket"])
///             .resource(["*"])
///             .condition("NumericLessThan", "s3:max-keys", [RawScalar::Number("10".to_owned())]),
///     )
///     .build()?;
/// let entry = &policy.statements()[0].conditions()[0];
/// let no_vars = |_: &str| -> Option<&str> { None };
/// let nine = ContextValue::Single(ContextScalar::Number("9".to_owned()));
/// assert_eq!(evaluate_entry(&entry, Some(&nine), no_vars), Truth::True);
/// assert_eq!(evaluate_entry(&entry, None, no_vars), Truth::False);
/// let text = ContextValue::Single(ContextScalar::String("many".to_owned()));
/// assert!(matches!(evaluate_entry(&entry, Some(&text), no_vars), Truth::Unknown(_)));
/// # Ok::<(), iam_policy::ParseErrors>(())
/// ```
pub fn evaluate_entry<'a>(
    entry: &ConditionEntry,
    value: Option<&ContextValue>,
    resolve: impl Fn(&str) -> Option<&'a str> + Copy,
) -> Truth {
    evaluate_indexed(entry, None, value, resolve)
}

/// [`evaluate_entry`] with the entry's policy values indexed (`index` built from `entry` by
/// [`ValueIndex::build`]): the same answer, in O(log m) per request value for the values the
/// index holds.
pub(crate) fn evaluate_indexed<'a>(
    entry: &ConditionEntry,
    index: Option<&ValueIndex>,
    value: Option<&ContextValue>,
    resolve: impl Fn(&str) -> Option<&'a str> + Copy,
) -> Truth {
    evaluate_value(entry, index, value.map(Value::from), resolve)
}

/// A request value as the general evaluator reads it, borrowed: from a [`ContextValue`], or
/// from a prepared request's arena (whose single values are never kept whole).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'v> {
    /// A single-valued key.
    Single(Scalar<'v>),
    /// A multi-valued key.
    Multi(&'v [ContextScalar]),
}

impl<'v> From<&'v ContextValue> for Value<'v> {
    fn from(value: &'v ContextValue) -> Self {
        match value {
            ContextValue::Single(s) => Self::Single(scalar(s)),
            ContextValue::Multi(list) => Self::Multi(list),
        }
    }
}

/// [`evaluate_indexed`] of a borrowed request value (the engine's entry point).
pub(crate) fn evaluate_value<'a>(
    entry: &ConditionEntry,
    index: Option<&ValueIndex>,
    value: Option<Value<'_>>,
    resolve: impl Fn(&str) -> Option<&'a str> + Copy,
) -> Truth {
    evaluate_value_named(entry, index, value, resolve, None)
}

/// [`evaluate_value`] given the names of the request's keys (`names`: every other name has
/// no value), which lets the index resolve a list of many distinct variables from the
/// request's side.
pub(crate) fn evaluate_value_named<'a>(
    entry: &ConditionEntry,
    index: Option<&ValueIndex>,
    value: Option<Value<'_>>,
    resolve: impl Fn(&str) -> Option<&'a str> + Copy,
    names: Option<&dyn Names>,
) -> Truth {
    let operator = entry.operator.value;
    if value.is_none()
        && let Some(truth) = ops::time_not_given(&entry.key_lower)
    {
        return truth;
    }
    if operator.base == BaseOperator::Null {
        return evaluate_null(entry, value);
    }
    let Some(value) = value else {
        return ops::absent(operator);
    };
    match index {
        Some(index) => index.scope(names, |scope| {
            evaluate_present(entry, Some((index, scope)), value, resolve)
        }),
        None => evaluate_present(entry, None, value, resolve),
    }
}

/// [`evaluate_value`] of a present request value, with the entry's index and the scope of
/// this decision's scratch.
fn evaluate_present<'a>(
    entry: &ConditionEntry,
    index: Option<(&ValueIndex, Scope<'_>)>,
    value: Value<'_>,
    resolve: impl Fn(&str) -> Option<&'a str> + Copy,
) -> Truth {
    let operator = entry.operator.value;
    let Some(qualifier) = operator.qualifier else {
        return match value {
            Value::Single(scalar) => test_scalar(entry, index, scalar, resolve),
            Value::Multi(_) => ops::list_without_qualifier(),
        };
    };
    let no_policy_values = entry.values.items.is_empty();
    match value {
        Value::Single(single) => ops::qualified(
            qualifier,
            Present::Single(single),
            std::slice::from_ref(&single),
            no_policy_values,
            |s| test_scalar(entry, index, *s, resolve),
        ),
        Value::Multi(list) => ops::qualified(
            qualifier,
            Present::List(list.len()),
            list,
            no_policy_values,
            |s| test_scalar(entry, index, scalar(s), resolve),
        ),
    }
}

/// A request scalar as the operators read it.
fn scalar(value: &ContextScalar) -> Scalar<'_> {
    match value {
        ContextScalar::String(s) => Scalar::String(s),
        ContextScalar::Number(s) => Scalar::Number(s),
        ContextScalar::Bool(b) => Scalar::Bool(*b),
    }
}

/// The shape of a present request value.
const fn present(value: Value<'_>) -> Present<'_> {
    match value {
        Value::Single(s) => Present::Single(s),
        Value::Multi(list) => Present::List(list.len()),
    }
}

/// `Null` over the entry's policy values (with a set qualifier: over the request's values).
fn evaluate_null(entry: &ConditionEntry, value: Option<Value<'_>>) -> Truth {
    let qualifier = entry.operator.value.qualifier;
    let is_null = null::is_null(value.map(present));
    let has_values = match value {
        None => false,
        Some(Value::Single(single)) => null::has_values(std::iter::once(single)),
        Some(Value::Multi(list)) => null::has_values(list.iter().map(scalar)),
    };
    entry
        .values
        .items
        .iter()
        .fold(Truth::False, |acc, item| match item.value.typed {
            TypedValue::Null(wants_null) => acc.or(match qualifier {
                None => null::matches(wants_null, is_null),
                Some(q) => null::qualified_matches(q, wants_null, has_values),
            }),
            _ => acc.or(Truth::Unknown(UnknownReason::PolicyValueType)),
        })
}

/// One request scalar against the entry's operator and all its policy values.
fn test_scalar<'a>(
    entry: &ConditionEntry,
    index: Option<(&ValueIndex, Scope<'_>)>,
    value: Scalar<'_>,
    resolve: impl Fn(&str) -> Option<&'a str> + Copy,
) -> Truth {
    let base = entry.operator.value.base;
    ops::settle(base, any_value_matches(entry, index, base, value, resolve))
}

/// The request value read for one operator family.
pub(crate) enum Request<'s> {
    /// String and Arn operators: text.
    Text(&'s str),
    /// Numeric operators.
    Number(Decimal),
    /// Date operators.
    Date(Instant),
    /// `Bool`.
    Bool(bool),
    /// `BinaryEquals`: the base64 text (decoded while comparing).
    Base64(&'s str),
    /// `IpAddress`/`NotIpAddress`.
    Ip(IpAddr),
}

/// Reads a request scalar for `family`; the error says why it does not fit.
fn read_request(family: OperatorFamily, scalar: Scalar<'_>) -> Result<Request<'_>, UnknownReason> {
    Ok(match family {
        OperatorFamily::String | OperatorFamily::Null => Request::Text(string::read(scalar)),
        OperatorFamily::Arn => Request::Text(arn::read(scalar)?),
        OperatorFamily::Numeric => Request::Number(numeric::read(scalar)?),
        OperatorFamily::Date => Request::Date(date::read(scalar)?),
        OperatorFamily::Bool => Request::Bool(boolean::read(scalar)?),
        OperatorFamily::Binary => Request::Base64(binary::read(scalar)?),
        OperatorFamily::Ip => Request::Ip(ip::read(scalar)?),
    })
}

/// Whether any policy value matches the request scalar under the positive form of `base`
/// (`StringNotEquals` tests `StringEquals`, and so on). `False` for an empty value list,
/// whatever the request value. With the entry's index, the values it holds answer by a search
/// and only the rest ([`ValueIndex::rest`]) are tried one by one.
fn any_value_matches<'a>(
    entry: &ConditionEntry,
    index: Option<(&ValueIndex, Scope<'_>)>,
    base: BaseOperator,
    scalar: Scalar<'_>,
    resolve: impl Fn(&str) -> Option<&'a str> + Copy,
) -> Truth {
    let values = &entry.values.items;
    if values.is_empty() {
        return Truth::False;
    }
    let request = match read_request(base.family(), scalar) {
        Ok(request) => request,
        Err(reason) => return Truth::Unknown(reason),
    };
    let one = |policy: &TypedValue| value_matches(base, &request, policy, resolve);
    let mut result = Truth::False;
    match index {
        Some((index, scope)) => {
            result = index.any_match(scope, entry, base, &request, resolve);
            for at in index.rest() {
                if result.is_true() {
                    break;
                }
                if let Some(item) = values.get(at) {
                    result = result.or(one(&item.value.typed));
                }
            }
        }
        None => {
            for item in values {
                result = result.or(one(&item.value.typed));
                if result.is_true() {
                    break;
                }
            }
        }
    }
    result
}

/// One policy value against the request value, under the positive form of `base`.
fn value_matches<'a>(
    base: BaseOperator,
    request: &Request<'_>,
    policy: &TypedValue,
    resolve: impl Fn(&str) -> Option<&'a str> + Copy,
) -> Truth {
    match (request, policy) {
        (Request::Text(text), TypedValue::String(template)) => Truth::from_bool(string::matches(
            text,
            template,
            string::ignores_case(base),
            resolve,
        )),
        (Request::Text(text), TypedValue::Arn(pattern)) => {
            Truth::from_bool(arn::matches(text, pattern, resolve))
        }
        (Request::Number(request), TypedValue::Numeric(policy)) => {
            Truth::from_bool(ops::ordered(base, request, policy))
        }
        (Request::Date(request), TypedValue::Date(policy)) => {
            Truth::from_bool(ops::ordered(base, request, policy))
        }
        (Request::Bool(request), TypedValue::Bool(policy)) => Truth::from_bool(request == policy),
        (Request::Base64(text), TypedValue::Binary(bytes)) => binary::matches(text, bytes),
        (Request::Ip(address), TypedValue::Ip(net)) => Truth::from_bool(ip::contains(net, address)),
        _ => Truth::Unknown(UnknownReason::PolicyValueType),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arn::{ArnPattern, ArnPatternMode};
    use crate::condition::Operator;
    use crate::policy::{ConditionValue, OneOrMany, RawScalar, Spanned};
    use crate::source::Span;
    use crate::value::{decode_base64, parse_bool, parse_cidr};
    use crate::variables::{Template, TemplateOptions};

    /// A policy value written as text, typed for `op`'s family.
    fn typed(op: Operator, text: &str) -> TypedValue {
        let base = op.base;
        match base.family() {
            OperatorFamily::String => TypedValue::String(
                Template::parse(
                    text,
                    TemplateOptions {
                        variables: true,
                        wildcards: base.uses_wildcards(),
                    },
                )
                .unwrap(),
            ),
            OperatorFamily::Numeric => TypedValue::Numeric(Decimal::parse(text).unwrap()),
            OperatorFamily::Date => TypedValue::Date(Instant::parse(text).unwrap()),
            OperatorFamily::Bool => TypedValue::Bool(parse_bool(text).unwrap()),
            OperatorFamily::Binary => TypedValue::Binary(decode_base64(text).unwrap()),
            OperatorFamily::Ip => TypedValue::Ip(parse_cidr(text).unwrap()),
            OperatorFamily::Arn => {
                TypedValue::Arn(ArnPattern::parse(text, ArnPatternMode::Condition, true).unwrap())
            }
            OperatorFamily::Null => TypedValue::Null(parse_bool(text).unwrap()),
        }
    }

    fn entry(op: &str, values: &[&str]) -> ConditionEntry {
        let operator = Operator::parse(op).unwrap();
        ConditionEntry {
            operator: Spanned::new(operator, Span::default()),
            key: Spanned::new("test:Key".to_owned(), Span::default()),
            key_lower: "test:key".to_owned(),
            values: OneOrMany {
                items: values
                    .iter()
                    .map(|text| {
                        Spanned::new(
                            ConditionValue {
                                raw: RawScalar::String((*text).to_owned()),
                                typed: typed(operator, text),
                            },
                            Span::default(),
                        )
                    })
                    .collect(),
                is_list: values.len() != 1,
            },
        }
    }

    /// Request values: `absent`, `"text"` (string), `n:12` (number), `b:true` (bool),
    /// `[a,b]` (list of strings; `[]` empty), `[n:1,x]` mixed.
    fn request(spec: &str) -> Option<ContextValue> {
        fn scalar(spec: &str) -> ContextScalar {
            if let Some(n) = spec.strip_prefix("n:") {
                ContextScalar::Number(n.to_owned())
            } else if let Some(b) = spec.strip_prefix("b:") {
                ContextScalar::Bool(b == "true")
            } else {
                ContextScalar::String(spec.to_owned())
            }
        }
        if spec == "absent" {
            return None;
        }
        if let Some(inner) = spec.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            if inner.is_empty() {
                return Some(ContextValue::Multi(Vec::new()));
            }
            return Some(ContextValue::Multi(inner.split(',').map(scalar).collect()));
        }
        Some(ContextValue::Single(scalar(spec)))
    }

    /// Policy variables known in the tests.
    fn resolve(key: &str) -> Option<&'static str> {
        match key {
            "aws:username" => Some("alice"),
            "aws:principaltag/team" => Some("blue"),
            "aws:principaltag/star" => Some("*"),
            _ => None,
        }
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Want {
        T,
        F,
        U,
    }
    use Want::{F, T, U};

    fn run(op: &str, values: &[&str], req: &str) -> Truth {
        evaluate_entry(&entry(op, values), request(req).as_ref(), resolve)
    }

    fn check(rows: &[(&str, &[&str], &str, Want)]) {
        let mut failures = Vec::new();
        for &(op, values, req, want) in rows {
            let got = run(op, values, req);
            let ok = match want {
                T => got == Truth::True,
                F => got == Truth::False,
                U => matches!(got, Truth::Unknown(_)),
            };
            if !ok {
                failures.push(format!(
                    "{op} {values:?} on {req}: want {want:?}, got {got:?}"
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn eval_string_equals() {
        check(&[
            ("StringEquals", &["a"], "a", T),
            ("StringEquals", &["a"], "A", F),
            ("StringEquals", &["a"], "ab", F),
            ("StringEquals", &["a", "b"], "b", T),
            ("StringEquals", &["a*"], "abc", F),
            ("StringEquals", &["a*"], "a*", T),
            ("StringEquals", &[""], "", T),
            ("StringEquals", &["a"], "absent", F),
            ("StringEquals", &["a"], "[a]", F),
            ("StringEquals", &["a"], "[]", F),
            ("StringEquals", &[], "a", F),
            ("StringEquals", &[], "absent", F),
            ("StringEquals", &["10"], "n:10", T),
            ("StringEquals", &["true"], "b:true", T),
            ("StringEquals", &["True"], "b:true", F),
            ("StringEqualsIfExists", &["a"], "absent", T),
            ("StringEqualsIfExists", &["a"], "b", F),
            ("StringEqualsIfExists", &["a"], "[a]", F),
            ("StringEqualsIfExists", &[], "absent", T),
            ("StringNotEquals", &["a", "b"], "a", F),
            ("StringNotEquals", &["a", "b"], "b", F),
            ("StringNotEquals", &["a", "b"], "c", T),
            ("StringNotEquals", &["a"], "absent", T),
            ("StringNotEquals", &["a"], "[c]", F),
            ("StringNotEquals", &[], "a", T),
            ("StringNotEquals", &[], "absent", T),
            ("StringNotEqualsIfExists", &["a"], "absent", T),
            ("StringNotEqualsIfExists", &["a"], "a", F),
            ("StringNotEqualsIfExists", &["a"], "[b]", F),
        ]);
    }

    #[test]
    fn eval_string_ignore_case_and_like() {
        check(&[
            ("StringEqualsIgnoreCase", &["Prod"], "PROD", T),
            ("StringEqualsIgnoreCase", &["Prod"], "prod", T),
            ("StringEqualsIgnoreCase", &["Prod"], "prods", F),
            ("StringEqualsIgnoreCase", &["Pro*"], "prod", F),
            ("StringNotEqualsIgnoreCase", &["Prod"], "PROD", F),
            ("StringNotEqualsIgnoreCase", &["Prod"], "dev", T),
            ("StringNotEqualsIgnoreCase", &["Prod"], "absent", T),
            ("StringLike", &["prod-*"], "prod-db", T),
            ("StringLike", &["prod-*"], "prod-", T),
            ("StringLike", &["prod-*"], "Prod-db", F),
            ("StringLike", &["a?c"], "abc", T),
            ("StringLike", &["a?c"], "ac", F),
            ("StringLike", &["*"], "", T),
            ("StringLike", &["*"], "absent", F),
            ("StringLike", &["x", "*/db"], "a:b/db", T),
            ("StringLike", &["${*}"], "*", T),
            ("StringLike", &["${*}"], "x", F),
            ("StringNotLike", &["prod-*"], "prod-db", F),
            ("StringNotLike", &["prod-*", "dev-*"], "test-db", T),
            ("StringNotLike", &["prod-*"], "absent", T),
            ("StringNotLike", &["prod-*"], "[test]", F),
            ("StringLikeIfExists", &["prod-*"], "absent", T),
            ("StringNotLikeIfExists", &["prod-*"], "absent", T),
        ]);
    }

    #[test]
    fn eval_string_variables() {
        check(&[
            ("StringEquals", &["${aws:username}"], "alice", T),
            ("StringEquals", &["${aws:UserName}"], "alice", T),
            ("StringEquals", &["home/${aws:username}"], "home/alice", T),
            ("StringEquals", &["${aws:username}"], "bob", F),
            // Unresolvable variable: matches nothing (D-04).
            ("StringEquals", &["${aws:PrincipalTag/missing}"], "", F),
            (
                "StringEquals",
                &["${aws:PrincipalTag/missing}", "x"],
                "x",
                T,
            ),
            (
                "StringNotEquals",
                &["${aws:PrincipalTag/missing}"],
                "anything",
                T,
            ),
            (
                "StringNotEquals",
                &["${aws:PrincipalTag/missing}", "x"],
                "x",
                F,
            ),
            ("StringNotLike", &["${aws:PrincipalTag/missing}"], "", T),
            ("StringLike", &["${aws:PrincipalTag/missing}*"], "abc", F),
            // Defaults.
            (
                "StringEquals",
                &["${aws:PrincipalTag/missing, 'dflt'}"],
                "dflt",
                T,
            ),
            (
                "StringEquals",
                &["${aws:PrincipalTag/team, 'dflt'}"],
                "blue",
                T,
            ),
            // A substituted `*` is literal text.
            ("StringLike", &["${aws:PrincipalTag/star}"], "anything", F),
            ("StringLike", &["${aws:PrincipalTag/star}"], "*", T),
            ("StringEqualsIgnoreCase", &["${aws:username}"], "ALICE", T),
        ]);
    }

    #[test]
    fn eval_numeric() {
        check(&[
            ("NumericEquals", &["7"], "7", T),
            ("NumericEquals", &["7"], "7.0", T),
            ("NumericEquals", &["7"], "n:07", T),
            ("NumericEquals", &["7.0"], "n:0.7e1", T),
            ("NumericEquals", &["7"], "7.01", F),
            ("NumericEquals", &["7"], "seven", U),
            ("NumericEquals", &["7"], "b:true", U),
            ("NumericEquals", &["7"], "", U),
            // D-22: a `+` sign and a bare `.5` / `5.` are numbers; whitespace is not.
            ("NumericEquals", &["+7"], "7", T),
            ("NumericEquals", &["7"], "+7", T),
            ("NumericEquals", &[".5"], "0.5", T),
            ("NumericEquals", &["5."], "5", T),
            ("NumericLessThan", &["1"], ".5", T),
            ("NumericEquals", &["7"], " 7", U),
            ("NumericEquals", &["7"], "7 ", U),
            ("NumericEquals", &["7"], ".", U),
            ("NumericEquals", &["7"], "absent", F),
            ("NumericEquals", &["7"], "[7]", F),
            ("NumericEquals", &[], "seven", F),
            ("NumericNotEquals", &["1", "2"], "3", T),
            ("NumericNotEquals", &["1", "2"], "2.00", F),
            ("NumericNotEquals", &["1"], "x", U),
            ("NumericNotEquals", &["1"], "absent", T),
            ("NumericNotEquals", &["1"], "[3]", F),
            ("NumericNotEquals", &[], "x", T),
            ("NumericLessThan", &["10"], "9.999", T),
            ("NumericLessThan", &["10"], "10", F),
            ("NumericLessThan", &["10"], "11", F),
            ("NumericLessThan", &["10"], "n:-1e3", T),
            ("NumericLessThan", &["-5"], "-4", F),
            ("NumericLessThan", &["10", "20"], "15", T),
            ("NumericLessThanEquals", &["10"], "10.0", T),
            (
                "NumericLessThanEquals",
                &["10"],
                "10.0000000000000000000000001",
                F,
            ),
            ("NumericGreaterThan", &["10"], "10", F),
            ("NumericGreaterThan", &["10"], "10.5", T),
            ("NumericGreaterThanEquals", &["10"], "10", T),
            ("NumericGreaterThanEquals", &["10"], "9", F),
            ("NumericLessThanIfExists", &["10"], "absent", T),
            ("NumericLessThanIfExists", &["10"], "abc", U),
            ("NumericLessThanIfExists", &["10"], "5", T),
        ]);
    }

    #[test]
    fn eval_date() {
        let jan = "2026-01-01T00:00:00Z";
        check(&[
            ("DateGreaterThan", &[jan], "2026-11-25T12:00:00Z", T),
            ("DateGreaterThan", &[jan], "2025-12-31T23:59:59Z", F),
            ("DateGreaterThan", &[jan], jan, F),
            ("DateGreaterThan", &[jan], "2026-01-01T01:00:00+02:00", F),
            ("DateGreaterThan", &[jan], "2026-01-01T00:00:00-00:01", T),
            // Epoch values compare as instants (D-07).
            ("DateGreaterThan", &[jan], "n:1767225601", T),
            ("DateGreaterThan", &[jan], "1767225600", F),
            ("DateGreaterThan", &[jan], "n:1767225600.5", T),
            (
                "DateGreaterThan",
                &["1767225600"],
                "2026-01-01T00:00:01Z",
                T,
            ),
            ("DateGreaterThan", &[jan], "yesterday", U),
            ("DateGreaterThan", &[jan], "2026-02-30", U),
            ("DateGreaterThan", &[jan], "b:true", U),
            ("DateGreaterThan", &[jan], "absent", F),
            ("DateGreaterThanEquals", &[jan], "2026-01", T),
            // D-07: four digits are a W3C year and epoch seconds alike: unknown.
            ("DateGreaterThanEquals", &[jan], "2026", U),
            ("DateLessThan", &[jan], "2025", U),
            ("DateLessThan", &[jan], "n:2025", T),
            ("DateGreaterThanEquals", &[jan], "2026-01-01", T),
            ("DateLessThan", &[jan], "2025-12", T),
            (
                "DateLessThan",
                &["2026-01"],
                "2025-12-31T23:59:59.999999999Z",
                T,
            ),
            ("DateLessThanEquals", &["2026-01"], jan, T),
            (
                "DateEquals",
                &["2026-11-25T11:00:00Z"],
                "2026-11-25T13:00:00+02:00",
                T,
            ),
            (
                "DateEquals",
                &["2026-11-25T11:00Z"],
                "2026-11-25T11:00:00.000Z",
                T,
            ),
            (
                "DateEquals",
                &["2026-11-25T11:00Z"],
                "2026-11-25T11:00:00.001Z",
                F,
            ),
            ("DateNotEquals", &[jan], "absent", T),
            ("DateNotEquals", &[jan], jan, F),
            ("DateNotEquals", &[jan], "n:0", T),
            ("DateNotEquals", &[jan], "soon", U),
            ("DateLessThanIfExists", &[jan], "absent", T),
            ("DateLessThanIfExists", &[jan], "[2025]", F),
        ]);
    }

    #[test]
    fn eval_bool() {
        check(&[
            ("Bool", &["true"], "b:true", T),
            ("Bool", &["true"], "b:false", F),
            ("Bool", &["true"], "true", T),
            ("Bool", &["true"], "TRUE", T),
            ("Bool", &["True"], "true", T),
            ("Bool", &["true"], "false", F),
            ("Bool", &["false"], "False", T),
            // Text other than `true` (any case) reads as false (D-16).
            ("Bool", &["true"], "yes", F),
            ("Bool", &["false"], "yes", T),
            ("Bool", &["true"], "", F),
            ("Bool", &["false"], "", T),
            ("Bool", &["true"], "n:1", F),
            ("Bool", &["false"], "n:1", T),
            ("Bool", &["false"], "tRuE", F),
            ("Bool", &["true"], "absent", F),
            // The MFA trap: absent is not false.
            ("Bool", &["false"], "absent", F),
            ("BoolIfExists", &["false"], "absent", T),
            ("BoolIfExists", &["false"], "b:true", F),
            ("Bool", &["true"], "[b:true]", F),
            ("Bool", &["true", "false"], "b:false", T),
        ]);
    }

    #[test]
    fn eval_binary() {
        check(&[
            ("BinaryEquals", &["QUJD"], "QUJD", T),
            ("BinaryEquals", &["QUJD"], "QUJE", F),
            ("BinaryEquals", &["QUJD"], "QUI=", F),
            ("BinaryEquals", &["QUI=", "QUJD"], "QUJD", T),
            ("BinaryEquals", &["QUJD"], "ABC", U),
            ("BinaryEquals", &["QUJD"], "not base64!", U),
            ("BinaryEquals", &["QUJD"], "n:1234", U),
            ("BinaryEquals", &["QUJD"], "absent", F),
            ("BinaryEqualsIfExists", &["QUJD"], "absent", T),
            ("BinaryEquals", &[""], "", T),
        ]);
    }

    #[test]
    fn eval_ip() {
        let nets: &[&str] = &["10.0.0.0/8", "2001:db8::/32"];
        check(&[
            ("IpAddress", nets, "10.1.2.3", T),
            ("IpAddress", nets, "11.0.0.1", F),
            ("IpAddress", nets, "2001:DB8::5", T),
            ("IpAddress", nets, "2001:db9::5", F),
            ("IpAddress", nets, "::ffff:10.0.0.1", F),
            ("IpAddress", nets, "10.0.0.0/8", U),
            ("IpAddress", nets, "not-an-ip", U),
            ("IpAddress", nets, "n:167772161", U),
            ("IpAddress", nets, "absent", F),
            ("IpAddress", nets, "[10.0.0.1]", F),
            ("IpAddress", &["203.0.113.7"], "203.0.113.7", T),
            ("IpAddress", &["203.0.113.7"], "203.0.113.8", F),
            ("IpAddress", &["2001:db8::1"], "2001:db8::1", T),
            ("IpAddress", &["2001:db8::1"], "2001:db8::2", F),
            ("IpAddress", &["10.9.9.9/8"], "10.200.0.1", T),
            ("IpAddress", &["0.0.0.0/0"], "2001:db8::1", F),
            ("IpAddress", &["::/0"], "1.2.3.4", F),
            ("IpAddress", &["::/0"], "::1", T),
            ("NotIpAddress", &["0.0.0.0/0"], "2001:db8::1", T),
            ("NotIpAddress", &["0.0.0.0/0"], "1.2.3.4", F),
            ("NotIpAddress", nets, "absent", T),
            ("NotIpAddress", nets, "garbage", U),
            ("NotIpAddressIfExists", nets, "absent", T),
            ("IpAddressIfExists", nets, "absent", T),
        ]);
    }

    #[test]
    fn eval_arn_exact() {
        let role = "arn:aws:iam::111122223333:role/r";
        check(&[
            ("ArnEquals", &[role], role, T),
            ("ArnEquals", &[role], "arn:aws:iam::111122223333:role/R", F),
            ("ArnLike", &[role], role, T),
            ("ArnLike", &[role], "absent", F),
            ("ArnLike", &[role], "[arn:aws:iam::111122223333:role/r]", F),
            ("ArnNotEquals", &[role], role, F),
            ("ArnNotEquals", &[role], "absent", T),
            ("ArnNotLike", &[role], "arn:aws:iam::111122223333:role/x", T),
            ("ArnNotLikeIfExists", &[role], "absent", T),
            ("ArnLikeIfExists", &[role], "absent", T),
        ]);
    }

    #[test]
    fn eval_arn_patterns() {
        check(&[
            (
                "ArnLike",
                &["arn:aws:iam::*:role/*"],
                "arn:aws:iam::111122223333:role/r",
                T,
            ),
            (
                "ArnEquals",
                &["arn:aws:iam::*:role/*"],
                "arn:aws:iam::111122223333:role/r",
                T,
            ),
            (
                "ArnLike",
                &["arn:aws:someservice:*:111122223333:finance/*"],
                "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
                F,
            ),
            (
                "StringLike",
                &["arn:aws:someservice:*:111122223333:finance/*"],
                "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt",
                T,
            ),
            (
                "ArnLike",
                &["arn:aws:s3:::bucket/*"],
                "arn:aws:s3:::bucket/a:b",
                T,
            ),
            // A request value that is not an ARN does not compare (D-05).
            ("ArnLike", &["arn:aws:iam::*:role/*"], "not-an-arn", U),
            ("ArnNotLike", &["arn:aws:iam::*:role/*"], "not-an-arn", U),
            (
                "ArnLike",
                &["arn:aws:iam::*:user/${aws:username}"],
                "arn:aws:iam::1:user/alice",
                T,
            ),
            (
                "ArnLike",
                &["arn:aws:iam::*:user/${aws:PrincipalTag/missing}"],
                "arn:aws:iam::1:user/",
                F,
            ),
            (
                "ArnNotLike",
                &["arn:aws:iam::*:user/${aws:PrincipalTag/missing}"],
                "arn:aws:iam::1:user/alice",
                T,
            ),
        ]);
    }

    #[test]
    fn eval_null() {
        check(&[
            ("Null", &["true"], "absent", T),
            ("Null", &["true"], "", T),
            ("Null", &["true"], "[]", T),
            ("Null", &["true"], "x", F),
            ("Null", &["true"], "n:0", F),
            ("Null", &["true"], "b:false", F),
            ("Null", &["true"], "[a,b]", F),
            ("Null", &["true"], "[]", T),
            ("Null", &["false"], "absent", F),
            ("Null", &["false"], "", F),
            ("Null", &["false"], "x", T),
            ("Null", &["false"], "[a]", T),
            ("Null", &["false"], "[]", F),
            ("Null", &["true", "false"], "absent", T),
            ("Null", &["true", "false"], "x", T),
            ("Null", &[], "absent", F),
            // A set qualifier runs over the request's values, none of them null.
            ("ForAllValues:Null", &["false"], "[a]", T),
            ("ForAllValues:Null", &["true"], "[a]", F),
            ("ForAllValues:Null", &["true"], "x", F),
            ("ForAllValues:Null", &["false"], "absent", T),
            ("ForAllValues:Null", &["false"], "", T),
            ("ForAllValues:Null", &["false"], "[]", T),
            ("ForAllValues:Null", &["true"], "absent", T),
            ("ForAllValues:Null", &["true"], "[,]", T),
            ("ForAnyValue:Null", &["true"], "absent", F),
            ("ForAnyValue:Null", &["true"], "", F),
            ("ForAnyValue:Null", &["true"], "x", F),
            ("ForAnyValue:Null", &["false"], "x", T),
            ("ForAnyValue:Null", &["false"], "[,a]", T),
            ("ForAnyValue:Null", &["false"], "[,]", F),
            ("ForAnyValue:Null", &["false"], "", F),
            ("ForAnyValue:Null", &["true", "false"], "absent", F),
        ]);
    }

    #[test]
    fn eval_for_all_values() {
        let ab: &[&str] = &["a", "b"];
        check(&[
            ("ForAllValues:StringEquals", ab, "absent", T),
            ("ForAllValues:StringEquals", ab, "[]", T),
            ("ForAllValues:StringEquals", ab, "", T),
            ("ForAllValues:StringEquals", ab, "[a,b]", T),
            ("ForAllValues:StringEquals", ab, "[a,a]", T),
            ("ForAllValues:StringEquals", ab, "[a,c]", F),
            ("ForAllValues:StringEquals", ab, "[]", T),
            ("ForAllValues:StringEquals", ab, "a", T),
            ("ForAllValues:StringEquals", ab, "c", F),
            ("ForAllValues:StringEquals", ab, "[a,]", F),
            ("ForAllValues:StringEqualsIfExists", ab, "absent", T),
            ("ForAllValues:StringNotEquals", ab, "[c,d]", T),
            ("ForAllValues:StringNotEquals", ab, "[c,a]", F),
            ("ForAllValues:StringNotEquals", ab, "absent", T),
            ("ForAllValues:StringNotEquals", ab, "[]", T),
            // Empty policy list (D-08).
            ("ForAllValues:StringEquals", &[], "absent", T),
            ("ForAllValues:StringEquals", &[], "[]", T),
            ("ForAllValues:StringEquals", &[], "[a]", F),
            ("ForAllValues:StringNotEquals", &[], "[a]", F),
            // Kleene logic over elements.
            ("ForAllValues:NumericLessThan", &["10"], "[n:1,n:2]", T),
            ("ForAllValues:NumericLessThan", &["10"], "[n:1,x]", U),
            ("ForAllValues:NumericLessThan", &["10"], "[x,n:11]", F),
            ("ForAllValues:NumericLessThan", &["10"], "[n:11,x]", F),
            ("ForAllValues:NumericLessThan", &["10"], "[1,2]", T),
            ("ForAllValues:NumericNotEquals", &["1"], "[2,x]", U),
            ("ForAllValues:NumericNotEquals", &["1"], "[1,x]", F),
            (
                "ForAllValues:IpAddress",
                &["10.0.0.0/8"],
                "[10.0.0.1,10.2.3.4]",
                T,
            ),
            (
                "ForAllValues:IpAddress",
                &["10.0.0.0/8"],
                "[10.0.0.1,::1]",
                F,
            ),
            ("ForAllValues:Bool", &["true"], "[b:true,true]", T),
        ]);
    }

    #[test]
    fn eval_for_any_value() {
        let ab: &[&str] = &["a", "b"];
        check(&[
            ("ForAnyValue:StringEquals", ab, "absent", F),
            ("ForAnyValue:StringEquals", ab, "[]", F),
            ("ForAnyValue:StringEquals", ab, "", F),
            ("ForAnyValue:StringEquals", ab, "[c,a]", T),
            ("ForAnyValue:StringEquals", ab, "[c]", F),
            ("ForAnyValue:StringEquals", ab, "b", T),
            ("ForAnyValue:StringEquals", &[""], "[]", F),
            // The qualifier decides on an absent key; `IfExists` does not make it true (D-15).
            ("ForAnyValue:StringEqualsIfExists", ab, "absent", F),
            ("ForAnyValue:StringNotEqualsIfExists", ab, "absent", F),
            ("ForAnyValue:StringEqualsIfExists", ab, "[]", F),
            ("ForAnyValue:StringEqualsIfExists", ab, "[c]", F),
            ("ForAnyValue:StringNotEquals", ab, "[a,c]", T),
            ("ForAnyValue:StringNotEquals", ab, "[a,b]", F),
            ("ForAnyValue:StringNotEquals", ab, "absent", F),
            ("ForAnyValue:StringNotEquals", ab, "[]", F),
            ("ForAnyValue:StringEquals", &[], "[a]", F),
            ("ForAnyValue:StringNotEquals", &[], "[a]", F),
            ("ForAnyValue:StringEquals", &[], "absent", F),
            ("ForAnyValue:NumericLessThan", &["10"], "[n:1,x]", T),
            ("ForAnyValue:NumericLessThan", &["10"], "[x,n:1]", T),
            ("ForAnyValue:NumericLessThan", &["10"], "[n:11,x]", U),
            ("ForAnyValue:NumericLessThan", &["10"], "[n:11]", F),
            (
                "ForAnyValue:DateLessThan",
                &["2026-01"],
                "[2027-01,2025-01]",
                T,
            ),
            (
                "ForAnyValue:IpAddress",
                &["10.0.0.0/8"],
                "[::1,10.0.0.1]",
                T,
            ),
        ]);
    }

    /// D-23: AWS always has `aws:CurrentTime` and `aws:EpochTime`; a request without them
    /// makes every test of them unknown, `Null` and `…IfExists` included.
    #[test]
    fn eval_time_keys_not_given() {
        let time = |op: &str, key: &str, value: &str, req: &str| {
            let mut e = entry(op, &[value]);
            e.key_lower = key.to_owned();
            evaluate_entry(&e, request(req).as_ref(), resolve)
        };
        let unknown = Truth::Unknown(UnknownReason::TimeNotGiven);
        for (op, value) in [
            ("DateGreaterThan", "2026-01-01"),
            ("DateNotEquals", "2026-01-01"),
            ("DateLessThanIfExists", "2026-01-01"),
            ("ForAllValues:DateLessThan", "2026-01-01"),
            ("NumericLessThan", "1767225600"),
            ("StringLike", "*"),
            ("Null", "true"),
            ("Null", "false"),
        ] {
            for key in ["aws:currenttime", "aws:epochtime"] {
                assert_eq!(time(op, key, value, "absent"), unknown, "{op} {key}");
            }
            assert_ne!(
                time(op, "aws:tokenissuetime", value, "absent"),
                unknown,
                "{op}"
            );
        }
        assert_eq!(
            time(
                "DateGreaterThan",
                "aws:currenttime",
                "2026-01-01",
                "2026-06-01"
            ),
            Truth::True
        );
        assert_eq!(UnknownReason::TimeNotGiven.code(), "request-time-not-given");
    }

    #[test]
    fn eval_unknown_reasons() {
        let reason = |op: &str, value: &str, req: &str| match run(op, &[value], req) {
            Truth::Unknown(reason) => Some(reason),
            _ => None,
        };
        assert_eq!(
            reason("NumericEquals", "1", "x"),
            Some(UnknownReason::NotANumber)
        );
        assert_eq!(
            reason("DateEquals", "2026-01", "x"),
            Some(UnknownReason::NotADate)
        );
        assert_eq!(reason("Bool", "true", "x"), None);
        assert_eq!(
            reason("ArnLike", "arn:aws:s3:::*", "x"),
            Some(UnknownReason::NotAnArn)
        );
        assert_eq!(
            reason("ArnNotLike", "arn:aws:s3:::*", "a:b:c:d:e"),
            Some(UnknownReason::NotAnArn)
        );
        assert_eq!(reason("ArnNotLike", "arn:aws:s3:::*", "a:b:c:d:e:f"), None);
        assert_eq!(
            reason("IpAddress", "10.0.0.0/8", "x"),
            Some(UnknownReason::NotAnIpAddress)
        );
        assert_eq!(
            reason("BinaryEquals", "QUJD", "x"),
            Some(UnknownReason::NotBase64)
        );
        assert_eq!(
            UnknownReason::NotANumber.code(),
            "request-value-not-a-number"
        );
        assert_eq!(
            Truth::Unknown(UnknownReason::NotADate).to_string(),
            "unknown (the request value is not a date)"
        );
        // A policy value of the wrong type (only a hand-built model can hold one).
        let mut wrong = entry("NumericEquals", &["1"]);
        wrong.values.items[0].value.typed = TypedValue::Bool(true);
        let one = request("1");
        assert_eq!(
            evaluate_entry(&wrong, one.as_ref(), resolve),
            Truth::Unknown(UnknownReason::PolicyValueType)
        );
        let mut wrong_null = entry("Null", &["true"]);
        wrong_null.values.items[0].value.typed = TypedValue::Bool(true);
        assert_eq!(
            evaluate_entry(&wrong_null, None, resolve),
            Truth::Unknown(UnknownReason::PolicyValueType)
        );
    }

    #[test]
    fn eval_truth_logic() {
        let u = Truth::Unknown(UnknownReason::NotABool);
        let all = [Truth::True, Truth::False, u];
        for a in all {
            for b in all {
                assert_eq!(a.and(b), b.and(a));
                assert_eq!(a.or(b), b.or(a));
                // De Morgan holds in Kleene logic.
                assert_eq!(!(a.and(b)), (!a).or(!b));
            }
        }
        assert_eq!(Truth::True.and(u), u);
        assert_eq!(Truth::False.or(u), u);
        assert_eq!(Truth::False.and(u), Truth::False);
        assert_eq!(Truth::True.or(u), Truth::True);
        assert_eq!(!u, u);
    }
}
