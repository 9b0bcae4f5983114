//! `.iam-policy.toml`: per-code severity overrides and suppressions.
//!
//! ```toml
//! [severity]
//! REDUNDANT_ACTION = "WARNING"          # any code -> ERROR | SECURITY_WARNING | WARNING | SUGGESTION
//!
//! [[suppress]]
//! code = "PUBLIC_ACCESS"                # required
//! files = "policies/public/*.json"      # required: a glob on the file path as shown
//! path = "Statement[0].Principal"       # optional: only findings at this JSON path
//! reason = "the bucket is a public website"   # required
//!
//! [[policy_type]]                       # the type of matching files when --policy-type is auto
//! files = "org/scp-*.json"              # a glob on the file path as shown
//! type = "scp"                          # identity|resource|trust|boundary|session|scp|rcp
//!
//! [iac]                                 # CloudFormation templates (flags win over these)
//! account_id = "111122223333"           # AWS::AccountId (default 123456789012)
//! region = "eu-west-1"                  # AWS::Region (default us-east-1)
//! partition = "aws"                     # AWS::Partition (default aws)
//! parameters = { Env = "prod" }         # template parameter values
//! ```
//!
//! A `[[suppress]]` entry may also name `policy = "AppRole.AssumeRolePolicyDocument"`: only
//! findings in that policy of a template or plan (its locator).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use iam_policy::PolicyType;
use iam_policy::lint::{Code, Severity};
use serde::Deserialize;

/// The file name searched upward from the working directory.
pub const CONFIG_FILE: &str = ".iam-policy.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    severity: BTreeMap<String, String>,
    #[serde(default)]
    suppress: Vec<RawSuppression>,
    #[serde(default)]
    policy_type: Vec<RawPolicyType>,
    #[serde(default)]
    iac: IacConfig,
}

/// `[iac]`: values for resolving CloudFormation templates.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IacConfig {
    /// `AWS::AccountId`.
    pub account_id: Option<String>,
    /// `AWS::Region`.
    pub region: Option<String>,
    /// `AWS::Partition`.
    pub partition: Option<String>,
    /// Template parameter values.
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicyType {
    files: String,
    #[serde(rename = "type")]
    policy_type: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSuppression {
    code: String,
    files: String,
    path: Option<String>,
    policy: Option<String>,
    reason: String,
}

/// One suppression rule.
#[derive(Debug)]
struct Suppression {
    code: Code,
    files: glob::Pattern,
    path: Option<String>,
    policy: Option<String>,
}

/// A loaded configuration (empty when there is no file).
#[derive(Debug, Default)]
pub struct Config {
    severity: BTreeMap<Code, Severity>,
    suppress: Vec<Suppression>,
    types: Vec<(glob::Pattern, PolicyType)>,
    /// `[iac]`.
    pub iac: IacConfig,
}

impl Config {
    /// Loads `explicit`, or the nearest `.iam-policy.toml` upward from the working directory,
    /// or nothing when `disabled`.
    pub fn load(explicit: Option<&Path>, disabled: bool) -> Result<Self, String> {
        if disabled {
            return Ok(Self::default());
        }
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None => find_upward(),
        };
        let Some(path) = path else {
            return Ok(Self::default());
        };
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{shown}: {e}"))?;
        Self::parse(&text).map_err(|e| format!("{shown}: {e}"))
    }

    /// Parses the TOML text of a configuration.
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut severity = BTreeMap::new();
        for (code, sev) in raw.severity {
            let known = known_code(&code, "severity of")?;
            let s = Severity::from_name(&sev).ok_or_else(|| {
                format!("severity of `{code}`: unknown severity `{sev}` (expected ERROR, SECURITY_WARNING, WARNING or SUGGESTION)")
            })?;
            severity.insert(known, s);
        }
        let mut suppress = Vec::new();
        for s in raw.suppress {
            let code = known_code(&s.code, "suppression of")?;
            if s.reason.trim().is_empty() {
                return Err(format!(
                    "suppression of `{}`: `reason` must not be empty",
                    s.code
                ));
            }
            let files = glob::Pattern::new(&s.files)
                .map_err(|e| format!("suppression of `{}`: bad glob `{}`: {e}", s.code, s.files))?;
            suppress.push(Suppression {
                code,
                files,
                path: s.path,
                policy: s.policy,
            });
        }
        let mut types = Vec::new();
        for t in raw.policy_type {
            let ty = PolicyType::from_name(&t.policy_type).ok_or_else(|| {
                format!(
                    "policy_type for `{}`: unknown type `{}` (expected identity, resource, trust, boundary, session, scp or rcp)",
                    t.files, t.policy_type
                )
            })?;
            let files = glob::Pattern::new(&t.files)
                .map_err(|e| format!("policy_type: bad glob `{}`: {e}", t.files))?;
            types.push((files, ty));
        }
        Ok(Self {
            severity,
            suppress,
            types,
            iac: raw.iac,
        })
    }

    /// The configured severity of `code`, if overridden.
    pub fn severity_override(&self, code: Code) -> Option<Severity> {
        self.severity.get(&code).copied()
    }

    /// The configured policy type of `file`: the first `[[policy_type]]` whose glob matches.
    pub fn policy_type(&self, file: &str) -> Option<PolicyType> {
        self.types
            .iter()
            .find(|(glob, _)| glob.matches(file))
            .map(|(_, ty)| *ty)
    }

    /// Whether a finding of `code` in `file` at JSON `path` (in the template or plan policy
    /// `policy`, if any) is suppressed.
    pub fn is_suppressed(&self, code: Code, file: &str, path: &str, policy: Option<&str>) -> bool {
        self.suppress.iter().any(|s| {
            s.code == code
                && s.files.matches(file)
                && s.path.as_deref().is_none_or(|p| p == path)
                && s.policy.as_deref().is_none_or(|p| Some(p) == policy)
        })
    }
}

fn find_upward() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    loop {
        let candidate = dir.join(CONFIG_FILE);
        if candidate.is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// The lint or parse code named `code`; an error for any other text (a misspelt code would
/// silently do nothing).
fn known_code(code: &str, what: &str) -> Result<Code, String> {
    iam_policy::lint::rule(code)
        .map(|r| r.code)
        .ok_or_else(|| format!("{what} `{code}`: unknown code (docs/lint-rules.md lists them)"))
}
