//! What a number measures: euros, a fraction shown in percent, a count, months or a plain
//! ratio. One notion for metrics (`crate::metrics`) and scenario keys (`crate::scenario`)
//! alike, so that every table, chart axis and summary writes a number the same way.

/// The unit of a metric or a scenario key's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    /// Euros: `€12.5m`.
    Money,
    /// A fraction written in percent: `0.031` is `3.1%`.
    Percent,
    /// A number of things: `12,300`.
    Count,
    /// A number of months: `18`.
    Months,
    /// A plain number such as a ratio or a multiplier: `1.03`.
    Ratio,
}
