//! Records the versions of the random-number crates from Cargo.lock, so that every output says
//! exactly which sampling code produced it (rand_distr may change sampled values between
//! versions).

fn main() {
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    let packages: Vec<&str> = lock.split("[[package]]").collect();
    let field = |block: &str, key: &str| {
        block.lines().map(str::trim).find_map(|l| {
            l.strip_prefix(&format!("{key} = \""))
                .map(|v| v.trim_end_matches('"').to_string())
        })
    };
    // This crate's own entry names each dependency, with its version when the lock file holds
    // more than one (a test dependency may pull in an older rand): read the version there, and
    // fall back to the only package of that name.
    let own = packages
        .iter()
        .find(|b| field(b, "name").as_deref() == Some(env!("CARGO_PKG_NAME")));
    for krate in ["rand", "rand_distr", "rand_xoshiro"] {
        let pinned = own.and_then(|b| {
            b.lines()
                .map(|l| l.trim().trim_matches(|c| c == '"' || c == ','))
                .find_map(|l| l.strip_prefix(&format!("{krate} ")).map(str::to_string))
        });
        let version = pinned
            .or_else(|| {
                packages
                    .iter()
                    .find(|b| field(b, "name").as_deref() == Some(krate))
                    .and_then(|b| field(b, "version"))
            })
            .unwrap_or_else(|| "unknown".to_string());
        println!(
            "cargo:rustc-env=MICROFOLIO_VERSION_{}={version}",
            krate.to_uppercase()
        );
    }
}
