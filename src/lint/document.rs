//! Document-level rules: `Version`, policy variables and the version, size quotas, `Sid`s and
//! repeated statements.

use crate::code::Code;
use crate::condition::OperatorFamily;
use crate::policy::{PolicyType, RawScalar, Statement};
use crate::source::Span;

use super::Severity;
use super::ctx::{Ctx, Path};
use super::vars;

/// Runs the document rules.
pub(crate) fn check(ctx: &mut Ctx<'_>) {
    missing_version(ctx);
    variables(ctx);
    size(ctx);
    sids(ctx);
    redundant_statements(ctx);
    rcp_syntax(ctx);
}

/// The elements resource control policies do not support
/// (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html>):
/// `NotAction`, and `Allow` anywhere but in the AWS-managed `RCPFullAWSAccess` (`Allow` of
/// `"*"` to `"*"` on `"*"`, without a condition). `Principal` other than `"*"` and
/// `NotPrincipal` are parse errors.
fn rcp_syntax(ctx: &mut Ctx<'_>) {
    if ctx.policy_type != PolicyType::Rcp {
        return;
    }
    for i in 0..ctx.policy.statements.len() {
        let Some(stmt) = ctx.policy.statements.get(i) else {
            continue;
        };
        let block = &stmt.action.value;
        if block.negated {
            let path = ctx.stmt_path(i).key("NotAction");
            ctx.emit(
                Some(i),
                Code::RcpSyntaxErrorNotaction,
                stmt.action.span,
                path,
                "resource control policies do not support `NotAction`".into(),
            )
            .help = Some("list the actions to deny in `Action`".into());
        }
        if stmt.effect.value == crate::policy::Effect::Allow {
            let actions = &block.patterns.items;
            let full_access = !block.negated
                && actions.len() == 1
                && actions.first().is_some_and(|a| a.value.as_str() == "*")
                && stmt.resource.as_ref().is_some_and(|r| {
                    let items = &r.value.patterns.items;
                    !r.value.negated
                        && items.len() == 1
                        && items.first().is_some_and(|a| a.value.as_str() == "*")
                })
                && stmt.conditions.is_empty()
                && stmt.condition_span.is_none();
            if !full_access {
                let path = ctx.stmt_path(i).key("Effect");
                ctx.emit(
                    Some(i),
                    Code::RcpSyntaxErrorAllow,
                    stmt.effect.span,
                    path,
                    "resource control policies may only deny: `Allow` is reserved for the \
                     AWS-managed `RCPFullAWSAccess`"
                        .into(),
                )
                .help = Some(
                    "use `\"Effect\": \"Deny\"` with the conditions under which to deny".into(),
                );
            }
        }
    }
}

fn missing_version(ctx: &mut Ctx<'_>) {
    // Resource control policies: the parser already refuses a missing `Version`.
    if ctx.policy.version.is_none() && ctx.policy_type != PolicyType::Rcp {
        let span = ctx.policy.span;
        ctx.emit(
            None,
            Code::MissingVersion,
            span,
            Path::root(),
            "the policy has no `Version`, so policy variables are literal text".into(),
        )
        .help = Some("add `\"Version\": \"2012-10-17\"`".into());
    }
}

/// A string where a policy variable could be written (a `Resource`/`NotResource` entry or a
/// String or Arn condition value), with its span and path.
struct VarSite {
    statement: usize,
    text: String,
    span: Span,
    path: Path,
}

fn variable_sites(ctx: &Ctx<'_>) -> Vec<VarSite> {
    let mut sites = Vec::new();
    for (i, stmt) in ctx.policy.statements.iter().enumerate() {
        if let Some(res) = &stmt.resource {
            let name = if res.value.negated {
                "NotResource"
            } else {
                "Resource"
            };
            for (j, item) in res.value.patterns.items.iter().enumerate() {
                if item.value.as_str().contains("${") {
                    sites.push(VarSite {
                        statement: i,
                        text: item.value.as_str().to_owned(),
                        span: item.span,
                        path: ctx.stmt_path(i).key(name).item(&res.value.patterns, j),
                    });
                }
            }
        }
        for entry in &stmt.conditions {
            let family = entry.operator.value.base.family();
            if !matches!(family, OperatorFamily::String | OperatorFamily::Arn) {
                continue;
            }
            for (k, value) in entry.values.items.iter().enumerate() {
                let RawScalar::String(text) = &value.value.raw else {
                    continue;
                };
                if text.contains("${") {
                    sites.push(VarSite {
                        statement: i,
                        text: text.clone(),
                        span: value.span,
                        path: condition_path(ctx, i, stmt, entry).item(&entry.values, k),
                    });
                }
            }
        }
    }
    sites
}

/// `Statement[i].Condition.<operator>.<key>`.
pub(crate) fn condition_path(
    ctx: &Ctx<'_>,
    i: usize,
    _stmt: &Statement,
    entry: &crate::policy::ConditionEntry,
) -> Path {
    ctx.stmt_path(i)
        .key("Condition")
        .key(&entry.operator.value.to_string())
        .key(&entry.key.value)
}

fn variables(ctx: &mut Ctx<'_>) {
    let sites = variable_sites(ctx);
    let enabled = ctx.policy.variables_enabled();
    for site in sites {
        if enabled {
            for var in vars::scan(&site.text) {
                let name = var.raw_name();
                if name.trim() != name && !name.trim().is_empty() {
                    let span = inner_span(site.span, &site.text, var.start, var.end);
                    // The engine trims spaces around the name (D-04), so this is a
                    // warning; a space inside the name is a parse error.
                    let finding = ctx.emit(
                        Some(site.statement),
                        Code::UnsupportedSpaceInVariable,
                        span,
                        site.path.clone(),
                        format!("spaces around the policy variable name `{}`", name.trim()),
                    );
                    finding.severity = Severity::Warning;
                    finding.help = Some(format!(
                        "write `${{{}{}}}`",
                        name.trim(),
                        var.inner.get(name.len()..).unwrap_or_default()
                    ));
                }
            }
        } else if let Some(var) = vars::scan(&site.text).next() {
            let shown = site.text.get(var.start..var.end).unwrap_or_default();
            let version = ctx
                .policy
                .version
                .as_ref()
                .map_or("no `Version`", |v| v.value.as_str());
            let version = if version.starts_with('n') {
                version.to_owned()
            } else {
                format!("version `{version}`")
            };
            ctx.emit(
                Some(site.statement),
                Code::VariableUnsupportedInVersion,
                site.span,
                site.path,
                format!("`{shown}` is literal text under {version}"),
            )
            .help = Some("set `\"Version\": \"2012-10-17\"` to use policy variables".into());
        }
    }
}

/// The span of bytes `start..end` of a JSON string's content, or the whole value when the
/// string holds escapes (decoded offsets then do not map to source bytes).
pub(crate) fn inner_span(value_span: Span, content: &str, start: usize, end: usize) -> Span {
    let no_escapes = value_span.len() as usize == content.len() + 2;
    if no_escapes && start <= end && end <= content.len() {
        let base = value_span.start as usize + 1;
        Span::from_usize(base + start, base + end)
    } else {
        value_span
    }
}

/// Characters of the document, without the JSON whitespace between tokens.
fn chars_without_whitespace(text: &str) -> usize {
    let mut count = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for c in text.chars() {
        if in_string {
            count += 1;
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            count += 1;
            if c == '"' {
                in_string = true;
            }
        }
    }
    count
}

/// The size quota of each policy type: code, limit, whether whitespace counts, and a name.
fn quota(ty: PolicyType) -> (Code, usize, bool, &'static str) {
    match ty {
        PolicyType::Identity | PolicyType::PermissionsBoundary => (
            Code::PolicySizeExceedsIdentityPolicyQuota,
            6_144,
            false,
            "managed policy",
        ),
        PolicyType::Resource => (
            Code::PolicySizeExceedsResourcePolicyQuota,
            20_480,
            true,
            "Secrets Manager resource policy",
        ),
        PolicyType::Trust => (
            Code::PolicySizeExceedsTrustPolicyQuota,
            2_048,
            false,
            "role trust policy (default quota; it can be raised to 4,096)",
        ),
        PolicyType::Session => (
            Code::PolicySizeExceedsSessionPolicyQuota,
            2_048,
            false,
            "session policy",
        ),
        PolicyType::Scp => (
            Code::PolicySizeExceedsScpQuota,
            5_120,
            true,
            "service control policy",
        ),
        PolicyType::Rcp => (
            Code::PolicySizeExceedsRcpQuota,
            5_120,
            true,
            "resource control policy",
        ),
    }
}

fn size(ctx: &mut Ctx<'_>) {
    let (code, limit, whitespace_counts, what) = quota(ctx.policy_type);
    // Cheap bound first: bytes are never fewer than characters.
    if ctx.text.len() <= limit {
        return;
    }
    let size = if whitespace_counts {
        ctx.text.chars().count()
    } else {
        chars_without_whitespace(ctx.text)
    };
    if size > limit {
        let counted = if whitespace_counts {
            "characters"
        } else {
            "characters not counting whitespace"
        };
        let span = ctx.policy.span;
        ctx.emit(
            None,
            code,
            span,
            Path::root(),
            format!("the policy has {size} {counted}, more than the {limit} allowed for a {what}"),
        )
        .help = Some("split it into several smaller policies".into());
    }
}

fn sids(ctx: &mut Ctx<'_>) {
    let statements = &ctx.policy.statements;
    let mut found = Vec::new();
    for (i, stmt) in statements.iter().enumerate() {
        let Some(sid) = &stmt.sid else { continue };
        let path = ctx.stmt_path(i).key("Sid");
        if sid.value.is_empty() {
            found.push((
                i,
                Code::EmptySidValue,
                sid.span,
                path,
                "`Sid` is empty".to_owned(),
                None,
            ));
            continue;
        }
        if ctx.policy_type != PolicyType::Resource
            && !sid.value.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            let cleaned: String = sid
                .value
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            found.push((
                i,
                Code::UnsupportedSid,
                sid.span,
                path,
                format!(
                    "`Sid` `{}` has characters other than `A-Z`, `a-z` and `0-9`",
                    sid.value
                ),
                (!cleaned.is_empty()).then(|| format!("for example `{cleaned}`")),
            ));
            continue;
        }
        if ctx.policy_type == PolicyType::Resource {
            let earlier = statements
                .iter()
                .take(i)
                .position(|s| s.sid.as_ref().is_some_and(|o| o.value == sid.value));
            if let Some(first) = earlier {
                found.push((
                    i,
                    Code::UniqueSidsRecommended,
                    sid.span,
                    path,
                    format!("`Sid` `{}` is also used by statement {first}", sid.value),
                    Some("give every statement its own `Sid`".into()),
                ));
            }
        }
    }
    for (i, code, span, path, message, help) in found {
        ctx.emit(Some(i), code, span, path, message).help = help;
    }
}

/// A canonical text of what a statement says, ignoring `Sid`, spans and list order.
fn signature(stmt: &Statement) -> String {
    let mut actions: Vec<String> = stmt
        .action
        .value
        .patterns
        .items
        .iter()
        .map(|a| a.value.as_str().to_ascii_lowercase())
        .collect();
    actions.sort_unstable();
    actions.dedup();
    let resources = stmt.resource.as_ref().map(|r| {
        let mut v: Vec<&str> = r
            .value
            .patterns
            .items
            .iter()
            .map(|p| p.value.as_str())
            .collect();
        v.sort_unstable();
        v.dedup();
        (r.value.negated, v)
    });
    let mut conditions: Vec<String> = stmt
        .conditions
        .iter()
        .map(|c| {
            let mut values: Vec<String> = c
                .values
                .items
                .iter()
                .map(|v| v.value.raw.as_text().into_owned())
                .collect();
            values.sort_unstable();
            values.dedup();
            format!(
                "{}\u{1}{}\u{1}{}",
                c.operator.value,
                c.key_lower,
                values.join("\u{2}")
            )
        })
        .collect();
    conditions.sort_unstable();
    format!(
        "{:?}|{}|{:?}|{:?}|{:?}|{}",
        stmt.effect.value,
        stmt.action.value.negated,
        actions,
        resources,
        stmt.principal
            .as_ref()
            .map(|p| principal_signature(&p.value)),
        conditions.join("\u{3}")
    )
}

/// A span-free text of a `Principal`/`NotPrincipal` block.
fn principal_signature(block: &crate::policy::PrincipalBlock) -> String {
    use crate::policy::{PrincipalValue, Principals};
    let mut out = String::from(if block.negated { "not:" } else { "is:" });
    match &block.principals {
        Principals::Any => out.push('*'),
        Principals::Map(entries) => {
            let mut parts: Vec<String> = entries
                .iter()
                .flat_map(|e| {
                    e.values.items.iter().map(move |v| {
                        let text = match &v.value {
                            PrincipalValue::Any => "*",
                            PrincipalValue::Account(a) => a.as_str(),
                            PrincipalValue::Arn(arn) => arn.as_str(),
                            PrincipalValue::Name(n) => n.as_str(),
                        };
                        format!("{}={text}", e.kind.value.as_str())
                    })
                })
                .collect();
            parts.sort_unstable();
            parts.dedup();
            out.push_str(&parts.join(","));
        }
    }
    out
}

fn redundant_statements(ctx: &mut Ctx<'_>) {
    let sigs: Vec<String> = ctx.policy.statements.iter().map(signature).collect();
    for (i, sig) in sigs.iter().enumerate() {
        if let Some(first) = sigs.iter().take(i).position(|s| s == sig) {
            let Some(stmt) = ctx.policy.statements.get(i) else {
                continue;
            };
            let span = stmt.span;
            let path = ctx.stmt_path(i);
            ctx.emit(
                Some(i),
                Code::RedundantStatement,
                span,
                path,
                format!("statement {i} grants the same as statement {first}"),
            )
            .help = Some("remove one of them".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_without_whitespace() {
        assert_eq!(chars_without_whitespace("{ \"a b\" : 1 }\n"), 9);
        assert_eq!(chars_without_whitespace("\"\\\" x\""), 6);
        assert_eq!(chars_without_whitespace("é é"), 2);
    }
}
