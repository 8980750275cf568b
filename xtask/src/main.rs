//! `cargo xtask`: the project's commands (see the README).

fn main() {
    println!("xtask: to be written");
}
