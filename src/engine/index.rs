//! Policy values indexed when a policy is compiled, so that testing a request value against a
//! long value list costs a search instead of a pass over the list. This bounds the set
//! operators (`ForAllValues:`, `ForAnyValue:`) and multi-valued keys: n request values against
//! m policy values cost O(n log m) rather than O(n × m).
//!
//! | operators | index | per request value |
//! | --- | --- | --- |
//! | `StringEquals`, `StringNotEquals` | sorted literal texts | binary search |
//! | `…IgnoreCase` | sorted ASCII-lower-cased texts of the ASCII values | binary search over the request text's lower-case mapping |
//! | `StringLike`, `StringNotLike` | sorted wildcard-free texts; the patterns with wildcards keyed by their literal prefix or suffix (the longer) | binary search, then the patterns whose key starts (ends) the text |
//! | `Numeric…`, `Date…` equality | sorted values | binary search |
//! | `Numeric…`, `Date…` order | the largest (`<`, `<=`) or smallest (`>`, `>=`) value | one comparison |
//! | `ArnEquals`, `ArnLike` and negations | the patterns keyed by the longest literal prefix of one of their six components (or suffix of the resource part) | the patterns whose key starts (ends) that component of the request ARN |
//! | `IpAddress`, `NotIpAddress` | sorted, merged address ranges per family ([`IpSet`]) | binary search |
//! | `BinaryEquals` | sorted canonical base64 texts | binary search |
//! | `Bool` | the set of accepted booleans | one test |
//!
//! A keyed pattern is found by narrowing a sorted range of keys one byte of the request text
//! at a time ([`Keyed`]); only the patterns whose key the text starts (or ends) with are tried,
//! with the one matcher of their family (`string::matches`, `arn::matches`).
//!
//! Plain `StringLike` patterns that share one key with [`SET_FROM`] − 1 or more others
//! (`*ab?cd*`, `*ab??cd*`, …: no key tells them apart) are matched together, once per request
//! text, by the wildcard module's [`WildcardSet`], which answers as trying each of them does.
//!
//! A value with a policy variable is keyed by its literal parts as the variables module reads
//! them (`Template::parts`: the fixed `${*}`, `${?}`, `${$}` are the characters they stand
//! for): the text before its first variable or wildcard, after its last, or between two. Two or
//! more values that begin with the same literal text and the same variable, `L${V}R_i`, form a
//! group (`lead::Leads`, keyed by `L`): `V` is resolved and `L` and its value are compared once
//! per request text, then the remainders `R_i` are matched as a value list of their own,
//! indexed in the same way (sorted, keyed, as a set, or grouped by their next variable).
//!
//! Under a set qualifier, the other String values with variables and no wildcard (a variable
//! of their own per value, `${aws:PrincipalTag/t1, 'v1'}`, `p-${aws:PrincipalTag/t2}`) are
//! resolved once per decision
//! (`resolved::Resolved`: each distinct variable resolved once, each value's resolved text
//! hashed from its pieces' hashes into a table that a request value looks its hash up in).
//!
//! What the index cannot hold is tested one by one, as before ([`ValueIndex::rest`]): values
//! with variables and wildcards but no literal part that are in no group (`${a}*`, `*${a}?`),
//! non-ASCII values of the `…IgnoreCase` operators, and patterns without any literal (`*`,
//! `*?*`). The
//! index gives exactly the answer of the plain pass (`any_value_matches` in
//! `engine/condition.rs`), which a property test checks on random entries. `Null` is not
//! indexed: it reads its policy values once per decision, not once per request value.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use memchr::memmem::Finder;

use super::condition::Request;
use crate::arn::{self, ArnPattern, ArnPatternMode};
use crate::condition::ops::ip::IpSet;
use crate::condition::ops::{self, arn as arn_ops, boolean, string};
use crate::condition::{BaseOperator, OperatorFamily, Truth, UnknownReason};
use crate::policy::{ConditionEntry, TypedValue};
use crate::value::{Decimal, Instant, base64_equals, encode_base64};
use crate::variables::{Part, Template};
use crate::wildcard::{Fits, Literals, Pinned, Placement, Present, WildcardSet, Window, each_byte};

mod lead;
mod resolved;
use lead::{Leads, TemplateList};
use resolved::Resolved;
pub(crate) use resolved::{Names, Scope};

/// Fewer policy values than this are tested one by one (an index does not pay off).
pub(crate) const INDEX_FROM: usize = 8;

/// Without a set qualifier, the templates resolved once per decision (`resolved::Resolved`)
/// are resolved so from this many on (fewer are tried one by one).
const RESOLVED_ALONE_FROM: usize = 64;

/// Where a value sits in its entry's value list.
type At = u32;

/// Policy values keyed by a literal text that a request text must start with for the value
/// to match (or end with: then the keys and the walk are reversed), sorted by key so that
/// the values whose key starts a text are found by narrowing a range one byte at a time:
/// O(k log m) for a text whose first k bytes start some key, whatever the number of values.
#[derive(Clone, Debug, Default)]
pub(crate) struct Keyed {
    keys: Box<[(Box<[u8]>, At)]>,
}

impl Keyed {
    fn new(mut keys: Vec<(Box<[u8]>, At)>) -> Self {
        keys.sort_unstable();
        Self {
            keys: keys.into_boxed_slice(),
        }
    }

    /// Whether `test` holds for some value whose key is a prefix of `text` (given byte by
    /// byte); stops at the first.
    fn any(&self, text: impl Iterator<Item = u8>, mut test: impl FnMut(At) -> bool) -> bool {
        let mut range: &[(Box<[u8]>, At)] = &self.keys;
        let mut depth = 0;
        let mut text = text;
        loop {
            // Every key in the range starts with the text's first `depth` bytes; those of
            // exactly `depth` bytes sort first.
            let whole = range.partition_point(|(key, _)| key.len() == depth);
            let (found, longer) = range.split_at(whole);
            if found.iter().any(|&(_, at)| test(at)) {
                return true;
            }
            range = longer;
            let Some(byte) = text.next().filter(|_| !range.is_empty()) else {
                return false;
            };
            let nth = |key: &[u8]| key.get(depth).copied().unwrap_or_default();
            let from = range.partition_point(|(key, _)| nth(key) < byte);
            let to = range.partition_point(|(key, _)| nth(key) <= byte);
            range = range.get(from..to).unwrap_or_default();
            depth += 1;
        }
    }
}

/// Patterns keyed by a literal text that occurs anywhere in every text they match: one pass
/// of an Aho-Corasick automaton over the request text finds the keys it holds, and only the
/// patterns of those keys are tried.
///
/// A plain wildcard pattern (`*K?x*`, `a*b?K*c`, `*K?x*y*`) is decided at its key's
/// occurrences ([`Pinned`]) rather than by a search of its own over the whole text: at each
/// position where keys end, the walk names the longest (the others are its chain of shorter
/// suffix keys), and the checks of the patterns pinned to any key of that chain are listed
/// with it when the index is built, those that read only what follows the key (`*K R*Q`) once
/// per distinct `R`, `Q`. So text holding keys at every position costs a few checks per
/// position, not a pass over the text per key found. The text around a pattern's pinned
/// segment (its frame: `B` and `Q` of `B*A K R*Q`) is matched once per text and frame, where
/// a check first needs it. The other patterns of a key (policy variables, sets) are tried
/// once per text, however often the key occurs ([`Literals::each_distinct`] when no pattern
/// is pinned: O(n) plus the keys found).
#[derive(Clone, Debug)]
struct Inner {
    keys: Literals,
    /// The patterns of each key tried once per text (by the caller's test), by key id.
    patterns: Box<[Box<[At]>]>,
    /// The checks at a position whose longest key is key `id`: a range of `checks`, by key
    /// id.
    checks_of: Box<[(u32, u32)]>,
    /// Indices into `pinned`, each with the byte ASCII text must hold at a distance after
    /// the key's end for the check to pass, if any ([`Pinned::quick`]).
    checks: Box<[(u32, Option<Gate>)]>,
    /// The pinned patterns, their positions and their frames: patterns with the same text
    /// around their pinned segment ([`Pinned::frame`]) share one frame, whose window a text
    /// computes once.
    pinned: Box<[(Pinned, At, u32)]>,
    /// How many frames there are.
    frames: usize,
    /// When every pattern is pinned and each check needs a byte at a distance after the key
    /// ([`Pinned::quick`]), and no key is longer than [`GATE_KEY_BYTES`]: those distinct
    /// `(distance, byte)` (at most [`GATES`]). ASCII text is then searched for the bytes, and
    /// only the positions that many bytes before them are checked (the keys ending there read
    /// from the few bytes before: [`Literals::ending_at`]), rather than walking the automaton
    /// over every byte.
    gates: Box<[Gate]>,
    /// When some keys have unpinned patterns and at most [`SEARCHED`] keys have checks (of
    /// their own or of a shorter key of theirs): those keys, each with a searcher for its
    /// text. Once a text has met every key with unpinned patterns, the walk has nothing to
    /// report but those keys' occurrences, so it stops and the rest of the text is searched
    /// for them alone (`memchr::memmem`): text dense in a key whose patterns were tried no
    /// longer pays the walk to its end.
    searched: Box<[(u32, Finder<'static>)]>,
    /// How many keys have unpinned patterns.
    unpinned_keys: usize,
    /// When every pattern is pinned and the text around its pinned segment has floating
    /// segments with literal text ([`Pinned::needs`]): a few bytes (at most
    /// [`FRAME_GATES`]) such that each pattern needs one of them. A text holding none of them
    /// matches no pattern, and is answered without a walk.
    frame_gates: Box<[u8]>,
    /// The frames, placed together in one pass over a text ([`Placement`]), when some frame
    /// has a floating segment.
    place: Option<Placement>,
    /// Whether every pattern is pinned (none in `patterns`).
    all_pinned: bool,
    /// When every pattern is pinned and some frame floats (`place`): per frame, a range of
    /// `frame_pins`, its patterns `(index into pinned, key id)`, so that a text whose frames
    /// mostly cannot be placed goes from the few that can to their keys
    /// ([`Inner::frames_first`]); empty otherwise.
    by_frame: Box<[(u32, u32)]>,
    frame_pins: Box<[(u32, u32)]>,
    /// The keys' texts, one after another (key `id` is `key_text[key_ends[id - 1]..key_ends[id]]`),
    /// when `by_frame` is not empty.
    key_text: Box<[u8]>,
    key_ends: Box<[u32]>,
}

/// Work units [`Inner::frames_first`] may spend per byte of text (a unit is about a byte
/// searched by `memchr::memmem`, far cheaper than a byte walked by the keys' automaton with
/// its checks), past a fixed allowance of [`FRAMES_FIRST_FIXED`].
const FRAMES_FIRST_PER_BYTE: usize = 2;
const FRAMES_FIRST_FIXED: usize = 4_096;
/// What [`Inner::frames_first`] counts for a frame placed, a pattern searched (besides its
/// window's bytes) and a key occurrence checked.
const FRAME_UNITS: usize = 32;
const PATTERN_UNITS: usize = 64;
const OCCURRENCE_UNITS: usize = 32;
/// [`Inner::frames_first`] first searches this many bytes at the start of each window.
const FRAMES_FIRST_HEAD: usize = 128;

/// Calls `f(start)` for every occurrence of `finder`'s needle in `hay`, overlapping ones
/// included, by increasing `start`, until `f` returns true (and says so).
fn overlapping(finder: &Finder<'_>, hay: &[u8], mut f: impl FnMut(usize) -> bool) -> bool {
    let mut at = 0;
    while let Some(found) = hay.get(at..).and_then(|rest| finder.find(rest)) {
        if f(at + found) {
            return true;
        }
        // The next may start one byte on.
        at += found + 1;
    }
    false
}

/// Takes `units` from `budget`; false (and `budget` untouched) when it holds fewer.
fn spend(budget: &mut usize, units: usize) -> bool {
    match budget.checked_sub(units) {
        Some(left) => {
            *budget = left;
            true
        }
        None => false,
    }
}

/// At most this many keys with checks are searched for once the walk has met every key with
/// unpinned patterns (`Inner::searched`).
const SEARCHED: usize = 4;

/// A byte at a distance after a key's end: `(distance, byte)`.
type Gate = (usize, u8);

/// At most this many bytes in [`Inner::frame_gates`].
const FRAME_GATES: usize = 4;

/// A few bytes such that every pattern needs one of them (`needs` of each pattern; the byte
/// most of the patterns not yet covered need, in turn); empty when a pattern needs none or
/// more than [`FRAME_GATES`] bytes would be needed.
fn covering_bytes<'n>(needs: impl Iterator<Item = &'n [u8]>) -> Box<[u8]> {
    let mut uncovered: Vec<&[u8]> = needs.collect();
    if uncovered.is_empty() || uncovered.iter().any(|n| n.is_empty()) {
        return Box::default();
    }
    let mut bytes = Vec::new();
    while !uncovered.is_empty() {
        if bytes.len() == FRAME_GATES {
            return Box::default();
        }
        let mut count = [0usize; 256];
        for &b in uncovered.iter().copied().flatten() {
            if let Some(c) = count.get_mut(usize::from(b)) {
                *c += 1;
            }
        }
        let Some(best) = (0..=u8::MAX).max_by_key(|&b| count.get(usize::from(b)).copied()) else {
            return Box::default();
        };
        bytes.push(best);
        uncovered.retain(|n| !n.contains(&best));
    }
    bytes.into_boxed_slice()
}

/// Keys no longer than this let the checks be gated by a byte (`Inner::gates`).
const GATE_KEY_BYTES: usize = 16;

/// At most this many distinct gating bytes (one search of the text each).
const GATES: usize = 4;

/// The per-text scratch of [`Inner::any`], reused by every call on the thread.
#[derive(Debug, Default)]
struct InnerScratch {
    /// Which keys have been met in this text (one bit per key), when no pattern is pinned.
    seen: Vec<u64>,
    /// Which keys have been met in this text, when some are pinned: stamped with the text's
    /// number (`keys`).
    keys_met: Vec<(u32, ())>,
    /// The text's number for `keys_met` ([`Epochs`]).
    keys: Epochs,
    /// The frames' windows in this text.
    frames: FrameScratch,
}

/// The windows of the frames of [`Inner`] in one text, each found where a check first needs
/// it.
#[derive(Debug, Default)]
struct FrameScratch {
    /// The text's number ([`Epochs`]).
    epoch: Epochs,
    /// The window of each frame, valid when stamped with this text's number (`None`: its
    /// patterns match nowhere in the text).
    windows: Vec<(u32, Option<Window>)>,
    /// The bytes the text holds, as far as asked ([`Pinned::possible`]).
    present: Present,
    /// Every occurrence of the frames' floating segments in this text, when `placed`
    /// ([`Placement`]).
    fits: Fits,
    /// Whether `fits` holds them all (`Some(true)`), the pass gave up past its budget
    /// (`Some(false)`: each frame searches the text on its own), or no pass ran yet.
    placed: Option<bool>,
    /// Frames placed by a search of their own in this text.
    searches: usize,
    /// The frames that may have a window in this text ([`Inner::frames_first`]).
    live: Vec<u32>,
    /// Whether [`Inner::frames_first`] answered for this text.
    frames_first: bool,
}

/// Frames placed by a search of their own in one text before every frame is placed in one
/// pass ([`Placement::fit_walk`]): a list with a few frames is better served by a few
/// searches than by a walk of the segments' automaton.
const OWN_SEARCHES: usize = 1;

/// A number per text, so that per-text marks (a slot per frame or key, stamped with the
/// number) need no clearing between texts: a text costs what it touches, not a pass over
/// every frame or key of the list.
#[derive(Debug, Default)]
struct Epochs(u32);

impl Epochs {
    /// The next text's number, `marks` sized for `len` slots (all cleared when the numbers
    /// wrap around, once in four billion texts).
    fn next<T: Clone + Default>(&mut self, marks: &mut Vec<(u32, T)>, len: usize) -> u32 {
        self.0 = self.0.wrapping_add(1);
        if self.0 == 0 {
            marks.clear();
            self.0 = 1;
        }
        if marks.len() < len {
            marks.resize(len, (0, T::default()));
        }
        self.0
    }
}

impl FrameScratch {
    /// Ready for a text and `frames` frames.
    fn reset(&mut self, frames: usize) {
        self.epoch.next(&mut self.windows, frames);
        self.present.clear();
        self.placed = None;
        self.searches = 0;
        self.frames_first = false;
    }

    /// The window in `text` of frame `frame`, of which `p` is a pattern: found the first
    /// time, and `None` at once when the text lacks a byte its floating segments need. Past
    /// [`OWN_SEARCHES`] frames that search the text, every frame is placed in one pass
    /// (`place`, the list's [`Placement`]).
    fn window(
        &mut self,
        p: &Pinned,
        frame: usize,
        text: &str,
        place: Option<&Placement>,
    ) -> Option<Window> {
        let epoch = self.epoch.0;
        let (stamp, slot) = self.windows.get_mut(frame)?;
        if *stamp != epoch {
            *stamp = epoch;
            *slot = if !p.possible(text, &mut self.present) {
                None
            } else if let Some(place) = place.filter(|place| place.floats(frame)) {
                if self.placed.is_none() && self.searches >= OWN_SEARCHES {
                    self.placed = Some(place.fit_walk(text, &mut self.fits));
                }
                if self.placed == Some(true) {
                    place.window(frame, text, &self.fits)
                } else {
                    self.searches += 1;
                    p.window(text)
                }
            } else {
                p.window(text)
            };
        }
        *slot
    }
}

impl Inner {
    /// `pin` gives the [`Pinned`] form of a value keyed by a key (a slice of the value's
    /// text), when it has one.
    fn new(keys: Vec<(&str, At)>, pin: impl Fn(At, &str) -> Option<Pinned>) -> Option<Self> {
        if keys.is_empty() {
            return None;
        }
        let mut ids: HashMap<&str, usize> = HashMap::new();
        let mut texts: Vec<&[u8]> = Vec::new();
        let mut patterns: Vec<Vec<At>> = Vec::new();
        let mut own: Vec<Vec<u32>> = Vec::new();
        let mut pinned = Vec::new();
        for (key, at) in keys {
            let id = *ids.entry(key).or_insert_with(|| {
                texts.push(key.as_bytes());
                patterns.push(Vec::new());
                own.push(Vec::new());
                texts.len() - 1
            });
            match pin(at, key) {
                Some(p) => {
                    own.get_mut(id)?.push(u32::try_from(pinned.len()).ok()?);
                    pinned.push((p, at));
                }
                None => patterns.get_mut(id)?.push(at),
            }
        }
        let keys = Literals::new(&texts)?;
        let mut frame_ids = HashMap::new();
        let frame_of: Vec<u32> = pinned
            .iter()
            .map(|(p, _): &(Pinned, At)| {
                let next = u32::try_from(frame_ids.len()).ok()?;
                Some(*frame_ids.entry(p.frame()).or_insert(next))
            })
            .collect::<Option<_>>()?;
        let frames = frame_ids.len();
        let mut frame_list: Vec<_> = frame_ids.into_iter().collect();
        frame_list.sort_unstable_by_key(|&(_, id)| id);
        let place = Placement::new(frame_list.into_iter().map(|(frame, _)| frame));
        let pinned: Vec<(Pinned, At, u32)> = pinned
            .into_iter()
            .zip(frame_of)
            .map(|((p, at), frame)| (p, at, frame))
            .collect();
        // Per key, the checks of its chain: each end-only check once per distinct `R`, `L`.
        let mut checks_of = Vec::with_capacity(own.len());
        let mut checks = Vec::new();
        let mut classes = HashSet::new();
        for id in 0..own.len() {
            let from = u32::try_from(checks.len()).ok()?;
            classes.clear();
            let mut key = Some(id);
            while let Some(k) = key {
                for &i in own.get(k)? {
                    let (p, _, _) = pinned.get(i as usize)?;
                    if p.end_only().is_none_or(|class| classes.insert(class)) {
                        checks.push((i, p.quick()));
                    }
                }
                key = keys.shorter(k);
            }
            checks_of.push((from, u32::try_from(checks.len()).ok()?));
        }
        let mut gates: Vec<Gate> = Vec::new();
        if patterns.iter().all(Vec::is_empty) && keys.longest() <= GATE_KEY_BYTES {
            for (p, _, _) in &pinned {
                match p.quick() {
                    Some(gate) if gates.contains(&gate) => {}
                    Some(gate) if gates.len() < GATES => gates.push(gate),
                    _ => {
                        gates.clear();
                        break;
                    }
                }
            }
        }
        let unpinned_keys = patterns.iter().filter(|p| !p.is_empty()).count();
        let with_checks: Vec<usize> = checks_of
            .iter()
            .enumerate()
            .filter(|(_, (from, to))| from != to)
            .map(|(id, _)| id)
            .collect();
        let searched = if unpinned_keys > 0 && with_checks.len() <= SEARCHED {
            with_checks
                .into_iter()
                .map(|id| {
                    let finder = Finder::new(texts.get(id)?).into_owned();
                    Some((u32::try_from(id).ok()?, finder))
                })
                .collect::<Option<_>>()?
        } else {
            Box::default()
        };
        let frame_gates = if patterns.iter().all(Vec::is_empty) {
            covering_bytes(pinned.iter().map(|(p, _, _)| p.needs()))
        } else {
            Box::default()
        };
        let all_pinned = patterns.iter().all(Vec::is_empty);
        let (by_frame, frame_pins, key_text, key_ends) = if all_pinned && place.is_some() {
            // The patterns of each frame, with their keys.
            let mut key_of = vec![0u32; pinned.len()];
            for (id, list) in own.iter().enumerate() {
                for &i in list {
                    *key_of.get_mut(i as usize)? = u32::try_from(id).ok()?;
                }
            }
            let mut pins: Vec<(u32, u32, u32)> = pinned
                .iter()
                .zip(&key_of)
                .enumerate()
                .map(|(i, ((_, _, frame), &key))| Some((*frame, u32::try_from(i).ok()?, key)))
                .collect::<Option<_>>()?;
            pins.sort_unstable();
            let mut by_frame = Vec::with_capacity(frames);
            let mut at = 0;
            for frame in 0..frames {
                let from = at;
                while pins.get(at).is_some_and(|&(f, _, _)| f as usize == frame) {
                    at += 1;
                }
                by_frame.push((u32::try_from(from).ok()?, u32::try_from(at).ok()?));
            }
            let frame_pins: Box<[(u32, u32)]> = pins.iter().map(|&(_, i, k)| (i, k)).collect();
            let key_text: Box<[u8]> = texts.concat().into_boxed_slice();
            let mut end = 0usize;
            let key_ends: Box<[u32]> = texts
                .iter()
                .map(|t| {
                    end += t.len();
                    u32::try_from(end).ok()
                })
                .collect::<Option<_>>()?;
            (by_frame.into_boxed_slice(), frame_pins, key_text, key_ends)
        } else {
            Default::default()
        };
        Some(Self {
            by_frame,
            frame_pins,
            key_text,
            key_ends,
            keys,
            searched,
            unpinned_keys,
            frame_gates,
            place,
            all_pinned,
            patterns: patterns.into_iter().map(Vec::into_boxed_slice).collect(),
            checks_of: checks_of.into_boxed_slice(),
            checks: checks.into_boxed_slice(),
            pinned: pinned.into_boxed_slice(),
            frames,
            gates: gates.into_boxed_slice(),
        })
    }

    /// Whether a pattern pinned to a key of the chain of `longest`, all ending at byte `end`
    /// of `text`, matches there (only the checks gated by `gate`, when given).
    fn check(
        &self,
        text: &str,
        ascii: bool,
        end: usize,
        longest: usize,
        gate: Option<Gate>,
        frames: &mut FrameScratch,
    ) -> bool {
        let (from, to) = self.checks_of.get(longest).copied().unwrap_or_default();
        let checks = self
            .checks
            .get(from as usize..to as usize)
            .unwrap_or_default();
        let bytes = text.as_bytes();
        checks.iter().any(|&(i, quick)| {
            if gate.is_some() && quick != gate {
                return false;
            }
            if let Some((distance, byte)) = quick.filter(|_| ascii)
                && bytes.get(end.saturating_add(distance)) != Some(&byte)
            {
                return false;
            }
            let Some((p, _, frame)) = self.pinned.get(i as usize) else {
                return false;
            };
            frames
                .window(p, *frame as usize, text, self.place.as_ref())
                .is_some_and(|w| p.at(text, ascii, end, w))
        })
    }

    /// The text of key `id`.
    fn key(&self, id: usize) -> Option<&[u8]> {
        let from = match id.checked_sub(1) {
            Some(before) => *self.key_ends.get(before)? as usize,
            None => 0,
        };
        let to = *self.key_ends.get(id)? as usize;
        self.key_text.get(from..to)
    }

    /// Whether a pattern matches `text`, found from the frames rather than from every key's
    /// occurrences: the frames the text's complete [`Fits`] leave live ([`Placement::live`])
    /// are placed, and each pattern of a frame with a window is searched for its key within
    /// the window (`memchr::memmem`, overlapping occurrences included), each occurrence
    /// checked ([`Pinned::at`]). Every pattern is pinned, so a pattern whose frame has no
    /// window matches nowhere. `None` past a budget proportional to the text: the walk then
    /// decides (the windows found are kept for it).
    fn frames_first(&self, text: &str, ascii: bool, frames: &mut FrameScratch) -> Option<bool> {
        let place = self.place.as_ref()?;
        if self.by_frame.is_empty() || frames.placed != Some(true) {
            return None;
        }
        let mut budget = text
            .len()
            .saturating_mul(FRAMES_FIRST_PER_BYTE)
            .saturating_add(FRAMES_FIRST_FIXED);
        let mut live = std::mem::take(&mut frames.live);
        live.clear();
        let over = place.live(&frames.fits, |frame| {
            live.push(frame);
            !spend(&mut budget, FRAME_UNITS)
        });
        let answer = if over {
            None
        } else {
            self.search_frames(text, ascii, &live, budget, frames)
        };
        frames.live = live;
        answer
    }

    /// [`Inner::frames_first`] over the frames `live`, within `budget`: first the occurrences
    /// starting in the first [`FRAMES_FIRST_HEAD`] bytes of each window (a text that matches
    /// early is answered without a search of every window to its end), then the others.
    fn search_frames(
        &self,
        text: &str,
        ascii: bool,
        live: &[u32],
        mut budget: usize,
        frames: &mut FrameScratch,
    ) -> Option<bool> {
        let mut rest = false;
        for head in [true, false] {
            if !head && !rest {
                break;
            }
            for &frame in live {
                let &(from, to) = self.by_frame.get(frame as usize)?;
                let pins = self.frame_pins.get(from as usize..to as usize)?;
                let Some(&(first, _)) = pins.first() else {
                    continue;
                };
                let (p, _, _) = self.pinned.get(first as usize)?;
                // Found once per text (kept in `frames`).
                let Some(window) = frames.window(p, frame as usize, text, self.place.as_ref())
                else {
                    continue;
                };
                let len = window.end() - window.start();
                rest |= len > FRAMES_FIRST_HEAD;
                let starts = if head {
                    0..len.min(FRAMES_FIRST_HEAD)
                } else {
                    FRAMES_FIRST_HEAD..len
                };
                if starts.is_empty() {
                    continue;
                }
                for &(i, key) in pins {
                    let (p, _, _) = self.pinned.get(i as usize)?;
                    let key = self.key(key as usize)?;
                    let hit =
                        self.occurs(text, ascii, p, key, window, starts.clone(), &mut budget)?;
                    if hit {
                        return Some(true);
                    }
                }
            }
        }
        Some(false)
    }

    /// Whether pattern `p`, pinned to `key`, matches `text` at an occurrence of its key
    /// starting at a byte in `starts` of its `window` (counted from the window's start),
    /// overlapping occurrences included; `None` past `budget`.
    #[allow(clippy::too_many_arguments, reason = "the search's state, passed down")]
    fn occurs(
        &self,
        text: &str,
        ascii: bool,
        p: &Pinned,
        key: &[u8],
        window: Window,
        starts: std::ops::Range<usize>,
        budget: &mut usize,
    ) -> Option<bool> {
        let bytes = text.as_bytes();
        // The window's bytes where such an occurrence may lie.
        let to = starts
            .end
            .saturating_add(key.len().saturating_sub(1))
            .min(window.end() - window.start());
        let hay = bytes.get(window.start()..window.start() + to)?;
        if !spend(
            budget,
            PATTERN_UNITS.saturating_add(to.saturating_sub(starts.start)),
        ) {
            return None;
        }
        let finder = Finder::new(key);
        let mut over = false;
        let hit = overlapping(&finder, hay.get(starts.start..)?, |at| {
            let end = window.start() + starts.start + at + key.len();
            if p.at(text, ascii, end, window) {
                return true;
            }
            over = !spend(budget, OCCURRENCE_UNITS);
            over
        });
        (!over).then_some(hit)
    }

    /// Whether `test` holds for some pattern whose key occurs in `text` (a pinned pattern:
    /// whether it matches). The unpinned patterns of a key are tried once per text, however
    /// often the key occurs.
    fn any(&self, text: &str, mut test: impl FnMut(At) -> bool) -> bool {
        INNER.with(|cell| {
            let mut own = InnerScratch::default();
            let mut borrowed = cell.try_borrow_mut();
            // Not expected to be borrowed (nothing calls back in): a scratch of its own.
            let scratch = borrowed.as_deref_mut().unwrap_or(&mut own);
            if self.pinned.is_empty() {
                return self
                    .keys
                    .each_distinct(text.as_bytes(), &mut scratch.seen, |id| {
                        let ats = self.patterns.get(id);
                        ats.into_iter().flatten().any(|&at| test(at))
                    });
            }
            let InnerScratch {
                frames,
                keys_met,
                keys,
                ..
            } = scratch;
            frames.reset(self.frames);
            let bytes = text.as_bytes();
            if !self.frame_gates.is_empty()
                && !self
                    .frame_gates
                    .iter()
                    .any(|&b| frames.present.has(bytes, b))
            {
                // Every pattern needs one of these bytes.
                return false;
            }
            let ascii = text.is_ascii();
            if let Some(place) = self.place.as_ref().filter(|p| p.gated()) {
                // The frames' segments found through a few bytes, before any walk: in a text
                // where none occurs, no frame with a floating segment has a window.
                let placed = place.fit_gated(text, &mut frames.fits);
                frames.placed = placed.then_some(true);
                if placed && frames.fits.is_empty() && place.every_frame_floats() && self.all_pinned
                {
                    return false;
                }
                // Some segment occurs: from the frames it leaves live to their keys, when that
                // costs less than walking every key over the text.
                if let Some(answer) = self.frames_first(text, ascii, frames) {
                    frames.frames_first = true;
                    return answer;
                }
            }
            if ascii && !self.gates.is_empty() {
                // Every match puts a gating byte at its distance after a key's end. Past half
                // of the text in gating bytes, the walk costs less.
                let mut budget = text.len() / 2 + 64;
                // `Some(answer)`, or `None` past the budget.
                let mut gated = Some(false);
                for &(distance, byte) in &self.gates {
                    let mut over = false;
                    let hit = each_byte(bytes, byte, |at| {
                        let Some(left) = budget.checked_sub(1) else {
                            over = true;
                            return true;
                        };
                        budget = left;
                        let Some(end) = at.checked_sub(distance) else {
                            return false;
                        };
                        // Most positions end no key: one look-up before the automaton.
                        if !self.keys.may_end_at(bytes, end) {
                            return false;
                        }
                        self.keys.ending_at(bytes, end, |longest| {
                            let gate = Some((distance, byte));
                            self.check(text, true, end, longest, gate, frames)
                        })
                    });
                    if over {
                        gated = None;
                        break;
                    }
                    if hit {
                        // A match through this gate decides, whatever the later gates find.
                        gated = Some(true);
                        break;
                    }
                }
                if let Some(answer) = gated {
                    return answer;
                }
            }
            let epoch = keys.next(keys_met, self.patterns.len());
            // Keys with unpinned patterns not met yet; where the walk stopped for the search.
            let mut unmet = self.unpinned_keys;
            let mut resume = None;
            let stopped = self.keys.each_longest(bytes, |end, longest| {
                // Keys met for the first time: their unpinned patterns. A key met before had
                // its shorter keys met with it.
                let mut key = Some(longest);
                let mut met = |k: usize| match keys_met.get_mut(k) {
                    Some((stamp, ())) if *stamp != epoch => {
                        *stamp = epoch;
                        true
                    }
                    _ => false,
                };
                while let Some(k) = key.filter(|&k| met(k)) {
                    let ats = self.patterns.get(k).map(|ats| &**ats).unwrap_or_default();
                    if !ats.is_empty() {
                        unmet = unmet.saturating_sub(1);
                    }
                    if ats.iter().any(|&at| test(at)) {
                        return true;
                    }
                    key = self.keys.shorter(k);
                }
                // Most positions of text dense in a key with no pinned pattern: nothing to check.
                let (from, to) = self.checks_of.get(longest).copied().unwrap_or_default();
                if from != to && self.check(text, ascii, end, longest, None, frames) {
                    return true;
                }
                if unmet == 0 && !self.searched.is_empty() {
                    resume = Some(end);
                    return true;
                }
                false
            });
            let Some(after) = resume else {
                return stopped;
            };
            // Every key with unpinned patterns met, each key ending up to `after` checked: the
            // occurrences ending later of the keys with checks, each checked with its chain.
            self.searched.iter().any(|(id, finder)| {
                let len = finder.needle().len();
                let from = (after + 1).saturating_sub(len);
                let rest = bytes.get(from..).unwrap_or_default();
                // Overlapping occurrences too (`find_iter` skips them): a check may pass only at
                // the later of two.
                overlapping(finder, rest, |start| {
                    let end = from + start + len;
                    end > after && self.check(text, ascii, end, *id as usize, None, frames)
                })
            })
        })
    }
}

thread_local! {
    /// The scratch of [`Inner::any`]: which keys of an automaton a text has met, and the
    /// windows of their pinned patterns (reused by every call on the thread).
    static INNER: RefCell<InnerScratch> = RefCell::new(InnerScratch::default());
}

/// Patterns (wildcards, policy variables) keyed by literal text every match holds: at the
/// start, at the end, or anywhere (module docs).
#[derive(Clone, Debug, Default)]
struct Patterns {
    prefixed: Keyed,
    /// Keys reversed.
    suffixed: Keyed,
    inner: Option<Inner>,
    /// Plain wildcard patterns that share their key with [`SET_FROM`] or more others, matched
    /// together ([`WildcardSet`]): the keys refer to set `i` as `SET | i` in place of the
    /// patterns' positions. One key cannot tell such patterns apart (`*ab?cd*`, `*ab??cd*`,
    /// …); the set decides them in one pass over the text instead of one pass per pattern.
    sets: Box<[WildcardSet]>,
}

/// Marks a [`Patterns`] entry that stands for a [`WildcardSet`] rather than one value.
const SET: At = 1 << 31;

/// Marks an ARN index entry that stands for an [`ArnGroup`] rather than one value (below
/// [`SET`], so that [`Patterns`] hands it on as a value).
const GROUP: At = 1 << 30;

/// Patterns sharing one key are matched as a [`WildcardSet`] from this many on.
const SET_FROM: usize = 8;

/// Where a pattern's key sits in every text the pattern matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Key<'a> {
    Prefix(&'a str),
    Suffix(&'a str),
    Inner(&'a str),
}

impl Key<'_> {
    fn len(self) -> usize {
        match self {
            Self::Prefix(k) | Self::Suffix(k) | Self::Inner(k) => k.len(),
        }
    }
}

/// Every key a template offers, prefix first, then suffix, then the inner runs: its literal
/// parts ([`Part::Lit`], the variables module's reading of the text, fixed `${*}`-style
/// variables as the characters they stand for), each of which every match holds. A part that
/// starts the template starts every match; one that ends it ends every match. A variable's
/// value is known only with the request, so it keys nothing, but the literal text around it
/// does (`${team}*-1-*` offers `-1-`).
fn template_keys(template: &Template) -> Vec<Key<'_>> {
    let parts = template.parts();
    let last = parts.len().saturating_sub(1);
    let mut keys: Vec<Key<'_>> = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        if let Part::Lit(text) = *part {
            keys.push(match i {
                0 => Key::Prefix(text),
                _ if i == last => Key::Suffix(text),
                _ => Key::Inner(text),
            });
        }
    }
    // Prefix, suffix, inner: `choose` takes the first of equally good keys.
    keys.sort_by_key(|key| match key {
        Key::Prefix(_) => 0,
        Key::Suffix(_) => 1,
        Key::Inner(_) => 2,
    });
    keys
}

/// Where a key applies: the text (`None`; for an ARN, its resource part) or the literal
/// prefix of ARN component `Some(i)` (2 service, 3 region, 4 account).
type Slot = Option<usize>;

/// A key and where it applies, as [`choose`] picks it for a pattern (`None`: no key).
type Chosen<'a> = Option<(Slot, Key<'a>)>;

/// For each pattern, of the keys it offers, the one the fewest patterns share, the longest
/// of those (then the first offered): a request text that holds a key tries every pattern
/// keyed by it, so a key that many patterns share would make each of them a candidate.
/// `None` for a pattern that offers no key.
fn choose<'a>(offers: &[Vec<(Slot, Key<'a>)>]) -> Vec<Option<(Slot, Key<'a>)>> {
    let mut shared: HashMap<(Slot, Key<'a>), usize> = HashMap::new();
    for offer in offers {
        for key in offer {
            *shared.entry(*key).or_default() += 1;
        }
    }
    offers
        .iter()
        .map(|offer| {
            offer.iter().copied().min_by_key(|key| {
                let count = shared.get(key).copied().unwrap_or_default();
                (count, std::cmp::Reverse(key.1.len()))
            })
        })
        .collect()
}

impl Patterns {
    /// The patterns by their keys; a pattern the index cannot hold (no automaton could be
    /// built for the inner keys) goes to `rest`, to be tested one by one. `plain` gives the
    /// text of a value that is a plain wildcard pattern (no policy variable) matched by the
    /// one-pattern matcher of `crate::wildcard`, case-sensitively; the values of a key shared
    /// by [`SET_FROM`] or more of those are matched as one [`WildcardSet`].
    fn new<'p>(
        keys: Vec<(Key<'_>, At)>,
        rest: &mut Vec<At>,
        plain: impl Fn(At) -> Option<&'p str>,
    ) -> Self {
        let mut groups: HashMap<Key<'_>, Vec<At>> = HashMap::new();
        for &(key, at) in &keys {
            if plain(at).is_some() {
                groups.entry(key).or_default().push(at);
            }
        }
        // In the order of the lists (the groups came out of a hash map).
        let mut groups: Vec<(Key<'_>, Vec<At>)> = groups
            .into_iter()
            .filter(|(_, ats)| ats.len() >= SET_FROM)
            .collect();
        groups.sort_unstable_by_key(|(_, ats)| ats.first().copied());
        let mut sets = Vec::new();
        let mut members: Vec<Vec<At>> = Vec::new();
        let mut set_keys: Vec<(Key<'_>, At)> = Vec::new();
        for (key, ats) in groups {
            let Some(id) = u32::try_from(sets.len()).ok().filter(|id| id & SET == 0) else {
                break;
            };
            let Some(set) = WildcardSet::new(ats.iter().filter_map(|&at| plain(at))) else {
                continue;
            };
            sets.push(set);
            set_keys.push((key, SET | id));
            members.push(ats);
        }
        let grouped: HashSet<At> = members.iter().flatten().copied().collect();
        let mut prefixed = Vec::new();
        let mut suffixed = Vec::new();
        let mut inner = Vec::new();
        let keys = keys
            .into_iter()
            .filter(|(_, at)| !grouped.contains(at))
            .chain(set_keys);
        for (key, at) in keys {
            match key {
                Key::Prefix(k) => prefixed.push((Box::<[u8]>::from(k.as_bytes()), at)),
                Key::Suffix(k) => suffixed.push((k.bytes().rev().collect(), at)),
                Key::Inner(k) => inner.push((k, at)),
            }
        }
        let inner_ats: Vec<At> = inner.iter().map(|&(_, at)| at).collect();
        let inner = Inner::new(inner, |at, key| {
            // A plain pattern, pinned to its key: a slice of the pattern's own text
            // (`template_keys`), found by its offset and checked to be there.
            let text = plain(at).filter(|_| at & SET == 0)?;
            let start = (key.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
            let range = start..start.checked_add(key.len())?;
            if text.get(range.clone()) != Some(key) {
                return None;
            }
            Pinned::new(text, range)
        });
        if inner.is_none() {
            // Not expected (an automaton over literal keys): every pattern one by one.
            for at in inner_ats {
                match at.checked_sub(SET) {
                    Some(id) => {
                        rest.extend(members.get(id as usize).into_iter().flatten().copied())
                    }
                    None => rest.push(at),
                }
            }
        }
        Self {
            prefixed: Keyed::new(prefixed),
            suffixed: Keyed::new(suffixed),
            inner,
            sets: sets.into_boxed_slice(),
        }
    }

    /// Whether `test` holds for some pattern whose key `text` holds where the key says (a
    /// set of patterns answers for all of them).
    fn any(&self, text: &str, mut test: impl FnMut(At) -> bool) -> bool {
        let mut test = |at: At| match at.checked_sub(SET) {
            Some(id) => self.sets.get(id as usize).is_some_and(|set| set.any(text)),
            None => test(at),
        };
        self.prefixed.any(text.bytes(), &mut test)
            || self.suffixed.any(text.bytes().rev(), &mut test)
            || self.inner.as_ref().is_some_and(|i| i.any(text, &mut test))
    }
}

fn position(at: usize) -> Option<At> {
    At::try_from(at).ok()
}

/// An entry's policy values, indexed; see the module docs.
#[derive(Clone, Debug)]
pub(crate) struct ValueIndex {
    kind: Kind,
    /// The String templates of literal text and variables that no group of [`Leads`] holds,
    /// resolved once per decision (`resolved::Resolved`).
    resolved: Option<Box<Resolved>>,
    /// The positions of the values the index does not hold (tested one by one).
    rest: Box<[At]>,
}

#[derive(Clone, Debug)]
enum Kind {
    /// Case-sensitive string equality and `StringLike`: the literal texts, sorted; the
    /// templates with a variable (and, for `StringLike`, the patterns with wildcards) by a
    /// literal text every match holds.
    ///
    /// Templates that begin with the same literal text and variable are grouped (`leads`).
    Strings {
        exact: Box<[Box<str>]>,
        patterns: Patterns,
        leads: Leads,
    },
    /// Case-insensitive equality over ASCII policy values: their ASCII-lower-cased texts,
    /// sorted; and the templates grouped by their lead.
    Folded(Box<[Box<str>]>, Leads),
    /// Numeric equality: the values, sorted.
    Numbers(Box<[Decimal]>),
    /// Date equality: the values, sorted.
    Dates(Box<[Instant]>),
    /// A Numeric order operator: the one value that decides.
    NumberBound(Decimal),
    /// A Date order operator: the one value that decides.
    DateBound(Instant),
    /// The Arn operators: the patterns by the literal prefix of their service, region or
    /// account component (`components`), or by a literal text of the resource part
    /// (`resource`). The `arn` and partition components hold nearly every request ARN's text
    /// and key nothing.
    ///
    /// Plain patterns (no `$`) of which [`SET_FROM`] or more share their key and their first
    /// five components as written form a group ([`ArnGroup`]): one test of those components,
    /// then their resource parts together as a [`WildcardSet`]. The group takes the key of its
    /// patterns; the keys (and `loose`, the groups without a key) refer to group `i` as
    /// `GROUP | i`.
    Arns {
        components: Box<[Keyed; 3]>,
        resource: Patterns,
        groups: Box<[ArnGroup]>,
        loose: Box<[At]>,
    },
    /// `IpAddress`: the blocks as address ranges.
    Ips(IpSet),
    /// `BinaryEquals`: the canonical base64 texts of the values, sorted (a base64 text that
    /// decodes has exactly one canonical form, so equal bytes mean equal texts).
    Binary(Box<[Box<str>]>),
    /// `Bool`: the accepted booleans (`boolean::bit`).
    Bools(u8),
}

/// ARN patterns whose first five components are written alike, so that a request ARN matches
/// one of them exactly when those components match and the resource part matches one of their
/// resource parts: `leading` is those components with the resource part `*` (matched by the
/// one ARN matcher, which splits the request ARN), `resources` their resource parts, which the
/// ARN matcher compares as plain wildcard text (no `$`: no variable, no `${*}`-style text).
///
/// Patterns whose resource parts hold policy variables (their first five components written
/// without `$`) group in the same way; their resource parts are then matched as a String
/// index of their own (`StringLike`, case-sensitive: what the ARN matcher applies to the
/// resource part), grouped by lead and first variable there ([`Leads`]).
#[derive(Clone, Debug)]
pub(crate) struct ArnGroup {
    leading: ArnPattern,
    resources: Resources,
}

/// How an [`ArnGroup`] matches its resource parts.
#[derive(Clone, Debug)]
#[expect(
    clippy::large_enum_variant,
    reason = "a few groups per list, in a boxed slice: the set is kept inline as before"
)]
enum Resources {
    /// Plain wildcard text, together.
    Set(WildcardSet),
    /// Templates with variables, indexed.
    Templates(Box<TemplateList>),
}

impl Resources {
    fn any<'a>(&self, part: &str, resolve: impl Fn(&str) -> Option<&'a str> + Copy) -> bool {
        match self {
            Self::Set(set) => set.any(part),
            Self::Templates(list) => list.any(part, false, resolve),
        }
    }
}

/// The first five components of an ARN pattern as written and its resource part's template,
/// when the resource part holds a variable and the first five components no `$`.
fn arn_split_template(pattern: &ArnPattern) -> Option<(&str, &Template)> {
    let text = pattern.as_str();
    if pattern.matches_nothing() {
        return None;
    }
    let resource = pattern.resource()?;
    let leading = text.get(..text.len().checked_sub(resource.len() + 1)?)?;
    let template = pattern.resource_template()?;
    (!leading.contains('$') && template.has_variables()).then_some((leading, template))
}

/// The first five components of a plain ARN pattern as written (up to the fifth colon) and
/// its resource part, when it has six components and no `$`.
fn arn_split_plain(pattern: &ArnPattern) -> Option<(&str, &str)> {
    let text = pattern.as_str();
    if pattern.has_variables() || pattern.matches_nothing() || text.contains('$') {
        return None;
    }
    let resource = pattern.resource()?;
    let leading = text.get(..text.len().checked_sub(resource.len() + 1)?)?;
    Some((leading, resource))
}

/// Whether an order operator keeps the largest policy value (`<`, `<=`): a request value is
/// below some policy value exactly when it is below the largest.
const fn keeps_largest(base: BaseOperator) -> Option<bool> {
    use BaseOperator as B;
    match base {
        B::NumericLessThan | B::NumericLessThanEquals | B::DateLessThan | B::DateLessThanEquals => {
            Some(true)
        }
        B::NumericGreaterThan
        | B::NumericGreaterThanEquals
        | B::DateGreaterThan
        | B::DateGreaterThanEquals => Some(false),
        _ => None,
    }
}

fn sorted<T: Ord>(mut values: Vec<T>) -> Box<[T]> {
    values.sort_unstable();
    values.dedup();
    values.into_boxed_slice()
}

/// The bound an order operator compares with: the largest or smallest value.
fn bound<T: Ord + Copy>(values: &[T], largest: bool) -> Option<T> {
    if largest {
        values.iter().max().copied()
    } else {
        values.iter().min().copied()
    }
}

fn search(list: &[Box<str>], text: &str) -> bool {
    list.binary_search_by(|v| (**v).cmp(text)).is_ok()
}

/// Stands for a request character whose lower-case mapping is not one ASCII character: it
/// sorts after every ASCII byte and equals none.
const NOT_ASCII: u8 = 0xFF;

/// The one ASCII byte a character's lower-case mapping is, if it is one (the Kelvin sign's
/// is `k`): an ASCII policy character equals a request character without regard to case
/// exactly when this is its own lower-case byte (`wildcard::char_eq`).
fn folded_byte(c: char) -> u8 {
    if c.is_ascii() {
        return u8::try_from(c.to_ascii_lowercase()).unwrap_or(NOT_ASCII);
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(one), None) if one.is_ascii() => u8::try_from(one).unwrap_or(NOT_ASCII),
        _ => NOT_ASCII,
    }
}

/// The request text's components as the ARN matcher splits them (`arn::components`).
fn arn_components(text: &str) -> Option<[&str; 6]> {
    let mut parts = arn::components(text);
    let out = [
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    ];
    Some(out)
}

/// The literal text an ARN pattern's component starts with (before a wildcard or `$`).
fn component_prefix(component: &str) -> &str {
    let end = component.find(['*', '?', '$']).unwrap_or(component.len());
    component.get(..end).unwrap_or_default()
}

/// The keys an ARN pattern offers: the literal prefixes of its service, region and account
/// components (up to a wildcard or `$`), and the keys of its resource part (variables or
/// not: [`template_keys`]).
fn arn_keys(pattern: &ArnPattern) -> Vec<(Slot, Key<'_>)> {
    let components = (2..5).filter_map(|index| {
        let prefix = component_prefix(pattern.component(index)?);
        (!prefix.is_empty()).then_some((Some(index), Key::Prefix(prefix)))
    });
    let resource = pattern
        .component(5)
        .and(pattern.resource_template())
        .map(template_keys)
        .unwrap_or_default();
    components
        .chain(resource.into_iter().map(|key| (None, key)))
        .collect()
}

/// Where the templates of a String index are: the entry's values, or the remainders of a
/// group of templates sharing their lead ([`Leads`]).
#[derive(Clone, Copy)]
enum Source<'t> {
    Entry(&'t ConditionEntry),
    Remainders(&'t [Template]),
}

impl<'t> Source<'t> {
    fn template(self, at: At) -> Option<&'t Template> {
        match self {
            Self::Entry(entry) => match &entry.values.items.get(at as usize)?.value.typed {
                TypedValue::String(template) => Some(template),
                _ => None,
            },
            Self::Remainders(list) => list.get(at as usize),
        }
    }
}

/// The index of String templates (position in `source`, template): `Kind::Folded` without
/// regard to case (`fold`), `Kind::Strings` otherwise; `like` says whether the operator is
/// `StringLike`. The templates it does not hold go to `rest`. `depth` is how many groups of
/// [`Leads`] the list is nested in.
fn index_strings<'t>(
    templates: Vec<(At, &'t Template)>,
    source: Source<'t>,
    like: bool,
    fold: bool,
    depth: usize,
    rest: &mut Vec<At>,
    resolvable: Option<&mut Vec<(At, &'t Template)>>,
) -> Kind {
    let mut texts = Vec::with_capacity(templates.len());
    let mut others = Vec::new();
    let mut seen = HashSet::new();
    for (at, template) in templates {
        // A value written twice answers twice the same.
        if !seen.insert(template.as_str()) {
            continue;
        }
        match template.literal_text() {
            Some(text) if fold && !text.is_ascii() => rest.push(at),
            Some(text) if fold => {
                texts.push(Box::<str>::from(text.to_ascii_lowercase()));
            }
            Some(text) => texts.push(Box::<str>::from(text)),
            None => others.push((at, template)),
        }
    }
    let (leads, mut others) = Leads::build(others, like, fold, depth);
    if let Some(resolvable) = resolvable {
        // Literal text and variables only: resolved once per decision.
        let (held, left): (Vec<_>, Vec<_>) = others
            .into_iter()
            .partition(|&(_, template)| resolved::holds(template));
        resolvable.extend(held);
        others = left;
    }
    if fold {
        rest.extend(others.iter().map(|&(at, _)| at));
        return Kind::Folded(sorted(texts), leads);
    }
    let offers: Vec<Vec<(Slot, Key<'_>)>> = others
        .iter()
        .map(|&(_, template)| {
            let keys = template_keys(template);
            keys.into_iter().map(|key| (None, key)).collect()
        })
        .collect();
    let mut keys = Vec::new();
    for (&(at, _), key) in others.iter().zip(choose(&offers)) {
        match key {
            Some((_, key)) => keys.push((key, at)),
            None => rest.push(at),
        }
    }
    Kind::Strings {
        exact: sorted(texts),
        patterns: Patterns::new(keys, rest, |at| {
            // A plain `StringLike` pattern: matched by the wildcard module's one matcher on
            // its text (no variable, no `${*}`-style text).
            let template = source.template(at)?;
            (like && template.options().wildcards && !template.as_str().contains('$'))
                .then(|| template.as_str())
        }),
        leads,
    }
}

/// Whether a value of the String index `kind` (built by [`index_strings`] from `source`)
/// matches `text`: the answer of trying each.
fn strings_any<'a>(
    kind: &Kind,
    source: Source<'_>,
    text: &str,
    resolve: impl Fn(&str) -> Option<&'a str> + Copy,
) -> bool {
    match kind {
        Kind::Strings {
            exact,
            patterns,
            leads,
        } => {
            let try_at = |at: At| {
                source
                    .template(at)
                    .is_some_and(|t| string::matches(text, t, false, resolve))
            };
            search(exact, text) || patterns.any(text, try_at) || leads.any(text, false, resolve)
        }
        Kind::Folded(list, leads) => {
            let folded = || text.chars().map(folded_byte);
            list.binary_search_by(|v| v.bytes().cmp(folded())).is_ok()
                || leads.any(text, true, resolve)
        }
        _ => false,
    }
}

impl ValueIndex {
    /// The index of an entry's values, when one applies (module docs): `None` for short lists,
    /// for `Null`, for a value not of the operator's type, and when the index would hold no
    /// value.
    pub(crate) fn build(entry: &ConditionEntry) -> Option<Self> {
        let items = &entry.values.items;
        if items.len() < INDEX_FROM || position(items.len()).is_none() {
            return None;
        }
        let base = entry.operator.value.base;
        let values = items.iter().map(|item| &item.value.typed);
        let mut rest = Vec::new();
        let mut resolvable = Vec::new();
        let kind = match base.family() {
            OperatorFamily::String => {
                let like = matches!(base, BaseOperator::StringLike | BaseOperator::StringNotLike);
                let fold = string::ignores_case(base);
                let mut templates = Vec::with_capacity(items.len());
                for (at, value) in values.enumerate() {
                    let TypedValue::String(template) = value else {
                        return None;
                    };
                    templates.push((position(at)?, template));
                }
                let source = Source::Entry(entry);
                // Resolved once per decision where a decision can read several request values
                // (a set qualifier), or where the list holds many such templates: for one
                // request value and a few templates, trying each costs less than a decision's
                // table, and the compiled fast path of an unqualified list
                // (`engine/compile.rs`) reads each variable by its hash.
                let qualified = entry.operator.value.qualifier.is_some();
                let many = || {
                    let held = templates.iter().filter(|(_, t)| resolved::holds(t));
                    held.take(RESOLVED_ALONE_FROM).count() >= RESOLVED_ALONE_FROM
                };
                let held = (qualified || many()).then_some(&mut resolvable);
                index_strings(templates, source, like, fold, 0, &mut rest, held)
            }
            OperatorFamily::Numeric => {
                let numbers = values
                    .map(|v| match v {
                        TypedValue::Numeric(n) => Some(*n),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?;
                match keeps_largest(base) {
                    Some(largest) => Kind::NumberBound(bound(&numbers, largest)?),
                    None => Kind::Numbers(sorted(numbers)),
                }
            }
            OperatorFamily::Date => {
                let dates = values
                    .map(|v| match v {
                        TypedValue::Date(d) => Some(*d),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?;
                match keeps_largest(base) {
                    Some(largest) => Kind::DateBound(bound(&dates, largest)?),
                    None => Kind::Dates(sorted(dates)),
                }
            }
            OperatorFamily::Arn => {
                let mut components: [Vec<(Box<[u8]>, At)>; 3] = Default::default();
                let mut resource = Vec::new();
                let mut keyed = Vec::new();
                let mut offers = Vec::new();
                let mut seen = HashSet::new();
                if position(items.len())? >= GROUP {
                    return None;
                }
                for (at, value) in values.enumerate() {
                    let TypedValue::Arn(pattern) = value else {
                        return None;
                    };
                    if pattern.mode() != ArnPatternMode::Condition {
                        return None;
                    }
                    let at = position(at)?;
                    if !seen.insert(pattern.as_str()) {
                        continue;
                    }
                    if pattern.matches_nothing() {
                        // Matches no request text: adds nothing to the answer.
                        continue;
                    }
                    keyed.push((at, pattern));
                    offers.push(arn_keys(pattern));
                }
                let chosen = choose(&offers);
                // Plain patterns that share their key and their first five components as
                // written, in list order: one key cannot tell them apart.
                // Likewise patterns with variables in their resource part (`true`).
                let mut shared: HashMap<(Chosen<'_>, &str, bool), Vec<usize>> = HashMap::new();
                for (i, (&(_, pattern), key)) in keyed.iter().zip(&chosen).enumerate() {
                    if let Some((leading, _)) = arn_split_plain(pattern) {
                        shared.entry((*key, leading, false)).or_default().push(i);
                    } else if let Some((leading, _)) = arn_split_template(pattern) {
                        shared.entry((*key, leading, true)).or_default().push(i);
                    }
                }
                let mut shared: Vec<_> = shared
                    .into_iter()
                    .filter(|(_, members)| members.len() >= SET_FROM)
                    .collect();
                shared.sort_unstable_by_key(|(_, members)| members.first().copied());
                let mut groups = Vec::new();
                let mut entries: Vec<(At, Chosen<'_>)> = Vec::new();
                let mut grouped = vec![false; keyed.len()];
                for ((key, leading, variables), members) in shared {
                    let Some(id) = u32::try_from(groups.len()).ok().filter(|id| *id < GROUP) else {
                        break;
                    };
                    let Ok(leading) = ArnPattern::parse(
                        &format!("{leading}:*"),
                        ArnPatternMode::Condition,
                        false,
                    ) else {
                        continue;
                    };
                    let pattern = |i: &usize| keyed.get(*i).map(|&(_, p)| p);
                    let resources = if variables {
                        let templates = members.iter().filter_map(pattern);
                        let templates = templates.filter_map(|p| arn_split_template(p));
                        let templates = templates.map(|(_, t)| t.clone()).collect();
                        Resources::Templates(Box::new(TemplateList::new(templates, true, false, 0)))
                    } else {
                        let parts = members.iter().filter_map(pattern);
                        let parts = parts.filter_map(arn_split_plain).map(|(_, part)| part);
                        let Some(set) = WildcardSet::new(parts) else {
                            continue;
                        };
                        Resources::Set(set)
                    };
                    for &i in &members {
                        if let Some(flag) = grouped.get_mut(i) {
                            *flag = true;
                        }
                    }
                    groups.push(ArnGroup { leading, resources });
                    entries.push((GROUP | id, key));
                }
                let singles = keyed
                    .iter()
                    .zip(chosen)
                    .zip(grouped)
                    .filter(|(_, grouped)| !grouped)
                    .map(|((&(at, _), key), _)| (at, key));
                let mut loose = Vec::new();
                for (at, key) in singles.chain(entries) {
                    match key {
                        Some((Some(index), Key::Prefix(prefix))) => components
                            .get_mut(index.checked_sub(2)?)?
                            .push((prefix.as_bytes().into(), at)),
                        Some((None, key)) => resource.push((key, at)),
                        Some((Some(_), _)) | None if at & GROUP != 0 => loose.push(at),
                        Some((Some(_), _)) | None => rest.push(at),
                    }
                }
                Kind::Arns {
                    components: Box::new(components.map(Keyed::new)),
                    // Split components first: no set here (the groups are the sets).
                    resource: Patterns::new(resource, &mut rest, |_| None::<&str>),
                    groups: groups.into_boxed_slice(),
                    loose: loose.into_boxed_slice(),
                }
            }
            OperatorFamily::Ip => {
                let blocks = values
                    .map(|v| match v {
                        TypedValue::Ip(net) => Some(net),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?;
                Kind::Ips(IpSet::new(blocks))
            }
            OperatorFamily::Binary => {
                let texts = values
                    .map(|v| match v {
                        TypedValue::Binary(bytes) => Some(Box::<str>::from(encode_base64(bytes))),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?;
                Kind::Binary(sorted(texts))
            }
            OperatorFamily::Bool => {
                let mut accept = 0;
                for value in values {
                    let TypedValue::Bool(b) = value else {
                        return None;
                    };
                    accept |= boolean::bit(*b);
                }
                Kind::Bools(accept)
            }
            OperatorFamily::Null => return None,
        };
        let resolved = Resolved::new(&resolvable, string::ignores_case(base)).map(Box::new);
        if resolved.is_none() {
            // None to resolve (or, not expected, too many): one by one, as before.
            rest.extend(resolvable.iter().map(|&(at, _)| at));
        }
        if rest.len() == items.len() {
            // Nothing indexed: the plain pass (or a compiled fast path) is as good.
            return None;
        }
        Some(Self {
            kind,
            resolved,
            rest: rest.into_boxed_slice(),
        })
    }

    /// The positions of the values the index does not hold, to be tested one by one.
    pub(crate) fn rest(&self) -> impl Iterator<Item = usize> + '_ {
        self.rest.iter().map(|&at| at as usize)
    }

    /// Whether any value the index holds matches `request` (read for the operator's family)
    /// under the positive form of `base`, the entry's operator: the answer of the plain pass
    /// over those values. `entry` is the entry the index was built from; `resolve` gives the
    /// values of policy variables.
    pub(crate) fn any_match<'a>(
        &self,
        scope: Scope<'_>,
        entry: &ConditionEntry,
        base: BaseOperator,
        request: &Request<'_>,
        resolve: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> Truth {
        let held = self.held_match(entry, base, request, resolve);
        match (&self.resolved, request) {
            (Some(resolved), Request::Text(text)) if !held.is_true() => {
                held.or(Truth::from_bool(resolved.any(scope, entry, text, resolve)))
            }
            _ => held,
        }
    }

    /// Runs `f` with the scratch scope of one decision on this entry: the templates resolved
    /// once per decision are resolved at most once within it (from the request's key `names`
    /// when given and fewer than their variables).
    pub(crate) fn scope<R>(&self, names: Option<&dyn Names>, f: impl FnOnce(Scope<'_>) -> R) -> R {
        if self.resolved.is_some() {
            resolved::scope(names, f)
        } else {
            f(Scope::default())
        }
    }

    /// [`Self::any_match`] over the values the index holds but the resolved templates.
    fn held_match<'a>(
        &self,
        entry: &ConditionEntry,
        base: BaseOperator,
        request: &Request<'_>,
        resolve: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> Truth {
        let typed = |at: At| {
            entry
                .values
                .items
                .get(at as usize)
                .map(|item| &item.value.typed)
        };
        match (&self.kind, request) {
            (Kind::Strings { .. } | Kind::Folded(..), Request::Text(text)) => {
                Truth::from_bool(strings_any(&self.kind, Source::Entry(entry), text, resolve))
            }
            (Kind::Numbers(list), Request::Number(n)) => {
                Truth::from_bool(list.binary_search(n).is_ok())
            }
            (Kind::Dates(list), Request::Date(d)) => {
                Truth::from_bool(list.binary_search(d).is_ok())
            }
            (Kind::NumberBound(policy), Request::Number(n)) => {
                Truth::from_bool(ops::ordered(base, n, policy))
            }
            (Kind::DateBound(policy), Request::Date(d)) => {
                Truth::from_bool(ops::ordered(base, d, policy))
            }
            (
                Kind::Arns {
                    components,
                    resource,
                    groups,
                    loose,
                },
                Request::Text(text),
            ) => {
                // Text that is not six components matches no pattern (`ArnPattern::is_match`).
                let Some([_, _, service, region, account, rest]) = arn_components(text) else {
                    return Truth::False;
                };
                let try_at = |at: At| match at.checked_sub(GROUP) {
                    Some(id) => groups.get(id as usize).is_some_and(|group| {
                        arn_ops::matches(text, &group.leading, resolve)
                            && group.resources.any(rest, resolve)
                    }),
                    None => match typed(at) {
                        Some(TypedValue::Arn(pattern)) => arn_ops::matches(text, pattern, resolve),
                        _ => false,
                    },
                };
                let by_component = components
                    .iter()
                    .zip([service, region, account])
                    .any(|(keyed, component)| keyed.any(component.bytes(), try_at));
                Truth::from_bool(
                    by_component
                        || loose.iter().any(|&at| try_at(at))
                        || resource.any(rest, try_at),
                )
            }
            (Kind::Ips(set), Request::Ip(address)) => Truth::from_bool(set.contains(*address)),
            (Kind::Binary(list), Request::Base64(text)) => {
                // Whether the text decodes at all does not depend on the value compared.
                if base64_equals(text, &[]).is_none() {
                    return Truth::Unknown(UnknownReason::NotBase64);
                }
                Truth::from_bool(search(list, text))
            }
            (Kind::Bools(accept), Request::Bool(b)) => {
                Truth::from_bool(accept & boolean::bit(*b) != 0)
            }
            _ => Truth::Unknown(UnknownReason::PolicyValueType),
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::engine::condition::{Value, evaluate_entry, evaluate_indexed, evaluate_value_named};
    use crate::policy::PolicyType;
    use crate::policy::lower::parse_policy;
    use crate::request::{ContextScalar, ContextValue};
    use crate::variables::TemplateOptions;

    /// An operator family under test: its operators, the policy values and the request
    /// values drawn from (`n:` marks a number scalar, `b:` a boolean one).
    struct Family {
        ops: &'static [&'static str],
        values: &'static [&'static str],
        requests: &'static [&'static str],
    }

    const STRINGS: &[&str] = &[
        "a",
        "A",
        "ab",
        "aB",
        "key",
        "KEY",
        "\u{212A}ey",
        "é",
        "É",
        "\u{130}",
        "i",
        "stra\u{df}e",
        "a*",
        "*b",
        "?b",
        "a*b",
        "ab*cd",
        "*x*",
        "*",
        "",
        "x",
        "1",
        "true",
        "${aws:username}",
        "a${aws:username}*",
        "${aws:PrincipalTag/missing}",
        "x${*}y",
        "$",
        "a$b*",
        "v-${aws:username}",
        "${aws:username}-w",
        "*lic*",
        "*x*y*",
        "a*li*e",
    ];
    const STRING_REQUESTS: &[&str] = &[
        "a",
        "A",
        "ab",
        "aB",
        "abb",
        "acdcd",
        "key",
        "KEY",
        "\u{212A}EY",
        "\u{212A}ey",
        "é",
        "É",
        "\u{130}",
        "i\u{307}",
        "STRASSE",
        "stra\u{df}e",
        "b",
        "xb",
        "axb",
        "alice",
        "aalice",
        "aalicez",
        "x*y",
        "xay",
        "$",
        "a$bc",
        "v-alice",
        "alice-w",
        "v-bob",
        "xxyy",
        "x-y",
        "yx",
        "",
        "n:1",
        "b:true",
    ];
    const STRING: Family = Family {
        ops: &[
            "StringEquals",
            "StringNotEquals",
            "StringEqualsIgnoreCase",
            "StringNotEqualsIgnoreCase",
            "StringLike",
            "StringNotLike",
        ],
        values: STRINGS,
        requests: STRING_REQUESTS,
    };
    const NUMERIC: Family = Family {
        ops: &[
            "NumericEquals",
            "NumericNotEquals",
            "NumericLessThan",
            "NumericLessThanEquals",
            "NumericGreaterThan",
            "NumericGreaterThanEquals",
        ],
        values: &["1", "1.0", "2", "-3", "10", "0", "0.5", "1e1"],
        requests: &[
            "1", "1.0", "2", "-3", "10", "0", "0.5", "1e1", "x", "n:2", "b:true",
        ],
    };
    const DATE: Family = Family {
        ops: &[
            "DateEquals",
            "DateNotEquals",
            "DateLessThan",
            "DateGreaterThanEquals",
        ],
        values: &[
            "2020-01-01T00:00:00Z",
            "2021-06-01T12:00:00Z",
            "2020-01-01T01:00:00+01:00",
            "1577836800",
            "2030-01-01T00:00:00Z",
        ],
        requests: &[
            "2020-01-01T00:00:00Z",
            "2021-06-01T12:00:00Z",
            "2020-01-01T01:00:00+01:00",
            "1577836800",
            "2030-01-01T00:00:00Z",
            "n:1577836800",
            "never",
        ],
    };
    const ARN: Family = Family {
        ops: &["ArnEquals", "ArnNotEquals", "ArnLike", "ArnNotLike"],
        values: &[
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket-?/x",
            "arn:aws:iam::*:role/*",
            "arn:aws:iam::111122223333:role/r",
            "arn:*:*:*:*:*",
            "arn:aws:s3:::*-suffix",
            "arn:aws:s3:::*x-suffix",
            "arn:aws",
            "arn:aws:iam::*:user/${aws:username}",
            "*",
            "arn:a?s:s3:::b*",
            "arn:aws:sqs:us-east-1:1:q",
            "arn:aws:s3:::bucket/a:b",
            "*:*:*:*:*:*x*",
            "a*:b:c:d:e:f",
            "arn:aws:s3:::a$b*",
            "arn:aws:s3:::*-inner-*",
            "arn:aws:sqs:us-*:*:*",
        ],
        requests: &[
            "arn:aws:s3:::bucket/k",
            "arn:aws:s3:::bucket/",
            "arn:aws:s3:::bucket-1/x",
            "arn:aws:s3:::bucket-12/x",
            "arn:aws:iam::111122223333:role/r",
            "arn:aws:iam::111122223333:role/R",
            "arn:aws:iam::1:user/alice",
            "arn:aws:s3:::x-suffix",
            "arn:aws:s3:::-suffix",
            "arn:aws:s3:::ax-suffix",
            "arn:aws:s3:::bucket/a:b",
            "arn:aws:sqs:us-east-1:1:q",
            "arn:axs:s3:::bx",
            "a:b:c:d:e:f",
            "ab:b:c:d:e:fxf",
            "arn:aws:s3:::a$bc",
            "arn:aws:s3:::a-inner-b",
            "arn:aws:s3:::-inner",
            "arn:aws:sqs:us-east-2:1:q",
            "arn:aws:sqs:eu-west-1:1:q",
            "not-an-arn",
            "arn:aws:s3",
            "",
            "n:1",
        ],
    };
    const IP: Family = Family {
        ops: &["IpAddress", "NotIpAddress"],
        values: &[
            "10.0.0.0/8",
            "10.1.0.0/16",
            "192.0.2.7",
            "2001:db8::/32",
            "::/0",
            "0.0.0.0/0",
            "10.9.9.9/8",
            "172.16.0.0/12",
            "::ffff:10.0.0.1",
            "203.0.113.0/31",
        ],
        requests: &[
            "10.1.2.3",
            "11.0.0.1",
            "2001:db8::5",
            "2001:db9::5",
            "::ffff:10.0.0.1",
            "192.0.2.7",
            "192.0.2.8",
            "172.31.255.255",
            "203.0.113.1",
            "203.0.113.2",
            "not-an-ip",
            "10.0.0.0/8",
            "n:1",
        ],
    };
    const BINARY: Family = Family {
        ops: &["BinaryEquals"],
        values: &["QUJD", "QUI=", "", "QQ==", "AAAA", "QUJDRA==", "/+8="],
        requests: &[
            "QUJD",
            "QUI=",
            "",
            "QQ==",
            "AAAA",
            "QUJ=",
            "QR==",
            "QUI",
            "QQ",
            "/+8=",
            "_-8=",
            "not base64!",
            "QUJDRA==",
            "QUJDRA",
            "n:1",
        ],
    };
    const BOOL: Family = Family {
        ops: &["Bool"],
        values: &["true", "false", "True", "TRUE"],
        requests: &["true", "false", "TRUE", "x", "", "b:true", "b:false", "n:1"],
    };
    const FAMILIES: &[Family] = &[STRING, NUMERIC, DATE, ARN, IP, BINARY, BOOL];

    /// The condition entry of a policy with one condition.
    pub(super) fn entry(operator: &str, values: &[&str]) -> Option<ConditionEntry> {
        let values: Vec<String> = values
            .iter()
            .map(|v| serde_json::Value::String((*v).to_owned()).to_string())
            .collect();
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Action":"*","Resource":"*",
                "Condition":{{"{operator}":{{"k":[{}]}}}}}}}}"#,
            values.join(",")
        );
        let policy = parse_policy(&text, PolicyType::Identity).ok()?;
        policy.statements.first()?.conditions.first().cloned()
    }

    fn scalar(spec: &str) -> ContextScalar {
        if let Some(n) = spec.strip_prefix("n:") {
            ContextScalar::Number(n.to_owned())
        } else if let Some(b) = spec.strip_prefix("b:") {
            ContextScalar::Bool(b == "true")
        } else {
            ContextScalar::String(spec.to_owned())
        }
    }

    /// `aws:username` is `alice`; every other variable has no value.
    fn resolve(key: &str) -> Option<&'static str> {
        (key == "aws:username").then_some("alice")
    }

    /// `operator` under qualifier `qualifier` (0 none, 1 `ForAllValues:`, else `ForAnyValue:`).
    fn qualified(operator: &str, qualifier: usize) -> String {
        match qualifier {
            0 => operator.to_owned(),
            1 => format!("ForAllValues:{operator}"),
            _ => format!("ForAnyValue:{operator}"),
        }
    }

    /// The index's answer for the one string `text` (variables as [`resolve`] gives them),
    /// checked against the plain pass.
    fn agrees(entry: &ConditionEntry, index: &ValueIndex, text: &str) -> bool {
        let value = ContextValue::Single(ContextScalar::String(text.to_owned()));
        let indexed = evaluate_indexed(entry, Some(index), Some(&value), resolve);
        assert_eq!(
            indexed,
            evaluate_entry(entry, Some(&value), resolve),
            "{text:?}"
        );
        indexed.is_true()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The index answers as the plain pass does, for every indexed family, every
        /// qualifier and `…IfExists`, single and multi-valued keys, values with policy
        /// variables (tested one by one), request values that do not read as the family's
        /// type (unknown, which fails closed) and non-ASCII text under the `…IgnoreCase`
        /// operators.
        #[test]
        fn index_agrees_with_the_plain_pass(
            family in 0..FAMILIES.len(),
            op in 0..6usize,
            qualifier in 0..3usize,
            if_exists in any::<bool>(),
            values in prop::collection::vec(0..64usize, INDEX_FROM..24),
            request in prop::collection::vec(0..64usize, 0..6),
            single in any::<bool>(),
        ) {
            let family = &FAMILIES[family];
            let mut operator = family.ops[op % family.ops.len()].to_owned();
            if if_exists {
                operator.push_str("IfExists");
            }
            let operator = qualified(&operator, qualifier);
            let texts: Vec<&str> =
                values.iter().map(|&i| family.values[i % family.values.len()]).collect();
            let Some((entry, index)) = indexed(&operator, &texts) else {
                return Ok(());
            };
            let pick = |i: usize| scalar(family.requests[i % family.requests.len()]);
            let value = if single && !request.is_empty() {
                ContextValue::Single(pick(request[0]))
            } else {
                ContextValue::Multi(request.iter().map(|&i| pick(i)).collect())
            };
            let plain = evaluate_entry(&entry, Some(&value), resolve);
            let indexed = evaluate_indexed(&entry, Some(&index), Some(&value), resolve);
            prop_assert_eq!(indexed, plain, "{} {:?} on {:?}", operator, texts, value);
            let absent = evaluate_entry(&entry, None, resolve);
            prop_assert_eq!(evaluate_indexed(&entry, Some(&index), None, resolve), absent);
        }
    }

    /// The indexed pass answers as the plain pass on `request` as one multi-valued key and on
    /// each of its texts as a single value.
    fn indexed_agrees_on_strings(
        entry: &ConditionEntry,
        index: &ValueIndex,
        request: &[String],
    ) -> Result<(), TestCaseError> {
        indexed_agrees_under(entry, index, request, resolve)
    }

    /// [`indexed_agrees_on_strings`] with the variables resolved by `resolve`.
    fn indexed_agrees_under<'a>(
        entry: &ConditionEntry,
        index: &ValueIndex,
        request: &[String],
        resolve: impl Fn(&str) -> Option<&'a str> + Copy,
    ) -> Result<(), TestCaseError> {
        let value = ContextValue::Multi(
            request
                .iter()
                .map(|t| ContextScalar::String(t.clone()))
                .collect(),
        );
        let plain = evaluate_entry(entry, Some(&value), resolve);
        let indexed = evaluate_indexed(entry, Some(index), Some(&value), resolve);
        prop_assert_eq!(indexed, plain, "{:?} on {:?}", entry, value);
        for text in request {
            let single = ContextValue::Single(ContextScalar::String(text.clone()));
            prop_assert_eq!(
                evaluate_indexed(entry, Some(index), Some(&single), resolve),
                evaluate_entry(entry, Some(&single), resolve),
                "{:?} on {:?}",
                entry,
                text
            );
        }
        Ok(())
    }

    /// The condition entry of `operator` over `values` and its index; `None` when the
    /// values do not parse or are not indexed (nothing to compare then).
    fn indexed<S: AsRef<str>>(
        operator: &str,
        values: &[S],
    ) -> Option<(ConditionEntry, ValueIndex)> {
        let refs: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
        let entry = entry(operator, &refs)?;
        let index = ValueIndex::build(&entry)?;
        Some((entry, index))
    }

    /// [`indexed_agrees_on_strings`] for the list `values` of `operator` (see [`indexed`]).
    fn list_agrees_on_strings(
        operator: &str,
        values: &[String],
        request: &[String],
    ) -> Result<(), TestCaseError> {
        match indexed(operator, values) {
            Some((entry, index)) => indexed_agrees_on_strings(&entry, &index, request),
            None => Ok(()),
        }
    }

    /// A pattern of a list whose patterns share the literals `ab` and `cd` and differ in
    /// their gaps, wildcards and anchoring (drawn from `shape`).
    fn sharing(shape: (usize, u8, u8, u8)) -> String {
        let (gap, lead, middle, tail) = shape;
        let lead = ["*", "", "?", "*?"][usize::from(lead % 4)];
        let middle = ["", "*", "?*", "*é"][usize::from(middle % 4)];
        let tail = ["*", "", "?", "é*", "*d"][usize::from(tail % 5)];
        format!("{lead}ab{}{middle}cd{tail}", "?".repeat(gap))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Lists of patterns that share their literals (matched as a `WildcardSet`) answer as
        /// the plain pass does, under every qualifier, `StringLike` and `StringNotLike`.
        #[test]
        fn shared_literal_sets_agree_with_the_plain_pass(
            shapes in prop::collection::vec((0..12usize, any::<u8>(), any::<u8>(), any::<u8>()), SET_FROM..30),
            extra in prop::collection::vec(0..STRINGS.len(), 0..4),
            op in 0..2usize,
            qualifier in 0..3usize,
            request in prop::collection::vec(
                prop::collection::vec(prop::sample::select(vec!['a', 'b', 'c', 'd', 'é', 'x']), 0..40)
                    .prop_map(String::from_iter),
                0..5,
            ),
        ) {
            let operator = ["StringLike", "StringNotLike"][op];
            let operator = qualified(operator, qualifier);
            let mut texts: Vec<String> = shapes.into_iter().map(sharing).collect();
            texts.extend(extra.iter().map(|&i| STRINGS[i].to_owned()));
            list_agrees_on_strings(&operator, &texts, &request)?;
        }
    }

    /// A pattern keyed by an inner run of digits that digit text holds everywhere (checked at
    /// the key's occurrences, `Pinned`), with up to three floating segments before or after
    /// the key's.
    fn pinned_shape(shape: (u16, u8, u8, u8)) -> String {
        let (digits, lead, middle, tail) = shape;
        let leads = ["*", "1*", "?*", "*?", "", "*é", "*x*", "*é?*2*", "0*?x*"];
        let middle = ["?x", "", "?", "x?", "é", "??1"][usize::from(middle % 6)];
        let tails = ["*", "*x", "*?", "", "*2*x", "**", "*x*", "*?x*é*", "*2*?*0"];
        let lead = leads[usize::from(lead % 9)];
        let tail = tails[usize::from(tail % 9)];
        format!("{lead}{}{middle}{tail}", digits % 200)
    }

    /// A pattern of a list whose every pattern is pinned to an inner run of digits and needs
    /// a byte after it (so that the checks are gated by that byte).
    fn gated_shape(shape: (u16, u8, u8, u8)) -> String {
        let (digits, lead, middle, tail) = shape;
        let lead = ["*", "*?", "*1", "*é"][usize::from(lead % 4)];
        let middle = ["?x", "x?", "??1", "?x?2", "x"][usize::from(middle % 5)];
        let tail = ["*", "*?", "*x", "**", "*2*", "*x*é?*"][usize::from(tail % 6)];
        format!("{lead}{}{middle}{tail}", digits % 200)
    }

    /// A pattern of a list whose every pattern is pinned with literal text in a floating
    /// segment around its key's (`*1?x*y<i>*`: the text a check needs a window of, and the
    /// bytes that window needs, `Inner::frame_gates`).
    fn framed_shape(shape: (u16, u8, u8, u8)) -> String {
        let (digits, lead, middle, tail) = shape;
        let (lead, tail) = match lead % 6 {
            0 => (
                ["*1?x*", "*x*", "*é?*", "*2*?x*"][usize::from(tail % 4)],
                "*",
            ),
            1 => ("*", ["*x*", "*?é*", "*x?1*2*"][usize::from(tail % 3)]),
            2 => ("*0?*", ["*x*", "*2"][usize::from(tail % 2)]),
            3 => ("2*x*", ["*", "*1*"][usize::from(tail % 2)]),
            4 => ("*", "*x*2"),
            _ => ("*x*é", ""),
        };
        let middle = ["", "?", "x", "1"][usize::from(middle % 4)];
        format!("{lead}y{}{middle}{tail}", digits % 200)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Lists of patterns whose inner keys occur all over the request text (pinned to
        /// their key or tried once per text) answer as the plain pass does, under every
        /// qualifier, `StringLike` and `StringNotLike`.
        #[test]
        fn pinned_inner_keys_agree_with_the_plain_pass(
            shapes in prop::collection::vec((any::<u16>(), any::<u8>(), any::<u8>(), any::<u8>()), INDEX_FROM..30),
            kind in 0..3usize,
            op in 0..2usize,
            qualifier in 0..3usize,
            request in prop::collection::vec(
                prop::collection::vec(
                    prop::sample::select(vec!['1', '2', '3', '0', 'x', 'é', '1', '2', 'y', 'y']),
                    0..40,
                )
                .prop_map(String::from_iter),
                0..5,
            ),
        ) {
            let operator = ["StringLike", "StringNotLike"][op];
            let operator = qualified(operator, qualifier);
            let shape = [pinned_shape, gated_shape, framed_shape][kind];
            let texts: Vec<String> = shapes.into_iter().map(shape).collect();
            list_agrees_on_strings(&operator, &texts, &request)?;
        }
    }

    /// A pattern of a list whose patterns each have a frame of their own around their own key
    /// (`*<a>?x*y<b>*` and the like): most frames cannot be placed in a text holding a few of
    /// their segments, which is answered from the keys of those that can
    /// (`Inner::frames_first`).
    fn own_frame_shape(shape: (u8, u8, u8, u8)) -> String {
        let (a, b, lead, tail) = (shape.0 % 12, shape.1 % 12, shape.2, shape.3);
        let lead = match lead % 5 {
            0 => format!("*{a}?x*"),
            1 => format!("*{a}?x*{b}?z*"),
            2 => format!("*é?{a}x*"),
            3 => format!("{a}*{a}x*"),
            _ => "*".to_owned(),
        };
        let middle = ["", "?q", "?", "x"][usize::from(tail % 4)];
        let key = if tail % 3 == 0 {
            format!("y{b}y{b}")
        } else {
            format!("y{b}")
        };
        let tail = match (tail / 4) % 4 {
            0 => "*".to_owned(),
            1 => format!("*{a}?z*"),
            2 => "*x".to_owned(),
            _ => String::new(),
        };
        format!("{lead}{key}{middle}{tail}")
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Lists whose patterns each have a frame of their own answer as the plain pass does
        /// on texts holding some of their segments and keys (overlapping ones included),
        /// under every qualifier, `StringLike` and `StringNotLike`.
        #[test]
        fn own_frames_agree_with_the_plain_pass(
            shapes in prop::collection::vec(any::<(u8, u8, u8, u8)>(), INDEX_FROM..40),
            op in 0..2usize,
            qualifier in 0..3usize,
            request in prop::collection::vec(
                prop::collection::vec(
                    prop::sample::select(vec![
                        "y1", "y2", "y11", "y1y1", "1ax", "2ax", "11ax", "1az", "2éz", "é", "x",
                        "q", "aq", "0", "1", "y",
                    ]),
                    0..12,
                )
                .prop_map(|pieces| pieces.concat()),
                0..5,
            ),
        ) {
            let operator = ["StringLike", "StringNotLike"][op];
            let operator = qualified(operator, qualifier);
            let texts: Vec<String> = shapes.into_iter().map(own_frame_shape).collect();
            list_agrees_on_strings(&operator, &texts, &request)?;
        }
    }

    /// A pattern of a list outside the four-byte gated pass: frames whose segments are
    /// gated by one of many letters (`*<a>?<c>*y<b>*`), pairs of shared letters
    /// (`*<c>?<d>*y<b>*`), or anchored by a piece longer than 16 bytes
    /// (`*p<a>-0123456789abcdef?x*y<b>*`, the piece's windows shared between patterns).
    fn wide_gate_shape(shape: (u8, u8, u8, u8)) -> String {
        const LETTERS: &[u8] = b"abcdefgh";
        let (a, b) = (shape.0 % 12, shape.1 % 12);
        let c = char::from(LETTERS[usize::from(shape.2) % LETTERS.len()]);
        let d = char::from(LETTERS[usize::from(shape.2 / 8) % LETTERS.len()]);
        let lead = match shape.3 % 5 {
            0 => format!("*{a}?{c}*"),
            1 => format!("*{c}?{d}*"),
            2 => format!("*p{a}-{LONG}?x*"),
            3 => format!("*{LONG}{a}?{c}*"),
            _ => format!("*p{a}-{LONG}*{c}?{d}*"),
        };
        let tail = ["*", "", "?x*", "*é?{c}*"][usize::from(shape.3 / 5) % 4]
            .replace("{c}", &c.to_string());
        format!("{lead}y{b}{tail}")
    }

    /// A literal piece longer than the 16 bytes a gated pass reads.
    const LONG: &str = "0123456789abcdef";

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Lists whose frames have more than four gating bytes, or pieces longer than 16
        /// bytes, answer as the plain pass does (every qualifier, `StringLike` and
        /// `StringNotLike`), on texts holding some of their segments and keys.
        #[test]
        fn wide_gates_and_long_anchors_agree_with_the_plain_pass(
            shapes in prop::collection::vec(any::<(u8, u8, u8, u8)>(), INDEX_FROM..40),
            op in 0..2usize,
            qualifier in 0..3usize,
            request in prop::collection::vec(
                prop::collection::vec(
                    prop::sample::select(vec![
                        "y1", "y2", "y11", "1za", "2zb", "azb", "bzc", "ab", "p1-", "p2-",
                        "0123456789abcdef", "0123456789abcdefzx", "p1-0123456789abcdefzx",
                        "é", "x", "zx", "c", "0", "1", "y",
                    ]),
                    0..12,
                )
                .prop_map(|pieces| pieces.concat()),
                0..5,
            ),
        ) {
            let operator = ["StringLike", "StringNotLike"][op];
            let operator = qualified(operator, qualifier);
            let texts: Vec<String> = shapes.into_iter().map(wide_gate_shape).collect();
            list_agrees_on_strings(&operator, &texts, &request)?;
        }
    }

    #[test]
    fn inner_keys_pin_plain_patterns() {
        let like: Vec<String> = (0..10)
            .map(|i| format!("*{i}?x*"))
            .chain((0..10).map(|i| format!("*{i}?x*y*")))
            .collect();
        let refs: Vec<&str> = like.iter().map(String::as_str).collect();
        let index = built("StringLike", &refs).unwrap();
        let Kind::Strings { patterns, .. } = &index.kind else {
            panic!("{index:?}")
        };
        let inner = patterns.inner.as_ref().unwrap();
        // Every pattern pinned, those with a floating segment after the key's too; two
        // frames (`*` and `*`, `*` and `y*`).
        assert_eq!(inner.pinned.len(), 20);
        assert_eq!(inner.patterns.iter().map(|p| p.len()).sum::<usize>(), 0);
        assert_eq!(inner.frames, 2);
        assert_eq!(&*inner.gates, &[(1, b'x')]);
        // Every pattern pinned, each needing an `x` one byte after its key: gated by `x`.
        let gated: Vec<String> = (0..300).map(|i| format!("*{i}?x*")).collect();
        let gated: Vec<&str> = gated.iter().map(String::as_str).collect();
        let index = built("StringLike", &gated).unwrap();
        let Kind::Strings { patterns, .. } = &index.kind else {
            panic!("{index:?}")
        };
        assert_eq!(&*patterns.inner.as_ref().unwrap().gates, &[(1, b'x')]);
        let gated_entry = entry("StringLike", &gated).unwrap();
        let digits: String = "0123456789".repeat(50);
        let dense_x = format!("{}{}", "9x".repeat(400), "299zx");
        for text in [
            digits.as_str(),
            "01x",
            "0x1",
            "xx9ax",
            &dense_x,
            "5é5x",
            "299x",
        ] {
            agrees(&gated_entry, &index, text);
        }
        let entry = entry("StringLike", &refs).unwrap();
        for text in [
            "0123456789",
            "01x",
            "0x1",
            "xx9ax",
            "9axy",
            "55",
            "5é5x",
            "y5ax",
            "5ay5ax",
            "5ax5ayy",
            "5éxé",
            "5éxéy",
            "ééy5éxé",
        ] {
            agrees(&entry, &index, text);
        }
    }

    #[test]
    fn a_text_without_the_bytes_every_frame_needs_is_answered_at_once() {
        // Each pattern pinned to its own `y<i>`, the text before it (`*<i>?x`) a frame of its
        // own: every frame needs an `x`.
        let like: Vec<String> = (0..40).map(|i| format!("*{i}?x*y{i}*")).collect();
        let refs: Vec<&str> = like.iter().map(String::as_str).collect();
        for operator in ["StringLike", "StringNotLike"] {
            let index = built(operator, &refs).unwrap();
            let Kind::Strings { patterns, .. } = &index.kind else {
                panic!("{index:?}")
            };
            let inner = patterns.inner.as_ref().unwrap();
            assert_eq!(inner.pinned.len(), 40);
            assert_eq!(inner.frames, 40);
            assert_eq!(&*inner.frame_gates, b"x");
            let entry = entry(operator, &refs).unwrap();
            let like = operator == "StringLike";
            let every_key: String = (0..40).map(|i| format!("y{i}")).collect();
            assert_eq!(agrees(&entry, &index, &every_key), !like);
            // An `x` two bytes after `7`, before `y7` (and not before `y8`): a match.
            assert_eq!(agrees(&entry, &index, "y8y17axy7"), like);
            assert_eq!(agrees(&entry, &index, "y8y7y17ax"), !like);
            assert_eq!(agrees(&entry, &index, "x7y7"), !like);
        }
        // A pattern needing no floating byte (`*y<i>*`): no frame gate.
        let mixed: Vec<String> = (0..10)
            .map(|i| format!("*{i}?x*y{i}*"))
            .chain(["*yz*".to_owned()])
            .collect();
        let refs: Vec<&str> = mixed.iter().map(String::as_str).collect();
        let index = built("StringLike", &refs).unwrap();
        let Kind::Strings { patterns, .. } = &index.kind else {
            panic!("{index:?}")
        };
        assert!(patterns.inner.as_ref().unwrap().frame_gates.is_empty());
        assert!(agrees(&entry("StringLike", &refs).unwrap(), &index, "yz"));
    }

    /// Whether the last text placed its frames in one pass (`Placement`), as the thread's
    /// scratch says after a call.
    fn placed_together() -> bool {
        INNER.with(|cell| cell.borrow().frames.placed == Some(true))
    }

    #[test]
    fn frames_are_placed_together_in_one_pass() {
        // `B` of its own per pattern (`*<i>?x`), gated by the `x` after the key's digits: the
        // segments are found through the `x` before any key is walked.
        let front: Vec<String> = (0..40).map(|i| format!("*{i}?x*y{i}*")).collect();
        // `Q` of its own (`<i>?x*`): the rightmost occurrence of the segment decides.
        let back: Vec<String> = (0..40).map(|i| format!("*y{i}*{i}?x*")).collect();
        // Two floating segments before the key, each placed after the one before.
        let chain: Vec<String> = (0..40).map(|i| format!("*{i}?x*{i}?z*y{i}*")).collect();
        let every_key: String = (0..40).map(|i| format!("y{i}")).collect();
        // A list, and texts with the answer `StringLike` gives.
        type Case<'a> = (&'a [String], &'a [(&'a str, bool)]);
        let cases: [Case<'_>; 3] = [
            (
                &front,
                &[
                    (&format!("x{every_key}"), false),
                    // `7?x` before `y7`; `17?x` only after `y17`.
                    ("y17axy7", true),
                    ("y1y17ax", false),
                    // The anchor `3` first where `3?x` does not fit (`33a`), then where it does.
                    ("33axy3", true),
                    ("é7éxy7", true),
                    ("y7é7éx", false),
                ],
            ),
            (
                &back,
                &[
                    (&format!("x{every_key}"), false),
                    // The rightmost `3?x` after `y3`, though the first one is before it.
                    ("3axy33bx", true),
                    ("3axy3", false),
                    ("y3é3éx", true),
                ],
            ),
            (
                &chain,
                &[
                    // `4?x` placed at its first occurrence, `4?z` after it, then `y4`.
                    ("4ax4bzy4", true),
                    // The first `4?z` lies before the first `4?x`: the second one is needed.
                    ("4bz4ax4czy4", true),
                    ("4bz4axy4", false),
                    ("4ax4bz4", false),
                ],
            ),
        ];
        for (list, texts) in cases {
            let refs: Vec<&str> = list.iter().map(String::as_str).collect();
            for operator in ["StringLike", "StringNotLike"] {
                let index = built(operator, &refs).unwrap();
                let entry = entry(operator, &refs).unwrap();
                let like = operator == "StringLike";
                for &(text, want) in texts {
                    assert_eq!(agrees(&entry, &index, text), want == like, "{text:?}");
                }
                // A text holding every key and each pattern's segment once, out of place
                // (after its key for `B`, before it for `Q`): placed in one pass, no match.
                let segments: String = (0..40).map(|i| format!("{i}ax{i}bz")).collect();
                let scattered = if list == back.as_slice() {
                    format!("{segments}{every_key}")
                } else {
                    format!("{every_key}{segments}")
                };
                assert_eq!(agrees(&entry, &index, &scattered), !like, "{scattered:?}");
                assert!(placed_together(), "{list:?}");
            }
        }
    }

    /// Whether the last text was answered from the frames its segments leave live
    /// (`Inner::frames_first`), as the thread's scratch says after a call.
    fn answered_from_frames() -> bool {
        INNER.with(|cell| cell.borrow().frames.frames_first)
    }

    #[test]
    fn a_text_where_few_frames_can_be_placed_is_answered_from_their_keys() {
        // Each pattern pinned to its own key, its frame of its own (`*<i>?x`); in the
        // second list the key repeats itself, so that only an overlapping occurrence fits.
        let own: Vec<String> = (0..40).map(|i| format!("*{i}?x*y{i}*")).collect();
        let twice: Vec<String> = (0..40).map(|i| format!("*{i}?x*y{i}y{i}?q*")).collect();
        let every_key: String = (1..40).map(|i| format!("y{i}")).collect();
        type Case<'a> = (&'a [String], &'a [(&'a str, bool)]);
        let cases: [Case<'_>; 2] = [
            (
                &own,
                &[
                    // `0?x` occurs, `y0` only before it; every other key, no other segment.
                    (&format!("y00zx{every_key}"), false),
                    (&format!("y00zx{every_key}y0"), true),
                    // Many segments, none of their keys after them.
                    ("y1y2y3y41ax2ax3ax4ax", false),
                    ("1ax2ax3axy3", true),
                    ("é3éxy3", true),
                    ("y3é3éx", false),
                ],
            ),
            (
                &twice,
                &[
                    // `y1y1?q` fits only at the second of the overlapping `y1y1`.
                    ("1axy1y1y1aq", true),
                    ("1axy1y1y1q", false),
                    ("y1y1y1aq1ax", false),
                ],
            ),
        ];
        for (list, texts) in cases {
            let refs: Vec<&str> = list.iter().map(String::as_str).collect();
            for operator in ["StringLike", "StringNotLike"] {
                let index = built(operator, &refs).unwrap();
                let entry = entry(operator, &refs).unwrap();
                let like = operator == "StringLike";
                for &(text, want) in texts {
                    assert_eq!(agrees(&entry, &index, text), want == like, "{text:?}");
                    assert!(answered_from_frames(), "{text:?}");
                }
            }
        }
        // A text where every frame can be placed is left to the walk past the budget.
        let many: Vec<String> = (0..400).map(|i| format!("*{i}?x*y{i}*")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let index = built("StringLike", &refs).unwrap();
        let entry = entry("StringLike", &refs).unwrap();
        let segments: String = (0..400).map(|i| format!("{i}ax")).collect();
        assert!(!agrees(&entry, &index, &segments));
        assert!(!answered_from_frames());
        assert!(agrees(&entry, &index, &format!("{segments}y399")));
        assert!(!answered_from_frames());
        assert!(placed_together());
    }

    #[test]
    fn covering_bytes_cover_every_pattern() {
        let needs: [&[u8]; 4] = [b"1x", b"2x", b"3y", b"y"];
        // `x` and `y` are needed by two patterns each (the later byte taken on a tie).
        assert_eq!(&*super::covering_bytes(needs.into_iter()), b"yx");
        let five: [&[u8]; 5] = [b"a", b"b", b"c", b"d", b"e"];
        assert!(super::covering_bytes(five.into_iter()).is_empty());
        let none: [&[u8]; 2] = [b"a", b""];
        assert!(super::covering_bytes(none.into_iter()).is_empty());
    }

    #[test]
    fn a_match_through_one_gate_decides_whatever_the_later_gates_find() {
        // Two gates, `x` and `y` one byte after the key: a match through the first stands.
        let like: Vec<String> = (0..300)
            .map(|i| format!("*{i}?x*"))
            .chain((0..300).map(|i| format!("*{i}?y*")))
            .collect();
        let refs: Vec<&str> = like.iter().map(String::as_str).collect();
        for operator in ["StringLike", "StringNotLike"] {
            let index = built(operator, &refs).unwrap();
            let Kind::Strings { patterns, .. } = &index.kind else {
                panic!("{index:?}")
            };
            assert_eq!(
                &*patterns.inner.as_ref().unwrap().gates,
                &[(1, b'x'), (1, b'y')]
            );
            let entry = entry(operator, &refs).unwrap();
            let like = operator == "StringLike";
            assert_eq!(agrees(&entry, &index, "5ax"), like);
            assert_eq!(agrees(&entry, &index, "5ay"), like);
            assert_eq!(agrees(&entry, &index, "5axzzzzzzzzzzzzz"), like);
            assert_eq!(agrees(&entry, &index, "5az"), !like);
        }
    }

    #[test]
    fn patterns_sharing_their_key_are_matched_as_a_set() {
        let like: Vec<String> = (1..21)
            .map(|i| format!("*ab{}cd*", "?".repeat(i)))
            .chain((0..3).map(|i| format!("*-{i}-*")))
            .chain(["*${aws:username}-*ab*".to_owned()])
            .collect();
        let refs: Vec<&str> = like.iter().map(String::as_str).collect();
        let entry = entry("ForAnyValue:StringLike", &refs).unwrap();
        let index = ValueIndex::build(&entry).unwrap();
        let Kind::Strings { patterns, .. } = &index.kind else {
            panic!("{index:?}")
        };
        // One set for the twenty `*ab…cd*`, one key each for the `*-i-*`.
        assert_eq!(patterns.sets.len(), 1);
        assert_eq!(patterns.sets[0].len(), 20);
        let inner = patterns.inner.as_ref().unwrap();
        // And `-` for `*${aws:username}-*ab*` (the key no other value shares; a variable in
        // the head would be resolved once per decision instead, `resolved`).
        assert_eq!(
            inner.patterns.iter().map(|p| p.len()).sum::<usize>() + inner.pinned.len(),
            5
        );
        let hit = format!("ab{}cd", "é".repeat(20));
        let miss = format!("ab{}cd", "é".repeat(21));
        for text in ["xx-2-", "ab", "alice-ab", "x-alice-ab"] {
            agrees(&entry, &index, text);
        }
        assert!(agrees(&entry, &index, &hit));
        assert!(!agrees(&entry, &index, &miss));
        // ARN patterns that share their first five components and their key: one group
        // (components first, then the resource parts as a set), not a `Patterns` set.
        let arns: Vec<String> = (0..20)
            .map(|i| format!("arn:aws:s3:::*ab{}cd*", "?".repeat(i)))
            .chain(["arn:aws:s3:::x".to_owned()])
            .collect();
        let refs: Vec<&str> = arns.iter().map(String::as_str).collect();
        let entry = self::entry("ArnLike", &refs).unwrap();
        let index = ValueIndex::build(&entry).unwrap();
        let Kind::Arns {
            resource, groups, ..
        } = &index.kind
        else {
            panic!("{index:?}")
        };
        assert!(resource.sets.is_empty());
        assert_eq!(groups.len(), 1);
        // `*abcd*` has a key of its own (`abcd`); the 19 others share `s3`.
        assert!(matches!(&groups[0].resources, Resources::Set(set) if set.len() == 19));
        let long = format!("arn:aws:s3:::ab{}cd", "?".repeat(19));
        let too_long = format!("arn:aws:s3:::ab{}cd", "?".repeat(20));
        for (text, expected) in [
            (long.as_str(), true),
            (too_long.as_str(), false),
            ("arn:aws:s3:::x", true),
            ("arn:aws:s3::1:abcd", false),
            ("arn:aws:S3:::abcd", false),
            ("arn:aws:s3:::ABCD", false),
            ("arn:aws:s3:::a:b:abcd:x", true),
        ] {
            assert_eq!(agrees(&entry, &index, text), expected, "{text}");
        }
    }

    /// A resource part of an ARN pattern list whose patterns share the literals `ab` and
    /// `c:d` and differ in their gaps and wildcards; a few anchor one end (another key).
    fn arn_sharing(shape: (usize, u8, u8, u8)) -> String {
        let (gap, lead, middle, tail) = shape;
        let lead = ["*", "*?", "?*", "*", ""][usize::from(lead % 5)];
        let middle = ["", "*", "?*", "*?"][usize::from(middle % 4)];
        let tail = ["*", "?*", "*?", "*", "/*x"][usize::from(tail % 5)];
        format!("{lead}ab{}{middle}c:d{tail}", "?".repeat(gap))
    }

    /// A concrete first five components of a request ARN (the case and the colons count).
    const ARN_HEADS: [&str; 7] = [
        "arn:aws:s3::",
        "arn:aws:s3:us-east-1:",
        "ARN:aws:s3::",
        "arn:aws:s3::111122223333",
        "arn:aXs:s3::",
        "arn:aws:sqs:x:12",
        "arn:aws:s3",
    ];

    /// The first five components of a policy ARN pattern, wildcards included.
    const ARN_LEADS: [&str; 6] = [
        "arn:aws:s3::",
        "arn:aws:s3:*:",
        "arn:a?s:s3::",
        "ARN:aws:s3::",
        "arn:aws:s*:*:1?",
        "*:*:*:*:*",
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// ARN pattern lists grouped by their first five components (matched as one
        /// `ArnGroup`) answer as the patterns tried one at a time do: `ArnLike`, `ArnNotLike`
        /// and `ArnEquals` under every qualifier, with the case, wildcards in the first five
        /// components and `*` spanning colons in the resource part.
        #[test]
        fn arn_groups_agree_with_one_pattern_at_a_time(
            shapes in prop::collection::vec(
                (0..ARN_LEADS.len(), 0..8usize, any::<u8>(), any::<u8>(), any::<u8>(), any::<bool>()),
                SET_FROM..30,
            ),
            lead in 0..ARN_LEADS.len(),
            op in 0..3usize,
            qualifier in 0..3usize,
            request in prop::collection::vec(
                (
                    0..ARN_HEADS.len(),
                    prop::collection::vec(
                        prop::sample::select(vec!["ab", "c:d", "a", "c", "AB", "é", ":", "/", "x"]),
                        0..16,
                    )
                    .prop_map(|chunks| chunks.concat()),
                ),
                0..5,
            ),
        ) {
            let operator = ["ArnLike", "ArnNotLike", "ArnEquals"][op];
            let operator = qualified(operator, qualifier);
            // Most patterns share one lead (so that a group forms); the others draw theirs.
            let texts: Vec<String> = shapes
                .into_iter()
                .map(|(own, gap, a, b, c, shared)| {
                    let lead = ARN_LEADS[if shared { lead } else { own }];
                    let part = arn_sharing((gap, a, b, c));
                    format!("{lead}:{part}")
                })
                .collect();
            let request: Vec<String> = request
                .into_iter()
                .map(|(head, part)| format!("{}:{part}", ARN_HEADS[head]))
                .collect();
            list_agrees_on_strings(&operator, &texts, &request)?;
        }
    }

    /// How a template of [`templates_with_variables_agree_with_the_plain_pass`] begins (most
    /// of a list share one, so that templates group by their lead and first variable).
    const TEMPLATE_HEADS: &[&[&str]] = &[
        &[],
        &["x-"],
        &["${v1}"],
        &["x-", "${v1}"],
        &["${v1}", "${v2}"],
        &["${v1}", "-", "${v2}"],
        &["*", "${v1}"],
        &["${v3, 'ab'}"],
        &["${absent}"],
        &["${absent, ''}"],
        &["${V1}"],
        &["${multi}"],
        &["${*}", "${v1}"],
        &["?", "${v2}"],
    ];

    /// The rest of such a template, a few at a time.
    const TEMPLATE_TOKENS: &[&str] = &[
        "a",
        "b",
        "-",
        "ab",
        "é",
        "*",
        "?",
        "${v1}",
        "${v2}",
        "${v3, 'ab'}",
        "${absent}",
        "${*}",
        "${?}",
        "${$}",
        "/",
        ":",
    ];

    /// Request text, a few chunks at a time; values of the variables (`None`: absent).
    const TEMPLATE_TEXT: &[&str] = &["a", "b", "-", "ab", "é", "É", "*", "?", "$", "/", ":", "x"];

    /// A text that a template of `tokens` matches when `vars` are the values of `v1`, `v2`,
    /// `v3` (an absent one read as empty), wildcards filled from `fill`, then changed at the
    /// end by `change` (0: kept, 1: last character dropped, 2: `a` added, 3: upper-cased).
    fn instance(tokens: &[&str], vars: &[Option<String>], fill: &[&str], change: u8) -> String {
        let mut out = String::new();
        let mut fill = fill.iter().cycle();
        for token in tokens {
            let var = |i: usize| vars[i].clone().unwrap_or_default();
            match *token {
                "*" => out.push_str(fill.next().copied().unwrap_or_default()),
                "?" => out.push(fill.next().and_then(|f| f.chars().next()).unwrap_or('x')),
                "${v1}" | "${V1}" => out.push_str(&var(0)),
                "${v2}" => out.push_str(&var(1)),
                "${v3, 'ab'}" => out.push_str(vars[2].as_deref().unwrap_or("ab")),
                "${*}" => out.push('*'),
                "${?}" => out.push('?'),
                "${$}" => out.push('$'),
                t if t.starts_with("${") => {}
                t => out.push_str(t),
            }
        }
        match change % 4 {
            1 => {
                out.pop();
            }
            2 => out.push('a'),
            3 => out = out.to_uppercase(),
            _ => {}
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// Lists of templates with policy variables (several, with defaults, at the start, the
        /// end or between literal text, next to wildcards and fixed `${*}`-style variables)
        /// answer as the plain pass, one template at a time, does: for random variable values
        /// (empty, absent, `*`; a multi-valued key resolves to nothing), every String and ARN
        /// operator that takes variables, every qualifier; request texts drawn at random and
        /// made from the templates (matching, or nearly).
        #[test]
        fn templates_with_variables_agree_with_the_plain_pass(
            templates in prop::collection::vec(
                (0..TEMPLATE_HEADS.len(), prop::collection::vec(0..TEMPLATE_TOKENS.len(), 0..5), any::<bool>()),
                INDEX_FROM..30,
            ),
            head in 0..TEMPLATE_HEADS.len(),
            op in 0..8usize,
            qualifier in 0..3usize,
            vars in prop::collection::vec(
                prop::option::of(
                    prop::collection::vec(prop::sample::select(TEMPLATE_TEXT), 0..3)
                        .prop_map(|chunks| chunks.concat()),
                ),
                3,
            ),
            request in prop::collection::vec(
                (
                    prop::option::of((any::<prop::sample::Index>(), 0..4u8)),
                    prop::collection::vec(prop::sample::select(TEMPLATE_TEXT), 0..10),
                ),
                0..5,
            ),
        ) {
            let operator = [
                "StringEquals",
                "StringNotEquals",
                "StringLike",
                "StringNotLike",
                "StringEqualsIgnoreCase",
                "StringNotEqualsIgnoreCase",
                "ArnLike",
                "ArnNotLike",
            ][op];
            let arn = operator.starts_with("Arn");
            let operator = qualified(operator, qualifier);
            let tokens: Vec<Vec<&str>> = templates
                .into_iter()
                .map(|(own, tokens, shared)| {
                    let head = TEMPLATE_HEADS[if shared { head } else { own }];
                    head.iter().copied().chain(tokens.iter().map(|&t| TEMPLATE_TOKENS[t])).collect()
                })
                .collect();
            let prefix = if arn { "arn:aws:s3:::" } else { "" };
            let texts: Vec<String> = tokens.iter().map(|t| format!("{prefix}{}", t.concat())).collect();
            let Some((entry, index)) = indexed(&operator, &texts) else {
                return Ok(());
            };
            let request: Vec<String> = request
                .into_iter()
                .map(|(from, chunks)| {
                    let text = match from {
                        Some((at, change)) => instance(at.get::<Vec<&str>>(&tokens), &vars, &chunks, change),
                        None => chunks.concat(),
                    };
                    format!("{prefix}{text}")
                })
                .collect();
            let resolve = |key: &str| match key {
                "v1" => vars[0].as_deref(),
                "v2" => vars[1].as_deref(),
                "v3" => vars[2].as_deref(),
                _ => None,
            };
            indexed_agrees_under(&entry, &index, &request, resolve)?;
        }
    }

    /// The last variable of a template of
    /// [`templates_sharing_their_trail_agree_with_the_plain_pass`], and the literal text after
    /// it.
    const TAIL_VARS: &[&str] = &["${v1}", "${v2}", "${v3, 'ab'}"];
    const TRAILS: &[&[&str]] = &[&[], &["-"], &["é"], &["${?}"], &["a", "b"]];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// Lists whose templates end with one of a few variables and literal trails, so that
        /// many share their trail (grouped by it, their remainders indexed as a list of their
        /// own: literals, patterns, templates), answer as the plain pass does: every String
        /// operator, every qualifier, random variable values (empty, absent, `*`), request
        /// texts made from the templates (matching, or nearly) or drawn at random.
        #[test]
        fn templates_sharing_their_trail_agree_with_the_plain_pass(
            templates in prop::collection::vec(
                (
                    prop::collection::vec(0..TEMPLATE_TOKENS.len(), 0..4),
                    0..TAIL_VARS.len(),
                    0..TRAILS.len(),
                ),
                INDEX_FROM..40,
            ),
            op in 0..6usize,
            qualifier in 0..3usize,
            vars in prop::collection::vec(
                prop::option::of(
                    prop::collection::vec(prop::sample::select(TEMPLATE_TEXT), 0..3)
                        .prop_map(|chunks| chunks.concat()),
                ),
                3,
            ),
            request in prop::collection::vec(
                (
                    prop::option::of((any::<prop::sample::Index>(), 0..4u8)),
                    prop::collection::vec(prop::sample::select(TEMPLATE_TEXT), 0..10),
                ),
                0..5,
            ),
        ) {
            let operator = qualified(STRING.ops[op], qualifier);
            let tokens: Vec<Vec<&str>> = templates
                .into_iter()
                .map(|(before, var, trail)| {
                    before
                        .iter()
                        .map(|&t| TEMPLATE_TOKENS[t])
                        .chain([TAIL_VARS[var]])
                        .chain(TRAILS[trail].iter().copied())
                        .collect()
                })
                .collect();
            let texts: Vec<String> = tokens.iter().map(|t| t.concat()).collect();
            let Some((entry, index)) = indexed(&operator, &texts) else {
                return Ok(());
            };
            let request: Vec<String> = request
                .into_iter()
                .map(|(from, chunks)| match from {
                    Some((at, change)) => instance(at.get::<Vec<&str>>(&tokens), &vars, &chunks, change),
                    None => chunks.concat(),
                })
                .collect();
            let resolve = |key: &str| match key {
                "v1" => vars[0].as_deref(),
                "v2" => vars[1].as_deref(),
                "v3" => vars[2].as_deref(),
                _ => None,
            };
            indexed_agrees_under(&entry, &index, &request, resolve)?;
        }
    }

    /// How a template of [`lists_of_distinct_variables_agree_with_the_plain_pass`] begins,
    /// how its variable's default is written, and how it ends.
    const DISTINCT_LEADS: &[&str] = &["", "p-", "P-", "${*}", "*"];
    const DISTINCT_DEFAULTS: &[&str] = &["", ", 'd'", ", ''", ", 'É'", ", '*'"];
    const DISTINCT_TAILS: &[&str] = &["", "-x", "é", "${?}", "?", "*", "*-x", "?*é", "-*x?"];

    /// The text of a template naming variable `t<k>` (and maybe `t<second>` after its tail),
    /// and the text it resolves to when `values` are the variables' values (`None` when a
    /// variable has neither a value nor a default).
    fn distinct(
        (lead, k, default, tail, second): (usize, usize, usize, usize, Option<usize>),
        values: &[Option<String>],
    ) -> (String, Option<String>) {
        let default_text = DISTINCT_DEFAULTS[default];
        let mut text = format!(
            "{}${{t{k}{default_text}}}{}",
            DISTINCT_LEADS[lead], DISTINCT_TAILS[tail]
        );
        let fixed = |t: &str| t.replace("${*}", "*").replace("${?}", "?");
        let value = values[k].clone().or_else(|| {
            default_text
                .strip_prefix(", '")
                .and_then(|d| d.strip_suffix('\''))
                .map(str::to_owned)
        });
        let mut resolved = value.map(|v| {
            format!(
                "{}{v}{}",
                fixed(DISTINCT_LEADS[lead]),
                fixed(DISTINCT_TAILS[tail])
            )
        });
        if let Some(j) = second {
            text.push_str(&format!("${{T{j}}}"));
            resolved = resolved
                .zip(values[j].clone())
                .map(|(r, v)| format!("{r}{v}"));
        }
        (text, resolved)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// Lists whose values each name a variable of their own (`${t<k>}`, with or without a
        /// default, after and before literal text and fixed `${*}`-style variables, a second
        /// variable after some), most of them resolved once per decision (`resolved`), answer
        /// as the plain pass does: every String operator, every qualifier, variables present,
        /// empty or absent, request texts made from the resolved values (matching, or nearly:
        /// a character dropped or added, upper-cased) or drawn at random.
        #[test]
        fn lists_of_distinct_variables_agree_with_the_plain_pass(
            templates in prop::collection::vec(
                (
                    0..DISTINCT_LEADS.len(),
                    0..40usize,
                    0..DISTINCT_DEFAULTS.len(),
                    0..DISTINCT_TAILS.len(),
                    prop::option::of(0..40usize),
                ),
                INDEX_FROM..90,
            ),
            values in prop::collection::vec(
                prop::option::of(
                    prop::collection::vec(prop::sample::select(TEMPLATE_TEXT), 0..3)
                        .prop_map(|chunks| chunks.concat()),
                ),
                40,
            ),
            op in 0..6usize,
            qualifier in 0..3usize,
            request in prop::collection::vec(
                (
                    prop::option::of((any::<prop::sample::Index>(), 0..4u8)),
                    prop::collection::vec(prop::sample::select(TEMPLATE_TEXT), 0..4),
                ),
                0..6,
            ),
        ) {
            let operator = qualified(STRING.ops[op], qualifier);
            let made: Vec<(String, Option<String>)> =
                templates.iter().map(|&t| distinct(t, &values)).collect();
            let texts: Vec<&str> = made.iter().map(|(t, _)| t.as_str()).collect();
            let Some((entry, index)) = indexed(&operator, &texts) else {
                return Ok(());
            };
            let request: Vec<String> = request
                .into_iter()
                .map(|(from, chunks)| match from {
                    Some((at, change)) => {
                        let mut text = at.get(&made).1.clone().unwrap_or_else(|| chunks.concat());
                        match change {
                            1 => {
                                text.pop();
                            }
                            2 => text.push_str(chunks.first().copied().unwrap_or("a")),
                            3 => text = text.to_uppercase(),
                            _ => {}
                        }
                        text
                    }
                    None => chunks.concat(),
                })
                .collect();
            let resolve = |key: &str| {
                let k: usize = key.strip_prefix('t')?.parse().ok()?;
                values.get(k)?.as_deref()
            };
            indexed_agrees_under(&entry, &index, &request, resolve)?;
            // The same list in the next decision, every variable absent: resolved afresh.
            indexed_agrees_under(&entry, &index, &request, |_| None)?;
            // Resolved from the request's key names (some of them not variables of the list,
            // some variables absent from the names only when they have no value).
            let names = KeyNames(
                (0..values.len())
                    .filter(|&k| values[k].is_some())
                    .map(|k| format!("t{k}"))
                    .chain(["aws:username".to_owned(), "t".to_owned()])
                    .collect(),
            );
            let value = ContextValue::Multi(
                request.iter().map(|t| ContextScalar::String(t.clone())).collect(),
            );
            let named = evaluate_value_named(
                &entry,
                Some(&index),
                Some(Value::from(&value)),
                resolve,
                Some(&names),
            );
            prop_assert_eq!(named, evaluate_entry(&entry, Some(&value), resolve));
            for text in &request {
                let single = ContextValue::Single(ContextScalar::String(text.clone()));
                let named = evaluate_value_named(
                    &entry,
                    Some(&index),
                    Some(Value::from(&single)),
                    resolve,
                    Some(&names),
                );
                prop_assert_eq!(named, evaluate_entry(&entry, Some(&single), resolve));
            }
        }
    }

    /// The names of a test request's keys.
    struct KeyNames(Vec<String>);

    impl Names for KeyNames {
        fn count(&self) -> usize {
            self.0.len()
        }

        fn each(&self, f: &mut dyn FnMut(&str)) {
            self.0.iter().for_each(|name| f(name));
        }
    }

    #[test]
    fn templates_sharing_their_lead_are_grouped() {
        // Twenty templates after one variable, sharing the literals `ab` and `cd`: one group,
        // whose remainders form one set; and two with a lead of their own.
        let like: Vec<String> = (0..20)
            .map(|i| format!("${{aws:username}}*ab{}cd*", "?".repeat(i)))
            .chain([
                "x-${aws:username}-1".to_owned(),
                "x-${aws:username}*2".to_owned(),
            ])
            .collect();
        let refs: Vec<&str> = like.iter().map(String::as_str).collect();
        let entry = entry("ForAnyValue:StringLike", &refs).unwrap();
        let index = ValueIndex::build(&entry).unwrap();
        let Kind::Strings { leads, .. } = &index.kind else {
            panic!("{index:?}")
        };
        assert_eq!(leads.len(), 2);
        assert_eq!(index.rest().count(), 0);
        let decide = |text: &str| agrees(&entry, &index, text);
        assert!(decide("alice-ab??cd-"));
        assert!(decide(&format!("aliceab{}cd", "é".repeat(19))));
        assert!(!decide(&format!("aliceab{}cd", "é".repeat(20))));
        assert!(!decide("bob-abcd"));
        assert!(decide("x-alice-1"));
        assert!(decide("x-alice-yy2"));
        assert!(!decide("x-alice-3"));
        assert!(!decide("x-bob-1"));
        // ARN patterns sharing their first five components and key, a variable in the
        // resource part: one group, whose resource parts are a template list of their own.
        let arns: Vec<String> = (0..20)
            .map(|i| format!("arn:aws:s3:::${{aws:username}}/*ab{}cd*", "?".repeat(i)))
            .collect();
        let refs: Vec<&str> = arns.iter().map(String::as_str).collect();
        let arn_entry = self::entry("ArnLike", &refs).unwrap();
        let arn_index = ValueIndex::build(&arn_entry).unwrap();
        let Kind::Arns { groups, .. } = &arn_index.kind else {
            panic!("{arn_index:?}")
        };
        assert_eq!(groups.len(), 1);
        // `…/*abcd*` has a key of its own (`abcd`); the 19 others share `s3`.
        assert!(matches!(&groups[0].resources, Resources::Templates(list) if list.len() == 19));
        for (text, expected) in [
            ("arn:aws:s3:::alice/ab??cd", true),
            ("arn:aws:s3:::alice/x:abcd", true),
            ("arn:aws:s3:::bob/abcd", false),
            ("arn:aws:s3:::alice/ab", false),
            ("arn:aws:sqs:::alice/abcd", false),
            ("arn:aws:s3:::ALICE/abcd", false),
        ] {
            assert_eq!(agrees(&arn_entry, &arn_index, text), expected, "{text}");
        }
        // Without regard to case: the lead and the value compared per character.
        let equal: Vec<String> = (0..10).map(|i| format!("${{aws:username}}-{i}")).collect();
        let refs: Vec<&str> = equal.iter().map(String::as_str).collect();
        let entry = self::entry("StringEqualsIgnoreCase", &refs).unwrap();
        let index = ValueIndex::build(&entry).unwrap();
        assert!(matches!(&index.kind, Kind::Folded(_, leads) if leads.len() == 1));
        assert_eq!(index.rest().count(), 0);
        for (text, expected) in [("ALICE-3", true), ("alice-33", false), ("\u{212A}", false)] {
            assert_eq!(agrees(&entry, &index, text), expected, "{text}");
        }
    }

    #[test]
    fn the_walk_stops_once_unpinned_keys_are_met_and_searches_the_pinned_ones() {
        // Nine patterns sharing `ab` (one set, unpinned), and patterns pinned to keys of their
        // own, one of which holds `ab` (`abq`) and one `ab` ends (`zab`): once `ab` is met the
        // walk stops and the rest of the text is searched for the pinned keys.
        let like: Vec<String> = (1..10)
            .map(|i| format!("*ab{}cd*", "?".repeat(i)))
            .chain([
                "*abq*".to_owned(),
                "*x-y?z*".to_owned(),
                "*zab-?9".to_owned(),
                // A key that overlaps itself: the pattern fits only at the second of two
                // overlapping occurrences.
                "*qaqa?e*".to_owned(),
            ])
            .collect();
        let refs: Vec<&str> = like.iter().map(String::as_str).collect();
        let entry = entry("ForAnyValue:StringLike", &refs).unwrap();
        let index = ValueIndex::build(&entry).unwrap();
        let Kind::Strings { patterns, .. } = &index.kind else {
            panic!("{index:?}")
        };
        let inner = patterns.inner.as_ref().unwrap();
        assert_eq!((inner.searched.len(), inner.unpinned_keys), (4, 1));
        let dense = "ab".repeat(300);
        for (text, expected) in [
            (format!("{dense}x-yQz"), true),
            (format!("x-yQz{dense}"), true),
            (format!("{dense}x-yz"), false),
            ("abq".to_owned(), true),
            (format!("{dense}q"), true),
            (format!("{dense}zq"), false),
            (format!("{dense}zab-Q9"), true),
            (format!("zab-Q9{dense}"), false),
            (format!("{dense}zab-Q9x"), false),
            (format!("{dense}zzcd"), true),
            (format!("{dense}zzzzzzzzzzcd"), false),
            ("cd-x-y".to_owned(), false),
            (format!("{dense}.qaqaqade"), true),
            (format!("{dense}.qaqaqae"), false),
        ] {
            assert_eq!(agrees(&entry, &index, &text), expected, "{text}");
        }
    }

    #[test]
    fn templates_sharing_their_trail_are_grouped() {
        // Literal text of their own, then one shared variable: one group by the trail (no
        // lead is shared), whose remainders are sorted literals; none resolved per decision.
        let equal: Vec<String> = (0..40)
            .map(|i| format!("{i}-${{aws:username}}"))
            .chain((0..10).map(|i| format!("{i}+${{aws:username, 'dflt'}}.x")))
            .collect();
        let refs: Vec<&str> = equal.iter().map(String::as_str).collect();
        let entry = entry("ForAnyValue:StringEquals", &refs).unwrap();
        let index = ValueIndex::build(&entry).unwrap();
        let Kind::Strings { leads, .. } = &index.kind else {
            panic!("{index:?}")
        };
        assert_eq!(leads.tails_len(), 2);
        assert!(index.resolved.is_none());
        assert_eq!(index.rest().count(), 0);
        for (text, expected) in [
            ("7-alice", true),
            ("39-alice", true),
            ("40-alice", false),
            ("7-bob", false),
            ("7-alicealice", false),
            ("-alice", false),
            ("alice", false),
            ("3+alice.x", true),
            ("3+dflt.x", false),
            ("3+alice.y", false),
            ("3+alice", false),
        ] {
            assert_eq!(agrees(&entry, &index, text), expected, "{text}");
        }
        // Wildcards before the variable: the remainders are patterns (`StringLike`); a value
        // holding `*` is literal text.
        let like: Vec<String> = (0..12)
            .map(|i| format!("*-{i}?${{aws:username}}"))
            .collect();
        let refs: Vec<&str> = like.iter().map(String::as_str).collect();
        let entry = self::entry("ForAnyValue:StringLike", &refs).unwrap();
        let index = ValueIndex::build(&entry).unwrap();
        let Kind::Strings { leads, .. } = &index.kind else {
            panic!("{index:?}")
        };
        assert_eq!(leads.tails_len(), 1);
        for (text, expected) in [
            ("zz-11éalice", true),
            ("-3xalice", true),
            ("-3alice", false),
            ("-3x*", false),
            ("-12xalice", false),
        ] {
            assert_eq!(agrees(&entry, &index, text), expected, "{text}");
        }
        // Without regard to case: the trail and the value compared per character from the
        // end (the Kelvin sign is a `k`).
        let folded: Vec<String> = (0..10)
            .map(|i| format!("P{i}-${{aws:username}}K"))
            .collect();
        let refs: Vec<&str> = folded.iter().map(String::as_str).collect();
        let entry = self::entry("StringEqualsIgnoreCase", &refs).unwrap();
        let index = ValueIndex::build(&entry).unwrap();
        assert!(matches!(&index.kind, Kind::Folded(_, leads) if leads.tails_len() == 1));
        for (text, expected) in [
            ("p3-ALICE\u{212A}", true),
            ("P3-alicek", true),
            ("P3-alice", false),
            ("P3-bobk", false),
            ("\u{212A}", false),
        ] {
            assert_eq!(agrees(&entry, &index, text), expected, "{text}");
        }
    }

    fn built(operator: &str, values: &[&str]) -> Option<ValueIndex> {
        ValueIndex::build(&entry(operator, values)?)
    }

    #[test]
    fn short_lists_are_not_indexed_and_variables_without_wildcards_are_resolved() {
        assert!(built("StringEquals", &["a", "b"]).is_none());
        let many: Vec<String> = (0..10)
            .map(|i| format!("${{aws:PrincipalTag/t{i}}}"))
            .collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        // Without a set qualifier (one request value), nothing to index, unless the list
        // holds many.
        assert!(built("StringEquals", &refs).is_none());
        let more: Vec<String> = (0..RESOLVED_ALONE_FROM)
            .map(|i| format!("${{aws:PrincipalTag/t{i}}}*"))
            .collect();
        let more: Vec<&str> = more.iter().map(String::as_str).collect();
        let index = built("StringLike", &more).unwrap();
        assert_eq!(
            index.resolved.as_ref().map(|r| r.len()),
            Some(RESOLVED_ALONE_FROM)
        );
        assert!(built("StringLike", &more[1..]).is_none());
        let index = built("ForAnyValue:StringEquals", &refs).unwrap();
        assert_eq!(index.resolved.as_ref().map(|r| r.len()), Some(10));
        let mut mixed = refs.clone();
        mixed.extend(["a", "b", "c", "v-${aws:username}", "${aws:username}-w"]);
        let index = built("StringEquals", &mixed).unwrap();
        assert!(index.resolved.is_none());
        assert_eq!(
            index.rest().collect::<Vec<_>>(),
            (0..10).collect::<Vec<_>>()
        );
        let index = built("ForAllValues:StringEquals", &mixed).unwrap();
        let Kind::Strings {
            exact, patterns, ..
        } = &index.kind
        else {
            panic!("{index:?}")
        };
        assert_eq!(exact.len(), 3);
        assert_eq!(
            (patterns.prefixed.keys.len(), patterns.suffixed.keys.len()),
            (0, 0)
        );
        assert_eq!(index.resolved.as_ref().map(|r| r.len()), Some(12));
        assert_eq!(index.rest().count(), 0);
        // With wildcards (`StringLike`), a template whose head (the text before its first
        // wildcard) holds a variable is resolved too, entered by its head; one without a
        // variable in its head and no literal part stays on the plain pass.
        let like: Vec<String> = (0..10)
            .map(|i| format!("${{aws:PrincipalTag/t{i}}}*"))
            .chain([
                "v-${aws:username}*".to_owned(),
                "x-${aws:username}".to_owned(),
                "*${aws:username}".to_owned(),
            ])
            .collect();
        let refs: Vec<&str> = like.iter().map(String::as_str).collect();
        let index = built("ForAnyValue:StringLike", &refs).unwrap();
        assert_eq!(index.resolved.as_ref().map(|r| r.len()), Some(12));
        assert_eq!(index.rest().collect::<Vec<_>>(), [12]);
        let index = built("NumericLessThan", &["1", "5", "3", "2", "9", "4", "0", "7"]).unwrap();
        assert!(matches!(index.kind, Kind::NumberBound(_)));
    }

    #[test]
    fn keys_offered() {
        // The longest key offered (the first of equal length).
        let key = |text: &str, wildcards| {
            let options = TemplateOptions {
                variables: true,
                wildcards,
            };
            // Kept for the test's length, so that the keys it returns can borrow it.
            let template: &'static Template =
                Box::leak(Box::new(Template::parse(text, options).unwrap()));
            template_keys(template)
                .into_iter()
                .rev()
                .max_by_key(|k| k.len())
        };
        assert_eq!(key("abc", true), Some(Key::Prefix("abc")));
        assert_eq!(key("ab*c", true), Some(Key::Prefix("ab")));
        assert_eq!(key("a*bc", true), Some(Key::Suffix("bc")));
        assert_eq!(key("a*bcd*ef", true), Some(Key::Inner("bcd")));
        assert_eq!(key("*", true), None);
        assert_eq!(key("*?*", true), None);
        assert_eq!(key("a*b", false), Some(Key::Prefix("a*b")));
        assert_eq!(key("x${aws:username}yz", false), Some(Key::Suffix("yz")));
        // The literal text between variables and wildcards: the variables module's reading.
        assert_eq!(
            key("${a}long-middle${b}", false),
            Some(Key::Inner("long-middle"))
        );
        assert_eq!(key("${a}*-1-*", true), Some(Key::Inner("-1-")));
        assert_eq!(key("${a}${b}", false), None);
        assert_eq!(key("${a}*${b}?", true), None);
        assert_eq!(key("${a, 'x}y'}zz", false), Some(Key::Suffix("zz")));
        assert_eq!(
            key("${a, 'long-default'}-x${b}", false),
            Some(Key::Inner("-x"))
        );
        // A fixed variable is the character it stands for, not a wildcard.
        assert_eq!(key("ab${*}cd*e", true), Some(Key::Prefix("ab*cd")));
        assert_eq!(key("${?}${$}x*", true), Some(Key::Prefix("?$x")));
        assert_eq!(key("$", true), Some(Key::Prefix("$")));
    }

    #[test]
    fn every_family_but_null_is_indexed() {
        let arns: Vec<String> = (0..10)
            .map(|i| format!("arn:aws:s3:::bucket-{i}/*"))
            .chain([
                "arn:aws:iam::*:role/x*".to_owned(),
                "arn:*:*:*:*:*-tail".to_owned(),
            ])
            .chain([
                "arn:aws:s3:::*-inner-*".to_owned(),
                "arn:aws:*:*:*:*".to_owned(),
            ])
            .chain(["arn:aws:sqs:us-east-1:*:*".to_owned()])
            .collect();
        let refs: Vec<&str> = arns.iter().map(String::as_str).collect();
        let index = built("ForAnyValue:ArnLike", &refs).unwrap();
        let Kind::Arns {
            components,
            resource,
            ..
        } = &index.kind
        else {
            panic!("{index:?}")
        };
        assert_eq!(resource.prefixed.keys.len(), 11);
        assert_eq!(resource.suffixed.keys.len(), 1);
        assert_eq!(resource.inner.as_ref().map(|i| i.patterns.len()), Some(1));
        assert_eq!(components[1].keys.len(), 1);
        assert_eq!(index.rest().collect::<Vec<_>>(), [13]);
        let ips: Vec<String> = (0..10).map(|i| format!("10.{i}.0.0/16")).collect();
        let refs: Vec<&str> = ips.iter().map(String::as_str).collect();
        assert!(matches!(
            built("ForAnyValue:IpAddress", &refs).map(|i| i.kind),
            Some(Kind::Ips(_))
        ));
        let bins = [
            "QUJD", "QUI=", "", "QQ==", "AAAA", "QUJDRA==", "/+8=", "QUJE",
        ];
        assert!(matches!(
            built("ForAllValues:BinaryEquals", &bins).map(|i| i.kind),
            Some(Kind::Binary(list)) if list.len() == 8
        ));
        let bools = ["true"; 9];
        assert!(matches!(
            built("ForAllValues:Bool", &bools).map(|i| i.kind),
            Some(Kind::Bools(1))
        ));
        assert!(built("Null", &["true"; 9]).is_none());
        let like: Vec<String> = (0..10)
            .map(|i| format!("*-{i}"))
            .chain((0..10).map(|i| format!("*-{i}-*")))
            .collect();
        let refs: Vec<&str> = like.iter().map(String::as_str).collect();
        let index = built("StringLike", &refs).unwrap();
        assert!(matches!(
            &index.kind,
            Kind::Strings { patterns, .. }
                if patterns.suffixed.keys.len() == 10
                    && patterns.inner.as_ref().is_some_and(|i| i.patterns.len() == 10)
        ));
    }

    #[test]
    fn the_least_shared_key_is_chosen() {
        // Every pattern holds `abcdefgh`; each has a suffix of its own.
        let like: Vec<String> = (0..10).map(|i| format!("*abcdefgh*{i}")).collect();
        let refs: Vec<&str> = like.iter().map(String::as_str).collect();
        let index = built("StringLike", &refs).unwrap();
        assert!(matches!(
            &index.kind,
            Kind::Strings { patterns, .. }
                if patterns.suffixed.keys.len() == 10 && patterns.inner.is_none()
        ));
        // Every ARN pattern is in `s3`; the resource parts differ.
        let arns: Vec<String> = (0..10).map(|i| format!("arn:aws:s3:::*-{i}-*")).collect();
        let refs: Vec<&str> = arns.iter().map(String::as_str).collect();
        let index = built("ArnLike", &refs).unwrap();
        assert!(matches!(
            &index.kind,
            Kind::Arns { components, resource, groups, .. }
                if groups.is_empty() && components.iter().all(|c| c.keys.is_empty())
                    && resource.inner.as_ref().is_some_and(|i| i.patterns.len() == 10)
        ));
    }

    #[test]
    fn keyed_finds_the_keys_that_start_a_text() {
        let keyed = Keyed::new(
            ["", "a", "ab", "abc", "abd", "b", "ab"]
                .iter()
                .zip(0..)
                .map(|(k, at)| (Box::<[u8]>::from(k.as_bytes()), at))
                .collect(),
        );
        let found = |text: &str| {
            let mut seen = Vec::new();
            keyed.any(text.bytes(), |at| {
                seen.push(at);
                false
            });
            seen.sort_unstable();
            seen
        };
        assert_eq!(found("abcx"), [0, 1, 2, 3, 6]);
        assert_eq!(found("b"), [0, 5]);
        assert_eq!(found(""), [0]);
        assert_eq!(found("c"), [0]);
        assert!(keyed.any("abd".bytes(), |at| at == 4));
    }
}
