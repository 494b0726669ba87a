//! 名册导入导出: a county's organization tree and member register from spreadsheets, checked
//! and previewed before anything is written, all or nothing; exports; login letters.
use crate::both;
use crate::support::{Client, Page, TestApp, id_number, pdf_text, phone};
use dangjian::domain::policy::Role;
use dangjian::domain::roster::{MEMBER_COLUMNS, ORG_COLUMNS};

fn sheet(rows: &[Vec<String>]) -> Vec<u8> {
    let cells: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    dangjian::spreadsheet::write_sheet("导入", &cells).unwrap()
}

fn header(columns: &[&str]) -> Vec<String> {
    columns.iter().map(|c| c.to_string()).collect()
}

fn kept(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/roster")
            .join(name),
    )
    .unwrap()
}

/// A member row of branch `branch` born in 1975 with sequence `seq` (odd: male).
fn member_row(name: &str, seq: u32, phone: &str, branch: &str) -> Vec<String> {
    let sex = if seq % 2 == 1 { "男" } else { "女" };
    [
        name,
        sex,
        "汉族",
        &id_number("1975-03-01", seq),
        phone,
        "大专",
        "2001.7.1",
        "2002/7/1",
        "正式党员",
        "在岗职工",
        branch,
        "",
        "",
        "",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect()
}

/// Uploads a file to be checked: the preview (200), or the problems (422).
async fn check(c: &Client, kind: &str, name: &str, bytes: Vec<u8>) -> Page {
    c.post_multipart(
        "/roster/check",
        &[("kind", kind)],
        vec![("file", name, bytes)],
    )
    .await
}

/// Confirms a previewed import and follows its page until it has finished.
async fn confirm(c: &Client, preview: &Page) -> Page {
    assert_eq!(preview.status, 200, "{}", preview.body);
    let at = preview
        .body
        .find("action=\"/roster/imports/")
        .expect("a confirm form")
        + 24;
    let token: String = preview.body[at..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let started = c.post(&format!("/roster/imports/{token}"), &[]).await;
    assert_eq!(started.status, 303);
    // Polled until it is done, however busy the machine: a bound only against a hang.
    for _ in 0..12_000 {
        let page = c.get(&format!("/roster/imports/{token}")).await;
        if !page.contains("正在导入") {
            return page;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import never finished");
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.count(sql).await
}

both!(
    a_county_imports_its_tree_and_roster_from_any_spreadsheet,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        assert!(county.get("/roster").await.contains("导入党员名册"));
        let orgs = sheet(&[
            header(ORG_COLUMNS),
            header(&["丁村党支部", "D01", "党支部", "农村", "东湖镇党委", "", "3"]),
            header(&["丁村第一党小组", "", "党小组", "农村", "D01", "", ""]),
        ]);
        let preview = check(&county, "orgs", "组织.xlsx", orgs.clone()).await;
        assert!(
            preview.contains("新建 <strong>2</strong>"),
            "{}",
            preview.body
        );
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM orgs WHERE code = 'D01'").await,
            0
        );
        let done = confirm(&county, &preview).await;
        assert!(done.contains("导入完成：新建 2 条"), "{}", done.body);
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM orgs g JOIN orgs b ON b.id = g.parent_id WHERE b.code = 'D01' AND g.kind = 'party_group'"
            )
            .await,
            1
        );
        let again = check(&county, "orgs", "组织.xlsx", orgs).await;
        assert!(again.contains("无需导入") && !again.contains("confirm-import"));

        // The member register, as three other programs save it.
        let before = count(&app, "SELECT COUNT(*) FROM members").await;
        let accounts = count(&app, "SELECT COUNT(*) FROM users").await;
        for (name, file) in [
            ("名册.xlsx", "members-openpyxl.xlsx"),
            ("名册.xls", "members.xls"),
            ("名册.csv", "members-gbk.csv"),
        ] {
            let preview = check(&county, "members", name, kept(file)).await;
            assert!(
                preview.contains("新建 <strong>2</strong>"),
                "{file}: {}",
                preview.body
            );
            assert!(
                confirm(&county, &preview).await.contains("导入完成"),
                "{file}"
            );
        }
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM members").await,
            before + 6
        );
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM users").await,
            accounts + 5,
            "an account for each member with a phone"
        );
        let (group, veteran, posts, joined): (Option<i64>, i64, String, String) = sqlx::query_as(
            "SELECT party_group_id, veteran, posts, joined_on FROM members WHERE name = '周建华'",
        )
        .fetch_one(app.db.pool())
        .await
        .unwrap();
        assert_eq!(
            (group, veteran, posts.as_str(), joined.as_str()),
            (Some(app.ids.group_a), 1, "organizer", "2005-07-01")
        );
        assert_eq!(count(&app, "SELECT COUNT(*) FROM members WHERE name = '欧阳晓燕' AND full_member_on = '2002-07-01'").await, 1);
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM members WHERE name = '郑国强' AND joined_on = '1998-07-01'"
            )
            .await,
            1
        );
        let again = check(&county, "members", "名册.xls", kept("members.xls")).await;
        assert!(again.contains("不变 <strong>2</strong>") && again.contains("无需导入"));
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE action = '导入党员名册'"
            )
            .await,
            3
        );

        // The branch's login letters carry the one-time code its new member signs in with.
        let (status, pdf) = county
            .get_bytes(&format!("/orgs/{}/letters.pdf", app.ids.branch_a))
            .await;
        assert_eq!(status, 200);
        let text = pdf_text(&app, &pdf);
        let (stored,): (String,) = sqlx::query_as(
            "SELECT u.password_hash FROM users u JOIN members m ON m.id = u.member_id WHERE m.name = '周建华'",
        )
        .fetch_one(app.db.pool())
        .await
        .unwrap();
        let code = app.keys.first_code(&stored).expect("a first code");
        assert!(
            text.contains("周建华同志") && text.contains(&code),
            "{text}"
        );
        assert!(
            !text.contains("张甲"),
            "members who chose a password get no letter"
        );
        let mut member = app.client();
        let signed_in = member.login("13900000101", &code).await;
        assert_eq!(signed_in.status, 303);
        assert_eq!(signed_in.location, "/me/password");
    }
);

both!(
    one_bad_row_imports_nothing_and_is_named,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        let before = count(&app, "SELECT COUNT(*) FROM members").await;
        let mut rows = vec![header(MEMBER_COLUMNS)];
        for i in 0..50 {
            rows.push(member_row(&format!("党员{i}"), 100 + i, "", "乙村党支部"));
        }
        rows[25][3] = "130984197503011001".into();
        rows[30][6] = "2019.13.1".into();
        let refused = check(&county, "members", "名册.xlsx", sheet(&rows)).await;
        assert_eq!(refused.status, 422);
        assert!(refused.contains("没有导入任何数据"));
        assert!(refused.contains("第26行「身份证号」"), "{}", refused.body);
        assert!(refused.contains("第31行「入党日期」"));
        assert_eq!(count(&app, "SELECT COUNT(*) FROM members").await, before);

        // A town's administrator imports only into the town's branches.
        let town = app.login(phone::TOWN_ADMIN).await;
        let other_town = sheet(&[
            header(MEMBER_COLUMNS),
            member_row("外乡人", 7, "", "丙村党支部"),
        ]);
        let refused = check(&town, "members", "名册.xlsx", other_town).await;
        assert_eq!(refused.status, 422);
        assert!(refused.contains("找不到党支部“丙村党支部”"));
        let (status, _) = town
            .get_bytes(&format!("/orgs/{}/letters.pdf", app.ids.branch_c))
            .await;
        assert_eq!(status, 404);
        let not_a_table = check(
            &town,
            "members",
            "名册.pdf",
            b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\x0c".to_vec(),
        )
        .await;
        assert!(not_a_table.contains("文件不是 Excel"));
        let member = app.login(phone::MEMBER_A).await;
        assert_eq!(member.get("/roster").await.status, 403);
    }
);

both!(
    ten_thousand_members_import_and_import_again_as_nothing,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        let mut orgs = vec![header(ORG_COLUMNS)];
        for b in 0..100 {
            orgs.push(header(&[
                &format!("新{b}村党支部"),
                &format!("N{b:03}"),
                "党支部",
                "农村",
                "东湖镇党委",
                "",
                "",
            ]));
        }
        confirm(
            &county,
            &check(&county, "orgs", "组织.xlsx", sheet(&orgs)).await,
        )
        .await;
        let mut rows = vec![header(MEMBER_COLUMNS)];
        for i in 0..10_000u32 {
            let mut row = member_row(
                &format!("党员{i}"),
                0,
                &format!("139{i:08}"),
                &format!("N{:03}", i % 100),
            );
            // Ten thousand ID numbers: a birth day for each hundred, a sequence within it.
            let birth =
                time::macros::date!(1960 - 01 - 01) + time::Duration::days(i64::from(i / 100));
            row[3] = id_number(
                &dangjian::domain::clock::format_date(birth),
                100 + (i % 100) * 2 + 1,
            );
            row[1] = "男".into();
            rows.push(row);
        }
        let file = sheet(&rows);
        let preview = check(&county, "members", "全县名册.xlsx", file.clone()).await;
        assert!(
            preview.contains("新建 <strong>10000</strong>"),
            "{}",
            &preview.body[..preview.body.len().min(3000)]
        );
        let done = confirm(&county, &preview).await;
        assert!(done.contains("新建 10000 条"), "{}", done.body);
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM members m JOIN orgs b ON b.id = m.branch_id WHERE b.code LIKE 'N%'").await,
            10_000
        );
        let again = check(&county, "members", "全县名册.xlsx", file).await;
        assert!(again.contains("不变 <strong>10000</strong>") && again.contains("无需导入"));
    }
);

/// The county asks to export the register in full; it may not approve its own request, a
/// second 敏感信息查看 over the county does; the approval's id.
async fn approved_full_export(app: &TestApp, county: &Client) -> i64 {
    let second = app
        .count("SELECT id FROM users WHERE phone_mask = '137****0006'")
        .await;
    let mut tx = app.db.begin().await.unwrap();
    for role in [Role::OrgAdmin, Role::PiiViewer] {
        dangjian::store::users::add_grant(tx.conn(), second, role, Some(app.ids.county), None)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let asked = county
        .post("/roster/full-exports", &[("reason", "年度统计报送")])
        .await;
    assert_eq!(asked.status, 303, "{}", asked.body);
    let id = app.count("SELECT MAX(id) FROM export_approvals").await;
    let own = county
        .post(
            &format!("/roster/full-exports/{id}/decide"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(own.status, 409);
    let (status, _) = county
        .get_bytes(&format!("/roster/members.xlsx?full=1&approval={id}"))
        .await;
    assert_eq!(status, 409, "not approved yet");
    let approver = app.login(phone::MEMBER_C).await;
    // The bell tells the one who may approve, and only them.
    let bell = approver.get("/notifications").await;
    assert!(bell.contains("申请导出完整名册，待您审批"), "{}", bell.body);
    assert!(!county.get("/notifications").await.contains("待您审批"));
    let page = approver.get("/roster").await;
    assert!(
        page.contains("年度统计报送") && page.contains("待我批准"),
        "{}",
        page.body
    );
    let approved = approver
        .post(
            &format!("/roster/full-exports/{id}/decide"),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(approved.status, 303);
    assert!(
        county
            .get("/notifications")
            .await
            .contains("已批准您导出完整名册的申请")
    );
    assert!(county.get("/roster").await.contains("下载完整名册"));
    id
}

both!(
    the_register_exports_masked_unless_allowed_and_imports_back_unchanged,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        let full_id = id_number("1970-05-01", 13);
        let approval = approved_full_export(&app, &county).await;
        let (status, book) = county
            .get_bytes(&format!("/roster/members.xlsx?full=1&approval={approval}"))
            .await;
        assert_eq!(status, 200);
        // One download per approval.
        let (again, _) = county
            .get_bytes(&format!("/roster/members.xlsx?full=1&approval={approval}"))
            .await;
        assert_eq!(again, 409);
        let rows = dangjian::spreadsheet::read_rows(&book).unwrap();
        assert_eq!(rows[0].cells, header(MEMBER_COLUMNS));
        assert!(
            rows.iter()
                .any(|r| r.cell(3) == full_id && r.cell(4) == phone::MEMBER_A)
        );
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE action = '导出党员名册'"
            )
            .await,
            1
        );
        // The full export is the register as it is: importing it back changes nothing.
        let back = check(&county, "members", "党员名册.xlsx", book).await;
        assert!(back.contains("无需导入"), "{}", back.body);

        let town = app.login(phone::TOWN_ADMIN).await;
        let (_, book) = town.get_bytes("/roster/members.xlsx?full=1").await;
        let rows = dangjian::spreadsheet::read_rows(&book).unwrap();
        assert_eq!(rows.len(), 1 + 4, "the town's branches only");
        assert!(
            rows.iter().all(|r| r.cell(3) != full_id),
            "masked without the permission"
        );
        let (_, book) = town.get_bytes("/roster/orgs.xlsx").await;
        let names: Vec<String> = dangjian::spreadsheet::read_rows(&book)
            .unwrap()
            .iter()
            .map(|r| r.cell(0).to_string())
            .collect();
        assert_eq!(
            names,
            vec![
                "组织名称*",
                "东湖镇党委",
                "甲村党支部",
                "乙村党支部",
                "第一党小组"
            ]
        );
        // One branch's register; another town's branch is not the town's to export.
        let (_, book) = town
            .get_bytes(&format!("/roster/members.xlsx?org={}", app.ids.branch_b))
            .await;
        let rows = dangjian::spreadsheet::read_rows(&book).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].cell(0), "王乙");
        let (status, _) = town
            .get_bytes(&format!("/roster/members.xlsx?org={}", app.ids.branch_c))
            .await;
        assert_eq!(status, 404);
    }
);

both!(
    the_roster_brings_each_members_dues_category_and_base,
    |app: TestApp| async move {
        let county = app.login(phone::COUNTY_ADMIN).await;
        let with_dues = |name: &str, seq: u32, category: &str, amount: &str| {
            let mut row = member_row(name, seq, "", "乙村党支部");
            row.extend([category.to_string(), amount.to_string()]);
            row
        };
        // A base that is no amount is named at its row and column; nothing is written.
        let bad = sheet(&[
            header(MEMBER_COLUMNS),
            with_dues("周一", 301, "在职党员", "四千"),
        ]);
        let refused = check(&county, "members", "名册.xlsx", bad).await;
        assert_eq!(refused.status, 422);
        assert!(
            refused.contains("第2行「党费基数或月交纳额」"),
            "{}",
            refused.body
        );
        let good = sheet(&[
            header(MEMBER_COLUMNS),
            with_dues("周一", 301, "在职党员", "4800"),
            with_dues("周二", 303, "农民党员", "0.5"),
            with_dues("周三", 305, "", ""),
        ]);
        let done = confirm(&county, &check(&county, "members", "名册.xlsx", good).await).await;
        assert!(done.contains("导入完成"), "{}", done.body);
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM dues_assessments").await,
            2
        );
        // 4,800 a month is 1 %: 48.00 on the branch's sheet.
        let sheet_page = county
            .get(&format!("/orgs/{}/dues", app.ids.branch_b))
            .await;
        assert!(
            sheet_page.contains("48.00") && sheet_page.contains("0.50"),
            "{}",
            sheet_page.body
        );
    }
);
