//! The `dopaudit` binary: parse flags, run, map the outcome to an exit code.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use dopaudit::{app, cli::Cli, report::Verdict};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let stdout_is_terminal = stdout.is_terminal();
    let stderr_is_terminal = stderr.is_terminal();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut err = stderr.lock();
    let mut streams = app::Streams { stdout: &mut out, stdout_is_terminal, stderr: &mut err, stderr_is_terminal };
    let result = app::run(&cli, &mut streams);
    let result = result.and_then(|v| out.flush().map(|_| v).map_err(dopaudit::error::Error::Stdout));
    match result {
        Ok(Verdict::Clean) => ExitCode::SUCCESS,
        Ok(Verdict::Failing) => ExitCode::from(1),
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::disallowed_macros)] // main prints the one error line
            {
                eprintln!("dopaudit: error: {e}");
            }
            ExitCode::from(2)
        }
    }
}
