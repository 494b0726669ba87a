//! Integration tests: the real server on port 0, a fresh database per test, on SQLite and
//! on PostgreSQL.
mod support;

mod accounts;
mod archive;
mod arena;
mod articles;
mod assets;
mod audit_log;
mod birthdays;
mod care;
mod committees;
mod crash;
mod daily;
mod dashboard;
mod demo;
mod development;
mod dues;
mod files;
mod flows;
mod history;
mod holds;
mod members;
mod menus;
mod orglife;
mod orgs;
mod permissions;
mod points;
mod posts;
mod proxy;
mod rankings;
mod roster;
mod shop;
mod supervision;
mod sweep;
mod transfers;
mod upgrade;
