//! The combining logic: applicable statements of every part tallied, then the decision
//! (the rules AWS applies beyond the policy text, `crate::aws_rules`; explicit deny wins; SCP
//! and RCP gates; the caller's route to an Allow). One owner: the plain compiled set, the store
//! and prepared requests all decide here.

use super::Part;
use crate::aws_rules::{AwsRule, RoleOf, is_service_linked_role};

use super::compile::{Group, TEST_ACTION};
use super::decision::{Decision, Evaluation, Gate, MAX_REASONS, PrincipalMatch};
use super::ids::PolicyKind;
use super::record::Recorder;
use super::statement::{Applied, eval_statement};
use super::view::{Found, Input, Scalar};
use crate::request::{CallerKind, PRINCIPAL_ARN, ResourceKind};

/// The most parts one decision runs over.
pub(crate) const MAX_PARTS: usize = 5;

/// Which allow a statement contributed, for choosing the reasons of an `Allow`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    Identity,
    Boundary,
    Session,
    ResDirect,
    ResRole,
    ResAccount,
    Scp,
    Rcp,
}

impl Tag {
    const fn bit(self) -> u16 {
        1 << (self as u16)
    }

    const fn from_bits(bits: u8) -> Self {
        match bits {
            0 => Self::Identity,
            1 => Self::Boundary,
            2 => Self::Session,
            3 => Self::ResDirect,
            4 => Self::ResRole,
            5 => Self::ResAccount,
            6 => Self::Scp,
            _ => Self::Rcp,
        }
    }
}

const SCRATCH: usize = 32;

/// A statement that applied: its part, its id in that part, and its tag.
#[derive(Clone, Copy)]
struct Hit {
    part: u8,
    id: u32,
    tag: Tag,
}

/// Statements that applied; fixed size, no heap. Ids and the part and tag are kept apart so
/// that the arrays are small to clear.
struct Hits<const N: usize> {
    ids: [u32; N],
    /// The part (high bits) and the tag (low three bits).
    meta: [u8; N],
    len: usize,
    overflow: bool,
}

impl<const N: usize> Hits<N> {
    const fn new() -> Self {
        Self {
            ids: [0; N],
            meta: [0; N],
            len: 0,
            overflow: false,
        }
    }

    #[inline]
    fn push(&mut self, hit: Hit) {
        match (self.ids.get_mut(self.len), self.meta.get_mut(self.len)) {
            (Some(id), Some(meta)) => {
                *id = hit.id;
                *meta = (hit.part << 3) | hit.tag as u8;
                self.len += 1;
            }
            _ => self.overflow = true,
        }
    }

    fn iter(&self) -> impl Iterator<Item = Hit> + '_ {
        self.ids
            .iter()
            .zip(&self.meta)
            .take(self.len)
            .map(|(&id, &meta)| Hit {
                part: meta >> 3,
                id,
                tag: Tag::from_bits(meta & 7),
            })
    }
}

/// What the statements of the set say, summed up.
struct Tally {
    /// The applicable `Deny` statements (the tag is unused).
    denies: Hits<MAX_REASONS>,
    /// The applicable `Allow` statements, tagged with the part they play.
    allows: Hits<SCRATCH>,
    identity: bool,
    boundary: bool,
    session: bool,
    res_direct: bool,
    res_role: bool,
    res_account: bool,
    scp_missing: Option<u16>,
    rcp_missing: Option<u16>,
}

/// What the parts hold, together.
#[derive(Clone, Copy)]
struct Shape {
    has_boundary: bool,
    has_session: bool,
}

/// Decides over `parts` (at most [`MAX_PARTS`]; more are ignored), in report order.
#[inline]
pub(crate) fn run<R: Recorder>(parts: &[Part<'_>], input: &Input<'_>, rec: &mut R) -> Evaluation {
    let parts = parts.get(..parts.len().min(MAX_PARTS)).unwrap_or_default();
    let shape = Shape {
        has_boundary: parts.iter().any(|p| p.has_boundary),
        has_session: parts.iter().any(|p| p.has_session),
    };
    let mut t = Tally {
        denies: Hits::new(),
        allows: Hits::new(),
        identity: false,
        boundary: false,
        session: false,
        res_direct: false,
        res_role: false,
        res_account: false,
        scp_missing: None,
        rcp_missing: None,
    };
    tally(parts, shape, input, rec, &mut t);
    decide(parts, shape, input, &t)
}

/// The next group in report order over all parts: the first of the parts' remaining groups
/// (`lanes`, each a part's groups not yet visited, in order) with the lowest order; it is
/// taken off its lane. Plain loops over at most [`MAX_PARTS`] lanes: no iterator adapters,
/// which cost a call each on this path.
#[inline(always)]
fn next_group<'p>(lanes: &mut [&'p [Group]; MAX_PARTS]) -> Option<(u8, &'p Group)> {
    let mut best: Option<(usize, &'p Group)> = None;
    for (p, lane) in lanes.iter().enumerate() {
        if let Some(group) = lane.first()
            && best.is_none_or(|(_, b)| group.order < b.order)
        {
            best = Some((p, group));
        }
    }
    let (p, group) = best?;
    if let Some(lane) = lanes.get_mut(p) {
        *lane = lane.get(1..).unwrap_or_default();
    }
    // INVARIANT: `p < MAX_PARTS`, which fits a `u8`.
    Some((u8::try_from(p).unwrap_or_default(), group))
}

#[inline(always)]
fn tally<R: Recorder>(
    parts: &[Part<'_>],
    shape: Shape,
    input: &Input<'_>,
    rec: &mut R,
    t: &mut Tally,
) {
    let boundary_caller = shape.has_boundary && input.who.kind.is_iam_identity();
    let mut lanes: [&[Group]; MAX_PARTS] = [&[]; MAX_PARTS];
    for (lane, part) in lanes.iter_mut().zip(parts) {
        *lane = part.groups;
    }
    // Whether the caller is a service-linked role: read once, at the first SCP or RCP group.
    let mut exempt: Option<bool> = None;
    while let Some((p, group)) = next_group(&mut lanes) {
        let Some(part) = parts.get(usize::from(p)) else {
            break;
        };
        let mut group_allows = false;
        // SCPs govern principals of member accounts, so they take no part for service
        // principals and anonymous callers; neither SCPs nor RCPs take part in the calls of a
        // service-linked role ([`service_linked`]); a permissions boundary is attached to a
        // user or a role, so a boundary given for the root user takes no part. Their statements
        // are still traced, and never apply.
        let takes_part = match group.kind {
            PolicyKind::Scp => {
                !matches!(input.who.kind, CallerKind::Service | CallerKind::Anonymous)
                    && !*exempt.get_or_insert_with(|| service_linked(input))
            }
            PolicyKind::Rcp => !*exempt.get_or_insert_with(|| service_linked(input)),
            PolicyKind::PermissionsBoundary => input.who.kind != CallerKind::Root,
            _ => true,
        };
        let mut visit = |id: u32, known_action: bool, t: &mut Tally| {
            let Some(st) = part.statements.get(id as usize) else {
                return;
            };
            rec.begin(
                st,
                if R::FULL {
                    part.labels.get(id as usize)
                } else {
                    None
                },
            );
            match eval_statement(
                st,
                part.conditions_of(st),
                input,
                known_action,
                boundary_caller,
                takes_part,
                rec,
            ) {
                Applied::No => {}
                Applied::Deny => t.denies.push(Hit {
                    part: p,
                    id,
                    tag: Tag::Identity,
                }),
                Applied::Allow(matched) => {
                    let tag = match group.kind {
                        PolicyKind::Identity => Some(Tag::Identity),
                        PolicyKind::PermissionsBoundary => Some(Tag::Boundary),
                        PolicyKind::Session => Some(Tag::Session),
                        PolicyKind::Scp => Some(Tag::Scp),
                        PolicyKind::Rcp => Some(Tag::Rcp),
                        PolicyKind::Resource => match matched {
                            Some(PrincipalMatch::Direct) => Some(Tag::ResDirect),
                            Some(PrincipalMatch::Role) => Some(Tag::ResRole),
                            Some(PrincipalMatch::Account) => Some(Tag::ResAccount),
                            // A resource-policy statement without a principal names nobody.
                            None => None,
                        },
                    };
                    if let Some(tag) = tag {
                        group_allows = true;
                        match tag {
                            Tag::Identity => t.identity = true,
                            Tag::Boundary => t.boundary = true,
                            Tag::Session => t.session = true,
                            Tag::ResDirect => t.res_direct = true,
                            Tag::ResRole => t.res_role = true,
                            Tag::ResAccount => t.res_account = true,
                            Tag::Scp | Tag::Rcp => {}
                        }
                        t.allows.push(Hit { part: p, id, tag });
                    }
                }
            }
        };
        if R::FULL {
            for id in group.start..group.end {
                visit(id, false, t);
            }
        } else {
            let candidates = group.candidates(
                input.action_hash,
                input.action,
                input.service_hash,
                input.service,
            );
            for &entry in candidates {
                visit(entry >> 1, entry & TEST_ACTION == 0, t);
            }
        }
        if !group_allows && takes_part {
            match group.kind {
                PolicyKind::Scp if t.scp_missing.is_none() => {
                    t.scp_missing = Some(group.level);
                }
                PolicyKind::Rcp if t.rcp_missing.is_none() => {
                    t.rcp_missing = Some(group.level);
                }
                _ => {}
            }
        }
    }
}

/// Whether the caller is a service-linked role: a role or role session whose `aws:PrincipalArn`
/// (given, or derived from the caller) is a role of its account under `aws-service-role/`
/// and is the caller's own role ([`is_service_linked_role`], which cites AWS). SCPs and RCPs
/// take no part in its calls. A session ARN does not carry the role's path: unless the request
/// gives `aws:PrincipalArn`, a session of a service-linked role is not known to be one, and the
/// guardrails apply; a given value naming another role than the caller's exempts nothing (D-18).
#[inline(never)]
fn service_linked(input: &Input<'_>) -> bool {
    let who = &input.who;
    let caller = match (who.kind, who.role_arn()) {
        (CallerKind::Role, Some(own)) => RoleOf::Role(own),
        (CallerKind::AssumedRole, Some(role)) => RoleOf::Session(role),
        _ => return false,
    };
    input
        .ctx
        .find(PRINCIPAL_ARN.hash, PRINCIPAL_ARN.key)
        .and_then(Found::single)
        .is_some_and(|value| match value {
            Scalar::String(arn) => is_service_linked_role(arn, caller),
            Scalar::Number(_) | Scalar::Bool(_) => false,
        })
}

/// Adds the statement of `hit` to the reasons.
#[inline(always)]
fn push_reason(parts: &[Part<'_>], evaluation: &mut Evaluation, hit: Hit) {
    if let Some(st) = parts
        .get(usize::from(hit.part))
        .and_then(|part| part.statements.get(hit.id as usize))
    {
        evaluation.push_reason(st.at);
    }
}

#[inline(always)]
fn decide(parts: &[Part<'_>], shape: Shape, input: &Input<'_>, t: &Tally) -> Evaluation {
    // Rules AWS applies beyond the policy text (`aws_rules`): an action that needs no
    // permission is allowed even under an explicit deny; a refusal yields to an applicable
    // `Deny` (both refuse; the statement is the more specific reason).
    let rule = input.aws_rule;
    if let Some(AwsRule::NoPermissionRequired) = rule {
        return Evaluation::by_rule(AwsRule::NoPermissionRequired);
    }
    if t.denies.len > 0 {
        let mut evaluation = Evaluation::new(Decision::ExplicitDeny, None);
        for hit in t.denies.iter() {
            push_reason(parts, &mut evaluation, hit);
        }
        if t.denies.overflow {
            evaluation.set_truncated();
        }
        return evaluation;
    }
    if let Some(rule) = rule {
        return Evaluation::by_rule(rule);
    }
    let kind = input.who.kind;
    let belongs_to_account = !matches!(kind, CallerKind::Service | CallerKind::Anonymous);
    if belongs_to_account && let Some(level) = t.scp_missing {
        return Evaluation::new(Decision::ImplicitDeny, Some(Gate::Scp { level }));
    }
    if let Some(level) = t.rcp_missing {
        return Evaluation::new(Decision::ImplicitDeny, Some(Gate::Rcp { level }));
    }
    // An AWS-owned resource (account `aws`) has no resource-based policy and belongs to no
    // customer account: the caller's own policies decide, as in the same account.
    let same = input.same_account || input.resource_kind == ResourceKind::AwsOwned;
    let owner_policy = matches!(
        input.resource_kind,
        ResourceKind::RoleTrust | ResourceKind::KmsKey
    );
    let (rd, rr, ra) = (t.res_direct, t.res_role, t.res_account);
    let res_any = rd || rr || ra;
    let res_all = Tag::ResDirect.bit() | Tag::ResRole.bit() | Tag::ResAccount.bit();
    let chain_bits = Tag::Identity.bit() | Tag::Boundary.bit() | Tag::Session.bit();
    let route: Result<u16, Gate> = match kind {
        CallerKind::Service | CallerKind::Anonymous => {
            if rd {
                Ok(Tag::ResDirect.bit())
            } else {
                Err(Gate::ResourcePolicy)
            }
        }
        CallerKind::Root => {
            if same && !owner_policy {
                Ok(Tag::ResDirect.bit() | Tag::Identity.bit())
            } else if rd || ra {
                Ok(Tag::ResDirect.bit() | Tag::ResAccount.bit() | Tag::Identity.bit())
            } else {
                Err(Gate::ResourcePolicy)
            }
        }
        CallerKind::User
        | CallerKind::Role
        | CallerKind::AssumedRole
        | CallerKind::FederatedUser => {
            let i = t.identity;
            let b = !shape.has_boundary || t.boundary;
            // A federated user session (`GetFederationToken`) without a session policy has no
            // permissions of its own: only a grant naming the session (or `"*"`) reaches it.
            // <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getfederationtoken.html>
            let s = t.session || (!shape.has_session && kind != CallerKind::FederatedUser);
            let chain = i && b && s;
            if !same {
                if chain && res_any {
                    Ok(chain_bits | res_all)
                } else {
                    Err(first_missing(i, b, s).unwrap_or(Gate::ResourcePolicy))
                }
            } else if rd {
                Ok(Tag::ResDirect.bit())
            } else if rr && b && s {
                Ok(Tag::ResRole.bit() | Tag::Boundary.bit() | Tag::Session.bit())
            } else if owner_policy {
                if ra && chain {
                    Ok(chain_bits | Tag::ResAccount.bit())
                } else if !res_any {
                    Err(Gate::ResourcePolicy)
                } else {
                    // A role grant lacks the boundary or session; an account grant also
                    // needs the identity policies.
                    Err(first_missing(true, b, s).unwrap_or(Gate::Identity))
                }
            } else if chain {
                Ok(chain_bits)
            } else if !i && !rr {
                Err(Gate::Identity)
            } else {
                Err(first_missing(true, b, s).unwrap_or(Gate::Identity))
            }
        }
    };
    match route {
        Err(gate) => Evaluation::new(Decision::ImplicitDeny, Some(gate)),
        Ok(mut mask) => {
            if belongs_to_account {
                mask |= Tag::Scp.bit();
            }
            mask |= Tag::Rcp.bit();
            let mut evaluation = Evaluation::new(Decision::Allow, None);
            for hit in t.allows.iter() {
                if mask & hit.tag.bit() != 0 {
                    push_reason(parts, &mut evaluation, hit);
                }
            }
            if t.allows.overflow {
                evaluation.set_truncated();
            }
            evaluation
        }
    }
}

/// The first of identity, boundary, session that does not allow.
const fn first_missing(i: bool, b: bool, s: bool) -> Option<Gate> {
    if !i {
        Some(Gate::Identity)
    } else if !b {
        Some(Gate::PermissionsBoundary)
    } else if !s {
        Some(Gate::Session)
    } else {
        None
    }
}
