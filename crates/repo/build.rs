//! `embed_migrations!` reads the migration files at compile time, but Cargo only rebuilds
//! for files it was told about: without this, a new migration directory is missed by an
//! incremental build and the binaries silently run the old schema.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
