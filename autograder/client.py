"""The nbclient policy of a grading run: output budgets, timeouts, the guard around test cells.

``GradingClient`` runs a notebook's code cells one by one in a started kernel (nbclient):

- Output: at most ``Limits.output_bytes`` of text per cell and ``Limits.notebook_output_bytes``
  of output in all are kept; the rest is dropped while the cell runs, with a note saying so.
  Errors are always kept (scoring needs them), cut short.
- Time: a cell that runs longer than ``Limits.cell_timeout`` is interrupted (KeyboardInterrupt,
  like nbgrader) and the next cells still run; a cell that ignores the interrupt for
  ``Limits.interrupt_grace`` more seconds, or a notebook past its ``Limits.notebook_timeout``,
  stops the run, as does a kernel that dies.
- The guard (``autograder.guard``): its snapshot taken as the kernel starts, the setup
  cell's names kept after the setup cell, everything put back before each test cell, all
  as silent requests.
- Teaching cells the grader leaves out (``skip``, see ``autograder.teaching``) are not run.
- Hidden tests: a test cell runs its visible code only, with a freeze point where each of
  its hidden regions stood (``autograder.hidden``, ``autograder.freeze``); the regions run
  after the notebook (``autograder.deferred``).
- A cell whose kernel reply reports an error is recorded as failed, whatever its outputs show.
"""

from __future__ import annotations

import time
from queue import Empty

from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

from autograder.cells import is_code, is_locked, is_test
from autograder.execution import Execution
from autograder.freeze import freeze_call
from autograder.guard import AFTER_SETUP, BEFORE_TEST, INSTALLED
from autograder.hidden import HiddenRegion, phase_one_source, split_test
from autograder.limits import Limits

__all__ = ["GradingClient"]


class GradingClient(NotebookClient):
    """nbclient with the grader's rules: output budgets, interrupt once then give up, the guard.

    What happens is written into ``execution`` as the cells run.
    """

    def __init__(self, km: AsyncKernelManager, limits: Limits, deadline: float | None, execution: Execution,
                 regions: list[HiddenRegion] = (), skip: frozenset[int] = frozenset()) -> None:
        super().__init__(
            execution.notebook, km=km, timeout=None, timeout_func=self._cell_timeout, allow_errors=True,
            interrupt_on_timeout=True, error_on_timeout=None, store_widget_state=False,
            record_timing=False, startup_timeout=int(limits.startup_timeout), shutdown_kernel="immediate",
            on_cell_executed=self._on_cell_executed,
        )
        self.limits = limits
        self.deadline = deadline
        self.execution = execution
        self.current_index: int | None = None
        self.over_budget = False
        self.output_sizes: dict[int, int] = {}
        self.total_output = 0
        self.skip = frozenset(skip)
        execution.skipped = set(self.skip)
        self.regions: dict[int, list[HiddenRegion]] = {}
        for region in regions:
            self.regions.setdefault(region.cell, []).append(region)

    def output(self, outs, msg, display_id, cell_index):
        """Keep at most ``limits.output_bytes`` of text per cell and ``limits.notebook_output_bytes``
        of output in all; say once per cell what was dropped. Errors are always kept (scoring needs
        them), cut short: their message to 1,000 characters, their traceback to its last 20
        lines of at most 500 characters, or to nothing once the notebook's budget is spent."""
        content = msg.get("content", {})
        if msg.get("msg_type") == "error":
            spent = self.total_output >= self.limits.notebook_output_bytes
            msg = {**msg, "content": {**content, "evalue": str(content.get("evalue", ""))[:200 if spent else 1000],
                                      "traceback": [] if spent else [str(line)[:500] for line in
                                                                     content.get("traceback", [])[-20:]]}}
            self.total_output += len(msg["content"]["evalue"]) + sum(map(len, msg["content"]["traceback"]))
            return super().output(outs, msg, display_id, cell_index)
        data = content.get("data", {})
        images = sum(len(str(v)) for k, v in data.items() if k.startswith("image/"))
        text = len(str(content.get("text", ""))) + sum(len(str(v)) for k, v in data.items() if not k.startswith("image/"))
        used = self.output_sizes.get(cell_index, 0)
        cell_room = self.limits.output_bytes - used  # text only: a figure may be larger than a print
        total_room = self.limits.notebook_output_bytes - self.total_output
        if text <= cell_room and text + images <= total_room:
            self.output_sizes[cell_index] = used + text
            self.total_output += text + images
            return super().output(outs, msg, display_id, cell_index)
        if cell_index in self.execution.truncated:
            return None
        self.execution.truncated.append(cell_index)
        room = min(cell_room, total_room)
        if msg.get("msg_type") == "stream" and room > 0:
            self.output_sizes[cell_index] = used + room
            self.total_output += room
            msg = {**msg, "content": {**content, "text": str(content.get("text", ""))[:room]}}
            super().output(outs, msg, display_id, cell_index)
        if text + images > total_room:
            why = f"the notebook printed more than {self.limits.notebook_output_bytes} characters in all"
        else:
            why = f"this cell printed more than {self.limits.output_bytes} characters"
        # nbclient reads the message type from the header: the note's must say "stream" too
        # (copied from a display_data message it would make nbclient look for image metadata).
        note = {"msg_type": "stream", "parent_header": msg["parent_header"],
                "header": {**msg.get("header", {}), "msg_type": "stream"},
                "content": {"name": "stdout", "text": f"\n[output truncated: {why}]\n"}}
        return super().output(outs, note, None, cell_index)

    def _cell_timeout(self, cell: NotebookNode) -> int:
        timeout = self.limits.cell_timeout
        if self.deadline is not None:
            timeout = min(timeout, max(1.0, self.deadline - time.monotonic()))
        return max(1, int(round(timeout)))

    def _on_cell_executed(self, cell: NotebookNode, cell_index: int, execute_reply: dict) -> None:
        self.execution.executed.add(cell_index)
        # The reply's status, not only the outputs: student code can hide a traceback.
        if (execute_reply or {}).get("content", {}).get("status") != "ok":
            self.execution.failed.add(cell_index)

    async def guard(self, code: str) -> bool:
        """Run grader code silently in the kernel; False if it failed or did not answer."""
        try:
            reply = await self.kc.execute(code, silent=True, store_history=False, allow_stdin=False,
                                          reply=True, timeout=max(5.0, self.limits.interrupt_grace))
        except (TimeoutError, RuntimeError):
            return False
        return reply.get("content", {}).get("status") == "ok"

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None) -> dict | None:
        index = self.current_index
        if self.deadline is not None and time.monotonic() >= self.deadline - 0.5:
            self.over_budget = True
            raise CellTimeoutError.error_from_timeout_and_cell("Notebook time budget used up", timeout, cell)
        self.execution.interrupted.append(index)
        await self.km.interrupt_kernel()
        # The kernel answers the interrupted request with a KeyboardInterrupt error; wait a
        # little for it, and treat a kernel that ignores the interrupt as stuck.
        give_up = time.monotonic() + self.limits.interrupt_grace
        while (left := give_up - time.monotonic()) > 0:
            try:
                msg = await self.kc.shell_channel.get_msg(timeout=left)
            except Empty:
                break
            if msg.get("msg_type") == "execute_reply":
                return msg
        raise CellTimeoutError.error_from_timeout_and_cell("Cell ignored the interrupt", timeout, cell)

    async def _execute(self, cell: NotebookNode, index: int) -> None:
        """Run one cell; a test cell with hidden regions runs its visible code with a freeze
        point in each region's place (its source in the notebook stays whole)."""
        regions = self.regions.get(index)
        if not regions:
            await self.async_execute_cell(cell, index, execution_count=self.code_cells_executed + 1)
            return
        whole = cell.source
        cell.source = phase_one_source(split_test(whole), [freeze_call(r.number, r.ends_cell) for r in regions])
        try:
            await self.async_execute_cell(cell, index, execution_count=self.code_cells_executed + 1)
        finally:
            cell.source = whole

    async def run_cells(self) -> None:
        """Run the code cells in order, the guard around the test cells, until the end, the
        kernel's death, a cell that ignores its interrupt, or the notebook's time budget."""
        guarding = self.limits.guard_tests and await self.guard(INSTALLED)
        setup_seen = False
        execution = self.execution
        for index, cell in enumerate(self.nb.cells):
            if not is_code(cell) or index in self.skip:
                continue
            self.current_index = index
            if guarding and is_test(cell) and not await self.guard(BEFORE_TEST):
                execution.tampered.append(index)
            try:
                await self._execute(cell, index)
            except DeadKernelError:
                execution.stopped_at, execution.stop_reason = index, "died"
                return
            except CellTimeoutError:
                execution.stopped_at = index
                execution.stop_reason = "budget" if self.over_budget else "timeout"
                return
            if guarding and not setup_seen and is_locked(cell) and not is_test(cell):
                setup_seen = True  # the first read-only code cell: the setup cell
                await self.guard(AFTER_SETUP)
            if self.deadline is not None and time.monotonic() >= self.deadline:
                following = [i for i, c in enumerate(self.nb.cells) if i > index and is_code(c) and i not in self.skip]
                if following:
                    execution.stopped_at, execution.stop_reason = following[0], "budget"
                    return
