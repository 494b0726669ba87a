//! Password rules after 等保2.0 level 3.

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

/// At least 8 characters and at least three of: lower case, upper case, digits, symbols.
pub fn check_strength(password: &str) -> Result<(), &'static str> {
    let len = password.chars().count();
    if len < MIN_LENGTH {
        return Err("密码至少8位");
    }
    if len > MAX_LENGTH {
        return Err("密码不能超过128位");
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if classes.iter().filter(|&&b| b).count() < 3 {
        return Err("密码须包含大写字母、小写字母、数字、符号中的至少三类");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_length_and_three_classes() {
        assert!(check_strength("Ab1!").is_err());
        assert!(check_strength("abcdefgh").is_err());
        assert!(check_strength("abcdefg1").is_err());
        assert!(check_strength("abcdef1G").is_ok());
        assert!(check_strength("abcdef1!").is_ok());
        assert!(check_strength("党建云密码ab1").is_ok()); // non-ASCII counts as a symbol
        assert!(check_strength(&"aA1".repeat(50)).is_err());
    }
}
