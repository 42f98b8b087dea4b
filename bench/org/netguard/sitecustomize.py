"""Keeps a benchmarked Python tool on this machine: loaded by putting this folder on PYTHONPATH.

An audit hook (PEP 578) sees every socket.getaddrinfo and socket.connect the process makes. Name look-ups of
anything but loopback names and connections to anything but loopback addresses are refused (socket.gaierror /
PermissionError, as a firewall would) and, when NETGUARD_LOG names a file, recorded there as one JSON line each,
with the caller's innermost frames from site-packages, so that the attempt can be traced to the code that made it.
Unix-domain sockets and loopback traffic pass untouched. Nothing is logged for allowed traffic.
"""

import ipaddress
import json
import os
import socket
import sys
import threading
import time

_LOG = os.environ.get("NETGUARD_LOG")
_LOCK = threading.Lock()
_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def _is_loopback(host) -> bool:
    if host is None:
        return True  # getaddrinfo(None, port): a local wildcard
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").lower()
    if host in _LOCAL_NAMES or host == "":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


_STDLIB = os.path.dirname(os.__file__) + os.sep


def _where() -> list:
    """The innermost frames outside the standard library and this file: who asked for the connection."""
    frames = []
    frame = sys._getframe(2)
    while frame is not None and len(frames) < 6:
        name = frame.f_code.co_filename
        if "site-packages" in name or not (name.startswith(_STDLIB) or name == __file__):
            frames.append(f"{name.split('site-packages/')[-1]}:{frame.f_lineno}")
        frame = frame.f_back
    return frames


def _record(event: str, target) -> None:
    if not _LOG:
        return
    line = json.dumps({"t": round(time.time(), 3), "pid": os.getpid(), "event": event, "target": str(target),
                       "where": _where()})
    with _LOCK:
        with open(_LOG, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def _hook(event: str, args) -> None:
    if event == "socket.getaddrinfo":
        host = args[0]
        if not _is_loopback(host):
            _record("getaddrinfo", f"{host}:{args[1]}")
            raise socket.gaierror(socket.EAI_NONAME, f"netguard: name look-up of {host!r} refused")
    elif event == "socket.connect":
        sock, address = args[0], args[1]
        if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6):
            host = address[0] if isinstance(address, tuple) else address
            if not _is_loopback(host):
                _record("connect", address)
                raise PermissionError(13, f"netguard: connection to {address!r} refused")


sys.addaudithook(_hook)
