#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![deny(clippy::print_stdout, clippy::print_stderr)]

pub mod action;
pub mod arn;
pub mod aws_rules;
pub mod case;
pub mod catalog;
pub mod compile;
pub mod condition;
pub mod decision;
mod eval;
pub mod exposure;
pub mod json;
pub mod lint;
pub mod policy;
pub mod policy_set;
pub mod request;
pub mod source;
pub mod store;
pub mod value;
pub mod variables;
pub mod wildcard;

pub use action::{Action, ActionError, ActionPattern};
pub use arn::{Arn, ArnError, ArnPattern, ArnPatternMode};
pub use aws_rules::AwsRule;
pub use case::{Case, CaseError, CaseOutcome, CaseResult, Expected, parse_case, run_case};
pub use compile::{CompiledPolicySet, StatementInfo};
pub use condition::eval::{Truth, UnknownReason};
pub use condition::{BaseOperator, Operator, OperatorError, OperatorFamily, SetQualifier};
pub use decision::{
    ConditionTrace, Decision, Evaluation, Explanation, Gate, MAX_REASONS, PrincipalMatch,
    PrincipalOutcome, ResourceOutcome, StatementRef, StatementTrace,
};
pub use policy::error::{ParseError, ParseErrorKind, ParseErrors};
pub use policy::lower::{ParseOptions, parse_policy, parse_policy_with};
pub use policy::{Effect, Policy, PolicyType, Statement, Version};
pub use policy_set::{PolicyId, PolicyKind, PolicySet};
pub use request::{
    Caller, CallerKind, Context, ContextScalar, ContextValue, Request, RequestBuilder,
    RequestError, ResourceKind,
};
pub use source::{LineCol, LineIndex, Span};
pub use store::{PolicyStore, PreparedRequest, SessionPolicy, StoreError};
pub use variables::{Template, TemplateOptions, VariableError};
pub use wildcard::{MatchStrategy, Wildcard};
