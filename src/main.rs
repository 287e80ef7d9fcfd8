// glibc's malloc took about a quarter of verity's CPU in the checked-request
// benchmark (many small JSON values freed on other threads); mimalloc keeps
// per-thread heaps.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    verity::cli::main()
}
