//! Templates and plans on the command line: the resolution flags shared by `lint`, `test` and
//! `eval`, and policy references `FILE#SELECTOR`.
//!
//! A reference names one policy of a CloudFormation template or Terraform plan:
//!
//! * `template.yaml#AppRole.AssumeRolePolicyDocument`: the policy's locator, as `lint` prints
//!   it (CloudFormation: logical id and property path, `AppRole.Policies[0].PolicyDocument`;
//!   Terraform: resource address and attribute, `module.app.aws_iam_role.this.assume_role_policy`);
//! * `template.yaml#AppRole`: the only policy of a resource (an error if it holds several).

use std::collections::BTreeMap;
use std::path::Path;

use clap::Args;
use iam_policy::iac::{self, EmbeddedPolicy, Options, SourceKind};
use serde_json::Value;

use crate::config::IacConfig;

/// Values for resolving CloudFormation templates.
#[derive(Debug, Default, Args)]
pub struct IacArgs {
    /// `AWS::AccountId` in templates (default 123456789012, or `[iac] account_id`).
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// `AWS::Region` in templates (default us-east-1, or `[iac] region`).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// `AWS::Partition` in templates (default aws, or `[iac] partition`).
    #[arg(long, value_name = "PARTITION")]
    pub partition: Option<String>,
    /// A template parameter's value (repeatable); wins over its `Default`.
    #[arg(long = "parameter", value_name = "NAME=VALUE")]
    pub parameters: Vec<String>,
}

impl IacArgs {
    /// The resolution options: flags, then the configuration, then the defaults.
    pub fn options(&self, config: &IacConfig) -> Result<Options, String> {
        let mut o = Options::default();
        if let Some(a) = self.account_id.as_ref().or(config.account_id.as_ref()) {
            if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("--account-id `{a}`: expected 12 digits"));
            }
            o.account_id.clone_from(a);
        }
        if let Some(r) = self.region.as_ref().or(config.region.as_ref()) {
            o.region.clone_from(r);
        }
        if let Some(p) = self.partition.as_ref().or(config.partition.as_ref()) {
            o.partition.clone_from(p);
        }
        let mut params: BTreeMap<String, String> = config.parameters.clone();
        for kv in &self.parameters {
            let Some((k, v)) = kv.split_once('=') else {
                return Err(format!("--parameter `{kv}`: expected NAME=VALUE"));
            };
            params.insert(k.to_owned(), v.to_owned());
        }
        o.parameters = params;
        Ok(o)
    }
}

/// Splits `FILE#SELECTOR`; `None` when there is no `#` or the whole argument names a file.
pub fn split_reference(arg: &str) -> Option<(&str, &str)> {
    if Path::new(arg).exists() {
        return None;
    }
    let (file, selector) = arg.rsplit_once('#')?;
    (!file.is_empty() && !selector.is_empty()).then_some((file, selector))
}

/// One policy taken from a template or plan.
pub struct Referenced {
    /// The policy (its text is what the parser reads).
    pub policy: EmbeddedPolicy,
    /// The template's text, for locations.
    pub source: String,
}

/// Reads `file` and finds the policy `selector` in it.
pub fn resolve(file: &Path, selector: &str, options: &Options) -> Result<Referenced, String> {
    let shown = file.display();
    let bytes = std::fs::read(file).map_err(|e| format!("{shown}: {e}"))?;
    let source = String::from_utf8(bytes).map_err(|e| {
        format!(
            "{shown}: not valid UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    let name = file.to_string_lossy();
    let kind = iac::detect(&name, &source).ok_or_else(|| {
        format!("{shown}: not a CloudFormation template or Terraform plan, so `#{selector}` names nothing")
    })?;
    let mut extraction = iac::extract(&source, kind, options);
    if let Some(e) = extraction.errors.first() {
        let lc = iam_policy::LineIndex::new(&source).line_col(&source, e.span().start);
        return Err(format!("{shown}:{lc}: {} {}", e.code(), e.message()));
    }
    let exact = extraction
        .policies
        .iter()
        .position(|p| p.locator == selector);
    let index = match exact {
        Some(i) => i,
        None => {
            let of_resource: Vec<usize> = extraction
                .policies
                .iter()
                .enumerate()
                .filter(|(_, p)| p.resource == selector)
                .map(|(i, _)| i)
                .collect();
            match of_resource.as_slice() {
                [i] => *i,
                [] => {
                    let known: Vec<&str> = extraction
                        .policies
                        .iter()
                        .map(|p| p.locator.as_str())
                        .collect();
                    return Err(format!(
                        "{shown}: no policy `{selector}` (the {} has: {})",
                        match kind {
                            SourceKind::CloudFormation => "template",
                            SourceKind::TerraformPlan => "plan",
                        },
                        if known.is_empty() {
                            "none".to_owned()
                        } else {
                            known.join(", ")
                        }
                    ));
                }
                many => {
                    let names: Vec<&str> = many
                        .iter()
                        .filter_map(|i| extraction.policies.get(*i))
                        .map(|p| p.locator.as_str())
                        .collect();
                    return Err(format!(
                        "{shown}: `{selector}` holds {} policies; name one: {}",
                        names.len(),
                        names.join(", ")
                    ));
                }
            }
        }
    };
    let policy = extraction.policies.swap_remove(index);
    if !policy.unresolved.is_empty() {
        let mut reasons: Vec<String> = Vec::new();
        for u in &policy.unresolved {
            if !reasons.contains(&u.reason) {
                reasons.push(u.reason.clone());
            }
        }
        return Err(format!(
            "{shown}#{selector}: the policy holds values that cannot be resolved offline, so it cannot be evaluated: {}",
            reasons.join("; ")
        ));
    }
    Ok(Referenced { policy, source })
}

/// The policy slots of a case whose values may be references.
const CASE_SLOTS: &[&str] = &[
    "identity",
    "resource",
    "permissions_boundary",
    "session",
    "scps",
    "rcps",
];

/// Replaces every `{"iac": "FILE#LOCATOR"}` policy of a case's `policies` by the referenced
/// policy's text (a JSON string, which the case format parses as is). `FILE` is relative to
/// `base` (the case file's directory).
pub fn expand_case(line: &str, base: &Path, options: &Options) -> Result<String, String> {
    if !line.contains("\"iac\"") {
        return Ok(line.to_owned());
    }
    let Ok(mut case) = serde_json::from_str::<Value>(line) else {
        // Not JSON: the case reader reports it.
        return Ok(line.to_owned());
    };
    let Some(Value::Object(policies)) = case.get_mut("policies") else {
        return Ok(line.to_owned());
    };
    for slot in CASE_SLOTS {
        if let Some(v) = policies.get_mut(*slot) {
            expand_value(v, base, options, 0)?;
        }
    }
    Ok(case.to_string())
}

fn expand_value(v: &mut Value, base: &Path, options: &Options, depth: u8) -> Result<(), String> {
    match v {
        Value::Object(m) if m.len() == 1 && m.contains_key("iac") => {
            let Some(Value::String(reference)) = m.get("iac") else {
                return Err("`iac` must be a string `FILE#LOCATOR`".to_owned());
            };
            let Some((file, selector)) = reference.rsplit_once('#') else {
                return Err(format!("`iac`: `{reference}` is not FILE#LOCATOR"));
            };
            let r = resolve(&base.join(file), selector, options)?;
            *v = Value::String(r.policy.text);
            Ok(())
        }
        Value::Array(items) if depth < 2 => {
            for item in items {
                expand_value(item, base, options, depth + 1)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}
