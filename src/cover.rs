//! Whether one action or ARN pattern covers another (the wildcard relations themselves are
//! owned by `wildcard.rs`).
//!
//! Used by lint (redundant entries) and by exposure (which statements a broader one
//! subsumes). A leaf below both, so that neither imports the other's internals.

use crate::arn::ArnParts;
use crate::wildcard::covers;

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
    covers(outer, inner, false)
}

/// Whether ARN pattern `outer` covers everything `inner` matches (segment by segment;
/// patterns with variables only cover an identical pattern).
pub(crate) fn arn_covers(outer: &str, inner: &str) -> bool {
    if outer == "*" {
        return true;
    }
    if outer == inner {
        return true;
    }
    if outer.contains("${") || inner.contains("${") {
        return false;
    }
    // Quick test: the literal text before `outer`'s first wildcard must start `inner`.
    let head = outer.find(['*', '?']).unwrap_or(outer.len());
    if !outer
        .get(..head)
        .is_some_and(|prefix| inner.starts_with(prefix))
    {
        return false;
    }
    match (ArnParts::split(outer), ArnParts::split(inner)) {
        (Some(o), Some(n)) => o
            .segments()
            .iter()
            .zip(n.segments())
            .all(|(a, b)| covers(a, b, false)),
        _ => false,
    }
}
