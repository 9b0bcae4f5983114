//! What a policy change allows that was not allowed before, and what it stops allowing,
//! summarised per statement for a reviewer: the action sets (named from the service catalog),
//! resource patterns, principals and conditions of each statement that grants the difference,
//! with one request that proves it.

use std::fmt;

use crate::policy::{Effect, Policy, PolicyType, Principals, Statement};
use crate::source::Span;

use super::{Witness, no_new_access};

/// One statement behind a difference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Index of the statement (in the new policy for additions, the old one for removals).
    pub statement: usize,
    /// Its `Sid`.
    pub sid: Option<String>,
    /// Its span in its policy's text.
    pub span: Span,
    /// The actions, each pattern with the catalog actions it names (`s3:Get*` → 41 actions:
    /// `GetObject`, ...); `NotAction` reads "every action except ...".
    pub actions: Vec<String>,
    /// The resource patterns (`NotResource`: "every resource except ...").
    pub resources: Vec<String>,
    /// The principals (resource and trust policies).
    pub principals: Vec<String>,
    /// The conditions, one per operator and key.
    pub conditions: Vec<String>,
    /// A request allowed on one side and not the other, confirmed by the engine.
    pub witness: Witness,
}

/// Both directions of a change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diff {
    /// Statements of the new policy that allow requests the old one did not.
    pub added: Vec<Change>,
    /// Statements of the old policy whose requests the new one no longer allows.
    pub removed: Vec<Change>,
    /// Constructs beyond an exact answer (either direction).
    pub cannot_prove: Vec<String>,
}

impl Diff {
    /// Whether both policies are proven to allow exactly the same requests.
    #[must_use]
    pub fn is_equivalent(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.cannot_prove.is_empty()
    }
}

/// Compares `old` and `new` in both directions.
#[must_use]
pub fn diff(old: &Policy, new: &Policy, policy_type: PolicyType) -> Diff {
    let up = no_new_access(old, new, policy_type);
    let down = no_new_access(new, old, policy_type);
    let changes = |policy: &Policy, report: &super::Report| {
        report
            .findings
            .iter()
            .filter_map(|f| {
                policy
                    .statements
                    .get(f.statement)
                    .map(|st| describe(st, f.statement, f.witness.clone()))
            })
            .collect::<Vec<_>>()
    };
    let mut cannot_prove = up.cannot_prove.clone();
    for g in &down.cannot_prove {
        if !cannot_prove.contains(g) {
            cannot_prove.push(g.clone());
        }
    }
    Diff {
        added: changes(new, &up),
        removed: changes(old, &down),
        cannot_prove,
    }
}

fn describe(st: &Statement, index: usize, witness: Witness) -> Change {
    let catalog = crate::catalog::Catalog::get().ok();
    let mut actions: Vec<String> = st
        .action
        .value
        .patterns
        .items
        .iter()
        .map(|p| {
            let p = &p.value;
            let (Some(service), Some(name)) = (p.service(), p.name()) else {
                return "every action (`*`)".to_owned();
            };
            let names: Vec<&str> = catalog
                .map(|c| {
                    c.expand_action_pattern(service, name.as_str())
                        .map(|a| a.name)
                        .collect()
                })
                .unwrap_or_default();
            match names.as_slice() {
                [] => p.as_str().to_owned(),
                [one] if !name.as_str().contains(['*', '?']) => format!("{service}:{one}"),
                many => {
                    let shown: Vec<&str> = many.iter().take(6).copied().collect();
                    format!(
                        "{} ({} action{}: {}{})",
                        p.as_str(),
                        many.len(),
                        if many.len() == 1 { "" } else { "s" },
                        shown.join(", "),
                        if many.len() > shown.len() {
                            ", ..."
                        } else {
                            ""
                        }
                    )
                }
            }
        })
        .collect();
    if st.action.value.negated {
        actions = vec![format!("every action except {}", actions.join(", "))];
    }
    let resources = st.resource.as_ref().map_or_else(Vec::new, |r| {
        let list: Vec<String> = r
            .value
            .patterns
            .items
            .iter()
            .map(|p| p.value.as_str().to_owned())
            .collect();
        if r.value.negated {
            vec![format!("every resource except {}", list.join(", "))]
        } else {
            list
        }
    });
    let principals = st.principal.as_ref().map_or_else(Vec::new, |p| {
        let list: Vec<String> = match &p.value.principals {
            Principals::Any => vec!["everyone (`*`)".to_owned()],
            Principals::Map(entries) => entries
                .iter()
                .flat_map(|e| {
                    e.values.items.iter().map(move |v| {
                        let text = match &v.value {
                            crate::policy::PrincipalValue::Any => "*".to_owned(),
                            crate::policy::PrincipalValue::Account(a) => a.clone(),
                            crate::policy::PrincipalValue::Arn(a) => a.as_str().to_owned(),
                            crate::policy::PrincipalValue::Name(n) => n.clone(),
                        };
                        format!("{} {text}", e.kind.value.as_str())
                    })
                })
                .collect(),
        };
        if p.value.negated {
            vec![format!("everyone except {}", list.join(", "))]
        } else {
            list
        }
    });
    let conditions = st
        .conditions
        .iter()
        .map(|c| {
            let values: Vec<String> = c
                .values
                .items
                .iter()
                .map(|v| v.value.raw.as_text().into_owned())
                .collect();
            format!(
                "{} {} [{}]",
                c.operator.value,
                c.key.value,
                values.join(", ")
            )
        })
        .collect();
    let _ = Effect::Allow;
    Change {
        statement: index,
        sid: st.sid.as_ref().map(|s| s.value.clone()),
        span: st.span,
        actions,
        resources,
        principals,
        conditions,
        witness,
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Statement[{}]", self.statement)?;
        if let Some(sid) = &self.sid {
            write!(f, " ({sid})")?;
        }
        writeln!(f)?;
        writeln!(f, "    actions:    {}", self.actions.join("; "))?;
        if !self.resources.is_empty() {
            writeln!(f, "    resources:  {}", self.resources.join(", "))?;
        }
        if !self.principals.is_empty() {
            writeln!(f, "    principals: {}", self.principals.join(", "))?;
        }
        if !self.conditions.is_empty() {
            writeln!(f, "    when:       {}", self.conditions.join(" and "))?;
        }
        write!(f, "    e.g.        {}", self.witness)
    }
}
