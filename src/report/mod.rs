//! The HTML report of a finished run (`docsift report OUT`, or `clean … --report`):
//! `OUT/report/index.html` and the pages and data files beside it, opened from disk
//! with no network.
//!
//! What it reads: `OUT/manifest.jsonl` (the contract: statuses, clusters, reasons
//! counted, languages, encodings, errors) and `OUT/.docsift-lines.zst`, the per-line
//! decisions a run keeps only when asked for a report ([`linelog`]). Each document's
//! clean body is rebuilt from its decisions and checked against the manifest's
//! `sha256`, so a log left by another run is refused rather than shown.
//!
//! What it writes, all inside `OUT/report/` (no page refers to anything outside it):
//!
//! ```text
//! index.html       the overview, static HTML (shows before any script runs)
//! clusters.html    duplicate clusters, a page of CLUSTER_PAGE at a time, with diffs
//! documents.html   the searchable, filterable list; a document's lines when opened
//! report.css report.js
//! data/meta.js     names and counts the pages need first
//! data/list-K.js   the list's rows, LIST_CHUNK per file, loaded in turn
//! data/doc-K.js    DOC_CHUNK documents' lines (gzipped JSON in base64), loaded when
//!                  one of them is opened
//! data/clusters-K.js  one page of clusters with their diffs
//! ```
//!
//! Browsers refuse `fetch()` of `file://` URLs, so data files are scripts that hand
//! their data to the page (`DOCSIFT.list(K, rows)`). Splitting keeps every file small
//! at any corpus size: the first page loads the overview only, and a document's lines
//! are read when it is opened. The report is written into a hidden folder in `OUT`
//! and renamed into place, replacing a report docsift wrote before (never a folder
//! it did not: that is refused).

pub mod clusters;
pub mod html;
pub mod linelog;
pub mod overview;
pub mod rows;

use std::fmt::Write as _;
use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub use linelog::{LineLog, LineLogReader, RunFacts};

use crate::document::Reason;
use crate::error::{Error, Result};
use crate::output::MANIFEST_FILE;
use crate::record::hex;
use crate::report::overview::{Overview, STATUSES};
use crate::report::rows::Row;

/// The report's folder inside `OUT`.
pub const DIR: &str = "report";
/// A file that marks a folder as a report docsift wrote (and may replace).
pub const MARKER: &str = ".docsift-report";
/// Rows of the document list per data file.
pub const LIST_CHUNK: usize = 5000;
/// Documents per data file of lines.
pub const DOC_CHUNK: usize = 100;
/// Clusters per page (and per data file).
pub const CLUSTER_PAGE: usize = 20;

const CSS: &str = include_str!("assets/report.css");
const JS: &str = include_str!("assets/report.js");

/// What [`write()`] produced.
#[derive(Debug, Clone)]
pub struct Written {
    pub index: PathBuf,
    pub files: usize,
    pub bytes: u64,
}

/// `clean --report`'s log, started once `out` is locked (`None` without `--report`).
pub fn start_run(out: Option<&Path>) -> Result<Option<LineLog>> {
    match out {
        None => Ok(None),
        Some(out) => {
            // Refused before the run rather than after it: a `report/` docsift did not write.
            check_destination(out)?;
            // A killed run's temporary files (this one's included); `out` is locked.
            crate::output::atomic::sweep_temp_files(out);
            LineLog::create(out)
                .map(Some)
                .map_err(|e| Error::write(out.join(linelog::FILE), e))
        }
    }
}

/// `clean --report`'s last step, after the manifest is written: puts the log in
/// place (in manifest order) and writes the report. Nothing to do without a log.
pub fn finish_run(log: Option<LineLog>, out: Option<&Path>, quiet: bool) -> Result<()> {
    let (Some(log), Some(out)) = (log, out) else {
        return Ok(());
    };
    let manifest = out.join(MANIFEST_FILE);
    let rows = rows::read(out).map_err(|e| Error::Read {
        path: manifest.clone(),
        source: e,
    })?;
    let mode = file_mode(&manifest);
    let facts = RunFacts::of(&log.limits());
    log.finish(out, rows.len(), mode, &facts)
        .map_err(|e| Error::write(out.join(linelog::FILE), e))?;
    let written = write(out)?;
    if !quiet {
        eprintln!(
            "docsift: report: {} ({} files, {})",
            crate::escape::terminal_str(&crate::escape::escape_path(&written.index)),
            written.files,
            crate::output::summary::human_bytes(written.bytes)
        );
    }
    Ok(())
}

/// The permission bits the report's files may have: the manifest's (it lists every
/// input's title; the report holds their text), `0o666` at most.
fn file_mode(manifest: &Path) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(manifest).map_or(0o600, |m| m.permissions().mode() & 0o666)
    }
    #[cfg(not(unix))]
    {
        let _ = manifest;
        0o666
    }
}

/// Writes `out/report/` from `out`'s manifest and line log.
pub fn write(out: &Path) -> Result<Written> {
    let bad = |reason: String| Error::BadOut {
        path: out.to_path_buf(),
        reason,
    };
    let manifest = out.join(MANIFEST_FILE);
    let rows = rows::read(out).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => bad(format!(
            "no {MANIFEST_FILE}: not the --out folder of a finished docsift clean run"
        )),
        _ => Error::Read {
            path: manifest.clone(),
            source: e,
        },
    })?;
    let log = LineLogReader::open(out)
        .map_err(|e| Error::Read {
            path: out.join(linelog::FILE),
            source: e,
        })?
        .ok_or_else(|| {
            bad(format!(
                "no per-line log ({}): the run was made without --report; \
                 run `docsift clean INPUT… -o OUT --force --report` to make the report",
                linelog::FILE
            ))
        })?;
    let stale = || {
        bad(format!(
            "{} does not belong to {MANIFEST_FILE} (another run wrote one of them); \
             run `docsift clean INPUT… -o OUT --force --report` again",
            linelog::FILE
        ))
    };
    if log.rows() != rows.len() {
        return Err(stale());
    }
    if let Some(r) = rows.iter().find(|r| {
        r.output
            .as_deref()
            .is_some_and(|o| o == DIR || o.starts_with(&format!("{DIR}/")))
    }) {
        return Err(bad(format!(
            "the document {} is written under {DIR}/, where the report goes; \
             clean into another --out to have a report",
            r.source
        )));
    }
    check_destination(out)?;
    let dest = out.join(DIR);
    let mode = file_mode(&manifest);
    let temp = tempfile::Builder::new()
        .prefix(".docsift-report-")
        .tempdir_in(out)
        .map_err(|e| Error::write(out, e))?;
    let files = Files {
        root: temp.path().to_path_buf(),
        mode,
    };
    let written = render(&rows, &log, &files).map_err(|e| match e {
        Render::Io(path, e) => Error::write(path, e),
        Render::Stale => stale(),
    })?;
    // Into place: the previous report (ours, checked above) is moved aside first.
    let old = dest
        .is_dir()
        .then(|| {
            tempfile::Builder::new()
                .prefix(".docsift-report-old-")
                .tempdir_in(out)
        })
        .transpose()
        .map_err(|e| Error::write(out, e))?;
    if let Some(old) = &old {
        fs::rename(&dest, old.path().join(DIR)).map_err(|e| Error::write(&dest, e))?;
    }
    set_dir_mode(temp.path(), mode).map_err(|e| Error::write(temp.path(), e))?;
    fs::rename(temp.path(), &dest).map_err(|e| Error::write(&dest, e))?;
    drop(old);
    Ok(Written {
        index: dest.join("index.html"),
        files: written.0,
        bytes: written.1,
    })
}

/// `out/report` may be (re)written: it is missing, or a report docsift wrote (never a
/// folder of the user's, nor a link).
fn check_destination(out: &Path) -> Result<()> {
    let dest = out.join(DIR);
    match fs::symlink_metadata(&dest) {
        Ok(m) if m.is_dir() && dest.join(MARKER).is_file() => Ok(()),
        Ok(_) => Err(Error::BadOut {
            path: out.to_path_buf(),
            reason: format!(
                "{DIR} exists and is not a report docsift wrote; move it away to have a report"
            ),
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::Read {
            path: dest,
            source: e,
        }),
    }
}

/// Why rendering stopped.
enum Render {
    Io(PathBuf, io::Error),
    /// A document's decisions do not give the body the manifest hashed.
    Stale,
}

/// Where the report's files are written, and with which permission bits.
struct Files {
    root: PathBuf,
    mode: u32,
}

impl Files {
    fn write(&self, rel: &str, data: &[u8]) -> std::result::Result<u64, Render> {
        let path = self.root.join(rel);
        let io = |e| Render::Io(path.clone(), e);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io)?;
        }
        let mut o = fs::OpenOptions::new();
        o.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut o, self.mode);
        let mut f = o.open(&path).map_err(io)?;
        f.write_all(data).map_err(io)?;
        Ok(data.len() as u64)
    }
}

/// Folders get the file bits plus search (x) wherever they are readable.
fn set_dir_mode(root: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let bits = mode | ((mode & 0o444) >> 2);
        for dir in [root.join("data"), root.to_path_buf()] {
            if dir.is_dir() {
                fs::set_permissions(&dir, fs::Permissions::from_mode(bits))?;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (root, mode);
    Ok(())
}

/// A JSON value as JS source text for a data file.
fn js(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// Index of `v` in the sorted, deduplicated `names` (`-1` for none).
fn code(names: &[String], v: Option<&str>) -> i64 {
    v.and_then(|v| names.binary_search_by(|n| n.as_str().cmp(v)).ok())
        .map_or(-1, |k| k as i64)
}

fn names<'a>(it: impl Iterator<Item = Option<&'a str>>) -> Vec<String> {
    let set: std::collections::BTreeSet<&str> = it.flatten().collect();
    set.into_iter().map(str::to_owned).collect()
}

/// Writes every file into `files.root`; returns (files, bytes).
fn render(
    rows: &[Row],
    log: &LineLogReader,
    files: &Files,
) -> std::result::Result<(usize, u64), Render> {
    let n = rows.len();
    let overview = Overview::of(rows);
    let clusters = clusters::clusters(rows);
    let sites_of: Vec<String> = rows.iter().map(Row::site).collect();
    let sites = names(sites_of.iter().map(|s| Some(s.as_str())));
    let languages = names(rows.iter().map(|r| r.language.as_deref()));
    let encodings = names(rows.iter().map(|r| r.encoding.as_deref()));
    let reasons: Vec<&str> = Reason::ALL.iter().map(|r| r.name()).collect();
    let mut cluster_of = vec![-1i64; n];
    for (k, c) in clusters.iter().enumerate() {
        let page = (k / CLUSTER_PAGE) as i64;
        cluster_of[c.canonical] = page;
        for &m in &c.members {
            cluster_of[m] = page;
        }
    }
    let index_of: std::collections::HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.source.as_str(), i))
        .collect();
    let pages = clusters.len().div_ceil(CLUSTER_PAGE);
    let meta = json!({
        "docs": n,
        "listChunk": LIST_CHUNK,
        "docChunk": DOC_CHUNK,
        "clusterPage": CLUSTER_PAGE,
        "clusters": clusters.len(),
        "clusterPages": pages,
        "statuses": STATUSES,
        "reasons": reasons,
        "sites": sites,
        "languages": languages,
        "encodings": encodings,
    });
    let mut count = (0usize, 0u64);
    let mut add = |r: std::result::Result<u64, Render>| -> std::result::Result<(), Render> {
        count.0 += 1;
        count.1 += r?;
        Ok(())
    };
    add(files.write(
        MARKER,
        b"A report docsift wrote; `docsift report` replaces this folder.\n",
    ))?;
    add(files.write("report.css", CSS.as_bytes()))?;
    add(files.write("report.js", JS.as_bytes()))?;
    add(files.write(
        "data/meta.js",
        format!("DOCSIFT.meta({});\n", js(&meta)).as_bytes(),
    ))?;
    add(files.write("index.html", overview.html(&log.facts).as_bytes()))?;
    add(files.write("clusters.html", clusters_page().as_bytes()))?;
    add(files.write("documents.html", documents_page().as_bytes()))?;

    // The list, in chunks.
    for (k, chunk) in rows.chunks(LIST_CHUNK).enumerate() {
        let mut s = format!("DOCSIFT.list({k},[\n");
        for (j, r) in chunk.iter().enumerate() {
            let i = k * LIST_CHUNK + j;
            let mask: u32 = reasons
                .iter()
                .enumerate()
                .filter(|(_, name)| r.removed.get(**name).is_some_and(|&c| c > 0))
                .map(|(b, _)| 1 << b)
                .sum();
            let dup_of = r
                .duplicate_of
                .as_deref()
                .and_then(|d| index_of.get(d))
                .map_or(-1, |&d| d as i64);
            let row = json!([
                r.source,
                STATUSES
                    .iter()
                    .position(|s| *s == r.status)
                    .map_or(-1, |k| k as i64),
                code(&sites, Some(&sites_of[i])),
                code(&languages, r.language.as_deref()),
                code(&encodings, r.encoding.as_deref()),
                mask,
                r.lines_removed,
                r.bytes_in,
                r.bytes_out,
                r.title,
                r.error,
                dup_of,
                r.similarity,
                cluster_of[i],
                r.malformed,
            ]);
            s.push_str(&js(&row));
            s.push_str(",\n");
        }
        s.push_str("]);\n");
        add(files.write(&format!("data/list-{k}.js"), s.as_bytes()))?;
    }

    // Each document's lines, checked against the manifest, in parallel chunks.
    let chunks: Vec<std::result::Result<u64, Render>> = (0..n.div_ceil(DOC_CHUNK))
        .into_par_iter()
        .map(|k| {
            let mut s = b"[\n".to_vec();
            let from = k * DOC_CHUNK;
            let io = |e| Render::Io(PathBuf::from(linelog::FILE), e);
            let docs = log
                .json_range(from, (from + DOC_CHUNK).min(n))
                .map_err(io)?;
            for (i, doc) in (from..).zip(docs) {
                if i > from {
                    s.extend_from_slice(b",\n");
                }
                match doc {
                    None if rows[i].status != "error" => return Err(Render::Stale),
                    None => s.extend_from_slice(b"null"),
                    Some(json) => {
                        check_body(&rows[i], &json)?;
                        s.extend_from_slice(&json);
                    }
                }
            }
            s.extend_from_slice(b"]\n");
            let data = format!("DOCSIFT.docs({k},\"{}\");\n", gzip_base64(&s));
            files.write(&format!("data/doc-{k}.js"), data.as_bytes())
        })
        .collect();
    for c in chunks {
        add(c)?;
    }

    // Clusters, a page at a time, with the diffs of near duplicates.
    let pages: Vec<std::result::Result<u64, Render>> = clusters
        .par_chunks(CLUSTER_PAGE)
        .enumerate()
        .map(|(k, page)| {
            let body = |i: usize| -> std::result::Result<Option<String>, Render> {
                let io = |e| Render::Io(PathBuf::from(linelog::FILE), e);
                Ok(log.get(i).map_err(io)?.map(|d| d.body()))
            };
            let mut s = format!("DOCSIFT.clusters({k},[\n");
            for c in page {
                let canonical = body(c.canonical)?.unwrap_or_default();
                let members: Vec<Value> = c
                    .members
                    .iter()
                    .map(|&m| {
                        let r = &rows[m];
                        let (diff, left_out) = if r.status == "near_duplicate" {
                            clusters::diff_json(&canonical, &body(m)?.unwrap_or_default())
                        } else {
                            (Value::Null, 0)
                        };
                        Ok(json!({
                            "i": m,
                            "n": r.source,
                            "t": r.title,
                            "st": r.status,
                            "s": r.similarity,
                            "diff": diff,
                            "more": left_out,
                        }))
                    })
                    .collect::<std::result::Result<_, Render>>()?;
                let r = &rows[c.canonical];
                let v = json!({"c": c.canonical, "n": r.source, "t": r.title, "m": members});
                s.push_str(&js(&v));
                s.push_str(",\n");
            }
            s.push_str("]);\n");
            files.write(&format!("data/clusters-{k}.js"), s.as_bytes())
        })
        .collect();
    for p in pages {
        add(p)?;
    }
    Ok(count)
}

/// Documents' lines are most of a report (the whole corpus's text): their data files
/// hold them gzipped, in base64 since a script holds text, about a third of the
/// JSON's size; the page undoes it with the browser's own `DecompressionStream`.
fn gzip_base64(data: &[u8]) -> String {
    use base64::Engine as _;
    use std::io::Write as _;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    let zipped = gz.write_all(data).and_then(|()| gz.finish());
    // Writing into memory cannot fail.
    let zipped = zipped.expect("gzip into memory");
    base64::engine::general_purpose::STANDARD.encode(zipped)
}

/// A document's decisions must give the body the manifest hashed.
fn check_body(row: &Row, json: &[u8]) -> std::result::Result<(), Render> {
    let Some(sha) = &row.sha256 else {
        return Ok(());
    };
    let lines: linelog::DocLines = serde_json::from_slice(json).map_err(|_| Render::Stale)?;
    let got = hex(&Sha256::digest(lines.body().as_bytes()));
    if &got == sha {
        Ok(())
    } else {
        Err(Render::Stale)
    }
}

fn clusters_page() -> String {
    let body = "<h1>Duplicate clusters</h1>\n\
        <p class=\"note\">Each canonical document with the documents found to be its \
        duplicates, their similarity, and for near duplicates a side-by-side diff of the \
        clean bodies (canonical on the left), changed words marked.</p>\n\
        <div id=\"app\" data-page=\"clusters\"><p class=\"loading\">Loading…</p></div>\n";
    html::page(
        "clusters.html",
        "Clusters",
        body,
        &["report.js", "data/meta.js"],
    )
}

fn documents_page() -> String {
    let mut b = String::new();
    b.push_str("<h1>Documents</h1>\n<form id=\"filters\" autocomplete=\"off\">\n");
    let _ = write!(
        b,
        "<input type=\"search\" id=\"q\" placeholder=\"Search source or title\" aria-label=\"Search source or title\">\n\
         <select id=\"f-status\" aria-label=\"status\"><option value=\"\">any status</option></select>\n\
         <select id=\"f-reason\" aria-label=\"reason\"><option value=\"\">any removal reason</option></select>\n\
         <select id=\"f-site\" aria-label=\"site\"><option value=\"\">any site</option></select>\n\
         <select id=\"f-lang\" aria-label=\"language\"><option value=\"\">any language</option></select>\n\
         <span id=\"matches\" aria-live=\"polite\"></span>\n</form>\n"
    );
    b.push_str(
        "<div id=\"app\" data-page=\"documents\"><p class=\"loading\">Loading…</p></div>\n\
         <section id=\"detail\" hidden></section>\n",
    );
    html::page(
        "documents.html",
        "Documents",
        &b,
        &["report.js", "data/meta.js"],
    )
}
