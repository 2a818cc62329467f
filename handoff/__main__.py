"""``python -m handoff``: serve the service or manage agents (see ``python -m handoff --help``)."""

from handoff.cli import main

raise SystemExit(main())
