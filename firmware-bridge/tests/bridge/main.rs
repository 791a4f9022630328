//! Integration tests of the bridge and its simulator over real transports (pseudo-terminals,
//! loopback TCP) and against a Modbus implementation we did not write (pymodbus).

mod e2e;
mod modbus;
mod pipeline;
mod protocols;
mod receiver;
mod sim;
mod support;
