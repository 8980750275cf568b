//! Reading a database URL just enough to pick the driver and to show it safely.

/// Which database a URL names, and for SQLite whether it lives only in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// A SQLite file (`sqlite:data/mpp2xml.db`, `sqlite:///abs/path.db`).
    SqliteFile,
    /// A SQLite database that lives as long as its one connection (`sqlite::memory:`).
    SqliteMemory,
    /// A PostgreSQL server (`postgres://…`, `postgresql://…`).
    Postgres,
}

/// The driver `url` asks for, or `None` for a scheme this server does not speak.
pub(crate) fn target(url: &str) -> Option<Target> {
    let (scheme, rest) = url.split_once(':')?;
    match scheme.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" => Some(Target::Postgres),
        "sqlite" => {
            let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
            let database = database.strip_prefix("//").unwrap_or(database);
            let memory = database == ":memory:"
                || params
                    .split('&')
                    .any(|pair| pair.eq_ignore_ascii_case("mode=memory"));
            Some(if memory {
                Target::SqliteMemory
            } else {
                Target::SqliteFile
            })
        }
        _ => None,
    }
}

/// `url` with its password hidden, for error messages and logs: the password of the user
/// part (`postgres://user:secret@host` → `postgres://user:***@host`) and any `password=`
/// query parameter, which sqlx also accepts.
pub fn redact(url: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((head, query)) => (head, Some(query)),
        None => (url, None),
    };
    let mut out = match head.split_once("://") {
        // The user part ends at the last `@`, so a password holding `@` or `/` is hidden
        // whole; a path holding `@` only makes this hide more than needed.
        Some((scheme, rest)) => match rest.rsplit_once('@') {
            Some((user_info, host)) => match user_info.split_once(':') {
                Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
                None => head.to_owned(),
            },
            None => head.to_owned(),
        },
        None => head.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=***"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_pick_the_driver() {
        assert_eq!(target("sqlite:data/mpp2xml.db"), Some(Target::SqliteFile));
        assert_eq!(
            target("sqlite:///tmp/x.db?mode=rwc"),
            Some(Target::SqliteFile)
        );
        assert_eq!(target("sqlite::memory:"), Some(Target::SqliteMemory));
        assert_eq!(target("sqlite://:memory:"), Some(Target::SqliteMemory));
        assert_eq!(
            target("sqlite:x.db?mode=memory"),
            Some(Target::SqliteMemory)
        );
        assert_eq!(target("postgres://u@h/db"), Some(Target::Postgres));
        assert_eq!(target("PostgreSQL://u@h/db"), Some(Target::Postgres));
        assert_eq!(target("mysql://u@h/db"), None);
        assert_eq!(target("data/mpp2xml.db"), None);
        assert_eq!(target(""), None);
    }

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgres://app:s3cr%40t@db.example:5432/mpp2xml?sslmode=require"),
            "postgres://app:***@db.example:5432/mpp2xml?sslmode=require"
        );
        assert_eq!(
            redact("postgresql://app@db/x?password=hunter2&sslmode=require"),
            "postgresql://app@db/x?password=***&sslmode=require"
        );
        // An `@` inside the password: the host is what follows the last one.
        assert_eq!(
            redact("postgres://a:b@c@host/db"),
            "postgres://a:***@host/db"
        );
        assert_eq!(redact("postgres://a:b/c@host"), "postgres://a:***@host");
        assert_eq!(redact("postgres://a:b@host"), "postgres://a:***@host");
    }

    #[test]
    fn urls_without_a_password_are_unchanged() {
        for url in [
            "sqlite:data/mpp2xml.db",
            "sqlite::memory:",
            "postgres://app@127.0.0.1:5432/db",
            "postgres://127.0.0.1/db?sslmode=disable",
            "mysql://x",
        ] {
            assert_eq!(redact(url), url);
        }
    }
}
