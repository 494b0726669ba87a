//! Spreadsheets exchanged with the county's offices. One reader serves every import: the
//! first sheet of an `.xlsx` or `.xls`, or a `.csv` in UTF-8 or GBK/GB18030 (as Excel in China
//! saves it), read as rows of text (calamine, csv, encoding_rs); and workbooks written
//! (rust_xlsxwriter). The limits keep a crafted file from taking the server's memory: the
//! parts may inflate only so far, cells are streamed rather than laid out as a grid, and only
//! the first columns and rows are read.
use calamine::{Data, DataRef, Reader, Xls, Xlsx};
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

/// Largest file accepted, and the most its parts may inflate to (a zip bomb stops here).
pub const MAX_FILE_BYTES: usize = 5 * 1024 * 1024;
const MAX_INFLATED_BYTES: u64 = 64 * 1024 * 1024;
/// Columns read from each row (A to BL); the rest are ignored.
const MAX_COLUMNS: u32 = 64;
/// Rows with something in them that one sheet may hold (a county's roster fits).
pub const MAX_ROWS: usize = 50_000;

const NOT_XLSX: &str = "文件不是有效的 Excel（.xlsx）文件，请用模板另存为 .xlsx 后再导入";
const NOT_A_TABLE: &str = "文件不是 Excel（.xlsx、.xls）或 CSV 表格，请用模板填写后再导入";
const UNKNOWN_ENCODING: &str = "CSV 文件的编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV";
const DAMAGED: &str = "Excel 文件已损坏，无法读取";

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
}

/// Inflates every part once with a hard limit, before a reader trusts the sizes the file
/// declares.
fn check_inflated_size(bytes: &[u8]) -> Result<(), &'static str> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| NOT_XLSX)?;
    let mut budget = MAX_INFLATED_BYTES;
    for i in 0..zip.len() {
        let part = zip.by_index(i).map_err(|_| DAMAGED)?;
        let read =
            std::io::copy(&mut part.take(budget + 1), &mut std::io::sink()).map_err(|_| DAMAGED)?;
        budget = budget
            .checked_sub(read)
            .ok_or("Excel 文件解压后过大，请删去无关内容后再导入")?;
    }
    Ok(())
}

/// A cell as the person sees it: text as typed, whole numbers without ".0", dates as
/// `YYYY-MM-DD`.
fn cell_text(value: &DataRef) -> String {
    match value {
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        DataRef::DateTime(d) => excel_date(d.as_f64()),
        DataRef::DateTimeIso(s) => s.chars().take(10).collect(),
        DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(_) | DataRef::Empty => String::new(),
    }
}

/// The same for a cell of an `.xls`, which calamine lays out as owned values.
fn owned_cell_text(value: &Data) -> String {
    match value {
        Data::String(s) => cell_text(&DataRef::String(s.clone())),
        Data::Float(f) => cell_text(&DataRef::Float(*f)),
        Data::Int(i) => cell_text(&DataRef::Int(*i)),
        Data::Bool(b) => cell_text(&DataRef::Bool(*b)),
        Data::DateTime(d) => cell_text(&DataRef::DateTime(*d)),
        Data::DateTimeIso(s) => cell_text(&DataRef::DateTimeIso(s.clone())),
        Data::DurationIso(s) => cell_text(&DataRef::DurationIso(s.clone())),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// A spreadsheet's day number (days since 1899-12-30) as `YYYY-MM-DD`.
fn excel_date(serial: f64) -> String {
    let epoch = time::macros::date!(1899 - 12 - 30);
    epoch
        .checked_add(time::Duration::days(serial.floor() as i64))
        .map(crate::domain::clock::format_date)
        .unwrap_or_default()
}

/// The rows that hold something of the first sheet of a workbook, or of a CSV file, in
/// order, told apart by their content rather than their name. Errors are messages for the
/// person uploading.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<Row>, String> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if bytes.starts_with(ZIP) {
        read_xlsx(bytes)
    } else if bytes.starts_with(OLE) {
        read_xls(bytes)
    } else {
        read_csv(bytes)
    }
}

/// Gathers cells into rows, within the limits, in row order.
#[derive(Default)]
struct Rows(BTreeMap<u32, Vec<String>>);

impl Rows {
    fn put(&mut self, row: u32, column: u32, text: String) -> Result<(), String> {
        if column >= MAX_COLUMNS || text.trim().is_empty() {
            return Ok(());
        }
        if self.0.len() >= MAX_ROWS && !self.0.contains_key(&row) {
            return Err(format!("表格超过{MAX_ROWS}行，请分批导入"));
        }
        let cells = self.0.entry(row).or_default();
        let at = column as usize;
        if cells.len() <= at {
            cells.resize(at + 1, String::new());
        }
        cells[at] = text;
        Ok(())
    }

    /// Rows numbered as the spreadsheet shows them, from a 0-based index.
    fn finish(self) -> Vec<Row> {
        self.0
            .into_iter()
            .map(|(row, cells)| Row {
                number: row + 1,
                cells,
            })
            .collect()
    }
}

fn read_xls(bytes: &[u8]) -> Result<Vec<Row>, String> {
    let mut book: Xls<_> = Xls::new(Cursor::new(bytes)).map_err(|_| DAMAGED)?;
    let first = book.sheet_names().first().cloned().ok_or(DAMAGED)?;
    let range = book.worksheet_range(&first).map_err(|_| DAMAGED)?;
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut rows = Rows::default();
    for (r, c, value) in range.used_cells() {
        rows.put(top + r as u32, left + c as u32, owned_cell_text(value))?;
    }
    Ok(rows.finish())
}

/// A CSV file in UTF-8 (with or without a byte-order mark) or, failing that, GB18030, the
/// superset of the GBK that Excel in China writes.
fn read_csv(bytes: &[u8]) -> Result<Vec<Row>, String> {
    if bytes.is_empty() || bytes.iter().take(4096).any(|b| *b == 0) {
        return Err(NOT_A_TABLE.into());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => encoding_rs::GB18030
            .decode_without_bom_handling_and_without_replacement(bytes)
            .ok_or(UNKNOWN_ENCODING)?,
    };
    // Text with control characters is some other file that happened to decode.
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
    {
        return Err(NOT_A_TABLE.into());
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Rows::default();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(1, |p| line_of(text.as_bytes(), p));
                for (column, cell) in record.iter().enumerate() {
                    let column = u32::try_from(column).unwrap_or(u32::MAX);
                    rows.put(line - 1, column, cell.to_string())?;
                }
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(format!("CSV 文件第{line}行无法读取，请检查引号是否成对"));
            }
        }
    }
    Ok(rows.finish())
}

/// The line (from 1) a record starts on, as a spreadsheet program numbers it, from where the
/// csv reader says it starts: at or before the line ends that lead to it. The reader counts
/// the lines before it (counting them again for every record made a big file quadratic).
fn line_of(text: &[u8], at: &csv::Position) -> u32 {
    let leading = text[at.byte() as usize..]
        .iter()
        .take_while(|b| matches!(b, b'\r' | b'\n'))
        .filter(|b| **b == b'\n')
        .count();
    u32::try_from(at.line() as usize + leading).unwrap_or(u32::MAX)
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Row>, String> {
    check_inflated_size(bytes)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| NOT_XLSX)?;
    let first = book.sheet_names().first().cloned().ok_or(NOT_XLSX)?;
    let mut cells = book.worksheet_cells_reader(&first).map_err(|_| DAMAGED)?;
    let mut rows = Rows::default();
    while let Some(cell) = cells.next_cell().map_err(|_| DAMAGED)? {
        let (row, column) = cell.get_position();
        rows.put(row, column, cell_text(cell.get_value()))?;
    }
    Ok(rows.finish())
}

/// Columns as wide as their widest cell (a Chinese character counts two), within reason, and
/// the rows up to `header` (its index) kept in view while scrolling.
fn lay_out(
    sheet: &mut rust_xlsxwriter::Worksheet,
    rows: &[Vec<&str>],
    header: u32,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let mut widths: Vec<usize> = Vec::new();
    for row in rows {
        for (c, text) in row.iter().enumerate() {
            let w: usize = text
                .chars()
                .map(|ch| if ch.is_ascii() { 1 } else { 2 })
                .sum();
            if widths.len() <= c {
                widths.resize(c + 1, 0);
            }
            widths[c] = widths[c].max(w);
        }
    }
    for (c, w) in widths.iter().enumerate() {
        sheet.set_column_width(c as u16, (*w as f64 + 2.0).clamp(6.0, 60.0))?;
    }
    sheet.set_freeze_panes(header + 1, 0)?;
    Ok(())
}

/// A one-sheet workbook of text cells, the first row in bold (a template, an export).
pub fn write_sheet(
    sheet_name: &str,
    rows: &[Vec<&str>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name)?;
    let header = rust_xlsxwriter::Format::new().set_bold();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            let (r, c) = (r as u32, c as u16);
            if r == 0 {
                sheet.write_string_with_format(r, c, *text, &header)?;
            } else {
                sheet.write_string(r, c, *text)?;
            }
        }
    }
    lay_out(sheet, rows, 0)?;
    book.save_to_buffer()
}

/// A sheet of a workbook: title lines (bold), then the column headings (bold) and the rows.
pub struct Table<'a> {
    pub sheet: &'a str,
    pub titles: Vec<&'a str>,
    pub rows: Vec<Vec<&'a str>>,
}

/// A one-sheet table: a title in the first row, then the column headings (both bold),
/// then the rows; numbers stay numbers.
pub fn write_table(
    sheet_name: &str,
    title: &str,
    rows: &[Vec<&str>],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    write_tables(&[Table {
        sheet: sheet_name,
        titles: vec![title],
        rows: rows.to_vec(),
    }])
}

/// A cell's text as a number when it is a quantity. Identifiers written in digits (ID and
/// phone numbers, codes with leading zeros) stay text: as numbers, Excel would round them.
fn quantity(text: &str) -> Option<f64> {
    let t = text.trim();
    let plain = !t.is_empty()
        && t.bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    let digits = t.bytes().filter(u8::is_ascii_digit).count();
    let identifier = (digits > 9 && !t.contains('.'))
        || (t.len() > 1 && t.starts_with('0') && !t.starts_with("0."));
    if !plain || identifier {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A workbook of tables, one per sheet; numbers past the first column stay numbers.
pub fn write_tables(tables: &[Table]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for t in tables {
        let sheet = book.add_worksheet();
        sheet.set_name(t.sheet)?;
        for (r, title) in t.titles.iter().enumerate() {
            sheet.write_string_with_format(r as u32, 0, *title, &bold)?;
        }
        let first = t.titles.len() as u32;
        for (r, row) in t.rows.iter().enumerate() {
            let r = r as u32 + first;
            for (c, text) in row.iter().enumerate() {
                let c = c as u16;
                match quantity(text) {
                    Some(n) if r > first && c > 0 => sheet.write_number(r, c, n)?,
                    _ if r == first => sheet.write_string_with_format(r, c, *text, &bold)?,
                    _ => sheet.write_string(r, c, *text)?,
                };
            }
        }
        // Titles are one long line each: they set no column's width.
        lay_out(sheet, &t.rows, first)?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_are_numbers_and_identifiers_stay_text() {
        assert_eq!(quantity("12"), Some(12.0));
        assert_eq!(quantity("-3.5"), Some(-3.5));
        assert_eq!(quantity("0.25"), Some(0.25));
        for text in [
            "110101199003070012",
            "13800000001",
            "007",
            "2026-01-01",
            "NaN",
            "inf",
            "1e5",
            "",
        ] {
            assert_eq!(quantity(text), None, "{text}");
        }
    }

    /// The first sheet's XML.
    fn sheet_xml(book: &[u8]) -> String {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(book)).unwrap();
        let mut xml = String::new();
        zip.by_name("xl/worksheets/sheet1.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        xml
    }

    #[test]
    fn a_table_has_its_columns_widened_and_its_headings_frozen() {
        let book = write_table(
            "数据看板",
            "城关县委 数据看板 2026年11月",
            &[vec!["组织", "党员"], vec!["五宋口村党支部第一党小组", "25"]],
        )
        .unwrap();
        let xml = sheet_xml(&book);
        assert!(
            xml.contains(r#"ySplit="2""#),
            "title and headings stay in view: {xml}"
        );
        // 12 Chinese characters, two each, and a margin.
        assert!(xml.contains(r#"width="26.7"#), "{xml}");
    }

    #[test]
    fn a_written_template_reads_back() {
        let bytes = write_sheet(
            "题目",
            &[vec!["题型", "题目"], vec!["单选题", "A & <B> \"C\""]],
        )
        .unwrap();
        let rows = read_rows(&bytes).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].number, 2);
        assert_eq!(rows[1].cell(1), "A & <B> \"C\"");
    }

    #[test]
    fn sparse_cells_numbers_dates_and_row_numbers_as_the_sheet_shows_them() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "单选题").unwrap();
        sheet.write_string(0, 2, "党章 ").unwrap();
        sheet.write_number(3, 1, 3.0).unwrap();
        sheet.write_number(3, 2, 2.5).unwrap();
        sheet.write_boolean(3, 4, true).unwrap();
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 2, 29).unwrap();
        let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        sheet
            .write_datetime_with_format(5, 0, &date, &format)
            .unwrap();
        sheet.write_string(6, 0, "   ").unwrap();
        sheet.write_string(7, 0, "1").unwrap();
        sheet.write_string(7, 16_383, "far right").unwrap();
        let rows = read_rows(&book.save_to_buffer().unwrap()).unwrap();
        assert_eq!(rows.len(), 4, "the blank row 7 is skipped");
        assert_eq!(rows[0].cells, vec!["单选题", "", "党章 "]);
        assert_eq!(rows[1].number, 4);
        assert_eq!(rows[1].cells, vec!["", "3", "2.5", "", "TRUE"]);
        assert_eq!(rows[2].cell(0), "2024-02-29");
        assert_eq!(
            rows[3].cells,
            vec!["1"],
            "cells past the last column read are dropped, not laid out"
        );
    }

    #[test]
    fn other_programs_files_read_alike_xlsx_xls_and_gbk_csv() {
        let openpyxl = read_rows(include_bytes!(
            "../tests/fixtures/roster/members-openpyxl.xlsx"
        ));
        let rows = openpyxl.unwrap();
        assert_eq!(rows[0].cell(0), "姓名*");
        assert_eq!(
            (rows[1].cell(0), rows[1].cell(6), rows[1].cell(7)),
            ("周建华", "2005-07-01", "2006-07-01"),
            "date cells read as dates"
        );
        let rows = read_rows(include_bytes!("../tests/fixtures/roster/members.xls")).unwrap();
        assert_eq!((rows[1].cell(0), rows[1].cell(6)), ("郑国强", "1998-07-01"));
        assert_eq!(rows[2].number, 3);
        let rows = read_rows(include_bytes!("../tests/fixtures/roster/members-gbk.csv")).unwrap();
        assert_eq!(
            (rows[1].cell(0), rows[1].cell(6), rows[2].cell(12)),
            ("欧阳晓燕", "2001年7月1日", "副书记、宣传委员")
        );
        let bom = "\u{feff}姓名,性别\r\n\r\n\"张, 三\r\n\",男\r\n李四,女";
        let rows = read_rows(bom.as_bytes()).unwrap();
        assert_eq!(rows[0].cell(0), "姓名");
        assert_eq!((rows[1].number, rows[1].cell(0)), (3, "张, 三"));
        assert_eq!((rows[2].number, rows[2].cell(1)), (5, "女"));
    }

    #[test]
    fn not_a_workbook_is_refused_with_a_message() {
        assert!(
            read_rows(b"MZ\x90\0 not a table")
                .unwrap_err()
                .contains("CSV")
        );
        assert!(
            read_rows(b"PK\x03\x04 not a zip")
                .unwrap_err()
                .contains(".xlsx")
        );
        assert!(read_rows(&[]).is_err());
        assert!(read_rows(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 1]).is_err());
        let mut cut = write_sheet("x", &[vec!["a"]]).unwrap();
        cut.truncate(cut.len() / 2);
        assert!(read_rows(&cut).is_err());
    }

    #[test]
    fn a_part_that_inflates_past_the_limit_is_refused_before_reading() {
        use std::io::Write;
        let mut out = Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/sharedStrings.xml", deflated).unwrap();
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..65 {
            zip.write_all(&zeros).unwrap();
        }
        zip.finish().unwrap();
        let bytes = out.into_inner();
        assert!(bytes.len() < MAX_FILE_BYTES, "small on the wire");
        assert!(read_rows(&bytes).unwrap_err().contains("过大"));
    }
}
