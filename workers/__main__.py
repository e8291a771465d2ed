"""`python -m workers <verb> ...` — reserve the event channel before anything can print."""
from workers.channel import reserve_event_channel

_CHANNEL = reserve_event_channel()

import sys  # noqa: E402

from workers.job import main  # noqa: E402

sys.exit(main(sys.argv[1:], _CHANNEL))
