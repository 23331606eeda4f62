//! Function words ("the", "и", "der", ...): the cheapest reliable sign that a line is
//! running prose rather than a menu item, a headline or a tag cloud (jusText's
//! stopword density). A few dozen of the most frequent words per language suffice;
//! a line of prose has a fifth to a half of its words in such a list, chrome almost
//! none. Lists are per language so the language guess can use them too.

use std::sync::OnceLock;

/// (ISO 639-1 code, space-separated function words). At most 15 lists (a bit set in
/// a `u16` names the languages of a word; the top bit is `features::CONTENT`).
pub const LISTS: &[(&str, &str)] = &[
    ("en", "a about after all also an and any are as at be because been before but by can could did do does for from had has have he her his how i if in into is it its just may more most my no not now of on one only or other our out over she should so some such than that the their them then there these they this those through to too under up us very was we were what when where which while who why will with would you your"),
    ("pt", "a ao aos as até com como da das de dela dele do dos e ela ele eles em entre era essa esse esta este eu foi foram há isso já lhe mais mas me mesmo muito na nas nem no nos não o os ou para pela pelo por porque quando que se sem ser seu sua são também tem um uma à às é"),
    ("es", "a al algo como con cuando de del desde donde el ella en entre era es esa ese esta este fue ha hay la las le lo los más me mi muy no nos o para pero por porque que se sin sobre su sus también un una y ya él"),
    ("fr", "a au aux avec ce ces cette comme dans de des du elle en est et il ils je la le les leur lui mais me même ne nous on ou par pas plus pour qu que qui sa se ses son sont sur un une vous à été être"),
    ("de", "aber als am an auch auf aus bei bis das dass dem den der des die dies doch du durch ein eine einem einen einer es für hat hatte ich ihr im in ist ja kann mit nach nicht noch nur oder sich sie sind so um und uns von vor war wie wir wird zu zum zur über"),
    ("it", "a ad al alla anche che chi ci come con da dal dalla degli dei del della di e era gli ha hanno i il in la le lo ma mi nel nella non o per più quando questo se si sono su sua suo tra un una è"),
    ("nl", "aan als bij dat de den der die dit door een en er had heeft het hij hoe ik in is je maar met naar niet nog of om ook op over te tot uit van voor was wat we zij zijn"),
    ("ru", "а без бы был была были было в вы да для до его ее её если есть еще ещё же за и из или им их к как когда который которые ли мы на над не него нет но о об он она они от по при с со так также то только у уже что это я"),
    ("uk", "а але в від до для же з за й і на не по та також так то у що це як"),
    ("pl", "a aby ale bo by był była być co czy dla do go i ich jak jako jego jej jest już ma mi na nie o od po przez się są tak także to tylko w we z za że"),
    ("sv", "att av de den det en ett för har i inte jag med men och om på som till var är"),
    ("tr", "bir bu da de daha değil gibi için ile ise kadar ki mi ne olan olarak sonra ve veya ya"),
    ("id", "ada akan dalam dan dari dengan di ini itu juga ke untuk yang"),
    ("ro", "a ai al ale cu că de din după este fi fost în la mai nu o pe pentru prin sau se și un una"),
    ("cs", "a aby ale ani by byl být do i jak je jeho jsou k na nebo od po pro při s se si také to v ve z za že"),
];

/// Function words are looked up for every token of every capture, so the table is
/// keyed by the token hash the tokenizer computes anyway ([`crate::tokens`]): one
/// probe of an open-addressing table per token, no string handling.
///
/// Most tokens are content words, which the table does not hold, and its 32 KiB of
/// keys are probed at random: the probe missed the cache often enough to be a fifth of
/// the features pass. A bit set of 16,384 bits (2 KiB, indexed by the hash's top bits)
/// answers "not a function word" for nearly all of them without touching the table.
/// It has a bit for every word the table holds, so the answer is always the table's.
pub struct Table {
    keys: Vec<u64>,
    langs: Vec<u16>,
    mask: usize,
    filter: Box<[u64; FILTER_WORDS]>,
}

/// Words of the bit set in front of the table (see [`Table`]).
const FILTER_WORDS: usize = 256;

/// The bit of the filter that stands for `key`: its top 14 bits (the table's slot is
/// its low bits, so the two are independent).
#[inline(always)]
fn filter_bit(key: u64) -> (usize, u64) {
    let bit = (key >> 50) as usize;
    (bit / 64, 1u64 << (bit % 64))
}

impl Table {
    fn build() -> Self {
        let size = 4096;
        let mut t = Table {
            keys: vec![0; size],
            langs: vec![0; size],
            mask: size - 1,
            filter: Box::new([0; FILTER_WORDS]),
        };
        for (i, (_, words)) in LISTS.iter().enumerate() {
            for w in words.split_whitespace() {
                let key = crate::tokens::word_hash(w);
                let mut j = (key as usize) & t.mask;
                while t.keys[j] != 0 && t.keys[j] != key {
                    j = (j + 1) & t.mask;
                }
                t.keys[j] = key;
                t.langs[j] |= 1 << i;
                let (word, bit) = filter_bit(key);
                t.filter[word] |= bit;
            }
        }
        t
    }

    /// The languages `key` (a token hash) is a function word in; 0 if none.
    #[inline]
    pub fn get(&self, key: u64) -> u16 {
        let (word, bit) = filter_bit(key);
        if self.filter[word] & bit == 0 {
            return 0;
        }
        let mut j = (key as usize) & self.mask;
        loop {
            let k = self.keys[j];
            if k == key {
                return self.langs[j];
            }
            if k == 0 {
                return 0;
            }
            j = (j + 1) & self.mask;
        }
    }
}

/// The function-word table (built on first use); hold it across a document's tokens
/// rather than call [`languages_of_hash`] for each.
pub fn table() -> &'static Table {
    static T: OnceLock<Table> = OnceLock::new();
    T.get_or_init(Table::build)
}

/// The language codes of the lists, in bit order.
pub fn codes() -> impl Iterator<Item = &'static str> {
    LISTS.iter().map(|(code, _)| *code)
}

/// Bit set of the languages (indexes into [`LISTS`]) for which `word` (lower case) is
/// a function word; 0 if none.
pub fn languages_of(word: &str) -> u16 {
    languages_of_hash(crate::tokens::word_hash(word))
}

/// [`languages_of`] for a token hash.
#[inline]
pub fn languages_of_hash(hash: u64) -> u16 {
    table().get(hash)
}

/// True when `word` (lower case) is a function word in any language.
pub fn is_stopword(word: &str) -> bool {
    languages_of(word) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        assert!(is_stopword("the"));
        assert!(is_stopword("и"));
        assert!(is_stopword("über"));
        assert!(!is_stopword("harbour"));
        assert!(!is_stopword(""));
        assert!(!is_stopword("internationalization"));
        let en = codes().position(|c| c == "en").unwrap();
        assert_ne!(languages_of("the") & (1 << en), 0);
        assert!(LISTS.len() <= 15);
    }

    /// The table probed without its bit set in front.
    fn probe(t: &Table, key: u64) -> u16 {
        let mut j = (key as usize) & t.mask;
        while t.keys[j] != 0 && t.keys[j] != key {
            j = (j + 1) & t.mask;
        }
        if t.keys[j] == key {
            t.langs[j]
        } else {
            0
        }
    }

    #[test]
    fn the_filter_never_changes_an_answer() {
        let t = table();
        for (_, words) in LISTS {
            for w in words.split_whitespace() {
                let key = crate::tokens::word_hash(w);
                assert_ne!(t.get(key), 0, "{w}");
                assert_eq!(t.get(key), probe(t, key), "{w}");
            }
        }
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            assert_eq!(t.get(x), probe(t, x));
        }
        assert_eq!(t.get(0), 0);
    }
}
