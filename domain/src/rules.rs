//! Rule ids of the rulebook (indexed in `docs/rules.md`) as a closed vocabulary: ledgers,
//! penalties, deductions and explanations cite a `RuleId`, never a free string.

use std::fmt;

macro_rules! rule_ids {
    ($($v:ident => $s:literal : $statement:literal),* $(,)?) => {
        /// One rule of the rulebook.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RuleId { $($v),* }

        impl RuleId {
            /// Every rule id, in rulebook order.
            pub const ALL: &'static [RuleId] = &[$(RuleId::$v),*];

            /// The id as the rulebook writes it (`DIA-PEN-LATEFILL`).
            pub fn as_str(self) -> &'static str {
                match self { $(RuleId::$v => $s),* }
            }

            /// The rule in one line, as the rulebook states it (defaults are policy parameters).
            pub fn statement(self) -> &'static str {
                match self { $(RuleId::$v => $statement),* }
            }

            pub fn parse(s: &str) -> Option<RuleId> {
                match s { $($s => Some(RuleId::$v),)* _ => None }
            }
        }
    };
}

rule_ids! {
    Time1 => "TIME-1": "Every branch has an IANA time zone; an agent's business day is a calendar date in that zone, and deadlines are local wall-clock times there.",
    Time2 => "TIME-2": "Every branch has a working calendar (working weekdays plus dated exceptions); approved leave removes a day from every daily requirement.",
    Time3 => "TIME-3": "Every branch has a morning and an evening meeting window (default 08:30–09:30 and 17:30–18:30).",
    Time4 => "TIME-4": "The server's receive time decides every deadline; the client's `occurred_at` is kept as a fact but never decides lateness.",
    Pol1 => "POL-1": "Quota, penalty, quality and commission parameters form a policy versioned by effective date, per company or branch; day D is judged under the version in force on D.",
    Act1 => "ACT-1": "Activities are face visits, phone services, renewal collections, outlet services and meeting attendance.",
    Act2 => "ACT-2": "A face visit records its content checklist and counts toward quota when it names a client and is not voided.",
    Act3 => "ACT-3": "A phone service counts toward quota only if it lasted at least `min_call_seconds` (default 30).",
    Act4 => "ACT-4": "A supervisor may accompany a face visit; it counts for the supervisor's co-visit days.",
    Act5 => "ACT-5": "Activities are never deleted: an agent may void their own activity of the current business day with a reason.",
    QuoFaceD => "QUO-FACE-D": "At least 3 counted face visits on each working day.",
    QuoFaceM => "QUO-FACE-M": "At least 60 counted face visits in the calendar month.",
    QuoCallD => "QUO-CALL-D": "At least 5 counted phone services on each working day.",
    QuoCallM => "QUO-CALL-M": "At least 100 counted phone services in the calendar month.",
    QuoRenew => "QUO-RENEW": "At least 20 renewal collections on assigned clients, dated before the month's renewal deadline day (default the 10th).",
    QuoOutlet => "QUO-OUTLET": "At least one outlet service at each assigned outlet in every ISO week.",
    QuoDiary => "QUO-DIARY": "One work diary submitted on each working day.",
    QuoMeet => "QUO-MEET": "Attendance at the branch's daily meetings is recorded on each working day.",
    Quo2 => "QUO-2": "A surplus on one day never offsets a shortfall on another.",
    Quo3 => "QUO-3": "Monthly, renewal, outlet and meeting requirements are compliance results (met / short by N), with no money penalty unless a policy attaches one.",
    Dia1 => "DIA-1": "One diary per agent per working day: today's visits and calls (pre-filled) and tomorrow's plan.",
    Dia2 => "DIA-2": "A diary goes draft → submitted → approved or returned; only its agent edits it, only their supervisor approves or returns it (a return needs a comment).",
    Dia3 => "DIA-3": "The diary of day D is on time by the deadline on D, late-filled until the end of the next working day's morning meeting, missing after that.",
    Dia4 => "DIA-4": "A submitted diary is due for review by the end of the evening meeting of the working day after its submission.",
    Dia5 => "DIA-5": "The quality office spot-checks sampled diaries; a check ends genuine or falsified.",
    ActPenMiss => "ACT-PEN-MISS": "Each counted face visit or phone service missing below the daily quota costs the agent one client lead.",
    DiaPenMissing => "DIA-PEN-MISSING": "A missing diary costs the agent 5 yuan and 5 client leads.",
    DiaPenLatefill => "DIA-PEN-LATEFILL": "A diary late-filled in the morning window costs the agent 20 yuan.",
    DiaPenUnreviewed => "DIA-PEN-UNREVIEWED": "Each diary not reviewed by its deadline costs the supervisor 10 yuan.",
    DiaPenFalsified => "DIA-PEN-FALSIFIED": "A falsified diary costs the agent 100 yuan and suspends their next quarterly lead allocation.",
    DiaPenFalsifiedSup => "DIA-PEN-FALSIFIED-SUP": "A falsified diary costs the agent's supervisor at the time 200 yuan.",
    Pen1 => "PEN-1": "Every penalty carries its rule id, policy version, day or period, triggering facts and the person it falls on.",
    Pen2 => "PEN-2": "Penalties are derived: evaluating the same facts under the same policy yields the same penalties, and re-evaluation never duplicates.",
    Pen3 => "PEN-3": "A penalty is waived only by an authorised role with a reason, as a new ledger entry.",
    Lead1 => "LEAD-1": "Each agent receives a quarterly lead allocation (default 60) less the deductions accrued in the quarter; a larger deficit carries over.",
    Lead2 => "LEAD-2": "A falsified diary suspends the next quarterly allocation entirely; deductions still carry over.",
    Qlt1 => "QLT-1": "A catalogue of violation codes, each with title, points (fixed, a range or tiered) and the posts that may report it.",
    Qlt2 => "QLT-2": "Reporting posts file reports that stay pending until the quality office confirms or dismisses them; a whistleblower is visible only to the quality office.",
    Qlt3 => "QLT-3": "An agent may appeal a confirmed violation within 7 days; the committee upholds, reduces or overturns it as a new record.",
    Qlt4 => "QLT-4": "An agent's quality score is the sum of confirmed points dated in the calendar half-year.",
    Qlt5 => "QLT-5": "A score reaching 15 recommends termination and brings the supervisor a criticism notice, a delayed promotion and 15% of the month's allowance withheld.",
    Qlt6 => "QLT-6": "Monthly tallies by HR, quarterly review and sign-off by the committee, and an annual summary per department.",
    Qlt7 => "QLT-7": "Every agent has a credit file: violations, outcomes, commendations and complaints.",
    Com1 => "COM-1": "A policy record: number, agent, client, product, premium, commission, printed, effective and receipt dates.",
    Com2 => "COM-2": "Commission is paid normally only when the callback passed without problems and the receipt was returned.",
    Com3 => "COM-3": "New-policy callbacks run in rounds, then a manual callback; the outcome holds, releases, deducts or withholds commission.",
    Com3_1 => "COM-3.1": "The first callback round opens 10 days after printing; calls only 09:00–21:00 local, failed calls 6 hours apart, the round ends after 3 failures.",
    Com3_2 => "COM-3.2": "A successful call with no forged signature and no misleading meets the callback condition.",
    Com3_3 => "COM-3.3": "After a failed first round the agent has 10 days to confirm or update the client's contact, then the second round runs.",
    Com3_4 => "COM-3.4": "After a failed second round the commission is held and a manual callback is scheduled.",
    Com3_5 => "COM-3.5": "A clean manual callback releases the hold; success on a changed number deducts 40 yuan; failure withholds the commission.",
    Com3_6 => "COM-3.6": "A success that finds a forged signature or misleading holds the commission for the quality office and raises a report.",
    Com4 => "COM-4": "Call outcomes fall into success, temporarily unsuccessful, number problem, refusal, special and other.",
    Com5 => "COM-5": "A client phone equal to an agent's, staff member's or outlet's number is a number problem on every call and raises Q-CONTACT.",
    Com6 => "COM-6": "A signed callback confirmation with a special-callback request satisfies the callback condition; an early callback may be requested.",
    Com7 => "COM-7": "A receipt returned before the cut-off meets the receipt condition; none holds; one returned over 3 months after the effective date deducts 20 yuan.",
    Com8 => "COM-8": "Settlement runs monthly with the cut-off on the 20th; each agent's statement lists earned, held, released, deducted, withheld, penalties and net.",
    Sup1 => "SUP-1": "Supervisors review their team's diaries (DIA-2, DIA-4).",
    Sup2 => "SUP-2": "A supervisor co-visits clients with agents on at least 20 days a month.",
    Sup3 => "SUP-3": "The team view shows today's quota progress, diaries awaiting review, penalties and quality scores.",
    Met1 => "MET-1": "Daily activity statistics per agent, team and branch, with conversions.",
    Met2 => "MET-2": "A share of count is a category's count over the total count of the same scope and period.",
    Met3 => "MET-3": "An agent below the production threshold for N consecutive periods triggers a coaching task for the supervisor.",
    Met4 => "MET-4": "A weighted score over count attainment, activity compliance and customer satisfaction.",
    Met5 => "MET-5": "Policies approaching expiry raise reminders 90, 60 and 30 days before.",
    Met6 => "MET-6": "Monthly target pacing: 25%, 45%, 60%, 75%, 90% and 100% of the target by day 5, 10, 15, 20, 25 and the month's end.",
    Met7 => "MET-7": "Large policies need approval: up to 20,000 yuan the agent, up to 50,000 the supervisor, above that the general manager.",
    Int1 => "INT-1": "Integrity flags (back-dating, impossible travel, identical call bursts, copied diaries) feed spot checks, never penalties.",
    Ledger1 => "LEDGER-1": "Ledgers are append-only; a correction is a new entry referring to the one it corrects.",
    Ledger2 => "LEDGER-2": "A closed period is immutable; a late fact produces an adjustment in the next open period.",
    Aud1 => "AUD-1": "Every state change records who, when, the request id, and the values before and after.",
    Lic1 => "LIC-1": "An agent without the qualification certificate may log activities and diaries but sell no policy.",
    Lic2 => "LIC-2": "Every licensed agent completes 36 hours of continuing education each calendar year.",
    Lic3 => "LIC-3": "An agent short of the year's hours on 31 December has a lapsed licence until the hours are recorded and HR reinstates them.",
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for RuleId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RuleId::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown rule id {s}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for r in RuleId::ALL {
            assert!(seen.insert(r.as_str()), "{r} twice");
            assert_eq!(RuleId::parse(r.as_str()), Some(*r));
        }
        assert_eq!(RuleId::parse("DIA-PEN-LATEFILL"), Some(RuleId::DiaPenLatefill));
        assert_eq!(RuleId::parse("COM-3.5"), Some(RuleId::Com3_5));
        assert_eq!(RuleId::parse("nope"), None);
    }

    #[test]
    fn every_rule_has_a_one_line_statement() {
        for r in RuleId::ALL {
            let s = r.statement();
            assert!(s.len() > 20 && !s.contains('\n') && s.ends_with('.'), "{r}: {s}");
        }
    }
}
