//! `mpp2xml-server`: serves the browser app. `mpp2xml-server --help` lists the options.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let config = backend::Config::parse();
    if config.payments.print_licence_public_key {
        return print_licence_public_key(&config);
    }
    backend::init_tracing(config.log_format);
    // Kept until the end of main: dropping it sends the events still queued.
    let _tracking = match backend::error_tracking::init(&config.sentry) {
        Ok(tracking) => {
            if tracking.enabled() {
                tracing::info!("panics and 5xx answers are reported to the Sentry DSN");
            }
            tracking
        }
        Err(error) => {
            tracing::error!(%error, "mpp2xml-server cannot start");
            return ExitCode::FAILURE;
        }
    };
    match backend::run(&config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "mpp2xml-server failed");
            ExitCode::FAILURE
        }
    }
}

/// `--print-licence-public-key`: the key on standard output, alone, for the app's build to read;
/// anything else on standard error.
fn print_licence_public_key(config: &backend::Config) -> ExitCode {
    match backend::licence_public_key(&config.payments) {
        Ok((text, origin)) => {
            if let backend::KeyOrigin::Created(path) = origin {
                eprintln!(
                    "mpp2xml-server: generated a development licence key in {}",
                    path.display()
                );
            }
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("mpp2xml-server: {error}");
            ExitCode::FAILURE
        }
    }
}
