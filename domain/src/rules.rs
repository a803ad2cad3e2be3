//! Rule ids of the rulebook (`shared/domain-rules.md`) as a closed vocabulary: ledgers,
//! penalties, deductions and explanations cite a `RuleId`, never a free string.

use std::fmt;

macro_rules! rule_ids {
    ($($v:ident => $s:literal),* $(,)?) => {
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

            pub fn parse(s: &str) -> Option<RuleId> {
                match s { $($s => Some(RuleId::$v),)* _ => None }
            }
        }
    };
}

rule_ids! {
    Time1 => "TIME-1",
    Time2 => "TIME-2",
    Time3 => "TIME-3",
    Time4 => "TIME-4",
    Pol1 => "POL-1",
    Act1 => "ACT-1",
    Act2 => "ACT-2",
    Act3 => "ACT-3",
    Act4 => "ACT-4",
    Act5 => "ACT-5",
    QuoFaceD => "QUO-FACE-D",
    QuoFaceM => "QUO-FACE-M",
    QuoCallD => "QUO-CALL-D",
    QuoCallM => "QUO-CALL-M",
    QuoRenew => "QUO-RENEW",
    QuoOutlet => "QUO-OUTLET",
    QuoDiary => "QUO-DIARY",
    QuoMeet => "QUO-MEET",
    Quo2 => "QUO-2",
    Quo3 => "QUO-3",
    Dia1 => "DIA-1",
    Dia2 => "DIA-2",
    Dia3 => "DIA-3",
    Dia4 => "DIA-4",
    Dia5 => "DIA-5",
    ActPenMiss => "ACT-PEN-MISS",
    DiaPenMissing => "DIA-PEN-MISSING",
    DiaPenLatefill => "DIA-PEN-LATEFILL",
    DiaPenUnreviewed => "DIA-PEN-UNREVIEWED",
    DiaPenFalsified => "DIA-PEN-FALSIFIED",
    DiaPenFalsifiedSup => "DIA-PEN-FALSIFIED-SUP",
    Pen1 => "PEN-1",
    Pen2 => "PEN-2",
    Pen3 => "PEN-3",
    Lead1 => "LEAD-1",
    Lead2 => "LEAD-2",
    Qlt1 => "QLT-1",
    Qlt2 => "QLT-2",
    Qlt3 => "QLT-3",
    Qlt4 => "QLT-4",
    Qlt5 => "QLT-5",
    Qlt6 => "QLT-6",
    Qlt7 => "QLT-7",
    Com1 => "COM-1",
    Com2 => "COM-2",
    Com3 => "COM-3",
    Com3_1 => "COM-3.1",
    Com3_2 => "COM-3.2",
    Com3_3 => "COM-3.3",
    Com3_4 => "COM-3.4",
    Com3_5 => "COM-3.5",
    Com3_6 => "COM-3.6",
    Com4 => "COM-4",
    Com5 => "COM-5",
    Com6 => "COM-6",
    Com7 => "COM-7",
    Com8 => "COM-8",
    Sup1 => "SUP-1",
    Sup2 => "SUP-2",
    Sup3 => "SUP-3",
    Met1 => "MET-1",
    Met2 => "MET-2",
    Met3 => "MET-3",
    Met4 => "MET-4",
    Met5 => "MET-5",
    Met6 => "MET-6",
    Met7 => "MET-7",
    Int1 => "INT-1",
    Ledger1 => "LEDGER-1",
    Ledger2 => "LEDGER-2",
    Aud1 => "AUD-1",
    Lic1 => "LIC-1",
    Lic2 => "LIC-2",
    Lic3 => "LIC-3",
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
}
