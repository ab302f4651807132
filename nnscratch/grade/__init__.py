"""Grading: the exercises' checks, the release that makes exercises from solutions, the grader.

The pipeline, each step a module:

1. :mod:`.harness`: how a check is declared (``@probe``: inputs drawn from a seed, a probe that
   calls the learner's code in the kernel, a judge that decides in the grader; one id from the
   probe's name), reports ``PASS <id>: ...`` or raises ``CheckFailed``; :mod:`.plain`: the plain
   data between kernel and grader;
   :mod:`.settings`: tolerances and accuracy thresholds; :mod:`.fixtures`: seeded toy problems,
   reference networks, test doubles, hints.
2. :mod:`.checks`: one module of checks per exercise (``checks/ex01_relu.py`` ...).
3. :mod:`.release` (``make release``): ``solutions/`` -> ``exercises/`` (:mod:`.stubs` turns the
   solution regions into stubs) and ``manifest.json`` (the exercises, their check cells).
4. :mod:`.restore`, :mod:`.runner`, :mod:`.report` (``python -m nnscratch.grade PATH``): put the
   check cells back into a learner's notebook, run it, print a table of checks and a score;
   :mod:`.safefiles` reads only regular files, :mod:`.supervisor` runs one :mod:`.worker` per
   notebook and watches it from outside (:mod:`.procs`), :mod:`.sandbox` and
   :mod:`.sandbox_kernel` put each kernel in a bubblewrap sandbox, :mod:`.gradebook` writes a
   class's CSV (:mod:`.safetext`: safe for spreadsheets and terminals).

Grading uses the course's maths (:mod:`nnscratch.network`, :mod:`nnscratch.gradcheck`, ...); the
maths never imports grading. Importing this package imports nothing else: a check cell loads only
the harness and its exercise's checks.
"""

#: The checks whose check cells passed in this kernel, id -> detail (written by the check cells'
#: self-checks, :func:`.harness.probe`). The grader does not read it: it judges outside the kernel.
PASSED: dict[str, str] = {}
