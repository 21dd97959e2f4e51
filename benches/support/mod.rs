//! What the benchmark harnesses share: their command line, statistics and verdicts.
#![allow(dead_code)]

pub type BenchResult<T> = Result<T, String>;

/// The command line after the program name: `--flag value`, `--flag=value` or a switch.
/// Flags a harness does not know (cargo passes `--bench`) are for it to ignore; `-h` and
/// `--help` print the usage and exit.
pub struct Flags {
    args: std::iter::Skip<std::env::Args>,
    usage: &'static str,
}

/// One flag and the value given with it (`--flag=value`), if any.
pub struct Flag {
    pub name: String,
    inline: Option<String>,
}

impl Flags {
    pub fn new(usage: &'static str) -> Self {
        Flags {
            args: std::env::args().skip(1),
            usage,
        }
    }

    pub fn next_flag(&mut self) -> Option<Flag> {
        let a = self.args.next()?;
        if a == "-h" || a == "--help" {
            println!("{}", self.usage);
            std::process::exit(0);
        }
        Some(match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => Flag {
                name: f.to_string(),
                inline: Some(v.to_string()),
            },
            _ => Flag {
                name: a,
                inline: None,
            },
        })
    }

    /// The flag's value: given with it, or the next argument.
    pub fn value(&mut self, flag: &Flag) -> BenchResult<String> {
        flag.inline
            .clone()
            .or_else(|| self.args.next())
            .filter(|v| !v.starts_with("--"))
            .ok_or_else(|| format!("{} needs a value\n{}", flag.name, self.usage))
    }

    /// The flag's value as a whole number >= 1.
    pub fn number(&mut self, flag: &Flag) -> BenchResult<u64> {
        let v = self.value(flag)?;
        number(&flag.name, &v)
    }
}

/// A whole number >= 1, or an error naming the flag.
pub fn number(name: &str, v: &str) -> BenchResult<u64> {
    v.parse()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| format!("{name} wants a whole number >= 1, not {v:?}"))
}

pub fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// Nearest-rank percentile of an unsorted sample.
pub fn percentile(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * s.len() as f64).ceil().max(1.0) as usize;
    s[rank.min(s.len()) - 1]
}

pub fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT MET"
    }
}

pub fn read_proc(path: &str) -> BenchResult<String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
}

/// CPU time of the calling thread, ns (first field of /proc/thread-self/schedstat).
pub fn thread_cpu_ns() -> BenchResult<u64> {
    let s = read_proc("/proc/thread-self/schedstat")?;
    s.split_whitespace()
        .next()
        .and_then(|f| f.parse().ok())
        .ok_or_else(|| format!("unexpected /proc/thread-self/schedstat: {s:?}"))
}
