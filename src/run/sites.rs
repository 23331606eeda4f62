//! Cleaning scheduled by site: small sites in one parallel pass; each site with
//! boilerplate to learn cleaned in parallel, learned (serially, beside the cleaning
//! of the next site), then its boilerplate removed as its documents are spooled.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::{Interrupted, Run, Staged};
use crate::dedup::BodyId;
use crate::error::DocError;
use crate::escape::terminal_str;
use crate::interrupt;
use crate::limits::{Counts, Limit};
use crate::output::atomic::Staging;
use crate::pipeline::{self, Processed};
use crate::site::{self, boilerplate};
use crate::ui::progress::Phase;

/// A site's document between cleaning and boilerplate removal: its number, the
/// cleaned document (`None` when the site is too large to keep its documents, in
/// number or bytes, see [`crate::config::SITE_CACHE_BYTES`]: it is cleaned again
/// then), its learning sample, and its body's identity with its spooled short
/// shingle set (empty when the run spools none).
type SiteDoc = (
    usize,
    Option<std::result::Result<Processed, (DocError, u64)>>,
    Option<boilerplate::Sample>,
    Option<(BodyId, Vec<u8>)>,
);

impl Run<'_> {
    pub(super) fn clean_small(
        &self,
        indices: &[usize],
        staging: &Staging,
        phase: &Phase,
        done: &AtomicUsize,
        staged: &mut [Option<Staged>],
    ) -> std::result::Result<(), Interrupted> {
        let results: Vec<Option<(usize, Staged)>> = indices
            .par_iter()
            .map(|&i| {
                if interrupt::is_set() {
                    return None;
                }
                let s = match self.load(i) {
                    Ok(p) => self.stage(i, &p, None, staging),
                    Err((e, size)) => self.failed(i, e, size),
                };
                done.fetch_add(1, Ordering::Relaxed);
                phase.inc(1);
                Some((i, s))
            })
            .collect();
        for r in results {
            let (i, s) = r.ok_or_else(|| Interrupted(done.load(Ordering::Relaxed)))?;
            staged[i] = Some(s);
        }
        Ok(())
    }

    /// The sites with boilerplate, one after another: each site's documents are
    /// cleaned (in parallel), its boilerplate learned from them, then removed from them
    /// (in parallel) as they are spooled. Learning is serial, so it runs beside the
    /// cleaning of the next site rather than leave the other cores idle.
    pub(super) fn clean_sites(
        &self,
        sites: &[Vec<usize>],
        staging: &Staging,
        phase: &Phase,
        done: &AtomicUsize,
        staged: &mut [Option<Staged>],
    ) -> std::result::Result<(), Interrupted> {
        let mut pending: Option<(&[usize], Vec<SiteDoc>)> = None;
        for next in sites.iter().map(|s| Some(&s[..])).chain([None]) {
            let (cleaned, finished) = rayon::join(
                || next.map(|site| self.clean_site_docs(site, done)),
                || match pending.take() {
                    Some((site, cleaned)) => {
                        self.finish_site(site, cleaned, staging, phase, done, staged)
                    }
                    None => Ok(()),
                },
            );
            finished?;
            pending = match (next, cleaned) {
                (Some(site), Some(cleaned)) => Some((site, cleaned?)),
                _ => None,
            };
        }
        Ok(())
    }

    /// Cleans one site's documents, keeping learning samples (and, for a site that
    /// fits, the documents with their bodies' identities).
    fn clean_site_docs(
        &self,
        site: &[usize],
        done: &AtomicUsize,
    ) -> std::result::Result<Vec<SiteDoc>, Interrupted> {
        let cache = site.len() <= self.cfg.knobs.site_cache;
        // Documents are kept while the site's kept bytes stay within the budget.
        let kept_bytes = std::sync::atomic::AtomicU64::new(0);
        if site.len() > boilerplate::SAMPLE {
            let mut c = Counts::default();
            c.hit(Limit::BoilerplateSample, 1);
            self.limits.add(&c);
        }
        let cleaned: Vec<Option<SiteDoc>> = site
            .par_iter()
            .enumerate()
            .map(|(k, &i)| {
                if interrupt::is_set() {
                    return None;
                }
                let c = self.load(i);
                self.progress.inc(1);
                let keep = cache
                    && match &c {
                        Ok(p) => {
                            kept_bytes.fetch_add(p.bytes_in, Ordering::Relaxed) + p.bytes_in
                                <= crate::config::SITE_CACHE_BYTES
                        }
                        Err(_) => true,
                    };
                let (sample, id) = match &c {
                    Ok(p) if keep || k < boilerplate::SAMPLE => {
                        let mut short = Vec::new();
                        let spooling = self.sets.is_some().then_some(&mut short);
                        let id = pipeline::identity(p, &self.pipeline, spooling);
                        let sample = (k < boilerplate::SAMPLE).then(|| {
                            boilerplate::Sample::new(
                                &p.cleaned.doc,
                                &p.cleaned.features,
                                id.sha,
                                id.shingles,
                                id.signature.clone(),
                            )
                        });
                        (sample, Some((id, short)))
                    }
                    _ => (None, None),
                };
                Some((i, keep.then_some(c), sample, id))
            })
            .collect();
        cleaned
            .into_iter()
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| Interrupted(done.load(Ordering::Relaxed)))
    }

    /// Learns one site's boilerplate from its cleaned documents, removes it from them
    /// (cleaning them again first if the site was too large to keep) and spools them.
    fn finish_site(
        &self,
        site: &[usize],
        mut cleaned: Vec<SiteDoc>,
        staging: &Staging,
        phase: &Phase,
        done: &AtomicUsize,
        staged: &mut [Option<Staged>],
    ) -> std::result::Result<(), Interrupted> {
        let share = self.cfg.boilerplate.unwrap_or(1.0);
        let samples: Vec<boilerplate::Sample> =
            cleaned.iter_mut().filter_map(|d| d.2.take()).collect();
        let name = terminal_str(self.sources[site[0]].meta.site.as_str());
        phase.set_message(format!(
            "learning boilerplate: {name} ({} captures)",
            site.len()
        ));
        let lines = site::learn(&samples, share);
        drop(samples);
        phase.set_message(format!("removing boilerplate: {name}"));
        let results: Vec<Option<(usize, Staged)>> = cleaned
            .into_par_iter()
            .map(|(i, c, _, known)| {
                if interrupt::is_set() {
                    return None;
                }
                let kept = c.is_some();
                let c = c.unwrap_or_else(|| self.load(i));
                let s = match c {
                    Ok(mut p) => {
                        let removed = site::apply(&mut p.cleaned, &lines);
                        // The learning pass already hashed this body; reuse it unless
                        // boilerplate removal changed it.
                        let known = known.filter(|_| kept && removed == 0);
                        self.stage(i, &p, known, staging)
                    }
                    Err((e, size)) => self.failed(i, e, size),
                };
                done.fetch_add(1, Ordering::Relaxed);
                Some((i, s))
            })
            .collect();
        phase.set_message("");
        for r in results {
            let (i, s) = r.ok_or_else(|| Interrupted(done.load(Ordering::Relaxed)))?;
            staged[i] = Some(s);
        }
        Ok(())
    }
}
