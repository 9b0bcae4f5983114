//! The rule registry: every issue code lint can report, with its default severity, a one-line
//! summary and the page that documents it. Sorted by code; `docs/lint-rules.md` is generated
//! from this table and the fixtures (see `tests/it/lint.rs`).

use super::{RuleInfo, Severity};

const AA: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html";
const GRAMMAR: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html";
const ACTION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html";
const ARNS: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html";
const OPERATORS_IFEXISTS: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists";
const QUOTAS: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html";
const STS: &str = "https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html";
const ORG_QUOTAS: &str =
    "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html";
const SAR: &str = "https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html";
const SM_BPA: &str = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-based-policies.html";
const MULTI: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html";
const NOTACTION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html";
const NOTRESOURCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html";
const CONFUSED_DEPUTY: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html";
const RCP_SYNTAX: &str = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_syntax.html";
const BEST: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html";

/// Every rule, sorted by code.
pub(crate) const ALL: &[RuleInfo] = &[
    RuleInfo {
        code: "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        severity: Severity::Suggestion,
        summary: "an `Allow` with `NotAction` and an `aws:ResourceTag/…` condition: the actions that do not support the key are never allowed",
        help_uri: AA,
    },
    RuleInfo {
        code: "ALLOW_WITH_NOT_ACTION",
        severity: Severity::SecurityWarning,
        summary: "an `Allow` statement with `NotAction` in an identity or resource policy, which grants every action not listed, including future ones",
        help_uri: NOTACTION,
    },
    RuleInfo {
        code: "ALLOW_WITH_NOT_PRINCIPAL",
        severity: Severity::Error,
        summary: "`NotPrincipal` in an `Allow` statement, which AWS no longer supports",
        help_uri: AA,
    },
    RuleInfo {
        code: "ALLOW_WITH_NOT_RESOURCE",
        severity: Severity::SecurityWarning,
        summary: "an `Allow` statement with `NotResource` in an identity or resource policy, which grants every resource not listed",
        help_uri: NOTRESOURCE,
    },
    RuleInfo {
        code: "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        severity: Severity::Suggestion,
        summary: "an `Allow` with an `aws:ResourceTag/…` condition and actions that do not support the key (the catalog lists it for neither the action nor its resource types), which it never allows",
        help_uri: AA,
    },
    RuleInfo {
        code: "ARN_ACCOUNT_NOT_ALLOWED",
        severity: Severity::Error,
        summary: "a resource ARN with an account id for a resource type whose ARNs have none",
        help_uri: AA,
    },
    RuleInfo {
        code: "ARN_REGION_NOT_ALLOWED",
        severity: Severity::Error,
        summary: "a resource ARN with a region for a resource type whose ARNs have none",
        help_uri: AA,
    },
    RuleInfo {
        code: "CATALOG_UNAVAILABLE",
        severity: Severity::Error,
        summary: "the bundled AWS service catalog could not be loaded (an internal error: catalog checks did not run)",
        help_uri: SAR,
    },
    RuleInfo {
        code: "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        severity: Severity::Warning,
        summary: "an `Allow` with `NotAction` that leaves `iam:CreateServiceLinkedRole` allowed, with `NotResource`",
        help_uri: AA,
    },
    RuleInfo {
        code: "CREATE_SLR_WITH_NOT_RESOURCE",
        severity: Severity::Warning,
        summary: "an `Allow` of `iam:CreateServiceLinkedRole` with `NotResource`",
        help_uri: AA,
    },
    RuleInfo {
        code: "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        severity: Severity::Warning,
        summary: "an `Allow` whose action wildcard covers `iam:CreateServiceLinkedRole`, with `NotResource`",
        help_uri: AA,
    },
    RuleInfo {
        code: "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
        severity: Severity::Warning,
        summary: "an `Allow` whose action wildcard covers `iam:CreateServiceLinkedRole`, on every role",
        help_uri: AA,
    },
    RuleInfo {
        code: "CREATE_SLR_WITH_STAR_IN_RESOURCE",
        severity: Severity::Warning,
        summary: "an `Allow` of `iam:CreateServiceLinkedRole` on every role (`\"*\"`)",
        help_uri: AA,
    },
    RuleInfo {
        code: "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        severity: Severity::Warning,
        summary: "an `Allow` with `NotAction` that leaves `iam:CreateServiceLinkedRole` allowed, on every role",
        help_uri: AA,
    },
    RuleInfo {
        code: "DATA_TYPE_MISMATCH",
        severity: Severity::Error,
        summary: "a JSON value of the wrong type, such as `\"Effect\": 1` or `null` as a condition value",
        help_uri: AA,
    },
    RuleInfo {
        code: "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        severity: Severity::SecurityWarning,
        summary: "a `Deny` with `NotAction` and an `aws:ResourceTag/…` condition: the actions that do not support the key are never denied",
        help_uri: AA,
    },
    RuleInfo {
        code: "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        severity: Severity::SecurityWarning,
        summary: "a `Deny` with an `aws:ResourceTag/…` condition and actions that do not support the key, which it never denies",
        help_uri: AA,
    },
    RuleInfo {
        code: "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
        severity: Severity::Error,
        summary: "two condition keys under one operator that differ only in case",
        help_uri: AA,
    },
    RuleInfo {
        code: "EMPTY_ARRAY_ACTION",
        severity: Severity::Suggestion,
        summary: "an empty `Action` or `NotAction` list",
        help_uri: AA,
    },
    RuleInfo {
        code: "EMPTY_ARRAY_CONDITION",
        severity: Severity::Suggestion,
        summary: "a plain condition operator with an empty list of values, which does not affect the policy",
        help_uri: AA,
    },
    RuleInfo {
        code: "EMPTY_ARRAY_CONDITION_FORALLVALUES",
        severity: Severity::Suggestion,
        summary: "`ForAllValues:` with an empty list of values, which matches only when the key is absent",
        help_uri: AA,
    },
    RuleInfo {
        code: "EMPTY_ARRAY_CONDITION_FORANYVALUE",
        severity: Severity::Suggestion,
        summary: "`ForAnyValue:` with an empty list of values, which never matches",
        help_uri: AA,
    },
    RuleInfo {
        code: "EMPTY_ARRAY_CONDITION_IFEXISTS",
        severity: Severity::Suggestion,
        summary: "an `IfExists` operator with an empty list of values, which matches only when the key is absent",
        help_uri: AA,
    },
    RuleInfo {
        code: "EMPTY_ARRAY_PRINCIPAL",
        severity: Severity::Suggestion,
        summary: "a principal type with an empty list of principals",
        help_uri: AA,
    },
    RuleInfo {
        code: "EMPTY_ARRAY_RESOURCE",
        severity: Severity::Suggestion,
        summary: "an empty `Resource` or `NotResource` list",
        help_uri: AA,
    },
    RuleInfo {
        code: "EMPTY_OBJECT_CONDITION",
        severity: Severity::Suggestion,
        summary: "an empty `Condition` object or an operator with no keys",
        help_uri: AA,
    },
    RuleInfo {
        code: "EMPTY_OBJECT_PRINCIPAL",
        severity: Severity::Suggestion,
        summary: "an empty `Principal` or `NotPrincipal` object",
        help_uri: AA,
    },
    RuleInfo {
        code: "EMPTY_SID_VALUE",
        severity: Severity::Suggestion,
        summary: "an empty `Sid`",
        help_uri: AA,
    },
    RuleInfo {
        code: "EMPTY_VARIABLE",
        severity: Severity::Error,
        summary: "an empty policy variable `${}`",
        help_uri: AA,
    },
    RuleInfo {
        code: "FORALLVALUES_ALLOW_WITHOUT_NULL_CHECK",
        severity: Severity::SecurityWarning,
        summary: "`ForAllValues:` on a multivalued key in an `Allow` statement without a `Null` check that the key is present",
        help_uri: MULTI,
    },
    RuleInfo {
        code: "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
        severity: Severity::SecurityWarning,
        summary: "`ForAllValues:` on a single-valued key, which is true when the key is absent",
        help_uri: AA,
    },
    RuleInfo {
        code: "IFEXISTS_ON_ALWAYS_PRESENT_KEY",
        severity: Severity::Suggestion,
        summary: "an `IfExists` operator on a key that every request carries, where the suffix does nothing",
        help_uri: OPERATORS_IFEXISTS,
    },
    RuleInfo {
        code: "IMPROVE_IP_RANGE",
        severity: Severity::Suggestion,
        summary: "a CIDR block with bits set after the prefix length, which are ignored",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_ACTION",
        severity: Severity::Error,
        summary: "an action, or an action pattern, that names no action of its service (the help names the closest one)",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_ACTION_FORMAT",
        severity: Severity::Error,
        summary: "an action that is neither `*` nor `service:action`",
        help_uri: ACTION,
    },
    RuleInfo {
        code: "INVALID_ARN",
        severity: Severity::Error,
        summary: "an ARN pattern the parser cannot read for a reason no other code names (reserved: no document produces it today; a wildcard in the service segment is `WILDCARD_IN_SERVICE_NAME`)",
        help_uri: ARNS,
    },
    RuleInfo {
        code: "INVALID_ARN_ACCOUNT",
        severity: Severity::Error,
        summary: "a resource ARN whose account is not a 12-digit account id",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_ARN_PREFIX",
        severity: Severity::Error,
        summary: "a resource ARN or ARN condition value that does not start with `arn:`",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_ARN_REGION",
        severity: Severity::Error,
        summary: "a resource ARN whose region is not a region name",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_ARN_RESOURCE",
        severity: Severity::Error,
        summary: "a resource ARN that matches no resource type of its service",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_ARN_SERVICE_CASE",
        severity: Severity::Error,
        summary: "a resource ARN whose service name has upper-case letters",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_CONDITION_DATA_TYPE",
        severity: Severity::Error,
        summary: "a list of condition values that mixes JSON types, such as `[10, \"20\"]` or `[true, \"false\"]`",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_CONDITION_KEY_FORMAT",
        severity: Severity::Error,
        summary: "a condition key that is not of the form `service:keyname`",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_CONDITION_MULTIPLE_BOOLEAN",
        severity: Severity::Error,
        summary: "several values under the `Bool` operator",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_CONDITION_OPERATOR",
        severity: Severity::Error,
        summary: "an unknown condition operator (the help names the closest one)",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_DATE_VALUE",
        severity: Severity::Warning,
        summary: "a Date operator value given as epoch seconds instead of a W3C date such as `2026-01-31`",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_EFFECT",
        severity: Severity::Error,
        summary: "`Effect` other than `Allow` or `Deny` (case-sensitive)",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_GLOBAL_CONDITION_KEY",
        severity: Severity::Error,
        summary: "an `aws:` condition key that does not exist (the help names the closest one)",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_PARTITION",
        severity: Severity::Error,
        summary: "a resource ARN whose partition is not an AWS partition (`aws`, `aws-cn`, `aws-us-gov`, ...)",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_POLICY_ELEMENT",
        severity: Severity::Error,
        summary: "an unknown top-level or statement element (element names are case-sensitive)",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_PRINCIPAL_FORMAT",
        severity: Severity::Error,
        summary: "a principal value that is not `\"*\"`, an account id or an IAM or STS principal ARN",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_PRINCIPAL_KEY",
        severity: Severity::Error,
        summary: "a principal type other than `AWS`, `Service`, `Federated` or `CanonicalUser`",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_REGION",
        severity: Severity::Error,
        summary: "an `aws:RequestedRegion` value that is not a region name",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_ROLE_REFERENCE",
        severity: Severity::Warning,
        summary: "a role's unique id (`AROA…`) in `Principal` instead of its ARN: it matches only that role, not one recreated with the same name",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_SERVICE",
        severity: Severity::Error,
        summary: "a condition key whose prefix is not a known AWS service",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_SERVICE_CONDITION_KEY",
        severity: Severity::Error,
        summary: "a condition key that its service does not define (the help names the closest one)",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_SERVICE_IN_ACTION",
        severity: Severity::Error,
        summary: "an action whose service prefix is not a known AWS service (the help names the closest one)",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_SERVICE_PRINCIPAL_FORMAT",
        severity: Severity::Error,
        summary: "a `Service` principal that is not a service domain name such as `lambda.amazonaws.com`",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_USER_REFERENCE",
        severity: Severity::Warning,
        summary: "a user's unique id (`AIDA…`) in `Principal` instead of its ARN: it matches only that user, not one recreated with the same name",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_VARIABLE_FOR_OPERATOR",
        severity: Severity::Error,
        summary: "a policy variable in a value of an operator other than the String and Arn operators",
        help_uri: AA,
    },
    RuleInfo {
        code: "INVALID_VERSION",
        severity: Severity::Error,
        summary: "`Version` other than `2012-10-17` or `2008-10-17` (resource control policies need `2012-10-17`)",
        help_uri: AA,
    },
    RuleInfo {
        code: "JSON_SYNTAX_ERROR",
        severity: Severity::Error,
        summary: "the text is not one JSON object: a syntax error, a duplicate key, or beyond a size or depth limit",
        help_uri: AA,
    },
    RuleInfo {
        code: "MISSING_ACTION",
        severity: Severity::Error,
        summary: "a statement with neither `Action` nor `NotAction`",
        help_uri: AA,
    },
    RuleInfo {
        code: "MISSING_ARN_FIELD",
        severity: Severity::Error,
        summary: "an ARN with fewer than six colon-separated components",
        help_uri: AA,
    },
    RuleInfo {
        code: "MISSING_ARN_REGION",
        severity: Severity::Error,
        summary: "a resource ARN without a region for a resource type whose ARNs need one",
        help_uri: AA,
    },
    RuleInfo {
        code: "MISSING_BRACE_IN_VARIABLE",
        severity: Severity::Error,
        summary: "a policy variable without its closing `}`",
        help_uri: AA,
    },
    RuleInfo {
        code: "MISSING_EFFECT",
        severity: Severity::Error,
        summary: "a statement without `Effect`",
        help_uri: AA,
    },
    RuleInfo {
        code: "MISSING_PAIRED_CONDITION_KEYS",
        severity: Severity::SecurityWarning,
        summary: "`aws:VpcSourceIp` in an `Allow` statement without `aws:SourceVpc`",
        help_uri: AA,
    },
    RuleInfo {
        code: "MISSING_PRINCIPAL",
        severity: Severity::Error,
        summary: "no `Principal` or `NotPrincipal` where the policy type requires one (resource, trust and resource control policies)",
        help_uri: AA,
    },
    RuleInfo {
        code: "MISSING_QUALIFIER",
        severity: Severity::Error,
        summary: "a multivalued condition key used without `ForAllValues:` or `ForAnyValue:`",
        help_uri: AA,
    },
    RuleInfo {
        code: "MISSING_QUOTE_IN_VARIABLE",
        severity: Severity::Error,
        summary: "a policy variable default value not in single quotes",
        help_uri: AA,
    },
    RuleInfo {
        code: "MISSING_RESOURCE",
        severity: Severity::Error,
        summary: "a statement with neither `Resource` nor `NotResource` (all policy types but role trust policies)",
        help_uri: AA,
    },
    RuleInfo {
        code: "MISSING_SOURCE_CONDITION_FOR_SERVICE_PRINCIPAL",
        severity: Severity::SecurityWarning,
        summary: "a resource policy `Allow` to a service principal without a condition on `aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOrgID`, `aws:SourceOrgPaths` or `aws:SourceOwner` (the cross-service confused deputy)",
        help_uri: CONFUSED_DEPUTY,
    },
    RuleInfo {
        code: "MISSING_STATEMENT",
        severity: Severity::Error,
        summary: "no `Statement` element",
        help_uri: AA,
    },
    RuleInfo {
        code: "MISSING_TAG_KEY_IN_CONDITION",
        severity: Severity::Error,
        summary: "a tag condition key without its tag key, such as `aws:ResourceTag` or `aws:ResourceTag/`",
        help_uri: AA,
    },
    RuleInfo {
        code: "MISSING_VERSION",
        severity: Severity::Warning,
        summary: "no `Version` element, so policy variables are literal text (an error in resource control policies, which must say `2012-10-17`)",
        help_uri: AA,
    },
    RuleInfo {
        code: "NULL_WITH_IF_EXISTS",
        severity: Severity::Error,
        summary: "`Null` with the `IfExists` suffix",
        help_uri: AA,
    },
    RuleInfo {
        code: "NULL_WITH_QUALIFIER",
        severity: Severity::Suggestion,
        summary: "`Null` with `ForAllValues:` or `ForAnyValue:`",
        help_uri: AA,
    },
    RuleInfo {
        code: "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        severity: Severity::SecurityWarning,
        summary: "an `Allow` with `NotAction` that leaves `iam:PassRole` allowed, with `NotResource`",
        help_uri: AA,
    },
    RuleInfo {
        code: "PASS_ROLE_WITH_NOT_RESOURCE",
        severity: Severity::SecurityWarning,
        summary: "an `Allow` of `iam:PassRole` with `NotResource`",
        help_uri: AA,
    },
    RuleInfo {
        code: "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        severity: Severity::SecurityWarning,
        summary: "an `Allow` whose action wildcard covers `iam:PassRole`, with `NotResource`",
        help_uri: AA,
    },
    RuleInfo {
        code: "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
        severity: Severity::SecurityWarning,
        summary: "an `Allow` whose action wildcard covers `iam:PassRole`, on every role",
        help_uri: AA,
    },
    RuleInfo {
        code: "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        severity: Severity::SecurityWarning,
        summary: "an `Allow` of `iam:PassRole` on every role (`\"*\"`)",
        help_uri: AA,
    },
    RuleInfo {
        code: "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        severity: Severity::SecurityWarning,
        summary: "an `Allow` with `NotAction` that leaves `iam:PassRole` allowed, on every role",
        help_uri: AA,
    },
    RuleInfo {
        code: "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
        severity: Severity::Warning,
        summary: "an identity policy or permissions boundary longer than 6,144 characters, not counting whitespace",
        help_uri: AA,
    },
    RuleInfo {
        code: "POLICY_SIZE_EXCEEDS_RCP_QUOTA",
        severity: Severity::Error,
        summary: "a resource control policy longer than 5,120 characters, whitespace included",
        help_uri: ORG_QUOTAS,
    },
    RuleInfo {
        code: "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA",
        severity: Severity::Warning,
        summary: "a resource policy longer than 20,480 characters (the Secrets Manager limit), whitespace included",
        help_uri: AA,
    },
    RuleInfo {
        code: "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
        severity: Severity::Error,
        summary: "a service control policy longer than 5,120 characters, whitespace included",
        help_uri: AA,
    },
    RuleInfo {
        code: "POLICY_SIZE_EXCEEDS_SESSION_POLICY_QUOTA",
        severity: Severity::Warning,
        summary: "a session policy longer than 2,048 characters, not counting whitespace",
        help_uri: STS,
    },
    RuleInfo {
        code: "POLICY_SIZE_EXCEEDS_TRUST_POLICY_QUOTA",
        severity: Severity::Warning,
        summary: "a role trust policy longer than 2,048 characters (the default quota), not counting whitespace",
        help_uri: QUOTAS,
    },
    RuleInfo {
        code: "PRIVATE_IP_ADDRESS",
        severity: Severity::Error,
        summary: "`IpAddress` on `aws:SourceIp` with only private addresses, which never match",
        help_uri: AA,
    },
    RuleInfo {
        code: "PRIVATE_IP_ADDRESS_SUBSET",
        severity: Severity::Suggestion,
        summary: "`IpAddress` on `aws:SourceIp` mixing private and public addresses",
        help_uri: AA,
    },
    RuleInfo {
        code: "PRIVATE_NOT_IP_ADDRESS",
        severity: Severity::Error,
        summary: "`NotIpAddress` on `aws:SourceIp` with only private addresses, which has no effect",
        help_uri: AA,
    },
    RuleInfo {
        code: "PRIVATE_NOT_IP_ADDRESS_SUBSET",
        severity: Severity::Suggestion,
        summary: "`NotIpAddress` on `aws:SourceIp` mixing private and public addresses",
        help_uri: AA,
    },
    RuleInfo {
        code: "PUBLIC_ACCESS",
        severity: Severity::SecurityWarning,
        summary: "a resource policy statement that allows a request from an anonymous caller or from an account the policy does not name, shown by the offline analysis with a witness request",
        help_uri: SM_BPA,
    },
    RuleInfo {
        code: "RCP_SYNTAX_ERROR_ALLOW",
        severity: Severity::Error,
        summary: "an `Allow` statement in a resource control policy, which Organizations supports only in the AWS-managed `RCPFullAWSAccess`",
        help_uri: RCP_SYNTAX,
    },
    RuleInfo {
        code: "RCP_SYNTAX_ERROR_NOTACTION",
        severity: Severity::Error,
        summary: "`NotAction` in a resource control policy, which RCPs do not support",
        help_uri: RCP_SYNTAX,
    },
    RuleInfo {
        code: "REDUNDANT_ACTION",
        severity: Severity::Suggestion,
        summary: "an `Action` or `NotAction` entry already covered by another entry of the same list",
        help_uri: AA,
    },
    RuleInfo {
        code: "REDUNDANT_CONDITION_VALUE_NUM",
        severity: Severity::Suggestion,
        summary: "several values under a Numeric less-than or greater-than operator, where one bound suffices",
        help_uri: AA,
    },
    RuleInfo {
        code: "REDUNDANT_RESOURCE",
        severity: Severity::Suggestion,
        summary: "a `Resource` or `NotResource` entry already covered by another entry of the same list",
        help_uri: AA,
    },
    RuleInfo {
        code: "REDUNDANT_STATEMENT",
        severity: Severity::Suggestion,
        summary: "a statement that repeats an earlier one (ignoring `Sid` and the order of list entries)",
        help_uri: AA,
    },
    RuleInfo {
        code: "RESOURCE_MISMATCH",
        severity: Severity::Warning,
        summary: "an action that acts on resource types none of which any entry of `Resource` matches, so the statement never grants it",
        help_uri: SAR,
    },
    RuleInfo {
        code: "SCP_SYNTAX_ERROR_PRINCIPAL",
        severity: Severity::Error,
        summary: "`Principal` or `NotPrincipal` in a service control policy",
        help_uri: AA,
    },
    RuleInfo {
        code: "SENSITIVE_ACTION_WITH_STAR_IN_RESOURCE",
        severity: Severity::SecurityWarning,
        summary: "an identity policy that allows reading secrets, parameters, decrypting or reading objects on `\"*\"` with no condition",
        help_uri: BEST,
    },
    RuleInfo {
        code: "TYPE_MISMATCH",
        severity: Severity::Warning,
        summary: "a condition operator whose type does not fit the key's type, such as a String operator on `aws:CurrentTime`",
        help_uri: AA,
    },
    RuleInfo {
        code: "TYPE_MISMATCH_BOOLEAN",
        severity: Severity::Warning,
        summary: "a `Bool` or `Null` value other than `true` or `false`, which matches no request value",
        help_uri: AA,
    },
    RuleInfo {
        code: "TYPE_MISMATCH_DATE",
        severity: Severity::Warning,
        summary: "a Date operator value that is neither a W3C ISO 8601 date nor epoch seconds, which matches no request value",
        help_uri: AA,
    },
    RuleInfo {
        code: "TYPE_MISMATCH_IP_RANGE",
        severity: Severity::Warning,
        summary: "an IP address operator value that is not an address or CIDR block, which matches no request value",
        help_uri: AA,
    },
    RuleInfo {
        code: "TYPE_MISMATCH_NUMBER",
        severity: Severity::Warning,
        summary: "a Numeric operator value that is not a number, which matches no request value",
        help_uri: AA,
    },
    RuleInfo {
        code: "TYPE_MISMATCH_STRING",
        severity: Severity::Warning,
        summary: "a `BinaryEquals` value that is not base64 text, which matches no request value (formerly `TYPE_MISMATCH_BINARY`)",
        help_uri: AA,
    },
    RuleInfo {
        code: "UNIQUE_SIDS_RECOMMENDED",
        severity: Severity::Warning,
        summary: "two statements with the same `Sid` in a resource policy",
        help_uri: AA,
    },
    RuleInfo {
        code: "UNIQUE_SIDS_REQUIRED",
        severity: Severity::Error,
        summary: "two statements with the same `Sid` in a policy type that requires unique statement ids",
        help_uri: AA,
    },
    RuleInfo {
        code: "UNSUPPORTED_ELEMENT_COMBINATION",
        severity: Severity::Error,
        summary: "`Action` with `NotAction`, `Resource` with `NotResource` or `Principal` with `NotPrincipal` in one statement",
        help_uri: AA,
    },
    RuleInfo {
        code: "UNSUPPORTED_GLOBAL_CONDITION_KEY",
        severity: Severity::Error,
        summary: "the unsupported global key `aws:ARN` (use `aws:PrincipalArn` or `aws:SourceArn`)",
        help_uri: AA,
    },
    RuleInfo {
        code: "UNSUPPORTED_PRINCIPAL",
        severity: Severity::Error,
        summary: "`Principal` or `NotPrincipal` where the policy type forbids it, or a resource control policy principal other than `\"*\"`",
        help_uri: AA,
    },
    RuleInfo {
        code: "UNSUPPORTED_RESOURCE",
        severity: Severity::Error,
        summary: "`Resource` or `NotResource` in a role trust policy",
        help_uri: GRAMMAR,
    },
    RuleInfo {
        code: "UNSUPPORTED_SID",
        severity: Severity::Error,
        summary: "a `Sid` with characters other than `A-Z`, `a-z` and `0-9` in an IAM or Organizations policy",
        help_uri: AA,
    },
    RuleInfo {
        code: "UNSUPPORTED_SPACE_IN_VARIABLE",
        severity: Severity::Error,
        summary: "a space inside a policy variable name; spaces around the name (`${ aws:username }`), which the engine trims, are a `WARNING`",
        help_uri: AA,
    },
    RuleInfo {
        code: "UNSUPPORTED_SYMBOL_IN_VARIABLE",
        severity: Severity::Error,
        summary: "any other malformed policy variable",
        help_uri: AA,
    },
    RuleInfo {
        code: "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
        severity: Severity::Error,
        summary: "`*` or `?` inside a principal value (only `\"*\"` alone is allowed)",
        help_uri: AA,
    },
    RuleInfo {
        code: "VARIABLE_UNSUPPORTED_IN_ELEMENT",
        severity: Severity::Error,
        summary: "a policy variable in `Action`, `NotAction`, a principal or a condition key",
        help_uri: AA,
    },
    RuleInfo {
        code: "VARIABLE_UNSUPPORTED_IN_VERSION",
        severity: Severity::Error,
        summary: "a policy variable in a policy without `\"Version\": \"2012-10-17\"`, where it is literal text",
        help_uri: AA,
    },
    RuleInfo {
        code: "WILDCARD_IN_SERVICE_NAME",
        severity: Severity::Suggestion,
        summary: "a wildcard in the service segment of a resource ARN (`arn:aws:*code*::…`), which may cover services not meant",
        help_uri: AA,
    },
    RuleInfo {
        code: "WILDCARD_WITHOUT_LIKE_OPERATOR",
        severity: Severity::Warning,
        summary: "`*` or `?` in a value of a String operator that compares literally (not `StringLike`)",
        help_uri: AA,
    },
];
