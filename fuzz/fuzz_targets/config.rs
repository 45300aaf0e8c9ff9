//! The configuration parser: any text is refused with a message or gives
//! entries that survive being written back and read again unchanged.
#![no_main]

use std::path::Path;

use git_credential_bitbucket::config::{self, Config};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(cfg) = Config::parse(text, Path::new("config.toml")) else { return };
    let mut names = std::collections::HashSet::new();
    for entry in &cfg.entries {
        assert!(names.insert(entry.name.clone()), "duplicate name accepted");
        assert!(!entry.name.contains('/') && entry.name != "." && entry.name != "..");
        let again = config::validate(entry.to_raw(), &cfg.settings, config::Origin::File).expect("an accepted entry must validate again");
        assert_eq!(&again, entry);
        for seg in entry.scope() {
            assert!(!seg.is_empty() && seg != "." && seg != "..");
        }
    }
});
