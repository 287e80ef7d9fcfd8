fn main() {
    println!("verity: under construction");
}
