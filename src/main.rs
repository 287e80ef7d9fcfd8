fn main() -> std::process::ExitCode {
    verity::cli::main()
}
