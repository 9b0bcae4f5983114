//! A deliberately naive reference evaluator, written straight from the AWS evaluation-logic
//! pages, for differential testing of the real engine.
//!
//! No compilation, no indexes, no cleverness: every statement of every policy is checked on
//! every request, in the order the documentation describes. It reuses only the pattern
//! matchers and the condition-operator semantics (each tested against its own oracle); the
//! combining logic, principal matching and context derivation are written again here.
//!
//! Sources:
//! - <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>
//! - <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html>
//! - <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html>
//! - <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>
//!
//! What AWS decides beyond the policy text (no permission needed, AWS-owned and AWS-reserved
//! resources, long-term credentials, the actions read against a trust policy) is written again
//! here too, from the STS API reference, the IAM User Guide and the KMS Developer Guide (see
//! [`beyond_policies`]); only the access level of an action (Read/List) comes from the bundled
//! catalog, AWS's service authorization reference.

use iam_policy::Truth;
use iam_policy::policy::{Effect, PrincipalKind, PrincipalValue, Principals, Statement};
use iam_policy::unstable::evaluate_entry;
use iam_policy::{Action, Context, ContextScalar, ContextValue, Decision, Policy};

/// The policies that take part in one request, as in the case format.
#[derive(Debug, Default)]
pub struct RefPolicies {
    pub identity: Vec<Policy>,
    pub resource: Option<Policy>,
    pub boundary: Option<Policy>,
    pub session: Option<Policy>,
    /// Levels root first; each level's policies.
    pub scps: Vec<Vec<Policy>>,
    pub rcps: Vec<Vec<Policy>>,
}

/// One request, as in the case format.
#[derive(Debug, Clone)]
pub struct RefRequest {
    pub principal: String,
    pub principal_account: Option<String>,
    pub action: String,
    pub resource: String,
    pub resource_account: Option<String>,
    pub context: Context,
}

/// Who the caller is, read from the principal string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Caller {
    User {
        account: String,
        arn: String,
        name: String,
    },
    Role {
        account: String,
        arn: String,
        name: String,
    },
    Session {
        account: String,
        arn: String,
        role: String,
    },
    Federated {
        account: String,
        arn: String,
    },
    Root {
        account: String,
        partition: String,
    },
    Service(String),
    Anonymous,
}

impl Caller {
    fn parse(p: &str) -> Self {
        if p == "*" || p == "anonymous" {
            return Self::Anonymous;
        }
        let parts: Vec<&str> = p.splitn(6, ':').collect();
        if parts.len() == 6 && parts[0] == "arn" {
            let account = parts[4].to_owned();
            let res = parts[5];
            match parts[2] {
                "iam" if res == "root" => {
                    return Self::Root {
                        account,
                        partition: parts[1].to_owned(),
                    };
                }
                "iam" if res.starts_with("user/") => {
                    let name = res.rsplit('/').next().unwrap_or("").to_owned();
                    return Self::User {
                        account,
                        arn: p.to_owned(),
                        name,
                    };
                }
                "iam" if res.starts_with("role/") => {
                    let name = res.rsplit('/').next().unwrap_or("").to_owned();
                    return Self::Role {
                        account,
                        arn: p.to_owned(),
                        name,
                    };
                }
                "sts" if res.starts_with("assumed-role/") => {
                    let role = res.split('/').nth(1).unwrap_or("").to_owned();
                    return Self::Session {
                        account,
                        arn: p.to_owned(),
                        role,
                    };
                }
                "sts" if res.starts_with("federated-user/") => {
                    return Self::Federated {
                        account,
                        arn: p.to_owned(),
                    };
                }
                _ => {}
            }
        }
        Self::Service(p.to_owned())
    }

    fn account(&self) -> Option<&str> {
        match self {
            Self::User { account, .. }
            | Self::Role { account, .. }
            | Self::Session { account, .. }
            | Self::Federated { account, .. }
            | Self::Root { account, .. } => Some(account),
            Self::Service(_) | Self::Anonymous => None,
        }
    }

    /// The ARN that `aws:PrincipalArn` holds.
    fn principal_arn(&self) -> Option<String> {
        match self {
            Self::User { arn, .. } | Self::Role { arn, .. } | Self::Federated { arn, .. } => {
                Some(arn.clone())
            }
            Self::Session { account, role, .. } => {
                let partition = self.partition().unwrap_or("aws");
                Some(format!("arn:{partition}:iam::{account}:role/{role}"))
            }
            Self::Root { account, partition } => {
                Some(format!("arn:{partition}:iam::{account}:root"))
            }
            Self::Service(_) | Self::Anonymous => None,
        }
    }

    /// The partition of the caller's ARN. Each partition has its own IAM: a principal ARN of
    /// another partition never names the caller.
    /// <https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html>
    fn partition(&self) -> Option<&str> {
        match self {
            Self::User { arn, .. }
            | Self::Role { arn, .. }
            | Self::Session { arn, .. }
            | Self::Federated { arn, .. } => arn.split(':').nth(1),
            Self::Root { partition, .. } => Some(partition),
            Self::Service(_) | Self::Anonymous => None,
        }
    }

    fn is_iam_principal(&self) -> bool {
        self.account().is_some()
    }
}

/// How a resource-policy statement's principal matched the caller (evaluation-logic table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grant {
    /// The caller's own ARN (user, session, federated user), `"*"`, or a service name.
    Direct,
    /// The role of a role session: limited by the boundary and the session policy.
    Role,
    /// The caller's account: delegation, the identity side must allow.
    Account,
}

fn account_of_arn(arn: &str) -> Option<String> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    (parts.len() == 6 && parts[0] == "arn").then(|| parts[4].to_owned())
}

/// How one principal value names the caller, if it does.
fn principal_value_matches(
    kind: PrincipalKind,
    value: &PrincipalValue,
    caller: &Caller,
) -> Option<Grant> {
    match (kind, value) {
        (_, PrincipalValue::Any) => Some(Grant::Direct),
        (PrincipalKind::Service, PrincipalValue::Name(name)) => {
            matches!(caller, Caller::Service(s) if s == name).then_some(Grant::Direct)
        }
        (PrincipalKind::Aws, PrincipalValue::Account(id)) => match caller {
            Caller::Root { account, .. } if account == id => Some(Grant::Direct),
            c if c.account() == Some(id.as_str()) => Some(Grant::Account),
            _ => None,
        },
        (PrincipalKind::Aws, PrincipalValue::Arn(arn)) => {
            let text = arn.as_str();
            let parts: Vec<&str> = text.splitn(6, ':').collect();
            if parts.len() != 6 {
                return None;
            }
            let (partition, service, account, res) = (parts[1], parts[2], parts[4], parts[5]);
            if caller.partition().is_some_and(|p| p != partition) {
                return None;
            }
            match caller {
                Caller::Root { account: a, .. }
                    if service == "iam" && res == "root" && a == account =>
                {
                    Some(Grant::Direct)
                }
                c if service == "iam" && res == "root" && c.account() == Some(account) => {
                    Some(Grant::Account)
                }
                Caller::User { arn: a, .. }
                | Caller::Role { arn: a, .. }
                | Caller::Federated { arn: a, .. }
                    if a == text =>
                {
                    Some(Grant::Direct)
                }
                Caller::Session { arn: a, .. } if a == text => Some(Grant::Direct),
                Caller::Session {
                    account: a, role, ..
                } if service == "iam"
                    && a == account
                    && res.starts_with("role/")
                    && res.rsplit('/').next() == Some(role.as_str()) =>
                {
                    Some(Grant::Role)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// How a `Principal` element names the caller (the strongest way, if several).
fn principal_grant(principals: &Principals, caller: &Caller) -> Option<Grant> {
    match principals {
        Principals::Any => Some(Grant::Direct),
        Principals::Map(entries) => {
            let mut best: Option<Grant> = None;
            for e in entries {
                for v in e.values().items() {
                    if let Some(g) = principal_value_matches(e.kind().value, &v.value, caller) {
                        best = Some(match (best, g) {
                            (Some(Grant::Direct), _) | (_, Grant::Direct) => Grant::Direct,
                            (Some(Grant::Role), _) | (_, Grant::Role) => Grant::Role,
                            _ => Grant::Account,
                        });
                    }
                }
            }
            best
        }
    }
}

/// Whether a `NotPrincipal` list exempts the caller: its own ARN is listed, or the role of a
/// role session; an account entry exempts only the account's root user.
fn not_principal_exempts(principals: &Principals, caller: &Caller) -> bool {
    match principals {
        Principals::Any => true,
        Principals::Map(entries) => entries.iter().any(|e| {
            e.values().items().iter().any(|v| {
                match principal_value_matches(e.kind().value, &v.value, caller) {
                    Some(Grant::Direct | Grant::Role) => true,
                    Some(Grant::Account) | None => false,
                }
            })
        }),
    }
}

/// Known, reported differences between the engine and this reference, where the reference
/// follows the AWS documentation. All `false` is the reference's own (documented) behaviour;
/// [`Quirks::ENGINE`] imitates the engine, so that a differential test can tell a known
/// difference from a new one. Remove a quirk once the engine changes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// The engine applies SCP `Deny` statements to service principals and anonymous callers.
    /// SCPs are "principal-centric controls ... on the maximum permissions available to
    /// principals in your member accounts"; a service principal or an anonymous caller is in
    /// no member account, and the engine itself skips the SCP Allow gate for them.
    /// <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_authorization_policies.html>
    pub scp_deny_for_callers_outside_accounts: bool,
    /// The engine applies `Deny` statements of a permissions boundary given for the root user.
    /// A boundary can only be attached to an IAM user or role ("You can use a managed policy to
    /// set the permissions boundary for an IAM entity (user or role)"), so a boundary given for
    /// the root user takes no part; the engine itself ignores its Allow gate for the root user.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html>
    pub boundary_deny_for_root: bool,
    /// The engine sets `aws:ResourceAccount` only from an explicit `resource_account` or the
    /// resource ARN's account, while it decides same-account questions with the resource
    /// account defaulted to the principal's account (S3 ARNs, resource `*`). The reference
    /// exposes the account it decides with: `aws:ResourceAccount` is "the account ID of the
    /// resource owner", available for most actions.
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-resourceaccount>
    pub resource_account_key_only_when_explicit: bool,
}

impl Quirks {
    /// What the engine does today.
    pub const ENGINE: Self = Self {
        scp_deny_for_callers_outside_accounts: false,
        boundary_deny_for_root: false,
        resource_account_key_only_when_explicit: false,
    };
}

/// The full context: the request's keys plus those AWS derives from principal and resource.
fn full_context(req: &RefRequest, caller: &Caller, quirks: Quirks) -> Context {
    let mut derived: Vec<(&str, ContextScalar)> = Vec::new();
    if let Some(arn) = caller.principal_arn() {
        derived.push(("aws:PrincipalArn", ContextScalar::String(arn)));
    }
    if let Some(acct) = principal_account(req, caller) {
        derived.push(("aws:PrincipalAccount", ContextScalar::String(acct)));
    }
    let ptype = match caller {
        Caller::User { .. } => Some("User"),
        Caller::Role { .. } | Caller::Session { .. } => Some("AssumedRole"),
        Caller::Federated { .. } => Some("FederatedUser"),
        Caller::Root { .. } => Some("Account"),
        Caller::Anonymous => Some("Anonymous"),
        Caller::Service(_) => None,
    };
    if let Some(t) = ptype {
        derived.push(("aws:PrincipalType", ContextScalar::String(t.to_owned())));
    }
    if let Caller::User { name, .. } = caller {
        derived.push(("aws:username", ContextScalar::String(name.clone())));
    }
    // Present in every signed request: true for a service principal, false for the others;
    // absent for an anonymous (unsigned) request. A service also gets its name.
    // <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice>
    match caller {
        Caller::Anonymous => {}
        Caller::Service(name) => {
            derived.push((
                "aws:PrincipalServiceName",
                ContextScalar::String(name.clone()),
            ));
            derived.push(("aws:PrincipalIsAWSService", ContextScalar::Bool(true)));
        }
        _ => derived.push(("aws:PrincipalIsAWSService", ContextScalar::Bool(false))),
    }
    let resource_account = if quirks.resource_account_key_only_when_explicit {
        req.resource_account
            .clone()
            .or_else(|| account_of_arn(&req.resource).filter(|a| !a.is_empty() && a != "aws"))
    } else {
        resource_account(req, caller)
    };
    if let Some(acct) = resource_account {
        derived.push(("aws:ResourceAccount", ContextScalar::String(acct)));
    }
    // The request's own values win over derived ones.
    let mut ctx = req.context.clone();
    for (key, value) in derived {
        if ctx.get(&key.to_ascii_lowercase()).is_none() {
            ctx.insert(key, ContextValue::Single(value));
        }
    }
    ctx
}

fn principal_account(req: &RefRequest, caller: &Caller) -> Option<String> {
    req.principal_account
        .clone()
        .or_else(|| caller.account().map(str::to_owned))
}

fn resource_account(req: &RefRequest, caller: &Caller) -> Option<String> {
    // An AWS managed policy (`arn:aws:iam::aws:policy/...`) is owned by "a service-managed
    // account outside of your AWS Organizations"; its id is not known, so the key is absent.
    // <https://docs.aws.amazon.com/IAM/latest/UserGuide/resource_examples_iam_policies_resource_account.html>
    if aws_owned(req) {
        return None;
    }
    req.resource_account.clone().or_else(|| {
        account_of_arn(&req.resource)
            .filter(|a| !a.is_empty())
            .or_else(|| principal_account(req, caller))
    })
}

fn scalar_text(v: &ContextValue) -> Option<&str> {
    match v {
        ContextValue::Single(ContextScalar::String(s) | ContextScalar::Number(s)) => Some(s),
        ContextValue::Single(ContextScalar::Bool(true)) => Some("true"),
        ContextValue::Single(ContextScalar::Bool(false)) => Some("false"),
        ContextValue::Multi(_) => None,
    }
}

/// Whether a statement applies, ignoring its principal. `None` for an Allow means "does not
/// apply"; conditions are three-valued and fail closed.
fn statement_applies(
    policy: &Policy,
    stmt: &Statement,
    action: &Action,
    resource: &str,
    ctx: &Context,
) -> bool {
    let vars = policy.variables_enabled();
    let resolve = |key: &str| -> Option<&str> {
        if !vars {
            return None;
        }
        ctx.get(key).and_then(scalar_text)
    };
    let action_hit = stmt
        .action()
        .value
        .patterns()
        .items()
        .iter()
        .any(|p| p.value.is_match(action));
    if action_hit == stmt.action().value.negated() {
        return false;
    }
    if let Some(res) = &stmt.resource() {
        let hit = res
            .value
            .patterns()
            .items()
            .iter()
            .any(|p| p.value.is_match(resource, resolve) == Some(true));
        if hit == res.value.negated() {
            return false;
        }
    }
    let truths = stmt
        .conditions()
        .iter()
        .map(|c| evaluate_entry(c, ctx.get(c.key_lower()), resolve));
    match stmt.effect().value {
        Effect::Allow => truths.into_iter().all(|t| t == Truth::True),
        Effect::Deny => truths.into_iter().all(|t| t != Truth::False),
    }
}

struct Env<'a> {
    caller: Caller,
    action: Action,
    resource: &'a str,
    ctx: Context,
    has_boundary: bool,
}

/// Statements of `policy` that apply with `effect`, with how their principal named the caller
/// (`Direct` when the policy has no principal).
fn applicable(policy: &Policy, effect: Effect, env: &Env<'_>) -> Vec<Grant> {
    let mut out = Vec::new();
    for stmt in policy.statements() {
        if stmt.effect().value != effect {
            continue;
        }
        let grant = match &stmt.principal() {
            None => Grant::Direct,
            Some(p) if p.value.negated() => {
                let exempt = not_principal_exempts(p.value.principals(), &env.caller);
                // A Deny with NotPrincipal always applies to a caller with a boundary.
                if exempt && !(env.has_boundary && effect == Effect::Deny) {
                    continue;
                }
                Grant::Direct
            }
            Some(p) => match principal_grant(p.value.principals(), &env.caller) {
                Some(g) => g,
                None => continue,
            },
        };
        if statement_applies(policy, stmt, &env.action, env.resource, &env.ctx) {
            out.push(grant);
        }
    }
    out
}

fn any_applies(policy: &Policy, effect: Effect, env: &Env<'_>) -> bool {
    !applicable(policy, effect, env).is_empty()
}

/// Whether AWS reads the resource policy of this request as the role's trust policy: the STS
/// actions whose resource type is `role` in the service authorization reference, on a role.
/// <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html>
fn is_trust(resource: &str, action: &str) -> bool {
    let trust_actions = [
        "sts:AssumeRole",
        "sts:AssumeRoleWithSAML",
        "sts:AssumeRoleWithWebIdentity",
        "sts:TagSession",
        "sts:SetSourceIdentity",
        "sts:SetContext",
    ];
    arn_service(resource) == Some("iam")
        && resource.contains(":role/")
        && !aws_owned_arn(resource)
        && trust_actions.iter().any(|a| a.eq_ignore_ascii_case(action))
}

fn is_trust_or_kms(req: &RefRequest) -> bool {
    let res = req.resource.as_str();
    is_trust(res, &req.action)
        // Key policies belong to keys; aliases have no policy of their own.
        || (arn_service(res) == Some("kms") && res.contains(":key/"))
}

/// The service of an ARN of any partition (`arn:PARTITION:SERVICE:…`).
fn arn_service(resource: &str) -> Option<&str> {
    let mut parts = resource.split(':');
    (parts.next() == Some("arn"))
        .then(|| parts.nth(1))
        .flatten()
}

/// Whether the resource ARN's account field is `aws` (a resource AWS owns).
fn aws_owned_arn(resource: &str) -> bool {
    account_of_arn(resource).as_deref() == Some("aws")
}

fn aws_owned(req: &RefRequest) -> bool {
    aws_owned_arn(&req.resource)
}

/// What AWS decides whatever the policies say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Beyond {
    /// Allowed: no permission is needed, even under an explicit deny.
    NoPermission,
    /// Refused (unless a Deny statement refuses it first).
    Refused,
}

/// The rules AWS applies beyond the policy text, from the pages that state them.
fn beyond_policies(req: &RefRequest, caller: &Caller) -> Option<Beyond> {
    let action = req.action.as_str();
    let is = |name: &str| action.eq_ignore_ascii_case(name);
    let signed = !matches!(caller, Caller::Service(_) | Caller::Anonymous);
    let long_term = matches!(caller, Caller::User { .. } | Caller::Root { .. });
    // Partitions are isolated: "IAM roles and resource-based policies delegate access across
    // accounts only within a single partition"
    // (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_compare-resource-policies.html>).
    // A signed caller acting on a resource ARN of another partition is refused, before any
    // other rule; resource `*` names no partition.
    let resource_partition = req
        .resource
        .strip_prefix("arn:")
        .and_then(|rest| rest.split(':').next());
    if signed && resource_partition.is_some_and(|r| caller.partition().is_some_and(|c| c != r)) {
        return Some(Beyond::Refused);
    }
    // "No permissions are required to perform this operation ... you can still perform this
    // operation" (STS API reference, GetCallerIdentity).
    if signed && is("sts:GetCallerIdentity") {
        return Some(Beyond::NoPermission);
    }
    // "No permissions are required for a user to get a session token"; GetSessionToken and
    // GetFederationToken take an IAM user's long-term credentials.
    // <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getsessiontoken.html>
    if signed && is("sts:GetSessionToken") {
        return Some(if long_term {
            Beyond::NoPermission
        } else {
            Beyond::Refused
        });
    }
    if signed && !long_term && is("sts:GetFederationToken") {
        return Some(Beyond::Refused);
    }
    // Federated user sessions: "You cannot call any STS operations except GetCallerIdentity"
    // (STS API reference, GetFederationToken).
    if matches!(caller, Caller::Federated { .. })
        && action
            .split_once(':')
            .is_some_and(|(service, _)| service.eq_ignore_ascii_case("sts"))
    {
        return Some(Beyond::Refused);
    }
    // "You cannot use AWS account root user credentials to call AssumeRole" (STS API
    // reference, AssumeRole).
    if matches!(caller, Caller::Root { .. }) && is("sts:AssumeRole") {
        return Some(Beyond::Refused);
    }
    let res = req.resource.as_str();
    // AWS managed policies: "You cannot change the permissions defined in AWS managed
    // policies"; reading them is an ordinary permission.
    if aws_owned(req) {
        let (service, name) = action.split_once(':').unwrap_or_default();
        let read_only = iam_policy::unstable::catalog::Catalog::get()
            .ok()
            .and_then(|c| c.action(service, name))
            .is_some_and(|a| {
                matches!(
                    a.access_level,
                    iam_policy::unstable::catalog::AccessLevel::Read
                        | iam_policy::unstable::catalog::AccessLevel::List
                )
            });
        return (!read_only).then_some(Beyond::Refused);
    }
    // Service-linked roles and IAM Identity Center roles are changed only by their service.
    // <https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html>
    let iam = arn_service(res) == Some("iam");
    let slr = iam && res.contains(":role/aws-service-role/");
    let sso = iam && res.contains(":role/aws-reserved/");
    let role_changes = [
        "iam:AttachRolePolicy",
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:DeleteRolePermissionsBoundary",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PassRole",
        "iam:PutRolePermissionsBoundary",
        "iam:PutRolePolicy",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:UpdateAssumeRolePolicy",
    ];
    if (slr || sso) && role_changes.iter().any(|a| is(a)) {
        return Some(Beyond::Refused);
    }
    // The description of a service-linked role can be edited; not that of an Identity
    // Center role.
    if sso && (is("iam:UpdateRole") || is("iam:UpdateRoleDescription")) {
        return Some(Beyond::Refused);
    }
    // "The alias/aws/ prefix is reserved for AWS managed key."
    // <https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html>
    let aws_alias = arn_service(res) == Some("kms") && res.contains(":alias/aws/");
    if aws_alias && (is("kms:CreateAlias") || is("kms:UpdateAlias") || is("kms:DeleteAlias")) {
        return Some(Beyond::Refused);
    }
    None
}

/// Decides a request the naive way.
pub fn decide(policies: &RefPolicies, req: &RefRequest) -> Decision {
    decide_with(policies, req, Quirks::default())
}

/// [`decide`], imitating the engine's known differences as `quirks` says.
pub fn decide_with(policies: &RefPolicies, req: &RefRequest, quirks: Quirks) -> Decision {
    let caller = Caller::parse(&req.principal);
    let Ok(action) = Action::parse(&req.action) else {
        return Decision::ImplicitDeny;
    };
    let ctx = full_context(req, &caller, quirks);
    let env = Env {
        // Project decision 3: a Deny with NotPrincipal always applies to a caller that has a
        // permissions boundary. The boundary gate below limits federated users too (their
        // session is limited by the boundary of the user who created it), so they count here
        // as well (an earlier version left them out and disagreed with the engine).
        // <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>
        has_boundary: policies.boundary.is_some()
            && matches!(
                caller,
                Caller::User { .. }
                    | Caller::Role { .. }
                    | Caller::Session { .. }
                    | Caller::Federated { .. }
            ),
        caller,
        action,
        resource: &req.resource,
        ctx,
    };
    let beyond = beyond_policies(req, &env.caller);
    if beyond == Some(Beyond::NoPermission) {
        return Decision::Allow;
    }
    // Service-linked roles are outside the guardrails: "SCPs do not affect any service-linked
    // role" (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>);
    // "RCPs don't apply to ... calls made by service-linked roles"
    // (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>).
    // Known from `aws:PrincipalArn` (given, or derived) of a role or session: a role under the
    // `aws-service-role/` path that is the caller's own role (a role: its own ARN; a session:
    // the same partition, account and role name). A given value naming another role is not
    // believed (fail closed: the guardrails apply).
    let service_linked = env.ctx.get_text("aws:PrincipalArn").is_some_and(|given| {
        let parts: Vec<&str> = given.splitn(6, ':').collect();
        let [arn, partition, service, region, account, resource] = parts[..] else {
            return false;
        };
        let is_slr = arn == "arn"
            && service == "iam"
            && region.is_empty()
            && resource.starts_with("role/aws-service-role/");
        let callers = match &env.caller {
            Caller::Role { arn: own, .. } => own == given,
            Caller::Session {
                account: a,
                arn: session,
                role,
            } => {
                session.split(':').nth(1) == Some(partition)
                    && a == account
                    && !role.is_empty()
                    && resource.rsplit('/').next() == Some(role.as_str())
            }
            _ => false,
        };
        is_slr && callers
    });
    let scps_apply = env.caller.is_iam_principal() && !service_linked;
    let rcps_apply = !service_linked;
    let boundary = policies
        .boundary
        .as_ref()
        .filter(|_| !matches!(env.caller, Caller::Root { .. }));

    // 1. An explicit Deny in any policy that takes part wins.
    let mut all: Vec<&Policy> = policies.identity.iter().collect();
    if quirks.boundary_deny_for_root {
        all.extend(policies.boundary.as_ref());
    } else {
        all.extend(boundary);
    }
    all.extend(policies.session.as_ref());
    all.extend(policies.resource.as_ref());
    if scps_apply || (quirks.scp_deny_for_callers_outside_accounts && !service_linked) {
        all.extend(policies.scps.iter().flatten());
    }
    if rcps_apply {
        all.extend(policies.rcps.iter().flatten());
    }
    if all.iter().any(|p| any_applies(p, Effect::Deny, &env)) {
        return Decision::ExplicitDeny;
    }
    if beyond == Some(Beyond::Refused) {
        return Decision::ImplicitDeny;
    }

    // 2. RCPs: every level must allow (not for a service-linked role).
    if rcps_apply
        && policies
            .rcps
            .iter()
            .any(|level| !level.iter().any(|p| any_applies(p, Effect::Allow, &env)))
    {
        return Decision::ImplicitDeny;
    }
    // 3. SCPs: every level must allow (IAM principals only).
    if scps_apply
        && policies
            .scps
            .iter()
            .any(|level| !level.iter().any(|p| any_applies(p, Effect::Allow, &env)))
    {
        return Decision::ImplicitDeny;
    }

    // An AWS-owned resource has no resource-based policy: the caller's own policies decide.
    let same_account = aws_owned(req)
        || match (
            principal_account(req, &env.caller),
            resource_account(req, &env.caller),
        ) {
            (Some(p), Some(r)) => p == r,
            _ => false,
        };
    let identity_allows = policies
        .identity
        .iter()
        .any(|p| any_applies(p, Effect::Allow, &env));
    let boundary_ok = boundary.is_none_or(|b| any_applies(b, Effect::Allow, &env));
    // A federated user session passed no session policy has no permissions ("if you do not
    // pass a policy with the GetFederationToken API call, the resulting temporary security
    // credentials have no permissions"); a grant naming the session still reaches it.
    // <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getfederationtoken.html>
    let session_ok = match policies.session.as_ref() {
        Some(s) => any_applies(s, Effect::Allow, &env),
        None => !matches!(env.caller, Caller::Federated { .. }),
    };
    let identity_side = identity_allows && boundary_ok && session_ok;
    let grants: Vec<Grant> = policies
        .resource
        .as_ref()
        .map(|r| applicable(r, Effect::Allow, &env))
        .unwrap_or_default();
    let resource_grants = grants.iter().any(|g| match g {
        Grant::Direct => true,
        Grant::Role => boundary_ok && session_ok,
        Grant::Account => identity_side,
    });

    let allowed = match &env.caller {
        Caller::Service(_) | Caller::Anonymous => !grants.is_empty(),
        // The root user needs no identity policy in its own account; elsewhere the resource
        // policy must name it (or its account).
        Caller::Root { .. } => (same_account && !is_trust_or_kms(req)) || !grants.is_empty(),
        _ if is_trust_or_kms(req) => {
            if same_account {
                resource_grants
            } else {
                identity_side && !grants.is_empty()
            }
        }
        _ if same_account => identity_side || resource_grants,
        _ => identity_side && !grants.is_empty(),
    };
    if allowed {
        Decision::Allow
    } else {
        Decision::ImplicitDeny
    }
}

// ---------------------------------------------------------------------------------------------
// Reading a decision case (`fixtures/cases/*.jsonl` format) into the reference's own types,
// with serde_json and `parse_policy` only (not the engine's case reader).
// ---------------------------------------------------------------------------------------------

/// Why a case cannot be decided by the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefCaseError {
    /// The line is not a case object.
    Malformed(String),
    /// A policy does not parse (the case's outcome is `Error`).
    Policy(String),
}

fn context_scalar(v: &serde_json::Value) -> Result<ContextScalar, RefCaseError> {
    match v {
        serde_json::Value::String(s) => Ok(ContextScalar::String(s.clone())),
        serde_json::Value::Number(n) => Ok(ContextScalar::Number(n.to_string())),
        serde_json::Value::Bool(b) => Ok(ContextScalar::Bool(*b)),
        other => Err(RefCaseError::Malformed(format!("context value {other}"))),
    }
}

/// Reads one case line into the reference's policies and request.
///
/// # Errors
///
/// [`RefCaseError::Policy`] when a policy does not parse, [`RefCaseError::Malformed`] when
/// the line is not a case.
pub fn read_case(line: &str) -> Result<(RefPolicies, RefRequest), RefCaseError> {
    use iam_policy::{PolicyType, parse_policy};
    use serde_json::Value;

    let bad = |what: &str| RefCaseError::Malformed(what.to_owned());
    let case: Value = serde_json::from_str(line).map_err(|e| bad(&e.to_string()))?;
    let req = case.get("request").ok_or_else(|| bad("no request"))?;
    let text = |key: &str| req.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut context = Context::new();
    if let Some(Value::Object(entries)) = req.get("context") {
        for (key, value) in entries {
            let value = match value {
                Value::Array(items) => {
                    ContextValue::Multi(items.iter().map(context_scalar).collect::<Result<_, _>>()?)
                }
                v => ContextValue::Single(context_scalar(v)?),
            };
            context.insert(key, value);
        }
    }
    let request = RefRequest {
        principal: text("principal").ok_or_else(|| bad("no principal"))?,
        principal_account: text("principal_account"),
        action: text("action").ok_or_else(|| bad("no action"))?,
        resource: text("resource").ok_or_else(|| bad("no resource"))?,
        resource_account: text("resource_account"),
        context,
    };

    let policies = case.get("policies").ok_or_else(|| bad("no policies"))?;
    let parse = |v: &Value, ty: PolicyType| -> Result<Policy, RefCaseError> {
        let doc = match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        parse_policy(&doc, ty).map_err(|e| RefCaseError::Policy(e.to_string()))
    };
    let one = |key: &str, ty: PolicyType| -> Result<Option<Policy>, RefCaseError> {
        match policies.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => parse(v, ty).map(Some),
        }
    };
    // A flat list is one level; a list of lists is the levels, root first.
    let levels = |key: &str, ty: PolicyType| -> Result<Vec<Vec<Policy>>, RefCaseError> {
        let Some(Value::Array(items)) = policies.get(key) else {
            return Ok(Vec::new());
        };
        if items.is_empty() {
            return Ok(Vec::new());
        }
        if items.iter().all(Value::is_array) {
            items
                .iter()
                .map(|level| {
                    level
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|p| parse(p, ty))
                        .collect()
                })
                .collect()
        } else {
            Ok(vec![
                items
                    .iter()
                    .map(|p| parse(p, ty))
                    .collect::<Result<_, _>>()?,
            ])
        }
    };
    let identity = match policies.get("identity") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|p| parse(p, PolicyType::Identity))
            .collect::<Result<_, _>>()?,
        Some(Value::Null) | None => Vec::new(),
        Some(_) => return Err(bad("identity is not a list")),
    };
    // A role's trust policy has no Resource element: read it as a trust policy.
    let trust = is_trust(&request.resource, &request.action);
    let resource_type = if trust {
        PolicyType::Trust
    } else {
        PolicyType::Resource
    };
    let set = RefPolicies {
        identity,
        resource: one("resource", resource_type)?,
        boundary: one("permissions_boundary", PolicyType::PermissionsBoundary)?,
        session: one("session", PolicyType::Session)?,
        scps: levels("scps", PolicyType::Scp)?,
        rcps: levels("rcps", PolicyType::Rcp)?,
    };
    Ok((set, request))
}
