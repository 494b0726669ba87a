//! The home page: the member's entry tiles, and a summary for administrators.
use super::context::Page;
use super::form::render;
use super::{AppState, Ctx};
use crate::error::AppResult;
use crate::store::orgs;
use askama::Template;
use axum::extract::State;
use axum::response::Response;

/// An entry on the member home page.
pub struct Tile {
    pub anchor: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub href: &'static str,
}

const TILES: &[Tile] = &[
    Tile {
        anchor: "checkin",
        label: "签到",
        hint: "扫码参加组织生活",
        href: "/orglife",
    },
    Tile {
        anchor: "orglife",
        label: "三会一课",
        hint: "会议安排与记录",
        href: "/orglife",
    },
    Tile {
        anchor: "study",
        label: "理论自习室",
        hint: "学习文章",
        href: "/articles",
    },
    Tile {
        anchor: "daily",
        label: "每日一题",
        hint: "每天一道党建知识题",
        href: "/daily",
    },
    Tile {
        anchor: "news",
        label: "党建新鲜事",
        hint: "各级党组织动态",
        href: "/posts",
    },
    Tile {
        anchor: "history",
        label: "党史上的今天",
        hint: "党员共建的党史日历",
        href: "/history",
    },
    Tile {
        anchor: "town",
        label: "比学赶超",
        hint: "本镇各支部红黄灰",
        href: "/town",
    },
    Tile {
        anchor: "arena",
        label: "擂台比武",
        hint: "书记擂台赛与好经验",
        href: "/arena",
    },
    Tile {
        anchor: "points",
        label: "积分 / 徽章 / 排行",
        hint: "我的积分与排名",
        href: "/points",
    },
    Tile {
        anchor: "dues",
        label: "我的党费",
        hint: "应交、已交与党费证",
        href: "/dues",
    },
    Tile {
        anchor: "shop",
        label: "积分商城",
        hint: "积分兑换奖品",
        href: "/shop",
    },
    Tile {
        anchor: "me",
        label: "我的",
        hint: "档案、密码、大字模式",
        href: "/me",
    },
];

pub struct ScopeSummary {
    pub org_id: i64,
    pub name: String,
    pub role: &'static str,
    pub counts: orgs::SubtreeCounts,
    pub todo: crate::store::todo::Todo,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    page: Page,
    tiles: &'static [Tile],
    branch_name: String,
    scopes: Vec<ScopeSummary>,
    /// The member's next meeting: what matters first on the home page.
    next_meeting: Option<(i64, String)>,
    history_today: Vec<crate::store::history::Entry>,
    /// 政治生日: the greeting on the anniversary of joining.
    political_birthday: Option<String>,
    /// Cards that ask something of the member now: (link, tag, text) — a 民主评议 to take
    /// part in, a 公示 list to read.
    asks: Vec<(String, &'static str, String)>,
}

pub async fn home(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let p = ctx.principal()?;
    let branch_name = match p.branch_id {
        Some(id) => orgs::get(&state.db, id).await?.name,
        None => String::new(),
    };
    let now = crate::domain::clock::now_epoch();
    let mut scopes = Vec::new();
    for g in p.actor.admin_grants() {
        let path = g.org_path.as_deref().unwrap_or_default();
        for org in orgs::at_roots(&state.db, &[path]).await? {
            scopes.push(ScopeSummary {
                todo: crate::store::todo::of(&state.db, org.id, &org.path, now).await?,
                org_id: org.id,
                name: org.name,
                role: g.role.label(),
                counts: orgs::subtree_counts(&state.db, path).await?,
            });
        }
    }
    let next_meeting = match p.actor.member_id {
        Some(member) => crate::store::meetings::upcoming_for_member(&state.db, member, now)
            .await?
            .into_iter()
            .next()
            .map(|m| {
                let when = crate::domain::clock::format_minute(m.starts_at);
                (
                    m.id,
                    format!("{}：{}，{}，{}", m.kind_label(), m.topic, when, m.place),
                )
            }),
        None => None,
    };
    let history_today = super::history::today(&state).await?;
    let political_birthday = match p.actor.member_id {
        Some(member) => {
            let m = crate::store::members::get(&state.db, member).await?;
            crate::domain::clock::parse_date(&m.joined_on)
                .and_then(|j| {
                    crate::domain::member::political_birthday(
                        j,
                        crate::domain::clock::local_date(now),
                    )
                })
                .map(crate::domain::member::birthday_greeting)
        }
        None => None,
    };
    let mut asks = Vec::new();
    if let Some(member) = p.actor.member_id {
        for a in crate::store::appraisals::open_for_member(&state.db, member).await? {
            let text = format!(
                "{}开展{}年度民主评议党员，请填写自我评价并评价其他党员",
                a.branch_name, a.year
            );
            asks.push((format!("/appraisals/{}/ballot", a.id), "民主评议", text));
        }
        let branch = p.actor.branch_path.as_deref().unwrap_or_default();
        for s in super::honours::in_publicity_for(&state, branch).await? {
            let text = format!("{}名单公示（{}）", s.title, s.publicity_text());
            asks.push((format!("/honours/{}/publicity", s.id), "公示", text));
        }
    }
    render(&HomePage {
        asks,
        page: ctx.page("首页"),
        history_today,
        political_birthday,
        next_meeting,
        tiles: TILES,
        branch_name,
        scopes,
    })
}
