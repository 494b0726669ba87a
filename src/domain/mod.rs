//! Pure rules and types: no I/O, tested with fixed clocks.
pub mod clock;
pub mod idcard;
pub mod member;
pub mod org;
pub mod password;
pub mod policy;
pub mod text;
