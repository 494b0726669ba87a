use crate::both;
use crate::support::{TestApp, phone};
use dangjian::domain::orglife::{Frequency, MeetingKind, Requirement, Standard};
use dangjian::store::{meetings, orgs};

/// A meeting of branch A (or another org) from `start` for two hours, planned directly.
async fn meeting(app: &TestApp, org_id: i64, kind: MeetingKind, start: i64) -> i64 {
    let org = orgs::get(&app.db, org_id).await.unwrap();
    let mut tx = app.db.begin().await.unwrap();
    let id = meetings::create(
        tx.conn(),
        &meetings::NewMeeting {
            org_id,
            org_path: org.path.clone(),
            party_group: false,
            kind,
            topic: "学习贯彻党的二十大精神".into(),
            starts_at: start,
            ends_at: start + 7200,
            place: "村委会会议室".into(),
            point_e6: None,
            host_member_id: None,
            recorder_member_id: None,
            agenda: vec!["传达文件".into(), "交流发言".into()],
            created_by: 1,
        },
        start,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

fn now() -> i64 {
    dangjian::domain::clock::now_epoch()
}

fn href_of(body: &str, id: &str) -> String {
    let at = body.find(&format!("id=\"{id}\" href=\"")).expect(id) + id.len() + 12;
    body[at..]
        .split('"')
        .next()
        .unwrap()
        .replace("&#x2f;", "/")
        .replace("&#x3d;", "=")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

fn path_of(url: &str) -> String {
    let rest = url
        .split_once("//")
        .unwrap_or_else(|| panic!("not a URL: {url}"))
        .1;
    format!("/{}", rest.split_once('/').unwrap().1)
}

both!(
    a_member_scans_the_code_and_is_counted_once,
    |app: TestApp| async move {
        let id = meeting(
            &app,
            app.ids.branch_a,
            MeetingKind::BranchGeneral,
            now() - 600,
        )
        .await;
        let secretary = app.login(phone::SECRETARY_A).await;
        let qr = secretary.get(&format!("/meetings/{id}/qr")).await;
        assert_eq!(qr.status, 200);
        assert!(qr.contains("<svg"));
        assert!(qr.contains("应到 <strong>3</strong> 人"));
        let href = href_of(&qr.body, "checkin-url");
        let url = path_of(&href);
        assert!(url.starts_with(&format!("/checkin/{id}?t=")));

        // Not signed in: the scan leads to the login page and back.
        let anon = app.client();
        let to_login = anon.get(&url).await;
        assert!(to_login.location.starts_with("/login?next=%2Fcheckin"));

        let member = app.login(phone::MEMBER_A).await;
        let page = member.get(&url).await;
        assert!(page.contains("确认签到"));
        let token = url.split("t=").nth(1).unwrap().to_string();
        let done = member
            .post(&format!("/checkin/{id}"), &[("t", &token)])
            .await;
        assert_eq!(done.status, 200);
        assert!(done.contains("签到成功"));
        let again = member
            .post(&format!("/checkin/{id}"), &[("t", &token)])
            .await;
        assert!(again.contains("已签到"));
        assert_eq!(app.count("SELECT COUNT(*) FROM checkins").await, 1);
        // Attending earns the meeting points once (plus today's login point).
        let points = dangjian::store::points::totals(&app.db, app.ids.member_a)
            .await
            .unwrap();
        assert_eq!(points.lifetime, 6);

        // Another branch's member: refused with a message, audited, nothing recorded.
        let other = app.login(phone::MEMBER_B).await;
        let refused = other
            .post(&format!("/checkin/{id}"), &[("t", &token)])
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.contains("您不是本次会议的应到人员"));
        // A forged token and an expired one.
        let forged = other.get(&format!("/checkin/{id}?t=123.abcdef")).await;
        assert!(forged.contains("签到二维码无效"));
        let old_window = dangjian::domain::checkin::window(now()) - 10;
        let token = dangjian::domain::checkin::token(&app.keys, id, old_window);
        let expired = other
            .post(&format!("/checkin/{id}"), &[("t", &token)])
            .await;
        assert!(expired.contains("已过期"), "{}", expired.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM checkins").await, 1);
        assert!(
            app.count(
                "SELECT COUNT(*) FROM audit_log WHERE action = '扫码签到' AND result = '失败'"
            )
            .await
                >= 3
        );

        // Manual check-in for a member without a phone, recorded as such.
        let town_admin_member = app
            .count("SELECT id FROM members WHERE name = '赵镇'")
            .await
            .to_string();
        let manual = secretary
            .post(
                &format!("/meetings/{id}/manual-checkin"),
                &[("member", &town_admin_member)],
            )
            .await;
        assert_eq!(manual.status, 303);
        let show = secretary.get(&format!("/meetings/{id}")).await;
        assert!(show.contains("代签到") && show.contains("李书记代签"));
        assert!(show.contains("<strong id=\"present\">2</strong>"));
        // A member of another branch cannot be checked in by hand either.
        let b = app.ids.member_b.to_string();
        assert_eq!(
            secretary
                .post(&format!("/meetings/{id}/manual-checkin"), &[("member", &b)])
                .await
                .status,
            404
        );
    }
);

both!(
    fifty_concurrent_check_ins_make_one,
    |app: TestApp| async move {
        let id = meeting(&app, app.ids.branch_a, MeetingKind::ThemeDay, now() - 600).await;
        let member = std::sync::Arc::new(app.login(phone::MEMBER_A).await);
        let w = dangjian::domain::checkin::window(now());
        let token = dangjian::domain::checkin::token(&app.keys, id, w);
        let mut handles = Vec::new();
        for _ in 0..50 {
            let m = member.clone();
            let t = token.clone();
            handles.push(tokio::spawn(async move {
                m.post(&format!("/checkin/{id}"), &[("t", &t)]).await.status
            }));
        }
        let mut statuses = Vec::new();
        for h in handles {
            statuses.push(h.await.unwrap());
        }
        // An account's ten tries a minute race through; the rest are told to wait.
        let through = statuses.iter().filter(|s| **s == 200).count();
        let told_to_wait = statuses.iter().filter(|s| **s == 429).count();
        assert_eq!((through, told_to_wait), (10, 40), "{statuses:?}");
        assert_eq!(app.count("SELECT COUNT(*) FROM checkins").await, 1);
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM audit_log WHERE action = '扫码签到' AND result = '成功'"
            )
            .await,
            1
        );
    }
);

both!(
    meetings_are_seen_by_their_branch_and_superiors_only,
    |app: TestApp| async move {
        let id = meeting(
            &app,
            app.ids.branch_a,
            MeetingKind::BranchCommittee,
            now() + 86_400,
        )
        .await;
        let b = app.login(phone::MEMBER_B).await;
        assert_eq!(b.get(&format!("/meetings/{id}")).await.status, 404);
        assert_eq!(
            b.get(&format!("/orgs/{}/grid", app.ids.branch_a))
                .await
                .status,
            404
        );
        assert_eq!(
            b.get(&format!("/orgs/{}/meetings", app.ids.branch_a))
                .await
                .status,
            404
        );
        let a = app.login(phone::MEMBER_A).await;
        assert_eq!(a.get(&format!("/meetings/{id}")).await.status, 200);
        assert_eq!(
            a.get(&format!("/orgs/{}/grid", app.ids.branch_a))
                .await
                .status,
            200
        );
        assert_eq!(a.get(&format!("/meetings/{id}/qr")).await.status, 403);
        // Upcoming on the member's page, with a leave request.
        let home = a.get("/orglife").await;
        assert!(home.contains("学习贯彻党的二十大精神"));
        assert_eq!(
            a.post(&format!("/meetings/{id}/leave"), &[("reason", "外出务工")])
                .await
                .status,
            303
        );
        assert!(a.get("/orglife").await.contains("请假待批"));
        let leave = app.count("SELECT id FROM leave_requests").await.to_string();
        let sec = app.login(phone::SECRETARY_A).await;
        let other_sec_try = b
            .post(
                &format!("/meetings/{id}/leave-decision"),
                &[("leave", &leave), ("decision", "approve")],
            )
            .await;
        assert_eq!(other_sec_try.status, 403);
        assert_eq!(
            sec.post(
                &format!("/meetings/{id}/leave-decision"),
                &[("leave", &leave), ("decision", "approve")]
            )
            .await
            .status,
            303
        );
        let page = sec.get(&format!("/meetings/{id}")).await;
        assert!(page.contains("已准假") && page.contains("外出务工"));
        // The town sees it; the neighbouring town does not exist for them.
        let town = app.login(phone::TOWN_ADMIN).await;
        assert_eq!(town.get(&format!("/meetings/{id}")).await.status, 200);
        let grid = town.get(&format!("/orgs/{}/grid", app.ids.town)).await;
        assert!(
            grid.contains("甲村党支部")
                && grid.contains("乙村党支部")
                && !grid.contains("丙村党支部")
        );
        // The private calendar feed.
        let cal_token = dangjian::domain::checkin::calendar_token(&app.keys, app.ids.member_a, 0);
        let feed = app
            .client()
            .get(&format!("/calendar/{cal_token}.ics"))
            .await;
        assert!(feed.contains("BEGIN:VEVENT") && feed.contains("学习贯彻党的二十大精神"));
        assert_eq!(
            app.client()
                .get(&format!("/calendar/{}-00.ics", app.ids.member_a))
                .await
                .status,
            404
        );
    }
);

both!(
    planning_form_checks_every_field,
    |app: TestApp| async move {
        let sec = app.login(phone::SECRETARY_A).await;
        let path = format!("/orgs/{}/meetings/new", app.ids.branch_a);
        let bad = sec
            .post(
                &path,
                &[
                    ("kind", "gb_general"),
                    ("topic", ""),
                    ("date", "2030-02-30"),
                    ("start", "25:00"),
                    ("end", "11:00"),
                    ("place", "会议室"),
                    ("lat", "38.4"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422);
        for msg in [
            "请选择会议类型",
            "此项必填",
            "请填写日期",
            "请填写开始时间",
            "请同时填写有效的纬度和经度",
        ] {
            assert!(bad.contains(msg), "{msg}");
        }
        assert_eq!(app.count("SELECT COUNT(*) FROM meetings").await, 0);
        // Across midnight: 23:00 to 01:00 ends the next day.
        let ok = sec
            .post(
                &path,
                &[
                    ("kind", "theme_day"),
                    ("topic", "夜间防汛主题党日"),
                    ("date", "2030-03-31"),
                    ("start", "23:00"),
                    ("end", "01:00"),
                    ("place", "河堤"),
                    ("agenda", "布置任务\n分组巡查"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let (starts, ends): (i64, i64) = sqlx::query_as("SELECT starts_at, ends_at FROM meetings")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert_eq!(ends - starts, 7200);
        assert_eq!(
            dangjian::domain::clock::format_minute(ends),
            "2030-04-01 01:00"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM meeting_attendees").await, 3);
        // Copying the last one brings its topic, place and agenda.
        let copy = sec.get(&format!("{path}?copy=theme_day")).await;
        assert!(
            copy.contains("夜间防汛主题党日")
                && copy.contains("分组巡查")
                && copy.contains("value=\"23:00\"")
        );
        // Another branch's secretary path: not found.
        assert_eq!(
            sec.get(&format!("/orgs/{}/meetings/new", app.ids.branch_b))
                .await
                .status,
            404
        );
    }
);

both!(
    closing_to_standard_turns_the_cell_red_and_awards_badges_once,
    |app: TestApp| async move {
        let start = now() - 3 * 3600;
        let id = meeting(&app, app.ids.branch_a, MeetingKind::BranchCommittee, start).await;
        let sec = app.login(phone::SECRETARY_A).await;
        for m in ["张甲", "李书记", "赵镇"] {
            let member = app
                .count(&format!("SELECT id FROM members WHERE name = '{m}'"))
                .await
                .to_string();
            sec.post(
                &format!("/meetings/{id}/manual-checkin"),
                &[("member", &member)],
            )
            .await;
        }
        sec.post(
            &format!("/meetings/{id}/minutes"),
            &[("minutes", "一、传达文件精神。\n二、讨论本月工作。")],
        )
        .await;
        // Without a photo the default standard is not met: yellow, and it says why.
        assert_eq!(
            sec.post(&format!("/meetings/{id}/close"), &[]).await.status,
            303
        );
        let grid = sec.get(&format!("/orgs/{}/grid", app.ids.branch_a)).await;
        assert!(grid.contains("cell yellow") && grid.contains("缺少现场照片"));
        assert_eq!(app.count("SELECT COUNT(*) FROM badges").await, 0);
        // The county drops the photo requirement from this period on.
        let county = orgs::get(&app.db, app.ids.county).await.unwrap();
        let from = Frequency::Monthly
            .period_of(dangjian::domain::clock::local_date(start))
            .start;
        let mut tx = app.db.begin().await.unwrap();
        let req = Requirement {
            kind: MeetingKind::BranchCommittee,
            frequency: Frequency::Monthly,
            min_count: 1,
            standard: Standard {
                minutes: true,
                photos: 0,
                attendance_pct: 80,
            },
        };
        dangjian::store::requirements::add(tx.conn(), county.id, &req, true, from, 1, now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        sec.post(&format!("/meetings/{id}/reopen"), &[]).await;
        sec.post(&format!("/meetings/{id}/close"), &[]).await;
        let grid = sec.get(&format!("/orgs/{}/grid", app.ids.branch_a)).await;
        assert!(grid.contains("cell red"));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM badges WHERE holder_kind = 'org'")
                .await,
            1
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM badges WHERE holder_kind = 'member'")
                .await,
            3
        );
        // Reopening and closing again awards nothing twice; the correction is audited.
        sec.post(&format!("/meetings/{id}/reopen"), &[]).await;
        sec.post(
            &format!("/meetings/{id}/minutes"),
            &[("minutes", "更正后的记录")],
        )
        .await;
        sec.post(&format!("/meetings/{id}/close"), &[]).await;
        assert_eq!(app.count("SELECT COUNT(*) FROM badges").await, 4);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = '重新打开会议记录'")
                .await,
            2
        );
        let profile = app
            .login(phone::MEMBER_A)
            .await
            .get(&format!("/members/{}", app.ids.member_a))
            .await;
        assert!(profile.contains("支部委员会") && profile.contains("党建徽章"));
        // The town's grid counts branch A's red cell.
        let town = app.login(phone::TOWN_ADMIN).await;
        assert!(
            town.get(&format!("/orgs/{}/grid", app.ids.town))
                .await
                .contains("甲村党支部")
        );
    }
);

both!(reminders_go_out_once_each, |app: TestApp| async move {
    let t = now();
    meeting(
        &app,
        app.ids.branch_a,
        MeetingKind::PartyLecture,
        t + 20 * 3600,
    )
    .await;
    let old = meeting(
        &app,
        app.ids.branch_a,
        MeetingKind::BranchGeneral,
        t - 5 * 86_400,
    )
    .await;
    dangjian::jobs::remind(&app.db, t).await.unwrap();
    dangjian::jobs::remind(&app.db, t).await.unwrap();
    // Three attendees told of tomorrow's lecture; the secretary and the town of the unfiled record.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notifications WHERE dedupe_key LIKE 'soon:%'")
            .await,
        3
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM notifications WHERE dedupe_key = 'unclosed:{old}'"
        ))
        .await,
        2
    );
    let member = app.login(phone::MEMBER_A).await;
    let home = member.get("/").await;
    assert!(home.contains("id=\"unread\">1<"), "the bell shows one");
    let list = member.get("/notifications").await;
    assert!(list.contains("会议提醒：党课"));
    member.post("/notifications/read", &[]).await;
    assert!(!member.get("/").await.contains("id=\"unread\""));
    // Seven days before a month ends, a branch with no 支部委员会 hears of it.
    let late_january = time::macros::datetime!(2031-01-27 12:00 +08:00).unix_timestamp();
    dangjian::jobs::remind(&app.db, late_january).await.unwrap();
    let secretary_user = app
        .count("SELECT id FROM users WHERE phone_mask = '137****0002'")
        .await;
    let grey = app
        .count(&format!("SELECT COUNT(*) FROM notifications WHERE user_id = {secretary_user} AND dedupe_key LIKE 'grey:%:branch_committee:2031-01-01'"))
        .await;
    assert_eq!(grey, 1);
    let sec = app.login(phone::SECRETARY_A).await;
    assert!(
        sec.get("/notifications")
            .await
            .contains("2031年1月的支部委员会尚未开展")
    );
});

both!(
    requirement_changes_apply_from_the_next_period,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        let path = format!("/orgs/{}/requirements", app.ids.county);
        let page = county.get(&path).await;
        assert!(page.contains("支部委员会") && page.contains("每月至少1次"));
        let bad = county
            .post(
                &path,
                &[
                    ("kind", "branch_committee"),
                    ("frequency", "quarterly"),
                    ("min_count", "0"),
                    ("min_photos", "1"),
                    ("attendance_pct", "80"),
                    ("enabled", "1"),
                ],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("次数应为1到10之间的整数"));
        let ok = county
            .post(
                &path,
                &[
                    ("kind", "branch_committee"),
                    ("frequency", "quarterly"),
                    ("min_count", "2"),
                    ("min_photos", "2"),
                    ("attendance_pct", "90"),
                    ("need_minutes", "1"),
                    ("enabled", "1"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303);
        let today = dangjian::domain::clock::local_date(now());
        let from = Frequency::Quarterly.next_start(today);
        let (stored,): (String,) = sqlx::query_as("SELECT effective_from FROM requirement_rules")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        assert_eq!(stored, dangjian::domain::clock::format_date(from));
        let page = county.get(&path).await;
        assert!(
            page.contains("现行：每月至少1次"),
            "the current period keeps its rule"
        );
        assert!(page.contains("每季度至少2次"));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = '修改组织生活要求'")
                .await,
            1
        );
        // A branch secretary does not set requirements; a town administrator does, for the town.
        let sec = app.login(phone::SECRETARY_A).await;
        assert_eq!(sec.get(&path).await.status, 404);
        assert_eq!(
            sec.get(&format!("/orgs/{}/requirements", app.ids.branch_a))
                .await
                .status,
            404
        );
        let town = app.login(phone::TOWN_ADMIN).await;
        assert_eq!(
            town.get(&format!("/orgs/{}/requirements", app.ids.town))
                .await
                .status,
            200
        );
        assert_eq!(town.get(&path).await.status, 404);
    }
);

both!(
    the_county_geofence_keeps_check_ins_at_the_venue,
    |app: TestApp| async move {
        let id = meeting(&app, app.ids.branch_a, MeetingKind::ThemeDay, now() - 600).await;
        sqlx::query("UPDATE meetings SET lat_e6 = 38446900, lng_e6 = 116089300")
            .execute(app.db.pool())
            .await
            .unwrap();
        let county = app.login(phone::COUNTY_ADMIN).await;
        let bad = county
            .post(
                &format!("/orgs/{}/geofence", app.ids.county),
                &[("radius", "-5")],
            )
            .await;
        assert!(bad.contains("签到范围应为0到5000之间的整数"));
        assert_eq!(
            county
                .post(
                    &format!("/orgs/{}/geofence", app.ids.town),
                    &[("radius", "200")]
                )
                .await
                .status,
            404
        );
        assert_eq!(
            county
                .post(
                    &format!("/orgs/{}/geofence", app.ids.county),
                    &[("radius", "200")]
                )
                .await
                .status,
            303
        );
        let member = app.login(phone::MEMBER_A).await;
        let w = dangjian::domain::checkin::window(now());
        let t = dangjian::domain::checkin::token(&app.keys, id, w);
        assert!(
            member
                .get(&format!("/checkin/{id}?t={t}"))
                .await
                .contains("data-geofence=\"1\"")
        );
        let no_position = member.post(&format!("/checkin/{id}"), &[("t", &t)]).await;
        assert!(no_position.contains("请允许浏览器获取您的位置"));
        // About 1.1 km north of the venue.
        let far = member
            .post(
                &format!("/checkin/{id}"),
                &[("t", &t), ("lat", "38.456900"), ("lng", "116.089300")],
            )
            .await;
        assert!(far.contains("超出签到范围（200米）"), "{}", far.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM checkins").await, 0);
        let near = member
            .post(
                &format!("/checkin/{id}"),
                &[("t", &t), ("lat", "38.447300"), ("lng", "116.089300")],
            )
            .await;
        assert!(near.contains("签到成功"));
        assert_eq!(app.count("SELECT distance_m FROM checkins").await, 44);
    }
);

both!(
    home_and_grids_show_what_matters,
    |app: TestApp| async move {
        meeting(
            &app,
            app.ids.branch_a,
            MeetingKind::ThemeDay,
            now() + 3 * 86_400,
        )
        .await;
        let a = app.login(phone::MEMBER_A).await;
        let home = a.get("/").await;
        assert!(
            home.contains("id=\"next-meeting\"")
                && home.contains("主题党日：学习贯彻党的二十大精神")
        );
        // The branch grid includes its party group's 党小组会.
        let grid = a.get(&format!("/orgs/{}/grid", app.ids.branch_a)).await;
        assert!(grid.contains("第一党小组·党小组会（每月）"));
        assert!(grid.contains("支部委员会（每月）"));
        // The party group's own grid.
        let sec = app.login(phone::SECRETARY_A).await;
        assert!(
            sec.get(&format!("/orgs/{}/grid", app.ids.group_a))
                .await
                .contains("党小组会（每月）")
        );
        // The county: one row per town with percentages per colour, each leading down to
        // one row per branch.
        let county = app.login(phone::COUNTY_ADMIN).await;
        let all = county.get(&format!("/orgs/{}/grid", app.ids.county)).await;
        for t in ["东湖镇党委", "西山乡党委"] {
            assert!(all.contains(t), "{t}");
        }
        assert!(
            !all.contains("甲村党支部"),
            "never one flat list of every branch"
        );
        assert!(all.contains("（0%）") || all.contains("（100%）"));
        let town = county.get(&format!("/orgs/{}/grid", app.ids.town)).await;
        for b in ["甲村党支部", "乙村党支部"] {
            assert!(town.contains(b), "{b}");
        }
        // Another year is a link away.
        assert_eq!(
            county
                .get(&format!("/orgs/{}/grid?year=2025", app.ids.county))
                .await
                .status,
            200
        );
    }
);

both!(
    a_committee_meeting_expects_the_committee_and_everyone_expected_hears_of_a_plan_and_a_move,
    |app: TestApp| async move {
        // 张甲 holds no post: a 支委会 is the secretary's and the 宣传委员's.
        sqlx::query("UPDATE members SET posts = '' WHERE id = $1")
            .bind(app.ids.member_a)
            .execute(app.db.pool())
            .await
            .unwrap();
        let sec = app.login(phone::SECRETARY_A).await;
        let path = format!("/orgs/{}/meetings/new", app.ids.branch_a);
        let plan = |kind: &'static str, host: String| {
            let sec = &sec;
            let path = path.clone();
            async move {
                sec.post(
                    &path,
                    &[
                        ("kind", kind),
                        ("topic", "研究秋收工作"),
                        ("date", "2030-09-10"),
                        ("start", "09:00"),
                        ("end", "10:30"),
                        ("place", "村委会议室"),
                        ("host", &host),
                    ],
                )
                .await
            }
        };
        let stranger = plan("branch_committee", app.ids.member_a.to_string()).await;
        assert_eq!(stranger.status, 422);
        assert!(stranger.contains("请从支部委员中选择"), "{}", stranger.body);
        assert_eq!(app.count("SELECT COUNT(*) FROM meetings").await, 0);
        let planned = plan("branch_committee", String::new()).await;
        assert_eq!(planned.status, 303, "{}", planned.body);
        let id = app.count("SELECT MAX(id) FROM meetings").await;
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM meeting_attendees WHERE meeting_id = {id}"
            ))
            .await,
            2,
            "the committee, not the whole branch"
        );
        let told = format!("SELECT COUNT(*) FROM notifications WHERE link = '/meetings/{id}'");
        assert_eq!(
            app.count(&told).await,
            2,
            "each expected attendee told once"
        );
        let general = plan("branch_general", app.ids.member_a.to_string()).await;
        assert_eq!(general.status, 303, "anyone hosts a 党员大会");

        // Moved: everyone expected hears of it; the one who opens the meeting has read it.
        let moved = sec
            .post(
                &format!("/meetings/{id}/reschedule"),
                &[
                    ("date", "2030-09-11"),
                    ("start", "14:30"),
                    ("end", "16:00"),
                    ("place", "党群服务中心"),
                ],
            )
            .await;
        assert_eq!(moved.status, 303);
        assert!(
            sec.get(&moved.location)
                .await
                .contains("已改期，已通知2名应到人员")
        );
        let (starts, place): (i64, String) =
            sqlx::query_as("SELECT starts_at, place FROM meetings WHERE id = $1")
                .bind(id)
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        assert_eq!(
            dangjian::domain::clock::format_minute(starts),
            "2030-09-11 14:30"
        );
        assert_eq!(place, "党群服务中心");
        let moves = "SELECT COUNT(*) FROM notifications WHERE title LIKE '会议改期%'";
        assert_eq!(app.count(moves).await, 2);
        let town = app.login(phone::TOWN_ADMIN).await;
        let unread = |user: &'static str| {
            format!(
                "SELECT COUNT(*) FROM notifications n JOIN users u ON u.id = n.user_id \
                 WHERE u.name = '{user}' AND n.read_at IS NULL AND n.link = '/meetings/{id}'"
            )
        };
        assert_eq!(app.count(&unread("赵镇")).await, 2);
        town.get(&format!("/meetings/{id}")).await;
        assert_eq!(app.count(&unread("赵镇")).await, 0, "opening it read both");
        // A meeting under way is not moved.
        sqlx::query("UPDATE meetings SET starts_at = $1 WHERE id = $2")
            .bind(now() - 60)
            .bind(id)
            .execute(app.db.pool())
            .await
            .unwrap();
        let late = sec
            .post(
                &format!("/meetings/{id}/reschedule"),
                &[
                    ("date", "2030-09-12"),
                    ("start", "14:30"),
                    ("end", "16:00"),
                    ("place", "党群服务中心"),
                ],
            )
            .await;
        assert!(sec.get(&late.location).await.contains("会议已经开始"));
        assert_eq!(app.count(moves).await, 2);
    }
);

both!(
    a_member_renews_a_leaked_calendar_address_and_a_closed_account_ends_it,
    |app: TestApp| async move {
        let a = app.login(phone::MEMBER_A).await;
        let feed_of = |page: &str| -> String {
            let at = page.find("id=\"calendar\"").expect("the calendar link");
            let before = &page[..at];
            let href = before.rsplit("href=\"").next().unwrap();
            href.split('"').next().unwrap().to_string()
        };
        let first = feed_of(&a.get("/orglife").await.body);
        let anyone = app.client();
        assert_eq!(anyone.get(&first).await.status, 200);
        assert!(anyone.get(&first).await.contains("BEGIN:VCALENDAR"));
        // Leaked: renewed, the old address stops at once, the new one works.
        assert_eq!(a.post("/orglife/calendar", &[]).await.status, 303);
        let second = feed_of(&a.get("/orglife").await.body);
        assert_ne!(first, second);
        assert_eq!(anyone.get(&first).await.status, 404);
        assert_eq!(anyone.get(&second).await.status, 200);
        // A signature for a version that is not the current one is no address either.
        let ahead = dangjian::domain::checkin::calendar_token(&app.keys, app.ids.member_a, 2);
        assert_eq!(
            anyone.get(&format!("/calendar/{ahead}.ics")).await.status,
            404
        );
        // The account is closed by the system administrator: the address ends with it.
        let account = app
            .count(&format!(
                "SELECT id FROM users WHERE member_id = {}",
                app.ids.member_a
            ))
            .await;
        let system = app.login(phone::SYSTEM).await;
        assert_eq!(
            system
                .post(&format!("/admin/accounts/{account}/disable"), &[])
                .await
                .status,
            303
        );
        assert_eq!(anyone.get(&second).await.status, 404);
    }
);
