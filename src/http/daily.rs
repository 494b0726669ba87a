//! 每日一题: members answer once a day and get the answer, explanation and a text to share;
//! branch administrators see the day's participation; editors keep the question bank.
use super::access::{Found, Member};
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Id, choices, render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::clock::{format_date, local_date, now_epoch};
use crate::domain::daily::{
    Difficulty, QuestionInput, QuestionKind, ValidQuestion, is_correct, normalize, parse_question,
    valid_choice,
};
use crate::domain::points::LedgerKey;
use crate::error::{AppError, AppResult};
use crate::http::form::Query;
use crate::store::daily::{self, Question};
use crate::store::{orgs, points};
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

fn today() -> String {
    format_date(local_date(now_epoch()))
}

/// The text a member pastes into the branch's WeChat study group.
fn share_text(day: &str, q: &Question) -> String {
    let options: Vec<String> = q
        .option_list()
        .iter()
        .map(|(l, t)| format!("{l}. {t}"))
        .collect();
    format!(
        "【每日一题】{day}\n{}（{}）\n{}\n正确答案：{}\n解析：{}\n——来自党建云",
        q.stem,
        q.kind().label(),
        options.join("\n"),
        q.answer_text(),
        q.explanation
    )
}

#[derive(Template)]
#[template(path = "daily.html")]
struct DailyPage {
    page: Page,
    day: String,
    question: Option<Question>,
    answered: Option<(String, bool)>,
    share: String,
    error: String,
    points: i64,
    /// 题目有误's form: what was typed and its message.
    flag_reason: String,
    flag_error: String,
    /// A day gone by, shown as it was asked; no form.
    past: bool,
    /// The day before when a question was asked then, and a link to the day after when it
    /// is not in the future.
    previous: Option<String>,
    next: Option<String>,
}

async fn daily_page(
    state: &AppState,
    ctx: &Ctx,
    member: i64,
    error: String,
    points: i64,
) -> AppResult<DailyPage> {
    let day = today();
    let question = daily::for_day(&state.db, &day).await?;
    day_page(state, ctx, member, &day, question, error, points).await
}

/// A day's page: its question as asked, the member's answer (read as words: "正确", "A、C"),
/// and the days around it.
async fn day_page(
    state: &AppState,
    ctx: &Ctx,
    member: i64,
    day: &str,
    question: Option<Question>,
    error: String,
    points: i64,
) -> AppResult<DailyPage> {
    let answered = daily::my_answer(&state.db, day, member)
        .await?
        .map(|(choice, correct)| match &question {
            Some(q) => (
                crate::domain::daily::answer_text(q.kind(), &choice),
                correct,
            ),
            None => (choice, correct),
        });
    let share = match (&question, &answered) {
        (Some(q), Some(_)) => share_text(day, q),
        _ => String::new(),
    };
    let date = crate::domain::clock::parse_date(day).ok_or(AppError::NotFound)?;
    let previous = match date.previous_day().map(format_date) {
        Some(d) if daily::was_asked(&state.db, &d).await? => Some(d),
        _ => None,
    };
    let next = date
        .next_day()
        .map(format_date)
        .filter(|d| *d <= today())
        .map(|d| {
            if d == today() {
                "/daily".to_string()
            } else {
                format!("/daily/{d}")
            }
        });
    Ok(DailyPage {
        page: ctx.page("每日一题"),
        past: day != today(),
        previous,
        next,
        day: day.to_string(),
        question,
        answered,
        share,
        error,
        points,
        flag_reason: String::new(),
        flag_error: String::new(),
    })
}

/// A day gone by (`/daily/2026-11-30`): its question as it was asked then, and the member's
/// answer. Days to come, and days no question was asked, are 404.
pub async fn past(
    State(state): State<AppState>,
    ctx: Ctx,
    member: Member,
    crate::http::form::PathText(day): crate::http::form::PathText,
) -> AppResult<Response> {
    let day = crate::domain::clock::parse_date(&day)
        .map(format_date)
        .filter(|d| *d < today())
        .ok_or(AppError::NotFound)?;
    let question = daily::asked_on(&state.db, &day)
        .await?
        .ok_or(AppError::NotFound)?;
    render(
        &day_page(
            &state,
            &ctx,
            member.id,
            &day,
            Some(question),
            String::new(),
            0,
        )
        .await?,
    )
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, member: Member) -> AppResult<Response> {
    render(&daily_page(&state, &ctx, member.id, String::new(), 0).await?)
}

/// The form's `choice` fields (several for a multiple-choice question) joined into letters.
pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Member { id: member, .. }: Member,
    crate::http::form::Form(fields): crate::http::form::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let choice: String = fields
        .iter()
        .filter(|(k, _)| k == "choice")
        .map(|(_, v)| v.as_str())
        .collect();
    let day = today();
    let Some(q) = daily::for_day(&state.db, &day).await? else {
        return Err(AppError::NotFound);
    };
    if !valid_choice(q.kind(), q.option_list().len(), &choice) {
        let msg = match q.kind() {
            QuestionKind::Multiple => "多选题请至少选择两项",
            _ => "请选择一个答案",
        };
        return render_invalid(&daily_page(&state, &ctx, member, msg.into(), 0).await?);
    }
    let choice = normalize(&choice);
    let correct = is_correct(&q.answer, &choice);
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let mut earned = 0;
    if daily::answer(tx.conn(), &day, member, &q, &choice, correct, now).await? {
        earned += points::credit(
            tx.conn(),
            member,
            &LedgerKey::daily_answer(&day, member),
            "每日一题作答",
            now,
        )
        .await?;
        if correct {
            earned += points::credit(
                tx.conn(),
                member,
                &LedgerKey::daily_correct(&day, member),
                "每日一题答对",
                now,
            )
            .await?;
        }
    }
    crate::store::badges::award_study(tx.conn(), member, now).await?;
    tx.commit().await?;
    render(&daily_page(&state, &ctx, member, String::new(), earned).await?)
}

#[derive(Template)]
#[template(path = "daily_branch.html")]
struct BranchPage {
    page: Page,
    org_name: String,
    day: String,
    rows: Vec<(String, Option<bool>)>,
    answered: usize,
    right: usize,
    summary: String,
}

/// The branch's participation today, with a summary to copy.
pub async fn branch(State(state): State<AppState>, ctx: Ctx, Id(id): Id) -> AppResult<Response> {
    let actor = ctx.actor()?;
    let org = orgs::get(&state.db, id)
        .await
        .found_if(|o| actor.administers(&o.path) && o.kind().is_branch())?;
    let day = today();
    let rows = daily::branch_day(&state.db, id, &day).await?;
    let answered = rows.iter().filter(|r| r.1.is_some()).count();
    let right = rows.iter().filter(|r| r.1 == Some(true)).count();
    let missing: Vec<&str> = rows
        .iter()
        .filter(|r| r.1.is_none())
        .map(|r| r.0.as_str())
        .collect();
    let summary = format!(
        "【{}每日一题情况】{day}\n应答{}人，已答{}人，答对{}人。\n尚未作答：{}",
        org.name,
        rows.len(),
        answered,
        right,
        if missing.is_empty() {
            "无".to_string()
        } else {
            missing.join("、")
        }
    );
    render(&BranchPage {
        page: ctx.page("每日一题情况"),
        org_name: org.name,
        day,
        rows,
        answered,
        right,
        summary,
    })
}

#[derive(Template)]
#[template(path = "daily_questions.html")]
struct QuestionsPage {
    page: Page,
    q: String,
    questions: Vec<Question>,
    /// 题目有误: questions members flagged, with what they said.
    flagged: Vec<(Question, Vec<String>)>,
    kinds: Vec<Choice>,
    form: QuestionForm,
    errors: FieldErrors,
    difficulties: Vec<Choice>,
    import_report: Vec<String>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct QuestionForm {
    kind: String,
    stem: String,
    options: String,
    answer: String,
    explanation: String,
    tags: String,
    difficulty: String,
    pinned_day: String,
}

async fn questions_page(
    state: &AppState,
    ctx: &Ctx,
    q: String,
    form: QuestionForm,
    errors: FieldErrors,
    import_report: Vec<String>,
) -> AppResult<QuestionsPage> {
    Ok(QuestionsPage {
        page: ctx.page("题库"),
        questions: daily::list(&state.db, &q).await?,
        flagged: daily::flagged(&state.db).await?,
        kinds: form.kind_choices(),
        difficulties: form.difficulty_choices(),
        import_report,
        q,
        form,
        errors,
    })
}

pub async fn questions(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(sq): Query<super::form::SearchQuery>,
) -> AppResult<Response> {
    let q: String = sq.text();
    render(
        &questions_page(
            &state,
            &ctx,
            q,
            QuestionForm::default(),
            FieldErrors::default(),
            vec![],
        )
        .await?,
    )
}

/// The county's question bank is changed only by editors of the whole county; a town's
/// editor reads it.
fn county_bank(ctx: &Ctx) -> AppResult<()> {
    if ctx.actor()?.edits_county() {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

impl QuestionForm {
    /// The kinds and difficulties to choose from, this form's chosen.
    fn kind_choices(&self) -> Vec<Choice> {
        choices(
            QuestionKind::ALL.iter().map(|k| (k.code(), k.label())),
            &self.kind,
        )
    }

    fn difficulty_choices(&self) -> Vec<Choice> {
        choices(
            Difficulty::ALL.iter().map(|d| (d.code(), d.label())),
            &self.difficulty,
        )
    }

    fn check(&self) -> Result<crate::domain::daily::ValidQuestion, FieldErrors> {
        parse_question(&QuestionInput {
            kind: &self.kind,
            stem: &self.stem,
            options: self.options.lines().collect(),
            answer: &self.answer,
            explanation: &self.explanation,
            tags: &self.tags,
            difficulty: &self.difficulty,
            pinned_day: &self.pinned_day,
        })
    }
}

pub async fn add_question(
    State(state): State<AppState>,
    ctx: Ctx,
    crate::http::form::Form(form): crate::http::form::Form<QuestionForm>,
) -> AppResult<Response> {
    county_bank(&ctx)?;
    let checked = form.check();
    let q = match checked {
        Ok(q) => q,
        Err(errors) => {
            let page = questions_page(&state, &ctx, String::new(), form, errors, vec![]).await?;
            return render_invalid(&page);
        }
    };
    let mut tx = state.db.begin().await?;
    let id = daily::create(tx.conn(), &q, ctx.actor()?.user_id, now_epoch()).await?;
    ctx.audit(&mut tx, "新增题目", &format!("题目 {id}"), &q.stem)
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, "/questions", "题目已加入题库"))
}

/// The import template's columns, in order; options take columns C to H.
const IMPORT_COLUMNS: [&str; 12] = [
    "题型", "题目", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "解析", "标签",
    "难度",
];
const MAX_IMPORT_ROWS: usize = 2000;

/// Which column a field's message belongs to, for the row-by-row report.
fn column_label(field: &str) -> &'static str {
    match field {
        "kind" => "题型",
        "stem" => "题目",
        "options" => "选项",
        "answer" => "答案",
        "explanation" => "解析",
        "tags" => "标签",
        _ => "难度",
    }
}

/// The template: the header and three real questions showing each kind.
pub async fn import_template() -> AppResult<Response> {
    let rows = [
        IMPORT_COLUMNS.to_vec(),
        vec![
            "单选题",
            "党的最高领导机关是？",
            "党的全国代表大会和它所产生的中央委员会",
            "中央政治局",
            "中央书记处",
            "中央军事委员会",
            "",
            "",
            "A",
            "《中国共产党章程》第十条：党的最高领导机关，是党的全国代表大会和它所产生的中央委员会。",
            "党章",
            "易",
        ],
        vec![
            "多选题",
            "“三会一课”中的“三会”包括？",
            "支部党员大会",
            "支部委员会",
            "党小组会",
            "民主评议会",
            "",
            "",
            "ABC",
            "“三会”指支部党员大会、支部委员会和党小组会，“一课”指党课。",
            "组织生活",
            "中",
        ],
        vec![
            "判断题",
            "预备党员的预备期为一年。",
            "",
            "",
            "",
            "",
            "",
            "",
            "正确",
            "《中国共产党章程》第七条：预备党员的预备期为一年。",
            "党章",
            "易",
        ],
    ];
    let book = crate::spreadsheet::write_sheet("题目", &rows).map_err(AppError::internal)?;
    Ok(super::stored::bytes_response(
        book,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("每日一题导入模板.xlsx"),
    ))
}

/// Checks every row of an uploaded sheet against the bank; the questions, or one
/// message per problem naming its row and column.
fn check_import(
    rows: &[crate::spreadsheet::Row],
    existing: &[String],
) -> Result<Vec<ValidQuestion>, Vec<String>> {
    let Some((header, rows)) = rows.split_first() else {
        return Err(vec!["表格是空的，请按模板填写题目".into()]);
    };
    if header.cell(0) != IMPORT_COLUMNS[0] || header.cell(1) != IMPORT_COLUMNS[1] {
        return Err(vec![format!(
            "第{}行应为模板的表头（{}），请下载模板后填写",
            header.number,
            IMPORT_COLUMNS.join("、")
        )]);
    }
    if rows.is_empty() {
        return Err(vec!["表格里没有题目".into()]);
    }
    if rows.len() > MAX_IMPORT_ROWS {
        return Err(vec![format!(
            "一次最多导入{MAX_IMPORT_ROWS}道题，请分批导入"
        )]);
    }
    let mut seen: std::collections::HashMap<String, u32> =
        existing.iter().map(|s| (s.trim().to_string(), 0)).collect();
    let (mut questions, mut report) = (Vec::new(), Vec::new());
    for row in rows {
        let input = QuestionInput {
            kind: row.cell(0),
            stem: row.cell(1),
            options: (2..8).map(|c| row.cell(c)).collect(),
            answer: row.cell(8),
            explanation: row.cell(9),
            tags: row.cell(10),
            difficulty: row.cell(11),
            pinned_day: "",
        };
        match parse_question(&input) {
            Ok(q) => match seen.insert(q.stem.clone(), row.number) {
                Some(0) => report.push(format!("第{}行 题目：题库中已有这道题", row.number)),
                Some(first) => report.push(format!("第{}行 题目：与第{first}行重复", row.number)),
                None => questions.push(q),
            },
            Err(problems) => report.extend(problems.iter().map(|(field, message)| {
                format!("第{}行 {}：{message}", row.number, column_label(field))
            })),
        }
    }
    if report.is_empty() {
        Ok(questions)
    } else {
        Err(report)
    }
}

/// Imports a whole `.xlsx` of questions, or nothing: every row is checked first.
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    mut multipart: axum::extract::Multipart,
) -> AppResult<Response> {
    county_bank(&ctx)?;
    let too_big = || {
        format!(
            "文件不能超过{}MB",
            crate::spreadsheet::MAX_FILE_BYTES / 1024 / 1024
        )
    };
    let mut upload = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|_| AppError::BadRequest(too_big()))?
    {
        if field.name() == Some("file") {
            upload = Some(
                field
                    .bytes()
                    .await
                    .map_err(|_| AppError::BadRequest(too_big()))?,
            );
        }
    }
    let checked = match upload {
        Some(bytes) if bytes.len() > crate::spreadsheet::MAX_FILE_BYTES => Err(vec![too_big()]),
        Some(bytes) if !bytes.is_empty() => {
            let read =
                tokio::task::spawn_blocking(move || crate::spreadsheet::read_rows(&bytes)).await?;
            match read {
                Ok(rows) => check_import(&rows, &daily::all_stems(&state.db).await?),
                Err(message) => Err(vec![message]),
            }
        }
        _ => Err(vec!["请选择要导入的 Excel 文件".into()]),
    };
    let questions = match checked {
        Ok(q) => q,
        Err(report) => {
            let page = questions_page(
                &state,
                &ctx,
                String::new(),
                QuestionForm::default(),
                FieldErrors::default(),
                report,
            )
            .await?;
            return render_invalid(&page);
        }
    };
    let (user, now) = (ctx.actor()?.user_id, now_epoch());
    let mut tx = state.db.begin().await?;
    for q in &questions {
        daily::create(tx.conn(), q, user, now).await?;
    }
    ctx.audit(
        &mut tx,
        "批量导入题目",
        "题库",
        &format!("{}道", questions.len()),
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(
        &state,
        "/questions",
        &format!("已从表格导入{}道题", questions.len()),
    ))
}

#[derive(Template)]
#[template(path = "question_edit.html")]
struct EditPage {
    page: Page,
    question: Question,
    kinds: Vec<Choice>,
    difficulties: Vec<Choice>,
    form: QuestionForm,
    errors: FieldErrors,
}

fn edit_page(ctx: &Ctx, question: Question, form: QuestionForm, errors: FieldErrors) -> EditPage {
    EditPage {
        page: ctx.page("修改题目"),
        question,
        kinds: form.kind_choices(),
        difficulties: form.difficulty_choices(),
        form,
        errors,
    }
}

pub async fn edit_question(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> AppResult<Response> {
    county_bank(&ctx)?;
    let q = daily::get(&state.db, id).await?;
    let form = QuestionForm {
        kind: q.kind.clone(),
        stem: q.stem.clone(),
        options: q.options.clone(),
        answer: q.answer_text(),
        explanation: q.explanation.clone(),
        tags: q.tags.clone(),
        difficulty: q.difficulty().code().to_string(),
        pinned_day: q.pinned_day.clone().unwrap_or_default(),
    };
    render(&edit_page(&ctx, q, form, FieldErrors::default()))
}

/// Corrects a question: from now on it is asked as corrected; days it was asked keep it as
/// it was; members' flags on it are resolved. Audited.
pub async fn update_question(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
    crate::http::form::Form(form): crate::http::form::Form<QuestionForm>,
) -> AppResult<Response> {
    county_bank(&ctx)?;
    let before = daily::get(&state.db, id).await?;
    let q = match form.check() {
        Ok(q) => q,
        Err(errors) => return render_invalid(&edit_page(&ctx, before, form, errors)),
    };
    let mut tx = state.db.begin().await?;
    daily::update(tx.conn(), id, &q, now_epoch()).await?;
    ctx.audit(&mut tx, "修改题目", &format!("题目 {id}"), &q.stem)
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, "/questions", "题目已修改"))
}

/// What an editor does to a question besides correcting it.
enum Care {
    /// 停用: never asked again; what was asked and answered stays.
    Retire,
    /// The flags on it were looked at and the question is right.
    DismissFlags,
}

async fn look_after(state: AppState, ctx: Ctx, id: i64, care: Care) -> AppResult<Response> {
    county_bank(&ctx)?;
    let q = daily::get(&state.db, id).await?;
    let now = now_epoch();
    let mut tx = state.db.begin().await?;
    let (action, message) = match care {
        Care::Retire => {
            daily::retire(tx.conn(), id, now).await?;
            ("停用题目", "题目已停用，今后不再出题")
        }
        Care::DismissFlags => {
            daily::resolve_flags(tx.conn(), id, now).await?;
            ("题目纠错不予采纳", "已处理")
        }
    };
    ctx.audit(&mut tx, action, &format!("题目 {id}"), &q.stem)
        .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, "/questions", message))
}

pub async fn retire_question(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> AppResult<Response> {
    look_after(state, ctx, id, Care::Retire).await
}

pub async fn dismiss_flags(
    State(state): State<AppState>,
    ctx: Ctx,
    Id(id): Id,
) -> AppResult<Response> {
    look_after(state, ctx, id, Care::DismissFlags).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FlagForm {
    reason: String,
}

pub const FLAG_REASON_MAX_CHARS: usize = 200;

/// 题目有误: a member who answered today's question says what is wrong with it.
pub async fn flag(
    State(state): State<AppState>,
    ctx: Ctx,
    member: Member,
    crate::http::form::Form(f): crate::http::form::Form<FlagForm>,
) -> AppResult<Response> {
    let day = today();
    let Some(q) = daily::for_day(&state.db, &day).await? else {
        return Err(AppError::NotFound);
    };
    let reason = match crate::domain::text::required(&f.reason, FLAG_REASON_MAX_CHARS) {
        Ok(r) => r,
        Err(e) => {
            let mut page = daily_page(&state, &ctx, member.id, String::new(), 0).await?;
            page.flag_error = if e == "此项必填" {
                "请写明题目哪里有误".into()
            } else {
                e
            };
            page.flag_reason = f.reason;
            return render_invalid(&page);
        }
    };
    let mut tx = state.db.begin().await?;
    let new = daily::flag(tx.conn(), q.id, member.id, &reason, now_epoch()).await?;
    tx.commit().await?;
    let message = if new {
        "已提交，感谢指正，编辑会尽快核实"
    } else {
        "您已提交过这道题的纠错"
    };
    Ok(flash_redirect(&state, "/daily", message))
}
