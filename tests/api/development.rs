//! 发展党员: a branch registers an applicant and takes them through the twenty-five steps to
//! full membership, each time rule refusing a step recorded too early (the path is dated
//! three years back, so the clock the rules read has moved on past each window); the
//! committee above records its own steps; the roster takes the new member in; the boards,
//! the 数据看板 and the 台账 agree; the applicant writes 思想汇报 and their contact comments.
use crate::both;
use crate::support::{Client, TestApp, id_number, phone};
use dangjian::domain::clock::{add_months, format_date, local_date, now_epoch};
use time::{Date, Duration};

/// A scanned page as a PDF (the kind check reads its first bytes).
fn scan() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".to_vec()
}

fn day(d: Date) -> String {
    format_date(d)
}

/// Registers 周申 in the branch and returns their page's address.
async fn register(c: &Client, branch: i64, name: &str, seq: u32, phone_no: &str) -> String {
    let birth = "1998-03-15";
    let id = id_number(birth, seq);
    let res = c
        .post(
            &format!("/orgs/{branch}/development/new"),
            &[
                ("name", name),
                ("gender", if seq % 2 == 1 { "male" } else { "female" }),
                ("ethnicity", "汉族"),
                ("id_number", &id),
                ("phone", phone_no),
                ("education", "bachelor"),
                ("category", "farmer"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    res.location
}

/// Records a step; returns the response.
async fn step(
    c: &Client,
    person: &str,
    number: u8,
    on: Date,
    fields: &[(&str, &str)],
    document: bool,
) -> crate::support::Page {
    let n = number.to_string();
    let on = day(on);
    let mut all = vec![("step", n.as_str()), ("done_on", on.as_str())];
    all.extend_from_slice(fields);
    let files = if document {
        vec![("document", "扫描件.pdf", scan())]
    } else {
        vec![]
    };
    c.post_multipart(&format!("{person}/steps"), &all, files)
        .await
}

async fn done(c: &Client, person: &str, number: u8, on: Date, fields: &[(&str, &str)]) {
    let res = step(c, person, number, on, fields, matches!(number, 1 | 14)).await;
    assert_eq!(res.status, 303, "step {number} on {on}: {}", res.body);
}

fn refused(res: &crate::support::Page, field: &str, says: &str) {
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(
        res.contains(&format!("id=\"{field}-error\"")) && res.contains(says),
        "expected “{says}” at {field}: {}",
        res.body
    );
}

both!(
    a_person_is_taken_from_application_to_full_membership,
    |app: TestApp| async move {
        let ids = &app.ids;
        let secretary = app.login(phone::SECRETARY_A).await;
        let town = app.login(phone::TOWN_ADMIN).await;
        let county = app.login(phone::COUNTY_ADMIN).await;
        let today = local_date(now_epoch());
        let start = add_months(today, -36);

        // A wrong ID number is refused at its field, and no one is registered.
        let bad = secretary
            .post(
                &format!("/orgs/{}/development/new", ids.branch_a),
                &[("name", "周申"), ("gender", "male"), ("id_number", "123")],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("id=\"id_number-error\""), "{}", bad.body);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM development_people").await,
            0
        );
        let p = register(&secretary, ids.branch_a, "周申", 21, "13911112222").await;
        let page = secretary.get(&p).await;
        assert!(page.contains("第1步 递交入党申请书") && page.contains("入党申请人"));

        // Step 1 needs the application itself; then the talk within a month.
        let bare = step(&secretary, &p, 1, start, &[], false).await;
        refused(&bare, "document", "请上传入党申请书");
        done(&secretary, &p, 1, start, &[]).await;
        let skipped = step(&secretary, &p, 3, start, &[], false).await;
        refused(&skipped, "done_on", "下一步是第2步");
        done(&secretary, &p, 2, start + Duration::days(20), &[]).await;
        let activist_on = add_months(start, 2);
        done(&secretary, &p, 3, activist_on, &[]).await;

        // Filing with the committee above is the town's to record, not the branch's.
        let not_theirs = step(&secretary, &p, 4, activist_on, &[], false).await;
        assert_eq!(not_theirs.status, 403);
        done(&town, &p, 4, activist_on + Duration::days(5), &[]).await;
        let member_a = ids.member_a.to_string();
        let li = app
            .count("SELECT id FROM members WHERE name = '李书记'")
            .await
            .to_string();
        done(
            &secretary,
            &p,
            5,
            activist_on + Duration::days(5),
            &[("person1", &member_a)],
        )
        .await;
        done(&secretary, &p, 6, add_months(activist_on, 6), &[]).await;
        done(&secretary, &p, 6, add_months(activist_on, 11), &[]).await;

        // A year as an activist before becoming a 发展对象: the day before is refused.
        let candidate_on = add_months(activist_on, 12);
        let early = step(
            &secretary,
            &p,
            7,
            candidate_on - Duration::days(1),
            &[],
            false,
        )
        .await;
        refused(&early, "done_on", &day(candidate_on));
        done(&secretary, &p, 7, candidate_on, &[]).await;
        done(&town, &p, 8, candidate_on + Duration::days(3), &[]).await;
        let one = step(
            &secretary,
            &p,
            9,
            candidate_on + Duration::days(3),
            &[("person1", &member_a)],
            false,
        )
        .await;
        refused(&one, "people", "请指定2名正式党员");
        done(
            &secretary,
            &p,
            9,
            candidate_on + Duration::days(3),
            &[("person1", &member_a), ("person2", &li)],
        )
        .await;
        done(&secretary, &p, 10, candidate_on + Duration::days(20), &[]).await;
        let short = step(
            &town,
            &p,
            11,
            candidate_on + Duration::days(30),
            &[("days", "2"), ("hours", "16")],
            false,
        )
        .await;
        refused(&short, "training", "不少于3天");
        done(
            &town,
            &p,
            11,
            candidate_on + Duration::days(30),
            &[("days", "3"), ("hours", "24")],
        )
        .await;
        done(&secretary, &p, 12, candidate_on + Duration::days(40), &[]).await;
        done(&town, &p, 13, candidate_on + Duration::days(45), &[]).await;
        let unsigned = step(
            &secretary,
            &p,
            14,
            candidate_on + Duration::days(50),
            &[],
            false,
        )
        .await;
        refused(&unsigned, "document", "请上传入党志愿书");
        done(&secretary, &p, 14, candidate_on + Duration::days(50), &[]).await;

        // The branch meeting: more than half of all full members with a vote in favour.
        let meeting = candidate_on + Duration::days(60);
        let vote = |present: &'static str, yes: &'static str| {
            [
                ("eligible", "20"),
                ("present", present),
                ("in_favour", yes),
                ("against", "0"),
                ("abstained", "0"),
            ]
        };
        let half = step(&secretary, &p, 15, meeting, &vote("12", "10"), false).await;
        refused(&half, "vote", "半数");
        done(&secretary, &p, 15, meeting, &vote("15", "14")).await;
        done(&town, &p, 16, meeting + Duration::days(20), &[]).await;
        assert_eq!(
            app.count("SELECT COUNT(*) FROM members WHERE name = '周申'")
                .await,
            0
        );
        done(&town, &p, 17, meeting + Duration::days(40), &[]).await;

        // Approved: in the roster as 预备党员 from the branch meeting's date.
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM members WHERE name = '周申' AND status = 'probationary' AND joined_on = '{}' AND branch_id = {}",
                day(meeting),
                ids.branch_a
            ))
            .await,
            1
        );
        let member = app
            .count("SELECT id FROM members WHERE name = '周申'")
            .await;
        let record = secretary.get(&format!("/members/{member}")).await;
        assert!(record.contains("预备党员，预备期至"), "{}", record.body);

        // Filing with the department is the county's.
        let town_files = step(&town, &p, 18, meeting + Duration::days(45), &[], false).await;
        assert_eq!(town_files.status, 403);
        done(&county, &p, 18, meeting + Duration::days(45), &[]).await;
        done(&secretary, &p, 19, meeting + Duration::days(46), &[]).await;
        done(&secretary, &p, 20, meeting + Duration::days(50), &[]).await;
        done(&secretary, &p, 21, add_months(meeting, 6), &[]).await;

        // The application comes in the probation's last month; the meeting after its end.
        let ends = add_months(meeting, 12);
        let soon = step(
            &secretary,
            &p,
            22,
            add_months(ends, -1) - Duration::days(1),
            &[],
            false,
        )
        .await;
        refused(&soon, "done_on", &day(add_months(ends, -1)));
        done(&secretary, &p, 22, ends - Duration::days(10), &[]).await;
        let on_time = [("decision", "on_time")];
        let before = step(
            &secretary,
            &p,
            23,
            ends - Duration::days(1),
            &on_time,
            false,
        )
        .await;
        refused(&before, "done_on", "预备期满");
        done(&secretary, &p, 23, ends, &on_time).await;
        done(&town, &p, 24, ends + Duration::days(30), &[]).await;
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM members WHERE id = {member} AND status = 'full' AND full_member_on = '{}'",
                day(ends)
            ))
            .await,
            1
        );
        done(&secretary, &p, 25, ends + Duration::days(35), &[]).await;
        let page = secretary.get(&p).await;
        assert!(page.contains("发展程序已经完成"), "{}", page.body);
        assert!(page.contains("已归档") && page.contains(&day(ends)));
        // Every step is in the audit log with who recorded it.
        assert!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = '发展党员'")
                .await
                >= 26
        );
    }
);

both!(
    the_boards_the_dashboard_and_the_ledger_agree,
    |app: TestApp| async move {
        let ids = &app.ids;
        let secretary = app.login(phone::SECRETARY_A).await;
        let town = app.login(phone::TOWN_ADMIN).await;
        let today = local_date(now_epoch());
        // 甲村: one applicant whose talk is overdue, one new activist; 乙村: one applicant.
        let late = register(&secretary, ids.branch_a, "吴晓", 31, "").await;
        done(&secretary, &late, 1, add_months(today, -3), &[]).await;
        let active = register(&secretary, ids.branch_a, "郑敏", 32, "").await;
        done(&secretary, &active, 1, add_months(today, -2), &[]).await;
        done(
            &secretary,
            &active,
            2,
            add_months(today, -2) + Duration::days(7),
            &[],
        )
        .await;
        done(&secretary, &active, 3, add_months(today, -1), &[]).await;
        let b_secretary_view = {
            // 乙村 has no secretary account in the fixture: the town registers there.
            let res = town
                .post(
                    &format!("/orgs/{}/development/new", ids.branch_b),
                    &[
                        ("name", "冯远"),
                        ("gender", "male"),
                        ("ethnicity", "汉族"),
                        ("id_number", &id_number("2000-01-01", 33)),
                        ("education", "senior"),
                        ("category", "farmer"),
                    ],
                )
                .await;
            assert_eq!(res.status, 303, "{}", res.body);
            res.location
        };

        // 甲村's board: the overdue talk is marked and counted.
        let board = secretary
            .get(&format!("/orgs/{}/development", ids.branch_a))
            .await;
        assert!(
            board.contains("id=\"count-applicants\">1<"),
            "{}",
            board.body
        );
        assert!(board.contains("id=\"count-activists\">1<"));
        assert!(board.contains("id=\"count-overdue\">1<"));
        assert!(board.contains("逾期"));

        // The town's board and the town's 数据看板 say the same of each branch.
        let town_board = town.get(&format!("/orgs/{}/development", ids.town)).await;
        let dashboard = town.get(&format!("/dashboard?org={}", ids.town)).await;
        assert_eq!(dashboard.status, 200, "{}", dashboard.body);
        for branch in [ids.branch_a, ids.branch_b] {
            let on_board = row_of(&town_board.body, "development-orgs", branch);
            let on_dashboard = row_of(&dashboard.body, "development-stages", branch);
            assert_eq!(on_board, on_dashboard, "branch {branch}");
        }
        assert_eq!(
            row_of(&town_board.body, "development-orgs", ids.branch_a),
            vec!["甲村党支部", "1", "1", "0", "0", "0", "1"]
        );
        assert!(town_board.contains("id=\"count-applicants\">2<"));

        // Another branch's applicant does not exist for 甲村's secretary, nor for a member.
        assert_eq!(secretary.get(&b_secretary_view).await.status, 404);
        let member_b = app.login(phone::MEMBER_B).await;
        assert_eq!(member_b.get(&late).await.status, 404);
        assert_eq!(
            member_b
                .get(&format!("/orgs/{}/development", ids.branch_b))
                .await
                .status,
            403
        );

        // The 台账 opens, with everyone in the town.
        let (status, bytes) = town
            .get_bytes(&format!("/orgs/{}/development.xlsx", ids.town))
            .await;
        assert_eq!(status, 200);
        let rows = dangjian::spreadsheet::read_rows(&bytes).unwrap();
        let names: Vec<String> = rows.iter().map(|r| r.cell(1).to_string()).collect();
        for name in ["吴晓", "郑敏", "冯远"] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
        }
    }
);

/// The cells of an organization's row in a table, as text.
fn row_of(body: &str, table: &str, org: i64) -> Vec<String> {
    let at = body.find(&format!("id=\"{table}\"")).expect("the table");
    let rest = &body[at..];
    let row = &rest[rest.find(&format!("data-org=\"{org}\"")).expect("the row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    row.split("<td")
        .skip(1)
        .map(|cell| {
            // Each part starts inside its <td …> tag.
            let (mut text, mut inside) = (String::new(), true);
            for ch in cell.chars() {
                match ch {
                    '<' => inside = true,
                    '>' => inside = false,
                    c if !inside => text.push(c),
                    _ => {}
                }
            }
            text.trim().to_string()
        })
        .collect()
}

both!(
    an_applicant_reports_and_their_contact_comments,
    |app: TestApp| async move {
        let ids = &app.ids;
        let secretary = app.login(phone::SECRETARY_A).await;
        let today = local_date(now_epoch());
        let p = register(&secretary, ids.branch_a, "陈曦", 41, "13911113333").await;
        done(&secretary, &p, 1, add_months(today, -14), &[]).await;
        done(
            &secretary,
            &p,
            2,
            add_months(today, -14) + Duration::days(10),
            &[],
        )
        .await;
        done(&secretary, &p, 3, add_months(today, -13), &[]).await;
        let town = app.login(phone::TOWN_ADMIN).await;
        done(
            &town,
            &p,
            4,
            add_months(today, -13) + Duration::days(2),
            &[],
        )
        .await;
        let member_a = ids.member_a.to_string();
        done(
            &secretary,
            &p,
            5,
            add_months(today, -13) + Duration::days(2),
            &[("person1", &member_a)],
        )
        .await;

        // A correction voids the last step, keeps it, and lets it be recorded again.
        let last = app
            .count("SELECT MAX(id) FROM development_steps")
            .await
            .to_string();
        let no_reason = secretary
            .post(&format!("{p}/void"), &[("step", &last), ("reason", "")])
            .await;
        refused(&no_reason, "reason", "");
        let voided = secretary
            .post(
                &format!("{p}/void"),
                &[("step", &last), ("reason", "联系人登记有误")],
            )
            .await;
        assert_eq!(voided.status, 303, "{}", voided.body);
        let page = secretary.get(&p).await;
        assert!(page.contains("更正作废：联系人登记有误") && page.contains("第5步 指定培养联系人"));
        done(
            &secretary,
            &p,
            5,
            add_months(today, -13) + Duration::days(3),
            &[("person1", &member_a)],
        )
        .await;

        // The branch opens the applicant's account; they sign in and see their own path.
        let opened = secretary.post(&format!("{p}/account"), &[]).await;
        assert_eq!(opened.status, 200, "{}", opened.body);
        let code = opened
            .body
            .split("id=\"one-time-password\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        let mut applicant = app.client();
        applicant.login("13911113333", &code).await;
        applicant.refresh_csrf().await;
        let changed = applicant
            .post(
                "/me/password",
                &[
                    ("current", &code),
                    ("new", "New@Pass2026"),
                    ("confirm", "New@Pass2026"),
                ],
            )
            .await;
        assert_eq!(changed.status, 303, "{}", changed.body);
        applicant.refresh_csrf().await;
        let mine = applicant.get("/development/me").await;
        assert_eq!(mine.status, 200, "{}", mine.body);
        assert!(mine.contains("入党积极分子") && mine.contains("id=\"report-form\""));
        assert!(
            !mine.contains("id=\"step-form-"),
            "an applicant records no steps"
        );
        assert_eq!(applicant.get(&p).await.status, 200);
        assert!(
            applicant
                .get(&format!("/orgs/{}/development", ids.branch_a))
                .await
                .status
                == 403
        );

        let empty = applicant
            .post("/development/me/reports", &[("body", " ")])
            .await;
        refused(&empty, "body", "");
        let sent = applicant
            .post(
                "/development/me/reports",
                &[("body", "本季度我认真学习了党章，参加了村里的志愿服务。")],
            )
            .await;
        assert_eq!(sent.status, 303, "{}", sent.body);
        let again = applicant
            .post("/development/me/reports", &[("body", "再交一份")])
            .await;
        refused(&again, "body", "已经提交");

        // The contact is told, reads it and comments; the applicant sees the comment.
        let contact = app.login(phone::MEMBER_A).await;
        let bell = contact.get("/notifications").await;
        assert!(bell.contains("陈曦提交了"), "{}", bell.body);
        let theirs = contact.get(&p).await;
        assert!(theirs.contains("认真学习了党章"));
        let report = app.count("SELECT id FROM development_reports").await;
        let commented = contact
            .post(
                &format!("/development/reports/{report}/comment"),
                &[("comment", "学习认真，继续保持。")],
            )
            .await;
        assert_eq!(commented.status, 303, "{}", commented.body);
        assert!(
            applicant
                .get("/development/me")
                .await
                .contains("学习认真，继续保持。")
        );
        // Someone else in the branch is no contact.
        let other = app.login(phone::TOWN_ADMIN).await;
        let not_contact = other
            .post(
                &format!("/development/reports/{report}/comment"),
                &[("comment", "x")],
            )
            .await;
        assert_eq!(not_contact.status, 404);
    }
);
