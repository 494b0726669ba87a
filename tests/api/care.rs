//! 关怀与评议: a branch registers a member in hardship and records a 慰问 with photos under the
//! town's 春节 plan; a branch runs its 民主评议党员 from opening to results with votes nobody
//! can trace; the county opens a 两优一先 selection, the town nominates and reviews, the
//! county publishes it for 公示, reads an objection and awards the honours (badges).
use crate::both;
use crate::support::{TestApp, phone, stored_files, testdata};
use dangjian::domain::clock::{format_date, local_date, now_epoch};
use time::Duration;

fn today() -> time::Date {
    local_date(now_epoch())
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sql).execute(app.db.pool()).await.unwrap();
}

both!(
    a_branch_registers_a_hardship_and_records_a_visit_with_photos,
    |app: TestApp| async move {
        let ids = &app.ids;
        let member = ids.member_a.to_string();
        let town = app.login(phone::TOWN_ADMIN).await;
        let year = (today().year() + 1).to_string();
        let due = format!("{year}-02-10");
        let plan = [
            ("occasion", "spring"),
            ("year", year.as_str()),
            ("due_on", due.as_str()),
        ];
        let planned = town
            .post(&format!("/orgs/{}/care/plans", ids.town), &plan)
            .await;
        assert_eq!(planned.status, 303, "{}", planned.body);
        let twice = town
            .post(&format!("/orgs/{}/care/plans", ids.town), &plan)
            .await;
        assert_eq!(twice.status, 422);
        assert!(twice.contains(&format!("本组织已有{year}年春节慰问计划")));

        let sec = app.login(phone::SECRETARY_A).await;
        let page = format!("/orgs/{}/care", ids.branch_a);
        let entry = [
            ("member", member.as_str()),
            ("kind", "illness"),
            ("detail", "患尿毒症，每周透析三次"),
            ("since", "2025-03-01"),
            ("verified_by", "村委会 王主任"),
        ];
        // 王乙 is 乙村's; no one verified it: nothing is registered.
        let other = ids.member_b.to_string();
        let wrong = sec
            .post(
                &format!("{page}/hardships"),
                &[entry[0], entry[1], entry[2], entry[3], ("verified_by", "")],
            )
            .await;
        assert_eq!(wrong.status, 422);
        assert!(wrong.contains("核实人：此项必填"));
        let not_ours = sec
            .post(
                &format!("{page}/hardships"),
                &[
                    ("member", other.as_str()),
                    entry[1],
                    entry[2],
                    entry[3],
                    entry[4],
                ],
            )
            .await;
        assert!(not_ours.contains("请选择本支部的党员"));
        assert_eq!(app.count("SELECT COUNT(*) FROM hardships").await, 0);
        assert_eq!(
            sec.post(&format!("{page}/hardships"), &entry).await.status,
            303
        );
        let again = sec.post(&format!("{page}/hardships"), &entry).await;
        assert!(again.contains("该党员已登记为困难党员"));
        let listed = sec.get(&page).await;
        assert!(
            listed.contains("患尿毒症")
                && listed.contains("<strong id=\"count-hardships\">1</strong>")
        );
        assert!(
            listed.contains("待慰问") && listed.contains("张甲"),
            "the plan lists who waits"
        );
        // The branch deciding his dues sees it, as ground for a reduction.
        let dues = sec.get(&format!("/members/{member}/dues")).await;
        assert!(dues.contains("id=\"dues-hardship\"") && dues.contains("因病致困"));

        // The visit: money to the fen, goods, two photos, under the plan.
        let plan_id = app.count("SELECT id FROM care_plans").await.to_string();
        let today_text = format_date(today());
        let visit = |money: &'static str| {
            vec![
                ("member", member.clone()),
                ("plan", plan_id.clone()),
                ("visited_on", today_text.clone()),
                ("visitors", "镇党委书记 刘明，村党支部书记 李强".to_string()),
                ("money", money.to_string()),
                ("goods", "米一袋、油一桶".to_string()),
                ("note", "了解治疗情况，协调医保报销".to_string()),
            ]
        };
        let bad = visit("五百");
        let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let refused = sec
            .post_multipart(
                &format!("{page}/visits"),
                &bad,
                vec![("photos", "1.jpg", testdata("cat.jpg"))],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert!(refused.contains("慰问金：金额应为数字"));
        assert_eq!(stored_files(&app), 0, "nothing stored for a refused visit");
        let good = visit("500.5");
        let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let done = sec
            .post_multipart(
                &format!("{page}/visits"),
                &good,
                vec![
                    ("photos", "1.jpg", testdata("meeting-with-exif-gps.jpg")),
                    ("photos", "2.jpg", testdata("coffee.jpg")),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert_eq!(app.count("SELECT money_fen FROM care_visits").await, 50_050);
        assert_eq!(stored_files(&app), 4, "two photos and their thumbnails");
        let shown = sec.get(&page).await;
        assert!(shown.contains("500.50") && shown.contains("慰问照片"));
        let photo = app
            .count("SELECT MIN(id) FROM content_photos WHERE owner_kind = 'care_visit'")
            .await;
        assert_eq!(sec.get(&format!("/photos/{photo}")).await.status, 200);

        // The town sees 甲村 ticked off, with the money; the member's page says it to the
        // branch, not to another member.
        let counts = town.get(&format!("/orgs/{}/care", ids.town)).await;
        assert!(
            counts.contains("<strong id=\"count-money\">500.50</strong>"),
            "{}",
            counts.body
        );
        assert!(counts.contains(&format!(
            "<tr data-org=\"{}\"><td><a href=\"/orgs/{}/care\">甲村党支部</a></td><td data-label=\"困难党员\">1</td><td data-label=\"慰问次数\">1</td><td data-label=\"慰问金\">500.50</td>",
            ids.branch_a, ids.branch_a
        )));
        assert!(counts.contains("已慰问 <strong class=\"plan-visited\">1</strong> / 应慰问 <strong class=\"plan-planned\">1</strong>"));
        let profile = sec.get(&format!("/members/{member}")).await;
        assert!(profile.contains("id=\"member-care\"") && profile.contains("因病致困"));
        let own = app.login(phone::MEMBER_A).await;
        assert!(
            !own.get(&format!("/members/{member}"))
                .await
                .contains("member-care")
        );
        assert_eq!(own.get(&format!("/photos/{photo}")).await.status, 404);
        // A member is no administrator; another branch's page is not the secretary's.
        let b = app.login(phone::MEMBER_B).await;
        assert_eq!(b.get(&page).await.status, 403);
        assert_eq!(
            sec.get(&format!("/orgs/{}/care", ids.branch_b))
                .await
                .status,
            404
        );

        // The yearly review: a year on it is due; still in hardship keeps it, 已脱困 ends it.
        let year_ago = format_date(today() - Duration::days(366));
        exec(
            &app,
            &format!("UPDATE hardships SET reviewed_on = '{year_ago}'"),
        )
        .await;
        assert!(sec.get(&page).await.contains("待复核"));
        let h = app.count("SELECT id FROM hardships").await;
        assert_eq!(
            sec.post(&format!("/care/hardships/{h}/review"), &[("still", "1")])
                .await
                .status,
            303
        );
        assert!(!sec.get(&page).await.contains("待复核"));
        assert_eq!(
            sec.post(&format!("/care/hardships/{h}/review"), &[("still", "0")])
                .await
                .status,
            303
        );
        assert!(
            sec.get(&page)
                .await
                .contains("<strong id=\"count-hardships\">0</strong>")
        );
    }
);

both!(
    a_branch_runs_its_yearly_appraisal_and_the_votes_stay_secret,
    |app: TestApp| async move {
        let ids = &app.ids;
        let sec = app.login(phone::SECRETARY_A).await;
        let year = today().year().to_string();
        let opened = sec
            .post(
                &format!("/orgs/{}/appraisals", ids.branch_a),
                &[("year", year.as_str())],
            )
            .await;
        assert_eq!(opened.status, 303, "{}", opened.body);
        let page = opened.location.clone();
        let id = page.trim_start_matches("/appraisals/").to_string();
        let again = sec
            .post(
                &format!("/orgs/{}/appraisals", ids.branch_a),
                &[("year", year.as_str())],
            )
            .await;
        assert!(again.contains(&format!("本支部已开展{year}年度民主评议")));
        let future = (today().year() + 1).to_string();
        assert_eq!(
            sec.post(
                &format!("/orgs/{}/appraisals", ids.branch_b),
                &[("year", future.as_str())]
            )
            .await
            .status,
            404,
            "another branch's"
        );

        // 张甲 is told, writes a self-assessment and rates both colleagues.
        let a = app.login(phone::MEMBER_A).await;
        let home = a.get("/").await;
        assert!(home.contains(&format!("/appraisals/{id}/ballot")));
        let ballot = format!("/appraisals/{id}/ballot");
        assert_eq!(
            a.post(&format!("/appraisals/{id}/self"), &[("text", " ")])
                .await
                .status,
            422
        );
        assert_eq!(
            a.post(
                &format!("/appraisals/{id}/self"),
                &[("text", "认真学习，带头参加人居环境整治。")]
            )
            .await
            .status,
            303
        );
        let secretary_id = app
            .count("SELECT id FROM members WHERE name = '李书记'")
            .await;
        let town_id = app
            .count("SELECT id FROM members WHERE name = '赵镇'")
            .await;
        let (v_sec, v_town) = (format!("vote-{secretary_id}"), format!("vote-{town_id}"));
        let half = a
            .post(
                &format!("/appraisals/{id}/votes"),
                &[(v_sec.as_str(), "excellent")],
            )
            .await;
        assert_eq!(half.status, 422);
        assert!(half.contains("还有1名未选择"));
        let voted = a
            .post(
                &format!("/appraisals/{id}/votes"),
                &[(v_sec.as_str(), "excellent"), (v_town.as_str(), "basic")],
            )
            .await;
        assert_eq!(voted.status, 303);
        // A second ballot replaces the first: one vote per colleague.
        a.post(
            &format!("/appraisals/{id}/votes"),
            &[
                (v_sec.as_str(), "excellent"),
                (v_town.as_str(), "qualified"),
            ],
        )
        .await;
        assert_eq!(app.count("SELECT COUNT(*) FROM appraisal_votes").await, 2);
        // Nobody's id stands beside a vote: not even the database says who cast it.
        assert_eq!(
            app.count(&format!(
                "SELECT COUNT(*) FROM appraisal_votes WHERE voter_key IN ('{}', '{}')",
                ids.member_a,
                phone::MEMBER_A
            ))
            .await,
            0
        );
        let mine = a.get(&ballot).await;
        assert!(mine.contains("您已提交评价"));
        // 赵镇, rated, sees his own ballot without who rated him what.
        let z = app.login(phone::TOWN_ADMIN).await;
        let theirs = z.get(&ballot).await;
        assert_eq!(theirs.status, 200);
        assert!(
            !theirs.contains("checked"),
            "another's votes are not pre-filled for him"
        );
        // 王乙 of another branch takes no part.
        let b = app.login(phone::MEMBER_B).await;
        assert_eq!(b.get(&ballot).await.status, 404);
        assert_eq!(b.get(&page).await.status, 403, "no administrator");
        // The branch sees counts only.
        let counted = sec.get(&page).await;
        assert!(
            counted.contains("互评：优秀1 合格0 基本合格0 不合格0（1票）"),
            "{}",
            counted.body
        );
        assert!(counted.contains("<strong id=\"count-voted\">1</strong>"));
        assert!(!counted.contains("张甲投") && !counted.contains(phone::MEMBER_A));

        // Results: a 不合格 needs its reasons and handling; closing needs everyone decided.
        let decide = |m: i64, grade: &'static str, reason: &'static str, handling: &'static str| {
            let m = m.to_string();
            let sec = &sec;
            let id = id.clone();
            async move {
                sec.post(
                    &format!("/appraisals/{id}/decide"),
                    &[
                        ("member", m.as_str()),
                        ("grade", grade),
                        ("reason", reason),
                        ("handling", handling),
                    ],
                )
                .await
            }
        };
        let bare = decide(town_id, "unqualified", "", "").await;
        assert_eq!(bare.status, 422);
        assert!(bare.contains("评为不合格的理由：此项必填"));
        let today_text = format_date(today());
        let early = sec
            .post(
                &format!("/appraisals/{id}/close"),
                &[("decided_on", today_text.as_str())],
            )
            .await;
        assert!(early.contains("还有党员未确定评议结果"));
        assert_eq!(decide(ids.member_a, "qualified", "", "").await.status, 303);
        assert_eq!(decide(secretary_id, "excellent", "", "").await.status, 303);
        assert_eq!(
            decide(
                town_id,
                "unqualified",
                "连续六个月无故不参加组织生活",
                "correct"
            )
            .await
            .status,
            303
        );
        let closed = sec
            .post(
                &format!("/appraisals/{id}/close"),
                &[("decided_on", today_text.as_str())],
            )
            .await;
        assert_eq!(closed.status, 303, "{}", closed.body);
        assert_eq!(
            decide(ids.member_a, "excellent", "", "").await.status,
            409,
            "results stand"
        );
        let record = a.get(&format!("/members/{}", ids.member_a)).await;
        assert!(
            record.contains("id=\"member-appraisals\"")
                && record.contains(&format!("{year}年度：<strong>合格</strong>"))
        );
        assert!(
            a.get(&ballot)
                .await
                .contains("您的评议结果：<strong>合格</strong>")
        );

        // The town's shares of the year.
        let shares = z
            .get(&format!("/orgs/{}/appraisals?year={year}", ids.town))
            .await;
        assert!(shares.contains(&format!(
            "<tr data-org=\"{}\"><td><a href=\"/orgs/{}/appraisals?year={year}\">甲村党支部</a></td><td data-label=\"已完成支部\">1/1</td><td data-label=\"优秀\">33.3%</td><td data-label=\"合格\">33.3%</td><td data-label=\"基本合格\">0.0%</td><td data-label=\"不合格\">33.3%</td>",
            ids.branch_a, ids.branch_a
        )), "{}", shares.body);
    }
);

both!(
    a_town_nominates_and_the_county_publishes_and_awards_honours,
    |app: TestApp| async move {
        let ids = &app.ids;
        let county = app.login(phone::COUNTY_ADMIN).await;
        let today_text = format_date(today());
        let (q_town, q_town2) = (
            format!("quota-{}-member", ids.town),
            format!("quota-{}-member", ids.town2),
        );
        let q_org = format!("quota-{}-org", ids.town);
        let year = today().year().to_string();
        let fields = [
            ("title", "两优一先评选表彰"),
            ("year", year.as_str()),
            ("nominate_until", today_text.as_str()),
            ("publicity_days", "7"),
            (q_town.as_str(), "1"),
            (q_town2.as_str(), "1"),
            (q_org.as_str(), "1"),
        ];
        let none = county
            .post(
                "/honours",
                &[fields[0], fields[1], fields[2], ("publicity_days", "3")],
            )
            .await;
        assert_eq!(none.status, 422);
        assert!(
            none.contains("公示期应为5至30天") && none.contains("请至少为一个下级组织分配名额")
        );
        let made = county.post("/honours", &fields).await;
        assert_eq!(made.status, 303, "{}", made.body);
        let page = made.location.clone();
        let id = page.trim_start_matches("/honours/").to_string();

        // The town's administrator (told in the bell) nominates two members and 甲村.
        let town = app.login(phone::TOWN_ADMIN).await;
        assert!(
            town.get("/notifications")
                .await
                .contains("两优一先评选表彰：请于")
        );
        let secretary_id = app
            .count("SELECT id FROM members WHERE name = '李书记'")
            .await
            .to_string();
        let member = ids.member_a.to_string();
        let branch = ids.branch_a.to_string();
        let nominate = |category: &'static str, who: &str, org: &str| {
            let (who, org) = (who.to_string(), org.to_string());
            let town = &town;
            let id = id.clone();
            async move {
                town.post(
                    &format!("/honours/{id}/nominations"),
                    &[
                        ("category", category),
                        ("member", who.as_str()),
                        ("org", org.as_str()),
                        ("reason", "带领群众发展特色种植，带头化解矛盾纠纷。"),
                    ],
                )
                .await
            }
        };
        assert_eq!(nominate("member", &member, "").await.status, 303);
        assert_eq!(nominate("member", &secretary_id, "").await.status, 303);
        assert!(
            nominate("member", &member, "")
                .await
                .contains("不能重复推荐")
        );
        assert!(
            nominate("member", &ids.member_c.to_string(), "")
                .await
                .contains("请选择本组织的党员"),
            "another town's"
        );
        assert_eq!(nominate("org", "", &branch).await.status, 303);

        // Reviewing: the town (above the branch) approves one within the quota, returns one.
        let n1 = app
            .count(&format!(
                "SELECT id FROM nominations WHERE member_id = {member}"
            ))
            .await;
        let n2 = app
            .count(&format!(
                "SELECT id FROM nominations WHERE member_id = {secretary_id}"
            ))
            .await;
        let n3 = app
            .count("SELECT id FROM nominations WHERE nominee_org_id IS NOT NULL")
            .await;
        let sec = app.login(phone::SECRETARY_A).await;
        assert_eq!(
            sec.post(
                &format!("/nominations/{n1}/review"),
                &[("decision", "approve")]
            )
            .await
            .status,
            404,
            "a branch does not review itself"
        );
        assert_eq!(
            town.post(
                &format!("/nominations/{n1}/review"),
                &[("decision", "approve")]
            )
            .await
            .status,
            303
        );
        assert_eq!(
            town.post(
                &format!("/nominations/{n2}/review"),
                &[("decision", "approve")]
            )
            .await
            .status,
            409,
            "the quota is one"
        );
        assert_eq!(
            town.post(
                &format!("/nominations/{n2}/review"),
                &[("decision", "return")]
            )
            .await
            .status,
            400,
            "a return says why"
        );
        assert_eq!(
            town.post(
                &format!("/nominations/{n2}/review"),
                &[("decision", "return"), ("note", "事迹材料不具体")]
            )
            .await
            .status,
            303
        );
        assert_eq!(
            county
                .post(
                    &format!("/nominations/{n3}/review"),
                    &[("decision", "approve")]
                )
                .await
                .status,
            303
        );
        // Publishing waits for the nominations to close; move their end to yesterday.
        assert_eq!(
            county
                .post(&format!("/honours/{id}/publish"), &[])
                .await
                .status,
            409
        );
        let yesterday = format_date(today() - Duration::days(1));
        exec(
            &app,
            &format!("UPDATE selections SET nominate_until = '{yesterday}'"),
        )
        .await;
        assert_eq!(
            county
                .post(&format!("/honours/{id}/publish"), &[])
                .await
                .status,
            303
        );

        // 公示: members of the county read it from home and object; the county reads it.
        let c = app.login(phone::MEMBER_C).await;
        assert!(
            c.get("/")
                .await
                .contains(&format!("/honours/{id}/publicity"))
        );
        let listed = c.get(&format!("/honours/{id}/publicity")).await;
        assert!(
            listed.contains("张甲") && listed.contains("甲村党支部") && !listed.contains("李书记")
        );
        let objected = c
            .post(
                &format!("/honours/{id}/objections"),
                &[
                    ("nomination", &n1.to_string()),
                    ("body", "去年曾因宅基地纠纷受到村民投诉。"),
                ],
            )
            .await;
        assert_eq!(objected.status, 303, "{}", objected.body);
        let read = county.get(&page).await;
        assert!(read.contains("id=\"objections\"") && read.contains("宅基地纠纷"));
        assert!(
            !town.get(&page).await.contains("宅基地纠纷"),
            "objections are the organizer's"
        );
        // The organizer withdraws one after checking (saying why); the town cannot.
        let withdraw = format!("/nominations/{n3}/withdraw");
        assert_eq!(
            town.post(&withdraw, &[("note", "经核实")]).await.status,
            404
        );
        assert_eq!(county.post(&withdraw, &[]).await.status, 400);
        assert_eq!(
            county
                .post(&withdraw, &[("note", "经核实，该支部年度考核未达标")])
                .await
                .status,
            303
        );
        let listed = county.get(&format!("/honours/{id}/publicity")).await;
        assert!(listed.contains("张甲") && !listed.contains("先进基层党组织"));
        assert_eq!(
            county
                .post(&format!("/honours/{id}/award"), &[])
                .await
                .status,
            409,
            "公示 is not over"
        );
        let long_ago = format_date(today() - Duration::days(8));
        exec(
            &app,
            &format!("UPDATE selections SET published_on = '{long_ago}'"),
        )
        .await;
        assert_eq!(
            county
                .post(&format!("/honours/{id}/award"), &[])
                .await
                .status,
            303
        );
        let title = format!("{year}年度优秀共产党员");
        let profile = c.get(&format!("/members/{}", ids.member_a)).await;
        assert_eq!(profile.status, 404, "another branch's member");
        let own = app.login(phone::MEMBER_A).await;
        let profile = own.get(&format!("/members/{}", ids.member_a)).await;
        assert!(profile.contains("id=\"member-honours\"") && profile.contains(&title));
        assert_eq!(
            app.count(&format!("SELECT COUNT(*) FROM badges WHERE holder_kind = 'member' AND holder_id = {} AND title = '{title}'", ids.member_a)).await,
            1,
            "one ledger of badges"
        );
        let org_page = sec.get(&format!("/orgs/{}", ids.branch_a)).await;
        assert!(
            !org_page.contains("id=\"org-honours\""),
            "the withdrawn branch is not honoured"
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM honours").await, 1);
        assert_eq!(
            county
                .post(&format!("/honours/{id}/award"), &[])
                .await
                .status,
            409,
            "once"
        );
    }
);
