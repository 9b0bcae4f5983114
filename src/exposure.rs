//! Exposure analysis of resource policies: does a policy grant access beyond the account that
//! owns the resource, and to whom.
//!
//! This approximates what Secrets Manager's `BlockPublicPolicy` decides when it refuses a
//! policy that grants "broad access"
//! (<https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-based-policies.html>,
//! `iam-semantics.md` §10 "Public-policy heuristic"). It is a heuristic, not AWS's Zelkova
//! analysis, and it errs on the side of reporting access: whatever it cannot prove narrow is
//! reported as granted.
//!
//! How a policy is read:
//!
//! * Every `Allow` statement grants to its principals: `"*"` (or `{"AWS": "*"}`) is
//!   [`Grantee::Everyone`]; an account id or principal ARN is that [`Grantee::Account`]; a
//!   `Service` principal is [`Grantee::Service`]; `Federated` and `CanonicalUser` principals are
//!   [`Grantee::Federated`] and [`Grantee::CanonicalUser`]. An `Allow` with `NotPrincipal`
//!   (which AWS refuses) counts as [`Grantee::Everyone`].
//! * A `"*"` grant is *pinned* by a condition on one of [`NARROWING_KEYS`] that uses a positive
//!   operator (not `Not…`, not `…IfExists`, not `ForAllValues:`) with fixed values (no `*`, `?`
//!   or policy variable): `aws:PrincipalAccount`, `aws:SourceAccount`, `aws:SourceOwner` and
//!   `kms:CallerAccount` pin to accounts, `aws:PrincipalArn` and `aws:SourceArn` to the accounts
//!   of their ARNs, `aws:PrincipalOrgID`, `aws:SourceOrgID` and the `…OrgPaths` keys to
//!   organizations, `aws:PrincipalServiceName` to services. The network and user keys
//!   (`aws:SourceVpc`, `aws:SourceVpce`, `aws:SourceIp`, `aws:VpcSourceIp`, `aws:userid`,
//!   `aws:username`) and the access point keys (`s3:DataAccessPointAccount`,
//!   `s3:DataAccessPointArn`) pin to [`Grantee::Conditional`]: not public, but not tied to an
//!   account.
//!   Several pinning conditions are AND-ed: the most specific one names the grantee.
//! * A `Deny` statement whose actions and resources cover an unpinned `"*"` grant narrows it:
//!   with principal `"*"` and no condition it removes the grant; with principal `"*"` and only
//!   negated conditions on narrowing keys (`StringNotEquals aws:PrincipalOrgID o-…`) it pins
//!   the grant to those values; with `NotPrincipal` and no condition it pins the grant to the
//!   principals `NotPrincipal` names.
//! * Grants to the owner account (when it is given) are internal and left out.

use std::collections::BTreeSet;

use crate::arn::ArnParts;
use crate::condition::{BaseOperator, OperatorFamily, SetQualifier};
use crate::cover::{action_covers, arn_covers};
use crate::policy::{
    ConditionEntry, Effect, Policy, PrincipalBlock, PrincipalKind, PrincipalValue, Principals,
    RawScalar, Statement,
};
use crate::wildcard::has_wildcard;

/// Condition keys that narrow who the caller can be (lower case); owned by the analysis,
/// which decides public access with them.
pub use crate::analysis::NARROWING_KEYS;

/// Who a grant reaches.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Grantee {
    /// Everyone, anonymous callers included.
    Everyone,
    /// Principals of one account (12-digit id).
    Account(String),
    /// Principals of one AWS Organizations organization (`o-...`).
    Organization(String),
    /// A service principal (`lambda.amazonaws.com`).
    Service(String),
    /// Users of an identity provider (`cognito-identity.amazonaws.com`, a SAML provider ARN).
    Federated(String),
    /// An S3 canonical user id.
    CanonicalUser(String),
    /// Callers pinned only by a network or user-name condition (the lower-case key): not open
    /// to everyone, but not tied to an account either.
    Conditional(String),
}

/// One grant: which `Allow` statement, to whom, and which condition keys narrowed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// Index of the `Allow` statement.
    pub statement: usize,
    /// Who it reaches.
    pub grantee: Grantee,
    /// Lower-case keys of the conditions (in the statement or in a covering `Deny`) that pinned
    /// the grant; empty for principals named in `Principal`.
    pub narrowed_by: Vec<String>,
    /// Index of the `Deny` statement that narrowed it, if one did.
    pub denied_by: Option<usize>,
}

/// What a resource policy grants outside the owning account.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exposure {
    /// Every grant outside the owning account, in statement order.
    pub grants: Vec<Grant>,
    /// For each statement that allows everyone, a request from an anonymous caller or an
    /// account the policy does not name that it allows (see [`public_grants`]).
    pub public: Vec<PublicGrant>,
}

/// A statement that grants public access, with a request that proves it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicGrant {
    /// Index of the `Allow` statement.
    pub statement: usize,
    /// A request from an anonymous caller or an account the policy does not name, without the
    /// fixed values of the caller-narrowing keys the policy writes, that the policy allows
    /// (confirmed by the engine).
    pub witness: crate::analysis::Witness,
}

/// The public grants of a resource policy, by [`crate::analysis`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublicAnalysis {
    /// The statements that allow a request from an anonymous caller or an account the policy
    /// does not name, each with such a request.
    pub grants: Vec<PublicGrant>,
    /// Whether the answer is exact: with `false`, some construct (a policy variable, ...) was
    /// beyond the analysis, and statements without a witness may still be public.
    pub exact: bool,
}

/// Which statements of a resource policy grant public access, decided by the offline analysis
/// ([`crate::analysis::no_public_access`]): is there a request from an anonymous caller, or
/// from an account the policy does not name, that the policy allows? Fixed values (no
/// wildcard, no variable) of the caller-narrowing keys make a grant non-public; wildcards and
/// `…IfExists` do not — S3's "meaning of public"
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status>).
#[must_use]
pub fn public_grants(policy: &Policy) -> PublicAnalysis {
    // Only an `Allow` to everyone can reach an anonymous caller or an unnamed account
    // (`NotPrincipal` in an `Allow` grants nothing): without one there is nothing to search.
    let open = policy.statements.iter().any(|st| {
        st.effect.value == Effect::Allow
            && st
                .principal
                .as_ref()
                .is_some_and(|p| !p.value.negated && is_everyone(&p.value))
    });
    if !open {
        return PublicAnalysis {
            grants: Vec::new(),
            exact: true,
        };
    }
    let report = crate::analysis::public_report(policy);
    PublicAnalysis {
        exact: report.cannot_prove.is_empty(),
        grants: report
            .findings
            .into_iter()
            .map(|f| PublicGrant {
                statement: f.statement,
                witness: f.witness,
            })
            .collect(),
    }
}

impl Exposure {
    /// Whether some grant reaches everyone.
    #[must_use]
    pub fn is_public(&self) -> bool {
        self.grants.iter().any(|g| g.grantee == Grantee::Everyone)
    }

    /// Whether some grant reaches a principal outside the owning account: everyone, another
    /// account, an organization, a service, federated or canonical users. Conditional grants
    /// alone do not count.
    #[must_use]
    pub fn is_external(&self) -> bool {
        self.grants
            .iter()
            .any(|g| !matches!(g.grantee, Grantee::Conditional(_)))
    }

    fn collect(&self, pick: impl Fn(&Grantee) -> Option<&str>) -> Vec<&str> {
        let set: BTreeSet<&str> = self
            .grants
            .iter()
            .filter_map(|g| pick(&g.grantee))
            .collect();
        set.into_iter().collect()
    }

    /// The other accounts granted access, sorted.
    #[must_use]
    pub fn accounts(&self) -> Vec<&str> {
        self.collect(|g| match g {
            Grantee::Account(a) => Some(a),
            _ => None,
        })
    }

    /// The organizations granted access, sorted.
    #[must_use]
    pub fn organizations(&self) -> Vec<&str> {
        self.collect(|g| match g {
            Grantee::Organization(o) => Some(o),
            _ => None,
        })
    }

    /// The service principals granted access, sorted.
    #[must_use]
    pub fn services(&self) -> Vec<&str> {
        self.collect(|g| match g {
            Grantee::Service(s) => Some(s),
            _ => None,
        })
    }
}

/// Analyses a resource policy: who, outside `owner_account` (when given), its `Allow`
/// statements reach, after the statements' own conditions and covering `Deny` statements.
///
/// ```
/// use iam_policy::{PolicyType, parse_policy};
/// use iam_policy::exposure::{exposure, Grantee};
/// let text = r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow",
///   "Principal": "*", "Action": "secretsmanager:GetSecretValue", "Resource": "*",
///   "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}}"#;
/// let policy = parse_policy(text, PolicyType::Resource)?;
/// let e = exposure(&policy, Some("111122223333"));
/// assert!(!e.is_public());
/// assert_eq!(e.organizations(), ["o-a1b2c3d4e5"]);
/// # Ok::<(), iam_policy::ParseErrors>(())
/// ```
#[must_use]
pub fn exposure(policy: &Policy, owner_account: Option<&str>) -> Exposure {
    let variables = policy.variables_enabled();
    let mut grants = Vec::new();
    for (i, stmt) in policy.statements.iter().enumerate() {
        if stmt.effect.value != Effect::Allow {
            continue;
        }
        let Some(principal) = &stmt.principal else {
            continue;
        };
        if principal.value.negated || is_everyone(&principal.value) {
            let (grantees, keys) = pins(&stmt.conditions, variables, false);
            if grantees.is_empty() {
                grants.extend(narrow_by_deny(policy, i, stmt, variables));
            } else {
                grants.extend(grantees.into_iter().map(|grantee| Grant {
                    statement: i,
                    grantee,
                    narrowed_by: keys.clone(),
                    denied_by: None,
                }));
            }
        } else {
            grants.extend(named(&principal.value).into_iter().map(|grantee| Grant {
                statement: i,
                grantee,
                narrowed_by: Vec::new(),
                denied_by: None,
            }));
        }
    }
    grants.retain(|g| match (&g.grantee, owner_account) {
        (Grantee::Account(a), Some(owner)) => a != owner,
        _ => true,
    });
    // Who "everyone" reaches is decided by the analysis: a statement is public exactly when
    // it allows some request from an anonymous caller or an unnamed account (a heuristic
    // answer is kept only where the analysis cannot be exact).
    let public = public_grants(policy);
    if public.exact {
        grants.retain(|g| {
            g.grantee != Grantee::Everyone
                || public.grants.iter().any(|p| p.statement == g.statement)
        });
    }
    for p in &public.grants {
        let listed = grants
            .iter()
            .any(|g| g.statement == p.statement && g.grantee == Grantee::Everyone);
        if !listed {
            grants.retain(|g| {
                g.statement != p.statement || !matches!(g.grantee, Grantee::Conditional(_))
            });
            grants.push(Grant {
                statement: p.statement,
                grantee: Grantee::Everyone,
                narrowed_by: Vec::new(),
                denied_by: None,
            });
        }
    }
    grants.sort_by_key(|g| g.statement);
    Exposure {
        grants,
        public: public.grants,
    }
}

/// Whether a `Principal` block names everyone: `"*"`, or a map with `"AWS": "*"`.
#[must_use]
pub fn is_everyone(block: &PrincipalBlock) -> bool {
    match &block.principals {
        Principals::Any => true,
        Principals::Map(entries) => entries.iter().any(|e| {
            e.kind.value == PrincipalKind::Aws
                && e.values
                    .items
                    .iter()
                    .any(|v| v.value == PrincipalValue::Any)
        }),
    }
}

/// Whether the statement has a condition (any operator) on one of [`NARROWING_KEYS`].
#[must_use]
pub fn has_narrowing_condition(stmt: &Statement) -> bool {
    stmt.conditions
        .iter()
        .any(|c| NARROWING_KEYS.contains(&c.key_lower.as_str()))
}

/// The grantees of principals named in a `Principal` map.
fn named(block: &PrincipalBlock) -> Vec<Grantee> {
    let Principals::Map(entries) = &block.principals else {
        return vec![Grantee::Everyone];
    };
    let mut out = Vec::new();
    for entry in entries {
        for value in &entry.values.items {
            let grantee = match (&value.value, entry.kind.value) {
                (PrincipalValue::Any, _) => Grantee::Everyone,
                (PrincipalValue::Account(a), _) => Grantee::Account(a.clone()),
                (PrincipalValue::Arn(arn), _) => match ArnParts::split(arn.as_str()) {
                    Some(p) if !p.account.is_empty() => Grantee::Account(p.account.to_owned()),
                    _ => Grantee::Conditional(arn.as_str().to_owned()),
                },
                (PrincipalValue::Name(n), PrincipalKind::Service) => Grantee::Service(n.clone()),
                (PrincipalValue::Name(n), PrincipalKind::CanonicalUser) => {
                    Grantee::CanonicalUser(n.clone())
                }
                (PrincipalValue::Name(n), PrincipalKind::Federated | PrincipalKind::Aws) => {
                    Grantee::Federated(n.clone())
                }
            };
            out.push(grantee);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// How specific a pin is: lower is more specific.
fn rank(key: &str) -> u8 {
    match key {
        "aws:principalaccount"
        | "aws:principalarn"
        | "kms:calleraccount"
        | "aws:sourceaccount"
        | "aws:sourceowner"
        | "aws:sourcearn" => 0,
        "aws:principalservicename" => 1,
        "aws:principalorgid"
        | "aws:principalorgpaths"
        | "aws:sourceorgid"
        | "aws:sourceorgpaths" => 2,
        _ => 3,
    }
}

/// The grantees that the pinning conditions of `entries` allow, and the keys used. With
/// `negated`, reads the negated operators of a `Deny` (the callers it spares); then every
/// entry must be such a condition, or nothing is pinned.
fn pins(entries: &[ConditionEntry], variables: bool, negated: bool) -> (Vec<Grantee>, Vec<String>) {
    // `Allow` conditions are AND-ed: the most specific pin names the grantee. A `Deny` spares a
    // caller when any of its conditions is false: the spared callers are the union.
    let mut best: Option<(u8, Vec<Grantee>)> = None;
    let mut union = Vec::new();
    let mut keys = Vec::new();
    for entry in entries {
        match pin(entry, variables, negated) {
            Some(grantees) => {
                keys.push(entry.key_lower.clone());
                let r = rank(&entry.key_lower);
                if negated {
                    union.extend(grantees);
                } else if best.as_ref().is_none_or(|(br, _)| r < *br) {
                    best = Some((r, grantees));
                }
            }
            None if negated => return (Vec::new(), Vec::new()),
            None => {}
        }
    }
    let mut grantees = if negated {
        union
    } else {
        best.map(|(_, g)| g).unwrap_or_default()
    };
    grantees.sort();
    grantees.dedup();
    if grantees.is_empty() {
        keys.clear();
    }
    (grantees, keys)
}

/// What one condition pins a `"*"` principal to, if it does.
fn pin(entry: &ConditionEntry, variables: bool, negated: bool) -> Option<Vec<Grantee>> {
    let key = entry.key_lower.as_str();
    if !NARROWING_KEYS.contains(&key) {
        return None;
    }
    let op = entry.operator.value;
    if op.base.is_negated() != negated
        || op.base == BaseOperator::Null
        || op.qualifier == Some(SetQualifier::ForAllValues)
    {
        return None;
    }
    // `…IfExists` is true for callers without the key (anonymous ones): no pin on `Allow`.
    // On a `Deny` it only makes the deny broader, which still spares just the listed values.
    if op.if_exists && !negated {
        return None;
    }
    if !matches!(
        op.base.family(),
        OperatorFamily::String | OperatorFamily::Arn | OperatorFamily::Ip
    ) {
        return None;
    }
    if entry.values.items.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for value in &entry.values.items {
        let text = match &value.value.raw {
            RawScalar::String(s) | RawScalar::Number(s) => s.as_str(),
            RawScalar::Bool(_) => return None,
        };
        if variables && text.contains("${") {
            return None;
        }
        let grantee = match key {
            "aws:principalorgpaths" | "aws:sourceorgpaths" => {
                let org = text.split('/').next().unwrap_or_default();
                if !org.starts_with("o-") || has_wildcard(org) {
                    return None;
                }
                Grantee::Organization(org.to_owned())
            }
            _ if has_wildcard(text) => return None,
            "aws:principalaccount"
            | "aws:sourceaccount"
            | "aws:sourceowner"
            | "kms:calleraccount" => Grantee::Account(text.to_owned()),
            "aws:principalarn" | "aws:sourcearn" => match ArnParts::split(text) {
                Some(p) if !p.account.is_empty() => Grantee::Account(p.account.to_owned()),
                _ => Grantee::Conditional(key.to_owned()),
            },
            "aws:principalorgid" | "aws:sourceorgid" => Grantee::Organization(text.to_owned()),
            "aws:principalservicename" => Grantee::Service(text.to_owned()),
            "aws:sourceip" | "aws:vpcsourceip" => {
                if text.ends_with("/0") {
                    return None;
                }
                Grantee::Conditional(key.to_owned())
            }
            _ => Grantee::Conditional(key.to_owned()),
        };
        out.push(grantee);
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// Whether `deny` applies to every request that `allow` allows, as far as actions and
/// resources go.
fn covers(deny: &Statement, allow: &Statement) -> bool {
    let d_actions: Vec<String> = deny
        .action
        .value
        .patterns
        .items
        .iter()
        .map(|p| p.value.as_str().to_ascii_lowercase())
        .collect();
    if deny.action.value.negated {
        return false;
    }
    let actions_ok = if allow.action.value.negated {
        d_actions.iter().any(|d| d == "*")
    } else {
        allow.action.value.patterns.items.iter().all(|a| {
            let a = a.value.as_str().to_ascii_lowercase();
            d_actions.iter().any(|d| action_covers(d, &a))
        })
    };
    if !actions_ok {
        return false;
    }
    match (&deny.resource, &allow.resource) {
        (None, None) => true,
        (Some(d), _) if d.value.negated => false,
        (Some(d), _)
            if d.value
                .patterns
                .items
                .iter()
                .any(|p| p.value.as_str() == "*") =>
        {
            true
        }
        (Some(d), Some(a)) if !a.value.negated => a.value.patterns.items.iter().all(|ap| {
            d.value
                .patterns
                .items
                .iter()
                .any(|dp| arn_covers(dp.value.as_str(), ap.value.as_str()))
        }),
        _ => false,
    }
}

/// The grants left of an unpinned `"*"` `Allow` (statement `i`) after the `Deny` statements.
fn narrow_by_deny(policy: &Policy, i: usize, allow: &Statement, variables: bool) -> Vec<Grant> {
    for (d, deny) in policy.statements.iter().enumerate() {
        if deny.effect.value != Effect::Deny || !covers(deny, allow) {
            continue;
        }
        let Some(principal) = &deny.principal else {
            continue;
        };
        if principal.value.negated {
            if deny.conditions.is_empty() {
                return named(&principal.value)
                    .into_iter()
                    .map(|grantee| Grant {
                        statement: i,
                        grantee,
                        narrowed_by: Vec::new(),
                        denied_by: Some(d),
                    })
                    .collect();
            }
            continue;
        }
        if !is_everyone(&principal.value) {
            continue;
        }
        if deny.conditions.is_empty() {
            return Vec::new();
        }
        let (grantees, keys) = pins(&deny.conditions, variables, true);
        if !grantees.is_empty() {
            return grantees
                .into_iter()
                .map(|grantee| Grant {
                    statement: i,
                    grantee,
                    narrowed_by: keys.clone(),
                    denied_by: Some(d),
                })
                .collect();
        }
    }
    vec![Grant {
        statement: i,
        grantee: Grantee::Everyone,
        narrowed_by: Vec::new(),
        denied_by: None,
    }]
}
