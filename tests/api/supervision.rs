//! 电子监察 on a fixture county with known patterns: a good branch (乙村), a branch that
//! reused 乙村's photo, copied its minutes and fell short of attendance (甲村), a silent
//! branch in another town (丙村); scanned on a fixed day.
use crate::both;
use crate::support::*;
use dangjian::domain::clock::{parse_date, shanghai_epoch};
use dangjian::domain::orglife::MeetingKind;
use dangjian::domain::supervision::{Thresholds, TierFormula};
use dangjian::store::{meetings, orgs, supervision};
use std::collections::BTreeSet;

/// The day of the scan: 2026-04-02, noon in Shanghai.
fn scan_day() -> i64 {
    shanghai_epoch(
        parse_date("2026-04-02").unwrap(),
        time::macros::time!(12:00),
    )
}

fn at(day: &str, hour: u8) -> i64 {
    shanghai_epoch(
        parse_date(day).unwrap(),
        time::Time::from_hms(hour, 0, 0).unwrap(),
    )
}

const MINUTES_B: &str = "3月10日，乙村党支部召开支部委员会，由王乙主持。会议传达学习了县委关于春季植树造林的部署，\
    讨论确定了本村沿河两岸补植香樟三百株、修复灌溉渠两处的任务，明确由党员责任区分片包干，四月底前完成。\
    会议还研究了困难党员刘大伯的慰问事宜，决定由组织委员牵头走访。";

const MINUTES_OWN: &str = "3月20日，乙村党支部开展主题党日，组织党员到县革命纪念馆重温入党誓词，\
    观看纪录片《初心》，随后在村文化广场开展义诊和政策宣讲，共服务群众八十余人次。";

/// A meeting as a secretary records it: check-ins (`pct` % of those expected), minutes, a
/// photo uploaded through the page, then closed.
async fn held(
    app: &TestApp,
    uploader: &Client,
    (org, kind, start): (i64, MeetingKind, i64),
    pct: i64,
    minutes: &str,
    photo: Vec<u8>,
) -> i64 {
    let o = orgs::get(&app.db, org).await.unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let m = meetings::NewMeeting {
        org_id: org,
        org_path: o.path.clone(),
        party_group: false,
        kind,
        topic: kind.label().into(),
        starts_at: start,
        ends_at: start + 5400,
        place: "党员活动室".into(),
        point_e6: None,
        host_member_id: None,
        recorder_member_id: None,
        agenda: vec!["学习".into()],
        created_by: 0,
    };
    let id = meetings::create(tx.conn(), &m, start - 86_400)
        .await
        .unwrap();
    meetings::check_in_share(tx.conn(), id, start, 0, pct, pct >= 80)
        .await
        .unwrap();
    meetings::set_minutes(tx.conn(), id, minutes, start + 5400)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let up = uploader
        .upload(&format!("/meetings/{id}/files"), "photo", "现场.jpg", photo)
        .await;
    assert_eq!(up.status, 303, "{}", up.body);
    let mut tx = app.db.begin().await.unwrap();
    meetings::set_closed(tx.conn(), id, Some((start + 6000, 0)))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    id
}

/// 10 % cut off the left of a photo, saved again.
fn cropped(bytes: &[u8]) -> Vec<u8> {
    let img = image::load_from_memory(bytes).unwrap();
    let (w, h) = (img.width(), img.height());
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&img.crop_imm(w / 10, 0, w - w / 10, h).to_rgb8())
        .unwrap();
    out
}

async fn the_county(app: &TestApp) {
    let county = app.login(phone::COUNTY_ADMIN).await;
    // Founded at the new year; supervised from March on, silent after 30 days.
    sqlx::query("UPDATE orgs SET created_at = $1")
        .bind(at("2026-01-01", 9))
        .execute(app.db.pool())
        .await
        .unwrap();
    let t = Thresholds {
        silence_days: 30,
        since: parse_date("2026-03-01"),
        ..Thresholds::default()
    };
    let mut tx = app.db.begin().await.unwrap();
    supervision::save_setting(tx.conn(), parse_date("2026-03-01").unwrap(), &t, None, 0)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (rocket, galaxies) = (testdata("rocket.jpg"), testdata("galaxies.jpg"));
    let ids = &app.ids;
    use MeetingKind::*;
    held(
        app,
        &county,
        (ids.branch_b, BranchCommittee, at("2026-03-10", 9)),
        100,
        MINUTES_B,
        rocket.clone(),
    )
    .await;
    held(
        app,
        &county,
        (ids.branch_b, ThemeDay, at("2026-03-20", 9)),
        100,
        MINUTES_OWN,
        galaxies,
    )
    .await;
    // 甲村: its committee's photo is 乙村's cropped, its minutes 乙村's with the names
    // changed, and one of its three members stayed away; no theme day.
    let copied = MINUTES_B
        .replace("乙村", "甲村")
        .replace("王乙", "李书记")
        .replace("3月10日", "3月15日");
    held(
        app,
        &county,
        (ids.branch_a, BranchCommittee, at("2026-03-15", 14)),
        66,
        &copied,
        cropped(&rocket),
    )
    .await;
}

fn found(rows: &[(String, String)]) -> BTreeSet<(String, String)> {
    rows.iter().cloned().collect()
}

both!(
    the_scan_finds_exactly_the_known_patterns_once,
    |app: TestApp| async move {
        the_county(&app).await;
        let by_rule = dangjian::supervision::scan(&app.db, None, scan_day())
            .await
            .unwrap();
        assert_eq!(by_rule.values().sum::<i64>(), 8, "{by_rule:?}");
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT o.name, f.rule FROM findings f JOIN orgs o ON o.id = f.org_id ORDER BY o.name, f.rule",
        )
        .fetch_all(app.db.pool())
        .await
        .unwrap();
        let expected: Vec<(String, String)> = [
            ("甲村党支部", "attendance"),
            ("甲村党支部", "minutes_copied"),
            ("甲村党支部", "missed"), // no theme day in March
            ("甲村党支部", "photo_reused"),
            ("第一党小组", "missed"), // no group meeting in March
            ("丙村党支部", "missed"),
            ("丙村党支部", "missed"),
            ("丙村党支部", "silent"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        assert_eq!(found(&rows), found(&expected));
        assert_eq!(
            rows.len(),
            8,
            "丙村 missed both its committee and theme day: {rows:?}"
        );
        // Run again the same day, or the next: nothing new, nothing twice.
        let again = dangjian::supervision::scan(&app.db, None, scan_day())
            .await
            .unwrap();
        assert!(again.is_empty(), "{again:?}");
        let next = dangjian::supervision::scan(&app.db, None, scan_day() + 86_400)
            .await
            .unwrap();
        assert!(next.is_empty(), "{next:?}");
        assert_eq!(app.count("SELECT COUNT(*) FROM findings").await, 8);
        // The administrators above were told, once per scan that found something.
        let bells = app
            .count("SELECT COUNT(*) FROM notifications WHERE title LIKE '电子监察%'")
            .await;
        assert!(
            bells >= 2,
            "the county and the town administrators: {bells}"
        );
    }
);

async fn finding_id(app: &TestApp, org: i64, rule: &str) -> i64 {
    let (id,): (i64,) =
        sqlx::query_as("SELECT MIN(id) FROM findings WHERE org_id = $1 AND rule = $2")
            .bind(org)
            .bind(rule)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    id
}

both!(
    evidence_appeals_and_who_may_see_what,
    |app: TestApp| async move {
        the_county(&app).await;
        dangjian::supervision::scan(&app.db, None, scan_day())
            .await
            .unwrap();
        let county = app.login(phone::COUNTY_ADMIN).await;
        let list = county.get("/findings").await;
        assert_eq!(list.status, 200);
        assert!(list.contains("甲村党支部") && list.contains("丙村党支部"));
        assert!(list.contains("照片疑似重复使用"));
        // 数据预警: each town's row on the dashboard carries its open findings.
        let dash = county.get("/dashboard").await;
        assert!(dash.contains(&format!(
            "/findings?org={}\" class=\"warning\"",
            app.ids.town
        )));
        assert!(
            dash.contains("title=\"5个待处理问题\"") && dash.contains("title=\"3个待处理问题\""),
            "{}",
            dash.body
        );
        // The reused photo: both pictures, side by side, each served to whoever sees it.
        let photo = finding_id(&app, app.ids.branch_a, "photo_reused").await;
        let page = county.get(&format!("/findings/{photo}")).await;
        assert!(page.contains(&format!("/findings/{photo}/photos/0")));
        assert!(page.contains(&format!("/findings/{photo}/photos/1")));
        assert!(page.contains("乙村党支部") && page.contains("甲村党支部"));
        for n in 0..2 {
            let (status, bytes) = county
                .get_bytes(&format!("/findings/{photo}/photos/{n}"))
                .await;
            assert_eq!(status, 200);
            assert!(image::load_from_memory(&bytes).is_ok());
        }
        assert_eq!(
            county
                .get_bytes(&format!("/findings/{photo}/photos/2"))
                .await
                .0,
            404
        );
        // 督促 from the finding: the form says what was found, and the finding keeps it.
        assert!(
            page.contains(&format!(
                "/followups/new?org={}&amp;finding={photo}",
                app.ids.branch_a
            )) || page.contains(&format!(
                "/followups/new?org={}&finding={photo}",
                app.ids.branch_a
            ))
        );
        let form = county
            .get(&format!(
                "/followups/new?org={}&finding={photo}",
                app.ids.branch_a
            ))
            .await;
        assert!(form.contains("电子监察发现"), "{}", form.body);
        let sent = county
            .post(
                "/followups",
                &[
                    ("org", &app.ids.branch_a.to_string()),
                    ("finding", &photo.to_string()),
                    ("topic", "records"),
                    ("message", "照片疑似重复使用，请说明情况"),
                ],
            )
            .await;
        assert_eq!(sent.status, 303);
        assert!(
            county
                .get(&format!("/findings/{photo}"))
                .await
                .contains("发出督促")
        );
        // Another organization's finding cannot ride on a follow-up.
        let silent_c = finding_id(&app, app.ids.branch_c, "silent").await;
        let wrong = county
            .get(&format!(
                "/followups/new?org={}&finding={silent_c}",
                app.ids.branch_a
            ))
            .await;
        assert_eq!(wrong.status, 404);
        // The copied minutes: the shared passages marked.
        let minutes = finding_id(&app, app.ids.branch_a, "minutes_copied").await;
        let page = county.get(&format!("/findings/{minutes}")).await;
        assert!(page.contains("<mark>"), "{}", page.body);
        assert!(page.contains("沿河两岸补植香樟三百株"));
        // The town administrator sees its own town's findings, not the other town's.
        let town = app.login(phone::TOWN_ADMIN).await;
        let silent = finding_id(&app, app.ids.branch_c, "silent").await;
        assert_eq!(town.get(&format!("/findings/{silent}")).await.status, 404);
        assert!(!town.get("/findings").await.contains("丙村党支部"));
        assert_eq!(town.get(&format!("/findings/{photo}")).await.status, 200);
        // Only the county runs a scan.
        assert_eq!(town.post("/findings/scan", &[]).await.status, 404);
        // 甲村 answers the photo finding; it cannot decide its own answer.
        let secretary = app.login(phone::SECRETARY_A).await;
        let empty = secretary
            .post_multipart(
                &format!("/findings/{photo}/appeal"),
                &[("note", " ")],
                vec![],
            )
            .await;
        assert_eq!(empty.status, 422);
        assert!(empty.contains("note-error"));
        let note = [("note", "两村同一天在县里联合开会，照片是同一场合拍的")];
        let program = vec![(
            "attachment",
            "说明.exe",
            b"MZ\x90\x00 not a document".to_vec(),
        )];
        let refused = secretary
            .post_multipart(&format!("/findings/{photo}/appeal"), &note, program)
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.contains("attachment-error"));
        let pdf = "%PDF-1.4\n% 联合会议通知\n".as_bytes().to_vec();
        let appealed = secretary
            .post_multipart(
                &format!("/findings/{photo}/appeal"),
                &note,
                vec![("attachment", "会议通知.pdf", pdf.clone())],
            )
            .await;
        assert_eq!(appealed.status, 303);
        // The attachment is in the finding's history, for the superior to read.
        let event = app
            .count("SELECT MAX(id) FROM finding_events WHERE file_key IS NOT NULL")
            .await;
        let history = town.get(&format!("/findings/{photo}")).await;
        assert!(history.contains("附件：会议通知.pdf"));
        let (status, bytes) = town
            .get_bytes(&format!("/findings/{photo}/files/{event}"))
            .await;
        assert_eq!((status, bytes), (200, pdf));
        let silent_c = finding_id(&app, app.ids.branch_c, "silent").await;
        let elsewhere = town
            .get_bytes(&format!("/findings/{silent_c}/files/{event}"))
            .await;
        assert_eq!(elsewhere.0, 404, "not through another finding");
        let own = secretary
            .post(
                &format!("/findings/{photo}/decide"),
                &[("decision", "accept"), ("note", "")],
            )
            .await;
        assert_eq!(own.status, 404);
        assert_eq!(
            secretary.get(&format!("/findings/{silent}")).await.status,
            404
        );
        // The town accepts it; the attendance finding's answer the county rejects.
        let accepted = town
            .post(
                &format!("/findings/{photo}/decide"),
                &[("decision", "accept"), ("note", "情况属实")],
            )
            .await;
        assert_eq!(accepted.status, 303);
        let attendance = finding_id(&app, app.ids.branch_a, "attendance").await;
        secretary
            .post_multipart(
                &format!("/findings/{attendance}/appeal"),
                &[("note", "一名党员外出务工")],
                vec![],
            )
            .await;
        let rejected = county
            .post(
                &format!("/findings/{attendance}/decide"),
                &[("decision", "reject"), ("note", "外出党员应请假")],
            )
            .await;
        assert_eq!(rejected.status, 303);
        let status = |id: i64| {
            let db = app.db.clone();
            async move {
                let (s,): (String,) = sqlx::query_as("SELECT status FROM findings WHERE id = $1")
                    .bind(id)
                    .fetch_one(db.pool())
                    .await
                    .unwrap();
                s
            }
        };
        assert_eq!(status(photo).await, "explained");
        assert_eq!(status(attendance).await, "upheld");
        // Decided either way, neither is open any more: 东湖镇 5 → 3, the county 8 → 6.
        let dash = county.get("/dashboard").await;
        assert!(
            dash.contains("title=\"3个待处理问题\"") && dash.contains("title=\"6个待处理问题\"")
        );
        assert!(!dash.contains("5个待处理问题"));
        // Decided once: a second decision is refused.
        let twice = county
            .post(
                &format!("/findings/{photo}/decide"),
                &[("decision", "reject"), ("note", "")],
            )
            .await;
        assert_eq!(twice.status, 409);
        // The whole history stays on the finding, and a scan does not reopen it.
        let page = secretary.get(&format!("/findings/{photo}")).await;
        for step in ["发现问题", "提出申诉", "采纳申诉", "情况属实"] {
            assert!(page.contains(step), "{step}");
        }
        dangjian::supervision::scan(&app.db, None, scan_day() + 86_400)
            .await
            .unwrap();
        assert_eq!(status(photo).await, "explained");
        assert_eq!(app.count("SELECT COUNT(*) FROM findings").await, 8);
    }
);

both!(
    the_daily_scan_runs_once_however_many_instances_ask,
    |app: TestApp| async move {
        the_county(&app).await;
        // Three instances sharing the database wake at the same minute.
        let run = || dangjian::jobs::daily_scan(&app.db, scan_day());
        let (a, b, c) = tokio::join!(run(), run(), run());
        let ran = [a, b, c]
            .into_iter()
            .filter(|r| *r.as_ref().unwrap())
            .count();
        assert_eq!(ran, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM supervision_runs").await, 1);
        assert_eq!(app.count("SELECT COUNT(*) FROM findings").await, 8);
        // The next day it runs again, and finds nothing new.
        assert!(
            dangjian::jobs::daily_scan(&app.db, scan_day() + 86_400)
                .await
                .unwrap()
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM findings").await, 8);
    }
);

both!(
    the_county_changes_thresholds_from_the_next_day_on,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        let page = county.get("/findings/settings").await;
        assert_eq!(page.status, 200);
        assert!(page.contains("value=\"60\""), "the default silence");
        let town = app.login(phone::TOWN_ADMIN).await;
        assert_eq!(town.get("/findings/settings").await.status, 404);
        let form = |silence: &'static str| {
            vec![
                ("silence_days", silence),
                ("photo_similarity", "85"),
                ("capture_hours", "48"),
                ("minutes_overlap", "60"),
                ("study_pct", "30"),
                ("appraisal_month", "3"),
                ("since", ""),
            ]
        };
        assert_eq!(
            town.post("/findings/settings", &form("30")).await.status,
            404
        );
        let bad = county.post("/findings/settings", &form("5")).await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("silence_days-error"));
        assert_eq!(app.count("SELECT COUNT(*) FROM county_settings").await, 0);
        let saved = county.post("/findings/settings", &form("30")).await;
        assert_eq!(saved.status, 303);
        let today = dangjian::domain::clock::local_date(dangjian::domain::clock::now_epoch());
        let now = supervision::setting_on::<Thresholds>(&app.db, today)
            .await
            .unwrap();
        let next = supervision::setting_on::<Thresholds>(&app.db, today + time::Duration::days(1))
            .await
            .unwrap();
        assert_eq!((now.silence_days, next.silence_days), (60, 30));
        assert!(
            county
                .get("/findings/settings")
                .await
                .contains("id=\"scheduled\"")
        );
        // The tiers' formula changes from the next month on; weights must make 100.
        let weights = |completion: &'static str| {
            vec![
                ("completion_weight", completion),
                ("study_weight", "30"),
                ("findings_weight", "20"),
                ("finding_penalty", "25"),
                ("good", "80"),
                ("fair", "65"),
                ("average", "50"),
            ]
        };
        assert_eq!(
            town.post("/tiers/settings", &weights("50")).await.status,
            404
        );
        let bad = county.post("/tiers/settings", &weights("60")).await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("completion_weight-error") && bad.contains("三项权重之和应为100"));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM county_settings WHERE kind = 'tiers'")
                .await,
            0
        );
        assert_eq!(
            county.post("/tiers/settings", &weights("50")).await.status,
            303
        );
        let month = dangjian::domain::dashboard::PeriodKind::Month.period_of(today);
        let this = supervision::setting_on::<TierFormula>(&app.db, month.start)
            .await
            .unwrap();
        let next = supervision::setting_on::<TierFormula>(&app.db, month.end)
            .await
            .unwrap();
        assert_eq!(
            (this.good, next.good),
            (85, 80),
            "this month keeps its formula"
        );
        assert!(
            county
                .get("/tiers/settings")
                .await
                .contains("id=\"scheduled\"")
        );
        // The tiers page offers the setting to the county only.
        assert!(
            county
                .get("/tiers")
                .await
                .contains("id=\"formula-settings\"")
        );
        assert!(!town.get("/tiers").await.contains("id=\"formula-settings\""));
    }
);

both!(
    march_places_the_good_branch_above_the_ones_that_fell_behind,
    |app: TestApp| async move {
        the_county(&app).await;
        dangjian::supervision::scan(&app.db, None, scan_day())
            .await
            .unwrap();
        let county = app.login(phone::COUNTY_ADMIN).await;
        let page = county
            .get(&format!("/tiers?org={}&month=2026-03", app.ids.town))
            .await;
        assert_eq!(page.status, 200);
        assert!(page.contains("甲村党支部") && page.contains("乙村党支部"));
        assert!(
            page.contains("得分 = 组织生活完成率"),
            "the formula is shown"
        );
        let total = |org: i64| {
            let db = app.db.clone();
            async move {
                let (t,): (i64,) = sqlx::query_as(
                    "SELECT score FROM org_tiers WHERE org_id = $1 AND month = '2026-03-01'",
                )
                .bind(org)
                .fetch_one(db.pool())
                .await
                .unwrap();
                t
            }
        };
        let (a, b, c) = (
            total(app.ids.branch_a).await,
            total(app.ids.branch_b).await,
            total(app.ids.branch_c).await,
        );
        // Nobody in the county has answered the daily question yet, so study is left out and
        // the other two weigh in its place (50 and 20 of 70). 乙村 kept its two monthly items
        // (of four due with the quarter's), with no findings: (50 × 50 + 100 × 20) / 70 = 64;
        // 甲村's one meeting fell short of attendance (not done to standard) and it has four
        // findings: 0; 丙村 is silent and missed both monthly items: 100 − 3 × 25 = 25, so
        // 25 × 20 / 70 = 7. 乙村 一般 (55 and up), the others 差.
        assert_eq!((b, a, c), (64, 0, 7));
        for (org, expected) in [
            (app.ids.branch_a, "poor"),
            (app.ids.branch_b, "average"),
            (app.ids.branch_c, "poor"),
        ] {
            let (tier,): (String,) = sqlx::query_as(
                "SELECT tier FROM org_tiers WHERE org_id = $1 AND month = '2026-03-01'",
            )
            .bind(org)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
            assert_eq!(tier, expected);
        }
        assert!(page.contains("title=\"尚未开展每日一题，不计入\""));
        // The month is placed once; the page shows what was placed.
        let placed = app.count("SELECT COUNT(*) FROM org_tiers").await;
        county
            .get(&format!("/tiers?org={}&month=2026-03", app.ids.county))
            .await;
        assert_eq!(app.count("SELECT COUNT(*) FROM org_tiers").await, placed);
        // Another town's tiers are not the town administrator's.
        let town = app.login(phone::TOWN_ADMIN).await;
        let other = town.get(&format!("/tiers?org={}", app.ids.town2)).await;
        assert_eq!(other.status, 404);
        assert_eq!(town.get("/tiers").await.status, 200);
    }
);

async fn report_id(app: &TestApp, org: i64) -> i64 {
    let (id,): (i64,) =
        sqlx::query_as("SELECT id FROM monthly_reports WHERE org_id = $1 AND month = '2026-03-01'")
            .bind(org)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
    id
}

both!(
    march_s_report_names_the_findings_and_opens_as_pdf_and_spreadsheet,
    |app: TestApp| async move {
        the_county(&app).await;
        dangjian::supervision::scan(&app.db, None, scan_day())
            .await
            .unwrap();
        // 甲村's photo finding explained (accepted), its attendance finding upheld.
        let (town, county) = (
            app.login(phone::TOWN_ADMIN).await,
            app.login(phone::COUNTY_ADMIN).await,
        );
        let secretary = app.login(phone::SECRETARY_A).await;
        let photo = finding_id(&app, app.ids.branch_a, "photo_reused").await;
        let attendance = finding_id(&app, app.ids.branch_a, "attendance").await;
        for id in [photo, attendance] {
            secretary
                .post_multipart(
                    &format!("/findings/{id}/appeal"),
                    &[("note", "情况说明")],
                    vec![],
                )
                .await;
        }
        town.post(
            &format!("/findings/{photo}/decide"),
            &[("decision", "accept"), ("note", "")],
        )
        .await;
        town.post(
            &format!("/findings/{attendance}/decide"),
            &[("decision", "reject"), ("note", "")],
        )
        .await;
        // The first of April: March's tiers and reports, once however often it is asked.
        let first_of_april = at("2026-04-01", 1);
        assert!(
            dangjian::jobs::monthly_report(&app.db, first_of_april)
                .await
                .unwrap()
        );
        assert!(
            !dangjian::jobs::monthly_report(&app.db, first_of_april)
                .await
                .unwrap()
        );
        // The county and both towns have subordinates; 甲村 has only a party group.
        assert_eq!(app.count("SELECT COUNT(*) FROM monthly_reports").await, 3);
        let bells = app
            .count("SELECT COUNT(*) FROM notifications WHERE title = '2026年3月月度通报已发布'")
            .await;
        assert_eq!(
            bells, 3,
            "the county's, the town's and 甲村's administrators, once each"
        );

        let county_report = report_id(&app, app.ids.county).await;
        let page = county.get(&format!("/reports/{county_report}")).await;
        assert_eq!(page.status, 200);
        assert!(page.contains("测试县委2026年3月党建工作月度通报"));
        assert!(page.contains("丙村党支部") && page.contains("长期未开展组织生活"));
        assert!(page.contains("到会率不达标") && page.contains("申诉未采纳"));
        assert!(
            !page.contains("照片疑似重复使用"),
            "an explained finding is not named"
        );
        let (status, pdf) = county
            .get_bytes(&format!("/reports/{county_report}/pdf"))
            .await;
        assert_eq!(status, 200);
        let text = crate::support::pdf_text(&app, &pdf);
        for name in [
            "测试县委2026年3月党建工作月度通报",
            "甲村党支部",
            "丙村党支部",
            "东湖镇党委",
            "西山乡党委",
        ] {
            assert!(text.contains(name), "{name} in {text}");
        }
        let (status, book) = county
            .get_bytes(&format!("/reports/{county_report}/xlsx"))
            .await;
        assert_eq!(status, 200);
        let first = dangjian::spreadsheet::read_rows(&book).unwrap();
        assert_eq!(first[0].cell(0), "测试县委2026年3月党建工作月度通报");

        // A town reads its own report and the county's, not the other town's.
        let listed = town.get("/reports").await;
        assert!(listed.contains("东湖镇党委") && listed.contains("测试县委"));
        assert!(!listed.contains("西山乡党委"));
        let other = report_id(&app, app.ids.town2).await;
        assert_eq!(town.get(&format!("/reports/{other}")).await.status, 404);
        assert_eq!(
            town.get_bytes(&format!("/reports/{other}/pdf")).await.0,
            404
        );
        let own = report_id(&app, app.ids.town).await;
        let own_page = secretary.get(&format!("/reports/{own}")).await;
        assert!(
            own_page.contains("甲村党支部"),
            "published down to the branch"
        );

        // Generated again on the same records: the same reports.
        let kept: Vec<(String, i64)> =
            sqlx::query_as("SELECT digest, generated_at FROM monthly_reports ORDER BY id")
                .fetch_all(app.db.pool())
                .await
                .unwrap();
        assert_eq!(
            town.post("/reports/generate", &[("month", "2026-03")])
                .await
                .status,
            404
        );
        let same = county
            .post("/reports/generate", &[("month", "2026-03")])
            .await;
        assert_eq!(same.status, 303);
        let again: Vec<(String, i64)> =
            sqlx::query_as("SELECT digest, generated_at FROM monthly_reports ORDER BY id")
                .fetch_all(app.db.pool())
                .await
                .unwrap();
        assert_eq!(kept, again);
        // A month not yet over is refused at its field.
        let future = county
            .post("/reports/generate", &[("month", "2999-01")])
            .await;
        assert_eq!(future.status, 422);
        assert!(future.contains("month-error"));
        // The records change (丙村's silence explained): the reports above it change.
        let silent = finding_id(&app, app.ids.branch_c, "silent").await;
        sqlx::query("UPDATE findings SET status = 'explained' WHERE id = $1")
            .bind(silent)
            .execute(app.db.pool())
            .await
            .unwrap();
        county
            .post("/reports/generate", &[("month", "2026-03")])
            .await;
        let changed: Vec<(String, i64)> =
            sqlx::query_as("SELECT digest, generated_at FROM monthly_reports ORDER BY id")
                .fetch_all(app.db.pool())
                .await
                .unwrap();
        let differ = kept
            .iter()
            .zip(&changed)
            .filter(|(a, b)| a.0 != b.0)
            .count();
        assert_eq!(differ, 2, "the county's and 西山乡's, not 东湖镇's");
        assert!(
            app.count("SELECT COUNT(*) FROM notifications WHERE title = '2026年3月月度通报已更新'")
                .await
                >= 1
        );
    }
);

/// The number a page shows at `id="…"` (its text up to the next tag).
fn figure(page: &Page, id: &str) -> i64 {
    let marker = format!("id=\"{id}\">");
    let at = page
        .body
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {}", page.body))
        + marker.len();
    page.body[at..]
        .split('<')
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

both!(
    every_page_counts_the_same_problems_as_the_report,
    |app: TestApp| async move {
        the_county(&app).await;
        dangjian::supervision::scan(&app.db, None, scan_day())
            .await
            .unwrap();
        // One of 甲村's findings explained: it counts nowhere.
        let secretary = app.login(phone::SECRETARY_A).await;
        let photo = finding_id(&app, app.ids.branch_a, "photo_reused").await;
        secretary
            .post_multipart(
                &format!("/findings/{photo}/appeal"),
                &[("note", "同一次活动的两张照片")],
                vec![],
            )
            .await;
        let town = app.login(phone::TOWN_ADMIN).await;
        town.post(
            &format!("/findings/{photo}/decide"),
            &[("decision", "accept"), ("note", "")],
        )
        .await;
        assert!(
            dangjian::jobs::monthly_report(&app.db, at("2026-04-01", 1))
                .await
                .unwrap()
        );
        let (content,): (String,) = sqlx::query_as(
            "SELECT content FROM monthly_reports WHERE org_id = $1 AND month = '2026-03-01'",
        )
        .bind(app.ids.county)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
        let report: dangjian::domain::report::ReportContent =
            serde_json::from_str(&content).unwrap();
        let named = report.sections[3].rows.len() as i64;
        assert!(named > 0);
        assert!(
            report.summary[1].contains(&format!("发现问题{named}条")),
            "{:?}",
            report.summary
        );
        assert_eq!(report.summary[2], dangjian::domain::report::COUNTING_RULE);
        let county = app.login(phone::COUNTY_ADMIN).await;
        // Section 三's 问题数 of each town is its subtree's, and the findings list of that
        // town and month, and its 分级分档, say the same.
        let mut towns = 0;
        for row in &report.sections[2].rows {
            let n: i64 = row[4].parse().unwrap();
            let id = if row[0] == "东湖镇党委" {
                app.ids.town
            } else {
                app.ids.town2
            };
            let listed = county
                .get(&format!("/findings?org={id}&month=2026-03"))
                .await;
            assert_eq!(figure(&listed, "findings-total"), n, "{}", row[0]);
            assert!(listed.contains(dangjian::domain::report::COUNTING_RULE));
            let (detail,): (String,) = sqlx::query_as(
                "SELECT detail FROM org_tiers WHERE org_id = $1 AND month = '2026-03-01'",
            )
            .bind(id)
            .fetch_one(app.db.pool())
            .await
            .unwrap();
            let score: dangjian::domain::supervision::Score =
                serde_json::from_str(&detail).unwrap();
            assert_eq!(score.problems, n, "{}'s 分级分档", row[0]);
            towns += n;
        }
        assert_eq!(towns, named, "the towns' 问题数 add up to section 四");
        let tiers = county
            .get(&format!("/tiers?org={}&month=2026-03", app.ids.county))
            .await;
        assert!(tiers.contains(&format!(
            "href=\"/findings?org={}&month=2026-03\" class=\"problems\">",
            app.ids.town
        )));
        let all = county
            .get(&format!("/findings?org={}&month=2026-03", app.ids.county))
            .await;
        assert_eq!(figure(&all, "findings-total"), named);

        // What is open now: the dashboard's warning, the 大屏 and the findings list agree.
        let open = figure(
            &county
                .get(&format!("/findings?org={}", app.ids.county))
                .await,
            "findings-total",
        );
        let wall = county
            .get(&format!("/dashboard/wall?org={}", app.ids.county))
            .await;
        assert_eq!(figure(&wall, "wall-open-findings"), open);
        let board = county
            .get(&format!("/dashboard?org={}", app.ids.county))
            .await;
        assert!(
            board.contains(&format!("title=\"{open}个待处理问题\"")),
            "the total row's warning: {open}"
        );
        // The branch's home lists what it has to answer: its own open findings.
        let home = secretary.get("/").await;
        let own = figure(
            &secretary
                .get(&format!("/findings?org={}", app.ids.branch_a))
                .await,
            "findings-total",
        );
        assert!(own > 0);
        assert!(
            home.contains(&format!(
                "<strong>{own}</strong> 条电子监察问题待整改或申诉"
            )),
            "{}",
            home.body
        );
    }
);
