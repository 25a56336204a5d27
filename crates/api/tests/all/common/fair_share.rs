//! Fixtures shared by the tests of fair_share.rs

use crate::common::named_contact;
use omnicrm_domain::UserId;
use omnicrm_testkit::Requester;
use omnicrm_testkit::TestApp;
use omnicrm_testkit::TestResponse;
use reqwest::Method;
use std::net::SocketAddr;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

pub(crate) const BOUNDARY: &str = "fair-share-boundary-93hf7a";

pub(crate) fn addr(app: &TestApp) -> SocketAddr {
    app.base_url.trim_start_matches("http://").parse().unwrap()
}

/// A PDF-looking document of `size` bytes (PDFs are stored byte for byte).
pub(crate) fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = b"%PDF-1.4\n".to_vec();
    bytes.resize(size, b'x');
    bytes
}

pub(crate) fn form(file: &[u8]) -> Vec<u8> {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    body
}

pub(crate) async fn upload(
    app: &TestApp,
    user: UserId,
    contact: &str,
    file: &[u8],
) -> TestResponse {
    app.as_user(user)
        .send_bytes(
            Method::POST,
            &format!("/api/v1/contacts/{contact}/files"),
            &format!("multipart/form-data; boundary={BOUNDARY}"),
            form(file),
        )
        .await
}

pub(crate) async fn contact(as_user: &Requester<'_>) -> String {
    named_contact(as_user, "Client").await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Opens a connection that sends `head` and never finishes its request.
pub(crate) async fn stalled_request(app: &TestApp, head: String) -> TcpStream {
    let mut stream = TcpStream::connect(addr(app)).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
}

/// The head of an upload that declares `length` bytes, plus the first part's preamble.
pub(crate) fn upload_head(user: UserId, contact: &str, length: usize) -> String {
    format!(
        "POST /api/v1/contacts/{contact}/files HTTP/1.1\r\nHost: test\r\n\
         Authorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n\
         Content-Length: {length}\r\n\r\n--{BOUNDARY}\r\n\
         Content-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.4\n",
        TestApp::token(user)
    )
}
