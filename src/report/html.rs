//! The HTML the report's pages share: escaping, the page frame, and the bar chart.
//!
//! Hand-written rather than a template engine: the report has three small static
//! pages whose dynamic parts are built in the browser from data files, and the only
//! things Rust writes into HTML are numbers and names, always through [`esc`]. A
//! capture's text is hostile input; it reaches the pages as JSON data and is put
//! into the page with `textContent`, never as markup.

use std::fmt::Write as _;

/// Text made safe for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The pages, as the navigation names them.
pub const PAGES: [(&str, &str); 3] = [
    ("index.html", "Overview"),
    ("clusters.html", "Clusters"),
    ("documents.html", "Documents"),
];

/// A whole page: head (the shared stylesheet, a strict content security policy that
/// allows nothing from outside the folder), the navigation with `current` marked,
/// `body`, and the scripts (paths relative to the report folder).
pub fn page(current: &str, title: &str, body: &str, scripts: &[&str]) -> String {
    let mut s = String::with_capacity(body.len() + 2048);
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         script-src 'self'; style-src 'self'; img-src 'self' data:\">\n",
    );
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    s.push_str("<meta name=\"generator\" content=\"docsift report\">\n");
    let _ = writeln!(s, "<title>{} · docsift report</title>", esc(title));
    s.push_str("<link rel=\"stylesheet\" href=\"report.css\">\n</head>\n<body>\n");
    s.push_str("<header><span class=\"brand\">docsift report</span><nav>");
    for (href, name) in PAGES {
        let cls = if href == current {
            " class=\"current\" aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(s, "<a href=\"{href}\"{cls}>{name}</a>");
    }
    s.push_str("</nav></header>\n<main>\n");
    s.push_str(body);
    s.push_str("</main>\n");
    for src in scripts {
        let _ = writeln!(s, "<script src=\"{}\"></script>", esc(src));
    }
    s.push_str("</body>\n</html>\n");
    s
}

/// A horizontal bar chart as inline SVG: one bar per `(label, value)`, scaled to the
/// largest, with the label on the left and the value at the bar's end. `id` names
/// the chart for tests and links.
pub fn bar_chart(id: &str, title: &str, bars: &[(String, u64)]) -> String {
    const ROW: u32 = 26;
    const LABEL: u32 = 150;
    const WIDTH: u32 = 640;
    let max = bars.iter().map(|b| b.1).max().unwrap_or(0).max(1);
    let height = ROW * bars.len() as u32 + 8;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg id=\"{}\" class=\"chart\" role=\"img\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"{WIDTH}\" height=\"{height}\">\
         <title>{}</title>",
        esc(id),
        esc(title)
    );
    let span = (WIDTH - LABEL - 90) as f64;
    for (k, (label, value)) in bars.iter().enumerate() {
        let y = ROW * k as u32 + 4;
        let w = (*value as f64 / max as f64 * span).round() as u32;
        let _ = write!(
            s,
            "<g class=\"bar\" data-label=\"{l}\" data-value=\"{value}\">\
             <text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\">{l}</text>\
             <rect x=\"{LABEL}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"2\"></rect>\
             <text x=\"{vx}\" y=\"{ty}\">{v}</text></g>",
            l = esc(label),
            tx = LABEL - 8,
            ty = y + 14,
            h = ROW - 8,
            vx = LABEL + w + 6,
            v = thousands(*value),
        );
    }
    s.push_str("</svg>");
    s
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_become_markup() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        let chart = bar_chart("c", "t", &[("<b>".into(), 3), ("b".into(), 0)]);
        assert!(chart.contains("&lt;b&gt;") && !chart.contains("<b>"));
        assert_eq!(chart.matches("<rect").count(), 2);
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
