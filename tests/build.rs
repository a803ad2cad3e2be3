//! Decides at build time whether the PostgreSQL variants of the HTTP suite run, so that without
//! a PostgreSQL URL libtest reports them as ignored instead of counting empty runs as passed.
//! `FIELDBOOK_TEST_REQUIRE_POSTGRES=1` keeps them enabled, so a missing URL fails them.

fn main() {
    println!("cargo::rerun-if-env-changed=FIELDBOOK_TEST_POSTGRES_URL");
    println!("cargo::rerun-if-env-changed=FIELDBOOK_TEST_REQUIRE_POSTGRES");
    println!("cargo::rustc-check-cfg=cfg(fieldbook_postgres)");
    let url = std::env::var("FIELDBOOK_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty());
    let required = std::env::var("FIELDBOOK_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    if url || required {
        println!("cargo::rustc-cfg=fieldbook_postgres");
    }
}
