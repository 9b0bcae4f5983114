//! `Action`/`NotAction` rules: unknown services and actions (with "did you mean" hints),
//! redundant and empty lists.

use super::ctx::Ctx;
use super::resources::redundant_entries;
use super::{glob, suggest};

/// Runs the action rules.
pub(crate) fn check(ctx: &mut Ctx<'_>) {
    for i in 0..ctx.policy.statements.len() {
        statement(ctx, i);
    }
}

fn statement(ctx: &mut Ctx<'_>, i: usize) {
    let Some(stmt) = ctx.policy.statements.get(i) else {
        return;
    };
    let block = &stmt.action.value;
    let name = if block.negated { "NotAction" } else { "Action" };
    let patterns = &block.patterns;
    if patterns.items.is_empty() {
        let path = ctx.stmt_path(i).key(name);
        ctx.emit(
            Some(i),
            "EMPTY_ARRAY_ACTION",
            stmt.action.span,
            path,
            format!("`{name}` is empty, so the statement matches no action"),
        );
        return;
    }
    for (j, item) in patterns.items.iter().enumerate() {
        let raw = item.value.as_str();
        let path = ctx.stmt_path(i).key(name).item(patterns, j);
        let Some((service, action)) = raw.split_once(':') else {
            continue;
        };
        // The parser refuses wildcards in the service prefix.
        if glob::has_wildcard(service) {
            continue;
        }
        let Some(catalog) = ctx.catalog else { continue };
        let Some(svc) = catalog.service(service) else {
            let help = suggest::closest(service, catalog.services().iter().map(|s| s.prefix()))
                .map(|s| format!("did you mean `{s}:{action}`?"));
            ctx.emit(
                Some(i),
                "INVALID_SERVICE_IN_ACTION",
                item.span,
                path,
                format!("unknown service `{service}` in action `{raw}`"),
            )
            .help = help;
            continue;
        };
        if glob::has_wildcard(action) {
            if svc.expand_action_pattern(action).next().is_none() {
                ctx.emit(
                    Some(i),
                    "INVALID_ACTION",
                    item.span,
                    path,
                    format!("`{raw}` matches no action of `{}`", svc.prefix()),
                );
            }
        } else if svc.action(action).is_none() {
            let help = suggest::closest(action, svc.actions().iter().map(|a| a.name))
                .map(|a| format!("did you mean `{service}:{a}`?"));
            ctx.emit(
                Some(i),
                "INVALID_ACTION",
                item.span,
                path,
                format!("`{raw}` is not an action of `{}`", svc.prefix()),
            )
            .help = help;
        }
    }
    redundant(ctx, i);
}

/// Whether pattern `outer` covers everything `inner` matches (both lower-case).
pub(crate) fn action_covers(outer: &str, inner: &str) -> bool {
    if outer == "*" {
        return true;
    }
    // Quick test: the literal text before `outer`'s first wildcard must start `inner`.
    let head = outer.find(['*', '?']).unwrap_or(outer.len());
    let Some(prefix) = outer.get(..head) else {
        return false;
    };
    if !inner.starts_with(prefix) {
        return false;
    }
    if head == outer.len() {
        return outer == inner;
    }
    glob::covers(outer.as_bytes(), inner.as_bytes(), false)
}

fn redundant(ctx: &mut Ctx<'_>, i: usize) {
    let Some(stmt) = ctx.policy.statements.get(i) else {
        return;
    };
    let block = &stmt.action.value;
    let name = if block.negated { "NotAction" } else { "Action" };
    let lower: Vec<String> = block
        .patterns
        .items
        .iter()
        .map(|p| p.value.as_str().to_ascii_lowercase())
        .collect();
    let texts: Vec<&str> = lower.iter().map(String::as_str).collect();
    for (j, k) in redundant_entries(&texts, action_covers) {
        let (Some(inner), Some(outer)) = (block.patterns.items.get(j), block.patterns.items.get(k))
        else {
            continue;
        };
        let path = ctx.stmt_path(i).key(name).item(&block.patterns, j);
        ctx.emit(
            Some(i),
            "REDUNDANT_ACTION",
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
