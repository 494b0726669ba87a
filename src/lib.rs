//! 党建云 (Dangjian Cloud): a self-hosted smart party-building platform.
pub mod archive;
pub mod audit_retention;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod demo;
pub mod domain;
pub mod error;
pub mod files;
pub mod http;
pub mod jobs;
pub mod pdf;
#[cfg(test)]
mod properties;
pub mod rankings;
pub mod reports;
pub mod roster;
pub mod rotation;
pub mod spreadsheet;
pub mod startup;
pub mod store;
pub mod supervision;
