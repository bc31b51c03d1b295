//! Compressed captures (sans-IO): which compression a capture's first bytes announce, so
//! `decode` can read gzip itself (as tshark does) and name the others, rather than call
//! a compressed capture "not a capture".

/// A compression recognised by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// gzip (RFC 1952 section 2.3.1: `1f 8b`).
    Gzip,
    /// Zstandard (RFC 8878 section 3.1.1: `28 b5 2f fd`).
    Zstd,
    /// xz (the .xz file format, section 2.1.1.1: `fd 37 7a 58 5a 00`).
    Xz,
    /// bzip2 (`BZh` and a block size digit).
    Bzip2,
    /// LZ4 frame (`04 22 4d 18`).
    Lz4,
}

/// How many first bytes [`Compression::of`] looks at.
pub const MAGIC_LEN: usize = 6;

impl Compression {
    /// The compression `first` (a capture's first bytes) announces, if any. No pcap or
    /// pcapng magic begins like one of these.
    pub fn of(first: &[u8]) -> Option<Self> {
        match first {
            [0x1f, 0x8b, ..] => Some(Compression::Gzip),
            [0x28, 0xb5, 0x2f, 0xfd, ..] => Some(Compression::Zstd),
            [0xfd, b'7', b'z', b'X', b'Z', 0x00, ..] => Some(Compression::Xz),
            [b'B', b'Z', b'h', b'1'..=b'9', ..] => Some(Compression::Bzip2),
            [0x04, 0x22, 0x4d, 0x18, ..] => Some(Compression::Lz4),
            _ => None,
        }
    }

    /// Its usual name.
    pub fn name(self) -> &'static str {
        match self {
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
            Compression::Xz => "xz",
            Compression::Bzip2 => "bzip2",
            Compression::Lz4 => "lz4",
        }
    }

    /// The command that writes it decompressed to standard output.
    pub fn cat(self) -> &'static str {
        match self {
            Compression::Gzip => "zcat",
            Compression::Zstd => "zstdcat",
            Compression::Xz => "xzcat",
            Compression::Bzip2 => "bzcat",
            Compression::Lz4 => "lz4cat",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_magic_is_recognised_and_no_capture_is_taken_for_one() {
        let cases: [(&[u8], Option<Compression>); 9] = [
            (&[0x1f, 0x8b, 0x08, 0, 0, 0], Some(Compression::Gzip)),
            (&[0x28, 0xb5, 0x2f, 0xfd, 0x24, 0], Some(Compression::Zstd)),
            (b"\xfd7zXZ\x00", Some(Compression::Xz)),
            (b"BZh91AY", Some(Compression::Bzip2)),
            (
                &[0x04, 0x22, 0x4d, 0x18, 0x64, 0x40],
                Some(Compression::Lz4),
            ),
            // pcap, both byte orders and both precisions, and pcapng.
            (&[0xd4, 0xc3, 0xb2, 0xa1, 2, 0], None),
            (&[0xa1, 0xb2, 0xc3, 0xd4, 0, 2], None),
            (&[0x4d, 0x3c, 0xb2, 0xa1, 2, 0], None),
            (&[0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0], None),
        ];
        for (first, want) in cases {
            assert_eq!(Compression::of(first), want, "{first:02x?}");
        }
        assert_eq!(Compression::of(b"BZh0"), None);
        assert_eq!(Compression::of(&[0x1f]), None);
        assert_eq!(Compression::of(&[]), None);
    }
}
