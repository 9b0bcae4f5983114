//! Printing a [`Policy`] back to canonical JSON.
//!
//! Owns [`Policy::to_json`] and [`Policy::to_json_pretty`]. The output has a fixed element
//! order (`Version`, `Id`, `Statement`; in a statement `Sid`, `Effect`,
//! `Principal`/`NotPrincipal`, `Action`/`NotAction`, `Resource`/`NotResource`, `Condition`),
//! keeps every single-value-versus-list choice and every scalar exactly as written (numbers
//! keep their source text), and escapes strings per RFC 8259. Parsing the output gives back a
//! policy equal to the original (equality ignores spans).

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::policy::{
    ConditionEntry, OneOrMany, Policy, PrincipalValue, Principals, RawScalar, Statement,
};

/// A JSON value borrowed from the policy, ready to print.
enum Json<'a> {
    /// A string, escaped when printed.
    Str(&'a str),
    /// A number or boolean, printed as is.
    Raw(&'a str),
    /// An array.
    Arr(Vec<Json<'a>>),
    /// An object, members in order.
    Obj(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl Policy {
    /// The policy as compact canonical JSON (no whitespace).
    ///
    /// ```
    /// use iam_policy::{PolicyType, parse_policy};
    /// let text = r#"{ "Statement": { "Resource": "*", "Action": "s3:GetObject", "Effect": "Allow" },
    ///                 "Version": "2012-10-17" }"#;
    /// let policy = parse_policy(text, PolicyType::Identity)?;
    /// assert_eq!(
    ///     policy.to_json(),
    ///     r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#
    /// );
    /// # Ok::<(), iam_policy::ParseErrors>(())
    /// ```
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_json(&mut out, &policy_json(self), None);
        out
    }

    /// The policy as canonical JSON indented by two spaces per level.
    #[must_use]
    pub fn to_json_pretty(&self) -> String {
        let mut out = String::new();
        write_json(&mut out, &policy_json(self), Some(0));
        out
    }
}

fn policy_json(policy: &Policy) -> Json<'_> {
    let mut members = Vec::with_capacity(3);
    if let Some(v) = &policy.version {
        members.push((Cow::Borrowed("Version"), Json::Str(v.value.as_str())));
    }
    if let Some(id) = &policy.id {
        members.push((Cow::Borrowed("Id"), Json::Str(&id.value)));
    }
    let statement = match policy.statements.as_slice() {
        [single] if !policy.statement_is_array => statement_json(single),
        all => Json::Arr(all.iter().map(statement_json).collect()),
    };
    members.push((Cow::Borrowed("Statement"), statement));
    Json::Obj(members)
}

fn statement_json(stmt: &Statement) -> Json<'_> {
    let mut members = Vec::with_capacity(6);
    if let Some(sid) = &stmt.sid {
        members.push((Cow::Borrowed("Sid"), Json::Str(&sid.value)));
    }
    members.push((
        Cow::Borrowed("Effect"),
        Json::Str(stmt.effect.value.as_str()),
    ));
    if let Some(p) = &stmt.principal {
        let name = if p.value.negated {
            "NotPrincipal"
        } else {
            "Principal"
        };
        let value = match &p.value.principals {
            Principals::Any => Json::Str("*"),
            Principals::Map(entries) => Json::Obj(
                entries
                    .iter()
                    .map(|e| {
                        (
                            Cow::Borrowed(e.kind.value.as_str()),
                            one_or_many(&e.values, |v| Json::Str(principal_text(v))),
                        )
                    })
                    .collect(),
            ),
        };
        members.push((Cow::Borrowed(name), value));
    }
    let action = &stmt.action.value;
    members.push((
        Cow::Borrowed(if action.negated {
            "NotAction"
        } else {
            "Action"
        }),
        one_or_many(&action.patterns, |p| Json::Str(p.as_str())),
    ));
    if let Some(r) = &stmt.resource {
        members.push((
            Cow::Borrowed(if r.value.negated {
                "NotResource"
            } else {
                "Resource"
            }),
            one_or_many(&r.value.patterns, |p| Json::Str(p.as_str())),
        ));
    }
    if stmt.condition_span.is_some() || !stmt.conditions.is_empty() {
        members.push((
            Cow::Borrowed("Condition"),
            conditions_json(&stmt.conditions),
        ));
    }
    Json::Obj(members)
}

fn principal_text(value: &PrincipalValue) -> &str {
    match value {
        PrincipalValue::Any => "*",
        PrincipalValue::Account(s) | PrincipalValue::Name(s) => s,
        PrincipalValue::Arn(arn) => arn.as_str(),
    }
}

/// Groups consecutive entries of one operator back into `{"Operator": {"key": values}}`.
fn conditions_json(entries: &[ConditionEntry]) -> Json<'_> {
    let mut blocks: Vec<(Cow<'_, str>, Json<'_>)> = Vec::new();
    let mut last_op = None;
    for entry in entries {
        let value = one_or_many(&entry.values, |v| match &v.raw {
            RawScalar::String(s) => Json::Str(s),
            RawScalar::Number(n) => Json::Raw(n),
            RawScalar::Bool(b) => Json::Raw(if *b { "true" } else { "false" }),
        });
        let member = (Cow::Borrowed(entry.key.value.as_str()), value);
        if last_op == Some(entry.operator.value)
            && let Some((_, Json::Obj(keys))) = blocks.last_mut()
        {
            keys.push(member);
            continue;
        }
        last_op = Some(entry.operator.value);
        blocks.push((
            Cow::Owned(entry.operator.value.to_string()),
            Json::Obj(vec![member]),
        ));
    }
    Json::Obj(blocks)
}

fn one_or_many<'a, T>(values: &'a OneOrMany<T>, f: impl Fn(&'a T) -> Json<'a>) -> Json<'a> {
    match values.items.as_slice() {
        [single] if !values.is_list => f(&single.value),
        all => Json::Arr(all.iter().map(|v| f(&v.value)).collect()),
    }
}

/// Writes `value`; `indent` is `None` for compact output, else the current depth.
fn write_json(out: &mut String, value: &Json<'_>, indent: Option<usize>) {
    match value {
        Json::Str(s) => write_string(out, s),
        Json::Raw(r) => out.push_str(r),
        Json::Arr(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent.map(|d| d + 1));
                write_json(out, item, indent.map(|d| d + 1));
            }
            newline(out, indent);
            out.push(']');
        }
        Json::Obj(members) => {
            if members.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (key, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent.map(|d| d + 1));
                write_string(out, key);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_json(out, item, indent.map(|d| d + 1));
            }
            newline(out, indent);
            out.push('}');
        }
    }
}

fn newline(out: &mut String, indent: Option<usize>) {
    if let Some(depth) = indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str("  ");
        }
    }
}

/// Writes a JSON string literal, escaping `"`, `\` and control characters (RFC 8259 §7).
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
