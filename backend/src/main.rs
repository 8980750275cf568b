//! `mpp2xml-server`: serves the browser app. `mpp2xml-server --help` lists the options.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    let config = backend::Config::parse();
    backend::init_tracing(config.log_format);
    match backend::run(&config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "mpp2xml-server failed");
            ExitCode::FAILURE
        }
    }
}
