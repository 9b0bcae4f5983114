//! Grouped pattern matching against one pattern at a time: random lists of many patterns that
//! share prefixes, suffixes and inner literals (plain wildcards, ARN patterns, policy variables
//! with and without defaults, `${*}`-style fixed variables), and request texts made from those
//! patterns (so that matches are frequent), decided by the engine, where a list of eight or more
//! values is indexed and matched together (`engine/index.rs`: keyed prefixes and suffixes,
//! inner keys pinned and gated by a byte, `WildcardSet`s, lead groups of templates, resolved
//! templates, ARN groups), and checked against:
//!
//! - each pattern alone: the one-pattern matcher ([`Wildcard::is_match`] for a plain
//!   `StringLike` pattern, the unindexed condition evaluator on a one-value list otherwise),
//!   combined by the documented set-operator rules into the condition's truth, and so into the
//!   decision;
//! - the naive reference evaluator, the policy compiled and through a live store
//!   ([`differential::check_evaluate_case`]).
//!
//! Shared by the `pattern_set` fuzz target (which includes this file by path with the reference
//! and the scenario `Source`), the property test `pattern_sets_agree_with_one_pattern_at_a_time`
//! and the replay of saved inputs (`fuzz/regressions/pattern_set/*.json`, each a [`SetCase`]
//! as JSON).

#![allow(
    dead_code,
    reason = "the fuzz target uses the generator and the check, the replay only the check"
)]

use iam_policy::unstable::evaluate_entry;
use iam_policy::{
    ContextScalar, ContextValue, Decision, PolicyType, Truth, Wildcard, parse_policy,
};
use serde_json::{Value, json};

use super::differential;
use super::scenario::Source;

/// One generated case: a condition (or a `Resource` / `NotResource` list) of many patterns and
/// the request texts it is tested on.
#[derive(Clone, Debug, PartialEq)]
pub struct SetCase {
    /// `Condition` (an operator over the context key `app:k`), `Resource` or `NotResource`.
    pub element: String,
    /// The condition operator with its qualifier (`ForAnyValue:StringNotLike`); empty for
    /// `Resource` and `NotResource`.
    pub operator: String,
    /// The policy values.
    pub patterns: Vec<String>,
    /// The request values of `app:k` (for `Resource`, `NotResource`: the requested resource,
    /// the first).
    pub texts: Vec<String>,
    /// Whether `app:k` is single-valued (the first text) rather than a list.
    pub single: bool,
    /// The principal tags of the request (`aws:PrincipalTag/<name>`).
    pub tags: Vec<(String, String)>,
    /// Whether the statement is a `Deny` (under an `Allow` of everything) rather than an
    /// `Allow`.
    pub deny: bool,
}

impl SetCase {
    /// The case as JSON (the saved reproducer's form).
    pub fn to_json(&self) -> String {
        json!({
            "element": self.element,
            "operator": self.operator,
            "patterns": self.patterns,
            "texts": self.texts,
            "single": self.single,
            "tags": self.tags.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            "deny": self.deny,
        })
        .to_string()
    }

    /// A case read back from [`SetCase::to_json`]'s form.
    pub fn from_json(text: &str) -> Option<Self> {
        let v: Value = serde_json::from_str(text).ok()?;
        let strings = |v: &Value| -> Option<Vec<String>> {
            v.as_array()?
                .iter()
                .map(|s| s.as_str().map(str::to_owned))
                .collect()
        };
        Some(Self {
            element: v["element"].as_str()?.to_owned(),
            operator: v["operator"].as_str()?.to_owned(),
            patterns: strings(&v["patterns"])?,
            texts: strings(&v["texts"])?,
            single: v["single"].as_bool()?,
            tags: v["tags"]
                .as_array()?
                .iter()
                .map(|pair| Some((pair[0].as_str()?.to_owned(), pair[1].as_str()?.to_owned())))
                .collect::<Option<_>>()?,
            deny: v["deny"].as_bool()?,
        })
    }
}

/// Literal pieces the patterns share (so that keys collide): ASCII, a two-byte character, upper
/// case for the `…IgnoreCase` operators, separators of ARN resource parts.
const LITERALS: &[&str] = &[
    "ab", "cd", "abc", "b", "x", "1", "12", "-", "/", "é", "AB", "a/b", "y", "2", "cdx", "Éa",
];
/// What a `?` or a `*` of a pattern is filled with when a text is made from it.
const FILL: &[&str] = &["", "a", "x", "1", "é", "/", "ab", "cd", "y", "-", "2", "z"];
/// [`FILL`] without the non-ASCII character.
const FILL_ASCII: &[&str] = &["", "a", "x", "1", "b", "/", "ab", "cd", "y", "-", "2", "z"];
/// Bytes a gated pattern needs after its key (two or more in a list: several gates).
const GATE_BYTES: &[&str] = &["x", "y", "z", "1"];
/// The principal tags patterns name (`t0`, `t1`, `t2`).
const TAGS: usize = 3;
/// Values of the principal tags.
const TAG_VALUES: &[&str] = &["ab", "cd", "x", "", "a*b", "é", "AB", "12"];

/// The five leading components of ARN patterns (a list mostly shares one).
const ARN_LEADS: &[&str] = &[
    "arn:aws:s3:::",
    "arn:aws:s3:::",
    "arn:aws:sqs:us-east-1:111122223333:",
    "arn:aws:s*:::",
    "arn:aws:*:*:*:",
    "arn:aws:sqs:us-*:1111*:",
    "arn:aws:s?s:us-east-1:111122223333:",
    "arn:aws:sqs:*:111122223333:",
];

/// A policy variable naming principal tag `tag`, with a default of literal text or without.
fn variable(src: &mut impl Source, tag: usize) -> String {
    match src.pick(4) {
        0 => format!("${{aws:PrincipalTag/t{tag}, '{}'}}", pick(src, TAG_VALUES)),
        1 => ["${*}", "${?}", "${$}"][src.pick(3)].to_owned(),
        _ => format!("${{aws:PrincipalTag/t{tag}}}"),
    }
}

fn pick<'a>(src: &mut impl Source, list: &[&'a str]) -> &'a str {
    list[src.pick(list.len())]
}

/// A few random tokens: literals, `*`, `?`, and (with `vars`) policy variables.
fn tokens(src: &mut impl Source, most: usize, vars: bool) -> String {
    let mut out = String::new();
    for _ in 0..src.pick(most + 1) {
        match src.pick(if vars { 6 } else { 5 }) {
            0 | 1 => out.push_str(pick(src, LITERALS)),
            2 => out.push('*'),
            3 => out.push('?'),
            4 => out.push_str("*?"),
            _ => {
                let tag = src.pick(TAGS);
                out.push_str(&variable(src, tag));
            }
        }
    }
    out
}

/// One list of patterns sharing literals: one or two of the shapes the index treats apart,
/// the literals drawn once per list.
fn patterns(src: &mut impl Source, arn: bool) -> Vec<String> {
    let n = match src.pick(5) {
        0 => 1 + src.pick(7),
        _ => 8 + src.pick(33),
    };
    // Half the lists hold one shape only (every pattern pinned and gated, say), the others
    // mix two.
    let first = src.pick(8);
    let shapes = [first, if src.pick(2) == 0 { first } else { src.pick(8) }];
    let prefix = format!("{}{}", pick(src, LITERALS), pick(src, &["", "-", "/", "1"]));
    let suffix = format!("{}{}", pick(src, &["", ".", "/"]), pick(src, LITERALS));
    let (k1, k2) = (pick(src, LITERALS), pick(src, LITERALS));
    let lead_text = pick(src, LITERALS);
    let lead_tag = src.pick(TAGS);
    let lead_var = variable(src, lead_tag);
    let arn_lead = pick(src, ARN_LEADS);
    // The bytes the list's gated patterns need after their keys: one to all four.
    let gates = &GATE_BYTES[src.pick(GATE_BYTES.len())..];
    (0..n)
        .map(|i| {
            let shape = shapes[usize::from(src.pick(3) == 0)];
            let text = match shape {
                // Keyed by a prefix.
                0 => format!("{prefix}{}", tokens(src, 3, false)),
                // Keyed by a suffix.
                1 => format!("{}{suffix}", tokens(src, 3, false)),
                // Shared literals, different gaps (one `WildcardSet`).
                2 => format!(
                    "{}{k1}{}{}{k2}{}",
                    pick(src, &["*", "", "?", "*?"]),
                    "?".repeat(src.pick(12)),
                    pick(src, &["", "*", "?*", "*é"]),
                    pick(src, &["*", "", "?", "é*", "*d"])
                ),
                // Pinned to an inner key, checks gated by a byte after it.
                3 => format!(
                    "{}{k1}{}{}{}{}",
                    pick(
                        src,
                        &["*", "*?", "*1", "*", "*", "*é", "1*", "?*", "", "*x*"]
                    ),
                    i % 13,
                    pick(src, &["?", "", "??", "?x?", "?"]),
                    pick(src, gates),
                    pick(src, &["*", "*?", "*x", "**", "*2*", "*x*é?*", ""])
                ),
                // Templates sharing their lead text and first variable (a lead group).
                4 => format!("{lead_text}{lead_var}{}", tokens(src, 3, true)),
                // A variable of its own per value, no wildcard (resolved once per decision).
                5 => match src.pick(3) {
                    0 => format!("${{aws:PrincipalTag/t{}, 'v{i}'}}", i % TAGS),
                    1 => format!("p-${{aws:PrincipalTag/t{}}}", i % TAGS),
                    _ => format!("{}{}", pick(src, LITERALS), pick(src, LITERALS)),
                },
                // Anything.
                6 => tokens(src, 5, true),
                // Literal text.
                _ => format!("{k1}{i}{}", pick(src, LITERALS)),
            };
            if arn {
                let lead = if src.pick(5) == 0 {
                    pick(src, ARN_LEADS)
                } else {
                    arn_lead
                };
                format!("{lead}{text}")
            } else {
                text
            }
        })
        .collect()
}

/// Concrete values of an ARN's service, region and account components.
const ARN_COMPONENTS: [&[&str]; 3] = [
    &["s3", "sqs", "sns"],
    &["us-east-1", "us-west-2", ""],
    &["111122223333", "111144445555", ""],
];

/// A text the pattern matches or nearly matches ([`text_from`]); for an ARN pattern, its
/// first five components made concrete and its resource part as a text.
fn request_text(
    src: &mut impl Source,
    pattern: &str,
    tags: &[(String, String)],
    ascii: bool,
) -> String {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let [arn, partition, rest @ .., resource] = parts.as_slice() else {
        return text_from(src, pattern, tags, ascii);
    };
    if *arn != "arn" || rest.len() != 3 {
        return text_from(src, pattern, tags, ascii);
    }
    let mut out = format!("arn:{partition}");
    for (component, values) in rest.iter().zip(ARN_COMPONENTS) {
        out.push(':');
        if component.contains(['*', '?']) {
            out.push_str(pick(src, values));
        } else {
            out.push_str(component);
        }
    }
    out.push(':');
    out.push_str(&text_from(src, resource, tags, ascii));
    out
}

/// A text the pattern matches or nearly matches: each `*` and `?` filled, each variable
/// replaced by its value (or default, or something else), then sometimes changed a little;
/// with `ascii`, wildcards are filled with ASCII text only (gated checks need ASCII text).
fn text_from(
    src: &mut impl Source,
    pattern: &str,
    tags: &[(String, String)],
    ascii: bool,
) -> String {
    let fill = if ascii { FILL_ASCII } else { FILL };
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if let Some(after) = rest.strip_prefix("${") {
            let Some((body, tail)) = after.split_once('}') else {
                out.push_str(rest);
                break;
            };
            rest = tail;
            let (name, default) = match body.split_once(',') {
                Some((n, d)) => (n.trim(), Some(d.trim().trim_matches('\''))),
                None => (body.trim(), None),
            };
            let value = match name {
                "*" | "?" | "$" => Some(name),
                _ => name
                    .strip_prefix("aws:PrincipalTag/")
                    .and_then(|t| tags.iter().find(|(k, _)| k == t))
                    .map(|(_, v)| v.as_str())
                    .or(default),
            };
            match value {
                Some(v) if src.pick(6) != 0 => out.push_str(v),
                _ => out.push_str(pick(src, TAG_VALUES)),
            }
            continue;
        }
        let mut chars = rest.chars();
        chars.next();
        rest = chars.as_str();
        match c {
            '*' => match src.pick(6) {
                0 => {
                    // A long run: texts over 64 characters, keys at many positions.
                    let piece = pick(src, fill);
                    for _ in 0..src.pick(40) {
                        out.push_str(piece);
                        out.push_str(pick(src, &["", "", "x", "1"]));
                    }
                }
                _ => {
                    for _ in 0..src.pick(3) {
                        out.push_str(pick(src, fill));
                    }
                }
            },
            '?' if ascii => out.push(['a', 'x', 'z', '1', '/', 'y', 'Z'][src.pick(7)]),
            '?' => out.push(['a', 'x', 'é', '1', '/', 'y', 'Z'][src.pick(7)]),
            c => out.push(c),
        }
    }
    mutate(src, &out)
}

/// Sometimes a small change: a character dropped, added or changed in case, the text cut.
fn mutate(src: &mut impl Source, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let at = src.pick(chars.len() + 1);
    match src.pick(8) {
        0 if at < chars.len() => {
            chars.remove(at);
        }
        1 => chars.insert(at, ['a', 'x', 'é', '1', '?', '*'][src.pick(6)]),
        2 if at < chars.len() => {
            let c = chars[at];
            chars[at] = if c.is_lowercase() {
                c.to_uppercase().next().unwrap_or(c)
            } else {
                c.to_lowercase().next().unwrap_or(c)
            };
        }
        3 => chars.truncate(at),
        _ => {}
    }
    chars.into_iter().collect()
}

/// The operators whose values are String patterns or texts, and the ARN ones.
const STRING_OPERATORS: &[&str] = &[
    "StringLike",
    "StringNotLike",
    "StringLike",
    "StringNotLike",
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
];
const ARN_OPERATORS: &[&str] = &["ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals"];

/// A random case.
pub fn generate(src: &mut impl Source) -> SetCase {
    let element = [
        "Condition",
        "Condition",
        "Condition",
        "Resource",
        "NotResource",
    ][src.pick(5)];
    let condition = element == "Condition";
    let arn = !condition || src.pick(3) == 0;
    let operator = if condition {
        let base = if arn {
            pick(src, ARN_OPERATORS)
        } else {
            pick(src, STRING_OPERATORS)
        };
        match src.pick(3) {
            0 => base.to_owned(),
            1 => format!("ForAnyValue:{base}"),
            _ => format!("ForAllValues:{base}"),
        }
    } else {
        String::new()
    };
    let patterns = patterns(src, arn);
    let mut tags: Vec<(String, String)> = Vec::new();
    for t in 0..TAGS {
        if src.pick(4) != 0 {
            tags.push((format!("t{t}"), pick(src, TAG_VALUES).to_owned()));
        }
    }
    // One value for an unqualified operator and for the resource; a list under a qualifier.
    let single = !operator.contains(':');
    let count = if single { 1 } else { src.pick(5) };
    let texts = (0..count)
        .map(|_| {
            let from = &patterns[src.pick(patterns.len())];
            let ascii = src.pick(3) != 0;
            request_text(src, from, &tags, ascii)
        })
        .collect();
    SetCase {
        element: element.to_owned(),
        operator,
        patterns,
        texts,
        single,
        tags,
        deny: src.pick(3) == 0,
    }
}

/// The policy of a case: an `Allow` with the element, or an `Allow` of everything and a `Deny`
/// with it.
fn policy(case: &SetCase) -> Value {
    let mut statement =
        json!({"Effect": if case.deny { "Deny" } else { "Allow" }, "Action": "s3:GetObject"});
    match case.element.as_str() {
        "Condition" => {
            statement["Resource"] = json!("*");
            statement["Condition"] = json!({ case.operator.as_str(): { "app:k": case.patterns } });
        }
        element => statement[element] = json!(case.patterns),
    }
    let mut statements = vec![statement];
    if case.deny {
        statements.insert(
            0,
            json!({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        );
    }
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// The decision case line of `case` (`fixtures/cases` format).
pub fn case_line(case: &SetCase) -> String {
    let mut context = serde_json::Map::new();
    for (tag, value) in &case.tags {
        context.insert(format!("aws:PrincipalTag/{tag}"), json!(value));
    }
    let resource = if case.element == "Condition" {
        context.insert(
            "app:k".to_owned(),
            if case.single {
                json!(case.texts.first().cloned().unwrap_or_default())
            } else {
                json!(case.texts)
            },
        );
        "arn:aws:s3:::bucket/key".to_owned()
    } else {
        case.texts.first().cloned().unwrap_or_default()
    };
    json!({
        "name": "pattern-set",
        // Not read: the check compares the engine with the reference and the patterns.
        "expect": "ImplicitDeny",
        "policies": {"identity": [policy(case)]},
        "request": {
            "principal": ALICE,
            "action": "s3:GetObject",
            "resource": resource,
            "context": context,
        },
    })
    .to_string()
}

/// The condition entry of `operator` over `values`, as a policy holds it.
fn entry(operator: &str, values: &[String]) -> Option<iam_policy::policy::ConditionEntry> {
    let doc = json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*",
        "Resource": "*", "Condition": { operator: { "app:k": values } }}});
    let policy = parse_policy(&doc.to_string(), PolicyType::Identity).ok()?;
    policy.statements().first()?.conditions().first().cloned()
}

/// The condition's truth from each pattern alone: `Some(true)`/`Some(false)`, `None` when some
/// pattern alone is unknown (then only the reference decides).
fn truth_one_by_one(case: &SetCase) -> Option<bool> {
    let (qualifier, base) = match case.operator.split_once(':') {
        Some((q, b)) => (Some(q), b),
        None => (None, case.operator.as_str()),
    };
    let (positive, negated) = match base {
        "StringNotLike" => ("StringLike", true),
        "StringNotEquals" => ("StringEquals", true),
        "StringNotEqualsIgnoreCase" => ("StringEqualsIgnoreCase", true),
        "ArnNotLike" => ("ArnLike", true),
        "ArnNotEquals" => ("ArnEquals", true),
        other => (other, false),
    };
    let tags = &case.tags;
    let resolve = |key: &str| -> Option<&str> {
        let tag = key
            .get(..17)
            .filter(|p| p.eq_ignore_ascii_case("aws:PrincipalTag/"))
            .and(key.get(17..))?;
        tags.iter().find(|(k, _)| k == tag).map(|(_, v)| v.as_str())
    };
    let entries: Vec<_> = case
        .patterns
        .iter()
        .map(|p| entry(positive, std::slice::from_ref(p)))
        .collect::<Option<_>>()?;
    // Whether some pattern alone matches `text`.
    let matches_any = |text: &str| -> Option<bool> {
        let value = ContextValue::Single(ContextScalar::String(text.to_owned()));
        let mut any = false;
        for (pattern, entry) in case.patterns.iter().zip(&entries) {
            let alone = match evaluate_entry(entry, Some(&value), resolve) {
                Truth::True => true,
                Truth::False => false,
                Truth::Unknown(_) => return None,
            };
            if positive == "StringLike" && !pattern.contains('$') {
                assert_eq!(
                    Wildcard::new(pattern).is_match(text),
                    alone,
                    "the condition evaluator and the wildcard matcher differ on {pattern:?}, {text:?}"
                );
            }
            any |= alone;
        }
        Some(any)
    };
    let texts: &[String] = if case.single {
        case.texts.get(..1).unwrap_or_default()
    } else {
        &case.texts
    };
    let each: Vec<bool> = texts
        .iter()
        .map(|t| matches_any(t).map(|m| m != negated))
        .collect::<Option<_>>()?;
    Some(match qualifier {
        Some("ForAllValues") => each.iter().all(|&b| b),
        // `ForAnyValue:` and a single value.
        _ => each.iter().any(|&b| b),
    })
}

/// The caller of every case.
const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

thread_local! {
    /// One request buffer for every case of a thread, so that each request reuses what the
    /// previous one left (as a server's worker does).
    static BUFFER: std::cell::RefCell<iam_policy::RequestBuffer> =
        std::cell::RefCell::new(iam_policy::RequestBuffer::new());
}

/// The decision of a store holding the case's policy for a request made in the thread's
/// [`BUFFER`] (the server's path); `None` when the request is refused.
fn buffered_decision(case: &SetCase) -> Option<Decision> {
    let store = iam_policy::PolicyStore::new();
    let text = policy(case).to_string();
    // A policy the engine refuses is refused here too (else the decisions differ below).
    store
        .set_principal_policies(ALICE, &[text.as_str()], None)
        .ok()?;
    let condition = case.element == "Condition";
    let first = case.texts.first().map_or("", String::as_str);
    let resource = if condition {
        "arn:aws:s3:::bucket/key"
    } else {
        first
    };
    let tags: Vec<(String, &str)> = case
        .tags
        .iter()
        .map(|(tag, value)| (format!("aws:PrincipalTag/{tag}"), value.as_str()))
        .collect();
    BUFFER.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        let mut request = buffer
            .request()
            .principal(ALICE)
            .action("s3:GetObject")
            .resource(resource);
        for (key, value) in &tags {
            request = request.context_string(key, value);
        }
        if condition {
            request = if case.single {
                request.context_string("app:k", first)
            } else {
                request.context_strings("app:k", case.texts.iter().map(String::as_str))
            };
        }
        let prepared = request.prepare().ok()?;
        Some(store.evaluate_prepared(prepared).decision())
    })
}

/// Checks one case (panics on a difference): the engine, the store (with the request built
/// or made in a reused buffer) and the reference decide alike, and, for a condition, as each
/// pattern alone says.
pub fn check(case: &SetCase) {
    let line = case_line(case);
    let decision = differential::check_evaluate_case(&line, false);
    assert_eq!(
        buffered_decision(case),
        decision,
        "the store decides otherwise for a request made in a buffer: {}",
        case.to_json()
    );
    let Some(decision) = decision else {
        return;
    };
    if case.element != "Condition" {
        return;
    }
    let Some(holds) = truth_one_by_one(case) else {
        return;
    };
    let want = match (case.deny, holds) {
        (false, true) | (true, false) => Decision::Allow,
        (false, false) => Decision::ImplicitDeny,
        (true, true) => Decision::ExplicitDeny,
    };
    assert_eq!(
        decision,
        want,
        "the list decides otherwise than its patterns one at a time: {}",
        case.to_json()
    );
}

/// [`check`] of a saved reproducer ([`SetCase::to_json`]'s form).
pub fn check_json(data: &[u8]) {
    let text = std::str::from_utf8(data).expect("a saved case is UTF-8");
    let case = SetCase::from_json(text).unwrap_or_else(|| panic!("not a saved case: {text}"));
    check(&case);
}
