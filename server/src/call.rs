//! One call being served: who, from where, when; the context keys every call carries; and
//! the authorization step that records its decisions for the audit line.

use std::net::IpAddr;

use std::cell::RefCell;

use iam_policy::{ContextValue, RequestBuffer};
use serde::Serialize;

use crate::app::App;
use crate::authz::{Deciding, Identity, denial_message};
use crate::error::ApiError;

thread_local! {
    /// Each worker thread builds and prepares its requests in one buffer that keeps its memory
    /// from call to call (no allocation per decision once warm), and formats the time keys
    /// once a second.
    static BUFFER: RefCell<(RequestBuffer, Clock)> =
        RefCell::new((RequestBuffer::new(), Clock::default()));
}

/// `aws:CurrentTime` and `aws:EpochTime` of the last second a thread decided in.
#[derive(Debug, Default)]
struct Clock {
    secs: Option<i64>,
    current_time: Option<String>,
    epoch: String,
}

impl Clock {
    /// The two texts for `secs` (epoch seconds); `aws:CurrentTime` is absent only for a time
    /// outside jiff's range, which a call's own clock never is.
    fn texts(&mut self, secs: i64) -> (Option<&str>, &str) {
        if self.secs != Some(secs) {
            self.secs = Some(secs);
            self.current_time = jiff::Timestamp::from_second(secs)
                .ok()
                .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string());
            self.epoch = secs.to_string();
        }
        (self.current_time.as_deref(), &self.epoch)
    }
}

/// One authorization decision of a call, for the audit line.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditDecision {
    /// The action.
    pub action: String,
    /// The resource.
    pub resource: String,
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny` (or `NotRequired`, `Skipped`).
    pub decision: &'static str,
    /// The statements behind it.
    pub statements: Vec<Deciding>,
    /// The condition keys the request carried (not in the audit line; for the tests that check
    /// them against the service authorization reference).
    #[serde(skip)]
    pub context_keys: Vec<String>,
}

/// A call in progress.
#[derive(Debug)]
pub struct Call<'a> {
    /// The server.
    pub app: &'a App,
    /// The verified caller.
    pub identity: &'a Identity,
    /// The peer's address (`aws:SourceIp`).
    pub source_ip: IpAddr,
    /// Whether it came over TLS (`aws:SecureTransport`).
    pub secure: bool,
    /// The time the call arrived (epoch milliseconds).
    pub now_ms: i64,
    /// The region the request was signed for (`aws:RequestedRegion`).
    pub region: String,
    /// Decisions made so far.
    pub decisions: Vec<AuditDecision>,
    /// Nanoseconds spent deciding (for the benchmark's share of authorization).
    pub authz_nanos: u64,
    /// The deciding thread's CPU nanoseconds in the same spans.
    pub authz_cpu_nanos: u64,
}

impl Call<'_> {
    /// The call's time in epoch seconds with fraction (AWS's JSON timestamps).
    pub fn now(&self) -> f64 {
        // Exact for any realistic time: epoch milliseconds stay below 2^53.
        #[expect(
            clippy::cast_precision_loss,
            reason = "epoch milliseconds are below 2^53"
        )]
        let ms = self.now_ms as f64;
        ms / 1000.0
    }

    /// The global condition keys every call carries.
    pub fn base_keys(&self) -> Vec<(String, ContextValue)> {
        let id = self.identity;
        let mut keys = vec![
            kv("aws:SourceIp", &self.source_ip.to_string()),
            (
                "aws:SecureTransport".to_owned(),
                ContextValue::bool(self.secure),
            ),
        ];
        let secs = self.now_ms.div_euclid(1000);
        if let Ok(t) = jiff::Timestamp::from_second(secs) {
            keys.push(kv(
                "aws:CurrentTime",
                &t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ));
        }
        keys.push((
            "aws:EpochTime".to_owned(),
            ContextValue::number(&secs.to_string()),
        ));
        keys.push(kv("aws:RequestedRegion", &self.region));
        for (k, v) in &id.tags {
            keys.push(kv(&format!("aws:PrincipalTag/{k}"), v));
        }
        keys.push(kv("aws:userid", &id.user_id));
        if let Some(name) = &id.username {
            keys.push(kv("aws:username", name));
        }
        keys.push(kv("aws:PrincipalArn", &id.principal_arn));
        keys
    }

    /// Decides `action` on `resource` with the base context plus `keys`; records the decision.
    ///
    /// # Errors
    ///
    /// `AccessDeniedException` with AWS's message when denied.
    pub fn authorize(
        &mut self,
        action: &str,
        resource: &str,
        keys: Vec<(String, ContextValue)>,
    ) -> Result<(), ApiError> {
        // Replicas: nothing is decided before the call's policies are proven current.
        self.app.storage.verify_call()?;
        if !self.app.authorization {
            self.decisions.push(AuditDecision {
                action: action.to_owned(),
                resource: resource.to_owned(),
                decision: "Skipped",
                statements: Vec::new(),
                context_keys: Vec::new(),
            });
            return Ok(());
        }
        let started = std::time::Instant::now();
        let started_cpu = self.app.measure_cpu.then(thread_cpu);
        let context_keys = if self.app.record_context_keys {
            self.base_keys()
                .into_iter()
                .map(|(k, _)| k)
                .chain(keys.iter().map(|(k, _)| k.clone()))
                .collect()
        } else {
            Vec::new()
        };
        // The per-call texts of the global keys; everything else is borrowed into the
        // thread's request buffer, which keeps its memory from call to call.
        let id = self.identity;
        let source_ip = self.source_ip.to_string();
        let secs = self.now_ms.div_euclid(1000);
        let decided = BUFFER.with_borrow_mut(|(buffer, clock)| {
            let (current_time, epoch) = clock.texts(secs);
            let mut b = buffer
                .request()
                .principal(&id.arn)
                .action(action)
                .resource(resource)
                .context_string("aws:SourceIp", &source_ip)
                .context_bool("aws:SecureTransport", self.secure);
            if let Some(t) = current_time {
                b = b.context_string("aws:CurrentTime", t);
            }
            b = b
                .context_number("aws:EpochTime", epoch)
                .context_string("aws:RequestedRegion", &self.region);
            for (k, v) in &id.tags {
                b = b.context_string(&format!("aws:PrincipalTag/{k}"), v);
            }
            b = b.context_string("aws:userid", &id.user_id);
            if let Some(name) = &id.username {
                b = b.context_string("aws:username", name);
            }
            b = b.context_string("aws:PrincipalArn", &id.principal_arn);
            for (k, v) in &keys {
                b = b.context_value(k, v);
            }
            if let Some(session) = &id.session_policy {
                b = b.session_policy(session);
            }
            let prepared = b.prepare().map_err(|e| {
                ApiError::access_denied(format!("the request cannot be decided: {e}"))
            })?;
            let evaluation = self.app.authz.decide_prepared(prepared);
            let elapsed = (
                started.elapsed(),
                started_cpu.map_or(std::time::Duration::ZERO, |t| {
                    thread_cpu().saturating_sub(t)
                }),
            );
            // Naming the deciding statements is the audit's work, not the decision's.
            let statements = self
                .app
                .authz
                .deciding_statements(id, prepared, &evaluation);
            Ok::<_, ApiError>((evaluation, statements, elapsed))
        });
        let (evaluation, statements, elapsed) = decided?;
        self.authz_nanos = self
            .authz_nanos
            .saturating_add(u64::try_from(elapsed.0.as_nanos()).unwrap_or(u64::MAX));
        self.authz_cpu_nanos = self
            .authz_cpu_nanos
            .saturating_add(u64::try_from(elapsed.1.as_nanos()).unwrap_or(u64::MAX));
        self.decisions.push(AuditDecision {
            action: action.to_owned(),
            resource: resource.to_owned(),
            decision: evaluation.decision().as_str(),
            statements,
            context_keys,
        });
        if evaluation.decision() == iam_policy::Decision::Allow {
            Ok(())
        } else {
            Err(ApiError::access_denied(denial_message(
                &self.identity.arn,
                action,
                resource,
                &evaluation,
            )))
        }
    }
}

/// The calling thread's CPU time (`CLOCK_THREAD_CPUTIME_ID`).
fn thread_cpu() -> std::time::Duration {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    std::time::Duration::new(
        u64::try_from(t.tv_sec).unwrap_or(0),
        u32::try_from(t.tv_nsec).unwrap_or(0),
    )
}

/// `key` = a string.
pub fn kv(key: &str, value: &str) -> (String, ContextValue) {
    (key.to_owned(), ContextValue::string(value))
}
