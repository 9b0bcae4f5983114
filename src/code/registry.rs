//! The rule registry: every issue code, with its default severity, the page that documents it
//! and a one-line summary. Each list is sorted by code; `docs/lint-rules.md` is generated from
//! the lint list and the fixtures (see `tests/it/lint.rs`). Adding an entry adds a [`Code`]
//! variant.

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

const IAC_DOC: &str =
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html";

registry! {
    lint: [
        AllowNotactionWithUnsupportedTagConditionKeyForService = "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE" {
            Suggestion, AA,
            "an `Allow` with `NotAction` and an `aws:ResourceTag/…` condition: the actions that do not support the key are never allowed",
        },
        AllowWithNotAction = "ALLOW_WITH_NOT_ACTION" {
            SecurityWarning, NOTACTION,
            "an `Allow` statement with `NotAction` in an identity or resource policy, which grants every action not listed, including future ones",
        },
        AllowWithNotPrincipal = "ALLOW_WITH_NOT_PRINCIPAL" {
            Error, AA,
            "`NotPrincipal` in an `Allow` statement, which AWS no longer supports",
        },
        AllowWithNotResource = "ALLOW_WITH_NOT_RESOURCE" {
            SecurityWarning, NOTRESOURCE,
            "an `Allow` statement with `NotResource` in an identity or resource policy, which grants every resource not listed",
        },
        AllowWithUnsupportedTagConditionKeyForService = "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE" {
            Suggestion, AA,
            "an `Allow` with an `aws:ResourceTag/…` condition and actions that do not support the key (the catalog lists it for neither the action nor its resource types), which it never allows",
        },
        ArnAccountNotAllowed = "ARN_ACCOUNT_NOT_ALLOWED" {
            Error, AA,
            "a resource ARN with an account id for a resource type whose ARNs have none",
        },
        ArnRegionNotAllowed = "ARN_REGION_NOT_ALLOWED" {
            Error, AA,
            "a resource ARN with a region for a resource type whose ARNs have none",
        },
        CatalogUnavailable = "CATALOG_UNAVAILABLE" {
            Error, SAR,
            "the bundled AWS service catalog could not be loaded (an internal error: catalog checks did not run)",
        },
        CreateSlrWithNotActionAndNotResource = "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE" {
            Warning, AA,
            "an `Allow` with `NotAction` that leaves `iam:CreateServiceLinkedRole` allowed, with `NotResource`",
        },
        CreateSlrWithNotResource = "CREATE_SLR_WITH_NOT_RESOURCE" {
            Warning, AA,
            "an `Allow` of `iam:CreateServiceLinkedRole` with `NotResource`",
        },
        CreateSlrWithStarInActionAndNotResource = "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE" {
            Warning, AA,
            "an `Allow` whose action wildcard covers `iam:CreateServiceLinkedRole`, with `NotResource`",
        },
        CreateSlrWithStarInActionAndResource = "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE" {
            Warning, AA,
            "an `Allow` whose action wildcard covers `iam:CreateServiceLinkedRole`, on every role",
        },
        CreateSlrWithStarInResource = "CREATE_SLR_WITH_STAR_IN_RESOURCE" {
            Warning, AA,
            "an `Allow` of `iam:CreateServiceLinkedRole` on every role (`\"*\"`)",
        },
        CreateSlrWithStarInResourceAndNotAction = "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION" {
            Warning, AA,
            "an `Allow` with `NotAction` that leaves `iam:CreateServiceLinkedRole` allowed, on every role",
        },
        DataTypeMismatch = "DATA_TYPE_MISMATCH" {
            Error, AA,
            "a JSON value of the wrong type, such as `\"Effect\": 1` or `null` as a condition value",
        },
        DenyNotactionWithUnsupportedTagConditionKeyForService = "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE" {
            SecurityWarning, AA,
            "a `Deny` with `NotAction` and an `aws:ResourceTag/…` condition: the actions that do not support the key are never denied",
        },
        DenyWithUnsupportedTagConditionKeyForService = "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE" {
            SecurityWarning, AA,
            "a `Deny` with an `aws:ResourceTag/…` condition and actions that do not support the key, which it never denies",
        },
        DuplicateKeysWithDifferentCase = "DUPLICATE_KEYS_WITH_DIFFERENT_CASE" {
            Error, AA,
            "two condition keys under one operator that differ only in case",
        },
        EmptyArrayAction = "EMPTY_ARRAY_ACTION" {
            Suggestion, AA,
            "an empty `Action` or `NotAction` list",
        },
        EmptyArrayCondition = "EMPTY_ARRAY_CONDITION" {
            Suggestion, AA,
            "a plain condition operator with an empty list of values, which does not affect the policy",
        },
        EmptyArrayConditionForallvalues = "EMPTY_ARRAY_CONDITION_FORALLVALUES" {
            Suggestion, AA,
            "`ForAllValues:` with an empty list of values, which matches only when the key is absent",
        },
        EmptyArrayConditionForanyvalue = "EMPTY_ARRAY_CONDITION_FORANYVALUE" {
            Suggestion, AA,
            "`ForAnyValue:` with an empty list of values, which never matches",
        },
        EmptyArrayConditionIfexists = "EMPTY_ARRAY_CONDITION_IFEXISTS" {
            Suggestion, AA,
            "an `IfExists` operator with an empty list of values, which matches only when the key is absent",
        },
        EmptyArrayPrincipal = "EMPTY_ARRAY_PRINCIPAL" {
            Suggestion, AA,
            "a principal type with an empty list of principals",
        },
        EmptyArrayResource = "EMPTY_ARRAY_RESOURCE" {
            Suggestion, AA,
            "an empty `Resource` or `NotResource` list",
        },
        EmptyObjectCondition = "EMPTY_OBJECT_CONDITION" {
            Suggestion, AA,
            "an empty `Condition` object or an operator with no keys",
        },
        EmptyObjectPrincipal = "EMPTY_OBJECT_PRINCIPAL" {
            Suggestion, AA,
            "an empty `Principal` or `NotPrincipal` object",
        },
        EmptySidValue = "EMPTY_SID_VALUE" {
            Suggestion, AA,
            "an empty `Sid`",
        },
        EmptyVariable = "EMPTY_VARIABLE" {
            Error, AA,
            "an empty policy variable `${}`",
        },
        ForallvaluesAllowWithoutNullCheck = "FORALLVALUES_ALLOW_WITHOUT_NULL_CHECK" {
            SecurityWarning, MULTI,
            "`ForAllValues:` on a multivalued key in an `Allow` statement without a `Null` check that the key is present",
        },
        ForallvaluesWithSingleValuedKey = "FORALLVALUES_WITH_SINGLE_VALUED_KEY" {
            SecurityWarning, AA,
            "`ForAllValues:` on a single-valued key, which is true when the key is absent",
        },
        IfexistsOnAlwaysPresentKey = "IFEXISTS_ON_ALWAYS_PRESENT_KEY" {
            Suggestion, OPERATORS_IFEXISTS,
            "an `IfExists` operator on a key that every request carries, where the suffix does nothing",
        },
        ImproveIpRange = "IMPROVE_IP_RANGE" {
            Suggestion, AA,
            "a CIDR block with bits set after the prefix length, which are ignored",
        },
        InvalidAction = "INVALID_ACTION" {
            Error, AA,
            "an action, or an action pattern, that names no action of its service (the help names the closest one)",
        },
        InvalidActionFormat = "INVALID_ACTION_FORMAT" {
            Error, ACTION,
            "an action that is neither `*` nor `service:action`",
        },
        InvalidArn = "INVALID_ARN" {
            Error, ARNS,
            "an ARN pattern the parser cannot read for a reason no other code names (reserved: no document produces it today; a wildcard in the service segment is `WILDCARD_IN_SERVICE_NAME`)",
        },
        InvalidArnAccount = "INVALID_ARN_ACCOUNT" {
            Error, AA,
            "a resource ARN whose account is not a 12-digit account id",
        },
        InvalidArnPrefix = "INVALID_ARN_PREFIX" {
            Error, AA,
            "a resource ARN or ARN condition value that does not start with `arn:`",
        },
        InvalidArnRegion = "INVALID_ARN_REGION" {
            Error, AA,
            "a resource ARN whose region is not a region name",
        },
        InvalidArnResource = "INVALID_ARN_RESOURCE" {
            Error, AA,
            "a resource ARN that matches no resource type of its service",
        },
        InvalidArnServiceCase = "INVALID_ARN_SERVICE_CASE" {
            Error, AA,
            "a resource ARN whose service name has upper-case letters",
        },
        InvalidConditionDataType = "INVALID_CONDITION_DATA_TYPE" {
            Error, AA,
            "a list of condition values that mixes JSON types, such as `[10, \"20\"]` or `[true, \"false\"]`",
        },
        InvalidConditionKeyFormat = "INVALID_CONDITION_KEY_FORMAT" {
            Error, AA,
            "a condition key that is not of the form `service:keyname`",
        },
        InvalidConditionMultipleBoolean = "INVALID_CONDITION_MULTIPLE_BOOLEAN" {
            Error, AA,
            "several values under the `Bool` operator",
        },
        InvalidConditionOperator = "INVALID_CONDITION_OPERATOR" {
            Error, AA,
            "an unknown condition operator (the help names the closest one)",
        },
        InvalidDateValue = "INVALID_DATE_VALUE" {
            Warning, AA,
            "a Date operator value given as epoch seconds instead of a W3C date such as `2026-01-31`",
        },
        InvalidEffect = "INVALID_EFFECT" {
            Error, AA,
            "`Effect` other than `Allow` or `Deny` (case-sensitive)",
        },
        InvalidGlobalConditionKey = "INVALID_GLOBAL_CONDITION_KEY" {
            Error, AA,
            "an `aws:` condition key that does not exist (the help names the closest one)",
        },
        InvalidPartition = "INVALID_PARTITION" {
            Error, AA,
            "a resource ARN whose partition is not an AWS partition (`aws`, `aws-cn`, `aws-us-gov`, ...)",
        },
        InvalidPolicyElement = "INVALID_POLICY_ELEMENT" {
            Error, AA,
            "an unknown top-level or statement element (element names are case-sensitive)",
        },
        InvalidPrincipalFormat = "INVALID_PRINCIPAL_FORMAT" {
            Error, AA,
            "a principal value that is not `\"*\"`, an account id or an IAM or STS principal ARN",
        },
        InvalidPrincipalKey = "INVALID_PRINCIPAL_KEY" {
            Error, AA,
            "a principal type other than `AWS`, `Service`, `Federated` or `CanonicalUser`",
        },
        InvalidRegion = "INVALID_REGION" {
            Error, AA,
            "an `aws:RequestedRegion` value that is not a region name",
        },
        InvalidRoleReference = "INVALID_ROLE_REFERENCE" {
            Warning, AA,
            "a role's unique id (`AROA…`) in `Principal` instead of its ARN: it matches only that role, not one recreated with the same name",
        },
        InvalidService = "INVALID_SERVICE" {
            Error, AA,
            "a condition key whose prefix is not a known AWS service",
        },
        InvalidServiceConditionKey = "INVALID_SERVICE_CONDITION_KEY" {
            Error, AA,
            "a condition key that its service does not define (the help names the closest one)",
        },
        InvalidServiceInAction = "INVALID_SERVICE_IN_ACTION" {
            Error, AA,
            "an action whose service prefix is not a known AWS service (the help names the closest one)",
        },
        InvalidServicePrincipalFormat = "INVALID_SERVICE_PRINCIPAL_FORMAT" {
            Error, AA,
            "a `Service` principal that is not a service domain name such as `lambda.amazonaws.com`",
        },
        InvalidUserReference = "INVALID_USER_REFERENCE" {
            Warning, AA,
            "a user's unique id (`AIDA…`) in `Principal` instead of its ARN: it matches only that user, not one recreated with the same name",
        },
        InvalidVariableForOperator = "INVALID_VARIABLE_FOR_OPERATOR" {
            Error, AA,
            "a policy variable in a value of an operator other than the String and Arn operators",
        },
        InvalidVersion = "INVALID_VERSION" {
            Error, AA,
            "`Version` other than `2012-10-17` or `2008-10-17` (resource control policies need `2012-10-17`)",
        },
        JsonSyntaxError = "JSON_SYNTAX_ERROR" {
            Error, AA,
            "the text is not one JSON object: a syntax error, a duplicate key, or beyond a size or depth limit",
        },
        MissingAction = "MISSING_ACTION" {
            Error, AA,
            "a statement with neither `Action` nor `NotAction`",
        },
        MissingArnField = "MISSING_ARN_FIELD" {
            Error, AA,
            "an ARN with fewer than six colon-separated components",
        },
        MissingArnRegion = "MISSING_ARN_REGION" {
            Error, AA,
            "a resource ARN without a region for a resource type whose ARNs need one",
        },
        MissingBraceInVariable = "MISSING_BRACE_IN_VARIABLE" {
            Error, AA,
            "a policy variable without its closing `}`",
        },
        MissingEffect = "MISSING_EFFECT" {
            Error, AA,
            "a statement without `Effect`",
        },
        MissingPairedConditionKeys = "MISSING_PAIRED_CONDITION_KEYS" {
            SecurityWarning, AA,
            "`aws:VpcSourceIp` in an `Allow` statement without `aws:SourceVpc`",
        },
        MissingPrincipal = "MISSING_PRINCIPAL" {
            Error, AA,
            "no `Principal` or `NotPrincipal` where the policy type requires one (resource, trust and resource control policies)",
        },
        MissingQualifier = "MISSING_QUALIFIER" {
            Error, AA,
            "a multivalued condition key used without `ForAllValues:` or `ForAnyValue:`",
        },
        MissingQuoteInVariable = "MISSING_QUOTE_IN_VARIABLE" {
            Error, AA,
            "a policy variable default value not in single quotes",
        },
        MissingResource = "MISSING_RESOURCE" {
            Error, AA,
            "a statement with neither `Resource` nor `NotResource` (all policy types but role trust policies)",
        },
        MissingSourceConditionForServicePrincipal = "MISSING_SOURCE_CONDITION_FOR_SERVICE_PRINCIPAL" {
            SecurityWarning, CONFUSED_DEPUTY,
            "a resource policy `Allow` to a service principal without a condition on `aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOrgID`, `aws:SourceOrgPaths` or `aws:SourceOwner` (the cross-service confused deputy)",
        },
        MissingStatement = "MISSING_STATEMENT" {
            Error, AA,
            "no `Statement` element",
        },
        MissingTagKeyInCondition = "MISSING_TAG_KEY_IN_CONDITION" {
            Error, AA,
            "a tag condition key without its tag key, such as `aws:ResourceTag` or `aws:ResourceTag/`",
        },
        MissingVersion = "MISSING_VERSION" {
            Warning, AA,
            "no `Version` element, so policy variables are literal text (an error in resource control policies, which must say `2012-10-17`)",
        },
        NullWithIfExists = "NULL_WITH_IF_EXISTS" {
            Error, AA,
            "`Null` with the `IfExists` suffix",
        },
        NullWithQualifier = "NULL_WITH_QUALIFIER" {
            Suggestion, AA,
            "`Null` with `ForAllValues:` or `ForAnyValue:`",
        },
        PassRoleWithNotActionAndNotResource = "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE" {
            SecurityWarning, AA,
            "an `Allow` with `NotAction` that leaves `iam:PassRole` allowed, with `NotResource`",
        },
        PassRoleWithNotResource = "PASS_ROLE_WITH_NOT_RESOURCE" {
            SecurityWarning, AA,
            "an `Allow` of `iam:PassRole` with `NotResource`",
        },
        PassRoleWithStarInActionAndNotResource = "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE" {
            SecurityWarning, AA,
            "an `Allow` whose action wildcard covers `iam:PassRole`, with `NotResource`",
        },
        PassRoleWithStarInActionAndResource = "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE" {
            SecurityWarning, AA,
            "an `Allow` whose action wildcard covers `iam:PassRole`, on every role",
        },
        PassRoleWithStarInResource = "PASS_ROLE_WITH_STAR_IN_RESOURCE" {
            SecurityWarning, AA,
            "an `Allow` of `iam:PassRole` on every role (`\"*\"`)",
        },
        PassRoleWithStarInResourceAndNotAction = "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION" {
            SecurityWarning, AA,
            "an `Allow` with `NotAction` that leaves `iam:PassRole` allowed, on every role",
        },
        PolicySizeExceedsIdentityPolicyQuota = "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA" {
            Warning, AA,
            "an identity policy or permissions boundary longer than 6,144 characters, not counting whitespace",
        },
        PolicySizeExceedsRcpQuota = "POLICY_SIZE_EXCEEDS_RCP_QUOTA" {
            Error, ORG_QUOTAS,
            "a resource control policy longer than 5,120 characters, whitespace included",
        },
        PolicySizeExceedsResourcePolicyQuota = "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA" {
            Warning, AA,
            "a resource policy longer than 20,480 characters (the Secrets Manager limit), whitespace included",
        },
        PolicySizeExceedsScpQuota = "POLICY_SIZE_EXCEEDS_SCP_QUOTA" {
            Error, AA,
            "a service control policy longer than 5,120 characters, whitespace included",
        },
        PolicySizeExceedsSessionPolicyQuota = "POLICY_SIZE_EXCEEDS_SESSION_POLICY_QUOTA" {
            Warning, STS,
            "a session policy longer than 2,048 characters, not counting whitespace",
        },
        PolicySizeExceedsTrustPolicyQuota = "POLICY_SIZE_EXCEEDS_TRUST_POLICY_QUOTA" {
            Warning, QUOTAS,
            "a role trust policy longer than 2,048 characters (the default quota), not counting whitespace",
        },
        PrivateIpAddress = "PRIVATE_IP_ADDRESS" {
            Error, AA,
            "`IpAddress` on `aws:SourceIp` with only private addresses, which never match",
        },
        PrivateIpAddressSubset = "PRIVATE_IP_ADDRESS_SUBSET" {
            Suggestion, AA,
            "`IpAddress` on `aws:SourceIp` mixing private and public addresses",
        },
        PrivateNotIpAddress = "PRIVATE_NOT_IP_ADDRESS" {
            Error, AA,
            "`NotIpAddress` on `aws:SourceIp` with only private addresses, which has no effect",
        },
        PrivateNotIpAddressSubset = "PRIVATE_NOT_IP_ADDRESS_SUBSET" {
            Suggestion, AA,
            "`NotIpAddress` on `aws:SourceIp` mixing private and public addresses",
        },
        PublicAccess = "PUBLIC_ACCESS" {
            SecurityWarning, SM_BPA,
            "a resource policy statement that allows a request from an anonymous caller or from an account the policy does not name, shown by the offline analysis with a witness request",
        },
        RcpSyntaxErrorAllow = "RCP_SYNTAX_ERROR_ALLOW" {
            Error, RCP_SYNTAX,
            "an `Allow` statement in a resource control policy, which Organizations supports only in the AWS-managed `RCPFullAWSAccess`",
        },
        RcpSyntaxErrorNotaction = "RCP_SYNTAX_ERROR_NOTACTION" {
            Error, RCP_SYNTAX,
            "`NotAction` in a resource control policy, which RCPs do not support",
        },
        RedundantAction = "REDUNDANT_ACTION" {
            Suggestion, AA,
            "an `Action` or `NotAction` entry already covered by another entry of the same list",
        },
        RedundantConditionValueNum = "REDUNDANT_CONDITION_VALUE_NUM" {
            Suggestion, AA,
            "several values under a Numeric less-than or greater-than operator, where one bound suffices",
        },
        RedundantResource = "REDUNDANT_RESOURCE" {
            Suggestion, AA,
            "a `Resource` or `NotResource` entry already covered by another entry of the same list",
        },
        RedundantStatement = "REDUNDANT_STATEMENT" {
            Suggestion, AA,
            "a statement that repeats an earlier one (ignoring `Sid` and the order of list entries)",
        },
        ResourceMismatch = "RESOURCE_MISMATCH" {
            Warning, SAR,
            "an action that acts on resource types none of which any entry of `Resource` matches, so the statement never grants it",
        },
        ScpSyntaxErrorPrincipal = "SCP_SYNTAX_ERROR_PRINCIPAL" {
            Error, AA,
            "`Principal` or `NotPrincipal` in a service control policy",
        },
        SensitiveActionWithStarInResource = "SENSITIVE_ACTION_WITH_STAR_IN_RESOURCE" {
            SecurityWarning, BEST,
            "an identity policy that allows reading secrets, parameters, decrypting or reading objects on `\"*\"` with no condition",
        },
        TypeMismatch = "TYPE_MISMATCH" {
            Warning, AA,
            "a condition operator whose type does not fit the key's type, such as a String operator on `aws:CurrentTime`",
        },
        TypeMismatchBoolean = "TYPE_MISMATCH_BOOLEAN" {
            Warning, AA,
            "a `Bool` or `Null` value other than `true` or `false`, which matches no request value",
        },
        TypeMismatchDate = "TYPE_MISMATCH_DATE" {
            Warning, AA,
            "a Date operator value that is neither a W3C ISO 8601 date nor epoch seconds, which matches no request value",
        },
        TypeMismatchIpRange = "TYPE_MISMATCH_IP_RANGE" {
            Warning, AA,
            "an IP address operator value that is not an address or CIDR block, which matches no request value",
        },
        TypeMismatchNumber = "TYPE_MISMATCH_NUMBER" {
            Warning, AA,
            "a Numeric operator value that is not a number, which matches no request value",
        },
        TypeMismatchString = "TYPE_MISMATCH_STRING" {
            Warning, AA,
            "a `BinaryEquals` value that is not base64 text, which matches no request value (formerly `TYPE_MISMATCH_BINARY`)",
        },
        UniqueSidsRecommended = "UNIQUE_SIDS_RECOMMENDED" {
            Warning, AA,
            "two statements with the same `Sid` in a resource policy",
        },
        UniqueSidsRequired = "UNIQUE_SIDS_REQUIRED" {
            Error, AA,
            "two statements with the same `Sid` in a policy type that requires unique statement ids",
        },
        UnsupportedElementCombination = "UNSUPPORTED_ELEMENT_COMBINATION" {
            Error, AA,
            "`Action` with `NotAction`, `Resource` with `NotResource` or `Principal` with `NotPrincipal` in one statement",
        },
        UnsupportedGlobalConditionKey = "UNSUPPORTED_GLOBAL_CONDITION_KEY" {
            Error, AA,
            "the unsupported global key `aws:ARN` (use `aws:PrincipalArn` or `aws:SourceArn`)",
        },
        UnsupportedPrincipal = "UNSUPPORTED_PRINCIPAL" {
            Error, AA,
            "`Principal` or `NotPrincipal` where the policy type forbids it, or a resource control policy principal other than `\"*\"`",
        },
        UnsupportedResource = "UNSUPPORTED_RESOURCE" {
            Error, GRAMMAR,
            "`Resource` or `NotResource` in a role trust policy",
        },
        UnsupportedSid = "UNSUPPORTED_SID" {
            Error, AA,
            "a `Sid` with characters other than `A-Z`, `a-z` and `0-9` in an IAM or Organizations policy",
        },
        UnsupportedSpaceInVariable = "UNSUPPORTED_SPACE_IN_VARIABLE" {
            Error, AA,
            "a space inside a policy variable name; spaces around the name (`${ aws:username }`), which the engine trims, are a `WARNING`",
        },
        UnsupportedSymbolInVariable = "UNSUPPORTED_SYMBOL_IN_VARIABLE" {
            Error, AA,
            "any other malformed policy variable",
        },
        UnsupportedWildcardInPrincipal = "UNSUPPORTED_WILDCARD_IN_PRINCIPAL" {
            Error, AA,
            "`*` or `?` inside a principal value (only `\"*\"` alone is allowed)",
        },
        VariableUnsupportedInElement = "VARIABLE_UNSUPPORTED_IN_ELEMENT" {
            Error, AA,
            "a policy variable in `Action`, `NotAction`, a principal or a condition key",
        },
        VariableUnsupportedInVersion = "VARIABLE_UNSUPPORTED_IN_VERSION" {
            Error, AA,
            "a policy variable in a policy without `\"Version\": \"2012-10-17\"`, where it is literal text",
        },
        WildcardInServiceName = "WILDCARD_IN_SERVICE_NAME" {
            Suggestion, AA,
            "a wildcard in the service segment of a resource ARN (`arn:aws:*code*::…`), which may cover services not meant",
        },
        WildcardWithoutLikeOperator = "WILDCARD_WITHOUT_LIKE_OPERATOR" {
            Warning, AA,
            "`*` or `?` in a value of a String operator that compares literally (not `StringLike`)",
        },
    ]
    iac: [
        IacPolicySkipped = "IAC_POLICY_SKIPPED" {
            Suggestion, IAC_DOC,
            "A policy in a template or plan could not be read and was not checked (for example a value known only after apply)",
        },
        InvalidIntrinsic = "INVALID_INTRINSIC" {
            Error, "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html",
            "A CloudFormation intrinsic function with the wrong arguments, or naming a parameter, resource, mapping or condition the template does not have",
        },
        InvalidTemplate = "INVALID_TEMPLATE" {
            Error, IAC_DOC,
            "A template or plan without the structure CloudFormation or Terraform gives it (no Resources, a resource without Type, ...)",
        },
        TemplateSyntaxError = "TEMPLATE_SYNTAX_ERROR" {
            Error, IAC_DOC,
            "A template or plan that is not valid YAML or JSON",
        },
        UnknownTag = "UNKNOWN_TAG" {
            Error, "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html",
            "A YAML tag that is not a CloudFormation intrinsic function",
        },
        UnsupportedYaml = "UNSUPPORTED_YAML" {
            Error, "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-formats.html",
            "A YAML feature CloudFormation does not support (aliases, non-string keys)",
        },
    ]
}
