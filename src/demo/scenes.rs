//! The demo's meeting photos: a generated scene per meeting — a wall of boards, a banner,
//! the people at a table — so that every meeting has its own picture, as real meetings do,
//! and only the reuses the demo plants look alike.
//!
//! Random walls are not enough: among the county's tens of thousands of photos some two would
//! come out alike. So the wall of photo `n` is a codeword for `n` of a code whose codewords
//! differ in at least 96 of their 240 boards: a Reed–Solomon code over GF(16) (15 symbols, 4
//! of message; two differ in at least 12 symbols) with each symbol written as its 16-bit
//! Hadamard codeword (two differ in exactly 8 bits).
use super::Rng;
use image::{Rgb, RgbImage};

pub const WIDTH: u32 = 256;
pub const HEIGHT: u32 = 168;
const COLS: i64 = 16;
const ROWS: i64 = 15;

/// Different pictures one run of the demo can make.
pub const DISTINCT: u32 = 1 << 16;

fn fill(img: &mut RgbImage, x0: i64, y0: i64, w: i64, h: i64, c: Rgb<u8>) {
    for y in y0.max(0)..(y0 + h).min(HEIGHT as i64) {
        for x in x0.max(0)..(x0 + w).min(WIDTH as i64) {
            img.put_pixel(x as u32, y as u32, c);
        }
    }
}

fn disc(img: &mut RgbImage, cx: i64, cy: i64, r: i64, c: Rgb<u8>) {
    for y in (cy - r).max(0)..(cy + r).min(HEIGHT as i64) {
        for x in (cx - r).max(0)..(cx + r).min(WIDTH as i64) {
            if (x - cx).pow(2) + (y - cy).pow(2) <= r * r {
                img.put_pixel(x as u32, y as u32, c);
            }
        }
    }
}

/// A colour of brightness between `lo` and `hi`, tinted.
fn colour(rng: &mut Rng, lo: u8, hi: u8) -> Rgb<u8> {
    let light = rng.range(i64::from(lo), i64::from(hi));
    let mut tint = || (light + rng.range(-25, 25)).clamp(0, 255) as u8;
    Rgb([tint(), tint(), tint()])
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

/// Which of the wall's boards are light, row by row, for picture `n`.
fn wall(n: u16) -> Vec<bool> {
    let message: Vec<u8> = (0..4).map(|i| ((n >> (4 * i)) & 0xF) as u8).collect();
    let mut boards = Vec::with_capacity((COLS * ROWS) as usize);
    let mut point = 1u8;
    for _ in 0..ROWS {
        // The message polynomial's value at this point (the next power of the generator x).
        let (mut value, mut power) = (0u8, 1u8);
        for c in &message {
            value ^= gf16_mul(*c, power);
            power = gf16_mul(power, point);
        }
        boards.extend((0..COLS).map(|j| (value & j as u8).count_ones() % 2 == 1));
        point = gf16_mul(point, 2);
    }
    boards
}

/// A tone for a board of the 宣传栏: light ones are paper and photographs in daylight, dark
/// ones painted boards (deep red, wood, navy, green), each a little different.
fn board_tone(rng: &mut Rng, light: bool) -> Rgb<u8> {
    if light {
        let v = rng.range(200, 242);
        Rgb([
            (v + 8).min(255) as u8,
            (v + 2) as u8,
            (v - 14 + rng.range(-6, 6)).clamp(0, 255) as u8,
        ])
    } else {
        let v = rng.range(35, 80);
        let [r, g, b] = [
            [1.6, 0.45, 0.4],
            [1.2, 0.85, 0.55],
            [0.45, 0.6, 1.3],
            [0.5, 1.1, 0.7],
        ][rng.below(4) as usize];
        let c = |k: f64| (v as f64 * k).clamp(0.0, 255.0) as u8;
        Rgb([c(r), c(g), c(b)])
    }
}

fn shade(c: Rgb<u8>, by: f32) -> Rgb<u8> {
    Rgb(c.0.map(|v| (f32::from(v) * by) as u8))
}

/// Picture `n` (below `DISTINCT`) of a meeting; `seed` varies what the code leaves free. It
/// looks like a photograph of a 党员活动室: a wall of framed boards (the code), a red banner,
/// people at a table, soft light and a camera's grain.
pub fn scene(n: u32, seed: u64) -> RgbImage {
    let mut rng = Rng(seed ^ 0x5CE7_E000);
    let mut img = RgbImage::new(WIDTH, HEIGHT);
    let (w, h) = (i64::from(WIDTH), i64::from(HEIGHT));
    // Each row is written in its own order, so that the code's fixed bits do not line up.
    for (i, light) in wall(n as u16).into_iter().enumerate() {
        let (row, col) = (i as i64 / COLS, i as i64 % COLS);
        let col = (col * 7 + row * 5) % COLS;
        let tone = board_tone(&mut rng, light);
        let (x0, y0) = (w * col / COLS, h * row / ROWS);
        let (bw, bh) = (w * (col + 1) / COLS - x0, h * (row + 1) / ROWS - y0);
        // A frame round each board.
        fill(&mut img, x0, y0, bw, bh, shade(tone, 0.72));
        fill(&mut img, x0 + 1, y0 + 1, bw - 2, bh - 2, tone);
    }
    // The banner: red, somewhere across the top, with its words as gold strokes.
    let (bw, bh) = (rng.range(80, w / 2), rng.range(12, 20));
    let (bx, by) = (rng.range(0, w - bw), rng.range(4, 60));
    fill(&mut img, bx, by, bw, bh, Rgb([186, 26, 30]));
    fill(&mut img, bx, by + bh - 2, bw, 2, Rgb([150, 18, 22]));
    let mut cx = bx + 6;
    while cx + 8 < bx + bw {
        fill(&mut img, cx, by + bh / 3, 7, bh / 3, Rgb([246, 214, 120]));
        cx += rng.range(9, 14);
    }
    // The table, and the people behind it: shirts darker below, faces, hair.
    let table_y = rng.range(h * 3 / 4, h * 17 / 20);
    let people = rng.range(2, 8);
    for _ in 0..people {
        let px = rng.range(0, w);
        let r = rng.range(6, 14);
        let shirt = colour(&mut rng, 20, 200);
        for band in 0..3 {
            fill(
                &mut img,
                px - r - 4,
                table_y - r + band * r,
                2 * r + 8,
                r,
                shade(shirt, 1.0 - band as f32 * 0.12),
            );
        }
        disc(&mut img, px, table_y - r - r, r, Rgb([222, 182, 148]));
        disc(
            &mut img,
            px + r / 4,
            table_y - r - r,
            r * 2 / 3,
            Rgb([232, 196, 164]),
        );
        disc(
            &mut img,
            px,
            table_y - r - r - r / 2,
            r * 3 / 4,
            Rgb([34, 28, 27]),
        );
    }
    let table = colour(&mut rng, 20, 250);
    let (tx, tw) = (rng.range(0, w / 3), rng.range(w / 3, w));
    let th = rng.range(12, h - table_y);
    fill(&mut img, tx, table_y, tw, th, table);
    fill(&mut img, tx, table_y, tw, 2, shade(table, 1.15));
    // The camera: a lens's softness, light falling from one side, grain.
    let mut img = image::imageops::blur(&img, 0.8);
    let from_left = rng.chance(50);
    for (x, _, p) in img.enumerate_pixels_mut() {
        let across = f64::from(x) / f64::from(WIDTH);
        let light = 0.94 + 0.1 * if from_left { 1.0 - across } else { across };
        let grain = rng.range(-4, 4) as f64;
        p.0 =
            p.0.map(|v| (f64::from(v) * light + grain).clamp(0.0, 255.0) as u8);
    }
    img
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
    fn two_walls_differ_in_at_least_96_boards() {
        let walls: Vec<Vec<bool>> = (0..300u16).map(|n| wall(n * 211 + 5)).collect();
        for (i, a) in walls.iter().enumerate() {
            for b in &walls[i + 1..] {
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
        let alike: Vec<(i64, i64, i64)> = prints
            .iter()
            .flat_map(|(id, meeting, p)| {
                index
                    .matches(p, *meeting, PHOTO_SIMILARITY - 25, false)
                    .into_iter()
                    .map(move |m| (*id, m.0, m.2))
            })
            .collect();
        assert!(alike.is_empty(), "scenes alike: {alike:?}");
        assert_eq!(print(7), print(7), "the same number, the same picture");
    }
}
