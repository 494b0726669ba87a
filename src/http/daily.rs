//! 每日一题: members answer once a day and get the answer, explanation and a text to share;
//! branch administrators see the day's participation; editors keep the question bank.
use super::context::{Page, flash_redirect};
use super::form::{Choice, FieldErrors, Id, choices, render, render_invalid};
use super::{AppState, Ctx};
use crate::domain::clock::{format_date, local_date, now_epoch, parse_date};
use crate::domain::points::PointRule;
use crate::domain::question::{QuestionKind, is_correct, normalize, valid_choice};
use crate::domain::text;
use crate::error::{AppError, AppResult};
use crate::store::daily::{self, NewQuestion, Question};
use crate::store::{audit, orgs, points};
use askama::Template;
use axum::extract::{Query, State};
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
}

async fn daily_page(
    state: &AppState,
    ctx: &Ctx,
    error: String,
    points: i64,
) -> AppResult<DailyPage> {
    let member = ctx.actor()?.member_id.ok_or(AppError::NotFound)?;
    let day = today();
    let question = daily::for_day(&state.db, &day).await?;
    let answered = daily::my_answer(&state.db, &day, member).await?;
    let share = match (&question, &answered) {
        (Some(q), Some(_)) => share_text(&day, q),
        _ => String::new(),
    };
    Ok(DailyPage {
        page: ctx.page("每日一题"),
        day,
        question,
        answered,
        share,
        error,
        points,
    })
}

pub async fn page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    render(&daily_page(&state, &ctx, String::new(), 0).await?)
}

/// The form's `choice` fields (several for a multiple-choice question) joined into letters.
pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let member = ctx.actor()?.member_id.ok_or(AppError::NotFound)?;
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
        return render_invalid(&daily_page(&state, &ctx, msg.into(), 0).await?);
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
            PointRule::DailyAnswer,
            &format!("daily:{day}:{member}"),
            "每日一题作答",
            now,
        )
        .await?;
        if correct {
            earned += points::credit(
                tx.conn(),
                member,
                PointRule::DailyCorrect,
                &format!("daily-correct:{day}:{member}"),
                "每日一题答对",
                now,
            )
            .await?;
        }
    }
    crate::store::badges::award_study(tx.conn(), member, now).await?;
    tx.commit().await?;
    render(&daily_page(&state, &ctx, String::new(), earned).await?)
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
    let org = orgs::get(&state.db, id).await?;
    if !ctx.actor()?.administers(&org.path) || !org.kind().is_branch() {
        return Err(AppError::NotFound);
    }
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
#[template(path = "questions.html")]
struct QuestionsPage {
    page: Page,
    q: String,
    questions: Vec<Question>,
    kinds: Vec<Choice>,
    form: QuestionForm,
    errors: FieldErrors,
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
    pinned_day: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchQuery {
    q: String,
}

async fn questions_page(
    state: &AppState,
    ctx: &Ctx,
    q: String,
    form: QuestionForm,
    errors: FieldErrors,
) -> AppResult<QuestionsPage> {
    Ok(QuestionsPage {
        page: ctx.page("题库"),
        questions: daily::list(&state.db, &q).await?,
        kinds: choices(
            QuestionKind::ALL.iter().map(|k| (k.code(), k.label())),
            &form.kind,
        ),
        q,
        form,
        errors,
    })
}

pub async fn questions(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(sq): Query<SearchQuery>,
) -> AppResult<Response> {
    let q: String = sq.q.trim().chars().take(30).collect();
    render(
        &questions_page(
            &state,
            &ctx,
            q,
            QuestionForm::default(),
            FieldErrors::default(),
        )
        .await?,
    )
}

pub async fn add_question(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::Form(form): axum::Form<QuestionForm>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let kind = QuestionKind::from_code(&form.kind);
    if kind.is_none() {
        errors.add("kind", "请选择题型");
    }
    let stem = errors.check("stem", text::required(&form.stem, 300));
    let explanation = errors.check("explanation", text::required(&form.explanation, 1000));
    let tags = errors.check("tags", text::optional(&form.tags, 100));
    let options: Vec<&str> = form
        .options
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if let Some(k) = kind {
        match k {
            QuestionKind::Judge if !options.is_empty() => errors.add("options", "判断题不需要选项"),
            QuestionKind::Single | QuestionKind::Multiple if !(2..=6).contains(&options.len()) => {
                errors.add("options", "请填写2到6个选项，每行一个")
            }
            _ => {}
        }
        if options.iter().any(|o| o.chars().count() > 200) {
            errors.add("options", "每个选项不能超过200个字");
        }
        if !valid_choice(k, options.len(), &form.answer) {
            errors.add(
                "answer",
                match k {
                    QuestionKind::Judge => "判断题答案填 T（正确）或 F（错误）",
                    QuestionKind::Single => "单选题答案填一个选项字母，如 B",
                    QuestionKind::Multiple => "多选题答案填两个以上选项字母，如 AC",
                },
            );
        }
    }
    let pinned = match form.pinned_day.trim() {
        "" => None,
        d => match parse_date(d) {
            Some(d) => Some(format_date(d)),
            None => {
                errors.add("pinned_day", "日期格式如 2026-07-01");
                None
            }
        },
    };
    let (Some(kind), true) = (kind, errors.is_empty()) else {
        return render_invalid(&questions_page(&state, &ctx, String::new(), form, errors).await?);
    };
    let options = options.join("\n");
    let answer = normalize(&form.answer);
    let mut tx = state.db.begin().await?;
    let nq = NewQuestion {
        kind,
        stem: &stem,
        options: &options,
        answer: &answer,
        explanation: &explanation,
        tags: &tags,
        pinned_day: pinned.as_deref(),
        created_by: ctx.actor()?.user_id,
    };
    let id = daily::create(tx.conn(), &nq, now_epoch()).await?;
    audit::append(
        tx.conn(),
        &ctx.audit_actor(),
        "新增题目",
        &format!("题目 {id}"),
        audit::OK,
        &stem,
    )
    .await?;
    tx.commit().await?;
    Ok(flash_redirect(&state, "/questions", "题目已加入题库"))
}
