//! Loads a case's policies into a [`PolicyStore`] where the store keeps each kind, so that
//! the corpus test and the reference differential decide cases through the store too.

use iam_policy::Request;
use iam_policy::{PolicyStore, SessionPolicy};

/// The JSON text of one policy of a case (a string holds the document's text as is).
fn text_of(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The JSON texts of a case's policies of one kind (`null` and `[]` give none).
fn texts(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::Array(items) => items.iter().map(text_of).collect(),
        other => vec![text_of(other)],
    }
}

/// The SCP or RCP levels of a case, root first (a flat list is one level).
fn levels(value: &serde_json::Value) -> Vec<Vec<String>> {
    match value {
        serde_json::Value::Array(items) if items.iter().all(serde_json::Value::is_array) => {
            items.iter().map(texts).collect()
        }
        serde_json::Value::Array(items) if !items.is_empty() => vec![texts(value)],
        _ => Vec::new(),
    }
}

/// Loads a case's policies into `store` where the store keeps them: identity policies and
/// boundary under the caller, the resource (or trust) policy under the resource, SCPs under
/// the caller's account, RCPs under the resource's account; the session policy is returned.
/// `None` when the case cannot be held by a store (policies for a caller without a key, two
/// boundaries, a resource policy for `*`, SCPs for a caller without an account).
pub fn load_case(
    store: &PolicyStore,
    policies: &serde_json::Value,
    req: &Request,
) -> Option<Option<SessionPolicy>> {
    let identity = texts(&policies["identity"]);
    let boundary = texts(&policies["permissions_boundary"]);
    let resource = texts(&policies["resource"]);
    let session = texts(&policies["session"]);
    let scps = levels(&policies["scps"]);
    let rcps = levels(&policies["rcps"]);
    let kind = req.principal().kind();
    let keyed = matches!(
        kind,
        iam_policy::CallerKind::User
            | iam_policy::CallerKind::Role
            | iam_policy::CallerKind::AssumedRole
    );
    if !(keyed || identity.is_empty() && boundary.is_empty())
        || boundary.len() > 1
        || resource.len() > 1
        || (!resource.is_empty() && req.resource() == "*")
        || (!scps.is_empty() && req.principal_account().is_none())
        || (!rcps.is_empty() && req.resource_account().is_none())
    {
        return None;
    }
    let refs = |list: &[String]| -> Vec<String> { list.to_vec() };
    if keyed && (!identity.is_empty() || !boundary.is_empty()) {
        let key = match kind {
            iam_policy::CallerKind::AssumedRole => req.principal().role_arn().unwrap(),
            _ => req.principal().as_str(),
        };
        let ids: Vec<&str> = identity.iter().map(String::as_str).collect();
        store
            .set_principal_policies(key, &ids, boundary.first().map(String::as_str))
            .unwrap();
    }
    if let Some(text) = resource.first() {
        if req.resource_kind() == iam_policy::ResourceKind::RoleTrust {
            store.set_trust_policy(req.resource(), text).unwrap();
        } else {
            store.set_resource_policy(req.resource(), text).unwrap();
        }
    }
    for (list, scp) in [(&scps, true), (&rcps, false)] {
        if list.is_empty() {
            continue;
        }
        let owned: Vec<Vec<String>> = list.iter().map(|l| refs(l)).collect();
        let level_refs: Vec<Vec<&str>> = owned
            .iter()
            .map(|l| l.iter().map(String::as_str).collect())
            .collect();
        let levels: Vec<&[&str]> = level_refs.iter().map(Vec::as_slice).collect();
        if scp {
            let account = req.principal_account().unwrap();
            store
                .set_service_control_policies(account, &levels)
                .unwrap();
        } else {
            let account = req.resource_account().unwrap();
            store
                .set_resource_control_policies(account, &levels)
                .unwrap();
        }
    }
    Some(if session.is_empty() {
        None
    } else {
        let docs: Vec<&str> = session.iter().map(String::as_str).collect();
        Some(SessionPolicy::new(&docs).unwrap())
    })
}
