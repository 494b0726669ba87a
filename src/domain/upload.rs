//! What an uploaded file is, judged by its content (never its name), and the size limits.

pub const PHOTO_MAX_BYTES: usize = 10 * 1024 * 1024;
pub const MATERIAL_MAX_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
    Pdf,
    /// Word or Excel (Office Open XML or the older compound-document format).
    Word,
    Excel,
}

impl Kind {
    pub fn is_image(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png | Kind::Webp)
    }

    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
            Kind::Pdf => "application/pdf",
            Kind::Word => "application/msword",
            Kind::Excel => "application/vnd.ms-excel",
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The file's kind from its first bytes; `name` only tells Word from Excel inside an
/// old-style compound document, whose header is the same for both.
pub fn sniff(bytes: &[u8], name: &str) -> Option<Kind> {
    let lower = name.to_ascii_lowercase();
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(Kind::Jpeg)
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(Kind::Png)
    } else if bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(Kind::Webp)
    } else if bytes.starts_with(b"%PDF-") {
        Some(Kind::Pdf)
    } else if bytes.starts_with(b"PK\x03\x04") {
        // Office Open XML: a zip whose entries live under word/ or xl/.
        if contains(bytes, b"word/") {
            Some(Kind::Word)
        } else if contains(bytes, b"xl/") {
            Some(Kind::Excel)
        } else {
            None
        }
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        if lower.ends_with(".xls") {
            Some(Kind::Excel)
        } else if lower.ends_with(".doc") {
            Some(Kind::Word)
        } else {
            None
        }
    } else {
        None
    }
}

/// A file name safe to show and to send back in a download header.
pub fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !"\"<>|:*?".contains(*c))
        .take(100)
        .collect();
    if cleaned.trim().is_empty() {
        "未命名文件".into()
    } else {
        cleaned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_not_the_name() {
        assert_eq!(
            sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0], "x.png"),
            Some(Kind::Jpeg)
        );
        // A Windows executable renamed to .jpg is nothing we take.
        assert_eq!(sniff(b"MZ\x90\x00\x03\x00\x00\x00", "photo.jpg"), None);
        assert_eq!(
            sniff(b"RIFF\x10\x00\x00\x00WEBPVP8 ", "a"),
            Some(Kind::Webp)
        );
        assert_eq!(sniff(b"%PDF-1.7\n", "a.docx"), Some(Kind::Pdf));
        assert_eq!(
            sniff(b"PK\x03\x04....word/document.xml", "a.pdf"),
            Some(Kind::Word)
        );
        assert_eq!(
            sniff(b"PK\x03\x04....xl/workbook.xml", "a"),
            Some(Kind::Excel)
        );
        assert_eq!(sniff(b"PK\x03\x04....other", "a.docx"), None);
        let ole = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0];
        assert_eq!(sniff(&ole, "表.XLS"), Some(Kind::Excel));
        assert_eq!(sniff(&ole, "a.exe"), None);
    }

    #[test]
    fn names_lose_paths_and_dangerous_characters() {
        assert_eq!(clean_name("C:\\Users\\a\\会议纪要.docx"), "会议纪要.docx");
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("a\"b<c>.pdf"), "abc.pdf");
        assert_eq!(clean_name(""), "未命名文件");
    }
}
