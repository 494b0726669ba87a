use crate::both;
use crate::support::{TestApp, id_number, phone};

fn new_member<'a>(name: &'a str, id: &'a str, phone: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("gender", "male"),
        ("ethnicity", "汉族"),
        ("id_number", id),
        ("phone", phone),
        ("education", "bachelor"),
        ("joined_on", "2010-07-01"),
        ("full_member_on", "2011-07-01"),
        ("status", "full"),
        ("category", "employed"),
        ("party_group", ""),
    ]
}

both!(
    bad_member_input_gets_a_message_at_the_field_and_changes_nothing,
    |app: TestApp| async move {
        let c = app.login(phone::SECRETARY_A).await;
        let path = format!("/members/new?branch={}", app.ids.branch_a);
        let before = app.count("SELECT COUNT(*) FROM members").await;
        let good_id = id_number("1985-03-12", 123);
        let mut wrong_check = good_id.clone();
        let last = if wrong_check.ends_with('0') { "1" } else { "0" };
        wrong_check.replace_range(17..18, last);
        let long_name = "名".repeat(31);
        let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
            (
                new_member("周新", &wrong_check, "13512345678"),
                "身份证号校验位不正确",
            ),
            (
                new_member("周新", "13098419850230123X", "13512345678"),
                "出生日期无效",
            ),
            (new_member("", &good_id, "13512345678"), "此项必填"),
            (
                new_member(&long_name, &good_id, "13512345678"),
                "不能超过30个字",
            ),
            (
                new_member("周新", &good_id, phone::MEMBER_B),
                "该手机号已被其他党员或账号使用",
            ),
            (new_member("周新", &good_id, "12345"), "请输入11位手机号"),
        ];
        for (form, message) in cases {
            let page = c.post(&path, &form).await;
            assert_eq!(page.status, 422, "{message}");
            assert!(page.contains(message), "expected {message}");
            let id_given = form.iter().find(|(k, _)| *k == "id_number").unwrap().1;
            assert!(
                page.contains(&format!("value=\"{id_given}\"")),
                "values are kept"
            );
        }
        // An existing member's ID number.
        let taken = dangjian::crypto::Keys::decrypt(
            &app.keys,
            &sqlx::query_as::<_, (String,)>("SELECT id_number_enc FROM members WHERE id = $1")
                .bind(app.ids.member_b)
                .fetch_one(app.db.pool())
                .await
                .unwrap()
                .0,
        )
        .unwrap();
        let dup = c
            .post(&path, &new_member("周新", &taken, "13512345678"))
            .await;
        assert!(dup.contains("该身份证号已在党员名册中"));
        // Gender must agree with the ID number; join date after 18th birthday.
        let mut f = new_member("周新", &good_id, "13512345678");
        f[1] = ("gender", "female");
        assert!(c.post(&path, &f).await.contains("性别与身份证号不一致"));
        let mut f = new_member("周新", &good_id, "13512345678");
        f[6] = ("joined_on", "1999-01-01");
        assert!(c.post(&path, &f).await.contains("入党时应年满18周岁"));
        assert_eq!(app.count("SELECT COUNT(*) FROM members").await, before);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM users WHERE phone_mask = '135****5678'")
                .await,
            0
        );
    }
);

both!(
    a_new_member_gets_an_account_with_a_one_time_password,
    |app: TestApp| async move {
        let c = app.login(phone::SECRETARY_A).await;
        let id = id_number("1985-03-12", 123);
        let page = c
            .post(
                &format!("/members/new?branch={}", app.ids.branch_a),
                &new_member("周新", &id, "13512345678"),
            )
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        let at = page.body.find("id=\"one-time-password\">").unwrap()
            + "id=\"one-time-password\">".len();
        let password = page.body[at..].split('<').next().unwrap().to_string();
        // Stored encrypted: the plain numbers appear nowhere in the row.
        let (id_enc, phone_enc, id_mask, phone_mask): (String, String, String, String) = sqlx::query_as(
        "SELECT id_number_enc, phone_enc, id_number_mask, phone_mask FROM members WHERE name = '周新'",
    )
    .fetch_one(app.db.pool())
    .await
    .unwrap();
        assert!(!id_enc.contains(&id) && !phone_enc.contains("13512345678"));
        assert_eq!(id_mask, format!("1309**********{}", &id[14..]));
        assert_eq!(phone_mask, "135****5678");
        // Lists show masks only.
        let list = c.get("/members?q=5678").await;
        assert!(
            list.contains("周新") && list.contains("135****5678") && !list.contains("13512345678")
        );
        assert!(!list.contains(&id));
        // The new member signs in and must change the password first.
        let mut m = app.client();
        let res = m.login("13512345678", &password).await;
        assert_eq!(res.location, "/me/password");
    }
);

both!(
    search_filter_and_page_the_register,
    |app: TestApp| async move {
        let c = app.login(phone::COUNTY_ADMIN).await;
        let all = c.get("/members").await;
        assert!(all.contains("共 6 名党员"));
        assert!(c.get("/members?q=张").await.contains("共 1 名党员"));
        assert!(c.get("/members?q=0003").await.contains("王乙"));
        let by_branch = c
            .get(&format!("/members?branch={}", app.ids.branch_c))
            .await;
        assert!(by_branch.contains("共 2 名党员") && by_branch.contains("孙丙"));
        assert!(
            c.get("/members?status=probationary")
                .await
                .contains("没有符合条件的党员")
        );
        let past_end = c.get("/members?page=99").await;
        assert!(past_end.contains("第 1 / 1 页") && past_end.contains("王乙"));
    }
);

both!(
    revealing_full_numbers_is_its_own_permission_and_audited,
    |app: TestApp| async move {
        let ids = &app.ids;
        let secretary = app.login(phone::SECRETARY_A).await;
        let profile = secretary.get(&format!("/members/{}", ids.member_a)).await;
        assert!(profile.contains("137****0001"));
        assert!(!profile.contains("查看完整身份证号"));
        assert_eq!(
            secretary
                .post(&format!("/members/{}/reveal", ids.member_a), &[])
                .await
                .status,
            404
        );
        let county = app.login(phone::COUNTY_ADMIN).await;
        let shown = county
            .post(&format!("/members/{}/reveal", ids.member_a), &[])
            .await;
        assert_eq!(shown.status, 200);
        assert!(shown.contains(phone::MEMBER_A));
        assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = '查看敏感信息' AND actor_name = '钱县'").await,
        1
    );
        // The secretary edits without seeing the full numbers; left blank, they stay.
        let full_id = dangjian::crypto::Keys::decrypt(
            &app.keys,
            &sqlx::query_as::<_, (String,)>("SELECT id_number_enc FROM members WHERE id = $1")
                .bind(ids.member_a)
                .fetch_one(app.db.pool())
                .await
                .unwrap()
                .0,
        )
        .unwrap();
        let form = secretary
            .get(&format!("/members/{}/edit", ids.member_a))
            .await;
        assert!(!form.contains(&full_id) && !form.contains(phone::MEMBER_A));
        assert!(form.contains("不改请留空"));
        // Members may see their own, download all of it, and see who looked.
        let own = app.login(phone::MEMBER_A).await;
        assert!(
            own.post(&format!("/members/{}/reveal", ids.member_a), &[])
                .await
                .contains(phone::MEMBER_A)
        );
        let mine = own.get(&format!("/members/{}", ids.member_a)).await;
        let views = mine
            .body
            .split("id=\"my-number-views\"")
            .nth(1)
            .unwrap_or("");
        assert!(views.contains("钱县"), "{}", mine.body);
        let others = county.get(&format!("/members/{}", ids.member_a)).await;
        assert!(!others.contains("my-number-views"));
        let (status, book) = own.get_bytes("/me/data").await;
        assert_eq!(status, 200);
        let rows = dangjian::spreadsheet::read_rows(&book).unwrap();
        assert!(rows.iter().any(|r| r.cell(1) == full_id));
        assert!(rows.iter().any(|r| r.cell(1) == phone::MEMBER_A));
        assert_eq!(
            app.count("SELECT COUNT(*) FROM audit_log WHERE action = '下载本人数据'")
                .await,
            1
        );
    }
);

both!(edit_and_transfer_a_member, |app: TestApp| async move {
    let ids = &app.ids;
    let town = app.login(phone::TOWN_ADMIN).await;
    let edit = town.get(&format!("/members/{}/edit", ids.member_a)).await;
    assert!(edit.contains("value=\"张甲\""));
    let id = id_number("1970-05-01", 13);
    let group = ids.group_a.to_string();
    let mut with_group = new_member("张甲乙", &id, phone::MEMBER_A);
    with_group[10] = ("party_group", group.as_str());
    let saved = town
        .post(&format!("/members/{}/edit", ids.member_a), &with_group)
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let profile = town.get(&format!("/members/{}", ids.member_a)).await;
    assert!(profile.contains("张甲乙") && profile.contains("第一党小组"));
    // The account follows the record's name.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE name = '张甲乙'")
            .await,
        1
    );
    // Transfer within the town, done at once: the town administers the receiving branch.
    let no_reason = town
        .post(
            &format!("/members/{}/transfer", ids.member_a),
            &[
                ("direction", "within"),
                ("target", &ids.branch_b.to_string()),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.contains("id=\"reason-error\""));
    // 张甲 is ranked in 甲村 (one point for logging in) until the transfer, then in 乙村.
    let a = app.login(phone::MEMBER_A).await;
    let b = app.login(phone::MEMBER_B).await;
    let branch_board = "/rankings?scope=branch&period=all";
    assert!(!b.get(branch_board).await.contains("张甲"));
    let moved = town
        .post(
            &format!("/members/{}/transfer", ids.member_a),
            &[
                ("direction", "within"),
                ("target", &ids.branch_b.to_string()),
                ("reason", "搬迁"),
            ],
        )
        .await;
    assert_eq!(moved.status, 303);
    let board = b.get(branch_board).await;
    assert!(
        board.contains("张甲") && board.contains("王乙"),
        "{}",
        board.body
    );
    assert!(
        a.get(branch_board)
            .await
            .contains("<strong id=\"my-score\">1</strong>")
    );
    let profile = town.get(&format!("/members/{}", ids.member_a)).await;
    assert!(profile.contains("乙村党支部") && profile.contains("甲村党支部 → 乙村党支部"));
    assert!(profile.contains("不编入党小组") || profile.contains("—"));
    // The old branch's secretary no longer sees the member.
    let secretary = app.login(phone::SECRETARY_A).await;
    assert_eq!(
        secretary
            .get(&format!("/members/{}", ids.member_a))
            .await
            .status,
        404
    );
});
