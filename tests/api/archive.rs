//! A deployment's archive (`dangjian backup` / `restore`): everything in it comes back in an
//! empty deployment on the other engine, and a wrong key or a used deployment is refused.
use crate::both;
use crate::support::{Engine, TestApp, id_number, phone, testdata};

async fn table_counts(app: &TestApp) -> Vec<(String, i64)> {
    let mut conn = app.db.conn().await.unwrap();
    let tables = dangjian::store::archive::tables(&mut conn, app.db.engine)
        .await
        .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let n = dangjian::store::archive::count(&mut conn, &t.name)
            .await
            .unwrap();
        out.push((t.name, n));
    }
    out
}

both!(
    an_archive_restores_everything_on_the_other_engine,
    |app: TestApp| async move {
        // Something of every kind: accounts and the register (the fixture), a photo.
        let editor = app.login(phone::COUNTY_ADMIN).await;
        let county = app.ids.county.to_string();
        let published = editor
            .post_multipart(
                "/articles/new",
                &[
                    ("org", &county),
                    ("title", "备份前发布的文章"),
                    ("source", "人民日报"),
                    ("column_name", "理论学习"),
                    ("body", "正文"),
                ],
                vec![("cover", "封面.jpg", testdata("coffee.jpg"))],
            )
            .await;
        assert_eq!(published.status, 303);
        let archive = app.data_dir.join("backup.zip");
        let files = app.data_dir.join("files");
        let made = dangjian::archive::write(&app.db, &app.keys, &files, &archive)
            .await
            .unwrap();
        assert_eq!(made.files.len(), 2, "the cover and its thumbnail");
        assert!(
            dangjian::archive::write(&app.db, &app.keys, &files, &archive)
                .await
                .is_err(),
            "an archive is never overwritten"
        );

        let other = match app.engine {
            Engine::Sqlite => Engine::Postgres,
            Engine::Postgres => Engine::Sqlite,
        };
        let target = TestApp::spawn_with_key_of(other, &app).await.unwrap();
        let target_files = target.data_dir.join("files");
        dangjian::archive::restore(&target.db, &target.keys, &target_files, &archive)
            .await
            .unwrap();
        assert_eq!(table_counts(&target).await, table_counts(&app).await);
        // The same member page, the full ID number decrypted with the same key.
        let admin = target.login(phone::COUNTY_ADMIN).await;
        let page = admin
            .post(&format!("/members/{}/reveal", app.ids.member_a), &[])
            .await;
        assert!(page.contains(&id_number("1970-05-01", 13)), "{}", page.body);
        let (article,): (i64,) = sqlx::query_as("SELECT id FROM articles")
            .fetch_one(target.db.pool())
            .await
            .unwrap();
        let member = target.login(phone::MEMBER_A).await;
        let page = member.get(&format!("/articles/{article}")).await;
        let at = page.body.find("class=\"cover\" src=\"").unwrap() + 19;
        let src: String = page.body[at..].chars().take_while(|c| *c != '"').collect();
        let (status, bytes) = member.get_bytes(&src).await;
        let (_, original) = app.login(phone::MEMBER_A).await.get_bytes(&src).await;
        assert_eq!((status, bytes.len()), (200, original.len()));
        // New rows after a restore take new ids (the engines' counters moved past the archive's).
        let posted = admin
            .post_multipart(
                "/articles/new",
                &[
                    ("org", &county),
                    ("title", "恢复后发布的文章"),
                    ("source", "本县"),
                    ("column_name", "理论学习"),
                    ("body", "正文"),
                ],
                vec![],
            )
            .await;
        assert_eq!(posted.status, 303, "{}", posted.body);

        // Refused: a deployment that holds data, and a deployment with another key.
        let again =
            dangjian::archive::restore(&target.db, &target.keys, &target_files, &archive).await;
        assert!(
            again
                .unwrap_err()
                .to_string()
                .contains("already holds data")
        );
        let stranger = TestApp::spawn_empty(other).await.unwrap();
        let wrong_key = dangjian::archive::restore(
            &stranger.db,
            &stranger.keys,
            &stranger.data_dir.join("files"),
            &archive,
        )
        .await;
        assert!(wrong_key.unwrap_err().to_string().contains("key"));
        assert_eq!(stranger.count("SELECT COUNT(*) FROM members").await, 0);
    }
);

both!(
    the_daily_backup_runs_once_a_day_and_keeps_the_newest,
    |app: TestApp| async move {
        let dir = app.data_dir.join("backups");
        let files = app.data_dir.join("files");
        let at = |day: &str, hour| {
            let date = dangjian::domain::clock::parse_date(day).unwrap();
            dangjian::domain::clock::shanghai_epoch(date, time::Time::from_hms(hour, 0, 0).unwrap())
        };
        let night =
            dangjian::archive::daily(&app.db, &app.keys, &files, (&dir, 2), at("2026-12-01", 1))
                .await
                .unwrap();
        assert_eq!(night, None, "not before two in the morning");
        for day in ["2026-12-01", "2026-12-02", "2026-12-03"] {
            let written =
                dangjian::archive::daily(&app.db, &app.keys, &files, (&dir, 2), at(day, 3))
                    .await
                    .unwrap();
            assert!(written.is_some(), "{day}");
            let again = dangjian::archive::daily(&app.db, &app.keys, &files, (&dir, 2), at(day, 4))
                .await
                .unwrap();
            assert_eq!(again, None, "once a day");
        }
        let mut kept: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        kept.sort();
        assert_eq!(
            kept,
            vec!["dangjian-2026-12-02.zip", "dangjian-2026-12-03.zip"]
        );
        let m = dangjian::archive::manifest(&dir.join("dangjian-2026-12-03.zip")).unwrap();
        assert!(m.rows() > 0);
    }
);
