//! The noise floor: whether an index stands out from a dummy parameter's.
//!
//! A dummy parameter drives nothing, so its true indices are 0 and whatever the estimators
//! give it is noise — of the estimator (finite `N` or `r`) and of the outcomes themselves
//! (finite paths per point). The rule: an index is *distinguishable* from the dummy's when
//! its bootstrap interval lies wholly above the dummy's, `low > dummy.high`. Two intervals
//! at confidence `c` that do not overlap is a stricter test than one interval at `c`: for two
//! independent, normal estimates of equal spread and no true difference, intervals at 0.95 lie
//! apart in this direction with probability about 0.003 (a gap of 2 × 1.96 sd is 2.77 sd of
//! the difference). So the rule errs towards calling an index noise. It works the same for
//! S1, ST and μ*.
//!
//! When every point runs the same paths (common random numbers) and the dummy changes nothing,
//! its outcomes equal those of the points it was swapped from, so its Sobol' indices and their
//! intervals are exactly 0: the rule then asks only that the index's interval exclude 0.

use super::Estimate;

/// Whether `index` is distinguishable from the dummy parameter's estimate of the same kind:
/// its bootstrap interval lies wholly above the dummy's.
pub fn distinguishable(index: &Estimate, dummy: &Estimate) -> bool {
    index.low > dummy.high
}

/// For each estimate, whether it is distinguishable from the one at position `dummy` (which
/// is never distinguishable from itself).
pub fn flag_against_dummy(estimates: &[Estimate], dummy: usize) -> Vec<bool> {
    let d = estimates[dummy];
    estimates.iter().map(|e| distinguishable(e, &d)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn est(value: f64, low: f64, high: f64) -> Estimate {
        Estimate {
            value,
            low,
            high,
            half_width: (high - low) / 2.0,
        }
    }

    #[test]
    fn intervals_that_overlap_are_noise() {
        let dummy = est(0.01, -0.02, 0.04);
        assert!(distinguishable(&est(0.3, 0.2, 0.4), &dummy));
        assert!(!distinguishable(&est(0.05, 0.03, 0.07), &dummy));
        assert!(!distinguishable(&est(0.04, 0.04, 0.1), &dummy));
        let flags = flag_against_dummy(&[est(0.3, 0.2, 0.4), dummy], 1);
        assert_eq!(flags, vec![true, false]);
    }
}
