/// mimalloc gives freed memory back to the system; glibc's allocator kept a busy server's
/// peak for good (the bench saw 236 MB resident long after a check-in storm).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    dangjian::cli::main()
}
