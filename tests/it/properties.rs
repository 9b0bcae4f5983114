//! Property tests of the whole pipeline (policy text → `parse_policy` → `PolicySet` →
//! `evaluate`/`explain`), and differential tests against the naive reference evaluator in
//! `support/reference.rs`.
//!
//! Case counts come from `PROPTEST_CASES` (default 256). Failures are persisted in
//! `proptest-regressions/` (committed).

use std::fmt::Write as _;
use std::path::Path;

use crate::support::differential;

/// Every line of every `fixtures/cases/*.jsonl`, with `file:line`.
fn fixture_cases() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cases");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let short = file.file_name().unwrap().to_string_lossy().into_owned();
        for (n, line) in std::fs::read_to_string(&file).unwrap().lines().enumerate() {
            if !line.trim().is_empty() {
                out.push((format!("{short}:{}", n + 1), line.to_owned()));
            }
        }
    }
    out
}

#[test]
fn reference_agrees_with_engine_on_every_fixture_case() {
    let cases = fixture_cases();
    assert!(cases.len() >= 600, "only {} cases", cases.len());
    let mut disagreements = String::new();
    let mut count = 0;
    let mut decided = 0;
    for (at, line) in &cases {
        let outcome = std::panic::catch_unwind(|| differential::check_evaluate_case(line, false));
        if let Ok(decision) = &outcome {
            decided += usize::from(decision.is_some());
        }
        if let Err(payload) = outcome {
            count += 1;
            let name = serde_json::from_str::<serde_json::Value>(line).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_owned();
            let message = payload
                .downcast_ref::<String>()
                .cloned()
                .unwrap_or_default();
            let message = message.split(": {").next().unwrap_or_default();
            writeln!(disagreements, "{at} {name}: {message}").unwrap();
        }
    }
    assert!(
        count == 0,
        "{count} of {} cases:\n{disagreements}",
        cases.len()
    );
    // Only the `"expect": "Error"` cases have no decision.
    let errors = cases
        .iter()
        .filter(|(_, l)| l.contains(r#""expect": "Error""#))
        .count();
    assert_eq!(decided + errors, cases.len());
    assert!(decided >= 600, "only {decided} decided");
}

// ---------------------------------------------------------------------------------------------
// Random scenarios: the engine against the reference
// ---------------------------------------------------------------------------------------------

mod random {
    use proptest::prelude::*;

    use crate::support::differential;
    use crate::support::scenario::{Bytes, case_line, lcg_bytes};

    #[test]
    fn scenarios_are_mostly_decidable() {
        // The generator writes valid policies; only requests it cannot build would be refused.
        let mut decided = 0;
        for seed in 0..500 {
            let line = case_line(&mut Bytes::new(&lcg_bytes(seed, 400)));
            decided += usize::from(differential::check_evaluate_case(&line, true).is_some());
        }
        assert_eq!(decided, 500);
    }

    proptest! {
        #[test]
        fn reference_agrees_with_engine_on_random_scenarios(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            let line = case_line(&mut Bytes::new(&bytes));
            differential::check_evaluate_case(&line, true);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Known differences (reported): the reference follows the AWS documentation, the engine does
// not yet. Each case file's `expect` is the documented outcome. This test is a tripwire: when
// the engine changes, it fails, and the matching `reference::Quirks` field must go.
// ---------------------------------------------------------------------------------------------

#[test]
fn known_engine_differences_are_still_present() {
    use iam_policy::case::{Case, CaseOutcome, run_case};

    use crate::support::reference::{self, Quirks};

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions/evaluate");
    for (file, engine_today) in [
        ("scp-deny-for-service-principal.jsonl", "Allow"),
        ("boundary-deny-for-root-user.jsonl", "Allow"),
        ("resource-account-key-defaulted.jsonl", "Allow"),
    ] {
        let line = std::fs::read_to_string(dir.join(file)).unwrap();
        let case = Case::parse(&line).unwrap();
        let result = run_case(&case);
        let (policies, request) = reference::read_case(&line).unwrap();
        let documented = reference::decide(&policies, &request);
        assert_eq!(
            format!("{documented:?}"),
            case.expected.to_string(),
            "{file}: the reference gives the documented outcome"
        );
        assert_eq!(
            result.actual.to_string(),
            engine_today,
            "{file}: the engine changed; drop the matching `Quirks` field if it now agrees"
        );
        assert!(!matches!(result.actual, CaseOutcome::Error(_)));
        assert_eq!(
            format!(
                "{:?}",
                reference::decide_with(&policies, &request, Quirks::ENGINE)
            ),
            engine_today,
            "{file}: `Quirks::ENGINE` imitates the engine"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Algebraic properties of the decision, end to end from policy text
// ---------------------------------------------------------------------------------------------

mod algebra {
    use iam_policy::Decision;
    use iam_policy::case::{Case, CaseOutcome, run_case};
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use crate::support::differential;
    use crate::support::scenario::{Bytes, Kind, case_line, is_trust_request, statement_with};

    fn bytes() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(any::<u8>(), 0..600)
    }

    /// The engine's decision for a case value (every policy must parse); also checks it
    /// against the reference and `explain`.
    fn decide(case: &Value) -> Decision {
        let line = case.to_string();
        differential::check_evaluate_case(&line, true)
            .unwrap_or_else(|| panic!("case does not decide: {line}"))
    }

    fn generated(bytes: &[u8]) -> Value {
        serde_json::from_str(&case_line(&mut Bytes::new(bytes))).unwrap()
    }

    /// Every policy document of the case, with the kind of statements it takes.
    fn policies_mut(case: &mut Value) -> Vec<(&mut Value, Kind)> {
        let trust = is_trust_request(case);
        let mut out = Vec::new();
        let Value::Object(p) = &mut case["policies"] else {
            panic!("no policies")
        };
        for (key, value) in p.iter_mut() {
            match (key.as_str(), value) {
                ("identity", Value::Array(list)) => {
                    out.extend(list.iter_mut().map(|v| (v, Kind::NoPrincipal)));
                }
                ("resource", v @ Value::Object(_)) => {
                    out.push((v, if trust { Kind::Trust } else { Kind::Resource }));
                }
                ("permissions_boundary" | "session", v @ Value::Object(_)) => {
                    out.push((v, Kind::NoPrincipal));
                }
                (kind @ ("scps" | "rcps"), Value::Array(levels)) => {
                    let k = if kind == "scps" {
                        Kind::NoPrincipal
                    } else {
                        Kind::Rcp
                    };
                    for level in levels {
                        match level {
                            Value::Array(list) => out.extend(list.iter_mut().map(|v| (v, k))),
                            v => out.push((v, k)),
                        }
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// Appends `stmt` to a policy's statements (making `Statement` a list).
    fn push_statement(policy: &mut Value, stmt: Value) {
        let existing = policy["Statement"].take();
        let mut list = match existing {
            Value::Array(list) => list,
            Value::Null => Vec::new(),
            one => vec![one],
        };
        list.push(stmt);
        policy["Statement"] = Value::Array(list);
    }

    /// A Deny of everything that applies to every caller: in an identity policy.
    fn deny_everything_identity(case: &mut Value) {
        let deny = json!({"Effect": "Deny", "Action": "*", "Resource": "*"});
        let identity = case["policies"]["identity"].as_array_mut().unwrap();
        match identity.first_mut() {
            Some(policy) => push_statement(policy, deny),
            None => identity.push(json!({"Version": "2012-10-17", "Statement": [deny]})),
        }
    }

    /// Toggles a scalar and a one-element list: `"x"` <-> `["x"]`.
    fn toggle_one(value: &mut Value) {
        match value {
            Value::Array(items) if items.len() == 1 => *value = items.remove(0),
            Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                *value = Value::Array(vec![value.take()]);
            }
            _ => {}
        }
    }

    /// Rewrites every "one value" in every statement to the other form, and a single
    /// `Statement` object to a one-element list and back.
    fn toggle_forms(case: &mut Value) {
        for (policy, _) in policies_mut(case) {
            let stmts = &mut policy["Statement"];
            toggle_statement_form(stmts);
            let list: Vec<&mut Value> = match stmts {
                Value::Array(list) => list.iter_mut().collect(),
                one => vec![one],
            };
            for stmt in list {
                let Value::Object(members) = stmt else {
                    continue;
                };
                for (key, value) in members.iter_mut() {
                    match key.as_str() {
                        "Action" | "NotAction" | "Resource" | "NotResource" => toggle_one(value),
                        "Principal" | "NotPrincipal" => {
                            if let Value::Object(entries) = value {
                                entries.values_mut().for_each(toggle_one);
                            }
                        }
                        "Condition" => {
                            if let Value::Object(ops) = value {
                                for keys in ops.values_mut() {
                                    if let Value::Object(keys) = keys {
                                        keys.values_mut().for_each(toggle_one);
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    fn toggle_statement_form(stmts: &mut Value) {
        match stmts {
            Value::Array(list) if list.len() == 1 => *stmts = list.remove(0),
            Value::Object(_) => *stmts = Value::Array(vec![stmts.take()]),
            _ => {}
        }
    }

    /// A permutation of `0..n` from `seed` (Fisher–Yates with a fixed LCG).
    fn permute<T>(items: &mut [T], seed: u64) {
        let mut x = seed | 1;
        for i in (1..items.len()).rev() {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let j = usize::try_from((x >> 33) % (i as u64 + 1)).unwrap();
            items.swap(i, j);
        }
    }

    /// Reorders statements within each policy, identity policies, and the policies of each
    /// SCP/RCP level.
    fn shuffle(case: &mut Value, seed: u64) {
        for (n, (policy, _)) in policies_mut(case).into_iter().enumerate() {
            if let Value::Array(list) = &mut policy["Statement"] {
                permute(list, seed.wrapping_add(n as u64));
            }
        }
        let p = &mut case["policies"];
        if let Value::Array(list) = &mut p["identity"] {
            permute(list, seed ^ 0x5555);
        }
        for key in ["scps", "rcps"] {
            if let Value::Array(levels) = &mut p[key] {
                if levels.iter().all(Value::is_array) {
                    for (n, level) in levels.iter_mut().enumerate() {
                        if let Value::Array(list) = level {
                            permute(list, seed.wrapping_add(77 + n as u64));
                        }
                    }
                } else {
                    permute(levels, seed ^ 0xaaaa);
                }
            }
        }
    }

    /// Changes the case of ASCII letters where `seed`'s bits say so.
    fn recase(text: &str, seed: u64) -> String {
        text.chars()
            .enumerate()
            .map(|(i, c)| {
                if (seed >> (i % 64)) & 1 == 1 {
                    if c.is_ascii_lowercase() {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                } else {
                    c
                }
            })
            .collect()
    }

    proptest! {
        // Keys that matter are rare in the generated cases: more cases than the default.
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// Leaving out of the request every context key that no policy of the case lists in
        /// `Policy::context_keys` changes neither the decision nor its deciding statements
        /// (what a server relies on when it sets only the keys its policies read).
        #[test]
        fn keys_no_policy_reads_never_matter(bytes in bytes()) {
            let mut case = generated(&bytes);
            let evaluate = |case: &Value| {
                let parsed = Case::parse(&case.to_string()).unwrap();
                let policies = parsed.policies().unwrap();
                let request = parsed.request().unwrap();
                let evaluation = policies.compile().evaluate(request);
                let reasons: Vec<_> = evaluation.reasons().collect();
                let read: std::collections::HashSet<String> = policies
                    .iter()
                    .flat_map(|(_, p)| p.context_keys().map(str::to_owned).collect::<Vec<_>>())
                    .collect();
                (evaluation.decision(), reasons, read)
            };
            let (decision, reasons, read) = evaluate(&case);
            let Some(Value::Object(context)) = case["request"].get_mut("context") else {
                return Ok(());
            };
            let before = context.len();
            context.retain(|key, _| read.contains(&key.to_ascii_lowercase()));
            let left_out = before - context.len();
            let (after, after_reasons, _) = evaluate(&case);
            prop_assert_eq!(after, decision, "{} keys left out", left_out);
            prop_assert_eq!(after_reasons, reasons);
        }
    }

    proptest! {
        /// Explicit deny wins: a Deny of everything in an identity policy denies every caller,
        /// whatever else the set holds (except for an action that needs no permission).
        #[test]
        fn explicit_deny_wins(bytes in bytes()) {
            let mut case = generated(&bytes);
            deny_everything_identity(&mut case);
            // The one exception AWS documents: an action that needs no permission
            // (`sts:GetCallerIdentity`) is allowed even under an explicit deny.
            let no_permission = Case::parse(&case.to_string())
                .ok()
                .and_then(|c| c.request().and_then(iam_policy::Request::aws_rule))
                == Some(iam_policy::AwsRule::NoPermissionRequired);
            let want = if no_permission { Decision::Allow } else { Decision::ExplicitDeny };
            prop_assert_eq!(decide(&case), want);
        }

        /// Adding a Deny statement (random, anywhere) never produces an Allow, and keeps an
        /// ExplicitDeny; if the decision changes, it becomes ExplicitDeny.
        #[test]
        fn adding_a_deny_never_allows(bytes in bytes(), extra in bytes(), at in any::<usize>()) {
            let mut case = generated(&bytes);
            let before = decide(&case);
            let mut policies = policies_mut(&mut case);
            prop_assume!(!policies.is_empty());
            let n = policies.len();
            let (policy, kind) = &mut policies[at % n];
            let stmt = statement_with(&mut Bytes::new(&extra), *kind, 90, true);
            push_statement(policy, stmt);
            let after = decide(&case);
            prop_assert!(after == before || after == Decision::ExplicitDeny, "{before:?} -> {after:?}");
        }

        /// Adding an Allow statement (random, anywhere) never undoes an ExplicitDeny, and never
        /// turns an Allow into a deny.
        #[test]
        fn adding_an_allow_never_undoes_a_deny(bytes in bytes(), extra in bytes(), at in any::<usize>()) {
            let mut case = generated(&bytes);
            let before = decide(&case);
            let mut policies = policies_mut(&mut case);
            prop_assume!(!policies.is_empty());
            let n = policies.len();
            let (policy, kind) = &mut policies[at % n];
            let stmt = statement_with(&mut Bytes::new(&extra), *kind, 91, false);
            push_statement(policy, stmt);
            let after = decide(&case);
            if before == Decision::ExplicitDeny {
                prop_assert_eq!(after, Decision::ExplicitDeny);
            }
            if before == Decision::Allow {
                prop_assert_eq!(after, Decision::Allow);
            }
        }

        /// The order of statements, of identity policies and of the policies in an SCP/RCP
        /// level never changes the decision.
        #[test]
        fn order_never_matters(bytes in bytes(), seed in any::<u64>()) {
            let mut case = generated(&bytes);
            let before = decide(&case);
            shuffle(&mut case, seed);
            prop_assert_eq!(decide(&case), before);
        }

        /// A single `Statement` object decides like a one-element array, and a single string
        /// (or number, or boolean) like a one-element list, in every element that takes one.
        #[test]
        fn one_value_equals_one_element_list(bytes in bytes()) {
            let mut case = generated(&bytes);
            let before = decide(&case);
            toggle_forms(&mut case);
            prop_assert_eq!(decide(&case), before);
        }

        /// Action names compare without regard to case, in the request and in policies.
        #[test]
        fn action_names_are_case_insensitive(bytes in bytes(), seed in any::<u64>()) {
            let mut case = generated(&bytes);
            let before = decide(&case);
            let action = case["request"]["action"].as_str().unwrap().to_owned();
            case["request"]["action"] = json!(recase(&action, seed));
            for (policy, _) in policies_mut(&mut case) {
                let list: Vec<&mut Value> = match &mut policy["Statement"] {
                    Value::Array(list) => list.iter_mut().collect(),
                    one => vec![one],
                };
                for stmt in list {
                    for key in ["Action", "NotAction"] {
                        match stmt.get_mut(key) {
                            Some(Value::String(s)) => *s = recase(s, seed.rotate_left(7)),
                            Some(Value::Array(items)) => {
                                for item in items {
                                    if let Value::String(s) = item {
                                        *s = recase(s, seed.rotate_left(13));
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
            }
            prop_assert_eq!(decide(&case), before);
        }
    }

    // -----------------------------------------------------------------------------------------
    // Absent keys, end to end through `evaluate`
    // -----------------------------------------------------------------------------------------

    /// One operator and value per family, each written so that it would be false for the
    /// request values the tests give when the key is present.
    const FAMILIES: &[(&str, &str)] = &[
        ("StringEquals", "\"v\""),
        ("StringNotLike", "\"x*\""),
        ("NumericLessThan", "\"10\""),
        ("NumericNotEquals", "5"),
        ("DateGreaterThan", "\"2020-01-01T00:00:00Z\""),
        ("Bool", "\"true\""),
        ("IpAddress", "\"10.0.0.0/8\""),
        ("NotIpAddress", "\"10.0.0.0/8\""),
        ("ArnLike", "\"arn:aws:iam::*:role/*\""),
        ("ArnNotEquals", "\"arn:aws:iam::111122223333:role/x\""),
        ("BinaryEquals", "\"QmluYXJ5\""),
    ];

    /// Decides an Allow-everything identity policy carrying one condition, for alice, with
    /// the given context (a JSON object).
    fn allow_with_condition(operator: &str, key: &str, value: &str, context: &Value) -> Decision {
        let policy = format!(
            r#"{{"Version": "2012-10-17", "Statement": {{"Effect": "Allow", "Action": "*", "Resource": "*",
                "Condition": {{"{operator}": {{"{key}": {value}}}}}}}}}"#
        );
        let case = json!({
            "name": "property",
            "policies": {"identity": [policy]},
            "request": {
                "principal": "arn:aws:iam::111122223333:user/alice",
                "action": "s3:GetObject",
                "resource": "arn:aws:s3:::bucket/x",
                "context": context,
            },
            "expect": "Allow",
        });
        let parsed = Case::parse(&case.to_string()).unwrap();
        match run_case(&parsed).actual {
            CaseOutcome::Allow => Decision::Allow,
            CaseOutcome::ExplicitDeny => Decision::ExplicitDeny,
            CaseOutcome::ImplicitDeny => Decision::ImplicitDeny,
            CaseOutcome::Error(e) => panic!("{operator} {value}: {e:?}"),
        }
    }

    fn key_name() -> impl Strategy<Value = String> {
        "(aws|s3|ec2|secretsmanager):[A-Za-z][A-Za-z0-9/-]{0,12}"
    }

    proptest! {
        /// `…IfExists` on an absent key is true: the Allow applies, for every family.
        #[test]
        fn if_exists_on_absent_key_is_true(family in 0..FAMILIES.len(), key in key_name()) {
            let (op, value) = FAMILIES[family];
            prop_assert_eq!(
                allow_with_condition(&format!("{op}IfExists"), &key, value, &json!({})),
                Decision::Allow
            );
        }

        /// Without IfExists, an absent key makes positive operators false and negated ones
        /// true (decision 10).
        #[test]
        fn absent_key_positive_false_negated_true(family in 0..FAMILIES.len(), key in key_name()) {
            let (op, value) = FAMILIES[family];
            let expected = if op.contains("Not") { Decision::Allow } else { Decision::ImplicitDeny };
            prop_assert_eq!(allow_with_condition(op, &key, value, &json!({})), expected);
        }

        /// `ForAllValues:` on an absent key is true; `ForAnyValue:` on an absent key is false.
        #[test]
        fn set_qualifiers_on_absent_key(family in 0..FAMILIES.len(), key in key_name()) {
            let (op, value) = FAMILIES[family];
            prop_assume!(op != "Bool" && !op.starts_with("Binary"));
            prop_assert_eq!(
                allow_with_condition(&format!("ForAllValues:{op}"), &key, value, &json!({})),
                Decision::Allow
            );
            prop_assert_eq!(
                allow_with_condition(&format!("ForAnyValue:{op}"), &key, value, &json!({})),
                Decision::ImplicitDeny
            );
        }

        /// `Null: true` holds exactly when the key is absent (or the empty string, decision
        /// 18); `Null: false` exactly when it is present and not empty.
        #[test]
        fn null_operator(key in key_name(), value in "[a-z0-9]{0,6}", present in any::<bool>()) {
            let null = !present || value.is_empty();
            let context = if present { json!({ &key: value }) } else { json!({}) };
            let expect = |holds: bool| if holds { Decision::Allow } else { Decision::ImplicitDeny };
            prop_assert_eq!(allow_with_condition("Null", &key, "\"true\"", &context), expect(null));
            prop_assert_eq!(allow_with_condition("Null", &key, "\"false\"", &context), expect(!null));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Printing, parsing and spans
// ---------------------------------------------------------------------------------------------

mod text {
    use iam_policy::{LineCol, LineIndex, PolicyType, parse_policy};
    use proptest::prelude::*;
    use serde_json::Value;

    use crate::support::invariants;
    use crate::support::scenario::{Bytes, case_line, is_trust_request};

    /// Every generated policy document as text, with the type it is written for.
    fn documents(bytes: &[u8]) -> Vec<(String, PolicyType)> {
        let case: Value = serde_json::from_str(&case_line(&mut Bytes::new(bytes))).unwrap();
        let p = &case["policies"];
        let mut out = Vec::new();
        let mut add = |v: &Value, ty| out.push((v.to_string(), ty));
        for v in p["identity"].as_array().into_iter().flatten() {
            add(v, PolicyType::Identity);
        }
        if p["resource"].is_object() {
            let ty = if is_trust_request(&case) {
                PolicyType::Trust
            } else {
                PolicyType::Resource
            };
            add(&p["resource"], ty);
        }
        if p["permissions_boundary"].is_object() {
            add(&p["permissions_boundary"], PolicyType::PermissionsBoundary);
        }
        if p["session"].is_object() {
            add(&p["session"], PolicyType::Session);
        }
        for (key, ty) in [("scps", PolicyType::Scp), ("rcps", PolicyType::Rcp)] {
            for level in p[key].as_array().into_iter().flatten() {
                match level {
                    Value::Array(list) => list.iter().for_each(|v| add(v, ty)),
                    v => add(v, ty),
                }
            }
        }
        out
    }

    /// JSON-ish fragments that mutations insert.
    const FRAGMENTS: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"",
        "\\",
        "\\u",
        "\\ud800",
        "null",
        "true",
        "1e999",
        "-",
        "\"Statement\"",
        "\"Effect\"",
        "\"Deny\"",
        "\"Condition\"",
        "\"StringEquals\"",
        "\"IfExists\"",
        "\"${aws:username}\"",
        "${",
        "*",
        "?",
        "arn:aws:",
        "é",
        "\u{1F600}",
        "\u{0}",
        "\n",
        "\r\n",
        "\t",
        "\u{feff}",
        "/*",
        "//",
    ];

    /// Applies `edits` (position, action) to `text`: insert a fragment, delete a few
    /// characters, or truncate. Positions snap to character boundaries.
    fn mutate(text: &str, edits: &[(usize, u8)]) -> String {
        let mut out = text.to_owned();
        for &(at, action) in edits {
            let mut at = at % (out.len() + 1);
            while !out.is_char_boundary(at) {
                at -= 1;
            }
            match action % 8 {
                0..=4 => out.insert_str(at, FRAGMENTS[usize::from(action) % FRAGMENTS.len()]),
                5 | 6 => {
                    let end = out
                        .get(at..)
                        .unwrap_or_default()
                        .char_indices()
                        .nth(usize::from(action % 4) + 1)
                        .map_or(out.len(), |(i, _)| at + i);
                    out.replace_range(at..end, "");
                }
                _ => out.truncate(at),
            }
        }
        out
    }

    proptest! {
        /// Generated documents parse for their own type, and print and parse back equal (for
        /// every type they parse as: `check_parse_policy` tries them all).
        #[test]
        fn print_parse_round_trip(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
            for (text, ty) in documents(&bytes) {
                let policy = parse_policy(&text, ty)
                    .unwrap_or_else(|e| panic!("generated {ty} policy does not parse ({e}): {text}"));
                let again = parse_policy(&policy.to_json(), ty).unwrap();
                prop_assert_eq!(&again, &policy);
                prop_assert_eq!(again.to_json(), policy.to_json());
                invariants::check_parse_policy(text.as_bytes());
            }
        }

        /// Damaged documents: every error and lint finding is located inside the text on
        /// character boundaries with the right line:column; the JSON reader agrees with
        /// serde_json; whatever still parses round-trips.
        #[test]
        fn spans_of_damaged_documents_are_valid(
            bytes in proptest::collection::vec(any::<u8>(), 0..300),
            edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6),
        ) {
            for (text, _) in documents(&bytes).into_iter().take(2) {
                let damaged = mutate(&text, &edits);
                invariants::check_json(damaged.as_bytes());
                invariants::check_parse_policy(damaged.as_bytes());
                invariants::check_lint(damaged.as_bytes());
            }
        }

        /// Offset → line:column → offset is the identity at every character boundary, and
        /// line:column grows with the offset.
        #[test]
        fn line_index_round_trip(text in "(\\PC|\n|\r\n){0,40}") {
            let index = LineIndex::new(&text);
            let mut last = LineCol { line: 1, column: 1 };
            for (offset, _) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
                let offset = u32::try_from(offset).unwrap();
                let at = index.line_col(&text, offset);
                prop_assert_eq!(index.offset(&text, at), Some(offset), "{:?}", at);
                prop_assert!((at.line, at.column) >= (last.line, last.column));
                last = at;
            }
        }
    }
}
