//! Who may do what. Pure decisions over a principal's grants and the organization paths
//! involved; the HTTP layer calls only these.
use super::development::Recorder;
use super::org::{OrgType, is_in_subtree, path_ids, town_path};

labelled_enum!(Role {
    BranchAdmin => "branch_admin", "支部管理员";
    OrgAdmin => "org_admin", "组织管理员";
    ContentEditor => "content_editor", "内容编辑";
    PiiViewer => "pii_viewer", "敏感信息查看";
    SystemAdmin => "system_admin", "系统管理员";
    SecurityAdmin => "security_admin", "安全管理员";
    AuditAdmin => "audit_admin", "审计管理员";
});

impl Role {
    /// The three officers (三员): separated duties, no business data.
    pub fn is_officer(self) -> bool {
        matches!(
            self,
            Role::SystemAdmin | Role::SecurityAdmin | Role::AuditAdmin
        )
    }

    /// Roles that apply to an organization subtree.
    pub fn is_scoped(self) -> bool {
        !self.is_officer()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    /// The subtree root's path, for scoped roles.
    pub org_path: Option<String>,
    pub org_type: Option<OrgType>,
}

/// The organizations whose approved posts a member's feed shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    /// The member's town, whose whole subtree is in the feed (`None` in a branch directly
    /// under the county).
    pub town_path: Option<String>,
    /// The county's own posts are in every feed.
    pub county_id: i64,
}

/// Everything the rules need to know about the signed-in user.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: i64,
    pub member_id: Option<i64>,
    pub branch_path: Option<String>,
    pub grants: Vec<Grant>,
    /// The person on the 发展党员 path this account is (an applicant is not yet a member).
    pub applicant_id: Option<i64>,
}

/// Why a grant cannot be given; `Ok` when it can.
pub fn check_grant(
    role: Role,
    target_has_member: bool,
    existing: &[Role],
    org_type: Option<OrgType>,
) -> Result<(), &'static str> {
    if role.is_officer() {
        if target_has_member {
            return Err("三员账号须为专用账号，不能是党员本人账号");
        }
        if !existing.is_empty() {
            return Err("三员分立：一个账号只能担任一个管理员角色");
        }
    } else {
        if existing.iter().any(|r| r.is_officer()) {
            return Err("三员账号不能再授予业务角色");
        }
        match org_type {
            None => return Err("请选择该角色管辖的组织"),
            Some(t) if role == Role::BranchAdmin && !t.is_branch() => {
                return Err("支部管理员只能管辖党支部");
            }
            _ => {}
        }
    }
    Ok(())
}

impl Actor {
    pub fn is_officer(&self) -> bool {
        self.grants.iter().any(|g| g.role.is_officer())
    }

    pub fn is_admin(&self) -> bool {
        self.has(Role::BranchAdmin) || self.has(Role::OrgAdmin)
    }

    fn covers(&self, role: Role, path: &str) -> bool {
        self.roots(&[role]).any(|root| is_in_subtree(path, root))
    }

    /// Holds `role` over a subtree strictly above `path` (not the organization itself).
    fn covers_from_above(&self, role: Role, path: &str) -> bool {
        self.roots(&[role])
            .any(|root| path != root && is_in_subtree(path, root))
    }

    /// The subtree roots of this actor's grants of these roles.
    fn roots<'a>(&'a self, roles: &'a [Role]) -> impl Iterator<Item = &'a str> + 'a {
        self.grants
            .iter()
            .filter(|g| roles.contains(&g.role))
            .filter_map(|g| g.org_path.as_deref())
    }

    /// Any grant of the role, whatever its subtree (which routes it opens).
    pub fn has(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Administers the organization at `path`: an org admin over its subtree, or the branch
    /// admin of the branch it is (or a party group of).
    pub fn administers(&self, path: &str) -> bool {
        self.covers(Role::OrgAdmin, path) || self.covers(Role::BranchAdmin, path)
    }

    /// May see the organization's page: its administrators, or members of that branch.
    pub fn may_view_org(&self, path: &str) -> bool {
        self.administers(path) || self.branch_path.as_deref() == Some(path)
    }

    /// May see an organization's organizational life (meetings, completion grid): its
    /// administrators and superiors, and the members of the branch (and its party groups).
    /// Attendees of a general branch's meeting see that meeting through the attendee list.
    pub fn may_view_orglife(&self, path: &str) -> bool {
        self.administers(path)
            || self
                .branch_path
                .as_deref()
                .is_some_and(|b| path.starts_with(b))
    }

    /// May see a meeting of the organization at `path`: whoever sees its organizational
    /// life, and whoever is expected at it (members at a general branch's meeting).
    pub fn may_view_meeting(&self, path: &str, expected: bool) -> bool {
        expected || self.may_view_orglife(path)
    }

    /// May change the required organizational-life items for the subtree at `path`.
    pub fn may_configure_requirements(&self, path: &str) -> bool {
        self.covers(Role::OrgAdmin, path)
    }

    /// May set the county-wide rules (points, minimum reading time): an organization
    /// administrator of the county root at `root_path`.
    /// Administers the whole county (an organization administrator of a root): the county's
    /// settings are theirs.
    pub fn administers_county(&self) -> bool {
        self.roots(&[Role::OrgAdmin])
            .any(|r| crate::domain::org::path_ids(r).len() == 1)
    }

    pub fn may_set_county_rules(&self, root_path: &str) -> bool {
        self.roots(&[Role::OrgAdmin]).any(|r| r == root_path)
    }

    /// May create, edit, move or dissolve the organization at `path` of type `kind`.
    /// Org admins shape their subtree below its root; branch admins their party groups.
    pub fn may_shape_org(&self, path: &str, kind: OrgType) -> bool {
        self.covers_from_above(Role::OrgAdmin, path)
            || (kind == OrgType::PartyGroup && self.covers_from_above(Role::BranchAdmin, path))
    }

    /// May create children under the organization at `path`.
    pub fn may_add_child(&self, parent_path: &str, child: OrgType) -> bool {
        self.covers(Role::OrgAdmin, parent_path)
            || (child == OrgType::PartyGroup && self.covers(Role::BranchAdmin, parent_path))
    }

    pub fn may_manage_member(&self, branch_path: &str) -> bool {
        self.administers(branch_path)
    }

    /// May correct a member's points (积分更正): an organization administrator over the
    /// member's branch, not the branch's own administrator.
    pub fn may_correct_points(&self, branch_path: &str) -> bool {
        self.covers(Role::OrgAdmin, branch_path)
    }

    /// The actor is this member.
    pub fn is_member(&self, member_id: i64) -> bool {
        self.member_id == Some(member_id)
    }

    pub fn may_view_member(&self, member_id: i64, branch_path: &str) -> bool {
        self.is_member(member_id) || self.may_manage_member(branch_path)
    }

    /// Seeing an ID or phone number in full is its own permission (and is audited).
    pub fn may_reveal_pii(&self, member_id: i64, branch_path: &str) -> bool {
        self.is_member(member_id) || self.covers(Role::PiiViewer, branch_path)
    }

    /// May see a member's 党费 base (their income): the member, the branch's own
    /// administrators and 敏感信息查看 over the branch — not every officer above it.
    pub fn may_see_dues_base(&self, member_id: i64, branch_path: &str) -> bool {
        self.is_member(member_id)
            || self.covers(Role::BranchAdmin, branch_path)
            || self.covers(Role::PiiViewer, branch_path)
    }

    /// May assess a member's dues (category and base): an administrator over the branch who
    /// may also see the base.
    pub fn may_assess_dues(&self, branch_path: &str) -> bool {
        self.administers(branch_path)
            && (self.covers(Role::BranchAdmin, branch_path)
                || self.covers(Role::PiiViewer, branch_path))
    }

    /// May ask for an export with full ID and phone numbers: holds the permission somewhere;
    /// each row is then checked with `may_reveal_pii`.
    pub fn may_export_pii(&self) -> bool {
        self.has(Role::PiiViewer)
    }

    /// May approve another's export of full numbers over `roots`: only one who may see them
    /// all in full.
    pub fn may_approve_export(&self, roots: &[&str]) -> bool {
        !roots.is_empty() && roots.iter().all(|r| self.covers(Role::PiiViewer, r))
    }

    /// May settle a prize order of `member_id` for a prize offered at `path`: its
    /// administrators hand prizes out or cancel; a member may only cancel their own.
    pub fn may_settle_order(&self, member_id: i64, path: &str, collecting: bool) -> bool {
        self.administers(path) || (!collecting && self.is_member(member_id))
    }

    /// May record a 发展党员 step of someone in the branch at `branch_path`: the branch's own
    /// steps by its administrators, the committee above's by an organization administrator
    /// over it from above, the organization department's by the county's.
    pub fn may_record_development(&self, recorder: Recorder, branch_path: &str) -> bool {
        match recorder {
            Recorder::Branch => self.administers(branch_path),
            Recorder::Above => self.covers_from_above(Role::OrgAdmin, branch_path),
            Recorder::Department => {
                self.administers_county() && self.covers(Role::OrgAdmin, branch_path)
            }
        }
    }

    /// The subtree roots this actor administers, for list queries.
    /// The subtrees this actor administers, widest first, none inside another (a town's
    /// officer who is also their own branch's secretary administers the town): the first is
    /// where their pages open.
    pub fn admin_roots(&self) -> Vec<&str> {
        let mut roots: Vec<&str> = self.roots(&[Role::OrgAdmin, Role::BranchAdmin]).collect();
        roots.sort_by_key(|r| (r.len(), *r));
        let mut widest: Vec<&str> = Vec::new();
        for root in roots {
            if !widest.iter().any(|w| root.starts_with(w)) {
                widest.push(root);
            }
        }
        widest
    }

    /// The grants that make this actor an administrator, each with its subtree.
    pub fn admin_grants(&self) -> impl Iterator<Item = &Grant> {
        self.grants.iter().filter(|g| {
            matches!(g.role, Role::OrgAdmin | Role::BranchAdmin) && g.org_path.is_some()
        })
    }

    /// A superior of the organization at `path`: administers a subtree strictly above it.
    /// Superiors review its 党建新鲜事 posts and may trust it to post without review.
    pub fn is_superior_of(&self, path: &str) -> bool {
        self.covers_from_above(Role::OrgAdmin, path)
            || self.covers_from_above(Role::BranchAdmin, path)
    }

    /// May read a follow-up (督促) of the organization at `path`: whoever sent it, and the
    /// organization's administrators.
    pub fn may_view_followup(&self, sender: i64, path: &str) -> bool {
        sender == self.user_id || self.administers(path)
    }

    /// May answer a follow-up: the organization's administrators other than its sender.
    pub fn may_answer_followup(&self, sender: i64, path: &str) -> bool {
        sender != self.user_id && self.administers(path)
    }

    /// May see a 电子监察 finding of the organization at `path`: its administrators and
    /// superiors.
    pub fn may_view_finding(&self, path: &str) -> bool {
        self.administers(path)
    }

    /// May answer a finding (申诉): the organization's own administrators, not a superior
    /// (who decides the answer).
    pub fn may_appeal_finding(&self, path: &str) -> bool {
        self.administers(path) && !self.is_superior_of(path)
    }

    /// May accept or reject an answer to a finding: a superior of the organization.
    pub fn may_decide_finding(&self, path: &str) -> bool {
        self.is_superior_of(path)
    }

    /// May read the 月度通报 of the organization at `path`: administrators of its subtree
    /// (it is published to them) and of those above it.
    pub fn may_view_report(&self, path: &str) -> bool {
        self.admin_roots()
            .iter()
            .any(|root| crate::domain::report::reaches(path, root))
    }

    /// Whether something addressed to the subtree at `path` (an article, a prize) reaches
    /// this actor: their branch lies in that subtree.
    pub fn in_audience(&self, path: &str) -> bool {
        self.branch_path
            .as_deref()
            .is_some_and(|b| is_in_subtree(b, path))
    }

    /// Edits content (articles, the question bank, 党史 entries) addressed to `path`.
    pub fn edits(&self, path: &str) -> bool {
        self.covers(Role::ContentEditor, path)
    }

    /// Edits content for the whole county: the county's question bank and the 党史上的今天
    /// review are theirs (a town's editor publishes to the town).
    pub fn edits_county(&self) -> bool {
        self.roots(&[Role::ContentEditor])
            .any(|r| crate::domain::org::path_ids(r).len() == 1)
    }

    /// The subtree roots this actor edits content for.
    pub fn editor_roots(&self) -> Vec<&str> {
        self.roots(&[Role::ContentEditor]).collect()
    }

    /// Whose approved 党建新鲜事 the actor's feed shows: their town's subtree and the
    /// county's own posts. `None` without a branch.
    pub fn feed(&self) -> Option<Feed> {
        let branch = self.branch_path.as_deref()?;
        Some(Feed {
            town_path: town_path(branch),
            county_id: *path_ids(branch).first()?,
        })
    }

    /// Whether an approved post of the organization at `path` is in the actor's feed.
    pub fn sees_in_feed(&self, path: &str) -> bool {
        let Some(feed) = self.feed() else {
            return false;
        };
        path_ids(path) == [feed.county_id]
            || feed
                .town_path
                .is_some_and(|town| is_in_subtree(path, &town))
    }

    /// Belongs to the subtree at `root`: a member of a branch in it, or an administrator of
    /// part of it or of what is above it.
    pub fn within(&self, root: &str) -> bool {
        self.in_audience(root)
            || self
                .admin_roots()
                .iter()
                .any(|r| is_in_subtree(r, root) || is_in_subtree(root, r))
    }

    /// May see a contest: before it is published, its judges and the organizer's subtree;
    /// once published, everyone in the county with a branch or an administrator's grant
    /// (the point is to learn from each other).
    pub fn may_view_contest(&self, organizer: &str, published: bool, judge: bool) -> bool {
        judge || self.within(organizer) || (published && self.reads_showcase(organizer))
    }

    /// Reads what 云上擂台 shows the county (a published contest, a project, a veteran's page,
    /// a vanguard post, a published experience): anyone with a branch or an administrator's
    /// grant — not the officers (三员).
    pub fn reads_showcase(&self, path: &str) -> bool {
        self.within(path) || self.branch_path.is_some() || self.is_admin()
    }

    /// Enters a contest for the organization at `path`: its own administrator (the
    /// secretary), not the organizer's, who judges the field rather than plays in it.
    pub fn may_enter_for(&self, path: &str, organizer: &str) -> bool {
        self.administers(path) && !self.administers(organizer)
    }

    /// Votes in a contest with voting on: a member of a branch in the organizer's subtree.
    pub fn may_vote(&self, organizer: &str) -> bool {
        self.member_id.is_some() && self.in_audience(organizer)
    }

    /// May see a post: its author and the administrators of its organization or above
    /// always; anyone whose feed holds it, once approved.
    pub fn may_view_post(&self, author: i64, approved: bool, path: &str) -> bool {
        author == self.user_id || self.administers(path) || (approved && self.sees_in_feed(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unpublished_contest_stays_in_its_organizers_subtree() {
        let member = actor(&[]);
        // A member of /1/2/3/ sees the town /1/2/'s contest before it is published, not
        // the other town's /1/9/ until then.
        assert!(member.may_view_contest("/1/2/", false, false));
        assert!(!member.may_view_contest("/1/9/", false, false));
        assert!(member.may_view_contest("/1/9/", true, false));
        assert!(member.may_vote("/1/2/") && !member.may_vote("/1/9/"));
        let judge = Actor {
            branch_path: None,
            ..actor(&[])
        };
        assert!(judge.may_view_contest("/1/9/", false, true));
        assert!(!judge.may_view_contest("/1/9/", true, false));
        // The county's administrator sees every contest; a secretary enters for the
        // branch, the town's administrator organizes and does not enter.
        assert!(actor(&[(Role::OrgAdmin, "/1/")]).may_view_contest("/1/9/", false, false));
        let secretary = actor(&[(Role::BranchAdmin, "/1/2/3/")]);
        assert!(secretary.may_enter_for("/1/2/3/", "/1/2/"));
        assert!(!secretary.may_enter_for("/1/2/4/", "/1/2/"));
        let town = actor(&[(Role::OrgAdmin, "/1/2/")]);
        assert!(!town.may_enter_for("/1/2/3/", "/1/2/"));
    }

    #[test]
    fn an_officer_who_is_also_a_secretary_works_from_the_widest_subtree() {
        let both = actor(&[
            (Role::BranchAdmin, "/1/22/309/"),
            (Role::OrgAdmin, "/1/22/"),
            (Role::BranchAdmin, "/1/5/7/"),
        ]);
        assert_eq!(both.admin_roots(), ["/1/22/", "/1/5/7/"]);
        let county = actor(&[(Role::BranchAdmin, "/1/2/3/"), (Role::OrgAdmin, "/1/")]);
        assert_eq!(county.admin_roots(), ["/1/"]);
    }

    fn actor(grants: &[(Role, &str)]) -> Actor {
        Actor {
            user_id: 1,
            member_id: Some(7),
            branch_path: Some("/1/2/3/".into()),
            applicant_id: None,
            grants: grants
                .iter()
                .map(|(r, p)| Grant {
                    role: *r,
                    org_path: Some(p.to_string()),
                    org_type: None,
                })
                .collect(),
        }
    }

    #[test]
    fn a_members_dues_base_is_seen_by_them_their_branch_and_pii_viewers_only() {
        assert!(actor(&[]).may_see_dues_base(7, "/1/2/3/"));
        assert!(!actor(&[]).may_see_dues_base(8, "/1/2/3/"));
        let secretary = actor(&[(Role::BranchAdmin, "/1/2/3/")]);
        assert!(secretary.may_see_dues_base(8, "/1/2/3/") && secretary.may_assess_dues("/1/2/3/"));
        assert!(!secretary.may_see_dues_base(8, "/1/2/4/"));
        // The town's administrator records payments but does not read incomes.
        let town = actor(&[(Role::OrgAdmin, "/1/2/")]);
        assert!(town.administers("/1/2/3/"));
        assert!(!town.may_see_dues_base(8, "/1/2/3/") && !town.may_assess_dues("/1/2/3/"));
        let viewer = actor(&[(Role::OrgAdmin, "/1/"), (Role::PiiViewer, "/1/")]);
        assert!(viewer.may_see_dues_base(8, "/1/2/3/") && viewer.may_assess_dues("/1/2/3/"));
    }

    #[test]
    fn a_plain_member_sees_only_self_and_own_branch() {
        let a = actor(&[]);
        assert!(a.may_view_org("/1/2/3/"));
        assert!(!a.may_view_org("/1/2/4/"));
        assert!(!a.may_view_org("/1/2/3/9/"));
        assert!(a.may_view_member(7, "/1/2/3/"));
        assert!(!a.may_view_member(8, "/1/2/3/"));
        assert!(a.may_reveal_pii(7, "/1/2/3/"));
        assert!(!a.may_reveal_pii(8, "/1/2/3/"));
    }

    #[test]
    fn members_see_organizational_life_of_their_branch_its_groups_and_superiors() {
        let a = actor(&[]);
        assert!(a.may_view_orglife("/1/2/3/"));
        assert!(a.may_view_orglife("/1/2/3/9/")); // a party group of the branch
        assert!(!a.may_view_orglife("/1/2/")); // the town above: a superior's view
        assert!(!a.may_view_orglife("/1/2/4/"));
    }

    #[test]
    fn an_org_admin_covers_the_subtree_but_not_siblings() {
        let a = actor(&[(Role::OrgAdmin, "/1/2/")]);
        assert!(a.may_manage_member("/1/2/3/"));
        assert!(a.may_manage_member("/1/2/"));
        assert!(!a.may_manage_member("/1/20/"));
        assert!(!a.may_manage_member("/1/"));
        assert!(a.may_shape_org("/1/2/3/", OrgType::Branch));
        assert!(!a.may_shape_org("/1/2/", OrgType::Committee)); // not its own root
        assert!(a.may_add_child("/1/2/", OrgType::Branch));
        assert!(!a.may_reveal_pii(8, "/1/2/3/"));
    }

    #[test]
    fn a_branch_answers_its_findings_and_only_a_superior_decides() {
        let branch = actor(&[(Role::BranchAdmin, "/1/2/3/")]);
        let town = actor(&[(Role::OrgAdmin, "/1/2/")]);
        assert!(branch.may_view_finding("/1/2/3/"));
        assert!(branch.may_appeal_finding("/1/2/3/"));
        assert!(!branch.may_decide_finding("/1/2/3/"));
        assert!(!branch.may_view_finding("/1/2/4/"));
        assert!(town.may_view_finding("/1/2/3/"));
        assert!(!town.may_appeal_finding("/1/2/3/"));
        assert!(town.may_decide_finding("/1/2/3/"));
        assert!(!town.may_view_finding("/1/20/3/"));
        assert!(!town.may_decide_finding("/1/2/"), "not its own root's");
        assert!(
            branch.may_view_report("/1/2/"),
            "its town's report is published to it"
        );
        assert!(town.may_view_report("/1/"));
        assert!(!town.may_view_report("/1/20/"), "not another town's");
    }

    #[test]
    fn a_branch_admin_shapes_only_party_groups() {
        let a = actor(&[(Role::BranchAdmin, "/1/2/3/")]);
        assert!(a.may_add_child("/1/2/3/", OrgType::PartyGroup));
        assert!(!a.may_add_child("/1/2/3/", OrgType::Branch));
        assert!(a.may_shape_org("/1/2/3/11/", OrgType::PartyGroup));
        assert!(!a.may_shape_org("/1/2/3/", OrgType::Branch));
        assert!(a.may_manage_member("/1/2/3/"));
        assert!(!a.may_manage_member("/1/2/4/"));
    }

    #[test]
    fn superiors_review_from_strictly_above() {
        let town = actor(&[(Role::OrgAdmin, "/1/2/")]);
        assert!(town.is_superior_of("/1/2/3/"));
        assert!(
            !town.is_superior_of("/1/2/"),
            "a town does not review itself"
        );
        assert!(!town.is_superior_of("/1/20/3/"));
        let secretary = actor(&[(Role::BranchAdmin, "/1/2/3/")]);
        assert!(secretary.is_superior_of("/1/2/3/11/"));
        assert!(!secretary.is_superior_of("/1/2/3/"));
    }

    #[test]
    fn the_feed_holds_the_town_and_the_county() {
        let member = actor(&[]); // branch /1/2/3/
        assert!(member.sees_in_feed("/1/2/3/"));
        assert!(member.sees_in_feed("/1/2/4/"), "another branch of the town");
        assert!(member.sees_in_feed("/1/2/"), "the town itself");
        assert!(member.sees_in_feed("/1/"), "the county's own posts");
        assert!(!member.sees_in_feed("/1/20/4/"), "another town");
        assert!(!member.sees_in_feed("/9/"), "another county");
        let no_branch = Actor {
            branch_path: None,
            ..member.clone()
        };
        assert!(!no_branch.sees_in_feed("/1/"));
        assert!(
            member.may_view_post(member.user_id, false, "/1/20/"),
            "own post"
        );
        assert!(
            !member.may_view_post(99, false, "/1/2/4/"),
            "not yet approved"
        );
        assert!(member.may_view_post(99, true, "/1/2/4/"));
        let directly_under_county = Actor {
            branch_path: Some("/1/7/".into()),
            ..member
        };
        assert!(directly_under_county.sees_in_feed("/1/7/"));
        assert!(!directly_under_county.sees_in_feed("/1/2/3/"));
    }

    #[test]
    fn audiences_and_editors_cover_subtrees_by_path_not_by_prefix() {
        let member = actor(&[]); // branch /1/2/3/
        assert!(member.in_audience("/1/"));
        assert!(member.in_audience("/1/2/3/"));
        assert!(!member.in_audience("/1/2/3/9/"), "below the branch");
        assert!(!member.in_audience("/1/2/30/"));
        let editor = actor(&[(Role::ContentEditor, "/1/2/")]);
        assert!(editor.edits("/1/2/3/"));
        assert!(!editor.edits("/1/"));
        assert!(!editor.edits("/1/20/"));
        assert_eq!(editor.editor_roots(), vec!["/1/2/"]);
        assert!(editor.admin_roots().is_empty());
    }

    #[test]
    fn members_cancel_their_own_orders_administrators_hand_prizes_out() {
        let member = actor(&[]); // member 7
        assert!(member.may_settle_order(7, "/1/", false));
        assert!(
            !member.may_settle_order(7, "/1/", true),
            "no self-service hand-out"
        );
        assert!(!member.may_settle_order(8, "/1/2/3/", false));
        let town = actor(&[(Role::OrgAdmin, "/1/2/")]);
        assert!(town.may_settle_order(8, "/1/2/", true));
        assert!(!town.may_settle_order(8, "/1/", true), "the county's prize");
    }

    #[test]
    fn follow_ups_go_down_and_are_answered_by_the_organization() {
        let town = actor(&[(Role::OrgAdmin, "/1/2/")]);
        assert!(
            town.is_superior_of("/1/2/3/"),
            "the town follows up its branch"
        );
        let secretary = Actor {
            user_id: 9,
            ..actor(&[(Role::BranchAdmin, "/1/2/3/")])
        };
        assert!(!secretary.is_superior_of("/1/2/"), "never upward");
        assert!(secretary.may_view_followup(town.user_id, "/1/2/3/"));
        assert!(secretary.may_answer_followup(town.user_id, "/1/2/3/"));
        assert!(town.may_view_followup(town.user_id, "/1/2/3/"));
        assert!(
            !town.may_answer_followup(town.user_id, "/1/2/3/"),
            "not its own"
        );
        let other = Actor {
            user_id: 8,
            ..actor(&[(Role::BranchAdmin, "/1/2/4/")])
        };
        assert!(!other.may_view_followup(town.user_id, "/1/2/3/"));
    }

    #[test]
    fn officers_are_separated() {
        assert!(check_grant(Role::AuditAdmin, false, &[], None).is_ok());
        assert!(check_grant(Role::AuditAdmin, false, &[Role::SecurityAdmin], None).is_err());
        assert!(check_grant(Role::SystemAdmin, true, &[], None).is_err());
        assert!(
            check_grant(
                Role::OrgAdmin,
                false,
                &[Role::SystemAdmin],
                Some(OrgType::County)
            )
            .is_err()
        );
        assert!(check_grant(Role::BranchAdmin, true, &[], Some(OrgType::Committee)).is_err());
        assert!(check_grant(Role::BranchAdmin, true, &[], Some(OrgType::Branch)).is_ok());
        // A second subtree for the same role is allowed.
        assert!(
            check_grant(
                Role::OrgAdmin,
                true,
                &[Role::OrgAdmin],
                Some(OrgType::County)
            )
            .is_ok()
        );
    }
}
