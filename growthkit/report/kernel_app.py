"""The kernel process of a report run: ipykernel's application, closed in a safe order.

:class:`growthkit.report.kernel.ReportKernelManager` starts it as
``python -m growthkit.report.kernel_app -f CONNECTION_FILE`` where the kernelspec says
``-m ipykernel_launcher``; everything else (kernel, configuration, arguments) is ipykernel's,
except that the kernel runs without ipykernel's debugger: a report runs headless, no client
ever sends it a debug request, and loading debugpy costs each kernel about 0.1 s.
"""

from __future__ import annotations

import sys
from pathlib import Path

from ipykernel.kernelapp import IPKernelApp

__all__ = ["ReportKernelApp"]

#: ipykernel turns its debugger off when this module cannot be imported.
_DEBUGGER = "debugpy"


class ReportKernelApp(IPKernelApp):
    """ipykernel's application, whose ``close`` stops the control thread before IOPub.

    ipykernel handles ``shutdown_request`` on its control thread: the handler stops the main
    loop, and the same callback then flushes stdout and publishes "idle" over IOPub. The main
    thread meanwhile leaves its loop and runs ``close`` at exit, which closes IOPub first and
    stops the control thread only after. When the two overlap, the flush sends on a closed
    socket and tornado prints a ``ZMQError: Socket operation on non-socket`` traceback on the
    terminal that ran growthkit (seen about once in a hundred runs on a busy machine). Joining
    the control thread first lets that callback finish while the sockets are open.
    """

    def close(self) -> None:
        """Stop and join the control thread, then close as ipykernel does."""
        if self.control_thread and self.control_thread.is_alive():
            self.control_thread.stop()
            self.control_thread.join()
        super().close()


if __name__ == "__main__":
    # As ipykernel_launcher does: the kernel's working folder must not shadow installed packages.
    try:
        here = Path.cwd()
    except FileNotFoundError:  # the run that started this kernel ended and removed its folder
        raise SystemExit(1) from None
    if sys.path[0] == "" or Path(sys.path[0]) == here:
        del sys.path[0]
    sys.modules.setdefault(_DEBUGGER, None)  # type: ignore[arg-type]  # "not importable"
    ReportKernelApp.launch_instance()
