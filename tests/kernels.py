"""Kernels for the tests that talk to their client over Unix sockets instead of TCP ports.

A kernel's client picks five TCP ports by binding port 0 and letting go, and the kernel binds them
a moment later. With six workers' loopback traffic, an outgoing connection can take one of those
ephemeral ports as its source port meanwhile: the kernel dies with "Address already in use" and its
notebook fails ("Kernel died before replying to kernel_info"). Unix sockets have no ports to race
for. nbval builds its KernelManager itself, so ``tests/conftest.py`` hands it this class.
"""

from __future__ import annotations

import os
import tempfile
import uuid

from jupyter_client.manager import AsyncKernelManager, KernelManager
from traitlets import HasTraits, default

MAX_SOCKET_PATH = 107  # sizeof(sun_path) - 1 on Linux


class _OverUnixSockets(HasTraits):
    @default("transport")
    def _transport_over_unix_sockets(self) -> str:
        return "ipc"

    @default("ip")
    def _socket_path_prefix(self) -> str:
        # Absolute (the kernel runs in the notebook's folder, its client elsewhere), one per kernel.
        # A Unix socket's path holds at most 107 bytes ("File name too long" kills the kernel): under
        # a long TMPDIR the sockets go to /tmp (jupyter_client removes them when the kernel stops).
        name = f"kernel-{uuid.uuid4().hex[:12]}"
        prefix = os.path.join(tempfile.gettempdir(), name)
        return prefix if len(os.fsencode(prefix)) + len("-65535") <= MAX_SOCKET_PATH else os.path.join("/tmp", name)


class IpcKernelManager(_OverUnixSockets, KernelManager):
    """For nbval and the tests that drive a kernel themselves."""


class AsyncIpcKernelManager(_OverUnixSockets, AsyncKernelManager):
    """For nbclient, which drives an asynchronous manager."""
