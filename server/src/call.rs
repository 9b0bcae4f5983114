//! One call being served: who, from where, when; the context keys every call carries; and
//! the authorization step that records its decisions for the audit line.

use std::net::IpAddr;

use iam_policy::{Context, ContextValue, Request};
use serde::Serialize;

use crate::app::App;
use crate::authz::{Deciding, Identity, denial_message};
use crate::error::ApiError;

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
        let mut context = Context::new();
        let mut context_keys = Vec::new();
        for (k, v) in self.base_keys().into_iter().chain(keys) {
            if self.app.record_context_keys {
                context_keys.push(k.clone());
            }
            context.insert(&k, v);
        }
        let request = Request::builder()
            .principal(&self.identity.arn)
            .action(action)
            .resource(resource)
            .context(context)
            .build()
            .map_err(|e| ApiError::access_denied(format!("the request cannot be decided: {e}")))?;
        let (evaluation, request) = self.app.authz.decide(self.identity, request);
        self.authz_nanos = self
            .authz_nanos
            .saturating_add(u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX));
        // Naming the deciding statements is the audit's work, not the decision's.
        let statements = self
            .app
            .authz
            .deciding_statements(self.identity, &request, &evaluation);
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

/// `key` = a string.
pub fn kv(key: &str, value: &str) -> (String, ContextValue) {
    (key.to_owned(), ContextValue::string(value))
}
