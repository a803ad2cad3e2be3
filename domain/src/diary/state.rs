//! The diary's states and the transitions between them, and the writes they produce.

use super::{Diary, DiaryEvent, DiarySummary, TomorrowPlan};
use crate::ids::UserId;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// The states of a diary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiaryStatus {
    Draft,
    Submitted,
    Approved,
    Returned,
}

impl DiaryStatus {
    pub const ALL: [DiaryStatus; 4] = [Self::Draft, Self::Submitted, Self::Approved, Self::Returned];

    pub fn as_str(self) -> &'static str {
        match self {
            DiaryStatus::Draft => "draft",
            DiaryStatus::Submitted => "submitted",
            DiaryStatus::Approved => "approved",
            DiaryStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// DIA-2: the diary state machine. `draft` → `submitted` → `approved` | `returned`, and
    /// `returned` → `submitted` again after correction; only a draft or a returned diary can
    /// be edited (which keeps its state). Who may act is the caller's function (the owning
    /// agent writes, their supervisor or an admin reviews); a return also needs a comment
    /// ([`review_comment`]).
    pub fn apply(self, action: DiaryAction) -> Result<DiaryStatus, TransitionError> {
        use DiaryAction as A;
        use DiaryStatus as S;
        match (self, action) {
            (S::Draft | S::Returned, A::Edit) => Ok(self),
            (S::Draft | S::Returned, A::Submit) => Ok(S::Submitted),
            (S::Submitted, A::Approve) => Ok(S::Approved),
            (S::Submitted, A::Return) => Ok(S::Returned),
            (from, action) => Err(TransitionError { from, action }),
        }
    }

    /// Whether the owner may still change notes and plan.
    pub fn editable(self) -> bool {
        self.apply(DiaryAction::Edit).is_ok()
    }
}

/// What is done to a diary; every action but `edit` is recorded in its history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiaryAction {
    Edit,
    Submit,
    Approve,
    Return,
}

impl DiaryAction {
    pub const ALL: [DiaryAction; 4] = [Self::Edit, Self::Submit, Self::Approve, Self::Return];

    pub fn as_str(self) -> &'static str {
        match self {
            DiaryAction::Edit => "edit",
            DiaryAction::Submit => "submit",
            DiaryAction::Approve => "approve",
            DiaryAction::Return => "return",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// A transition the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionError {
    pub from: DiaryStatus,
    pub action: DiaryAction,
}

impl std::fmt::Display for TransitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.action {
            DiaryAction::Edit => write!(f, "a {} diary cannot be edited", self.from.as_str()),
            a => write!(f, "cannot {} a {} diary", a.as_str(), self.from.as_str()),
        }
    }
}

/// A review without the comment a return needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingComment;

/// A review's comment, trimmed (blank counts as none); returning a diary needs one.
pub fn review_comment(action: DiaryAction, comment: Option<String>) -> Result<Option<String>, MissingComment> {
    let comment = comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty());
    if action == DiaryAction::Return && comment.is_none() {
        return Err(MissingComment);
    }
    Ok(comment)
}

/// The versions a writer says it last read (`If-Match`), checked before a diary is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Absent,
    /// `*`: whatever is stored.
    Any,
    Versions(Vec<i64>),
}

impl IfMatch {
    /// `None` when absent; otherwise whether `version` is one the writer read.
    pub fn check(&self, version: i64) -> Option<bool> {
        match self {
            IfMatch::Absent => None,
            IfMatch::Any => Some(true),
            IfMatch::Versions(v) => Some(v.contains(&version)),
        }
    }
}

fn event(
    d: &Diary,
    actor: UserId,
    action: DiaryAction,
    to: DiaryStatus,
    comment: Option<String>,
    at: DateTime<Utc>,
) -> DiaryEvent {
    DiaryEvent {
        at,
        actor_id: actor,
        action,
        from_status: Some(d.status),
        to_status: to,
        comment,
    }
}

impl Diary {
    /// The diary with new notes and plan (the next version), if it is still editable.
    pub fn edited(&self, notes: String, plan: TomorrowPlan, now: DateTime<Utc>) -> Result<Diary, TransitionError> {
        self.status.apply(DiaryAction::Edit)?;
        Ok(Diary {
            notes,
            plan,
            version: self.version + 1,
            updated_at: now,
            ..self.clone()
        })
    }

    /// The submitted diary: its summary frozen, the first submission kept (it decides the
    /// class, TIME-4), a fresh review deadline and no review yet.
    pub fn submitted(
        &self,
        by: UserId,
        summary: DiarySummary,
        review_deadline: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(Diary, DiaryEvent), TransitionError> {
        let to = self.status.apply(DiaryAction::Submit)?;
        let after = Diary {
            status: to,
            version: self.version + 1,
            summary: Some(summary),
            first_submitted_at: self.first_submitted_at.or(Some(now)),
            submitted_at: Some(now),
            review_deadline,
            reviewed_at: None,
            reviewed_by: None,
            updated_at: now,
            ..self.clone()
        };
        Ok((after, event(self, by, DiaryAction::Submit, to, None, now)))
    }

    /// The diary approved or returned by `by`, with the review's comment in its history.
    pub fn reviewed(
        &self,
        by: UserId,
        action: DiaryAction,
        comment: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(Diary, DiaryEvent), TransitionError> {
        if !matches!(action, DiaryAction::Approve | DiaryAction::Return) {
            return Err(TransitionError {
                from: self.status,
                action,
            });
        }
        let to = self.status.apply(action)?;
        let after = Diary {
            status: to,
            version: self.version + 1,
            reviewed_at: Some(now),
            reviewed_by: Some(by),
            updated_at: now,
            ..self.clone()
        };
        Ok((after, event(self, by, action, to, comment, now)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dia_2_transitions() {
        use DiaryAction::*;
        use DiaryStatus::*;
        assert_eq!(Draft.apply(Submit), Ok(Submitted));
        assert_eq!(Returned.apply(Submit), Ok(Submitted));
        assert!(Submitted.apply(Submit).is_err());
        assert!(Approved.apply(Submit).is_err());
        assert_eq!(Submitted.apply(Approve), Ok(Approved));
        assert!(Draft.apply(Approve).is_err());
        assert!(Returned.apply(Approve).is_err());
        assert!(Approved.apply(Approve).is_err());
        assert_eq!(Submitted.apply(Return), Ok(Returned));
        assert!(Draft.apply(Return).is_err());
        assert!(Approved.apply(Return).is_err());
        assert_eq!((Draft.apply(Edit), Returned.apply(Edit)), (Ok(Draft), Ok(Returned)));
        assert!(Draft.editable() && Returned.editable() && !Submitted.editable() && !Approved.editable());
        let refused = Submitted.apply(Edit).err().map(|e| e.to_string());
        assert_eq!(refused.as_deref(), Some("a submitted diary cannot be edited"));
        let refused = Approved.apply(Submit).err().map(|e| e.to_string());
        assert_eq!(refused.as_deref(), Some("cannot submit a approved diary"));
    }

    #[test]
    fn dia_2_a_return_needs_a_comment() {
        assert_eq!(
            review_comment(DiaryAction::Return, Some("  ".into())),
            Err(MissingComment)
        );
        assert_eq!(review_comment(DiaryAction::Return, None), Err(MissingComment));
        assert_eq!(
            review_comment(DiaryAction::Return, Some(" fix ".into())),
            Ok(Some("fix".into()))
        );
        assert_eq!(review_comment(DiaryAction::Approve, Some(" ".into())), Ok(None));
    }

    #[test]
    fn if_match_names_versions() {
        assert_eq!(IfMatch::Absent.check(3), None);
        assert_eq!(IfMatch::Any.check(3), Some(true));
        assert_eq!(IfMatch::Versions(vec![2, 3]).check(3), Some(true));
        assert_eq!(IfMatch::Versions(vec![]).check(3), Some(false));
    }

    #[test]
    fn vocabularies_round_trip() {
        for s in DiaryStatus::ALL {
            assert_eq!(DiaryStatus::parse(s.as_str()), Some(s));
        }
        for a in DiaryAction::ALL {
            assert_eq!(DiaryAction::parse(a.as_str()), Some(a));
        }
        assert_eq!(DiaryStatus::parse("deleted"), None);
    }
}
