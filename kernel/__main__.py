"""`python -m kernel`: train, evaluate and report one run."""

import sys

from kernel.main import main

sys.exit(main())
