//! The secret-server workload deployed on iam-policy's [`PolicyStore`], shared by
//! `benches/evaluate.rs` and the comparison package (`benches/compare/src/iam.rs`).
//!
//! Include with `#[path = "iam_setup.rs"] mod iam_setup;` next to `mod workload;`.

use iam_policy::{ContextKey, ContextValue, Decision, Request};
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

/// The context keys a secret server sets on every call, made once when it starts
/// ([`ContextKey`]: lower-cased and hashed ahead of time).
#[derive(Debug)]
pub struct Keys {
    known: [(&'static str, ContextKey); 5],
}

impl Default for Keys {
    fn default() -> Self {
        let key = |name: &'static str| (name, ContextKey::new(name));
        Self {
            known: [
                key(workload::KEY_SOURCE_IP),
                key(workload::KEY_SECURE_TRANSPORT),
                key(workload::KEY_PRINCIPAL_TAG),
                key(workload::KEY_RESOURCE_TAG),
                key(workload::KEY_VERSION_STAGE),
            ],
        }
    }
}

impl Keys {
    /// The key made for `name`, the `i`-th key of its request. A server knows which key it
    /// sets where; the workload names its keys, so the bench looks each one up per call (the
    /// look-up is timed too: first where the workload puts that key, then among all).
    fn get(&self, i: usize, name: &str) -> Option<&ContextKey> {
        match self.known.get(i) {
            Some((known, key)) if *known == name => Some(key),
            _ => self
                .known
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, key)| key),
        }
    }
}

/// What a server keeps per worker thread for its per-call path: the reused request buffer
/// and the keys made at start-up.
#[derive(Debug, Default)]
pub struct PerCall {
    buffer: RequestBuffer,
    keys: Keys,
}

impl PerCall {
    /// The per-call path of a server: the workload request built and prepared in the buffer
    /// from its borrowed strings (no allocation once the buffer is warm), its context keys
    /// through the keys made at start-up.
    ///
    /// # Errors
    ///
    /// The library's error when the request is refused.
    pub fn call(
        &mut self,
        r: &workload::Request,
    ) -> Result<&PreparedRequest, iam_policy::RequestError> {
        let Self { buffer, keys } = self;
        let mut b = buffer
            .request()
            .principal(&r.session_arn)
            .action(r.action)
            .resource(&r.resource_arn);
        for (i, (name, value)) in r.context.iter().enumerate() {
            b = match (keys.get(i, name), value) {
                (Some(key), workload::ContextValue::String(s)) => b.key_string(key, s),
                (Some(key), workload::ContextValue::Bool(v)) => b.key_bool(key, *v),
                (Some(key), workload::ContextValue::List(items)) => {
                    b.key_strings(key, items.iter().map(String::as_str))
                }
                (None, workload::ContextValue::String(s)) => b.context_string(name, s),
                (None, workload::ContextValue::Bool(v)) => b.context_bool(name, *v),
                (None, workload::ContextValue::List(items)) => {
                    b.context_strings(name, items.iter().map(String::as_str))
                }
            };
        }
        b.prepare()
    }
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
