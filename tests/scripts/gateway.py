#!/usr/bin/env python3
"""A local gateway in front of a service: forwards TCP byte for byte, but
answers 404 to any request for /sim/... (so it is not a hean simulator).
Usage: gateway.py LISTEN_PORT TARGET_PORT"""
import asyncio
import sys


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def handle(creader, cwriter, target):
    first = await creader.read(65536)
    if not first:
        cwriter.close()
        return
    line = first.split(b"\r\n", 1)[0]
    parts = line.split(b" ")
    if len(parts) >= 2 and parts[1].startswith(b"/sim/"):
        cwriter.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n"
                      b"Connection: close\r\n\r\nno such\r\n")
        await cwriter.drain()
        cwriter.close()
        return
    try:
        sreader, swriter = await asyncio.open_connection("127.0.0.1", target)
    except OSError:
        cwriter.close()
        return
    swriter.write(first)
    await asyncio.gather(pipe(creader, swriter), pipe(sreader, cwriter))


async def main():
    listen, target = int(sys.argv[1]), int(sys.argv[2])
    server = await asyncio.start_server(lambda r, w: handle(r, w, target),
                                        "127.0.0.1", listen)
    async with server:
        await server.serve_forever()


asyncio.run(main())
