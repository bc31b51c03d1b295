//! A direction's opening bytes (sans-IO): PROXY header(s), then the payload. STUB.
