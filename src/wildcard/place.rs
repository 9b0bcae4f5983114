//! The frames of many pinned patterns placed together: one pass over a text finds every
//! occurrence of every floating segment the frames hold, after which a frame's window costs a
//! few binary searches rather than a search of the text of its own.
//!
//! A [`Pinned`](super::Pinned) pattern `B*A K R*Q` is decided at the occurrences of its key
//! `K` once its window is known: the earliest end of `B` (its first segment anchored at the
//! start of the text, every later one at its leftmost occurrence after the one before) and the
//! latest start of `Q` (the mirror). Found per frame, that is a search of the text for every
//! floating segment of `B` and `Q`, so a list whose patterns each have their own frame
//! (`*<i>?x*y<i>*`) pays a pass over the text per key found. Here every distinct floating
//! segment of the list's frames is anchored by one of its literal pieces (the one the fewest
//! segments share, then the longest); an Aho-Corasick walk over the anchors reports each
//! anchor occurrence, where the segments it anchors are checked (token by token around it, a
//! `?` stepping over one character). Every occurrence of every segment ([`Fits`],
//! sorted by segment and position) then places a frame's segments as the one-pattern matcher
//! does: the leftmost occurrence at or after the end of the segment before, or, for `Q`, the
//! rightmost occurrence ending at or before the start of the segment after. A segment of `?`
//! alone needs no search: it is placed where it may start.
//!
//! When every anchored segment has a byte at a known place after its anchor's end (the first
//! byte of the piece after the anchor, `q` characters on, or the anchor's own last byte) and
//! the segments have at most [`GATES`] such distinct bytes, the pass searches the text for
//! those bytes instead of walking it ([`each_byte`]) and reads the anchors ending at the
//! implied positions ([`Literals::ending_at`]): a text holding few of them (one `x` against
//! `*<i>?x*y<i>*`) is placed in a few look-ups, and a text where no segment occurs at all
//! answers every frame with a floating segment at once. Both passes stop past a budget
//! proportional to the text (then the owner places frames one at a time, as before).

use super::literals::Literals;
use super::pinned::Window;
use super::{text_seg_back, text_seg_front};

/// At most this many distinct gating bytes (one search of the text each).
const GATES: usize = 4;

/// Anchors no longer than this let the pass be gated by bytes ([`Literals::ending_at`]
/// reads this many bytes before each position).
const GATE_ANCHOR_BYTES: usize = 16;

/// Calls `f(at)` for every `at` where `bytes[at] == byte`, by increasing `at`, until `f`
/// returns true (and says so). While the byte is rare, a `memchr` search finds each (a few
/// instructions per 32 bytes); once it turns out common (more than one byte in 16), a search
/// restarted per position would cost tens of instructions each, so the rest of the text is
/// read eight bytes at a time (the bytes equal to `byte` marked in one word, then its marks).
#[inline]
pub(crate) fn each_byte(bytes: &[u8], byte: u8, mut f: impl FnMut(usize) -> bool) -> bool {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let mut from = 0;
    let mut found = 0usize;
    loop {
        let Some(at) = bytes
            .get(from..)
            .and_then(|rest| memchr::memchr(byte, rest))
        else {
            return false;
        };
        let at = from + at;
        if f(at) {
            return true;
        }
        from = at + 1;
        found += 1;
        if found >= 16 && found.saturating_mul(16) > from {
            break;
        }
    }
    let ones = u64::from_le_bytes([byte; 8]);
    let mut words = bytes.get(from..).unwrap_or_default().chunks_exact(8);
    let mut base = from;
    for word in &mut words {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            break;
        };
        // Zero bytes of `x` (bytes equal to `byte`) get their top bit set, the others none:
        // no carry crosses a byte, since `(x & LOW7) + LOW7` stays below 0x100 per byte.
        let x = u64::from_le_bytes(word) ^ ones;
        let mut marks = !((x & LOW7).wrapping_add(LOW7) | x | LOW7);
        while marks != 0 {
            if f(base + (marks.trailing_zeros() / 8) as usize) {
                return true;
            }
            marks &= marks - 1;
        }
        base += 8;
    }
    words
        .remainder()
        .iter()
        .enumerate()
        .any(|(i, &b)| b == byte && f(base + i))
}

/// A byte gating a segment, `(q, byte)`: for `q = 0`, the anchor's own last byte (the anchor
/// ends just after the byte); otherwise the first byte of the piece after the anchor, `q`
/// characters (`?`) after the anchor's end.
type Gate = (usize, u8);

/// What [`Placement::fit_gated`] may still spend: gating bytes read, segments checked.
struct Budget {
    positions: usize,
    checks: usize,
}

/// Per byte, where its gates start in [`Placement::gates`] (sorted by byte), for a list with
/// more than [`GATES`] of them.
#[derive(Clone, Debug)]
struct GateTable(Box<[u32; 256]>);

impl GateTable {
    /// No gate starts here.
    const NONE: u32 = u32::MAX;

    fn new(gates: &[Gate]) -> Self {
        let mut first = Box::new([Self::NONE; 256]);
        for (i, &(_, byte)) in gates.iter().enumerate().rev() {
            if let (Some(slot), Ok(i)) = (first.get_mut(usize::from(byte)), u32::try_from(i)) {
                *slot = i;
            }
        }
        Self(first)
    }

    /// Where the gates of `byte` start, if it has any.
    #[inline]
    fn first(&self, byte: u8) -> Option<usize> {
        let &i = self.0.get(usize::from(byte))?;
        (i != Self::NONE).then_some(i as usize)
    }
}

/// A piece of segment text: literal bytes, or `?` (one character).
#[derive(Clone, Debug)]
enum Tok {
    Lit(Box<[u8]>),
    One,
}

/// The byte offset after the tokens `toks` matched at byte `at` of `text` (valid UTF-8, so
/// that a `?` steps over the character whose first byte it meets); `None` when they do not
/// match there. The same reading as [`text_seg_front`] (case-sensitive), without re-reading
/// the pattern text.
#[inline]
fn forward(toks: &[Tok], text: &[u8], mut at: usize) -> Option<usize> {
    for tok in toks {
        at = match tok {
            Tok::Lit(lit) => {
                let end = at.checked_add(lit.len())?;
                (text.get(at..end)? == &**lit).then_some(end)?
            }
            Tok::One => {
                let width = match *text.get(at)? {
                    b if b < 0x80 => 1,
                    b if b >= 0xf0 => 4,
                    b if b >= 0xe0 => 3,
                    _ => 2,
                };
                at.checked_add(width).filter(|&end| end <= text.len())?
            }
        };
    }
    Some(at)
}

/// The mirror of [`forward`]: the byte offset where the tokens `toks` start when they end at
/// byte `at` of `text` (as [`text_seg_back`] reads them).
#[inline]
fn backward(toks: &[Tok], text: &[u8], mut at: usize) -> Option<usize> {
    for tok in toks.iter().rev() {
        at = match tok {
            Tok::Lit(lit) => {
                let start = at.checked_sub(lit.len())?;
                (text.get(start..at)? == &**lit).then_some(start)?
            }
            Tok::One => char_before(text, at)?,
        };
    }
    Some(at)
}

/// Where the character ending at byte `at` of `text` (valid UTF-8) starts.
#[inline]
fn char_before(text: &[u8], at: usize) -> Option<usize> {
    let mut start = at.checked_sub(1)?;
    // Continuation bytes belong to the character that starts before them.
    while start > 0 && text.get(start).is_some_and(|&b| b & 0xc0 == 0x80) {
        start -= 1;
    }
    Some(start)
}

/// The tokens of star-free pattern text.
fn tokens(seg: &str) -> Box<[Tok]> {
    let mut out = Vec::new();
    for (i, lit) in seg.split('?').enumerate() {
        if i > 0 {
            out.push(Tok::One);
        }
        if !lit.is_empty() {
            out.push(Tok::Lit(Box::from(lit.as_bytes())));
        }
    }
    out.into_boxed_slice()
}

/// The segment's tokens before and after its anchor (one of [`Placement::anchors`]).
#[derive(Clone, Debug)]
struct Anchor {
    before: Box<[Tok]>,
    after: Box<[Tok]>,
}

/// A floating segment (literal text and `?`, no `*`).
#[derive(Clone, Debug)]
struct Segment {
    /// Its tokens (for a segment of `?` alone, placed without an anchor).
    toks: Box<[Tok]>,
    /// Its anchor; `None` for a segment of `?` alone.
    anchor: Option<Anchor>,
    /// The anchor's length in bytes.
    anchor_len: usize,
    /// The byte that gates it on ASCII text, if any.
    gate: Option<Gate>,
}

/// `B` and `Q` of one frame: the anchored segment and the floating ones (segment ids, in
/// text order); `None` for an absent side.
#[derive(Clone, Debug)]
struct Frame {
    first: Option<(Box<str>, Box<[u32]>)>,
    last: Option<(Box<str>, Box<[u32]>)>,
}

/// Every occurrence of the floating segments in one text: `(segment, start, end)` in bytes,
/// sorted (module docs); reused from text to text.
#[derive(Debug, Default)]
pub(crate) struct Fits(Vec<(u32, usize, usize)>);

impl Fits {
    /// Whether no segment occurs in the text.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The occurrences of segment `seg`.
    fn of(&self, seg: u32) -> &[(u32, usize, usize)] {
        let from = self.0.partition_point(|&(s, _, _)| s < seg);
        let to = self.0.partition_point(|&(s, _, _)| s <= seg);
        self.0.get(from..to).unwrap_or_default()
    }
}

/// The frames of a list of pinned patterns, placed together (module docs).
#[derive(Clone, Debug)]
pub(crate) struct Placement {
    /// The anchors of the segments (`None`: every segment is `?` alone).
    anchors: Option<Literals>,
    /// Per anchor: the segments it anchors.
    anchored: Box<[Box<[u32]>]>,
    segments: Box<[Segment]>,
    frames: Box<[Frame]>,
    /// The distinct gates, when every anchored segment has one (anchors are at most
    /// [`GATE_ANCHOR_BYTES`] long), sorted by byte; empty otherwise.
    gates: Box<[Gate]>,
    /// The gating bytes, when there are more than [`GATES`] gates (then read in one pass
    /// rather than searched for one by one).
    table: Option<GateTable>,
    /// Whether every frame has a segment with an anchor: a text where no segment occurs then
    /// places no frame.
    every_frame_floats: bool,
    /// Per segment, a range of `triggered`: the frames it triggers. Each frame with an
    /// anchored segment is triggered by one of them (the one the fewest frames hold), which
    /// every window of the frame needs to occur ([`Placement::live`]).
    triggers: Box<[(u32, u32)]>,
    triggered: Box<[u32]>,
    /// The frames with no anchored segment (each may have a window in any text).
    untriggered: Box<[u32]>,
}

/// The floating segments (non-empty) of `B` after its anchored first one, and that first one.
fn front(b: &str) -> (&str, impl Iterator<Item = &str>) {
    let mut segments = b.split('*');
    let first = segments.next().unwrap_or_default();
    (first, segments.filter(|s| !s.is_empty()))
}

/// The floating segments (non-empty, in text order) of `Q` before its anchored last one, and
/// that last one.
fn back(q: &str) -> (&str, impl Iterator<Item = &str>) {
    let (floating, last) = q.rsplit_once('*').unwrap_or(("", q));
    (last, floating.split('*').filter(|s| !s.is_empty()))
}

impl Placement {
    /// The frames `(B, Q)` of a list's pinned patterns ([`Pinned::frame`](super::Pinned::frame)),
    /// numbered in the order given; `None` when no frame has a floating segment (every window
    /// is then found without a search) or no automaton can be built.
    pub(crate) fn new<'f>(
        frames: impl IntoIterator<Item = (Option<&'f str>, Option<&'f str>)>,
    ) -> Option<Self> {
        let mut ids: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        let mut texts: Vec<&str> = Vec::new();
        let mut intern = |seg: &'f str| -> Option<u32> {
            let next = u32::try_from(texts.len()).ok()?;
            Some(*ids.entry(seg).or_insert_with(|| {
                texts.push(seg);
                next
            }))
        };
        let mut built = Vec::new();
        for (b, q) in frames {
            let first = match b {
                Some(b) => {
                    let (lead, floating) = front(b);
                    let segs: Vec<u32> = floating.map(&mut intern).collect::<Option<_>>()?;
                    Some((Box::from(lead), segs.into_boxed_slice()))
                }
                None => None,
            };
            let last = match q {
                Some(q) => {
                    let (tail, floating) = back(q);
                    let segs: Vec<u32> = floating.map(&mut intern).collect::<Option<_>>()?;
                    Some((Box::from(tail), segs.into_boxed_slice()))
                }
                None => None,
            };
            built.push(Frame { first, last });
        }
        if texts.is_empty() {
            return None;
        }
        // Each segment's literal pieces with their offsets (ASCII reading); how many segments
        // hold each piece.
        let pieces: Vec<Vec<(usize, &str)>> = texts.iter().map(|t| pieces_of(t)).collect();
        let mut shared: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        for list in &pieces {
            let mut distinct: Vec<&str> = list.iter().map(|&(_, p)| p).collect();
            distinct.sort_unstable();
            distinct.dedup();
            // A piece too long to gate is anchored by one of its windows: count those too.
            let mut windows: Vec<&str> = distinct
                .iter()
                .filter(|p| p.len() > GATE_ANCHOR_BYTES)
                .flat_map(|p| windows_of(p).map(|(_, w)| w))
                .collect();
            windows.sort_unstable();
            windows.dedup();
            for p in distinct.into_iter().chain(windows) {
                *shared.entry(p).or_default() += 1;
            }
        }
        let mut anchor_ids: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        let mut anchor_texts: Vec<&[u8]> = Vec::new();
        let mut anchored: Vec<Vec<u32>> = Vec::new();
        let mut segments = Vec::with_capacity(texts.len());
        for (id, (&text, list)) in texts.iter().zip(&pieces).enumerate() {
            // The piece the fewest segments share, the longest of those, the first of those.
            let chosen = list
                .iter()
                .enumerate()
                .min_by_key(|&(i, &(_, p))| {
                    let count = shared.get(p).copied().unwrap_or_default();
                    (count, std::cmp::Reverse(p.len()), i)
                })
                .map(|(i, &(offset, piece))| (i, offset, piece));
            let Some((i, offset, piece)) = chosen else {
                segments.push(Segment {
                    toks: tokens(text),
                    anchor: None,
                    anchor_len: 0,
                    gate: None,
                });
                continue;
            };
            // A piece longer than a gated pass reads before a position is anchored by one of
            // its windows of at most [`GATE_ANCHOR_BYTES`] (the one the fewest segments share,
            // the last of those); the rest of it is checked around the anchor, as any token.
            let full_end = offset + piece.len();
            let (offset, piece) = if piece.len() > GATE_ANCHOR_BYTES {
                let (w, window) = windows_of(piece)
                    .rev()
                    .min_by_key(|&(_, w)| shared.get(w).copied().unwrap_or_default())?;
                (offset + w, window)
            } else {
                (offset, piece)
            };
            let next = u32::try_from(anchor_texts.len()).ok()?;
            let anchor = *anchor_ids.entry(piece).or_insert_with(|| {
                anchor_texts.push(piece.as_bytes());
                anchored.push(Vec::new());
                next
            });
            anchored
                .get_mut(anchor as usize)?
                .push(u32::try_from(id).ok()?);
            // The piece's position in the pattern text: `?` and literal bytes, as in the ASCII
            // reading, since each `?` is one byte of the pattern.
            let before = text.get(..offset)?;
            let after = text.get(offset + piece.len()..)?;
            let end = offset + piece.len();
            // The pieces are separated by `?` alone, one byte each in the pattern text.
            let gate = match list.get(i + 1).filter(|_| end == full_end) {
                Some(&(at, next)) => next.bytes().next().map(|b| (at - end, b)),
                None => piece.bytes().last().map(|b| (0, b)),
            };
            segments.push(Segment {
                toks: tokens(text),
                anchor: Some(Anchor {
                    before: tokens(before),
                    after: tokens(after),
                }),
                anchor_len: piece.len(),
                gate,
            });
        }
        let every_frame_floats = built.iter().all(|f| {
            let sides = f.first.iter().chain(&f.last);
            sides.flat_map(|(_, segs)| segs.iter()).any(|&s| {
                segments
                    .get(s as usize)
                    .is_some_and(|seg: &Segment| seg.anchor.is_some())
            })
        });
        let (triggers, triggered, untriggered) = triggers(&built, &segments)?;
        let anchors = if anchor_texts.is_empty() {
            None
        } else {
            Some(Literals::new(&anchor_texts)?)
        };
        let mut gates: Vec<Gate> = Vec::new();
        if let Some(anchors) = &anchors
            && anchors.longest() <= GATE_ANCHOR_BYTES
        {
            for seg in segments.iter().filter(|s| s.anchor.is_some()) {
                match seg.gate {
                    Some(gate) => gates.push(gate),
                    None => {
                        gates.clear();
                        break;
                    }
                }
            }
        }
        gates.sort_unstable_by_key(|&(q, byte)| (byte, q));
        gates.dedup();
        // Past [`GATES`] distinct gates, one pass reads every byte ([`GateTable`]).
        let table = (gates.len() > GATES).then(|| GateTable::new(&gates));
        // Each anchor's segments by their gate, so that a gated position checks only those
        // its byte gates.
        for list in &mut anchored {
            list.sort_by_key(|&s| segments.get(s as usize).and_then(|seg: &Segment| seg.gate));
        }
        Some(Self {
            anchors,
            anchored: anchored.into_iter().map(Vec::into_boxed_slice).collect(),
            segments: segments.into_boxed_slice(),
            frames: built.into_boxed_slice(),
            gates: gates.into_boxed_slice(),
            table,
            every_frame_floats,
            triggers,
            triggered,
            untriggered,
        })
    }

    /// Calls `f(frame)` for every frame that may have a window in the text whose (complete)
    /// [`Fits`] are `fits`: each frame whose trigger segment occurs, and each frame with no
    /// anchored segment; a frame at most once, in no particular order. Stops when `f` returns
    /// true (and says so). A frame not named has no window in the text.
    pub(crate) fn live(&self, fits: &Fits, mut f: impl FnMut(u32) -> bool) -> bool {
        if self.untriggered.iter().any(|&frame| f(frame)) {
            return true;
        }
        let mut rest = fits.0.as_slice();
        while let Some(&(seg, _, _)) = rest.first() {
            let (from, to) = self.triggers.get(seg as usize).copied().unwrap_or_default();
            let frames = self.triggered.get(from as usize..to as usize);
            if frames.into_iter().flatten().any(|&frame| f(frame)) {
                return true;
            }
            // The next segment's occurrences (sorted by segment).
            let next = rest.partition_point(|&(s, _, _)| s <= seg);
            rest = rest.get(next..).unwrap_or_default();
        }
        false
    }

    /// Whether frame `frame` has a floating segment (its window then needs a search).
    pub(crate) fn floats(&self, frame: usize) -> bool {
        self.frames.get(frame).is_some_and(|f| {
            let sides = f.first.iter().chain(&f.last);
            sides.flat_map(|(_, segs)| segs.iter()).next().is_some()
        })
    }

    /// Whether every frame has a segment with an anchor (module docs).
    pub(crate) fn every_frame_floats(&self) -> bool {
        self.every_frame_floats
    }

    /// Whether the pass can be gated by bytes ([`Placement::fit_gated`]).
    pub(crate) fn gated(&self) -> bool {
        !self.gates.is_empty()
    }

    /// Checks the segments anchored by the anchors ending at `end` (the longest `longest` and
    /// its chain of shorter ones): each occurrence into `fits`. Only those gated by `gate`,
    /// when given. False past `budget` checks.
    fn check_at(
        &self,
        bytes: &[u8],
        end: usize,
        longest: usize,
        gate: Option<Gate>,
        budget: &mut usize,
        fits: &mut Fits,
    ) -> bool {
        let mut anchor = Some(longest);
        while let Some(a) = anchor {
            let mut list = self.anchored.get(a).map(|l| &**l).unwrap_or_default();
            if gate.is_some() {
                // Sorted by gate: only the segments this byte gates.
                let gate_of = |s: u32| self.segments.get(s as usize).and_then(|seg| seg.gate);
                let from = list.partition_point(|&s| gate_of(s) < gate);
                let to = list.partition_point(|&s| gate_of(s) <= gate);
                list = list.get(from..to).unwrap_or_default();
            }
            for &s in list {
                let Some(left) = budget.checked_sub(1) else {
                    return false;
                };
                *budget = left;
                let Some(seg) = self.segments.get(s as usize) else {
                    continue;
                };
                if gate.is_some() && seg.gate != gate {
                    continue;
                }
                if let Some(anchor) = &seg.anchor
                    && let Some(at) = end.checked_sub(seg.anchor_len)
                    && let Some(to) = forward(&anchor.after, bytes, end)
                    && let Some(from) = backward(&anchor.before, bytes, at)
                {
                    fits.0.push((s, from, to));
                }
            }
            anchor = self.anchors.as_ref().and_then(|x| x.shorter(a));
        }
        true
    }

    /// Every occurrence of every segment in `text`, found through the gating bytes (module
    /// docs); false (and `fits` incomplete) past a budget of gating bytes (half the text) or
    /// of checks, or when the pass is not gated.
    pub(crate) fn fit_gated(&self, text: &str, fits: &mut Fits) -> bool {
        fits.0.clear();
        let Some(anchors) = self.anchors.as_ref().filter(|_| !self.gates.is_empty()) else {
            return false;
        };
        let bytes = text.as_bytes();
        let mut budget = Budget {
            positions: text.len() / 2 + 64,
            checks: text.len().saturating_mul(2).saturating_add(1_024),
        };
        if let Some(table) = &self.table {
            // Many gating bytes: one pass, each byte looked up once. It pays only while they
            // are rare (a byte in 16): past that, the walk costs less.
            budget.positions = text.len() / 16 + 64;
            for (at, &byte) in bytes.iter().enumerate() {
                let Some(first) = table.first(byte) else {
                    continue;
                };
                let gates = self.gates.get(first..).unwrap_or_default();
                for &(q, b) in gates.iter().take_while(|&&(_, b)| b == byte) {
                    if !self.gate_at(anchors, bytes, at, (q, b), &mut budget, fits) {
                        return false;
                    }
                }
            }
        } else {
            for &gate in &self.gates {
                let mut over = false;
                each_byte(bytes, gate.1, |at| {
                    over = !self.gate_at(anchors, bytes, at, gate, &mut budget, fits);
                    over
                });
                if over {
                    return false;
                }
            }
        }
        fits.0.sort_unstable();
        fits.0.dedup();
        true
    }

    /// [`Placement::fit_gated`] at one position `at` of the gating byte of `gate`: the
    /// segments it gates whose anchor ends where the gate says, checked; false past the
    /// budget.
    #[inline]
    fn gate_at(
        &self,
        anchors: &Literals,
        bytes: &[u8],
        at: usize,
        (q, byte): Gate,
        budget: &mut Budget,
        fits: &mut Fits,
    ) -> bool {
        let Some(left) = budget.positions.checked_sub(1) else {
            return false;
        };
        budget.positions = left;
        // The anchor's end: after the byte, or `q` characters before it.
        let mut end = Some(at + 1);
        if q > 0 {
            end = Some(at);
            for _ in 0..q {
                end = end.and_then(|e| char_before(bytes, e));
            }
        }
        let Some(end) = end else {
            return true;
        };
        let mut over = false;
        anchors.ending_at(bytes, end, |longest| {
            let gate = Some((q, byte));
            over = !self.check_at(bytes, end, longest, gate, &mut budget.checks, fits);
            over
        });
        !over
    }

    /// Every occurrence of every segment in `text`, found by one walk of the anchors' automaton;
    /// false (and `fits` incomplete) past a budget of checks.
    pub(crate) fn fit_walk(&self, text: &str, fits: &mut Fits) -> bool {
        fits.0.clear();
        let Some(anchors) = &self.anchors else {
            return true;
        };
        let bytes = text.as_bytes();
        let mut checks = text.len().saturating_mul(4).saturating_add(4_096);
        let over = anchors.each_longest(bytes, |end, longest| {
            !self.check_at(bytes, end, longest, None, &mut checks, fits)
        });
        if over {
            return false;
        }
        fits.0.sort_unstable();
        fits.0.dedup();
        true
    }

    /// The window of frame `frame` in `text`, from the text's [`Fits`] (complete): the same as
    /// [`Pinned::window`](super::Pinned::window) of its patterns.
    pub(crate) fn window(&self, frame: usize, text: &str, fits: &Fits) -> Option<Window> {
        let f = self.frames.get(frame)?;
        let start = match &f.first {
            None => 0,
            Some((lead, segs)) => {
                let mut at = text.len() - text_seg_front(lead, text, false)?.len();
                for &s in segs {
                    let seg = self.segments.get(s as usize)?;
                    at = if seg.anchor.is_none() {
                        forward(&seg.toks, text.as_bytes(), at)?
                    } else {
                        let list = fits.of(s);
                        let i = list.partition_point(|&(_, from, _)| from < at);
                        list.get(i)?.2
                    };
                }
                at
            }
        };
        let end = match &f.last {
            None => text.len(),
            Some((tail, segs)) => {
                let mut at = text_seg_back(tail, text, false)?.len();
                for &s in segs.iter().rev() {
                    let seg = self.segments.get(s as usize)?;
                    at = if seg.anchor.is_none() {
                        backward(&seg.toks, text.as_bytes(), at)?
                    } else {
                        let list = fits.of(s);
                        let i = list.partition_point(|&(_, _, to)| to <= at);
                        list.get(i.checked_sub(1)?)?.1
                    };
                }
                at
            }
        };
        (start <= end).then_some(Window::new(start, end))
    }
}

/// Per segment, the range of the frames it triggers ([`Placement::live`]); those frames; the
/// frames with no anchored segment.
#[allow(
    clippy::type_complexity,
    reason = "the three fields of `Placement` it builds"
)]
fn triggers(
    frames: &[Frame],
    segments: &[Segment],
) -> Option<(Box<[(u32, u32)]>, Box<[u32]>, Box<[u32]>)> {
    let anchored = |frame: &Frame| -> Vec<u32> {
        let sides = frame.first.iter().chain(&frame.last);
        let mut segs: Vec<u32> = sides
            .flat_map(|(_, segs)| segs.iter().copied())
            .filter(|&s| {
                segments
                    .get(s as usize)
                    .is_some_and(|seg| seg.anchor.is_some())
            })
            .collect();
        segs.sort_unstable();
        segs.dedup();
        segs
    };
    // How many frames hold each segment.
    let mut held = vec![0usize; segments.len()];
    for frame in frames {
        for s in anchored(frame) {
            *held.get_mut(s as usize)? += 1;
        }
    }
    let mut by_segment: Vec<Vec<u32>> = vec![Vec::new(); segments.len()];
    let mut untriggered = Vec::new();
    for (id, frame) in frames.iter().enumerate() {
        let id = u32::try_from(id).ok()?;
        let trigger = anchored(frame)
            .into_iter()
            .min_by_key(|&s| held.get(s as usize).copied());
        match trigger {
            Some(s) => by_segment.get_mut(s as usize)?.push(id),
            None => untriggered.push(id),
        }
    }
    let mut triggers = Vec::with_capacity(segments.len());
    let mut triggered = Vec::with_capacity(frames.len());
    for list in by_segment {
        let from = u32::try_from(triggered.len()).ok()?;
        triggered.extend(list);
        triggers.push((from, u32::try_from(triggered.len()).ok()?));
    }
    Some((
        triggers.into_boxed_slice(),
        triggered.into_boxed_slice(),
        untriggered.into_boxed_slice(),
    ))
}

/// The windows of at most [`GATE_ANCHOR_BYTES`] bytes of `piece` that start and end at
/// character boundaries, each as long as it can be: `(offset, window)`, by offset.
fn windows_of(piece: &str) -> impl DoubleEndedIterator<Item = (usize, &str)> {
    (0..=piece.len().saturating_sub(GATE_ANCHOR_BYTES))
        .filter(|&w| piece.is_char_boundary(w))
        .filter_map(|w| {
            let mut end = (w + GATE_ANCHOR_BYTES).min(piece.len());
            while !piece.is_char_boundary(end) {
                end -= 1;
            }
            Some((w, piece.get(w..end).filter(|x| !x.is_empty())?))
        })
}

/// The literal pieces of a segment (split at `?`) with their byte offsets in the segment's
/// text.
fn pieces_of(seg: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut offset = 0;
    for piece in seg.split('?') {
        if !piece.is_empty() {
            out.push((offset, piece));
        }
        offset += piece.len() + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{Fits, Placement};
    use crate::wildcard::{Pinned, text_back, text_front};

    /// The window as [`Pinned::window`] finds it: a search of the text per segment.
    fn searched(b: Option<&str>, q: Option<&str>, text: &str) -> Option<(usize, usize)> {
        let start = match b {
            Some(b) => text.len() - text_front(b, text, false)?.len(),
            None => 0,
        };
        let end = match q {
            Some(q) => text_back(q, text, false)?.len(),
            None => text.len(),
        };
        (start <= end).then_some((start, end))
    }

    /// The window of every frame from one pass (walked, and gated where it can be), as the
    /// search of each frame on its own finds it.
    fn agrees(frames: &[(Option<&str>, Option<&str>)], text: &str) {
        let Some(place) = Placement::new(frames.iter().copied()) else {
            // No floating segment: nothing to place.
            assert!(frames.iter().all(|(b, q)| {
                !b.is_some_and(|b| b.contains('*')) && !q.is_some_and(|q| q.contains('*'))
            }));
            return;
        };
        let mut fits = Fits::default();
        assert!(place.fit_walk(text, &mut fits), "{frames:?} / {text:?}");
        let walked: Vec<_> = (0..frames.len())
            .map(|f| place.window(f, text, &fits))
            .collect();
        let gated = place.fit_gated(text, &mut fits).then(|| {
            (0..frames.len())
                .map(|f| place.window(f, text, &fits))
                .collect::<Vec<_>>()
        });
        // The frames named live (at most once each): every frame with a window among them.
        let mut live = Vec::new();
        assert!(place.fit_walk(text, &mut fits));
        assert!(!place.live(&fits, |frame| {
            live.push(frame as usize);
            false
        }));
        let named = live.len();
        live.sort_unstable();
        live.dedup();
        assert_eq!(live.len(), named, "{frames:?} / {text:?}");
        for (f, &(b, q)) in frames.iter().enumerate() {
            let want = searched(b, q, text);
            assert!(
                want.is_none() || live.binary_search(&f).is_ok(),
                "live {b:?} {q:?} / {text:?}"
            );
            let got = walked[f].map(|w| (w.start(), w.end()));
            assert_eq!(got, want, "walked {b:?} {q:?} / {text:?}");
            if let Some(gated) = &gated {
                let got = gated[f].map(|w| (w.start(), w.end()));
                assert_eq!(got, want, "gated {b:?} {q:?} / {text:?}");
            }
        }
    }

    #[test]
    fn first_occurrences_and_the_ones_a_match_needs() {
        let frames = [
            // `B`: the leftmost `1?x`, then the leftmost `2?x` after it.
            (Some("*1?x*2?x"), None),
            // `Q`: the rightmost `1?x`, and the rightmost `2?x` before it.
            (None, Some("2?x*1?x*")),
            // Anchored ends around the floating segments; a segment of `?` alone.
            (Some("a*1?x*??"), Some("*??*2?x*b")),
            (Some("*11"), Some("11*")),
        ];
        for text in [
            "",
            "1ax2bx",
            // The first `1?x` overlaps the only `2?x` after it would need: `12x2x`.
            "12x2bx",
            "2bx1ax",
            "1ax1bx2cx2dx",
            "a1ax2bx..1cx2dxb",
            "a2bx1axb",
            "111",
            "1111",
            "1é1x2éx",
            "é1éxé2éxé",
            "x1x2x",
        ] {
            agrees(&frames, text);
        }
        // Gated on ASCII text: every segment has a byte after its anchor (`x` two bytes on,
        // or the anchor's own last byte).
        let place = Placement::new([(Some("*1?x*2?x"), None), (Some("*11"), None)]).unwrap();
        assert!(place.gated());
        let mut fits = Fits::default();
        assert!(place.fit_gated("x0y1y2", &mut fits));
        assert!(fits.is_empty());
        assert!(place.every_frame_floats());
        // On any text (a `?` one character); not with more than four gating bytes.
        assert!(place.fit_gated("é1éx", &mut fits));
        assert!(!fits.is_empty());
        let many: Vec<String> = (0..6u8)
            .map(|i| format!("*{i}?{}", char::from(b'a' + i)))
            .collect();
        let place = Placement::new(many.iter().map(|m| (Some(m.as_str()), None))).unwrap();
        // Past four gating bytes, a table of them (one pass over the text).
        assert!(place.gated());
        assert!(place.table.is_some());
        agrees(
            &many
                .iter()
                .map(|m| (Some(m.as_str()), None))
                .collect::<Vec<_>>(),
            "0a1b2c3d4e5f0x1y",
        );
        // Anchors over 16 bytes: a window of each, the one no other segment shares.
        let long: Vec<String> = (0..6)
            .map(|i| format!("*p{i}-0123456789abcdef?x"))
            .collect();
        let frames: Vec<_> = long.iter().map(|m| (Some(m.as_str()), None)).collect();
        let place = Placement::new(frames.iter().copied()).unwrap();
        assert!(place.gated());
        for text in [
            "p3-0123456789abcdefzx",
            "p3-0123456789abcdefz",
            "0123456789abcdefzx",
        ] {
            agrees(&frames, text);
        }
        // A pinned pattern's frame, as `Pinned` cuts it.
        let p = Pinned::new("*3?x*y3*", 5..7).unwrap();
        assert_eq!(p.frame(), (Some("*3?x"), Some("")));
    }

    fn pattern() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec!['1', '2', 'x', 'é', '*', '?', '*']),
            0..9,
        )
        .prop_map(String::from_iter)
    }

    /// Patterns with many distinct letters after a `?` and long literal runs.
    fn wide_pattern() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                "a",
                "b",
                "c",
                "d",
                "e",
                "f",
                "1",
                "é",
                "*",
                "?",
                "*",
                "?",
                "abcdefabcdefabcdef",
                "bcdefabcdefabcdefa",
                "1a1b1c",
            ]),
            0..7,
        )
        .prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        /// Frames placed together in one pass have the window each finds on its own, whether
        /// a segment's first occurrence is the one its frame needs or not.
        #[test]
        fn one_pass_places_every_frame_as_its_own_search_does(
            frames in prop::collection::vec(
                (prop::option::of(pattern()), prop::option::of(pattern())),
                1..8,
            ),
            texts in prop::collection::vec(
                prop::collection::vec(prop::sample::select(vec!['1', '2', 'x', 'é', 'a']), 0..30)
                    .prop_map(String::from_iter),
                1..4,
            ),
        ) {
            // As `Pinned` cuts them: no star at `B`'s end or `Q`'s start.
            let frames: Vec<(Option<String>, Option<String>)> = frames
                .into_iter()
                .map(|(b, q)| {
                    (
                        b.map(|b| b.trim_end_matches('*').to_owned()),
                        q.map(|q| q.trim_start_matches('*').to_owned()),
                    )
                })
                .collect();
            let refs: Vec<(Option<&str>, Option<&str>)> =
                frames.iter().map(|(b, q)| (b.as_deref(), q.as_deref())).collect();
            for text in &texts {
                agrees(&refs, text);
            }
        }

        /// The same with many gating bytes (a table of them) and pieces longer than 16 bytes
        /// (anchored by one of their windows).
        #[test]
        fn wide_gates_and_long_pieces_place_every_frame_as_its_own_search_does(
            frames in prop::collection::vec(
                (prop::option::of(wide_pattern()), prop::option::of(wide_pattern())),
                1..8,
            ),
            texts in prop::collection::vec(
                prop::collection::vec(
                    prop::sample::select(vec![
                        "a", "b", "c", "d", "e", "f", "1", "é", "abcdefabcdefabcdef", "1a1b1c",
                    ]),
                    0..12,
                )
                .prop_map(|pieces| pieces.concat()),
                1..4,
            ),
        ) {
            let frames: Vec<(Option<String>, Option<String>)> = frames
                .into_iter()
                .map(|(b, q)| {
                    (
                        b.map(|b| b.trim_end_matches('*').to_owned()),
                        q.map(|q| q.trim_start_matches('*').to_owned()),
                    )
                })
                .collect();
            let refs: Vec<(Option<&str>, Option<&str>)> =
                frames.iter().map(|(b, q)| (b.as_deref(), q.as_deref())).collect();
            for text in &texts {
                agrees(&refs, text);
            }
        }

        /// `each_byte` names every position of the byte, in order, sparse or dense (past the
        /// switch to words), and stops where told.
        #[test]
        fn each_byte_finds_every_position(
            bytes in prop::collection::vec(
                prop::sample::select(vec![0u8, 0x7f, 0x80, 0xff, b'x', b'x', b'a']),
                0..400,
            ),
            byte in prop::sample::select(vec![0u8, 0x7f, 0x80, 0xff, b'x']),
            stop in any::<prop::sample::Index>(),
        ) {
            let want: Vec<usize> = (0..bytes.len()).filter(|&i| bytes[i] == byte).collect();
            let mut got = Vec::new();
            let stopped = super::each_byte(&bytes, byte, |at| {
                got.push(at);
                false
            });
            prop_assert!(!stopped);
            prop_assert_eq!(&got, &want);
            if !want.is_empty() {
                let last = want[stop.index(want.len())];
                let mut got = Vec::new();
                let stopped = super::each_byte(&bytes, byte, |at| {
                    got.push(at);
                    at == last
                });
                prop_assert!(stopped);
                prop_assert_eq!(got.last(), Some(&last));
                prop_assert_eq!(got.len(), want.iter().position(|&w| w == last).unwrap() + 1);
            }
        }
    }
}
