//! The compiled form of a policy set: [`CompiledPolicySet`].
//!
//! Owns the data layout that makes a decision cheap; the decision itself is in `eval.rs`.
//!
//! # Layout
//!
//! * Every statement of every policy is copied once into one flat list, in report order
//!   (policy kind, level, policy index, statement index), with its `Sid` and span.
//! * The policies are cut into *groups*: the identity policies, the resource policy, the
//!   boundary, the session policy, and one group per SCP level and per RCP level. A group is a
//!   range of that list plus an action index:
//!   - for each action named exactly (`secretsmanager:GetSecretValue`, lower-cased), the
//!     statements that can cover it: those naming it exactly (known to match, so their action
//!     is not tested again), those with a wildcard pattern in its service, and those any
//!     service can reach;
//!   - for each service with wildcard patterns (`secretsmanager:Get*`), the statements that
//!     can cover its other actions;
//!   - the statements any service can reach (`"*"` and every `NotAction`).
//!
//!   Each list is sorted by statement id, so report order is kept. The keys are stored with a
//!   64-bit hash ([`text_hash`]); a request hashes its action once and finds its list with a
//!   binary search over integers and one string comparison. Statements about other actions
//!   are never touched.
//! * Resource patterns are classified once: `"*"`, patterns that can match nothing, literal
//!   ARNs (one string comparison), literal prefixes (`…:secret:prod/*`: one `starts_with`), a
//!   literal `arn:partition:service:region:account` head with a wildcard resource part (one
//!   comparison and one [`Wildcard`] match), and the general case (wildcards in the head,
//!   short patterns, policy variables), which goes through [`ArnPattern::is_match`].
//! * Principals are parsed once into targets (account, user, role by account and name,
//!   session, federated user, service), so matching a caller is string equality.
//! * Conditions keep their key's hash (the request's context is looked up with it) and, for
//!   the common shapes (a String, `Bool` or IP operator without set qualifier), a compiled
//!   test: literal strings, a lone policy variable `${key}` (looked up by hash and compared;
//!   no text is built), booleans and CIDR blocks. Policy values were typed when the policy was
//!   parsed (numbers, dates, CIDRs, base64 bytes); other shapes use the general condition
//!   evaluator on those typed values.
//!
//! Nothing is lower-cased, parsed or allocated per request.

use std::collections::BTreeMap;

use ipnet::{IpNet, Ipv6Net};

use crate::action::ActionPattern;
use crate::arn::ArnPattern;
use crate::condition::{BaseOperator, OperatorFamily};
use crate::decision::StatementRef;
use crate::policy::{
    ConditionEntry, Effect, PrincipalKind, PrincipalValue, Principals, Statement, TypedValue,
};
use crate::policy_set::{PolicyKind, PolicySet, to_u16, to_u32};
use crate::request::ArnParts;
use crate::source::Span;
use crate::wildcard::{MatchStrategy, Wildcard};

/// A fast, deterministic 64-bit hash of `text` (multiply-rotate over 8-byte words).
///
/// Used for the small per-group action tables and for condition keys, never for tables that
/// callers fill with chosen keys at scale (the store's ARN maps use a keyed hasher). Equal
/// hashes are always confirmed by comparing the strings.
#[must_use]
pub(crate) fn text_hash(text: &str) -> u64 {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let bytes = text.as_bytes();
    let mut h = (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([0; 8]));
        h = (h.rotate_left(5) ^ word).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut buf = [0u8; 8];
        for (slot, &b) in buf.iter_mut().zip(rest) {
            *slot = b;
        }
        h = (h.rotate_left(5) ^ u64::from_le_bytes(buf)).wrapping_mul(K);
    }
    h ^ (h >> 29)
}

/// The eight bytes of `s` at `at` as a word (0 when out of range).
#[inline(always)]
fn load8(s: &[u8], at: usize) -> u64 {
    s.get(at..at + 8)
        .and_then(|c| <[u8; 8]>::try_from(c).ok())
        .map_or(0, u64::from_ne_bytes)
}

/// The four bytes of `s` at `at` as a word (0 when out of range).
#[inline(always)]
fn load4(s: &[u8], at: usize) -> u32 {
    s.get(at..at + 4)
        .and_then(|c| <[u8; 4]>::try_from(c).ok())
        .map_or(0, u32::from_ne_bytes)
}

/// Whether two byte strings of equal length are equal, compared word by word inline (the
/// keys and ARNs compared per request are short; a library call costs more than the loop).
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n > 32 {
        return a == b;
    }
    if n >= 8 {
        for (p, q) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
            let p = <[u8; 8]>::try_from(p).map_or(0, u64::from_ne_bytes);
            let q = <[u8; 8]>::try_from(q).map_or(0, u64::from_ne_bytes);
            if p != q {
                return false;
            }
        }
        // The last eight bytes, overlapping the loop's last word.
        load8(a, n - 8) == load8(b, n - 8)
    } else if n >= 4 {
        load4(a, 0) == load4(b, 0) && load4(a, n - 4) == load4(b, n - 4)
    } else {
        a.iter().zip(b).all(|(x, y)| x == y)
    }
}

/// `text.starts_with(prefix)`.
#[inline]
pub(crate) fn starts_with(text: &[u8], prefix: &[u8]) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| same_bytes(head, prefix))
}

/// A [`Wildcard`] classified for matching bytes: the strategies without `?` compare bytes
/// (a literal that is valid UTF-8 can only match at character boundaries, so this is the
/// same as comparing characters); the general case matches the text as `&str`.
#[derive(Clone, Debug)]
pub(crate) enum Pat {
    /// `*`.
    Any,
    /// No wildcard.
    Exact(Box<[u8]>),
    /// `literal*`.
    Prefix(Box<[u8]>),
    /// `*literal`.
    Suffix(Box<[u8]>),
    /// `*literal*`.
    Contains(Box<[u8]>),
    /// Anything else.
    General(Wildcard),
}

impl Pat {
    /// Classifies `w`.
    pub(crate) fn new(w: &Wildcard) -> Self {
        let raw = w.as_str();
        let lit = |t: &str| Box::<[u8]>::from(t.as_bytes());
        match w.strategy() {
            MatchStrategy::Any => Self::Any,
            MatchStrategy::Exact => Self::Exact(lit(raw)),
            MatchStrategy::Prefix => Self::Prefix(lit(raw.trim_end_matches('*'))),
            MatchStrategy::Suffix => Self::Suffix(lit(raw.trim_start_matches('*'))),
            MatchStrategy::Contains => Self::Contains(lit(raw.trim_matches('*'))),
            _ => Self::General(w.clone()),
        }
    }

    /// Whether `text` matches, case-sensitively.
    #[inline]
    pub(crate) fn matches(&self, text: &[u8]) -> bool {
        match self {
            Self::Any => true,
            Self::Exact(lit) => same_bytes(text, lit),
            Self::Prefix(lit) => starts_with(text, lit),
            Self::Suffix(lit) => text
                .len()
                .checked_sub(lit.len())
                .and_then(|from| text.get(from..))
                .is_some_and(|tail| same_bytes(tail, lit)),
            Self::Contains(lit) => lit.is_empty() || text.windows(lit.len()).any(|w| w == &**lit),
            Self::General(w) => std::str::from_utf8(text).is_ok_and(|t| w.is_match(t)),
        }
    }
}

/// An action entry, classified.
#[derive(Clone, Debug)]
pub(crate) enum CompiledAction {
    /// `*`: every action.
    Any,
    /// `service:name-pattern`, both lower-cased.
    Pattern {
        /// The service prefix, compared exactly.
        service: Box<str>,
        /// The action-name pattern.
        name: Pat,
    },
}

/// A resource entry, classified.
#[derive(Clone, Debug)]
pub(crate) enum CompiledResource {
    /// `*`: every resource, including the `*` of actions without a resource type.
    Any,
    /// A short pattern without trailing `*`: matches nothing.
    Never,
    /// No wildcard anywhere: the ARN itself.
    Exact(Box<str>),
    /// A literal head and a resource part `literal*`: the request starts with this text.
    Prefix(Box<str>),
    /// A literal `arn:partition:service:region:account` and a wildcard resource part.
    Head {
        /// The first five segments, without the fifth colon.
        head: Box<str>,
        /// The resource part.
        rest: Pat,
    },
    /// Anything else (wildcards in the head, short patterns, policy variables).
    Pattern(ArnPattern),
}

/// One principal named by a `Principal`/`NotPrincipal` element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous callers included.
    Any,
    /// `{"Service": "*"}`: every service principal.
    AnyService,
    /// An account: `"111122223333"` or `arn:aws:iam::111122223333:root`.
    Account(String),
    /// An IAM user ARN.
    User(String),
    /// An IAM role: it covers the role's sessions, matched by account and role name (a session
    /// ARN does not carry the role's path).
    Role {
        /// `arn:PARTITION:iam::ACCOUNT:role/NAME` (no path): what a session's role ARN reads.
        arn: String,
        /// The role ARN's partition.
        partition: String,
        /// The role's account.
        account: String,
        /// The role's name (last path segment).
        name: String,
    },
    /// An assumed-role session ARN.
    Session(String),
    /// A federated-user ARN.
    FederatedUser(String),
    /// A service principal name.
    Service(String),
    /// Anything no caller of this engine can be (`Federated`, `CanonicalUser`, other ARNs).
    Other,
}

/// A statement's principal element, compiled.
#[derive(Clone, Debug)]
pub(crate) enum PrincipalTest {
    /// No `Principal`/`NotPrincipal`.
    None,
    /// `Principal` (`negated == false`) or `NotPrincipal`.
    Targets { negated: bool, targets: Vec<Target> },
}

/// One String-operator policy value, compiled.
#[derive(Clone, Debug)]
pub(crate) enum StrValue {
    /// Plain text (no wildcard, no variable; the fixed `${*}`, `${?}`, `${$}` replaced).
    Lit(Box<str>),
    /// Exactly one policy variable and nothing else: the request text must equal its value
    /// (a substituted value is literal text, for the Like operators too).
    Var {
        /// [`text_hash`] of `key`.
        hash: u64,
        /// The key, lower-cased.
        key: Box<str>,
        /// The default value, if any.
        default: Option<Box<str>>,
    },
    /// Anything else: the template at this index of the entry's values.
    Template(usize),
}

/// The compiled test of a condition entry without set qualifier.
#[derive(Clone, Debug)]
pub(crate) enum CondTest {
    /// Anything not listed below: the general evaluator.
    General,
    /// A String operator.
    Strings {
        /// `StringEqualsIgnoreCase`/`StringNotEqualsIgnoreCase`.
        ignore_case: bool,
        /// A negated operator.
        negated: bool,
        /// `…IfExists`.
        if_exists: bool,
        /// The policy values.
        values: Box<[StrValue]>,
    },
    /// `Bool`.
    Bools {
        /// `BoolIfExists`.
        if_exists: bool,
        /// The policy values.
        values: Box<[bool]>,
    },
    /// `IpAddress`/`NotIpAddress`.
    Ips {
        /// `NotIpAddress`.
        negated: bool,
        /// `…IfExists`.
        if_exists: bool,
        /// The IPv4 blocks: (network, mask) as integers.
        v4: Box<[(u32, u32)]>,
        /// The IPv6 blocks.
        v6: Box<[Ipv6Net]>,
    },
}

/// One condition entry, compiled.
#[derive(Clone, Debug)]
pub(crate) struct CompiledCondition {
    /// [`text_hash`] of the lower-cased key.
    pub(crate) key_hash: u64,
    /// The fast test, if the entry has a common shape.
    pub(crate) test: CondTest,
    /// The entry (general evaluation, traces).
    pub(crate) entry: ConditionEntry,
}

/// One statement, compiled.
#[derive(Clone, Debug)]
pub(crate) struct CompiledStatement {
    pub(crate) at: StatementRef,
    pub(crate) sid: Option<String>,
    pub(crate) span: Span,
    pub(crate) effect: Effect,
    pub(crate) action_negated: bool,
    pub(crate) actions: Box<[CompiledAction]>,
    /// `None` when the statement has no resource element (role trust policies).
    pub(crate) resource: Option<(bool, Box<[CompiledResource]>)>,
    pub(crate) principal: PrincipalTest,
    pub(crate) conditions: Box<[CompiledCondition]>,
}

/// A key of a group's action index and its candidate list.
#[derive(Clone, Debug)]
pub(crate) struct Keyed {
    hash: u64,
    name: Box<str>,
    /// The candidate list: a range of [`Group::lists`].
    start: u32,
    end: u32,
}

/// The entry of `table` (sorted by hash) for `name`, whose hash is `hash`.
#[inline(always)]
fn find<'k>(table: &'k [Keyed], hash: u64, name: &[u8]) -> Option<&'k Keyed> {
    let from = if table.len() <= 8 {
        table.iter().position(|k| k.hash >= hash)?
    } else {
        table.partition_point(|k| k.hash < hash)
    };
    for k in table.get(from..)? {
        if k.hash != hash {
            return None;
        }
        if same_bytes(k.name.as_bytes(), name) {
            return Some(k);
        }
    }
    None
}

/// A candidate statement: its id (shifted left by one) and, in the low bit, whether its action
/// must still be tested.
pub(crate) const TEST_ACTION: u32 = 1;

/// A group of statements that is decided together: a policy kind, or one SCP/RCP level.
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub(crate) kind: PolicyKind,
    pub(crate) level: u16,
    /// Report order of groups across parts: kind, then level.
    pub(crate) order: u32,
    /// The group's statements: a range of [`CompiledPolicySet::statements`].
    pub(crate) start: u32,
    pub(crate) end: u32,
    /// Exactly named actions (`service:name`, lower-cased), sorted by hash.
    actions: Box<[Keyed]>,
    /// Services with wildcard action patterns, sorted by hash.
    services: Box<[Keyed]>,
    /// The candidates of any other action: a range of `lists`.
    other: (u32, u32),
    /// Candidate lists, concatenated; entries as described at [`TEST_ACTION`].
    lists: Box<[u32]>,
}

/// What a compiled statement is called: its `Sid` and where it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatementInfo<'a> {
    /// The `Sid`, if any.
    pub sid: Option<&'a str>,
    /// The statement's span in its policy's text.
    pub span: Span,
    /// Its effect.
    pub effect: Effect,
}

/// A policy set compiled for evaluation; see the module docs for the layout.
///
/// Built by [`PolicySet::compile`]. Decides requests with
/// [`evaluate`](Self::evaluate) (no allocation) and [`explain`](Self::explain) (with a trace).
#[derive(Clone, Debug)]
pub struct CompiledPolicySet {
    pub(crate) statements: Vec<CompiledStatement>,
    /// In report order: identity, resource, boundary, session, SCP levels, RCP levels. Kinds
    /// without policies have no group.
    pub(crate) groups: Vec<Group>,
    pub(crate) has_resource: bool,
    pub(crate) has_boundary: bool,
    pub(crate) has_session: bool,
    pub(crate) scp_levels: u16,
    pub(crate) rcp_levels: u16,
}

/// How a statement's `Action` reaches requests.
enum Reach {
    /// Any service (`*`, `NotAction`).
    Any,
    /// Named actions (`service:name`, with the service) and services with wildcard names.
    Named {
        exact: Vec<(String, String)>,
        wild: Vec<String>,
    },
}

impl CompiledPolicySet {
    pub(crate) fn new(set: &PolicySet) -> Self {
        let mut compiled = Self {
            statements: Vec::new(),
            groups: Vec::new(),
            has_resource: set.len(PolicyKind::Resource) > 0,
            has_boundary: set.len(PolicyKind::PermissionsBoundary) > 0,
            has_session: set.len(PolicyKind::Session) > 0,
            scp_levels: to_u16(set.levels(PolicyKind::Scp)),
            rcp_levels: to_u16(set.levels(PolicyKind::Rcp)),
        };
        for kind in PolicyKind::ALL {
            let levels = to_u16(set.levels(kind));
            for level in 0..levels {
                let start = to_u32(compiled.statements.len());
                let mut reach = Vec::new();
                for (p, policy) in set.level(kind, level).iter().enumerate() {
                    for (s, statement) in policy.statements.iter().enumerate() {
                        let at = StatementRef {
                            kind,
                            level,
                            policy: to_u32(p),
                            statement: to_u32(s),
                        };
                        let st = compile_statement(at, statement);
                        reach.push(reach_of(&st));
                        compiled.statements.push(st);
                    }
                }
                compiled
                    .groups
                    .push(build_group(kind, level, start, &reach));
            }
        }
        compiled.statements.shrink_to_fit();
        compiled.groups.shrink_to_fit();
        compiled
    }

    /// The `Sid`, span and effect of a statement.
    #[must_use]
    pub fn statement(&self, r: StatementRef) -> Option<StatementInfo<'_>> {
        // INVARIANT: statements are stored in report order, which is `StatementRef`'s order.
        self.statements
            .binary_search_by(|s| s.at.cmp(&r))
            .ok()
            .and_then(|i| self.statements.get(i))
            .map(|s| StatementInfo {
                sid: s.sid.as_deref(),
                span: s.span,
                effect: s.effect,
            })
    }

    /// How many statements the set holds.
    #[must_use]
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// Whether a resource-based policy (or trust policy) is present.
    #[must_use]
    pub const fn has_resource_policy(&self) -> bool {
        self.has_resource
    }

    /// Whether a permissions boundary is present.
    #[must_use]
    pub const fn has_permissions_boundary(&self) -> bool {
        self.has_boundary
    }

    /// Whether a session policy is present.
    #[must_use]
    pub const fn has_session_policy(&self) -> bool {
        self.has_session
    }

    /// How many SCP levels there are.
    #[must_use]
    pub const fn scp_levels(&self) -> u16 {
        self.scp_levels
    }

    /// How many RCP levels there are.
    #[must_use]
    pub const fn rcp_levels(&self) -> u16 {
        self.rcp_levels
    }
}

impl Group {
    /// The candidate statements of the group for an action (`action`: lower-cased
    /// `service:name`; `service`: its lower-cased prefix; each with its [`text_hash`]), in
    /// ascending order; entries as described at [`TEST_ACTION`].
    #[inline(always)]
    pub(crate) fn candidates(
        &self,
        action_hash: u64,
        action: &[u8],
        service_hash: u64,
        service: &[u8],
    ) -> &[u32] {
        let (start, end) = find(&self.actions, action_hash, action)
            .or_else(|| find(&self.services, service_hash, service))
            .map_or(self.other, |k| (k.start, k.end));
        self.lists
            .get(start as usize..end as usize)
            .unwrap_or_default()
    }
}

/// The actions and services a statement's `Action` names.
fn reach_of(st: &CompiledStatement) -> Reach {
    if st.action_negated {
        return Reach::Any;
    }
    let mut exact = Vec::new();
    let mut wild = Vec::new();
    for action in &st.actions {
        match action {
            CompiledAction::Any => return Reach::Any,
            CompiledAction::Pattern { service, name } => {
                if service.contains(['*', '?']) {
                    return Reach::Any;
                }
                match name {
                    Pat::Exact(lit) => exact.push((
                        format!("{service}:{}", String::from_utf8_lossy(lit)),
                        service.to_string(),
                    )),
                    _ => wild.push(service.to_string()),
                }
            }
        }
    }
    Reach::Named { exact, wild }
}

/// Builds a group's action index from what each of its statements reaches (`reach[i]` is
/// statement `start + i`).
fn build_group(kind: PolicyKind, level: u16, start: u32, reach: &[Reach]) -> Group {
    let mut exact: BTreeMap<&str, (&str, Vec<u32>)> = BTreeMap::new();
    let mut wild: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    let mut any = Vec::new();
    for (id, r) in (start..).zip(reach) {
        match r {
            Reach::Any => any.push(id),
            Reach::Named {
                exact: names,
                wild: services,
            } => {
                for (name, service) in names {
                    exact
                        .entry(name.as_str())
                        .or_insert_with(|| (service.as_str(), Vec::new()))
                        .1
                        .push(id);
                }
                for service in services {
                    wild.entry(service.as_str()).or_default().push(id);
                }
            }
        }
    }
    let mut lists: Vec<u32> = Vec::new();
    // Appends the merged list (exactly named ids need no action test) and returns its range.
    let mut push_list = |named: &[u32], tested: &[&[u32]]| -> (u32, u32) {
        let mut entries: Vec<u32> = named.iter().map(|id| id << 1).collect();
        for ids in tested {
            entries.extend(ids.iter().map(|id| (id << 1) | TEST_ACTION));
        }
        // A statement both named exactly and reached otherwise needs no test: the sort puts
        // its untested entry first and `dedup_by_key` keeps it.
        entries.sort_unstable();
        entries.dedup_by_key(|e| *e >> 1);
        let from = to_u32(lists.len());
        lists.extend(entries);
        (from, to_u32(lists.len()))
    };
    let mut actions = Vec::with_capacity(exact.len());
    for (name, (service, ids)) in &exact {
        let wild_ids = wild.get(service).map_or(&[][..], Vec::as_slice);
        let (s, e) = push_list(ids, &[wild_ids, &any]);
        actions.push(Keyed {
            hash: text_hash(name),
            name: (*name).into(),
            start: s,
            end: e,
        });
    }
    let mut services = Vec::with_capacity(wild.len());
    for (service, ids) in &wild {
        let (s, e) = push_list(&[], &[ids, &any]);
        services.push(Keyed {
            hash: text_hash(service),
            name: (*service).into(),
            start: s,
            end: e,
        });
    }
    let other = push_list(&[], &[&any]);
    actions.sort_by_key(|k| k.hash);
    services.sort_by_key(|k| k.hash);
    Group {
        kind,
        level,
        order: (kind as u32) << 16 | u32::from(level),
        start,
        end: start + to_u32(reach.len()),
        actions: actions.into_boxed_slice(),
        services: services.into_boxed_slice(),
        other,
        lists: lists.into_boxed_slice(),
    }
}

fn compile_statement(at: StatementRef, st: &Statement) -> CompiledStatement {
    let actions = st
        .action
        .value
        .patterns
        .items
        .iter()
        .map(|p| compile_action(&p.value))
        .collect();
    let resource = st.resource.as_ref().map(|r| {
        let patterns = r
            .value
            .patterns
            .items
            .iter()
            .map(|p| compile_resource(&p.value))
            .collect();
        (r.value.negated, patterns)
    });
    let principal = st
        .principal
        .as_ref()
        .map_or(PrincipalTest::None, |p| PrincipalTest::Targets {
            negated: p.value.negated,
            targets: compile_principals(&p.value.principals),
        });
    CompiledStatement {
        at,
        sid: st.sid.as_ref().map(|s| s.value.clone()),
        span: st.span,
        effect: st.effect.value,
        action_negated: st.action.value.negated,
        actions,
        resource,
        principal,
        conditions: st.conditions.iter().map(compile_condition).collect(),
    }
}

/// Classifies an action pattern.
fn compile_action(p: &ActionPattern) -> CompiledAction {
    match (p.service(), p.name()) {
        (Some(service), Some(name)) if !p.is_any() => CompiledAction::Pattern {
            service: service.into(),
            name: Pat::new(name),
        },
        _ => CompiledAction::Any,
    }
}

/// Classifies a Resource-mode pattern (module docs).
fn compile_resource(p: &ArnPattern) -> CompiledResource {
    if p.is_any() {
        return CompiledResource::Any;
    }
    if p.matches_nothing() {
        return CompiledResource::Never;
    }
    let raw = p.as_str();
    let general = || CompiledResource::Pattern(p.clone());
    // `${` may start a variable (or a fixed `${*}`): leave those to the template matcher.
    if raw.contains("${") {
        return general();
    }
    let Some(rest) = p.resource() else {
        return general();
    };
    // INVARIANT: with six components and no variable, the resource part is everything after
    // the fifth colon, so the head is the text before it.
    let Some(head) = raw
        .len()
        .checked_sub(rest.len() + 1)
        .and_then(|at| raw.get(..at))
    else {
        return general();
    };
    if head.contains(['*', '?']) || head.matches(':').count() != 4 {
        return general();
    }
    let wildcard = Wildcard::new(rest);
    match wildcard.strategy() {
        MatchStrategy::Exact => CompiledResource::Exact(raw.into()),
        MatchStrategy::Prefix => CompiledResource::Prefix(raw.trim_end_matches('*').into()),
        _ => CompiledResource::Head {
            head: head.into(),
            rest: Pat::new(&wildcard),
        },
    }
}

/// Compiles one condition entry (module docs).
fn compile_condition(entry: &ConditionEntry) -> CompiledCondition {
    CompiledCondition {
        key_hash: text_hash(&entry.key_lower),
        test: compile_test(entry),
        entry: entry.clone(),
    }
}

fn compile_test(entry: &ConditionEntry) -> CondTest {
    let operator = entry.operator.value;
    if operator.qualifier.is_some() {
        return CondTest::General;
    }
    let base = operator.base;
    let negated = base.is_negated();
    let if_exists = operator.if_exists;
    let items = &entry.values.items;
    match base.family() {
        OperatorFamily::String => {
            let mut values = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let TypedValue::String(template) = &item.value.typed else {
                    return CondTest::General;
                };
                values.push(compile_string(template, i));
            }
            CondTest::Strings {
                ignore_case: matches!(
                    base,
                    BaseOperator::StringEqualsIgnoreCase | BaseOperator::StringNotEqualsIgnoreCase
                ),
                negated,
                if_exists,
                values: values.into_boxed_slice(),
            }
        }
        OperatorFamily::Bool => {
            let mut values = Vec::with_capacity(items.len());
            for item in items {
                let TypedValue::Bool(b) = item.value.typed else {
                    return CondTest::General;
                };
                values.push(b);
            }
            CondTest::Bools {
                if_exists,
                values: values.into_boxed_slice(),
            }
        }
        OperatorFamily::Ip => {
            let mut v4 = Vec::new();
            let mut v6 = Vec::new();
            for item in items {
                match item.value.typed {
                    TypedValue::Ip(IpNet::V4(net)) => {
                        let mask = u32::from(net.netmask());
                        v4.push((u32::from(net.network()) & mask, mask));
                    }
                    TypedValue::Ip(IpNet::V6(net)) => v6.push(net),
                    _ => return CondTest::General,
                }
            }
            CondTest::Ips {
                negated,
                if_exists,
                v4: v4.into_boxed_slice(),
                v6: v6.into_boxed_slice(),
            }
        }
        _ => CondTest::General,
    }
}

/// Compiles one String-operator value (`index`: its position in the entry's values).
fn compile_string(template: &crate::variables::Template, index: usize) -> StrValue {
    if let Some(text) = template.literal_text() {
        return StrValue::Lit(text.into());
    }
    let mut infos = template.variable_infos();
    if let (Some(var), None) = (infos.next(), infos.next())
        && var.span == (0..template.as_str().len())
    {
        return StrValue::Var {
            hash: text_hash(var.key),
            key: var.key.into(),
            default: var.default.map(Into::into),
        };
    }
    StrValue::Template(index)
}

fn compile_principals(principals: &Principals) -> Vec<Target> {
    match principals {
        Principals::Any => vec![Target::Any],
        Principals::Map(entries) => entries
            .iter()
            .flat_map(|entry| {
                let kind = entry.kind.value;
                entry
                    .values
                    .items
                    .iter()
                    .map(move |v| compile_target(kind, &v.value))
            })
            .collect(),
    }
}

fn compile_target(kind: PrincipalKind, value: &PrincipalValue) -> Target {
    match (kind, value) {
        (PrincipalKind::Aws, PrincipalValue::Any) => Target::Any,
        (PrincipalKind::Service, PrincipalValue::Any) => Target::AnyService,
        (PrincipalKind::Aws, PrincipalValue::Account(id)) => Target::Account(id.clone()),
        (PrincipalKind::Aws, PrincipalValue::Arn(arn)) => compile_arn_target(arn.as_str()),
        (PrincipalKind::Aws, PrincipalValue::Name(name)) => {
            if name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit()) {
                Target::Account(name.clone())
            } else {
                compile_arn_target(name)
            }
        }
        (PrincipalKind::Service, PrincipalValue::Name(name)) => Target::Service(name.clone()),
        _ => Target::Other,
    }
}

fn compile_arn_target(text: &str) -> Target {
    let Some(parts) = ArnParts::parse(text) else {
        return Target::Other;
    };
    let account = parts.account(text);
    let rest = parts.resource(text);
    match parts.service(text) {
        "iam" if rest == "root" && !account.is_empty() => Target::Account(account.to_owned()),
        "iam" if rest.starts_with("user/") => Target::User(text.to_owned()),
        "iam" => match rest.strip_prefix("role/") {
            Some(path_name) => match path_name.rsplit('/').next() {
                Some(name) if !name.is_empty() => Target::Role {
                    arn: format!("arn:{}:iam::{account}:role/{name}", parts.partition(text)),
                    partition: parts.partition(text).to_owned(),
                    account: account.to_owned(),
                    name: name.to_owned(),
                },
                _ => Target::Other,
            },
            None => Target::Other,
        },
        "sts" if rest.starts_with("assumed-role/") => Target::Session(text.to_owned()),
        "sts" if rest.starts_with("federated-user/") => Target::FederatedUser(text.to_owned()),
        _ => Target::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arn::ArnPatternMode;

    fn resource(text: &str) -> CompiledResource {
        compile_resource(&ArnPattern::parse(text, ArnPatternMode::Resource, true).unwrap())
    }

    #[test]
    fn compile_classifies_resource_patterns() {
        let prefix = "arn:aws:secretsmanager:us-east-1:111122223333:secret:";
        assert!(matches!(resource("*"), CompiledResource::Any));
        assert!(matches!(
            resource("arn:aws:secretsmanager"),
            CompiledResource::Never
        ));
        assert!(
            matches!(resource(&format!("{prefix}db-AbCdEf")), CompiledResource::Exact(t) if *t == *format!("{prefix}db-AbCdEf"))
        );
        assert!(
            matches!(resource(&format!("{prefix}prod/*")), CompiledResource::Prefix(t) if *t == *format!("{prefix}prod/"))
        );
        assert!(
            matches!(resource("arn:aws:s3:::*"), CompiledResource::Head { head, rest: Pat::Any } if &*head == "arn:aws:s3::")
        );
        assert!(matches!(
            resource(&format!("{prefix}*-AbCdEf")),
            CompiledResource::Head {
                rest: Pat::General(_),
                ..
            }
        ));
        assert!(matches!(
            resource("arn:aws:s3:::*.txt"),
            CompiledResource::Head {
                rest: Pat::Suffix(_),
                ..
            }
        ));
        for general in [
            "arn:aws:secretsmanager:*:111122223333:secret:x",
            "arn:aws:secretsmanager:*",
            "arn:aws:s3:::bucket/${aws:username}/*",
            "arn:aws:s3:::bucket/${*}",
        ] {
            assert!(
                matches!(resource(general), CompiledResource::Pattern(_)),
                "{general}"
            );
        }
    }

    #[test]
    fn compile_text_hash_tells_keys_apart() {
        let keys = [
            "",
            "a",
            "aws:sourceip",
            "aws:securetransport",
            "aws:principaltag/team",
            "secretsmanager:resourcetag/team",
            "secretsmanager:getsecretvalue",
            "secretsmanager:describesecret",
        ];
        let mut hashes: Vec<u64> = keys.iter().map(|k| text_hash(k)).collect();
        assert_eq!(text_hash("aws:sourceip"), text_hash("aws:sourceip"));
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), keys.len());
    }
}
