"""``python -m polthemes`` runs the command line."""

import sys

from polthemes.cli import main

sys.exit(main())
