//! Meetings of organizational life: planning, expected attendees, check-ins, leave,
//! minutes, closing, and the facts the completion verdict needs.
use crate::domain::meetings::{CheckinMethod, Expected, FileKind, LeaveStatus};
use crate::domain::near_duplicates::{PhotoPrint, minutes_prints};
use crate::domain::org::subtree_range;
use crate::domain::orglife::{MeetingFacts, MeetingKind};
use crate::error::{AppError, AppResult};
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Meeting {
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    pub topic: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    pub lat_e6: Option<i64>,
    pub lng_e6: Option<i64>,
    pub host_member_id: Option<i64>,
    pub recorder_member_id: Option<i64>,
    pub minutes: String,
    pub closed_at: Option<i64>,
    pub org_name: String,
    pub org_path: String,
    pub host_name: Option<String>,
    pub recorder_name: Option<String>,
}

impl Meeting {
    pub fn kind(&self) -> MeetingKind {
        MeetingKind::from_code(&self.kind).unwrap_or(MeetingKind::Other)
    }
    pub fn kind_label(&self) -> &'static str {
        self.kind().label()
    }
    pub fn is_closed(&self) -> bool {
        self.closed_at.is_some()
    }
    /// How the audit log names the meeting.
    pub fn audit_target(&self) -> String {
        format!("会议 {} {}", self.id, self.topic)
    }
}

const SELECT: &str = "SELECT m.id, m.org_id, m.kind, m.topic, m.starts_at, m.ends_at, m.place, m.lat_e6, m.lng_e6, \
     m.host_member_id, m.recorder_member_id, m.minutes, m.closed_at, o.name AS org_name, o.path AS org_path, \
     h.name AS host_name, r.name AS recorder_name \
     FROM meetings m JOIN orgs o ON o.id = m.org_id \
     LEFT JOIN members h ON h.id = m.host_member_id LEFT JOIN members r ON r.id = m.recorder_member_id";

pub async fn get(db: &super::Db, id: i64) -> AppResult<Meeting> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE m.id = $1"))
        .bind(id)
        .fetch_one(db.pool())
        .await?)
}

pub async fn get_in(conn: &mut AnyConnection, id: i64) -> AppResult<Meeting> {
    Ok(sqlx::query_as(&format!("{SELECT} WHERE m.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await?)
}

/// The organization's meetings, newest first.
pub async fn for_org(db: &super::Db, org_id: i64, limit: i64) -> AppResult<Vec<Meeting>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE m.org_id = $1 ORDER BY m.starts_at DESC LIMIT $2"
    ))
    .bind(org_id)
    .bind(limit)
    .fetch_all(db.pool())
    .await?)
}

/// Meetings a member is expected at that have not ended, soonest first.
pub async fn upcoming_for_member(
    db: &super::Db,
    member_id: i64,
    now: i64,
) -> AppResult<Vec<Meeting>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} JOIN meeting_attendees a ON a.meeting_id = m.id WHERE a.member_id = $1 AND m.ends_at > $2 ORDER BY m.starts_at LIMIT 20"
    ))
    .bind(member_id)
    .bind(now)
    .fetch_all(db.pool())
    .await?)
}

/// A member's meetings from `since` on, for the calendar feed.
pub async fn for_member_since(
    db: &super::Db,
    member_id: i64,
    since: i64,
) -> AppResult<Vec<Meeting>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} JOIN meeting_attendees a ON a.meeting_id = m.id WHERE a.member_id = $1 AND m.starts_at >= $2 ORDER BY m.starts_at LIMIT 500"
    ))
    .bind(member_id)
    .bind(since)
    .fetch_all(db.pool())
    .await?)
}

pub async fn agenda(db: &super::Db, meeting_id: i64) -> AppResult<Vec<String>> {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT item FROM meeting_agenda WHERE meeting_id = $1 ORDER BY position")
            .bind(meeting_id)
            .fetch_all(db.pool())
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The newest meeting of a kind, to copy (recurring meetings are the norm).
pub async fn last_of_kind(
    db: &super::Db,
    org_id: i64,
    kind: MeetingKind,
) -> AppResult<Option<Meeting>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE m.org_id = $1 AND m.kind = $2 ORDER BY m.starts_at DESC LIMIT 1"
    ))
    .bind(org_id)
    .bind(kind.code())
    .fetch_optional(db.pool())
    .await?)
}

pub struct NewMeeting {
    pub org_id: i64,
    pub org_path: String,
    pub party_group: bool,
    pub kind: MeetingKind,
    pub topic: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub place: String,
    pub point_e6: Option<(i64, i64)>,
    pub host_member_id: Option<i64>,
    pub recorder_member_id: Option<i64>,
    pub agenda: Vec<String>,
    pub created_by: i64,
}

/// Plans a meeting; the expected attendees are, at this moment, a party group's members, a
/// 支委会's branch committee, or everyone in the subtree's branches.
pub async fn create(conn: &mut AnyConnection, m: &NewMeeting, now: i64) -> AppResult<i64> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO meetings (org_id, kind, topic, starts_at, ends_at, place, lat_e6, lng_e6, host_member_id, \
         recorder_member_id, created_by, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12) RETURNING id",
    )
    .bind(m.org_id)
    .bind(m.kind.code())
    .bind(&m.topic)
    .bind(m.starts_at)
    .bind(m.ends_at)
    .bind(&m.place)
    .bind(m.point_e6.map(|p| p.0))
    .bind(m.point_e6.map(|p| p.1))
    .bind(m.host_member_id)
    .bind(m.recorder_member_id)
    .bind(m.created_by)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    for (i, item) in m.agenda.iter().enumerate() {
        crate::q!(
            "INSERT INTO meeting_agenda (meeting_id, position, item) VALUES ($1, $2, $3)",
            id,
            i as i64 + 1,
            item
        )
        .execute(&mut *conn)
        .await?;
    }
    if m.party_group {
        crate::q!(
            "INSERT INTO meeting_attendees (meeting_id, member_id) SELECT $1, id FROM members WHERE party_group_id = $2 AND left_on IS NULL",
            id,
            m.org_id
        )
        .execute(&mut *conn)
        .await?;
    } else {
        let (lo, hi) = subtree_range(&m.org_path);
        let committee = match Expected::of(m.kind) {
            Expected::Committee => format!(" AND {}", super::members::on_committee_sql("mb")),
            Expected::Members => String::new(),
        };
        sqlx::query(&format!(
            "INSERT INTO meeting_attendees (meeting_id, member_id) SELECT $1, mb.id FROM members mb JOIN orgs b ON b.id = mb.branch_id WHERE b.path >= $2 AND b.path < $3 AND mb.left_on IS NULL{committee}"
        ))
        .bind(id)
        .bind(lo)
        .bind(hi)
        .execute(&mut *conn)
        .await?;
    }
    Ok(id)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttendeeRow {
    pub member_id: i64,
    pub name: String,
    pub checked_in_at: Option<i64>,
    pub method: Option<String>,
    pub by_name: Option<String>,
    pub leave_status: Option<String>,
    pub leave_reason: Option<String>,
    pub leave_id: Option<i64>,
}

impl AttendeeRow {
    pub fn method(&self) -> Option<CheckinMethod> {
        self.method.as_deref().and_then(CheckinMethod::from_code)
    }
    pub fn leave(&self) -> Option<LeaveStatus> {
        self.leave_status
            .as_deref()
            .and_then(LeaveStatus::from_code)
    }
    pub fn method_label(&self) -> &'static str {
        self.method().map(CheckinMethod::label).unwrap_or("")
    }
    pub fn leave_label(&self) -> &'static str {
        self.leave().map(LeaveStatus::label).unwrap_or("")
    }
    /// A leave request waiting for the secretary.
    pub fn leave_pending(&self) -> bool {
        self.leave() == Some(LeaveStatus::Pending)
    }
}

pub async fn attendance(db: &super::Db, meeting_id: i64) -> AppResult<Vec<AttendeeRow>> {
    Ok(sqlx::query_as(
        "SELECT a.member_id, mb.name, c.at AS checked_in_at, c.method, u.name AS by_name, \
         l.status AS leave_status, l.reason AS leave_reason, l.id AS leave_id \
         FROM meeting_attendees a JOIN members mb ON mb.id = a.member_id \
         LEFT JOIN checkins c ON c.meeting_id = a.meeting_id AND c.member_id = a.member_id \
         LEFT JOIN users u ON u.id = c.by_user_id \
         LEFT JOIN leave_requests l ON l.meeting_id = a.meeting_id AND l.member_id = a.member_id \
         WHERE a.meeting_id = $1 ORDER BY (c.at IS NULL), c.at, mb.name",
    )
    .bind(meeting_id)
    .fetch_all(db.pool())
    .await?)
}

pub async fn is_expected(
    conn: &mut AnyConnection,
    meeting_id: i64,
    member_id: i64,
) -> AppResult<bool> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM meeting_attendees WHERE meeting_id = $1 AND member_id = $2",
    )
    .bind(meeting_id)
    .bind(member_id)
    .fetch_one(conn)
    .await?;
    Ok(n > 0)
}

/// A member's check-in at a meeting.
pub struct CheckIn {
    pub meeting_id: i64,
    pub member_id: i64,
    pub method: CheckinMethod,
    /// Who checked in: the member's own account, or the secretary's for a manual one.
    pub by_user: i64,
    /// How far from the venue the phone was, when the geofence asked.
    pub distance_m: Option<i64>,
    pub at: i64,
}

/// Records a check-in; `false` when the member was already checked in (nothing changes).
pub async fn check_in(conn: &mut AnyConnection, c: &CheckIn) -> AppResult<bool> {
    let done = crate::q!(
        "INSERT INTO checkins (meeting_id, member_id, at, method, by_user_id, distance_m) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (meeting_id, member_id) DO NOTHING",
        c.meeting_id,
        c.member_id,
        c.at,
        c.method.code(),
        c.by_user,
        c.distance_m
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Checks in `pct` % of a meeting's expected attendees around `at` (rounded up or down, so
/// that a meeting meant to meet the standard does, and one meant to fall short does), one in
/// nine by the secretary: the demo's history, in one statement. `salt` varies who.
pub async fn check_in_share(
    conn: &mut AnyConnection,
    meeting_id: i64,
    at: i64,
    salt: i64,
    pct: i64,
    round_up: bool,
) -> AppResult<()> {
    let sql = format!(
        "INSERT INTO checkins (meeting_id, member_id, at, method, by_user_id) \
         SELECT meeting_id, member_id, $2 + (member_id % 20) * 30, CASE WHEN member_id % 9 = 0 THEN '{}' ELSE '{}' END, NULL \
         FROM meeting_attendees WHERE meeting_id = $1 ORDER BY (member_id * 37 + $3) % 101, member_id \
         LIMIT (SELECT (COUNT(*) * $4 + $5) / 100 FROM meeting_attendees WHERE meeting_id = $1)",
        CheckinMethod::Manual.code(),
        CheckinMethod::Qr.code()
    );
    crate::q!(
        &sql,
        meeting_id,
        at,
        salt,
        pct,
        if round_up { 99 } else { 0 }
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Who checked in to a meeting: (member, name, 党内职务 codes), in the order they came.
pub async fn present(
    conn: &mut AnyConnection,
    meeting_id: i64,
) -> AppResult<Vec<(i64, String, String)>> {
    Ok(sqlx::query_as(
        "SELECT m.id, m.name, m.posts FROM checkins c JOIN members m ON m.id = c.member_id \
         WHERE c.meeting_id = $1 ORDER BY c.at, m.id",
    )
    .bind(meeting_id)
    .fetch_all(conn)
    .await?)
}

/// Names who hosted and who recorded a meeting.
pub async fn set_host_and_recorder(
    conn: &mut AnyConnection,
    meeting_id: i64,
    host: Option<i64>,
    recorder: Option<i64>,
) -> AppResult<()> {
    crate::q!(
        "UPDATE meetings SET host_member_id = $1, recorder_member_id = $2 WHERE id = $3",
        host,
        recorder,
        meeting_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Meetings starting in `(from, to]` with each expected attendee's account: (meeting,
/// account, kind, topic, start, place), for reminders.
pub async fn attendee_accounts_starting(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
) -> AppResult<Vec<(i64, i64, String, String, i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT m.id, u.id, m.kind, m.topic, m.starts_at, m.place FROM meetings m \
         JOIN meeting_attendees a ON a.meeting_id = m.id JOIN users u ON u.member_id = a.member_id \
         WHERE m.starts_at > $1 AND m.starts_at <= $2",
    )
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}

/// The accounts of a meeting's expected attendees.
pub async fn attendee_accounts(conn: &mut AnyConnection, meeting_id: i64) -> AppResult<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT u.id FROM meeting_attendees a JOIN users u ON u.member_id = a.member_id WHERE a.meeting_id = $1",
    )
    .bind(meeting_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Meetings that ended in `(from, to]` and were never closed: (meeting, organization,
/// topic, end).
pub async fn unclosed_ended_between(
    conn: &mut AnyConnection,
    from: i64,
    to: i64,
) -> AppResult<Vec<(i64, i64, String, i64)>> {
    Ok(sqlx::query_as(
        "SELECT id, org_id, topic, ends_at FROM meetings WHERE closed_at IS NULL AND ends_at <= $2 AND ends_at > $1",
    )
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?)
}

/// All check-ins and badges, for the demo's summary.
pub async fn totals(db: &super::Db) -> AppResult<(i64, i64)> {
    let (checkins,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM checkins")
        .fetch_one(db.pool())
        .await?;
    let (badges,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM badges")
        .fetch_one(db.pool())
        .await?;
    Ok((checkins, badges))
}

pub async fn request_leave(
    conn: &mut AnyConnection,
    meeting_id: i64,
    member_id: i64,
    reason: &str,
    now: i64,
) -> AppResult<()> {
    let done = crate::q!(
        "INSERT INTO leave_requests (meeting_id, member_id, reason, status, created_at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (meeting_id, member_id) DO NOTHING",
        meeting_id,
        member_id,
        reason,
        LeaveStatus::Pending.code(),
        now
    )
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::Conflict("您已为本次会议提交过请假".into()));
    }
    Ok(())
}

pub async fn decide_leave(
    conn: &mut AnyConnection,
    meeting_id: i64,
    leave_id: i64,
    approve: bool,
    by: i64,
    now: i64,
) -> AppResult<()> {
    let done = crate::q!(
        "UPDATE leave_requests SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND meeting_id = $5 AND status = $6",
        if approve {
            LeaveStatus::Approved
        } else {
            LeaveStatus::Refused
        }
        .code(),
        by,
        now,
        leave_id,
        meeting_id,
        LeaveStatus::Pending.code()
    )
    .execute(conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Moves a meeting to another time and place.
pub async fn reschedule(
    conn: &mut AnyConnection,
    id: i64,
    moved: &crate::domain::meetings::Move,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "UPDATE meetings SET starts_at = $1, ends_at = $2, place = $3, updated_at = $4 WHERE id = $5",
        moved.starts_at,
        moved.ends_at,
        &moved.place,
        now,
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_minutes(
    conn: &mut AnyConnection,
    id: i64,
    minutes: &str,
    now: i64,
) -> AppResult<()> {
    crate::q!(
        "UPDATE meetings SET minutes = $1, updated_at = $2 WHERE id = $3",
        minutes,
        now,
        id
    )
    .execute(&mut *conn)
    .await?;
    // The minutes' prints, for finding copies through an index.
    crate::q!("DELETE FROM minutes_prints WHERE meeting_id = $1", id)
        .execute(&mut *conn)
        .await?;
    let prints = minutes_prints(minutes);
    for chunk in prints.chunks(100) {
        let values: Vec<String> = chunk.iter().map(|p| format!("({id}, {p})")).collect();
        sqlx::query(&format!(
            "INSERT INTO minutes_prints (meeting_id, print) VALUES {}",
            values.join(",")
        ))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn set_closed(
    conn: &mut AnyConnection,
    id: i64,
    closed: Option<(i64, i64)>,
) -> AppResult<()> {
    crate::q!(
        "UPDATE meetings SET closed_at = $1, closed_by = $2 WHERE id = $3",
        closed.map(|c| c.0),
        closed.map(|c| c.1),
        id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// 应到 / 实到 / 请假 (approved) / 缺席, computed from the rows, never typed in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub expected: i64,
    pub present: i64,
    pub on_leave: i64,
    pub absent: i64,
}

pub fn summarize(rows: &[AttendeeRow]) -> Summary {
    let expected = rows.len() as i64;
    let present = rows.iter().filter(|r| r.checked_in_at.is_some()).count() as i64;
    let on_leave = rows
        .iter()
        .filter(|r| r.checked_in_at.is_none() && r.leave() == Some(LeaveStatus::Approved))
        .count() as i64;
    Summary {
        expected,
        present,
        on_leave,
        absent: expected - present - on_leave,
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FactsRow {
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub closed: i64,
    pub has_minutes: i64,
    pub photos: i64,
    pub expected: i64,
    pub attended: i64,
}

impl FactsRow {
    pub fn facts(&self) -> MeetingFacts {
        MeetingFacts {
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            closed: self.closed != 0,
            has_minutes: self.has_minutes != 0,
            photos: self.photos as u32,
            expected: self.expected as u32,
            attended: self.attended as u32,
        }
    }
}

/// What the completion verdict needs of each meeting.
fn facts_select() -> String {
    format!(
        "SELECT m.id, m.org_id, m.kind, m.starts_at, m.ends_at, \
         CAST(CASE WHEN m.closed_at IS NULL THEN 0 ELSE 1 END AS BIGINT) AS closed, \
         CAST(CASE WHEN m.minutes = '' THEN 0 ELSE 1 END AS BIGINT) AS has_minutes, \
         (SELECT COUNT(*) FROM meeting_files f WHERE f.meeting_id = m.id AND f.kind = '{}') AS photos, \
         (SELECT COUNT(*) FROM meeting_attendees a WHERE a.meeting_id = m.id) AS expected, \
         (SELECT COUNT(*) FROM checkins c WHERE c.meeting_id = m.id) AS attended \
         FROM meetings m",
        FileKind::Photo.code()
    )
}

/// Verdict facts of every meeting in a subtree that starts in `[from, to)`.
pub async fn facts(
    db: &super::Db,
    root_path: &str,
    from: i64,
    to: i64,
) -> AppResult<Vec<FactsRow>> {
    let (lo, hi) = subtree_range(root_path);
    Ok(sqlx::query_as(&format!(
        // Organizations first, then each one's meetings by index.
        "{} WHERE m.org_id IN (SELECT id FROM orgs WHERE path >= $1 AND path < $2) \
         AND m.starts_at >= $3 AND m.starts_at < $4",
        facts_select()
    ))
    .bind(lo)
    .bind(hi)
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await?)
}

/// Verdict facts of one organization's meetings starting in `[from, to)`.
pub async fn facts_of_org<'e, E>(
    exec: E,
    org_id: i64,
    from: i64,
    to: i64,
) -> AppResult<Vec<FactsRow>>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_as(&format!(
        "{} WHERE m.org_id = $1 AND m.starts_at >= $2 AND m.starts_at < $3",
        facts_select()
    ))
    .bind(org_id)
    .bind(from)
    .bind(to)
    .fetch_all(exec)
    .await?)
}

pub struct NewFile<'a> {
    pub meeting_id: i64,
    pub kind: FileKind,
    pub storage_key: &'a str,
    pub thumb_key: Option<&'a str>,
    pub original_name: &'a str,
    pub mime: &'a str,
    pub size: i64,
    pub captured_at: Option<i64>,
    pub sha256: &'a str,
    pub uploaded_by: i64,
    /// A photo's perceptual print (none for materials).
    pub print: Option<&'a PhotoPrint>,
}

/// The row for a file already written to storage.
pub async fn add_file(conn: &mut AnyConnection, f: &NewFile<'_>, now: i64) -> AppResult<()> {
    crate::q!(
        "INSERT INTO meeting_files (meeting_id, kind, storage_key, thumb_key, original_name, mime, size, captured_at, sha256, uploaded_by, created_at, print) \
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)",
        f.meeting_id,
        f.kind.code(),
        f.storage_key,
        f.thumb_key,
        f.original_name,
        f.mime,
        f.size,
        f.captured_at,
        f.sha256,
        f.uploaded_by,
        now,
        f.print.map(PhotoPrint::to_text)
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A meeting's photo or material.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileRow {
    pub id: i64,
    pub meeting_id: i64,
    #[sqlx(try_from = "String")]
    pub kind: FileKind,
    pub storage_key: String,
    pub thumb_key: Option<String>,
    pub original_name: String,
    pub mime: String,
    pub size: i64,
    pub captured_at: Option<i64>,
}

impl FileRow {
    pub fn size_text(&self) -> String {
        if self.size >= 1024 * 1024 {
            format!("{:.1} MB", self.size as f64 / 1048576.0)
        } else {
            format!("{} KB", (self.size + 1023) / 1024)
        }
    }
    pub fn captured_text(&self) -> String {
        self.captured_at
            .map(|t| format!("拍摄于 {}", crate::domain::clock::format_minute(t)))
            .unwrap_or_else(|| "无拍摄时间".into())
    }
}

const FILE_COLUMNS: &str =
    "id, meeting_id, kind, storage_key, thumb_key, original_name, mime, size, captured_at";

/// A meeting's files, in upload order.
pub async fn files(db: &super::Db, meeting_id: i64) -> AppResult<Vec<FileRow>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {FILE_COLUMNS} FROM meeting_files WHERE meeting_id = $1 ORDER BY id"
    ))
    .bind(meeting_id)
    .fetch_all(db.pool())
    .await?)
}

pub async fn file(db: &super::Db, id: i64) -> AppResult<FileRow> {
    Ok(sqlx::query_as(&format!(
        "SELECT {FILE_COLUMNS} FROM meeting_files WHERE id = $1"
    ))
    .bind(id)
    .fetch_one(db.pool())
    .await?)
}

/// The member's leave request for a meeting, if any.
pub async fn leave_status(
    db: &super::Db,
    meeting_id: i64,
    member_id: i64,
) -> AppResult<Option<LeaveStatus>> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT status FROM leave_requests WHERE meeting_id = $1 AND member_id = $2",
    )
    .bind(meeting_id)
    .bind(member_id)
    .fetch_optional(db.pool())
    .await?;
    Ok(row.and_then(|(s,)| LeaveStatus::from_code(&s)))
}

pub async fn has_checked_in(db: &super::Db, meeting_id: i64, member_id: i64) -> AppResult<bool> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM checkins WHERE meeting_id = $1 AND member_id = $2")
            .bind(meeting_id)
            .bind(member_id)
            .fetch_one(db.pool())
            .await?;
    Ok(n > 0)
}

/// An organization's meetings of one kind starting from `since`, to pick one: (id, "date
/// topic"), the latest first.
pub async fn of_kind_since(
    db: &super::Db,
    org_id: i64,
    kind: MeetingKind,
    since: i64,
) -> AppResult<Vec<(i64, String)>> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT id, starts_at, topic FROM meetings WHERE org_id = $1 AND kind = $2 AND starts_at >= $3 ORDER BY starts_at DESC LIMIT 20",
    )
    .bind(org_id)
    .bind(kind.code())
    .bind(since)
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, at, topic)| {
            (
                id,
                format!(
                    "{} {topic}",
                    crate::domain::clock::format_date(crate::domain::clock::local_date(at))
                ),
            )
        })
        .collect())
}
