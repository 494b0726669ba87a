//! Tries are counted: one account signing in, or checking in, too often in a minute is told
//! how long to wait (429, Retry-After) and nothing is done; another account is not held up.
use crate::both;
use crate::support::{PASSWORD, TestApp, phone};

both!(
    an_account_that_tries_too_often_is_told_to_wait,
    |app: TestApp| async move {
        // Checking in (here to a meeting that is not there): ten tries a minute, then a wait.
        let a = app.login(phone::MEMBER_A).await;
        for _ in 0..10 {
            let r = a.post("/checkin/999999", &[]).await;
            assert_eq!(r.status, 404, "{}", r.body);
        }
        let held = a
            .http
            .post(format!("{}/checkin/999999", a.base))
            .form(&[("csrf", a.csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(held.status(), 429);
        let wait: i64 = held.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=60).contains(&wait), "{wait}");
        assert!(held.text().await.unwrap().contains("签到太频繁"));
        let b = app.login(phone::MEMBER_B).await;
        assert_eq!(b.post("/checkin/999999", &[]).await.status, 404);

        // Signing in: ten a minute for one phone (the 安全管理员's lockout still counts
        // wrong passwords apart).
        for _ in 0..10 {
            let mut c = app.client();
            assert_eq!(c.login(phone::MEMBER_C, PASSWORD).await.status, 303);
        }
        let mut c = app.client();
        let refused = c.login(phone::MEMBER_C, PASSWORD).await;
        assert_eq!(refused.status, 429);
        assert!(refused.contains("登录太频繁"));
    }
);
