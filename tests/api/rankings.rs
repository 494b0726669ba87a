use crate::both;
use crate::support::{TestApp, phone};
use dangjian::domain::points::LedgerKey;
use dangjian::store::points;

/// Attending meeting `meeting` earns the member 5 points.
async fn earn(app: &TestApp, member: i64, meeting: i64) {
    let mut tx = app.db.begin().await.unwrap();
    points::credit(
        tx.conn(),
        member,
        &LedgerKey::meeting_attended(meeting, member),
        "参加组织生活",
        dangjian::domain::clock::now_epoch(),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

both!(
    ranks_update_at_once_and_ties_share,
    |app: TestApp| async move {
        let a = app.login(phone::MEMBER_A).await; // +1 for logging in
        earn(&app, app.ids.member_b, 1).await; // 5
        let page = a.get("/rankings?scope=county&period=month").await;
        assert!(page.contains("第2名"), "{}", page.body);
        // A credit is ranked the moment it is committed.
        earn(&app, app.ids.member_a, 1).await; // 6
        let page = a.get("/rankings?scope=county&period=month").await;
        assert!(page.contains("<strong id=\"my-rank\">第1名</strong>"));
        // Ties share a rank: C logs in and earns 5 too (6 in all).
        app.login(phone::MEMBER_C).await;
        earn(&app, app.ids.member_c, 1).await;
        let page = a.get("/rankings?scope=county&period=all").await;
        assert!(page.contains("<strong id=\"my-rank\">第1名</strong>"));
        let table = page.body.split("id=\"ranking\"").nth(1).unwrap();
        let table = table.split("</table>").next().unwrap();
        assert_eq!(
            table.matches("<td>1</td>").count(),
            2,
            "two share first place"
        );
        // Within the branch, only the branch.
        let branch = a.get("/rankings?scope=branch&period=week").await;
        assert!(branch.contains("张甲") && !branch.contains("王乙") && !branch.contains("孙丙"));
        // The town's branches by points per member.
        let town = a.get("/rankings?scope=town").await;
        assert!(
            town.contains("甲村党支部")
                && town.contains("乙村党支部")
                && !town.contains("丙村党支部")
        );
        // My points page shows the same county rank.
        assert!(
            a.get("/points")
                .await
                .contains("<strong id=\"county-rank\">1</strong>")
        );
        // Someone without points is still told where they stand.
        let b = app.login(phone::MEMBER_B).await;
        assert!(b.get("/rankings?scope=branch").await.contains("我的排名"));
    }
);

both!(
    a_credit_committed_after_a_later_one_is_still_ranked,
    |app: TestApp| async move {
        let c = app.login(phone::MEMBER_C).await; // +1 for logging in
        let score = |page: &str| {
            page.split("id=\"my-score\">")
                .nth(1)
                .and_then(|r| r.split('<').next())
                .and_then(|n| n.parse::<i64>().ok())
                .unwrap()
        };
        let now = dangjian::domain::clock::now_epoch();
        if app.engine == crate::support::Engine::Postgres {
            // C's credit takes the lower id but commits last, after a reader saw B's.
            let mut slow = app.db.begin().await.unwrap();
            points::credit(
                slow.conn(),
                app.ids.member_c,
                &LedgerKey::meeting_attended(2, app.ids.member_c),
                "参加组织生活",
                now,
            )
            .await
            .unwrap();
            earn(&app, app.ids.member_b, 3).await;
            let page = c.get("/rankings?scope=county&period=all").await;
            assert_eq!(score(&page.body), 1, "not committed yet");
            slow.commit().await.unwrap();
            // Gaps are looked for again at most once a second: the late credit is ranked
            // then, not lost.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while score(&c.get("/rankings?scope=county&period=all").await.body) != 6
                && std::time::Instant::now() < deadline
            {
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
        } else {
            earn(&app, app.ids.member_c, 2).await;
        }
        let page = c.get("/rankings?scope=county&period=all").await;
        assert_eq!(score(&page.body), 6);
        // Read again: nothing is applied twice.
        let page = c.get("/rankings?scope=county&period=all").await;
        assert_eq!(score(&page.body), 6);
    }
);

async fn badge(app: &TestApp, member: i64, key: &str, at: i64) {
    sqlx::query("INSERT INTO badges (holder_kind, holder_id, source_key, title, reason, awarded_at) VALUES ('member', $1, $2, '徽章', '测试', $3)")
        .bind(member)
        .bind(key)
        .bind(at)
        .execute(app.db.pool())
        .await
        .unwrap();
}

both!(
    members_are_ranked_by_badges_in_the_period_too,
    |app: TestApp| async move {
        let now = dangjian::domain::clock::now_epoch();
        let (a, b) = (app.ids.member_a, app.ids.member_b);
        badge(&app, a, "orglife:1:x:1", now).await;
        badge(&app, a, "orglife:1:x:2", now).await;
        badge(&app, b, "orglife:1:x:3", now).await;
        // Two years ago: all time only.
        badge(&app, b, "orglife:1:x:4", now - 730 * 86_400).await;
        badge(&app, b, "orglife:1:x:5", now - 730 * 86_400).await;
        let ma = app.login(phone::MEMBER_A).await;
        let month = ma.get("/rankings?scope=county&period=month").await;
        assert!(month.contains("id=\"my-badges\">2</strong>"));
        assert!(month.contains("id=\"my-badge-rank\">第1名</strong>"));
        let all = ma.get("/rankings?scope=county&period=all").await;
        assert!(
            all.contains("id=\"my-badge-rank\">第2名</strong>"),
            "王乙's 3 all told"
        );
        // A member of another town is not in the town's ranking; the county's has both.
        let mb = app.login(phone::MEMBER_B).await;
        assert!(
            mb.get("/rankings?scope=town&period=month")
                .await
                .contains("id=\"my-badge-rank\">第2名</strong>")
        );
        let mc = app.login(phone::MEMBER_C).await;
        let other = mc.get("/rankings?scope=town&period=month").await;
        assert!(other.contains("id=\"my-badges\">0</strong>"));
        assert!(other.contains("这一时段还没有人获得徽章"));
        // Badges awarded after the boards were built are ranked at the next read; a badge of
        // an organization (whose id may equal a member's) ranks no member.
        badge(&app, b, "orglife:1:x:6", now).await;
        badge(&app, b, "orglife:1:x:7", now).await;
        sqlx::query("INSERT INTO badges (holder_kind, holder_id, source_key, title, reason, awarded_at) VALUES ('org', $1, 'orglife:9', '徽章', '测试', $2)")
            .bind(a)
            .bind(now)
            .execute(app.db.pool())
            .await
            .unwrap();
        let month = ma.get("/rankings?scope=county&period=month").await;
        assert!(
            month.contains("id=\"my-badges\">2</strong>"),
            "the organization's badge is not 张甲's"
        );
        assert!(
            month.contains("id=\"my-badge-rank\">第2名</strong>"),
            "王乙 has 3 this month now"
        );
    }
);
