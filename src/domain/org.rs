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

pub const NAME_MAX_CHARS: usize = 60;
pub const ADDRESS_MAX_CHARS: usize = 200;
pub const SORT_ORDER_RANGE: std::ops::RangeInclusive<i64> = 0..=9999;

/// What an administrator typed for an organization.
#[derive(Debug, Default, Clone)]
pub struct OrgEntry<'a> {
    pub name: &'a str,
    /// A code or label.
    pub category: &'a str,
    pub address: &'a str,
    /// Empty for 0.
    pub sort_order: &'a str,
}

/// An organization that passed every rule, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRecord {
    pub name: String,
    pub kind: OrgType,
    pub category: OrgCategory,
    pub address: String,
    pub sort_order: i64,
}

/// Checks an organization of type `kind` (which the caller has checked may sit where it goes).
pub fn parse_org(e: &OrgEntry, kind: OrgType) -> Result<OrgRecord, super::text::FieldErrors> {
    use super::text::{FieldErrors, optional, required};
    let mut errors = FieldErrors::default();
    let name = errors.check("name", required(e.name, NAME_MAX_CHARS));
    let category = OrgCategory::from_code_or_label(e.category);
    if category.is_none() {
        errors.add("category", "请选择组织类别");
    }
    let address = errors.check("address", optional(e.address, ADDRESS_MAX_CHARS));
    let sort_order = match e.sort_order.trim() {
        "" => 0,
        s => errors.check(
            "sort_order",
            s.parse::<i64>()
                .ok()
                .filter(|n| SORT_ORDER_RANGE.contains(n))
                .ok_or("排序号应为0到9999的整数"),
        ),
    };
    match category {
        Some(category) if errors.is_empty() => Ok(OrgRecord {
            name,
            kind,
            category,
            address,
            sort_order,
        }),
        _ => Err(errors),
    }
}

/// The path of a child whose parent has `parent_path`.
/// How an organization is named where its name alone may not say which: a party group with
/// its branch ("五宋口村党支部 · 第一党小组"), hundreds of groups being called 第一党小组.
pub fn full_name(name: &str, kind: OrgType, parent_name: Option<&str>) -> String {
    match (kind, parent_name) {
        (OrgType::PartyGroup, Some(parent)) if !parent.is_empty() => format!("{parent} · {name}"),
        _ => name.to_string(),
    }
}

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

/// The id of the town an organization belongs to, or the county's for the county and what
/// sits directly in it: what a per-town count counts under.
pub fn town_or_county(path: &str) -> i64 {
    let ids = path_ids(path);
    match ids.as_slice() {
        [_, town, ..] => *town,
        [county] => *county,
        [] => 0,
    }
}

/// The path of the organization directly above the one at `path`; `None` for the root.
pub fn parent_path(path: &str) -> Option<&str> {
    let inner = path.strip_suffix('/')?;
    let cut = inner.rfind('/')?;
    (cut > 0).then(|| &path[..=cut])
}

/// Ids along a path, root first.
pub fn path_ids(path: &str) -> Vec<i64> {
    path.split('/').filter_map(|s| s.parse().ok()).collect()
}

/// The paths of the organization at `path` and of every one above it, the root first.
pub fn path_prefixes(path: &str) -> Vec<String> {
    let ids = path_ids(path);
    (1..=ids.len())
        .map(|n| {
            let part: Vec<String> = ids[..n].iter().map(i64::to_string).collect();
            format!("/{}/", part.join("/"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_party_group_is_named_with_its_branch() {
        assert_eq!(
            full_name("第一党小组", OrgType::PartyGroup, Some("五宋口村党支部")),
            "五宋口村党支部 · 第一党小组"
        );
        assert_eq!(
            full_name("五宋口村党支部", OrgType::Branch, Some("东镇党委")),
            "五宋口村党支部",
            "a branch's name says which already"
        );
        assert_eq!(
            full_name("第一党小组", OrgType::PartyGroup, None),
            "第一党小组"
        );
    }

    #[test]
    fn a_per_town_count_counts_the_county_and_what_sits_in_it_under_their_own_ids() {
        assert_eq!(town_or_county("/1/5/23/40/"), 5);
        assert_eq!(town_or_county("/1/5/"), 5);
        assert_eq!(town_or_county("/1/"), 1);
        assert_eq!(town_or_county(""), 0);
    }

    #[test]
    fn path_prefixes_run_from_the_root_down_to_the_organization() {
        assert_eq!(path_prefixes("/1/5/23/"), vec!["/1/", "/1/5/", "/1/5/23/"]);
        assert_eq!(path_prefixes("/1/"), vec!["/1/"]);
    }

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
    fn an_organization_needs_a_name_and_a_category() {
        let entry = OrgEntry {
            name: " 双孟集村党支部 ",
            category: "农村",
            sort_order: "3",
            ..Default::default()
        };
        let r = parse_org(&entry, OrgType::Branch).unwrap();
        assert_eq!(
            (r.name.as_str(), r.category, r.sort_order),
            ("双孟集村党支部", OrgCategory::Rural, 3)
        );
        let bad = OrgEntry {
            name: "",
            category: "",
            sort_order: "10000",
            ..Default::default()
        };
        let e = parse_org(&bad, OrgType::Branch).unwrap_err();
        assert_eq!(e.get("name"), "此项必填");
        assert_eq!(e.get("category"), "请选择组织类别");
        assert_eq!(e.get("sort_order"), "排序号应为0到9999的整数");
    }

    #[test]
    fn placement_rules() {
        assert!(OrgType::Committee.may_sit_under(OrgType::County));
        assert!(OrgType::JointVillageGeneralBranch.may_sit_under(OrgType::Committee));
        assert!(OrgType::Branch.may_sit_under(OrgType::JointVillageGeneralBranch));
        assert!(OrgType::Branch.may_sit_under(OrgType::County));
        assert!(OrgType::PartyGroup.may_sit_under(OrgType::TemporaryBranch));
        assert_eq!(parent_path("/1/22/333/"), Some("/1/22/"));
        assert_eq!(parent_path("/1/22/"), Some("/1/"));
        assert_eq!(parent_path("/1/"), None);
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
