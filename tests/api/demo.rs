use crate::support::{Engine, TestApp};
use dangjian::demo::{DEMO_PASSWORD, LOGINS};
use dangjian::domain::org::{OrgCategory, OrgType};

fn total(page: &str) -> i64 {
    let at = page.find("共 ").expect("a member count") + "共 ".len();
    page[at..].split(' ').next().unwrap().parse().unwrap()
}

async fn members_under(app: &TestApp, org_sql: &str) -> i64 {
    let (path,): (String,) = sqlx::query_as(org_sql)
        .fetch_one(app.db.pool())
        .await
        .unwrap();
    let (lo, hi) = dangjian::domain::org::subtree_range(&path);
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM members m JOIN orgs b ON b.id = m.branch_id WHERE b.path >= $1 AND b.path < $2 AND m.left_on IS NULL",
    )
    .bind(lo)
    .bind(hi)
    .fetch_one(app.db.pool())
    .await
    .unwrap();
    n
}

async fn demo_county_logs_in_as_every_role(engine: Engine) {
    let Some(app) = TestApp::spawn_empty(engine).await else {
        return;
    };
    let summary = dangjian::demo::generate(&app.db, &app.keys, 2019)
        .await
        .unwrap();
    assert!(summary.contains(DEMO_PASSWORD));
    assert!(app.count("SELECT COUNT(*) FROM orgs").await >= 1000);
    assert!(app.count("SELECT COUNT(*) FROM members").await >= 10_000);
    for t in OrgType::ALL {
        let n = app
            .count(&format!(
                "SELECT COUNT(*) FROM orgs WHERE kind = '{}'",
                t.code()
            ))
            .await;
        assert!(n > 0, "the demo has a {}", t.label());
    }
    for c in OrgCategory::ALL {
        let n = app
            .count(&format!(
                "SELECT COUNT(*) FROM orgs WHERE category = '{}'",
                c.code()
            ))
            .await;
        assert!(n > 0, "the demo has {}", c.label());
    }
    let questions = dangjian::demo::question_bank(&app.db).await.unwrap();
    assert!(questions >= 100, "{questions} questions");
    assert_eq!(app.count("SELECT COUNT(*) FROM prizes").await, 4);
    // Every question's answer fits its options.
    for (kind, options, answer) in
        sqlx::query_as::<_, (String, String, String)>("SELECT kind, options, answer FROM questions")
            .fetch_all(app.db.pool())
            .await
            .unwrap()
    {
        let kind = dangjian::domain::daily::QuestionKind::from_code(&kind).unwrap();
        let n = options.lines().filter(|l| !l.trim().is_empty()).count();
        assert!(
            dangjian::domain::daily::valid_choice(kind, n, &answer),
            "{options} / {answer}"
        );
    }
    // A second run refuses to mix demo data into a filled database.
    assert!(
        dangjian::demo::generate(&app.db, &app.keys, 2019)
            .await
            .is_err()
    );

    let login = |i: usize| {
        let app = &app;
        async move {
            let mut c = app.client();
            let res = c.login(LOGINS[i].1, DEMO_PASSWORD).await;
            assert_eq!(res.status, 303, "{} logs in", LOGINS[i].0);
            c.refresh_csrf().await;
            c
        }
    };
    let everyone = app
        .count("SELECT COUNT(*) FROM members WHERE left_on IS NULL")
        .await;

    // Three days of study: articles to read, history, points earned the live way.
    let files = dangjian::files::Storage::local(app.data_dir.join("files"));
    let (study, _) = dangjian::demo::study(&app.db, &files, 2019, 3)
        .await
        .unwrap();
    assert!(study.contains("篇文章"), "{study}");
    assert!(
        app.count(
            "SELECT COUNT(DISTINCT month_day) FROM history_entries WHERE status = 'approved'"
        )
        .await
            >= 150
    );
    let answered = app.count("SELECT COUNT(*) FROM daily_answers").await;
    assert!(
        answered > everyone,
        "about half answer on each of three days: {answered}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM points_ledger WHERE rule = 'daily_answer'")
            .await,
        answered
    );
    assert_eq!(
        app.count("SELECT CAST(SUM(lifetime) AS BIGINT) FROM member_points")
            .await,
        app.count("SELECT CAST(SUM(lifetime_delta) AS BIGINT) FROM points_ledger")
            .await,
        "running totals agree with the ledger"
    );

    // A year of 云上擂台: what it flags is true, published results are complete.
    let arena = dangjian::demo::arena_demo(&app.db, &files, 2019)
        .await
        .unwrap();
    assert!(arena.contains("场擂台赛"), "{arena}");
    assert!(
        app.count("SELECT COUNT(*) FROM contests WHERE published_at IS NOT NULL")
            .await
            >= 20
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM contest_entries e JOIN contests c ON c.id = e.contest_id WHERE c.published_at IS NOT NULL \
             AND (SELECT COUNT(DISTINCT s.position) FROM entry_scores s WHERE s.entry_id = e.id) < 3"
        )
        .await,
        0,
        "every published entry is scored on every criterion"
    );
    let today = dangjian::domain::clock::format_date(dangjian::domain::clock::local_date(
        dangjian::domain::clock::now_epoch(),
    ));
    let late = app
        .count(&format!(
            "SELECT COUNT(DISTINCT project_id) FROM project_milestones WHERE done_on IS NULL AND due_on < '{today}'"
        ))
        .await;
    assert!(
        late > 0 && arena.contains(&format!("{late} 个有逾期节点")),
        "{arena}"
    );
    assert!(
        app.count("SELECT COUNT(*) FROM experiences WHERE status = 'approved'")
            .await
            >= 10
    );

    demo_development(&app, &files).await;
    demo_organization(&app).await;

    let member = login(0).await;
    assert!(member.get("/").await.contains("同志，您好"));
    assert!(member.get("/arena").await.contains("可投票"));
    let joint = member.get("/joint").await;
    assert!(joint.contains("第一联村党总支") && joint.contains("成员村党支部书记联席会"));
    assert_eq!(member.get("/members").await.status, 403);
    let articles = member.get("/articles").await;
    assert!(articles.contains("“三会一课”怎么开才不走过场"));
    assert!(articles.contains("cover-thumb"));
    assert!(member.get("/rankings").await.contains("my-rank"));

    let secretary = login(1).await;
    let expected = members_under(&app, "SELECT o.path FROM users u JOIN members m ON m.id = u.member_id JOIN orgs o ON o.id = m.branch_id WHERE u.phone_mask = '138****0002'").await;
    assert_eq!(total(&secretary.get("/members").await.body), expected);
    assert!(expected < 100);
    let open = secretary.get("/arena").await;
    assert!(
        open.contains("可报名"),
        "this quarter's contest waits for the secretary's entry"
    );

    let town = login(2).await;
    let expected = members_under(&app, "SELECT path FROM orgs WHERE name = '城关镇党委'").await;
    assert_eq!(total(&town.get("/members").await.body), expected);
    assert!(expected > 300 && expected < everyone);
    assert!(
        town.get("/arena").await.contains("待评分"),
        "the town judges its own contest"
    );

    let county = login(3).await;
    // After the demos above: the cancelled probation and those transferred out of the county
    // are off the roster, those transferred in are on it.
    let on_roster = app
        .count("SELECT COUNT(*) FROM members WHERE left_on IS NULL")
        .await;
    let left = app
        .count("SELECT COUNT(*) FROM members WHERE left_on IS NOT NULL")
        .await;
    let arrived = app
        .count("SELECT COUNT(*) FROM transfers WHERE direction = 'in'")
        .await;
    assert_eq!(on_roster, everyone - left + arrived);
    assert_eq!(total(&county.get("/members").await.body), on_roster);

    let editor = login(4).await;
    assert_eq!(editor.get("/").await.status, 200);
    assert_eq!(editor.get("/members").await.status, 403);

    for (i, page) in [
        (5, "/admin/accounts"),
        (6, "/security/grants"),
        (7, "/audit"),
    ] {
        let officer = login(i).await;
        assert_eq!(officer.get(page).await.status, 200, "{}", LOGINS[i].0);
        assert_eq!(officer.get("/members").await.status, 403, "{}", LOGINS[i].0);
    }
}

/// The demo's transfers, committees, flowing members and political birthdays: every case
/// the platform checks has true instances, in the spread a county has.
async fn demo_organization(app: &TestApp) {
    use dangjian::domain::committee::TermState;
    let summary = dangjian::demo::transfers_demo(&app.db, &app.keys, 2019)
        .await
        .unwrap();
    let (committees, overdue) = dangjian::demo::committees_demo(&app.db, 2019)
        .await
        .unwrap();
    let count = |status: &str, direction: &str| {
        format!(
            "SELECT COUNT(*) FROM transfers WHERE status = '{status}' AND direction = '{direction}'"
        )
    };
    for (status, direction, expected) in [
        ("returned", "within", 1),
        ("pending", "within", 2),
        ("expired", "out", 1),
        ("pending", "out", 2),
        ("registered", "in", 6),
    ] {
        assert_eq!(
            app.count(&count(status, direction)).await,
            expected,
            "{status} {direction}: {summary}"
        );
    }
    assert!(
        app.count(&count("accepted", "within")).await >= 20,
        "{summary}"
    );
    let receipted = app.count(&count("receipted", "out")).await;
    assert!(receipted >= 8, "{summary}");
    // Each receipted letter took its member off the roster, and only those (and the cancelled
    // probation) left.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM members WHERE left_on LIKE '%' AND left_reason LIKE '转出县外%'"
        )
        .await,
        receipted
    );
    // About 2 % flowing out, some back, members from elsewhere in some branches.
    let members = app
        .count("SELECT COUNT(*) FROM members WHERE left_on IS NULL")
        .await;
    let away = app
        .count("SELECT COUNT(*) FROM flows WHERE direction = 'out' AND ended_on IS NULL")
        .await;
    assert!(
        away * 100 >= members && away * 100 <= members * 3,
        "{away} of {members}"
    );
    assert!(
        app.count("SELECT COUNT(*) FROM flows WHERE direction = 'in'")
            .await
            >= 10
    );
    // Every organization with a committee has one now; a few overdue, some ending soon.
    let county = dangjian::store::orgs::root(&app.db).await.unwrap().unwrap();
    let now = dangjian::store::committees::current_in(&app.db, &county.path)
        .await
        .unwrap();
    let holders = app
        .count("SELECT COUNT(*) FROM orgs WHERE kind <> 'party_group' AND dissolved_at IS NULL")
        .await as usize;
    assert!(
        now.len() * 10 >= holders * 9,
        "{} of {holders}: {committees}",
        now.len()
    );
    assert!(committees.contains(&format!("{}个组织记录了班子", now.len())));
    let today = dangjian::domain::clock::local_date(dangjian::domain::clock::now_epoch());
    let late = now
        .iter()
        .filter(|c| c.state_on(today) == TermState::Overdue)
        .count();
    assert_eq!(late as u32, overdue);
    assert!(
        overdue >= 10 && (overdue as usize) * 10 < now.len(),
        "{committees}"
    );
    assert!(
        now.iter()
            .any(|c| c.state_on(today) == TermState::WithinThreeMonths),
        "{committees}"
    );
    // Each branch committee has one 书记, who holds the office in the register too.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM committees c JOIN orgs o ON o.id = c.org_id WHERE o.kind = 'branch' \
             AND (SELECT COUNT(*) FROM committee_seats s WHERE s.committee_id = c.id AND s.office = 'secretary') <> 1"
        )
        .await,
        0
    );
    // Today's political birthdays are there to be greeted.
    let today_md = format!("{:02}-{:02}", today.month() as u8, today.day());
    assert!(
        app.count(&format!(
            "SELECT COUNT(*) FROM members WHERE left_on IS NULL AND substr(joined_on, 6, 5) = '{today_md}'"
        ))
        .await
            > 0
    );
}

/// 发展党员 in the demo: about three hundred people in the spread a county has, every path
/// as the rules allow it step by step, the roster agreeing with each member's path, and the
/// county's board counting what the demo says it made.
async fn demo_development(app: &TestApp, files: &dangjian::files::Storage) {
    use dangjian::domain::development::{self as rules, Counts, Detail, History, Stage};
    use dangjian::store::development as store;
    let summary = dangjian::demo::development_demo(&app.db, &app.keys, files, 2019)
        .await
        .unwrap();
    let today = dangjian::domain::clock::local_date(dangjian::domain::clock::now_epoch());
    let county = dangjian::store::orgs::root(&app.db).await.unwrap().unwrap();
    let paths = store::paths_in(&app.db, &county.path, true).await.unwrap();
    assert!((250..=400).contains(&paths.len()), "{summary}");
    let (mut counts, mut extended, mut cancelled) = (Counts::default(), 0, 0);
    let mut conn = app.db.conn().await.unwrap();
    for (person, h) in &paths {
        let rows = store::steps_of(&mut conn, person.id).await.unwrap();
        let named = store::named_members(&mut conn, person.id).await.unwrap();
        let mut replay = History {
            birth: h.birth,
            done: vec![],
        };
        for (row, done) in rows.iter().filter_map(|r| r.done().map(|d| (r, d))) {
            let detail = Detail {
                people: named
                    .iter()
                    .filter(|(s, _, _)| *s == row.step)
                    .map(|(_, m, _)| (*m, true))
                    .collect(),
                training: row
                    .training_days
                    .zip(row.training_hours)
                    .map(|(d, h)| (d as u32, h as u32)),
                vote: row.vote(),
                decision: row.decision(),
                document: row.doc_key.is_some(),
            };
            if let Err(why) = rules::check(&replay, done.step, done.on, today, &detail) {
                panic!("{} step {} on {}: {why}", person.name, done.step, done.on);
            }
            replay.done.push(done);
        }
        let s = rules::standing(h);
        counts.add(&s, today);
        extended += usize::from(rows.iter().any(|r| r.decision.as_deref() == Some("extend")));
        cancelled += usize::from(s.stage == Stage::Cancelled);
        // The roster follows a member's path.
        if let Some(member) = person.member_id {
            let m = dangjian::store::members::get_in(&mut conn, member)
                .await
                .unwrap();
            assert_eq!(
                m.full_member_on,
                h.full_member_on().map(dangjian::domain::clock::format_date),
                "{}",
                m.name
            );
            // 取消预备党员资格 takes them off the roster; nobody else leaves.
            assert_eq!(
                m.left_on.is_some(),
                s.stage == Stage::Cancelled,
                "{}",
                m.name
            );
        }
    }
    drop(conn);
    assert!(
        counts.applicants > counts.activists
            && counts.activists > counts.candidates
            && counts.candidates > 0
            && counts.probationary > 0,
        "{counts:?}"
    );
    assert!(
        counts.overdue > 0 && counts.due_this_month > 0,
        "{counts:?}"
    );
    assert!(extended >= 1 && cancelled == 1, "{summary}");
    assert!(
        summary.contains(&format!("入党申请人 {}，", counts.applicants)),
        "{summary}"
    );

    // The county's board counts the same; the applicant's login sees their own path.
    let mut county_admin = app.client();
    county_admin.login(LOGINS[3].1, DEMO_PASSWORD).await;
    county_admin.refresh_csrf().await;
    let board = county_admin.get("/development").await;
    for (id, n) in [
        ("count-applicants", counts.applicants),
        ("count-activists", counts.activists),
        ("count-candidates", counts.candidates),
        ("count-probationary", counts.probationary),
        ("count-overdue", counts.overdue),
    ] {
        assert!(board.contains(&format!("id=\"{id}\">{n}<")), "{id} {n}");
    }
    let mut applicant = app.client();
    applicant
        .login(dangjian::demo::APPLICANT_LOGIN.1, DEMO_PASSWORD)
        .await;
    applicant.refresh_csrf().await;
    let mine = applicant.get("/development/me").await;
    assert_eq!(mine.status, 200);
    assert!(mine.contains("入党积极分子"), "{}", mine.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_county_sqlite() {
    demo_county_logs_in_as_every_role(Engine::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_county_postgres() {
    demo_county_logs_in_as_every_role(Engine::Postgres).await;
}
