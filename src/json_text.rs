//! JSON text, byte for byte as serde_json writes it (compact, or pretty with two spaces a
//! level under a fixed indentation), from a serde serializer of our own that writes into
//! a byte buffer: a string that needs no escape is checked a block at a time and copied
//! whole, one that does is walked eight bytes at a time.
//!
//! Why not serde_json's serializer: decode writes a report per conversation, and
//! serde_json looks up every byte of every string in its escape table, then hands each
//! run between escapes to the writer on its own; on a capture of short conversations
//! that was the largest part of `--format json`. serde_json stays the reference: the
//! tests compare the two on every shape a report has, and floats are written by the
//! formatter serde_json itself calls (zmij).

use serde::ser::{self, Serialize};
use std::io::Write;

/// The error of a value that cannot be JSON (a map key that is not a string, or a
/// `Serialize` impl's own error): serde_json's, so callers see one kind.
pub type Error = serde_json::Error;

/// Writes `value` as compact JSON (`serde_json::to_writer`'s bytes).
pub fn write_compact<W: Write + ?Sized, T: Serialize + ?Sized>(
    w: &mut W,
    value: &T,
) -> std::io::Result<()> {
    write_with(w, value, None)
}

/// Writes `value` as pretty JSON (`serde_json::to_writer_pretty`'s bytes), every line
/// after the first starting with `base` spaces more: a value nested inside a document
/// that is being streamed.
pub fn write_pretty<W: Write + ?Sized, T: Serialize + ?Sized>(
    w: &mut W,
    value: &T,
    base: usize,
) -> std::io::Result<()> {
    write_with(w, value, Some(base))
}

thread_local! {
    /// The text of one value before it goes to the writer in one piece.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Scratch buffers larger than this are given back after use.
const KEEP_SCRATCH: usize = 1 << 20;

fn write_with<W: Write + ?Sized, T: Serialize + ?Sized>(
    w: &mut W,
    value: &T,
    pretty: Option<usize>,
) -> std::io::Result<()> {
    SCRATCH.with(|cell| {
        // A value that serializes a value of its own (a nested call) gets a fresh buffer.
        let mut taken = cell.try_borrow_mut().ok();
        let mut fresh = Vec::new();
        let out = taken.as_deref_mut().unwrap_or(&mut fresh);
        out.clear();
        let mut ser = Json {
            out: &mut *out,
            pretty,
            level: 0,
            has_value: false,
        };
        let done = value
            .serialize(&mut ser)
            .map_err(std::io::Error::other)
            .and_then(|()| w.write_all(out));
        if out.capacity() > KEEP_SCRATCH {
            *out = Vec::new();
        }
        done
    })
}

/// The serializer: the buffer, and serde_json's `PrettyFormatter` state when pretty.
struct Json<'a> {
    out: &'a mut Vec<u8>,
    /// The spaces before every line after the first, when pretty.
    pretty: Option<usize>,
    level: usize,
    has_value: bool,
}

impl Json<'_> {
    fn newline_indent(&mut self) {
        /// A line break and the spaces of the deepest indentation written in one copy.
        static LINE: [u8; 129] = {
            let mut l = [b' '; 129];
            l[0] = b'\n';
            l
        };
        if let Some(base) = self.pretty {
            let n = base + 2 * self.level;
            // The line break and the first spaces in one copy, the rest (past 128) after.
            let first = n.min(LINE.len() - 1);
            self.out.extend_from_slice(&LINE[..=first]);
            let mut rest = n - first;
            while rest > 0 {
                let k = rest.min(LINE.len() - 1);
                self.out.extend_from_slice(&LINE[1..=k]);
                rest -= k;
            }
        }
    }

    fn begin(&mut self, open: u8) {
        self.level += 1;
        self.has_value = false;
        self.out.push(open);
    }

    fn end(&mut self, close: u8) {
        self.level -= 1;
        if self.has_value {
            self.newline_indent();
        }
        self.out.push(close);
    }

    /// Before an element or a key: the comma, then the line.
    fn item(&mut self, first: bool) {
        if !first {
            self.out.push(b',');
        }
        self.newline_indent();
    }

    fn boolean(&mut self, v: bool) {
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
    }

    fn colon(&mut self) {
        self.out.push(b':');
        if self.pretty.is_some() {
            self.out.push(b' ');
        }
    }

    fn int(&mut self, v: impl itoa::Integer) {
        self.out
            .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }

    /// A float as serde_json writes it: zmij's shortest form (serde_json's own
    /// formatter, called directly rather than through a serde_json writer per number),
    /// non-finite as `null`.
    fn float<F: zmij::Float>(&mut self, v: F, finite: bool) {
        if finite {
            self.out
                .extend_from_slice(zmij::Buffer::new().format_finite(v).as_bytes());
        } else {
            self.out.extend_from_slice(b"null");
        }
    }

    fn string(&mut self, s: &str) {
        escape_into(self.out, s);
    }

    /// `{"variant":` before a variant's content.
    fn open_variant(&mut self, variant: &str) {
        self.begin(b'{');
        self.item(true);
        self.string(variant);
        self.colon();
    }

    /// `}` after a variant's content.
    fn close_variant(&mut self) {
        self.has_value = true;
        self.end(b'}');
    }
}

/// serde_json's escape table: 0 for a byte written as it is, else the letter after the
/// backslash (`u` for `\u00XX`).
const ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b'u';
        b += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Appends byte `b` of a string, escaped if it must be.
fn push_escaped(out: &mut Vec<u8>, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match ESCAPE[usize::from(b)] {
        0 => out.push(b),
        b'u' => out.extend_from_slice(&[
            b'\\',
            b'u',
            b'0',
            b'0',
            HEX[usize::from(b >> 4)],
            HEX[usize::from(b & 0xf)],
        ]),
        e => out.extend_from_slice(&[b'\\', e]),
    }
}

/// Appends `s` as a JSON string, quotes included: copied whole when no byte needs
/// escaping; else eight bytes at a time while none of them does, and byte by byte
/// through the table where one may (a run of escapes, such as the `\x16\x03` of escaped
/// peer bytes, costs a push a byte, not a copy a run).
fn escape_into(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Keys and most values need no escape: one look at every byte, then one copy.
    if all_plain(bytes, false) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut chunks = bytes.chunks_exact(8);
    for chunk in chunks.by_ref() {
        let word: [u8; 8] = chunk.try_into().unwrap_or_default();
        if !word_plain(u64::from_le_bytes(word), false) {
            for &b in &word {
                push_escaped(out, b);
            }
        } else {
            out.extend_from_slice(&word);
        }
    }
    for &b in chunks.remainder() {
        push_escaped(out, b);
    }
    out.push(b'"');
}

/// A sequence or map being written: its serializer, and whether nothing is in it yet.
struct Compound<'s, 'a> {
    ser: &'s mut Json<'a>,
    first: bool,
    /// Opened and closed at once (serde_json's `State::Empty`: a length of zero given).
    closed: bool,
    /// The variant object around it, if any.
    variant: bool,
}

impl<'s, 'a> Compound<'s, 'a> {
    fn open(ser: &'s mut Json<'a>, open: u8, close: u8, len: Option<usize>) -> Self {
        ser.begin(open);
        let closed = len == Some(0);
        if closed {
            ser.end(close);
        }
        Compound {
            ser,
            first: true,
            closed,
            variant: false,
        }
    }

    /// `{"variant":` and the compound inside it (closed with it).
    fn in_variant(ser: &'s mut Json<'a>, variant: &str, open: u8, close: u8, len: usize) -> Self {
        ser.open_variant(variant);
        let mut c = Compound::open(ser, open, close, Some(len));
        c.variant = true;
        c
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.ser.item(self.first);
        self.first = false;
        value.serialize(&mut *self.ser)?;
        self.ser.has_value = true;
        Ok(())
    }

    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.ser.item(self.first);
        self.first = false;
        key.serialize(KeySer(&mut *self.ser))?;
        self.ser.colon();
        Ok(())
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.ser)?;
        self.ser.has_value = true;
        Ok(())
    }

    fn close(self, close: u8) -> Result<(), Error> {
        if !self.closed {
            self.ser.end(close);
        }
        if self.variant {
            self.ser.close_variant();
        }
        Ok(())
    }
}

impl<'s, 'a> ser::Serializer for &'s mut Json<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'s, 'a>;
    type SerializeTuple = Compound<'s, 'a>;
    type SerializeTupleStruct = Compound<'s, 'a>;
    type SerializeTupleVariant = Compound<'s, 'a>;
    type SerializeMap = Compound<'s, 'a>;
    type SerializeStruct = Compound<'s, 'a>;
    type SerializeStructVariant = Compound<'s, 'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.boolean(v);
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        self.int(v);
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        self.int(v);
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        self.int(v);
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        self.int(v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        self.int(v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        self.int(v);
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        self.int(v);
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        self.int(v);
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        self.int(v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        self.int(v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.float(v, v.is_finite());
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        self.float(v, v.is_finite());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.string(v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        self.string(v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut seq = Compound::open(self, b'[', b']', Some(v.len()));
        for b in v {
            seq.element(b)?;
        }
        seq.close(b']')
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.string(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.open_variant(variant);
        value.serialize(&mut *self)?;
        self.close_variant();
        Ok(())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'s, 'a>, Error> {
        Ok(Compound::open(self, b'[', b']', len))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'s, 'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Compound<'s, 'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'s, 'a>, Error> {
        Ok(Compound::in_variant(self, variant, b'[', b']', len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'s, 'a>, Error> {
        Ok(Compound::open(self, b'{', b'}', len))
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'s, 'a>, Error> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'s, 'a>, Error> {
        Ok(Compound::in_variant(self, variant, b'{', b'}', len))
    }
}

/// The four sequence-like compounds: elements, then `]`.
macro_rules! sequence_like {
    ($($tr:ident :: $method:ident),*) => {$(
        impl ser::$tr for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.close(b']')
            }
        }
    )*};
}

sequence_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.value(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close(b'}')
    }
}

/// The two struct-like compounds: named fields, then `}`.
macro_rules! struct_like {
    ($($tr:ident),*) => {$(
        impl ser::$tr for Compound<'_, '_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.key(key)?;
                self.value(value)
            }
            fn end(self) -> Result<(), Error> {
                self.close(b'}')
            }
        }
    )*};
}

struct_like!(SerializeStruct, SerializeStructVariant);

mod key;
use crate::escape::{all_plain, word_plain};
use key::KeySer;

#[cfg(test)]
mod tests;
