//! A deterministic demo county: the organization tree, members with valid ID numbers,
//! accounts and one login per role.
use crate::crypto::{Keys, hash_password};
use crate::domain::idcard::check_char;
use crate::domain::member::{
    Education, Gender, MemberCategory, MemberEntry, MemberStatus, PersonFields, parse_member,
};
use crate::domain::org::{OrgCategory, OrgEntry, OrgType, parse_org};
use crate::domain::policy::Role;
use crate::error::{AppError, AppResult};
use crate::store::orgs::{self, Org};
use crate::store::{Db, WriteTx, audit, members, users};
use std::collections::HashSet;
use time::{Date, Duration, Month};

/// The demo's password for every demo account.
pub const DEMO_PASSWORD: &str = "Dangjian@2026";

/// The authenticator secret every demo administrator and officer is enrolled with (base32,
/// published in the README: demo data only).
pub const DEMO_TOTP_SECRET: &str = "DANGJIANYUNDEMOSECRETONLYFORDEMO";

/// Fixed logins, one per role, whatever the seed.
pub const LOGINS: &[(&str, &str)] = &[
    ("党员", "13800000001"),
    ("支部书记（支部管理员）", "13800000002"),
    ("乡镇党委组织委员（组织管理员）", "13800000003"),
    ("县委组织部（组织管理员）", "13800000004"),
    ("内容编辑", "13800000005"),
    ("系统管理员", "13900000001"),
    ("安全管理员", "13900000002"),
    ("审计管理员", "13900000003"),
];

/// A demo member before the register's rules check them.
struct Person {
    name: String,
    gender: Gender,
    ethnicity: &'static str,
    id_number: String,
    phone: Option<String>,
    education: Education,
    joined_on: String,
    /// Empty while probationary.
    full_member_on: String,
    probationary: bool,
    category: MemberCategory,
    veteran: bool,
}

/// SplitMix64: small, fast and the same on every machine.
struct Rng(u64);

mod arena;
mod care;
mod committees;
mod development;
mod dues;
mod scenes;
mod study;
mod transfers;
pub use arena::arena_demo;
pub use care::care_demo;
pub use committees::committees_demo;
pub use development::{APPLICANT_LOGIN, development_demo};
pub use dues::dues_demo;
pub use study::study;
pub use transfers::transfers_demo;

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕", "苏", "卢", "蒋", "蔡", "贾", "丁", "魏", "薛",
    "叶", "阎", "崔", "郝", "翟", "闫", "齐", "田", "史", "白", "孟", "耿",
];
const MALE_CHARS: &[&str] = &[
    "建", "国", "军", "伟", "强", "志", "明", "华", "刚", "勇", "新", "庆", "海", "文", "春", "永",
    "德", "红", "立", "平", "东", "振", "宝", "忠", "林", "峰", "磊", "涛", "辉", "斌", "杰", "成",
    "民", "兵", "俊", "亮", "超", "鹏", "飞", "全",
];
const FEMALE_CHARS: &[&str] = &[
    "秀", "英", "华", "丽", "娟", "敏", "静", "燕", "艳", "霞", "玲", "芳", "红", "梅", "萍", "兰",
    "桂", "凤", "慧", "琳", "婷", "雪", "颖", "洁", "倩", "晶", "莉", "欣", "悦", "佳", "淑", "珍",
    "荣", "彩", "云", "月", "春", "晓", "宁", "娜",
];
const TOWNS: &[&str] = &[
    "城关镇",
    "北石槽乡",
    "故仙镇",
    "西九吉乡",
    "沙河桥镇",
    "米各庄镇",
    "景和镇",
    "卧佛堂镇",
    "束城镇",
    "留古寺镇",
    "果子洼乡",
    "尊祖庄乡",
    "兴村乡",
    "诗经村乡",
    "时村乡",
    "黎民居乡",
    "行别营乡",
    "龙华店乡",
    "瀛州镇",
    "黄桥镇",
];
const VILLAGE_SUFFIX: &[&str] = &[
    "庄", "村", "屯", "营", "堡", "店", "寨", "集", "口", "桥", "洼", "铺", "台", "坊", "河", "头",
    "园", "院",
];
const VILLAGE_PREFIX: &[&str] = &[
    "东", "西", "南", "北", "前", "后", "大", "小", "上", "下", "王", "李", "张", "刘", "陈", "杨",
    "赵", "黄", "周", "吴", "高", "马", "孙", "郭", "田", "石", "沙", "柳", "杏", "枣", "梨", "桃",
    "双", "三", "五", "新", "古", "河", "安", "宁",
];
const ENTERPRISES: &[&str] = &[
    "宏达机械有限公司",
    "兴华电缆有限公司",
    "金穗面业有限公司",
    "绿源农业合作社",
    "恒信物流有限公司",
    "利民食品有限公司",
    "华兴保温材料有限公司",
    "鑫源纸业有限公司",
    "光明电器有限公司",
    "长城汽配有限公司",
];

struct Ctx<'a> {
    tx: &'a mut WriteTx,
    keys: &'a Keys,
    rng: Rng,
    now: i64,
    id_numbers: HashSet<String>,
    phones: HashSet<String>,
    password_hash: String,
    orgs: usize,
    members: usize,
    /// Role grants to give once the accounts exist: (account, role, organization).
    grants: Vec<(i64, Role, Option<i64>)>,
}

impl Ctx<'_> {
    async fn org(
        &mut self,
        parent: Option<&Org>,
        name: String,
        kind: OrgType,
        category: OrgCategory,
    ) -> AppResult<Org> {
        // The demo's tree obeys the same rules as an administrator's.
        if let Some(p) = parent
            && !kind.may_sit_under(p.kind())
        {
            return Err(AppError::internal(format!(
                "demo: a {} cannot sit under {}",
                kind.label(),
                p.name
            )));
        }
        let sort_order = self.orgs.to_string();
        let entry = OrgEntry {
            name: &name,
            category: category.code(),
            address: "",
            sort_order: &sort_order,
        };
        let input = parse_org(&entry, kind)
            .map_err(|e| AppError::internal(format!("demo org {name}: {e:?}")))?;
        let id = orgs::create(self.tx.conn(), parent, &input, self.now).await?;
        self.orgs += 1;
        orgs::get_in(self.tx.conn(), id).await
    }

    fn name(&mut self, gender: Gender) -> String {
        person_name(&mut self.rng, gender)
    }

    fn id_number(&mut self, birth: Date, gender: Gender) -> String {
        loop {
            let seq = self.rng.range(0, 99) * 10
                + if gender == Gender::Male {
                    self.rng.range(0, 4) * 2 + 1
                } else {
                    self.rng.range(0, 4) * 2
                };
            let body = format!(
                "130984{:04}{:02}{:02}{:03}",
                birth.year(),
                birth.month() as u8,
                birth.day(),
                seq
            );
            let id = format!("{body}{}", check_char(&body).expect("17 digits"));
            if self.id_numbers.insert(id.clone()) {
                return id;
            }
        }
    }

    fn phone(&mut self) -> String {
        const PREFIXES: &[&str] = &[
            "130", "131", "132", "133", "135", "136", "137", "139", "150", "151", "152", "155",
            "157", "158", "159", "177", "180", "182", "186", "187", "189", "199",
        ];
        loop {
            let p = format!(
                "{}{:08}",
                self.rng.pick(PREFIXES),
                self.rng.below(100_000_000)
            );
            if self.phones.insert(p.clone()) {
                return p;
            }
        }
    }

    /// A plausible person for a branch of this category, born, joined and (unless still
    /// probationary) made a full member before today.
    fn person(&mut self, posts: &str, category_hint: OrgCategory) -> Person {
        let gender = if self
            .rng
            .chance(if posts.contains("secretary") { 80 } else { 68 })
        {
            Gender::Male
        } else {
            Gender::Female
        };
        let retired = self.rng.chance(match category_hint {
            OrgCategory::Rural => 30,
            OrgCategory::Community => 45,
            _ => 8,
        });
        let age = if retired {
            self.rng.range(60, 88)
        } else {
            self.rng.range(22, 59)
        };
        let today = crate::domain::clock::local_date(self.now);
        let birth = Date::from_calendar_date(
            today.year() - age as i32,
            Month::try_from(self.rng.range(1, 12) as u8).expect("1..=12"),
            self.rng.range(1, 28) as u8,
        )
        .expect("valid date");
        let id_number = self.id_number(birth, gender);
        let join_age = self.rng.range(19, (age - 1).clamp(19, 45));
        let joined = (birth + Duration::days(join_age * 365 + self.rng.range(0, 300)))
            .min(today - Duration::days(60));
        let full_member_on = joined + Duration::days(366);
        // Recent members are still probationary, and a few younger ones besides.
        let probationary = full_member_on > today
            || (age < 40 && self.rng.chance(8) && joined.year() >= today.year() - 1);
        let category = if retired {
            MemberCategory::Retired
        } else if self.rng.chance(6) {
            MemberCategory::Mobile
        } else {
            match category_hint {
                OrgCategory::Rural => MemberCategory::Farmer,
                OrgCategory::School if self.rng.chance(10) => MemberCategory::Student,
                _ => MemberCategory::Employed,
            }
        };
        let education = match category {
            MemberCategory::Farmer | MemberCategory::Retired => *self.rng.pick(&[
                Education::Primary,
                Education::Junior,
                Education::Junior,
                Education::Senior,
            ]),
            _ => *self.rng.pick(&[
                Education::Senior,
                Education::College,
                Education::Bachelor,
                Education::Bachelor,
                Education::Postgraduate,
            ]),
        };
        let ethnicity = if self.rng.chance(96) {
            "汉族"
        } else {
            *self.rng.pick(&["回族", "满族", "蒙古族"])
        };
        let has_phone = !(age > 80 && self.rng.chance(40));
        Person {
            name: self.name(gender),
            gender,
            ethnicity,
            id_number,
            phone: has_phone.then(|| self.phone()),
            education,
            joined_on: crate::domain::clock::format_date(joined),
            full_member_on: if probationary {
                String::new()
            } else {
                crate::domain::clock::format_date(full_member_on)
            },
            probationary,
            category,
            veteran: gender == Gender::Male && self.rng.chance(9),
        }
    }

    /// Adds one member to `branch`, with an account when they have a phone; returns the
    /// member's id and the account's.
    async fn member(
        &mut self,
        branch: &Org,
        group: Option<i64>,
        posts: &str,
        category_hint: OrgCategory,
        fixed_phone: Option<&str>,
    ) -> AppResult<(i64, Option<i64>)> {
        let mut p = self.person(posts, category_hint);
        if let Some(fixed) = fixed_phone {
            self.phones.insert(fixed.to_string());
            p.phone = Some(fixed.to_string());
        }
        let status = if p.probationary {
            MemberStatus::Probationary
        } else {
            MemberStatus::Full
        };
        let group_text = group.map(|g| g.to_string()).unwrap_or_default();
        // The demo's members pass the same rules as an administrator's.
        let entry = MemberEntry {
            who: PersonFields {
                name: &p.name,
                gender: p.gender.code(),
                ethnicity: p.ethnicity,
                id_number: &p.id_number,
                phone: p.phone.as_deref().unwrap_or(""),
                education: p.education.code(),
            },
            joined_on: &p.joined_on,
            full_member_on: &p.full_member_on,
            status: status.code(),
            category: p.category.code(),
            party_group: &group_text,
            posts: posts.split(',').filter(|s| !s.is_empty()).collect(),
            veteran: p.veteran,
        };
        let today = crate::domain::clock::local_date(self.now);
        let record = parse_member(
            &entry,
            branch.id,
            &group.into_iter().collect::<Vec<_>>(),
            today,
        )
        .map_err(|e| AppError::internal(format!("demo member {}: {e:?}", p.name)))?;
        // Registered when the county adopted the platform about a year ago, or on joining.
        let joined = crate::domain::clock::parse_date(&p.joined_on).unwrap_or(today);
        let registered =
            crate::domain::clock::day_start(joined.max(today - Duration::days(400))).min(self.now);
        let id = members::insert(self.tx.conn(), self.keys, &record, registered).await?;
        let mut user = None;
        if let Some(phone) = &p.phone {
            user = Some(
                users::create(
                    self.tx.conn(),
                    self.keys,
                    &users::NewUser {
                        name: &p.name,
                        phone,
                        password_hash: &self.password_hash,
                        member_id: Some(id),
                        must_change_password: false,
                    },
                )
                .await?,
            );
        }
        self.members += 1;
        Ok((id, user))
    }

    /// A branch with its committee, party groups and ordinary members.
    async fn branch(
        &mut self,
        parent: &Org,
        name: String,
        kind: OrgType,
        category: OrgCategory,
        size: i64,
    ) -> AppResult<(Org, i64)> {
        let branch = self.org(Some(parent), name, kind, category).await?;
        let groups = if size >= 18 {
            let n = if size >= 30 { 3 } else { 2 };
            let mut g = Vec::new();
            for i in 1..=n {
                g.push(
                    self.org(
                        Some(&branch),
                        format!("第{}党小组", ["一", "二", "三"][i - 1]),
                        OrgType::PartyGroup,
                        category,
                    )
                    .await?
                    .id,
                );
            }
            g
        } else {
            vec![]
        };
        let (secretary, user) = self
            .member(
                &branch,
                groups.first().copied(),
                "secretary",
                category,
                None,
            )
            .await?;
        // Every branch's secretary administers the branch.
        if let Some(user) = user {
            self.grants.push((user, Role::BranchAdmin, Some(branch.id)));
        }
        let posts = ["organizer", "propaganda", "discipline"];
        for (i, post) in posts.iter().enumerate() {
            if i as i64 + 1 < size / 6 || i == 0 {
                let g = if groups.is_empty() {
                    None
                } else {
                    Some(groups[i % groups.len()])
                };
                self.member(&branch, g, post, category, None).await?;
            }
        }
        let committee = 1 + posts
            .iter()
            .enumerate()
            .filter(|(i, _)| *i as i64 + 1 < size / 6 || *i == 0)
            .count() as i64;
        for i in committee..size {
            let g = if groups.is_empty() {
                None
            } else {
                Some(groups[i as usize % groups.len()])
            };
            let post = if !groups.is_empty() && i < committee + groups.len() as i64 {
                "group_leader"
            } else {
                ""
            };
            self.member(&branch, g, post, category, None).await?;
        }
        Ok((branch, secretary))
    }
}

/// Whether the database holds nothing but the root organization a first start makes.
pub async fn is_empty(db: &Db) -> AppResult<bool> {
    let (members, orgs) = crate::store::members::counts(db).await?;
    Ok(members == 0 && orgs <= 1)
}

/// Fills an empty database: the county's tree, its members and accounts, one login per
/// role. Returns the summary to print.
pub async fn generate(db: &Db, keys: &Keys, seed: u64) -> AppResult<String> {
    if !is_empty(db).await? {
        return Err(AppError::Conflict(
            "the database already holds data; the demo needs an empty database (use a new --data folder)".into(),
        ));
    }
    let started = std::time::Instant::now();
    let password_hash = hash_password(DEMO_PASSWORD);
    let root = orgs::root(db).await?;
    let mut officers_made = Vec::new();
    for (_, phone) in &LOGINS[5..] {
        officers_made.push(users::by_phone(db, keys, phone).await?.is_some());
    }
    let mut tx = db.begin().await?;
    let mut c = Ctx {
        tx: &mut tx,
        keys,
        rng: Rng(seed),
        now: crate::domain::clock::now_epoch(),
        id_numbers: HashSet::new(),
        phones: LOGINS.iter().map(|(_, p)| p.to_string()).collect(),
        password_hash,
        orgs: 0,
        members: 0,
        grants: Vec::new(),
    };
    let county = c.county(root).await?;
    c.county_organs(&county).await?;
    c.county_systems(&county).await?;
    let mut village_names = HashSet::new();
    for (t, town) in TOWNS.iter().enumerate() {
        c.town(&county, t, town, &mut village_names).await?;
    }
    c.officers(&officers_made).await?;
    let mut enrolled = HashSet::new();
    for (user, role, org) in std::mem::take(&mut c.grants) {
        users::add_grant(c.tx.conn(), user, role, org, None).await?;
        // Every administrator and officer signs in with the demo's published second factor.
        if enrolled.insert(user) {
            let secret = DEMO_TOTP_SECRET;
            crate::store::second_factor::confirm(c.tx.conn(), c.keys, user, secret, 0, &[]).await?;
        }
    }
    let (orgs_made, members_made) = (c.orgs, c.members);
    let detail = format!("{orgs_made}个组织，{members_made}名党员");
    audit::append(
        tx.conn(),
        &audit::Actor::console(),
        "生成演示数据",
        "演示县",
        audit::OK,
        &detail,
    )
    .await?;
    tx.commit().await?;
    let mut out = format!(
        "演示县已生成：{orgs_made} 个党组织，{members_made} 名党员（用时 {:.1} 秒）\n所有演示账号的密码：{DEMO_PASSWORD}\n管理员和工作人员的动态口令密钥（在验证器中手动添加）：{DEMO_TOTP_SECRET}\n",
        started.elapsed().as_secs_f64()
    );
    for (role, phone) in LOGINS {
        out.push_str(&format!("  {phone}  {role}\n"));
    }
    Ok(out)
}

impl Ctx<'_> {
    /// The county: the root a first start made, renamed, or a new one.
    async fn county(&mut self, root: Option<Org>) -> AppResult<Org> {
        match root {
            Some(root) => {
                orgs::rename(self.tx.conn(), root.id, "云岭县委", self.now).await?;
                self.orgs += 1;
                orgs::get_in(self.tx.conn(), root.id).await
            }
            None => {
                let (kind, category) = (OrgType::County, OrgCategory::Government);
                self.org(None, "云岭县委".into(), kind, category).await
            }
        }
    }

    /// County organs; the organization department's own branch holds the county
    /// administrator and the content editor.
    async fn county_organs(&mut self, county: &Org) -> AppResult<()> {
        let gov = OrgCategory::Government;
        let organs = self
            .org(
                Some(county),
                "县直机关工委".into(),
                OrgType::WorkingCommittee,
                gov,
            )
            .await?;
        let dept = "县委组织部党支部".into();
        let (org_dept, _) = self.branch(&organs, dept, OrgType::Branch, gov, 14).await?;
        let (_, admin) = self
            .member(&org_dept, None, "", gov, Some(LOGINS[3].1))
            .await?;
        let (_, editor) = self
            .member(&org_dept, None, "", gov, Some(LOGINS[4].1))
            .await?;
        for (user, role) in [
            (admin, Role::OrgAdmin),
            (admin, Role::PiiViewer),
            (editor, Role::ContentEditor),
        ] {
            let user = user.ok_or_else(|| AppError::internal("a demo login without a phone"))?;
            self.grants.push((user, role, Some(county.id)));
        }
        for dept in [
            "县委办公室党支部",
            "县政府办公室党支部",
            "县发展和改革局党支部",
            "县财政局党支部",
            "县农业农村局党支部",
            "县人力资源和社会保障局党支部",
            "县退役军人事务局党支部",
            "县自然资源和规划局党支部",
        ] {
            let size = self.rng.range(9, 20);
            self.branch(&organs, dept.into(), OrgType::Branch, gov, size)
                .await?;
        }
        Ok(())
    }

    /// The county's systems: schools, hospitals, private and state-owned enterprises.
    async fn county_systems(&mut self, county: &Org) -> AppResult<()> {
        use OrgCategory::{Hospital, PrivateEnterprise, School, StateEnterprise};
        use OrgType::{Branch, Committee, GeneralBranch, JointBranch, WorkingCommittee};
        let education = self
            .org(
                Some(county),
                "县委教育工委".into(),
                WorkingCommittee,
                School,
            )
            .await?;
        for i in 1..=14 {
            let name = if i <= 4 {
                format!("县第{}中学党支部", ["一", "二", "三", "四"][i - 1])
            } else {
                format!("县第{}小学党支部", i - 4)
            };
            let size = self.rng.range(10, 30);
            self.branch(&education, name, Branch, School, size).await?;
        }
        let kindergarten = "县第一幼儿园党支部".into();
        self.branch(&education, kindergarten, Branch, School, 12)
            .await?;
        let health = self
            .org(
                Some(county),
                "县卫生健康系统党委".into(),
                Committee,
                Hospital,
            )
            .await?;
        for name in ["县人民医院党总支", "县中医医院党总支"] {
            let gb = self
                .org(Some(&health), name.into(), GeneralBranch, Hospital)
                .await?;
            for dept in ["内科", "外科", "医技", "行政后勤"] {
                let size = self.rng.range(10, 25);
                self.branch(&gb, format!("{dept}党支部"), Branch, Hospital, size)
                    .await?;
            }
        }
        let private_name = "县个体私营经济协会党总支".into();
        let private = self
            .org(Some(county), private_name, GeneralBranch, PrivateEnterprise)
            .await?;
        for e in ENTERPRISES {
            let size = self.rng.range(3, 9);
            self.branch(
                &private,
                format!("{e}党支部"),
                Branch,
                PrivateEnterprise,
                size,
            )
            .await?;
        }
        let joint = "小微企业联合党支部".into();
        self.branch(&private, joint, JointBranch, PrivateEnterprise, 6)
            .await?;
        let soe_name = "县国有资产监管系统党委".into();
        let state_owned = self
            .org(Some(county), soe_name, Committee, StateEnterprise)
            .await?;
        for e in [
            "县城市建设投资集团",
            "县供水公司",
            "县供销合作社",
            "县农商银行",
        ] {
            let size = self.rng.range(8, 22);
            self.branch(
                &state_owned,
                format!("{e}党支部"),
                Branch,
                StateEnterprise,
                size,
            )
            .await?;
        }
        Ok(())
    }

    /// A town: its organs, villages (some in joint-village general branches), communities,
    /// school, clinic and now and then a temporary or a joint branch. The first town holds
    /// the town administrator's login.
    async fn town(
        &mut self,
        county: &Org,
        t: usize,
        town: &str,
        village_names: &mut HashSet<String>,
    ) -> AppResult<()> {
        use OrgCategory::{Community, Government, Hospital, Rural, School, SocialOrganization};
        use OrgType::{Branch, Committee, JointBranch, TemporaryBranch};
        let committee = self
            .org(Some(county), format!("{town}党委"), Committee, Rural)
            .await?;
        let organs = format!("{town}机关党支部");
        let (town_organs, _) = self
            .branch(&committee, organs, Branch, Government, 16)
            .await?;
        if t == 0 {
            let phone = Some(LOGINS[2].1);
            let (_, user) = self
                .member(&town_organs, None, "", Government, phone)
                .await?;
            if let Some(user) = user {
                self.grants.push((user, Role::OrgAdmin, Some(committee.id)));
            }
        }
        self.villages(&committee, t == 0, town, village_names)
            .await?;
        for k in 0..self.rng.range(1, 3) {
            let street = ["东街", "西街", "南关", "北关"][k as usize];
            let size = self.rng.range(15, 40);
            let name = format!("{town}{street}社区党支部");
            self.branch(&committee, name, Branch, Community, size)
                .await?;
        }
        let size = self.rng.range(8, 16);
        let school = format!("{town}中心学校党支部");
        self.branch(&committee, school, Branch, School, size)
            .await?;
        let size = self.rng.range(5, 12);
        let clinic = format!("{town}卫生院党支部");
        self.branch(&committee, clinic, Branch, Hospital, size)
            .await?;
        if t.is_multiple_of(5) {
            let name = format!("{town}农村人居环境整治临时党支部");
            self.branch(&committee, name, TemporaryBranch, Rural, 5)
                .await?;
        }
        if t.is_multiple_of(3) {
            let size = self.rng.range(4, 8);
            let name = format!("{town}社会组织联合党支部");
            self.branch(&committee, name, JointBranch, SocialOrganization, size)
                .await?;
        }
        Ok(())
    }

    /// A town's villages, the first few in joint-village general branches (联村党总支).
    /// In the first town, the first village holds the member's and the secretary's logins.
    async fn villages(
        &mut self,
        committee: &Org,
        first_town: bool,
        town: &str,
        names: &mut HashSet<String>,
    ) -> AppResult<()> {
        let villages = self.rng.range(30, 40);
        let mut joint: Vec<Org> = Vec::new();
        for j in 0..self.rng.range(1, 3) {
            let name = format!("{town}第{}联村党总支", ["一", "二", "三"][j as usize]);
            let kind = OrgType::JointVillageGeneralBranch;
            joint.push(
                self.org(Some(committee), name, kind, OrgCategory::Rural)
                    .await?,
            );
        }
        for v in 0..villages {
            let name = loop {
                let n = format!(
                    "{}{}{}",
                    self.rng.pick(VILLAGE_PREFIX),
                    self.rng
                        .pick(&["家", "官", "辛", "杜", "苑", "孟", "韩", "宋", "高", ""]),
                    self.rng.pick(VILLAGE_SUFFIX)
                );
                if names.insert(n.clone()) {
                    break n;
                }
            };
            let parent = match joint.get(v as usize / 4) {
                Some(gb) if (v as usize) < joint.len() * 4 => gb.clone(),
                _ => committee.clone(),
            };
            let size = self.rng.range(6, 26);
            let name = format!("{name}村党支部");
            let (branch, _) = self
                .branch(&parent, name, OrgType::Branch, OrgCategory::Rural, size)
                .await?;
            if first_town && v == 0 {
                let rural = OrgCategory::Rural;
                self.member(&branch, None, "", rural, Some(LOGINS[0].1))
                    .await?;
                let deputy = "deputy_secretary";
                let (_, user) = self
                    .member(&branch, None, deputy, rural, Some(LOGINS[1].1))
                    .await?;
                if let Some(user) = user {
                    self.grants.push((user, Role::BranchAdmin, Some(branch.id)));
                    self.grants.push((user, Role::PiiViewer, Some(branch.id)));
                }
            }
        }
        Ok(())
    }

    /// The three officers (三员), each a dedicated account (unless `made` says it is there).
    async fn officers(&mut self, made: &[bool]) -> AppResult<()> {
        for (i, (role, name)) in [
            (Role::SystemAdmin, "赵系统"),
            (Role::SecurityAdmin, "钱安全"),
            (Role::AuditAdmin, "孙审计"),
        ]
        .into_iter()
        .enumerate()
        {
            let phone = LOGINS[5 + i].1;
            if made.get(i).copied().unwrap_or(false) {
                continue;
            }
            let account = users::NewUser {
                name,
                phone,
                password_hash: &self.password_hash,
                member_id: None,
                must_change_password: false,
            };
            let id = users::create(self.tx.conn(), self.keys, &account).await?;
            self.grants.push((id, role, None));
        }
        Ok(())
    }
}

/// A demo picture in storage: (key, thumbnail key, sha256, size).
type DemoPhoto = (String, String, String, i64);

/// Pictures for articles, prizes and posts: outdoors, unlike any meeting's room.
async fn store_demo_photos(files: &crate::files::Storage) -> AppResult<Vec<DemoPhoto>> {
    let mut keys = Vec::new();
    for i in 0..6u32 {
        let scene = scenes::outdoors(u64::from(i));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 80)
            .encode_image(&scene)
            .map_err(|e| AppError::internal(format!("demo photo: {e}")))?;
        let key = format!("demo/photo-{i}.jpg");
        let sha = crate::crypto::sha256_hex(&jpeg);
        let size = jpeg.len() as i64;
        files.put(&key, jpeg).await?;
        keys.push((key.clone(), key, sha, size));
    }
    Ok(keys)
}

/// What the demo plants for 电子监察 to find: a few of each, spread over the county.
const PLANT_REUSED_PHOTOS: u32 = 6;
const PLANT_FAR_CAPTURES: u32 = 4;
const PLANT_COPIED_MINUTES: u32 = 5;
const PLANT_SILENT_BRANCHES: u32 = 5;
/// One organization in this many plants (until each kind has its few).
const PLANT_ONE_IN: u64 = 120;

/// What the demo planted, by kind, to set beside what the scan found.
#[derive(Default)]
pub struct Planted {
    reused_photos: u32,
    far_captures: u32,
    copied_minutes: u32,
    silent_branches: u32,
    /// Closed meetings without minutes or photos, and with attendance below the standard.
    incomplete: u32,
    low_attendance: u32,
    /// Set by `study`, which plants them.
    pub stopped_studying: u32,
    /// Set by `committees_demo`: terms ended without a new election.
    pub terms_overdue: u32,
    /// Branches that did not finish last year's 民主评议党员 by the county's deadline.
    pub appraisals_missing: u32,
}

/// A photo the demo filed, to be reused by a planted copy: (picture number, seed, org,
/// meeting start).
type Filed = (u32, u64, i64, i64);

fn person_name(rng: &mut Rng, gender: Gender) -> String {
    let surname = *rng.pick(SURNAMES);
    let chars = if gender == Gender::Male {
        MALE_CHARS
    } else {
        FEMALE_CHARS
    };
    let first = *rng.pick(chars);
    if rng.chance(35) {
        format!("{surname}{first}")
    } else {
        format!("{surname}{first}{}", rng.pick(chars))
    }
}

/// What members said at a meeting, for its minutes: `{n}` takes a number in the remark's
/// range, `{x}` one of its own details, so two meetings rarely hear the same sentence.
struct Remark {
    text: &'static str,
    details: &'static [&'static str],
    numbers: (i64, i64),
}

const REMARKS: &[Remark] = &[
    Remark {
        text: "汇报了联系的{n}户群众反映的{x}问题",
        details: &["道路照明", "饮水管网", "医保缴费", "宅基地审批", "垃圾清运"],
        numbers: (3, 20),
    },
    Remark {
        text: "谈了抓好{x}的打算，估计需要{n}个工日",
        details: &["秋收秋种", "冬季积肥", "春耕备耕", "茶园管护", "烟叶烘烤"],
        numbers: (20, 160),
    },
    Remark {
        text: "建议在第{n}村民小组增设{x}",
        details: &["农技图书角", "健身器材", "垃圾分类亭", "路灯", "便民座椅"],
        numbers: (1, 9),
    },
    Remark {
        text: "介绍了{x}的情况，目前已有{n}户参与",
        details: &[
            "电商销售农产品",
            "土地流转",
            "合作社入股",
            "庭院经济",
            "订单种植",
        ],
        numbers: (4, 60),
    },
    Remark {
        text: "提出要多关心{x}，身边有{n}位需要定期走访",
        details: &[
            "年老体弱党员",
            "留守老人",
            "困难家庭",
            "残疾人",
            "外出务工人员家属",
        ],
        numbers: (2, 9),
    },
    Remark {
        text: "对照党章查找了{x}方面的不足，表示{n}天内整改",
        details: &[
            "学习不经常",
            "联系群众不够",
            "带头作用不明显",
            "按时交纳党费",
        ],
        numbers: (7, 30),
    },
    Remark {
        text: "建议把{x}纳入下月重点，涉及{n}处",
        details: &[
            "防汛物资清点",
            "危房排查",
            "沟渠清淤",
            "消防通道清理",
            "路灯维修",
        ],
        numbers: (2, 15),
    },
    Remark {
        text: "就{x}谈了看法，认为今年可以考虑{n}名人选",
        details: &["发展年轻党员", "培养村级后备力量", "选派网格员"],
        numbers: (1, 3),
    },
    Remark {
        text: "汇报了网格内{n}起矛盾纠纷的化解情况，{x}",
        details: &["已全部调解", "一起仍在跟进", "个别需村委会协调"],
        numbers: (2, 7),
    },
    Remark {
        text: "谈了参加{x}的收获，共服务群众{n}人次",
        details: &["志愿服务", "义诊活动", "政策宣讲", "敬老院慰问", "交通劝导"],
        numbers: (12, 240),
    },
    Remark {
        text: "反映{x}，建议{n}日内召集相关户协商",
        details: &[
            "灌溉用水排班有争议",
            "村道占道堆放柴草",
            "小区停车位不足",
            "河塘承包到期",
        ],
        numbers: (3, 15),
    },
    Remark {
        text: "讲了带头{x}的体会，今年已带动{n}户",
        details: &["移风易俗", "发展特色种植", "垃圾分类", "参加技能培训"],
        numbers: (2, 30),
    },
    Remark {
        text: "提出本组{n}名流动党员要通过{x}参加学习",
        details: &["微信群", "云上讲堂", "寄送学习资料", "返乡集中补课"],
        numbers: (1, 6),
    },
    Remark {
        text: "通报了{x}的进度，已完成{n}%",
        details: &[
            "农村改厕",
            "高标准农田建设",
            "村道硬化",
            "自来水入户",
            "危房改造",
        ],
        numbers: (20, 95),
    },
];

/// Tasks a meeting decided on, for its minutes.
const TASKS: &[&str] = &[
    "清理村内沟渠",
    "走访慰问困难党员",
    "整理党员档案",
    "更新党务公开栏",
    "组织党员志愿服务",
    "排查消防安全隐患",
    "收缴本季度党费",
    "修缮文化广场",
    "开展防溺水宣传",
    "推进农村改厕",
    "统计流动党员去向",
    "筹备重阳节敬老活动",
];

/// What was read or watched first.
const STUDIED: &[Remark] = &[
    Remark {
        text: "集中学习了《中国共产党章程》第{n}章",
        details: &[],
        numbers: (1, 11),
    },
    Remark {
        text: "传达了县委第{n}次常委会会议精神",
        details: &[],
        numbers: (30, 90),
    },
    Remark {
        text: "学习了《中国共产党纪律处分条例》第{n}条",
        details: &[],
        numbers: (1, 150),
    },
    Remark {
        text: "观看了专题片第{n}集",
        details: &[],
        numbers: (1, 12),
    },
    Remark {
        text: "通报了上月{n}项重点工作的进展",
        details: &[],
        numbers: (3, 12),
    },
];

/// What the host asked of everyone in closing.
const CLOSINGS: &[&str] = &[
    "要求全体党员把学习体会落实到本职工作中",
    "要求各党小组本月内完成走访",
    "要求党员在村务工作中带头示范",
    "要求大家按时参加下次组织生活",
    "要求把群众反映的问题逐一登记、限期回复",
    "强调安全生产不能放松",
];

/// A meeting as its minutes describe it: the people are those who came, the host first and
/// the recorder second.
struct MinutesOf<'a> {
    org: &'a str,
    kind: &'a str,
    topic: &'a str,
    place: &'a str,
    start: i64,
    expected: i64,
    present: &'a [&'a str],
}

fn said(rng: &mut Rng, remark: &Remark) -> String {
    let mut text = match remark.details {
        [] => remark.text.to_string(),
        details => {
            let detail: &&str = rng.pick(details);
            remark.text.replace("{x}", detail)
        }
    };
    if let Some(at) = text.find("{n}") {
        let (lo, hi) = remark.numbers;
        text.replace_range(at..at + 3, &rng.range(lo, hi).to_string());
    }
    text
}

/// A name as minutes write it: bare, with 同志, or (given a title) after it.
fn as_written(rng: &mut Rng, name: &str, title: &str) -> String {
    match rng.below(if title.is_empty() { 2 } else { 3 }) {
        0 => name.to_string(),
        1 => format!("{name}同志"),
        _ => format!("{title}{name}"),
    }
}

/// One meeting's minutes, as secretaries write them (each a little differently): who came,
/// who hosted and recorded, who spoke and what was decided — all of them people who came.
fn minutes_text(rng: &mut Rng, m: &MinutesOf) -> String {
    let at = crate::domain::clock::local(m.start);
    let when = format!(
        "{}月{}日{}",
        at.month() as u8,
        at.day(),
        match at.hour() {
            0..12 => "上午",
            12..18 => "下午",
            _ => "晚上",
        }
    );
    let chair = m.present.first().copied().unwrap_or("支部书记");
    let recorder = m.present.get(1).copied().unwrap_or(chair);
    let came = m.present.len() as i64;
    let absent = if came < m.expected {
        format!("{}人请假或缺席", m.expected - came)
    } else {
        "无缺席".to_string()
    };
    let (org, place, kind, expected) = (m.org, m.place, m.kind, m.expected);
    let mut text = match rng.below(3) {
        0 => format!(
            "{when}，{org}在{place}召开{kind}，应到{expected}人，实到{came}人，{absent}。\
             会议由{chair}主持，{recorder}记录。"
        ),
        1 => format!(
            "时间：{when}。地点：{place}。主持人：{chair}。记录人：{recorder}。\
             应到{expected}人，实到{came}人，{absent}。"
        ),
        _ => format!(
            "{chair}主持召开{kind}（{when}，{place}），{recorder}记录；\
             应到{expected}人，实到{came}人，{absent}。"
        ),
    };
    let studied = rng.pick(STUDIED);
    text.push_str(&format!(
        "会议围绕“{}”开展学习讨论，{}。",
        m.topic,
        said(rng, studied)
    ));
    // Each of those who came speaks once, up to four; when fewer came, those who did say more.
    // No remark is made twice in one meeting.
    let mut others: Vec<&str> = m.present.iter().skip(1).copied().collect();
    let mut spoke = Vec::new();
    for _ in 0..rng.range(2, 4).min(others.len() as i64) {
        spoke.push(others.swap_remove(rng.below(others.len() as u64) as usize));
    }
    let mut speakers = spoke.clone();
    while speakers.len() < 4 {
        let again = m
            .present
            .get(speakers.len() % m.present.len().max(1))
            .copied();
        speakers.push(again.unwrap_or(chair));
    }
    let mut remarks: Vec<&Remark> = REMARKS.iter().collect();
    for speaker in speakers {
        let remark = remarks.swap_remove(rng.below(remarks.len() as u64) as usize);
        let speaker = as_written(rng, speaker, "党员");
        text.push_str(&format!("{speaker}{}。", said(rng, remark)));
    }
    let lead = as_written(rng, spoke.first().copied().unwrap_or(chair), "");
    let due = at.date() + Duration::days(rng.range(10, 40));
    let due = format!("{}月{}日", due.month() as u8, due.day());
    let task = rng.pick(TASKS);
    text.push_str(&match rng.below(3) {
        0 => format!("会议决定由{lead}牵头{task}，{due}前完成。"),
        1 => format!("会议明确：{task}由{lead}负责，{due}前完成。"),
        _ => format!("会上议定{task}，{lead}牵头落实，时限{due}。"),
    });
    let closing = rng.pick(CLOSINGS);
    let chair = as_written(rng, chair, "");
    text.push_str(&match rng.below(3) {
        0 => format!("最后，{chair}作总结讲话，{closing}。"),
        1 => format!("{chair}在总结时{closing}。"),
        _ => format!("会议最后，{chair}{closing}。"),
    });
    text
}

/// Topics by meeting kind, for the demo's meetings.
const TOPICS: &[(&str, &[&str])] = &[
    (
        "branch_general",
        &["学习贯彻全会精神", "讨论发展党员", "审议支部工作报告"],
    ),
    (
        "branch_committee",
        &["研究本月重点工作", "讨论村级事务", "部署防汛工作"],
    ),
    ("group_meeting", &["学习党章", "交流思想", "开展谈心谈话"]),
    (
        "party_lecture",
        &["书记讲党课：传承红色基因", "学习新思想 建功新时代"],
    ),
    (
        "theme_day",
        &["重温入党誓词", "志愿服务进社区", "人居环境整治"],
    ),
    ("life_meeting", &["年度组织生活会"]),
    ("appraisal", &["年度民主评议党员"]),
    ("gb_general", &["党总支党员大会"]),
    ("gb_lecture", &["党总支党课"]),
];

/// A meeting the demo writes: its item and start, whether it is kept to standard, and
/// (when not) which flaw it has: 0 low attendance, 1 no minutes, 2 no photo, 3 not closed.
struct Planned {
    kind: crate::domain::orglife::MeetingKind,
    start: i64,
    to_standard: bool,
    flaw: u64,
}

/// Which kind of case an organization plants, for 电子监察 to find.
#[derive(Clone, Copy, PartialEq)]
enum Plant {
    ReusedPhoto,
    FarCapture,
    CopiedMinutes,
}

/// Writing `months` of organizational life.
struct OrglifeRun {
    rng: Rng,
    seed: u64,
    now: i64,
    today: Date,
    window_start: Date,
    meetings: usize,
    photos_filed: u32,
    planted: Planted,
    /// What this organization plants, until a meeting takes it.
    plant: Option<Plant>,
    /// Branches planted silent, from when: their party groups fall silent with them.
    silent: std::collections::HashMap<i64, Date>,
    /// Photos of the organization being written, stored before its rows commit.
    pending_files: Vec<(String, Vec<u8>)>,
    /// Recent photos and minutes, for planted copies to copy.
    recent_photos: std::collections::VecDeque<Filed>,
    recent_minutes: std::collections::VecDeque<(i64, String, String, i64)>,
}

impl OrglifeRun {
    /// Whether this organization plants a case of a kind still short of its few.
    fn plants(&mut self, done: u32, quota: u32) -> bool {
        done < quota && self.rng.below(PLANT_ONE_IN) == 0
    }

    /// The meetings an organization held: 70 % keep it up, the rest have gaps, a planted
    /// few fell silent some months ago.
    fn plan(&mut self, org: &Org) -> Vec<Planned> {
        use crate::domain::orglife::{applies_to, default_requirements};
        let silent = org.kind().is_branch()
            && self.plants(self.planted.silent_branches, PLANT_SILENT_BRANCHES);
        self.planted.silent_branches += u32::from(silent);
        let group_of_silent = org.parent_id.and_then(|p| self.silent.get(&p).copied());
        self.plant = [
            (
                Plant::ReusedPhoto,
                self.planted.reused_photos,
                PLANT_REUSED_PHOTOS,
            ),
            (
                Plant::FarCapture,
                self.planted.far_captures,
                PLANT_FAR_CAPTURES,
            ),
            (
                Plant::CopiedMinutes,
                self.planted.copied_minutes,
                PLANT_COPIED_MINUTES,
            ),
        ]
        .into_iter()
        .find(|(_, done, quota)| !silent && group_of_silent.is_none() && self.plants(*done, *quota))
        .map(|(kind, _, _)| kind);
        let rng = &mut self.rng;
        let silent_from = silent
            .then(|| self.today - Duration::days(rng.range(75, 200)))
            .or(group_of_silent);
        if let (true, Some(from)) = (silent, silent_from) {
            self.silent.insert(org.id, from);
        }
        let profile = rng.below(100);
        let (held_pct, standard_pct) = if profile < 70 { (97, 96) } else { (80, 70) };
        // Lagging or not, a branch that has not fell silent met in the last two months.
        let recent = self.today - Duration::days(75);
        let mut planned = Vec::new();
        for req in default_requirements()
            .iter()
            .filter(|r| applies_to(r.kind, org.kind()))
        {
            for year in [self.today.year() - 1, self.today.year()] {
                for period in req.frequency.periods_in(year) {
                    if period.end <= self.window_start || period.start > self.today {
                        continue;
                    }
                    if !rng.chance(held_pct) && period.end < recent {
                        continue;
                    }
                    // Within the part of the period the demo covers, so that a branch that
                    // kept meeting is seen to have met even when the demo covers one month.
                    let first = period.start.max(self.window_start);
                    let span = (period.end - first).whole_days().max(1);
                    let early = 3.min(span - 1);
                    let day = first + Duration::days(rng.range(early, (span - 1).max(early)));
                    if silent_from.is_some_and(|s| day >= s) || day > self.today + Duration::days(7)
                    {
                        continue;
                    }
                    let hour = *rng.pick(&[9u8, 14, 19]);
                    let minute = if hour == 14 { 30 } else { 0 };
                    let at = time::Time::from_hms(hour, minute, 0).expect("valid time");
                    planned.push(Planned {
                        kind: req.kind,
                        start: crate::domain::clock::shanghai_epoch(day, at),
                        to_standard: rng.chance(standard_pct),
                        flaw: rng.below(4),
                    });
                }
            }
        }
        planned.sort_by_key(|p| p.start);
        planned
    }

    /// One meeting, and once it is over its check-ins, minutes, photo and closing as the
    /// plan says; the meeting's id when it was closed.
    async fn write(&mut self, tx: &mut WriteTx, org: &Org, p: &Planned) -> AppResult<Option<i64>> {
        use crate::store::meetings::{self, NewMeeting};
        let names = TOPICS
            .iter()
            .find(|(k, _)| *k == p.kind.code())
            .map(|t| t.1)
            .unwrap_or(&["组织生活"]);
        let topic = names[self.rng.below(names.len() as u64) as usize].to_string();
        let group = org.kind() == OrgType::PartyGroup;
        let m = NewMeeting {
            org_id: org.id,
            org_path: org.path.clone(),
            party_group: group,
            kind: p.kind,
            topic: topic.clone(),
            starts_at: p.start,
            ends_at: p.start + 5400,
            place: if group {
                "党员家中"
            } else {
                "党员活动室"
            }
            .into(),
            point_e6: None,
            host_member_id: None,
            recorder_member_id: None,
            agenda: vec![
                format!("{}：{topic}", p.kind.label()),
                "党员交流发言".into(),
                "支部书记总结".into(),
            ],
            created_by: 0,
        };
        let id = meetings::create(tx.conn(), &m, p.start - 7 * 86_400).await?;
        self.meetings += 1;
        if p.start > self.now {
            return Ok(None); // planned, still to come
        }
        let expected = meetings::facts_of_org(tx.conn(), org.id, p.start, p.start + 1)
            .await?
            .iter()
            .find(|f| f.id == id)
            .map_or(0, |f| f.expected);
        // Attendance: 85-100 % to standard, otherwise sometimes short — where short still
        // leaves someone to hold the meeting (a committee of two meets in full).
        let flaw = (!p.to_standard).then_some(p.flaw);
        let closed = flaw != Some(3);
        let short = flaw == Some(0) && expected >= 3;
        let pct = if short {
            self.rng.range(45, 78)
        } else {
            self.rng.range(85, 100)
        };
        let salt = (self.seed % 97) as i64;
        meetings::check_in_share(tx.conn(), id, p.start - 600, salt, pct, !short).await?;
        self.planted.low_attendance += u32::from(short && closed);
        self.planted.incomplete += u32::from(matches!(flaw, Some(1 | 2)));
        if flaw != Some(1) {
            self.write_minutes(tx, org, (id, expected), p, &topic, &m.place)
                .await?;
        }
        if flaw != Some(2) {
            self.file_photo(tx, org, id, p).await?;
        }
        if !closed {
            return Ok(None);
        }
        meetings::set_closed(tx.conn(), id, Some((p.start + 6000, 0))).await?;
        Ok(Some(id))
    }

    /// The meeting's minutes: its own, or (planted) another organization's copied.
    async fn write_minutes(
        &mut self,
        tx: &mut WriteTx,
        org: &Org,
        (id, expected): (i64, i64),
        p: &Planned,
        topic: &str,
        place: &str,
    ) -> AppResult<()> {
        use crate::store::meetings;
        // The host is the secretary (a group's leader) if present, the recorder a committee
        // member: both among those who came.
        let mut present = meetings::present(tx.conn(), id).await?;
        let rank = |posts: &str| {
            [
                "secretary",
                "group_leader",
                "deputy_secretary",
                "organizer",
                "propaganda",
            ]
            .iter()
            .position(|p| posts.split(',').any(|x| x == *p))
            .unwrap_or(9)
        };
        present.sort_by_key(|m| rank(&m.2));
        let (host, recorder) = (present.first().map(|m| m.0), present.get(1).map(|m| m.0));
        meetings::set_host_and_recorder(tx.conn(), id, host, recorder).await?;
        // A source is copied once and a copy is never copied again: each planted copy is
        // exactly one pair for the scan to find.
        let copied = (self.plant == Some(Plant::CopiedMinutes))
            .then(|| {
                let earlier = |m: &(i64, String, String, i64)| m.0 != org.id && m.3 < p.start;
                let at = self.recent_minutes.iter().position(earlier)?;
                self.recent_minutes.remove(at)
            })
            .flatten();
        let minutes = match copied {
            Some((_, their_org, text, _)) => {
                self.plant = None;
                self.planted.copied_minutes += 1;
                text.replace(&their_org, &org.name)
            }
            None => {
                let names: Vec<&str> = present.iter().map(|m| m.1.as_str()).collect();
                let of = MinutesOf {
                    org: &org.name,
                    kind: p.kind.label(),
                    topic,
                    place,
                    start: p.start,
                    expected,
                    present: &names,
                };
                let own = minutes_text(&mut self.rng, &of);
                self.recent_minutes
                    .push_back((org.id, org.name.clone(), own.clone(), p.start));
                if self.recent_minutes.len() > 40 {
                    self.recent_minutes.pop_front();
                }
                own
            }
        };
        meetings::set_minutes(tx.conn(), id, &minutes, p.start + 5400).await?;
        Ok(())
    }

    /// The meeting's photo: a scene of its own, stored once (small enough to be its own
    /// thumbnail), or (planted) another meeting's photo cropped, or taken days before.
    async fn file_photo(
        &mut self,
        tx: &mut WriteTx,
        org: &Org,
        id: i64,
        p: &Planned,
    ) -> AppResult<()> {
        use crate::store::meetings::{self, NewFile};
        // As with minutes: each original is reused once, so each copy is one pair.
        let reused = (self.plant == Some(Plant::ReusedPhoto))
            .then(|| {
                let earlier = |f: &Filed| f.2 != org.id && f.3 < p.start;
                let at = self.recent_photos.iter().position(earlier)?;
                self.recent_photos.remove(at)
            })
            .flatten();
        let picture = match reused {
            Some((n, seed, _, _)) => {
                self.plant = None;
                self.planted.reused_photos += 1;
                // Cropped 10 % off one side, or 5 % all round, and saved again.
                let scene = image::DynamicImage::ImageRgb8(scenes::scene(n, seed));
                let (w, h) = (scenes::WIDTH, scenes::HEIGHT);
                let crop = if n % 2 == 0 {
                    scene.crop_imm(w / 10, 0, w - w / 10, h)
                } else {
                    scene.crop_imm(w / 20, h / 20, w - w / 10, h - h / 10)
                };
                crop.resize_exact(w, h, image::imageops::FilterType::Triangle)
            }
            None => {
                let (n, seed) = (self.photos_filed % scenes::DISTINCT, self.seed ^ id as u64);
                self.recent_photos.push_back((n, seed, org.id, p.start));
                if self.recent_photos.len() > 40 {
                    self.recent_photos.pop_front();
                }
                image::DynamicImage::ImageRgb8(scenes::scene(n, seed))
            }
        };
        let far = self.plant == Some(Plant::FarCapture);
        if far {
            self.plant = None;
            self.planted.far_captures += 1;
        }
        let print = crate::files::photo_print(&picture);
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 70)
            .encode_image(&picture.to_rgb8())
            .map_err(|e| AppError::internal(format!("demo photo: {e}")))?;
        let key = format!("demo/meeting-{id}.jpg");
        let sha = crate::crypto::sha256_hex(&jpeg);
        let size = jpeg.len() as i64;
        self.pending_files.push((key.clone(), jpeg));
        let file = NewFile {
            meeting_id: id,
            kind: crate::domain::meetings::FileKind::Photo,
            storage_key: &key,
            thumb_key: Some(&key),
            original_name: "现场照片.jpg",
            mime: "image/jpeg",
            size,
            captured_at: Some(if far {
                p.start - 9 * 86_400
            } else {
                p.start + 900
            }),
            sha256: &sha,
            uploaded_by: 0,
            print: Some(&print),
        };
        meetings::add_file(tx.conn(), &file, p.start + 5400).await?;
        self.photos_filed += 1;
        Ok(())
    }
}

/// A year (or `months`) of organizational life: most branches keep it to standard, some have
/// gaps; a planted few fell silent, reused a photo or copied minutes, and 电子监察's scan
/// over it finds them.
pub async fn orglife(
    db: &Db,
    files: &crate::files::Storage,
    seed: u64,
    months: u32,
) -> AppResult<(String, Planted)> {
    if months == 0 {
        return Ok((String::new(), Planted::default()));
    }
    let now = crate::domain::clock::now_epoch();
    let today = crate::domain::clock::local_date(now);
    let window_start = today - Duration::days(i64::from(months) * 30);
    // The county's organizations were founded before the history begins.
    orgs::set_founded(
        db,
        crate::domain::clock::day_start(window_start - Duration::days(30)),
    )
    .await?;
    let mut run = OrglifeRun {
        rng: Rng(seed ^ 0x5EED_0F11),
        seed,
        now,
        today,
        window_start,
        meetings: 0,
        photos_filed: 0,
        planted: Planted::default(),
        plant: None,
        silent: Default::default(),
        pending_files: Vec::new(),
        recent_photos: Default::default(),
        recent_minutes: Default::default(),
    };
    let all_rules = crate::store::requirements::all(db).await?;
    for org in &crate::store::orgs::meeting_holders(db, true).await? {
        let planned = run.plan(org);
        if planned.is_empty() {
            continue;
        }
        let mut tx = db.begin().await?;
        let mut closed = Vec::new();
        for p in &planned {
            closed.extend(run.write(&mut tx, org, p).await?);
        }
        // The photos are on disk before the rows that point at them.
        files
            .put_all(std::mem::take(&mut run.pending_files))
            .await?;
        for id in closed {
            let m = crate::store::meetings::get_in(tx.conn(), id).await?;
            // Awarded when the record was closed, as a live close awards it.
            let closed_at = m.closed_at.unwrap_or(now);
            crate::store::badges::award_in(tx.conn(), &all_rules, &m, closed_at).await?;
        }
        tx.commit().await?;
    }
    // Attending earned meeting points: the same ledger entries, keys and totals as a live
    // check-in makes, written in bulk.
    let attended = crate::store::points::BulkCredit {
        rule: crate::domain::points::PointRule::MeetingAttended,
        member: "c.member_id",
        key_columns: &["c.meeting_id", "c.member_id"],
        reason: "'参加组织生活'",
        at: "c.at",
        from: "FROM checkins c",
    };
    crate::store::points::bulk_credit(db, &attended, now).await?;
    let (checkins, badges) = crate::store::meetings::totals(db).await?;
    let summary = format!(
        "组织生活（近{months}个月）：{} 次会议，{checkins} 人次签到，{} 张现场照片，{badges} 枚党建徽章\n",
        run.meetings, run.photos_filed
    );
    Ok((summary, run.planted))
}

/// The whole demo county, as `dangjian demo` makes it: the tree and its members, the question
/// bank, `months` of organizational life, `study_days` of study, a year of 云上擂台, the
/// dashboard's kept figures and the day's 电子监察 scan.
pub async fn build(
    db: &Db,
    keys: &Keys,
    files: &crate::files::Storage,
    seed: u64,
    months: u32,
    study_days: u32,
) -> AppResult<Built> {
    let mut summary = generate(db, keys, seed).await?;
    let questions = question_bank(db).await?;
    summary.push_str(&format!(
        "\n每日一题题库：{questions} 道题；积分商城：4 件奖品\n"
    ));
    let (life, mut planted) = orglife(db, files, seed, months).await?;
    let (study, stopped) = study(db, files, seed, study_days).await?;
    planted.stopped_studying = stopped;
    let arena = arena_demo(db, files, seed).await?;
    let dues = dues_demo(db, keys, seed).await?;
    let development = development_demo(db, keys, files, seed).await?;
    let transfers = transfers_demo(db, keys, seed).await?;
    let (committees, terms_overdue) = committees_demo(db, seed).await?;
    planted.terms_overdue = terms_overdue;
    let (care, appraisals_missing) = care_demo(db, keys, files, seed).await?;
    planted.appraisals_missing = appraisals_missing;
    for part in [
        life,
        study,
        arena,
        dues,
        development,
        transfers,
        committees,
        care,
    ] {
        summary.push_str(part.trim_end());
        summary.push('\n');
    }
    // The dashboard's figures for the history, as the nightly job keeps them; then the
    // day's 电子监察 scan over all of it.
    let now = crate::domain::clock::now_epoch();
    crate::jobs::nightly_figures(db, now).await?;
    let (scanned, scan) = supervised(db, &planted, months, now).await?;
    summary.push_str(scanned.trim_end());
    db.refresh_statistics().await?;
    Ok(Built { summary, scan })
}

/// What `build` made: the summary to print and, per rule of 电子监察, how many cases it
/// planted (None for a rule the demo does not plant) beside how many the scan found.
pub struct Built {
    pub summary: String,
    pub scan: Vec<(crate::domain::supervision::Rule, Option<u32>, i64)>,
}

/// 电子监察 over the demo's history (after its study): what it planted beside what the
/// scan found, as a line to print and per rule.
pub async fn supervised(
    db: &Db,
    planted: &Planted,
    months: u32,
    now: i64,
) -> AppResult<(
    String,
    Vec<(crate::domain::supervision::Rule, Option<u32>, i64)>,
)> {
    use crate::domain::supervision::Rule;
    let found = crate::supervision::scan(db, None, now).await?;
    crate::store::supervision::date_as_daily_scans(db, now).await?;
    let mut out = String::from("电子监察（计划 / 检出）：");
    let mut per_rule = Vec::new();
    let planted_of = |rule: Rule| match rule {
        Rule::Silent => Some(planted.silent_branches),
        Rule::Incomplete => Some(planted.incomplete),
        Rule::LowAttendance => Some(planted.low_attendance),
        Rule::PhotoReused => Some(planted.reused_photos),
        Rule::PhotoTime => Some(planted.far_captures),
        Rule::MinutesCopied => Some(planted.copied_minutes),
        Rule::ManualOnly => Some(0),
        Rule::StudyStopped => Some(planted.stopped_studying),
        Rule::TermOverdue => Some(planted.terms_overdue),
        Rule::AppraisalMissing => Some(planted.appraisals_missing),
        Rule::Missed => None,
    };
    for rule in Rule::ALL {
        let got = found.get(rule).copied().unwrap_or(0);
        match planted_of(*rule) {
            Some(n) => out.push_str(&format!("{} {n} / {got}；", rule.label())),
            None => out.push_str(&format!("{} {got}；", rule.label())),
        }
        per_rule.push((*rule, planted_of(*rule), got));
    }
    out.push('\n');
    out.push_str(&monthly_reports(db, months, now).await?);
    Ok((out, per_rule))
}

/// 分级分档 and 月度通报 of the last `months` months that have ended, each as the job made
/// it on the 1st of the month after, oldest first (a month's risers need the one before).
async fn monthly_reports(db: &Db, months: u32, now: i64) -> AppResult<String> {
    use crate::domain::clock::{day_start, local_date};
    use crate::domain::dashboard::recent_months;
    let months = months.max(1) as usize;
    let mut reports = 0;
    for month in &recent_months(local_date(now), months) {
        reports += crate::reports::generate(db, month, day_start(month.end) + 3600).await?;
    }
    Ok(format!(
        "分级分档与月度通报：{months}个月，共{reports}份通报（每月1日生成上月的）\n"
    ))
}

/// (event, year) pairs for the question bank's history questions.
const HISTORY: &[(&str, i32)] = &[
    ("五四运动爆发", 1919),
    ("中国共产党第一次全国代表大会召开", 1921),
    ("南昌起义爆发", 1927),
    ("秋收起义爆发", 1927),
    ("井冈山革命根据地开始创建", 1927),
    ("古田会议召开", 1929),
    ("中央红军开始长征", 1934),
    ("遵义会议召开", 1935),
    ("红军三大主力会宁会师", 1936),
    ("西安事变发生", 1936),
    ("七七事变爆发、全面抗战开始", 1937),
    ("延安整风运动开始", 1942),
    ("中共七大召开", 1945),
    ("抗日战争取得胜利", 1945),
    ("辽沈战役开始", 1948),
    ("七届二中全会在西柏坡召开", 1949),
    ("中华人民共和国成立", 1949),
    ("中国人民志愿军入朝作战", 1950),
    ("第一部《中华人民共和国宪法》通过", 1954),
    ("中共八大召开", 1956),
    ("我国第一颗原子弹爆炸成功", 1964),
    ("我国恢复在联合国的合法席位", 1971),
    ("中共十一大召开", 1977),
    ("十一届三中全会召开", 1978),
    ("深圳等经济特区设立", 1980),
    ("中共十二大召开", 1982),
    ("中共十三大召开", 1987),
    ("邓小平南方谈话", 1992),
    ("中共十四大确立社会主义市场经济体制改革目标", 1992),
    ("香港回归祖国", 1997),
    ("中共十五大召开", 1997),
    ("澳门回归祖国", 1999),
    ("我国加入世界贸易组织", 2001),
    ("中共十六大召开", 2002),
    ("神舟五号实现首次载人航天飞行", 2003),
    ("全面取消农业税", 2006),
    ("青藏铁路全线通车", 2006),
    ("中共十七大召开", 2007),
    ("嫦娥一号发射成功", 2007),
    ("北京奥运会举办", 2008),
    ("中共十八大召开", 2012),
    ("中共十九大召开", 2017),
    ("庆祝中国共产党成立100周年大会举行", 2021),
    ("中共二十大召开", 2022),
    ("平型关大捷", 1937),
    ("百团大战", 1940),
    ("淮海战役开始", 1948),
    ("第一个五年计划开始实施", 1953),
    ("十六届五中全会提出建设社会主义新农村", 2005),
    ("汶川特大地震发生", 2008),
    ("十九届六中全会通过党的第三个历史决议", 2021),
];

/// Statements for true/false questions: (statement, true?, explanation).
const STATEMENTS: &[(&str, bool, &str)] = &[
    (
        "支部委员会一般每月召开一次。",
        true,
        "按党支部工作条例，支部委员会一般每月召开1次。",
    ),
    (
        "党小组会一般每月召开一次。",
        true,
        "党小组会一般每月召开1次。",
    ),
    (
        "支部党员大会一般每季度召开一次。",
        true,
        "支部党员大会一般每季度召开1次。",
    ),
    (
        "党课一般每季度至少开展一次。",
        true,
        "党支部每季度至少上1次党课。",
    ),
    (
        "组织生活会一般每年至少召开一次。",
        true,
        "组织生活会一般每年召开1次。",
    ),
    (
        "民主评议党员一般每年开展一次。",
        true,
        "民主评议党员一般每年开展1次。",
    ),
    (
        "主题党日一般每月开展一次。",
        true,
        "党支部每月相对固定1天开展主题党日。",
    ),
    (
        "预备党员的预备期为一年。",
        true,
        "党章规定，预备党员的预备期为一年。",
    ),
    (
        "预备党员的预备期为两年。",
        false,
        "党章规定，预备党员的预备期为一年。",
    ),
    (
        "年满十八岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子可以申请加入中国共产党。",
        true,
        "这是党章关于入党条件的规定。",
    ),
    ("党员必须按期交纳党费。", true, "按期交纳党费是党员的义务。"),
    (
        "党员连续三个月不交纳党费，就被认为是自行脱党。",
        false,
        "党章规定的是连续六个月不参加党的组织生活、不交纳党费或不做党所分配的工作。",
    ),
    (
        "党员连续六个月不参加党的组织生活、不交纳党费或不做党所分配的工作，就被认为是自行脱党。",
        true,
        "这是党章的规定。",
    ),
    (
        "中国共产党的宗旨是全心全意为人民服务。",
        true,
        "全心全意为人民服务是党的根本宗旨。",
    ),
    (
        "党的最高理想和最终目标是实现共产主义。",
        true,
        "这是党章总纲的表述。",
    ),
    (
        "党的全国代表大会每五年举行一次。",
        true,
        "党的全国代表大会每五年举行一次，由中央委员会召集。",
    ),
    (
        "党的全国代表大会每四年举行一次。",
        false,
        "党的全国代表大会每五年举行一次。",
    ),
    (
        "“三会一课”中的“一课”指党课。",
        true,
        "“一课”即按时上好党课。",
    ),
    (
        "“三会”指支部党员大会、支部委员会和党小组会。",
        true,
        "这是“三会一课”中“三会”的内容。",
    ),
    (
        "党的基层组织是党在社会基层组织中的战斗堡垒。",
        true,
        "这是党章对基层组织地位作用的表述。",
    ),
    (
        "中国共产党的生日是7月1日。",
        true,
        "7月1日为中国共产党成立纪念日。",
    ),
    (
        "中国人民解放军建军节是8月1日。",
        true,
        "1927年8月1日南昌起义，8月1日为建军节。",
    ),
    (
        "中华人民共和国成立于1950年。",
        false,
        "中华人民共和国成立于1949年10月1日。",
    ),
    ("遵义会议召开于1935年。", true, "遵义会议于1935年1月召开。"),
    (
        "党旗旗面为红色，左上角缀有金黄色党徽图案。",
        true,
        "这是党旗的式样。",
    ),
    (
        "入党誓词中有“永不叛党”。",
        true,
        "入党誓词以“永不叛党”结尾。",
    ),
    (
        "党员的党龄从提交入党申请书之日算起。",
        false,
        "党员的党龄从预备期满转为正式党员之日算起。",
    ),
    (
        "党员的党龄从预备期满转为正式党员之日算起。",
        true,
        "这是党章的规定。",
    ),
    (
        "党支部委员会每届任期为三年至五年。",
        true,
        "党的基层委员会每届任期三年至五年。",
    ),
    (
        "凡是有正式党员三人以上的，都应当成立党的基层组织。",
        true,
        "这是党章的规定。",
    ),
];

/// Single and multiple choice on knowledge: (stem, options, answer, explanation).
const KNOWLEDGE: &[(&str, &[&str], &str, &str)] = &[
    (
        "中国共产党的根本宗旨是（ ）。",
        &[
            "全心全意为人民服务",
            "发展生产力",
            "实现共同富裕",
            "依法治国",
        ],
        "A",
        "全心全意为人民服务是党的根本宗旨。",
    ),
    (
        "预备党员的预备期为（ ）。",
        &["半年", "一年", "两年", "三年"],
        "B",
        "党章规定预备期为一年。",
    ),
    (
        "党的全国代表大会每（ ）年举行一次。",
        &["三", "四", "五", "六"],
        "C",
        "党的全国代表大会每五年举行一次。",
    ),
    (
        "党员的党龄从（ ）之日算起。",
        &[
            "递交入党申请书",
            "确定为入党积极分子",
            "接收为预备党员",
            "预备期满转为正式党员",
        ],
        "D",
        "党龄从预备期满转为正式党员之日算起。",
    ),
    (
        "“三会一课”中的“一课”是指（ ）。",
        &["党课", "团课", "专题讲座", "形势政策课"],
        "A",
        "“一课”即党课。",
    ),
    (
        "有正式党员（ ）人以上的，都应当成立党的基层组织。",
        &["二", "三", "五", "七"],
        "B",
        "党章规定三人以上成立基层组织。",
    ),
    (
        "党员人数一般不超过（ ）人的，设立党支部。",
        &["30", "50", "100", "200"],
        "B",
        "党支部党员人数一般不超过50人。",
    ),
    (
        "中国共产党第一次全国代表大会开幕于（ ）。",
        &["北京", "上海", "广州", "武汉"],
        "B",
        "中共一大在上海开幕，最后一天移至嘉兴南湖。",
    ),
    (
        "中共七大在（ ）召开。",
        &["瑞金", "遵义", "延安", "西柏坡"],
        "C",
        "中共七大于1945年在延安召开。",
    ),
    (
        "七届二中全会在（ ）召开。",
        &["延安", "西柏坡", "北平", "南京"],
        "B",
        "七届二中全会于1949年3月在西柏坡召开。",
    ),
    (
        "打响武装反抗国民党反动派第一枪的是（ ）。",
        &["秋收起义", "广州起义", "南昌起义", "百色起义"],
        "C",
        "1927年8月1日南昌起义。",
    ),
    (
        "在党的历史上具有伟大转折意义的会议是（ ）。",
        &["古田会议", "遵义会议", "洛川会议", "瓦窑堡会议"],
        "B",
        "遵义会议是党的历史上生死攸关的转折点。",
    ),
    (
        "党员连续（ ）个月不参加党的组织生活、不交纳党费或不做党所分配的工作，就被认为是自行脱党。",
        &["三", "六", "九", "十二"],
        "B",
        "党章规定为连续六个月。",
    ),
    (
        "支部委员会一般每（ ）召开一次。",
        &["周", "月", "季度", "年"],
        "B",
        "支部委员会一般每月召开1次。",
    ),
    (
        "支部党员大会一般每（ ）召开一次。",
        &["月", "季度", "半年", "年"],
        "B",
        "支部党员大会一般每季度召开1次。",
    ),
    (
        "组织生活会一般每（ ）召开一次。",
        &["月", "季度", "半年", "年"],
        "D",
        "组织生活会一般每年召开1次。",
    ),
    (
        "以下属于“三会一课”中“三会”的有（ ）。",
        &["支部党员大会", "支部委员会", "党小组会", "组织生活会"],
        "ABC",
        "“三会”是支部党员大会、支部委员会、党小组会。",
    ),
    (
        "党员应当履行的义务包括（ ）。",
        &[
            "认真学习党的理论",
            "按期交纳党费",
            "密切联系群众",
            "只参加本人愿意参加的组织生活",
        ],
        "ABC",
        "党员必须参加党的组织生活，不能挑选。",
    ),
    (
        "以下哪些会议在延安召开？（ ）",
        &["中共七大", "中共一大", "七届二中全会", "延安文艺座谈会"],
        "AD",
        "中共七大与延安文艺座谈会在延安召开。",
    ),
    (
        "党的纪律包括（ ）。",
        &["政治纪律", "组织纪律", "廉洁纪律", "群众纪律"],
        "ABCD",
        "党的纪律包括政治、组织、廉洁、群众、工作、生活纪律。",
    ),
];

/// A question bank of real content: history, rules and knowledge (at least 100 questions).
pub async fn question_bank(db: &Db) -> AppResult<usize> {
    use crate::domain::daily::{QuestionInput, ValidQuestion, parse_question};
    use crate::store::daily;
    // The demo's questions pass the same rules as an editor's.
    fn checked(
        kind: &str,
        stem: &str,
        options: Vec<&str>,
        answer: &str,
        explanation: &str,
        tags: &str,
        difficulty: &str,
    ) -> ValidQuestion {
        parse_question(&QuestionInput {
            kind,
            stem,
            options,
            answer,
            explanation,
            tags,
            difficulty,
            pinned_day: "",
        })
        .expect("demo questions are valid")
    }
    let now = crate::domain::clock::now_epoch();
    let root = orgs::root(db)
        .await?
        .ok_or_else(|| AppError::internal("the demo county has no root"))?
        .id;
    let mut tx = db.begin().await?;
    let mut n = 0;
    for (i, (event, year)) in HISTORY.iter().enumerate() {
        let offsets: [i32; 4] = match i % 4 {
            0 => [0, -2, 3, 6],
            1 => [-4, 0, 2, 5],
            2 => [-6, -3, 0, 4],
            _ => [-5, -1, 2, 0],
        };
        let options: Vec<String> = offsets.iter().map(|o| format!("{}年", year + o)).collect();
        let answer =
            ["A", "B", "C", "D"][offsets.iter().position(|o| *o == 0).expect("one is right")];
        let stem = format!("{event}是在哪一年？");
        let explanation = format!("{event}是在{year}年。");
        let options: Vec<&str> = options.iter().map(String::as_str).collect();
        let q = checked("单选", &stem, options, answer, &explanation, "党史", "2");
        daily::create(tx.conn(), &q, 0, now).await?;
        n += 1;
    }
    for (statement, truth, explanation) in STATEMENTS {
        let answer = if *truth { "T" } else { "F" };
        let q = checked(
            "判断",
            statement,
            vec![],
            answer,
            explanation,
            "党章党规",
            "1",
        );
        daily::create(tx.conn(), &q, 0, now).await?;
        n += 1;
    }
    for (stem, options, answer, explanation) in KNOWLEDGE {
        let kind = if answer.len() > 1 { "多选" } else { "单选" };
        let q = checked(
            kind,
            stem,
            options.to_vec(),
            answer,
            explanation,
            "党建知识",
            "2",
        );
        daily::create(tx.conn(), &q, 0, now).await?;
        n += 1;
    }
    // 1 July: the party's birthday has its own question.
    let mut q = checked(
        "判断",
        "今天是中国共产党成立纪念日。",
        vec![],
        "正确",
        "7月1日是中国共产党成立纪念日。",
        "党史",
        "1",
    );
    q.pinned_day = Some(format!(
        "{}-07-01",
        crate::domain::clock::local_date(now).year()
    ));
    daily::create(tx.conn(), &q, 0, now).await?;
    n += 1;
    // Prizes from the county for everyone.
    // (name, points, stock, badges to hold, badges spent)
    for (name, price, stock, badges, badge_price) in [
        ("党员学习笔记本", 30, 500, 0, 0),
        ("《中国共产党章程》单行本", 50, 300, 0, 0),
        ("党徽（标准款）", 40, 200, 0, 1),
        ("红色教育基地参观名额", 300, 20, 12, 0),
    ] {
        // The demo's prizes pass the same rules as an administrator's.
        let (price, stock, badges) = (price.to_string(), stock.to_string(), badges.to_string());
        let badge_price = badge_price.to_string();
        let p = crate::domain::shop::parse_prize(&crate::domain::shop::PrizeInput {
            name,
            price: &price,
            stock: &stock,
            monthly_limit: "1",
            required_badges: &badges,
            badge_price: &badge_price,
            ..Default::default()
        })
        .map_err(|e| AppError::internal(format!("demo prize {name}: {e:?}")))?;
        crate::store::shop::create(tx.conn(), root, &p, 0, now).await?;
    }
    tx.commit().await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::near_duplicates::{MINUTES_OVERLAP, minutes_overlap, minutes_prints};
    use std::collections::HashMap;

    /// A year of a small branch's committee meetings (two members, both there each month), as
    /// the demo writes them, across a county's worth of branches: no two are alike enough for
    /// 电子监察 to call one a copy — only the demo's planted copies are. (The same people in
    /// every one of a branch's minutes are what makes them alike.)
    #[test]
    fn a_branch_s_own_minutes_are_not_copies() {
        let mut rng = Rng(7);
        let mut minutes = Vec::new();
        for branch in 0..1200 {
            let org = format!("第{branch}村党支部");
            let people = [
                person_name(&mut rng, Gender::Male),
                person_name(&mut rng, Gender::Female),
            ];
            let present: Vec<&str> = people.iter().map(String::as_str).collect();
            for month in 0..12 {
                let topic: &&str = rng.pick(&["研究本月重点工作", "讨论村级事务", "部署防汛工作"]);
                let of = MinutesOf {
                    org: &org,
                    kind: "支部委员会",
                    topic,
                    place: "党员活动室",
                    start: 1_767_225_600 + month * 30 * 86_400,
                    expected: 2,
                    present: &present,
                };
                minutes.push((branch, minutes_prints(&minutes_text(&mut rng, &of))));
            }
        }
        let mut meetings_with: HashMap<i64, usize> = HashMap::new();
        for (_, prints) in &minutes {
            for p in prints {
                *meetings_with.entry(*p).or_default() += 1;
            }
        }
        let common: HashSet<i64> = meetings_with
            .into_iter()
            .filter(|(_, n)| *n > crate::supervision::COMMON_PRINT_MEETINGS)
            .map(|(p, _)| p)
            .collect();
        let mut worst = 0;
        let mut alike = 0;
        for (i, (branch, a)) in minutes.iter().enumerate() {
            for (other, b) in &minutes[i + 1..] {
                if other == branch {
                    let overlap = minutes_overlap(a, b, &common);
                    worst = worst.max(overlap);
                    alike += usize::from(overlap >= MINUTES_OVERLAP);
                }
            }
        }
        assert_eq!(alike, 0, "the most alike share {worst}%");
    }
}
