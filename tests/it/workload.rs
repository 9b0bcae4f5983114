//! The secret-server benchmark workload (`benches/workload.rs`) run through the engine: every
//! request must get the decision the generator intends, so the benchmarks time correct work.

#[path = "../../benches/workload.rs"]
pub(crate) mod generator;

use iam_policy::{
    ContextScalar, ContextValue, Decision, PolicyKind, PolicySet, PolicyType, Request,
};

fn to_decision(d: generator::Decision) -> Decision {
    match d {
        generator::Decision::Allow => Decision::Allow,
        generator::Decision::ExplicitDeny => Decision::ExplicitDeny,
        generator::Decision::ImplicitDeny => Decision::ImplicitDeny,
    }
}

#[test]
fn workload_decisions_match_the_generator() {
    let w = generator::generate(300, 2048, 7);
    let (allow, explicit, implicit) = w.mix();
    assert!((35.0..50.0).contains(&allow), "allow {allow}");
    assert!((15.0..27.0).contains(&explicit), "explicit {explicit}");
    assert!((28.0..44.0).contains(&implicit), "implicit {implicit}");
    for (i, r) in w.requests.iter().enumerate() {
        let role = &w.roles[r.role];
        let secret = &w.secrets[r.secret];
        let mut set = PolicySet::new();
        set.add(
            PolicyKind::Identity,
            iam_policy::parse_policy(&role.policy_json, PolicyType::Identity).unwrap(),
        );
        set.add(
            PolicyKind::Resource,
            iam_policy::parse_policy(&secret.policy_json, PolicyType::Resource).unwrap(),
        );
        let mut b = Request::builder()
            .principal(&r.session_arn)
            .principal_account(r.principal_account)
            .action(r.action)
            .resource(&r.resource_arn)
            .resource_account(r.resource_account);
        for (k, v) in &r.context {
            let v = match v {
                generator::ContextValue::String(s) => ContextValue::string(s),
                generator::ContextValue::Bool(b) => ContextValue::Single(ContextScalar::Bool(*b)),
                generator::ContextValue::List(l) => {
                    ContextValue::strings(l.iter().map(String::as_str))
                }
            };
            b = b.context_value(k, v);
        }
        let request = b.build().unwrap();
        let got = set.compile().evaluate(&request).decision();
        assert_eq!(got, to_decision(r.expected), "request {i}: {:?}", r.kind);
    }
}
