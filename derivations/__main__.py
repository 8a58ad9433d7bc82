"""`python -m derivations` is the `derivations` command."""

import sys

from derivations.cli import main

sys.exit(main())
