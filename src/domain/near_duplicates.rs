//! Near-duplicates for 电子监察: a photo reused at another meeting (re-encoded, resized or
//! cropped by up to 10 %) and minutes copied from another meeting's. Prints are computed
//! once when a photo or minutes are saved; a scan finds pairs through an index, never by
//! comparing every pair.
use std::collections::HashSet;

/// Windows of a photo compared, as (left, right) and (top, bottom) fractions: the whole
/// frame first, then frames cropped by 10 % at either end or 5 % at both. A copy cropped by
/// up to 10 % lies close to one of them.
pub const WINDOWS: [(f32, f32); 4] = [(0.0, 1.0), (0.1, 1.0), (0.0, 0.9), (0.05, 0.95)];

/// Finer windows, every 2.5 % up to 10 % cropped in all, tried once two photos look alike
/// through `WINDOWS`, for crops that fall between them.
const FINE_STEPS: [f32; 5] = [0.0, 0.025, 0.05, 0.075, 0.1];

/// Number of views of a photo the index keys: every pair of horizontal and vertical windows.
pub const VIEWS: usize = WINDOWS.len() * WINDOWS.len();

/// Side of a photo's print, a grey miniature of `GRID` × `GRID` cells.
pub const GRID: usize = 32;
/// Side of a view compared, sampled from the miniature.
const SIDE: usize = 28;
/// Side of a view's index key, an average hash of `KEY` × `KEY` bits.
const KEY: usize = 8;

/// A photo's perceptual print: its grey miniature. Views of it (the frame and crops of it)
/// are compared by correlation, and indexed by their average hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoPrint(Vec<u8>);

type Window = ((f32, f32), (f32, f32));

impl PhotoPrint {
    /// From `GRID` × `GRID` grey cells, row by row.
    pub fn from_cells(cells: Vec<u8>) -> Option<Self> {
        (cells.len() == GRID * GRID).then_some(Self(cells))
    }

    /// Stored as base64.
    pub fn to_text(&self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(&self.0)
    }

    pub fn from_text(s: &str) -> Option<Self> {
        use base64::Engine;
        let cells = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(s)
            .ok()?;
        Self::from_cells(cells)
    }

    fn cell(&self, x: usize, y: usize) -> f32 {
        f32::from(self.0[y * GRID + x])
    }

    /// The miniature at a point, in cells, between the cells' centres.
    fn sample(&self, x: f32, y: f32) -> f32 {
        let last = (GRID - 1) as f32;
        let (x, y) = (x.clamp(0.0, last), y.clamp(0.0, last));
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(GRID - 1), (y0 + 1).min(GRID - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let top = self.cell(x0, y0) * (1.0 - fx) + self.cell(x1, y0) * fx;
        let bottom = self.cell(x0, y1) * (1.0 - fx) + self.cell(x1, y1) * fx;
        top * (1.0 - fy) + bottom * fy
    }

    /// A window of the photo as `side` × `side` samples.
    fn view(&self, ((x0, x1), (y0, y1)): Window, side: usize) -> Vec<f32> {
        let at = |from: f32, to: f32, i: usize| {
            (from + (to - from) * (i as f32 + 0.5) / side as f32) * GRID as f32 - 0.5
        };
        (0..side)
            .flat_map(|j| (0..side).map(move |i| (i, j)))
            .map(|(i, j)| self.sample(at(x0, x1, i), at(y0, y1, j)))
            .collect()
    }

    /// A view scaled to mean 0 and deviation 1, so that correlating two is a dot product.
    fn standard_view(&self, window: Window) -> Vec<f32> {
        let v = self.view(window, SIDE);
        let n = v.len() as f32;
        let mean = v.iter().sum::<f32>() / n;
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / n)
            .sqrt()
            .max(1.0);
        v.iter().map(|x| (x - mean) / sd).collect()
    }

    /// Index keys: the average hash of each view, the whole frame first.
    pub fn keys(&self) -> [u64; VIEWS] {
        let mut keys = [0u64; VIEWS];
        for (key, window) in keys.iter_mut().zip(windows(&WINDOWS)) {
            let v = self.view(window, KEY);
            let mean = v.iter().sum::<f32>() / v.len() as f32;
            *key = v
                .iter()
                .enumerate()
                .fold(0, |k, (i, x)| if *x > mean { k | 1 << i } else { k });
        }
        keys
    }

    /// How alike two photos are, in percent: the best correlation between one's whole frame
    /// and a view of the other (so that a crop of either matches).
    pub fn similarity(&self, other: &PhotoPrint) -> i64 {
        let best = |coarse: &[(f32, f32)]| {
            let a = best_correlation(self, other, coarse);
            let b = best_correlation(other, self, coarse);
            a.max(b)
        };
        let mut r = best(&WINDOWS);
        // Between the coarse windows lie crops they miss by up to 2.5 %.
        if r > 0.5 {
            let fine: Vec<(f32, f32)> = FINE_STEPS
                .iter()
                .flat_map(|a| FINE_STEPS.iter().map(move |b| (*a, 1.0 - b)))
                .filter(|(a, b)| a + (1.0 - b) <= 0.1 + 1e-6)
                .collect();
            r = r.max(best(&fine));
        }
        (r * 100.0).floor() as i64
    }
}

fn windows(per_axis: &[(f32, f32)]) -> impl Iterator<Item = Window> + '_ {
    per_axis
        .iter()
        .flat_map(move |y| per_axis.iter().map(move |x| (*x, *y)))
}

const WHOLE: Window = ((0.0, 1.0), (0.0, 1.0));

fn correlation(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>() / a.len() as f32
}

/// The best correlation of `a`'s whole frame with a window of `b`.
fn best_correlation(a: &PhotoPrint, b: &PhotoPrint, per_axis: &[(f32, f32)]) -> f32 {
    let whole = a.standard_view(WHOLE);
    windows(per_axis)
        .map(|w| correlation(&whole, &b.standard_view(w)))
        .fold(-1.0, f32::max)
}

/// A first look at two photos whose keys are close: the correlation of the one view pair
/// the keys point at (one's whole frame, the other's nearest view), before `similarity`
/// tries them all.
fn keyed_correlation(
    a: &PhotoPrint,
    a_keys: &[u64; VIEWS],
    b: &PhotoPrint,
    b_keys: &[u64; VIEWS],
) -> f32 {
    let nearest = |keys: &[u64; VIEWS], key: u64| {
        (0..VIEWS)
            .min_by_key(|i| (keys[*i] ^ key).count_ones())
            .map(|i| (i, (keys[i] ^ key).count_ones()))
            .unwrap_or((0, 64))
    };
    let (in_b, d_b) = nearest(b_keys, a_keys[0]);
    let (in_a, d_a) = nearest(a_keys, b_keys[0]);
    let view = |i: usize| windows(&WINDOWS).nth(i).unwrap_or(WHOLE);
    if d_b <= d_a {
        correlation(&a.standard_view(WHOLE), &b.standard_view(view(in_b)))
    } else {
        correlation(&b.standard_view(WHOLE), &a.standard_view(view(in_a)))
    }
}

/// How far below the threshold a first look may fall and the photos still be compared in
/// full: the keyed view pair can miss a crop by up to 2.5 %.
const FIRST_LOOK_MARGIN: f32 = 0.25;

/// Percent two photos' prints must be alike, by default, to count as one picture.
pub const PHOTO_SIMILARITY: i64 = 85;

/// Bits two index keys may differ by for their photos to be compared at all: a copy's keys
/// lie within it, a different picture's seldom do.
const KEY_DISTANCE: u32 = 12;

const BANDS: usize = 4;

/// Multi-index hashing over the 64-bit keys: each split into four 16-bit bands, each band
/// a table from its value to the entries holding it. Two keys within `d` bits agree within
/// `d / 4` bits on some band, so probing each band's neighbours within that radius finds
/// every key within `d` — without looking at the rest.
struct BandIndex {
    /// Per band: where each of the 65,536 values' entries start in `entries`.
    starts: Vec<Vec<u32>>,
    /// Per band: (owner, key), grouped by the band's value.
    entries: Vec<Vec<(u32, u64)>>,
}

impl BandIndex {
    fn new(keys: &[(u32, u64)]) -> Self {
        let mut starts = Vec::with_capacity(BANDS);
        let mut entries = Vec::with_capacity(BANDS);
        for band in 0..BANDS {
            let value = |h: u64| ((h >> (16 * band)) & 0xFFFF) as usize;
            let mut start = vec![0u32; 65_537];
            for (_, h) in keys {
                start[value(*h) + 1] += 1;
            }
            for i in 1..start.len() {
                start[i] += start[i - 1];
            }
            let mut fill = start.clone();
            let mut list = vec![(0u32, 0u64); keys.len()];
            for entry in keys {
                let v = value(entry.1);
                list[fill[v] as usize] = *entry;
                fill[v] += 1;
            }
            starts.push(start);
            entries.push(list);
        }
        Self { starts, entries }
    }

    /// Owners of keys within `max_distance` of `h` (some more than once).
    fn candidates(&self, h: u64, max_distance: u32, out: &mut Vec<u32>) {
        let radius = max_distance as usize / BANDS;
        for band in 0..BANDS {
            let v = ((h >> (16 * band)) & 0xFFFF) as u16;
            for_each_within(v, radius, &mut |probe| {
                let p = probe as usize;
                let (a, b) = (self.starts[band][p], self.starts[band][p + 1]);
                out.extend(
                    self.entries[band][a as usize..b as usize]
                        .iter()
                        .filter(|(_, k)| (k ^ h).count_ones() <= max_distance)
                        .map(|(owner, _)| *owner),
                );
            });
        }
    }
}

/// Calls `f` once with every 16-bit value within `radius` bits of `v`.
fn for_each_within(v: u16, radius: usize, f: &mut dyn FnMut(u16)) {
    fn flip_from(v: u16, first_bit: u32, left: usize, f: &mut dyn FnMut(u16)) {
        f(v);
        if left == 0 {
            return;
        }
        for bit in first_bit..16 {
            flip_from(v ^ (1 << bit), bit + 1, left - 1, f);
        }
    }
    flip_from(v, 0, radius, f);
}

/// Photos to compare, each with the meeting it belongs to.
pub struct PhotoIndex<'a> {
    photos: &'a [(i64, i64, PhotoPrint)],
    keys: Vec<[u64; VIEWS]>,
    /// Every view's key of every photo, by the photo's position in `photos`.
    views: BandIndex,
    /// Every photo's whole-frame key.
    fulls: BandIndex,
}

impl<'a> PhotoIndex<'a> {
    /// `photos`: (file id, meeting id, print).
    pub fn new(photos: &'a [(i64, i64, PhotoPrint)]) -> Self {
        let keys: Vec<[u64; VIEWS]> = photos.iter().map(|(_, _, p)| p.keys()).collect();
        let mut views = Vec::with_capacity(photos.len() * VIEWS);
        let mut fulls = Vec::with_capacity(photos.len());
        for (i, k) in keys.iter().enumerate() {
            views.extend(k.iter().map(|h| (i as u32, *h)));
            fulls.push((i as u32, k[0]));
        }
        Self {
            photos,
            keys,
            views: BandIndex::new(&views),
            fulls: BandIndex::new(&fulls),
        }
    }

    /// Photos of other meetings at least `min_similarity` percent alike to `print`: (file id,
    /// meeting id, similarity), most alike first. The photo may be a crop of another; with
    /// `crops_of_it`, another may also be a crop of it (when every photo is asked in turn,
    /// each pair is found from its cropped side, and that half of the work can be left out).
    pub fn matches(
        &self,
        print: &PhotoPrint,
        meeting_id: i64,
        min_similarity: i64,
        crops_of_it: bool,
    ) -> Vec<(i64, i64, i64)> {
        let keys = print.keys();
        let mut candidates = Vec::new();
        self.views
            .candidates(keys[0], KEY_DISTANCE, &mut candidates);
        if crops_of_it {
            for key in &keys {
                self.fulls.candidates(*key, KEY_DISTANCE, &mut candidates);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut found: Vec<(i64, i64, i64)> = candidates
            .into_iter()
            .filter_map(|i| {
                let (file, meeting, other) = &self.photos[i as usize];
                if *meeting == meeting_id {
                    return None;
                }
                let first = keyed_correlation(print, &keys, other, &self.keys[i as usize]);
                if first < min_similarity as f32 / 100.0 - FIRST_LOOK_MARGIN {
                    return None;
                }
                let s = print.similarity(other);
                (s >= min_similarity).then_some((*file, *meeting, s))
            })
            .collect();
        found.sort_by_key(|(file, _, s)| (-s, *file));
        found
    }
}

/// Characters of a passage that count as copied: shorter shared runs are common phrasing.
pub const SHINGLE: usize = 8;
const WINDOW: usize = 8;

/// The characters minutes are compared on: letters and digits, without spaces or punctuation.
fn significant(text: &str) -> Vec<char> {
    text.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn shingle_hash(chars: &[char]) -> i64 {
    // FNV-1a: stable across builds and machines, as stored prints must be.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for c in chars {
        for b in (*c as u32).to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h as i64
}

/// The minutes' prints: of every window of shingle hashes, the smallest (winnowing), so two
/// texts sharing a passage of `SHINGLE + WINDOW - 1` characters share a print.
pub fn minutes_prints(text: &str) -> Vec<i64> {
    let chars = significant(text);
    if chars.len() < SHINGLE {
        return vec![];
    }
    let hashes: Vec<i64> = chars.windows(SHINGLE).map(shingle_hash).collect();
    let mut prints: Vec<i64> = hashes
        .windows(WINDOW.min(hashes.len()))
        .filter_map(|w| w.iter().min().copied())
        .collect();
    prints.sort_unstable();
    prints.dedup();
    prints
}

/// Share of the smaller text's telling prints found in the other, in percent. Prints too
/// common to tell (shared by many meetings' minutes: set phrases) are left out of both.
pub fn minutes_overlap(a: &[i64], b: &[i64], common: &HashSet<i64>) -> i64 {
    let telling =
        |p: &[i64]| -> HashSet<i64> { p.iter().copied().filter(|x| !common.contains(x)).collect() };
    let (a, b) = (telling(a), telling(b));
    let smaller = a.len().min(b.len());
    if smaller < MIN_TELLING_PRINTS {
        return 0;
    }
    let shared = a.intersection(&b).count();
    (shared * 100 / smaller) as i64
}

/// Minutes with fewer telling prints than this are too short to call copied.
pub const MIN_TELLING_PRINTS: usize = 6;

/// Percent of shared prints, by default, for minutes to count as copied.
pub const MINUTES_OVERLAP: i64 = 60;

/// Runs of `text` (as char offsets, end exclusive) that also appear in `other`: passages of
/// at least `SHINGLE` significant characters, to mark on screen.
pub fn shared_passages(text: &str, other: &str) -> Vec<(usize, usize)> {
    let theirs: HashSet<i64> = significant(other)
        .windows(SHINGLE)
        .map(shingle_hash)
        .collect();
    // Positions in `text` of its significant characters.
    let positions: Vec<usize> = text
        .chars()
        .enumerate()
        .filter(|(_, c)| c.is_alphanumeric())
        .map(|(i, _)| i)
        .collect();
    let chars = significant(text);
    let mut covered = vec![false; chars.len()];
    for (i, w) in chars.windows(SHINGLE).enumerate() {
        if theirs.contains(&shingle_hash(w)) {
            covered[i..i + SHINGLE].iter_mut().for_each(|c| *c = true);
        }
    }
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (k, is) in covered.iter().enumerate() {
        if !is {
            continue;
        }
        let (start, end) = (positions[k], positions[k] + 1);
        match runs.last_mut() {
            // Punctuation and spaces between two marked characters belong to the run.
            Some(last) if k > 0 && covered[k - 1] => last.1 = end,
            _ => runs.push((start, end)),
        }
    }
    runs
}

/// `text` cut at `runs`: (piece, marked) in order, for the template.
pub fn split_marked(text: &str, runs: &[(usize, usize)]) -> Vec<(String, bool)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    for (start, end) in runs {
        if *start > at {
            out.push((chars[at..*start].iter().collect(), false));
        }
        out.push((chars[*start..*end].iter().collect(), true));
        at = *end;
    }
    if at < chars.len() {
        out.push((chars[at..].iter().collect(), false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A miniature whose cells follow `shade(x, y)`.
    fn print_of(shade: impl Fn(usize, usize) -> u8) -> PhotoPrint {
        let cells = (0..GRID * GRID)
            .map(|i| shade(i % GRID, i / GRID))
            .collect();
        PhotoPrint::from_cells(cells).unwrap()
    }

    fn noise(seed: u64) -> impl Fn(usize, usize) -> u8 {
        move |x, y| {
            let mut z = (seed ^ ((x / 2) as u64 * 31 + (y / 2) as u64 * 1009))
                .wrapping_mul(0x9E37_79B9_7F4A_7C15);
            z ^= z >> 29;
            (z.wrapping_mul(0xBF58_476D_1CE4_E5B9) >> 56) as u8
        }
    }

    #[test]
    fn prints_round_trip_through_text() {
        let p = print_of(noise(1));
        assert_eq!(PhotoPrint::from_text(&p.to_text()), Some(p));
        assert_eq!(PhotoPrint::from_text("zz"), None);
        assert_eq!(PhotoPrint::from_cells(vec![0; 10]), None);
    }

    #[test]
    fn a_crop_matches_through_a_view_of_the_other() {
        let original = print_of(|x, y| ((x * 7 + y * y * 3) % 256) as u8 ^ noise(2)(x, y));
        // The right 90 % of it, stretched back to the whole frame.
        let crop = print_of(|x, y| {
            let from = 0.1 * GRID as f32 + x as f32 * 0.9;
            let column = |c: usize| f32::from(original.0[y * GRID + c.min(GRID - 1)]);
            let (c, f) = (from.floor() as usize, from.fract());
            (column(c) * (1.0 - f) + column(c + 1) * f) as u8
        });
        assert!(original.similarity(&crop) >= PHOTO_SIMILARITY);
        assert_eq!(original.similarity(&crop), crop.similarity(&original));
        assert!(original.similarity(&print_of(noise(3))) < 50);
    }

    #[test]
    fn the_index_finds_the_copies_and_not_the_others() {
        let photos: Vec<(i64, i64, PhotoPrint)> = (0..200)
            .map(|n| (n, 100 + n, print_of(noise(n as u64))))
            .chain([(1000, 2000, print_of(noise(17)))])
            .collect();
        let index = PhotoIndex::new(&photos);
        let probe = print_of(noise(17));
        for both in [false, true] {
            let found: Vec<i64> = index
                .matches(&probe, 999, PHOTO_SIMILARITY, both)
                .iter()
                .map(|m| m.0)
                .collect();
            assert_eq!(found, vec![17, 1000]);
        }
        // Its own meeting's photos are not a reuse.
        let own: Vec<i64> = index
            .matches(&probe, 117, PHOTO_SIMILARITY, true)
            .iter()
            .map(|m| m.0)
            .collect();
        assert_eq!(own, vec![1000]);
    }

    #[test]
    fn every_value_within_the_radius_is_probed_once() {
        for (radius, count) in [(0, 1), (2, 1 + 16 + 120), (3, 1 + 16 + 120 + 560)] {
            let mut seen = Vec::new();
            for_each_within(0b1010, radius, &mut |v| seen.push(v));
            assert_eq!(seen.len(), count);
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), count, "each once");
            assert!(
                seen.iter()
                    .all(|v| (v ^ 0b1010).count_ones() as usize <= radius)
            );
        }
    }

    const MINUTES: &str = "会议由村党支部书记王建国主持，应到党员23名，实到21名。会议传达学习了县委关于秋冬季人居环境整治的部署，\
        讨论确定了本村清理河道、修缮文化广场两项任务，明确由党员责任区分片包干，十月底前完成。";

    #[test]
    fn copied_minutes_share_most_prints_and_different_ones_few() {
        let copy = MINUTES.replace("王建国", "李明").replace("23", "18");
        let other = "会议由支部书记主持。支部委员会研究了发展党员工作，确定张红梅为入党积极分子培养对象，\
            并对下季度主题党日活动作了安排，由组织委员负责联系县红色教育基地。";
        let none = HashSet::new();
        let (a, b, c) = (
            minutes_prints(MINUTES),
            minutes_prints(&copy),
            minutes_prints(other),
        );
        assert!(minutes_overlap(&a, &b, &none) >= MINUTES_OVERLAP);
        assert!(minutes_overlap(&a, &c, &none) < 20);
        // A set phrase every meeting writes does not make two minutes alike.
        let common: HashSet<i64> = minutes_prints("会议由支部书记主持").into_iter().collect();
        let short_a = "会议由支部书记主持。学习党章。";
        let short_b = "会议由支部书记主持。交流思想。";
        assert_eq!(
            minutes_overlap(&minutes_prints(short_a), &minutes_prints(short_b), &common),
            0
        );
    }

    #[test]
    fn shared_passages_are_marked_in_the_text_as_written() {
        let copy = format!("补充：{}", MINUTES.replace("王建国", "李明"));
        let runs = shared_passages(&copy, MINUTES);
        let pieces = split_marked(&copy, &runs);
        let marked: String = pieces
            .iter()
            .filter(|p| p.1)
            .map(|p| p.0.as_str())
            .collect();
        assert!(marked.contains("应到党员23名，实到21名"));
        assert!(!marked.contains("李明"));
        assert!(!marked.contains("补充"));
        let whole: String = pieces.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(whole, copy);
    }
}
