//! regorus (Rego), with the workload's IAM JSON documents as data.
//!
//! - Data, loaded once: `roles[<role ARN>].policy` and `secrets[<secret ARN>].policy` hold the
//!   identity and resource policies exactly as the workload writes them (IAM JSON).
//! - Policy: `iam.rego`, a small IAM evaluator over those documents (explicit deny wins; same
//!   account: identity or resource policy; cross-account: both).
//! - One input document per workload request, built before timing: the session ARN, its role ARN
//!   (the session-to-role mapping is done outside the timed region, as for Cedar), both accounts,
//!   the action, the secret ARN, and the context with lower-cased keys.
//! - Timed: `set_input` and `eval_rule("data.iam.decision")` on one engine.

use std::cell::RefCell;

use regorus::Value;
use serde_json::{Map, json};

use crate::engine::Engine;
use crate::workload::{ContextValue, Decision, Workload};

/// The Rego policy.
pub const POLICY: &str = include_str!("iam.rego");

/// The rule that holds the decision.
const RULE: &str = "data.iam.decision";

/// regorus deployed for one workload.
#[derive(Debug)]
pub struct Regorus {
    engine: RefCell<regorus::Engine>,
    inputs: Vec<Value>,
}

fn data_document(w: &Workload) -> Result<String, String> {
    let parse = |text: &str| {
        serde_json::from_str::<serde_json::Value>(text).map_err(|e| format!("policy json: {e}"))
    };
    let mut roles = Map::new();
    for role in &w.roles {
        roles.insert(role.arn.clone(), json!({ "policy": parse(&role.policy_json)? }));
    }
    let mut secrets = Map::new();
    for secret in &w.secrets {
        secrets.insert(secret.arn.clone(), json!({ "policy": parse(&secret.policy_json)? }));
    }
    Ok(json!({ "roles": roles, "secrets": secrets }).to_string())
}

fn input_document(r: &crate::workload::Request) -> String {
    let mut context = Map::new();
    for (key, value) in &r.context {
        let v = match value {
            ContextValue::String(s) => json!(s),
            ContextValue::Bool(b) => json!(b),
            ContextValue::List(items) => json!(items),
        };
        context.insert(key.to_ascii_lowercase(), v);
    }
    json!({
        "principal": r.session_arn,
        "principal_role": r.role_arn,
        "principal_account": r.principal_account,
        "action": r.action,
        "resource": r.resource_arn,
        "resource_account": r.resource_account,
        "context": context,
    })
    .to_string()
}

impl Engine for Regorus {
    const NAME: &'static str = "regorus";

    fn prepare(w: &Workload) -> Result<Self, String> {
        let mut engine = regorus::Engine::new();
        engine
            .add_policy("iam.rego".to_owned(), POLICY.to_owned())
            .map_err(|e| format!("rego policy: {e}"))?;
        let data = Value::from_json_str(&data_document(w)?).map_err(|e| format!("data: {e}"))?;
        engine.add_data(data).map_err(|e| format!("data: {e}"))?;
        let inputs = w
            .requests
            .iter()
            .map(|r| Value::from_json_str(&input_document(r)).map_err(|e| format!("input: {e}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            engine: RefCell::new(engine),
            inputs,
        })
    }

    fn decide(&self, i: usize) -> Decision {
        let Some(input) = self.inputs.get(i) else {
            return Decision::ImplicitDeny;
        };
        let mut engine = self.engine.borrow_mut();
        engine.set_input(input.clone());
        match engine.eval_rule(RULE.to_owned()) {
            Ok(v) => match v.as_string().map(|s| s.as_ref().to_owned()).as_deref() {
                Ok("Allow") => Decision::Allow,
                Ok("ExplicitDeny") => Decision::ExplicitDeny,
                _ => Decision::ImplicitDeny,
            },
            Err(_) => Decision::ImplicitDeny,
        }
    }

    fn explain(&self, i: usize) -> String {
        let Some(input) = self.inputs.get(i) else {
            return String::new();
        };
        let mut engine = self.engine.borrow_mut();
        engine.set_input(input.clone());
        let mut out = String::new();
        for rule in [
            "data.iam.decision",
            "data.iam.identity_allows",
            "data.iam.resource_allows",
            "data.iam.explicit_deny",
        ] {
            match engine.eval_rule(rule.to_owned()) {
                Ok(v) => out.push_str(&format!("{rule} = {v}; ")),
                Err(e) => out.push_str(&format!("{rule} error {e}; ")),
            }
        }
        out
    }
}
