//! Time and calendars (TIME-1..TIME-3): branch zones, working weekdays, dated exceptions and
//! meeting windows. Business days are dates in the branch's zone; instants are UTC.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The default branch zone (TIME-1).
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// Parses an IANA zone name (TIME-1); `None` for anything the tz database does not know.
pub fn parse_time_zone(name: &str) -> Option<Tz> {
    name.parse::<Tz>().ok()
}

/// A branch's IANA time zone (TIME-1), parsed once; it keeps the name the branch was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BranchZone(Tz);

impl BranchZone {
    pub fn parse(name: &str) -> Option<Self> {
        parse_time_zone(name).map(BranchZone)
    }

    pub fn tz(self) -> Tz {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

impl Default for BranchZone {
    fn default() -> Self {
        BranchZone(chrono_tz::Asia::Shanghai)
    }
}

impl Serialize for BranchZone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// TIME-1: the business day of an instant is its calendar date in the branch's zone.
pub fn business_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

/// The UTC instant of a local wall-clock time on a business day. A time that falls in a DST
/// gap is moved forward to the first valid instant; an ambiguous one takes the earlier reading,
/// so a deadline is never later than the wall clock the branch sees.
pub fn local_instant(date: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let naive = date.and_time(time);
    let mut probe = naive;
    // A DST gap is at most a few hours; step minute by minute until the wall clock exists.
    for _ in 0..(24 * 60) {
        match tz.from_local_datetime(&probe) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(early, _) => return early.with_timezone(&Utc),
            LocalResult::None => probe += Duration::minutes(1),
        }
    }
    // Unreachable for real zones; fall back to reading the wall clock as UTC.
    Utc.from_utc_datetime(&naive)
}

/// The set of working weekdays of a branch (default Monday to Saturday; see TIME-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingWeekdays(u8);

impl WorkingWeekdays {
    pub fn from_days(days: &[Weekday]) -> Self {
        Self(days.iter().fold(0u8, |m, d| m | (1 << d.num_days_from_monday())))
    }

    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn days(self) -> Vec<Weekday> {
        ALL_WEEKDAYS.into_iter().filter(|d| self.contains(*d)).collect()
    }

    /// Lower-case three-letter names, Monday first: the wire and storage form.
    pub fn names(self) -> Vec<&'static str> {
        self.days().into_iter().map(weekday_name).collect()
    }

    /// Parses three-letter weekday names; returns the index of the first unknown name.
    pub fn parse_names<S: AsRef<str>>(names: &[S]) -> Result<Self, usize> {
        let mut days = Vec::with_capacity(names.len());
        for (i, n) in names.iter().enumerate() {
            days.push(parse_weekday(n.as_ref()).ok_or(i)?);
        }
        Ok(Self::from_days(&days))
    }
}

impl Default for WorkingWeekdays {
    fn default() -> Self {
        Self::from_days(&[
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
            Weekday::Sat,
        ])
    }
}

const ALL_WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

pub fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

pub fn parse_weekday(s: &str) -> Option<Weekday> {
    ALL_WEEKDAYS.into_iter().find(|d| weekday_name(*d) == s)
}

/// A dated exception to the weekly pattern (see TIME-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExceptionKind {
    /// A public holiday or company rest day on what would be a working weekday.
    Holiday,
    /// A make-up working day (调休) on what would be a rest day.
    WorkingDay,
}

impl ExceptionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExceptionKind::Holiday => "holiday",
            ExceptionKind::WorkingDay => "working_day",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "holiday" => Some(Self::Holiday),
            "working_day" => Some(Self::WorkingDay),
            _ => None,
        }
    }
}

/// A meeting window in local wall-clock time (TIME-3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeetingWindow {
    start: NaiveTime,
    end: NaiveTime,
}

impl MeetingWindow {
    /// TIME-3: a window starts before it ends, within one day.
    pub fn new(start: NaiveTime, end: NaiveTime) -> Option<Self> {
        (start < end).then_some(Self { start, end })
    }

    pub fn start(self) -> NaiveTime {
        self.start
    }

    pub fn end(self) -> NaiveTime {
        self.end
    }

    /// Half-open intervals: a window ending at 09:30 does not overlap one starting at 09:30.
    pub fn overlaps(self, other: MeetingWindow) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn default_morning() -> Self {
        Self::hm(8, 30, 9, 30)
    }

    pub fn default_evening() -> Self {
        Self::hm(17, 30, 18, 30)
    }

    fn hm(sh: u32, sm: u32, eh: u32, em: u32) -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN);
        Self {
            start: t(sh, sm),
            end: t(eh, em),
        }
    }
}

/// A branch's working calendar (see TIME-2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BranchCalendar {
    pub weekdays: WorkingWeekdays,
    pub exceptions: BTreeMap<NaiveDate, ExceptionKind>,
}

impl BranchCalendar {
    /// Dated exceptions win over the weekly pattern.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        match self.exceptions.get(&date) {
            Some(ExceptionKind::Holiday) => false,
            Some(ExceptionKind::WorkingDay) => true,
            None => self.weekdays.contains(date.weekday()),
        }
    }

    /// The first working day strictly after `date`, if one exists within a year.
    pub fn next_working_day(&self, date: NaiveDate) -> Option<NaiveDate> {
        let mut d = date;
        for _ in 0..366 {
            d = d.succ_opt()?;
            if self.is_working_day(d) {
                return Some(d);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn time_1_business_day_uses_branch_zone() {
        let tz = parse_time_zone("Asia/Shanghai").unwrap_or(Tz::UTC);
        // 2026-11-02 17:00 UTC is 01:00 on the 3rd in Shanghai.
        let at = Utc.with_ymd_and_hms(2026, 11, 2, 17, 0, 0).single().unwrap_or_default();
        assert_eq!(business_day(at, tz), d(2026, 11, 3));
        assert_eq!(business_day(at, Tz::UTC), d(2026, 11, 2));
    }

    #[test]
    fn time_1_unknown_zone_is_rejected() {
        assert!(parse_time_zone("Mars/Olympus").is_none());
        assert!(parse_time_zone("Europe/Berlin").is_some());
    }

    #[test]
    fn time_1_local_instant_moves_out_of_dst_gap() {
        let tz = parse_time_zone("Europe/Berlin").unwrap_or(Tz::UTC);
        // 2026-03-29 02:30 does not exist in Berlin; the clock jumps from 02:00 to 03:00 CEST.
        let t = local_instant(
            d(2026, 3, 29),
            NaiveTime::from_hms_opt(2, 30, 0).unwrap_or_default(),
            tz,
        );
        assert_eq!(
            t,
            Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).single().unwrap_or_default()
        );
    }

    #[test]
    fn time_2_default_week_is_monday_to_saturday() {
        let cal = BranchCalendar::default();
        assert!(cal.is_working_day(d(2026, 11, 21))); // Saturday
        assert!(!cal.is_working_day(d(2026, 11, 22))); // Sunday
        assert_eq!(cal.next_working_day(d(2026, 11, 21)), Some(d(2026, 11, 23)));
    }

    #[test]
    fn time_2_exceptions_override_weekdays() {
        let mut cal = BranchCalendar::default();
        cal.exceptions.insert(d(2026, 10, 1), ExceptionKind::Holiday); // Thursday
        cal.exceptions.insert(d(2026, 10, 11), ExceptionKind::WorkingDay); // Sunday
        assert!(!cal.is_working_day(d(2026, 10, 1)));
        assert!(cal.is_working_day(d(2026, 10, 11)));
        assert_eq!(cal.next_working_day(d(2026, 9, 30)), Some(d(2026, 10, 2)));
    }

    #[test]
    fn time_2_weekday_names_round_trip_and_reject_unknown() {
        let w = WorkingWeekdays::parse_names(&["mon", "wed", "sun"]).unwrap_or_default();
        assert_eq!(w.names(), vec!["mon", "wed", "sun"]);
        assert_eq!(WorkingWeekdays::parse_names(&["mon", "funday"]), Err(1));
    }

    #[test]
    fn time_3_meeting_windows_default_and_overlap() {
        let m = MeetingWindow::default_morning();
        let e = MeetingWindow::default_evening();
        assert!(!m.overlaps(e));
        let t = |h, mi| NaiveTime::from_hms_opt(h, mi, 0).unwrap_or_default();
        let late_morning = MeetingWindow::new(t(9, 0), t(10, 0)).unwrap_or(m);
        assert!(m.overlaps(late_morning));
        let adjacent = MeetingWindow::new(t(9, 30), t(10, 0)).unwrap_or(m);
        assert!(!m.overlaps(adjacent));
        assert!(MeetingWindow::new(t(10, 0), t(9, 0)).is_none());
    }

    proptest! {
        #[test]
        fn time_2_next_working_day_is_working_and_nothing_between_is(
            mask in 1u8..128, start in 0i64..3650, holidays in proptest::collection::vec(0i64..400, 0..20)
        ) {
            let base = d(2025, 1, 1) + Duration::days(start);
            let days: Vec<Weekday> = ALL_WEEKDAYS.into_iter().filter(|w| mask & (1 << w.num_days_from_monday()) != 0).collect();
            let mut cal = BranchCalendar { weekdays: WorkingWeekdays::from_days(&days), exceptions: BTreeMap::new() };
            for h in holidays { cal.exceptions.insert(base + Duration::days(h % 30), ExceptionKind::Holiday); }
            if let Some(next) = cal.next_working_day(base) {
                prop_assert!(next > base);
                prop_assert!(cal.is_working_day(next));
                let mut x = base.succ_opt().unwrap_or(next);
                while x < next { prop_assert!(!cal.is_working_day(x)); x = x.succ_opt().unwrap_or(next); }
            }
        }

        #[test]
        fn time_1_local_instant_reads_back_as_same_business_day(days in 0i64..3650, secs in 0u32..86400) {
            let tz = parse_time_zone("America/New_York").unwrap_or(Tz::UTC);
            let date = d(2024, 1, 1) + Duration::days(days);
            let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap_or_default();
            let at = local_instant(date, time, tz);
            prop_assert_eq!(business_day(at, tz), date);
        }
    }
}
