//! The secret-server workload deployed on iam-policy's [`PolicyStore`], shared by
//! `benches/evaluate.rs` and the comparison package (`benches/compare/src/iam.rs`).
//!
//! Include with `#[path = "iam_setup.rs"] mod iam_setup;` next to `mod workload;`.

use iam_policy::{ContextValue, Decision, Request};
use iam_policy::{PolicyStore, PreparedRequest, RequestBuffer};

use crate::workload::{self, Workload};

/// The store for a workload: every role's identity policy under its role ARN, every secret's
/// resource policy under its ARN (documents with equal text are compiled once).
///
/// # Errors
///
/// A message when a policy or ARN is refused.
pub fn store(w: &Workload) -> Result<PolicyStore, String> {
    let store = PolicyStore::new();
    for role in &w.roles {
        store
            .set_principal_policies(&role.arn, &[role.policy_json.as_str()], None)
            .map_err(|e| format!("role `{}`: {e}", role.arn))?;
    }
    for secret in &w.secrets {
        store
            .set_resource_policy(&secret.arn, &secret.policy_json)
            .map_err(|e| format!("secret `{}`: {e}", secret.arn))?;
    }
    Ok(store)
}

/// The library request for a workload request.
///
/// # Errors
///
/// A message when the request is refused.
pub fn request(r: &workload::Request) -> Result<Request, String> {
    let mut builder = Request::builder()
        .principal(&r.session_arn)
        .action(r.action)
        .resource(&r.resource_arn);
    for (key, value) in &r.context {
        let value = match value {
            workload::ContextValue::String(s) => ContextValue::string(s),
            workload::ContextValue::Bool(b) => ContextValue::bool(*b),
            workload::ContextValue::List(items) => {
                ContextValue::strings(items.iter().map(String::as_str))
            }
        };
        builder = builder.context_value(key, value);
    }
    builder
        .build()
        .map_err(|e| format!("request {}: {e}", r.session_arn))
}

/// The per-call path of a server: the workload request built and prepared in `buffer` from
/// its borrowed strings (no allocation once the buffer is warm).
///
/// # Errors
///
/// The library's error when the request is refused.
pub fn per_call<'b>(
    buffer: &'b mut RequestBuffer,
    r: &workload::Request,
) -> Result<&'b PreparedRequest, iam_policy::RequestError> {
    let mut b = buffer
        .request()
        .principal(&r.session_arn)
        .action(r.action)
        .resource(&r.resource_arn);
    for (key, value) in &r.context {
        b = match value {
            workload::ContextValue::String(s) => b.context_string(key, s),
            workload::ContextValue::Bool(v) => b.context_bool(key, *v),
            workload::ContextValue::List(items) => {
                b.context_strings(key, items.iter().map(String::as_str))
            }
        };
    }
    b.prepare()
}

/// Every workload request, prepared.
///
/// # Errors
///
/// A message when a request is refused.
pub fn prepared(w: &Workload) -> Result<Vec<PreparedRequest>, String> {
    w.requests
        .iter()
        .map(|r| request(r).map(PreparedRequest::new))
        .collect()
}

/// The workload's spelling of a library decision.
#[must_use]
pub fn decision(d: Decision) -> workload::Decision {
    match d {
        Decision::Allow => workload::Decision::Allow,
        Decision::ExplicitDeny => workload::Decision::ExplicitDeny,
        Decision::ImplicitDeny => workload::Decision::ImplicitDeny,
    }
}

/// Checks every decision against the workload's expected one.
///
/// # Errors
///
/// The first mismatches, with the library's explanation.
pub fn verify(
    store: &PolicyStore,
    prepared: &[PreparedRequest],
    w: &Workload,
) -> Result<(), String> {
    let mut wrong = String::new();
    let mut count = 0;
    for (i, (p, r)) in prepared.iter().zip(&w.requests).enumerate() {
        let got = decision(store.evaluate_prepared(p).decision());
        let plain = decision(store.evaluate(p.request()).decision());
        if got != r.expected || plain != r.expected {
            count += 1;
            if count <= 3 {
                wrong.push_str(&format!(
                    "  #{i} {:?}: expected {:?}, got {got:?} (plain {plain:?})\n{}\n",
                    r.kind,
                    r.expected,
                    store.explain(p.request())
                ));
            }
        }
    }
    if count == 0 && prepared.len() == w.requests.len() {
        Ok(())
    } else {
        Err(format!(
            "iam-policy got {count} of {} decisions wrong:\n{wrong}",
            w.requests.len()
        ))
    }
}
