//! Hashes CloudTrail log files the way `dopaudit validate-logs` does, to measure the CPU side of integrity validation
//! against `gzip -dc FILE | sha256sum` (see bench/integrity/cpu.sh).
//!
//!     ct_hash [--threads N] [--print] FILE...
//!
//! Every FILE is opened with `std::fs::File` and streamed through `dopaudit::integrity::hash_log` (one gzip member
//! into SHA-256) by N worker threads (default: the available parallelism). The run ends with one summary line of
//! `key=value` pairs: files, threads, compressed and uncompressed MB (10^6 bytes; the uncompressed size is read from
//! each file's gzip trailer, so it is exact below 4 GiB per file), wall seconds and MB/s. The summary goes to
//! stdout, or to stderr with `--print`, which writes `<hex>  <file>` lines to stdout in `sha256sum` format and in
//! argument order, so a script can compare them with `gzip -dc FILE | sha256sum`. A file that cannot be hashed is
//! reported on stderr and makes the exit status 1.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::Instant;

use dopaudit::integrity::{hash_log, IntegrityError};

const USAGE: &str = "usage: ct_hash [--threads N] [--print] FILE...";

struct Args {
    threads: usize,
    print: bool,
    files: Vec<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut threads = None;
    let mut print = false;
    let mut files = Vec::new();
    let mut args = std::env::args_os().skip(1);
    let mut only_files = false;
    while let Some(arg) = args.next() {
        if only_files {
            files.push(PathBuf::from(arg));
            continue;
        }
        match arg.to_str() {
            Some("--") => only_files = true,
            Some("--print") => print = true,
            Some("-h" | "--help") => return Err(USAGE.to_owned()),
            Some(flag @ "--threads") | Some(flag @ "-j") => {
                let value = args.next().ok_or_else(|| format!("{flag} needs a value\n{USAGE}"))?;
                let n = value
                    .to_str()
                    .and_then(|v| v.parse::<usize>().ok())
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("{flag} takes a positive integer, not {value:?}"))?;
                threads = Some(n);
            }
            Some(s) if s.starts_with("--threads=") => {
                let n = s["--threads=".len()..]
                    .parse::<usize>()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--threads takes a positive integer, not {s:?}"))?;
                threads = Some(n);
            }
            Some(s) if s.starts_with('-') && s.len() > 1 => return Err(format!("unknown option {s}\n{USAGE}")),
            _ => files.push(PathBuf::from(arg)),
        }
    }
    if files.is_empty() {
        return Err(format!("no files given\n{USAGE}"));
    }
    let threads = threads.unwrap_or_else(|| thread::available_parallelism().map_or(1, NonZeroUsize::get));
    Ok(Args { threads: threads.min(files.len()), print, files })
}

/// What one file gave: its hash, and its compressed and (from the gzip trailer) uncompressed sizes.
struct Hashed {
    hash: [u8; 32],
    compressed: u64,
    uncompressed: u64,
}

fn hash_file(path: &PathBuf) -> Result<Hashed, String> {
    let mut file = File::open(path).map_err(|e| e.to_string())?;
    let compressed = file.metadata().map_err(|e| e.to_string())?.len();
    let hash = hash_log(&mut file).map_err(|e| match e {
        IntegrityError::InvalidFormat { reason } => format!("invalid format: {reason}"),
        other => other.to_string(),
    })?;
    // ISIZE, the last four bytes of a gzip member: the uncompressed length modulo 2^32, little-endian.
    let mut isize = [0u8; 4];
    let uncompressed = if compressed >= 4 {
        file.seek(SeekFrom::End(-4)).and_then(|_| file.read_exact(&mut isize)).map_err(|e| e.to_string())?;
        u64::from(u32::from_le_bytes(isize))
    } else {
        0
    };
    Ok(Hashed { hash, compressed, uncompressed })
}

fn run(args: &Args) -> io::Result<bool> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<Hashed, String>>>> = Mutex::new((0..args.files.len()).map(|_| None).collect());
    let started = Instant::now();
    thread::scope(|scope| {
        for _ in 0..args.threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = args.files.get(i) else { break };
                let result = hash_file(path);
                results.lock().unwrap_or_else(|poisoned| poisoned.into_inner())[i] = Some(result);
            });
        }
    });
    let seconds = started.elapsed().as_secs_f64();
    let results = results.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());

    let mut stdout = io::stdout().lock();
    let mut stderr = io::stderr().lock();
    let (mut compressed, mut uncompressed, mut failed) = (0u64, 0u64, 0usize);
    for (path, result) in args.files.iter().zip(results) {
        match result {
            Some(Ok(h)) => {
                compressed += h.compressed;
                uncompressed += h.uncompressed;
                if args.print {
                    writeln!(stdout, "{}  {}", hex::encode(h.hash), path.display())?;
                }
            }
            Some(Err(e)) => {
                failed += 1;
                writeln!(stderr, "ct_hash: {}: {e}", path.display())?;
            }
            None => {
                failed += 1;
                writeln!(stderr, "ct_hash: {}: not hashed (worker thread panicked)", path.display())?;
            }
        }
    }
    let mb = |bytes: u64| bytes as f64 / 1e6;
    let rate = |bytes: u64| if seconds > 0.0 { mb(bytes) / seconds } else { 0.0 };
    let summary = format!(
        "files={} failed={failed} threads={} compressed_mb={:.3} uncompressed_mb={:.3} seconds={seconds:.4} \
         compressed_mb_s={:.1} uncompressed_mb_s={:.1}",
        args.files.len(),
        args.threads,
        mb(compressed),
        mb(uncompressed),
        rate(compressed),
        rate(uncompressed),
    );
    if args.print {
        writeln!(stderr, "{summary}")?;
    } else {
        writeln!(stdout, "{summary}")?;
    }
    stdout.flush()?;
    Ok(failed == 0)
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(message) => {
            let _ = writeln!(io::stderr().lock(), "ct_hash: {message}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            let _ = writeln!(io::stderr().lock(), "ct_hash: cannot write output: {e}");
            ExitCode::FAILURE
        }
    }
}
