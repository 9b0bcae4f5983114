//! `Action`/`NotAction` rules: unknown services and actions (with "did you mean" hints),
//! redundant and empty lists.

use super::ctx::Ctx;
use crate::catalog::Catalog;
use crate::code::Code;

use crate::cover::action_covers;
use crate::suggest;
use crate::wildcard::{glob_text, has_wildcard};

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
            Code::EmptyArrayAction,
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
        if has_wildcard(service) {
            continue;
        }
        let Some(catalog) = ctx.catalog else { continue };
        let Some(svc) = catalog.service(service) else {
            let help = suggest::closest(service, catalog.services().iter().map(|s| s.prefix()))
                .map(|s| format!("did you mean `{s}:{action}`?"));
            ctx.emit(
                Some(i),
                Code::InvalidServiceInAction,
                item.span,
                path,
                format!("unknown service `{service}` in action `{raw}`"),
            )
            .help = help;
            continue;
        };
        if has_wildcard(action) {
            if svc.expand_action_pattern(action).next().is_none() {
                ctx.emit(
                    Some(i),
                    Code::InvalidAction,
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
                Code::InvalidAction,
                item.span,
                path,
                format!("`{raw}` is not an action of `{}`", svc.prefix()),
            )
            .help = help;
        }
    }
    redundant(ctx, i);
}

/// The actions an entry stands for today (lower case `service:action`), from the catalog;
/// `None` when the catalog is missing or the service unknown.
fn expand(catalog: Option<&Catalog>, entry: &str) -> Option<Vec<String>> {
    let (service, action) = entry.split_once(':')?;
    let svc = catalog?.service(service)?;
    let prefix = svc.prefix().to_ascii_lowercase();
    let names: Vec<String> = if has_wildcard(action) {
        svc.expand_action_pattern(action)
            .map(|a| format!("{prefix}:{}", a.name.to_ascii_lowercase()))
            .collect()
    } else {
        svc.action(action)
            .map(|a| format!("{prefix}:{}", a.name.to_ascii_lowercase()))
            .into_iter()
            .collect()
    };
    Some(names)
}

/// `REDUNDANT_ACTION`, as Access Analyzer defines it: an entry is redundant when every action
/// it grants today is granted by the other entries of the list (so `iam:*CredentialReport` is
/// not redundant next to `iam:Get*`, which leaves out `iam:GenerateCredentialReport`). Entries
/// are considered from the last to the first, and an entry already found redundant covers
/// nothing, so removing every reported entry keeps the permissions. Without the catalog, or
/// for an unknown service, an entry is redundant only when a single other entry covers its
/// pattern.
fn redundant(ctx: &mut Ctx<'_>, i: usize) {
    let Some(stmt) = ctx.policy.statements.get(i) else {
        return;
    };
    let block = &stmt.action.value;
    let name = if block.negated { "NotAction" } else { "Action" };
    let items = &block.patterns.items;
    let lower: Vec<String> = items
        .iter()
        .map(|p| p.value.as_str().to_ascii_lowercase())
        .collect();
    let mut redundant_by: Vec<Option<Vec<usize>>> = vec![None; lower.len()];
    for j in (0..lower.len()).rev() {
        let Some(entry) = lower.get(j) else { continue };
        let live = |k: usize| k != j && redundant_by.get(k).is_some_and(Option::is_none);
        let covering: Option<Vec<usize>> = if entry == "*" {
            (0..lower.len())
                .find(|&k| live(k) && lower.get(k).is_some_and(|o| o == "*"))
                .map(|k| vec![k])
        } else if let Some(actions) = expand(ctx.catalog, entry) {
            let mut by = Vec::new();
            let all = !actions.is_empty()
                && actions.iter().all(|a| {
                    let found = (0..lower.len())
                        .find(|&k| live(k) && lower.get(k).is_some_and(|o| glob_text(o, a, false)));
                    if let Some(k) = found
                        && !by.contains(&k)
                    {
                        by.push(k);
                    }
                    found.is_some()
                });
            all.then_some(by)
        } else {
            (0..lower.len())
                .find(|&k| live(k) && lower.get(k).is_some_and(|o| action_covers(o, entry)))
                .map(|k| vec![k])
        };
        if let Some(slot) = redundant_by.get_mut(j) {
            *slot = covering;
        }
    }
    for (j, by) in redundant_by.iter().enumerate() {
        let (Some(by), Some(inner)) = (by, items.get(j)) else {
            continue;
        };
        let others: Vec<String> = by
            .iter()
            .take(3)
            .filter_map(|&k| items.get(k))
            .map(|o| format!("`{}`", o.value.as_str()))
            .collect();
        let more = if by.len() > 3 { ", ..." } else { "" };
        let path = ctx.stmt_path(i).key(name).item(&block.patterns, j);
        ctx.emit(
            Some(i),
            Code::RedundantAction,
            inner.span,
            path,
            format!(
                "`{}` is already covered by {}{more}",
                inner.value.as_str(),
                others.join(", ")
            ),
        )
        .help = Some("remove the redundant entry".into());
    }
}
