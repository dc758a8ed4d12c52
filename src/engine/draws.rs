//! The random draws of one loan, taken so that a loan pays only for what its fate needs.
//!
//! Every loan takes two 64-bit words from its stream, whatever happens to it: `word`, whose
//! four 16-bit fields are the leading bits of four uniforms (its segment, and the uniforms of
//! its default, follow-up need and prepayment), and `key`, a counter-based generator of its own
//! (SplitMix64's outputs from the state `key`, any one computed directly). The remaining 37
//! bits of each uniform, the referral, the BMKB's draws and the recovery rate come from the key,
//! and only when the loan needs them.
//!
//! Why this is exact. A uniform is an integer `j` of 53 bits, `j·2⁻⁵³` on [0, 1) or
//! `(j+1)·2⁻⁵³` on (0, 1], as `rand` draws them from a word's top bits; here `j` is its 16
//! leading bits then 37 bits from the key, so every one of the 2⁵³ values is equally likely,
//! exactly as before. A threshold `x` is turned into the integer `n` with `u < x` iff `j < n`
//! ([`Cut`]), and the leading bits alone settle the comparison unless they equal `n`'s: a loan
//! whose three leading fields are below its no-event cuts meets no event, certainly, without
//! its other bits ever being computed (one loan in 2¹⁶ has to look further).
//!
//! Why the draws stay aligned. The number of words a loan takes from its stream never depends
//! on the scenario, and a key's outputs are read by position, never in turn: a scenario that
//! needs a loan's recovery rate where another does not moves no other draw (common random
//! numbers).

use rand::Rng;

use crate::random::{GOLDEN, mix};

/// Bits of a uniform's integer, and of its leading field and the rest.
const BITS: u32 = 53;
const FIELD: u32 = 16;
const REST: u32 = BITS - FIELD;
/// `2⁻⁵³`: a uniform's integer to its value.
const ULP: f64 = 1.0 / (1u64 << BITS) as f64;

/// A loan's uniforms whose leading bits are in its `word`, by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Field {
    Segment = 0,
    Default = 1,
    Followup = 2,
    Prepay = 3,
}

/// What a key's outputs are for, by position (SplitMix64's output number). The refinements of
/// the four fields are outputs 1–4 ([`Field`] plus one).
#[derive(Debug, Clone, Copy)]
pub(super) enum Purpose {
    /// A follow-up need is referred to a bank iff this uniform is below the share.
    Referral = 5,
    /// The lender's own loan is BMKB-backed iff this uniform is below the segment's share.
    Backed = 6,
    /// A graduate's bank loan: backed iff below `graduate_share`; its default's uniform.
    BankBacked = 7,
    BankDefault = 8,
    /// The seeds of the recovery-rate draws: of the loan's default, of its bank loan's.
    Recovery = 9,
    BankRecovery = 10,
}

/// A threshold `x` on a uniform, as the integer `n` with `u < x` iff `j < n` for the uniform's
/// integer `j` (on (0, 1] for [`Cut::open`], on [0, 1) for [`Cut::closed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Cut(pub(super) u64);

impl Cut {
    /// Every uniform is below it.
    pub const ALL: Cut = Cut(1 << BITS);

    /// `u = (j+1)·2⁻⁵³ < x` iff `j + 1 < x·2⁵³` iff `j < ceil(x·2⁵³) - 1` (exact: scaling by
    /// a power of two is exact, and `j` is an integer).
    pub fn open(x: f64) -> Cut {
        Cut(((x * (1u64 << BITS) as f64).ceil() - 1.0).clamp(0.0, (1u64 << BITS) as f64) as u64)
    }

    /// `u = j·2⁻⁵³ < x` iff `j < ceil(x·2⁵³)`.
    pub fn closed(x: f64) -> Cut {
        Cut((x * (1u64 << BITS) as f64)
            .ceil()
            .clamp(0.0, (1u64 << BITS) as f64) as u64)
    }

    /// The leading field below which every uniform is below the cut.
    #[inline]
    pub fn lead(self) -> u64 {
        self.0 >> REST
    }

    /// Whether the cut exceeds the uniform of integer `j` (the uniform is below it).
    #[inline]
    pub fn exceeds(self, j: u64) -> bool {
        j < self.0
    }
}

/// The two words of one loan.
#[derive(Debug, Clone, Copy)]
pub(super) struct LoanDraws {
    word: u64,
    key: u64,
}

impl LoanDraws {
    /// The loan's two words, the first from `rng` and the key the next.
    #[inline]
    pub fn draw<R: Rng>(rng: &mut R) -> LoanDraws {
        let word = rng.next_u64();
        LoanDraws {
            word,
            key: rng.next_u64(),
        }
    }

    #[cfg(test)]
    pub fn from_words(word: u64, key: u64) -> LoanDraws {
        LoanDraws { word, key }
    }

    /// The leading 16 bits of a field's uniform.
    #[inline]
    pub fn lead(self, field: Field) -> u64 {
        (self.word >> (64 - FIELD * (field as u32 + 1))) & ((1 << FIELD) - 1)
    }

    /// SplitMix64's output number `n` from the state `key`.
    #[inline]
    fn output(self, n: u64) -> u64 {
        mix(self.key.wrapping_add(n.wrapping_mul(GOLDEN)))
    }

    /// A field's uniform, whole: its integer `j` of 53 bits.
    #[inline]
    pub fn integer(self, field: Field) -> u64 {
        (self.lead(field) << REST) | (self.output(field as u64 + 1) >> (64 - REST))
    }

    /// Whether a field's uniform on (0, 1] is below `cut`, from its leading bits where they
    /// decide: `Some(u)` with the whole uniform if it is not below.
    #[inline]
    pub fn open_unless_below(self, field: Field, cut: Cut) -> Option<f64> {
        if self.lead(field) < cut.lead() {
            return None;
        }
        let j = self.integer(field);
        (j >= cut.0).then(|| (j + 1) as f64 * ULP)
    }

    /// A uniform on [0, 1) of its own, from the key.
    #[inline]
    pub fn uniform(self, purpose: Purpose) -> f64 {
        (self.output(purpose as u64) >> (64 - BITS)) as f64 * ULP
    }

    /// A uniform on (0, 1] of its own, from the key: `None` if below `cut`.
    #[inline]
    pub fn key_unless_below(self, purpose: Purpose, cut: Cut) -> Option<f64> {
        let j = self.output(purpose as u64) >> (64 - BITS);
        (j >= cut.0).then(|| (j + 1) as f64 * ULP)
    }

    /// A 64-bit seed of its own, from the key (for a draw of variable length).
    #[inline]
    pub fn seed(self, purpose: Purpose) -> u64 {
        self.output(purpose as u64)
    }
}

/// The segment of a loan: the first whose cumulative share exceeds its segment uniform, from
/// the cuts of the cumulative shares but the last (`cuts[k]` is [`Cut::closed`] of the k-th).
/// The leading bits decide unless they equal a cut's, one loan in 2¹⁶ per cut; counted without
/// branches otherwise, which a random draw would mispredict.
#[inline]
pub(super) fn segment(draws: LoanDraws, cuts: &[Cut]) -> usize {
    let lead = draws.lead(Field::Segment);
    let mut above = 0;
    let mut tie = false;
    for cut in cuts {
        above += (lead > cut.lead()) as usize;
        tie |= lead == cut.lead();
    }
    if tie {
        let j = draws.integer(Field::Segment);
        return cuts.iter().filter(|cut| j >= cut.0).count();
    }
    above
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::{SplitMix64, Xoshiro256PlusPlus};

    /// The key's outputs are SplitMix64's, in order.
    #[test]
    fn the_key_is_splitmix64() {
        let d = LoanDraws::from_words(0, 12345);
        let mut rng = SplitMix64::seed_from_u64(12345);
        for n in 1..=12 {
            assert_eq!(d.output(n), rng.next_u64(), "output {n}");
        }
    }

    /// The fields cover the word, each once, in order.
    #[test]
    fn fields_are_the_words_quarters() {
        let d = LoanDraws::from_words(0x0123_4567_89ab_cdef, 0);
        assert_eq!(d.lead(Field::Segment), 0x0123);
        assert_eq!(d.lead(Field::Default), 0x4567);
        assert_eq!(d.lead(Field::Followup), 0x89ab);
        assert_eq!(d.lead(Field::Prepay), 0xcdef);
    }

    /// A cut decides as the floating-point comparison does, for thresholds spread over [0, 1]
    /// and uniforms crowded within a few units of the last place around each (where the
    /// leading bits tie and the rest decide), including 0, 1 and the extremes.
    #[test]
    fn cuts_decide_as_the_comparison_does() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        let mut xs: Vec<f64> = vec![0.0, 1.0, ULP, 1.0 - ULP, 0.5, 0.55, 0.88, f64::INFINITY];
        xs.extend((0..200).map(|_| rng.random::<f64>()));
        for &x in &xs {
            let (open, closed) = (Cut::open(x), Cut::closed(x));
            let near = (x.min(1.0) * (1u64 << BITS) as f64) as i64;
            for d in -40i64..=40 {
                let j = (near + d).clamp(0, (1i64 << BITS) - 1) as u64;
                let u_open = (j + 1) as f64 * ULP;
                let u_closed = j as f64 * ULP;
                assert_eq!(j < open.0, u_open < x, "open: x {x} j {j}");
                assert_eq!(j < closed.0, u_closed < x, "closed: x {x} j {j}");
            }
        }
        assert_eq!(Cut::open(f64::INFINITY), Cut::ALL);
    }

    /// Through a loan's draws: the leading bits and the key's rest give the same answers as
    /// the whole uniform, and the whole uniform is the one the leading bits begin.
    #[test]
    fn lazy_comparisons_agree_with_the_whole_uniform() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
        for i in 0..200_000u64 {
            let d = LoanDraws::draw(&mut rng);
            let j = d.integer(Field::Default);
            assert_eq!(j >> REST, d.lead(Field::Default));
            // Thresholds whose leading bits tie with the draw's half the time.
            let x = if i % 2 == 0 {
                rng.random::<f64>()
            } else {
                ((d.lead(Field::Default) << REST) + (rng.next_u64() >> (64 - REST))) as f64 * ULP
            };
            let u = (j + 1) as f64 * ULP;
            match d.open_unless_below(Field::Default, Cut::open(x)) {
                None => assert!(u < x, "u {u} x {x}"),
                Some(v) => assert!(v == u && u >= x, "u {u} x {x}"),
            }
        }
    }

    /// The segment is the first whose cumulative share exceeds the uniform, ties included.
    #[test]
    fn segment_takes_the_first_share_above_the_draw() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let cdfs: [&[f64]; 4] = [
            &[1.0],
            &[0.55, 0.88, 1.0],
            &[0.0, 0.5, 0.5, 1.0, 1.0],
            &[0.3, 0.3, 1.0],
        ];
        for cdf in cdfs {
            let cuts: Vec<Cut> = cdf[..cdf.len() - 1]
                .iter()
                .map(|&c| Cut::closed(c))
                .collect();
            for i in 0..50_000u64 {
                let mut d = LoanDraws::draw(&mut rng);
                if i % 3 == 0 && !cuts.is_empty() {
                    // Leading bits equal to a cut's.
                    let lead = cuts[(i as usize / 3) % cuts.len()].lead();
                    d.word = (d.word & !(0xffff << 48)) | (lead << 48);
                }
                let u = d.integer(Field::Segment) as f64 * ULP;
                let first_above = cdf.iter().position(|&c| u < c).unwrap_or(cdf.len() - 1);
                assert_eq!(segment(d, &cuts), first_above, "{cdf:?} {u}");
            }
        }
    }

    /// Each field's whole uniform is uniform, its trailing 37 bits independent of its leading
    /// 16, and the trailing bits of two fields (both from the key) independent of each other:
    /// chi-square tests of the 16 × 16 table of their top four bits over 10⁶ loans, each with
    /// a false-alarm rate below 1e-4 (255 degrees of freedom: the 1e-4 point is about 339),
    /// and the mean of each uniform within 5 standard errors of 1/2.
    #[test]
    fn whole_uniforms_are_uniform_and_their_parts_independent() {
        let n = 1_000_000u64;
        let top4_lead = |d: LoanDraws, f: Field| (d.lead(f) >> 12) as usize;
        let top4_rest = |d: LoanDraws, f: Field| ((d.integer(f) >> (REST - 4)) & 15) as usize;
        let chi2 = |table: &[u64; 256]| {
            let e = n as f64 / 256.0;
            table
                .iter()
                .map(|&o| (o as f64 - e).powi(2) / e)
                .sum::<f64>()
        };
        let fields = [
            Field::Segment,
            Field::Default,
            Field::Followup,
            Field::Prepay,
        ];
        for (k, &field) in fields.iter().enumerate() {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(17 + k as u64);
            let other = fields[(k + 1) % 4];
            let (mut own, mut across, mut sum) = ([0u64; 256], [0u64; 256], 0.0);
            for _ in 0..n {
                let d = LoanDraws::draw(&mut rng);
                own[16 * top4_lead(d, field) + top4_rest(d, field)] += 1;
                across[16 * top4_rest(d, field) + top4_rest(d, other)] += 1;
                sum += d.integer(field) as f64 * ULP;
            }
            assert!(chi2(&own) < 339.0, "{field:?}: {}", chi2(&own));
            assert!(
                chi2(&across) < 339.0,
                "{field:?} ~ {other:?}: {}",
                chi2(&across)
            );
            let se = (1.0 / 12.0 / n as f64).sqrt();
            assert!((sum / n as f64 - 0.5).abs() < 5.0 * se, "{field:?}");
        }
    }
}
