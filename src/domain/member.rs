//! The member register's coded fields (党员名册).

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_round_trip_and_ignore_unknown() {
        assert_eq!(
            parse_posts("secretary,bogus,organizer"),
            vec![Post::Secretary, Post::Organizer]
        );
        assert_eq!(posts_label("secretary,organizer"), "书记、组织委员");
        assert_eq!(posts_label(""), "");
    }
}
