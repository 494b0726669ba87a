//! Pure rules and types: no I/O, tested with fixed clocks.

/// An enum stored by its code and shown by its Chinese label.
macro_rules! labelled_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
            /// From a form's code or the label people type (a spreadsheet cell).
            pub fn from_code_or_label(value: &str) -> Option<Self> {
                let v = value.trim();
                Self::from_code(v).or_else(|| Self::ALL.iter().copied().find(|x| x.label() == v))
            }
        }
        /// Reading the code back from a database row.
        impl TryFrom<String> for $name {
            type Error = $crate::domain::UnknownCode;
            fn try_from(code: String) -> Result<Self, Self::Error> {
                Self::from_code(&code).ok_or($crate::domain::UnknownCode(code))
            }
        }
    };
}

/// A stored code that no variant has (a row written by a newer version, or by hand).
#[derive(Debug)]
pub struct UnknownCode(pub String);

impl std::fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown code {:?}", self.0)
    }
}

impl std::error::Error for UnknownCode {}
pub mod appraisal;
pub mod approval;
pub mod arena;
pub mod articles;
pub mod badges;
pub mod care;
pub mod checkin;
pub mod clock;
pub mod committee;
pub mod daily;
pub mod dashboard;
pub mod development;
pub mod dues;
pub mod flow;
pub mod followups;
pub mod history;
pub mod honour;
pub mod idcard;
pub mod meetings;
pub mod member;
pub mod near_duplicates;
pub mod org;
pub mod orglife;
pub mod paging;
pub mod password;
pub mod points;
pub mod policy;
pub mod proxy;
pub mod rate;

pub mod ranking;
pub mod report;
pub mod review;
pub mod richtext;
pub mod roster;
pub mod second_factor;
pub mod shop;
pub mod supervision;
pub mod text;
pub mod transfer;
pub mod upload;
