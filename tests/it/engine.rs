//! The decision engine: each gate, the same-account table of `iam-semantics.md` §9.5, the
//! special callers, NotPrincipal, reasons, explain, requests, and zero allocation.
//!
//! Policies are built with `PolicyBuilder` from small statement helpers so that these tests
//! pin the combining logic alone. They use exact action names and `"*"` resources.

use iam_policy::policy::PrincipalKind;
use iam_policy::{
    ActionError, CallerKind, CompiledPolicySet, ContextValue, Decision, Effect, Gate, MAX_REASONS,
    Policy, PolicyBuilder, PolicyKind, PolicySet, PolicyType, PrincipalMatch, PrincipalOutcome,
    Request, RequestError, ResourceKind, ResourceOutcome, StatementBuilder, StatementRef,
};

const A: &str = "111122223333";
const B: &str = "444455556666";
const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const CAROL: &str = "arn:aws:iam::111122223333:user/carol";
const BOB: &str = "arn:aws:iam::444455556666:user/bob";
const ROLE: &str = "arn:aws:iam::111122223333:role/app";
const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/app/s1";
const FED: &str = "arn:aws:sts::111122223333:federated-user/fred";
const ROOT: &str = "arn:aws:iam::111122223333:root";
const GET: &str = "secretsmanager:GetSecretValue";
const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf";
const B_SECRET: &str = "arn:aws:secretsmanager:us-east-1:444455556666:secret:db-AbCdEf";

/// A statement under construction; [`St::builder`] hands it to the validating
/// [`StatementBuilder`]. Kept as plain data so that helpers can replace the resource or the
/// principal.
#[derive(Clone, Debug)]
struct St {
    effect: Effect,
    actions: Vec<String>,
    not_action: bool,
    sid: Option<String>,
    /// `(negated, patterns)`; `None` for no `Resource` element (trust policies).
    resource: Option<(bool, Vec<String>)>,
    /// `(negated, None)` is `"*"`; `(negated, Some((kind, values)))` a one-key map.
    principal: Option<(bool, Option<OneKey>)>,
}

/// One key of a principal map with its values.
type OneKey = (PrincipalKind, Vec<String>);

impl St {
    fn builder(&self) -> StatementBuilder {
        let mut b = StatementBuilder::new(self.effect);
        if let Some(sid) = &self.sid {
            b = b.sid(sid.as_str());
        }
        b = if self.not_action {
            b.not_action(self.actions.iter().map(String::as_str))
        } else {
            b.action(self.actions.iter().map(String::as_str))
        };
        if let Some((negated, patterns)) = &self.resource {
            let patterns = patterns.iter().map(String::as_str);
            b = if *negated {
                b.not_resource(patterns)
            } else {
                b.resource(patterns)
            };
        }
        b = match &self.principal {
            None => b,
            Some((false, None)) => b.principal_any(),
            Some((true, None)) => b.not_principal_any(),
            Some((false, Some((kind, values)))) => b.principal(*kind, values),
            Some((true, Some((kind, values)))) => b.not_principal(*kind, values),
        };
        b
    }
}

fn statement(effect: Effect, actions: &[&str], negated: bool) -> St {
    St {
        effect,
        actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        not_action: negated,
        sid: None,
        resource: Some((false, vec!["*".to_owned()])),
        principal: None,
    }
}

fn allow(action: &str) -> St {
    statement(Effect::Allow, &[action], false)
}

fn deny(action: &str) -> St {
    statement(Effect::Deny, &[action], false)
}

impl St {
    fn sid(mut self, sid: &str) -> Self {
        self.sid = Some(sid.to_owned());
        self
    }
    fn resources(mut self, negated: bool, patterns: &[&str]) -> Self {
        self.resource = Some((negated, patterns.iter().map(|p| (*p).to_owned()).collect()));
        self
    }
    fn no_resource(mut self) -> Self {
        self.resource = None;
        self
    }
    fn principal(mut self, negated: bool, kind: PrincipalKind, values: &[&str]) -> Self {
        let values = values.iter().map(|v| (*v).to_owned()).collect();
        self.principal = Some((negated, Some((kind, values))));
        self
    }
    fn aws(self, values: &[&str]) -> Self {
        self.principal(false, PrincipalKind::Aws, values)
    }
    fn not_aws(self, values: &[&str]) -> Self {
        self.principal(true, PrincipalKind::Aws, values)
    }
    fn star(mut self) -> Self {
        self.principal = Some((false, None));
        self
    }
}

/// The policy type validated for statements of `kind` (a resource policy, not a trust
/// policy: see [`Part::Trust`]).
fn policy_type(kind: PolicyKind) -> PolicyType {
    match kind {
        PolicyKind::Identity => PolicyType::Identity,
        PolicyKind::Resource => PolicyType::Resource,
        PolicyKind::PermissionsBoundary => PolicyType::PermissionsBoundary,
        PolicyKind::Session => PolicyType::Session,
        PolicyKind::Scp => PolicyType::Scp,
        PolicyKind::Rcp => PolicyType::Rcp,
    }
}

/// Builds and validates a policy; the statements are the tests' own, so one that the parser
/// refuses is a bug in the test.
fn policy(ty: PolicyType, statements: &[St]) -> Policy {
    let builder = PolicyBuilder::new(ty).statements(statements.iter().map(St::builder));
    builder
        .build()
        .unwrap_or_else(|e| panic!("test policy is invalid: {e}\n{}", builder.to_json()))
}

/// A set built from `(kind, statements)` pairs; each pair is one policy. SCP/RCP policies go
/// into the current level; `Level(kind)` starts a new one.
enum Part {
    P(PolicyKind, Vec<St>),
    /// A role trust policy (in the resource slot).
    Trust(Vec<St>),
    /// A parsed policy, in the slot of its type.
    Parsed(Policy),
    Level(PolicyKind),
}
use Part::{Level, P};

fn set(parts: Vec<Part>) -> CompiledPolicySet {
    let mut set = PolicySet::new();
    for part in parts {
        match part {
            P(kind, statements) => {
                set.add(kind, policy(policy_type(kind), &statements));
            }
            Part::Trust(statements) => {
                set.add(PolicyKind::Resource, policy(PolicyType::Trust, &statements));
            }
            Part::Parsed(p) => {
                set.add(p.policy_type().kind(), p);
            }
            Level(kind) => {
                set.push_level(kind);
            }
        }
    }
    set.compile()
}

fn request(principal: &str, action: &str, resource: &str) -> Request {
    Request::builder()
        .principal(principal)
        .action(action)
        .resource(resource)
        .build()
        .unwrap()
}

fn get(principal: &str) -> Request {
    request(principal, GET, SECRET)
}

fn r(kind: PolicyKind, level: u16, policy: u32, statement: u32) -> StatementRef {
    StatementRef {
        kind,
        level,
        policy,
        statement,
    }
}

#[track_caller]
fn check(set: &CompiledPolicySet, req: &Request, decision: Decision, gate: Option<Gate>) {
    let e = set.evaluate(req);
    assert_eq!(e.decision(), decision, "decision");
    assert_eq!(e.gate(), gate, "gate");
    let x = set.explain(req);
    assert_eq!(x.evaluation(), &e, "explain agrees with evaluate");
}

use Decision::{Allow, ExplicitDeny, ImplicitDeny};
use PolicyKind::{Identity, PermissionsBoundary as Boundary, Rcp, Resource, Scp, Session};

// ---------------------------------------------------------------------------------------------
// Identity, explicit deny

#[test]
fn engine_identity_allow() {
    let s = set(vec![P(Identity, vec![allow(GET)])]);
    let e = s.evaluate(&get(ALICE));
    assert_eq!(e.decision(), Allow);
    assert_eq!(e.gate(), None);
    assert_eq!(e.reasons().collect::<Vec<_>>(), vec![r(Identity, 0, 0, 0)]);
}

#[test]
fn engine_no_policies_is_implicit_deny_at_identity() {
    check(
        &set(vec![]),
        &get(ALICE),
        ImplicitDeny,
        Some(Gate::Identity),
    );
    let e = set(vec![]).evaluate(&get(ALICE));
    assert_eq!(e.reasons().count(), 0);
    assert_eq!(
        Gate::Identity.to_string(),
        "no identity-based policy allows this request"
    );
}

#[test]
fn engine_other_action_not_allowed() {
    let s = set(vec![P(
        Identity,
        vec![allow("secretsmanager:DescribeSecret")],
    )]);
    check(&s, &get(ALICE), ImplicitDeny, Some(Gate::Identity));
}

#[test]
fn engine_explicit_deny_wins_everywhere() {
    for kind in [Identity, Boundary, Session, Scp, Rcp] {
        let s = set(vec![
            P(Identity, vec![allow(GET)]),
            P(Resource, vec![allow(GET).aws(&[ALICE])]),
            P(Boundary, vec![allow(GET)]),
            P(Session, vec![allow(GET)]),
            P(Scp, vec![allow("*")]),
            P(Rcp, vec![allow("*").star()]),
            P(
                kind,
                vec![if kind == Rcp {
                    deny(GET).star()
                } else {
                    deny(GET)
                }],
            ),
        ]);
        let e = s.evaluate(&get(SESSION));
        assert_eq!(e.decision(), ExplicitDeny, "deny in {kind}");
        let reasons: Vec<_> = e.reasons().collect();
        assert_eq!(reasons.len(), 1, "{kind}");
        assert_eq!(reasons[0].kind, kind);
    }
    // In the resource policy too, against a direct grant.
    let s = set(vec![P(
        Resource,
        vec![allow(GET).aws(&[ALICE]), deny(GET).star()],
    )]);
    let e = s.evaluate(&get(ALICE));
    assert_eq!(e.decision(), ExplicitDeny);
    assert_eq!(e.reasons().collect::<Vec<_>>(), vec![r(Resource, 0, 0, 1)]);
}

#[test]
fn engine_notaction_deny_and_allow() {
    let s = set(vec![P(
        Identity,
        vec![allow("*"), statement(Effect::Deny, &["s3:GetObject"], true)],
    )]);
    check(&s, &get(ALICE), ExplicitDeny, None);
    check(
        &s,
        &request(ALICE, "s3:GetObject", "arn:aws:s3:::b/k"),
        Allow,
        None,
    );
    let s = set(vec![P(
        Identity,
        vec![statement(Effect::Allow, &["iam:CreateUser"], true)],
    )]);
    check(&s, &get(ALICE), Allow, None);
    check(
        &s,
        &request(ALICE, "iam:CreateUser", "*"),
        ImplicitDeny,
        Some(Gate::Identity),
    );
}

#[test]
fn engine_deny_notresource_on_star_resource() {
    // Project decision 14: a no-resource action is denied unless a NotResource pattern is `*`.
    let list = request(ALICE, "secretsmanager:ListSecrets", "*");
    let s = set(vec![P(
        Identity,
        vec![
            allow("*"),
            deny("secretsmanager:ListSecrets").resources(true, &[SECRET]),
        ],
    )]);
    check(&s, &list, ExplicitDeny, None);
    let s = set(vec![P(
        Identity,
        vec![
            allow("*"),
            deny("secretsmanager:ListSecrets").resources(true, &["*"]),
        ],
    )]);
    check(&s, &list, Allow, None);
    // A specific ARN never covers `*`.
    let s = set(vec![P(
        Identity,
        vec![allow("secretsmanager:ListSecrets").resources(false, &[SECRET])],
    )]);
    check(&s, &list, ImplicitDeny, Some(Gate::Identity));
}

// ---------------------------------------------------------------------------------------------
// Boundary, session, SCP and RCP gates

#[test]
fn engine_boundary_gate() {
    let s = set(vec![
        P(Identity, vec![allow(GET)]),
        P(Boundary, vec![allow("s3:GetObject")]),
    ]);
    check(
        &s,
        &get(ALICE),
        ImplicitDeny,
        Some(Gate::PermissionsBoundary),
    );
    let s = set(vec![
        P(Identity, vec![allow(GET)]),
        P(Boundary, vec![allow(GET)]),
    ]);
    let e = s.evaluate(&get(ALICE));
    assert_eq!(e.decision(), Allow);
    assert_eq!(
        e.reasons().collect::<Vec<_>>(),
        vec![r(Identity, 0, 0, 0), r(Boundary, 0, 0, 0)]
    );
    // The boundary grants nothing by itself.
    let s = set(vec![P(Boundary, vec![allow(GET)])]);
    check(&s, &get(ALICE), ImplicitDeny, Some(Gate::Identity));
}

#[test]
fn engine_session_gate() {
    let s = set(vec![
        P(Identity, vec![allow(GET)]),
        P(Session, vec![allow("s3:GetObject")]),
    ]);
    check(&s, &get(SESSION), ImplicitDeny, Some(Gate::Session));
    let s = set(vec![
        P(Identity, vec![allow(GET)]),
        P(Session, vec![allow(GET)]),
    ]);
    check(&s, &get(SESSION), Allow, None);
    // Several session policies are OR-ed.
    let s = set(vec![
        P(Identity, vec![allow(GET)]),
        P(Session, vec![allow("s3:GetObject")]),
        P(Session, vec![allow(GET)]),
    ]);
    check(&s, &get(SESSION), Allow, None);
}

#[test]
fn engine_scp_levels() {
    // One level: any policy suffices.
    let s = set(vec![
        P(Identity, vec![allow(GET)]),
        P(Scp, vec![allow("ec2:*")]),
        P(Scp, vec![allow("*")]),
    ]);
    check(&s, &get(ALICE), Allow, None);
    // Two levels: each must allow; the first failing level is reported.
    let s = set(vec![
        P(Identity, vec![allow(GET)]),
        Level(Scp),
        P(Scp, vec![allow("*")]),
        Level(Scp),
        P(Scp, vec![allow("ec2:RunInstances")]),
    ]);
    check(&s, &get(ALICE), ImplicitDeny, Some(Gate::Scp { level: 1 }));
    // An empty level allows nothing.
    let s = set(vec![
        P(Identity, vec![allow(GET)]),
        Level(Scp),
        Level(Scp),
        P(Scp, vec![allow("*")]),
    ]);
    check(&s, &get(ALICE), ImplicitDeny, Some(Gate::Scp { level: 0 }));
    // SCPs grant nothing by themselves.
    let s = set(vec![P(Scp, vec![allow("*")])]);
    check(&s, &get(ALICE), ImplicitDeny, Some(Gate::Identity));
    assert_eq!(
        Gate::Scp { level: 1 }.to_string(),
        "no service control policy at level 1 allows this request"
    );
}

#[test]
fn engine_rcp_levels() {
    let s = set(vec![
        P(Identity, vec![allow(GET)]),
        P(Rcp, vec![deny("s3:*").star()]),
    ]);
    // Project decision 16: an RCP list that allows nothing implicitly denies.
    check(&s, &get(ALICE), ImplicitDeny, Some(Gate::Rcp { level: 0 }));
    let s = set(vec![
        P(Identity, vec![allow(GET)]),
        P(Rcp, vec![allow("*").star()]),
    ]);
    check(&s, &get(ALICE), Allow, None);
    let s = set(vec![
        P(Identity, vec![allow(GET)]),
        Level(Rcp),
        P(Rcp, vec![allow("*").star()]),
        Level(Rcp),
        P(Rcp, vec![allow("s3:*").star()]),
    ]);
    check(&s, &get(ALICE), ImplicitDeny, Some(Gate::Rcp { level: 1 }));
}

// ---------------------------------------------------------------------------------------------
// Same account: the §9.5 table

/// A boundary and a session policy that allow nothing relevant.
fn limits() -> Vec<Part> {
    vec![
        P(Boundary, vec![allow("ec2:*")]),
        P(Session, vec![allow("ec2:*")]),
    ]
}

#[test]
fn engine_same_account_user_arn_is_direct() {
    let mut parts = vec![P(Resource, vec![allow(GET).aws(&[ALICE])])];
    parts.extend(limits());
    let s = set(parts);
    check(&s, &get(ALICE), Allow, None);
    assert_eq!(
        s.evaluate(&get(ALICE)).reasons().collect::<Vec<_>>(),
        vec![r(Resource, 0, 0, 0)]
    );
    // It names alice, not carol.
    check(&s, &get(CAROL), ImplicitDeny, Some(Gate::Identity));
}

#[test]
fn engine_same_account_role_arn_is_limited_by_boundary_and_session() {
    let grant = || P(Resource, vec![allow(GET).aws(&[ROLE])]);
    check(&set(vec![grant()]), &get(SESSION), Allow, None);
    check(
        &set(vec![grant(), P(Boundary, vec![allow("ec2:*")])]),
        &get(SESSION),
        ImplicitDeny,
        Some(Gate::PermissionsBoundary),
    );
    check(
        &set(vec![grant(), P(Session, vec![allow("ec2:*")])]),
        &get(SESSION),
        ImplicitDeny,
        Some(Gate::Session),
    );
    check(
        &set(vec![
            grant(),
            P(Boundary, vec![allow(GET)]),
            P(Session, vec![allow(GET)]),
        ]),
        &get(SESSION),
        Allow,
        None,
    );
    // A role path does not matter: sessions are matched by role name.
    let s = set(vec![P(
        Resource,
        vec![allow(GET).aws(&["arn:aws:iam::111122223333:role/team/app"])],
    )]);
    check(&s, &get(SESSION), Allow, None);
    // Another role's session is not covered.
    check(
        &s,
        &get("arn:aws:sts::111122223333:assumed-role/other/s1"),
        ImplicitDeny,
        Some(Gate::Identity),
    );
}

#[test]
fn engine_same_account_session_arn_is_direct() {
    // Project decision 1: not limited by the session policy (nor the boundary).
    let mut parts = vec![P(Resource, vec![allow(GET).aws(&[SESSION])])];
    parts.extend(limits());
    let s = set(parts);
    check(&s, &get(SESSION), Allow, None);
    check(
        &s,
        &get("arn:aws:sts::111122223333:assumed-role/app/s2"),
        ImplicitDeny,
        Some(Gate::Identity),
    );
}

#[test]
fn engine_same_account_federated_user_arn_is_direct() {
    let mut parts = vec![P(Resource, vec![allow(GET).aws(&[FED])])];
    parts.extend(limits());
    check(&set(parts), &get(FED), Allow, None);
}

#[test]
fn engine_same_account_star_is_direct() {
    // Project decision 13.
    let mut parts = vec![P(Resource, vec![allow(GET).star()])];
    parts.extend(limits());
    let s = set(parts);
    check(&s, &get(ALICE), Allow, None);
    check(&s, &get(SESSION), Allow, None);
    let mut parts = vec![P(Resource, vec![allow(GET).aws(&["*"])])];
    parts.extend(limits());
    check(&set(parts), &get(SESSION), Allow, None);
}

#[test]
fn engine_same_account_account_principal_is_delegation() {
    for account in [A, ROOT] {
        let grant = || P(Resource, vec![allow(GET).aws(&[account])]);
        check(
            &set(vec![grant()]),
            &get(ALICE),
            ImplicitDeny,
            Some(Gate::Identity),
        );
        check(
            &set(vec![grant(), P(Identity, vec![allow(GET)])]),
            &get(ALICE),
            Allow,
            None,
        );
        check(
            &set(vec![
                grant(),
                P(Identity, vec![allow(GET)]),
                P(Boundary, vec![allow("ec2:*")]),
            ]),
            &get(ALICE),
            ImplicitDeny,
            Some(Gate::PermissionsBoundary),
        );
    }
}

#[test]
fn engine_same_account_identity_alone_suffices() {
    let s = set(vec![
        P(Identity, vec![allow(GET)]),
        P(Resource, vec![allow(GET).aws(&[BOB])]),
    ]);
    check(&s, &get(ALICE), Allow, None);
    assert_eq!(
        s.evaluate(&get(ALICE)).reasons().collect::<Vec<_>>(),
        vec![r(Identity, 0, 0, 0)]
    );
}

// ---------------------------------------------------------------------------------------------
// Cross account

#[test]
fn engine_cross_account_needs_both_sides() {
    let bob_get = || request(BOB, GET, SECRET);
    check(
        &set(vec![P(Identity, vec![allow(GET)])]),
        &bob_get(),
        ImplicitDeny,
        Some(Gate::ResourcePolicy),
    );
    check(
        &set(vec![P(Resource, vec![allow(GET).aws(&[BOB])])]),
        &bob_get(),
        ImplicitDeny,
        Some(Gate::Identity),
    );
    for named in [BOB, B, "arn:aws:iam::444455556666:root", "*"] {
        let s = set(vec![
            P(Identity, vec![allow(GET)]),
            P(Resource, vec![allow(GET).aws(&[named])]),
        ]);
        check(&s, &bob_get(), Allow, None);
        assert_eq!(
            s.evaluate(&bob_get()).reasons().collect::<Vec<_>>(),
            vec![r(Identity, 0, 0, 0), r(Resource, 0, 0, 0)],
            "{named}"
        );
    }
    // The boundary and session policy still apply on the caller's side.
    check(
        &set(vec![
            P(Identity, vec![allow(GET)]),
            P(Resource, vec![allow(GET).aws(&[BOB])]),
            P(Boundary, vec![allow("ec2:*")]),
        ]),
        &bob_get(),
        ImplicitDeny,
        Some(Gate::PermissionsBoundary),
    );
    // Naming the caller's account does not cover another account.
    check(
        &set(vec![
            P(Identity, vec![allow(GET)]),
            P(Resource, vec![allow(GET).aws(&[A])]),
        ]),
        &bob_get(),
        ImplicitDeny,
        Some(Gate::ResourcePolicy),
    );
}

#[test]
fn engine_cross_account_session_needs_identity_even_when_named() {
    let session = "arn:aws:sts::444455556666:assumed-role/app/s1";
    let s = set(vec![P(Resource, vec![allow(GET).aws(&[session])])]);
    check(
        &s,
        &request(session, GET, SECRET),
        ImplicitDeny,
        Some(Gate::Identity),
    );
    let s = set(vec![
        P(Identity, vec![allow(GET)]),
        P(
            Resource,
            vec![allow(GET).aws(&["arn:aws:iam::444455556666:role/app"])],
        ),
    ]);
    check(&s, &request(session, GET, SECRET), Allow, None);
}

// ---------------------------------------------------------------------------------------------
// Root, service principals, anonymous callers

#[test]
fn engine_root_user() {
    check(&set(vec![]), &get(ROOT), Allow, None);
    // The boundary and session policy do not bind the root user.
    check(&set(limits()), &get(ROOT), Allow, None);
    check(
        &set(vec![P(Scp, vec![allow("ec2:*")])]),
        &get(ROOT),
        ImplicitDeny,
        Some(Gate::Scp { level: 0 }),
    );
    check(
        &set(vec![P(Resource, vec![deny(GET).star()])]),
        &get(ROOT),
        ExplicitDeny,
        None,
    );
    // Cross account: the resource policy must name the account (or the root, or `*`).
    let root_b = "arn:aws:iam::444455556666:root";
    check(
        &set(vec![]),
        &request(root_b, GET, SECRET),
        ImplicitDeny,
        Some(Gate::ResourcePolicy),
    );
    check(
        &set(vec![P(Resource, vec![allow(GET).aws(&[B])])]),
        &request(root_b, GET, SECRET),
        Allow,
        None,
    );
}

#[test]
fn engine_service_principal_needs_the_resource_policy() {
    let lambda = "lambda.amazonaws.com";
    check(
        &set(vec![P(Identity, vec![allow(GET)])]),
        &request(lambda, GET, SECRET),
        ImplicitDeny,
        Some(Gate::ResourcePolicy),
    );
    let s = set(vec![P(
        Resource,
        vec![allow(GET).principal(false, PrincipalKind::Service, &[lambda])],
    )]);
    check(&s, &request(lambda, GET, SECRET), Allow, None);
    check(
        &s,
        &request("ec2.amazonaws.com", GET, SECRET),
        ImplicitDeny,
        Some(Gate::ResourcePolicy),
    );
    // SCPs do not apply to service principals; RCPs do.
    let s = set(vec![
        P(Resource, vec![allow(GET).star()]),
        P(Scp, vec![allow("ec2:*")]),
    ]);
    check(&s, &request(lambda, GET, SECRET), Allow, None);
    let s = set(vec![
        P(Resource, vec![allow(GET).star()]),
        P(Rcp, vec![allow("ec2:*").star()]),
    ]);
    check(
        &s,
        &request(lambda, GET, SECRET),
        ImplicitDeny,
        Some(Gate::Rcp { level: 0 }),
    );
}

#[test]
fn engine_anonymous_caller() {
    for anon in ["anonymous", "*"] {
        let req = request(anon, "s3:GetObject", "arn:aws:s3:::public/x");
        assert_eq!(req.principal().kind(), CallerKind::Anonymous);
        check(
            &set(vec![P(Resource, vec![allow("s3:GetObject").star()])]),
            &req,
            Allow,
            None,
        );
        check(
            &set(vec![P(Resource, vec![allow("s3:GetObject").aws(&[A])])]),
            &req,
            ImplicitDeny,
            Some(Gate::ResourcePolicy),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Trust policies and KMS key policies (project decision 21)

#[test]
fn engine_trust_policy_must_allow() {
    let assume = |who: &str| {
        request(
            who,
            "sts:AssumeRole",
            "arn:aws:iam::111122223333:role/target",
        )
    };
    assert_eq!(assume(ALICE).resource_kind(), ResourceKind::RoleTrust);
    let trust =
        |values: &[&str]| Part::Trust(vec![allow("sts:AssumeRole").no_resource().aws(values)]);
    // No trust policy: nothing can assume the role.
    check(
        &set(vec![P(Identity, vec![allow("sts:AssumeRole")])]),
        &assume(ALICE),
        ImplicitDeny,
        Some(Gate::ResourcePolicy),
    );
    // Naming the user: enough on its own in the same account.
    check(&set(vec![trust(&[ALICE])]), &assume(ALICE), Allow, None);
    // Naming the account: the identity policy must allow too.
    check(
        &set(vec![trust(&[A])]),
        &assume(ALICE),
        ImplicitDeny,
        Some(Gate::Identity),
    );
    check(
        &set(vec![
            trust(&[A]),
            P(Identity, vec![allow("sts:AssumeRole")]),
        ]),
        &assume(ALICE),
        Allow,
        None,
    );
    // Identity alone never suffices, even in the same account.
    check(
        &set(vec![
            trust(&[BOB]),
            P(Identity, vec![allow("sts:AssumeRole")]),
        ]),
        &assume(ALICE),
        ImplicitDeny,
        Some(Gate::ResourcePolicy),
    );
    // Cross account: the trust policy names the account, the identity policy allows.
    check(
        &set(vec![
            trust(&[B]),
            P(Identity, vec![allow("sts:AssumeRole")]),
        ]),
        &assume(BOB),
        Allow,
        None,
    );
}

#[test]
fn engine_kms_key_policy_must_allow() {
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let decrypt = request(ALICE, "kms:Decrypt", key);
    assert_eq!(decrypt.resource_kind(), ResourceKind::KmsKey);
    check(
        &set(vec![P(Identity, vec![allow("kms:Decrypt")])]),
        &decrypt,
        ImplicitDeny,
        Some(Gate::ResourcePolicy),
    );
    check(
        &set(vec![
            P(Identity, vec![allow("kms:Decrypt")]),
            P(Resource, vec![allow("kms:Decrypt").aws(&[ROOT])]),
        ]),
        &decrypt,
        Allow,
        None,
    );
    check(
        &set(vec![P(Resource, vec![allow("kms:Decrypt").aws(&[ROOT])])]),
        &decrypt,
        ImplicitDeny,
        Some(Gate::Identity),
    );
}

// ---------------------------------------------------------------------------------------------
// NotPrincipal (project decision 3)

fn not_principal(listed: &[&str]) -> Vec<Part> {
    vec![
        P(Identity, vec![allow(GET)]),
        P(Resource, vec![deny(GET).not_aws(listed)]),
    ]
}

#[test]
fn engine_notprincipal_exempts_only_listed_callers() {
    let s = set(not_principal(&[ALICE]));
    check(&s, &get(ALICE), Allow, None);
    check(&s, &get(CAROL), ExplicitDeny, None);
    // A session is exempt through its role's ARN or its own ARN.
    check(&set(not_principal(&[ROLE])), &get(SESSION), Allow, None);
    check(&set(not_principal(&[SESSION])), &get(SESSION), Allow, None);
    check(
        &set(not_principal(&[ROLE])),
        &get("arn:aws:sts::111122223333:assumed-role/other/s1"),
        ExplicitDeny,
        None,
    );
    // An account entry exempts only the account's root user.
    for account in [A, ROOT] {
        let s = set(not_principal(&[ALICE, account]));
        check(&s, &get(CAROL), ExplicitDeny, None);
        check(&s, &get(ALICE), Allow, None);
        check(&s, &get(ROOT), Allow, None);
    }
}

#[test]
fn engine_notprincipal_always_denies_a_caller_with_a_boundary() {
    let mut parts = not_principal(&[ALICE]);
    parts.push(P(Boundary, vec![allow(GET)]));
    let s = set(parts);
    check(&s, &get(ALICE), ExplicitDeny, None);
    let x = s.explain(&get(ALICE));
    let t = x.statement(r(Resource, 0, 0, 0)).unwrap();
    assert_eq!(t.principal, PrincipalOutcome::BoundaryCaller);
    assert!(t.applies);
}

/// `NotPrincipal` with `Allow` cannot be built: the builder refuses it like the parser does,
/// so the engine never sees such a statement (its `AllowWithNotPrincipal` outcome stays a
/// fail-closed guard).
#[test]
fn engine_notprincipal_in_allow_cannot_be_built() {
    let errors = PolicyBuilder::new(PolicyType::Resource)
        .statement(allow(GET).not_aws(&[BOB]).builder())
        .build()
        .unwrap_err();
    assert_eq!(errors.first().code(), "ALLOW_WITH_NOT_PRINCIPAL");
    // A trust policy takes no `NotPrincipal` at all.
    let trust = PolicyBuilder::new(PolicyType::Trust)
        .statement(allow(GET).no_resource().not_aws(&[BOB]).builder())
        .build();
    assert!(trust.is_err());
}

/// The hole of a struct literal without `Resource` is closed: a statement with neither
/// `Resource` nor `NotResource` is refused wherever the policy type needs one (every type but
/// a role trust policy), and accepted only in a trust policy.
#[test]
fn engine_statement_without_resource_cannot_be_built() {
    for &ty in PolicyType::ALL {
        let st = StatementBuilder::new(Effect::Allow).action([GET]);
        let st = match ty {
            PolicyType::Resource | PolicyType::Trust => st.principal(PrincipalKind::Aws, [ALICE]),
            PolicyType::Rcp => st.principal_any(),
            _ => st,
        };
        let built = PolicyBuilder::new(ty).statement(st).build();
        if ty == PolicyType::Trust {
            assert!(built.is_ok(), "{ty}: {built:?}");
        } else {
            let codes: Vec<&str> = built
                .unwrap_err()
                .iter()
                .map(|e| e.code().as_str())
                .collect();
            assert!(codes.contains(&"MISSING_RESOURCE"), "{ty}: {codes:?}");
        }
    }
    // The same statement with a `Resource` builds for an identity policy and denies other
    // resources, which the literal without `Resource` used to allow.
    let p = PolicyBuilder::new(PolicyType::Identity)
        .statement(
            StatementBuilder::new(Effect::Allow)
                .action([GET])
                .resource([SECRET]),
        )
        .build()
        .unwrap();
    let mut set = PolicySet::new();
    set.add(p.policy_type().kind(), p);
    let s = set.compile();
    check(&s, &request(ALICE, GET, SECRET), Allow, None);
    check(
        &s,
        &request(ALICE, GET, B_SECRET),
        ImplicitDeny,
        Some(Gate::Identity),
    );
}

// ---------------------------------------------------------------------------------------------
// Reasons, order, explain

#[test]
fn engine_reasons_are_ordered_and_truncated() {
    let statements: Vec<St> = (0..10).map(|_| allow(GET)).collect();
    let s = set(vec![
        P(Identity, vec![allow("s3:GetObject")]),
        P(Identity, statements),
    ]);
    let e = s.evaluate(&get(ALICE));
    assert_eq!(e.decision(), Allow);
    let reasons: Vec<_> = e.reasons().collect();
    assert_eq!(reasons.len(), MAX_REASONS);
    assert!(e.is_truncated());
    let expected: Vec<_> = (0..8).map(|i| r(Identity, 0, 1, i)).collect();
    assert_eq!(reasons, expected);
}

#[test]
fn engine_deny_reasons_in_report_order() {
    let s = set(vec![
        P(Rcp, vec![allow("*").star(), deny(GET).star()]),
        P(Identity, vec![allow(GET), deny(GET)]),
        P(Resource, vec![deny(GET).star()]),
    ]);
    let e = s.evaluate(&get(ALICE));
    assert_eq!(e.decision(), ExplicitDeny);
    assert_eq!(
        e.reasons().collect::<Vec<_>>(),
        vec![r(Identity, 0, 0, 1), r(Resource, 0, 0, 0), r(Rcp, 0, 0, 1)]
    );
    assert_eq!(r(Rcp, 0, 0, 1).to_string(), "rcps[0][0].Statement[1]");
    assert_eq!(r(Identity, 0, 2, 1).to_string(), "identity[2].Statement[1]");
}

#[test]
fn engine_statement_ref_resolves_sid() {
    let s = set(vec![P(
        Identity,
        vec![allow("s3:Get"), allow(GET).sid("ReadDb")],
    )]);
    let e = s.evaluate(&get(ALICE));
    let reason = e.reasons().next().unwrap();
    assert_eq!(reason, r(Identity, 0, 0, 1));
    let info = s.statement(reason).unwrap();
    assert_eq!(info.sid, Some("ReadDb"));
    assert_eq!(info.effect, Effect::Allow);
    assert!(s.statement(r(Identity, 0, 5, 0)).is_none());
}

#[test]
fn engine_explain_traces_every_statement() {
    let s = set(vec![
        P(
            Identity,
            vec![
                allow("s3:GetObject"),
                allow(GET).resources(false, &[B_SECRET]),
            ],
        ),
        P(
            Resource,
            vec![allow(GET).aws(&[BOB]), allow(GET).aws(&[ALICE])],
        ),
    ]);
    let x = s.explain(&get(ALICE));
    assert_eq!(x.decision(), Allow);
    assert_eq!(x.statements().len(), 4);
    let t0 = &x.statements()[0];
    assert_eq!(t0.statement, r(Identity, 0, 0, 0));
    assert!(!t0.action && !t0.applies);
    let t1 = &x.statements()[1];
    assert!(t1.action && !t1.applies);
    assert_eq!(
        t1.resource,
        ResourceOutcome::NotMatched {
            negated: false,
            unresolved: false
        }
    );
    let t2 = &x.statements()[2];
    assert_eq!(t2.principal, PrincipalOutcome::NotMatched);
    let t3 = &x.statements()[3];
    assert_eq!(
        t3.principal,
        PrincipalOutcome::Matched(PrincipalMatch::Direct)
    );
    assert!(t3.applies);
    assert_eq!(x.evaluation(), &s.evaluate(&get(ALICE)));
    let text = x.to_string();
    assert!(
        text.starts_with(
            "Allow\nidentity[0].Statement[0] Allow does not apply; action not covered"
        ),
        "{text}"
    );
}

#[test]
fn engine_index_skips_other_services_but_keeps_wildcards() {
    let s = set(vec![P(
        Identity,
        vec![
            allow("s3:GetObject"),
            allow("ec2:RunInstances"),
            statement(Effect::Allow, &["s3:GetObject", GET], false),
            allow("*"),
        ],
    )]);
    let e = s.evaluate(&get(ALICE));
    assert_eq!(
        e.reasons().collect::<Vec<_>>(),
        vec![r(Identity, 0, 0, 2), r(Identity, 0, 0, 3)]
    );
    // explain visits every statement, evaluate only the candidates; both agree.
    assert_eq!(s.explain(&get(ALICE)).statements().len(), 4);
}

// ---------------------------------------------------------------------------------------------
// Requests

#[test]
fn engine_request_principal_kinds_and_derived_keys() {
    type Row<'a> = (
        &'a str,
        CallerKind,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    let cases: &[Row<'_>] = &[
        (
            ALICE,
            CallerKind::User,
            Some(ALICE),
            Some("User"),
            Some("alice"),
        ),
        (
            "arn:aws:iam::111122223333:user/division/team/alice",
            CallerKind::User,
            Some("arn:aws:iam::111122223333:user/division/team/alice"),
            Some("User"),
            Some("alice"),
        ),
        (
            ROLE,
            CallerKind::Role,
            Some(ROLE),
            Some("AssumedRole"),
            None,
        ),
        (
            SESSION,
            CallerKind::AssumedRole,
            Some(ROLE),
            Some("AssumedRole"),
            None,
        ),
        (
            FED,
            CallerKind::FederatedUser,
            Some(FED),
            Some("FederatedUser"),
            None,
        ),
        (ROOT, CallerKind::Root, Some(ROOT), Some("Account"), None),
        (
            "lambda.amazonaws.com",
            CallerKind::Service,
            None,
            None,
            None,
        ),
        (
            "anonymous",
            CallerKind::Anonymous,
            None,
            Some("Anonymous"),
            None,
        ),
    ];
    for &(principal, kind, arn, principal_type, username) in cases {
        let req = get(principal);
        let ctx = req.context();
        assert_eq!(req.principal().kind(), kind, "{principal}");
        assert_eq!(ctx.get_text("aws:principalarn"), arn, "{principal}");
        assert_eq!(
            ctx.get_text("aws:principaltype"),
            principal_type,
            "{principal}"
        );
        assert_eq!(ctx.get_text("aws:username"), username, "{principal}");
        assert!(ctx.get("aws:userid").is_none());
        let account = (!matches!(kind, CallerKind::Service | CallerKind::Anonymous)).then_some(A);
        assert_eq!(req.principal_account(), account, "{principal}");
        assert_eq!(ctx.get_text("aws:principalaccount"), account, "{principal}");
        assert_eq!(ctx.get_text("aws:resourceaccount"), Some(A), "{principal}");
        let is_service = match kind {
            CallerKind::Anonymous => None,
            CallerKind::Service => Some("true"),
            _ => Some("false"),
        };
        assert_eq!(
            ctx.get_text("aws:principalisawsservice"),
            is_service,
            "{principal}"
        );
    }
    let lambda = get("lambda.amazonaws.com");
    assert_eq!(
        lambda.context().get_text("aws:principalservicename"),
        Some("lambda.amazonaws.com")
    );
}

#[test]
fn engine_request_given_context_wins_over_derived() {
    let req = Request::builder()
        .principal(SESSION)
        .action(GET)
        .resource(SECRET)
        .context_value(
            "AWS:PrincipalArn",
            ContextValue::string("arn:aws:iam::111122223333:role/path/app"),
        )
        .build()
        .unwrap();
    assert_eq!(
        req.context().get_text("aws:principalarn"),
        Some("arn:aws:iam::111122223333:role/path/app")
    );
}

#[test]
fn engine_request_accounts() {
    let req = request(ALICE, "S3:GetObject", "arn:aws:s3:::bucket/key");
    // S3 ARNs have no account: the resource is taken to be in the caller's account, and
    // `aws:ResourceAccount` holds that account.
    assert_eq!(req.resource_account(), Some(A));
    assert!(req.is_same_account());
    assert_eq!(req.context().get_text("aws:resourceaccount"), Some(A));
    assert_eq!(req.service(), "s3");
    assert_eq!(req.action_lower(), "s3:getobject");
    let req = Request::builder()
        .principal(ALICE)
        .action("s3:GetObject")
        .resource("arn:aws:s3:::bucket/key")
        .resource_account(B)
        .build()
        .unwrap();
    assert!(!req.is_same_account());
    assert_eq!(req.context().get_text("aws:resourceaccount"), Some(B));
    let req = request(ALICE, "secretsmanager:ListSecrets", "*");
    assert_eq!(req.resource_kind(), ResourceKind::Any);
    assert_eq!(req.resource_account(), Some(A));
}

#[test]
fn engine_request_errors() {
    let build = |p: &str, a: &str, res: &str| {
        Request::builder()
            .principal(p)
            .action(a)
            .resource(res)
            .build()
    };
    assert!(matches!(
        build("bob", GET, SECRET),
        Err(RequestError::InvalidPrincipal { .. })
    ));
    assert!(matches!(
        build("arn:aws:iam::111122223333:group/devs", GET, SECRET),
        Err(RequestError::InvalidPrincipal { .. })
    ));
    assert!(matches!(
        build("arn:aws:sts::111122223333:assumed-role/app", GET, SECRET),
        Err(RequestError::InvalidPrincipal { .. })
    ));
    assert_eq!(
        build("arn:aws:iam::1234:user/x", GET, SECRET).unwrap_err(),
        RequestError::InvalidAccount("1234".into())
    );
    assert_eq!(
        build(ALICE, "GetSecretValue", SECRET).unwrap_err(),
        RequestError::InvalidAction(ActionError::Malformed("GetSecretValue".into()))
    );
    assert_eq!(
        build(ALICE, GET, "secret").unwrap_err(),
        RequestError::InvalidResource("secret".into())
    );
    assert_eq!(
        Request::builder()
            .action(GET)
            .resource(SECRET)
            .build()
            .unwrap_err(),
        RequestError::MissingPrincipal
    );
    let mismatch = Request::builder()
        .principal(ALICE)
        .principal_account(B)
        .action(GET)
        .resource(SECRET)
        .build()
        .unwrap_err();
    assert_eq!(
        mismatch.to_string(),
        "principal account `444455556666` does not match the principal `arn:aws:iam::111122223333:user/alice`"
    );
    assert!(matches!(
        Request::builder()
            .principal(ALICE)
            .action(GET)
            .resource(SECRET)
            .resource_account(B)
            .build(),
        Err(RequestError::ResourceAccountMismatch { .. })
    ));
}

// ---------------------------------------------------------------------------------------------
// Zero allocation

#[test]
fn engine_evaluate_does_not_allocate() {
    let s = set(vec![
        P(
            Identity,
            vec![allow("s3:GetObject"), allow(GET).sid("Read"), allow("*")],
        ),
        P(
            Resource,
            vec![
                allow(GET).aws(&[ROLE, A]),
                deny("secretsmanager:DeleteSecret").star(),
            ],
        ),
        P(Boundary, vec![allow(GET)]),
        P(Session, vec![allow(GET)]),
        Level(Scp),
        P(Scp, vec![allow("*")]),
        Level(Scp),
        P(Scp, vec![allow("*"), deny("iam:*")]),
        P(Rcp, vec![allow("*").star()]),
    ]);
    let requests = [
        get(SESSION),
        get(ALICE),
        request(SESSION, "secretsmanager:DeleteSecret", SECRET),
        request(BOB, GET, SECRET),
        request("anonymous", GET, SECRET),
    ];
    // Warm up (lazy statics, if any), then count.
    for req in &requests {
        let _ = s.evaluate(req);
    }
    let mut decisions = Vec::with_capacity(requests.len());
    let info = allocation_counter::measure(|| {
        for req in &requests {
            let e = s.evaluate(req);
            decisions.push(e.decision());
        }
    });
    assert_eq!(info.count_total, 0, "evaluate allocated");
    assert_eq!(
        decisions,
        vec![Allow, Allow, ExplicitDeny, ImplicitDeny, ImplicitDeny]
    );
}

// ---------------------------------------------------------------------------------------------
// With parsed policies and conditions

fn parsed(kind: PolicyKind, json: &str) -> Part {
    let policy = iam_policy::parse_policy(json, policy_type(kind))
        .unwrap_or_else(|e| panic!("test policy does not parse: {e}"));
    assert_eq!(policy.policy_type().kind(), kind);
    Part::Parsed(policy)
}

const CONDITIONS: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Everything", "Effect": "Allow", "Action": ["secretsmanager:Get*", "s3:*"],
   "Resource": ["arn:aws:secretsmanager:*:111122223333:secret:${aws:PrincipalTag/team}/*",
                "arn:aws:s3:::bucket/${aws:username}/*"],
   "Condition": {
     "StringEquals": {"aws:PrincipalTag/team": "${aws:PrincipalTag/team}", "aws:RequestedRegion": ["us-east-1", "eu-west-1"]},
     "StringEqualsIgnoreCase": {"aws:PrincipalTag/Env": "PROD"},
     "StringLike": {"aws:UserAgent": "*aws-sdk*"},
     "StringNotEquals": {"aws:PrincipalTag/blocked": "yes"},
     "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"},
     "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
     "Bool": {"aws:SecureTransport": "true"},
     "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "2001:db8::/32"]},
     "ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:*"},
     "Null": {"aws:TokenIssueTime": "true"},
     "ForAllValues:StringLike": {"aws:TagKeys": ["team", "env*"]},
     "ForAnyValue:StringEquals": {"aws:CalledVia": ["athena.amazonaws.com", "cloudformation.amazonaws.com"]},
     "BinaryEqualsIfExists": {"aws:SomeBinary": "aGVsbG8="}
   }},
  {"Effect": "Deny", "Action": "*", "Resource": "*",
   "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]},
                 "Null": {"aws:RequestedRegion": "false"},
                 "NotIpAddressIfExists": {"aws:SourceIp": ["0.0.0.0/0", "::/0"]}}}
]}"#;

fn conditioned_request(principal: &str, mfa_age: &str) -> Request {
    Request::builder()
        .principal(principal)
        .action("secretsmanager:GetSecretValue")
        .resource("arn:aws:secretsmanager:us-east-1:111122223333:secret:payments/db-AbCdEf")
        .context_value("aws:PrincipalTag/team", ContextValue::string("payments"))
        .context_value("aws:PrincipalTag/env", ContextValue::string("prod"))
        .context_value("aws:RequestedRegion", ContextValue::string("us-east-1"))
        .context_value("aws:UserAgent", ContextValue::string("aws-sdk-rust/1.0"))
        .context_value("aws:MultiFactorAuthAge", ContextValue::string(mfa_age))
        .context_value(
            "aws:CurrentTime",
            ContextValue::string("2026-05-01T12:00:00Z"),
        )
        .context_value("aws:SecureTransport", ContextValue::bool(true))
        .context_value("aws:SourceIp", ContextValue::string("10.1.2.3"))
        .context_value("aws:TagKeys", ContextValue::strings(["team", "env-x"]))
        .context_value(
            "aws:CalledVia",
            ContextValue::strings(["cloudformation.amazonaws.com"]),
        )
        .build()
        .unwrap()
}

fn conditioned_set() -> CompiledPolicySet {
    set(vec![
        parsed(Identity, CONDITIONS),
        parsed(
            Resource,
            r#"{"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111122223333:role/app", "111122223333"]},
               "Action": "secretsmanager:GetSecretValue", "Resource": "*",
               "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}},
              {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
               "Action": "secretsmanager:DeleteSecret", "Resource": "*"}]}"#,
        ),
        parsed(
            Boundary,
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}"#,
        ),
        Level(Scp),
        parsed(
            Scp,
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#,
        ),
        Level(Scp),
        parsed(
            Scp,
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
              {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}"#,
        ),
        parsed(
            Rcp,
            r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}}"#,
        ),
    ])
}

#[test]
fn engine_conditions_decide_through_the_engine() {
    let s = conditioned_set();
    let ok = conditioned_request(ALICE, "100");
    let e = s.evaluate(&ok);
    assert_eq!(e.decision(), Allow, "{}", s.explain(&ok));
    assert_eq!(
        e.reasons().collect::<Vec<_>>(),
        vec![
            r(Identity, 0, 0, 0),
            r(Boundary, 0, 0, 0),
            r(Scp, 0, 0, 0),
            r(Scp, 1, 0, 0),
            r(Rcp, 0, 0, 0)
        ]
    );
    // MFA too old: the Allow's NumericLessThan is false.
    check(
        &s,
        &conditioned_request(ALICE, "7200"),
        ImplicitDeny,
        Some(Gate::Identity),
    );
    // Not a number: unknown, so the Allow does not apply; the trace says why.
    let bad = conditioned_request(ALICE, "soon");
    check(&s, &bad, ImplicitDeny, Some(Gate::Identity));
    let x = s.explain(&bad);
    let t = x.statement(r(Identity, 0, 0, 0)).unwrap();
    assert_eq!(t.sid.as_deref(), Some("Everything"));
    let numeric = t
        .conditions
        .iter()
        .find(|c| c.key == "aws:MultiFactorAuthAge")
        .unwrap();
    assert!(matches!(numeric.truth, iam_policy::Truth::Unknown(_)));
    assert!(
        t.conditions
            .iter()
            .filter(|c| c.key != "aws:MultiFactorAuthAge")
            .all(|c| c.truth == iam_policy::Truth::True),
        "{x}"
    );
    // The session of the role is granted by the resource policy through its role ARN.
    check(&s, &get(SESSION), Allow, None);
}

#[test]
fn engine_evaluate_with_conditions_does_not_allocate() {
    let s = conditioned_set();
    let requests = [
        conditioned_request(ALICE, "100"),
        conditioned_request(ALICE, "7200"),
        conditioned_request(ALICE, "soon"),
        conditioned_request(SESSION, "100"),
        request(CAROL, "secretsmanager:DeleteSecret", SECRET),
        request(BOB, GET, SECRET),
    ];
    for req in &requests {
        let _ = s.evaluate(req);
    }
    let mut decisions = Vec::with_capacity(requests.len());
    let info = allocation_counter::measure(|| {
        for req in &requests {
            decisions.push(s.evaluate(req).decision());
        }
    });
    assert_eq!(info.count_total, 0, "evaluate allocated");
    assert_eq!(
        decisions,
        vec![
            Allow,
            ImplicitDeny,
            ImplicitDeny,
            Allow,
            ExplicitDeny,
            ImplicitDeny
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Properties over random abstract policy sets (`PROPTEST_CASES` sets the case count)

mod properties {
    use super::*;
    use proptest::prelude::*;

    const ACTIONS: &[&str] = &[GET, "secretsmanager:DeleteSecret", "s3:GetObject", "*"];
    const RESOURCES: &[&str] = &["*", SECRET, B_SECRET];
    const NAMES: &[&str] = &[ALICE, ROLE, SESSION, FED, A, B, BOB, "*", ROOT];
    const CALLERS: &[&str] = &[
        ALICE,
        SESSION,
        FED,
        ROOT,
        BOB,
        "arn:aws:sts::444455556666:assumed-role/app/s1",
        "lambda.amazonaws.com",
        "anonymous",
    ];

    /// An abstract statement: effect, action index (negated?), resource index, principal.
    #[derive(Clone, Debug)]
    struct Abs {
        deny: bool,
        action: usize,
        not_action: bool,
        resource: usize,
        principal: usize,
        not_principal: bool,
    }

    fn abs() -> impl Strategy<Value = Abs> {
        (
            any::<bool>(),
            0..ACTIONS.len(),
            prop::bool::weighted(0.15),
            0..RESOURCES.len(),
            0..NAMES.len(),
            prop::bool::weighted(0.15),
        )
            .prop_map(
                |(deny, action, not_action, resource, principal, not_principal)| Abs {
                    deny,
                    action,
                    not_action,
                    resource,
                    principal,
                    not_principal,
                },
            )
    }

    fn build(kind: PolicyKind, a: &Abs) -> St {
        let effect = if a.deny { Effect::Deny } else { Effect::Allow };
        let st = statement(effect, &[ACTIONS[a.action]], a.not_action)
            .resources(false, &[RESOURCES[a.resource]]);
        match kind {
            Resource if a.not_principal && a.deny => st.not_aws(&[NAMES[a.principal]]),
            Resource => st.aws(&[NAMES[a.principal]]),
            Rcp => st.star(),
            _ => st,
        }
    }

    /// Per kind: a list of policies, each a list of statements.
    type Abstract = Vec<(PolicyKind, Vec<Vec<Abs>>)>;

    fn abstract_set() -> impl Strategy<Value = Abstract> {
        let policies = || prop::collection::vec(prop::collection::vec(abs(), 0..4), 0..3);
        (
            policies(),
            policies(),
            policies(),
            policies(),
            policies(),
            policies(),
        )
            .prop_map(|(i, r, b, s, scp, rcp)| {
                vec![
                    (Identity, i),
                    (Resource, r),
                    (Boundary, b),
                    (Session, s),
                    (Scp, scp),
                    (Rcp, rcp),
                ]
            })
    }

    fn parts(set: &Abstract) -> Vec<Part> {
        let mut parts = Vec::new();
        for (kind, policies) in set {
            for statements in policies {
                parts.push(P(
                    *kind,
                    statements.iter().map(|a| build(*kind, a)).collect(),
                ));
            }
        }
        parts
    }

    fn requests() -> impl Strategy<Value = Request> {
        (0..CALLERS.len(), 0..ACTIONS.len() - 1, 0..RESOURCES.len())
            .prop_map(|(c, a, r)| request(CALLERS[c], ACTIONS[a], RESOURCES[r]))
    }

    proptest! {
        /// `explain` (every statement, no index) and `evaluate` (indexed) agree, and the reasons
        /// of an explicit deny are exactly the applicable Deny statements in report order.
        #[test]
        fn engine_explain_agrees_with_evaluate(set in abstract_set(), req in requests()) {
            let compiled = super::set(parts(&set));
            let e = compiled.evaluate(&req);
            let x = compiled.explain(&req);
            prop_assert_eq!(x.evaluation(), &e);
            prop_assert_eq!(x.statements().len(), compiled.statement_count());
            let denies: Vec<StatementRef> = x
                .statements()
                .iter()
                .filter(|t| t.applies && t.effect == Effect::Deny)
                .map(|t| t.statement)
                .collect();
            if denies.is_empty() {
                prop_assert!(e.decision() != ExplicitDeny);
            } else {
                prop_assert_eq!(e.decision(), ExplicitDeny);
                let shown: Vec<_> = e.reasons().collect();
                prop_assert_eq!(&shown[..], &denies[..denies.len().min(MAX_REASONS)]);
                prop_assert_eq!(e.is_truncated(), denies.len() > MAX_REASONS);
            }
            prop_assert_eq!(e.gate().is_some(), e.decision() == ImplicitDeny);
            // Every reason of an Allow is an applicable Allow statement.
            if e.decision() == Allow {
                for reason in e.reasons() {
                    let t = x.statement(reason).unwrap();
                    prop_assert!(t.applies && t.effect == Effect::Allow);
                }
            }
        }

        /// A Deny of everything in any policy kind that takes part in the request gives
        /// ExplicitDeny (SCPs take no part for service principals and anonymous callers, a
        /// permissions boundary none for the root user).
        #[test]
        fn engine_deny_everything_anywhere_denies(
            set in abstract_set(),
            req in requests(),
            kind in prop::sample::select(PolicyKind::ALL.to_vec()),
        ) {
            let caller = req.principal().kind();
            prop_assume!(!(kind == Scp
                && matches!(caller, iam_policy::CallerKind::Service | iam_policy::CallerKind::Anonymous)));
            prop_assume!(!(kind == Boundary && caller == iam_policy::CallerKind::Root));
            let mut p = parts(&set);
            let deny_all = match kind {
                Resource | Rcp => deny("*").star(),
                _ => deny("*"),
            };
            p.push(P(kind, vec![deny_all]));
            prop_assert_eq!(super::set(p).evaluate(&req).decision(), ExplicitDeny);
        }

        /// Adding an Allow statement never undoes an explicit deny; adding a Deny never
        /// produces an Allow that was not there.
        #[test]
        fn engine_monotone(
            set in abstract_set(),
            req in requests(),
            extra in abs(),
            kind in prop::sample::select(PolicyKind::ALL.to_vec()),
        ) {
            let before = super::set(parts(&set)).evaluate(&req).decision();
            let mut p = parts(&set);
            p.push(P(kind, vec![build(kind, &extra)]));
            let after = super::set(p).evaluate(&req).decision();
            if extra.deny {
                prop_assert!(after != Allow || before == Allow);
            } else if before == ExplicitDeny {
                prop_assert_eq!(after, ExplicitDeny);
            }
        }

        /// The order of policies within a kind and of statements within a policy does not
        /// change the decision.
        #[test]
        fn engine_order_does_not_matter(set in abstract_set(), req in requests()) {
            let before = super::set(parts(&set)).evaluate(&req).decision();
            let reversed: Abstract = set
                .iter()
                .map(|(kind, policies)| {
                    (
                        *kind,
                        policies
                            .iter()
                            .rev()
                            .map(|st| st.iter().rev().cloned().collect())
                            .collect(),
                    )
                })
                .collect();
            prop_assert_eq!(super::set(parts(&reversed)).evaluate(&req).decision(), before);
        }
    }
}

/// `PolicyType::kind` is the one map from how a policy is validated to where it goes: every
/// kind is reached, only a trust policy shares a kind with another type, and the test helper
/// that picks a type for a kind is its inverse.
#[test]
fn policy_type_kind_agrees() {
    let mut reached: Vec<PolicyKind> = PolicyType::ALL.iter().map(|t| t.kind()).collect();
    reached.sort();
    reached.dedup();
    assert_eq!(reached, PolicyKind::ALL.to_vec());
    assert_eq!(PolicyType::Trust.kind(), PolicyKind::Resource);
    for kind in PolicyKind::ALL {
        assert_eq!(policy_type(kind).kind(), kind);
    }
    for &ty in PolicyType::ALL {
        let shared: Vec<_> = PolicyType::ALL
            .iter()
            .filter(|&&other| other != ty && other.kind() == ty.kind())
            .collect();
        let trust_pair = matches!(ty, PolicyType::Resource | PolicyType::Trust);
        assert_eq!(shared.len(), usize::from(trust_pair), "{ty}");
    }
}
