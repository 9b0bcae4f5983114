//! Security rules: principals open to everyone, `iam:PassRole` and
//! `iam:CreateServiceLinkedRole` on every role, `Allow` with `NotAction`/`NotResource`, and
//! sensitive read actions on `"*"`; plus empty principal blocks.

use crate::code::Code;
use crate::exposure;
use crate::policy::{Effect, PolicyType, PrincipalKind, PrincipalValue, Principals, Statement};

use super::ctx::Ctx;
use crate::arn::ArnParts;
use crate::wildcard::{covers, glob_text};

/// Actions that read secret material, checked by `SENSITIVE_ACTION_WITH_STAR_IN_RESOURCE`
/// (lower case).
const SENSITIVE_ACTIONS: &[&str] = &[
    "secretsmanager:getsecretvalue",
    "secretsmanager:batchgetsecretvalue",
    "ssm:getparameter",
    "ssm:getparameters",
    "ssm:getparametersbypath",
    "kms:decrypt",
    "s3:getobject",
];

/// Runs the security rules.
pub(crate) fn check(ctx: &mut Ctx<'_>) {
    // PUBLIC_ACCESS asks the offline analysis once per resource policy (owner: analysis, #15).
    let public =
        (ctx.policy_type == PolicyType::Resource).then(|| exposure::public_grants(ctx.policy));
    for i in 0..ctx.policy.statements.len() {
        let Some(stmt) = ctx.policy.statements.get(i) else {
            continue;
        };
        empty_principals(ctx, i, stmt);
        if stmt.effect.value != Effect::Allow {
            continue;
        }
        public_access(ctx, i, stmt, public.as_ref());
        confused_deputy(ctx, i, stmt);
        not_action_or_resource(ctx, i, stmt);
        sensitive(ctx, i, stmt);
        if matches!(
            ctx.policy_type,
            PolicyType::Identity | PolicyType::PermissionsBoundary | PolicyType::Session
        ) {
            role_actions(ctx, i, stmt, &PASS_ROLE);
            role_actions(ctx, i, stmt, &CREATE_SLR);
        }
    }
}

fn empty_principals(ctx: &mut Ctx<'_>, i: usize, stmt: &Statement) {
    let Some(principal) = &stmt.principal else {
        return;
    };
    let name = if principal.value.negated {
        "NotPrincipal"
    } else {
        "Principal"
    };
    let Principals::Map(entries) = &principal.value.principals else {
        return;
    };
    if entries.is_empty() {
        let path = ctx.stmt_path(i).key(name);
        ctx.emit(
            Some(i),
            Code::EmptyObjectPrincipal,
            principal.span,
            path,
            format!("`{name}` names no principal"),
        );
        return;
    }
    for entry in entries {
        if entry.kind.value == PrincipalKind::Aws {
            for (k, item) in entry.values.items.iter().enumerate() {
                let PrincipalValue::Name(id) = &item.value else {
                    continue;
                };
                let (code, what) = if id.starts_with("AROA") {
                    (Code::InvalidRoleReference, "role")
                } else if id.starts_with("AIDA") {
                    (Code::InvalidUserReference, "user")
                } else {
                    continue;
                };
                let path = ctx.stmt_path(i).key(name).key("AWS").item(&entry.values, k);
                ctx.emit(
                    Some(i),
                    code,
                    item.span,
                    path,
                    format!(
                        "`{id}` is the unique id of an IAM {what}, which matches only that {what}, not one recreated with the same name"
                    ),
                )
                .help = Some(format!("write the {what}'s ARN"));
            }
        }
        if entry.values.items.is_empty() {
            let kind = entry.kind.value.as_str();
            let path = ctx.stmt_path(i).key(name).key(kind);
            ctx.emit(
                Some(i),
                Code::EmptyArrayPrincipal,
                entry.kind.span,
                path,
                format!("`{kind}` lists no principal"),
            );
        }
    }
}

/// The keys that tie a service principal's request to the resource or account it acts for
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html>), lower case.
const SOURCE_KEYS: &[&str] = &[
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceowner",
];

/// `MISSING_SOURCE_CONDITION_FOR_SERVICE_PRINCIPAL`: a resource policy `Allow` to a service
/// principal without a condition on `aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOrgID`,
/// `aws:SourceOrgPaths` or `aws:SourceOwner`, so the service may act on the resource for any
/// customer (the cross-service confused deputy).
fn confused_deputy(ctx: &mut Ctx<'_>, i: usize, stmt: &Statement) {
    if ctx.policy_type != PolicyType::Resource {
        return;
    }
    let Some(principal) = &stmt.principal else {
        return;
    };
    if principal.value.negated {
        return;
    }
    let Principals::Map(entries) = &principal.value.principals else {
        return;
    };
    let Some(service) = entries
        .iter()
        .find(|e| e.kind.value == PrincipalKind::Service && !e.values.items.is_empty())
    else {
        return;
    };
    if stmt
        .conditions
        .iter()
        .any(|c| SOURCE_KEYS.contains(&c.key_lower.as_str()))
    {
        return;
    }
    let path = ctx.stmt_path(i).key("Principal").key("Service");
    ctx.emit(
        Some(i),
        Code::MissingSourceConditionForServicePrincipal,
        service.kind.span,
        path,
        "the statement allows a service principal with no condition on the resource or account \
         it acts for, so the service can be made to act here on another customer's behalf"
            .into(),
    )
    .help = Some(
        "add a condition on `aws:SourceArn` or `aws:SourceAccount` (or `aws:SourceOrgID`)".into(),
    );
}

/// `PUBLIC_ACCESS`: a resource policy `Allow` that grants a request from an anonymous caller
/// or an account the policy does not name, decided by [`exposure::public_grants`] (the offline
/// analysis; the witness request is in the message). Where the analysis cannot be exact, a
/// `"*"` principal without a condition on a caller-narrowing key is reported as before.
fn public_access(
    ctx: &mut Ctx<'_>,
    i: usize,
    stmt: &Statement,
    public: Option<&exposure::PublicAnalysis>,
) {
    if ctx.policy_type != PolicyType::Resource {
        return;
    }
    let Some(principal) = &stmt.principal else {
        return;
    };
    let witness = public.and_then(|p| p.grants.iter().find(|g| g.statement == i));
    let exact = public.is_some_and(|p| p.exact);
    let message = match witness {
        Some(g) => format!(
            "the statement allows callers outside the account, anonymous ones included; for \
             example: {}",
            g.witness
        ),
        None if exact => return,
        None => {
            if principal.value.negated
                || !exposure::is_everyone(&principal.value)
                || exposure::has_narrowing_condition(stmt)
            {
                return;
            }
            "the statement allows everyone, anonymous callers included".to_owned()
        }
    };
    let path = ctx.stmt_path(i).key("Principal");
    ctx.emit(Some(i), Code::PublicAccess, principal.span, path, message)
        .help = Some(
        "name the principals, or add a condition with fixed values of a key such as \
         `aws:PrincipalOrgID` or `aws:SourceVpce` (no wildcard, not `…IfExists`)"
            .into(),
    );
}

fn not_action_or_resource(ctx: &mut Ctx<'_>, i: usize, stmt: &Statement) {
    if !matches!(ctx.policy_type, PolicyType::Identity | PolicyType::Resource) {
        return;
    }
    if stmt.action.value.negated {
        let path = ctx.stmt_path(i).key("NotAction");
        ctx.emit(
            Some(i),
            Code::AllowWithNotAction,
            stmt.action.span,
            path,
            "`Allow` with `NotAction` grants every action not listed, including future ones".into(),
        )
        .help = Some("list the allowed actions in `Action` instead".into());
    }
    if let Some(res) = &stmt.resource
        && res.value.negated
    {
        let path = ctx.stmt_path(i).key("NotResource");
        ctx.emit(
            Some(i),
            Code::AllowWithNotResource,
            res.span,
            path,
            "`Allow` with `NotResource` grants every resource not listed".into(),
        )
        .help = Some("list the allowed resources in `Resource` instead".into());
    }
}

/// `SENSITIVE_ACTION_WITH_STAR_IN_RESOURCE`.
fn sensitive(ctx: &mut Ctx<'_>, i: usize, stmt: &Statement) {
    if ctx.policy_type != PolicyType::Identity
        || stmt.action.value.negated
        || !stmt.conditions.is_empty()
    {
        return;
    }
    let Some(res) = &stmt.resource else { return };
    if res.value.negated
        || !res
            .value
            .patterns
            .items
            .iter()
            .any(|p| p.value.as_str() == "*")
    {
        return;
    }
    let covered = SENSITIVE_ACTIONS.iter().find(|target| {
        stmt.action
            .value
            .patterns
            .items
            .iter()
            .any(|p| glob_text(p.value.as_str(), target, true))
    });
    let Some(target) = covered else { return };
    let shown = display_action(target);
    let path = ctx.stmt_path(i).key("Resource");
    ctx.emit(
        Some(i),
        Code::SensitiveActionWithStarInResource,
        res.span,
        path,
        format!("the statement allows `{shown}` on every resource, with no condition"),
    )
    .help = Some("name the resources, or add a condition".into());
}

/// The documented spelling of a sensitive action.
fn display_action(lower: &str) -> &'static str {
    match lower {
        "secretsmanager:getsecretvalue" => "secretsmanager:GetSecretValue",
        "secretsmanager:batchgetsecretvalue" => "secretsmanager:BatchGetSecretValue",
        "ssm:getparameter" => "ssm:GetParameter",
        "ssm:getparameters" => "ssm:GetParameters",
        "ssm:getparametersbypath" => "ssm:GetParametersByPath",
        "kms:decrypt" => "kms:Decrypt",
        _ => "s3:GetObject",
    }
}

/// One of the two role actions Access Analyzer watches.
struct RoleAction {
    /// The action, lower case.
    action: &'static str,
    /// As documented.
    shown: &'static str,
    /// The resource part that stands for "every role" it applies to.
    every_role: &'static str,
    /// A condition key that scopes the grant (lower case).
    scope_key: &'static str,
    /// Codes: (explicit, star action, NotAction) × (star resource, NotResource).
    codes: [[Code; 2]; 3],
}

const PASS_ROLE: RoleAction = RoleAction {
    action: "iam:passrole",
    shown: "iam:PassRole",
    every_role: "role/*",
    scope_key: "iam:passedtoservice",
    codes: [
        [
            Code::PassRoleWithStarInResource,
            Code::PassRoleWithNotResource,
        ],
        [
            Code::PassRoleWithStarInActionAndResource,
            Code::PassRoleWithStarInActionAndNotResource,
        ],
        [
            Code::PassRoleWithStarInResourceAndNotAction,
            Code::PassRoleWithNotActionAndNotResource,
        ],
    ],
};

const CREATE_SLR: RoleAction = RoleAction {
    action: "iam:createservicelinkedrole",
    shown: "iam:CreateServiceLinkedRole",
    every_role: "role/aws-service-role/*",
    scope_key: "iam:awsservicename",
    codes: [
        [
            Code::CreateSlrWithStarInResource,
            Code::CreateSlrWithNotResource,
        ],
        [
            Code::CreateSlrWithStarInActionAndResource,
            Code::CreateSlrWithStarInActionAndNotResource,
        ],
        [
            Code::CreateSlrWithStarInResourceAndNotAction,
            Code::CreateSlrWithNotActionAndNotResource,
        ],
    ],
};

/// Whether a resource pattern covers every role (`*`, `arn:aws:iam::*:role/*`, ...).
fn covers_every_role(pattern: &str, role: &RoleAction) -> bool {
    if pattern == "*" {
        return true;
    }
    if pattern.contains("${") {
        return false;
    }
    match ArnParts::split(pattern) {
        Some(p) => glob_text(p.service, "iam", false) && covers(p.resource, role.every_role, false),
        // A short pattern ending in `*` covers everything below it.
        None => covers(
            pattern,
            &format!("arn:aws:iam::123456789012:{}", role.every_role),
            false,
        ),
    }
}

fn role_actions(ctx: &mut Ctx<'_>, i: usize, stmt: &Statement, role: &RoleAction) {
    let Some(res) = &stmt.resource else { return };
    let patterns = &stmt.action.value.patterns.items;
    let matches_target = |p: &str| glob_text(p, role.action, true);
    let action_kind = if stmt.action.value.negated {
        if patterns.iter().any(|p| matches_target(p.value.as_str())) {
            return;
        }
        2
    } else if patterns
        .iter()
        .any(|p| p.value.as_str().eq_ignore_ascii_case(role.action))
    {
        0
    } else if patterns.iter().any(|p| matches_target(p.value.as_str())) {
        1
    } else {
        return;
    };
    let every = |p: &str| covers_every_role(p, role);
    let items = &res.value.patterns.items;
    let resource_kind = if res.value.negated {
        if items.is_empty() || items.iter().any(|p| every(p.value.as_str())) {
            return;
        }
        1
    } else if items.iter().any(|p| every(p.value.as_str())) {
        let scoped = stmt
            .conditions
            .iter()
            .any(|c| c.key_lower == role.scope_key && !c.operator.value.base.is_negated());
        if scoped {
            return;
        }
        0
    } else {
        return;
    };
    let Some(&code) = role
        .codes
        .get(action_kind)
        .and_then(|row| row.get(resource_kind))
    else {
        return;
    };
    let element = if res.value.negated {
        "NotResource"
    } else {
        "Resource"
    };
    let how = match action_kind {
        0 => "",
        1 => " (through an action wildcard)",
        _ => " (through `NotAction`)",
    };
    let on = if resource_kind == 0 {
        "on every role"
    } else {
        "on every role not in `NotResource`"
    };
    let path = ctx.stmt_path(i).key(element);
    ctx.emit(
        Some(i),
        code,
        res.span,
        path,
        format!("the statement allows `{}`{how} {on}", role.shown),
    )
    .help = Some(format!(
        "name the roles in `Resource`, or add a condition on `{}`",
        if role.scope_key == "iam:passedtoservice" {
            "iam:PassedToService"
        } else {
            "iam:AWSServiceName"
        }
    ));
}
