//! The decision algorithm: [`CompiledPolicySet::evaluate`] and [`CompiledPolicySet::explain`].
//!
//! Owns the combining logic of `iam-semantics.md` §9 and the project decisions; it never sees
//! JSON. Both entry points run the same generic function; `evaluate` instantiates it with a
//! recorder whose hooks are empty (they compile away, and nothing allocates), `explain` with
//! one that records every statement.
//!
//! # The decision, step by step
//!
//! 1. Every statement of every policy that can cover the action is tested: action, resource,
//!    principal, then conditions (three-valued, fail closed: an `Allow` needs every condition
//!    true, a `Deny` applies unless some condition is false; project decision 22).
//! 2. Any applicable `Deny`, in any policy (identity, resource, boundary, session, SCP, RCP):
//!    **ExplicitDeny**.
//! 3. SCPs (not for service principals and anonymous callers, which belong to no account):
//!    every level needs an applicable `Allow`, else **ImplicitDeny** at [`Gate::Scp`]. Then the
//!    same for RCPs ([`Gate::Rcp`]).
//! 4. The caller's route to an Allow (`I` = an identity policy allows, `B` = the boundary allows
//!    or there is none, `S` = the session policy allows or there is none; `Rd`, `Rr`, `Ra` =
//!    the resource policy has an applicable `Allow` naming the caller directly, by its role,
//!    or by its account, see [`PrincipalMatch`]):
//!
//! | caller | same account | other account |
//! | --- | --- | --- |
//! | user, role session, federated user | `Rd` or (`Rr` and `B` and `S`) or (`I` and `B` and `S`) | `I` and `B` and `S` and (`Rd` or `Rr` or `Ra`) |
//! | … with a role trust policy or KMS key policy (decision 21) | `Rd` or (`Rr` and `B` and `S`) or (`Ra` and `I` and `B` and `S`) | as above |
//! | root user | allowed (its boundary and session policy do not apply) | `Rd` or `Ra` |
//! | root user, trust or key policy | `Rd` or `Ra` | `Rd` or `Ra` |
//! | service principal, anonymous | `Rd` | `Rd` |
//!
//! A `"*"` principal is a direct grant (decision 13); a role ARN covers the role's sessions
//! but is limited by their boundary and session policy; an account only delegates (§9.5).
//! Resource-based policy grants are never limited by a session policy when they name the
//! session itself (decision 1).
//!
//! Not modelled: the §9.5 row "the IAM user who called GetFederationToken" (a federated
//! session's ARN does not say which user created it, so a grant to that user does not reach
//! the session); the management account's exemption from SCPs and RCPs (the case format
//! simply gives no SCPs or RCPs then); service-linked roles' exemption from SCPs.
//! Explicit denies apply to every caller from every policy given, including identity policies
//! given for a root user, a service principal or an anonymous caller.

use crate::compile::{
    CompiledAction, CompiledPolicySet, CompiledResource, CompiledStatement, PrincipalTest, Target,
};
use crate::condition::eval::{Truth, evaluate_entry};
use crate::decision::{
    ConditionTrace, Decision, Evaluation, Explanation, Gate, MAX_REASONS, PrincipalMatch,
    PrincipalOutcome, ResourceOutcome, StatementTrace,
};
use crate::policy::{ConditionEntry, Effect};
use crate::policy_set::{PolicyKind, to_u32};
use crate::request::{Caller, CallerKind, Context, Request, ResourceKind};

/// Receives what happens to each statement. The evaluator calls the hooks in order
/// `begin`, `action`, `resource`, `principal`, `condition`*, `end` (with `FULL == false` it
/// stops calling them after the first failed test).
pub(crate) trait Recorder {
    /// Visit every statement and every test, not only those that can decide the request.
    const FULL: bool;
    fn begin(&mut self, st: &CompiledStatement);
    fn action(&mut self, matched: bool);
    fn resource(&mut self, outcome: ResourceOutcome);
    fn principal(&mut self, outcome: PrincipalOutcome);
    fn condition(&mut self, index: usize, entry: &ConditionEntry, truth: &Truth);
    fn end(&mut self, applies: bool);
}

/// The recorder of [`CompiledPolicySet::evaluate`]: records nothing.
struct NoRecord;

impl Recorder for NoRecord {
    const FULL: bool = false;
    #[inline(always)]
    fn begin(&mut self, _: &CompiledStatement) {}
    #[inline(always)]
    fn action(&mut self, _: bool) {}
    #[inline(always)]
    fn resource(&mut self, _: ResourceOutcome) {}
    #[inline(always)]
    fn principal(&mut self, _: PrincipalOutcome) {}
    #[inline(always)]
    fn condition(&mut self, _: usize, _: &ConditionEntry, _: &Truth) {}
    #[inline(always)]
    fn end(&mut self, _: bool) {}
}

/// The recorder of [`CompiledPolicySet::explain`]: one trace per statement.
#[derive(Default)]
struct Tracer {
    done: Vec<StatementTrace>,
    current: Option<StatementTrace>,
}

impl Recorder for Tracer {
    const FULL: bool = true;
    fn begin(&mut self, st: &CompiledStatement) {
        self.current = Some(StatementTrace {
            statement: st.at,
            sid: st.sid.clone(),
            span: st.span,
            effect: st.effect,
            applies: false,
            action: false,
            resource: ResourceOutcome::NoElement,
            principal: PrincipalOutcome::NoElement,
            conditions: Vec::new(),
        });
    }
    fn action(&mut self, matched: bool) {
        if let Some(t) = &mut self.current {
            t.action = matched;
        }
    }
    fn resource(&mut self, outcome: ResourceOutcome) {
        if let Some(t) = &mut self.current {
            t.resource = outcome;
        }
    }
    fn principal(&mut self, outcome: PrincipalOutcome) {
        if let Some(t) = &mut self.current {
            t.principal = outcome;
        }
    }
    fn condition(&mut self, index: usize, entry: &ConditionEntry, truth: &Truth) {
        if let Some(t) = &mut self.current {
            t.conditions.push(ConditionTrace {
                index: to_u32(index),
                operator: entry.operator.value,
                key: entry.key.value.clone(),
                truth: *truth,
            });
        }
    }
    fn end(&mut self, applies: bool) {
        if let Some(mut t) = self.current.take() {
            t.applies = applies;
            self.done.push(t);
        }
    }
}

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
}

const SCRATCH: usize = 32;

/// Statement ids with a tag each; fixed size, no heap.
struct Hits<const N: usize> {
    items: [(u32, Tag); N],
    len: usize,
    overflow: bool,
}

impl<const N: usize> Hits<N> {
    const fn new() -> Self {
        Self {
            items: [(0, Tag::Identity); N],
            len: 0,
            overflow: false,
        }
    }

    fn push(&mut self, id: u32, tag: Tag) {
        match self.items.get_mut(self.len) {
            Some(slot) => {
                *slot = (id, tag);
                self.len += 1;
            }
            None => self.overflow = true,
        }
    }

    fn iter(&self) -> impl Iterator<Item = (u32, Tag)> + '_ {
        self.items.iter().take(self.len).copied()
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

/// The statement's verdict.
enum Applied {
    No,
    Allow(Option<PrincipalMatch>),
    Deny,
}

fn resolver<'a>(context: &'a Context) -> impl for<'k> Fn(&'k str) -> Option<&'a str> + Copy + 'a {
    move |key: &str| context.get_text(key)
}

impl CompiledPolicySet {
    /// Decides `request`. Total: never fails, never panics, never allocates.
    ///
    /// ```
    /// use iam_policy::{Decision, PolicySet, Request};
    /// let set = PolicySet::new().compile();
    /// let request = Request::builder()
    ///     .principal("arn:aws:iam::111122223333:user/alice")
    ///     .action("s3:GetObject")
    ///     .resource("arn:aws:s3:::bucket/key")
    ///     .build()?;
    /// let evaluation = set.evaluate(&request);
    /// assert_eq!(evaluation.decision(), Decision::ImplicitDeny);
    /// assert_eq!(evaluation.gate(), Some(iam_policy::Gate::Identity));
    /// # Ok::<(), iam_policy::RequestError>(())
    /// ```
    #[must_use]
    pub fn evaluate(&self, request: &Request) -> Evaluation {
        self.run(request, &mut NoRecord)
    }

    /// Decides `request` and records how every statement fared. The decision and reasons are
    /// always those of [`evaluate`](Self::evaluate): both run the same code.
    #[must_use]
    pub fn explain(&self, request: &Request) -> Explanation {
        let mut tracer = Tracer::default();
        let evaluation = self.run(request, &mut tracer);
        Explanation {
            evaluation,
            statements: tracer.done,
        }
    }

    fn run<R: Recorder>(&self, req: &Request, rec: &mut R) -> Evaluation {
        let tally = self.tally(req, rec);
        self.decide(req, &tally)
    }

    fn tally<R: Recorder>(&self, req: &Request, rec: &mut R) -> Tally {
        let caller = req.principal();
        let boundary_caller = self.has_boundary && caller.kind().is_iam_identity();
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
        let service = self.service_id(req.service());
        for group in &self.groups {
            let mut group_allows = false;
            let mut visit = |id: u32, t: &mut Tally| {
                let Some(st) = self.statements.get(id as usize) else {
                    return;
                };
                match eval_statement(st, req, boundary_caller, rec) {
                    Applied::No => {}
                    Applied::Deny => t.denies.push(id, Tag::Identity),
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
                            t.allows.push(id, tag);
                        }
                    }
                }
            };
            if R::FULL {
                for id in group.start..group.end {
                    visit(id, &mut t);
                }
            } else {
                for id in group.candidates(service) {
                    visit(id, &mut t);
                }
            }
            if !group_allows {
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
        t
    }

    fn decide(&self, req: &Request, t: &Tally) -> Evaluation {
        if t.denies.len > 0 {
            let mut evaluation = Evaluation::new(Decision::ExplicitDeny, None);
            for (id, _) in t.denies.iter() {
                self.push_reason(&mut evaluation, id);
            }
            if t.denies.overflow {
                evaluation.set_truncated();
            }
            return evaluation;
        }
        let kind = req.principal().kind();
        let belongs_to_account = !matches!(kind, CallerKind::Service | CallerKind::Anonymous);
        if belongs_to_account && let Some(level) = t.scp_missing {
            return Evaluation::new(Decision::ImplicitDeny, Some(Gate::Scp { level }));
        }
        if let Some(level) = t.rcp_missing {
            return Evaluation::new(Decision::ImplicitDeny, Some(Gate::Rcp { level }));
        }
        let same = req.is_same_account();
        let owner_policy = matches!(
            req.resource_kind(),
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
                let b = !self.has_boundary || t.boundary;
                let s = !self.has_session || t.session;
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
                for (id, tag) in t.allows.iter() {
                    if mask & tag.bit() != 0 {
                        self.push_reason(&mut evaluation, id);
                    }
                }
                if t.allows.overflow {
                    evaluation.set_truncated();
                }
                evaluation
            }
        }
    }
}

impl CompiledPolicySet {
    fn push_reason(&self, evaluation: &mut Evaluation, id: u32) {
        if let Some(st) = self.statements.get(id as usize) {
            evaluation.push_reason(st.at);
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

/// Tests one statement against the request.
fn eval_statement<R: Recorder>(
    st: &CompiledStatement,
    req: &Request,
    boundary_caller: bool,
    rec: &mut R,
) -> Applied {
    rec.begin(st);
    let action = action_matches(st, req);
    rec.action(action);
    let mut ok = action;
    let resolve = resolver(req.context());
    if ok || R::FULL {
        let outcome = resource_outcome(st, req, resolve);
        rec.resource(outcome);
        ok &= outcome.passed();
    }
    let mut matched = None;
    if ok || R::FULL {
        let outcome = principal_outcome(st, req.principal(), boundary_caller);
        rec.principal(outcome);
        if let PrincipalOutcome::Matched(m) = outcome {
            matched = Some(m);
        }
        ok &= outcome.passed();
    }
    if ok || R::FULL {
        for (index, entry) in st.conditions.iter().enumerate() {
            let truth = evaluate_entry(entry, req.context().get(&entry.key_lower), resolve);
            rec.condition(index, entry, &truth);
            let fails = match st.effect {
                Effect::Allow => !matches!(truth, Truth::True),
                Effect::Deny => matches!(truth, Truth::False),
            };
            if fails {
                ok = false;
                if !R::FULL {
                    break;
                }
            }
        }
    }
    rec.end(ok);
    if !ok {
        return Applied::No;
    }
    match st.effect {
        Effect::Allow => Applied::Allow(matched),
        Effect::Deny => Applied::Deny,
    }
}

fn action_matches(st: &CompiledStatement, req: &Request) -> bool {
    let listed = st.actions.iter().any(|a| match a {
        CompiledAction::Any => true,
        CompiledAction::Pattern(p) => p.is_match(req.action()),
    });
    listed != st.action_negated
}

fn resource_outcome<'a>(
    st: &CompiledStatement,
    req: &'a Request,
    resolve: impl Fn(&str) -> Option<&'a str> + Copy,
) -> ResourceOutcome {
    let Some((negated, patterns)) = &st.resource else {
        return ResourceOutcome::NoElement;
    };
    let resource = req.resource();
    let mut unresolved = false;
    for (i, pattern) in patterns.iter().enumerate() {
        let hit = match pattern {
            CompiledResource::Any => true,
            // Only `"Resource": "*"` covers actions without a resource type (`iam-semantics.md`
            // §3; project decision 14 for `NotResource`).
            CompiledResource::Pattern(_) if resource == "*" => false,
            CompiledResource::Pattern(p) => p.is_match(resource, resolve).unwrap_or_else(|| {
                unresolved = true;
                false
            }),
        };
        if hit {
            return ResourceOutcome::Matched {
                pattern: to_u32(i),
                negated: *negated,
            };
        }
    }
    ResourceOutcome::NotMatched {
        negated: *negated,
        unresolved,
    }
}

fn principal_outcome(
    st: &CompiledStatement,
    caller: &Caller,
    boundary_caller: bool,
) -> PrincipalOutcome {
    match &st.principal {
        PrincipalTest::None => PrincipalOutcome::NoElement,
        PrincipalTest::Targets {
            negated: false,
            targets,
        } => targets
            .iter()
            .filter_map(|t| target_match(t, caller))
            .max()
            .map_or(PrincipalOutcome::NotMatched, PrincipalOutcome::Matched),
        PrincipalTest::Targets {
            negated: true,
            targets,
        } => {
            if st.effect == Effect::Allow {
                PrincipalOutcome::AllowWithNotPrincipal
            } else if boundary_caller {
                PrincipalOutcome::BoundaryCaller
            } else if targets.iter().any(|t| lists_caller(t, caller)) {
                PrincipalOutcome::Exempt
            } else {
                PrincipalOutcome::NotListed
            }
        }
    }
}

/// Whether `role` (a role target) is the caller's role (or the caller, for a role).
fn is_callers_role(partition: &str, account: &str, name: &str, caller: &Caller) -> bool {
    matches!(caller.kind(), CallerKind::AssumedRole | CallerKind::Role)
        && caller.partition() == partition
        && caller.account() == Some(account)
        && caller.name() == name
}

/// How a `Principal` target names the caller, if it does (`iam-semantics.md` §4, §9.5).
fn target_match(target: &Target, caller: &Caller) -> Option<PrincipalMatch> {
    let kind = caller.kind();
    let yes = |cond: bool, m: PrincipalMatch| cond.then_some(m);
    match target {
        Target::Any => Some(PrincipalMatch::Direct),
        Target::AnyService => yes(kind == CallerKind::Service, PrincipalMatch::Direct),
        Target::Account(account) => match kind {
            CallerKind::Service | CallerKind::Anonymous => None,
            CallerKind::Root => yes(
                caller.account() == Some(account.as_str()),
                PrincipalMatch::Direct,
            ),
            _ => yes(
                caller.account() == Some(account.as_str()),
                PrincipalMatch::Account,
            ),
        },
        Target::User(arn) => yes(
            kind == CallerKind::User && caller.as_str() == arn,
            PrincipalMatch::Direct,
        ),
        Target::Role {
            partition,
            account,
            name,
        } => yes(
            is_callers_role(partition, account, name, caller),
            PrincipalMatch::Role,
        ),
        Target::Session(arn) => yes(
            kind == CallerKind::AssumedRole && caller.as_str() == arn,
            PrincipalMatch::Direct,
        ),
        Target::FederatedUser(arn) => yes(
            kind == CallerKind::FederatedUser && caller.as_str() == arn,
            PrincipalMatch::Direct,
        ),
        Target::Service(name) => yes(
            kind == CallerKind::Service && caller.name() == name,
            PrincipalMatch::Direct,
        ),
        Target::Other => None,
    }
}

/// Whether a `NotPrincipal` entry exempts the caller (project decision 3): its own ARN, its
/// role's ARN for a session, or its account only for the root user.
fn lists_caller(target: &Target, caller: &Caller) -> bool {
    let kind = caller.kind();
    match target {
        Target::Any => true,
        Target::AnyService => kind == CallerKind::Service,
        Target::Account(account) => {
            kind == CallerKind::Root && caller.account() == Some(account.as_str())
        }
        Target::User(arn) => kind == CallerKind::User && caller.as_str() == arn,
        Target::Role {
            partition,
            account,
            name,
        } => is_callers_role(partition, account, name, caller),
        Target::Session(arn) => kind == CallerKind::AssumedRole && caller.as_str() == arn,
        Target::FederatedUser(arn) => kind == CallerKind::FederatedUser && caller.as_str() == arn,
        Target::Service(name) => kind == CallerKind::Service && caller.name() == name,
        Target::Other => false,
    }
}
