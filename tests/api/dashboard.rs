use crate::both;
use crate::support::TestApp;
use dangjian::domain::clock::{SHANGHAI, day_start};
use dangjian::domain::daily::{QuestionInput, parse_question};
use dangjian::domain::dashboard::{Figures, PeriodKind};
use dangjian::domain::orglife::MeetingKind;
use dangjian::domain::points::LedgerKey;
use dangjian::store::{daily, dashboard, meetings, members, orgs, points};
use std::collections::HashMap;
use time::macros::{date, datetime};

/// 2026-03-20 12:00 in Shanghai: "now" for these tests, so thresholds and colours are fixed.
fn march_20() -> i64 {
    datetime!(2026-03-20 12:00)
        .assume_offset(SHANGHAI)
        .unix_timestamp()
}

fn march() -> dangjian::domain::orglife::Period {
    PeriodKind::Month.period_of(date!(2026 - 03 - 01))
}

/// Answers on the given days of March 2026.
async fn answers(app: &TestApp, member: i64, days: &[u8]) {
    let mut tx = app.db.begin().await.unwrap();
    let q = parse_question(&QuestionInput {
        kind: "判断",
        stem: &format!("测试题{member}-{days:?}"),
        options: vec![],
        answer: "正确",
        explanation: "说明",
        tags: "",
        difficulty: "",
        pinned_day: "",
    })
    .unwrap();
    let question = daily::create(tx.conn(), &q, 1, march_20()).await.unwrap();
    for d in days {
        let day = format!("2026-03-{d:02}");
        let at = day_start(dangjian::domain::clock::parse_date(&day).unwrap()) + 3600;
        daily::insert_answers(tx.conn(), &day, question, &[(member, "T".into(), true, at)])
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

/// Every kept figure of a period, by organization.
async fn kept(app: &TestApp) -> HashMap<i64, Figures> {
    let mut out = HashMap::new();
    for id in [
        app.ids.county,
        app.ids.town,
        app.ids.town2,
        app.ids.branch_a,
        app.ids.group_a,
        app.ids.branch_b,
        app.ids.branch_c,
    ] {
        let (total, _) = dashboard::with_children(&app.db, PeriodKind::Month, &march(), id)
            .await
            .unwrap();
        out.insert(id, total);
    }
    out
}

/// A month of records in the fixture county: answers, a read, points, a badge, a transfer
/// and a 支部委员会 held without minutes.
async fn records(app: &TestApp) {
    let now = march_20();
    answers(app, app.ids.member_a, &[1, 2, 3, 4, 5, 6, 7, 8]).await;
    answers(app, app.ids.member_b, &[2, 3]).await;
    let mut tx = app.db.begin().await.unwrap();
    let in_march = day_start(date!(2026 - 03 - 10));
    let in_feb = day_start(date!(2026 - 02 - 10));
    points::credit(
        tx.conn(),
        app.ids.member_a,
        &LedgerKey::meeting_attended(1, app.ids.member_a),
        "参加组织生活",
        now,
    )
    .await
    .unwrap();
    points::credit(
        tx.conn(),
        app.ids.member_b,
        &LedgerKey::daily_answer("2026-03-02", app.ids.member_b),
        "每日一题作答",
        now,
    )
    .await
    .unwrap();
    dangjian::q!(
        "INSERT INTO badges (holder_kind, holder_id, source_key, title, reason, awarded_at) VALUES ('member', $1, 'study:read10', 't', 'r', $2)",
        app.ids.member_b,
        in_march
    )
    .execute(tx.conn())
    .await
    .unwrap();
    let b = members::get_in(tx.conn(), app.ids.member_b).await.unwrap();
    members::transfer(tx.conn(), &b, app.ids.branch_c, "外出务工", 1, in_march)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // A read completed in March by member A, another in February by member C.
    let county = orgs::get(&app.db, app.ids.county).await.unwrap();
    let text = dangjian::domain::articles::parse(
        &dangjian::domain::articles::ArticleInput {
            title: "学习",
            source: "县委组织部",
            author: "",
            column_name: "理论学习",
            tags: "",
            body: "正文",
            publish_date: "2026-01-01",
            publish_time: "",
        },
        now,
    )
    .unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let id = dangjian::store::articles::insert(tx.conn(), county.id, &text, 1, now)
        .await
        .unwrap();
    dangjian::store::articles::insert_reads(
        tx.conn(),
        &[
            (id, app.ids.member_a, in_march - 600, in_march),
            (id, app.ids.member_c, in_feb - 600, in_feb),
        ],
    )
    .await
    .unwrap();
    let branch = orgs::get_in(tx.conn(), app.ids.branch_a).await.unwrap();
    meetings::create(
        tx.conn(),
        &meetings::NewMeeting {
            org_id: branch.id,
            org_path: branch.path.clone(),
            party_group: false,
            kind: MeetingKind::BranchCommittee,
            topic: "研究本月工作".into(),
            starts_at: in_march,
            ends_at: in_march + 3600,
            place: "村委会".into(),
            point_e6: None,
            host_member_id: None,
            recorder_member_id: None,
            agenda: vec![],
            created_by: 1,
        },
        in_march - 86_400,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

both!(
    kept_figures_match_counts_by_hand_and_refresh_matches_a_rebuild,
    |app: TestApp| async move {
        records(&app).await;
        let now = march_20();
        dashboard::rebuild(&app.db, PeriodKind::Month, &march(), now)
            .await
            .unwrap();
        let f = kept(&app).await;
        let (a, b, c) = (
            f[&app.ids.branch_a],
            f[&app.ids.branch_b],
            f[&app.ids.branch_c],
        );
        // Members as registered now: B moved to C in March.
        assert_eq!((a.members, b.members, c.members), (3, 0, 3));
        assert_eq!((b.transferred_out, c.transferred_in), (1, 1));
        // 20 days of March begun: 7 days of answers make a member active.
        assert_eq!((a.active_answerers, c.active_answerers), (1, 0));
        assert_eq!((a.readers, c.readers), (1, 0), "C read in February");
        assert_eq!((a.points, c.points), (5, 1), "B's point went with B");
        assert_eq!((a.badges, c.badges), (0, 1));
        // Branch A's six items for March (the 支部委员会 held but short: yellow) and its
        // party group's 党小组会.
        assert_eq!((a.items_red, a.items_yellow, a.items_grey), (0, 1, 6));
        assert_eq!(a.items_overdue, 0);
        let group = f[&app.ids.group_a];
        assert_eq!(group.items_grey, 1, "the party group's 党小组会");
        let town = f[&app.ids.town];
        assert_eq!(town.members, 3);
        assert_eq!(town.items(), 6 + 1 + 6);
        assert_eq!(town.items_yellow, 1);
        let county = f[&app.ids.county];
        assert_eq!(county.members, 6);
        assert_eq!(county.points, 6);
        // The county's children are its two towns.
        let (_, children) =
            dashboard::with_children(&app.db, PeriodKind::Month, &march(), app.ids.county)
                .await
                .unwrap();
        let mut ids: Vec<i64> = children.iter().map(|c| c.0).collect();
        ids.sort();
        assert_eq!(ids, vec![app.ids.town, app.ids.town2]);

        // More records, kept incrementally for the two branches they touch...
        answers(&app, app.ids.member_c, &[1, 2, 3, 4, 5, 6, 7, 9, 10]).await;
        let mut tx = app.db.begin().await.unwrap();
        let m = meetings::for_org(&app.db, app.ids.branch_a, 10)
            .await
            .unwrap()[0]
            .clone();
        meetings::set_minutes(tx.conn(), m.id, "会议记录", now)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        for branch in [app.ids.branch_a, app.ids.branch_c] {
            let org = orgs::get(&app.db, branch).await.unwrap();
            dashboard::refresh(&app.db, &org, now).await.unwrap();
        }
        let incremental = kept(&app).await;
        assert_eq!(incremental[&app.ids.branch_c].active_answerers, 1);
        assert_eq!(incremental[&app.ids.county].active_answerers, 2);
        // ...equal a month rebuilt from scratch.
        dashboard::rebuild(&app.db, PeriodKind::Month, &march(), now)
            .await
            .unwrap();
        assert_eq!(kept(&app).await, incremental);

        // A branch's own page: its members' figures.
        let rows = dashboard::members_of(&app.db, app.ids.branch_a, &march())
            .await
            .unwrap();
        let zhang = rows.iter().find(|r| r.id == app.ids.member_a).unwrap();
        assert_eq!((zhang.answer_days, zhang.reads, zhang.points), (8, 1, 5));
    }
);
