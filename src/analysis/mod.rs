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
/// of these is not open to everyone (lower case).
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
    reference: Option<&'p Policy>,
    set: CompiledPolicySet,
    n_target: usize,
    n: usize,
    roles: Roles,
    dims: Vec<Dim>,
    gaps: Gaps,
    /// Target statements whose answer the model cannot prove (policy variables).
    statement_gaps: BTreeMap<usize, String>,
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
        assign: &[(String, String)],
    ) -> Self {
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
        // Policy variables. A statement whose variables the model leaves unresolved never
        // applies in the model where the engine would need a value: for the reference's
        // grants (Resource, positive operators) that only makes the reference allow less,
        // which keeps a PASS sound; everywhere else it is a gap. A target grant with
        // variables is a gap of that statement alone, unless the reference holds the same
        // statement (and no deny the target lacks).
        let mut statement_gaps = BTreeMap::new();
        let covered = covered_statements(target, reference);
        for (side, p) in [(Side::Target, Some(target)), (Side::Reference, reference)] {
            let Some(p) = p else { continue };
            if !p.variables_enabled() {
                continue;
            }
            for (i, st) in p.statements.iter().enumerate() {
                let v = variables_in(st);
                if !v.any() {
                    continue;
                }
                match (side, st.effect.value) {
                    (Side::Target, Effect::Allow) => {
                        if !covered.contains(&i) {
                            statement_gaps.insert(
                                i,
                                format!("policy variable in Statement[{i}] of the new policy"),
                            );
                        }
                    }
                    (Side::Reference, Effect::Allow) if !v.not_resource && !v.negated_condition => {
                    }
                    (Side::Target, _) => {
                        gaps.insert(format!(
                            "policy variable in Deny Statement[{i}] of the new policy"
                        ));
                    }
                    (Side::Reference, _) => {
                        gaps.insert(format!(
                            "policy variable in Statement[{i}] of the existing policy"
                        ));
                    }
                }
            }
        }
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
        let caller_sig = |request: &Request, sig: &mut Bits| {
            for (key, ke) in &caller_keys {
                let value = request.context().get(key);
                for (i, effect, e) in &ke.entries {
                    let truth = crate::engine::condition::evaluate_entry(e, value, |k| {
                        assign.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
                    });
                    let ok = match effect {
                        Effect::Allow => truth.is_true(),
                        Effect::Deny => !truth.is_false(),
                    };
                    if !ok {
                        sig.clear(*i);
                    }
                }
            }
        };
        let none = |_: &Request, _: &mut Bits| {};
        let mut dims = vec![
            domain::engine_classes(DimKind::Action, actions, &set, &index, n, &base, &none),
            domain::engine_classes(DimKind::Resource, resources, &set, &index, n, &base, &none),
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
                &mut gaps,
            ));
        }
        Self {
            target,
            reference,
            set,
            n_target,
            n,
            roles,
            dims,
            gaps,
            statement_gaps,
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

    /// A confirmed witness for target statement `i`, if the search finds one.
    fn find(&self, i: usize) -> Option<Finding> {
        let st = self.target.statements.get(i)?;
        let mut found_witness = None;
        let mut unconfirmed = 0u64;
        let mut confirm = |choice: &[usize]| {
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
            &mut unconfirmed,
        ) {
            Found::Witness(_) => found_witness.map(|witness| Finding {
                statement: i,
                sid: st.sid.as_ref().map(|s| s.value.clone()),
                span: st.span,
                witness,
            }),
            Found::None | Found::Budget => None,
        }
    }

    /// Finds a witness for each target `Allow` statement.
    fn run(&self) -> Report {
        let mut findings = Vec::new();
        let mut gaps = self.gaps.clone();
        let mut unconfirmed = 0u64;
        for (i, st) in self.target.statements.iter().enumerate() {
            if st.effect.value != Effect::Allow || self.covered.contains(&i) {
                continue;
            }
            let mut found_witness = None;
            let mut confirm = |choice: &[usize]| {
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
                &mut unconfirmed,
            ) {
                Found::Witness(_) => {
                    if let Some(witness) = found_witness {
                        findings.push(Finding {
                            statement: i,
                            sid: st.sid.as_ref().map(|s| s.value.clone()),
                            span: st.span,
                            witness,
                        });
                    }
                }
                Found::None => {
                    if let Some(g) = self.statement_gaps.get(&i) {
                        gaps.insert(g.clone());
                    }
                }
                Found::Budget => {
                    gaps.insert(format!(
                        "search bound reached for statement {i} ({} nodes)",
                        search::MAX_NODES
                    ));
                }
            }
        }
        if unconfirmed > 0 {
            gaps.insert(format!(
                "{unconfirmed} request(s) of the model could not be built as the engine reads \
                 them (keys the engine derives from the caller)"
            ));
        }
        let _ = self.reference;
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
}

/// Runs a question; where the only obstacle to an answer is a policy variable in some new
/// grants, searches those grants again with every variable given a value, so that a grant that
/// allows new access gets its (engine-confirmed) witness. A grant without one stays
/// "cannot prove": one value of the variables proves nothing about the others.
fn run_with_variables(
    target: &Policy,
    reference: Option<&Policy>,
    filters: &Filters,
    policy_type: PolicyType,
) -> Report {
    let first = Problem::new(target, reference, filters, policy_type, &[]);
    let mut report = first.run();
    let open: Vec<(usize, String)> = first
        .statement_gaps
        .iter()
        .filter(|(i, g)| {
            report.cannot_prove.contains(g) && !report.findings.iter().any(|f| f.statement == **i)
        })
        .map(|(i, g)| (*i, g.clone()))
        .collect();
    if open.is_empty() {
        return report;
    }
    let mut keys = BTreeSet::new();
    for p in std::iter::once(target).chain(reference) {
        for st in &p.statements {
            collect_variable_keys(st, &mut keys);
        }
    }
    for value in ["analysis-value", "alice"] {
        let assign: Vec<(String, String)> =
            keys.iter().map(|k| (k.clone(), value.to_owned())).collect();
        let second = Problem::new(target, reference, filters, policy_type, &assign);
        for (i, gap) in &open {
            if report.findings.iter().any(|f| f.statement == *i) {
                continue;
            }
            if let Some(f) = second.find(*i) {
                report.findings.push(f);
                report.cannot_prove.retain(|g| g != gap);
            }
        }
    }
    report.findings.sort_by_key(|f| f.statement);
    if !report.findings.is_empty() {
        report.verdict = Verdict::Fail;
    }
    report
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

/// Where a statement uses policy variables.
#[derive(Default)]
struct Variables {
    resource: bool,
    not_resource: bool,
    condition: bool,
    negated_condition: bool,
}

impl Variables {
    fn any(&self) -> bool {
        self.resource || self.not_resource || self.condition
    }
}

fn variables_in(st: &Statement) -> Variables {
    let mut v = Variables::default();
    if let Some(r) = &st.resource
        && r.value
            .patterns
            .items
            .iter()
            .any(|p| p.value.has_variables())
    {
        if r.value.negated {
            v.not_resource = true;
        } else {
            v.resource = true;
        }
    }
    for c in &st.conditions {
        let has = c.values.items.iter().any(|x| match &x.value.typed {
            crate::policy::TypedValue::String(t) => t.has_variables(),
            crate::policy::TypedValue::Arn(p) => p.has_variables(),
            _ => false,
        });
        if has {
            v.condition = true;
            if c.operator.value.base.is_negated() {
                v.negated_condition = true;
            }
        }
    }
    v
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
