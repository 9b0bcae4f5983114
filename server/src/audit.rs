//! The audit trail: one CloudTrail-style JSON line per call
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>)
//! with the authorization decisions and their deciding statements. Secret values never
//! appear: `SecretString`, `SecretBinary` and credentials are left out of the parameters.

use std::io::Write;
use std::sync::Mutex;

use serde_json::{Map, Value, json};

use crate::call::AuditDecision;

/// Parameters never written to the audit trail.
pub const REDACTED: &[&str] = &[
    "SecretString",
    "SecretBinary",
    "SecretAccessKey",
    "SessionToken",
];

/// Where audit lines go.
pub struct Audit {
    out: Mutex<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for Audit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Audit(..)")
    }
}

impl Audit {
    /// Audit lines to `out`.
    pub fn new(out: Box<dyn Write + Send>) -> Self {
        Self {
            out: Mutex::new(out),
        }
    }

    /// Writes one event as a line and flushes it, with the call's authorization decisions
    /// (when it got as far as deciding) as its `authorization` array.
    pub fn write(&self, event: &Value, decisions: Option<&[AuditDecision]>) {
        // Serializing a JSON value into a vector cannot fail.
        let mut line = serde_json::to_vec(event).unwrap_or_default();
        if let Some(decisions) = decisions
            && line.last() == Some(&b'}')
        {
            line.pop();
            if line.len() > 1 {
                line.push(b',');
            }
            line.extend_from_slice(b"\"authorization\":[");
            for (i, d) in decisions.iter().enumerate() {
                if i > 0 {
                    line.push(b',');
                }
                d.write_json(&mut line);
            }
            line.extend_from_slice(b"]}");
        }
        line.push(b'\n');
        if let Ok(mut out) = self.out.lock() {
            // An audit line that cannot be written is reported on stderr; the call was
            // already answered.
            if let Err(e) = out.write_all(&line).and_then(|()| out.flush()) {
                eprintln!("iam-policy-server: cannot write the audit line: {e}");
            }
        }
    }
}

/// The request parameters without secret values.
pub fn redact(params: &Map<String, Value>) -> Value {
    let mut out = Map::new();
    for (k, v) in params {
        if !REDACTED.contains(&k.as_str()) {
            out.insert(k.clone(), v.clone());
        }
    }
    Value::Object(out)
}

/// `userIdentity` for a verified caller.
pub fn user_identity(id: &crate::authz::Identity) -> Value {
    let mut v = json!({
        "type": id.kind,
        "principalId": id.user_id,
        "arn": id.arn,
        "accountId": id.account,
        "accessKeyId": id.access_key_id,
    });
    if let Some(name) = &id.username {
        crate::set(&mut v, "userName", json!(name));
    }
    if id.kind == "AssumedRole" {
        crate::set(
            &mut v,
            "sessionContext",
            json!({
                "sessionIssuer": {"type": "Role", "arn": id.principal_arn, "accountId": id.account},
                "sessionPolicy": id.session_policy.is_some(),
            }),
        );
    }
    v
}
