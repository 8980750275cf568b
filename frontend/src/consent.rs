//! Consent before a file leaves the device.
//!
//! A file the browser should not convert (larger than the server's browser limit, or one the
//! worker ran out of memory on) may be converted on the server, but only when the user says
//! so: the file waits on its card with "Convert on our server" / "Skip" until then, and not a
//! byte is sent before the choice. The choice may be remembered on the device
//! (`localStorage`), and forgotten again from the page.
//!
//! The decisions are plain Rust, tested on the host (the files that wait are the conversion
//! queue's, `crate::queue`); the remembered choice is read and kept in the browser (wasm only).

/// Where the remembered choice is kept.
pub const STORAGE_KEY: &str = "mpp2xml.server-consent";

/// What the user chose for files the browser should not convert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Send them to this site's server to convert.
    Server,
    /// Keep them on the device, unconverted.
    Skip,
}

impl Choice {
    /// The form kept in `localStorage`.
    pub fn to_storage(self) -> &'static str {
        match self {
            Self::Server => "server",
            Self::Skip => "skip",
        }
    }

    /// Reads what [`Choice::to_storage`] wrote; anything else is no remembered choice, so the
    /// user is asked.
    pub fn from_storage(text: &str) -> Option<Self> {
        match text {
            "server" => Some(Self::Server),
            "skip" => Some(Self::Skip),
            _ => None,
        }
    }
}

/// What happens to a file that would go to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// It waits on its card for the user's choice.
    Ask,
    /// It is sent: the user chose so for every such file on this device.
    Send,
    /// It is skipped: the user chose so for every such file on this device.
    Skip,
}

/// What happens to the next file that would go to the server, given the remembered choice.
pub fn next(remembered: Option<Choice>) -> Next {
    match remembered {
        None => Next::Ask,
        Some(Choice::Server) => Next::Send,
        Some(Choice::Skip) => Next::Skip,
    }
}

#[cfg(target_arch = "wasm32")]
pub use browser::{load, store};

#[cfg(target_arch = "wasm32")]
mod browser {
    use super::{Choice, STORAGE_KEY};
    use crate::js::local_storage;

    /// The choice remembered on this device, if any.
    pub fn load() -> Option<Choice> {
        local_storage()
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
            .and_then(|text| Choice::from_storage(&text))
    }

    /// Remembers `choice` on this device, or forgets the remembered one (`None`).
    pub fn store(choice: Option<Choice>) {
        if let Some(storage) = local_storage() {
            let _ = match choice {
                Some(c) => storage.set_item(STORAGE_KEY, c.to_storage()),
                None => storage.remove_item(STORAGE_KEY),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_is_sent_without_a_choice() {
        assert_eq!(next(None), Next::Ask);
        assert_eq!(next(Some(Choice::Server)), Next::Send);
        assert_eq!(next(Some(Choice::Skip)), Next::Skip);
    }

    #[test]
    fn the_remembered_choice_round_trips_and_anything_else_asks() {
        for c in [Choice::Server, Choice::Skip] {
            assert_eq!(Choice::from_storage(c.to_storage()), Some(c));
        }
        assert_eq!(Choice::from_storage(""), None);
        assert_eq!(Choice::from_storage("yes"), None);
        assert_eq!(next(Choice::from_storage("SERVER")), Next::Ask);
    }
}
