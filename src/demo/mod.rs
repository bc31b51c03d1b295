//! `ppdiag demo`: the main job, offline, on an embedded default. Work in progress.

pub mod balancer;
