"""An app module that swallows whatever interrupts its first wait, then waits again."""

import time

try:
    time.sleep(100)
except BaseException:  # the kind of catch-all that would eat a one-shot deadline
    pass
time.sleep(100)
