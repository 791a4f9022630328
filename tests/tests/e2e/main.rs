//! End-to-end scenarios. One test binary; each module is a scenario.

mod calculator;
