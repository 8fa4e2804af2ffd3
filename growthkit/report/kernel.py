"""The kernel a report runs in: its own folder and environment, and a quiet shutdown.

papermill hands the class and its settings to nbclient (``kernel_manager_class`` and
``config``), which starts one kernel per run with them. Keeping the folder and environment on
the kernel's own process, rather than changing the runner's working directory or
``os.environ``, lets runs in threads of one process stay apart. Two races in the stock kernel
shutdown print noise on the user's terminal; one is avoided here (no SIGINT at shutdown), the
other in the kernel process (:mod:`growthkit.report.kernel_app`).
"""

from __future__ import annotations

import os
from typing import Any

from jupyter_client import AsyncKernelManager
from traitlets import Dict, Unicode
from traitlets.config import Config

__all__ = ["ReportKernelManager", "kernel_options"]

# ipykernel warns on every start that local kernel traffic is unencrypted TCP; keep its errors,
# drop that noise from the user's terminal. By default ipykernel also redirects its own file
# descriptors 1 and 2 into the notebook; turned off, ``sys.__stderr__`` in the kernel is the
# terminal that ran growthkit, which is where growthkit's progress lines go (never the report).
_KERNEL_ARGUMENTS = ["--IPKernelApp.log_level=ERROR", "--IPKernelApp.capture_fd_output=False"]
_STOCK_LAUNCHER, _REPORT_LAUNCHER = "ipykernel_launcher", "growthkit.report.kernel_app"


class ReportKernelManager(AsyncKernelManager):
    """jupyter_client's kernel manager, starting the kernel in a folder with extra variables.

    Attributes
    ----------
    kernel_cwd : str
        The kernel's working folder (the run's scratch folder).
    kernel_env : dict
        Variables added to the runner's environment for the kernel process only.
    """

    kernel_cwd = Unicode("", help="Working folder of the kernel process.").tag(config=True)
    kernel_env = Dict(
        key_trait=Unicode(), value_trait=Unicode(), help="Variables added for the kernel."
    ).tag(config=True)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The kernelspec's command, with ipykernel's launcher replaced by growthkit's."""
        command = super().format_kernel_cmd(extra_arguments)
        return [_REPORT_LAUNCHER if part == _STOCK_LAUNCHER else part for part in command]

    async def _async_pre_start_kernel(self, **kw: Any) -> tuple[list[str], dict[str, Any]]:
        kw["env"] = {**kw.get("env", os.environ), **self.kernel_env}
        if self.kernel_cwd:
            kw["cwd"] = self.kernel_cwd
        return await super()._async_pre_start_kernel(**kw)

    async def _async_interrupt_kernel(self) -> None:
        # jupyter_client's shutdown_kernel sends SIGINT before its shutdown_request. ipykernel
        # ignores SIGINT while idle, but installs Python's default handler while it handles a
        # message, and papermill shuts the kernel down as soon as the reply to its last
        # kernel_info_request arrives: when the signal lands between that reply and the
        # handler's end, the kernel logs "[IPKernelApp] ERROR | KeyboardInterrupt caught in
        # kernel." on the terminal (about 1 run in 20). Every kernel this runner shuts down is
        # idle or dead, or busy because the runner itself was interrupted; a busy one is ended
        # by jupyter_client's own escalation (SIGTERM after half of shutdown_wait_time).
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()


def kernel_options(cwd: str, env: dict[str, str]) -> dict[str, Any]:
    """Keyword arguments for :func:`papermill.execute_notebook` to run in ``cwd`` with ``env``.

    Parameters
    ----------
    cwd : str
        The kernel's working folder.
    env : dict
        Variables to add to the kernel's environment.

    Returns
    -------
    dict
        ``kernel_manager_class``, ``config`` and ``extra_arguments`` (passed on to nbclient).
    """
    settings = {"kernel_cwd": cwd, "kernel_env": dict(env)}
    return {
        "kernel_manager_class": ReportKernelManager,
        "config": Config({ReportKernelManager.__name__: settings}),
        "extra_arguments": list(_KERNEL_ARGUMENTS),
    }
