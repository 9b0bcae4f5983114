//! Properties of the condition-operator semantics (`unstable::evaluate_entry`) and of the typed values
//! they compare (`value`), through the public API. `PROPTEST_CASES` sets the case count.
#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a fixture that does not parse is a bug in the test"
)]

use std::cmp::Ordering;

use iam_policy::policy::{ConditionEntry, TypedValue};
use iam_policy::unstable::evaluate_entry;
use iam_policy::unstable::value::{
    Decimal, Instant, decode_base64, parse_bool, parse_cidr, parse_ip,
};
use iam_policy::unstable::variables::{Template, TemplateOptions};
use iam_policy::{
    ArnPattern, ArnPatternMode, BaseOperator, ContextScalar, ContextValue, Operator,
    OperatorFamily, SetQualifier,
};
use iam_policy::{Effect, PolicyBuilder, PolicyType, StatementBuilder};
use iam_policy::{Truth, UnknownReason};
use proptest::prelude::*;

/// Resolves no policy variable.
fn no_vars(_: &str) -> Option<&'static str> {
    None
}

/// A policy value written as text, typed for `base`'s family; `None` when it does not parse.
fn typed(base: BaseOperator, text: &str) -> Option<TypedValue> {
    Some(match base.family() {
        OperatorFamily::String => TypedValue::String(
            Template::parse(
                text,
                TemplateOptions {
                    variables: false,
                    wildcards: base.uses_wildcards(),
                },
            )
            .ok()?,
        ),
        OperatorFamily::Numeric => TypedValue::Numeric(Decimal::parse(text)?),
        OperatorFamily::Date => TypedValue::Date(Instant::parse(text)?),
        OperatorFamily::Bool => TypedValue::Bool(parse_bool(text)?),
        OperatorFamily::Binary => TypedValue::Binary(decode_base64(text)?),
        OperatorFamily::Ip => TypedValue::Ip(parse_cidr(text)?),
        OperatorFamily::Arn => {
            TypedValue::Arn(ArnPattern::parse(text, ArnPatternMode::Condition, false).ok()?)
        }
        OperatorFamily::Null => TypedValue::Null(parse_bool(text)?),
    })
}

/// An entry for `operator` whose values are the texts that parse for it, built through the
/// parser (a one-statement policy without `Version`, so `${` is literal text).
fn entry(operator: Operator, values: &[String]) -> ConditionEntry {
    let texts = values
        .iter()
        .filter(|text| typed(operator.base, text).is_some())
        .map(String::as_str);
    let builder = PolicyBuilder::new(PolicyType::Identity)
        .version(None)
        .statement(
            StatementBuilder::new(Effect::Allow)
                .action(["s3:GetObject"])
                .resource(["*"])
                .condition(operator.to_string(), "test:Key", texts),
        );
    let policy = builder
        .build()
        .unwrap_or_else(|e| panic!("{e}\n{}", builder.to_json()));
    policy.statements()[0].conditions()[0].clone()
}

fn op(qualifier: Option<SetQualifier>, base: BaseOperator, if_exists: bool) -> Operator {
    Operator {
        qualifier,
        base,
        if_exists,
    }
}

fn string(text: &str) -> ContextScalar {
    ContextScalar::String(text.to_owned())
}

/// Texts of every family, valid and not, to serve as policy and request values.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ab*?]{0,4}",
        "-?[0-9]{1,3}(\\.[0-9]{1,2})?",
        "(19[0-9]{2}|20[0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])",
        "1[0-9]{9}",
        "(true|false|TRUE|yes)",
        "10\\.[1-9]?[0-9]\\.0\\.[0-9]{1,2}(/(8|16|24))?",
        "2001:db8::[0-9a-f]{1,4}(/(32|64|128))?",
        "(QUJD|QUI=|QQ==|AAAA|not base64)",
        "arn:aws:iam::(111122223333|\\*):(role|user)/[ab*]{1,3}",
        Just(String::new()),
    ]
}

/// Every base operator but `Null`.
fn any_comparing_base() -> impl Strategy<Value = BaseOperator> {
    let bases: Vec<BaseOperator> = BaseOperator::ALL
        .iter()
        .copied()
        .filter(|b| *b != BaseOperator::Null)
        .collect();
    proptest::sample::select(bases)
}

/// Texts that parse as policy values for `family`.
fn valid_text(family: OperatorFamily) -> BoxedStrategy<String> {
    let pattern = match family {
        OperatorFamily::String => "[ab*?]{0,4}",
        OperatorFamily::Numeric => "-?[0-9]{1,3}(\\.[0-9]{1,2})?",
        OperatorFamily::Date => {
            "(19[0-9]{2}|20[0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|1[0-9]{9}"
        }
        OperatorFamily::Bool | OperatorFamily::Null => "true|false",
        OperatorFamily::Binary => "QUJD|QUI=|QQ==|AAAA",
        OperatorFamily::Ip => "10\\.[1-9]?[0-9]\\.0\\.0/(8|16)|2001:db8::/32",
        OperatorFamily::Arn => "arn:aws:iam::(111122223333|\\*):(role|user)/[ab*]{1,3}",
    };
    proptest::string::string_regex(pattern).unwrap().boxed()
}

/// Request texts that parse for `family` (addresses rather than blocks for IP).
fn valid_request_text(family: OperatorFamily) -> BoxedStrategy<String> {
    match family {
        OperatorFamily::Ip => proptest::string::string_regex(
            "10\\.[1-9]?[0-9]\\.0\\.[0-9]|2001:db[89]::[0-9a-f]{1,4}",
        )
        .unwrap()
        .boxed(),
        OperatorFamily::Arn => {
            proptest::string::string_regex("arn:aws:iam::111122223333:(role|user)/[ab]{1,3}")
                .unwrap()
                .boxed()
        }
        OperatorFamily::String => proptest::string::string_regex("[ab]{0,4}").unwrap().boxed(),
        other => valid_text(other),
    }
}

/// A base operator other than `Null` with one to three policy values that parse for it.
fn base_with_values() -> impl Strategy<Value = (BaseOperator, Vec<String>)> {
    any_comparing_base().prop_flat_map(|base| {
        (
            Just(base),
            proptest::collection::vec(valid_text(base.family()), 1..4),
        )
    })
}

fn any_qualifier() -> impl Strategy<Value = Option<SetQualifier>> {
    prop_oneof![
        Just(None),
        Just(Some(SetQualifier::ForAllValues)),
        Just(Some(SetQualifier::ForAnyValue)),
    ]
}

fn any_scalar() -> impl Strategy<Value = ContextScalar> {
    prop_oneof![
        4 => any_text().prop_map(ContextScalar::String),
        1 => "-?[0-9]{1,10}".prop_map(ContextScalar::Number),
        1 => any::<bool>().prop_map(ContextScalar::Bool),
    ]
}

fn any_context_value() -> impl Strategy<Value = ContextValue> {
    prop_oneof![
        any_scalar().prop_map(ContextValue::Single),
        proptest::collection::vec(any_scalar(), 0..4).prop_map(ContextValue::Multi),
    ]
}

/// The negated twin of each positive operator that has one.
const NEGATION_PAIRS: &[(BaseOperator, BaseOperator)] = &[
    (BaseOperator::StringEquals, BaseOperator::StringNotEquals),
    (
        BaseOperator::StringEqualsIgnoreCase,
        BaseOperator::StringNotEqualsIgnoreCase,
    ),
    (BaseOperator::StringLike, BaseOperator::StringNotLike),
    (BaseOperator::NumericEquals, BaseOperator::NumericNotEquals),
    (BaseOperator::DateEquals, BaseOperator::DateNotEquals),
    (BaseOperator::IpAddress, BaseOperator::NotIpAddress),
    (BaseOperator::ArnEquals, BaseOperator::ArnNotEquals),
    (BaseOperator::ArnLike, BaseOperator::ArnNotLike),
];

proptest! {
    /// Decision 10: an `…IfExists` operator on an absent key is true, whatever the values,
    /// except under `ForAnyValue:`, which needs a request value (D-15).
    #[test]
    fn conditions_if_exists_absent_is_true(
        base in any_comparing_base(),
        qualifier in any_qualifier(),
        values in proptest::collection::vec(any_text(), 0..4),
    ) {
        let e = entry(op(qualifier, base, true), &values);
        prop_assert_eq!(
            evaluate_entry(&e, None, no_vars),
            Truth::from_bool(qualifier != Some(SetQualifier::ForAnyValue))
        );
    }

    /// Decision 10: on an absent key `ForAllValues:` is true, `ForAnyValue:` false, a plain
    /// positive operator false and a plain negated operator true.
    #[test]
    fn conditions_absent_key(
        base in any_comparing_base(),
        values in proptest::collection::vec(any_text(), 0..4),
    ) {
        let all = entry(op(Some(SetQualifier::ForAllValues), base, false), &values);
        prop_assert_eq!(evaluate_entry(&all, None, no_vars), Truth::True);
        let any = entry(op(Some(SetQualifier::ForAnyValue), base, false), &values);
        prop_assert_eq!(evaluate_entry(&any, None, no_vars), Truth::False);
        let plain = entry(op(None, base, false), &values);
        prop_assert_eq!(
            evaluate_entry(&plain, None, no_vars),
            Truth::from_bool(base.is_negated())
        );
    }

    /// §8.4 and decision 18: `Null: true` holds iff the key is absent, the empty string or an
    /// empty list; `Null: false` is its complement. Under a set qualifier the qualifier runs
    /// over the request's values (empty strings are none), each of which satisfies `false` and
    /// fails `true`: `ForAllValues:` holds without values, `ForAnyValue:` needs one.
    #[test]
    fn conditions_null_semantics(
        value in proptest::option::of(any_context_value()),
        qualifier in any_qualifier(),
    ) {
        let is_null = match &value {
            None => true,
            Some(ContextValue::Single(ContextScalar::String(s))) => s.is_empty(),
            Some(ContextValue::Multi(v)) => v.is_empty(),
            Some(ContextValue::Single(_)) => false,
        };
        let is_value = |s: &ContextScalar| !matches!(s, ContextScalar::String(t) if t.is_empty());
        let has_values = match &value {
            None => false,
            Some(ContextValue::Single(s)) => is_value(s),
            Some(ContextValue::Multi(v)) => v.iter().any(is_value),
        };
        let (want_true, want_false) = match qualifier {
            None => (is_null, !is_null),
            Some(SetQualifier::ForAllValues) => (!has_values, true),
            Some(SetQualifier::ForAnyValue) => (false, has_values),
        };
        let null_true = entry(op(qualifier, BaseOperator::Null, false), &["true".to_owned()]);
        let null_false = entry(op(qualifier, BaseOperator::Null, false), &["false".to_owned()]);
        let both = entry(
            op(qualifier, BaseOperator::Null, false),
            &["true".to_owned(), "false".to_owned()],
        );
        prop_assert_eq!(evaluate_entry(&null_true, value.as_ref(), no_vars), Truth::from_bool(want_true));
        prop_assert_eq!(evaluate_entry(&null_false, value.as_ref(), no_vars), Truth::from_bool(want_false));
        prop_assert_eq!(
            evaluate_entry(&both, value.as_ref(), no_vars),
            Truth::from_bool(want_true || want_false)
        );
    }

    /// §8.3: on a present single value a negated operator is the (Kleene) negation of its
    /// positive twin, with or without `IfExists`: for values that parse for the operator
    /// (mostly) and for values that do not (Unknown on both sides).
    #[test]
    fn conditions_negated_is_not_positive(
        (positive, negated, values, scalar) in proptest::sample::select(NEGATION_PAIRS.to_vec())
            .prop_flat_map(|(positive, negated)| {
                let family = positive.family();
                (
                    Just(positive),
                    Just(negated),
                    proptest::collection::vec(valid_text(family), 0..4),
                    prop_oneof![
                        3 => valid_request_text(family).prop_map(ContextScalar::String),
                        1 => any_scalar(),
                    ],
                )
            }),
        if_exists in any::<bool>(),
    ) {
        let value = ContextValue::Single(scalar);
        let p = evaluate_entry(&entry(op(None, positive, if_exists), &values), Some(&value), no_vars);
        let n = evaluate_entry(&entry(op(None, negated, if_exists), &values), Some(&value), no_vars);
        prop_assert_eq!(n, !p);
    }

    /// Decision 8: a plain operator other than `Null` on a list-valued key is false.
    #[test]
    fn conditions_plain_operator_on_list_is_false(
        base in any_comparing_base(),
        if_exists in any::<bool>(),
        values in proptest::collection::vec(any_text(), 0..4),
        list in proptest::collection::vec(any_scalar(), 0..4),
    ) {
        let e = entry(op(None, base, if_exists), &values);
        prop_assert_eq!(
            evaluate_entry(&e, Some(&ContextValue::Multi(list)), no_vars),
            Truth::False
        );
    }

    /// §8.6–8.7: a set qualifier combines the plain operator's per-element results with
    /// Kleene logic (for non-empty policy value lists and non-empty request lists).
    #[test]
    fn conditions_set_qualifiers_fold_elements(
        (base, values) in base_with_values(),
        list in proptest::collection::vec(any_scalar(), 1..5),
    ) {
        let plain = entry(op(None, base, false), &values);
        prop_assert_eq!(plain.values().items().len(), values.len());
        let each: Vec<Truth> = list
            .iter()
            .map(|s| evaluate_entry(&plain, Some(&ContextValue::Single(s.clone())), no_vars))
            .collect();
        let all = each.iter().fold(Truth::True, |acc, t| acc.and(*t));
        let any = each.iter().fold(Truth::False, |acc, t| acc.or(*t));
        let value = ContextValue::Multi(list);
        let for_all = entry(op(Some(SetQualifier::ForAllValues), base, false), &values);
        let for_any = entry(op(Some(SetQualifier::ForAnyValue), base, false), &values);
        // The fold keeps the first Unknown reason; compare the truth kinds.
        prop_assert_eq!(kind(evaluate_entry(&for_all, Some(&value), no_vars)), kind(all));
        prop_assert_eq!(kind(evaluate_entry(&for_any, Some(&value), no_vars)), kind(any));
    }

    /// Unparseable request values never make an entry true for the ordered families; they
    /// make it Unknown.
    #[test]
    fn conditions_unparseable_number_is_unknown(
        base in proptest::sample::select(vec![
            BaseOperator::NumericEquals, BaseOperator::NumericNotEquals,
            BaseOperator::NumericLessThan, BaseOperator::NumericGreaterThanEquals,
        ]),
        text in "[a-z]{1,5}",
        if_exists in any::<bool>(),
    ) {
        let e = entry(op(None, base, if_exists), &["10".to_owned()]);
        let value = ContextValue::Single(string(&text));
        prop_assert_eq!(
            evaluate_entry(&e, Some(&value), no_vars),
            Truth::Unknown(UnknownReason::NotANumber)
        );
    }

    /// Decimal order agrees with f64 order for numbers with few significant digits, whatever
    /// the spelling.
    #[test]
    fn decimal_order_agrees_with_f64(a in small_decimal(), b in small_decimal()) {
        let (da, db) = (Decimal::parse(&a).unwrap(), Decimal::parse(&b).unwrap());
        let (fa, fb) = (a.parse::<f64>().unwrap(), b.parse::<f64>().unwrap());
        prop_assert_eq!(Some(da.cmp(&db)), fa.partial_cmp(&fb), "{} vs {}", a, b);
        prop_assert_eq!(da == db, fa == fb);
    }

    /// Different spellings of one number are equal decimals, and Display round-trips.
    #[test]
    fn decimal_spellings_are_equal(int in -99_999i64..99_999, frac in "[0-9]{0,4}", zeros in 0usize..4, shift in -3i32..4) {
        let plain = if frac.is_empty() { int.to_string() } else { format!("{int}.{frac}") };
        let padded = format!("{plain}{}", if frac.is_empty() { String::new() } else { "0".repeat(zeros) });
        let d = Decimal::parse(&plain).unwrap();
        prop_assert_eq!(Decimal::parse(&padded), Some(d));
        // `x e k` with the point moved back by k.
        let scaled = format!("{plain}e{shift}");
        let back = Decimal::parse(&scaled).unwrap();
        match shift.cmp(&0) {
            Ordering::Equal => prop_assert_eq!(back, d),
            Ordering::Greater => prop_assert!((back > d) == (d > Decimal::ZERO) || d == Decimal::ZERO),
            Ordering::Less => prop_assert!((back < d) == (d > Decimal::ZERO) || d == Decimal::ZERO),
        }
        prop_assert_eq!(Decimal::parse(&d.to_string()), Some(d));
        prop_assert_eq!(Decimal::parse(&back.to_string()), Some(back));
    }

    /// Instant parsing of RFC 3339 agrees with jiff's own timestamp parser, including
    /// impossible dates, and Display round-trips.
    #[test]
    fn instant_agrees_with_jiff(
        year in 1i32..=9998,
        month in 1u8..=12,
        day in 1u8..=31,
        hour in 0u8..=23,
        minute in 0u8..=59,
        second in 0u8..=59,
        frac in "(\\.[0-9]{1,9})?",
        offset in prop_oneof![
            Just("Z".to_owned()),
            (any::<bool>(), 0u8..=23, 0u8..=59)
                .prop_map(|(neg, h, m)| format!("{}{h:02}:{m:02}", if neg { '-' } else { '+' })),
        ],
    ) {
        let text = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}{frac}{offset}");
        let ours = Instant::parse(&text);
        let theirs = text.parse::<jiff::Timestamp>().ok().map(Instant::from_timestamp);
        prop_assert_eq!(ours, theirs, "{}", text);
        if let Some(t) = ours {
            prop_assert_eq!(Instant::parse(&t.to_string()), Some(t));
            // Without seconds: the minute's first instant.
            let short = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}{offset}");
            let short = Instant::parse(&short).unwrap();
            prop_assert!(short <= t);
            prop_assert!(t.seconds() - short.seconds() < 60);
        }
    }

    /// Epoch seconds and ISO text name the same instants (decision 9).
    #[test]
    fn instant_epoch_matches_iso(secs in -62_135_596_800i64..253_402_300_799, nanos in 0u32..1_000_000_000) {
        let ts = jiff::Timestamp::new(secs, i32::try_from(nanos).unwrap()).unwrap();
        let iso = Instant::parse(&ts.to_string()).unwrap();
        prop_assert_eq!((iso.seconds(), iso.subsec_nanos()), (secs, nanos));
        let epoch = Instant::parse_epoch(&secs.to_string()).unwrap();
        prop_assert_eq!(epoch.seconds(), secs);
        if !(1000..=9999).contains(&secs) {
            prop_assert_eq!(Instant::parse(&secs.to_string()), Some(epoch));
        }
    }

    /// A CIDR block contains the address it was written with; IPv4 and IPv6 never mix.
    #[test]
    fn cidr_contains_its_address(v4 in any::<[u8; 4]>(), v6 in any::<[u16; 8]>(), p4 in 0u8..=32, p6 in 0u8..=128) {
        let a4 = std::net::Ipv4Addr::from(v4).to_string();
        let a6 = std::net::Ipv6Addr::from(v6).to_string();
        let n4 = parse_cidr(&format!("{a4}/{p4}")).unwrap();
        let n6 = parse_cidr(&format!("{a6}/{p6}")).unwrap();
        let (ip4, ip6) = (parse_ip(&a4).unwrap(), parse_ip(&a6).unwrap());
        prop_assert!(n4.contains(&ip4));
        prop_assert!(n6.contains(&ip6));
        prop_assert!(!n4.contains(&ip6));
        prop_assert!(!n6.contains(&ip4));
        prop_assert_eq!(n4.prefix_len(), p4);
    }
}

/// The kind of a truth value, ignoring the Unknown reason.
fn kind(t: Truth) -> u8 {
    match t {
        Truth::True => 0,
        Truth::False => 1,
        Truth::Unknown(_) => 2,
    }
}

/// Decimal texts with at most 11 significant digits, in varied spellings.
fn small_decimal() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        "0{0,2}[0-9]{1,5}",
        "[0-9]{0,6}",
        prop_oneof![Just(None), (-4i32..5).prop_map(Some)],
    )
        .prop_map(|(neg, int, frac, exp)| {
            let mut text = String::new();
            if neg {
                text.push('-');
            }
            text.push_str(&int);
            if !frac.is_empty() {
                text.push('.');
                text.push_str(&frac);
            }
            if let Some(exp) = exp {
                text.push_str(&format!("e{exp}"));
            }
            text
        })
}

#[test]
fn conditions_documented_examples() {
    // §6: `2026-11-25T13:00:00+02:00` is earlier than `2026-11-25T12:00:00Z`.
    let e = entry(
        op(None, BaseOperator::DateLessThan, false),
        &["2026-11-25T12:00:00Z".to_owned()],
    );
    let value = ContextValue::Single(string("2026-11-25T13:00:00+02:00"));
    assert_eq!(evaluate_entry(&e, Some(&value), no_vars), Truth::True);
    // §6: an IPv4 allow-list never matches an IPv6 caller; a Deny with NotIpAddress on IPv4
    // ranges therefore applies to every IPv6 caller.
    let e = entry(
        op(None, BaseOperator::NotIpAddress, false),
        &["0.0.0.0/0".to_owned()],
    );
    let value = ContextValue::Single(string("2001:db8::1"));
    assert_eq!(evaluate_entry(&e, Some(&value), no_vars), Truth::True);
    // §8.11: Bool false does not match an absent MultiFactorAuthPresent, BoolIfExists does.
    let plain = entry(op(None, BaseOperator::Bool, false), &["false".to_owned()]);
    let if_exists = entry(op(None, BaseOperator::Bool, true), &["false".to_owned()]);
    assert_eq!(evaluate_entry(&plain, None, no_vars), Truth::False);
    assert_eq!(evaluate_entry(&if_exists, None, no_vars), Truth::True);
    // §8.8: ForAnyValue:StringNotEquals [a,b] is true iff some value is neither.
    let e = entry(
        op(
            Some(SetQualifier::ForAnyValue),
            BaseOperator::StringNotEquals,
            false,
        ),
        &["a".to_owned(), "b".to_owned()],
    );
    let ab = ContextValue::Multi(vec![string("a"), string("b")]);
    let ac = ContextValue::Multi(vec![string("a"), string("c")]);
    assert_eq!(evaluate_entry(&e, Some(&ab), no_vars), Truth::False);
    assert_eq!(evaluate_entry(&e, Some(&ac), no_vars), Truth::True);
}

/// The public value parsers are the ones `parse_policy` uses: a policy value types exactly as
/// the public function reads it, and is kept unparsed exactly when that function refuses it.
#[test]
fn public_value_parsers_are_the_policy_parsers() {
    let cases: &[(&str, &[&str])] = &[
        (
            "IpAddress",
            &[
                "10.0.0.0/8",
                "10.0.0.0/08",
                "10.0.0.0/008",
                "10.0.0.1/8",
                "203.0.113.7",
                "2001:db8::/032",
                "2001:db8::/129",
                "10.0.0.0/",
                "010.0.0.0/8",
                "10.0.0.0/33",
            ],
        ),
        ("Bool", &["true", "FALSE", "True", "1", "yes", ""]),
        ("Null", &["true", "false", "TRUE", "0"]),
        ("BinaryEquals", &["QUJD", "QQ==", "QQ", "Q!==", ""]),
    ];
    for (operator, texts) in cases {
        for text in *texts {
            let json = format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"{operator}":{{"aws:SourceIp":"{text}"}}}}}}}}"#
            );
            let policy = iam_policy::parse_policy(&json, iam_policy::PolicyType::Identity)
                .unwrap_or_else(|e| panic!("{operator} {text:?}: {e}"));
            let got = policy.statements()[0].conditions()[0].values().items()[0]
                .value
                .typed();
            let want = match *operator {
                "IpAddress" => parse_cidr(text).map(TypedValue::Ip),
                "Bool" => parse_bool(text).map(TypedValue::Bool),
                "Null" => parse_bool(text).map(TypedValue::Null),
                _ => decode_base64(text).map(TypedValue::Binary),
            }
            .unwrap_or(TypedValue::Unparsed);
            assert_eq!(got, &want, "{operator} {text:?}");
        }
    }
}
