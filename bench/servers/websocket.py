#!/usr/bin/python3
# A WebSocket server written with python3-websockets (Debian's, hence /usr/bin/python3), for
# `holdconn bench --server 'bench/servers/websocket.py {port}' --proto websocket`.
#   websocket.py PORT [PING_INTERVAL_SECONDS]   (default 20)
# It accepts every upgrade, pings each client every PING_INTERVAL seconds and closes one
# that does not pong within as long again (websockets' keepalive: ping_interval,
# ping_timeout), and drops whatever a client sends. One process, one thread (asyncio),
# backlog 511 as the other servers here. SIGTERM or SIGINT stops it.
import asyncio
import signal
import sys

import websockets


async def hold(ws, path=None):
    try:
        async for _ in ws:  # read and drop: an idle client sends nothing but control frames
            pass
    except websockets.ConnectionClosed:  # a client gone without a close frame: not an error
        pass


async def main(port, interval):
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with websockets.serve(hold, "127.0.0.1", port, ping_interval=interval,
                                ping_timeout=interval, backlog=511, max_size=2**16):
        await stop


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 20.0))
