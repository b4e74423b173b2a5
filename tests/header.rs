//! The committed header must be exactly what cbindgen makes from the source.
//! Regenerate with `UPDATE_HEADER=1 cargo test --test header`.

use std::io::Write;
use std::path::Path;

/// Gives the types OVMS's tag names, which cbindgen cannot spell: `typedef struct OVMS_Server_
/// OVMS_Server;` and `typedef enum OVMS_DataType_enum {...} OVMS_DataType;`, so host code that
/// names the tags (a C++ forward declaration, say) compiles against our header too.
fn with_ovms_tags(header: &str) -> String {
    let lines: Vec<&str> = header.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if let Some(name) = line
            .strip_prefix("typedef struct ")
            .and_then(|rest| rest.split_once(' '))
        {
            let (tag, alias) = name;
            if tag.starts_with("OVMS_") && alias == format!("{tag};") {
                out.push(format!("typedef struct {tag}_ {tag};"));
                continue;
            }
        }
        if *line == "typedef enum {" {
            let alias = lines[i..]
                .iter()
                .find_map(|l| l.strip_prefix("} ").and_then(|a| a.strip_suffix(';')));
            if let Some(alias) = alias.filter(|a| a.starts_with("OVMS_")) {
                out.push(format!("typedef enum {alias}_enum {{"));
                continue;
            }
        }
        out.push(line.to_string());
    }
    out.join("\n") + "\n"
}

#[test]
fn committed_header_matches_the_source() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut generated);
    let generated = with_ovms_tags(&String::from_utf8(generated).expect("UTF-8 header"));
    let path = root.join("include/ovms.h");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if std::env::var_os("UPDATE_HEADER").is_some() {
        // Straight to stderr, which the test harness does not capture: the caller sees it.
        let what = if committed == generated {
            "include/ovms.h unchanged"
        } else {
            std::fs::write(&path, &generated).expect("write include/ovms.h");
            "include/ovms.h regenerated"
        };
        writeln!(std::io::stderr(), "UPDATE_HEADER: {what}").expect("stderr");
        return;
    }
    assert!(
        committed == generated,
        "include/ovms.h differs from the Rust source; run `UPDATE_HEADER=1 cargo test --test header` and commit it"
    );
}

#[test]
fn tags_follow_ovms() {
    let header = "typedef struct OVMS_Server OVMS_Server;\ntypedef enum {\n  OVMS_LOG_TRACE = 0,\n} OVMS_LogLevel;\ntypedef struct Other Other;\n";
    assert_eq!(
        with_ovms_tags(header),
        "typedef struct OVMS_Server_ OVMS_Server;\ntypedef enum OVMS_LogLevel_enum {\n  OVMS_LOG_TRACE = 0,\n} OVMS_LogLevel;\ntypedef struct Other Other;\n"
    );
}
