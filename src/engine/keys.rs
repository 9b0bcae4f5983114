//! The store's keys for a request: the caller's key and the resource, each with its hash.

use std::io::Write as _;

use super::store::table::arn_hash;
use crate::request::{Caller, CallerKind, Request};

/// The longest role ARN rebuilt without its path on the stack.
pub(super) const ROLE_KEY_MAX: usize = 512;

/// Where the store looks a request's policies up: the principal's key (none for callers that
/// cannot have stored policies) and the resource, each with its [`arn_hash`].
#[derive(Clone, Copy, Debug)]
pub(super) struct Keys<'a> {
    pub(super) principal: Option<(u64, &'a [u8])>,
    pub(super) resource: (u64, &'a [u8]),
}

impl<'a> Keys<'a> {
    /// The keys of a plain request (`buf` holds a rebuilt role key).
    pub(super) fn of(request: &'a Request, buf: &'a mut [u8; ROLE_KEY_MAX]) -> Self {
        Self {
            principal: caller_key(request.principal(), buf)
                .map(|k| (arn_hash(k.as_bytes()), k.as_bytes())),
            resource: (
                arn_hash(request.resource().as_bytes()),
                request.resource().as_bytes(),
            ),
        }
    }
}

/// The key under which the caller's identity policies are stored: a user's ARN, a role's (or
/// a session's role's) ARN without path; `None` for other callers. A role ARN with a path is
/// rebuilt without it in `buf`.
pub(super) fn caller_key<'a>(
    caller: &'a Caller,
    buf: &'a mut [u8; ROLE_KEY_MAX],
) -> Option<&'a str> {
    match caller.kind() {
        CallerKind::User => Some(caller.as_str()),
        // A session's role ARN never has a path.
        CallerKind::AssumedRole => caller.role_arn(),
        CallerKind::Role => {
            let arn = caller.role_arn()?;
            let has_path = arn
                .split_once(":role/")
                .is_some_and(|(_, path_name)| path_name.contains('/'));
            if !has_path {
                return Some(arn);
            }
            let mut out = buf.as_mut_slice();
            write!(
                out,
                "arn:{}:iam::{}:role/{}",
                caller.partition(),
                caller.account()?,
                caller.name()
            )
            .ok()?;
            let len = ROLE_KEY_MAX - out.len();
            std::str::from_utf8(buf.get(..len)?).ok()
        }
        CallerKind::FederatedUser
        | CallerKind::Root
        | CallerKind::Service
        | CallerKind::Anonymous => None,
    }
}
