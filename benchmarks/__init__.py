"""Benchmark of the mock server against a bare-Starlette ceiling and Prism, on each HTTP server, then a profile.

    .venv/bin/python benchmarks/run.py            # full run (~10 min): 3 rounds x 5 s per request and target
    .venv/bin/python benchmarks/run.py --quick    # development (~2-3 min): 1 round x 2 s
    .venv/bin/python -m benchmarks --json a.json  # the same command; --json writes figures and targets for --compare
    .venv/bin/python benchmarks/run.py --compare a.json b.json

What it does, in order:
 1. installs what it needs: wrk (Debian package), Prism (`@stoplight/prism-cli`, npm, into benchmarks/.cache),
    py-spy (into the venv, for the profile); each is skipped when already there;
 2. starts on 127.0.0.1 and free ports: our mock (`mockserver serve --server X`) and a bare Starlette app serving
    our mock's recorded bytes (benchmarks/ceiling.py) on each server X (granian, uvicorn), and Prism on the same
    openapi.yaml; times each from process start to its first 200 (our mock also on more fresh processes);
 3. checks what each answers (status, size, ceiling bytes == ours, Prism's body == a documented example);
 4. runs wrk (-t1 -c32, a lua `done()` printing JSON percentiles) on the three requests for every target,
    alternating targets and repeating rounds, after an unrecorded warm-up;
 5. times our mock one request at a time: cold (right after /__mock/reset) and warm, and a batch of 50 Graph
    lists against one; profiles it (py-spy under wrk load, and its start-up);
 6. starts a mock with --size 100000: page 1 against the last page (under wrk load and cold), then POSTs of
    distinct new accounts into that one world;
 7. our mock with 1 worker against 2 (on a Redis of its own when `--workers 2` needs a shared state);
 8. prints the tables, the machine, and the issue's targets with PASS/FAIL.

Everything it starts runs in its own process group and is stopped on exit, on failure and on Ctrl-C.
Results (report.txt, results.json, server logs, raw py-spy stacks loadable in speedscope.app) go to
benchmarks/.cache/results/<time>/. The machine is shared and has 2 cores: one for the server, one for wrk.
"""
