//! Cedar 4.x, deployed the way that suits it best for this workload.
//!
//! - Entities, built once: one `Role` per role (entity tag `team`), one `Secret` per secret
//!   (attribute `arn`, entity tag `team`), one `Key` per team key, and the actions with the
//!   action group `Action::"secretsmanager:*"` as the parent of every `secretsmanager` action.
//! - One policy set per role (its identity policy) and one per secret (its resource policy),
//!   each parsed once from Cedar text translated from the IAM JSON by hand (see the functions
//!   below).
//! - One Cedar request per workload request, built before timing: the principal is the session's
//!   role (the session-to-role mapping is done outside the timed region), the context holds
//!   `sourceIp` as a string, `secureTransport` as a boolean and, on `GetSecretValue`,
//!   `versionStage`.
//! - Timed: `is_authorized` against the role's set, then (unless that found a `forbid`) against
//!   the secret's set, combined with IAM's rules: any `forbid` is an explicit deny; in the same
//!   account either side may permit; across accounts both must.

use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet, Request,
    Response, RestrictedExpression,
};

use crate::engine::Engine;
use crate::workload::{
    self, ACCOUNT, ACTIONS, ContextValue, Decision, KEY_SECURE_TRANSPORT, KEY_SOURCE_IP,
    KEY_VERSION_STAGE, Role, RoleKind, Workload,
};

/// One prepared request.
#[derive(Debug)]
struct Prepared {
    request: Request,
    role: usize,
    secret: usize,
    principal_account: &'static str,
    resource_account: &'static str,
}

/// Cedar deployed for one workload.
#[derive(Debug)]
pub struct Cedar {
    authorizer: Authorizer,
    entities: Entities,
    role_sets: Vec<PolicySet>,
    secret_sets: Vec<PolicySet>,
    requests: Vec<Prepared>,
}

fn uid(type_name: &str, id: &str) -> Result<EntityUid, String> {
    let t = EntityTypeName::from_str(type_name).map_err(|e| format!("entity type: {e}"))?;
    Ok(EntityUid::from_type_name_and_id(t, EntityId::new(id)))
}

fn string(s: &str) -> RestrictedExpression {
    RestrictedExpression::new_string(s.to_owned())
}

/// A Cedar string literal (the workload's strings hold no quotes or backslashes).
fn lit(s: &str) -> String {
    format!("{s:?}")
}

fn action_uid(action: &str) -> String {
    format!("Action::{}", lit(action))
}

/// The identity policy of a role, in Cedar.
///
/// IAM: Allow Get/Describe on `prod/<team>/*` when the resource tag equals the principal tag,
/// the source IP is in 10.0.0.0/8 and TLS is used; Deny Get on `prod/<team>/admin/*`; Deny
/// Put/Update/Delete on `*`; Allow ListSecrets on `*`; Allow kms:Decrypt on the team key via
/// Secrets Manager.
pub fn role_policy(role: &Role) -> String {
    let prefix = workload::secret_arn_prefix();
    match role.kind {
        RoleKind::App | RoleKind::Batch => {
            let team = role.team;
            let key = role.kms_key_arn.as_deref().unwrap_or_default();
            format!(
                r#"@id("ReadTeamSecrets")
permit (
  principal,
  action in [{get}, {describe}],
  resource is Secret
) when {{
  resource.arn like {read_pattern} &&
  principal.hasTag("team") && resource.hasTag("team") &&
  resource.getTag("team") == principal.getTag("team") &&
  ip(context.sourceIp).isInRange(ip("10.0.0.0/8")) &&
  context.secureTransport == true
}};
@id("DenyAdminTier")
forbid (principal, action == {get}, resource is Secret)
when {{ resource.arn like {admin_pattern} }};
@id("DenyWrites")
forbid (principal, action in [{put}, {update}, {delete}], resource);
@id("ListSecrets")
permit (principal, action == {list}, resource);
@id("DecryptViaSecretsManager")
permit (principal, action == {decrypt}, resource == Key::{key})
when {{ context has kmsViaService && context.kmsViaService == "secretsmanager.{region}.amazonaws.com" }};
"#,
                get = action_uid(workload::GET_SECRET_VALUE),
                describe = action_uid(workload::DESCRIBE_SECRET),
                put = action_uid(workload::PUT_SECRET_VALUE),
                update = action_uid(workload::UPDATE_SECRET),
                delete = action_uid(workload::DELETE_SECRET),
                list = action_uid(workload::LIST_SECRETS),
                decrypt = action_uid(workload::KMS_DECRYPT),
                read_pattern = lit(&format!("{prefix}prod/{team}/*")),
                admin_pattern = lit(&format!("{prefix}prod/{team}/admin/*")),
                key = lit(key),
                region = workload::REGION,
            )
        }
        RoleKind::Consumer => format!(
            r#"@id("ReadProdSecrets")
permit (principal, action == {get}, resource is Secret)
when {{ resource.arn like {pattern} }};
"#,
            get = action_uid(workload::GET_SECRET_VALUE),
            pattern = lit(&format!("{prefix}prod/*")),
        ),
    }
}

/// The resource policy of a secret owned by `team`, in Cedar.
///
/// IAM: Allow Get to the team's consumer role when the version stage is `AWSCURRENT`; Deny
/// `secretsmanager:*` to `*` when TLS is not used. `Resource: "*"` in a resource policy means
/// this secret, which is what a per-secret policy set with an unconstrained `resource` says.
pub fn secret_policy(team: &str) -> String {
    let consumer = workload::role_arn(workload::CONSUMER_ACCOUNT, &format!("{team}-consumer"));
    format!(
        r#"@id("ConsumerReadsCurrent")
permit (principal == Role::{consumer}, action == {get}, resource)
when {{ context has versionStage && context.versionStage == "AWSCURRENT" }};
@id("DenyInsecureTransport")
forbid (principal, action in Action::"secretsmanager:*", resource)
when {{ context has secureTransport && context.secureTransport == false }};
"#,
        consumer = lit(&consumer),
        get = action_uid(workload::GET_SECRET_VALUE),
    )
}

fn entities(w: &Workload) -> Result<Entities, String> {
    let err = |e: &dyn std::fmt::Display| e.to_string();
    let mut out = Vec::with_capacity(w.roles.len() + w.secrets.len() + 32);
    let group = uid("Action", "secretsmanager:*")?;
    out.push(Entity::new_no_attrs(group.clone(), Default::default()));
    for action in ACTIONS {
        let parents = if action.starts_with("secretsmanager:") {
            [group.clone()].into_iter().collect()
        } else {
            Default::default()
        };
        out.push(Entity::new_no_attrs(uid("Action", action)?, parents));
    }
    for role in &w.roles {
        out.push(
            Entity::new_with_tags(
                uid("Role", &role.arn)?,
                [("account".to_owned(), string(role.account))],
                [],
                [("team".to_owned(), string(role.team))],
            )
            .map_err(|e| err(&e))?,
        );
        if let (RoleKind::App, Some(key)) = (role.kind, &role.kms_key_arn) {
            out.push(Entity::new_no_attrs(uid("Key", key)?, Default::default()));
        }
    }
    for secret in &w.secrets {
        out.push(
            Entity::new_with_tags(
                uid("Secret", &secret.arn)?,
                [
                    ("arn".to_owned(), string(&secret.arn)),
                    ("name".to_owned(), string(&secret.name)),
                ],
                [],
                [("team".to_owned(), string(secret.tag_team))],
            )
            .map_err(|e| err(&e))?,
        );
    }
    Entities::from_entities(out, None).map_err(|e| format!("entities: {e}"))
}

fn context(r: &workload::Request) -> Result<Context, String> {
    let mut pairs = Vec::new();
    for (key, value) in &r.context {
        let name = match key.as_str() {
            KEY_SOURCE_IP => "sourceIp",
            KEY_SECURE_TRANSPORT => "secureTransport",
            KEY_VERSION_STAGE => "versionStage",
            // The tags live on the entities (entity tags), as Cedar models them.
            _ => continue,
        };
        let v = match value {
            ContextValue::String(s) => string(s),
            ContextValue::Bool(b) => RestrictedExpression::new_bool(*b),
            ContextValue::List(items) => {
                RestrictedExpression::new_set(items.iter().map(|s| string(s)))
            }
        };
        pairs.push((name.to_owned(), v));
    }
    Context::from_pairs(pairs).map_err(|e| format!("context: {e}"))
}

/// `Some(true)` permit, `Some(false)` nothing applies, `None` a `forbid` applied.
fn outcome(response: &Response) -> Option<bool> {
    match response.decision() {
        cedar_policy::Decision::Allow => Some(true),
        cedar_policy::Decision::Deny => {
            if response.diagnostics().reason().next().is_some() {
                None
            } else {
                Some(false)
            }
        }
    }
}

impl Cedar {
    /// Decides a constructed request: the role's set, then the secret's, combined with IAM's
    /// rules.
    fn decide_prepared(&self, p: &Prepared) -> Decision {
        let (Some(identity_set), Some(resource_set)) =
            (self.role_sets.get(p.role), self.secret_sets.get(p.secret))
        else {
            return Decision::ImplicitDeny;
        };
        let identity = self
            .authorizer
            .is_authorized(&p.request, identity_set, &self.entities);
        let Some(identity_allows) = outcome(&identity) else {
            return Decision::ExplicitDeny;
        };
        let resource = self
            .authorizer
            .is_authorized(&p.request, resource_set, &self.entities);
        let Some(resource_allows) = outcome(&resource) else {
            return Decision::ExplicitDeny;
        };
        let allowed = if p.principal_account == p.resource_account {
            identity_allows || resource_allows
        } else {
            identity_allows && resource_allows
        };
        if allowed {
            Decision::Allow
        } else {
            Decision::ImplicitDeny
        }
    }
}

impl Engine for Cedar {
    const NAME: &'static str = "cedar";

    fn prepare(w: &Workload) -> Result<Self, String> {
        let role_sets = w
            .roles
            .iter()
            .map(|role| {
                PolicySet::from_str(&role_policy(role))
                    .map_err(|e| format!("policy of {}: {e}", role.arn))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let secret_sets = w
            .secrets
            .iter()
            .map(|secret| {
                PolicySet::from_str(&secret_policy(secret.team))
                    .map_err(|e| format!("policy of {}: {e}", secret.arn))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let entities = entities(w)?;
        let requests = w
            .requests
            .iter()
            .map(|r| {
                let request = Request::new(
                    uid("Role", &r.role_arn)?,
                    uid("Action", r.action)?,
                    uid("Secret", &r.resource_arn)?,
                    context(r)?,
                    None,
                )
                .map_err(|e| format!("request: {e}"))?;
                Ok(Prepared {
                    request,
                    role: r.role,
                    secret: r.secret,
                    principal_account: r.principal_account,
                    resource_account: r.resource_account,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        debug_assert!(w.requests.iter().all(|r| r.resource_account == ACCOUNT));
        Ok(Self {
            authorizer: Authorizer::new(),
            entities,
            role_sets,
            secret_sets,
            requests,
        })
    }

    fn decide(&self, i: usize) -> Decision {
        let Some(p) = self.requests.get(i) else {
            return Decision::ImplicitDeny;
        };
        self.decide_prepared(p)
    }

    fn decide_per_call(&self, w: &Workload, i: usize) -> Option<Decision> {
        // Cedar's request constructed from the workload's strings (entity uids and the
        // context record), then decided as in `decide`.
        let r = w.requests.get(i)?;
        let request = Request::new(
            uid("Role", &r.role_arn).ok()?,
            uid("Action", r.action).ok()?,
            uid("Secret", &r.resource_arn).ok()?,
            context(r).ok()?,
            None,
        )
        .ok()?;
        Some(self.decide_prepared(&Prepared {
            request,
            role: r.role,
            secret: r.secret,
            principal_account: r.principal_account,
            resource_account: r.resource_account,
        }))
    }

    fn explain(&self, i: usize) -> String {
        let Some(p) = self.requests.get(i) else {
            return String::new();
        };
        let mut out = String::new();
        for (side, set) in [
            ("identity", self.role_sets.get(p.role)),
            ("resource", self.secret_sets.get(p.secret)),
        ] {
            let Some(set) = set else { continue };
            let r = self
                .authorizer
                .is_authorized(&p.request, set, &self.entities);
            let reasons: Vec<String> = r.diagnostics().reason().map(ToString::to_string).collect();
            let errors: Vec<String> = r.diagnostics().errors().map(ToString::to_string).collect();
            out.push_str(&format!(
                "cedar {side}: {:?} reasons {reasons:?} errors {errors:?}; ",
                r.decision()
            ));
        }
        out
    }
}
