import Testing

/// Every end-to-end suite, one test at a time.
///
/// These tests are synchronous: each holds one of Swift concurrency's threads while it
/// waits for `annot` and `syncd` processes, and this machine has two. Run side by side,
/// two of them held both for seconds at a time, and the async suites (PostgreSQL, the
/// router) missed their deadlines while waiting for a thread. One at a time, they leave
/// the other thread to everything else.
@Suite(.serialized) enum EndToEnd {}
