//! The Secrets Manager operations (JSON 1.1 protocol), each authorized with the condition keys
//! the service authorization reference lists for its action
//! (<https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html>)
//! and behaving as the API reference describes
//! (<https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_Operations.html>).

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::call::{Call, Keys, Named, TagPrefix};
use crate::error::ApiError;
use crate::storage::{
    AWSCURRENT, AWSPENDING, AWSPREVIOUS, Change, NewValue, Rotation, Secret, Tag, Version,
};

/// The operations this server answers, by `X-Amz-Target` suffix.
pub const OPERATIONS: &[&str] = &[
    "BatchGetSecretValue",
    "CreateSecret",
    "DeleteResourcePolicy",
    "DeleteSecret",
    "DescribeSecret",
    "GetRandomPassword",
    "GetResourcePolicy",
    "GetSecretValue",
    "ListSecretVersionIds",
    "ListSecrets",
    "PutResourcePolicy",
    "PutSecretValue",
    "RestoreSecret",
    "RotateSecret",
    "TagResource",
    "UntagResource",
    "UpdateSecret",
    "UpdateSecretVersionStage",
    "ValidateResourcePolicy",
];

/// The largest secret value (AWS: 65,536 bytes).
pub const MAX_VALUE_BYTES: usize = 65_536;
/// The largest resource policy (AWS: 20,480 characters).
pub const MAX_POLICY_CHARS: usize = 20_480;
/// Versions kept per secret (AWS removes unlabeled versions beyond about 100).
pub const MAX_VERSIONS: usize = 100;

/// Dispatches operation `op` with the request body `input`.
///
/// # Errors
///
/// AWS's error for the operation.
pub fn dispatch(
    call: &mut Call<'_>,
    op: &str,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    match op {
        "CreateSecret" => create_secret(call, input),
        "GetSecretValue" => get_secret_value(call, input),
        "BatchGetSecretValue" => batch_get_secret_value(call, input),
        "PutSecretValue" => put_secret_value(call, input),
        "UpdateSecret" => update_secret(call, input),
        "DescribeSecret" => describe_secret(call, input),
        "ListSecrets" => list_secrets(call, input),
        "ListSecretVersionIds" => list_secret_version_ids(call, input),
        "UpdateSecretVersionStage" => update_secret_version_stage(call, input),
        "DeleteSecret" => delete_secret(call, input),
        "RestoreSecret" => restore_secret(call, input),
        "TagResource" => tag_resource(call, input),
        "UntagResource" => untag_resource(call, input),
        "PutResourcePolicy" => put_resource_policy(call, input),
        "GetResourcePolicy" => get_resource_policy(call, input),
        "DeleteResourcePolicy" => delete_resource_policy(call, input),
        "ValidateResourcePolicy" => validate_resource_policy(call, input),
        "RotateSecret" => rotate_secret(call, input),
        "GetRandomPassword" => get_random_password(call, input),
        _ => Err(ApiError::new(
            "UnknownOperationException",
            400,
            format!("The operation {op} is not supported by this server."),
        )),
    }
}

// ---- input helpers ------------------------------------------------------------------------

fn opt_str<'a>(input: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>, ApiError> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::serialization(format!(
            "Start of structure or map found where not expected: {key} must be a string"
        ))),
    }
}

fn req_str<'a>(input: &'a Map<String, Value>, key: &str) -> Result<&'a str, ApiError> {
    opt_str(input, key)?.ok_or_else(|| {
        ApiError::validation(format!(
            "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
            lower_first(key)
        ))
    })
}

fn lower_first(key: &str) -> String {
    let mut c = key.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn opt_bool(input: &Map<String, Value>, key: &str) -> Result<Option<bool>, ApiError> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::serialization(format!("{key} must be a boolean"))),
    }
}

fn opt_int(input: &Map<String, Value>, key: &str) -> Result<Option<i64>, ApiError> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .map(Some)
            .ok_or_else(|| ApiError::serialization(format!("{key} must be an integer"))),
        Some(_) => Err(ApiError::serialization(format!("{key} must be a number"))),
    }
}

fn opt_str_list(input: &Map<String, Value>, key: &str) -> Result<Option<Vec<String>>, ApiError> {
    match input.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| ApiError::serialization(format!("{key} must hold strings")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(ApiError::serialization(format!("{key} must be a list"))),
    }
}

fn tags_input(input: &Map<String, Value>) -> Result<Option<Vec<Tag>>, ApiError> {
    match input.get("Tags") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let tags: Vec<Tag> = serde_json::from_value(v.clone())
                .map_err(|e| ApiError::serialization(format!("Tags: {e}")))?;
            if tags.len() > 50 {
                return Err(ApiError::validation("A secret can have at most 50 tags."));
            }
            for t in &tags {
                if t.key.is_empty() || t.key.chars().count() > 128 || t.value.chars().count() > 256
                {
                    return Err(ApiError::validation(
                        "Tag keys are 1 to 128 characters and values up to 256 characters.",
                    ));
                }
                if t.key.starts_with("aws:") {
                    return Err(ApiError::invalid_parameter(
                        "Tag keys starting with aws: are reserved for AWS use.",
                    ));
                }
            }
            Ok(Some(tags))
        }
    }
}

/// The value given (`SecretString` or `SecretBinary`) as stored bytes: a type byte (`s` or
/// `b`) then the value.
fn value_input(input: &Map<String, Value>) -> Result<Option<Vec<u8>>, ApiError> {
    let string = opt_str(input, "SecretString")?;
    let binary = opt_str(input, "SecretBinary")?;
    let (kind, bytes) = match (string, binary) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_parameter(
                "You can't specify both a binary secret value and a string secret value in the same secret.",
            ));
        }
        (None, None) => return Ok(None),
        (Some(s), None) => (b's', s.as_bytes().to_vec()),
        (None, Some(b)) => (
            b'b',
            base64::engine::general_purpose::STANDARD
                .decode(b)
                .map_err(|_| ApiError::serialization("SecretBinary is not valid base64"))?,
        ),
    };
    if bytes.is_empty() || bytes.len() > MAX_VALUE_BYTES {
        return Err(ApiError::validation(
            "1 validation error detected: the secret value must be 1 to 65536 bytes",
        ));
    }
    let mut out = Vec::with_capacity(bytes.len() + 1);
    out.push(kind);
    out.extend_from_slice(&bytes);
    Ok(Some(out))
}

fn client_token(input: &Map<String, Value>) -> Result<String, ApiError> {
    match opt_str(input, "ClientRequestToken")? {
        Some(t)
            if (32..=64).contains(&t.len())
                && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            Ok(t.to_owned())
        }
        Some(_) => Err(ApiError::validation(
            "ClientRequestToken must be 32 to 64 letters, digits or hyphens.",
        )),
        None => new_uuid(),
    }
}

/// A random version-4 UUID.
pub fn new_uuid() -> Result<String, ApiError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| ApiError::internal(e.to_string()))?;
    if let Some(x) = b.get_mut(6) {
        *x = (*x & 0x0f) | 0x40;
    }
    if let Some(x) = b.get_mut(8) {
        *x = (*x & 0x3f) | 0x80;
    }
    let h = hex::encode(b);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        h.get(..8).unwrap_or_default(),
        h.get(8..12).unwrap_or_default(),
        h.get(12..16).unwrap_or_default(),
        h.get(16..20).unwrap_or_default(),
        h.get(20..).unwrap_or_default()
    ))
}

/// Six random characters for a secret ARN's suffix.
fn arn_suffix() -> Result<String, ApiError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut b = [0u8; 6];
    getrandom::fill(&mut b).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(b.iter()
        .map(|x| {
            ALPHABET
                .get(usize::from(*x) % ALPHABET.len())
                .map_or('A', |c| char::from(*c))
        })
        .collect())
}

fn valid_name(name: &str) -> bool {
    (1..=512).contains(&name.chars().count())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_+=.@-".contains(&b))
}

// ---- resolving a SecretId -----------------------------------------------------------------

/// A `SecretId` resolved: the ARN to authorize against, and the secret if it exists.
struct Resolved {
    arn: String,
    secret: Option<Secret>,
}

fn secret_arn_prefix(call: &Call<'_>, account: &str) -> String {
    format!("arn:aws:secretsmanager:{}:{account}:secret:", call.region)
}

/// Finds the secret named by `id`: a full ARN, a partial ARN (without the suffix) or a name in
/// the caller's account. Secrets whose deletion date has passed are purged here.
fn resolve(call: &Call<'_>, id: &str) -> Result<Resolved, ApiError> {
    if id.is_empty() || id.len() > 2048 {
        return Err(ApiError::validation(
            "SecretId must be 1 to 2048 characters.",
        ));
    }
    let storage = &*call.app.storage;
    let (arn_for_missing, found) = if let Some(rest) = id.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(6, ':').collect();
        let [partition, service, region, account, kind, name] = parts.as_slice() else {
            return Err(ApiError::invalid_parameter("The ARN is not valid."));
        };
        if *partition != "aws" || *service != "secretsmanager" || *kind != "secret" {
            return Err(ApiError::invalid_parameter("The ARN is not a secret ARN."));
        }
        if *region != call.region {
            (id.to_owned(), None)
        } else {
            match storage.get(id)? {
                Some(s) => (id.to_owned(), Some(s)),
                None => (id.to_owned(), storage.get_by_name(account, name)?),
            }
        }
    } else {
        let account = &call.identity.account;
        (
            format!("{}{id}", secret_arn_prefix(call, account)),
            storage.get_by_name(account, id)?,
        )
    };
    let found = match found {
        Some(s) if s.deletion_date.is_some_and(|d| d <= call.now()) => {
            storage.remove(&s.arn)?;
            call.app.authz.set_resource_policy(&s.arn, None)?;
            None
        }
        other => other,
    };
    Ok(match found {
        Some(s) => Resolved {
            arn: s.arn.clone(),
            secret: Some(s),
        },
        None => Resolved {
            arn: arn_for_missing,
            secret: None,
        },
    })
}

/// The keys every secret-level action carries: `secretsmanager:SecretId` and the secret's tags
/// as `secretsmanager:ResourceTag/…` and `aws:ResourceTag/…`.
#[inline]
pub fn secret_keys<'a>(arn: &'a str, secret: Option<&'a Secret>) -> Keys<'a> {
    let mut keys = Keys::new().string(Named::SecretId, arn);
    if let Some(s) = secret {
        for t in &s.tags {
            keys = keys
                .tagged(TagPrefix::SecretsManagerResource, &t.key, &t.value)
                .tagged(TagPrefix::AwsResource, &t.key, &t.value);
        }
    }
    keys
}

fn request_tag_keys(tags: &[Tag]) -> Keys<'_> {
    let mut keys = Keys::new();
    for t in tags {
        keys = keys.tagged(TagPrefix::AwsRequest, &t.key, &t.value);
    }
    keys.strings(Named::TagKeys, tags.iter().map(|t| t.key.as_str()))
}

/// Resolves `SecretId`, authorizes `action` on it with the secret keys plus `extra`, and
/// returns the existing secret (not-found after authorization, as AWS answers).
fn authorized_secret(
    call: &mut Call<'_>,
    input: &Map<String, Value>,
    action: &'static str,
    extra: Keys<'_>,
) -> Result<Secret, ApiError> {
    let id = req_str(input, "SecretId")?;
    let resolved = resolve(call, id)?;
    let keys = secret_keys(&resolved.arn, resolved.secret.as_ref()).and(extra);
    call.authorize(action, &resolved.arn, keys)?;
    resolved.secret.ok_or_else(ApiError::not_found)
}

fn not_deleted(secret: &Secret) -> Result<(), ApiError> {
    if secret.deleted.is_some() {
        return Err(ApiError::invalid_request(
            "You can't perform this operation on the secret because it was marked for deletion.",
        ));
    }
    Ok(())
}

// ---- versions and staging labels ----------------------------------------------------------

/// Moves `stage` to version `to`, as AWS does: taken from whichever version had it; moving
/// `AWSCURRENT` gives `AWSPREVIOUS` to the version that had it.
fn move_stage(secret: &mut Secret, stage: &str, to: &str) {
    let previous_current = if stage == AWSCURRENT {
        secret.version_with_stage(AWSCURRENT).map(|v| v.id.clone())
    } else {
        None
    };
    for v in &mut secret.versions {
        if v.id != to {
            v.stages.retain(|s| s != stage);
        }
    }
    if let Some(v) = secret.versions.iter_mut().find(|v| v.id == to)
        && !v.stages.iter().any(|s| s == stage)
    {
        v.stages.push(stage.to_owned());
    }
    if let Some(prev) = previous_current.filter(|p| p != to) {
        move_stage(secret, AWSPREVIOUS, &prev);
    }
}

/// Adds a version with `stages` (AWSCURRENT by default) and its sealed value; idempotent for
/// a retried token with the same value.
fn add_version(
    call: &Call<'_>,
    secret: &mut Secret,
    token: &str,
    plaintext: &[u8],
    stages: &[String],
) -> Result<Change, ApiError> {
    let digest = crate::sigv4::sha256_hex(plaintext);
    if let Some(existing) = secret.version(token) {
        if existing.digest == digest {
            return Ok(Change::default());
        }
        return Err(ApiError::new(
            "ResourceExistsException",
            400,
            "You can't modify an existing version, you can only create a new version.",
        ));
    }
    let sealed = call.app.cipher.seal(&secret.arn, token, plaintext)?;
    secret.versions.push(Version {
        id: token.to_owned(),
        stages: Vec::new(),
        created: call.now(),
        digest,
    });
    for stage in stages {
        move_stage(secret, stage, token);
    }
    secret.last_changed = call.now();
    let mut change = Change {
        values: vec![NewValue {
            version_id: token.to_owned(),
            ciphertext: sealed,
        }],
        dropped: Vec::new(),
    };
    // Versions without labels beyond the limit are removed, oldest first.
    while secret.versions.len() > MAX_VERSIONS {
        let Some(i) = secret.versions.iter().position(|v| v.stages.is_empty()) else {
            break;
        };
        change.dropped.push(secret.versions.remove(i).id);
    }
    Ok(change)
}

fn check_stages(stages: &[String]) -> Result<(), ApiError> {
    if stages.is_empty()
        || stages.len() > 20
        || stages.iter().any(|s| s.is_empty() || s.len() > 256)
    {
        return Err(ApiError::validation(
            "VersionStages must hold 1 to 20 labels of 1 to 256 characters.",
        ));
    }
    Ok(())
}

/// Decrypts a version's value into the response fields.
fn value_fields(
    call: &Call<'_>,
    secret: &Secret,
    version: &Version,
    out: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let sealed = call
        .app
        .storage
        .value(&secret.arn, &version.id)?
        .ok_or_else(ApiError::version_not_found)?;
    let plain = call.app.cipher.open(&secret.arn, &version.id, &sealed)?;
    match plain.split_first() {
        Some((b's', text)) => {
            let text = String::from_utf8(text.to_vec())
                .map_err(|_| ApiError::internal("a stored string is not UTF-8"))?;
            out.insert("SecretString".into(), Value::String(text));
        }
        Some((_, bytes)) => {
            out.insert(
                "SecretBinary".into(),
                Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
            );
        }
        None => return Err(ApiError::internal("a stored value is empty")),
    }
    Ok(())
}

// ---- operations ---------------------------------------------------------------------------

fn create_secret(call: &mut Call<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let name = req_str(input, "Name")?;
    if !valid_name(name) {
        return Err(ApiError::validation(
            "Invalid name. Must be 1 to 512 characters: letters, digits and /_+=.@-",
        ));
    }
    let description = opt_str(input, "Description")?;
    if description.is_some_and(|d| d.chars().count() > 2048) {
        return Err(ApiError::validation(
            "Description must be at most 2048 characters.",
        ));
    }
    let kms = opt_str(input, "KmsKeyId")?;
    let tags = tags_input(input)?.unwrap_or_default();
    let value = value_input(input)?;
    let token = client_token(input)?;
    if input.get("AddReplicaRegions").is_some_and(|v| !v.is_null()) {
        return Err(ApiError::invalid_request(
            "This server does not replicate secrets to other regions.",
        ));
    }
    let account = call.identity.account.clone();
    let arn = format!(
        "{}{name}-{}",
        secret_arn_prefix(call, &account),
        arn_suffix()?
    );
    let mut keys = Keys::new().string(Named::Name, name);
    if let Some(d) = description {
        keys = keys.string(Named::Description, d);
    }
    if let Some(k) = kms {
        keys = keys.string(Named::KmsKeyId, k);
    }
    if !tags.is_empty() {
        keys = keys.and(request_tag_keys(&tags));
    }
    call.authorize("secretsmanager:CreateSecret", &arn, keys)?;
    if !tags.is_empty() {
        call.authorize(
            "secretsmanager:TagResource",
            &arn,
            secret_keys(&arn, None).and(request_tag_keys(&tags)),
        )?;
    }
    let now = call.now();
    let mut secret = Secret {
        arn: arn.clone(),
        account,
        name: name.to_owned(),
        description: description.map(str::to_owned),
        kms_key_id: kms.map(str::to_owned),
        tags,
        resource_policy: None,
        rotation: None,
        created: now,
        last_changed: now,
        last_accessed: None,
        last_rotated: None,
        deleted: None,
        deletion_date: None,
        versions: Vec::new(),
    };
    let change = match &value {
        Some(v) => add_version(call, &mut secret, &token, v, &[AWSCURRENT.to_owned()])?,
        None => Change::default(),
    };
    call.app.storage.insert(&secret, &change.values)?;
    let mut out = json!({"ARN": arn, "Name": name});
    if value.is_some() {
        crate::set(&mut out, "VersionId", json!(token));
    }
    Ok(out)
}

fn get_secret_value(call: &mut Call<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let version_id = opt_str(input, "VersionId")?;
    let stage = opt_str(input, "VersionStage")?;
    let mut extra = Keys::new();
    if let Some(v) = version_id {
        extra = extra.string(Named::VersionId, v);
    }
    if let Some(s) = stage {
        extra = extra.string(Named::VersionStage, s);
    }
    let secret = authorized_secret(call, input, "secretsmanager:GetSecretValue", extra)?;
    not_deleted(&secret)?;
    secret_value_of(call, &secret, version_id, stage)
}

fn secret_value_of(
    call: &Call<'_>,
    secret: &Secret,
    version_id: Option<&str>,
    stage: Option<&str>,
) -> Result<Value, ApiError> {
    let version = match (version_id, stage) {
        (Some(id), Some(st)) => secret
            .version(id)
            .filter(|v| v.stages.iter().any(|s| s == st)),
        (Some(id), None) => secret.version(id),
        (None, st) => secret.version_with_stage(st.unwrap_or(AWSCURRENT)),
    }
    .ok_or_else(|| {
        ApiError::new(
            "ResourceNotFoundException",
            400,
            match (version_id, stage) {
                (Some(id), _) => format!(
                    "Secrets Manager can't find the specified secret value for VersionId: {id}"
                ),
                (None, st) => format!(
                    "Secrets Manager can't find the specified secret value for staging label: {}",
                    st.unwrap_or(AWSCURRENT)
                ),
            },
        )
    })?;
    let mut out = Map::new();
    out.insert("ARN".into(), json!(secret.arn));
    out.insert("Name".into(), json!(secret.name));
    out.insert("VersionId".into(), json!(version.id));
    value_fields(call, secret, version, &mut out)?;
    out.insert("VersionStages".into(), json!(version.stages));
    out.insert("CreatedDate".into(), json!(version.created));
    touch_accessed(call, secret)?;
    Ok(Value::Object(out))
}

/// Records `LastAccessedDate` (a day's granularity, as AWS keeps it): a write at most once a
/// day per secret.
fn touch_accessed(call: &Call<'_>, secret: &Secret) -> Result<(), ApiError> {
    let day = (call.now() / 86_400.0).floor() * 86_400.0;
    if secret.last_accessed.is_some_and(|d| d >= day) {
        return Ok(());
    }
    call.app.storage.update(&secret.arn, &mut |s| {
        s.last_accessed = Some(day);
        Ok(Change::default())
    })?;
    Ok(())
}

fn batch_get_secret_value(
    call: &mut Call<'_>,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let ids = opt_str_list(input, "SecretIdList")?;
    let filters = input.get("Filters").filter(|v| !v.is_null());
    if ids.is_some() == filters.is_some() {
        return Err(ApiError::invalid_parameter(
            "Either SecretIdList or Filters must be provided, but not both.",
        ));
    }
    call.authorize("secretsmanager:BatchGetSecretValue", "*", Keys::new())?;
    let ids: Vec<String> = match ids {
        Some(ids) => {
            if ids.is_empty() || ids.len() > 20 {
                return Err(ApiError::validation("SecretIdList must hold 1 to 20 ids."));
            }
            ids
        }
        None => {
            let all = call.app.storage.list(&call.identity.account)?;
            let filters = parse_filters(filters)?;
            all.into_iter()
                .filter(|s| s.deleted.is_none() && matches_filters(s, &filters))
                .take(20)
                .map(|s| s.arn)
                .collect()
        }
    };
    let mut values = Vec::new();
    let mut errors = Vec::new();
    for id in ids {
        let one = (|| {
            let resolved = resolve(call, &id)?;
            call.authorize(
                "secretsmanager:GetSecretValue",
                &resolved.arn,
                secret_keys(&resolved.arn, resolved.secret.as_ref()),
            )?;
            let secret = resolved.secret.ok_or_else(ApiError::not_found)?;
            not_deleted(&secret)?;
            secret_value_of(call, &secret, None, None)
        })();
        match one {
            Ok(v) => values.push(v),
            Err(e) if e.status < 500 => errors.push(json!({
                "SecretId": id, "ErrorCode": e.code, "Message": e.message
            })),
            Err(e) => return Err(e),
        }
    }
    Ok(json!({"SecretValues": values, "Errors": errors}))
}

fn put_secret_value(call: &mut Call<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let value = value_input(input)?.ok_or_else(|| {
        ApiError::invalid_request("You must provide either SecretString or SecretBinary.")
    })?;
    let stages =
        opt_str_list(input, "VersionStages")?.unwrap_or_else(|| vec![AWSCURRENT.to_owned()]);
    check_stages(&stages)?;
    let token = client_token(input)?;
    let secret = authorized_secret(call, input, "secretsmanager:PutSecretValue", Keys::new())?;
    not_deleted(&secret)?;
    let app = call.app;
    let written = app.storage.update(&secret.arn, &mut |s| {
        not_deleted(s)?;
        add_version(call, s, &token, &value, &stages)
    })?;
    let stages_now = written
        .version(&token)
        .map(|v| v.stages.clone())
        .unwrap_or_default();
    Ok(
        json!({"ARN": written.arn, "Name": written.name, "VersionId": token, "VersionStages": stages_now}),
    )
}

fn update_secret(call: &mut Call<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let description = opt_str(input, "Description")?;
    if description.is_some_and(|d| d.chars().count() > 2048) {
        return Err(ApiError::validation(
            "Description must be at most 2048 characters.",
        ));
    }
    let kms = opt_str(input, "KmsKeyId")?;
    let value = value_input(input)?;
    let token = client_token(input)?;
    let mut extra = Keys::new();
    if let Some(d) = description {
        extra = extra.string(Named::Description, d);
    }
    if let Some(k) = kms {
        extra = extra.string(Named::KmsKeyId, k);
    }
    let secret = authorized_secret(call, input, "secretsmanager:UpdateSecret", extra)?;
    not_deleted(&secret)?;
    let app = call.app;
    let written = app.storage.update(&secret.arn, &mut |s| {
        not_deleted(s)?;
        if let Some(d) = description {
            s.description = Some(d.to_owned());
        }
        if let Some(k) = kms {
            s.kms_key_id = Some(k.to_owned());
        }
        s.last_changed = call.now();
        match &value {
            Some(v) => add_version(call, s, &token, v, &[AWSCURRENT.to_owned()]),
            None => Ok(Change::default()),
        }
    })?;
    let mut out = json!({"ARN": written.arn, "Name": written.name});
    if value.is_some() {
        crate::set(&mut out, "VersionId", json!(token));
    }
    Ok(out)
}

fn versions_to_stages(secret: &Secret) -> Value {
    let mut m = Map::new();
    for v in secret.versions.iter().filter(|v| !v.stages.is_empty()) {
        m.insert(v.id.clone(), json!(v.stages));
    }
    Value::Object(m)
}

/// DescribeSecret's fields (also ListSecrets' entries).
fn describe(secret: &Secret, versions_key: &str) -> Value {
    let mut out = Map::new();
    out.insert("ARN".into(), json!(secret.arn));
    out.insert("Name".into(), json!(secret.name));
    if let Some(d) = &secret.description {
        out.insert("Description".into(), json!(d));
    }
    if let Some(k) = &secret.kms_key_id {
        out.insert("KmsKeyId".into(), json!(k));
    }
    let rotation = secret.rotation.clone().unwrap_or_default();
    out.insert("RotationEnabled".into(), json!(rotation.enabled));
    if let Some(l) = &rotation.lambda_arn {
        out.insert("RotationLambdaARN".into(), json!(l));
    }
    if let Some(r) = &rotation.rules {
        out.insert("RotationRules".into(), r.clone());
    }
    if let Some(t) = secret.last_rotated {
        out.insert("LastRotatedDate".into(), json!(t));
    }
    out.insert("LastChangedDate".into(), json!(secret.last_changed));
    if let Some(t) = secret.last_accessed {
        out.insert("LastAccessedDate".into(), json!(t));
    }
    if let Some(t) = secret.deleted {
        out.insert("DeletedDate".into(), json!(t));
    }
    if !secret.tags.is_empty() {
        out.insert("Tags".into(), json!(secret.tags));
    }
    out.insert(versions_key.into(), versions_to_stages(secret));
    out.insert("CreatedDate".into(), json!(secret.created));
    Value::Object(out)
}

fn describe_secret(call: &mut Call<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let secret = authorized_secret(call, input, "secretsmanager:DescribeSecret", Keys::new())?;
    Ok(describe(&secret, "VersionIdsToStages"))
}

/// ListSecrets filters: (key, values).
type Filters = Vec<(String, Vec<String>)>;

fn parse_filters(value: Option<&Value>) -> Result<Filters, ApiError> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let list = value
        .as_array()
        .ok_or_else(|| ApiError::serialization("Filters must be a list"))?;
    let mut out = Vec::new();
    for f in list {
        let key = f
            .get("Key")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::validation("A filter needs a Key."))?;
        if ![
            "description",
            "name",
            "tag-key",
            "tag-value",
            "primary-region",
            "owning-service",
            "all",
        ]
        .contains(&key)
        {
            return Err(ApiError::validation(format!("Invalid filter key: {key}")));
        }
        let values: Vec<String> = f
            .get("Values")
            .and_then(Value::as_array)
            .map(|v| {
                v.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        out.push((key.to_owned(), values));
    }
    Ok(out)
}

/// Whether a secret passes every filter: a value matches a field by prefix, `!` negates.
fn matches_filters(secret: &Secret, filters: &Filters) -> bool {
    filters.iter().all(|(key, values)| {
        let fields: Vec<&str> = match key.as_str() {
            "name" => vec![secret.name.as_str()],
            "description" => secret.description.iter().map(String::as_str).collect(),
            "tag-key" => secret.tags.iter().map(|t| t.key.as_str()).collect(),
            "tag-value" => secret.tags.iter().map(|t| t.value.as_str()).collect(),
            "all" => std::iter::once(secret.name.as_str())
                .chain(secret.description.iter().map(String::as_str))
                .chain(
                    secret
                        .tags
                        .iter()
                        .flat_map(|t| [t.key.as_str(), t.value.as_str()]),
                )
                .collect(),
            _ => Vec::new(),
        };
        values.iter().any(|v| match v.strip_prefix('!') {
            Some(neg) => !fields.iter().any(|f| f.starts_with(neg)),
            None => fields.iter().any(|f| f.starts_with(v.as_str())),
        })
    })
}

fn page(input: &Map<String, Value>, total: usize) -> Result<(usize, usize), ApiError> {
    let max = opt_int(input, "MaxResults")?.unwrap_or(100);
    if !(1..=100).contains(&max) {
        return Err(ApiError::validation("MaxResults must be 1 to 100."));
    }
    let start = match opt_str(input, "NextToken")? {
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|s| *s <= total)
            .ok_or_else(|| ApiError::invalid_parameter("The NextToken is not valid."))?,
        None => 0,
    };
    Ok((start, usize::try_from(max).unwrap_or(100)))
}

fn list_secrets(call: &mut Call<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let filters = parse_filters(input.get("Filters").filter(|v| !v.is_null()))?;
    let include_deleted = opt_bool(input, "IncludePlannedDeletion")?.unwrap_or(false);
    let descending = opt_str(input, "SortOrder")? == Some("desc");
    call.authorize("secretsmanager:ListSecrets", "*", Keys::new())?;
    let mut all: Vec<Secret> = call
        .app
        .storage
        .list(&call.identity.account)?
        .into_iter()
        .filter(|s| (include_deleted || s.deleted.is_none()) && matches_filters(s, &filters))
        .collect();
    all.sort_by(|a, b| {
        a.created
            .total_cmp(&b.created)
            .then_with(|| a.name.cmp(&b.name))
    });
    if descending {
        all.reverse();
    }
    let (start, max) = page(input, all.len())?;
    let list: Vec<Value> = all
        .iter()
        .skip(start)
        .take(max)
        .map(|s| describe(s, "SecretVersionsToStages"))
        .collect();
    let mut out = json!({"SecretList": list});
    if start + max < all.len() {
        crate::set(&mut out, "NextToken", json!((start + max).to_string()));
    }
    Ok(out)
}

fn list_secret_version_ids(
    call: &mut Call<'_>,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let secret = authorized_secret(
        call,
        input,
        "secretsmanager:ListSecretVersionIds",
        Keys::new(),
    )?;
    let include_deprecated = opt_bool(input, "IncludeDeprecated")?.unwrap_or(false);
    let versions: Vec<&Version> = secret
        .versions
        .iter()
        .filter(|v| include_deprecated || !v.stages.is_empty())
        .collect();
    let (start, max) = page(input, versions.len())?;
    let list: Vec<Value> = versions
        .iter()
        .skip(start)
        .take(max)
        .map(|v| json!({"VersionId": v.id, "VersionStages": v.stages, "CreatedDate": v.created}))
        .collect();
    let mut out = json!({"Versions": list, "ARN": secret.arn, "Name": secret.name});
    if start + max < versions.len() {
        crate::set(&mut out, "NextToken", json!((start + max).to_string()));
    }
    Ok(out)
}

fn update_secret_version_stage(
    call: &mut Call<'_>,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let stage = req_str(input, "VersionStage")?.to_owned();
    check_stages(std::slice::from_ref(&stage))?;
    let remove_from = opt_str(input, "RemoveFromVersionId")?;
    let move_to = opt_str(input, "MoveToVersionId")?;
    let secret = authorized_secret(
        call,
        input,
        "secretsmanager:UpdateSecretVersionStage",
        Keys::new().string(Named::VersionStage, &stage),
    )?;
    not_deleted(&secret)?;
    let app = call.app;
    let written = app.storage.update(&secret.arn, &mut |s| {
        let holder = s.version_with_stage(&stage).map(|v| v.id.clone());
        if let Some(to) = move_to
            && s.version(to).is_none()
        {
            return Err(ApiError::invalid_parameter(format!(
                "The version {to} doesn't exist for the secret."
            )));
        }
        match (&holder, remove_from, move_to) {
            (Some(h), Some(r), _) if h != r => {
                return Err(ApiError::invalid_parameter(format!(
                    "The staging label {stage} is currently attached to version {h}, not to {r}."
                )));
            }
            (Some(h), None, Some(to)) if h != to => {
                return Err(ApiError::invalid_parameter(format!(
                    "The staging label {stage} is currently attached to version {h}. You must specify RemoveFromVersionId."
                )));
            }
            (None, Some(r), _) => {
                return Err(ApiError::invalid_parameter(format!(
                    "The staging label {stage} is not attached to version {r}."
                )));
            }
            _ => {}
        }
        match move_to {
            Some(to) => move_stage(s, &stage, to),
            None => {
                if stage == AWSCURRENT {
                    return Err(ApiError::invalid_parameter(
                        "You can't remove the staging label AWSCURRENT from a version: move it to another version instead.",
                    ));
                }
                for v in &mut s.versions {
                    v.stages.retain(|x| *x != stage);
                }
            }
        }
        s.last_changed = call.now();
        Ok(Change::default())
    })?;
    Ok(json!({"ARN": written.arn, "Name": written.name}))
}

fn delete_secret(call: &mut Call<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let window = opt_int(input, "RecoveryWindowInDays")?;
    let force = opt_bool(input, "ForceDeleteWithoutRecovery")?;
    if window.is_some() && force == Some(true) {
        return Err(ApiError::invalid_parameter(
            "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
        ));
    }
    if window.is_some_and(|w| !(7..=30).contains(&w)) {
        return Err(ApiError::invalid_parameter(
            "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
        ));
    }
    let mut extra = Keys::new();
    if let Some(w) = window {
        extra = extra.number(Named::RecoveryWindowInDays, w);
    }
    if let Some(f) = force {
        extra = extra.bool(Named::ForceDeleteWithoutRecovery, f);
    }
    let secret = authorized_secret(call, input, "secretsmanager:DeleteSecret", extra)?;
    let now = call.now();
    if force == Some(true) {
        call.app.storage.remove(&secret.arn)?;
        call.app.authz.set_resource_policy(&secret.arn, None)?;
        return Ok(json!({"ARN": secret.arn, "Name": secret.name, "DeletionDate": now}));
    }
    #[expect(clippy::cast_precision_loss, reason = "7 to 30 days")]
    let days = window.unwrap_or(30) as f64;
    let written = call.app.storage.update(&secret.arn, &mut |s| {
        if s.deleted.is_none() {
            s.deleted = Some(now);
            s.deletion_date = Some(now + days * 86_400.0);
        }
        Ok(Change::default())
    })?;
    Ok(json!({"ARN": written.arn, "Name": written.name, "DeletionDate": written.deletion_date}))
}

fn restore_secret(call: &mut Call<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let secret = authorized_secret(call, input, "secretsmanager:RestoreSecret", Keys::new())?;
    let written = call.app.storage.update(&secret.arn, &mut |s| {
        s.deleted = None;
        s.deletion_date = None;
        Ok(Change::default())
    })?;
    Ok(json!({"ARN": written.arn, "Name": written.name}))
}

fn tag_resource(call: &mut Call<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let tags = tags_input(input)?.ok_or_else(|| ApiError::validation("Tags must not be null."))?;
    let secret = authorized_secret(
        call,
        input,
        "secretsmanager:TagResource",
        request_tag_keys(&tags),
    )?;
    call.app.storage.update(&secret.arn, &mut |s| {
        for t in &tags {
            match s.tags.iter_mut().find(|x| x.key == t.key) {
                Some(x) => x.value.clone_from(&t.value),
                None => s.tags.push(t.clone()),
            }
        }
        if s.tags.len() > 50 {
            return Err(ApiError::validation("A secret can have at most 50 tags."));
        }
        Ok(Change::default())
    })?;
    Ok(json!({}))
}

fn untag_resource(call: &mut Call<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let keys = opt_str_list(input, "TagKeys")?
        .ok_or_else(|| ApiError::validation("TagKeys must not be null."))?;
    let secret = authorized_secret(
        call,
        input,
        "secretsmanager:UntagResource",
        Keys::new().strings(Named::TagKeys, keys.iter().map(String::as_str)),
    )?;
    call.app.storage.update(&secret.arn, &mut |s| {
        s.tags.retain(|t| !keys.contains(&t.key));
        Ok(Change::default())
    })?;
    Ok(json!({}))
}

fn put_resource_policy(call: &mut Call<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let text = req_str(input, "ResourcePolicy")?;
    if text.is_empty() || text.chars().count() > MAX_POLICY_CHARS {
        return Err(ApiError::validation(
            "ResourcePolicy must be 1 to 20480 characters.",
        ));
    }
    let block = opt_bool(input, "BlockPublicPolicy")?;
    let mut extra = Keys::new();
    if let Some(b) = block {
        extra = extra.bool(Named::BlockPublicPolicy, b);
    }
    let secret = authorized_secret(call, input, "secretsmanager:PutResourcePolicy", extra)?;
    let policy = iam_policy::parse_policy(text, iam_policy::PolicyType::Resource).map_err(|e| {
        ApiError::new(
            "MalformedPolicyDocumentException",
            400,
            format!(
                "This resource policy contains an unsupported principal or is not valid JSON: {e}"
            ),
        )
    })?;
    if block == Some(true)
        && iam_policy::exposure::exposure(&policy, Some(&secret.account)).is_public()
    {
        return Err(ApiError::new(
            "PublicPolicyException",
            400,
            "This resource policy will grant public access to the secret. Use BlockPublicPolicy false to attach it anyway.",
        ));
    }
    let app = call.app;
    let written = app.storage.update(&secret.arn, &mut |s| {
        s.resource_policy = Some(text.to_owned());
        s.last_changed = call.now();
        Ok(Change::default())
    })?;
    // Durable first, then live: the next request is decided with the new policy.
    call.app
        .authz
        .set_resource_policy(&written.arn, Some(text))?;
    Ok(json!({"ARN": written.arn, "Name": written.name}))
}

fn get_resource_policy(call: &mut Call<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let secret = authorized_secret(call, input, "secretsmanager:GetResourcePolicy", Keys::new())?;
    let mut out = json!({"ARN": secret.arn, "Name": secret.name});
    if let Some(p) = &secret.resource_policy {
        crate::set(&mut out, "ResourcePolicy", json!(p));
    }
    Ok(out)
}

fn delete_resource_policy(
    call: &mut Call<'_>,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let secret = authorized_secret(
        call,
        input,
        "secretsmanager:DeleteResourcePolicy",
        Keys::new(),
    )?;
    let written = call.app.storage.update(&secret.arn, &mut |s| {
        s.resource_policy = None;
        Ok(Change::default())
    })?;
    call.app.authz.set_resource_policy(&written.arn, None)?;
    Ok(json!({"ARN": written.arn, "Name": written.name}))
}

fn validate_resource_policy(
    call: &mut Call<'_>,
    input: &Map<String, Value>,
) -> Result<Value, ApiError> {
    let text = req_str(input, "ResourcePolicy")?;
    if text.is_empty() || text.chars().count() > MAX_POLICY_CHARS {
        return Err(ApiError::validation(
            "ResourcePolicy must be 1 to 20480 characters.",
        ));
    }
    let owner = if input.get("SecretId").is_some_and(|v| !v.is_null()) {
        authorized_secret(
            call,
            input,
            "secretsmanager:ValidateResourcePolicy",
            Keys::new(),
        )?
        .account
    } else {
        call.authorize("secretsmanager:ValidateResourcePolicy", "*", Keys::new())?;
        call.identity.account.clone()
    };
    let report = iam_policy::lint::lint_text(
        text,
        &iam_policy::lint::LintOptions {
            policy_type: Some(iam_policy::PolicyType::Resource),
        },
    );
    let mut errors: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "CheckName": f.code.as_str(),
                "ErrorMessage": format!("{}:{}: {} ({})", f.start.line, f.start.column, f.message, f.severity),
            })
        })
        .collect();
    let mut passed = !report
        .findings
        .iter()
        .any(|f| f.severity == iam_policy::lint::Severity::Error);
    if let Ok(policy) = iam_policy::parse_policy(text, iam_policy::PolicyType::Resource)
        && iam_policy::exposure::exposure(&policy, Some(&owner)).is_public()
    {
        passed = false;
        errors.push(json!({
            "CheckName": "BROAD_ACCESS",
            "ErrorMessage": "This resource policy grants broad access to the secret (BlockPublicPolicy would refuse it).",
        }));
    }
    Ok(json!({"PolicyValidationPassed": passed, "ValidationErrors": errors}))
}

fn rotate_secret(call: &mut Call<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    let lambda = opt_str(input, "RotationLambdaARN")?;
    let rules = input.get("RotationRules").filter(|v| !v.is_null()).cloned();
    if rules.as_ref().is_some_and(|r| !r.is_object()) {
        return Err(ApiError::serialization("RotationRules must be an object"));
    }
    let immediately = opt_bool(input, "RotateImmediately")?.unwrap_or(true);
    let token = client_token(input)?;
    let mut extra = Keys::new()
        .bool(Named::ModifyRotationRules, rules.is_some())
        .bool(Named::RotateImmediately, immediately);
    if let Some(l) = lambda {
        extra = extra.string(Named::RotationLambdaArn, l);
    }
    let secret = authorized_secret(call, input, "secretsmanager:RotateSecret", extra)?;
    not_deleted(&secret)?;
    if lambda.is_none()
        && secret
            .rotation
            .as_ref()
            .and_then(|r| r.lambda_arn.as_ref())
            .is_none()
    {
        return Err(ApiError::invalid_request(
            "No Lambda rotation function ARN is associated with this secret.",
        ));
    }
    let app = call.app;
    // Without an AWSPENDING version the rotation copies the current value into a new version.
    // That value is read here, before the transaction: a storage read inside `update` would
    // take the embedded database's connection a second time on the same thread (deadlock).
    // The closure checks that AWSCURRENT did not move in between.
    let current_before = match secret.version_with_stage(AWSCURRENT) {
        Some(current) if immediately && secret.version_with_stage(AWSPENDING).is_none() => {
            let sealed = app
                .storage
                .value(&secret.arn, &current.id)?
                .ok_or_else(ApiError::version_not_found)?;
            Some((
                current.id.clone(),
                app.cipher.open(&secret.arn, &current.id, &sealed)?,
            ))
        }
        _ => None,
    };
    let mut version_id = token.clone();
    let written = app.storage.update(&secret.arn, &mut |s| {
        let rotation = s.rotation.get_or_insert_with(Rotation::default);
        rotation.enabled = true;
        if let Some(l) = lambda {
            rotation.lambda_arn = Some(l.to_owned());
        }
        if let Some(r) = &rules {
            rotation.rules = Some(r.clone());
        }
        s.last_changed = call.now();
        if !immediately {
            return Ok(Change::default());
        }
        // The rotation function's steps, without the function: the version labelled
        // AWSPENDING (set by `put-secret-value --version-stages AWSPENDING`, as a rotation
        // function's createSecret step does) becomes AWSCURRENT; without one, a new version
        // with the current value is created and promoted. The old AWSCURRENT becomes
        // AWSPREVIOUS.
        let change = match s.version_with_stage(AWSPENDING).map(|v| v.id.clone()) {
            Some(pending) => {
                version_id.clone_from(&pending);
                move_stage(s, AWSCURRENT, &pending);
                Change::default()
            }
            None => {
                let current = s
                    .version_with_stage(AWSCURRENT)
                    .ok_or_else(ApiError::version_not_found)?;
                let plain = match &current_before {
                    Some((id, plain)) if *id == current.id => plain,
                    _ => {
                        return Err(ApiError::invalid_request(
                            "The secret's versions changed while it was being rotated. Try again.",
                        ));
                    }
                };
                version_id.clone_from(&token);
                add_version(call, s, &token, plain, &[AWSCURRENT.to_owned()])?
            }
        };
        for v in &mut s.versions {
            v.stages.retain(|x| x != AWSPENDING);
        }
        s.last_rotated = Some(call.now());
        Ok(change)
    })?;
    let mut out = json!({"ARN": written.arn, "Name": written.name});
    if immediately {
        crate::set(&mut out, "VersionId", json!(version_id));
    }
    Ok(out)
}

fn get_random_password(call: &mut Call<'_>, input: &Map<String, Value>) -> Result<Value, ApiError> {
    call.authorize("secretsmanager:GetRandomPassword", "*", Keys::new())?;
    let length = opt_int(input, "PasswordLength")?.unwrap_or(32);
    if !(1..=4096).contains(&length) {
        return Err(ApiError::invalid_parameter(
            "PasswordLength must be 1 to 4096.",
        ));
    }
    let exclude = opt_str(input, "ExcludeCharacters")?.unwrap_or("");
    let no_punct = opt_bool(input, "ExcludePunctuation")?.unwrap_or(false);
    let no_upper = opt_bool(input, "ExcludeUppercase")?.unwrap_or(false);
    let no_lower = opt_bool(input, "ExcludeLowercase")?.unwrap_or(false);
    let no_digits = opt_bool(input, "ExcludeNumbers")?.unwrap_or(false);
    let space = opt_bool(input, "IncludeSpace")?.unwrap_or(false);
    let alphabet: Vec<char> = (0x20u8..0x7f)
        .map(char::from)
        .filter(|c| {
            let excluded = exclude.contains(*c)
                || (no_punct && c.is_ascii_punctuation())
                || (no_upper && c.is_ascii_uppercase())
                || (no_lower && c.is_ascii_lowercase())
                || (no_digits && c.is_ascii_digit())
                || (!space && *c == ' ');
            !excluded
        })
        .collect();
    if alphabet.is_empty() {
        return Err(ApiError::invalid_parameter(
            "No characters are left to choose from.",
        ));
    }
    let mut bytes = vec![0u8; usize::try_from(length).unwrap_or(32) * 2];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(e.to_string()))?;
    let password: String = bytes
        .chunks(2)
        .map(|c| {
            let n = c.iter().fold(0usize, |a, b| a * 256 + usize::from(*b));
            alphabet.get(n % alphabet.len()).copied().unwrap_or('x')
        })
        .collect();
    Ok(json!({"RandomPassword": password}))
}
