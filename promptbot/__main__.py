import sys

from promptbot.cli import main

sys.exit(main())
