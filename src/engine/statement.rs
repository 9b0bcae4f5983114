//! Statement matching: action, resource, principal, then conditions, for one statement.

use super::compile::{
    CompiledAction, CompiledCondition, CompiledResource, CompiledStatement, CondTest, Element,
    StrValue, Target,
};
use super::condition::{evaluate_value, evaluate_value_named};
use super::decision::{PrincipalMatch, PrincipalOutcome, ResourceOutcome};
use super::record::Recorder;
use super::view::{Input, Who};
use crate::bytes::{same_bytes, starts_with, text, to_u32};
use crate::condition::ops::{self, boolean, string};
use crate::condition::{Truth, UnknownReason};
use crate::policy::Effect;
use crate::request::CallerKind;

/// The statement's verdict.
pub(super) enum Applied {
    No,
    Allow(Option<PrincipalMatch>),
    Deny,
}

/// Tests one statement against the request (after `rec.begin`, which the caller calls with
/// the statement's label). `known_action`: the action index already showed that the
/// statement names the request's action.
#[inline(always)]
pub(super) fn eval_statement<R: Recorder>(
    st: &CompiledStatement,
    conditions: &[CompiledCondition],
    input: &Input<'_>,
    known_action: bool,
    boundary_caller: bool,
    takes_part: bool,
    rec: &mut R,
) -> Applied {
    let action = known_action || action_matches(st, input);
    rec.action(action);
    let mut ok = action && takes_part;
    if ok || R::FULL {
        let outcome = resource_outcome(st, input);
        rec.resource(outcome);
        ok &= outcome.passed();
    }
    let mut matched = None;
    if ok || R::FULL {
        let outcome = principal_outcome(st, &input.who, boundary_caller);
        rec.principal(outcome);
        if let PrincipalOutcome::Matched(m) = outcome {
            matched = Some(m);
        }
        ok &= outcome.passed();
    }
    if ok || R::FULL {
        for (index, condition) in conditions.iter().enumerate() {
            let truth = condition_truth(condition, input);
            rec.condition(index, condition.operator(), condition.key(), &truth);
            let fails = match st.effect {
                Effect::Allow => !matches!(truth, Truth::True),
                Effect::Deny => matches!(truth, Truth::False),
            };
            if fails {
                ok = false;
                if !R::FULL {
                    break;
                }
            }
        }
    }
    rec.end(ok);
    if !ok {
        return Applied::No;
    }
    match st.effect {
        Effect::Allow => Applied::Allow(matched),
        Effect::Deny => Applied::Deny,
    }
}

#[inline(always)]
fn action_matches(st: &CompiledStatement, input: &Input<'_>) -> bool {
    // `ActionPattern::is_match` on the request's lower-cased action, service and name.
    let listed = st.actions.iter().any(|a| match a {
        CompiledAction::Any => true,
        CompiledAction::Named(action) => same_bytes(action.as_bytes(), input.action),
        CompiledAction::Service(service) => same_bytes(service.as_bytes(), input.service),
        CompiledAction::Pattern(pattern) => {
            let (service, name) = &**pattern;
            same_bytes(service.as_bytes(), input.service) && name.matches(input.name)
        }
    });
    listed != st.action_negated
}

/// Whether `resource` (an ARN) starts with `head` followed by the fifth colon; what follows.
#[inline(always)]
fn after_head<'t>(resource: &'t [u8], head: &str) -> Option<&'t [u8]> {
    if !starts_with(resource, head.as_bytes()) {
        return None;
    }
    resource.get(head.len()..)?.strip_prefix(b":")
}

#[inline(always)]
fn resource_outcome(st: &CompiledStatement, input: &Input<'_>) -> ResourceOutcome {
    let negated = match st.resource {
        Element::Absent => return ResourceOutcome::NoElement,
        Element::Listed => false,
        Element::Negated => true,
    };
    let patterns = &st.resources;
    let resource = input.resource;
    let ctx = input.ctx;
    // Only `"Resource": "*"` covers actions without a resource type (`iam-semantics.md` §3;
    // D-11 for `NotResource`).
    let any_resource = resource == b"*";
    let mut unresolved = false;
    for (i, pattern) in patterns.iter().enumerate() {
        let hit = match pattern {
            CompiledResource::Any => true,
            _ if any_resource => false,
            CompiledResource::Never => false,
            CompiledResource::Exact(arn) => same_bytes(resource, arn.as_bytes()),
            CompiledResource::Prefix(prefix) => starts_with(resource, prefix.as_bytes()),
            CompiledResource::Head(pattern) => {
                let (head, rest) = &**pattern;
                after_head(resource, head).is_some_and(|tail| rest.matches(tail))
            }
            CompiledResource::Pattern(p) => text(resource)
                .and_then(|r| p.is_match(r, ctx.resolver()))
                .unwrap_or_else(|| {
                    unresolved = true;
                    false
                }),
        };
        if hit {
            return ResourceOutcome::Matched {
                pattern: to_u32(i),
                negated,
            };
        }
    }
    ResourceOutcome::NotMatched {
        negated,
        unresolved,
    }
}

/// The truth of one condition entry.
#[inline(always)]
fn condition_truth(condition: &CompiledCondition, input: &Input<'_>) -> Truth {
    let ctx = input.ctx;
    match &condition.test {
        CondTest::General(entry) => {
            let value = ctx.entry(condition.key_hash(), &entry.key_lower);
            return evaluate_value(entry, None, value, ctx.resolver());
        }
        CondTest::Indexed(indexed) => {
            let (entry, index) = &**indexed;
            let value = ctx.entry(condition.key_hash(), &entry.key_lower);
            return evaluate_value_named(entry, Some(index), value, ctx.resolver(), Some(&ctx));
        }
        _ => {}
    }
    let Some(found) = ctx.find(condition.key_hash(), condition.key_lower()) else {
        return ops::time_not_given(condition.key_lower())
            .unwrap_or_else(|| ops::absent(condition.operator()));
    };
    let Some(scalar) = found.single() else {
        return ops::list_without_qualifier();
    };
    let any = match &condition.test {
        CondTest::General(_) | CondTest::Indexed(_) => Truth::False,
        CondTest::Strings(values) => {
            let request = scalar.bytes();
            let ignore_case = condition.ignore_case();
            // The request value read as text once per condition, not once per policy value (a
            // long value against a long list would cost their product).
            let read = std::cell::OnceCell::new();
            let as_text = || *read.get_or_init(|| text(request));
            let equal = |value: &[u8]| {
                if ignore_case {
                    string::equals_ignoring_case(as_text(), value)
                } else {
                    same_bytes(request, value)
                }
            };
            let mut any = false;
            for v in values.iter() {
                any = match v {
                    StrValue::Lit(lit) => equal(lit.as_bytes()),
                    StrValue::Var(var) => ctx
                        .value(var.hash, &var.key)
                        .or(var.default.as_deref().map(str::as_bytes))
                        .is_some_and(equal),
                    StrValue::Template(template) => as_text().is_some_and(|request| {
                        string::matches(request, template, ignore_case, ctx.resolver())
                    }),
                };
                if any {
                    break;
                }
            }
            Truth::from_bool(any)
        }
        CondTest::Bools { accept } => {
            if *accept == 0 {
                Truth::False
            } else {
                match scalar.read().map(boolean::read) {
                    Some(Ok(b)) => Truth::from_bool(accept & boolean::bit(b) != 0),
                    Some(Err(reason)) => Truth::Unknown(reason),
                    None => Truth::Unknown(UnknownReason::NotABool),
                }
            }
        }
        CondTest::Ips(set) => {
            if set.is_empty() {
                Truth::False
            } else {
                match found.ip() {
                    Some(address) => Truth::from_bool(set.contains(address)),
                    None => Truth::Unknown(UnknownReason::NotAnIpAddress),
                }
            }
        }
    };
    ops::settle(condition.operator().base, any)
}

#[inline(always)]
fn principal_outcome(
    st: &CompiledStatement,
    caller: &Who<'_>,
    boundary_caller: bool,
) -> PrincipalOutcome {
    let targets = &st.targets;
    match st.principal {
        Element::Absent => PrincipalOutcome::NoElement,
        Element::Listed => {
            let mut best = None;
            for t in targets.iter() {
                if let Some(m) = target_match(t, caller) {
                    best = Some(best.map_or(m, |b: PrincipalMatch| b.max(m)));
                }
            }
            best.map_or(PrincipalOutcome::NotMatched, PrincipalOutcome::Matched)
        }
        Element::Negated => {
            if st.effect == Effect::Allow {
                PrincipalOutcome::AllowWithNotPrincipal
            } else if boundary_caller {
                PrincipalOutcome::BoundaryCaller
            } else if targets.iter().any(|t| lists_caller(t, caller)) {
                PrincipalOutcome::Exempt
            } else {
                PrincipalOutcome::NotListed
            }
        }
    }
}

/// Whether a role target (its path-less ARN `arn:P:iam::A:role/NAME`) is the caller's role
/// (or the caller, for a role).
#[inline(always)]
fn is_callers_role(arn: &str, caller: &Who<'_>) -> bool {
    match caller.kind {
        // A session's role ARN is always `arn:P:iam::A:role/NAME`.
        CallerKind::AssumedRole => caller
            .role_arn()
            .is_some_and(|own| same_bytes(own, arn.as_bytes())),
        // A role's own ARN may carry a path: compare partition, account and name.
        CallerKind::Role => {
            let mut parts = crate::arn::components(arn);
            let partition = parts.nth(1).unwrap_or_default();
            let account = parts.nth(2).unwrap_or_default();
            let name = parts.next().and_then(|r| r.strip_prefix("role/"));
            name.is_some_and(|n| same_bytes(caller.name(), n.as_bytes()))
                && caller
                    .account()
                    .is_some_and(|a| same_bytes(a, account.as_bytes()))
                && same_bytes(caller.partition(), partition.as_bytes())
        }
        _ => false,
    }
}

/// Whether an account target is the caller's account: the same id and, when the target is a
/// root ARN, the same partition (each partition has its own IAM: "You cannot use IAM
/// credentials from one partition to interact with resources in a different partition",
/// <https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html>).
#[inline(always)]
fn is_callers_account(target: &Target, caller: &Who<'_>) -> bool {
    let (account, partition) = match target {
        Target::Account(account) => (account.as_str(), None),
        Target::AccountArn(arn) => {
            let mut parts = crate::arn::components(arn);
            let partition = parts.nth(1).unwrap_or_default();
            (parts.nth(2).unwrap_or_default(), Some(partition))
        }
        _ => return false,
    };
    caller
        .account()
        .is_some_and(|a| same_bytes(a, account.as_bytes()))
        && partition.is_none_or(|p| same_bytes(caller.partition(), p.as_bytes()))
}

/// How a `Principal` target names the caller, if it does (`iam-semantics.md` §4, §9.5).
#[inline(always)]
fn target_match(target: &Target, caller: &Who<'_>) -> Option<PrincipalMatch> {
    let kind = caller.kind;
    let yes = |cond: bool, m: PrincipalMatch| cond.then_some(m);
    match target {
        Target::Any => Some(PrincipalMatch::Direct),
        Target::AnyService => yes(kind == CallerKind::Service, PrincipalMatch::Direct),
        Target::Account(_) | Target::AccountArn(_) => match kind {
            CallerKind::Service | CallerKind::Anonymous => None,
            CallerKind::Root => yes(is_callers_account(target, caller), PrincipalMatch::Direct),
            _ => yes(is_callers_account(target, caller), PrincipalMatch::Account),
        },
        Target::User(arn) => yes(
            kind == CallerKind::User && same_bytes(caller.text(), arn.as_bytes()),
            PrincipalMatch::Direct,
        ),
        Target::Role { arn } => yes(is_callers_role(arn, caller), PrincipalMatch::Role),
        Target::Session(arn) => yes(
            kind == CallerKind::AssumedRole && same_bytes(caller.text(), arn.as_bytes()),
            PrincipalMatch::Direct,
        ),
        Target::FederatedUser(arn) => yes(
            kind == CallerKind::FederatedUser && same_bytes(caller.text(), arn.as_bytes()),
            PrincipalMatch::Direct,
        ),
        Target::Service(name) => yes(
            kind == CallerKind::Service && same_bytes(caller.name(), name.as_bytes()),
            PrincipalMatch::Direct,
        ),
        Target::Other => None,
    }
}

/// Whether a `NotPrincipal` entry exempts the caller (D-02): its own ARN, its
/// role's ARN for a session, or its account only for the root user.
fn lists_caller(target: &Target, caller: &Who<'_>) -> bool {
    let kind = caller.kind;
    match target {
        Target::Any => true,
        Target::AnyService => kind == CallerKind::Service,
        Target::Account(_) | Target::AccountArn(_) => {
            kind == CallerKind::Root && is_callers_account(target, caller)
        }
        Target::User(arn) => kind == CallerKind::User && same_bytes(caller.text(), arn.as_bytes()),
        Target::Role { arn } => is_callers_role(arn, caller),
        Target::Session(arn) => {
            kind == CallerKind::AssumedRole && same_bytes(caller.text(), arn.as_bytes())
        }
        Target::FederatedUser(arn) => {
            kind == CallerKind::FederatedUser && same_bytes(caller.text(), arn.as_bytes())
        }
        Target::Service(name) => {
            kind == CallerKind::Service && same_bytes(caller.name(), name.as_bytes())
        }
        Target::Other => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::text_hash;
    use crate::engine::condition::evaluate_entry;
    use crate::engine::decision::Decision;
    use crate::engine::ids::PolicyKind;
    use crate::engine::policy_set::PolicySet;
    use crate::engine::prepared::Prepared;
    use crate::policy::PolicyType;
    use crate::policy::lower::parse_policy;
    use crate::request::{Context, ContextValue, Request};

    /// Condition blocks covering every compiled shape (and some general ones).
    const CONDITIONS: &[&str] = &[
        r#"{"StringEquals":{"k:s":["a","B",""]}}"#,
        r#"{"StringNotEquals":{"k:s":"a"}}"#,
        r#"{"StringEqualsIgnoreCase":{"k:s":["A","ß"]}}"#,
        r#"{"StringNotEqualsIgnoreCase":{"k:s":"b"}}"#,
        r#"{"StringLike":{"k:s":["a*","?"]}}"#,
        r#"{"StringNotLike":{"k:s":"*a*"}}"#,
        r#"{"StringEquals":{"k:s":"${k:v}"}}"#,
        r#"{"StringEquals":{"k:s":"${k:v, 'dflt'}"}}"#,
        r#"{"StringLike":{"k:s":"${k:v}"}}"#,
        r#"{"StringEqualsIgnoreCase":{"k:s":"${k:v}"}}"#,
        r#"{"StringNotEquals":{"k:s":"${k:v}"}}"#,
        r#"{"StringEquals":{"k:s":"x-${k:v}"}}"#,
        r#"{"StringEquals":{"k:s":"${*}"}}"#,
        r#"{"StringEqualsIfExists":{"k:s":"a"}}"#,
        r#"{"StringNotEqualsIfExists":{"k:s":"a"}}"#,
        r#"{"StringEquals":{"k:s":[]}}"#,
        r#"{"StringNotEquals":{"k:s":[]}}"#,
        r#"{"Bool":{"k:s":"true"}}"#,
        r#"{"Bool":{"k:s":["false"]}}"#,
        r#"{"BoolIfExists":{"k:s":"true"}}"#,
        r#"{"Bool":{"k:s":[]}}"#,
        r#"{"IpAddress":{"k:s":["10.0.0.0/8","2001:db8::/32"]}}"#,
        r#"{"NotIpAddress":{"k:s":"10.1.0.0/16"}}"#,
        r#"{"IpAddressIfExists":{"k:s":"192.0.2.7"}}"#,
        r#"{"IpAddress":{"k:s":[]}}"#,
        r#"{"NotIpAddress":{"k:s":[]}}"#,
        r#"{"NumericLessThan":{"k:s":"10"}}"#,
        r#"{"ForAnyValue:StringEquals":{"k:s":"a"}}"#,
        r#"{"ForAllValues:StringLike":{"k:s":"a*"}}"#,
        r#"{"Null":{"k:s":"true"}}"#,
        r#"{"ArnLike":{"k:s":"arn:aws:iam::*:role/${k:v}"}}"#,
    ];

    /// Values of `k:s` and `k:v` (`None`: absent).
    fn contexts() -> Vec<Context> {
        let scalars = [
            None,
            Some(ContextValue::string("a")),
            Some(ContextValue::string("A")),
            Some(ContextValue::string("B")),
            Some(ContextValue::string("")),
            Some(ContextValue::string("ab")),
            Some(ContextValue::string("SS")),
            Some(ContextValue::string("x-a")),
            Some(ContextValue::string("*")),
            Some(ContextValue::string("true")),
            Some(ContextValue::string("FALSE")),
            Some(ContextValue::string("10.1.2.3")),
            Some(ContextValue::string("10.2.0.1")),
            Some(ContextValue::string("2001:db8::5")),
            Some(ContextValue::string("192.0.2.7")),
            Some(ContextValue::string("not-an-ip")),
            Some(ContextValue::string("arn:aws:iam::1:role/a")),
            Some(ContextValue::bool(true)),
            Some(ContextValue::bool(false)),
            Some(ContextValue::number("7")),
            Some(ContextValue::number("12")),
            Some(ContextValue::strings(["a"])),
            Some(ContextValue::strings([])),
        ];
        let vars = [
            None,
            Some(ContextValue::string("a")),
            Some(ContextValue::string("b")),
            Some(ContextValue::strings(["a"])),
        ];
        let mut out = Vec::new();
        for s in &scalars {
            for v in &vars {
                let mut c = Context::new();
                if let Some(s) = s {
                    c.insert("K:S", s.clone());
                }
                if let Some(v) = v {
                    c.insert("k:v", v.clone());
                }
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn compiled_conditions_agree_with_the_general_evaluator() {
        let statements: Vec<String> = CONDITIONS
            .iter()
            .map(|c| format!(r#"{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{c}}}"#))
            .collect();
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            statements.join(",")
        );
        let policy = parse_policy(&text, PolicyType::Identity).unwrap();
        let mut set = PolicySet::new();
        set.add(PolicyKind::Identity, policy.clone());
        let compiled = set.compile();
        let mut fast = 0;
        let mut checked = 0;
        for context in contexts() {
            let req = Request::builder()
                .principal("arn:aws:iam::111122223333:user/alice")
                .action("s3:GetObject")
                .resource("*")
                .context(context.clone())
                .build()
                .unwrap();
            let prepared = Prepared::new(&req);
            for input in [Input::plain(&req), Input::prepared(&prepared)] {
                for (st, source) in compiled.statements.iter().zip(&policy.statements) {
                    for (condition, entry) in compiled
                        .part()
                        .conditions_of(st)
                        .iter()
                        .zip(&source.conditions)
                    {
                        let want = evaluate_entry(
                            entry,
                            req.context().get(&entry.key_lower),
                            |key: &str| req.context().get_text(key),
                        );
                        let got = condition_truth(condition, &input);
                        assert_eq!(got, want, "{} on {:?}", entry.operator.value, req.context());
                        checked += 1;
                        fast += usize::from(!matches!(
                            condition.test,
                            CondTest::General(_) | CondTest::Indexed(_)
                        ));
                    }
                }
            }
        }
        assert!(checked > 2000 && fast > checked / 2, "{fast} of {checked}");
    }

    #[test]
    fn prepared_context_finds_every_key_and_nothing_else() {
        let mut context = Context::new();
        for i in 0..40 {
            context.insert(&format!("Key:{i}"), ContextValue::number(&i.to_string()));
        }
        let req = Request::builder()
            .principal("arn:aws:iam::111122223333:user/alice")
            .action("s3:GetObject")
            .resource("*")
            .context(context)
            .build()
            .unwrap();
        let prepared = Prepared::new(&req);
        let ctx = Input::prepared(&prepared).ctx;
        for i in 0..40 {
            let key = format!("key:{i}");
            assert_eq!(
                ctx.value(text_hash(&key), &key),
                Some(i.to_string().as_bytes()),
                "{key}"
            );
        }
        assert_eq!(ctx.value(text_hash("key:40"), "key:40"), None);
        assert_eq!(ctx.value(text_hash("Key:1"), "Key:1"), None);
        assert_eq!(
            ctx.value(text_hash("aws:username"), "aws:username"),
            Some(&b"alice"[..])
        );
    }
    #[test]
    fn classified_resources_and_actions_agree_with_the_pattern_types() {
        use crate::action::{Action, ActionPattern};
        use crate::arn::{ArnPattern, ArnPatternMode};
        let patterns = [
            "*",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/*",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:*-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:*db*",
            "arn:aws:secretsmanager:us-east-1:111122223333:*",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????",
            "arn:aws:secretsmanager:*:111122223333:secret:prod/*",
            "arn:aws:secretsmanager:us-east-1::secret:prod/*",
            "arn:aws:secretsmanager:us-east-1:111122223333:",
            "arn:aws:secretsmanager:*",
            "arn:aws:secretsmanager",
            "arn:aws:s3:::bucket/${aws:username}/*",
            "arn:aws:s3:::bucket/${*}",
            "arn:aws:s3:::bücket/ä*",
        ];
        let resources = [
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEfX",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:dev/db-AbCdEf",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/",
            "arn:aws:secretsmanager:us-east-1:111122223333:",
            "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/x",
            "arn:aws:secretsmanager:us-east-1::secret:prod/x",
            "arn:aws:secretsmanager:us-east-1:111122223334:secret:prod/x",
            "arn:aws:s3:::bucket/alice/a.txt",
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bücket/äx",
        ];
        for pattern in patterns {
            let text = format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":"{pattern}"}}}}"#
            );
            let mut set = PolicySet::new();
            set.add(
                PolicyKind::Identity,
                parse_policy(&text, PolicyType::Identity).unwrap(),
            );
            let compiled = set.compile();
            let st = &compiled.statements[0];
            let reference = ArnPattern::parse(pattern, ArnPatternMode::Resource, true).unwrap();
            for resource in resources {
                for user in ["alice", "bob"] {
                    let req = Request::builder()
                        .principal(&format!("arn:aws:iam::111122223333:user/{user}"))
                        .action("s3:GetObject")
                        .resource(resource)
                        .build()
                        .unwrap();
                    let resolve = |key: &str| req.context().get_text(key);
                    let want = match reference.is_match(resource, resolve) {
                        Some(true) => ResourceOutcome::Matched {
                            pattern: 0,
                            negated: false,
                        },
                        Some(false) => ResourceOutcome::NotMatched {
                            negated: false,
                            unresolved: false,
                        },
                        None => ResourceOutcome::NotMatched {
                            negated: false,
                            unresolved: true,
                        },
                    };
                    let prepared = Prepared::new(&req);
                    for input in [Input::plain(&req), Input::prepared(&prepared)] {
                        assert_eq!(
                            resource_outcome(st, &input),
                            want,
                            "{pattern} on {resource}"
                        );
                    }
                }
            }
        }
        let action_patterns = [
            "s3:*",
            "s3:Get*",
            "s3:*Object",
            "s3:*Obj*",
            "s3:GetObject",
            "s3:Get?bject",
            "s3:G*t*",
            "kms:*",
            "*",
        ];
        let actions = [
            "s3:GetObject",
            "S3:getobjectacl",
            "s3:PutObject",
            "kms:Decrypt",
            "s3:Get",
        ];
        for pattern in action_patterns {
            let reference = ActionPattern::parse(pattern).unwrap();
            let text = format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"{pattern}","Resource":"*"}}}}"#
            );
            let mut set = PolicySet::new();
            set.add(
                PolicyKind::Identity,
                parse_policy(&text, PolicyType::Identity).unwrap(),
            );
            let compiled = set.compile();
            for action in actions {
                let req = Request::builder()
                    .principal("arn:aws:iam::111122223333:user/alice")
                    .action(action)
                    .resource("*")
                    .build()
                    .unwrap();
                let want = reference.is_match(&Action::parse(action).unwrap());
                assert_eq!(
                    action_matches(&compiled.statements[0], &Input::plain(&req)),
                    want,
                    "{pattern} on {action}"
                );
                assert_eq!(
                    compiled.evaluate(&req).decision() == Decision::Allow,
                    want,
                    "index: {pattern} on {action}"
                );
            }
        }
    }
}
