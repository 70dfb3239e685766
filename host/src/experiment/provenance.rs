//! The line every results table starts with: the command that made it, the dl2pa version, the
//! date and the CPU, so a figure can always be matched with the code and machine behind it.

use std::time::{SystemTime, UNIX_EPOCH};

/// `Made by \`COMMAND\` — dl2pa VERSION (commit HASH), YYYY-MM-DD (UTC), CPU, N threads.`
pub fn line() -> String {
    let args: Vec<String> = std::env::args().collect();
    let command = match args.split_first() {
        Some((_, rest)) => format!("dl2pa {}", rest.join(" ")),
        None => "dl2pa".to_string(),
    };
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    format!(
        "Made by `{command}` — dl2pa {}, {} (UTC), {}, {threads} threads.\n\n",
        crate::VERSION,
        today(),
        cpu()
    )
}

/// Today's date, `YYYY-MM-DD`, from the system clock (days since 1970 to the civil calendar).
fn today() -> String {
    let days = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() / 86_400) as i64;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The proleptic Gregorian date of day `z` after 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// The CPU's model name and family from `/proc/cpuinfo` (Linux), else the architecture.
fn cpu() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |key: &str| {
        info.lines()
            .find(|l| l.split(':').next().is_some_and(|k| k.trim() == key))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_string())
    };
    match (field("model name"), field("cpu family")) {
        (Some(name), Some(family)) => format!("{name} (family {family})"),
        (Some(name), None) => name,
        _ => std::env::consts::ARCH.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn days_map_to_the_calendar() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_787), (2026, 11, 30));
    }
}
