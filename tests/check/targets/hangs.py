"""An app module whose import never finishes (it waits for a service that never answers)."""

import threading

threading.Event().wait()
