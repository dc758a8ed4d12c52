//! The `microfolio` command; see `cli` for the commands and `microfolio` (the library) for the
//! model.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
