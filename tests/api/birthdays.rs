//! 政治生日: on the anniversary of joining a member is greeted on their home page and, once,
//! in the bell; every fifth year says more; the branch sees the month's political birthdays.
use crate::both;
use crate::support::{TestApp, phone};
use dangjian::domain::clock::{add_months, format_date, local_date, now_epoch};

both!(
    a_member_reads_their_political_birthday,
    |app: TestApp| async move {
        let ids = &app.ids;
        let today = local_date(now_epoch());
        let ten_years_ago = format_date(add_months(today, -120));
        let (sql, other) = (
            format!(
                "UPDATE members SET joined_on = '{ten_years_ago}' WHERE id = {}",
                ids.member_a
            ),
            format!(
                "UPDATE members SET joined_on = '{}' WHERE id = {}",
                format_date(add_months(today, -121)),
                ids.member_b
            ),
        );
        for s in [sql, other] {
            sqlx::query(&s).execute(app.db.pool()).await.unwrap();
        }
        let member = app.login(phone::MEMBER_A).await;
        let home = member.get("/").await;
        assert!(home.contains("id=\"political-birthday\""), "{}", home.body);
        assert!(home.contains("入党10周年，初心如磐"));
        // Not on anyone else's day.
        let b = app.login(phone::MEMBER_B).await;
        assert!(!b.get("/").await.contains("political-birthday"));

        // The bell, once however often the job runs.
        let now = now_epoch();
        let sent = dangjian::jobs::greet_political_birthdays(&app.db, now)
            .await
            .unwrap();
        assert_eq!(sent, 1);
        assert_eq!(
            dangjian::jobs::greet_political_birthdays(&app.db, now)
                .await
                .unwrap(),
            0
        );
        assert!(
            member
                .get("/notifications")
                .await
                .contains("政治生日：今天是您入党10周年")
        );

        // The branch sees this month's, with the round years marked.
        let secretary = app.login(phone::SECRETARY_A).await;
        let branch = secretary.get(&format!("/orgs/{}", ids.branch_a)).await;
        assert!(branch.contains("本月政治生日") && branch.contains("入党10周年"));
        assert!(branch.contains(&format!("{} · 入党10周年", format_date(today))));
    }
);
