//! `Condition` rules: unknown keys, operator against key type, set qualifiers, values
//! (wildcards, dates, IP ranges, booleans, empty lists) and the `IfExists`/`ForAllValues`
//! pitfalls.

use crate::catalog::{ConditionKeyInfo, ConditionKeyType};
use crate::code::Code;
use crate::condition::{BaseOperator, OperatorFamily, SetQualifier};
use crate::policy::{ConditionEntry, Effect, RawScalar, Statement, TypedValue};
use crate::source::Span;

use super::ctx::{Ctx, Path};
use super::document::condition_path;
use super::resources::looks_like_region;
use super::vars;
use crate::suggest;
use crate::value::DateForm;
use crate::wildcard::{glob_text, has_wildcard};

/// Keys every request carries, so `…IfExists` on them changes nothing.
const ALWAYS_PRESENT: &[&str] = &[
    "aws:currenttime",
    "aws:epochtime",
    "aws:requestedregion",
    "aws:securetransport",
    "aws:useragent",
    "aws:viaawsservice",
];

/// Multivalued keys known without the catalog.
const MULTIVALUED: &[&str] = &[
    "aws:tagkeys",
    "aws:calledvia",
    "aws:principalservicenameslist",
];

/// The Access Analyzer code for a value that does not parse for an operator family
/// ([`TypedValue::Unparsed`]), and what the family expects.
fn unparsed(family: OperatorFamily) -> (Code, &'static str) {
    match family {
        OperatorFamily::Numeric => (Code::TypeMismatchNumber, "a number"),
        OperatorFamily::Date => (
            Code::TypeMismatchDate,
            "a date (W3C ISO 8601 such as `2026-01-31T12:00:00Z`, or epoch seconds)",
        ),
        OperatorFamily::Bool | OperatorFamily::Null => {
            (Code::TypeMismatchBoolean, "`true` or `false`")
        }
        OperatorFamily::Binary => (Code::TypeMismatchString, "base64 text"),
        OperatorFamily::Ip => (
            Code::TypeMismatchIpRange,
            "an IP address or CIDR block such as `203.0.113.0/24`",
        ),
        // The parser never leaves a String or Arn value unparsed.
        OperatorFamily::String | OperatorFamily::Arn => (Code::DataTypeMismatch, "text"),
    }
}

/// Runs the condition rules.
pub(crate) fn check(ctx: &mut Ctx<'_>) {
    for i in 0..ctx.policy.statements.len() {
        let Some(stmt) = ctx.policy.statements.get(i) else {
            continue;
        };
        if let Some(span) = stmt.condition_span
            && stmt.conditions.is_empty()
        {
            let path = ctx.stmt_path(i).key("Condition");
            ctx.emit(
                Some(i),
                Code::EmptyObjectCondition,
                span,
                path,
                "`Condition` holds no condition".into(),
            )
            .help = Some("remove the element or add conditions".into());
        }
        for entry in &stmt.conditions {
            let path = condition_path(ctx, i, stmt, entry);
            let info = key(ctx, i, entry, &path);
            typing(ctx, i, stmt, entry, info, &path);
            values(ctx, i, entry, &path);
        }
        paired_keys(ctx, i, stmt);
        unsupported_tag_key(ctx, i, stmt);
    }
}

/// The key checks; returns the catalog's record of the key when it has one.
fn key<'c>(
    ctx: &mut Ctx<'c>,
    i: usize,
    entry: &ConditionEntry,
    path: &Path,
) -> Option<&'c ConditionKeyInfo> {
    let name = entry.key.value.as_str();
    let lower = entry.key_lower.as_str();
    let span = entry.key.span;
    let Some((prefix, rest)) = name.split_once(':') else {
        ctx.emit(
            Some(i),
            Code::InvalidConditionKeyFormat,
            span,
            path.clone(),
            format!("condition key `{name}` is not of the form `service:keyname`"),
        );
        return None;
    };
    if rest.is_empty() {
        ctx.emit(
            Some(i),
            Code::InvalidConditionKeyFormat,
            span,
            path.clone(),
            format!("condition key `{name}` has no name after `{prefix}:`"),
        );
        return None;
    }
    let tag_families = [":resourcetag", ":requesttag", ":principaltag"];
    if lower.ends_with("tag/") || tag_families.iter().any(|t| lower.ends_with(t)) {
        ctx.emit(
            Some(i),
            Code::MissingTagKeyInCondition,
            span,
            path.clone(),
            format!("condition key `{name}` names no tag key"),
        )
        .help = Some(format!(
            "write `{}/tag-key` with the tag key",
            name.trim_end_matches('/')
        ));
        return None;
    }
    if lower == "aws:arn" {
        ctx.emit(
            Some(i),
            Code::UnsupportedGlobalConditionKey,
            span,
            path.clone(),
            "condition key `aws:ARN` is not supported".into(),
        )
        .help = Some("use `aws:PrincipalArn` or `aws:SourceArn`".into());
        return None;
    }
    let catalog = ctx.catalog?;
    if let Some(info) = catalog.condition_key(name) {
        return Some(info);
    }
    // Identity providers' keys (`accounts.google.com:aud`, OIDC provider URLs) are not in the
    // catalog: nothing to check.
    if prefix.contains(['.', '/']) {
        return None;
    }
    let (code, message, help) = if prefix.eq_ignore_ascii_case("aws") {
        (
            Code::InvalidGlobalConditionKey,
            format!("`{name}` is not a global condition key"),
            suggest::closest(name, catalog.global_condition_keys().map(|k| k.name))
                .map(str::to_owned),
        )
    } else if let Some(service) = catalog.service(prefix) {
        (
            Code::InvalidServiceConditionKey,
            format!("`{name}` is not a condition key of `{prefix}`"),
            suggest::closest(name, service.condition_keys().iter().copied()).map(str::to_owned),
        )
    } else {
        let services = catalog.services().iter().map(|s| s.prefix());
        (
            Code::InvalidService,
            format!("unknown service `{prefix}` in condition key `{name}`"),
            suggest::closest(prefix, services).map(|s| format!("{s}:{rest}")),
        )
    };
    let help = help.map(|k| format!("did you mean `{k}`?"));
    ctx.emit(Some(i), code, span, path.clone(), message).help = help;
    None
}

/// Whether operators of `family` fit keys of type `ty`.
fn fits(ty: ConditionKeyType, family: OperatorFamily, key: &str) -> bool {
    use ConditionKeyType as T;
    use OperatorFamily as F;
    match (ty, family) {
        (_, F::Null)
        | (T::String, F::String)
        | (T::Arn, F::Arn | F::String)
        | (T::Bool, F::Bool)
        | (T::Numeric, F::Numeric)
        | (T::Date, F::Date)
        | (T::IpAddress, F::Ip)
        | (T::Binary, F::Binary) => true,
        // `aws:EpochTime` also works with the Numeric operators.
        (T::Date, F::Numeric) => key == "aws:epochtime",
        _ => false,
    }
}

/// A name for the operators that fit a key type.
fn family_name(ty: ConditionKeyType) -> &'static str {
    match ty {
        ConditionKeyType::String => "a String operator",
        ConditionKeyType::Arn => "an Arn operator",
        ConditionKeyType::Bool => "`Bool`",
        ConditionKeyType::Numeric => "a Numeric operator",
        ConditionKeyType::Date => "a Date operator",
        ConditionKeyType::IpAddress => "`IpAddress` or `NotIpAddress`",
        ConditionKeyType::Binary => "`BinaryEquals`",
    }
}

fn is_multivalued(entry: &ConditionEntry, info: Option<&ConditionKeyInfo>) -> bool {
    info.is_some_and(|k| k.multi_valued) || MULTIVALUED.contains(&entry.key_lower.as_str())
}

fn typing(
    ctx: &mut Ctx<'_>,
    i: usize,
    stmt: &Statement,
    entry: &ConditionEntry,
    info: Option<&ConditionKeyInfo>,
    path: &Path,
) {
    let op = entry.operator.value;
    let name = entry.key.value.as_str();
    let span = entry.key.span;
    let multi = is_multivalued(entry, info);
    if op.base == BaseOperator::Null {
        if let Some(q) = op.qualifier {
            ctx.emit(
                Some(i),
                Code::NullWithQualifier,
                entry.operator.span,
                path.clone(),
                // The qualified forms run over the key's values (`condition::ops::null`):
                // `ForAllValues:Null` with `false` and `ForAnyValue:Null` with `true` never
                // depend on the request; the other two equal plain `Null`.
                format!(
                    "`{}:Null` tests each of the key's values, and every value is present: with \
                     `{}` it is always {}, with `{}` it is plain `Null`",
                    q.name(),
                    q != SetQualifier::ForAllValues,
                    q == SetQualifier::ForAllValues,
                    q == SetQualifier::ForAllValues,
                ),
            )
            .help = Some("use `Null` without a qualifier".into());
        }
        return;
    }
    if let Some(info) = info
        && !fits(info.key_type, op.base.family(), &entry.key_lower)
    {
        ctx.emit(
            Some(i),
            Code::TypeMismatch,
            span,
            path.clone(),
            format!(
                "`{name}` is of type {}, but `{op}` compares {} values",
                info.key_type,
                family_noun(op.base.family())
            ),
        )
        .help = Some(format!("use {} instead", family_name(info.key_type)));
    }
    if info.is_some() || multi {
        if multi && op.qualifier.is_none() {
            ctx.emit(
                Some(i),
                Code::MissingQualifier,
                span,
                path.clone(),
                format!("`{name}` can hold several values, but `{op}` has no set qualifier"),
            )
            .help = Some(format!("use `ForAnyValue:{op}` or `ForAllValues:{op}`"));
        }
        if !multi && op.qualifier == Some(SetQualifier::ForAllValues) {
            ctx.emit(
                Some(i),
                Code::ForallvaluesWithSingleValuedKey,
                span,
                path.clone(),
                format!(
                    "`{name}` is single-valued: `ForAllValues:` makes the condition true when it is absent"
                ),
            )
            .help = Some(format!("use `{}` without `ForAllValues:`", base_name(op)));
        }
    }
    if op.if_exists && ALWAYS_PRESENT.contains(&entry.key_lower.as_str()) {
        ctx.emit(
            Some(i),
            Code::IfexistsOnAlwaysPresentKey,
            span,
            path.clone(),
            format!("every request carries `{name}`, so `IfExists` changes nothing"),
        )
        .help = Some(format!("use `{}`", without_if_exists(op)));
    }
    if stmt.effect.value == Effect::Allow
        && op.qualifier == Some(SetQualifier::ForAllValues)
        && multi
        && !has_null_false(stmt, &entry.key_lower)
    {
        ctx.emit(
            Some(i),
            Code::ForallvaluesAllowWithoutNullCheck,
            span,
            path.clone(),
            format!(
                "`ForAllValues:` is true when `{name}` is absent, so this `Allow` also applies to requests without it"
            ),
        )
        .help = Some(format!("add `\"Null\": {{\"{name}\": \"false\"}}`"));
    }
}

fn family_noun(family: OperatorFamily) -> &'static str {
    match family {
        OperatorFamily::String => "String",
        OperatorFamily::Numeric => "Numeric",
        OperatorFamily::Date => "Date",
        OperatorFamily::Bool => "Bool",
        OperatorFamily::Binary => "Binary",
        OperatorFamily::Ip => "IP address",
        OperatorFamily::Arn => "ARN",
        OperatorFamily::Null => "Null",
    }
}

fn base_name(op: crate::condition::Operator) -> String {
    let mut plain = op;
    plain.qualifier = None;
    plain.to_string()
}

fn without_if_exists(op: crate::condition::Operator) -> String {
    let mut plain = op;
    plain.if_exists = false;
    plain.to_string()
}

/// Whether the statement says `"Null": {key: "false"}` (the key must be present).
fn has_null_false(stmt: &Statement, key_lower: &str) -> bool {
    stmt.conditions.iter().any(|c| {
        c.operator.value.base == BaseOperator::Null
            && c.operator.value.qualifier.is_none()
            && c.key_lower == key_lower
            && !c.values.items.is_empty()
            && c.values
                .items
                .iter()
                .all(|v| v.value.typed == TypedValue::Null(false))
    })
}

/// The private ranges `aws:SourceIp` never sees: RFC 1918 and RFC 4193.
fn private_ranges() -> [ipnet::IpNet; 4] {
    use std::net::{Ipv4Addr, Ipv6Addr};
    let v4 = |a, b, len| {
        ipnet::IpNet::V4(ipnet::Ipv4Net::new(Ipv4Addr::new(a, b, 0, 0), len).unwrap_or_default())
    };
    [
        v4(10, 0, 8),
        v4(172, 16, 12),
        v4(192, 168, 16),
        ipnet::IpNet::V6(
            ipnet::Ipv6Net::new(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7).unwrap_or_default(),
        ),
    ]
}

/// A CIDR block or bare address as written (host bits kept).
fn parse_net(text: &str) -> Option<ipnet::IpNet> {
    if text.contains('/') {
        text.parse().ok()
    } else {
        text.parse::<std::net::IpAddr>()
            .ok()
            .map(ipnet::IpNet::from)
    }
}

fn values(ctx: &mut Ctx<'_>, i: usize, entry: &ConditionEntry, path: &Path) {
    let op = entry.operator.value;
    let base = op.base;
    let family = base.family();
    let items = &entry.values.items;
    let key_span = entry.key.span;
    let name = entry.key.value.as_str();
    if items.is_empty() {
        let (code, message) = match (op.qualifier, op.if_exists) {
            (Some(SetQualifier::ForAllValues), _) => (
                Code::EmptyArrayConditionForallvalues,
                "`ForAllValues:` with no values matches only requests without the key",
            ),
            (Some(SetQualifier::ForAnyValue), _) => (
                Code::EmptyArrayConditionForanyvalue,
                "`ForAnyValue:` with no values never matches",
            ),
            (None, true) => (
                Code::EmptyArrayConditionIfexists,
                "`IfExists` with no values matches only requests without the key",
            ),
            (None, false) => (Code::EmptyArrayCondition, "the condition has no values"),
        };
        ctx.emit(Some(i), code, key_span, path.clone(), message.into())
            .help = Some(if base == BaseOperator::Null {
            "give `true` or `false`".into()
        } else {
            format!(
                "give values, or test for an absent key with `\"Null\": {{\"{name}\": \"true\"}}`"
            )
        });
        return;
    }
    // JSON strings, numbers and booleans mixed in one list of values (`[10, "20"]`).
    let kinds = items.iter().fold([false; 3], |mut seen, item| {
        let k = match item.value.raw {
            RawScalar::String(_) => 0,
            RawScalar::Number(_) => 1,
            RawScalar::Bool(_) => 2,
        };
        if let Some(slot) = seen.get_mut(k) {
            *slot = true;
        }
        seen
    });
    if kinds.iter().filter(|&&k| k).count() > 1 {
        ctx.emit(
            Some(i),
            Code::InvalidConditionDataType,
            key_span,
            path.clone(),
            format!("the values of `{name}` mix JSON types (strings, numbers, booleans)"),
        )
        .help = Some("write every value with the same JSON type, such as all strings".into());
    }
    if base == BaseOperator::Bool && items.len() > 1 {
        ctx.emit(
            Some(i),
            Code::InvalidConditionMultipleBoolean,
            key_span,
            path.clone(),
            format!("`Bool` takes one value, `{name}` has {}", items.len()),
        );
    }
    if matches!(
        base,
        BaseOperator::NumericLessThan
            | BaseOperator::NumericLessThanEquals
            | BaseOperator::NumericGreaterThan
            | BaseOperator::NumericGreaterThanEquals
    ) && items.len() > 1
    {
        let which = if matches!(
            base,
            BaseOperator::NumericLessThan | BaseOperator::NumericLessThanEquals
        ) {
            "greatest"
        } else {
            "least"
        };
        ctx.emit(
            Some(i),
            Code::RedundantConditionValueNum,
            key_span,
            path.clone(),
            format!("`{op}` with several values for `{name}` is the same as its {which} value"),
        )
        .help = Some(format!("keep only the {which} value"));
    }
    let variables = ctx.policy.variables_enabled();
    let mut private = 0usize;
    let mut public = 0usize;
    for (k, item) in items.iter().enumerate() {
        let vpath = path.clone().item(&entry.values, k);
        let text = item.value.raw.as_text();
        if item.value.typed == TypedValue::Unparsed {
            let (code, what) = unparsed(family);
            let shown = match &item.value.raw {
                RawScalar::String(s) => format!("`\"{s}\"`"),
                other => format!("`{}`", other.as_text()),
            };
            ctx.emit(
                Some(i),
                code,
                item.span,
                vpath,
                format!("`{op}` expects {what}, found {shown}: it matches no request value"),
            )
            .help = Some(match &item.value.raw {
                // D-07: four digits are the W3C year and epoch seconds alike.
                RawScalar::String(s)
                    if family == OperatorFamily::Date && DateForm::of(s) == DateForm::Ambiguous =>
                {
                    format!(
                        "`{s}` is both a W3C year and {s} epoch seconds: write `{s}-01-01` for the year"
                    )
                }
                _ => format!("write {what}"),
            });
            continue;
        }
        match family {
            OperatorFamily::String if !base.uses_wildcards() => {
                let literal = if variables {
                    vars::strip(&text)
                } else {
                    std::borrow::Cow::Borrowed(text.as_ref())
                };
                if has_wildcard(&literal) {
                    ctx.emit(
                        Some(i),
                        Code::WildcardWithoutLikeOperator,
                        item.span,
                        vpath.clone(),
                        format!("`{text}` holds `*` or `?`, which `{op}` compares literally"),
                    )
                    .help = Some(format!("use `{}` if you meant a wildcard", like_of(op)));
                }
            }
            OperatorFamily::Date => {
                // The value parsed: it is epoch seconds unless written in a W3C form.
                let epoch = match &item.value.raw {
                    RawScalar::Number(_) => true,
                    RawScalar::String(s) => DateForm::of(s) == DateForm::Epoch,
                    RawScalar::Bool(_) => false,
                };
                if epoch {
                    ctx.emit(
                        Some(i),
                        Code::InvalidDateValue,
                        item.span,
                        vpath.clone(),
                        format!("`{text}` is epoch seconds, which may not resolve as expected"),
                    )
                    .help = Some("write a W3C date such as `2026-01-31T00:00:00Z`".into());
                }
            }
            OperatorFamily::Ip => {
                if let Some(net) = parse_net(&text) {
                    if net.addr() != net.network() {
                        ctx.emit(
                            Some(i),
                            Code::ImproveIpRange,
                            item.span,
                            vpath.clone(),
                            format!("the bits of `{text}` after the prefix length are ignored"),
                        )
                        .help = Some(format!("write `{}`", net.trunc()));
                    }
                    if private_ranges().iter().any(|r| r.contains(&net)) {
                        private += 1;
                    } else {
                        public += 1;
                    }
                }
            }
            _ => {}
        }
        if entry.key_lower == "aws:requestedregion"
            && family == OperatorFamily::String
            && !has_wildcard(&text)
            && !text.contains("${")
            && !looks_like_region(&text)
        {
            ctx.emit(
                Some(i),
                Code::InvalidRegion,
                item.span,
                vpath,
                format!("`{text}` is not a region"),
            )
            .help = Some("use a region name such as `us-east-1`".into());
        }
    }
    if entry.key_lower == "aws:sourceip" && family == OperatorFamily::Ip && private > 0 {
        source_ip(ctx, i, key_span, path, base, public == 0);
    }
}

fn source_ip(
    ctx: &mut Ctx<'_>,
    i: usize,
    span: Span,
    path: &Path,
    base: BaseOperator,
    only_private: bool,
) {
    let negated = base == BaseOperator::NotIpAddress;
    let (code, message) = match (negated, only_private) {
        (false, true) => (
            Code::PrivateIpAddress,
            "`aws:SourceIp` holds only private addresses, which it never sees: the condition never matches",
        ),
        (true, true) => (
            Code::PrivateNotIpAddress,
            "`aws:SourceIp` holds only private addresses, which it never sees: `NotIpAddress` always matches",
        ),
        (false, false) => (
            Code::PrivateIpAddressSubset,
            "`aws:SourceIp` mixes private and public addresses; the private ones never match",
        ),
        (true, false) => (
            Code::PrivateNotIpAddressSubset,
            "`aws:SourceIp` mixes private and public addresses; the private ones have no effect",
        ),
    };
    ctx.emit(Some(i), code, span, path.clone(), message.into())
        .help = Some("use `aws:VpcSourceIp` for addresses inside a VPC".into());
}

/// The Like operator matching a literal String operator.
fn like_of(op: crate::condition::Operator) -> String {
    let mut like = op;
    like.base = if op.base.is_negated() {
        BaseOperator::StringNotLike
    } else {
        BaseOperator::StringLike
    };
    like.to_string()
}

/// `MISSING_PAIRED_CONDITION_KEYS`: `aws:VpcSourceIp` in an `Allow` without `aws:SourceVpc`.
fn paired_keys(ctx: &mut Ctx<'_>, i: usize, stmt: &Statement) {
    if stmt.effect.value != Effect::Allow
        || stmt
            .conditions
            .iter()
            .any(|c| c.key_lower == "aws:sourcevpc")
    {
        return;
    }
    if let Some(entry) = stmt
        .conditions
        .iter()
        .find(|c| c.key_lower == "aws:vpcsourceip")
    {
        let path = condition_path(ctx, i, stmt, entry);
        ctx.emit(
            Some(i),
            Code::MissingPairedConditionKeys,
            entry.key.span,
            path,
            "`aws:VpcSourceIp` without `aws:SourceVpc` matches the address in any VPC".into(),
        )
        .help = Some("add a condition on `aws:SourceVpc` to the statement".into());
    }
}

/// `aws:ResourceTag/…` under a positive operator in a statement whose actions do not all
/// support it: Access Analyzer's
/// `{ALLOW,DENY}[_NOTACTION]_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE`. An action
/// supports the key when the catalog lists it for the action or one of its resource types; for
/// an action without it the key is absent, so an `Allow` never grants it and a `Deny` never
/// denies it. With `NotAction` some of the (future) actions always lack it.
fn unsupported_tag_key(ctx: &mut Ctx<'_>, i: usize, stmt: &Statement) {
    // Only a test that is false when the key is absent: a negated operator, `…IfExists`,
    // `ForAllValues:` or `Null` holds for an action without the key.
    let Some(entry) = stmt.conditions.iter().find(|e| {
        let op = e.operator.value;
        e.key_lower.starts_with("aws:resourcetag/")
            && !op.base.is_negated()
            && !op.if_exists
            && op.base != BaseOperator::Null
            && op.qualifier != Some(SetQualifier::ForAllValues)
    }) else {
        return;
    };
    let path = condition_path(ctx, i, stmt, entry);
    let key = entry.key.value.as_str();
    let deny = stmt.effect.value == Effect::Deny;
    let block = &stmt.action.value;
    if block.negated {
        let (code, message) = if deny {
            (
                Code::DenyNotactionWithUnsupportedTagConditionKeyForService,
                format!(
                    "`Deny` with `NotAction` and `{key}`: actions that do not support the key are never denied"
                ),
            )
        } else {
            (
                Code::AllowNotactionWithUnsupportedTagConditionKeyForService,
                format!(
                    "`Allow` with `NotAction` and `{key}`: actions that do not support the key are never allowed"
                ),
            )
        };
        ctx.emit(Some(i), code, entry.key.span, path, message).help =
            Some("list the actions in `Action` instead of `NotAction`".into());
        return;
    }
    let Some(catalog) = ctx.catalog else { return };
    let mut services: Vec<&'static str> = Vec::new();
    for item in &block.patterns.items {
        let raw = item.value.as_str();
        let (service, action) = raw.split_once(':').unwrap_or(("*", "*"));
        let candidates: Vec<&crate::catalog::Service> = if has_wildcard(service) {
            catalog
                .services()
                .iter()
                .filter(|s| glob_text(service, s.prefix(), true))
                .collect()
        } else {
            catalog.service(service).into_iter().collect()
        };
        for svc in candidates {
            if services.contains(&svc.prefix()) {
                continue;
            }
            let lacks = svc
                .expand_action_pattern(action)
                .any(|a| !a.supports_condition_key(svc, key));
            if lacks {
                services.push(svc.prefix());
            }
        }
    }
    if services.is_empty() {
        return;
    }
    services.sort_unstable();
    let shown = if services.len() > 5 {
        format!(
            "`{}` and {} more",
            services.get(..5).unwrap_or_default().join("`, `"),
            services.len() - 5
        )
    } else {
        format!("`{}`", services.join("`, `"))
    };
    let (code, what) = if deny {
        (
            Code::DenyWithUnsupportedTagConditionKeyForService,
            "are never denied by this statement",
        )
    } else {
        (
            Code::AllowWithUnsupportedTagConditionKeyForService,
            "are never allowed by this statement",
        )
    };
    ctx.emit(
        Some(i),
        code,
        entry.key.span,
        path,
        format!("`{key}` is not supported by some actions of {shown}, which {what}"),
    )
    .help = Some("move those actions to a statement without this condition key".into());
}
