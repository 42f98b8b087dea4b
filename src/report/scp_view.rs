//! The printer for `dopaudit scp simulate`: the verdict, the policy, statement and level that decided it,
//! and every level on the path with what it allows and denies.

use std::io::{self, Write};

use super::catalogue_view::ListFormat;
use crate::scp::eval::{LevelKind, StatementRef, Verdict};
use crate::scp::Simulation;

fn kind_name(kind: LevelKind) -> &'static str {
    match kind {
        LevelKind::Root => "root",
        LevelKind::OrganizationalUnit => "OU",
        LevelKind::Account => "account",
    }
}

fn statement(s: &StatementRef) -> String {
    let which = s.sid.as_ref().map_or_else(|| format!("#{}", s.statement_index), |sid| sid.clone());
    let mut text = format!("{} ({}) statement {which}", s.policy_name, s.policy_id);
    if s.partial {
        text.push_str(" [some resources only]");
    }
    if let Some(c) = &s.condition {
        text.push_str(&format!(" [when {c}]"));
    }
    text
}

pub fn render_simulation(sim: &Simulation, format: ListFormat, out: &mut dyn Write) -> io::Result<()> {
    if format == ListFormat::Json {
        serde_json::to_writer_pretty(&mut *out, sim)?;
        return writeln!(out);
    }
    let name = sim.account_name.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
    let resource = sim.resource.as_ref().map(|r| format!(" on {r}")).unwrap_or_default();
    writeln!(out, "Account {}{name}, action {}{resource}", sim.account, sim.action)?;
    if !sim.context.is_empty() {
        let known: Vec<String> = sim.context.iter().map(|(k, v)| format!("{k}={}", v.join("|"))).collect();
        writeln!(out, "Known of the request: {}", known.join(", "))?;
    }
    match &sim.decision {
        d if !sim.scp_applies => writeln!(out, "Verdict: NOT RESTRICTED BY SCPs — {}", d.reason)?,
        d => {
            let verdict = match d.verdict {
                Verdict::Allowed => "ALLOWED",
                Verdict::Denied => "DENIED",
                Verdict::Conditional => "CONDITIONAL",
            };
            writeln!(out, "Verdict: {verdict} — {}", d.reason)?;
            for s in &d.deciding {
                writeln!(
                    out,
                    "  decided by {} at {} {} ({})",
                    statement(s),
                    kind_name(s.level_kind),
                    s.level_id,
                    s.level_name
                )?;
            }
            writeln!(out, "\nPath evaluated, root first:")?;
            for level in &d.path {
                writeln!(out, "  {} {} ({})", kind_name(level.kind), level.id, level.name)?;
                if level.allowed_by.is_empty() && level.denied_by.is_empty() && level.conditional.is_empty() {
                    writeln!(out, "    nothing here applies to the action: it is denied at this level")?;
                }
                for s in &level.allowed_by {
                    writeln!(out, "    allows:      {}", statement(s))?;
                }
                for s in &level.denied_by {
                    writeln!(out, "    denies:      {}", statement(s))?;
                }
                for s in &level.conditional {
                    writeln!(out, "    conditional: {}", statement(s))?;
                }
            }
        }
    }
    for note in &sim.notes {
        writeln!(out, "\nNote: {note}")?;
    }
    Ok(())
}
