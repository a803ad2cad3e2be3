//! The organisation (TIME-1..3 settings live on branches): company → branches → teams → users.

use crate::error::ValidationErrors;
use crate::ids::{BranchId, CompanyId, TeamId, UserId};
use crate::time::{BranchCalendar, BranchZone, ExceptionKind, MeetingWindow, WorkingWeekdays, DEFAULT_TIME_ZONE};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// The functions a user performs. Stored and sent as snake_case strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Agent,
    Supervisor,
    QualityOfficer,
    CallbackAgent,
    Hr,
    Admin,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Agent,
        Role::Supervisor,
        Role::QualityOfficer,
        Role::CallbackAgent,
        Role::Hr,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::QualityOfficer => "quality_officer",
            Role::CallbackAgent => "callback_agent",
            Role::Hr => "hr",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A dated calendar exception with an optional label ("National Day").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarException {
    pub date: NaiveDate,
    pub kind: ExceptionKind,
    pub name: Option<String>,
}

/// A branch's validated settings (TIME-1..3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BranchSettings {
    pub name: String,
    pub time_zone: BranchZone,
    #[serde(serialize_with = "ser_weekdays")]
    pub working_weekdays: WorkingWeekdays,
    pub calendar_exceptions: Vec<CalendarException>,
    #[serde(serialize_with = "ser_window")]
    pub morning_meeting: MeetingWindow,
    #[serde(serialize_with = "ser_window")]
    pub evening_meeting: MeetingWindow,
}

fn ser_weekdays<S: serde::Serializer>(w: &WorkingWeekdays, s: S) -> Result<S::Ok, S::Error> {
    w.names().serialize(s)
}

fn ser_window<S: serde::Serializer>(w: &MeetingWindow, s: S) -> Result<S::Ok, S::Error> {
    [format_hm(w.start()), format_hm(w.end())].serialize(s)
}

/// "HH:MM", or "HH:MM:SS" when seconds are set.
pub fn format_hm(t: NaiveTime) -> String {
    if t.format("%S").to_string() == "00" {
        t.format("%H:%M").to_string()
    } else {
        t.format("%H:%M:%S").to_string()
    }
}

/// Accepts "HH:MM" or "HH:MM:SS" (24-hour clock).
pub fn parse_hm(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .ok()
}

/// Unvalidated branch settings as they arrive; [`BranchSettings::parse`] checks every field.
#[derive(Debug, Clone)]
pub struct BranchDraft {
    pub name: String,
    pub time_zone: String,
    pub working_weekdays: Vec<String>,
    pub calendar_exceptions: Vec<CalendarException>,
    pub morning_meeting: (String, String),
    pub evening_meeting: (String, String),
}

impl Default for BranchDraft {
    fn default() -> Self {
        let m = MeetingWindow::default_morning();
        let e = MeetingWindow::default_evening();
        Self {
            name: String::new(),
            time_zone: DEFAULT_TIME_ZONE.to_owned(),
            working_weekdays: WorkingWeekdays::default()
                .names()
                .into_iter()
                .map(String::from)
                .collect(),
            calendar_exceptions: Vec::new(),
            morning_meeting: (format_hm(m.start()), format_hm(m.end())),
            evening_meeting: (format_hm(e.start()), format_hm(e.end())),
        }
    }
}

pub const MAX_NAME_LEN: usize = 200;

/// A trimmed, non-empty name of bounded length.
pub fn check_name(errors: &mut ValidationErrors, pointer: &str, name: &str) -> String {
    let trimmed = name.trim();
    if trimmed.is_empty() {
        errors.push(pointer, "must not be empty");
    } else if trimmed.chars().count() > MAX_NAME_LEN {
        errors.push(pointer, format!("must be at most {MAX_NAME_LEN} characters"));
    }
    trimmed.to_owned()
}

impl BranchSettings {
    /// TIME-1..3: a real IANA zone, at least one working weekday, no date listed twice,
    /// well-formed meeting windows that do not overlap each other.
    pub fn parse(d: BranchDraft) -> Result<BranchSettings, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let name = check_name(&mut errors, "/name", &d.name);
        let time_zone = BranchZone::parse(&d.time_zone);
        if time_zone.is_none() {
            errors.push("/time_zone", format!("'{}' is not an IANA time zone name", d.time_zone));
        }
        let working_weekdays = match WorkingWeekdays::parse_names(&d.working_weekdays) {
            Ok(w) if w.is_empty() => {
                errors.push("/working_weekdays", "at least one working weekday is required");
                w
            }
            Ok(w) => w,
            Err(i) => {
                errors.push(
                    format!("/working_weekdays/{i}"),
                    "must be one of mon, tue, wed, thu, fri, sat, sun",
                );
                WorkingWeekdays::default()
            }
        };
        let mut seen = std::collections::BTreeSet::new();
        for (i, ex) in d.calendar_exceptions.iter().enumerate() {
            if !seen.insert(ex.date) {
                errors.push(
                    format!("/calendar_exceptions/{i}/date"),
                    "date is listed more than once",
                );
            }
            if let Some(n) = &ex.name {
                if n.chars().count() > MAX_NAME_LEN {
                    errors.push(format!("/calendar_exceptions/{i}/name"), "is too long");
                }
            }
        }
        let morning = parse_window(&mut errors, "/morning_meeting", &d.morning_meeting);
        let evening = parse_window(&mut errors, "/evening_meeting", &d.evening_meeting);
        if let (Some(m), Some(e)) = (morning, evening) {
            if m.overlaps(e) {
                errors.push("/evening_meeting", "overlaps the morning meeting window");
            }
        }
        let mut calendar_exceptions = d.calendar_exceptions;
        calendar_exceptions.sort_by_key(|e| e.date);
        errors.into_result(BranchSettings {
            name,
            time_zone: time_zone.unwrap_or_default(),
            working_weekdays,
            calendar_exceptions,
            morning_meeting: morning.unwrap_or_else(MeetingWindow::default_morning),
            evening_meeting: evening.unwrap_or_else(MeetingWindow::default_evening),
        })
    }

    pub fn calendar(&self) -> BranchCalendar {
        BranchCalendar {
            weekdays: self.working_weekdays,
            exceptions: self.calendar_exceptions.iter().map(|e| (e.date, e.kind)).collect(),
        }
    }

    /// The draft that reproduces these settings, for merging a partial update.
    pub fn to_draft(&self) -> BranchDraft {
        BranchDraft {
            name: self.name.clone(),
            time_zone: self.time_zone.name().to_owned(),
            working_weekdays: self.working_weekdays.names().into_iter().map(String::from).collect(),
            calendar_exceptions: self.calendar_exceptions.clone(),
            morning_meeting: (
                format_hm(self.morning_meeting.start()),
                format_hm(self.morning_meeting.end()),
            ),
            evening_meeting: (
                format_hm(self.evening_meeting.start()),
                format_hm(self.evening_meeting.end()),
            ),
        }
    }
}

fn parse_window(errors: &mut ValidationErrors, pointer: &str, w: &(String, String)) -> Option<MeetingWindow> {
    let start = parse_hm(&w.0);
    let end = parse_hm(&w.1);
    if start.is_none() {
        errors.push(format!("{pointer}/start"), "must be a time as HH:MM");
    }
    if end.is_none() {
        errors.push(format!("{pointer}/end"), "must be a time as HH:MM");
    }
    let window = MeetingWindow::new(start?, end?);
    if window.is_none() {
        errors.push(format!("{pointer}/end"), "must be later than start");
    }
    window
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Branch {
    pub company_id: CompanyId,
    pub id: BranchId,
    #[serde(flatten)]
    pub settings: BranchSettings,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Team {
    pub company_id: CompanyId,
    pub id: TeamId,
    pub branch_id: BranchId,
    pub name: String,
    pub supervisor_id: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub company_id: CompanyId,
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub branch_id: Option<BranchId>,
    pub team_id: Option<TeamId>,
    pub active: bool,
    #[serde(skip)]
    pub password_hash: String,
    /// Carried in access tokens; bumping it (logout, password change, deactivation) ends every
    /// access token issued before.
    #[serde(skip)]
    pub token_generation: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Lower-cased, trimmed e-mail: logins and uniqueness compare this form.
pub fn normalise_email(s: &str) -> String {
    s.trim().to_lowercase()
}

/// A phone number reduced to its digits (keeping a leading '+') so equal numbers match.
/// Returns `None` when fewer than 5 or more than 20 digits remain.
pub fn normalise_phone(s: &str) -> Option<String> {
    let trimmed = s.trim();
    let digits: String = trimmed.chars().filter(|c| c.is_ascii_digit()).collect();
    let ok_chars = trimmed
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' ' | '(' | ')' | '.'));
    if !ok_chars || !(5..=20).contains(&digits.len()) {
        return None;
    }
    Some(if trimmed.starts_with('+') {
        format!("+{digits}")
    } else {
        digits
    })
}

/// The minimum password length for staff accounts.
pub const MIN_PASSWORD_LEN: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> BranchDraft {
        BranchDraft {
            name: "Pudong".into(),
            ..BranchDraft::default()
        }
    }

    #[test]
    fn time_1_branch_defaults_to_shanghai_and_parses() {
        let s = BranchSettings::parse(draft()).map_err(|e| e.to_string());
        assert_eq!(s.map(|s| s.time_zone.name()), Ok("Asia/Shanghai"));
    }

    #[test]
    fn time_1_branch_with_unknown_zone_points_at_time_zone() {
        let d = BranchDraft {
            time_zone: "Mars/Olympus".into(),
            ..draft()
        };
        let err = BranchSettings::parse(d).err().unwrap_or_default();
        assert_eq!(err.0.len(), 1);
        assert_eq!(err.0[0].pointer, "/time_zone");
    }

    #[test]
    fn time_3_overlapping_windows_are_rejected() {
        let d = BranchDraft {
            morning_meeting: ("08:30".into(), "18:00".into()),
            ..draft()
        };
        let err = BranchSettings::parse(d).err().unwrap_or_default();
        assert_eq!(
            err.0.iter().map(|e| e.pointer.as_str()).collect::<Vec<_>>(),
            vec!["/evening_meeting"]
        );
    }

    #[test]
    fn time_3_window_end_must_follow_start_and_be_a_time() {
        let d = BranchDraft {
            morning_meeting: ("09:30".into(), "08:30".into()),
            evening_meeting: ("25:00".into(), "18:00".into()),
            ..draft()
        };
        let err = BranchSettings::parse(d).err().unwrap_or_default();
        let ptrs: Vec<_> = err.0.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(ptrs, vec!["/morning_meeting/end", "/evening_meeting/start"]);
    }

    #[test]
    fn time_2_weekdays_must_be_known_and_non_empty() {
        let unknown = BranchDraft {
            working_weekdays: vec!["mon".into(), "xyz".into()],
            ..draft()
        };
        let err = BranchSettings::parse(unknown).err().unwrap_or_default();
        assert_eq!(err.0[0].pointer, "/working_weekdays/1");
        let empty = BranchDraft {
            working_weekdays: vec![],
            ..draft()
        };
        let err = BranchSettings::parse(empty).err().unwrap_or_default();
        assert_eq!(err.0[0].pointer, "/working_weekdays");
    }

    #[test]
    fn time_2_duplicate_exception_dates_are_rejected() {
        let date = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap_or_default();
        let ex = CalendarException {
            date,
            kind: ExceptionKind::Holiday,
            name: None,
        };
        let d = BranchDraft {
            calendar_exceptions: vec![ex.clone(), ex],
            ..draft()
        };
        let err = BranchSettings::parse(d).err().unwrap_or_default();
        assert_eq!(err.0[0].pointer, "/calendar_exceptions/1/date");
    }

    #[test]
    fn settings_round_trip_through_draft() {
        let s = BranchSettings::parse(draft()).ok();
        let again = s.clone().and_then(|s| BranchSettings::parse(s.to_draft()).ok());
        assert!(s.is_some());
        assert_eq!(s, again);
    }

    #[test]
    fn phone_numbers_normalise_to_digits() {
        assert_eq!(normalise_phone("+86 138-0013-8000"), Some("+8613800138000".into()));
        assert_eq!(normalise_phone("(021) 5555 1234"), Some("02155551234".into()));
        assert_eq!(normalise_phone("12"), None);
        assert_eq!(normalise_phone("call me"), None);
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
