//! The iam-policy adapter.
//!
//! Deployment (interim, until the library has a policy store that keeps identity and resource
//! policies apart and combines them per request):
//!
//! - every role's identity policy and every secret's resource policy is parsed once;
//! - for each (role, secret) pair that the requests use, one [`CompiledPolicySet`] holding that
//!   role's identity policy and that secret's resource policy is compiled once, before timing;
//! - one library [`Request`] per workload request, built once from the session ARN, the action,
//!   the secret ARN and the context (strings as strings, booleans as booleans, lists as
//!   multi-valued keys).
//!
//! Timed: `evaluate` on the pair's compiled set (one call; the library applies IAM's
//! combination rules itself).
//!
//! The pair sets favour iam-policy a little: a real deployment would compile each pair once and
//! cache it, or combine per-role and per-secret sets at request time. [`PENDING`] stays as the
//! switch that makes the harness skip this engine.

use std::collections::HashMap;

use iam_policy::{
    CompiledPolicySet, ContextScalar, Policy, PolicyKind, PolicySet, PolicyType, Request,
    parse_policy,
};

use crate::engine::Engine;
use crate::workload::{ContextValue, Decision, Workload};

/// True while the adapter is a placeholder (the harness then skips it).
pub const PENDING: bool = false;

/// One prepared request.
#[derive(Debug)]
struct Prepared {
    request: Request,
    set: usize,
}

/// iam-policy deployed for one workload.
#[derive(Debug)]
pub struct IamPolicy {
    sets: Vec<CompiledPolicySet>,
    requests: Vec<Prepared>,
}

fn parse(text: &str, kind: PolicyType, what: &str) -> Result<Policy, String> {
    parse_policy(text, kind).map_err(|e| format!("policy of {what}: {e}"))
}

fn request(r: &crate::workload::Request) -> Result<Request, String> {
    let mut builder = Request::builder()
        .principal(&r.session_arn)
        .action(r.action)
        .resource(&r.resource_arn);
    for (key, value) in &r.context {
        let v = match value {
            ContextValue::String(s) => iam_policy::ContextValue::string(s),
            ContextValue::Bool(b) => iam_policy::ContextValue::bool(*b),
            ContextValue::List(items) => iam_policy::ContextValue::Multi(
                items
                    .iter()
                    .map(|s| ContextScalar::String(s.clone()))
                    .collect(),
            ),
        };
        builder = builder.context_value(key, v);
    }
    builder.build().map_err(|e| format!("request: {e}"))
}

impl Engine for IamPolicy {
    const NAME: &'static str = "iam-policy";

    fn prepare(w: &Workload) -> Result<Self, String> {
        let identity = w
            .roles
            .iter()
            .map(|role| parse(&role.policy_json, PolicyType::Identity, &role.arn))
            .collect::<Result<Vec<_>, _>>()?;
        let resource = w
            .secrets
            .iter()
            .map(|secret| parse(&secret.policy_json, PolicyType::Resource, &secret.arn))
            .collect::<Result<Vec<_>, _>>()?;
        let mut index: HashMap<(usize, usize), usize> = HashMap::new();
        let mut sets = Vec::new();
        let mut requests = Vec::with_capacity(w.requests.len());
        for r in &w.requests {
            let set = match index.get(&(r.role, r.secret)) {
                Some(&i) => i,
                None => {
                    let (Some(id), Some(res)) = (identity.get(r.role), resource.get(r.secret))
                    else {
                        return Err(format!("request names unknown role or secret: {r:?}"));
                    };
                    let mut policies = PolicySet::new();
                    policies.add(PolicyKind::Identity, id.clone());
                    policies.add(PolicyKind::Resource, res.clone());
                    sets.push(policies.compile());
                    index.insert((r.role, r.secret), sets.len() - 1);
                    sets.len() - 1
                }
            };
            requests.push(Prepared {
                request: request(r)?,
                set,
            });
        }
        Ok(Self { sets, requests })
    }

    fn decide(&self, i: usize) -> Decision {
        let Some(p) = self.requests.get(i) else {
            return Decision::ImplicitDeny;
        };
        let Some(set) = self.sets.get(p.set) else {
            return Decision::ImplicitDeny;
        };
        match set.evaluate(&p.request).decision() {
            iam_policy::Decision::Allow => Decision::Allow,
            iam_policy::Decision::ExplicitDeny => Decision::ExplicitDeny,
            iam_policy::Decision::ImplicitDeny => Decision::ImplicitDeny,
        }
    }

    fn explain(&self, i: usize) -> String {
        let (Some(p), sets) = (self.requests.get(i), &self.sets) else {
            return String::new();
        };
        sets.get(p.set)
            .map(|set| format!("iam-policy: {:?}", set.explain(&p.request)))
            .unwrap_or_default()
    }
}
