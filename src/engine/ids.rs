//! Where a policy or a statement sits in a policy set: [`PolicyKind`], [`PolicyId`],
//! [`StatementRef`].
//!
//! A leaf module: it depends on nothing else in the crate.

use std::fmt;

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

/// Where a policy sits in a [`PolicySet`](crate::PolicySet): its kind, its level (0 for kinds without levels)
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

/// One statement of a compiled policy set: the policy's kind, level (SCPs and RCPs; 0
/// otherwise), the policy's index within its kind and level, and the statement's index within
/// the policy. [`CompiledPolicySet::statement`](crate::CompiledPolicySet::statement) resolves it
/// to the `Sid` and span.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementRef {
    /// The policy's kind.
    pub kind: PolicyKind,
    /// The level (SCPs and RCPs, root first); 0 otherwise.
    pub level: u16,
    /// The policy's index within its kind and level.
    pub policy: u32,
    /// The statement's index within the policy.
    pub statement: u32,
}

impl StatementRef {
    /// A placeholder used to fill unused reason slots.
    pub(crate) const EMPTY: Self = Self {
        kind: PolicyKind::Identity,
        level: 0,
        policy: 0,
        statement: 0,
    };
}

impl fmt::Display for StatementRef {
    /// `identity[0].Statement[2]`, `scps[1][0].Statement[0]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.kind.has_levels() {
            write!(
                f,
                "{}[{}][{}].Statement[{}]",
                self.kind, self.level, self.policy, self.statement
            )
        } else {
            write!(
                f,
                "{}[{}].Statement[{}]",
                self.kind, self.policy, self.statement
            )
        }
    }
}
