//! The decision engine: policy sets compiled for evaluation ([`CompiledPolicySet`]) and the
//! decision over them ([`CompiledPolicySet::evaluate`], [`CompiledPolicySet::explain`]).
//!
//! # Layers
//!
//! Each file is one layer; a file uses only the layers above it in this table.
//!
//! | file | layer |
//! | --- | --- |
//! | `ids.rs` | where a policy or statement sits: [`PolicyKind`], [`PolicyId`], [`StatementRef`] |
//! | `bytes.rs` | byte utilities: hashing, word-wise comparison, arena ranges, saturating counts |
//! | `policy_set.rs` | the input: validated policies grouped by kind, [`PolicySet`] |
//! | `decision.rs` | the output: [`Decision`], [`Evaluation`], [`Explanation`] |
//! | `condition.rs` | the general condition evaluator on typed policy values: [`Truth`] |
//! | `compile.rs` | compiling: statements into classified tests, groups with action indexes |
//! | `store/table.rs` | the store's ARN tables and their keyed hash |
//! | `prepared.rs` | the prepared request's data: every text in one arena, the context indexed by hash |
//! | `view.rs` | the request view: how the engine reads a plain or a prepared request (`Input`) |
//! | `record.rs` | the recorders: nothing for `evaluate`, a trace per statement for `explain` |
//! | `statement.rs` | statement matching: action, resource, principal, conditions |
//! | `combine.rs` | the combining logic: tallying applicable statements over parts, the decision |
//! | `mod.rs` | [`CompiledPolicySet`]: compiling a set, its accessors and entry points |
//! | `store.rs` | [`PolicyStore`] (compiled policies found by ARN), [`PreparedRequest`], [`SessionPolicy`] |
//!
//! # The decision
//!
//! Owns the combining logic of `iam-semantics.md` §9 and the project decisions; it never sees
//! JSON. Both entry points run the same generic function; `evaluate` instantiates it with a
//! recorder whose hooks are empty (they compile away, and nothing allocates), `explain` with
//! one that records every statement.
//!
//! # The decision, step by step
//!
//! 1. Every statement of every policy that can cover the action is tested: action, resource,
//!    principal, then conditions (three-valued, fail closed: an `Allow` needs every condition
//!    true, a `Deny` applies unless some condition is false; D-05).
//! 2. An action that needs no permission (`sts:GetCallerIdentity`; see
//!    [`aws_rules`](crate::aws_rules)): **Allow**, whatever the statements say.
//!    Otherwise any applicable `Deny`, in any policy (identity, resource, boundary, session,
//!    SCP, RCP): **ExplicitDeny**. Otherwise a request AWS refuses beyond the policy text (a
//!    change to an AWS-managed or AWS-reserved resource, an STS call that needs long-term
//!    credentials): **ImplicitDeny** at [`Gate::Aws`].
//! 3. SCPs (not for service principals and anonymous callers, which belong to no account):
//!    every level needs an applicable `Allow`, else **ImplicitDeny** at [`Gate::Scp`]. Then the
//!    same for RCPs ([`Gate::Rcp`]). Neither takes part (nor do their `Deny` statements) for a
//!    service-linked role: a role or session whose `aws:PrincipalArn` is under
//!    `role/aws-service-role/` and names the caller's own role (`combine::service_linked`).
//! 4. The caller's route to an Allow (`I` = an identity policy allows, `B` = the boundary allows
//!    or there is none, `S` = the session policy allows or there is none, except for a federated
//!    user, whose session has no permissions without a session policy (GetFederationToken:
//!    <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getfederationtoken.html>);
//!    `Rd`, `Rr`, `Ra` =
//!    the resource policy has an applicable `Allow` naming the caller directly, by its role,
//!    or by its account, see [`PrincipalMatch`]):
//!
//! | caller | same account | other account |
//! | --- | --- | --- |
//! | user, role session, federated user | `Rd` or (`Rr` and `B` and `S`) or (`I` and `B` and `S`) | `I` and `B` and `S` and (`Rd` or `Rr` or `Ra`) |
//! | … with a role trust policy or KMS key policy (D-10) | `Rd` or (`Rr` and `B` and `S`) or (`Ra` and `I` and `B` and `S`) | as above |
//! | root user | allowed (its boundary and session policy do not apply) | `Rd` or `Ra` |
//! | root user, trust or key policy | `Rd` or `Ra` | `Rd` or `Ra` |
//! | service principal, anonymous | `Rd` | `Rd` |
//!
//! A `"*"` principal is a direct grant (D-01); a role ARN covers the role's sessions
//! but is limited by their boundary and session policy; an account only delegates (§9.5).
//! Resource-based policy grants are never limited by a session policy when they name the
//! session itself (D-01).
//!
//! Not modelled: the §9.5 row "the IAM user who called GetFederationToken" (a federated
//! session's ARN does not say which user created it, so a grant to that user does not reach
//! the session); the management account's exemption from SCPs and RCPs (the case format
//! simply gives no SCPs or RCPs then).
//! Explicit denies apply to every caller from every policy given, including identity policies
//! given for a root user, a service principal or an anonymous caller.

//! # Evaluating over several parts
//!
//! The decision runs over one or more compiled sets ("parts") as if they were one: the
//! [`PolicyStore`] keeps a principal's identity policies and a
//! secret's resource policy compiled apart and decides over the two, without building a
//! combined set per request. Groups are visited in report order across parts (identity,
//! resource, boundary, …), so reasons come out in the same order as for one combined set.
//! Parts must not repeat a kind.
//!
//! # Request input
//!
//! The engine reads the request through [`Input`]: the action's lower-cased text, service and
//! name with their hashes (looked up in each group's action index), the resource, the caller
//! (its texts read only when a principal test needs them) and the context. A plain [`Request`]
//! is read as it is (context keys found by binary search over their text, an IP address
//! parsed when a condition needs it). A [`Prepared`] request holds every text in one arena
//! inside the value, the context in a small hash table of slots, IP addresses parsed; the
//! engine reads its cache lines first (so that the misses of a request no longer in cache are
//! fetched together) and then compares bytes. `&str` is made from those bytes only for the
//! general matchers (wildcards with `?`, templates, general ARN patterns, ignore-case).

mod combine;
pub(crate) mod compile;
pub(crate) mod condition;
pub(crate) mod decision;
pub(crate) mod ids;
mod index;
pub(crate) mod policy_set;
mod prepared;
mod record;
mod statement;
pub(crate) mod store;
mod view;

use crate::bytes::{to_u16, to_u32};
use crate::json::Limits;
use crate::policy::Effect;
use crate::policy::PolicyType;
use crate::policy::error::ParseErrors;
use crate::policy::lower::lower;
use crate::request::Request;
use crate::source::Span;
use combine::run;
use compile::{
    CompiledCondition, CompiledStatement, Compiler, Group, Label, Shared, build_group,
    compile_statement,
};
use record::{NoRecord, Tracer};
use smallvec::SmallVec;
use view::Input;

pub use decision::{
    ConditionTrace, Decision, Evaluation, Explanation, Gate, MAX_REASONS, PrincipalMatch,
    PrincipalOutcome, ResourceOutcome, StatementTrace,
};
pub use ids::{PolicyId, PolicyKind, StatementRef};
pub use policy_set::PolicySet;
pub use store::{
    BufferedRequest, PolicyStore, PreparedRequest, RequestBuffer, SessionPolicy, StoreError,
};

/// What a compiled statement is called: its `Sid` and where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementInfo<'a> {
    /// The `Sid`, if any.
    pub sid: Option<&'a str>,
    /// The statement's span in its policy's text.
    pub span: Span,
    /// Its effect.
    pub effect: Effect,
}

/// A policy set compiled for evaluation; see the docs of `compile.rs` for the layout.
///
/// Built by [`PolicySet::compile`]. Decides requests with
/// [`evaluate`](Self::evaluate) (no allocation) and [`explain`](Self::explain) (with a trace).
#[derive(Clone, Debug)]
pub struct CompiledPolicySet {
    pub(crate) statements: Shared<CompiledStatement>,
    /// The statements' labels (`Sid`, span), in the same order.
    pub(crate) labels: Shared<Label>,
    /// The conditions of every statement, in statement order (each statement holds a range).
    pub(crate) conditions: Shared<CompiledCondition>,
    /// In report order: identity, resource, boundary, session, SCP levels, RCP levels. Kinds
    /// without policies have no group.
    pub(crate) groups: Shared<Group>,
    pub(crate) has_resource: bool,
    pub(crate) has_boundary: bool,
    pub(crate) has_session: bool,
    pub(crate) scp_levels: u16,
    pub(crate) rcp_levels: u16,
}

/// What a compiled set says about itself beyond its lists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    pub(crate) has_resource: bool,
    pub(crate) has_boundary: bool,
    pub(crate) has_session: bool,
    pub(crate) scp_levels: u16,
    pub(crate) rcp_levels: u16,
}

/// A set compiled into plain lists, before they are shared ([`CompiledPolicySet`]) or held
/// inline in a store entry (`store.rs`). Each list is held in place up to what a store entry
/// holds inline (`INLINE_*`), so that compiling a document small enough to be held in an
/// entry allocates no list (the entry takes them as they are); larger ones spill to the heap.
#[derive(Debug)]
pub(crate) struct Lists {
    pub(crate) statements: SmallVec<[CompiledStatement; INLINE_STATEMENTS]>,
    /// The statements' labels.
    pub(crate) labels: SmallVec<[Label; INLINE_STATEMENTS]>,
    pub(crate) conditions: SmallVec<[CompiledCondition; INLINE_CONDITIONS]>,
    pub(crate) groups: SmallVec<[Group; 1]>,
    pub(crate) flags: Flags,
}

impl Lists {
    /// Compiles `set` (see [`PolicySet::compile`]).
    pub(crate) fn compile(set: &PolicySet) -> Self {
        let (statements, conditions) = set.iter().fold((0, 0), |(s, c), (_, p)| {
            (
                s + p.statements.len(),
                c + p
                    .statements
                    .iter()
                    .map(|st| st.conditions.len())
                    .sum::<usize>(),
            )
        });
        let groups = PolicyKind::ALL.iter().map(|&k| set.levels(k)).sum();
        let mut compiled_statements = SmallVec::with_capacity(statements);
        let mut labels = SmallVec::with_capacity(statements);
        let mut compiled_conditions = SmallVec::with_capacity(conditions);
        let mut compiled_groups = SmallVec::with_capacity(groups);
        for kind in PolicyKind::ALL {
            let levels = to_u16(set.levels(kind));
            for level in 0..levels {
                let start = compiled_statements.len();
                for (p, policy) in set.level(kind, level).iter().enumerate() {
                    for (s, statement) in policy.statements.iter().enumerate() {
                        let at = StatementRef {
                            kind,
                            level,
                            policy: to_u32(p),
                            statement: to_u32(s),
                        };
                        let (compiled, label) =
                            compile_statement(at, statement, &mut compiled_conditions);
                        compiled_statements.push(compiled);
                        labels.push(label);
                    }
                }
                compiled_groups.push(build_group(
                    kind,
                    level,
                    to_u32(start),
                    compiled_statements.get(start..).unwrap_or_default(),
                ));
            }
        }
        Self {
            statements: compiled_statements,
            labels,
            conditions: compiled_conditions,
            groups: compiled_groups,
            flags: Flags {
                has_resource: set.len(PolicyKind::Resource) > 0,
                has_boundary: set.len(PolicyKind::PermissionsBoundary) > 0,
                has_session: set.len(PolicyKind::Session) > 0,
                scp_levels: to_u16(set.levels(PolicyKind::Scp)),
                rcp_levels: to_u16(set.levels(PolicyKind::Rcp)),
            },
        }
    }
}

/// Compiles documents straight from their JSON texts into [`Lists`] (the store's update path:
/// no [`Policy`](crate::Policy) model is built; `compile::Compiler`), group by group in report
/// order: the same lists as [`Lists::compile`] of the set holding the parsed documents.
#[derive(Debug)]
pub(crate) struct ListsBuilder {
    lists: Lists,
    /// The open group: its kind, level, first statement and policies so far.
    open: Option<(PolicyKind, u16, usize, u32)>,
}

impl ListsBuilder {
    /// No groups yet.
    pub(crate) fn new() -> Self {
        Self {
            lists: Lists {
                statements: SmallVec::new(),
                labels: SmallVec::new(),
                conditions: SmallVec::new(),
                groups: SmallVec::new(),
                flags: Flags::default(),
            },
            open: None,
        }
    }

    /// Opens the group of `kind` at `level` (closing the one open): groups come in report
    /// order ([`PolicyKind::ALL`], levels from 0), and kinds without levels have one group, at
    /// level 0, opened only if it gets a policy (as [`PolicySet`] counts levels).
    pub(crate) fn group(&mut self, kind: PolicyKind, level: u16) {
        self.close();
        let flags = &mut self.lists.flags;
        match kind {
            PolicyKind::Resource => flags.has_resource = true,
            PolicyKind::PermissionsBoundary => flags.has_boundary = true,
            PolicyKind::Session => flags.has_session = true,
            PolicyKind::Scp => flags.scp_levels = flags.scp_levels.saturating_add(1),
            PolicyKind::Rcp => flags.rcp_levels = flags.rcp_levels.saturating_add(1),
            PolicyKind::Identity => {}
        }
        self.open = Some((kind, level, self.lists.statements.len(), 0));
    }

    /// Validates `text` as a policy of `ty` and compiles it as the open group's next policy.
    ///
    /// # Errors
    ///
    /// As [`parse_policy`](crate::parse_policy) (the builder is then to be dropped).
    pub(crate) fn add(&mut self, text: &str, ty: PolicyType) -> Result<(), ParseErrors> {
        let Some((kind, level, _, policies)) = &mut self.open else {
            // INVARIANT: not reached: callers open a group first.
            return Ok(());
        };
        let at = StatementRef {
            kind: *kind,
            level: *level,
            policy: *policies,
            statement: 0,
        };
        *policies += 1;
        let lists = &mut self.lists;
        let mut compiler = Compiler {
            at,
            first: lists.statements.len(),
            statements: &mut lists.statements,
            labels: &mut lists.labels,
            conditions: &mut lists.conditions,
        };
        lower(text, ty, &Limits::default(), &mut compiler)
    }

    fn close(&mut self) {
        if let Some((kind, level, start, _)) = self.open.take() {
            let statements = &self.lists.statements;
            self.lists.groups.push(build_group(
                kind,
                level,
                to_u32(start),
                statements.get(start..).unwrap_or_default(),
            ));
        }
    }

    /// The lists.
    pub(crate) fn finish(mut self) -> Lists {
        self.close();
        self.lists
    }
}

/// Statements a store entry holds inside itself at most (`engine/store.rs`).
pub(crate) const INLINE_STATEMENTS: usize = 2;

/// Conditions a store entry holds inside itself at most (`engine/store.rs`).
pub(crate) const INLINE_CONDITIONS: usize = 2;

/// The labels of a part's statements: a list, or those a store entry holds after what a
/// decision reads (borrowed as they are: finding their slice would read that line).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Labels<'a> {
    List(&'a [Label]),
    Inline(&'a SmallVec<[Label; INLINE_STATEMENTS]>),
}

impl<'a> Labels<'a> {
    /// The label of statement `i`.
    pub(crate) fn get(self, i: usize) -> Option<&'a Label> {
        match self {
            Self::List(labels) => labels.get(i),
            Self::Inline(labels) => labels.get(i),
        }
    }
}

/// What a decision reads of a compiled document: its lists and two flags, borrowed from a
/// [`CompiledPolicySet`] or from a document held inside a store entry.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Part<'a> {
    pub(crate) statements: &'a [CompiledStatement],
    /// The statements' labels (read by explanations only).
    pub(crate) labels: Labels<'a>,
    /// The conditions of every statement, in statement order (each statement holds a range).
    pub(crate) conditions: &'a [CompiledCondition],
    pub(crate) groups: &'a [Group],
    pub(crate) has_boundary: bool,
    pub(crate) has_session: bool,
}

impl<'a> Part<'a> {
    /// The part of a set with nothing in it.
    pub(crate) const EMPTY: Part<'static> = Part {
        statements: &[],
        labels: Labels::List(&[]),
        conditions: &[],
        groups: &[],
        has_boundary: false,
        has_session: false,
    };

    /// The conditions of statement `st` (one of this part's).
    #[inline(always)]
    pub(crate) fn conditions_of(&self, st: &CompiledStatement) -> &'a [CompiledCondition] {
        let (from, to) = st.conditions;
        self.conditions
            .get(from as usize..to as usize)
            .unwrap_or_default()
    }

    /// Reads the first and last statement, the first group, and the first few conditions
    /// with the first value of each String condition, so that a document that is no longer
    /// in cache is fetched in one round of parallel misses rather than one miss after another
    /// as the decision reaches each part (safe Rust has no prefetch instruction; the lines
    /// between the two ends of a list are left to the hardware's sequential prefetch). A few
    /// dozen instructions: cheap enough to do on every look-up, hot or cold.
    #[inline(always)]
    pub(crate) fn touch(&self) {
        /// At most this many conditions are read ahead.
        const CONDITIONS: usize = 4;
        fn ends<T>(items: &[T], read: impl Fn(&T) -> u64) -> u64 {
            items.first().map_or(0, &read) ^ items.last().map_or(0, &read)
        }
        let mut acc = ends(self.statements, CompiledStatement::ahead)
            ^ self.groups.first().map_or(0, |g| u64::from(g.start));
        for c in self.conditions.iter().take(CONDITIONS) {
            acc ^= c.ahead();
        }
        std::hint::black_box(acc);
    }
}

impl CompiledPolicySet {
    /// Compiles `set` (see [`PolicySet::compile`]).
    pub(crate) fn new(set: &PolicySet) -> Self {
        Self::from_lists(Lists::compile(set))
    }

    /// The set holding `lists`.
    pub(crate) fn from_lists(lists: Lists) -> Self {
        Self {
            statements: lists.statements.into_vec().into(),
            labels: lists.labels.into_vec().into(),
            conditions: lists.conditions.into_vec().into(),
            groups: lists.groups.into_vec().into(),
            has_resource: lists.flags.has_resource,
            has_boundary: lists.flags.has_boundary,
            has_session: lists.flags.has_session,
            scp_levels: lists.flags.scp_levels,
            rcp_levels: lists.flags.rcp_levels,
        }
    }

    /// What a decision reads of the set.
    #[inline(always)]
    pub(crate) fn part(&self) -> Part<'_> {
        Part {
            statements: &self.statements,
            labels: Labels::List(&self.labels),
            conditions: &self.conditions,
            groups: &self.groups,
            has_boundary: self.has_boundary,
            has_session: self.has_session,
        }
    }

    /// The `Sid`, span and effect of a statement.
    #[must_use]
    pub fn statement(&self, r: StatementRef) -> Option<StatementInfo<'_>> {
        // INVARIANT: statements are stored in report order, which is `StatementRef`'s order.
        let i = self.statements.binary_search_by(|s| s.at.cmp(&r)).ok()?;
        let (s, label) = (self.statements.get(i)?, self.labels.get(i)?);
        Some(StatementInfo {
            sid: label.sid.as_deref(),
            span: label.span,
            effect: s.effect,
        })
    }

    /// How many statements the set holds.
    #[must_use]
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// Whether a resource-based policy (or trust policy) is present.
    #[must_use]
    pub const fn has_resource_policy(&self) -> bool {
        self.has_resource
    }

    /// Whether a permissions boundary is present.
    #[must_use]
    pub const fn has_permissions_boundary(&self) -> bool {
        self.has_boundary
    }

    /// Whether a session policy is present.
    #[must_use]
    pub const fn has_session_policy(&self) -> bool {
        self.has_session
    }

    /// How many SCP levels there are.
    #[must_use]
    pub const fn scp_levels(&self) -> u16 {
        self.scp_levels
    }

    /// How many RCP levels there are.
    #[must_use]
    pub const fn rcp_levels(&self) -> u16 {
        self.rcp_levels
    }
    /// Decides `request`. Total: never fails, never panics, never allocates.
    ///
    /// ```
    /// use iam_policy::{Decision, PolicySet, Request};
    /// let set = PolicySet::new().compile();
    /// let request = Request::builder()
    ///     .principal("arn:aws:iam::111122223333:user/alice")
    ///     .action("s3:GetObject")
    ///     .resource("arn:aws:s3:::bucket/key")
    ///     .build()?;
    /// let evaluation = set.evaluate(&request);
    /// assert_eq!(evaluation.decision(), Decision::ImplicitDeny);
    /// assert_eq!(evaluation.gate(), Some(iam_policy::Gate::Identity));
    /// # Ok::<(), iam_policy::RequestError>(())
    /// ```
    #[must_use]
    pub fn evaluate(&self, request: &Request) -> Evaluation {
        run(&[self.part()], &Input::plain(request), &mut NoRecord)
    }

    /// Decides `request` and records how every statement fared. The decision and reasons are
    /// always those of [`evaluate`](Self::evaluate): both run the same code.
    #[must_use]
    pub fn explain(&self, request: &Request) -> Explanation {
        let mut tracer = Tracer::default();
        let evaluation = run(&[self.part()], &Input::plain(request), &mut tracer);
        tracer.finish(evaluation)
    }

    /// [`evaluate`](Self::evaluate) for a prepared request (with its session policy, if it
    /// carries one).
    #[must_use]
    pub fn evaluate_prepared(&self, request: &PreparedRequest) -> Evaluation {
        run(
            &[self.part(), request.session_part().part()],
            &request.input(),
            &mut NoRecord,
        )
    }

    /// [`explain`](Self::explain) for a prepared request (with its session policy).
    #[must_use]
    pub fn explain_prepared(&self, request: &PreparedRequest) -> Explanation {
        let mut tracer = Tracer::default();
        let evaluation = run(
            &[self.part(), request.session_part().part()],
            &request.input(),
            &mut tracer,
        );
        tracer.finish(evaluation)
    }
}
