//! Resident ID numbers after GB 11643-1999: 17 digits, a check character (0-9 or X),
//! the birth date at positions 7-14.
use time::Date;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdNumber {
    value: String,
    birth: Date,
    male: bool,
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    Some(CHECK[(sum % 11) as usize])
}

impl IdNumber {
    /// Parses and validates; the error is the message a user reads.
    pub fn parse(input: &str) -> Result<Self, &'static str> {
        let value = input.trim().to_ascii_uppercase();
        if value.chars().count() != 18 {
            return Err("身份证号应为18位");
        }
        let (body, last) = value.split_at(17);
        if !body.bytes().all(|b| b.is_ascii_digit()) {
            return Err("身份证号前17位应为数字");
        }
        let Some(expected) = check_char(body) else {
            return Err("身份证号格式不正确");
        };
        let birth = parse_birth(&body[6..14]).ok_or("身份证号中的出生日期无效")?;
        if !last.starts_with(expected) {
            return Err("身份证号校验位不正确，请核对");
        }
        let male = (body.as_bytes()[16] - b'0') % 2 == 1;
        Ok(Self { value, birth, male })
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }
    pub fn birth_date(&self) -> Date {
        self.birth
    }
    pub fn is_male(&self) -> bool {
        self.male
    }
    /// `1301**********1234`: the first four and last four characters.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.value[..4], &self.value[14..])
    }
}

fn parse_birth(s: &str) -> Option<Date> {
    let year: i32 = s[0..4].parse().ok()?;
    let month: u8 = s[4..6].parse().ok()?;
    let day: u8 = s[6..8].parse().ok()?;
    if year < 1900 {
        return None;
    }
    Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn accepts_a_valid_number_with_x_check() {
        // The GB 11643 standard's worked example.
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(id.birth_date(), date!(1949 - 12 - 31));
        assert!(!id.is_male());
        assert_eq!(id.masked(), "1101**********002X");
    }

    #[test]
    fn rejects_wrong_check_digit() {
        assert_eq!(
            IdNumber::parse("110105194912310021"),
            Err("身份证号校验位不正确，请核对")
        );
    }

    #[test]
    fn rejects_impossible_birth_dates() {
        let body = "13098420230229123"; // 2023 has no 29 February
        let id = format!("{body}{}", check_char(body).unwrap());
        assert_eq!(IdNumber::parse(&id), Err("身份证号中的出生日期无效"));
        let body = "13098420240229123"; // 2024 does
        let id = format!("{body}{}", check_char(body).unwrap());
        assert_eq!(
            IdNumber::parse(&id).unwrap().birth_date(),
            date!(2024 - 02 - 29)
        );
    }

    #[test]
    fn rejects_wrong_length_and_letters() {
        assert!(IdNumber::parse("1101051949123100").is_err());
        assert!(IdNumber::parse("1101051949123100A2").is_err());
        assert!(IdNumber::parse("").is_err());
    }
}
