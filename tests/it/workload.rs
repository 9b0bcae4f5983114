//! The secret-server benchmark workload (`benches/workload.rs`) run through the engine: every
//! request must get the decision the generator intends, so the benchmarks time correct work.

#[path = "../../benches/workload.rs"]
#[allow(dead_code, reason = "the generator serves the benchmarks too")]
mod workload;

use iam_policy::{
    ContextScalar, ContextValue, Decision, PolicyKind, PolicySet, PolicyType, Request,
};

fn to_decision(d: workload::Decision) -> Decision {
    match d {
        workload::Decision::Allow => Decision::Allow,
        workload::Decision::ExplicitDeny => Decision::ExplicitDeny,
        workload::Decision::ImplicitDeny => Decision::ImplicitDeny,
    }
}

#[test]
fn workload_decisions_match_the_generator() {
    let w = workload::generate(300, 2048, 7);
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
                workload::ContextValue::String(s) => ContextValue::string(s),
                workload::ContextValue::Bool(b) => ContextValue::Single(ContextScalar::Bool(*b)),
                workload::ContextValue::List(l) => {
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
