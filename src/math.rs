//! Special functions for the credit-cycle model: the standard normal distribution function
//! `Phi` and its inverse, as used by Vasicek (2002) and the Basel IRB formula (docs/model.md §3).
//!
//! `Phi` goes through `erfc` (a port of FreeBSD's/musl's, accurate to about one ulp) so that the
//! far tail keeps its relative accuracy; the inverse is Wichura's algorithm AS 241 (PPND16,
//! Applied Statistics 37, 1988), accurate to about 1e-16 relative.

/// Standard normal distribution function `Phi(x) = P(N(0,1) <= x)`.
pub fn norm_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Inverse of the standard normal distribution function, for `p` in (0, 1).
///
/// Returns `-inf` at 0 and `+inf` at 1, and NaN outside [0, 1].
pub fn norm_inv(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        let num = (((((((2.509_080_928_730_122_7e3 * r + 3.343_057_558_358_813e4) * r
            + 6.726_577_092_700_87e4)
            * r
            + 4.592_195_393_154_987e4)
            * r
            + 1.373_169_376_550_946e4)
            * r
            + 1.971_590_950_306_551_3e3)
            * r
            + 1.331_416_678_917_843_8e2)
            * r
            + 3.387_132_872_796_366_5)
            * q;
        let den = ((((((5.226_495_278_852_545e3 * r + 2.872_908_573_572_194_3e4) * r
            + 3.930_789_580_009_271e4)
            * r
            + 2.121_379_430_158_659_7e4)
            * r
            + 5.394_196_021_424_751e3)
            * r
            + 6.871_870_074_920_579e2)
            * r
            + 4.231_333_070_160_091e1)
            * r
            + 1.0;
        return num / den;
    }
    let tail = if q < 0.0 { p } else { 1.0 - p };
    let mut r = (-tail.ln()).sqrt();
    let val = if r <= 5.0 {
        r -= 1.6;
        let num = ((((((7.745_450_142_783_414e-4 * r + 2.272_384_498_926_918_4e-2) * r
            + 2.417_807_251_774_506e-1)
            * r
            + 1.270_458_252_452_368_4)
            * r
            + 3.647_848_324_763_204_5)
            * r
            + 5.769_497_221_460_691)
            * r
            + 4.630_337_846_156_545)
            * r
            + 1.423_437_110_749_683_5;
        let den = ((((((1.050_750_071_644_416_9e-9 * r + 5.475_938_084_995_345e-4) * r
            + 1.519_866_656_361_645_7e-2)
            * r
            + 1.481_039_764_274_800_8e-1)
            * r
            + 6.897_673_349_851e-1)
            * r
            + 1.676_384_830_183_803_8)
            * r
            + 2.053_191_626_637_759)
            * r
            + 1.0;
        num / den
    } else {
        r -= 5.0;
        let num = ((((((2.010_334_399_292_288_1e-7 * r + 2.711_555_568_743_487_6e-5) * r
            + 1.242_660_947_388_078_4e-3)
            * r
            + 2.653_218_952_657_612_4e-2)
            * r
            + 2.965_605_718_285_048_7e-1)
            * r
            + 1.784_826_539_917_291_3)
            * r
            + 5.463_784_911_164_114)
            * r
            + 6.657_904_643_501_103;
        let den = ((((((2.044_263_103_389_939_7e-15 * r + 1.421_511_758_316_446e-7) * r
            + 1.846_318_317_510_054_8e-5)
            * r
            + 7.868_691_311_456_133e-4)
            * r
            + 1.487_536_129_085_061_5e-2)
            * r
            + 1.369_298_809_227_358e-1)
            * r
            + 5.998_322_065_558_88e-1)
            * r
            + 1.0;
        num / den
    };
    if q < 0.0 { -val } else { val }
}

/// Vasicek's conditional default probability: the annual PD of a loan with through-the-cycle
/// PD `p` when the systemic factor is `x` and the asset correlation is `rho` (docs/model.md §3),
/// capped at `1 - 1e-12` so that the monthly hazard `-ln(1 - PD)/12` stays finite.
pub fn conditional_pd(p: f64, rho: f64, x: f64) -> f64 {
    if p <= 0.0 {
        return 0.0;
    }
    let pd = if rho == 0.0 {
        p
    } else {
        norm_cdf((norm_inv(p) - rho.sqrt() * x) / (1.0 - rho).sqrt())
    };
    pd.min(1.0 - 1e-12)
}

/// Quantile `alpha` of Vasicek's distribution of the default rate of an infinitely granular
/// pool: `Phi((Phi^-1(p) + sqrt(rho) Phi^-1(alpha)) / sqrt(1 - rho))` (docs/model.md §9).
pub fn vasicek_quantile(p: f64, rho: f64, alpha: f64) -> f64 {
    norm_cdf((norm_inv(p) + rho.sqrt() * norm_inv(alpha)) / (1.0 - rho).sqrt())
}

/// Monthly hazard of an event whose annual probability is `p`: `-ln(1 - p) / 12`.
pub fn monthly_hazard(annual_probability: f64) -> f64 {
    -(-annual_probability).ln_1p() / 12.0
}

/// Relative margin of [`no_event_below`]: far above the rounding of `exp` and `ln`, far below
/// any probability that matters (a loan inside the margin only pays for one `ln`).
const NO_EVENT_MARGIN: f64 = 1e-9;

/// An event whose exponential draw is `E = -ln(u)`, `u` uniform on (0, 1], happens within a
/// cumulative hazard `H` iff `E <= H`, that is iff `u >= exp(-H)`. This returns `exp(-H)`
/// lowered by a relative margin of 1e-9, so that `u` below it means *certainly* `-ln(u) > H`
/// as computed in floating point: the test decides most loans without a logarithm and never
/// decides one differently from `-ln(u) <= H` (the caller computes `E` above it).
pub fn no_event_below(cumulative_hazard: f64) -> f64 {
    (-cumulative_hazard).exp() * (1.0 - NO_EVENT_MARGIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_normal_values() {
        assert!((norm_cdf(0.0) - 0.5).abs() < 1e-16);
        assert!((norm_cdf(1.959_963_984_540_054) - 0.975).abs() < 1e-15);
        assert!((norm_inv(0.975) - 1.959_963_984_540_054).abs() < 1e-14);
        assert!((norm_inv(0.05) + 1.644_853_626_951_472_7).abs() < 1e-14);
        assert!((norm_inv(1e-10) + 6.361_340_902_404_056).abs() < 1e-12);
        assert!((norm_inv(1e-300) + 37.047_096_299_361_2).abs() < 1e-9);
        assert_eq!(norm_inv(0.0), f64::NEG_INFINITY);
        assert!(norm_inv(1.5).is_nan());
    }

    #[test]
    fn inverse_round_trips_across_the_range() {
        for k in 1..2000 {
            let p = k as f64 / 2000.0;
            let x = norm_inv(p);
            assert!((norm_cdf(x) - p).abs() < 2e-15 * p.max(1.0 - p), "p={p}");
            assert!(
                (norm_inv(1.0 - p) + x).abs() < 1e-12 * (1.0 + x.abs()),
                "symmetry at {p}"
            );
        }
        for e in 1..300 {
            let p = 10f64.powi(-e);
            assert!((norm_cdf(norm_inv(p)) / p - 1.0).abs() < 1e-12, "p=1e-{e}");
        }
    }

    #[test]
    fn conditional_pd_reduces_to_p_without_correlation_and_is_monotone() {
        assert_eq!(conditional_pd(0.03, 0.0, 2.0), 0.03);
        assert!(
            (conditional_pd(0.03, 0.1, 0.0) - norm_cdf(norm_inv(0.03) / 0.9f64.sqrt())).abs()
                < 1e-15
        );
        // A downturn (negative factor) raises the PD.
        assert!(conditional_pd(0.03, 0.1, -1.5) > conditional_pd(0.03, 0.1, 0.0));
        assert!(conditional_pd(0.5, 0.99, -40.0) <= 1.0 - 1e-12);
        // Median of the Vasicek distribution is the conditional PD at x = 0.
        assert!((vasicek_quantile(0.03, 0.1, 0.5) - conditional_pd(0.03, 0.1, 0.0)).abs() < 1e-15);
    }

    /// Below the threshold, `-ln(u)` exceeds `H` in floating point, however close `u` is to
    /// the threshold and whatever the size of `H` (down to hazards of 1e-300).
    #[test]
    fn below_the_no_event_threshold_the_draw_exceeds_the_hazard() {
        for &h in &[
            0.0, 1e-300, 1e-12, 1e-4, 0.01, 0.3, 1.0, 7.5, 36.0, 200.0, 700.0, 800.0,
        ] {
            let t = no_event_below(h);
            assert!(t < (-h).exp() || t == 0.0, "{h}");
            if t == 0.0 {
                continue;
            }
            let mut u = t;
            for _ in 0..1000 {
                u = f64::from_bits(u.to_bits().wrapping_sub(1));
                if u <= 0.0 {
                    break;
                }
                assert!(-u.ln() > h, "h {h}, u {u}");
            }
        }
    }

    #[test]
    fn monthly_hazard_compounds_to_the_annual_probability() {
        let h = monthly_hazard(0.06);
        assert!((1.0 - (-12.0 * h).exp() - 0.06).abs() < 1e-15);
        assert_eq!(monthly_hazard(0.0), 0.0);
    }
}
