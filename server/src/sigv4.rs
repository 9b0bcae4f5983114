//! AWS Signature Version 4: verifying requests (header and query-string forms) and signing
//! them (for the benchmark client and tests).
//!
//! The algorithm is AWS's
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html>):
//! a canonical request (method, URI, sorted query, the signed headers, the payload's SHA-256),
//! a string to sign with the credential scope, and an HMAC-SHA256 chain from the secret key.
//! The verifier rebuilds the canonical request from exactly the headers the client listed in
//! `SignedHeaders`, and compares signatures in constant time.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

type HmacSha256 = Hmac<Sha256>;

/// How far a request's time may be from the server's (AWS: 15 minutes).
pub const MAX_SKEW_SECONDS: i64 = 15 * 60;
/// The longest validity of a presigned URL (AWS: 7 days).
pub const MAX_EXPIRES_SECONDS: i64 = 7 * 24 * 3600;

/// The parts of a request that a signature covers.
#[derive(Debug)]
pub struct SignedRequest<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The path as sent (percent-encoded).
    pub path: &'a str,
    /// The query string as sent (without `?`).
    pub query: &'a str,
    /// The headers, names in any case.
    pub headers: &'a [(String, String)],
    /// The body.
    pub body: &'a [u8],
}

/// What a request claims about its signature, read before the key is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim {
    /// The access key id.
    pub access_key_id: String,
    /// `YYYYMMDD` of the scope.
    pub scope_date: String,
    /// The region of the scope.
    pub region: String,
    /// The service of the scope.
    pub service: String,
    /// The signed headers, lower-case, in the order given.
    pub signed_headers: Vec<String>,
    /// The signature (hex).
    pub signature: String,
    /// `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`).
    pub amz_date: String,
    /// The session token sent, if any.
    pub security_token: Option<String>,
    /// For the query form: `X-Amz-Expires`.
    pub expires: Option<i64>,
    /// Whether the signature came in the query string.
    pub presigned: bool,
}

fn incomplete(message: impl Into<String>) -> ApiError {
    ApiError::new("IncompleteSignatureException", 400, message)
}

/// The value of header `name` (lower-case), all values joined by `,`.
fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Decoded query pairs.
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Reads the signature's claims from the `Authorization` header or the query string.
///
/// # Errors
///
/// `MissingAuthenticationTokenException` when the request is not signed at all;
/// `IncompleteSignatureException` when the signature is malformed.
pub fn claim(req: &SignedRequest<'_>) -> Result<Claim, ApiError> {
    let token = header(req.headers, "x-amz-security-token").map(str::to_owned);
    if let Some(auth) = header(req.headers, "authorization") {
        let rest = auth.strip_prefix("AWS4-HMAC-SHA256 ").ok_or_else(|| {
            incomplete(format!(
                "Unsupported authorization type: {}",
                first_word(auth)
            ))
        })?;
        let mut credential = None;
        let mut signed = None;
        let mut signature = None;
        for part in rest.split(',') {
            let part = part.trim();
            if let Some(v) = part.strip_prefix("Credential=") {
                credential = Some(v);
            } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
                signed = Some(v);
            } else if let Some(v) = part.strip_prefix("Signature=") {
                signature = Some(v);
            }
        }
        let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature)
        else {
            return Err(incomplete(
                "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.",
            ));
        };
        let amz_date = header(req.headers, "x-amz-date")
            .ok_or_else(|| incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."))?
            .to_owned();
        return build_claim(credential, signed, signature, amz_date, token, None, false);
    }
    let pairs = query_pairs(req.query);
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    match get("X-Amz-Algorithm") {
        None => Err(ApiError::new(
            "MissingAuthenticationTokenException",
            400,
            "Request is missing Authentication Token",
        )),
        Some(alg) if alg != "AWS4-HMAC-SHA256" => {
            Err(incomplete(format!("Unsupported algorithm: {alg}")))
        }
        Some(_) => {
            let (Some(credential), Some(signed), Some(signature), Some(date)) = (
                get("X-Amz-Credential"),
                get("X-Amz-SignedHeaders"),
                get("X-Amz-Signature"),
                get("X-Amz-Date"),
            ) else {
                return Err(incomplete(
                    "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders' and 'X-Amz-Date'.",
                ));
            };
            let expires = get("X-Amz-Expires")
                .map(|e| {
                    e.parse::<i64>()
                        .ok()
                        .filter(|n| (0..=MAX_EXPIRES_SECONDS).contains(n))
                        .ok_or_else(|| {
                            incomplete("X-Amz-Expires must be a number of seconds up to 604800.")
                        })
                })
                .transpose()?;
            let token = get("X-Amz-Security-Token").map(str::to_owned).or(token);
            build_claim(
                credential,
                signed,
                signature,
                date.to_owned(),
                token,
                expires,
                true,
            )
        }
    }
}

fn first_word(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or("")
}

fn build_claim(
    credential: &str,
    signed: &str,
    signature: &str,
    amz_date: String,
    security_token: Option<String>,
    expires: Option<i64>,
    presigned: bool,
) -> Result<Claim, ApiError> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [key, date, region, service, terminal] = parts.as_slice() else {
        return Err(incomplete(format!(
            "Credential should have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
        )));
    };
    if *terminal != "aws4_request" {
        return Err(incomplete(format!(
            "Credential should be scoped with a valid terminator: 'aws4_request', not '{terminal}'."
        )));
    }
    if !amz_date.starts_with(date) {
        return Err(ApiError::new(
            "InvalidSignatureException",
            400,
            format!(
                "Credential should be scoped to a valid date: {date} does not match {amz_date}."
            ),
        ));
    }
    let signed_headers: Vec<String> = signed.split(';').map(str::to_ascii_lowercase).collect();
    if !signed_headers.iter().any(|h| h == "host") {
        return Err(ApiError::new(
            "InvalidSignatureException",
            400,
            "'Host' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    Ok(Claim {
        access_key_id: (*key).to_owned(),
        scope_date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
        signed_headers,
        signature: signature.to_owned(),
        amz_date,
        security_token,
        expires,
        presigned,
    })
}

/// Parses `YYYYMMDDTHHMMSSZ` into epoch seconds.
pub fn parse_amz_date(text: &str) -> Option<i64> {
    let ts: jiff::civil::DateTime = jiff::fmt::strtime::parse("%Y%m%dT%H%M%SZ", text)
        .ok()?
        .to_datetime()
        .ok()?;
    ts.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp().as_second())
}

/// Formats epoch seconds as `YYYYMMDDTHHMMSSZ`.
pub fn format_amz_date(epoch: i64) -> String {
    jiff::Timestamp::from_second(epoch)
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_default()
}

/// Checks the request's time against `now` (epoch seconds): within 15 minutes, or within the
/// validity of a presigned URL.
///
/// # Errors
///
/// AWS's `InvalidSignatureException` "Signature expired" (or "not yet current").
pub fn check_time(claim: &Claim, now: i64) -> Result<(), ApiError> {
    let at = parse_amz_date(&claim.amz_date).ok_or_else(|| {
        incomplete(format!(
            "Date must be in ISO-8601 'basic format'. Got '{}'.",
            claim.amz_date
        ))
    })?;
    let fmt = format_amz_date;
    if let Some(expires) = claim.expires {
        if now > at + expires {
            return Err(ApiError::new(
                "InvalidSignatureException",
                400,
                format!(
                    "Signature expired: {} is now earlier than {} ({} - {expires} sec.)",
                    fmt(at + expires),
                    fmt(now),
                    fmt(now)
                ),
            ));
        }
    } else if at < now - MAX_SKEW_SECONDS {
        return Err(ApiError::new(
            "InvalidSignatureException",
            400,
            format!(
                "Signature expired: {} is now earlier than {} ({} - 15 min.)",
                claim.amz_date,
                fmt(now - MAX_SKEW_SECONDS),
                fmt(now)
            ),
        ));
    }
    if at > now + MAX_SKEW_SECONDS {
        return Err(ApiError::new(
            "InvalidSignatureException",
            400,
            format!(
                "Signature not yet current: {} is still later than {} ({} + 15 min.)",
                claim.amz_date,
                fmt(now + MAX_SKEW_SECONDS),
                fmt(now)
            ),
        ));
    }
    Ok(())
}

/// AWS's URI encoding: unreserved bytes (`A-Z a-z 0-9 - _ . ~`) stay, every other byte is
/// `%XX` (upper-case hex); `/` stays when `keep_slash`.
pub fn uri_encode(text: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && b == b'/')
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The canonical query string: pairs decoded, re-encoded, sorted; `X-Amz-Signature` left out.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query_pairs(query)
        .into_iter()
        .filter(|(k, _)| k != "X-Amz-Signature")
        .map(|(k, v)| (uri_encode(&k, false), uri_encode(&v, false)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A header value trimmed, with runs of spaces collapsed to one.
fn canonical_value(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The canonical request.
fn canonical_request(req: &SignedRequest<'_>, signed: &[String], payload_hash: &str) -> String {
    let path = if req.path.is_empty() { "/" } else { req.path };
    let mut out = String::with_capacity(256);
    out.push_str(req.method);
    out.push('\n');
    out.push_str(&uri_encode(path, true));
    out.push('\n');
    out.push_str(&canonical_query(req.query));
    out.push('\n');
    for name in signed {
        let values: Vec<String> = req
            .headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| canonical_value(v))
            .collect();
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&signed.join(";"));
    out.push('\n');
    out.push_str(payload_hash);
    out
}

/// The signing key for a date, region and service (`None` only if HMAC refused a key, which
/// it does for none).
fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Option<[u8; 32]> {
    let mut key = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes())?;
    for part in [region, service, "aws4_request"] {
        key = hmac(&key, part.as_bytes())?;
    }
    Some(key)
}

fn hmac(key: &[u8], data: &[u8]) -> Option<[u8; 32]> {
    let mut mac = keyed(key)?;
    mac.update(data);
    Some(mac.finalize().into_bytes().into())
}

/// HMAC-SHA256 keyed with `key` (HMAC accepts keys of any length: never `None`; a caller
/// that gets `None` refuses the signature).
fn keyed(key: &[u8]) -> Option<HmacSha256> {
    HmacSha256::new_from_slice(key).ok()
}

/// The scope a signing key is derived for, owned by [`SigningKeys`]'s entries.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
struct Scope {
    secret: Box<str>,
    date: Box<str>,
    region: Box<str>,
    service: Box<str>,
}

/// The same, borrowed from a request for a lookup (hashed as [`Scope`] hashes: field by
/// field, each as a `str`).
#[derive(Clone, Copy, Debug, Hash)]
struct ScopeRef<'a> {
    secret: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
}

impl quick_cache::Equivalent<Scope> for ScopeRef<'_> {
    fn equivalent(&self, key: &Scope) -> bool {
        *key.secret == *self.secret
            && *key.date == *self.date
            && *key.region == *self.region
            && *key.service == *self.service
    }
}

/// Signing keys derived so far, by secret key, date, region and service: a caller signs
/// every request of a day with the same key, which takes four HMAC-SHA256 computations to
/// derive (AWS's SDKs keep it the same way). Each is kept as the HMAC keyed with it (its
/// inner and outer key blocks hashed once), which a request's signature continues. Bounded:
/// the least useful entries make room for new ones. Only the derivation is saved; every
/// request's signature is still computed and compared.
pub struct SigningKeys(quick_cache::sync::Cache<Scope, HmacSha256>);

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKeys({} of {})", self.0.len(), self.0.capacity())
    }
}

impl Default for SigningKeys {
    /// Room for [`SigningKeys::DEFAULT_CAPACITY`] keys.
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

impl SigningKeys {
    /// The default number of keys kept: one per caller active today, for far more callers
    /// than a configuration usually has (an entry is about 100 bytes plus the secret).
    pub const DEFAULT_CAPACITY: usize = 4096;

    /// A cache of at most `capacity` keys (at least one).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self(quick_cache::sync::Cache::new(capacity.max(1)))
    }

    /// The HMAC keyed with the signing key of `secret` for `date` (`YYYYMMDD`), `region` and
    /// `service` (derived on its first use), ready for the string to sign (`None`, never
    /// cached, only if HMAC refused a key).
    pub fn mac(&self, secret: &str, date: &str, region: &str, service: &str) -> Option<HmacSha256> {
        let scope = ScopeRef {
            secret,
            date,
            region,
            service,
        };
        if let Some(mac) = self.0.get(&scope) {
            return Some(mac);
        }
        let key = keyed(&signing_key(secret, date, region, service)?)?;
        self.0.insert(
            Scope {
                secret: secret.into(),
                date: date.into(),
                region: region.into(),
                service: service.into(),
            },
            key.clone(),
        );
        Some(key)
    }

    /// The number of keys kept.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no key is kept.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The most keys kept.
    #[must_use]
    pub fn capacity(&self) -> usize {
        usize::try_from(self.0.capacity()).unwrap_or(usize::MAX)
    }
}

/// Hex SHA-256.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn string_to_sign(amz_date: &str, scope: &str, canonical: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    )
}

/// Verifies the signature of `req` as claimed by `claim` with `secret_key`, the signing key
/// taken from `keys` (derived there on its first use).
///
/// # Errors
///
/// AWS's `InvalidSignatureException` when the signature does not match.
pub fn verify(
    req: &SignedRequest<'_>,
    claim: &Claim,
    secret_key: &str,
    keys: &SigningKeys,
) -> Result<(), ApiError> {
    let scope = format!(
        "{}/{}/{}/aws4_request",
        claim.scope_date, claim.region, claim.service
    );
    let keyed = keys.mac(secret_key, &claim.scope_date, &claim.region, &claim.service);
    let body_hash = sha256_hex(req.body);
    let mut candidates = Vec::with_capacity(2);
    match header(req.headers, "x-amz-content-sha256") {
        Some("UNSIGNED-PAYLOAD") if claim.presigned || req.body.is_empty() => {
            candidates.push("UNSIGNED-PAYLOAD".to_owned());
        }
        Some(given) if given == body_hash => candidates.push(body_hash),
        Some(_) => {
            return Err(ApiError::new(
                "InvalidSignatureException",
                400,
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ));
        }
        None => {
            candidates.push(body_hash);
            if claim.presigned {
                candidates.push("UNSIGNED-PAYLOAD".to_owned());
            }
        }
    }
    let expected = hex::decode(&claim.signature).unwrap_or_default();
    for payload in candidates {
        let canonical = canonical_request(req, &claim.signed_headers, &payload);
        let to_sign = string_to_sign(&claim.amz_date, &scope, &canonical);
        if let Some(mut mac) = keyed.clone() {
            mac.update(to_sign.as_bytes());
            if mac.verify_slice(&expected).is_ok() {
                return Ok(());
            }
        }
    }
    Err(ApiError::new(
        "InvalidSignatureException",
        400,
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    ))
}

/// Credentials for [`sign`].
#[derive(Clone, Debug)]
pub struct Credentials {
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// The session token of temporary credentials.
    pub session_token: Option<String>,
}

/// Signs a request in the header form: returns the headers to add (`x-amz-date`,
/// `x-amz-security-token` when there is a session token, `authorization`). `headers` must
/// hold `host` and every other header to sign.
pub fn sign(
    req: &SignedRequest<'_>,
    creds: &Credentials,
    region: &str,
    service: &str,
    epoch: i64,
) -> Vec<(String, String)> {
    let amz_date = format_amz_date(epoch);
    let date = amz_date.get(..8).unwrap_or_default().to_owned();
    let mut headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    headers.push(("x-amz-date".into(), amz_date.clone()));
    if let Some(token) = &creds.session_token {
        headers.push(("x-amz-security-token".into(), token.clone()));
    }
    let mut signed: Vec<String> = headers.iter().map(|(n, _)| n.clone()).collect();
    signed.sort();
    signed.dedup();
    let full = SignedRequest {
        headers: &headers,
        ..*req
    };
    let canonical = canonical_request(&full, &signed, &sha256_hex(req.body));
    let scope = format!("{date}/{region}/{service}/aws4_request");
    // No key (never: HMAC takes any) signs nothing: an empty signature, which no server
    // accepts.
    let signature = signing_key(&creds.secret_access_key, &date, region, service)
        .and_then(|key| {
            hmac(
                &key,
                string_to_sign(&amz_date, &scope, &canonical).as_bytes(),
            )
        })
        .map(hex::encode)
        .unwrap_or_default();
    let mut out = vec![("x-amz-date".to_owned(), amz_date)];
    if let Some(token) = &creds.session_token {
        out.push(("x-amz-security-token".to_owned(), token.clone()));
    }
    out.push((
        "authorization".to_owned(),
        format!(
            "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={}, Signature={signature}",
            creds.access_key_id,
            signed.join(";")
        ),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's documented example (IAM User Guide, "Signature Version 4 signing process",
    /// `GET https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08`).
    #[test]
    fn matches_the_documented_example_signature() -> Result<(), ApiError> {
        let headers = vec![
            ("Host".to_owned(), "iam.amazonaws.com".to_owned()),
            (
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded; charset=utf-8".to_owned(),
            ),
            ("X-Amz-Date".to_owned(), "20150830T123600Z".to_owned()),
            (
                "Authorization".to_owned(),
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7".to_owned(),
            ),
        ];
        let req = SignedRequest {
            method: "GET",
            path: "/",
            query: "Action=ListUsers&Version=2010-05-08",
            headers: &headers,
            body: b"",
        };
        let c = claim(&req)?;
        assert_eq!(c.access_key_id, "AKIDEXAMPLE");
        let keys = SigningKeys::default();
        verify(&req, &c, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", &keys)?;
        assert!(verify(&req, &c, "wrong", &keys).is_err());
        let mut tampered = headers.clone();
        if let Some(h) = tampered.get_mut(1) {
            h.1 = "text/plain".to_owned();
        }
        let req2 = SignedRequest {
            headers: &tampered,
            ..req
        };
        assert!(verify(&req2, &c, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", &keys).is_err());
        Ok(())
    }

    #[test]
    fn sign_then_verify_round_trips_and_checks_the_body() -> Result<(), ApiError> {
        let creds = Credentials {
            access_key_id: "AKIDTEST".into(),
            secret_access_key: "secret".into(),
            session_token: Some("tok".into()),
        };
        let mut headers: Vec<(String, String)> = vec![
            ("host".to_owned(), "127.0.0.1:1".to_owned()),
            (
                "x-amz-target".to_owned(),
                "secretsmanager.GetSecretValue".to_owned(),
            ),
        ];
        let body = br#"{"SecretId":"a"}"#;
        let req = SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body,
        };
        let added = sign(&req, &creds, "us-east-1", "secretsmanager", 1_700_000_000);
        headers.extend(added);
        let req = SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body,
        };
        let c = claim(&req)?;
        assert_eq!(c.security_token.as_deref(), Some("tok"));
        let keys = SigningKeys::default();
        verify(&req, &c, "secret", &keys)?;
        check_time(&c, 1_700_000_000 + 899)?;
        assert!(check_time(&c, 1_700_000_000 + 901).is_err());
        assert!(check_time(&c, 1_700_000_000 - 901).is_err());
        let other = SignedRequest {
            body: br#"{"SecretId":"b"}"#,
            ..req
        };
        assert!(verify(&other, &c, "secret", &keys).is_err());
        Ok(())
    }

    #[test]
    fn malformed_authorization_is_incomplete_and_missing_is_missing() {
        let h = vec![(
            "authorization".to_owned(),
            "AWS4-HMAC-SHA256 Credential=x".to_owned(),
        )];
        let req = SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &h,
            body: b"",
        };
        assert_eq!(
            claim(&req).map_err(|e| e.code),
            Err("IncompleteSignatureException")
        );
        let req = SignedRequest {
            headers: &[],
            ..req
        };
        assert_eq!(
            claim(&req).map_err(|e| e.code),
            Err("MissingAuthenticationTokenException")
        );
    }

    /// A request signed by `creds` at `epoch` for `region`, and its claim.
    fn signed_at(
        creds: &Credentials,
        region: &str,
        epoch: i64,
        body: &'static [u8],
    ) -> Result<(Vec<(String, String)>, Claim), ApiError> {
        let mut headers = vec![("host".to_owned(), "127.0.0.1:1".to_owned())];
        let added = sign(
            &SignedRequest {
                method: "POST",
                path: "/",
                query: "",
                headers: &headers,
                body,
            },
            creds,
            region,
            "secretsmanager",
            epoch,
        );
        headers.extend(added);
        let c = claim(&SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body,
        })?;
        Ok((headers, c))
    }

    fn creds(secret: &str) -> Credentials {
        Credentials {
            access_key_id: "AKIDTEST".into(),
            secret_access_key: secret.into(),
            session_token: None,
        }
    }

    /// A bad signature is still refused after a good one with the same (cached) key: a
    /// tampered body, a wrong signature, and a request signed with another secret that claims
    /// the same access key.
    #[test]
    fn a_cached_key_still_refuses_bad_signatures() -> Result<(), ApiError> {
        let keys = SigningKeys::default();
        let at = 1_700_000_000;
        let (headers, c) = signed_at(&creds("secret"), "us-east-1", at, b"{}")?;
        let req = SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: &headers,
            body: b"{}",
        };
        verify(&req, &c, "secret", &keys)?;
        assert_eq!(keys.len(), 1);
        // The key is cached now: the same request verifies again, the others do not.
        verify(&req, &c, "secret", &keys)?;
        let tampered = SignedRequest {
            body: b"{\"a\":1}",
            ..req
        };
        assert_eq!(
            verify(&tampered, &c, "secret", &keys).map_err(|e| e.code),
            Err("InvalidSignatureException")
        );
        let mut wrong = c.clone();
        wrong.signature = "0".repeat(64);
        assert!(verify(&req, &wrong, "secret", &keys).is_err());
        let (other_headers, other) = signed_at(&creds("other"), "us-east-1", at, b"{}")?;
        let other_req = SignedRequest {
            headers: &other_headers,
            ..req
        };
        assert!(verify(&other_req, &other, "secret", &keys).is_err());
        // And the key the configuration holds is checked, not the one cached for another.
        assert!(verify(&req, &c, "not-the-secret", &keys).is_err());
        assert_eq!(keys.len(), 2);
        Ok(())
    }

    /// What the cached HMAC of a scope makes of a fixed text (to compare keys by).
    fn mac_of(keys: &SigningKeys, secret: &str, date: &str, region: &str) -> Option<[u8; 32]> {
        let mut mac = keys.mac(secret, date, region, "secretsmanager")?;
        mac.update(b"text");
        Some(mac.finalize().into_bytes().into())
    }

    /// The same, keyed with the key derived without the cache.
    fn uncached(secret: &str, date: &str, region: &str) -> Option<[u8; 32]> {
        hmac(
            &signing_key(secret, date, region, "secretsmanager")?,
            b"text",
        )
    }

    /// A new date (or region) derives its own key, equal to the uncached derivation, and a
    /// request signed on the next day verifies with it.
    #[test]
    fn a_new_date_derives_a_new_key() -> Result<(), ApiError> {
        let keys = SigningKeys::default();
        let day = mac_of(&keys, "secret", "20231114", "us-east-1");
        let next = mac_of(&keys, "secret", "20231115", "us-east-1");
        let region = mac_of(&keys, "secret", "20231114", "eu-west-1");
        assert!(day.is_some());
        assert_ne!(day, next);
        assert_ne!(day, region);
        assert_eq!(next, uncached("secret", "20231115", "us-east-1"));
        assert_eq!(mac_of(&keys, "secret", "20231114", "us-east-1"), day);
        assert_eq!(keys.len(), 3);
        let at = 1_700_000_000; // 2023-11-14T22:13:20Z
        let (h1, c1) = signed_at(&creds("secret"), "us-east-1", at, b"")?;
        let (h2, c2) = signed_at(&creds("secret"), "us-east-1", at + 86_400, b"")?;
        assert_eq!(
            (c1.scope_date.as_str(), c2.scope_date.as_str()),
            ("20231114", "20231115")
        );
        let req = |h| SignedRequest {
            method: "POST",
            path: "/",
            query: "",
            headers: h,
            body: b"",
        };
        verify(&req(&h1), &c1, "secret", &keys)?;
        verify(&req(&h2), &c2, "secret", &keys)?;
        // A signature of one day does not pass with the other day's scope.
        let mut moved = c2.clone();
        moved.signature = c1.signature.clone();
        assert!(verify(&req(&h2), &moved, "secret", &keys).is_err());
        Ok(())
    }

    /// The cache keeps no more keys than its capacity, however many callers sign, and a key
    /// that made room for others is derived again, the same.
    #[test]
    fn the_signing_key_cache_is_bounded() {
        let keys = SigningKeys::new(16);
        let first = mac_of(&keys, "secret-0", "20231114", "us-east-1");
        for i in 0..1000 {
            let secret = format!("secret-{i}");
            let key = mac_of(&keys, &secret, "20231114", "us-east-1");
            assert_eq!(key, uncached(&secret, "20231114", "us-east-1"));
            assert!(keys.len() <= keys.capacity(), "{} keys", keys.len());
        }
        assert!(keys.capacity() <= 16);
        assert!(!keys.is_empty());
        assert_eq!(mac_of(&keys, "secret-0", "20231114", "us-east-1"), first);
    }
}
