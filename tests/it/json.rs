//! The JSON reader against `serde_json` (differential property tests) and adversarial inputs.
//!
//! `serde_json::from_str::<Value>` is strict RFC 8259 too, with three known differences that the
//! comparison allows for: it keeps the last of duplicate keys (we reject them), its recursion
//! limit is 128 (ours defaults to 64; generated documents stay far below both), and it rejects
//! numbers outside the `f64` range (we keep every number as text).

use iam_policy::Span;
use iam_policy::unstable::json::{JsonErrorKind, JsonValue, Limits, Node, parse, parse_bytes};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::Value;

/// Our tree as a `serde_json::Value`, numbers read by serde_json from our kept text.
/// `None` if serde_json cannot represent a number (out of the `f64` range).
fn to_serde(node: &Node) -> Option<Value> {
    Some(match &node.value {
        JsonValue::Null => Value::Null,
        JsonValue::Bool(b) => Value::Bool(*b),
        JsonValue::Number(text) => {
            let value = serde_json::from_str::<Value>(text).ok()?;
            assert!(value.is_number(), "number text {text:?} read as {value:?}");
            value
        }
        JsonValue::String(s) => Value::String(s.clone()),
        JsonValue::Array(items) => Value::Array(items.iter().map(to_serde).collect::<Option<_>>()?),
        JsonValue::Object(members) => {
            let mut map = serde_json::Map::new();
            for m in members {
                map.insert(m.key.clone(), to_serde(&m.value)?);
            }
            Value::Object(map)
        }
    })
}

/// Every span in the tree lies in `text` on character boundaries, and the text under each span
/// reads back as the same value (keys: as the same string).
fn check_spans(text: &str, node: &Node) -> Result<(), TestCaseError> {
    let Some(under) = node.span.slice(text) else {
        return Err(TestCaseError::fail(format!(
            "span {} outside the text",
            node.span
        )));
    };
    let again = parse(under, &Limits::default())
        .map_err(|e| TestCaseError::fail(format!("{under:?} under {}: {e}", node.span)))?;
    prop_assert_eq!(&again, node);
    match &node.value {
        JsonValue::Array(items) => {
            for item in items {
                prop_assert!(item.span.start >= node.span.start && item.span.end <= node.span.end);
                check_spans(text, item)?;
            }
        }
        JsonValue::Object(members) => {
            for m in members {
                let key_text = m.key_span.slice(text).unwrap_or_default();
                let key = parse(key_text, &Limits::default())
                    .map_err(|e| TestCaseError::fail(format!("key {key_text:?}: {e}")))?;
                prop_assert_eq!(&key.value, &JsonValue::String(m.key.clone()));
                prop_assert!(m.key_span.end <= m.value.span.start);
                check_spans(text, &m.value)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Our parser and serde_json agree on `text`, outside the documented differences.
/// Returns whether we accepted it.
fn check_agreement(text: &str) -> Result<bool, TestCaseError> {
    let ours = parse(text, &Limits::default());
    let theirs = serde_json::from_str::<Value>(text);
    match (ours, theirs) {
        (Err(e), _)
            if matches!(
                e.kind(),
                JsonErrorKind::DuplicateKey { .. } | JsonErrorKind::TooDeep { .. }
            ) =>
        {
            Ok(false)
        }
        (Ok(node), Ok(value)) => {
            prop_assert_eq!(to_serde(&node), Some(value), "text {:?}", text);
            check_spans(text, &node)?;
            Ok(true)
        }
        (Ok(node), Err(e)) => {
            // Only a number serde_json cannot hold may split us.
            prop_assert!(
                e.to_string().starts_with("number out of range") && to_serde(&node).is_none(),
                "we accept {:?}, serde_json says {}",
                text,
                e
            );
            Ok(true)
        }
        (Err(e), Ok(value)) => Err(TestCaseError::fail(format!(
            "we reject {text:?} ({e} at {}), serde_json reads {value:?}",
            e.span()
        ))),
        (Err(e), Err(_)) => {
            let within = |span: Span| span.slice(text).is_some();
            prop_assert!(
                within(e.span()),
                "error span {} off the text {:?}",
                e.span(),
                text
            );
            prop_assert!(e.related().is_none_or(within));
            Ok(false)
        }
    }
}

/// A JSON value to serialize; object keys are unique after decoding.
#[derive(Clone, Debug)]
enum Gen {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<Gen>),
    Obj(Vec<(String, Gen)>),
    /// Text written as is: a scalar that may or may not be valid JSON.
    Raw(String),
}

fn number_text() -> impl Strategy<Value = String> {
    // Exponents of at most two digits keep every number inside the f64 range.
    "-?(0|[1-9][0-9]{0,22})(\\.[0-9]{1,20})?([eE][+-]?[0-9]{1,2})?"
}

fn string_value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9:*/ ${}.-]{0,12}",
        1 => any::<String>(),
        1 => prop::collection::vec(
            prop::sample::select(vec!['"', '\\', '/', '\n', '\u{0}', '\u{1f}', '\u{7f}', 'é',
                '\u{2028}', '\u{feff}', '\u{ffff}', '\u{1F600}', '\u{10FFFF}', 'a']),
            0..8,
        )
        .prop_map(|chars| chars.into_iter().collect()),
    ]
}

/// Scalars near the edge of the grammar, valid or not.
fn near_miss() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "+1",
            "01",
            "-01",
            "1.",
            ".5",
            "-",
            "1e",
            "1e+",
            "-0",
            "0e0",
            "1E-0",
            "1e999",
            "NaN",
            "Infinity",
            "-Infinity",
            "tru",
            "nul",
            "True",
            "'a'",
            "\"\t\"",
            "\"a",
            "\"\\\"",
            "\"\u{0}\"",
            "\"\u{1}\"",
            "\"\u{1f}\"",
            "\"\u{7f}\"",
            "\"\u{20}\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\udc00\"",
            "\"\\ud800\\u0041\"",
            "[1,]",
            "{\"a\":1,}",
            "[,]",
            "{,}",
            "[1 2]",
            "{\"a\" 1}",
            "{\"a\":}",
            "{1:2}",
            "// c\n1",
            "/* c */ 1",
            "1 /",
            "\u{feff}1",
            "\u{a0}1",
            "\u{c}1",
            "0x1",
            "1_0",
        ])
        .prop_map(String::from),
        "[-+]?[0-9]{0,3}(\\.[0-9]{0,2})?([eE][-+]?[0-9]{0,3})?",
        "\"([a-z\t]|\\\\[a-z0-9\"\\\\/]|\\\\u[0-9a-fA-FgG]{0,4}|\\\\u[dD][89abAB][0-9a-f]{2}|\\\\u[dD][c-fC-F][0-9a-f]{2}){0,4}\"?",
    ]
}

fn gen_value() -> impl Strategy<Value = Gen> {
    gen_tree(false)
}

/// Generated values; with `near_misses`, some leaves are [`near_miss`] text.
fn gen_tree(near_misses: bool) -> impl Strategy<Value = Gen> {
    let leaf = prop_oneof![
        2 => Just(Gen::Null),
        2 => any::<bool>().prop_map(Gen::Bool),
        2 => number_text().prop_map(Gen::Num),
        2 => string_value().prop_map(Gen::Str),
        if near_misses { 3 } else { 0 } => near_miss().prop_map(Gen::Raw),
    ];
    leaf.prop_recursive(12, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Gen::Arr),
            prop::collection::btree_map(string_value(), inner, 0..6)
                .prop_map(|m| Gen::Obj(m.into_iter().collect())),
        ]
    })
}

/// Serializes a [`Gen`] with whitespace and escape spellings picked by `choices`.
struct Writer<'a> {
    out: String,
    choices: &'a [u8],
    next: usize,
}

impl Writer<'_> {
    fn pick(&mut self) -> u8 {
        let c = self
            .choices
            .get(self.next % self.choices.len().max(1))
            .copied()
            .unwrap_or(0);
        self.next += 1;
        c
    }

    fn ws(&mut self) {
        let pieces = ["", "", "", " ", "\n", "\t", "\r\n  ", "  "];
        let piece = pieces.get(usize::from(self.pick()) % pieces.len());
        self.out.push_str(piece.copied().unwrap_or_default());
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for ch in s.chars() {
            let how = self.pick() % 8;
            match ch {
                '"' => self.out.push_str(if how == 0 { "\\u0022" } else { "\\\"" }),
                '\\' => self.out.push_str(if how == 0 { "\\u005C" } else { "\\\\" }),
                '\n' if how < 4 => self.out.push_str("\\n"),
                '/' if how == 0 => self.out.push_str("\\/"),
                c if u32::from(c) < 0x20 || how == 1 => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        if how.is_multiple_of(2) {
                            self.out.push_str(&format!("\\u{unit:04x}"));
                        } else {
                            self.out.push_str(&format!("\\u{unit:04X}"));
                        }
                    }
                }
                c => self.out.push(c),
            }
        }
        self.out.push('"');
    }

    fn value(&mut self, value: &Gen) {
        match value {
            Gen::Null => self.out.push_str("null"),
            Gen::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Gen::Num(n) => self.out.push_str(n),
            Gen::Str(s) => self.string(s),
            Gen::Raw(text) => self.out.push_str(text),
            Gen::Arr(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.ws();
                    self.value(item);
                    self.ws();
                }
                if items.is_empty() {
                    self.ws();
                }
                self.out.push(']');
            }
            Gen::Obj(members) => {
                self.out.push('{');
                for (i, (key, item)) in members.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.ws();
                    self.string(key);
                    self.ws();
                    self.out.push(':');
                    self.ws();
                    self.value(item);
                    self.ws();
                }
                if members.is_empty() {
                    self.ws();
                }
                self.out.push('}');
            }
        }
    }
}

fn write(value: &Gen, choices: &[u8]) -> String {
    let mut w = Writer {
        out: String::new(),
        choices,
        next: 0,
    };
    w.ws();
    w.value(value);
    w.ws();
    w.out
}

/// Our tree holds exactly the generated value, number texts included.
fn same_as_generated(node: &Node, expected: &Gen) -> bool {
    match (&node.value, expected) {
        (JsonValue::Null, Gen::Null) => true,
        (JsonValue::Bool(a), Gen::Bool(b)) => a == b,
        (JsonValue::Number(a), Gen::Num(b)) | (JsonValue::String(a), Gen::Str(b)) => a == b,
        (JsonValue::Array(a), Gen::Arr(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_as_generated(x, y))
        }
        (JsonValue::Object(a), Gen::Obj(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(m, (k, v))| &m.key == k && same_as_generated(&m.value, v))
        }
        _ => false,
    }
}

/// Pieces that random and mutated inputs are made of: JSON tokens, near-misses and junk.
const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\"a\"",
    "\"\\\"",
    "\\",
    "\\u",
    "\\ud800",
    "\\udc00",
    "\\u0041",
    "\\x",
    "\\n",
    "0",
    "1",
    "9",
    "01",
    "-",
    "+",
    ".",
    "e",
    "E",
    "1e999",
    "true",
    "false",
    "null",
    "tru",
    "NaN",
    "Infinity",
    " ",
    "\n",
    "\t",
    "\r",
    "\u{c}",
    "\u{a0}",
    "/",
    "//",
    "/*",
    "*/",
    "'",
    "\u{0}",
    "\u{1f}",
    "é",
    "\u{feff}",
    "\u{2028}",
    "\u{1F600}",
    "x",
    "a",
];

fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(PIECES)
}

/// An edit to a text: delete a character, insert a piece, or replace a character by a piece.
#[derive(Clone, Debug)]
enum Edit {
    Delete(usize),
    Insert(usize, &'static str),
    Replace(usize, &'static str),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::Delete),
        (any::<usize>(), piece()).prop_map(|(at, p)| Edit::Insert(at, p)),
        (any::<usize>(), piece()).prop_map(|(at, p)| Edit::Replace(at, p)),
    ]
}

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<String> = text.chars().map(String::from).collect();
    for e in edits {
        match *e {
            Edit::Delete(at) if !chars.is_empty() => {
                chars.remove(at % chars.len());
            }
            Edit::Insert(at, p) => chars.insert(at % (chars.len() + 1), p.to_owned()),
            Edit::Replace(at, p) if !chars.is_empty() => {
                let n = chars.len();
                if let Some(slot) = chars.get_mut(at % n) {
                    p.clone_into(slot);
                }
            }
            _ => {}
        }
    }
    chars.concat()
}

proptest! {
    #[test]
    fn generated_documents_read_like_serde_json(
        value in gen_value(),
        choices in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        let text = write(&value, &choices);
        let accepted = check_agreement(&text)?;
        prop_assert!(accepted, "valid document rejected: {:?}", text);
        let node = parse(&text, &Limits::default()).unwrap();
        prop_assert!(same_as_generated(&node, &value), "{:?} read as {:?}", text, node);
    }

    #[test]
    fn mutated_documents_agree_with_serde_json(
        value in gen_value(),
        choices in prop::collection::vec(any::<u8>(), 1..64),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let text = apply(&write(&value, &choices), &edits);
        check_agreement(&text)?;
    }

    #[test]
    fn documents_with_near_miss_scalars_agree_with_serde_json(
        value in gen_tree(true),
        choices in prop::collection::vec(any::<u8>(), 1..64),
    ) {
        check_agreement(&write(&value, &choices))?;
    }

    #[test]
    fn random_token_soup_agrees_with_serde_json(
        pieces in prop::collection::vec(piece(), 0..40),
    ) {
        check_agreement(&pieces.concat())?;
    }

    #[test]
    fn random_bytes_agree_with_serde_json(bytes in prop::collection::vec(any::<u8>(), 0..32)) {
        match std::str::from_utf8(&bytes) {
            Ok(text) => {
                check_agreement(text)?;
            }
            Err(utf8) => {
                let e = parse_bytes(&bytes, &Limits::default()).unwrap_err();
                prop_assert_eq!(e.span().start as usize, utf8.valid_up_to());
                prop_assert!(serde_json::from_slice::<Value>(&bytes).is_err());
            }
        }
    }
}

#[test]
fn agreement_on_hand_picked_inputs() {
    let accepted = [
        "0",
        "-0",
        "[-0.0e+00]",
        "1E400",
        "\"\\u0000\"",
        "{\"\":\"\"}",
        "[[[[[[[[[[]]]]]]]]]]",
        " \t\r\n{} \t\r\n",
        "\"\u{7f}\"",
        "\"\\ud83d\\ude00\"",
        "123456789012345678901234567890",
    ];
    for text in accepted {
        assert!(check_agreement(text).unwrap(), "{text:?}");
    }
    let rejected = [
        "",
        "[1,]",
        "{\"a\":1,}",
        "01",
        "+1",
        ".5",
        "1.",
        "NaN",
        "'a'",
        "/**/1",
        "\"\\ud800\"",
        "\"\\udc00\"",
        "\"\\ud800\\u0041\"",
        "\"\t\"",
        "\"\\a\"",
        "\u{feff}1",
        "1 1",
        "\u{a0}1",
        "[\"a\":1]",
        "{\"a\"}",
    ];
    for text in rejected {
        assert!(!check_agreement(text).unwrap(), "{text:?}");
    }
}

#[test]
fn nesting_below_the_limit_matches_serde_json() {
    let text = format!("{}{}", "[{\"k\":".repeat(30), "}]".repeat(30));
    assert!(parse(&text, &Limits::default()).is_err());
    let text = format!("{}1{}", "[{\"k\":".repeat(30), "}]".repeat(30));
    assert!(check_agreement(&text).unwrap());
}

#[test]
fn hundred_thousand_nested_arrays_are_too_deep() {
    let text = "[".repeat(100_000);
    let e = parse(&text, &Limits::default()).unwrap_err();
    assert_eq!(*e.kind(), JsonErrorKind::TooDeep { limit: 64 });
    assert_eq!(e.span(), Span::new(64, 65));
    let closed = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let e = parse(&closed, &Limits::default()).unwrap_err();
    assert_eq!(*e.kind(), JsonErrorKind::TooDeep { limit: 64 });
}

#[test]
fn hundred_thousand_nested_objects_are_too_deep() {
    let text = "{\"a\":".repeat(100_000);
    let e = parse(&text, &Limits::default()).unwrap_err();
    assert_eq!(*e.kind(), JsonErrorKind::TooDeep { limit: 64 });
    assert_eq!(e.span(), Span::new(64 * 5, 64 * 5 + 1));
}

#[test]
fn deep_nesting_with_an_unbounded_limit_does_not_overflow_the_stack() {
    // The reader keeps open containers on the heap; the limit here is effectively off.
    let limits = Limits {
        max_depth: usize::MAX,
        max_size: usize::MAX,
    };
    let text = "[".repeat(1_000_000);
    let e = parse(&text, &limits).unwrap_err();
    assert_eq!(e.to_string(), "unexpected end of input");
    assert_eq!(e.span(), Span::new(1_000_000, 1_000_000));
    assert_eq!(e.related(), Some(Span::new(999_999, 1_000_000)));
}

#[test]
fn megabyte_string_value_parses() {
    let big = "x".repeat(1_000_000);
    let text = format!("{{\"a\":\"{big}\"}}");
    let node = parse(&text, &Limits::default()).unwrap();
    let JsonValue::Object(members) = &node.value else {
        panic!("not an object")
    };
    assert_eq!(members[0].value.value, JsonValue::String(big));
    assert_eq!(members[0].value.span, Span::new(5, 1_000_007));
}

#[test]
fn megabyte_number_is_kept_as_text() {
    let digits = format!("1{}", "0".repeat(999_999));
    let node = parse(&digits, &Limits::default()).unwrap();
    assert_eq!(node.value, JsonValue::Number(digits));
    assert_eq!(node.span, Span::new(0, 1_000_000));
}

#[test]
fn ten_megabytes_are_too_large() {
    let text = format!("[{}1]", "1,".repeat(5 << 20));
    let e = parse(&text, &Limits::default()).unwrap_err();
    assert_eq!(
        *e.kind(),
        JsonErrorKind::TooLarge {
            size: text.len(),
            limit: Limits::DEFAULT_MAX_SIZE
        }
    );
    let e = parse_bytes(text.as_bytes(), &Limits::default()).unwrap_err();
    assert!(matches!(e.kind(), JsonErrorKind::TooLarge { .. }));
}

#[test]
fn invalid_utf8_is_located() {
    let mut bytes = br#"{"Statement": [{"Sid": "ok"}, {"Sid": ""#.to_vec();
    let at = bytes.len();
    bytes.extend_from_slice(b"\xed\xa0\x80\"}]}"); // an encoded surrogate: not UTF-8
    let e = parse_bytes(&bytes, &Limits::default()).unwrap_err();
    assert_eq!(e.to_string(), "invalid UTF-8");
    assert_eq!(e.span().start as usize, at);
    assert_eq!(e.span().end as usize, at + 1);
}

#[test]
fn raw_nul_in_a_string_is_rejected() {
    let e = parse("{\"a\":\"x\0y\"}", &Limits::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "unescaped control character U+0000 in string"
    );
    assert_eq!(e.span(), Span::new(7, 8));
    assert!(serde_json::from_str::<Value>("{\"a\":\"x\0y\"}").is_err());
}

#[test]
fn huge_exponent_is_accepted_as_text() {
    let node = parse("{\"n\": 1e999999}", &Limits::default()).unwrap();
    let JsonValue::Object(members) = &node.value else {
        panic!("not an object")
    };
    assert_eq!(members[0].value.value, JsonValue::Number("1e999999".into()));
    assert_eq!(members[0].value.span, Span::new(6, 14));
}

#[test]
fn duplicate_key_after_many_keys_is_found() {
    let mut text: String = (0..100_000).map(|i| format!("\"k{i}\":0,")).collect();
    text.insert(0, '{');
    text.push_str("\"k77777\":1}");
    let limits = Limits {
        max_size: usize::MAX,
        ..Limits::default()
    };
    let e = parse(&text, &limits).unwrap_err();
    assert_eq!(
        *e.kind(),
        JsonErrorKind::DuplicateKey {
            key: "k77777".into()
        }
    );
    let first = text.find("\"k77777\"").unwrap();
    assert_eq!(e.related(), Some(Span::from_usize(first, first + 8)));
    assert_eq!(e.span(), Span::from_usize(text.len() - 11, text.len() - 3));
}
