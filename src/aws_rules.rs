//! What AWS decides beyond the policy text: the one owner of the rules that do not come from
//! any statement.
//!
//! Each rule is read from the request alone (action, resource, caller), once, when the request
//! is built ([`RequestBuilder::build`](crate::request::RequestBuilder::build)); the engine then
//! applies it in its combining step, for every entry point (a compiled set, a store, prepared
//! requests), and reports it as [`Evaluation::rule`](crate::Evaluation::rule).
//!
//! | rule | requests | outcome |
//! | --- | --- | --- |
//! | [`AwsRule::NoPermissionRequired`] | `sts:GetCallerIdentity`, and `sts:GetSessionToken` by an IAM user or the root user | `Allow`, even under an explicit deny |
//! | [`AwsRule::LongTermCredentialsRequired`] | `sts:GetSessionToken` and `sts:GetFederationToken` by a role session or federated user | `ImplicitDeny` |
//! | [`AwsRule::FederatedUserStsCall`] | any other STS action but `sts:GetCallerIdentity` by a federated user session | `ImplicitDeny` |
//! | [`AwsRule::RootUserAssumeRole`] | `sts:AssumeRole` by the root user | `ImplicitDeny` |
//! | [`AwsRule::AwsManagedResource`] | an action that is not `Read` or `List` on a resource whose account is `aws` (AWS managed policies, `arn:aws:iam::aws:policy/…`) | `ImplicitDeny` unless a `Deny` applies |
//! | [`AwsRule::ReservedRole`] | changes to roles under `role/aws-service-role/` (service-linked roles) and `role/aws-reserved/` (IAM Identity Center) | `ImplicitDeny` unless a `Deny` applies |
//! | [`AwsRule::ReservedAlias`] | `kms:CreateAlias`, `kms:UpdateAlias`, `kms:DeleteAlias` on `alias/aws/…` | `ImplicitDeny` unless a `Deny` applies |
//! | [`AwsRule::CrossPartition`] | any action by a signed caller (not a service principal or an anonymous caller) on a resource ARN of another partition than the caller's (`aws` caller, `arn:aws-cn:…` resource) | `ImplicitDeny` unless a `Deny` applies |
//!
//! A refusal is an [`ImplicitDeny`](crate::Decision::ImplicitDeny) whose gate is
//! [`Gate::Aws`](crate::Gate::Aws): nothing in the policies allowed it in a way AWS honours, and
//! no statement denied it. An applicable `Deny` statement still makes the decision
//! `ExplicitDeny` (both refuse; the statement is the more specific reason for an audit). The
//! decision keeps its three values.
//!
//! Also read here: which actions AWS evaluates against a role's **trust policy**
//! ([`is_trust_action`]), and which resources AWS owns ([`is_aws_owned_account`]).

use std::fmt;

use crate::catalog::{AccessLevel, Catalog};

/// A rule AWS applies that no policy states, and that decided a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AwsRule {
    /// The action needs no permission: AWS allows it whatever the policies say, even under an
    /// explicit deny (`sts:GetCallerIdentity`; `sts:GetSessionToken` for an IAM user or the
    /// root user).
    NoPermissionRequired,
    /// The action must be called with the long-term credentials of an IAM user (or the root
    /// user): a role session or federated user is refused (`sts:GetSessionToken`,
    /// `sts:GetFederationToken`).
    LongTermCredentialsRequired,
    /// A federated user session (`GetFederationToken`) calls an STS action other than
    /// `sts:GetCallerIdentity`: "You cannot call any STS operations except
    /// `GetCallerIdentity`".
    FederatedUserStsCall,
    /// The root user calls `sts:AssumeRole`: "You cannot use AWS account root user credentials
    /// to call `AssumeRole`".
    RootUserAssumeRole,
    /// The resource belongs to AWS (account `aws`, such as an AWS managed policy): policies can
    /// grant reading it, nobody can create, change, tag or delete it.
    AwsManagedResource,
    /// The role is reserved for AWS (a service-linked role under `role/aws-service-role/`, an
    /// IAM Identity Center role under `role/aws-reserved/`): only the owning service changes
    /// it.
    ReservedRole,
    /// The KMS alias is reserved for an AWS managed key (`alias/aws/…`): nobody can create,
    /// retarget or delete it.
    ReservedAlias,
    /// The caller and the resource are in different partitions (`aws`, `aws-cn`,
    /// `aws-us-gov`, …): each partition has its own IAM, a credential of one is not valid in
    /// another, and no policy can grant a principal of one partition access to a resource of
    /// another ("IAM roles and resource-based policies delegate access across accounts only
    /// within a single partition").
    CrossPartition,
}

impl AwsRule {
    /// The rule's name in machine-readable output (`iam-policy eval --format json`):
    /// `NoPermissionRequired`, `LongTermCredentialsRequired`, `FederatedUserStsCall`,
    /// `RootUserAssumeRole`, `AwsManagedResource`,
    /// `ReservedRole`, `ReservedAlias`, `CrossPartition`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::NoPermissionRequired => "NoPermissionRequired",
            Self::LongTermCredentialsRequired => "LongTermCredentialsRequired",
            Self::FederatedUserStsCall => "FederatedUserStsCall",
            Self::RootUserAssumeRole => "RootUserAssumeRole",
            Self::AwsManagedResource => "AwsManagedResource",
            Self::ReservedRole => "ReservedRole",
            Self::ReservedAlias => "ReservedAlias",
            Self::CrossPartition => "CrossPartition",
        }
    }

    /// A short text for reports: `no permission required`, `AWS-managed resource: cannot be
    /// modified`, …
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::NoPermissionRequired => "no permission required",
            Self::LongTermCredentialsRequired => {
                "long-term credentials required: a role session or federated user cannot call this action"
            }
            Self::FederatedUserStsCall => {
                "federated user session: cannot call STS actions other than GetCallerIdentity"
            }
            Self::RootUserAssumeRole => "the root user cannot assume a role",
            Self::AwsManagedResource => "AWS-managed resource: cannot be modified",
            Self::ReservedRole => "AWS-reserved role: only the service that owns it can change it",
            Self::ReservedAlias => "AWS-managed KMS alias (alias/aws/): cannot be modified",
            Self::CrossPartition => {
                "cross-partition request: a principal of one partition has no access to a resource of another"
            }
        }
    }

    /// The AWS documentation page that states the rule.
    #[must_use]
    pub const fn source(self) -> &'static str {
        match self {
            Self::NoPermissionRequired => {
                "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html"
            }
            Self::LongTermCredentialsRequired => {
                "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html"
            }
            Self::FederatedUserStsCall => {
                "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetFederationToken.html"
            }
            Self::RootUserAssumeRole => {
                "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html"
            }
            Self::AwsManagedResource => {
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies"
            }
            Self::ReservedRole => {
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html"
            }
            Self::ReservedAlias => {
                "https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html"
            }
            Self::CrossPartition => {
                "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_compare-resource-policies.html"
            }
        }
    }
}

impl fmt::Display for AwsRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The actions AWS evaluates against a role's trust policy when the request's resource is the
/// role, lower-cased: the STS actions whose resource type is `role` in the service
/// authorization reference
/// (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecuritytokenservice.html>).
/// Assuming the role (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_compare-resource-policies.html>),
/// passing session tags (`sts:TagSession`,
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html>), setting a source
/// identity (`sts:SetSourceIdentity`,
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_monitor.html>)
/// and passing trusted context (`sts:SetContext`) each need an `Allow` in the role's trust
/// policy.
const TRUST_ACTIONS: [&str; 6] = [
    "sts:assumerole",
    "sts:assumerolewithsaml",
    "sts:assumerolewithwebidentity",
    "sts:tagsession",
    "sts:setsourceidentity",
    "sts:setcontext",
];

/// Whether AWS evaluates `action_lower` against the trust policy of the role the request
/// names (see `TRUST_ACTIONS`).
#[must_use]
pub fn is_trust_action(action_lower: &str) -> bool {
    TRUST_ACTIONS.contains(&action_lower)
}

/// Whether an ARN's account field names AWS itself: `aws`, as in
/// `arn:aws:iam::aws:policy/ReadOnlyAccess` (AWS managed policies) and the other AWS-owned
/// resource types of the service authorization reference (`iam::aws:role-template/…`,
/// `iam::aws:contextProvider/…`, `organizations::aws:policy/…`, …).
#[must_use]
pub fn is_aws_owned_account(account: &str) -> bool {
    account == "aws"
}

/// The changes to an AWS-reserved role that AWS refuses whatever the policies say
/// (lower-cased action names of `iam`). `iam:UpdateRole` and `iam:UpdateRoleDescription` are
/// refused only for `aws-reserved/` roles: the description of a service-linked role can be
/// edited ("You can edit the description of any role",
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_update-service-linked-role.html>).
/// `iam:CreateServiceLinkedRole` and `iam:DeleteServiceLinkedRole` are the documented way to
/// create and delete service-linked roles and need permission as usual.
const RESERVED_ROLE_CHANGES: [&str; 12] = [
    "attachrolepolicy",
    "createrole",
    "deleterole",
    "deleterolepermissionsboundary",
    "deleterolepolicy",
    "detachrolepolicy",
    "passrole",
    "putrolepermissionsboundary",
    "putrolepolicy",
    "tagrole",
    "untagrole",
    "updateassumerolepolicy",
];

/// The KMS actions refused on aliases under `alias/aws/`, lower-cased action names.
const RESERVED_ALIAS_CHANGES: [&str; 3] = ["createalias", "deletealias", "updatealias"];

/// The path of service-linked roles: `arn:PARTITION:iam::ACCOUNT:role/aws-service-role/…`
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html>).
const SERVICE_LINKED_ROLES: &str = "role/aws-service-role/";

/// The role a caller acts as, for [`is_service_linked_role`]: how the given
/// `aws:PrincipalArn` must agree with the caller before it can exempt the caller.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RoleOf<'a> {
    /// The caller is a role itself: its own ARN, which carries the role's path.
    Role(&'a [u8]),
    /// The caller is a role session: its role's ARN without the path the session ARN does not
    /// carry, `arn:PARTITION:iam::ACCOUNT:role/NAME`.
    Session(&'a [u8]),
}

/// Whether `principal_arn` (the value of `aws:PrincipalArn`, given or derived) names a
/// service-linked role (a role under the `aws-service-role/` path) and that role is the
/// caller's: for a role, its own ARN exactly; for a role session, a role of the same
/// partition, account and name (the session ARN does not carry the path). The calls of such a
/// role are outside the organization's guardrails: "SCPs do not affect any service-linked role"
/// (<https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html>),
/// and "RCPs don't apply to resources in the organization management account and to calls made
/// by service-linked roles"
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>).
/// A session ARN does not carry its role's path, so a session whose `aws:PrincipalArn` is not
/// given is not known to be one. A given value that names another role, account or partition
/// than the caller's is not believed: the guardrails apply (fail closed).
pub(crate) fn is_service_linked_role(principal_arn: &[u8], caller: RoleOf<'_>) -> bool {
    let split = |bytes| {
        std::str::from_utf8(bytes)
            .ok()
            .and_then(crate::arn::ArnParts::split)
    };
    let (own, exact) = match caller {
        RoleOf::Role(arn) => (arn, true),
        RoleOf::Session(arn) => (arn, false),
    };
    let (Some(given), Some(role)) = (split(principal_arn), split(own)) else {
        return false;
    };
    let service_linked = given.service == "iam"
        && given.region.is_empty()
        && given.resource.starts_with(SERVICE_LINKED_ROLES);
    // The caller's role: its own ARN for a role; for a session, the same partition, account
    // and role name (the last segment of the path).
    let callers = if exact {
        principal_arn == own
    } else {
        given.partition == role.partition
            && given.account == role.account
            && !given.account.is_empty()
            && role
                .resource
                .strip_prefix("role/")
                .filter(|name| !name.is_empty())
                == given.resource.rsplit('/').next()
    };
    service_linked && callers
}

/// Whether a rule of this module reads the action of service `service` (lower-cased): the STS
/// rules, the trust actions ([`is_trust_action`], all of STS) and the reserved-role and
/// reserved-alias rules (IAM and KMS actions). For an action of any other service only
/// [`AwsRule::CrossPartition`] (read from the partitions alone, [`crosses_partition`]) and
/// [`AwsRule::AwsManagedResource`] (only on an AWS-owned resource, [`is_aws_owned_account`])
/// can apply: [`classify`] is then `None` for every other request, which a request builder
/// knows without classifying (a test holds the two equal).
#[inline]
pub(crate) fn service_has_rules(service: &str) -> bool {
    matches!(service.as_bytes(), b"sts" | b"iam" | b"kms")
}

/// Whether a request crosses partitions: a signed caller (`signed`, see
/// [`RuleInput::signed`]) whose ARN is `caller` acts on the resource ARN `resource`, whose
/// partition ends at byte `partition_end` (its second colon). Resource `*` names no partition
/// (the request is served in the caller's): callers do not ask. Each partition has its own
/// IAM: "You cannot use IAM credentials from one partition to interact with resources in a
/// different partition"
/// (<https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html>),
/// and "IAM roles and resource-based policies delegate access across accounts only within a
/// single partition"
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_compare-resource-policies.html>).
/// A service principal or an anonymous caller has no partition of its own: it acts in the
/// resource's. Partitions are compared as written (ARN components are case-sensitive).
///
/// Both texts start `arn:PARTITION:`, so the partitions are the same exactly when the texts
/// agree up to and including the resource's second colon: one short prefix compare, inline
/// (it runs for every request).
#[inline]
pub(crate) fn crosses_partition(
    signed: bool,
    caller: &str,
    resource: &str,
    partition_end: usize,
) -> bool {
    signed && !crate::bytes::same_prefix(caller.as_bytes(), resource.as_bytes(), partition_end + 1)
}

/// The parts of a request a rule reads (the caller described by two facts, so that this
/// module does not depend on `request`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RuleInput<'a> {
    /// Whether the caller is an IAM principal of an account that signs its requests (a user,
    /// role, role session, federated user or the root user; not a service principal or an
    /// anonymous caller).
    pub signed: bool,
    /// Whether the caller holds long-term credentials: an IAM user or the root user.
    pub long_term: bool,
    /// Whether the caller is the root user.
    pub root: bool,
    /// Whether the caller is a federated user session (`GetFederationToken`).
    pub federated: bool,
    /// The action's service prefix, lower-cased.
    pub service: &'a str,
    /// The action's name, lower-cased.
    pub action: &'a str,
    /// The resource ARN's service, account and resource part, or `None` for `*`.
    pub arn: Option<(&'a str, &'a str, &'a str)>,
    /// Whether the request crosses partitions ([`crosses_partition`]).
    pub cross_partition: bool,
}

/// The rule that decides the request, if any.
pub(crate) fn classify(input: RuleInput<'_>) -> Option<AwsRule> {
    // First: no other rule (not even a call that needs no permission) holds for a request a
    // partition refuses to authenticate.
    if input.cross_partition {
        return Some(AwsRule::CrossPartition);
    }
    let iam_caller = input.signed;
    if input.service == "sts" && iam_caller {
        // GetCallerIdentity: "No permissions are required to perform this operation. If an
        // administrator attaches a policy to your identity that explicitly denies access to
        // the sts:GetCallerIdentity action, you can still perform this operation."
        // (STS API reference, GetCallerIdentity.)
        if input.action == "getcalleridentity" {
            return Some(AwsRule::NoPermissionRequired);
        }
        let long_term = input.long_term;
        // GetSessionToken: "No permissions are required for a user to get a session token ...
        // You cannot use policies to control authentication operations."
        // (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getsessiontoken.html)
        // It and GetFederationToken must be called with an IAM user's (or the root user's)
        // long-term credentials (STS API reference, GetSessionToken and GetFederationToken).
        match input.action {
            "getsessiontoken" if long_term => return Some(AwsRule::NoPermissionRequired),
            "getsessiontoken" | "getfederationtoken" if !long_term => {
                return Some(AwsRule::LongTermCredentialsRequired);
            }
            // Federated user sessions: "You cannot call any STS operations except
            // GetCallerIdentity" (STS API reference, GetFederationToken).
            _ if input.federated => return Some(AwsRule::FederatedUserStsCall),
            // "You cannot use AWS account root user credentials to call AssumeRole. You must
            // use credentials for an IAM user or an IAM role to call AssumeRole." (STS API
            // reference, AssumeRole.)
            "assumerole" if input.root => return Some(AwsRule::RootUserAssumeRole),
            _ => {}
        }
    }
    let (service, account, resource) = input.arn?;
    if is_aws_owned_account(account) && !is_read_only(input.service, input.action) {
        return Some(AwsRule::AwsManagedResource);
    }
    match service {
        "iam" => {
            let service_linked = resource.starts_with(SERVICE_LINKED_ROLES);
            let reserved = resource.starts_with("role/aws-reserved/");
            let refused = input.service == "iam"
                && (RESERVED_ROLE_CHANGES.contains(&input.action)
                    || (reserved
                        && matches!(input.action, "updaterole" | "updateroledescription")));
            ((service_linked || reserved) && refused).then_some(AwsRule::ReservedRole)
        }
        // The `alias/aws/` prefix is reserved for AWS managed keys, whose aliases customers
        // cannot manage (https://docs.aws.amazon.com/kms/latest/developerguide/alias-create.html).
        "kms" => (input.service == "kms"
            && resource.starts_with("alias/aws/")
            && RESERVED_ALIAS_CHANGES.contains(&input.action))
        .then_some(AwsRule::ReservedAlias),
        _ => None,
    }
}

/// Whether the service authorization reference classifies `service:action` as `Read` or
/// `List`. An action the bundled catalog does not know, or a catalog that cannot be decoded,
/// counts as a change (fail closed).
fn is_read_only(service: &str, action: &str) -> bool {
    Catalog::get()
        .ok()
        .and_then(|catalog| catalog.action(service, action))
        .is_some_and(|info| matches!(info.access_level, AccessLevel::Read | AccessLevel::List))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The callers, as the request module describes them.
    #[derive(Clone, Copy)]
    enum Caller {
        User,
        Root,
        AssumedRole,
        FederatedUser,
        Role,
        Service,
        Anonymous,
    }

    fn rule(caller: Caller, action: &str, arn: Option<(&str, &str, &str)>) -> Option<AwsRule> {
        let (service, name) = action.split_once(':').unwrap_or_default();
        classify(RuleInput {
            signed: !matches!(caller, Caller::Service | Caller::Anonymous),
            long_term: matches!(caller, Caller::User | Caller::Root),
            root: matches!(caller, Caller::Root),
            federated: matches!(caller, Caller::FederatedUser),
            service,
            action: name,
            arn,
            cross_partition: false,
        })
    }

    /// A request across partitions is refused for every service (the `service_has_rules`
    /// shortcut does not skip it: `Checked::kinds` classifies it), before every other rule;
    /// only a signed caller and a resource ARN of another partition cross.
    #[test]
    fn cross_partition_for_every_service_and_first() {
        use Caller::*;
        let crosses = |signed, caller: &str, resource: &str| {
            let end = crate::arn::colon_offsets(resource).map_or(0, |[_, end, ..]| end);
            crosses_partition(signed, caller, resource, end)
        };
        let user = "arn:aws:iam::111122223333:user/alice";
        let gov = "arn:aws-us-gov:sts::111122223333:assumed-role/r/s";
        assert!(crosses(true, user, "arn:aws-cn:s3:::bucket/key"));
        assert!(crosses(true, gov, "arn:aws:s3:::bucket/key"));
        assert!(crosses(true, user, "arn:AWS:s3:::bucket/key"));
        assert!(crosses(true, user, "arn:aws-us-gov:s3:::b"));
        assert!(crosses(
            true,
            "arn:aws-cn:iam::111122223333:root",
            "arn:aws:s3:::b"
        ));
        // A partition of more than sixteen bytes: the plain compare.
        let long = "arn:aws-a-very-long-partition:iam::111122223333:root";
        assert!(!crosses(true, long, "arn:aws-a-very-long-partition:s3:::b"));
        assert!(crosses(true, long, "arn:aws-a-very-long-partitiom:s3:::b"));
        assert!(!crosses(true, user, "arn:aws:s3:::b"));
        assert!(!crosses(true, gov, "arn:aws-us-gov:s3:::b"));
        assert!(!crosses(true, user, "arn:aws:iam::111122223333:role/r"));
        assert!(!crosses(false, user, "arn:aws-cn:s3:::b"));
        for action in [
            "s3:getobject",
            "secretsmanager:getsecretvalue",
            "sts:getcalleridentity",
            "sts:assumerole",
            "iam:deleterole",
            "kms:deletealias",
        ] {
            let (service, name) = action.split_once(':').unwrap_or_default();
            for caller in [User, Root, AssumedRole, FederatedUser, Role] {
                let input = RuleInput {
                    signed: true,
                    long_term: matches!(caller, User | Root),
                    root: matches!(caller, Root),
                    federated: matches!(caller, FederatedUser),
                    service,
                    action: name,
                    arn: Some(("iam", "aws", "role/aws-service-role/x")),
                    cross_partition: true,
                };
                assert_eq!(classify(input), Some(AwsRule::CrossPartition), "{action}");
            }
        }
        assert_eq!(AwsRule::CrossPartition.name(), "CrossPartition");
    }

    /// A federated user session calls no STS action but `GetCallerIdentity`; the root user
    /// cannot assume a role (STS API reference, GetFederationToken and AssumeRole).
    #[test]
    fn federated_user_sts_calls_and_root_assume_role() {
        use Caller::*;
        let role = Some(("iam", "111122223333", "role/app-role"));
        for action in [
            "sts:assumerole",
            "sts:tagsession",
            "sts:decodeauthorizationmessage",
        ] {
            assert_eq!(
                rule(FederatedUser, action, role),
                Some(AwsRule::FederatedUserStsCall),
                "{action}"
            );
            assert_eq!(rule(User, action, role), None, "{action}");
            assert_eq!(rule(AssumedRole, action, role), None, "{action}");
        }
        assert_eq!(
            rule(FederatedUser, "sts:getcalleridentity", None),
            Some(AwsRule::NoPermissionRequired)
        );
        assert_eq!(
            rule(FederatedUser, "sts:getfederationtoken", None),
            Some(AwsRule::LongTermCredentialsRequired)
        );
        assert_eq!(rule(FederatedUser, "s3:getobject", None), None);
        assert_eq!(
            rule(Root, "sts:assumerole", role),
            Some(AwsRule::RootUserAssumeRole)
        );
        assert_eq!(rule(Root, "sts:tagsession", role), None);
        assert_eq!(rule(User, "sts:assumerole", role), None);
    }

    /// `service_has_rules` is exact: for an action of any other service, every caller and
    /// every resource that is not AWS-owned, `classify` finds no rule (the shortcut request
    /// builders take), and no such action is a trust action.
    #[test]
    fn services_without_rules_classify_to_none() {
        use Caller::*;
        let resources = [
            None,
            Some(("iam", "111122223333", "role/aws-service-role/x")),
            Some(("iam", "111122223333", "role/aws-reserved/x")),
            Some(("kms", "111122223333", "alias/aws/x")),
            Some(("sts", "111122223333", "assumed-role/r/s")),
            Some(("secretsmanager", "111122223333", "secret:db")),
            Some(("s3", "", "bucket/key")),
        ];
        let actions = [
            "secretsmanager:getsecretvalue",
            "s3:putobject",
            "iamx:deleterole",
            "ssts:assumerole",
            "km:createalias",
            "ec2:runinstances",
            "organizations:createpolicy",
        ];
        let mut checked = 0;
        for action in actions {
            let (service, _) = action.split_once(':').unwrap_or_default();
            assert!(!service_has_rules(service), "{action}");
            assert!(!is_trust_action(action), "{action}");
            for c in [
                User,
                Root,
                AssumedRole,
                FederatedUser,
                Role,
                Service,
                Anonymous,
            ] {
                for arn in resources {
                    assert_eq!(rule(c, action, arn), None, "{action} {arn:?}");
                    checked += 1;
                }
            }
        }
        assert_eq!(checked, 7 * 7 * 7);
        // The services that do have rules, and every trust action among them.
        for service in ["sts", "iam", "kms"] {
            assert!(service_has_rules(service));
        }
        for action in TRUST_ACTIONS {
            let (service, _) = action.split_once(':').unwrap_or_default();
            assert!(service_has_rules(service), "{action}");
        }
        // Rules found for each: the shortcut would have been wrong there.
        let slr = Some(("iam", "111122223333", "role/aws-service-role/x"));
        assert_eq!(
            rule(User, "iam:deleterole", slr),
            Some(AwsRule::ReservedRole)
        );
        let alias = Some(("kms", "111122223333", "alias/aws/x"));
        assert_eq!(
            rule(User, "kms:deletealias", alias),
            Some(AwsRule::ReservedAlias)
        );
        assert_eq!(
            rule(User, "sts:getcalleridentity", None),
            Some(AwsRule::NoPermissionRequired)
        );
    }

    #[test]
    fn trust_actions() {
        for a in [
            "sts:assumerole",
            "sts:assumerolewithsaml",
            "sts:assumerolewithwebidentity",
            "sts:tagsession",
            "sts:setsourceidentity",
            "sts:setcontext",
        ] {
            assert!(is_trust_action(a), "{a}");
        }
        for a in [
            "sts:assumeroot",
            "sts:getcalleridentity",
            "sts:assumerolex",
            "iam:passrole",
        ] {
            assert!(!is_trust_action(a), "{a}");
        }
    }

    #[test]
    fn no_permission_and_credentials() {
        use Caller::*;
        for c in [User, Root, AssumedRole, FederatedUser, Role] {
            assert_eq!(
                rule(c, "sts:getcalleridentity", None),
                Some(AwsRule::NoPermissionRequired)
            );
        }
        for c in [Service, Anonymous] {
            assert_eq!(rule(c, "sts:getcalleridentity", None), None);
        }
        assert_eq!(
            rule(User, "sts:getsessiontoken", None),
            Some(AwsRule::NoPermissionRequired)
        );
        assert_eq!(
            rule(AssumedRole, "sts:getsessiontoken", None),
            Some(AwsRule::LongTermCredentialsRequired)
        );
        assert_eq!(rule(User, "sts:getfederationtoken", None), None);
        assert_eq!(
            rule(FederatedUser, "sts:getfederationtoken", None),
            Some(AwsRule::LongTermCredentialsRequired)
        );
    }

    #[test]
    fn aws_owned_and_reserved() {
        use Caller::User;
        let managed = Some(("iam", "aws", "policy/ReadOnlyAccess"));
        assert_eq!(rule(User, "iam:getpolicy", managed), None);
        assert_eq!(rule(User, "iam:listentitiesforpolicy", managed), None);
        for a in [
            "iam:createpolicyversion",
            "iam:deletepolicy",
            "iam:tagpolicy",
            "iam:nosuchaction",
        ] {
            assert_eq!(
                rule(User, a, managed),
                Some(AwsRule::AwsManagedResource),
                "{a}"
            );
        }
        let slr = Some((
            "iam",
            "111122223333",
            "role/aws-service-role/x.amazonaws.com/R",
        ));
        let sso = Some((
            "iam",
            "111122223333",
            "role/aws-reserved/sso.amazonaws.com/R",
        ));
        let plain = Some(("iam", "111122223333", "role/aws-service-roles/R"));
        for a in [
            "iam:deleterole",
            "iam:putrolepolicy",
            "iam:tagrole",
            "iam:passrole",
        ] {
            assert_eq!(rule(User, a, slr), Some(AwsRule::ReservedRole), "{a}");
            assert_eq!(rule(User, a, sso), Some(AwsRule::ReservedRole), "{a}");
            assert_eq!(rule(User, a, plain), None, "{a}");
        }
        assert_eq!(rule(User, "iam:updateroledescription", slr), None);
        assert_eq!(
            rule(User, "iam:updateroledescription", sso),
            Some(AwsRule::ReservedRole)
        );
        assert_eq!(rule(User, "iam:getrole", slr), None);
        assert_eq!(rule(User, "iam:deleteservicelinkedrole", slr), None);
        let alias = Some(("kms", "111122223333", "alias/aws/s3"));
        assert_eq!(
            rule(User, "kms:deletealias", alias),
            Some(AwsRule::ReservedAlias)
        );
        assert_eq!(rule(User, "kms:listaliases", alias), None);
        assert_eq!(
            rule(
                User,
                "kms:deletealias",
                Some(("kms", "111122223333", "alias/awsx"))
            ),
            None
        );
    }

    #[test]
    fn service_linked_roles_by_path_and_account() {
        let slr = b"arn:aws:iam::111122223333:role/aws-service-role/ecs.amazonaws.com/R";
        let session = RoleOf::Session(b"arn:aws:iam::111122223333:role/R");
        // The role itself (its own ARN, with the path) and a session of it.
        assert!(is_service_linked_role(slr, RoleOf::Role(slr)));
        assert!(is_service_linked_role(slr, session));
        let cn = b"arn:aws-cn:iam::111122223333:role/aws-service-role/x/R";
        assert!(is_service_linked_role(
            cn,
            RoleOf::Session(b"arn:aws-cn:iam::111122223333:role/R")
        ));
        // Not the caller's role: another account, partition or name; for a role, any other
        // text than its own ARN (another path).
        for caller in [
            RoleOf::Session(b"arn:aws:iam::444455556666:role/R"),
            RoleOf::Session(b"arn:aws-cn:iam::111122223333:role/R"),
            RoleOf::Session(b"arn:aws:iam::111122223333:role/Other"),
            RoleOf::Session(b"arn:aws:iam::111122223333:role/"),
            RoleOf::Session(b"not an arn"),
            RoleOf::Role(b"arn:aws:iam::111122223333:role/R"),
            RoleOf::Role(b"arn:aws:iam::111122223333:role/aws-service-role/other.amazonaws.com/R"),
        ] {
            assert!(!is_service_linked_role(slr, caller), "{caller:?}");
        }
        // Not a service-linked role: another path, type, service, a region, not an ARN.
        for other in [
            "arn:aws:iam::111122223333:role/aws-service-roles/R",
            "arn:aws:iam::111122223333:role/service-role/R",
            "arn:aws:iam::111122223333:role/R",
            "arn:aws:iam::111122223333:user/aws-service-role/R",
            "arn:aws:sts::111122223333:role/aws-service-role/x/R",
            "arn:aws:iam:us-east-1:111122223333:role/aws-service-role/x/R",
            "role/aws-service-role/x/R",
        ] {
            let bytes = other.as_bytes();
            assert!(!is_service_linked_role(bytes, session), "{other}");
            assert!(
                !is_service_linked_role(bytes, RoleOf::Role(bytes)),
                "{other}"
            );
        }
    }
}
