//! Tests of the serve judge.
