//! Prints the profiles of a data stream (id, selected rules, title) and how long loading took.
fn main() {
    let path = std::env::args().nth(1).expect("usage: xccdf-profiles DS");
    let t = std::time::Instant::now();
    let ds = openscap_xccdf::DataStreamCollection::load(std::path::Path::new(&path)).expect("load");
    eprintln!("loaded in {:?}", t.elapsed());
    for p in openscap_xccdf::list_profiles_in(&ds, None, None).expect("profiles") {
        println!("{}\t{}\t{}", p.id, p.selected_rules, p.title);
    }
    eprintln!("total {:?}", t.elapsed());
}
