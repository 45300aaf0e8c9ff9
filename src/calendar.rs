//! Dates in UTC, as far as the helper needs them: `expires = "YYYY-MM-DD"`,
//! unix seconds for `password_expiry_utc`, and readable times in messages.

use std::fmt;

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    year: i32,
    month: u32,
    day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.split('-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !(digits(y) && digits(m) && digits(d)) {
            return None;
        }
        let (year, month, day) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { year, month, day })
    }

    /// Unix seconds at 00:00 UTC on this date.
    pub fn unix_start(self) -> i64 {
        days_from_civil(self.year, self.month, self.day) * 86_400
    }

    /// The date of unix time `secs` in UTC.
    pub fn of_unix(secs: i64) -> Date {
        let (year, month, day) = civil_from_days(secs.div_euclid(86_400));
        Date { year, month, day }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m, d)
}

/// How far off a token's expiry date is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// The date has come: the token stopped working at 00:00 UTC on it.
    Expired,
    /// The date is this many calendar days (UTC) away, within the warning
    /// window.
    Soon(i64),
    /// The date is this many calendar days away, beyond the window.
    Later(i64),
}

impl Expiry {
    /// Where `date` stands at unix time `now`, warning `warning_days`
    /// ahead. Days are counted as calendar days in UTC, so a token that
    /// expires on the 30th is "in 6 days" all through the 24th.
    pub fn of(date: Date, now: i64, warning_days: u32) -> Expiry {
        let days = days_until(date, now);
        if days <= 0 {
            Expiry::Expired
        } else if days <= i64::from(warning_days) {
            Expiry::Soon(days)
        } else {
            Expiry::Later(days)
        }
    }

    /// "in 1 day", "in 6 days": the days left in words (empty when
    /// expired).
    pub fn in_days(self) -> String {
        match self {
            Expiry::Expired => String::new(),
            Expiry::Soon(1) | Expiry::Later(1) => "in 1 day".to_owned(),
            Expiry::Soon(d) | Expiry::Later(d) => format!("in {d} days"),
        }
    }
}

/// The calendar days (UTC) from unix time `now` to `date`: 0 on the day
/// itself, negative after it.
pub fn days_until(date: Date, now: i64) -> i64 {
    date.unix_start().div_euclid(86_400) - now.div_euclid(86_400)
}

/// `YYYY-MM-DD HH:MM UTC` for unix seconds.
pub fn format_utc(secs: i64) -> String {
    let rem = secs.rem_euclid(86_400);
    format!(
        "{} {:02}:{:02} UTC",
        Date::of_unix(secs),
        rem / 3600,
        rem % 3600 / 60
    )
}

/// The current unix time in seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_converts() {
        let cases = [
            ("1970-01-01", Some(0)),
            ("2026-07-28", Some(1_785_196_800)),
            ("2024-02-29", Some(1_709_164_800)),
            ("2023-02-29", None),
            ("2027-13-01", None),
            ("2027-1-01", None),
            ("27-01-01", None),
            ("2027-01-01T00:00", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(Date::parse(text).map(Date::unix_start), want, "{text}");
        }
        for secs in [0, 1_785_196_800, 4_102_444_800 + 86_399] {
            let d = Date::of_unix(secs);
            assert_eq!(Date::parse(&d.to_string()), Some(d));
        }
        assert_eq!(format_utc(1_785_196_800 + 3_723), "2026-07-28 01:02 UTC");
    }

    #[test]
    fn expiry_counts_calendar_days() {
        let date = Date::parse("2026-11-30").unwrap();
        let day = |d: &str, hh: i64| Date::parse(d).unwrap().unix_start() + hh * 3600;
        let cases = [
            (day("2026-11-24", 0), Expiry::Soon(6)),
            (day("2026-11-24", 15), Expiry::Soon(6)),
            (day("2026-11-24", 23), Expiry::Soon(6)),
            (day("2026-11-29", 23), Expiry::Soon(1)),
            (day("2026-11-30", 0), Expiry::Expired),
            (day("2026-12-02", 0), Expiry::Expired),
            (day("2026-11-01", 12), Expiry::Later(29)),
        ];
        for (now, want) in cases {
            assert_eq!(Expiry::of(date, now, 14), want, "{}", format_utc(now));
        }
        assert_eq!(Expiry::Soon(6).in_days(), "in 6 days");
        assert_eq!(Expiry::Soon(1).in_days(), "in 1 day");
    }
}
