//! The licence public key is built into the app (`option_env!` in `src/pro.rs`); a build with
//! another key (or none) must recompile the app rather than reuse the last one.

fn main() {
    println!("cargo:rerun-if-env-changed=MPP2XML_LICENCE_PUBLIC_KEY");
    println!("cargo:rerun-if-changed=build.rs");
}
