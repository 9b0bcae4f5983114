//! The store under concurrent reads and updates: a stress test that checks every decision
//! against the policy versions that could have been in force, a model test of updates
//! (sequences of sets and removals against a plain map of texts), and the counting-allocator
//! test on the concurrent read path.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use iam_policy::{
    ContextValue, Decision, PolicyKind, PolicySet, PolicyType, Request, parse_policy,
};
use iam_policy::{PolicyStore, PreparedRequest, SessionPolicy};

const GET: &str = "secretsmanager:GetSecretValue";
const OWNER: &str = "111122223333";
const CALLER_ACCOUNT: &str = "444455556666";

fn secret(i: usize) -> String {
    format!("arn:aws:secretsmanager:us-east-1:{OWNER}:secret:s{i}-AbCdEf")
}

fn role(i: usize) -> String {
    format!("arn:aws:iam::{CALLER_ACCOUNT}:role/r{i}")
}

fn session(i: usize) -> String {
    format!("arn:aws:sts::{CALLER_ACCOUNT}:assumed-role/r{i}/s")
}

/// Versions are told apart by the index of the statement that allows: version `v` has
/// `v % SPAN` statements that never apply before the one that does.
const SPAN: u64 = 24;

/// A policy of version `version`: `filler` statements that name another action, then an
/// Allow of `GetSecretValue` (with `principal` for a resource policy).
fn versioned(version: u64, principal: Option<&str>) -> String {
    let principal = principal.map_or(String::new(), |p| {
        format!(r#","Principal":{{"AWS":"{p}"}}"#)
    });
    let mut statements: Vec<String> = (0..version % SPAN)
        .map(|i| {
            format!(
                r#"{{"Sid":"F{i}","Effect":"Allow"{principal},"Action":"s3:GetObject","Resource":"*"}}"#
            )
        })
        .collect();
    statements.push(format!(
        r#"{{"Sid":"V{version}","Effect":"Allow"{principal},"Action":"{GET}","Resource":"*"}}"#
    ));
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn request(caller: usize, target: usize) -> PreparedRequest {
    PreparedRequest::new(
        Request::builder()
            .principal(&session(caller))
            .action(GET)
            .resource(&secret(target))
            .context_value("aws:SecureTransport", ContextValue::bool(true))
            .build()
            .unwrap(),
    )
}

/// Per entity: the last version whose update has returned, and the last one started.
struct Versions {
    done: Vec<AtomicU64>,
    started: Vec<AtomicU64>,
}

impl Versions {
    fn new(n: usize) -> Self {
        Self {
            done: (0..n).map(|_| AtomicU64::new(0)).collect(),
            started: (0..n).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

/// Whether `seen` (a statement index) is the index of a version in `lo..=hi`.
fn possible(seen: u64, lo: u64, hi: u64) -> bool {
    hi - lo + 1 >= SPAN || (lo..=hi).any(|v| v % SPAN == seen)
}

/// Writer threads replace principals' policies (identity and boundary together, both of one
/// version) and secrets' policies while reader threads decide. Every decision must be an
/// Allow whose reasons name, for the principal's identity policy and boundary, statements of
/// one and the same version, and for the secret a version between the last one whose update
/// had returned when the decision started and the last one started when it ended.
#[test]
fn store_stress_readers_see_whole_versions_in_force() {
    const PRINCIPALS: usize = 4;
    const SECRETS: usize = 8;
    const UPDATES_PER_WRITER: u64 = 400;
    let store = PolicyStore::new();
    for i in 0..PRINCIPALS {
        store
            .set_principal_policies(&role(i), &[&versioned(0, None)], Some(&versioned(0, None)))
            .unwrap();
    }
    for i in 0..SECRETS {
        store
            .set_resource_policy(&secret(i), &versioned(0, Some(&role(i % PRINCIPALS))))
            .unwrap();
    }
    let principals = Versions::new(PRINCIPALS);
    let secrets = Versions::new(SECRETS);
    let writing = AtomicBool::new(true);
    let deadline = Instant::now() + Duration::from_secs(60);
    let checked = AtomicU64::new(0);
    std::thread::scope(|scope| {
        let writers = [
            scope.spawn(|| {
                for v in 1..=UPDATES_PER_WRITER {
                    let i = usize::try_from(v).unwrap() % PRINCIPALS;
                    principals.started[i].store(v, Ordering::SeqCst);
                    store
                        .set_principal_policies(
                            &role(i),
                            &[&versioned(v, None)],
                            Some(&versioned(v, None)),
                        )
                        .unwrap();
                    principals.done[i].store(v, Ordering::SeqCst);
                    if Instant::now() > deadline {
                        break;
                    }
                }
            }),
            scope.spawn(|| {
                for v in 1..=UPDATES_PER_WRITER {
                    let i = usize::try_from(v).unwrap() % SECRETS;
                    secrets.started[i].store(v, Ordering::SeqCst);
                    store
                        .set_resource_policy(&secret(i), &versioned(v, Some(&role(i % PRINCIPALS))))
                        .unwrap();
                    secrets.done[i].store(v, Ordering::SeqCst);
                    if Instant::now() > deadline {
                        break;
                    }
                }
            }),
        ];
        let readers: Vec<_> = (0..2)
            .map(|r| {
                let (store, principals, secrets, writing, checked) =
                    (&store, &principals, &secrets, &writing, &checked);
                scope.spawn(move || {
                    let requests: Vec<(usize, usize, PreparedRequest)> = (0..SECRETS)
                        .map(|s| (s % PRINCIPALS, s, request(s % PRINCIPALS, s)))
                        .collect();
                    let mut n = 0usize;
                    while writing.load(Ordering::SeqCst) || n < 100 {
                        let (p, s, req) = &requests[(n + r) % requests.len()];
                        n += 1;
                        let (p_lo, s_lo) = (
                            principals.done[*p].load(Ordering::SeqCst),
                            secrets.done[*s].load(Ordering::SeqCst),
                        );
                        let e = store.evaluate_prepared(req);
                        let (p_hi, s_hi) = (
                            principals.started[*p].load(Ordering::SeqCst),
                            secrets.started[*s].load(Ordering::SeqCst),
                        );
                        assert_eq!(e.decision(), Decision::Allow, "{e:?}");
                        let index = |kind: PolicyKind| {
                            let found: Vec<u32> = e
                                .reasons()
                                .filter(|r| r.kind == kind)
                                .map(|r| r.statement)
                                .collect();
                            assert_eq!(found.len(), 1, "{kind:?} in {e:?}");
                            u64::from(found[0])
                        };
                        let (identity, boundary, resource) = (
                            index(PolicyKind::Identity),
                            index(PolicyKind::PermissionsBoundary),
                            index(PolicyKind::Resource),
                        );
                        assert_eq!(identity, boundary, "a mix of two versions of a principal");
                        assert!(
                            possible(identity, p_lo, p_hi),
                            "principal version {identity} not in force ({p_lo}..={p_hi})"
                        );
                        assert!(
                            possible(resource, s_lo, s_hi),
                            "secret version {resource} not in force ({s_lo}..={s_hi})"
                        );
                    }
                    checked.fetch_add(n as u64, Ordering::SeqCst);
                })
            })
            .collect();
        for w in writers {
            w.join().unwrap();
        }
        writing.store(false, Ordering::SeqCst);
        for r in readers {
            r.join().unwrap();
        }
    });
    // The last versions are in force, and every replaced document was dropped.
    for (i, (p, s)) in [(0, 0), (1, 1), (2, 2), (3, 3)].into_iter().enumerate() {
        let _ = (p, s);
        let e = store.evaluate_prepared(&request(i, i));
        assert_eq!(e.decision(), Decision::Allow);
    }
    assert!(store.document_count() <= PRINCIPALS + SECRETS);
    assert!(checked.load(Ordering::SeqCst) >= 200);
}

/// The counting allocator on the read path while another thread replaces policies: the
/// reader's decisions allocate nothing (the counter is per thread).
#[test]
fn store_decisions_do_not_allocate_while_a_writer_updates() {
    const SECRETS: usize = 16;
    let store = PolicyStore::new();
    for i in 0..SECRETS {
        store
            .set_resource_policy(&secret(i), &versioned(0, Some(&role(0))))
            .unwrap();
    }
    store
        .set_principal_policies(&role(0), &[&versioned(0, None)], Some(&versioned(1, None)))
        .unwrap();
    store
        .set_service_control_policies(CALLER_ACCOUNT, &[&[&versioned(2, None)]])
        .unwrap();
    let requests: Vec<PreparedRequest> = (0..SECRETS).map(|s| request(0, s)).collect();
    let with_session =
        request(0, 1).with_session_policy(SessionPolicy::new(&[&versioned(3, None)]).unwrap());
    let writing = AtomicBool::new(true);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            let mut v = 1;
            while writing.load(Ordering::SeqCst) && v < 20_000 {
                store
                    .set_resource_policy(
                        &secret(usize::try_from(v).unwrap() % SECRETS),
                        &versioned(v, Some(&role(0))),
                    )
                    .unwrap();
                v += 1;
            }
        });
        // Warm up this thread's reader state (the map's per-thread slot), then count.
        for r in &requests {
            let _ = store.evaluate_prepared(r);
        }
        let _ = store.evaluate_prepared(&with_session);
        let mut allows = 0;
        let info = allocation_counter::measure(|| {
            for _ in 0..200 {
                for r in &requests {
                    allows += usize::from(store.evaluate_prepared(r).decision() == Decision::Allow);
                }
                allows += usize::from(
                    store.evaluate_prepared(&with_session).decision() == Decision::Allow,
                );
            }
        });
        writing.store(false, Ordering::SeqCst);
        assert_eq!(info.count_total, 0, "a decision allocated");
        assert_eq!(allows, 200 * (SECRETS + 1));
    });
}

// ---------------------------------------------------------------------------------------------
// Model test: sequences of updates against a map of texts

mod model {
    use super::*;
    use proptest::prelude::*;

    /// A few documents per kind; equal indexes give equal texts (shared documents).
    fn identity(i: usize) -> String {
        let actions = [
            "secretsmanager:GetSecretValue",
            "secretsmanager:*",
            "s3:GetObject",
        ];
        format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"{}","Resource":"*"}}}}"#,
            actions[i % actions.len()]
        )
    }

    fn resource(i: usize) -> String {
        let effects = ["Allow", "Deny", "Allow"];
        let principals = [CALLER_ACCOUNT, "*", OWNER];
        format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"{}","Principal":{{"AWS":"{}"}},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}}}"#,
            effects[i % 3],
            principals[(i / 3) % 3]
        )
    }

    fn org(i: usize, principal: bool) -> String {
        let p = if principal { r#","Principal":"*""# } else { "" };
        if i.is_multiple_of(2) {
            format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow"{p},"Action":"*","Resource":"*"}}}}"#
            )
        } else {
            format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Deny"{p},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}}}"#
            )
        }
    }

    #[derive(Clone, Debug)]
    enum Op {
        Principal(usize, Vec<usize>, Option<usize>),
        RemovePrincipal(usize),
        Resource(usize, usize),
        RemoveResource(usize),
        Scps(Vec<usize>),
        Rcps(Vec<usize>),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (
                0..3usize,
                prop::collection::vec(0..3usize, 0..3),
                prop::option::of(0..3usize)
            )
                .prop_map(|(p, ids, b)| Op::Principal(p, ids, b)),
            (0..3usize).prop_map(Op::RemovePrincipal),
            (0..3usize, 0..9usize).prop_map(|(s, d)| Op::Resource(s, d)),
            (0..3usize).prop_map(Op::RemoveResource),
            prop::collection::vec(0..2usize, 0..3).prop_map(Op::Scps),
            prop::collection::vec(0..2usize, 0..3).prop_map(Op::Rcps),
        ]
    }

    #[derive(Default)]
    struct Model {
        principals: HashMap<usize, (Vec<usize>, Option<usize>)>,
        resources: HashMap<usize, usize>,
        scps: Vec<usize>,
        rcps: Vec<usize>,
    }

    impl Model {
        /// The plain set a request from `caller` to `target` is decided over.
        fn set(&self, caller: usize, target: usize) -> PolicySet {
            let mut set = PolicySet::new();
            if let Some((ids, boundary)) = self.principals.get(&caller) {
                for &i in ids {
                    set.add(
                        PolicyKind::Identity,
                        parse_policy(&identity(i), PolicyType::Identity).unwrap(),
                    );
                }
                if let Some(b) = boundary {
                    set.add(
                        PolicyKind::PermissionsBoundary,
                        parse_policy(&identity(*b), PolicyType::PermissionsBoundary).unwrap(),
                    );
                }
            }
            if let Some(&d) = self.resources.get(&target) {
                set.add(
                    PolicyKind::Resource,
                    parse_policy(&resource(d), PolicyType::Resource).unwrap(),
                );
            }
            for &i in &self.scps {
                set.push_level(PolicyKind::Scp);
                set.add(
                    PolicyKind::Scp,
                    parse_policy(&org(i, false), PolicyType::Scp).unwrap(),
                );
            }
            for &i in &self.rcps {
                set.push_level(PolicyKind::Rcp);
                set.add(
                    PolicyKind::Rcp,
                    parse_policy(&org(i, true), PolicyType::Rcp).unwrap(),
                );
            }
            set
        }

        /// Distinct documents in use.
        fn documents(&self) -> usize {
            let mut docs = std::collections::HashSet::new();
            for (ids, b) in self.principals.values() {
                let texts: Vec<String> = ids.iter().map(|&i| identity(i)).collect();
                docs.insert(format!("p{texts:?}{:?}", b.map(identity)));
            }
            for &d in self.resources.values() {
                docs.insert(format!("r{}", resource(d)));
            }
            if !self.scps.is_empty() {
                docs.insert(format!("s{:?}", self.scps));
            }
            if !self.rcps.is_empty() {
                docs.insert(format!("c{:?}", self.rcps));
            }
            docs.len()
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// After every update, the store decides like the plain set built from the model,
        /// holds exactly the model's entries, and keeps one compiled copy per distinct
        /// document in use (none leaked, none dropped early).
        #[test]
        fn store_updates_follow_the_model(ops in prop::collection::vec(op(), 1..24)) {
            let store = PolicyStore::new();
            let mut model = Model::default();
            for op in &ops {
                match op {
                    Op::Principal(p, ids, b) => {
                        let texts: Vec<String> = ids.iter().map(|&i| identity(i)).collect();
                        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                        store.set_principal_policies(&role(*p), &refs, b.map(identity).as_deref()).unwrap();
                        model.principals.insert(*p, (ids.clone(), *b));
                    }
                    Op::RemovePrincipal(p) => {
                        prop_assert_eq!(store.remove_principal(&role(*p)), model.principals.remove(p).is_some());
                    }
                    Op::Resource(s, d) => {
                        store.set_resource_policy(&secret(*s), &resource(*d)).unwrap();
                        model.resources.insert(*s, *d);
                    }
                    Op::RemoveResource(s) => {
                        prop_assert_eq!(store.remove_resource_policy(&secret(*s)), model.resources.remove(s).is_some());
                    }
                    Op::Scps(levels) | Op::Rcps(levels) => {
                        let is_scp = matches!(op, Op::Scps(_));
                        let texts: Vec<[String; 1]> = levels.iter().map(|&i| [org(i, !is_scp)]).collect();
                        let refs: Vec<[&str; 1]> = texts.iter().map(|[t]| [t.as_str()]).collect();
                        let lv: Vec<&[&str]> = refs.iter().map(|l| &l[..]).collect();
                        if is_scp {
                            store.set_service_control_policies(CALLER_ACCOUNT, &lv).unwrap();
                            model.scps = levels.clone();
                        } else {
                            store.set_resource_control_policies(OWNER, &lv).unwrap();
                            model.rcps = levels.clone();
                        }
                    }
                }
                prop_assert_eq!(store.principal_count(), model.principals.len());
                prop_assert_eq!(store.resource_count(), model.resources.len());
                prop_assert_eq!(
                    store.account_counts(),
                    (usize::from(!model.scps.is_empty()), usize::from(!model.rcps.is_empty()))
                );
                prop_assert_eq!(store.document_count(), model.documents());
                for caller in 0..3 {
                    for target in 0..3 {
                        let req = request(caller, target);
                        let want = model.set(caller, target).compile().evaluate(req.request());
                        prop_assert_eq!(store.evaluate_prepared(&req), want);
                    }
                }
            }
        }
    }
}
