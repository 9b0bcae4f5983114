//! The server's shared state and the handling of one HTTP request: protocol detection,
//! signature verification, dispatch, the answer in AWS's shapes and the audit line.

use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Map, Value, json};

use crate::audit::{Audit, redact, user_identity};
use crate::authz::{Authorizer, Identity};
use crate::call::{Call, Decisions, Keys};
use crate::config::Config;
use crate::crypto::Cipher;
use crate::error::ApiError;
use crate::sigv4::{self, SignedRequest};
use crate::storage::Storage;

/// The largest request body accepted (AWS's largest Secrets Manager request is well below).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Counters for the benchmark: requests served and time spent deciding.
#[derive(Debug, Default)]
pub struct Stats {
    /// Requests answered.
    pub requests: AtomicU64,
    /// Nanoseconds spent handling requests (after the body was read).
    pub handle_nanos: AtomicU64,
    /// Nanoseconds spent in authorization decisions.
    pub authz_nanos: AtomicU64,
    /// CPU nanoseconds the deciding threads spent in authorization (wall-clock time counts a
    /// thread preempted while deciding; this does not).
    pub authz_cpu_nanos: AtomicU64,
    /// The authorization time of each request that decided, and its whole handling time: a
    /// thread preempted while deciding adds milliseconds to the sums above, not to the
    /// medians of these.
    pub authz_histogram: Histogram,
    pub handle_histogram: Histogram,
}

/// Counts of durations in buckets of about 6 % (16 per power of two), from 0 to 2^40 ns;
/// concurrent updates (one relaxed increment each).
#[derive(Debug)]
pub struct Histogram(Vec<AtomicU64>);

impl Default for Histogram {
    fn default() -> Self {
        Self((0..Self::BUCKETS).map(|_| AtomicU64::new(0)).collect())
    }
}

impl Histogram {
    /// Sub-buckets per power of two (bits below the top one).
    const SUB_BITS: u32 = 4;
    /// Buckets up to 2^40 ns (longer durations count in the last).
    const BUCKETS: usize = ((40 - Self::SUB_BITS as usize) + 1) << Self::SUB_BITS;

    /// The bucket of `ns`: exact below 16, then the power of two and the 4 bits below it.
    pub fn bucket(ns: u64) -> usize {
        let sub = 1u64 << Self::SUB_BITS;
        let i = if ns < sub {
            ns
        } else {
            let log = u64::from(63 - ns.leading_zeros());
            let shift = log - u64::from(Self::SUB_BITS);
            ((shift + 1) << Self::SUB_BITS) + ((ns >> shift) & (sub - 1))
        };
        usize::try_from(i).map_or(Self::BUCKETS - 1, |i| i.min(Self::BUCKETS - 1))
    }

    /// The smallest duration of bucket `i`.
    pub fn lower(i: usize) -> u64 {
        let sub = 1u64 << Self::SUB_BITS;
        let i = u64::try_from(i).unwrap_or(u64::MAX);
        if i < sub {
            return i;
        }
        let shift = (i >> Self::SUB_BITS) - 1;
        (sub | (i & (sub - 1))) << shift
    }

    /// Counts `ns`.
    pub fn add(&self, ns: u64) {
        if let Some(b) = self.0.get(Self::bucket(ns)) {
            b.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The counts, bucket by bucket (trailing empty buckets left out).
    pub fn counts(&self) -> Vec<u64> {
        let mut out: Vec<u64> = self.0.iter().map(|b| b.load(Ordering::Relaxed)).collect();
        while out.last() == Some(&0) {
            out.pop();
        }
        out
    }
}

/// The server's state.
#[derive(Debug)]
pub struct App {
    /// Policies and credentials.
    pub authz: Authorizer,
    /// Secrets.
    pub storage: Box<dyn Storage>,
    /// Encryption at rest.
    pub cipher: Cipher,
    /// The configuration file, for reloads.
    pub config_path: Option<PathBuf>,
    /// The audit trail.
    pub audit: Audit,
    /// Whether calls are authorized (switched off only to measure authorization's cost).
    pub authorization: bool,
    /// Counters.
    pub stats: Stats,
    /// Tests only: keep the names of the condition keys of each decision.
    pub record_context_keys: bool,
    /// The SigV4 signing keys derived so far (one per caller and day).
    pub signing_keys: crate::sigv4::SigningKeys,
    /// Count the deciding thread's CPU time in [`Stats::authz_cpu_nanos`] (benchmark only:
    /// it costs two system calls per decision).
    pub measure_cpu: bool,
}

/// A request as read from the wire.
#[derive(Debug)]
pub struct WireRequest {
    /// Method.
    pub method: String,
    /// Path as sent.
    pub path: String,
    /// Query as sent.
    pub query: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
    /// The peer.
    pub peer: IpAddr,
    /// Over TLS.
    pub secure: bool,
}

/// An answer.
#[derive(Debug)]
pub struct WireResponse {
    /// Status.
    pub status: u16,
    /// `Content-Type`.
    pub content_type: &'static str,
    /// Body.
    pub body: String,
    /// `x-amzn-RequestId`.
    pub request_id: String,
}

const JSON: &str = "application/x-amz-json-1.1";
const XML: &str = "text/xml";

enum Protocol {
    SecretsManager(String),
    Admin(String),
    Sts(Vec<(String, String)>),
}

fn now_ms() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0),
    )
    .unwrap_or(0)
}

fn header<'h>(headers: &'h [(String, String)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

impl App {
    /// Reloads the configuration file; the old configuration stays if the new one is invalid.
    ///
    /// # Errors
    ///
    /// The configuration's error.
    pub fn reload(&self) -> Result<(), String> {
        let path = self
            .config_path
            .as_ref()
            .ok_or_else(|| "the server was started without a configuration file".to_owned())?;
        let config = Config::load(path).map_err(|e| e.to_string())?;
        self.authz.reload(config).map_err(|e| e.to_string())?;
        // Replicas: the others re-read their configuration before their next call.
        self.storage
            .configuration_loaded(self)
            .map_err(|e| e.message)
    }

    /// Handles one request: everything after the body has been read.
    pub fn handle(&self, req: &WireRequest) -> WireResponse {
        let started = std::time::Instant::now();
        let now = now_ms();
        let request_id = crate::secrets::new_uuid().unwrap_or_default();
        let target = header(&req.headers, "x-amz-target");
        let protocol = match target {
            Some(t) => match (
                t.strip_prefix("secretsmanager."),
                t.strip_prefix("IamPolicyServer."),
            ) {
                (Some(op), _) => Protocol::SecretsManager(op.to_owned()),
                (_, Some(op)) => Protocol::Admin(op.to_owned()),
                _ => Protocol::SecretsManager(t.to_owned()),
            },
            None => {
                let mut params = sigv4::query_pairs(&req.query);
                let form = header(&req.headers, "content-type")
                    .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
                if form {
                    params.extend(
                        form_urlencoded::parse(&req.body)
                            .map(|(k, v)| (k.into_owned(), v.into_owned())),
                    );
                }
                Protocol::Sts(params)
            }
        };
        let (event_source, event_name, params_value) = match &protocol {
            Protocol::SecretsManager(op) => ("secretsmanager.amazonaws.com", op.clone(), None),
            Protocol::Admin(op) => ("iam-policy-server", op.clone(), None),
            Protocol::Sts(p) => (
                "sts.amazonaws.com",
                p.iter()
                    .find(|(k, _)| k == "Action")
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default(),
                Some(Value::Object(
                    p.iter()
                        .filter(|(k, _)| {
                            !k.starts_with("X-Amz-") && k != "Action" && k != "Version"
                        })
                        .map(|(k, v)| (k.clone(), json!(v)))
                        .collect(),
                )),
            ),
        };
        let is_sts = matches!(protocol, Protocol::Sts(_));
        let mut audit = json!({
            "eventVersion": "1.08",
            "eventTime": jiff::Timestamp::from_millisecond(now).map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default(),
            "eventSource": event_source,
            "eventName": event_name,
            "awsRegion": self.authz.config().region.clone(),
            "sourceIPAddress": req.peer.to_string(),
            "userAgent": header(&req.headers, "user-agent").unwrap_or(""),
            "requestID": request_id,
            "eventID": crate::secrets::new_uuid().unwrap_or_default(),
            "tlsDetails": if req.secure { json!({"tlsVersion": "TLSv1.2+"}) } else { Value::Null },
        });
        let mut authz_nanos = (0, 0);
        let mut decisions = None;
        let result = self.serve(
            req,
            &protocol,
            now,
            &mut audit,
            &mut decisions,
            &mut authz_nanos,
        );
        // Replicas: settle the policies this call changed (see `crate::replica`).
        if let Err(e) = self.storage.settle(self) {
            eprintln!("iam-policy-server: {}", e.message);
        }
        let (status, body) = match result {
            Ok(body) => (200, body),
            Err(e) => {
                crate::set(&mut audit, "errorCode", json!(e.code));
                crate::set(&mut audit, "errorMessage", json!(e.message));
                let (e, body) = if is_sts {
                    let e = query_protocol_error(e);
                    let body = e.xml_body(&request_id);
                    (e, body)
                } else {
                    let body = e.json_body();
                    (e, body)
                };
                (e.status, body)
            }
        };
        if audit.get("requestParameters").is_none() {
            crate::set(
                &mut audit,
                "requestParameters",
                params_value.unwrap_or(Value::Null),
            );
        }
        self.audit.write(&audit, decisions.as_deref());
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        self.stats
            .authz_nanos
            .fetch_add(authz_nanos.0, Ordering::Relaxed);
        self.stats
            .authz_cpu_nanos
            .fetch_add(authz_nanos.1, Ordering::Relaxed);
        let handled = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.stats
            .handle_nanos
            .fetch_add(handled, Ordering::Relaxed);
        self.stats.handle_histogram.add(handled);
        if authz_nanos.0 > 0 {
            self.stats.authz_histogram.add(authz_nanos.0);
        }
        WireResponse {
            status,
            content_type: if is_sts { XML } else { JSON },
            body: body.replace("{REQUEST_ID}", &request_id),
            request_id,
        }
    }

    /// Verifies the caller.
    fn authenticate(
        &self,
        req: &WireRequest,
        service: &str,
        now: i64,
    ) -> Result<Arc<Identity>, ApiError> {
        let signed = SignedRequest {
            method: &req.method,
            path: &req.path,
            query: &req.query,
            headers: &req.headers,
            body: &req.body,
        };
        let claim = sigv4::claim(&signed)?;
        let entry = match self.authz.key(&claim.access_key_id)? {
            Some(entry) => Some(entry),
            // Temporary credentials issued before a restart or by another replica.
            None => crate::sessions::lookup(self, &claim.access_key_id, now.div_euclid(1000))?,
        };
        let entry = entry.ok_or_else(|| {
            ApiError::new(
                "UnrecognizedClientException",
                400,
                "The security token included in the request is invalid.",
            )
        })?;
        sigv4::check_time(&claim, now.div_euclid(1000))?;
        sigv4::verify(&signed, &claim, &entry.secret, &self.signing_keys)?;
        if entry.token.as_deref() != claim.security_token.as_deref() {
            return Err(ApiError::new(
                "UnrecognizedClientException",
                400,
                "The security token included in the request is invalid.",
            ));
        }
        if entry
            .identity
            .expires
            .is_some_and(|x| x <= now.div_euclid(1000))
        {
            return Err(ApiError::new(
                "ExpiredTokenException",
                400,
                "The security token included in the request is expired",
            ));
        }
        let region = self.authz.config().region.clone();
        if claim.region != region {
            return Err(ApiError::new(
                "InvalidSignatureException",
                400,
                format!(
                    "Credential should be scoped to a valid region, not '{}'. ",
                    claim.region
                ),
            ));
        }
        if claim.service != service {
            return Err(ApiError::new(
                "InvalidSignatureException",
                400,
                format!("Credential should be scoped to correct service: '{service}'. "),
            ));
        }
        Ok(entry.identity)
    }

    fn serve(
        &self,
        req: &WireRequest,
        protocol: &Protocol,
        now: i64,
        audit: &mut Value,
        decisions: &mut Option<Decisions>,
        authz_nanos: &mut (u64, u64),
    ) -> Result<String, ApiError> {
        if req.method != "POST" && !matches!(protocol, Protocol::Sts(_)) {
            return Err(ApiError::new(
                "UnknownOperationException",
                400,
                "Only POST is supported.",
            ));
        }
        // Replicas: policies changed through other replicas apply before this call is
        // decided; a replica that cannot tell refuses (fails closed). The epoch check rides
        // on the call's first read of a secret, or is made before its first decision, write
        // or answer (`crate::replica`).
        // `ReloadConfiguration` is served by a replica whose file differs from the published
        // configuration: it is the remedy (it publishes this replica's file).
        let reload = matches!(protocol, Protocol::Admin(op) if op == "ReloadConfiguration");
        self.storage.begin_call(self, true, reload)?;
        let first = self
            .serve_once(req, protocol, now, audit, decisions, authz_nanos)
            .and_then(|body| self.storage.verify_call().map(|()| body));
        // An error answer is proven current too (an access key removed by a reload is refused
        // as unknown, not answered with a validation error).
        let first = match first {
            Err(e) if !self.storage.call_is_stale() => self.storage.verify_call().and(Err(e)),
            other => other,
        };
        if !self.storage.call_is_stale() {
            return first;
        }
        // The policies changed after the call began, before anything was decided or written:
        // serve it again after a full refresh.
        self.storage.begin_call(self, false, reload)?;
        self.serve_once(req, protocol, now, audit, decisions, authz_nanos)
    }

    /// [`Self::serve`] once the call has begun.
    fn serve_once(
        &self,
        req: &WireRequest,
        protocol: &Protocol,
        now: i64,
        audit: &mut Value,
        decisions: &mut Option<Decisions>,
        authz_nanos: &mut (u64, u64),
    ) -> Result<String, ApiError> {
        let service = match protocol {
            Protocol::SecretsManager(_) | Protocol::Admin(_) => "secretsmanager",
            Protocol::Sts(_) => "sts",
        };
        let identity = match self.authenticate(req, service, now) {
            Ok(id) => id,
            Err(e) => {
                crate::set(
                    audit,
                    "userIdentity",
                    json!({
                        "type": "Unknown",
                        "accessKeyId": sigv4::claim(&SignedRequest {
                            method: &req.method, path: &req.path, query: &req.query,
                            headers: &req.headers, body: &req.body,
                        }).map(|c| c.access_key_id).unwrap_or_default(),
                    }),
                );
                return Err(e);
            }
        };
        crate::set(audit, "userIdentity", user_identity(&identity));
        let mut call = Call {
            app: self,
            identity: &identity,
            source_ip: req.peer,
            secure: req.secure,
            now_ms: now,
            region: self.authz.config().region.clone(),
            decisions: Decisions::new(),
            authz_nanos: 0,
            authz_cpu_nanos: 0,
        };
        let result = match protocol {
            Protocol::SecretsManager(op) => {
                let input = parse_json(&req.body);
                match input {
                    Ok(input) => {
                        crate::set(audit, "requestParameters", redact(&input));
                        if !crate::secrets::OPERATIONS.contains(&op.as_str()) {
                            Err(ApiError::new(
                                "UnknownOperationException",
                                400,
                                format!("The operation {op} is not supported by this server."),
                            ))
                        } else {
                            crate::secrets::dispatch(&mut call, op, &input).map(|v| v.to_string())
                        }
                    }
                    Err(e) => Err(e),
                }
            }
            Protocol::Admin(op) => self.admin(&mut call, op),
            Protocol::Sts(params) => {
                let action = params
                    .iter()
                    .find(|(k, _)| k == "Action")
                    .map(|(_, v)| v.as_str())
                    .ok_or_else(|| ApiError::new("MissingAction", 400, "Missing Action"));
                match action {
                    Ok(a) => crate::sts::dispatch(&mut call, a, params),
                    Err(e) => Err(e),
                }
            }
        };
        *decisions = Some(call.decisions);
        *authz_nanos = (call.authz_nanos, call.authz_cpu_nanos);
        result
    }

    fn admin(&self, call: &mut Call<'_>, op: &str) -> Result<String, ApiError> {
        match op {
            "ReloadConfiguration" => {
                call.authorize("iampolicyserver:ReloadConfiguration", "*", Keys::new())?;
                self.reload().map_err(|e| {
                    ApiError::invalid_request(format!("The configuration was not reloaded: {e}"))
                })?;
                Ok("{}".to_owned())
            }
            "GetStatistics" => {
                call.authorize("iampolicyserver:GetStatistics", "*", Keys::new())?;
                let mut stats = json!({
                    "Requests": self.stats.requests.load(Ordering::Relaxed),
                    "HandleNanos": self.stats.handle_nanos.load(Ordering::Relaxed),
                    "AuthorizationNanos": self.stats.authz_nanos.load(Ordering::Relaxed),
                    "AuthorizationCpuNanos": self.stats.authz_cpu_nanos.load(Ordering::Relaxed),
                    // Bucket `i` from `Histogram::lower(i)` ns (about 6 % wide).
                    "AuthorizationHistogram": self.stats.authz_histogram.counts(),
                    "HandleHistogram": self.stats.handle_histogram.counts(),
                    "Secrets": self.storage.count()?,
                });
                let (hits, misses) = self.authz.decision_cache_counts();
                crate::set(&mut stats, "DecisionCacheHits", json!(hits));
                crate::set(&mut stats, "DecisionCacheMisses", json!(misses));
                for (name, n) in self.storage.statistics() {
                    crate::set(&mut stats, name, json!(n));
                }
                Ok(stats.to_string())
            }
            _ => Err(ApiError::new(
                "UnknownOperationException",
                400,
                format!("The operation {op} is not supported by this server."),
            )),
        }
    }
}

/// The query protocol's (STS's) spelling of an error: its codes for the authentication and
/// authorization errors, which the JSON 1.1 services spell with `…Exception`
/// (<https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html>).
fn query_protocol_error(e: ApiError) -> ApiError {
    let (code, status) = match e.code {
        "AccessDeniedException" => ("AccessDenied", 403),
        "InvalidSignatureException" => ("SignatureDoesNotMatch", 403),
        "UnrecognizedClientException" => ("InvalidClientTokenId", 403),
        "ExpiredTokenException" => ("ExpiredToken", 400),
        "IncompleteSignatureException" => ("IncompleteSignature", 400),
        "MissingAuthenticationTokenException" => ("MissingAuthenticationToken", 403),
        "SerializationException" | "ValidationException" => ("ValidationError", 400),
        other => (other, e.status),
    };
    ApiError::new(code, status, e.message)
}

/// Parses a JSON 1.1 body: an object (an empty body counts as `{}`).
fn parse_json(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::serialization(
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(ApiError::serialization(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::Histogram;

    /// Every duration falls in the bucket whose bounds hold it, and buckets are at most
    /// 1/16 of their lower bound wide.
    #[test]
    fn histogram_buckets_hold_their_durations() {
        let mut ns = 0u64;
        while ns < 1 << 39 {
            let b = Histogram::bucket(ns);
            let (low, high) = (Histogram::lower(b), Histogram::lower(b + 1));
            assert!(low <= ns && ns < high, "{ns}: bucket {b} is {low}..{high}");
            assert!(
                high - low <= (low / 16).max(1),
                "{ns}: bucket {b} is {low}..{high}"
            );
            ns = ns * 17 / 16 + 1;
        }
        let h = Histogram::default();
        h.add(5);
        h.add(5);
        h.add(1000);
        let counts = h.counts();
        assert_eq!(counts.get(5), Some(&2));
        assert_eq!(counts.len(), Histogram::bucket(1000) + 1);
    }
}
