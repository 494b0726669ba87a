use crate::both;
use crate::support::{TestApp, phone};

both!(
    create_edit_move_and_dissolve_organizations,
    |app: TestApp| async move {
        let ids = &app.ids;
        let town = app.login(phone::TOWN_ADMIN).await;
        // Bad input: a clear message, nothing created.
        let before = app.count("SELECT COUNT(*) FROM orgs").await;
        let bad = town
            .post(
                &format!("/orgs/{}/new", ids.town),
                &[("name", ""), ("kind", "county"), ("category", "rural")],
            )
            .await;
        assert_eq!(bad.status, 422);
        assert!(bad.contains("此项必填") && bad.contains("请选择可在此组织下设立的组织类型"));
        assert_eq!(app.count("SELECT COUNT(*) FROM orgs").await, before);
        let created = town
            .post(
                &format!("/orgs/{}/new", ids.town),
                &[
                    ("name", "丁村党支部"),
                    ("kind", "branch"),
                    ("category", "rural"),
                    ("sort_order", "3"),
                ],
            )
            .await;
        assert_eq!(created.status, 303, "{}", created.body);
        let new_id: i64 = created
            .location
            .trim_start_matches("/orgs/")
            .parse()
            .unwrap();
        let page = town.get(&format!("/orgs/{}", ids.town)).await;
        assert!(page.contains("丁村党支部"));
        // Editing keeps the type; a bad sort order is refused.
        let edit = town
            .post(
                &format!("/orgs/{new_id}/edit"),
                &[
                    ("name", "丁庄党支部"),
                    ("category", "rural"),
                    ("sort_order", "x"),
                ],
            )
            .await;
        assert!(edit.contains("排序号应为0到9999的整数"));
        assert_eq!(
            town.post(
                &format!("/orgs/{new_id}/edit"),
                &[
                    ("name", "丁庄党支部"),
                    ("category", "community"),
                    ("sort_order", "1")
                ]
            )
            .await
            .status,
            303
        );
        assert!(
            town.get(&format!("/orgs/{new_id}"))
                .await
                .contains("丁庄党支部")
        );
        // A town administrator cannot reach into the neighbouring town.
        assert_eq!(
            town.post(
                &format!("/orgs/{}/new", ids.town2),
                &[("name", "x"), ("kind", "branch"), ("category", "rural")]
            )
            .await
            .status,
            404
        );
        // Dissolving: refused while members remain, allowed when empty.
        let refused = town
            .post(&format!("/orgs/{}/dissolve", ids.branch_b), &[])
            .await;
        assert_eq!(refused.status, 303);
        assert!(
            town.get(&refused.location)
                .await
                .contains("该组织还有1名党员")
        );
        let dissolved = town.post(&format!("/orgs/{new_id}/dissolve"), &[]).await;
        assert!(
            town.get(&dissolved.location)
                .await
                .contains("已撤销丁庄党支部")
        );
        assert!(
            !town
                .get(&format!("/orgs/{}", ids.town))
                .await
                .contains("丁庄党支部")
        );
        // The town cannot dissolve itself.
        assert_eq!(
            town.post(&format!("/orgs/{}/dissolve", ids.town), &[])
                .await
                .status,
            404
        );
    }
);

both!(
    moving_a_subtree_moves_everything_below,
    |app: TestApp| async move {
        let ids = &app.ids;
        let county = app.login(phone::COUNTY_ADMIN).await;
        // Into its own subtree: refused.
        let into_self = county
            .post(
                &format!("/orgs/{}/move", ids.town),
                &[("target", &ids.branch_a.to_string())],
            )
            .await;
        assert_eq!(into_self.status, 422);
        // A branch cannot sit under a party group.
        let wrong_type = county
            .post(
                &format!("/orgs/{}/move", ids.branch_b),
                &[("target", &ids.group_a.to_string())],
            )
            .await;
        assert!(
            wrong_type.contains("该类型的组织不能隶属于所选组织")
                || wrong_type.contains("不能移动到自身")
        );
        let moved = county
            .post(
                &format!("/orgs/{}/move", ids.branch_a),
                &[("target", &ids.town2.to_string())],
            )
            .await;
        assert_eq!(moved.status, 303, "{}", moved.body);
        let paths: Vec<(i64, String, i64)> =
            sqlx::query_as("SELECT id, path, depth FROM orgs ORDER BY id")
                .fetch_all(app.db.pool())
                .await
                .unwrap();
        let path_of = |id| paths.iter().find(|(i, _, _)| *i == id).unwrap().clone();
        let group = path_of(ids.group_a);
        assert_eq!(
            group.1,
            format!(
                "/{}/{}/{}/{}/",
                ids.county, ids.town2, ids.branch_a, ids.group_a
            )
        );
        assert_eq!(group.2, 3);
        // Scope follows the tree: the town administrator lost branch A, town2's gained nothing else.
        let town = app.login(phone::TOWN_ADMIN).await;
        assert_eq!(
            town.get(&format!("/members/{}", ids.member_b)).await.status,
            200
        );
        let list = town.get("/members").await;
        assert!(!list.contains("张甲"));
        let page = county.get(&format!("/orgs/{}", ids.town2)).await;
        assert!(page.contains("甲村党支部"));
    }
);

both!(
    a_branch_admin_manages_party_groups_only,
    |app: TestApp| async move {
        let ids = &app.ids;
        let sec = app.login(phone::SECRETARY_A).await;
        let form = sec.get(&format!("/orgs/{}/new", ids.branch_a)).await;
        assert!(form.contains("党小组") && !form.contains("value=\"branch\""));
        let created = sec
            .post(
                &format!("/orgs/{}/new", ids.branch_a),
                &[
                    ("name", "第二党小组"),
                    ("kind", "party_group"),
                    ("category", "rural"),
                ],
            )
            .await;
        assert_eq!(created.status, 303);
        let refused = sec
            .post(
                &format!("/orgs/{}/new", ids.branch_a),
                &[("name", "x"), ("kind", "branch"), ("category", "rural")],
            )
            .await;
        assert_eq!(refused.status, 422);
        assert_eq!(
            sec.get(&format!("/orgs/{}/move", ids.branch_a))
                .await
                .status,
            404
        );
    }
);
