//! 组织关系转接: within the county (the receiving branch accepts or returns it), out of the
//! county with a 介绍信 that its 回执 closes or its validity ends, and into the county from a
//! letter. What a transfer form may say, where a transfer stands on a given day, and the
//! letter's number.
use super::dues::Month;
use super::member::TRANSFER_REASON_MAX_CHARS;
use super::text::{FieldErrors, optional, past_date, required};
use time::{Date, Duration};

labelled_enum!(Direction {
    Within => "within", "县内转接";
    Out => "out", "转出县外";
    In => "in", "县外转入";
});

labelled_enum!(Status {
    Pending => "pending", "办理中";
    Accepted => "accepted", "已接收";
    Returned => "returned", "已退回";
    Withdrawn => "withdrawn", "已撤回";
    Receipted => "receipted", "已回执";
    Expired => "expired", "介绍信已过期";
    Registered => "registered", "已登记转入";
});

/// Longest name of an organization outside the county, as its letter writes it.
pub const OUTSIDE_ORG_MAX_CHARS: usize = 100;
/// Longest 介绍信 number, as the sending organization wrote it.
pub const LETTER_NO_MAX_CHARS: usize = 40;
/// A letter's validity: the days a county usually writes, and the bounds it accepts.
pub const VALID_DAYS_DEFAULT: i64 = 30;
pub const VALID_DAYS: std::ops::RangeInclusive<i64> = 7..=90;
/// The verification code printed on a letter and asked for when its 回执 is recorded.
pub const VERIFY_CODE_LEN: usize = 6;

/// Where a transfer stands on `today`: a letter out that was neither receipted nor withdrawn
/// is expired from the day after its last valid day, whether or not that was written down.
pub fn status_on(
    stored: Status,
    direction: Direction,
    last_valid: Option<Date>,
    today: Date,
) -> Status {
    match (stored, direction, last_valid) {
        (Status::Pending, Direction::Out, Some(last)) if today > last => Status::Expired,
        _ => stored,
    }
}

/// The last day a letter issued on `issued` is valid.
pub fn last_valid_day(issued: Date, valid_days: i64) -> Date {
    issued + Duration::days(valid_days - 1)
}

/// The county's number for its letter: the year it was issued and the transfer's id.
pub fn letter_number(issued: Date, id: i64) -> String {
    format!("{}-{id:05}", issued.year())
}

/// The letter's number as printed: （2026）第00012号.
pub fn letter_number_text(number: &str) -> String {
    match number.split_once('-') {
        Some((year, n)) => format!("（{year}）第{n}号"),
        None => number.to_string(),
    }
}

/// A transfer out of the branch, as its form says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// To a branch of the county (by id).
    Within { to_branch: i64, reason: String },
    /// To an organization outside the county, with the letter's validity.
    Out {
        outside_org: String,
        valid_days: i64,
        reason: String,
    },
}

/// The form's fields as typed.
#[derive(Debug, Default, Clone, Copy)]
pub struct RequestEntry<'a> {
    pub direction: &'a str,
    pub target: &'a str,
    pub outside_org: &'a str,
    pub valid_days: &'a str,
    pub reason: &'a str,
}

pub fn parse_request(e: &RequestEntry) -> Result<Request, FieldErrors> {
    let mut errors = FieldErrors::default();
    let reason = errors.check("reason", required(e.reason, TRANSFER_REASON_MAX_CHARS));
    match Direction::from_code(e.direction) {
        Some(Direction::Within) => {
            let to_branch = errors.check(
                "target",
                e.target
                    .trim()
                    .parse::<i64>()
                    .map_err(|_| "请选择转入的党支部"),
            );
            errors.or_value(|| Request::Within { to_branch, reason })
        }
        Some(Direction::Out) => {
            let outside_org = errors.check(
                "outside_org",
                required(e.outside_org, OUTSIDE_ORG_MAX_CHARS)
                    .map_err(|m| format!("转入组织：{m}")),
            );
            let valid_days = errors.check("valid_days", parse_valid_days(e.valid_days));
            errors.or_value(|| Request::Out {
                outside_org,
                valid_days,
                reason,
            })
        }
        _ => {
            errors.add("direction", "请选择县内转接或转出县外");
            Err(errors)
        }
    }
}

fn parse_valid_days(s: &str) -> Result<i64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(VALID_DAYS_DEFAULT);
    }
    match s.parse::<i64>() {
        Ok(d) if VALID_DAYS.contains(&d) => Ok(d),
        _ => Err(format!(
            "有效期须为{}至{}天",
            VALID_DAYS.start(),
            VALID_DAYS.end()
        )),
    }
}

/// Whether a member may leave with their dues as they are: paid up to the month of the
/// transfer (when the branch keeps dues here at all). `behind` is how many months are unpaid
/// up to that month.
pub fn dues_settled(kept: bool, behind: i64, month: Month) -> Result<(), String> {
    if kept && behind > 0 {
        Err(format!(
            "党费须交至转出当月（{}），该党员尚欠{behind}个月，请先在“党费收缴”中登记",
            month.label()
        ))
    } else {
        Ok(())
    }
}

/// The 回执 as recorded: the code printed on the letter, and the day the receiving
/// organization signed it (not before the letter, not in the future).
pub fn parse_receipt(
    code: &str,
    on: &str,
    expected_code: &str,
    issued: Date,
    today: Date,
) -> Result<Date, FieldErrors> {
    let mut errors = FieldErrors::default();
    if !code.trim().eq_ignore_ascii_case(expected_code) {
        errors.add("code", "验证码与介绍信上的不一致");
    }
    let on = errors.check(
        "receipt_on",
        past_date(on, "回执日期", Some((issued, "开具日期")), today).map(Some),
    );
    match on {
        Some(d) if errors.is_empty() => Ok(d),
        _ => Err(errors),
    }
}

/// A transfer into the county, as the member form takes it from their letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub letter_no: String,
    pub outside_org: String,
}

/// The letter's fields on the member form: both empty for a member not transferred in.
pub fn parse_incoming(letter_no: &str, outside_org: &str) -> Result<Option<Incoming>, FieldErrors> {
    let mut errors = FieldErrors::default();
    let letter_no = errors.check(
        "letter_no",
        optional(letter_no, LETTER_NO_MAX_CHARS).map_err(|m| format!("介绍信编号：{m}")),
    );
    let outside_org = errors.check(
        "outside_org",
        optional(outside_org, OUTSIDE_ORG_MAX_CHARS).map_err(|m| format!("转出组织：{m}")),
    );
    match (letter_no.is_empty(), outside_org.is_empty()) {
        (true, true) => return errors.or_value(|| None),
        (true, false) => errors.add("letter_no", "请填写介绍信编号"),
        (false, true) => errors.add("outside_org", "请填写开具介绍信的党组织"),
        _ => {}
    }
    errors.or_value(|| {
        Some(Incoming {
            letter_no,
            outside_org,
        })
    })
}

/// A random verification code from `bytes`: digits and capitals that are hard to misread.
pub fn verify_code(bytes: &[u8; VERIFY_CODE_LEN]) -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_letter_out_expires_after_its_last_valid_day() {
        let issued = date!(2026 - 02 - 20);
        let last = last_valid_day(issued, 10);
        assert_eq!(last, date!(2026 - 03 - 01));
        let on = |today| status_on(Status::Pending, Direction::Out, Some(last), today);
        assert_eq!(on(date!(2026 - 03 - 01)), Status::Pending);
        assert_eq!(on(date!(2026 - 03 - 02)), Status::Expired);
        // A leap year's February has a 29th.
        assert_eq!(
            last_valid_day(date!(2028 - 02 - 20), 10),
            date!(2028 - 02 - 29)
        );
        // Receipted, or within the county, stays as it was.
        assert_eq!(
            status_on(
                Status::Receipted,
                Direction::Out,
                Some(last),
                date!(2027 - 01 - 01)
            ),
            Status::Receipted
        );
        assert_eq!(
            status_on(
                Status::Pending,
                Direction::Within,
                None,
                date!(2027 - 01 - 01)
            ),
            Status::Pending
        );
    }

    #[test]
    fn letters_are_numbered_by_year() {
        let n = letter_number(date!(2026 - 12 - 31), 12);
        assert_eq!(n, "2026-00012");
        assert_eq!(letter_number_text(&n), "（2026）第00012号");
    }

    #[test]
    fn a_request_says_where_and_why() {
        let e = RequestEntry {
            direction: "out",
            outside_org: "中共某市某区某街道工作委员会",
            reason: "工作调动",
            ..Default::default()
        };
        assert_eq!(
            parse_request(&e),
            Ok(Request::Out {
                outside_org: "中共某市某区某街道工作委员会".into(),
                valid_days: 30,
                reason: "工作调动".into()
            })
        );
        let bad = parse_request(&RequestEntry {
            valid_days: "365",
            outside_org: " ",
            ..e
        })
        .unwrap_err();
        assert_eq!(bad.get("valid_days"), "有效期须为7至90天");
        assert!(bad.get("outside_org").starts_with("转入组织"));
        let within = parse_request(&RequestEntry {
            direction: "within",
            target: "x",
            reason: "",
            ..Default::default()
        })
        .unwrap_err();
        assert!(within.has("target") && within.has("reason"));
        assert!(
            parse_request(&RequestEntry::default())
                .unwrap_err()
                .has("direction")
        );
    }

    #[test]
    fn dues_must_be_paid_up_to_the_month_of_transfer() {
        let month = Month::new(2026, 12).unwrap();
        assert_eq!(dues_settled(true, 0, month), Ok(()));
        assert!(
            dues_settled(true, 2, month)
                .unwrap_err()
                .contains("尚欠2个月")
        );
        // A branch that keeps no dues here is not held up.
        assert_eq!(dues_settled(false, 5, month), Ok(()));
    }

    #[test]
    fn a_receipt_needs_the_letters_code_and_a_plausible_day() {
        let issued = date!(2026 - 11 - 30);
        let today = date!(2026 - 12 - 07);
        assert_eq!(
            parse_receipt(" abc234 ", "2026-12-05", "ABC234", issued, today),
            Ok(date!(2026 - 12 - 05))
        );
        let e = parse_receipt("ABC235", "2026-11-29", "ABC234", issued, today).unwrap_err();
        assert!(e.has("code") && e.get("receipt_on").contains("早于"));
        let e = parse_receipt("ABC234", "2026-12-08", "ABC234", issued, today).unwrap_err();
        assert_eq!(e.get("receipt_on"), "回执日期不能晚于今天");
    }

    #[test]
    fn an_incoming_letter_needs_its_number_and_sender_together() {
        assert_eq!(parse_incoming(" ", ""), Ok(None));
        assert_eq!(
            parse_incoming("2026-118", "中共某县委组织部"),
            Ok(Some(Incoming {
                letter_no: "2026-118".into(),
                outside_org: "中共某县委组织部".into()
            }))
        );
        assert!(
            parse_incoming("2026-118", "")
                .unwrap_err()
                .has("outside_org")
        );
        assert!(
            parse_incoming("", "中共某县委组织部")
                .unwrap_err()
                .has("letter_no")
        );
    }

    #[test]
    fn verification_codes_avoid_lookalikes() {
        let code = verify_code(&[0, 1, 8, 9, 30, 31]);
        assert_eq!(code, "23ABZ2");
        assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
    }
}
