//! A report as a PDF (krilla): a title, paragraphs and tables on A4 pages, in the Chinese
//! font that ships with the binary (a subset of Noto Sans CJK SC, OFL; see static/fonts),
//! so it renders on a machine with no fonts and its text can be copied and searched.
use crate::domain::report::{ReportContent, Section};
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

const FONT: &[u8] = include_bytes!("../static/fonts/NotoSansSC-GB2312.otf");

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const BODY: f32 = 10.5;
const CELL_PAD: f32 = 4.0;
const LINE: f32 = 1.45;

/// Widths of text in the font, in points.
struct Measure<'a> {
    font: FontRef<'a>,
}

impl Measure<'_> {
    fn width(&self, text: &str, size: f32) -> f32 {
        let widths = self.char_widths(size);
        text.chars().map(widths).sum()
    }

    fn char_widths(&self, size: f32) -> impl Fn(char) -> f32 + '_ {
        let charmap = self.font.charmap();
        let metrics = self
            .font
            .glyph_metrics(Size::new(size), LocationRef::default());
        move |c| {
            charmap
                .map(c)
                .and_then(|g| metrics.advance_width(g))
                .unwrap_or(size)
        }
    }

    /// `text` broken into lines no wider than `width` (between any two characters: Chinese
    /// has no spaces to break at), except that a closing punctuation mark stays at the end
    /// of its line rather than begin the next (避头点).
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        const NO_LINE_START: &str = "，。、；：？！）」』”’》%,.;:?!)";
        let widths = self.char_widths(size);
        let mut lines = Vec::new();
        let (mut line, mut used) = (String::new(), 0.0);
        for c in text.chars() {
            let w = widths(c);
            if !line.is_empty() && used + w > width && !NO_LINE_START.contains(c) {
                lines.push(std::mem::take(&mut line));
                used = 0.0;
            }
            line.push(c);
            used += w;
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// Lays text out down the pages, starting a new page when the next block would not fit.
struct Writer<'a> {
    doc: Document,
    font: Font,
    measure: Measure<'a>,
    /// The page's drawing so far: (text, x, baseline y, size) and rules (x1, y, x2).
    texts: Vec<(String, f32, f32, f32)>,
    rules: Vec<(f32, f32, f32)>,
    shades: Vec<Rect>,
    y: f32,
    /// The pages laid out, drawn at the end when their number is known (第 N / M 页).
    laid: Vec<Laid>,
    footer: String,
}

/// A page laid out and not yet drawn.
struct Laid {
    texts: Vec<(String, f32, f32, f32)>,
    rules: Vec<(f32, f32, f32)>,
    shades: Vec<Rect>,
}

impl Writer<'_> {
    fn room(&self) -> f32 {
        PAGE_H - MARGIN - self.y
    }

    fn ensure(&mut self, height: f32) {
        if self.room() < height && self.y > MARGIN {
            self.flush();
        }
    }

    fn flush(&mut self) {
        self.laid.push(Laid {
            texts: std::mem::take(&mut self.texts),
            rules: std::mem::take(&mut self.rules),
            shades: std::mem::take(&mut self.shades),
        });
        self.y = MARGIN;
    }

    fn paragraph(&mut self, text: &str, size: f32, centred: bool) {
        for line in self.measure.wrap(text, size, PAGE_W - 2.0 * MARGIN) {
            self.ensure(size * LINE);
            let x = if centred {
                (PAGE_W - self.measure.width(&line, size)) / 2.0
            } else {
                MARGIN
            };
            self.texts.push((line, x, self.y + size, size));
            self.y += size * LINE;
        }
    }

    /// One line set against the right margin (a signature, a date).
    fn right(&mut self, text: &str, size: f32) {
        self.ensure(size * LINE);
        let x = PAGE_W - MARGIN - self.measure.width(text, size);
        self.texts.push((text.to_string(), x, self.y + size, size));
        self.y += size * LINE;
    }

    fn table(&mut self, s: &Section) {
        self.ensure(BODY * LINE * 4.0);
        self.y += BODY * 0.6;
        self.paragraph(&s.title, 12.5, false);
        if s.rows.is_empty() {
            if !s.empty.is_empty() {
                self.paragraph(&s.empty, BODY, false);
            }
            return;
        }
        let widths = self.column_widths(s);
        self.row(&s.headings, &widths, true);
        for row in &s.rows {
            if self.row(row, &widths, false) {
                self.row(&s.headings, &widths, true);
                self.row(row, &widths, false);
            }
        }
        if let Some(note) = s.more_note() {
            self.paragraph(&note, BODY, false);
        }
    }

    /// One table row; true when it did not fit and a page was begun instead.
    fn row(&mut self, cells: &[String], widths: &[f32], heading: bool) -> bool {
        let wrapped: Vec<Vec<String>> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| self.measure.wrap(c, BODY, w - 2.0 * CELL_PAD))
            .collect();
        let lines = wrapped.iter().map(Vec::len).max().unwrap_or(1);
        let height = lines as f32 * BODY * LINE + CELL_PAD;
        if self.room() < height && self.y > MARGIN && !heading {
            self.flush();
            return true;
        }
        if heading {
            self.ensure(height * 2.0);
            if let Some(r) = Rect::from_xywh(MARGIN, self.y, widths.iter().sum(), height) {
                self.shades.push(r);
            }
        }
        let mut x = MARGIN;
        for (cell, w) in wrapped.iter().zip(widths) {
            for (n, line) in cell.iter().enumerate() {
                let baseline = self.y + CELL_PAD / 2.0 + BODY * (n as f32 * LINE + 1.1);
                self.texts
                    .push((line.clone(), x + CELL_PAD, baseline, BODY));
            }
            x += w;
        }
        self.y += height;
        self.rules.push((MARGIN, self.y, x));
        false
    }

    /// Each column as wide as its widest cell, the widest ones narrowed until the table fits.
    fn column_widths(&self, s: &Section) -> Vec<f32> {
        let avail = PAGE_W - 2.0 * MARGIN;
        let natural: Vec<f32> = (0..s.headings.len())
            .map(|c| {
                std::iter::once(&s.headings[c])
                    .chain(s.rows.iter().filter_map(|r| r.get(c)))
                    .map(|t| self.measure.width(t, BODY) + 2.0 * CELL_PAD + 1.0)
                    .fold(3.0 * BODY, f32::max)
            })
            .collect();
        let total: f32 = natural.iter().sum();
        if total <= avail {
            let spare = (avail - total) / natural.len() as f32;
            return natural.iter().map(|w| w + spare).collect();
        }
        // The cap c with Σ min(w, c) = avail.
        let mut sorted = natural.clone();
        sorted.sort_by(f32::total_cmp);
        let (mut below, mut cap) = (0.0, avail / natural.len() as f32);
        for (i, w) in sorted.iter().enumerate() {
            let rest = (sorted.len() - i) as f32;
            let c = (avail - below) / rest;
            if *w >= c {
                cap = c;
                break;
            }
            below += w;
        }
        natural.iter().map(|w| w.min(cap)).collect()
    }
}

fn draw(
    surface: &mut Surface,
    font: &Font,
    texts: &[(String, f32, f32, f32)],
    rules: &[(f32, f32, f32)],
    shades: &[Rect],
) {
    let grey = |v: u8| rgb::Color::new(v, v, v);
    surface.set_stroke(None);
    surface.set_fill(Some(Fill {
        paint: grey(235).into(),
        ..Default::default()
    }));
    for r in shades {
        let mut p = PathBuilder::new();
        p.push_rect(*r);
        if let Some(path) = p.finish() {
            surface.draw_path(&path);
        }
    }
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        paint: grey(160).into(),
        width: 0.5,
        ..Default::default()
    }));
    for (x1, y, x2) in rules {
        let mut p = PathBuilder::new();
        p.move_to(*x1, *y);
        p.line_to(*x2, *y);
        if let Some(path) = p.finish() {
            surface.draw_path(&path);
        }
    }
    surface.set_stroke(None);
    surface.set_fill(Some(Fill {
        paint: grey(20).into(),
        ..Default::default()
    }));
    for (text, x, y, size) in texts {
        surface.draw_text(
            Point::from_xy(*x, *y),
            font.clone(),
            *size,
            text,
            false,
            TextDirection::Auto,
        );
    }
}

/// "城关县委　第 2 / 5 页".
fn footer_line(footer: &str, page: usize, pages: usize) -> String {
    format!("{footer}　第 {page} / {pages} 页")
}

/// The report as a PDF; `footer` goes at the foot of every page with its number.
pub fn report(content: &ReportContent, footer: &str) -> Result<Vec<u8>, String> {
    render(content, footer).map(|(pdf, _)| pdf)
}

/// A document titled `title` to write into.
fn writer(title: &str, footer: &str) -> Result<Writer<'static>, String> {
    let font = Font::new(FONT.into(), 0).ok_or("报表字体无法读取")?;
    let measure = Measure {
        font: FontRef::from_index(FONT, 0).map_err(|e| e.to_string())?,
    };
    let mut doc = Document::new();
    doc.set_metadata(
        krilla::metadata::Metadata::new()
            .title(title.to_string())
            .language("zh-CN".into())
            .creator("党建云".into()),
    );
    Ok(Writer {
        doc,
        font,
        measure,
        texts: Vec::new(),
        rules: Vec::new(),
        shades: Vec::new(),
        y: MARGIN,
        laid: Vec::new(),
        footer: footer.to_string(),
    })
}

impl Writer<'_> {
    /// The finished PDF and how many pages it has.
    fn finish(mut self) -> Result<(Vec<u8>, usize), String> {
        self.flush();
        let pages = self.laid.len();
        for (n, mut laid) in std::mem::take(&mut self.laid).into_iter().enumerate() {
            let footer = footer_line(&self.footer, n + 1, pages);
            let w = self.measure.width(&footer, 8.0);
            laid.texts
                .push((footer, (PAGE_W - w) / 2.0, PAGE_H - MARGIN / 2.0, 8.0));
            let mut page = self
                .doc
                .start_page_with(PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4"));
            let mut surface = page.surface();
            draw(
                &mut surface,
                &self.font,
                &laid.texts,
                &laid.rules,
                &laid.shades,
            );
            surface.finish();
            page.finish();
        }
        Ok((self.doc.finish().map_err(|e| format!("{e:?}"))?, pages))
    }
}

/// The PDF and how many pages it has.
fn render(content: &ReportContent, footer: &str) -> Result<(Vec<u8>, usize), String> {
    let mut w = writer(&content.title, footer)?;
    w.paragraph(&content.title, 16.0, true);
    w.y += BODY;
    for p in &content.summary {
        w.paragraph(p, BODY, false);
    }
    for s in &content.sections {
        w.table(s);
    }
    w.finish()
}

/// A member's login letter (登录通知书): whom it is for and how they sign in the first time.
pub struct Letter {
    pub name: String,
    pub masked_phone: String,
    pub code: String,
}

/// A branch's login letters, three to a page with a line to cut along between them; each
/// letter stays whole on its page.
pub fn letters(branch: &str, site: &str, letters: &[Letter]) -> Result<Vec<u8>, String> {
    render_letters(branch, site, letters).map(|(pdf, _)| pdf)
}

fn render_letters(
    branch: &str,
    site: &str,
    letters: &[Letter],
) -> Result<(Vec<u8>, usize), String> {
    let title = format!("{branch}党员登录通知书");
    let mut w = writer(&title, &title)?;
    let height = (PAGE_H - 2.0 * MARGIN) / 3.0;
    for l in letters {
        w.ensure(height);
        let top = w.y;
        w.paragraph("党建云登录通知书", 14.0, true);
        w.y += BODY / 2.0;
        w.paragraph(&format!("{}同志：", l.name), BODY, false);
        w.paragraph(
            &format!(
                "　　您的党建云账号已开通。请用手机浏览器打开 {site} ，以本人手机号（{}）和下面的一次性登录码登录；首次登录后须设置您自己的密码，此码随即失效。",
                l.masked_phone
            ),
            BODY,
            false,
        );
        w.y += BODY / 2.0;
        w.paragraph(&format!("一次性登录码：{}", l.code), 16.0, false);
        w.y += BODY / 2.0;
        w.paragraph(
            &format!("　　请妥善保管，勿转交他人。如有疑问请联系{branch}。"),
            BODY,
            false,
        );
        w.y = top + height;
        w.rules.push((MARGIN, w.y - BODY, PAGE_W - MARGIN));
    }
    if letters.is_empty() {
        w.paragraph(&title, 16.0, true);
        w.paragraph(
            "本支部党员的账号均已设置密码，没有需要打印的登录通知书。",
            BODY,
            false,
        );
    }
    w.finish()
}

/// A 党员组织关系介绍信 out of the county, as its fields are filled in.
pub struct TransferLetter {
    /// （2026）第00012号.
    pub number: String,
    pub verify_code: String,
    /// The receiving organization, to whom the letter is addressed.
    pub to_org: String,
    pub name: String,
    pub gender: String,
    pub age: i32,
    pub ethnicity: String,
    /// 正式党员 or 预备党员.
    pub status: String,
    pub id_number: String,
    pub from_branch: String,
    pub dues_paid_to: String,
    pub valid_days: i64,
    pub issued: String,
    pub last_valid: String,
    /// The issuing organization: the county's committee.
    pub issuer: String,
    pub phone: String,
}

/// The letter (top) and its 回执 stub (below a line to cut along), on one A4 page, in the
/// layout counties use: addressee, the member and their 党籍, whence and whither, dues paid
/// up to, validity, the issuer and date, and the number and code on both halves.
pub fn transfer_letter(l: &TransferLetter) -> Result<Vec<u8>, String> {
    render_transfer_letter(l).map(|(pdf, _)| pdf)
}

fn render_transfer_letter(l: &TransferLetter) -> Result<(Vec<u8>, usize), String> {
    let title = "中国共产党党员组织关系介绍信";
    let mut w = writer(title, &format!("{}　{}", l.issuer, l.number))?;
    w.paragraph(title, 16.0, true);
    w.paragraph(&l.number, BODY, true);
    w.y += BODY;
    w.paragraph(&format!("{}：", l.to_org), BODY, false);
    w.paragraph(
        &format!(
            "　　{}同志（{}，{}岁，{}），系中共{}，身份证号码{}，由{}转去你处，请接洽。",
            l.name, l.gender, l.age, l.ethnicity, l.status, l.id_number, l.from_branch
        ),
        BODY,
        false,
    );
    let dues = if l.dues_paid_to.is_empty() {
        "________".to_string()
    } else {
        l.dues_paid_to.clone()
    };
    w.paragraph(&format!("　　该同志党费已交到{dues}。"), BODY, false);
    w.paragraph(
        &format!("　　（有效期{}天，{}前有效）", l.valid_days, l.last_valid),
        BODY,
        false,
    );
    w.y += BODY;
    w.right(&format!("{}（盖章）", l.issuer), BODY);
    w.right(&l.issued, BODY);
    w.y += BODY;
    w.paragraph(
        &format!("党员联系电话：{}　　验证码：{}", l.phone, l.verify_code),
        BODY,
        false,
    );
    w.y += BODY * 2.0;
    w.paragraph("（此处剪开，回执由接收党组织填写后寄回）", 9.0, true);
    w.rules.push((MARGIN, w.y, PAGE_W - MARGIN));
    w.y += BODY * 2.0;
    w.paragraph("中国共产党党员组织关系介绍信回执", 14.0, true);
    w.paragraph(&l.number, BODY, true);
    w.y += BODY;
    w.paragraph(&format!("{}：", l.issuer), BODY, false);
    w.paragraph(
        &format!(
            "　　{}同志的党员组织关系已转达我处，特此回执。（验证码：{}）",
            l.name, l.verify_code
        ),
        BODY,
        false,
    );
    w.y += BODY;
    w.right("接收党组织（盖章）", BODY);
    w.right("　　年　　月　　日", BODY);
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(rows: usize) -> ReportContent {
        ReportContent {
            title: "城关县委2026年2月党建工作月度通报".into(),
            summary: vec!["电子监察发现问题3条。".into()],
            sections: vec![Section {
                title: "四、问题通报".into(),
                headings: vec!["组织".into(), "情况".into()],
                rows: (0..rows)
                    .map(|i| {
                        vec![
                            format!("第{i}村党支部"),
                            "照片与另一次会议的照片相同".repeat(4),
                        ]
                    })
                    .collect(),
                more: 0,
                empty: "无".into(),
            }],
        }
    }

    #[test]
    fn a_report_is_a_pdf_that_embeds_only_a_subset_of_the_font() {
        let pdf = report(&content(3), "城关县委").unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() < FONT.len() / 4, "{} bytes", pdf.len());
    }

    #[test]
    fn a_transfer_letter_and_its_stub_share_one_page() {
        let letter = TransferLetter {
            number: "（2026）第00012号".into(),
            verify_code: "K7MX2Q".into(),
            to_org: "中共江城市滨江区望江街道工作委员会".repeat(2),
            name: "张建国".into(),
            gender: "男".into(),
            age: 36,
            ethnicity: "汉族".into(),
            status: "正式党员".into(),
            id_number: "130984199005010411".into(),
            from_branch: "城关镇红星村党支部".into(),
            dues_paid_to: "2026年12月".into(),
            valid_days: 30,
            issued: "2026年12月7日".into(),
            last_valid: "2027年1月5日".into(),
            issuer: "中共城关县委组织部".into(),
            phone: "13812345678".into(),
        };
        let (_, pages) = render_transfer_letter(&letter).unwrap();
        assert_eq!(pages, 1);
    }

    #[test]
    fn login_letters_go_three_to_a_page() {
        let letter = |i| Letter {
            name: format!("党员{i}"),
            masked_phone: "138****0001".into(),
            code: "abC2deF3ghJ4".into(),
        };
        let pdf = letters("红星村党支部", "http://dj.example.cn", &[letter(1)]).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let seven: Vec<Letter> = (0..7).map(letter).collect();
        let (_, pages) = render_letters("红星村党支部", "http://dj.example.cn", &seven).unwrap();
        assert_eq!(pages, 3);
    }

    #[test]
    fn a_long_table_runs_over_pages() {
        assert_eq!(render(&content(3), "x").unwrap().1, 1);
        assert!(render(&content(200), "x").unwrap().1 > 5);
    }

    #[test]
    fn wrapping_keeps_every_character_and_each_line_within_the_width() {
        let m = Measure {
            font: FontRef::from_index(FONT, 0).unwrap(),
        };
        let text = "党员学习参与率低：本月参与率12%，低于标准30%";
        let lines = m.wrap(text, BODY, 80.0);
        assert!(lines.len() > 2);
        assert_eq!(lines.concat(), text);
        // Within the width, but for a closing mark hanging at a line's end.
        assert!(lines.iter().all(|l| {
            let body = l.trim_end_matches(|c| "，：%".contains(c));
            m.width(body, BODY) <= 80.0
        }));
        assert!(m.width("党", BODY) > m.width("1", BODY));
        // Six characters fill the line exactly: the comma that follows stays on it.
        let six = m.width("党员学习参与", BODY);
        let lines = m.wrap("党员学习参与，率低。", BODY, six);
        assert_eq!(lines, vec!["党员学习参与，", "率低。"]);
        assert!(lines.iter().all(|l| !l.starts_with('，')));
    }

    #[test]
    fn every_page_says_which_of_how_many_it_is() {
        assert_eq!(footer_line("城关县委", 2, 5), "城关县委　第 2 / 5 页");
    }
}
