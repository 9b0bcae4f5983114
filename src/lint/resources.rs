//! `Resource`/`NotResource` rules: ARN segments against the catalog's resource type formats
//! (the Access Analyzer `INVALID_ARN_*`, `MISSING_ARN_*`, `ARN_*_NOT_ALLOWED` and
//! `INVALID_PARTITION` checks), redundant and empty lists, and `RESOURCE_MISMATCH`.

use crate::code::Code;
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::catalog::{Catalog, Service};
use crate::policy::Statement;

use super::ctx::{Ctx, Path};
use super::vars;
use crate::arn::ArnParts;
use crate::cover::arn_covers;
use crate::wildcard::{has_wildcard, intersects};

/// The AWS partitions (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>).
const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// Whether `s` looks like a region name (`us-east-1`, `us-gov-west-1`, `eusc-de-east-1`).
pub(crate) fn looks_like_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    let lower = |p: &&str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase());
    parts.len() >= 3
        && (2..=4).contains(&first.len())
        && lower(first)
        && (1..=2).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_digit())
        && parts
            .get(1..parts.len() - 1)
            .is_some_and(|middle| middle.iter().all(lower))
}

fn is_fixed(s: &str) -> bool {
    !has_wildcard(s) && !s.contains("${")
}

/// A catalog ARN format split into its six components (`arn` first), each `${...}` placeholder
/// widened to `*`.
#[derive(Debug)]
pub(crate) struct Format {
    /// The resource type it belongs to.
    pub resource_type: &'static str,
    /// The format as the catalog writes it.
    pub text: &'static str,
    /// The six components.
    pub segments: Vec<String>,
}

impl Format {
    fn region_empty(&self) -> bool {
        self.segments.get(3).is_some_and(String::is_empty)
    }
    fn account_empty(&self) -> bool {
        self.segments.get(4).is_some_and(String::is_empty)
    }
}

/// The ARN formats of every service, split once: by service prefix (for an action's resource
/// types) and by the service segment of the ARN (for checking a policy ARN, whose namespace may
/// differ from the prefix of the service that documents it).
#[derive(Debug, Default)]
struct FormatIndex {
    services: HashMap<&'static str, Vec<Format>>,
    namespaces: HashMap<String, Vec<Format>>,
}

/// ARNs that IAM accepts and the catalog documents under no resource type: the account root,
/// STS session principals, and CloudFormation's AWS-owned transforms (`CreateChangeSet` on a
/// template with `AWS::Serverless-2016-10-31` needs
/// `arn:aws:cloudformation:<region>:aws:transform/Serverless-2016-10-31`,
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-iam-template.html>).
const EXTRA_FORMATS: &[&str] = &[
    "arn:${Partition}:iam::${Account}:root",
    "arn:${Partition}:cloudformation:${Region}:aws:transform/${TransformName}",
    "arn:${Partition}:sts::${Account}:assumed-role/${RoleName}/${RoleSessionName}",
    "arn:${Partition}:sts::${Account}:federated-user/${UserName}",
];

static FORMATS: OnceLock<FormatIndex> = OnceLock::new();

fn split_format(resource_type: &'static str, text: &'static str) -> Option<Format> {
    let segments: Vec<String> = crate::arn::components(&vars::widen(text))
        .map(str::to_owned)
        .collect();
    (segments.len() == 6).then_some(Format {
        resource_type,
        text,
        segments,
    })
}

/// The index, built for the whole catalog on first use.
fn index(catalog: &Catalog) -> &'static FormatIndex {
    FORMATS.get_or_init(|| {
        let mut services = HashMap::new();
        let mut namespaces: HashMap<String, Vec<Format>> = HashMap::new();
        // A format whose service component is a variable (AWS Backup's recovery points,
        // `arn:${Partition}:${Vendor}:${Region}:*:${ResourceType}:${RecoveryPointId}`) is filed
        // under the prefix of the service that documents it: filed under every namespace, its
        // widened resource part (`*:*`) would fit nearly any ARN.
        let mut add_namespace = |f: Format, documented_by: &str| {
            let Some(ns) = f.segments.get(2) else { return };
            let ns = if is_fixed(ns) {
                ns.as_str()
            } else {
                documented_by
            };
            let list = namespaces.entry(ns.to_ascii_lowercase()).or_default();
            if !list.iter().any(|g| g.text == f.text) {
                list.push(f);
            }
        };
        for svc in catalog.services() {
            let mut list = Vec::new();
            for rt in svc.resource_types() {
                for format in &rt.arn_formats {
                    if let Some(f) = split_format(rt.name, format) {
                        if let Some(g) = split_format(rt.name, format) {
                            add_namespace(g, svc.prefix());
                        }
                        list.push(f);
                    }
                }
            }
            services.insert(svc.prefix(), list);
        }
        for extra in EXTRA_FORMATS {
            if let Some(f) = split_format("principal", extra) {
                add_namespace(f, "");
            }
        }
        FormatIndex {
            services,
            namespaces,
        }
    })
}

/// The split formats of the resource types of `service`.
fn formats(catalog: &Catalog, service: &Service) -> &'static [Format] {
    index(catalog)
        .services
        .get(service.prefix())
        .map_or(&[], Vec::as_slice)
}

/// The split formats of ARNs whose service segment is `namespace`.
fn namespace_formats(catalog: &Catalog, namespace: &str) -> &'static [Format] {
    index(catalog)
        .namespaces
        .get(namespace)
        .map_or(&[], Vec::as_slice)
}

/// A policy ARN pattern split into components with `${...}` widened to `*` (fewer than six for
/// a short pattern).
pub(crate) struct Widened {
    text: String,
}

impl Widened {
    pub fn new(pattern: &str) -> Self {
        Self {
            text: vars::widen(pattern).into_owned(),
        }
    }

    fn segments(&self) -> impl Iterator<Item = &str> {
        crate::arn::components(&self.text)
    }

    /// Whether the pattern can match some ARN of `format`, segment by segment, so a wildcard
    /// in a middle segment does not cross colons. A short pattern (which ends in `*`) covers
    /// everything below its last segment.
    pub fn meets(&self, format: &Format) -> bool {
        let count = self.segments().count();
        for (k, (p, f)) in self.segments().zip(&format.segments).enumerate() {
            let last_of_short = count < 6 && k + 1 == count;
            let meets = if last_of_short {
                let rest = format
                    .segments
                    .get(k..)
                    .map(|r| r.join(":"))
                    .unwrap_or_default();
                intersects(p, &rest, false)
            } else {
                intersects(p, f, false)
            };
            if !meets {
                return false;
            }
        }
        true
    }
}

/// Whether a policy ARN pattern can match some ARN of catalog format `format` (`${...}` in
/// either matches anything).
#[cfg(test)]
fn arn_meets_format(pattern: &str, format: &str) -> bool {
    let segments: Vec<String> = crate::arn::components(&vars::widen(format))
        .map(str::to_owned)
        .collect();
    Widened::new(pattern).meets(&Format {
        resource_type: "",
        text: "",
        segments,
    })
}

/// Runs the resource rules.
pub(crate) fn check(ctx: &mut Ctx<'_>) {
    for i in 0..ctx.policy.statements.len() {
        let Some(stmt) = ctx.policy.statements.get(i) else {
            continue;
        };
        let Some(res) = &stmt.resource else { continue };
        let name = if res.value.negated {
            "NotResource"
        } else {
            "Resource"
        };
        let patterns = &res.value.patterns;
        if patterns.items.is_empty() {
            let path = ctx.stmt_path(i).key(name);
            ctx.emit(
                Some(i),
                Code::EmptyArrayResource,
                res.span,
                path,
                format!("`{name}` is empty, so the statement matches no resource"),
            );
            continue;
        }
        for (j, item) in patterns.items.iter().enumerate() {
            let path = ctx.stmt_path(i).key(name).item(patterns, j);
            arn(ctx, i, item.value.as_str(), item.span, &path);
        }
        redundant(ctx, i, stmt, name);
        mismatch(ctx, i, stmt);
    }
}

/// The formats of a service's resource types whose resource part can match `resource`.
struct Fit {
    /// Whether every fitting format has an empty region (`None`: nothing fits).
    region_always_empty: bool,
    region_never_empty: bool,
    account_always_empty: bool,
    any: bool,
}

fn fit(formats: &[Format], resource: &str) -> Fit {
    let mut fit = Fit {
        region_always_empty: true,
        region_never_empty: true,
        account_always_empty: true,
        any: false,
    };
    let widened = vars::widen(resource);
    for f in formats {
        let Some(f_resource) = f.segments.get(5) else {
            continue;
        };
        if !intersects(&widened, f_resource, false) {
            continue;
        }
        fit.any = true;
        fit.region_always_empty &= f.region_empty();
        fit.region_never_empty &= !f.region_empty();
        fit.account_always_empty &= f.account_empty();
    }
    fit
}

fn arn(ctx: &mut Ctx<'_>, i: usize, text: &str, span: crate::source::Span, path: &Path) {
    let Some(parts) = ArnParts::split(text) else {
        // A short pattern with a wildcard in its service segment (`arn:aws:s3*:*`).
        if let Some(service) = crate::arn::components(text)
            .nth(2)
            .filter(|s| has_wildcard(s))
        {
            ctx.emit(
                Some(i),
                Code::WildcardInServiceName,
                span,
                path.clone(),
                format!(
                    "the service name `{service}` holds a wildcard, which may cover services you do not mean"
                ),
            )
            .help = Some("name the service".into());
            return;
        }
        // A short pattern ending in `*` covers everything below it; any other matches nothing.
        if text != "*" && !text.ends_with('*') {
            ctx.emit(
                Some(i),
                Code::MissingArnField,
                span,
                path.clone(),
                format!("`{text}` has fewer than six components, so it matches no resource"),
            )
            .help = Some(
                "an ARN has six components: `arn:partition:service:region:account:resource`".into(),
            );
        }
        return;
    };
    let emit = |ctx: &mut Ctx<'_>, code: Code, message: String, help: Option<String>| {
        ctx.emit(Some(i), code, span, path.clone(), message).help = help;
    };
    if is_fixed(parts.partition) && !PARTITIONS.contains(&parts.partition) {
        emit(
            ctx,
            Code::InvalidPartition,
            format!("`{}` is not an AWS partition", parts.partition),
            Some("use `aws`, or `aws-cn`, `aws-us-gov`, ... for other partitions".into()),
        );
    }
    // IAM stores a wildcard in the service segment (`arn:aws:*code*::…`); Access Analyzer
    // suggests naming the service. The catalog checks below need a service name.
    if has_wildcard(parts.service) {
        emit(
            ctx,
            Code::WildcardInServiceName,
            format!(
                "the service name `{}` holds a wildcard, which may cover services you do not mean",
                parts.service
            ),
            Some("name the service".into()),
        );
        return;
    }
    if parts.service.bytes().any(|b| b.is_ascii_uppercase()) {
        emit(
            ctx,
            Code::InvalidArnServiceCase,
            format!("the service name `{}` must be lower case", parts.service),
            Some(format!("write `{}`", parts.service.to_ascii_lowercase())),
        );
        return;
    }
    let mut region_ok = true;
    if !parts.region.is_empty() && is_fixed(parts.region) && !looks_like_region(parts.region) {
        region_ok = false;
        emit(
            ctx,
            Code::InvalidArnRegion,
            format!("`{}` is not a region", parts.region),
            Some("use a region name such as `us-east-1`, or `*`".into()),
        );
    }
    let mut account_ok = true;
    if !parts.account.is_empty()
        && is_fixed(parts.account)
        && parts.account != "aws"
        && !(parts.account.len() == 12 && parts.account.bytes().all(|b| b.is_ascii_digit()))
    {
        account_ok = false;
        emit(
            ctx,
            Code::InvalidArnAccount,
            format!("`{}` is not a 12-digit account id", parts.account),
            None,
        );
    }
    let Some(catalog) = ctx.catalog else { return };
    let namespace = parts.service;
    let formats = namespace_formats(catalog, namespace);
    if formats.is_empty() {
        return;
    }
    let fit = fit(formats, parts.resource);
    if !fit.any {
        // The formats whose resource part shares the longest beginning with the one written.
        let shared = |f: &Format| {
            let theirs = crate::arn::components(f.text).nth(5).unwrap_or_default();
            theirs
                .bytes()
                .zip(parts.resource.bytes())
                .take_while(|(a, b)| a.eq_ignore_ascii_case(b))
                .count()
        };
        let mut ranked: Vec<&Format> = formats.iter().collect();
        ranked.sort_by_key(|f| std::cmp::Reverse(shared(f)));
        let kinds: Vec<&str> = ranked.iter().map(|f| f.text).take(3).collect();
        emit(
            ctx,
            Code::InvalidArnResource,
            format!(
                "`{}` matches no resource type of `{namespace}`",
                parts.resource
            ),
            Some(format!("expected a form such as `{}`", kinds.join("`, `"))),
        );
        return;
    }
    let region_can_be_empty = parts.region.bytes().all(|b| b == b'*');
    if region_ok && !region_can_be_empty && fit.region_always_empty {
        emit(
            ctx,
            Code::ArnRegionNotAllowed,
            format!(
                "`{namespace}` ARNs of this kind have no region, found `{}`",
                parts.region
            ),
            Some("leave the region empty".into()),
        );
    }
    if parts.region.is_empty() && fit.region_never_empty {
        emit(
            ctx,
            Code::MissingArnRegion,
            format!("`{namespace}` ARNs of this kind need a region"),
            Some("add a region, or `*` for any".into()),
        );
    }
    let account_can_be_empty = parts.account.bytes().all(|b| b == b'*');
    if account_ok && !account_can_be_empty && fit.account_always_empty {
        emit(
            ctx,
            Code::ArnAccountNotAllowed,
            format!(
                "`{namespace}` ARNs of this kind have no account id, found `{}`",
                parts.account
            ),
            Some("leave the account empty".into()),
        );
    }
}

fn redundant(ctx: &mut Ctx<'_>, i: usize, stmt: &Statement, name: &str) {
    let Some(res) = &stmt.resource else { return };
    let items = &res.value.patterns.items;
    let texts: Vec<&str> = items.iter().map(|p| p.value.as_str()).collect();
    let pairs = redundant_entries(&texts, arn_covers);
    for (j, k) in pairs {
        let (Some(inner), Some(outer)) = (items.get(j), items.get(k)) else {
            continue;
        };
        let path = ctx.stmt_path(i).key(name).item(&res.value.patterns, j);
        ctx.emit(
            Some(i),
            Code::RedundantResource,
            inner.span,
            path,
            format!(
                "`{}` is already covered by `{}`",
                inner.value.as_str(),
                outer.value.as_str()
            ),
        )
        .help = Some("remove the redundant entry".into());
    }
}

/// The entries of a list that another entry covers, as `(redundant, covering)` index pairs:
/// a repeated entry is covered by its first occurrence, any other by a wildcard entry (of two
/// entries that cover each other, the later one is redundant). `covers(outer, inner)` may only
/// be true when the text of `outer` before its first wildcard starts `inner`: candidates are
/// found by that prefix, so the work is linear in the number of entries in practice.
pub(crate) fn redundant_entries(
    items: &[&str],
    covers: impl Fn(&str, &str) -> bool,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(items.len());
    // Wildcard entries by the literal text before their first wildcard.
    let mut by_prefix: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut lengths: Vec<usize> = Vec::new();
    for (k, text) in items.iter().enumerate() {
        if let Some(head) = text.find(['*', '?']) {
            let prefix = text.get(..head).unwrap_or_default();
            by_prefix.entry(prefix).or_default().push(k);
            lengths.push(head);
        }
    }
    lengths.sort_unstable();
    lengths.dedup();
    for (j, inner) in items.iter().enumerate() {
        if let Some(&k) = first.get(inner) {
            out.push((j, k));
            continue;
        }
        first.insert(inner, j);
        let mut by: Option<usize> = None;
        for &len in &lengths {
            let Some(candidates) = inner.get(..len).and_then(|p| by_prefix.get(p)) else {
                continue;
            };
            for &k in candidates {
                let Some(&outer) = items.get(k) else { continue };
                let better = by.is_none_or(|b| k < b);
                if better
                    && k != j
                    && outer != *inner
                    && covers(outer, inner)
                    && !(k > j && covers(inner, outer))
                {
                    by = Some(k);
                }
            }
        }
        if let Some(k) = by {
            out.push((j, k));
        }
    }
    out
}

/// `RESOURCE_MISMATCH`: an action named without wildcards acts on resource types none of whose
/// ARN formats any listed resource matches.
fn mismatch(ctx: &mut Ctx<'_>, i: usize, stmt: &Statement) {
    let Some(catalog) = ctx.catalog else { return };
    let Some(res) = &stmt.resource else { return };
    if res.value.negated || stmt.action.value.negated {
        return;
    }
    let resources = &res.value.patterns.items;
    if resources.is_empty() || resources.iter().any(|r| r.value.as_str() == "*") {
        return;
    }
    let widened: Vec<Widened> = resources
        .iter()
        .map(|r| Widened::new(r.value.as_str()))
        .collect();
    for item in &stmt.action.value.patterns.items {
        let raw = item.value.as_str();
        if has_wildcard(raw) {
            continue;
        }
        let Some((service_name, action_name)) = raw.split_once(':') else {
            continue;
        };
        let Some(service) = catalog.service(service_name) else {
            continue;
        };
        let Some(action) = service.action(action_name) else {
            continue;
        };
        let all = formats(catalog, service);
        let own: Vec<&Format> = all
            .iter()
            .filter(|f| {
                action
                    .resource_types
                    .iter()
                    .any(|(rt, _)| rt.eq_ignore_ascii_case(f.resource_type))
            })
            .collect();
        if own.is_empty() {
            continue;
        }
        let met = widened.iter().any(|w| own.iter().any(|f| w.meets(f)));
        if met {
            continue;
        }
        let shown: Vec<String> = own
            .iter()
            .take(3)
            .map(|f| format!("{} `{}`", f.resource_type, f.text))
            .collect();
        let path = ctx.stmt_path(i).key("Action");
        ctx.emit(
            Some(i),
            Code::ResourceMismatch,
            stmt.action.span,
            path,
            format!(
                "no `Resource` entry matches the resource types of `{raw}`, so the statement never allows it"
            ),
        )
        .help = Some(format!("`{raw}` acts on {}", shown.join(", ")));
        return;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "us-gov-west-1",
            "eu-central-2",
            "eusc-de-east-1",
            "cn-north-1",
        ] {
            assert!(looks_like_region(ok), "{ok}");
        }
        for bad in [
            "us-east",
            "useast1",
            "US-EAST-1",
            "us-east-1a",
            "x-east-1",
            "us--1",
        ] {
            assert!(!looks_like_region(bad), "{bad}");
        }
    }

    #[test]
    fn formats() {
        let secret = "arn:${Partition}:secretsmanager:${Region}:${Account}:secret:${SecretId}";
        assert!(arn_meets_format(
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-??????",
            secret
        ));
        assert!(arn_meets_format("arn:aws:secretsmanager:*", secret));
        assert!(!arn_meets_format("arn:aws:s3:::bucket/*", secret));
        let object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
        assert!(!arn_meets_format("arn:aws:s3:::bucket", object));
        assert!(arn_meets_format(
            "arn:aws:s3:::bucket/${aws:username}/*",
            object
        ));
        // A `*` in the region does not cross into the account.
        assert!(!arn_meets_format(
            "arn:aws:s3:*",
            "arn:${Partition}:s3express:x:y:z"
        ));
    }

    #[test]
    fn redundancy() {
        let items = [
            "arn:aws:s3:::a/x",
            "arn:aws:s3:::a/*",
            "arn:aws:s3:::b",
            "arn:aws:s3:::a/*",
            "*",
            "arn:aws:s3:::a/y",
        ];
        assert_eq!(
            redundant_entries(&items, arn_covers),
            [(0, 1), (1, 4), (2, 4), (3, 1), (5, 1)]
        );
    }

    #[test]
    fn coverage() {
        assert!(arn_covers(
            "arn:aws:iam::1:role/jane*",
            "arn:aws:iam::1:role/jane-admin"
        ));
        assert!(!arn_covers(
            "arn:aws:iam::1:role/jane-admin",
            "arn:aws:iam::1:role/jane*"
        ));
        assert!(arn_covers("*", "arn:aws:s3:::b"));
        assert!(!arn_covers(
            "arn:aws:s3:::b/${aws:username}",
            "arn:aws:s3:::b/x"
        ));
    }
}
