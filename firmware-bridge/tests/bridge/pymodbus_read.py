#!/usr/bin/env python3
"""Reads holding registers with pymodbus (a Modbus implementation we did not write) and prints
one JSON object: {"registers": [...], "value": ...} or {"error": "..."}.

usage: pymodbus_read.py tcp HOST:PORT ADDRESS COUNT TYPE WORD_ORDER [UNIT]
       pymodbus_read.py rtu DEVICE BAUD ADDRESS COUNT TYPE WORD_ORDER [UNIT]

TYPE is a pymodbus DATATYPE name (float32, uint32, uint16); WORD_ORDER is big or little.
Pinned to pymodbus 3.16.1: the client API changed in 3.10 and will again in v4.
"""

import json
import sys

from pymodbus.client import ModbusSerialClient, ModbusTcpClient


def main(argv):
    if len(argv) < 7:
        print(__doc__, file=sys.stderr)
        return 2
    mode = argv[1]
    if mode == "tcp":
        host, port = argv[2].rsplit(":", 1)
        client = ModbusTcpClient(host, port=int(port), timeout=2, retries=1)
        rest = argv[3:]
    elif mode == "rtu":
        client = ModbusSerialClient(argv[2], baudrate=int(argv[3]), timeout=1, retries=1)
        rest = argv[4:]
    else:
        print(f"unknown mode {mode!r}", file=sys.stderr)
        return 2
    address, count, data_type, word_order = int(rest[0]), int(rest[1]), rest[2], rest[3]
    unit = int(rest[4]) if len(rest) > 4 else 1
    if not client.connect():
        print(json.dumps({"error": f"cannot connect to {argv[2]}"}))
        return 1
    try:
        reply = client.read_holding_registers(address, count=count, device_id=unit)
        if reply.isError():
            print(json.dumps({"error": str(reply)}))
            return 1
        value = client.convert_from_registers(
            reply.registers,
            getattr(client.DATATYPE, data_type.upper()),
            word_order=word_order,
        )
        print(json.dumps({"registers": reply.registers, "value": value}))
        return 0
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
