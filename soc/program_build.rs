//! Build script of the programs that start a kernel (the chainloader, the
//! decompressor; `build = "../soc/program_build.rs"` in their Cargo.toml):
//! links them with `soc/program.ld`, the layout that runs them high in
//! memory, out of the way of the kernel they start.

use std::path::PathBuf;

fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let linker_script = manifest_dir.join("../soc/program.ld");
    println!("cargo:rerun-if-changed={}", linker_script.display());
    println!("cargo:rerun-if-changed=../soc/program_build.rs");
    if target.starts_with("aarch64") && target.ends_with("-none") {
        println!("cargo:rustc-link-arg=-T{}", linker_script.display());
    }
}
