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
//! suffices), and a Deny at any level denies (project decision 15).

use std::fmt;

use crate::policy::Policy;

/// The part a policy plays in a request.
///
/// The order of the variants is the order in which reasons and traces are reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyKind {
    /// The caller's identity-based policies (user, group and role policies, inline or
    /// managed).
    Identity,
    /// The resource-based policy of the target (a secret policy, a bucket policy, a key
    /// policy, or a role's trust policy for `sts:AssumeRole*`).
    Resource,
    /// The caller's permissions boundary.
    PermissionsBoundary,
    /// The session policy passed when the session was created.
    Session,
    /// Service control policies over the caller's account, in levels.
    Scp,
    /// Resource control policies over the resource's account, in levels.
    Rcp,
}

impl PolicyKind {
    /// Every kind, in report order.
    pub const ALL: [Self; 6] = [
        Self::Identity,
        Self::Resource,
        Self::PermissionsBoundary,
        Self::Session,
        Self::Scp,
        Self::Rcp,
    ];

    /// The key used in the case format: `identity`, `resource`, `permissions_boundary`,
    /// `session`, `scps`, `rcps`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Resource => "resource",
            Self::PermissionsBoundary => "permissions_boundary",
            Self::Session => "session",
            Self::Scp => "scps",
            Self::Rcp => "rcps",
        }
    }

    /// Whether policies of this kind come in levels (SCPs and RCPs).
    #[must_use]
    pub const fn has_levels(self) -> bool {
        matches!(self, Self::Scp | Self::Rcp)
    }
}

impl fmt::Display for PolicyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a policy sits in a [`PolicySet`]: its kind, its level (0 for kinds without levels)
/// and its index within that kind and level.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyId {
    /// The kind.
    pub kind: PolicyKind,
    /// The level (SCPs and RCPs, root first); 0 otherwise.
    pub level: u16,
    /// The index within the kind and level, in the order added.
    pub index: u32,
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
    identity: Vec<Policy>,
    resource: Vec<Policy>,
    permissions_boundary: Vec<Policy>,
    session: Vec<Policy>,
    scps: Vec<Vec<Policy>>,
    rcps: Vec<Vec<Policy>>,
}

/// A count as `u32`, saturating (policy sets are far smaller).
pub(crate) fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A count as `u16`, saturating.
pub(crate) fn to_u16(n: usize) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

impl PolicySet {
    /// An empty set: no identity policies, no resource policy, no boundary, no session policy,
    /// no SCPs and no RCPs.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a policy of `kind`. SCPs and RCPs go into the last level (level 0 is created if
    /// there is none): a flat list of SCPs is one level.
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
                    levels.push(Vec::new());
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
        levels.push(Vec::new());
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
            PolicyKind::Scp => self.scps.iter().map(Vec::len).sum(),
            PolicyKind::Rcp => self.rcps.iter().map(Vec::len).sum(),
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
        let flat = |list: &'_ Vec<Policy>| -> usize { usize::from(level == 0) * list.len() };
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
                .map_or(&[][..], Vec::as_slice),
            PolicyKind::Rcp => self
                .rcps
                .get(usize::from(level))
                .map_or(&[][..], Vec::as_slice),
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
    pub fn compile(&self) -> crate::compile::CompiledPolicySet {
        crate::compile::CompiledPolicySet::new(self)
    }
}
