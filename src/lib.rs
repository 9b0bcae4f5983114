#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod action;
pub mod analysis;
pub mod arn;
pub mod aws_rules;
mod bytes;
pub mod case;
pub mod catalog;
mod code;
pub mod condition;
mod cover;
mod engine;
pub mod exposure;
#[cfg(feature = "iac")]
pub mod iac;
pub mod json;
pub mod lint;
pub mod policy;
pub mod request;
pub mod source;
mod suggest;
pub mod value;
pub mod variables;
pub mod wildcard;

pub use action::{Action, ActionError, ActionPattern};
pub use arn::{Arn, ArnError, ArnPattern, ArnPatternMode};
pub use aws_rules::AwsRule;
pub use case::{Case, CaseError, CaseOutcome, CaseResult, Expected, parse_case, run_case};
pub use code::{Code, UnknownCode};
pub use condition::{
    BaseOperator, Operator, OperatorError, OperatorFamily, SetQualifier, Truth, UnknownReason,
};
pub use engine::{
    BufferedRequest, CompiledPolicySet, ConditionTrace, Decision, Evaluation, Explanation, Gate,
    MAX_REASONS, PolicyId, PolicyKind, PolicySet, PolicyStore, PreparedRequest, PrincipalMatch,
    PrincipalOutcome, RequestBuffer, ResourceOutcome, SessionPolicy, StatementInfo, StatementRef,
    StatementTrace, StoreError,
};
pub use policy::error::{ParseError, ParseErrorKind, ParseErrors, ParseErrorsIter};
pub use policy::lower::{ParseOptions, parse_policy, parse_policy_with};
pub use policy::{Effect, Policy, PolicyBuilder, PolicyType, Statement, StatementBuilder, Version};
pub use request::{
    Caller, CallerKind, Context, ContextLimit, ContextScalar, ContextValue, Request,
    RequestBuilder, RequestError, ResourceKind,
};
pub use source::{LineCol, LineIndex, Span};
pub use variables::{Template, TemplateOptions, VariableError};
pub use wildcard::{MatchStrategy, Wildcard};

/// Internals that the crate's own tests, benches and fuzz targets use. Not part of the stable
/// API: anything here may change or go away in any release.
#[doc(hidden)]
pub mod unstable {
    pub use crate::engine::condition::evaluate_entry;
}
