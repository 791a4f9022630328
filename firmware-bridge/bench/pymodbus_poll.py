#!/usr/bin/env python3
"""Baseline for the Modbus TCP polling benchmark: pymodbus's synchronous client reading 10
holding registers from address 0 as fast as the server answers.
Usage: pymodbus_poll.py HOST PORT SECONDS  -> prints "transactions_per_second N"."""
import logging
import sys
import time
import warnings

from pymodbus.client import ModbusTcpClient

warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
client = ModbusTcpClient(host, port=port)
if not client.connect():
    sys.exit("cannot connect")
n, start = 0, time.monotonic()
while time.monotonic() - start < seconds:
    r = client.read_holding_registers(0, count=10, device_id=1)
    if r.isError():
        sys.exit(f"read failed: {r}")
    n += 1
print(f"transactions_per_second {n / (time.monotonic() - start):.1f}")
client.close()
