//! The UTC day of a moment as `YYYY-MM-DD`, computed here: a date library would be a whole
//! dependency for one conversion that the proleptic Gregorian calendar makes a few lines.

use std::time::{SystemTime, UNIX_EPOCH};

const SECONDS_PER_DAY: u64 = 86_400;

/// Today in UTC, `YYYY-MM-DD`.
pub fn today() -> String {
    utc_day(SystemTime::now())
}

/// The UTC day of `at`, `YYYY-MM-DD`. A clock set before 1970 counts as 1970-01-01.
pub fn utc_day(at: SystemTime) -> String {
    let days = at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs() / SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// (year, month, day) of the day `days` after 1970-01-01: Howard Hinnant's `civil_from_days`
/// (<https://howardhinnant.github.io/date_algorithms.html>), for days on or after the epoch,
/// counted in 400-year eras of 146 097 days that start on March 1st.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // 0000-03-01 is day 0 of era 0; 1970-01-01 is 719 468 days after it.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn known_days() {
        assert_eq!(utc_day(at(0)), "1970-01-01");
        assert_eq!(utc_day(at(86_399)), "1970-01-01");
        assert_eq!(utc_day(at(86_400)), "1970-01-02");
        assert_eq!(utc_day(at(951_782_400)), "2000-02-29");
        assert_eq!(utc_day(at(951_868_800)), "2000-03-01");
        assert_eq!(utc_day(at(1_709_251_199)), "2024-02-29");
        assert_eq!(utc_day(at(1_735_689_599)), "2024-12-31");
        assert_eq!(utc_day(at(1_735_689_600)), "2025-01-01");
        assert_eq!(utc_day(at(4_107_542_400)), "2100-03-01"); // 2100 is not a leap year
        assert_eq!(utc_day(at(253_402_300_799)), "9999-12-31");
    }

    #[test]
    fn a_clock_before_1970_counts_as_the_epoch() {
        assert_eq!(utc_day(UNIX_EPOCH - Duration::from_secs(10)), "1970-01-01");
    }

    /// Walks 1970..2401 a day at a time and checks each date follows the one before, so every
    /// month length and leap rule is covered, not only the samples above.
    #[test]
    fn consecutive_days_follow_the_calendar() {
        let leap =
            |y: u64| (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400);
        let month_length = |y: u64, m: u64| match m {
            2 if leap(y) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let mut expected = (1970, 1, 1);
        for days in 0..157_000 {
            assert_eq!(civil_from_days(days), expected, "day {days}");
            let (y, m, d) = expected;
            expected = if d < month_length(y, m) {
                (y, m, d + 1)
            } else if m < 12 {
                (y, m + 1, 1)
            } else {
                (y + 1, 1, 1)
            };
        }
    }
}
