//! The writer against serde_json, its reference: every shape serde can hand it, in both
//! layouts, must come out byte for byte the same.

use super::{write_compact, write_pretty};
use proptest::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// serde_json's compact bytes, its pretty bytes shifted under `base`, and ours.
fn both<T: Serialize + ?Sized>(v: &T) -> [(String, String); 2] {
    let mut compact = Vec::new();
    write_compact(&mut compact, v).unwrap();
    let mut pretty = Vec::new();
    write_pretty(&mut pretty, v, 4).unwrap();
    let want_pretty = serde_json::to_string_pretty(v)
        .unwrap()
        .replace('\n', "\n    ");
    [
        (
            String::from_utf8(compact).unwrap(),
            serde_json::to_string(v).unwrap(),
        ),
        (String::from_utf8(pretty).unwrap(), want_pretty),
    ]
}

fn same<T: Serialize + ?Sized>(v: &T) {
    for (ours, theirs) in both(v) {
        assert_eq!(ours, theirs);
    }
}

#[derive(Serialize)]
enum Shape {
    Unit,
    Newtype(u8),
    Tuple(i32, Option<String>),
    EmptyTuple(),
    Struct {
        a: Vec<u8>,
        b: BTreeMap<String, bool>,
    },
    EmptyStruct {},
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Tagged {
    One { x: f64 },
    Two,
}

#[derive(Serialize)]
struct Skips {
    kept: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    gone: Option<u8>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    none_here: Vec<u8>,
}

#[derive(Serialize)]
struct Unit;

#[derive(Serialize)]
struct Wrapper(String);

/// A map of one entry with this key.
struct OneKey<K>(K);

impl<K: Serialize> Serialize for OneKey<K> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map([(&self.0, 1)])
    }
}

/// A value that asks for `serialize_bytes`.
struct Raw(&'static [u8]);

impl Serialize for Raw {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

#[test]
fn every_kind_of_value_as_serde_json_writes_it() {
    same(&serde_json::json!({"a": [1, {"b": [], "c": {}}, "x\ny"], "d": null, "e": {"f": true}}));
    same(&[Shape::Unit, Shape::Newtype(7), Shape::EmptyTuple()]);
    same(&Shape::Tuple(-3, Some("t".into())));
    same(&Shape::Tuple(i32::MIN, None));
    same(&Shape::Struct {
        a: vec![],
        b: BTreeMap::new(),
    });
    same(&Shape::Struct {
        a: vec![1, 2],
        b: [("k".to_string(), true)].into(),
    });
    same(&Shape::EmptyStruct {});
    same(&vec![Tagged::One { x: 1.5 }, Tagged::Two]);
    same(&Skips {
        kept: "k",
        gone: None,
        none_here: vec![],
    });
    same(&Skips {
        kept: "",
        gone: Some(1),
        none_here: vec![0],
    });
    same(&(
        Unit,
        Wrapper("w".into()),
        'c',
        '\u{1f600}',
        (),
        Some(()),
        Raw(b"\x00\xff"),
    ));
    same(&(
        u64::MAX,
        i64::MIN,
        u128::MAX,
        i128::MIN,
        0u8,
        -1i8,
        u16::MAX,
        i32::MAX,
    ));
    same(&vec![vec![vec![]; 2], vec![vec![1u8]]]);
    let floats = [
        0.0,
        -0.0,
        1.5,
        0.1,
        1e-7,
        1e21,
        123456789.125,
        f64::NAN,
        f64::INFINITY,
    ];
    same(&floats);
    same(&floats.map(|f| f as f32));
}

#[test]
fn any_base_indentation_shifts_every_line_after_the_first() {
    // Deeper than the 128 spaces written in one copy.
    let v = serde_json::json!({"a": [1, {"b": "x"}]});
    for base in [0, 2, 127, 128, 129, 300] {
        let mut out = Vec::new();
        write_pretty(&mut out, &v, base).unwrap();
        let want = serde_json::to_string_pretty(&v)
            .unwrap()
            .replace('\n', &format!("\n{}", " ".repeat(base)));
        assert_eq!(String::from_utf8(out).unwrap(), want, "base {base}");
    }
}

#[test]
fn map_keys_as_serde_json_writes_them() {
    same(&BTreeMap::from([(1u32, "a"), (20, "b")]));
    same(&BTreeMap::from([(-5i64, 1)]));
    same(&BTreeMap::from([(true, 1), (false, 2)]));
    same(&BTreeMap::from([('k', 1)]));
    same(&OneKey(Shape::Unit));
    same(&OneKey(Wrapper("w".into())));
    same(&std::collections::HashMap::from([(1u8, 1)]));
    same(&OneKey(1.5f64));
    same(&OneKey(-0.1f32));
    same(&OneKey(1e300f64));
    // Keys that cannot be JSON are refused by both.
    for nan_or_inf in [f64::NAN, f64::INFINITY] {
        assert!(write_compact(&mut Vec::new(), &OneKey(nan_or_inf)).is_err());
        assert!(serde_json::to_string(&OneKey(nan_or_inf)).is_err());
    }
    assert!(write_compact(&mut Vec::new(), &OneKey(f32::NEG_INFINITY)).is_err());
    let bad = BTreeMap::from([((1, 2), 3)]);
    assert!(write_compact(&mut Vec::new(), &bad).is_err());
    assert!(serde_json::to_string(&bad).is_err());
    let none_key = BTreeMap::from([(None::<u8>, 1)]);
    assert!(write_compact(&mut Vec::new(), &none_key).is_err());
    assert!(serde_json::to_string(&none_key).is_err());
}

#[test]
fn every_byte_that_needs_escaping_at_every_place_in_a_word() {
    for b in 0u8..=0x7f {
        for at in 0..17 {
            let mut s = "abcdefghijklmnopq".to_string();
            s.insert(at, char::from(b));
            same(&s);
        }
    }
    same(&"é ü 中文 \u{7f} \u{2028} 😀 \\x16\\x03");
}

/// Any JSON value: scalars, then arrays and objects of them, four levels deep at most.
fn any_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".*".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map(".*", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn any_value_as_serde_json_writes_it(v in any_value()) {
        for (ours, theirs) in both(&v) {
            prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn any_string_as_serde_json_writes_it(s in ".*", t in proptest::collection::vec(any::<char>(), 0..40)) {
        let t: String = t.into_iter().collect();
        for (ours, theirs) in both(&(&s, &t)) {
            prop_assert_eq!(ours, theirs);
        }
    }
}
