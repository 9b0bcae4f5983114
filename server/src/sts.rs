//! STS on the same endpoint (query protocol): `AssumeRole`, decided against the role's trust
//! policy and the caller's policies, issuing temporary credentials that carry the session's
//! tags and session policy; and `GetCallerIdentity`, which needs no permission
//! (<https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::authz::{Identity, KeyEntry, TemplateSlot};
use crate::call::{AuditDecision, Call, Keys, Named, TagPrefix};
use crate::error::{ApiError, xml_escape};

/// The largest packed session policy (AWS: 2,048 characters).
pub const MAX_SESSION_POLICY_CHARS: usize = 2048;

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `Prefix.member.N[.Suffix]` values in order of N.
fn members(
    params: &[(String, String)],
    prefix: &str,
    suffix: Option<&str>,
) -> Vec<(usize, String)> {
    let mut out: Vec<(usize, String)> = params
        .iter()
        .filter_map(|(k, v)| {
            let rest = k.strip_prefix(prefix)?.strip_prefix(".member.")?;
            let (n, tail) = match rest.split_once('.') {
                Some((n, t)) => (n, Some(t)),
                None => (rest, None),
            };
            if tail != suffix {
                return None;
            }
            Some((n.parse().ok()?, v.clone()))
        })
        .collect();
    out.sort();
    out
}

fn random_text(n: usize, alphabet: &[u8]) -> Result<String, ApiError> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(b.iter()
        .map(|x| {
            alphabet
                .get(usize::from(*x) % alphabet.len())
                .map_or('A', |c| char::from(*c))
        })
        .collect())
}

/// Dispatches an STS action; returns the XML body.
///
/// # Errors
///
/// AWS's error for the action.
pub fn dispatch(
    call: &mut Call<'_>,
    action: &str,
    params: &[(String, String)],
) -> Result<String, ApiError> {
    match action {
        "GetCallerIdentity" => {
            call.decisions.push(AuditDecision::without_statements(
                "sts:GetCallerIdentity",
                "*",
                "NotRequired",
            ));
            let id = call.identity;
            Ok(format!(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                 <GetCallerIdentityResult><Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account>\
                 </GetCallerIdentityResult><ResponseMetadata><RequestId>{{REQUEST_ID}}</RequestId>\
                 </ResponseMetadata></GetCallerIdentityResponse>",
                xml_escape(&id.arn),
                xml_escape(&id.user_id),
                xml_escape(&id.account)
            ))
        }
        "AssumeRole" => assume_role(call, params),
        _ => Err(ApiError::new(
            "InvalidAction",
            400,
            format!("Could not find operation {action} for version 2011-06-15"),
        )),
    }
}

fn assume_role(call: &mut Call<'_>, params: &[(String, String)]) -> Result<String, ApiError> {
    let missing = |name: &str| {
        ApiError::new(
            "ValidationError",
            400,
            format!(
                "1 validation error detected: Value null at '{name}' failed to satisfy constraint: Member must not be null"
            ),
        )
    };
    let role_arn = param(params, "RoleArn").ok_or_else(|| missing("roleArn"))?;
    let session = param(params, "RoleSessionName").ok_or_else(|| missing("roleSessionName"))?;
    if !(2..=64).contains(&session.len())
        || !session
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_+=,.@-".contains(&b))
    {
        return Err(ApiError::new(
            "ValidationError",
            400,
            "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
        ));
    }
    let duration = match param(params, "DurationSeconds") {
        Some(d) => d.parse::<i64>().map_err(|_| {
            ApiError::new("ValidationError", 400, "DurationSeconds must be a number")
        })?,
        None => 3600,
    };
    let policy_text = param(params, "Policy");
    let tag_keys = members(params, "Tags", Some("Key"));
    let tag_values = members(params, "Tags", Some("Value"));
    if tag_keys.len() != tag_values.len() || tag_keys.len() > 50 {
        return Err(ApiError::new(
            "ValidationError",
            400,
            "Each session tag needs a Key and a Value (at most 50).",
        ));
    }
    let tags: Vec<(String, String)> = tag_keys
        .into_iter()
        .zip(tag_values)
        .map(|((_, k), (_, v))| (k, v))
        .collect();
    let transitive: Vec<String> = members(params, "TransitiveTagKeys", None)
        .into_iter()
        .map(|(_, v)| v)
        .collect();
    let external_id = param(params, "ExternalId");
    let source_identity = param(params, "SourceIdentity");

    let config = call.app.authz.config();
    let role = config.role(role_arn);
    // The resource AWS names in the decision and the denial: the role ARN as given.
    let resource = role.map_or_else(|| role_arn.to_owned(), |r| r.arn.clone());
    // Keys of both sts:AssumeRole and sts:TagSession (the reference lists the session's own
    // keys for AssumeRole only).
    let mut keys = Keys::new();
    let mut session_keys = Keys::new().string(Named::RoleSessionName, session);
    if let Some(e) = external_id {
        session_keys = session_keys.string(Named::ExternalId, e);
    }
    if let Some(s) = source_identity {
        session_keys = session_keys.string(Named::SourceIdentity, s);
    }
    if !transitive.is_empty() {
        keys = keys.strings(
            Named::TransitiveTagKeys,
            transitive.iter().map(String::as_str),
        );
    }
    if let Some(r) = role {
        for (k, v) in &r.tags {
            keys = keys
                .tagged(TagPrefix::IamResource, k, v)
                .tagged(TagPrefix::AwsResource, k, v);
        }
    }
    let mut tag_context = Keys::new();
    for (k, v) in &tags {
        tag_context = tag_context.tagged(TagPrefix::AwsRequest, k, v);
    }
    if !tags.is_empty() {
        tag_context = tag_context.strings(Named::TagKeys, tags.iter().map(|(k, _)| k.as_str()));
    }
    let assume_keys = keys.clone().and(session_keys).and(tag_context.clone());
    call.authorize("sts:AssumeRole", &resource, assume_keys)?;
    if !tags.is_empty() {
        call.authorize("sts:TagSession", &resource, keys.and(tag_context))?;
    }
    // An ARN the configuration does not know is denied above (no trust policy allows it);
    // reaching here without a role means authorization is switched off.
    let role = role.ok_or_else(|| {
        ApiError::new(
            "AccessDenied",
            403,
            format!("The role {role_arn} does not exist."),
        )
    })?;
    if !(900..=i64::from(role.max_session_duration)).contains(&duration) {
        return Err(ApiError::new(
            "ValidationError",
            400,
            format!(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role (900 to {} seconds).",
                role.max_session_duration
            ),
        ));
    }
    let session_policy = match policy_text {
        Some(text) => {
            if text.chars().count() > MAX_SESSION_POLICY_CHARS {
                return Err(ApiError::new(
                    "PackedPolicyTooLarge",
                    400,
                    "Packed size of the session policy exceeds 2048 characters.",
                ));
            }
            Some(call.app.authz.session_policy(text).map_err(|e| {
                ApiError::new(
                    "MalformedPolicyDocument",
                    400,
                    format!("The session policy is not valid: {e}"),
                )
            })?)
        }
        None => None,
    };
    // Principal tags of the session: the role's, overridden by the session's; tags marked
    // transitive by the calling session carry over.
    let mut principal_tags: BTreeMap<String, String> = role.tags.clone();
    if call.identity.kind == "AssumedRole" {
        for (k, v) in &call.identity.tags {
            if !role.tags.contains_key(k) {
                principal_tags.insert(k.clone(), v.clone());
            }
        }
    }
    for (k, v) in &tags {
        principal_tags.insert(k.clone(), v.clone());
    }
    let now_s = call.now_ms.div_euclid(1000);
    let expires = now_s + duration;
    let key_id = format!(
        "ASIA{}",
        random_text(16, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")?
    );
    let secret = random_text(
        40,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    )?;
    let token = random_text(
        96,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
    )?;
    let session_arn = format!(
        "arn:aws:sts::{}:assumed-role/{}/{session}",
        role.account, role.name
    );
    let identity = Identity {
        arn: session_arn.clone(),
        account: role.account.clone(),
        kind: "AssumedRole",
        user_id: format!("{}:{session}", role.id),
        username: None,
        principal_arn: role.arn.clone(),
        access_key_id: key_id.clone(),
        tags: principal_tags,
        session_policy,
        expires: Some(expires),
        template: TemplateSlot::default(),
    };
    let entry = KeyEntry {
        secret: secret.clone(),
        token: Some(token.clone()),
        identity: Arc::new(identity),
    };
    // Stored (sealed) before they are handed out: they survive a restart and every replica
    // accepts them.
    crate::sessions::issue(call.app, entry, policy_text, now_s)?;
    let expiration = jiff::Timestamp::from_second(expires)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default();
    let packed = policy_text.map_or(0, |p| p.len() * 100 / MAX_SESSION_POLICY_CHARS);
    Ok(format!(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
         <Credentials><AccessKeyId>{key_id}</AccessKeyId><SecretAccessKey>{}</SecretAccessKey>\
         <SessionToken>{token}</SessionToken><Expiration>{expiration}</Expiration></Credentials>\
         <AssumedRoleUser><AssumedRoleId>{}:{}</AssumedRoleId><Arn>{}</Arn></AssumedRoleUser>\
         <PackedPolicySize>{packed}</PackedPolicySize></AssumeRoleResult>\
         <ResponseMetadata><RequestId>{{REQUEST_ID}}</RequestId></ResponseMetadata></AssumeRoleResponse>",
        xml_escape(&secret),
        xml_escape(&role.id),
        xml_escape(session),
        xml_escape(&session_arn)
    ))
}
