//! Calendar periods the rules are evaluated over: `Month` (quotas, settlement), `Quarter`
//! (lead allocation) and `HalfYear` (quality scores). They parse, so a malformed or absurd
//! period (`0001-01`, `1900Q1`) is a 422 at the edge, never a job over year 0001.

use chrono::{Datelike, NaiveDate};
use std::fmt;

/// Years Fieldbook accepts in any period or date it evaluates.
pub const MIN_YEAR: i32 = 2000;
pub const MAX_YEAR: i32 = 2100;

fn year_in_range(y: i32) -> bool {
    (MIN_YEAR..=MAX_YEAR).contains(&y)
}

fn parse_year(s: &str) -> Option<i32> {
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|y| year_in_range(*y))
}

fn last_day_before(next_first: Option<NaiveDate>) -> Option<NaiveDate> {
    next_first?.pred_opt()
}

/// A calendar month, written `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    pub const FORMAT_HINT: &'static str = "must be a month YYYY-MM between 2000-01 and 2100-12";

    pub fn new(year: i32, month: u32) -> Option<Self> {
        (year_in_range(year) && (1..=12).contains(&month)).then_some(Self { year, month })
    }

    pub fn parse(s: &str) -> Option<Self> {
        let (y, m) = s.split_once('-')?;
        if m.len() != 2 || !m.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Self::new(parse_year(y)?, m.parse().ok()?)
    }

    pub fn of(day: NaiveDate) -> Self {
        Self {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        let next_first = if self.month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, self.month + 1, 1)
        };
        last_day_before(next_first).unwrap_or(NaiveDate::MAX)
    }

    /// The day `day` of this month, if it exists (the settlement cut-off is the 20th).
    pub fn day(self, day: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month, day)
    }

    pub fn bounds(self) -> (NaiveDate, NaiveDate) {
        (self.first_day(), self.last_day())
    }

    pub fn next(self) -> Option<Self> {
        if self.month == 12 {
            Self::new(self.year + 1, 1)
        } else {
            Self::new(self.year, self.month + 1)
        }
    }

    pub fn previous(self) -> Option<Self> {
        if self.month == 1 {
            Self::new(self.year - 1, 12)
        } else {
            Self::new(self.year, self.month - 1)
        }
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A calendar quarter, written `YYYYQn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    year: i32,
    n: u32,
}

impl Quarter {
    pub const FORMAT_HINT: &'static str = "must be a quarter YYYYQn (n 1–4) between 2000Q1 and 2100Q4";

    pub fn new(year: i32, n: u32) -> Option<Self> {
        (year_in_range(year) && (1..=4).contains(&n)).then_some(Self { year, n })
    }

    pub fn parse(s: &str) -> Option<Self> {
        let (y, n) = s.split_once('Q')?;
        if n.len() != 1 {
            return None;
        }
        Self::new(parse_year(y)?, n.parse().ok()?)
    }

    pub fn of(day: NaiveDate) -> Self {
        Self {
            year: day.year(),
            n: (day.month() - 1) / 3 + 1,
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn number(self) -> u32 {
        self.n
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.n - 1) * 3 + 1, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        let next_first = if self.n == 4 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, self.n * 3 + 1, 1)
        };
        last_day_before(next_first).unwrap_or(NaiveDate::MAX)
    }

    pub fn bounds(self) -> (NaiveDate, NaiveDate) {
        (self.first_day(), self.last_day())
    }

    pub fn previous(self) -> Option<Self> {
        if self.n == 1 {
            Self::new(self.year - 1, 4)
        } else {
            Self::new(self.year, self.n - 1)
        }
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}Q{}", self.year, self.n)
    }
}

/// A calendar half-year (QLT-4), written `YYYYH1` (Jan–Jun) or `YYYYH2` (Jul–Dec).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HalfYear {
    year: i32,
    n: u32,
}

impl HalfYear {
    pub const FORMAT_HINT: &'static str = "must be a half-year YYYYH1 or YYYYH2 between 2000H1 and 2100H2";

    pub fn new(year: i32, n: u32) -> Option<Self> {
        (year_in_range(year) && (1..=2).contains(&n)).then_some(Self { year, n })
    }

    pub fn parse(s: &str) -> Option<Self> {
        let (y, n) = s.split_once('H')?;
        if n.len() != 1 {
            return None;
        }
        Self::new(parse_year(y)?, n.parse().ok()?)
    }

    /// The half-year containing `day`; `day` must already be a business date in the branch's
    /// zone (TIME-1), never a UTC date.
    pub fn of(day: NaiveDate) -> Self {
        Self {
            year: day.year(),
            n: if day.month() <= 6 { 1 } else { 2 },
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, if self.n == 1 { 1 } else { 7 }, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        let (m, d) = if self.n == 1 { (6, 30) } else { (12, 31) };
        NaiveDate::from_ymd_opt(self.year, m, d).unwrap_or(NaiveDate::MAX)
    }

    pub fn bounds(self) -> (NaiveDate, NaiveDate) {
        (self.first_day(), self.last_day())
    }
}

impl fmt::Display for HalfYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}H{}", self.year, self.n)
    }
}

/// A year in the accepted range (annual reports).
pub fn parse_year_in_range(y: i32) -> Option<i32> {
    year_in_range(y).then_some(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn months_parse_within_2000_to_2100_only() {
        assert_eq!(
            Month::parse("2026-02").map(Month::bounds),
            Some((d(2026, 2, 1), d(2026, 2, 28)))
        );
        assert_eq!(Month::parse("2100-12").map(Month::last_day), Some(d(2100, 12, 31)));
        for bad in [
            "0001-01", "1900-01", "1999-12", "2101-01", "2026-13", "2026-00", "2026-1", "26-01", "2026-01x",
        ] {
            assert_eq!(Month::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Month::parse("2026-12").and_then(Month::next).map(|m| m.to_string()),
            Some("2027-01".into())
        );
        assert_eq!(
            Month::parse("2026-01").and_then(Month::previous).map(|m| m.to_string()),
            Some("2025-12".into())
        );
    }

    #[test]
    fn quarters_parse_within_range() {
        assert_eq!(
            Quarter::parse("2026Q4").map(Quarter::bounds),
            Some((d(2026, 10, 1), d(2026, 12, 31)))
        );
        assert_eq!(
            Quarter::parse("2026Q1").map(Quarter::bounds),
            Some((d(2026, 1, 1), d(2026, 3, 31)))
        );
        for bad in ["0001Q1", "2026Q5", "2026Q0", "1900Q1", "2026Q11", "Q1"] {
            assert_eq!(Quarter::parse(bad), None, "{bad}");
        }
        assert_eq!(Quarter::of(d(2026, 8, 15)).to_string(), "2026Q3");
        assert_eq!(
            Quarter::parse("2026Q1")
                .and_then(Quarter::previous)
                .map(|q| q.to_string()),
            Some("2025Q4".into())
        );
    }

    #[test]
    fn half_years_parse_within_range() {
        assert_eq!(
            HalfYear::parse("2026H1").map(HalfYear::bounds),
            Some((d(2026, 1, 1), d(2026, 6, 30)))
        );
        assert_eq!(HalfYear::of(d(2026, 6, 30)).to_string(), "2026H1");
        assert_eq!(HalfYear::of(d(2026, 7, 1)).to_string(), "2026H2");
        for bad in ["0001H1", "2026H3", "2026H0", "1999H2"] {
            assert_eq!(HalfYear::parse(bad), None, "{bad}");
        }
    }
}
