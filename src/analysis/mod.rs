//! Offline policy analysis: does a change grant new access, is an action granted, is a
//! resource public — answered exactly for the language the engine decides, with a concrete
//! request as witness.
//!
//! The questions are those of IAM Access Analyzer's custom policy checks
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-custom-policy-checks.html>):
//! [`no_new_access`] (`CheckNoNewAccess`), [`access_not_granted`] (`CheckAccessNotGranted`) and
//! [`no_public_access`] (`CheckNoPublicAccess`); [`diff`] summarises both directions of a
//! change for a reviewer.
//!
//! # Method
//!
//! A request has a few dimensions: the action, the resource, the caller, and each condition
//! key either policy tests. For each, the values are split into the finitely many classes that
//! the two policies tell apart (strings: the reachable states of the product automaton of the
//! wildcard patterns; numbers, dates and addresses: the constants, the points between them and
//! beyond them; booleans; absent keys, empty and multi-valued sets), each class with concrete
//! member values. Which statements a value satisfies is always asked of the engine itself
//! (its trace of every statement, and the condition operators' own evaluator), never of a
//! second copy of the rules. A depth-first search then assigns one class per dimension, pruning
//! as soon as no target `Allow` can apply, a target `Deny` surely applies, or the reference
//! surely allows. Every request it finds is built and decided by the engine (`explain`, the
//! code path of `evaluate`) before it is reported: a FAIL always carries a confirmed witness.
//!
//! A PASS is a proof when the classes are complete. Where they may not be (policy variables,
//! a key tested by operators of different families, bounds on the number of classes or search
//! nodes), the answer is FAIL with "cannot prove" naming the construct, never PASS.
//!
//! Policies are compared alone, as AWS's check does: the engine's statement tests decide, an
//! identity policy for any caller of the account, a resource policy for any caller.

mod bits;
mod domain;
mod search;
pub(crate) mod strings;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::CompiledPolicySet;
use crate::StatementRef;
use crate::action::ActionPattern;
use crate::arn::{ArnPattern, ArnPatternMode};
use crate::policy::{Effect, Policy, PolicyType, Statement};
use crate::request::{ContextValue, Request};
use crate::source::Span;
use crate::{PolicyKind, PolicySet};

use bits::Bits;
use domain::{Base, Dim, DimKind, Filters, Gaps, KeyEntries, Side, Value};
use search::{Found, Roles};

pub use diff::{Change, Diff, diff};

/// Condition keys that narrow who the caller can be: a `"*"` principal with a condition on one
/// of these is not open to everyone (lower case). The two `s3:DataAccessPoint…` keys are on
/// S3's list too: a bucket policy that delegates to the access points of one account grants
/// only what those access points' own policies allow.
pub const NARROWING_KEYS: &[&str] = &[
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalservicename",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceowner",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:vpcsourceip",
    "aws:userid",
    "aws:username",
    "kms:calleraccount",
    "s3:dataaccesspointaccount",
    "s3:dataaccesspointarn",
];

mod diff;

/// PASS or FAIL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Proven: no request of the kind asked about exists.
    Pass,
    /// A witness was found, or the analysis cannot prove the answer.
    Fail,
}

impl Verdict {
    /// `PASS` or `FAIL`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Fail => "FAIL",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A concrete request, decided by the engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    /// The caller (`anonymous`, an IAM or STS ARN, a service principal).
    pub principal: String,
    /// The action.
    pub action: String,
    /// The resource ARN, or `*`.
    pub resource: String,
    /// The context keys the request supplies (keys as first written in the policies).
    pub context: Vec<(String, ContextValue)>,
}

impl Witness {
    /// The request, built as the engine builds every request.
    ///
    /// # Errors
    ///
    /// A [`crate::RequestError`] if the parts do not form a request (never for a witness the
    /// analysis reported: it was built the same way before it was reported).
    pub fn to_request(&self) -> Result<Request, crate::RequestError> {
        let mut b = Request::builder()
            .principal(&self.principal)
            .action(&self.action)
            .resource(&self.resource);
        for (k, v) in &self.context {
            b = b.context_value(k, v.clone());
        }
        b.build()
    }

    /// The request in the case-file shape (`principal`, `action`, `resource`, `context`).
    #[must_use]
    pub fn to_json(&self) -> serde_json::Value {
        let mut context = serde_json::Map::new();
        for (k, v) in &self.context {
            context.insert(k.clone(), context_json(v));
        }
        serde_json::json!({
            "principal": self.principal,
            "action": self.action,
            "resource": self.resource,
            "context": context,
        })
    }
}

fn scalar_json(s: &crate::request::ContextScalar) -> serde_json::Value {
    match s {
        crate::request::ContextScalar::String(t) => serde_json::Value::String(t.clone()),
        crate::request::ContextScalar::Number(t) => {
            serde_json::from_str(t).unwrap_or_else(|_| serde_json::Value::String(t.clone()))
        }
        crate::request::ContextScalar::Bool(b) => serde_json::Value::Bool(*b),
    }
}

fn context_json(v: &ContextValue) -> serde_json::Value {
    match v {
        ContextValue::Single(s) => scalar_json(s),
        ContextValue::Multi(list) => {
            serde_json::Value::Array(list.iter().map(scalar_json).collect())
        }
    }
}

impl fmt::Display for Witness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "principal {} action {} resource {}",
            self.principal, self.action, self.resource
        )?;
        for (k, v) in &self.context {
            write!(f, " {k}={}", context_json(v))?;
        }
        Ok(())
    }
}

/// A statement of the analysed policy that grants what was asked about, with its witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Index of the statement in its policy.
    pub statement: usize,
    /// Its `Sid`.
    pub sid: Option<String>,
    /// Its span in its policy's text.
    pub span: Span,
    /// A request the statement allows (and, for [`no_new_access`], the existing policy does
    /// not), confirmed by the engine.
    pub witness: Witness,
}

/// The answer to one check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// PASS or FAIL.
    pub verdict: Verdict,
    /// Statements with witnesses (empty for PASS).
    pub findings: Vec<Finding>,
    /// Constructs beyond an exact answer. When there is no finding, a non-empty list makes the
    /// answer FAIL "cannot prove".
    pub cannot_prove: Vec<String>,
}

impl Report {
    /// Whether the check passed (a proof).
    #[must_use]
    pub fn is_pass(&self) -> bool {
        self.verdict == Verdict::Pass
    }

    /// Whether the answer is FAIL only because the analysis cannot prove PASS.
    #[must_use]
    pub fn is_cannot_prove(&self) -> bool {
        self.verdict == Verdict::Fail && self.findings.is_empty()
    }
}

/// Synthetic reference statements are numbered after this many target statements... (unused)
/// The analysis of one question.
struct Problem<'p> {
    target: &'p Policy,
    set: CompiledPolicySet,
    n_target: usize,
    n: usize,
    roles: Roles,
    dims: Vec<Dim>,
    gaps: Gaps,
    /// Whether this is the bounded problem of [`Vars::Bounded`]: its witnesses are models
    /// (not engine requests), and its PASS holds for every value of the variables.
    bounded: bool,
    /// Target `Allow` statements the reference holds verbatim (with every reference deny in
    /// the target too): nothing to search.
    covered: BTreeSet<usize>,
    /// Values given to policy variables (lower-case key, value), supplied in every request.
    assign: Vec<(String, String)>,
}

fn index_of(n_target: usize) -> impl Fn(StatementRef) -> Option<usize> {
    move |r: StatementRef| {
        let s = r.statement as usize;
        match r.policy {
            0 => Some(s),
            1 => Some(n_target + s),
            _ => None,
        }
    }
}

/// Who the caller is when no policy names callers (identity-style policies).
const DEFAULT_CALLER: &str =
    "arn:aws:sts::123456789012:assumed-role/analysis-role/analysis-session";

impl<'p> Problem<'p> {
    fn new(
        target: &'p Policy,
        reference: Option<&'p Policy>,
        filters: &Filters,
        policy_type: PolicyType,
        vars: Vars<'_>,
    ) -> Self {
        let (assign, bounded): (&[(String, String)], bool) = match vars {
            Vars::Given(a) => (a, false),
            Vars::Bounded => (&[], true),
        };
        let mut ps = PolicySet::new();
        ps.add(PolicyKind::Resource, target.clone());
        if let Some(r) = reference {
            ps.add(PolicyKind::Resource, r.clone());
        }
        let set = ps.compile();
        let n_target = target.statements.len();
        let n = n_target + reference.map_or(0, |r| r.statements.len());
        let mut stmts: Vec<(&Statement, Side)> = Vec::new();
        stmts.extend(target.statements.iter().map(|s| (s, Side::Target)));
        if let Some(r) = reference {
            stmts.extend(r.statements.iter().map(|s| (s, Side::Reference)));
        }
        let mut roles = Roles {
            target_allow: Bits::empty(n),
            target_deny: Bits::empty(n),
            reference_allow: Bits::empty(n),
            reference_deny: Bits::empty(n),
        };
        for (i, (s, side)) in stmts.iter().enumerate() {
            let bits = match (side, s.effect.value) {
                (Side::Target, Effect::Allow) => &mut roles.target_allow,
                (Side::Target, Effect::Deny) => &mut roles.target_deny,
                (Side::Reference, Effect::Allow) => &mut roles.reference_allow,
                (Side::Reference, Effect::Deny) => &mut roles.reference_deny,
            };
            bits.set(i);
        }
        let mut gaps = Gaps::new();
        let policies: Vec<&Policy> = std::iter::once(target).chain(reference).collect();
        let covered = covered_statements(target, reference);
        // In the bounded problem, each part of a statement that holds a policy variable is
        // decided without the variable's value: true where that makes the new policy allow
        // more or the existing policy allow less (new grants, existing denies), false
        // otherwise. Every value of the variables then allows no more under the new policy
        // and no less under the existing one than this problem does.
        let more = roles.target_allow.or(&roles.reference_deny);
        // Parts with variables pass in the key dimensions; their own dimensions decide them.
        let pass_all = Bits::full(n);
        let bound = bounded.then_some(&pass_all);
        let mut taken = BTreeSet::new();
        collect_accounts(&policies, &mut taken);
        let fresh = domain::fresh_account(&taken);

        // Values of every dimension.
        let mut action_patterns: Vec<&ActionPattern> = stmts
            .iter()
            .flat_map(|(s, _)| s.action.value.patterns.items.iter().map(|p| &p.value))
            .collect();
        if let Some(extra) = &filters.actions {
            action_patterns.extend(extra.iter());
        }
        let mut actions = domain::action_values(&action_patterns, &mut gaps);
        if let Some(only) = &filters.actions {
            actions.retain(|v| match v {
                Value::Action(a) => {
                    crate::Action::parse(a).is_ok_and(|a| only.iter().any(|p| p.is_match(&a)))
                }
                _ => false,
            });
        }
        let mut resource_patterns: Vec<&ArnPattern> = stmts
            .iter()
            .filter_map(|(s, _)| s.resource.as_ref())
            .flat_map(|r| r.value.patterns.items.iter().map(|p| &p.value))
            .collect();
        if let Some(extra) = &filters.resources {
            resource_patterns.extend(extra.iter());
        }
        // The bounded problem reads a resource pattern's variables as `*` (a superset of
        // every value): its classes come from those patterns too.
        // Statements whose resource block holds variables: (statement, NotResource, group,
        // patterns without variables). A group is one list of patterns with variables: it
        // matches a resource or not, alike in every statement that writes it, and only where
        // its `*` reading (`group_stars`) matches.
        let mut groups: Vec<Vec<String>> = Vec::new();
        let mut group_stars: Vec<Vec<ArnPattern>> = Vec::new();
        let mut starred: Vec<(usize, bool, usize, Vec<&ArnPattern>)> = Vec::new();
        if bounded {
            for (i, (s, _)) in stmts.iter().enumerate() {
                let Some(r) = s.resource.as_ref() else {
                    continue;
                };
                let items = &r.value.patterns.items;
                let mut texts: Vec<String> = items
                    .iter()
                    .filter(|p| p.value.has_variables())
                    .map(|p| p.value.as_str().to_owned())
                    .collect();
                if texts.is_empty() {
                    continue;
                }
                texts.sort();
                texts.dedup();
                let g = match groups.iter().position(|t| *t == texts) {
                    Some(g) => g,
                    None => {
                        group_stars.push(
                            texts
                                .iter()
                                .filter_map(|t| {
                                    ArnPattern::parse(
                                        &domain::star_variables(t),
                                        ArnPatternMode::Resource,
                                        true,
                                    )
                                    .ok()
                                })
                                .collect(),
                        );
                        groups.push(texts);
                        groups.len() - 1
                    }
                };
                let plain = items
                    .iter()
                    .filter(|p| !p.value.has_variables())
                    .map(|p| &p.value)
                    .collect();
                starred.push((i, r.value.negated, g, plain));
            }
        }
        resource_patterns.extend(group_stars.iter().flatten());
        // Groups that match wherever another does, for every value of the variables.
        let mut implies: Vec<(usize, usize)> = Vec::new();
        for (a, ga) in groups.iter().enumerate() {
            for (b, gb) in groups.iter().enumerate() {
                if a != b && group_included(ga, gb) {
                    implies.push((a, b));
                }
            }
        }
        let mut resources = domain::resource_values(&resource_patterns, assign, &mut gaps);
        if let Some(only) = &filters.resources {
            resources.retain(|v| match v {
                Value::Resource(r) => only.iter().any(|p| p.is_match(r, |_| None) == Some(true)),
                _ => false,
            });
        }
        let principals = domain::principal_values(&policies, &fresh, filters.outsider);

        let base = Base {
            principal: if filters.outsider {
                "anonymous".to_owned()
            } else {
                DEFAULT_CALLER.to_owned()
            },
            action: "analysis:AnalysisAction".to_owned(),
            resource: "*".to_owned(),
            context: assign.to_vec(),
        };
        let index = index_of(n_target);
        // Condition keys; the caller keys belong to the caller dimension.
        let mut keys: BTreeMap<String, KeyEntries<'_>> = BTreeMap::new();
        let mut caller_keys: BTreeMap<String, KeyEntries<'_>> = BTreeMap::new();
        for (i, (s, _)) in stmts.iter().enumerate() {
            for e in &s.conditions {
                let map = if domain::CALLER_KEYS.contains(&e.key_lower.as_str()) {
                    &mut caller_keys
                } else {
                    &mut keys
                };
                map.entry(e.key_lower.clone())
                    .or_insert_with(|| KeyEntries {
                        display: e.key.value.clone(),
                        entries: Vec::new(),
                    })
                    .entries
                    .push((i, s.effect.value, e));
            }
        }
        let mut principals = principals;
        if !filters.outsider {
            principals.extend(domain::caller_key_values(&caller_keys, &fresh, &mut gaps));
        }
        if matches!(
            policy_type,
            PolicyType::Identity
                | PolicyType::PermissionsBoundary
                | PolicyType::Session
                | PolicyType::Scp
        ) {
            // Identity-style policies govern IAM identities (and, for SCPs, the root user).
            principals.retain(|v| match v {
                Value::Principal(p) => crate::request::Caller::parse(p).is_ok_and(|c| {
                    c.kind().is_iam_identity()
                        || (policy_type == PolicyType::Scp && c.kind() == crate::CallerKind::Root)
                }),
                _ => false,
            });
        }
        let caller_sig = |request: &Request, mut sig: Bits| -> Vec<Bits> {
            for (key, ke) in &caller_keys {
                let value = request.context().get(key);
                for (i, effect, e) in &ke.entries {
                    let ok = if let Some(more) = bound.filter(|_| domain::entry_has_variables(e)) {
                        more.get(*i)
                    } else {
                        let truth = crate::engine::condition::evaluate_entry(e, value, |k| {
                            assign.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
                        });
                        match effect {
                            Effect::Allow => truth.is_true(),
                            Effect::Deny => !truth.is_false(),
                        }
                    };
                    if !ok {
                        sig.clear(*i);
                    }
                }
            }
            vec![sig]
        };
        let none = |_: &Request, sig: Bits| vec![sig];
        // Bounded problem: the resource test of a statement with variables, decided on the
        // patterns without variables and the `*` reading of those with.
        let resource_bound = |request: &Request, sig: Bits| -> Vec<Bits> {
            if starred.is_empty() {
                return vec![sig];
            }
            let r = request.resource();
            let hit = |p: &ArnPattern| p.is_match(r, |_| None) == Some(true);
            // Groups whose `*` reading matches: each may match or not (every combination, up
            // to a bound; past it, each statement takes the bound that helps the new policy).
            let hits: Vec<usize> = (0..group_stars.len())
                .filter(|g| group_stars.get(*g).is_some_and(|st| st.iter().any(hit)))
                .collect();
            const MAX_FREE: usize = 6;
            let free = hits.len().min(MAX_FREE);
            let mut out = Vec::new();
            let chosen = |mask: u32, g: usize| {
                hits.iter()
                    .position(|h| *h == g)
                    .is_some_and(|k| k < free && mask >> k & 1 == 1)
            };
            let bounded_group =
                |g: usize| hits.iter().position(|h| *h == g).is_some_and(|k| k >= free);
            for mask in 0u32..(1u32 << free) {
                if implies.iter().any(|(a, b)| {
                    !bounded_group(*a)
                        && !bounded_group(*b)
                        && chosen(mask, *a)
                        && !chosen(mask, *b)
                }) {
                    continue;
                }
                let mut sig = sig.clone();
                for (i, negated, g, plain) in &starred {
                    let plain_hit = plain.iter().any(|p| hit(p));
                    let group_hit = match hits.iter().position(|h| h == g) {
                        Some(k) if k < free => mask >> k & 1 == 1,
                        // Past the bound: matching helps a grant of the new policy and a
                        // `Deny` of the existing one (under `Resource`), not matching the
                        // others.
                        Some(_) => more.get(*i) != *negated,
                        None => false,
                    };
                    let passes = if *negated {
                        !plain_hit && !group_hit
                    } else {
                        plain_hit || group_hit
                    };
                    if passes {
                        sig.set(*i);
                    } else {
                        sig.clear(*i);
                    }
                }
                out.push(sig);
            }
            out
        };
        let mut dims = vec![
            domain::engine_classes(DimKind::Action, actions, &set, &index, n, &base, &none),
            domain::engine_classes(
                DimKind::Resource,
                resources,
                &set,
                &index,
                n,
                &base,
                &resource_bound,
            ),
            domain::engine_classes(
                DimKind::Principal,
                principals,
                &set,
                &index,
                n,
                &base,
                &caller_sig,
            ),
        ];
        if let Some(d) = dims.get_mut(2) {
            for ke in caller_keys.values() {
                for (i, _, _) in &ke.entries {
                    d.constrained.set(*i);
                }
            }
        }
        for (key, ke) in &keys {
            dims.push(domain::key_dim(
                key,
                ke,
                n,
                filters.outsider,
                assign,
                bound,
                &mut gaps,
            ));
        }
        if bounded {
            dims.extend(condition_groups(&stmts, &roles, n));
        }
        Self {
            target,
            set,
            n_target,
            n,
            roles,
            dims,
            gaps,
            bounded,
            covered,
            assign: assign.to_vec(),
        }
    }

    /// The engine's verdict of each policy for `request`: (target allows, reference allows,
    /// statements of the target that apply).
    fn decide(&self, request: &Request) -> (bool, bool, Bits) {
        let ex = self.set.explain(request);
        let index = index_of(self.n_target);
        let mut applies = Bits::empty(self.n);
        for t in ex.statements() {
            if t.applies
                && let Some(i) = index(t.statement)
            {
                applies.set(i);
            }
        }
        let r = &self.roles;
        let allows =
            |allow: &Bits, deny: &Bits| applies.intersects(allow) && !applies.intersects(deny);
        (
            allows(&r.target_allow, &r.target_deny),
            allows(&r.reference_allow, &r.reference_deny),
            applies,
        )
    }

    /// Builds the request of one class per dimension, trying other members (callers first)
    /// until the engine confirms: `required` applies, the target allows, the reference not.
    fn confirm(&self, choice: &[usize], required: usize) -> Option<Witness> {
        let class = |d: usize| {
            self.dims
                .get(d)
                .and_then(|dim| dim.classes.get(*choice.get(d)?))
        };
        let first = |d: usize| class(d).and_then(|c| c.members.first());
        let principals: Vec<&Value> = class(2)
            .map(|c| c.members.iter().collect())
            .unwrap_or_default();
        let action = match first(0) {
            Some(Value::Action(a)) => a.clone(),
            _ => return None,
        };
        let resource = match first(1) {
            Some(Value::Resource(r)) => r.clone(),
            _ => return None,
        };
        // Each key: its members in order; try the first, then the others for keys the engine
        // derives from the caller.
        let mut context: Vec<(String, Option<ContextValue>)> = self
            .assign
            .iter()
            .map(|(k, v)| (k.clone(), Some(ContextValue::string(v))))
            .collect();
        for d in 3..self.dims.len() {
            let Some(dim) = self.dims.get(d) else {
                continue;
            };
            let DimKind::Key(_, display) = &dim.kind else {
                continue;
            };
            if let Some(Value::Key(v)) = first(d) {
                context.push((display.clone(), v.clone()));
            }
        }
        for p in principals.iter().take(16) {
            let Value::Principal(principal) = p else {
                continue;
            };
            let witness = Witness {
                principal: principal.clone(),
                action: action.clone(),
                resource: resource.clone(),
                context: context
                    .iter()
                    .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
                    .collect(),
            };
            let Ok(request) = witness.to_request() else {
                continue;
            };
            let (target, reference, applies) = self.decide(&request);
            if target && !reference && applies.get(required) {
                return Some(witness);
            }
        }
        None
    }

    /// Searches for a request where target statement `i` grants what the reference does not.
    /// In the bounded problem a witness is a model (the engine is not asked); otherwise it is
    /// confirmed by the engine.
    fn search_statement(&self, i: usize, unconfirmed: &mut u64) -> Outcome {
        let Some(st) = self.target.statements.get(i) else {
            return Outcome::None;
        };
        let mut found_witness = None;
        let mut confirm = |choice: &[usize]| {
            if self.bounded {
                return Some(Vec::new());
            }
            let w = self.confirm(choice, i);
            if let Some(w) = &w {
                found_witness = Some(w.clone());
            }
            w.map(|_| Vec::new())
        };
        match search::search(
            &self.dims,
            &self.roles,
            i,
            self.n,
            &mut confirm,
            unconfirmed,
        ) {
            Found::Witness(_) => match found_witness {
                Some(witness) => Outcome::Witness(Finding {
                    statement: i,
                    sid: st.sid.as_ref().map(|s| s.value.clone()),
                    span: st.span,
                    witness,
                }),
                None => Outcome::Model,
            },
            Found::None => Outcome::None,
            Found::Budget => Outcome::Budget,
        }
    }

    /// Target `Allow` statements to search (those the reference does not hold verbatim).
    fn open_statements(&self) -> impl Iterator<Item = usize> + '_ {
        self.target
            .statements
            .iter()
            .enumerate()
            .filter(|(i, st)| st.effect.value == Effect::Allow && !self.covered.contains(i))
            .map(|(i, _)| i)
    }
}

/// Whether every resource that group `a`'s patterns match is matched by one of group `b`'s,
/// for every value of the variables: each pattern of `a` is compared with those of `b` that
/// share its partition, service, region and account, all literal, on the resource part
/// ([`strings::included_for_all_values`]). `false` when it cannot tell.
fn group_included(a: &[String], b: &[String]) -> bool {
    let parse = |t: &str| ArnPattern::parse(t, ArnPatternMode::Resource, true).ok();
    let prefix = |p: &ArnPattern| -> Option<Vec<String>> {
        if !p.as_str().starts_with("arn:") {
            return None;
        }
        (1..=4)
            .map(|i| {
                let c = p.component(i)?;
                (!c.contains(['*', '?']) && !c.contains("${")).then(|| c.to_owned())
            })
            .collect()
    };
    let bs: Vec<ArnPattern> = b.iter().filter_map(|t| parse(t)).collect();
    a.iter().all(|t| {
        let Some(pa) = parse(t) else {
            return false;
        };
        let (Some(pre), Some(rest)) = (prefix(&pa), pa.component(5)) else {
            return false;
        };
        let others: Vec<&str> = bs
            .iter()
            .filter(|pb| prefix(pb).as_ref() == Some(&pre))
            .filter_map(|pb| pb.component(5))
            .collect();
        !others.is_empty() && strings::included_for_all_values(rest, &others)
    })
}

/// The bounded problem's dimensions for condition entries with policy variables: one per
/// distinct entry (key, operator, values), which is true, false or unknown alike in every
/// statement that writes it, whatever the key's value (a superset of what values allow).
fn condition_groups(stmts: &[(&Statement, Side)], roles: &Roles, n: usize) -> Vec<Dim> {
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, (s, _)) in stmts.iter().enumerate() {
        for e in &s.conditions {
            if !domain::entry_has_variables(e) {
                continue;
            }
            let values: Vec<String> = e
                .values
                .items
                .iter()
                .map(|v| v.value.raw.as_text().into_owned())
                .collect();
            let id = format!(
                "{}\u{0}{:?}\u{0}{}",
                e.key_lower,
                e.operator.value,
                values.join("\u{0}")
            );
            groups.entry(id).or_default().push(i);
        }
    }
    let allow = roles.target_allow.or(&roles.reference_allow);
    groups
        .into_iter()
        .map(|(id, members)| {
            let mut constrained = Bits::empty(n);
            for i in &members {
                constrained.set(*i);
            }
            let full = Bits::full(n);
            let class = |sig: Bits| domain::Class {
                sig,
                members: vec![Value::Key(None)],
            };
            Dim {
                kind: DimKind::Bound(id),
                classes: vec![
                    class(full.clone()),
                    class(full.and_not(&constrained)),
                    // Unknown: an `Allow` needs true, a `Deny` applies unless false.
                    class(full.and_not(&constrained.and(&allow))),
                ],
                constrained,
            }
        })
        .collect()
}

/// What the search found for one statement.
enum Outcome {
    /// A request confirmed by the engine.
    Witness(Finding),
    /// A model of the bounded problem (not a request).
    Model,
    /// Nothing: a proof for this statement.
    None,
    /// The node bound was reached.
    Budget,
}

/// How a problem reads policy variables.
#[derive(Clone, Copy)]
enum Vars<'a> {
    /// With these values (lower-case key, value); a key not listed is absent unless the
    /// engine derives it from the caller.
    Given(&'a [(String, String)]),
    /// Bounded: see [`Problem::new`].
    Bounded,
}

/// The values tried for policy variables once the bounded problem has a model, in order:
/// each key its own run of a character no policy writes (so that the value matches only a
/// wildcard), the same with one character (for `?`), every key absent (defaults apply), each
/// key its own readable value, and every key the same plain name.
fn variable_assignments(
    keys: &BTreeSet<String>,
    policies: &[&Policy],
) -> Vec<Vec<(String, String)>> {
    let written: String = policies.iter().map(|p| p.to_json()).collect();
    let fresh: Vec<char> = "qzxjkvwyQZXJKVWY"
        .chars()
        .filter(|c| !written.contains(*c))
        .collect();
    let each = |f: &dyn Fn(usize) -> String| -> Vec<(String, String)> {
        keys.iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), f(i)))
            .collect()
    };
    let run = |i: usize, len: usize| -> Option<String> {
        let n = fresh.len();
        let c = *fresh.get(i % n.max(1))?;
        Some(std::iter::repeat_n(c, len + i / n.max(1)).collect())
    };
    let mut out = Vec::new();
    if !fresh.is_empty() {
        out.push(each(&|i| run(i, 3).unwrap_or_default()));
        out.push(each(&|i| run(i, 1).unwrap_or_default()));
    }
    // One key at a time, the values it is compared with: the constants written for a
    // condition key whose values use it, and the words of the resource patterns.
    let compared = compared_values(policies);
    const MAX_PER_KEY: usize = 8;
    for (i, k) in keys.iter().enumerate() {
        for c in compared.get(k).into_iter().flatten().take(MAX_PER_KEY) {
            let mut a = each(&|j| run(j, 3).unwrap_or_else(|| format!("analysis-value-{j}")));
            if let Some(slot) = a.get_mut(i) {
                slot.1.clone_from(c);
            }
            out.push(a);
        }
    }
    out.push(Vec::new());
    out.push(each(&|i| {
        if i == 0 {
            "analysis-value".to_owned()
        } else {
            format!("analysis-value-{}", i + 1)
        }
    }));
    out.push(each(&|_| "alice".to_owned()));
    out
}

/// For each variable key (lower case), the values it is compared with (see
/// [`variable_assignments`]).
fn compared_values(policies: &[&Policy]) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut words: BTreeSet<String> = BTreeSet::new();
    let mut resource_keys: BTreeSet<String> = BTreeSet::new();
    for p in policies {
        for st in &p.statements {
            if let Some(r) = &st.resource {
                for pat in &r.value.patterns.items {
                    for (k, _) in pat.value.variables() {
                        resource_keys.insert(k.to_ascii_lowercase());
                    }
                    if let Some(rest) = pat.value.component(5) {
                        words.extend(
                            rest.split(['/', '*', '?', ':'])
                                .filter(|w| !w.is_empty() && !w.contains(['$', '{', '}']))
                                .map(str::to_owned),
                        );
                    }
                }
            }
            for e in &st.conditions {
                let mut vars = BTreeSet::new();
                for v in &e.values.items {
                    match &v.value.typed {
                        crate::policy::TypedValue::String(t) => {
                            vars.extend(t.variables().map(|(k, _)| k.to_ascii_lowercase()));
                        }
                        crate::policy::TypedValue::Arn(a) => {
                            vars.extend(a.variables().map(|(k, _)| k.to_ascii_lowercase()));
                        }
                        _ => {}
                    }
                }
                if vars.is_empty() {
                    continue;
                }
                // Constants written for the same condition key, in either policy.
                for q in policies {
                    for st2 in &q.statements {
                        for e2 in &st2.conditions {
                            if e2.key_lower != e.key_lower || domain::entry_has_variables(e2) {
                                continue;
                            }
                            for v in &e2.values.items {
                                let text = v.value.raw.as_text().into_owned();
                                for k in &vars {
                                    out.entry(k.clone()).or_default().insert(text.clone());
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    for k in resource_keys {
        out.entry(k).or_default().extend(words.iter().cloned());
    }
    out
}

/// Runs a question. Without policy variables the problem is exact. With them, the bounded
/// problem (every part with a variable read as the bound that helps the new policy) decides:
/// a statement without a model there grants nothing new for any value of the variables (a
/// proof); a statement with one is searched again with values for the variables, and a
/// request the engine confirms is its witness. A statement with a model and no witness is
/// "cannot prove".
fn run_with_variables(
    target: &Policy,
    reference: Option<&Policy>,
    filters: &Filters,
    policy_type: PolicyType,
) -> Report {
    let mut keys = BTreeSet::new();
    for p in std::iter::once(target).chain(reference) {
        if !p.variables_enabled() {
            continue;
        }
        for st in &p.statements {
            collect_variable_keys(st, &mut keys);
        }
    }
    let mut gaps;
    let mut findings = Vec::new();
    let mut unconfirmed = 0u64;
    if keys.is_empty() {
        let problem = Problem::new(target, reference, filters, policy_type, Vars::Given(&[]));
        gaps = problem.gaps.clone();
        for i in problem.open_statements() {
            match problem.search_statement(i, &mut unconfirmed) {
                Outcome::Witness(f) => findings.push(f),
                Outcome::Model | Outcome::None => {}
                Outcome::Budget => {
                    gaps.insert(budget_gap(i));
                }
            }
        }
    } else {
        let bounded = Problem::new(target, reference, filters, policy_type, Vars::Bounded);
        gaps = bounded.gaps.clone();
        let mut concrete: Vec<Option<Problem<'_>>> = Vec::new();
        let policies: Vec<&Policy> = std::iter::once(target).chain(reference).collect();
        let assignments = variable_assignments(&keys, &policies);
        for i in bounded.open_statements() {
            match bounded.search_statement(i, &mut unconfirmed) {
                Outcome::None => continue,
                Outcome::Budget => {
                    gaps.insert(budget_gap(i));
                    continue;
                }
                Outcome::Model | Outcome::Witness(_) => {}
            }
            let mut found = None;
            for (k, assign) in assignments.iter().enumerate() {
                if concrete.len() <= k {
                    concrete.push(None);
                }
                let Some(slot) = concrete.get_mut(k) else {
                    break;
                };
                let problem = slot.get_or_insert_with(|| {
                    Problem::new(target, reference, filters, policy_type, Vars::Given(assign))
                });
                let mut refused = 0;
                if let Outcome::Witness(f) = problem.search_statement(i, &mut refused) {
                    found = Some(f);
                    break;
                }
            }
            match found {
                Some(f) => findings.push(f),
                None => {
                    gaps.insert(format!(
                        "policy variable: Statement[{i}] of the new policy may grant new access \
                         for some values of the variables, and none of the values tried does"
                    ));
                }
            }
        }
    }
    // Only the exact problem's refused models can hide a witness (the bounded problem
    // decides the others).
    if unconfirmed > 0 {
        gaps.insert(format!(
            "{unconfirmed} request(s) of the model could not be built as the engine reads \
             them (keys the engine derives from the caller)"
        ));
    }
    findings.sort_by_key(|f| f.statement);
    let verdict = if findings.is_empty() && gaps.is_empty() {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    Report {
        verdict,
        findings,
        cannot_prove: gaps.into_iter().collect(),
    }
}

fn budget_gap(i: usize) -> String {
    format!(
        "search bound reached for statement {i} ({} nodes)",
        search::MAX_NODES
    )
}

/// The lower-case keys of every policy variable a statement uses.
fn collect_variable_keys(st: &Statement, out: &mut BTreeSet<String>) {
    let mut add = |name: &str| {
        if name.contains(':') {
            out.insert(name.to_ascii_lowercase());
        }
    };
    if let Some(r) = &st.resource {
        for p in &r.value.patterns.items {
            for (name, _) in p.value.variables() {
                add(name);
            }
        }
    }
    for c in &st.conditions {
        for v in &c.values.items {
            match &v.value.typed {
                crate::policy::TypedValue::String(t) => {
                    for (name, _) in t.variables() {
                        add(name);
                    }
                }
                crate::policy::TypedValue::Arn(p) => {
                    for (name, _) in p.variables() {
                        add(name);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Target `Allow` statements that the reference holds verbatim (ignoring `Sid` and spans),
/// when every reference `Deny` is also in the target and both read variables alike.
fn covered_statements(target: &Policy, reference: Option<&Policy>) -> BTreeSet<usize> {
    let mut out = BTreeSet::new();
    let Some(reference) = reference else {
        return out;
    };
    if target.variables_enabled() != reference.variables_enabled() {
        return out;
    }
    let plain = |s: &Statement| {
        let mut s = s.clone();
        s.sid = None;
        s
    };
    let target_denies: Vec<Statement> = target
        .statements
        .iter()
        .filter(|s| s.effect.value == Effect::Deny)
        .map(plain)
        .collect();
    let denies_kept = reference
        .statements
        .iter()
        .filter(|s| s.effect.value == Effect::Deny)
        .all(|d| target_denies.contains(&plain(d)));
    if !denies_kept {
        return out;
    }
    let reference_allows: Vec<Statement> = reference
        .statements
        .iter()
        .filter(|s| s.effect.value == Effect::Allow)
        .map(plain)
        .collect();
    for (i, st) in target.statements.iter().enumerate() {
        if st.effect.value == Effect::Allow && reference_allows.contains(&plain(st)) {
            out.insert(i);
        }
    }
    out
}

fn collect_accounts(policies: &[&Policy], out: &mut BTreeSet<String>) {
    use crate::policy::{PrincipalValue, Principals};
    for p in policies {
        for st in &p.statements {
            if let Some(block) = &st.principal
                && let Principals::Map(entries) = &block.value.principals
            {
                for e in entries {
                    for v in &e.values.items {
                        match &v.value {
                            PrincipalValue::Account(a) => {
                                out.insert(a.clone());
                            }
                            PrincipalValue::Arn(arn) => {
                                out.insert(arn.account().to_owned());
                            }
                            _ => {}
                        }
                    }
                }
            }
            if let Some(r) = &st.resource {
                for pat in &r.value.patterns.items {
                    if let Some(a) = pat.value.account() {
                        out.insert(a.to_owned());
                    }
                }
            }
            for c in &st.conditions {
                for v in &c.values.items {
                    let text = v.value.raw.as_text();
                    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
                        out.insert(text.into_owned());
                    }
                }
            }
        }
    }
}

/// `CheckNoNewAccess`: PASS when every request that `new` allows is allowed by `existing`;
/// otherwise FAIL with the statements of `new` that grant new access, each with a witness that
/// `new` allows and `existing` does not.
///
/// ```
/// use iam_policy::{PolicyType, parse_policy};
/// use iam_policy::analysis::{Verdict, no_new_access};
/// let existing = parse_policy(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
///   "Action": "s3:Get*", "Resource": "arn:aws:s3:::bucket/*"}}"#, PolicyType::Identity)?;
/// let narrower = parse_policy(r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
///   "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/reports/*"}}"#,
///   PolicyType::Identity)?;
/// assert_eq!(no_new_access(&existing, &narrower, PolicyType::Identity).verdict, Verdict::Pass);
/// let report = no_new_access(&narrower, &existing, PolicyType::Identity);
/// assert_eq!(report.verdict, Verdict::Fail);
/// assert_eq!(report.findings[0].statement, 0);
/// # Ok::<(), iam_policy::ParseErrors>(())
/// ```
#[must_use]
pub fn no_new_access(existing: &Policy, new: &Policy, policy_type: PolicyType) -> Report {
    run_with_variables(new, Some(existing), &Filters::default(), policy_type)
}

/// `CheckAccessNotGranted`: FAIL with a witness when `policy` allows one of `actions` (on one
/// of `resources`, when any are given).
#[must_use]
pub fn access_not_granted(
    policy: &Policy,
    actions: &[ActionPattern],
    resources: &[ArnPattern],
    policy_type: PolicyType,
) -> Report {
    let filters = Filters {
        actions: Some(actions.to_vec()),
        resources: (!resources.is_empty()).then(|| resources.to_vec()),
        outsider: false,
    };
    run_with_variables(policy, None, &filters, policy_type)
}

/// The resource types [`no_public_access`] accepts (those of AWS's `CheckNoPublicAccess` whose
/// policies are resource policies this engine decides).
pub const PUBLIC_ACCESS_RESOURCE_TYPES: &[&str] = &[
    "AWS::S3::Bucket",
    "AWS::S3::AccessPoint",
    "AWS::S3::Glacier",
    "AWS::S3Express::DirectoryBucket",
    "AWS::S3Tables::TableBucket",
    "AWS::SecretsManager::Secret",
    "AWS::KMS::Key",
    "AWS::SQS::Queue",
    "AWS::SNS::Topic",
    "AWS::Lambda::Function",
    "AWS::Lambda::LayerVersion",
    "AWS::ECR::Repository",
    "AWS::EFS::FileSystem",
    "AWS::OpenSearchService::Domain",
    "AWS::Kinesis::Stream",
    "AWS::Kinesis::StreamConsumer",
    "AWS::DynamoDB::Table",
    "AWS::DynamoDB::Stream",
    "AWS::IAM::AssumeRolePolicyDocument",
    "AWS::Backup::BackupVault",
    "AWS::CloudTrail::Dashboard",
    "AWS::CloudTrail::EventDataStore",
    "AWS::ApiGateway::RestApi",
    "AWS::CodeArtifact::Domain",
    "AWS::Glue::Catalog",
    "AWS::Logs::Destination",
];

/// `CheckNoPublicAccess`: FAIL with a witness request from an anonymous caller or a caller of
/// an account the policy does not name, without the fixed values (no wildcard, no variable)
/// of the caller-narrowing keys that the policy writes — S3's "meaning of public"
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status>).
/// `None` when `resource_type` is not one of [`PUBLIC_ACCESS_RESOURCE_TYPES`].
#[must_use]
pub fn no_public_access(policy: &Policy, resource_type: &str) -> Option<Report> {
    if !PUBLIC_ACCESS_RESOURCE_TYPES.contains(&resource_type) {
        return None;
    }
    Some(public_report(policy))
}

/// The public-access analysis, for every resource type.
pub(crate) fn public_report(policy: &Policy) -> Report {
    let filters = Filters {
        outsider: true,
        ..Filters::default()
    };
    run_with_variables(policy, None, &filters, PolicyType::Resource)
}

/// Parses a reference ("existing") policy for [`no_new_access`]. As in AWS's check, a resource
/// or trust policy used as the reference may hold wildcards in `Principal`, which a stored
/// policy may not: `{"Federated": "*"}`, `{"AWS": "arn:aws:iam::*:role/admin"}`,
/// `{"AWS": "1111*"}`. Each such value is read as `"*"` narrowed by a `StringLike` condition
/// on `aws:PrincipalArn` (or `aws:PrincipalAccount` for an account pattern); the statement is
/// split per principal value so that the narrowing applies to that value only. `Federated`
/// and `CanonicalUser` wildcards match no caller the engine decides and are dropped.
///
/// # Errors
///
/// The parse errors of the (rewritten) document.
pub fn parse_reference(text: &str, policy_type: PolicyType) -> Result<Policy, crate::ParseErrors> {
    match crate::parse_policy(text, policy_type) {
        Ok(p) => Ok(p),
        Err(errors) => match rewrite_wildcard_principals(text) {
            Some(rewritten) => crate::parse_policy(&rewritten, policy_type).map_err(|_| errors),
            None => Err(errors),
        },
    }
}

fn rewrite_wildcard_principals(text: &str) -> Option<String> {
    use serde_json::{Map, Value as J};
    let mut doc: J = serde_json::from_str(text).ok()?;
    let statements = match doc.get_mut("Statement")? {
        J::Array(list) => std::mem::take(list),
        other => vec![std::mem::take(other)],
    };
    let mut out = Vec::new();
    let mut changed = false;
    for st in statements {
        let Some(J::Object(principal)) = st.get("Principal").cloned() else {
            out.push(st);
            continue;
        };
        let has_wild = principal.values().any(|v| {
            let list: Vec<&J> = match v {
                J::Array(l) => l.iter().collect(),
                other => vec![other],
            };
            list.iter().any(|x| {
                x.as_str()
                    .is_some_and(|s| s != "*" && s.contains(['*', '?']))
                    || x.as_str() == Some("*")
            })
        });
        if !has_wild {
            out.push(st);
            continue;
        }
        changed = true;
        for (kind, v) in &principal {
            let list: Vec<J> = match v {
                J::Array(l) => l.clone(),
                other => vec![other.clone()],
            };
            for value in list {
                let Some(s) = value.as_str() else { continue };
                let mut copy = st.clone();
                let Some(obj) = copy.as_object_mut() else {
                    continue;
                };
                let wild = s.contains(['*', '?']);
                if !wild || (kind == "AWS" && s == "*") {
                    let mut m = Map::new();
                    m.insert(kind.clone(), J::String(s.to_owned()));
                    obj.insert("Principal".into(), J::Object(m));
                    out.push(copy);
                    continue;
                }
                if kind != "AWS" {
                    // Federated / CanonicalUser / Service wildcards: no caller the engine
                    // decides is such a principal, except services.
                    if kind == "Service" {
                        let mut m = Map::new();
                        m.insert("Service".into(), J::String("*".into()));
                        obj.insert("Principal".into(), J::Object(m));
                        out.push(copy);
                    }
                    continue;
                }
                obj.insert("Principal".into(), J::String("*".into()));
                let key = if s.starts_with("arn:") {
                    "aws:PrincipalArn"
                } else {
                    "aws:PrincipalAccount"
                };
                let cond = obj
                    .entry("Condition")
                    .or_insert_with(|| J::Object(Map::new()));
                let Some(cond) = cond.as_object_mut() else {
                    continue;
                };
                let like = cond
                    .entry("StringLike")
                    .or_insert_with(|| J::Object(Map::new()));
                let Some(like) = like.as_object_mut() else {
                    continue;
                };
                if like.contains_key(key) {
                    continue;
                }
                like.insert(key.into(), J::String(s.to_owned()));
                out.push(copy);
            }
        }
    }
    if !changed {
        return None;
    }
    if let Some(slot) = doc.get_mut("Statement") {
        *slot = J::Array(out);
    }
    serde_json::to_string(&doc).ok()
}

/// Parses `--actions`/`--resources` lists for [`access_not_granted`].
///
/// # Errors
///
/// The first entry that is not an action pattern or a resource ARN pattern.
pub fn parse_action_list(list: &[&str]) -> Result<Vec<ActionPattern>, String> {
    list.iter()
        .map(|a| ActionPattern::parse(a).map_err(|e| format!("`{a}`: {e}")))
        .collect()
}

/// See [`parse_action_list`].
///
/// # Errors
///
/// The first entry that is not a resource ARN pattern.
pub fn parse_resource_list(list: &[&str]) -> Result<Vec<ArnPattern>, String> {
    list.iter()
        .map(|r| {
            ArnPattern::parse(r, ArnPatternMode::Resource, false).map_err(|e| format!("`{r}`: {e}"))
        })
        .collect()
}
