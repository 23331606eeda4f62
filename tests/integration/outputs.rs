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

/// The fixture shards in the three corpus formats, with the flags each needs.
const SHAPES: &[(&str, &[&str])] = &[
    ("dolma", &["--url-key", "metadata.url"]),
    ("datatrove", &["--url-key", "metadata.url"]),
    ("fineweb", &[]),
];

/// The fields of a JSON object in their order, each as its raw JSON text.
fn raw_fields(line: &str) -> Vec<(String, String)> {
    // serde_json's Map sorts its keys: the order is read with a raw parse instead.
    let fields: Vec<(String, Box<serde_json::value::RawValue>)> =
        serde_json::from_str::<RawObject>(line).unwrap().0;
    fields
        .into_iter()
        .map(|(k, v)| (k, v.get().to_owned()))
        .collect()
}

/// A JSON object as its entries in order.
struct RawObject(Vec<(String, Box<serde_json::value::RawValue>)>);

impl<'de> serde::Deserialize<'de> for RawObject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawObject;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<RawObject, A::Error> {
                let mut v = Vec::new();
                while let Some(e) = m.next_entry()? {
                    v.push(e);
                }
                Ok(RawObject(v))
            }
        }
        d.deserialize_map(V)
    }
}

#[test]
fn passthrough_records_are_the_expected_files() {
    let fixtures = crate::common::repo().join("fixtures/passthrough");
    for (shape, flags) in SHAPES {
        let input = format!("{shape}.jsonl");
        let o = crate::common::docsift()
            .current_dir(&fixtures)
            .args(["clean", &input, "--to", "jsonl", "-q"])
            .args(*flags)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{shape}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let expected = fs::read_to_string(fixtures.join("expected").join(&input)).unwrap();
        assert_eq!(String::from_utf8(o.stdout).unwrap(), expected, "{shape}");
    }
}

#[test]
fn passthrough_keeps_every_input_field_in_order_and_adds_only_the_docsift_key() {
    let fixtures = crate::common::repo().join("fixtures/passthrough");
    for (shape, flags) in SHAPES {
        let input_text = fs::read_to_string(fixtures.join(format!("{shape}.jsonl"))).unwrap();
        let inputs: Vec<Vec<(String, String)>> = input_text.lines().map(raw_fields).collect();
        let o = crate::common::docsift()
            .current_dir(&fixtures)
            .args(["clean", &format!("{shape}.jsonl"), "--to", "jsonl", "-q"])
            .args(*flags)
            .output()
            .unwrap();
        let stdout = String::from_utf8(o.stdout).unwrap();
        assert!(!stdout.is_empty(), "{shape}");
        for line in stdout.lines() {
            let out = raw_fields(line);
            let (last, kept) = out.split_last().unwrap();
            assert_eq!(last.0, "docsift", "{shape}: the findings come last");
            let findings: serde_json::Value = serde_json::from_str(&last.1).unwrap();
            assert_eq!(findings["status"], "canonical");
            let n = findings["record"].as_u64().unwrap() as usize;
            let input = &inputs[n - 1];
            let names =
                |f: &[(String, String)]| f.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
            assert_eq!(
                names(kept),
                names(input),
                "{shape}: same fields, same order"
            );
            for ((k, out_v), (_, in_v)) in kept.iter().zip(input) {
                if k == "text" {
                    let text: String = serde_json::from_str(out_v).unwrap();
                    let sha = sha2_hex(text.as_bytes());
                    assert_eq!(
                        findings["sha256"], sha,
                        "{shape}: the text is the clean body"
                    );
                } else {
                    assert_eq!(out_v, in_v, "{shape}: {k} passes through byte for byte");
                }
            }
            assert_eq!(
                findings["id"].as_str(),
                serde_json::from_str::<serde_json::Value>(line).unwrap()["id"].as_str(),
                "{shape}"
            );
        }
    }
}

fn sha2_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn a_pipe_of_records_comes_out_as_records_and_a_shard_run_gives_the_same_ones() {
    let fixtures = crate::common::repo().join("fixtures/passthrough");
    let input = fs::read(fixtures.join("fineweb.jsonl")).unwrap();
    let mut child = crate::common::docsift()
        .args(["clean", "--from", "jsonl", "-", "--to", "jsonl", "-q"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), &input).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let piped = records(&String::from_utf8(o.stdout).unwrap());
    assert_eq!(piped.len(), 2);
    assert_eq!(piped[0]["dump"], "CC-MAIN-2024-18");
    assert_eq!(piped[0]["docsift"]["source"], "-#1");

    let dir = tempfile::tempdir().unwrap();
    let o = run_in(
        dir.path(),
        &[
            "clean",
            fixtures.join("dolma.jsonl").to_str().unwrap(),
            "-o",
            "out",
            "--to",
            "jsonl",
            "--url-key",
            "metadata.url",
            "-q",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = dir.path().join("out");
    let sharded = records(&shard_text(&out.join("documents-00000.jsonl.zst")));
    let expected = records(&fs::read_to_string(fixtures.join("expected/dolma.jsonl")).unwrap());
    assert_eq!(sharded.len(), expected.len());
    for (k, (s, e)) in sharded.iter().zip(&expected).enumerate() {
        assert_eq!(s["text"], e["text"]);
        assert_eq!(s["metadata"], e["metadata"]);
        assert_eq!(s["docsift"]["output"], "documents-00000.jsonl.zst");
        assert_eq!(s["docsift"]["output_line"], k + 1);
    }
    let rows = manifest(&out);
    assert_eq!(row(&rows, "dolma.jsonl#3")["status"], "duplicate");
    assert_eq!(row(&rows, "dolma.jsonl#3")["duplicate_of"], "dolma.jsonl#1");
    assert_eq!(row(&rows, "dolma.jsonl#2")["output_line"], 2);
}

#[test]
fn warc_records_and_text_captures_keep_docsifts_own_shape() {
    let dir = tempfile::tempdir().unwrap();
    let body = "The tram to the old quarter runs again after a year of track repairs, \
                and the first car was full before it left the depot.\n";
    let block = body;
    let wet = format!(
        "WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: https://city.example/tram\r\n\
         WARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-000000000001>\r\n\
         WARC-Date: 2024-05-01T00:00:00Z\r\nContent-Type: text/plain\r\n\
         Content-Length: {}\r\n\r\n{block}\r\n\r\n",
        block.len()
    );
    fs::write(dir.path().join("city.warc.wet"), wet).unwrap();
    fs::write(
        dir.path().join("note.txt"),
        "A capture of its own, about the spring fair on the green.\n",
    )
    .unwrap();
    let o = run_in(
        dir.path(),
        &["clean", "city.warc.wet", "note.txt", "--to", "jsonl", "-q"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for rec in records(&String::from_utf8(o.stdout).unwrap()) {
        let keys: Vec<&String> = rec.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "metadata", "source", "text"], "{rec}");
        assert!(rec.get("docsift").is_none());
    }
}

/// `n` distinct records of pseudo-random words (no two near duplicates), as one
/// JSON Lines file: enough records for a shard of several blocks.
fn many_records(path: &Path, n: usize) {
    let mut seed: u64 = 12;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let syllables = [
        "ka", "lo", "mi", "ren", "tu", "sa", "vel", "or", "ni", "de", "pa", "quo",
    ];
    let vocab: Vec<String> = (0..800)
        .map(|_| {
            (0..2 + next() % 3)
                .map(|_| syllables[next() % syllables.len()])
                .collect()
        })
        .collect();
    let mut out = String::new();
    for i in 0..n {
        let mut paras = Vec::new();
        for _ in 0..3 {
            let words: Vec<&str> = (0..30)
                .map(|_| vocab[next() % vocab.len()].as_str())
                .collect();
            paras.push(format!("{}.", words.join(" ")));
        }
        let rec = serde_json::json!({"id": format!("r{i}"), "text": paras.join("\n\n")});
        out.push_str(&rec.to_string());
        out.push('\n');
    }
    fs::write(path, out).unwrap();
}

#[test]
fn a_shard_of_several_blocks_is_the_same_bytes_at_j1_and_j4_and_decodes_with_zstdcat_and_zcat() {
    let dir = tempfile::tempdir().unwrap();
    // 2,100 records: three blocks of one shard (1,000 records each at most), more
    // than one batch of blocks at -j1.
    let n = 2100;
    many_records(&dir.path().join("in.jsonl"), n);
    for (how, tool, ext) in [("zstd", "zstdcat", "zst"), ("gzip", "zcat", "gz")] {
        let run = |j: &str| {
            let out = format!("{how}-j{j}");
            let o = run_in(
                dir.path(),
                &[
                    "clean",
                    "in.jsonl",
                    "-o",
                    &out,
                    "--to",
                    "jsonl",
                    "--compress",
                    how,
                    "-j",
                    j,
                    "-q",
                ],
            );
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            dir.path().join(out)
        };
        let (one, four) = (run("1"), run("4"));
        assert_eq!(read_tree(&one), read_tree(&four), "{how}");
        let shard = one.join(format!("documents-00000.jsonl.{ext}"));
        let text = shard_text(&shard);
        assert_eq!(
            records(&text).len(),
            n,
            "every record is canonical and written"
        );
        // Several frames (members), each a valid stream of its own.
        let bytes = fs::read(&shard).unwrap();
        let mut first = String::new();
        if how == "zstd" {
            zstd::stream::read::Decoder::new(&bytes[..])
                .unwrap()
                .single_frame()
                .read_to_string(&mut first)
                .unwrap();
        } else {
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut first)
                .unwrap();
        }
        assert_eq!(first.lines().count(), 1000, "{how}: the first block alone");
        // The command-line tools read the whole shard as one stream.
        let o = std::process::Command::new(tool)
            .arg(&shard)
            .output()
            .unwrap();
        assert!(o.status.success(), "{tool}");
        assert_eq!(String::from_utf8(o.stdout).unwrap(), text, "{tool}");
    }
}
