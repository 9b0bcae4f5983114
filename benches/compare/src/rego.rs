//! regorus (Rego), with the workload's IAM JSON documents as data.
//!
//! - Data, loaded once: `roles[<role ARN>].policy` and `secrets[<secret ARN>].policy` hold the
//!   identity and resource policies exactly as the workload writes them (IAM JSON).
//! - Policy: `iam.rego`, a small IAM evaluator over those documents (explicit deny wins; same
//!   account: identity or resource policy; cross-account: both).
//! - One input document per workload request, built before timing: the session ARN, its role ARN
//!   (the session-to-role mapping is done outside the timed region, as for Cedar), both accounts,
//!   the action, the secret ARN, and the context with lower-cased keys.
//! - Timed, interpreter ([`Regorus`]): `set_input` and `eval_rule("data.iam.decision")` on one
//!   engine.
//! - Timed, Rego virtual machine ([`RegorusVm`], regorus' compiled mode): the same policy compiled
//!   to an RVM program once; per request `set_input` and `execute` on one VM.

use std::cell::RefCell;

use regorus::Value;
use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::RegoVM;
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
        roles.insert(
            role.arn.clone(),
            json!({ "policy": parse(&role.policy_json)? }),
        );
    }
    let mut secrets = Map::new();
    for secret in &w.secrets {
        secrets.insert(
            secret.arn.clone(),
            json!({ "policy": parse(&secret.policy_json)? }),
        );
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

/// The per-call input of request `i`: its JSON document built from the workload's strings
/// and read into a regorus value.
fn per_call_input(w: &Workload, i: usize) -> Option<Value> {
    let r = w.requests.get(i)?;
    Value::from_json_str(&input_document(r)).ok()
}

fn to_decision<E>(v: &Result<Value, E>) -> Decision {
    match v.as_ref().map(Value::as_string) {
        Ok(Ok(s)) => match s.as_ref() {
            "Allow" => Decision::Allow,
            "ExplicitDeny" => Decision::ExplicitDeny,
            _ => Decision::ImplicitDeny,
        },
        _ => Decision::ImplicitDeny,
    }
}

fn engine_and_inputs(w: &Workload) -> Result<(regorus::Engine, Vec<Value>), String> {
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
    Ok((engine, inputs))
}

impl Engine for Regorus {
    const NAME: &'static str = "regorus";

    fn prepare(w: &Workload) -> Result<Self, String> {
        let (engine, inputs) = engine_and_inputs(w)?;
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
        to_decision(&engine.eval_rule(RULE.to_owned()))
    }

    fn decide_per_call(&self, w: &Workload, i: usize) -> Option<Decision> {
        // The input document built from the workload's strings (as a server receiving the
        // request would), read into a regorus value, then decided as in `decide`.
        let input = per_call_input(w, i)?;
        let mut engine = self.engine.borrow_mut();
        engine.set_input(input);
        Some(to_decision(&engine.eval_rule(RULE.to_owned())))
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

/// regorus' Rego virtual machine deployed for one workload.
#[derive(Debug)]
pub struct RegorusVm {
    vm: RefCell<RegoVM>,
    inputs: Vec<Value>,
}

impl Engine for RegorusVm {
    const NAME: &'static str = "regorus-rvm";

    fn prepare(w: &Workload) -> Result<Self, String> {
        let (mut engine, inputs) = engine_and_inputs(w)?;
        let data = engine.get_data();
        let rule: regorus::Rc<str> = RULE.into();
        let compiled = engine
            .compile_with_entrypoint(&rule)
            .map_err(|e| format!("rego compile: {e}"))?;
        let program = Compiler::compile_from_policy(&compiled, &[RULE])
            .map_err(|e| format!("rvm compile: {e}"))?;
        let mut vm = RegoVM::new_with_policy(compiled);
        vm.load_program(program);
        vm.set_max_instructions(10_000_000);
        vm.set_data(data).map_err(|e| format!("rvm data: {e}"))?;
        Ok(Self {
            vm: RefCell::new(vm),
            inputs,
        })
    }

    fn decide(&self, i: usize) -> Decision {
        let Some(input) = self.inputs.get(i) else {
            return Decision::ImplicitDeny;
        };
        let mut vm = self.vm.borrow_mut();
        vm.set_input(input.clone());
        to_decision(&vm.execute())
    }

    fn decide_per_call(&self, w: &Workload, i: usize) -> Option<Decision> {
        let input = per_call_input(w, i)?;
        let mut vm = self.vm.borrow_mut();
        vm.set_input(input);
        Some(to_decision(&vm.execute()))
    }

    fn explain(&self, i: usize) -> String {
        let Some(input) = self.inputs.get(i) else {
            return String::new();
        };
        let mut vm = self.vm.borrow_mut();
        vm.set_input(input.clone());
        format!("rvm: {:?}", vm.execute().map(|v| v.to_string()))
    }
}
