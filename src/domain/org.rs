//! The organization tree: types, categories, which type may sit under which, and the
//! materialized path (`/1/5/23/`) that makes subtree queries an index range.

labelled_enum!(OrgType {
    County => "county", "县委";
    Committee => "committee", "党委";
    WorkingCommittee => "working_committee", "党工委";
    GeneralBranch => "general_branch", "党总支";
    JointVillageGeneralBranch => "joint_village_general_branch", "联村党总支";
    Branch => "branch", "党支部";
    JointBranch => "joint_branch", "联合党支部";
    TemporaryBranch => "temporary_branch", "临时党支部";
    PartyGroup => "party_group", "党小组";
});

labelled_enum!(OrgCategory {
    Rural => "rural", "农村";
    Community => "community", "社区";
    Government => "government", "机关";
    School => "school", "学校";
    Hospital => "hospital", "医院";
    StateEnterprise => "state_enterprise", "国企";
    PrivateEnterprise => "private_enterprise", "非公企业";
    SocialOrganization => "social_organization", "社会组织";
});

impl OrgType {
    /// Members are registered in branches; party groups sit inside one.
    pub fn is_branch(self) -> bool {
        matches!(
            self,
            Self::Branch | Self::JointBranch | Self::TemporaryBranch
        )
    }

    pub fn is_general_branch(self) -> bool {
        matches!(self, Self::GeneralBranch | Self::JointVillageGeneralBranch)
    }

    fn level(self) -> u8 {
        match self {
            Self::County => 0,
            Self::Committee | Self::WorkingCommittee => 1,
            Self::GeneralBranch | Self::JointVillageGeneralBranch => 2,
            Self::Branch | Self::JointBranch | Self::TemporaryBranch => 3,
            Self::PartyGroup => 4,
        }
    }

    /// Whether an organization of this type may be placed under `parent`.
    pub fn may_sit_under(self, parent: OrgType) -> bool {
        match self {
            Self::County => false,
            // A committee may have sub-committees (e.g. a system committee's own 党委).
            Self::Committee | Self::WorkingCommittee => parent.level() <= 1,
            Self::GeneralBranch | Self::JointVillageGeneralBranch => parent.level() <= 1,
            Self::Branch | Self::JointBranch | Self::TemporaryBranch => parent.level() <= 2,
            Self::PartyGroup => parent.is_branch(),
        }
    }
}

/// The path of a child whose parent has `parent_path`.
pub fn child_path(parent_path: &str, id: i64) -> String {
    format!("{parent_path}{id}/")
}

pub fn root_path(id: i64) -> String {
    format!("/{id}/")
}

/// The half-open range `[lo, hi)` of paths in the subtree rooted at `path` (itself included).
/// Paths are compared bytewise, and '0' is the byte after '/'.
pub fn subtree_range(path: &str) -> (String, String) {
    let hi = format!("{}0", &path[..path.len() - 1]);
    (path.to_string(), hi)
}

pub fn is_in_subtree(path: &str, root: &str) -> bool {
    path.starts_with(root)
}

/// The town an organization belongs to: its ancestor one level below the county (itself
/// when it is a town); `None` for the county.
pub fn town_path(path: &str) -> Option<String> {
    match path_ids(path).as_slice() {
        [county, town, ..] => Some(format!("/{county}/{town}/")),
        _ => None,
    }
}

/// Ids along a path, root first.
pub fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subtree_range_holds_exactly_the_subtree() {
        let (lo, hi) = subtree_range("/1/5/");
        let inside = ["/1/5/", "/1/5/23/", "/1/5/9/77/"];
        let outside = ["/1/50/", "/1/4/", "/1/", "/1/6/", "/1/55/5/"];
        for p in inside {
            assert!(p >= lo.as_str() && p < hi.as_str(), "{p} should be inside");
            assert!(is_in_subtree(p, "/1/5/"));
        }
        for p in outside {
            assert!(
                !(p >= lo.as_str() && p < hi.as_str()),
                "{p} should be outside"
            );
            assert!(!is_in_subtree(p, "/1/5/"));
        }
    }

    #[test]
    fn placement_rules() {
        assert!(OrgType::Committee.may_sit_under(OrgType::County));
        assert!(OrgType::JointVillageGeneralBranch.may_sit_under(OrgType::Committee));
        assert!(OrgType::Branch.may_sit_under(OrgType::JointVillageGeneralBranch));
        assert!(OrgType::Branch.may_sit_under(OrgType::County));
        assert!(OrgType::PartyGroup.may_sit_under(OrgType::TemporaryBranch));
        assert!(!OrgType::PartyGroup.may_sit_under(OrgType::GeneralBranch));
        assert!(!OrgType::Committee.may_sit_under(OrgType::Branch));
        assert!(!OrgType::County.may_sit_under(OrgType::County));
    }

    #[test]
    fn codes_round_trip() {
        for t in OrgType::ALL {
            assert_eq!(OrgType::from_code(t.code()), Some(*t));
        }
        assert_eq!(path_ids("/1/5/23/"), vec![1, 5, 23]);
        assert_eq!(child_path("/1/5/", 23), "/1/5/23/");
        assert_eq!(town_path("/1/5/23/77/").as_deref(), Some("/1/5/"));
        assert_eq!(town_path("/1/5/").as_deref(), Some("/1/5/"));
        assert_eq!(town_path("/1/"), None);
        assert_eq!(town_path(""), None);
    }
}
