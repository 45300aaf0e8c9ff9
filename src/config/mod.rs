//! The configuration: the file (TOML) with its settings and the user's
//! credential entries, plus the entries that CI variables stand for. The
//! file holds no secret; each entry says where its secret lives.
//!
//! Words: a `[[credential]]` table is what the user wrote
//! ([`CredentialTable`]); an [`Entry`] is one that passed [`validate`].
//! An entry's `url` is its *prefix* (scheme, host, port, path segments);
//! its *scope* is the token's own (`scope = "project"`), see
//! [`crate::kind::Kind`].
//!
//! The rooms, each depending only on those listed before it: [`table`]
//! (the configuration as written), [`model`] (settings and entries),
//! [`validate`] (the rules), [`ci`] (the CI variables), [`quick`] (the
//! fast reader of the plain form), [`load`] (reading a file), [`paths`]
//! (every file the helper keeps), [`index`] (the derived index that `get`
//! reads) and [`edit`] (the locked changes the commands make). This file
//! only names them.

pub mod ci;
pub mod edit;
pub mod index;
pub mod load;
pub mod model;
pub mod paths;
pub mod quick;
pub mod table;
pub mod validate;

pub use ci::CiProblem;
pub use load::{read_trusted, Config, ConfigError, TrustedFile};
pub use model::{DefinedIn, Entry, Settings};
pub use paths::{Paths, PathsError, CONFIG_ENV};
pub use table::{CredentialTable, Field, FileTables, SettingsTable};
pub use validate::{validate, EntryError, Problem, SettingsError};
