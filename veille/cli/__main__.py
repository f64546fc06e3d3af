"""`python -m veille.cli`: the command line."""

import sys

from veille.cli import main

sys.exit(main())
