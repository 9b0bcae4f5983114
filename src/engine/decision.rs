//! What evaluation returns: [`Decision`], [`Evaluation`] with its reasons and [`Gate`], and the
//! per-statement [`Explanation`].
//!
//! Data only: no I/O and no rendering beyond short `Display` texts. [`Evaluation`] is a fixed-size
//! value (no heap) so that [`evaluate`](crate::CompiledPolicySet::evaluate) never allocates.

use std::fmt;

use super::ids::StatementRef;
use crate::aws_rules::AwsRule;
use crate::condition::{Operator, Truth};
use crate::policy::Effect;
use crate::source::Span;

/// The outcome of an authorization request.
///
/// Deliberately not `#[non_exhaustive]`: code that matches on it should stop compiling if a
/// variant is ever added.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// Some policy allows the request and nothing denies it.
    Allow,
    /// An applicable `Deny` statement denies the request.
    ExplicitDeny,
    /// Nothing denies the request, but the allows it needs are missing.
    ImplicitDeny,
}

impl Decision {
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny` (the case format's spelling).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "Allow",
            Self::ExplicitDeny => "ExplicitDeny",
            Self::ImplicitDeny => "ImplicitDeny",
        }
    }

    /// Reads the case format's spelling.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "Allow" => Some(Self::Allow),
            "ExplicitDeny" => Some(Self::ExplicitDeny),
            "ImplicitDeny" => Some(Self::ImplicitDeny),
            _ => None,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The requirement that was not met when the decision is [`Decision::ImplicitDeny`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Gate {
    /// No identity-based policy allows the request (and, in the same account, no
    /// resource-based policy grants it either).
    Identity,
    /// The permissions boundary allows nothing for the request.
    PermissionsBoundary,
    /// The session policy allows nothing for the request.
    Session,
    /// No service control policy at this level (0 = root) allows the request.
    Scp {
        /// The level, root first.
        level: u16,
    },
    /// No resource control policy at this level (0 = root) allows the request.
    Rcp {
        /// The level, root first.
        level: u16,
    },
    /// The resource-based policy does not allow the caller: needed across accounts, for role
    /// trust policies, KMS key policies, service principals and anonymous callers.
    ResourcePolicy,
    /// AWS refuses the request whatever the policies say (an AWS-managed or AWS-reserved
    /// resource, an action that needs long-term credentials); see
    /// [`AwsRule`](crate::AwsRule).
    Aws(AwsRule),
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Identity => f.write_str("no identity-based policy allows this request"),
            Self::PermissionsBoundary => {
                f.write_str("the permissions boundary allows nothing for this request")
            }
            Self::Session => f.write_str("the session policy allows nothing for this request"),
            Self::Scp { level } => write!(
                f,
                "no service control policy at level {level} allows this request"
            ),
            Self::Rcp { level } => write!(
                f,
                "no resource control policy at level {level} allows this request"
            ),
            Self::ResourcePolicy => {
                f.write_str("the resource-based policy does not allow this caller")
            }
            Self::Aws(rule) => f.write_str(rule.as_str()),
        }
    }
}

/// How many statements an [`Evaluation`] keeps as reasons.
pub const MAX_REASONS: usize = 8;

/// The result of [`evaluate`](crate::CompiledPolicySet::evaluate): the decision, the
/// statements behind it, and for an implicit deny the requirement that was not met.
///
/// Reasons, in report order (policy kind, level, policy index, statement index):
/// * `ExplicitDeny`: the applicable `Deny` statements;
/// * `Allow`: the applicable `Allow` statements on the path that allowed (identity, boundary
///   and session statements, or the resource-policy statements that granted, then the SCP and
///   RCP statements);
/// * `ImplicitDeny`: none; see [`gate`](Self::gate).
///
/// When a rule AWS applies beyond the policy text decided the request,
/// [`rule`](Self::rule) names it: an `Allow` with no reasons for an action that needs no
/// permission, or an `ImplicitDeny` whose gate is [`Gate::Aws`].
///
/// At most [`MAX_REASONS`] are kept; [`is_truncated`](Self::is_truncated) tells whether more
/// applied. The value is plain data of fixed size: building it never allocates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Evaluation {
    decision: Decision,
    gate: Option<Gate>,
    rule: Option<AwsRule>,
    reasons: [StatementRef; MAX_REASONS],
    len: u8,
    truncated: bool,
}

impl Evaluation {
    pub(crate) const fn new(decision: Decision, gate: Option<Gate>) -> Self {
        Self {
            decision,
            gate,
            rule: None,
            reasons: [StatementRef::EMPTY; MAX_REASONS],
            len: 0,
            truncated: false,
        }
    }

    /// The evaluation of a request that `rule` decided: `Allow` for
    /// [`AwsRule::NoPermissionRequired`], else `ImplicitDeny` at [`Gate::Aws`].
    pub(crate) const fn by_rule(rule: AwsRule) -> Self {
        let mut evaluation = match rule {
            AwsRule::NoPermissionRequired => Self::new(Decision::Allow, None),
            _ => Self::new(Decision::ImplicitDeny, Some(Gate::Aws(rule))),
        };
        evaluation.rule = Some(rule);
        evaluation
    }

    /// Appends a reason, or marks the list truncated when it is full.
    pub(crate) fn push_reason(&mut self, r: StatementRef) {
        match self.reasons.get_mut(usize::from(self.len)) {
            Some(slot) => {
                *slot = r;
                self.len = self.len.saturating_add(1);
            }
            None => self.truncated = true,
        }
    }

    /// Marks the reasons as truncated.
    pub(crate) fn set_truncated(&mut self) {
        self.truncated = true;
    }

    /// The decision.
    #[must_use]
    pub const fn decision(&self) -> Decision {
        self.decision
    }

    /// For [`Decision::ImplicitDeny`], the requirement that was not met; `None` otherwise.
    #[must_use]
    pub const fn gate(&self) -> Option<Gate> {
        self.gate
    }

    /// The rule AWS applies beyond the policy text that decided the request, if one did
    /// ("no permission required", "AWS-managed resource: cannot be modified", …; see
    /// [`AwsRule`](crate::AwsRule)). `None` when the statements decided.
    #[must_use]
    pub const fn rule(&self) -> Option<AwsRule> {
        self.rule
    }

    /// The statements behind the decision, in report order.
    pub fn reasons(&self) -> impl ExactSizeIterator<Item = StatementRef> + '_ {
        self.reasons
            .get(..usize::from(self.len))
            .unwrap_or(&[])
            .iter()
            .copied()
    }

    /// Whether more statements applied than [`MAX_REASONS`].
    #[must_use]
    pub const fn is_truncated(&self) -> bool {
        self.truncated
    }
}

/// How a resource-policy `Principal` named the caller; decides which implicit denies a
/// same-account grant overrides (`iam-semantics.md` §9.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalMatch {
    /// The caller's account (account id or `…:root`): delegation to the account, so the
    /// caller's identity policies must allow too. For the root user this is a direct match.
    Account,
    /// The role of the calling session (role ARN): limited by the boundary and session policy.
    Role,
    /// The caller itself (user, session or federated-user ARN, service name) or `"*"`: not
    /// limited by the caller's boundary or session policy.
    Direct,
}

/// The outcome of a statement's `Principal`/`NotPrincipal` test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalOutcome {
    /// No `Principal` element (identity-style policies): the test passes.
    NoElement,
    /// `Principal` names the caller.
    Matched(PrincipalMatch),
    /// `Principal` does not name the caller.
    NotMatched,
    /// `NotPrincipal` lists the caller: the `Deny` does not apply to it.
    Exempt,
    /// `NotPrincipal` does not list the caller: the `Deny` applies to it.
    NotListed,
    /// `NotPrincipal` with a caller that has a permissions boundary: the `Deny` always
    /// applies, whatever is listed.
    BoundaryCaller,
    /// `NotPrincipal` in an `Allow` statement (unsupported by AWS): it grants nothing.
    AllowWithNotPrincipal,
}

impl PrincipalOutcome {
    /// Whether the statement's principal test passes.
    #[must_use]
    pub const fn passed(self) -> bool {
        matches!(
            self,
            Self::NoElement | Self::Matched(_) | Self::NotListed | Self::BoundaryCaller
        )
    }
}

/// The outcome of a statement's `Resource`/`NotResource` test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceOutcome {
    /// No resource element (role trust policies): the test passes.
    NoElement,
    /// The pattern at this index covers the request's resource.
    Matched {
        /// Index of the first matching pattern.
        pattern: u32,
        /// Whether the element is `NotResource` (the test then fails).
        negated: bool,
    },
    /// No pattern covers the resource.
    NotMatched {
        /// Whether the element is `NotResource` (the test then passes).
        negated: bool,
        /// Whether some pattern held a policy variable without a value (such a pattern
        /// matches no resource, D-04).
        unresolved: bool,
    },
}

impl ResourceOutcome {
    /// Whether the statement's resource test passes.
    #[must_use]
    pub const fn passed(self) -> bool {
        match self {
            Self::NoElement => true,
            Self::Matched { negated, .. } => !negated,
            Self::NotMatched { negated, .. } => negated,
        }
    }
}

/// One condition entry (an operator, a key and its values) as evaluated for a statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionTrace {
    /// Index of the entry in the statement's condition list.
    pub index: u32,
    /// The operator.
    pub operator: Operator,
    /// The key as written in the policy.
    pub key: String,
    /// The three-valued result.
    pub truth: Truth,
}

/// How one statement fared against the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatementTrace {
    /// Which statement.
    pub statement: StatementRef,
    /// Its `Sid`, if any.
    pub sid: Option<String>,
    /// Its span in its policy's text.
    pub span: Span,
    /// Its effect.
    pub effect: Effect,
    /// Whether it applies to the request (every test passed; for a `Deny`, no condition is
    /// false; for an `Allow`, every condition is true).
    pub applies: bool,
    /// Whether `Action`/`NotAction` covers the request's action.
    pub action: bool,
    /// The resource test.
    pub resource: ResourceOutcome,
    /// The principal test.
    pub principal: PrincipalOutcome,
    /// Each condition entry, in order.
    pub conditions: Vec<ConditionTrace>,
}

/// The result of [`explain`](crate::CompiledPolicySet::explain): the same [`Evaluation`] as
/// [`evaluate`](crate::CompiledPolicySet::evaluate) gives, plus a trace of every statement in
/// report order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    pub(crate) evaluation: Evaluation,
    pub(crate) statements: Vec<StatementTrace>,
}

impl Explanation {
    /// The evaluation (decision, reasons, gate).
    #[must_use]
    pub const fn evaluation(&self) -> &Evaluation {
        &self.evaluation
    }

    /// The decision.
    #[must_use]
    pub const fn decision(&self) -> Decision {
        self.evaluation.decision
    }

    /// Every statement of the set, in report order, with how it fared.
    #[must_use]
    pub fn statements(&self) -> &[StatementTrace] {
        &self.statements
    }

    /// The trace of one statement.
    #[must_use]
    pub fn statement(&self, r: StatementRef) -> Option<&StatementTrace> {
        self.statements.iter().find(|t| t.statement == r)
    }
}

impl fmt::Display for Explanation {
    /// A plain multi-line summary: the decision, then one line per statement.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.evaluation.decision)?;
        if let Some(gate) = self.evaluation.gate {
            write!(f, ": {gate}")?;
        } else if let Some(rule) = self.evaluation.rule {
            write!(f, ": {rule}")?;
        }
        for t in &self.statements {
            write!(f, "\n{} ", t.statement)?;
            if let Some(sid) = &t.sid {
                write!(f, "({sid}) ")?;
            }
            write!(
                f,
                "{} {}",
                t.effect.as_str(),
                if t.applies {
                    "applies"
                } else {
                    "does not apply"
                }
            )?;
            if !t.action {
                f.write_str("; action not covered")?;
            }
            if !t.resource.passed() {
                f.write_str("; resource not covered")?;
            }
            if !t.principal.passed() {
                f.write_str("; principal not covered")?;
            }
            for c in &t.conditions {
                write!(f, "; {} `{}` is {}", c.operator, c.key, c.truth)?;
            }
        }
        Ok(())
    }
}
