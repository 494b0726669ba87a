//! Just enough of the `.xlsx` format (a zip of XML parts) to read the first sheet of a
//! workbook saved by Excel, WPS or LibreOffice as rows of text, and to write a one-sheet
//! template. Anything else in the workbook (styles, formulas, other sheets) is ignored.
use std::collections::HashMap;
use std::io::Read;

/// Largest file accepted, and the most its parts may inflate to (a zip bomb stops here).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
const MAX_INFLATED_BYTES: u64 = 64 * 1024 * 1024;
/// Columns read from each row (A to BL); the rest are ignored.
const MAX_COLUMNS: usize = 64;

/// A sheet row: its number as the spreadsheet shows it (1-based) and its cells from column A.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub number: u32,
    pub cells: Vec<String>,
}

impl Row {
    pub fn cell(&self, column: usize) -> &str {
        self.cells.get(column).map(|s| s.trim()).unwrap_or("")
    }
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// The first sheet's non-empty rows, in order. Errors are messages for the person uploading.
pub fn read_first_sheet(bytes: &[u8]) -> Result<Vec<Row>, String> {
    const NOT_XLSX: &str = "文件不是有效的 Excel（.xlsx）文件，请用模板另存为 .xlsx 后再导入";
    let zip = Zip::open(bytes).ok_or(NOT_XLSX)?;
    let workbook = zip.text("xl/workbook.xml")?.ok_or(NOT_XLSX)?;
    let sheet_path = first_sheet_path(&zip, &workbook)?.ok_or(NOT_XLSX)?;
    let shared = match zip.text("xl/sharedStrings.xml")? {
        Some(xml) => shared_strings(&xml),
        None => Vec::new(),
    };
    let sheet = zip.text(&sheet_path)?.ok_or(NOT_XLSX)?;
    Ok(sheet_rows(&sheet, &shared))
}

fn first_sheet_path(zip: &Zip, workbook: &str) -> Result<Option<String>, String> {
    let Some(rel_id) = Xml::new(workbook).find_map(|e| match e {
        Event::Start {
            name: "sheet",
            attrs,
            ..
        } => attr(&attrs, "id").map(str::to_string),
        _ => None,
    }) else {
        return Ok(None);
    };
    let Some(rels) = zip.text("xl/_rels/workbook.xml.rels")? else {
        return Ok(Some("xl/worksheets/sheet1.xml".into()));
    };
    Ok(Xml::new(&rels).find_map(|e| match e {
        Event::Start {
            name: "Relationship",
            attrs,
            ..
        } if attr(&attrs, "Id") == Some(rel_id.as_str()) => {
            attr(&attrs, "Target").map(|t| match t.strip_prefix('/') {
                Some(absolute) => absolute.to_string(),
                None => format!("xl/{t}"),
            })
        }
        _ => None,
    }))
}

/// Each `<si>`'s text: all its `<t>` runs, without phonetic guides (`<rPh>`).
fn shared_strings(xml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let (mut current, mut in_t, mut in_phonetic) = (String::new(), false, false);
    for e in Xml::new(xml) {
        match e {
            Event::Start { name: "si", .. } => current.clear(),
            Event::End("si") => out.push(std::mem::take(&mut current)),
            Event::Start {
                name: "t",
                empty: false,
                ..
            } => in_t = true,
            Event::End("t") => in_t = false,
            Event::Start {
                name: "rPh",
                empty: false,
                ..
            } => in_phonetic = true,
            Event::End("rPh") => in_phonetic = false,
            Event::Text(t) if in_t && !in_phonetic => current.push_str(&t),
            _ => {}
        }
    }
    out
}

fn sheet_rows(xml: &str, shared: &[String]) -> Vec<Row> {
    let mut rows = Vec::new();
    let mut row: Option<Row> = None;
    let (mut column, mut kind, mut value, mut in_value) =
        (0usize, String::new(), String::new(), false);
    for e in Xml::new(xml) {
        match e {
            Event::Start {
                name: "row",
                attrs,
                empty,
            } => {
                let number = attr(&attrs, "r")
                    .and_then(|r| r.parse().ok())
                    .unwrap_or_else(|| rows.last().map_or(1, |r: &Row| r.number + 1));
                let r = Row {
                    number,
                    cells: Vec::new(),
                };
                if !empty {
                    row = Some(r);
                }
                column = 0;
            }
            Event::End("row") => {
                if let Some(r) = row.take().filter(|r| !r.is_blank()) {
                    rows.push(r);
                }
            }
            Event::Start {
                name: "c",
                attrs,
                empty,
            } => {
                if let Some(c) = attr(&attrs, "r").and_then(column_of) {
                    column = c;
                }
                kind = attr(&attrs, "t").unwrap_or("n").to_string();
                value.clear();
                if empty {
                    column += 1;
                }
            }
            Event::End("c") => {
                let text = match kind.as_str() {
                    "s" => value
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| shared.get(i).cloned())
                        .unwrap_or_default(),
                    "b" => (if value.trim() == "1" { "TRUE" } else { "FALSE" }).to_string(),
                    _ => std::mem::take(&mut value),
                };
                // Far-right cells are nobody's data; a crafted file must not make us allocate
                // a sheet's full width per row.
                if let Some(r) = row.as_mut().filter(|_| column < MAX_COLUMNS) {
                    if r.cells.len() <= column {
                        r.cells.resize(column + 1, String::new());
                    }
                    r.cells[column] = text;
                }
                column += 1;
            }
            Event::Start {
                name: "v" | "t",
                empty: false,
                ..
            } => in_value = true,
            Event::End("v" | "t") => in_value = false,
            Event::Text(t) if in_value => value.push_str(&t),
            _ => {}
        }
    }
    rows
}

/// "AB12" → column 27 (0-based), from the letters of a cell reference.
fn column_of(reference: &str) -> Option<usize> {
    let letters: Vec<u8> = reference
        .bytes()
        .take_while(u8::is_ascii_alphabetic)
        .collect();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let n = letters.iter().fold(0usize, |n, b| {
        n * 26 + (b.to_ascii_uppercase() - b'A') as usize + 1
    });
    Some(n - 1)
}

fn attr<'a>(attrs: &'a [(&'a str, String)], local: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k.rsplit(':').next() == Some(local))
        .map(|(_, v)| v.as_str())
}

/// The zip container: the central directory's entries, inflated on demand.
struct Zip<'a> {
    bytes: &'a [u8],
    entries: HashMap<String, Entry>,
}

struct Entry {
    method: u16,
    start: usize,
    compressed: usize,
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?) as usize)
}
fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

impl<'a> Zip<'a> {
    fn open(bytes: &'a [u8]) -> Option<Self> {
        // The end record sits in the last 22 bytes plus a comment of at most 64 KiB.
        let last = bytes.len().checked_sub(22)?;
        let end = (last.saturating_sub(65_535)..=last)
            .rev()
            .find(|&i| u32_at(bytes, i) == Some(0x0605_4b50))?;
        let count = u16_at(bytes, end + 10)?;
        let mut at = u32_at(bytes, end + 16)?;
        let mut entries = HashMap::new();
        for _ in 0..count {
            if u32_at(bytes, at)? != 0x0201_4b50 {
                return None;
            }
            let name_len = u16_at(bytes, at + 28)?;
            let name = std::str::from_utf8(bytes.get(at + 46..at + 46 + name_len)?).ok()?;
            let compressed = u32_at(bytes, at + 20)?;
            // The data starts after the local header, whose extra field may differ.
            let local = u32_at(bytes, at + 42)?;
            if u32_at(bytes, local)? != 0x0403_4b50 {
                return None;
            }
            let start = local + 30 + u16_at(bytes, local + 26)? + u16_at(bytes, local + 28)?;
            bytes.get(start..start.checked_add(compressed)?)?;
            let method = u16_at(bytes, at + 10)? as u16;
            entries.insert(
                name.to_string(),
                Entry {
                    method,
                    start,
                    compressed,
                },
            );
            at += 46 + name_len + u16_at(bytes, at + 30)? + u16_at(bytes, at + 32)?;
        }
        Some(Zip { bytes, entries })
    }

    /// A part as text, or None when the workbook has no such part.
    fn text(&self, name: &str) -> Result<Option<String>, String> {
        const DAMAGED: &str = "Excel 文件已损坏，无法读取";
        let Some(e) = self.entries.get(name) else {
            return Ok(None);
        };
        let raw = &self.bytes[e.start..e.start + e.compressed];
        let mut out = Vec::new();
        match e.method {
            0 => out.extend_from_slice(raw),
            8 => {
                flate2::read::DeflateDecoder::new(raw)
                    .take(MAX_INFLATED_BYTES + 1)
                    .read_to_end(&mut out)
                    .map_err(|_| DAMAGED)?;
                if out.len() as u64 > MAX_INFLATED_BYTES {
                    return Err("Excel 文件内容过大，请分批导入".into());
                }
            }
            _ => return Err(DAMAGED.into()),
        }
        String::from_utf8(out).map(Some).map_err(|_| DAMAGED.into())
    }
}

/// A pull reader over well-formed XML: tags with attributes, and unescaped text.
#[derive(Debug, PartialEq)]
enum Event<'a> {
    Start {
        name: &'a str,
        attrs: Vec<(&'a str, String)>,
        empty: bool,
    },
    End(&'a str),
    Text(String),
}

struct Xml<'a> {
    rest: &'a str,
}

impl<'a> Xml<'a> {
    fn new(xml: &'a str) -> Self {
        Xml { rest: xml }
    }
}

/// Drops a namespace prefix: `x:row` is `row`.
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

impl<'a> Iterator for Xml<'a> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            if !self.rest.starts_with('<') {
                let end = self.rest.find('<').unwrap_or(self.rest.len());
                let text = unescape(&self.rest[..end]);
                self.rest = &self.rest[end..];
                return Some(Event::Text(text));
            }
            if let Some(after) = self.rest.strip_prefix("<![CDATA[") {
                let end = after.find("]]>")?;
                self.rest = &after[end + 3..];
                return Some(Event::Text(after[..end].to_string()));
            }
            if let Some((open, close)) = [("<?", "?>"), ("<!--", "-->"), ("<!", ">")]
                .into_iter()
                .find(|(open, _)| self.rest.starts_with(open))
            {
                let after = &self.rest[open.len()..];
                self.rest = &after[after.find(close)? + close.len()..];
                continue;
            }
            let end = tag_end(self.rest)?;
            let tag = &self.rest[1..end];
            self.rest = &self.rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                return Some(Event::End(local(name.trim())));
            }
            let (tag, empty) = match tag.strip_suffix('/') {
                Some(t) => (t, true),
                None => (tag, false),
            };
            let name_end = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
            return Some(Event::Start {
                name: local(&tag[..name_end]),
                attrs: attributes(&tag[name_end..]),
                empty,
            });
        }
    }
}

/// The `>` closing a tag, skipping any inside quoted attribute values.
fn tag_end(s: &str) -> Option<usize> {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return Some(i),
            _ => {}
        }
    }
    None
}

fn attributes(mut s: &str) -> Vec<(&str, String)> {
    let mut out = Vec::new();
    while let Some(eq) = s.find('=') {
        let key = s[..eq].trim();
        let after = s[eq + 1..].trim_start();
        let Some(q) = after.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            break;
        };
        let Some(close) = after[1..].find(q) else {
            break;
        };
        out.push((key, unescape(&after[1..1 + close])));
        s = &after[close + 2..];
    }
    out
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|&i| i <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let c = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match c {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A one-sheet workbook of text cells (the import template), stored uncompressed.
pub fn write_sheet(sheet_name: &str, rows: &[Vec<&str>]) -> Vec<u8> {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (i, row) in rows.iter().enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, i + 1));
        for cell in row.iter() {
            sheet.push_str(&format!(
                r#"<c t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>"#,
                escape(cell)
            ));
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let parts: [(&str, String); 5] = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.into(),
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.into(),
        ),
        (
            "xl/workbook.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="{}" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
                escape(sheet_name)
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.into(),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, body) in &parts {
        let crc = crc32fast::hash(body.as_bytes());
        let offset = out.len() as u32;
        let fixed = |sig: u32| {
            let mut h = Vec::new();
            h.extend_from_slice(&sig.to_le_bytes());
            h.extend_from_slice(&20u16.to_le_bytes()); // version needed
            h
        };
        let mut local = fixed(0x0403_4b50);
        // flags (UTF-8 names), method stored, time, date
        for v in [0x0800u16, 0, 0, 0x21] {
            local.extend_from_slice(&v.to_le_bytes());
        }
        local.extend_from_slice(&crc.to_le_bytes());
        local.extend_from_slice(&(body.len() as u32).to_le_bytes());
        local.extend_from_slice(&(body.len() as u32).to_le_bytes());
        local.extend_from_slice(&(name.len() as u16).to_le_bytes());
        local.extend_from_slice(&0u16.to_le_bytes());
        // The central record: version made by, then the local header's fields again.
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&local[4..30]);
        for v in [0u16, 0, 0, 0, 0] {
            central.extend_from_slice(&v.to_le_bytes()); // comment, disk, attributes
        }
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&local);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(body.as_bytes());
    }
    let central_at = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    for v in [0u16, 0, parts.len() as u16, parts.len() as u16] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&central_at.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_template_reads_back() {
        let bytes = write_sheet(
            "题目",
            &[vec!["题型", "题目"], vec!["单选题", "A & <B> \"C\""]],
        );
        let rows = read_first_sheet(&bytes).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].number, 2);
        assert_eq!(rows[1].cell(1), "A & <B> \"C\"");
    }

    #[test]
    fn shared_strings_sparse_cells_and_row_numbers() {
        let shared = shared_strings(
            r#"<sst><si><t>单选题</t></si><si><r><t>党</t></r><r><t xml:space="preserve">章 </t></r><rPh><t>とう</t></rPh></si></sst>"#,
        );
        assert_eq!(shared, vec!["单选题", "党章 "]);
        let rows = sheet_rows(
            r#"<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="s"><v>1</v></c></row><row r="4"><c r="B4"><v>3</v></c><c r="D4" t="inlineStr"><is><t>&#x515A;&amp;</t></is></c><c r="E4" t="b"><v>1</v></c></row><row r="5"><c r="A5" t="s"/></row></sheetData></worksheet>"#,
            &shared,
        );
        assert_eq!(rows.len(), 2, "the blank row 5 is skipped");
        assert_eq!(rows[0].cells, vec!["单选题", "", "党章 "]);
        assert_eq!(rows[1].number, 4);
        assert_eq!(rows[1].cells, vec!["", "3", "", "党&", "TRUE"]);
        assert_eq!(column_of("AB12"), Some(27));
        let wide = sheet_rows(
            r#"<sheetData><row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>2</v></c></row></sheetData>"#,
            &[],
        );
        assert_eq!(
            wide[0].cells,
            vec!["1"],
            "cells past the last column read are dropped"
        );
    }

    #[test]
    fn not_a_workbook_is_refused_with_a_message() {
        assert!(
            read_first_sheet(b"MZ\x90\0 not a zip")
                .unwrap_err()
                .contains(".xlsx")
        );
        assert!(read_first_sheet(&[]).is_err());
        let mut cut = write_sheet("x", &[vec!["a"]]);
        cut.truncate(cut.len() / 2);
        assert!(read_first_sheet(&cut).is_err());
    }
}
