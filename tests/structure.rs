//! Checks a newcomer can rely on: the layers keep their jobs, a clone stands on its own,
//! functions stay readable.
use std::path::{Path, PathBuf};

fn rust_files(dir: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut out);
    out.sort();
    out
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn lines_with(files: &[PathBuf], needle: &str) -> Vec<String> {
    files
        .iter()
        .flat_map(|f| {
            read(f)
                .lines()
                .enumerate()
                .filter(|(_, l)| l.contains(needle))
                .map(|(i, l)| format!("{}:{}: {}", f.display(), i + 1, l.trim()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn sql_lives_only_in_the_store() {
    // The one error type turns the driver's errors into its own, so it names them too.
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
    let error = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/error.rs");
    let outside: Vec<PathBuf> = rust_files("src")
        .into_iter()
        .filter(|f| !f.starts_with(&store) && *f != error)
        .collect();
    let found = lines_with(&outside, "sqlx::");
    assert!(
        found.is_empty(),
        "SQL belongs in src/store/, not in handlers, jobs or the demo:\n{}",
        found.join("\n")
    );
    assert!(!outside.is_empty() && outside.iter().any(|f| f.ends_with("http/mod.rs")));
}

#[test]
fn nothing_reads_beside_the_clone() {
    // Spelled in two parts so that this file does not find itself.
    let outside = concat!("..", "/shared");
    let mut files = rust_files("src");
    files.extend(rust_files("tests"));
    files.extend(rust_files("bench"));
    let found = lines_with(&files, outside);
    assert!(
        found.is_empty(),
        "tests and code must not read {outside}: copy what they need into tests/fixtures\n{}",
        found.join("\n")
    );
}

/// Longest function allowed under src/: past this, a function does several things.
const MAX_FUNCTION_LINES: usize = 120;

#[test]
fn no_function_is_too_long_to_read() {
    use syn::visit::Visit;
    struct Lengths(Vec<(String, usize)>);
    impl Lengths {
        /// From `fn` to the closing brace.
        fn add(&mut self, sig: &syn::Signature, body: &syn::Block) {
            let first = sig.fn_token.span.start().line;
            let last = body.brace_token.span.close().end().line;
            self.0.push((sig.ident.to_string(), last - first + 1));
        }
    }
    impl<'ast> Visit<'ast> for Lengths {
        fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
            self.add(&f.sig, &f.block);
            syn::visit::visit_item_fn(self, f);
        }
        fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
            self.add(&f.sig, &f.block);
            syn::visit::visit_impl_item_fn(self, f);
        }
    }
    let mut too_long = Vec::new();
    for file in rust_files("src") {
        let ast = syn::parse_file(&read(&file)).unwrap();
        let mut lengths = Lengths(Vec::new());
        lengths.visit_file(&ast);
        for (name, lines) in lengths.0 {
            if lines > MAX_FUNCTION_LINES {
                too_long.push(format!("{}: {name} has {lines} lines", file.display()));
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "split these into named steps (at most {MAX_FUNCTION_LINES} lines each):\n{}",
        too_long.join("\n")
    );
}

#[test]
fn every_migration_file_is_applied() {
    // A file in migrations/ that the list in schema.rs does not name is never run.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema = std::fs::read_to_string(root.join("src/store/schema.rs")).unwrap();
    let mut files = 0;
    for entry in std::fs::read_dir(root.join("migrations")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().to_string();
        files += 1;
        assert!(
            schema.contains(&format!("migrations/{name}\"")),
            "migrations/{name} is not in src/store/schema.rs's list"
        );
    }
    assert!(files >= 18);
}
