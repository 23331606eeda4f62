//! The HTML report (`clean --report`, `docsift report`): rendered for the fixture
//! corpus in `fixtures/report/` (duplicates, a near duplicate, an error, an empty
//! input, every removal reason, three languages and encodings), opened in headless
//! Chromium, and checked on the DOM the browser built: the counts, a cluster with its
//! diff, a document's removed lines with their reasons, the filters. Also: no page
//! refers to anything outside the report folder, the report is the same whatever
//! `-j`, and `docsift report` refuses what it cannot show truthfully.
//!
//! Chromium is Debian's `chromium` package (`.ci/run` installs it); set
//! `DOCSIFT_CHROMIUM` to use another binary. Without one these tests fail, saying so.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{docsift, manifest, read_tree, repo};

fn expected() -> Value {
    let text = std::fs::read_to_string(repo().join("fixtures/report/expected.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Cleans the fixture corpus into `dir/out` with `--report` and `-j threads`.
fn run_report(dir: &Path, threads: &str) -> PathBuf {
    let out = dir.join("out");
    let o = docsift()
        .args(["clean", "-q", "-j", threads, "--report", "-o"])
        .arg(&out)
        .arg(repo().join("fixtures/report/captures"))
        .output()
        .unwrap();
    // The binary capture is an error row: exit 1, everything else written.
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("DOCSIFT_CHROMIUM") {
        return PathBuf::from(p);
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if let Some(dir) = std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .find(|d| d.join(name).is_file())
        {
            return dir.join(name);
        }
    }
    panic!(
        "the report tests need headless Chromium: `apt-get install chromium` \
         (.ci/run installs it), or set DOCSIFT_CHROMIUM to a Chromium binary"
    );
}

/// Opens `page` (a file in `report`, with an optional `#fragment`) in headless
/// Chromium and returns the DOM once its scripts have run (`extra` adds flags, e.g.
/// a screenshot).
fn browse(report: &Path, page: &str, extra: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}/{page}", report.display());
    let o = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--virtual-time-budget=20000",
            "--window-size=1280,1000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        dom.contains("</html>"),
        "chromium gave no DOM for {url}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        dom.contains("data-ready=\"1\""),
        "{page} never finished: {dom}"
    );
    assert!(!dom.contains("could not load"), "{page}: {dom}");
    dom
}

/// The text of every element matching `open` … `close` (tags stripped, entities
/// of the five escaped characters undone).
fn texts(dom: &str, pattern: &str) -> Vec<String> {
    let re = regex::Regex::new(pattern).unwrap();
    let tags = regex::Regex::new(r"<[^>]*>").unwrap();
    re.captures_iter(dom)
        .map(|c| {
            tags.replace_all(&c[1], "")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&")
        })
        .collect()
}

#[test]
fn the_report_shows_the_runs_counts_clusters_and_lines_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_report(dir.path(), "2");
    let report = out.join("report");
    let exp = expected();
    let rows = manifest(&out);
    assert_eq!(rows.len() as u64, exp["inputs"].as_u64().unwrap());
    for (source, status) in exp["status"].as_object().unwrap() {
        let row = crate::common::row(&rows, source);
        assert_eq!(&row["status"], status, "{source}");
    }

    // Overview: the counts, and every reason in the chart with the manifest's total.
    let shot = dir.path().join("overview.png");
    let dom = browse(
        &report,
        "index.html",
        &[format!("--screenshot={}", shot.display())],
    );
    let png = std::fs::read(&shot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "{}",
        png.len()
    );
    assert_eq!(texts(&dom, r#"id="n-inputs"><b>([^<]*)"#), ["12"]);
    assert_eq!(texts(&dom, r#"id="n-errors"><b>([^<]*)"#), ["1"]);
    assert_eq!(texts(&dom, r#"id="n-duplicates"><b>([^<]*)"#), ["2"]);
    for reason in exp["reasons"].as_array().unwrap() {
        let reason = reason.as_str().unwrap();
        let total: u64 = rows
            .iter()
            .map(|r| r["removed"][reason].as_u64().unwrap_or(0))
            .sum();
        assert!(total > 0, "the fixture removes no {reason} line");
        let bar = format!(r#"data-label="{reason}" data-value="{total}""#);
        assert!(dom.contains(&bar), "no bar {bar} in {dom}");
    }
    for lang in exp["languages"].as_array().unwrap() {
        let lang = lang.as_str().unwrap();
        assert!(dom.contains(&format!("documents.html#lang={lang}\">{lang}</a>")));
    }
    let encodings = texts(
        &dom,
        r#"<tr><td>([^<]*)</td><td class="num">\d+</td><td class="num">\d+</td></tr>"#,
    );
    let mut encodings: Vec<&str> = encodings.iter().map(String::as_str).collect();
    encodings.sort();
    assert_eq!(
        encodings,
        exp["encodings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect::<Vec<_>>()
    );
    assert!(dom.contains("broken/scan.bin</a></td><td>binary file (NUL byte at offset 4)</td>"));

    // Clusters: the ferry article's cluster, its exact copy and its edited copy with
    // the changed words marked on both sides.
    let dom = browse(&report, "clusters.html", &[]);
    assert_eq!(texts(&dom, r#"id="cluster-count">([^<]*)<"#), ["1 cluster"]);
    let cluster = &dom[dom.find("class=\"cluster\"").expect("a cluster")..];
    assert!(cluster.contains(">harbour/ferry-copy.txt</a>"), "{cluster}");
    let members = texts(
        cluster,
        r#"<li class="member" data-doc="\d+"><div class="member-head">(.*?)</div>"#,
    );
    assert_eq!(
        members,
        [
            "harbour/ferry-edited.txtnear duplicatesimilarity 0.975",
            "harbour/ferry.txtexact duplicatesimilarity 1.000"
        ]
    );
    assert!(cluster.contains("Identical clean body."));
    let marked = texts(cluster, r"<mark>([^<]*)</mark>");
    assert!(marked.iter().any(|m| m.contains("except")), "{marked:?}");
    assert!(marked.iter().any(|m| m.contains("daily")), "{marked:?}");
    let changed = texts(cluster, r#"<tr class="chg">(.*?)</tr>"#);
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(changed[0].contains("every day except Christmas"));
    assert!(changed[0].contains("daily but Christmas"));

    // Documents: a document's removed lines with their reasons, as explain gives them.
    let source = exp["document"].as_str().unwrap();
    let i = rows.iter().position(|r| r["source"] == source).unwrap();
    let dom = browse(&report, &format!("documents.html#doc={i}"), &[]);
    assert_eq!(texts(&dom, r#"id="doc-source">([^<]*)<"#), [source]);
    let removed = regex::Regex::new(
        r#"<tr class="removed r-(\w+)" data-line="\d+">.*?<td class="reason">(\w+)</td><td class="rule">[^<]*</td><td class="text">([^<]*)</td>"#,
    )
    .unwrap();
    let lines: Vec<(String, String)> = removed
        .captures_iter(&dom)
        .map(|c| {
            assert_eq!(c[1], c[2]);
            (c[3].replace("&amp;", "&"), c[2].to_owned())
        })
        .collect();
    for (text, reason) in exp["document_removed"].as_object().unwrap() {
        assert!(
            lines
                .iter()
                .any(|(t, r)| t == text && r == reason.as_str().unwrap()),
            "{text:?} not removed as {reason} in {lines:?}"
        );
    }
    let kept = dom.matches("<tr class=\"kept").count();
    let total = row_count(&dom);
    assert_eq!(total, kept + lines.len());
    let explain = docsift()
        .args(["explain", "--json"])
        .arg(repo().join("fixtures/report/captures").join(source))
        .output()
        .unwrap();
    let explain: Value = serde_json::from_slice(&explain.stdout).unwrap();
    let explained: Vec<(String, String)> = explain["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["kept"] == false)
        .map(|l| {
            (
                l["text"].as_str().unwrap().to_owned(),
                l["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(lines, explained, "the report and explain disagree");

    // Filters: by status, and by a reason only one document has.
    let dom = browse(&report, "documents.html#status=error", &[]);
    assert_eq!(listed(&dom), ["broken/scan.bin"]);
    let dom = browse(&report, "documents.html#reason=repeated_body", &[]);
    assert_eq!(listed(&dom), ["harbour/nets.txt"]);
    let dom = browse(&report, "documents.html#q=ferry&lang=en", &[]);
    assert_eq!(
        listed(&dom),
        [
            "harbour/ferry-copy.txt",
            "harbour/ferry-edited.txt",
            "harbour/ferry.txt"
        ]
    );
    let dom = browse(&report, "documents.html", &[]);
    assert_eq!(listed(&dom).len(), 12);
}

/// Rows of the lines table.
fn row_count(dom: &str) -> usize {
    dom.matches(" data-line=\"").count()
}

/// The sources the document list shows.
fn listed(dom: &str) -> Vec<String> {
    texts(
        dom,
        r#"<tr class="st-\w+" data-doc="\d+"><td><a href="[^"]*">([^<]*)</a>"#,
    )
}

/// Every `src`/`href`/`url(` in the report's files, and in the DOM each page builds,
/// is a file inside the report folder (or a `#fragment` of one); scripts and styles
/// load nothing else.
#[test]
fn no_page_refers_to_anything_outside_the_report_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_report(dir.path(), "1");
    let report = out.join("report");
    let attr =
        regex::Regex::new(r#"(?:src|href|action|poster|srcset)\s*=\s*["']?([^"' >]*)"#).unwrap();
    let check = |what: &str, target: &str| {
        let path = target.split('#').next().unwrap();
        if path.is_empty() {
            return;
        }
        assert!(
            !path.contains(':')
                && !path.starts_with('/')
                && !path.starts_with('\\')
                && !path.split('/').any(|c| c == ".."),
            "{what} refers outside the report: {target}"
        );
        assert!(
            report.join(path).is_file(),
            "{what} refers to a missing {path}"
        );
    };
    let files = read_tree(&report);
    assert!(files.keys().any(|p| p.starts_with("data")));
    for (rel, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        let what = rel.display().to_string();
        if what.ends_with(".html") {
            for c in attr.captures_iter(&text) {
                check(&what, &c[1]);
            }
        }
        for bad in [
            "http:",
            "https:",
            "url(",
            "@import",
            "fetch(",
            "XMLHttpRequest",
            "import(",
            "//cdn",
            "ws:",
        ] {
            assert!(!text.contains(bad), "{what} holds {bad}");
        }
    }
    let rows = manifest(&out);
    let near = rows
        .iter()
        .position(|r| r["status"] == "near_duplicate")
        .unwrap();
    for page in [
        "index.html".to_owned(),
        "clusters.html".to_owned(),
        "documents.html".to_owned(),
        format!("documents.html#doc={near}"),
    ] {
        let dom = browse(&report, &page, &[]);
        let refs: Vec<String> = attr.captures_iter(&dom).map(|c| c[1].to_owned()).collect();
        assert!(
            refs.iter().any(|r| r.starts_with("data/")) || page == "index.html",
            "{page}: {refs:?}"
        );
        for r in refs {
            check(&format!("the DOM of {page}"), &r);
        }
    }
}

/// The report and the line log are the same bytes whatever `-j`; `docsift report`
/// writes the same report again.
#[test]
fn the_report_does_not_depend_on_threads_and_can_be_written_again() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (one, two) = (run_report(a.path(), "1"), run_report(b.path(), "2"));
    assert_eq!(read_tree(&one), read_tree(&two));
    let before = read_tree(&one.join("report"));
    std::fs::remove_file(one.join("report/index.html")).unwrap();
    let o = docsift().args(["report", "-q"]).arg(&one).output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim_end(),
        one.join("report/index.html").display().to_string()
    );
    assert_eq!(read_tree(&one.join("report")), before);
    // Nothing left behind in OUT: no temporary folders or files.
    let hidden: Vec<_> = std::fs::read_dir(&one)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert_eq!(hidden, [".docsift-lines.zst"]);
}

#[test]
fn a_report_is_refused_without_its_run_s_line_log_or_over_a_folder_docsift_did_not_write() {
    let dir = tempfile::tempdir().unwrap();
    let captures = repo().join("fixtures/report/captures");
    // A run without --report keeps no per-line decisions.
    let plain = dir.path().join("plain");
    docsift()
        .args(["clean", "-q", "-o"])
        .arg(&plain)
        .arg(&captures)
        .output()
        .unwrap();
    let o = docsift().args(["report"]).arg(&plain).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("the run was made without --report"), "{err}");
    assert!(!plain.join("report").exists());
    // A log from another run: the manifest no longer matches it.
    let out = run_report(dir.path(), "1");
    docsift()
        .args(["clean", "-q", "--force", "--no-boilerplate", "-o"])
        .arg(&out)
        .arg(&captures)
        .output()
        .unwrap();
    let o = docsift().args(["report"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("does not belong to manifest.jsonl"), "{err}");
    // A report folder docsift did not write is never replaced.
    let foreign = dir.path().join("foreign");
    run_report(&foreign, "1");
    let out = foreign.join("out");
    std::fs::remove_file(out.join("report/.docsift-report")).unwrap();
    let o = docsift().args(["report"]).arg(&out).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a report docsift wrote"));
    // ... and `clean --report` says so before it cleans anything.
    let o = docsift()
        .args(["clean", "-q", "--force", "--report", "-o"])
        .arg(&out)
        .arg(&captures)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a report docsift wrote"));
    // Not an --out folder at all.
    let o = docsift().args(["report"]).arg(dir.path()).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no manifest.jsonl"));
}
