//! Cuts the built-in chrome patterns down to the narrow alphabets at compile time
//! (see `src/stage/cut.rs`): parsing them costs more than everything else one capture
//! needs, so a run parses only the patterns of a user's `--rules` file.

#[path = "src/stage/cut.rs"]
#[allow(dead_code)]
mod cut;

fn main() {
    println!("cargo:rerun-if-changed=src/stage/rules.toml");
    println!("cargo:rerun-if-changed=src/stage/cut.rs");
    let rules = std::fs::read_to_string("src/stage/rules.toml").expect("src/stage/rules.toml");
    // The patterns written as TOML literal strings (`regex = '...'`, as all built-in
    // ones are: a unit test checks that every one is in the table). A pattern missing
    // from the table is only parsed at run time.
    let sources = rules.lines().filter_map(|line| {
        let rest = line
            .trim()
            .strip_prefix("regex")?
            .trim_start()
            .strip_prefix('=')?;
        let quoted = rest.trim().strip_prefix('\'')?.strip_suffix('\'')?;
        (!quoted.contains('\'')).then_some(quoted)
    });
    let mut table = Vec::new();
    cut::write_table(sources, &mut table);
    let out =
        std::path::Path::new(&std::env::var_os("OUT_DIR").expect("OUT_DIR")).join("cut_rules.bin");
    std::fs::write(&out, table).expect("write the cut rules");
}
