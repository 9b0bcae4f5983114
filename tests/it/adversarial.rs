//! Hostile inputs through the public API: each ends with a clear error (its kind or code is
//! asserted) or a decision (its value is asserted). Never a panic, never an Allow from an
//! error.
//!
//! No test asserts a duration. Each test reports its wall time on stderr through [`timed`]
//! (`cargo test --release --test it adversarial -- --nocapture --test-threads 1`); the measured
//! numbers are recorded in `fuzz/README.md` ("Adversarial inputs") as documentation. The
//! worst cases of condition value lists at the request limits are measured by
//! `benches/adversarial.rs` (README, "Hostile requests").

use std::time::Instant;

use iam_policy::unstable::json::{self, JsonErrorKind, JsonValue, Limits};
use iam_policy::{ArnPattern, ArnPatternMode, Wildcard};

/// Runs `f`, reports how long it took (documentation only, never asserted), returns its value.
fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = f();
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    eprintln!("adversarial timing: {label}: {ms:.2} ms");
    value
}

fn syntax_message(kind: &JsonErrorKind) -> String {
    match kind {
        JsonErrorKind::Syntax(error) => error.to_string(),
        other => panic!("expected a syntax error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The JSON layer
// ---------------------------------------------------------------------------------------------

#[test]
fn adversarial_nesting_100k_arrays_is_too_deep() {
    let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = timed("json: 100,000 nested arrays", || {
        json::parse(&text, &Limits::default())
    })
    .unwrap_err();
    assert_eq!(*err.kind(), JsonErrorKind::TooDeep { limit: 64 });
    // The 65th `[` is the one too deep.
    assert_eq!((err.span().start, err.span().end), (64, 65));
}

#[test]
fn adversarial_nesting_100k_objects_is_too_deep() {
    let text = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
    let err = timed("json: 100,000 nested objects", || {
        json::parse(&text, &Limits::default())
    })
    .unwrap_err();
    assert_eq!(*err.kind(), JsonErrorKind::TooDeep { limit: 64 });
    assert_eq!(err.span().start, 64 * 5);
}

#[test]
fn adversarial_unclosed_100k_arrays_is_too_deep_before_eof() {
    let text = "[".repeat(100_000);
    let err = json::parse(&text, &Limits::default()).unwrap_err();
    assert_eq!(*err.kind(), JsonErrorKind::TooDeep { limit: 64 });
}

#[test]
fn adversarial_one_megabyte_string_is_read_whole() {
    let body = "a".repeat(1_000_000);
    let text = format!(r#"["{body}"]"#);
    let node = timed("json: 1 MB string", || {
        json::parse(&text, &Limits::default())
    })
    .unwrap();
    let JsonValue::Array(items) = &node.value else {
        panic!("not an array")
    };
    assert_eq!(items[0].value, JsonValue::String(body));
    assert_eq!((items[0].span.start, items[0].span.end), (1, 1_000_003));
}

#[test]
fn adversarial_input_over_one_mebibyte_is_too_large() {
    let text = format!(r#"["{}"]"#, "a".repeat(1 << 20));
    let err = json::parse(&text, &Limits::default()).unwrap_err();
    assert_eq!(
        *err.kind(),
        JsonErrorKind::TooLarge {
            size: (1 << 20) + 4,
            limit: 1 << 20
        }
    );
}

#[test]
fn adversarial_huge_numbers_keep_their_text() {
    let digits = "9".repeat(100_000);
    let text = format!(
        "[1e999999999999999999999, -0.0e-99999999999, {digits}, {digits}.{digits}E+{digits}]"
    );
    let node = timed("json: 100,000-digit numbers", || {
        json::parse(&text, &Limits::default())
    })
    .unwrap();
    let JsonValue::Array(items) = &node.value else {
        panic!("not an array")
    };
    let texts: Vec<&str> = items
        .iter()
        .map(|n| match &n.value {
            JsonValue::Number(t) => t.as_str(),
            other => panic!("not a number: {other:?}"),
        })
        .collect();
    assert_eq!(texts[0], "1e999999999999999999999");
    assert_eq!(texts[1], "-0.0e-99999999999");
    assert_eq!(texts[2], digits);
    assert_eq!(texts[3].len(), 3 * 100_000 + 3);
}

#[test]
fn adversarial_invalid_utf8_is_a_syntax_error_at_the_bad_byte() {
    for (bytes, at) in [
        (&b"{\"a\": \"\xc3\x28\"}"[..], 7),
        (&b"[\"\xff\"]"[..], 2),
        (&b"\"\xed\xa0\x80\""[..], 1), // an encoded surrogate is not UTF-8
        (&b"\"\xf4\x90\x80\x80\""[..], 1), // above U+10FFFF
        (&b"\"\xe2\x82\""[..], 1),     // truncated sequence
    ] {
        let err = json::parse_bytes(bytes, &Limits::default()).unwrap_err();
        assert_eq!(syntax_message(err.kind()), "invalid UTF-8", "{bytes:?}");
        assert_eq!(err.span().start, at, "{bytes:?}");
    }
}

#[test]
fn adversarial_lone_surrogate_escapes_are_rejected() {
    for (text, shown) in [
        (r#"["\ud800"]"#, r"\ud800"),
        (r#"["\uDBFF x"]"#, r"\uDBFF"),
        (r#"["\udc00"]"#, r"\udc00"),
        (r#"["\ud800\u0041"]"#, r"\ud800"),
    ] {
        let err = json::parse(text, &Limits::default()).unwrap_err();
        assert_eq!(
            syntax_message(err.kind()),
            format!("lone surrogate `{shown}`"),
            "{text}"
        );
        assert_eq!((err.span().start, err.span().end), (2, 8), "{text}");
    }
    // A proper pair is one character.
    let node = json::parse(r#""\ud83d\ude00""#, &Limits::default()).unwrap();
    assert_eq!(node.value, JsonValue::String("\u{1F600}".to_owned()));
}

#[test]
fn adversarial_nul_bytes() {
    // Raw NUL inside a string: a control character.
    let err = json::parse_bytes(b"{\"a\": \"x\x00y\"}", &Limits::default()).unwrap_err();
    assert_eq!(
        syntax_message(err.kind()),
        "unescaped control character U+0000 in string"
    );
    assert_eq!(err.span().start, 8);
    // Raw NUL between tokens: not whitespace.
    let err = json::parse_bytes(b"[1,\x002]", &Limits::default()).unwrap_err();
    assert_eq!(err.span().start, 3);
    assert!(matches!(err.kind(), JsonErrorKind::Syntax(_)));
    // Escaped NUL is an ordinary character.
    let node = json::parse(r#""a\u0000b""#, &Limits::default()).unwrap();
    assert_eq!(node.value, JsonValue::String("a\0b".to_owned()));
}

#[test]
fn adversarial_byte_order_mark_is_rejected() {
    let err = json::parse("\u{feff}{}", &Limits::default()).unwrap_err();
    assert_eq!(syntax_message(err.kind()), "byte-order mark is not allowed");
    assert_eq!((err.span().start, err.span().end), (0, 3));
    let err = json::parse_bytes(b"\xef\xbb\xbf{}", &Limits::default()).unwrap_err();
    assert_eq!(syntax_message(err.kind()), "byte-order mark is not allowed");
}

// ---------------------------------------------------------------------------------------------
// The matchers
// ---------------------------------------------------------------------------------------------

/// `*a*a*a…*b`: the classic exponential case for backtracking matchers.
fn star_a_pattern(n: usize) -> String {
    format!("{}*b", "*a".repeat(n))
}

#[test]
fn adversarial_star_a_pattern_against_64k_text() {
    let pattern = Wildcard::new(&star_a_pattern(100));
    let no_b = "a".repeat(64 * 1024);
    let with_b = format!("{no_b}b");
    assert!(!timed("wildcard: (*a)x100*b on 64 KB of `a`", || {
        pattern.is_match(&no_b)
    }));
    assert!(timed(
        "wildcard: (*a)x100*b on 64 KB of `a` then `b`",
        || { pattern.is_match(&with_b) }
    ));
    assert!(!pattern.is_match("ab"));
    assert!(pattern.is_match_ignore_case(&with_b.to_ascii_uppercase()));
    // `?` runs the same way.
    let question = Wildcard::new(&format!("{}b", "?*".repeat(100)));
    assert!(!timed("wildcard: (?*)x100b on 64 KB", || {
        question.is_match(&no_b)
    }));
    // No literal prefix or suffix to reject early: the matcher must scan.
    let open = Wildcard::new(&format!("*{}b*", "a*".repeat(100)));
    assert!(!timed("wildcard: *(a*)x100b* on 64 KB of `a`", || {
        open.is_match(&no_b)
    }));
    let b_in_middle = format!("{}b{}", "a".repeat(32 * 1024), "a".repeat(32 * 1024));
    assert!(timed(
        "wildcard: *(a*)x100b* on 64 KB with `b` in the middle",
        || { open.is_match(&b_in_middle) }
    ));
    let sparse = Wildcard::new(&format!("*{}*", "a?".repeat(100)));
    let ab = "ab".repeat(32 * 1024);
    assert!(timed("wildcard: *(a?)x100* on 64 KB of `ab`", || sparse
        .is_match(&ab)));
    let bb = "b".repeat(64 * 1024);
    assert!(!timed("wildcard: *(a?)x100* on 64 KB of `b`", || sparse
        .is_match(&bb)));
}

#[test]
fn adversarial_star_a_resource_pattern_against_64k_arn() {
    let pattern = ArnPattern::parse(
        &format!("arn:aws:s3:::{}", star_a_pattern(100)),
        ArnPatternMode::Resource,
        true,
    )
    .unwrap();
    let no_b = format!("arn:aws:s3:::{}", "a".repeat(64 * 1024));
    let with_b = format!("{no_b}b");
    let none = |_: &str| -> Option<&str> { None };
    assert_eq!(
        timed("arn pattern: (*a)x100*b on a 64 KB ARN", || {
            pattern.is_match(&no_b, none)
        }),
        Some(false)
    );
    assert_eq!(pattern.is_match(&with_b, none), Some(true));
    // With colons in the resource part, a middle `*` must not cross them, an end `*` may.
    let colons = format!("arn:aws:s3:::{}", "a:".repeat(32 * 1024));
    assert_eq!(
        timed(
            "arn pattern: (*a)x100*b on a 64 KB ARN full of colons",
            || { pattern.is_match(&colons, none) }
        ),
        Some(false)
    );
}

// ---------------------------------------------------------------------------------------------
// Whole policies: parse_policy, then the engine
// ---------------------------------------------------------------------------------------------

mod pipeline {
    use iam_policy::unstable::json::Limits;
    use std::time::Instant;

    use iam_policy::unstable::request::{MAX_CONTEXT_BYTES, MAX_CONTEXT_KEYS, MAX_CONTEXT_VALUES};
    use iam_policy::{
        ContextLimit, ContextScalar, ContextValue, Decision, ParseOptions, PolicyKind, PolicySet,
        PolicyType, PreparedRequest, Request, RequestError, parse_policy, parse_policy_with,
    };

    use super::timed;

    const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

    /// The codes of the errors of a document that must not parse, with their spans checked.
    /// The codes of the findings lint reports on a document that parses, and that the
    /// value it holds decides as IAM would: an `Allow` with it grants nothing, a `Deny` with
    /// it denies (the unparsed value makes the test unknown, which fails closed).
    fn unparsed_value_codes(text: &str, present: (&str, ContextValue)) -> Vec<&'static str> {
        assert!(
            parse_policy(text, PolicyType::Identity).is_ok(),
            "IAM stores the document, so it must parse: {}",
            text.get(..200).unwrap_or(text)
        );
        let everything = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
        let ctx = [present];
        assert_eq!(
            decide(&[text], "s3:GetObject", "arn:aws:s3:::b/k", &ctx),
            Decision::ImplicitDeny
        );
        let deny = text.replace("\"Allow\"", "\"Deny\"");
        assert_eq!(
            decide(
                &[&deny, everything],
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                &ctx
            ),
            Decision::ExplicitDeny
        );
        let report = iam_policy::lint::lint_text(
            text,
            &iam_policy::lint::LintOptions {
                policy_type: Some(PolicyType::Identity),
            },
        );
        report
            .findings
            .iter()
            .map(|f| f.code.as_str())
            .filter(|c| c.starts_with("TYPE_MISMATCH"))
            .collect()
    }

    fn error_codes(text: &str, ty: PolicyType) -> Vec<&'static str> {
        let errors = match parse_policy(text, ty) {
            Ok(_) => panic!(
                "the document must not parse: {:?}",
                text.get(text.len().saturating_sub(120)..).unwrap_or(text)
            ),
            Err(e) => e,
        };
        errors
            .iter()
            .map(|e| {
                assert!(e.span().slice(text).is_some(), "{e}: span outside the text");
                e.code().as_str()
            })
            .collect()
    }

    /// Decides a request against identity policies given as text.
    fn decide_with(
        options: &ParseOptions,
        identity: &[&str],
        action: &str,
        resource: &str,
        context: &[(&str, ContextValue)],
    ) -> Decision {
        let mut set = PolicySet::new();
        for text in identity {
            let policy = parse_policy_with(text, PolicyType::Identity, options)
                .unwrap_or_else(|e| panic!("{e}"));
            set.add(PolicyKind::Identity, policy);
        }
        let mut builder = Request::builder()
            .principal(ALICE)
            .action(action)
            .resource(resource);
        for (key, value) in context {
            builder = builder.context_value(key, value.clone());
        }
        let request = builder.build().unwrap();
        let compiled = set.compile();
        let decision = compiled.evaluate(&request).decision();
        assert_eq!(compiled.explain(&request).decision(), decision);
        decision
    }

    fn decide(
        identity: &[&str],
        action: &str,
        resource: &str,
        context: &[(&str, ContextValue)],
    ) -> Decision {
        decide_with(
            &ParseOptions::default(),
            identity,
            action,
            resource,
            context,
        )
    }

    fn statements(n: usize) -> String {
        let list: Vec<String> = (0..n)
            .map(|i| {
                format!(
                    r#"{{"Sid":"S{i}","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/k{i}"}}"#
                )
            })
            .collect();
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            list.join(",")
        )
    }

    #[test]
    fn adversarial_100k_statements_exceed_the_size_limit() {
        let text = statements(100_000);
        assert!(text.len() > 1 << 20);
        let errors = timed("parse_policy: 100,000 statements, default limits", || {
            parse_policy(&text, PolicyType::Identity)
        })
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        let e = errors.first();
        assert_eq!(e.code(), "JSON_SYNTAX_ERROR");
        assert!(
            e.kind()
                .to_string()
                .contains("more than the limit of 1048576"),
            "{e}"
        );
    }

    #[test]
    fn adversarial_100k_statements_with_raised_limits_decide() {
        let text = statements(100_000);
        let options = ParseOptions {
            limits: Limits {
                max_size: 64 << 20,
                ..Limits::default()
            },
        };
        let policy = timed("parse_policy: 100,000 statements", || {
            parse_policy_with(&text, PolicyType::Identity, &options)
        })
        .unwrap();
        assert_eq!(policy.statements().len(), 100_000);
        let mut set = PolicySet::new();
        set.add(PolicyKind::Identity, policy);
        let compiled = timed("compile: 100,000 statements", || set.compile());
        let request = |key: &str| {
            Request::builder()
                .principal(ALICE)
                .action("s3:GetObject")
                .resource(&format!("arn:aws:s3:::b/{key}"))
                .build()
                .unwrap()
        };
        let last = request("k99999");
        assert_eq!(
            timed("evaluate: 100,000 statements, last one matches", || {
                compiled.evaluate(&last).decision()
            }),
            Decision::Allow
        );
        let none = request("k100000");
        assert_eq!(
            timed("evaluate: 100,000 statements, none matches", || {
                compiled.evaluate(&none).decision()
            }),
            Decision::ImplicitDeny
        );
        let explained = timed("explain: 100,000 statements", || compiled.explain(&last));
        assert_eq!(explained.decision(), Decision::Allow);
        assert_eq!(explained.statements().len(), 100_000);
        // A Deny at the end of 100,000 Allows still wins.
        let with_deny = text.replacen(
            r#""Statement":["#,
            r#""Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::b/k5000?"},"#,
            1,
        );
        assert_eq!(
            decide_with(
                &options,
                &[&with_deny],
                "s3:GetObject",
                "arn:aws:s3:::b/k50001",
                &[]
            ),
            Decision::ExplicitDeny
        );
        assert_eq!(
            decide_with(
                &options,
                &[&with_deny],
                "s3:GetObject",
                "arn:aws:s3:::b/k60001",
                &[]
            ),
            Decision::Allow
        );
    }

    fn one_condition(operator: &str, key: &str, values: &str) -> String {
        format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
                "Condition":{{"{operator}":{{"{key}":{values}}}}}}}}}"#
        )
    }

    fn string(s: &str) -> ContextValue {
        ContextValue::Single(ContextScalar::String(s.to_owned()))
    }

    #[test]
    fn adversarial_10k_condition_values() {
        let vpcs: Vec<String> = (0..10_000).map(|i| format!("\"vpc-{i}\"")).collect();
        let policy = one_condition(
            "StringEquals",
            "aws:SourceVpc",
            &format!("[{}]", vpcs.join(",")),
        );
        let get = |vpc: &str| {
            decide(
                &[&policy],
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                &[("aws:SourceVpc", string(vpc))],
            )
        };
        assert_eq!(
            timed("10,000 StringEquals values, last matches", || get(
                "vpc-9999"
            )),
            Decision::Allow
        );
        assert_eq!(get("vpc-10000"), Decision::ImplicitDeny);

        let cidrs: Vec<String> = (0..10_000)
            .map(|i| format!("\"10.{}.{}.0/24\"", i / 256, i % 256))
            .collect();
        let policy = one_condition(
            "IpAddress",
            "aws:SourceIp",
            &format!("[{}]", cidrs.join(",")),
        );
        let from = |ip: &str| {
            decide(
                &[&policy],
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                &[("aws:SourceIp", string(ip))],
            )
        };
        assert_eq!(
            timed("10,000 CIDR blocks, last matches", || from("10.39.15.7")),
            Decision::Allow
        );
        assert_eq!(from("10.40.0.1"), Decision::ImplicitDeny);

        // 10,000 policy values against the most request values a key may hold: the policy
        // values are indexed when compiled (O(log m) per request value).
        let tags: Vec<String> = (0..10_000).map(|i| format!("\"t{i}\"")).collect();
        let policy = one_condition(
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            &format!("[{}]", tags.join(",")),
        );
        let keys = |extra: Option<&str>| {
            let mut values: Vec<ContextScalar> = (10_000 - MAX_CONTEXT_VALUES + 1..10_000)
                .rev()
                .map(|i| ContextScalar::String(format!("t{i}")))
                .collect();
            values.push(ContextScalar::String(
                extra.map_or_else(|| "t0".to_owned(), str::to_owned),
            ));
            decide(
                &[&policy],
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                &[("aws:TagKeys", ContextValue::Multi(values))],
            )
        };
        assert_eq!(keys(None), Decision::Allow);
        assert_eq!(keys(Some("outsider")), Decision::ImplicitDeny);
    }

    /// The request context limits: one past each is a clear error, never a decision.
    #[test]
    fn adversarial_context_past_the_limits_is_refused() {
        let build = |context: Vec<(String, ContextValue)>| {
            let mut b = Request::builder()
                .principal(ALICE)
                .action("s3:GetObject")
                .resource("*");
            for (k, v) in context {
                b = b.context_value(&k, v);
            }
            b.build()
        };
        let values = |n: usize| {
            ContextValue::Multi(
                (0..n)
                    .map(|i| ContextScalar::String(format!("v{i}")))
                    .collect(),
            )
        };
        assert!(build(vec![("aws:TagKeys".into(), values(MAX_CONTEXT_VALUES))]).is_ok());
        match build(vec![("aws:TagKeys".into(), values(MAX_CONTEXT_VALUES + 1))]) {
            Err(RequestError::ContextTooLarge {
                limit: ContextLimit::Values,
                key: Some(key),
                found,
                max,
            }) => assert_eq!(
                (key.as_str(), found, max),
                ("aws:tagkeys", MAX_CONTEXT_VALUES + 1, MAX_CONTEXT_VALUES)
            ),
            other => panic!("{other:?}"),
        }
        let keys = |n: usize| (0..n).map(|i| (format!("app:k{i}"), string("v"))).collect();
        assert!(build(keys(MAX_CONTEXT_KEYS)).is_ok());
        // However many keys past the limit, `found` is the limit plus one (the request
        // buffer reports the same: it stops at the first key past the limit).
        for n in [MAX_CONTEXT_KEYS + 1, MAX_CONTEXT_KEYS + 50] {
            assert_eq!(
                build(keys(n)).err(),
                Some(RequestError::ContextTooLarge {
                    limit: ContextLimit::Keys,
                    key: None,
                    found: MAX_CONTEXT_KEYS + 1,
                    max: MAX_CONTEXT_KEYS,
                })
            );
        }
        let long = "x".repeat(MAX_CONTEXT_BYTES);
        let err = build(vec![("app:long".into(), string(&long))]).unwrap_err();
        assert!(matches!(
            err,
            RequestError::ContextTooLarge {
                limit: ContextLimit::Bytes,
                ..
            }
        ));
        assert!(err.to_string().contains("at most 262144"), "{err}");
    }

    /// The worst cases at the limits: a key with the most request values against long
    /// policy value lists, for every indexed family (each list at least as long as a
    /// 20,480-character document holds), with the expected decision asserted: `ForAllValues:`
    /// cases where every request value matches, `ForAnyValue:` cases where none does, so that
    /// every request value is tested. A guard, not a benchmark: each decision's time is
    /// reported (documentation only); `benches/adversarial.rs` measures them in a release
    /// build.
    #[test]
    fn adversarial_set_operators_at_the_context_limit() {
        use Decision::{Allow, ImplicitDeny};
        let n = MAX_CONTEXT_VALUES;
        let strings = |f: &dyn Fn(usize) -> String| {
            ContextValue::Multi((0..n).map(|i| ContextScalar::String(f(i))).collect())
        };
        let cases: Vec<(&str, Vec<String>, ContextValue, Decision)> = vec![
            (
                "ForAllValues:StringEquals",
                (0..10_000).map(|i| format!("t{i}")).collect(),
                strings(&|i| format!("t{}", 9_999 - i)),
                Allow,
            ),
            (
                "ForAnyValue:StringEqualsIgnoreCase",
                (0..10_000).map(|i| format!("Team-{i}")).collect(),
                strings(&|i| format!("TEAM-x{i}\u{212A}")),
                ImplicitDeny,
            ),
            (
                "ForAllValues:StringEqualsIgnoreCase",
                (0..10_000).map(|i| format!("Team-{i}k")).collect(),
                strings(&|i| format!("TEAM-{}\u{212A}", 9_999 - i)),
                Allow,
            ),
            (
                "ForAllValues:NumericEquals",
                (0..10_000).map(|i| i.to_string()).collect(),
                ContextValue::Multi(
                    (0..n)
                        .map(|i| ContextScalar::Number((i * 37).to_string()))
                        .collect(),
                ),
                Allow,
            ),
            (
                "ForAllValues:DateLessThan",
                (0..10_000)
                    .map(|i| format!("2026-01-01T00:00:{:02}Z", i % 60))
                    .collect(),
                strings(&|_| "2025-12-31T23:59:59Z".into()),
                Allow,
            ),
            (
                "ForAnyValue:StringLike",
                (0..10_000).map(|i| format!("literal-{i}")).collect(),
                strings(&|i| format!("other-{i}")),
                ImplicitDeny,
            ),
            (
                // Wildcard patterns as many as fit in 20,480 characters.
                "ForAnyValue:StringLike",
                (0..1_500).map(|i| format!("p{i}*x?y")).collect(),
                strings(&|i| format!("p{i}{}", "z".repeat(200))),
                ImplicitDeny,
            ),
            (
                "ForAllValues:StringLike",
                (0..2_000).map(|i| format!("*-{i}-*")).collect(),
                strings(&|i| format!("{}-{}-z", "z".repeat(200), 1_999 - i)),
                Allow,
            ),
            (
                "ForAnyValue:StringLike",
                (0..2_000).map(|i| format!("*-{i}")).collect(),
                strings(&|i| format!("{}-{i}-", "z".repeat(200))),
                ImplicitDeny,
            ),
            (
                "ForAllValues:StringEquals",
                (0..1_000)
                    .map(|i| format!("${{aws:PrincipalTag/team}}-{i}"))
                    .collect(),
                strings(&|i| format!("ops-{}", 999 - i)),
                Allow,
            ),
            (
                // Values with a variable keyed by their literal parts.
                "ForAllValues:StringLike",
                (0..1_000)
                    .map(|i| format!("${{aws:PrincipalTag/team}}*-{i}-*"))
                    .collect(),
                strings(&|i| format!("ops-{}-{}", 999 - i, "z".repeat(200))),
                Allow,
            ),
            (
                // Grouped by their variable, the remainders sharing their literals.
                "ForAnyValue:StringLike",
                (0..200)
                    .map(|i| format!("${{aws:PrincipalTag/team}}*ab{}cd*", "?".repeat(i)))
                    .collect(),
                strings(&|_| format!("opsab{}cd", "z".repeat(300))),
                ImplicitDeny,
            ),
            (
                "ForAllValues:StringEqualsIgnoreCase",
                (0..1_000)
                    .map(|i| format!("${{aws:PrincipalTag/team}}-{i}"))
                    .collect(),
                strings(&|i| format!("OPS-{}", 999 - i)),
                Allow,
            ),
            (
                "ForAllValues:StringEquals",
                (0..1_000)
                    .map(|i| format!("${{aws:PrincipalTag/team}}{i}${{aws:PrincipalTag/team}}"))
                    .collect(),
                strings(&|i| format!("ops{}ops", 999 - i)),
                Allow,
            ),
            (
                "ForAllValues:ArnLike",
                (0..1_000)
                    .map(|i| format!("arn:aws:s3:::${{aws:PrincipalTag/team}}/{i}/*"))
                    .collect(),
                strings(&|i| format!("arn:aws:s3:::ops/{}/{}", 999 - i, "k".repeat(200))),
                Allow,
            ),
            (
                "ForAnyValue:ArnLike",
                (0..200)
                    .map(|i| {
                        format!(
                            "arn:aws:s3:::${{aws:PrincipalTag/team}}/*ab{}cd*",
                            "?".repeat(i)
                        )
                    })
                    .collect(),
                strings(&|_| format!("arn:aws:s3:::ops/ab{}cd", "z".repeat(300))),
                ImplicitDeny,
            ),
            (
                "ForAnyValue:ArnLike",
                (0..10_000)
                    .map(|i| format!("arn:aws:s3:::b{i}/*"))
                    .collect(),
                strings(&|i| format!("arn:aws:s3:::b{i}x/{}", "k".repeat(200))),
                ImplicitDeny,
            ),
            (
                "ForAllValues:ArnEquals",
                (0..10_000)
                    .map(|i| format!("arn:aws:iam::{i:012}:role/*"))
                    .collect(),
                strings(&|i| format!("arn:aws:iam::{:012}:role/r", 9_999 - i)),
                Allow,
            ),
            (
                "ForAnyValue:ArnLike",
                (0..2_000)
                    .map(|i| format!("arn:aws:s3:::*-{i}-*"))
                    .collect(),
                strings(&|_| format!("arn:aws:s3:::{}", "z".repeat(200))),
                ImplicitDeny,
            ),
            (
                "ForAllValues:IpAddress",
                (0..10_000)
                    .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256))
                    .collect(),
                strings(&|i| format!("10.{}.{}.9", i / 256, i % 256)),
                Allow,
            ),
            (
                "ForAnyValue:IpAddress",
                (0..10_000)
                    .map(|i| format!("10.{}.{}.0/24", i / 256, i % 256))
                    .collect(),
                strings(&|i| format!("2001:db8::{i:x}")),
                ImplicitDeny,
            ),
            (
                "ForAnyValue:BinaryEquals",
                (0..10_000).map(|i| format!("{:08}", i * 4)).collect(),
                strings(&|i| format!("{:08}", i * 4 + 1)),
                ImplicitDeny,
            ),
            (
                "ForAllValues:Bool",
                (0..10_000).map(|_| "true".to_owned()).collect(),
                strings(&|_| "true".to_owned()),
                Allow,
            ),
        ];
        let options = ParseOptions::default();
        for (operator, values, request, expected) in cases {
            let list: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
            let policy = one_condition(operator, "app:k", &format!("[{}]", list.join(",")));
            let mut set = PolicySet::new();
            set.add(
                PolicyKind::Identity,
                parse_policy_with(&policy, PolicyType::Identity, &options).unwrap(),
            );
            let compiled = set.compile();
            let request = Request::builder()
                .principal(ALICE)
                .action("s3:GetObject")
                .resource("*")
                .context_value("aws:PrincipalTag/team", string("ops"))
                .context_value("app:k", request)
                .build()
                .unwrap();
            let prepared = PreparedRequest::new(request.clone());
            let want = compiled.evaluate(&request).decision();
            assert_eq!(want, expected, "{operator} over {} values", values.len());
            assert_eq!(compiled.evaluate_prepared(&prepared).decision(), want);
            let mut best = f64::MAX;
            for _ in 0..3 {
                let start = Instant::now();
                let d = compiled.evaluate_prepared(&prepared).decision();
                best = best.min(start.elapsed().as_secs_f64() * 1000.0);
                assert_eq!(d, want);
            }
            eprintln!(
                "adversarial timing: {operator}: {} policy values x {MAX_CONTEXT_VALUES} request values: {best:.3} ms per decision ({want:?})",
                values.len()
            );
        }
    }

    /// Lists of values with policy variables long enough to be indexed (grouped by their lead
    /// and first variable, keyed by their literal parts) decide as the values one at a time
    /// do (a list of one value is never indexed), whatever the variable's value: one, empty,
    /// several (a multi-valued key is no variable value) or none.
    #[test]
    fn adversarial_indexed_templates_decide_as_each_value() {
        let values: Vec<String> = (0..12)
            .flat_map(|i| {
                [
                    format!("${{aws:PrincipalTag/team}}-{i}"),
                    format!("${{aws:PrincipalTag/team}}*-{i}-*"),
                    format!("x${{aws:PrincipalTag/team, 'dflt'}}/{i}?"),
                    format!("${{aws:PrincipalTag/team}}{i}${{aws:PrincipalTag/team}}"),
                    // A variable of its own per value (resolved once per decision).
                    format!("${{aws:PrincipalTag/t{i}, 'v{i}'}}"),
                    format!("p-${{aws:PrincipalTag/t{i}}}-${{aws:PrincipalTag/team}}"),
                    // A distinct variable then wildcards (resolved once per decision, entered
                    // by the head before the first wildcard).
                    format!("${{aws:PrincipalTag/t{i}, 'v{i}'}}*"),
                    format!("q${{aws:PrincipalTag/t{i}}}-?{i}*"),
                ]
            })
            .collect();
        let teams = [
            Some(string("ops")),
            Some(string("")),
            Some(ContextValue::Multi(vec![
                ContextScalar::String("ops".into()),
                ContextScalar::String("dev".into()),
            ])),
            None,
        ];
        let texts = [
            "ops-3",
            "-3",
            "ops-11-x",
            "x-11-",
            "xops/5z",
            "xdflt/5z",
            "x/5z",
            "ops7ops",
            "77",
            "OPS-3",
            "v3",
            "V3",
            "v5",
            "ops",
            "p-ops-ops",
            "P-OPS-OPS",
            "p--",
            "p-ops-",
            "v3-anything",
            "V3x",
            "qops-x5",
            "qops-x55",
            "qops-5",
            "q-x5",
        ];
        for operator in [
            "ForAnyValue:StringLike",
            "ForAnyValue:StringEquals",
            "ForAnyValue:StringEqualsIgnoreCase",
            "ForAllValues:StringNotLike",
        ] {
            let list: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
            let whole = one_condition(operator, "app:k", &format!("[{}]", list.join(",")));
            let each: Vec<String> = list
                .iter()
                .map(|v| one_condition(operator, "app:k", &format!("[{v}]")))
                .collect();
            for team in &teams {
                for text in texts {
                    let mut context = vec![("app:k", string(text))];
                    if let Some(team) = team {
                        context.push(("aws:PrincipalTag/team", team.clone()));
                        // `t5` takes the team's value; the other `t<i>` have none.
                        context.push(("aws:PrincipalTag/t5", team.clone()));
                    }
                    let got = decide(&[&whole], "s3:GetObject", "*", &context);
                    let one = |policy: &String| {
                        decide(&[policy], "s3:GetObject", "*", &context) == Decision::Allow
                    };
                    // Any value matching: some one-value policy allows; `ForAllValues:` of a
                    // negation over one request value: every one-value policy allows.
                    let want = if operator.starts_with("ForAll") {
                        each.iter().all(one)
                    } else {
                        each.iter().any(one)
                    };
                    assert_eq!(got == Decision::Allow, want, "{operator} {team:?} {text}");
                }
            }
        }
    }

    /// A list whose values each name their own variable is resolved once per decision into a
    /// table kept by the thread: after the first decision, deciding allocates nothing (values
    /// compared whole, and values entered by their head before a wildcard).
    #[test]
    fn distinct_variables_decide_without_allocating() {
        distinct_variables_without_allocating("ForAnyValue:StringEqualsIgnoreCase", "");
        distinct_variables_without_allocating("ForAnyValue:StringLike", "*");
    }

    fn distinct_variables_without_allocating(operator: &str, tail: &str) {
        let values: Vec<String> = (0..200)
            .map(|i| format!("\"${{aws:PrincipalTag/t{i}, 'v{i}'}}{tail}\""))
            .collect();
        let policy = one_condition(operator, "app:k", &format!("[{}]", values.join(",")));
        let mut set = PolicySet::new();
        set.add(
            PolicyKind::Identity,
            parse_policy_with(&policy, PolicyType::Identity, &ParseOptions::default()).unwrap(),
        );
        let compiled = set.compile();
        let request = |texts: &[&str]| {
            let list = texts
                .iter()
                .map(|t| ContextScalar::String((*t).to_owned()))
                .collect();
            PreparedRequest::new(
                Request::builder()
                    .principal(ALICE)
                    .action("s3:GetObject")
                    .resource("*")
                    .context_value("aws:PrincipalTag/t7", string("seven"))
                    .context_value("app:k", ContextValue::Multi(list))
                    .build()
                    .unwrap(),
            )
        };
        let like = !tail.is_empty();
        let deny_or = |allow: bool| {
            if allow {
                Decision::Allow
            } else {
                Decision::ImplicitDeny
            }
        };
        let requests = [
            (
                request(&["x", if like { "v150" } else { "V150" }]),
                Decision::Allow,
            ),
            (request(&["x", "v7"]), Decision::ImplicitDeny),
            (
                request(&[if like { "seven" } else { "SEVEN" }]),
                Decision::Allow,
            ),
            // `v1000` starts with `v100` (and `v1`, `v10`): a `StringLike` value matches.
            (request(&["v1000", "y", "z"]), deny_or(like)),
            (request(&["w1000", "y", "z"]), Decision::ImplicitDeny),
        ];
        for (r, want) in &requests {
            assert_eq!(compiled.evaluate_prepared(r).decision(), *want);
        }
        let info = allocation_counter::measure(|| {
            for (r, want) in &requests {
                assert_eq!(compiled.evaluate_prepared(r).decision(), *want);
            }
        });
        assert_eq!(info.count_total, 0, "a decision allocated");
    }

    #[test]
    fn adversarial_star_a_patterns_through_the_engine() {
        let pattern = format!("{}*b", "*a".repeat(100));
        let by_resource = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{pattern}"}}}}"#
        );
        let no_b = format!("arn:aws:s3:::{}", "a".repeat(64 * 1024));
        let with_b = format!("{no_b}b");
        assert_eq!(
            timed(
                "engine: Resource (*a)x100*b, 64 KB resource without b",
                || { decide(&[&by_resource], "s3:GetObject", &no_b, &[]) }
            ),
            Decision::ImplicitDeny
        );
        assert_eq!(
            decide(&[&by_resource], "s3:GetObject", &with_b, &[]),
            Decision::Allow
        );

        let by_condition = one_condition(
            "StringLike",
            "aws:PrincipalTag/team",
            &format!("\"{pattern}\""),
        );
        let team = |v: &str| {
            decide(
                &[&by_condition],
                "s3:GetObject",
                "arn:aws:s3:::b/k",
                &[("aws:PrincipalTag/team", string(v))],
            )
        };
        let a64k = "a".repeat(64 * 1024);
        assert_eq!(
            timed(
                "engine: StringLike (*a)x100*b, 64 KB value without b",
                || team(&a64k)
            ),
            Decision::ImplicitDeny
        );
        assert_eq!(team(&format!("{a64k}b")), Decision::Allow);
    }

    #[test]
    fn adversarial_one_megabyte_resource() {
        let resource = format!("arn:aws:s3:::b/{}", "x".repeat(1_000_000));
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"{resource}"}}}}"#
        );
        assert!(policy.len() < 1 << 20);
        assert_eq!(
            timed("engine: 1 MB literal Resource, equal request", || {
                decide(&[&policy], "s3:GetObject", &resource, &[])
            }),
            Decision::Allow
        );
        let other = format!("{resource}y");
        assert_eq!(
            decide(&[&policy], "s3:GetObject", &other, &[]),
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn adversarial_huge_numbers() {
        let digits = "9".repeat(100_000);
        // More than 38 significant digits, or an exponent beyond 2^40: not exactly
        // representable, so not a number for a Numeric operator.
        for value in [
            "1e99999999999999",
            "\"-1E-99999999999999\"",
            &digits,
            &format!("\"0.{digits}\""),
        ] {
            let policy = one_condition("NumericLessThan", "s3:max-keys", value);
            assert_eq!(
                unparsed_value_codes(
                    &policy,
                    (
                        "s3:max-keys",
                        ContextValue::Single(ContextScalar::Number("5".to_owned()))
                    )
                ),
                ["TYPE_MISMATCH_NUMBER"],
                "{}",
                value.get(..20).unwrap_or(value)
            );
        }
        // Large exponents within the bound compare exactly.
        let policy = one_condition("NumericLessThan", "s3:max-keys", "1e999999999");
        for (request_value, expected) in [
            ("5", Decision::Allow),
            ("9.99999999999999999999e999999998", Decision::Allow),
            ("1e999999999", Decision::ImplicitDeny),
            ("1.000000000000000000001e999999999", Decision::ImplicitDeny),
        ] {
            let ctx = [(
                "s3:max-keys",
                ContextValue::Single(ContextScalar::Number(request_value.to_owned())),
            )];
            assert_eq!(
                decide(&[&policy], "s3:GetObject", "arn:aws:s3:::b/k", &ctx),
                expected,
                "{request_value}"
            );
        }
        // On the request side an unreadable number makes the comparison unknown: an Allow
        // does not apply, a Deny does.
        let allow = one_condition("NumericLessThan", "s3:max-keys", "\"10\"");
        let deny = allow.replace("\"Allow\"", "\"Deny\"");
        let everything = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
        for request_value in [digits.as_str(), "1e99999999999999", "-1e-99999999999999"] {
            let ctx = [(
                "s3:max-keys",
                ContextValue::Single(ContextScalar::Number(request_value.to_owned())),
            )];
            assert_eq!(
                decide(&[&allow], "s3:GetObject", "arn:aws:s3:::b/k", &ctx),
                Decision::ImplicitDeny
            );
            assert_eq!(
                decide(
                    &[&deny, everything],
                    "s3:GetObject",
                    "arn:aws:s3:::b/k",
                    &ctx
                ),
                Decision::ExplicitDeny
            );
        }
    }

    #[test]
    fn adversarial_bad_characters_in_policies() {
        let base = r#"{"Version":"2012-10-17","Statement":{"Sid":"SID","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#;
        // A lone surrogate escape, a raw NUL, a byte-order mark: JSON errors.
        for text in [
            base.replace("SID", r"\ud800"),
            base.replace("SID", "a\0b"),
            format!("\u{feff}{base}"),
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        ] {
            assert_eq!(
                error_codes(&text, PolicyType::Identity),
                ["JSON_SYNTAX_ERROR"]
            );
        }
        // An escaped NUL inside an action name is not a valid action.
        let nul_action = base.replace("s3:GetObject", r"s3:Get\u0000Object");
        assert_eq!(
            error_codes(&nul_action, PolicyType::Identity),
            ["INVALID_ACTION_FORMAT"]
        );
    }

    #[test]
    fn adversarial_impossible_dates() {
        for date in [
            "2023-02-29T00:00:00Z",
            "2024-02-30",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:60Z",
        ] {
            let policy = one_condition("DateLessThan", "aws:CurrentTime", &format!("\"{date}\""));
            assert_eq!(
                unparsed_value_codes(&policy, ("aws:CurrentTime", string("2026-01-01T00:00:00Z"))),
                ["TYPE_MISMATCH_DATE"],
                "{date}"
            );
            // As a request value: unknown, so no Allow, and a Deny applies.
            let allow = one_condition(
                "DateLessThan",
                "aws:CurrentTime",
                "\"2100-01-01T00:00:00Z\"",
            );
            let deny = allow.replace("\"Allow\"", "\"Deny\"");
            let everything = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
            let ctx = [("aws:CurrentTime", string(date))];
            assert_eq!(
                decide(&[&allow], "s3:GetObject", "arn:aws:s3:::b/k", &ctx),
                Decision::ImplicitDeny,
                "{date}"
            );
            assert_eq!(
                decide(
                    &[&deny, everything],
                    "s3:GetObject",
                    "arn:aws:s3:::b/k",
                    &ctx
                ),
                Decision::ExplicitDeny,
                "{date}"
            );
        }
    }

    #[test]
    fn adversarial_bad_cidr_blocks() {
        let policy = one_condition(
            "IpAddress",
            "aws:SourceIp",
            r#"["2001:db8::/129", "300.1.2.3/8", "10.0.0.0/8"]"#,
        );
        assert_eq!(
            unparsed_value_codes(
                &policy.replace(", \"10.0.0.0/8\"", ""),
                ("aws:SourceIp", string("203.0.113.7"))
            ),
            ["TYPE_MISMATCH_IP_RANGE", "TYPE_MISMATCH_IP_RANGE"]
        );
        let allow = one_condition("NotIpAddress", "aws:SourceIp", "\"10.0.0.0/8\"");
        let deny = one_condition("IpAddress", "aws:SourceIp", "\"0.0.0.0/0\"")
            .replace("\"Allow\"", "\"Deny\"");
        let everything = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
        for ip in [
            "300.1.2.3",
            "10.0.0.0/129",
            "2001:db8::/129",
            "",
            "1.2.3.4\0",
        ] {
            let ctx = [("aws:SourceIp", string(ip))];
            // Unknown: even the negated operator does not let the Allow apply...
            assert_eq!(
                decide(&[&allow], "s3:GetObject", "arn:aws:s3:::b/k", &ctx),
                Decision::ImplicitDeny,
                "{ip}"
            );
            // ...and a Deny applies.
            assert_eq!(
                decide(
                    &[&deny, everything],
                    "s3:GetObject",
                    "arn:aws:s3:::b/k",
                    &ctx
                ),
                Decision::ExplicitDeny,
                "{ip}"
            );
        }
    }
}
