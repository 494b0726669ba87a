//! The demo's photos: painted scenes that read as photographs — a 党员活动室 seen from the
//! back during a meeting, a field, a village wall — soft shapes, light from a window,
//! perspective and a camera's grain.
//!
//! Every meeting must have its own picture, as real meetings do, so that only the reuses the
//! demo plants look alike; random rooms are not enough, as among the county's tens of
//! thousands of photos some two would come out alike. So who sits where in the room of photo
//! `n` is a codeword for `n` of a code whose codewords differ in at least 96 of their 240 bits:
//! a Reed–Solomon code over GF(16) (15 symbols, 4 of message; two differ in at least 12
//! symbols) with each symbol written as its 16-bit Hadamard codeword (two differ in exactly 8
//! bits). Two bits make a seat: empty, or taken by someone in a dark, a grey or a coloured
//! jacket — so two codewords differ in at least 48 of their 120 seats. People also sit
//! together, leaving stretches of a row empty (from the seed), which hides some of those
//! differences and adds others; the test below measures what is left.
use super::Rng;
use image::RgbImage;

pub const WIDTH: u32 = 320;
pub const HEIGHT: u32 = 210;
/// The code's symbols (Reed–Solomon over GF(16)) and each symbol's bits (Hadamard).
const SYMBOLS: i64 = 15;
const SYMBOL_BITS: i64 = 16;

/// Seats per row, from the front of the room to the camera (120 in all).
const SEATS: [usize; 8] = [20, 19, 18, 16, 15, 13, 11, 8];

/// Different pictures one run of the demo can make.
pub const DISTINCT: u32 = 1 << 16;

type Colour = [f32; 3];

/// A picture being painted, in floating point so that soft edges blend. Shapes are given in
/// the photo's pixels and painted at half its size, then enlarged: as fast in a debug build
/// as a demo of tens of thousands of photos needs, and as soft as a phone's camera.
struct Canvas {
    w: usize,
    h: usize,
    /// The photo's size.
    out: (u32, u32),
    px: Vec<Colour>,
}

const PAINT_SCALE: f32 = 0.5;

fn mix(a: Colour, b: Colour, t: f32) -> Colour {
    [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t)
}

fn scaled(c: Colour, by: f32) -> Colour {
    c.map(|v| v * by)
}

/// How much of a pixel lies inside an edge at signed distance `d` (pixels, positive inside).
fn coverage(d: f32) -> f32 {
    (d + 0.5).clamp(0.0, 1.0)
}

impl Canvas {
    fn new(w: u32, h: u32) -> Self {
        let (pw, ph) = (
            (w as f32 * PAINT_SCALE) as usize,
            (h as f32 * PAINT_SCALE) as usize,
        );
        Canvas {
            out: (w, h),
            w: pw,
            h: ph,
            px: vec![[0.0; 3]; pw * ph],
        }
    }

    fn blend(&mut self, x: usize, y: usize, c: Colour, alpha: f32) {
        // Written out, not with `mix`: this is the inner loop of every shape.
        if alpha > 0.0 {
            let p = &mut self.px[y * self.w + x];
            p[0] += (c[0] - p[0]) * alpha;
            p[1] += (c[1] - p[1]) * alpha;
            p[2] += (c[2] - p[2]) * alpha;
        }
    }

    /// The pixel rows and columns a shape between these bounds may touch.
    fn span(&self, x0: f32, y0: f32, x1: f32, y1: f32) -> (usize, usize, usize, usize) {
        let clip = |v: f32, max: usize| (v.max(0.0) as usize).min(max);
        (
            clip(x0.floor(), self.w),
            clip(x1.ceil() + 1.0, self.w),
            clip(y0.floor(), self.h),
            clip(y1.ceil() + 1.0, self.h),
        )
    }

    /// A rectangle shaded from `top` to `bottom`, its edges anti-aliased.
    fn rect(&mut self, (x0, y0, x1, y1): (f32, f32, f32, f32), top: Colour, bottom: Colour) {
        let [x0, y0, x1, y1] = [x0, y0, x1, y1].map(|v| v * PAINT_SCALE);
        let (xa, xb, ya, yb) = self.span(x0, y0, x1, y1);
        let columns: Vec<f32> = (xa..xb)
            .map(|x| {
                let fx = x as f32 + 0.5;
                coverage(fx - x0).min(coverage(x1 - fx))
            })
            .collect();
        for y in ya..yb {
            let fy = y as f32 + 0.5;
            let cy = coverage(fy - y0).min(coverage(y1 - fy));
            let c = mix(
                top,
                bottom,
                ((fy - y0) / (y1 - y0).max(1.0)).clamp(0.0, 1.0),
            );
            for (x, cx) in (xa..xb).zip(&columns) {
                self.blend(x, y, c, cy.min(*cx));
            }
        }
    }

    /// An ellipse lit from above (`shine` lightens its top, darkens its bottom).
    fn ellipse(&mut self, (cx, cy): (f32, f32), (rx, ry): (f32, f32), c: Colour, shine: f32) {
        let [cx, cy, rx, ry] = [cx, cy, rx, ry].map(|v| v * PAINT_SCALE);
        let (xa, xb, ya, yb) = self.span(cx - rx, cy - ry, cx + rx, cy + ry);
        let r = rx.min(ry);
        for y in ya..yb {
            let dy = (y as f32 + 0.5 - cy) / ry;
            let lit = scaled(c, 1.0 - shine * dy);
            for x in xa..xb {
                let dx = (x as f32 + 0.5 - cx) / rx;
                let d = (dx * dx + dy * dy).sqrt();
                self.blend(x, y, lit, coverage((1.0 - d) * r));
            }
        }
    }

    /// The camera: light from one side, a little darker at the top and bottom, grain, and
    /// the softness of a small lens (the painting enlarged, bilinearly, to the photo's size —
    /// by hand: `image`'s generic resize compiles into this crate, slow in a debug build).
    fn photograph(mut self, rng: &mut Rng, light_from_left: bool) -> RgbImage {
        let (w, h) = (self.w as f32, self.h as f32);
        for y in 0..self.h {
            for x in 0..self.w {
                let (fx, fy) = (x as f32 / w, y as f32 / h);
                let across = if light_from_left { 1.0 - fx } else { fx };
                let light = 0.95 + 0.06 * across - (fy - 0.5).powi(2) * 0.1;
                let grain = rng.range(-3, 3) as f32;
                let p = &mut self.px[y * self.w + x];
                p[0] = p[0] * light + grain;
                p[1] = p[1] * light + grain;
                p[2] = p[2] * light + grain;
            }
        }
        // Where each photo column and row falls between two painted ones.
        let taps = |out: u32, painted: usize| -> Vec<(usize, usize, f32)> {
            (0..out)
                .map(|i| {
                    let at = ((i as f32 + 0.5) * PAINT_SCALE - 0.5).max(0.0);
                    let lo = (at as usize).min(painted - 1);
                    (lo, (lo + 1).min(painted - 1), at - lo as f32)
                })
                .collect()
        };
        let (width, height) = self.out;
        let (columns, rows) = (taps(width, self.w), taps(height, self.h));
        let mut out = Vec::with_capacity((width * height * 3) as usize);
        for &(y0, y1, ty) in &rows {
            let (r0, r1) = (&self.px[y0 * self.w..], &self.px[y1 * self.w..]);
            for &(x0, x1, tx) in &columns {
                let (a, b, c, d) = (r0[x0], r0[x1], r1[x0], r1[x1]);
                for k in 0..3 {
                    let top = a[k] + (b[k] - a[k]) * tx;
                    let bottom = c[k] + (d[k] - c[k]) * tx;
                    // A float cast to u8 saturates: no clamp needed.
                    out.push((top + (bottom - top) * ty) as u8);
                }
            }
        }
        RgbImage::from_raw(width, height, out).unwrap_or_default()
    }
}

/// A colour near `c`, each channel moved by up to `by`.
fn near(rng: &mut Rng, c: Colour, by: i64) -> Colour {
    c.map(|v| v + rng.range(-by, by) as f32)
}

/// Multiplication in GF(16), modulo x⁴ + x + 1.
fn gf16_mul(mut a: u8, mut b: u8) -> u8 {
    let mut product = 0;
    while b > 0 {
        if b & 1 == 1 {
            product ^= a;
        }
        b >>= 1;
        a <<= 1;
        if a & 0x10 != 0 {
            a ^= 0x13;
        }
    }
    product
}

/// The 240 bits of picture `n`'s codeword.
fn codeword(n: u16) -> Vec<bool> {
    let message: Vec<u8> = (0..4).map(|i| ((n >> (4 * i)) & 0xF) as u8).collect();
    let mut bits = Vec::with_capacity((SYMBOLS * SYMBOL_BITS) as usize);
    let mut point = 1u8;
    for _ in 0..SYMBOLS {
        // The message polynomial's value at this point (the next power of the generator x).
        let (mut value, mut power) = (0u8, 1u8);
        for c in &message {
            value ^= gf16_mul(*c, power);
            power = gf16_mul(power, point);
        }
        bits.extend((0..SYMBOL_BITS).map(|j| (value & j as u8).count_ones() % 2 == 1));
        point = gf16_mul(point, 2);
    }
    bits
}

const GOLD: Colour = [246.0, 214.0, 120.0];

/// Strokes that read as characters from across a room, along a banner or a wall (in gold),
/// or as writing on a scanned page (in ink).
fn lettering(
    canvas: &mut Canvas,
    rng: &mut Rng,
    (x0, x1): (f32, f32),
    y: f32,
    size: f32,
    ink: Colour,
) {
    let gold = ink;
    let count = ((x1 - x0) / (size * 1.35)).floor().max(1.0) as usize;
    let step = (x1 - x0) / count as f32;
    for i in 0..count {
        let cx = x0 + step * (i as f32 + 0.5);
        for _ in 0..rng.range(2, 4) {
            let (a, b) = (
                rng.range(0, 10) as f32 / 10.0,
                rng.range(0, 10) as f32 / 10.0,
            );
            if rng.chance(50) {
                let yy = y - size / 2.0 + size * a;
                canvas.rect(
                    (cx - size / 2.0, yy, cx + size / 2.0, yy + size * 0.14),
                    gold,
                    gold,
                );
            } else {
                let xx = cx - size / 2.0 + size * b;
                canvas.rect(
                    (xx, y - size / 2.0, xx + size * 0.14, y + size / 2.0),
                    gold,
                    gold,
                );
            }
        }
    }
}

/// Someone seen from behind in a row: shoulders in their shirt, and hair.
fn seated_back(canvas: &mut Canvas, rng: &mut Rng, (x, y): (f32, f32), r: f32, shirt: Colour) {
    let hair = if rng.chance(10) {
        near(rng, [128.0, 126.0, 122.0], 12)
    } else {
        near(rng, [34.0, 30.0, 29.0], 6)
    };
    canvas.ellipse((x, y + r * 0.3), (r * 1.35, r * 1.2), shirt, 0.18);
    canvas.ellipse(
        (x, y - r * 0.9),
        (r * 0.45, r * 0.5),
        [196.0, 150.0, 120.0],
        0.1,
    );
    canvas.ellipse((x, y - r * 1.35), (r * 0.82, r * 0.92), hair, 0.25);
}

/// Someone facing the camera behind the table at the front.
fn seated_front(canvas: &mut Canvas, rng: &mut Rng, (x, y): (f32, f32), r: f32) {
    let jacket = near(rng, [44.0, 46.0, 58.0], 10);
    canvas.ellipse((x, y + r * 0.4), (r * 1.7, r * 1.2), jacket, 0.15);
    canvas.rect(
        (x - r * 0.3, y - r * 0.6, x + r * 0.3, y + r * 0.5),
        [236.0, 236.0, 232.0],
        [220.0, 220.0, 216.0],
    );
    canvas.ellipse(
        (x, y - r * 1.2),
        (r * 0.75, r * 0.9),
        [224.0, 184.0, 150.0],
        0.2,
    );
    canvas.ellipse(
        (x, y - r * 1.75),
        (r * 0.78, r * 0.45),
        [30.0, 27.0, 26.0],
        0.2,
    );
}

/// The seat at `i`'s two bits of picture `n`'s codeword, drawn in an order fixed for every
/// picture so that the code's fixed bits fall on no one place.
fn seat_states(n: u16) -> Vec<u8> {
    let bits = codeword(n);
    let mut order: Vec<usize> = (0..bits.len()).collect();
    let mut rng = Rng(0x5EA7_5EA7);
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i as u64 + 1) as usize);
    }
    order
        .chunks(2)
        .map(|pair| u8::from(bits[pair[0]]) * 2 + u8::from(bits[pair[1]]))
        .collect()
}

/// Picture `n` (below `DISTINCT`) of a meeting; `seed` varies what the code leaves free: the
/// room's colours, its window, banner and screen, where the camera stood, the light. The
/// camera stands at the back, above the rows, so most of the frame is who came and where
/// they sat — which is what tells one meeting's photo from another's even at a glance.
pub fn scene(n: u32, seed: u64) -> RgbImage {
    let mut rng = Rng(seed ^ 0x5CE7_E000);
    let mut canvas = Canvas::new(WIDTH, HEIGHT);
    let horizon = HEIGHT as f32 * rng.range(13, 17) as f32 / 100.0;
    let (floor, left) = room(&mut canvas, &mut rng, horizon);
    front_of_room(&mut canvas, &mut rng, horizon);
    audience(&mut canvas, &mut rng, n, (horizon, floor));
    canvas.photograph(&mut rng, left)
}

/// The wall and the floor, and a window on one side: the floor's colour, and whether the
/// light comes from the left.
fn room(canvas: &mut Canvas, rng: &mut Rng, horizon: f32) -> (Colour, bool) {
    let (w, h) = (WIDTH as f32, HEIGHT as f32);
    // The wall and the floor.
    let wall_colour = near(rng, [226.0, 218.0, 198.0], 10);
    canvas.rect(
        (0.0, 0.0, w, horizon),
        scaled(wall_colour, 0.86),
        wall_colour,
    );
    let floor = near(rng, [150.0, 138.0, 122.0], 14);
    canvas.rect((0.0, horizon, w, h), floor, scaled(floor, 0.85));
    canvas.rect(
        (0.0, horizon - 2.0, w, horizon + 1.0),
        scaled(wall_colour, 0.7),
        floor,
    );
    // A window on one side, bright, with its frame and curtains.
    let left = rng.chance(50);
    let ww = w * rng.range(9, 13) as f32 / 100.0;
    let (wx, wy) = (if left { w * 0.02 } else { w * 0.98 - ww }, h * 0.03);
    let curtain = near(rng, [178.0, 60.0, 52.0], 20);
    canvas.rect(
        (wx - 5.0, wy - 3.0, wx + ww + 5.0, horizon - 4.0),
        curtain,
        scaled(curtain, 0.8),
    );
    canvas.rect(
        (wx, wy, wx + ww, horizon - 7.0),
        [244.0, 248.0, 250.0],
        [214.0, 226.0, 232.0],
    );
    for i in 1..3 {
        let x = wx + ww * i as f32 / 3.0;
        canvas.rect(
            (x - 0.8, wy, x + 0.8, horizon - 7.0),
            [120.0; 3],
            [110.0; 3],
        );
    }
    (floor, left)
}

/// The front of the room: the banner, a screen or the Party flag, the table and those at it.
fn front_of_room(canvas: &mut Canvas, rng: &mut Rng, horizon: f32) {
    let (w, h) = (WIDTH as f32, HEIGHT as f32);
    // The red banner with its words, and beside it a screen or the Party flag.
    let bw = w * rng.range(44, 60) as f32 / 100.0;
    let bx = (w - bw) / 2.0 + rng.range(-16, 16) as f32;
    let (by, bh) = (h * 0.015, h * 0.045);
    canvas.rect(
        (bx, by, bx + bw, by + bh),
        [196.0, 32.0, 34.0],
        [160.0, 22.0, 26.0],
    );
    lettering(
        canvas,
        rng,
        (bx + 6.0, bx + bw - 6.0),
        by + bh / 2.0,
        bh * 0.55,
        GOLD,
    );
    let (sy, sh) = (by + bh + 4.0, (horizon - by - bh - 14.0).max(8.0));
    let sx = w / 2.0 + rng.range(-24, 24) as f32;
    if rng.chance(60) {
        let sw = sh * 1.7;
        let (l, r) = (sx - sw / 2.0, sx + sw / 2.0);
        canvas.rect(
            (l - 2.0, sy - 2.0, r + 2.0, sy + sh + 2.0),
            [60.0; 3],
            [60.0; 3],
        );
        canvas.rect(
            (l, sy, r, sy + sh),
            [236.0, 240.0, 246.0],
            [206.0, 214.0, 226.0],
        );
        canvas.rect(
            (l, sy, r, sy + sh * 0.3),
            [188.0, 36.0, 38.0],
            [170.0, 30.0, 32.0],
        );
        for line in 0..2 {
            let y = sy + sh * (0.5 + 0.22 * line as f32);
            let len = sw * rng.range(40, 80) as f32 / 100.0;
            canvas.rect((l + 4.0, y, l + 4.0 + len, y + 1.5), [90.0; 3], [90.0; 3]);
        }
    } else {
        let fw = sh * 1.4;
        canvas.rect(
            (sx - fw / 2.0, sy, sx + fw / 2.0, sy + sh),
            [206.0, 30.0, 32.0],
            [176.0, 22.0, 26.0],
        );
        let emblem = (sx - fw / 2.0 + sh * 0.32, sy + sh * 0.3);
        canvas.ellipse(emblem, (sh * 0.16, sh * 0.16), [246.0, 210.0, 100.0], 0.1);
    }
    // The table at the front with those who lead the meeting.
    let table_top = horizon + h * 0.03;
    for i in 0..rng.range(1, 3) {
        let x = w / 2.0 + (i as f32 - 1.0) * w * 0.07 + rng.range(-6, 6) as f32;
        seated_front(canvas, rng, (x, table_top - 1.0), h * 0.016);
    }
    let cloth = if rng.chance(70) {
        [170.0, 30.0, 34.0]
    } else {
        [40.0, 92.0, 60.0]
    };
    canvas.rect(
        (w * 0.3, table_top, w * 0.7, table_top + h * 0.04),
        cloth,
        scaled(cloth, 0.75),
    );
}

/// The rows of chairs and who sat in them.
fn audience(canvas: &mut Canvas, rng: &mut Rng, n: u32, (horizon, floor): (f32, Colour)) {
    let (w, h) = (WIDTH as f32, HEIGHT as f32);
    // The rows, the back of the room first: who sits where is the code. Empty chairs are
    // light, people dark, so a half-empty row reads as such from across the room.
    let chair = *rng.pick(&[
        [222.0, 214.0, 196.0],
        [206.0, 208.0, 212.0],
        [214.0, 184.0, 144.0],
    ]);
    let shift = rng.range(-10, 10) as f32;
    let states = seat_states(n as u16);
    // People sit together: whole stretches of a row stay empty, others fill.
    let stretches: Vec<bool> = (0..SEATS.len() * 8).map(|_| rng.chance(45)).collect();
    let mut seat = 0;
    for (row, &count) in SEATS.iter().enumerate() {
        let depth = row as f32 / (SEATS.len() - 1) as f32;
        let y = horizon + h * (0.09 + 0.74 * depth.powf(1.1));
        let r = h * (0.018 + 0.044 * depth);
        let span = w * (0.86 + 0.4 * depth);
        let step = span / count as f32;
        let x0 = (w - span) / 2.0 + shift * (1.0 + depth) + step / 2.0;
        for i in 0..count {
            let x = x0 + step * i as f32 + rng.range(-2, 2) as f32 * depth;
            let state = states[seat];
            seat += 1;
            // The chair's shadow on the floor, then its back, rounded at the top.
            let shadow = scaled(floor, 0.6);
            canvas.rect(
                (x - r * 1.2, y + r * 1.6, x + r * 1.3, y + r * 2.1),
                shadow,
                floor,
            );
            canvas.rect(
                (x - r * 1.1, y - r * 0.4, x + r * 1.1, y + r * 1.8),
                chair,
                scaled(chair, 0.78),
            );
            canvas.ellipse(
                (x, y - r * 0.4),
                (r * 1.1, r * 0.35),
                scaled(chair, 1.04),
                0.0,
            );
            let stretch = row * 8 + ((x / w * 8.0).clamp(0.0, 7.0)) as usize;
            if state == 0 || stretches[stretch] {
                continue; // an empty seat
            }
            let shirt = match state {
                1 => near(rng, [44.0, 46.0, 56.0], 10),
                2 => near(rng, [96.0, 104.0, 120.0], 12),
                _ => *rng.pick(&[
                    [92.0, 116.0, 170.0],
                    [170.0, 58.0, 54.0],
                    [130.0, 118.0, 90.0],
                ]),
            };
            seated_back(canvas, rng, (x, y), r, shirt);
        }
    }
}

/// A picture for an article, a post or a prize: a field at work or a village wall with its
/// slogan, with volunteers in red vests — outdoors, unlike the meetings' rooms.
pub fn outdoors(seed: u64) -> RgbImage {
    let mut rng = Rng(seed ^ 0x0D7D_0025);
    let mut canvas = Canvas::new(WIDTH, HEIGHT);
    let horizon = HEIGHT as f32 * rng.range(34, 46) as f32 / 100.0;
    sky_and_hills(&mut canvas, &mut rng, horizon);
    if seed % 2 == 1 {
        village_wall(&mut canvas, &mut rng, horizon);
    } else {
        field(&mut canvas, &mut rng, horizon);
    }
    volunteers(&mut canvas, &mut rng, horizon);
    let from_left = rng.chance(50);
    canvas.photograph(&mut rng, from_left)
}

/// A scanned page's size: A4's proportions at a phone scan's resolution for a screen.
pub const PAGE_WIDTH: u32 = 420;
pub const PAGE_HEIGHT: u32 = 594;

/// A handwritten form as a phone scans it (入党申请书, 思想汇报, 志愿书): the page on a
/// desk, a little askew at its edges, its printed title, ruled lines written over in
/// blue-black ink with ragged ends and paragraph indents, the signature and date at its
/// foot, and — on a 志愿书 — the branch's red seal over the date.
pub fn scanned_page(seed: u64, sealed: bool) -> RgbImage {
    let (w, h) = (PAGE_WIDTH as f32, PAGE_HEIGHT as f32);
    let mut rng = Rng(seed ^ 0x5CA7_7E0D);
    let mut canvas = Canvas::new(PAGE_WIDTH, PAGE_HEIGHT);
    canvas.rect((0.0, 0.0, w, h), [104.0, 84.0, 64.0], [86.0, 70.0, 54.0]);
    let margin = |rng: &mut Rng| rng.range(6, 16) as f32;
    let (left, top, right, bottom) = (
        margin(&mut rng),
        margin(&mut rng),
        w - margin(&mut rng),
        h - margin(&mut rng),
    );
    let paper = near(&mut rng, [244.0, 241.0, 232.0], 4);
    canvas.rect((left, top, right, bottom), paper, scaled(paper, 0.95));
    let (black, ink) = ([40.0, 40.0, 44.0], near(&mut rng, [38.0, 52.0, 96.0], 8));
    lettering(
        &mut canvas,
        &mut rng,
        (w * 0.32, w * 0.68),
        top + 46.0,
        17.0,
        black,
    );
    let rule = [214.0, 200.0, 196.0];
    let (x0, x1) = (left + 30.0, right - 30.0);
    let mut y = top + 92.0;
    let lines = rng.range(10, 14);
    for line in 0..lines {
        canvas.rect((x0, y + 9.0, x1, y + 10.0), rule, rule);
        let indent = if line == 0 || rng.chance(18) {
            26.0
        } else {
            0.0
        };
        let end = if line + 1 == lines {
            x0 + (x1 - x0) * rng.range(30, 70) as f32 / 100.0
        } else {
            x1 - rng.range(0, 14) as f32
        };
        lettering(&mut canvas, &mut rng, (x0 + indent, end), y, 11.0, ink);
        y += 27.0;
    }
    // The signature and the date, bottom right; a 志愿书's seal over them.
    let foot = (bottom - 70.0).max(y + 20.0);
    lettering(&mut canvas, &mut rng, (w * 0.58, w * 0.8), foot, 13.0, ink);
    lettering(
        &mut canvas,
        &mut rng,
        (w * 0.55, w * 0.85),
        foot + 26.0,
        11.0,
        ink,
    );
    if sealed {
        let (cx, cy) = (w * 0.7 + rng.range(-10, 10) as f32, foot + 10.0);
        let red = near(&mut rng, [200.0, 40.0, 44.0], 10);
        canvas.ellipse((cx, cy), (36.0, 36.0), red, 0.0);
        canvas.ellipse((cx, cy), (32.0, 32.0), paper, 0.0);
        canvas.ellipse((cx, cy), (7.0, 7.0), red, 0.0);
        lettering(
            &mut canvas,
            &mut rng,
            (cx - 24.0, cx + 24.0),
            cy + 16.0,
            7.0,
            red,
        );
    }
    let from_left = rng.chance(50);
    canvas.photograph(&mut rng, from_left)
}

/// A blue sky with clouds over two ranges of hills, the far one paler.
fn sky_and_hills(canvas: &mut Canvas, rng: &mut Rng, horizon: f32) {
    let (w, h) = (WIDTH as f32, HEIGHT as f32);
    canvas.rect(
        (0.0, 0.0, w, horizon),
        [118.0, 166.0, 222.0],
        [214.0, 230.0, 240.0],
    );
    for _ in 0..rng.range(2, 5) {
        let (cx, cy) = (
            rng.range(0, WIDTH as i64) as f32,
            horizon * rng.range(15, 60) as f32 / 100.0,
        );
        canvas.ellipse(
            (cx, cy),
            (rng.range(20, 50) as f32, rng.range(5, 11) as f32),
            [248.0, 250.0, 252.0],
            -0.1,
        );
    }
    // Hills, the far ones paler.
    for (layer, colour) in [[128.0, 160.0, 150.0], [84.0, 128.0, 84.0]]
        .iter()
        .enumerate()
    {
        let (phase, high) = (
            rng.range(0, 628) as f32 / 100.0,
            h * (0.12 - 0.04 * layer as f32),
        );
        // One painted column at a time.
        let column = 1.0 / PAINT_SCALE;
        for x in (0..WIDTH).step_by(column as usize) {
            let fx = x as f32 / w;
            let top = horizon
                - high
                    * (0.55
                        + 0.3 * (fx * 5.0 + phase).sin()
                        + 0.15 * (fx * 13.0 + phase * 2.0).sin());
            canvas.rect(
                (x as f32, top, x as f32 + column, horizon + 1.0),
                *colour,
                scaled(*colour, 0.9),
            );
        }
    }
}

/// A whitewashed village wall under dark tiles, its slogan in red, a tree beside it.
fn village_wall(canvas: &mut Canvas, rng: &mut Rng, horizon: f32) {
    let (w, h) = (WIDTH as f32, HEIGHT as f32);
    // A whitewashed wall under dark tiles, its slogan in red.
    let (top, bottom) = (horizon - h * 0.22, horizon + h * 0.2);
    canvas.rect(
        (0.0, top, w, bottom),
        [236.0, 234.0, 226.0],
        [208.0, 204.0, 194.0],
    );
    canvas.rect(
        (0.0, top - h * 0.05, w, top + 2.0),
        [70.0, 72.0, 76.0],
        [50.0, 52.0, 56.0],
    );
    let (bx, bw) = (w * rng.range(8, 20) as f32 / 100.0, w * 0.6);
    let by = top + h * 0.07;
    canvas.rect(
        (bx, by, bx + bw, by + h * 0.09),
        [190.0, 30.0, 32.0],
        [168.0, 24.0, 28.0],
    );
    lettering(
        canvas,
        rng,
        (bx + 6.0, bx + bw - 6.0),
        by + h * 0.045,
        h * 0.05,
        GOLD,
    );
    canvas.rect(
        (0.0, bottom, w, h),
        [150.0, 146.0, 136.0],
        [112.0, 108.0, 100.0],
    );
    let tx = if rng.chance(50) { w * 0.88 } else { w * 0.1 };
    canvas.rect(
        (tx - 3.0, top, tx + 3.0, bottom + 8.0),
        [84.0, 62.0, 44.0],
        [70.0, 50.0, 36.0],
    );
    canvas.ellipse(
        (tx, top - 6.0),
        (w * 0.1, h * 0.16),
        [62.0, 110.0, 60.0],
        0.3,
    );
}

/// Rows of crops running away to the hills.
fn field(canvas: &mut Canvas, rng: &mut Rng, horizon: f32) {
    let (w, h) = (WIDTH as f32, HEIGHT as f32);
    // Rows of crops running away to the hills.
    let crop = *rng.pick(&[
        [96.0, 150.0, 70.0],
        [196.0, 170.0, 84.0],
        [120.0, 160.0, 80.0],
    ]);
    canvas.rect((0.0, horizon, w, h), scaled(crop, 0.92), crop);
    let vanish = w * rng.range(30, 70) as f32 / 100.0;
    let spacing = rng.range(18, 30) as f32;
    for y in 0..canvas.h {
        let depth = ((y as f32 + 0.5) / PAINT_SCALE - horizon) / (h - horizon);
        if depth <= 0.0 {
            continue;
        }
        // Rows run to the vanishing point; where they are finer than pixels, they blur.
        let fade = 0.35 * (depth * spacing / 5.0).min(1.0);
        for x in 0..canvas.w {
            let u = ((x as f32 + 0.5) / PAINT_SCALE - vanish) / (depth * spacing);
            if u.rem_euclid(1.0) < 0.35 {
                canvas.blend(x, y, [70.0, 58.0, 40.0], fade);
            }
        }
    }
}

/// Volunteers in red vests, nearer ones larger.
fn volunteers(canvas: &mut Canvas, rng: &mut Rng, horizon: f32) {
    let h = HEIGHT as f32;
    // Volunteers in red vests.
    for _ in 0..rng.range(2, 6) {
        let depth = rng.range(30, 100) as f32 / 100.0;
        let (x, y) = (
            rng.range(10, WIDTH as i64 - 10) as f32,
            horizon + (h - horizon) * 0.2 + (h - horizon) * 0.6 * depth,
        );
        let r = h * 0.02 * (0.6 + depth * 1.6);
        canvas.rect(
            (x - r * 0.5, y + r * 1.4, x + r * 0.5, y + r * 3.6),
            [50.0, 54.0, 70.0],
            [40.0, 44.0, 58.0],
        );
        canvas.ellipse(
            (x, y + r * 0.9),
            (r * 1.1, r * 1.5),
            [204.0, 36.0, 36.0],
            0.2,
        );
        canvas.ellipse(
            (x, y - r * 0.9),
            (r * 0.6, r * 0.7),
            [222.0, 180.0, 146.0],
            0.2,
        );
        canvas.ellipse(
            (x, y - r * 1.35),
            (r * 0.8, r * 0.35),
            [236.0, 230.0, 214.0],
            0.1,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::near_duplicates::{PHOTO_SIMILARITY, PhotoIndex, PhotoPrint};

    fn print(n: u32) -> PhotoPrint {
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 75)
            .encode_image(&scene(n, u64::from(n) * 7919))
            .unwrap();
        crate::files::process_photo(&jpeg).unwrap().print
    }

    #[test]
    fn two_codewords_differ_in_at_least_96_bits() {
        let words: Vec<Vec<bool>> = (0..300u16).map(|n| codeword(n * 211 + 5)).collect();
        for (i, a) in words.iter().enumerate() {
            for b in &words[i + 1..] {
                let differ = a.iter().zip(b).filter(|(x, y)| x != y).count();
                assert!(differ >= 96, "{differ}");
            }
        }
    }

    #[test]
    fn every_meeting_has_its_own_picture() {
        let prints: Vec<(i64, i64, PhotoPrint)> = (0..600u32)
            .map(|n| (i64::from(n), i64::from(n), print(n * 97)))
            .collect();
        let index = PhotoIndex::new(&prints);
        // Rooms share a wall, a table and rows of chairs, so unlike pictures correlate
        // up to about 0.6; 15 points below the threshold is still far from a reuse.
        let alike: Vec<(i64, i64, i64)> = prints
            .iter()
            .flat_map(|(id, meeting, p)| {
                index
                    .matches(p, *meeting, PHOTO_SIMILARITY - 15, false)
                    .into_iter()
                    .map(move |m| (*id, m.0, m.2))
            })
            .collect();
        assert!(alike.is_empty(), "scenes alike: {alike:?}");
        assert_eq!(print(7), print(7), "the same number, the same picture");
    }
}
