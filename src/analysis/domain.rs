//! The values of each request dimension, split into the classes that the two policies
//! distinguish, each class with concrete member values.
//!
//! Dimensions: the action, the resource, the caller, and every condition key either policy
//! tests. For each, this module proposes candidate values that hit every class (strings: the
//! reachable states of the product automaton of the patterns, [`super::strings`]; numbers,
//! dates and addresses: the constants, their neighbours and the points between them; booleans,
//! binary values; absent keys, empty and multi-valued sets), then asks the engine which
//! statements each candidate satisfies (its *signature*) and keeps one class per signature.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;

use crate::CompiledPolicySet;
use crate::Truth;
use crate::action::{Action, ActionPattern};
use crate::arn::ArnPattern;
use crate::condition::{BaseOperator, OperatorFamily};
use crate::engine::condition::evaluate_entry;
use crate::policy::{
    ConditionEntry, Effect, Policy, PrincipalKind, PrincipalValue, Principals, RawScalar,
    TypedValue,
};
use crate::request::{ContextScalar, ContextValue, Request};
use crate::value::{Decimal, Instant};

use super::bits::Bits;
use super::strings::{Alphabet, Pattern, representatives};

/// `text` with each `${key}` (or `${key, 'default'}`) whose lower-case key `assign` gives
/// replaced by that value: the strings a pattern matches once its variables have values.
pub(crate) fn substitute(text: &str, assign: &[(String, String)]) -> String {
    if assign.is_empty() || !text.contains("${") {
        return text.to_owned();
    }
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let Some(end) = after.find('}') else {
            out.push_str(after);
            return out;
        };
        let inner = after.get(2..end).unwrap_or_default();
        let name = inner
            .split(',')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        match assign.iter().find(|(k, _)| *k == name) {
            Some((_, v)) => out.push_str(v),
            None => out.push_str(after.get(..=end).unwrap_or_default()),
        }
        rest = after.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// Keys whose value, when a request has one, is never empty (lower case): AWS derives them
/// from the caller. An IAM user name is 1 to 64 characters (IAM API reference, `CreateUser`,
/// `UserName`); unique ids, principal ARNs and account ids are never empty either.
const NEVER_EMPTY: &[&str] = &[
    "aws:username",
    "aws:userid",
    "aws:principalarn",
    "aws:principalaccount",
];

/// `text` with each named policy variable (`${key}`, `${key, 'default'}`) replaced by `*`, or
/// by `?*` for a key without a default whose value is never empty ([`NEVER_EMPTY`]); the
/// fixed `${*}`, `${?}`, `${$}` are kept (they are literal characters). Read as a pattern
/// with variables, the result matches every string that some value of the variables (or their
/// absence) lets the original match.
pub(crate) fn star_variables(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = crate::variables::find_variable(rest) {
        let (before, tail) = rest.split_at(at);
        out.push_str(before);
        let len = crate::variables::variable_len(tail, 0).unwrap_or(tail.len());
        let (var, after) = tail.split_at_checked(len).unwrap_or((tail, ""));
        let inner = var
            .get(2..var.len().saturating_sub(1))
            .unwrap_or_default()
            .trim();
        if matches!(inner, "*" | "?" | "$") {
            out.push_str(var);
        } else if !inner.contains(',') && NEVER_EMPTY.iter().any(|k| k.eq_ignore_ascii_case(inner))
        {
            out.push_str("?*");
        } else {
            out.push('*');
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Whether a condition entry's values hold a policy variable.
pub(crate) fn entry_has_variables(e: &ConditionEntry) -> bool {
    e.values.items.iter().any(|x| match &x.value.typed {
        TypedValue::String(t) => t.has_variables(),
        TypedValue::Arn(p) => p.has_variables(),
        _ => false,
    })
}

/// A value of one dimension.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Value {
    /// An action, `service:Name`.
    Action(String),
    /// A resource ARN or `*`.
    Resource(String),
    /// A caller, as [`crate::request::Caller::parse`] reads it.
    Principal(String),
    /// A condition key's value; `None` when absent.
    Key(Option<ContextValue>),
}

/// What a dimension is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum DimKind {
    Action,
    Resource,
    Principal,
    /// A condition key: lower-case, and as first written.
    Key(String, String),
    /// A part of statements that holds a policy variable, in the bounded problem.
    Bound(String),
}

/// One class: the statements its members satisfy, and the members (best first).
#[derive(Clone, Debug)]
pub(crate) struct Class {
    pub(crate) sig: Bits,
    pub(crate) members: Vec<Value>,
}

/// One dimension with its classes.
#[derive(Clone, Debug)]
pub(crate) struct Dim {
    pub(crate) kind: DimKind,
    pub(crate) classes: Vec<Class>,
    /// Statements that test this dimension at all.
    pub(crate) constrained: Bits,
}

/// Restrictions of the question asked.
#[derive(Clone, Debug, Default)]
pub(crate) struct Filters {
    /// Only these actions (any of them).
    pub(crate) actions: Option<Vec<ActionPattern>>,
    /// Only these resources (any of them).
    pub(crate) resources: Option<Vec<ArnPattern>>,
    /// Only callers outside every account the policy names, without the fixed values of the
    /// caller-narrowing keys the policy writes.
    pub(crate) outsider: bool,
}

/// Which policy a statement belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// The policy asked about ("new").
    Target,
    /// The policy compared with ("existing"), or a synthetic one.
    Reference,
}

/// Where the analysis could not be exact.
pub(crate) type Gaps = BTreeSet<String>;

/// An account id no policy names: callers from it are "another account".
pub(crate) fn fresh_account(taken: &BTreeSet<String>) -> String {
    [
        "444455556666",
        "777788889999",
        "210987654321",
        "135792468013",
    ]
    .iter()
    .find(|a| !taken.contains(**a))
    .map_or_else(|| "864213579024".to_owned(), |a| (*a).to_owned())
}

/// Builds a request with `base` for every dimension but one.
pub(crate) struct Base {
    pub(crate) principal: String,
    pub(crate) action: String,
    pub(crate) resource: String,
    /// Context keys every request carries (values given to policy variables).
    pub(crate) context: Vec<(String, String)>,
}

impl Base {
    pub(crate) fn request(&self, value: &Value) -> Option<Request> {
        let mut b = Request::builder()
            .principal(&self.principal)
            .action(&self.action)
            .resource(&self.resource);
        for (k, v) in &self.context {
            b = b.context_value(k, ContextValue::string(v));
        }
        match value {
            Value::Action(a) => b = b.action(a),
            Value::Resource(r) => b = b.resource(r),
            Value::Principal(p) => b = b.principal(p),
            Value::Key(_) => {}
        }
        b.build().ok()
    }
}

/// Signatures of values of the action, resource or principal dimension, read from the
/// engine's trace of every statement.
pub(crate) fn engine_classes(
    kind: DimKind,
    values: Vec<Value>,
    set: &CompiledPolicySet,
    index: &dyn Fn(crate::StatementRef) -> Option<usize>,
    n: usize,
    base: &Base,
    extra: &dyn Fn(&Request, Bits) -> Vec<Bits>,
) -> Dim {
    let mut by_sig: HashMap<Bits, usize> = HashMap::new();
    let mut classes: Vec<Class> = Vec::new();
    let mut constrained = Bits::empty(n);
    let mut first: Option<Bits> = None;
    for value in values {
        let Some(request) = base.request(&value) else {
            continue;
        };
        let explanation = set.explain(&request);
        let mut sig = Bits::empty(n);
        for t in explanation.statements() {
            let Some(i) = index(t.statement) else {
                continue;
            };
            let ok = match kind {
                DimKind::Action => t.action,
                DimKind::Resource => t.resource.passed(),
                DimKind::Principal => t.principal.passed(),
                DimKind::Key(..) | DimKind::Bound(_) => true,
            };
            if ok {
                sig.set(i);
            }
        }
        for sig in extra(&request, sig) {
            match &first {
                None => first = Some(sig.clone()),
                Some(f) => constrained = constrained.or(&f.and_not(&sig)).or(&sig.and_not(f)),
            }
            match by_sig.get(&sig) {
                Some(&c) => {
                    if let Some(class) = classes.get_mut(c)
                        && class.members.len() < 16
                    {
                        class.members.push(value.clone());
                    }
                }
                None => {
                    by_sig.insert(sig.clone(), classes.len());
                    classes.push(Class {
                        sig,
                        members: vec![value.clone()],
                    });
                }
            }
        }
    }
    // Statements false in every class are constrained too (they can never apply).
    if let Some(f) = &first {
        constrained = constrained.or(&Bits::full(n).and_not(f));
    }
    Dim {
        kind,
        classes,
        constrained,
    }
}

/// Candidate actions: per service the classes of the action-name patterns, and one service no
/// pattern names.
pub(crate) fn action_values(patterns: &[&ActionPattern], gaps: &mut Gaps) -> Vec<Value> {
    // Patterns with the same text match alike: keep one of each.
    let mut texts = BTreeSet::new();
    let unique: Vec<&ActionPattern> = patterns
        .iter()
        .copied()
        .filter(|p| texts.insert(p.as_str().to_ascii_lowercase()))
        .collect();
    let patterns = unique.as_slice();
    let mut by_service: BTreeMap<String, Vec<Pattern>> = BTreeMap::new();
    for p in patterns {
        if let (Some(service), Some(name)) = (p.service(), p.name()) {
            by_service
                .entry(service.to_ascii_lowercase())
                .or_default()
                .push(Pattern::glob(&name.as_str().to_ascii_lowercase(), true));
        }
    }
    let allowed =
        |c: char| (c.is_ascii_alphanumeric() && !c.is_ascii_uppercase()) || matches!(c, '-' | '_');
    let catalog = crate::catalog::Catalog::get().ok();
    let mut out = Vec::new();
    for (service, names) in &by_service {
        let reps = representatives(
            names,
            Alphabet {
                allowed: &allowed,
                fresh: "qzxjkvwy",
                lengths: None,
            },
        );
        if reps.incomplete {
            gaps.insert(format!(
                "too many action-name classes for service `{service}`"
            ));
        }
        // Documented actions first, so that a class names a real action when it has one.
        let mut texts: Vec<String> = catalog
            .and_then(|c| c.service(service))
            .map(|s| {
                s.actions()
                    .iter()
                    .map(|a| format!("{}:{}", s.prefix(), a.name))
                    .collect()
            })
            .unwrap_or_default();
        texts.extend(
            reps.strings
                .iter()
                .map(|name| format!("{service}:{}", nice_name(name))),
        );
        // Keep one action per vector of pattern matches (the engine's action matcher).
        let mut seen: BTreeSet<Vec<bool>> = BTreeSet::new();
        for text in texts {
            let Ok(action) = Action::parse(&text) else {
                continue;
            };
            let v: Vec<bool> = patterns.iter().map(|p| p.is_match(&action)).collect();
            if seen.insert(v) {
                out.push(Value::Action(text));
            }
        }
    }
    let fresh = [
        "sqs", "sns", "ec2", "dynamodb", "lambda", "kms", "s3", "iam",
    ]
    .iter()
    .find(|s| !by_service.contains_key(**s))
    .copied()
    .unwrap_or("analysisfresh");
    out.push(Value::Action(format!("{fresh}:AnalysisAction")));
    out
}

/// Keeps a generated action name's letters but upper-cases the first (names are
/// case-insensitive; `GetObject` reads better than `getobject`).
fn nice_name(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_ascii_uppercase().to_string() + chars.as_str()
    })
}

/// Candidate resources: `*` and ARNs built from the classes of each segment.
pub(crate) fn resource_values(
    patterns: &[&ArnPattern],
    assign: &[(String, String)],
    gaps: &mut Gaps,
) -> Vec<Value> {
    let mut out = vec![Value::Resource("*".to_owned())];
    let arns = arn_values_assigned(patterns, true, assign, gaps);
    out.extend(arns.into_iter().map(Value::Resource));
    out
}

/// ARN strings hitting every class of `patterns` (Resource mode when `resource`, else
/// condition mode): per segment the automaton classes, then their product with equal
/// pattern vectors merged.
pub(crate) fn arn_values(patterns: &[&ArnPattern], resource: bool, gaps: &mut Gaps) -> Vec<String> {
    arn_values_with(patterns, resource, gaps)
}

/// [`arn_values`]; `accounts`: hold the account segment to twelve digits or nothing (what
/// requests accept).
fn arn_values_with(patterns: &[&ArnPattern], accounts: bool, gaps: &mut Gaps) -> Vec<String> {
    arn_values_assigned(patterns, accounts, &[], gaps)
}

/// [`arn_values_with`], the patterns' variables given the values of `assign`.
fn arn_values_assigned(
    patterns: &[&ArnPattern],
    accounts: bool,
    assign: &[(String, String)],
    gaps: &mut Gaps,
) -> Vec<String> {
    // Patterns with the same text match alike: keep one of each.
    let mut texts = BTreeSet::new();
    let unique: Vec<&ArnPattern> = patterns
        .iter()
        .copied()
        .filter(|p| texts.insert(p.as_str()))
        .collect();
    let patterns = unique.as_slice();
    let resource = accounts;
    let no_colon = |c: char| c != ':' && !c.is_control();
    let digits = |c: char| c.is_ascii_digit();
    let anything = |c: char| !c.is_control();
    let mut segments: Vec<Vec<String>> = Vec::new();
    for index in 1..=5 {
        let pats: Vec<Pattern> = patterns
            .iter()
            .filter_map(|p| p.component(index))
            .map(|text| Pattern::glob(&substitute(text, assign), false))
            .collect();
        let reps = if index == 4 && resource {
            representatives(
                &pats,
                Alphabet {
                    allowed: &digits,
                    fresh: "0123456789",
                    lengths: Some(&[0, 12]),
                },
            )
        } else if index == 5 {
            representatives(
                &pats,
                Alphabet {
                    allowed: &anything,
                    fresh: "zqx/:",
                    lengths: None,
                },
            )
        } else {
            representatives(
                &pats,
                Alphabet {
                    allowed: &no_colon,
                    fresh: "zqx-",
                    lengths: None,
                },
            )
        };
        if reps.incomplete {
            gaps.insert(format!("too many classes in ARN segment {index}"));
        }
        // Merge segment strings that every pattern's segment treats alike (the engine's
        // wildcard matcher decides); the product below is then small.
        let wild: Vec<crate::Wildcard> = patterns
            .iter()
            .filter_map(|p| p.component(index))
            .map(|text| crate::Wildcard::new(&substitute(text, assign)))
            .collect();
        let mut seen: BTreeSet<Vec<bool>> = BTreeSet::new();
        let mut kept = Vec::new();
        for s in reps.strings {
            let v: Vec<bool> = wild.iter().map(|w| w.is_match(&s)).collect();
            if seen.insert(v) {
                kept.push(s);
            }
        }
        segments.push(kept);
    }
    if let Some(out) = staged_product(patterns, &segments, assign) {
        return out;
    }
    let total: usize = segments.iter().map(Vec::len).product();
    const MAX_PRODUCT: usize = 50_000;
    if total > MAX_PRODUCT {
        gaps.insert("too many ARN classes".to_owned());
    }
    let mut out = Vec::new();
    let mut seen: BTreeSet<Vec<Option<bool>>> = BTreeSet::new();
    let mut idx = [0usize; 5];
    let lens: Vec<usize> = segments.iter().map(Vec::len).collect();
    if lens.contains(&0) {
        return out;
    }
    let mut count = 0usize;
    loop {
        count += 1;
        if count > MAX_PRODUCT {
            break;
        }
        let parts: Vec<&str> = idx
            .iter()
            .zip(&segments)
            .map(|(i, seg)| seg.get(*i).map_or("", String::as_str))
            .collect();
        let arn = format!("arn:{}", parts.join(":"));
        let v: Vec<Option<bool>> = patterns
            .iter()
            .map(|p| {
                p.is_match(&arn, |k| {
                    assign.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str())
                })
            })
            .collect();
        if seen.insert(v) {
            out.push(arn);
        }
        // Next index tuple.
        let mut k = 0;
        loop {
            let Some(slot) = idx.get_mut(k) else {
                return out;
            };
            *slot += 1;
            if *slot < lens.get(k).copied().unwrap_or(0) {
                break;
            }
            *slot = 0;
            k += 1;
        }
    }
    out
}

/// The product of the segment classes, built one segment at a time: an ARN pattern matches
/// when each of its components matches its segment (the engine's ARN rule), so two partial
/// ARNs that the patterns' components so far treat alike have the same futures, and one of
/// them is enough. Every ARN kept is then decided by the engine; if the engine's answer for
/// some pattern differs from the components' (a pattern the rule does not describe, such as
/// one that matches nothing), `None`: the caller enumerates the whole product instead.
/// Patterns whose variables have no value are left out (the engine answers "unknown" for
/// every ARN); a default value not given by `assign` sends the caller to the whole product.
fn staged_product(
    patterns: &[&ArnPattern],
    segments: &[Vec<String>],
    assign: &[(String, String)],
) -> Option<Vec<String>> {
    let resolve = |k: &str| assign.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
    let mut used: Vec<&ArnPattern> = Vec::new();
    for p in patterns {
        let vars: Vec<(&str, Option<&str>)> = p.variables().collect();
        if vars
            .iter()
            .any(|(k, d)| d.is_some() && resolve(k).is_none())
        {
            return None;
        }
        if vars.iter().all(|(k, _)| resolve(k).is_some()) {
            used.push(p);
        }
    }
    // Per segment, per kept string: which patterns' component matches it (a pattern without
    // that component does not compare it).
    let mut seg_vecs: Vec<Vec<Vec<bool>>> = Vec::new();
    for (k, strings) in segments.iter().enumerate() {
        let wild: Vec<Option<crate::Wildcard>> = used
            .iter()
            .map(|p| {
                p.component(k + 1)
                    .map(|t| crate::Wildcard::new(&substitute(t, assign)))
            })
            .collect();
        seg_vecs.push(
            strings
                .iter()
                .map(|s| {
                    wild.iter()
                        .map(|w| w.as_ref().is_none_or(|w| w.is_match(s)))
                        .collect()
                })
                .collect(),
        );
    }
    let mut frontier: Vec<(Vec<usize>, Vec<bool>)> = vec![(Vec::new(), vec![true; used.len()])];
    for vecs in &seg_vecs {
        let mut next: Vec<(Vec<usize>, Vec<bool>)> = Vec::new();
        let mut seen: BTreeSet<Vec<bool>> = BTreeSet::new();
        for (parts, v) in &frontier {
            for (j, sv) in vecs.iter().enumerate() {
                let w: Vec<bool> = v.iter().zip(sv).map(|(a, b)| *a && *b).collect();
                if seen.insert(w.clone()) {
                    let mut parts = parts.clone();
                    parts.push(j);
                    next.push((parts, w));
                }
            }
        }
        frontier = next;
    }
    let mut out = Vec::new();
    let mut seen: BTreeSet<Vec<Option<bool>>> = BTreeSet::new();
    for (parts, v) in &frontier {
        let texts: Vec<&str> = parts
            .iter()
            .zip(segments)
            .map(|(j, seg)| seg.get(*j).map_or("", String::as_str))
            .collect();
        let arn = format!("arn:{}", texts.join(":"));
        let engine: Vec<Option<bool>> =
            patterns.iter().map(|p| p.is_match(&arn, resolve)).collect();
        let used_engine: Vec<bool> = used
            .iter()
            .map(|p| p.is_match(&arn, resolve) == Some(true))
            .collect();
        if used_engine != *v {
            return None;
        }
        if seen.insert(engine) {
            out.push(arn);
        }
    }
    Some(out)
}

/// Candidate callers: anonymous, each account, user, role, session and service the policies
/// name, and the same kinds in an account they do not name.
pub(crate) fn principal_values(policies: &[&Policy], fresh: &str, outsider: bool) -> Vec<Value> {
    let mut out: Vec<String> = vec!["anonymous".to_owned()];
    let fresh_callers = |a: &str| {
        vec![
            format!("arn:aws:iam::{a}:root"),
            format!("arn:aws:iam::{a}:user/analysis-user"),
            format!("arn:aws:sts::{a}:assumed-role/analysis-role/analysis-session"),
            format!("arn:aws:sts::{a}:federated-user/analysis-federated"),
        ]
    };
    out.extend(fresh_callers(fresh));
    if !outsider {
        let mut accounts = BTreeSet::new();
        for policy in policies {
            for st in &policy.statements {
                let Some(block) = &st.principal else { continue };
                let Principals::Map(entries) = &block.value.principals else {
                    continue;
                };
                for e in entries {
                    for v in &e.values.items {
                        match (&v.value, e.kind.value) {
                            (PrincipalValue::Account(a), _) => {
                                accounts.insert(a.clone());
                            }
                            (PrincipalValue::Arn(arn), _) => {
                                let text = arn.as_str();
                                out.push(text.to_owned());
                                let account = arn.account();
                                if !account.is_empty() {
                                    accounts.insert(account.to_owned());
                                }
                                if let Some(path_name) = arn.resource().strip_prefix("role/") {
                                    let name = path_name.rsplit('/').next().unwrap_or(path_name);
                                    out.push(format!(
                                        "arn:{}:sts::{}:assumed-role/{name}/analysis-session",
                                        arn.partition(),
                                        account
                                    ));
                                }
                            }
                            (PrincipalValue::Name(n), PrincipalKind::Service) => {
                                out.push(n.clone());
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        for a in &accounts {
            out.extend(fresh_callers(a));
        }
        out.push("analysis.amazonaws.com".to_owned());
    }
    let mut seen = BTreeSet::new();
    out.retain(|p| seen.insert(p.clone()));
    out.into_iter().map(Value::Principal).collect()
}

/// Keys that AWS derives from the caller and that a request cannot set otherwise: they are
/// part of the caller dimension, not free keys (lower case).
pub(crate) const CALLER_KEYS: &[&str] = &crate::request::CALLER_KEYS;

/// Whether a caller string is one the engine reads.
fn is_caller(text: &str) -> bool {
    crate::request::Caller::parse(text).is_ok()
}

/// More candidate callers: those whose derived keys hit every class of the values the
/// policies write for the caller keys.
pub(crate) fn caller_key_values(
    keys: &BTreeMap<String, KeyEntries<'_>>,
    fresh: &str,
    gaps: &mut Gaps,
) -> Vec<Value> {
    let mut out: Vec<String> = Vec::new();
    let entries = |key: &str| -> Vec<&ConditionEntry> {
        keys.get(key)
            .map(|ke| ke.entries.iter().map(|(_, _, e)| *e).collect())
            .unwrap_or_default()
    };
    // Principal ARNs: every written value read as a condition-mode ARN pattern, with the
    // account segment held to twelve digits.
    let arn_entries = entries("aws:principalarn");
    if !arn_entries.is_empty() {
        let owned: Vec<ArnPattern> = arn_entries
            .iter()
            .flat_map(|e| e.values.items.iter())
            .filter_map(|v| {
                let text = v.value.raw.as_text();
                ArnPattern::parse(&text, crate::arn::ArnPatternMode::Condition, false).ok()
            })
            .collect();
        let refs: Vec<&ArnPattern> = owned.iter().collect();
        let mut strings = arn_values_with(&refs, true, gaps);
        strings.extend(string_values(&arn_entries, gaps));
        for arn in strings {
            if let Some(crate::arn::ArnParts {
                partition,
                service: "iam",
                account,
                resource,
                ..
            }) = crate::arn::ArnParts::split(&arn)
                && let Some(path_name) = resource.strip_prefix("role/")
            {
                let name = path_name.rsplit('/').next().unwrap_or(path_name);
                out.push(format!(
                    "arn:{partition}:sts::{account}:assumed-role/{name}/analysis-session"
                ));
            }
            out.push(arn);
        }
    }
    let account_entries = entries("aws:principalaccount");
    if !account_entries.is_empty() {
        let patterns = string_patterns(&account_entries);
        let digits = |c: char| c.is_ascii_digit();
        let reps = representatives(
            &patterns,
            Alphabet {
                allowed: &digits,
                fresh: "0123456789",
                lengths: Some(&[12]),
            },
        );
        if reps.incomplete {
            gaps.insert("too many classes of aws:PrincipalAccount".to_owned());
        }
        for a in reps.strings {
            out.push(format!("arn:aws:iam::{a}:root"));
            out.push(format!("arn:aws:iam::{a}:user/analysis-user"));
            out.push(format!(
                "arn:aws:sts::{a}:assumed-role/analysis-role/analysis-session"
            ));
        }
    }
    let user_entries = entries("aws:username");
    if !user_entries.is_empty() {
        for name in string_values(&user_entries, gaps) {
            out.push(format!("arn:aws:iam::{fresh}:user/{name}"));
        }
    }
    let service_entries = entries("aws:principalservicename");
    if !service_entries.is_empty() {
        for name in string_values(&service_entries, gaps) {
            out.push(name);
        }
    }
    out.retain(|c| is_caller(c));
    out.into_iter().map(Value::Principal).collect()
}

/// Every condition entry on one key, with the statement it is in.
pub(crate) struct KeyEntries<'p> {
    pub(crate) display: String,
    pub(crate) entries: Vec<(usize, Effect, &'p ConditionEntry)>,
}

/// Keys whose values say who the caller is or where it calls from (S3's "meaning of public"
/// and the keys [`super::NARROWING_KEYS`] lists).
fn narrows(key: &str) -> bool {
    super::NARROWING_KEYS.contains(&key)
}

/// The classes of one condition key's values.
pub(crate) fn key_dim(
    key: &str,
    ke: &KeyEntries<'_>,
    n: usize,
    outsider: bool,
    assign: &[(String, String)],
    bound: Option<&Bits>,
    gaps: &mut Gaps,
) -> Dim {
    let resolve = |k: &str| assign.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
    let mut families = BTreeSet::new();
    let mut qualified = false;
    for (_, _, e) in &ke.entries {
        let op = e.operator.value;
        if op.base != BaseOperator::Null {
            families.insert(family_name(op.base.family()));
        }
        qualified |= op.qualifier.is_some();
    }
    let mixed = families.len() > 1;
    let mut scalars: Vec<ContextScalar> = Vec::new();
    let entries: Vec<&ConditionEntry> = ke.entries.iter().map(|(_, _, e)| *e).collect();
    scalars.extend(
        string_values(&entries, gaps)
            .into_iter()
            .map(ContextScalar::String),
    );
    scalars.extend(numeric_values(&entries, gaps));
    scalars.extend(date_values(&entries, gaps));
    scalars.extend(ip_values(&entries));
    scalars.extend(bool_values(&entries));
    scalars.extend(binary_values(&entries));
    let arn_patterns: Vec<&ArnPattern> = entries
        .iter()
        .flat_map(|e| e.values.items.iter())
        .filter_map(|v| match &v.value.typed {
            TypedValue::Arn(p) => Some(p),
            _ => None,
        })
        .collect();
    if !arn_patterns.is_empty() {
        scalars.extend(
            arn_values(&arn_patterns, false, gaps)
                .into_iter()
                .map(ContextScalar::String),
        );
        scalars.push(ContextScalar::String("analysis".to_owned()));
    }
    // With values for the variables: the values the entries compare with.
    if !assign.is_empty() {
        for e in &entries {
            for v in &e.values.items {
                if matches!(&v.value.typed, TypedValue::String(t) if t.has_variables())
                    || matches!(&v.value.typed, TypedValue::Arn(p) if p.has_variables())
                {
                    let text = v.value.raw.as_text();
                    scalars.push(ContextScalar::String(substitute(&text, assign)));
                }
            }
        }
    }
    if scalars.is_empty() {
        scalars.push(ContextScalar::String("analysis".to_owned()));
    }
    let mut seen = std::collections::HashSet::new();
    scalars.retain(|s| seen.insert(s.clone()));
    let mut text_joint = false;
    if mixed {
        let (more, exact) = mixed_candidates(&entries, &scalars);
        scalars.extend(more);
        text_joint = exact;
    }
    let mut seen = std::collections::HashSet::new();
    scalars.retain(|s| seen.insert(s.clone()));
    if outsider && narrows(key) {
        scalars.retain(|s| !pinned(s, &entries));
    }
    if mixed && let Some(gap) = product_gap(ke, &scalars, assign, bound, text_joint) {
        gaps.insert(gap);
    }

    let signature = |value: Option<&ContextValue>| -> Bits {
        let mut sig = Bits::full(n);
        for (i, effect, e) in &ke.entries {
            let ok = if let Some(more) = bound.filter(|_| entry_has_variables(e)) {
                more.get(*i)
            } else {
                let truth = evaluate_entry(e, value, resolve);
                match effect {
                    Effect::Allow => truth == Truth::True,
                    Effect::Deny => !truth.is_false(),
                }
            };
            if !ok {
                sig.clear(*i);
            }
        }
        sig
    };
    let mut values: Vec<Option<ContextValue>> = vec![None];
    values.extend(
        scalars
            .iter()
            .cloned()
            .map(|s| Some(ContextValue::Single(s))),
    );
    // A request carries a set only for a multi-valued key: one the catalog types `ArrayOf…`,
    // or one that a policy tests with a set qualifier. Other keys hold one value, as in every
    // request AWS makes.
    let multi = qualified
        || crate::catalog::Catalog::get()
            .ok()
            .and_then(|c| c.condition_key(key))
            .is_some_and(|k| k.multi_valued);
    if multi {
        values.push(Some(ContextValue::Multi(Vec::new())));
    }
    // Sets: the single values merged by what the qualified entries say of them, then every
    // subset of those classes (bounded).
    let mut single_classes: Vec<ContextScalar> = Vec::new();
    let mut seen_sig = BTreeSet::new();
    for s in &scalars {
        let sig: Vec<u8> = ke
            .entries
            .iter()
            .filter(|(_, _, e)| e.operator.value.qualifier.is_some())
            .map(|(_, _, e)| {
                let t = evaluate_entry(e, Some(&ContextValue::Single(s.clone())), resolve);
                match t {
                    Truth::True => 1,
                    Truth::False => 0,
                    Truth::Unknown(_) => 2,
                }
            })
            .collect();
        if seen_sig.insert(sig) {
            single_classes.push(s.clone());
        }
    }
    const MAX_SET_CLASSES: usize = 8;
    if qualified {
        let k = single_classes.len().min(MAX_SET_CLASSES);
        if single_classes.len() > MAX_SET_CLASSES {
            gaps.insert(format!(
                "too many value classes for sets of condition key `{}`",
                ke.display
            ));
        }
        for mask in 1u32..(1u32 << k) {
            let set: Vec<ContextScalar> = single_classes
                .iter()
                .take(k)
                .enumerate()
                .filter(|(i, _)| mask >> i & 1 == 1)
                .map(|(_, s)| s.clone())
                .collect();
            values.push(Some(ContextValue::Multi(set)));
        }
    } else if multi && let Some(first) = single_classes.first() {
        values.push(Some(ContextValue::Multi(vec![first.clone()])));
    }

    // A key that is also a policy variable with a given value holds that value.
    if let Some((_, v)) = assign.iter().find(|(k, _)| k == key) {
        values = vec![Some(ContextValue::string(v))];
    }
    let mut by_sig: HashMap<Bits, usize> = HashMap::new();
    let mut classes: Vec<Class> = Vec::new();
    let mut constrained = Bits::empty(n);
    for (i, _, _) in &ke.entries {
        constrained.set(*i);
    }
    for value in values {
        let sig = signature(value.as_ref());
        match by_sig.get(&sig) {
            Some(&c) => {
                if let Some(class) = classes.get_mut(c)
                    && class.members.len() < 4
                {
                    class.members.push(Value::Key(value));
                }
            }
            None => {
                by_sig.insert(sig.clone(), classes.len());
                classes.push(Class {
                    sig,
                    members: vec![Value::Key(value)],
                });
            }
        }
    }
    Dim {
        kind: DimKind::Key(key.to_owned(), ke.display.clone()),
        classes,
        constrained,
    }
}

/// More candidates for a key tested by operators of several families: the constants each
/// entry writes (so that every class a literal value makes is hit by all its members), the
/// classes of the String and Arn values read together as wildcard patterns, and each pair of
/// candidates of different families joined both ways (a number text after a string prefix,
/// and so on), so that the cells of the product of the families' partitions get members.
///
/// Also returns whether the String and Arn values were all read exactly (every ARN pattern
/// has its five colons) and the exploration was complete: then the candidates hit every
/// class of the String and Arn entries taken together.
fn mixed_candidates(
    entries: &[&ConditionEntry],
    scalars: &[ContextScalar],
) -> (Vec<ContextScalar>, bool) {
    let mut out = Vec::new();
    let mut exact = true;
    for e in entries {
        for v in &e.values.items {
            out.push(ContextScalar::String(v.value.raw.as_text().into_owned()));
        }
    }
    let mut patterns = string_patterns(entries);
    for e in entries {
        if e.operator.value.base.family() == OperatorFamily::Arn {
            for v in &e.values.items {
                let text = v.value.raw.as_text();
                match Pattern::arn(&text) {
                    Some(p) => patterns.push(p),
                    None => {
                        exact = false;
                        patterns.push(Pattern::glob(&text, false));
                    }
                }
            }
        }
    }
    let anything = |c: char| !c.is_control();
    let reps = representatives(
        &patterns,
        Alphabet {
            allowed: &anything,
            fresh: "zqx",
            lengths: None,
        },
    );
    exact &= !reps.incomplete;
    out.extend(reps.strings.into_iter().map(ContextScalar::String));
    // Joins of candidates: texts of at most a few hundred candidates, both orders.
    const MAX_JOINED: usize = 64;
    let texts: Vec<String> = scalars
        .iter()
        .chain(&out)
        .map(|s| s.as_text().to_owned())
        .take(MAX_JOINED)
        .collect();
    for a in &texts {
        for b in &texts {
            if a != b && !a.is_empty() && !b.is_empty() {
                out.push(ContextScalar::String(format!("{a}{b}")));
            }
        }
    }
    (out, exact)
}

/// For a key tested by operators of several families: `None` when the candidates hit every
/// cell of the product of the families' partitions that has a member, else the gap.
///
/// A candidate's truth vector over one family's entries is its class in that family; each
/// family's own candidates hit all of its classes. A cell (one class per family) is known to
/// be empty when one of its classes is finite and every member is a candidate: a literal
/// `StringEquals`/`ArnEquals`/`StringLike` (no wildcard, no variable, case kept) that is
/// true, or its negation that is false, holds only the values it writes. Any other cell
/// without a candidate may have members the model lacks: the key is then "cannot prove".
fn product_gap(
    ke: &KeyEntries<'_>,
    scalars: &[ContextScalar],
    assign: &[(String, String)],
    bound: Option<&Bits>,
    text_joint: bool,
) -> Option<String> {
    let resolve = |k: &str| assign.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
    // Entries that depend on the value, by family (those with variables are decided without
    // it in the bounded problem, and only witnesses matter elsewhere).
    let mut by_family: BTreeMap<&'static str, Vec<&ConditionEntry>> = BTreeMap::new();
    for (_, _, e) in &ke.entries {
        let base = e.operator.value.base;
        if base == BaseOperator::Null || (bound.is_some() && entry_has_variables(e)) {
            continue;
        }
        // String and Arn values explored together are one partition.
        let family = match base.family() {
            OperatorFamily::Arn if text_joint => "String",
            f => family_name(f),
        };
        by_family.entry(family).or_default().push(e);
    }
    if by_family.len() < 2 {
        return None;
    }
    let families: Vec<&Vec<&ConditionEntry>> = by_family.values().collect();
    let class_of = |s: &ContextScalar, list: &[&ConditionEntry]| -> Vec<u8> {
        let value = ContextValue::Single(s.clone());
        list.iter()
            .map(|e| match evaluate_entry(e, Some(&value), resolve) {
                Truth::True => 1,
                Truth::False => 0,
                Truth::Unknown(_) => 2,
            })
            .collect()
    };
    let tuples: BTreeSet<Vec<Vec<u8>>> = scalars
        .iter()
        .map(|s| families.iter().map(|f| class_of(s, f)).collect())
        .collect();
    let per_family: Vec<BTreeSet<Vec<u8>>> = (0..families.len())
        .map(|i| tuples.iter().filter_map(|t| t.get(i).cloned()).collect())
        .collect();
    // A class is finite when a literal entry pins the value: true for a positive one, false
    // for a negated one.
    let finite = |list: &[&ConditionEntry], class: &[u8]| -> bool {
        list.iter().zip(class).any(|(e, t)| {
            let base = e.operator.value.base;
            let literal = e.values.items.iter().all(|v| match &v.value.typed {
                TypedValue::String(t) => {
                    !(t.has_variables() || (base.uses_wildcards() && t.has_wildcards()))
                }
                TypedValue::Arn(p) => !p.has_variables() && !p.as_str().contains(['*', '?']),
                _ => false,
            });
            let case_kept = !matches!(
                base,
                BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringNotEqualsIgnoreCase
            );
            literal && case_kept && *t == u8::from(!base.is_negated())
        })
    };
    let total: usize = per_family.iter().map(BTreeSet::len).product();
    const MAX_CELLS: usize = 4096;
    let names = by_family.keys().copied().collect::<Vec<_>>().join(", ");
    let gap = || {
        format!(
            "condition key `{}` is tested by operators of several families ({names}) and a \
             combination of their classes has no value in the model",
            ke.display
        )
    };
    if total > MAX_CELLS {
        return Some(gap());
    }
    let mut cell = vec![0usize; per_family.len()];
    let lists: Vec<Vec<&Vec<u8>>> = per_family.iter().map(|s| s.iter().collect()).collect();
    loop {
        let tuple: Vec<Vec<u8>> = cell
            .iter()
            .zip(&lists)
            .filter_map(|(i, l)| l.get(*i).map(|c| (*c).clone()))
            .collect();
        let empty = tuple
            .iter()
            .zip(&families)
            .any(|(class, list)| finite(list, class));
        if !tuples.contains(&tuple) && !empty {
            return Some(gap());
        }
        // Next cell.
        let mut k = 0;
        loop {
            let (Some(slot), Some(l)) = (cell.get_mut(k), lists.get(k)) else {
                return None;
            };
            *slot += 1;
            if *slot < l.len() {
                break;
            }
            *slot = 0;
            k += 1;
        }
    }
}

fn family_name(f: OperatorFamily) -> &'static str {
    match f {
        OperatorFamily::String => "String",
        OperatorFamily::Numeric => "Numeric",
        OperatorFamily::Date => "Date",
        OperatorFamily::Bool => "Bool",
        OperatorFamily::Binary => "Binary",
        OperatorFamily::Ip => "IpAddress",
        OperatorFamily::Arn => "Arn",
        OperatorFamily::Null => "Null",
    }
}

/// Whether an outsider cannot hold `value`: it is a fixed value (no wildcard, no variable)
/// that the policy writes for this caller-narrowing key, or an address inside a block it
/// writes.
fn pinned(value: &ContextScalar, entries: &[&ConditionEntry]) -> bool {
    let text = value.as_text();
    entries
        .iter()
        .flat_map(|e| e.values.items.iter().map(move |v| (e, v)))
        .any(|(e, v)| match &v.value.typed {
            TypedValue::String(t) => {
                let wild = e.operator.value.base.uses_wildcards() && t.has_wildcards();
                !wild && !t.has_variables() && t.as_str() == text
            }
            TypedValue::Arn(p) => {
                !p.has_variables() && !p.as_str().contains(['*', '?']) && p.as_str() == text
            }
            TypedValue::Ip(net) => {
                net.prefix_len() > 0
                    && crate::value::parse_ip(text).is_some_and(|a| net.contains(&a))
            }
            _ => false,
        })
}

/// String values: the classes of the String-family values (literal for the Equals operators,
/// wildcards for the Like ones; case-folded for IgnoreCase), plus the empty string.
fn string_values(entries: &[&ConditionEntry], gaps: &mut Gaps) -> Vec<String> {
    let patterns = string_patterns(entries);
    if patterns.is_empty() {
        return Vec::new();
    }
    let anything = |c: char| !c.is_control();
    let reps = representatives(
        &patterns,
        Alphabet {
            allowed: &anything,
            fresh: "zqx",
            lengths: None,
        },
    );
    if reps.incomplete {
        gaps.insert("too many string classes for one condition key".to_owned());
    }
    reps.strings
}

/// The String-family values of `entries` as patterns.
fn string_patterns(entries: &[&ConditionEntry]) -> Vec<Pattern> {
    let mut patterns = Vec::new();
    for e in entries {
        let base = e.operator.value.base;
        if base.family() != OperatorFamily::String {
            continue;
        }
        let ignore_case = matches!(
            base,
            BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringNotEqualsIgnoreCase
        );
        for v in &e.values.items {
            let text = v.value.raw.as_text();
            patterns.push(if base.uses_wildcards() {
                Pattern::glob(&text, ignore_case)
            } else {
                Pattern::literal(&text, ignore_case)
            });
        }
    }
    patterns
}

/// The distinct constants of one type (`pick`) among the entries' values, in order.
fn sorted_constants<T: Ord>(
    entries: &[&ConditionEntry],
    pick: impl Fn(&TypedValue) -> Option<T>,
) -> Vec<T> {
    let mut consts: Vec<T> = entries
        .iter()
        .flat_map(|e| e.values.items.iter())
        .filter_map(|v| pick(&v.value.typed))
        .collect();
    consts.sort();
    consts.dedup();
    consts
}

/// Every open interval that the sorted constants cut the line into (below the least, between
/// neighbours, above the greatest) must hold a candidate; an empty one is the gap `gap`.
fn check_intervals<T: Ord>(consts: &[T], candidates: &[T], gaps: &mut Gaps, gap: &str) {
    let below = consts.first().map(|least| (None, Some(least)));
    let between = consts.windows(2).filter_map(|w| match w {
        [a, b] => Some((Some(a), Some(b))),
        _ => None,
    });
    let above = consts.last().map(|greatest| (Some(greatest), None));
    let covered = |(lo, hi): (Option<&T>, Option<&T>)| {
        candidates
            .iter()
            .any(|v| lo.is_none_or(|l| v > l) && hi.is_none_or(|h| v < h))
    };
    if !below.into_iter().chain(between).chain(above).all(covered) {
        gaps.insert(gap.to_owned());
    }
}

/// Numbers: each constant, points between neighbours, below the least and above the greatest,
/// and a value that is not a number.
fn numeric_values(entries: &[&ConditionEntry], gaps: &mut Gaps) -> Vec<ContextScalar> {
    let consts = sorted_constants(entries, |v| match *v {
        TypedValue::Numeric(d) => Some(d),
        _ => None,
    });
    if consts.is_empty() {
        return Vec::new();
    }
    let mut texts: Vec<String> = Vec::new();
    for c in &consts {
        let t = c.to_string();
        texts.extend(nudges(&t));
        texts.push(t);
    }
    texts.push("0".to_owned());
    texts.push("not-a-number".to_owned());
    let values: Vec<Decimal> = texts.iter().filter_map(|t| Decimal::parse(t)).collect();
    check_intervals(
        &consts,
        &values,
        gaps,
        "a numeric interval without a witness value",
    );
    texts.into_iter().map(ContextScalar::String).collect()
}

/// Texts just above and below a decimal: `±1` for integers, and the text with digits appended
/// (which moves it away from zero by a small amount), and its negation's neighbour.
fn nudges(t: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(i) = t.parse::<i128>() {
        out.push((i - 1).to_string());
        out.push((i + 1).to_string());
    }
    let frac = if t.contains('.') || t.contains('e') {
        None
    } else {
        Some(format!("{t}.0000000001"))
    };
    if let Some(f) = frac {
        out.push(f);
    } else if !t.contains('e') {
        out.push(format!("{t}0000000001"));
    }
    // Toward zero: for a positive value with a fraction, a slightly smaller number.
    if !t.starts_with('-') && t != "0" {
        out.push(format!("-{t}"));
    }
    out.push("-99999999999999999999".to_owned());
    out.push("99999999999999999999".to_owned());
    out
}

/// Dates: each constant, one nanosecond and one second either side, a value that is not a date.
fn date_values(entries: &[&ConditionEntry], gaps: &mut Gaps) -> Vec<ContextScalar> {
    let consts = sorted_constants(entries, |v| match *v {
        TypedValue::Date(d) => Some(d),
        _ => None,
    });
    if consts.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut instants = Vec::new();
    for c in &consts {
        instants.push(*c);
        if let Some(ts) = c.to_timestamp() {
            for delta in [
                jiff::SignedDuration::from_nanos(1),
                jiff::SignedDuration::from_nanos(-1),
                jiff::SignedDuration::from_secs(1),
                jiff::SignedDuration::from_secs(-1),
            ] {
                if let Ok(t) = ts.checked_add(delta) {
                    instants.push(Instant::from_timestamp(t));
                }
            }
        }
    }
    let texts: Vec<String> = instants.iter().map(ToString::to_string).collect();
    let parsed: Vec<Instant> = texts.iter().filter_map(|t| Instant::parse(t)).collect();
    check_intervals(
        &consts,
        &parsed,
        gaps,
        "a date interval without a witness value",
    );
    out.extend(texts.into_iter().map(ContextScalar::String));
    out.push(ContextScalar::String("not-a-date".to_owned()));
    out
}

/// Addresses: the first and last address of each block and their outer neighbours, both
/// families, and a value that is not an address.
fn ip_values(entries: &[&ConditionEntry]) -> Vec<ContextScalar> {
    let nets: Vec<ipnet::IpNet> = entries
        .iter()
        .flat_map(|e| e.values.items.iter())
        .filter_map(|v| match v.value.typed {
            TypedValue::Ip(n) => Some(n),
            _ => None,
        })
        .collect();
    if nets.is_empty() {
        return Vec::new();
    }
    let mut addrs: Vec<IpAddr> = vec![
        IpAddr::from([0, 0, 0, 0]),
        IpAddr::from([255, 255, 255, 255]),
        IpAddr::from([0u16; 8]),
        IpAddr::from([0xffffu16; 8]),
    ];
    for net in &nets {
        match net {
            ipnet::IpNet::V4(n) => {
                let lo = u32::from(n.network());
                let hi = u32::from(n.broadcast());
                for a in [Some(lo), Some(hi), lo.checked_sub(1), hi.checked_add(1)]
                    .into_iter()
                    .flatten()
                {
                    addrs.push(IpAddr::from(std::net::Ipv4Addr::from(a)));
                }
            }
            ipnet::IpNet::V6(n) => {
                let lo = u128::from(n.network());
                let hi = u128::from(n.broadcast());
                for a in [Some(lo), Some(hi), lo.checked_sub(1), hi.checked_add(1)]
                    .into_iter()
                    .flatten()
                {
                    addrs.push(IpAddr::from(std::net::Ipv6Addr::from(a)));
                }
            }
        }
    }
    let mut out: Vec<ContextScalar> = addrs
        .into_iter()
        .map(|a| ContextScalar::String(a.to_string()))
        .collect();
    out.push(ContextScalar::String("not-an-address".to_owned()));
    out
}

fn bool_values(entries: &[&ConditionEntry]) -> Vec<ContextScalar> {
    if !entries
        .iter()
        .any(|e| e.operator.value.base.family() == OperatorFamily::Bool)
    {
        return Vec::new();
    }
    vec![
        ContextScalar::Bool(true),
        ContextScalar::Bool(false),
        ContextScalar::String("not-a-bool".to_owned()),
    ]
}

fn binary_values(entries: &[&ConditionEntry]) -> Vec<ContextScalar> {
    let mut out: Vec<ContextScalar> = entries
        .iter()
        .filter(|e| e.operator.value.base.family() == OperatorFamily::Binary)
        .flat_map(|e| e.values.items.iter())
        .map(|v| match &v.value.raw {
            RawScalar::String(s) | RawScalar::Number(s) => ContextScalar::String(s.clone()),
            RawScalar::Bool(b) => ContextScalar::Bool(*b),
        })
        .collect();
    if !out.is_empty() {
        out.push(ContextScalar::String("QU5BTFlTSVM=".to_owned()));
        out.push(ContextScalar::String("!not-base64!".to_owned()));
    }
    out
}
