//! The server's settings, from the command line or the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// Serves mpp2xml's browser app (the `dist/` folder Trunk builds) over HTTP.
///
/// Every option can also be given by the environment variable named in its help; a command-line
/// option wins over the environment.
#[derive(Debug, Clone, Parser)]
#[command(name = "mpp2xml-server", version, about, long_about = None)]
pub struct Config {
    /// The address to listen on (`127.0.0.1:8080` reaches only this machine; `0.0.0.0:8080`
    /// every interface).
    #[arg(long, env = "MPP2XML_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,

    /// The built app to serve: the folder `cargo xtask dist` (Trunk) writes, with its
    /// `index.html`.
    #[arg(long, env = "MPP2XML_DIST", default_value = "dist")]
    pub dist: PathBuf,

    /// How log lines are written to standard output; the level comes from `RUST_LOG`
    /// (default `info`).
    #[arg(long, env = "MPP2XML_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// The format of the log lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per event, for log collectors.
    Json,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_well_formed() {
        Config::command().debug_assert();
    }

    #[test]
    fn defaults_and_options_are_read() {
        // `try_parse_from` reads the environment too; these variables are not set in tests.
        let defaults = Config::try_parse_from(["mpp2xml-server"]).unwrap();
        assert_eq!(defaults.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(defaults.dist, PathBuf::from("dist"));
        assert_eq!(defaults.log_format, LogFormat::Text);
        let given = Config::try_parse_from([
            "mpp2xml-server",
            "--addr",
            "0.0.0.0:9000",
            "--dist",
            "/srv/app",
            "--log-format",
            "json",
        ])
        .unwrap();
        assert_eq!(given.addr, "0.0.0.0:9000".parse().unwrap());
        assert_eq!(given.dist, PathBuf::from("/srv/app"));
        assert_eq!(given.log_format, LogFormat::Json);
        assert!(Config::try_parse_from(["mpp2xml-server", "--addr", "nowhere"]).is_err());
    }
}
