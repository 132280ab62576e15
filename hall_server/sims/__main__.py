"""``python -m hall_server.sims civil-registry|permits [flags]``."""

import sys

from hall_server.sims.cli import main

sys.exit(main())
