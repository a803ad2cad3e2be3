//! Dynamic SQL with numbered parameters that bind on both engines.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Uuid(Uuid),
    OptUuid(Option<Uuid>),
    Text(String),
    OptText(Option<String>),
    Int(i64),
    Bool(bool),
    OptInt(Option<i64>),
    Date(NaiveDate),
    OptDate(Option<NaiveDate>),
    Ts(DateTime<Utc>),
    OptTs(Option<DateTime<Utc>>),
}

/// SQL text plus its arguments; `arg` returns the placeholder to splice in.
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql {
            text: text.to_owned(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }

    pub fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    /// Appends `$a, $b, …` for a list (callers guard against an empty list).
    pub fn list(&mut self, items: impl IntoIterator<Item = Arg>) -> String {
        let ph: Vec<String> = items.into_iter().map(|a| self.arg(a)).collect();
        ph.join(", ")
    }
}

/// Binds every `Arg` in order onto a sqlx query (works for `query` and `query_as`).
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::sql::Arg::Uuid(v) => q.bind(*v),
                $crate::sql::Arg::OptUuid(v) => q.bind(*v),
                $crate::sql::Arg::Text(v) => q.bind(v.as_str()),
                $crate::sql::Arg::OptText(v) => q.bind(v.as_deref()),
                $crate::sql::Arg::Int(v) => q.bind(*v),
                $crate::sql::Arg::Bool(v) => q.bind(*v),
                $crate::sql::Arg::OptInt(v) => q.bind(*v),
                $crate::sql::Arg::Date(v) => q.bind(*v),
                $crate::sql::Arg::OptDate(v) => q.bind(*v),
                $crate::sql::Arg::Ts(v) => q.bind(*v),
                $crate::sql::Arg::OptTs(v) => q.bind(*v),
            };
        }
        q
    }};
}
pub(crate) use bind_args;

/// `cols` ("a, b, c") qualified with a table alias ("t.a, t.b, t.c").
pub(crate) fn prefixed(cols: &str, p: &str) -> String {
    cols.split(", ")
        .map(|c| format!("{p}.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A subquery of the people (one column, `id`) in a team-shaped listing scope: a team's
/// members, or a supervisor and the members of the teams they lead. `None` for the others.
pub(crate) fn scope_agents(sql: &mut Sql, scope: &domain::ports::ListScope, company_ph: &str) -> String {
    use domain::ports::ListScope;
    match scope {
        ListScope::Team(t) => format!(
            "SELECT su.id FROM users su WHERE su.company_id = {company_ph} AND su.team_id = {}",
            sql.arg(Arg::Uuid(t.0))
        ),
        ListScope::SupervisedBy(s) => {
            let p = sql.arg(Arg::Uuid(s.0));
            format!(
                "SELECT {p} AS id UNION SELECT su.id FROM users su JOIN teams st ON st.company_id = su.company_id \
                 AND st.id = su.team_id WHERE su.company_id = {company_ph} AND st.supervisor_id = {p}"
            )
        }
        ListScope::User(u) => format!("SELECT {} AS id", sql.arg(Arg::Uuid(u.0))),
        ListScope::Company => format!("SELECT su.id FROM users su WHERE su.company_id = {company_ph}"),
    }
}

/// The filter for person-owned rows (`col` holds the person) within a listing scope.
pub(crate) fn person_scope(sql: &mut Sql, scope: &domain::ports::ListScope, col: &str, company_ph: &str) -> String {
    use domain::ports::ListScope;
    match scope {
        ListScope::Company => "1 = 1".to_owned(),
        ListScope::User(u) => format!("{col} = {}", sql.arg(Arg::Uuid(u.0))),
        ListScope::Team(t) => format!(
            "{col} IN (SELECT su.id FROM users su WHERE su.company_id = {company_ph} AND su.team_id = {})",
            sql.arg(Arg::Uuid(t.0))
        ),
        ListScope::SupervisedBy(s) => {
            let p = sql.arg(Arg::Uuid(s.0));
            format!(
                "({col} = {p} OR {col} IN (SELECT su.id FROM users su JOIN teams st ON st.company_id = su.company_id \
                 AND st.id = su.team_id WHERE su.company_id = {company_ph} AND st.supervisor_id = {p}))"
            )
        }
    }
}
