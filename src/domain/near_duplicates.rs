//! Near-duplicates for 电子监察: a photo reused at another meeting (re-encoded, resized or
//! cropped by up to 10 %) and minutes copied from another meeting's. Prints are computed
//! once when a photo or minutes are saved; a scan finds pairs through an index, never by
//! comparing every pair.
use std::collections::HashSet;

/// Windows of a photo each print covers, as (left, right) and (top, bottom) fractions: the
/// whole frame first, then frames cropped by 10 % at either end or 5 % at both. A copy
/// cropped by up to 10 % lies close to one of them.
pub const WINDOWS: [(f32, f32); 4] = [(0.0, 1.0), (0.1, 1.0), (0.0, 0.9), (0.05, 0.95)];

/// Number of views a photo print holds: every pair of horizontal and vertical windows.
pub const VIEWS: usize = WINDOWS.len() * WINDOWS.len();

/// A photo's perceptual print: a 64-bit hash of each view, the whole frame first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhotoPrint(pub [u64; VIEWS]);

impl PhotoPrint {
    pub fn full(&self) -> u64 {
        self.0[0]
    }

    /// Stored as hex, 16 characters per view.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|h| format!("{h:016x}")).collect()
    }

    pub fn from_hex(s: &str) -> Option<Self> {
        if s.len() != VIEWS * 16 || !s.is_ascii() {
            return None;
        }
        let mut views = [0u64; VIEWS];
        for (i, v) in views.iter_mut().enumerate() {
            *v = u64::from_str_radix(&s[i * 16..(i + 1) * 16], 16).ok()?;
        }
        Some(Self(views))
    }

    /// How far apart two photos are: the fewest differing bits between one's whole frame and
    /// any view of the other (so a crop of either matches).
    pub fn distance(&self, other: &PhotoPrint) -> u32 {
        let a = other.0.iter().map(|v| (v ^ self.full()).count_ones());
        let b = self.0.iter().map(|v| (v ^ other.full()).count_ones());
        a.chain(b).min().unwrap_or(64)
    }
}

/// Bits differing at most, by default, for two photos to count as one picture.
pub const PHOTO_DISTANCE: u32 = 10;

const BANDS: usize = 4;

/// Multi-index hashing over the 64-bit hashes: each split into four 16-bit bands, each band
/// a table from its value to the entries holding it. Two hashes within `d` bits agree within
/// `d / 4` bits on some band, so probing each band's neighbours within that radius finds
/// every hash within `d` — without looking at the rest.
struct BandIndex {
    /// Per band: where each of the 65,536 values' entries start in `entries`.
    starts: Vec<Vec<u32>>,
    entries: Vec<Vec<u32>>,
}

impl BandIndex {
    fn new(hashes: &[(u32, u64)]) -> Self {
        let mut starts = Vec::with_capacity(BANDS);
        let mut entries = Vec::with_capacity(BANDS);
        for band in 0..BANDS {
            let value = |h: u64| ((h >> (16 * band)) & 0xFFFF) as usize;
            let mut start = vec![0u32; 65_537];
            for (_, h) in hashes {
                start[value(*h) + 1] += 1;
            }
            for i in 1..start.len() {
                start[i] += start[i - 1];
            }
            let mut fill = start.clone();
            let mut list = vec![0u32; hashes.len()];
            for (owner, h) in hashes {
                let v = value(*h);
                list[fill[v] as usize] = *owner;
                fill[v] += 1;
            }
            starts.push(start);
            entries.push(list);
        }
        Self { starts, entries }
    }

    /// Owners of hashes that may be within `max_distance` of `h` (a superset; check them).
    fn candidates(&self, h: u64, max_distance: u32, out: &mut HashSet<u32>) {
        let radius = max_distance as usize / BANDS;
        for band in 0..BANDS {
            let v = ((h >> (16 * band)) & 0xFFFF) as u16;
            for_each_within(v, radius, &mut |probe| {
                let p = probe as usize;
                let (a, b) = (self.starts[band][p], self.starts[band][p + 1]);
                out.extend(&self.entries[band][a as usize..b as usize]);
            });
        }
    }
}

/// Calls `f` with every 16-bit value within `radius` bits of `v` (radius up to 3).
fn for_each_within(v: u16, radius: usize, f: &mut dyn FnMut(u16)) {
    f(v);
    for i in 0..16 {
        let a = v ^ (1 << i);
        if radius >= 1 {
            f(a);
        }
        for j in i + 1..16 {
            let b = a ^ (1 << j);
            if radius >= 2 {
                f(b);
            }
            for k in j + 1..16 {
                if radius >= 3 {
                    f(b ^ (1 << k));
                }
            }
        }
    }
}

/// Photos to compare, each with the meeting it belongs to.
pub struct PhotoIndex<'a> {
    photos: &'a [(i64, i64, PhotoPrint)],
    /// Every view of every photo, by the photo's position in `photos`.
    views: BandIndex,
    /// Every photo's whole frame.
    fulls: BandIndex,
}

impl<'a> PhotoIndex<'a> {
    /// `photos`: (file id, meeting id, print).
    pub fn new(photos: &'a [(i64, i64, PhotoPrint)]) -> Self {
        let mut views = Vec::with_capacity(photos.len() * VIEWS);
        let mut fulls = Vec::with_capacity(photos.len());
        for (i, (_, _, print)) in photos.iter().enumerate() {
            views.extend(print.0.iter().map(|h| (i as u32, *h)));
            fulls.push((i as u32, print.full()));
        }
        Self {
            photos,
            views: BandIndex::new(&views),
            fulls: BandIndex::new(&fulls),
        }
    }

    /// Photos of other meetings within `max_distance` of `print`: (file id, meeting id,
    /// distance), nearest first.
    pub fn matches(
        &self,
        print: &PhotoPrint,
        meeting_id: i64,
        max_distance: u32,
    ) -> Vec<(i64, i64, u32)> {
        let mut candidates = HashSet::new();
        // It may be a crop of another photo, or another photo a crop of it.
        self.views
            .candidates(print.full(), max_distance, &mut candidates);
        for view in &print.0 {
            self.fulls.candidates(*view, max_distance, &mut candidates);
        }
        let mut found: Vec<(i64, i64, u32)> = candidates
            .into_iter()
            .filter_map(|i| {
                let (file, meeting, other) = &self.photos[i as usize];
                let d = print.distance(other);
                (*meeting != meeting_id && d <= max_distance).then_some((*file, *meeting, d))
            })
            .collect();
        found.sort_by_key(|(file, _, d)| (*d, *file));
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

    fn print_with(full: u64, others: u64) -> PhotoPrint {
        let mut v = [others; VIEWS];
        v[0] = full;
        PhotoPrint(v)
    }

    #[test]
    fn prints_round_trip_through_hex() {
        let p = print_with(0x0123_4567_89ab_cdef, u64::MAX);
        assert_eq!(PhotoPrint::from_hex(&p.to_hex()), Some(p));
        assert_eq!(PhotoPrint::from_hex("zz"), None);
    }

    #[test]
    fn a_crop_matches_through_a_view_of_the_other() {
        let original = print_with(0, 0xFF00_FF00_FF00_FF00);
        // Its crop's whole frame is the original's cropped view, off by two bits.
        let crop = print_with(0xFF00_FF00_FF00_FF03, 0x1234_5678_9abc_def0);
        assert_eq!(original.distance(&crop), 2);
        assert_eq!(crop.distance(&original), 2);
    }

    #[test]
    fn the_index_finds_every_print_within_the_distance_and_only_those() {
        let base = 0x0F0F_3C3C_5A5A_9696u64;
        // Flip `n` bits spread over all four bands.
        let flip =
            |n: u32| -> u64 { (0..n).fold(base, |h, i| h ^ (1u64 << ((i * 16 + i * 3) % 64))) };
        let photos: Vec<(i64, i64, PhotoPrint)> = (0..=16)
            .map(|n| (n as i64, 100 + n as i64, print_with(flip(n), flip(n))))
            .collect();
        let index = PhotoIndex::new(&photos);
        let probe = print_with(base, base);
        let found: Vec<i64> = index.matches(&probe, 999, 10).iter().map(|m| m.0).collect();
        assert_eq!(found, (0..=10).collect::<Vec<i64>>());
        // Its own meeting's photos are not a reuse.
        assert!(index.matches(&probe, 100, 10).iter().all(|m| m.1 != 100));
    }

    #[test]
    fn every_value_within_the_radius_is_probed_once() {
        let mut seen = Vec::new();
        for_each_within(0, 2, &mut |v| seen.push(v));
        assert_eq!(seen.len(), 1 + 16 + 120);
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 137);
        assert!(seen.iter().all(|v| v.count_ones() <= 2));
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
