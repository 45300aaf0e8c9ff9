//! The fuzz targets' properties, on stable Rust in the normal suite: over
//! the seeds, and over the inputs fuzzing found (fuzz/regressions), so a
//! fixed bug stays fixed without the fuzzer.

use std::path::Path;
#[path = "../../fuzz/invariants.rs"]
mod invariants;

fn inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in ["seeds", "regressions"] {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz")
            .join(dir)
            .join(target);
        for entry in std::fs::read_dir(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .flatten()
        {
            out.push((
                entry.path().display().to_string(),
                std::fs::read(entry.path()).unwrap(),
            ));
        }
    }
    assert!(!out.is_empty(), "no inputs for {target}");
    out
}

#[test]
fn protocol_inputs_keep_their_properties() {
    for (name, data) in inputs("protocol") {
        eprintln!("{name}");
        invariants::protocol(&data);
    }
}

#[test]
fn config_inputs_keep_their_properties() {
    for (name, data) in inputs("config") {
        eprintln!("{name}");
        invariants::config(&data);
    }
}

#[test]
fn remote_inputs_keep_their_properties() {
    for (name, data) in inputs("remote") {
        eprintln!("{name}");
        invariants::remote(&data);
    }
}
