//! The overview page (`index.html`): the run at a glance, written as static HTML so
//! it shows before any data file loads: inputs by status, bytes in and out, lines
//! removed by reason (a chart), languages, encodings, sites, errors, and the limits
//! that bit.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::document::Reason;
use crate::output::summary::human_bytes;
use crate::report::html::{bar_chart, esc, page, thousands};
use crate::report::linelog::RunFacts;
use crate::report::rows::Row;

/// The statuses, in the order the report lists them.
pub const STATUSES: [&str; 5] = ["canonical", "duplicate", "near_duplicate", "empty", "error"];

/// Errors listed on the overview; the rest are one filter away on the documents page.
const ERRORS_SHOWN: usize = 50;
/// Sites listed on the overview (the largest first).
const SITES_SHOWN: usize = 30;

/// Counts over the manifest's rows.
#[derive(Debug, Default)]
pub struct Overview {
    pub inputs: usize,
    pub by_status: [usize; STATUSES.len()],
    pub bytes_in: u64,
    /// Clean bytes of the canonical documents (what the run wrote, headers aside).
    pub bytes_out: u64,
    /// Clean bytes of duplicates, not written.
    pub bytes_duplicate: u64,
    pub clusters: usize,
    pub removed: BTreeMap<String, u64>,
    pub languages: BTreeMap<String, usize>,
    /// Encoding → (documents, documents with malformed bytes).
    pub encodings: BTreeMap<String, (usize, usize)>,
    /// Site → (documents, duplicates, lines removed).
    pub sites: BTreeMap<String, (usize, usize, u64)>,
    pub errors: Vec<(usize, String, String)>,
}

impl Overview {
    pub fn of(rows: &[Row]) -> Self {
        let mut o = Overview {
            inputs: rows.len(),
            ..Default::default()
        };
        let mut canonicals = std::collections::BTreeSet::new();
        for (i, r) in rows.iter().enumerate() {
            if let Some(k) = STATUSES.iter().position(|s| *s == r.status) {
                o.by_status[k] += 1;
            }
            o.bytes_in += r.bytes_in.unwrap_or(0);
            let dup = r.duplicate_of.is_some();
            match r.status.as_str() {
                "canonical" => o.bytes_out += r.bytes_out.unwrap_or(0),
                _ if dup => o.bytes_duplicate += r.bytes_out.unwrap_or(0),
                _ => {}
            }
            if let Some(c) = &r.duplicate_of {
                canonicals.insert(c.as_str());
            }
            for (reason, n) in &r.removed {
                *o.removed.entry(reason.clone()).or_default() += n;
            }
            if r.status != "error" {
                let lang = r.language.clone().unwrap_or_else(|| "unknown".into());
                *o.languages.entry(lang).or_default() += 1;
            }
            if let Some(enc) = &r.encoding {
                let e = o.encodings.entry(enc.clone()).or_default();
                e.0 += 1;
                e.1 += usize::from(r.malformed > 0);
            }
            let site = o.sites.entry(r.site()).or_default();
            site.0 += 1;
            site.1 += usize::from(dup);
            site.2 += r.lines_removed.unwrap_or(0);
            if let Some(e) = &r.error {
                o.errors.push((i, r.source.clone(), e.clone()));
            }
        }
        o.clusters = canonicals.len();
        o
    }

    /// Every reason with its count (zero included), in the order summaries use.
    pub fn reasons(&self) -> Vec<(String, u64)> {
        Reason::ALL
            .iter()
            .filter(|r| **r != Reason::Blank)
            .map(|r| {
                let name = r.name();
                (
                    name.to_owned(),
                    self.removed.get(name).copied().unwrap_or(0),
                )
            })
            .collect()
    }

    /// The page.
    pub fn html(&self, facts: &RunFacts) -> String {
        let mut b = String::new();
        let dups = self.by_status[1] + self.by_status[2];
        b.push_str("<h1>Overview</h1>\n<section class=\"cards\" id=\"counts\">\n");
        let card = |b: &mut String, id: &str, value: String, label: &str| {
            let _ = writeln!(
                b,
                "<div class=\"card\" id=\"{id}\"><b>{value}</b><span>{label}</span></div>"
            );
        };
        card(&mut b, "n-inputs", thousands(self.inputs as u64), "inputs");
        card(
            &mut b,
            "n-canonical",
            thousands(self.by_status[0] as u64),
            "documents written",
        );
        card(
            &mut b,
            "n-duplicates",
            thousands(dups as u64),
            &format!(
                "duplicates ({} exact, {} near) in {} cluster{}",
                thousands(self.by_status[1] as u64),
                thousands(self.by_status[2] as u64),
                thousands(self.clusters as u64),
                if self.clusters == 1 { "" } else { "s" }
            ),
        );
        card(
            &mut b,
            "n-empty",
            thousands(self.by_status[3] as u64),
            "empty",
        );
        card(
            &mut b,
            "n-errors",
            thousands(self.by_status[4] as u64),
            "errors",
        );
        card(
            &mut b,
            "bytes",
            format!(
                "{} → {}",
                human_bytes(self.bytes_in),
                human_bytes(self.bytes_out)
            ),
            &format!(
                "in → clean text written ({} more in duplicates, not written)",
                human_bytes(self.bytes_duplicate)
            ),
        );
        b.push_str("</section>\n");

        b.push_str("<section><h2>Inputs by status</h2>\n<table id=\"statuses\"><thead><tr><th>status</th><th class=\"num\">inputs</th></tr></thead><tbody>\n");
        for (k, s) in STATUSES.iter().enumerate() {
            let _ = writeln!(
                b,
                "<tr data-status=\"{s}\"><td><a href=\"documents.html#status={s}\">{s}</a></td><td class=\"num\">{}</td></tr>",
                thousands(self.by_status[k] as u64)
            );
        }
        b.push_str("</tbody></table></section>\n");

        let reasons = self.reasons();
        let total: u64 = reasons.iter().map(|r| r.1).sum();
        let _ = writeln!(
            b,
            "<section><h2>Lines removed by reason <small>({} lines)</small></h2>",
            thousands(total)
        );
        b.push_str(&bar_chart(
            "reasons-chart",
            "Lines removed by reason",
            &reasons,
        ));
        b.push_str("\n<p class=\"note\">Blank lines left doubled by other removals are tidied too and not counted. Open a reason on the <a href=\"documents.html\">documents</a> page to see its lines.</p></section>\n");

        let table =
            |b: &mut String, id: &str, title: &str, head: &[&str], rows: Vec<Vec<String>>| {
                let _ = write!(
                    b,
                    "<section class=\"half\"><h2>{title}</h2><table id=\"{id}\"><thead><tr>"
                );
                for (k, h) in head.iter().enumerate() {
                    let cls = if k > 0 { " class=\"num\"" } else { "" };
                    let _ = write!(b, "<th{cls}>{h}</th>");
                }
                b.push_str("</tr></thead><tbody>\n");
                for r in rows {
                    b.push_str("<tr>");
                    for (k, c) in r.iter().enumerate() {
                        let cls = if k > 0 { " class=\"num\"" } else { "" };
                        let _ = write!(b, "<td{cls}>{c}</td>");
                    }
                    b.push_str("</tr>\n");
                }
                b.push_str("</tbody></table></section>\n");
            };
        b.push_str("<div class=\"columns\">\n");
        let mut langs: Vec<(&String, &usize)> = self.languages.iter().collect();
        langs.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        table(
            &mut b,
            "languages",
            "Languages",
            &["language", "documents"],
            langs
                .into_iter()
                .map(|(l, n)| {
                    vec![
                        format!(
                            "<a href=\"documents.html#lang={}\">{}</a>",
                            esc(&url_component(l)),
                            esc(l)
                        ),
                        thousands(*n as u64),
                    ]
                })
                .collect(),
        );
        let mut encs: Vec<(&String, &(usize, usize))> = self.encodings.iter().collect();
        encs.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
        table(
            &mut b,
            "encodings",
            "Encodings",
            &["encoding", "documents", "with malformed bytes"],
            encs.into_iter()
                .map(|(e, (n, m))| vec![esc(e), thousands(*n as u64), thousands(*m as u64)])
                .collect(),
        );
        b.push_str("</div>\n");

        let mut sites: Vec<(&String, &(usize, usize, u64))> = self.sites.iter().collect();
        sites.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
        let more = sites.len().saturating_sub(SITES_SHOWN);
        let _ = writeln!(
            b,
            "<section><h2>Sites <small>({} sites)</small></h2>",
            thousands(self.sites.len() as u64)
        );
        b.push_str("<table id=\"sites\"><thead><tr><th>site</th><th class=\"num\">documents</th><th class=\"num\">duplicates</th><th class=\"num\">lines removed</th></tr></thead><tbody>\n");
        for (site, (n, d, l)) in sites.into_iter().take(SITES_SHOWN) {
            let _ = writeln!(
                b,
                "<tr><td><a href=\"documents.html#site={}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&url_component(site)),
                esc(site),
                thousands(*n as u64),
                thousands(*d as u64),
                thousands(*l)
            );
        }
        b.push_str("</tbody></table>");
        if more > 0 {
            let _ = write!(
                b,
                "<p class=\"note\">… and {} more sites, each with fewer documents; the documents page filters by any site.</p>",
                thousands(more as u64)
            );
        }
        b.push_str("</section>\n");

        let _ = writeln!(
            b,
            "<section><h2>Errors <small>({})</small></h2>",
            thousands(self.errors.len() as u64)
        );
        if self.errors.is_empty() {
            b.push_str("<p id=\"errors\" class=\"note\">Every input became a document.</p>");
        } else {
            b.push_str("<table id=\"errors\"><thead><tr><th>source</th><th>error</th></tr></thead><tbody>\n");
            for (i, source, e) in self.errors.iter().take(ERRORS_SHOWN) {
                let _ = writeln!(
                    b,
                    "<tr><td><a href=\"documents.html#doc={i}\">{}</a></td><td>{}</td></tr>",
                    esc(source),
                    esc(e)
                );
            }
            b.push_str("</tbody></table>");
            if self.errors.len() > ERRORS_SHOWN {
                let _ = write!(
                    b,
                    "<p class=\"note\">… and {} more: <a href=\"documents.html#status=error\">all errors</a>.</p>",
                    thousands((self.errors.len() - ERRORS_SHOWN) as u64)
                );
            }
        }
        b.push_str("</section>\n");

        b.push_str("<section><h2>Limits that bit</h2>\n");
        if facts.limits.is_empty() {
            b.push_str("<p id=\"limits\" class=\"note\">None: no bound on the work per document or per site was reached.</p>");
        } else {
            b.push_str("<table id=\"limits\"><thead><tr><th>limit</th><th class=\"num\">times</th></tr></thead><tbody>\n");
            for (what, n) in &facts.limits {
                let _ = writeln!(
                    b,
                    "<tr><td>{}</td><td class=\"num\">{}</td></tr>",
                    esc(what),
                    thousands(*n)
                );
            }
            b.push_str("</tbody></table>");
        }
        b.push_str("</section>\n");
        let _ = writeln!(
            b,
            "<footer>Made by docsift {} from <code>manifest.jsonl</code> and the run's line log.</footer>",
            esc(&facts.docsift_version)
        );
        page("index.html", "Overview", &b, &["report.js"])
    }
}

/// A value for a `#key=value` link: `%`, `&`, `#`, `=` and spaces percent-encoded
/// (the pages decode it with `decodeURIComponent`).
pub fn url_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' | '&' | '#' | '=' | ' ' | '"' | '<' | '>' | '?' => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    let _ = write!(out, "%{b:02X}");
                }
            }
            c => out.push(c),
        }
    }
    out
}
