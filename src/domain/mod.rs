//! Pure rules and types: no I/O, tested with fixed clocks.
pub mod checkin;
pub mod clock;
pub mod idcard;
pub mod member;
pub mod org;
pub mod orglife;
pub mod password;
pub mod points;
pub mod policy;
pub mod question;
pub mod ranking;
pub mod richtext;
pub mod text;
pub mod upload;
