//! The differential check of the engine against the naive reference evaluator
//! (`reference.rs`), shared by the `evaluate` fuzz target (which includes this file, the
//! reference and the scenario generator by path), the replay of its saved inputs and the
//! property tests. Panics when the two disagree.

/// The engine's outcome for one decision case (`fixtures/cases` format), checked: `explain`
/// agrees with `evaluate`, and the naive reference evaluator decides the same. Returns the
/// decision, or `None` when a policy or the request is invalid (then the reference must find
/// a policy error or the request must be unbuildable: an error never becomes a decision).
///
/// With `tolerate_known`, a disagreement that the reference's `Quirks::ENGINE` explains (a
/// known, reported engine difference) passes; fixture cases are checked without it.
pub fn check_evaluate_case(line: &str, tolerate_known: bool) -> Option<iam_policy::Decision> {
    use super::reference::{self, RefCaseError};

    let case = iam_policy::case::Case::parse(line)
        .unwrap_or_else(|e| panic!("unreadable case ({e}): {line}"));
    let ours = reference::read_case(line);
    let (Some(set), Some(request)) = (case.policies(), case.request()) else {
        // The engine refused the case: a policy that does not parse or a bad request. When
        // every policy parses for the reference too, the request must be the problem.
        assert!(
            !case.errors().is_empty(),
            "refused without a reason: {line}"
        );
        if ours.is_ok() {
            assert!(
                case.errors().iter().all(|e| e.starts_with("request: ")),
                "engine refused policies that parse ({:?}): {line}",
                case.errors()
            );
        }
        return None;
    };
    let compiled = set.compile();
    let evaluation = compiled.evaluate(request);
    let explanation = compiled.explain(request);
    assert_eq!(
        explanation.evaluation(),
        &evaluation,
        "explain and evaluate disagree: {line}"
    );
    assert_eq!(
        explanation.statements().len(),
        compiled.statement_count(),
        "explain traces every statement: {line}"
    );
    // Reasons name existing statements of the deciding effect: an explicit deny has at least
    // one, an implicit deny none (an Allow may have none: the root user in its own account).
    let want = match evaluation.decision() {
        iam_policy::Decision::Allow => Some(iam_policy::Effect::Allow),
        iam_policy::Decision::ExplicitDeny => Some(iam_policy::Effect::Deny),
        iam_policy::Decision::ImplicitDeny => None,
    };
    match evaluation.decision() {
        iam_policy::Decision::ExplicitDeny => {
            assert!(
                evaluation.reasons().len() > 0,
                "a deny without a reason: {line}"
            );
        }
        iam_policy::Decision::ImplicitDeny => {
            assert_eq!(
                evaluation.reasons().len(),
                0,
                "an implicit deny with reasons: {line}"
            );
        }
        iam_policy::Decision::Allow => {}
    }
    for r in evaluation.reasons() {
        let info = compiled
            .statement(r)
            .unwrap_or_else(|| panic!("reason {r} names no statement: {line}"));
        assert_eq!(
            Some(info.effect),
            want,
            "reason {r} has the wrong effect: {line}"
        );
        assert!(
            explanation.statement(r).is_some(),
            "reason {r} not traced: {line}"
        );
    }
    // The same case through a live store, where the store can hold it: same decision, same
    // reasons, same traces.
    let store = iam_policy::PolicyStore::new();
    let raw: serde_json::Value =
        serde_json::from_str(line).unwrap_or_else(|e| panic!("unreadable case ({e}): {line}"));
    if let Some(session) = super::through_store::load_case(&store, &raw["policies"], request) {
        let mut prepared = iam_policy::PreparedRequest::new(request.clone());
        if session.is_none() {
            assert_eq!(store.evaluate(request), evaluation, "store: {line}");
        }
        prepared.set_session_policy(session);
        assert_eq!(
            store.evaluate_prepared(&prepared),
            evaluation,
            "store, prepared: {line}"
        );
        assert_eq!(
            store.explain_prepared(&prepared).statements(),
            explanation.statements(),
            "store traces: {line}"
        );
    }
    match ours {
        Ok((policies, req)) => {
            let documented = reference::decide(&policies, &req);
            // A difference the reference's `Quirks::ENGINE` explains is a known, reported one
            // (see `reference::Quirks`); anything else fails.
            let known = documented != evaluation.decision()
                && reference::decide_with(&policies, &req, reference::Quirks::ENGINE)
                    == evaluation.decision();
            assert!(
                documented == evaluation.decision() || (tolerate_known && known),
                "engine says {:?}, reference says {documented:?} (engine reasons: {:?}, gate: {:?}){}: {line}",
                evaluation.decision(),
                evaluation.reasons().collect::<Vec<_>>(),
                evaluation.gate(),
                if known {
                    "; a known difference (reference::Quirks)"
                } else {
                    ""
                },
            );
        }
        Err(RefCaseError::Policy(e)) => {
            panic!("engine decided a case whose policy does not parse ({e}): {line}")
        }
        Err(RefCaseError::Malformed(e)) => panic!("malformed case ({e}): {line}"),
    }
    Some(evaluation.decision())
}
