//! The compiled form of a policy set: [`CompiledPolicySet`].
//!
//! Owns the data layout that makes a decision cheap; the decision itself is in `eval.rs`.
//!
//! # Layout
//!
//! * Every statement of every policy is copied once into one flat list, in report order
//!   (policy kind, level, policy index, statement index), with its `Sid` and span.
//! * The policies are cut into *groups*: the identity policies, the resource policy, the
//!   boundary, the session policy, and one group per SCP level and per RCP level. A group is a
//!   range of that list plus an index: for each lower-cased service prefix named by an
//!   `Action` entry, the statements that name it; and one list of statements that any service
//!   can reach (`"*"`, a wildcard in the prefix, and every `NotAction`). A request looks up its
//!   own service with a binary search and walks the two sorted lists merged, so statements
//!   about other services are never touched and report order is kept.
//! * Patterns are classified once: `"*"` actions and resources are flagged as matching
//!   everything; the rest keep their compiled [`ActionPattern`]/[`ArnPattern`].
//! * Principals are parsed once into targets (account, user, role by account and name,
//!   session, federated user, service), so matching a caller is string equality.
//!
//! Nothing is lower-cased, parsed or allocated per request.

use crate::action::ActionPattern;
use crate::arn::ArnPattern;
use crate::decision::StatementRef;
use crate::policy::{ConditionEntry, Effect, PrincipalKind, PrincipalValue, Principals, Statement};
use crate::policy_set::{PolicyKind, PolicySet, to_u16, to_u32};
use crate::request::ArnParts;
use crate::source::Span;

/// An action entry, classified.
#[derive(Clone, Debug)]
pub(crate) enum CompiledAction {
    /// `*`: every action.
    Any,
    /// Anything else.
    Pattern(ActionPattern),
}

/// A resource entry, classified.
#[derive(Clone, Debug)]
pub(crate) enum CompiledResource {
    /// `*`: every resource, including the `*` of actions without a resource type.
    Any,
    /// Anything else; never matches the request resource `*`.
    Pattern(ArnPattern),
}

/// One principal named by a `Principal`/`NotPrincipal` element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous callers included.
    Any,
    /// `{"Service": "*"}`: every service principal.
    AnyService,
    /// An account: `"111122223333"` or `arn:aws:iam::111122223333:root`.
    Account(String),
    /// An IAM user ARN.
    User(String),
    /// An IAM role: it covers the role's sessions, matched by account and role name (a session
    /// ARN does not carry the role's path).
    Role {
        /// The role ARN's partition.
        partition: String,
        /// The role's account.
        account: String,
        /// The role's name (last path segment).
        name: String,
    },
    /// An assumed-role session ARN.
    Session(String),
    /// A federated-user ARN.
    FederatedUser(String),
    /// A service principal name.
    Service(String),
    /// Anything no caller of this engine can be (`Federated`, `CanonicalUser`, other ARNs).
    Other,
}

/// A statement's principal element, compiled.
#[derive(Clone, Debug)]
pub(crate) enum PrincipalTest {
    /// No `Principal`/`NotPrincipal`.
    None,
    /// `Principal` (`negated == false`) or `NotPrincipal`.
    Targets { negated: bool, targets: Vec<Target> },
}

/// One statement, compiled.
#[derive(Clone, Debug)]
pub(crate) struct CompiledStatement {
    pub(crate) at: StatementRef,
    pub(crate) sid: Option<String>,
    pub(crate) span: Span,
    pub(crate) effect: Effect,
    pub(crate) action_negated: bool,
    pub(crate) actions: Vec<CompiledAction>,
    /// `None` when the statement has no resource element (role trust policies).
    pub(crate) resource: Option<(bool, Vec<CompiledResource>)>,
    pub(crate) principal: PrincipalTest,
    pub(crate) conditions: Vec<ConditionEntry>,
}

/// A group of statements that is decided together: a policy kind, or one SCP/RCP level.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub(crate) kind: PolicyKind,
    pub(crate) level: u16,
    /// The group's statements: a range of [`CompiledPolicySet::statements`].
    pub(crate) start: u32,
    pub(crate) end: u32,
    /// For each service of [`CompiledPolicySet::services`], the ids of the statements whose
    /// `Action` names it; ids ascending.
    pub(crate) by_service: Vec<Vec<u32>>,
    /// Statements any service can reach; ids ascending.
    pub(crate) any_service: Vec<u32>,
}

/// What a compiled statement is called: its `Sid` and where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementInfo<'a> {
    /// The `Sid`, if any.
    pub sid: Option<&'a str>,
    /// The statement's span in its policy's text.
    pub span: Span,
    /// Its effect.
    pub effect: Effect,
}

/// A policy set compiled for evaluation; see the module docs for the layout.
///
/// Built by [`PolicySet::compile`]. Decides requests with
/// [`evaluate`](Self::evaluate) (no allocation) and [`explain`](Self::explain) (with a trace).
#[derive(Clone, Debug)]
pub struct CompiledPolicySet {
    pub(crate) statements: Vec<CompiledStatement>,
    /// Every lower-cased service prefix named by an `Action` entry, sorted.
    pub(crate) services: Vec<Box<str>>,
    /// In report order: identity, resource, boundary, session, SCP levels, RCP levels. Kinds
    /// without policies have no group.
    pub(crate) groups: Vec<Group>,
    pub(crate) has_resource: bool,
    pub(crate) has_boundary: bool,
    pub(crate) has_session: bool,
    pub(crate) scp_levels: u16,
    pub(crate) rcp_levels: u16,
}

impl CompiledPolicySet {
    pub(crate) fn new(set: &PolicySet) -> Self {
        let mut compiled = Self {
            statements: Vec::new(),
            services: Vec::new(),
            groups: Vec::new(),
            has_resource: set.len(PolicyKind::Resource) > 0,
            has_boundary: set.len(PolicyKind::PermissionsBoundary) > 0,
            has_session: set.len(PolicyKind::Session) > 0,
            scp_levels: to_u16(set.levels(PolicyKind::Scp)),
            rcp_levels: to_u16(set.levels(PolicyKind::Rcp)),
        };
        // The services each statement names (`None`: any service can reach it).
        let mut reach: Vec<Option<Vec<String>>> = Vec::new();
        for kind in PolicyKind::ALL {
            let levels = to_u16(set.levels(kind));
            for level in 0..levels {
                let start = to_u32(compiled.statements.len());
                for (p, policy) in set.level(kind, level).iter().enumerate() {
                    for (s, statement) in policy.statements.iter().enumerate() {
                        let at = StatementRef {
                            kind,
                            level,
                            policy: to_u32(p),
                            statement: to_u32(s),
                        };
                        let st = compile_statement(at, statement);
                        reach.push(services_of(&st));
                        compiled.statements.push(st);
                    }
                }
                compiled.groups.push(Group {
                    kind,
                    level,
                    start,
                    end: to_u32(compiled.statements.len()),
                    by_service: Vec::new(),
                    any_service: Vec::new(),
                });
            }
        }
        let mut services: Vec<String> = reach.iter().flatten().flatten().cloned().collect();
        services.sort();
        services.dedup();
        for group in &mut compiled.groups {
            group.by_service = vec![Vec::new(); services.len()];
            for id in group.start..group.end {
                match reach.get(id as usize) {
                    Some(Some(names)) => {
                        for name in names {
                            let slot = services
                                .binary_search(name)
                                .ok()
                                .and_then(|i| group.by_service.get_mut(i));
                            if let Some(ids) = slot {
                                ids.push(id);
                            }
                        }
                    }
                    Some(None) => group.any_service.push(id),
                    None => {}
                }
            }
        }
        compiled.services = services.into_iter().map(String::into_boxed_str).collect();
        compiled
    }

    /// The index of `service` (lower-cased) among the services the policies name.
    pub(crate) fn service_id(&self, service: &str) -> Option<usize> {
        self.services.binary_search_by(|s| (**s).cmp(service)).ok()
    }

    /// The `Sid`, span and effect of a statement.
    #[must_use]
    pub fn statement(&self, r: StatementRef) -> Option<StatementInfo<'_>> {
        // INVARIANT: statements are stored in report order, which is `StatementRef`'s order.
        self.statements
            .binary_search_by(|s| s.at.cmp(&r))
            .ok()
            .and_then(|i| self.statements.get(i))
            .map(|s| StatementInfo {
                sid: s.sid.as_deref(),
                span: s.span,
                effect: s.effect,
            })
    }

    /// How many statements the set holds.
    #[must_use]
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// Whether a resource-based policy (or trust policy) is present.
    #[must_use]
    pub const fn has_resource_policy(&self) -> bool {
        self.has_resource
    }

    /// Whether a permissions boundary is present.
    #[must_use]
    pub const fn has_permissions_boundary(&self) -> bool {
        self.has_boundary
    }

    /// Whether a session policy is present.
    #[must_use]
    pub const fn has_session_policy(&self) -> bool {
        self.has_session
    }

    /// How many SCP levels there are.
    #[must_use]
    pub const fn scp_levels(&self) -> u16 {
        self.scp_levels
    }

    /// How many RCP levels there are.
    #[must_use]
    pub const fn rcp_levels(&self) -> u16 {
        self.rcp_levels
    }
}

impl Group {
    /// The ids of the statements that can cover the service with id `service` (`None`: a
    /// service no `Action` names), ascending: the merge of the service's list and the
    /// any-service list.
    pub(crate) fn candidates(&self, service: Option<usize>) -> Merge<'_> {
        let named = service
            .and_then(|i| self.by_service.get(i))
            .map_or(&[][..], Vec::as_slice);
        Merge {
            a: named,
            b: &self.any_service,
        }
    }
}

/// Merges two ascending id lists without allocating.
#[derive(Clone, Debug)]
pub(crate) struct Merge<'g> {
    a: &'g [u32],
    b: &'g [u32],
}

impl Iterator for Merge<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        match (self.a.split_first(), self.b.split_first()) {
            (Some((&x, ra)), Some((&y, rb))) => {
                if x <= y {
                    self.a = ra;
                    if x == y {
                        self.b = rb;
                    }
                    Some(x)
                } else {
                    self.b = rb;
                    Some(y)
                }
            }
            (Some((&x, ra)), None) => {
                self.a = ra;
                Some(x)
            }
            (None, Some((&y, rb))) => {
                self.b = rb;
                Some(y)
            }
            (None, None) => None,
        }
    }
}

/// The lower-cased service prefixes a statement's `Action` names, or `None` when any service
/// can reach it (`NotAction`, `*`, or a wildcard in a prefix).
fn services_of(st: &CompiledStatement) -> Option<Vec<String>> {
    if st.action_negated {
        return None;
    }
    let mut names = Vec::new();
    for action in &st.actions {
        match action {
            CompiledAction::Any => return None,
            CompiledAction::Pattern(p) => match p.service() {
                Some(service) if !service.contains(['*', '?']) => names.push(service.to_owned()),
                _ => return None,
            },
        }
    }
    names.sort();
    names.dedup();
    Some(names)
}

fn compile_statement(at: StatementRef, st: &Statement) -> CompiledStatement {
    let actions = st
        .action
        .value
        .patterns
        .items
        .iter()
        .map(|p| {
            if p.value.is_any() {
                CompiledAction::Any
            } else {
                CompiledAction::Pattern(p.value.clone())
            }
        })
        .collect();
    let resource = st.resource.as_ref().map(|r| {
        let patterns = r
            .value
            .patterns
            .items
            .iter()
            .map(|p| {
                if p.value.is_any() {
                    CompiledResource::Any
                } else {
                    CompiledResource::Pattern(p.value.clone())
                }
            })
            .collect();
        (r.value.negated, patterns)
    });
    let principal = st
        .principal
        .as_ref()
        .map_or(PrincipalTest::None, |p| PrincipalTest::Targets {
            negated: p.value.negated,
            targets: compile_principals(&p.value.principals),
        });
    CompiledStatement {
        at,
        sid: st.sid.as_ref().map(|s| s.value.clone()),
        span: st.span,
        effect: st.effect.value,
        action_negated: st.action.value.negated,
        actions,
        resource,
        principal,
        conditions: st.conditions.clone(),
    }
}

fn compile_principals(principals: &Principals) -> Vec<Target> {
    match principals {
        Principals::Any => vec![Target::Any],
        Principals::Map(entries) => entries
            .iter()
            .flat_map(|entry| {
                let kind = entry.kind.value;
                entry
                    .values
                    .items
                    .iter()
                    .map(move |v| compile_target(kind, &v.value))
            })
            .collect(),
    }
}

fn compile_target(kind: PrincipalKind, value: &PrincipalValue) -> Target {
    match (kind, value) {
        (PrincipalKind::Aws, PrincipalValue::Any) => Target::Any,
        (PrincipalKind::Service, PrincipalValue::Any) => Target::AnyService,
        (PrincipalKind::Aws, PrincipalValue::Account(id)) => Target::Account(id.clone()),
        (PrincipalKind::Aws, PrincipalValue::Arn(arn)) => compile_arn_target(arn.as_str()),
        (PrincipalKind::Aws, PrincipalValue::Name(name)) => {
            if name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit()) {
                Target::Account(name.clone())
            } else {
                compile_arn_target(name)
            }
        }
        (PrincipalKind::Service, PrincipalValue::Name(name)) => Target::Service(name.clone()),
        _ => Target::Other,
    }
}

fn compile_arn_target(text: &str) -> Target {
    let Some(parts) = ArnParts::parse(text) else {
        return Target::Other;
    };
    let account = parts.account(text);
    let rest = parts.resource(text);
    match parts.service(text) {
        "iam" if rest == "root" && !account.is_empty() => Target::Account(account.to_owned()),
        "iam" if rest.starts_with("user/") => Target::User(text.to_owned()),
        "iam" => match rest.strip_prefix("role/") {
            Some(path_name) => match path_name.rsplit('/').next() {
                Some(name) if !name.is_empty() => Target::Role {
                    partition: parts.partition(text).to_owned(),
                    account: account.to_owned(),
                    name: name.to_owned(),
                },
                _ => Target::Other,
            },
            None => Target::Other,
        },
        "sts" if rest.starts_with("assumed-role/") => Target::Session(text.to_owned()),
        "sts" if rest.starts_with("federated-user/") => Target::FederatedUser(text.to_owned()),
        _ => Target::Other,
    }
}
