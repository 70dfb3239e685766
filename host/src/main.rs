//! `dl2pa`: see `dl2pa --help`.

use clap::Parser;

fn main() {
    let cli = dl2pa::cli::Cli::parse();
    if let Err(e) = dl2pa::cli::run(cli) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}
