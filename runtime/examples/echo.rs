//! An echo server: every byte a client sends comes straight back.
//!
//! The smallest complete zenio program: bind, accept in a loop, spawn one task per
//! connection, and in it copy the read half to the write half until the client closes.
//!
//! Run it:   `cargo run --release -p zenio --example echo [ADDR]` (default 127.0.0.1:7000)
//! Poke it:  `nc 127.0.0.1 7000` (type a line, get it back; Ctrl-D to close)

use futures_lite::io::copy;

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7000".into());
    if let Err(error) = zenio::block_on(serve(&addr)) {
        eprintln!("echo: {addr}: {error}");
        std::process::exit(2);
    }
}

/// Accepts connections forever, one task each.
async fn serve(addr: &str) -> std::io::Result<()> {
    let listener = zenio::TcpListener::bind(addr)?;
    println!("Listening at {}", listener.local_addr()?);
    loop {
        let (stream, peer) = listener.accept().await?;
        zenio::spawn(async move {
            let (reader, mut writer) = stream.split();
            match copy(reader, &mut writer).await {
                Ok(bytes) => println!("{peer}: echoed {bytes} bytes"),
                Err(error) => println!("{peer}: {error}"),
            }
        })
        .detach();
    }
}
