//! Whether one action or ARN pattern covers another (the wildcard relations themselves are
//! owned by `wildcard.rs`).
//!
//! Used by lint (redundant entries) and by exposure (which statements a broader one
//! subsumes). A leaf below both, so that neither imports the other's internals.

use crate::wildcard::covers;

/// The six components of an ARN (the last one runs to the end, colons included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ArnParts<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub region: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> ArnParts<'a> {
    /// Splits `arn:partition:service:region:account:resource`; `None` for anything shorter.
    pub fn split(text: &'a str) -> Option<Self> {
        let mut it = text.splitn(6, ':');
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(region),
            Some(account),
            Some(resource),
        ) = (
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
            it.next(),
        )
        else {
            return None;
        };
        Some(Self {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The segments in order.
    pub fn segments(&self) -> [&'a str; 5] {
        [
            self.partition,
            self.service,
            self.region,
            self.account,
            self.resource,
        ]
    }
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
