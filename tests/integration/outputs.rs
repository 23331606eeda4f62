//! `--to jsonl` output: shards under `--out` (`--shard-size`, `--compress`), their
//! manifest rows, `--check` and `--force` over shards, determinism across `-j`.

use std::fs;
use std::io::Read;
use std::path::Path;

use crate::common::{manifest, read_tree, row, run_in};

/// Distinct captures, none a duplicate of another: `n` files in `dir/caps`.
fn captures(dir: &Path, n: usize) {
    let caps = dir.join("caps");
    fs::create_dir_all(&caps).unwrap();
    let towns = [
        "Northport",
        "Eastwick",
        "Saltmere",
        "Greyhaven",
        "Linden",
        "Osterby",
        "Redcliff",
    ];
    let things = [
        "ferry timetable",
        "library hours",
        "harbour wall",
        "bus shelter",
        "school roof",
        "market square",
        "lighthouse lamp",
    ];
    for i in 0..n {
        let town = towns[i % towns.len()];
        let thing = things[(i * 3 + 1) % things.len()];
        let text = format!(
            "The {thing} of {town}, case {i}\n\nThe council of {town} met on day {i} to talk \
             about the {thing}, which has needed work for {} years.\n\nMembers agreed that \
             the {thing} would be repaired before the winter storms of year {}, and that the \
             cost, {} crowns, would come from the reserve fund.\n",
            i + 2,
            2030 + i,
            1000 + 37 * i
        );
        fs::write(caps.join(format!("c{i:02}.txt")), text).unwrap();
    }
}

/// The text of a shard, decompressed by its name.
fn shard_text(path: &Path) -> String {
    let bytes = fs::read(path).unwrap();
    let mut text = String::new();
    let name = path.to_string_lossy();
    if name.ends_with(".gz") {
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_string(&mut text)
            .unwrap();
    } else if name.ends_with(".zst") {
        zstd::stream::read::Decoder::new(&bytes[..])
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
    } else {
        text = String::from_utf8(bytes).unwrap();
    }
    text
}

fn records(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn shards_hold_shard_size_records_in_order_and_the_manifest_points_at_each_line() {
    let dir = tempfile::tempdir().unwrap();
    captures(dir.path(), 5);
    let o = run_in(
        dir.path(),
        &[
            "clean",
            "caps",
            "-o",
            "out",
            "--to",
            "jsonl",
            "--shard-size",
            "2",
            "--compress",
            "none",
            "-q",
        ],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = dir.path().join("out");
    let names: Vec<String> = read_tree(&out)
        .keys()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "documents-00000.jsonl",
            "documents-00001.jsonl",
            "documents-00002.jsonl",
            "manifest.jsonl"
        ]
    );
    let shards: Vec<Vec<serde_json::Value>> = (0..3)
        .map(|n| records(&shard_text(&out.join(format!("documents-0000{n}.jsonl")))))
        .collect();
    assert_eq!(shards.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    let ids: Vec<&str> = shards
        .iter()
        .flatten()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["c00.txt", "c01.txt", "c02.txt", "c03.txt", "c04.txt"]);
    let rows = manifest(&out);
    for (n, shard) in shards.iter().enumerate() {
        for (k, rec) in shard.iter().enumerate() {
            let r = row(&rows, rec["id"].as_str().unwrap());
            assert_eq!(r["output"], format!("documents-0000{n}.jsonl"));
            assert_eq!(r["output_line"], k + 1);
            assert_eq!(
                rec["metadata"]["output_line"],
                k + 1,
                "the record names its own place"
            );
        }
    }
}

#[test]
fn every_compression_round_trips_to_the_records_stdout_gets() {
    let dir = tempfile::tempdir().unwrap();
    captures(dir.path(), 4);
    let stdout = run_in(dir.path(), &["clean", "caps", "--to", "jsonl", "-q"]);
    assert!(stdout.status.success());
    let expected = records(&String::from_utf8(stdout.stdout).unwrap());
    for (how, ext) in [("none", ""), ("gzip", ".gz"), ("zstd", ".zst")] {
        let out = format!("out-{how}");
        let o = run_in(
            dir.path(),
            &[
                "clean",
                "caps",
                "-o",
                &out,
                "--to",
                "jsonl",
                "--compress",
                how,
                "-q",
            ],
        );
        assert!(o.status.success(), "{how}");
        let shard = dir
            .path()
            .join(&out)
            .join(format!("documents-00000.jsonl{ext}"));
        let got = records(&shard_text(&shard));
        assert_eq!(got.len(), expected.len(), "{how}");
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!(g["id"], e["id"], "{how}");
            assert_eq!(g["text"], e["text"], "{how}");
            assert_eq!(g["metadata"]["sha256"], e["metadata"]["sha256"], "{how}");
        }
    }
    // The default is zstd.
    let o = run_in(
        dir.path(),
        &["clean", "caps", "-o", "default", "--to", "jsonl", "-q"],
    );
    assert!(o.status.success());
    assert!(dir
        .path()
        .join("default/documents-00000.jsonl.zst")
        .is_file());
}

#[test]
fn shards_are_the_same_bytes_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    captures(dir.path(), 9);
    for how in ["gzip", "zstd"] {
        let run = |out: &str, j: &str| {
            let o = run_in(
                dir.path(),
                &[
                    "clean",
                    "caps",
                    "-o",
                    out,
                    "--to",
                    "jsonl",
                    "--shard-size",
                    "2",
                    "--compress",
                    how,
                    "-j",
                    j,
                    "-q",
                ],
            );
            assert!(o.status.success());
            read_tree(&dir.path().join(out))
        };
        let one = run(&format!("{how}-j1"), "1");
        let four = run(&format!("{how}-j4"), "4");
        assert_eq!(one.len(), 6, "5 shards and the manifest");
        assert_eq!(one, four, "{how}");
    }
}

#[test]
fn check_compares_shards_and_shows_a_changed_one_decompressed() {
    let dir = tempfile::tempdir().unwrap();
    captures(dir.path(), 3);
    let args = [
        "clean",
        "caps",
        "-o",
        "out",
        "--to",
        "jsonl",
        "--shard-size",
        "2",
        "-q",
    ];
    assert!(run_in(dir.path(), &args).status.success());
    let check = [&args[..], &["--check"]].concat();
    let o = run_in(dir.path(), &check);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );

    // A shard edited by hand (and recompressed) is a difference, shown as text.
    let shard = dir.path().join("out/documents-00001.jsonl.zst");
    let edited = shard_text(&shard).replace("reserve fund", "rainy-day fund");
    fs::write(&shard, zstd::encode_all(edited.as_bytes(), 3).unwrap()).unwrap();
    let o = run_in(dir.path(), &check);
    let report = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{report}");
    assert!(
        report.contains("+++ b/documents-00001.jsonl.zst"),
        "{report}"
    );
    assert!(
        report.contains("rainy-day fund") && report.contains("reserve fund"),
        "{report}"
    );
}

#[test]
fn force_removes_the_shards_an_earlier_run_wrote_and_this_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    captures(dir.path(), 5);
    let run = |size: &str, force: bool| {
        let mut args = vec![
            "clean",
            "caps",
            "-o",
            "out",
            "--to",
            "jsonl",
            "--shard-size",
            size,
            "-q",
        ];
        if force {
            args.push("--force");
        }
        let o = run_in(dir.path(), &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run("1", false);
    fs::write(dir.path().join("out/notes.txt"), "mine").unwrap();
    run("3", true);
    let names: Vec<String> = read_tree(&dir.path().join("out"))
        .keys()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "documents-00000.jsonl.zst",
            "documents-00001.jsonl.zst",
            "manifest.jsonl",
            "notes.txt"
        ]
    );
}

#[test]
fn shard_flags_are_refused_where_they_do_not_apply() {
    let dir = tempfile::tempdir().unwrap();
    captures(dir.path(), 2);
    for args in [
        &["clean", "caps", "-o", "out", "--shard-size", "2"][..],
        &[
            "clean",
            "caps",
            "-o",
            "out",
            "--to",
            "text",
            "--compress",
            "gzip",
        ][..],
        &["clean", "caps", "--to", "jsonl", "--compress", "gzip"][..],
        &[
            "clean",
            "caps",
            "-o",
            "out",
            "--to",
            "jsonl",
            "--shard-size",
            "0",
        ][..],
    ] {
        let o = run_in(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(
            !dir.path().join("out").exists(),
            "{args:?}: nothing written"
        );
    }
    let o = run_in(
        dir.path(),
        &["clean", "caps", "-o", "out", "--shard-size", "2"],
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("--to jsonl"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
