"""Running model-written programs: a real sandbox on a stock Linux host, or a remote one.

Layers (each reported on results as the isolation level that was active): bubblewrap
namespaces, an unprivileged uid per slot, memory and process cgroups, rlimits, a seccomp
deny-list. A pool of slots keeps one warm sandbox per slot; see ``probe`` (what the host
supports), ``local`` (the local backend), ``remote`` (SandboxFusion's ``run_code`` API),
``languages`` (the language table) and ``payload`` (the code that runs inside the sandbox).
"""

from __future__ import annotations

from graders.sandbox.languages import LANGUAGES, Language
from graders.sandbox.limits import Limits
from graders.sandbox.probe import HostSupport, probe
from graders.sandbox.runs import Outcome, Task

__all__ = ["LANGUAGES", "HostSupport", "Language", "Limits", "Outcome", "Task", "probe"]
