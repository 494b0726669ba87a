//! The member register (党员名册): its coded fields, and the rules a member record obeys
//! whether it comes from the form, a spreadsheet or the demo.
use super::clock::{format_date, parse_date};
use super::idcard::IdNumber;
use super::text::{FieldErrors, PERSON_NAME_MAX_CHARS, phone, required};
use time::Date;

/// Longest reason for a transfer (转接).
pub const TRANSFER_REASON_MAX_CHARS: usize = 200;

labelled_enum!(Gender {
    Male => "male", "男";
    Female => "female", "女";
});

labelled_enum!(MemberStatus {
    Full => "full", "正式党员";
    Probationary => "probationary", "预备党员";
});

labelled_enum!(MemberCategory {
    Employed => "employed", "在岗职工";
    Retired => "retired", "离退休人员";
    Farmer => "farmer", "农牧渔民";
    Student => "student", "学生";
    Mobile => "mobile", "流动党员";
});

labelled_enum!(Education {
    Primary => "primary", "小学";
    Junior => "junior", "初中";
    Senior => "senior", "高中/中专";
    College => "college", "大专";
    Bachelor => "bachelor", "大学本科";
    Postgraduate => "postgraduate", "研究生";
});

labelled_enum!(Post {
    Secretary => "secretary", "书记";
    DeputySecretary => "deputy_secretary", "副书记";
    Organizer => "organizer", "组织委员";
    Propaganda => "propaganda", "宣传委员";
    Discipline => "discipline", "纪检委员";
    Youth => "youth", "青年委员";
    Women => "women", "妇女委员";
    CommitteeMember => "committee_member", "委员";
    GroupLeader => "group_leader", "党小组长";
});

pub const ETHNICITIES: &[&str] = &[
    "汉族",
    "回族",
    "满族",
    "蒙古族",
    "壮族",
    "维吾尔族",
    "藏族",
    "苗族",
    "彝族",
    "土家族",
    "朝鲜族",
    "其他",
];

/// Posts are stored as a comma-separated list of codes.
pub fn parse_posts(codes: &str) -> Vec<Post> {
    codes.split(',').filter_map(Post::from_code).collect()
}

pub fn posts_label(codes: &str) -> String {
    parse_posts(codes)
        .iter()
        .map(|p| p.label())
        .collect::<Vec<_>>()
        .join("、")
}

/// What an administrator typed for a member (codes or labels for the coded fields).
#[derive(Debug, Default, Clone)]
pub struct MemberEntry<'a> {
    /// Who they are; an empty phone means no account.
    pub who: PersonFields<'a>,
    /// `YYYY-MM-DD`
    pub joined_on: &'a str,
    /// `YYYY-MM-DD`, for full members only.
    pub full_member_on: &'a str,
    pub status: &'a str,
    pub category: &'a str,
    /// A party group's id, or empty.
    pub party_group: &'a str,
    pub posts: Vec<&'a str>,
    pub veteran: bool,
}

/// A member record that passed every rule, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    pub name: String,
    pub gender: Gender,
    pub ethnicity: String,
    /// From the ID number, `YYYY-MM-DD`.
    pub birth_date: String,
    pub id_number: String,
    pub phone: Option<String>,
    pub education: Education,
    pub joined_on: String,
    pub full_member_on: Option<String>,
    pub status: MemberStatus,
    pub category: MemberCategory,
    pub branch_id: i64,
    pub party_group_id: Option<i64>,
    /// Post codes, comma-separated.
    pub posts: String,
    pub veteran: bool,
}

/// The join date: not in the future, and at 18 or older by the ID number's birth date.
fn check_joined(
    joined: Option<Date>,
    id: Option<&IdNumber>,
    today: Date,
) -> Result<Date, &'static str> {
    let joined = joined.ok_or("请填写入党日期，格式如 2020-07-01")?;
    if joined > today {
        return Err("入党日期不能晚于今天");
    }
    if let Some(id) = id {
        let birth = id.birth_date();
        // Born on 29 February: of age on 28 February of a common year.
        let adult = super::clock::add_months(birth, 18 * 12);
        if joined < adult {
            return Err("入党时应年满18周岁，请核对入党日期或身份证号");
        }
    }
    Ok(joined)
}

/// The full-membership date: required of full members, after joining and not in the future;
/// probationary members have none.
fn check_full_member_on(
    status: MemberStatus,
    value: &str,
    joined: Option<Date>,
    today: Date,
) -> Result<Option<String>, &'static str> {
    match (status, value.trim()) {
        (MemberStatus::Probationary, "") => Ok(None),
        (MemberStatus::Probationary, _) => Err("预备党员不应填写转正日期"),
        (MemberStatus::Full, "") => Err("正式党员请填写转正日期"),
        (MemberStatus::Full, s) => match parse_date(s) {
            None => Err("日期格式如 2021-07-01"),
            Some(d) if joined.is_some_and(|j| d <= j) => Err("转正日期应晚于入党日期"),
            Some(d) if d > today => Err("转正日期不能晚于今天"),
            Some(d) => Ok(Some(format_date(d))),
        },
    }
}

/// What was typed for who a person is: the fields a member record and an applicant's share.
#[derive(Debug, Default, Clone)]
pub struct PersonFields<'a> {
    pub name: &'a str,
    pub gender: &'a str,
    pub ethnicity: &'a str,
    pub id_number: &'a str,
    /// Empty for someone without a phone.
    pub phone: &'a str,
    pub education: &'a str,
}

/// Who a person is, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub gender: Gender,
    pub ethnicity: String,
    pub id_number: IdNumber,
    pub phone: Option<String>,
    pub education: Education,
}

/// Checks who a person is — the name, the sex as the ID number says it, the ethnicity, the
/// phone and education — adding each fault at its field.
pub fn parse_identity(e: &PersonFields, errors: &mut FieldErrors) -> Option<Identity> {
    let name = errors.check("name", required(e.name, PERSON_NAME_MAX_CHARS));
    let gender = Gender::from_code_or_label(e.gender);
    if gender.is_none() {
        errors.add("gender", "请选择性别");
    }
    let ethnicity = e.ethnicity.trim();
    if !ETHNICITIES.contains(&ethnicity) {
        errors.add("ethnicity", "请选择民族");
    }
    let id = IdNumber::parse(e.id_number)
        .map_err(|m| errors.add("id_number", m))
        .ok();
    if let (Some(id), Some(g)) = (&id, gender)
        && id.is_male() != (g == Gender::Male)
    {
        errors.add("gender", "性别与身份证号不一致");
    }
    let phone = match e.phone.trim() {
        "" => None,
        p => Some(errors.check("phone", phone(p))),
    };
    let education = Education::from_code_or_label(e.education);
    if education.is_none() {
        errors.add("education", "请选择学历");
    }
    Some(Identity {
        name,
        gender: gender?,
        ethnicity: ethnicity.to_string(),
        id_number: id?,
        phone,
        education: education?,
    })
}

/// Checks a member of the branch `branch_id`, whose party groups are `party_groups`.
pub fn parse_member(
    e: &MemberEntry,
    branch_id: i64,
    party_groups: &[i64],
    today: Date,
) -> Result<MemberRecord, FieldErrors> {
    let mut errors = FieldErrors::default();
    let identity = parse_identity(&e.who, &mut errors);
    let joined = parse_date(e.joined_on);
    let joined_ok = errors.check(
        "joined_on",
        check_joined(joined, identity.as_ref().map(|i| &i.id_number), today).map(Some),
    );
    let status = MemberStatus::from_code_or_label(e.status);
    let full_member_on = match status {
        None => {
            errors.add("status", "请选择党员状态");
            None
        }
        Some(s) => errors.check(
            "full_member_on",
            check_full_member_on(s, e.full_member_on, joined, today),
        ),
    };
    let category = MemberCategory::from_code_or_label(e.category);
    if category.is_none() {
        errors.add("category", "请选择党员类别");
    }
    let party_group_id = match e.party_group.trim() {
        "" => None,
        g => {
            let id = g.parse::<i64>().ok().filter(|id| party_groups.contains(id));
            if id.is_none() {
                errors.add("party_group", "请选择本支部的党小组");
            }
            id
        }
    };
    let posts: Vec<&str> = e
        .posts
        .iter()
        .filter_map(|p| Post::from_code_or_label(p).map(Post::code))
        .collect();
    if posts.len() != e.posts.len() {
        errors.add("posts", "职务选择有误");
    }
    match (identity, joined_ok, status, category) {
        (Some(who), Some(joined), Some(status), Some(category)) if errors.is_empty() => {
            Ok(MemberRecord {
                name: who.name,
                gender: who.gender,
                ethnicity: who.ethnicity,
                birth_date: format_date(who.id_number.birth_date()),
                id_number: who.id_number.as_str().to_string(),
                phone: who.phone,
                education: who.education,
                joined_on: format_date(joined),
                full_member_on,
                status,
                category,
                branch_id,
                party_group_id,
                posts: posts.join(","),
                veteran: e.veteran,
            })
        }
        _ => Err(errors),
    }
}

/// 政治生日: the day in `year` a member who joined on `joined` marks it (one who joined on 29
/// February marks it on the 28th in a common year).
pub fn anniversary_in(joined: time::Date, year: i32) -> time::Date {
    time::Date::from_calendar_date(year, joined.month(), joined.day())
        .or_else(|_| time::Date::from_calendar_date(year, joined.month(), joined.day() - 1))
        .unwrap_or(joined)
}

/// The years in the party when `today` is a member's political birthday.
pub fn political_birthday(joined: time::Date, today: time::Date) -> Option<i32> {
    let years = today.year() - joined.year();
    (years >= 1 && anniversary_in(joined, today.year()) == today).then_some(years)
}

/// The month-days (`MM-DD`) of the joining dates whose political birthday is `today`.
pub fn joined_month_days(today: time::Date) -> Vec<String> {
    let md = |d: time::Date| format!("{:02}-{:02}", d.month() as u8, d.day());
    let mut days = vec![md(today)];
    if today.month() == time::Month::February
        && today.day() == 28
        && !time::util::is_leap_year(today.year())
    {
        days.push("02-29".into());
    }
    days
}

/// What a member reads on their political birthday; every fifth year says more, and fifty
/// years is 光荣在党50年.
pub fn birthday_greeting(years: i32) -> String {
    let first = format!("今天是您入党{years}周年的政治生日。");
    let more = match years {
        y if y >= 50 && y % 5 == 0 => format!("光荣在党{y}年，向您致以崇高的敬意！"),
        y if y % 5 == 0 => format!("入党{y}周年，初心如磐、使命在肩，向您表示祝贺！"),
        _ => "重温入党誓词，不忘初心、牢记使命。".into(),
    };
    format!("{first}{more}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_political_birthday_comes_each_year_and_says_more_every_fifth() {
        use time::macros::date;
        let joined = date!(2016 - 07 - 01);
        assert_eq!(political_birthday(joined, date!(2026 - 07 - 01)), Some(10));
        assert_eq!(political_birthday(joined, date!(2026 - 07 - 02)), None);
        // Not on the day of joining itself.
        assert_eq!(political_birthday(joined, joined), None);
        // 29 February: the 28th in a common year, the 29th in a leap year.
        let leap = date!(2000 - 02 - 29);
        assert_eq!(political_birthday(leap, date!(2026 - 02 - 28)), Some(26));
        assert_eq!(political_birthday(leap, date!(2028 - 02 - 28)), None);
        assert_eq!(political_birthday(leap, date!(2028 - 02 - 29)), Some(28));
        assert_eq!(joined_month_days(date!(2026 - 02 - 28)), ["02-28", "02-29"]);
        assert_eq!(joined_month_days(date!(2028 - 02 - 28)), ["02-28"]);
        assert!(birthday_greeting(10).contains("入党10周年，初心如磐"));
        assert!(birthday_greeting(50).contains("光荣在党50年"));
        assert!(birthday_greeting(55).contains("光荣在党55年"));
        assert!(birthday_greeting(7).starts_with("今天是您入党7周年的政治生日。"));
        assert!(!birthday_greeting(7).contains("周年，初心"));
    }

    #[test]
    fn posts_round_trip_and_ignore_unknown() {
        assert_eq!(
            parse_posts("secretary,bogus,organizer"),
            vec![Post::Secretary, Post::Organizer]
        );
        assert_eq!(posts_label("secretary,organizer"), "书记、组织委员");
        assert_eq!(posts_label(""), "");
    }

    /// 1990-02-28, male (odd sequence).
    const ID: &str = "13098419900228001";

    fn id_number(body: &str) -> String {
        format!("{body}{}", crate::domain::idcard::check_char(body).unwrap())
    }

    fn entry(id: &str) -> MemberEntry<'_> {
        MemberEntry {
            who: PersonFields {
                name: "张建国",
                gender: "male",
                ethnicity: "汉族",
                id_number: id,
                phone: "13812345678",
                education: "senior",
            },
            joined_on: "2010-07-01",
            full_member_on: "2011-07-01",
            status: "full",
            category: "farmer",
            ..Default::default()
        }
    }

    #[test]
    fn a_good_record_from_codes_or_from_the_labels_a_spreadsheet_holds() {
        let today = time::macros::date!(2026 - 11 - 28);
        let id = id_number(ID);
        let r = parse_member(&entry(&id), 5, &[], today).unwrap();
        assert_eq!(r.birth_date, "1990-02-28");
        assert_eq!((r.gender, r.branch_id), (Gender::Male, 5));
        let labels = MemberEntry {
            who: PersonFields {
                gender: "男",
                education: "高中/中专",
                ..entry(&id).who
            },
            status: "正式党员",
            category: "农牧渔民",
            posts: vec!["书记", "organizer"],
            ..entry(&id)
        };
        let r = parse_member(&labels, 5, &[], today).unwrap();
        assert_eq!(r.posts, "secretary,organizer");
    }

    #[test]
    fn dates_must_agree_with_the_id_number_and_each_other() {
        let today = time::macros::date!(2026 - 11 - 28);
        let id = id_number(ID);
        let young = MemberEntry {
            joined_on: "2008-02-27",
            ..entry(&id)
        };
        let e = parse_member(&young, 5, &[], today).unwrap_err();
        assert_eq!(
            e.get("joined_on"),
            "入党时应年满18周岁，请核对入党日期或身份证号"
        );
        let of_age = MemberEntry {
            joined_on: "2008-02-28",
            full_member_on: "2009-02-28",
            ..entry(&id)
        };
        assert!(parse_member(&of_age, 5, &[], today).is_ok());
        let probationary = MemberEntry {
            status: "probationary",
            ..entry(&id)
        };
        let e = parse_member(&probationary, 5, &[], today).unwrap_err();
        assert_eq!(e.get("full_member_on"), "预备党员不应填写转正日期");
        let female = MemberEntry {
            who: PersonFields {
                gender: "female",
                ..entry(&id).who
            },
            ..entry(&id)
        };
        assert_eq!(
            parse_member(&female, 5, &[], today)
                .unwrap_err()
                .get("gender"),
            "性别与身份证号不一致"
        );
    }

    #[test]
    fn a_leap_day_birth_comes_of_age_on_28_february() {
        let today = time::macros::date!(2026 - 11 - 28);
        let id = id_number("13098419920229001");
        let joined = |d| MemberEntry {
            joined_on: d,
            full_member_on: "2012-01-01",
            ..entry(&id)
        };
        assert!(parse_member(&joined("2010-02-28"), 5, &[], today).is_ok());
        assert!(parse_member(&joined("2010-02-27"), 5, &[], today).is_err());
    }

    #[test]
    fn a_party_group_of_another_branch_is_refused() {
        let today = time::macros::date!(2026 - 11 - 28);
        let id = id_number(ID);
        let grouped = MemberEntry {
            party_group: "9",
            ..entry(&id)
        };
        assert!(parse_member(&grouped, 5, &[9], today).is_ok());
        let e = parse_member(&grouped, 5, &[8], today).unwrap_err();
        assert_eq!(e.get("party_group"), "请选择本支部的党小组");
    }
}
