//! Records the versions of the random-number crates from Cargo.lock, so that every output says
//! exactly which sampling code produced it (rand_distr may change sampled values between
//! versions).

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    for krate in ["rand", "rand_distr", "rand_xoshiro"] {
        let version = lock
            .split("[[package]]")
            .find_map(|block| {
                let mut lines = block.lines().map(str::trim);
                let name_line = format!("name = \"{krate}\"");
                if lines.any(|l| l == name_line) {
                    block.lines().map(str::trim).find_map(|l| {
                        l.strip_prefix("version = \"")
                            .map(|v| v.trim_end_matches('"').to_string())
                    })
                } else {
                    None
                }
            })
            .unwrap_or_else(|| "unknown".to_string());
        println!(
            "cargo:rustc-env=MICROFOLIO_VERSION_{}={version}",
            krate.to_uppercase()
        );
    }
}
