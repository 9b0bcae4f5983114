//! Invariants shared by the fuzz targets (`fuzz/fuzz_targets/*.rs` include this file by path)
//! and the replay test of saved fuzz inputs (`tests/it/fuzz_replay.rs`). Each function panics
//! when an invariant breaks.
#![allow(
    dead_code,
    reason = "each fuzz target includes this whole file and uses one or two checks"
)]

use iam_policy::Wildcard;
use iam_policy::lint::{LintOptions, lint_text};
use iam_policy::unstable::json::{self, JsonErrorKind, JsonValue, Limits, Node};
use iam_policy::{LineIndex, PolicyType, Span, parse_policy};

/// Our JSON value as a serde_json value (numbers through serde_json's own number reader).
fn to_serde(node: &Node) -> Option<serde_json::Value> {
    Some(match &node.value {
        JsonValue::Null => serde_json::Value::Null,
        JsonValue::Bool(b) => serde_json::Value::Bool(*b),
        JsonValue::Number(text) => serde_json::from_str(text).ok()?,
        JsonValue::String(s) => serde_json::Value::String(s.clone()),
        JsonValue::Array(items) => {
            serde_json::Value::Array(items.iter().map(to_serde).collect::<Option<_>>()?)
        }
        JsonValue::Object(members) => serde_json::Value::Object(
            members
                .iter()
                .map(|m| Some((m.key.clone(), to_serde(&m.value)?)))
                .collect::<Option<_>>()?,
        ),
    })
}

/// Every span lies inside `text` and on character boundaries.
pub fn assert_span(text: &str, span: Span) {
    assert!(span.start <= span.end, "span {span} is reversed");
    assert!(
        span.slice(text).is_some(),
        "span {span} is outside the text ({} bytes) or off a character boundary",
        text.len()
    );
}

/// Our JSON reader agrees with serde_json outside duplicate keys and the depth limit.
pub fn check_json(data: &[u8]) {
    let ours = json::parse_bytes(data, &Limits::default());
    let Ok(text) = std::str::from_utf8(data) else {
        assert!(ours.is_err(), "accepted invalid UTF-8");
        return;
    };
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    match (&ours, &theirs) {
        (Err(e), _)
            if matches!(
                e.kind(),
                JsonErrorKind::DuplicateKey { .. } | JsonErrorKind::TooDeep { .. }
            ) => {}
        (Ok(_), Err(e)) if e.to_string().contains("number out of range") => {}
        (Ok(node), Ok(value)) => {
            assert_span(text, node.span);
            if let Some(ours) = to_serde(node) {
                assert_eq!(&ours, value, "values differ for {text:?}");
            }
        }
        (Err(e), Err(_)) => {
            assert_span(text, e.span());
        }
        (Ok(_), Err(e)) => panic!("we accept, serde_json rejects ({e}): {text:?}"),
        (Err(e), Ok(_)) => panic!("we reject ({e}), serde_json accepts: {text:?}"),
    }
}

/// Parsing never panics; every error is located inside the text; an accepted policy prints
/// and parses back equal.
pub fn check_parse_policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let index = LineIndex::new(text);
    for &ty in PolicyType::ALL {
        match parse_policy(text, ty) {
            Err(errors) => {
                assert!(!errors.is_empty());
                for e in &errors {
                    assert_span(text, e.span());
                    assert_eq!(e.line_col(), index.line_col(text, e.span().start), "{e}");
                    if let Some(r) = e.related() {
                        assert_span(text, r);
                    }
                }
            }
            Ok(policy) => {
                for printed in [policy.to_json(), policy.to_json_pretty()] {
                    let again = parse_policy(&printed, ty).unwrap_or_else(|e| {
                        panic!("printed policy does not parse ({e}): {printed}")
                    });
                    assert_eq!(policy, again, "round trip changed the policy: {printed}");
                }
            }
        }
    }
}

/// Linting never panics, for a detected type and for every policy type, and every finding is
/// located inside the text with the right line:column.
pub fn check_lint(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let index = LineIndex::new(text);
    let types = std::iter::once(None).chain(PolicyType::ALL.iter().copied().map(Some));
    for policy_type in types {
        let report = lint_text(text, &LintOptions { policy_type });
        if let Some(ty) = policy_type {
            assert_eq!(report.policy_type, ty);
        }
        for f in &report.findings {
            assert_span(text, f.span);
            assert_eq!(f.start, index.line_col(text, f.span.start), "{}", f.code);
            assert_eq!(f.end, index.line_col(text, f.span.end), "{}", f.code);
            assert!(!f.message.is_empty(), "{}: empty message", f.code);
        }
        let mut sorted = report.findings.clone();
        sorted.sort_by_key(|f| (f.span.start, f.span.end));
        assert_eq!(
            sorted.iter().map(|f| f.span).collect::<Vec<_>>(),
            report.findings.iter().map(|f| f.span).collect::<Vec<_>>(),
            "findings are in document order"
        );
    }
}

/// The wildcard matcher agrees with a regex built from the pattern.
pub fn check_wildcard(pattern: &str, text: &str) {
    let mut re = String::from("(?s)^");
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    let oracle = regex::Regex::new(&re).expect("escaped pattern compiles");
    let w = Wildcard::new(pattern);
    assert_eq!(
        w.is_match(text),
        oracle.is_match(text),
        "pattern {pattern:?} on {text:?}"
    );
    check_wildcard_list(pattern, text);
}

/// A `ForAnyValue:StringLike` list of ten patterns that share `pattern`'s literals and differ
/// in the `?` run added after its first wildcard (so the engine matches them together, as a
/// set): the decision is the one of some list holding one of them alone (matched by the
/// one-pattern matcher).
pub fn check_wildcard_list(pattern: &str, text: &str) {
    if pattern.contains('$') {
        // A policy variable: not a plain pattern.
        return;
    }
    let at = pattern.find(['*', '?']).unwrap_or(pattern.len());
    let (head, tail) = pattern.split_at(at);
    let patterns: Vec<String> = (0..10)
        .map(|k| format!("{head}{}{tail}", "?".repeat(k)))
        .collect();
    let Ok(request) = iam_policy::Request::builder()
        .principal("arn:aws:iam::111122223333:user/alice")
        .action("s3:GetObject")
        .resource("arn:aws:s3:::b/k")
        .context_value(
            "app:k",
            iam_policy::ContextValue::Single(iam_policy::ContextScalar::String(text.to_owned())),
        )
        .build()
    else {
        return;
    };
    let allows = |list: &[String]| {
        let values = serde_json::Value::from(list.to_vec()).to_string();
        let doc = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"ForAnyValue:StringLike":{{"app:k":{values}}}}}}}}}"#
        );
        let policy = parse_policy(&doc, PolicyType::Identity).ok()?;
        let mut set = iam_policy::PolicySet::new();
        set.add(iam_policy::PolicyKind::Identity, policy);
        Some(set.compile().evaluate(&request).decision() == iam_policy::Decision::Allow)
    };
    let Some(got) = allows(&patterns) else {
        return;
    };
    let want = patterns
        .iter()
        .any(|p| allows(std::slice::from_ref(p)) == Some(true));
    assert_eq!(got, want, "patterns {patterns:?} on {text:?}");
}

/// Whether `p` alone allows `req` by the engine's trace: some `Allow` applies, no `Deny` does.
fn policy_allows(p: &iam_policy::Policy, req: &iam_policy::Request) -> bool {
    let mut set = iam_policy::PolicySet::new();
    set.add(iam_policy::PolicyKind::Resource, p.clone());
    let ex = set.compile().explain(req);
    let applies = |e| ex.statements().iter().any(|t| t.applies && t.effect == e);
    applies(iam_policy::Effect::Allow) && !applies(iam_policy::Effect::Deny)
}

/// Analysis: two policies separated by the first NUL byte (or one policy compared with
/// itself). No panic; every witness is a request the new policy allows and the existing one
/// does not; a policy never grants new access against itself; public-access witnesses are
/// allowed by the policy.
pub fn check_analysis(data: &[u8]) {
    use iam_policy::analysis::{diff, no_new_access, no_public_access};
    let (a, b) = match data.iter().position(|&c| c == 0) {
        Some(i) => (
            data.get(..i).unwrap_or_default(),
            data.get(i + 1..).unwrap_or_default(),
        ),
        None => (data, data),
    };
    let (Ok(a), Ok(b)) = (std::str::from_utf8(a), std::str::from_utf8(b)) else {
        return;
    };
    for ty in [PolicyType::Identity, PolicyType::Resource] {
        let (Ok(old), Ok(new)) = (parse_policy(a, ty), parse_policy(b, ty)) else {
            continue;
        };
        if old.statements().len() + new.statements().len() > 12 {
            continue;
        }
        let r = no_new_access(&old, &new, ty);
        for f in &r.findings {
            let req = f.witness.to_request().expect("a witness builds");
            assert!(policy_allows(&new, &req), "new must allow {}", f.witness);
            assert!(
                !policy_allows(&old, &req),
                "existing must not allow {}",
                f.witness
            );
        }
        assert_eq!(
            r.is_pass(),
            r.findings.is_empty() && r.cannot_prove.is_empty()
        );
        let same = no_new_access(&new, &new, ty);
        assert!(
            same.findings.is_empty(),
            "a policy grants nothing new against itself"
        );
        let _ = diff(&old, &new, ty);
        if ty == PolicyType::Resource
            && let Some(p) = no_public_access(&new, "AWS::S3::Bucket")
        {
            for f in &p.findings {
                let req = f.witness.to_request().expect("a witness builds");
                assert!(policy_allows(&new, &req), "public witness {}", f.witness);
            }
        }
    }
}
