//! Hostile inputs through the public API: each ends with a clear error (its kind or code is
//! asserted) or a decision (its value is asserted). Never a panic, never an Allow from an
//! error.
//!
//! No test asserts a duration. Each test reports its wall time on stderr through [`timed`]
//! (`cargo test --release --test it adversarial -- --nocapture --test-threads 1`); the measured
//! numbers are recorded in `fuzz/README.md` ("Adversarial inputs") as documentation.

use std::time::Instant;

use iam_policy::json::{self, JsonErrorKind, JsonValue, Limits};
use iam_policy::{ArnPattern, ArnPatternMode, Wildcard};

/// Runs `f`, reports how long it took (documentation only, never asserted), returns its value.
fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = f();
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    eprintln!("adversarial timing: {label}: {ms:.2} ms");
    value
}

fn syntax_message(kind: &JsonErrorKind) -> &str {
    match kind {
        JsonErrorKind::Syntax { message } => message,
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
    assert_eq!(err.kind, JsonErrorKind::TooDeep { limit: 64 });
    // The 65th `[` is the one too deep.
    assert_eq!((err.span.start, err.span.end), (64, 65));
}

#[test]
fn adversarial_nesting_100k_objects_is_too_deep() {
    let text = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
    let err = timed("json: 100,000 nested objects", || {
        json::parse(&text, &Limits::default())
    })
    .unwrap_err();
    assert_eq!(err.kind, JsonErrorKind::TooDeep { limit: 64 });
    assert_eq!(err.span.start, 64 * 5);
}

#[test]
fn adversarial_unclosed_100k_arrays_is_too_deep_before_eof() {
    let text = "[".repeat(100_000);
    let err = json::parse(&text, &Limits::default()).unwrap_err();
    assert_eq!(err.kind, JsonErrorKind::TooDeep { limit: 64 });
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
        err.kind,
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
        assert_eq!(syntax_message(&err.kind), "invalid UTF-8", "{bytes:?}");
        assert_eq!(err.span.start, at, "{bytes:?}");
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
            syntax_message(&err.kind),
            format!("lone surrogate `{shown}`"),
            "{text}"
        );
        assert_eq!((err.span.start, err.span.end), (2, 8), "{text}");
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
        syntax_message(&err.kind),
        "unescaped control character U+0000 in string"
    );
    assert_eq!(err.span.start, 8);
    // Raw NUL between tokens: not whitespace.
    let err = json::parse_bytes(b"[1,\x002]", &Limits::default()).unwrap_err();
    assert_eq!(err.span.start, 3);
    assert!(matches!(err.kind, JsonErrorKind::Syntax { .. }));
    // Escaped NUL is an ordinary character.
    let node = json::parse(r#""a\u0000b""#, &Limits::default()).unwrap();
    assert_eq!(node.value, JsonValue::String("a\0b".to_owned()));
}

#[test]
fn adversarial_byte_order_mark_is_rejected() {
    let err = json::parse("\u{feff}{}", &Limits::default()).unwrap_err();
    assert_eq!(syntax_message(&err.kind), "byte-order mark is not allowed");
    assert_eq!((err.span.start, err.span.end), (0, 3));
    let err = json::parse_bytes(b"\xef\xbb\xbf{}", &Limits::default()).unwrap_err();
    assert_eq!(syntax_message(&err.kind), "byte-order mark is not allowed");
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
