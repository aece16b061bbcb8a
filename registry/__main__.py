"""`python -m registry`: how ToolBoxV2's server manager starts the registry."""

import sys

from registry.cli import main

sys.exit(main())
