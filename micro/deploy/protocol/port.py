"""Opening the serial line to a device: a real port (/dev/ttyACM0), QEMU's pty, or a pyserial URL
(socket://host:port for QEMU's -serial tcp).

    open_port(url, timeout=0.05, baudrate=115200) -> a pyserial port, or LinkClosed naming the port
"""

from __future__ import annotations

import serial

from micro.deploy.protocol.framing import LinkClosed

try:  # pyserial's POSIX back end raises termios.error (not an OSError) on a pty that is not ready yet
    from termios import error as TermiosError
except ImportError:  # Windows
    TermiosError = OSError


def open_port(url: str, timeout: float = 0.05, baudrate: int = 115200):
    """A pyserial port for a device path or pyserial URL."""
    try:
        return serial.serial_for_url(url, baudrate=baudrate, timeout=timeout, write_timeout=10)
    except (serial.SerialException, OSError, ValueError, TermiosError) as exc:
        raise LinkClosed(f"cannot open serial port {url}: {exc}") from None
