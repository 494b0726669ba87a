//! Spreadsheets exchanged with the county's offices: the first sheet of an uploaded `.xlsx`
//! read as rows of text (calamine), and a one-sheet workbook written (rust_xlsxwriter).
//! The limits keep a crafted file from taking the server's memory: the parts may inflate
//! only so far, cells are streamed rather than laid out as a grid, and only the first
//! columns and rows are read.
use calamine::{DataRef, Reader, Xlsx};
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

/// A spreadsheet's day number (days since 1899-12-30) as `YYYY-MM-DD`.
fn excel_date(serial: f64) -> String {
    let epoch = time::macros::date!(1899 - 12 - 30);
    epoch
        .checked_add(time::Duration::days(serial.floor() as i64))
        .map(crate::domain::clock::format_date)
        .unwrap_or_default()
}

/// The first sheet's rows that hold something, in order. Errors are messages for the person
/// uploading.
pub fn read_first_sheet(bytes: &[u8]) -> Result<Vec<Row>, String> {
    check_inflated_size(bytes)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|_| NOT_XLSX)?;
    let first = book.sheet_names().first().cloned().ok_or(NOT_XLSX)?;
    let mut cells = book.worksheet_cells_reader(&first).map_err(|_| DAMAGED)?;
    let mut rows: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    while let Some(cell) = cells.next_cell().map_err(|_| DAMAGED)? {
        let (row, column) = cell.get_position();
        let text = cell_text(cell.get_value());
        if column >= MAX_COLUMNS || text.trim().is_empty() {
            continue;
        }
        if rows.len() >= MAX_ROWS && !rows.contains_key(&row) {
            return Err(format!("表格超过{MAX_ROWS}行，请分批导入"));
        }
        let cells = rows.entry(row).or_default();
        let at = column as usize;
        if cells.len() <= at {
            cells.resize(at + 1, String::new());
        }
        cells[at] = text;
    }
    Ok(rows
        .into_iter()
        .map(|(row, cells)| Row {
            number: row + 1,
            cells,
        })
        .collect())
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
                match text.parse::<f64>() {
                    Ok(n) if r > first && c > 0 => sheet.write_number(r, c, n)?,
                    _ if r == first => sheet.write_string_with_format(r, c, *text, &bold)?,
                    _ => sheet.write_string(r, c, *text)?,
                };
            }
        }
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_template_reads_back() {
        let bytes = write_sheet(
            "题目",
            &[vec!["题型", "题目"], vec!["单选题", "A & <B> \"C\""]],
        )
        .unwrap();
        let rows = read_first_sheet(&bytes).unwrap();
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
        let rows = read_first_sheet(&book.save_to_buffer().unwrap()).unwrap();
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
    fn not_a_workbook_is_refused_with_a_message() {
        assert!(
            read_first_sheet(b"MZ\x90\0 not a zip")
                .unwrap_err()
                .contains(".xlsx")
        );
        assert!(read_first_sheet(&[]).is_err());
        let mut cut = write_sheet("x", &[vec!["a"]]).unwrap();
        cut.truncate(cut.len() / 2);
        assert!(read_first_sheet(&cut).is_err());
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
        assert!(read_first_sheet(&bytes).unwrap_err().contains("过大"));
    }
}
