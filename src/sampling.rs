//! Two pieces of sampling on the engine's hot path, written here so that they inline: the
//! exponential function that turns a normal draw into a log-normal loan size, and the gamma
//! draws that make a Beta recovery rate.
//!
//! [`exp`] is the textbook table method (Tang 1989): `exp(x) = 2^(k/64) · exp(r)` with `k` the
//! nearest integer to `64x/ln 2`, `|r| <= ln 2/128`, the 64 values `2^(j/64)` correctly rounded
//! in a table and `exp(r)` a degree-5 Taylor polynomial (truncation below 4e-17 relative)
//! evaluated by Estrin's scheme, three products deep. It is within 2 ulp of the exact value (a
//! test compares it with the C library's), against the half ulp of a correctly rounded `exp`:
//! for a loan size in euros, a difference in the fifteenth digit. Inline, it costs a fraction
//! of a call to the C library's `exp`, which a loan would otherwise make for its size.
//!
//! [`GammaShape`] is Marsaglia and Tsang's (2000) exact rejection sampler for shapes of at
//! least 1, with its constants computed once per segment: one normal and one uniform per try,
//! a logarithm only when the cheap squeeze fails, and a try accepted with probability above
//! 0.95 at the shapes recovery rates have. `X / (X + Y)` of two such draws is exactly
//! Beta-distributed.

use rand::Rng;
use rand_distr::{Distribution, StandardNormal};

/// `2^(j/64)` for `j = 0 .. 64`, correctly rounded (computed to 60 digits; a test compares
/// each with the C library's `exp2`).
const EXP2_64THS: [u64; 64] = [
    0x3ff0000000000000,
    0x3ff02c9a3e778061,
    0x3ff059b0d3158574,
    0x3ff0874518759bc8,
    0x3ff0b5586cf9890f,
    0x3ff0e3ec32d3d1a2,
    0x3ff11301d0125b51,
    0x3ff1429aaea92de0,
    0x3ff172b83c7d517b,
    0x3ff1a35beb6fcb75,
    0x3ff1d4873168b9aa,
    0x3ff2063b88628cd6,
    0x3ff2387a6e756238,
    0x3ff26b4565e27cdd,
    0x3ff29e9df51fdee1,
    0x3ff2d285a6e4030b,
    0x3ff306fe0a31b715,
    0x3ff33c08b26416ff,
    0x3ff371a7373aa9cb,
    0x3ff3a7db34e59ff7,
    0x3ff3dea64c123422,
    0x3ff4160a21f72e2a,
    0x3ff44e086061892d,
    0x3ff486a2b5c13cd0,
    0x3ff4bfdad5362a27,
    0x3ff4f9b2769d2ca7,
    0x3ff5342b569d4f82,
    0x3ff56f4736b527da,
    0x3ff5ab07dd485429,
    0x3ff5e76f15ad2148,
    0x3ff6247eb03a5585,
    0x3ff6623882552225,
    0x3ff6a09e667f3bcd,
    0x3ff6dfb23c651a2f,
    0x3ff71f75e8ec5f74,
    0x3ff75feb564267c9,
    0x3ff7a11473eb0187,
    0x3ff7e2f336cf4e62,
    0x3ff82589994cce13,
    0x3ff868d99b4492ed,
    0x3ff8ace5422aa0db,
    0x3ff8f1ae99157736,
    0x3ff93737b0cdc5e5,
    0x3ff97d829fde4e50,
    0x3ff9c49182a3f090,
    0x3ffa0c667b5de565,
    0x3ffa5503b23e255d,
    0x3ffa9e6b5579fdbf,
    0x3ffae89f995ad3ad,
    0x3ffb33a2b84f15fb,
    0x3ffb7f76f2fb5e47,
    0x3ffbcc1e904bc1d2,
    0x3ffc199bdd85529c,
    0x3ffc67f12e57d14b,
    0x3ffcb720dcef9069,
    0x3ffd072d4a07897c,
    0x3ffd5818dcfba487,
    0x3ffda9e603db3285,
    0x3ffdfc97337b9b5f,
    0x3ffe502ee78b3ff6,
    0x3ffea4afa2a490da,
    0x3ffefa1bee615a27,
    0x3fff50765b6e4540,
    0x3fffa7c1819e90d8,
];

/// `64 / ln 2`, and `ln 2 / 64` in two parts (fdlibm's `ln2_hi` and `ln2_lo` over 64) whose
/// first has 21 trailing zero bits, so that `k · LN2_64_HI` is exact for every `|k| < 2^21`
/// (Cody and Waite).
const INV_LN2_64: f64 = 92.332_482_616_893_66;
const LN2_64_HI: f64 = f64::from_bits(0x3f862e42fee00000);
const LN2_64_LO: f64 = f64::from_bits(0x3d8a39ef35793c76);
/// Adding this rounds a float below 2^51 in magnitude to an integer, kept in the low bits.
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// `e^x`, within 2 ulp (see the module paragraph); the C library's outside [-700, 700],
/// where the result would leave the normal range.
#[inline]
pub fn exp(x: f64) -> f64 {
    if !(-700.0..=700.0).contains(&x) {
        return x.exp();
    }
    let shifted = x * INV_LN2_64 + ROUNDER;
    let k = shifted.to_bits() as i64 as i32 as i64;
    let kf = shifted - ROUNDER;
    let r = (x - kf * LN2_64_HI) - kf * LN2_64_LO;
    // Estrin's scheme: three products deep instead of Horner's five, for a loan's size is
    // the head of a chain the next loans' work waits on.
    let r2 = r * r;
    let p = (1.0 + r) + r2 * ((0.5 + r * (1.0 / 6.0)) + r2 * (1.0 / 24.0 + r * (1.0 / 120.0)));
    let table = f64::from_bits(EXP2_64THS[(k & 63) as usize]);
    // 2^(k >> 6) times the table entry, by adding to its exponent: in range for |x| <= 700.
    let scaled = f64::from_bits((table.to_bits() as i64 + ((k >> 6) << 52)) as u64);
    scaled * p
}

/// Gamma(shape, 1) for a shape of at least 1 (Marsaglia and Tsang 2000).
#[derive(Debug, Clone, Copy)]
pub struct GammaShape {
    /// `shape - 1/3` and `1 / sqrt(9 d)`.
    d: f64,
    c: f64,
}

impl GammaShape {
    /// `None` unless `shape >= 1` and finite.
    pub fn new(shape: f64) -> Option<GammaShape> {
        (shape >= 1.0 && shape.is_finite()).then(|| {
            let d = shape - 1.0 / 3.0;
            GammaShape {
                d,
                c: 1.0 / (9.0 * d).sqrt(),
            }
        })
    }
}

impl Distribution<f64> for GammaShape {
    // Inline: a default's recovery draws two of these, and with the generator's state in
    // registers the two chains overlap; the rare slow test is out of line.
    #[inline(always)]
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        loop {
            let x: f64 = StandardNormal.sample(rng);
            let v = 1.0 + self.c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            // Uniform on (0, 1): the midpoints of 2^52 equal parts.
            let u = ((rng.next_u64() >> 12) as f64 + 0.5) * (1.0 / (1u64 << 52) as f64);
            let x2 = x * x;
            if u < 1.0 - 0.0331 * x2 * x2 || self.accepts(u, x2, v) {
                return self.d * v;
            }
        }
    }
}

impl GammaShape {
    /// Marsaglia and Tsang's exact acceptance test, for the few tries the squeeze leaves.
    #[inline(never)]
    fn accepts(&self, u: f64, x2: f64, v: f64) -> bool {
        u.ln() < 0.5 * x2 + self.d * (1.0 - v + v.ln())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn ulps(a: f64, b: f64) -> f64 {
        if a == b {
            return 0.0;
        }
        (a - b).abs() / (b.abs() * f64::EPSILON)
    }

    #[test]
    fn the_table_is_exp2_of_64ths() {
        for (j, &bits) in EXP2_64THS.iter().enumerate() {
            let exact = (j as f64 / 64.0).exp2();
            assert!(ulps(f64::from_bits(bits), exact) <= 1.0, "j {j}");
        }
        assert_eq!(
            LN2_64_HI.to_bits() & 0x1f_ffff,
            0,
            "trailing zeros for exact products"
        );
        assert!(((LN2_64_HI + LN2_64_LO) - std::f64::consts::LN_2 / 64.0).abs() < 1e-19);
    }

    /// Within 2 ulp of the C library's `exp` (itself within 1 ulp of the exact value, so the
    /// bound allows 3 against the C library), over the whole range and crowded where loan
    /// sizes are, at integers and half-integers of `k` and at the ends.
    #[test]
    fn exp_is_within_two_ulp() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let mut worst = 0.0f64;
        let mut check = |x: f64| {
            let e = ulps(exp(x), x.exp());
            worst = worst.max(e);
            assert!(e <= 3.0, "x {x}: {} against {}", exp(x), x.exp());
        };
        for _ in 0..1_000_000 {
            check(rng.random_range(-700.0..700.0));
            check(rng.random_range(2.0..16.0));
        }
        for k in -64 * 1000..64 * 1000 {
            let x = k as f64 * std::f64::consts::LN_2 / 64.0;
            if x.abs() <= 700.0 {
                check(x);
                check(x + std::f64::consts::LN_2 / 128.0);
            }
        }
        for x in [
            0.0, -0.0, 1e-300, -1e-300, 700.0, -700.0, 701.0, -745.0, 710.0,
        ] {
            check(x);
        }
        assert!(worst <= 2.0, "worst {worst} ulp");
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert!(exp(f64::NAN).is_nan());
    }

    /// The first four moments of Gamma(a) (mean a, variance a, skewness 2/sqrt(a), excess
    /// kurtosis 6/a) within 5 standard errors, and a Kolmogorov-Smirnov test against the
    /// regularised incomplete gamma function at the shapes recovery rates take.
    #[test]
    fn gamma_draws_have_the_gamma_distribution() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for &a in &[1.0, 1.5, 2.5, 5.833, 20.0] {
            let g = GammaShape::new(a).unwrap();
            let n = 400_000;
            let mut xs: Vec<f64> = (0..n).map(|_| g.sample(&mut rng)).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            // sd of the sample mean sqrt(a/n); of the sample variance about sqrt((2 + 6/a) a² / n).
            assert!(
                (mean - a).abs() < 5.0 * (a / n as f64).sqrt(),
                "a {a} mean {mean}"
            );
            let se_var = ((2.0 + 6.0 / a) * a * a / n as f64).sqrt();
            assert!((var - a).abs() < 5.0 * se_var, "a {a} var {var}");
            xs.sort_by(f64::total_cmp);
            let d = xs
                .iter()
                .enumerate()
                .map(|(i, &x)| {
                    let f = libm_gamma_p(a, x);
                    (f - i as f64 / n as f64)
                        .abs()
                        .max((f - (i + 1) as f64 / n as f64).abs())
                })
                .fold(0.0, f64::max);
            // The 0.001 critical value of the KS statistic: 1.95 / sqrt(n).
            assert!(d < 1.95 / (n as f64).sqrt(), "a {a}: D = {d}");
        }
        assert!(GammaShape::new(0.5).is_none());
        assert!(GammaShape::new(f64::INFINITY).is_none());
    }

    /// The regularised lower incomplete gamma function `P(a, x)`, by its series below `a + 1`
    /// and its continued fraction above (Numerical Recipes §6.2), to about 1e-14.
    fn libm_gamma_p(a: f64, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        let ln_prefix = a * x.ln() - x - libm::lgamma(a);
        if x < a + 1.0 {
            let (mut term, mut sum, mut n) = (1.0 / a, 1.0 / a, a);
            for _ in 0..10_000 {
                n += 1.0;
                term *= x / n;
                sum += term;
                if term < sum * 1e-17 {
                    break;
                }
            }
            sum * ln_prefix.exp()
        } else {
            let tiny = 1e-300;
            let mut b = x + 1.0 - a;
            let mut c = 1.0 / tiny;
            let mut d = 1.0 / b;
            let mut h = d;
            for i in 1..10_000 {
                let an = -(i as f64) * (i as f64 - a);
                b += 2.0;
                d = an * d + b;
                if d.abs() < tiny {
                    d = tiny;
                }
                c = b + an / c;
                if c.abs() < tiny {
                    c = tiny;
                }
                d = 1.0 / d;
                let delta = d * c;
                h *= delta;
                if (delta - 1.0).abs() < 1e-16 {
                    break;
                }
            }
            1.0 - ln_prefix.exp() * h
        }
    }
}
