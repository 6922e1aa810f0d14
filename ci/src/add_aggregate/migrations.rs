//! The new aggregate's migrations: renamed so that they run after every migration the
//! service has, and listed after the last of them.
//!
//! The template dates its migrations `m20260101_…`; a service that has shipped may have
//! added its own since. A migration that sorts before one already applied would never
//! run on a database that is up to date, so the new ones are dated today (or after the
//! newest one, if that is later) and numbered on from there.

use anyhow::{Result, bail};
use regex::Regex;

fn module_pattern() -> Regex {
    Regex::new(r"m(\d{8})_(\d{6})_[a-z0-9_]+").expect("a valid pattern")
}

/// The migration modules named in `text` (a migration crate's `lib.rs`).
pub fn modules(text: &str) -> Vec<String> {
    let pattern = module_pattern();
    let mut found: Vec<String> = pattern
        .find_iter(text)
        .map(|m| m.as_str().to_owned())
        .collect();
    found.sort();
    found.dedup();
    found
}

/// New names for `rendered` (the template's migrations of the new aggregate, oldest
/// first), after every one of `existing`, dated `today` (`YYYYMMDD`) when that is later.
pub fn renamed(existing: &[String], rendered: &[String], today: &str) -> Vec<(String, String)> {
    let pattern = module_pattern();
    let newest = existing
        .iter()
        .filter_map(|name| pattern.captures(name))
        .map(|c| (c[1].to_owned(), c[2].parse::<u32>().unwrap_or(0)))
        .max();
    let (date, mut number) = match newest {
        Some((date, number)) if date.as_str() >= today => (date, number),
        _ => (today.to_owned(), 0),
    };
    rendered
        .iter()
        .map(|from| {
            number += 1;
            let what = &from["m00000000_000000_".len()..];
            (from.clone(), format!("m{date}_{number:06}_{what}"))
        })
        .collect()
}

/// `target` (the service's migration `lib.rs`) with each line of `rendered` that names a
/// renamed migration, renamed, inserted after the last line of the same shape (a `mod`
/// line after the `mod` lines, a `Box::new(…)` after the list's entries).
pub fn list(target: &str, rendered: &str, renames: &[(String, String)]) -> Result<String> {
    let pattern = module_pattern();
    let shape = |line: &str| pattern.replace_all(line, "M").into_owned();
    let mut lines: Vec<String> = target.lines().map(str::to_owned).collect();
    for line in rendered.lines() {
        let Some((from, to)) = renames
            .iter()
            .find(|(from, _)| line.contains(from.as_str()))
        else {
            continue;
        };
        let wanted = shape(line);
        let Some(last) = lines.iter().rposition(|l| shape(l.as_str()) == wanted) else {
            bail!("the migration list has no line like `{}`", line.trim());
        };
        lines.insert(last + 1, line.replace(from.as_str(), to));
    }
    let mut text = lines.join("\n");
    if target.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// Today's date in UTC as `YYYYMMDD`, from the system clock.
pub fn today() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0);
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    format!("{year:04}{month:02}{day:02}")
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|name| (*name).to_owned()).collect()
    }

    #[test]
    fn new_migrations_come_after_the_newest_one() {
        let existing = names(&["m20260101_000001_create_orders", "m20260101_000002_x"]);
        let rendered = names(&[
            "m20260101_000001_create_items",
            "m20260101_000002_index_items",
        ]);
        let today = renamed(&existing, &rendered, "20261201");
        assert_eq!(today[0].1, "m20261201_000001_create_items");
        assert_eq!(today[1].1, "m20261201_000002_index_items");
        // A service whose newest migration is dated later than today numbers on from it.
        let ahead = names(&["m20270105_000007_add_column"]);
        let after = renamed(&ahead, &rendered, "20261201");
        assert_eq!(after[0].1, "m20270105_000008_create_items");
        assert!(after[0].1 > ahead[0]);
    }

    #[test]
    fn renamed_migrations_are_listed_after_the_last_entries() {
        let target = "\
mod m20260101_000001_create_orders;
mod m20260101_000002_outbox;

fn migrations() {
    vec![
        Box::new(m20260101_000001_create_orders::Migration),
        Box::new(m20260101_000002_outbox::Migration),
    ]
}
";
        let rendered = "\
mod m20260101_000001_create_items;
mod m20260101_000002_outbox;

fn migrations() {
    vec![
        Box::new(m20260101_000001_create_items::Migration),
        Box::new(m20260101_000002_outbox::Migration),
    ]
}
";
        let renames = vec![(
            "m20260101_000001_create_items".to_owned(),
            "m20261201_000001_create_items".to_owned(),
        )];
        let listed = list(target, rendered, &renames).unwrap();
        assert!(
            listed
                .contains("mod m20260101_000002_outbox;\nmod m20261201_000001_create_items;\n\nfn")
        );
        assert!(listed.contains(
            "Box::new(m20260101_000002_outbox::Migration),\n        \
             Box::new(m20261201_000001_create_items::Migration),\n    ]"
        ));
        let error = list("fn main() {}\n", rendered, &renames).unwrap_err();
        assert!(error.to_string().contains("no line like `mod "), "{error}");
    }

    #[test]
    fn dates_are_civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_423), (2025, 12, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
