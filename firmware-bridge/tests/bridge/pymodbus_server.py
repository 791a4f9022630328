#!/usr/bin/env python3
"""A Modbus server we did not write (pymodbus 3.16.1), for interoperability tests of the bridge.

Serves the registers of one instrument profile's map with fixed values:
  tcp:  pymodbus_server.py tcp PORT UNIT ADDRESS=WORD[,WORD...] ...
  rtu:  pymodbus_server.py rtu /dev/pts/N BAUD UNIT ADDRESS=WORD[,WORD...] ...
Addresses are the zero-based PDU addresses the client sends. Unlisted addresses answer with
exception 02 (illegal data address). Prints "ready" on stdout once serving.
"""
import asyncio
import logging
import warnings
import sys

from pymodbus.datastore import ModbusDeviceContext, ModbusServerContext, ModbusSparseDataBlock
from pymodbus.server import StartAsyncSerialServer, StartAsyncTcpServer


def registers(specs):
    values = {}
    for spec in specs:
        address, words = spec.split("=")
        for i, w in enumerate(words.split(",")):
            values[int(address) + i] = int(w, 0)
    return values


def context(unit, specs):
    values = registers(specs)
    block = ModbusSparseDataBlock(values)
    device = ModbusDeviceContext(hr=block, ir=ModbusSparseDataBlock(dict(values)))
    return ModbusServerContext(devices={unit: device}, single=False)


async def main():
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    kind = sys.argv[1]
    if kind == "tcp":
        port, unit, specs = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
        server = StartAsyncTcpServer(context(unit, specs), address=("127.0.0.1", port))
    else:
        port, baud, unit, specs = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5:]
        server = StartAsyncSerialServer(context(unit, specs), port=port, baudrate=baud, framer="rtu")
    task = asyncio.create_task(server)
    await asyncio.sleep(0.3)
    print("ready", flush=True)
    await task


asyncio.run(main())
