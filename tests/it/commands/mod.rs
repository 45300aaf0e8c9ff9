//! The management commands, run as a person runs them — at a terminal or
//! from a script — against the stand-in, a real Secret Service and real
//! git configuration; one module per command.

mod add;
mod doctor;
mod header;
mod login;
mod migrate;
mod remove;
mod rotate;
mod setup;
mod status;
mod verify;
