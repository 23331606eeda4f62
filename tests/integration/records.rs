//! JSON Lines shards and WARC/WET archives as inputs (issue 12, input half): the
//! three corpus shapes with their flags alone, compressed or not; Common Crawl's real
//! archives; sites from URLs across shards; and every kind of bad record as a row
//! with its file and record number, a stderr line and exit 1, the rest still written.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{manifest, read_tree, repo, row, run_in, stderr};

fn fixtures() -> PathBuf {
    repo().join("fixtures/records")
}

/// The Common Crawl samples, read in place (never copied into the repository).
fn commoncrawl(name: &str) -> PathBuf {
    repo().join("../shared/samples/commoncrawl").join(name)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 3).unwrap()
}

/// Runs `clean` on `inputs` into `dir/out` (with `extra` flags); the manifest rows.
fn clean(dir: &Path, inputs: &[&str], extra: &[&str]) -> (std::process::Output, Vec<Value>) {
    let mut args = vec!["clean"];
    args.extend(inputs);
    args.extend(["-o", "out", "--no-header"]);
    args.extend(extra);
    let o = run_in(dir, &args);
    let rows = manifest(&dir.join("out"));
    (o, rows)
}

/// Each canonical document's (url, title, body), in manifest order.
fn bodies(dir: &Path, rows: &[Value]) -> Vec<(String, String, String)> {
    rows.iter()
        .filter(|r| r["status"] == "canonical")
        .map(|r| {
            let body = std::fs::read_to_string(dir.join("out").join(r["output"].as_str().unwrap()))
                .unwrap();
            (
                r["url"].as_str().unwrap().to_owned(),
                r["title"].as_str().unwrap_or("").to_owned(),
                body,
            )
        })
        .collect()
}

fn expected() -> Vec<(String, String, String)> {
    std::fs::read_to_string(fixtures().join("expected.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["url"].as_str().unwrap().to_owned(),
                v["title"].as_str().unwrap().to_owned(),
                v["body"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn dolma_datatrove_and_fineweb_shards_read_with_their_flags_alone_compressed_or_not() {
    for (shape, flags) in [
        ("dolma", &["--url-key", "metadata.url"][..]),
        ("datatrove", &["--url-key", "metadata.url"][..]),
        ("fineweb", &[][..]),
    ] {
        let plain = std::fs::read(fixtures().join(format!("{shape}.jsonl"))).unwrap();
        for (name, bytes) in [
            (format!("{shape}.jsonl"), plain.clone()),
            (format!("{shape}.jsonl.gz"), gzip(&plain)),
            (format!("{shape}.jsonl.zst"), zstd(&plain)),
            // No telling name: the first line says JSON Lines, the magic says gzip.
            (format!("{shape}-shard"), gzip(&plain)),
        ] {
            let d = tempfile::tempdir().unwrap();
            std::fs::write(d.path().join(&name), &bytes).unwrap();
            let (o, rows) = clean(d.path(), &[&name], flags);
            assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
            assert_eq!(bodies(d.path(), &rows), expected(), "{name}");
            let first = row(&rows, &format!("{name}#1"));
            assert_eq!(first["id"], "hg-ferry", "{name}");
            assert_eq!(first["file"], name.as_str());
            assert_eq!(
                (first["record"].as_u64(), first["offset"].as_u64()),
                (Some(1), Some(0))
            );
            let second = row(&rows, &format!("{name}#2"));
            assert_eq!(
                second["offset"].as_u64(),
                Some(plain.iter().position(|&b| b == b'\n').unwrap() as u64 + 1)
            );
        }
    }
}

#[test]
fn a_wet_archive_is_captures_with_url_id_date_and_language_and_other_records_are_counted() {
    let d = tempfile::tempdir().unwrap();
    let wet = std::fs::read(fixtures().join("pages.warc.wet")).unwrap();
    // Common Crawl compresses each record as its own gzip member.
    let mut members = Vec::new();
    for part in String::from_utf8(wet.clone())
        .unwrap()
        .split_inclusive("\r\n\r\nWARC/1.0")
    {
        members.extend(gzip(part.as_bytes()));
    }
    // The split moved each "WARC/1.0" to the end of the member before it: the
    // decompressed stream is still the archive, byte for byte.
    std::fs::write(d.path().join("pages.warc.wet.gz"), &members).unwrap();
    std::fs::write(d.path().join("pages.warc.wet"), &wet).unwrap();
    for name in ["pages.warc.wet", "pages.warc.wet.gz"] {
        let (o, rows) = clean(d.path(), &[name], &[]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        assert_eq!(bodies(d.path(), &rows), expected(), "{name}");
        let r = row(&rows, &format!("{name}#2"));
        assert_eq!(r["url"], "https://www.harbour.example/news/ferry");
        assert_eq!(r["id"], "<urn:uuid:hg-ferry>");
        assert_eq!(r["date"], "2024-03-02T07:10:00Z");
        assert_eq!(r["content_language"], "eng");
        assert!(
            stderr(&o).contains("skipped 1 WARC record (not text captures): 1 warcinfo"),
            "{}",
            stderr(&o)
        );
        std::fs::remove_dir_all(d.path().join("out")).unwrap();
    }
}

#[test]
fn a_warc_gives_its_text_plain_responses_and_counts_the_rest_by_type() {
    let d = tempfile::tempdir().unwrap();
    let (o, rows) = clean(
        d.path(),
        &[fixtures().join("crawl.warc").to_str().unwrap()],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(rows.len(), 1);
    // The payload was ISO-8859-1, as its Content-Type said; the text is the page's.
    assert_eq!(bodies(d.path(), &rows), expected()[4..]);
    assert!(stderr(&o).contains(
        "skipped 4 WARC records (not text captures): 1 metadata, 1 request, 1 response (text/html), 1 warcinfo"
    ), "{}", stderr(&o));
}

#[test]
fn common_crawl_wet_sample_is_one_spanish_capture() {
    let d = tempfile::tempdir().unwrap();
    let wet = commoncrawl("whirlwind.warc.wet.gz");
    let (o, rows) = clean(d.path(), &[wet.to_str().unwrap()], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(rows.len(), 1, "{rows:?}");
    let r = &rows[0];
    assert_eq!(r["status"], "canonical");
    assert_eq!(r["content_language"], "spa");
    assert!(r["url"].as_str().unwrap().starts_with("http"), "{r}");
    assert!(r["id"].as_str().unwrap().starts_with("<urn:uuid:"), "{r}");
    assert!(r["bytes_out"].as_u64().unwrap() > 200, "{r}");
    assert!(stderr(&o).contains("1 warcinfo"), "{}", stderr(&o));
}

#[test]
fn common_crawl_warc_samples_have_no_text_captures_and_say_what_they_skipped() {
    for name in ["whirlwind.warc.gz", "resiliparse-warcfile.warc.gz"] {
        let d = tempfile::tempdir().unwrap();
        let o = run_in(
            d.path(),
            &["clean", commoncrawl(name).to_str().unwrap(), "-o", "out"],
        );
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert!(manifest(&d.path().join("out")).is_empty());
        let err = stderr(&o);
        assert!(
            err.contains("response (text/html)") && err.contains("request"),
            "{name}: {err}"
        );
    }
}

#[test]
fn a_warc_whose_last_record_is_cut_is_one_error_row_and_the_rest_is_read() {
    // Common Crawl's clipped sample: its one record (a gzip member) is cut short.
    let d = tempfile::tempdir().unwrap();
    let clipped = commoncrawl("resiliparse-clipped.warc.gz");
    let o = run_in(d.path(), &["clean", clipped.to_str().unwrap(), "-o", "out"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = manifest(&d.path().join("out"));
    assert_eq!(rows.len(), 1, "{rows:?}");
    let r = &rows[0];
    assert_eq!(r["status"], "error");
    assert_eq!(r["source"], "resiliparse-clipped.warc.gz#1");
    assert_eq!(
        (r["file"].as_str(), r["record"].as_u64()),
        (Some("resiliparse-clipped.warc.gz"), Some(1))
    );
    let reason = r["error"].as_str().unwrap();
    assert!(
        reason.starts_with("record 1 (byte 0): read failed"),
        "{reason}"
    );
    assert!(
        stderr(&o).contains(&format!("resiliparse-clipped.warc.gz: {reason}")),
        "{}",
        stderr(&o)
    );
    // The same cut at the end of an archive of several members: the records before
    // it are documents, the cut one is a row.
    let wet = String::from_utf8(std::fs::read(fixtures().join("pages.warc.wet")).unwrap()).unwrap();
    let mut members = Vec::new();
    let parts: Vec<&str> = wet.split_inclusive("\r\n\r\nWARC/1.0").collect();
    for part in &parts[..parts.len() - 1] {
        members.extend(gzip(part.as_bytes()));
    }
    let last = gzip(parts[parts.len() - 1].as_bytes());
    members.extend(&last[..last.len() / 2]);
    std::fs::write(d.path().join("cut.warc.wet.gz"), members).unwrap();
    let (o, rows) = clean(d.path(), &["cut.warc.wet.gz"], &["--force"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(bodies(d.path(), &rows), expected()[..4]);
    let r = row(&rows, "cut.warc.wet.gz#6");
    assert!(
        r["error"].as_str().unwrap().starts_with("record 6 (byte "),
        "{r}"
    );
}

/// A site's records spread over two shards learn the same boilerplate as in one.
#[test]
fn a_site_split_across_two_shards_learns_the_same_boilerplate_as_in_one() {
    // Six different articles of one site, each with the same credit line between
    // its paragraphs: a line the per-document stages keep, and only learning removes.
    let articles = [
        ("Tide tables for the autumn", "The new tide tables are printed and can be collected at the post office from Monday.", "Spring tides in October will cover the lower slipway, so boats should be moored on the north side."),
        ("The lifeboat crew trains at night", "Twice a month the volunteer crew launches after dark to practise finding a drifting dinghy.", "Three new members joined this year, among them a nurse from the mainland clinic."),
        ("Fish market moves indoors", "From November the Saturday fish market will be held in the old rope works beside the quay.", "Stallholders asked for the move after a wet summer drove customers away from the open pier."),
        ("A new keeper for the lighthouse", "The lighthouse has an automatic lamp, but the trust now pays a keeper to look after the building.", "She will live in the cottage and open the tower to visitors on the first Sunday of each month."),
        ("Ferry fares rise in January", "Single tickets to the mainland will cost forty pence more from the new year, the operator said.", "Island residents keep their discount, and children under five still travel free."),
        ("Repairs to the harbour wall", "Masons began work on the damaged section of the harbour wall on Tuesday, helped by calm weather.", "The work should take six weeks; the path on top of the wall stays closed until it is done."),
    ];
    let lines: Vec<String> = articles
        .iter()
        .enumerate()
        .map(|(i, (title, a, b))| {
            let text = format!("{title}\n\n{a}\n\nReported with the help of the Portnahaven history circle\n\n{b}\n");
            serde_json::json!({"id": format!("lw-{i}"), "text": text, "url": format!("https://lighthouse.example/{i}")}).to_string() + "\n"
        })
        .collect();
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(d.path().join("one/shards")).unwrap();
    std::fs::create_dir_all(d.path().join("two/shards")).unwrap();
    std::fs::write(d.path().join("one/shards/all.jsonl"), lines.concat()).unwrap();
    std::fs::write(d.path().join("two/shards/a.jsonl"), lines[..3].concat()).unwrap();
    std::fs::write(
        d.path().join("two/shards/b.jsonl.zst"),
        zstd(lines[3..].concat().as_bytes()),
    )
    .unwrap();
    let by_id = |dir: &str| {
        let (o, rows) = clean(&d.path().join(dir), &["shards"], &[]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let mut v: Vec<(String, String, Value)> = rows
            .iter()
            .map(|r| {
                let body = std::fs::read_to_string(
                    d.path()
                        .join(dir)
                        .join("out")
                        .join(r["output"].as_str().unwrap()),
                )
                .unwrap();
                (
                    r["id"].as_str().unwrap().to_owned(),
                    body,
                    r["removed"].clone(),
                )
            })
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let one = by_id("one");
    assert_eq!(one, by_id("two"));
    assert_eq!(one.len(), 6);
    for (id, body, removed) in &one {
        assert!(!body.contains("history circle"), "{id}: {body}");
        assert_eq!(removed["boilerplate"], 1, "{id}: {removed}");
    }
}

/// A footer line in one record of each of two hosts of one domain: too rare to be
/// boilerplate for either host, common enough for the domain (and for the folder).
#[test]
fn site_key_groups_by_host_domain_or_folder() {
    let d = tempfile::tempdir().unwrap();
    let line = |i: usize, host: &str, footer: bool| {
        let mut text = format!(
            "Page {i}\n\nA paragraph about subject number {i}, long enough to be a document of its own and unlike the others.\n"
        );
        if footer {
            text += "\nHarbour Group, 1 Pier Road, Portnahaven\n";
        }
        serde_json::json!({"id": i, "text": text, "url": format!("https://{host}.harbour.example/{i}")})
            .to_string()
            + "\n"
    };
    let shard = [
        line(1, "news", true),
        line(2, "news", false),
        line(3, "shop", true),
        line(4, "shop", false),
    ]
    .concat();
    std::fs::write(d.path().join("s.jsonl"), shard).unwrap();
    let footers_kept = |key: &str| {
        let out = format!("out-{key}");
        let o = run_in(
            d.path(),
            &["clean", "s.jsonl", "-o", &out, "--site-key", key],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        (1..=4)
            .filter(|i| {
                std::fs::read_to_string(d.path().join(&out).join(format!("s.jsonl#{i}.txt")))
                    .unwrap()
                    .contains("Harbour Group")
            })
            .count()
    };
    assert_eq!(footers_kept("host"), 2);
    assert_eq!(footers_kept("domain"), 0);
    assert_eq!(footers_kept("dir"), 0);
    let o = run_in(d.path(), &["clean", "s.jsonl", "--site-key", "path"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let d = tempfile::tempdir().unwrap();
    let mut shard = String::new();
    for i in 0..60 {
        let t = format!(
            "Report {}\n\nThe survey of pier {} found {} loose planks and a rail that needs paint.\n\nShare this article\n",
            i % 40, i % 40, (i % 40) * 7 % 13
        );
        shard += &(serde_json::json!({"id": i, "text": t, "url": format!("https://site{}.example/{i}", i % 3)}).to_string() + "\n");
    }
    // Two shards, read at once at -j4 (either may finish first), one after the
    // other at -j1; a site spans both.
    let half = shard.match_indices('\n').nth(29).unwrap().0 + 1;
    std::fs::write(d.path().join("s.jsonl.gz"), gzip(&shard.as_bytes()[..half])).unwrap();
    std::fs::write(d.path().join("t.jsonl.gz"), gzip(&shard.as_bytes()[half..])).unwrap();
    let o1 = run_in(
        d.path(),
        &["clean", "t.jsonl.gz", "s.jsonl.gz", "-o", "j1", "-j1"],
    );
    let o4 = run_in(
        d.path(),
        &["clean", "s.jsonl.gz", "t.jsonl.gz", "-o", "j4", "-j4"],
    );
    assert_eq!(o1.status.code(), Some(0), "{}", stderr(&o1));
    assert_eq!(o4.status.code(), Some(0), "{}", stderr(&o4));
    let t1 = read_tree(&d.path().join("j1"));
    assert_eq!(t1, read_tree(&d.path().join("j4")));
    // Duplicates were found (the ids 40..59 repeat earlier reports).
    assert!(manifest(&d.path().join("j1"))
        .iter()
        .any(|r| r["status"] == "duplicate"));
}

#[test]
fn a_gzip_capture_reads_like_the_plain_one_and_a_bomb_is_an_error_row() {
    let d = tempfile::tempdir().unwrap();
    let caps = d.path().join("caps");
    std::fs::create_dir_all(&caps).unwrap();
    let sample = std::fs::read(repo().join("fixtures/sample/ferry-capture.txt")).unwrap();
    std::fs::write(caps.join("ferry.txt.gz"), gzip(&sample)).unwrap();
    std::fs::write(caps.join("bomb.txt.gz"), gzip(&vec![b'a'; 4 << 20])).unwrap();
    let o = run_in(
        d.path(),
        &[
            "clean",
            "caps",
            "-o",
            "out",
            "--max-bytes",
            "1MiB",
            "--no-header",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(d.path().join("out/ferry.txt")).unwrap(),
        std::fs::read(repo().join("fixtures/sample/ferry-expected.txt")).unwrap()
    );
    let rows = manifest(&d.path().join("out"));
    assert_eq!(row(&rows, "ferry.txt.gz")["output"], "ferry.txt");
    assert_eq!(
        row(&rows, "bomb.txt.gz")["error"],
        "decompressed input is over the --max-bytes limit of 1048576 bytes"
    );
    assert!(
        stderr(&o).contains("bomb.txt.gz: decompressed input is over"),
        "{}",
        stderr(&o)
    );
    // A capture and its gzip would be written to one path: refused before reading.
    std::fs::write(caps.join("ferry.txt"), &sample).unwrap();
    let o = run_in(d.path(), &["clean", "caps", "-o", "out2"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

// ---- Bad input: a row with file and record number, a stderr line, exit 1, nothing
// ---- else lost.

const GOOD: &str = r#"{"id":"ok","text":"A good record\n\nIts paragraph is here and it is fine.\n","url":"https://good.example/"}"#;

/// Runs a shard whose second record is `bad` (bytes) between two good ones; checks
/// the row, the stderr line and that both good records were written.
fn bad_second_record(bad: &[u8], reason: &str) -> Value {
    let d = tempfile::tempdir().unwrap();
    let mut data = Vec::new();
    data.extend(GOOD.as_bytes());
    data.push(b'\n');
    data.extend(bad);
    data.push(b'\n');
    data.extend(
        GOOD.replace("\"ok\"", "\"ok2\"")
            .replace("fine", "fine too")
            .as_bytes(),
    );
    data.push(b'\n');
    std::fs::write(d.path().join("s.jsonl"), &data).unwrap();
    let o = run_in(d.path(), &["clean", "s.jsonl", "-o", "out"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = manifest(&d.path().join("out"));
    let r = row(&rows, "s.jsonl#2").clone();
    assert_eq!(r["status"], "error");
    assert_eq!(
        (r["file"].as_str(), r["record"].as_u64()),
        (Some("s.jsonl"), Some(2))
    );
    let got = r["error"].as_str().unwrap();
    assert!(got.starts_with("line 2: ") && got.contains(reason), "{got}");
    assert!(
        stderr(&o).contains(&format!("s.jsonl: {got}")),
        "{}",
        stderr(&o)
    );
    assert_eq!(row(&rows, "s.jsonl#1")["status"], "canonical");
    assert_eq!(row(&rows, "s.jsonl#3")["status"], "canonical");
    assert!(
        d.path().join("out/s.jsonl#1.txt").is_file()
            && d.path().join("out/s.jsonl#3.txt").is_file()
    );
    r
}

#[test]
fn a_line_that_is_not_json_is_a_row() {
    bad_second_record(b"this is not json", "not JSON");
}

#[test]
fn a_record_without_the_text_field_or_whose_text_is_not_a_string_is_a_row() {
    bad_second_record(br#"{"id":"x","body":"elsewhere"}"#, r#"no "text" field"#);
    bad_second_record(
        br#"{"id":"x","text":["a","b"]}"#,
        r#"the "text" field is an array, not a string"#,
    );
}

#[test]
fn an_empty_text_is_a_row() {
    bad_second_record(
        br#"{"id":"x","text":"  \n"}"#,
        r#"the "text" field is empty"#,
    );
}

#[test]
fn invalid_utf8_inside_a_json_string_is_a_row() {
    bad_second_record(
        b"{\"id\":\"x\",\"text\":\"caf\xe9 au lait\"}",
        "invalid UTF-8 at byte 21",
    );
}

#[test]
fn two_records_with_one_id_are_a_row_for_the_second_even_across_shards() {
    bad_second_record(
        GOOD.replace("good record", "second record").as_bytes(),
        r#"id "ok" is already the id of s.jsonl#1"#,
    );
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.jsonl"), format!("{GOOD}\n")).unwrap();
    std::fs::write(
        d.path().join("b.jsonl"),
        format!("{}\n", GOOD.replace("fine", "different")),
    )
    .unwrap();
    // The files are read at once at -j4: the first in key order keeps the id
    // whichever finished first.
    for j in ["-j1", "-j4"] {
        let out = format!("out{j}");
        let o = run_in(d.path(), &["clean", "b.jsonl", "a.jsonl", "-o", &out, j]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let rows = manifest(&d.path().join(&out));
        assert_eq!(
            row(&rows, "b.jsonl#1")["error"],
            r#"line 1: id "ok" is already the id of a.jsonl#1"#
        );
    }
}

/// A 50 MB text over `--max-bytes` is skipped to its end without being kept.
#[test]
fn a_50_mb_text_over_max_bytes_is_a_row() {
    let mut big = br#"{"id":"big","text":""#.to_vec();
    big.extend(std::iter::repeat_n(b'w', 50_000_000));
    big.extend(br#""}"#);
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("s.jsonl"),
        [
            GOOD.as_bytes(),
            b"\n",
            &big,
            b"\n",
            GOOD.replace("\"ok\"", "\"ok2\"")
                .replace("fine", "fine too")
                .as_bytes(),
            b"\n",
        ]
        .concat(),
    )
    .unwrap();
    let o = run_in(
        d.path(),
        &["clean", "s.jsonl", "-o", "out", "--max-bytes", "10MB"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = manifest(&d.path().join("out"));
    assert_eq!(
        row(&rows, "s.jsonl#2")["error"],
        "line 2: line is 50000022 bytes, over the --max-bytes limit of 10000000"
    );
    assert!(
        stderr(&o).contains("s.jsonl: line 2: line is 50000022 bytes"),
        "{}",
        stderr(&o)
    );
    assert_eq!(row(&rows, "s.jsonl#3")["status"], "canonical");
}

#[test]
fn a_shard_cut_mid_line_is_a_row_for_its_last_record() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("s.jsonl"),
        format!("{GOOD}\n{{\"id\":\"cut\",\"text\":\"The sentence stops he"),
    )
    .unwrap();
    let o = run_in(d.path(), &["clean", "s.jsonl", "-o", "out"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = manifest(&d.path().join("out"));
    assert_eq!(
        row(&rows, "s.jsonl#2")["error"],
        "line 2: the file ends in the middle of this record (no newline, and not valid JSON)"
    );
    assert!(
        stderr(&o).contains("s.jsonl: line 2: the file ends in the middle"),
        "{}",
        stderr(&o)
    );
    assert_eq!(row(&rows, "s.jsonl#1")["status"], "canonical");
}

/// A compressed shard that breaks: every record before the break is read, and the
/// file itself is a row naming the last line read.
fn broken_stream(name: &str, bytes: Vec<u8>, reason: &str) {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join(name), bytes).unwrap();
    let o = run_in(d.path(), &["clean", name, "-o", "out"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = manifest(&d.path().join("out"));
    let r = row(&rows, name);
    assert_eq!(r["status"], "error");
    let got = r["error"].as_str().unwrap();
    assert!(
        got.contains(reason) && got.contains("the records before it were read"),
        "{got}"
    );
    assert!(
        stderr(&o).contains(&format!("{name}: {got}")),
        "{}",
        stderr(&o)
    );
    assert_eq!(row(&rows, &format!("{name}#1"))["status"], "canonical");
}

#[test]
fn a_gzip_stream_cut_short_keeps_the_records_before_the_cut() {
    let mut first = gzip(format!("{GOOD}\n").as_bytes());
    let second = gzip(
        format!(
            "{}\n",
            GOOD.replace("\"ok\"", "\"ok2\"")
                .replace("fine", "fine too")
        )
        .as_bytes(),
    );
    first.extend(&second[..second.len() / 2]);
    broken_stream("s.jsonl.gz", first, "cannot decompress");
}

#[test]
fn a_zstd_frame_followed_by_garbage_keeps_the_frame() {
    let mut data = zstd(format!("{GOOD}\n").as_bytes());
    data.extend(b"this is not a zstd frame, just bytes written after one");
    broken_stream("s.jsonl.zst", data, "cannot decompress");
}

fn warc_record(headers: &[(&str, &str)], block: &[u8], declared: Option<usize>) -> Vec<u8> {
    let mut out = b"WARC/1.0\r\n".to_vec();
    for (k, v) in headers {
        out.extend(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend(
        format!(
            "Content-Length: {}\r\n\r\n",
            declared.unwrap_or(block.len())
        )
        .as_bytes(),
    );
    out.extend(block);
    out.extend(b"\r\n\r\n");
    out
}

fn conversion(uri: Option<&str>, id: &str, text: &str, declared: Option<usize>) -> Vec<u8> {
    let mut h = vec![
        ("WARC-Type", "conversion"),
        ("WARC-Record-ID", id),
        ("Content-Type", "text/plain"),
    ];
    if let Some(u) = uri {
        h.push(("WARC-Target-URI", u));
    }
    warc_record(&h, text.as_bytes(), declared)
}

fn warc_with_bad_second(bad: Vec<u8>, reason: &str) {
    let d = tempfile::tempdir().unwrap();
    let one = conversion(
        Some("https://a.example/1"),
        "<urn:uuid:1>",
        "First page\n\nIts paragraph is long enough to be kept as text.\n",
        None,
    );
    let three = conversion(
        Some("https://a.example/3"),
        "<urn:uuid:3>",
        "Third page\n\nAnother paragraph, different from the first one.\n",
        None,
    );
    std::fs::write(d.path().join("a.warc"), [one, bad, three].concat()).unwrap();
    let o = run_in(d.path(), &["clean", "a.warc", "-o", "out"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let rows = manifest(&d.path().join("out"));
    let r = row(&rows, "a.warc#2");
    let got = r["error"].as_str().unwrap();
    assert!(
        got.starts_with("record 2 (byte ") && got.contains(reason),
        "{got}"
    );
    assert!(
        stderr(&o).contains(&format!("a.warc: {got}")),
        "{}",
        stderr(&o)
    );
    assert_eq!(row(&rows, "a.warc#1")["status"], "canonical");
    assert_eq!(row(&rows, "a.warc#3")["status"], "canonical");
}

#[test]
fn a_warc_record_whose_content_length_is_wrong_is_a_row_and_the_next_is_read() {
    let text = "Second page\n\nThis block is longer than its header says it is.\n";
    warc_with_bad_second(
        conversion(Some("https://a.example/2"), "<urn:uuid:2>", text, Some(10)),
        "Content-Length 10 is wrong",
    );
}

#[test]
fn a_wet_record_without_a_uri_is_a_row() {
    let text = "Second page\n\nA page whose address was lost on the way.\n";
    warc_with_bad_second(
        conversion(None, "<urn:uuid:2>", text, None),
        "a conversion record without a WARC-Target-URI",
    );
}

#[test]
fn from_jsonl_reads_stdin_and_from_text_keeps_a_jsonl_file_a_capture() {
    let d = tempfile::tempdir().unwrap();
    let shard = std::fs::read(fixtures().join("fineweb.jsonl")).unwrap();
    let mut child = crate::common::docsift()
        .args(["clean", "--from", "jsonl", "-", "-o", "out"])
        .current_dir(d.path())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&zstd(&shard))
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let rows = manifest(&d.path().join("out"));
    assert_eq!(rows.len(), 5);
    assert_eq!(row(&rows, "-#1")["output"], "stdin#1.txt");
    std::fs::write(d.path().join("f.jsonl"), &shard).unwrap();
    let o = run_in(
        d.path(),
        &["clean", "--from", "text", "f.jsonl", "-o", "out2"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(manifest(&d.path().join("out2")).len(), 1);
}

/// A pipe of records whose writer never closes it: the first SIGINT ends the run with
/// 130, says which input it was stuck on, and leaves no spool in TMPDIR and nothing in
/// `--out`.
#[cfg(unix)]
#[test]
fn the_first_interrupt_ends_a_record_pipe_that_never_closes() {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let d = tempfile::tempdir().unwrap();
    let tmp = d.path().join("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    let mut child = crate::common::docsift()
        .args(["clean", "--from", "jsonl", "-", "-o", "out"])
        .env("TMPDIR", &tmp)
        .current_dir(d.path())
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut writer = child.stdin.take().unwrap();
    writer.write_all(format!("{GOOD}\n").as_bytes()).unwrap();
    writer.flush().unwrap();
    // Reading has begun once the spool exists.
    let start = Instant::now();
    while std::fs::read_dir(&tmp).unwrap().next().is_none()
        && start.elapsed() < Duration::from_secs(60)
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    let status = crate::common::interrupt_and_wait(&mut child);
    drop(writer);
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert_eq!(
        status.expect("SIGINT did not stop the run").code(),
        Some(130),
        "{err}"
    );
    assert!(err.contains("interrupted while reading -"), "{err}");
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "spool left in TMPDIR"
    );
    assert!(!d.path().join("out/manifest.jsonl").exists());
}
