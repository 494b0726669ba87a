use crate::both;
use crate::support::{TestApp, phone};
use dangjian::http::{Access, route_table};

/// Which route rules each role passes. This is the matrix the code must agree with.
fn allowed(role: &str, access: Access) -> bool {
    use Access::*;
    match access {
        Public => true,
        SignedIn => role != "anonymous",
        Member => matches!(role, "member" | "secretary" | "town_admin" | "county_admin"),
        Applicant => role == "applicant",
        Admin => matches!(role, "secretary" | "town_admin" | "county_admin"),
        Editor => role == "county_admin",
        SystemAdmin => role == "system",
        SecurityAdmin => role == "security",
        AuditAdmin => role == "audit",
    }
}

both!(every_route_by_every_role, |app: TestApp| async move {
    let roles = [
        ("anonymous", None),
        ("member", Some(phone::MEMBER_A)),
        ("secretary", Some(phone::SECRETARY_A)),
        ("town_admin", Some(phone::TOWN_ADMIN)),
        ("county_admin", Some(phone::COUNTY_ADMIN)),
        ("system", Some(phone::SYSTEM)),
        ("security", Some(phone::SECURITY)),
        ("audit", Some(phone::AUDIT)),
        ("applicant", Some(phone::APPLICANT)),
    ];
    app.applicant().await;
    let mut table = route_table();
    let mut seen = std::collections::HashSet::new();
    for r in &table {
        assert!(
            seen.insert((r.method, r.path)),
            "{} {} declared twice",
            r.method,
            r.path
        );
    }
    // Logging out ends the session; do it last.
    table.sort_by_key(|r| r.path == "/logout");
    for (role, login) in roles {
        let client = match login {
            Some(p) => app.login(p).await,
            None => {
                let mut c = app.client();
                c.refresh_csrf().await;
                c
            }
        };
        for r in &table {
            // Ids that exist nowhere: an allowed role reaches the handler and gets 404.
            let path = r
                .path
                .replace("{id}", "999999")
                .replace("{file}", "nothing.css");
            let page = match r.method {
                "GET" => client.get(&path).await,
                _ => client.post(&path, &[]).await,
            };
            // Logging out sends the user to the login page: that is its success.
            let to_login = page.location.starts_with("/login") && r.path != "/logout";
            let denied = page.status == 403 || to_login;
            if allowed(role, r.access) {
                assert!(
                    !denied,
                    "{role} should reach {} {} but got {} {}",
                    r.method, r.path, page.status, page.location
                );
            } else if role == "anonymous" {
                assert!(
                    page.location.starts_with("/login"),
                    "{role} must sign in for {} {}",
                    r.method,
                    r.path
                );
            } else {
                assert_eq!(
                    page.status, 403,
                    "{role} must be refused {} {}",
                    r.method, r.path
                );
            }
        }
    }
});

both!(
    another_branchs_records_are_not_found,
    |app: TestApp| async move {
        let ids = &app.ids;
        let secretary = app.login(phone::SECRETARY_A).await;
        assert_eq!(
            secretary
                .get(&format!("/members/{}", ids.member_a))
                .await
                .status,
            200
        );
        for path in [
            format!("/members/{}", ids.member_b),
            format!("/members/{}/edit", ids.member_b),
            format!("/members/{}/transfer", ids.member_b),
            format!("/orgs/{}", ids.branch_b),
            format!("/orgs/{}", ids.town),
            format!("/members?branch={}", ids.branch_b),
        ] {
            assert_eq!(secretary.get(&path).await.status, 404, "{path}");
        }
        let edit = secretary
            .post(
                &format!("/members/{}/edit", ids.member_b),
                &[("name", "篡改")],
            )
            .await;
        assert_eq!(edit.status, 404);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM members WHERE name = '篡改'")
                .await,
            0
        );
        // The branch secretary's list holds only branch A.
        let list = secretary.get("/members").await;
        assert!(list.contains("张甲") && !list.contains("王乙") && !list.contains("孙丙"));

        // A plain member sees themselves and their branch, nobody else's profile.
        let member = app.login(phone::MEMBER_A).await;
        assert_eq!(
            member
                .get(&format!("/members/{}", ids.member_a))
                .await
                .status,
            200
        );
        assert_eq!(
            member.get(&format!("/orgs/{}", ids.branch_a)).await.status,
            200
        );
        let other = member.get(&format!("/members/{}", ids.member_b)).await;
        assert_eq!(other.status, 404);
        assert!(!other.contains("王乙"));
        assert_eq!(
            member.get(&format!("/orgs/{}", ids.branch_b)).await.status,
            404
        );

        // A town administrator covers the town, not the neighbouring one.
        let town = app.login(phone::TOWN_ADMIN).await;
        assert_eq!(
            town.get(&format!("/members/{}", ids.member_b)).await.status,
            200
        );
        assert_eq!(
            town.get(&format!("/members/{}", ids.member_c)).await.status,
            404
        );
        assert_eq!(town.get(&format!("/orgs/{}", ids.town2)).await.status, 404);
        let list = town.get("/members").await;
        assert!(list.contains("王乙") && !list.contains("孙丙"));

        // The county sees everything.
        let county = app.login(phone::COUNTY_ADMIN).await;
        assert_eq!(
            county
                .get(&format!("/members/{}", ids.member_c))
                .await
                .status,
            200
        );

        // Officers see no business data at all.
        let sys = app.login(phone::SYSTEM).await;
        assert_eq!(sys.get("/members").await.status, 403);
        assert_eq!(
            sys.get(&format!("/members/{}", ids.member_a)).await.status,
            404
        );
        assert_eq!(sys.get(&format!("/orgs/{}", ids.county)).await.status, 404);
    }
);

both!(officer_duties_stay_separated, |app: TestApp| async move {
    let sec = app.login(phone::SECURITY).await;
    // An officer account cannot take a second officer role, nor a member account one.
    let second = sec
        .post(
            "/security/grants",
            &[("phone", phone::AUDIT), ("role", "system_admin")],
        )
        .await;
    assert_eq!(second.status, 422);
    assert!(second.contains("三员分立"));
    let member = sec
        .post(
            "/security/grants",
            &[("phone", phone::MEMBER_A), ("role", "audit_admin")],
        )
        .await;
    assert!(member.contains("专用账号"));
    let own = sec
        .post(
            "/security/grants",
            &[
                ("phone", phone::SECURITY),
                ("role", "org_admin"),
                ("org", "1"),
            ],
        )
        .await;
    assert!(own.contains("不能给自己授权"));
    let branch_admin_on_town = sec
        .post(
            "/security/grants",
            &[
                ("phone", phone::MEMBER_B),
                ("role", "branch_admin"),
                ("org", &app.ids.town.to_string()),
            ],
        )
        .await;
    assert!(branch_admin_on_town.contains("支部管理员只能管辖党支部"));
    // A valid grant ends the member's sessions: they sign in again under the new role.
    let b = app.login(phone::MEMBER_B).await;
    assert_eq!(b.get("/members").await.status, 403);
    let ok = sec
        .post(
            "/security/grants",
            &[
                ("phone", phone::MEMBER_B),
                ("role", "branch_admin"),
                ("org", &app.ids.branch_b.to_string()),
            ],
        )
        .await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert!(b.get("/members").await.location.starts_with("/login"));
    let b = app.login(phone::MEMBER_B).await;
    let list = b.get("/members").await;
    assert_eq!(list.status, 200);
    assert!(list.contains("王乙") && !list.contains("张甲"));
    // Security settings: out of range is refused at the field.
    let bad = sec
        .post(
            "/security/settings",
            &[
                ("lockout_threshold", "1"),
                ("lockout_minutes", "15"),
                ("idle_timeout_minutes", "30"),
                ("password_max_age_days", "90"),
                ("password_history", "5"),
                ("audit_retention_days", "90"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.contains("连续登录失败锁定次数应为3到10之间的整数"));
    assert!(bad.contains("审计日志在库保留天数（之后归档）应为180到3650之间的整数"));
    let good = sec
        .post(
            "/security/settings",
            &[
                ("lockout_threshold", "3"),
                ("lockout_minutes", "15"),
                ("idle_timeout_minutes", "30"),
                ("password_max_age_days", "90"),
                ("password_history", "5"),
                ("audit_retention_days", "365"),
            ],
        )
        .await;
    assert_eq!(good.status, 303);
    let mut c = app.client();
    for _ in 0..3 {
        c.login(phone::MEMBER_C, "Wrong@pass1").await;
    }
    assert!(
        c.login(phone::MEMBER_C, crate::support::PASSWORD)
            .await
            .contains("账号已锁定")
    );
});
