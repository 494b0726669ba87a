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

#[test]
fn only_the_store_touches_the_pool() {
    let store = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
    let outside: Vec<PathBuf> = rust_files("src")
        .into_iter()
        .filter(|f| !f.starts_with(&store))
        .collect();
    let found: Vec<String> = [".pool()", ".pool."]
        .iter()
        .flat_map(|needle| lines_with(&outside, needle))
        .collect();
    assert!(
        found.is_empty(),
        "handlers, jobs and the demo go through the store's functions, never the pool:\n{}",
        found.join("\n")
    );
}

#[test]
fn forms_queries_and_paths_are_read_one_way() {
    // `http/form.rs` has the extractors that read a repeated field the same way 0, 1 or many
    // times and answer in Chinese; axum's own would say "Failed to deserialize…".
    let form = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/form.rs");
    let handlers: Vec<PathBuf> = rust_files("src/http")
        .into_iter()
        .filter(|f| *f != form)
        .collect();
    let found: Vec<String> = ["axum::Form", "extract::Query", "Path<", "axum::Json"]
        .iter()
        .flat_map(|needle| lines_with(&handlers, needle))
        .collect();
    assert!(
        found.is_empty(),
        "use http::form's Form, Query, Id, IdPair or PathText:\n{}",
        found.join("\n")
    );
}

/// Whether an expression names the database handle (`db`, `state.db`, `self.db`), other than
/// for which engine it is.
fn names_the_db(e: &syn::Expr) -> bool {
    use syn::visit::Visit;
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_expr_field(&mut self, f: &'ast syn::ExprField) {
            if matches!(&f.member, syn::Member::Named(n) if n == "engine") {
                return;
            }
            if matches!(&f.member, syn::Member::Named(n) if n == "db") {
                self.0 = true;
            }
            syn::visit::visit_expr_field(self, f);
        }
        fn visit_expr_path(&mut self, p: &'ast syn::ExprPath) {
            if p.path.is_ident("db") {
                self.0 = true;
            }
        }
    }
    let mut f = Finder(false);
    f.visit_expr(e);
    f.0
}

/// The name a statement binds to a connection or transaction it takes from the `Db`.
fn takes_a_connection(stmt: &syn::Stmt) -> Option<String> {
    let syn::Stmt::Local(local) = stmt else {
        return None;
    };
    let init = local.init.as_ref()?;
    let mut e = &*init.expr;
    let method = loop {
        match e {
            syn::Expr::Try(t) => e = &t.expr,
            syn::Expr::Await(a) => e = &a.base,
            syn::Expr::MethodCall(m) => break m.method.to_string(),
            _ => return None,
        }
    };
    let acquires = matches!(method.as_str(), "begin" | "begin_snapshot" | "conn");
    match &local.pat {
        syn::Pat::Ident(p) if acquires && names_the_db(&init.expr) => Some(p.ident.to_string()),
        _ => None,
    }
}

/// Whether a statement gives the connection `name` back (`name.commit()`, `drop(name)`).
fn gives_back(stmt: &syn::Stmt, name: &str) -> bool {
    use syn::visit::Visit;
    struct Finder<'a>(&'a str, bool);
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            if m.method == "commit"
                && matches!(&*m.receiver, syn::Expr::Path(p) if p.path.is_ident(self.0))
            {
                self.1 = true;
            }
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            let is_drop = matches!(&*c.func, syn::Expr::Path(p) if p.path.is_ident("drop"));
            let of_it = c
                .args
                .iter()
                .any(|a| matches!(a, syn::Expr::Path(p) if p.path.is_ident(self.0)));
            self.1 |= is_drop && of_it;
            syn::visit::visit_expr_call(self, c);
        }
    }
    let mut f = Finder(name, false);
    f.visit_stmt(stmt);
    f.1
}

/// The line a statement starts on (its first name's).
fn first_line(stmt: &syn::Stmt) -> usize {
    use syn::visit::Visit;
    struct First(usize);
    impl<'ast> Visit<'ast> for First {
        fn visit_ident(&mut self, i: &'ast proc_macro2::Ident) {
            if self.0 == 0 {
                self.0 = i.span().start().line;
            }
        }
    }
    let mut f = First(0);
    f.visit_stmt(stmt);
    f.0
}

#[test]
fn nothing_asks_for_a_connection_while_holding_one() {
    // The runtime check (`store::check_none_held`) catches what the tests run; this catches
    // the shape in code no test reaches: within a block, after `let tx = db.begin()…` (or a
    // snapshot or a connection), the `Db` is not used again until `tx` is committed or
    // dropped.
    use syn::visit::Visit;
    struct Blocks(Vec<String>, String);
    impl<'ast> Visit<'ast> for Blocks {
        fn visit_block(&mut self, block: &'ast syn::Block) {
            let mut held: Vec<String> = Vec::new();
            for stmt in &block.stmts {
                held.retain(|name| !gives_back(stmt, name));
                let uses_db = match stmt {
                    syn::Stmt::Local(l) => l.init.as_ref().is_some_and(|i| names_the_db(&i.expr)),
                    syn::Stmt::Expr(e, _) => names_the_db(e),
                    _ => false,
                };
                if uses_db && !held.is_empty() {
                    let line = first_line(stmt);
                    self.0.push(format!(
                        "{} (line {line}): while holding {}",
                        self.1,
                        held.join(", ")
                    ));
                }
                if let Some(name) = takes_a_connection(stmt) {
                    held.push(name);
                }
            }
            syn::visit::visit_block(self, block);
        }
    }
    let mut found = Vec::new();
    for file in rust_files("src")
        .into_iter()
        .filter(|f| !f.ends_with("store/mod.rs"))
    {
        let ast = syn::parse_file(&read(&file)).unwrap();
        let mut blocks = Blocks(Vec::new(), file.display().to_string());
        blocks.visit_file(&ast);
        found.extend(blocks.0);
    }
    assert!(
        found.is_empty(),
        "pass the connection (or transaction) down instead of the Db:\n{}",
        found.join("\n")
    );
}
