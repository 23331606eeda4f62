//! Site boilerplate in one place: which site a document belongs to ([`key`]),
//! learning a site's recurring lines from its captures ([`boilerplate`]), removing
//! them ([`apply`]), and grouping a run's documents by site ([`plan`]).

pub mod boilerplate;
pub mod key;

pub use boilerplate::{learn, Sample, SiteLines};
pub use key::SiteKey;

use crate::document::Site;
use crate::stage::Cleaned;

/// Removes the site's boilerplate from a cleaned document. Returns how many lines
/// it removed.
///
/// When the title's line is among them, the document keeps its title (header and
/// manifest) and only the body loses the line: a page's headline recurs on the
/// site's other pages as an entry of their headline lists ("Recent posts",
/// "Related"), which makes it site boilerplate, yet it is still this page's title.
pub fn apply(cleaned: &mut Cleaned, site: &SiteLines) -> usize {
    let removed = boilerplate::remove(&mut cleaned.doc, &cleaned.features, site);
    let doc = &mut cleaned.doc;
    if removed > 0 {
        doc.tidy_blank_lines();
        if doc.title_line.is_some_and(|t| !doc.is_kept(t)) {
            doc.title_line = None;
        }
    }
    removed
}

/// What learning takes from one cleaned capture, computed as `clean` computes it
/// (for `explain`, which learns a site's boilerplate the same way).
pub fn sample(cleaned: &Cleaned, minhash: &crate::dedup::MinHasher) -> Sample {
    let (doc, features) = (&cleaned.doc, &cleaned.features);
    let id = crate::dedup::BodyId::of(doc, features, &doc.body(), minhash);
    Sample::new(doc, features, id.sha, id.shingles, id.signature)
}

/// A run's documents grouped for boilerplate learning: those in sites too small to
/// learn from (in document order), and every other site's documents, site by site
/// (sites in order, documents in document order). `sites[i]` is document `i`'s
/// site; `learn` is false with `--no-boilerplate` (every document is then "small").
pub fn plan<'a>(
    sites: impl Iterator<Item = &'a Site>,
    learn: bool,
) -> (Vec<usize>, Vec<Vec<usize>>) {
    let mut by_site: std::collections::BTreeMap<&Site, Vec<usize>> = Default::default();
    for (i, s) in sites.enumerate() {
        by_site.entry(s).or_default().push(i);
    }
    let mut small = Vec::new();
    let mut groups = Vec::new();
    for (_, members) in by_site {
        if learn && members.len() > boilerplate::MIN_CLUSTERS {
            groups.push(members);
        } else {
            small.extend(members);
        }
    }
    small.sort_unstable();
    (small, groups)
}
