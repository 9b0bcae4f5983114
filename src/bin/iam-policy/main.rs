//! The `iam-policy` command.

fn main() {
    std::process::exit(2);
}
