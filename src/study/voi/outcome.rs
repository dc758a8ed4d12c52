//! The outcome a decision is made on (`--voi OUTCOME`): one metric, higher or lower better as
//! the registry says, or a net benefit `net:LAMBDA:BENEFIT:COST`, `LAMBDA × BENEFIT − COST`,
//! higher better. A draw's net benefit of a variant comes from the draw's means of the metrics
//! (those of `draws.csv`).

use std::fmt;
use std::str::FromStr;

use crate::error::{Arg, Error};
use crate::metrics::{Direction, Scalar, Unit};

/// The outcome of a decision.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// One metric with a direction: its mean, or minus it when higher is worse.
    Metric(Scalar),
    /// `lambda × mean(benefit) − mean(cost)`.
    Net {
        lambda: f64,
        benefit: Scalar,
        cost: Scalar,
    },
}

/// What a metric's name may be, for the messages.
fn unknown(text: &str, name: &str) -> Error {
    Error::argument(
        Arg::Voi,
        text,
        format!(
            "unknown metric `{name}`; give a metric with a direction (such as \
             state_cost_total_pv or entrepreneurs_financed; `microfolio compare --help` and \
             docs/model.md §7 list them) or net:LAMBDA:BENEFIT:COST"
        ),
    )
}

impl FromStr for Outcome {
    type Err = Error;

    fn from_str(text: &str) -> Result<Outcome, Error> {
        let metric = |name: &str| Scalar::from_name(name.trim()).ok_or_else(|| unknown(text, name));
        let Some(net) = text.strip_prefix("net:") else {
            let m = metric(text)?;
            if m.direction().is_none() {
                return Err(Error::argument(
                    Arg::Voi,
                    text,
                    format!(
                        "`{}` has no direction (more of it is neither better nor worse in \
                         itself), so no variant is the better on it; give a metric with a \
                         direction, or net:LAMBDA:BENEFIT:COST to value it",
                        m.name()
                    ),
                ));
            }
            return Ok(Outcome::Metric(m));
        };
        let parts: Vec<&str> = net.split(':').collect();
        let [lambda, benefit, cost] = parts[..] else {
            return Err(Error::argument(
                Arg::Voi,
                text,
                "a net benefit is net:LAMBDA:BENEFIT:COST, three parts after `net:`, such as \
                 net:5000:entrepreneurs_financed:state_cost_total_pv",
            ));
        };
        let lambda = match lambda.trim().parse::<f64>() {
            Ok(l) if l.is_finite() && l > 0.0 => l,
            _ => {
                return Err(Error::argument(
                    Arg::Voi,
                    text,
                    format!(
                        "LAMBDA `{lambda}`: the value of one unit of BENEFIT in units of COST, a \
                         number above 0 such as 5000 or 5e3"
                    ),
                ));
            }
        };
        let (benefit, cost) = (metric(benefit)?, metric(cost)?);
        if benefit.direction() == Some(Direction::HigherWorse) {
            return Err(Error::argument(
                Arg::Voi,
                text,
                format!(
                    "BENEFIT `{}` is worse when higher; a benefit is something more of which is \
                     better (or neutral), such as entrepreneurs_financed",
                    benefit.name()
                ),
            ));
        }
        if cost.direction() == Some(Direction::HigherBetter) {
            return Err(Error::argument(
                Arg::Voi,
                text,
                format!(
                    "COST `{}` is better when higher; a cost is something more of which is worse \
                     (or neutral), such as state_cost_total_pv",
                    cost.name()
                ),
            ));
        }
        Ok(Outcome::Net {
            lambda,
            benefit,
            cost,
        })
    }
}

impl fmt::Display for Outcome {
    /// As given on the command line: `state_cost_total_pv`, `net:5000:BENEFIT:COST`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Metric(m) => write!(f, "{}", m.name()),
            Outcome::Net {
                lambda,
                benefit,
                cost,
            } => write!(f, "net:{lambda}:{}:{}", benefit.name(), cost.name()),
        }
    }
}

impl Outcome {
    /// The metrics whose draw means make the net benefit.
    pub fn metrics(&self) -> Vec<Scalar> {
        match self {
            Outcome::Metric(m) => vec![*m],
            Outcome::Net { benefit, cost, .. } => vec![*benefit, *cost],
        }
    }

    /// The unit of the net benefit: the metric's, or the cost's.
    pub fn unit(&self) -> Unit {
        match self {
            Outcome::Metric(m) => m.unit(),
            Outcome::Net { cost, .. } => cost.unit(),
        }
    }

    /// The net benefit from the means of [`Outcome::metrics`], in their order.
    pub fn net_benefit(&self, means: &[f64]) -> f64 {
        match self {
            Outcome::Metric(m) => match m.direction() {
                Some(Direction::HigherWorse) => -means[0],
                _ => means[0],
            },
            Outcome::Net { lambda, .. } => lambda * means[0] - means[1],
        }
    }

    /// How a draw's net benefit is made, in words.
    pub fn describe(&self) -> String {
        match self {
            Outcome::Metric(m) => match m.direction() {
                Some(Direction::HigherWorse) => format!(
                    "minus the draw's mean of {} (lower is better, so the net benefit is its \
                     negative)",
                    m.name()
                ),
                _ => format!("the draw's mean of {} (higher is better)", m.name()),
            },
            Outcome::Net {
                lambda,
                benefit,
                cost,
            } => format!(
                "{lambda} × the draw's mean of {} − the draw's mean of {} (higher is better)",
                benefit.name(),
                cost.name()
            ),
        }
    }

    /// What a gain in net benefit does, in words: `lower the decision's expected
    /// state_cost_total_pv`.
    pub fn gain_words(&self) -> String {
        match self {
            Outcome::Metric(m) if m.direction() == Some(Direction::HigherWorse) => {
                format!("lower the decision's expected {}", m.name())
            }
            Outcome::Metric(m) => format!("raise the decision's expected {}", m.name()),
            Outcome::Net { .. } => "raise the decision's expected net benefit".to_string(),
        }
    }

    /// The outcome in a sentence's words: `state_cost_total_pv (lower is better)`.
    pub fn words(&self) -> String {
        match self {
            Outcome::Metric(m) => format!(
                "{} ({} is better)",
                m.name(),
                if m.direction() == Some(Direction::HigherWorse) {
                    "lower"
                } else {
                    "higher"
                }
            ),
            Outcome::Net {
                lambda,
                benefit,
                cost,
            } => format!(
                "the net benefit {lambda} × {} − {} (higher is better)",
                benefit.name(),
                cost.name()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_parse_or_are_refused() {
        assert_eq!(
            "state_cost_total_pv".parse::<Outcome>().unwrap(),
            Outcome::Metric(Scalar::StateCostTotalPv)
        );
        let net: Outcome = "net:5000:entrepreneurs_financed:state_cost_total_pv"
            .parse()
            .unwrap();
        assert_eq!(net.net_benefit(&[10.0, 30_000.0]), 20_000.0);
        assert_eq!(
            net.to_string(),
            "net:5000:entrepreneurs_financed:state_cost_total_pv"
        );
        assert_eq!(
            Outcome::Metric(Scalar::NetLoss).net_benefit(&[5.0]),
            -5.0,
            "lower is better"
        );
        let refused = |text: &str, why: &str| {
            let e = text.parse::<Outcome>().unwrap_err().to_string();
            assert!(e.contains(why), "{text}: {e}");
        };
        refused("nonsense", "unknown metric `nonsense`");
        refused("loans_granted", "no direction");
        refused("net:5000:entrepreneurs_financed", "three parts");
        refused("net:-1:entrepreneurs_financed:net_loss", "above 0");
        refused("net:many:entrepreneurs_financed:net_loss", "LAMBDA `many`");
        refused("net:1:net_loss:net_loss", "BENEFIT `net_loss`");
        refused("net:1:oss:final_capital", "COST `final_capital`");
        refused("net:1:oss:nothing", "unknown metric `nothing`");
    }
}
