//! Policies grouped by the part they play in a request: [`PolicySet`] and [`PolicyKind`].
//!
//! Owns the grouping only. A `PolicySet` holds validated [`Policy`] values;
//! [`PolicySet::compile`] turns it into a [`CompiledPolicySet`](crate::CompiledPolicySet)
//! that decides requests. The kinds mirror the keys of the case format (`identity`,
//! `resource`, `permissions_boundary`, `session`, `scps`, `rcps`).
//!
//! Within one kind the policies' Allows are OR-ed: several identity policies (inline, managed,
//! group) together allow what any of them allows, and so do several session policies. SCPs and
//! RCPs come in levels, root first: every level must allow (within a level any policy
//! suffices), and a Deny at any level denies (D-12).

use super::CompiledPolicySet;
use super::ids::{PolicyId, PolicyKind};
use crate::bytes::{to_u16, to_u32};
use crate::policy::{Policy, PolicyType};
use smallvec::SmallVec;

impl PolicyType {
    /// The part a policy of this type plays in a [`PolicySet`]: the one mapping between
    /// [`PolicyType`] (how a document is validated) and [`PolicyKind`] (where it goes). A
    /// role trust policy is the resource policy of `sts:AssumeRole*`.
    ///
    /// ```
    /// use iam_policy::{PolicyKind, PolicyType};
    /// assert_eq!(PolicyType::Trust.kind(), PolicyKind::Resource);
    /// assert_eq!(PolicyType::PermissionsBoundary.kind(), PolicyKind::PermissionsBoundary);
    /// ```
    #[must_use]
    pub const fn kind(self) -> PolicyKind {
        match self {
            Self::Identity => PolicyKind::Identity,
            Self::Resource | Self::Trust => PolicyKind::Resource,
            Self::PermissionsBoundary => PolicyKind::PermissionsBoundary,
            Self::Session => PolicyKind::Session,
            Self::Scp => PolicyKind::Scp,
            Self::Rcp => PolicyKind::Rcp,
        }
    }
}

/// Validated policies grouped by kind, ready to [`compile`](PolicySet::compile).
///
/// ```
/// use iam_policy::{PolicyKind, PolicySet};
/// let set = PolicySet::new();
/// assert_eq!(set.len(PolicyKind::Identity), 0);
/// assert_eq!(set.levels(PolicyKind::Scp), 0);
/// ```
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    identity: List,
    resource: List,
    permissions_boundary: List,
    session: List,
    scps: Vec<List>,
    rcps: Vec<List>,
}

/// The policies of one slot or level: one held in place (a secret's resource policy, a role's
/// trust policy, a boundary: the store's updates then allocate no list for them), more on the
/// heap.
type List = SmallVec<[Policy; 1]>;

impl PolicySet {
    /// An empty set: no identity policies, no resource policy, no boundary, no session policy,
    /// no SCPs and no RCPs.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a policy of `kind`. SCPs and RCPs go into the last level (level 0 is created if
    /// there is none): a flat list of SCPs is one level.
    ///
    /// The slot normally follows from the type the policy was validated as:
    /// `set.add(policy.policy_type().kind(), policy)` ([`PolicyType::kind`]). Another slot is a
    /// deliberate choice (the analysis evaluates one policy alone in the resource slot).
    pub fn add(&mut self, kind: PolicyKind, policy: Policy) -> PolicyId {
        let (level, list) = match kind {
            PolicyKind::Identity => (0, &mut self.identity),
            PolicyKind::Resource => (0, &mut self.resource),
            PolicyKind::PermissionsBoundary => (0, &mut self.permissions_boundary),
            PolicyKind::Session => (0, &mut self.session),
            PolicyKind::Scp | PolicyKind::Rcp => {
                let levels = if kind == PolicyKind::Scp {
                    &mut self.scps
                } else {
                    &mut self.rcps
                };
                if levels.is_empty() {
                    levels.push(List::new());
                }
                let level = to_u16(levels.len().saturating_sub(1));
                match levels.last_mut() {
                    Some(list) => (level, list),
                    // INVARIANT: a level was pushed above when there was none.
                    None => {
                        return PolicyId {
                            kind,
                            level,
                            index: 0,
                        };
                    }
                }
            }
        };
        list.push(policy);
        PolicyId {
            kind,
            level,
            index: to_u32(list.len().saturating_sub(1)),
        }
    }

    /// Starts a new, empty level of SCPs or RCPs and returns its number; later
    /// [`add`](Self::add) calls of that kind go into it. A level that stays empty allows
    /// nothing. For other kinds this does nothing and returns 0.
    pub fn push_level(&mut self, kind: PolicyKind) -> u16 {
        let levels = match kind {
            PolicyKind::Scp => &mut self.scps,
            PolicyKind::Rcp => &mut self.rcps,
            _ => return 0,
        };
        levels.push(List::new());
        to_u16(levels.len().saturating_sub(1))
    }

    /// How many levels of `kind` there are (0 or 1 for kinds without levels: 1 when at least
    /// one policy of that kind is present).
    #[must_use]
    pub fn levels(&self, kind: PolicyKind) -> usize {
        match kind {
            PolicyKind::Scp => self.scps.len(),
            PolicyKind::Rcp => self.rcps.len(),
            _ => usize::from(self.len(kind) > 0),
        }
    }

    /// How many policies of `kind` there are, over all levels.
    #[must_use]
    pub fn len(&self, kind: PolicyKind) -> usize {
        match kind {
            PolicyKind::Identity => self.identity.len(),
            PolicyKind::Resource => self.resource.len(),
            PolicyKind::PermissionsBoundary => self.permissions_boundary.len(),
            PolicyKind::Session => self.session.len(),
            PolicyKind::Scp => self.scps.iter().map(List::len).sum(),
            PolicyKind::Rcp => self.rcps.iter().map(List::len).sum(),
        }
    }

    /// Whether the set holds no policy and no (empty) SCP or RCP level.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        PolicyKind::ALL
            .iter()
            .all(|&k| self.len(k) == 0 && self.levels(k) == 0)
    }

    /// The policies of `kind` at `level` (level 0 for kinds without levels).
    #[must_use]
    pub fn level(&self, kind: PolicyKind, level: u16) -> &[Policy] {
        let flat = |list: &'_ List| -> usize { usize::from(level == 0) * list.len() };
        match kind {
            PolicyKind::Identity => self.identity.get(..flat(&self.identity)).unwrap_or(&[]),
            PolicyKind::Resource => self.resource.get(..flat(&self.resource)).unwrap_or(&[]),
            PolicyKind::PermissionsBoundary => self
                .permissions_boundary
                .get(..flat(&self.permissions_boundary))
                .unwrap_or(&[]),
            PolicyKind::Session => self.session.get(..flat(&self.session)).unwrap_or(&[]),
            PolicyKind::Scp => self
                .scps
                .get(usize::from(level))
                .map_or(&[][..], List::as_slice),
            PolicyKind::Rcp => self
                .rcps
                .get(usize::from(level))
                .map_or(&[][..], List::as_slice),
        }
    }

    /// The policy with this id, if any.
    #[must_use]
    pub fn get(&self, id: PolicyId) -> Option<&Policy> {
        self.level(id.kind, id.level).get(id.index as usize)
    }

    /// Every policy with its id, in report order (kind, level, index).
    pub fn iter(&self) -> impl Iterator<Item = (PolicyId, &Policy)> + '_ {
        PolicyKind::ALL.into_iter().flat_map(move |kind| {
            let levels = if kind.has_levels() {
                self.levels(kind)
            } else {
                1
            };
            (0..to_u16(levels)).flat_map(move |level| {
                self.level(kind, level)
                    .iter()
                    .enumerate()
                    .map(move |(i, p)| {
                        (
                            PolicyId {
                                kind,
                                level,
                                index: to_u32(i),
                            },
                            p,
                        )
                    })
            })
        })
    }

    /// Compiles the set for fast, allocation-free evaluation. Infallible: every policy was
    /// validated when it was parsed.
    #[must_use]
    pub fn compile(&self) -> CompiledPolicySet {
        CompiledPolicySet::new(self)
    }
}
