"""`mockserver proxy`: a validating reverse proxy. It forwards the two APIs' traffic to a real backend unchanged
(bar paging links and one header), judges every exchange against the contract and the conformance kit's rules, and
reports what broke: a response header, the journal, `/__mock/violations`, a summary and JUnit file at shutdown.

    settings.py   what the proxy is told (upstreams, strict, record, junit, timeouts)
    upstream.py   forwarding with httpx: hop-by-hop headers out, failures typed
    links.py      Graph paging links on the upstream's host, pointed at the proxy
    kit.py        the one door into the conformance kit (its single-exchange rules, curl, masking)
    checks.py     what one exchange broke: request and response against the contract, then the kit's rules
    report.py     the violations: per-rule tally, summary, JUnit, the bounded header
    record.py     real answers written as example payloads, and the check of a recorded folder
    app.py        the ASGI app wiring it all, with the admin routes
    command.py    the `proxy` subcommand
"""
