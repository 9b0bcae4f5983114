//! Parity with IAM Access Analyzer: every check of the Access Analyzer policy check reference
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>),
//! with its finding type, against the rule registry and the fixtures. Each AA code is reported
//! here under the same code and finding type, with a fixture that fires, or [`DIFFERENCES`] says
//! why not. `docs/lint-rules.md` carries the table this module generates ([`table`]).

use std::fmt::Write as _;

use iam_policy::lint::{Severity, rule};

/// The checks of the Access Analyzer policy check reference (IAM User Guide), in the page's
/// order: issue code and finding type. Read in December 2026 from the page's source
/// (`doc_source/access-analyzer-reference-policy-checks.md` of `awsdocs/iam-user-guide`, every
/// section heading and finding type) and checked against the current page's list of error
/// checks; codes are the section titles in upper snake case, as the page writes them.
pub const CHECKS: &[(&str, Severity)] = &[
    ("ARN_ACCOUNT_NOT_ALLOWED", Severity::Error),
    ("ARN_REGION_NOT_ALLOWED", Severity::Error),
    ("DATA_TYPE_MISMATCH", Severity::Error),
    ("DUPLICATE_KEYS_WITH_DIFFERENT_CASE", Severity::Error),
    ("INVALID_ACTION", Severity::Error),
    ("INVALID_ARN_ACCOUNT", Severity::Error),
    ("INVALID_ARN_PREFIX", Severity::Error),
    ("INVALID_ARN_REGION", Severity::Error),
    ("INVALID_ARN_RESOURCE", Severity::Error),
    ("INVALID_ARN_SERVICE_CASE", Severity::Error),
    ("INVALID_CONDITION_DATA_TYPE", Severity::Error),
    ("INVALID_CONDITION_KEY_FORMAT", Severity::Error),
    ("INVALID_CONDITION_MULTIPLE_BOOLEAN", Severity::Error),
    ("INVALID_CONDITION_OPERATOR", Severity::Error),
    ("INVALID_EFFECT", Severity::Error),
    ("INVALID_GLOBAL_CONDITION_KEY", Severity::Error),
    ("INVALID_PARTITION", Severity::Error),
    ("INVALID_POLICY_ELEMENT", Severity::Error),
    ("INVALID_PRINCIPAL_FORMAT", Severity::Error),
    ("INVALID_PRINCIPAL_KEY", Severity::Error),
    ("INVALID_REGION", Severity::Error),
    ("INVALID_SERVICE", Severity::Error),
    ("INVALID_SERVICE_CONDITION_KEY", Severity::Error),
    ("INVALID_SERVICE_IN_ACTION", Severity::Error),
    ("INVALID_SERVICE_PRINCIPAL_FORMAT", Severity::Error),
    ("INVALID_VARIABLE_FOR_OPERATOR", Severity::Error),
    ("INVALID_VERSION", Severity::Error),
    ("JSON_SYNTAX_ERROR", Severity::Error),
    ("MISSING_ACTION", Severity::Error),
    ("MISSING_ARN_FIELD", Severity::Error),
    ("MISSING_ARN_REGION", Severity::Error),
    ("MISSING_EFFECT", Severity::Error),
    ("MISSING_PRINCIPAL", Severity::Error),
    ("MISSING_QUALIFIER", Severity::Error),
    ("MISSING_RESOURCE", Severity::Error),
    ("MISSING_STATEMENT", Severity::Error),
    ("MISSING_TAG_KEY_IN_CONDITION", Severity::Error),
    ("NULL_WITH_IF_EXISTS", Severity::Error),
    ("SCP_SYNTAX_ERROR_ACTION_WILDCARD", Severity::Error),
    ("SCP_SYNTAX_ERROR_ALLOW_CONDITION", Severity::Error),
    ("SCP_SYNTAX_ERROR_ALLOW_NOTACTION", Severity::Error),
    ("SCP_SYNTAX_ERROR_ALLOW_RESOURCE", Severity::Error),
    ("SCP_SYNTAX_ERROR_NOTRESOURCE", Severity::Error),
    ("SCP_SYNTAX_ERROR_PRINCIPAL", Severity::Error),
    ("UNIQUE_SIDS_REQUIRED", Severity::Error),
    ("UNSUPPORTED_ELEMENT_COMBINATION", Severity::Error),
    ("UNSUPPORTED_GLOBAL_CONDITION_KEY", Severity::Error),
    ("UNSUPPORTED_PRINCIPAL", Severity::Error),
    ("UNSUPPORTED_SID", Severity::Error),
    ("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", Severity::Error),
    ("MISSING_BRACE_IN_VARIABLE", Severity::Error),
    ("UNSUPPORTED_SYMBOL_IN_VARIABLE", Severity::Error),
    ("MISSING_QUOTE_IN_VARIABLE", Severity::Error),
    ("UNSUPPORTED_SPACE_IN_VARIABLE", Severity::Error),
    ("EMPTY_VARIABLE", Severity::Error),
    ("VARIABLE_UNSUPPORTED_IN_ELEMENT", Severity::Error),
    ("VARIABLE_UNSUPPORTED_IN_VERSION", Severity::Error),
    ("PRIVATE_IP_ADDRESS", Severity::Error),
    ("PRIVATE_NOT_IP_ADDRESS", Severity::Error),
    ("POLICY_SIZE_EXCEEDS_SCP_QUOTA", Severity::Error),
    ("CREATE_SLR_WITH_NOT_RESOURCE", Severity::Warning),
    (
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        Severity::Warning,
    ),
    (
        "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        Severity::Warning,
    ),
    ("CREATE_SLR_WITH_STAR_IN_RESOURCE", Severity::Warning),
    (
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
        Severity::Warning,
    ),
    (
        "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        Severity::Warning,
    ),
    ("DEPRECATED_GLOBAL_CONDITION_KEY", Severity::Warning),
    ("INVALID_DATE_VALUE", Severity::Warning),
    ("INVALID_ROLE_REFERENCE", Severity::Warning),
    ("INVALID_USER_REFERENCE", Severity::Warning),
    ("MISSING_VERSION", Severity::Warning),
    ("UNIQUE_SIDS_RECOMMENDED", Severity::Warning),
    ("WILDCARD_WITHOUT_LIKE_OPERATOR", Severity::Warning),
    (
        "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
        Severity::Warning,
    ),
    ("TYPE_MISMATCH", Severity::Warning),
    ("TYPE_MISMATCH_BOOLEAN", Severity::Warning),
    ("TYPE_MISMATCH_DATE", Severity::Warning),
    ("TYPE_MISMATCH_IP_RANGE", Severity::Warning),
    ("TYPE_MISMATCH_NUMBER", Severity::Warning),
    ("TYPE_MISMATCH_STRING", Severity::Warning),
    ("ALLOW_WITH_NOT_PRINCIPAL", Severity::SecurityWarning),
    (
        "DENY_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        Severity::SecurityWarning,
    ),
    (
        "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        Severity::SecurityWarning,
    ),
    (
        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
        Severity::SecurityWarning,
    ),
    ("MISSING_PAIRED_CONDITION_KEYS", Severity::SecurityWarning),
    ("PASS_ROLE_WITH_NOT_RESOURCE", Severity::SecurityWarning),
    (
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        Severity::SecurityWarning,
    ),
    (
        "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        Severity::SecurityWarning,
    ),
    ("PASS_ROLE_WITH_STAR_IN_RESOURCE", Severity::SecurityWarning),
    (
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
        Severity::SecurityWarning,
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        Severity::SecurityWarning,
    ),
    (
        "ALLOW_NOTACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        Severity::Suggestion,
    ),
    (
        "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        Severity::Suggestion,
    ),
    ("EMPTY_ARRAY_ACTION", Severity::Suggestion),
    ("EMPTY_ARRAY_CONDITION", Severity::Suggestion),
    ("EMPTY_ARRAY_CONDITION_FORALLVALUES", Severity::Suggestion),
    ("EMPTY_ARRAY_CONDITION_FORANYVALUE", Severity::Suggestion),
    ("EMPTY_ARRAY_CONDITION_IFEXISTS", Severity::Suggestion),
    ("EMPTY_ARRAY_PRINCIPAL", Severity::Suggestion),
    ("EMPTY_ARRAY_RESOURCE", Severity::Suggestion),
    ("EMPTY_OBJECT_CONDITION", Severity::Suggestion),
    ("EMPTY_OBJECT_PRINCIPAL", Severity::Suggestion),
    ("EMPTY_SID_VALUE", Severity::Suggestion),
    ("IMPROVE_IP_RANGE", Severity::Suggestion),
    ("NULL_WITH_QUALIFIER", Severity::Suggestion),
    ("PRIVATE_IP_ADDRESS_SUBSET", Severity::Suggestion),
    ("PRIVATE_NOT_IP_ADDRESS_SUBSET", Severity::Suggestion),
    ("REDUNDANT_ACTION", Severity::Suggestion),
    ("REDUNDANT_CONDITION_VALUE_NUM", Severity::Suggestion),
    ("REDUNDANT_RESOURCE", Severity::Suggestion),
    ("REDUNDANT_STATEMENT", Severity::Suggestion),
    ("WILDCARD_IN_SERVICE_NAME", Severity::Suggestion),
];

/// Why an Access Analyzer check is not reported here under its code and finding type.
pub const DIFFERENCES: &[(&str, &str)] = &[
    (
        "SCP_SYNTAX_ERROR_ACTION_WILDCARD",
        "not reported: since September 2025 Organizations accepts the full IAM policy language in \
         SCPs, wildcards anywhere in `Action` included (<https://aws.amazon.com/blogs/security/unlock-new-possibilities-aws-organizations-service-control-policy-now-supports-full-iam-language>); \
         the parser accepts such SCPs and evaluates them as IAM does",
    ),
    (
        "SCP_SYNTAX_ERROR_ALLOW_CONDITION",
        "not reported: SCPs accept `Condition` in `Allow` statements since September 2025 (see \
         `SCP_SYNTAX_ERROR_ACTION_WILDCARD`)",
    ),
    (
        "SCP_SYNTAX_ERROR_ALLOW_NOTACTION",
        "not reported: SCPs accept `NotAction` in `Allow` statements since September 2025 (see \
         `SCP_SYNTAX_ERROR_ACTION_WILDCARD`)",
    ),
    (
        "SCP_SYNTAX_ERROR_ALLOW_RESOURCE",
        "not reported: SCPs accept resource ARNs in `Allow` statements since September 2025 (see \
         `SCP_SYNTAX_ERROR_ACTION_WILDCARD`)",
    ),
    (
        "SCP_SYNTAX_ERROR_NOTRESOURCE",
        "not reported: SCPs accept `NotResource` since September 2025 (see \
         `SCP_SYNTAX_ERROR_ACTION_WILDCARD`)",
    ),
    (
        "DEPRECATED_GLOBAL_CONDITION_KEY",
        "the reference gives `aws:ARN` two checks, this warning and the error \
         `UNSUPPORTED_GLOBAL_CONDITION_KEY`; we report the error only, once per key",
    ),
    (
        "ALLOW_WITH_NOT_PRINCIPAL",
        "an `ERROR` here (a parse error): the current `NotPrincipal` page of the IAM User Guide \
         says `NotPrincipal` with `\"Effect\": \"Allow\"` is not supported \
         (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>)",
    ),
];

/// The finding type as Access Analyzer writes it.
fn name(s: Severity) -> &'static str {
    s.as_str()
}

/// How each check compares: `(code, AA severity, ours, fixture, difference)`.
pub fn rows(
    fire_fixture: impl Fn(&str) -> Option<String>,
) -> Vec<(&'static str, Severity, String, String, Option<&'static str>)> {
    CHECKS
        .iter()
        .map(|&(code, severity)| {
            let ours = rule(code).map_or_else(
                || "not reported".to_owned(),
                |r| format!("`{}` {}", r.code, name(r.severity)),
            );
            let fixture = fire_fixture(code).map_or_else(|| "—".to_owned(), |f| format!("`{f}`"));
            let diff = DIFFERENCES
                .iter()
                .find(|(c, _)| *c == code)
                .map(|(_, d)| *d);
            (code, severity, ours, fixture, diff)
        })
        .collect()
}

/// The Markdown section for `docs/lint-rules.md`.
pub fn table(fire_fixture: impl Fn(&str) -> Option<String>) -> String {
    let rows = rows(fire_fixture);
    let same = rows
        .iter()
        .filter(|(c, s, ..)| rule(c).is_some_and(|r| r.severity == *s))
        .count();
    let mut out = String::new();
    out.push_str("## Access Analyzer parity\n\n");
    let aa = "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html";
    writeln!(
        out,
        "Every check of the [Access Analyzer policy check reference]({aa}): {same} of {} are \
         reported here under the same issue code and finding type, each with a fixture that \
         fires; the notes under the table say why the others differ.\n",
        rows.len()
    )
    .unwrap();
    out.push_str("| AA code | AA type | Ours | Fixture |\n| --- | --- | --- | --- |\n");
    for (code, severity, ours, fixture, diff) in &rows {
        let mark = if diff.is_some() { " (see below)" } else { "" };
        writeln!(
            out,
            "| `{code}` | {} | {ours}{mark} | {fixture} |",
            name(*severity)
        )
        .unwrap();
    }
    out.push_str("\nWhere we differ:\n\n");
    for (code, _, _, _, diff) in &rows {
        if let Some(d) = diff {
            writeln!(out, "- `{code}`: {d}").unwrap();
        }
    }
    out
}
