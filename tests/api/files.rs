use crate::both;
use crate::support::{TestApp, phone, stored_files, testdata};
use dangjian::domain::orglife::MeetingKind;
use dangjian::store::{meetings, orgs};

async fn meeting_now(app: &TestApp) -> i64 {
    let org = orgs::get(&app.db, app.ids.branch_a).await.unwrap();
    let start = dangjian::domain::clock::now_epoch() - 3600;
    let mut tx = app.db.begin().await.unwrap();
    let id = meetings::create(
        tx.conn(),
        &meetings::NewMeeting {
            org_id: org.id,
            org_path: org.path.clone(),
            party_group: false,
            kind: MeetingKind::ThemeDay,
            topic: "主题党日".into(),
            starts_at: start,
            ends_at: start + 7200,
            place: "党员活动室".into(),
            point_e6: None,
            host_member_id: None,
            recorder_member_id: None,
            agenda: vec![],
            created_by: 1,
        },
        start,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    id
}

both!(
    photos_are_checked_by_content_reencoded_and_served_in_scope,
    |app: TestApp| async move {
        let id = meeting_now(&app).await;
        let sec = app.login(phone::SECRETARY_A).await;
        let path = format!("/meetings/{id}/files");
        // A renamed executable: refused, nothing stored.
        let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec();
        exe.resize(4096, 0);
        let refused = sec.upload(&path, "photo", "合影.jpg", exe).await;
        assert_eq!(refused.status, 400);
        assert!(refused.contains("只能上传 JPEG、PNG 或 WebP 格式的照片"));
        // 11 MB: refused with a message.
        let mut huge = testdata("cat.jpg");
        huge.resize(11 * 1024 * 1024, 0);
        let too_big = sec.upload(&path, "photo", "big.jpg", huge).await;
        assert_eq!(too_big.status, 400);
        assert!(too_big.contains("照片不能超过10MB"));
        assert_eq!(app.count("SELECT COUNT(*) FROM meeting_files").await, 0);
        assert_eq!(stored_files(&app), 0);

        // A phone's photo: stored re-encoded, location gone, capture time kept.
        let ok = sec
            .upload(
                &path,
                "photo",
                "IMG_20230327.jpg",
                testdata("meeting-with-exif-gps.jpg"),
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let (file_id, captured): (i64, Option<i64>) =
            sqlx::query_as("SELECT id, captured_at FROM meeting_files")
                .fetch_one(app.db.pool())
                .await
                .unwrap();
        assert_eq!(captured, Some(1679881272));
        let page = sec.get(&format!("/meetings/{id}")).await;
        assert!(page.contains("拍摄于 2023-03-27 09:41"));
        let served = sec
            .http
            .get(format!("{}/files/{file_id}", sec.base))
            .send()
            .await
            .unwrap();
        assert_eq!(served.headers()["content-type"], "image/jpeg");
        let body = served.bytes().await.unwrap();
        assert!(!body.windows(4).any(|w| w == b"Exif"), "metadata removed");
        assert_eq!(
            sec.get(&format!("/files/{file_id}/thumb")).await.status,
            200
        );
        // Another branch: not found. The branch's own member: visible.
        let b = app.login(phone::MEMBER_B).await;
        assert_eq!(b.get(&format!("/files/{file_id}")).await.status, 404);
        let a = app.login(phone::MEMBER_A).await;
        assert_eq!(a.get(&format!("/files/{file_id}/thumb")).await.status, 200);
        assert_eq!(
            a.upload(&path, "photo", "x.jpg", testdata("cat.jpg"))
                .await
                .status,
            403
        );

        // Materials: by content; a PDF downloads under its name.
        let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
        assert_eq!(
            sec.upload(&path, "material", "会议纪要.pdf", pdf)
                .await
                .status,
            303
        );
        let bad = sec
            .upload(
                &path,
                "material",
                "纪要.docx",
                b"just text pretending".to_vec(),
            )
            .await;
        assert!(bad.contains("材料只能是 PDF、Word 或 Excel 文件"));
        let (mat,): (i64,) = sqlx::query_as("SELECT id FROM meeting_files WHERE kind = 'material'")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        let dl = sec
            .http
            .get(format!("{}/files/{mat}", sec.base))
            .send()
            .await
            .unwrap();
        assert!(
            dl.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .contains("%E4%BC%9A%E8%AE%AE")
        );

        // Hostile files: a JPEG that is also a web page keeps only its picture; an SVG with a
        // script and an empty file are refused; a web page named .pdf is not a material.
        let mut polyglot = testdata("cat.jpg");
        polyglot.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
        let kept = sec.upload(&path, "photo", "合影.jpg", polyglot).await;
        assert_eq!(kept.status, 303, "{}", kept.body);
        let (newest,): (i64,) = sqlx::query_as("SELECT MAX(id) FROM meeting_files")
            .fetch_one(app.db.pool())
            .await
            .unwrap();
        let (_, served) = sec.get_bytes(&format!("/files/{newest}")).await;
        assert!(served.starts_with(&[0xFF, 0xD8]) && !served.windows(7).any(|w| w == b"<script"));
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>";
        for (field, name, bytes) in [
            ("photo", "logo.svg", svg.to_vec()),
            ("photo", "空.jpg", Vec::new()),
            ("material", "空.pdf", Vec::new()),
            (
                "material",
                "page.pdf",
                b"<html><script>alert(1)</script></html>".to_vec(),
            ),
        ] {
            let refused = sec.upload(&path, field, name, bytes).await;
            assert_eq!(refused.status, 400, "{name}: {}", refused.body);
        }
        let dl_all = sec
            .http
            .get(format!("{}/files/{mat}", sec.base))
            .send()
            .await
            .unwrap();
        assert_eq!(dl_all.headers()["x-content-type-options"], "nosniff");
        assert!(
            dl_all.headers()["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("attachment")
        );

        // With minutes, a photo and everyone present, closing turns the month red.
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
            &[("minutes", "学习党章")],
        )
        .await;
        sec.post(&format!("/meetings/{id}/close"), &[]).await;
        assert!(
            sec.get(&format!("/orgs/{}/grid", app.ids.branch_a))
                .await
                .contains("cell red")
        );
        assert_eq!(app.count("SELECT COUNT(*) FROM badges").await, 4);
    }
);
