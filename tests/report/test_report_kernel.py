"""ReportKernelManager: the kernel's folder, variables and application; no SIGINT at shutdown."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest

from growthkit.report.kernel import ReportKernelManager, kernel_options


@pytest.mark.notebooks
def test_kernel_starts_in_its_folder_with_its_variables_and_stops_without_sigint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[int] = []

    async def record_signal(self: ReportKernelManager, signum: int) -> None:
        sent.append(signum)  # recorded, not sent

    monkeypatch.setattr(ReportKernelManager, "_async_signal_kernel", record_signal)
    options = kernel_options(str(tmp_path), {"GROWTHKIT_TEST_VARIABLE": "from the runner"})
    km = ReportKernelManager(kernel_name="python3", config=options["config"])
    outputs: list[str] = []

    async def run() -> None:
        await km.start_kernel(extra_arguments=options["extra_arguments"])
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=60)
            code = (
                "import os; print(os.getcwd(), os.environ['GROWTHKIT_TEST_VARIABLE'], "
                "type(get_ipython().kernel.parent).__name__)"
            )
            await kc.execute_interactive(
                code,
                timeout=60,
                output_hook=lambda msg: outputs.append(msg["content"].get("text", "")),
            )
            await km._async_interrupt_kernel()  # an interrupt asked for is still sent ...
            assert sent == [signal.SIGINT]
            await km.shutdown_kernel()  # ... but shutting down sends none
        finally:
            kc.stop_channels()

    asyncio.run(run())
    assert sent == [signal.SIGINT]
    assert not km.has_kernel
    assert "".join(outputs) == f"{tmp_path} from the runner ReportKernelApp\n"


def test_kernel_options_carry_the_class_settings_and_arguments(tmp_path: Path) -> None:
    options = kernel_options(str(tmp_path), {"A": "1"})
    km = ReportKernelManager(config=options["config"])
    assert options["kernel_manager_class"] is ReportKernelManager
    assert (km.kernel_cwd, km.kernel_env) == (str(tmp_path), {"A": "1"})
    assert "--IPKernelApp.capture_fd_output=False" in options["extra_arguments"]
