//! `ovms`: OpenVINO Model Server's command line on this library. It starts the server as an
//! OVMS host does, through `SERVER.start` (the start the C API calls), serves until SIGINT or
//! SIGTERM, then stops gracefully and exits 0. A bad command line exits 64 (sysexits'
//! EX_USAGE, as OVMS) with a message naming the flag; a failed start exits 1 (64 for an
//! options error).

mod cli;
mod single_model;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};
use ovms_shared::server::{self, SERVER};
use ovms_shared::status::StatusCode;
use std::process::ExitCode;
use tokio::signal::unix::{SignalKind, signal};

/// sysexits' `EX_USAGE`: OVMS's exit code for a command line it refuses.
const EX_USAGE: u8 = 64;
const EX_FAILURE: u8 = 1;

fn main() -> ExitCode {
    // As OVMS: no arguments at all prints the help.
    if std::env::args_os().len() <= 1 {
        let _ = cli::Cli::command().print_help();
        return ExitCode::SUCCESS;
    }
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return match error.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ExitCode::SUCCESS,
                _ => ExitCode::from(EX_USAGE),
            };
        }
    };
    if cli.version {
        print_version();
        return ExitCode::SUCCESS;
    }
    match cli.into_run() {
        Ok(run) => serve(run),
        Err(message) => {
            eprintln!("error: {message}\n\nFor more information, try '--help'.");
            ExitCode::from(EX_USAGE)
        }
    }
}

fn print_version() {
    let metadata = server::metadata();
    let text = |key: &str| metadata[key].as_str().unwrap_or_default().to_string();
    println!("{} {}", text("name"), text("version"));
    match text("ov_version") {
        version if version.is_empty() => {
            println!("OpenVINO backend: no runtime found (see OVMS_OPENVINO_LIB)")
        }
        version => println!("OpenVINO backend {version}"),
    }
}

fn serve(run: cli::Run) -> ExitCode {
    // A current-thread runtime for the signals only; the server runs its own threads.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot wait for signals: {e}");
            return ExitCode::from(EX_FAILURE);
        }
    };
    // Registered before the start, so a signal that comes while the models load is kept
    // and ends the server as soon as the start returns.
    let signals = {
        let _entered = runtime.enter();
        signal(SignalKind::interrupt()).and_then(|i| Ok((i, signal(SignalKind::terminate())?)))
    };
    let (mut interrupt, mut terminate) = match signals {
        Ok(signals) => signals,
        Err(e) => {
            eprintln!("error: cannot handle SIGINT and SIGTERM: {e}");
            return ExitCode::from(EX_FAILURE);
        }
    };
    if let Err(error) = SERVER.start(&run.server, &run.models) {
        log::error!("cannot start: {error}");
        eprintln!("error: cannot start: {error}");
        // A start that failed after its option checks leaves the server live: end it.
        SERVER.stop();
        return ExitCode::from(match error.code {
            StatusCode::OPTIONS_USAGE_ERROR => EX_USAGE,
            _ => EX_FAILURE,
        });
    }
    let received = runtime.block_on(async {
        tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        }
    });
    log::info!("{received} received: shutting down");
    SERVER.stop();
    ExitCode::SUCCESS
}
