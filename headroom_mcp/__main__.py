"""``python -m headroom_mcp`` runs the CLI."""

import sys

from headroom_mcp.cli import main

sys.exit(main())
