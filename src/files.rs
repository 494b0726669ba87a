//! Stored files (photos, materials) behind one storage interface: a local folder by default.
//! Every file is written durably (file and folder synced) before any row points at it.
use crate::domain::clock::SHANGHAI;
use crate::domain::near_duplicates::{GRID, PhotoPrint};
use std::io::{Cursor, Write};
use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Storage {
    root: PathBuf,
}

impl Storage {
    pub fn local(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Uploaded files live under `DATA/files/`.
    pub fn for_config(config: &crate::config::Config) -> Self {
        Self::local(config.data_dir.join("files"))
    }

    fn path(&self, key: &str) -> Option<PathBuf> {
        // Keys are ours ("meetings/12/abc.jpg"); refuse anything that could leave the root.
        if key
            .split('/')
            .any(|p| p.is_empty() || p == "." || p == "..")
        {
            return None;
        }
        Some(self.root.join(key))
    }

    /// Writes to a temporary name, syncs, renames into place and syncs the folder.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> std::io::Result<()> {
        self.put_all(vec![(key.to_string(), bytes)]).await
    }

    /// `put` for many files at once: each synced, each folder synced once at the end.
    pub async fn put_all(&self, files: Vec<(String, Vec<u8>)>) -> std::io::Result<()> {
        let mut paths = Vec::with_capacity(files.len());
        for (key, bytes) in files {
            let path = self
                .path(&key)
                .ok_or_else(|| std::io::Error::other("bad key"))?;
            paths.push((path, bytes));
        }
        tokio::task::spawn_blocking(move || write_durably(&paths))
            .await
            .map_err(std::io::Error::other)?
    }

    pub async fn get(&self, key: &str) -> std::io::Result<Vec<u8>> {
        let path = self
            .path(key)
            .ok_or_else(|| std::io::Error::other("bad key"))?;
        tokio::fs::read(path).await
    }

    pub async fn delete(&self, key: &str) {
        if let Some(path) = self.path(key) {
            let _ = tokio::fs::remove_file(path).await;
        }
    }
}

/// Writes each file by a temporary name, syncs it, renames it, then syncs the folders.
pub fn write_durably(files: &[(PathBuf, Vec<u8>)]) -> std::io::Result<()> {
    let mut dirs = std::collections::BTreeSet::new();
    for (path, bytes) in files {
        let dir = path
            .parent()
            .ok_or_else(|| std::io::Error::other("no folder"))?;
        if dirs.insert(dir.to_path_buf()) {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("part");
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
    }
    for dir in dirs {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// A photo ready to store: re-encoded (which drops every metadata field, location included),
/// a thumbnail, and the capture time kept from the original as evidence.
pub struct Photo {
    pub jpeg: Vec<u8>,
    pub thumb: Vec<u8>,
    pub captured_at: Option<i64>,
    pub print: PhotoPrint,
}

const MAX_SIDE: u32 = 2048;
const THUMB_SIDE: u32 = 360;
const MAX_PIXELS: u64 = 60_000_000;

/// The few EXIF fields we keep, read leniently (phones write small faults, such as a
/// sub-directory's "next" pointer left unset).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ExifFacts {
    pub taken: Option<String>,
    pub offset: Option<String>,
    pub orientation: u16,
    pub has_gps: bool,
}

pub fn read_exif(jpeg: &[u8]) -> ExifFacts {
    let mut facts = ExifFacts {
        orientation: 1,
        ..Default::default()
    };
    // The APP1 segment holding "Exif\0\0" and a TIFF structure.
    let Some(start) = jpeg.windows(6).take(65_536).position(|w| w == b"Exif\0\0") else {
        return facts;
    };
    let t = &jpeg[start + 6..];
    let big = match t.get(0..2) {
        Some(b"MM") => true,
        Some(b"II") => false,
        _ => return facts,
    };
    let u16_at = |o: usize| {
        t.get(o..o + 2).map(|b| {
            if big {
                u16::from_be_bytes([b[0], b[1]])
            } else {
                u16::from_le_bytes([b[0], b[1]])
            }
        })
    };
    let u32_at = |o: usize| {
        t.get(o..o + 4).map(|b| {
            if big {
                u32::from_be_bytes([b[0], b[1], b[2], b[3]])
            } else {
                u32::from_le_bytes([b[0], b[1], b[2], b[3]])
            }
        })
    };
    // (tag, type, count, value-or-offset position) of each entry of the directory at `o`.
    let entries = |o: usize| -> Vec<(u16, u16, u32, usize)> {
        let n = u16_at(o).unwrap_or(0).min(200) as usize;
        (0..n)
            .filter_map(|k| {
                let e = o + 2 + 12 * k;
                Some((u16_at(e)?, u16_at(e + 2)?, u32_at(e + 4)?, e + 8))
            })
            .collect()
    };
    let ascii = |count: u32, pos: usize| -> Option<String> {
        let len = count as usize;
        let at = if len <= 4 { pos } else { u32_at(pos)? as usize };
        let raw = t.get(at..at + len)?;
        Some(
            String::from_utf8_lossy(raw)
                .trim_end_matches('\0')
                .trim()
                .to_string(),
        )
    };
    let Some(ifd0) = u32_at(4) else {
        return facts;
    };
    let mut exif_ifd = None;
    for (tag, _, count, pos) in entries(ifd0 as usize) {
        match tag {
            0x0112 => facts.orientation = u16_at(pos).unwrap_or(1),
            0x0132 if facts.taken.is_none() => facts.taken = ascii(count, pos),
            0x8769 => exif_ifd = u32_at(pos),
            0x8825 => facts.has_gps = true,
            _ => {}
        }
    }
    if let Some(o) = exif_ifd {
        for (tag, _, count, pos) in entries(o as usize) {
            match tag {
                0x9003 => facts.taken = ascii(count, pos),
                0x9011 => facts.offset = ascii(count, pos),
                _ => {}
            }
        }
    }
    facts
}

fn exif_time(bytes: &[u8]) -> (Option<i64>, u32) {
    let facts = read_exif(bytes);
    let offset = facts
        .offset
        .and_then(|o| {
            time::UtcOffset::parse(
                &o,
                time::macros::format_description!("[offset_hour]:[offset_minute]"),
            )
            .ok()
        })
        // Phones here save local time; without an offset it is Shanghai time.
        .unwrap_or(SHANGHAI);
    let captured = facts.taken.and_then(|w| {
        time::PrimitiveDateTime::parse(
            &w,
            time::macros::format_description!("[year]:[month]:[day] [hour]:[minute]:[second]"),
        )
        .ok()
        .map(|t| t.assume_offset(offset).unix_timestamp())
    });
    (captured, u32::from(facts.orientation))
}

fn encode_jpeg(img: &image::DynamicImage, quality: u8) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::new();
    let rgb = img.to_rgb8();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&rgb)
        .map_err(|_| "照片处理失败，请换一张照片")?;
    Ok(out)
}

/// Decodes, straightens, shrinks and re-encodes a photo. CPU-bound: call off the async threads.
pub fn process_photo(bytes: &[u8]) -> Result<Photo, &'static str> {
    let (captured_at, orientation) = exif_time(bytes);
    let reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| "无法识别的图片")?;
    let (w, h) = reader
        .into_dimensions()
        .map_err(|_| "图片已损坏，无法读取")?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return Err("图片像素过大，请压缩后再上传");
    }
    let img = image::load_from_memory(bytes).map_err(|_| "图片已损坏，无法读取")?;
    let img = match orientation {
        3 => img.rotate180(),
        6 => img.rotate90(),
        8 => img.rotate270(),
        _ => img,
    };
    let big = if img.width().max(img.height()) > MAX_SIDE {
        img.resize(MAX_SIDE, MAX_SIDE, image::imageops::FilterType::Triangle)
    } else {
        img
    };
    let thumb = big.thumbnail(THUMB_SIDE, THUMB_SIDE);
    Ok(Photo {
        jpeg: encode_jpeg(&big, 85)?,
        thumb: encode_jpeg(&thumb, 75)?,
        captured_at,
        print: photo_print(&thumb),
    })
}

/// The photo's perceptual print: its grey miniature (the print compares views of it).
pub fn photo_print(img: &image::DynamicImage) -> PhotoPrint {
    let side = GRID as u32;
    let grey = img
        .resize_exact(side, side, image::imageops::FilterType::Triangle)
        .to_luma8();
    PhotoPrint::from_cells(grey.into_raw()).expect("a miniature of GRID × GRID cells")
}

/// A photo in storage: the re-encoded picture (no metadata) and its thumbnail.
pub struct SavedPhoto {
    pub key: String,
    pub thumb_key: String,
    pub size: i64,
    pub sha256: String,
    pub captured_at: Option<i64>,
    pub print: PhotoPrint,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn testdata(name: &str) -> Vec<u8> {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/photos")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn keeps_the_capture_time_and_drops_the_location() {
        let original = testdata("meeting-with-exif-gps.jpg");
        let before = read_exif(&original);
        assert!(before.has_gps);
        assert_eq!(before.taken.as_deref(), Some("2023:03:27 09:41:12"));
        assert_eq!(before.offset.as_deref(), Some("+08:00"));
        let p = process_photo(&original).unwrap();
        // 2023:03:27 09:41:12 +08:00
        assert_eq!(
            p.captured_at,
            Some(time::macros::datetime!(2023-03-27 09:41:12 +08:00).unix_timestamp())
        );
        assert_eq!(
            read_exif(&p.jpeg),
            ExifFacts {
                orientation: 1,
                ..Default::default()
            },
            "no EXIF left"
        );
        assert!(!p.jpeg.windows(4).any(|w| w == b"GPS\0"));
        let thumb = image::load_from_memory(&p.thumb).unwrap();
        assert!(thumb.width().max(thumb.height()) <= THUMB_SIDE);
    }

    fn jpeg(img: &image::DynamicImage, quality: u8) -> Vec<u8> {
        encode_jpeg(img, quality).unwrap()
    }

    /// The versions of a photo someone reusing it would upload.
    fn altered(original: &[u8]) -> Vec<(&'static str, Vec<u8>)> {
        let img = image::load_from_memory(original).unwrap();
        let (w, h) = (img.width(), img.height());
        let window = |x0: f32, x1: f32, y0: f32, y1: f32| {
            let (fw, fh) = (w as f32, h as f32);
            img.crop_imm(
                (x0 * fw) as u32,
                (y0 * fh) as u32,
                ((x1 - x0) * fw) as u32,
                ((y1 - y0) * fh) as u32,
            )
        };
        vec![
            ("re-encoded at quality 40", jpeg(&img, 40)),
            (
                "resized to half",
                jpeg(
                    &img.resize(w / 2, h / 2, image::imageops::FilterType::Triangle),
                    85,
                ),
            ),
            (
                "cropped 5 % all round",
                jpeg(&window(0.05, 0.95, 0.05, 0.95), 85),
            ),
            (
                "cropped 10 % off the left",
                jpeg(&window(0.1, 1.0, 0.0, 1.0), 85),
            ),
            ("cropped unevenly", jpeg(&window(0.03, 0.95, 0.07, 1.0), 70)),
            (
                "cropped and shrunk",
                jpeg(
                    &window(0.08, 0.98, 0.02, 0.93).resize(
                        w / 3,
                        h / 3,
                        image::imageops::FilterType::Triangle,
                    ),
                    60,
                ),
            ),
        ]
    }

    #[test]
    fn a_reused_photo_is_near_itself_and_far_from_other_photos() {
        use crate::domain::near_duplicates::PHOTO_SIMILARITY;
        let names = ["cat.jpg", "coffee.jpg", "rocket.jpg", "galaxies.jpg"];
        let prints: Vec<PhotoPrint> = names
            .iter()
            .map(|n| process_photo(&testdata(n)).unwrap().print)
            .collect();
        for (name, print) in names.iter().zip(&prints) {
            for (how, bytes) in altered(&testdata(name)) {
                let copy = process_photo(&bytes).unwrap().print;
                let s = print.similarity(&copy);
                assert!(s >= PHOTO_SIMILARITY, "{name} {how}: {s} % alike");
                assert_eq!(copy.similarity(print), s, "the similarity is symmetric");
            }
        }
        for (i, a) in prints.iter().enumerate() {
            for (j, b) in prints.iter().enumerate().skip(i + 1) {
                let s = a.similarity(b);
                assert!(
                    s < PHOTO_SIMILARITY - 40,
                    "{} and {} are {s} % alike",
                    names[i],
                    names[j]
                );
            }
        }
        // The phone's copy of the coffee is the coffee.
        let phone = process_photo(&testdata("meeting-with-exif-gps.jpg")).unwrap();
        assert!(prints[1].similarity(&phone.print) >= PHOTO_SIMILARITY);
    }

    #[test]
    fn refuses_what_is_not_an_image() {
        assert!(process_photo(b"MZ not a picture").is_err());
        let mut truncated = testdata("cat.jpg");
        truncated.truncate(200);
        assert!(process_photo(&truncated).is_err());
    }
}
