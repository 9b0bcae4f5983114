//! The recorders: what happens to each statement, recorded by `explain` and ignored by
//! `evaluate`.

use super::compile::{CompiledStatement, Label};
use super::decision::{
    ConditionTrace, Evaluation, Explanation, PrincipalOutcome, ResourceOutcome, StatementTrace,
};
use crate::bytes::to_u32;
use crate::condition::{Operator, Truth};
use crate::source::Span;

/// Receives what happens to each statement. The evaluator calls the hooks in order
/// `begin`, `action`, `resource`, `principal`, `condition`*, `end` (with `FULL == false` it
/// stops calling them after the first failed test).
pub(crate) trait Recorder {
    /// Visit every statement and every test, not only those that can decide the request.
    const FULL: bool;
    /// `label`: the statement's `Sid` and span (given when `FULL`).
    fn begin(&mut self, st: &CompiledStatement, label: Option<&Label>);
    fn action(&mut self, matched: bool);
    fn resource(&mut self, outcome: ResourceOutcome);
    fn principal(&mut self, outcome: PrincipalOutcome);
    fn condition(&mut self, index: usize, operator: Operator, key: &str, truth: &Truth);
    fn end(&mut self, applies: bool);
}

/// The recorder of `evaluate`: records nothing.
pub(crate) struct NoRecord;

impl Recorder for NoRecord {
    const FULL: bool = false;
    #[inline(always)]
    fn begin(&mut self, _: &CompiledStatement, _: Option<&Label>) {}
    #[inline(always)]
    fn action(&mut self, _: bool) {}
    #[inline(always)]
    fn resource(&mut self, _: ResourceOutcome) {}
    #[inline(always)]
    fn principal(&mut self, _: PrincipalOutcome) {}
    #[inline(always)]
    fn condition(&mut self, _: usize, _: Operator, _: &str, _: &Truth) {}
    #[inline(always)]
    fn end(&mut self, _: bool) {}
}

/// The recorder of `explain`: one trace per statement.
#[derive(Default)]
pub(crate) struct Tracer {
    done: Vec<StatementTrace>,
    current: Option<StatementTrace>,
}

impl Tracer {
    /// The explanation of `evaluation` with the recorded traces.
    pub(crate) fn finish(self, evaluation: Evaluation) -> Explanation {
        Explanation {
            evaluation,
            statements: self.done,
        }
    }
}

impl Recorder for Tracer {
    const FULL: bool = true;
    fn begin(&mut self, st: &CompiledStatement, label: Option<&Label>) {
        self.current = Some(StatementTrace {
            statement: st.at,
            sid: label.and_then(|l| l.sid.as_deref()).map(str::to_owned),
            span: label.map_or_else(Span::default, |l| l.span),
            effect: st.effect,
            applies: false,
            action: false,
            resource: ResourceOutcome::NoElement,
            principal: PrincipalOutcome::NoElement,
            conditions: Vec::new(),
        });
    }
    fn action(&mut self, matched: bool) {
        if let Some(t) = &mut self.current {
            t.action = matched;
        }
    }
    fn resource(&mut self, outcome: ResourceOutcome) {
        if let Some(t) = &mut self.current {
            t.resource = outcome;
        }
    }
    fn principal(&mut self, outcome: PrincipalOutcome) {
        if let Some(t) = &mut self.current {
            t.principal = outcome;
        }
    }
    fn condition(&mut self, index: usize, operator: Operator, key: &str, truth: &Truth) {
        if let Some(t) = &mut self.current {
            t.conditions.push(ConditionTrace {
                index: to_u32(index),
                operator,
                key: key.to_owned(),
                truth: *truth,
            });
        }
    }
    fn end(&mut self, applies: bool) {
        if let Some(mut t) = self.current.take() {
            t.applies = applies;
            self.done.push(t);
        }
    }
}
