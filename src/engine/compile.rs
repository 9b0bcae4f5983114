//! The compiled form of a policy set: [`CompiledPolicySet`].
//!
//! Owns the data layout that makes a decision cheap; the decision itself is in `statement.rs`
//! (one statement) and `combine.rs` (the decision over all of them).
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
//!   64-bit hash (`text_hash`); a request hashes its action once (a prepared request when it
//!   is prepared) and finds its list by comparing integers and then one string. Statements
//!   about other actions are never touched.
//! * Wildcard patterns are classified once (`wildcard::BytePattern`: exact, prefix, suffix, contains, any,
//!   general) and the first four compare bytes; action names are matched lower-cased on both
//!   sides. Resource patterns: `"*"`, patterns that can match nothing, literal ARNs (one
//!   comparison), literal prefixes (`…:secret:prod/*`: one prefix comparison), a literal
//!   `arn:partition:service:region:account` head with a classified resource part, and the
//!   general case (wildcards in the head, short patterns, policy variables), which goes
//!   through [`ArnPattern::is_match`].
//! * Principals are parsed once into targets (account, user, role, session, federated user,
//!   service); a role target is kept as `arn:P:iam::A:role/NAME`, which a session's role ARN
//!   equals, so matching a caller is one comparison.
//! * Conditions keep their key (lower-cased, with its hash: the request's context is looked up
//!   with it) and, for the common shapes (a String, `Bool` or IP operator without set
//!   qualifier), a compiled test: literal strings, a lone policy variable `${key}` (looked up
//!   by hash and compared; no text is built), a bit set of accepted booleans, IPv4 blocks as
//!   integer network and mask. Policy values were typed when the policy was parsed (numbers,
//!   dates, CIDRs, base64 bytes); other shapes keep the whole entry for the general condition
//!   evaluator on those typed values.
//! * What a decision reads of a statement is inline in it: one action, one resource pattern and
//!   one principal (the common case) need no allocation of their own (`Items`); exact action
//!   names are one interned `service:name` text compared with the request's lower-cased
//!   action; rare, large shapes (general wildcards, general ARN patterns, a literal head with
//!   a wildcard part) are boxed so that the common ones stay small. The conditions of all
//!   statements are one list of the set (each statement holds a range), and a group whose
//!   every statement is a candidate of every action (a small resource policy) shares one
//!   static candidate list; a String condition with one value holds it inline (`Items`). A
//!   compiled document is thus a few allocations (statements, conditions, groups, longer
//!   string value lists), or for a small document held in a store entry none of its own, that
//!   the store reads ahead together (`Part::touch`) when a decision finds it, instead of a
//!   chain of pointers followed one cache miss after another.
//! * Compiling allocates little and formats nothing; `benches/compile.rs` measures it
//!   (figures in the README).
//!
//! Nothing is lower-cased, parsed or allocated per request.

use smallvec::SmallVec;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use thin_vec::ThinVec;

use super::ids::{PolicyKind, StatementRef};
use super::index::{INDEX_FROM, ValueIndex};
use super::store::arn_hash;
use super::{INLINE_CONDITIONS, INLINE_STATEMENTS};
use crate::action::ActionPattern;
use crate::arn::ArnPattern;
use crate::bytes::{same_bytes, text_hash, to_u32};
use crate::condition::ops::ip::IpSet;
use crate::condition::ops::{boolean, string};
use crate::condition::{BaseOperator, Operator, OperatorFamily};
use crate::policy::lower::{Element as Lowered, Head, Parts, Raw, Sink};
use crate::policy::{
    ConditionEntry, Effect, OneOrMany, PrincipalKind, PrincipalValue, Principals, Spanned,
    Statement, TypedValue,
};
use crate::request::ArnParts;
use crate::source::Span;
use crate::variables::Template;
use crate::wildcard::{BytePattern, MatchStrategy, Wildcard};

/// A text held by compiled policies and store keys: reference-counted and one word wide (its
/// length is in the allocation, before its bytes), so that the statements and conditions
/// that hold texts stay small enough for a store entry's five lines (module docs). Interned
/// texts ([`intern`]) are shared; cloning one counts a reference.
pub(crate) type Text = arcstr::ArcStr;

/// An action entry, classified.
#[derive(Clone, Debug)]
pub(crate) enum CompiledAction {
    /// `*`: every action.
    Any,
    /// `service:name` without wildcard, lower-cased and interned: the request's lower-cased
    /// action must equal it.
    Named(Text),
    /// `service:*`: every action of the service (interned, lower-cased).
    Service(Text),
    /// Any other `service:name-pattern`, both lower-cased (boxed: rare).
    Pattern(Box<(Text, BytePattern)>),
}

/// A short list kept inside its owner: one item inline (the common case: one action, one
/// resource, one principal), more in a list of their own (one word: its length is in the
/// allocation, so that a one-word item and its tag are the whole field, 16 bytes).
#[derive(Clone, Debug)]
pub(crate) enum Items<T> {
    /// Exactly one item.
    One(T),
    /// None, or more than one.
    Many(ThinVec<T>),
}

impl<T> FromIterator<T> for Items<T> {
    /// One item without allocating; a list otherwise.
    fn from_iter<I: IntoIterator<Item = T>>(items: I) -> Self {
        let mut items = items.into_iter();
        let Some(first) = items.next() else {
            return Self::Many(ThinVec::new());
        };
        match items.next() {
            None => Self::One(first),
            Some(second) => {
                let mut all = ThinVec::with_capacity(2 + items.size_hint().0);
                all.push(first);
                all.push(second);
                all.extend(items);
                all.shrink_to_fit();
                Self::Many(all)
            }
        }
    }
}

impl<T> std::ops::Deref for Items<T> {
    type Target = [T];

    #[inline(always)]
    fn deref(&self) -> &[T] {
        match self {
            Self::One(item) => std::slice::from_ref(item),
            Self::Many(items) => items,
        }
    }
}

/// A list shared by the copies of a compiled set (cloning it counts a reference); an empty
/// list holds no allocation, so the empty set is a constant.
#[derive(Debug)]
pub(crate) struct Shared<T>(Option<Arc<[T]>>);

impl<T> Shared<T> {
    /// The empty list.
    pub(crate) const EMPTY: Self = Self(None);
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T> From<Vec<T>> for Shared<T> {
    fn from(items: Vec<T>) -> Self {
        Self((!items.is_empty()).then(|| Arc::from(items)))
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = [T];

    #[inline(always)]
    fn deref(&self) -> &[T] {
        self.0.as_deref().unwrap_or_default()
    }
}

/// A resource entry, classified.
#[derive(Clone, Debug)]
pub(crate) enum CompiledResource {
    /// `*`: every resource, including the `*` of actions without a resource type.
    Any,
    /// A short pattern without trailing `*`: matches nothing.
    Never,
    /// No wildcard anywhere: the ARN itself.
    Exact(Text),
    /// A literal head and a resource part `literal*`: the request starts with this text.
    Prefix(Text),
    /// A literal `arn:partition:service:region:account` (the first five segments, without
    /// the fifth colon) and a wildcard resource part (boxed: it keeps the common variants
    /// small).
    Head(Box<(Box<str>, BytePattern)>),
    /// Anything else (wildcards in the head, short patterns, policy variables; boxed: rare).
    Pattern(Box<ArnPattern>),
}

/// One principal named by a `Principal`/`NotPrincipal` element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// `"*"` or `{"AWS": "*"}`: everyone, anonymous callers included.
    Any,
    /// `{"Service": "*"}`: every service principal.
    AnyService,
    /// An account by its id alone: `"111122223333"`.
    Account(Text),
    /// An account by its root ARN, `arn:PARTITION:iam::ACCOUNT:root` as written: the account
    /// of that partition (each partition has its own IAM, so the same digits in another
    /// partition are another account).
    AccountArn(Text),
    /// An IAM user ARN.
    User(Text),
    /// An IAM role: it covers the role's sessions, matched by account and role name (a session
    /// ARN does not carry the role's path).
    Role {
        /// `arn:PARTITION:iam::ACCOUNT:role/NAME` (no path): what a session's role ARN reads.
        arn: Text,
    },
    /// An assumed-role session ARN.
    Session(Text),
    /// A federated-user ARN.
    FederatedUser(Text),
    /// A service principal name.
    Service(Text),
    /// Anything no caller of this engine can be (`Federated`, `CanonicalUser`, other ARNs).
    Other,
}

/// Whether a statement has a `Resource` (`Principal`) element, or a `NotResource`
/// (`NotPrincipal`) one: a byte beside the statement's other flags, so that the element's
/// items take no tag of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Element {
    /// No such element.
    Absent,
    /// `Resource` or `Principal`.
    Listed,
    /// `NotResource` or `NotPrincipal`.
    Negated,
}

impl Element {
    fn of(present: bool, negated: bool) -> Self {
        match (present, negated) {
            (false, _) => Self::Absent,
            (true, false) => Self::Listed,
            (true, true) => Self::Negated,
        }
    }
}

/// One String-operator policy value, compiled.
#[derive(Clone, Debug)]
pub(crate) enum StrValue {
    /// Plain text (no wildcard, no variable; the fixed `${*}`, `${?}`, `${$}` replaced).
    Lit(Text),
    /// Exactly one policy variable and nothing else: the request text must equal its value
    /// (a substituted value is literal text, for the Like operators too). Boxed, so that a
    /// value is a tag and a fat pointer and a condition holding one fits in about a cache line.
    Var(Box<VarValue>),
    /// Anything else: the template, matched piece by piece (boxed: rare, and it keeps a
    /// one-value list small enough to be held in its condition).
    Template(Box<Template>),
}

/// A String value that is exactly one policy variable ([`StrValue::Var`]).
#[derive(Clone, Debug)]
pub(crate) struct VarValue {
    /// [`text_hash`] of `key`.
    pub(crate) hash: u64,
    /// The key, lower-cased.
    pub(crate) key: Text,
    /// The default value, if any.
    pub(crate) default: Option<Box<str>>,
}

/// The compiled test of a condition entry.
#[derive(Clone, Debug)]
pub(crate) enum CondTest {
    /// Anything not listed below (set qualifiers, `Null`, Numeric, Date, Binary and Arn
    /// operators): the general evaluator on the entry.
    General(Box<ConditionEntry>),
    /// As `General`, with the policy values indexed (value lists of `INDEX_FROM` or more;
    /// see `engine/index.rs`).
    Indexed(Box<(ConditionEntry, ValueIndex)>),
    /// A String operator without set qualifier: the policy values, one (the common case)
    /// held in the condition itself, so that a decision reads it from the condition's own
    /// cache line instead of following a pointer to a list (whether the operator ignores case
    /// is [`CompiledCondition::ignore_case`]).
    Strings(Items<StrValue>),
    /// `Bool` without set qualifier.
    Bools {
        /// Which request values the policy values accept: bit 0 `true`, bit 1 `false`.
        accept: u8,
    },
    /// `IpAddress`/`NotIpAddress` without set qualifier: the blocks as sorted address ranges
    /// (one binary search per request value; boxed, so that a condition is 24 bytes: two
    /// lists of ranges would make every condition 16 bytes longer).
    Ips(Box<IpSet>),
}

/// What a condition is besides its policy values: its key and operator. Interned ([`head`]):
/// documents that test the same key with the same operator share one, so that it stays in
/// cache while the conditions that refer to it are spread over many documents, and a
/// condition is a word and its test (24 bytes; module docs).
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct CondHead {
    /// [`text_hash`] of the lower-cased key.
    key_hash: u64,
    /// The key lower-cased, followed by the key as written (interned).
    keys: Text,
    /// Where the key as written starts in `keys`.
    split: u32,
    /// The operator.
    operator: Operator,
    /// A String test's operator ignores case (`StringEqualsIgnoreCase`,
    /// `StringNotEqualsIgnoreCase`).
    ignore_case: bool,
}

/// One condition entry, compiled.
#[derive(Clone, Debug)]
pub(crate) struct CompiledCondition {
    /// Its key and operator (shared).
    head: Arc<CondHead>,
    /// How to decide it.
    pub(crate) test: CondTest,
}

impl CompiledCondition {
    /// A condition no statement refers to (no key, never true): fills an unused slot of a
    /// fixed-size array of conditions (a document held inside a store entry). Allocates
    /// nothing after the first.
    pub(crate) fn unused() -> Self {
        static NO_KEY: OnceLock<Arc<CondHead>> = OnceLock::new();
        let head = NO_KEY.get_or_init(|| {
            Arc::new(CondHead {
                key_hash: 0,
                keys: Text::new(),
                split: 0,
                operator: Operator {
                    qualifier: None,
                    base: BaseOperator::Bool,
                    if_exists: false,
                },
                ignore_case: false,
            })
        });
        Self {
            head: Arc::clone(head),
            test: CondTest::Bools { accept: 0 },
        }
    }

    /// [`text_hash`] of the lower-cased key.
    #[inline(always)]
    pub(crate) fn key_hash(&self) -> u64 {
        self.head.key_hash
    }

    /// The operator.
    #[inline(always)]
    pub(crate) fn operator(&self) -> Operator {
        self.head.operator
    }

    /// Whether a String test's operator ignores case.
    #[inline(always)]
    pub(crate) fn ignore_case(&self) -> bool {
        self.head.ignore_case
    }

    /// The key, lower-cased.
    #[inline(always)]
    pub(crate) fn key_lower(&self) -> &str {
        let head = &*self.head;
        head.keys.get(..head.split as usize).unwrap_or_default()
    }

    /// A word read from the condition's head and from the first policy value of a String
    /// test (held in the condition when it is the only one, else in a list of its own), so
    /// that `Part::touch` fetches both ahead.
    #[inline(always)]
    pub(crate) fn ahead(&self) -> u64 {
        let first = match &self.test {
            CondTest::Strings(values) => values
                .first()
                .map_or(0, |v| u64::from(matches!(v, StrValue::Lit(_)))),
            _ => 0,
        };
        self.head.key_hash ^ first
    }

    /// The key as written.
    pub(crate) fn key(&self) -> &str {
        let head = &*self.head;
        head.keys.get(head.split as usize..).unwrap_or_default()
    }
}

/// One statement, compiled: only what a decision reads (72 bytes; its `Sid` and span, read
/// by explanations and accessors only, are its [`Label`] in a list of their own). One action,
/// resource or principal each, the common case, needs no allocation of its own; its
/// conditions are a range of [`CompiledPolicySet::conditions`](crate::CompiledPolicySet), so
/// that a document's conditions are one allocation that a decision can fetch together with
/// its statements.
#[derive(Clone, Debug)]
pub(crate) struct CompiledStatement {
    pub(crate) actions: Items<CompiledAction>,
    /// The `Resource` or `NotResource` patterns ([`Self::resource`]; none when the statement
    /// has no such element: role trust policies).
    pub(crate) resources: Items<CompiledResource>,
    /// The `Principal` or `NotPrincipal` targets ([`Self::principal`]).
    pub(crate) targets: Items<Target>,
    /// A range of the set's conditions.
    pub(crate) conditions: (u32, u32),
    pub(crate) at: StatementRef,
    pub(crate) effect: Effect,
    pub(crate) action_negated: bool,
    pub(crate) resource: Element,
    pub(crate) principal: Element,
}

/// What names a compiled statement, beside it: its `Sid` and span (for explanations and
/// [`CompiledPolicySet::statement`](crate::CompiledPolicySet::statement); a decision never
/// reads them, so they stay out of the lines it reads).
#[derive(Clone, Debug)]
pub(crate) struct Label {
    pub(crate) sid: Option<Box<str>>,
    pub(crate) span: Span,
}

impl CompiledStatement {
    /// A statement no group refers to (no action, resource or principal: it matches nothing):
    /// fills an unused slot of a fixed-size array of statements (a document held inside a
    /// store entry). Allocates nothing.
    pub(crate) fn unused() -> Self {
        Self {
            actions: Items::Many(ThinVec::new()),
            resources: Items::Many(ThinVec::new()),
            targets: Items::Many(ThinVec::new()),
            conditions: (0, 0),
            at: StatementRef::EMPTY,
            effect: Effect::Deny,
            action_negated: false,
            resource: Element::Listed,
            principal: Element::Listed,
        }
    }

    /// A word read from every field a decision reads (a statement spans more than one cache
    /// line), so that `Part::touch` fetches all its lines ahead.
    #[inline(always)]
    pub(crate) fn ahead(&self) -> u64 {
        let action = u64::from(matches!(self.actions, Items::One(CompiledAction::Any)));
        let resource = u64::from(self.resource == Element::Absent);
        let principal = u64::from(self.principal == Element::Absent);
        let effect = u64::from(self.effect == Effect::Allow);
        u64::from(self.conditions.0)
            ^ (action << 1)
            ^ (resource << 2)
            ^ (principal << 3)
            ^ (effect << 4)
    }
}

/// A key of a group's action index and its candidate list.
#[derive(Clone, Debug)]
pub(crate) struct Keyed {
    hash: u64,
    /// Interned.
    name: Text,
    /// The candidate list: a range of [`Group::lists`].
    start: u32,
    end: u32,
}

/// The entry of `table` (sorted by hash) for `name`, whose hash is `hash`.
#[inline(always)]
fn find<'k>(table: &'k [Keyed], hash: u64, name: &[u8]) -> Option<&'k Keyed> {
    if table.len() <= 8 {
        return table
            .iter()
            .find(|k| k.hash == hash && same_bytes(k.name.as_bytes(), name));
    }
    let from = table.partition_point(|k| k.hash < hash);
    table
        .get(from..)?
        .iter()
        .take_while(|k| k.hash == hash)
        .find(|k| same_bytes(k.name.as_bytes(), name))
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
    /// The candidates of any action the index does not name: a range of the index's lists,
    /// or of the shared [`EVERY`] list when there is no index.
    other: (u32, u32),
    /// The action index; `None` when every statement of the group is a candidate of every
    /// action and the group's ids are below [`SHARED_IDS`] (a small resource policy): boxed,
    /// so that such a group stays small.
    index: Option<Box<GroupIndex>>,
}

/// A group's action index.
#[derive(Clone, Debug)]
struct GroupIndex {
    /// Exactly named actions (`service:name`, lower-cased), sorted by hash.
    actions: Box<[Keyed]>,
    /// Services with wildcard action patterns, sorted by hash.
    services: Box<[Keyed]>,
    /// Candidate lists, concatenated; entries as described at [`TEST_ACTION`].
    lists: Box<[u32]>,
}

/// Statement ids below this have their "test the action" candidate entry in [`EVERY`].
const SHARED_IDS: usize = 64;

/// `EVERY[i]` is the candidate entry of statement `i` with its action to be tested: the
/// list of a group whose every statement is a candidate of every action (a small group, or
/// one of `"*"` and `NotAction` statements) is a range of it, shared, instead of a list of
/// its own.
static EVERY: [u32; SHARED_IDS] = {
    let mut all = [0; SHARED_IDS];
    let mut i = 0;
    while i < SHARED_IDS {
        // INVARIANT: `i < SHARED_IDS`: in bounds, and the shift and cast cannot overflow.
        #[expect(
            clippy::cast_possible_truncation,
            clippy::indexing_slicing,
            reason = "i < SHARED_IDS = 64 (a constant initializer: no `get_mut` here)"
        )]
        {
            all[i] = ((i as u32) << 1) | TEST_ACTION;
        }
        i += 1;
    }
    all
};

/// The report order of the group of `kind` at `level`.
const fn group_order(kind: PolicyKind, level: u16) -> u32 {
    (kind as u32) << 16 | level as u32
}

/// The group [`build_group`] makes for the `n` statements (at most [`UNINDEXED`]) of a set
/// that holds one group, of `kind` at level 0: no index, every statement a candidate.
const fn small_group(kind: PolicyKind, n: u32) -> Group {
    Group {
        kind,
        level: 0,
        order: group_order(kind, 0),
        start: 0,
        end: n,
        other: (0, n),
        index: None,
    }
}

/// The small groups of every kind (indexed by the kind's number, in `PolicyKind::ALL` order)
/// and statement count, shared by the documents held inside store entries instead of each
/// holding its own ([`Group::small`]).
static SMALL_GROUPS: [[Group; UNINDEXED + 1]; PolicyKind::ALL.len()] = {
    const fn row(kind: PolicyKind) -> [Group; UNINDEXED + 1] {
        [
            small_group(kind, 0),
            small_group(kind, 1),
            small_group(kind, 2),
        ]
    }
    [
        row(PolicyKind::Identity),
        row(PolicyKind::Resource),
        row(PolicyKind::PermissionsBoundary),
        row(PolicyKind::Session),
        row(PolicyKind::Scp),
        row(PolicyKind::Rcp),
    ]
};

impl Group {
    /// The shared group of a set that holds `n` statements (at most two) of `kind` in one
    /// group at level 0: equal to the group such a set compiles to ([`Self::is_small`]).
    pub(crate) fn small(kind: PolicyKind, n: usize) -> Option<&'static Self> {
        SMALL_GROUPS.get(kind as usize)?.get(n)
    }

    /// Whether the group is the shared one of its kind and statement count ([`Self::small`]).
    pub(crate) fn is_small(&self) -> bool {
        Self::small(self.kind, self.end as usize).is_some_and(|g| {
            (g.kind, g.level, g.order, g.start, g.end, g.other)
                == (
                    self.kind, self.level, self.order, self.start, self.end, self.other,
                )
                && self.index.is_none()
        })
    }

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
        let Some(index) = &self.index else {
            let (start, end) = self.other;
            return EVERY.get(start as usize..end as usize).unwrap_or_default();
        };
        let (start, end) = find(&index.actions, action_hash, action)
            .or_else(|| find(&index.services, service_hash, service))
            .map_or(self.other, |k| (k.start, k.end));
        let lists = &index.lists;
        lists.get(start as usize..end as usize).unwrap_or_default()
    }
}

/// An action a statement names in a group: exactly (`name`) or by a wildcard pattern in the
/// service (`name == None`).
struct Named<'s> {
    service: &'s str,
    name: Option<&'s str>,
    id: u32,
}

/// Appends what statement `st` (id `id`) names to `named`; false when any service can reach
/// it (`NotAction`, `*`).
fn names<'s>(st: &'s CompiledStatement, id: u32, named: &mut Vec<Named<'s>>) -> bool {
    if st.action_negated {
        return false;
    }
    let before = named.len();
    for action in st.actions.iter() {
        let entry = match action {
            CompiledAction::Named(text) => text.split_once(':').map(|(service, name)| Named {
                service,
                name: Some(name),
                id,
            }),
            CompiledAction::Service(service) => Some(Named {
                service,
                name: None,
                id,
            }),
            CompiledAction::Pattern(pattern) if !pattern.0.contains(['*', '?']) => Some(Named {
                service: &pattern.0,
                name: None,
                id,
            }),
            _ => None,
        };
        match entry {
            Some(entry) => named.push(entry),
            None => {
                named.truncate(before);
                return false;
            }
        }
    }
    true
}

/// Appends to `lists` the ids of `untested` (named exactly: no action test) and of `tested`,
/// ascending, each id once (untested wins); returns the new list's range.
fn push_list(
    lists: &mut Vec<u32>,
    untested: impl Iterator<Item = u32>,
    tested: &[&[u32]],
) -> (u32, u32) {
    let from = lists.len();
    lists.extend(untested.map(|id| id << 1));
    for ids in tested {
        lists.extend(ids.iter().map(|id| (id << 1) | TEST_ACTION));
    }
    // The sort puts an untested entry before the tested one of the same id; the dedup keeps
    // the first.
    if let Some(list) = lists.get_mut(from..) {
        list.sort_unstable();
    }
    let mut kept = from;
    for i in from..lists.len() {
        let entry = lists.get(i).copied().unwrap_or_default();
        let repeat = kept > from && lists.get(kept - 1).is_some_and(|&p| p >> 1 == entry >> 1);
        if !repeat {
            if let Some(slot) = lists.get_mut(kept) {
                *slot = entry;
            }
            kept += 1;
        }
    }
    lists.truncate(kept);
    (to_u32(from), to_u32(lists.len()))
}

/// Groups of at most this many statements have no action index ([`build_group`]).
const UNINDEXED: usize = 2;

/// The intern table's hasher: the store's keyed hash of the text ([`arn_hash`]: seeded
/// per process, so that whoever writes policies cannot choose colliding texts; one pass of
/// 16-byte multiply-folds, where the standard SipHash took about a fifth of an interned
/// text's cost on the store's update path).
#[derive(Default)]
struct TextHasher(u64);

impl Hasher for TextHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        self.0 = self.0.rotate_left(5) ^ arn_hash(bytes);
    }

    fn write_u8(&mut self, byte: u8) {
        // `str` hashes its bytes, then 0xFF.
        self.0 = self.0.rotate_left(5) ^ u64::from(byte);
    }
}

/// The table behind [`intern`]: the texts, how many were in use when it last dropped the
/// unused ones, and a buffer in which [`intern_joined`] joins its pieces.
struct Interner {
    table: HashSet<Text, BuildHasherDefault<TextHasher>>,
    live: usize,
    joined: String,
    /// The conditions' heads ([`head`]), kept and dropped as the texts are.
    heads: HashSet<Arc<CondHead>, BuildHasherDefault<TextHasher>>,
    live_heads: usize,
}

/// Longest joined text whose buffer the table keeps between calls.
const JOINED_KEPT: usize = 1024;

impl Interner {
    /// The interned copy of `text` (see [`intern`]).
    fn get(&mut self, text: &str) -> Text {
        if let Some(found) = self.table.get(text) {
            return found.clone();
        }
        if self.table.len() >= 1024 && self.table.len() >= 2 * self.live {
            // Held by the table only: no compiled policy uses it, and none can obtain it but
            // through the table (under this lock).
            // (A static text, which counts no references, is kept.)
            self.table.retain(|t| Text::strong_count(t) != Some(1));
            self.live = self.table.len();
        }
        let text = Text::from(text);
        self.table.insert(text.clone());
        text
    }
}

/// Runs `f` on the intern table (under its lock).
fn with_interner<R>(f: impl FnOnce(&mut Interner) -> R) -> R {
    static TABLE: Mutex<Option<Interner>> = Mutex::new(None);
    // A panic while the table was held left it consistent (every change is one insert, one
    // retain or a rewrite of the join buffer).
    let mut guard = TABLE.lock().unwrap_or_else(PoisonError::into_inner);
    let interner = guard.get_or_insert_with(|| Interner {
        table: HashSet::default(),
        live: 0,
        joined: String::new(),
        heads: HashSet::default(),
        live_heads: 0,
    });
    f(interner)
}

/// The interned copy of `text`: compiled policies share one copy of every text they repeat
/// (services, condition keys, principals, literal values), so that a store of many documents
/// that differ in a few texts keeps each common text once. The table keeps only texts some
/// compiled policy still holds: it drops the others whenever it has doubled since it last
/// did, so it stays within twice the texts in use.
pub(crate) fn intern(text: &str) -> Text {
    with_interner(|interner| interner.get(text))
}

/// The shared copy of a condition's head ([`CondHead`]), kept as [`intern`] keeps texts.
fn head(head: CondHead) -> Arc<CondHead> {
    with_interner(|interner| {
        if let Some(found) = interner.heads.get(&head) {
            return Arc::clone(found);
        }
        if interner.heads.len() >= 1024 && interner.heads.len() >= 2 * interner.live_heads {
            // Held by the table only: no compiled condition uses it.
            interner.heads.retain(|h| Arc::strong_count(h) > 1);
            interner.live_heads = interner.heads.len();
        }
        let head = Arc::new(head);
        interner.heads.insert(Arc::clone(&head));
        head
    })
}

/// The interned copy of the concatenation of `pieces`, joined in the table's own buffer (no
/// allocation once it has grown, and no UTF-8 check of the joined bytes).
fn intern_joined(pieces: &[&str]) -> Text {
    with_interner(|interner| {
        let mut joined = std::mem::take(&mut interner.joined);
        joined.clear();
        for piece in pieces {
            joined.push_str(piece);
        }
        let text = interner.get(&joined);
        if joined.capacity() <= JOINED_KEPT {
            interner.joined = joined;
        }
        text
    })
}

/// Builds the action index of the group of `statements` (ids from `start`).
pub(super) fn build_group(
    kind: PolicyKind,
    level: u16,
    start: u32,
    statements: &[CompiledStatement],
) -> Group {
    let end = start + to_u32(statements.len());
    if statements.len() <= UNINDEXED && end as usize <= SHARED_IDS {
        // A small group (a secret's resource policy): every statement is a candidate of every
        // action, a range of the shared list; nothing to build (what the general path below
        // concludes for such a group, without its temporary lists).
        return Group {
            kind,
            level,
            order: group_order(kind, level),
            start,
            end,
            other: (start, end),
            index: None,
        };
    }
    let mut named = Vec::new();
    let mut any = Vec::new();
    for (id, st) in (start..).zip(statements) {
        // A small group gets no index: every action reaches every statement (each tests its
        // action), which costs less than finding an index entry and keeps the compiled form
        // small (a secret's resource policy has one or two statements).
        if statements.len() <= UNINDEXED || !names(st, id, &mut named) {
            any.push(id);
        }
    }
    // By service, each service's wildcard entries (`None`) first, then by name.
    named.sort_unstable_by(|a, b| (a.service, a.name, a.id).cmp(&(b.service, b.name, b.id)));
    let mut lists: Vec<u32> = Vec::new();
    let mut actions = Vec::new();
    let mut services = Vec::new();
    let mut rest = named.as_slice();
    while let Some(first) = rest.first() {
        let service = first.service;
        let end = rest
            .iter()
            .position(|n| n.service != service)
            .unwrap_or(rest.len());
        let (of_service, after) = rest.split_at(end);
        rest = after;
        let wild_end = of_service
            .iter()
            .position(|n| n.name.is_some())
            .unwrap_or(of_service.len());
        let (wild, mut exact) = of_service.split_at(wild_end);
        let mut wild: Vec<u32> = wild.iter().map(|n| n.id).collect();
        wild.dedup();
        while let Some(head) = exact.first() {
            let name = head.name.unwrap_or_default();
            let end = exact
                .iter()
                .position(|n| n.name != head.name)
                .unwrap_or(exact.len());
            let (same, after) = exact.split_at(end);
            exact = after;
            let (s, e) = push_list(&mut lists, same.iter().map(|n| n.id), &[&wild, &any]);
            let mut key = String::with_capacity(service.len() + 1 + name.len());
            key.push_str(service);
            key.push(':');
            key.push_str(name);
            actions.push(Keyed {
                hash: text_hash(&key),
                name: intern(&key),
                start: s,
                end: e,
            });
        }
        if !wild.is_empty() {
            let (s, e) = push_list(&mut lists, std::iter::empty(), &[&wild, &any]);
            services.push(Keyed {
                hash: text_hash(service),
                name: intern(service),
                start: s,
                end: e,
            });
        }
    }
    let every = actions.is_empty() && services.is_empty() && any.len() == statements.len();
    let (other, index) = if every && end as usize <= SHARED_IDS {
        // `any` is `start..end`, in order: a range of the shared list.
        ((start, end), None)
    } else {
        let other = push_list(&mut lists, std::iter::empty(), &[&any]);
        actions.sort_unstable_by_key(|k| k.hash);
        services.sort_unstable_by_key(|k| k.hash);
        let index = GroupIndex {
            actions: actions.into_boxed_slice(),
            services: services.into_boxed_slice(),
            lists: lists.into_boxed_slice(),
        };
        (other, Some(Box::new(index)))
    };
    Group {
        kind,
        level,
        order: group_order(kind, level),
        start,
        end,
        other,
        index,
    }
}

/// Compiles statement `st` (at `at`) and its label; its conditions are appended to
/// `conditions`.
pub(super) fn compile_statement(
    at: StatementRef,
    st: &Statement,
    conditions: &mut SmallVec<[CompiledCondition; INLINE_CONDITIONS]>,
) -> (CompiledStatement, Label) {
    let actions = st
        .action
        .value
        .patterns
        .items
        .iter()
        .map(|p| compile_action(&p.value))
        .collect();
    let resource = st.resource.as_ref().map(|r| {
        let patterns = &r.value.patterns.items;
        (
            r.value.negated,
            patterns
                .iter()
                .map(|p| compile_resource(&p.value))
                .collect(),
        )
    });
    let principal = st
        .principal
        .as_ref()
        .map(|p| (p.value.negated, compile_principals(&p.value.principals)));
    let from = to_u32(conditions.len());
    conditions.extend(st.conditions.iter().map(compile_condition));
    let statement = assemble(
        at,
        st.effect.value,
        (st.action.value.negated, actions),
        resource,
        principal,
        (from, to_u32(conditions.len())),
    );
    let label = Label {
        sid: st.sid.as_ref().map(|s| s.value.as_str().into()),
        span: st.span,
    };
    (statement, label)
}

/// The compiled statement of these compiled elements: each of `resource` and `principal` is
/// absent or `(negated, items)`.
fn assemble(
    at: StatementRef,
    effect: Effect,
    (action_negated, actions): (bool, Items<CompiledAction>),
    resource: Option<(bool, Items<CompiledResource>)>,
    principal: Option<(bool, Items<Target>)>,
    conditions: (u32, u32),
) -> CompiledStatement {
    let (resource, resources) = match resource {
        Some((negated, items)) => (Element::of(true, negated), items),
        None => (Element::Absent, Items::Many(ThinVec::new())),
    };
    let (principal, targets) = match principal {
        Some((negated, items)) => (Element::of(true, negated), items),
        None => (Element::Absent, Items::Many(ThinVec::new())),
    };
    CompiledStatement {
        at,
        effect,
        action_negated,
        actions,
        resources,
        targets,
        resource,
        principal,
        conditions,
    }
}

/// Compiles the statements of one policy straight from its validated elements as lowering
/// hands them over ([`lower`]: no [`Policy`](crate::Policy) is built), appending them, their
/// labels and their conditions to lists (`Lists`, in `engine/mod.rs`); the same compiled form
/// as [`compile_statement`] gives for the parsed policy, element by element through the same
/// functions.
pub(super) struct Compiler<'l> {
    /// Where the policy sits (its statements are numbered from 0).
    pub(super) at: StatementRef,
    /// Where the policy's statements start in `statements`.
    pub(super) first: usize,
    pub(super) statements: &'l mut SmallVec<[CompiledStatement; INLINE_STATEMENTS]>,
    pub(super) labels: &'l mut SmallVec<[Label; INLINE_STATEMENTS]>,
    pub(super) conditions: &'l mut SmallVec<[CompiledCondition; INLINE_CONDITIONS]>,
}

impl<'t> Sink<'t> for Compiler<'_> {
    type Action = CompiledAction;
    type Resource = CompiledResource;
    type Principal = Target;
    type Principals = SmallVec<[Target; 1]>;
    type Value = (Raw<'t>, TypedValue);
    /// Where the statement's conditions start in the list.
    type Conditions = u32;

    fn reserve(&mut self, count: usize) {
        self.statements.reserve(count);
        self.labels.reserve(count);
    }

    fn action(&mut self, pattern: ActionPattern) -> CompiledAction {
        compile_action(&pattern)
    }

    fn resource(&mut self, pattern: ArnPattern) -> CompiledResource {
        compile_resource(&pattern)
    }

    fn principal(&mut self, kind: PrincipalKind, value: PrincipalValue) -> Target {
        compile_target(kind, &value)
    }

    fn any_principal(&mut self) -> SmallVec<[Target; 1]> {
        smallvec::smallvec![Target::Any]
    }

    fn principal_map(&mut self, _: usize) -> SmallVec<[Target; 1]> {
        SmallVec::new()
    }

    fn principal_entry(
        &mut self,
        principals: &mut SmallVec<[Target; 1]>,
        _: Spanned<PrincipalKind>,
        values: OneOrMany<Target>,
    ) {
        principals.extend(values.items.into_iter().map(|v| v.value));
    }

    fn value(&mut self, raw: Raw<'t>, typed: TypedValue) -> (Raw<'t>, TypedValue) {
        (raw, typed)
    }

    fn conditions(&mut self, _: usize) -> u32 {
        to_u32(self.conditions.len())
    }

    fn condition(
        &mut self,
        _: &mut u32,
        operator: Spanned<Operator>,
        key: Spanned<&'t str>,
        values: OneOrMany<(Raw<'t>, TypedValue)>,
    ) {
        self.conditions
            .push(compile_condition_parts(operator, &key, values));
    }

    fn statement(&mut self, parts: Parts<'t, Self>) {
        let mut at = self.at;
        at.statement = to_u32(self.statements.len().saturating_sub(self.first));
        fn items<T>(e: Lowered<OneOrMany<T>>) -> (bool, Items<T>) {
            (
                e.negated,
                e.items.items.into_iter().map(|i| i.value).collect(),
            )
        }
        let statement = assemble(
            at,
            parts.effect.value,
            items(parts.action),
            parts.resource.map(items),
            parts
                .principal
                .map(|p| (p.negated, p.items.into_iter().collect())),
            (parts.conditions, to_u32(self.conditions.len())),
        );
        self.statements.push(statement);
        self.labels.push(Label {
            sid: parts.sid.map(|s| s.value.into()),
            span: parts.span,
        });
    }

    fn document(&mut self, _: Head<'t>) {}
}

/// Classifies an action pattern.
fn compile_action(p: &ActionPattern) -> CompiledAction {
    let (Some(service), Some(name)) = (p.service(), p.name()) else {
        return CompiledAction::Any;
    };
    if p.is_any() {
        return CompiledAction::Any;
    }
    match name.strategy() {
        MatchStrategy::Exact => {
            CompiledAction::Named(intern_joined(&[service, ":", name.as_str()]))
        }
        MatchStrategy::Any => CompiledAction::Service(intern(service)),
        _ => CompiledAction::Pattern(Box::new((intern(service), BytePattern::new(name)))),
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
    let general = || CompiledResource::Pattern(Box::new(p.clone()));
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
        MatchStrategy::Exact => CompiledResource::Exact(Text::from(raw)),
        MatchStrategy::Prefix => CompiledResource::Prefix(Text::from(raw.trim_end_matches('*'))),
        _ => CompiledResource::Head(Box::new((head.into(), BytePattern::new(&wildcard)))),
    }
}

/// Compiles one condition entry from its parts as lowering hands them over: the common
/// shapes straight from the typed values; the others (indexed, general) through the entry,
/// built for them only.
fn compile_condition_parts(
    operator: Spanned<Operator>,
    key: &Spanned<&str>,
    values: OneOrMany<(Raw<'_>, TypedValue)>,
) -> CompiledCondition {
    let op = operator.value;
    // Lists shorter than `INDEX_FROM` are never indexed: the test is then the common shape's
    // if it has one (what `compile_value_test` concludes).
    let fast = if values.items.len() < INDEX_FROM {
        compile_test(op, values.items.iter().map(|v| &v.value.1))
    } else {
        None
    };
    let Some(test) = fast else {
        let values = OneOrMany {
            items: values
                .items
                .into_iter()
                .map(|v| Spanned::new(v.value.0.value(v.value.1), v.span))
                .collect(),
            is_list: values.is_list,
        };
        return compile_condition(&ConditionEntry::new(operator, key, values));
    };
    let keys = with_interner(|interner| {
        let mut joined = std::mem::take(&mut interner.joined);
        joined.clear();
        joined.push_str(key.value);
        joined.make_ascii_lowercase();
        joined.push_str(key.value);
        let text = interner.get(&joined);
        if joined.capacity() <= JOINED_KEPT {
            interner.joined = joined;
        }
        text
    });
    let split = key.value.len();
    CompiledCondition {
        head: head(CondHead {
            key_hash: text_hash(keys.get(..split).unwrap_or_default()),
            keys,
            split: to_u32(split),
            operator: op,
            ignore_case: string::ignores_case(op.base),
        }),
        test,
    }
}

/// Compiles one condition entry (module docs).
fn compile_condition(entry: &ConditionEntry) -> CompiledCondition {
    CompiledCondition {
        head: head(CondHead {
            key_hash: text_hash(&entry.key_lower),
            keys: intern_joined(&[&entry.key_lower, &entry.key.value]),
            split: to_u32(entry.key_lower.len()),
            operator: entry.operator.value,
            ignore_case: string::ignores_case(entry.operator.value.base),
        }),
        test: compile_value_test(entry),
    }
}

/// The test of an entry: a compiled fast path for the common shapes, an index for long value
/// lists (`engine/index.rs`; it beats a String fast path's pass over the list, while the IP
/// and Bool fast paths already answer in one search or test), else the general evaluator.
fn compile_value_test(entry: &ConditionEntry) -> CondTest {
    let indexed = || {
        ValueIndex::build(entry).map(|index| CondTest::Indexed(Box::new((entry.clone(), index))))
    };
    let typed = || entry.values.items.iter().map(|item| &item.value.typed);
    let operator = entry.operator.value;
    let test = match operator.base.family() {
        OperatorFamily::Ip | OperatorFamily::Bool => {
            compile_test(operator, typed()).or_else(indexed)
        }
        _ => indexed().or_else(|| compile_test(operator, typed())),
    };
    test.unwrap_or_else(|| CondTest::General(Box::new(entry.clone())))
}

/// The compiled test of an entry with a common shape (its operator, its typed values);
/// `None` for the general evaluator.
fn compile_test<'v>(
    operator: Operator,
    items: impl ExactSizeIterator<Item = &'v TypedValue>,
) -> Option<CondTest> {
    if operator.qualifier.is_some() {
        return None;
    }
    let base = operator.base;
    match base.family() {
        // Collected straight into `Items` (one value: no list allocated).
        OperatorFamily::String => items
            .map(|typed| match typed {
                TypedValue::String(template) => Some(compile_string(template)),
                _ => None,
            })
            .collect::<Option<Items<_>>>()
            .map(CondTest::Strings),
        OperatorFamily::Bool => {
            let mut accept = 0;
            for typed in items {
                let TypedValue::Bool(b) = *typed else {
                    return None;
                };
                accept |= boolean::bit(b);
            }
            Some(CondTest::Bools { accept })
        }
        OperatorFamily::Ip => {
            let mut blocks = Vec::with_capacity(items.len());
            for typed in items {
                let TypedValue::Ip(net) = typed else {
                    return None;
                };
                blocks.push(net);
            }
            Some(CondTest::Ips(Box::new(IpSet::new(blocks))))
        }
        _ => None,
    }
}

/// Compiles one String-operator value.
fn compile_string(template: &Template) -> StrValue {
    if let Some(text) = template.literal_text() {
        return StrValue::Lit(intern(text));
    }
    let mut infos = template.variable_infos();
    if let (Some(var), None) = (infos.next(), infos.next())
        && var.span == (0..template.as_str().len())
    {
        return StrValue::Var(Box::new(VarValue {
            hash: text_hash(var.key),
            key: intern(var.key),
            default: var.default.map(Into::into),
        }));
    }
    StrValue::Template(Box::new(template.clone()))
}

fn compile_principals(principals: &Principals) -> Items<Target> {
    match principals {
        Principals::Any => Items::One(Target::Any),
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
        (PrincipalKind::Aws, PrincipalValue::Account(id)) => Target::Account(intern(id)),
        (PrincipalKind::Aws, PrincipalValue::Arn(arn)) => compile_arn_target(arn.as_str()),
        (PrincipalKind::Aws, PrincipalValue::Name(name)) => {
            if name.len() == 12 && name.bytes().all(|b| b.is_ascii_digit()) {
                Target::Account(intern(name))
            } else {
                compile_arn_target(name)
            }
        }
        (PrincipalKind::Service, PrincipalValue::Name(name)) => Target::Service(intern(name)),
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
        "iam" if rest == "root" && !account.is_empty() => Target::AccountArn(intern(text)),
        "iam" if rest.starts_with("user/") => Target::User(intern(text)),
        "iam" => match rest.strip_prefix("role/") {
            Some(path_name) => match path_name.rsplit('/').next() {
                Some(name) if !name.is_empty() => {
                    let partition = parts.partition(text);
                    let arn = ["arn:", partition, ":iam::", account, ":role/", name];
                    Target::Role {
                        arn: intern_joined(&arn),
                    }
                }
                _ => Target::Other,
            },
            None => Target::Other,
        },
        "sts" if rest.starts_with("assumed-role/") => Target::Session(intern(text)),
        "sts" if rest.starts_with("federated-user/") => Target::FederatedUser(intern(text)),
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
            matches!(resource("arn:aws:s3:::*"), CompiledResource::Head(h) if matches!(&*h, (head, BytePattern::Any) if &**head == "arn:aws:s3::"))
        );
        assert!(matches!(
            resource(&format!("{prefix}*-AbCdEf")),
            CompiledResource::Head(h) if matches!(h.1, BytePattern::General(_))
        ));
        assert!(matches!(
            resource("arn:aws:s3:::*.txt"),
            CompiledResource::Head(h) if matches!(h.1, BytePattern::Suffix(_))
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

    /// The sizes the store's inline entries are built on (`engine/store.rs`): a typical
    /// resource policy's two statements and two conditions fit in a few cache lines, with a
    /// String condition's one value held in the condition.
    #[test]
    fn compiled_items_stay_small() {
        use std::mem::size_of;
        assert_eq!(size_of::<Text>(), 8);
        assert_eq!(size_of::<Items<CompiledAction>>(), 16);
        assert_eq!(size_of::<Items<CompiledResource>>(), 16);
        assert_eq!(size_of::<Items<Target>>(), 16);
        assert!(size_of::<StrValue>() <= 16);
        assert!(size_of::<CompiledCondition>() <= 24);
        assert!(size_of::<CompiledStatement>() <= 72);
        assert!(size_of::<Group>() <= 32);
    }

    /// The shared group of a small one-group set is the group such a set compiles to.
    #[test]
    fn a_small_set_compiles_to_its_shared_group() {
        for kind in PolicyKind::ALL {
            for n in 0..=UNINDEXED {
                let built = build_group(kind, 0, 0, &vec![CompiledStatement::unused(); n]);
                assert!(built.is_small(), "{kind:?} {n}");
                let shared = Group::small(kind, n).unwrap();
                assert_eq!(
                    (shared.kind, shared.order, shared.end, shared.other),
                    (built.kind, built.order, built.end, built.other)
                );
            }
        }
        // A level other than 0, or ids from elsewhere than 0, is not the shared group.
        let unused = [CompiledStatement::unused()];
        assert!(!build_group(PolicyKind::Scp, 1, 0, &unused).is_small());
        assert!(!build_group(PolicyKind::Resource, 0, 1, &unused).is_small());
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
